/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_gmm.c -- ADBench GMM: gradient of a Gaussian-mixture log-likelihood.
 *
 * For each problem it first checks what it is about to time (the tape's
 * objective is the double objective to the bit, at the recorded point and
 * after a replay at another point; the tape's gradient agrees with central
 * differences), then prints the time of the plain double objective and the
 * cost of each derivative path as a multiple of it: record + gradient, the
 * gradient alone on the recorded tape, and a replay at a new point + the
 * gradient.  Exit status 1 when a check fails; timings are only printed.
 *
 * usage: bench_gmm [-t SECONDS] [DATADIR]     (DATADIR defaults to bench/data) */
#define _POSIX_C_SOURCE 200809L     /* clock_gettime */
#include "bench_util.h"
#include "timing.h"
#include "gmm_data.h"
#include "gmm_objective.h"
#include "wengert.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the goal this benchmark watches, on d = 10, K = 5 */
#define TARGET_RECORD_GRAD 10.0

static double min_time = 0.5;

/* deterministic pseudo-random numbers (xorshift64*), so runs are comparable */
static bench_rng rng = { BENCH_RNG_SEED };

typedef struct problem {
    const char *name;
    gmm_input in;
    size_t np;
    double *params, *params1;       /* the file's point, and a nearby one for replays */
    double *scratch, *work;
    wg_tape *t;
    wg_var *xs, *tscratch, y;
    double *g;
    int flip;
    double sink;
} problem;

static void die_tape(const problem *p, const char *what)
{
    fprintf(stderr, "bench_gmm: %s: %s failed: %s: %s\n", p->name, what,
            wg_strerror(wg_status(p->t)), wg_errmsg(p->t));
    exit(1);
}

/* ---------------------------------------------------------------- timed calls */

static void run_objective(void *ctx)
{
    problem *p = ctx;
    p->sink += gmm_objective(&p->in, p->params, p->scratch);
}

static void run_record_grad(void *ctx)
{
    problem *p = ctx;
    wg_tape_clear(p->t);
    p->y = gmm_record(p->t, &p->in, p->params, p->xs, p->tscratch);
    if (wg_grad(p->t, p->y, p->np, p->xs, p->g) != WG_OK)
        die_tape(p, "record + wg_grad");
}

static void run_grad(void *ctx)
{
    problem *p = ctx;
    if (wg_grad(p->t, p->y, p->np, p->xs, p->g) != WG_OK)
        die_tape(p, "wg_grad");
}

static void run_eval_grad(void *ctx)
{
    problem *p = ctx;
    p->flip ^= 1;
    if (wg_eval(p->t, p->np, p->xs, p->flip ? p->params1 : p->params) != WG_OK
        || wg_grad(p->t, p->y, p->np, p->xs, p->g) != WG_OK)
        die_tape(p, "wg_eval + wg_grad");
}

/* ---------------------------------------------------------------- checks */

/* f at point with coordinate j moved to v */
static double f_at(problem *p, const double *point, size_t j, double v)
{
    memcpy(p->work, point, p->np * sizeof *p->work);
    p->work[j] = v;
    return gmm_objective(&p->in, p->work, p->scratch);
}

/* Central difference (f(x+h) - f(x-h)) / (x+h - (x-h)) of coordinate j;
 * dividing by the representable step taken removes the step's rounding. */
static double central(problem *p, const double *point, size_t j, double h)
{
    volatile double xp = point[j] + h, xm = point[j] - h;
    return (f_at(p, point, j, xp) - f_at(p, point, j, xm)) / (xp - xm);
}

