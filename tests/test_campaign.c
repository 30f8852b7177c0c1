/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_campaign.c -- wengert-fuzz campaigns (fuzz/campaign.h) and the
 * self-test (fuzz/selftest.h): the index space (graph seeds distinct,
 * shards partition the graphs), n shards merged make exactly the graphs of
 * one unsharded run, parallel workers make the same graphs as one, a run
 * killed with SIGKILL or stopped resumes with nothing lost or duplicated, a
 * campaign with an injected bug finds it, shrinks it and saves a reproducer
 * that reproduces, and a short self-test meets its targets. */
#define _GNU_SOURCE

#include "bugs.h"
#include "campaign.h"
#include "selftest.h"
#include "shrink.h"
#include "store.h"
#include "test_scratch.h"
#include "test_util.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <dirent.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- scratch files */

/* small graphs: the tests are about the campaign, not the verifier */
static void small_options(wg_campaign_options *o, const char *store)
{
    wg_campaign_options_init(o);
    o->gen.nodes_min = 4;
    o->gen.nodes_max = 10;
    o->check.directions = 2;
    o->store_path = store;
}

/* ---------------------------------------------------------------- reading stores */

/* one row per graph of every campaign in the store: seed and hash */
typedef struct row {
    long long seed;
    char hash[17];
} row;

static int cmp_row(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->seed != y->seed)
        return x->seed < y->seed ? -1 : 1;
    return strcmp(x->hash, y->hash);
}

/* rows sorted; *n rows; NULL on error */
static row *read_rows(const char *path, size_t *n)
{
    sqlite3 *db = NULL;
    *n = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_stmt *q = NULL;
    row *rows = NULL;
    size_t cap = 0;
    if (sqlite3_prepare_v2(db, "SELECT seed, hash FROM graph", -1, &q, NULL) == SQLITE_OK) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (*n == cap) {
                cap = cap ? 2 * cap : 64;
                row *r = realloc(rows, cap * sizeof *rows);
                if (!r)
                    break;
                rows = r;
            }
            rows[*n].seed = sqlite3_column_int64(q, 0);
            snprintf(rows[*n].hash, sizeof rows[*n].hash, "%s",
                     (const char *)sqlite3_column_text(q, 1));
            (*n)++;
        }
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    if (rows)
        qsort(rows, *n, sizeof *rows, cmp_row);
    return rows;
}

static long long count(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    long long v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return v;
}

static int same_rows(const char *a, const char *b)
{
    size_t na, nb;
    row *ra = read_rows(a, &na), *rb = read_rows(b, &nb);
    int same = ra && rb && na == nb;
    for (size_t i = 0; same && i < na; i++)
        same = cmp_row(&ra[i], &rb[i]) == 0;
    if (!same)
        fprintf(stderr, "\n  %s: %zu graphs, %s: %zu graphs\n", a, na, b, nb);
    free(ra);
    free(rb);
    return same;
}

static int run(const wg_campaign_options *o, wg_campaign_stats *st)
{
    char why[512] = "";
    int rc = wg_campaign_run(o, st, why, sizeof why);
    if (rc != WG_OK)
        fprintf(stderr, "\n  campaign: %s\n", why);
    return rc;
}

