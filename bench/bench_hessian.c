/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_hessian.c -- second order in double: what wg_hvp and wg_hessian
 * cost against one gradient, and how much wg_grad_graph grows a tape.
 *
 * Problems (the same functions and data as hessian_torch.py):
 *   GMM      the ADBench objective in tensor form (gmm_tensor_record), n = 1000,
 *            K = 5, d = 2, 10, 64, over alphas, means and icf; and bench_gmm's
 *            scalar tape of it (gmm_record) at d = 2 and 10;
 *   MLP      bench_mlp's two-layer perceptron (784-256-10, batch 64, tanh,
 *            log-softmax, mean NLL) on its seeded data, over W1, b1, W2, b2;
 *   Rosen    the extended Rosenbrock function of More, Garbow and Hillstrom,
 *            n = 100: sum over pairs 100 (x_2i+1 - x_2i^2)^2 + (1 - x_2i)^2,
 *            at the classic start (-1.2, 1, ...), with scalar ops and with
 *            tensor ops;
 *   prior    the GMM's Wishart prior as a function of icf alone (the last
 *            loop of gmm_objective_body.h: sum_k 1/2 gamma^2 (|exp q_k|^2 +
 *            |l_k|^2) - m sum(q_k)), d = 2 and 10, K = 5, scalar and tensor.
 *
 * 1. wg_hvp time over one wg_grad time.  Each tape is recorded once and both
 *    calls are timed on it, in adjacent pairs (timing.h); the recording of f
 *    is excluded, while what wg_hvp does each call (record the gradient
 *    graph, sweep it forward along v, truncate the tape back) is inside its
 *    time.  Checked: H v against central differences of wg_grad along v
 *    (with one Richardson step), and u.(H v) = v.(H u).
 * 2. dense wg_hessian of Rosen and prior: its time over one gradient, over
 *    N gradients and over N wg_hvp calls (the Hessian column by column, as a
 *    user without wg_hessian would get it).  Checked: symmetry, the columns
 *    against central differences of gradients, both against the closed form
 *    (these Hessians are known exactly), and the N HVPs against wg_hessian.
 * 3. tape growth: nodes (and bytes) appended by wg_grad_graph per node of the
 *    recorded function, on scalar and tensor tapes; the recorded gradient's
 *    values are checked against wg_grad's.
 * 4. peers: with --peer FILE (written by hessian_torch.py --out) PyTorch's
 *    grad, hvp, vhp and hessian times beside ours, and its f and v.(H v) at
 *    the same point and direction against ours.  ADOL-C's hess_vec and
 *    hessian are in bench_hessian_adolc (scalar problems only), which make
 *    bench-hessian builds and runs when configure found ADOL-C.
 *
 * Figures are printed, never asserted; exit status 1 when a check fails.
 *
 * usage: bench_hessian [-t SECONDS] [--peer FILE] [DATADIR] */
#define _POSIX_C_SOURCE 200809L     /* clock_gettime */
#include "bench_util.h"
#include "timing.h"
#include "gmm_data.h"
#include "gmm_objective.h"
#include "gmm_tensor_objective.h"
#include "wengert.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the targets of the issue: H v at most 4 gradients; wg_grad_graph at most
 * 3 appended nodes per recorded node on scalar graphs */
#define HVP_TARGET 4.0
#define GROWTH_TARGET 3.0

/* H v against central differences of the gradient along v: the largest
 * difference over the largest |H v| component (1e-6).  The difference
 * quotient gets one Richardson step, (4 D(h/2) - D(h)) / 3, whose
 * truncation error is O(h^4).  The step is FD_STEP (1 + max |x|) over the
 * 2-norm of the direction, so that the point moves the same distance
 * whatever N: scaled by the largest component instead, a step along a
 * direction of 10^4 components of order one moves the point 100 times
 * further than along a unit vector, far enough at d = 64 to change the
 * GMM's quadratic forms by order one.  At 3e-4 the measured differences
 * are at most 3e-10 on the problems here (1e-3 gives up to 4e-8, 1e-4 up
 * to 5e-10), three orders and more below the tolerance, which is itself
 * far below what a wrong second-order rule (errors of order one) gives.
 * The dense Hessians' columns are checked the same way along e_j. */
#define FD_RTOL 1e-6
#define FD_STEP 3e-4
/* u.(H v) against v.(H u), relative to max(|u| |H v|, |v| |H u|) (2-norms),
 * the Cauchy-Schwarz bound on either product, so that a small product
 * from cancellation is not held to a relative error it cannot have.  Each
 * component of H v is a sum of terms of at most that scale computed with a
 * few roundings per node of the gradient graph: errors of order
 * (graph depth) eps ~ 1e-13; 1e-10 leaves three orders of headroom and is
 * still far below what a dropped or wrong second-order term gives.  The
 * same tolerance, relative to max |H|, holds a dense Hessian's asymmetry
 * and its difference to the N HVPs (the same rules, swept in blocks of
 * directions or one at a time). */
#define SYM_RTOL 1e-10
/* Dense Hessians against their closed forms (entries are polynomials in x
 * or exponentials: a few roundings each), as max |difference| / max |H|. */
#define EXACT_RTOL 1e-12
/* the gradient recorded as nodes against wg_grad's numbers: the same rules
 * in the same order, so equal up to a few roundings where summation orders
 * differ (tensor reductions, BLAS blocking); relative to the largest
 * component, 1e-10 as bench_gmm_tensor's value check */
#define GRAPH_RTOL 1e-10

static double min_time = 0.5;
static int failed;

/* ---------------------------------------------------------------- random numbers */

/* xorshift64*: bench_mlp's generator; hessian_torch.py draws the same
 * numbers in the same order (the MLP's data and weights from MLP_SEED as
 * bench_mlp does, every direction v from DIR_SEED) */
#define MLP_SEED UINT64_C(0x9E3779B97F4A7C15)
#define DIR_SEED UINT64_C(0x853C49E6748FEA9B)


/* ---------------------------------------------------------------- problems */

enum { ROSEN_N = 100 };
enum { MLP_B = 64, MLP_IN = 784, MLP_H = 256, MLP_OUT = 10 };

