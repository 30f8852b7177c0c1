/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reference.c -- w.(J u) from MPFR replays of the tape: central
 * differences at two steps (converged when they agree far below a double
 * ulp) and one-sided differences (a kink when they disagree).
 *
 * With F(s) = w.f(x0 + s u) replayed at the working precision p:
 *   D(h) = (F(h) - F(-h)) / 2h,  h1 = 2^-(p/3) S,  h2 = h1 2^-8,
 * S the distance along u to the nearest singular point (bound.c), as a
 * power of two.  Truncation error of D(h) is ~ h^2 |F'''| / 6 and the
 * rounding error ~ 2^-p |F| / h: at h1 both are ~ 2^-(2p/3) relative when
 * F''' ~ F ~ F' on the scale S, 2^-170 at 256 bits.  h2 is 2^8 smaller, so
 * its truncation error is 2^16 smaller and D(h1) - D(h2) measures D(h1)'s
 * error; its rounding error grows only to 2^-(2p/3 - 8).  D(h2) is the
 * reference.  doc/VERIFY.md has the thresholds' reasons. */
#include "check_internal.h"

#include <math.h>

static void set_prec_if(mpfr_ptr v, mpfr_prec_t p)
{
    if (mpfr_get_prec(v) != p)
        mpfr_set_prec(v, p);
}

/* F = sum_j w_j y_j of a replay, at 2p + 64 bits: each product exact (the
 * value's bits + 64), the sum rounded far below what the differences
 * cancel (about p/3 bits) */
static void F_of(wg_chk *c, const wg_mpfr_replay *r, mpfr_ptr F)
{
    mpfr_set_zero(F, 1);
    for (size_t j = 0; j < c->m; j++) {
        mpfr_srcptr v = r->v[c->yi[j]];
        set_prec_if(c->tmp, mpfr_get_prec(v) + 64);
        mpfr_mul_d(c->tmp, v, c->w[j], MPFR_RNDN);
        mpfr_add(F, F, c->tmp, MPFR_RNDN);
    }
}

/* replays at +2^e and -2^e; WG_OK or the first issue (kept in ref) */
static int run_pair(wg_chk *c, long e, wg_chk_ref *ref)
{
    wg_mpfr_issue is;
    for (int sign = 1; sign >= -1; sign -= 2) {
        wg_mpfr_replay *r = sign > 0 ? &c->plus : &c->minus;
        mpfr_set_si_2exp(c->step, sign, (mpfr_exp_t)e, MPFR_RNDN);
        wg_mpfr_replay_run(r, c->x0, c->u, c->step, &is);
        if (is.status != WG_OK || is.flipped) {
            ref->status = is.status != WG_OK ? is.status : WG_EBRANCH;
            ref->issue = is;
            ref->issue_exp = e;
            ref->issue_sign = r->primed ? sign : 0;     /* unprimed: x0 itself failed */
            return ref->status;
        }
    }
    return WG_OK;
}

/* D = (F(+2^e) - F(-2^e)) / 2^(e+1) from the last pair */
static void central(wg_chk *c, long e, mpfr_ptr D)
{
    F_of(c, &c->plus, c->Fp);
    F_of(c, &c->minus, c->Fm);
    mpfr_sub(D, c->Fp, c->Fm, MPFR_RNDN);
    mpfr_div_2si(D, D, e + 1, MPFR_RNDN);
}

/* one-sided differences at 2^e from the last pair, into c->R and c->L:
 * R = (F(2^e) - F(0)) / 2^e, L = (F(0) - F(-2^e)) / 2^e; returns R - L */
static double one_sided(wg_chk *c, long e)
{
    mpfr_sub(c->R, c->Fp, c->F0, MPFR_RNDN);
    mpfr_div_2si(c->R, c->R, e, MPFR_RNDN);
    mpfr_sub(c->L, c->F0, c->Fm, MPFR_RNDN);
    mpfr_div_2si(c->L, c->L, e, MPFR_RNDN);
    set_prec_if(c->tmp, c->facc);
    mpfr_sub(c->tmp, c->R, c->L, MPFR_RNDN);
    return mpfr_get_d(c->tmp, MPFR_RNDN);
}

