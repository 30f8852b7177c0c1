/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_build_acc.c -- the report's accuracy per op, error-bound
 * tightness and step-size sections (see report_build.h). */
#include "report_build.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const method_title[WG_METHOD_COUNT] = {
    "Reverse mode (VJP, then a dot product with the direction)",
    "Forward mode (JVP, then a dot product with the cotangent)",
    "Double central difference (step cbrt(eps) max(1, |x|))",
    "GSL gsl_deriv_central",
};

/* median, p99, max of a stat as three cells */
static void three(wg_doc *doc, wg_doc_table *t, const wg_rep_stat *s, unsigned style)
{
    wg_doc_td(doc, t, WG_CELL_NUM | style, "%s", wg_num(s->median));
    wg_doc_td(doc, t, WG_CELL_NUM | style, "%s", wg_num(s->p99));
    wg_doc_td(doc, t, WG_CELL_NUM | style, "%s", wg_num(s->max));
}

static const char *const err_heads[9] = { "", "values", "exact 0", "rel median", "rel p99",
                                          "rel max", "ulps median", "ulps p99", "ulps max" };

static wg_doc_table *err_table(wg_doc *doc, const char *first)
{
    wg_doc_table *t = wg_doc_table_new(doc, 9);
    for (int i = 0; i < 9; i++)
        wg_doc_th(doc, t, i ? WG_CELL_NUM : 0, i ? err_heads[i] : first);
    return t;
}

static void err_row(wg_doc *doc, wg_doc_table *t, const wg_rep_stat *rel,
                    const wg_rep_stat *ulps)
{
    wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(rel->n));
    wg_doc_td(doc, t, WG_CELL_NUM | (rel->zeros ? 0 : WG_CELL_WEAK), "%s", wg_count(rel->zeros));
    three(doc, t, rel, 0);
    three(doc, t, ulps, 0);
}

void wg_build_accuracy(wg_doc *doc, const wg_report_data *d, const wg_plots *p)
{
    wg_doc_heading(doc, 2, "accuracy", "Accuracy per op");
    wg_doc_para(doc, "Errors of each method against the MPFR reference, over the %s judged "
                "checks (pass or fail, reference converged). Relative error and ulps as the "
                "store has them; percentiles are nearest-rank, computed from every value. A "
                "check counts for every op present in its graph, so an op's row describes the "
                "graphs it takes part in, not the op alone; a wrong rule shows as errors far "
                "above the other ops' and as failures blamed on it ([Failures by blamed "
                "op](#blamed)).", wg_count(d->judged));
    wg_doc_table *t = err_table(doc, "method");
    for (int m = 0; m < WG_METHOD_COUNT; m++) {
        wg_doc_td(doc, t, 0, "%s", wg_method_name((wg_method)m));
        err_row(doc, t, &d->all[WG_REP_REL(m)], &d->all[WG_REP_ULPS(m)]);
    }
    /* a derivative that is 0 whatever the rules are (an output that depends on
     * the inputs only through a comparison) is computed exactly by every
     * method and pulls the medians down without testing anything */
    if (d->judged && d->judged_zero * 10 > d->judged)
        wg_doc_note(doc, "%s of the judged checks (%.0f%%) have a derivative of exactly 0: "
                    "every path from an input to an output crosses a comparison or another "
                    "op of zero derivative, so the check tests no rule, and its exact result "
                    "lowers the medians of every op in its graph (column \"zero derivative\" "
                    "below).", wg_count(d->judged_zero),
                    100.0 * (double)d->judged_zero / (double)d->judged);
    wg_build_plot(doc, p, "hist", "Histogram of log10 relative error per method; exact zeros "
                  "left of the axis break");
    wg_build_plot(doc, p, "size", "Median (solid) and 99th percentile (dashed, where a size has "
                  "100 values or more) relative error against the number of nodes in the graph");

    wg_doc_heading(doc, 3, "exercised", "How often each op was exercised");
    wg_doc_para(doc, "Graphs that contain the op, its nodes in them, their checks, the judged "
                "ones among them and of those the ones whose derivative is exactly 0 (they "
                "test no rule), and how many checks were nondiff, had an AD error above its "
                "bound, or failed with the blame on this op.");
    t = wg_doc_table_new(doc, 10);
    const char *h[] = { "op", "graphs", "nodes", "checks", "judged", "zero derivative",
                        "nondiff", "over bound (reverse)", "over bound (forward)",
                        "fails blamed" };
    for (int i = 0; i < 10; i++)
        wg_doc_th(doc, t, i ? WG_CELL_NUM : 0, h[i]);
    for (size_t i = 0; i < d->nops; i++) {
        const wg_rep_op *op = &d->ops[i];
        if (!op->graphs && !op->blamed)
            continue;
        wg_doc_td(doc, t, WG_CELL_CODE, "%s", op->name);
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(op->graphs));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(op->nodes));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(op->checks));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(op->judged));
        wg_doc_td(doc, t, WG_CELL_NUM | (op->judged_zero ? 0 : WG_CELL_WEAK), "%s",
                  wg_count(op->judged_zero));
        wg_doc_td(doc, t, WG_CELL_NUM | (op->verdicts[WG_VERDICT_NONDIFF] ? 0 : WG_CELL_WEAK),
                  "%s", wg_count(op->verdicts[WG_VERDICT_NONDIFF]));
        for (int a = 0; a < 2; a++)
            wg_doc_td(doc, t, WG_CELL_NUM | (op->violations[a] ? WG_CELL_BAD : WG_CELL_WEAK),
                      "%s", wg_count(op->violations[a]));
        wg_doc_td(doc, t, WG_CELL_NUM | (op->blamed ? WG_CELL_BAD : WG_CELL_WEAK), "%s",
                  wg_count(op->blamed));
    }

    for (int m = 0; m < WG_METHOD_COUNT; m++) {
        char id[32];
        snprintf(id, sizeof id, "method-%s", wg_method_name((wg_method)m));
        wg_doc_heading(doc, 3, id, "%s", method_title[m]);
        t = err_table(doc, "op");
        for (size_t i = 0; i < d->nops; i++) {
            const wg_rep_op *op = &d->ops[i];
            if (!op->fig[WG_REP_REL(m)].n)
                continue;
            wg_doc_td(doc, t, WG_CELL_CODE, "%s", op->name);
            err_row(doc, t, &op->fig[WG_REP_REL(m)], &op->fig[WG_REP_ULPS(m)]);
        }
    }
}

