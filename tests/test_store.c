/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_store.c -- the fuzz result store (verify/store.h): schema creation and
 * reopening; a graph and its checks read back bit for bit; resume after a
 * process killed at seeded moments (the store stays whole: every graph has
 * all of its checks, none is partial, none is lost or duplicated); shard
 * merging (union, idempotent, conflicts counted); clear errors for bad
 * paths, unwritable places and files that are not stores. */
#define _POSIX_C_SOURCE 200809L

#include "store.h"
#include "test_scratch.h"
#include "test_util.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- scratch files */

/* remove a store and the -wal and -shm files beside it */
static void remove_store(const char *path)
{
    char aux[800];
    unlink(path);
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

/* ---------------------------------------------------------------- synthetic graphs
 *
 * Graph i of a test campaign is a function of i alone (and of a variant,
 * for merge conflicts), so a reader can say whether what it finds is
 * exactly what was written. */

static uint64_t mix(uint64_t x)   /* splitmix64 */
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* Any double but NaN, from raw bits (so subnormals, infinities, -0.0 and
 * the full mantissa all occur), and the awkward ones often. */
static double synth_double(uint64_t h)
{
    static const double special[] = { -0.0, 0.0, 5e-324, -DBL_MIN, DBL_MAX, 0.1, 1.0 / 3,
                                      -1e-300, 1e300 };
    if (h % 4 == 0)
        return (h >> 8) % 10 == 9 ? INFINITY : special[(h >> 8) % 10 % 9];
    double d;
    uint64_t bits = mix(h);
    memcpy(&d, &bits, sizeof d);
    return isnan(d) ? -0.0 : d;
}

typedef struct synth {
    wg_store_graph rec;
    wg_check_report report;
    wg_check_result results[4];
    char text[128];
    char path[64];
    char label[64];
    char repro_text[64];
} synth;

static void make_synth(synth *g, uint64_t i, unsigned variant)
{
    memset(g, 0, sizeof *g);
    uint64_t h = mix(i * 31 + variant);
    size_t ndir = 1 + (size_t)(i % 4);
    for (size_t d = 0; d < ndir; d++) {
        wg_check_result *c = &g->results[d];
        uint64_t k = mix(h + d * 1000);
        c->verdict = (wg_verdict)((i + d) % WG_VERDICT_COUNT);
        if (c->verdict == WG_VERDICT_FAIL)
            snprintf(c->fail_mode, sizeof c->fail_mode, "%s", d % 2 ? "dot-product" : "reverse");
        c->reference = synth_double(k + 1);
        c->reference_err = synth_double(k + 2);
        c->reference_converged = (int)(k % 2);
        c->left = synth_double(k + 3);
        c->right = synth_double(k + 4);
        for (int m = 0; m < WG_METHOD_COUNT; m++) {
            wg_figure *f = &c->fig[m];
            uint64_t km = k + 100 * (uint64_t)(m + 1);
            f->value = synth_double(km + 1);
            f->abs_err = synth_double(km + 2);
            f->rel_err = synth_double(km + 3);
            f->ulps = synth_double(km + 4);
            f->err_est = synth_double(km + 5);
            f->computed = (int)((km >> 3) % 2);
        }
        /* NaN where a verifier leaves one: the figures of an invalid point */
        if (c->verdict == WG_VERDICT_INVALID)
            c->fig[WG_METHOD_GSL].value = NAN;
        c->bound = synth_double(k + 5);
        c->dot_gap = synth_double(k + 6);
        c->blame_node = (long)(k % 9) - 1;
        c->blame_op = (wg_op)((k >> 5) % (WG_OP_COUNT + 1));   /* WG_OP_NONE: none */
        if (c->blame_node < 0 && c->verdict == WG_VERDICT_FAIL)  /* no node, as a check does */
            c->blame_op = WG_OP_NONE;
        c->invalid_node = (long)((k >> 9) % 5) - 1;
        /* version 4: accuracy and the blamed node's text (variant 0: none,
         * as rows from before version 4 read back) */
        for (int m = 0; m < WG_METHOD_COUNT; m++)
            c->digits[m] = NAN;
        c->condition = NAN;
        if (variant != 0) {
            c->digits[WG_METHOD_REVERSE] = (double)(k % 18) - 0.25;
            c->digits[WG_METHOD_FORWARD] = (k >> 11) % 4 ? (double)((k >> 13) % 17) : NAN;
            c->condition = synth_double(k + 7);
            c->ill_conditioned = c->verdict == WG_VERDICT_PASS && (k >> 15) % 2;
            if (c->blame_node >= 0)
                snprintf(c->blame_text, sizeof c->blame_text, "v%ld = sin(x) -- 'q'",
                         c->blame_node);
            c->reference_weak = (k >> 7) % 3 == 0;
        }
        /* order 2 on some rows: wg_hvp's figure, and wg_hessian's with its
         * method (version 4) on some of those */
        c->order = 1;
        c->hvp.value = c->hvp.abs_err = c->hvp.rel_err = c->hvp.ulps = c->hvp.err_est = NAN;
        c->hessian = c->hvp;
        if (variant != 0 && k % 3 == 0) {
            c->order = 2;
            c->hvp.value = synth_double(k + 31);
            c->hvp.abs_err = synth_double(k + 32);
            c->hvp.rel_err = synth_double(k + 33);
            c->hvp.ulps = synth_double(k + 34);
            c->hvp.err_est = synth_double(k + 35);
            c->hvp.computed = 1;
            if (k % 2 == 0) {
                c->hessian.value = synth_double(k + 41);
                c->hessian.abs_err = synth_double(k + 42);
                c->hessian.rel_err = synth_double(k + 43);
                c->hessian.ulps = synth_double(k + 44);
                c->hessian.err_est = synth_double(k + 45);
                c->hessian.computed = (int)((k >> 4) % 2);
                snprintf(c->hessian_method, sizeof c->hessian_method, "%s",
                         (k >> 5) % 2 ? "edge pushing" : "N HVPs");
            }
        }
        if (d != 1)
            snprintf(c->message, sizeof c->message, "graph %" PRIu64 " direction %zu: %s", i,
                     d, d == 2 ? "a 'quoted' message; DROP TABLE graph; --" : "why");
    }
    g->report.results = g->results;
    g->report.nresults = ndir;
    g->report.worst = ndir - 1;
    g->report.verdict = g->results[ndir - 1].verdict;
    g->report.seconds = synth_double(h + 7);
    if (i % 17 == 16) {   /* a check that did not run */
        g->report.nresults = 0;
        snprintf(g->report.error, sizeof g->report.error, "graph %" PRIu64 ": no check", i);
    }
    snprintf(g->text, sizeof g->text, "# graph %" PRIu64 " v%u\ninput x = %" PRIu64 "\noutput x\n",
             i, variant, i);
    g->rec.index = i;
    g->rec.seed = h;
    g->rec.text = g->text;
    /* variant 2: the graphs of a suite, most of them named */
    if (variant == 2 && i % 3 != 2) {
        snprintf(g->label, sizeof g->label, i % 3 ? "case %" PRIu64 " @ point 2" : "case %" PRIu64
                 " -- it's 'quoted'", i);
        g->rec.label = g->label;
    }
    g->rec.keep_text = (int)(i % 2);
    if (i % 3 == 0) {
        snprintf(g->path, sizeof g->path, "graphs/%06" PRIu64 ".wg", i);
        g->rec.path = g->path;
    }
    g->rec.ninputs = 1 + i % 3;
    g->rec.noutputs = 1 + i % 2;
    g->rec.op_count[WG_OP_INPUT] = (unsigned)g->rec.ninputs;
    g->rec.op_count[WG_OP_SIN] = (unsigned)(i % 3);
    g->rec.op_count[WG_OP_POWI] = (unsigned)(i % 5);
    g->rec.op_count[WG_OP_COUNT - 1] = 1;
    g->rec.nnodes = 0;
    for (int op = 0; op < WG_OP_COUNT; op++)
        g->rec.nnodes += g->rec.op_count[op];
    g->rec.report = &g->report;
    if (i % 5 == 0) {
        snprintf(g->repro_text, sizeof g->repro_text, "input x = 1\noutput x\n");
        g->rec.repro_text = g->repro_text;
        g->rec.repro_path = i % 10 == 0 ? "repro/min.wg" : NULL;
        g->rec.repro_nodes = 1 + i % 4;
    }
}

/* ---------------------------------------------------------------- exact comparison */

static int same_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

static int same_text(const char *stored, const char *want)
{
    if (!want || !*want)
        return !stored || !*stored;
    return stored && strcmp(stored, want) == 0;
}

#define SAME(cond, what) do { if (!(cond)) { \
            fprintf(stderr, "\n  %s:%d: %s differs\n", __FILE__, __LINE__, what); return 0; } } while (0)

static int same_result(const wg_check_result *a, const wg_check_result *b)
{
    SAME(a->verdict == b->verdict, "verdict");
    SAME(strcmp(a->fail_mode, b->fail_mode) == 0, "fail_mode");
    SAME(same_double(a->reference, b->reference), "reference");
    SAME(same_double(a->reference_err, b->reference_err), "reference_err");
    SAME(a->reference_converged == b->reference_converged, "reference_converged");
    SAME(same_double(a->left, b->left) && same_double(a->right, b->right), "left/right");
    for (int m = 0; m < WG_METHOD_COUNT; m++) {
        const wg_figure *f = &a->fig[m], *g = &b->fig[m];
        SAME(same_double(f->value, g->value), "figure value");
        SAME(same_double(f->abs_err, g->abs_err), "figure abs_err");
        SAME(same_double(f->rel_err, g->rel_err), "figure rel_err");
        SAME(same_double(f->ulps, g->ulps), "figure ulps");
        SAME(same_double(f->err_est, g->err_est), "figure err_est");
        SAME(f->computed == g->computed, "figure computed");
    }
    SAME(same_double(a->bound, b->bound), "bound");
    SAME(same_double(a->dot_gap, b->dot_gap), "dot_gap");
    SAME(a->blame_node == b->blame_node, "blame_node");
    SAME(a->blame_op == b->blame_op, "blame_op");
    SAME(a->invalid_node == b->invalid_node, "invalid_node");
    SAME(strcmp(a->message, b->message) == 0, "message");
    SAME(same_double(a->digits[WG_METHOD_REVERSE], b->digits[WG_METHOD_REVERSE])
         && same_double(a->digits[WG_METHOD_FORWARD], b->digits[WG_METHOD_FORWARD]), "digits");
    SAME(same_double(a->condition, b->condition), "condition");
    SAME(a->ill_conditioned == b->ill_conditioned, "ill_conditioned");
    SAME(strcmp(a->blame_text, b->blame_text) == 0, "blame_text");
    SAME(a->order == b->order, "order");
    SAME(same_double(a->hvp.value, b->hvp.value) && same_double(a->hvp.err_est, b->hvp.err_est)
         && a->hvp.computed == b->hvp.computed, "hvp");
    const wg_figure *ha = &a->hessian, *hb = &b->hessian;
    SAME(same_double(ha->value, hb->value) && same_double(ha->abs_err, hb->abs_err)
         && same_double(ha->rel_err, hb->rel_err) && same_double(ha->ulps, hb->ulps)
         && same_double(ha->err_est, hb->err_est) && ha->computed == hb->computed, "hessian");
    SAME(strcmp(a->hessian_method, b->hessian_method) == 0, "hessian_method");
    SAME(a->reference_weak == b->reference_weak, "reference_weak");
    return 1;
}

