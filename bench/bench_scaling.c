/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_scaling.c -- does the cost per node stay the same as tapes grow?
 *
 * Records graphs of 10^3 .. 10^7 nodes (a long sum of products of 64 inputs,
 * with sin and exp sprinkled in) and prints, per size, the time per node of
 * recording and of one reverse sweep (wg_grad), and the tape's bytes per
 * node.  Flat times per node mean no hidden superlinear cost; where they
 * rise, the tape has outgrown a cache level.  The gradient of every size is
 * checked against one accumulated by hand (exit status 1 on a mismatch).
 *
 * usage: bench_scaling [-t SECONDS] */
#define _POSIX_C_SOURCE 200809L     /* clock_gettime */
#include "timing.h"
#include "wengert.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIN 64
/* times per node within this factor of each other count as flat */
#define FLAT_FACTOR 1.5
/* the goal for the storage of one binary scalar node, value included */
#define TARGET_BINARY_BYTES 32

typedef struct graph {
    size_t target;          /* nodes to record, at least */
    wg_tape *t;
    wg_var xs[NIN], y;
    double x0[NIN];
    double g[NIN];
} graph;

/* the operands of term j: two inputs that vary with j */
static inline size_t arg_a(size_t j) { return j % NIN; }
static inline size_t arg_b(size_t j) { return (j * 7 + 3) % NIN; }

/* Term j: p = x_a x_b, then sin(p) for j % 4 == 1, exp(-p/2) for
 * j % 4 == 3, p itself otherwise.  Inputs lie in [0.5, 1.5], so every
 * value stays small and the sum grows linearly. */
static wg_var record_term(wg_tape *t, const wg_var *xs, size_t j)
{
    wg_var p = wg_mul(t, xs[arg_a(j)], xs[arg_b(j)]);
    switch (j % 4) {
    case 1: return wg_sin(t, p);
    case 3: return wg_exp(t, wg_mul_c(t, p, -0.5));
    default: return p;
    }
}

static void record(graph *gr)
{
    wg_tape *t = gr->t;
    wg_tape_clear(t);
    for (int i = 0; i < NIN; i++)
        gr->xs[i] = wg_input(t, gr->x0[i]);
    wg_var acc = record_term(t, gr->xs, 0);
    for (size_t j = 1; wg_tape_size(t) < gr->target; j++)
        acc = wg_add(t, acc, record_term(t, gr->xs, j));
    gr->y = acc;
}

static void run_record(void *ctx)
{
    record(ctx);
}

static void run_reverse(void *ctx)
{
    graph *gr = ctx;
    if (wg_grad(gr->t, gr->y, NIN, gr->xs, gr->g) != WG_OK) {
        fprintf(stderr, "bench_scaling: wg_grad: %s\n", wg_errmsg(gr->t));
        exit(1);
    }
}

/* The gradient accumulated term by term in double.  Each contribution is
 * rounded exactly as the reverse sweep rounds it (adjoint times the partial,
 * lib/op_kernels.h), so only the order of the additions differs: recursive
 * summation of c terms errs by at most (c - 1) eps sum|terms| (Higham, ASNA
 * 2nd ed., (4.4)), so two orders differ by at most twice that. */
static int check_gradient(graph *gr)
{
    double want[NIN] = { 0 }, absum[NIN] = { 0 }, count[NIN] = { 0 };
    size_t terms = 0;
    /* replay the recording's term sequence: the tape tells how many terms */
    for (size_t i = 0; i < wg_tape_size(gr->t); i++)
        terms += wg_node_op(gr->t, i) == WG_OP_MUL;
    for (size_t j = 0; j < terms; j++) {
        size_t a = arg_a(j), b = arg_b(j);
        double xa = gr->x0[a], xb = gr->x0[b], p = xa * xb, pbar;
        switch (j % 4) {
        case 1: pbar = cos(p); break;
        case 3: pbar = -0.5 * exp(p * -0.5); break;
        default: pbar = 1.0; break;
        }
        double ca = xb * pbar, cb = xa * pbar;
        want[a] += ca;
        want[b] += cb;
        absum[a] += fabs(ca);
        absum[b] += fabs(cb);
        count[a]++;
        count[b]++;
    }
    for (int i = 0; i < NIN; i++) {
        double bound = 2 * count[i] * DBL_EPSILON * absum[i];
        if (!(fabs(gr->g[i] - want[i]) <= bound)) {
            fprintf(stderr, "bench_scaling: %zu nodes: d y / d x[%d]: tape %.17g, by hand %.17g, "
                    "difference %.3g > bound %.3g\n", wg_tape_size(gr->t), i, gr->g[i], want[i],
                    fabs(gr->g[i] - want[i]), bound);
            return 0;
        }
    }
    return 1;
}

