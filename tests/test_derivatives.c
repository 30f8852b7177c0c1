/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_derivatives.c -- the drivers: wg_grad, wg_vjp, wg_jvp, wg_jvp_multi,
 * the three Jacobians, the accumulating backward, wg_eval, and the per-node
 * tangents and adjoints, on multi-input multi-output functions whose
 * Jacobians are known in closed form and on random graphs. */
#include "test_util.h"
#include "wengert.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef long double ld;

/* ------------------------------------------------------------------ helpers */

/* the spacing of doubles at |x| */
static double ulp_of(double x)
{
    x = fabs(x);
    if (!(x >= DBL_MIN))
        return DBL_TRUE_MIN;
    int e;
    frexp(fmin(x, DBL_MAX), &e);
    return ldexp(1.0, e - 53);
}

/* |got - want| <= n ulps taken at `scale` (the size of the terms rounded) */
#define CHECK_ULPS(got, want, n, scale) do {                                      \
        double g_ = (got);                                                        \
        ld w_ = (want);                                                           \
        double s_ = fmax(fabs((double)(scale)), fmax(fabs(g_), fabs((double)w_))); \
        int ok_ = fabsl((ld)g_ - w_) <= (ld)(n) * ulp_of(s_);                     \
        if (!ok_)                                                                 \
            fprintf(stderr, "\n  %s:%d: %s = %.17g, want %.20Lg (%g ulps at %g)\n", \
                    __FILE__, __LINE__, #got, g_, w_, (double)(n), s_);           \
        CU_ASSERT(ok_);                                                           \
    } while (0)

/* the same number (+0 and -0 alike) */
#define CHECK_SAME(x, y) do {                                                     \
        double x_ = (x), y_ = (y);                                                \
        if (!(x_ == y_))                                                          \
            fprintf(stderr, "\n  %s:%d: %s = %.17g != %s = %.17g\n", __FILE__,   \
                    __LINE__, #x, x_, #y, y_);                                    \
        CU_ASSERT(x_ == y_);                                                      \
    } while (0)

/* splitmix64: a fixed seed, so every run draws the same graphs */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)       /* uniform in [-1, 1) */
{
    return (double)(rng_next(s) >> 11) * 0x1p-52 - 1.0;
}

static size_t rng_below(uint64_t *s, size_t n)
{
    return (size_t)(rng_next(s) % n);
}

static const double one = 1.0;

/* ------------------------------------------------------------------ closed forms */

/* polar -> cartesian: (r, t) -> (r cos t, r sin t) */
static void polar_to_cartesian(void)
{
    const double r0 = 2.5, t0 = 0.7;
    wg_tape *t = wg_tape_new();
    wg_var x[2] = { wg_input(t, r0), wg_input(t, t0) };
    wg_var y[2] = { wg_mul(t, x[0], wg_cos(t, x[1])), wg_mul(t, x[0], wg_sin(t, x[1])) };
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    ld Jw[4] = { cosl(t0), -r0 * sinl(t0), sinl(t0), r0 * cosl(t0) };
    double J[4], Jf[4], Jr[4];
    CU_ASSERT_EQUAL(wg_jacobian(t, 2, y, 2, x, J), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, 2, y, 2, x, Jf), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_rev(t, 2, y, 2, x, Jr), WG_OK);
    for (int k = 0; k < 4; k++) {
        /* libm's cos/sin (1 ulp), one product, the reference's rounding */
        CHECK_ULPS(J[k], Jw[k], 2, Jw[k]);
        CHECK_ULPS(Jf[k], Jw[k], 2, Jw[k]);
        CHECK_ULPS(Jr[k], Jw[k], 2, Jw[k]);
    }
    /* the two rows through wg_grad, the two columns through wg_jvp */
    for (int i = 0; i < 2; i++) {
        double g[2], col[2], e[2] = { i == 0, i == 1 };
        CU_ASSERT_EQUAL(wg_grad(t, y[i], 2, x, g), WG_OK);
        CHECK_SAME(g[0], Jr[2 * i]);
        CHECK_SAME(g[1], Jr[2 * i + 1]);
        CU_ASSERT_EQUAL(wg_jvp(t, 2, x, e, 2, y, col), WG_OK);
        CHECK_SAME(col[0], Jf[i]);
        CHECK_SAME(col[1], Jf[2 + i]);
    }
    /* a VJP is w^T J */
    double w[2] = { 0.25, -3 }, xbar[2];
    CU_ASSERT_EQUAL(wg_vjp(t, 2, y, w, 2, x, xbar), WG_OK);
    for (int j = 0; j < 2; j++)
        CHECK_ULPS(xbar[j], w[0] * Jw[j] + w[1] * Jw[2 + j], 4,
                   fabsl(w[0] * Jw[j]) + fabsl(w[1] * Jw[2 + j]));
    wg_tape_free(t);
}

/* spherical -> cartesian, 3 x 3 */
static void spherical_to_cartesian(void)
{
    const double r = 1.75, th = 1.1, ph = -2.3;
    wg_tape *t = wg_tape_new();
    wg_var x[3] = { wg_input(t, r), wg_input(t, th), wg_input(t, ph) };
    wg_var st = wg_sin(t, x[1]);
    wg_var y[3] = {
        wg_mul(t, wg_mul(t, x[0], st), wg_cos(t, x[2])),
        wg_mul(t, wg_mul(t, x[0], st), wg_sin(t, x[2])),
        wg_mul(t, x[0], wg_cos(t, x[1])),
    };
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    ld sT = sinl(th), cT = cosl(th), sP = sinl(ph), cP = cosl(ph);
    ld Jw[9] = { sT * cP, r * cT * cP, -r * sT * sP,
                 sT * sP, r * cT * sP,  r * sT * cP,
                 cT,      -r * sT,      0 };
    double J[9], Jf[9], Jr[9];
    CU_ASSERT_EQUAL(wg_jacobian(t, 3, y, 3, x, J), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, 3, y, 3, x, Jf), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_rev(t, 3, y, 3, x, Jr), WG_OK);
    for (int k = 0; k < 9; k++) {
        /* two libm calls and two products: 2 + 1 + 1/2 */
        CHECK_ULPS(J[k], Jw[k], 4, Jw[k]);
        CHECK_ULPS(Jf[k], Jw[k], 4, Jw[k]);
        CHECK_ULPS(Jr[k], Jw[k], 4, Jw[k]);
        CHECK_SAME(J[k], Jr[k]);                /* m <= n: reverse */
    }
    wg_tape_free(t);
}

