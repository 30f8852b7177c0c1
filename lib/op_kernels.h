/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* op_kernels.h -- private: the double kernels of every op in WG_OP_LIST:
 * its value, its domain, and its local partial derivatives.
 *
 * One partial serves both modes: the tangent rule is ydot = da*adot + db*bdot
 * and the adjoint rule abar += da*ybar, bbar += db*ybar (lib/sweep_*.c).
 * Each switch lists every op and has no default, so -Wswitch points at the
 * kernel a new row of the table still lacks.
 *
 * Formulas are chosen for accuracy across the whole domain, not only for
 * brevity; each non-obvious choice says why.  Conventions at non-smooth
 * points are documented in doc/OPS.md. */
#ifndef WG_OP_KERNELS_H
#define WG_OP_KERNELS_H

#include "custom.h"
#include "wengert.h"

#include <math.h>

/* The kernels are switches over the op; inlined into a loop whose op is a
 * constant (a recording function) they fold to one case, and inlined into a
 * sweep they become the sweep's own jump table.  gcc left them out of line
 * (a call per node, about 20% of a reverse sweep), hence always_inline. */
#if defined(__GNUC__)
#define WG_KERNEL static inline __attribute__((always_inline))
#else
#define WG_KERNEL static inline
#endif

#ifndef M_2_SQRTPI
#define M_2_SQRTPI 1.12837916709551257390 /* 2/sqrt(pi) */
#endif

/* sigmoid without overflow: exp of a non-positive argument only */
static inline double wg_sigmoid_d(double a)
{
    if (a >= 0)
        return 1.0 / (1.0 + exp(-a));
    double e = exp(a);
    return e / (1.0 + e);
}

/* softplus(a) = log(1 + e^a) = max(a, 0) + log1p(e^-|a|): no overflow, and
 * full relative accuracy for very negative a where the value is ~e^a. */
static inline double wg_softplus_d(double a)
{
    return (a > 0 ? a : 0.0) + log1p(exp(-fabs(a)));
}

/* a^(b-1), for the derivative b a^(b-1) of a^b.  b - 1 rounds when b is not
 * an integer (0.3 - 1, 1e-5 - 1), and pow magnifies that rounding e by
 * |log a|: 1e-5 * 1e-300^(1e-5 - 1) came out 275 ulps off.  So
 * a^(b-1) = a^c a^e with c = fl(b - 1), e its exact error (TwoSum), and
 * a^e = 1 + e log a to well below an ulp (|e log a| < 2^-53 * 745). */
static inline double wg_pow_m1(double a, double b)
{
    double c = b - 1.0, bb = c - b;
    double e = (b - (c - bb)) + (-1.0 - bb);
    double r = pow(a, c);
    return (e != 0 && a > 0 && isfinite(r)) ? r + r * (e * log(a)) : r;
}

