/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* op_rules.c -- the derivative rule of every scalar row of the op table,
 * recorded as ops (the kernel beside each row's double partial in
 * op_kernels.h; the switch lists every op, so -Wswitch names a new row
 * that lacks its rule).
 *
 * Each partial uses the double kernel's formula, op by op, where the
 * kernel is made of ops: then the recorded value is the double partial bit
 * for bit.  Where the kernel is compensated (pow's a^(b-1), erf's
 * exp(-a^2)) or branches on the value (atan beyond 1e150), the recorded
 * rule is the plain formula, good to a few ulps, and says so.  Kinks are
 * recorded through step and sign: relu'(a) = step(a) (0 at 0),
 * abs'(a) = sign(a) (0 at 0), min and max through step(a - b), whose
 * sign is exact in IEEE arithmetic (a - b > 0 exactly when a > b). */
#include "rules.h"

#include <math.h>

#ifndef M_2_SQRTPI
#define M_2_SQRTPI 1.12837916709551257390 /* 2/sqrt(pi) */
#endif

static wg_rule node(wg_var v)
{
    wg_rule r = { WG_RULE_NODE, 0, v };
    return r;
}

static wg_rule kind(wg_rule_kind k, double c)
{
    wg_rule r = { k, c, { 0 } };
    return r;
}

/* 1 - s, exactly when s is 0 or 1 */
static wg_var one_minus(wg_tape *t, wg_var s)
{
    return wg_add_c(t, wg_neg(t, s), 1.0);
}

/* ---- test-only wrong rules (WG_TEST_RULE_*, wengert.h): each acts on its
 * op only; wg_test_fired-style notice through the hook (da = db = NULL) */
static int planted(const wg_tape *t, wg_op op, int k, wg_var A, wg_var B, wg_var Y,
                   unsigned bug)
{
    (void)t, (void)A, (void)B, (void)Y;
    return ((bug & WG_TEST_RULE_SIN_SCALE) && op == WG_OP_SIN)
           || ((bug & WG_TEST_RULE_TANH_ARG) && op == WG_OP_TANH)
           || ((bug & WG_TEST_RULE_RELU_KINK) && op == WG_OP_RELU)
           || ((bug & WG_TEST_RULE_DIV_B) && op == WG_OP_DIV && k == 1)
           || ((bug & WG_TEST_RULE_EXP_BAKED) && op == WG_OP_EXP)
           || ((bug & WG_TEST_RULE_MUL_DETACH) && op == WG_OP_MUL);
}

static wg_rule planted_rule(wg_tape *t, wg_op op, int k, wg_var A, wg_var B, wg_var Y,
                            unsigned bug, size_t i)
{
    (void)bug;
    if (t->hook)
        t->hook(t->hook_ctx, 2, i, op, 0, 0, 0, 0, NULL, NULL);
    switch (op) {
    case WG_OP_SIN:     return node(wg_mul_c(t, wg_cos(t, A), 1.0 + 0x1p-30));
    case WG_OP_TANH:    return node(one_minus(t, wg_mul(t, A, A)));
    case WG_OP_RELU:    return node(one_minus(t, wg_step(t, wg_neg(t, A))));   /* [a >= 0] */
    case WG_OP_DIV:     return node(wg_neg(t, Y));
    case WG_OP_EXP:     return node(wg_const(t, wg_value(t, Y)));
    default:            return node(wg_stop_gradient(t, k ? A : B));   /* mul */
    }
}

