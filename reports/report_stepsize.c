/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_stepsize.c -- finite-difference error against step size (see
 * report_stepsize.h).  The functions are recorded from expressions with
 * the library's own parser; the reference comes from the verifier's MPFR
 * replay (verify/mpfr_replay.h), the code that gives every check its
 * reference. */
#define _POSIX_C_SOURCE 200809L

#include "report_stepsize.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mpfr_replay.h"
#include "wengert.h"

/* working precision of the reference: the verifier's default */
#define REF_PREC 256
/* steps of the reference, as powers of two times the scale: h1 =
 * 2^-(p/3), h2 = 2^-8 h1, as verify/reference.c takes them */
#define REF_E1 (-(REF_PREC / 3))
#define REF_E2 (REF_E1 - 8)

typedef struct fn_def {
    const char *name, *expr;
    size_t n;
    const char *names[2];
    double x0[2], u[2];
} fn_def;

/* the seed example of the library (tests/test_seeds.c) along a fixed
 * direction; exp at 1; sin(x)/x away from 0; sqrt far from 1, where the
 * step must grow with |x|.  (Not log there: with h a power of two times
 * x, log(x + h) - log(x - h) is 2 h / x plus roundings that cancel
 * exactly, which would show a difference that never errs.) */
static const fn_def fns[WG_STEP_STUDIES] = {
    { "seed", "log(x1) + x1*x2 - sin(x2)", 2, { "x1", "x2" }, { 2, 5 }, { 0.6, 0.8 } },
    { "exp", "exp(x)", 1, { "x", NULL }, { 1, 0 }, { 1, 0 } },
    { "sinc", "sin(x)/x", 1, { "x", NULL }, { 3, 0 }, { 1, 0 } },
    { "sqrt", "sqrt(x)", 1, { "x", NULL }, { 1000, 0 }, { 1, 0 } },
};

/* F(x0 + t u) in double, by a replay of the tape */
static int F_at(wg_tape *t, const fn_def *f, const wg_var *x, wg_var y, double step,
                double *F)
{
    double xt[2];
    for (size_t j = 0; j < f->n; j++)
        xt[j] = f->x0[j] + step * f->u[j];
    if (wg_eval(t, f->n, x, xt) != WG_OK)
        return -1;
    *F = wg_value(t, y);
    return 0;
}

/* (F(2^e s) - F(-2^e s)) / 2^(e+1) s in MPFR */
static int mpfr_central(wg_mpfr_replay *r, const fn_def *f, size_t yi, long e, double scale,
                        mpfr_t D)
{
    mpfr_t s, Fp;
    mpfr_init2(s, 64);
    mpfr_init2(Fp, 2 * REF_PREC);
    wg_mpfr_issue is;
    int ok = 1;
    for (int sign = 1; sign >= -1 && ok; sign -= 2) {
        mpfr_set_d(s, sign * scale, MPFR_RNDN);
        mpfr_mul_2si(s, s, e, MPFR_RNDN);
        ok = wg_mpfr_replay_run(r, f->x0, f->u, s, &is) == WG_OK && !is.flipped;
        if (ok && sign > 0)
            mpfr_set(Fp, r->v[yi], MPFR_RNDN);
    }
    if (ok) {
        mpfr_sub(D, Fp, r->v[yi], MPFR_RNDN);
        mpfr_div_d(D, D, scale, MPFR_RNDN);
        mpfr_div_2si(D, D, e + 1, MPFR_RNDN);
    }
    mpfr_clear(s);
    mpfr_clear(Fp);
    return ok ? 0 : -1;
}

