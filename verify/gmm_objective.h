/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmm_objective.h -- the ADBench GMM objective: the log-likelihood of a
 * Gaussian mixture with a Wishart prior on the inverse covariances,
 *
 *   f = -n d/2 log(2 pi)
 *       + sum_i logsumexp_k(alpha_k + sum(q_k) - 1/2 |Q_k (x_i - mu_k)|^2)
 *       - n logsumexp(alpha)
 *       + sum_k [1/2 gamma^2 (|exp q_k|^2 + |l_k|^2) - m sum(q_k)] - K C,
 *   Q_k = diag(exp q_k) + strict_lower(l_k),
 *   C = n' d (log gamma - 1/2 log 2) - log Gamma_d(n'/2),  n' = d + m + 1,
 *
 * once in plain double and once recorded on a wg_tape.  Both are generated
 * from one body (gmm_objective_body.h), so they do the same operations in the
 * same order and agree to the bit. */
#ifndef GMM_OBJECTIVE_H
#define GMM_OBJECTIVE_H

#include "gmm_data.h"
#include "wengert.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Scratch the objective needs, in elements (double or wg_var): the caller
 * provides it so that timing the objective times no allocation. */
size_t gmm_scratch_len(const gmm_input *in);

/* The constant -n d/2 log(2 pi) - K C: data and prior only, no parameter. */
double gmm_constant(const gmm_input *in);

/* f at parameters (alphas, means, icf) = (params, params + K, params + K + K d). */
double gmm_objective(const gmm_input *in, const double *params, double *scratch);

/* f recorded on t over the handles xs[0 .. gmm_nparams) in the same order;
 * the invalid handle when t fails (see wg_status). */
wg_var gmm_objective_tape(wg_tape *t, const gmm_input *in, const wg_var *xs, wg_var *scratch);

/* Record the parameters as inputs (handles into xs) and f over them. */
wg_var gmm_record(wg_tape *t, const gmm_input *in, const double *params, wg_var *xs,
                  wg_var *scratch);

#ifdef __cplusplus
}
#endif
#endif /* GMM_OBJECTIVE_H */