typedef struct prob prob;
struct prob {
    char name[40];              /* printed */
    char key[24];               /* the peer's name for the same function */
    int tensor;                 /* recorded with tensor ops */
    void (*record)(prob *p);    /* inputs at x0 into x[0 .. nx), f into y */
    const gmm_input *in;        /* GMM and prior */
    const double *data;         /* MLP: B x IN pixels, then B x OUT one-hot labels */
    size_t N;                   /* elements of x */
    size_t nx;                  /* handles */
    double *x0;                 /* the point, N values */
    wg_tape *t;
    wg_var *x, y;
    wg_var *scratch;            /* the scalar GMM's */
    double *g, *v, *u, *Hv, *Hu, *e, *H, *H2;
    double *xv, *gp, *gm, *d1, *d2;     /* finite differences */
    double sink;
};

static void die_tape(const prob *p, const char *what)
{
    fprintf(stderr, "bench_hessian: %s: %s failed: %s: %s\n", p->name, what,
            wg_strerror(wg_status(p->t)), wg_errmsg(p->t));
    exit(1);
}

/* extended Rosenbrock over pairs (a, b) = (x_2i, x_2i+1) */
static void record_rosen_scalar(prob *p)
{
    wg_tape *t = p->t;
    for (size_t i = 0; i < p->N; i++)
        p->x[i] = wg_input(t, p->x0[i]);
    wg_var f = { 0 };
    for (size_t i = 0; i + 1 < p->N; i += 2) {
        wg_var a = p->x[i], b = p->x[i + 1];
        wg_var term = wg_add(t, wg_mul_c(t, wg_square(t, wg_sub(t, b, wg_square(t, a))), 100),
                             wg_square(t, wg_add_c(t, wg_neg(t, a), 1)));
        f = i == 0 ? term : wg_add(t, f, term);
    }
    p->y = f;
}

/* the same over x as an (n/2, 2) tensor: column 0 holds the a's, column 1
 * the b's; row-major, so its elements are x in order */
static void record_rosen_tensor(prob *p)
{
    wg_tape *t = p->t;
    size_t s[2] = { p->N / 2, 2 };
    wg_var x = p->x[0] = wg_tensor_input(t, 2, s, p->x0);
    wg_var a = wg_slice(t, x, 1, 0, 1), b = wg_slice(t, x, 1, 1, 2);
    wg_var r = wg_add(t, wg_mul_c(t, wg_square(t, wg_sub(t, b, wg_square(t, a))), 100),
                      wg_square(t, wg_add_c(t, wg_neg(t, a), 1)));
    p->y = wg_sum(t, r, 0, NULL, 0);
}

/* the Wishart prior over icf, in gmm_objective_body.h's order of ops */
static void record_prior_scalar(prob *p)
{
    wg_tape *t = p->t;
    const gmm_input *in = p->in;
    const size_t d = (size_t)in->d, nicf = gmm_icf_len(in->d);
    const double half_g2 = 0.5 * in->gamma * in->gamma;
    for (size_t i = 0; i < p->N; i++)
        p->x[i] = wg_input(t, p->x0[i]);
    wg_var f = { 0 };
    for (int k = 0; k < in->K; k++) {
        const wg_var *q = p->x + (size_t)k * nicf, *l = q + d;
        wg_var sumq = q[0], ss = wg_square(t, wg_exp(t, q[0]));
        for (size_t j = 1; j < d; j++) {
            sumq = wg_add(t, sumq, q[j]);
            ss = wg_add(t, ss, wg_square(t, wg_exp(t, q[j])));
        }
        for (size_t j = 0; j < nicf - d; j++)
            ss = wg_add(t, ss, wg_square(t, l[j]));
        wg_var term = wg_sub(t, wg_mul_c(t, ss, half_g2), wg_mul_c(t, sumq, (double)in->m));
        f = k == 0 ? term : wg_add(t, f, term);
    }
    p->y = f;
}

/* the prior as gmm_tensor_objective.c records it, icf a (K, nicf) input */
static void record_prior_tensor(prob *p)
{
    wg_tape *t = p->t;
    const gmm_input *in = p->in;
    const size_t d = (size_t)in->d, K = (size_t)in->K, nicf = gmm_icf_len(in->d);
    size_t s[2] = { K, nicf };
    wg_var icf = p->x[0] = wg_tensor_input(t, 2, s, p->x0);
    wg_var q = wg_slice(t, icf, 1, 0, d);
    wg_var ss = wg_sum(t, wg_square(t, wg_exp(t, q)), 0, NULL, 0);
    if (nicf > d)
        ss = wg_add(t, ss, wg_sum(t, wg_square(t, wg_slice(t, icf, 1, d, nicf)), 0, NULL, 0));
    const double half_g2 = 0.5 * in->gamma * in->gamma;
    p->y = wg_sub(t, wg_mul_c(t, ss, half_g2),
                  wg_mul_c(t, wg_sum(t, q, 0, NULL, 0), (double)in->m));
}

static void record_gmm_tensor(prob *p)
{
    p->y = gmm_tensor_record(p->t, p->in, p->x0, p->x);
}

static void record_gmm_scalar(prob *p)
{
    p->y = gmm_record(p->t, p->in, p->x0, p->x, p->scratch);
}

/* bench_mlp's tape with the data first: constants recorded before the
 * inputs get no adjoint, and none of their tangents either */
static void record_mlp(prob *p)
{
    wg_tape *t = p->t;
    const size_t sx[2] = { MLP_B, MLP_IN }, sy[2] = { MLP_B, MLP_OUT },
                 sw1[2] = { MLP_IN, MLP_H }, sb1[1] = { MLP_H }, sw2[2] = { MLP_H, MLP_OUT },
                 sb2[1] = { MLP_OUT };
    const double *w1 = p->x0, *b1 = w1 + MLP_IN * MLP_H, *w2 = b1 + MLP_H,
                 *b2 = w2 + MLP_H * MLP_OUT;
    wg_var x = wg_tensor_const(t, 2, sx, p->data);
    wg_var onehot = wg_tensor_const(t, 2, sy, p->data + MLP_B * MLP_IN);
    wg_var W1 = p->x[0] = wg_tensor_input(t, 2, sw1, w1);
    wg_var B1 = p->x[1] = wg_tensor_input(t, 1, sb1, b1);
    wg_var W2 = p->x[2] = wg_tensor_input(t, 2, sw2, w2);
    wg_var B2 = p->x[3] = wg_tensor_input(t, 1, sb2, b2);
    wg_var h = wg_tanh(t, wg_add(t, wg_matmul(t, x, W1), B1));
    wg_var lsm = wg_logsoftmax(t, wg_add(t, wg_matmul(t, h, W2), B2), 1);
    p->y = wg_mul_c(t, wg_sum(t, wg_mul(t, lsm, onehot), 0, NULL, 0), -1.0 / MLP_B);
}

