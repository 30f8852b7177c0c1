/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ops.c -- every op of WG_OP_LIST, one row each: its value against a
 * long double reference, its tangent (wg_jvp) and adjoint (wg_grad) against a
 * derivative written here independently of lib/op_kernels.h, forward against
 * reverse, the same variable in both slots of a binary op, the *_c and powi
 * variants, and the conventions at non-smooth points.
 *
 * The rows are looked up by walking WG_OP_LIST, so an op added to the table
 * without a row here fails "every op has a test row".
 *
 * References are computed in long double (64-bit significand, 11 bits more
 * than double, and a far wider exponent range) so that the reference's own
 * rounding is below 1/1000 ulp of the double result and no reference
 * overflows where the true value is finite in double.  Tolerances are
 * counted in ulps of the double result (for sums of two partials, in ulps
 * of the sum of their magnitudes) and each row says where its budget comes
 * from: every IEEE operation rounds by at most 1/2 ulp, and glibc's libm
 * functions are within 1 ulp, sinh, cosh and tanh within 2 (glibc manual,
 * "Known Maximum Errors in Math Functions", x86-64); cbrt is the outlier,
 * up to 3 ulps on these points. */
#include "test_util.h"
#include "wengert.h"

#include <float.h>
#include <math.h>
#include <stdio.h>

typedef long double ld;

static const ld PI_L = 3.141592653589793238462643383279502884L;

/* ------------------------------------------------------------------ ulps */

/* the spacing of doubles at |x|: 2^(e-53) for a normal x, the subnormal
 * spacing below DBL_MIN */
static double ulp_of(double x)
{
    x = fabs(x);
    if (!(x >= DBL_MIN))
        return DBL_TRUE_MIN;
    if (x > DBL_MAX)
        x = DBL_MAX;
    int e;
    frexp(x, &e);
    return ldexp(1.0, e - 53);
}

/* got lies within n ulps of ref, the ulp taken at `scale` (the size of the
 * terms whose roundings make up the error; |ref| for one term).  Infinite and
 * NaN results must match exactly (a signed infinity, or NaN for NaN). */
static int near_ulps(double got, ld ref, double n, ld scale)
{
    double r = (double)ref;
    if (isnan(r) || isnan(got))
        return isnan(r) && isnan(got);
    if (isinf(r) || isinf(got))
        return r == got;
    double s = fmax(fmax(fabs((double)scale), fabs(r)), fabs(got));
    return fabsl((ld)got - ref) <= (ld)n * ulp_of(s);
}

/* the point being checked, for messages */
static const char *cur_op = "";
static double cur_a, cur_b;

#define CHECK_NEAR(what, got, ref, n, scale) do {                                  \
        double g_ = (got);                                                         \
        ld r_ = (ref);                                                             \
        int ok_ = near_ulps(g_, r_, (n), (scale));                                 \
        if (!ok_)                                                                  \
            fprintf(stderr, "\n  %s %s at (%.17g, %.17g): got %.17g, want %.21Lg " \
                    "(tolerance %g ulps)\n", cur_op, what, cur_a, cur_b, g_, r_,   \
                    (double)(n));                                                  \
        CU_ASSERT(ok_);                                                            \
    } while (0)

/* the same number (+0 and -0 alike: 0 + -0 is +0, so a reverse sweep that
 * adds into a zeroed buffer cannot keep a tangent's -0), or both NaN */
#define CHECK_SAME(what, x, y) do {                                                \
        double x_ = (x), y_ = (y);                                                 \
        int ok_ = x_ == y_ || (isnan(x_) && isnan(y_));                           \
        if (!ok_)                                                                  \
            fprintf(stderr, "\n  %s %s at (%.17g, %.17g): %.17g != %.17g\n",      \
                    cur_op, what, cur_a, cur_b, x_, y_);                           \
        CU_ASSERT(ok_);                                                            \
    } while (0)

#define CHECK_STATUS(what, got, want) do {                                         \
        int s_ = (got), w_ = (want);                                               \
        if (s_ != w_)                                                              \
            fprintf(stderr, "\n  %s %s at (%.17g, %.17g): status %d (%s), want %d\n", \
                    cur_op, what, cur_a, cur_b, s_, wg_strerror(s_), w_);          \
        CU_ASSERT_EQUAL(s_, w_);                                                   \
    } while (0)

/* ------------------------------------------------------------------ recording
 *
 * Every op through its own public function, generated from WG_OP_LIST as
 * lib/record.c generates them, so the test walks the same table. */

static wg_var record_op(wg_tape *t, wg_op op, wg_var a, wg_var b, double c)
{
    static const wg_var none = { 0 };
    size_t before = wg_tape_size(t);
    (void)before;
    switch (op) {
#define CALL_LEAF(name)   return wg_##name(t, c);
#define CALL_UNARY(name)  return wg_##name(t, a);
#define CALL_BINARY(name) return wg_##name(t, a, b);
#define CALL_CONST(name)  return wg_##name(t, a, c);
#define CALL_INT(name)    return wg_##name(t, a, (int)c);
    /* a comparison returns its outcome; the node it records is the last one */
#define CALL_CMP(name) {                                                       \
        int r_ = wg_##name(t, a, b);                                           \
        if (wg_tape_size(t) == before)                                         \
            return none;                                                       \
        wg_var v_ = wg_tape_var(t, before);                                    \
        CU_ASSERT_EQUAL(r_, wg_value(t, v_) != 0);                             \
        return v_;                                                             \
    }
    /* tensor rows are tested in tests/test_tensor.c */
#define CALL_TUNARY(name)  break;
#define CALL_TBINARY(name) break;
#define CALL_CUSTOM(name) break;
#define CALL_X(E, name, kind) case WG_OP_##E: CALL_##kind(name)
    WG_OP_LIST(CALL_X)
#undef CALL_X
    case WG_OP_COUNT:
        break;
    }
    return none;
}

/* ------------------------------------------------------------------ references
 *
 * f(a, b, p): the value; df: the partials w.r.t. a and b (p is the constant
 * of CONST and INT ops).  Written from the mathematics, not from the
 * library's kernels. */

typedef ld (*ref_fn)(ld a, ld b, ld p);
typedef void (*ref_dfn)(ld a, ld b, ld p, ld *da, ld *db);
typedef int (*dom_fn)(double a, double b, double p);

#define UNUSED3 (void)a; (void)b; (void)p

static ld f_ident(ld a, ld b, ld p) { UNUSED3; return a; }
static void d_one(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = 1; *db = 0; }
static void d_zero(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = 0; *db = 0; }

static ld f_add(ld a, ld b, ld p) { UNUSED3; return a + b; }
static void d_add(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = 1; *db = 1; }
static ld f_sub(ld a, ld b, ld p) { UNUSED3; return a - b; }
static void d_sub(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = 1; *db = -1; }
static ld f_mul(ld a, ld b, ld p) { UNUSED3; return a * b; }
static void d_mul(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = b; *db = a; }
static ld f_div(ld a, ld b, ld p) { UNUSED3; return a / b; }
static void d_div(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = 1 / b; *db = -a / (b * b); }
static ld f_pow(ld a, ld b, ld p) { UNUSED3; return powl(a, b); }
/* d/da a^b = b a^b / a: long double's range holds a^b for every double
 * a > 0 and the b here, so no exponent b - 1 is rounded */