/* what wg_store_get_graph gives back equals what was put */
static int same_graph(const wg_store_graph *rec, const wg_store_graph_info *info,
                      const wg_check_report *r)
{
    const wg_check_report *w = rec->report;
    SAME(info->index == rec->index && info->seed == rec->seed, "index/seed");
    SAME(info->ninputs == rec->ninputs && info->nnodes == rec->nnodes &&
         info->noutputs == rec->noutputs, "sizes");
    SAME(memcmp(info->op_count, rec->op_count, sizeof rec->op_count) == 0, "op counts");
    SAME(info->directions == w->nresults && r->nresults == w->nresults, "number of checks");
    SAME(same_text(info->text, rec->keep_text ? rec->text : NULL), "text");
    SAME(same_text(info->path, rec->path), "path");
    SAME(same_text(info->label, rec->label), "label");
    SAME(strlen(info->hash) == 16, "hash");
    SAME(same_double(r->seconds, w->seconds), "seconds");
    SAME(strcmp(r->error, w->error) == 0, "error");
    int ill = 0;
    for (size_t d = 0; d < w->nresults; d++)
        ill |= w->results[d].ill_conditioned;
    SAME(r->ill_conditioned == ill, "the report's ill_conditioned");
    if (!w->error[0]) {
        SAME(info->has_verdict && info->verdict == w->verdict && r->verdict == w->verdict,
             "graph verdict");
        SAME(r->worst == w->worst, "worst");
    } else {
        SAME(!info->has_verdict, "verdict of an unchecked graph");
    }
    for (size_t d = 0; d < w->nresults; d++)
        SAME(same_result(&r->results[d], &w->results[d]), "a check");
    int repro = rec->repro_path || rec->repro_text;
    SAME(info->has_repro == repro, "reproducer presence");
    if (repro) {
        SAME(same_text(info->repro_path, rec->repro_path), "reproducer path");
        SAME(same_text(info->repro_text, rec->repro_text), "reproducer text");
        SAME(info->repro_nodes == rec->repro_nodes, "reproducer nodes");
    }
    return 1;
}

/* graph i of campaign as stored equals make_synth(i, variant) */
static int stored_is_synth(wg_store *s, int64_t campaign, uint64_t i, unsigned variant)
{
    synth g;
    make_synth(&g, i, variant);
    wg_store_graph_info info;
    wg_check_report r;
    wg_store_error err;
    if (wg_store_get_graph(s, campaign, i, &info, &r, &err) != WG_OK) {
        fprintf(stderr, "\n  graph %" PRIu64 ": %s\n", i, err.message);
        return 0;
    }
    int ok = same_graph(&g.rec, &info, &r);
    if (!ok)
        fprintf(stderr, "  (graph %" PRIu64 " of campaign %" PRId64 ")\n", i, campaign);
    wg_store_graph_info_free(&info);
    wg_check_report_free(&r);
    return ok;
}

/* ---------------------------------------------------------------- SQL probes */

/* one integer from SQL on a connection of the test's own */
static long long sql_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -999;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "\n  %s: %s\n", sql, sqlite3_errmsg(db));
        return v;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        fprintf(stderr, "\n  %s: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return v;
}

static void sql_text(sqlite3 *db, const char *sql, char *out, size_t len)
{
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* The invariants a store keeps whatever happened to the processes that
 * wrote it: the file is sound, no row points nowhere, every graph has
 * exactly the checks and op counts it was written with.  Returns the
 * number of graphs, or -1. */
static long long check_whole(const char *path)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        CU_FAIL("the store cannot be opened");
        return -1;
    }
    char ok[64];
    sql_text(db, "PRAGMA integrity_check", ok, sizeof ok);
    CU_ASSERT_STRING_EQUAL(ok, "ok");
    /* a writer killed while creating the store leaves an empty database:
     * the tables come in one transaction, all of them or none */
    long long tables = sql_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
    CU_ASSERT(tables == 0 || tables == 7);
    if (tables == 0) {
        sqlite3_close(db);
        return 0;
    }
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    /* no partial graph: the number of checks and of nodes is what the row says */
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM graph g WHERE directions <> "
                                "(SELECT count(*) FROM check_result c WHERE c.graph = g.id)"), 0);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM graph g WHERE nodes <> "
                                "(SELECT total(count) FROM graph_op o WHERE o.graph = g.id)"), 0);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM check_result c WHERE NOT EXISTS "
                                "(SELECT 1 FROM graph g WHERE g.id = c.graph)"), 0);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM (SELECT campaign, idx FROM graph "
                                "GROUP BY campaign, idx HAVING count(*) > 1)"), 0);
    long long n = sql_int(db, "SELECT count(*) FROM graph");
    sqlite3_close(db);
    return n;
}

/* ---------------------------------------------------------------- schema */

static const wg_store_campaign campaign_a = { "wengert-fuzz --graphs 100 --seed 42", 42, 0, 1,
                                              "nodes=8..32 ops=all directions=3" };

static void schema_create_reopen(void)
{
    const char *path = tmp_path("schema.db");
    wg_store *s;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    CU_ASSERT_EQUAL(err.status, WG_OK);
    CU_ASSERT_STRING_EQUAL(wg_store_path(s), path);
    int64_t id1 = 0, id2 = 0, id3 = 0;
    int resumed = -1;
    CU_ASSERT_EQUAL(wg_store_campaign_open(s, &campaign_a, &id1, &resumed, &err), WG_OK);
    CU_ASSERT(id1 > 0);
    CU_ASSERT_EQUAL(resumed, 0);

    /* the layout, and WAL, seen from the store's own connection */
    sqlite3 *db = wg_store_db(s);
    char mode[16];
    sql_text(db, "PRAGMA journal_mode", mode, sizeof mode);
    CU_ASSERT_STRING_EQUAL(mode, "wal");
    CU_ASSERT_EQUAL(sql_int(db, "PRAGMA synchronous"), 1);   /* NORMAL */
    CU_ASSERT_EQUAL(sql_int(db, "PRAGMA foreign_keys"), 1);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                "name IN ('schema_version', 'campaign', 'graph', 'graph_op', "
                                "'check_result', 'reproducer', 'campaign_info')"), 7);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT version FROM schema_version"), WG_STORE_SCHEMA_VERSION);
    CU_ASSERT_EQUAL(sql_int(db, "PRAGMA application_id"), 0x57474653);
    char v[64];
    sql_text(db, "SELECT wengert_version FROM campaign", v, sizeof v);
    CU_ASSERT_STRING_EQUAL(v, wg_version());
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM campaign WHERE mpfr_version <> '' AND "
                                "gsl_version <> '' AND sqlite_version <> '' AND "
                                "started LIKE '20__-__-__T__:__:__Z'"), 1);
    wg_store_close(s);

    /* reopened: the same campaign is found, a different one is new */
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    wg_store_campaign again = campaign_a;
    again.command = "wengert-fuzz --graphs 5000 --seed 42";   /* how many is no part of it */
    CU_ASSERT_EQUAL(wg_store_campaign_open(s, &again, &id2, &resumed, &err), WG_OK);
    CU_ASSERT_EQUAL(id2, id1);
    CU_ASSERT_EQUAL(resumed, 1);
    wg_store_campaign other = campaign_a;
    other.shard_k = 1;
    other.shard_n = 2;
    CU_ASSERT_EQUAL(wg_store_campaign_open(s, &other, &id3, &resumed, &err), WG_OK);
    CU_ASSERT(id3 != id1);
    CU_ASSERT_EQUAL(resumed, 0);
    other.shard_k = 2;
    CU_ASSERT_EQUAL(wg_store_campaign_open(s, &other, &id3, NULL, &err), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "shard 2 of 2"));
    uint64_t next = 99;
    CU_ASSERT_EQUAL(wg_store_next_index(s, id1, &next, &err), WG_OK);
    CU_ASSERT_EQUAL(next, 0);
    wg_store_close(s);
    /* a clean close leaves no journal behind */
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    CU_ASSERT_NOT_EQUAL(access(wal, F_OK), 0);
    remove_store(path);
}

/* ---------------------------------------------------------------- exact round trip */

