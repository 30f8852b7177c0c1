/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_read.c -- the .wg reader: statements (input, const, output, assignment),
 * names, errors with file:line:column, and the three entry points
 * (a file, a string, one expression).  Expressions are wg_expr.c.
 *
 * The reader stops at the first error and frees everything it built, so
 * a caller gets a whole graph or none. */
#include "wengert.h"
#include "wg_parse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int out_of_memory(wg_parser *p, const wg_token *at)
{
    return wg_parse_fail(p, WG_ENOMEM, at, "out of memory");
}

/* ---------------------------------------------------------------- names */

static int is_keyword(const wg_token *t)
{
    return (t->len == 5 && memcmp(t->text, "input", 5) == 0)
        || (t->len == 6 && memcmp(t->text, "output", 6) == 0);
}

static int is_op_name(const wg_token *t)
{
    char buf[64];
    if (t->len >= sizeof buf)
        return 0;
    memcpy(buf, t->text, t->len);
    buf[t->len] = '\0';
    return wg_op_from_name(buf, NULL) || wg_custom_find(buf, NULL);
}

static char *token_string(const wg_token *t)
{
    char *s = malloc(t->len + 1);
    if (s) {
        memcpy(s, t->text, t->len);
        s[t->len] = '\0';
    }
    return s;
}

/* A name about to be defined: not a keyword or op name, not v<digits> for
 * an input, not defined before. */
static int check_new_name(wg_parser *p, const wg_token *name, int is_input)
{
    char q[64];
    size_t ix;
    wg_quote_span(name->text, name->len, q, sizeof q);
    if (is_keyword(name))
        return wg_parse_fail(p, WG_EPARSE, name, "%s cannot name a variable: it is a keyword", q);
    if (is_op_name(name))
        return wg_parse_fail(p, WG_EPARSE, name, "%s cannot name a variable: it is an op name",
                             q);
    if (is_input && wg_canonical_index(name->text, name->len, &ix))
        return wg_parse_fail(p, WG_EPARSE, name, "%s cannot name an input: names v<digits> are "
                             "reserved for the nodes of that index", q);
    wg_sym *e = wg_symtab_find(&p->names, name->text, name->len);
    if (e)
        return wg_parse_fail(p, WG_EPARSE, name, "%s is defined twice: at line %zu and at line "
                             "%zu (a name is defined once)", q, e->line, name->line);
    return WG_OK;
}

static int define(wg_parser *p, const wg_token *name, wg_var v)
{
    wg_sym *e = wg_symtab_add(&p->names, name->text, name->len);
    if (!e)
        return out_of_memory(p, name);
    e->id = v.id;
    e->tag = v.tag;
    e->line = name->line;
    e->column = name->column;
    return WG_OK;
}

/* ---------------------------------------------------------------- statements */


/* input NAME = [+-] NUMBER, input NAME : SHAPE = VALUES, and the same
 * with const (a const node, named like an assignment) */
static int parse_leaf(wg_parser *p, int is_const)
{
    const char *what_kw = is_const ? "const" : "input";
    char q[64], what[128];
    wg_parse_advance(p);
    if (p->tok.kind != WG_TOK_NAME) {
        snprintf(what, sizeof what, "the name of the %s after '%s'", what_kw, what_kw);
        return wg_parse_expected(p, what);
    }
    wg_token name = p->tok;
    int s = check_new_name(p, &name, !is_const);
    if (s != WG_OK)
        return s;
    wg_quote_span(name.text, name.len, q, sizeof q);
    wg_parse_advance(p);
    if (p->tok.kind == WG_TOK_COLON) {
        wg_var v;
        if ((s = wg_parse_tensor_leaf(p, &name, what_kw, is_const, &v)) != WG_OK)
            return s;
        return define(p, &name, v);
    }
    if (p->tok.kind != WG_TOK_EQUALS) {
        snprintf(what, sizeof what, "'=' after %s %s", what_kw, q);
        return wg_parse_expected(p, what);
    }
    wg_parse_advance(p);
    double value;
    snprintf(what, sizeof what, "the value of %s %s", what_kw, q);
    if ((s = wg_parse_signed_number(p, what, &value)) != WG_OK)
        return s;
    if (is_const) {
        wg_var none = { 0 };
        wg_operand x;
        if ((s = wg_parse_record(p, &name, WG_OP_CONST, none, none, value, &x)) != WG_OK)
            return s;
        return define(p, &name, x.v);
    }
    char *cname = token_string(&name);
    if (!cname)
        return out_of_memory(p, &name);
    wg_var v = wg_graph_add_input(p->g, cname, value);
    free(cname);
    if (!v.id)
        return wg_parse_tape_fail(p, &name);
    return define(p, &name, v);
}

