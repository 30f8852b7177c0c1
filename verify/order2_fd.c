/* SPDX-License-Identifier: GPL-3.0-or-later */
/* order2_fd.c -- v^T H u by finite differences of the double gradient,
 * what users fall back to without second-order AD: the library's
 * first-order VJP of w.f (wg_vjp, its double sweep, not the recorded
 * graph) at x0 + t u, dotted with v; a central difference with its own
 * error estimate, and gsl_deriv_central.  Reported beside the AD results,
 * never judged.  They run on the check's own tape (order2_tape.c), which
 * wg_eval moves and then puts back at x0, bit for bit. */
#include "check_internal.h"

#include <float.h>
#include <gsl/gsl_deriv.h>
#include <math.h>
#include <stdlib.h>

typedef struct fd2_ctx {
    const wg_o2_fd *p;
    double *xt, *g;
    int failed;
} fd2_ctx;

/* v . grad(w.f)(x0 + t u) */
static double G_at(double t, void *q)
{
    fd2_ctx *f = q;
    const wg_o2_fd *p = f->p;
    for (size_t j = 0; j < p->n; j++)
        f->xt[j] = p->x0[j] + t * p->u[j];
    static const double one = 1.0;
    if (wg_eval(p->G, p->nh, p->gx, f->xt) != WG_OK
        || wg_vjp(p->G, 1, &p->obj, &one, p->nh, p->gx, f->g) != WG_OK) {
        f->failed = 1;
        return NAN;
    }
    double s = 0;
    for (size_t j = 0; j < p->n; j++)
        s += p->v[j] * f->g[j];
    return s;
}

static void finish(wg_figure *f, double value, double err_est, int ok)
{
    f->computed = ok && isfinite(value);
    f->value = f->computed ? value : NAN;
    f->err_est = f->computed ? err_est : NAN;
}

/* the first order's step (finite_diff.c): cbrt(eps) max(1, |x0|), a
 * quarter of the distance to the nearest singular point when that is
 * nearer, not below sqrt(eps) max(1, |x0|); the gradient's difference
 * balances its truncation and rounding at the same step */
static double step(const wg_o2_fd *p)
{
    double h = cbrt(DBL_EPSILON) * p->xscale;
    if (p->S / 4 < h)
        h = fmax(p->S / 4, sqrt(DBL_EPSILON) * p->xscale);
    return h;
}

void wg_o2_fd_run(const wg_o2_fd *p, wg_figure *central, wg_figure *gsl)
{
    double *xt = malloc((p->n ? p->n : 1) * sizeof *xt);
    double *g = malloc((p->n ? p->n : 1) * sizeof *g);
    if (!xt || !g) {
        free(xt);
        free(g);
        if (central)
            finish(central, NAN, NAN, 0);
        if (gsl)
            finish(gsl, NAN, NAN, 0);
        return;
    }
    double h = step(p);
    if (central) {
        fd2_ctx ctx = { p, xt, g, 0 };
        double fp = G_at(h, &ctx), fm = G_at(-h, &ctx);
        double fp2 = G_at(2 * h, &ctx), fm2 = G_at(-2 * h, &ctx);
        double d1 = (fp - fm) / (2 * h), d2 = (fp2 - fm2) / (4 * h);
        double est = fabs(d2 - d1) / 3 + DBL_EPSILON * (fabs(fp) + fabs(fm)) / (2 * h);
        finish(central, d1, est, !ctx.failed);
    }
    if (gsl) {
        fd2_ctx ctx = { p, xt, g, 0 };
        gsl_function F = { G_at, &ctx };
        double result = NAN, abserr = NAN;
        gsl_deriv_central(&F, 0.0, h, &result, &abserr);
        finish(gsl, result, abserr, !ctx.failed);
    }
    wg_eval(p->G, p->nh, p->gx, p->x0);     /* back at x0 */
    free(xt);
    free(g);
}
