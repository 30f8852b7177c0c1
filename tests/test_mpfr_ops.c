/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_mpfr_ops.c -- the MPFR kernels of the verifier: every op has one;
 * rounded to double they agree with the library's double kernels (libm)
 * within libm's documented error; at 256 bits they agree with 512 bits;
 * their domains are the library's, and a point outside is reported. */
#include "mpfr_ops.h"
#include "op_kernels.h"
#include "test_util.h"
#include "wengert.h"

#include <mpfr.h>

/* the error of the double kernel's value, in ulps: 0 for IEEE operations
 * (correctly rounded), glibc's documented maximum for its functions
 * ("Known Maximum Errors in Math Functions", x86_64: 1 for most, 2 for
 * sinh, cosh, tanh, 3 for cbrt), and for the composed sigmoid and
 * softplus the libm call plus their roundings */
static double value_budget(wg_op op)
{
    switch (op) {
    case WG_OP_INPUT: case WG_OP_CONST: case WG_OP_ADD: case WG_OP_SUB: case WG_OP_MUL:
    case WG_OP_DIV: case WG_OP_MIN: case WG_OP_MAX: case WG_OP_NEG: case WG_OP_SQRT:
    case WG_OP_RELU: case WG_OP_ABS: case WG_OP_SQUARE: case WG_OP_RECIP:
    case WG_OP_STOP_GRADIENT: case WG_OP_ADD_C: case WG_OP_MUL_C:
    case WG_OP_LT: case WG_OP_LE: case WG_OP_GT: case WG_OP_GE: case WG_OP_EQ: case WG_OP_NE:
    case WG_OP_STEP: case WG_OP_SIGN: case WG_OP_CUSTOM:
        return 0;
    case WG_OP_POW: case WG_OP_ATAN2: case WG_OP_HYPOT: case WG_OP_EXP: case WG_OP_LOG:
    case WG_OP_LOG1P: case WG_OP_EXPM1: case WG_OP_SIN: case WG_OP_COS: case WG_OP_TAN:
    case WG_OP_ASIN: case WG_OP_ACOS: case WG_OP_ATAN: case WG_OP_ERF: case WG_OP_POW_C:
    case WG_OP_POWI:
        return 1;
    case WG_OP_SINH: case WG_OP_COSH: case WG_OP_TANH:
        return 2;
    case WG_OP_CBRT: case WG_OP_SIGMOID: case WG_OP_SOFTPLUS:
        return 3;
    case WG_OP_MATMUL: case WG_OP_CONCAT: case WG_OP_SUM: case WG_OP_MEAN:
    case WG_OP_MAX_REDUCE: case WG_OP_LOGSUMEXP: case WG_OP_LOGSOFTMAX: case WG_OP_SOFTMAX:
    case WG_OP_RESHAPE: case WG_OP_TRANSPOSE: case WG_OP_BROADCAST_TO: case WG_OP_SLICE:
    case WG_OP_ARGMAX_MASK:
    case WG_OP_COUNT:
        break;
    }
    return 0;
}

static const double unary_pts[] = {
    0.0, -0.0, 4.9e-324, -4.9e-324, 2.2250738585072014e-308, 1e-300, -1e-300, 1e-20, -1e-20,
    1e-8, -1e-8, 0.1, -0.1, 0.5, -0.5, 0.7, -0.7, 0.999, -0.999, 1.0, -1.0, 1.0000001, 1.5,
    -1.5, 2.0, -2.0, 3.7, -3.7, 5.3, 10.0, -10.0, 19.5, -19.5, 20.0, 37.0, -37.0, 40.0, -40.0,
    100.0, -100.0, 355.0, -355.0, 700.0, -700.0, 710.0, -745.0, 1e5, -1e5, 1e15, 1e20, -1e20,
    1e150, -1e155, 1e300, -1e300, 1.7976931348623157e308
};

static const double binary_pts[] = {
    0.0, 1e-300, -1e-300, 1e-10, 0.25, -0.25, 0.5, 1.0, -1.0, 2.0, -2.0, 3.5, -7.0, 10.0,
    1e10, -1e10, 1e200, -1e200
};

