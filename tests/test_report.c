/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_report.c -- wengert-report's figures (reports/report_data.h): a
 * small store written through the store's API with hand-made checks of
 * known errors, and the report's counts, nearest-rank medians, 99th
 * percentiles and maxima, bound violations, blame, coverage and tables
 * checked exactly; the two-pass selection (reports/report_select.h)
 * against a sort; stores of schema version 1, stores given twice, a label
 * and a command that must be escaped; the Markdown tables and ops.csv. */
#define _POSIX_C_SOURCE 200809L

#include "report_build.h"
#include "report_compare.h"
#include "report_data.h"
#include "report_load.h"
#include "report_select.h"
#include "report_write.h"
#include "store.h"
#include "test_scratch.h"
#include "test_util.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <dirent.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int cmp_double(const void *a, const void *b);
static char *render(int md, const wg_doc *doc, const wg_plots *p, const wg_report_data *d);

/* ---------------------------------------------------------------- scratch */

static int exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "\n  %s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

/* ---------------------------------------------------------------- the store
 *
 * Campaign 1 (options "directions=2 ..."), graphs:
 *   0  sin          checks: pass (rev 0, fwd 0), pass (rev 1e-16, fwd 1e-16)
 *   1  mul sin      checks: pass (3e-16), pass (2e-16), nondiff; label "case <a> & \"b\""
 *   2  exp          checks: fail blamed on exp (rev 0.5, over its bound), pass (4e-16)
 *   3  log          the check did not run
 *   4  sin          checks: invalid
 *   5  cos          checks: pass, reference not converged (not judged), pass (5e-16)
 * Every graph has its inputs (op "input").  Central and GSL errors are
 * the reverse error times 1e6 and 1e4 (so their percentiles are known
 * too), ulps are rel * 2^52 (an exact scaling), the bound is 10 times
 * the reverse absolute error, or 1e-15 relative when that is 0. */

typedef struct chk {
    wg_verdict v;
    double rel;            /* reverse; forward is the same */
    int converged;
} chk;

static void fill(wg_check_result *c, const chk *k)
{
    memset(c, 0, sizeof *c);
    c->verdict = k->v;
    c->reference = k->rel == 0 ? 0.0 : 2.0;      /* an exact result: a zero derivative */
    c->reference_err = 0;
    c->reference_converged = k->converged;
    c->left = c->right = 2.0;
    c->blame_node = -1;
    c->blame_op = WG_OP_COUNT;
    c->invalid_node = -1;
    double scale[WG_METHOD_COUNT] = { 1, 1, 1e6, 1e4 };
    for (int m = 0; m < WG_METHOD_COUNT; m++) {
        double rel = k->rel * scale[m];
        c->fig[m].computed = k->v != WG_VERDICT_INVALID;
        c->fig[m].rel_err = rel;
        c->fig[m].abs_err = rel * 2.0;
        c->fig[m].ulps = ldexp(rel, 52);
        c->fig[m].value = 2.0 + rel * 2.0;
        c->fig[m].err_est = NAN;
    }
    c->bound = k->rel > 0 ? 10 * k->rel * 2.0 : 1e-15 * 2.0;
    c->dot_gap = 0;
    snprintf(c->message, sizeof c->message, "synthetic <check> & message");
}

typedef struct gdef {
    const char *label;
    wg_op ops[2];
    int nops;
    chk checks[3];
    int nchecks;
    int error;             /* the check did not run */
} gdef;

static const gdef graphs[] = {
    { NULL, { WG_OP_SIN }, 1, { { WG_VERDICT_PASS, 0, 1 }, { WG_VERDICT_PASS, 1e-16, 1 } }, 2, 0 },
    { "case <a> & \"b\"", { WG_OP_MUL, WG_OP_SIN }, 2,
      { { WG_VERDICT_PASS, 3e-16, 1 }, { WG_VERDICT_PASS, 2e-16, 1 },
        { WG_VERDICT_NONDIFF, 7e-16, 0 } }, 3, 0 },
    { NULL, { WG_OP_EXP }, 1, { { WG_VERDICT_FAIL, 0.5, 1 }, { WG_VERDICT_PASS, 4e-16, 1 } },
      2, 0 },
    { NULL, { WG_OP_LOG }, 1, { { 0, 0, 0 } }, 0, 1 },
    { NULL, { WG_OP_SIN }, 1, { { WG_VERDICT_INVALID, 0, 0 } }, 1, 0 },
    { NULL, { WG_OP_COS }, 1, { { WG_VERDICT_PASS, 6e-16, 0 }, { WG_VERDICT_PASS, 5e-16, 1 } },
      2, 0 },
};
#define NGRAPHS (sizeof graphs / sizeof graphs[0])

static int64_t make_store(const char *path, uint64_t seed, int with_extras)
{
    wg_store *s = NULL;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    wg_store_campaign c = { "wengert-fuzz --graphs 6 --out '<dir>'", seed, 0, 1,
                            "generator=1 directions=2 precision=256 safety=0x1p+3 full=0" };
    int64_t id;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &c, &id, NULL, &err), WG_OK);
    if (with_extras)
        CU_ASSERT_EQUAL(wg_store_campaign_set_info(s, id, "compiler", "cc <test>", &err), WG_OK);
    for (size_t g = 0; g < NGRAPHS; g++) {
        const gdef *gd = &graphs[g];
        wg_check_result res[3];
        wg_check_report r;
        memset(&r, 0, sizeof r);
        for (int k = 0; k < gd->nchecks; k++)
            fill(&res[k], &gd->checks[k]);
        r.results = res;
        r.nresults = (size_t)gd->nchecks;
        r.verdict = gd->nchecks ? gd->checks[0].v : WG_VERDICT_PASS;
        for (int k = 0; k < gd->nchecks; k++)
            if (gd->checks[k].v == WG_VERDICT_FAIL ||
                (r.verdict == WG_VERDICT_PASS && gd->checks[k].v != WG_VERDICT_PASS)) {
                r.verdict = gd->checks[k].v;
                r.worst = (size_t)k;
            }
        if (gd->error)
            snprintf(r.error, sizeof r.error, "the generator gave up");
        if (g == 2) {
            /* the fail: reverse far outside its bound, blamed on exp */
            res[0].bound = 1e-15;
            res[0].blame_op = WG_OP_EXP;
            res[0].blame_node = 1;
            snprintf(res[0].fail_mode, sizeof res[0].fail_mode, "reverse");
        }
        char text[64];
        snprintf(text, sizeof text, "# graph %zu\n", g);
        wg_store_graph rec;
        memset(&rec, 0, sizeof rec);
        rec.index = g;
        rec.seed = 1000 + g;
        rec.text = text;
        rec.label = with_extras ? gd->label : NULL;
        rec.ninputs = 1;
        rec.noutputs = 1;
        rec.op_count[WG_OP_INPUT] = 1;
        for (int k = 0; k < gd->nops; k++)
            rec.op_count[gd->ops[k]] = 2;
        rec.nnodes = 1 + 2 * (size_t)gd->nops;
        rec.report = &r;
        if (g == 2) {
            rec.repro_path = "repro/fail 2.wg";
            rec.repro_text = "input x = 1\noutput x\n";
            rec.repro_nodes = 2;
        }
        CU_ASSERT_EQUAL(wg_store_put_graph(s, id, &rec, &err), WG_OK);
    }
    wg_store_close(s);
    return id;
}

