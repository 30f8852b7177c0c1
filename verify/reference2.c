/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reference2.c -- v^T H u of F = w.f from the original function only:
 * second differences of the MPFR replay, no derivative rule involved.
 *
 * With F(i, j) = w.f(x0 + i h u + j h v) on the grid i, j in {-1, 0, 1}:
 *   D(h) = [F(1,1) - F(1,-1) - F(-1,1) + F(-1,-1)] / 4h^2
 *        = v^T H u + O(h^2) (the odd terms cancel by symmetry),
 * the mean of the four quadrant differences
 *   Q++ = [F(1,1) - F(1,0) - F(0,1) + F(0,0)] / h^2, and likewise,
 * each the mixed derivative at the quadrant's center, v^T H u + O(h).
 *
 * Steps: h1 = 2^-(p/4) S, h2 = h1 2^-8, S the distance along u and v to
 * the nearest singular point (bound.c, both directions), clamped and
 * rounded to a power of two as for first order, so every grid point is
 * formed exactly (mpfr_replay.c).  The truncation error of D(h) is
 * ~ h^2 |F''''| and its rounding ~ 2^-p Rs / h^2: at the fourth root of
 * 2^-p both are ~ 2^-(p/2) relative on the scale S (F'''' ~ F''/S^2),
 * 2^-128 at 256 bits.  At h2 the truncation is 2^16 smaller, so
 * D(h1) - D(h2) measures D(h1)'s error; the rounding grows only to
 * 2^-(p/2 - 16), 2^-112 at 256 bits, far below the 2^-70 the convergence
 * test asks: the four-point cancellation leaves more than 100 correct
 * bits.  D(h2) is the reference.  The first order's h = 2^-(p/3) S would
 * leave the rounding at 2^-(p/3 - 16) = 2^-69: not enough.
 *
 * Kinks: where the gradient (or the Hessian) jumps across a hyperplane
 * through or near the point, the quadrants see different sides and their
 * differences disagree by an amount that does not shrink with the step
 * (relu at 0: one quadrant gives -1/h, the others 0).  In a smooth place
 * they differ by O(h) terms, which the rate test of the first order
 * removes (doc/VERIFY.md, "Kinks"). */
#include "check_internal.h"

#include <limits.h>
#include <math.h>

static void set_prec_if(mpfr_ptr v, mpfr_prec_t p)
{
    if (mpfr_get_prec(v) != p)
        mpfr_set_prec(v, p);
}

void wg_chk_ref2_clear(wg_chk_ref2 *ref)
{
    if (!ref->facc)
        return;
    for (int k = 0; k < 9; k++)
        mpfr_clear(ref->F[k]);
    for (int k = 0; k < 4; k++)
        mpfr_clear(ref->Q[k]);
    mpfr_clears(ref->D1, ref->D2, ref->tmp, ref->s, ref->t, (mpfr_ptr)0);
    ref->facc = 0;
}

static void ref2_alloc(wg_chk_ref2 *ref, mpfr_prec_t facc)
{
    if (ref->facc == facc)
        return;
    wg_chk_ref2_clear(ref);
    for (int k = 0; k < 9; k++)
        mpfr_init2(ref->F[k], facc);
    for (int k = 0; k < 4; k++)
        mpfr_init2(ref->Q[k], facc);
    mpfr_inits2(facc, ref->D1, ref->D2, ref->tmp, (mpfr_ptr)0);
    mpfr_inits2(2, ref->s, ref->t, (mpfr_ptr)0);    /* the steps are powers of two */
    ref->facc = facc;
}

/* F = sum_j w_j y_j of a replay, each product exact, the sum at facc bits
 * (as reference.c) */
static void F_of(const wg_chk *c, const wg_mpfr_replay *r, wg_chk_ref2 *ref, mpfr_ptr F)
{
    mpfr_set_zero(F, 1);
    for (size_t j = 0; j < c->m; j++) {
        mpfr_srcptr v = r->v[c->yi[j]];
        set_prec_if(ref->tmp, mpfr_get_prec(v) + 64);
        mpfr_mul_d(ref->tmp, v, c->w[j], MPFR_RNDN);
        mpfr_add(F, F, ref->tmp, MPFR_RNDN);
    }
    set_prec_if(ref->tmp, ref->facc);
}