static const double params[] = { -3, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 2.5, 1e-5, 7, -0.3, 1.0 / 3 };

/* a few extra points from a fixed generator, spread over [-50, 50] */
static double lcg_point(unsigned *state)
{
    *state = *state * 1664525u + 1013904223u;
    return ((double)(*state >> 8) / 16777216.0 - 0.5) * 100.0;
}

/* calls fn for every (a, b, p) the op's kind takes */
typedef void (*point_fn)(wg_op op, double a, double b, double p, void *ctx);

static void for_points(wg_op op, point_fn fn, void *ctx)
{
    size_t nu = sizeof unary_pts / sizeof unary_pts[0];
    size_t nb = sizeof binary_pts / sizeof binary_pts[0];
    size_t np = sizeof params / sizeof params[0];
    unsigned st = 12345u + (unsigned)op;
    switch (wg_op_kind_of(op)) {
    case WG_KIND_LEAF:
    case WG_KIND_UNARY:
        for (size_t i = 0; i < nu; i++)
            fn(op, unary_pts[i], 0, 0, ctx);
        for (int k = 0; k < 200; k++)
            fn(op, lcg_point(&st), 0, 0, ctx);
        for (int k = 0; k < 100; k++)           /* [-1, 1]: asin and acos */
            fn(op, lcg_point(&st) / 50, 0, 0, ctx);
        break;
    case WG_KIND_BINARY:
    case WG_KIND_CMP:
        for (size_t i = 0; i < nb; i++)
            for (size_t j = 0; j < nb; j++)
                fn(op, binary_pts[i], binary_pts[j], 0, ctx);
        for (int k = 0; k < 100; k++) {
            double a = lcg_point(&st);
            fn(op, a, lcg_point(&st), 0, ctx);
        }
        break;
    case WG_KIND_CONST:
    case WG_KIND_INT:
        for (size_t i = 0; i < nb; i++)
            for (size_t j = 0; j < np; j++) {
                double p = params[j];
                if (wg_op_kind_of(op) == WG_KIND_INT && p != nearbyint(p))
                    continue;
                fn(op, binary_pts[i], 0, p, ctx);
            }
        for (int k = 0; k < 100; k++)
            fn(op, lcg_point(&st) / 10, 0, wg_op_kind_of(op) == WG_KIND_INT ? 3 : 1.7, ctx);
        break;
    case WG_KIND_TUNARY:
    case WG_KIND_TBINARY:
        break;                  /* no scalar kernel: checked on their lowering */
    case WG_KIND_CUSTOM:
        break;                  /* the program's own: tests/test_custom_verify.c */
    }
}

/* Tensor ops have no MPFR kernel: a tensor tape is checked on its scalar
 * lowering (verify/lower.h, tests/test_check_tensor.c), whose ops are the
 * scalar ones. */
static int tensor_op(int op)
{
    wg_op_kind k = wg_op_kind_of((wg_op)op);
    return k == WG_KIND_TUNARY || k == WG_KIND_TBINARY;
}

static void every_op_has_a_kernel(void)
{
    for (int op = 0; op < WG_OP_COUNT; op++) {
        if (tensor_op(op)) {
            CU_ASSERT(!wg_mpfr_op_has_kernel((wg_op)op));
            continue;
        }
        if (!wg_mpfr_op_has_kernel((wg_op)op))
            fprintf(stderr, "\n  op %s has no MPFR kernel\n", wg_op_name((wg_op)op));
        CU_ASSERT(wg_mpfr_op_has_kernel((wg_op)op));
    }
    CU_ASSERT(!wg_mpfr_op_has_kernel(WG_OP_COUNT));
    CU_ASSERT(!wg_mpfr_op_has_kernel((wg_op)-1));
}

