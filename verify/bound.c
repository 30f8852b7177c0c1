/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bound.c -- how far from the exact w.(J u) a correct double AD result may
 * be: a running error analysis of the tangent computation (after Iri; see
 * doc/VERIFY.md for the derivation), with the local partials' own errors
 * measured at the point.  Also the verifier's own tangent and adjoint
 * sweeps, in long double with the kernel partials (never the sweeps under
 * test), and the distance along u to the nearest singular point, which
 * sets the reference's step.
 *
 * The only private lib header used is op_kernels.h, for wg_op_partials:
 * the double partials the sweeps multiply by. */
#include "check_internal.h"
#include "op_kernels.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Error of each op's partial kernel in ulps of the partial, at the given
 * double arguments, against the exact formula at those same arguments.
 * The error of the arguments themselves is measured at the point (below),
 * so this counts only the kernel's roundings and its libm calls:
 * 1/2 ulp per rounding, glibc's documented errors for the libm functions
 * (1 ulp for exp, log, sin, cos; 2 for sinh, cosh), rounded up. */
double wg_kernel_ulps(wg_op op)
{
    switch (op) {
    case WG_OP_INPUT: case WG_OP_CONST: case WG_OP_ADD: case WG_OP_SUB:
    case WG_OP_MUL: case WG_OP_MIN: case WG_OP_MAX: case WG_OP_NEG:
    case WG_OP_RELU: case WG_OP_ABS: case WG_OP_SQUARE: case WG_OP_STOP_GRADIENT:
    case WG_OP_ADD_C: case WG_OP_MUL_C: case WG_OP_EXP:
    case WG_OP_LT: case WG_OP_LE: case WG_OP_GT: case WG_OP_GE: case WG_OP_EQ: case WG_OP_NE:
    case WG_OP_STEP: case WG_OP_SIGN:
        return 0;               /* exact, or the node's own value (exp: y) */
    case WG_OP_DIV: case WG_OP_HYPOT: case WG_OP_LOG: case WG_OP_SQRT:
    case WG_OP_SIN: case WG_OP_COS: case WG_OP_EXPM1: case WG_OP_RECIP:
        return 1;               /* one rounding or one libm call */
    case WG_OP_LOG1P: case WG_OP_CBRT: case WG_OP_TAN: case WG_OP_SINH: case WG_OP_COSH:
        return 2;               /* two or three roundings, or cosh/sinh */
    case WG_OP_ATAN2: case WG_OP_ASIN: case WG_OP_ACOS: case WG_OP_ATAN:
    case WG_OP_SOFTPLUS: case WG_OP_ERF:
        return 3;               /* a libm call and up to four roundings */
    case WG_OP_POW: case WG_OP_POW_C: case WG_OP_POWI: case WG_OP_SIGMOID:
        return 4;               /* pow (or exp) corrected, times a factor */
    case WG_OP_TANH:
        return 6;               /* 1/cosh/cosh: cosh's 2 ulps twice, two divisions */
    case WG_OP_MATMUL: case WG_OP_CONCAT: case WG_OP_SUM: case WG_OP_MEAN:
    case WG_OP_MAX_REDUCE: case WG_OP_LOGSUMEXP: case WG_OP_LOGSOFTMAX: case WG_OP_SOFTMAX:
    case WG_OP_RESHAPE: case WG_OP_TRANSPOSE: case WG_OP_BROADCAST_TO: case WG_OP_SLICE:
    case WG_OP_ARGMAX_MASK:
        break;                  /* tensor ops have no scalar partial: a tensor tape is
                                   checked on its scalar lowering (lower.h) */
    case WG_OP_COUNT:
        break;
    case WG_OP_CUSTOM:
        return 16;              /* the program's partials callback: assumed within 16 ulps */
    }
    return 8;
}

/* The underflow terms are multiples of 2^-1075, which long double must hold. */
#if LDBL_MIN_EXP > -1074
#error "the error bound needs a long double that reaches below 2^-1075"
#endif

/* c a^(c-1) (pow, pow_c, powi): the product's rounding where the partial
 * is below 2^-1021, and where a^(c-1) is, pow and its correction (3 eta)
 * times c.  c = 0 or a = 0 give an exact partial (0, or 1 for c = 1). */