/* Value of op at (a, b); p is the constant of CONST/INT ops. */
WG_KERNEL double wg_op_value(wg_op op, double a, double b, double p)
{
    switch (op) {
    case WG_OP_INPUT:
    case WG_OP_CONST:         return a;
    case WG_OP_ADD:           return a + b;
    case WG_OP_SUB:           return a - b;
    case WG_OP_MUL:           return a * b;
    case WG_OP_DIV:           return a / b;
    case WG_OP_POW:           return pow(a, b);
    case WG_OP_ATAN2:         return atan2(a, b);
    case WG_OP_MIN:           return a <= b ? a : b;   /* tie: first argument */
    case WG_OP_MAX:           return a >= b ? a : b;
    case WG_OP_HYPOT:         return hypot(a, b);
    case WG_OP_NEG:           return -a;
    case WG_OP_EXP:           return exp(a);
    case WG_OP_LOG:           return log(a);
    case WG_OP_LOG1P:         return log1p(a);
    case WG_OP_EXPM1:         return expm1(a);
    case WG_OP_SQRT:          return sqrt(a);
    case WG_OP_CBRT:          return cbrt(a);
    case WG_OP_SIN:           return sin(a);
    case WG_OP_COS:           return cos(a);
    case WG_OP_TAN:           return tan(a);
    case WG_OP_ASIN:          return asin(a);
    case WG_OP_ACOS:          return acos(a);
    case WG_OP_ATAN:          return atan(a);
    case WG_OP_SINH:          return sinh(a);
    case WG_OP_COSH:          return cosh(a);
    case WG_OP_TANH:          return tanh(a);
    case WG_OP_SIGMOID:       return wg_sigmoid_d(a);
    case WG_OP_SOFTPLUS:      return wg_softplus_d(a);
    case WG_OP_RELU:          return a > 0 ? a : 0.0;
    case WG_OP_ABS:           return fabs(a);
    case WG_OP_ERF:           return erf(a);
    case WG_OP_SQUARE:        return a * a;
    case WG_OP_RECIP:         return 1.0 / a;
    case WG_OP_STOP_GRADIENT: return a;
    case WG_OP_ADD_C:         return a + p;
    case WG_OP_MUL_C:         return a * p;
    case WG_OP_POW_C:
    case WG_OP_POWI:          return pow(a, p);
    case WG_OP_LT:            return a < b;
    case WG_OP_LE:            return a <= b;
    case WG_OP_GT:            return a > b;
    case WG_OP_GE:            return a >= b;
    case WG_OP_EQ:            return a == b;
    case WG_OP_NE:            return a != b;
    case WG_OP_STEP:          return a > 0 ? 1.0 : 0.0;    /* relu'(a): 0 at 0 */
    case WG_OP_SIGN:          return (double)((a > 0) - (a < 0));  /* abs'(a): 0 at 0 */
    case WG_OP_CUSTOM:        return wg_custom_value((int)p, a, b);  /* p: the op id */
    /* tensor ops have their own kernels (lib/tensor_*.c) */
    case WG_OP_MATMUL: case WG_OP_CONCAT: case WG_OP_SUM: case WG_OP_MEAN: case WG_OP_MAX_REDUCE: case WG_OP_LOGSUMEXP: case WG_OP_LOGSOFTMAX: case WG_OP_SOFTMAX: case WG_OP_RESHAPE: case WG_OP_TRANSPOSE: case WG_OP_BROADCAST_TO: case WG_OP_SLICE: case WG_OP_ARGMAX_MASK:
    case WG_OP_COUNT:         break;
    }
    return NAN;
}

/* NULL when (a, b; p) is inside op's domain, else the reason, phrased to
 * follow "argument ...".  The domain is where the value is defined; points
 * where it is defined but its derivative is infinite (sqrt at 0, asin at 1)
 * are recorded, and a derivative sweep through them reports WG_ERANGE. */
