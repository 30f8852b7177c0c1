/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli.h -- private to wengert-verify: what its parts share.  The program
 * is split by what each part does:
 *   verify_cli.c     main: --check, --suite, --list; messages and exit statuses
 *   cli_options.c    the usage text, the options, lists and points of the command line
 *   cli_input.c      the graph: an expression or a .wg file, at a point
 *   cli_eval.c       evaluation: values, Jacobians both ways, traces, --hessian,
 *                    printed as text or JSON
 *   cli_session.c    a suite run: one row or JSON line per case, the summary
 *   cli_store.c      --store: the command's record, its options, a row per case
 * JSON goes through json.h, the one JSON writer of the project. */
#ifndef WG_VERIFY_CLI_H
#define WG_VERIFY_CLI_H

#include "builtin_suite.h"
#include "verify_store.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <stdio.h>

#define PROG "wengert-verify"
#define EXIT_BAD 2
#define EXIT_INTERNAL 1

/* the seed example that --example runs (README's first command) */
#define CLI_EXAMPLE_EXPR "log(x1) + x1*x2 - sin(x2)"
#define CLI_EXAMPLE_AT "x1=2,x2=5"

typedef struct {
    const char *expr, *file;
    const char *at, *dir, *wrt, *jvp;
    int trace, json, dot, dot_values, example, hessian;
    /* checks */
    int check, list, verbose, outside_paths;
    const char *suite, *data;
    const char *store;          /* --store: the result store, or NULL */
    int argc;                   /* the command line, for the store's record */
    char **argv;
    wg_verdict expect;
    wg_check_options copt;
    const char *check_opt;      /* the first check option given, for messages */
} options;

enum { OPT_JSON = 256, OPT_DOT, OPT_DOT_VALUES, OPT_EXAMPLE, OPT_CHECK, OPT_SUITE, OPT_LIST,
       OPT_EXPECT, OPT_SEED, OPT_DIRECTIONS, OPT_PRECISION, OPT_SAFETY, OPT_FULL_JACOBIAN,
       OPT_ORDER, OPT_DATA, OPT_STORE, OPT_HESSIAN, OPT_OUTSIDE, OPT_PLUGIN };

typedef struct {
    char **part;        /* the split copy of the option (owns the strings) */
    const char **name;
    double *value;
    size_t n;
} point;

typedef struct {
    wg_graph *g;
    wg_tape *t;
    size_t n, m;                /* inputs, outputs (handles) */
    size_t N, M;                /* their elements: a tensor counts each */
    wg_var *x, *y;
    char **xlab, **ylab;        /* N and M element names: "x", "W[0,1]" */
    double *x0;                 /* N input values */
    double *val;                /* M output values */
    double *rev, *fwd;          /* M x N Jacobians, row-major */
    double maxdiff, maxrel;
    double *u;                  /* tangent-table direction (N) */
    double *jvp_u, *jvp;        /* --jvp direction (N) and J u (M) */
    char *traces;               /* the tables, when --trace */
    double *hess, *hess_rr;     /* --hessian: N x N from wg_hessian, and reverse over reverse */
    double hmaxdiff, hmaxrel;
    const char *hess_method;    /* the method wg_hessian took */
} results;

typedef struct {
    const char *name;
    wg_verdict expect;
    int ran;                    /* 0: could not be checked (error holds why) */
    wg_check_report r;
    char error[600];
} case_done;

typedef struct {
    const options *o;
    FILE *out;
    int width;                  /* of the name column */
    double t0;
    size_t n, cap, counts[WG_VERDICT_COUNT], errors, unexpected;
    case_done *done;
} session;

/* verify_cli.c: one line on stderr, the program's name first; returns EXIT_BAD; out of memory: EXIT_INTERNAL */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_out_of_memory(void);

/* cli_options.c: cli_parse_options returns 0 (parsed), CLI_DONE (--help or
 * --version answered) or an exit status */
#define CLI_DONE 100
int cli_parse_options(int argc, char **argv, options *o);
int cli_parse_vector(const char *opt, const char *s, double **out, size_t *n);
void cli_point_free(point *pt);
int cli_parse_point(const char *s, point *pt);

/* cli_input.c: a graph with its inputs at the point; a failure that is the
 * point's (outside a domain, a branch) goes to invalid, INVALID_LEN bytes */
#define INVALID_LEN 320
const char *cli_name_list(const wg_graph *g, const unsigned char *only, char *buf, size_t len);
size_t cli_find_input(const wg_graph *g, const char *name);
int cli_point_status(int s);
int cli_graph_from_expr(const char *expr, const char *at, wg_graph **out, char *invalid);
/* stdin as text into *out: 0, or the exit status after saying why; at most
 * wg_read_limit() bytes, refused at its first NUL byte */
int cli_read_stream(FILE *f, char **out);
int cli_graph_from_file(const char *file, const char *at, wg_graph **out, char *invalid);

/* cli_eval.c */
const char *cli_full(double v, char *buf);
void cli_results_free(results *r);
int cli_compute(const options *o, results *r);
void cli_print_text(const options *o, const results *r, FILE *f);
void cli_print_json(const options *o, const results *r, FILE *f);

/* cli_session.c */
double cli_wall_seconds(void);
void cli_session_begin(session *ss, const options *o, int width);
void cli_session_free(session *ss);
int cli_session_case(session *ss, const char *name, wg_verdict expect,
                     wg_check_report *r, const char *why);
int cli_session_end(session *ss);

/* cli_store.c */
int cli_store_open(const options *o, wg_verify_store **vs);
int cli_store_finish(const options *o, wg_verify_store *vs, double t0, const char *key,
                     const char *what, int rc);
int cli_check_case_stored(const wg_suite_case *c, const wg_check_options *base,
                          wg_verify_store *vs, wg_check_report *r, char *why, size_t len,
                          int *store_rc);

#endif
