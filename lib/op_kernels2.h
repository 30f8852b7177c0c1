/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* op_kernels2.h -- private: the second partials of every scalar row of the
 * op table, for the double forward-over-reverse sweep (sweep_second.c).
 * One switch, every op listed, no default: -Wswitch names a new row that
 * lacks its second partials.
 *
 * For y = op(a, b; p): *daa = d2y/da2, *dab = d2y/dadb, *dbb = d2y/db2.
 * Piecewise-linear and piecewise-constant ops (relu, abs, min, max,
 * comparisons, step, sign) have 0, the one-sided value away from their
 * kinks and the documented convention's derivative at them.  The formulas
 * are the textbook ones, in terms of y where that saves a libm call; the
 * recorded rules (op_rules.c) differentiated again give the same values to
 * rounding, and tests/test_higher.c holds the two paths together. */
#ifndef WG_OP_KERNELS2_H
#define WG_OP_KERNELS2_H

#include "op_kernels.h"

/* a b, 0 when either is 0: the strong zero of the sweeps (an infinite or
 * NaN partial times a zero tangent or adjoint contributes nothing) */
static inline double wg_sz(double a, double b)
{
    return (a == 0 || b == 0) ? 0.0 : a * b;
}

WG_KERNEL void wg_op_partials2(wg_op op, double a, double b, double p, double y,
                               double *daa, double *dab, double *dbb)
{
    *daa = *dab = *dbb = 0;
    switch (op) {
    case WG_OP_MUL:
        *dab = 1;
        return;
    case WG_OP_DIV: {           /* d(1/b)/db = -1/b^2; d(-y/b)/db = 2y/b^2 */
        double r = 1.0 / b;
        *dab = -r * r;
        *dbb = 2.0 * (y * r) * r;
        return;
    }
    case WG_OP_POW: {
        double l = log(a), am1 = wg_pow_m1(a, b);
        *daa = b * (b - 1.0) * (am1 / a);
        *dab = am1 * (1.0 + b * l);
        *dbb = y * l * l;
        return;
    }
    case WG_OP_ATAN2: {         /* r^2 = a^2 + b^2: -2ab/r^4, (a^2 - b^2)/r^4, 2ab/r^4 */
        double h = hypot(a, b), sa = a / h, sb = b / h, r2 = 1.0 / (h * h);
        *daa = -2.0 * sa * sb * r2;
        *dab = (sa - sb) * (sa + sb) * r2;
        *dbb = 2.0 * sa * sb * r2;
        return;
    }
    case WG_OP_HYPOT:           /* b^2/y^3, -ab/y^3, a^2/y^3; 0 at the origin */
        if (y == 0)
            return;
        *daa = (b / y) * (b / y) / y;
        *dab = -(a / y) * (b / y) / y;
        *dbb = (a / y) * (a / y) / y;
        return;
    case WG_OP_EXP:           *daa = y; return;
    case WG_OP_LOG:           *daa = -(1.0 / a) / a; return;
    case WG_OP_LOG1P: { double q = 1.0 / (1.0 + a); *daa = -q * q; return; }
    case WG_OP_EXPM1:         *daa = exp(a); return;
    case WG_OP_SQRT:          *daa = -0.25 / (y * y * y); return;
    case WG_OP_CBRT:          *daa = -2.0 / (9.0 * y * y * y * y * y); return;
    case WG_OP_SIN:           *daa = -sin(a); return;
    case WG_OP_COS:           *daa = -cos(a); return;
    case WG_OP_TAN:           *daa = 2.0 * y * (1.0 + y * y); return;
    case WG_OP_ASIN:
    case WG_OP_ACOS: {        /* a (1 - a^2)^(-3/2), negated for acos */
        double q = 1.0 / sqrt((1.0 - a) * (1.0 + a));
        *daa = (op == WG_OP_ACOS ? -a : a) * q * q * q;
        return;
    }
    case WG_OP_ATAN: {        /* -2a/(1 + a^2)^2 = -2a (1/h^2)^2, h = hypot(1, a) */
        double h = hypot(1.0, a), q = 1.0 / h / h;
        *daa = -2.0 * a * q * q;
        return;
    }
    case WG_OP_SINH:          *daa = y; return;
    case WG_OP_COSH:          *daa = y; return;
    case WG_OP_TANH:          /* -2 tanh(a) sech^2(a), sech^2 as the first partial */
        *daa = -2.0 * y * (wg_sigmoid_d(2.0 * a) * wg_sigmoid_d(-2.0 * a) * 4.0);
        return;
    case WG_OP_SIGMOID:       /* s'(1 - 2s) = -s' tanh(a/2), s' = s sigma(-a) */
        *daa = -(y * wg_sigmoid_d(-a)) * tanh(0.5 * a);
        return;
    case WG_OP_SOFTPLUS:      /* sigmoid'(a) = sigma(a) sigma(-a) */
        *daa = wg_sigmoid_d(a) * wg_sigmoid_d(-a);
        return;
    case WG_OP_ERF: {         /* -2a erf'(a) */
        double s = a * a, e = fma(a, a, -s), g = exp(-s);
        *daa = g == 0 ? 0.0 : -2.0 * a * M_2_SQRTPI * (g - g * e);
        return;
    }
    case WG_OP_SQUARE:        *daa = 2; return;
    case WG_OP_RECIP:         *daa = 2.0 * y * y * y; return;
    case WG_OP_POW_C:
    case WG_OP_POWI:          /* p (p - 1) a^(p - 2) */
        if (p == 0 || p == 1)
            return;
        *daa = p * (p - 1.0) * pow(a, p - 2.0);     /* a = 0, p = 2: 2, not 0/0 */
        return;
    case WG_OP_INPUT: case WG_OP_CONST: case WG_OP_ADD: case WG_OP_SUB:
    case WG_OP_MIN: case WG_OP_MAX: case WG_OP_NEG: case WG_OP_RELU: case WG_OP_ABS:
    case WG_OP_STOP_GRADIENT: case WG_OP_ADD_C: case WG_OP_MUL_C:
    case WG_OP_LT: case WG_OP_LE: case WG_OP_GT: case WG_OP_GE: case WG_OP_EQ: case WG_OP_NE:
    case WG_OP_STEP: case WG_OP_SIGN:
        return;
    /* tensor rows: the second-order sweep takes the recorded path for them */
    case WG_OP_MATMUL: case WG_OP_CONCAT: case WG_OP_SUM: case WG_OP_MEAN:
    case WG_OP_MAX_REDUCE: case WG_OP_LOGSUMEXP: case WG_OP_LOGSOFTMAX: case WG_OP_SOFTMAX:
    case WG_OP_RESHAPE: case WG_OP_TRANSPOSE: case WG_OP_BROADCAST_TO: case WG_OP_SLICE:
    case WG_OP_ARGMAX_MASK: case WG_OP_COUNT:
        return;
    case WG_OP_CUSTOM:          /* no second partials: refused before any sweep */
        *daa = *dab = *dbb = NAN;
        return;
    }
}

#endif /* WG_OP_KERNELS2_H */
