/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wengert_verify.h -- the public interface of libwengert-verify: checks
 * derivatives recorded on a wengert tape against an MPFR reference.
 *
 * One check, at a point x and for a seed:
 *   - draws random unit directions u (uniform on the sphere) and, for
 *     several outputs, a random unit cotangent w;
 *   - computes w.(J u) five ways: reverse mode (VJP, then dot with u),
 *     forward mode (JVP, then dot with w), a double central difference,
 *     GSL's gsl_deriv_central, and the reference: central differences of an
 *     MPFR replay of the tape at high precision, confirmed by a second step;
 *   - bounds the rounding error a correct AD result may carry (a running
 *     error analysis of the tangent computation, doc/VERIFY.md) and gives
 *     a verdict; on failure it names the first node whose tangent departs
 *     from its reference: the op whose rule is wrong.
 * A tape with tensor nodes is checked on its scalar lowering, recorded
 * element by element with scalar ops (the reference of every tensor op);
 * directions are unit vectors over all input elements, cotangents over all
 * output elements, and messages name the tensor node and its element
 * (doc/VERIFY.md, "Tensor graphs").
 * Depends on libwengert, GSL and MPFR. */
#ifndef WENGERT_VERIFY_H
#define WENGERT_VERIFY_H

#include <stdint.h>
#include <stdio.h>

/* MPFR's types, for the custom ops' reference (wg_custom_op_mpfr); its
 * macro mpfr_version comes along, so no name here or in a program that
 * includes this header may be spelled so */
#include <mpfr.h>

#include "wengert.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wg_verdict {
    WG_VERDICT_PASS = 0,     /* every AD result inside its bound */
    WG_VERDICT_FAIL,         /* an AD result outside its bound (see fail_mode, blame) */
    WG_VERDICT_NONDIFF,      /* one-sided reference derivatives disagree: a kink */
    WG_VERDICT_INVALID,      /* outside a domain, a non-finite value, or a branch flips */
    WG_VERDICT_UNSTABLE,     /* the reference did not converge */
    WG_VERDICT_COUNT
} wg_verdict;
const char *wg_verdict_name(wg_verdict v);   /* "pass", "fail", ... */

/* the ways of computing w.(J u) */
typedef enum wg_method {
    WG_METHOD_REVERSE = 0,   /* VJP, dot with u */
    WG_METHOD_FORWARD,       /* JVP, dot with w */
    WG_METHOD_CENTRAL,       /* double central difference along u */
    WG_METHOD_GSL,           /* gsl_deriv_central on t -> w.f(x + t u) */
    WG_METHOD_COUNT
} wg_method;
const char *wg_method_name(wg_method m);     /* "reverse", "forward", "central", "gsl" */

/* The library's other derivative paths, each judged against the same
 * reference (doc/VERIFY.md, "Every derivative path"): w.(J u) from
 * wg_jvp_multi (u as the second of two directions), wg_grad (one output),
 * wg_backward (accumulated over calls), the three Jacobians (J once per
 * check, then w.(J u)), wg_eval's replay at a new point (the replayed
 * w.f against its MPFR value there, within a running error bound of the
 * values), and wg_vjp and wg_jvp on the replayed tape at that point (a
 * check of one direction there, against the MPFR reference at it). */
typedef enum wg_path {
    WG_PATH_JVP_MULTI = 0,
    WG_PATH_GRAD,
    WG_PATH_BACKWARD,
    WG_PATH_JACOBIAN_FWD,
    WG_PATH_JACOBIAN_REV,
    WG_PATH_JACOBIAN,        /* wg_jacobian: the mode it picks */
    WG_PATH_REPLAY,
    WG_PATH_REPLAY_VJP,      /* wg_vjp after wg_eval moved the tape */
    WG_PATH_REPLAY_JVP,      /* wg_jvp after wg_eval moved the tape */
    WG_PATH_COUNT
} wg_path;
/* "jvp-multi", "grad", "backward", "jacobian-fwd", "jacobian-rev", "jacobian", "replay",
 * "replay-vjp", "replay-jvp" */
