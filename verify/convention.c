/* SPDX-License-Identifier: GPL-3.0-or-later */
/* convention.c -- at a kink, the one value the documented conventions
 * allow.
 *
 * Between the one-sided derivatives lies a whole range, and a wrong
 * convention often still lands inside it (relu'(0) = 1 lies in [0, 1]).
 * But the library documents the partial it takes at each kink (doc/OPS.md,
 * "Conventions at non-smooth points"), so at a kink w.(J u) is fixed: the
 * tangent sweep with those partials at every node sitting exactly on its
 * kink, and the kernel partials elsewhere.  The table below is written
 * from the documentation, not from the kernels, so a kernel that strays
 * from the documented convention is caught too.
 *
 * "Exactly on its kink" is judged on the tape's double values, the
 * arguments the library's own partials see.  With any such node, AD must
 * give the convention's value; one that the direction moves off its kink,
 * and whose value reaches the outputs, makes that value the whole test
 * (check.c, doc/VERIFY.md "Kinks"). */
#include "check_internal.h"

#include <math.h>

int wg_chk_kink_partials(wg_op op, double a, double b, double d[2])
{
    switch (op) {
    case WG_OP_RELU:                    /* relu'(0) = 0: the flat side */
    case WG_OP_ABS:                     /* abs'(0) = 0: the zero subgradient */
    case WG_OP_STEP:                    /* step and sign jump at 0: their */
    case WG_OP_SIGN:                    /* derivative 0 is no one-sided one */
        if (a != 0)
            return 0;
        d[0] = d[1] = 0;
        return 1;
    case WG_OP_HYPOT:                   /* (0, 0) at the origin, as abs */
        if (a != 0 || b != 0)
            return 0;
        d[0] = d[1] = 0;
        return 1;
    case WG_OP_MIN:                     /* a tie: all to the first argument */
    case WG_OP_MAX:
        if (a != b)
            return 0;
        d[0] = 1;
        d[1] = 0;
        return 1;
    default:
        return 0;
    }
}

static inline long double szmul(long double x, long double y)
{
    return (x == 0 || y == 0) ? 0.0L : x * y;
}

/* whether tangents (ta, tb) of the operands move op off its kink */
static int crosses(wg_op op, long double ta, long double tb)
{
    switch (op) {
    case WG_OP_MIN: case WG_OP_MAX: return ta != tb;
    case WG_OP_HYPOT:               return ta != 0 || tb != 0;
    default:                        return ta != 0;
    }
}

double wg_chk_convention(wg_chk *c, long *on, long *kink)
{
    *on = *kink = -1;
    const wg_tape_view *tv = &c->tv;
    for (size_t i = 0; i < c->N; i++)
        c->ctan[i] = 0;
    for (size_t j = 0; j < c->n; j++)
        if (c->xi[j] != WG_NO_NODE)
            c->ctan[c->xi[j]] = c->u[j];
    for (size_t i = 0; i < c->N; i++) {
        wg_op op = (wg_op)tv->op[i];
        wg_op_kind kind = wg_op_kind_of(op);
        if (kind == WG_KIND_LEAF || kind == WG_KIND_CMP)
            continue;
        int bin = wg_view_has_b(tv, i);
        double d[2] = { c->d[2 * i], c->d[2 * i + 1] };
        double k[2];
        long double ta = c->ctan[tv->arg0[i]], tb = bin ? c->ctan[tv->arg1[i]] : 0.0L;
        if (wg_chk_kink_partials(op, tv->val[tv->arg0[i]], bin ? tv->val[tv->arg1[i]] : 0.0, k)) {
            d[0] = k[0];
            d[1] = bin ? k[1] : 0.0;
            if (*on < 0)
                *on = (long)i;
            /* only a kink that moves and reaches the outputs can make AD
             * differ from the derivative */
            if (*kink < 0 && crosses(op, ta, tb) && c->adj[i] != 0)
                *kink = (long)i;
        }
        long double s = szmul(d[0], ta);
        if (bin)
            s += szmul(d[1], tb);
        c->ctan[i] = s;
    }
    long double F = 0;
    for (size_t j = 0; j < c->m; j++)
        F += c->w[j] * c->ctan[c->yi[j]];
    return (double)F;
}
