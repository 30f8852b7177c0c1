/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_tensor_parse.c -- the tensor part of the .wg reader (doc/FORMAT.md,
 * "Tensors"):
 *
 *   input NAME : SHAPE = [ v, v, ... ]     also const NAME : SHAPE = ...
 *   input NAME : SHAPE = file "PATH"
 *   sum(x, axes=[0, 2], keepdims=1)        tensor ops with keyword arguments
 *   concat(a, b, c, axis=0), stack(a, b, axis=0), matmul(a, b)
 *
 * Shapes are checked here only as text (digits, rank, size); whether they
 * fit an op is the library's call, and its WG_ESHAPE message is reported
 * at the call. */
#include "wg_parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- keywords */

enum kw { KW_AXES, KW_AXIS, KW_KEEPDIMS, KW_SHAPE, KW_PERM, KW_START, KW_STOP, KW_COUNT };

static const char *const kw_name[KW_COUNT] = {
    "axes", "axis", "keepdims", "shape", "perm", "start", "stop"
};

#define B(k) (1u << (k))

/* What each call takes.  Keywords are required unless the op has a
 * default for them: every axis (sum, mean), keepdims=0, the reversed axes
 * (transpose).  op WG_OP_COUNT is stack. */
static const struct call_form {
    wg_op op;
    unsigned allowed, required;
    int min_pos, max_pos;           /* positional operands; max -1: any number */
    const char *usage;
} forms[] = {
    { WG_OP_SUM, B(KW_AXES) | B(KW_KEEPDIMS), 0, 1, 1,
      "sum(a, axes=[i, ...], keepdims=0|1), both keywords optional (every axis, 0)" },
    { WG_OP_MEAN, B(KW_AXES) | B(KW_KEEPDIMS), 0, 1, 1,
      "mean(a, axes=[i, ...], keepdims=0|1), both keywords optional (every axis, 0)" },
    { WG_OP_MAX_REDUCE, B(KW_AXIS) | B(KW_KEEPDIMS), B(KW_AXIS), 1, 1,
      "max_reduce(a, axis=i, keepdims=0|1), keepdims optional (0)" },
    { WG_OP_LOGSUMEXP, B(KW_AXIS) | B(KW_KEEPDIMS), B(KW_AXIS), 1, 1,
      "logsumexp(a, axis=i, keepdims=0|1), keepdims optional (0)" },
    { WG_OP_LOGSOFTMAX, B(KW_AXIS), B(KW_AXIS), 1, 1, "logsoftmax(a, axis=i)" },
    { WG_OP_SOFTMAX, B(KW_AXIS), B(KW_AXIS), 1, 1, "softmax(a, axis=i)" },
    { WG_OP_ARGMAX_MASK, B(KW_AXIS), B(KW_AXIS), 1, 1, "argmax_mask(a, axis=i)" },
    { WG_OP_RESHAPE, B(KW_SHAPE), B(KW_SHAPE), 1, 1, "reshape(a, shape=[n, ...])" },
    { WG_OP_TRANSPOSE, B(KW_PERM), 0, 1, 1,
      "transpose(a, perm=[i, ...]), perm optional (the axes reversed)" },
    { WG_OP_BROADCAST_TO, B(KW_SHAPE), B(KW_SHAPE), 1, 1, "broadcast_to(a, shape=[n, ...])" },
    { WG_OP_SLICE, B(KW_AXIS) | B(KW_START) | B(KW_STOP),
      B(KW_AXIS) | B(KW_START) | B(KW_STOP), 1, 1, "slice(a, axis=i, start=n, stop=n)" },
    { WG_OP_MATMUL, 0, 0, 2, 2, "matmul(a, b), or a @ b" },
    { WG_OP_CONCAT, B(KW_AXIS), B(KW_AXIS), 1, -1, "concat(a, b, ..., axis=i)" },
    { WG_OP_COUNT, B(KW_AXIS), B(KW_AXIS), 1, -1, "stack(a, b, ..., axis=i)" },
};

static const struct call_form *form_of(wg_op op)
{
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++)
        if (forms[k].op == op)
            return &forms[k];
    return NULL;
}