int main(int argc, char **argv)
{
    double min_time = 0.5;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-t") == 0 && a + 1 < argc) {
            char *end;
            min_time = strtod(argv[++a], &end);
            if (*end || !(min_time >= 0)) {
                fprintf(stderr, "bench_scaling: -t wants seconds, got \"%s\"\n", argv[a]);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: bench_scaling [-t SECONDS]\n");
            return 2;
        }
    }

    static const size_t sizes[] = { 1000, 10000, 100000, 1000000, 10000000 };
    enum { NSIZES = sizeof sizes / sizeof sizes[0], ROUNDS = 7 };
    static graph gr[NSIZES];
    double rec_ns[NSIZES], rev_ns[NSIZES];
    int ok = 1;

    /* the cost of one binary node, measured rather than assumed */
    wg_tape *t = wg_tape_new();
    if (!t) {
        fprintf(stderr, "bench_scaling: out of memory for a tape\n");
        return 2;
    }
    wg_var u = wg_input(t, 1.0), v = wg_input(t, 2.0);
    size_t before = wg_tape_bytes(t);
    wg_mul(t, u, v);
    size_t binary_bytes = wg_tape_bytes(t) - before;
    wg_tape_free(t);

    for (int s = 0; s < NSIZES; s++) {
        gr[s].target = sizes[s];
        gr[s].t = wg_tape_new();
        if (!gr[s].t) {
            fprintf(stderr, "bench_scaling: out of memory for a tape\n");
            return 2;
        }
        for (int i = 0; i < NIN; i++)
            gr[s].x0[i] = 0.5 + (double)((i * 37) % NIN) / NIN;
        record(&gr[s]);
        if (wg_status(gr[s].t) != WG_OK) {
            fprintf(stderr, "bench_scaling: recording %zu nodes: %s\n", sizes[s],
                    wg_errmsg(gr[s].t));
            return 1;
        }
        run_reverse(&gr[s]);
        ok &= check_gradient(&gr[s]);
    }

    /* All sizes in turn, round after round, so that a slow spell of a shared
     * machine touches every size alike instead of the one measured then.
     * Samples of >= min_time / ROUNDS seconds give each figure >= min_time. */
    double target = min_time / ROUNDS;
    if (target < BENCH_MIN_SAMPLE)
        target = BENCH_MIN_SAMPLE;
    long in_rec[NSIZES], in_rev[NSIZES];
    for (int s = 0; s < NSIZES; s++) {
        in_rec[s] = bench_calibrate_to(run_record, &gr[s], target);
        in_rev[s] = bench_calibrate_to(run_reverse, &gr[s], target);
    }
    static double rec[NSIZES][ROUNDS], rev[NSIZES][ROUNDS];
    int rounds = 0;
    for (; rounds < ROUNDS; rounds++)
        for (int s = 0; s < NSIZES; s++) {
            rec[s][rounds] = bench_sample(run_record, &gr[s], in_rec[s]);
            rev[s][rounds] = bench_sample(run_reverse, &gr[s], in_rev[s]);
        }

    printf("\nScaling: record and reverse sweep over a sum of products of %d inputs with "
           "sin and exp sprinkled in\n", NIN);
    printf("(per node: median over %d rounds through all sizes, samples of >= %.0f ms)\n\n",
           rounds, target * 1e3);
    printf("%10s %10s | %14s %15s %8s\n", "nodes", "tape", "record ns/node", "reverse ns/node",
           "B/node");
    for (int s = 0; s < NSIZES; s++) {
        size_t nodes = wg_tape_size(gr[s].t), bytes = wg_tape_bytes(gr[s].t);
        rec_ns[s] = bench_median_of(rec[s], rounds) / (double)nodes * 1e9;
        rev_ns[s] = bench_median_of(rev[s], rounds) / (double)nodes * 1e9;
        char mem[32];
        snprintf(mem, sizeof mem, bytes < (1u << 20) ? "%.0f KiB" : "%.0f MiB",
                 bytes < (1u << 20) ? bytes / 1024.0 : bytes / 1048576.0);
        printf("%10zu %10s | %14.2f %15.2f %8.1f\n", nodes, mem, rec_ns[s], rev_ns[s],
               (double)bytes / (double)nodes);
        wg_tape_free(gr[s].t);
    }

    double rlo = rec_ns[0], rhi = rec_ns[0], vlo = rev_ns[0], vhi = rev_ns[0];
    for (int s = 1; s < NSIZES; s++) {
        rlo = fmin(rlo, rec_ns[s]);
        rhi = fmax(rhi, rec_ns[s]);
        vlo = fmin(vlo, rev_ns[s]);
        vhi = fmax(vhi, rev_ns[s]);
    }
    printf("\nflat (largest / smallest ns per node <= %.1f): record %.2fx %s, reverse %.2fx %s\n",
           FLAT_FACTOR, rhi / rlo, rhi / rlo <= FLAT_FACTOR ? "yes" : "NO",
           vhi / vlo, vhi / vlo <= FLAT_FACTOR ? "yes" : "NO");
    printf("bytes per binary scalar node (value included): %zu, target <= %d: %s\n",
           binary_bytes, TARGET_BINARY_BYTES,
           binary_bytes <= TARGET_BINARY_BYTES ? "met" : "NOT met");
    printf("gradient against the sum by hand: %s\n", ok ? "ok at every size" : "FAILED");
    return ok ? 0 : 1;
}