WG_KERNEL const char *wg_op_domain(wg_op op, double a, double b, double p)
{
    switch (op) {
    case WG_OP_DIV:
    case WG_OP_RECIP:
        if ((op == WG_OP_DIV ? b : a) == 0) return "division by zero";
        return NULL;
    case WG_OP_POW:
        /* d/db a^b = a^b log a needs a > 0; integer powers of negative
         * bases are wg_powi and wg_pow_c, whose exponent is fixed. */
        return a > 0 ? NULL : "base must be > 0 when the exponent is a variable "
                              "(use powi or pow_c for a fixed exponent)";
    case WG_OP_ATAN2:
        return (a == 0 && b == 0) ? "atan2(0, 0) has no derivative" : NULL;
    case WG_OP_LOG:
        return a > 0 ? NULL : "argument must be > 0";
    case WG_OP_LOG1P:
        return a > -1 ? NULL : "argument must be > -1";
    case WG_OP_SQRT:
        return a >= 0 ? NULL : "argument must be >= 0";
    case WG_OP_ASIN:
    case WG_OP_ACOS:
        return (a >= -1 && a <= 1) ? NULL : "argument must lie in [-1, 1]";
    case WG_OP_POW_C:
        if (a < 0 && p != nearbyint(p)) return "negative base needs an integral exponent";
        if (a == 0 && p < 0) return "zero base needs a non-negative exponent";
        return NULL;
    case WG_OP_POWI:
        return (a == 0 && p < 0) ? "zero base needs a non-negative exponent" : NULL;
    case WG_OP_CUSTOM:
        return wg_custom_domain((int)p, a, b);
    case WG_OP_INPUT: case WG_OP_CONST: case WG_OP_ADD: case WG_OP_SUB:
    case WG_OP_MUL: case WG_OP_MIN: case WG_OP_MAX: case WG_OP_HYPOT:
    case WG_OP_NEG: case WG_OP_EXP: case WG_OP_EXPM1: case WG_OP_CBRT:
    case WG_OP_SIN: case WG_OP_COS: case WG_OP_TAN: case WG_OP_ATAN:
    case WG_OP_SINH: case WG_OP_COSH: case WG_OP_TANH: case WG_OP_SIGMOID:
    case WG_OP_SOFTPLUS: case WG_OP_RELU: case WG_OP_ABS: case WG_OP_ERF:
    case WG_OP_SQUARE: case WG_OP_STOP_GRADIENT: case WG_OP_ADD_C:
    case WG_OP_MUL_C: case WG_OP_LT: case WG_OP_LE: case WG_OP_GT:
    case WG_OP_GE: case WG_OP_EQ: case WG_OP_NE: case WG_OP_COUNT:
    case WG_OP_STEP: case WG_OP_SIGN:
    case WG_OP_MATMUL: case WG_OP_CONCAT: case WG_OP_SUM: case WG_OP_MEAN: case WG_OP_MAX_REDUCE: case WG_OP_LOGSUMEXP: case WG_OP_LOGSOFTMAX: case WG_OP_SOFTMAX: case WG_OP_RESHAPE: case WG_OP_TRANSPOSE: case WG_OP_BROADCAST_TO: case WG_OP_SLICE: case WG_OP_ARGMAX_MASK:
        return NULL;
    }
    return NULL;
}

