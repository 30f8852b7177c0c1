/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmm_tensor_objective.c -- the GMM objective (gmm_objective_body.h) with
 * tensor ops: a few nodes per column of Q and a few dozen besides, for all
 * points and components at once.
 *
 * Q_k^T is joined, row by row of Q_k^T, from slices of exp(q) and of the
 * packed lower triangle l and constant zeros (one concat, one reshape): a
 * 0/1 scatter matrix would be d^2 x d(d-1)/2 (66 MB at d = 64) and cost
 * more than the objective.  Then, for the norms |Q_k (mu_k - x_i)|:
 *   centered  (mu_k - x_i) for all k, i by broadcasting, a (K, n, d)
 *             tensor, times Q_k^T in one batched matmul: the textbook form;
 *   expanded  Q_k mu_k - Q_k x_i, where Q_k x_i for all k is one
 *             (n, d) @ (d, K d) product: one large product in the reverse
 *             sweep where the centered form needs two; the price is the
 *             rounding of a difference of two products instead of a product
 *             of a difference, harmless while |Q_k x_i| and
 *             |Q_k (mu_k - x_i)| are of one size. */
#include "gmm_tensor_objective.h"

#include "gmm_objective.h"

#include <stdlib.h>

/* Q_k^T for every k, as a (K, d, d) tensor: row c of Q_k^T is column c of
 * Q_k = [0 (c of them), exp(q_kc), l_k's column c (d - c - 1 values)], and
 * l_k stores its strict lower triangle column by column, so every piece is
 * a contiguous slice of an input.  Building Q_k^T rather than Q_k is what
 * makes the pieces contiguous.  One concat of the 3 d - 2 pieces along the
 * flattened axis, then a reshape: no scatter matrix, whose (d d) x (d(d-1)/2)
 * zeros would cost more than the whole objective at d = 64.  The invalid
 * handle when out of memory. */
static wg_var record_qt(wg_tape *t, size_t K, size_t d, wg_var qdiag, wg_var l)
{
    wg_var *parts = malloc(3 * d * sizeof *parts), z = wg_const(t, 0.0), bad = { 0 };
    if (!parts)
        return bad;
    size_t np = 0, off = 0;
    for (size_t c = 0; c < d; c++) {
        if (c > 0) {
            size_t sz[2] = { K, c };
            parts[np++] = wg_broadcast_to(t, z, 2, sz);
        }
        parts[np++] = wg_slice(t, qdiag, 1, c, c + 1);
        if (c + 1 < d) {
            parts[np++] = wg_slice(t, l, 1, off, off + d - c - 1);
            off += d - c - 1;
        }
    }
    wg_var flat = wg_concat(t, np, parts, 1);
    free(parts);
    size_t s3[3] = { K, d, d };
    return wg_reshape(t, flat, 3, s3);
}

