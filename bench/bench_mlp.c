/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_mlp.c -- a two-layer perceptron with tensor ops: batch 64,
 * 784-256-10, tanh hidden layer, log-softmax and the mean negative
 * log-likelihood of the labels,
 *
 *   loss = -1/B sum_i logsoftmax(tanh(X W1 + b1) W2 + b2)[i, y_i],
 *
 * on seeded random data (the same numbers as mlp_torch.py draws).  It first
 * checks the tape's loss and gradient against a plain C forward pass and a
 * hand-derived backward pass, then prints the time of recording the forward
 * pass, of recording it and taking the gradient over W1, b1, W2, b2, and
 * their ratio.  With --peer FILE (written by mlp_torch.py --out) it prints
 * PyTorch's forward and forward+backward times beside them.  Exit status 1
 * when a check fails; timings are only printed.
 *
 * usage: bench_mlp [-t SECONDS] [--peer FILE] */
#define _POSIX_C_SOURCE 200809L     /* clock_gettime */
#include "bench_util.h"
#include "timing.h"
#include "wengert.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { B = 64, IN = 784, H = 256, OUT = 10 };

/* Value check: the tape's products run through BLAS in blocked order, the
 * reference sums left to right; sums of at most 784 terms differ by about
 * 784 u ~ 1e-13 relative to the terms, and the loss (about log 10) is not a
 * cancelling sum, so 1e-10 leaves three orders of headroom. */
#define VALUE_RTOL 1e-10
/* Gradient check per parameter: the largest difference to the hand-derived
 * gradient over the largest component.  Each component is a sum of at most
 * 64 (dW, db) or 10 (through W2) products of terms that themselves carry
 * the rounding of sums of up to 784 products, computed in two orders: a
 * worst-case difference of about 800 u ~ 2e-13 of the terms' size; 1e-11
 * allows a factor 50 for components that cancel. */
#define GRAD_RTOL 1e-11

static double min_time = 0.5;

/* deterministic pseudo-random numbers (xorshift64*, seeded as bench_gmm);
 * mlp_torch.py draws the same sequence in the same order */
static bench_rng rng = { BENCH_RNG_SEED };

typedef struct mlp {
    double *x, *onehot;                     /* B x IN pixels in [0, 1); B x OUT labels */
    int label[B];
    double *w1, *b1, *w2, *b2;              /* IN x H, H, H x OUT, OUT */
    size_t nparams;
    int data_first;                         /* record X and the labels before the weights */
    wg_tape *t;
    wg_var vars[4], loss;
    double *g;                              /* the tape's gradient, W1 b1 W2 b2 */
    double *gref, *h, *logits, *dlog, *dh;  /* the reference pass */
} mlp;

/* Weights uniform in (-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's default
 * scale for a linear layer: pre-activations stay of order 1, so tanh is
 * neither saturated (derivative near 0) nor near-linear (derivative near 1)
 * and the gradient's factor 1 - h^2 is exercised. */
static void init(mlp *m)
{
    memset(m, 0, sizeof *m);
    m->x = bench_xmalloc(B * IN * sizeof *m->x);
    m->onehot = calloc(B * OUT, sizeof *m->onehot);
    m->w1 = bench_xmalloc(IN * H * sizeof *m->w1);
    m->b1 = bench_xmalloc(H * sizeof *m->b1);
    m->w2 = bench_xmalloc(H * OUT * sizeof *m->w2);
    m->b2 = bench_xmalloc(OUT * sizeof *m->b2);
    m->nparams = IN * H + H + H * OUT + OUT;
    m->g = bench_xmalloc(m->nparams * sizeof *m->g);
    m->gref = bench_xmalloc(m->nparams * sizeof *m->gref);
    m->h = bench_xmalloc(B * H * sizeof *m->h);
    m->logits = bench_xmalloc(B * OUT * sizeof *m->logits);
    m->dlog = bench_xmalloc(B * OUT * sizeof *m->dlog);
    m->dh = bench_xmalloc(B * H * sizeof *m->dh);
    if (!m->onehot) {
        fprintf(stderr, "bench_mlp: out of memory\n");
        exit(2);
    }
    for (int i = 0; i < B * IN; i++)
        m->x[i] = bench_rng_uniform(&rng);
    for (int i = 0; i < B; i++) {
        m->label[i] = (int)(bench_rng_next(&rng) % OUT);
        m->onehot[i * OUT + m->label[i]] = 1.0;
    }
    const double s1 = 1.0 / sqrt((double)IN), s2 = 1.0 / sqrt((double)H);
    for (int i = 0; i < IN * H; i++)
        m->w1[i] = (2.0 * bench_rng_uniform(&rng) - 1.0) * s1;
    for (int i = 0; i < H; i++)
        m->b1[i] = (2.0 * bench_rng_uniform(&rng) - 1.0) * s1;
    for (int i = 0; i < H * OUT; i++)
        m->w2[i] = (2.0 * bench_rng_uniform(&rng) - 1.0) * s2;
    for (int i = 0; i < OUT; i++)
        m->b2[i] = (2.0 * bench_rng_uniform(&rng) - 1.0) * s2;
    m->t = wg_tape_new();
    if (!m->t) {
        fprintf(stderr, "bench_mlp: out of memory for a tape\n");
        exit(2);
    }
}