static wg_report_data *load(const char *const *paths, size_t n)
{
    wg_report_data *d = NULL;
    char why[512];
    int st = wg_report_load(paths, n, NULL, &d, why, sizeof why);
    if (st != WG_OK)
        fprintf(stderr, "\n  load: %s\n", why);
    CU_ASSERT_EQUAL(st, WG_OK);
    return d;
}

#define ASSERT_STAT(s, n_, z_, med, p99_, max_) do {                          \
        CU_ASSERT_EQUAL((s).n, (uint64_t)(n_));                                \
        CU_ASSERT_EQUAL((s).zeros, (uint64_t)(z_));                            \
        WG_ASSERT_ULPS((s).median, (med), 0);                                  \
        WG_ASSERT_ULPS((s).p99, (p99_), 0);                                    \
        WG_ASSERT_ULPS((s).max, (max_), 0);                                    \
    } while (0)

/* ---------------------------------------------------------------- classes */

/* A store of store version 3: graphs of classes (a tensor graph with
 * broadcasting, a batched one, a scalar one) at first order, and graphs of
 * second order with wg_hvp's figure.  rel errors known: the class table's
 * and the second-order table's percentiles are exact. */
static void classes_and_second_order(void)
{
    const char *path = tmp_path("cls.sqlite");
    remove(path);
    wg_store *s = NULL;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    wg_store_campaign c = { "wengert-fuzz", 7, 0, 1, "generator=1 order=2" };
    int64_t id;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &c, &id, NULL, &err), WG_OK);
    /* graph: classes, order, rel error of its one check (reverse = forward;
     * hvp = 2 rel at order 2) */
    static const struct { const char *classes; int order; double rel; } gs[] = {
        { "tensor broadcast", 1, 1e-16 }, { "tensor batched", 1, 3e-16 },
        { NULL, 1, 5e-16 }, { NULL, 2, 2e-16 }, { "tensor", 2, 4e-16 },
    };
    for (size_t g = 0; g < sizeof gs / sizeof gs[0]; g++) {
        wg_check_result res;
        chk k = { WG_VERDICT_PASS, gs[g].rel, 1 };
        fill(&res, &k);
        res.order = gs[g].order;
        res.hvp.computed = gs[g].order == 2;
        res.hvp.rel_err = 2 * gs[g].rel;
        res.hvp.abs_err = 4 * gs[g].rel;
        res.hvp.ulps = ldexp(2 * gs[g].rel, 52);
        res.hvp.value = 2.0;
        res.hvp.err_est = NAN;
        /* wg_hessian (version 4): 3 rel at order 2, on the scalar graph only */
        if (gs[g].order == 2 && !gs[g].classes) {
            res.hessian = res.hvp;
            res.hessian.rel_err = 3 * gs[g].rel;
            snprintf(res.hessian_method, sizeof res.hessian_method, "edge pushing");
        }
        wg_check_report r;
        memset(&r, 0, sizeof r);
        r.results = &res;
        r.nresults = 1;
        char text[64];
        snprintf(text, sizeof text, "# graph %zu\n", g);
        wg_store_graph rec;
        memset(&rec, 0, sizeof rec);
        rec.index = g;
        rec.seed = g;
        rec.text = text;
        rec.classes = gs[g].classes;
        rec.ninputs = rec.noutputs = 1;
        rec.op_count[WG_OP_INPUT] = 1;
        rec.op_count[WG_OP_SIN] = 1;
        rec.nnodes = 2;
        rec.report = &r;
        CU_ASSERT_EQUAL(wg_store_put_graph(s, id, &rec, &err), WG_OK);
    }
    /* read back: the classes, with order-2 added, and the hvp figure */
    wg_store_graph_info info;
    wg_check_report back;
    CU_ASSERT_EQUAL_FATAL(wg_store_get_graph(s, id, 4, &info, &back, &err), WG_OK);
    CU_ASSERT_STRING_EQUAL(info.classes ? info.classes : "", "tensor order-2");
    CU_ASSERT_EQUAL(back.results[0].order, 2);
    CU_ASSERT_EQUAL(back.results[0].hvp.computed, 1);
    WG_ASSERT_ULPS(back.results[0].hvp.rel_err, 8e-16, 0);
    wg_store_graph_info_free(&info);
    wg_check_report_free(&back);
    CU_ASSERT_EQUAL_FATAL(wg_store_get_graph(s, id, 2, &info, &back, &err), WG_OK);
    CU_ASSERT_PTR_NULL(info.classes);
    CU_ASSERT_EQUAL(back.results[0].order, 1);
    wg_store_graph_info_free(&info);
    wg_check_report_free(&back);
    wg_store_close(s);

    const char *paths[] = { path };
    wg_report_data *d = load(paths, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    /* first order: 3 graphs, one scalar, two tensor */
    CU_ASSERT_EQUAL(d->classes[0].graphs, 1);
    CU_ASSERT_EQUAL(d->classes[1].graphs, 2);
    CU_ASSERT_EQUAL(d->classes[2].graphs, 1);
    CU_ASSERT_EQUAL(d->classes[3].graphs, 0);
    CU_ASSERT_EQUAL(d->classes[4].graphs, 1);
    CU_ASSERT_EQUAL(d->classes[1].checks, 2);
    CU_ASSERT_EQUAL(d->classes[1].verdicts[WG_VERDICT_PASS], 2);
    const wg_rep_stat *t = &d->classes[1].fig[WG_REP_REL(WG_METHOD_REVERSE)];
    ASSERT_STAT(*t, 2, 0, 1e-16, 3e-16, 3e-16);
    /* the second-order checks are apart: not in the first-order figures */
    CU_ASSERT_EQUAL(d->judged, 3);
    ASSERT_STAT(d->all[WG_REP_REL(WG_METHOD_REVERSE)], 3, 0, 3e-16, 5e-16, 5e-16);
    CU_ASSERT_EQUAL(d->o2_graphs, 2);
    CU_ASSERT_EQUAL(d->o2_checks, 2);
    CU_ASSERT_EQUAL(d->o2_judged, 2);
    ASSERT_STAT(d->o2_all[WG_REP_REL(WG_METHOD_REVERSE)], 2, 0, 2e-16, 4e-16, 4e-16);
    ASSERT_STAT(d->o2_all[WG_REP_HVP_REL], 2, 0, 4e-16, 8e-16, 8e-16);
    ASSERT_STAT(d->o2_all[WG_REP_HESS_REL], 1, 0, 6e-16, 6e-16, 6e-16);
    CU_ASSERT_EQUAL(d->ops[WG_OP_SIN].o2_checks, 2);
    CU_ASSERT_EQUAL(d->ops[WG_OP_SIN].checks, 3);
    ASSERT_STAT(d->ops[WG_OP_SIN].o2_fig[WG_REP_HVP_REL], 2, 0, 4e-16, 8e-16, 8e-16);
    /* and the report says so */
    wg_plots plots;
    wg_plots_init(&plots, 1);
    wg_step_study st[WG_STEP_STUDIES];
    memset(st, 0, sizeof st);
    wg_report_meta meta = { "wengert-report x", "today" };
    wg_doc *doc = wg_report_document(d, &plots, st, 0, &meta);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    char *md = render(1, doc, &plots, d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| tensor, broadcasting | 1 | 1 | 1 | 0 |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "wg\\_hvp rel median"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "wg\\_hessian rel max"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| `sin` | 2 | 2 | 0 |"));
    free(md);
    wg_doc_free(doc);
    wg_plots_free(&plots);
    wg_report_data_free(d);
    remove(path);
}

/* ---------------------------------------------------------------- figures */

static void counts_and_verdicts(void)
{
    const char *path = tmp_path("a.sqlite");
    make_store(path, 7, 1);
    wg_report_data *d = load(&path, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->nstores, 1);
    CU_ASSERT_EQUAL(d->stores[0].version, WG_STORE_SCHEMA_VERSION);
    CU_ASSERT_EQUAL(d->ncampaigns, 1);
    CU_ASSERT_EQUAL(d->graphs, NGRAPHS);
    CU_ASSERT_EQUAL(d->graphs_unchecked, 1);
    CU_ASSERT_EQUAL(d->checks, 10);
    CU_ASSERT_EQUAL(d->check_verdicts[WG_VERDICT_PASS], 7);
    CU_ASSERT_EQUAL(d->check_verdicts[WG_VERDICT_FAIL], 1);
    CU_ASSERT_EQUAL(d->check_verdicts[WG_VERDICT_NONDIFF], 1);
    CU_ASSERT_EQUAL(d->check_verdicts[WG_VERDICT_INVALID], 1);
    CU_ASSERT_EQUAL(d->check_verdicts[WG_VERDICT_UNSTABLE], 0);
    /* graphs by worst verdict: pass (0, 5), nondiff (1), fail (2), invalid (4) */
    CU_ASSERT_EQUAL(d->graph_verdicts[WG_VERDICT_PASS], 2);
    CU_ASSERT_EQUAL(d->graph_verdicts[WG_VERDICT_NONDIFF], 1);
    CU_ASSERT_EQUAL(d->graph_verdicts[WG_VERDICT_FAIL], 1);
    CU_ASSERT_EQUAL(d->graph_verdicts[WG_VERDICT_INVALID], 1);
    /* judged: pass or fail with a converged reference: 2 + 2 + 2 + 1 */
    CU_ASSERT_EQUAL(d->judged, 7);
    CU_ASSERT_EQUAL(d->judged_zero, 1);                    /* graph 0's first check */
    CU_ASSERT_EQUAL(d->ops[WG_OP_SIN].judged_zero, 1);
    CU_ASSERT_EQUAL(d->ops[WG_OP_EXP].judged_zero, 0);
    CU_ASSERT_EQUAL(d->campaigns[0].graphs, NGRAPHS);
    CU_ASSERT_EQUAL(d->campaigns[0].checks, 10);
    CU_ASSERT_STRING_EQUAL(d->campaigns[0].compiler, "cc <test>");
    CU_ASSERT_PTR_NULL(d->campaigns[0].cpu);
    CU_ASSERT_EQUAL(d->campaigns[0].seed, 7);

    /* per op: graphs, nodes, checks, verdicts */
    const wg_rep_op *sin_ = &d->ops[WG_OP_SIN], *exp_ = &d->ops[WG_OP_EXP];
    CU_ASSERT_STRING_EQUAL(sin_->name, "sin");
    CU_ASSERT_EQUAL(sin_->graphs, 3);
    CU_ASSERT_EQUAL(sin_->nodes, 6);
    CU_ASSERT_EQUAL(sin_->checks, 6);
    CU_ASSERT_EQUAL(sin_->judged, 4);
    CU_ASSERT_EQUAL(sin_->verdicts[WG_VERDICT_PASS], 4);
    CU_ASSERT_EQUAL(sin_->verdicts[WG_VERDICT_NONDIFF], 1);
    CU_ASSERT_EQUAL(sin_->verdicts[WG_VERDICT_INVALID], 1);
    CU_ASSERT_EQUAL(d->ops[WG_OP_INPUT].graphs, NGRAPHS);
    CU_ASSERT_EQUAL(d->ops[WG_OP_INPUT].checks, 10);
    CU_ASSERT_EQUAL(d->ops[WG_OP_LOG].graphs, 1);
    CU_ASSERT_EQUAL(d->ops[WG_OP_LOG].checks, 0);
    CU_ASSERT_EQUAL(exp_->verdicts[WG_VERDICT_FAIL], 1);
    /* coverage: tan is in no graph */
    CU_ASSERT_EQUAL(d->ops[WG_OP_TAN].graphs, 0);
    CU_ASSERT_EQUAL(d->ops[WG_OP_TAN].fig[0].n, 0);
    CU_ASSERT(isnan(d->ops[WG_OP_TAN].fig[0].median));
    wg_report_data_free(d);
}

static void percentiles(void)
{
    const char *path = tmp_path("b.sqlite");
    make_store(path, 8, 0);
    wg_report_data *d = load(&path, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    /* all judged reverse errors, sorted: 0, 1e-16, 2e-16, 3e-16, 4e-16, 5e-16, 0.5:
     * median rank ceil(7/2) = 4, p99 rank ceil(6.93) = 7 */
    ASSERT_STAT(d->all[WG_REP_REL(WG_METHOD_REVERSE)], 7, 1, 3e-16, 0.5, 0.5);
    ASSERT_STAT(d->all[WG_REP_REL(WG_METHOD_FORWARD)], 7, 1, 3e-16, 0.5, 0.5);
    ASSERT_STAT(d->all[WG_REP_ULPS(WG_METHOD_REVERSE)], 7, 1, ldexp(3e-16, 52), ldexp(0.5, 52),
                ldexp(0.5, 52));
    ASSERT_STAT(d->all[WG_REP_REL(WG_METHOD_CENTRAL)], 7, 1, 3e-16 * 1e6, 0.5 * 1e6, 0.5 * 1e6);
    ASSERT_STAT(d->all[WG_REP_REL(WG_METHOD_GSL)], 7, 1, 3e-16 * 1e4, 0.5 * 1e4, 0.5 * 1e4);
    /* sin: graphs 0, 1 (4 judged): 0, 1e-16, 2e-16, 3e-16 -> ranks 2, 4, 4 */
    ASSERT_STAT(d->ops[WG_OP_SIN].fig[WG_REP_REL(WG_METHOD_REVERSE)], 4, 1, 1e-16, 3e-16, 3e-16);
    ASSERT_STAT(d->ops[WG_OP_MUL].fig[WG_REP_REL(WG_METHOD_REVERSE)], 2, 0, 2e-16, 3e-16, 3e-16);
    /* exp: 4e-16, 0.5 -> ranks 1, 2, 2 */
    ASSERT_STAT(d->ops[WG_OP_EXP].fig[WG_REP_REL(WG_METHOD_REVERSE)], 2, 0, 4e-16, 0.5, 0.5);
    /* cos: the unconverged check is not judged */
    ASSERT_STAT(d->ops[WG_OP_COS].fig[WG_REP_REL(WG_METHOD_REVERSE)], 1, 0, 5e-16, 5e-16, 5e-16);
    /* input: in every graph, so every judged check */
    ASSERT_STAT(d->ops[WG_OP_INPUT].fig[WG_REP_REL(WG_METHOD_REVERSE)], 7, 1, 3e-16, 0.5, 0.5);

    /* err / bound, computed as the checks were made: |err| / bound with the
     * bound 10 |err|, 2e-15 for an exact result, 1e-15 for the fail */
    double rels[7] = { 0, 1e-16, 3e-16, 2e-16, 0.5, 4e-16, 5e-16 }, q[7];
    for (int i = 0; i < 7; i++) {
        double bound = rels[i] == 0.5 ? 1e-15 : rels[i] > 0 ? 10 * rels[i] * 2.0 : 1e-15 * 2.0;
        q[i] = rels[i] * 2.0 / (bound + 0);
    }
    qsort(q, 7, sizeof q[0], cmp_double);
    ASSERT_STAT(d->all[WG_REP_RATIO], 7, 1, q[3], q[6], q[6]);
    CU_ASSERT_EQUAL(d->violations[0], 1);
    CU_ASSERT_EQUAL(d->violations[1], 1);
    CU_ASSERT_EQUAL(d->ops[WG_OP_EXP].violations[0], 1);
    CU_ASSERT_EQUAL(d->ops[WG_OP_SIN].violations[0], 0);
    CU_ASSERT_EQUAL(d->ratio_hist[0].n, 7);
    CU_ASSERT_EQUAL(d->ratio_hist[0].zeros, 1);

    /* blame: the fail counts for exp alone */
    CU_ASSERT_EQUAL(d->fails_total, 1);
    CU_ASSERT_EQUAL(d->ops[WG_OP_EXP].blamed, 1);
    CU_ASSERT_EQUAL(d->ops[WG_OP_EXP].blamed_graphs, 1);
    CU_ASSERT_EQUAL(d->ops[WG_OP_INPUT].blamed, 0);
    ASSERT_STAT(d->ops[WG_OP_EXP].blamed_fig[WG_REP_REL(WG_METHOD_REVERSE)], 1, 0, 0.5, 0.5,
                0.5);
    CU_ASSERT_EQUAL(d->unblamed.blamed, 0);

    /* graph sizes: every graph of one op has 3 nodes, of two ops 5 */
    int b3 = wg_report_size_bin(3), b5 = wg_report_size_bin(5);
    ASSERT_STAT(d->sizes[b5].fig[WG_REP_REL(WG_METHOD_REVERSE)], 2, 0, 2e-16, 3e-16, 3e-16);
    ASSERT_STAT(d->sizes[b3].fig[WG_REP_REL(WG_METHOD_REVERSE)], 5, 1, 4e-16, 0.5, 0.5);

    /* histograms: exact zeros apart; 4e-16 and 5e-16 in the bin of log10
     * in [-15.5, -15) */
    const wg_rep_hist *h = &d->rel_hist[WG_METHOD_REVERSE];
    CU_ASSERT_EQUAL(h->n, 7);
    CU_ASSERT_EQUAL(h->zeros, 1);
    int k15 = (int)((-15.5 - WG_REP_HIST_MIN) / WG_REP_HIST_STEP);
    CU_ASSERT_EQUAL(h->count[k15], 2);
    uint64_t total = 0;
    for (int k = 0; k < WG_REP_HIST_BINS; k++)
        total += h->count[k];
    CU_ASSERT_EQUAL(total, 6);

    /* the failing check, listed with the command of its reproducer */
    CU_ASSERT_EQUAL_FATAL(d->nfails, 1);
    const wg_rep_fail *f = &d->fails[0];
    CU_ASSERT_EQUAL(f->graph_index, 2);
    CU_ASSERT_EQUAL(f->direction, 0);
    CU_ASSERT_STRING_EQUAL(f->blame_op, "exp");
    CU_ASSERT_EQUAL(f->blame_node, 1);
    CU_ASSERT_STRING_EQUAL(f->fail_mode, "reverse");
    WG_ASSERT_ULPS(f->rel_err[0], 0.5, 0);
    CU_ASSERT_EQUAL(f->repro_nodes, 2);
    CU_ASSERT_STRING_EQUAL(f->command,
                           "wengert-verify --check 'repro/fail 2.wg' --seed 1002 --directions 2");
    wg_report_data_free(d);
}

/* ---------------------------------------------------------------- accuracy, no blame */

/* A store of version 4: a suite-like campaign where one case passes
 * ill-conditioned at two of its checks, one passes well, and one fails
 * blaming no node ('none').  The labels table flags the first case, the
 * ill-conditioned list holds it alone, and the fail counts as unblamed,
 * never as an op named "none". */
static void ill_conditioned_and_no_blame(void)
{
    const char *path = tmp_path("acc.sqlite");
    wg_store *s = NULL;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    wg_store_campaign c = { "wengert-verify --suite builtin --store S", 3, 0, 1, "suite" };
    int64_t id;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &c, &id, NULL, &err), WG_OK);
    const char *labels[] = { "cancel @ x=1e6", "fine @ x=1", "broken @ x=2" };
    for (size_t g = 0; g < 3; g++) {
        wg_check_result res[3];
        wg_check_report r;
        memset(&r, 0, sizeof r);
        chk k = { WG_VERDICT_PASS, g == 0 ? 8.9e-5 : 1e-16, 1 };
        for (int j = 0; j < 3; j++) {
            fill(&res[j], &k);
            res[j].digits[WG_METHOD_REVERSE] = res[j].digits[WG_METHOD_FORWARD]
                = -log10(k.rel) + (j == 1 ? 0.5 : 0);
            res[j].digits[WG_METHOD_CENTRAL] = res[j].digits[WG_METHOD_GSL] = NAN;
            res[j].condition = g == 0 ? 0.05 * (j + 1) : 1e-15;
            res[j].ill_conditioned = g == 0 && j < 2;
        }
        r.results = res;
        r.nresults = 3;
        if (g == 2) {       /* a fail that blames no node */
            res[1].verdict = WG_VERDICT_FAIL;
            snprintf(res[1].fail_mode, sizeof res[1].fail_mode, "user");
            res[1].blame_op = WG_OP_NONE;
            r.verdict = WG_VERDICT_FAIL;
            r.worst = 1;
        }
        char text[64];
        snprintf(text, sizeof text, "# case %zu\n", g);
        wg_store_graph rec;
        memset(&rec, 0, sizeof rec);
        rec.index = g;
        rec.seed = 7;
        rec.text = text;
        rec.label = labels[g];
        rec.ninputs = rec.noutputs = 1;
        rec.op_count[WG_OP_INPUT] = 1;
        rec.op_count[WG_OP_SQRT] = 1;
        rec.nnodes = 2;
        rec.report = &r;
        CU_ASSERT_EQUAL(wg_store_put_graph(s, id, &rec, &err), WG_OK);
    }
    /* the store names the fail's op */
    sqlite3_stmt *st;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(wg_store_db(s), "SELECT count(*) FROM check_result"
                          " WHERE verdict = 'fail' AND blame_op = 'none'", -1, &st, NULL),
                          SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    wg_store_close(s);

    wg_report_data *d = load(&path, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT(d->any_accuracy);
    CU_ASSERT_EQUAL(d->illc_graphs, 1);
    CU_ASSERT_EQUAL(d->illc_checks, 2);
    CU_ASSERT_EQUAL_FATAL(d->nillc, 1);
    CU_ASSERT_STRING_EQUAL(d->illc[0].label, "cancel @ x=1e6");
    CU_ASSERT_EQUAL(d->illc[0].checks, 2);
    WG_ASSERT_ULPS(d->illc[0].ad_digits, -log10(8.9e-5), 0);
    WG_ASSERT_ULPS(d->illc[0].condition, 0.1, 0);
    CU_ASSERT_EQUAL_FATAL(d->nlabels, 3);
    CU_ASSERT(d->labels[0].ill_conditioned);
    CU_ASSERT(!d->labels[1].ill_conditioned && !d->labels[2].ill_conditioned);
    /* the fail: no op blamed, and no op named "none" */
    CU_ASSERT_EQUAL(d->fails_total, 1);
    CU_ASSERT_EQUAL(d->unblamed.blamed, 1);
    CU_ASSERT_EQUAL(d->nops, WG_OP_COUNT);
    CU_ASSERT_EQUAL_FATAL(d->nfails, 1);
    CU_ASSERT_PTR_NULL(d->fails[0].blame_op);

    /* in the Markdown: the case's verdict flagged, and the section */
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    wg_plots plots;
    wg_plots_init(&plots, 1);
    wg_step_study sts[WG_STEP_STUDIES];
    memset(sts, 0, sizeof sts);
    wg_report_meta meta = { "wengert-report acc", "today" };
    wg_doc *doc = wg_report_document(d, &plots, sts, 0, &meta);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(wg_write_md(doc, f), WG_OK);
    fclose(f);
    wg_doc_free(doc);
    wg_plots_free(&plots);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| `cancel @ x=1e6` | 1 | pass (ill-conditioned: 4 correct "
                                      "digits) |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| `fine @ x=1` | 1 | pass |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "## Ill-conditioned results"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "2 checks in 1 graphs"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| 1 | 0 | `cancel @ x=1e6` | 2 | 4.1 | 0.1 |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "no op blamed"));
    free(md);
    wg_report_data_free(d);
    remove(path);
}

/* ---------------------------------------------------------------- layouts */

static void version1_and_duplicates(void)
{
    const char *v2 = tmp_path("c.sqlite"), *v1 = tmp_path("c1.sqlite");
    make_store(v2, 9, 1);
    make_store(v1, 9, 1);
    /* the layout of version 1: no label, no campaign_info, one version row */
    CU_ASSERT_EQUAL(exec_sql(v1, "ALTER TABLE graph DROP COLUMN label;"
                                 "DROP TABLE campaign_info;"
                                 "DELETE FROM schema_version;"
                                 "INSERT INTO schema_version (version, created) VALUES (1, 'then')"),
                    0);
    wg_report_data *d1 = load(&v1, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d1);
    CU_ASSERT_EQUAL(d1->stores[0].version, 1);
    CU_ASSERT_EQUAL(d1->stores[0].has_label, 0);
    CU_ASSERT_EQUAL(d1->stores[0].has_info, 0);
    CU_ASSERT_PTR_NULL(d1->campaigns[0].compiler);
    CU_ASSERT_EQUAL(d1->labels_total, 0);
    ASSERT_STAT(d1->all[WG_REP_REL(WG_METHOD_REVERSE)], 7, 1, 3e-16, 0.5, 0.5);

    /* the version-2 store names its labelled graph, escaped nowhere yet */
    wg_report_data *d2 = load(&v2, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d2);
    CU_ASSERT_EQUAL(d2->labels_total, 1);
    CU_ASSERT_EQUAL_FATAL(d2->nlabels, 1);
    CU_ASSERT_STRING_EQUAL(d2->labels[0].label, "case <a> & \"b\"");
    CU_ASSERT_STRING_EQUAL(d2->labels[0].verdict, "nondiff");
    CU_ASSERT_EQUAL(d2->labels[0].checks, 3);
    WG_ASSERT_ULPS(d2->labels[0].max_rel[0], 7e-16, 0);

    /* the same campaign in two stores counts once: the first store keeps its graphs */
    const char *both[2] = { v2, v1 };
    wg_report_data *d = load(both, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->ncampaigns, 1);
    CU_ASSERT_EQUAL(d->campaigns[0].nstores, 2);
    CU_ASSERT_EQUAL(d->graphs, NGRAPHS);
    CU_ASSERT_EQUAL(d->graphs_duplicate, NGRAPHS);
    CU_ASSERT_EQUAL(d->stores[1].graphs_duplicate, NGRAPHS);
    CU_ASSERT_EQUAL(d->checks, 10);
    CU_ASSERT_EQUAL(d->fails_total, 1);
    ASSERT_STAT(d->all[WG_REP_REL(WG_METHOD_REVERSE)], 7, 1, 3e-16, 0.5, 0.5);
    CU_ASSERT_STRING_EQUAL(d->campaigns[0].compiler, "cc <test>");

    /* another seed is another campaign: the figures add up */
    const char *other = tmp_path("d.sqlite");
    make_store(other, 10, 0);
    const char *two[2] = { v2, other };
    wg_report_data *dd = load(two, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dd);
    CU_ASSERT_EQUAL(dd->ncampaigns, 2);
    CU_ASSERT_EQUAL(dd->checks, 20);
    CU_ASSERT_EQUAL(dd->ops[WG_OP_SIN].graphs, 6);
    /* 14 values: each twice; median rank 7 = 3e-16, p99 rank 14 */
    ASSERT_STAT(dd->all[WG_REP_REL(WG_METHOD_REVERSE)], 14, 2, 3e-16, 0.5, 0.5);
    wg_report_data_free(dd);
    wg_report_data_free(d);
    wg_report_data_free(d2);
    wg_report_data_free(d1);
}

static void unknown_ops_and_bad_stores(void)
{
    const char *path = tmp_path("e.sqlite");
    make_store(path, 11, 0);
    /* an op this build does not know, in graph 0 */
    CU_ASSERT_EQUAL(exec_sql(path, "INSERT INTO graph_op (graph, op, count) SELECT id, "
                                   "'frobnicate', 3 FROM graph WHERE idx = 0"), 0);
    wg_report_data *d = load(&path, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL_FATAL(d->nops, WG_OP_COUNT + 1);
    const wg_rep_op *fr = &d->ops[WG_OP_COUNT];
    CU_ASSERT_STRING_EQUAL(fr->name, "frobnicate");
    CU_ASSERT_EQUAL(fr->known, 0);
    CU_ASSERT_EQUAL(fr->graphs, 1);
    CU_ASSERT_EQUAL(fr->nodes, 3);
    CU_ASSERT_EQUAL(fr->checks, 2);
    ASSERT_STAT(fr->fig[WG_REP_REL(WG_METHOD_REVERSE)], 2, 1, 0, 1e-16, 1e-16);
    wg_report_data_free(d);

    char why[512];
    wg_report_data *bad = NULL;
    const char *missing = tmp_path("missing.sqlite");
    CU_ASSERT_NOT_EQUAL(wg_report_load(&missing, 1, NULL, &bad, why, sizeof why), WG_OK);
    CU_ASSERT_PTR_NULL(bad);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "missing.sqlite"));
    const char *text = tmp_path("text.sqlite");
    FILE *f = fopen(text, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("not a database\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(wg_report_load(&text, 1, NULL, &bad, why, sizeof why), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "text.sqlite: not an SQLite database"));
    const char *other = tmp_path("other.sqlite");
    CU_ASSERT_EQUAL(exec_sql(other, "CREATE TABLE t (x)"), 0);
    CU_ASSERT_EQUAL(wg_report_load(&other, 1, NULL, &bad, why, sizeof why), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "other.sqlite: an SQLite database, but not a result "
                                       "store"));
    const char *lacking = tmp_path("lacking.sqlite");
    make_store(lacking, 12, 0);
    CU_ASSERT_EQUAL(exec_sql(lacking, "ALTER TABLE check_result DROP COLUMN gsl_ulps"), 0);
    CU_ASSERT_EQUAL(wg_report_load(&lacking, 1, NULL, &bad, why, sizeof why), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "table check_result lacks column gsl_ulps"));
    /* a later schema version: refused, as wengert-fuzz refuses it */
    CU_ASSERT_EQUAL(WG_REP_SCHEMA_MAX, WG_STORE_SCHEMA_VERSION);
    const char *v99 = tmp_path("v99.sqlite");
    make_store(v99, 12, 0);
    CU_ASSERT_EQUAL(exec_sql(v99, "UPDATE schema_version SET version = 99"), 0);
    CU_ASSERT_EQUAL(wg_report_load(&v99, 1, NULL, &bad, why, sizeof why), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "v99.sqlite: a result store of schema version 99; this "
                                       "program reads versions 1 to 4"));
    /* the store is read, never written: its bytes are unchanged */
    struct stat before, after;
    CU_ASSERT_EQUAL(stat(path, &before), 0);
    d = load(&path, 1);
    wg_report_data_free(d);
    CU_ASSERT_EQUAL(stat(path, &after), 0);
    CU_ASSERT_EQUAL(before.st_mtime, after.st_mtime);
    CU_ASSERT_EQUAL(before.st_size, after.st_size);
}