/* bench_mlp's data and weights, drawn in its order */
static double *mlp_draw(double *params)
{
    bench_rng r = { MLP_SEED };
    double *data = bench_xcalloc(MLP_B * (MLP_IN + MLP_OUT), sizeof *data);
    double *onehot = data + MLP_B * MLP_IN;
    for (int i = 0; i < MLP_B * MLP_IN; i++)
        data[i] = bench_rng_uniform(&r);
    for (int i = 0; i < MLP_B; i++)
        onehot[i * MLP_OUT + (int)(bench_rng_next(&r) % MLP_OUT)] = 1.0;
    const double s1 = 1.0 / sqrt((double)MLP_IN), s2 = 1.0 / sqrt((double)MLP_H);
    double *w1 = params, *b1 = w1 + MLP_IN * MLP_H, *w2 = b1 + MLP_H, *b2 = w2 + MLP_H * MLP_OUT;
    for (int i = 0; i < MLP_IN * MLP_H; i++)
        w1[i] = (2.0 * bench_rng_uniform(&r) - 1.0) * s1;
    for (int i = 0; i < MLP_H; i++)
        b1[i] = (2.0 * bench_rng_uniform(&r) - 1.0) * s1;
    for (int i = 0; i < MLP_H * MLP_OUT; i++)
        w2[i] = (2.0 * bench_rng_uniform(&r) - 1.0) * s2;
    for (int i = 0; i < MLP_OUT; i++)
        b2[i] = (2.0 * bench_rng_uniform(&r) - 1.0) * s2;
    return data;
}

enum { P_ROSEN_S, P_ROSEN_T, P_PRIOR_S, P_PRIOR_T, P_GMM_T, P_GMM_S, P_MLP };

/* a problem recorded at its point; gi: the GMM problem for P_PRIOR_* and P_GMM_* */
static void prob_init(prob *p, int kind, const gmm_input *gi, const char *gkey)
{
    memset(p, 0, sizeof *p);
    p->in = gi;
    switch (kind) {
    case P_ROSEN_S:
    case P_ROSEN_T:
        p->tensor = kind == P_ROSEN_T;
        snprintf(p->name, sizeof p->name, "Rosen n=%d %s", ROSEN_N,
                 p->tensor ? "tensor" : "scalar");
        snprintf(p->key, sizeof p->key, "rosen%d", ROSEN_N);
        p->record = p->tensor ? record_rosen_tensor : record_rosen_scalar;
        p->N = ROSEN_N;
        p->nx = p->tensor ? 1 : p->N;
        p->x0 = bench_xmalloc(p->N * sizeof *p->x0);
        for (size_t i = 0; i < p->N; i++)
            p->x0[i] = i % 2 ? 1.0 : -1.2;
        break;
    case P_PRIOR_S:
    case P_PRIOR_T:
        p->tensor = kind == P_PRIOR_T;
        snprintf(p->name, sizeof p->name, "prior d=%d K=%d %s", gi->d, gi->K,
                 p->tensor ? "tensor" : "scalar");
        snprintf(p->key, sizeof p->key, "prior_%s", gkey);
        p->record = p->tensor ? record_prior_tensor : record_prior_scalar;
        p->N = (size_t)gi->K * gmm_icf_len(gi->d);
        p->nx = p->tensor ? 1 : p->N;
        p->x0 = bench_xmalloc(p->N * sizeof *p->x0);
        memcpy(p->x0, gi->icf, p->N * sizeof *p->x0);
        break;
    case P_GMM_T:
    case P_GMM_S:
        p->tensor = kind == P_GMM_T;
        snprintf(p->name, sizeof p->name, "GMM d=%d K=%d %s", gi->d, gi->K,
                 p->tensor ? "tensor" : "scalar");
        snprintf(p->key, sizeof p->key, "gmm_%s", gkey);
        p->record = p->tensor ? record_gmm_tensor : record_gmm_scalar;
        p->N = gmm_nparams(gi);
        p->nx = p->tensor ? 3 : p->N;
        p->x0 = bench_xmalloc(p->N * sizeof *p->x0);
        gmm_pack(gi, p->x0);
        if (!p->tensor)
            p->scratch = bench_xmalloc(gmm_scratch_len(gi) * sizeof *p->scratch);
        break;
    case P_MLP:
        p->tensor = 1;
        snprintf(p->name, sizeof p->name, "MLP %d-%d-%d B=%d", MLP_IN, MLP_H, MLP_OUT, MLP_B);
        snprintf(p->key, sizeof p->key, "mlp");
        p->record = record_mlp;
        p->N = MLP_IN * MLP_H + MLP_H + MLP_H * MLP_OUT + MLP_OUT;
        p->nx = 4;
        p->x0 = bench_xmalloc(p->N * sizeof *p->x0);
        p->data = mlp_draw(p->x0);
        break;
    }
    p->x = bench_xmalloc(p->nx * sizeof *p->x);
    p->g = bench_xmalloc(p->N * sizeof *p->g);
    p->t = wg_tape_new();
    if (!p->t) {
        fprintf(stderr, "bench_hessian: out of memory for a tape\n");
        exit(2);
    }
    p->record(p);
    if (wg_status(p->t) != WG_OK)
        die_tape(p, "recording");
}

static void prob_free(prob *p)
{
    wg_tape_free(p->t);
    double *bufs[] = { p->x0, p->g, p->v, p->u, p->Hv, p->Hu, p->e, p->H, p->H2,
                       p->xv, p->gp, p->gm, p->d1, p->d2, (double *)p->data };
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    free(p->x);
    free(p->scratch);
}

/* the directions: v, then u, from DIR_SEED, uniform in [-1, 1) */
static void directions(prob *p)
{
    bench_rng r = { DIR_SEED };
    if (!p->v) {
        p->v = bench_xmalloc(p->N * sizeof *p->v);
        p->u = bench_xmalloc(p->N * sizeof *p->u);
        p->Hv = bench_xmalloc(p->N * sizeof *p->Hv);
        p->Hu = bench_xmalloc(p->N * sizeof *p->Hu);
    }
    for (size_t j = 0; j < p->N; j++)
        p->v[j] = 2.0 * bench_rng_uniform(&r) - 1.0;
    for (size_t j = 0; j < p->N; j++)
        p->u[j] = 2.0 * bench_rng_uniform(&r) - 1.0;
}

/* ---------------------------------------------------------------- timed calls */

