/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_expr.c -- the expression grammar of .wg text (doc/FORMAT.md):
 *
 *   expr    = term { ("+" | "-") term }
 *   term    = unary { ("*" | "/" | "@") unary }          "@": matmul
 *   unary   = ("-" | "+") unary | power
 *   power   = primary [ ("^" | "**") unary ]  right-associative; -x^2 = -(x^2)
 *   primary = NUMBER | NAME | NAME "(" args ")" | "(" expr ")"
 *
 * A NAME that nothing defines may be a constant, pi or e (the doubles
 * nearest pi and e, numbers like any literal).  Besides the op table's
 * names, ln(a) calls log, and log2(a), log10(a) record log(a) and a mul_c
 * by the double nearest 1/ln 2 or 1/ln 10 (within 2 ulps of the correctly
 * rounded log2, log10; doc/FORMAT.md).
 *
 * Nodes are recorded while parsing, in the order the operations complete.
 * Number literals stay numbers until an operation needs them: then they
 * become the constant of add_c / mul_c / powi / pow_c where that keeps the
 * derivative right (x^2 stays differentiable at negative x), and a const
 * node otherwise.  Calls go through the op table, so a new row of
 * WG_OP_LIST is callable by its name with no change here. */
#include "wg_parse.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int parse_unary(wg_parser *p, wg_operand *out);

/* pi and e: the doubles nearest them (M_PI and M_E, which strict C11
 * does not define) */
#define WG_PI 0x1.921fb54442d18p+1
#define WG_E  0x1.5bf0a8b145769p+1
/* 1/ln 2 and 1/ln 10, rounded to nearest: log2(a) = log(a) * WG_LOG2E */
#define WG_LOG2E  0x1.71547652b82fep+0
#define WG_LOG10E 0x1.bcb7b1526e50ep-2

static int token_is(const wg_token *t, const char *word)
{
    size_t n = strlen(word);
    return t->kind == WG_TOK_NAME && t->len == n && memcmp(t->text, word, n) == 0;
}

/* a named constant: 1 and *value for "pi" and "e" */
static int named_constant(const wg_token *t, double *value)
{
    if (token_is(t, "pi"))
        *value = WG_PI;
    else if (token_is(t, "e"))
        *value = WG_E;
    else
        return 0;
    return 1;
}

/* the functions that are not rows of the op table: ln is log; log2 and
 * log10 are log and a mul_c by *scale (0: none) */
static int function_alias(const wg_token *t, wg_op *op, double *scale)
{
    *scale = 0;
    if (token_is(t, "log2"))
        *scale = WG_LOG2E;
    else if (token_is(t, "log10"))
        *scale = WG_LOG10E;
    else if (!token_is(t, "ln"))
        return 0;
    *op = WG_OP_LOG;
    return 1;
}

int wg_expr_name_reserved(const char *s)
{
    wg_token t = { 0 };
    t.kind = WG_TOK_NAME;
    t.text = s;
    t.len = strlen(s);
    double v, scale;
    wg_op op;
    return named_constant(&t, &v) || function_alias(&t, &op, &scale);
}

/* the op called `name`, if any (op names are short) */
static int op_of_token(const wg_token *t, wg_op *op)
{
    char buf[32];
    if (t->kind != WG_TOK_NAME || t->len >= sizeof buf)
        return 0;
    memcpy(buf, t->text, t->len);
    buf[t->len] = '\0';
    return wg_op_from_name(buf, op);
}

static void start_operand(wg_parser *p, wg_operand *x)
{
    memset(x, 0, sizeof *x);
    x->at = p->tok;
}

static void finish_operand(wg_parser *p, wg_operand *x)
{
    x->end = p->prev.text + p->prev.len;
}

