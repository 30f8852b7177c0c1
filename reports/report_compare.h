/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_compare.h -- what got better or worse between two runs
 * (wengert-report --compare OLD NEW).
 *
 * Per op and method, the nearest-rank median, p99 and maximum relative
 * error before and after, and per op the failing checks blamed on it.
 * An op is worse when, for some method, its p99 relative error after is
 * more than `factor` times the one before (a p99 that leaves 0 is worse
 * for any factor), or when more checks fail blamed on it; better when the
 * reverse holds for some method or fewer checks fail, and nothing is
 * worse; the same otherwise.  Medians and maxima are shown, not judged:
 * the maximum of a random campaign moves with its luckiest graph. */
#ifndef WG_REPORT_COMPARE_H
#define WG_REPORT_COMPARE_H

#include <stdio.h>

#include "report_data.h"
#include "report_doc.h"

#define WG_CMP_SAME   0
#define WG_CMP_BETTER 1
#define WG_CMP_WORSE  2
#define WG_CMP_NEW    3     /* no judged check before */
#define WG_CMP_GONE   4     /* none after */

/* one op: its status and the index of it in each run (-1: not there) */
typedef struct wg_cmp_op {
    const char *name;
    long before, after;
    int status;
    int method[WG_METHOD_COUNT];     /* status of each method's p99 */
    int fails;                       /* status of its blamed fails */
} wg_cmp_op;

typedef struct wg_compare {
    const wg_report_data *before, *after;
    const char *before_name, *after_name;
    double factor;
    size_t nops;
    wg_cmp_op *ops;
    size_t count[5];                 /* ops by status */
} wg_compare;

/* Match the ops of two runs and judge them.  WG_OK or WG_ENOMEM. */
int  wg_compare_runs(const wg_report_data *before, const wg_report_data *after,
                     const char *before_name, const char *after_name, double factor,
                     wg_compare *c);
void wg_compare_free(wg_compare *c);

const char *wg_compare_status_name(int status);

/* the comparison as a document, and as a few lines of text */
wg_doc *wg_compare_document(const wg_compare *c, const char *command_line,
                            const char *generated);
void wg_compare_summary(const wg_compare *c, FILE *out);

#endif /* WG_REPORT_COMPARE_H */
