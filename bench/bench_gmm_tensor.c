/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_gmm_tensor.c -- ADBench GMM with tensor ops: the objective of
 * gmm_objective.h recorded as tensor nodes (a few per column of Q, a few
 * dozen besides, for all points and components at once) instead of one
 * scalar node per operation, and its gradient.
 *
 * Two tensor forms of the same objective are recorded:
 *   centered  (mu_k - x_i) for all k, i by broadcasting, a (K, n, d) tensor,
 *             then one batched matmul by Q_k^T: the textbook form;
 *   expanded  Q_k (mu_k - x_i) = Q_k mu_k - Q_k x_i, where Q_k x_i for all k
 *             is one (n, d) @ (d, K d) product with the constant data on the
 *             left, so the reverse sweep needs one large product (the
 *             adjoint of the parameters' side; the data are recorded before
 *             the inputs and get no adjoint) where the centered form needs
 *             two; the price is the rounding of a difference of two products
 *             instead of a product of a difference, harmless here because
 *             |Q_k x_i| and |Q_k (mu_k - x_i)| are of one size in these data.
 *
 * For each problem it first checks what it is about to time: each form's
 * objective against the plain double objective, each form's gradient against
 * the scalar tape's gradient (which bench_gmm checks against central
 * differences).  Then it prints the time of the plain objective and, as
 * multiples of it, each form's record + gradient and record only, and the
 * scalar tape's record + gradient.  With --peer FILE (written by
 * gmm_torch.py --out) it prints PyTorch's figures beside them.  Exit status
 * 1 when a check fails; timings are only printed, never asserted.
 *
 * usage: bench_gmm_tensor [-t SECONDS] [--peer FILE] [DATADIR] */
#define _POSIX_C_SOURCE 200809L     /* clock_gettime */
#include "bench_util.h"
#include "timing.h"
#include "gmm_data.h"
#include "gmm_objective.h"
#include "gmm_tensor_objective.h"
#include "wengert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the goals this benchmark watches, at d = 10, K = 5 and d = 64, K = 5:
 * record + gradient at most 4x the plain objective, aiming at 3x, and
 * faster than PyTorch's forward + backward in absolute time */
#define TARGET_RECORD_GRAD 4.0
#define AIM_RECORD_GRAD 3.0

/* Value check: the tensor forms sum in another order than the plain
 * objective (blocked products, sums over whole axes), so they agree to
 * rounding, not to the bit.  f is a sum of n K terms of a few roundings
 * each: its relative error is of order n u ~ 1e-13 at n = 1000; 1e-10 leaves
 * three orders of headroom and is still far below what a dropped term or a
 * wrong sign or scale produces. */
#define VALUE_RTOL 1e-10
/* Gradient check, per parameter block (alphas, means, icf): the largest
 * difference to the scalar tape's gradient, relative to the largest
 * component of the block.  Each component is a sum over n = 1000 points of
 * products of about d factors, in two different orders: the worst-case
 * bound on their difference is about (n + d) u ~ 2e-13 of the terms' size
 * (typical errors are far smaller).  Components cancel (the alphas' gradient
 * is a sum of softmax weights minus n softmax(alpha)), so the block's largest
 * component can sit below the terms' size; 1e-11 allows a factor 40 for that
 * and still catches a wrong partial or a dropped term by orders. */
#define GRAD_RTOL 1e-11

enum { FORM_CENTERED, FORM_EXPANDED, NFORMS };
static const char *const form_name[NFORMS] = { "centered", "expanded" };

static double min_time = 0.5;

typedef struct problem {
    const char *name;
    gmm_input in;
    size_t np, nicf;
    double *params, *scratch;       /* the plain objective */
    int form;
    wg_tape *t;                     /* the tensor tape */
    wg_var vars[3], y;              /* inputs alphas, means, icf; the objective */
    double *g;                      /* the tensor tape's gradient */
    wg_tape *ts;                    /* the scalar tape */
    wg_var *xs, *tscratch, ys;
    double *gs;                     /* the scalar tape's gradient */
    double sink;
} problem;

static void die_tape(const problem *p, const wg_tape *t, const char *what)
{
    fprintf(stderr, "bench_gmm_tensor: %s: %s failed: %s: %s\n", p->name, what,
            wg_strerror(wg_status(t)), wg_errmsg(t));
    exit(1);
}