static void d_pow(ld a, ld b, ld p, ld *da, ld *db)
{
    UNUSED3;
    *da = b * powl(a, b) / a;
    *db = powl(a, b) * logl(a);
}
static ld f_atan2(ld a, ld b, ld p) { UNUSED3; return atan2l(a, b); }
static void d_atan2(ld a, ld b, ld p, ld *da, ld *db)
{
    UNUSED3;
    ld r2 = a * a + b * b;
    *da = b / r2;
    *db = -a / r2;
}
/* min and max: at a tie the whole derivative goes to the first argument */
static ld f_min(ld a, ld b, ld p) { UNUSED3; return a <= b ? a : b; }
static void d_min(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = a <= b; *db = a > b; }
static ld f_max(ld a, ld b, ld p) { UNUSED3; return a >= b ? a : b; }
static void d_max(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = a >= b; *db = a < b; }
static ld f_hypot(ld a, ld b, ld p) { UNUSED3; return sqrtl(a * a + b * b); }
/* hypot at the origin: partials (0, 0), the zero subgradient */
static void d_hypot(ld a, ld b, ld p, ld *da, ld *db)
{
    UNUSED3;
    ld h = sqrtl(a * a + b * b);
    *da = h == 0 ? 0 : a / h;
    *db = h == 0 ? 0 : b / h;
}

static ld f_neg(ld a, ld b, ld p) { UNUSED3; return -a; }
static void d_neg(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = -1; *db = 0; }
static ld f_exp(ld a, ld b, ld p) { UNUSED3; return expl(a); }
static void d_exp(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = expl(a); *db = 0; }
static ld f_log(ld a, ld b, ld p) { UNUSED3; return logl(a); }
static void d_log(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = 1 / a; *db = 0; }
static ld f_log1p(ld a, ld b, ld p) { UNUSED3; return log1pl(a); }
static void d_log1p(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = 1 / (1 + a); *db = 0; }
static ld f_expm1(ld a, ld b, ld p) { UNUSED3; return expm1l(a); }
static void d_expm1(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = expl(a); *db = 0; }
static ld f_sqrt(ld a, ld b, ld p) { UNUSED3; return sqrtl(a); }
static void d_sqrt(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = 1 / (2 * sqrtl(a)); *db = 0; }
static ld f_cbrt(ld a, ld b, ld p) { UNUSED3; return cbrtl(a); }
static void d_cbrt(ld a, ld b, ld p, ld *da, ld *db)
{
    UNUSED3;
    ld c = cbrtl(a);
    *da = 1 / (3 * c * c);
    *db = 0;
}
static ld f_sin(ld a, ld b, ld p) { UNUSED3; return sinl(a); }
static void d_sin(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = cosl(a); *db = 0; }
static ld f_cos(ld a, ld b, ld p) { UNUSED3; return cosl(a); }
static void d_cos(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = -sinl(a); *db = 0; }
static ld f_tan(ld a, ld b, ld p) { UNUSED3; return tanl(a); }
static void d_tan(ld a, ld b, ld p, ld *da, ld *db)
{
    UNUSED3;
    ld c = cosl(a);
    *da = 1 / (c * c);
    *db = 0;
}
/* 1 - a^2 as (1 - a)(1 + a): both factors are exact in long double for a
 * double a, where a*a would lose the bits that 1 - a^2 keeps near |a| = 1 */
static ld f_asin(ld a, ld b, ld p) { UNUSED3; return asinl(a); }
static void d_asin(ld a, ld b, ld p, ld *da, ld *db)
{
    UNUSED3;
    *da = 1 / sqrtl((1 - a) * (1 + a));
    *db = 0;
}
static ld f_acos(ld a, ld b, ld p) { UNUSED3; return acosl(a); }
static void d_acos(ld a, ld b, ld p, ld *da, ld *db)
{
    UNUSED3;
    *da = -1 / sqrtl((1 - a) * (1 + a));
    *db = 0;
}
static ld f_atan(ld a, ld b, ld p) { UNUSED3; return atanl(a); }
static void d_atan(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = 1 / (1 + a * a); *db = 0; }
static ld f_sinh(ld a, ld b, ld p) { UNUSED3; return sinhl(a); }
static void d_sinh(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = coshl(a); *db = 0; }
static ld f_cosh(ld a, ld b, ld p) { UNUSED3; return coshl(a); }
static void d_cosh(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = sinhl(a); *db = 0; }
static ld f_tanh(ld a, ld b, ld p) { UNUSED3; return tanhl(a); }
static void d_tanh(ld a, ld b, ld p, ld *da, ld *db)
{
    UNUSED3;
    ld c = coshl(a);
    *da = 1 / (c * c);
    *db = 0;
}
static ld f_sigmoid(ld a, ld b, ld p) { UNUSED3; return 1 / (1 + expl(-a)); }
/* sigma' = e^-a / (1 + e^-a)^2, which is even in a: evaluated at -|a| so
 * that e^|a| never overflows even long double */
static void d_sigmoid(ld a, ld b, ld p, ld *da, ld *db)
{
    UNUSED3;
    ld e = expl(-fabsl(a));
    *da = e / ((1 + e) * (1 + e));
    *db = 0;
}
/* log(1 + e^a) = a + log(1 + e^-a) for a > 0 keeps e^a in range */
static ld f_softplus(ld a, ld b, ld p)
{
    UNUSED3;
    return a > 0 ? a + log1pl(expl(-a)) : log1pl(expl(a));
}
static void d_softplus(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = 1 / (1 + expl(-a)); *db = 0; }
/* relu'(0) = 0 and abs'(0) = 0: the documented conventions */
static ld f_relu(ld a, ld b, ld p) { UNUSED3; return a > 0 ? a : 0; }
static void d_relu(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = a > 0 ? 1 : 0; *db = 0; }
static ld f_abs(ld a, ld b, ld p) { UNUSED3; return fabsl(a); }
static void d_abs(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = a > 0 ? 1 : a < 0 ? -1 : 0; *db = 0; }
/* step and sign: relu' and abs' as ops, 0 at 0 (and -0); piecewise
 * constant, so their derivative is 0 everywhere (d_zero) */
static ld f_step(ld a, ld b, ld p) { UNUSED3; return a > 0 ? 1 : 0; }
static ld f_sign(ld a, ld b, ld p) { UNUSED3; return a > 0 ? 1 : a < 0 ? -1 : 0; }
static ld f_erf(ld a, ld b, ld p) { UNUSED3; return erfl(a); }
/* (2/sqrt(pi)) e^{-a^2} with a^2 = s + e exactly (fmal): the rounding of a*a
 * would otherwise be magnified by a^2 in the exponential */