static void run_grad(void *ctx)
{
    prob *p = ctx;
    if (wg_grad(p->t, p->y, p->nx, p->x, p->g) != WG_OK)
        die_tape(p, "wg_grad");
}

static void run_hvp(void *ctx)
{
    prob *p = ctx;
    if (wg_hvp(p->t, p->y, p->nx, p->x, p->v, p->Hv) != WG_OK)
        die_tape(p, "wg_hvp");
}

/* what PyTorch's hvp does every call: record f, then H v */
static void run_record_hvp(void *ctx)
{
    prob *p = ctx;
    wg_tape_clear(p->t);
    p->record(p);
    if (wg_hvp(p->t, p->y, p->nx, p->x, p->v, p->Hv) != WG_OK)
        die_tape(p, "record + wg_hvp");
}

static void run_hessian(void *ctx)
{
    prob *p = ctx;
    if (wg_hessian(p->t, p->y, p->nx, p->x, p->H) != WG_OK)
        die_tape(p, "wg_hessian");
}

/* wg_hessian_with one method (forced_method) */
static wg_hessian_method forced_method;
static void run_method(void *ctx)
{
    prob *p = ctx;
    if (wg_hessian_with(p->t, forced_method, p->y, p->nx, p->x, p->H2) != WG_OK)
        die_tape(p, wg_hessian_method_name(forced_method));
}

/* the Hessian as N HVPs along the unit vectors; H2 row j = H e_j, which is
 * column j of H, and row j since H is symmetric */
static void run_hvps(void *ctx)
{
    prob *p = ctx;
    for (size_t j = 0; j < p->N; j++) {
        p->e[j] = 1;
        if (wg_hvp(p->t, p->y, p->nx, p->x, p->e, p->H2 + j * p->N) != WG_OK)
            die_tape(p, "wg_hvp along a unit vector");
        p->e[j] = 0;
    }
}

/* ---------------------------------------------------------------- checks */

static double maxabs(const double *a, size_t n)
{
    double m = 0;
    for (size_t j = 0; j < n; j++)
        if (!(fabs(a[j]) <= m))     /* a NaN is kept, not skipped */
            m = fabs(a[j]);
    return m;
}

static double norm2(const double *a, size_t n)
{
    double s = 0;
    for (size_t j = 0; j < n; j++)
        s += a[j] * a[j];
    return sqrt(s);
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t j = 0; j < n; j++)
        s += a[j] * b[j];
    return s;
}

/* max |a - ref| / max |ref|; a NaN anywhere gives NaN, which fails every
 * comparison with a tolerance */
static double rel_diff(const double *a, const double *ref, size_t n)
{
    double err = 0;
    for (size_t j = 0; j < n; j++) {
        double e = fabs(a[j] - ref[j]);
        if (!(e <= err))
            err = e;
    }
    double s = maxabs(ref, n);
    return err == 0 ? 0.0 : s > 0 ? err / s : INFINITY;
}

/* the gradient at x0 + s dir */
static void grad_at(prob *p, const double *dir, double s, double *g)
{
    for (size_t j = 0; j < p->N; j++)
        p->xv[j] = p->x0[j] + s * dir[j];
    if (wg_eval(p->t, p->nx, p->x, p->xv) != WG_OK)
        die_tape(p, "wg_eval at a finite-difference point");
    if (wg_grad(p->t, p->y, p->nx, p->x, g) != WG_OK)
        die_tape(p, "wg_grad at a finite-difference point");
}

/* central differences of the gradient along dir with one Richardson step:
 * D(h) = (g(x + h dir) - g(x - h dir)) / 2h, out = (4 D(h/2) - D(h)) / 3.
 * The tape is replayed back at x0 afterwards. */
static void fd_along(prob *p, const double *dir, double *out)
{
    if (!p->xv) {
        p->xv = bench_xmalloc(p->N * sizeof *p->xv);
        p->gp = bench_xmalloc(p->N * sizeof *p->gp);
        p->gm = bench_xmalloc(p->N * sizeof *p->gm);
        p->d1 = bench_xmalloc(p->N * sizeof *p->d1);
        p->d2 = bench_xmalloc(p->N * sizeof *p->d2);
    }
    const double h = FD_STEP * (1.0 + maxabs(p->x0, p->N)) / norm2(dir, p->N);
    double *D[2] = { p->d1, p->d2 };
    for (int r = 0; r < 2; r++) {
        const double hr = r ? 0.5 * h : h;
        grad_at(p, dir, hr, p->gp);
        grad_at(p, dir, -hr, p->gm);
        for (size_t j = 0; j < p->N; j++)
            D[r][j] = (p->gp[j] - p->gm[j]) / (2 * hr);
    }
    for (size_t j = 0; j < p->N; j++)
        out[j] = (4 * p->d2[j] - p->d1[j]) / 3;
    if (wg_eval(p->t, p->nx, p->x, p->x0) != WG_OK)
        die_tape(p, "wg_eval back at the point");
}

/* ---------------------------------------------------------------- output helpers */

static const char *verdict(int ok)
{
    return ok ? "ok" : "FAILED";
}

/* ---------------------------------------------------------------- the peer */

typedef struct peer_row {
    char key[24], form[16];
    double grad, hvp, vhp, hess, hess_vec, f, vhv;     /* NaN: not measured */
} peer_row;

enum { MAX_PEERS = 32 };
static peer_row peers[MAX_PEERS];
static int npeers;
static char peer_command[512];

static double peer_num(const char *s)
{
    char *end;
    double x = strtod(s, &end);
    return *end || end == s ? NAN : x;
}

/* hessian_torch.py --out: `key form grad hvp vhp hessian hessian_vec f vHv`
 * per line, '-' for a figure not measured; `# command: ...` says how */
static void read_peer(const char *path)
{
    FILE *fh = fopen(path, "r");
    if (!fh) {
        fprintf(stderr, "bench_hessian: cannot open the peer's figures %s\n", path);
        return;
    }
    char line[1024];
    while (fgets(line, sizeof line, fh) && npeers < MAX_PEERS) {
        if (strncmp(line, "# command: ", 11) == 0) {
            size_t len = strcspn(line + 11, "\n");
            if (len >= sizeof peer_command)
                len = sizeof peer_command - 1;
            memcpy(peer_command, line + 11, len);
            peer_command[len] = '\0';
            continue;
        }
        if (line[0] == '#')
            continue;
        peer_row *r = &peers[npeers];
        char tok[7][64];
        if (sscanf(line, "%23s %15s %63s %63s %63s %63s %63s %63s %63s", r->key, r->form,
                   tok[0], tok[1], tok[2], tok[3], tok[4], tok[5], tok[6]) != 9)
            continue;
        npeers++;
        r->grad = peer_num(tok[0]);
        r->hvp = peer_num(tok[1]);
        r->vhp = peer_num(tok[2]);
        r->hess = peer_num(tok[3]);
        r->hess_vec = peer_num(tok[4]);
        r->f = peer_num(tok[5]);
        r->vhv = peer_num(tok[6]);
    }
    fclose(fh);
}

