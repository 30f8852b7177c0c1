/* gmm_tensor_objective.c -- the GMM objective with tensor ops.
 *
 * Per point i and component k, with diff = mu_k - x_i (the norm of
 * Q_k (mu_k - x_i) is that of Q_k (x_i - mu_k), as in gmm_objective_body.h):
 *
 *   Q_k diff = exp(q_k) * diff + L_k diff,   L_k the strict lower triangle
 *
 * all at once over an n x K x d block: exp(q) broadcasts over the points,
 * the data over the components.  L_k is scattered from its packed column
 * order by a product with a constant 0/1 matrix (each entry of the product
 * is one l value times 1 plus zeros: exact), then applied as a batch of K
 * d x d matrices to the n x K column vectors (batch axes broadcast). */
#include "gmm_tensor_objective.h"

#include "gmm_objective.h"

#include <stdlib.h>

wg_var gmm_tensor_objective(wg_tape *t, const gmm_input *in, wg_var alphas, wg_var means,
                            wg_var icf)
{
    const size_t d = (size_t)in->d, K = (size_t)in->K, n = (size_t)in->n;
    const size_t nicf = gmm_icf_len(in->d), nl = nicf - d;
    const int ax1[1] = { 1 }, ax2[1] = { 2 };
    wg_var bad = { 0 };

    wg_var q = wg_slice(t, icf, 1, 0, d);                  /* K x d: log of Q's diagonal */
    wg_var sumq = wg_sum(t, q, 1, ax1, 0);                 /* K: log det Q_k */
    wg_var qd = wg_exp(t, q);                              /* K x d: Q's diagonal */
    wg_var base = wg_add(t, alphas, sumq);                 /* K: alpha_k + sum(q_k) */

    size_t sx[3] = { n, 1, d }, smu[3] = { 1, K, d };
    wg_var xc = wg_tensor_const(t, 3, sx, in->x);          /* the data, one row per point */
    wg_var diff = wg_sub(t, wg_reshape(t, means, 3, smu), xc);     /* n x K x d */
    wg_var qx = wg_mul(t, wg_reshape(t, qd, 3, smu), diff);
    wg_var l = bad;
    if (nl > 0) {
        /* S (nl x d*d): packed column order -> row-major position (r, c), r > c */
        double *S = calloc(nl * d * d, sizeof *S);
        if (!S)
            return bad;
        size_t idx = 0;
        for (size_t c = 0; c < d; c++)
            for (size_t r = c + 1; r < d; r++, idx++)
                S[idx * d * d + r * d + c] = 1;
        size_t ss[2] = { nl, d * d }, sL[3] = { K, d, d }, scol[4] = { n, K, d, 1 };
        wg_var Sc = wg_tensor_const(t, 2, ss, S);
        free(S);
        l = wg_slice(t, icf, 1, d, nicf);                  /* K x nl */
        wg_var L = wg_reshape(t, wg_matmul(t, l, Sc), 3, sL);
        wg_var Lx = wg_matmul(t, L, wg_reshape(t, diff, 4, scol));  /* n x K x d x 1 */
        size_t sq3[3] = { n, K, d };
        qx = wg_add(t, qx, wg_reshape(t, Lx, 3, sq3));
    }
    wg_var sq = wg_sum(t, wg_square(t, qx), 1, ax2, 0);   /* n x K: |Q_k (mu_k - x_i)|^2 */
    wg_var term = wg_sub(t, base, wg_mul_c(t, sq, 0.5));
    wg_var f = wg_sum(t, wg_logsumexp(t, term, 1, 0), 0, NULL, 0);
    f = wg_sub(t, f, wg_mul_c(t, wg_logsumexp(t, alphas, 0, 0), (double)n));

    /* Wishart prior: 1/2 gamma^2 (|exp q|^2 + |l|^2) - m sum(q), over every k */
    wg_var ss = wg_sum(t, wg_square(t, qd), 0, NULL, 0);
    if (nl > 0)
        ss = wg_add(t, ss, wg_sum(t, wg_square(t, l), 0, NULL, 0));
    const double half_g2 = 0.5 * in->gamma * in->gamma;
    wg_var prior = wg_sub(t, wg_mul_c(t, ss, half_g2),
                          wg_mul_c(t, wg_sum(t, sumq, 0, NULL, 0), (double)in->m));
    return wg_add_c(t, wg_add(t, f, prior), gmm_constant(in));
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