#define FIX(i, j) ref->F[3 * ((i) + 1) + ((j) + 1)]

/* F on the grid at h = 2^e; WG_OK or the first issue (kept in ref) */
static int grid(wg_chk *c, const double *v, long e, wg_chk_ref2 *ref)
{
    F_of(c, &c->ctr, ref, FIX(0, 0));
    for (int i = -1; i <= 1; i++)
        for (int j = -1; j <= 1; j++) {
            if (i == 0 && j == 0)
                continue;
            mpfr_set_si_2exp(ref->s, i, (mpfr_exp_t)e, MPFR_RNDN);
            mpfr_set_si_2exp(ref->t, j, (mpfr_exp_t)e, MPFR_RNDN);
            wg_mpfr_issue is;
            wg_mpfr_replay_run2(&c->plus, c->x0, i ? c->u : NULL, i ? ref->s : NULL,
                                j ? v : NULL, j ? ref->t : NULL, &is);
            if (is.status != WG_OK || is.flipped) {
                ref->status = is.status != WG_OK ? is.status : WG_EBRANCH;
                ref->issue = is;
                ref->issue_exp = e;
                ref->issue_i = c->plus.primed ? i : 0;
                ref->issue_j = c->plus.primed ? j : 0;
                return ref->status;
            }
            F_of(c, &c->plus, ref, FIX(i, j));
        }
    return WG_OK;
}

/* a +- b +- c +- d into dst, exactly rounded at facc bits (F's carry
 * that many) */
static void comb4(wg_chk_ref2 *ref, mpfr_ptr dst, mpfr_srcptr a, int sb, mpfr_srcptr b,
                  int sc, mpfr_srcptr c, int sd, mpfr_srcptr d)
{
    mpfr_set(dst, a, MPFR_RNDN);
    (sb > 0 ? mpfr_add : mpfr_sub)(dst, dst, b, MPFR_RNDN);
    (sc > 0 ? mpfr_add : mpfr_sub)(dst, dst, c, MPFR_RNDN);
    (sd > 0 ? mpfr_add : mpfr_sub)(dst, dst, d, MPFR_RNDN);
    (void)ref;
}

/* D(h) and the quadrants at h = 2^e from the grid; the three combinations
 * of quadrants that vanish in a smooth place as h -> 0 go to x[3] */
static void differences(wg_chk_ref2 *ref, long e, mpfr_ptr D, double q[4], double x[3])
{
    comb4(ref, D, FIX(1, 1), -1, FIX(1, -1), -1, FIX(-1, 1), +1, FIX(-1, -1));
    mpfr_div_2si(D, D, 2 * e + 2, MPFR_RNDN);
    comb4(ref, ref->Q[0], FIX(1, 1), -1, FIX(1, 0), -1, FIX(0, 1), +1, FIX(0, 0));    /* ++ */
    comb4(ref, ref->Q[1], FIX(1, 0), -1, FIX(1, -1), -1, FIX(0, 0), +1, FIX(0, -1));  /* +- */
    comb4(ref, ref->Q[2], FIX(0, 1), -1, FIX(0, 0), -1, FIX(-1, 1), +1, FIX(-1, 0));  /* -+ */
    comb4(ref, ref->Q[3], FIX(0, 0), -1, FIX(0, -1), -1, FIX(-1, 0), +1, FIX(-1, -1)); /* -- */
    for (int k = 0; k < 4; k++) {
        mpfr_div_2si(ref->Q[k], ref->Q[k], 2 * e, MPFR_RNDN);
        q[k] = mpfr_get_d(ref->Q[k], MPFR_RNDN);
    }
    /* Q++ - Q--, Q+- - Q-+, (Q++ + Q--) - (Q+- + Q-+): O(h) or smaller
     * where F is smooth, whatever the Hessian */
    mpfr_sub(ref->tmp, ref->Q[0], ref->Q[3], MPFR_RNDN);
    x[0] = mpfr_get_d(ref->tmp, MPFR_RNDN);
    mpfr_sub(ref->tmp, ref->Q[1], ref->Q[2], MPFR_RNDN);
    x[1] = mpfr_get_d(ref->tmp, MPFR_RNDN);
    comb4(ref, ref->tmp, ref->Q[0], +1, ref->Q[3], -1, ref->Q[1], -1, ref->Q[2]);
    x[2] = mpfr_get_d(ref->tmp, MPFR_RNDN);
}