int wg_parse_record(wg_parser *p, const wg_token *at, wg_op op, wg_var a, wg_var b, double c,
                    wg_operand *res)
{
    wg_var r = wg_apply(p->t, op, a, b, c);
    if (!r.id || wg_status(p->t) != WG_OK)
        return wg_parse_tape_fail(p, at);
    res->is_lit = 0;
    res->v = r;
    return WG_OK;
}

int wg_parse_materialize(wg_parser *p, wg_operand *x)
{
    wg_var none = { 0 };
    if (!x->is_lit)
        return WG_OK;
    return wg_parse_record(p, &x->at, WG_OP_CONST, none, none, x->value, x);
}

/* an exponent that powi takes: integral and within int */
static int fits_int(double c)
{
    return c == floor(c) && c >= INT_MIN && c <= INT_MAX;
}

/* a = a op b, by the literal rules; op_tok is the operator, where a
 * domain error is reported */
static int infix(wg_parser *p, const wg_token *op_tok, wg_operand *a, wg_operand *b)
{
    wg_var none = { 0 };
    int s;
    wg_operand res = *a;
    res.end = b->end;
    char sym = op_tok->kind == WG_TOK_CARET ? '^' : op_tok->text[0];   /* '^' or "**" */
    switch (sym) {
    case '+':
    case '*': {
        wg_op cop = sym == '+' ? WG_OP_ADD_C : WG_OP_MUL_C;
        if (a->is_lit && !b->is_lit) {          /* NUMBER + e: the sum commutes exactly */
            s = wg_parse_record(p, op_tok, cop, b->v, none, a->value, &res);
        } else if (b->is_lit) {                 /* e + NUMBER (a literal e becomes a const) */
            if ((s = wg_parse_materialize(p, a)) != WG_OK)
                return s;
            s = wg_parse_record(p, op_tok, cop, a->v, none, b->value, &res);
        } else {
            s = wg_parse_record(p, op_tok, sym == '+' ? WG_OP_ADD : WG_OP_MUL, a->v, b->v, 0,
                                &res);
        }
        break;
    }
    case '-':
        if ((s = wg_parse_materialize(p, a)) != WG_OK)
            return s;
        if (b->is_lit)                          /* e - c == e + (-c) exactly in IEEE */
            s = wg_parse_record(p, op_tok, WG_OP_ADD_C, a->v, none, -b->value, &res);
        else
            s = wg_parse_record(p, op_tok, WG_OP_SUB, a->v, b->v, 0, &res);
        break;
    case '/':
        /* no x/c -> x*(1/c): 1/c rounds, so the value would change */
        if ((s = wg_parse_materialize(p, a)) != WG_OK || (s = wg_parse_materialize(p, b)) != WG_OK)
            return s;
        s = wg_parse_record(p, op_tok, WG_OP_DIV, a->v, b->v, 0, &res);
        break;
    case '@':                                   /* a literal operand is a rank-0 const */
        if ((s = wg_parse_materialize(p, a)) != WG_OK || (s = wg_parse_materialize(p, b)) != WG_OK)
            return s;
        res.v = wg_matmul(p->t, a->v, b->v);
        if (!res.v.id || wg_status(p->t) != WG_OK)
            return wg_parse_tape_fail(p, op_tok);
        res.is_lit = 0;
        break;
    default: /* '^' */
        if ((s = wg_parse_materialize(p, a)) != WG_OK)
            return s;
        if (b->is_lit)  /* a fixed exponent: pow(a, b) would need a > 0 */
            s = wg_parse_record(p, op_tok, fits_int(b->value) ? WG_OP_POWI : WG_OP_POW_C, a->v,
                                none, b->value, &res);
        else
            s = wg_parse_record(p, op_tok, WG_OP_POW, a->v, b->v, 0, &res);
        break;
    }
    if (s == WG_OK)
        *a = res;
    return s;
}