/* One coordinate: the tape's g against central differences.
 *
 * With h = cbrt(eps) max(1, |x|) the central difference errs by about
 * h^2 |f'''| / 6 (truncation) plus e_f / h (e_f: the rounding error of f),
 * both of order eps^(2/3) ~ 4e-11 relative to the scale of f: it is the
 * step that balances the two.  Neither term is known, so the error of the
 * difference is estimated from the difference itself: D(h) - D(2h) holds
 * three times D(h)'s truncation error plus rounding noise of the size of
 * D(h)'s.  A coordinate passes when g is within
 *     REL_TOL |g|  +  SAFETY |D(h) - D(2h)|
 * of D(h).  REL_TOL = 1e-6 sits 4 orders of magnitude above eps^(2/3)
 * (the gradient is a sum of n K terms, each with a few roundings) and far
 * below the O(1e-3 .. 1) relative errors of a wrong partial or a dropped
 * term.  SAFETY = 10 covers a noise estimate that is itself noisy. */
#define REL_TOL 1e-6
#define SAFETY 10.0

typedef struct check_result {
    double max_rel;         /* max |g - D| / max(|g|, |D|) */
    double max_ratio;       /* max |g - D| / allowed: > 1 fails */
    int n;
} check_result;

static void check_coord(problem *p, const double *point, size_t j, check_result *r)
{
    const double h = cbrt(DBL_EPSILON) * fmax(1.0, fabs(point[j]));
    double d1 = central(p, point, j, h), d2 = central(p, point, j, 2 * h);
    double g = p->g[j], err = fabs(g - d1);
    double scale = fmax(fabs(g), fabs(d1));
    double rel = scale > 0 ? err / scale : 0.0;
    double allowed = REL_TOL * fabs(g) + SAFETY * fabs(d1 - d2);
    double ratio = err == 0 ? 0.0 : allowed > 0 ? err / allowed : INFINITY;
    if (rel > r->max_rel)
        r->max_rel = rel;
    if (!(ratio <= r->max_ratio))
        r->max_ratio = ratio;
    r->n++;
    if (!(ratio <= 1.0))
        fprintf(stderr, "  %s: d f / d x[%zu]: tape %.17g, central difference %.17g "
                "(2h: %.17g), error %.3g > allowed %.3g\n", p->name, j, g, d1, d2, err, allowed);
}

/* `per_block` random coordinates of each parameter block (alpha, mean, q, l)
 * so that every kind of parameter is exercised; all of them when per_block
 * is 0. */
static check_result check_gradient(problem *p, const double *point, int per_block)
{
    check_result r = { 0, 0, 0 };
    if (per_block == 0) {
        for (size_t j = 0; j < p->np; j++)
            check_coord(p, point, j, &r);
        return r;
    }
    const size_t K = (size_t)p->in.K, d = (size_t)p->in.d, nicf = gmm_icf_len(p->in.d);
    for (int b = 0; b < 4; b++)
        for (int s = 0; s < per_block; s++) {
            size_t k = (size_t)(bench_rng_uniform(&rng) * (double)K), j;
            switch (b) {
            case 0: j = k; break;
            case 1: j = K + k * d + (size_t)(bench_rng_uniform(&rng) * (double)d); break;
            case 2: j = K + K * d + k * nicf + (size_t)(bench_rng_uniform(&rng) * (double)d); break;
            default:
                if (nicf == d)
                    continue;   /* d = 1: no off-diagonal part */
                j = K + K * d + k * nicf + d + (size_t)(bench_rng_uniform(&rng) * (double)(nicf - d));
                break;
            }
            check_coord(p, point, j, &r);
        }
    return r;
}

/* the tape's value against the double objective: the same operations in the
 * same order with the same libm calls, so equal to the bit (C11 mode keeps
 * the compiler from fusing a*b + c on one side only) */
static int check_value(problem *p, const double *point, const char *where)
{
    double fd = gmm_objective(&p->in, point, p->scratch), ft = wg_value(p->t, p->y);
    if (memcmp(&fd, &ft, sizeof fd) == 0)
        return 1;
    fprintf(stderr, "bench_gmm: %s: %s: tape objective %.17g != double objective %.17g "
            "(difference %.3g)\n", p->name, where, ft, fd, ft - fd);
    return 0;
}

