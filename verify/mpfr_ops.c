/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mpfr_ops.c -- the MPFR kernel of every op: a table indexed by the op
 * enum, so that wg_mpfr_op_has_kernel can say which op lacks one and a
 * test fails on it the day a row is added to WG_OP_LIST.
 *
 * Each kernel returns NULL, or the reason its arguments are outside the
 * op's domain.  The domains are lib/op_kernels.h's (wg_op_domain), decided
 * here on the exact MPFR values. */
#include "mpfr_ops.h"

#include <limits.h>

typedef const char *(*kernel_fn)(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p,
                                 wg_mpfr_scratch *s);

#define RND MPFR_RNDN

void wg_mpfr_scratch_init(wg_mpfr_scratch *s)
{
    mpfr_init2(s->t0, 64);
    mpfr_init2(s->t1, 64);
    mpfr_init2(s->tn, 64);
}

void wg_mpfr_scratch_clear(wg_mpfr_scratch *s)
{
    mpfr_clear(s->t0);
    mpfr_clear(s->t1);
    mpfr_clear(s->tn);
}

/* t0 and t1 at y's precision plus the guard bits (mpfr_set_prec reallocates
 * only when the precision grows past what was allocated) */
static void guard_to(wg_mpfr_scratch *s, mpfr_srcptr y)
{
    mpfr_prec_t p = mpfr_get_prec(y) + WG_MPFR_GUARD;
    if (p < 64)
        p = 64;
    if (mpfr_get_prec(s->t0) != p) {
        mpfr_set_prec(s->t0, p);
        mpfr_set_prec(s->t1, p);
    }
}

/* -a exactly: input nodes carry more bits than the working precision (the
 * point x0 + s u is held exactly), so a negation into a shorter temporary
 * would round */
static mpfr_srcptr neg_exact(wg_mpfr_scratch *s, mpfr_srcptr a)
{
    if (mpfr_get_prec(s->tn) != mpfr_get_prec(a))
        mpfr_set_prec(s->tn, mpfr_get_prec(a));
    mpfr_neg(s->tn, a, RND);
    return s->tn;
}

/* ---------------------------------------------------------------- leaves and arithmetic */

static const char *k_copy(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)p; (void)s;
    mpfr_set(y, a, RND);
    return NULL;
}

static const char *k_add(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)p; (void)s;
    mpfr_add(y, a, b, RND);
    return NULL;
}

static const char *k_sub(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)p; (void)s;
    mpfr_sub(y, a, b, RND);
    return NULL;
}

static const char *k_mul(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)p; (void)s;
    mpfr_mul(y, a, b, RND);
    return NULL;
}

static const char *k_div(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)p; (void)s;
    if (mpfr_zero_p(b))
        return "division by zero";
    mpfr_div(y, a, b, RND);
    return NULL;
}

static const char *k_pow(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)p; (void)s;
    if (mpfr_sgn(a) <= 0)
        return "base must be > 0 when the exponent is a variable "
               "(use powi or pow_c for a fixed exponent)";
    mpfr_pow(y, a, b, RND);
    return NULL;
}

static const char *k_atan2(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)p; (void)s;
    if (mpfr_zero_p(a) && mpfr_zero_p(b))
        return "atan2(0, 0) has no derivative";
    mpfr_atan2(y, a, b, RND);       /* C's order: atan2(a, b) is the angle of (b, a) */
    return NULL;
}

/* min and max choose by comparison, so that a tie gives the first
 * argument as lib/op_kernels.h does (mpfr_min would pick by sign at +-0) */
static const char *k_min(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)p; (void)s;
    mpfr_set(y, mpfr_lessequal_p(a, b) ? a : b, RND);
    return NULL;
}

static const char *k_max(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)p; (void)s;
    mpfr_set(y, mpfr_greaterequal_p(a, b) ? a : b, RND);
    return NULL;
}

static const char *k_hypot(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)p; (void)s;
    mpfr_hypot(y, a, b, RND);
    return NULL;
}

/* ---------------------------------------------------------------- unary ops MPFR has */

/* one correctly rounded MPFR function of one argument, no domain */
#define PLAIN_UNARY(name, call)                                                      \
    static const char *name(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p,      \
                            wg_mpfr_scratch *s)                                      \
    {                                                                                \
        (void)b; (void)p; (void)s;                                                   \
        call(y, a, RND);                                                             \
        return NULL;                                                                 \
    }

PLAIN_UNARY(k_neg, mpfr_neg)
PLAIN_UNARY(k_exp, mpfr_exp)
PLAIN_UNARY(k_expm1, mpfr_expm1)
PLAIN_UNARY(k_cbrt, mpfr_cbrt)
PLAIN_UNARY(k_sin, mpfr_sin)
PLAIN_UNARY(k_cos, mpfr_cos)
PLAIN_UNARY(k_tan, mpfr_tan)
PLAIN_UNARY(k_atan, mpfr_atan)
PLAIN_UNARY(k_sinh, mpfr_sinh)
PLAIN_UNARY(k_cosh, mpfr_cosh)
PLAIN_UNARY(k_tanh, mpfr_tanh)
PLAIN_UNARY(k_abs, mpfr_abs)
PLAIN_UNARY(k_erf, mpfr_erf)
PLAIN_UNARY(k_square, mpfr_sqr)