/* ---------------------------------------------------------------- index space */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void index_space(void)
{
    /* graph seeds: 32-bit words, all distinct over a long campaign */
    enum { N = 200000 };
    uint64_t *s = malloc(N * sizeof *s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    for (uint64_t seed = 0; seed < 3; seed++) {
        for (uint64_t g = 0; g < N; g++)
            s[g] = wg_campaign_graph_seed(seed, g);
        qsort(s, N, sizeof *s, cmp_u64);
        int dup = 0;
        for (size_t i = 1; i < N; i++)
            dup |= s[i] == s[i - 1];
        CU_ASSERT(!dup);
        CU_ASSERT(s[N - 1] <= UINT32_MAX);
    }
    free(s);
    /* other campaigns draw other graphs */
    CU_ASSERT(wg_campaign_graph_seed(1, 0) != wg_campaign_graph_seed(2, 0));
    CU_ASSERT(wg_campaign_graph_seed(1, 0) != wg_campaign_graph_seed(UINT64_C(1) << 32 | 1, 0) ||
              wg_campaign_graph_seed(1, 1) != wg_campaign_graph_seed(UINT64_C(1) << 32 | 1, 1));

    /* shards partition 0..total-1: every global index exactly once */
    for (uint64_t total = 0; total <= 40; total++)
        for (unsigned n = 1; n <= 7; n++) {
            unsigned char seen[41] = { 0 };
            uint64_t sum = 0;
            int ok = 1;
            for (unsigned k = 0; k < n; k++) {
                uint64_t m = wg_campaign_shard_graphs(total, k, n);
                sum += m;
                for (uint64_t i = 0; i < m; i++) {
                    uint64_t g = wg_campaign_global_index(i, k, n);
                    ok &= g < total && !seen[g];
                    if (g < total)
                        seen[g] = 1;
                }
            }
            CU_ASSERT(ok && sum == total);
        }
}

/* ---------------------------------------------------------------- shards */

static void shards_union(void)
{
    wg_campaign_options o;
    wg_campaign_stats st;
    const char *whole = tmp_path("whole.sqlite");
    small_options(&o, whole);
    o.graphs = 50;
    CU_ASSERT_EQUAL_FATAL(run(&o, &st), WG_OK);
    CU_ASSERT_EQUAL(st.graphs, 50);

    const char *merged = tmp_path("merged.sqlite");
    wg_store *m = NULL;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(merged, &m, &err), WG_OK);
    uint64_t total = 0;
    for (unsigned k = 0; k < 3; k++) {
        char name[64];
        snprintf(name, sizeof name, "shard-%u.sqlite", k);
        const char *path = tmp_path(name);
        small_options(&o, path);
        o.graphs = 50;
        o.shard_k = k;
        o.shard_n = 3;
        CU_ASSERT_EQUAL(run(&o, &st), WG_OK);
        CU_ASSERT_EQUAL(st.graphs, wg_campaign_shard_graphs(50, k, 3));
        total += st.graphs;
        wg_store_merge_stats ms;
        CU_ASSERT_EQUAL(wg_store_merge(m, path, &ms, &err), WG_OK);
        CU_ASSERT_EQUAL(ms.graphs_added, st.graphs);
    }
    wg_store_close(m);
    CU_ASSERT_EQUAL(total, 50);
    /* the same graphs (by seed and text hash), each once */
    CU_ASSERT(same_rows(whole, merged));
    CU_ASSERT_EQUAL(count(merged, "SELECT COUNT(DISTINCT seed) FROM graph"), 50);
}

static void jobs_same_graphs(void)
{
    wg_campaign_options o;
    wg_campaign_stats st;
    const char *one = tmp_path("one.sqlite"), *two = tmp_path("two.sqlite");
    small_options(&o, one);
    o.graphs = 40;
    CU_ASSERT_EQUAL_FATAL(run(&o, &st), WG_OK);
    small_options(&o, two);
    o.graphs = 40;
    o.jobs = 3;
    CU_ASSERT_EQUAL_FATAL(run(&o, &st), WG_OK);
    CU_ASSERT_EQUAL(st.graphs, 40);
    CU_ASSERT_EQUAL(st.graphs_this_run, 40);
    CU_ASSERT(same_rows(one, two));
    CU_ASSERT_EQUAL(count(two, "SELECT COUNT(*) FROM check_result"), 80);
    CU_ASSERT_EQUAL(count(two, "SELECT COUNT(DISTINCT idx) FROM graph"), 40);
    CU_ASSERT_EQUAL(count(two, "SELECT MAX(idx) FROM graph"), 39);
}

/* ---------------------------------------------------------------- kill and resume */

static long long graphs_in(const char *path)
{
    return count(path, "SELECT COUNT(*) FROM graph");
}