/* ------------------------------------------------------------------ tightness */

/* Below this largest ratio, an op's bound was never approached: every
 * observed error stayed 1000 times under it.  A wrong rule whose error
 * is a few hundred times the rounding error would then still pass. */
#define LOOSE 1e-3

void wg_build_tightness(wg_doc *doc, const wg_report_data *d, const wg_plots *p)
{
    wg_doc_heading(doc, 2, "tightness", "Error-bound tightness");
    wg_doc_para(doc, "For every judged check, the AD error over the bound the verifier "
                "allowed it: |AD - reference| / (bound + reference_err). Above 1 the bound is "
                "wrong (the check fails); far below 1 everywhere, the bound is too loose to "
                "catch a rule that is slightly wrong. An op is marked loose when its largest "
                "ratio stays below %g.", LOOSE);
    wg_doc_table *t = wg_doc_table_new(doc, 8);
    const char *h[] = { "", "values", "exact 0", "median", "p99", "max", "above 1 (reverse)",
                        "above 1 (forward)" };
    for (int i = 0; i < 8; i++)
        wg_doc_th(doc, t, i ? WG_CELL_NUM : 0, h[i]);
    const wg_rep_stat *q = &d->all[WG_REP_RATIO];
    wg_doc_td(doc, t, 0, "AD (the larger of reverse, forward)");
    wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(q->n));
    wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(q->zeros));
    three(doc, t, q, q->max > 1 ? WG_CELL_BAD : 0);
    for (int a = 0; a < 2; a++)
        wg_doc_td(doc, t, WG_CELL_NUM | (d->violations[a] ? WG_CELL_BAD : WG_CELL_GOOD), "%s",
                  wg_count(d->violations[a]));
    wg_build_plot(doc, p, "tightness", "Histogram of log10(observed error / bound); right of "
                  "the red line the bound is exceeded");

    /* the distribution by decade, for readers without the plot: half-decade
     * bins k, k + 1 of one decade add up */
    wg_doc_para(doc, "The distribution of the ratio by decade (checks per bin):");
    t = wg_doc_table_new(doc, 3);
    wg_doc_th(doc, t, 0, "error / bound");
    wg_doc_th(doc, t, WG_CELL_NUM, "reverse");
    wg_doc_th(doc, t, WG_CELL_NUM, "forward");
    wg_doc_td(doc, t, 0, "0 (exact)");
    wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(d->ratio_hist[0].zeros));
    wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(d->ratio_hist[1].zeros));
    int lo = WG_REP_HIST_BINS, hi = -1;
    for (int a = 0; a < 2; a++)
        if (d->ratio_hist[a].hi >= d->ratio_hist[a].lo) {
            lo = d->ratio_hist[a].lo < lo ? d->ratio_hist[a].lo : lo;
            hi = d->ratio_hist[a].hi > hi ? d->ratio_hist[a].hi : hi;
        }
    if (hi >= lo) {
        int elo = (int)floor(WG_REP_HIST_MIN + lo * WG_REP_HIST_STEP);
        int ehi = (int)floor(WG_REP_HIST_MIN + hi * WG_REP_HIST_STEP);
        for (int e = elo; e <= ehi; e++) {
            uint64_t c[2] = { 0, 0 };
            for (int k = lo; k <= hi; k++)
                if ((int)floor(WG_REP_HIST_MIN + k * WG_REP_HIST_STEP) == e)
                    for (int a = 0; a < 2; a++)
                        c[a] += d->ratio_hist[a].count[k];
            wg_doc_td(doc, t, e >= 0 && (c[0] || c[1]) ? WG_CELL_BAD : 0, "[1e%d, 1e%d)", e,
                      e + 1);
            for (int a = 0; a < 2; a++)
                wg_doc_td(doc, t, WG_CELL_NUM | (!c[a] ? WG_CELL_WEAK : e >= 0 ? WG_CELL_BAD : 0),
                          "%s", wg_count(c[a]));
        }
    }

    wg_doc_heading(doc, 3, "tightness-ops", "Tightness per op");
    t = wg_doc_table_new(doc, 8);
    const char *h2[] = { "op", "values", "median", "p99", "max", "above 1 (reverse)",
                         "above 1 (forward)", "reading" };
    for (int i = 0; i < 8; i++)
        wg_doc_th(doc, t, i && i < 7 ? WG_CELL_NUM : 0, h2[i]);
    for (size_t i = 0; i < d->nops; i++) {
        const wg_rep_op *op = &d->ops[i];
        const wg_rep_stat *s = &op->fig[WG_REP_RATIO];
        if (!s->n)
            continue;
        int exceeded = s->max > 1, loose = !(s->max >= LOOSE);
        wg_doc_td(doc, t, WG_CELL_CODE, "%s", op->name);
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(s->n));
        three(doc, t, s, 0);
        for (int a = 0; a < 2; a++)
            wg_doc_td(doc, t, WG_CELL_NUM | (op->violations[a] ? WG_CELL_BAD : WG_CELL_WEAK),
                      "%s", wg_count(op->violations[a]));
        wg_doc_td(doc, t, exceeded ? WG_CELL_BAD : loose ? WG_CELL_WEAK : 0, "%s",
                  exceeded ? "exceeded" : loose ? "loose" : "approached");
    }
}