/* MPFR at `prec` bits from double arguments; WG_OK or WG_EDOM */
static int mpfr_at(wg_op op, double a, double b, double p, mpfr_prec_t prec, mpfr_t y,
                   wg_mpfr_scratch *s, const char **why)
{
    mpfr_t ma, mb;
    mpfr_inits2(64, ma, mb, (mpfr_ptr)0);
    mpfr_set_d(ma, a, MPFR_RNDN);
    mpfr_set_d(mb, b, MPFR_RNDN);
    mpfr_set_prec(y, prec);
    int st = wg_mpfr_op(op, y, ma, mb, p, s, why);
    mpfr_clears(ma, mb, (mpfr_ptr)0);
    return st;
}

typedef struct {
    wg_mpfr_scratch s;
    double worst;          /* largest ulps seen for this op */
    unsigned points, mismatched_domains;
} libm_ctx;

static void libm_point(wg_op op, double a, double b, double p, void *vctx)
{
    libm_ctx *c = vctx;
    mpfr_t y;
    mpfr_init2(y, 256);
    const char *why = NULL;
    int st = mpfr_at(op, a, b, p, 256, y, &c->s, &why);
    const char *dwhy = wg_op_domain(op, a, b, p);
    /* the same domain in both */
    if ((st == WG_EDOM) != (dwhy != NULL)) {
        c->mismatched_domains++;
        fprintf(stderr, "\n  %s(%.17g, %.17g; %g): MPFR %s, double %s\n", wg_op_name(op), a, b,
                p, why ? why : "inside", dwhy ? dwhy : "inside");
    }
    double v = wg_op_value(op, a, b, p);
    if (st == WG_OK && !dwhy && isfinite(v)) {
        double r = mpfr_get_d(y, MPFR_RNDN);
        double u = wg_test_ulps(v, r);
        if (u > c->worst)
            c->worst = u;
        if (!(u <= value_budget(op)))
            fprintf(stderr, "\n  %s(%.17g, %.17g; %g): libm %.17g, MPFR %.17g: %g ulps\n",
                    wg_op_name(op), a, b, p, v, r, u);
        CU_ASSERT(u <= value_budget(op));
        c->points++;
    }
    mpfr_clear(y);
}

static void agrees_with_libm(void)
{
    libm_ctx c = { .worst = 0 };
    wg_mpfr_scratch_init(&c.s);
    for (int op = 0; op < WG_OP_COUNT; op++) {
        if (tensor_op(op) || op == WG_OP_CUSTOM)
            continue;           /* custom ops: tests/test_custom_verify.c */
        c.worst = 0;
        c.points = 0;
        for_points((wg_op)op, libm_point, &c);
        CU_ASSERT(c.points > 50);   /* many points inside every domain */
    }
    CU_ASSERT_EQUAL(c.mismatched_domains, 0);
    wg_mpfr_scratch_clear(&c.s);
}

typedef struct {
    wg_mpfr_scratch s;
    unsigned points;
} prec_ctx;

/* at most one ulp at 256 bits between the kernel at 256 bits and the
 * kernel at 512 bits rounded to 256: correct rounding allows 0, a double
 * rounding 1; a composed kernel that lost bits would show more */
static void prec_point(wg_op op, double a, double b, double p, void *vctx)
{
    prec_ctx *c = vctx;
    mpfr_t y256, y512, r;
    mpfr_inits2(256, y256, r, (mpfr_ptr)0);
    mpfr_init2(y512, 512);
    int s1 = mpfr_at(op, a, b, p, 256, y256, &c->s, NULL);
    int s2 = mpfr_at(op, a, b, p, 512, y512, &c->s, NULL);
    CU_ASSERT_EQUAL(s1, s2);
    if (s1 == WG_OK && mpfr_number_p(y256)) {
        mpfr_set(r, y512, MPFR_RNDN);
        int ok = mpfr_equal_p(r, y256);
        if (!ok) {
            mpfr_nextabove(r);
            ok = mpfr_equal_p(r, y256);
            mpfr_nextbelow(r);
            mpfr_nextbelow(r);
            ok |= mpfr_equal_p(r, y256);
        }
        if (!ok)
            mpfr_fprintf(stderr, "\n  %s(%.17g, %.17g; %g): 256 bits %.80Re, 512 bits %.80Re\n",
                         wg_op_name(op), a, b, p, y256, y512);
        CU_ASSERT(ok);
        c->points++;
    }
    mpfr_clears(y256, y512, r, (mpfr_ptr)0);
}