/* As reference.c's: the Hessian term is 0 and the differences go to it as
 * h^k, k = 1..8 (x1^2 x2^2 at 0: D(h) = h^2 ...): 2^8k D(h2) - D(h1) is
 * then (2^8k - 1) v^T H u, bounded by 2^-70 |D(h1)|. */
static int zero_limit(wg_chk_ref2 *ref)
{
    if (mpfr_zero_p(ref->D1))
        return 0;
    for (int k = 1; k <= WG_REF_MAX_ORDER; k++) {
        mpfr_mul_2si(ref->tmp, ref->D2, WG_REF_RATIO_BITS * k, MPFR_RNDN);
        mpfr_sub(ref->tmp, ref->tmp, ref->D1, MPFR_RNDN);
        mpfr_abs(ref->tmp, ref->tmp, MPFR_RNDN);
        mpfr_mul_2si(ref->tmp, ref->tmp, WG_REF_CONVERGED_BITS, MPFR_RNDN);
        if (mpfr_cmpabs(ref->tmp, ref->D1) <= 0)
            return k;
    }
    return 0;
}

/* The least step scale at precision p: at S = xscale 2^-(p/4 - 48) the
 * rounding of D(h2), 2^-p / h2^2 with h2 = S 2^-(p/4 + 8), is 2^-80 of
 * the scale; below it the differences would be noise.  (The first order's
 * least scale, 2^-(p/3), leaves 2^-(p/3 - 8) there: its rounding grows as
 * 1/h, not 1/h^2.) */
#define STEP_MARGIN_BITS 48

/* h1 = 2^e1, e1 = eS - p/4, 2^eS the step scale S = min(S_sure, S_near)
 * rounded down to a power of two and clamped to [least, S_hi], least =
 * S_hi 2^-(p/4 - 48); S_sure, S_near and S_hi are the first order's
 * (bound.c, wg_chk_step_distance) taken both ways (check_order2.c).  S_hi
 * is at most max(1, |x0|), and at most every coordinate's own |x0_j| over
 * its rate |u_j| + |v_j| (sin and cos: their argument's scale 1), so a
 * step never moves a coordinate by more than its own size; S_sure places
 * a singular point by the exact values.  A singular point nearer than the
 * least scale needs smaller steps, and they a higher precision: *need is
 * then the precision whose least scale reaches S (a node exactly on its
 * kink, S = 0: more than any; the caller stops at WG_MAX_PRECISION, where
 * a kink within 2^-976 of max(1, |x0|) is treated as one), else 0.  Unlike
 * the first order, a singular point the doubles cannot place for certain
 * still sets the step: the second differences' rounding allows no
 * "least scale" to step across it, and the precision rises instead. */
static long step_exp2(const wg_chk *c, mpfr_prec_t *need)
{
    long quarter = (long)(c->prec / 4);
    double hi = isfinite(c->S_hi) && c->S_hi > 0 ? c->S_hi : c->xscale;
    double S = fmin(c->S_sure, c->S_near);
    long ehi = ilogb(hi);
    long eS = S == 0 ? LONG_MIN / 4 : !isfinite(S) ? ehi : ilogb(S);
    long emin = ehi - quarter + STEP_MARGIN_BITS;
    *need = 0;
    if (eS > ehi)
        eS = ehi;
    if (eS < emin) {
        double p = 4.0 * ((double)STEP_MARGIN_BITS + (double)ehi - (double)eS);
        *need = p < 1e6 ? ((mpfr_prec_t)p + 63) / 64 * 64 : (mpfr_prec_t)1000000;
        eS = emin < ehi ? emin : ehi;
    }
    if (S == 0) {
        /* on its kink: the least scale of max(1, |x0|), as the steps go
         * across the kink anyway, and no coordinate's own size is reached
         * at 2^-976 of it (the rounding of a smaller one would bury the
         * quadrants' differences) */
        long ex = ilogb(c->xscale) - quarter + STEP_MARGIN_BITS;
        eS = ex < ehi ? ex : ehi;
    }
    return eS - quarter;
}

