/* SPDX-License-Identifier: GPL-3.0-or-later */
/* campaign.c -- the campaign loop of wengert-fuzz: seeds, workers, the
 * store, progress.  (campaign.h has the index space.)
 *
 * Workers.  With --jobs J the parent forks J workers; worker j takes the
 * shard's local indices start + j, start + j + J, ... (start: the first
 * index missing from the store when the run began), skips the ones some
 * earlier run stored already, and writes each graph with its checks in one
 * transaction of its own connection (SQLite serialises the writers).  A
 * worker reports each graph to the parent as one fixed-size record on a
 * pipe: a write of under PIPE_BUF bytes is atomic, so records of several
 * workers never interleave.  With J = 1 the loop runs in the process
 * itself.  A worker dies with its parent (PR_SET_PDEATHSIG on Linux), so a
 * killed campaign leaves no orphan writing on; the next run resumes. */
#define _GNU_SOURCE /* prctl, strsignal */

#include "campaign.h"

#include "bugs.h"
#include "machine.h"
#include "shrink.h"
#include "store.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int fail(char *why, size_t len, int status, const char *fmt, ...)
{
    if (why && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
    }
    return status;
}

void wg_campaign_options_init(wg_campaign_options *o)
{
    memset(o, 0, sizeof *o);
    wg_fuzz_gen_options_init(&o->gen);
    wg_check_options_init(&o->check);
    o->seed = 1;
    o->jobs = 1;
    o->shard_k = 0;
    o->shard_n = 1;
    o->bug = -1;
    o->shrink = 1;
    o->shrink_checks = 2000;
}

/* ------------------------------------------------------------------ index space */

/* MurmurHash3's 32-bit finaliser (Appleby): a bijection of 32-bit words
 * that spreads nearby inputs over the whole range, so consecutive graph
 * indices give unrelated mt19937 seeds. */
static uint32_t fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= UINT32_C(0x85ebca6b);
    h ^= h >> 13;
    h *= UINT32_C(0xc2b2ae35);
    h ^= h >> 16;
    return h;
}

/* The generator keeps 32 bits of a seed, so a graph's seed is a 32-bit
 * word: fmix32(base + g) is a bijection of g mod 2^32 for a fixed base,
 * hence no two graphs of a campaign below 2^32 graphs share a seed. */
uint64_t wg_campaign_graph_seed(uint64_t campaign_seed, uint64_t global_index)
{
    uint32_t base = fmix32((uint32_t)(campaign_seed ^ (campaign_seed >> 32)) ^ UINT32_C(0x9e3779b9));
    return fmix32(base + (uint32_t)global_index);
}

/* ------------------------------------------------------------------ options text */

static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? *cap - *len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return -1;
        if (*buf && *len + (size_t)n < *cap) {
            *len += (size_t)n;
            return 0;
        }
        size_t ncap = (*cap ? *cap * 2 : 256) + (size_t)n;
        char *nb = realloc(*buf, ncap);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = ncap;
    }
}

/* Doubles as %a: exact, and the same text on every machine. */
char *wg_campaign_options_text(const wg_campaign_options *o)
{
    char *b = NULL;
    size_t len = 0, cap = 0;
    const wg_fuzz_gen_options *g = &o->gen;
    int bad = append(&b, &len, &cap,
        "generator=1 inputs=%u..%u nodes=%u..%u outputs=%u..%u share=%a const=%a "
        "value=%a..%a margin=%a relerr=%a kink=%a edge=%a inexp=%d..%d attempts=%u "
        "directions=%u precision=%u safety=%a methods=%u full=%d shrink=%d",
        g->inputs_min, g->inputs_max, g->nodes_min, g->nodes_max, g->outputs_min,
        g->outputs_max, g->share_prob, g->const_prob, g->value_min, g->value_max, g->margin,
        g->rel_err_max, g->kink_frac, g->edge_frac, g->input_exp_min, g->input_exp_max,
        g->max_attempts, o->check.directions, o->check.precision, o->check.safety,
        o->check.methods, o->check.full_jacobian, o->shrink);
    /* second order: said only when asked for, so first-order campaigns keep
     * their text */
    if (!bad && o->check.order == 2)
        bad = append(&b, &len, &cap, " order=2");
    /* tensor graphs: said only when drawn, so scalar campaigns keep their text */
    if (!bad && g->tensor_frac > 0)
        bad = append(&b, &len, &cap, " tensor=%a rank=%u elements=%u tnodes=%u zero=%a",
                     g->tensor_frac, g->tensor_rank_max, g->tensor_elems_max,
                     g->tensor_nodes_max, g->zero_frac);
    /* weights: only those that differ from the default 1, so adding an op
     * to the table does not change the text of existing campaigns */
    for (int op = 0; !bad && op < WG_OP_COUNT; op++)
        if (wg_op_kind_of((wg_op)op) != WG_KIND_LEAF
            && g->op_weight[op] != (wg_fuzz_op_drawable((wg_op)op) ? 1.0 : 0.0))
            bad = append(&b, &len, &cap, " w.%s=%a", wg_op_name((wg_op)op), g->op_weight[op]);
    /* custom ops drawn (wengert-fuzz --plugin): their names decide the graphs */
    for (int k = 0; !bad && g->op_weight[WG_OP_CUSTOM] > 0 && k < wg_custom_count(); k++)
        bad = append(&b, &len, &cap, "%s%s", k ? "," : " custom=", wg_custom_def(k)->name);
    if (!bad && o->bug >= 0)
        bad = append(&b, &len, &cap, " inject-bug=%s", wg_bug_get(o->bug)->name);
    if (bad) {
        free(b);
        return NULL;
    }
    return b;
}