static void fini(mlp *m)
{
    wg_tape_free(m->t);
    free(m->x);
    free(m->onehot);
    free(m->w1);
    free(m->b1);
    free(m->w2);
    free(m->b2);
    free(m->g);
    free(m->gref);
    free(m->h);
    free(m->logits);
    free(m->dlog);
    free(m->dh);
}

static void die_tape(const mlp *m, const char *what)
{
    fprintf(stderr, "bench_mlp: %s failed: %s: %s\n", what, wg_strerror(wg_status(m->t)),
            wg_errmsg(m->t));
    exit(1);
}

/* ---------------------------------------------------------------- the tape */

/* The reverse sweep runs down to the first input it differentiates, and
 * skips tensors that depend on no input: data recorded after the weights
 * must cost no adjoint either (the (64 x 256) @ (256 x 784) product that
 * X's adjoint would be).  Both orders are timed to show it. */
static wg_var record(mlp *m)
{
    wg_tape *t = m->t;
    const size_t sx[2] = { B, IN }, sy[2] = { B, OUT }, sw1[2] = { IN, H }, sb1[1] = { H },
                 sw2[2] = { H, OUT }, sb2[1] = { OUT };
    wg_var x = { 0 }, onehot = { 0 };
    if (m->data_first) {
        x = wg_tensor_const(t, 2, sx, m->x);
        onehot = wg_tensor_const(t, 2, sy, m->onehot);
    }
    wg_var w1 = m->vars[0] = wg_tensor_input(t, 2, sw1, m->w1);
    wg_var b1 = m->vars[1] = wg_tensor_input(t, 1, sb1, m->b1);
    wg_var w2 = m->vars[2] = wg_tensor_input(t, 2, sw2, m->w2);
    wg_var b2 = m->vars[3] = wg_tensor_input(t, 1, sb2, m->b2);
    if (!m->data_first) {
        x = wg_tensor_const(t, 2, sx, m->x);
        onehot = wg_tensor_const(t, 2, sy, m->onehot);
    }

    wg_var h = wg_tanh(t, wg_add(t, wg_matmul(t, x, w1), b1));     /* (B, H), b1 broadcast */
    wg_var logits = wg_add(t, wg_matmul(t, h, w2), b2);           /* (B, OUT) */
    wg_var lsm = wg_logsoftmax(t, logits, 1);
    /* picking lsm[i, y_i] as a product with the one-hot labels: B OUT = 640
     * multiplications, nothing against the products above */
    return wg_mul_c(t, wg_sum(t, wg_mul(t, lsm, onehot), 0, NULL, 0), -1.0 / B);
}

static void run_record(void *ctx)
{
    mlp *m = ctx;
    wg_tape_clear(m->t);
    m->loss = record(m);
    if (wg_status(m->t) != WG_OK)
        die_tape(m, "recording the forward pass");
}

static void run_record_grad(void *ctx)
{
    mlp *m = ctx;
    wg_tape_clear(m->t);
    m->loss = record(m);
    if (wg_grad(m->t, m->loss, 4, m->vars, m->g) != WG_OK)
        die_tape(m, "record + wg_grad");
}

