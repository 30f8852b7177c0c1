/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_select.h -- exact nearest-rank percentiles (median, 99th,
 * maximum) of many overlapping groups of values streamed from SQL, in
 * memory that does not grow with the number of values.
 *
 * Why not one ORDER BY per group.  A check counts for every op of its
 * graph, so per-op percentiles over a million checks are percentiles over
 * some ten million (check, op) pairs: indexing ten million (op, value)
 * rows in a TEMP table for ORDER BY ... LIMIT 1 OFFSET k took 31 s of CPU
 * in SQLite, and even sorting the million checks once per metric costs
 * more than a second each.  So the selection reads the checks twice, in
 * table order, and sorts only a few of them:
 *
 *   pass 1  each group counts its values per bucket.  A bucket is a range
 *           of the value's key, the IEEE bit pattern of the double, which
 *           orders non-negative doubles as the numbers do; the range of
 *           keys a metric covers is found as the values come, and the
 *           bucket width is the smallest power of two that keeps it within
 *           WG_SEL_BUCKETS buckets (a wider range merges buckets in pairs,
 *           which keeps every count exact).  Exact zeros are counted apart.
 *           From the counts, the bucket holding each wanted rank of each
 *           group is known, and how many of the group's values lie below
 *           that bucket.
 *   pass 2  the rows in a bucket where one of their groups has a wanted
 *           rank (wg_sel_wants) go to a table that SQL sorts (ORDER BY
 *           metric, key); counting on from each bucket's start finds every
 *           wanted value exactly.
 *
 * Memory: WG_SEL_BUCKETS counters per group and metric, whatever the
 * number of values.  Values are keys (wg_sel_key); negative values and
 * NaN have none. */
#ifndef WG_REPORT_SELECT_H
#define WG_REPORT_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "report_data.h"

#define WG_SEL_BUCKETS 2048

typedef struct wg_sel wg_sel;

/* the key of v >= 0: its bit pattern as an integer (-1 for NaN or v < 0) */
int64_t wg_sel_key(double v);
double  wg_sel_value(int64_t key);

wg_sel *wg_sel_new(int nmetrics, int ngroups);
void    wg_sel_free(wg_sel *s);

/* pass 1: one value of metric (key >= 0), in groups[0..ng).  WG_OK or
 * WG_ENOMEM. */
int  wg_sel_count(wg_sel *s, int metric, int64_t key, const int *groups, int ng);
/* After pass 1: where the wanted ranks lie.  WG_OK or WG_ENOMEM. */
int  wg_sel_plan(wg_sel *s);
/* pass 2: 1 when one of the row's groups has a wanted rank in the value's
 * bucket; only such rows are fed */
int  wg_sel_wants(const wg_sel *s, int metric, int64_t key, const int *groups, int ng);
/* pass 2: the wanted values of each metric in increasing key order */
void wg_sel_feed(wg_sel *s, int metric, int64_t key, const int *groups, int ng);
/* After pass 2 */
void wg_sel_result(const wg_sel *s, int metric, int group, wg_rep_stat *out);

#endif /* WG_REPORT_SELECT_H */
