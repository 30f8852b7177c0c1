/* gmm_tensor_objective.h -- the ADBench GMM objective (gmm_objective.h has
 * the formula) recorded with tensor ops: a few dozen nodes whatever n, K
 * and d, where the scalar recording takes about 700,000 at d=10, K=5,
 * n=1000.  Its value is the scalar objective's up to rounding (the sums
 * run in another order), not to the bit. */
#ifndef GMM_TENSOR_OBJECTIVE_H
#define GMM_TENSOR_OBJECTIVE_H

#include "gmm_data.h"
#include "wengert.h"

#ifdef __cplusplus
extern "C" {
#endif

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