/* "after '+'", or nothing at the very start */
WG_PARSE_COLD
static int expected_operand(wg_parser *p)
{
    char what[96], d[64];
    if (p->prev.text)
        snprintf(what, sizeof what, "an operand after %s",
                 wg_token_describe(&p->prev, p->in_expression, d, sizeof d));
    else
        snprintf(what, sizeof what, "an expression");
    return wg_parse_expected(p, what);
}

WG_PARSE_COLD
static int undefined_name(wg_parser *p, const wg_token *name)
{
    char q[64];
    wg_quote_span(name->text, name->len, q, sizeof q);
    if (wg_parse_is_nonfinite_word(name))
        return wg_parse_fail(p, WG_EPARSE, name, "%s is not a number here: tapes hold finite "
                             "values only", q);
    if (!p->in_expression)
        return wg_parse_fail(p, WG_EPARSE, name, "undefined name %s (a name is defined by an "
                             "'input' line or an assignment before its use)", q);
    char list[400];
    size_t o = 0;
    list[0] = '\0';
    for (size_t i = 0; i < p->nvars && o + 8 < sizeof list; i++) {
        int w = snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", p->vars[i]);
        if (w < 0 || (size_t)w >= sizeof list - o) {
            snprintf(list + (sizeof list - 5), 5, "...");
            break;
        }
        o += (size_t)w;
    }
    return wg_parse_fail(p, WG_EPARSE, name, "unknown variable %s; %s%s", q,
                         p->nvars ? "variables given: " : "no variables given", list);
}

static const char *usage(wg_op op, char *buf, size_t len)
{
    const char *n = wg_op_name(op);
    switch (wg_op_kind_of(op)) {
    case WG_KIND_LEAF:   snprintf(buf, len, "%s(c) with c a number", n); break;
    case WG_KIND_UNARY:  snprintf(buf, len, "%s(a)", n); break;
    case WG_KIND_BINARY:
    case WG_KIND_CMP:    snprintf(buf, len, "%s(a, b)", n); break;
    case WG_KIND_CONST:  snprintf(buf, len, "%s(a, c) with c a number", n); break;
    case WG_KIND_INT:    snprintf(buf, len, "%s(a, n) with n an integer", n); break;
    case WG_KIND_TUNARY:
    case WG_KIND_TBINARY: snprintf(buf, len, "%s", wg_parse_tensor_usage(op)); break;
    case WG_KIND_CUSTOM: snprintf(buf, len, "a registered custom op, by its own name"); break;
    }
    return buf;
}

/* how many arguments a call of op takes, and which must be a number */
static int call_arity(wg_op op)
{
    switch (wg_op_kind_of(op)) {
    case WG_KIND_LEAF:   return op == WG_OP_CONST ? 1 : 0;
    case WG_KIND_UNARY:  return 1;
    case WG_KIND_BINARY:
    case WG_KIND_CMP:
    case WG_KIND_CONST:
    case WG_KIND_INT:    return 2;
    case WG_KIND_TUNARY:  return 1;         /* tensor calls are wg_tensor_parse.c's */
    case WG_KIND_TBINARY: return 2;
    case WG_KIND_CUSTOM:  return 0;         /* custom(...) is not callable */
    }
    return 0;
}

static int is_number_arg(wg_op op, int k)
{
    wg_op_kind kind = wg_op_kind_of(op);
    return (kind == WG_KIND_LEAF && k == 0)
        || ((kind == WG_KIND_CONST || kind == WG_KIND_INT) && k == 1);
}

/* The messages of a call.  Message buffers live here, in a function that
 * is never inlined, so that the frames of the recursion stay small (see
 * WG_PARSE_MAX_DEPTH). */
enum call_error {
    CALL_UNKNOWN,       /* no op of that name */
    CALL_INPUT,         /* input(...) */
    CALL_COMMA,         /* a ',' and argument k + 1 expected */
    CALL_ARG,           /* argument k + 1 expected */
    CALL_NUMBER,        /* argument k + 1 must be a number */
    CALL_INT,           /* ... an integer that fits an int */
    CALL_CLOSE,         /* ')' expected after the arguments */
    CALL_KEYWORD        /* a keyword argument to an op that takes none */
};