static int reference(wg_tape *t, const fn_def *f, const wg_var *x, wg_var y, double scale,
                     double *ref, char *why, size_t len)
{
    size_t N = wg_tape_size(t), xi[2], yi = wg_var_index(t, y);
    for (size_t j = 0; j < f->n; j++)
        xi[j] = wg_var_index(t, x[j]);
    wg_tape_view tv;
    wg_mpfr_replay r;
    if (wg_tape_view_init(&tv, t, N) != WG_OK) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    int status = -1;
    if (wg_mpfr_replay_init(&r, &tv, f->n, xi, REF_PREC) == WG_OK) {
        mpfr_t D1, D2;
        mpfr_inits2(2 * REF_PREC, D1, D2, (mpfr_ptr)0);
        if (mpfr_central(&r, f, yi, REF_E1, scale, D1) == 0 &&
            mpfr_central(&r, f, yi, REF_E2, scale, D2) == 0) {
            mpfr_sub(D1, D1, D2, MPFR_RNDN);
            double gap = fabs(mpfr_get_d(D1, MPFR_RNDN));
            *ref = mpfr_get_d(D2, MPFR_RNDN);
            /* the reference is good when its two steps agree to 2^-80 of it */
            if (gap <= ldexp(fabs(*ref), -80))
                status = 0;
            else
                snprintf(why, len, "the MPFR reference did not converge (steps differ by %.3g)",
                         gap);
        } else {
            snprintf(why, len, "the MPFR replay left the domain");
        }
        mpfr_clears(D1, D2, (mpfr_ptr)0);
        wg_mpfr_replay_free(&r);
    } else {
        snprintf(why, len, "out of memory");
    }
    wg_tape_view_free(&tv);
    return status;
}

static double rel_err(double v, double ref)
{
    return ref != 0 ? fabs(v - ref) / fabs(ref) : fabs(v - ref);
}

static void run_one(const fn_def *f, wg_step_study *st)
{
    memset(st, 0, sizeof *st);
    snprintf(st->name, sizeof st->name, "%s", f->name);
    snprintf(st->expr, sizeof st->expr, "%s", f->expr);
    if (f->n == 1) {
        snprintf(st->point, sizeof st->point, "%s = %g", f->names[0], f->x0[0]);
        snprintf(st->dir, sizeof st->dir, "u = %g", f->u[0]);
    } else {
        snprintf(st->point, sizeof st->point, "%s = %g, %s = %g", f->names[0], f->x0[0],
                 f->names[1], f->x0[1]);
        snprintf(st->dir, sizeof st->dir, "u = (%g, %g)", f->u[0], f->u[1]);
    }
    st->scale = 1;
    for (size_t j = 0; j < f->n; j++)
        st->scale = fmax(st->scale, fabs(f->x0[j]));
    st->h_chosen = cbrt(DBL_EPSILON) * st->scale;   /* verify/finite_diff.c */
    wg_parse_error pe;
    wg_graph *g = wg_graph_parse_expr(f->expr, f->n, f->names, f->x0, &pe);
    if (!g) {
        /* the parser's message may be longer than the field: cut it */
        size_t n = strnlen(pe.message, sizeof st->error - 1);
        memcpy(st->error, pe.message, n);
        st->error[n] = '\0';
        return;
    }
    wg_tape *t = wg_graph_tape(g);
    wg_var x[2], y = wg_graph_output(g, 0);
    for (size_t j = 0; j < f->n; j++)
        x[j] = wg_graph_input(g, j);
    if (reference(t, f, x, y, st->scale, &st->reference, st->error, sizeof st->error) != 0) {
        wg_graph_free(g);
        return;
    }
    if (wg_jvp(t, f->n, x, f->u, 1, &y, &st->ad_value) != WG_OK) {
        snprintf(st->error, sizeof st->error, "the JVP failed: %s", wg_errmsg(t));
        wg_graph_free(g);
        return;
    }
    st->ad_err = rel_err(st->ad_value, st->reference);
    st->best = 0;
    for (int k = 0; k <= WG_STEP_K; k++) {
        /* k < WG_STEP_K: the grid; k == WG_STEP_K: the chosen step */
        double h = k < WG_STEP_K ? ldexp(st->scale, -(k + 1)) : st->h_chosen, Fp, Fm;
        double e = NAN;
        if (F_at(t, f, x, y, h, &Fp) == 0 && F_at(t, f, x, y, -h, &Fm) == 0)
            e = rel_err((Fp - Fm) / (2 * h), st->reference);
        if (k == WG_STEP_K) {
            st->err_chosen = e;
            break;
        }
        st->h[k] = h;
        st->err[k] = e;
        if (!isnan(e) && (isnan(st->err[st->best]) || e < st->err[st->best]))
            st->best = k;
    }
    wg_eval(t, f->n, x, f->x0);
    wg_graph_free(g);
}

size_t wg_step_studies(wg_step_study *out)
{
    size_t ran = 0;
    for (size_t i = 0; i < WG_STEP_STUDIES; i++) {
        run_one(&fns[i], &out[i]);
        ran += out[i].error[0] == '\0';
    }
    return ran;
}