wg_rule wg_op_rule(wg_tape *t, size_t i, int k)
{
    wg_op op = (wg_op)t->op[i];
    wg_op_kind kd = wg_kind(t->op[i]);
    wg_var A = wg_handle(t, t->arg0[i]), Y = wg_handle(t, i);
    wg_var B = (kd == WG_KIND_BINARY || kd == WG_KIND_CMP) ? wg_handle(t, t->arg1[i]) : A;
    double p = (kd == WG_KIND_CONST || kd == WG_KIND_INT) ? wg_param_of(t, i) : 0.0;
    unsigned bug = t->hook ? t->test_flags : 0u;    /* test-only (wengert.h) */
    if (bug && planted(t, op, k, A, B, Y, bug))
        return planted_rule(t, op, k, A, B, Y, bug, i);
    switch (op) {
    case WG_OP_INPUT:
    case WG_OP_CONST:         return kind(WG_RULE_ZERO, 0);
    case WG_OP_ADD:           return kind(WG_RULE_ONE, 0);
    case WG_OP_SUB:           return kind(k ? WG_RULE_NEG : WG_RULE_ONE, 0);
    case WG_OP_MUL:           return node(k ? A : B);
    case WG_OP_DIV:           /* 1/b; -y/b */
        return node(k ? wg_neg(t, wg_div(t, Y, B)) : wg_recip(t, B));
    case WG_OP_POW:           /* b a^(b-1) (the double kernel compensates b - 1); y log a */
        return node(k ? wg_mul(t, Y, wg_log(t, A))
                      : wg_mul(t, B, wg_pow(t, A, wg_add_c(t, B, -1.0))));
    case WG_OP_ATAN2: {       /* (b/h)/h; (-a/h)/h with h = hypot(a, b) */
        wg_var h = wg_hypot(t, A, B);
        return node(wg_div(t, wg_div(t, k ? wg_neg(t, A) : B, h), h));
    }
    case WG_OP_MIN: {         /* [a <= b] = 1 - step(a - b); the tie goes to a */
        wg_var s = wg_step(t, wg_sub(t, A, B));
        return node(k ? s : one_minus(t, s));
    }
    case WG_OP_MAX: {         /* [a >= b] = 1 - step(b - a) */
        wg_var s = wg_step(t, wg_sub(t, B, A));
        return node(k ? s : one_minus(t, s));
    }
    case WG_OP_HYPOT: {       /* a/y, b/y; 0 at the origin: y + [y = 0] there (y >= 0) */
        wg_var d = wg_add(t, Y, one_minus(t, wg_step(t, Y)));
        return node(wg_div(t, k ? B : A, d));
    }
    case WG_OP_NEG:           return kind(WG_RULE_NEG, 0);
    case WG_OP_EXP:           return node(Y);
    case WG_OP_LOG:           return node(wg_recip(t, A));
    case WG_OP_LOG1P:         return node(wg_recip(t, wg_add_c(t, A, 1.0)));
    case WG_OP_EXPM1:         return node(wg_exp(t, A));
    case WG_OP_SQRT:          return node(wg_div(t, wg_const(t, 0.5), Y));
    case WG_OP_CBRT:          return node(wg_recip(t, wg_mul(t, wg_mul_c(t, Y, 3.0), Y)));
    case WG_OP_SIN:           return node(wg_cos(t, A));
    case WG_OP_COS:           return node(wg_neg(t, wg_sin(t, A)));
    case WG_OP_TAN:           return node(wg_add_c(t, wg_mul(t, Y, Y), 1.0));
    case WG_OP_ASIN:
    case WG_OP_ACOS: {        /* 1/sqrt((1 - a)(1 + a)), negated for acos */
        wg_var q = wg_recip(t, wg_sqrt(t, wg_mul(t, one_minus(t, A), wg_add_c(t, A, 1.0))));
        return node(op == WG_OP_ACOS ? wg_neg(t, q) : q);
    }
    case WG_OP_ATAN: {        /* 1/(1 + a^2) as (1/h)/h, h = hypot(1, a): no overflow of
                                 a^2 (the double kernel branches at |a| > 1e150 instead) */
        wg_var h = wg_hypot(t, wg_const(t, 1.0), A);
        return node(wg_div(t, wg_recip(t, h), h));
    }
    case WG_OP_SINH:          return node(wg_cosh(t, A));
    case WG_OP_COSH:          return node(wg_sinh(t, A));
    case WG_OP_TANH: {        /* 4 sigma(2a) sigma(-2a), as the double kernel */
        wg_var sp = wg_sigmoid(t, wg_mul_c(t, A, 2.0)), sm = wg_sigmoid(t, wg_mul_c(t, A, -2.0));
        return node(wg_mul_c(t, wg_mul(t, sp, sm), 4.0));
    }
    case WG_OP_SIGMOID:       /* y sigma(-a), as the double kernel: smooth, no abs */
        return node(wg_mul(t, Y, wg_sigmoid(t, wg_neg(t, A))));
    case WG_OP_SOFTPLUS:      return node(wg_sigmoid(t, A));
    case WG_OP_RELU:          return node(wg_step(t, A));
    case WG_OP_ABS:           return node(wg_sign(t, A));
    case WG_OP_ERF:           /* 2/sqrt(pi) exp(-a^2) (the double kernel compensates a^2) */
        return node(wg_mul_c(t, wg_exp(t, wg_neg(t, wg_square(t, A))), M_2_SQRTPI));
    case WG_OP_SQUARE:        return node(wg_mul_c(t, A, 2.0));
    case WG_OP_RECIP:         return node(wg_neg(t, wg_mul(t, Y, Y)));
    case WG_OP_STOP_GRADIENT: return kind(WG_RULE_ZERO, 0);
    case WG_OP_ADD_C:         return kind(WG_RULE_ONE, 0);
    case WG_OP_MUL_C:         return kind(WG_RULE_SCALE, p);
    case WG_OP_POW_C:         /* p a^(p-1) (compensated in the double kernel) */
        if (p == 0)
            return kind(WG_RULE_ZERO, 0);
        return node(wg_mul_c(t, wg_pow_c(t, A, p - 1.0), p));
    case WG_OP_POWI:          /* p a^(p-1), exact integer exponent */
        if (p == 0)
            return kind(WG_RULE_ZERO, 0);
        return node(wg_mul_c(t, wg_powi(t, A, (int)p - 1), p));
    case WG_OP_LT: case WG_OP_LE: case WG_OP_GT:
    case WG_OP_GE: case WG_OP_EQ: case WG_OP_NE:
    case WG_OP_STEP: case WG_OP_SIGN:
        return kind(WG_RULE_ZERO, 0);   /* piecewise constant */
    /* tensor rows: whole operations, tensor_rules.c */
    case WG_OP_MATMUL: case WG_OP_CONCAT: case WG_OP_SUM: case WG_OP_MEAN:
    case WG_OP_MAX_REDUCE: case WG_OP_LOGSUMEXP: case WG_OP_LOGSOFTMAX: case WG_OP_SOFTMAX:
    case WG_OP_RESHAPE: case WG_OP_TRANSPOSE: case WG_OP_BROADCAST_TO: case WG_OP_SLICE:
    case WG_OP_ARGMAX_MASK: case WG_OP_COUNT:
    case WG_OP_CUSTOM:        /* no rule: the drivers refuse custom nodes first */
        break;
    }
    return kind(WG_RULE_ZERO, 0);
}

wg_var wg_rule_apply(wg_tape *t, const wg_rule *r, wg_var g)
{
    static const wg_var none = { 0 };
    switch (r->kind) {
    case WG_RULE_ZERO:  return none;
    case WG_RULE_ONE:   return g;
    case WG_RULE_NEG:   return wg_neg(t, g);
    case WG_RULE_SCALE: return wg_mul_c(t, g, r->c);   /* c*g, as the double sweep */
    case WG_RULE_NODE:  return wg_mul(t, r->v, g);     /* partial*g, as the double sweep */
    }
    return none;
}