const char *wg_path_name(wg_path p);

typedef struct wg_check_options {
    uint64_t seed;           /* directions are drawn from this seed (default 1) */
    unsigned directions;     /* random directions per check (default 3) */
    unsigned precision;      /* MPFR bits of the reference (default 256, at least 128) */
    double safety;           /* factor on the error bound (default 8; doc/VERIFY.md) */
    unsigned methods;        /* bit set of 1u << wg_method (default: all) */
    int full_jacobian;       /* also check every column e_j (default 0) */
    unsigned order;          /* 1 (default): w.(J u); 2: v^T H u of w.f, the Hessian
                                (doc/VERIFY.md, "Second order"); 0 counts as 1 */
    double accuracy_digits;  /* flag a passing result whose AD has fewer correct digits
                                than this (default 6; 0: never): ill-conditioned */
} wg_check_options;
void wg_check_options_init(wg_check_options *o);

/* The reference of a custom op (wengert.h, wg_custom_op): its value in
 * MPFR, y = f(x[0..arity)) rounded by rnd at y's precision; returns 0, or
 * non-zero when x is outside f's domain.  Without one a custom node is
 * replayed from the double callbacks and every result that depends on it
 * says the reference is the weaker kind (reference_weak).  Registered
 * after wg_custom_op and before any check; WG_OK or WG_EINVAL for an
 * unknown id.  fn NULL removes it. */
typedef int (*wg_custom_mpfr_fn)(mpfr_ptr y, mpfr_srcptr const *x, mpfr_rnd_t rnd, void *ctx);
int wg_custom_op_mpfr(int op_id, wg_custom_mpfr_fn fn, void *ctx);

/* Load a shared object of custom ops: dlopen(path, RTLD_NOW | RTLD_LOCAL)
 * (a path without '/' is taken in the current folder, not searched for),
 * then its entry point
 *     int wg_plugin_init(void);
 * which registers its ops with wg_custom_op (and wg_custom_op_mpfr) and
 * returns 0.  The object calls back into the program's libwengert, so it
 * is linked without it (cc -shared -fPIC plugin.c -o plugin.so); it stays
 * loaded for the life of the process.  WG_OK; WG_EIO when the file is
 * missing, not a regular file or not a loadable shared object (why holds
 * dlerror()'s text); WG_EINVAL when it has no wg_plugin_init or that
 * returns non-zero (why says which, with wg_custom_error()'s message).
 * why (len bytes, may be NULL) says what went wrong, without the path. */
int wg_plugin_load(const char *path, char *why, size_t len);

/* one method's figure against the reference */
typedef struct wg_figure {
    double value;            /* its w.(J u) */
    double abs_err;          /* |value - reference| */
    double rel_err;          /* abs_err / |reference| (abs_err when the reference is 0) */
    double ulps;             /* abs_err in ulps of the reference */
    double err_est;          /* the method's own error estimate (GSL abserr, FD estimate) */
    int computed;            /* 0 when the method was not run or failed */
} wg_figure;