static void d_erf(ld a, ld b, ld p, ld *da, ld *db)
{
    UNUSED3;
    ld s = a * a, e = fmal(a, a, -s);
    /* past 12000 e^{-s} is 0 even in long double, and e may be huge */
    *da = s > 12000 ? 0 : 2 / sqrtl(PI_L) * expl(-s) * expl(-e);
    *db = 0;
}
static ld f_square(ld a, ld b, ld p) { UNUSED3; return a * a; }
static void d_square(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = 2 * a; *db = 0; }
static ld f_recip(ld a, ld b, ld p) { UNUSED3; return 1 / a; }
static void d_recip(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = -1 / (a * a); *db = 0; }

static ld f_add_c(ld a, ld b, ld p) { UNUSED3; return a + p; }
static ld f_mul_c(ld a, ld b, ld p) { UNUSED3; return a * p; }
static void d_mul_c(ld a, ld b, ld p, ld *da, ld *db) { UNUSED3; *da = p; *db = 0; }
static ld f_pow_c(ld a, ld b, ld p) { UNUSED3; return powl(a, p); }
/* d/da a^p = p a^(p-1); p - 1 is exact in long double for the constants
 * used here, and an exponent 0 gives the derivative 0 even at a = 0 */
static void d_pow_c(ld a, ld b, ld p, ld *da, ld *db)
{
    UNUSED3;
    *da = p == 0 ? 0 : p * powl(a, p - 1);
    *db = 0;
}

static ld f_lt(ld a, ld b, ld p) { UNUSED3; return a < b; }
static ld f_le(ld a, ld b, ld p) { UNUSED3; return a <= b; }
static ld f_gt(ld a, ld b, ld p) { UNUSED3; return a > b; }
static ld f_ge(ld a, ld b, ld p) { UNUSED3; return a >= b; }
static ld f_eq(ld a, ld b, ld p) { UNUSED3; return a == b; }
static ld f_ne(ld a, ld b, ld p) { UNUSED3; return a != b; }

/* domains, as wengert.h states them */
static int dom_div(double a, double b, double p) { (void)a; (void)p; return b != 0; }
static int dom_recip(double a, double b, double p) { (void)b; (void)p; return a != 0; }
static int dom_pos(double a, double b, double p) { (void)b; (void)p; return a > 0; }
static int dom_atan2(double a, double b, double p) { (void)p; return a != 0 || b != 0; }
static int dom_log1p(double a, double b, double p) { (void)b; (void)p; return a > -1; }
static int dom_sqrt(double a, double b, double p) { (void)b; (void)p; return a >= 0; }
static int dom_unit(double a, double b, double p) { (void)b; (void)p; return a >= -1 && a <= 1; }
static int dom_pow_c(double a, double b, double p)
{
    (void)b;
    if (a < 0 && p != floor(p))
        return 0;
    return !(a == 0 && p < 0);
}

/* ------------------------------------------------------------------ rows */

/* Extra points per op, beyond the common grid: the edges of each domain and
 * the places where a careless formula loses its digits. */
static const double pts_none[] = { 0 };
static const double pts_exp[] = { -745.1, -745, -708.5, -1e-10, 1e-10, 709.7, 88.7 };
static const double pts_log[] = { 0x1p-1074, 0x1p-1022, 1 - 0x1p-53, 1 + 0x1p-52, 0.9999999, 1.0000001 };
static const double pts_log1p[] = { -1 + 0x1p-52, -1 + 0x1p-30, -0.9999999, -1e-10, 1e-10, -0x1p-1074, 1e-300, 1e15 };
static const double pts_expm1[] = { 1e-10, -1e-10, 1e-300, -1e-300, 1e-17, 0x1p-1074, 709.7, -40 };
static const double pts_sqrt[] = { 0x1p-1074, 0x1p-1022, 1e-310, 0.25, 4 };
static const double pts_cbrt[] = { 0x1p-1074, -0x1p-1074, -8, 27, 1e-310, -1e300 };
static const double pts_trig[] = { 1e22, -1e22, 1e-300, 3.141592653589793, 1.5707963267948966,
                                   -1.5707963267948966, 4.71238898038469, 1e6, 0x1p-1074 };
static const double pts_asin[] = { 1, -1, 1 - 0x1p-53, -1 + 0x1p-53, 1 - 1e-10, 0.9999, -0.9999,
                                   1e-300, 0x1p-1074, 1 + 0x1p-52, -1.5 };
static const double pts_atan[] = { 1e150, 1e151, 1e155, -1e155, 1e200, 1.34e154, 1e-300 };
static const double pts_hyp[] = { 20, -20, 40, -40, 300, 355, 710, -710, 711, 1e-10, -1e-300 };
static const double pts_sigmoid[] = { 40, -40, 700, -700, 36, 37, 38, -745, 745, 1e-10, -1e-10 };
static const double pts_softplus[] = { 700, -700, 40, -40, 37, 1e-10, -745, 1e300 };
static const double pts_erf[] = { 6, -6, 5.3, 3.7, 3.5172, 26.5, 27, 1e-10, 0.476936, 1e-300 };
static const double pts_recip[] = { 0x1p-1022, 0x1p1023, 1e-308, 1e308, 0.1, 3 };

typedef struct {
    wg_op op;
    ref_fn f;
    ref_dfn df;
    dom_fn dom;               /* NULL: defined everywhere */
    const double *extra;      /* extra values of a (unary, const and int rows) */
    size_t nextra;
    double vtol, dtol;        /* ulps of the value, of each partial */
} op_row;

#define PTS(p) p, sizeof p / sizeof p[0]
#define NOPTS pts_none, 0

/* Budgets (see the head of the file): exact IEEE ops and exact partials get
 * 0 or 1/2 ulp, rounded up to 0 or 1; libm calls 1 ulp plus 1/2 for the
 * reference's rounding to double; each further rounding in the kernel adds
 * 1/2 ulp, and a squared factor doubles its relative error. */