static void roundtrip_real_check(void)
{
    const char *path = tmp_path("real.db");
    remove_store(path);
    const char *names[] = { "x", "y" };
    const double point[] = { 0.7, -1.3 };
    wg_parse_error perr;
    wg_graph *g = wg_graph_parse_expr("sin(x) * y + log(x) - hypot(x, y) / 3", 2, names, point,
                                      &perr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_check_options o;
    wg_check_options_init(&o);
    o.seed = 7;
    o.directions = 4;
    wg_check_report rep;
    CU_ASSERT_EQUAL_FATAL(wg_check_graph(g, &o, &rep), WG_OK);
    CU_ASSERT_EQUAL_FATAL(rep.nresults, 4);

    wg_store_graph rec;
    memset(&rec, 0, sizeof rec);
    char *text = NULL;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_graph_describe(g, &rec, &text, &err), WG_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "hypot"));
    CU_ASSERT_EQUAL(rec.ninputs, 2);
    CU_ASSERT_EQUAL(rec.noutputs, 1);
    CU_ASSERT_EQUAL(rec.nnodes, wg_tape_size(wg_graph_tape(g)));
    CU_ASSERT_EQUAL(rec.op_count[WG_OP_INPUT], 2);
    CU_ASSERT_EQUAL(rec.op_count[WG_OP_SIN], 1);
    CU_ASSERT_EQUAL(rec.op_count[WG_OP_HYPOT], 1);
    CU_ASSERT_EQUAL(rec.op_count[WG_OP_LOG], 1);
    unsigned total = 0;
    for (int op = 0; op < WG_OP_COUNT; op++)
        total += rec.op_count[op];
    CU_ASSERT_EQUAL(total, rec.nnodes);
    rec.index = 0;
    rec.seed = UINT64_MAX - 5;   /* above INT64_MAX: kept as its bit pattern */
    rec.keep_text = 1;
    rec.path = "out/graph-000000.wg";
    rec.report = &rep;
    rec.repro_path = "out/repro-000000.wg";
    rec.repro_text = text;
    rec.repro_nodes = rec.nnodes;

    wg_store *s;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    int64_t c;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &campaign_a, &c, NULL, &err), WG_OK);
    CU_ASSERT_EQUAL(wg_store_put_graph(s, c, &rec, &err), WG_OK);
    /* read back through a new connection: the figures come from the file */
    wg_store_close(s);
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    wg_store_graph_info info;
    wg_check_report back;
    CU_ASSERT_EQUAL_FATAL(wg_store_get_graph(s, c, 0, &info, &back, &err), WG_OK);
    CU_ASSERT(same_graph(&rec, &info, &back));
    CU_ASSERT_STRING_EQUAL(info.text, text);
    wg_store_graph_info_free(&info);
    wg_check_report_free(&back);

    /* a second put of graph 0 is refused and changes nothing */
    CU_ASSERT_EQUAL(wg_store_put_graph(s, c, &rec, &err), WG_EINVAL);
    CU_ASSERT_EQUAL(err.status, WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "stored already"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, path));
    CU_ASSERT_EQUAL(sql_int(wg_store_db(s), "SELECT count(*) FROM check_result"), 4);
    /* a graph of a campaign that does not exist */
    rec.index = 1;
    CU_ASSERT_EQUAL(wg_store_put_graph(s, c + 100, &rec, &err), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "no campaign"));
    CU_ASSERT_EQUAL(sql_int(wg_store_db(s), "SELECT count(*) FROM graph"), 1);
    /* a graph not stored */
    CU_ASSERT_EQUAL(wg_store_get_graph(s, c, 1, &info, &back, &err), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "no graph 1"));
    /* a record without text or report is refused */
    rec.text = NULL;
    CU_ASSERT_EQUAL(wg_store_put_graph(s, c, &rec, &err), WG_EINVAL);
    CU_ASSERT_EQUAL(sql_int(wg_store_db(s), "SELECT count(*) FROM graph"), 1);
    wg_store_close(s);
    free(text);
    wg_check_report_free(&rep);
    wg_graph_free(g);
    remove_store(path);
}

/* synthetic reports: -0.0, subnormals, infinities, NaN, full mantissas,
 * no blame, unchecked graphs, quotes in messages */
static void roundtrip_awkward_values(void)
{
    const char *path = tmp_path("awkward.db");
    remove_store(path);
    wg_store *s;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    int64_t c;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &campaign_a, &c, NULL, &err), WG_OK);
    const uint64_t n = 40;
    for (uint64_t i = 0; i < n; i++) {
        synth g;
        make_synth(&g, i, 0);
        CU_ASSERT_EQUAL(wg_store_put_graph(s, c, &g.rec, &err), WG_OK);
    }
    wg_store_close(s);
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    for (uint64_t i = 0; i < n; i++)
        CU_ASSERT(stored_is_synth(s, c, i, 0));
    /* -0.0 went in as -0.0 and is still a REAL in the file */
    CU_ASSERT(sql_int(wg_store_db(s), "SELECT count(*) FROM check_result WHERE "
                                      "typeof(reference) = 'real' AND reference = 0") > 0);

    /* the summary is SQL over the same rows: compare with counting here */
    uint64_t graphs = 0, unchecked = 0, checks = 0, repro = 0;
    uint64_t cv[WG_VERDICT_COUNT] = { 0 }, gv[WG_VERDICT_COUNT] = { 0 };
    uint64_t fails_sin = 0;
    for (uint64_t i = 0; i < n; i++) {
        synth g;
        make_synth(&g, i, 0);
        graphs++;
        repro += g.rec.repro_text || g.rec.repro_path;
        if (g.report.error[0]) {
            unchecked++;
            continue;
        }
        gv[g.report.verdict]++;
        for (size_t d = 0; d < g.report.nresults; d++) {
            checks++;
            cv[g.results[d].verdict]++;
            fails_sin += g.results[d].verdict == WG_VERDICT_FAIL &&
                         g.results[d].blame_op == WG_OP_SIN;
        }
    }
    wg_store_summary sum;
    CU_ASSERT_EQUAL_FATAL(wg_store_summarize(s, 0, &sum, &err), WG_OK);
    CU_ASSERT_EQUAL(sum.campaigns, 1);
    CU_ASSERT_EQUAL(sum.graphs, graphs);
    CU_ASSERT_EQUAL(sum.graphs_unchecked, unchecked);
    CU_ASSERT_EQUAL(sum.checks, checks);
    CU_ASSERT_EQUAL(sum.reproducers, repro);
    CU_ASSERT_EQUAL(sum.ops_covered, 4);   /* input, sin, powi, the last op */
    for (int v = 0; v < WG_VERDICT_COUNT; v++) {
        CU_ASSERT_EQUAL(sum.check_verdicts[v], cv[v]);
        CU_ASSERT_EQUAL(sum.graph_verdicts[v], gv[v]);
    }
    CU_ASSERT(cv[WG_VERDICT_FAIL] > 0);
    wg_store_summary one;
    CU_ASSERT_EQUAL(wg_store_summarize(s, c + 1, &one, &err), WG_OK);   /* no such campaign */
    CU_ASSERT_EQUAL(one.graphs, 0);
    CU_ASSERT_EQUAL(one.checks, 0);

    /* fails by blamed op add up to the failing checks */
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL(wg_store_print_summary(s, c, mem, &err), WG_OK);
    fclose(mem);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "graphs"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "fail blamed on"));
    if (fails_sin) {
        char want[80];
        snprintf(want, sizeof want, "fail blamed on sin: %" PRIu64 " checks", fails_sin);
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
    }
    free(buf);
    wg_store_close(s);
    remove_store(path);
}

/* ---------------------------------------------------------------- kill and resume */

static const wg_store_campaign campaign_kill = { "wengert-fuzz --graphs 1000000 --seed 9", 9, 0,
                                                 1, "kill test" };

static long countdown;

static int die_at_countdown(void *ctx)
{
    (void)ctx;
    if (--countdown <= 0)
        raise(SIGKILL);
    return 0;
}

/* The child: what re-running the same command does, writing graphs until
 * killed.  ops > 0: it kills itself after that many steps of SQLite's
 * virtual machine (inside a statement, a transaction, a commit); ops = 0:
 * the parent kills it from outside after a delay.  Exit 3: a store error. */
static void child_run(const char *path, long ops)
{
    wg_store *s;
    wg_store_error err;
    int64_t c;
    uint64_t i;
    if (wg_store_open(path, &s, &err) != WG_OK ||
        wg_store_campaign_open(s, &campaign_kill, &c, NULL, &err) != WG_OK ||
        wg_store_next_index(s, c, &i, &err) != WG_OK) {
        fprintf(stderr, "child: %s\n", err.message);
        _exit(3);
    }
    if (ops > 0) {
        countdown = ops;
        sqlite3_progress_handler(wg_store_db(s), 1, die_at_countdown, NULL);
    }
    for (;; i++) {
        synth g;
        make_synth(&g, i, 0);
        if (wg_store_put_graph(s, c, &g.rec, &err) != WG_OK) {
            fprintf(stderr, "child: %s\n", err.message);
            _exit(3);
        }
    }
}