static void kill_and_resume(void)
{
    const char *path = tmp_path("killed.sqlite");
    const char *ref = tmp_path("unkilled.sqlite");
    wg_campaign_options o;
    wg_campaign_stats st;
    enum { TOTAL = 300 };
    /* the same campaign, uninterrupted */
    small_options(&o, ref);
    o.graphs = TOTAL;
    CU_ASSERT_EQUAL_FATAL(run(&o, &st), WG_OK);

    for (unsigned jobs = 1; jobs <= 2; jobs++) {
        unlink(path);
        pid_t pid = fork();
        CU_ASSERT_FATAL(pid >= 0);
        if (pid == 0) {
            small_options(&o, path);
            o.graphs = TOTAL;
            o.jobs = jobs;
            char why[256];
            _exit(wg_campaign_run(&o, &st, why, sizeof why) == WG_OK ? 0 : 1);
        }
        /* kill as soon as some graphs are in, long before all are */
        long long have = 0;
        for (int i = 0; i < 20000 && have < 5; i++) {
            usleep(1000);
            have = graphs_in(path);
        }
        kill(pid, SIGKILL);
        int ws;
        waitpid(pid, &ws, 0);
        CU_ASSERT(WIFSIGNALED(ws));
        /* its workers die with it */
        usleep(100000);
        long long before = graphs_in(path);
        long long later = graphs_in(path);
        CU_ASSERT_EQUAL(before, later);
        CU_ASSERT(before >= 5 && before < TOTAL);
        /* the killed run is counted: it was counted when it began */
        CU_ASSERT_EQUAL(count(path, "SELECT value FROM campaign_info WHERE key = 'runs'"), 1);
        CU_ASSERT_EQUAL(count(path, "SELECT count(*) FROM campaign_info WHERE key = "
                                    "'run.1.started'"), 1);
        /* whole graphs only: every graph has its checks */
        CU_ASSERT_EQUAL(count(path, "SELECT COUNT(*) FROM graph g WHERE directions != "
                                    "(SELECT COUNT(*) FROM check_result c WHERE c.graph = g.id)"), 0);

        small_options(&o, path);
        o.graphs = TOTAL;
        o.jobs = jobs;
        CU_ASSERT_EQUAL(run(&o, &st), WG_OK);
        CU_ASSERT_EQUAL(st.resumed_from, (uint64_t)before);
        CU_ASSERT_EQUAL(st.graphs, TOTAL);
        CU_ASSERT_EQUAL(st.graphs_this_run, TOTAL - (uint64_t)before);
        CU_ASSERT_EQUAL(count(path, "SELECT COUNT(*) FROM campaign"), 1);
        CU_ASSERT_EQUAL(count(path, "SELECT COUNT(*) FROM check_result"), 2 * TOTAL);
        CU_ASSERT(same_rows(ref, path));
        CU_ASSERT_EQUAL(count(path, "SELECT value FROM campaign_info WHERE key = 'runs'"), 2);
        /* the lock of the killed run was taken over and released at the end */
        CU_ASSERT_EQUAL(count(path, "SELECT count(*) FROM campaign_info WHERE key = 'running'"),
                        0);
    }
}

/* the stop flag, as SIGINT sets it: a clean stop, then a resume */
static volatile sig_atomic_t stop_flag;

static void stop_after_10(void *ctx, const wg_campaign_stats *st, int done)
{
    (void)ctx;
    if (!done && st->graphs_this_run >= 10)
        stop_flag = 1;
}

static void stop_and_resume(void)
{
    const char *path = tmp_path("stopped.sqlite");
    wg_campaign_options o;
    wg_campaign_stats st;
    small_options(&o, path);
    o.graphs = 60;
    stop_flag = 0;
    o.stop = &stop_flag;
    o.progress = stop_after_10;
    CU_ASSERT_EQUAL_FATAL(run(&o, &st), WG_OK);
    CU_ASSERT(st.interrupted);
    CU_ASSERT_EQUAL(st.graphs, 10);
    stop_flag = 0;
    o.progress = NULL;
    CU_ASSERT_EQUAL(run(&o, &st), WG_OK);
    CU_ASSERT(!st.interrupted);
    CU_ASSERT_EQUAL(st.resumed_from, 10);
    CU_ASSERT_EQUAL(st.graphs, 60);
    /* other options are another campaign, in the same store */
    o.check.directions = 3;
    CU_ASSERT_EQUAL(run(&o, &st), WG_OK);
    CU_ASSERT_EQUAL(st.resumed_from, 0);
    CU_ASSERT_EQUAL(count(path, "SELECT COUNT(*) FROM campaign"), 2);
}

/* ---------------------------------------------------------------- an injected bug */