/* one direction (or one Jacobian column) */
typedef struct wg_check_result {
    wg_verdict verdict;
    char fail_mode[24];      /* when verdict is fail: "reverse", "forward", "both" (reverse
                                and forward), "dot-product"; other checks name theirs
                                ("user", a path's name, "replay", "replay-vjp",
                                "replay-jvp", "replay-dot", "replay-" and a path's name
                                after a replay; order 2 adds "gradient", "hvp",
                                "symmetry", "hessian") */
    double reference;        /* MPFR w.(J u), rounded to double */
    double reference_err;    /* |D(h) - D(h')| of the two MPFR steps */
    int reference_converged;
    /* 1 when the reference is the weaker kind: a custom op on the tape has
     * no MPFR value callback (wg_custom_op_mpfr), so its node is replayed
     * as a first-order model with partials by a double five-point
     * difference (about 1e-10 relative; doc/VERIFY.md, "Custom ops"), and
     * reference_err includes that difference's error */
    int reference_weak;
    double left, right;      /* one-sided MPFR derivatives (for nondiff) */
    wg_figure fig[WG_METHOD_COUNT];
    double bound;            /* error bound of the AD results, safety included */
    double dot_gap;          /* |w.(J u) - (w^T J).u| in double */
    long blame_node;         /* -1: none; on a tensor tape, the tensor node */
    wg_op blame_op;          /* WG_OP_NONE (wg_op_name: "none") when no node is blamed */
    char blame_text[96];     /* the blamed node as a .wg line, "v6 = sin(v2)" (a graph's
                                input names its input), cut short when long; "" when none */
    char blame_name[64];     /* the blamed node's op as .wg text spells it (a custom
                                op's registered name); "" when none */
    long blame_elem;         /* element of the blamed tensor node (row-major), -1 for a
                                scalar node or when no single element is named */
    long invalid_node;       /* for invalid: the node, -1 if none */
    char message[320];       /* why, in one line */
    /* Second order (order 2): the result is v^T H u, H the Hessian of w.f,
     * for random unit directions u and v.  fig[WG_METHOD_FORWARD] is
     * forward over reverse (the recorded gradient graph's JVP along u, dot
     * v), fig[WG_METHOD_REVERSE] reverse over reverse (its VJP with v, dot
     * u), fig[WG_METHOD_CENTRAL] and fig[WG_METHOD_GSL] differences of the
     * double gradient along u (reported, never judged); reference, left and
     * right come from second differences of the MPFR replay; dot_gap is
     * |forward - reverse|.  Order 1 leaves these NaN (hvp not computed). */
    int order;               /* 1 or 2 */
    wg_figure hvp;           /* wg_hvp along u, dot v */
    wg_figure hessian;       /* wg_hessian's matrix, v^T H u (inputs of at most 64
                                elements; not computed above) */
    char hessian_method[16]; /* the method wg_hessian took ("edge pushing", ...) */
    double sym_gap;          /* |v.(H u) - u.(H v)|, both forward over reverse */
    double sym_bound;        /* what sym_gap may be: the bounds along (u, v) and (v, u) */
    double grad_value;       /* the recorded gradient of w.f, dot u, in double */
    double grad_exact;       /* the same from an MPFR replay of the recorded graph */
    double grad_reference;   /* the first-order MPFR reference w.(J u) */
    double grad_bound;       /* the first-order error bound of grad_value */
    /* first order: the other paths' figures (computed 0 where a path does
     * not apply: wg_grad and wg_backward need one-element outputs and
     * inputs, the replay and the derivatives after it are judged on the
     * first result); err_est is each path's bound.  A path off its bound is a fail, with
     * the path's name as fail_mode. */
    wg_figure path[WG_PATH_COUNT];
    /* Accuracy, beside the verdict (which is about rules): each method's
     * correct decimal digits against the reference, -log10(rel_err) in
     * [0, 17] (NaN where not computed or the reference is 0); the
     * condition, the bound relative to the reference; and whether AD
     * (the fewer of reverse's and forward's digits) falls below
     * options.accuracy_digits on a result that passes */
    double digits[WG_METHOD_COUNT];
    double condition;
    int ill_conditioned;
    /* wg_check_gradient: the user's gradient dot u (computed 0 otherwise);
     * err_est is its tolerance */
    wg_figure user;
} wg_check_result;

/* a whole check: one result per direction (and per column in full-Jacobian
 * mode); the verdict is the worst of them (fail > invalid > unstable >
 * nondiff > pass) */
typedef struct wg_check_report {
    wg_verdict verdict;
    size_t nresults;
    wg_check_result *results;
    size_t worst;            /* index of the result that set the verdict */
    int ill_conditioned;     /* some result passes with AD below accuracy_digits */
    double ad_digits;        /* the fewest correct digits of AD over the results (NaN: none) */
    double seconds;          /* wall time of the check */
    char error[320];         /* why, when a check function returns other than WG_OK */
} wg_check_report;
void wg_check_report_free(wg_check_report *r);
/* 1 when some result's reference is the weaker kind (reference_weak) */
int  wg_check_report_weak(const wg_check_report *r);