static long double power_underflow(double a, double c, double d)
{
    const long double eta = WG_UNDERFLOW_ETA;
    if (c == 0 || a == 0)
        return 0;
    long double e = fabs(d) < 0x1p-1021 ? eta : 0.0L;
    if (fabsl((long double)d / c) < 0x1p-1021L)
        e += 3 * fabsl((long double)c) * eta;
    return e;
}

/* The absolute error gradual underflow adds to partial k (0: da, 1: db) of
 * op's kernel at the double arguments (a, b; p) and value y, d being that
 * partial, beyond the relative wg_kernel_ulps.  A rounding whose result
 * lies below 2^-1022 errs by up to eta = 2^-1075 however small the result
 * (WG_UNDERFLOW_ETA), and a libm call there by its ulps of the least
 * subnormal: 2 eta for the < 1 ulp of exp, sin, sinh, pow, hypot.  The
 * counts follow each formula of lib/op_kernels.h, where the partial lies
 * below 2^-1021 (twice the threshold: it may have rounded up to it) and is
 * not an exact 0 (sin 0, 0/b, log 1), with the factor by which the
 * kernel's later steps magnify an underflowed intermediate, which applies
 * whatever the partial's size: pow's a^(b-1) (pow, then a correction:
 * 3 eta) times b, or atan2's (b/h)/h dividing b/h's eta by h.  A partial
 * that underflows to 0 (tanh' = 1/cosh^2 a past |a| = 373) is within
 * these terms of its exact value, whose relative error is total.  Ops
 * whose partials never fall below 2^-1022 (sqrt: 0.5/y >= 4e-155, cbrt,
 * tan, asin, acos, sinh, sin: |cos a| > 1e-19 at any double a) or are
 * exact (the node's own value, a constant, an operand) have none. */
long double wg_kernel_underflow(wg_op op, double a, double b, double p, double y, int k,
                                double d)
{
    const long double eta = WG_UNDERFLOW_ETA;
    int tiny = fabs(d) < 0x1p-1021;
    switch (op) {
    case WG_OP_DIV:                             /* 1/b; -y/b, exact at y = 0 */
        return tiny && !(k && y == 0) ? eta : 0.0L;
    case WG_OP_HYPOT:                           /* a/y, b/y: exact at a = 0, b = 0 */
        return tiny && (k ? b : a) != 0 ? eta : 0.0L;
    case WG_OP_LOG: case WG_OP_LOG1P: case WG_OP_RECIP:
        return tiny ? eta : 0.0L;               /* one division or product */
    case WG_OP_EXPM1:
        return tiny ? 2 * eta : 0.0L;           /* exp: < 1 ulp */
    case WG_OP_COS: case WG_OP_COSH:
        return tiny && a != 0 ? 2 * eta : 0.0L; /* sin, sinh: < 1 ulp; exact at 0 */
    case WG_OP_ATAN: case WG_OP_TANH: case WG_OP_SIGMOID: case WG_OP_SOFTPLUS:
        /* 1/a, (1/a)^2, a quotient; 1/cosh, /cosh; exp, a quotient */
        return tiny ? 3 * eta : 0.0L;
    case WG_OP_ERF:
        return tiny ? 5 * eta : 0.0L;   /* (exp: 2, g e: 1) times 2/sqrt(pi), the product: 1 */
    case WG_OP_POW:
        if (k)
            return tiny && a != 1 ? eta : 0.0L; /* y log a, exact at a = 1 */
        return power_underflow(a, b, d);
    case WG_OP_POW_C: case WG_OP_POWI:
        return power_underflow(a, p, d);
    case WG_OP_ATAN2: {
        /* (n/h)/h, n = b (da) or -a (db), exact at n = 0: the last
         * division, and n/h's eta, where n/h may be subnormal, divided by
         * h.  A subnormal h = hypot(a, b) is itself off by up to 2 eta, a
         * relative 2 eta/h that d = n/h^2 takes twice. */
        long double h = hypot(a, b), n = fabsl((long double)(k ? a : b));
        if (h == 0 || n == 0)
            return 0;
        long double e = tiny ? eta : 0.0L;
        if (n / h < 0x1p-1021L)
            e += eta / h;
        if (h < DBL_MIN)
            e += 4 * (eta / h) * fabsl((long double)d);
        return e;
    }
    case WG_OP_SQRT: case WG_OP_CBRT: case WG_OP_TAN: case WG_OP_ASIN: case WG_OP_ACOS:
    case WG_OP_SINH: case WG_OP_SIN:
        return 0;                               /* never below 2^-1022 */
    case WG_OP_INPUT: case WG_OP_CONST: case WG_OP_ADD: case WG_OP_SUB:
    case WG_OP_MUL: case WG_OP_MIN: case WG_OP_MAX: case WG_OP_NEG:
    case WG_OP_RELU: case WG_OP_ABS: case WG_OP_SQUARE: case WG_OP_STOP_GRADIENT:
    case WG_OP_ADD_C: case WG_OP_MUL_C: case WG_OP_EXP:
    case WG_OP_LT: case WG_OP_LE: case WG_OP_GT: case WG_OP_GE: case WG_OP_EQ: case WG_OP_NE:
    case WG_OP_STEP: case WG_OP_SIGN:
        return 0;                               /* exact (2a: exact below 2^-1022 too) */
    case WG_OP_MATMUL: case WG_OP_CONCAT: case WG_OP_SUM: case WG_OP_MEAN:
    case WG_OP_MAX_REDUCE: case WG_OP_LOGSUMEXP: case WG_OP_LOGSOFTMAX: case WG_OP_SOFTMAX:
    case WG_OP_RESHAPE: case WG_OP_TRANSPOSE: case WG_OP_BROADCAST_TO: case WG_OP_SLICE:
    case WG_OP_ARGMAX_MASK:
        break;                                  /* never on a lowered tape */
    case WG_OP_COUNT:
        break;
    case WG_OP_CUSTOM:
        return fabs(d) < 0x1p-1021 ? 4 * eta : 0.0L;  /* a few roundings, as the libm ops */
    }
    return 0;
}