static void sleep_us(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Wait for the child, killing it after us microseconds (us < 0: it kills
 * itself; a 10 s guard). */
static int reap(pid_t pid, long us)
{
    int st = 0;
    if (us >= 0) {
        sleep_us(us);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        return st;
    }
    for (int k = 0; k < 10000; k++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return st;
        sleep_us(1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    CU_FAIL("the child did not kill itself");
    return st;
}

static void kill_and_resume(void)
{
    const char *path = tmp_path("kill.db");
    remove_store(path);
    /* seeded moments: timed kills from outside (0 to 25 ms, the first at
     * once: before or while the store is created), and kills from inside
     * after 1 to 60000 SQLite steps */
    uint64_t rng = UINT64_C(20240611);
    const int rounds = 16;
    long long before = 0;
    for (int round = 0; round < rounds; round++) {
        rng = mix(rng);
        long us = -1, ops = 0;
        if (round % 2 == 0)
            us = round == 0 ? 0 : (long)(rng % 25000);
        else
            ops = 1 + (long)(rng % 60000);
        fflush(NULL);
        pid_t pid = fork();
        CU_ASSERT_FATAL(pid >= 0);
        if (pid == 0)
            child_run(path, ops);   /* never returns */
        int st = reap(pid, us);
        if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
            fprintf(stderr, "\n  round %d: child status %d\n", round, st);
        CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        if (access(path, F_OK) != 0)
            continue;   /* killed before it made the file */
        long long n = check_whole(path);
        /* commits survive the kill of their writer: nothing written is lost */
        CU_ASSERT(n >= before);
        before = n;
    }

    /* a store whose writer was killed (its -wal not yet replayed) merges
     * as a whole: what the killed process committed, nothing else */
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0)
        child_run(path, 5000);
    reap(pid, -1);
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    CU_ASSERT_EQUAL(access(wal, F_OK), 0);   /* left by the killed writer */
    const char *copy = tmp_path("kill-merged.db");
    remove_store(copy);
    wg_store *s;
    wg_store_error err;
    wg_store_merge_stats ms;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(copy, &s, &err), WG_OK);
    CU_ASSERT_EQUAL(wg_store_merge(s, path, &ms, &err), WG_OK);
    wg_store_close(s);
    before = check_whole(path);
    CU_ASSERT_EQUAL(ms.graphs_added, (uint64_t)before);
    CU_ASSERT_EQUAL(check_whole(copy), before);
    remove_store(copy);

    /* resume in this process: same campaign, continues exactly at the end */
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    int64_t c;
    int resumed = 0;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &campaign_kill, &c, &resumed, &err), WG_OK);
    CU_ASSERT_EQUAL(resumed, 1);
    CU_ASSERT_EQUAL(sql_int(wg_store_db(s), "SELECT count(*) FROM campaign"), 1);
    uint64_t next;
    CU_ASSERT_EQUAL_FATAL(wg_store_next_index(s, c, &next, &err), WG_OK);
    CU_ASSERT_EQUAL(next, (uint64_t)before);
    /* the stored graphs are 0 .. next-1, one each: none lost, none twice */
    CU_ASSERT_EQUAL(sql_int(wg_store_db(s), "SELECT count(*) FROM graph"), (long long)next);
    if (next > 0) {
        CU_ASSERT_EQUAL(sql_int(wg_store_db(s), "SELECT max(idx) FROM graph"),
                        (long long)next - 1);
        synth g;
        make_synth(&g, next - 1, 0);
        CU_ASSERT_EQUAL(wg_store_put_graph(s, c, &g.rec, &err), WG_EINVAL);
    }
    const uint64_t more = 25;
    for (uint64_t i = next; i < next + more; i++) {
        int has = 1;
        CU_ASSERT_EQUAL(wg_store_has_graph(s, c, i, &has, &err), WG_OK);
        CU_ASSERT_EQUAL(has, 0);
        synth g;
        make_synth(&g, i, 0);
        CU_ASSERT_EQUAL(wg_store_put_graph(s, c, &g.rec, &err), WG_OK);
    }
    uint64_t end;
    CU_ASSERT_EQUAL(wg_store_next_index(s, c, &end, &err), WG_OK);
    CU_ASSERT_EQUAL(end, next + more);
    /* what survived the kills is exactly what was written */
    unsigned bad = 0;
    for (uint64_t i = 0; i < end; i++)
        bad += !stored_is_synth(s, c, i, 0);
    CU_ASSERT_EQUAL(bad, 0);
    wg_store_close(s);
    CU_ASSERT_EQUAL(check_whole(path), (long long)(next + more));
    printf("(%d kills, %" PRIu64 " graphs committed before the last) ", rounds, next);
    remove_store(path);
}

/* a gap left by parallel workers: resume starts at the first hole */
static void resume_first_gap(void)
{
    const char *path = tmp_path("gap.db");
    remove_store(path);
    wg_store *s;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    int64_t c, c2;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &campaign_a, &c, NULL, &err), WG_OK);
    wg_store_campaign b = campaign_a;
    b.seed = 43;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &b, &c2, NULL, &err), WG_OK);
    const uint64_t stored[] = { 1, 2, 0, 3, 5, 6, 9 };
    for (size_t k = 0; k < sizeof stored / sizeof stored[0]; k++) {
        synth g;
        make_synth(&g, stored[k], 0);
        CU_ASSERT_EQUAL(wg_store_put_graph(s, c, &g.rec, &err), WG_OK);
    }
    uint64_t next = 0;
    CU_ASSERT_EQUAL(wg_store_next_index(s, c, &next, &err), WG_OK);
    CU_ASSERT_EQUAL(next, 4);
    CU_ASSERT_EQUAL(wg_store_next_index(s, c2, &next, &err), WG_OK);   /* another campaign */
    CU_ASSERT_EQUAL(next, 0);
    int has = 0;
    CU_ASSERT_EQUAL(wg_store_has_graph(s, c, 5, &has, &err), WG_OK);
    CU_ASSERT_EQUAL(has, 1);
    CU_ASSERT_EQUAL(wg_store_has_graph(s, c, 4, &has, &err), WG_OK);
    CU_ASSERT_EQUAL(has, 0);
    wg_store_close(s);
    remove_store(path);
}

/* ---------------------------------------------------------------- merge */

static void fill(const char *path, const wg_store_campaign *camp, uint64_t from, uint64_t to,
                 unsigned variant)
{
    wg_store *s;
    wg_store_error err;
    int64_t c;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, camp, &c, NULL, &err), WG_OK);
    for (uint64_t i = from; i < to; i++) {
        synth g;
        make_synth(&g, i, variant);
        CU_ASSERT_EQUAL(wg_store_put_graph(s, c, &g.rec, &err), WG_OK);
    }
    wg_store_close(s);
}

static uint64_t checks_of(uint64_t from, uint64_t to)
{
    uint64_t n = 0;
    for (uint64_t i = from; i < to; i++) {
        synth g;
        make_synth(&g, i, 0);
        n += g.report.nresults;
    }
    return n;
}

/* the whole content of a store as one string of row counts and sums */
static void fingerprint(sqlite3 *db, char *out, size_t len)
{
    sql_text(db, "SELECT (SELECT count(*) FROM campaign) || '/' || (SELECT count(*) FROM graph)"
                 " || '/' || (SELECT count(*) FROM check_result) || '/' ||"
                 " (SELECT count(*) FROM graph_op) || '/' || (SELECT count(*) FROM reproducer)"
                 " || '/' || (SELECT total(idx * 7 + inputs) FROM graph)"
                 " || '/' || (SELECT count(*) FROM campaign_info)"
                 " || '/' || (SELECT count(label) FROM graph)", out, len);
}

static void merge_shards(void)
{
    const char *a = tmp_path("shard0.db"), *b = tmp_path("shard1.db"), *c = tmp_path("c.db");
    remove_store(a);
    remove_store(b);
    remove_store(c);
    wg_store_campaign s0 = campaign_a, s1 = campaign_a;
    s0.shard_k = 0, s0.shard_n = 2;
    s1.shard_k = 1, s1.shard_n = 2;
    /* a: shard 0, graphs 0-9.  b: shard 1 first (so the ids differ from
     * a's), graphs 0-7, then shard 0's graphs 10-14 (the same shard run on
     * a second machine from where the first stopped) */
    fill(a, &s0, 0, 10, 0);
    fill(b, &s1, 0, 8, 0);
    fill(b, &s0, 10, 15, 0);

    wg_store *s;
    wg_store_error err;
    wg_store_merge_stats st;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(a, &s, &err), WG_OK);
    CU_ASSERT_EQUAL(wg_store_merge(s, b, &st, &err), WG_OK);
    CU_ASSERT_EQUAL(st.campaigns_added, 1);
    CU_ASSERT_EQUAL(st.graphs_added, 13);
    CU_ASSERT_EQUAL(st.checks_added, checks_of(0, 8) + checks_of(10, 15));
    CU_ASSERT_EQUAL(st.graphs_present, 0);
    CU_ASSERT_EQUAL(st.graphs_conflicting, 0);

    int64_t c0, c1;
    int resumed;
    CU_ASSERT_EQUAL(wg_store_campaign_open(s, &s0, &c0, &resumed, &err), WG_OK);
    CU_ASSERT_EQUAL(resumed, 1);
    CU_ASSERT_EQUAL(wg_store_campaign_open(s, &s1, &c1, &resumed, &err), WG_OK);
    CU_ASSERT_EQUAL(resumed, 1);
    uint64_t next;
    CU_ASSERT_EQUAL(wg_store_next_index(s, c0, &next, &err), WG_OK);
    CU_ASSERT_EQUAL(next, 15);
    CU_ASSERT_EQUAL(wg_store_next_index(s, c1, &next, &err), WG_OK);
    CU_ASSERT_EQUAL(next, 8);
    unsigned bad = 0;
    for (uint64_t i = 0; i < 15; i++)
        bad += !stored_is_synth(s, c0, i, 0);
    for (uint64_t i = 0; i < 8; i++)
        bad += !stored_is_synth(s, c1, i, 0);
    CU_ASSERT_EQUAL(bad, 0);
    wg_store_summary sum;
    CU_ASSERT_EQUAL(wg_store_summarize(s, 0, &sum, &err), WG_OK);
    CU_ASSERT_EQUAL(sum.campaigns, 2);
    CU_ASSERT_EQUAL(sum.graphs, 23);
    CU_ASSERT_EQUAL(sum.checks, checks_of(0, 15) + checks_of(0, 8));

    /* twice: nothing changes */
    char fp1[128], fp2[128];
    fingerprint(wg_store_db(s), fp1, sizeof fp1);
    CU_ASSERT_EQUAL(wg_store_merge(s, b, &st, &err), WG_OK);
    CU_ASSERT_EQUAL(st.campaigns_added, 0);
    CU_ASSERT_EQUAL(st.graphs_added, 0);
    CU_ASSERT_EQUAL(st.checks_added, 0);
    CU_ASSERT_EQUAL(st.graphs_present, 13);
    fingerprint(wg_store_db(s), fp2, sizeof fp2);
    CU_ASSERT_STRING_EQUAL(fp1, fp2);

    /* overlap with different graphs: 12-14 are kept as they are and
     * counted as conflicts, 15-16 come over */
    fill(c, &s0, 12, 17, 1);
    CU_ASSERT_EQUAL(wg_store_merge(s, c, &st, &err), WG_OK);
    CU_ASSERT_EQUAL(st.graphs_added, 2);
    CU_ASSERT_EQUAL(st.graphs_present, 3);
    CU_ASSERT_EQUAL(st.graphs_conflicting, 3);
    CU_ASSERT(stored_is_synth(s, c0, 12, 0));
    CU_ASSERT(stored_is_synth(s, c0, 14, 0));
    CU_ASSERT(stored_is_synth(s, c0, 16, 1));
    wg_store_close(s);
    CU_ASSERT_EQUAL(check_whole(a), 25);
    CU_ASSERT_EQUAL(check_whole(b), 13);   /* the source is left as it was */

    /* what cannot be merged, said plainly; the destination unchanged */
    CU_ASSERT_EQUAL_FATAL(wg_store_open(a, &s, &err), WG_OK);
    fingerprint(wg_store_db(s), fp1, sizeof fp1);
    CU_ASSERT_EQUAL(wg_store_merge(s, a, &st, &err), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "into itself"));
    const char *missing = tmp_path("missing.db");
    CU_ASSERT_EQUAL(wg_store_merge(s, missing, &st, &err), WG_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, missing));
    CU_ASSERT_NOT_EQUAL(access(missing, F_OK), 0);   /* not created by the attempt */
    const char *junk = tmp_path("junk.db");
    write_file(junk, "this is not a database, just some text long enough to have a header\n");
    CU_ASSERT_EQUAL(wg_store_merge(s, junk, &st, &err), WG_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, junk));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "not an SQLite database"));
    const char *foreign = tmp_path("foreign.db");
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(foreign, &db), SQLITE_OK);
    sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL);
    sqlite3_close(db);
    CU_ASSERT_EQUAL(wg_store_merge(s, foreign, &st, &err), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "not a wengert-fuzz result store"));
    fingerprint(wg_store_db(s), fp2, sizeof fp2);
    CU_ASSERT_STRING_EQUAL(fp1, fp2);
    /* and the store still works after the failed attempts */
    CU_ASSERT_EQUAL(wg_store_merge(s, b, &st, &err), WG_OK);
    if (err.status)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_EQUAL(st.graphs_added, 0);
    wg_store_close(s);
    remove_store(a);
    remove_store(b);
    remove_store(c);
    unlink(junk);
    remove_store(foreign);
}