static void finds_injected_bug(void)
{
    const char *path = tmp_path("bug.sqlite");
    const char *dir = tmp_path("repro");
    wg_campaign_options o;
    wg_campaign_stats st;
    small_options(&o, path);
    o.graphs = 120;
    o.bug = wg_bug_find("cos-sign");
    o.repro_dir = dir;
    CU_ASSERT_EQUAL_FATAL(run(&o, &st), WG_OK);
    uint64_t fails = st.graph_verdicts[WG_VERDICT_FAIL];
    CU_ASSERT(fails > 0);
    CU_ASSERT_EQUAL(st.reproducers, fails);
    /* every failure is blamed on cos and has a reproducer file */
    CU_ASSERT_EQUAL(count(path, "SELECT COUNT(*) FROM check_result WHERE verdict = 'fail' AND "
                                "(blame_op IS NULL OR blame_op != 'cos')"), 0);
    CU_ASSERT_EQUAL(count(path, "SELECT COUNT(*) FROM graph g JOIN reproducer r ON r.graph = g.id "
                                "WHERE g.verdict = 'fail' AND r.path IS NOT NULL AND r.nodes <= 3"),
                    (long long)fails);
    /* the graphs that do not pass keep their text, the others do not */
    CU_ASSERT_EQUAL(count(path, "SELECT COUNT(*) FROM graph WHERE verdict != 'pass' AND wg_text IS NULL"), 0);

    /* a reproducer file reproduces: with the bug it fails on cos, without it passes */
    sqlite3 *db = NULL;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "SELECT r.path, g.seed FROM reproducer r JOIN graph g"
                                                 " ON r.graph = g.id ORDER BY g.idx LIMIT 1",
                                             -1, &q, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_step(q), SQLITE_ROW);
    char file[1024];
    snprintf(file, sizeof file, "%s", (const char *)sqlite3_column_text(q, 0));
    uint64_t seed = (uint64_t)sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    sqlite3_close(db);

    FILE *f = fopen(file, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    char expect[1200];
    snprintf(expect, sizeof expect, "# reproduce: wengert-fuzz --reproduce %s --inject-bug cos-sign "
             "--seed %llu --directions 2", file, (unsigned long long)seed);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, expect));

    wg_parse_error perr;
    wg_graph *g = wg_graph_read_file(file, &perr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_check_options co;
    wg_check_options_init(&co);
    co.seed = seed;
    co.directions = 2;
    wg_check_report r;
    CU_ASSERT_EQUAL(wg_check_graph(g, &co, &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);
    wg_bug_arm(wg_graph_tape(g), o.bug);
    CU_ASSERT_EQUAL(wg_check_graph(g, &co, &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
    CU_ASSERT_EQUAL(r.results[r.worst].blame_op, WG_OP_COS);
    wg_check_report_free(&r);
    wg_graph_free(g);

    /* the clean library on the same graphs: no failure */
    const char *clean = tmp_path("clean.sqlite");
    small_options(&o, clean);
    o.graphs = 120;
    CU_ASSERT_EQUAL(run(&o, &st), WG_OK);
    CU_ASSERT_EQUAL(st.graph_verdicts[WG_VERDICT_FAIL], 0);
    CU_ASSERT_EQUAL(st.reproducers, 0);
}

/* ---------------------------------------------------------------- bad options */

static void bad_options(void)
{
    wg_campaign_options o;
    wg_campaign_stats st;
    char why[512];
    small_options(&o, tmp_path("bad.sqlite"));
    o.graphs = 5;
    o.shard_k = 3;
    o.shard_n = 3;
    CU_ASSERT_EQUAL(wg_campaign_run(&o, &st, why, sizeof why), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "shard 3/3"));
    small_options(&o, NULL);
    o.graphs = 5;
    CU_ASSERT_EQUAL(wg_campaign_run(&o, &st, why, sizeof why), WG_EINVAL);
    small_options(&o, tmp_path("bad.sqlite"));
    CU_ASSERT_EQUAL(wg_campaign_run(&o, &st, why, sizeof why), WG_EINVAL);   /* no limit */
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "limit"));
    const char *nodir = tmp_path("no/such/dir/s.sqlite");
    small_options(&o, nodir);
    o.graphs = 5;
    CU_ASSERT_EQUAL(wg_campaign_run(&o, &st, why, sizeof why), WG_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, nodir));
    /* the options text names what decides the graphs */
    wg_campaign_options a, b;
    small_options(&a, "x");
    small_options(&b, "x");
    b.bug = wg_bug_find("sub-sign");
    char *ta = wg_campaign_options_text(&a), *tb = wg_campaign_options_text(&b);
    CU_ASSERT(ta && tb && strcmp(ta, tb) != 0 && strstr(tb, "inject-bug=sub-sign"));
    free(tb);
    b = a;
    b.jobs = 4;
    b.graphs = 99;
    tb = wg_campaign_options_text(&b);
    CU_ASSERT(ta && tb && strcmp(ta, tb) == 0);   /* how many and how fast: not */
    free(ta);
    free(tb);
}

