/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_gradient.c -- wg_check_gradient: the user's own gradient code,
 * judged against the MPFR reference of the function it claims to
 * differentiate.  The function is recorded and checked as by wg_check_fn,
 * with every column e_j besides the random directions; the same seed
 * draws the same directions here again (directions.c), so each result's
 * reference along u is the one the user's g.u is held to. */
#include "check_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int wg_check_gradient(wg_record_fn record, void *ctx, wg_gradient_fn grad, void *gctx,
                      size_t n, const double *point, double tolerance,
                      const wg_check_options *o, wg_check_report *r)
{
    if (!r)
        return WG_EINVAL;
    memset(r, 0, sizeof *r);
    r->ad_digits = NAN;
    if (!record || !grad || n == 0 || !point || !(tolerance >= 0) || !isfinite(tolerance)) {
        REPERR(r, "wg_check_gradient: %s", !record ? "record is NULL" : !grad ? "grad is NULL"
               : n == 0 ? "no inputs (n = 0)" : !point ? "point is NULL"
               : "the tolerance must be finite and >= 0");
        return WG_EINVAL;
    }
    double t0 = wg_chk_now();
    wg_check_options opt;
    if (o)
        opt = *o;
    else
        wg_check_options_init(&opt);
    opt.full_jacobian = 1;      /* the columns say which component is off */
    opt.order = 1;
    double *g = malloc(n * sizeof *g), *u = malloc(n * sizeof *u);
    gsl_rng *rng = wg_chk_rng_new(opt.seed);
    if (!g || !u || !rng) {
        free(g);
        free(u);
        if (rng)
            gsl_rng_free(rng);
        REPERR(r, "wg_check_gradient: out of memory");
        return WG_ENOMEM;
    }
    int s = grad(point, n, g, gctx);
    if (s != WG_OK) {
        REPERR(r, "wg_check_gradient: the gradient function returned %d (%s)", s,
               wg_strerror(s));
        goto out;
    }
    if ((s = wg_check_fn(record, ctx, n, point, 1, &opt, r)) != WG_OK)
        goto out;
    /* the columns first: which components are off */
    long off = -1;
    size_t nd = r->nresults >= n ? r->nresults - n : 0;
    for (size_t k = 0; k < r->nresults; k++) {
        wg_check_result *res = &r->results[k];
        if (k < nd)
            wg_chk_draw_unit(rng, n, u);    /* as wg_check_tape drew them (m = 1: no w) */
        else {
            memset(u, 0, n * sizeof *u);
            u[k - nd] = 1;
        }
        double v = 0;
        for (size_t j = 0; j < n; j++)
            v += g[j] * u[j];
        wg_figure *f = &res->user;
        f->value = v;
        f->computed = 1;
        if (!res->reference_converged || res->verdict == WG_VERDICT_NONDIFF
            || res->verdict == WG_VERDICT_INVALID || !isfinite(res->reference))
            continue;
        f->abs_err = fabs(v - res->reference);
        f->rel_err = res->reference != 0 ? f->abs_err / fabs(res->reference) : f->abs_err;
        f->ulps = f->abs_err / wg_ulp_of(res->reference);
        /* the tolerance: the user's, relative; or the AD bound of f times a
         * stated factor; either with the reference's own error and the
         * last bit of the reference */
        f->err_est = (tolerance > 0 ? tolerance * fabs(res->reference)
                                    : WG_GRADIENT_FACTOR * res->bound)
                     + res->reference_err + 0x1p-52 * fabs(res->reference);
        if (!(f->abs_err <= f->err_est) && k >= nd && off < 0)
            off = (long)(k - nd);
    }
    for (size_t k = 0; k < r->nresults; k++) {
        wg_check_result *res = &r->results[k];
        wg_figure *f = &res->user;
        if (!isfinite(f->err_est) || f->abs_err <= f->err_est || res->verdict == WG_VERDICT_FAIL)
            continue;
        res->verdict = WG_VERDICT_FAIL;
        snprintf(res->fail_mode, sizeof res->fail_mode, "user");
        res->blame_node = -1;
        res->blame_op = WG_OP_NONE;
        res->blame_text[0] = '\0';
        if (off >= 0)
            RESMSG(res, "user gradient: g.u %.17g off the reference %.17g by %.3g > tolerance "
                   "%.3g; component %ld (input %ld) is off: %.17g, reference %.17g", f->value,
                   res->reference, f->abs_err, f->err_est, off, off, g[off],
                   r->results[nd + (size_t)off].reference);
        else
            RESMSG(res, "user gradient: g.u %.17g off the reference %.17g by %.3g > tolerance "
                   "%.3g; no single component is off alone", f->value, res->reference,
                   f->abs_err, f->err_est);
    }
    wg_chk_summarize(r, t0);   /* the verdicts again, the user's fails among them */
out:
    free(g);
    free(u);
    gsl_rng_free(rng);
    return s;
}
