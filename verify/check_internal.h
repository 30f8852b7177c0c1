/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_internal.h -- private to libwengert-verify: the state of one check
 * (wg_check_tape) shared by its parts.  Calls go one way, down this list
 * (tests/test_layers.sh holds the folders to it; within verify/ the order
 * is by design): check.c calls the rest, check_result.c calls none.
 *   check.c        arguments, the loop over directions, verdicts
 *   check_order2.c, order2_*.c  the second order (below), which recurses
 *                  through order2_blame.c: a Hessian's blame is the same
 *                  check of one-op tapes
 *   check_state.c  the state of one check: model, tape view, replays, scratch
 *   directions.c   random directions and cotangents
 *   bound.c        partials and their errors at the point, own sweeps,
 *                  the error bound, the step scale
 *   reference.c    the MPFR reference: central and one-sided differences
 *   finite_diff.c  double central differences and gsl_deriv_central
 *   blame.c        the node whose rule is wrong
 *   check_result.c results and reports: initial state, messages, the order
 *                  of verdicts, the summary
 *   convention.c   at a kink, the value the documented conventions give
 *   check_lowered.c a tensor tape checked on its scalar lowering (lower.h):
 *                  the model's handles, the library's per-element results,
 *                  node names
 * doc/VERIFY.md explains the numbers. */
#ifndef WG_CHECK_INTERNAL_H
#define WG_CHECK_INTERNAL_H

#include "lower.h"
#include "mpfr_replay.h"
#include "wengert_verify.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <mpfr.h>

#define WG_UNIT_ROUNDOFF 0x1p-53    /* u: |fl(a op b) - a op b| <= u |a op b| */
/* eta: with gradual underflow fl(a op b) = (a op b)(1 + delta) + e, |e| <=
 * eta, half an ulp of the least subnormal (Higham, Accuracy and Stability of
 * Numerical Algorithms, 2nd ed., sec. 2.1); e = 0 for + and -, whose exact
 * result below 2^-1022 is a double.  Long double: 2^-1075 is not a double. */
#define WG_UNDERFLOW_ETA 0x1p-1075L
#define WG_REF_RATIO_BITS 8         /* h2 = h1 * 2^-8 */
#define WG_REF_CONVERGED_BITS 70    /* |D(h1) - D(h2)| <= 2^-70 max(|D|, T) */
#define WG_NONDIFF_BITS 20          /* one-sided differences apart by 2^-20: a kink */
#define WG_REF_MAX_ORDER 8          /* differences that go as h^k, k <= 8 (x^9 at 0), are
                                       told from a kink and from no convergence */
#define WG_MAX_PRECISION 4096       /* the reference's precision may rise to this when rounding limits it */

