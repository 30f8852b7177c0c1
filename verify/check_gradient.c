/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_gradient.c -- wg_check_gradient, wg_check_jvp, wg_check_vjp: the
 * user's own derivative code (a gradient, a JVP or a VJP in double),
 * judged against the MPFR reference of the function it claims to
 * differentiate.  The function is recorded and checked as by wg_check_fn,
 * with every column e_j besides the random directions; the same seed
 * draws the same directions here again (directions.c), so each result's
 * reference w.(J u) is the one the user's figure is held to: g.u for a
 * gradient, w.(J u) from the user's J u, (J^T w).u from the user's J^T w. */
#include "check_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum { USER_GRADIENT, USER_JVP, USER_VJP } user_kind;

typedef struct user_code {
    user_kind kind;
    const char *fn;             /* the entry point's name, for messages */
    const char *what;           /* "gradient", "JVP", "VJP" */
    wg_gradient_fn grad;
    wg_jvp_fn jvp;
    wg_vjp_fn vjp;
    void *ctx;
} user_code;

/* the user's w.(J u) at the point: g.u, w.(user J u) or (user J^T w).u;
 * out[] holds the user's vector (n for a gradient or VJP, m for a JVP) */
static int user_value(const user_code *uc, const double *x, size_t n, size_t m,
                      const double *u, const double *w, const double *g, double *out,
                      double *value)
{
    double v = 0;
    int s = WG_OK;
    switch (uc->kind) {
    case USER_GRADIENT:
        for (size_t j = 0; j < n; j++)
            v += g[j] * u[j];
        break;
    case USER_JVP:
        s = uc->jvp(x, n, u, m, out, uc->ctx);
        for (size_t k = 0; s == WG_OK && k < m; k++)
            v += w[k] * out[k];
        break;
    case USER_VJP:
        s = uc->vjp(x, n, w, m, out, uc->ctx);
        for (size_t j = 0; s == WG_OK && j < n; j++)
            v += out[j] * u[j];
        break;
    }
    *value = v;
    return s;
}

static int check_user(const user_code *uc, wg_record_fn record, void *ctx, size_t n,
                      const double *point, size_t m, double tolerance,
                      const wg_check_options *o, wg_check_report *r)
{
    if (!r)
        return WG_EINVAL;
    memset(r, 0, sizeof *r);
    r->ad_digits = NAN;
    int have = uc->kind == USER_GRADIENT ? uc->grad != NULL
               : uc->kind == USER_JVP ? uc->jvp != NULL : uc->vjp != NULL;
    if (!record || !have || n == 0 || m == 0 || !point || !(tolerance >= 0)
        || !isfinite(tolerance)) {
        REPERR(r, "%s: %s", uc->fn, !record ? "record is NULL"
               : !have ? (uc->kind == USER_GRADIENT ? "grad is NULL"
                          : uc->kind == USER_JVP ? "jvp is NULL" : "vjp is NULL")
               : n == 0 ? "no inputs (n = 0)" : m == 0 ? "no outputs (m = 0)"
               : !point ? "point is NULL" : "the tolerance must be finite and >= 0");
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
    size_t nm = n > m ? n : m;
    double *g = malloc(n * sizeof *g), *u = malloc(n * sizeof *u), *w = malloc(m * sizeof *w);
    double *out = malloc(nm * sizeof *out), *colv = calloc(n, sizeof *colv);
    gsl_rng *rng = wg_chk_rng_new(opt.seed);
    int s = WG_ENOMEM;
    if (!g || !u || !w || !out || !colv || !rng) {
        REPERR(r, "%s: out of memory", uc->fn);
        goto out;
    }
    if (uc->kind == USER_GRADIENT && (s = uc->grad(point, n, g, uc->ctx)) != WG_OK) {
        REPERR(r, "%s: the gradient function returned %d (%s)", uc->fn, s, wg_strerror(s));
        goto out;
    }
    if ((s = wg_check_fn(record, ctx, n, point, m, &opt, r)) != WG_OK)
        goto out;
    /* the columns first: which components are off */
    long off = -1;
    size_t nd = r->nresults >= n ? r->nresults - n : 0;
    for (size_t k = 0; k < r->nresults; k++) {
        wg_check_result *res = &r->results[k];
        /* as wg_check_tape drew them: u (a random unit vector, or e_j),
         * then w (1 for one output, else a random unit vector) */
        if (k < nd)
            wg_chk_draw_unit(rng, n, u);
        else {
            memset(u, 0, n * sizeof *u);
            u[k - nd] = 1;
        }
        if (m == 1)
            w[0] = 1;
        else
            wg_chk_draw_unit(rng, m, w);
        double v;
        if ((s = user_value(uc, point, n, m, u, w, g, out, &v)) != WG_OK) {
            REPERR(r, "%s: the %s function returned %d (%s)", uc->fn, uc->what, s,
                   wg_strerror(s));
            goto out;
        }
        if (k >= nd)
            colv[k - nd] = v;
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
        /* along e_j: the gradient's and the VJP's component j, the JVP's column j */
        const char *part = uc->kind == USER_JVP ? "column" : "component";
        if (off >= 0)
            RESMSG(res, "user %s: w.(J u) %.17g off the reference %.17g by %.3g > tolerance "
                   "%.3g; %s %ld (input %ld) is off: along e_%ld %.17g, reference %.17g",
                   uc->what, f->value, res->reference, f->abs_err, f->err_est, part, off, off,
                   off, colv[off], r->results[nd + (size_t)off].reference);
        else
            RESMSG(res, "user %s: w.(J u) %.17g off the reference %.17g by %.3g > tolerance "
                   "%.3g; no single %s is off alone", uc->what, f->value, res->reference,
                   f->abs_err, f->err_est, part);
    }
    wg_chk_summarize(r, t0);   /* the verdicts again, the user's fails among them */
out:
    free(g);
    free(u);
    free(w);
    free(out);
    free(colv);
    if (rng)
        gsl_rng_free(rng);
    return s;
}

int wg_check_gradient(wg_record_fn record, void *ctx, wg_gradient_fn grad, void *gctx,
                      size_t n, const double *point, double tolerance,
                      const wg_check_options *o, wg_check_report *r)
{
    user_code uc = { USER_GRADIENT, "wg_check_gradient", "gradient", grad, NULL, NULL, gctx };
    return check_user(&uc, record, ctx, n, point, 1, tolerance, o, r);
}

int wg_check_jvp(wg_record_fn record, void *ctx, wg_jvp_fn jvp, void *jctx, size_t n,
                 const double *point, size_t m, double tolerance, const wg_check_options *o,
                 wg_check_report *r)
{
    user_code uc = { USER_JVP, "wg_check_jvp", "JVP", NULL, jvp, NULL, jctx };
    return check_user(&uc, record, ctx, n, point, m, tolerance, o, r);
}

int wg_check_vjp(wg_record_fn record, void *ctx, wg_vjp_fn vjp, void *vctx, size_t n,
                 const double *point, size_t m, double tolerance, const wg_check_options *o,
                 wg_check_report *r)
{
    user_code uc = { USER_VJP, "wg_check_vjp", "VJP", NULL, NULL, vjp, vctx };
    return check_user(&uc, record, ctx, n, point, m, tolerance, o, r);
}
