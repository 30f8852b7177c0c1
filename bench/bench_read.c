/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_read.c -- do the readers stay linear in the size of their input?
 *
 * Writes, into a scratch folder, a .wg file of N inputs (one line each, all
 * summed into one output by a chain of adds) and a suite of N cases, for N
 * from 10^4 up to 10^6 inputs and 10^5 cases, and prints the time of
 * wg_graph_read_file and wg_suite_read_file on each, and the time per
 * line.  Name lookups by a scan of the names read so far made these
 * quadratic (80,000 inputs took 17 s); they are hashed, and a flat time per
 * line shows it.  Times are printed, not asserted: a benchmark on a shared
 * machine is no test.  Each read is checked (its input or case count), and
 * a failed read exits 1.
 *
 * usage: bench_read [-n MAX_INPUTS] */
#define _POSIX_C_SOURCE 200809L
#include "wengert.h"
#include "wengert_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int write_wg(const char *path, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "input x%zu = %zu.5\n", i, i % 7);
    fputs("s0 = x0\n", f);
    for (size_t i = 1; i < n; i++)
        fprintf(f, "s%zu = s%zu + x%zu\n", i, i - 1, i);
    fprintf(f, "output s%zu\n", n - 1);
    return fclose(f);
}

static int write_suite(const char *path, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "case%zu: x*y + sin(x) @ x=%zu.25, y=2\n", i, i % 5);
    return fclose(f);
}

int main(int argc, char **argv)
{
    size_t max_inputs = 1000000;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-n") == 0 && a + 1 < argc) {
            max_inputs = strtoul(argv[++a], NULL, 10);
        } else if (strcmp(argv[a], "-t") == 0 && a + 1 < argc) {
            a++;                        /* make bench's BENCH_FLAGS: no effect here */
        } else {
            fprintf(stderr, "usage: bench_read [-n MAX_INPUTS]\n");
            return 2;
        }
    }
    const char *base = getenv("TMPDIR");
    char dir[512], wg[600], suite[600];
    snprintf(dir, sizeof dir, "%s/wg-bench-read-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("bench_read: mkdtemp");
        return 1;
    }
    snprintf(wg, sizeof wg, "%s/inputs.wg", dir);
    snprintf(suite, sizeof suite, "%s/cases.suite", dir);
    int bad = 0;
    printf("readers: time to read, and per line (flat per line = linear)\n");
    printf("%-28s %10s %12s %12s\n", "input", "lines", "read s", "us/line");
    for (size_t n = 10000; n <= max_inputs && !bad; n *= 10) {
        if (write_wg(wg, n) != 0) {
            perror("bench_read: writing the .wg file");
            bad = 1;
            break;
        }
        wg_parse_error err;
        double t0 = now();
        wg_graph *g = wg_graph_read_file(wg, &err);
        double t = now() - t0;
        if (!g || wg_graph_ninputs(g) != n) {
            fprintf(stderr, "bench_read: %s\n", g ? "wrong input count" : err.message);
            bad = 1;
        }
        wg_graph_free(g);
        char what[64];
        snprintf(what, sizeof what, ".wg, %zu inputs", n);
        printf("%-28s %10zu %12.3f %12.3f\n", what, 2 * n + 1, t, 1e6 * t / (double)(2 * n + 1));
        fflush(stdout);
    }
    for (size_t n = 1000; n <= max_inputs / 10 && !bad; n *= 10) {
        if (write_suite(suite, n) != 0) {
            perror("bench_read: writing the suite");
            bad = 1;
            break;
        }
        wg_parse_error err;
        double t0 = now();
        wg_suite *s = wg_suite_read_file(suite, &err);
        double t = now() - t0;
        if (!s || wg_suite_size(s) != n) {
            fprintf(stderr, "bench_read: %s\n", s ? "wrong case count" : err.message);
            bad = 1;
        }
        wg_suite_free(s);
        char what[64];
        snprintf(what, sizeof what, "suite, %zu cases", n);
        printf("%-28s %10zu %12.3f %12.3f\n", what, n, t, 1e6 * t / (double)n);
        fflush(stdout);
    }
    unlink(wg);
    unlink(suite);
    rmdir(dir);
    return bad;
}