/* ---------------------------------------------------------------- version 2: labels, info */

static const wg_store_campaign campaign_b = { "wengert-verify --suite builtin --store S", 1, 0, 1,
                                              "wengert-verify suite=builtin directions=3" };

static void label_roundtrip(void)
{
    const char *path = tmp_path("label.db");
    remove_store(path);
    fill(path, &campaign_b, 0, 12, 2);
    wg_store *s;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    int64_t c;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &campaign_b, &c, NULL, &err), WG_OK);
    unsigned bad = 0;
    for (uint64_t i = 0; i < 12; i++)
        bad += !stored_is_synth(s, c, i, 2);
    CU_ASSERT_EQUAL(bad, 0);
    /* in SQL: a label where one was given, NULL (not '') where none was */
    sqlite3 *db = wg_store_db(s);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM graph WHERE label IS NULL"), 4);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM graph WHERE label = 'case 4 @ point 2'"), 1);
    char label[64];
    sql_text(db, "SELECT label FROM graph WHERE idx = 3", label, sizeof label);
    CU_ASSERT_STRING_EQUAL(label, "case 3 -- it's 'quoted'");
    /* read back, then freed by wg_store_graph_info_free */
    wg_store_graph_info info;
    CU_ASSERT_EQUAL(wg_store_get_graph(s, c, 1, &info, NULL, &err), WG_OK);
    CU_ASSERT_PTR_NOT_NULL(info.label);
    if (info.label)
        CU_ASSERT_STRING_EQUAL(info.label, "case 1 @ point 2");
    wg_store_graph_info_free(&info);
    CU_ASSERT_PTR_NULL(info.label);
    CU_ASSERT_EQUAL(wg_store_get_graph(s, c, 2, &info, NULL, &err), WG_OK);
    CU_ASSERT_PTR_NULL(info.label);
    wg_store_graph_info_free(&info);
    wg_store_close(s);
    CU_ASSERT_EQUAL(check_whole(path), 12);
    remove_store(path);
}

/* the value of key, "(none)" when absent, "(error)" on an error */
static const char *info_of(wg_store *s, int64_t c, const char *key, char *buf, size_t len)
{
    char *v = (char *)&v;    /* must be set */
    wg_store_error err;
    if (wg_store_campaign_get_info(s, c, key, &v, &err) != WG_OK) {
        fprintf(stderr, "\n  info %s: %s\n", key, err.message);
        snprintf(buf, len, "(error)");
    } else {
        snprintf(buf, len, "%s", v ? v : "(none)");
    }
    free(v == (char *)&v ? NULL : v);
    return buf;
}

static void info_set_get(void)
{
    const char *path = tmp_path("info.db");
    remove_store(path);
    wg_store *s;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    int64_t c, c2;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &campaign_a, &c, NULL, &err), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &campaign_b, &c2, NULL, &err), WG_OK);
    char v[128];
    CU_ASSERT_STRING_EQUAL(info_of(s, c, "tool", v, sizeof v), "(none)");
    CU_ASSERT_EQUAL(wg_store_campaign_set_info(s, c, "tool", "wengert-fuzz", &err), WG_OK);
    CU_ASSERT_EQUAL(err.status, WG_OK);
    CU_ASSERT_STRING_EQUAL(info_of(s, c, "tool", v, sizeof v), "wengert-fuzz");
    /* replaced, not added */
    CU_ASSERT_EQUAL(wg_store_campaign_set_info(s, c, "tool", "it's 'other'", &err), WG_OK);
    CU_ASSERT_STRING_EQUAL(info_of(s, c, "tool", v, sizeof v), "it's 'other'");
    CU_ASSERT_EQUAL(sql_int(wg_store_db(s), "SELECT count(*) FROM campaign_info"), 1);
    /* an empty value is a value; keys are per campaign */
    CU_ASSERT_EQUAL(wg_store_campaign_set_info(s, c, "note", "", &err), WG_OK);
    CU_ASSERT_STRING_EQUAL(info_of(s, c, "note", v, sizeof v), "");
    CU_ASSERT_STRING_EQUAL(info_of(s, c2, "tool", v, sizeof v), "(none)");
    /* several in one transaction */
    const wg_store_info kv[] = { { "cpu", "some cpu" }, { "cores", "8" }, { "tool", "third" } };
    CU_ASSERT_EQUAL(wg_store_campaign_put_info(s, c2, kv, 3, &err), WG_OK);
    CU_ASSERT_STRING_EQUAL(info_of(s, c2, "cores", v, sizeof v), "8");
    CU_ASSERT_STRING_EQUAL(info_of(s, c2, "tool", v, sizeof v), "third");
    CU_ASSERT_STRING_EQUAL(info_of(s, c, "tool", v, sizeof v), "it's 'other'");

    /* refused, and nothing written: a campaign not in the store, no key,
     * no value (the list is all or nothing) */
    CU_ASSERT_EQUAL(wg_store_campaign_set_info(s, c + c2 + 5, "tool", "x", &err), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "no campaign"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, path));
    CU_ASSERT_EQUAL(wg_store_campaign_set_info(s, c, "", "x", &err), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "without a key"));
    CU_ASSERT_EQUAL(wg_store_campaign_set_info(s, c, NULL, "x", &err), WG_EINVAL);
    const wg_store_info half[] = { { "new1", "a" }, { "new2", NULL } };
    CU_ASSERT_EQUAL(wg_store_campaign_put_info(s, c, half, 2, &err), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "'new2' without a value"));
    CU_ASSERT_STRING_EQUAL(info_of(s, c, "new1", v, sizeof v), "(none)");
    char *out = NULL;
    CU_ASSERT_EQUAL(wg_store_campaign_get_info(s, c, NULL, &out, &err), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_store_campaign_get_info(s, c, "tool", NULL, &err), WG_EINVAL);
    CU_ASSERT_EQUAL(sql_int(wg_store_db(s), "SELECT count(*) FROM campaign_info"), 5);
    wg_store_close(s);

    /* kept in the file */
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    CU_ASSERT_STRING_EQUAL(info_of(s, c2, "cpu", v, sizeof v), "some cpu");
    wg_store_close(s);
    CU_ASSERT_EQUAL(check_whole(path), 0);
    remove_store(path);
}

/* The layout of version 1, as the first release of the store created it:
 * the upgrade and the merge are tested against it. */
#define V1_FIG_DEFS(m)                                                         \
    "    " m "_value, " m "_abs_err, " m "_rel_err, " m "_ulps, " m "_err_est,\n" \
    "    " m "_computed INTEGER NOT NULL,\n"
static const char v1_schema_sql[] =
    "CREATE TABLE schema_version (\n"
    "    version INTEGER NOT NULL,\n"
    "    created TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE campaign (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    command TEXT NOT NULL,\n"
    "    seed INTEGER NOT NULL,\n"
    "    shard_k INTEGER NOT NULL,\n"
    "    shard_n INTEGER NOT NULL,\n"
    "    options TEXT NOT NULL,\n"
    "    started TEXT NOT NULL,\n"
    "    wengert_version TEXT NOT NULL,\n"
    "    mpfr_version TEXT NOT NULL,\n"
    "    gsl_version TEXT NOT NULL,\n"
    "    sqlite_version TEXT NOT NULL,\n"
    "    CHECK (shard_n >= 1 AND shard_k >= 0 AND shard_k < shard_n),\n"
    "    UNIQUE (seed, shard_k, shard_n, options)\n"
    ");\n"
    "CREATE TABLE graph (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    campaign INTEGER NOT NULL REFERENCES campaign (id),\n"
    "    idx INTEGER NOT NULL CHECK (idx >= 0),\n"
    "    hash TEXT NOT NULL,\n"
    "    seed INTEGER NOT NULL,\n"
    "    inputs INTEGER NOT NULL,\n"
    "    nodes INTEGER NOT NULL,\n"
    "    outputs INTEGER NOT NULL,\n"
    "    directions INTEGER NOT NULL,\n"
    "    verdict TEXT,\n"
    "    worst INTEGER,\n"
    "    seconds,\n"
    "    error TEXT,\n"
    "    wg_text TEXT,\n"
    "    wg_path TEXT,\n"
    "    UNIQUE (campaign, idx)\n"
    ");\n"
    "CREATE TABLE graph_op (\n"
    "    graph INTEGER NOT NULL REFERENCES graph (id),\n"
    "    op TEXT NOT NULL,\n"
    "    count INTEGER NOT NULL CHECK (count > 0),\n"
    "    PRIMARY KEY (graph, op)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE check_result (\n"
    "    graph INTEGER NOT NULL REFERENCES graph (id),\n"
    "    direction INTEGER NOT NULL CHECK (direction >= 0),\n"
    "    verdict TEXT NOT NULL,\n"
    "    fail_mode TEXT,\n"
    "    reference, reference_err, reference_converged INTEGER NOT NULL,\n"
    "    left_deriv, right_deriv,\n"
    V1_FIG_DEFS("reverse") V1_FIG_DEFS("forward") V1_FIG_DEFS("central") V1_FIG_DEFS("gsl")
    "    bound, dot_gap,\n"
    "    blame_node INTEGER,\n"
    "    blame_op TEXT,\n"
    "    invalid_node INTEGER,\n"
    "    message TEXT,\n"
    "    UNIQUE (graph, direction)\n"
    ");\n"
    "CREATE INDEX check_result_verdict ON check_result (verdict, blame_op);\n"
    "CREATE TABLE reproducer (\n"
    "    graph INTEGER PRIMARY KEY REFERENCES graph (id),\n"
    "    path TEXT,\n"
    "    nodes INTEGER NOT NULL,\n"
    "    wg_text TEXT,\n"
    "    CHECK (path IS NOT NULL OR wg_text IS NOT NULL)\n"
    ");\n"
    "PRAGMA application_id = 1464223315;\n"
    "INSERT INTO schema_version (version, created) VALUES (1, '2025-01-01T00:00:00Z');\n";

