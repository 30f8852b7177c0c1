/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_util.h -- what the benchmark programs share besides timing
 * (timing.h): allocation that exits on failure, times as text, the note on
 * BLAS threads, and the xorshift64* stream that the Python peers draw in
 * the same order.  Header-only: each benchmark is one program. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void *bench_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "benchmark: out of memory (%zu bytes)\n", n);
        exit(2);
    }
    return p;
}

static inline void *bench_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "benchmark: out of memory (%zu x %zu bytes)\n", n, size);
        exit(2);
    }
    return p;
}

/* "  123.4 us", "   12.34 ms", "  1.234 s ", "-" for NaN (not measured) */
static inline void bench_human_time(double s, char *buf, size_t len)
{
    if (!(s == s))
        snprintf(buf, len, "%10s", "-");
    else if (s < 1e-3)
        snprintf(buf, len, "%7.1f us", s * 1e6);
    else if (s < 1)
        snprintf(buf, len, "%7.2f ms", s * 1e3);
    else
        snprintf(buf, len, "%7.3f s ", s);
}

/* whether OpenBLAS runs on one thread, as the peers do; target names the
 * make target that sets it */
static inline void bench_print_blas_threads(const char *target)
{
    const char *v = getenv("OPENBLAS_NUM_THREADS");
    if (v && strcmp(v, "1") == 0)
        printf("BLAS: single-threaded (OPENBLAS_NUM_THREADS=1), as the one-thread peers\n");
    else
        printf("BLAS: OPENBLAS_NUM_THREADS is %s%s%s: OpenBLAS may use every core, so the "
               "comparison\nwith one-thread peers is not fair (make %s sets it to 1)\n",
               v ? "\"" : "not set", v ? v : "", v ? "\"" : "", target);
}

/* xorshift64* (Marsaglia 2003, Vigna's multiplier) */
#define BENCH_RNG_SEED UINT64_C(0x9E3779B97F4A7C15)
typedef struct bench_rng { uint64_t s; } bench_rng;

static inline uint64_t bench_rng_next(bench_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * UINT64_C(0x2545F4914F6CDD1D);
}

static inline double bench_rng_uniform(bench_rng *r)     /* [0, 1), 53 bits: exact */
{
    return (double)(bench_rng_next(r) >> 11) * 0x1p-53;
}

#endif /* BENCH_UTIL_H */