static const op_row rows[] = {
    /* leaves: the value is stored as given; derivative of a node w.r.t. itself is 1 */
    { WG_OP_INPUT, f_ident, d_one, NULL, NOPTS, 0, 0 },
    { WG_OP_CONST, f_ident, d_one, NULL, NOPTS, 0, 0 },
    /* binary: add/sub/mul/min/max are one IEEE op with exact partials */
    { WG_OP_ADD, f_add, d_add, NULL, NOPTS, 1, 0 },
    { WG_OP_SUB, f_sub, d_sub, NULL, NOPTS, 1, 0 },
    { WG_OP_MUL, f_mul, d_mul, NULL, NOPTS, 1, 0 },
    /* 1/b: one rounding; -(a/b)/b: two, 1 ulp, +1/2 for the reference */
    { WG_OP_DIV, f_div, d_div, dom_div, NOPTS, 1, 2 },
    /* pow is within 1 ulp; b a^(b-1) and a^b log a add a product each and
     * a pow or log: 3 ulps */
    { WG_OP_POW, f_pow, d_pow, dom_pos, NOPTS, 2, 3 },
    /* hypot (1 ulp) then two divisions: 2 ulps, +1/2: 3 */
    { WG_OP_ATAN2, f_atan2, d_atan2, dom_atan2, NOPTS, 2, 3 },
    { WG_OP_MIN, f_min, d_min, NULL, NOPTS, 0, 0 },
    { WG_OP_MAX, f_max, d_max, NULL, NOPTS, 0, 0 },
    /* hypot 1 ulp, a/hypot one more rounding */
    { WG_OP_HYPOT, f_hypot, d_hypot, NULL, NOPTS, 2, 2 },
    /* unary */
    { WG_OP_NEG, f_neg, d_neg, NULL, NOPTS, 0, 0 },
    { WG_OP_EXP, f_exp, d_exp, NULL, PTS(pts_exp), 2, 2 },
    { WG_OP_LOG, f_log, d_log, dom_pos, PTS(pts_log), 2, 1 },
    /* 1/(1 + a): two roundings */
    { WG_OP_LOG1P, f_log1p, d_log1p, dom_log1p, PTS(pts_log1p), 2, 2 },
    { WG_OP_EXPM1, f_expm1, d_expm1, NULL, PTS(pts_expm1), 2, 2 },
    /* sqrt is correctly rounded; 0.5/y one more rounding */
    { WG_OP_SQRT, f_sqrt, d_sqrt, dom_sqrt, PTS(pts_sqrt), 1, 2 },
    /* cbrt within 3 ulps, +1/2 for the reference; its square doubles
     * that, then a product and a division: 6 + 1 + 1/2 */
    { WG_OP_CBRT, f_cbrt, d_cbrt, NULL, PTS(pts_cbrt), 4, 8 },
    { WG_OP_SIN, f_sin, d_sin, NULL, PTS(pts_trig), 2, 2 },
    { WG_OP_COS, f_cos, d_cos, NULL, PTS(pts_trig), 2, 2 },
    /* 1 + tan^2: tan's 1 ulp doubles in the square, plus two roundings */
    { WG_OP_TAN, f_tan, d_tan, NULL, PTS(pts_trig), 2, 4 },
    /* (1-a)(1+a): up to two roundings, sqrt, division: 2.5 ulps, +1/2 */
    { WG_OP_ASIN, f_asin, d_asin, dom_unit, PTS(pts_asin), 2, 3 },
    { WG_OP_ACOS, f_acos, d_acos, dom_unit, PTS(pts_asin), 2, 3 },
    /* 1/(1 + a*a): three roundings */
    { WG_OP_ATAN, f_atan, d_atan, NULL, PTS(pts_atan), 2, 2 },
    { WG_OP_SINH, f_sinh, d_sinh, NULL, PTS(pts_hyp), 3, 3 },
    { WG_OP_COSH, f_cosh, d_cosh, NULL, PTS(pts_hyp), 3, 3 },
    /* 1/cosh/cosh: cosh's 2 ulps twice, plus two roundings */
    { WG_OP_TANH, f_tanh, d_tanh, NULL, PTS(pts_hyp), 3, 6 },
    /* value: exp, a sum and a division; partial: exp, two sums, a product,
     * a division */
    { WG_OP_SIGMOID, f_sigmoid, d_sigmoid, NULL, PTS(pts_sigmoid), 3, 4 },
    { WG_OP_SOFTPLUS, f_softplus, d_softplus, NULL, PTS(pts_softplus), 3, 3 },
    { WG_OP_RELU, f_relu, d_relu, NULL, NOPTS, 0, 0 },
    { WG_OP_ABS, f_abs, d_abs, NULL, NOPTS, 0, 0 },
    /* exp within 1 ulp, two products: 2 ulps, +1/2 */
    { WG_OP_ERF, f_erf, d_erf, NULL, PTS(pts_erf), 2, 3 },
    { WG_OP_SQUARE, f_square, d_square, NULL, NOPTS, 1, 0 },
    /* -(1/a)^2: 1/a's 1/2 ulp doubles, then the product's 1/2 */
    { WG_OP_RECIP, f_recip, d_recip, dom_recip, PTS(pts_recip), 1, 2 },
    { WG_OP_STOP_GRADIENT, f_ident, d_zero, NULL, NOPTS, 0, 0 },
    /* exact values, derivative 0 */
    { WG_OP_STEP, f_step, d_zero, NULL, NOPTS, 0, 0 },
    { WG_OP_SIGN, f_sign, d_zero, NULL, NOPTS, 0, 0 },
    /* constants */
    { WG_OP_ADD_C, f_add_c, d_one, NULL, NOPTS, 1, 0 },
    { WG_OP_MUL_C, f_mul_c, d_mul_c, NULL, NOPTS, 1, 0 },
    /* pow 1 ulp; p pow(a, p-1) one more rounding, +1/2 */
    { WG_OP_POW_C, f_pow_c, d_pow_c, dom_pow_c, NOPTS, 2, 3 },
    { WG_OP_POWI, f_pow_c, d_pow_c, dom_pow_c, NOPTS, 2, 3 },
    /* comparisons: the outcome 0 or 1, derivative 0 */
    { WG_OP_LT, f_lt, d_zero, NULL, NOPTS, 0, 0 },
    { WG_OP_LE, f_le, d_zero, NULL, NOPTS, 0, 0 },
    { WG_OP_GT, f_gt, d_zero, NULL, NOPTS, 0, 0 },
    { WG_OP_GE, f_ge, d_zero, NULL, NOPTS, 0, 0 },
    { WG_OP_EQ, f_eq, d_zero, NULL, NOPTS, 0, 0 },
    { WG_OP_NE, f_ne, d_zero, NULL, NOPTS, 0, 0 },
};

static const op_row *row_of(wg_op op)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (rows[i].op == op)
            return &rows[i];
    return NULL;
}

/* ------------------------------------------------------------------ points */

/* Values of a for unary, const and int rows, and of both operands of
 * binary rows: zero, subnormal, tiny, moderate, huge, both signs. */
static const double grid[] = {
    0, 0x1p-1074, 1e-310, 1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.1, 0.25, 0.3, 0.5,
    0.75, 0.9, 0.99, 1, 1.5, 2, 2.5, 3, 5, 7, 10, 20, 40, 100, 700, 1e5, 1e10, 1e20, 1e100,
    1e300, DBL_MAX
};
#define NGRID (sizeof grid / sizeof grid[0])

/* the smaller set for pairs (binary ops, constants): 17 x 17 points */
static const double pair_vals[] = {
    0, 1e-300, -1e-300, 1e-5, -1e-5, 0.3, -0.3, 1, -1, 2.5, -2.5, 7, -7, 1e5, -1e5, 1e300, -1e300
};
#define NPAIR (sizeof pair_vals / sizeof pair_vals[0])

static const double add_consts[] = { 0, 1, -2.5, 0.3, 1e-300, -1e300, 1e300 };
static const double pow_consts[] = { 0, 1, -1, 2, 3, -2, -3, 0.5, -0.5, 1.5, 0.3, 10, -7, 100, 1e-10 };
static const double int_consts[] = { 0, 1, -1, 2, 3, -2, -3, 5, -5, 10, -10, 100, 101, -101 };

/* ------------------------------------------------------------------ one point */

static const wg_var no_var = { 0 };
static const double one = 1.0;

/* the status recording should end with: EDOM outside the domain, ERANGE when
 * the true value is not finite in double, else OK */
static int expected_status(const op_row *r, double a, double b, double p)
{
    if (r->dom && !r->dom(a, b, p))
        return WG_EDOM;
    return isfinite((double)r->f(a, b, p)) ? WG_OK : WG_ERANGE;
}