/* ---------------------------------------------------------------- the tensor objective */

/* data, inputs, and the objective in the problem's form (gmm_tensor_objective.c) */
static wg_var record_tensor(problem *p)
{
    wg_tape *t = p->t;
    const gmm_input *in = &p->in;
    const size_t d = (size_t)in->d, K = (size_t)in->K, nicf = p->nicf;
    size_t sa[1] = { K }, sm[2] = { K, d }, si[2] = { K, nicf };
    wg_var x = gmm_tensor_data(t, in);
    wg_var alphas = p->vars[0] = wg_tensor_input(t, 1, sa, in->alphas);
    wg_var means = p->vars[1] = wg_tensor_input(t, 2, sm, in->means);
    wg_var icf = p->vars[2] = wg_tensor_input(t, 2, si, in->icf);
    return gmm_tensor_objective_form(t, in, p->form == FORM_CENTERED ? GMM_TENSOR_CENTERED
                                                                    : GMM_TENSOR_EXPANDED,
                                     x, alphas, means, icf);
}

/* ---------------------------------------------------------------- timed calls */

static void run_objective(void *ctx)
{
    problem *p = ctx;
    p->sink += gmm_objective(&p->in, p->params, p->scratch);
}

static void run_tensor_record(void *ctx)
{
    problem *p = ctx;
    wg_tape_clear(p->t);
    p->y = record_tensor(p);
    if (wg_status(p->t) != WG_OK)
        die_tape(p, p->t, "recording the tensor objective");
}

static void run_tensor_record_grad(void *ctx)
{
    problem *p = ctx;
    wg_tape_clear(p->t);
    p->y = record_tensor(p);
    if (wg_grad(p->t, p->y, 3, p->vars, p->g) != WG_OK)
        die_tape(p, p->t, "tensor record + wg_grad");
}

static void run_scalar_record_grad(void *ctx)
{
    problem *p = ctx;
    wg_tape_clear(p->ts);
    p->ys = gmm_record(p->ts, &p->in, p->params, p->xs, p->tscratch);
    if (wg_grad(p->ts, p->ys, p->np, p->xs, p->gs) != WG_OK)
        die_tape(p, p->ts, "scalar record + wg_grad");
}

/* ---------------------------------------------------------------- problems */

static int load(problem *p, const char *dir, const char *file)
{
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    memset(p, 0, sizeof *p);
    p->name = file;
    if (gmm_read(path, &p->in, err, sizeof err) != 0) {
        fprintf(stderr, "bench_gmm_tensor: %s\n", err);
        return 0;
    }
    p->np = gmm_nparams(&p->in);
    p->nicf = gmm_icf_len(p->in.d);
    p->params = bench_xmalloc(p->np * sizeof *p->params);
    p->scratch = bench_xmalloc(gmm_scratch_len(&p->in) * sizeof *p->scratch);
    p->g = bench_xmalloc(p->np * sizeof *p->g);
    p->gs = bench_xmalloc(p->np * sizeof *p->gs);
    p->xs = bench_xmalloc(p->np * sizeof *p->xs);
    p->tscratch = bench_xmalloc(gmm_scratch_len(&p->in) * sizeof *p->tscratch);
    gmm_pack(&p->in, p->params);
    p->t = wg_tape_new();
    p->ts = wg_tape_new();
    if (!p->t || !p->ts) {
        fprintf(stderr, "bench_gmm_tensor: out of memory for a tape\n");
        exit(2);
    }
    return 1;
}

static void free_scalar_tape(problem *p)
{
    wg_tape_free(p->ts);
    p->ts = NULL;
}

static void unload(problem *p)
{
    wg_tape_free(p->t);
    wg_tape_free(p->ts);
    free(p->params);
    free(p->scratch);
    free(p->g);
    free(p->gs);
    free(p->xs);
    free(p->tscratch);
    gmm_free(&p->in);
}

/* ---------------------------------------------------------------- checks */

typedef struct check {
    double f_rel;           /* |f_tensor - f_plain| / |f_plain| */
    double g_rel[3];        /* per block: max |g - g_scalar| / max |g_scalar| */
    int ok;
} check;