/* ------------------------------------------------------------------ step size */

void wg_build_steps(wg_doc *doc, const wg_step_study *st, size_t nst, const wg_plots *p)
{
    wg_doc_heading(doc, 2, "steps", "Step size of finite differences");
    wg_doc_para(doc, "Why the difference methods carry errors near 1e-11 and AD near 1e-16: "
                "the double central difference D(h) = (F(h) - F(-h)) / 2h of F(t) = f(x + t u) "
                "has a truncation error h^2 |F'''| / 6 (slope 2 on log-log axes) and a rounding "
                "error near eps |F| / h (slope -1). Their sum is least near h = cbrt(eps) "
                "max(1, |x|), the step the verifier takes; even there about eps^(2/3) ~ 4e-11 "
                "of the derivative is lost. AD (here a JVP) has no step. Errors are relative to "
                "a reference from the verifier's MPFR replay at 256 bits; steps run from "
                "max(1, |x|) 2^-1 to max(1, |x|) 2^-50.");
    wg_doc_table *t = wg_doc_table_new(doc, 8);
    const char *h[] = { "function", "point", "direction", "chosen h", "error at chosen h",
                        "best h of the grid", "its error", "AD error" };
    for (int i = 0; i < 8; i++)
        wg_doc_th(doc, t, i >= 3 ? WG_CELL_NUM : 0, h[i]);
    for (size_t i = 0; i < nst; i++) {
        const wg_step_study *s = &st[i];
        wg_doc_td(doc, t, WG_CELL_CODE, "%s", s->expr);
        wg_doc_td(doc, t, 0, "%s", s->point);
        wg_doc_td(doc, t, 0, "%s", s->dir);
        if (s->error[0]) {
            for (int k = 0; k < 4; k++)
                wg_doc_td(doc, t, WG_CELL_NUM | WG_CELL_WEAK, "\u2013");
            wg_doc_td(doc, t, WG_CELL_WEAK, "not run: %s", s->error);
            continue;
        }
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_num(s->h_chosen));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_num(s->err_chosen));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_num(s->h[s->best]));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_num(s->err[s->best]));
        wg_doc_td(doc, t, WG_CELL_NUM | (s->ad_err == 0 ? WG_CELL_GOOD : 0), "%s",
                  wg_num(s->ad_err));
    }
    for (size_t i = 0; i < nst; i++) {
        char name[32], cap[200];
        snprintf(name, sizeof name, "step-%s", st[i].name);
        snprintf(cap, sizeof cap, "%s at %s along %s: relative error against step h (the "
                 "reference slopes are drawn a decade above the data)", st[i].expr, st[i].point,
                 st[i].dir);
        wg_build_plot(doc, p, name, cap);
    }
}