/* A derivative computed by the library against its reference: when the true
 * partial is not finite in double the drivers must say WG_ERANGE. */
static void check_partial(const char *what, int status, double got, ld ref, double tol, ld scale)
{
    if (!isfinite((double)ref)) {
        CHECK_STATUS(what, status, WG_ERANGE);
        return;
    }
    CHECK_STATUS(what, status, WG_OK);
    if (status == WG_OK)
        CHECK_NEAR(what, got, ref, tol, scale);
}

/* f(a) for a unary row, f(a; c) for a const or int row */
static void check_unary(wg_tape *t, const op_row *r, double a, double c)
{
    wg_op_kind kind = wg_op_kind_of(r->op);
    double p = (kind == WG_KIND_CONST || kind == WG_KIND_INT) ? c : 0;
    cur_a = a;
    cur_b = p;
    wg_tape_clear(t);
    wg_var x = wg_input(t, a);
    wg_var y = record_op(t, r->op, x, no_var, p);
    int want = expected_status(r, a, 0, p);
    CHECK_STATUS("recording", wg_status(t), want);
    if (want != WG_OK)
        return;                 /* test_errors.c checks what failing ops give */
    CHECK_NEAR("value", wg_value(t, y), r->f(a, 0, p), r->vtol, r->f(a, 0, p));

    ld da, db;
    r->df(a, 0, p, &da, &db);
    double d = NAN, g = NAN;
    int sf = wg_jvp(t, 1, &x, &one, 1, &y, &d);
    int sr = wg_grad(t, y, 1, &x, &g);
    check_partial("tangent", sf, d, da, r->dtol, da);
    check_partial("adjoint", sr, g, da, r->dtol, da);
    /* one node, a unit seed: both modes multiply the same partial by 1 */
    if (sf == WG_OK && sr == WG_OK)
        CHECK_SAME("tangent vs adjoint", d, g);
}

static void check_binary(wg_tape *t, const op_row *r, double a, double b)
{
    cur_a = a;
    cur_b = b;
    wg_tape_clear(t);
    wg_var x[2] = { wg_input(t, a), wg_input(t, b) };
    wg_var y = record_op(t, r->op, x[0], x[1], 0);
    int want = expected_status(r, a, b, 0);
    CHECK_STATUS("recording", wg_status(t), want);
    if (want != WG_OK)
        return;
    CHECK_NEAR("value", wg_value(t, y), r->f(a, b, 0), r->vtol, r->f(a, b, 0));

    ld dd[2];
    r->df(a, b, 0, &dd[0], &dd[1]);
    double d[2] = { NAN, NAN }, g[2] = { NAN, NAN }, g1[2] = { NAN, NAN };
    int sf[2];
    for (int k = 0; k < 2; k++) {
        double u[2] = { k == 0, k == 1 };
        sf[k] = wg_jvp(t, 2, x, u, 1, &y, &d[k]);
        check_partial(k ? "tangent along b" : "tangent along a", sf[k], d[k], dd[k], r->dtol, dd[k]);
        /* the adjoint of one operand alone: the other operand's partial,
         * even an infinite one, does not enter */
        int s1 = wg_grad(t, y, 1, &x[k], &g1[k]);
        check_partial(k ? "adjoint of b alone" : "adjoint of a alone", s1, g1[k], dd[k], r->dtol, dd[k]);
    }
    int sr = wg_grad(t, y, 2, x, g);
    if (!isfinite((double)dd[0]) || !isfinite((double)dd[1])) {
        CHECK_STATUS("adjoint", sr, WG_ERANGE);
        return;
    }
    CHECK_STATUS("adjoint", sr, WG_OK);
    for (int k = 0; k < 2; k++) {
        CHECK_NEAR(k ? "adjoint of b" : "adjoint of a", g[k], dd[k], r->dtol, dd[k]);
        if (sf[k] == WG_OK)
            CHECK_SAME("tangent vs adjoint", d[k], g[k]);
    }
}

/* op(x, x): the two partials add up on the one variable */
static void check_same_var(wg_tape *t, const op_row *r, double a)
{
    cur_a = cur_b = a;
    wg_tape_clear(t);
    wg_var x = wg_input(t, a);
    wg_var y = record_op(t, r->op, x, x, 0);
    int want = expected_status(r, a, a, 0);
    CHECK_STATUS("op(x, x) recording", wg_status(t), want);
    if (want != WG_OK)
        return;
    CHECK_NEAR("op(x, x) value", wg_value(t, y), r->f(a, a, 0), r->vtol, r->f(a, a, 0));
    ld da, db;
    r->df(a, a, 0, &da, &db);
    double d = NAN, g = NAN;
    int sf = wg_jvp(t, 1, &x, &one, 1, &y, &d);
    int sr = wg_grad(t, y, 1, &x, &g);
    /* the sum of two partials each within dtol: the error is counted in ulps
     * of |da| + |db|, which the sum may cancel far below */
    ld scale = fabsl(da) + fabsl(db);
    check_partial("op(x, x) tangent", sf, d, da + db, r->dtol + 1, scale);
    check_partial("op(x, x) adjoint", sr, g, da + db, r->dtol + 1, scale);
    if (sf == WG_OK && sr == WG_OK)
        CHECK_SAME("op(x, x) tangent vs adjoint", d, g);
}

/* a leaf: its value as given, derivative 1 w.r.t. itself and 0 w.r.t. an
 * input recorded before it */
static void check_leaf(wg_tape *t, const op_row *r, double a)
{
    cur_a = a;
    cur_b = 0;
    wg_tape_clear(t);
    wg_var z = wg_input(t, 0.5);
    wg_var y = record_op(t, r->op, no_var, no_var, a);
    CHECK_STATUS("recording", wg_status(t), WG_OK);
    CHECK_SAME("value", wg_value(t, y), a);
    CU_ASSERT_EQUAL(wg_node_op(t, 1), r->op);
    double g = NAN, d = NAN;
    CHECK_STATUS("self adjoint", wg_grad(t, y, 1, &y, &g), WG_OK);
    CHECK_SAME("self adjoint", g, 1.0);
    CHECK_STATUS("adjoint of an earlier input", wg_grad(t, y, 1, &z, &g), WG_OK);
    CHECK_SAME("adjoint of an earlier input", g, 0.0);
    CHECK_STATUS("tangent along an earlier input", wg_jvp(t, 1, &z, &one, 1, &y, &d), WG_OK);
    CHECK_SAME("tangent along an earlier input", d, 0.0);
    if (r->op == WG_OP_INPUT) {
        CHECK_STATUS("self tangent", wg_jvp(t, 1, &y, &one, 1, &y, &d), WG_OK);
        CHECK_SAME("self tangent", d, 1.0);
    }
}

/* ------------------------------------------------------------------ tests */