/* ---------------------------------------------------------------- campaign info */

/* key of the store's campaign c, into buf ("" when absent) */
static const char *info(wg_store *s, int64_t c, const char *key, char *buf, size_t len)
{
    char *v = NULL;
    wg_store_error err;
    if (wg_store_campaign_get_info(s, c, key, &v, &err) != WG_OK)
        fprintf(stderr, "\n  %s\n", err.message);
    snprintf(buf, len, "%s", v ? v : "");
    free(v);
    return buf;
}

static void records_info(void)
{
    const char *path = tmp_path("info.sqlite");
    wg_campaign_options o;
    wg_campaign_stats st;
    small_options(&o, path);
    o.graphs = 6;
    o.jobs = 2;
    CU_ASSERT_EQUAL_FATAL(run(&o, &st), WG_OK);
    double first_run = st.elapsed;

    wg_store *s;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    int64_t c = st.campaign_id;
    char v[256], want[300];
    CU_ASSERT_STRING_EQUAL(info(s, c, "tool", v, sizeof v), "wengert-fuzz");
    CU_ASSERT_STRING_EQUAL(info(s, c, "jobs", v, sizeof v), "2");
    CU_ASSERT_STRING_EQUAL(info(s, c, "runs", v, sizeof v), "1");
    CU_ASSERT(strlen(info(s, c, "compiler", v, sizeof v)) > 3);
    CU_ASSERT(strlen(info(s, c, "cpu", v, sizeof v)) > 0);
    /* the kernel and machine, and no host name */
    struct utsname u;
    CU_ASSERT_EQUAL_FATAL(uname(&u), 0);
    snprintf(want, sizeof want, "%s %s %s", u.sysname, u.release, u.machine);
    CU_ASSERT_STRING_EQUAL(info(s, c, "host", v, sizeof v), want);
    snprintf(want, sizeof want, "%ld", sysconf(_SC_NPROCESSORS_ONLN));
    CU_ASSERT_STRING_EQUAL(info(s, c, "cores", v, sizeof v), want);
    CU_ASSERT_EQUAL(count(path, "SELECT count(*) FROM campaign_info WHERE key = 'finished'"
                                " AND value GLOB '20[0-9][0-9]-[01][0-9]-[0-3][0-9]T"
                                "[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'"), 1);
    /* %.3f of this run's seconds */
    char *end;
    double e1 = strtod(info(s, c, "elapsed_seconds", v, sizeof v), &end);
    CU_ASSERT(*end == '\0' && strchr(v, '.') && strlen(strchr(v, '.')) == 4);
    CU_ASSERT(fabs(e1 - first_run) <= 0.0006);
    wg_store_close(s);

    /* resumed: runs add up, their seconds too */
    o.graphs = 10;
    o.jobs = 1;
    CU_ASSERT_EQUAL_FATAL(run(&o, &st), WG_OK);
    CU_ASSERT_EQUAL(st.resumed_from, 6);
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    CU_ASSERT_STRING_EQUAL(info(s, c, "runs", v, sizeof v), "2");
    CU_ASSERT_STRING_EQUAL(info(s, c, "jobs", v, sizeof v), "1");
    double e2 = strtod(info(s, c, "elapsed_seconds", v, sizeof v), NULL);
    CU_ASSERT(fabs(e2 - (e1 + st.elapsed)) <= 0.0006);
    CU_ASSERT(e2 >= e1);
    wg_store_close(s);
    /* one set of keys per campaign and two per run (run.N.started,
     * run.N.seconds): nothing else was added, the lock released */
    CU_ASSERT_EQUAL(count(path, "SELECT count(*) FROM campaign_info"), 13);
    CU_ASSERT_EQUAL(count(path, "SELECT count(*) FROM campaign_info WHERE key GLOB 'run.2.*'"), 2);
}