static int load(problem *p, const char *dir, const char *file)
{
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    memset(p, 0, sizeof *p);
    p->name = file;
    if (gmm_read(path, &p->in, err, sizeof err) != 0) {
        fprintf(stderr, "bench_gmm: %s\n", err);
        return 0;
    }
    p->np = gmm_nparams(&p->in);
    p->params = bench_xmalloc(p->np * sizeof *p->params);
    p->params1 = bench_xmalloc(p->np * sizeof *p->params1);
    p->work = bench_xmalloc(p->np * sizeof *p->work);
    p->g = bench_xmalloc(p->np * sizeof *p->g);
    p->xs = bench_xmalloc(p->np * sizeof *p->xs);
    p->scratch = bench_xmalloc(gmm_scratch_len(&p->in) * sizeof *p->scratch);
    p->tscratch = bench_xmalloc(gmm_scratch_len(&p->in) * sizeof *p->tscratch);
    gmm_pack(&p->in, p->params);
    /* the replay point: every parameter moved by up to 1e-2 */
    for (size_t j = 0; j < p->np; j++)
        p->params1[j] = p->params[j] + 0.02 * (bench_rng_uniform(&rng) - 0.5);
    p->t = wg_tape_new();
    if (!p->t) {
        fprintf(stderr, "bench_gmm: out of memory for a tape\n");
        exit(2);
    }
    p->y = gmm_record(p->t, &p->in, p->params, p->xs, p->tscratch);
    if (wg_status(p->t) != WG_OK)
        die_tape(p, "recording the objective");
    return 1;
}

static void unload(problem *p)
{
    wg_tape_free(p->t);
    free(p->params);
    free(p->params1);
    free(p->work);
    free(p->g);
    free(p->xs);
    free(p->scratch);
    free(p->tscratch);
    gmm_free(&p->in);
}

/* All checks of one problem; 1 when they pass.  per_block: see check_gradient. */
static int check_problem(problem *p, int per_block)
{
    int ok = check_value(p, p->params, "recorded point");
    if (wg_grad(p->t, p->y, p->np, p->xs, p->g) != WG_OK)
        die_tape(p, "wg_grad");
    check_result r0 = check_gradient(p, p->params, per_block);

    if (wg_eval(p->t, p->np, p->xs, p->params1) != WG_OK)
        die_tape(p, "wg_eval");
    ok &= check_value(p, p->params1, "after wg_eval at a new point");
    if (wg_grad(p->t, p->y, p->np, p->xs, p->g) != WG_OK)
        die_tape(p, "wg_grad after wg_eval");
    check_result r1 = check_gradient(p, p->params1, per_block);
    /* back to the file's point for the timings */
    if (wg_eval(p->t, p->np, p->xs, p->params) != WG_OK)
        die_tape(p, "wg_eval");

    int gok = r0.max_ratio <= 1.0 && r1.max_ratio <= 1.0;
    printf("%-22s %16.10g %8s %6d x 2 %11.1e %11.2f   %s\n", p->name, wg_value(p->t, p->y),
           ok ? "yes" : "NO", r0.n, fmax(r0.max_rel, r1.max_rel),
           fmax(r0.max_ratio, r1.max_ratio), ok && gok ? "ok" : "FAILED");
    return ok && gok;
}