/* ops whose partials are constants: no argument error can reach them
 * (step and sign: 0 on both sides of their jump, which is the nondiff
 * verdict's business, convention.c) */
static int constant_partials(wg_op op)
{
    switch (op) {
    case WG_OP_ADD: case WG_OP_SUB: case WG_OP_NEG: case WG_OP_ADD_C: case WG_OP_MUL_C:
    case WG_OP_STOP_GRADIENT: case WG_OP_STEP: case WG_OP_SIGN:
        return 1;
    default:
        return 0;
    }
}

static void partials_at(wg_op op, double a, double b, double p, double y, double d[2])
{
    wg_op_partials(op, a, b, p, y, &d[0], &d[1]);
}

/* which of a node's three arguments (a, b, y) to move */
enum { ARG_A, ARG_B, ARG_Y };

/* adds to e[k] the larger over the argument's two neighbours of
 * |d_k(neighbour) - d_k(R)|; a neighbour outside the domain (NaN) gives no
 * measure and is skipped */
static void neighbour_spread(wg_op op, const double R[3], double p, int which,
                             const double dr[2], long double e[2])
{
    double m[2] = { 0, 0 };
    for (int side = 0; side < 2; side++) {
        double Q[3] = { R[0], R[1], R[2] }, dn[2];
        Q[which] = nextafter(R[which], side ? INFINITY : -INFINITY);
        partials_at(op, Q[0], Q[1], p, Q[2], dn);
        for (int k = 0; k < 2; k++)
            m[k] = fmax(m[k], fabs(dn[k] - dr[k]));     /* fmax drops a NaN */
    }
    e[0] += m[0];
    e[1] += m[1];
}

/* a kink op exactly at its kink: moving an argument by an ulp jumps the
 * partial, which is the kink's business (the nondiff verdict), not a
 * rounding error */
static int at_kink(wg_op op, const double R[3])
{
    switch (op) {
    case WG_OP_RELU: case WG_OP_ABS:
    case WG_OP_STEP: case WG_OP_SIGN: return R[0] == 0;
    case WG_OP_MIN: case WG_OP_MAX:  return R[0] == R[1];
    case WG_OP_HYPOT:                return R[0] == 0 && R[1] == 0;
    default:                         return 0;
    }
}

/* The partials at the tape's values, and a bound on their error against
 * the exact partials at the exact values, per edge:
 *   dd = kernel_ulps * 2^-52 |d|                      the kernel's roundings
 *      + kernel_underflow                             ... where they underflow
 *      + |d(computed args) - d(exact args rounded)|   the primal values' errors
 *      + sum over computed args of max over its two neighbours
 *        |d(arg moved one ulp) - d|                   the last half ulp of each
 * "Exact" is the center replay at the working precision; which side of the
 * rounded value the exact one lies is not trusted (a value 1 - 1e-144 is
 * 1 at 256 bits), so both neighbours are tried; inputs and constants are
 * exact and move nothing.  Each term is a measurement with the same
 * kernel, so a wrong formula cancels out of it and cannot widen its own
 * bound. */
