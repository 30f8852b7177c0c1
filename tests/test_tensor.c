/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_tensor.c -- tensor nodes: values against naive loops; tangent and
 * adjoint rules against each other (they are separate code for every
 * tensor op) and against central differences through wg_eval; shapes with
 * 0-size axes, size-1 broadcast axes, rank 0 and rank 8; WG_ESHAPE,
 * WG_ELIMIT and WG_ENOMEM paths that leave nothing half-recorded; replay
 * and recorded comparisons; the accumulating backward; memory per node.
 * (The element-by-element scalar oracle of every rule is in
 * tests/test_check_tensor.c, through the verifier's lowering.) */
#include "test_util.h"
#include "wengert.h"

#include <stdlib.h>

/* a reproducible value in [-1, 1) */
static double rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return ((*s >> 8) & 0xffff) / 32768.0 - 1.0;
}

static double *rnd_array(size_t n, unsigned seed)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = rnd(&seed);
    return v;
}

static size_t total_numel(wg_tape *t, size_t n, const wg_var *v)
{
    size_t s = 0;
    for (size_t j = 0; j < n; j++)
        s += wg_numel(t, v[j]);
    return s;
}

/* Forward and reverse Jacobians agree to a few ulps of the rounding scale,
 * and both agree with central differences of wg_eval (h = 1e-6: truncation
 * about 1e-12 relative, rounding about 1e-10); the tape is back at its
 * point afterwards. */
static void check_jacobians(wg_tape *t, size_t n, const wg_var *x, size_t m, const wg_var *y)
{
    size_t N = total_numel(t, n, x), M = total_numel(t, m, y);
    double *Jf = calloc(M * N + 1, sizeof *Jf), *Jr = calloc(M * N + 1, sizeof *Jr);
    double *x0 = malloc((N + 1) * sizeof *x0), *fp = malloc((M + 1) * sizeof *fp);
    double *fm = malloc((M + 1) * sizeof *fm);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, m, y, n, x, Jf), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_rev(t, m, y, n, x, Jr), WG_OK);
    double scale = 0;
    for (size_t k = 0; k < M * N; k++)
        scale = fmax(scale, fabs(Jr[k]));
    for (size_t k = 0; k < M * N; k++)
        WG_ASSERT_CLOSE(Jf[k], Jr[k], 1e-13, 1e-14 * scale);
    size_t off = 0;
    for (size_t j = 0; j < n; j++) {
        wg_tensor_value(t, x[j], x0 + off);
        off += wg_numel(t, x[j]);
    }
    for (size_t c = 0; c < N; c++) {
        double h = 1e-6 * fmax(1, fabs(x0[c])), s = x0[c];
        x0[c] = s + h;
        CU_ASSERT_EQUAL(wg_eval(t, n, x, x0), WG_OK);
        for (size_t r = 0, o = 0; r < m; o += wg_numel(t, y[r]), r++)
            wg_tensor_value(t, y[r], fp + o);
        x0[c] = s - h;
        CU_ASSERT_EQUAL(wg_eval(t, n, x, x0), WG_OK);
        for (size_t r = 0, o = 0; r < m; o += wg_numel(t, y[r]), r++)
            wg_tensor_value(t, y[r], fm + o);
        x0[c] = s;
        for (size_t r = 0; r < M; r++)
            WG_ASSERT_CLOSE(Jr[r * N + c], (fp[r] - fm[r]) / (2 * h), 1e-6, 1e-7 * fmax(1, scale));
    }
    CU_ASSERT_EQUAL(wg_eval(t, n, x, x0), WG_OK);
    free(Jf);
    free(Jr);
    free(x0);
    free(fp);
    free(fm);
}

static wg_var tin(wg_tape *t, int rank, const size_t *shape, unsigned seed)
{
    size_t n = 1;
    for (int d = 0; d < rank; d++)
        n *= shape[d];
    double *v = rnd_array(n, seed);
    wg_var x = wg_tensor_input(t, rank, shape, v);
    free(v);
    return x;
}

/* ---------------------------------------------------------------- values */