WG_PARSE_COLD
static int call_fail(wg_parser *p, const wg_token *name, wg_op op, enum call_error what, int k,
                     const wg_operand *arg)
{
    char q[64], u[96] = "", d[80], a[64];
    int nargs = call_arity(op);
    wg_quote_span(name->text, name->len, q, sizeof q);
    if (what != CALL_UNKNOWN)
        usage(op, u, sizeof u);
    if ((what == CALL_COMMA || what == CALL_ARG || what == CALL_CLOSE)
        && p->tok.kind == WG_TOK_ERROR)
        return wg_parse_expected(p, "");        /* a bad number: say what is wrong with it */
    wg_token_describe(&p->tok, p->in_expression, d, sizeof d);
    if (arg)
        wg_quote_span(arg->at.text, (size_t)(arg->end - arg->at.text), a, sizeof a);
    switch (what) {
    case CALL_UNKNOWN:
        if (wg_symtab_find(&p->names, name->text, name->len))
            return wg_parse_fail(p, WG_EPARSE, name, "%s is a variable, not a function", q);
        return wg_parse_fail(p, WG_EPARSE, name, "unknown function %s (doc/OPS.md lists "
                             "the ops; a custom op must be registered first)", q);
    case CALL_INPUT:
        if (op == WG_OP_CUSTOM)
            return wg_parse_fail(p, WG_EPARSE, name, "%s cannot be called: a custom op is "
                                 "called by its registered name", q);
        return wg_parse_fail(p, WG_EPARSE, name, "%s cannot be called: inputs are declared "
                             "by lines 'input NAME = NUMBER'", q);
    case CALL_COMMA:
        return wg_parse_fail(p, WG_EPARSE, &p->tok, "expected ',' and argument %d of %s, "
                             "found %s; usage: %s", k + 1, q, d, u);
    case CALL_ARG:
        return wg_parse_fail(p, WG_EPARSE, &p->tok, "expected argument %d of %s, found %s; "
                             "usage: %s", k + 1, q, d, u);
    case CALL_NUMBER:
        return wg_parse_fail(p, WG_EPARSE, &arg->at, "expected a number as argument %d of %s, "
                             "found %s; usage: %s", k + 1, q, a, u);
    case CALL_INT:
        return wg_parse_fail(p, WG_EPARSE, &arg->at, "expected an integer from %d to %d as "
                             "argument %d of %s, found %s; usage: %s", INT_MIN, INT_MAX, k + 1,
                             q, a, u);
    case CALL_KEYWORD:
        return wg_parse_fail(p, WG_EPARSE, &p->tok, "%s takes no keyword arguments, found "
                             "keyword %s; usage: %s", q, d, u);
    case CALL_CLOSE:
        if (p->tok.kind == WG_TOK_COMMA)
            return wg_parse_fail(p, WG_EPARSE, &p->tok, "expected ')' after the %s of %s, "
                                 "found ','; %s takes %d: %s", nargs == 1 ? "argument"
                                 : "arguments", q, q, nargs, u);
        return wg_parse_fail(p, WG_EPARSE, &p->tok, "expected ')' after the %s of %s, found %s",
                             nargs == 1 ? "argument" : "arguments", q, d);
    }
    return WG_EPARSE;
}

/* name "(" args ")"; the name is consumed and the current token is "(".
 * Out of line: only calls pay for its frame, not every parenthesis. */
/* the registered custom op called `name`, if any */
static int custom_of_token(const wg_token *t, int *id)
{
    char buf[64];
    if (t->kind != WG_TOK_NAME || t->len >= sizeof buf)
        return 0;
    memcpy(buf, t->text, t->len);
    buf[t->len] = '\0';
    return wg_custom_find(buf, id);
}