/* one MLP layer y = tanh(W x + b), 3 outputs.  With W and b as inputs too
 * there are 4 + 12 + 3 = 19 inputs: more than one block of the vector
 * forward Jacobian. */
#define L_IN 4
#define L_OUT 3
static const double mlp_x[L_IN] = { 0.5, -1.25, 2.0, 0.125 };
static const double mlp_W[L_OUT][L_IN] = {
    { 0.3, -0.2, 0.1, 0.7 }, { -0.5, 0.25, 0.4, -0.1 }, { 0.05, 0.6, -0.3, 0.2 } };
static const double mlp_b[L_OUT] = { 0.1, -0.2, 0.3 };

/* record the layer; xs gets the 19 inputs in the order x, W (row-major), b */
static void record_mlp(wg_tape *t, wg_var *xs, wg_var *y)
{
    for (int j = 0; j < L_IN; j++)
        xs[j] = wg_input(t, mlp_x[j]);
    for (int i = 0; i < L_OUT; i++)
        for (int j = 0; j < L_IN; j++)
            xs[L_IN + i * L_IN + j] = wg_input(t, mlp_W[i][j]);
    for (int i = 0; i < L_OUT; i++)
        xs[L_IN + L_OUT * L_IN + i] = wg_input(t, mlp_b[i]);
    for (int i = 0; i < L_OUT; i++) {
        wg_var z = xs[L_IN + L_OUT * L_IN + i];
        for (int j = 0; j < L_IN; j++)
            z = wg_add(t, z, wg_mul(t, xs[L_IN + i * L_IN + j], xs[j]));
        y[i] = wg_tanh(t, z);
    }
}

static void mlp_layer(void)
{
    enum { N = L_IN + L_OUT * L_IN + L_OUT };
    wg_tape *t = wg_tape_new();
    wg_var xs[N], y[L_OUT];
    record_mlp(t, xs, y);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);

    ld Jw[L_OUT][N] = { { 0 } };
    for (int i = 0; i < L_OUT; i++) {
        ld z = mlp_b[i];
        for (int j = 0; j < L_IN; j++)
            z += (ld)mlp_W[i][j] * mlp_x[j];
        ld c = coshl(z), s2 = 1 / (c * c);      /* tanh' = sech^2 */
        for (int j = 0; j < L_IN; j++) {
            Jw[i][j] = s2 * mlp_W[i][j];
            Jw[i][L_IN + i * L_IN + j] = s2 * mlp_x[j];
        }
        Jw[i][L_IN + L_OUT * L_IN + i] = s2;
    }
    double J[L_OUT * N], Jf[L_OUT * N], Jr[L_OUT * N];
    CU_ASSERT_EQUAL(wg_jacobian(t, L_OUT, y, N, xs, J), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, L_OUT, y, N, xs, Jf), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_rev(t, L_OUT, y, N, xs, Jr), WG_OK);
    for (int i = 0; i < L_OUT; i++)
        for (int j = 0; j < N; j++) {
            /* z carries the rounding of 8 sums and products, which moves
             * sech^2(z) by |2 tanh z| |dz|; the layer's z are below 1, so
             * 16 ulps of the entry cover it with room */
            CHECK_ULPS(J[i * N + j], Jw[i][j], 16, Jw[i][j]);
            CHECK_ULPS(Jf[i * N + j], Jw[i][j], 16, Jw[i][j]);
            CHECK_ULPS(Jr[i * N + j], Jw[i][j], 16, Jw[i][j]);
            CHECK_SAME(J[i * N + j], Jr[i * N + j]);    /* 3 <= 19: reverse */
            /* one forward and one reverse product per entry: a few ulps apart */
            CHECK_ULPS(Jf[i * N + j], Jr[i * N + j], 4, Jr[i * N + j]);
        }

    /* the layer with W and b fixed: the 3 x 4 Jacobian w.r.t. x alone */
    double Jx[L_OUT * L_IN];
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, L_OUT, y, L_IN, xs, Jx), WG_OK);
    for (int i = 0; i < L_OUT; i++)
        for (int j = 0; j < L_IN; j++)
            CHECK_SAME(Jx[i * L_IN + j], Jf[i * N + j]);
    wg_tape_free(t);
}

/* Rosenbrock: f(x) = sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 over 20
 * variables; its gradient against the closed form, and the gradient itself
 * recorded as a function R^20 -> R^20 whose Jacobian is the (tridiagonal)
 * Hessian. */
#define RB_N 20

static double rb_point(int i)
{
    return 0.3 + 0.9 * sin(1.7 * i);        /* spread over [-0.6, 1.2] */
}

