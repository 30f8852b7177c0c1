/* timing.h -- the one way every benchmark here measures time, so that
 * their figures compare: CLOCK_MONOTONIC, each sample long enough to dwarf
 * the clock's own cost, samples until a minimum total, and the median of
 * the samples (the median ignores the odd sample slowed by another process,
 * where a mean would not).  Header-only so the C++ peer benchmark shares it. */
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

/* Median seconds per call of fn(ctx).  One untimed call first warms caches
 * and lets buffers reach their final size; its duration sets how many calls
 * one sample holds.  Samples are taken until min_total seconds have passed
 * and at least BENCH_MIN_SAMPLES samples exist. */
static inline double bench_median(bench_fn fn, void *ctx, double min_total)
{
    double t0 = bench_now();
    fn(ctx);
    double once = bench_now() - t0;
    long inner = once >= BENCH_MIN_SAMPLE ? 1 : (long)(BENCH_MIN_SAMPLE / (once > 1e-9 ? once : 1e-9)) + 1;
    double samples[BENCH_MAX_SAMPLES];
    int ns = 0;
    double total = 0;
    while (ns < BENCH_MAX_SAMPLES && (ns < BENCH_MIN_SAMPLES || total < min_total)) {
        double s = bench_now();
        for (long r = 0; r < inner; r++)
            fn(ctx);
        double e = bench_now() - s;
        total += e;
        samples[ns++] = e / (double)inner;
    }
    qsort(samples, (size_t)ns, sizeof samples[0], bench_cmp_double);
    return ns % 2 ? samples[ns / 2] : 0.5 * (samples[ns / 2 - 1] + samples[ns / 2]);
}

#endif /* BENCH_TIMING_H */