void wg_chk_point_partials(wg_chk *c)
{
    const wg_tape_view *tv = &c->tv;
    memset(c->fanout, 0, c->N * sizeof *c->fanout);
    for (size_t i = 0; i < c->N; i++) {
        wg_op op = (wg_op)tv->op[i];
        wg_op_kind kind = wg_op_kind_of(op);
        c->rv[i] = mpfr_get_d(c->ctr.v[i], MPFR_RNDN);
        c->d[2 * i] = c->d[2 * i + 1] = 0;
        c->dd[2 * i] = c->dd[2 * i + 1] = 0;
        if (kind == WG_KIND_LEAF || kind == WG_KIND_CMP)
            continue;
        int bin = wg_view_has_b(tv, i);
        size_t ia = tv->arg0[i], ib = bin ? tv->arg1[i] : WG_NO_NODE;
        double p = tv->param[i];
        double a = tv->val[ia], b = bin ? tv->val[ib] : 0.0, y = tv->val[i];
        double dc[2];
        partials_at(op, a, b, p, y, dc);
        c->d[2 * i] = dc[0];
        c->d[2 * i + 1] = bin ? dc[1] : 0.0;
        c->fanout[ia]++;
        if (bin)
            c->fanout[ib]++;
        if (constant_partials(op))
            continue;
        /* exact values rounded: the center replay, once per check */
        double R[3] = { mpfr_get_d(c->ctr.v[ia], MPFR_RNDN),
                        bin ? mpfr_get_d(c->ctr.v[ib], MPFR_RNDN) : 0.0,
                        mpfr_get_d(c->ctr.v[i], MPFR_RNDN) };
        double dr[2];
        partials_at(op, R[0], R[1], p, R[2], dr);
        long double e[2], ek[2];
        for (int k = 0; k < 2; k++) {
            ek[k] = wg_kernel_ulps(op) * 0x1p-52L * fabsl((long double)dc[k])
                    + wg_kernel_underflow(op, a, b, p, y, k, dc[k]);
            e[k] = ek[k] + fabs(dc[k] - dr[k]);
        }
        if (!at_kink(op, R)) {
            if (wg_op_kind_of((wg_op)tv->op[ia]) != WG_KIND_LEAF)
                neighbour_spread(op, R, p, ARG_A, dr, e);
            if (bin && wg_op_kind_of((wg_op)tv->op[ib]) != WG_KIND_LEAF)
                neighbour_spread(op, R, p, ARG_B, dr, e);
            neighbour_spread(op, R, p, ARG_Y, dr, e);
        }
        /* a neighbour across an overflow or a pole gives no measure; the
         * kernel's own term is then all that is known */
        for (int k = 0; k < 2; k++)
            if (!isfinite(e[k]))
                e[k] = ek[k];
        /* A tensor tape's lowering: the library takes its partials at the
         * subject's values (check_lowered.c), which differ from the
         * model's where a sum ran in another order (a matmul in BLAS);
         * that difference is an error of the partial it uses. */
        if (c->sval) {
            double ds[2];
            partials_at(op, c->sval[ia], bin ? c->sval[ib] : 0.0, p, c->sval[i], ds);
            for (int k = 0; k < 2; k++)
                if (isfinite(ds[k] - dc[k]))
                    e[k] += fabs(ds[k] - dc[k]);
        }
        c->dd[2 * i] = e[0];
        c->dd[2 * i + 1] = bin ? e[1] : 0.0;
    }
}

/* x * y with the sweeps' strong zero: 0 times anything is 0 */
static inline long double szmul(long double x, long double y)
{
    return (x == 0 || y == 0) ? 0.0L : x * y;
}

/* Tangents along u and the adjoints of w.y, with the kernel partials at
 * the tape's values, in long double; and the tangents of the absolute
 * partials along |u|, whose w-weighted sum T is the scale of w.(J u)
 * before any cancellation. */