static void rosenbrock(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x[RB_N];
    double xv[RB_N];
    for (int i = 0; i < RB_N; i++)
        x[i] = wg_input(t, xv[i] = rb_point(i));
    wg_var f = wg_const(t, 0);
    for (int i = 0; i + 1 < RB_N; i++) {
        wg_var d = wg_sub(t, x[i + 1], wg_square(t, x[i]));
        wg_var e = wg_sub(t, wg_const(t, 1), x[i]);
        f = wg_add(t, f, wg_add(t, wg_mul_c(t, wg_square(t, d), 100), wg_square(t, e)));
    }
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);

    /* closed form, with the size of its terms for the tolerance */
    ld gw[RB_N], gs[RB_N];
    for (int i = 0; i < RB_N; i++) {
        gw[i] = gs[i] = 0;
        if (i + 1 < RB_N) {
            ld a = -400.0L * xv[i] * (xv[i + 1] - (ld)xv[i] * xv[i]), b = -2 * (1 - (ld)xv[i]);
            gw[i] += a + b;
            gs[i] += fabsl(a) + fabsl(b) + 400.0L * fabsl(xv[i]) * (fabsl(xv[i + 1]) + xv[i] * xv[i]);
        }
        if (i > 0) {
            ld c = 200 * (xv[i] - (ld)xv[i - 1] * xv[i - 1]);
            gw[i] += c;
            gs[i] += fabsl(c) + 200 * (fabsl(xv[i]) + (ld)xv[i - 1] * xv[i - 1]);
        }
    }
    double g[RB_N], Jf[RB_N], Jr[RB_N], J[RB_N];
    CU_ASSERT_EQUAL(wg_grad(t, f, RB_N, x, g), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, 1, &f, RB_N, x, Jf), WG_OK);   /* blocks of 16 + 4 */
    CU_ASSERT_EQUAL(wg_jacobian_rev(t, 1, &f, RB_N, x, Jr), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian(t, 1, &f, RB_N, x, J), WG_OK);
    for (int i = 0; i < RB_N; i++) {
        /* a handful of roundings, each at most 1/2 ulp of a term */
        CHECK_ULPS(g[i], gw[i], 8, gs[i]);
        CHECK_ULPS(Jf[i], gw[i], 8, gs[i]);
        CHECK_SAME(Jr[i], g[i]);
        CHECK_SAME(J[i], g[i]);
    }

    /* the gradient as a recorded function; its Jacobian is the Hessian:
     * H[i][i] = 1200 x_i^2 - 400 x_{i+1} + 2 (i < n-1) + 200 (i > 0),
     * H[i][i+1] = H[i+1][i] = -400 x_i */
    wg_var gv[RB_N];
    for (int i = 0; i < RB_N; i++) {
        wg_var gi = wg_const(t, 0);
        if (i + 1 < RB_N) {
            wg_var d = wg_sub(t, x[i + 1], wg_square(t, x[i]));
            gi = wg_add(t, gi, wg_mul_c(t, wg_mul(t, x[i], d), -400));
            gi = wg_add(t, gi, wg_mul_c(t, wg_sub(t, wg_const(t, 1), x[i]), -2));
        }
        if (i > 0)
            gi = wg_add(t, gi, wg_mul_c(t, wg_sub(t, x[i], wg_square(t, x[i - 1])), 200));
        gv[i] = gi;
        CHECK_ULPS(wg_value(t, gi), gw[i], 8, gs[i]);
    }
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    static double H[RB_N * RB_N], Hf[RB_N * RB_N], Hr[RB_N * RB_N];
    CU_ASSERT_EQUAL(wg_jacobian(t, RB_N, gv, RB_N, x, H), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, RB_N, gv, RB_N, x, Hf), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_rev(t, RB_N, gv, RB_N, x, Hr), WG_OK);
    for (int i = 0; i < RB_N; i++)
        for (int j = 0; j < RB_N; j++) {
            ld hw = 0, hs = 0;
            if (i == j) {
                ld x2 = (ld)xv[i] * xv[i];
                hw = (i + 1 < RB_N ? 1200 * x2 - 400.0L * xv[i + 1] + 2 : 0) + (i > 0 ? 200 : 0);
                hs = (i + 1 < RB_N ? 1200 * x2 + 400.0L * fabs(xv[i + 1]) + 2 : 0) + (i > 0 ? 200 : 0);
            } else if (j == i + 1 && i + 1 < RB_N) {
                hw = -400.0L * xv[i];
                hs = fabsl(hw);
            } else if (i == j + 1) {
                hw = -400.0L * xv[j];
                hs = fabsl(hw);
            }
            CHECK_ULPS(H[i * RB_N + j], hw, 8, hs);
            CHECK_ULPS(Hf[i * RB_N + j], hw, 8, hs);
            CHECK_SAME(H[i * RB_N + j], Hr[i * RB_N + j]);  /* 20 <= 20: reverse */
        }
    wg_tape_free(t);
}

/* more outputs than inputs: wg_jacobian takes the forward mode.
 * y_k = sin(k x0 + x1) x0^k, k = 1..5 */
static void tall_jacobian(void)
{
    enum { M = 5 };
    const double a = 0.8, b = -0.4;
    wg_tape *t = wg_tape_new();
    wg_var x[2] = { wg_input(t, a), wg_input(t, b) };
    wg_var y[M];
    for (int k = 1; k <= M; k++)
        y[k - 1] = wg_mul(t, wg_sin(t, wg_add(t, wg_mul_c(t, x[0], k), x[1])), wg_powi(t, x[0], k));
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    double J[M * 2], Jf[M * 2], Jr[M * 2];
    CU_ASSERT_EQUAL(wg_jacobian(t, M, y, 2, x, J), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, M, y, 2, x, Jf), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_rev(t, M, y, 2, x, Jr), WG_OK);
    for (int k = 1; k <= M; k++) {
        /* u as the tape holds it, fl(fl(k a) + b): its rounding moves cos(u)
         * by sin(u) du, 6 ulps of cos(2) at k = 3, which no sweep can undo;
         * the derivative is checked at the intermediate the tape holds */
        ld u = (double)((double)k * a + b), p = powl(a, k);
        ld d0 = k * cosl(u) * p + sinl(u) * k * powl(a, k - 1);
        ld d1 = cosl(u) * p;
        ld s0 = fabsl(k * cosl(u) * p) + fabsl(sinl(u) * k * powl(a, k - 1));
        CHECK_ULPS(J[2 * (k - 1)], d0, 6, s0);
        CHECK_ULPS(J[2 * (k - 1) + 1], d1, 6, d1);
        CHECK_ULPS(Jr[2 * (k - 1)], d0, 6, s0);
        CHECK_ULPS(Jr[2 * (k - 1) + 1], d1, 6, d1);
        CHECK_SAME(J[2 * (k - 1)], Jf[2 * (k - 1)]);    /* 5 > 2: forward */
        CHECK_SAME(J[2 * (k - 1) + 1], Jf[2 * (k - 1) + 1]);
    }
    wg_tape_free(t);
}