/* verdicts of a row as five cells (pass, fail, nondiff, invalid, unstable) */
static void verdict_cells(wg_doc *doc, wg_doc_table *t, const uint64_t *v)
{
    for (int k = 0; k < WG_VERDICT_COUNT; k++)
        wg_doc_td(doc, t, WG_CELL_NUM | (k == WG_VERDICT_FAIL && v[k] ? WG_CELL_BAD
                                         : v[k] ? 0 : WG_CELL_WEAK), "%s", wg_count(v[k]));
}

void wg_build_tensors(wg_doc *doc, const wg_report_data *d)
{
    wg_doc_heading(doc, 2, "tensors", "Tensor graphs");
    const wg_rep_class *tens = &d->classes[1];
    if (!tens->graphs) {
        wg_doc_para(doc, "No tensor graph in these stores (wengert-fuzz draws a share of them "
                    "unless --tensor-frac 0; stores written before schema version 3 do not "
                    "say which graphs were tensor graphs).");
        return;
    }
    wg_doc_para(doc, "First-order checks by the kind of graph: scalar graphs, tensor graphs "
                "(a node of rank 1 or more), and among the tensor graphs those with an "
                "operand stretched by broadcasting (or a broadcast_to), a node with a 0-size "
                "axis, and a matmul with batch axes; a graph may be in several rows. The "
                "errors are of reverse and forward mode against the MPFR reference, over the "
                "judged checks; per tensor op, the rows of [Accuracy per op](#accuracy) hold "
                "the graphs each op takes part in.");
    wg_doc_table *t = wg_doc_table_new(doc, 15);
    const char *h[] = { "graphs of", "graphs", "checks", "pass", "fail", "nondiff", "invalid",
                        "unstable", "judged", "reverse rel median", "reverse rel p99",
                        "reverse rel max", "forward rel median", "forward rel p99",
                        "forward rel max" };
    for (int i = 0; i < 15; i++)
        wg_doc_th(doc, t, i ? WG_CELL_NUM : 0, h[i]);
    for (int c = 0; c < WG_REP_CLASSES; c++) {
        const wg_rep_class *k = &d->classes[c];
        wg_doc_td(doc, t, 0, "%s%s", c >= 2 ? "tensor, " : "", wg_report_class_name(c));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(k->graphs));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(k->checks));
        verdict_cells(doc, t, k->verdicts);
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(k->judged));
        three(doc, t, &k->fig[WG_REP_REL(WG_METHOD_REVERSE)], 0);
        three(doc, t, &k->fig[WG_REP_REL(WG_METHOD_FORWARD)], 0);
    }
}