void wg_chk_own_sweeps(wg_chk *c)
{
    const wg_tape_view *tv = &c->tv;
    size_t N = c->N;
    for (size_t i = 0; i < N; i++)
        c->tan[i] = c->tabs[i] = c->adj[i] = 0;
    for (size_t j = 0; j < c->n; j++)
        if (c->xi[j] != WG_NO_NODE) {   /* an input past the last output moves nothing */
            c->tan[c->xi[j]] = c->u[j];
            c->tabs[c->xi[j]] = fabs(c->u[j]);
        }
    for (size_t i = 0; i < N; i++) {
        wg_op op = (wg_op)tv->op[i];
        wg_op_kind kind = wg_op_kind_of(op);
        if (kind == WG_KIND_LEAF || kind == WG_KIND_CMP)
            continue;
        long double s = szmul(c->d[2 * i], c->tan[tv->arg0[i]]);
        long double sa = szmul(fabs(c->d[2 * i]), c->tabs[tv->arg0[i]]);
        if (wg_view_has_b(tv, i)) {
            s += szmul(c->d[2 * i + 1], c->tan[tv->arg1[i]]);
            sa += szmul(fabs(c->d[2 * i + 1]), c->tabs[tv->arg1[i]]);
        }
        c->tan[i] = s;
        c->tabs[i] = sa;
    }
    for (size_t j = 0; j < c->m; j++)
        c->adj[c->yi[j]] += c->w[j];
    for (size_t i = N; i-- > 0;) {
        wg_op op = (wg_op)tv->op[i];
        wg_op_kind kind = wg_op_kind_of(op);
        if (c->adj[i] == 0 || kind == WG_KIND_LEAF || kind == WG_KIND_CMP)
            continue;
        c->adj[tv->arg0[i]] += szmul(c->d[2 * i], c->adj[i]);
        if (wg_view_has_b(tv, i))
            c->adj[tv->arg1[i]] += szmul(c->d[2 * i + 1], c->adj[i]);
    }
    long double T = 0;
    for (size_t j = 0; j < c->m; j++)
        T += fabsl(c->w[j] * c->tabs[c->yi[j]]);
    c->T = (double)T;
}

/* Rs = sum over rounding nodes of |lambda_i| |v_i|: each node of the MPFR
 * replay rounds by at most 2^-p |v_i|, which reaches w.f scaled by the
 * adjoint; so F(s) carries about 2^-p Rs of rounding.  Only nodes that
 * move with s count (the others are the same in every replay, so their
 * rounding cancels in a difference), and neither comparisons, step nor
 * sign (exact 0 or +-1) nor leaves (exact). */
void wg_chk_rounding_scale(wg_chk *c)
{
    long double R = 0;
    for (size_t i = 0; i < c->N; i++) {
        wg_op op = (wg_op)c->tv.op[i];
        wg_op_kind k = wg_op_kind_of(op);
        if (!c->ctr.moves[i] || k == WG_KIND_LEAF || k == WG_KIND_CMP || op == WG_OP_STEP
            || op == WG_OP_SIGN)
            continue;
        R += fabsl(c->adj[i]) * fabs(c->rv[i]);
    }
    c->Rs = (double)R;
}

/* The perturbation of edge i <- k (operand slot k of node i, node opnd):
 *   rounding: c_edge u |d| with c_edge = 2 + fanout_k roundings (the
 *     product, the accumulation into i in forward mode, and up to fanout_k
 *     accumulations into k in reverse mode): backward error, every
 *     computed sum of products is the exact sum with each product's
 *     partial perturbed by at most that much;
 *   partial: |Delta d| from wg_chk_point_partials. */
static inline long double edge_round(const wg_chk *c, size_t i, int k, size_t opnd)
{
    return (2.0L + c->fanout[opnd]) * WG_UNIT_ROUNDOFF * fabs(c->d[2 * i + k]);
}

static inline long double edge_delta(const wg_chk *c, size_t i, int k, size_t opnd)
{
    return edge_round(c, i, k, opnd) + c->dd[2 * i + k];
}

static inline size_t operand(const wg_chk *c, size_t i, int k)
{
    return k ? c->tv.arg1[i] : c->tv.arg0[i];
}

static inline int noperands(const wg_tape_view *tv, size_t i)
{
    wg_op op = (wg_op)tv->op[i];
    wg_op_kind kind = wg_op_kind_of(op);
    if (kind == WG_KIND_LEAF || kind == WG_KIND_CMP)
        return 0;
    return wg_view_has_b(tv, i) ? 2 : 1;
}

/* Radii of the second-order terms:
 *   efr[k]: how far the tangent computed with the rounding-perturbed
 *     partials may be from the own tangent tan[k] (forward, rounding and
 *     the products' underflow);
 *   ebar[i]: how far the exact adjoint (exact partials at exact values)
 *     may be from the own adjoint adj[i] (reverse, partial errors, and the
 *     products' underflow, so that one radius serves both modes as the
 *     edge counts do). */
