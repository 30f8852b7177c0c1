/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_verify.c -- how fast the verifier checks: checks per second for
 * random smooth graphs of 10, 100 and 1000 nodes, one direction each, with
 * the MPFR reference at 256 bits (and at 128 and 512 for the 1000-node
 * graph, to show how precision costs).  Target: a 1000-node graph with one
 * direction in under 20 ms on the project's 2-core machine.
 *
 * Every check's verdict is printed beside its time: a timing of checks that
 * did not pass would measure the wrong thing, so the program exits 1 then. */
#define _POSIX_C_SOURCE 200809L
#include "timing.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A deterministic generator (xorshift64*), so every run times the same graphs. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (unsigned)((rng_state * 2685821657736338717u) >> 33) % n;
}

/* Record a graph of about `nodes` nodes over 4 inputs in [0.5, 1.5].  Only
 * ops that keep a bounded argument bounded (sin, cos, tanh, sigmoid, atan,
 * products and averages of values in [-1.5, 1.5], ...), so values stay in
 * range and no domain is left whatever the mix; each new node takes a
 * recent node and any earlier one, so the graph shares nodes (a DAG). */
static void record_graph(wg_tape *t, size_t nodes, wg_var *x, size_t nx, wg_var *y)
{
    wg_var *v = malloc(nodes * sizeof *v);
    size_t k = 0;
    for (size_t j = 0; j < nx; j++)
        v[k++] = x[j];
    while (wg_tape_size(t) < nodes) {
        wg_var a = v[k - 1 - rnd(k < 4 ? (unsigned)k : 4)], b = v[rnd((unsigned)k)], r;
        switch (rnd(10)) {
        case 0:  r = wg_sin(t, a); break;
        case 1:  r = wg_cos(t, a); break;
        case 2:  r = wg_tanh(t, a); break;
        case 3:  r = wg_sigmoid(t, a); break;
        case 4:  r = wg_atan(t, a); break;
        case 5:  r = wg_mul(t, a, b); break;
        case 6:  r = wg_mul_c(t, wg_add(t, a, b), 0.5); break;
        case 7:  r = wg_mul_c(t, wg_sub(t, a, b), 0.5); break;
        case 8:  r = wg_exp(t, wg_mul_c(t, a, 0.25)); break;
        default: r = wg_mul_c(t, wg_hypot(t, a, b), 0.5); break;
        }
        v[k++] = r;
    }
    *y = v[k - 1];
    free(v);
}

typedef struct bench_case {
    wg_tape *t;
    wg_var x[4], y;
    wg_check_options opt;
    wg_check_report rep;
    int failed;
} bench_case;

static void one_check(void *ctx)
{
    bench_case *c = ctx;
    wg_check_report_free(&c->rep);
    if (wg_check_tape(c->t, 4, c->x, 1, &c->y, &c->opt, &c->rep) != WG_OK
        || c->rep.verdict != WG_VERDICT_PASS)
        c->failed = 1;
}

int main(int argc, char **argv)
{
    double min_total = 0.5;
    if (argc == 3 && strcmp(argv[1], "-t") == 0)
        min_total = atof(argv[2]);
    else if (argc != 1) {
        fprintf(stderr, "usage: bench_verify [-t SECONDS]\n");
        return 2;
    }
    static const struct { size_t nodes; unsigned prec; } runs[] = {
        { 10, 256 }, { 100, 256 }, { 1000, 256 }, { 1000, 128 }, { 1000, 512 },
    };
    printf("Verifier speed: one check = 1 direction, all four methods, MPFR reference\n"
           "(median seconds per check over samples of >= 1 ms, >= %.2g s per figure)\n\n",
           min_total);
    printf("%8s %6s %10s %12s %10s   %s\n", "nodes", "bits", "verdict", "ms/check",
           "checks/s", "target");
    int status = 0;
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        bench_case c;
        memset(&c, 0, sizeof c);
        c.t = wg_tape_new();
        for (int j = 0; j < 4; j++)
            c.x[j] = wg_input(c.t, 0.5 + 0.25 * j);
        record_graph(c.t, runs[r].nodes, c.x, 4, &c.y);
        if (wg_status(c.t) != WG_OK) {
            fprintf(stderr, "bench_verify: recording failed: %s\n", wg_errmsg(c.t));
            return 1;
        }
        wg_check_options_init(&c.opt);
        c.opt.directions = 1;
        c.opt.precision = runs[r].prec;
        long inner = bench_calibrate(one_check, &c);
        double s[BENCH_MIN_SAMPLES * 4], total = 0;
        int ns = 0;
        while (ns < (int)(sizeof s / sizeof s[0]) && (ns < BENCH_MIN_SAMPLES || total < min_total)) {
            s[ns] = bench_sample(one_check, &c, inner);
            total += s[ns] * (double)inner;
            ns++;
        }
        double sec = bench_median_of(s, ns);
        const char *target = "";
        if (runs[r].nodes == 1000 && runs[r].prec == 256)
            target = sec < 20e-3 ? "< 20 ms: met" : "< 20 ms: NOT met";
        printf("%8zu %6u %10s %12.3f %10.0f   %s\n", wg_tape_size(c.t), runs[r].prec,
               wg_verdict_name(c.rep.verdict), 1e3 * sec, 1.0 / sec, target);
        if (c.failed) {
            fprintf(stderr, "bench_verify: a check did not pass:\n");
            wg_check_report_print(&c.rep, "random graph", stderr);
            status = 1;
        }
        wg_check_report_free(&c.rep);
        wg_tape_free(c.t);
    }
    return status;
}
