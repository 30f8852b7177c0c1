/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmm_objective_body.h -- the GMM objective written once, over a number
 * type chosen by the includer.  Not a normal header: it is included once per
 * number type, each time after defining
 *
 *   GMM_REAL        the number type (double, wg_var, ...)
 *   GMM_CTX_DECL    leading parameter(s) the ops need, with a trailing comma,
 *                   or nothing;  GMM_CTX  the matching argument(s)
 *   GMM_SYM(name)   a unique name for each function defined here
 *   GMM_ADD GMM_SUB GMM_MUL GMM_SQUARE GMM_EXP GMM_LOG GMM_MAX GMM_STOP
 *                   the ops on two or one GMM_REAL (GMM_STOP: identity in
 *                   value, no derivative)
 *   GMM_ADD_C GMM_MUL_C   a GMM_REAL and a double constant
 *
 * and it defines GMM_SYM(objective)(GMM_CTX_DECL in, xs, scratch).  Every
 * instance performs the same operations in the same order; an instance whose
 * ops round like the double ones (wg_* do: lib/op_kernels.h) gives the same
 * value to the bit.  The code must stay valid C and C++. */

/* logsumexp_k v[k] = m + log sum_k exp(v[k] - m), m = max_k v[k].
 *
 * Subtracting the maximum keeps every exp() in (0, 1], so no term overflows
 * and the largest does not underflow.  Which m to subtract only matters for
 * rounding (logsumexp is invariant under a common shift), but it matters for
 * the derivative how m is recorded:
 *   - the max node itself: the adjoint of m is 1 - sum_k softmax_k, which is
 *     0 only up to rounding, and the argmax's derivative takes a detour
 *     through the max chain (and its tie convention);
 *   - m taken from values and recorded as a constant: right derivative, but
 *     a replay at a new point keeps the old shift, so exp() may overflow
 *     there and the replay no longer matches the objective computed afresh;
 *   - stop_gradient(max node), chosen here: m is recomputed at every replay,
 *     the gradient is exactly the softmax (nothing flows through m), and the
 *     reverse sweep skips the max chain, whose adjoints are all zero. */
static GMM_REAL GMM_SYM(logsumexp)(GMM_CTX_DECL const GMM_REAL *v, int K)
{
    GMM_REAL m = v[0];
    for (int k = 1; k < K; k++)
        m = GMM_MAX(m, v[k]);
    m = GMM_STOP(m);
    GMM_REAL s = GMM_EXP(GMM_SUB(v[0], m));
    for (int k = 1; k < K; k++)
        s = GMM_ADD(s, GMM_EXP(GMM_SUB(v[k], m)));
    return GMM_ADD(GMM_LOG(s), m);
}

/* logsumexp_k(alpha_k + sum(q_k) - 1/2 |Q_k (x_i - mu_k)|^2) for point i.
 * Q_k (mu_k - x_i) = -Q_k (x_i - mu_k) has the same norm and costs one
 * op per coordinate (mu + (-x), exact) where x - mu would need x recorded
 * as a constant first. */
static GMM_REAL GMM_SYM(point)(GMM_CTX_DECL const gmm_input *in, int i, const GMM_REAL *means,
                               const GMM_REAL *icf, const GMM_REAL *qdiag,
                               const GMM_REAL *base, GMM_REAL *term, GMM_REAL *diff,
                               GMM_REAL *qx)
{
    const int d = in->d, K = in->K;
    const size_t nicf = gmm_icf_len(d);
    const double *xi = in->x + (size_t)i * (size_t)d;
    for (int k = 0; k < K; k++) {
        const GMM_REAL *mu = means + (size_t)k * (size_t)d;
        const GMM_REAL *qd = qdiag + (size_t)k * (size_t)d;
        const GMM_REAL *l = icf + (size_t)k * nicf + (size_t)d;
        for (int j = 0; j < d; j++) {
            diff[j] = GMM_ADD_C(mu[j], -xi[j]);
            qx[j] = GMM_MUL(qd[j], diff[j]);
        }
        /* l holds the strict lower triangle column by column */
        size_t idx = 0;
        for (int c = 0; c < d; c++)
            for (int r = c + 1; r < d; r++, idx++)
                qx[r] = GMM_ADD(qx[r], GMM_MUL(l[idx], diff[c]));
        GMM_REAL sq = GMM_SQUARE(qx[0]);
        for (int j = 1; j < d; j++)
            sq = GMM_ADD(sq, GMM_SQUARE(qx[j]));
        term[k] = GMM_SUB(base[k], GMM_MUL_C(sq, 0.5));
    }
    return GMM_SYM(logsumexp)(GMM_CTX term, K);
}

static GMM_REAL GMM_SYM(objective)(GMM_CTX_DECL const gmm_input *in, const GMM_REAL *xs,
                                   GMM_REAL *scratch)
{
    const int d = in->d, K = in->K, n = in->n;
    const size_t nicf = gmm_icf_len(d), Kd = (size_t)K * (size_t)d;
    const GMM_REAL *alphas = xs, *means = xs + K, *icf = xs + K + Kd;
    GMM_REAL *qdiag = scratch;          /* K x d: exp(q_k), the diagonal of Q_k */
    GMM_REAL *sumq = qdiag + Kd;        /* K: sum(q_k) = log det Q_k */
    GMM_REAL *base = sumq + K;          /* K: alpha_k + sum(q_k) */
    GMM_REAL *term = base + K;          /* K: one point's terms */
    GMM_REAL *diff = term + K;          /* d: mu_k - x_i */
    GMM_REAL *qx = diff + d;            /* d: Q_k (mu_k - x_i) */

    /* what does not depend on the point, once: K d exps instead of n K d */
    for (int k = 0; k < K; k++) {
        const GMM_REAL *q = icf + (size_t)k * nicf;
        GMM_REAL *qd = qdiag + (size_t)k * (size_t)d;
        sumq[k] = q[0];
        qd[0] = GMM_EXP(q[0]);
        for (int j = 1; j < d; j++) {
            sumq[k] = GMM_ADD(sumq[k], q[j]);
            qd[j] = GMM_EXP(q[j]);
        }
        base[k] = GMM_ADD(alphas[k], sumq[k]);
    }

    GMM_REAL f = GMM_SYM(point)(GMM_CTX in, 0, means, icf, qdiag, base, term, diff, qx);
    for (int i = 1; i < n; i++)
        f = GMM_ADD(f, GMM_SYM(point)(GMM_CTX in, i, means, icf, qdiag, base, term, diff, qx));
    f = GMM_SUB(f, GMM_MUL_C(GMM_SYM(logsumexp)(GMM_CTX alphas, K), (double)n));

    /* Wishart prior: 1/2 gamma^2 (|exp q_k|^2 + |l_k|^2) - m sum(q_k) */
    const double half_g2 = 0.5 * in->gamma * in->gamma;
    for (int k = 0; k < K; k++) {
        const GMM_REAL *qd = qdiag + (size_t)k * (size_t)d;
        const GMM_REAL *l = icf + (size_t)k * nicf + (size_t)d;
        GMM_REAL ss = GMM_SQUARE(qd[0]);
        for (int j = 1; j < d; j++)
            ss = GMM_ADD(ss, GMM_SQUARE(qd[j]));
        for (size_t j = 0; j < nicf - (size_t)d; j++)
            ss = GMM_ADD(ss, GMM_SQUARE(l[j]));
        f = GMM_ADD(f, GMM_SUB(GMM_MUL_C(ss, half_g2), GMM_MUL_C(sumq[k], (double)in->m)));
    }
    return GMM_ADD_C(f, gmm_constant(in));
}