typedef struct wg_chk {
    /* the model: the tape the reference, the bound and the blame read.  A
     * scalar tape itself; for a tensor tape its scalar lowering, whose
     * inputs and outputs are the elements of the handles, in order */
    wg_tape *t;
    wg_check_options opt;
    size_t n, m;
    const wg_var *x, *y;
    /* the subject: the tape and handles whose derivatives are under test
     * (wg_vjp, wg_jvp); the model itself for a scalar tape */
    wg_tape *subj;
    size_t sn, sm;
    const wg_var *sx, *sy;
    const wg_lowering *low;     /* NULL: a scalar tape, checked as it is */
    wg_var *own_x, *own_y;      /* the model's handles when lowered (freed with the check) */
    double *sval;               /* lowered: the subject's value of each model node (bound.c) */
    size_t *xi, *yi;            /* node indices of x and y */
    size_t xlo, yhi;            /* least input index, greatest output index */
    double *x0;                 /* the point */
    double xscale;              /* max(1, |x0|_inf) */
    size_t N;                   /* nodes 0 .. N-1 matter: N = yhi + 1 */
    wg_tape_view tv;

    /* MPFR replays: at x0 (once per check) and at x0 +- h u */
    wg_mpfr_replay ctr, plus, minus;
    wg_mpfr_issue ctr_issue;
    mpfr_prec_t prec;
    mpfr_prec_t facc;           /* precision of sums over outputs: 2 prec + 64 */

    /* per node, at the point (direction-free) */
    double *rv;                 /* MPFR value at x0, rounded to double */
    double *d;                  /* d[2i + k]: kernel partial of node i w.r.t. operand k */
    long double *dd;            /* dd[2i + k]: bound on the error of d[2i + k] (long
                                   double: its underflow terms are multiples of 2^-1075) */
    unsigned *fanout;           /* edges leaving each node (operand uses) */

    /* per direction */
    double *u, *w;
    double *xbar, *ydot;        /* the library's VJP and JVP */
    double *lib_tan, *lib_adj;  /* the library's per-node tangents and adjoints (0 if not swept) */
    long double *tan, *adj;     /* own sweeps with the kernel partials */
    long double *tabs;          /* tangents of |partials| along |u| */
    long double *ebound;        /* forward running error bound (blame) */
    long double *efr, *ebar;    /* radii of the second-order terms (bound.c) */
    long double *ctan;          /* tangents under the documented kink conventions */
    double T;                   /* sum |w_j| tabs(y_j): the absolute scale of w.J u */
    double S_raw;               /* distance along u to the nearest singular point, linearized */
    double S_sure, S_near;      /* the same over nodes certainly off their singular point at
                                   the exact values, and over the others (bound.c) */
    double S_hi;                /* the largest step scale: min(xscale, max(1, |x0_j|) / |u_j|) */
    double Rs;                  /* sum |lambda_i| |v_i|: how rounding in the replay reaches w.f */

    /* the other derivative paths (paths.c) */
    double *pbuf;               /* 2 (n + m) + 4 doubles of scratch */
    long double *tabs_sum, *adj_sum;    /* wg_chk_bound_abs's sums */
    double *jac[3];             /* wg_jacobian_fwd, _rev, wg_jacobian at x0 (m x n) */
    unsigned jac_ok;            /* bit k: jac[k] was computed */
    double jac_mag;             /* sum |w_i J_ij u_j| of the last Jacobian path */
    wg_tape *cp;                /* the subject's copy for wg_backward and wg_eval */
    wg_var *cpmap;              /* the subject's node i's handle on cp */
    size_t cpN;                 /* the subject's nodes 0 .. cpN-1 are on cp */
    double *gbuf;               /* n doubles: a tensor input's gradient buffer */
    int cp_moved;               /* wg_eval moved cp to x0 + d and its values were judged */
    size_t cp_nx;               /* cp's inputs given to wg_eval, their handles: */
    wg_var *cp_x, *cp_y;        /* ... and the outputs' (sm of them) */
    int nested;                 /* this check is the derivatives' after a replay (check.c):
                                   every path but the replay itself */
    long replay_bad;            /* 0, or 1 + the first node wg_eval at x0 did not give
                                   back bit for bit (N + 1: the replay failed, no node named) */

    /* MPFR scratch of the reference */
    mpfr_t acc, tmp, step, F0, Fp, Fm, D1, D2, L, R;

    gsl_rng *rng;
} wg_chk;

/* Gradual underflow in the sweeps: a product d v (partial times tangent,
 * or times adjoint) below 2^-1022 errs by up to eta = 2^-1075 besides its
 * relative u; the sums into a tangent or an adjoint are exact there.  The
 * term is taken where the product may land below 2^-1022: d is not 0, v
 * is not 0 or may not be (its radius), and |d v| < 2^-1021, twice the
 * threshold, for the computed v's distance from the own one.  A product
 * exactly 0 (the strong zero) has no error; one taken above 2^-1022 costs
 * less than one more rounding of it. */
static inline long double wg_chk_product_eta(double d, long double v, long double rad)
{
    if (d == 0 || (v == 0 && rad == 0))
        return 0;
    return fabsl(d * v) < 0x1p-1021L ? WG_UNDERFLOW_ETA : 0;
}

