/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_csv.c -- the per-op table as CSV (see report_write.h): every op,
 * its counts and every percentile, at full precision, for spreadsheets
 * and scripts that compare runs. */
#include "report_write.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

static void num(FILE *out, double v)
{
    fputc(',', out);
    if (!isnan(v))
        fprintf(out, "%.17g", v);
}

int wg_write_ops_csv(const wg_report_data *d, FILE *out)
{
    fputs("op,known,graphs,nodes,checks", out);
    for (int v = 0; v < WG_REP_VERDICTS; v++)
        fprintf(out, ",%s", wg_report_verdict_name(v));
    fputs(",judged,over_bound_reverse,over_bound_forward,fails_blamed,fail_graphs_blamed,"
          "judged_zero_derivative", out);
    for (int k = 0; k < WG_REP_METRICS1; k++) {
        char pre[32];
        if (k == WG_REP_RATIO)
            snprintf(pre, sizeof pre, "err_over_bound");
        else
            snprintf(pre, sizeof pre, "%s_%s", wg_method_name((wg_method)(k / 2)),
                     k % 2 ? "ulps" : "rel");
        fprintf(out, ",%s_n,%s_zeros,%s_median,%s_p99,%s_max", pre, pre, pre, pre, pre);
    }
    fputc('\n', out);
    for (size_t i = 0; i < d->nops; i++) {
        const wg_rep_op *op = &d->ops[i];
        wg_rep_csv_field(out, op->name);
        fprintf(out, ",%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64, op->known, op->graphs, op->nodes,
                op->checks);
        for (int v = 0; v < WG_REP_VERDICTS; v++)
            fprintf(out, ",%" PRIu64, op->verdicts[v]);
        fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
                op->judged, op->violations[0], op->violations[1], op->blamed,
                op->blamed_graphs, op->judged_zero);
        for (int k = 0; k < WG_REP_METRICS1; k++) {
            const wg_rep_stat *s = &op->fig[k];
            fprintf(out, ",%" PRIu64 ",%" PRIu64, s->n, s->zeros);
            num(out, s->median);
            num(out, s->p99);
            num(out, s->max);
        }
        fputc('\n', out);
    }
    return ferror(out) ? WG_EIO : WG_OK;
}