/* ------------------------------------------------------------------ one graph */

void wg_campaign_repro_command(const wg_campaign_options *o, uint64_t check_seed,
                               char *buf, size_t len)
{
    wg_check_options def;
    wg_check_options_init(&def);
    char extra[1200] = "";
    size_t n = 0;
    if (o->plugins)
        n += (size_t)snprintf(extra, sizeof extra, "%s", o->plugins);
    if (n >= sizeof extra)
        n = sizeof extra - 1;
    if (o->check.precision != def.precision)
        n += (size_t)snprintf(extra + n, sizeof extra - n, " --precision %u", o->check.precision);
    if (o->check.safety != def.safety && n < sizeof extra)
        n += (size_t)snprintf(extra + n, sizeof extra - n, " --safety %.17g", o->check.safety);
    if (o->check.full_jacobian && n < sizeof extra)
        n += (size_t)snprintf(extra + n, sizeof extra - n, " --full-jacobian");
    if (o->check.order == 2 && n < sizeof extra)
        snprintf(extra + n, sizeof extra - n, " --order 2");
    if (o->bug >= 0)
        /* an injected bug lives in a test hook only this program arms */
        snprintf(buf, len, "wengert-fuzz --reproduce FILE --inject-bug %s --seed %llu "
                 "--directions %u%s", wg_bug_get(o->bug)->name, (unsigned long long)check_seed,
                 o->check.directions, extra);
    else
        snprintf(buf, len, "wengert-verify --check FILE --seed %llu --directions %u%s",
                 (unsigned long long)check_seed, o->check.directions, extra);
}

static const wg_check_result *worst_result(const wg_check_report *r)
{
    return r->nresults && r->worst < r->nresults ? &r->results[r->worst] : NULL;
}

static void describe_fail(const wg_check_report *r, char *buf, size_t len)
{
    const wg_check_result *w = worst_result(r);
    if (!w) {
        snprintf(buf, len, "fail");
        return;
    }
    if (w->blame_op != WG_OP_COUNT)
        snprintf(buf, len, "fail (%s) blamed on op %s at node %ld", w->fail_mode,
                 wg_op_name(w->blame_op), w->blame_node);
    else
        snprintf(buf, len, "fail (%s), no node blamed", w->fail_mode);
}

