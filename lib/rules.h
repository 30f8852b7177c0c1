/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* rules.h -- private: every op's derivative rule recorded as ops on the
 * tape (op_rules.c for the scalar rows, tensor_rules.c for the tensor
 * rows), used by the recorded drivers (graph_derivatives.c).
 *
 * A scalar row's rule is its local partial with respect to one operand,
 * recorded with the same formula as the double partial in op_kernels.h
 * where that formula is made of ops (so first-order values agree bit for
 * bit), and with the nearest formula of ops where the double kernel uses a
 * compensated form (pow, erf, atan: a few ulps).  Conventions at kinks are
 * recorded as ops (step, sign), never as a C branch on today's value, so a
 * replay at a point on the other side of a kink takes the other side's
 * derivative. */
#ifndef WG_RULES_H
#define WG_RULES_H

#include "tape.h"

/* a partial: 0, 1, -1, a constant c, or a recorded node */
typedef enum { WG_RULE_ZERO, WG_RULE_ONE, WG_RULE_NEG, WG_RULE_SCALE, WG_RULE_NODE } wg_rule_kind;

typedef struct wg_rule {
    wg_rule_kind kind;
    double c;                   /* WG_RULE_SCALE */
    wg_var v;                   /* WG_RULE_NODE */
} wg_rule;

/* the partial of node i (a scalar row, applied to scalars or elementwise to
 * tensors) with respect to its operand k (0 or 1) */
wg_rule wg_op_rule(wg_tape *t, size_t i, int k);
/* partial times g, recorded (elementwise with broadcasting); the invalid
 * handle for a zero partial */
wg_var  wg_rule_apply(wg_tape *t, const wg_rule *r, wg_var g);

/* v summed over the axes it was stretched along to reach its shape from
 * node target's shape, and reshaped to it: the adjoint of a broadcast */
wg_var  wg_unbroadcast(wg_tape *t, wg_var v, size_t target);
/* zeros of node i's shape */
wg_var  wg_zeros_like(wg_tape *t, size_t i);

/* tensor rows (TUNARY, TBINARY): the contributions of adjoint g of node i
 * to its operands' adjoints (*ca, *cb: the invalid handle when none) and
 * the tangent of node i from its operands' tangents (the invalid handle
 * for a zero tangent; ta, tb likewise) */
void    wg_tensor_rule_rev(wg_tape *t, size_t i, wg_var g, wg_var *ca, wg_var *cb);
wg_var  wg_tensor_rule_fwd(wg_tape *t, size_t i, wg_var ta, wg_var tb);

#endif /* WG_RULES_H */