/* Local partials of y = op(a, b; p) at a point inside the domain. */
WG_KERNEL void wg_op_partials(wg_op op, double a, double b, double p, double y,
                                  double *da, double *db)
{
    *db = 0;
    switch (op) {
    case WG_OP_INPUT:
    case WG_OP_CONST:         *da = 0; return;
    case WG_OP_ADD:           *da = 1; *db = 1; return;
    case WG_OP_SUB:           *da = 1; *db = -1; return;
    case WG_OP_MUL:           *da = b; *db = a; return;
    case WG_OP_DIV:           *da = 1.0 / b; *db = -y / b; return;  /* -a/b^2 without b^2 overflow */
    case WG_OP_POW:           *da = b * wg_pow_m1(a, b); *db = y * log(a); return;
    case WG_OP_ATAN2: {
        /* d/da = b/(a^2+b^2), d/db = -a/(a^2+b^2); dividing by the hypot
         * twice avoids overflow and underflow of a^2 + b^2. */
        double h = hypot(a, b);
        *da = (b / h) / h;
        *db = (-a / h) / h;
        return;
    }
    case WG_OP_MIN:           *da = a <= b; *db = !(a <= b); return;
    case WG_OP_MAX:           *da = a >= b; *db = !(a >= b); return;
    case WG_OP_HYPOT:
        if (y == 0) { *da = 0; return; }   /* origin: zero subgradient, as abs'(0) */
        *da = a / y; *db = b / y; return;
    case WG_OP_NEG:           *da = -1; return;
    case WG_OP_EXP:           *da = y; return;
    case WG_OP_LOG:           *da = 1.0 / a; return;
    case WG_OP_LOG1P:         *da = 1.0 / (1.0 + a); return;
    case WG_OP_EXPM1:         *da = exp(a); return;   /* y + 1 would round twice */
    case WG_OP_SQRT:          *da = 0.5 / y; return;
    case WG_OP_CBRT:          *da = 1.0 / (3.0 * y * y); return;
    case WG_OP_SIN:           *da = cos(a); return;
    case WG_OP_COS:           *da = -sin(a); return;
    case WG_OP_TAN:           *da = 1.0 + y * y; return;
    /* 1 - a^2 as (1 - a)(1 + a): 1 - a is exact for a in [1/2, 1] (Sterbenz),
     * so the factor keeps full relative accuracy next to the endpoints. */
    case WG_OP_ASIN:          *da = 1.0 / sqrt((1.0 - a) * (1.0 + a)); return;
    case WG_OP_ACOS:          *da = -1.0 / sqrt((1.0 - a) * (1.0 + a)); return;
    case WG_OP_ATAN:
        if (fabs(a) > 1e150) { double r = 1.0 / a; *da = r * r / (1.0 + r * r); return; }
        *da = 1.0 / (1.0 + a * a); return;
    case WG_OP_SINH:          *da = cosh(a); return;
    case WG_OP_COSH:          *da = sinh(a); return;
    /* sech^2 a = 1/cosh^2 a: 1 - tanh^2 a cancels to 0 once tanh rounds to
     * +-1 (|a| > 19), losing every digit of a derivative near 4e^{-2|a|}. */
    /* sech^2 a = 4 sigma(2a) sigma(-2a): each factor is computed without
     * cancellation (wg_sigmoid_d), nothing overflows (1/cosh^2 needs cosh
     * past 710), and the form is smooth, so the recorded rule (op_rules.c,
     * the same ops) differentiates again to every order, at 0 too. */
    case WG_OP_TANH: *da = wg_sigmoid_d(2.0 * a) * wg_sigmoid_d(-2.0 * a) * 4.0; return;
    /* sigma(a) sigma(-a), y = sigma(a): 1 - sigma(a) would cancel once
     * sigma(a) rounds to 1 (a > 37); sigma(-a) does not.  Smooth, as tanh's. */
    case WG_OP_SIGMOID: *da = y * wg_sigmoid_d(-a); return;
    case WG_OP_SOFTPLUS:      *da = wg_sigmoid_d(a); return;
    case WG_OP_RELU:          *da = a > 0; return;                 /* relu'(0) = 0 */
    case WG_OP_ABS:           *da = (a > 0) - (a < 0); return;     /* abs'(0) = 0 */
    /* a^2 = s + e exactly (fma): exp(-s) alone would carry the rounding
     * of a*a magnified by a^2: 12 ulps at a = 5.3, 500 near 25;
     * exp(-e) = 1 - e to well below an ulp. */
    case WG_OP_ERF: {
        double s = a * a, e = fma(a, a, -s), g = exp(-s);
        *da = g == 0 ? 0.0 : M_2_SQRTPI * (g - g * e);   /* a*a may be inf */
        return;
    }
    case WG_OP_SQUARE:        *da = 2.0 * a; return;
    case WG_OP_RECIP:         *da = -y * y; return;
    case WG_OP_STOP_GRADIENT: *da = 0; return;
    case WG_OP_ADD_C:         *da = 1; return;
    case WG_OP_MUL_C:         *da = p; return;
    case WG_OP_POW_C:
    case WG_OP_POWI:          *da = p == 0 ? 0.0 : p * wg_pow_m1(a, p); return;
    case WG_OP_LT: case WG_OP_LE: case WG_OP_GT:
    case WG_OP_GE: case WG_OP_EQ: case WG_OP_NE:
    case WG_OP_STEP: case WG_OP_SIGN:       /* piecewise constant */
                              *da = 0; return;
    case WG_OP_CUSTOM:        wg_custom_partials((int)p, a, b, da, db); return;
    case WG_OP_MATMUL: case WG_OP_CONCAT: case WG_OP_SUM: case WG_OP_MEAN: case WG_OP_MAX_REDUCE: case WG_OP_LOGSUMEXP: case WG_OP_LOGSOFTMAX: case WG_OP_SOFTMAX: case WG_OP_RESHAPE: case WG_OP_TRANSPOSE: case WG_OP_BROADCAST_TO: case WG_OP_SLICE: case WG_OP_ARGMAX_MASK:
    case WG_OP_COUNT:         break;
    }
    *da = NAN;
}

#endif /* WG_OP_KERNELS_H */
