/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* hessian.h -- private: the methods behind wg_hessian (hessian.c) */
#ifndef WG_HESSIAN_H
#define WG_HESSIAN_H

#include "tape.h"

/* wg_hvp's double sweep under the caller's name fn (graph_derivatives.c);
 * *recorded = 1 when y is not one element (nothing done) */
int wg_hvp_in(wg_tape *t, const char *fn, wg_var y, size_t n, const wg_var *x,
              const double *v, double *Hv, int *recorded);
/* act[i - lo] = 1 when node i of [lo, hi] is one of x or depends on one
 * (graph_derivatives.c); NULL when out of memory; wg_mem_free it */
unsigned char *wg_active_from(wg_tape *t, size_t n, const wg_var *x, size_t lo, size_t hi);
/* WG_EINVAL, naming the node, when a custom op lies in [lo, hi]: it has
 * first partials only (graph_derivatives.c) */
int wg_refuse_custom(wg_tape *t, const char *fn, size_t lo, size_t hi);
/* forward over the recorded reverse, 16 columns per sweep (graph_derivatives.c) */
int wg_hessian_recorded(wg_tape *t, const char *fn, wg_var y, size_t n, const wg_var *x,
                        double *H);
/* edge pushing on a scalar range lo .. yi (hessian_edge.c): act[i - lo]
 * marks the nodes that depend on some x; xi the x nodes (inputs, n of
 * them); at most budget entries, else WG_ELIMIT and H untouched */
int wg_hessian_edge_pushing(wg_tape *t, uint32_t yi, size_t lo, const unsigned char *act,
                            size_t n, const uint32_t *xi, size_t budget, double *H);

#endif /* WG_HESSIAN_H */