int wg_campaign_graph_run(const wg_campaign_options *o, uint64_t global_index,
                          wg_campaign_graph *cg)
{
    memset(cg, 0, sizeof *cg);
    cg->global_index = global_index;
    cg->seed = wg_campaign_graph_seed(o->seed, global_index);
    double t0 = now_seconds();
    cg->graph = wg_fuzz_gen_ex(&o->gen, cg->seed, &cg->info, cg->why, sizeof cg->why);
    double t1 = now_seconds();
    cg->gen_seconds = t1 - t0;
    if (!cg->graph) {
        snprintf(cg->report.error, sizeof cg->report.error, "generator gave up: %s", cg->why);
        return WG_OK;
    }
    wg_check_options co = o->check;
    co.seed = cg->seed;
    if (o->bug >= 0 && wg_bug_arm(wg_graph_tape(cg->graph), o->bug) != WG_OK)
        return WG_EINVAL;
    int st = wg_check_graph(cg->graph, &co, &cg->report);
    double t2 = now_seconds();
    cg->check_seconds = t2 - t1;
    if (st != WG_OK && !cg->report.error[0])
        snprintf(cg->report.error, sizeof cg->report.error, "check did not run: %s",
                 wg_strerror(st));
    if (st != WG_OK || cg->report.verdict != WG_VERDICT_FAIL || !o->shrink)
        return WG_OK;

    wg_shrink_options so;
    wg_shrink_options_init(&so);
    so.check = co;
    so.bug = o->bug;
    so.max_checks = o->shrink_checks;
    wg_shrink_result sr;
    char why[256] = "";
    if (wg_shrink(cg->graph, &so, &sr, why, sizeof why) == WG_OK) {
        cg->shrunk = sr.graph;
    } else {
        snprintf(cg->why, sizeof cg->why, "shrinking failed: %s", why);
    }
    cg->shrink_seconds = now_seconds() - t2;
    if (cg->shrunk && o->repro_dir) {
        char what[256], origin[160], cmd[1600], path[1024];
        const wg_check_result *w = worst_result(&cg->report);
        if (sr.blamed_op != WG_OP_COUNT)
            snprintf(what, sizeof what, "fail (%s) blamed on op %s at node %ld",
                     w ? w->fail_mode : "?", wg_op_name(sr.blamed_op), sr.blamed_node);
        else
            describe_fail(&cg->report, what, sizeof what);
        snprintf(origin, sizeof origin, "wengert-fuzz campaign seed %llu, graph %llu (seed %llu), "
                 "%zu nodes before shrinking", (unsigned long long)o->seed,
                 (unsigned long long)global_index, (unsigned long long)cg->seed, sr.nodes_before);
        wg_campaign_repro_command(o, co.seed, cmd, sizeof cmd);
        snprintf(path, sizeof path, "%s/fail-%llu.wg", o->repro_dir, (unsigned long long)global_index);
        wg_repro_info info = { what, cmd, origin };
        if (wg_repro_save(cg->shrunk, &info, path, why, sizeof why) == WG_OK) {
            snprintf(cg->repro_path, sizeof cg->repro_path, "%s", path);
        } else {
            cg->repro_unsaved = 1;
            snprintf(cg->why, sizeof cg->why, "reproducer not saved: %s", why);
        }
    }
    return WG_OK;
}

void wg_campaign_graph_free(wg_campaign_graph *cg)
{
    if (!cg)
        return;
    wg_graph_free(cg->graph);
    wg_graph_free(cg->shrunk);
    wg_check_report_free(&cg->report);
    cg->graph = cg->shrunk = NULL;
}

/* ------------------------------------------------------------------ storing */

/* the text a graph the generator gave up on is stored as: a comment, so
 * that the row has a hash and the index is not retried forever */
static char *gaveup_text(const wg_campaign_graph *cg)
{
    char *t = malloc(400);
    if (t)
        snprintf(t, 400, "# generator gave up on seed %llu: %s\n",
                 (unsigned long long)cg->seed, cg->why);
    return t;
}