/* name "(" a [, b] ")" of a custom op of the registry; the current token is "(" */
WG_PARSE_COLD
static int custom_fail(wg_parser *p, const wg_token *at, const wg_token *name, int arity,
                       const char *what)
{
    char q[64], d[80];
    wg_quote_span(name->text, name->len, q, sizeof q);
    if (p->tok.kind == WG_TOK_ERROR)
        return wg_parse_expected(p, "");
    wg_token_describe(&p->tok, p->in_expression, d, sizeof d);
    return wg_parse_fail(p, WG_EPARSE, at, "%s of the custom op %s (it takes %d argument%s), "
                         "found %s", what, q, arity, arity == 1 ? "" : "s", d);
}

static int parse_custom_call(wg_parser *p, const wg_token *name, int id, wg_operand *out)
{
    int arity = wg_custom_def(id)->arity;
    wg_operand arg[2];
    wg_var v[2] = { { 0 }, { 0 } };
    wg_parse_advance(p);                        /* "(" */
    for (int k = 0; k < arity; k++) {
        if (k > 0) {
            if (p->tok.kind != WG_TOK_COMMA)
                return custom_fail(p, &p->tok, name, arity, "expected ',' and argument 2");
            wg_parse_advance(p);
        }
        if (p->tok.kind == WG_TOK_RPAREN || p->tok.kind == WG_TOK_COMMA
            || p->tok.kind == WG_TOK_ERROR || wg_parse_at_keyword(p))
            return custom_fail(p, &p->tok, name, arity, k ? "expected argument 2"
                                                          : "expected argument 1");
        int s = wg_parse_expression(p, &arg[k]);
        if (s != WG_OK || (s = wg_parse_materialize(p, &arg[k])) != WG_OK)
            return s;
        v[k] = arg[k].v;
    }
    if (p->tok.kind != WG_TOK_RPAREN)
        return custom_fail(p, &p->tok, name, arity, "expected ')' after the arguments");
    wg_parse_advance(p);                        /* ")" */
    return wg_parse_record(p, name, WG_OP_CUSTOM, v[0], v[1], (double)id, out);
}