static int exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "\n  SQL failed: %s\n", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc == SQLITE_OK;
}

static void columns_of(sqlite3 *db, const char *table, char *out, size_t len);

/* A store of version 1 at path, by SQL alone: the v1 layout, then the rows
 * of synthetic graphs from..to (variant 0: no labels) of each campaign
 * copied over from a store of this version.  extra_sql runs last. */
static void make_v1_store(const char *path, const wg_store_campaign *camps, size_t ncamps,
                          uint64_t from, uint64_t to, const char *extra_sql)
{
    const char *scratch_v2 = tmp_path("v1-source-rows.db");
    remove_store(scratch_v2);
    remove_store(path);
    for (size_t k = 0; k < ncamps; k++)
        fill(scratch_v2, &camps[k], from, to, 0);
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    char attach[700];
    snprintf(attach, sizeof attach, "ATTACH DATABASE '%s' AS rows", scratch_v2);
    CU_ASSERT(exec_ok(db, v1_schema_sql));
    CU_ASSERT(exec_ok(db, attach));
    /* check_result's columns of version 1, by name: the rows' store has more */
    char cols[1200], copy[2500];
    columns_of(db, "check_result", cols, sizeof cols);
    snprintf(copy, sizeof copy, "INSERT INTO main.check_result (%s) SELECT %s FROM "
             "rows.check_result;", cols, cols);
    CU_ASSERT(exec_ok(db,
        "BEGIN;"
        "INSERT INTO main.campaign SELECT * FROM rows.campaign;"
        "INSERT INTO main.graph SELECT id, campaign, idx, hash, seed, inputs, nodes, outputs,"
        " directions, verdict, worst, seconds, error, wg_text, wg_path FROM rows.graph;"
        "INSERT INTO main.graph_op SELECT * FROM rows.graph_op;"));
    CU_ASSERT(exec_ok(db, copy));
    CU_ASSERT(exec_ok(db,
        "INSERT INTO main.reproducer SELECT * FROM rows.reproducer;"
        "COMMIT;"
        "DETACH DATABASE rows;"));
    if (extra_sql)
        CU_ASSERT(exec_ok(db, extra_sql));
    sqlite3_close(db);
    remove_store(scratch_v2);
}

/* columns of a table, in order, as one string */
static void columns_of(sqlite3 *db, const char *table, char *out, size_t len)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT group_concat(name, ',') FROM "
             "(SELECT name FROM pragma_table_info('%s') ORDER BY cid)", table);
    sql_text(db, sql, out, len);
}

/* a file's schema version and whether graph has a label column, read with
 * a connection of the test's own */
static void raw_layout(const char *path, long long *version, long long *has_label,
                       long long *has_info)
{
    sqlite3 *db;
    *version = *has_label = *has_info = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        *version = sql_int(db, "SELECT max(version) FROM schema_version");
        *has_label = sql_int(db, "SELECT count(*) FROM pragma_table_info('graph') "
                                 "WHERE name = 'label'");
        *has_info = sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'campaign_info'");
    }
    sqlite3_close(db);
}

static void upgrade_v1(void)
{
    const char *path = tmp_path("v1.db");
    make_v1_store(path, &campaign_a, 1, 0, 20, NULL);
    long long version, has_label, has_info;
    raw_layout(path, &version, &has_label, &has_info);
    CU_ASSERT_EQUAL(version, 1);
    CU_ASSERT_EQUAL(has_label, 0);
    CU_ASSERT_EQUAL(has_info, 0);

    /* opened: upgraded in place, every row as it was */
    wg_store *s;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    sqlite3 *db = wg_store_db(s);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT max(version) FROM schema_version"), 4);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM schema_version"), 4);   /* history kept */
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM schema_version WHERE version IN (2, 3, 4) "
                                "AND created LIKE '20__-__-__T__:__:__Z'"), 3);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(classes) FROM graph"), 0);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM check_result WHERE hvp_computed <> 0 OR "
                                "hvp_value IS NOT NULL"), 0);
    int64_t c;
    int resumed = 0;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &campaign_a, &c, &resumed, &err), WG_OK);
    CU_ASSERT_EQUAL(resumed, 1);
    unsigned bad = 0;
    for (uint64_t i = 0; i < 20; i++)
        bad += !stored_is_synth(s, c, i, 0);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(label) FROM graph"), 0);
    /* the same layout as a store made new */
    const char *fresh = tmp_path("v2-fresh.db");
    remove_store(fresh);
    wg_store *f;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(fresh, &f, &err), WG_OK);
    const char *tables[] = { "schema_version", "campaign", "graph", "graph_op", "check_result",
                             "reproducer", "campaign_info" };
    for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
        char a[1200], b[1200];
        columns_of(db, tables[k], a, sizeof a);
        columns_of(wg_store_db(f), tables[k], b, sizeof b);
        CU_ASSERT(a[0] != '\0');
        if (strcmp(a, b) != 0)
            fprintf(stderr, "\n  %s: upgraded (%s) vs new (%s)\n", tables[k], a, b);
        CU_ASSERT_STRING_EQUAL(a, b);
    }
    wg_store_close(f);
    remove_store(fresh);
    /* and it takes what version 2 adds */
    synth g;
    make_synth(&g, 20, 2);
    CU_ASSERT_EQUAL(wg_store_put_graph(s, c, &g.rec, &err), WG_OK);
    CU_ASSERT(stored_is_synth(s, c, 20, 2));
    CU_ASSERT_EQUAL(wg_store_campaign_set_info(s, c, "tool", "wengert-fuzz", &err), WG_OK);
    wg_store_close(s);
    /* opened again: nothing more to do */
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    CU_ASSERT_EQUAL(sql_int(wg_store_db(s), "SELECT count(*) FROM schema_version"), 4);
    char v[64];
    CU_ASSERT_STRING_EQUAL(info_of(s, c, "tool", v, sizeof v), "wengert-fuzz");
    wg_store_close(s);
    CU_ASSERT_EQUAL(check_whole(path), 21);

    /* an upgrade that fails is undone whole: a v1 file that has a table
     * named campaign_info already stays a v1 file, without label */
    make_v1_store(path, &campaign_a, 1, 0, 3, "CREATE TABLE campaign_info (x)");
    CU_ASSERT_EQUAL(wg_store_open(path, &s, &err), WG_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "cannot upgrade"));
    raw_layout(path, &version, &has_label, &has_info);
    CU_ASSERT_EQUAL(version, 1);
    CU_ASSERT_EQUAL(has_label, 0);
    remove_store(path);
}

static void set_infos(const char *path, const wg_store_campaign *camp, const wg_store_info *kv,
                      size_t n)
{
    wg_store *s;
    wg_store_error err;
    int64_t c;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, camp, &c, NULL, &err), WG_OK);
    CU_ASSERT_EQUAL(wg_store_campaign_put_info(s, c, kv, n, &err), WG_OK);
    wg_store_close(s);
}

static void merge_info_labels(void)
{
    const char *dst = tmp_path("info-dst.db"), *src = tmp_path("info-src.db");
    remove_store(dst);
    remove_store(src);
    wg_store_campaign other = campaign_b;
    other.seed = 2;
    /* dst: campaign b, graphs 0-5, two keys.  src: b, graphs 3-8, a key
     * dst has (with another value) and one it lacks; another campaign
     * with its graphs and keys */
    fill(dst, &campaign_b, 0, 6, 2);
    const wg_store_info dkv[] = { { "tool", "dst-tool" }, { "only_dst", "1" } };
    set_infos(dst, &campaign_b, dkv, 2);
    fill(src, &other, 0, 4, 2);
    fill(src, &campaign_b, 3, 9, 2);
    const wg_store_info skv[] = { { "tool", "src-tool" }, { "only_src", "2" } };
    set_infos(src, &campaign_b, skv, 2);
    const wg_store_info okv[] = { { "tool", "other" }, { "runs", "3" }, { "cpu", "x" } };
    set_infos(src, &other, okv, 3);

    wg_store *s;
    wg_store_error err;
    wg_store_merge_stats st;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(dst, &s, &err), WG_OK);
    CU_ASSERT_EQUAL(wg_store_merge(s, src, &st, &err), WG_OK);
    CU_ASSERT_EQUAL(st.campaigns_added, 1);
    CU_ASSERT_EQUAL(st.info_added, 4);          /* only_src, and other's three */
    CU_ASSERT_EQUAL(st.graphs_added, 3 + 4);
    CU_ASSERT_EQUAL(st.graphs_present, 3);
    int64_t cb, co;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &campaign_b, &cb, NULL, &err), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &other, &co, NULL, &err), WG_OK);
    char v[64];
    CU_ASSERT_STRING_EQUAL(info_of(s, cb, "tool", v, sizeof v), "dst-tool");   /* dst's kept */
    CU_ASSERT_STRING_EQUAL(info_of(s, cb, "only_dst", v, sizeof v), "1");
    CU_ASSERT_STRING_EQUAL(info_of(s, cb, "only_src", v, sizeof v), "2");
    CU_ASSERT_STRING_EQUAL(info_of(s, co, "tool", v, sizeof v), "other");
    CU_ASSERT_STRING_EQUAL(info_of(s, co, "runs", v, sizeof v), "3");
    CU_ASSERT_STRING_EQUAL(info_of(s, co, "only_src", v, sizeof v), "(none)");
    /* labels came over with their graphs */
    unsigned bad = 0;
    for (uint64_t i = 0; i < 9; i++)
        bad += !stored_is_synth(s, cb, i, 2);
    for (uint64_t i = 0; i < 4; i++)
        bad += !stored_is_synth(s, co, i, 2);
    CU_ASSERT_EQUAL(bad, 0);
    /* again: nothing changes */
    char fp1[160], fp2[160];
    fingerprint(wg_store_db(s), fp1, sizeof fp1);
    CU_ASSERT_EQUAL(wg_store_merge(s, src, &st, &err), WG_OK);
    CU_ASSERT_EQUAL(st.info_added, 0);
    CU_ASSERT_EQUAL(st.graphs_added, 0);
    fingerprint(wg_store_db(s), fp2, sizeof fp2);
    CU_ASSERT_STRING_EQUAL(fp1, fp2);
    wg_store_close(s);
    CU_ASSERT_EQUAL(check_whole(dst), 13);
    remove_store(dst);
    remove_store(src);
}