/* k directions in one sweep are k single JVPs */
static void jvp_multi_is_k_jvps(void)
{
    enum { N = L_IN + L_OUT * L_IN + L_OUT, K = 5 };
    wg_tape *t = wg_tape_new();
    wg_var xs[N], y[L_OUT];
    record_mlp(t, xs, y);
    uint64_t s = 7;
    double U[N * K], Y[L_OUT * K];
    for (int i = 0; i < N * K; i++)
        U[i] = rng_unit(&s);
    CU_ASSERT_EQUAL(wg_jvp_multi(t, N, xs, K, U, L_OUT, y, Y), WG_OK);
    for (int d = 0; d < K; d++) {
        double u[N], yd[L_OUT];
        for (int j = 0; j < N; j++)
            u[j] = U[j * K + d];
        CU_ASSERT_EQUAL(wg_jvp(t, N, xs, u, L_OUT, y, yd), WG_OK);
        /* each direction is its own column of the same products and sums */
        for (int i = 0; i < L_OUT; i++)
            CHECK_SAME(Y[i * K + d], yd[i]);
    }
    /* k = 1 is wg_jvp; k = 0 and m = 0 do nothing and succeed */
    CU_ASSERT_EQUAL(wg_jvp_multi(t, N, xs, 0, NULL, L_OUT, y, NULL), WG_OK);
    CU_ASSERT_EQUAL(wg_jvp_multi(t, N, xs, K, U, 0, NULL, NULL), WG_OK);
    wg_tape_free(t);
}

/* ------------------------------------------------------------------ random graphs */

/* Record a random graph over n inputs: len nodes, each an op of the table
 * (comparisons too) on operands drawn from the nodes before it, with the
 * operands pushed inside each op's domain by construction (an op whose
 * operand would leave it is replaced by sin).  Values stay moderate, so
 * every derivative is finite. */
static int random_graph(wg_tape *t, uint64_t *s, size_t n, size_t len, wg_var *x)
{
    wg_tape_clear(t);
    for (size_t j = 0; j < n; j++)
        x[j] = wg_input(t, 2 * rng_unit(s));
    for (size_t k = 0; k < len; k++) {
        size_t size = wg_tape_size(t);
        /* operands: mostly recent nodes, so the graphs are deep as well as wide */
        size_t ia = size - 1 - rng_below(s, size < 6 ? size : 6);
        size_t ib = rng_below(s, size);
        wg_var a = wg_tape_var(t, ia), b = wg_tape_var(t, ib);
        double va = wg_value(t, a), vb = wg_value(t, b);
        wg_op op;                   /* not INPUT or CONST, and a scalar row */
        do
            op = (wg_op)(2 + rng_below(s, WG_OP_COUNT - 2));
        while (wg_op_kind_of(op) == WG_KIND_TUNARY || wg_op_kind_of(op) == WG_KIND_TBINARY);
        double c = 0;
        int ok = 1;
        switch (op) {
        case WG_OP_DIV:      ok = fabs(vb) > 0.25; break;
        case WG_OP_RECIP:    ok = fabs(va) > 0.25; break;
        case WG_OP_POW:      ok = va > 0.2 && fabs(vb) < 3; break;
        case WG_OP_ATAN2:    ok = fabs(va) + fabs(vb) > 0.25; break;
        case WG_OP_HYPOT:    ok = fabs(va) + fabs(vb) > 0.25; break;
        case WG_OP_LOG:      ok = va > 0.2; break;
        case WG_OP_LOG1P:    ok = va > -0.8; break;
        case WG_OP_SQRT:     ok = va > 0.2; break;
        case WG_OP_CBRT:     ok = fabs(va) > 0.2; break;
        case WG_OP_ASIN:
        case WG_OP_ACOS:     ok = fabs(va) < 0.8; break;
        case WG_OP_TAN:      ok = fabs(cos(va)) > 0.3; break;
        case WG_OP_EXP: case WG_OP_EXPM1: case WG_OP_SINH: case WG_OP_COSH:
                             ok = fabs(va) < 3; break;
        case WG_OP_MUL:      ok = fabs(va * vb) < 50; break;
        case WG_OP_SQUARE:   ok = fabs(va) < 7; break;
        case WG_OP_ADD_C:    c = 2 * rng_unit(s); break;
        case WG_OP_MUL_C:    c = 2 * rng_unit(s); break;
        case WG_OP_POW_C:    c = 0.5 * (double)rng_below(s, 7); ok = va > 0.2; break;
        case WG_OP_POWI:     c = (double)rng_below(s, 6) - 2; ok = fabs(va) > 0.3 && fabs(va) < 3; break;
        default:             break;
        }
        if (!ok)
            op = WG_OP_SIN;
        wg_apply(t, op, a, b, c);
        if (wg_status(t) != WG_OK || !(fabs(wg_value(t, wg_tape_var(t, size))) < 1e6))
            return 0;
    }
    return 1;
}

/* The local partials of node i of t, as the library computes them: the
 * node's op alone on a one-node tape at the same operand values. */
static void local_partials(wg_tape *one_node, const wg_tape *t, size_t i, double *da, double *db)
{
    wg_op op = wg_node_op(t, i);
    *da = *db = 0;
    if (wg_op_arity(op) == 0)
        return;
    wg_tape_clear(one_node);
    size_t ia = wg_node_arg(t, i, 0), ib = wg_node_arg(t, i, 1);
    wg_var v[2] = { wg_input(one_node, wg_node_value(t, ia)),
                    wg_input(one_node, ib == (size_t)-1 ? 0 : wg_node_value(t, ib)) };
    wg_var y = wg_apply(one_node, op, v[0], v[1], wg_node_param(t, i));
    double g[2] = { 0, 0 };
    CU_ASSERT_EQUAL(wg_grad(one_node, y, 2, v, g), WG_OK);
    *da = fabs(g[0]);
    *db = fabs(g[1]);
}

/* Path sums P[i * n + j] = sum over paths from x[j] to node i of the
 * product of |partials|: what rounding in a sweep is proportional to.  A
 * forward sweep's tangent of node i differs from the exact product of its
 * (rounded) partials by at most about depth * eps * P: each node adds one
 * or two roundings of 1/2 ulp of terms bounded by P.  The same holds for the
 * reverse sweep, which sums the same path products in another order. */
static void path_sums(wg_tape *one_node, const wg_tape *t, size_t n, const wg_var *x, double *P)
{
    size_t size = wg_tape_size(t);
    for (size_t i = 0; i < size; i++) {
        double da, db;
        local_partials(one_node, t, i, &da, &db);
        size_t ia = wg_node_arg(t, i, 0), ib = wg_node_arg(t, i, 1);
        for (size_t j = 0; j < n; j++) {
            double p = 0;
            if (ia != (size_t)-1)
                p += da * P[ia * n + j];
            if (ib != (size_t)-1)
                p += db * P[ib * n + j];
            if (wg_var_index(t, x[j]) == i)
                p += 1;
            P[i * n + j] = p;
        }
    }
}