/* Check the derivatives of outputs y (m) with respect to inputs x (n) of a
 * recorded tape, at the tape's current point.  Returns WG_OK when the check
 * ran (whatever its verdict), or a status for bad arguments. The tape's
 * values are restored before returning.  Options o NULL means the defaults
 * (wg_check_options_init), here and in every check function below. */
int wg_check_tape(wg_tape *t, size_t n, const wg_var *x, size_t m, const wg_var *y,
                  const wg_check_options *o, wg_check_report *r);

/* Check a function given as C code: record(t, x, n, y_out, m, ctx) records
 * f on the empty tape t from the inputs x[0..n) (already made with
 * wg_input at the point) and writes its m outputs to y_out.
 * record returns WG_OK, or a status that wg_check_fn returns without a
 * check (r->error says why); a point error of the tape itself (WG_EDOM,
 * WG_ERANGE, WG_EBRANCH) still gives a report, invalid, naming the node.
 *
 * The record hook, in full:
 *   - it is called once per wg_check_fn (and wg_check_gradient), on the
 *     caller's thread, before any checking: t is a new tape of its own
 *     (malloc'd), x[j] its node j, an input of value point[j]; y[0..m)
 *     are zero handles (id 0) for it to fill; ctx is the caller's,
 *     passed through untouched.  It is not called again: every direction,
 *     step and precision replays the tape it recorded.
 *   - It may record any op of the library on t, read values
 *     (wg_value), record constants and further wg_input nodes (these are
 *     constants to the check: only x[0..n) are differentiated), make an
 *     output of an input (y[k] = x[j]), and set the test-only partials
 *     hook or flags on t (the check and its derivative paths carry them).
 *   - C control flow on values is frozen at the point: the tape holds the
 *     branch taken.  Record the test with a comparison (wg_lt, ...) for
 *     the check to see a direction that crosses it (WG_EBRANCH: invalid).
 *   - It must not free or clear t (a clear makes x's handles stale:
 *     WG_EINVAL), keep t or a handle past its return (t is freed before
 *     wg_check_fn returns), or run a check on t.  A y[k] left 0 or not of
 *     t gives WG_EINVAL, r->error naming y[k]. */
typedef int (*wg_record_fn)(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m,
                            void *ctx);
int wg_check_fn(wg_record_fn record, void *ctx, size_t n, const double *point, size_t m,
                const wg_check_options *o, wg_check_report *r);

/* Check the user's own gradient code.  record records f (one output) as
 * for wg_check_fn; grad(x, n, g, gctx) writes the user's gradient of f at
 * x into g[0..n) in double and returns WG_OK (any other status is
 * returned, r->error saying so).  The check is wg_check_fn's with the
 * full Jacobian (every e_j besides the random directions); in each result
 * the user's g.u (r->results[k].user) is judged against the same MPFR
 * reference, within tolerance * |reference| when tolerance > 0, else
 * within WG_GRADIENT_FACTOR times the error bound of f's own AD (hand
 * code takes other roundings than the tape's sweeps).  A result off it is
 * a fail with fail_mode "user"; its message names the input whose
 * component is off (from the columns e_j).  f's own AD is judged as in
 * wg_check_fn.  Where the reference is not converged or f has a kink
 * there, the user's value is reported, not judged. */
#define WG_GRADIENT_FACTOR 64.0
typedef int (*wg_gradient_fn)(const double *x, size_t n, double *g, void *gctx);
int wg_check_gradient(wg_record_fn record, void *ctx, wg_gradient_fn grad, void *gctx,
                      size_t n, const double *point, double tolerance,
                      const wg_check_options *o, wg_check_report *r);
/* The same for the user's JVP (ydot = J u, m outputs) or VJP (xbar = J^T w):
 * each result's w.(J u), from the user's J u dotted with w or the user's
 * J^T w dotted with u, judged against the same reference and tolerance; a
 * failing result names the input whose column (JVP) or component (VJP) is
 * off.  jvp and vjp return WG_OK, or a status that the check returns. */