const char *wg_parse_tensor_usage(wg_op op)
{
    const struct call_form *f = form_of(op);
    return f ? f->usage : "";
}

int wg_parse_at_keyword(const wg_parser *p)
{
    return p->tok.kind == WG_TOK_NAME && wg_lexer_peek(&p->lx).kind == WG_TOK_EQUALS;
}

int wg_parse_comma_keyword(const wg_parser *p)
{
    if (p->tok.kind != WG_TOK_COMMA)
        return 0;
    wg_lexer copy = p->lx;
    return wg_lexer_next(&copy).kind == WG_TOK_NAME && wg_lexer_next(&copy).kind == WG_TOK_EQUALS;
}

/* the values of the keywords of one call */
typedef struct kwargs {
    unsigned given;
    wg_token at[KW_COUNT];          /* where each was given */
    int axis, keepdims;
    size_t start, stop;
    int naxes, nperm, rank;
    int axes[WG_MAX_RANK], perm[WG_MAX_RANK];
    size_t shape[WG_MAX_RANK];
} kwargs;

/* ---------------------------------------------------------------- integers */

/* An integer literal, [+-] digits, as sign and magnitude.  Read from the
 * text, not from the double, so that a size past 2^53 is exact or refused. */
static int read_integer(wg_parser *p, int *neg, uint64_t *mag)
{
    *neg = 0;
    if (p->tok.kind == WG_TOK_MINUS || p->tok.kind == WG_TOK_PLUS) {
        *neg = p->tok.kind == WG_TOK_MINUS;
        wg_parse_advance(p);
    }
    if (p->tok.kind != WG_TOK_NUMBER)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < p->tok.len; i++) {
        unsigned char c = (unsigned char)p->tok.text[i];
        if (c < '0' || c > '9')
            return 0;
        unsigned d = c - '0';
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *mag = v;
    wg_parse_advance(p);
    return 1;
}

/* The value of keyword kw is not `want`.  read_integer stops at the token
 * that is no integer, which is then the place; an integer out of range was
 * read whole, and the place is where it starts. */
WG_PARSE_COLD
static int bad_value(wg_parser *p, const wg_token *start, int read_whole, const char *kw,
                     const char *want)
{
    char d[80];
    if (!read_whole && p->tok.kind == WG_TOK_ERROR)
        return wg_parse_expected(p, "");
    if (read_whole)
        wg_quote_span(start->text, (size_t)(p->prev.text + p->prev.len - start->text), d,
                      sizeof d);
    else
        wg_token_describe(&p->tok, p->in_expression, d, sizeof d);
    return wg_parse_fail(p, WG_EPARSE, read_whole ? start : &p->tok, "expected %s as the value "
                         "of '%s', found %s", want, kw, d);
}

/* an integer from lo to hi */
static int int_value(wg_parser *p, const char *kw, long long lo, long long hi, long long *out)
{
    wg_token at = p->tok;
    int neg;
    uint64_t mag;
    const char *want = lo == 0 ? (hi == 1 ? "0 or 1" : "an integer 0 or more") : "an integer";
    if (!read_integer(p, &neg, &mag))
        return bad_value(p, &at, 0, kw, want);
    if (mag > (uint64_t)INT64_MAX
        || (neg ? -(long long)mag < lo : (long long)mag > hi))
        return bad_value(p, &at, 1, kw, lo == 0 && hi == 1 ? want : "an integer that fits an int");
    *out = neg ? -(long long)mag : (long long)mag;
    return WG_OK;
}

/* a size (start, stop, a shape's entries): 0 .. SIZE_MAX */
static int size_value(wg_parser *p, const char *kw, size_t *out)
{
    wg_token at = p->tok;
    int neg;
    uint64_t mag;
    if (!read_integer(p, &neg, &mag))
        return bad_value(p, &at, 0, kw, "an integer 0 or more");
    if ((neg && mag) || mag > SIZE_MAX)
        return bad_value(p, &at, 1, kw, "an integer 0 or more");
    *out = (size_t)mag;
    return WG_OK;
}