static void matmul_values(void)
{
    wg_tape *t = wg_tape_new();
    /* (2,1,3,4) @ (5,4,2): batch axes broadcast to (2,5) */
    size_t sa[4] = { 2, 1, 3, 4 }, sb[3] = { 5, 4, 2 };
    double *A = rnd_array(24, 1), *B = rnd_array(40, 2);
    wg_var a = wg_tensor_input(t, 4, sa, A), b = wg_tensor_input(t, 3, sb, B);
    wg_var c = wg_matmul(t, a, b);
    size_t sc[WG_MAX_RANK];
    CU_ASSERT_EQUAL_FATAL(wg_shape(t, c, sc), 4);
    CU_ASSERT(sc[0] == 2 && sc[1] == 5 && sc[2] == 3 && sc[3] == 2);
    double C[60];
    CU_ASSERT_EQUAL(wg_tensor_value(t, c, C), WG_OK);
    for (size_t p = 0; p < 2; p++)
        for (size_t q = 0; q < 5; q++)
            for (size_t i = 0; i < 3; i++)
                for (size_t j = 0; j < 2; j++) {
                    double s = 0;
                    for (size_t k = 0; k < 4; k++)
                        s += A[p * 12 + i * 4 + k] * B[q * 8 + k * 2 + j];
                    WG_ASSERT_CLOSE(C[((p * 5 + q) * 3 + i) * 2 + j], s, 1e-15, 1e-15);
                }
    /* 1-D operands as NumPy: (4) @ (4,2) -> (2); (3,4) @ (4) -> (3); (4) @ (4) -> () */
    size_t s4[1] = { 4 }, s42[2] = { 4, 2 }, s34[2] = { 3, 4 };
    wg_var v = tin(t, 1, s4, 3), m42 = tin(t, 2, s42, 4), m34 = tin(t, 2, s34, 5);
    CU_ASSERT_EQUAL(wg_shape(t, wg_matmul(t, v, m42), sc), 1);
    CU_ASSERT_EQUAL(sc[0], 2);
    CU_ASSERT_EQUAL(wg_shape(t, wg_matmul(t, m34, v), sc), 1);
    CU_ASSERT_EQUAL(sc[0], 3);
    wg_var dot = wg_matmul(t, v, v);
    CU_ASSERT_EQUAL(wg_shape(t, dot, sc), 0);
    double vv[4], s = 0;
    wg_tensor_value(t, v, vv);
    for (int k = 0; k < 4; k++)
        s += vv[k] * vv[k];
    WG_ASSERT_CLOSE(wg_value(t, dot), s, 1e-15, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    free(A);
    free(B);
    wg_tape_free(t);
}

static void reduction_values(void)
{
    wg_tape *t = wg_tape_new();
    size_t sh[3] = { 2, 3, 4 };
    double *X = rnd_array(24, 7);
    wg_var x = wg_tensor_input(t, 3, sh, X);
    int ax02[2] = { 0, -1 };
    wg_var s = wg_sum(t, x, 2, ax02, 1), m = wg_mean(t, x, 2, ax02, 0);
    wg_var all = wg_sum(t, x, 0, NULL, 0);
    size_t d[WG_MAX_RANK];
    CU_ASSERT_EQUAL(wg_shape(t, s, d), 3);
    CU_ASSERT(d[0] == 1 && d[1] == 3 && d[2] == 1);
    CU_ASSERT_EQUAL(wg_shape(t, m, d), 1);
    CU_ASSERT_EQUAL(wg_shape(t, all, d), 0);
    double S[3], M[3], tot = 0;
    wg_tensor_value(t, s, S);
    wg_tensor_value(t, m, M);
    for (int j = 0; j < 3; j++) {
        double a = 0;
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 4; k++)
                a += X[i * 12 + j * 4 + k];
        WG_ASSERT_CLOSE(S[j], a, 1e-15, 1e-15);
        WG_ASSERT_CLOSE(M[j], a / 8, 1e-15, 1e-15);
        tot += a;
    }
    WG_ASSERT_CLOSE(wg_value(t, all), tot, 1e-14, 1e-14);
    /* along axis 1: max (first maximal on ties), logsumexp, softmax family */
    wg_var mx = wg_max_reduce(t, x, 1, 0), lse = wg_logsumexp(t, x, -2, 1);
    wg_var ls = wg_logsoftmax(t, x, 1), sm = wg_softmax(t, x, 1);
    double MX[8], LSE[8], LS[24], SM[24];
    wg_tensor_value(t, mx, MX);
    wg_tensor_value(t, lse, LSE);
    wg_tensor_value(t, ls, LS);
    wg_tensor_value(t, sm, SM);
    CU_ASSERT_EQUAL(wg_shape(t, lse, d), 3);
    CU_ASSERT(d[0] == 2 && d[1] == 1 && d[2] == 4);
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 4; k++) {
            double mv = -INFINITY, z = 0;
            for (int j = 0; j < 3; j++)
                mv = fmax(mv, X[i * 12 + j * 4 + k]);
            for (int j = 0; j < 3; j++)
                z += exp(X[i * 12 + j * 4 + k]);
            CU_ASSERT_EQUAL(MX[i * 4 + k], mv);
            WG_ASSERT_CLOSE(LSE[i * 4 + k], log(z), 1e-14, 1e-15);
            for (int j = 0; j < 3; j++) {
                WG_ASSERT_CLOSE(LS[i * 12 + j * 4 + k], X[i * 12 + j * 4 + k] - log(z), 1e-14, 1e-15);
                WG_ASSERT_CLOSE(SM[i * 12 + j * 4 + k], exp(X[i * 12 + j * 4 + k]) / z, 1e-14, 0);
            }
        }
    /* the shift by the maximum: no overflow at 800 */
    double big[3] = { 800, 799.2, 801.3 };
    wg_var b = wg_tensor_input(t, 1, (size_t[]){ 3 }, big);
    wg_var lb = wg_logsumexp(t, b, 0, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    WG_ASSERT_CLOSE(wg_value(t, lb), 801.3 + log(exp(-1.3) + exp(-2.1) + 1), 1e-15, 0);
    free(X);
    wg_tape_free(t);
}

static void layout_values(void)
{
    wg_tape *t = wg_tape_new();
    size_t sh[3] = { 2, 3, 4 };
    double *X = rnd_array(24, 9);
    wg_var x = wg_tensor_input(t, 3, sh, X);
    int perm[3] = { 2, 0, 1 };
    wg_var tr = wg_transpose(t, x, perm), rv = wg_transpose(t, x, NULL);
    wg_var rs = wg_reshape(t, x, 2, (size_t[]){ 6, 4 });
    wg_var sl = wg_slice(t, x, 1, 1, 3);
    wg_var bc = wg_broadcast_to(t, wg_slice(t, x, 0, 0, 1), 4, (size_t[]){ 2, 2, 3, 4 });
    wg_var cc = wg_concat(t, 3, (wg_var[]){ x, sl, x }, 1);
    wg_var st = wg_stack(t, 3, (wg_var[]){ x, x, x }, -1);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    size_t d[WG_MAX_RANK];
    double TR[24], RV[24], SL[16], BC[48], CC[64], ST[72], RS[24];
    wg_tensor_value(t, tr, TR);
    wg_tensor_value(t, rv, RV);
    wg_tensor_value(t, rs, RS);
    wg_tensor_value(t, sl, SL);
    wg_tensor_value(t, bc, BC);
    wg_tensor_value(t, cc, CC);
    wg_tensor_value(t, st, ST);
    CU_ASSERT_EQUAL(wg_shape(t, tr, d), 3);
    CU_ASSERT(d[0] == 4 && d[1] == 2 && d[2] == 3);
    CU_ASSERT_EQUAL(wg_shape(t, cc, d), 3);
    CU_ASSERT(d[0] == 2 && d[1] == 8 && d[2] == 4);
    CU_ASSERT_EQUAL(wg_shape(t, st, d), 4);
    CU_ASSERT(d[0] == 2 && d[1] == 3 && d[2] == 4 && d[3] == 3);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++) {
                double v = X[i * 12 + j * 4 + k];
                CU_ASSERT_EQUAL(TR[k * 6 + i * 3 + j], v);
                CU_ASSERT_EQUAL(RV[k * 6 + j * 2 + i], v);
                CU_ASSERT_EQUAL(RS[i * 12 + j * 4 + k], v);
                if (j >= 1)
                    CU_ASSERT_EQUAL(SL[i * 8 + (j - 1) * 4 + k], v);
                CU_ASSERT_EQUAL(CC[i * 32 + j * 4 + k], v);
                CU_ASSERT_EQUAL(CC[i * 32 + (5 + j) * 4 + k], v);
                for (int q = 0; q < 3; q++)
                    CU_ASSERT_EQUAL(ST[((i * 3 + j) * 4 + k) * 3 + q], v);
                if (i == 0)
                    for (int p = 0; p < 2; p++)
                        for (int r = 0; r < 2; r++)
                            CU_ASSERT_EQUAL(BC[((p * 2 + r) * 3 + j) * 4 + k], v);
            }
    free(X);
    wg_tape_free(t);
}

