/* SPDX-License-Identifier: GPL-3.0-or-later */
/* builtin_suite.h -- the suite `wengert-verify --suite builtin` checks:
 * classic test functions, the seed examples, cancellation, kinks, a domain
 * edge, every op of the table, several outputs, many inputs, the
 * ADBench GMM objective, and tensor graphs (builtin_tensor.c).  Built into the program (and its tests), not the
 * library: the GMM case records through verify/gmm_objective.c (the model
 * is the verifier's; the benchmarks in bench/ link it from here). */
#ifndef WG_BUILTIN_SUITE_H
#define WG_BUILTIN_SUITE_H

#include "wengert_verify.h"

/* The folder of the benchmark data the program was built from (the
 * source tree's bench/data), or NULL when it was built without one. */
const char *wg_builtin_data_dir(void);

/* The builtin suite.  data_dir holds gmm/test.txt (NULL: no folder); when
 * the file cannot be read the GMM cases are listed as unavailable, with the
 * reason.  NULL with err filled in only when out of memory. */
wg_suite *wg_builtin_suite(const char *data_dir, wg_parse_error *err);

/* The ADBench GMM case on data_dir's gmm/test.txt, recorded by record
 * (ctx: the gmm_input read), or an unavailable case naming why the file
 * could not be read.  Its parameters are named alpha1.., mu1_1.., q1_1..,
 * l1_1.. in gmm_pack's order.  WG_OK or WG_ENOMEM. */
int  wg_builtin_add_gmm(wg_suite *s, const char *data_dir, const char *name, wg_record_fn record);
void wg_builtin_free_gmm(void *ctx);

/* builtin_tensor.c: the tensor cases (Z = X W, a 2-layer network,
 * broadcasting and reductions, index maps, the GMM objective in tensor
 * form), added to s.  WG_OK or WG_ENOMEM. */
int wg_builtin_add_tensor_cases(wg_suite *s, const char *data_dir);

#endif