/* w . (J u) = (w^T J) . u: forward and reverse are each other's transpose */
static void dot_product_test(void)
{
    wg_tape *t = wg_tape_new(), *one_node = wg_tape_new();
    uint64_t s = 12345;
    int graphs = 0;
    static double P[64 * 5];
    for (int trial = 0; trial < 400; trial++) {
        size_t n = 1 + rng_below(&s, 5), len = 3 + rng_below(&s, 40), m = 1 + rng_below(&s, 4);
        wg_var x[5], y[4];
        if (!random_graph(t, &s, n, len, x))
            continue;
        graphs++;
        size_t size = wg_tape_size(t);
        for (size_t i = 0; i < m; i++)          /* outputs among the last nodes */
            y[i] = wg_tape_var(t, size - 1 - rng_below(&s, size < 8 ? size : 8));
        double u[5], w[4], Ju[4], wJ[5];
        for (size_t j = 0; j < n; j++)
            u[j] = rng_unit(&s);
        for (size_t i = 0; i < m; i++)
            w[i] = rng_unit(&s);
        CU_ASSERT_EQUAL_FATAL(wg_jvp(t, n, x, u, m, y, Ju), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_vjp(t, m, y, w, n, x, wJ), WG_OK);
        double J[4 * 5], Jr[4 * 5];
        CU_ASSERT_EQUAL(wg_jacobian_fwd(t, m, y, n, x, J), WG_OK);
        CU_ASSERT_EQUAL(wg_jacobian_rev(t, m, y, n, x, Jr), WG_OK);
        path_sums(one_node, t, n, x, P);
        /* 2 roundings per node on the way, 1/2 ulp each, and 2 more for the
         * products with w and u and the sums over them */
        double eps_depth = (double)(2 * size + 8) * DBL_EPSILON;
        ld lhs = 0, rhs = 0, scale = 0;
        for (size_t i = 0; i < m; i++)
            lhs += (ld)w[i] * Ju[i];
        for (size_t j = 0; j < n; j++)
            rhs += (ld)wJ[j] * u[j];
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                double pij = P[wg_var_index(t, y[i]) * n + j];
                scale += fabsl((ld)w[i] * pij * u[j]);
                int ok = fabs(J[i * n + j] - Jr[i * n + j]) <= eps_depth * pij;
                if (!ok)
                    fprintf(stderr, "\n  graph %d: J[%zu][%zu] forward %.17g, reverse %.17g, "
                            "path sum %g\n", trial, i, j, J[i * n + j], Jr[i * n + j], pij);
                CU_ASSERT(ok);
            }
        /* Each side sums the terms w_i J_ij u_j, and each J_ij is within
         * eps_depth of its path sum: a wrong operand, a lost or doubled term
         * moves the sides apart by a whole term, far beyond this. */
        int ok = fabsl(lhs - rhs) <= (ld)eps_depth * scale + 1e-300L;
        if (!ok)
            fprintf(stderr, "\n  graph %d: w.(J u) = %.17Lg, (w^T J).u = %.17Lg\n", trial, lhs, rhs);
        CU_ASSERT(ok);
    }
    /* the generator must actually produce graphs */
    CU_ASSERT(graphs >= 200);
    wg_tape_free(t);
    wg_tape_free(one_node);
}

/* ------------------------------------------------------------------ backward */

static void accumulate_backward(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 1.5), y = wg_input(t, -2);
    wg_var s = wg_sin(t, x);
    wg_var f = wg_add(t, wg_mul(t, x, y), s);   /* df/dx = y + cos x, df/dy = x */
    const double dfx = -2 + cos(1.5), dfy = 1.5;

    /* a snapshot of the tape, to show a backward leaves it as it was */
    size_t n0 = wg_tape_size(t), b0 = wg_tape_bytes(t);
    double v0[8];
    for (size_t i = 0; i < n0; i++)
        v0[i] = wg_node_value(t, i);

    CU_ASSERT_EQUAL(wg_grad_of(t, x), 0);       /* 0 before any backward */
    CU_ASSERT_EQUAL(wg_backward(t, f, 1), WG_OK);
    CHECK_SAME(wg_grad_of(t, x), dfx);
    CHECK_SAME(wg_grad_of(t, y), dfy);
    CHECK_SAME(wg_grad_of(t, s), 1);           /* intermediate nodes hold theirs */
    CHECK_SAME(wg_grad_of(t, f), 1);
    CU_ASSERT_EQUAL(wg_backward(t, f, 1), WG_OK);
    CHECK_SAME(wg_grad_of(t, x), 2 * dfx);      /* twice adds twice */
    CHECK_SAME(wg_grad_of(t, y), 2 * dfy);
    CU_ASSERT_EQUAL(wg_backward(t, f, -0.5), WG_OK);
    CHECK_SAME(wg_grad_of(t, x), 2 * dfx - 0.5 * dfx);
    CHECK_SAME(wg_grad_of(t, y), 1.5 * dfy);

    CU_ASSERT_EQUAL(wg_tape_size(t), n0);
    CU_ASSERT_EQUAL(wg_tape_bytes(t), b0);
    for (size_t i = 0; i < n0; i++)
        CHECK_SAME(wg_node_value(t, i), v0[i]);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);

    /* wg_zero_grad clears; a backward of another node then starts from 0 */
    wg_zero_grad(t);
    CU_ASSERT_EQUAL(wg_grad_of(t, x), 0);
    CU_ASSERT_EQUAL(wg_grad_of(t, f), 0);
    CU_ASSERT_EQUAL(wg_backward(t, s, 2), WG_OK);
    CHECK_SAME(wg_grad_of(t, x), 2 * cos(1.5));
    CU_ASSERT_EQUAL(wg_grad_of(t, y), 0);
    CU_ASSERT_EQUAL(wg_grad_of(t, f), 0);       /* recorded after s: not reached */

    /* nodes recorded after a backward start at 0 and then accumulate */
    wg_var z = wg_mul_c(t, x, 3);
    CU_ASSERT_EQUAL(wg_grad_of(t, z), 0);
    CHECK_SAME(wg_grad_of(t, x), 2 * cos(1.5));
    CU_ASSERT_EQUAL(wg_backward(t, z, 1), WG_OK);
    CHECK_SAME(wg_grad_of(t, z), 1);
    CHECK_SAME(wg_grad_of(t, x), 2 * cos(1.5) + 3);
    CU_ASSERT_EQUAL(wg_grad_of(t, f), 0);

    /* a handle that is not live has no gradient */
    wg_var bad = { 0 };
    CU_ASSERT(isnan(wg_grad_of(t, bad)));
    /* wg_tape_clear drops the buffers with the nodes */
    wg_tape_clear(t);
    wg_var x2 = wg_input(t, 1);
    CU_ASSERT_EQUAL(wg_grad_of(t, x2), 0);
    wg_tape_free(t);
}

