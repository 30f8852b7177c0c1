/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_parse.h -- private: the state the .wg reader (wg_read.c) and its
 * expression parser (wg_expr.c) share, and the helpers of
 * wg_parse_util.c that all the reader's files call.  Calls go one way:
 * wg_read.c -> wg_expr.c -> wg_tensor_parse.c -> wg_datafile.c ->
 * wg_parse_util.c, except that an expression inside a tensor call's
 * arguments is an expression again (wg_tensor_parse.c calls back into
 * wg_expr.c: the grammar is recursive). */
#ifndef WG_PARSE_H
#define WG_PARSE_H

#include "graph.h"
#include "wg_lexer.h"
#include "wg_symtab.h"

/* Each nesting level costs a few stack frames (about 500 bytes at -O2, 750
 * for nested calls), so the cap bounds the reader's stack near 0.75 MB and
 * turns a pathological "((((...))))" into an error instead of a stack
 * overflow.  Written files hold one op per line and nest not at all. */
#define WG_PARSE_MAX_DEPTH 1000

/* Error paths build messages in local buffers; kept out of line, those
 * buffers are not part of every frame of the recursion. */
#if defined(__GNUC__)
#define WG_PARSE_COLD __attribute__((noinline, cold))
#define WG_PARSE_NOINLINE __attribute__((noinline))
#else
#define WG_PARSE_COLD
#define WG_PARSE_NOINLINE
#endif

typedef struct wg_parser {
    wg_lexer lx;
    wg_token tok;               /* the current token */
    wg_token prev;              /* the token consumed last */
    wg_graph *g;
    wg_tape *t;
    wg_symtab names;            /* name -> wg_var id, where defined, where output */
    const char *file;           /* as messages name it */
    int in_expression;          /* wg_graph_parse_expr: one expression over given names */
    size_t nvars;               /* ... and those names, for "unknown variable" */
    const char *const *vars;
    int depth;
    const char *dir;            /* data files are relative to it: the .wg file's folder */
    size_t dir_len;             /* (0: the current directory) */
    wg_parse_error *err;        /* never NULL here */
} wg_parser;

/* A parsed operand: a number known while parsing (recorded only where a
 * rule of doc/FORMAT.md needs a node), or a node of the tape. */
typedef struct wg_operand {
    int is_lit;
    double value;               /* when is_lit */
    wg_var v;                   /* when !is_lit */
    wg_token at;                /* its first token, for messages */
    const char *end;            /* one past its last byte in the source */
} wg_operand;

void wg_parse_advance(wg_parser *p);
/* Fill e once (the first error is the one kept): "file:line:column:
 * error: text", or "file: error: text" when line is 0. */
void wg_parse_set_error(wg_parse_error *e, int status, const char *file, size_t line,
                        size_t column, const char *text);
/* Fill p->err once: "file:line:column: error: ..." (no place when at is
 * NULL).  Returns status. */
int  wg_parse_fail(wg_parser *p, int status, const wg_token *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "expected WHAT, found <current token>" at the current token */
int  wg_parse_expected(wg_parser *p, const char *what);
/* The tape failed while recording at `at`: its status and message. */
int  wg_parse_tape_fail(wg_parser *p, const wg_token *at);

/* 1 for inf, infinity, nan in any case: words a user may mean as numbers */
int  wg_parse_is_nonfinite_word(const wg_token *t);

/* expr = term { ("+" | "-") term }, with the literal rules of FORMAT.md */
int  wg_parse_expression(wg_parser *p, wg_operand *out);
/* A number operand becomes a const node (a no-op for a node operand). */
int  wg_parse_materialize(wg_parser *p, wg_operand *x);
/* Record op on the tape (wg_apply's ops); a tape failure is reported at `at`. */
int  wg_parse_record(wg_parser *p, const wg_token *at, wg_op op, wg_var a, wg_var b, double c,
                     wg_operand *res);

/* ---- tensors (wg_tensor_parse.c) */

/* The rest of `input NAME : SHAPE = VALUES` or `const NAME : SHAPE =
 * VALUES`, the current token being ':'; records the node into *out.
 * what is "input" or "const", for messages. */
int  wg_parse_tensor_leaf(wg_parser *p, const wg_token *name, const char *what, int is_const,
                          wg_var *out);
/* A call of a tensor op (TUNARY, TBINARY) or of stack, with keyword
 * arguments; the name is consumed and the current token is '('.  op is
 * WG_OP_COUNT for stack, which is not an op of the table (it records
 * reshape and concat nodes). */
int  wg_parse_tensor_call(wg_parser *p, const wg_token *name, wg_op op, wg_operand *out);
/* "sum(a, axes=[...], keepdims=0|1)": how a tensor op is called */
const char *wg_parse_tensor_usage(wg_op op);
/* 1 when the current token is NAME followed by '=': a keyword argument */
int  wg_parse_at_keyword(const wg_parser *p);
/* 1 when the current token is ',' and a keyword argument follows it */
int  wg_parse_comma_keyword(const wg_parser *p);

/* ---- data files (wg_datafile.c) */

/* Read exactly n finite numbers from the file `path` (relative to the .wg
 * file's folder) into a new array *out (NULL when n is 0).  Errors are
 * reported at `at`, the path's token; who ("input 'W'") and shape ("2x3")
 * name the node in messages. */
int  wg_parse_data_file(wg_parser *p, const wg_token *at, const char *path, size_t n,
                        const char *who, const char *shape, double **out);

/* [+-] NUMBER as the value of something (as_what: "value 3 of input 'W'");
 * a non-finite word or anything else is an error naming as_what */
int wg_parse_signed_number(wg_parser *p, const char *as_what, double *v);

/* 1 when s is a name the expression language gives a meaning of its own
 * besides the op table (wg_expr.c): the constants pi and e, the functions
 * ln, log2 and log10 */
int wg_expr_name_reserved(const char *s);

#endif