static const peer_row *find_peer(const char *key)
{
    for (int i = 0; i < npeers; i++)
        if (strcmp(peers[i].key, key) == 0)
            return &peers[i];
    return NULL;
}

/* ---------------------------------------------------------------- 1. HVP over gradient */

typedef struct hvp_row {
    char name[40], key[24];
    size_t N, nodes;
    double grad, hvp, ratio, rec_hvp;   /* seconds; ratio hvp / grad */
    double fd, sym;                     /* check figures */
    double f, vhv;                      /* for the peer comparison */
    int ok;
} hvp_row;

static hvp_row hvp_rows[16];
static int nhvp;

/* the HVP target is set on the GMM and the MLP */
static int has_target(const hvp_row *r)
{
    return strncmp(r->key, "gmm", 3) == 0 || strcmp(r->key, "mlp") == 0;
}

static void hvp_problem(prob *p)
{
    hvp_row *r = &hvp_rows[nhvp++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", p->name);
    snprintf(r->key, sizeof r->key, "%s", p->key);
    r->N = p->N;
    r->nodes = wg_tape_size(p->t);
    r->f = wg_value(p->t, p->y);
    directions(p);
    run_hvp(p);
    if (wg_hvp(p->t, p->y, p->nx, p->x, p->u, p->Hu) != WG_OK)
        die_tape(p, "wg_hvp along u");
    r->vhv = dot(p->v, p->Hv, p->N);

    /* H v against central differences of the gradient along v */
    double *fd = bench_xmalloc(p->N * sizeof *fd);
    fd_along(p, p->v, fd);
    r->fd = rel_diff(p->Hv, fd, p->N);
    free(fd);
    const double a = dot(p->u, p->Hv, p->N), b = dot(p->v, p->Hu, p->N);
    const double scale = fmax(norm2(p->u, p->N) * norm2(p->Hv, p->N),
                              norm2(p->v, p->N) * norm2(p->Hu, p->N));
    r->sym = a == b ? 0.0 : scale > 0 ? fabs(a - b) / scale : INFINITY;
    r->ok = r->fd <= FD_RTOL && r->sym <= SYM_RTOL;
    printf("  %-24s N=%-7zu H v vs central differences %.1e, u.Hv %.17g vs v.Hu %.17g: "
           "%.1e  %s\n", p->name, p->N, r->fd, a, b, r->sym, verdict(r->ok));
    fflush(stdout);
    if (!r->ok) {
        failed = 1;
        return;
    }
    bench_ratio q = bench_pair(run_hvp, run_grad, p, min_time);
    r->grad = q.ref;
    r->hvp = q.fn;
    r->ratio = q.ratio;
    bench_ratio rr = bench_pair(run_record_hvp, run_grad, p, min_time);
    r->rec_hvp = rr.fn;
}

/* ---------------------------------------------------------------- 2. dense Hessians */

typedef struct hess_row {
    char name[40], key[24];
    size_t N;
    double grad, hess, hvps;            /* seconds */
    double r_grad, r_hvps;              /* hess / grad, N hvps / grad (paired) */
    double sym, fd, exact, vs_hvps;     /* check figures */
    double method[4];                   /* wg_hessian_with each method / grad; 0: n/a */
    double method_diff;                 /* the largest difference of a method to H / max |H| */
    wg_hessian_method chosen;           /* what WG_HESSIAN_AUTO took */
    int ok;
} hess_row;

static hess_row hess_rows[12];
static int nhess;

/* the closed forms: Rosen's 2 x 2 blocks [1200 a^2 - 400 b + 2, -400 a;
 * -400 a, 200]; the prior's diagonal 2 gamma^2 exp(2 q) for q, gamma^2 for l */
static void exact_hessian(const prob *p, double *E)
{
    const size_t N = p->N;
    memset(E, 0, N * N * sizeof *E);
    if (strncmp(p->key, "rosen", 5) == 0) {
        for (size_t i = 0; i + 1 < N; i += 2) {
            const double a = p->x0[i], b = p->x0[i + 1];
            E[i * N + i] = 1200 * a * a - 400 * b + 2;
            E[i * N + i + 1] = E[(i + 1) * N + i] = -400 * a;
            E[(i + 1) * N + i + 1] = 200;
        }
    } else {
        const size_t d = (size_t)p->in->d, nicf = gmm_icf_len(p->in->d);
        const double g2 = p->in->gamma * p->in->gamma;
        for (size_t j = 0; j < N; j++)
            E[j * N + j] = j % nicf < d ? 2 * g2 * exp(2 * p->x0[j]) : g2;
    }
}

static void hessian_problem(prob *p)
{
    hess_row *r = &hess_rows[nhess++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", p->name);
    snprintf(r->key, sizeof r->key, "%s", p->key);
    const size_t N = r->N = p->N;
    p->H = bench_xmalloc(N * N * sizeof *p->H);
    p->H2 = bench_xmalloc(N * N * sizeof *p->H2);
    p->e = bench_xcalloc(N, sizeof *p->e);
    run_hessian(p);
    run_hvps(p);

    double asym = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < i; j++)
            asym = fmax(asym, fabs(p->H[i * N + j] - p->H[j * N + i]));
    const double hmax = maxabs(p->H, N * N);
    r->sym = hmax > 0 ? asym / hmax : INFINITY;
    /* H2 (row j = H e_j) against H transposed, entry by entry */
    double dv = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            dv = fmax(dv, fabs(p->H2[j * N + i] - p->H[i * N + j]));
    r->vs_hvps = hmax > 0 ? dv / hmax : INFINITY;
    /* every column against central differences of the gradient along e_j */
    double *col = bench_xmalloc(N * sizeof *col), fde = 0;
    for (size_t j = 0; j < N; j++) {
        p->e[j] = 1;
        fd_along(p, p->e, col);
        p->e[j] = 0;
        for (size_t i = 0; i < N; i++)
            fde = fmax(fde, fabs(col[i] - p->H[i * N + j]));
    }
    free(col);
    r->fd = hmax > 0 ? fde / hmax : INFINITY;
    r->exact = -1;                      /* no closed form (the whole GMM) */
    if (strncmp(p->key, "gmm", 3) != 0) {
        double *E = bench_xmalloc(N * N * sizeof *E);
        exact_hessian(p, E);
        r->exact = rel_diff(p->H, E, N * N);
        free(E);
    }
    r->chosen = wg_hessian_last_method(p->t);
    /* each method forced: the same matrix (edge pushing on scalar tapes only) */
    for (int m = WG_HESSIAN_EDGE_PUSHING; m <= WG_HESSIAN_RECORDED; m++) {
        if (m == WG_HESSIAN_EDGE_PUSHING && p->tensor)
            continue;
        forced_method = (wg_hessian_method)m;
        run_method(p);
        r->method_diff = fmax(r->method_diff, hmax > 0 ? rel_diff(p->H2, p->H, N * N) : 0);
    }
    /* NaN anywhere fails these (!(x <= tol)) */
    r->ok = r->sym <= SYM_RTOL && r->vs_hvps <= SYM_RTOL && r->fd <= FD_RTOL
            && r->exact <= EXACT_RTOL && r->method_diff <= SYM_RTOL;
    char exact[32] = "-";
    if (r->exact >= 0)
        snprintf(exact, sizeof exact, "%.1e", r->exact);
    printf("  %-24s N=%-4zu symmetry %.1e, N HVPs %.1e, central differences %.1e, closed form "
           "%s, methods %.1e  %s\n", p->name, N, r->sym, r->vs_hvps, r->fd, exact,
           r->method_diff, verdict(r->ok));
    fflush(stdout);
    if (!r->ok) {
        failed = 1;
        return;
    }
    bench_ratio h = bench_pair(run_hessian, run_grad, p, min_time);
    bench_ratio v = bench_pair(run_hvps, run_grad, p, min_time);
    r->grad = h.ref;
    r->hess = h.fn;
    r->r_grad = h.ratio;
    r->hvps = v.fn;
    r->r_hvps = v.ratio;
    for (int m = WG_HESSIAN_EDGE_PUSHING; m <= WG_HESSIAN_RECORDED; m++) {
        if (m == WG_HESSIAN_EDGE_PUSHING && p->tensor)
            continue;
        forced_method = (wg_hessian_method)m;
        r->method[m] = bench_pair(run_method, run_grad, p, min_time).ratio;
    }
}

/* ---------------------------------------------------------------- 3. tape growth */

typedef struct growth_row {
    char name[40];
    int tensor;
    size_t nodes, added, bytes, added_bytes;
    double per_node, graph_rel;
    int ok;
} growth_row;

static growth_row growth_rows[16];
static int ngrowth;

/* Appends to the tape: call it last for a problem (later sweeps would run
 * over the gradient graph's nodes as well). */
static void growth_problem(prob *p)
{
    growth_row *r = &growth_rows[ngrowth++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", p->name);
    r->tensor = p->tensor;
    run_grad(p);
    r->nodes = wg_tape_size(p->t);
    r->bytes = wg_tape_bytes(p->t);
    wg_var *gh = bench_xmalloc(p->nx * sizeof *gh);
    if (wg_grad_graph(p->t, p->y, p->nx, p->x, gh) != WG_OK)
        die_tape(p, "wg_grad_graph");
    r->added = wg_tape_size(p->t) - r->nodes;
    r->added_bytes = wg_tape_bytes(p->t) - r->bytes;
    r->per_node = (double)r->added / (double)r->nodes;
    double *gv = bench_xmalloc(p->N * sizeof *gv);
    size_t off = 0;
    for (size_t i = 0; i < p->nx; i++) {
        if (wg_tensor_value(p->t, gh[i], gv + off) != WG_OK)
            die_tape(p, "reading the recorded gradient");
        off += wg_numel(p->t, gh[i]);
    }
    r->graph_rel = off == p->N ? rel_diff(gv, p->g, p->N) : INFINITY;
    r->ok = r->graph_rel <= GRAPH_RTOL;
    if (!r->ok) {
        fprintf(stderr, "bench_hessian: %s: the recorded gradient differs from wg_grad's by "
                "%.3g: CHECK FAILED\n", p->name, r->graph_rel);
        failed = 1;
    }
    free(gv);
    free(gh);
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    const char *dir = "bench/data", *peer_path = NULL;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-t") == 0 && a + 1 < argc) {
            char *end;
            min_time = strtod(argv[++a], &end);
            if (*end || !(min_time >= 0)) {
                fprintf(stderr, "bench_hessian: -t wants seconds, got \"%s\"\n", argv[a]);
                return 2;
            }
        } else if (strcmp(argv[a], "--peer") == 0 && a + 1 < argc) {
            peer_path = argv[++a];
        } else if (argv[a][0] == '-') {
            fprintf(stderr, "usage: bench_hessian [-t SECONDS] [--peer FILE] [DATADIR]\n");
            return 2;
        } else
            dir = argv[a];
    }
    if (peer_path)
        read_peer(peer_path);

    static const char *const files[] = { "gmm/1k/gmm_d2_K5.txt", "gmm/1k/gmm_d10_K5.txt",
                                         "gmm/1k/gmm_d64_K5.txt" };
    static const char *const keys[] = { "d2_K5", "d10_K5", "d64_K5" };
    enum { NG = sizeof files / sizeof files[0] };
    gmm_input gin[NG];
    for (int i = 0; i < NG; i++) {
        char path[4096], err[512];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (gmm_read(path, &gin[i], err, sizeof err) != 0) {
            fprintf(stderr, "bench_hessian: %s\n", err);
            return 1;
        }
    }

    printf("Second order in double, libwengert %s\n", wg_version());
    printf("command:");
    for (int a = 0; a < argc; a++)
        printf(" %s", argv[a]);
    printf("\n");
    bench_print_blas_threads("bench-hessian");

    /* ------------------------------------------------ 1 */
    printf("\n1. wg_hvp over one wg_grad (tape recorded once; target <= %.0fx)\n", HVP_TARGET);
    printf("checks: H v against central differences of wg_grad along v (Richardson, h = %g "
           "scaled):\nmax |difference| / max |H v| <= %g; u.(H v) = v.(H u) within %g of "
           "max(|u||Hv|, |v||Hu|)\n", FD_STEP, FD_RTOL, SYM_RTOL);
    prob p;
    for (int i = 0; i < NG; i++) {
        prob_init(&p, P_GMM_T, &gin[i], keys[i]);
        hvp_problem(&p);
        growth_problem(&p);
        prob_free(&p);
    }
    prob_init(&p, P_MLP, NULL, NULL);
    hvp_problem(&p);
    growth_problem(&p);
    prob_free(&p);

    /* ------------------------------------------------ 2 (and their HVPs) */
    printf("\n2. dense wg_hessian\nchecks: max |H - H^T| / max |H| <= %g; wg_hessian against "
           "N wg_hvp along e_j <= %g;\ncolumns against central differences of the gradient "
           "<= %g; against the closed form <= %g\n", SYM_RTOL, SYM_RTOL, FD_RTOL, EXACT_RTOL);
    const struct { int kind, g; } dense[] = {
        { P_ROSEN_S, -1 }, { P_ROSEN_T, -1 }, { P_PRIOR_S, 0 }, { P_PRIOR_T, 0 },
        { P_PRIOR_S, 1 },  { P_PRIOR_T, 1 }, { P_GMM_S, 0 }, { P_GMM_T, 0 }
    };
    for (size_t i = 0; i < sizeof dense / sizeof dense[0]; i++) {
        const int g = dense[i].g;
        prob_init(&p, dense[i].kind, g >= 0 ? &gin[g] : NULL, g >= 0 ? keys[g] : NULL);
        hessian_problem(&p);
        fflush(stdout);
        prob_free(&p);
    }
    printf("\n   and their H v (the same checks as 1.)\n");
    for (size_t i = 0; i < 6; i++) {            /* the GMM's are in 1. and below */
        const int g = dense[i].g;
        prob_init(&p, dense[i].kind, g >= 0 ? &gin[g] : NULL, g >= 0 ? keys[g] : NULL);
        hvp_problem(&p);
        growth_problem(&p);
        prob_free(&p);
    }

    /* ------------------------------------------------ the scalar GMM tapes (bench_gmm's) */
    printf("\n   the scalar GMM tapes of bench_gmm (the same checks as 1.)\n");
    for (int i = 0; i < 2; i++) {
        prob_init(&p, P_GMM_S, &gin[i], keys[i]);
        hvp_problem(&p);
        growth_problem(&p);
        prob_free(&p);
    }

    /* ------------------------------------------------ tables */
    printf("\n1. H v: wg_hvp over wg_grad, both on a tape recorded once; the median over >= %d "
           "adjacent\npairs of samples (samples of >= %g ms), >= %g s per figure\n\n",
           BENCH_MIN_SAMPLES, BENCH_MIN_SAMPLE * 1e3, min_time);
    printf("%-24s %7s %7s %11s %11s %7s %-8s %11s\n", "problem", "N", "nodes", "wg_grad",
           "wg_hvp", "ratio", "<= 4x", "rec+hvp");
    for (int i = 0; i < nhvp; i++) {
        const hvp_row *r = &hvp_rows[i];
        if (!r->ok) {
            printf("%-24s %7zu %7zu  check FAILED: not timed\n", r->name, r->N, r->nodes);
            continue;
        }
        char tg[32], th[32], tr[32];
        bench_human_time(r->grad, tg, sizeof tg);
        bench_human_time(r->hvp, th, sizeof th);
        bench_human_time(r->rec_hvp, tr, sizeof tr);
        printf("%-24s %7zu %7zu %11s %11s %6.2fx %-8s %11s\n", r->name, r->N, r->nodes, tg, th,
               r->ratio, !has_target(r) ? "-" : r->ratio <= HVP_TARGET ? "met" : "NOT met", tr);
    }
    printf("\nwg_hvp: on a scalar tape, forward over reverse in double with second partials (no "
           "recording);\nwith tensors on the path, records the gradient graph, sweeps it forward "
           "along v and\ntruncates the tape back, all inside its time; <= 4x: the target, set on "
           "the GMM and the\nMLP; rec+hvp: wg_tape_clear, record f, wg_hvp (what a PyTorch hvp "
           "call does)\n");

    printf("\n2. dense wg_hessian: time, over one gradient, over N gradients, and over N "
           "wg_hvp calls\n\n");
    printf("%-24s %5s %11s %11s %9s %9s %11s %9s\n", "problem", "N", "wg_grad", "wg_hessian",
           "/grad", "/N grad", "N x wg_hvp", "hess/hvps");
    for (int i = 0; i < nhess; i++) {
        const hess_row *r = &hess_rows[i];
        if (!r->ok) {
            printf("%-24s %5zu  check FAILED: not timed\n", r->name, r->N);
            continue;
        }
        char tg[32], th[32], tv[32];
        bench_human_time(r->grad, tg, sizeof tg);
        bench_human_time(r->hess, th, sizeof th);
        bench_human_time(r->hvps, tv, sizeof tv);
        printf("%-24s %5zu %11s %11s %8.1fx %8.2fx %11s %8.2fx\n", r->name, r->N, tg, th,
               r->r_grad, r->r_grad / (double)r->N, tv, r->r_grad / r->r_hvps);
    }
    printf("\nwg_hessian: WG_HESSIAN_AUTO (the method it took is in the next table);\nN x wg_hvp: "
           "the Hessian by columns, N calls of wg_hvp;\nhess/hvps: wg_hessian's time over theirs "
           "(below 1: wg_hessian is faster)\n");
    printf("\n   wg_hessian's methods, each forced (wg_hessian_with), time over one gradient\n\n");
    printf("%-24s %5s %13s %10s %10s %10s  %s\n", "problem", "N", "auto took", "edge push",
           "N HVPs", "recorded", "auto / the fastest");
    for (int i = 0; i < nhess; i++) {
        const hess_row *r = &hess_rows[i];
        if (!r->ok)
            continue;
        char col[3][16];
        double best = INFINITY;
        for (int m = 1; m <= 3; m++) {
            if (r->method[m] > 0) {
                snprintf(col[m - 1], sizeof col[m - 1], "%.1fx", r->method[m]);
                best = fmin(best, r->method[m]);
            } else
                snprintf(col[m - 1], sizeof col[m - 1], "-");
        }
        printf("%-24s %5zu %13s %10s %10s %10s  %.2f\n", r->name, r->N,
               wg_hessian_method_name(r->chosen), col[0], col[1], col[2], r->r_grad / best);
    }
    printf("\nedge pushing: scalar tapes only, one reverse sweep over one triangle (sparse "
           "Hessians cost their nonzeros);\nN HVPs: one forward-over-reverse sweep per column; "
           "recorded: the gradient graph recorded, 16 columns per forward sweep;\nauto / the "
           "fastest: wg_hessian's own time (its choice and any edge pushing it gave up included) over "
           "the fastest method's\n");

    printf("\n3. tape growth of wg_grad_graph (target on scalar graphs: <= %.0f nodes appended "
           "per recorded node)\n\n", GROWTH_TARGET);
    printf("%-24s %-6s %9s %9s %9s %-8s %10s %10s %7s %9s\n", "problem", "ops", "nodes",
           "appended", "per node", "<= 3", "bytes", "appended", "ratio", "vs grad");
    for (int i = 0; i < ngrowth; i++) {
        const growth_row *r = &growth_rows[i];
        printf("%-24s %-6s %9zu %9zu %9.2f %-8s %10zu %10zu %6.2fx %9.1e%s\n", r->name,
               r->tensor ? "tensor" : "scalar", r->nodes, r->added, r->per_node,
               r->tensor ? "-" : r->per_node <= GROWTH_TARGET ? "met" : "NOT met", r->bytes,
               r->added_bytes, (double)r->added_bytes / (double)r->bytes, r->graph_rel,
               r->ok ? "" : " FAILED");
    }
    printf("\nnodes: the tape of f (inputs and constants included); appended: what "
           "wg_grad_graph adds for\nthe gradient over every input; bytes: wg_tape_bytes before, "
           "and what the gradient graph adds;\nvs grad: the recorded gradient's values against "
           "wg_grad's, max |difference| / max |g| <= %g.\nThe d = 64 scalar GMM tape (21 M nodes) "
           "is left out: its gradient graph would pass\nWG_MAX_NODES.\n", GRAPH_RTOL);

    /* ------------------------------------------------ 4 */
    printf("\n4. peers\n");
    if (!peer_path || npeers == 0) {
        printf("PyTorch: no figures (make bench-hessian runs hessian_torch.py when "
               "/usr/bin/python3 has torch;\nby hand: hessian_torch.py --out FILE DATADIR, "
               "then bench_hessian --peer FILE)\n");
    } else {
        printf("PyTorch: %s\n(float64, one thread, its own process; torch.autograd.functional"
               ".hvp, vhp and hessian;\nfor the GMM the faster of gmm_torch.py's two tensor "
               "forms, beside our tensor and scalar tapes)\n\n",
               peer_command[0] ? peer_command : "hessian_torch.py");
        printf("%-24s %-9s %10s %10s %10s %7s | %10s %10s | %9s %9s\n", "problem", "form",
               "grad", "hvp", "vhp", "hvp/grd", "our hvp", "rec+hvp", "f rel", "vHv rel");
        for (int i = 0; i < nhvp; i++) {
            const hvp_row *r = &hvp_rows[i];
            const peer_row *q = find_peer(r->key);
            if (!q || !r->ok)
                continue;
            char a[32], b[32], c[32], d[32], e[32];
            bench_human_time(q->grad, a, sizeof a);
            bench_human_time(q->hvp, b, sizeof b);
            bench_human_time(q->vhp, c, sizeof c);
            bench_human_time(r->hvp, d, sizeof d);
            bench_human_time(r->rec_hvp, e, sizeof e);
            const double fr = fabs(q->f - r->f) / fabs(r->f);
            const double vr = fabs(q->vhv - r->vhv) / fabs(r->vhv);
            printf("%-24s %-9s %10s %10s %10s %6.2fx | %10s %10s | %9.1e %9.1e\n", r->name,
                   q->form, a, b, c, q->hvp / q->grad, d, e, fr, vr);
        }
        printf("\n%-24s %10s %10s %10s %10s | %10s %9s\n", "dense Hessian", "grad", "hessian",
               "/grad", "vectorize", "ours", "ours/PT");
        for (int i = 0; i < nhess; i++) {
            const hess_row *r = &hess_rows[i];
            const peer_row *q = find_peer(r->key);
            if (!q || !r->ok || !(isfinite(q->hess) || isfinite(q->hess_vec)))
                continue;                   /* the peer timed no dense Hessian of it */
            char a[32], b[32], c[32], d[32];
            bench_human_time(q->grad, a, sizeof a);
            bench_human_time(q->hess, b, sizeof b);
            bench_human_time(q->hess_vec, c, sizeof c);
            bench_human_time(r->hess, d, sizeof d);
            const double best = q->hess_vec < q->hess ? q->hess_vec : q->hess;
            printf("%-24s %10s %10s %9.1fx %10s | %10s %8.2fx\n", r->name, a, b,
                   q->hess / q->grad, c, d, r->hess / best);
        }
        printf("\nPyTorch's times include recording f (it has no separate tape): compare them "
               "with rec+hvp;\nhvp: torch.autograd.functional.hvp (double backward), vhp: its "
               "v^T H (one backward fewer);\nvectorize: hessian(..., vectorize=True); "
               "ours/PT: wg_hessian over PyTorch's faster hessian\n(below 1: faster). f rel, vHv "
               "rel: PyTorch's f and v.(H v) at the same point and v against ours\n(the same "
               "function and direction when small; its sums run in other orders)\n");
    }
    printf("ADOL-C: hess_vec / hessian beside wg_hvp / wg_hessian in bench_hessian_adolc, "
           "which\nmake bench-hessian runs when configure found ADOL-C (it says so when not)\n");

    printf("\ntargets: wg_hvp <= %.0fx wg_grad on the GMM and MLP (record excluded); "
           "wg_grad_graph <= %.0f appended\nnodes per recorded node on scalar graphs\n",
           HVP_TARGET, GROWTH_TARGET);
    for (int i = 0; i < nhvp; i++) {
        const hvp_row *r = &hvp_rows[i];
        if (!has_target(r))
            continue;
        printf("  wg_hvp / wg_grad  %-24s %6.2fx  %s\n", r->name, r->ratio,
               !r->ok ? "check FAILED" : r->ratio <= HVP_TARGET ? "met" : "NOT met");
    }
    for (int i = 0; i < ngrowth; i++) {
        const growth_row *r = &growth_rows[i];
        if (!r->tensor)
            printf("  growth per node   %-24s %6.2f   %s\n", r->name, r->per_node,
                   r->per_node <= GROWTH_TARGET ? "met" : "NOT met");
    }
    for (int i = 0; i < NG; i++)
        gmm_free(&gin[i]);
    fflush(stdout);
    if (failed)
        fprintf(stderr, "bench_hessian: a check FAILED (see above)\n");
    return failed ? 1 : 0;
}