static const char *k_log(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)p; (void)s;
    if (mpfr_sgn(a) <= 0)
        return "argument must be > 0";
    mpfr_log(y, a, RND);
    return NULL;
}

static const char *k_log1p(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)p; (void)s;
    if (mpfr_cmp_si(a, -1) <= 0)
        return "argument must be > -1";
    mpfr_log1p(y, a, RND);
    return NULL;
}

static const char *k_sqrt(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)p; (void)s;
    if (mpfr_sgn(a) < 0)
        return "argument must be >= 0";
    mpfr_sqrt(y, a, RND);
    return NULL;
}

static const char *k_asin(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)p; (void)s;
    if (mpfr_cmpabs_ui(a, 1) > 0)
        return "argument must lie in [-1, 1]";
    mpfr_asin(y, a, RND);
    return NULL;
}

static const char *k_acos(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)p; (void)s;
    if (mpfr_cmpabs_ui(a, 1) > 0)
        return "argument must lie in [-1, 1]";
    mpfr_acos(y, a, RND);
    return NULL;
}

static const char *k_recip(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)p; (void)s;
    if (mpfr_zero_p(a))
        return "division by zero";
    mpfr_ui_div(y, 1, a, RND);      /* one correctly rounded division */
    return NULL;
}

/* ---------------------------------------------------------------- ops MPFR lacks */

/* sigmoid(a) = 1/(1 + e^-a) for a >= 0, e^a/(1 + e^a) for a < 0 (only exp
 * of a non-positive argument, as lib does, so nothing overflows).  Three
 * roundings at p + 32 bits: e carries a relative 2^-(p+32), 1 + e at most
 * twice that (e/(1 + e) <= 1 damps the first), the quotient three times.
 * So before the last rounding the value is within 2^-(p+30) relative,
 * and the result is the correctly rounded one except when the exact value
 * lies within 2^-30 ulp of a midpoint; at p bits directly, the same three
 * roundings would leave up to 2 ulps. */
static const char *k_sigmoid(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p,
                             wg_mpfr_scratch *s)
{
    (void)b; (void)p;
    guard_to(s, y);
    int nonneg = mpfr_sgn(a) >= 0;
    mpfr_exp(s->t0, nonneg ? neg_exact(s, a) : a, RND);      /* e = exp(-|a|) */
    mpfr_add_ui(s->t1, s->t0, 1, RND);                      /* 1 + e */
    if (nonneg)
        mpfr_ui_div(y, 1, s->t1, RND);
    else
        mpfr_div(y, s->t0, s->t1, RND);
    return NULL;
}

/* softplus(a) = log(1 + e^a) = max(a, 0) + log1p(e^-|a|): no overflow, and
 * for very negative a the value e^a keeps its relative accuracy.  log1p at
 * e <= 1 has condition e/((1 + e) log1p(e)) <= 1, so the error of e passes
 * through undamped at worst; for a > 0 both summands are positive, so the
 * sum adds no condition either: as for sigmoid, a few roundings at p + 32
 * bits and one at p. */
static const char *k_softplus(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p,
                              wg_mpfr_scratch *s)
{
    (void)b; (void)p;
    guard_to(s, y);
    if (mpfr_sgn(a) > 0) {
        mpfr_exp(s->t0, neg_exact(s, a), RND);
        mpfr_log1p(s->t0, s->t0, RND);
        mpfr_add(y, a, s->t0, RND);
    } else {
        mpfr_exp(s->t0, a, RND);
        mpfr_log1p(y, s->t0, RND);
    }
    return NULL;
}

/* relu'(0) = 0 is the derivative's business; the value is exact */
static const char *k_relu(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)p; (void)s;
    if (mpfr_sgn(a) > 0)
        mpfr_set(y, a, RND);
    else
        mpfr_set_zero(y, 1);
    return NULL;
}

/* step and sign: relu' and abs' as ops, exact (0, +-1), 0 at 0 as the
 * double kernels; their jump at 0 is the check's business (a kink,
 * convention.c), not the value's */
static const char *k_step(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)p; (void)s;
    mpfr_set_ui(y, mpfr_sgn(a) > 0 ? 1u : 0u, RND);
    return NULL;
}

static const char *k_sign(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)p; (void)s;
    int sg = mpfr_sgn(a);
    mpfr_set_si(y, sg > 0 ? 1 : sg < 0 ? -1 : 0, RND);
    return NULL;
}

/* stop_gradient is the identity in value; the replay holds it at its
 * value at the point (verify/mpfr_replay.c), which is where it differs */
#define k_stop_gradient k_copy

static const char *k_add_c(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)s;
    mpfr_add_d(y, a, p, RND);       /* c is a double: taken exactly, one rounding */
    return NULL;
}

static const char *k_mul_c(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)s;
    mpfr_mul_d(y, a, p, RND);
    return NULL;
}

/* a^c with c a double: c goes exactly into a temporary of at least 64 bits,
 * and mpfr_pow is correctly rounded, negative bases with an integral c
 * included */