/* ------------------------------------------------------------------ wg_eval */

/* Re-record tape `src` on `dst` from its inspection functions, with the
 * inputs set to `vals` (in order of appearance).  The fresh recording at a
 * point is what a replay there must match bit for bit. */
static int rerecord(const wg_tape *src, wg_tape *dst, const double *vals)
{
    wg_tape_clear(dst);
    size_t nin = 0;
    for (size_t i = 0; i < wg_tape_size(src); i++) {
        wg_op op = wg_node_op(src, i);
        size_t a = wg_node_arg(src, i, 0), b = wg_node_arg(src, i, 1);
        wg_var va = a == (size_t)-1 ? (wg_var){ 0 } : wg_tape_var(dst, a);
        wg_var vb = b == (size_t)-1 ? (wg_var){ 0 } : wg_tape_var(dst, b);
        double c = op == WG_OP_INPUT ? vals[nin++] : op == WG_OP_CONST ? wg_node_value(src, i)
                                                                       : wg_node_param(src, i);
        wg_apply(dst, op, va, vb, c);
        if (wg_status(dst) != WG_OK)
            return wg_status(dst);
    }
    return WG_OK;
}

static void eval_replays_bit_for_bit(void)
{
    wg_tape *t = wg_tape_new(), *fresh = wg_tape_new();
    uint64_t s = 999;
    int replayed = 0;
    for (int trial = 0; trial < 300; trial++) {
        size_t n = 1 + rng_below(&s, 4), len = 3 + rng_below(&s, 30);
        wg_var x[4];
        if (!random_graph(t, &s, n, len, x))
            continue;
        double p0[4], p1[4];
        for (size_t j = 0; j < n; j++) {
            p0[j] = wg_value(t, x[j]);
            p1[j] = p0[j] + 0.01 * rng_unit(&s);    /* a nearby point */
        }
        size_t size = wg_tape_size(t);
        int want = rerecord(t, fresh, p1);
        int got = wg_eval(t, n, x, p1);
        if (want != WG_OK) {
            /* the point leaves a domain: the replay must say so too */
            CU_ASSERT(got == WG_EDOM || got == WG_ERANGE || got == WG_EBRANCH);
            continue;
        }
        /* a comparison may flip at the new point; then only EBRANCH is right */
        int flipped = 0;
        for (size_t i = 0; i < size; i++)
            if (wg_op_kind_of(wg_node_op(t, i)) == WG_KIND_CMP
                && wg_node_value(t, i) != wg_node_value(fresh, i))
                flipped = 1;
        if (flipped) {
            CU_ASSERT_EQUAL(got, WG_EBRANCH);
            continue;
        }
        CU_ASSERT_EQUAL_FATAL(got, WG_OK);
        replayed++;
        CU_ASSERT_EQUAL(wg_tape_size(t), size);
        for (size_t i = 0; i < size; i++) {
            double a = wg_node_value(t, i), b = wg_node_value(fresh, i);
            CU_ASSERT(memcmp(&a, &b, sizeof a) == 0);
        }
        /* derivatives at the replayed point are those of the fresh tape */
        wg_var y = wg_tape_var(t, size - 1), yf = wg_tape_var(fresh, size - 1);
        wg_var xf[4];
        for (size_t j = 0; j < n; j++)
            xf[j] = wg_tape_var(fresh, wg_var_index(t, x[j]));
        double g[4], gf[4], u[4] = { 0.5, -1, 0.25, 2 }, d, df;
        CU_ASSERT_EQUAL(wg_grad(t, y, n, x, g), WG_OK);
        CU_ASSERT_EQUAL(wg_grad(fresh, yf, n, xf, gf), WG_OK);
        CU_ASSERT_EQUAL(wg_jvp(t, n, x, u, 1, &y, &d), WG_OK);
        CU_ASSERT_EQUAL(wg_jvp(fresh, n, xf, u, 1, &yf, &df), WG_OK);
        CU_ASSERT(memcmp(g, gf, n * sizeof *g) == 0);
        CU_ASSERT(memcmp(&d, &df, sizeof d) == 0);
        /* and back at the first point, the first values */
        CU_ASSERT_EQUAL(wg_eval(t, n, x, p0), WG_OK);
        CU_ASSERT_EQUAL(rerecord(t, fresh, p0), WG_OK);
        for (size_t i = 0; i < size; i++)
            CHECK_SAME(wg_node_value(t, i), wg_node_value(fresh, i));
    }
    CU_ASSERT(replayed >= 150);
    wg_tape_free(t);
    wg_tape_free(fresh);
}

/* a replay of some inputs keeps the others' values */
static void eval_some_inputs(void)
{
    wg_tape *t = wg_tape_new();
    wg_var a = wg_input(t, 1), b = wg_input(t, 2), c = wg_input(t, 3);
    wg_var f = wg_mul(t, wg_add(t, a, b), c);           /* (a + b) c */
    CU_ASSERT_EQUAL(wg_value(t, f), 9);
    double v = 10;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &b, &v), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, f), 33);
    CU_ASSERT_EQUAL(wg_value(t, a), 1);
    CU_ASSERT_EQUAL(wg_value(t, c), 3);
    wg_var ac[2] = { c, a };
    double vs[2] = { -1, 5 };
    CU_ASSERT_EQUAL(wg_eval(t, 2, ac, vs), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, f), -15);
    double g[3];
    wg_var all[3] = { a, b, c };
    CU_ASSERT_EQUAL(wg_grad(t, f, 3, all, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], -1);
    CU_ASSERT_EQUAL(g[1], -1);
    CU_ASSERT_EQUAL(g[2], 15);
    /* no inputs: nothing changes */
    CU_ASSERT_EQUAL(wg_eval(t, 0, NULL, NULL), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, f), -15);
    wg_tape_free(t);
}

