/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mpfr_ops.h -- private to libwengert-verify: the value of every op of
 * WG_OP_LIST in MPFR, for the reference replay (verify/mpfr_replay.c).
 *
 * Each kernel rounds to nearest at the destination's precision.  The ops
 * MPFR has are one call and correctly rounded; the ones it lacks (sigmoid,
 * softplus) are composed at extra precision and rounded once, so they are
 * within 1/2 ulp plus a few 2^-32 ulp of the exact value.  An argument
 * outside the op's domain (the same domains as lib/op_kernels.h) is
 * reported, never turned silently into NaN. */
#ifndef WG_MPFR_OPS_H
#define WG_MPFR_OPS_H

#include "wengert.h"

#include <mpfr.h>

/* guard bits of the composed kernels: their few roundings at p + 32 bits
 * leave less than 2^-28 ulp at p bits before the final rounding */
#define WG_MPFR_GUARD 32

/* Temporaries of the composed kernels, kept so a replay allocates nothing
 * per node.  Their precision follows the destination's. */
typedef struct wg_mpfr_scratch {
    mpfr_t t0, t1;   /* destination precision + WG_MPFR_GUARD (at least 64) */
    mpfr_t tn;       /* the exact negation of an argument: the argument's precision */
} wg_mpfr_scratch;

void wg_mpfr_scratch_init(wg_mpfr_scratch *s);
void wg_mpfr_scratch_clear(wg_mpfr_scratch *s);

/* 1 when op has an MPFR kernel (every scalar op must: tests/test_mpfr_ops.c;
 * tensor ops have none, a tensor tape being checked on its scalar
 * lowering, lower.h) */
int wg_mpfr_op_has_kernel(wg_op op);

/* y = op(a, b; p), rounded to nearest at y's precision.  b is read by
 * binary ops and comparisons only (may be NULL otherwise); p is the
 * constant of CONST and INT ops.  Leaves copy a.  Comparisons give 1 or 0.
 * Returns WG_OK, or WG_EDOM with *why (if why is not NULL) set to the
 * reason, phrased as lib/op_kernels.h phrases it; y is then unspecified.
 * An op out of range is WG_EINVAL. */
int wg_mpfr_op(wg_op op, mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p,
               wg_mpfr_scratch *s, const char **why);

/* Custom ops (verify/custom_ref.c).  1 when op_id has an MPFR value
 * callback (wg_custom_op_mpfr). */
int wg_custom_has_mpfr(int op_id);
/* y = the custom op at (a, b): its MPFR callback, else its double value at
 * a and b rounded to double.  NULL, or why (a, b) is outside its domain. */
const char *wg_custom_mpfr_value(int op_id, mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b);
/* the partials of the value callback at (a, b) by a five-point central
 * difference (GSL), D, and its error estimate E; WG_OK or WG_EDOM */
int wg_custom_fd_partials(int op_id, double a, double b, double D[2], double E[2]);

#endif /* WG_MPFR_OPS_H */