/* elementwise ops broadcast; a stretched operand's adjoint is summed over
 * its stretched axes */
static void broadcast_elementwise(void)
{
    wg_tape *t = wg_tape_new();
    wg_var a = tin(t, 2, (size_t[]){ 3, 1 }, 11), b = tin(t, 1, (size_t[]){ 4 }, 12);
    wg_var s = wg_input(t, 0.75);
    wg_var y = wg_mul(t, wg_add(t, a, b), s);
    size_t d[WG_MAX_RANK];
    CU_ASSERT_EQUAL(wg_shape(t, y, d), 2);
    CU_ASSERT(d[0] == 3 && d[1] == 4);
    double A[3], B[4], Y[12];
    wg_tensor_value(t, a, A);
    wg_tensor_value(t, b, B);
    wg_tensor_value(t, y, Y);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            CU_ASSERT_EQUAL(Y[i * 4 + j], (A[i] + B[j]) * 0.75);
    wg_var L = wg_sum(t, y, 0, NULL, 0);
    double g[8];
    CU_ASSERT_EQUAL(wg_grad(t, L, 3, (wg_var[]){ a, b, s }, g), WG_OK);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(g[i], 4 * 0.75);        /* summed over the stretched axis 1 */
    for (int j = 0; j < 4; j++)
        CU_ASSERT_EQUAL(g[3 + j], 3 * 0.75);    /* and over the missing axis 0 */
    double tot = 0;
    for (int k = 0; k < 12; k++)
        tot += Y[k] / 0.75;
    WG_ASSERT_CLOSE(g[7], tot, 1e-15, 1e-15);
    check_jacobians(t, 3, (wg_var[]){ a, b, s }, 1, &y);
    /* every kind of scalar op applies elementwise: unary, const, int, binary */
    wg_var p = wg_powi(t, wg_add_c(t, wg_exp(t, a), 1.5), 3);
    wg_var q = wg_atan2(t, p, wg_mul_c(t, b, 2.0));
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    check_jacobians(t, 2, (wg_var[]){ a, b }, 1, &q);
    wg_tape_free(t);
}

/* tangent and adjoint rules of every tensor op, at shapes that catch
 * transposes (non-square), broadcasting (size 1, missing axes) and
 * permutations that are not their own inverse */
static void rules_every_op(void)
{
    wg_tape *t = wg_tape_new();
    wg_var a = tin(t, 3, (size_t[]){ 2, 3, 4 }, 21), w = tin(t, 2, (size_t[]){ 4, 5 }, 22);
    wg_var bb = tin(t, 4, (size_t[]){ 3, 1, 5, 2 }, 23);
    wg_var ys[16];
    int n = 0;
    ys[n++] = wg_matmul(t, a, w);                             /* (2,3,5) */
    ys[n++] = wg_matmul(t, wg_matmul(t, a, w), bb);           /* batch (2,3)x(3,1) -> (3,2,3,2) */
    ys[n++] = wg_sum(t, wg_square(t, a), 2, (int[]){ 0, 2 }, 0);
    ys[n++] = wg_mean(t, wg_exp(t, a), 1, (int[]){ 1 }, 1);
    ys[n++] = wg_max_reduce(t, a, 2, 0);
    ys[n++] = wg_logsumexp(t, a, 1, 0);
    ys[n++] = wg_logsoftmax(t, a, -1);
    ys[n++] = wg_softmax(t, a, 0);
    ys[n++] = wg_sin(t, wg_reshape(t, a, 2, (size_t[]){ 4, 6 }));
    ys[n++] = wg_transpose(t, wg_mul(t, a, a), (int[]){ 1, 2, 0 });
    ys[n++] = wg_broadcast_to(t, wg_slice(t, a, 1, 1, 2), 4, (size_t[]){ 3, 2, 1, 4 });
    ys[n++] = wg_concat(t, 2, (wg_var[]){ wg_tanh(t, a), a }, 2);
    ys[n++] = wg_stack(t, 2, (wg_var[]){ a, wg_cos(t, a) }, 1);
    ys[n++] = wg_matmul(t, wg_sum(t, w, 1, (int[]){ 1 }, 0), wg_slice(t, w, 1, 1, 3));
    ys[n++] = wg_mul(t, wg_argmax_mask(t, a, 1), a);         /* derivative: the mask */
    if (wg_status(t) != WG_OK)
        fprintf(stderr, "\n  %s\n", wg_errmsg(t));
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    for (int k = 0; k < n; k++)
        check_jacobians(t, 3, (wg_var[]){ a, w, bb }, 1, &ys[k]);
    /* all at once: several tensor outputs of one tape */
    check_jacobians(t, 3, (wg_var[]){ a, w, bb }, (size_t)n, ys);
    wg_tape_free(t);
}

/* the derivative of max_reduce at a tie goes to the first maximal element */
static void max_reduce_tie(void)
{
    wg_tape *t = wg_tape_new();
    double v[5] = { 1, 3, 2, 3, 3 };
    wg_var x = wg_tensor_input(t, 1, (size_t[]){ 5 }, v);
    wg_var m = wg_max_reduce(t, x, 0, 0);
    double g[5], u[5] = { 0, 0, 0, 1, 0 }, yd;
    CU_ASSERT_EQUAL(wg_grad(t, m, 1, &x, g), WG_OK);
    CU_ASSERT(g[0] == 0 && g[1] == 1 && g[2] == 0 && g[3] == 0 && g[4] == 0);
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, u, 1, &m, &yd), WG_OK);
    CU_ASSERT_EQUAL(yd, 0);
    u[1] = 1;
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, u, 1, &m, &yd), WG_OK);
    CU_ASSERT_EQUAL(yd, 1);
    wg_tape_free(t);
}