static void every_op_has_a_row(void)
{
    for (int op = 0; op < WG_OP_COUNT; op++) {
        wg_op_kind kind = wg_op_kind_of((wg_op)op);
        if (kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY || kind == WG_KIND_CUSTOM)
            continue;           /* whole tensor operations: tests/test_tensor.c; custom
                                   ops: tests/test_custom.c */
        const op_row *r = row_of((wg_op)op);
        if (!r)
            fprintf(stderr, "\n  op %s (%d) of WG_OP_LIST has no row in tests/test_ops.c\n",
                    wg_op_name((wg_op)op), op);
        CU_ASSERT_PTR_NOT_NULL(r);
    }
    /* and no row names an op twice */
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CU_ASSERT_PTR_EQUAL(row_of(rows[i].op), &rows[i]);
}

/* Walk WG_OP_LIST; for each op, every point of its kind. */
static void every_op_at_every_point(void)
{
    wg_tape *t = wg_tape_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    for (int o = 0; o < WG_OP_COUNT; o++) {
        wg_op op = (wg_op)o;
        const op_row *r = row_of(op);
        if (!r)
            continue;           /* every_op_has_a_row fails for it */
        cur_op = wg_op_name(op);
        switch (wg_op_kind_of(op)) {
        case WG_KIND_LEAF:
            for (size_t i = 0; i < NGRID; i++) {
                check_leaf(t, r, grid[i]);
                check_leaf(t, r, -grid[i]);
            }
            break;
        case WG_KIND_UNARY:
            for (size_t i = 0; i < NGRID; i++) {
                check_unary(t, r, grid[i], 0);
                check_unary(t, r, -grid[i], 0);
            }
            for (size_t i = 0; i < r->nextra; i++)
                check_unary(t, r, r->extra[i], 0);
            /* and a fine sweep of the moderate range, where most use is */
            for (int i = -200; i <= 200; i++)
                check_unary(t, r, i * 0.0497, 0);
            break;
        case WG_KIND_CONST:
        case WG_KIND_INT: {
            const double *cs = op == WG_OP_ADD_C || op == WG_OP_MUL_C ? add_consts
                             : op == WG_OP_POW_C ? pow_consts : int_consts;
            size_t nc = op == WG_OP_ADD_C || op == WG_OP_MUL_C
                            ? sizeof add_consts / sizeof add_consts[0]
                        : op == WG_OP_POW_C ? sizeof pow_consts / sizeof pow_consts[0]
                                            : sizeof int_consts / sizeof int_consts[0];
            for (size_t i = 0; i < NPAIR; i++)
                for (size_t j = 0; j < nc; j++)
                    check_unary(t, r, pair_vals[i], cs[j]);
            break;
        }
        case WG_KIND_BINARY:
        case WG_KIND_CMP:
            for (size_t i = 0; i < NPAIR; i++)
                for (size_t j = 0; j < NPAIR; j++)
                    check_binary(t, r, pair_vals[i], pair_vals[j]);
            /* a moderate sweep off the grid */
            for (int i = -12; i <= 12; i++)
                for (int j = -12; j <= 12; j++)
                    check_binary(t, r, i * 0.377 + 0.01, j * 0.413 - 0.02);
            break;
        case WG_KIND_TUNARY:
        case WG_KIND_TBINARY:
        case WG_KIND_CUSTOM:
            break;
        }
    }
    cur_op = "";
    wg_tape_free(t);
}

static void binary_ops_same_variable(void)
{
    wg_tape *t = wg_tape_new();
    for (int o = 0; o < WG_OP_COUNT; o++) {
        wg_op op = (wg_op)o;
        const op_row *r = row_of(op);
        if (!r || wg_op_arity(op) != 2)
            continue;
        cur_op = wg_op_name(op);
        for (size_t i = 0; i < NPAIR; i++)
            check_same_var(t, r, pair_vals[i]);
        for (int i = -20; i <= 20; i++)
            check_same_var(t, r, i * 0.3131 + 0.001);
    }
    cur_op = "";

    /* the ones whose answer is known exactly: x*x, x-x, x+x, x/x, min, max */
    wg_var x = { 0 };
    double g, d;
    struct { wg_op op; double x, value, deriv; } exact[] = {
        { WG_OP_MUL, -3, 9, -6 }, { WG_OP_SUB, 2.5, 0, 0 }, { WG_OP_ADD, 1.25, 2.5, 2 },
        { WG_OP_DIV, -7, 1, 0 }, { WG_OP_MIN, 4, 4, 1 }, { WG_OP_MAX, -4, -4, 1 },
        { WG_OP_ATAN2, 2, 0.78539816339744828, 0 },
    };
    for (size_t k = 0; k < sizeof exact / sizeof exact[0]; k++) {
        wg_tape_clear(t);
        x = wg_input(t, exact[k].x);
        wg_var y = wg_apply(t, exact[k].op, x, x, 0);
        CU_ASSERT_EQUAL(wg_status(t), WG_OK);
        CU_ASSERT_EQUAL(wg_value(t, y), exact[k].value);
        CU_ASSERT_EQUAL(wg_grad(t, y, 1, &x, &g), WG_OK);
        CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, &one, 1, &y, &d), WG_OK);
        CU_ASSERT_EQUAL(g, exact[k].deriv);
        CU_ASSERT_EQUAL(d, exact[k].deriv);
    }
    wg_tape_free(t);
}

/* The named edge points of the op reference: each checked by the same
 * machinery, with the exact expectation spelled out where one exists. */
static void named_edge_points(void)
{
    static const struct { wg_op op; double a; } pts[] = {
        { WG_OP_LOG1P, -1 + 0x1p-52 }, { WG_OP_LOG1P, -0.999999999 }, { WG_OP_ASIN, 1 - 0x1p-53 },
        { WG_OP_ASIN, -1 + 0x1p-53 }, { WG_OP_ACOS, 1 - 0x1p-53 }, { WG_OP_TANH, 20 },
        { WG_OP_TANH, 40 }, { WG_OP_TANH, -40 }, { WG_OP_SIGMOID, 40 }, { WG_OP_SIGMOID, -40 },
        { WG_OP_SIGMOID, 700 }, { WG_OP_SIGMOID, -700 }, { WG_OP_SOFTPLUS, -700 },
        { WG_OP_SOFTPLUS, 700 }, { WG_OP_ERF, 6 }, { WG_OP_ERF, -6 }, { WG_OP_EXPM1, 1e-10 },
        { WG_OP_EXPM1, -1e-10 }, { WG_OP_LOG1P, 1e-10 },
    };
    wg_tape *t = wg_tape_new();
    for (size_t k = 0; k < sizeof pts / sizeof pts[0]; k++) {
        cur_op = wg_op_name(pts[k].op);
        check_unary(t, row_of(pts[k].op), pts[k].a, 0);
    }
    cur_op = "";

    /* where 1 - tanh^2 or sigma(1 - sigma) would give exactly 0, the
     * derivative is the tiny positive number it should be */
    double g;
    wg_tape_clear(t);
    wg_var x = wg_input(t, 40);
    wg_var y = wg_tanh(t, x);
    CU_ASSERT_EQUAL(wg_value(t, y), 1.0);
    CU_ASSERT_EQUAL(wg_grad(t, y, 1, &x, &g), WG_OK);
    CU_ASSERT(g > 7e-35 && g < 8e-35);              /* 4 e^-80 = 7.2e-35 */
    wg_tape_clear(t);
    x = wg_input(t, 700);
    y = wg_sigmoid(t, x);
    CU_ASSERT_EQUAL(wg_value(t, y), 1.0);
    CU_ASSERT_EQUAL(wg_grad(t, y, 1, &x, &g), WG_OK);
    CU_ASSERT(g > 9.8e-305 && g < 9.9e-305);        /* e^-700 = 9.86e-305 */
    wg_tape_clear(t);
    x = wg_input(t, -700);
    y = wg_softplus(t, x);
    CU_ASSERT(wg_value(t, y) > 9.8e-305 && wg_value(t, y) < 9.9e-305);
    wg_tape_clear(t);
    x = wg_input(t, 1e-10);
    y = wg_expm1(t, x);
    CU_ASSERT(fabs(wg_value(t, y) - 1.00000000005e-10) < 1e-26);
    wg_tape_free(t);
}