/* A name v<digits> that is an output must be node <digits>: the writer
 * names node i "vi", so any other use could not be written back. */
static int check_output_name(wg_parser *p, const wg_token *name, wg_var v)
{
    size_t want, node = wg_var_index(p->t, v);
    if (!wg_canonical_index(name->text, name->len, &want) || want == node)
        return WG_OK;
    char q[64];
    int shown = name->len > 40 ? 40 : (int)name->len;
    wg_quote_span(name->text, name->len, q, sizeof q);
    return wg_parse_fail(p, WG_EPARSE, name, "%s cannot be an output: it names node %zu, and "
                         "an output named v<digits> must be the node of that index (write "
                         "'y = %.*s' and 'output y')", q, node, shown, name->text);
}

/* output NAME { "," NAME } */
static int parse_output(wg_parser *p)
{
    wg_parse_advance(p);
    for (int first = 1;; first = 0) {
        if (p->tok.kind != WG_TOK_NAME)
            return wg_parse_expected(p, first ? "the name of an output after 'output'"
                                              : "the name of an output after ','");
        wg_token name = p->tok;
        char q[64];
        wg_quote_span(name.text, name.len, q, sizeof q);
        wg_sym *e = wg_symtab_find(&p->names, name.text, name.len);
        if (!e)
            return wg_parse_fail(p, WG_EPARSE, &name, "undefined name %s in 'output' (an "
                                 "output names a variable defined on an earlier line)", q);
        if (e->out_line)
            return wg_parse_fail(p, WG_EPARSE, &name, "%s is an output twice: at line %zu and at "
                                 "line %zu", q, e->out_line, name.line);
        wg_var v = { e->id, e->tag };
        int s = check_output_name(p, &name, v);
        if (s != WG_OK)
            return s;
        char *cname = token_string(&name);
        if (!cname)
            return out_of_memory(p, &name);
        s = wg_graph_add_output(p->g, cname, v);
        free(cname);
        if (s != WG_OK)
            return wg_parse_fail(p, s, &name, "%s", wg_errmsg(p->t));
        e->out_line = name.line;
        wg_parse_advance(p);
        if (p->tok.kind != WG_TOK_COMMA)
            return WG_OK;
        wg_parse_advance(p);
    }
}

/* NAME = EXPR: a node, a const node (a lone number), or an alias (a lone name) */
static int parse_assignment(wg_parser *p)
{
    wg_token name = p->tok;
    wg_parse_advance(p);
    if (p->tok.kind != WG_TOK_EQUALS) {
        char q[64], what[96];
        snprintf(what, sizeof what, "'=' after %s",
                 wg_quote_span(name.text, name.len, q, sizeof q));
        return wg_parse_expected(p, what);
    }
    int s = check_new_name(p, &name, 0);
    if (s != WG_OK)
        return s;
    wg_parse_advance(p);
    wg_operand x;
    if ((s = wg_parse_expression(p, &x)) != WG_OK || (s = wg_parse_materialize(p, &x)) != WG_OK)
        return s;
    return define(p, &name, x.v);
}

static int end_of_statement(wg_parser *p, const char *what)
{
    if (p->tok.kind == WG_TOK_NEWLINE || p->tok.kind == WG_TOK_EOF)
        return WG_OK;
    if (p->tok.kind == WG_TOK_RPAREN)
        return wg_parse_fail(p, WG_EPARSE, &p->tok, "expected %s, found ')' with no '(' to "
                             "close", what);
    return wg_parse_expected(p, what);
}