/* argmax_mask: 1 at the first maximal element along the axis, 0
 * elsewhere, a's shape; ties go to the first, as max_reduce's derivative;
 * an empty axis gives an empty mask; its tangent and adjoint are 0, and a
 * replay moves the 1 with the maximum */
static void argmax_mask_values(void)
{
    wg_tape *t = wg_tape_new();
    double v[8] = { 1, 3, 2, 3,
                    5, -2, 2, -2 };
    wg_var x = wg_tensor_input(t, 2, (size_t[]){ 2, 4 }, v);
    wg_var m1 = wg_argmax_mask(t, x, 1), m0 = wg_argmax_mask(t, x, -2);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    size_t d[WG_MAX_RANK];
    CU_ASSERT_EQUAL(wg_shape(t, m1, d), 2);
    CU_ASSERT(d[0] == 2 && d[1] == 4);
    CU_ASSERT_EQUAL(wg_node_op(t, wg_var_index(t, m1)), WG_OP_ARGMAX_MASK);
    static const double want1[8] = { 0, 1, 0, 0, 1, 0, 0, 0 };  /* row 0: a tie of 3s */
    static const double want0[8] = { 0, 1, 1, 1, 1, 0, 0, 0 };  /* column 2: a tie of 2s */
    double M[8];
    wg_tensor_value(t, m1, M);
    for (int k = 0; k < 8; k++)
        CU_ASSERT_EQUAL(M[k], want1[k]);
    wg_tensor_value(t, m0, M);
    for (int k = 0; k < 8; k++)
        CU_ASSERT_EQUAL(M[k], want0[k]);

    /* derivative 0: alone, and inside sum(mask * x), whose gradient is the
     * mask (through the other factor only) */
    wg_var s = wg_sum(t, m1, 0, NULL, 0);
    wg_var y = wg_sum(t, wg_mul(t, m1, x), 0, NULL, 0);
    double g[8], u[8] = { 1, -2, 3, 0.5, 1, 1, -1, 2 }, yd, J[64];
    CU_ASSERT_EQUAL(wg_grad(t, s, 1, &x, g), WG_OK);
    for (int k = 0; k < 8; k++)
        CU_ASSERT_EQUAL(g[k], 0);
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, u, 1, &s, &yd), WG_OK);
    CU_ASSERT_EQUAL(yd, 0);
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, 1, &m0, 1, &x, J), WG_OK);
    for (int k = 0; k < 64; k++)
        CU_ASSERT_EQUAL(J[k], 0);
    CU_ASSERT_EQUAL(wg_jacobian_rev(t, 1, &m0, 1, &x, J), WG_OK);
    for (int k = 0; k < 64; k++)
        CU_ASSERT_EQUAL(J[k], 0);
    CU_ASSERT_EQUAL(wg_grad(t, y, 1, &x, g), WG_OK);
    for (int k = 0; k < 8; k++)
        CU_ASSERT_EQUAL(g[k], want1[k]);
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, u, 1, &y, &yd), WG_OK);
    CU_ASSERT_EQUAL(yd, u[1] + u[4]);

    /* a replay: the maximum of row 0 moves to element 2, no WG_EBRANCH */
    double v2[8] = { 1, 3, 4, 3, 5, -2, 2, -2 };
    CU_ASSERT_EQUAL(wg_eval(t, 1, &x, v2), WG_OK);
    wg_tensor_value(t, m1, M);
    CU_ASSERT(M[1] == 0 && M[2] == 1 && M[4] == 1);
    CU_ASSERT_EQUAL(wg_value(t, y), 4 + 5);
    CU_ASSERT_EQUAL(wg_eval(t, 1, &x, v), WG_OK);

    /* +0 and -0 tie: the first */
    wg_var z = wg_tensor_input(t, 1, (size_t[]){ 2 }, (double[]){ -0.0, 0.0 });
    wg_tensor_value(t, wg_argmax_mask(t, z, 0), M);
    CU_ASSERT(M[0] == 1 && M[1] == 0);

    /* 0-size axes: the mask is empty, whichever axis is empty */
    wg_var e = wg_tensor_input(t, 2, (size_t[]){ 2, 0 }, NULL);
    wg_var f = wg_tensor_input(t, 2, (size_t[]){ 0, 3 }, NULL);
    wg_var me = wg_argmax_mask(t, e, 1), mf = wg_argmax_mask(t, f, 1);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_shape(t, me, d), 2);
    CU_ASSERT(d[0] == 2 && d[1] == 0);
    CU_ASSERT_EQUAL(wg_numel(t, me), 0u);
    CU_ASSERT_EQUAL(wg_numel(t, mf), 0u);
    wg_var L = wg_add(t, wg_sum(t, me, 0, NULL, 0), wg_sum(t, wg_mul(t, m1, x), 0, NULL, 0));
    CU_ASSERT_EQUAL(wg_grad(t, L, 1, &x, g), WG_OK);
    for (int k = 0; k < 8; k++)
        CU_ASSERT_EQUAL(g[k], want1[k]);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    wg_tape_free(t);

    /* a scalar has no axis */
    t = wg_tape_new();
    wg_var r0 = wg_input(t, 1);
    CU_ASSERT_EQUAL(wg_argmax_mask(t, r0, 0).id, 0u);
    CU_ASSERT_EQUAL(wg_status(t), WG_ESHAPE);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "(argmax_mask)"));
    CU_ASSERT_EQUAL(wg_tape_size(t), 1);
    wg_tape_free(t);
}

