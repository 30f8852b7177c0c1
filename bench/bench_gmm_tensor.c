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
#include "timing.h"
#include "gmm_data.h"
#include "gmm_objective.h"
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

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_gmm_tensor: out of memory (%zu bytes)\n", n);
        exit(2);
    }
    return p;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "bench_gmm_tensor: out of memory (%zu x %zu bytes)\n", n, size);
        exit(2);
    }
    return p;
}

typedef struct problem {
    const char *name;
    gmm_input in;
    size_t np, nicf;
    double *params, *scratch;       /* the plain objective */
    int form;
    wg_tape *t;                     /* the tensor tape */
    wg_var vars[3], y;              /* inputs alphas, means, icf; the objective */
    wg_var *parts;                  /* pieces of Q_k^T, 3 d of them at most */
    wg_var *zparts;                 /* zparts[c]: the constant K x c zeros, c = 1 .. d-1 */
    double *zeros;                  /* K (d - 1) zeros for the constant pieces */
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

/* Q_k^T for every k, as a (K, d, d) tensor: row c of Q_k^T is column c of
 * Q_k = [0 (c of them), exp(q_kc), l_k's column c (d - c - 1 values)], and
 * l_k stores its strict lower triangle column by column, so every piece is
 * a contiguous slice of an input.  Building Q_k^T rather than Q_k is what
 * makes the pieces contiguous.  One concat of the 3 d - 2 pieces along the
 * flattened axis, then a reshape: no scatter matrix, whose (d d) x (d(d-1)/2)
 * zeros would cost more than the whole objective at d = 64. */
static wg_var record_qt(problem *p, wg_var qdiag, wg_var l)
{
    wg_tape *t = p->t;
    const size_t d = (size_t)p->in.d, K = (size_t)p->in.K;
    size_t np = 0, off = 0;
    for (size_t c = 0; c < d; c++) {
        if (c > 0)
            p->parts[np++] = p->zparts[c];
        p->parts[np++] = wg_slice(t, qdiag, 1, c, c + 1);
        if (c + 1 < d) {
            p->parts[np++] = wg_slice(t, l, 1, off, off + d - c - 1);
            off += d - c - 1;
        }
    }
    wg_var flat = np == 1 ? p->parts[0] : wg_concat(t, np, p->parts, 1);
    size_t s3[3] = { K, d, d };
    return wg_reshape(t, flat, 3, s3);
}

static wg_var record_tensor(problem *p)
{
    wg_tape *t = p->t;
    const gmm_input *in = &p->in;
    const size_t d = (size_t)in->d, K = (size_t)in->K, n = (size_t)in->n, nicf = p->nicf;
    const int ax0 = 0, ax1 = 1, ax2 = 2;

    /* Constants first: the reverse sweep runs down to the first input it
     * differentiates, so a constant recorded before the inputs gets no
     * adjoint, while one recorded after them gets one computed and thrown
     * away (for x: a broadcast sum in the centered form, a whole matmul
     * adjoint in the expanded one). */
    size_t sa[1] = { K }, sm[2] = { K, d }, si[2] = { K, nicf }, sx[2] = { n, d };
    wg_var x = wg_tensor_const(t, 2, sx, in->x);
    for (size_t c = 1; c < d; c++) {
        size_t sz[2] = { K, c };
        p->zparts[c] = wg_tensor_const(t, 2, sz, p->zeros);
    }
    wg_var alphas = p->vars[0] = wg_tensor_input(t, 1, sa, in->alphas);
    wg_var means = p->vars[1] = wg_tensor_input(t, 2, sm, in->means);
    wg_var icf = p->vars[2] = wg_tensor_input(t, 2, si, in->icf);

    wg_var q = wg_slice(t, icf, 1, 0, d);                   /* (K, d) log diag of Q_k */
    wg_var l = nicf > d ? wg_slice(t, icf, 1, d, nicf) : q; /* (K, d(d-1)/2); unused at d = 1 */
    wg_var qdiag = wg_exp(t, q);
    wg_var sumq = wg_sum(t, q, 1, &ax1, 0);                 /* (K) log det Q_k */
    wg_var base = wg_add(t, alphas, sumq);                  /* (K) */
    wg_var qt = record_qt(p, qdiag, l);                     /* (K, d, d) */

    size_t sk1d[3] = { K, 1, d };
    wg_var mu3 = wg_reshape(t, means, 3, sk1d);
    wg_var lse;
    if (p->form == FORM_CENTERED) {
        /* (K, n, d): row i of slab k is mu_k - x_i, whose norm under Q_k is
         * that of x_i - mu_k; then row i times Q_k^T is (Q_k (mu_k - x_i))^T */
        wg_var diff = wg_sub(t, mu3, x);
        wg_var y = wg_matmul(t, diff, qt);
        wg_var sq = wg_sum(t, wg_square(t, y), 1, &ax2, 0);  /* (K, n) */
        size_t sk1[2] = { K, 1 };
        wg_var term = wg_sub(t, wg_reshape(t, base, 2, sk1), wg_mul_c(t, sq, 0.5));
        lse = wg_logsumexp(t, term, 0, 0);                   /* (n) */
    } else {
        /* W = [Q_1^T ... Q_K^T] side by side, (d, K d): x W holds Q_k x_i
         * for every k in row i, one product over all components */
        static const int perm[3] = { 1, 0, 2 };
        size_t sw[2] = { d, K * d }, snkd[3] = { n, K, d };
        wg_var w = wg_reshape(t, wg_transpose(t, qt, perm), 2, sw);
        wg_var xw = wg_reshape(t, wg_matmul(t, x, w), 3, snkd);
        wg_var mw = wg_reshape(t, wg_matmul(t, mu3, qt), 2, sm);   /* (K, d) Q_k mu_k */
        wg_var y = wg_sub(t, mw, xw);                               /* (n, K, d) */
        wg_var sq = wg_sum(t, wg_square(t, y), 1, &ax2, 0);         /* (n, K) */
        wg_var term = wg_sub(t, base, wg_mul_c(t, sq, 0.5));
        lse = wg_logsumexp(t, term, 1, 0);                          /* (n) */
    }
    wg_var f = wg_sub(t, wg_sum(t, lse, 0, NULL, 0),
                      wg_mul_c(t, wg_logsumexp(t, alphas, 0, 0), (double)n));

    /* Wishart prior: 1/2 gamma^2 (|exp q|^2 + |l|^2) - m sum(q), over all k */
    wg_var ss = wg_sum(t, wg_square(t, qdiag), 0, NULL, 0);
    if (nicf > d)
        ss = wg_add(t, ss, wg_sum(t, wg_square(t, l), 0, NULL, 0));
    const double half_g2 = 0.5 * in->gamma * in->gamma;
    wg_var prior = wg_sub(t, wg_mul_c(t, ss, half_g2),
                          wg_mul_c(t, wg_sum(t, sumq, 1, &ax0, 0), (double)in->m));
    return wg_add_c(t, wg_add(t, f, prior), gmm_constant(in));
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
    const size_t d = (size_t)p->in.d, K = (size_t)p->in.K;
    p->np = gmm_nparams(&p->in);
    p->nicf = gmm_icf_len(p->in.d);
    p->params = xmalloc(p->np * sizeof *p->params);
    p->scratch = xmalloc(gmm_scratch_len(&p->in) * sizeof *p->scratch);
    p->g = xmalloc(p->np * sizeof *p->g);
    p->gs = xmalloc(p->np * sizeof *p->gs);
    p->xs = xmalloc(p->np * sizeof *p->xs);
    p->tscratch = xmalloc(gmm_scratch_len(&p->in) * sizeof *p->tscratch);
    p->parts = xmalloc(3 * d * sizeof *p->parts);
    p->zparts = xmalloc(d * sizeof *p->zparts);
    p->zeros = xcalloc(K * d, sizeof *p->zeros);
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
    free(p->parts);
    free(p->zparts);
    free(p->zeros);
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

static void human_time(double s, char *buf, size_t len)
{
    if (s < 1e-3)
        snprintf(buf, len, "%7.1f us", s * 1e6);
    else if (s < 1)
        snprintf(buf, len, "%7.2f ms", s * 1e3);
    else
        snprintf(buf, len, "%7.3f s ", s);
}

static void print_threads(void)
{
    const char *v = getenv("OPENBLAS_NUM_THREADS");
    if (v && strcmp(v, "1") == 0)
        printf("BLAS: single-threaded (OPENBLAS_NUM_THREADS=1), as the one-thread peers\n");
    else
        printf("BLAS: OPENBLAS_NUM_THREADS is %s%s%s: OpenBLAS may use every core, so the "
               "comparison\nwith one-thread peers is not fair (make bench sets it to 1)\n",
               v ? "\"" : "not set", v ? v : "", v ? "\"" : "");
}

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
    print_threads();
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
        human_time(r->obj, tobj, sizeof tobj);
        const peer_row *pr = find_peer(peers, npeers, r->name);
        if (pr) {
            human_time(pr->fwd_bwd, tpeer, sizeof tpeer);
            snprintf(rpeer, sizeof rpeer, "%.1fx %s", pr->fwd_bwd / r->obj, pr->form);
        }
        char scal[32];
        snprintf(scal, sizeof scal, "%.1fx", r->scalar);
        for (int f = 0; f < NFORMS; f++) {
            char trg[32];
            human_time(r->rec_grad_s[f], trg, sizeof trg);
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
                human_time(r->rec_grad_s[f], a, sizeof a);
                human_time(pr->fwd_bwd, b, sizeof b);
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
