/* SPDX-License-Identifier: GPL-3.0-or-later */
/* order2_consts.c -- the constants a recorded rule carries, rounded.
 *
 * A recorded rule is an exact formula, but its constants are doubles:
 * erf' = (2/sqrt(pi)) exp(-a^2) holds 2/sqrt(pi) rounded to 53 bits, as
 * the double kernel does.  So even in exact arithmetic the recorded graph
 * differs from the exact derivative, by up to half an ulp of each such
 * constant carried to the result; a rule with a wrong formula differs by
 * far more.  The constants of the original function are the function's
 * own and exact by definition; those of the gradient graph (nodes from
 * `base` on, or a lowering's nodes owned by them) are not.  Each is given
 * the spread of its two neighbours (one ulp, twice its rounding at most),
 * as bound.c gives the last half ulp of a computed value:
 *   - in the partials of its consumers: binary ops with a constant operand
 *     (the other operand's partial moves with it) and the *_c ops' own
 *     constant, added to the model's partial errors, so the second-order
 *     bound (the running bound of the graph's JVP) covers them;
 *   - in the gradient's value: |adjoint| times the value's spread, the
 *     tolerance of the exact and double gradient checks. */
#include "check_internal.h"
#include "op_kernels.h"

#include <math.h>

static int in_graph(const wg_chk *c2, size_t i, size_t base)
{
    long o = wg_chk_orig_node(c2, i);
    return o >= 0 && (size_t)o >= base;
}

static int const_leaf(const wg_chk *c2, size_t q, size_t base)
{
    return q < c2->N && (wg_op)c2->tv.op[q] == WG_OP_CONST && in_graph(c2, q, base);
}

static double nb(double x, int side)
{
    return nextafter(x, side ? INFINITY : -INFINITY);
}

void wg_o2_const_partials(wg_chk *c2, size_t base)
{
    const wg_tape_view *tv = &c2->tv;
    for (size_t i = 0; i < c2->N; i++) {
        wg_op op = (wg_op)tv->op[i];
        wg_op_kind kind = wg_op_kind_of(op);
        if (!in_graph(c2, i, base))
            continue;
        if (kind == WG_KIND_CONST) {
            double a = tv->val[tv->arg0[i]], p = tv->param[i], d, d1, e = 0;
            wg_op_partials(op, a, 0, p, tv->val[i], &d, &d1);
            for (int side = 0; side < 2; side++) {
                double q = nb(p, side), dn;
                wg_op_partials(op, a, 0, q, wg_op_value(op, a, 0, q), &dn, &d1);
                e = fmax(e, fabs(dn - d));      /* fmax drops a NaN */
            }
            c2->dd[2 * i] += e;
            continue;
        }
        if (kind != WG_KIND_BINARY)
            continue;
        for (int k = 0; k < 2; k++) {
            size_t q = k ? tv->arg1[i] : tv->arg0[i];
            if (!const_leaf(c2, q, base))
                continue;
            double arg[2] = { tv->val[tv->arg0[i]], tv->val[tv->arg1[i]] }, d[2], e = 0;
            wg_op_partials(op, arg[0], arg[1], 0, tv->val[i], &d[0], &d[1]);
            for (int side = 0; side < 2; side++) {
                double m[2] = { arg[0], arg[1] }, dn[2];
                m[k] = nb(arg[k], side);
                wg_op_partials(op, m[0], m[1], 0, wg_op_value(op, m[0], m[1], 0), &dn[0], &dn[1]);
                e = fmax(e, fabs(dn[1 - k] - d[1 - k]));
            }
            if (isfinite(e))
                c2->dd[2 * i + (1 - k)] += e;
        }
    }
}

double wg_o2_const_effect(const wg_chk *c2, size_t base)
{
    const wg_tape_view *tv = &c2->tv;
    long double s = 0;
    for (size_t i = 0; i < c2->N; i++) {
        wg_op op = (wg_op)tv->op[i];
        if (c2->adj[i] == 0 || !in_graph(c2, i, base))
            continue;
        double e = 0;
        if (op == WG_OP_CONST) {
            e = fmax(fabs(nb(tv->val[i], 1) - tv->val[i]), fabs(nb(tv->val[i], 0) - tv->val[i]));
        } else if (wg_op_kind_of(op) == WG_KIND_CONST) {
            double a = tv->val[tv->arg0[i]];
            for (int side = 0; side < 2; side++)
                e = fmax(e, fabs(wg_op_value(op, a, 0, nb(tv->param[i], side)) - tv->val[i]));
        }
        if (isfinite(e))
            s += fabsl(c2->adj[i]) * e;
    }
    return (double)s;
}