void wg_chk_radii(wg_chk *c)
{
    size_t N = c->N;
    for (size_t i = 0; i < N; i++)
        c->efr[i] = c->ebar[i] = 0;
    for (size_t i = 0; i < N; i++) {
        int nk = noperands(&c->tv, i);
        long double e = 0;
        for (int k = 0; k < nk; k++) {
            size_t q = operand(c, i, k);
            long double r = edge_round(c, i, k, q);
            e += szmul(fabs(c->d[2 * i + k]) + r, c->efr[q]) + szmul(r, fabsl(c->tan[q]))
                 + wg_chk_product_eta(c->d[2 * i + k], c->tan[q], c->efr[q]);
        }
        c->efr[i] = e;
    }
    for (size_t i = N; i-- > 0;) {
        int nk = noperands(&c->tv, i);
        if (c->adj[i] == 0 && c->ebar[i] == 0)
            continue;
        for (int k = 0; k < nk; k++) {
            size_t q = operand(c, i, k);
            long double dd = c->dd[2 * i + k];
            c->ebar[q] += szmul(fabs(c->d[2 * i + k]) + dd, c->ebar[i]) + szmul(dd, fabsl(c->adj[i]))
                          + wg_chk_product_eta(c->d[2 * i + k], c->adj[i], c->ebar[i]);
        }
    }
}

/* The error of w.(J u) computed with perturbed partials d~ (|d~ - d*| <=
 * delta, d* the exact partials at the exact values) telescopes, path by
 * path, into one term per edge: sum over edges of t~_k (d~ - d*)_ik lambda*_i,
 * t~ the tangents with the perturbed partials and lambda* the exact
 * adjoints.  An absolute error e_i added to node i's tangent (a product
 * that underflowed) reaches the result times lambda*_i, and one added to
 * node k's adjoint times the tangent t_k.  Hence
 *   B = safety * [ sum over edges (|lambda_i| + ebar_i) delta_ik (|tdot_k| + efr_k)
 *                  + sum over edges eta_ik^fwd (|lambda_i| + ebar_i)
 *                  + sum over edges eta_ik^rev (|tdot_k| + efr_k)
 *                  + m u sum_j |w_j| (|ydot_j| + efr_yj)
 *                  + n u sum_j |u_j| (|xbar_j| + ebar_xj)
 *                  + eta per final product that may underflow ]
 * eta^fwd and eta^rev being eta where the product d_ik tdot_k (forward)
 * or d_ik lambda_i (reverse) may fall below 2^-1022 (product_eta), and
 * the last three terms for the final dot products.  Without the radii this
 * is the first-order running error bound; they add what the first order
 * misses when a partial's error is large against the partial itself
 * (cosh'(v) at a v that cancelled to 1e-27 in double, 1e-19 exactly). */
double wg_chk_bound(const wg_chk *c)
{
    long double B = 0;
    for (size_t i = 0; i < c->N; i++) {
        int nk = noperands(&c->tv, i);
        long double lam = fabsl(c->adj[i]) + c->ebar[i];
        if (nk == 0 || lam == 0)
            continue;
        long double l = 0;
        for (int k = 0; k < nk; k++) {
            size_t q = operand(c, i, k);
            double d = c->d[2 * i + k];
            long double tq = fabsl(c->tan[q]) + c->efr[q];
            l += szmul(edge_delta(c, i, k, q), tq) + wg_chk_product_eta(d, c->tan[q], c->efr[q]);
            B += szmul(wg_chk_product_eta(d, c->adj[i], c->ebar[i]), tq);
        }
        B += szmul(lam, l);
    }
    long double dy = 0, dx = 0, under = 0;
    for (size_t j = 0; j < c->m; j++) {
        size_t q = c->yi[j];
        dy += fabs(c->w[j]) * (fabsl(c->tan[q]) + c->efr[q]);
        under += wg_chk_product_eta(c->w[j], c->tan[q], c->efr[q]);
    }
    for (size_t j = 0; j < c->n; j++)
        if (c->xi[j] != WG_NO_NODE) {
            size_t q = c->xi[j];
            dx += fabs(c->u[j]) * (fabsl(c->adj[q]) + c->ebar[q]);
            under += wg_chk_product_eta(c->u[j], c->adj[q], c->ebar[q]);
        }
    B += WG_UNIT_ROUNDOFF * ((long double)c->m * dy + (long double)c->n * dx) + under;
    return (double)(c->opt.safety * B);
}