void wg_build_order2(wg_doc *doc, const wg_report_data *d)
{
    wg_doc_heading(doc, 2, "order2", "Second order");
    if (!d->o2_checks) {
        wg_doc_para(doc, "No second-order check in these stores (wengert-fuzz --order 2, "
                    "wengert-verify --check --order 2 or a suite case with order=2 write "
                    "them).");
        return;
    }
    wg_doc_para(doc, "Checks of v^T H u (doc/VERIFY.md, \"Second order\"): %s graphs, %s "
                "checks, %s judged. Relative errors against the MPFR second differences of "
                "the function, per op (a check counts for every op of its graph) and method: "
                "reverse over reverse and forward over reverse of the recorded gradient "
                "graph, wg_hvp's double sweep, and wg_hessian (the method it took; on inputs "
                "of at most 64 elements). These checks are left out of every "
                "first-order figure above.", wg_count(d->o2_graphs), wg_count(d->o2_checks),
                wg_count(d->o2_judged));
    static const struct { const char *name; int rel; } m[] = {
        { "reverse over reverse", WG_REP_REL(WG_METHOD_REVERSE) },
        { "forward over reverse", WG_REP_REL(WG_METHOD_FORWARD) },
        { "wg_hvp", WG_REP_HVP_REL },
        { "wg_hessian", WG_REP_HESS_REL } };
    enum { NM = sizeof m / sizeof m[0] };
    wg_doc_table *t = wg_doc_table_new(doc, 4 + WG_VERDICT_COUNT + NM * 3);
    wg_doc_th(doc, t, 0, "op");
    wg_doc_th(doc, t, WG_CELL_NUM, "checks");
    const char *v[] = { "pass", "fail", "nondiff", "invalid", "unstable" };
    for (int k = 0; k < WG_VERDICT_COUNT; k++)
        wg_doc_th(doc, t, WG_CELL_NUM, v[k]);
    wg_doc_th(doc, t, WG_CELL_NUM, "judged");
    for (int k = 0; k < NM; k++) {
        char head[3][64];
        snprintf(head[0], sizeof head[0], "%s rel median", m[k].name);
        snprintf(head[1], sizeof head[1], "%s rel p99", m[k].name);
        snprintf(head[2], sizeof head[2], "%s rel max", m[k].name);
        for (int j = 0; j < 3; j++)
            wg_doc_th(doc, t, WG_CELL_NUM, head[j]);
    }
    wg_doc_th(doc, t, WG_CELL_NUM, "fails");
    wg_doc_td(doc, t, 0, "(all)");
    wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(d->o2_checks));
    verdict_cells(doc, t, d->o2_verdicts);
    wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(d->o2_judged));
    for (int k = 0; k < NM; k++)
        three(doc, t, &d->o2_all[m[k].rel], 0);
    wg_doc_td(doc, t, WG_CELL_NUM | (d->o2_verdicts[WG_VERDICT_FAIL] ? WG_CELL_BAD
                                     : WG_CELL_WEAK), "%s",
              wg_count(d->o2_verdicts[WG_VERDICT_FAIL]));
    for (size_t i = 0; i < d->nops; i++) {
        const wg_rep_op *op = &d->ops[i];
        if (!op->o2_checks)
            continue;
        wg_doc_td(doc, t, WG_CELL_CODE, "%s", op->name);
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(op->o2_checks));
        verdict_cells(doc, t, op->o2_verdicts);
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(op->o2_judged));
        for (int k = 0; k < NM; k++)
            three(doc, t, &op->o2_fig[m[k].rel], 0);
        wg_doc_td(doc, t, WG_CELL_NUM | (op->o2_verdicts[WG_VERDICT_FAIL] ? WG_CELL_BAD
                                         : WG_CELL_WEAK), "%s",
                  wg_count(op->o2_verdicts[WG_VERDICT_FAIL]));
    }
}