WG_PARSE_NOINLINE
static int parse_call(wg_parser *p, const wg_token *name, wg_operand *out)
{
    wg_op op = WG_OP_COUNT;
    double scale = 0;
    if (!op_of_token(name, &op) && !function_alias(name, &op, &scale)) {
        int id;
        if (name->len == 5 && memcmp(name->text, "stack", 5) == 0)
            return wg_parse_tensor_call(p, name, WG_OP_COUNT, out);
        if (custom_of_token(name, &id))
            return parse_custom_call(p, name, id, out);
        return call_fail(p, name, op, CALL_UNKNOWN, 0, NULL);
    }
    wg_op_kind kind = wg_op_kind_of(op);
    if (kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY)
        return wg_parse_tensor_call(p, name, op, out);
    int nargs = call_arity(op);
    if (nargs == 0)
        return call_fail(p, name, op, CALL_INPUT, 0, NULL);
    wg_parse_advance(p);                        /* "(" */
    wg_operand arg[2];
    for (int k = 0; k < nargs; k++) {
        if (k > 0) {
            if (p->tok.kind != WG_TOK_COMMA)
                return call_fail(p, name, op, CALL_COMMA, k, NULL);
            wg_parse_advance(p);
        }
        if (p->tok.kind == WG_TOK_RPAREN || p->tok.kind == WG_TOK_COMMA
            || p->tok.kind == WG_TOK_ERROR)
            return call_fail(p, name, op, CALL_ARG, k, NULL);
        if (wg_parse_at_keyword(p))
            return call_fail(p, name, op, CALL_KEYWORD, k, NULL);
        int s = wg_parse_expression(p, &arg[k]);
        if (s != WG_OK)
            return s;
        if (is_number_arg(op, k)) {
            if (!arg[k].is_lit)
                return call_fail(p, name, op, CALL_NUMBER, k, &arg[k]);
            if (wg_op_kind_of(op) == WG_KIND_INT && !fits_int(arg[k].value))
                return call_fail(p, name, op, CALL_INT, k, &arg[k]);
        }
    }
    if (wg_parse_comma_keyword(p)) {            /* sin(x, axis=1): say what is wrong */
        wg_parse_advance(p);
        return call_fail(p, name, op, CALL_KEYWORD, nargs, NULL);
    }
    if (p->tok.kind != WG_TOK_RPAREN)
        return call_fail(p, name, op, CALL_CLOSE, nargs, NULL);
    wg_parse_advance(p);                        /* ")" */

    wg_var none = { 0 };
    int s;
    switch (wg_op_kind_of(op)) {
    case WG_KIND_LEAF:                          /* const(c): a const node, always */
        return wg_parse_record(p, name, op, none, none, arg[0].value, out);
    case WG_KIND_UNARY:
        if ((s = wg_parse_materialize(p, &arg[0])) != WG_OK)
            return s;
        s = wg_parse_record(p, name, op, arg[0].v, none, 0, out);
        if (s == WG_OK && scale != 0)           /* log2, log10 */
            s = wg_parse_record(p, name, WG_OP_MUL_C, out->v, none, scale, out);
        return s;
    case WG_KIND_BINARY:
    case WG_KIND_CMP:
        if ((s = wg_parse_materialize(p, &arg[0])) != WG_OK
            || (s = wg_parse_materialize(p, &arg[1])) != WG_OK)
            return s;
        return wg_parse_record(p, name, op, arg[0].v, arg[1].v, 0, out);
    case WG_KIND_CONST:
    case WG_KIND_INT:
        if ((s = wg_parse_materialize(p, &arg[0])) != WG_OK)
            return s;
        return wg_parse_record(p, name, op, arg[0].v, none, arg[1].value, out);
    case WG_KIND_TUNARY:
    case WG_KIND_TBINARY:
    case WG_KIND_CUSTOM:
        break;                                  /* handed on above */
    }
    return call_fail(p, name, op, CALL_INPUT, 0, NULL);     /* not reached: kinds are all above */
}

WG_PARSE_COLD
static int op_without_call(wg_parser *p, const wg_token *name, wg_op op)
{
    char q[64], u[96], d[80];
    if (p->tok.kind == WG_TOK_ERROR)
        return wg_parse_expected(p, "");
    return wg_parse_fail(p, WG_EPARSE, &p->tok, "expected '(' after the op name %s, found %s; "
                         "usage: %s", wg_quote_span(name->text, name->len, q, sizeof q),
                         wg_token_describe(&p->tok, p->in_expression, d, sizeof d),
                         usage(op, u, sizeof u));
}

WG_PARSE_COLD
static int unclosed(wg_parser *p, const wg_token *open)
{
    char what[96];
    snprintf(what, sizeof what, "')' to close the '(' at %zu:%zu", open->line, open->column);
    return wg_parse_expected(p, what);
}