/* A second process on a running campaign is refused, naming the holder;
 * the lock of a process that is gone, or of a pid now another process's,
 * is taken over. */
static void one_process_per_campaign(void)
{
    const char *path = tmp_path("locked.sqlite");
    unlink(path);
    wg_campaign_options o;
    wg_campaign_stats st;
    small_options(&o, path);
    o.graphs = 2;
    CU_ASSERT_EQUAL_FATAL(run(&o, &st), WG_OK);
    int64_t c = st.campaign_id;
    CU_ASSERT_EQUAL(count(path, "SELECT count(*) FROM campaign_info WHERE key = 'running'"), 0);

    /* a live holder: a child that waits (start 0: only its pid is checked) */
    pid_t holder = fork();
    CU_ASSERT_FATAL(holder >= 0);
    if (holder == 0) {
        pause();
        _exit(0);
    }
    char lock[128];
    snprintf(lock, sizeof lock, "pid %ld start 0 since 2024-01-01T00:00:00Z", (long)holder);
    wg_store *s;
    wg_store_error err;
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    CU_ASSERT_EQUAL(wg_store_campaign_set_info(s, c, "running", lock, &err), WG_OK);
    wg_store_close(s);
    o.graphs = 4;
    char why[512] = "", want[200];
    CU_ASSERT_EQUAL(wg_campaign_run(&o, &st, why, sizeof why), WG_EINVAL);
    snprintf(want, sizeof want, "campaign %lld is being run by another process (pid %ld",
             (long long)c, (long)holder);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, want));
    CU_ASSERT_EQUAL(count(path, "SELECT count(*) FROM graph"), 2);
    /* gone: taken over */
    kill(holder, SIGKILL);
    waitpid(holder, NULL, 0);
    CU_ASSERT_EQUAL(run(&o, &st), WG_OK);
    CU_ASSERT_EQUAL(st.graphs, 4);
    CU_ASSERT_EQUAL(count(path, "SELECT count(*) FROM campaign_info WHERE key = 'running'"), 0);
    CU_ASSERT_EQUAL(count(path, "SELECT value FROM campaign_info WHERE key = 'runs'"), 2);

#ifdef __linux__
    /* this process's pid with another start: an earlier process the pid
     * belonged to, so the lock is stale */
    snprintf(lock, sizeof lock, "pid %ld start 1 since 2024-01-01T00:00:00Z", (long)getpid());
    CU_ASSERT_EQUAL_FATAL(wg_store_open(path, &s, &err), WG_OK);
    CU_ASSERT_EQUAL(wg_store_campaign_set_info(s, c, "running", lock, &err), WG_OK);
    wg_store_close(s);
    o.graphs = 6;
    CU_ASSERT_EQUAL(run(&o, &st), WG_OK);
    CU_ASSERT_EQUAL(st.graphs, 6);
#endif
}

/* ---------------------------------------------------------------- self-test */