static int parse_file(wg_parser *p)
{
    for (;;) {
        int s;
        switch (p->tok.kind) {
        case WG_TOK_EOF:
            return WG_OK;
        case WG_TOK_NEWLINE:
            wg_parse_advance(p);
            continue;
        case WG_TOK_NAME:
            if (p->tok.len == 5 && memcmp(p->tok.text, "input", 5) == 0) {
                if ((s = parse_leaf(p, 0)) == WG_OK)
                    s = end_of_statement(p, "end of line after the value of the input");
            } else if (p->tok.len == 5 && memcmp(p->tok.text, "const", 5) == 0
                       && wg_lexer_peek(&p->lx).kind == WG_TOK_NAME) {
                /* "const NAME ...": const(2) starts an expression, never a line */
                if ((s = parse_leaf(p, 1)) == WG_OK)
                    s = end_of_statement(p, "end of line after the value of the const");
            } else if (p->tok.len == 6 && memcmp(p->tok.text, "output", 6) == 0) {
                if ((s = parse_output(p)) == WG_OK)
                    s = end_of_statement(p, "',' or end of line after the output's name");
            } else {
                if ((s = parse_assignment(p)) == WG_OK)
                    s = end_of_statement(p, "an operator or end of line");
            }
            if (s != WG_OK)
                return s;
            break;
        default:
            return wg_parse_expected(p, "a statement ('input NAME = NUMBER', 'output NAME' or "
                                        "'NAME = EXPRESSION')");
        }
    }
}

/* ---------------------------------------------------------------- expressions */

/* the output's name: "y", unless an input has it */
static const char *free_output_name(const wg_symtab *names, char *buf, size_t len)
{
    static const char *const first[] = { "y", "f", "out" };
    for (size_t i = 0; i < 3; i++)
        if (!wg_symtab_find(names, first[i], strlen(first[i])))
            return first[i];
    for (unsigned long k = 1;; k++) {
        snprintf(buf, len, "out%lu", k);
        if (!wg_symtab_find(names, buf, strlen(buf)))
            return buf;
    }
}

static int parse_expression_body(wg_parser *p, const double *values)
{
    for (size_t i = 0; i < p->nvars; i++) {
        size_t len = strlen(p->vars[i]);
        wg_sym *e = wg_symtab_find(&p->names, p->vars[i], len);
        if (e) {
            char q[64];
            return wg_parse_fail(p, WG_EINVAL, NULL, "names[%zu] = %s repeats names[%u]", i,
                                 wg_quote_span(p->vars[i], len, q, sizeof q), (unsigned)e->line);
        }
        wg_var v = wg_graph_add_input(p->g, p->vars[i], values[i]);
        if (!v.id)
            return wg_parse_tape_fail(p, NULL);
        e = wg_symtab_add(&p->names, p->vars[i], len);
        if (!e)
            return out_of_memory(p, NULL);
        e->id = v.id;
        e->tag = v.tag;
        e->line = i;            /* its index in names[], for the message above */
    }
    wg_operand x;
    int s = wg_parse_expression(p, &x);
    if (s != WG_OK)
        return s;
    if (p->tok.kind != WG_TOK_EOF)
        return end_of_statement(p, "an operator or the end of the expression");
    if ((s = wg_parse_materialize(p, &x)) != WG_OK)
        return s;
    char buf[32];
    const char *out = free_output_name(&p->names, buf, sizeof buf);
    s = wg_graph_add_output(p->g, out, x.v);
    if (s != WG_OK)
        return wg_parse_fail(p, s, NULL, "%s", wg_errmsg(p->t));
    return WG_OK;
}

/* ---------------------------------------------------------------- entry points */

static void start_error(wg_parse_error *e, const char *file)
{
    memset(e, 0, sizeof *e);
    snprintf(e->file, sizeof e->file, "%s", file);
}

/* The folder part of a .wg file's path, "dir/" of "dir/g.wg": data files
 * named in the file are found relative to it, as includes are in C. */
static size_t folder_length(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) + 1 : 0;
}