/* rank 8 with size-1 axes broadcasting, rank 0 tensors, 0-size axes */
static void extreme_shapes(void)
{
    wg_tape *t = wg_tape_new();
    size_t s8[8] = { 1, 2, 1, 2, 1, 2, 1, 2 }, s8b[8] = { 2, 1, 2, 1, 2, 1, 2, 1 };
    wg_var a = tin(t, 8, s8, 31), b = tin(t, 8, s8b, 32);
    wg_var y = wg_sum(t, wg_mul(t, wg_exp(t, a), b), 3, (int[]){ 0, 3, 7 }, 1);
    size_t d[WG_MAX_RANK];
    CU_ASSERT_EQUAL(wg_shape(t, y, d), 8);
    CU_ASSERT_EQUAL(wg_numel(t, wg_mul(t, a, b)), 256u);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    check_jacobians(t, 2, (wg_var[]){ a, b }, 1, &y);
    /* rank 0 through the tensor API is a scalar node */
    double one = 2.5;
    wg_var r0 = wg_tensor_input(t, 0, NULL, &one);
    CU_ASSERT_EQUAL(wg_shape(t, r0, d), 0);
    CU_ASSERT_EQUAL(wg_value(t, r0), 2.5);
    /* wg_value reads one-element nodes only */
    wg_var one1 = wg_tensor_input(t, 2, (size_t[]){ 1, 1 }, &one);
    CU_ASSERT_EQUAL(wg_value(t, one1), 2.5);
    CU_ASSERT(isnan(wg_value(t, a)));
    wg_var z = wg_sum(t, wg_mul(t, a, r0), 0, NULL, 0);   /* rank-0 tensor op result */
    wg_var z2 = wg_sin(t, z);                              /* a scalar op on it */
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    check_jacobians(t, 2, (wg_var[]){ a, r0 }, 1, &z2);
    /* 0-size axes: values and derivatives of empty tensors */
    wg_var e = wg_tensor_input(t, 2, (size_t[]){ 0, 3 }, NULL);
    wg_var c = tin(t, 1, (size_t[]){ 3 }, 33);
    wg_var ec = wg_add(t, e, c);
    CU_ASSERT_EQUAL(wg_numel(t, ec), 0u);
    wg_var s0 = wg_sum(t, ec, 1, (int[]){ 0 }, 0);         /* (3) of zeros */
    wg_var mm = wg_matmul(t, wg_transpose(t, e, NULL), e); /* (3,0)@(0,3): zeros */
    double S[3], MM[9];
    wg_tensor_value(t, s0, S);
    wg_tensor_value(t, mm, MM);
    CU_ASSERT(S[0] == 0 && S[1] == 0 && S[2] == 0);
    for (int k = 0; k < 9; k++)
        CU_ASSERT_EQUAL(MM[k], 0);
    wg_var L = wg_add(t, wg_sum(t, wg_add(t, s0, c), 0, NULL, 0), wg_sum(t, mm, 0, NULL, 0));
    double g[3];
    CU_ASSERT_EQUAL(wg_grad(t, L, 2, (wg_var[]){ e, c }, g), WG_OK);  /* e has no elements */
    CU_ASSERT(g[0] == 1 && g[1] == 1 && g[2] == 1);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    wg_tape_free(t);
}

/* ---------------------------------------------------------------- errors */

static void expect_fail(wg_tape *t, wg_var v, int status, const char *text, size_t n_before)
{
    CU_ASSERT_EQUAL(v.id, 0u);
    CU_ASSERT_EQUAL(wg_status(t), status);
    if (!strstr(wg_errmsg(t), text))
        fprintf(stderr, "\n  message \"%s\" lacks \"%s\"\n", wg_errmsg(t), text);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), text));
    CU_ASSERT_EQUAL(wg_tape_size(t), n_before);     /* nothing half-recorded */
}

static void shape_errors(void)
{
    struct { int op; const char *text; } cases[] = {
        { 0, "node 2 (matmul): shapes 3x4 and 5x2 do not fit" },
        { 1, "node 2 (add): shapes 3x4 and 5x2 do not broadcast" },
        { 2, "node 2 (reshape): shape 3x4 cannot become 5x2" },
        { 3, "node 2 (sum): operand of shape 3x4: axis 2 is out of range" },
        { 4, "node 2 (slice): operand of shape 3x4: range 2:5 does not lie in 0:4" },
        { 5, "node 2 (concat): shapes 3x4 and 5x2 do not fit along axis 0" },
        { 6, "node 2 (transpose): operand of shape 3x4: perm is not a permutation" },
        { 7, "node 2 (broadcast_to): shape 3x4 does not broadcast to 5x2" },
        { 8, "node 1 (softmax): operand of shape scalar: needs an operand of rank >= 1" },
        { 9, "node 2 (sum): operand of shape 3x4: axis -1 is named twice" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        wg_tape *t = wg_tape_new();
        wg_var a = tin(t, 2, (size_t[]){ 3, 4 }, 41), b = tin(t, 2, (size_t[]){ 5, 2 }, 42), r;
        if (cases[k].op == 8) {
            wg_tape_clear(t);
            a = wg_input(t, 1);
        }
        size_t n0 = wg_tape_size(t);
        switch (cases[k].op) {
        case 0: r = wg_matmul(t, a, b); break;
        case 1: r = wg_add(t, a, b); break;
        case 2: r = wg_reshape(t, a, 2, (size_t[]){ 5, 2 }); break;
        case 3: r = wg_sum(t, a, 1, (int[]){ 2 }, 0); break;
        case 4: r = wg_slice(t, a, 1, 2, 5); break;
        case 5: r = wg_concat(t, 2, (wg_var[]){ a, b }, 0); break;
        case 6: r = wg_transpose(t, a, (int[]){ 1, 1 }); break;
        case 7: r = wg_broadcast_to(t, a, 2, (size_t[]){ 5, 2 }); break;
        case 8: r = wg_softmax(t, a, 0); break;
        default: r = wg_sum(t, a, 2, (int[]){ 1, -1 }, 0); break;
        }
        (void)b;
        expect_fail(t, r, WG_ESHAPE, cases[k].text, n0);
        wg_tape_free(t);
    }
    /* size limits: an element count above WG_MAX_ELEMENTS, before any allocation */
    wg_tape *t = wg_tape_new();
    wg_var a = tin(t, 2, (size_t[]){ 3, 4 }, 43);
    size_t huge[3] = { (size_t)1 << 21, (size_t)1 << 21, 3 };
    wg_var r = wg_broadcast_to(t, wg_reshape(t, a, 3, (size_t[]){ 1, 1, 12 }), 3,
                               (size_t[]){ huge[0], huge[1], 12 });
    CU_ASSERT_EQUAL(r.id, 0u);
    CU_ASSERT_EQUAL(wg_status(t), WG_ELIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "2097152x2097152x12"));
    CU_ASSERT_EQUAL(wg_tape_size(t), 2u);
    wg_tape_clear(t);
    size_t wrap[2] = { SIZE_MAX / 2, 4 };
    CU_ASSERT_EQUAL(wg_tensor_input(t, 2, wrap, (double[]){ 0 }).id, 0u);
    CU_ASSERT(wg_status(t) == WG_ELIMIT || wg_status(t) == WG_EINVAL);
    CU_ASSERT_EQUAL(wg_tape_size(t), 0u);
    /* domains per element: the message names the element */
    wg_tape_clear(t);
    double v[3] = { 1, -2, 3 };
    wg_var x = wg_tensor_input(t, 1, (size_t[]){ 3 }, v);
    wg_log(t, x);
    CU_ASSERT_EQUAL(wg_status(t), WG_EDOM);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "node 1 (log): element 1: argument -2"));
    wg_tape_clear(t);
    double nan_in[2] = { 1, NAN };
    CU_ASSERT_EQUAL(wg_tensor_input(t, 1, (size_t[]){ 2 }, nan_in).id, 0u);
    CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "element 1"));
    wg_tape_free(t);
}