/* ---------------------------------------------------------------- the reference */

/* The loss and its gradient by hand, plain loops:
 *   dlogits = (softmax(logits) - onehot) / B
 *   dW2 = h^T dlogits,  db2 = sum_i dlogits
 *   dpre = (dlogits W2^T) (1 - h^2),  dW1 = X^T dpre,  db1 = sum_i dpre */
static double reference(mlp *m)
{
    double *gw1 = m->gref, *gb1 = gw1 + IN * H, *gw2 = gb1 + H, *gb2 = gw2 + H * OUT;
    double loss = 0;
    for (int i = 0; i < B; i++) {
        double *hi = m->h + i * H;
        for (int j = 0; j < H; j++)
            hi[j] = m->b1[j];
        for (int k = 0; k < IN; k++) {
            const double xik = m->x[i * IN + k];
            for (int j = 0; j < H; j++)
                hi[j] += xik * m->w1[k * H + j];
        }
        for (int j = 0; j < H; j++)
            hi[j] = tanh(hi[j]);
        double *li = m->logits + i * OUT, mx = -INFINITY, s = 0;
        for (int c = 0; c < OUT; c++) {
            li[c] = m->b2[c];
            for (int j = 0; j < H; j++)
                li[c] += hi[j] * m->w2[j * OUT + c];
            mx = fmax(mx, li[c]);
        }
        for (int c = 0; c < OUT; c++)
            s += exp(li[c] - mx);
        const double lse = mx + log(s);
        loss -= (li[m->label[i]] - lse) / B;
        for (int c = 0; c < OUT; c++)
            m->dlog[i * OUT + c] = (exp(li[c] - lse) - m->onehot[i * OUT + c]) / B;
    }
    memset(m->gref, 0, m->nparams * sizeof *m->gref);
    for (int i = 0; i < B; i++) {
        const double *hi = m->h + i * H, *di = m->dlog + i * OUT;
        double *dhi = m->dh + i * H;
        for (int c = 0; c < OUT; c++)
            gb2[c] += di[c];
        for (int j = 0; j < H; j++) {
            double acc = 0;
            for (int c = 0; c < OUT; c++) {
                gw2[j * OUT + c] += hi[j] * di[c];
                acc += di[c] * m->w2[j * OUT + c];
            }
            dhi[j] = acc * (1.0 - hi[j] * hi[j]);
            gb1[j] += dhi[j];
        }
        for (int k = 0; k < IN; k++) {
            const double xik = m->x[i * IN + k];
            for (int j = 0; j < H; j++)
                gw1[k * H + j] += xik * dhi[j];
        }
    }
    return loss;
}

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

/* ---------------------------------------------------------------- output */

/* mlp_torch.py --out: one line `mlp forward fwd+bwd loss`, '#' comments */
static int read_peer(const char *path, double *fwd, double *fwd_bwd, double *loss)
{
    FILE *fh = fopen(path, "r");
    if (!fh) {
        fprintf(stderr, "bench_mlp: cannot open the peer's figures %s\n", path);
        return 0;
    }
    char line[512], name[64];
    int found = 0;
    while (!found && fgets(line, sizeof line, fh))
        found = line[0] != '#'
                && sscanf(line, "%63s %lf %lf %lf", name, fwd, fwd_bwd, loss) == 4
                && strcmp(name, "mlp") == 0;
    fclose(fh);
    if (!found)
        fprintf(stderr, "bench_mlp: %s holds no `mlp` line\n", path);
    return found;
}

