/* SPDX-License-Identifier: GPL-3.0-or-later */
/* builtin_tensor.c -- the builtin suite's tensor cases, as C functions:
 * the seeds' Z = X W, v = f(Z); a two-layer network with a softmax
 * cross-entropy; broadcasting and reductions; index maps; the ADBench GMM
 * objective in tensor form.
 *
 * A suite case's inputs are scalars (one value per name in a point), so
 * each case gathers its parameters into tensors with wg_stack and
 * wg_reshape: the check then differentiates with respect to every element,
 * through those index maps too.  Each lowers to a few hundred scalar nodes
 * (the limit of a lowering is 20 million), so the check stays fast. */
#include "builtin_suite.h"

#include "gmm_objective.h"
#include "gmm_tensor_objective.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* x[0..numel) as a tensor of the given shape */
static wg_var gather(wg_tape *t, const wg_var *x, int rank, const size_t *shape)
{
    size_t n = 1;
    for (int k = 0; k < rank; k++)
        n *= shape[k];
    return wg_reshape(t, wg_stack(t, n, x, 0), rank, shape);
}

/* names "P11", "P12", ... of an r x c parameter matrix (c = 0: a vector,
 * "P1", "P2", ...) into names[at ..]; returns the next free slot */
static size_t matrix_names(char (*names)[16], size_t at, const char *p, size_t r, size_t c)
{
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < (c ? c : 1); j++, at++) {
            if (c)
                snprintf(names[at], sizeof names[at], "%s_%zu%zu", p, i + 1, j + 1);
            else
                snprintf(names[at], sizeof names[at], "%s_%zu", p, i + 1);
        }
    return at;
}

/* a deterministic, irregular value in (-s, s): points and data that are
 * nowhere special (no ties, no kinks, no symmetric cancellation) */
static double spread(size_t k, double s)
{
    return s * sin(1.7 * (double)k + 0.3);
}

static int add_case(wg_suite *s, const char *name, wg_record_fn record, size_t n,
                    char (*names)[16], const double *point, size_t m)
{
    const char **np = malloc(n * sizeof *np);
    if (!np)
        return WG_ENOMEM;
    for (size_t j = 0; j < n; j++)
        np[j] = names[j];
    wg_suite_fn f = {
        .name = name, .record = record, .n = n, .names = np, .point = point, .m = m,
        .expect = WG_VERDICT_PASS
    };
    int st = wg_suite_add_fn(s, &f);
    free(np);
    return st;
}

/* ---------------------------------------------------------------- Z = X W, v = sum(tanh(Z)) */

static const double seed_X[12] = { 0.3, -1.2, 0.7, 1.1, 0.4, -0.5, -0.9, 0.2, 1.3, 0.6,
                                   -0.1, 0.8 };

/* the seeds' example: Z = X W with X (4x3) data and W (3x2) the
 * parameters, v = f(Z) = sum(tanh(Z)) */
static int record_xw(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    size_t sx[2] = { 4, 3 }, sw[2] = { 3, 2 };
    wg_var X = wg_tensor_const(t, 2, sx, seed_X);
    wg_var W = gather(t, x, 2, sw);
    y[0] = wg_sum(t, wg_tanh(t, wg_matmul(t, X, W)), 0, NULL, 0);
    return wg_status(t);
}

static int add_xw(wg_suite *s)
{
    char names[6][16];
    double point[6] = { 0.5, -0.4, 0.9, 0.1, -0.7, 0.3 };
    matrix_names(names, 0, "W", 3, 2);
    return add_case(s, "tensor seed Z = X W, v = sum(tanh(Z))", record_xw, 6, names, point, 1);
}

/* ---------------------------------------------------------------- a 2-layer network */

#define MLP_B 4
#define MLP_I 6
#define MLP_H 5
#define MLP_O 3
#define MLP_NP (MLP_I * MLP_H + MLP_H + MLP_H * MLP_O + MLP_O)

/* batch 4, 6 -> 5 (tanh) -> 3, logsoftmax, the mean negative
 * log-likelihood of the labels 0, 2, 1, 2 (a one-hot mask) */
static int record_mlp(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    double X[MLP_B * MLP_I], onehot[MLP_B * MLP_O] = { 0 };
    static const int label[MLP_B] = { 0, 2, 1, 2 };
    for (size_t k = 0; k < MLP_B * MLP_I; k++)
        X[k] = spread(k + 100, 1.5);
    for (int b = 0; b < MLP_B; b++)
        onehot[b * MLP_O + label[b]] = 1;
    size_t sx[2] = { MLP_B, MLP_I }, s1[2] = { MLP_I, MLP_H }, sb1[1] = { MLP_H };
    size_t s2[2] = { MLP_H, MLP_O }, sb2[1] = { MLP_O }, sy[2] = { MLP_B, MLP_O };
    const wg_var *p = x;
    wg_var W1 = gather(t, p, 2, s1);
    p += MLP_I * MLP_H;
    wg_var b1 = gather(t, p, 1, sb1);
    p += MLP_H;
    wg_var W2 = gather(t, p, 2, s2);
    p += MLP_H * MLP_O;
    wg_var b2 = gather(t, p, 1, sb2);
    wg_var Xc = wg_tensor_const(t, 2, sx, X), Yc = wg_tensor_const(t, 2, sy, onehot);
    wg_var H = wg_tanh(t, wg_add(t, wg_matmul(t, Xc, W1), b1));    /* b1 broadcast */
    wg_var LP = wg_logsoftmax(t, wg_add(t, wg_matmul(t, H, W2), b2), 1);
    const int ax1[1] = { 1 };
    y[0] = wg_neg(t, wg_mean(t, wg_sum(t, wg_mul(t, LP, Yc), 1, ax1, 0), 0, NULL, 0));
    return wg_status(t);
}

