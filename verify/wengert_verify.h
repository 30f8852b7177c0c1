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
 * Depends on libwengert, GSL and MPFR. */
#ifndef WENGERT_VERIFY_H
#define WENGERT_VERIFY_H

#include <stdint.h>
#include <stdio.h>

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

typedef struct wg_check_options {
    uint64_t seed;           /* directions are drawn from this seed (default 1) */
    unsigned directions;     /* random directions per check (default 3) */
    unsigned precision;      /* MPFR bits of the reference (default 256, at least 128) */
    double safety;           /* factor on the error bound (default 8; doc/VERIFY.md) */
    unsigned methods;        /* bit set of 1u << wg_method (default: all) */
    int full_jacobian;       /* also check every column e_j (default 0) */
} wg_check_options;
void wg_check_options_init(wg_check_options *o);

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
    char fail_mode[16];      /* "reverse", "forward", "dot-product" when verdict is fail */
    double reference;        /* MPFR w.(J u), rounded to double */
    double reference_err;    /* |D(h) - D(h')| of the two MPFR steps */
    int reference_converged;
    double left, right;      /* one-sided MPFR derivatives (for nondiff) */
    wg_figure fig[WG_METHOD_COUNT];
    double bound;            /* error bound of the AD results, safety included */
    double dot_gap;          /* |w.(J u) - (w^T J).u| in double */
    long blame_node;         /* -1: none */
    wg_op blame_op;          /* WG_OP_COUNT when none */
    long invalid_node;       /* for invalid: the node, -1 if none */
    char message[320];       /* why, in one line */
} wg_check_result;

/* a whole check: one result per direction (and per column in full-Jacobian
 * mode); the verdict is the worst of them (fail > invalid > unstable >
 * nondiff > pass) */
typedef struct wg_check_report {
    wg_verdict verdict;
    size_t nresults;
    wg_check_result *results;
    size_t worst;            /* index of the result that set the verdict */
    double seconds;          /* wall time of the check */
} wg_check_report;
void wg_check_report_free(wg_check_report *r);

/* Check the derivatives of outputs y (m) with respect to inputs x (n) of a
 * recorded tape, at the tape's current point.  Returns WG_OK when the check
 * ran (whatever its verdict), or a status for bad arguments. The tape's
 * values are restored before returning. */
int wg_check_tape(wg_tape *t, size_t n, const wg_var *x, size_t m, const wg_var *y,
                  const wg_check_options *o, wg_check_report *r);

/* Check a function given as C code: record(t, x, n, y_out, m, ctx) records
 * f on the empty tape t from the inputs x[0..n) (already made with
 * wg_input at the point) and writes its m outputs to y_out. */
typedef int (*wg_record_fn)(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m,
                            void *ctx);
int wg_check_fn(wg_record_fn record, void *ctx, size_t n, const double *point, size_t m,
                const wg_check_options *o, wg_check_report *r);

/* Check a graph (all of its inputs and outputs). */
int wg_check_graph(wg_graph *g, const wg_check_options *o, wg_check_report *r);

/* Human-readable summary of a report, one block per result. */
void wg_check_report_print(const wg_check_report *r, const char *name, FILE *out);
/* One JSON object on one line (see doc/VERIFY.md for the fields). */
void wg_check_report_json(const wg_check_report *r, const char *name, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* WENGERT_VERIFY_H */