int main(int argc, char **argv)
{
    const char *peer_path = NULL;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-t") == 0 && a + 1 < argc) {
            char *end;
            min_time = strtod(argv[++a], &end);
            if (*end || !(min_time >= 0)) {
                fprintf(stderr, "bench_mlp: -t wants seconds, got \"%s\"\n", argv[a]);
                return 2;
            }
        } else if (strcmp(argv[a], "--peer") == 0 && a + 1 < argc) {
            peer_path = argv[++a];
        } else {
            fprintf(stderr, "usage: bench_mlp [-t SECONDS] [--peer FILE]\n");
            return 2;
        }
    }
    mlp m;
    init(&m);
    printf("MLP %d-%d-%d, batch %d, tanh, log-softmax + mean NLL, with tensor ops, "
           "libwengert %s\n", IN, H, OUT, B, wg_version());
    bench_print_blas_threads("bench");

    const double lref = reference(&m);
    static const char *const pname[4] = { "W1", "b1", "W2", "b2" };
    static const char *const order[2] = { "data after the weights", "data first" };
    const size_t plen[4] = { IN * H, H, H * OUT, OUT };
    printf("\ncheck against plain loops with a hand-derived gradient: loss relative difference "
           "<= %g,\ngradient max |difference| / max |reference| per parameter <= %g\n",
           VALUE_RTOL, GRAD_RTOL);
    int ok = 1;
    for (int first = 1; first >= 0; first--) {
        m.data_first = first;
        run_record_grad(&m);
        const double lt = wg_value(m.t, m.loss);
        const double lrel = fabs(lt - lref) / fabs(lref);
        int okf = lrel <= VALUE_RTOL;
        printf("  %-22s loss %.17g (reference %.17g) %.1e; gradient", order[first], lt, lref,
               lrel);
        size_t off = 0;
        for (int k = 0; k < 4; k++) {
            double rel = block_rel(m.g + off, m.gref + off, plen[k]);
            printf(" %s %.1e", pname[k], rel);
            okf &= rel <= GRAD_RTOL;
            off += plen[k];
        }
        printf("  %s\n", okf ? "ok" : "FAILED");
        ok &= okf;
    }
    fflush(stdout);

    bench_ratio r[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
    if (ok) {
        printf("\n%-38s %6s %11s %11s %8s\n", "", "nodes", "forward", "fwd+grad", "ratio");
        for (int first = 1; first >= 0; first--) {
            m.data_first = first;
            r[first] = bench_pair(run_record_grad, run_record, &m, min_time);
            char tf[32], tg[32], label[64];
            bench_human_time(r[first].ref, tf, sizeof tf);
            bench_human_time(r[first].fn, tg, sizeof tg);
            snprintf(label, sizeof label, "libwengert, %s", order[first]);
            printf("%-38s %6zu %11s %11s %7.2fx\n", label, wg_tape_size(m.t), tf, tg,
                   r[first].ratio);
            fflush(stdout);
        }
    }
    double pf, pfb, pl;
    if (ok && peer_path && read_peer(peer_path, &pf, &pfb, &pl)) {
        char tf[32], tg[32];
        bench_human_time(pf, tf, sizeof tf);
        bench_human_time(pfb, tg, sizeof tg);
        printf("%-38s %6s %11s %11s %7.2fx\n", "PyTorch (autograd, 1 thread)", "", tf, tg,
               pfb / pf);
        const double prel = fabs(pl - lref) / fabs(lref);
        printf("\nPyTorch's loss %.17g, relative difference to the reference %.1e%s\n", pl, prel,
               prel <= VALUE_RTOL ? "" : ": NOT the same loss");
        printf("libwengert (data first) / PyTorch: forward %.2fx, forward+gradient %.2fx "
               "(below 1: faster)\n", r[1].ref / pf, r[1].fn / pfb);
    } else if (ok)
        printf("\nno PyTorch figures (run with --peer FILE from mlp_torch.py --out FILE)\n");
    if (ok)
        printf("\nforward: wg_tape_clear and recording inputs, data and the loss (recording "
               "computes the values);\nfwd+grad: the same, then wg_grad over W1, b1, W2, b2; "
               "ratio: fwd+grad / forward, the median over\n>= %d pairs of adjacent samples "
               "(samples of >= %g ms), >= %g s per figure.  Data after the\nweights: the same "
               "graph; constant tensors get no adjoint either way.  PyTorch: mlp_torch.py,\nforward "
               "with autograd recording, then torch.autograd.grad; timed in its own process\n",
               BENCH_MIN_SAMPLES, BENCH_MIN_SAMPLE * 1e3, min_time);
    fini(&m);
    if (!ok)
        fprintf(stderr, "bench_mlp: a check FAILED (see above)\n");
    return ok ? 0 : 1;
}