/* powi and pow_c: negative bases with integral exponents, exponents 0, 1
 * and negative, a zero base with a non-negative exponent */
static void powers_and_constants(void)
{
    static const struct { int n; double a, value, deriv; } ints[] = {
        { 3, -2, -8, 12 }, { -3, -2, -0.125, -0.1875 }, { 2, -3, 9, -6 },
        { -2, -3, 1.0 / 9, 2.0 / 27 }, { 0, -5, 1, 0 }, { 0, 0, 1, 0 }, { 0, 7, 1, 0 },
        { 1, -5, -5, 1 }, { 1, 0, 0, 1 }, { -1, 4, 0.25, -0.0625 }, { -1, -4, -0.25, -0.0625 },
        { 2, 0, 0, 0 }, { 3, 0, 0, 0 }, { 5, -1, -1, 5 }, { 4, -1, 1, -4 },
    };
    wg_tape *t = wg_tape_new();
    double g, d;
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
        for (int via_c = 0; via_c < 2; via_c++) {
            wg_tape_clear(t);
            wg_var x = wg_input(t, ints[k].a);
            wg_var y = via_c ? wg_pow_c(t, x, ints[k].n) : wg_powi(t, x, ints[k].n);
            CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
            CU_ASSERT_EQUAL(wg_node_param(t, 1), ints[k].n);
            CU_ASSERT_EQUAL(wg_value(t, y), ints[k].value);
            CU_ASSERT_EQUAL(wg_grad(t, y, 1, &x, &g), WG_OK);
            CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, &one, 1, &y, &d), WG_OK);
            if (g != ints[k].deriv)
                fprintf(stderr, "\n  %s(%g, %d): derivative %.17g, want %.17g\n",
                        via_c ? "pow_c" : "powi", ints[k].a, ints[k].n, g, ints[k].deriv);
            CU_ASSERT_EQUAL(g, ints[k].deriv);
            CU_ASSERT_EQUAL(d, ints[k].deriv);
        }
    }
    /* non-integral constant exponents of positive and zero bases */
    static const struct { double a, c, value, deriv; } reals[] = {
        { 4, 0.5, 2, 0.25 }, { 4, -0.5, 0.5, -0.0625 }, { 8, 1.0 / 3, 2, 1.0 / 12 },
        { 0, 1.5, 0, 0 }, { 0, 2.5, 0, 0 }, { 0.25, 1.5, 0.125, 0.75 },
    };
    for (size_t k = 0; k < sizeof reals / sizeof reals[0]; k++) {
        wg_tape_clear(t);
        wg_var x = wg_input(t, reals[k].a);
        wg_var y = wg_pow_c(t, x, reals[k].c);
        CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
        CU_ASSERT(fabs(wg_value(t, y) - reals[k].value) <= 2 * ulp_of(reals[k].value));
        CU_ASSERT_EQUAL(wg_grad(t, y, 1, &x, &g), WG_OK);
        CU_ASSERT(fabs(g - reals[k].deriv) <= 3 * ulp_of(reals[k].deriv));
    }
    /* add_c and mul_c: the constant is kept and the partials are 1 and c */
    wg_tape_clear(t);
    wg_var x = wg_input(t, 3);
    wg_var ya = wg_add_c(t, x, -0.5), ym = wg_mul_c(t, x, -2.5);
    CU_ASSERT_EQUAL(wg_value(t, ya), 2.5);
    CU_ASSERT_EQUAL(wg_value(t, ym), -7.5);
    CU_ASSERT_EQUAL(wg_node_param(t, 1), -0.5);
    CU_ASSERT_EQUAL(wg_node_param(t, 2), -2.5);
    CU_ASSERT_EQUAL(wg_grad(t, ya, 1, &x, &g), WG_OK);
    CU_ASSERT_EQUAL(g, 1);
    CU_ASSERT_EQUAL(wg_grad(t, ym, 1, &x, &g), WG_OK);
    CU_ASSERT_EQUAL(g, -2.5);
    /* a zero base with exponent in (0, 1): the value is 0 and the derivative
     * infinite, which a sweep reports */
    wg_tape_clear(t);
    x = wg_input(t, 0);
    wg_var yh = wg_pow_c(t, x, 0.5);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, yh), 0);
    CU_ASSERT_EQUAL(wg_grad(t, yh, 1, &x, &g), WG_ERANGE);
    wg_tape_free(t);
}

