/* SPDX-License-Identifier: GPL-3.0-or-later */
/* timing.h -- the one way every benchmark here measures time, so that
 * their figures compare: CLOCK_MONOTONIC, each sample long enough to dwarf
 * the clock's own cost, samples until a minimum total, and the median of
 * the samples (the median ignores the odd sample slowed by another process,
 * where a mean would not).
 *
 * Ratios are measured in pairs: a sample of the reference (the objective)
 * right before each sample of the thing compared with it, and the median of
 * the per-pair ratios.  On a shared machine whose speed drifts over seconds,
 * two figures taken a second apart can differ by 1.5x; a pair taken within
 * milliseconds sees the same machine.  Header-only so that the C++ peer
 * benchmark shares it. */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H

/* clock_gettime is POSIX: a C11 (-std=c11) translation unit must ask for it
 * with _POSIX_C_SOURCE before its first #include. */
#if !defined(__cplusplus) && !defined(_POSIX_C_SOURCE)
#error "define _POSIX_C_SOURCE 200809L before the first #include to use timing.h"
#endif

#include <stdlib.h>
#include <time.h>

typedef void (*bench_fn)(void *ctx);

/* Shortest sample: 1 ms is about 10^4 times the cost of reading the clock. */
#define BENCH_MIN_SAMPLE 1e-3
/* At least this many samples, whatever their length, so there is a median. */
#define BENCH_MIN_SAMPLES 5
#define BENCH_MAX_SAMPLES 1000

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double bench_median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Calls of fn per sample of at least `target` seconds, from one untimed
 * call (which also warms caches and lets buffers reach their final size). */
static inline long bench_calibrate_to(bench_fn fn, void *ctx, double target)
{
    double t0 = bench_now();
    fn(ctx);
    double once = bench_now() - t0;
    if (once >= target)
        return 1;
    return (long)(target / (once > 1e-9 ? once : 1e-9)) + 1;
}

static inline long bench_calibrate(bench_fn fn, void *ctx)
{
    return bench_calibrate_to(fn, ctx, BENCH_MIN_SAMPLE);
}

/* seconds per call of one sample of `inner` calls */
static inline double bench_sample(bench_fn fn, void *ctx, long inner)
{
    double s = bench_now();
    for (long r = 0; r < inner; r++)
        fn(ctx);
    return (bench_now() - s) / (double)inner;
}

typedef struct bench_ratio {
    double ratio;   /* median over pairs of time(fn) / time(ref) */
    double fn, ref; /* median seconds per call of each */
} bench_ratio;

/* fn against ref in adjacent pairs of samples, until min_total seconds of
 * fn have passed and at least BENCH_MIN_SAMPLES pairs exist. */
static inline bench_ratio bench_pair(bench_fn fn, bench_fn ref, void *ctx, double min_total)
{
    long in_ref = bench_calibrate(ref, ctx), in_fn = bench_calibrate(fn, ctx);
    double r[BENCH_MAX_SAMPLES], f[BENCH_MAX_SAMPLES], g[BENCH_MAX_SAMPLES], total = 0;
    int ns = 0;
    while (ns < BENCH_MAX_SAMPLES && (ns < BENCH_MIN_SAMPLES || total < min_total)) {
        g[ns] = bench_sample(ref, ctx, in_ref);
        f[ns] = bench_sample(fn, ctx, in_fn);
        r[ns] = f[ns] / g[ns];
        total += f[ns] * (double)in_fn;
        ns++;
    }
    bench_ratio out;
    out.ratio = bench_median_of(r, ns);
    out.fn = bench_median_of(f, ns);
    out.ref = bench_median_of(g, ns);
    return out;
}

#endif /* BENCH_TIMING_H */