static int parse_primary(wg_parser *p, wg_operand *out)
{
    start_operand(p, out);
    wg_token t = p->tok;
    int s = WG_OK;
    switch (t.kind) {
    case WG_TOK_NUMBER:
        out->is_lit = 1;
        out->value = t.number;
        wg_parse_advance(p);
        break;
    case WG_TOK_NAME: {
        wg_parse_advance(p);
        if (p->tok.kind == WG_TOK_LPAREN) {
            s = parse_call(p, &t, out);
            break;
        }
        wg_op op;
        int cid;
        if (op_of_token(&t, &op))
            return op_without_call(p, &t, op);
        if (custom_of_token(&t, &cid)) {
            char q[64], d[80];
            return wg_parse_fail(p, WG_EPARSE, &p->tok, "expected '(' after the custom op %s, "
                                 "found %s", wg_quote_span(t.text, t.len, q, sizeof q),
                                 wg_token_describe(&p->tok, p->in_expression, d, sizeof d));
        }
        wg_sym *e = wg_symtab_find(&p->names, t.text, t.len);
        if (!e && named_constant(&t, &out->value)) {    /* a defined name comes first */
            out->is_lit = 1;
            break;
        }
        if (!e)
            return undefined_name(p, &t);
        out->v.id = e->id;
        out->v.tag = e->tag;
        break;
    }
    case WG_TOK_LPAREN: {
        wg_parse_advance(p);
        wg_operand inner;
        if ((s = wg_parse_expression(p, &inner)) != WG_OK)
            return s;
        if (p->tok.kind != WG_TOK_RPAREN)
            return unclosed(p, &t);
        wg_parse_advance(p);
        *out = inner;
        out->at = t;
        break;
    }
    default:
        return expected_operand(p);
    }
    if (s == WG_OK)
        finish_operand(p, out);
    return s;
}

static int parse_power(wg_parser *p, wg_operand *out)
{
    int s = parse_primary(p, out);
    if (s != WG_OK || p->tok.kind != WG_TOK_CARET)
        return s;
    wg_token op = p->tok;
    wg_parse_advance(p);
    wg_operand e;
    if ((s = parse_unary(p, &e)) != WG_OK)      /* x^-2 and a^b^c = a^(b^c) */
        return s;
    return infix(p, &op, out, &e);
}

static int parse_unary_body(wg_parser *p, wg_operand *out)
{
    if (p->tok.kind != WG_TOK_MINUS && p->tok.kind != WG_TOK_PLUS)
        return parse_power(p, out);
    wg_token op = p->tok;
    wg_parse_advance(p);
    int s = parse_unary(p, out);
    if (s != WG_OK)
        return s;
    out->at = op;
    if (op.kind == WG_TOK_PLUS)
        return WG_OK;
    if (out->is_lit) {          /* -NUMBER is a number: "-2.5" and "-0" keep their bits */
        out->value = -out->value;
        return WG_OK;
    }
    wg_var none = { 0 };
    return wg_parse_record(p, &op, WG_OP_NEG, out->v, none, 0, out);
}

WG_PARSE_COLD
static int too_deep(wg_parser *p)
{
    return wg_parse_fail(p, WG_EPARSE, &p->tok, "expression nested more than %d levels deep",
                         WG_PARSE_MAX_DEPTH);
}

static int parse_unary(wg_parser *p, wg_operand *out)
{
    /* every level of nesting -- parentheses, call arguments, signs, powers --
     * passes through here, so one counter bounds the recursion */
    if (p->depth >= WG_PARSE_MAX_DEPTH)
        return too_deep(p);
    p->depth++;
    int s = parse_unary_body(p, out);
    p->depth--;
    return s;
}

static int parse_term(wg_parser *p, wg_operand *out)
{
    int s = parse_unary(p, out);
    while (s == WG_OK && (p->tok.kind == WG_TOK_STAR || p->tok.kind == WG_TOK_SLASH
                          || p->tok.kind == WG_TOK_AT)) {
        wg_token op = p->tok;
        wg_parse_advance(p);
        wg_operand b;
        if ((s = parse_unary(p, &b)) == WG_OK)
            s = infix(p, &op, out, &b);
    }
    return s;
}

int wg_parse_expression(wg_parser *p, wg_operand *out)
{
    int s = parse_term(p, out);
    while (s == WG_OK && (p->tok.kind == WG_TOK_PLUS || p->tok.kind == WG_TOK_MINUS)) {
        wg_token op = p->tok;
        wg_parse_advance(p);
        wg_operand b;
        if ((s = parse_term(p, &b)) == WG_OK)
            s = infix(p, &op, out, &b);
    }
    return s;
}