/* "[" [ int { "," int } ] "]", at most WG_MAX_RANK entries.  No line
 * break inside: a keyword list is part of an expression, and an
 * expression ends at the end of its line (so it reads the same in a .wg
 * assignment and on its own) */
static int list_value(wg_parser *p, const char *kw, int is_size, int *n, int *ints,
                      size_t *sizes)
{
    char what[96];
    if (p->tok.kind != WG_TOK_LBRACKET) {
        snprintf(what, sizeof what, "'[' and a list of integers as the value of '%s'", kw);
        return wg_parse_expected(p, what);
    }
    wg_token open = p->tok;
    *n = 0;
    wg_parse_advance(p);
    while (p->tok.kind != WG_TOK_RBRACKET) {
        if (*n > 0) {
            if (p->tok.kind != WG_TOK_COMMA) {
                snprintf(what, sizeof what, "',' or ']' in the list of '%s' opened at %zu:%zu",
                         kw, open.line, open.column);
                return wg_parse_expected(p, what);
            }
            wg_parse_advance(p);
        }
        if (*n == WG_MAX_RANK)
            return wg_parse_fail(p, WG_EPARSE, &p->tok, "the list of '%s' has more than %d "
                                 "entries: tensors have at most %d axes", kw, WG_MAX_RANK,
                                 WG_MAX_RANK);
        int s;
        if (is_size) {
            s = size_value(p, kw, &sizes[*n]);
        } else {
            long long v = 0;
            s = int_value(p, kw, INT32_MIN, INT32_MAX, &v);
            ints[*n] = (int)v;
        }
        if (s != WG_OK)
            return s;
        (*n)++;
    }
    wg_parse_advance(p);            /* "]" */
    return WG_OK;
}

/* NAME "=" VALUE, the current token being NAME */
static int parse_keyword(wg_parser *p, const wg_token *fname, const struct call_form *f,
                         kwargs *kv)
{
    wg_token name = p->tok;
    char q[64], fq[64];
    wg_quote_span(name.text, name.len, q, sizeof q);
    wg_quote_span(fname->text, fname->len, fq, sizeof fq);
    int k = 0;
    while (k < KW_COUNT && !(strlen(kw_name[k]) == name.len
                             && memcmp(kw_name[k], name.text, name.len) == 0))
        k++;
    if (k == KW_COUNT || !(f->allowed & B(k)))
        return wg_parse_fail(p, WG_EPARSE, &name, "%s has no keyword %s; usage: %s", fq, q,
                             f->usage);
    if (kv->given & B(k))
        return wg_parse_fail(p, WG_EPARSE, &name, "keyword %s of %s is given twice: at %zu:%zu "
                             "and at %zu:%zu", q, fq, kv->at[k].line, kv->at[k].column,
                             name.line, name.column);
    kv->given |= B(k);
    kv->at[k] = name;
    wg_parse_advance(p);            /* NAME */
    wg_parse_advance(p);            /* "=" */
    long long v = 0;
    int s;
    switch ((enum kw)k) {
    case KW_AXES:
        s = list_value(p, kw_name[k], 0, &kv->naxes, kv->axes, NULL);
        if (s == WG_OK && kv->naxes == 0)
            s = wg_parse_fail(p, WG_EPARSE, &p->prev, "'axes' of %s lists no axis: leave it "
                              "out to reduce over every axis", fq);
        return s;
    case KW_PERM:
        return list_value(p, kw_name[k], 0, &kv->nperm, kv->perm, NULL);
    case KW_SHAPE:
        return list_value(p, kw_name[k], 1, &kv->rank, NULL, kv->shape);
    case KW_AXIS:
        s = int_value(p, kw_name[k], INT32_MIN, INT32_MAX, &v);
        kv->axis = (int)v;
        return s;
    case KW_KEEPDIMS:
        s = int_value(p, kw_name[k], 0, 1, &v);
        kv->keepdims = (int)v;
        return s;
    case KW_START:
        return size_value(p, kw_name[k], &kv->start);
    case KW_STOP:
        return size_value(p, kw_name[k], &kv->stop);
    case KW_COUNT:
        break;
    }
    return WG_EPARSE;
}