/* one direction's reference */
typedef struct wg_chk_ref {
    int status;                 /* WG_OK, WG_EDOM / WG_ERANGE (a node left its domain), WG_EBRANCH */
    wg_mpfr_issue issue;
    long issue_exp;             /* the issue came at s = issue_sign * 2^issue_exp */
    int issue_sign;
    long e1;                    /* h1 = 2^e1, h2 = 2^(e1 - 8) */
    int converged;
    int nondiff;
    double round_err;           /* estimated rounding error of D(h2) */
    mpfr_prec_t need_prec;      /* > 0: the precision at which rounding would be small enough */
} wg_chk_ref;

/* check_result.c: messages of a report and of a result, written and appended to */
void wg_chk_msg(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void wg_chk_append(wg_check_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* res->blame_text from res->blame_node of tape t: "v6 = sin(v2)", operands
 * named by g's names when g is not NULL; "" when no node is blamed */
void wg_chk_blame_text(const wg_tape *t, const wg_graph *g, wg_check_result *res);
#define RESMSG(res, ...) wg_chk_msg((res)->message, sizeof (res)->message, __VA_ARGS__)
#define REPERR(r, ...) wg_chk_msg((r)->error, sizeof (r)->error, __VA_ARGS__)
#define LABEL(c, i) wg_chk_label((c), (i), (char[160]){ 0 }, 160)

/* directions.c */
gsl_rng *wg_chk_rng_new(uint64_t seed);
void     wg_chk_draw_unit(gsl_rng *r, size_t n, double *v);

/* bound.c */
void   wg_chk_point_partials(wg_chk *c);
void   wg_chk_own_sweeps(wg_chk *c);
void   wg_chk_rounding_scale(wg_chk *c);
void   wg_chk_radii(wg_chk *c);
double wg_chk_bound(const wg_chk *c);
void   wg_chk_step_distance(wg_chk *c);
long   wg_chk_step_exp(const wg_chk *c);
void   wg_chk_forward_bounds(wg_chk *c);
double wg_kernel_ulps(wg_op op);
long double wg_kernel_underflow(wg_op op, double a, double b, double p, double y, int k,
                                double d);

/* reference.c */
void   wg_chk_reference(wg_chk *c, wg_chk_ref *ref);
/* |v - D2| to double, exactly rounded from MPFR */
double wg_chk_abs_err(wg_chk *c, double v);
/* per-node reference tangents at h1 and h2 (blame): ref[i] from h2,
 * err[i] = |D1_i - D2_i|; WG_OK or the replay's issue */
int    wg_chk_node_tangents(wg_chk *c, const wg_chk_ref *ref, double *refd, double *err);

/* finite_diff.c */
void   wg_chk_central(wg_chk *c, wg_figure *f);
void   wg_chk_gsl(wg_chk *c, wg_figure *f);
double wg_chk_fd_step(const wg_chk *c);
int    wg_chk_restore(wg_chk *c);

/* blame.c */
void   wg_chk_blame(wg_chk *c, const wg_chk_ref *ref, wg_check_result *res, int forward_failed,
                    int reverse_failed);

/* paths.c: the other derivative paths (wengert_verify.h, wg_path) */
int    wg_chk_paths_open(wg_chk *c);            /* WG_OK or WG_ENOMEM */
void   wg_chk_paths_close(wg_chk *c);
void   wg_chk_paths_run(wg_chk *c, wg_check_result *res);
double wg_chk_bound_abs(wg_chk *c);
long   wg_chk_blame_jvp_multi(wg_chk *c);
int    wg_chk_replay_judge(wg_chk *c, wg_check_result *res);

/* convention.c */
/* 1 when (a, b) is exactly on op's kink, with the documented partials in d */
int    wg_chk_kink_partials(wg_op op, double a, double b, double d[2]);
/* w.(J u) with the documented partials at every node on its kink and the
 * kernel partials elsewhere; the per-node tangents go to c->ctan.  *on is
 * the first node on its kink, or -1; *kink the first that u also crosses
 * (its operands' tangents move it off the kink) and that reaches the
 * outputs (its own adjoint, c->adj, is not 0), or -1 */
double wg_chk_convention(wg_chk *c, long *on, long *kink);
/* blame after a result broke the convention: the first node whose tangent
 * departs from ctan, else the reverse blame */
void   wg_chk_blame_convention(wg_chk *c, wg_check_result *res);

/* check_lowered.c */
/* elements of the handles v[0..n) (an invalid handle counts one) */
size_t wg_chk_flat_count(const wg_tape *t, size_t n, const wg_var *v);
/* the model becomes the lowering L of c->subj: c->t, x, y, n, m; WG_OK or WG_ENOMEM */
int    wg_chk_model_handles(wg_chk *c, const wg_lowering *L);
/* c->sval, once the tape view is read; WG_OK or WG_ENOMEM */
int    wg_chk_subject_values(wg_chk *c);
/* the library's tangents (tangents = 1) or adjoints of the last sweep, per
 * model node (0 where not swept, and for the inner steps of a lowering) */
void   wg_chk_read_lib(const wg_chk *c, double *dst, int tangents);
/* the original node of model node i, and its element (-1: a scalar node,
 * or an inner step) */
long   wg_chk_orig_node(const wg_chk *c, size_t i);
long   wg_chk_orig_elem(const wg_chk *c, size_t i);
/* "node 12 (log)", "node 12 (matmul) element 5", "node 12 (matmul), an
 * inner add": model node i as messages name it */
const char *wg_chk_label(const wg_chk *c, size_t i, char *buf, size_t len);
const char *wg_chk_orig_label(const wg_chk *c, size_t node, long elem, char *buf, size_t len);
/* blame model node i (named as the original node), or original node `node` */
void   wg_chk_set_blame(const wg_chk *c, wg_check_result *res, size_t i);
void   wg_chk_set_blame_orig(const wg_chk *c, wg_check_result *res, size_t node, long elem);

/* glibc's libm-test ulp: 2^(ilogb(x) - 52) for normal x, 2^-1074 otherwise */
double wg_ulp_of(double x);

/* check_state.c (the state of one check) and check_result.c (results,
 * messages, verdict order): the parts of one check that the first and
 * second order share; neither file calls check.c or check_order2.c */
#define WG_CHK_ALL_INVALID 1000     /* wg_chk_open: every result is invalid */
typedef struct wg_chk_fault {
    long node;                  /* the node of an all-invalid outcome, or -1 */
    const char *prefix;         /* its message: prefix, then text */
    char text[320];             /* or the error's message */
    int restore;                /* the model's tape was replayed: wg_chk_restore it */
} wg_chk_fault;
int    wg_chk_open(wg_chk *c, wg_tape *t, size_t n, const wg_var *x, size_t m, const wg_var *y,
                   wg_lowering *L, wg_chk_fault *f);
void   wg_chk_close(wg_chk *c);
int    wg_chk_replays_init(wg_chk *c, mpfr_prec_t p);
int    wg_chk_center_run(wg_chk *c);
void   wg_chk_result_init(wg_check_result *res);
void   wg_chk_all_invalid(wg_check_report *r, long node, const char *prefix, const char *text);
void   wg_chk_summarize(wg_check_report *r, double t0);
void   wg_chk_set_figure(wg_chk *c, wg_figure *f, double ref);
long   wg_chk_node_in_message(const char *m);
int    wg_chk_point_error(int status);
unsigned wg_chk_verdict_rank(wg_verdict v);
double wg_chk_now(void);

/* ---------------------------------------------------------------- second order */

/* reference2.c: v^T H u of F = w.f from second differences of the MPFR
 * replay on the grid x0 + i h u + j h v, i, j in {-1, 0, 1}, at two steps */
typedef struct wg_chk_ref2 {
    int status;                 /* WG_OK, or the first replay's issue (as wg_chk_ref) */
    wg_mpfr_issue issue;
    long issue_exp;             /* at h = 2^issue_exp ... */
    int issue_i, issue_j;       /* ... the grid point (i, j) */
    long e1;                    /* h1 = 2^e1, h2 = 2^(e1 - 8) */
    int converged, nondiff;
    double reference;           /* D(h2) rounded */
    double reference_err;       /* |D(h1) - D(h2)| */
    double qlo, qhi;            /* least and greatest quadrant difference at h2 */
    double round_err;           /* the rounding D(h2) may carry */
    mpfr_prec_t need_prec;      /* > 0: a precision at which rounding is small enough */
    mpfr_prec_t facc;           /* precision of the values below (0: not allocated) */
    mpfr_t F[9], D1, D2, Q[4], tmp, s, t;
} wg_chk_ref2;
/* the reference along u (c->u) and v, with S = c->S_raw the step scale;
 * T2 the scale of v^T H u before cancellation, T1 the gradient's (w.J u
 * and w.J v before cancellation); the scratch follows c->facc */
void   wg_chk_reference2(wg_chk *c, const double *v, double T2, double T1, wg_chk_ref2 *ref);
void   wg_chk_ref2_clear(wg_chk_ref2 *ref);
/* |value - D(h2)| exactly rounded */
double wg_chk_ref2_abs_err(wg_chk_ref2 *ref, double value);

/* order2_tape.c: tapes the second order records on */
/* nodes 0 .. N-1 of t recorded again on dst (empty) through the public
 * API; map[i] is node i's handle there.  The values must come out the
 * same, bit for bit.  WG_OK, or a status with why. */
int    wg_chk_rebuild(const wg_tape *t, size_t N, wg_tape *dst, wg_var *map, char *why,
                      size_t len);
/* node i of t alone on dst (empty): an input per operand with its values,
 * then the op.  *nin inputs in in[0..1], the node in *out.  WG_OK, or
 * WG_EINVAL for a node without operands or derivative (leaf, comparison) */
int    wg_chk_one_op(const wg_tape *t, size_t i, wg_tape *dst, wg_var in[2], size_t *nin,
                     wg_var *out);

/* order2_fd.c: v . grad(w.f)(x0 + t u) differenced in t, on the check's
 * own tape G with w.f its one-element node obj (central: the first order's
 * central difference; gsl: gsl_deriv_central); either may be NULL */
typedef struct wg_o2_fd {
    wg_tape *G;
    size_t nh;                  /* handles gx of the inputs */
    const wg_var *gx;
    wg_var obj;
    size_t n;                   /* their elements: x0, u, v */
    const double *x0, *u, *v;
    double xscale, S;           /* max(1, |x0|), the distance to a singular point */
} wg_o2_fd;
void   wg_o2_fd_run(const wg_o2_fd *p, wg_figure *central, wg_figure *gsl);

/* order2_consts.c: the gradient graph's constants (nodes of G from base
 * on), rounded to doubles: their spread added to the partials' errors of
 * c2 (once, after wg_chk_open), and carried to the gradient's value by
 * c2's adjoints (after wg_chk_own_sweeps) */
void   wg_o2_const_partials(wg_chk *c2, size_t base);
double wg_o2_const_effect(const wg_chk *c2, size_t base);

/* order2_blame.c: blame a failed result on the first op of t's nodes
 * 0 .. N-1 whose recorded rule fails the second-order check alone (one-op
 * checks at depth + 1); 1 when one was found (res's blame set, its message
 * appended) */
int    wg_o2_blame(wg_tape *t, size_t N, const wg_check_options *opt, int depth,
                   wg_check_result *res);

/* Test-only: the function that records the gradient graph (default
 * wg_grad_graph).  A test plants a wrong recorded rule through it; NULL
 * restores the default.  Process-wide: never set it while checks run on
 * other threads. */
typedef int (*wg_chk_grad_graph_fn)(wg_tape *t, wg_var y, size_t n, const wg_var *x, wg_var *g);
void   wg_chk_set_grad_graph(wg_chk_grad_graph_fn fn);

/* check_order2.c: wg_check_tape with o->order == 2 (r->results allocated,
 * the arguments checked); depth > 0 for the one-op checks of blame */
int    wg_chk_order2(wg_tape *t, size_t n, const wg_var *x, size_t m, const wg_var *y,
                     const wg_check_options *o, wg_check_report *r, double t0, int depth);

#endif /* WG_CHECK_INTERNAL_H */
