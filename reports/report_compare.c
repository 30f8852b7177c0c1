/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_compare.c -- two runs compared per op (see report_compare.h). */
#include "report_compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_build.h"

const char *wg_compare_status_name(int status)
{
    static const char *const names[] = { "same", "better", "worse", "new", "gone" };
    return status >= 0 && status <= WG_CMP_GONE ? names[status] : "?";
}

static long find_op(const wg_report_data *d, const char *name)
{
    for (size_t i = 0; i < d->nops; i++)
        if (strcmp(d->ops[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* a p99 before and after: worse when it grew by more than the factor */
static int judge(const wg_rep_stat *b, const wg_rep_stat *a, double factor)
{
    if (!b->n && !a->n)
        return WG_CMP_SAME;
    if (!b->n)
        return WG_CMP_NEW;
    if (!a->n)
        return WG_CMP_GONE;
    if (a->p99 > factor * b->p99)
        return WG_CMP_WORSE;
    if (b->p99 > factor * a->p99)
        return WG_CMP_BETTER;
    return WG_CMP_SAME;
}

static const wg_rep_op empty_op;

static const wg_rep_op *op_of(const wg_report_data *d, long i)
{
    return i >= 0 ? &d->ops[i] : &empty_op;
}

int wg_compare_runs(const wg_report_data *before, const wg_report_data *after,
                    const char *before_name, const char *after_name, double factor,
                    wg_compare *c)
{
    memset(c, 0, sizeof *c);
    c->before = before;
    c->after = after;
    c->before_name = before_name;
    c->after_name = after_name;
    c->factor = factor;
    c->ops = calloc(before->nops + after->nops, sizeof *c->ops);
    if (!c->ops)
        return WG_ENOMEM;
    /* the ops of the run after, then those only the run before has */
    for (int side = 0; side < 2; side++) {
        const wg_report_data *d = side ? before : after;
        for (size_t i = 0; i < d->nops; i++) {
            const char *name = d->ops[i].name;
            long b = find_op(before, name), a = find_op(after, name);
            if (side && a >= 0)
                continue;
            const wg_rep_op *ob = op_of(before, b), *oa = op_of(after, a);
            if (!ob->checks && !oa->checks && !ob->blamed && !oa->blamed)
                continue;
            wg_cmp_op *o = &c->ops[c->nops++];
            o->name = name;
            o->before = b;
            o->after = a;
            int worse = 0, better = 0, seen_b = 0, seen_a = 0;
            for (int m = 0; m < WG_METHOD_COUNT; m++) {
                o->method[m] = judge(&ob->fig[WG_REP_REL(m)], &oa->fig[WG_REP_REL(m)], factor);
                worse |= o->method[m] == WG_CMP_WORSE;
                better |= o->method[m] == WG_CMP_BETTER;
                seen_b |= ob->fig[WG_REP_REL(m)].n > 0;
                seen_a |= oa->fig[WG_REP_REL(m)].n > 0;
            }
            o->fails = oa->blamed > ob->blamed ? WG_CMP_WORSE
                     : oa->blamed < ob->blamed ? WG_CMP_BETTER : WG_CMP_SAME;
            worse |= o->fails == WG_CMP_WORSE;
            better |= o->fails == WG_CMP_BETTER;
            o->status = worse ? WG_CMP_WORSE : better ? WG_CMP_BETTER
                      : !seen_b && seen_a ? WG_CMP_NEW : seen_b && !seen_a ? WG_CMP_GONE
                      : WG_CMP_SAME;
            c->count[o->status]++;
        }
    }
    return WG_OK;
}

void wg_compare_free(wg_compare *c)
{
    free(c->ops);
    c->ops = NULL;
}

/* a figure shown but not judged */
#define SHOWN (-1)

static unsigned status_style(int s)
{
    return s == WG_CMP_WORSE ? WG_CELL_BAD : s == WG_CMP_BETTER ? WG_CELL_GOOD
         : s == WG_CMP_SAME ? WG_CELL_WEAK : 0;
}

/* "a → b" */
static void pair(wg_doc *doc, wg_doc_table *t, double b, double a, int status)
{
    wg_doc_td(doc, t, WG_CELL_NUM | status_style(status), "%s \u2192 %s", wg_num(b), wg_num(a));
}

/* a count before and after; judged (more is worse) only for failures and
 * violations: other verdicts move with the number of checks */
static void counts_pair(wg_doc *doc, wg_doc_table *t, uint64_t b, uint64_t a, int judged)
{
    unsigned st = a == b ? WG_CELL_WEAK : !judged ? 0 : a > b ? WG_CELL_BAD : WG_CELL_GOOD;
    wg_doc_td(doc, t, WG_CELL_NUM | st, "%s \u2192 %s", wg_count(b), wg_count(a));
}

wg_doc *wg_compare_document(const wg_compare *c, const char *command_line,
                            const char *generated)
{
    wg_doc *doc = wg_doc_new("Wengert accuracy: comparison of two runs");
    if (!doc)
        return NULL;
    const wg_report_data *B = c->before, *A = c->after;
    wg_doc_heading(doc, 1, "top", "Accuracy: what changed between two runs");
    wg_doc_para(doc, "Before: %zu store%s, %s checks (%s judged). After: %zu store%s, %s checks "
                "(%s judged). Generated %s with:", B->nstores, B->nstores == 1 ? "" : "s",
                wg_count(B->checks), wg_count(B->judged), A->nstores, A->nstores == 1 ? "" : "s",
                wg_count(A->checks), wg_count(A->judged), generated ? generated : "");
    wg_doc_code(doc, command_line ? command_line : "wengert-report --compare");
    wg_doc_table *t = wg_doc_table_new(doc, 3);
    wg_doc_th(doc, t, 0, "run");
    wg_doc_th(doc, t, 0, "stores");
    wg_doc_th(doc, t, WG_CELL_NUM, "checks");
    for (int side = 0; side < 2; side++) {
        const wg_report_data *d = side ? A : B;
        char paths[1024] = "";
        size_t n = 0;
        for (size_t i = 0; i < d->nstores && n + 4 < sizeof paths; i++)
            n += (size_t)snprintf(paths + n, sizeof paths - n, "%s%s", i ? " " : "",
                                  d->stores[i].path);
        wg_doc_td(doc, t, 0, "%s", side ? "after" : "before");
        wg_doc_td(doc, t, WG_CELL_CODE, "%s", paths);
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(d->checks));
    }
    wg_doc_para(doc, "An op is worse when, for some method, its 99th-percentile relative error "
                "grew by more than a factor of %g (or left 0), or when more checks failed "
                "blamed on it; better when one shrank by that factor or fewer failed, and "
                "nothing got worse. Percentiles are nearest-rank; medians and maxima are shown "
                "but not judged. %zu worse, %zu better, %zu the same, %zu new, %zu gone.",
                c->factor, c->count[WG_CMP_WORSE], c->count[WG_CMP_BETTER],
                c->count[WG_CMP_SAME], c->count[WG_CMP_NEW], c->count[WG_CMP_GONE]);

    wg_doc_heading(doc, 2, "verdicts", "Verdicts");
    t = wg_doc_table_new(doc, 2);
    wg_doc_th(doc, t, 0, "checks");
    wg_doc_th(doc, t, WG_CELL_NUM, "before \u2192 after");
    for (int v = 0; v < WG_REP_VERDICTS; v++) {
        if (v == WG_REP_OTHER && !B->check_verdicts[v] && !A->check_verdicts[v])
            continue;
        wg_doc_td(doc, t, 0, "%s", wg_report_verdict_name(v));
        counts_pair(doc, t, B->check_verdicts[v], A->check_verdicts[v], v == WG_VERDICT_FAIL);
    }
    wg_doc_td(doc, t, 0, "AD errors over their bound");
    counts_pair(doc, t, B->violations[0] + B->violations[1], A->violations[0] + A->violations[1],
                1);

    wg_doc_heading(doc, 2, "ops", "Per op");
    wg_doc_para(doc, "99th-percentile relative error of each method, before \u2192 after, and "
                "the failing checks blamed on the op. Worse ops first, and first among them "
                "those with more failures blamed on them. A check counts for every op of its "
                "graph, so one wrong rule makes every op it shares graphs with look worse; the "
                "blamed failures point at the rule.");
    t = wg_doc_table_new(doc, 8);
    const char *h[] = { "op", "status", "checks", "fails blamed", "reverse p99", "forward p99",
                        "central p99", "gsl p99" };
    for (int i = 0; i < 8; i++)
        wg_doc_th(doc, t, i >= 2 ? WG_CELL_NUM : 0, h[i]);
    static const int order[] = { WG_CMP_WORSE, WG_CMP_BETTER, WG_CMP_NEW, WG_CMP_GONE,
                                 WG_CMP_SAME };
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        for (size_t j = 0; j < 2 * c->nops; j++) {
            /* in each status, the ops whose blamed failures changed first */
            const wg_cmp_op *o = &c->ops[j % c->nops];
            if (o->status != order[k] || (j < c->nops) != (o->fails != WG_CMP_SAME))
                continue;
            const wg_rep_op *ob = op_of(B, o->before), *oa = op_of(A, o->after);
            wg_doc_td(doc, t, WG_CELL_CODE, "%s", o->name);
            wg_doc_td(doc, t, status_style(o->status), "%s", wg_compare_status_name(o->status));
            wg_doc_td(doc, t, WG_CELL_NUM, "%s \u2192 %s", wg_count(ob->checks),
                      wg_count(oa->checks));
            counts_pair(doc, t, ob->blamed, oa->blamed, 1);
            for (int m = 0; m < WG_METHOD_COUNT; m++)
                pair(doc, t, ob->fig[WG_REP_REL(m)].p99, oa->fig[WG_REP_REL(m)].p99,
                     o->method[m]);
        }

    for (int m = 0; m < WG_METHOD_COUNT; m++) {
        char id[32];
        snprintf(id, sizeof id, "method-%s", wg_method_name((wg_method)m));
        wg_doc_heading(doc, 3, id, "%s: relative error before \u2192 after",
                       wg_method_name((wg_method)m));
        t = wg_doc_table_new(doc, 6);
        const char *h2[] = { "op", "values", "median", "p99", "max", "p99 status" };
        for (int i = 0; i < 6; i++)
            wg_doc_th(doc, t, i && i < 5 ? WG_CELL_NUM : 0, h2[i]);
        for (size_t i = 0; i < c->nops; i++) {
            const wg_cmp_op *o = &c->ops[i];
            const wg_rep_stat *b = &op_of(B, o->before)->fig[WG_REP_REL(m)];
            const wg_rep_stat *a = &op_of(A, o->after)->fig[WG_REP_REL(m)];
            if (!b->n && !a->n)
                continue;
            wg_doc_td(doc, t, WG_CELL_CODE, "%s", o->name);
            wg_doc_td(doc, t, WG_CELL_NUM, "%s \u2192 %s", wg_count(b->n), wg_count(a->n));
            pair(doc, t, b->median, a->median, SHOWN);
            pair(doc, t, b->p99, a->p99, o->method[m]);
            pair(doc, t, b->max, a->max, SHOWN);
            wg_doc_td(doc, t, status_style(o->method[m]), "%s",
                      wg_compare_status_name(o->method[m]));
        }
    }
    if (wg_doc_failed(doc)) {
        wg_doc_free(doc);
        return NULL;
    }
    return doc;
}

/* ops listed per status on stdout; compare.md has them all */
#define SUMMARY_LINES 20

void wg_compare_summary(const wg_compare *c, FILE *out)
{
    fprintf(out, "compare: %zu op%s worse, %zu better, %zu the same, %zu new, %zu gone "
            "(worse: p99 relative error up by more than a factor of %g for some method, or "
            "more failing checks blamed on the op)\n", c->count[WG_CMP_WORSE],
            c->count[WG_CMP_WORSE] == 1 ? "" : "s", c->count[WG_CMP_BETTER],
            c->count[WG_CMP_SAME], c->count[WG_CMP_NEW], c->count[WG_CMP_GONE], c->factor);
    for (int want = WG_CMP_WORSE; want >= WG_CMP_BETTER; want--) {
        size_t shown = 0;
        /* ops whose blamed failures changed first: the likeliest culprits */
        for (size_t j = 0; j < 2 * c->nops; j++) {
            const wg_cmp_op *o = &c->ops[j % c->nops];
            if ((j < c->nops) != (o->fails != WG_CMP_SAME))
                continue;
            if (o->status != want || shown++ >= SUMMARY_LINES)
                continue;
            const wg_rep_op *ob = op_of(c->before, o->before), *oa = op_of(c->after, o->after);
            fprintf(out, "  %-6s %-14s", wg_compare_status_name(want), o->name);
            if (o->fails != WG_CMP_SAME)
                fprintf(out, " fails %llu -> %llu", (unsigned long long)ob->blamed,
                        (unsigned long long)oa->blamed);
            for (int m = 0; m < WG_METHOD_COUNT; m++)
                if (o->method[m] == want)
                    fprintf(out, " %s p99 %s -> %s", wg_method_name((wg_method)m),
                            wg_num(ob->fig[WG_REP_REL(m)].p99), wg_num(oa->fig[WG_REP_REL(m)].p99));
            fputc('\n', out);
        }
        if (shown > SUMMARY_LINES)
            fprintf(out, "  ... and %zu more %s (compare.md lists them)\n", shown - SUMMARY_LINES,
                    wg_compare_status_name(want));
    }
}