/* ---------------------------------------------------------------- calls */

/* Record the op from its operands and keywords; a tape failure (shapes
 * that do not fit: WG_ESHAPE) is reported at the call's name. */
static int record_call(wg_parser *p, const wg_token *name, wg_op op, size_t n,
                       const wg_var *arg, const kwargs *kv, wg_operand *out)
{
    wg_tape *t = p->t;
    const int *axes = kv->naxes ? kv->axes : NULL;
    wg_var r = { 0 };
    switch (op) {
    case WG_OP_SUM:        r = wg_sum(t, arg[0], kv->naxes, axes, kv->keepdims); break;
    case WG_OP_MEAN:       r = wg_mean(t, arg[0], kv->naxes, axes, kv->keepdims); break;
    case WG_OP_MAX_REDUCE: r = wg_max_reduce(t, arg[0], kv->axis, kv->keepdims); break;
    case WG_OP_LOGSUMEXP:  r = wg_logsumexp(t, arg[0], kv->axis, kv->keepdims); break;
    case WG_OP_LOGSOFTMAX: r = wg_logsoftmax(t, arg[0], kv->axis); break;
    case WG_OP_SOFTMAX:    r = wg_softmax(t, arg[0], kv->axis); break;
    case WG_OP_ARGMAX_MASK: r = wg_argmax_mask(t, arg[0], kv->axis); break;
    case WG_OP_RESHAPE:    r = wg_reshape(t, arg[0], kv->rank, kv->shape); break;
    case WG_OP_BROADCAST_TO: r = wg_broadcast_to(t, arg[0], kv->rank, kv->shape); break;
    case WG_OP_SLICE:      r = wg_slice(t, arg[0], kv->axis, kv->start, kv->stop); break;
    case WG_OP_MATMUL:     r = wg_matmul(t, arg[0], arg[1]); break;
    case WG_OP_CONCAT:     r = wg_concat(t, n, arg, kv->axis); break;
    case WG_OP_COUNT:      r = wg_stack(t, n, arg, kv->axis); break;
    case WG_OP_TRANSPOSE: {
        /* wg_transpose reads one entry per axis of a: a list of another
         * length would be read past its end or short */
        int rank = wg_shape(t, arg[0], NULL);
        if (kv->given & B(KW_PERM) && kv->nperm != rank) {
            char q[64];
            return wg_parse_fail(p, WG_ESHAPE, &kv->at[KW_PERM], "'perm' of %s lists %d axes, "
                                 "the operand has %d", wg_quote_span(name->text, name->len, q,
                                                                     sizeof q), kv->nperm, rank);
        }
        r = wg_transpose(t, arg[0], kv->given & B(KW_PERM) ? kv->perm : NULL);
        break;
    }
    default:
        break;
    }
    if (!r.id || wg_status(t) != WG_OK)
        return wg_parse_tape_fail(p, name);
    out->is_lit = 0;
    out->v = r;
    return WG_OK;
}

WG_PARSE_COLD
static int call_error(wg_parser *p, const wg_token *name, const struct call_form *f, int what,
                      size_t k)
{
    char q[64], d[80];
    wg_quote_span(name->text, name->len, q, sizeof q);
    if (p->tok.kind == WG_TOK_ERROR)
        return wg_parse_expected(p, "");
    wg_token_describe(&p->tok, p->in_expression, d, sizeof d);
    switch (what) {
    case 0:             /* an operand expected */
        return wg_parse_fail(p, WG_EPARSE, &p->tok, "expected operand %zu of %s, found %s; "
                             "usage: %s", k + 1, q, d, f->usage);
    case 1:             /* ',' or ')' expected */
        return wg_parse_fail(p, WG_EPARSE, &p->tok, "expected ',' or ')' after argument %zu of "
                             "%s, found %s; usage: %s", k, q, d, f->usage);
    case 2:             /* an operand after keywords */
        return wg_parse_fail(p, WG_EPARSE, &p->tok, "expected a keyword argument NAME=VALUE "
                             "of %s, found %s: operands come before keywords; usage: %s", q, d,
                             f->usage);
    case 3:             /* too many operands */
        return wg_parse_fail(p, WG_EPARSE, &p->tok, "%s takes %d operand%s, found operand "
                             "%zu; usage: %s", q, f->max_pos, f->max_pos == 1 ? "" : "s", k + 1,
                             f->usage);
    default:            /* too few operands */
        return wg_parse_fail(p, WG_EPARSE, &p->tok, "%s takes %s%d operand%s, found %zu; "
                             "usage: %s", q, f->max_pos < 0 ? "at least " : "", f->min_pos,
                             f->min_pos == 1 ? "" : "s", k, f->usage);
    }
}