/* A failing suite case: its campaign's command (the suite's run) and its
 * name, since no shrunk reproducer exists. */
static void suite_case_command(void)
{
    const char *path = tmp_path("s.sqlite");
    make_store(path, 15, 1);
    CU_ASSERT_EQUAL(exec_sql(path, "UPDATE graph SET label = 'rosenbrock @ point 2' WHERE idx = 2;"
                                   "DELETE FROM reproducer"), 0);
    wg_report_data *d = load(&path, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL_FATAL(d->nfails, 1);
    CU_ASSERT_STRING_EQUAL(d->fails[0].label, "rosenbrock @ point 2");
    CU_ASSERT_EQUAL(d->fails[0].repro_nodes, -1);
    CU_ASSERT_STRING_EQUAL(d->fails[0].command, "wengert-fuzz --graphs 6 --out '<dir>'   # case "
                                                "'rosenbrock @ point 2'");
    CU_ASSERT_EQUAL(d->labels_total, 2);
    wg_report_data_free(d);
}

/* ---------------------------------------------------------------- pasting commands */

/* run cmd with bash -c in folder dir, PATH = dir/bin first; its stdout in
 * *out (malloc'd); the exit status, -1 when it could not run */
static int run_bash(const char *dir, const char *cmd, char **out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/bin:%s", dir, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        if (chdir(dir) != 0)
            _exit(126);
        setenv("PATH", path, 1);
        execl("/bin/bash", "bash", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0, cap = 256;
    char *buf = malloc(cap);
    ssize_t k;
    while (buf && (k = read(fd[0], buf + len, cap - len - 1)) > 0)
        if ((len += (size_t)k) + 1 >= cap)
            buf = realloc(buf, cap *= 2);
    close(fd[0]);
    if (buf)
        buf[len] = '\0';
    *out = buf;
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* One quoting function for every pasted word: what bash reads back is the
 * text, byte for byte, and the quoted word is one line. */
static void shell_quote_round_trip(void)
{
    static const char *const words[] = {
        "plain-word_1.wg", "", "a b", "it's", "$(touch pwned)", "`touch pwned`",
        "a\nb", "line\r\n", "tab\there", "\\", "'\\''", "!x", "~", "*", "a;b|c&d",
        "\"$HOME\"", "-rf", "=cmd", "\x01\x1b[31m\x7f", "caf\xc3\xa9 \xff\xfe", "${IFS}x"
    };
    const char *dir = tmp_path("quote");
    mkdir(dir, 0777);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char *q = wg_rep_shell_quote(words[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        CU_ASSERT_PTR_NULL(strpbrk(q, "\n\r"));
        char cmd[512], *out = NULL;
        snprintf(cmd, sizeof cmd, "printf '%%s' %s", q);
        CU_ASSERT_EQUAL(run_bash(dir, cmd, &out), 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(out);
        if (strcmp(out, words[i]) != 0)
            fprintf(stderr, "\n  word %zu: quoted as %s, read back as '%s'\n", i, q, out);
        CU_ASSERT_STRING_EQUAL(out, words[i]);
        free(out);
        free(q);
    }
    char *plain = wg_rep_shell_quote("repro/fail-3.wg");
    CU_ASSERT_STRING_EQUAL(plain, "repro/fail-3.wg");
    free(plain);
    char *c = wg_rep_safe_command("rm -rf /tmp/x");
    CU_ASSERT(strncmp(c, "# not a wengert command:", 24) == 0);
    free(c);
    c = wg_rep_safe_command("./fuzz/wengert-fuzz --out 'a b' x;y");
    CU_ASSERT_STRING_EQUAL(c, "./fuzz/wengert-fuzz --out 'a b' 'x;y'");
    free(c);
}

/* A crafted store: the campaign's command, its inject-bug option and a
 * label carry shell syntax and line breaks.  Every command the report
 * shows (the campaigns', the reproduce lines, fails.csv) is pasted into
 * bash with stand-ins for our programs on PATH: nothing else runs. */
static void crafted_store_commands_run_nothing(void)
{
    const char *path = tmp_path("crafted.sqlite");
    make_store(path, 17, 1);
    CU_ASSERT_EQUAL(exec_sql(path,
        "UPDATE campaign SET command = 'wengert-fuzz --out x; touch pwned1 $(touch pwned2) "
        "`touch pwned3`' || char(10) || 'touch pwned4', options = options || "
        "' inject-bug=$(touch${IFS}pwned5);`touch${IFS}pwned6`';"
        "UPDATE graph SET label = 'case' || char(10) || 'touch pwned7' WHERE idx = 1;"
        "INSERT INTO campaign (command, seed, shard_k, shard_n, options, started, "
        "wengert_version, mpfr_version, gsl_version, sqlite_version) SELECT 'touch pwned8', 18, "
        "shard_k, shard_n, options, started, wengert_version, mpfr_version, gsl_version, "
        "sqlite_version FROM campaign;"), 0);
    const char *dir = tmp_path("paste");
    char bin[1024];
    snprintf(bin, sizeof bin, "%s/bin", dir);
    mkdir(dir, 0777);
    mkdir(bin, 0777);
    const char *const progs[] = { "wengert-fuzz", "wengert-verify" };
    for (int k = 0; k < 2; k++) {
        char p[1100];
        snprintf(p, sizeof p, "%s/%s", bin, progs[k]);
        FILE *f = fopen(p, "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fputs("#!/bin/sh\nfor a; do printf '[%s]' \"$a\"; done\n", f);
        fclose(f);
        chmod(p, 0755);
    }
    size_t ncmd = 0;
    char *out = NULL;
    int saw_bug = 0, saw_label = 0;
    /* twice: the shrunk reproducer's command; then the case's (its label
     * after '# case', no reproducer stored) */
    for (int pass = 0; pass < 2; pass++) {
    if (pass == 1)
        CU_ASSERT_EQUAL(exec_sql(path, "DELETE FROM reproducer; UPDATE graph SET label = 'case' "
                                       "|| char(10) || 'touch pwned9' WHERE idx = 2"), 0);
    wg_report_data *d = load(&path, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    for (size_t i = 0; i < d->ncampaigns; i++, ncmd++) {
        CU_ASSERT_PTR_NULL(strpbrk(d->campaigns[i].command, "\n\r"));
        CU_ASSERT(run_bash(dir, d->campaigns[i].command, &out) == 0);
        free(out);
    }
    for (size_t i = 0; i < d->nfails; i++, ncmd++) {
        CU_ASSERT_PTR_NULL(strpbrk(d->fails[i].command, "\n\r"));
        CU_ASSERT(run_bash(dir, d->fails[i].command, &out) == 0);
        /* the bug's name arrives as one argument, as stored */
        if (out && strstr(out, "[--inject-bug][$(touch${IFS}pwned5);`touch${IFS}pwned6`]"))
            saw_bug = 1;
        if (strstr(d->fails[i].command, "# case $'case\\ntouch pwned9'"))
            saw_label = 1;
        free(out);
    }
    /* fails.csv: each cell's command is one that pastes safely too */
    char csvp[1100];
    snprintf(csvp, sizeof csvp, "%s/fails.csv", dir);
    FILE *f = fopen(csvp, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(wg_report_write_fails_csv(d, f), WG_OK);
    fclose(f);
    wg_report_data_free(d);
    }
    CU_ASSERT(saw_bug);
    CU_ASSERT(saw_label);
    CU_ASSERT(ncmd >= 6);
    for (int k = 1; k <= 9; k++) {
        char p[1100];
        snprintf(p, sizeof p, "%s/pwned%d", dir, k);
        if (access(p, F_OK) == 0)
            fprintf(stderr, "\n  pwned%d was created\n", k);
        CU_ASSERT_NOT_EQUAL(access(p, F_OK), 0);
    }
}

/* fails.csv and ops.csv: a text cell a spreadsheet would evaluate
 * (= + - @ first) is written as text, '... in quotes */
static void csv_formula_cells(void)
{
    const char *cells[][2] = {
        { "=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"" }, { "+1", "\"'+1\"" },
        { "-2+3", "\"'-2+3\"" }, { "@SUM(A1)", "\"'@SUM(A1)\"" }, { "\t=1", "\"'\t=1\"" },
        { "plain", "plain" }, { "a,b", "\"a,b\"" }, { "x=1", "x=1" },
    };
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        wg_rep_csv_field(f, cells[i][0]);
        fclose(f);
        CU_ASSERT_STRING_EQUAL(buf, cells[i][1]);
        free(buf);
    }
}

/* ---------------------------------------------------------------- the selection */

static uint64_t rng;

static uint64_t next_rand(void)   /* splitmix64 */
{
    uint64_t x = (rng += UINT64_C(0x9e3779b97f4a7c15));
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct item {
    double v;
    int g[3];
    int ng;
} item;

static int cmp_item(const void *a, const void *b)
{
    return cmp_double(&((const item *)a)->v, &((const item *)b)->v);
}

/* The two passes against sorting each group: values of many magnitudes
 * (so the buckets coarsen), ties, zeros, groups of 1 to thousands. */
static void selection_matches_sort(void)
{
    enum { N = 30000, G = 12 };
    for (int trial = 0; trial < 3; trial++) {
        rng = 42 + (uint64_t)trial;
        item *it = malloc(N * sizeof *it);
        CU_ASSERT_PTR_NOT_NULL_FATAL(it);
        for (int i = 0; i < N; i++) {
            uint64_t r = next_rand();
            double v;
            switch (r % 5) {
            case 0: v = 0; break;                                   /* exact */
            case 1: v = (double)(r >> 40 & 7) * 1e-16; break;       /* ties */
            case 2: v = ldexp(1.0 + (double)(r >> 12) * 0x1p-52, -(int)(r >> 3 & 1023));
                    break;                                          /* tiny ... */
            case 3: v = trial == 2 ? INFINITY : 1e300 * (double)(r >> 50); break;
            default: v = exp(-40 * (double)(r >> 11) * 0x1p-53); break;
            }
            it[i].v = v;
            it[i].ng = 0;
            it[i].g[it[i].ng++] = 0;                                /* all */
            it[i].g[it[i].ng++] = 1 + (int)((r >> 20) % 8);         /* big groups */
            if ((r >> 30) % 997 == 0)
                it[i].g[it[i].ng++] = 9 + (int)((r >> 40) % 3);     /* tiny groups */
        }
        wg_sel *s = wg_sel_new(1, G);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        for (int i = 0; i < N; i++)
            CU_ASSERT_EQUAL(wg_sel_count(s, 0, wg_sel_key(it[i].v), it[i].g, it[i].ng), WG_OK);
        CU_ASSERT_EQUAL(wg_sel_plan(s), WG_OK);
        /* pass 2: what SQL would hand back, in order */
        qsort(it, N, sizeof *it, cmp_item);
        size_t fed = 0;
        for (int i = 0; i < N; i++)
            if (wg_sel_wants(s, 0, wg_sel_key(it[i].v), it[i].g, it[i].ng)) {
                wg_sel_feed(s, 0, wg_sel_key(it[i].v), it[i].g, it[i].ng);
                fed++;
            }
        CU_ASSERT(fed < N / 2);     /* the point of the buckets: most rows are not needed */
        double *vals = malloc(N * sizeof *vals);
        for (int g = 0; g < G; g++) {
            size_t n = 0, zeros = 0;
            for (int i = 0; i < N; i++)
                for (int k = 0; k < it[i].ng; k++)
                    if (it[i].g[k] == g) {
                        vals[n++] = it[i].v;
                        zeros += it[i].v == 0;
                    }
            wg_rep_stat st;
            wg_sel_result(s, 0, g, &st);
            CU_ASSERT_EQUAL(st.n, n);
            CU_ASSERT_EQUAL(st.zeros, zeros);
            if (!n) {
                CU_ASSERT(isnan(st.median));
                continue;
            }
            /* vals is in increasing order already (it is sorted) */
            size_t rm = (n + 1) / 2, r99 = (size_t)ceil(0.99 * (double)n);
            if (r99 < 1)
                r99 = 1;
            WG_ASSERT_ULPS(st.median, vals[rm - 1], 0);
            WG_ASSERT_ULPS(st.p99, vals[r99 - 1], 0);
            WG_ASSERT_ULPS(st.max, vals[n - 1], 0);
        }
        free(vals);
        wg_sel_free(s);
        free(it);
    }
}

static void size_bins(void)
{
    for (uint64_t n = 0; n < 5000; n++) {
        int b = wg_report_size_bin(n);
        unsigned lo, hi;
        wg_report_size_range(b, &lo, &hi);
        CU_ASSERT(n >= lo && n <= hi);
        CU_ASSERT(b >= 0 && b < WG_REP_SIZE_BINS);
    }
    CU_ASSERT_EQUAL(wg_report_size_bin(31), 31);
    CU_ASSERT_EQUAL(wg_report_size_bin(32), 32);
    CU_ASSERT_EQUAL(wg_report_size_bin(39), 32);
    CU_ASSERT_EQUAL(wg_report_size_bin(40), 33);
    CU_ASSERT_EQUAL(wg_report_size_bin(UINT64_C(1) << 40), WG_REP_SIZE_BINS - 1);
}

/* ---------------------------------------------------------------- the documents */

static char *render(int md, const wg_doc *doc, const wg_plots *p, const wg_report_data *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    int st = md == 1 ? wg_write_md(doc, f) : md == 2 ? wg_write_ops_csv(d, f)
             : wg_write_html(doc, p, f);
    CU_ASSERT_EQUAL(st, WG_OK);
    fclose(f);
    return buf;
}

static void tables_in_markdown_html_csv(void)
{
    const char *path = tmp_path("f.sqlite");
    make_store(path, 13, 1);
    wg_report_data *d = load(&path, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    wg_plots plots;
    wg_plots_init(&plots, 1);
    wg_step_study st[WG_STEP_STUDIES];
    memset(st, 0, sizeof st);
    wg_report_meta meta = { "wengert-report <x> -o out", "today" };
    wg_doc *doc = wg_report_document(d, &plots, st, 0, &meta);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);

    char *md = render(1, doc, &plots, d);
    /* the reverse-mode table: sin's 4 values, 1 exact, 1e-16, 3e-16, 3e-16, then ulps */
    const char *rev = strstr(md, "### Reverse mode");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rev);
    CU_ASSERT_PTR_NOT_NULL(strstr(rev, "| op | values | exact 0 | rel median | rel p99 | rel max "
                                       "| ulps median | ulps p99 | ulps max |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(rev, "| `sin` | 4 | 1 | 1e-16 | 3e-16 | 3e-16 | 0.45 | 1.35 "
                                       "| 1.35 |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(rev, "| `exp` | 2 | 0 | 4e-16 | 0.5 | 0.5 |"));
    /* verdicts with counts and shares */
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| **fail** | **1** | 10.0% | **1** | 16.7% |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| pass | 7 | 70.0% | 2 | 33.3% |"));
    /* the failure, with its command in a code span */
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "`wengert-verify --check 'repro/fail 2.wg' --seed 1002 "
                                      "--directions 2`"));
    /* coverage: tan never exercised; a link that GitHub resolves */
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "`tan`"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "[Failures by blamed op](#failures-by-blamed-op)"));
    /* the label, literal inside code; schema-2 facts and the plots' absence */
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "`case <a> & \"b\"`"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "Plots omitted: plots were turned off"));
    free(md);

    char *html = render(0, doc, &plots, d);
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "<!DOCTYPE html>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "case &lt;a&gt; &amp; &quot;b&quot;"));
    CU_ASSERT_PTR_NULL(strstr(html, "case <a>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "cc &lt;test&gt;"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "wengert-report &lt;x&gt; -o out"));
    CU_ASSERT_PTR_NULL(strstr(html, "<script"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td class=\"num\">4</td><td class=\"num\">1</td>"
                                        "<td class=\"num\">1e-16</td>"));
    free(html);

    char *csv = render(2, doc, &plots, d);
    size_t lines = 0;
    for (const char *c = csv; *c; c++)
        lines += *c == '\n';
    CU_ASSERT_EQUAL(lines, 1 + d->nops);
    CU_ASSERT(strncmp(csv, "op,known,graphs,nodes,checks,pass,fail,nondiff,invalid,unstable,"
                           "other,judged,over_bound_reverse,over_bound_forward,fails_blamed,"
                           "fail_graphs_blamed,judged_zero_derivative,reverse_rel_n,", 184) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\nsin,1,3,6,6,4,0,1,1,0,0,4,0,0,0,0,1,4,1,"
                                       "9.9999999999999998e-17,2.9999999999999999e-16,"
                                       "2.9999999999999999e-16,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\ntan,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,,,,"));
    free(csv);

    wg_doc_free(doc);
    wg_plots_free(&plots);
    wg_report_data_free(d);
}

/* ---------------------------------------------------------------- compare */

static void compare_runs(void)
{
    const char *a = tmp_path("g.sqlite");
    make_store(a, 14, 0);
    /* the run after: exp's pass 4e-16 becomes 4e-12 (its p99 is the fail's
     * 0.5 either way), a second fail blames exp, and graph 1's errors (sin
     * and mul) shrink a thousandfold */
    const char *b = tmp_path("h.sqlite");
    make_store(b, 14, 0);
    CU_ASSERT_EQUAL(exec_sql(b, "UPDATE check_result SET reverse_rel_err = 4e-12 WHERE"
                                " reverse_rel_err = 4e-16;"
                                "UPDATE check_result SET verdict = 'fail', blame_op = 'exp'"
                                " WHERE reverse_rel_err = 5e-16;"
                                "UPDATE check_result SET reverse_rel_err = reverse_rel_err / 1000"
                                " WHERE reverse_rel_err IN (2e-16, 3e-16)"), 0);
    wg_report_data *before = load(&a, 1), *after = load(&b, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(before);
    CU_ASSERT_PTR_NOT_NULL_FATAL(after);
    wg_compare c;
    CU_ASSERT_EQUAL_FATAL(wg_compare_runs(before, after, a, b, 2, &c), WG_OK);
    const wg_cmp_op *exp_ = NULL, *cos_ = NULL, *sin_ = NULL, *mul_ = NULL, *in_ = NULL;
    for (size_t i = 0; i < c.nops; i++) {
        const char *n = c.ops[i].name;
        if (!strcmp(n, "exp"))
            exp_ = &c.ops[i];
        else if (!strcmp(n, "cos"))
            cos_ = &c.ops[i];
        else if (!strcmp(n, "sin"))
            sin_ = &c.ops[i];
        else if (!strcmp(n, "mul"))
            mul_ = &c.ops[i];
        else if (!strcmp(n, "input"))
            in_ = &c.ops[i];
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(exp_);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cos_);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sin_);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mul_);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in_);
    /* exp: p99 stays 0.5 (the fail), but more fails blame it */
    CU_ASSERT_EQUAL(exp_->method[WG_METHOD_REVERSE], WG_CMP_SAME);
    CU_ASSERT_EQUAL(exp_->fails, WG_CMP_WORSE);
    CU_ASSERT_EQUAL(exp_->status, WG_CMP_WORSE);
    /* cos: its judged check's 5e-16 became a fail blamed on exp: same p99, same blame */
    CU_ASSERT_EQUAL(cos_->status, WG_CMP_SAME);
    /* sin: 0, 1e-16, 3e-16, 2e-16 became 0, 1e-16, 3e-19, 2e-19: p99 3e-16 -> 1e-16 */
    CU_ASSERT_EQUAL(sin_->method[WG_METHOD_REVERSE], WG_CMP_BETTER);
    CU_ASSERT_EQUAL(sin_->method[WG_METHOD_FORWARD], WG_CMP_SAME);
    CU_ASSERT_EQUAL(sin_->status, WG_CMP_BETTER);
    CU_ASSERT_EQUAL(mul_->status, WG_CMP_BETTER);
    CU_ASSERT_EQUAL(in_->status, WG_CMP_SAME);       /* its p99 is the fail's 0.5 */
    CU_ASSERT_EQUAL(c.count[WG_CMP_WORSE], 1);
    CU_ASSERT_EQUAL(c.count[WG_CMP_BETTER], 2);
    wg_doc *doc = wg_compare_document(&c, "wengert-report --compare a b -o x", "today");
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    char *md = render(1, doc, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| `exp` | **worse** |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| `sin` | better |"));
    free(md);
    wg_doc_free(doc);
    wg_compare_free(&c);
    wg_report_data_free(before);
    wg_report_data_free(after);
}

int main(void)
{
    if (make_scratch("wg-report") != 0) {
        perror("test_report: mkdtemp");
        return 99;
    }
    static const wg_test_case cases[] = {
        { "counts, verdicts, coverage and campaign info", counts_and_verdicts },
        { "nearest-rank percentiles, bounds, blame, sizes, the fail", percentiles },
        { "schema version 1; a campaign in two stores counts once", version1_and_duplicates },
        { "ops the build does not know; stores that are not stores", unknown_ops_and_bad_stores },
        { "a failing suite case names its suite's command", suite_case_command },
        { "shell quoting: bash reads every word back", shell_quote_round_trip },
        { "a crafted store: pasted commands run nothing else", crafted_store_commands_run_nothing },
        { "CSV: formula cells written as text", csv_formula_cells },
        { "two-pass selection equals sorting", selection_matches_sort },
        { "graph size bins", size_bins },
        { "tensor graphs by class; second order apart, with wg_hvp", classes_and_second_order },
        { "tables in Markdown, HTML and ops.csv", tables_in_markdown_html_csv },
        { "compare: worse, better, same", compare_runs },
        { "ill-conditioned checks flagged and listed; a fail of no node unblamed",
          ill_conditioned_and_no_blame },
        { NULL, NULL }
    };
    int rc = wg_test_main("report", cases);
    remove_tree(scratch);
    return rc;
}