static void agrees_across_precisions(void)
{
    prec_ctx c = { .points = 0 };
    wg_mpfr_scratch_init(&c.s);
    for (int op = 0; op < WG_OP_COUNT; op++)
        for_points((wg_op)op, prec_point, &c);
    CU_ASSERT(c.points > 5000);
    wg_mpfr_scratch_clear(&c.s);
}

/* exact-argument cases: the input node of a replay carries more than the
 * working precision; a composed kernel must not round it first */
static void wide_arguments(void)
{
    wg_mpfr_scratch s;
    wg_mpfr_scratch_init(&s);
    mpfr_t a, y, ref;
    mpfr_init2(a, 2000);
    mpfr_inits2(256, y, ref, (mpfr_ptr)0);
    /* a = 3 + 2^-1500: sigmoid(a) and softplus(a) differ from their values at
     * 3 by ~2^-1500, far below 256 bits, but a rounded to 256 bits first
     * would be 3 exactly: the test is that both agree with a 2000-bit
     * evaluation rounded, not merely with the value at 3 */
    mpfr_set_ui(a, 3, MPFR_RNDN);
    mpfr_t e;
    mpfr_init2(e, 2000);
    mpfr_set_ui_2exp(e, 1, -1500, MPFR_RNDN);
    mpfr_add(a, a, e, MPFR_RNDN);
    mpfr_neg(a, a, MPFR_RNDN);          /* the negative branch of sigmoid */
    CU_ASSERT_EQUAL(wg_mpfr_op(WG_OP_SIGMOID, y, a, NULL, 0, &s, NULL), WG_OK);
    mpfr_set_prec(ref, 2000);
    mpfr_exp(ref, a, MPFR_RNDN);
    mpfr_add_ui(e, ref, 1, MPFR_RNDN);
    mpfr_div(ref, ref, e, MPFR_RNDN);
    mpfr_prec_round(ref, 256, MPFR_RNDN);
    CU_ASSERT(mpfr_equal_p(y, ref));
    mpfr_clears(a, y, ref, e, (mpfr_ptr)0);
    wg_mpfr_scratch_clear(&s);
}