int wg_parse_tensor_call(wg_parser *p, const wg_token *name, wg_op op, wg_operand *out)
{
    const struct call_form *f = form_of(op);
    if (!f)             /* an op kind with no form here: a new row of the table */
        return wg_parse_fail(p, WG_EPARSE, name, "this reader cannot call op %s",
                             wg_op_name(op));
    kwargs kv;
    memset(&kv, 0, sizeof kv);
    wg_operand *arg = NULL;
    size_t n = 0, cap = 0;
    int s = WG_OK;
    wg_parse_advance(p);                        /* "(" */
    for (size_t k = 0;; k++) {
        if (k > 0) {
            if (p->tok.kind == WG_TOK_RPAREN)
                break;
            if (p->tok.kind != WG_TOK_COMMA) {
                s = call_error(p, name, f, 1, k);
                break;
            }
            wg_parse_advance(p);
        } else if (p->tok.kind == WG_TOK_RPAREN) {
            break;
        }
        if (wg_parse_at_keyword(p)) {
            if ((s = parse_keyword(p, name, f, &kv)) != WG_OK)
                break;
            continue;
        }
        if (kv.given) {
            s = call_error(p, name, f, 2, n);
            break;
        }
        if (p->tok.kind == WG_TOK_RPAREN || p->tok.kind == WG_TOK_COMMA
            || p->tok.kind == WG_TOK_ERROR) {
            s = call_error(p, name, f, 0, n);
            break;
        }
        if (f->max_pos >= 0 && n == (size_t)f->max_pos) {
            s = call_error(p, name, f, 3, n);
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 4;
            wg_operand *na = ncap < SIZE_MAX / sizeof *na ? realloc(arg, ncap * sizeof *na)
                                                          : NULL;
            if (!na) {
                s = wg_parse_fail(p, WG_ENOMEM, name, "out of memory");
                break;
            }
            arg = na;
            cap = ncap;
        }
        if ((s = wg_parse_expression(p, &arg[n])) != WG_OK)
            break;
        n++;
    }
    if (s == WG_OK && n < (size_t)f->min_pos)
        s = call_error(p, name, f, 4, n);
    if (s == WG_OK && (f->required & ~kv.given)) {
        int k = 0;
        while (!((f->required & ~kv.given) & B(k)))
            k++;
        char q[64];
        s = wg_parse_fail(p, WG_EPARSE, &p->tok, "%s needs keyword '%s'; usage: %s",
                          wg_quote_span(name->text, name->len, q, sizeof q), kw_name[k],
                          f->usage);
    }
    wg_var *v = NULL;
    if (s == WG_OK) {
        wg_parse_advance(p);                    /* ")" */
        /* operands that are numbers become const nodes now, in order, as
         * the arguments of any call do */
        for (size_t k = 0; k < n && s == WG_OK; k++)
            s = wg_parse_materialize(p, &arg[k]);
        v = s == WG_OK ? malloc((n ? n : 1) * sizeof *v) : NULL;
        if (s == WG_OK && !v)
            s = wg_parse_fail(p, WG_ENOMEM, name, "out of memory");
    }
    if (s == WG_OK) {
        for (size_t k = 0; k < n; k++)
            v[k] = arg[k].v;
        s = record_call(p, name, op, n, v, &kv, out);
    }
    free(v);
    free(arg);
    return s;
}

/* ---------------------------------------------------------------- tensor leaves */