/* E_i = sum_k [(|d_ik| + delta_ik) E_k + delta_ik |tdot_k| + eta_ik^fwd]:
 * how far node i's double tangent may be from its exact one (without the
 * safety factor), for blame */
void wg_chk_forward_bounds(wg_chk *c)
{
    for (size_t i = 0; i < c->N; i++) {
        int nk = noperands(&c->tv, i);
        long double e = 0;
        for (int k = 0; k < nk; k++) {
            size_t q = operand(c, i, k);
            long double dl = edge_delta(c, i, k, q);
            e += szmul(fabs(c->d[2 * i + k]) + dl, c->ebound[q]) + szmul(dl, fabsl(c->tan[q]))
                 + wg_chk_product_eta(c->d[2 * i + k], c->tan[q], c->ebound[q]);
        }
        c->ebound[i] = e;
    }
}

/* distance from (a, b) to op's singular set (poles, kinks, domain edges,
 * comparison ties), and the rate at which the line x0 + s u approaches it;
 * 0 when op has none (entire functions) */
static int singular_distance(wg_op op, double a, double b, double p, long double ta,
                             long double tb, double *dist, double *rate)
{
    switch (op) {
    case WG_OP_LOG: case WG_OP_SQRT: case WG_OP_CBRT: case WG_OP_RECIP: case WG_OP_POW:
    case WG_OP_RELU: case WG_OP_ABS:
    case WG_OP_STEP: case WG_OP_SIGN:   /* a jump: no step may cross it */
        *dist = fabs(a); *rate = fabsl(ta); return 1;
    case WG_OP_POW_C:
        if (p >= 0 && p == nearbyint(p))
            return 0;           /* a polynomial */
        *dist = fabs(a); *rate = fabsl(ta); return 1;
    case WG_OP_POWI:
        if (p >= 0)
            return 0;
        *dist = fabs(a); *rate = fabsl(ta); return 1;
    case WG_OP_DIV:
        *dist = fabs(b); *rate = fabsl(tb); return 1;
    case WG_OP_LOG1P:
        *dist = fabs(a + 1.0); *rate = fabsl(ta); return 1;
    case WG_OP_ASIN: case WG_OP_ACOS:
        *dist = 1.0 - fabs(a); *rate = fabsl(ta); return 1;
    case WG_OP_TAN:
        *dist = fabs(cos(a)); *rate = fabsl(ta); return 1;   /* |cos a| ~ distance to a pole */
    case WG_OP_ATAN2:
        /* the origin, and the branch cut along b < 0, where the value
         * jumps by 2 pi: a step across it differences the jump */
        if (b < 0 && fabs(a) < hypot(a, b)) {
            *dist = fabs(a); *rate = fabsl(ta); return 1;
        }
        *dist = hypot(a, b); *rate = hypot((double)ta, (double)tb); return 1;
    case WG_OP_HYPOT:
        *dist = hypot(a, b); *rate = hypot((double)ta, (double)tb); return 1;
    case WG_OP_MIN: case WG_OP_MAX:
    case WG_OP_LT: case WG_OP_LE: case WG_OP_GT: case WG_OP_GE: case WG_OP_EQ: case WG_OP_NE:
        *dist = fabs(a - b); *rate = fabsl(ta - tb); return 1;
    default:
        return 0;
    }
}

/* How far the exact value of node k's double value may lie from it: 0 for
 * an input or a constant (exact), else the distance to the exact value
 * (the MPFR replay at x0, rounded) and the half ulp that rounding left. */
static double value_uncertainty(const wg_chk *c, size_t k)
{
    if (wg_op_kind_of((wg_op)c->tv.op[k]) == WG_KIND_LEAF)
        return 0;
    return fabs(c->tv.val[k] - c->rv[k]) + wg_ulp_of(c->rv[k]);
}

/* S_raw = min over singular nodes of dist / rate: how far along u the
 * point may move before some node reaches a pole, a kink, a domain edge or
 * a tie, to first order.  Uses the own sweep's tangents (c->tan).
 *
 * For the reference each node's distance is also taken at the exact
 * values (c->rv).  A node whose exact distance is more than 4 times what
 * its operands' double values may be off (value_uncertainty; at most 1 for
 * the rate of every dist below in its operands) is certainly on one side:
 * its dist / rate goes to S_sure, however small (log(x) at x = 1e-300 is
 * stepped by 2^-85 of 1e-300).  The others may sit on their singular point
 * for all the doubles tell: S_near, which the step keeps no smaller than
 * the least scale (wg_chk_step_exp), so that the reference's steps reach
 * across such a point and its one-sided differences see it. */