int main(int argc, char **argv)
{
    const char *dir = "bench/data";
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-t") == 0 && a + 1 < argc) {
            char *end;
            min_time = strtod(argv[++a], &end);
            if (*end || !(min_time >= 0)) {
                fprintf(stderr, "bench_gmm: -t wants seconds, got \"%s\"\n", argv[a]);
                return 2;
            }
        } else if (argv[a][0] == '-') {
            fprintf(stderr, "usage: bench_gmm [-t SECONDS] [DATADIR]\n");
            return 2;
        } else
            dir = argv[a];
    }
    static const char *const files[] = {
        "gmm/1k/gmm_d2_K5.txt", "gmm/1k/gmm_d10_K5.txt", "gmm/1k/gmm_d64_K5.txt"
    };
    enum { NFILES = sizeof files / sizeof files[0] };

    printf("ADBench GMM with libwengert %s\n\n", wg_version());
    printf("checks: the tape's f equals the double objective to the bit, at the file's point "
           "and after wg_eval\nat a nearby one; the tape's gradient matches central differences "
           "D(h) at both points,\nallowed |tape - D(h)| <= %g |tape| + %g |D(h) - D(2h)|\n\n",
           REL_TOL, SAFETY);
    printf("%-22s %16s %8s %10s %11s %11s\n", "file", "f", "bitwise", "coords", "max rel err",
           "err/allowed");
    int ok = 1;
    problem p;
    if (!load(&p, dir, "gmm/test.txt"))
        return 1;
    ok &= check_problem(&p, 0);
    unload(&p);

    struct row {
        int d, K, n;
        size_t np, nodes;
        double bytes, obj;
        double rec_grad, grad, eval_grad;   /* ratios to the objective */
    } rows[NFILES];
    int nrows = 0;
    for (int f = 0; f < NFILES; f++) {
        if (!load(&p, dir, files[f]))
            return 1;
        if (!check_problem(&p, 3)) {
            ok = 0;
            unload(&p);
            continue;
        }
        struct row *r = &rows[nrows++];
        r->d = p.in.d;
        r->K = p.in.K;
        r->n = p.in.n;
        r->np = p.np;
        r->nodes = wg_tape_size(p.t);
        r->bytes = (double)wg_tape_bytes(p.t) / (double)wg_tape_size(p.t);
        bench_ratio g = bench_pair(run_grad, run_objective, &p, min_time);
        bench_ratio e = bench_pair(run_eval_grad, run_objective, &p, min_time);
        bench_ratio rg = bench_pair(run_record_grad, run_objective, &p, min_time);
        double objs[3] = { g.ref, e.ref, rg.ref };
        r->obj = bench_median_of(objs, 3);
        r->grad = g.ratio;
        r->eval_grad = e.ratio;
        r->rec_grad = rg.ratio;
        unload(&p);
        fflush(stdout);
    }

    printf("\nratios: time / objective time (lower is better), each the median over >= %d pairs of\n"
           "adjacent samples (objective, then the figure; samples of >= %g ms), >= %g s per figure\n\n",
           BENCH_MIN_SAMPLES, BENCH_MIN_SAMPLE * 1e3, min_time);
    printf("%-15s %7s %10s %7s %11s | %9s %9s %10s\n", "problem", "params", "nodes", "B/node",
           "objective", "rec+grad", "grad", "eval+grad");
    for (int i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        char name[32], tm[32];
        snprintf(name, sizeof name, "d=%d K=%d n=%d", r->d, r->K, r->n);
        bench_human_time(r->obj, tm, sizeof tm);
        printf("%-15s %7zu %10zu %7.1f %11s | %8.1fx %8.1fx %9.1fx\n", name, r->np, r->nodes,
               r->bytes, tm, r->rec_grad, r->grad, r->eval_grad);
    }
    for (int i = 0; i < nrows; i++)
        if (rows[i].d == 10 && rows[i].K == 5) {
            double x = rows[i].rec_grad;
            printf("\ntarget, d=10 K=5: record+gradient <= %.0fx objective: %.1fx -- %s\n",
                   TARGET_RECORD_GRAD, x, x <= TARGET_RECORD_GRAD ? "met" : "NOT met");
        }
    printf("rec+grad: wg_tape_clear, record inputs and objective, wg_grad; grad: wg_grad on "
           "the recorded tape;\neval+grad: wg_eval at a new point, then wg_grad\n");
    if (!ok)
        fprintf(stderr, "bench_gmm: a check FAILED (see above)\n");
    return ok ? 0 : 1;
}
