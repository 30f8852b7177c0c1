/* SPDX-License-Identifier: GPL-3.0-or-later */
/* selftest.h -- wengert-fuzz --self-test: how good is the fuzzer at finding
 * derivative bugs?  One campaign per injected bug (fuzz/bugs.h) until the
 * first fail, then shrinking; one campaign on the clean library, which must
 * find nothing.  The figures are measured, not assumed: detection, graphs
 * and seconds to the first fail, the size of the shrunk reproducer, and
 * whether the blamed op is the mutated one. */
#ifndef WG_FUZZ_SELFTEST_H
#define WG_FUZZ_SELFTEST_H

#include <stdint.h>
#include <stdio.h>

#include "campaign.h"

#ifdef __cplusplus
extern "C" {
#endif

/* the targets the self-test holds itself to */
#define WG_SELFTEST_MEDIAN_SECONDS 2.0   /* median time to the first detection */
#define WG_SELFTEST_BLAME_FRACTION 0.90  /* bugs whose blamed op is the mutated one */
#define WG_SELFTEST_CLEAN_TARGET 100000  /* clean graphs the zero-false-alarm target names */

typedef struct wg_selftest_options {
    wg_campaign_options base;    /* generator and check options, seed; store_path
                                    and jobs are used by the clean campaign */
    uint64_t bug_graphs;         /* most graphs per bug (default 20000) */
    double bug_seconds;          /* most seconds per bug (default 60) */
    uint64_t clean_graphs;       /* graphs of the clean campaign (default 2000) */
    uint64_t clean_tensor_graphs;   /* ... and of the clean campaign of tensor graphs only
                                       (default 2000) */
    uint64_t clean_order2_graphs;   /* ... and of one checked at second order (default 500) */
    const int *bugs;             /* the bugs to run, or NULL for all */
    int nbugs;
} wg_selftest_options;
void wg_selftest_options_init(wg_selftest_options *o);

typedef struct wg_selftest_row {
    int bug;
    int detected;
    uint64_t graphs;             /* graphs checked up to and including the first fail */
    double seconds;              /* wall time to the first fail */
    size_t nodes_before, nodes_after;   /* the failing graph, shrunk */
    double shrink_seconds;
    wg_op blamed_op;             /* of the first failing graph's worst result */
    int blame_ok;
    char fail_mode[24];
    char repro[1024];            /* the reproducer file, "" if none was saved */
} wg_selftest_row;

typedef struct wg_selftest_result {
    int nrows;
    wg_selftest_row *rows;
    wg_campaign_stats clean;     /* the clean campaign */
    int clean_ran;
    wg_campaign_stats clean_tensor;     /* the clean campaign of tensor graphs */
    int clean_tensor_ran;
    wg_campaign_stats clean_order2;     /* the clean campaign at second order */
    int clean_order2_ran;
    /* targets */
    int all_detected;
    double median_seconds;
    double blame_fraction;
    int met;                     /* every target met */
} wg_selftest_result;

/* Run the self-test; the table and the verdict on each target go to out
 * (progress to err, which may be NULL).  WG_OK when it ran; res->met says
 * whether every target was met. */
int wg_selftest_run(const wg_selftest_options *o, wg_selftest_result *res, FILE *out,
                    FILE *err, char *why, size_t whylen);
void wg_selftest_result_free(wg_selftest_result *res);

/* 1 when the failure blamed on node `node` of graph g is the one bug b
 * plants: the blamed op is one b mutates, or, for a bug of the sweep (no op
 * of its own), the blamed node uses a node that has several users. */
int wg_selftest_blame_ok(int bug, wg_graph *g, long node, wg_op op, const char *fail_mode);

#ifdef __cplusplus
}
#endif
#endif /* WG_FUZZ_SELFTEST_H */