void wg_chk_step_distance(wg_chk *c)
{
    const wg_tape_view *tv = &c->tv;
    double S = INFINITY, sure = INFINITY, near = INFINITY;
    for (size_t i = 0; i < c->N; i++) {
        wg_op op = (wg_op)tv->op[i];
        wg_op_kind kind = wg_op_kind_of(op);
        if (kind == WG_KIND_LEAF)
            continue;
        int bin = wg_view_has_b(tv, i);
        size_t ia = tv->arg0[i], ib = bin ? tv->arg1[i] : 0;
        double a = tv->val[ia], b = bin ? tv->val[ib] : 0.0;
        long double ta = c->tan[ia], tb = bin ? c->tan[ib] : 0.0L;
        double dist, rate;
        if (!singular_distance(op, a, b, tv->param[i], ta, tb, &dist, &rate) || !(rate > 0))
            continue;
        double s = dist / rate;
        if (s < S)
            S = s;
        double xdist, xrate;
        double unc = value_uncertainty(c, ia) + (bin ? value_uncertainty(c, ib) : 0.0);
        singular_distance(op, c->rv[ia], bin ? c->rv[ib] : 0.0, tv->param[i], ta, tb, &xdist,
                          &xrate);
        if (dist > 0 && xdist > 4 * unc && xdist > 0) {
            double xs = fmin(s, xdist / rate);
            if (xs < sure)
                sure = xs;
        } else if (s < near)
            near = s;
    }
    c->S_raw = S;
    c->S_sure = sure;
    c->S_near = near;
    /* The largest scale.  A step along u moves x_j by s u_j, which must
     * stay small against x_j's own scale |x_j| for every j, not only
     * against the largest coordinate: log(x1) + x2 at x1 = 0.01, x2 = 1e40
     * stepped by 2^-85 1e40 moves x1 by 10^14, and x1 x2 at x1 = x2 =
     * 1e-300 stepped by 2^-85 is all h^2 u1 u2, the slope 1e-300 lost in
     * its rounding.  A function of x_j varies on the scale |x_j| (powers,
     * logarithms, poles at 0: the one-scale assumption behind h1); a
     * coordinate at 0 has no scale of its own and takes the largest, as
     * before.  sin and cos vary on the scale 1 of their argument however
     * large it is (sin(x) at 1e200): s |t_a| <= 1 (tan's poles bound it
     * already). */
    double hi = c->xscale;
    for (size_t j = 0; j < c->n; j++)
        if (c->u[j] != 0 && c->x0[j] != 0)
            hi = fmin(hi, fabs(c->x0[j]) / fabs(c->u[j]));
    for (size_t i = 0; i < c->N; i++) {
        wg_op op = (wg_op)tv->op[i];
        long double ta = (op == WG_OP_SIN || op == WG_OP_COS) ? fabsl(c->tan[tv->arg0[i]]) : 0;
        if (ta > 0)
            hi = fmin(hi, (double)(1.0L / ta));
    }
    c->S_hi = hi;
}

/* h1 = 2^e1 with e1 = e_S - prec/3.  2^e_S is S rounded down to a power of
 * two (so every step, and s u, is exact), S = min(S_sure, max(S_near,
 * S_hi 2^-(prec/3))) clamped to at most S_hi: a singular point the doubles
 * place for certain bounds the step however near it is; one they cannot
 * tell from the point itself (a node on its kink, S_near = 0) is stepped
 * across at the least scale, where the one-sided differences see it. */
long wg_chk_step_exp(const wg_chk *c)
{
    long third = (long)(c->prec / 3);
    long ehi = ilogb(c->S_hi);
    long elo = ehi - third;
    long eS;
    long enear = c->S_near == 0 ? elo : !isfinite(c->S_near) ? ehi : ilogb(c->S_near);
    if (enear < elo)
        enear = elo;
    eS = enear;
    if (isfinite(c->S_sure) && c->S_sure > 0 && ilogb(c->S_sure) < eS)
        eS = ilogb(c->S_sure);
    if (eS > ehi)
        eS = ehi;
    return eS - third;
}