static char *graph_text(const wg_graph *g)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    int st = wg_graph_write(g, f);
    if (fclose(f) != 0 || st != WG_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int store_graph(wg_store *s, int64_t campaign, const wg_campaign_options *o,
                       uint64_t local, wg_campaign_graph *cg, char *why, size_t len)
{
    wg_store_graph rec;
    memset(&rec, 0, sizeof rec);
    char *text = NULL, *repro = NULL;
    wg_store_error err;
    int st;
    if (cg->graph) {
        if ((st = wg_store_graph_describe(cg->graph, &rec, &text, &err)) != WG_OK)
            return fail(why, len, st, "%s", err.message);
    } else if (!(text = gaveup_text(cg))) {
        return fail(why, len, WG_ENOMEM, "out of memory");
    }
    rec.index = local;
    rec.seed = cg->seed;
    rec.text = text;
    rec.keep_text = o->keep_text || !cg->graph || cg->report.error[0] ||
                    cg->report.verdict != WG_VERDICT_PASS;
    rec.report = &cg->report;
    if (cg->shrunk) {
        if (!(repro = graph_text(cg->shrunk))) {
            free(text);
            return fail(why, len, WG_ENOMEM, "cannot write the reproducer's text");
        }
        rec.repro_text = repro;
        rec.repro_path = cg->repro_path[0] ? cg->repro_path : NULL;
        rec.repro_nodes = wg_tape_size(wg_graph_tape(cg->shrunk));
    }
    st = wg_store_put_graph(s, campaign, &rec, &err);
    free(text);
    free(repro);
    if (st != WG_OK)
        return fail(why, len, st, "%s", err.message);
    return WG_OK;
}

/* ------------------------------------------------------------------ records */

/* what a worker tells the parent about one graph */
typedef struct wire_record {
    uint32_t magic;
    int32_t checked;                      /* 0: the check did not run */
    int32_t verdict;
    uint32_t checks;
    uint32_t check_verdicts[WG_VERDICT_COUNT];
    uint32_t repro;
    uint32_t repro_unsaved;
    uint64_t ops[(WG_OP_COUNT + 63) / 64];
} wire_record;
#define WIRE_MAGIC UINT32_C(0x77676631)

static void make_record(const wg_campaign_graph *cg, wire_record *w)
{
    memset(w, 0, sizeof *w);
    w->magic = WIRE_MAGIC;
    w->checked = cg->graph && !cg->report.error[0];
    w->verdict = (int32_t)cg->report.verdict;
    if (w->checked) {
        w->checks = (uint32_t)cg->report.nresults;
        for (size_t i = 0; i < cg->report.nresults; i++)
            w->check_verdicts[cg->report.results[i].verdict]++;
    }
    w->repro = cg->shrunk != NULL;
    w->repro_unsaved = (uint32_t)cg->repro_unsaved;
    if (cg->graph) {
        wg_tape *t = wg_graph_tape(cg->graph);
        for (size_t i = 0, n = wg_tape_size(t); i < n; i++) {
            unsigned op = (unsigned)wg_node_op(t, i);
            w->ops[op / 64] |= UINT64_C(1) << (op % 64);
        }
    }
}

static unsigned popcount_ops(const uint64_t *ops)
{
    unsigned n = 0;
    for (int op = 0; op < WG_OP_COUNT; op++)
        n += (unsigned)(ops[op / 64] >> (op % 64) & 1);
    return n;
}

static void add_record(wg_campaign_stats *st, const wire_record *w)
{
    st->graphs++;
    st->graphs_this_run++;
    if (!w->checked) {
        st->unchecked++;
    } else {
        st->graph_verdicts[w->verdict]++;
        st->checks += w->checks;
        for (int v = 0; v < WG_VERDICT_COUNT; v++)
            st->check_verdicts[v] += w->check_verdicts[v];
    }
    st->reproducers += w->repro;
    st->repro_unsaved += w->repro_unsaved;
    for (size_t i = 0; i < sizeof st->ops_seen / sizeof st->ops_seen[0]; i++)
        st->ops_seen[i] |= w->ops[i];
    st->ops_covered = popcount_ops(st->ops_seen);
}

/* ------------------------------------------------------------------ worker */

typedef struct worker {
    const wg_campaign_options *o;
    int64_t campaign;
    uint64_t first, end, step;   /* local indices first, first + step, ... < end */
    double deadline;             /* monotonic seconds; 0: none */
    int fd;                      /* pipe to the parent, or -1 (in-process) */
    wg_campaign_stats *st;       /* in-process: the stats to update */
    double t0;
    const wg_machine_run *run;   /* the run's account in campaign_info */
    double beat;                 /* when it was last brought up to date */
} worker;

/* How often a run's elapsed_seconds is brought up to date in the store:
 * a run killed without warning loses at most this much of its time. */
#define RUN_BEAT_SECONDS 1.0

/* Bring the run's time up to date in the store when it is due.  A failure
 * is not the campaign's: its graphs are stored all the same, and the end
 * of the run writes the time again. */
static void beat(worker *w, wg_store *s)
{
    double t = now_seconds();
    if (!s || !w->run || t - w->beat < RUN_BEAT_SECONDS)
        return;
    w->beat = t;
    wg_machine_run_progress(s, w->run, t - w->t0, NULL);
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static int stopping(const worker *w)
{
    if (w->o->stop && *w->o->stop)
        return 1;
    return w->deadline > 0 && now_seconds() >= w->deadline;
}

static int worker_loop(worker *w, char *why, size_t len)
{
    const wg_campaign_options *o = w->o;
    wg_store *s = NULL;
    wg_store_error err;
    int st = wg_store_open(o->store_path, &s, &err);
    if (st != WG_OK)
        return fail(why, len, st, "%s", err.message);
    for (uint64_t i = w->first; i < w->end && !stopping(w); i += w->step) {
        int has = 0;
        if ((st = wg_store_has_graph(s, w->campaign, i, &has, &err)) != WG_OK) {
            fail(why, len, st, "%s", err.message);
            break;
        }
        if (has)
            continue;
        wg_campaign_graph cg;
        uint64_t g = wg_campaign_global_index(i, o->shard_k, o->shard_n);
        if ((st = wg_campaign_graph_run(o, g, &cg)) != WG_OK) {
            fail(why, len, st, "graph %llu: %s", (unsigned long long)g, wg_strerror(st));
            wg_campaign_graph_free(&cg);
            break;
        }
        /* said at once, from the process that found it: a reproducer that
         * could not be written is kept in the store, but a reader looking
         * in the folder would not know it exists */
        if (cg.repro_unsaved)
            fprintf(stderr, "wengert-fuzz: graph %llu: %s (its text is kept in the store)\n",
                    (unsigned long long)g, cg.why);
        st = store_graph(s, w->campaign, o, i, &cg, why, len);
        wire_record rec;
        make_record(&cg, &rec);
        wg_campaign_graph_free(&cg);
        if (st != WG_OK)
            break;
        if (w->fd >= 0) {
            if (write_all(w->fd, &rec, sizeof rec) != 0) {
                st = fail(why, len, WG_EIO, "cannot report to the parent: %s", strerror(errno));
                break;
            }
        } else {
            add_record(w->st, &rec);
            beat(w, s);
            w->st->elapsed = now_seconds() - w->t0;
            if (o->progress)
                o->progress(o->progress_ctx, w->st, 0);
        }
    }
    wg_store_close(s);
    return st;
}

/* ------------------------------------------------------------------ the run */

static int load_stats(wg_store *s, int64_t campaign, wg_campaign_stats *st, char *why, size_t len)
{
    wg_store_summary sum;
    wg_store_error err;
    int rc = wg_store_summarize(s, campaign, &sum, &err);
    if (rc != WG_OK)
        return fail(why, len, rc, "%s", err.message);
    st->graphs = sum.graphs;
    st->unchecked = sum.graphs_unchecked;
    memcpy(st->graph_verdicts, sum.graph_verdicts, sizeof st->graph_verdicts);
    st->checks = sum.checks;
    memcpy(st->check_verdicts, sum.check_verdicts, sizeof st->check_verdicts);
    st->reproducers = sum.reproducers;
    /* ops in the graphs stored so far, by name */
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(wg_store_db(s),
                           "SELECT DISTINCT o.op FROM graph_op o JOIN graph g ON o.graph = g.id"
                           " WHERE g.campaign = ?", -1, &q, NULL) != SQLITE_OK)
        return fail(why, len, WG_EIO, "%s: %s", wg_store_path(s), sqlite3_errmsg(wg_store_db(s)));
    sqlite3_bind_int64(q, 1, campaign);
    while (sqlite3_step(q) == SQLITE_ROW) {
        wg_op op;
        if (wg_op_from_name((const char *)sqlite3_column_text(q, 0), &op))
            st->ops_seen[op / 64] |= UINT64_C(1) << (op % 64);
    }
    sqlite3_finalize(q);
    st->ops_covered = popcount_ops(st->ops_seen);
    return WG_OK;
}

static int check_options(const wg_campaign_options *o, char *why, size_t len)
{
    if (!o->store_path)
        return fail(why, len, WG_EINVAL, "no result store given");
    if (o->shard_n < 1 || o->shard_k >= o->shard_n)
        return fail(why, len, WG_EINVAL, "shard %u/%u: need 0 <= K < N", o->shard_k, o->shard_n);
    if (o->jobs < 1 || o->jobs > 256)
        return fail(why, len, WG_EINVAL, "jobs %u: need 1..256", o->jobs);
    if (!o->graphs && !(o->seconds > 0))
        return fail(why, len, WG_EINVAL, "neither a graph count nor a time limit");
    if (o->bug >= wg_bug_count())
        return fail(why, len, WG_EINVAL, "injected bug %d out of range", o->bug);
    /* one draw with the options: the generator's own check of them */
    char gwhy[256];
    wg_fuzz_gen_options probe = o->gen;
    probe.max_attempts = probe.max_attempts ? probe.max_attempts : 1;
    wg_graph *g = wg_fuzz_gen(&probe, 1, gwhy, sizeof gwhy);
    if (!g && strstr(gwhy, "option"))
        return fail(why, len, WG_EINVAL, "%s", gwhy);
    wg_graph_free(g);
    return WG_OK;
}

static int run_children(const wg_campaign_options *o, worker *proto, wg_campaign_stats *st,
                        char *why, size_t len)
{
    int fds[2];
    if (pipe(fds) != 0)
        return fail(why, len, WG_EIO, "pipe: %s", strerror(errno));
    pid_t pids[256];
    unsigned started = 0;
    pid_t parent = getpid();
    int status = WG_OK;
    fflush(NULL);
    for (unsigned j = 0; j < o->jobs; j++) {
        pid_t pid = fork();
        if (pid < 0) {
            status = fail(why, len, WG_EIO, "fork: %s", strerror(errno));
            break;
        }
        if (pid == 0) {
#ifdef __linux__
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(3);
#endif
            close(fds[0]);
            worker w = *proto;
            w.first = proto->first + j;
            w.step = o->jobs;
            w.fd = fds[1];
            char cwhy[512] = "";
            int rc = worker_loop(&w, cwhy, sizeof cwhy);
            if (rc != WG_OK)
                fprintf(stderr, "wengert-fuzz: worker %u: %s\n", j, cwhy);
            close(fds[1]);
            _exit(rc == WG_OK ? 0 : 2);
        }
        pids[started++] = pid;
    }
    (void)parent;
    close(fds[1]);
    /* the parent's own connection, opened after the forks (no connection
     * crosses a fork), only to keep the run's time up to date */
    wg_store *hb = NULL;
    if (proto->run && wg_store_open(o->store_path, &hb, NULL) != WG_OK)
        hb = NULL;
    /* read records until every worker has closed its end */
    unsigned char buf[sizeof(wire_record) * 64];
    size_t have = 0;
    int forwarded = 0;
    for (;;) {
        if (o->stop && *o->stop && !forwarded) {
            /* a SIGINT sent to the parent alone reaches the workers too */
            for (unsigned j = 0; j < started; j++)
                kill(pids[j], SIGINT);
            forwarded = 1;
        }
        struct pollfd p = { fds[0], POLLIN, 0 };
        int pr = poll(&p, 1, 250);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0) {
            beat(proto, hb);
            st->elapsed = now_seconds() - proto->t0;
            if (o->progress)
                o->progress(o->progress_ctx, st, 0);
            continue;
        }
        ssize_t k = read(fds[0], buf + have, sizeof buf - have);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        have += (size_t)k;
        size_t used = 0;
        while (have - used >= sizeof(wire_record)) {
            wire_record w;
            memcpy(&w, buf + used, sizeof w);
            used += sizeof w;
            if (w.magic == WIRE_MAGIC)
                add_record(st, &w);
        }
        memmove(buf, buf + used, have - used);
        have -= used;
        beat(proto, hb);
        st->elapsed = now_seconds() - proto->t0;
        if (o->progress)
            o->progress(o->progress_ctx, st, 0);
    }
    close(fds[0]);
    wg_store_close(hb);
    for (unsigned j = 0; j < started; j++) {
        int ws;
        while (waitpid(pids[j], &ws, 0) < 0 && errno == EINTR)
            ;
        if (status == WG_OK && !(WIFEXITED(ws) && WEXITSTATUS(ws) == 0)) {
            if (WIFSIGNALED(ws))
                status = fail(why, len, WG_EIO, "worker %u killed by signal %d (%s)", j,
                              WTERMSIG(ws), strsignal(WTERMSIG(ws)));
            else
                status = fail(why, len, WG_EIO, "worker %u failed (see above)", j);
        }
    }
    return status;
}