/* stop_gradient passes the value and blocks the derivative */
static void stop_gradient_blocks(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 3), w = wg_input(t, -2);
    wg_var s = wg_stop_gradient(t, wg_mul(t, x, w));
    /* y = x * stop(x*w): the value is x^2 w, the derivative only through the
     * first factor: stop(x w) = -6 */
    wg_var y = wg_mul(t, x, s);
    CU_ASSERT_EQUAL(wg_value(t, s), -6);
    CU_ASSERT_EQUAL(wg_value(t, y), -18);
    wg_var xs[2] = { x, w };
    double g[2], d[2], u0[2] = { 1, 0 }, u1[2] = { 0, 1 };
    CU_ASSERT_EQUAL(wg_grad(t, y, 2, xs, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], -6);
    CU_ASSERT_EQUAL(g[1], 0);
    CU_ASSERT_EQUAL(wg_jvp(t, 2, xs, u0, 1, &y, &d[0]), WG_OK);
    CU_ASSERT_EQUAL(wg_jvp(t, 2, xs, u1, 1, &y, &d[1]), WG_OK);
    CU_ASSERT_EQUAL(d[0], -6);
    CU_ASSERT_EQUAL(d[1], 0);
    /* d stop(x)/dx = 0 alone, and the node's own adjoint is still 1 */
    CU_ASSERT_EQUAL(wg_grad(t, s, 2, xs, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 0);
    CU_ASSERT_EQUAL(g[1], 0);
    CU_ASSERT_EQUAL(wg_grad(t, s, 1, &s, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 1);
    wg_tape_free(t);
}

/* The conventions at non-smooth points (doc/OPS.md) */
static void non_smooth_conventions(void)
{
    wg_tape *t = wg_tape_new();
    double g[2], d;

    /* relu'(0) = 0 and abs'(0) = 0, also at -0 */
    static const double zeros[] = { 0.0, -0.0 };
    for (int z = 0; z < 2; z++) {
        wg_tape_clear(t);
        wg_var x = wg_input(t, zeros[z]);
        wg_var r = wg_relu(t, x), a = wg_abs(t, x);
        CU_ASSERT_EQUAL(wg_value(t, r), 0);
        CU_ASSERT_EQUAL(wg_value(t, a), 0);
        CU_ASSERT_EQUAL(wg_grad(t, r, 1, &x, g), WG_OK);
        CU_ASSERT_EQUAL(g[0], 0);
        CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, &one, 1, &r, &d), WG_OK);
        CU_ASSERT_EQUAL(d, 0);
        CU_ASSERT_EQUAL(wg_grad(t, a, 1, &x, g), WG_OK);
        CU_ASSERT_EQUAL(g[0], 0);
        CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, &one, 1, &a, &d), WG_OK);
        CU_ASSERT_EQUAL(d, 0);
    }
    /* step and sign at 0 (and -0): value 0, derivative 0; either side of
     * 0 their values jump to 1 and -1, 1, and the derivative stays 0 */
    static const struct { double a, step, sign; } jumps[] = {
        { 0.0, 0, 0 }, { -0.0, 0, 0 }, { DBL_TRUE_MIN, 1, 1 }, { -DBL_TRUE_MIN, 0, -1 },
        { 2.5, 1, 1 }, { -DBL_MAX, 0, -1 },
    };
    for (size_t k = 0; k < sizeof jumps / sizeof jumps[0]; k++) {
        wg_tape_clear(t);
        wg_var x = wg_input(t, jumps[k].a);
        wg_var st = wg_step(t, x), sg = wg_sign(t, x);
        wg_var y = wg_mul(t, wg_add(t, st, sg), x);     /* derivative: step + sign */
        CU_ASSERT_EQUAL(wg_status(t), WG_OK);
        CU_ASSERT_EQUAL(wg_value(t, st), jumps[k].step);
        CU_ASSERT_EQUAL(wg_value(t, sg), jumps[k].sign);
        for (int m = 0; m < 2; m++) {
            wg_var v = m ? sg : st;
            CU_ASSERT_EQUAL(wg_grad(t, v, 1, &x, g), WG_OK);
            CU_ASSERT_EQUAL(g[0], 0);
            CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, &one, 1, &v, &d), WG_OK);
            CU_ASSERT_EQUAL(d, 0);
        }
        CU_ASSERT_EQUAL(wg_grad(t, y, 1, &x, g), WG_OK);
        CU_ASSERT_EQUAL(g[0], jumps[k].step + jumps[k].sign);
    }

    /* one step either side of 0 the derivative is the smooth one */
    wg_tape_clear(t);
    wg_var xp = wg_input(t, DBL_TRUE_MIN), xn = wg_input(t, -DBL_TRUE_MIN);
    wg_var rp = wg_relu(t, xp), rn = wg_relu(t, xn), ap = wg_abs(t, xp), an = wg_abs(t, xn);
    CU_ASSERT_EQUAL(wg_grad(t, rp, 1, &xp, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 1);
    CU_ASSERT_EQUAL(wg_grad(t, rn, 1, &xn, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 0);
    CU_ASSERT_EQUAL(wg_grad(t, ap, 1, &xp, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 1);
    CU_ASSERT_EQUAL(wg_grad(t, an, 1, &xn, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], -1);

    /* hypot at the origin: value 0, partials (0, 0), no WG_ERANGE */
    wg_tape_clear(t);
    wg_var h[2] = { wg_input(t, 0), wg_input(t, 0) };
    wg_var hy = wg_hypot(t, h[0], h[1]);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, hy), 0);
    g[0] = g[1] = NAN;
    CU_ASSERT_EQUAL(wg_grad(t, hy, 2, h, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 0);
    CU_ASSERT_EQUAL(g[1], 0);
    double u[2] = { 1, 1 };
    CU_ASSERT_EQUAL(wg_jvp(t, 2, h, u, 1, &hy, &d), WG_OK);
    CU_ASSERT_EQUAL(d, 0);

    /* min and max at a tie: the whole derivative to the first argument,
     * whichever variable that is */
    for (int swap = 0; swap < 2; swap++) {
        wg_tape_clear(t);
        wg_var v[2] = { wg_input(t, 1.5), wg_input(t, 1.5) };
        wg_var first = v[swap], second = v[!swap];
        wg_var mn = wg_min(t, first, second), mx = wg_max(t, first, second);
        for (int m = 0; m < 2; m++) {
            wg_var y = m ? mx : mn;
            CU_ASSERT_EQUAL(wg_value(t, y), 1.5);
            CU_ASSERT_EQUAL(wg_grad(t, y, 2, v, g), WG_OK);
            CU_ASSERT_EQUAL(g[swap], 1);
            CU_ASSERT_EQUAL(g[!swap], 0);
            double e[2] = { swap == 0, swap == 1 };
            CU_ASSERT_EQUAL(wg_jvp(t, 2, v, e, 1, &y, &d), WG_OK);
            CU_ASSERT_EQUAL(d, 1);
        }
    }

    /* comparisons: the outcome is recorded, its derivative is zero, even
     * when the outcome node is used as a factor */
    for (int op = 0; op < WG_OP_COUNT; op++) {
        if (wg_op_kind_of((wg_op)op) != WG_KIND_CMP)
            continue;
        wg_tape_clear(t);
        wg_var v[2] = { wg_input(t, 2), wg_input(t, 3) };
        wg_var c = wg_apply(t, (wg_op)op, v[0], v[1], 0);
        CU_ASSERT_EQUAL(wg_node_op(t, 2), (wg_op)op);
        wg_var y = wg_mul(t, c, v[0]);      /* outcome * x: derivative = outcome w.r.t. x */
        double outcome = wg_value(t, c);
        CU_ASSERT(outcome == 0 || outcome == 1);
        CU_ASSERT_EQUAL(wg_grad(t, c, 2, v, g), WG_OK);
        CU_ASSERT_EQUAL(g[0], 0);
        CU_ASSERT_EQUAL(g[1], 0);
        CU_ASSERT_EQUAL(wg_grad(t, y, 2, v, g), WG_OK);
        CU_ASSERT_EQUAL(g[0], outcome);
        CU_ASSERT_EQUAL(g[1], 0);
        CU_ASSERT_EQUAL(wg_jvp(t, 2, v, u, 1, &c, &d), WG_OK);
        CU_ASSERT_EQUAL(d, 0);
    }
    wg_tape_free(t);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "every op of WG_OP_LIST has a test row", every_op_has_a_row },
        { "value, tangent and adjoint of every op across its domain", every_op_at_every_point },
        { "binary ops with the same variable in both slots", binary_ops_same_variable },
        { "named edge points (log1p near -1, tanh at 40, sigmoid at 700, ...)", named_edge_points },
        { "powi and pow_c: negative bases, exponents 0, 1, negative", powers_and_constants },
        { "stop_gradient gives zero derivative", stop_gradient_blocks },
        { "conventions at non-smooth points", non_smooth_conventions },
        { NULL, NULL }
    };
    return wg_test_main("ops", cases);
}