static double block_rel(const double *g, const double *ref, size_t len)
{
    double err = 0, scale = 0;
    for (size_t j = 0; j < len; j++) {
        double e = fabs(g[j] - ref[j]);
        if (!(e <= err))        /* a NaN difference is kept, not skipped */
            err = e;
        if (fabs(ref[j]) > scale)
            scale = fabs(ref[j]);
    }
    return err == 0 ? 0.0 : scale > 0 ? err / scale : INFINITY;
}

/* the scalar tape's gradient at the file's point, into p->gs */
static void scalar_gradient(problem *p)
{
    wg_tape_clear(p->ts);
    p->ys = gmm_record(p->ts, &p->in, p->params, p->xs, p->tscratch);
    if (wg_grad(p->ts, p->ys, p->np, p->xs, p->gs) != WG_OK)
        die_tape(p, p->ts, "scalar record + wg_grad");
}

/* one form against the plain objective and the scalar gradient (in p->gs) */
static check check_form(problem *p)
{
    check c;
    const size_t K = (size_t)p->in.K, d = (size_t)p->in.d;
    double fp = gmm_objective(&p->in, p->params, p->scratch);
    run_tensor_record_grad(p);
    double ft = wg_value(p->t, p->y);
    c.f_rel = fabs(ft - fp) / fabs(fp);
    c.g_rel[0] = block_rel(p->g, p->gs, K);
    c.g_rel[1] = block_rel(p->g + K, p->gs + K, K * d);
    c.g_rel[2] = block_rel(p->g + K + K * d, p->gs + K + K * d, K * p->nicf);
    c.ok = c.f_rel <= VALUE_RTOL && c.g_rel[0] <= GRAD_RTOL && c.g_rel[1] <= GRAD_RTOL
           && c.g_rel[2] <= GRAD_RTOL;
    if (!c.ok)
        fprintf(stderr, "bench_gmm_tensor: %s, %s form: f %.17g (plain %.17g), gradient "
                "differences per block %.3g %.3g %.3g: CHECK FAILED\n", p->name,
                form_name[p->form], ft, fp, c.g_rel[0], c.g_rel[1], c.g_rel[2]);
    return c;
}

static int check_problem(problem *p, const char *label)
{
    int ok = 1;
    scalar_gradient(p);
    for (int f = 0; f < NFORMS; f++) {
        p->form = f;
        check c = check_form(p);
        printf("%-16s %-9s %24.17g %10.1e %10.1e %10.1e %10.1e   %s\n", label, form_name[f],
               wg_value(p->t, p->y), c.f_rel, c.g_rel[0], c.g_rel[1], c.g_rel[2],
               c.ok ? "ok" : "FAILED");
        ok &= c.ok;
    }
    return ok;
}

/* ---------------------------------------------------------------- the peer */

typedef struct peer_row {
    char name[256], form[32];
    double fwd, fwd_bwd, f;
} peer_row;

/* gmm_torch.py --out: `path form forward fwd+bwd f` per line, '#' comments */
static int read_peer(const char *path, peer_row *rows, int max)
{
    FILE *fh = fopen(path, "r");
    if (!fh) {
        fprintf(stderr, "bench_gmm_tensor: cannot open the peer's figures %s\n", path);
        return 0;
    }
    char line[1024];
    int n = 0;
    while (n < max && fgets(line, sizeof line, fh)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        peer_row *r = &rows[n];
        if (sscanf(line, "%255s %31s %lf %lf %lf", r->name, r->form, &r->fwd, &r->fwd_bwd,
                   &r->f) == 5)
            n++;
        else
            fprintf(stderr, "bench_gmm_tensor: %s: line not understood: %s", path, line);
    }
    fclose(fh);
    return n;
}

/* the peer's fastest form on a problem: the fair opponent */
static const peer_row *find_peer(const peer_row *rows, int n, const char *name)
{
    const peer_row *best = NULL;
    for (int i = 0; i < n; i++)
        if (strcmp(rows[i].name, name) == 0 && (!best || rows[i].fwd_bwd < best->fwd_bwd))
            best = &rows[i];
    return best;
}

/* ---------------------------------------------------------------- output */