typedef int (*wg_jvp_fn)(const double *x, size_t n, const double *u, size_t m, double *ydot,
                         void *jctx);
typedef int (*wg_vjp_fn)(const double *x, size_t n, const double *w, size_t m, double *xbar,
                         void *vctx);
int wg_check_jvp(wg_record_fn record, void *ctx, wg_jvp_fn jvp, void *jctx, size_t n,
                 const double *point, size_t m, double tolerance, const wg_check_options *o,
                 wg_check_report *r);
int wg_check_vjp(wg_record_fn record, void *ctx, wg_vjp_fn vjp, void *vctx, size_t n,
                 const double *point, size_t m, double tolerance, const wg_check_options *o,
                 wg_check_report *r);

/* Check a graph (all of its inputs and outputs). */
int wg_check_graph(wg_graph *g, const wg_check_options *o, wg_check_report *r);

/* Human-readable summary of a report, one block per result. */
void wg_check_report_print(const wg_check_report *r, const char *name, FILE *out);
/* One JSON object on one line (see doc/VERIFY.md for the fields). */
void wg_check_report_json(const wg_check_report *r, const char *name, FILE *out);

/* ------------------------------------------------------------------ suites
 *
 * A suite is a list of named cases: a function (an expression, .wg text or
 * a C function), the points to check it at, the verdict it is expected to
 * get and options of its own.  Suites are read from text (doc/SUITE.md) or
 * built by a program.  Reading is strict: the first error is reported as
 * "FILE:LINE:COL: error: ..." in a wg_parse_error and no suite is returned. */

typedef struct wg_suite wg_suite;

typedef enum wg_suite_kind {
    WG_SUITE_EXPR = 0,       /* an expression over the names of its points */
    WG_SUITE_GRAPH,          /* .wg text: a file, or a block of the suite */
    WG_SUITE_FN              /* a C function (wg_suite_add_fn) */
} wg_suite_kind;

/* bits of wg_suite_case.set: the options a case sets itself */
#define WG_SUITE_SET_SEED          (1u << 0)
#define WG_SUITE_SET_DIRECTIONS    (1u << 1)
#define WG_SUITE_SET_PRECISION     (1u << 2)
#define WG_SUITE_SET_SAFETY        (1u << 3)
#define WG_SUITE_SET_FULL_JACOBIAN (1u << 4)
#define WG_SUITE_SET_ORDER         (1u << 5)

/* One case, read-only; valid until the suite is freed. */
typedef struct wg_suite_case {
    const char *name;            /* unique in its suite */
    const char *file;            /* the suite text it was read from; NULL if added by a program */
    int line;                    /* its first line there (0: none) */
    wg_suite_kind kind;
    const char *source;          /* the expression, the .wg path as written, a block's .wg
                                    text, or NULL (a C function) */
    size_t ninputs;
    const char *const *inputs;   /* the inputs' names, in the order of a point */
    size_t noutputs;
    size_t npoints;              /* at least 1, unless error is set */
    const double *points;        /* npoints rows of ninputs values */
    wg_verdict expect;           /* the verdict it should get (default pass) */
    unsigned set;                /* WG_SUITE_SET_* bits: the fields of options it sets */
    wg_check_options options;
    const char *error;           /* NULL, or why the case cannot be checked */
} wg_suite_case;

wg_suite *wg_suite_new(void);
void      wg_suite_free(wg_suite *s);
/* Read a suite file; .wg paths in it are relative to the file's folder.
 * A .wg path must name a file inside that folder (its subfolders too),
 * after symlinks are followed (realpath): "..", an absolute path or a
 * symlink that leads out is refused (WG_EINVAL) unless the flags say
 * WG_SUITE_OUTSIDE_PATHS.  A file outside the folder that does not read
 * is reported by its place only: its text is never quoted. */