static void merge_v1_source(void)
{
    const char *dst = tmp_path("v2-dst.db"), *src = tmp_path("v1-src.db");
    remove_store(dst);
    wg_store_campaign s0 = campaign_a, s1 = campaign_a;
    s0.shard_k = 0, s0.shard_n = 2;
    s1.shard_k = 1, s1.shard_n = 2;
    const wg_store_campaign both[] = { s0, s1 };
    make_v1_store(src, both, 2, 0, 7, NULL);
    fill(dst, &s0, 0, 4, 0);
    const wg_store_info kv[] = { { "tool", "wengert-fuzz" } };
    set_infos(dst, &s0, kv, 1);

    wg_store *s;
    wg_store_error err;
    wg_store_merge_stats st;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(dst, &s, &err), WG_OK);
    CU_ASSERT_EQUAL(wg_store_merge(s, src, &st, &err), WG_OK);
    if (err.status)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_EQUAL(st.campaigns_added, 1);
    CU_ASSERT_EQUAL(st.info_added, 0);
    CU_ASSERT_EQUAL(st.graphs_added, 3 + 7);
    CU_ASSERT_EQUAL(st.graphs_present, 4);
    CU_ASSERT_EQUAL(st.checks_added, checks_of(4, 7) + checks_of(0, 7));
    int64_t c0, c1;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &s0, &c0, NULL, &err), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &s1, &c1, NULL, &err), WG_OK);
    unsigned bad = 0;
    for (uint64_t i = 0; i < 7; i++)
        bad += !stored_is_synth(s, c0, i, 0) + !stored_is_synth(s, c1, i, 0);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(sql_int(wg_store_db(s), "SELECT count(label) FROM graph"), 0);
    char v[64];
    CU_ASSERT_STRING_EQUAL(info_of(s, c0, "tool", v, sizeof v), "wengert-fuzz");
    CU_ASSERT_EQUAL(sql_int(wg_store_db(s), "SELECT count(*) FROM campaign_info"), 1);
    /* again: nothing */
    CU_ASSERT_EQUAL(wg_store_merge(s, src, &st, &err), WG_OK);
    CU_ASSERT_EQUAL(st.graphs_added + st.campaigns_added + st.info_added, 0);
    wg_store_close(s);
    CU_ASSERT_EQUAL(check_whole(dst), 14);
    /* the source is left a version-1 store */
    long long version, has_label, has_info;
    raw_layout(src, &version, &has_label, &has_info);
    CU_ASSERT_EQUAL(version, 1);
    CU_ASSERT_EQUAL(has_label, 0);
    CU_ASSERT_EQUAL(has_info, 0);

    /* a source of a later version is refused, naming it */
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(src, &db), SQLITE_OK);
    CU_ASSERT(exec_ok(db, "INSERT INTO schema_version VALUES (5, 'later')"));
    sqlite3_close(db);
    CU_ASSERT_EQUAL_FATAL(wg_store_open(dst, &s, &err), WG_OK);
    CU_ASSERT_EQUAL(wg_store_merge(s, src, &st, &err), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, src));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "schema version 5"));
    wg_store_close(s);
    remove_store(dst);
    remove_store(src);
}

/* ---------------------------------------------------------------- version 3 */

/* A store of version 3 at path: the rows of synthetic graphs from..to
 * (variant 0) of each campaign written by this program, then taken back to
 * the layout of version 3 by SQL: version 4's columns dropped (they are
 * the last ones, as the upgrade adds them), a fail's op of no node NULL
 * again, the version 3.  extra_sql runs last. */
static void make_v3_store(const char *path, const wg_store_campaign *camps, size_t ncamps,
                          uint64_t from, uint64_t to, const char *extra_sql)
{
    remove_store(path);
    for (size_t k = 0; k < ncamps; k++)
        fill(path, &camps[k], from, to, 0);
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    CU_ASSERT(exec_ok(db,
        "BEGIN;"
        "ALTER TABLE check_result DROP COLUMN reverse_digits;"
        "ALTER TABLE check_result DROP COLUMN forward_digits;"
        "ALTER TABLE check_result DROP COLUMN condition;"
        "ALTER TABLE check_result DROP COLUMN ill_conditioned;"
        "ALTER TABLE check_result DROP COLUMN blame_text;"
        "ALTER TABLE check_result DROP COLUMN hessian_value;"
        "ALTER TABLE check_result DROP COLUMN hessian_abs_err;"
        "ALTER TABLE check_result DROP COLUMN hessian_rel_err;"
        "ALTER TABLE check_result DROP COLUMN hessian_ulps;"
        "ALTER TABLE check_result DROP COLUMN hessian_err_est;"
        "ALTER TABLE check_result DROP COLUMN hessian_computed;"
        "ALTER TABLE check_result DROP COLUMN hessian_method;"
        "ALTER TABLE check_result DROP COLUMN reference_weak;"
        "UPDATE check_result SET blame_op = NULL WHERE blame_op = 'none';"
        "UPDATE schema_version SET version = 3, created = '2026-01-01T00:00:00Z';"
        "COMMIT;"));
    if (extra_sql)
        CU_ASSERT(exec_ok(db, extra_sql));
    sqlite3_close(db);
}

static void upgrade_v3(void)
{
    const char *path = tmp_path("v3.db");
    make_v3_store(path, &campaign_a, 1, 0, 30, NULL);
    long long version, has_label, has_info;
    raw_layout(path, &version, &has_label, &has_info);
    CU_ASSERT_EQUAL(version, 3);
    sqlite3 *raw;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL(sql_int(raw, "SELECT count(*) FROM pragma_table_info('check_result') "
                                 "WHERE name IN ('ill_conditioned', 'blame_text')"), 0);
    long long nones = sql_int(raw, "SELECT count(*) FROM check_result WHERE verdict = 'fail' "
                                   "AND blame_op IS NULL");
    CU_ASSERT(nones > 0);
    sqlite3_close(raw);

    /* opened: upgraded in place, every row as it was, the fails of no node 'none' */
    wg_store *s;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    sqlite3 *db = wg_store_db(s);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT max(version) FROM schema_version"), 4);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM schema_version"), 2);   /* 3 kept */
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM check_result WHERE ill_conditioned <> 0 "
                                "OR reverse_digits IS NOT NULL OR blame_text IS NOT NULL"), 0);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM check_result WHERE verdict = 'fail' "
                                "AND blame_op = 'none'"), nones);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM check_result WHERE blame_op IS NULL AND "
                                "verdict = 'fail'"), 0);
    int64_t c;
    int resumed = 0;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &campaign_a, &c, &resumed, &err), WG_OK);
    CU_ASSERT_EQUAL(resumed, 1);
    unsigned bad = 0;
    for (uint64_t i = 0; i < 30; i++)
        bad += !stored_is_synth(s, c, i, 0);
    CU_ASSERT_EQUAL(bad, 0);
    /* the layout of a store made new */
    const char *fresh = tmp_path("v4-fresh.db");
    remove_store(fresh);
    wg_store *f;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(fresh, &f, &err), WG_OK);
    char a[1500], b[1500];
    columns_of(db, "check_result", a, sizeof a);
    columns_of(wg_store_db(f), "check_result", b, sizeof b);
    CU_ASSERT_STRING_EQUAL(a, b);
    wg_store_close(f);
    remove_store(fresh);
    /* it takes what version 4 adds */
    synth g;
    make_synth(&g, 30, 1);
    CU_ASSERT_EQUAL(wg_store_put_graph(s, c, &g.rec, &err), WG_OK);
    CU_ASSERT(stored_is_synth(s, c, 30, 1));
    wg_store_close(s);
    CU_ASSERT_EQUAL(check_whole(path), 31);
    /* opened again: nothing more to do */
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    CU_ASSERT_EQUAL(sql_int(wg_store_db(s), "SELECT count(*) FROM schema_version"), 2);
    wg_store_close(s);

    /* an upgrade that fails is undone whole: a v3 file whose check_result
     * has a column blame_text already stays a v3 file */
    make_v3_store(path, &campaign_a, 1, 0, 3,
                  "ALTER TABLE check_result ADD COLUMN blame_text");
    CU_ASSERT_EQUAL(wg_store_open(path, &s, &err), WG_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "cannot upgrade the store from schema version 3"));
    raw_layout(path, &version, &has_label, &has_info);
    CU_ASSERT_EQUAL(version, 3);
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL(sql_int(raw, "SELECT count(*) FROM pragma_table_info('check_result') "
                                 "WHERE name = 'reverse_digits'"), 0);
    sqlite3_close(raw);
    remove_store(path);
}

