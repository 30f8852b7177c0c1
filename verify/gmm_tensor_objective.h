/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmm_tensor_objective.h -- the ADBench GMM objective (gmm_objective.h has
 * the formula) recorded with tensor ops: a few nodes per column of Q and a
 * few dozen besides, whatever n and K, where the scalar recording takes about 700,000 at d=10, K=5,
 * n=1000.  Its value is the scalar objective's up to rounding (the sums
 * run in another order), not to the bit. */
#ifndef GMM_TENSOR_OBJECTIVE_H
#define GMM_TENSOR_OBJECTIVE_H

#include "gmm_data.h"
#include "wengert.h"

#ifdef __cplusplus
extern "C" {
#endif

/* the two ways of recording |Q_k (mu_k - x_i)| (gmm_tensor_objective.c) */
enum { GMM_TENSOR_CENTERED, GMM_TENSOR_EXPANDED };

/* the data points as an (n, d) constant */
wg_var gmm_tensor_data(wg_tape *t, const gmm_input *in);
/* f recorded on t in the given form over the data x (gmm_tensor_data) and
 * the parameter tensors; the invalid handle when t fails or out of memory */
wg_var gmm_tensor_objective_form(wg_tape *t, const gmm_input *in, int form, wg_var x,
                                 wg_var alphas, wg_var means, wg_var icf);

/* f recorded on t over the parameter tensors: alphas (K), means (K x d),
 * icf (K x d(d+1)/2: q, then l column by column, as in gmm_data.h).  The
 * data points and the constants of the prior are const nodes.  The
 * invalid handle when t fails (see wg_status). */
wg_var gmm_tensor_objective(wg_tape *t, const gmm_input *in, wg_var alphas, wg_var means,
                            wg_var icf);

/* Record the parameters (alphas, means, icf, as gmm_pack orders them) as
 * three tensor inputs (into x[0..3)) and f over them. */
wg_var gmm_tensor_record(wg_tape *t, const gmm_input *in, const double *params, wg_var x[3]);

#ifdef __cplusplus
}
#endif
#endif /* GMM_TENSOR_OBJECTIVE_H */