/* SHAPE: dims joined by 'x', each decimal; at most WG_MAX_RANK of them */
static int parse_shape(wg_parser *p, const char *who, int *rank, size_t *dim, size_t *numel)
{
    char q[64], what[160];
    p->prev = p->tok;
    p->tok = wg_lexer_shape(&p->lx);    /* the token after ':' is read as a shape */
    if (p->tok.kind != WG_TOK_SHAPE) {
        snprintf(what, sizeof what, "the shape of %s after ':' (sizes joined by 'x': 2x3, 10, "
                 "0x4)", who);
        return wg_parse_expected(p, what);
    }
    wg_token t = p->tok;
    wg_quote_span(t.text, t.len, q, sizeof q);
    int r = 0;
    for (size_t i = 0; i < t.len;) {
        size_t j = i;
        uint64_t v = 0;
        int over = 0;
        while (j < t.len && t.text[j] >= '0' && t.text[j] <= '9') {
            unsigned d = (unsigned)(t.text[j] - '0');
            over |= v > (UINT64_MAX - d) / 10;
            v = v * 10 + d;
            j++;
        }
        if (j == i || (j < t.len && t.text[j] != 'x') || j + 1 == t.len)
            return wg_parse_fail(p, WG_EPARSE, &t, "malformed shape %s of %s: sizes are decimal "
                                 "integers joined by 'x' (2x3, 10, 0x4)", q, who);
        if (over || v > SIZE_MAX)
            return wg_parse_fail(p, WG_ELIMIT, &t, "shape %s of %s: size %d is too large", q,
                                 who, r + 1);
        if (r == WG_MAX_RANK)
            return wg_parse_fail(p, WG_EPARSE, &t, "shape %s of %s has more than %d axes "
                                 "(WG_MAX_RANK)", q, who, WG_MAX_RANK);
        dim[r++] = (size_t)v;
        i = j + 1;
    }
    *rank = r;
    /* the element count, unless it passes the library's limit; a 0 size
     * anywhere makes it 0 whatever the others are */
    size_t n = 1;
    int zero = 0, big = 0;
    for (int d = 0; d < r; d++) {
        zero |= dim[d] == 0;
        if (dim[d] && n > WG_MAX_ELEMENTS / dim[d])
            big = 1;
        else if (!big)
            n *= dim[d];
    }
    if (zero)
        n = 0;
    else if (big)
        return wg_parse_fail(p, WG_ELIMIT, &t, "shape %s of %s has more than %zu elements "
                             "(WG_MAX_ELEMENTS)", q, who, (size_t)WG_MAX_ELEMENTS);
    *numel = n;
    wg_parse_advance(p);
    return WG_OK;
}

/* "[" [ value { "," value } ] "]", value = [+-] NUMBER; line breaks may
 * fall anywhere inside, so a big tensor can be wrapped.  Every value is
 * read, so a wrong count says how many there are. */
static int parse_values(wg_parser *p, const char *who, const char *shape, size_t numel,
                        double **out)
{
    wg_token open = p->tok, first_extra = { 0 };
    size_t count = 0, cap = 0;
    double *v = NULL;
    char what[160];
    int s = WG_OK;
    wg_parse_advance(p);
    while (p->tok.kind == WG_TOK_NEWLINE)
        wg_parse_advance(p);
    while (p->tok.kind != WG_TOK_RBRACKET) {
        if (count > 0) {
            if (p->tok.kind != WG_TOK_COMMA) {
                snprintf(what, sizeof what, "',' or ']' in the values of %s opened at %zu:%zu",
                         who, open.line, open.column);
                s = wg_parse_expected(p, what);
                break;
            }
            wg_parse_advance(p);
            while (p->tok.kind == WG_TOK_NEWLINE)
                wg_parse_advance(p);
        }
        wg_token at = p->tok;
        double value;
        snprintf(what, sizeof what, "value %zu of %s", count + 1, who);
        if ((s = wg_parse_signed_number(p, what, &value)) != WG_OK)
            break;
        if (count < numel) {
            if (count == cap) {
                /* grow with the text, not with what the shape claims */
                size_t ncap = cap ? (cap > numel / 2 ? numel : 2 * cap)
                                  : (numel < 64 ? numel : 64);
                double *nv = realloc(v, ncap * sizeof *nv);
                if (!nv) {
                    s = wg_parse_fail(p, WG_ENOMEM, &at, "out of memory");
                    break;
                }
                v = nv;
                cap = ncap;
            }
            v[count] = value;
        } else if (count == numel) {
            first_extra = at;
        }
        count++;
        while (p->tok.kind == WG_TOK_NEWLINE)
            wg_parse_advance(p);
    }
    if (s == WG_OK && count != numel)
        s = wg_parse_fail(p, WG_EPARSE, count > numel ? &first_extra : &p->tok, "%s: shape %s "
                          "needs %zu value%s, found %zu", who, shape, numel,
                          numel == 1 ? "" : "s", count);
    if (s != WG_OK) {
        free(v);
        return s;
    }
    wg_parse_advance(p);                /* "]" */
    *out = v;
    return WG_OK;
}