/* an allocator that fails after a budget of calls */
typedef struct { long budget; } fail_ctx;
static void *fail_realloc(void *ctx, void *p, size_t size)
{
    fail_ctx *c = ctx;
    if (c->budget-- <= 0)
        return NULL;
    return realloc(p, size);
}
static void fail_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static wg_var record_net(wg_tape *t, wg_var *x)
{
    size_t sx[2] = { 40, 30 }, sw[2] = { 30, 20 };
    double *X = rnd_array(1200, 51), *W = rnd_array(600, 52);
    x[0] = wg_tensor_input(t, 2, sw, W);
    wg_var X0 = wg_tensor_const(t, 2, sx, X);
    wg_var z = wg_tanh(t, wg_matmul(t, X0, x[0]));
    wg_var l = wg_logsoftmax(t, wg_concat(t, 2, (wg_var[]){ z, z }, 1), 1);
    free(X);
    free(W);
    return wg_mean(t, l, 0, NULL, 0);
}

static void enomem_injection(void)
{
    wg_var x, yref;
    wg_tape *ref = wg_tape_new();
    yref = record_net(ref, &x);
    double want = wg_value(ref, yref);
    int succeeded = 0;
    for (long budget = 0; budget < 200 && !succeeded; budget++) {
        fail_ctx c = { budget };
        wg_allocator al = { fail_realloc, fail_free, &c };
        wg_tape *t = wg_tape_new_with(&al);
        if (!t)
            continue;
        wg_var y = record_net(t, &x);
        int s = wg_status(t);
        CU_ASSERT(s == WG_OK || s == WG_ENOMEM);
        if (s == WG_ENOMEM) {
            CU_ASSERT_EQUAL(y.id, 0u);
            /* what was recorded before the failure is whole */
            for (size_t i = 0; i < wg_tape_size(t); i++)
                CU_ASSERT_EQUAL(wg_node_op(t, i), wg_node_op(ref, i));
            /* and the tape records again once memory is back */
            c.budget = 1000;
            wg_tape_clear(t);
            wg_var y2 = record_net(t, &x);
            CU_ASSERT_EQUAL(wg_status(t), WG_OK);
            CU_ASSERT_EQUAL(wg_value(t, y2), want);
        } else {
            succeeded = 1;
            CU_ASSERT_EQUAL(wg_value(t, y), want);
            double g1[600];
            int gs = wg_grad(t, y, 1, &x, g1);
            CU_ASSERT(gs == WG_OK || gs == WG_ENOMEM);
        }
        wg_tape_free(t);
    }
    CU_ASSERT(succeeded);
    wg_tape_free(ref);
}

/* ---------------------------------------------------------------- replay, backward */

static void replay_and_branches(void)
{
    wg_tape *t = wg_tape_new(), *u = wg_tape_new();
    double A[6] = { 1, 2, 3, 4, 5, 6 }, B[6] = { 0.5, -1, 2, 0.25, 3, -2 };
    wg_var a = wg_tensor_input(t, 2, (size_t[]){ 2, 3 }, A);
    wg_var y = wg_softmax(t, wg_mul(t, wg_exp(t, a), a), 1);
    wg_var s = wg_logsumexp(t, y, 0, 0);
    CU_ASSERT_EQUAL(wg_eval(t, 1, &a, B), WG_OK);
    wg_var a2 = wg_tensor_input(u, 2, (size_t[]){ 2, 3 }, B);
    wg_var s2 = wg_logsumexp(u, wg_softmax(u, wg_mul(u, wg_exp(u, a2), a2), 1), 0, 0);
    double S[3], S2[3];
    wg_tensor_value(t, s, S);
    wg_tensor_value(u, s2, S2);
    for (int k = 0; k < 3; k++)
        CU_ASSERT_EQUAL(S[k], S2[k]);             /* same kernels, same order: bit for bit */
    /* a recorded tensor comparison: every element's outcome */
    wg_var zero = wg_const(t, 0.0);
    CU_ASSERT_EQUAL(wg_gt(t, a, zero), 0);       /* B has negative elements */
    CU_ASSERT_EQUAL(wg_eval(t, 1, &a, B), WG_OK);
    CU_ASSERT_EQUAL(wg_eval(t, 1, &a, A), WG_EBRANCH);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "element 1"));
    CU_ASSERT_EQUAL(wg_eval(t, 1, &a, B), WG_OK);
    /* a domain error at the point names the element; the next point clears it */
    double C[6] = { 1, 2, 3, 4, 5, 6 };
    wg_var l = wg_log(t, a);
    (void)l;
    CU_ASSERT_EQUAL(wg_status(t), WG_EDOM);      /* B holds negatives: recorded there */
    wg_tape_free(t);
    t = wg_tape_new();
    a = wg_tensor_input(t, 2, (size_t[]){ 2, 3 }, C);
    l = wg_sum(t, wg_log(t, a), 0, NULL, 0);
    CU_ASSERT_EQUAL(wg_eval(t, 1, &a, B), WG_EDOM);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "element 1"));
    CU_ASSERT_EQUAL(wg_eval(t, 1, &a, A), WG_OK);
    WG_ASSERT_CLOSE(wg_value(t, l), log(720.0), 1e-15, 0);
    wg_tape_free(t);
    wg_tape_free(u);
}

