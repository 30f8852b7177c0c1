/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_gen_internal.h -- private to the generator: what the scalar graphs
 * (fuzz_gen.c) and the tensor graphs (fuzz_gen_tensor.c) share.  The
 * acceptance rule of one value is the same for a scalar node and for each
 * element of an elementwise tensor node, so both draw graphs the verifier
 * can judge for the same reasons. */
#ifndef WG_FUZZ_GEN_INTERNAL_H
#define WG_FUZZ_GEN_INTERNAL_H

#include "fuzz_gen.h"

#include <gsl/gsl_rng.h>
#include <stdint.h>

/* a value and what the generator knows of it: estimated relative rounding
 * error, a bound on |tangent| along a unit direction, and the least
 * product of partials along a path from an input (0: no path) */
typedef struct wg_fz_val {
    double v, rel, tmag, tlo;
} wg_fz_val;

/* how strictly arguments are held away from edges (fuzz_gen.c) */
enum { WG_FZ_MARGIN = 0, WG_FZ_EDGE = 1, WG_FZ_NONE = 2 };

/* what an op needs of an operand, for the guard nodes */
typedef enum need {
    NEED_NONE,
    NEED_POS,         /* > 0, bounded */
    NEED_NONZERO,     /* away from 0, either sign */
    NEED_UNIT,        /* inside (-1, 1) */
    NEED_TAN,         /* inside (-pi/2, pi/2) */
    NEED_SMALL,       /* bounded, so the op's value stays in range */
    NEED_FRESH        /* a new constant (breaks a tie or a cancellation) */
} need;

/* 1 and *out when op(A, B; c) is acceptable at level (B NULL for one
 * operand; same: A and B are one node, so a tie cannot break) */
int      wg_fz_accept(const wg_fuzz_gen_options *o, wg_op op, const wg_fz_val *A,
                      const wg_fz_val *B, int same, double c, int level, wg_fz_val *out);
need     wg_fz_need_of(wg_op op, int k, double c);
double   wg_fz_param(gsl_rng *rng, wg_op op);
uint32_t wg_fz_draw(gsl_rng *rng, uint32_t n);
int      wg_fz_chance(gsl_rng *rng, double p);
double   wg_fz_dyadic(gsl_rng *rng, int emin, int emax, int bits, int signed_);

/* One tensor graph drawn with rng (fuzz_gen_tensor.c): 1 with *out, 0 with
 * why when this draw gives none, -1 when none can (out of memory). */
int wg_fz_tensor_attempt(const wg_fuzz_gen_options *o, gsl_rng *rng, const uint32_t *weight,
                         wg_graph **out, wg_fuzz_gen_info *info, char *why, size_t len);

#endif /* WG_FUZZ_GEN_INTERNAL_H */