static int is_word(const wg_token *t, const char *w)
{
    return t->kind == WG_TOK_NAME && t->len == strlen(w) && memcmp(t->text, w, t->len) == 0;
}

int wg_parse_tensor_leaf(wg_parser *p, const wg_token *name, const char *what, int is_const,
                         wg_var *out)
{
    char q[64], who[96], shape_text[WG_MAX_RANK * 21 + 1], exp[160];
    wg_quote_span(name->text, name->len, q, sizeof q);
    snprintf(who, sizeof who, "%s %s", what, q);
    int rank = 0;
    size_t dim[WG_MAX_RANK], numel = 0;
    int s = parse_shape(p, who, &rank, dim, &numel);
    if (s != WG_OK)
        return s;
    snprintf(shape_text, sizeof shape_text, "%.*s", (int)p->prev.len, p->prev.text);
    if (p->tok.kind != WG_TOK_EQUALS) {
        snprintf(exp, sizeof exp, "'=' after the shape of %s", who);
        return wg_parse_expected(p, exp);
    }
    wg_parse_advance(p);
    double *data = NULL;
    if (p->tok.kind == WG_TOK_LBRACKET) {
        s = parse_values(p, who, shape_text, numel, &data);
    } else if (is_word(&p->tok, "file")) {
        wg_parse_advance(p);
        if (p->tok.kind != WG_TOK_STRING) {
            snprintf(exp, sizeof exp, "the data file's path in quotes after 'file' (file "
                     "\"w.txt\")");
            return wg_parse_expected(p, exp);
        }
        wg_token path_tok = p->tok;
        if (path_tok.len <= 2)
            return wg_parse_fail(p, WG_EPARSE, &path_tok, "the path of the data file of %s is "
                                 "empty", who);
        char *path = malloc(path_tok.len - 1);
        if (!path)
            return wg_parse_fail(p, WG_ENOMEM, &path_tok, "out of memory");
        memcpy(path, path_tok.text + 1, path_tok.len - 2);
        path[path_tok.len - 2] = '\0';
        s = wg_parse_data_file(p, &path_tok, path, numel, who, shape_text, &data);
        free(path);
        if (s == WG_OK)
            wg_parse_advance(p);
    } else {
        snprintf(exp, sizeof exp, "'[' and the values of %s, or file \"PATH\"", who);
        return wg_parse_expected(p, exp);
    }
    if (s != WG_OK)
        return s;
    double none = 0;            /* a 0-size tensor has no data, but a pointer */
    const double *d = data ? data : &none;
    wg_var v;
    if (is_const) {
        v = wg_tensor_const(p->t, rank, dim, d);
    } else {
        char *cname = malloc(name->len + 1);
        if (!cname) {
            free(data);
            return wg_parse_fail(p, WG_ENOMEM, name, "out of memory");
        }
        memcpy(cname, name->text, name->len);
        cname[name->len] = '\0';
        v = wg_graph_add_tensor_input(p->g, cname, rank, dim, d);
        free(cname);
    }
    free(data);
    if (!v.id || wg_status(p->t) != WG_OK)
        return wg_parse_tape_fail(p, name);
    *out = v;
    return WG_OK;
}
