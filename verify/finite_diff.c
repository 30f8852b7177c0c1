/* SPDX-License-Identifier: GPL-3.0-or-later */
/* finite_diff.c -- w.(J u) by finite differences in double, on the tape
 * itself (wg_eval at x0 + t u): a central difference with its own error
 * estimate, and GSL's gsl_deriv_central.  They are reported next to the AD
 * results, never judged: their errors (~1e-10 relative) are what AD is
 * free of.  A point where the tape cannot be replayed (a flipped branch, a
 * domain error) leaves the method "not computed". */
#include "check_internal.h"

#include <float.h>
#include <gsl/gsl_deriv.h>
#include <math.h>
#include <string.h>
#include <stdlib.h>

/* h = cbrt(eps) * max(1, |x0|_inf).  The central difference's truncation
 * error is h^2 |F'''| / 6 and its rounding error about eps |F| / h; with F
 * and its derivatives of one scale, the sum is least at h ~ eps^(1/3),
 * where each is ~ eps^(2/3) ~ 4e-11 relative.  Scaled by |x0| so that the
 * step is not lost in the rounding of large coordinates.  When the nearest
 * singular point along u (pole, kink, domain edge, branch) is nearer than
 * 4h, the step shrinks to a quarter of that distance, but not below
 * sqrt(eps) |x0|, past which rounding would swamp the difference. */
double wg_chk_fd_step(const wg_chk *c)
{
    double h = cbrt(DBL_EPSILON) * c->xscale;
    if (c->S_raw / 4 < h)
        h = fmax(c->S_raw / 4, sqrt(DBL_EPSILON) * c->xscale);
    return h;
}

typedef struct fd_ctx {
    wg_chk *c;
    double *xt;
    int failed;
} fd_ctx;

/* w.f(x0 + t u) by a replay of the tape */
static double F_at(double t, void *p)
{
    fd_ctx *f = p;
    wg_chk *c = f->c;
    for (size_t j = 0; j < c->n; j++)
        f->xt[j] = c->x0[j] + t * c->u[j];
    if (wg_eval(c->t, c->n, c->x, f->xt) != WG_OK) {
        f->failed = 1;
        return NAN;
    }
    double F = 0;
    for (size_t j = 0; j < c->m; j++)
        F += c->w[j] * wg_value(c->t, c->y[j]);
    return F;
}

/* the tape back at x0: its recorded values, bit for bit (wg_eval replays
 * with the recording kernels) */
/* wg_eval back at x0 must give the recorded values bit for bit (the
 * replay runs the recording kernels in the same order): a node that
 * comes back otherwise, or a replay that fails there, is a broken replay,
 * kept for the results that follow (check.c judges it as the replay's
 * fail, blamed on that node) */
int wg_chk_restore(wg_chk *c)
{
    int s = wg_eval(c->t, c->n, c->x, c->x0);
    if (c->replay_bad)
        return s;
    if (s != WG_OK) {
        long k = wg_chk_node_in_message(wg_errmsg(c->t));
        c->replay_bad = k >= 0 ? k + 1 : (long)c->N + 1;
        return s;
    }
    for (size_t i = 0; i < c->N; i++) {
        double v = wg_node_value(c->t, i);
        if (memcmp(&v, &c->tv.val[i], sizeof v) != 0) {
            c->replay_bad = (long)i + 1;
            break;
        }
    }
    return s;
}

static void finish(wg_figure *f, double value, double err_est, int ok)
{
    f->computed = ok && isfinite(value);
    f->value = f->computed ? value : NAN;
    f->err_est = f->computed ? err_est : NAN;
}

/* D(h) and D(2h); the error estimate is the truncation error of D(h)
 * by Richardson, |D(2h) - D(h)| / 3, plus the rounding estimate
 * eps (|F(h)| + |F(-h)|) / 2h */
void wg_chk_central(wg_chk *c, wg_figure *f)
{
    double *xt = malloc(c->n * sizeof *xt);
    if (!xt) {
        finish(f, NAN, NAN, 0);
        return;
    }
    fd_ctx ctx = { c, xt, 0 };
    double h = wg_chk_fd_step(c);
    double fp = F_at(h, &ctx), fm = F_at(-h, &ctx);
    double fp2 = F_at(2 * h, &ctx), fm2 = F_at(-2 * h, &ctx);
    double d1 = (fp - fm) / (2 * h), d2 = (fp2 - fm2) / (4 * h);
    double est = fabs(d2 - d1) / 3 + DBL_EPSILON * (fabs(fp) + fabs(fm)) / (2 * h);
    finish(f, d1, est, !ctx.failed);
    wg_chk_restore(c);
    free(xt);
}

/* gsl_deriv_central: a 5-point rule at +-h, +-h/2 whose error estimate is
 * its difference from the 3-point rule; it then takes the step that
 * balances that truncation estimate against its rounding estimate
 * (h_opt = h (round / 2 trunc)^(1/3)) and keeps the better result.  The
 * initial step is the double central difference's: GSL's documentation
 * asks for a step at the scale of that balance, and the 3-point rule's
 * optimum is cbrt(eps) times the scale (see wg_chk_fd_step). */
void wg_chk_gsl(wg_chk *c, wg_figure *f)
{
    double *xt = malloc(c->n * sizeof *xt);
    if (!xt) {
        finish(f, NAN, NAN, 0);
        return;
    }
    fd_ctx ctx = { c, xt, 0 };
    gsl_function F = { F_at, &ctx };
    double result = NAN, abserr = NAN;
    gsl_deriv_central(&F, 0.0, wg_chk_fd_step(c), &result, &abserr);
    finish(f, result, abserr, !ctx.failed);
    wg_chk_restore(c);
    free(xt);
}