int wg_campaign_run(const wg_campaign_options *o, wg_campaign_stats *st, char *why, size_t len)
{
    memset(st, 0, sizeof *st);
    int rc = check_options(o, why, len);
    if (rc != WG_OK)
        return rc;
    /* ops counted as the store counts them: leaves (input, const) too */
    for (int op = 0; op < WG_OP_COUNT; op++)
        if (wg_op_kind_of((wg_op)op) == WG_KIND_LEAF || o->gen.op_weight[op] > 0)
            st->ops_total++;
    st->target = o->graphs ? wg_campaign_shard_graphs(o->graphs, o->shard_k, o->shard_n) : 0;
    st->limit_seconds = o->seconds;

    char *opts = wg_campaign_options_text(o);
    if (!opts)
        return fail(why, len, WG_ENOMEM, "out of memory");
    wg_store *s = NULL;
    wg_store_error err;
    if ((rc = wg_store_open(o->store_path, &s, &err)) != WG_OK) {
        free(opts);
        return fail(why, len, rc, "%s", err.message);
    }
    wg_store_campaign c = { o->command ? o->command : "", o->seed, o->shard_k, o->shard_n, opts };
    int64_t id = 0;
    uint64_t next = 0;
    int resumed = 0;
    rc = wg_store_campaign_open(s, &c, &id, &resumed, &err);
    free(opts);
    if (rc == WG_OK)
        rc = wg_store_next_index(s, id, &next, &err);
    if (rc != WG_OK) {
        wg_store_close(s);
        return fail(why, len, rc, "%s", err.message);
    }
    st->campaign_id = id;
    rc = load_stats(s, id, st, why, len);
    /* one process runs a campaign: a second one started on it would find
     * the same indices missing and store them twice over (the store
     * refuses the second, as "stored already") */
    wg_machine_run run;
    if (rc == WG_OK && (rc = wg_machine_run_begin(s, id, &run, &err)) != WG_OK)
        rc = fail(why, len, rc, "%s", err.message);
    if (rc == WG_OK && run.stale[0])
        fprintf(stderr, "wengert-fuzz: %s: campaign %lld: the process of its last run is gone "
                "(killed?) without ending the run (%s); this run takes the campaign over\n",
                o->store_path, (long long)id, run.stale);
    if (rc == WG_OK && o->repro_dir && mkdir(o->repro_dir, 0777) != 0 && errno != EEXIST) {
        rc = fail(why, len, WG_EIO, "%s: cannot create the folder: %s", o->repro_dir,
                  strerror(errno));
        wg_machine_run_release(s, &run, NULL);
    }
    /* the parent keeps no connection across fork: SQLite forbids using one
     * in a child, and the workers open their own */
    wg_store_close(s);
    if (rc != WG_OK)
        return rc;
    st->resumed_from = st->graphs;

    worker w;
    memset(&w, 0, sizeof w);
    w.o = o;
    w.campaign = id;
    w.first = next;
    w.end = o->graphs ? st->target : UINT64_MAX;
    w.step = 1;
    w.t0 = now_seconds();
    w.deadline = o->seconds > 0 ? w.t0 + o->seconds : 0;
    w.fd = -1;
    w.st = st;
    w.run = &run;
    w.beat = w.t0;
    if (o->jobs == 1)
        rc = worker_loop(&w, why, len);
    else
        rc = run_children(o, &w, st, why, len);
    st->elapsed = now_seconds() - w.t0;
    st->interrupted = o->stop && *o->stop;

    /* the figures of record are the store's: reread them (workers of an
     * earlier run, or a kill between a put and its report, are counted) */
    if (wg_store_open(o->store_path, &s, &err) == WG_OK) {
        uint64_t seen[sizeof st->ops_seen / sizeof st->ops_seen[0]];
        memcpy(seen, st->ops_seen, sizeof seen);
        uint64_t this_run = st->graphs_this_run;
        char lwhy[256];
        if (load_stats(s, id, st, lwhy, sizeof lwhy) == WG_OK) {
            for (size_t i = 0; i < sizeof seen / sizeof seen[0]; i++)
                st->ops_seen[i] |= seen[i];
            st->ops_covered = popcount_ops(st->ops_seen);
        }
        st->graphs_this_run = this_run;
        /* what ran this campaign, where, for how long: for reports.  An
         * interrupted or failed run counts too: its graphs are stored. */
        char jobs[16];
        snprintf(jobs, sizeof jobs, "%u", o->jobs);
        const wg_store_info extra[] = { { "jobs", jobs } };
        int irc = wg_machine_run_end(s, &run, "wengert-fuzz", st->elapsed, extra,
                                     sizeof extra / sizeof extra[0], &err);
        if (irc != WG_OK && rc == WG_OK)
            rc = fail(why, len, irc, "%s", err.message);
        wg_store_close(s);
    } else if (rc == WG_OK) {
        rc = fail(why, len, err.status, "%s", err.message);
    }
    if (o->progress)
        o->progress(o->progress_ctx, st, 1);
    return rc;
}