static const char *k_pow_c(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b;
    guard_to(s, y);
    mpfr_set_d(s->t0, p, RND);      /* exact: t0 has at least 64 bits */
    if (mpfr_sgn(a) < 0 && !mpfr_integer_p(s->t0))
        return "negative base needs an integral exponent";
    if (mpfr_zero_p(a) && p < 0)
        return "zero base needs a non-negative exponent";
    mpfr_pow(y, a, s->t0, RND);
    return NULL;
}

static const char *k_powi(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p, wg_mpfr_scratch *s)
{
    (void)b; (void)s;
    if (mpfr_zero_p(a) && p < 0)
        return "zero base needs a non-negative exponent";
    /* the recorder keeps n an int, so p is integral and fits a long */
    mpfr_pow_si(y, a, (long)p, RND);
    return NULL;
}

/* ---------------------------------------------------------------- comparisons: exact 0 or 1 */

#define COMPARISON(name, pred)                                                      \
    static const char *name(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p,     \
                            wg_mpfr_scratch *s)                                     \
    {                                                                               \
        (void)p; (void)s;                                                           \
        mpfr_set_ui(y, (pred) ? 1u : 0u, RND);                                      \
        return NULL;                                                                \
    }

COMPARISON(k_lt, mpfr_less_p(a, b))
COMPARISON(k_le, mpfr_lessequal_p(a, b))
COMPARISON(k_gt, mpfr_greater_p(a, b))
COMPARISON(k_ge, mpfr_greaterequal_p(a, b))
COMPARISON(k_eq, mpfr_equal_p(a, b))
COMPARISON(k_ne, !mpfr_equal_p(a, b))

/* ---------------------------------------------------------------- custom ops: p is the id */

static const char *k_custom(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p,
                            wg_mpfr_scratch *s)
{
    (void)s;
    return wg_custom_mpfr_value((int)p, y, a, b);
}

/* ---------------------------------------------------------------- the table */

/* Designated initializers: a row of WG_OP_LIST without a line here is a
 * NULL entry, which wg_mpfr_op_has_kernel reports and the test rejects. */
static const kernel_fn kernels[WG_OP_COUNT] = {
    [WG_OP_INPUT] = k_copy,         [WG_OP_CONST] = k_copy,
    [WG_OP_ADD] = k_add,            [WG_OP_SUB] = k_sub,
    [WG_OP_MUL] = k_mul,            [WG_OP_DIV] = k_div,
    [WG_OP_POW] = k_pow,            [WG_OP_ATAN2] = k_atan2,
    [WG_OP_MIN] = k_min,            [WG_OP_MAX] = k_max,
    [WG_OP_HYPOT] = k_hypot,        [WG_OP_NEG] = k_neg,
    [WG_OP_EXP] = k_exp,            [WG_OP_LOG] = k_log,
    [WG_OP_LOG1P] = k_log1p,        [WG_OP_EXPM1] = k_expm1,
    [WG_OP_SQRT] = k_sqrt,          [WG_OP_CBRT] = k_cbrt,
    [WG_OP_SIN] = k_sin,            [WG_OP_COS] = k_cos,
    [WG_OP_TAN] = k_tan,            [WG_OP_ASIN] = k_asin,
    [WG_OP_ACOS] = k_acos,          [WG_OP_ATAN] = k_atan,
    [WG_OP_SINH] = k_sinh,          [WG_OP_COSH] = k_cosh,
    [WG_OP_TANH] = k_tanh,          [WG_OP_SIGMOID] = k_sigmoid,
    [WG_OP_SOFTPLUS] = k_softplus,  [WG_OP_RELU] = k_relu,
    [WG_OP_ABS] = k_abs,            [WG_OP_ERF] = k_erf,
    [WG_OP_SQUARE] = k_square,      [WG_OP_RECIP] = k_recip,
    [WG_OP_STOP_GRADIENT] = k_stop_gradient,
    [WG_OP_ADD_C] = k_add_c,        [WG_OP_MUL_C] = k_mul_c,
    [WG_OP_POW_C] = k_pow_c,        [WG_OP_POWI] = k_powi,
    [WG_OP_LT] = k_lt,              [WG_OP_LE] = k_le,
    [WG_OP_GT] = k_gt,              [WG_OP_GE] = k_ge,
    [WG_OP_EQ] = k_eq,              [WG_OP_NE] = k_ne,
    [WG_OP_STEP] = k_step,          [WG_OP_SIGN] = k_sign,
    [WG_OP_CUSTOM] = k_custom,
};

int wg_mpfr_op_has_kernel(wg_op op)
{
    return (unsigned)op < WG_OP_COUNT && kernels[op] != NULL;
}

int wg_mpfr_op(wg_op op, mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, double p,
               wg_mpfr_scratch *s, const char **why)
{
    if (!wg_mpfr_op_has_kernel(op)) {
        if (why)
            *why = "no MPFR kernel for this op";
        return WG_EINVAL;
    }
    const char *reason = kernels[op](y, a, b, p, s);
    if (why)
        *why = reason;
    return reason ? WG_EDOM : WG_OK;
}