wg_var gmm_tensor_objective_form(wg_tape *t, const gmm_input *in, int form, wg_var x,
                                 wg_var alphas, wg_var means, wg_var icf)
{
    const size_t d = (size_t)in->d, K = (size_t)in->K, n = (size_t)in->n;
    const size_t nicf = gmm_icf_len(in->d);
    const int ax0 = 0, ax1 = 1, ax2 = 2;

    wg_var q = wg_slice(t, icf, 1, 0, d);                   /* (K, d) log diag of Q_k */
    wg_var l = nicf > d ? wg_slice(t, icf, 1, d, nicf) : q; /* (K, d(d-1)/2); unused at d = 1 */
    wg_var qdiag = wg_exp(t, q);
    wg_var sumq = wg_sum(t, q, 1, &ax1, 0);                 /* (K) log det Q_k */
    wg_var base = wg_add(t, alphas, sumq);                  /* (K) */
    wg_var qt = record_qt(t, K, d, qdiag, l);               /* (K, d, d) */
    if (!qt.id)
        return qt;

    size_t sk1d[3] = { K, 1, d }, sm[2] = { K, d };
    wg_var mu3 = wg_reshape(t, means, 3, sk1d);
    wg_var lse;
    if (form == GMM_TENSOR_CENTERED) {
        /* (K, n, d): row i of slab k is mu_k - x_i, whose norm under Q_k is
         * that of x_i - mu_k; then row i times Q_k^T is (Q_k (mu_k - x_i))^T */
        wg_var diff = wg_sub(t, mu3, x);
        wg_var y = wg_matmul(t, diff, qt);
        wg_var sq = wg_sum(t, wg_square(t, y), 1, &ax2, 0);  /* (K, n) */
        size_t sk1[2] = { K, 1 };
        wg_var term = wg_sub(t, wg_reshape(t, base, 2, sk1), wg_mul_c(t, sq, 0.5));
        lse = wg_logsumexp(t, term, 0, 0);                   /* (n) */
    } else {
        /* W = [Q_1^T ... Q_K^T] side by side, (d, K d): x W holds Q_k x_i
         * for every k in row i, one product over all components */
        static const int perm[3] = { 1, 0, 2 };
        size_t sw[2] = { d, K * d }, snkd[3] = { n, K, d };
        wg_var w = wg_reshape(t, wg_transpose(t, qt, perm), 2, sw);
        wg_var xw = wg_reshape(t, wg_matmul(t, x, w), 3, snkd);
        wg_var mw = wg_reshape(t, wg_matmul(t, mu3, qt), 2, sm);   /* (K, d) Q_k mu_k */
        wg_var y = wg_sub(t, mw, xw);                               /* (n, K, d) */
        wg_var sq = wg_sum(t, wg_square(t, y), 1, &ax2, 0);         /* (n, K) */
        wg_var term = wg_sub(t, base, wg_mul_c(t, sq, 0.5));
        lse = wg_logsumexp(t, term, 1, 0);                          /* (n) */
    }
    wg_var f = wg_sub(t, wg_sum(t, lse, 0, NULL, 0),
                      wg_mul_c(t, wg_logsumexp(t, alphas, 0, 0), (double)n));

    /* Wishart prior: 1/2 gamma^2 (|exp q|^2 + |l|^2) - m sum(q), over all k */
    wg_var ss = wg_sum(t, wg_square(t, qdiag), 0, NULL, 0);
    if (nicf > d)
        ss = wg_add(t, ss, wg_sum(t, wg_square(t, l), 0, NULL, 0));
    const double half_g2 = 0.5 * in->gamma * in->gamma;
    wg_var prior = wg_sub(t, wg_mul_c(t, ss, half_g2),
                          wg_mul_c(t, wg_sum(t, sumq, 1, &ax0, 0), (double)in->m));
    return wg_add_c(t, wg_add(t, f, prior), gmm_constant(in));
}

wg_var gmm_tensor_data(wg_tape *t, const gmm_input *in)
{
    size_t sx[2] = { (size_t)in->n, (size_t)in->d };
    return wg_tensor_const(t, 2, sx, in->x);
}

wg_var gmm_tensor_objective(wg_tape *t, const gmm_input *in, wg_var alphas, wg_var means,
                            wg_var icf)
{
    return gmm_tensor_objective_form(t, in, GMM_TENSOR_CENTERED, gmm_tensor_data(t, in), alphas,
                                     means, icf);
}

wg_var gmm_tensor_record(wg_tape *t, const gmm_input *in, const double *params, wg_var x[3])
{
    const size_t d = (size_t)in->d, K = (size_t)in->K, nicf = gmm_icf_len(in->d);
    size_t sa[1] = { K }, sm[2] = { K, d }, si[2] = { K, nicf };
    x[0] = wg_tensor_input(t, 1, sa, params);
    x[1] = wg_tensor_input(t, 2, sm, params + K);
    x[2] = wg_tensor_input(t, 2, si, params + K + K * d);
    return gmm_tensor_objective(t, in, x[0], x[1], x[2]);
}