/* The derivative is 0 and the differences go to it as h^k, k = 1..8:
 * D(h2) = 2^-8k D(h1) to 2^-70 of D(h1).  Where the function is smooth
 * and flat to order k (x^3 at 0: D(h) = h^2), or is C^1 with a jump in a
 * higher derivative (relu(x)^2 at 0: D(h) = h/2, relu(x)^3: h^2/2), the
 * terms of the differences shrink as fast as their gap, so no scale M of
 * them can hold the gap; but the rate can.  D = F' + c h^k gives
 * 2^8k D(h2) - D(h1) = (2^8k - 1) F', which this bounds by 2^-70 |D(h1)|,
 * so |F'| <= 2^-(70 + 8k) |D(h1)|, below |D(h1) - D(h2)|, the reference's
 * stated error.  Differences that do not converge do not keep a ratio of
 * 2^8k to 70 bits. */
static int zero_limit(wg_chk *c)
{
    if (mpfr_zero_p(c->D1))
        return 0;
    set_prec_if(c->tmp, c->facc);
    for (int k = 1; k <= WG_REF_MAX_ORDER; k++) {
        mpfr_mul_2si(c->tmp, c->D2, WG_REF_RATIO_BITS * k, MPFR_RNDN);
        mpfr_sub(c->tmp, c->tmp, c->D1, MPFR_RNDN);
        mpfr_abs(c->tmp, c->tmp, MPFR_RNDN);
        mpfr_mul_2si(c->tmp, c->tmp, WG_REF_CONVERGED_BITS, MPFR_RNDN);
        if (mpfr_cmpabs(c->tmp, c->D1) <= 0)
            return k;
    }
    return 0;
}