static void short_selftest(void)
{
    static const char *const names[] = { "cos-sign", "sqrt-reverse", "div-forward",
                                         "adj-overwrite", "mul_c-constant", "cbrt-negative" };
    int bugs[6];
    for (int i = 0; i < 6; i++) {
        bugs[i] = wg_bug_find(names[i]);
        CU_ASSERT_FATAL(bugs[i] >= 0);
    }
    wg_selftest_options so;
    wg_selftest_options_init(&so);
    so.base.store_path = tmp_path("selftest.sqlite");
    so.base.repro_dir = tmp_path("selftest-repro");
    mkdir(so.base.repro_dir, 0777);
    so.bugs = bugs;
    so.nbugs = 6;
    so.bug_graphs = 3000;
    so.bug_seconds = 1e9;     /* the graph budget decides: deterministic */
    so.clean_graphs = 150;
    wg_selftest_result res;
    char why[256];
    FILE *out = fopen("/dev/null", "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL_FATAL(wg_selftest_run(&so, &res, out, NULL, why, sizeof why), WG_OK);
    fclose(out);
    CU_ASSERT_EQUAL(res.nrows, 6);
    for (int i = 0; i < res.nrows; i++) {
        const wg_selftest_row *r = &res.rows[i];
        if (!r->detected || !r->blame_ok)
            fprintf(stderr, "\n  %s: detected %d, blame %d (%s)\n", names[i], r->detected,
                    r->blame_ok, r->blamed_op == WG_OP_COUNT ? "-" : wg_op_name(r->blamed_op));
        CU_ASSERT(r->detected);
        CU_ASSERT(r->blame_ok);
        CU_ASSERT(r->graphs >= 1 && r->graphs <= 3000);
        CU_ASSERT(r->nodes_after >= 2 && r->nodes_after <= r->nodes_before);
        CU_ASSERT(r->repro[0] != 0);
    }
    CU_ASSERT(res.all_detected);
    CU_ASSERT_EQUAL(res.blame_fraction, 1.0);
    CU_ASSERT(res.clean_ran);
    CU_ASSERT_EQUAL(res.clean.graphs, 150);
    CU_ASSERT_EQUAL(res.clean.graph_verdicts[WG_VERDICT_FAIL], 0);
    wg_selftest_result_free(&res);

    /* the blame rule of a sweep bug: a node using a shared node */
    wg_graph *g = wg_graph_new();
    wg_var x = wg_graph_add_input(g, "x", 0.5);
    wg_tape *t = wg_graph_tape(g);
    wg_var s = wg_sin(t, x), e = wg_exp(t, x), y = wg_mul(t, s, e);
    wg_graph_add_output(g, "y", y);
    int adj = wg_bug_find("adj-overwrite");
    CU_ASSERT(wg_selftest_blame_ok(adj, g, (long)wg_var_index(t, s), WG_OP_SIN, "reverse"));
    CU_ASSERT(!wg_selftest_blame_ok(adj, g, (long)wg_var_index(t, y), WG_OP_MUL, "reverse"));
    CU_ASSERT(wg_selftest_blame_ok(wg_bug_find("cos-sign"), g, 1, WG_OP_COS, "reverse"));
    CU_ASSERT(!wg_selftest_blame_ok(wg_bug_find("cos-sign"), g, 1, WG_OP_SIN, "reverse"));
    CU_ASSERT(!wg_selftest_blame_ok(wg_bug_find("cos-sign"), g, -1, WG_OP_COS, "reverse"));
    /* a driver's bug: right in its own path, on no single node or on its op */
    CU_ASSERT(wg_selftest_blame_ok(wg_bug_find("backward-store"), g, -1, WG_OP_COUNT,
                                   "backward"));
    CU_ASSERT(!wg_selftest_blame_ok(wg_bug_find("backward-store"), g, -1, WG_OP_COUNT,
                                    "reverse"));
    CU_ASSERT(wg_selftest_blame_ok(wg_bug_find("jvp-multi-lane"), g, 1, WG_OP_MUL, "jvp-multi"));
    CU_ASSERT(!wg_selftest_blame_ok(wg_bug_find("jvp-multi-lane"), g, -1, WG_OP_COUNT,
                                    "jvp-multi"));
    wg_graph_free(g);
}

int main(void)
{
    if (make_scratch("wg-campaign") != 0) {
        perror("mkdtemp");
        return 99;
    }
    static const wg_test_case cases[] = {
        { "index space: distinct seeds, shards partition", index_space },
        { "n shards merged = one unsharded run", shards_union },
        { "parallel workers make the same graphs", jobs_same_graphs },
        { "SIGKILL mid-campaign, then resume: nothing lost or duplicated", kill_and_resume },
        { "stop flag (SIGINT), resume; other options, other campaign", stop_and_resume },
        { "injected bug found, shrunk, reproducer reproduces", finds_injected_bug },
        { "bad options named", bad_options },
        { "a run records tool, machine, finish time, seconds and runs", records_info },
        { "one process per campaign: a live holder refused, a gone one taken over",
          one_process_per_campaign },
        { "short self-test meets its targets", short_selftest },
        { NULL, NULL }
    };
    int rc = wg_test_main("campaign", cases);
    remove_tree(scratch);
    return rc;
}