/* ------------------------------------------------------------------ x lists */

/* wg_grad and wg_vjp accept any node in x: its adjoint */
static void gradient_wrt_intermediate(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 0.75), y = wg_input(t, 1.5), v = wg_input(t, -2);
    wg_var u = wg_mul(t, x, y);
    wg_var f = wg_mul(t, wg_sin(t, u), v);          /* f = sin(x y) v */
    double uv = 0.75 * 1.5;
    double g[3];
    CU_ASSERT_EQUAL(wg_grad(t, f, 1, &u, g), WG_OK);
    CHECK_ULPS(g[0], cosl(uv) * -2, 1, cosl(uv) * 2);
    /* inputs and intermediates together: each gets its full adjoint */
    wg_var xs[3] = { x, u, v };
    CU_ASSERT_EQUAL(wg_grad(t, f, 3, xs, g), WG_OK);
    CHECK_ULPS(g[0], cosl(uv) * -2 * 1.5, 2, cosl(uv) * 3);
    CHECK_ULPS(g[1], cosl(uv) * -2, 1, cosl(uv) * 2);
    CHECK_ULPS(g[2], sinl(uv), 1, sinl(uv));
    double w = 3, xbar;
    CU_ASSERT_EQUAL(wg_vjp(t, 1, &f, &w, 1, &u, &xbar), WG_OK);
    CHECK_ULPS(xbar, cosl(uv) * -6, 2, cosl(uv) * 6);
    /* the adjoint of y itself is 1 */
    CU_ASSERT_EQUAL(wg_grad(t, f, 1, &f, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 1);
    wg_tape_free(t);
}

/* a variable listed twice: its column twice, its seeds added */
static void duplicates_in_lists(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 2), y = wg_input(t, 3);
    wg_var f = wg_mul(t, wg_square(t, x), y);       /* x^2 y: df/dx = 12, df/dy = 4 */
    wg_var h = wg_add(t, x, y);
    wg_var xs[3] = { x, x, y };
    double g[3], d, J[2 * 3];
    CU_ASSERT_EQUAL(wg_grad(t, f, 3, xs, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 12);
    CU_ASSERT_EQUAL(g[1], 12);
    CU_ASSERT_EQUAL(g[2], 4);
    double u[3] = { 1, 2, 0.5 };                    /* x moves by 1 + 2, y by 0.5 */
    CU_ASSERT_EQUAL(wg_jvp(t, 3, xs, u, 1, &f, &d), WG_OK);
    CU_ASSERT_EQUAL(d, 12 * 3 + 4 * 0.5);
    wg_var ys[2] = { f, h };
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, 2, ys, 3, xs, J), WG_OK);
    double Jw[6] = { 12, 12, 4, 1, 1, 1 };
    for (int k = 0; k < 6; k++)
        CU_ASSERT_EQUAL(J[k], Jw[k]);
    CU_ASSERT_EQUAL(wg_jacobian_rev(t, 2, ys, 3, xs, J), WG_OK);
    for (int k = 0; k < 6; k++)
        CU_ASSERT_EQUAL(J[k], Jw[k]);
    /* an output listed twice: its weights add */
    wg_var yy[3] = { f, f, h };
    double w[3] = { 1, 0.5, -1 }, xbar[2];
    CU_ASSERT_EQUAL(wg_vjp(t, 3, yy, w, 2, xs + 1, xbar), WG_OK);
    CU_ASSERT_EQUAL(xbar[0], 1.5 * 12 - 1);
    CU_ASSERT_EQUAL(xbar[1], 1.5 * 4 - 1);
    wg_tape_free(t);
}

/* an output recorded before an input cannot depend on it: derivative 0,
 * also after another sweep has left numbers in the buffers */
static void output_before_input(void)
{
    wg_tape *t = wg_tape_new();
    wg_var a = wg_input(t, 1.25);
    wg_var y = wg_sin(t, a);
    wg_var b = wg_input(t, 2);                      /* after y */
    wg_var z = wg_mul(t, a, b);
    for (int i = 0; i < 40; i++)                    /* room for stale entries */
        z = wg_add(t, wg_mul(t, z, b), a);
    wg_var ab[2] = { a, b };
    double g[2], J[2], d;
    /* fill the scratch buffers with a sweep over the whole tape first */
    CU_ASSERT_EQUAL(wg_grad(t, z, 2, ab, g), WG_OK);
    CU_ASSERT(g[1] != 0);
    double u2[2] = { 1, 1 }, dz;
    CU_ASSERT_EQUAL(wg_jvp(t, 2, ab, u2, 1, &z, &dz), WG_OK);

    CU_ASSERT_EQUAL(wg_grad(t, y, 1, &b, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 0);
    CU_ASSERT_EQUAL(wg_grad(t, y, 2, ab, g), WG_OK);
    CHECK_SAME(g[0], cos(1.25));
    CU_ASSERT_EQUAL(g[1], 0);
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &b, &one, 1, &y, &d), WG_OK);
    CU_ASSERT_EQUAL(d, 0);
    double u[2] = { 1, 1 };
    CU_ASSERT_EQUAL(wg_jvp(t, 2, ab, u, 1, &y, &d), WG_OK);
    CHECK_SAME(d, cos(1.25));
    CU_ASSERT_EQUAL(wg_jacobian_rev(t, 1, &y, 2, ab, J), WG_OK);
    CHECK_SAME(J[0], cos(1.25));
    CU_ASSERT_EQUAL(J[1], 0);
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, 1, &y, 2, ab, J), WG_OK);
    CHECK_SAME(J[0], cos(1.25));
    CU_ASSERT_EQUAL(J[1], 0);
    /* the input itself recorded after the output: its seed goes nowhere */
    wg_var late = wg_input(t, 7);
    wg_var ys[2] = { y, late };
    double Y[2];
    wg_var al[2] = { a, late };
    CU_ASSERT_EQUAL(wg_jvp(t, 2, al, u, 2, ys, Y), WG_OK);
    CHECK_SAME(Y[0], cos(1.25));
    CU_ASSERT_EQUAL(Y[1], 1);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    wg_tape_free(t);

    /* on a fresh tape, with the late input far past the output: its seed
     * must not be written beyond the tangents the sweep set up (the
     * sanitized build catches a write there) */
    t = wg_tape_new();
    a = wg_input(t, 0.5);
    y = wg_sin(t, a);
    for (int i = 0; i < 1000; i++)
        wg_cos(t, a);
    b = wg_input(t, 1);
    wg_var ab2[2] = { a, b };
    CU_ASSERT_EQUAL(wg_jvp(t, 2, ab2, u, 1, &y, &d), WG_OK);
    CHECK_SAME(d, cos(0.5));
    CU_ASSERT_EQUAL(wg_grad(t, y, 2, ab2, g), WG_OK);
    CHECK_SAME(g[0], cos(0.5));
    CU_ASSERT_EQUAL(g[1], 0);
    double U2[4] = { 1, 0, 0, 1 }, Y2[2];
    CU_ASSERT_EQUAL(wg_jvp_multi(t, 2, ab2, 2, U2, 1, &y, Y2), WG_OK);
    CHECK_SAME(Y2[0], cos(0.5));
    CU_ASSERT_EQUAL(Y2[1], 0);
    wg_tape_free(t);
}