static void backward_accumulates(void)
{
    wg_tape *t = wg_tape_new();
    wg_var w = tin(t, 2, (size_t[]){ 3, 2 }, 61), v = tin(t, 1, (size_t[]){ 2 }, 62);
    wg_var y = wg_sum(t, wg_sin(t, wg_matmul(t, w, v)), 0, NULL, 0);
    double g[8], gw[6], gv[2];
    CU_ASSERT_EQUAL(wg_grad(t, y, 2, (wg_var[]){ w, v }, g), WG_OK);
    CU_ASSERT_EQUAL(wg_backward(t, y, 1.0), WG_OK);
    CU_ASSERT_EQUAL(wg_backward(t, y, 1.0), WG_OK);
    CU_ASSERT_EQUAL(wg_grad_of_tensor(t, w, gw), WG_OK);
    CU_ASSERT_EQUAL(wg_grad_of_tensor(t, v, gv), WG_OK);
    for (int k = 0; k < 6; k++)
        CU_ASSERT_EQUAL(gw[k], 2 * g[k]);
    for (int k = 0; k < 2; k++)
        CU_ASSERT_EQUAL(gv[k], 2 * g[6 + k]);
    CU_ASSERT_EQUAL(wg_backward(t, w, 1.0), WG_ESHAPE);  /* not one element */
    wg_zero_grad(t);
    CU_ASSERT_EQUAL(wg_grad_of_tensor(t, w, gw), WG_OK);
    CU_ASSERT_EQUAL(gw[0], 0);
    wg_tape_free(t);
}

/* a tensor node costs its values plus at most 64 bytes; re-recording after
 * wg_tape_clear reuses the arena */
static void memory_per_node(void)
{
    wg_tape *t = wg_tape_new();
    wg_var a = tin(t, 2, (size_t[]){ 100, 50 }, 71);
    size_t b0 = wg_tape_bytes(t);
    wg_var b = wg_exp(t, a);
    size_t b1 = wg_tape_bytes(t);
    CU_ASSERT(b1 - b0 <= 5000 * sizeof(double) + 64);
    (void)b;
    size_t n = wg_tape_size(t);
    wg_tape_clear(t);
    a = tin(t, 2, (size_t[]){ 100, 50 }, 71);
    wg_exp(t, a);
    CU_ASSERT_EQUAL(wg_tape_size(t), n);
    CU_ASSERT_EQUAL(wg_tape_bytes(t), b1);
    wg_tape_free(t);
}

/* the README's example, smaller: a linear layer with bias broadcast over
 * rows, logsoftmax, a mean negative log-likelihood */
static void readme_example(void)
{
    wg_tape *t = wg_tape_new();
    size_t xs[2] = { 8, 12 }, ws[2] = { 12, 5 };
    double *xd = rnd_array(96, 81), *wd = rnd_array(60, 82), *bd = rnd_array(5, 83);
    double Yd[40] = { 0 };
    for (int r = 0; r < 8; r++)
        Yd[r * 5 + r % 5] = 1;
    wg_var X = wg_tensor_const(t, 2, xs, xd);
    wg_var W = wg_tensor_input(t, 2, ws, wd);
    wg_var b = wg_tensor_input(t, 1, (size_t[]){ 5 }, bd);
    wg_var Y = wg_tensor_const(t, 2, (size_t[]){ 8, 5 }, Yd);
    wg_var Z = wg_add(t, wg_matmul(t, X, W), b);
    wg_var L = wg_logsoftmax(t, Z, 1);
    wg_var loss = wg_mul_c(t, wg_sum(t, wg_mul(t, L, Y), 0, NULL, 0), -1.0 / 8);
    double g[65];
    CU_ASSERT_EQUAL(wg_grad(t, loss, 2, (wg_var[]){ W, b }, g), WG_OK);
    /* by hand: dloss/dZ = (softmax(Z) - Y) / 8 */
    double Zv[40], Lv[40], dZ[40];
    wg_tensor_value(t, Z, Zv);
    wg_tensor_value(t, L, Lv);
    for (int k = 0; k < 40; k++)
        dZ[k] = (exp(Lv[k]) - Yd[k]) / 8;
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 5; j++) {
            double s = 0;
            for (int r = 0; r < 8; r++)
                s += xd[r * 12 + i] * dZ[r * 5 + j];
            WG_ASSERT_CLOSE(g[i * 5 + j], s, 1e-13, 1e-15);
        }
    for (int j = 0; j < 5; j++) {
        double s = 0;
        for (int r = 0; r < 8; r++)
            s += dZ[r * 5 + j];
        WG_ASSERT_CLOSE(g[60 + j], s, 1e-13, 1e-15);
    }
    check_jacobians(t, 2, (wg_var[]){ W, b }, 1, &loss);
    free(xd);
    free(wd);
    free(bd);
    wg_tape_free(t);
}

/* a constant tensor recorded after an input gets no adjoint in the sweep,
 * unless the caller asks for it: then it is the right one */