wg_suite *wg_suite_read_file(const char *path, wg_parse_error *err);
#define WG_SUITE_OUTSIDE_PATHS 1u
wg_suite *wg_suite_read_file_ex(const char *path, unsigned flags, wg_parse_error *err);
/* The flags of the texts added to s from now on (WG_SUITE_OUTSIDE_PATHS). */
void      wg_suite_set_flags(wg_suite *s, unsigned flags);
/* Read suite text; name is used in messages ("<string>" if NULL), dir is
 * the folder relative .wg paths start from (NULL: the current one), and
 * the folder they must stay inside. */
wg_suite *wg_suite_read_string(const char *text, const char *name, const char *dir,
                               wg_parse_error *err);
/* Add the cases of suite text to s: all of them, or none and an error. */
int       wg_suite_add_text(wg_suite *s, const char *text, const char *name, const char *dir,
                            wg_parse_error *err);

size_t wg_suite_size(const wg_suite *s);
const wg_suite_case *wg_suite_case_at(const wg_suite *s, size_t i);   /* NULL past the end */
const wg_suite_case *wg_suite_find(const wg_suite *s, const char *name);

/* A case given as C code, checked at one point. */
typedef struct wg_suite_fn {
    const char *name;
    wg_record_fn record;             /* see wg_check_fn */
    void *ctx;
    void (*free_ctx)(void *ctx);     /* called on ctx by wg_suite_free (or at once when
                                        wg_suite_add_fn fails); may be NULL */
    size_t n;                        /* inputs */
    const char *const *names;        /* their names; NULL: x1, x2, ... */
    const double *point;             /* n values */
    size_t m;                        /* outputs: named y, or y1, y2, ... */
    wg_verdict expect;
} wg_suite_fn;
/* WG_OK, WG_EINVAL (a NULL or empty name, a name the suite has, n or m 0,
 * a bad input name, a value not finite) or WG_ENOMEM; names and the point
 * are copied. */
int wg_suite_add_fn(wg_suite *s, const wg_suite_fn *f);
/* A case that cannot be checked (its data is missing, ...): it is listed,
 * and checking it reports why. */
int wg_suite_add_unavailable(wg_suite *s, const char *name, wg_verdict expect, const char *why);

/* base, with the options case c sets replacing base's */
void wg_suite_case_options(const wg_suite_case *c, const wg_check_options *base,
                           wg_check_options *out);
/* The case recorded at its point k: a new graph, or NULL with err filled
 * in.  A point outside the function's domain gives the tape's status
 * (WG_EDOM, WG_ERANGE, WG_EBRANCH) and message. */
wg_graph *wg_suite_case_graph(const wg_suite_case *c, size_t k, wg_parse_error *err);
/* Check case c at every one of its points (options: base, then the case's
 * own) into one report: the results of every point in order, the worst
 * verdict, the wall time of the whole case.  A point outside the domain is
 * a result with verdict invalid.  WG_OK when the case ran, else a status
 * with the reason in why (len bytes) and nothing in r. */
int wg_suite_case_check(const wg_suite_case *c, const wg_check_options *base,
                        wg_check_report *r, char *why, size_t len);
/* The same, calling point(ctx, c, k, seed, g, why_none, part) with the
 * report of each point k as it is made (before it joins r): g is the graph
 * checked, or NULL when the function cannot be recorded at k (why_none
 * says why; part is then the invalid result); seed is the directions' seed.
 * A nonzero return stops the check: WG_EIO, nothing in r.  point may be
 * NULL (then this is wg_suite_case_check). */
typedef int (*wg_suite_point_fn)(void *ctx, const wg_suite_case *c, size_t k, uint64_t seed,
                                 wg_graph *g, const char *why_none,
                                 const wg_check_report *part);
int wg_suite_case_check_points(const wg_suite_case *c, const wg_check_options *base,
                               wg_check_report *r, char *why, size_t len,
                               wg_suite_point_fn point, void *ctx);
/* r becomes a report of one invalid result whose message is why: what a
 * check gives at a point where the function cannot be recorded.  WG_OK or
 * WG_ENOMEM. */
int wg_suite_report_invalid(wg_check_report *r, const char *why);

#ifdef __cplusplus
}
#endif
#endif /* WENGERT_VERIFY_H */