/* ------------------------------------------------------------------ node tangents and adjoints */

static void node_tangents_and_adjoints(void)
{
    wg_tape *t = wg_tape_new();
    wg_var c = wg_const(t, 4);                      /* node 0, before the inputs */
    wg_var x = wg_input(t, 3), y = wg_input(t, -1); /* 1, 2 */
    wg_var p = wg_mul(t, x, y);                     /* 3: x y */
    wg_var q = wg_add(t, p, c);                     /* 4: x y + 4 */
    wg_var r = wg_square(t, q);                     /* 5: (x y + 4)^2 */
    wg_var after = wg_exp(t, x);                    /* 6: not swept for r */
    (void)after;
    for (size_t i = 0; i < 7; i++) {                /* nothing swept yet */
        CU_ASSERT(isnan(wg_node_tangent(t, i)));
        CU_ASSERT(isnan(wg_node_adjoint(t, i)));
    }
    wg_var xs[2] = { x, y };
    double u[2] = { 2, 5 }, d;
    CU_ASSERT_EQUAL(wg_jvp(t, 2, xs, u, 1, &r, &d), WG_OK);
    /* tangents: x' = 2, y' = 5, p' = x' y + x y' = 13, q' = 13, r' = 2 q q' = 26 */
    CU_ASSERT_EQUAL(wg_node_tangent(t, 1), 2);
    CU_ASSERT_EQUAL(wg_node_tangent(t, 2), 5);
    CU_ASSERT_EQUAL(wg_node_tangent(t, 3), 13);
    CU_ASSERT_EQUAL(wg_node_tangent(t, 4), 13);
    CU_ASSERT_EQUAL(wg_node_tangent(t, 5), 26);
    CU_ASSERT_EQUAL(d, 26);
    CU_ASSERT(isnan(wg_node_tangent(t, 0)));        /* before the swept range */
    CU_ASSERT(isnan(wg_node_tangent(t, 99)));

    double g[2];
    CU_ASSERT_EQUAL(wg_grad(t, r, 2, xs, g), WG_OK);
    /* adjoints: r = 1, q = 2 q = 2, p = 2, x = 2 y = -2, y = 2 x = 6 */
    CU_ASSERT_EQUAL(wg_node_adjoint(t, 5), 1);
    CU_ASSERT_EQUAL(wg_node_adjoint(t, 4), 2);
    CU_ASSERT_EQUAL(wg_node_adjoint(t, 3), 2);
    CU_ASSERT_EQUAL(wg_node_adjoint(t, 2), 6);
    CU_ASSERT_EQUAL(wg_node_adjoint(t, 1), -2);
    CU_ASSERT_EQUAL(g[0], -2);
    CU_ASSERT_EQUAL(g[1], 6);
    CU_ASSERT(isnan(wg_node_adjoint(t, 6)));        /* after the output */
    CU_ASSERT(isnan(wg_node_adjoint(t, 0)));        /* before the first x */
    /* the forward sweep's tangents are still there */
    CU_ASSERT_EQUAL(wg_node_tangent(t, 5), 26);

    /* vector forward: direction 0 is what is shown */
    double U[4] = { 1, 7, 0, 1 }, Y[2];
    CU_ASSERT_EQUAL(wg_jvp_multi(t, 2, xs, 2, U, 1, &r, Y), WG_OK);
    CU_ASSERT_EQUAL(wg_node_tangent(t, 3), -1);     /* x' = 1, y' = 0: p' = y */
    CU_ASSERT_EQUAL(Y[0], 2 * 1 * -1);
    CU_ASSERT_EQUAL(Y[1], 2 * 1 * (7 * -1 + 3 * 1));

    /* a replay at a new point drops both: they belonged to the old point */
    double v = 2;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &x, &v), WG_OK);
    CU_ASSERT(isnan(wg_node_tangent(t, 3)));
    CU_ASSERT(isnan(wg_node_adjoint(t, 3)));
    wg_tape_free(t);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "polar -> cartesian: three Jacobians, rows, columns, VJP", polar_to_cartesian },
        { "spherical -> cartesian (3 x 3)", spherical_to_cartesian },
        { "an MLP layer, 3 x 19, against its closed form", mlp_layer },
        { "Rosenbrock: gradient and Hessian (20 x 20)", rosenbrock },
        { "more outputs than inputs: forward Jacobian", tall_jacobian },
        { "wg_jvp_multi: k directions are k single JVPs", jvp_multi_is_k_jvps },
        { "dot-product test w.(J u) = (w^T J).u on random graphs", dot_product_test },
        { "accumulating backward: adds, zero_grad, tape unchanged", accumulate_backward },
        { "wg_eval replays bit for bit, derivatives as fresh", eval_replays_bit_for_bit },
        { "wg_eval of some inputs keeps the others", eval_some_inputs },
        { "gradient with respect to an intermediate node", gradient_wrt_intermediate },
        { "duplicates in x and y lists", duplicates_in_lists },
        { "an output recorded before an input: derivative 0", output_before_input },
        { "wg_node_tangent and wg_node_adjoint after sweeps", node_tangents_and_adjoints },
        { NULL, NULL }
    };
    return wg_test_main("derivatives", cases);
}