static void constants_after_inputs(void)
{
    wg_tape *t = wg_tape_new(), *u = wg_tape_new();
    double *X = rnd_array(12, 95), *W = rnd_array(8, 96);
    wg_var w = wg_tensor_input(t, 2, (size_t[]){ 4, 2 }, W);
    wg_var x = wg_tensor_const(t, 2, (size_t[]){ 3, 4 }, X);
    wg_var y = wg_sum(t, wg_tanh(t, wg_matmul(t, wg_exp(t, x), w)), 0, NULL, 0);
    wg_var xu = wg_tensor_input(u, 2, (size_t[]){ 3, 4 }, X);   /* the same, x an input */
    wg_var wu = wg_tensor_input(u, 2, (size_t[]){ 4, 2 }, W);
    wg_var yu = wg_sum(u, wg_tanh(u, wg_matmul(u, wg_exp(u, xu), wu)), 0, NULL, 0);
    double g[20], gu[20];
    CU_ASSERT_EQUAL(wg_grad(t, y, 1, &w, g), WG_OK);
    CU_ASSERT_EQUAL(wg_grad(u, yu, 1, &wu, gu), WG_OK);
    for (int k = 0; k < 8; k++)
        CU_ASSERT_EQUAL(g[k], gu[k]);
    CU_ASSERT_EQUAL(wg_grad(t, y, 2, (wg_var[]){ w, x }, g), WG_OK);
    CU_ASSERT_EQUAL(wg_grad(u, yu, 2, (wg_var[]){ wu, xu }, gu), WG_OK);
    for (int k = 0; k < 20; k++)
        CU_ASSERT_EQUAL(g[k], gu[k]);
    double gx[12];                              /* and after the sweep, inspection */
    for (int e = 0; e < 12; e++)
        gx[e] = wg_node_adjoint_at(t, wg_var_index(t, x), (size_t)e);
    for (int k = 0; k < 12; k++)
        CU_ASSERT_EQUAL(gx[k], gu[8 + k]);
    free(X);
    free(W);
    wg_tape_free(t);
    wg_tape_free(u);
}

/* every tensor node's attributes rebuild it through wg_apply_tensor: same
 * op, shape and values */
static void attrs_round_trip(void)
{
    wg_tape *t = wg_tape_new();
    wg_var a = tin(t, 3, (size_t[]){ 2, 3, 4 }, 91), w = tin(t, 2, (size_t[]){ 4, 2 }, 92);
    wg_matmul(t, a, w);
    wg_sum(t, a, 2, (int[]){ 0, 2 }, 1);
    wg_sum(t, a, 0, NULL, 0);
    wg_mean(t, a, 1, (int[]){ -2 }, 0);
    wg_max_reduce(t, a, 2, 1);
    wg_logsumexp(t, a, 0, 0);
    wg_logsoftmax(t, a, 1);
    wg_softmax(t, a, 2);
    wg_reshape(t, a, 2, (size_t[]){ 8, 3 });
    wg_transpose(t, a, (int[]){ 2, 0, 1 });
    wg_broadcast_to(t, w, 3, (size_t[]){ 5, 4, 2 });
    wg_slice(t, a, 2, 1, 3);
    wg_concat(t, 2, (wg_var[]){ a, a }, 1);
    wg_argmax_mask(t, a, -1);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    size_t n = wg_tape_size(t);
    char seen[WG_OP_COUNT] = { 0 };
    for (size_t i = 0; i < n; i++) {
        wg_op op = wg_node_op(t, i);
        wg_op_kind k = wg_op_kind_of(op);
        wg_tensor_attrs at;
        if (k != WG_KIND_TUNARY && k != WG_KIND_TBINARY) {
            CU_ASSERT_EQUAL(wg_node_attrs(t, i, &at), WG_EINVAL);
            continue;
        }
        seen[op] = 1;
        CU_ASSERT_EQUAL_FATAL(wg_node_attrs(t, i, &at), WG_OK);
        wg_var x = wg_tape_var(t, wg_node_arg(t, i, 0));
        wg_var y = k == WG_KIND_TBINARY ? wg_tape_var(t, wg_node_arg(t, i, 1)) : x;
        wg_var r = wg_apply_tensor(t, op, x, y, &at);
        CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
        size_t j = wg_var_index(t, r), d1[WG_MAX_RANK], d2[WG_MAX_RANK];
        CU_ASSERT_EQUAL(wg_node_op(t, j), op);
        int r1 = wg_node_shape(t, i, d1), r2 = wg_node_shape(t, j, d2);
        CU_ASSERT_EQUAL(r1, r2);
        CU_ASSERT(memcmp(d1, d2, sizeof(size_t) * (size_t)r1) == 0);
        size_t ne = wg_node_numel(t, i);
        CU_ASSERT(memcmp(wg_node_values(t, i), wg_node_values(t, j), ne * sizeof(double)) == 0);
    }
    for (int op = 0; op < WG_OP_COUNT; op++) {       /* every tensor row */
        wg_op_kind k = wg_op_kind_of((wg_op)op);
        if ((k == WG_KIND_TUNARY || k == WG_KIND_TBINARY) && !seen[op])
            fprintf(stderr, "\n  tensor row %s is not rebuilt here\n", wg_op_name((wg_op)op));
        CU_ASSERT(seen[op] == (k == WG_KIND_TUNARY || k == WG_KIND_TBINARY));
    }
    /* wg_apply records matmul, and refuses a tensor op that needs attributes */
    CU_ASSERT(wg_apply(t, WG_OP_MATMUL, a, w, 0).id != 0);
    CU_ASSERT_EQUAL(wg_apply(t, WG_OP_SUM, a, a, 0).id, 0u);
    CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_apply_tensor"));
    wg_tape_free(t);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "matmul values: batch broadcasting, 1-D operands", matmul_values },
        { "reductions and the softmax family against naive loops", reduction_values },
        { "transpose, reshape, slice, broadcast_to, concat, stack", layout_values },
        { "elementwise broadcasting; adjoints summed over stretched axes", broadcast_elementwise },
        { "every tensor op: forward = reverse = central differences", rules_every_op },
        { "max_reduce: a tie sends the derivative to the first maximum", max_reduce_tie },
        { "argmax_mask: ties to the first, 0-size axes, derivative 0", argmax_mask_values },
        { "rank 8, rank 0, 0-size axes", extreme_shapes },
        { "WG_ESHAPE / WG_ELIMIT / WG_EDOM messages, nothing half-recorded", shape_errors },
        { "ENOMEM at every allocation leaves a whole tape", enomem_injection },
        { "wg_eval on tensors, recorded tensor comparisons", replay_and_branches },
        { "wg_backward and wg_grad_of_tensor accumulate", backward_accumulates },
        { "memory: values + <= 64 bytes a node; clear reuses", memory_per_node },
        { "the README example: gradient by hand", readme_example },
        { "wg_node_attrs / wg_apply_tensor rebuild every tensor op", attrs_round_trip },
        { "constant tensors: no adjoint unless asked for", constants_after_inputs },
        { NULL, NULL }
    };
    return wg_test_main("tensor", cases);
}