static int add_mlp(wg_suite *s)
{
    char names[MLP_NP][16];
    double point[MLP_NP];
    size_t at = matrix_names(names, 0, "W1", MLP_I, MLP_H);
    at = matrix_names(names, at, "b1", MLP_H, 0);
    at = matrix_names(names, at, "W2", MLP_H, MLP_O);
    matrix_names(names, at, "b2", MLP_O, 0);
    for (size_t k = 0; k < MLP_NP; k++)
        point[k] = spread(k, 0.6);
    return add_case(s, "tensor MLP 6-5-3 batch 4, NLL", record_mlp, MLP_NP, names, point, 1);
}

/* ---------------------------------------------------------------- broadcasting and reductions */

/* A (3x4) and b (4): a bias add that broadcasts b over the rows, row sums
 * kept as a 3x1 column that broadcasts back, a mean over rows, max_reduce,
 * softmax and logsumexp along each axis, broadcast_to, argmax_mask picking
 * an element of each row; two outputs */
static int record_reduce(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    size_t sa[2] = { 3, 4 }, sb[1] = { 4 };
    wg_var A = gather(t, x, 2, sa), b = gather(t, x + 12, 1, sb);
    const int ax0[1] = { 0 }, ax1[1] = { 1 };
    wg_var B = wg_add(t, A, b);
    wg_var S = wg_sum(t, B, 1, ax1, 1);                     /* 3x1 */
    wg_var C = wg_mul(t, B, wg_sigmoid(t, S));              /* 3x4 * 3x1 */
    wg_var M = wg_mean(t, C, 1, ax0, 0);                    /* 4 */
    wg_var mx = wg_max_reduce(t, C, 1, 0);                  /* 3 */
    wg_var P = wg_softmax(t, C, 0);                         /* columns sum to 1 */
    wg_var lse = wg_logsumexp(t, C, -1, 1);                 /* 3x1 */
    wg_var Mb = wg_broadcast_to(t, M, 2, sa);
    y[0] = wg_add(t, wg_add(t, wg_sum(t, wg_mul(t, P, Mb), 0, NULL, 0),
                            wg_sum(t, mx, 0, NULL, 0)),
                  wg_mean(t, lse, 0, NULL, 0));
    wg_var pick = wg_sum(t, wg_mul(t, wg_argmax_mask(t, C, 1), B), 0, NULL, 0);
    y[1] = wg_add(t, wg_sum(t, wg_square(t, wg_sub(t, M, wg_max_reduce(t, C, 0, 0))), 0, NULL, 0),
                  pick);
    return wg_status(t);
}

static int add_reduce(wg_suite *s)
{
    char names[16][16];
    double point[16];
    size_t at = matrix_names(names, 0, "A", 3, 4);
    matrix_names(names, at, "b", 4, 0);
    for (size_t k = 0; k < 16; k++)
        point[k] = spread(k + 40, 1.2);
    return add_case(s, "tensor broadcasting and reductions", record_reduce, 16, names, point,
                    2);
}

/* ---------------------------------------------------------------- index maps */

/* A, B (2x3): transpose, slice, concat, stack, reshape, and a matmul of
 * what they give */
static int record_maps(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    size_t s23[2] = { 2, 3 }, s34[2] = { 3, 4 };
    wg_var A = gather(t, x, 2, s23), B = gather(t, x + 6, 2, s23);
    wg_var T = wg_transpose(t, A, NULL);                    /* 3x2 */
    wg_var S1 = wg_slice(t, B, 1, 1, 3);                    /* 2x2 */
    wg_var parts[2] = { A, B };
    wg_var C = wg_concat(t, 2, parts, 0);                   /* 4x3 */
    wg_var R = wg_reshape(t, wg_stack(t, 2, parts, 2), 2, s34);   /* 2x3x2 -> 3x4 */
    wg_var v = wg_sum(t, wg_tanh(t, wg_matmul(t, T, S1)), 0, NULL, 0);
    wg_var w = wg_sum(t, wg_mul(t, C, wg_transpose(t, wg_cos(t, R), NULL)), 0, NULL, 0);
    y[0] = wg_add(t, v, w);
    return wg_status(t);
}

static int add_maps(wg_suite *s)
{
    char names[12][16];
    double point[12];
    size_t at = matrix_names(names, 0, "A", 2, 3);
    matrix_names(names, at, "B", 2, 3);
    for (size_t k = 0; k < 12; k++)
        point[k] = spread(k + 70, 1.1);
    return add_case(s, "tensor index maps", record_maps, 12, names, point, 1);
}

/* ---------------------------------------------------------------- ADBench GMM */

static const char gmm_case[] = "tensor ADBench GMM d=2 K=3 n=1";

static int record_gmm(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m;
    const gmm_input *in = ctx;
    size_t d = (size_t)in->d, K = (size_t)in->K, nicf = gmm_icf_len(in->d);
    size_t sa[1] = { K }, sm[2] = { K, d }, si[2] = { K, nicf };
    wg_var alphas = gather(t, x, 1, sa);
    wg_var means = gather(t, x + K, 2, sm);
    wg_var icf = gather(t, x + K + K * d, 2, si);
    y[0] = gmm_tensor_objective(t, in, alphas, means, icf);
    return wg_status(t);
}

int wg_builtin_add_tensor_cases(wg_suite *s, const char *data_dir)
{
    int st = add_xw(s);
    if (st == WG_OK)
        st = add_mlp(s);
    if (st == WG_OK)
        st = add_reduce(s);
    if (st == WG_OK)
        st = add_maps(s);
    if (st == WG_OK)
        st = wg_builtin_add_gmm(s, data_dir, gmm_case, record_gmm);
    return st;
}