static wg_graph *run(const char *text, size_t len, const char *file, wg_parse_error *err,
                     size_t nvars, const char *const *vars, const double *values, int expr,
                     int in_folder)
{
    wg_parser p;
    memset(&p, 0, sizeof p);
    p.err = err;
    p.file = file;
    p.dir = file;
    p.dir_len = in_folder ? folder_length(file) : 0;
    p.in_expression = expr;
    p.nvars = nvars;
    p.vars = vars;
    p.g = wg_graph_new();
    if (!p.g) {
        wg_parse_set_error(err, WG_ENOMEM, file, 0, 0, "out of memory");
        return NULL;
    }
    p.t = wg_graph_tape(p.g);
    wg_symtab_init(&p.names);
    wg_lexer_init(&p.lx, text, len, expr);
    p.tok = wg_lexer_next(&p.lx);
    int s = expr ? parse_expression_body(&p, values) : parse_file(&p);
    wg_symtab_free(&p.names);
    if (s != WG_OK) {
        if (err->status == WG_OK)       /* every failing path fills err; this is a backstop */
            wg_parse_set_error(err, s, file, 0, 0, wg_strerror(s));
        wg_graph_free(p.g);
        return NULL;
    }
    return p.g;
}

wg_graph *wg_graph_read_string(const char *text, const char *name, wg_parse_error *err)
{
    wg_parse_error local;
    if (!err)
        err = &local;
    if (!name)
        name = "<string>";
    start_error(err, name);
    if (!text) {
        wg_parse_set_error(err, WG_EINVAL, name, 0, 0, "no text (NULL)");
        return NULL;
    }
    return run(text, strlen(text), name, err, 0, NULL, NULL, 0, 0);
}

wg_graph *wg_graph_read_file(const char *path, wg_parse_error *err)
{
    wg_parse_error local;
    char why[300];
    if (!err)
        err = &local;
    start_error(err, path ? path : "(null)");
    if (!path) {
        wg_parse_set_error(err, WG_EINVAL, "(null)", 0, 0, "no file name (NULL)");
        return NULL;
    }
    /* regular files only, bounded (lib/wg_file.c): the whole text in
     * memory, since lines have no length limit */
    char *buf = NULL;
    size_t len = 0;
    int st = wg_file_read(path, &buf, &len, why, sizeof why);
    if (st != WG_OK) {
        wg_parse_set_error(err, st, path, 0, 0, why);
        return NULL;
    }
    wg_graph *g = run(buf, len, path, err, 0, NULL, NULL, 0, 1);
    free(buf);
    return g;
}

wg_graph *wg_graph_parse_expr(const char *expr, size_t n, const char *const *names,
                              const double *values, wg_parse_error *err)
{
    static const char file[] = "<expr>";
    wg_parse_error local;
    char why[400], q[64];
    if (!err)
        err = &local;
    start_error(err, file);
    if (!expr || (n && (!names || !values))) {
        snprintf(why, sizeof why, "%s is NULL", !expr ? "the expression"
                 : !names ? "names" : "values");
        wg_parse_set_error(err, WG_EINVAL, file, 0, 0, why);
        return NULL;
    }
    /* the caller's names and values are checked here, so that a mistake
     * in them is not reported as a place in the expression */
    for (size_t i = 0; i < n; i++) {
        const char *bad = NULL;
        if (!names[i])
            bad = "is NULL";
        else if (!wg_graph_name_ok(names[i]))
            bad = "cannot name a variable (an identifier that is not a keyword or an op name "
                  "is needed)";
        else if (wg_graph_name_is_canonical(names[i]))
            bad = "cannot name a variable: names v<digits> are reserved for the nodes of that "
                  "index";
        if (bad) {
            if (names[i])
                snprintf(why, sizeof why, "names[%zu] = %s %s", i,
                         wg_quote_span(names[i], strlen(names[i]), q, sizeof q), bad);
            else
                snprintf(why, sizeof why, "names[%zu] %s", i, bad);
            wg_parse_set_error(err, WG_EINVAL, file, 0, 0, why);
            return NULL;
        }
        if (!isfinite(values[i])) {
            snprintf(why, sizeof why, "values[%zu] = %g (for %s) is not finite: tapes hold "
                     "finite values only", i, values[i],
                     wg_quote_span(names[i], strlen(names[i]), q, sizeof q));
            wg_parse_set_error(err, WG_EINVAL, file, 0, 0, why);
            return NULL;
        }
    }
    return run(expr, strlen(expr), file, err, n, names, values, 1, 0);
}