void wg_chk_reference(wg_chk *c, wg_chk_ref *ref)
{
    ref->status = WG_OK;
    ref->converged = ref->nondiff = 0;
    ref->issue_exp = 0;
    ref->issue_sign = 0;
    ref->round_err = 0;
    ref->need_prec = 0;
    long e1 = wg_chk_step_exp(c), e2 = e1 - WG_REF_RATIO_BITS;
    ref->e1 = e1;
    F_of(c, &c->ctr, c->F0);
    if (run_pair(c, e1, ref) != WG_OK)
        return;
    central(c, e1, c->D1);
    double side1 = one_sided(c, e1);
    double lr1 = fmax(fabs(mpfr_get_d(c->L, MPFR_RNDN)), fabs(mpfr_get_d(c->R, MPFR_RNDN)));
    if (run_pair(c, e2, ref) != WG_OK)
        return;
    central(c, e2, c->D2);                  /* leaves Fp, Fm at +-h2 */
    double side2 = one_sided(c, e2);        /* at h2: the report's left and right */

    /* The kink test's gap: where F is C^k at the point, R - L = c h^k +
     * O(h^(k+1)) (k = 1 in a smooth place: h F''), so the one-sided gap at
     * h2 is 2^-8k of the one at h1; a kink's jump does not shrink with the
     * step.  So the gap at h2 less the part a power of the step explains
     * (k = 1..8): a stationary point (F' = 0, L and R = -+h F''/2, all of
     * their size the curvature's), relu(x)^3 at 0 (R - L = h^2) or x^6 at
     * 0 (2 h^5) is no kink. */
    double side_gap = fabs(side2);
    for (int k = 1; k <= WG_REF_MAX_ORDER; k++)
        side_gap = fmin(side_gap, fabs(side2 - ldexp(side1, -WG_REF_RATIO_BITS * k)));

    /* M: the scale the reference must resolve: |D(h2)|; T, the size of
     * w.(J u) before cancellation; and the one-sided differences at h1,
     * the two terms whose mean is D(h1).  Where the derivative is 0 the
     * first two are 0 too, but the terms are h1 |F''| / 2, the function's
     * change over the step: a smooth stationary point converges when
     * h1 |F'''| / 3 <= 2^-70 |F''|, a margin of 2^16 at 256 bits for
     * F''' ~ F'' / S.  Where the differences do not converge (D(h) ~ 1/h)
     * the terms are as large as their gap and leave no room.  Never below
     * what a double resolves (2^-1075 = 2^-70 M): the reference ends as
     * a double. */
    double d2 = fabs(mpfr_get_d(c->D2, MPFR_RNDN));
    double M = fmax(fmax(fmax(d2, c->T), lr1), 0x1p-1005);
    mpfr_sub(c->tmp, c->D1, c->D2, MPFR_RNDN);
    double gap = fabs(mpfr_get_d(c->tmp, MPFR_RNDN));
    /* D(h1) and D(h2) can agree and both be wrong when rounding, not
     * truncation, dominates (expm1(-700) = -1 + 1e-304 loses its slope in
     * 256 bits): each F(+-h2) is off by about 2^-p Rs, so D(h2) by up to
     * 2^(1-p) Rs / h2 */
    ref->round_err = ldexp(c->Rs, 1 - (long)c->prec - e2);
    double lim = ldexp(M, -WG_REF_CONVERGED_BITS);
    ref->converged = (gap <= lim || zero_limit(c)) && ref->round_err <= lim;
    ref->need_prec = 0;
    if (ref->round_err > lim) {
        /* the precision p' at which the rounding is 2^-80 M, steps scaling
         * with it: log2 err = log2 Rs + 9 - eS - 2p'/3 (h2 = 2^(eS - p'/3 - 8)) */
        long eS = e1 + (long)(c->prec / 3);
        double need = 1.5 * (log2(c->Rs) + 89.0 - (double)eS - log2(M));
        if (need > (double)c->prec && need < 1e6)
            ref->need_prec = ((mpfr_prec_t)ceil(need) + 63) / 64 * 64;
    }

    double l = mpfr_get_d(c->L, MPFR_RNDN), r = mpfr_get_d(c->R, MPFR_RNDN);
    ref->nondiff = side_gap > ldexp(fmax(fmax(fabs(l), fabs(r)), c->T), -WG_NONDIFF_BITS);
    /* A jump (step, sign, argmax_mask at a tie) divided by a step of
     * 2^-1000 or less, as a raised precision gives, leaves the double
     * range: an infinite difference quotient is no derivative, and inf <=
     * inf must not pass for converged */
    if (!isfinite(d2) || !isfinite(l) || !isfinite(r)) {
        ref->converged = 0;
        ref->nondiff = 1;
        ref->need_prec = 0;
    }
}

double wg_chk_abs_err(wg_chk *c, double v)
{
    set_prec_if(c->tmp, c->facc);
    mpfr_set_d(c->tmp, v, MPFR_RNDN);
    mpfr_sub(c->tmp, c->tmp, c->D2, MPFR_RNDN);
    return fabs(mpfr_get_d(c->tmp, MPFR_RNDN));
}

/* each node's (v_i(+h) - v_i(-h)) / 2h at h1, then at h2 */
int wg_chk_node_tangents(wg_chk *c, const wg_chk_ref *ref, double *refd, double *err)
{
    wg_chk_ref scratch = *ref;
    for (int pass = 0; pass < 2; pass++) {
        long e = ref->e1 - (pass ? WG_REF_RATIO_BITS : 0);
        if (run_pair(c, e, &scratch) != WG_OK)
            return scratch.status;
        set_prec_if(c->tmp, c->facc);
        for (size_t i = 0; i < c->N; i++) {
            mpfr_sub(c->tmp, c->plus.v[i], c->minus.v[i], MPFR_RNDN);
            mpfr_div_2si(c->tmp, c->tmp, e + 1, MPFR_RNDN);
            double di = mpfr_get_d(c->tmp, MPFR_RNDN);
            if (pass == 0)
                err[i] = di;
            else {
                refd[i] = di;
                err[i] = fabs(err[i] - di);
            }
        }
    }
    return WG_OK;
}