int main(int argc, char **argv)
{
    const char *dir = "bench/data", *peer_path = NULL;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-t") == 0 && a + 1 < argc) {
            char *end;
            min_time = strtod(argv[++a], &end);
            if (*end || !(min_time >= 0)) {
                fprintf(stderr, "bench_gmm_tensor: -t wants seconds, got \"%s\"\n", argv[a]);
                return 2;
            }
        } else if (strcmp(argv[a], "--peer") == 0 && a + 1 < argc) {
            peer_path = argv[++a];
        } else if (argv[a][0] == '-') {
            fprintf(stderr, "usage: bench_gmm_tensor [-t SECONDS] [--peer FILE] [DATADIR]\n");
            return 2;
        } else
            dir = argv[a];
    }
    static const char *const files[] = {
        "gmm/1k/gmm_d2_K5.txt", "gmm/1k/gmm_d10_K5.txt", "gmm/1k/gmm_d64_K5.txt"
    };
    enum { NFILES = sizeof files / sizeof files[0] };
    peer_row peers[32];
    int npeers = peer_path ? read_peer(peer_path, peers, 32) : 0;

    printf("ADBench GMM with tensor ops, libwengert %s\n", wg_version());
    bench_print_blas_threads("bench");
    printf("\nchecks: each form's f against the plain C objective (relative difference <= %g), "
           "its gradient\nagainst the scalar tape's, per block alphas / means / icf: max "
           "|difference| / max |scalar| <= %g\n\n", VALUE_RTOL, GRAD_RTOL);
    printf("%-16s %-9s %24s %10s %10s %10s %10s\n", "problem", "form", "f", "f rel", "d alphas",
           "d means", "d icf");

    int ok = 1;
    problem p;
    char label[64];
    /* n = 1, K = 3, d = 2: size-1 axes everywhere, where broadcasting errs */
    if (!load(&p, dir, "gmm/test.txt"))
        return 1;
    ok &= check_problem(&p, "test.txt (n=1)");
    unload(&p);

    struct row {
        const char *name;
        int d, K, n;
        size_t nodes[NFORMS];
        double f;                                   /* the plain objective */
        double obj;                                 /* seconds */
        double rec_grad[NFORMS], rec[NFORMS];       /* ratios to obj */
        double rec_grad_s[NFORMS];                  /* seconds */
        double scalar;                              /* ratio */
        int checked;
    } rows[NFILES];
    int nrows = 0;
    for (int fi = 0; fi < NFILES; fi++) {
        if (!load(&p, dir, files[fi]))
            return 1;
        snprintf(label, sizeof label, "d=%d K=%d n=%d", p.in.d, p.in.K, p.in.n);
        struct row *r = &rows[nrows++];
        memset(r, 0, sizeof *r);
        r->name = files[fi];
        r->d = p.in.d;
        r->K = p.in.K;
        r->n = p.in.n;
        r->f = gmm_objective(&p.in, p.params, p.scratch);
        r->checked = check_problem(&p, label);
        ok &= r->checked;
        fflush(stdout);
        if (!r->checked) {
            unload(&p);
            continue;
        }
        /* the scalar tape first, then its memory goes back (21 M nodes at d = 64) */
        bench_ratio s = bench_pair(run_scalar_record_grad, run_objective, &p, min_time);
        r->scalar = s.ratio;
        free_scalar_tape(&p);
        double objs[1 + 2 * NFORMS];
        int no = 0;
        objs[no++] = s.ref;
        for (int f = 0; f < NFORMS; f++) {
            p.form = f;
            bench_ratio rg = bench_pair(run_tensor_record_grad, run_objective, &p, min_time);
            bench_ratio rc = bench_pair(run_tensor_record, run_objective, &p, min_time);
            r->rec_grad[f] = rg.ratio;
            r->rec_grad_s[f] = rg.fn;
            r->rec[f] = rc.ratio;
            r->nodes[f] = wg_tape_size(p.t);
            objs[no++] = rg.ref;
            objs[no++] = rc.ref;
        }
        r->obj = bench_median_of(objs, no);
        unload(&p);
    }

    printf("\nratios: time / plain objective time (lower is better), each the median over >= %d "
           "pairs of\nadjacent samples (objective, then the figure; samples of >= %g ms), >= %g s "
           "per figure\n\n", BENCH_MIN_SAMPLES, BENCH_MIN_SAMPLE * 1e3, min_time);
    printf("%-16s %10s | %-9s %6s %11s %9s %8s | %12s | %11s %s\n", "problem", "objective",
           "form", "nodes", "rec+grad", "ratio", "record", "scalar tape", "PyTorch", "ratio");
    for (int i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        if (!r->checked)
            continue;
        char name[32], tobj[32], tpeer[32] = "-", rpeer[64] = "-";
        snprintf(name, sizeof name, "d=%d K=%d n=%d", r->d, r->K, r->n);
        bench_human_time(r->obj, tobj, sizeof tobj);
        const peer_row *pr = find_peer(peers, npeers, r->name);
        if (pr) {
            bench_human_time(pr->fwd_bwd, tpeer, sizeof tpeer);
            snprintf(rpeer, sizeof rpeer, "%.1fx %s", pr->fwd_bwd / r->obj, pr->form);
        }
        char scal[32];
        snprintf(scal, sizeof scal, "%.1fx", r->scalar);
        for (int f = 0; f < NFORMS; f++) {
            char trg[32];
            bench_human_time(r->rec_grad_s[f], trg, sizeof trg);
            printf("%-16s %10s | %-9s %6zu %11s %8.1fx %7.1fx | %12s | %11s %s\n",
                   f ? "" : name, f ? "" : tobj, form_name[f], r->nodes[f], trg, r->rec_grad[f],
                   r->rec[f], f ? "" : scal, f ? "" : tpeer, f ? "" : rpeer);
        }
    }
    printf("\nrec+grad: wg_tape_clear, record inputs, data and objective, wg_grad over alphas, "
           "means, icf;\nrecord: the same without wg_grad; scalar tape: bench_gmm's rec+grad "
           "(one node per scalar op);\nPyTorch: gmm_torch.py's forward + backward, "
           "float64, one thread, timed in its own process;\nits ratio divides by this "
           "program's objective time\n");
    if (npeers) {
        printf("\nPyTorch's objective value against the plain C objective (its fastest form "
               "is the one compared):\n");
        for (int i = 0; i < nrows; i++)
            for (int j = 0; j < npeers; j++) {
                const peer_row *pr = &peers[j];
                if (strcmp(pr->name, rows[i].name) != 0)
                    continue;
                double rel = fabs(pr->f - rows[i].f) / fabs(rows[i].f);
                printf("  %-22s %-9s PyTorch %.17g, C %.17g, relative difference %.1e%s\n",
                       pr->name, pr->form, pr->f, rows[i].f, rel,
                       rel <= VALUE_RTOL ? "" : ": NOT the same objective");
            }
    } else
        printf("\nno PyTorch figures (run with --peer FILE from gmm_torch.py --out FILE)\n");

    printf("\ntargets at d=10 K=5 and d=64 K=5: record+gradient <= %.0fx the objective (aim %.0fx), "
           "faster than PyTorch\n", TARGET_RECORD_GRAD, AIM_RECORD_GRAD);
    for (int i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        if (!r->checked || r->K != 5 || (r->d != 10 && r->d != 64))
            continue;
        const peer_row *pr = find_peer(peers, npeers, r->name);
        for (int f = 0; f < NFORMS; f++) {
            double x = r->rec_grad[f];
            printf("  d=%-2d K=%d %-9s %5.1fx: %-12s", r->d, r->K, form_name[f], x,
                   x <= AIM_RECORD_GRAD ? "met (aim too)" : x <= TARGET_RECORD_GRAD ? "met"
                                                                                    : "NOT met");
            if (pr) {
                char a[32], b[32];
                bench_human_time(r->rec_grad_s[f], a, sizeof a);
                bench_human_time(pr->fwd_bwd, b, sizeof b);
                printf("  vs PyTorch %s against %s: %s", a, b,
                       r->rec_grad_s[f] < pr->fwd_bwd ? "faster" : "NOT faster");
            }
            printf("\n");
        }
    }
    if (!ok)
        fprintf(stderr, "bench_gmm_tensor: a check FAILED (see above)\n");
    return ok ? 0 : 1;
}