static void domains_reported(void)
{
    static const struct { wg_op op; double a, b, p; } bad[] = {
        { WG_OP_LOG, -1, 0, 0 },      { WG_OP_LOG, 0, 0, 0 },      { WG_OP_LOG, -0.0, 0, 0 },
        { WG_OP_LOG1P, -1, 0, 0 },    { WG_OP_LOG1P, -2, 0, 0 },   { WG_OP_SQRT, -1e-300, 0, 0 },
        { WG_OP_DIV, 1, 0, 0 },       { WG_OP_RECIP, 0, 0, 0 },    { WG_OP_RECIP, -0.0, 0, 0 },
        { WG_OP_POW, -2, 0.5, 0 },    { WG_OP_POW, 0, 2, 0 },      { WG_OP_ATAN2, 0, 0, 0 },
        { WG_OP_ASIN, 1.0000000000000002, 0, 0 }, { WG_OP_ACOS, -1.0000000000000002, 0, 0 },
        { WG_OP_POW_C, -2, 0, 0.5 },  { WG_OP_POW_C, 0, 0, -1 },  { WG_OP_POWI, 0, 0, -2 },
    };
    static const struct { wg_op op; double a, b, p; double want; } good[] = {
        { WG_OP_SQRT, 0, 0, 0, 0 },   { WG_OP_ASIN, 1, 0, 0, 1.5707963267948966 },
        { WG_OP_POW_C, 0, 0, 0, 1 },  { WG_OP_POWI, 0, 0, 0, 1 },  { WG_OP_POW_C, -2, 0, 3, -8 },
        { WG_OP_POWI, -2, 0, -3, -0.125 }, { WG_OP_LOG1P, -0.5, 0, 0, -0.69314718055994529 },
        { WG_OP_MIN, 2, 2, 0, 2 },    { WG_OP_RELU, -0.0, 0, 0, 0 }, { WG_OP_LT, 1, 2, 0, 1 },
        { WG_OP_NE, 1, 1, 0, 0 },
        /* step and sign: 0 at 0 and -0, the jump at the least subnormal */
        { WG_OP_STEP, 0, 0, 0, 0 },   { WG_OP_STEP, -0.0, 0, 0, 0 },
        { WG_OP_STEP, 4.9e-324, 0, 0, 1 }, { WG_OP_STEP, -4.9e-324, 0, 0, 0 },
        { WG_OP_STEP, 1e300, 0, 0, 1 }, { WG_OP_SIGN, 0, 0, 0, 0 },
        { WG_OP_SIGN, -0.0, 0, 0, 0 }, { WG_OP_SIGN, 4.9e-324, 0, 0, 1 },
        { WG_OP_SIGN, -4.9e-324, 0, 0, -1 }, { WG_OP_SIGN, -1e300, 0, 0, -1 },
    };
    wg_mpfr_scratch s;
    wg_mpfr_scratch_init(&s);
    mpfr_t y;
    mpfr_init2(y, 256);
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        const char *why = NULL;
        int st = mpfr_at(bad[k].op, bad[k].a, bad[k].b, bad[k].p, 256, y, &s, &why);
        if (st != WG_EDOM)
            fprintf(stderr, "\n  %s(%g, %g; %g) not reported\n", wg_op_name(bad[k].op),
                    bad[k].a, bad[k].b, bad[k].p);
        CU_ASSERT_EQUAL(st, WG_EDOM);
        CU_ASSERT_PTR_NOT_NULL(why);
        /* the reason is the library's */
        CU_ASSERT(why && wg_op_domain(bad[k].op, bad[k].a, bad[k].b, bad[k].p)
                  && strcmp(why, wg_op_domain(bad[k].op, bad[k].a, bad[k].b, bad[k].p)) == 0);
    }
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        const char *why = "unset";
        CU_ASSERT_EQUAL(mpfr_at(good[k].op, good[k].a, good[k].b, good[k].p, 256, y, &s, &why),
                        WG_OK);
        CU_ASSERT_PTR_NULL(why);
        WG_ASSERT_ULPS(mpfr_get_d(y, MPFR_RNDN), good[k].want, 0);
    }
    const char *why = NULL;
    CU_ASSERT_EQUAL(wg_mpfr_op(WG_OP_COUNT, y, y, y, 0, &s, &why), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(why);
    mpfr_clear(y);
    wg_mpfr_scratch_clear(&s);
}

/* min and max at a tie give the first argument, also at +0 and -0 */
static void ties_to_first(void)
{
    wg_mpfr_scratch s;
    wg_mpfr_scratch_init(&s);
    mpfr_t y;
    mpfr_init2(y, 256);
    CU_ASSERT_EQUAL(mpfr_at(WG_OP_MIN, -0.0, 0.0, 0, 256, y, &s, NULL), WG_OK);
    CU_ASSERT(mpfr_signbit(y));
    CU_ASSERT_EQUAL(mpfr_at(WG_OP_MAX, -0.0, 0.0, 0, 256, y, &s, NULL), WG_OK);
    CU_ASSERT(mpfr_signbit(y));
    CU_ASSERT_EQUAL(mpfr_at(WG_OP_MAX, 0.0, -0.0, 0, 256, y, &s, NULL), WG_OK);
    CU_ASSERT(!mpfr_signbit(y));
    mpfr_clear(y);
    wg_mpfr_scratch_clear(&s);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "every op has an MPFR kernel", every_op_has_a_kernel },
        { "MPFR rounded to double agrees with libm within its error", agrees_with_libm },
        { "256 bits agree with 512 bits", agrees_across_precisions },
        { "arguments wider than the working precision", wide_arguments },
        { "domain errors are reported with the library's reason", domains_reported },
        { "min and max at a tie give the first argument", ties_to_first },
        { NULL, NULL }
    };
    int rc = wg_test_main("mpfr_ops", cases);
    mpfr_free_cache();
    return rc;
}