static void merge_v3_source(void)
{
    const char *dst = tmp_path("v4-dst.db"), *src = tmp_path("v3-src.db");
    remove_store(dst);
    wg_store_campaign s0 = campaign_a, s1 = campaign_a;
    s0.shard_k = 0, s0.shard_n = 2;
    s1.shard_k = 1, s1.shard_n = 2;
    const wg_store_campaign both[] = { s0, s1 };
    make_v3_store(src, both, 2, 0, 9, NULL);
    fill(dst, &s0, 0, 5, 1);            /* version 4 rows, with accuracy */

    wg_store *s;
    wg_store_error err;
    wg_store_merge_stats st;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(dst, &s, &err), WG_OK);
    CU_ASSERT_EQUAL(wg_store_merge(s, src, &st, &err), WG_OK);
    if (err.status)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_EQUAL(st.campaigns_added, 1);
    CU_ASSERT_EQUAL(st.graphs_added, 4 + 9);
    CU_ASSERT_EQUAL(st.graphs_present, 5);
    CU_ASSERT_EQUAL(st.checks_added, checks_of(5, 9) + checks_of(0, 9));
    int64_t c0, c1;
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &s0, &c0, NULL, &err), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_store_campaign_open(s, &s1, &c1, NULL, &err), WG_OK);
    unsigned bad = 0;
    for (uint64_t i = 0; i < 9; i++)
        bad += !stored_is_synth(s, c0, i, i < 5 ? 1 : 0) + !stored_is_synth(s, c1, i, 0);
    CU_ASSERT_EQUAL(bad, 0);
    sqlite3 *db = wg_store_db(s);
    /* the destination's own flags kept; the source's fails of no node 'none' */
    CU_ASSERT(sql_int(db, "SELECT count(*) FROM check_result WHERE ill_conditioned <> 0") > 0);
    CU_ASSERT_EQUAL(sql_int(db, "SELECT count(*) FROM check_result WHERE verdict = 'fail' "
                                "AND blame_op IS NULL"), 0);
    /* again: nothing */
    CU_ASSERT_EQUAL(wg_store_merge(s, src, &st, &err), WG_OK);
    CU_ASSERT_EQUAL(st.graphs_added + st.campaigns_added + st.checks_added, 0);
    wg_store_close(s);
    CU_ASSERT_EQUAL(check_whole(dst), 18);
    /* the source is left a version-3 store, its rows as they were */
    long long version, has_label, has_info;
    raw_layout(src, &version, &has_label, &has_info);
    CU_ASSERT_EQUAL(version, 3);
    sqlite3 *raw;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(src, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CU_ASSERT(sql_int(raw, "SELECT count(*) FROM check_result WHERE verdict = 'fail' AND "
                           "blame_op IS NULL") > 0);
    sqlite3_close(raw);
    remove_store(dst);
    remove_store(src);
}

/* ---------------------------------------------------------------- bad paths and files */

static void expect_open_error(const char *path, int status, const char *part)
{
    wg_store *s = (wg_store *)&s;   /* must be set to NULL */
    wg_store_error err;
    int got = wg_store_open(path, &s, &err);
    CU_ASSERT_EQUAL(got, status);
    CU_ASSERT_EQUAL(err.status, status);
    CU_ASSERT_PTR_NULL(s);
    if (path && *path)
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, path));
    if (part && !strstr(err.message, part))
        fprintf(stderr, "\n  message \"%s\" lacks \"%s\"\n", err.message, part);
    if (part)
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, part));
    wg_store_close(s == (wg_store *)&s ? NULL : s);
}

static void bad_paths(void)
{
    expect_open_error(NULL, WG_EINVAL, "no path");
    expect_open_error("", WG_EINVAL, "no path");
    expect_open_error(scratch, WG_EIO, "is a directory");
    expect_open_error(tmp_path("no/such/dir/x.db"), WG_EIO, "No such file or directory");

    const char *plain = tmp_path("plain.txt");
    write_file(plain, "some text\n");
    char under[600];
    snprintf(under, sizeof under, "%s/x.db", plain);
    expect_open_error(under, WG_EIO, "Not a directory");

    /* text that is not a database: refused, and left untouched */
    const char *junk = tmp_path("junk.db");
    const char *content = "wengert-fuzz results? no: these are not the bytes of a database.\n";
    write_file(junk, content);
    expect_open_error(junk, WG_EIO, "not an SQLite database");
    char back[200] = "";
    FILE *f = fopen(junk, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT(fgets(back, sizeof back, f) != NULL);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(back, content);

    /* an SQLite database of something else; a store of another version */
    const char *foreign = tmp_path("foreign.db");
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(foreign, &db), SQLITE_OK);
    sqlite3_exec(db, "CREATE TABLE notes (x)", NULL, NULL, NULL);
    sqlite3_close(db);
    expect_open_error(foreign, WG_EINVAL, "not a wengert-fuzz result store");
    const char *future = tmp_path("future.db");
    wg_store *s;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(future, &s, &err), WG_OK);
    wg_store_close(s);
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(future, &db), SQLITE_OK);
    sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    expect_open_error(future, WG_EINVAL, "schema version 99");

    /* an empty file is an empty database: it becomes a store */
    const char *empty = tmp_path("empty.db");
    write_file(empty, "");
    CU_ASSERT_EQUAL(wg_store_open(empty, &s, &err), WG_OK);
    wg_store_close(s);
    remove_store(empty);
    remove_store(foreign);
    remove_store(future);
    unlink(junk);
    unlink(plain);
}

/* Unwritable places.  Root may write anywhere, so the attempt runs in a
 * child that gives up root first (to nobody); the child sends back the
 * status and message. */
typedef struct { int status; char message[768]; } open_outcome;

static int open_as_unprivileged(const char *path, open_outcome *out)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fd[0]);
        open_outcome o = { -1, "" };
        if (geteuid() != 0 || (setgid(65534) == 0 && setuid(65534) == 0)) {
            wg_store *s;
            wg_store_error err;
            o.status = wg_store_open(path, &s, &err);
            snprintf(o.message, sizeof o.message, "%s", err.message);
            wg_store_close(s);
        }
        ssize_t w = write(fd[1], &o, sizeof o);
        _exit(w == (ssize_t)sizeof o ? 0 : 1);
    }
    close(fd[1]);
    ssize_t r = read(fd[0], out, sizeof *out);
    close(fd[0]);
    int st;
    waitpid(pid, &st, 0);
    return r == (ssize_t)sizeof *out && out->status >= 0 ? 0 : -1;
}

static void unwritable_places(void)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/locked", scratch);
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    char existing[700], fresh[700], readonly[700];
    snprintf(existing, sizeof existing, "%s/existing.db", dir);
    snprintf(fresh, sizeof fresh, "%s/new.db", dir);
    snprintf(readonly, sizeof readonly, "%s/readonly.db", scratch);
    wg_store *s;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(existing, &s, &err), WG_OK);
    wg_store_close(s);
    CU_ASSERT_EQUAL_FATAL(wg_store_open(readonly, &s, &err), WG_OK);
    wg_store_close(s);
    /* everyone may look, nobody but the owner may write */
    chmod(scratch, 0755);
    chmod(dir, 0555);
    chmod(existing, 0666);
    chmod(readonly, 0444);

    /* the reason is "not writable", or "Permission denied" when a folder
     * above the scratch one is closed to the unprivileged user */
#define DENIED(m) (strstr(m, "not writable") || strstr(m, "Permission denied"))
    open_outcome o;
    if (open_as_unprivileged(fresh, &o) != 0) {
        printf("(skipped: cannot run as an unprivileged user) ");
    } else {
        CU_ASSERT_EQUAL(o.status, WG_EIO);
        CU_ASSERT_PTR_NOT_NULL(strstr(o.message, fresh));
        CU_ASSERT(DENIED(o.message));
        CU_ASSERT_EQUAL(open_as_unprivileged(existing, &o), 0);
        CU_ASSERT_EQUAL(o.status, WG_EIO);   /* its -wal could not be made */
        CU_ASSERT_PTR_NOT_NULL(strstr(o.message, existing));
        CU_ASSERT(DENIED(o.message));
        CU_ASSERT_EQUAL(open_as_unprivileged(readonly, &o), 0);
        CU_ASSERT_EQUAL(o.status, WG_EIO);
        CU_ASSERT_PTR_NOT_NULL(strstr(o.message, readonly));
        CU_ASSERT(DENIED(o.message));
    }
#undef DENIED
    CU_ASSERT_NOT_EQUAL(access(fresh, F_OK), 0);
    chmod(dir, 0700);
    chmod(scratch, 0700);
    remove_store(existing);
    remove_store(readonly);
    rmdir(dir);
}

int main(void)
{
    if (make_scratch("wg-store") != 0) {
        perror("test_store: mkdtemp");
        return 99;
    }
    static const wg_test_case cases[] = {
        { "schema: create, reopen, campaigns found again", schema_create_reopen },
        { "a real check written and read back bit for bit", roundtrip_real_check },
        { "awkward doubles round-trip; SQL summary agrees", roundtrip_awkward_values },
        { "writer killed at seeded moments: whole graphs only, resume exact", kill_and_resume },
        { "resume starts at the first gap", resume_first_gap },
        { "shard stores merge: union, idempotent, conflicts kept", merge_shards },
        { "labels round-trip, NULL when none", label_roundtrip },
        { "campaign info: set, get, replace, refused", info_set_get },
        { "a version-1 store is upgraded in place, whole or not at all", upgrade_v1 },
        { "merge copies labels and campaign info (destination's values kept)",
          merge_info_labels },
        { "merge of a version-1 source", merge_v1_source },
        { "a version-3 store is upgraded to 4 in place, whole or not at all", upgrade_v3 },
        { "merge of a version-3 source into a version-4 store", merge_v3_source },
        { "bad paths and files that are not stores", bad_paths },
        { "unwritable directory and file", unwritable_places },
        { NULL, NULL }
    };
    int rc = wg_test_main("store", cases);
    remove_tree(scratch);
    return rc;
}