void wg_chk_reference2(wg_chk *c, const double *v, double T2, double T1, wg_chk_ref2 *ref)
{
    ref2_alloc(ref, c->facc);
    ref->status = WG_OK;
    ref->converged = ref->nondiff = 0;
    ref->issue_exp = 0;
    ref->issue_i = ref->issue_j = 0;
    ref->round_err = 0;
    ref->need_prec = 0;
    ref->reference = ref->reference_err = ref->qlo = ref->qhi = NAN;
    mpfr_prec_t need;
    long e1 = step_exp2(c, &need), e2 = e1 - WG_REF_RATIO_BITS;
    ref->e1 = e1;
    if (need > c->prec && c->prec < WG_MAX_PRECISION) {
        ref->need_prec = need;      /* nothing computed: the caller raises the precision */
        return;
    }
    double q1[4], q2[4], x1[3], x2[3];
    if (grid(c, v, e1, ref) != WG_OK)
        return;
    differences(ref, e1, ref->D1, q1, x1);
    if (grid(c, v, e2, ref) != WG_OK)
        return;
    differences(ref, e2, ref->D2, q2, x2);

    ref->reference = mpfr_get_d(ref->D2, MPFR_RNDN);
    mpfr_sub(ref->tmp, ref->D1, ref->D2, MPFR_RNDN);
    double gap = fabs(mpfr_get_d(ref->tmp, MPFR_RNDN));
    ref->reference_err = gap;
    double qmax2 = 0;
    ref->qlo = ref->qhi = q2[0];
    for (int k = 0; k < 4; k++) {
        qmax2 = fmax(qmax2, fabs(q2[k]));
        ref->qlo = fmin(ref->qlo, q2[k]);
        ref->qhi = fmax(ref->qhi, q2[k]);
    }

    /* The kink test: the part of each vanishing combination at h2 that no
     * power of the step explains (reference.c's side_gap, per combination) */
    double side_gap = 0;
    for (int a = 0; a < 3; a++) {
        double g = fabs(x2[a]);
        for (int k = 1; k <= WG_REF_MAX_ORDER; k++)
            g = fmin(g, fabs(x2[a] - ldexp(x1[a], -WG_REF_RATIO_BITS * k)));
        side_gap = fmax(side_gap, g);
    }
    /* rounding: each F(i, j) is off by about 2^-p Rs, and D(h2) takes
     * four of them over 4 h2^2; a factor 2 for the estimate.  A quadrant
     * takes four over h2^2, four times D's; a gap the rounding explains is
     * no kink */
    ref->round_err = ldexp(c->Rs, 1 - (long)c->prec - 2 * e2);
    ref->nondiff = side_gap > ldexp(fmax(qmax2, T2), -WG_NONDIFF_BITS)
                   && side_gap > 32 * ref->round_err;

    /* M, the scale the reference must resolve: |D(h2)|; T2, v^T H u before
     * cancellation (the recorded gradient graph's |partials|); and the
     * gradient's scale over the coordinates' (F'' ~ F'/|x0| where nothing
     * is nearer), which gives a Hessian that is 0 a scale (a linear
     * function, whose T2 is 0 too).  Not the quadrant differences, as the
     * first order's M takes its one-sided ones: at a step forced small by
     * a near kink their rounding could pass for a scale.  Never below what
     * a double resolves. */
    long eS = e1 + (long)(c->prec / 4);
    double T1S = ldexp(T1, -(int)ilogb(c->xscale));
    double M = fmax(fmax(fabs(ref->reference), T2), fmax(T1S, 0x1p-1005));
    double lim = ldexp(M, -WG_REF_CONVERGED_BITS);
    ref->converged = (gap <= lim || zero_limit(ref)) && ref->round_err <= lim;
    if (ref->round_err > lim) {
        /* the precision p' at which the rounding is 2^-80 M, the steps
         * scaling with it: log2 err = log2 Rs + 17 - 2 eS - p'/2 */
        double p = 2.0 * (log2(c->Rs) + 97.0 - 2.0 * (double)eS - log2(M));
        if (p > (double)c->prec && p < 1e6)
            ref->need_prec = ((mpfr_prec_t)ceil(p) + 63) / 64 * 64;
    }
}

double wg_chk_ref2_abs_err(wg_chk_ref2 *ref, double value)
{
    mpfr_set_d(ref->tmp, value, MPFR_RNDN);
    mpfr_sub(ref->tmp, ref->tmp, ref->D2, MPFR_RNDN);
    return fabs(mpfr_get_d(ref->tmp, MPFR_RNDN));
}
