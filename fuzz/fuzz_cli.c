/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_cli.c -- wengert-fuzz: random-graph campaigns against libwengert's
 * derivatives (campaign.h), the self-test that measures how well they find
 * bugs (selftest.h), reproducing a saved failure, and merging shard
 * stores.  Built with MPI (configure --with-mpi), `mpirun -np P
 * wengert-fuzz ...` runs one shard per rank and rank 0 merges the shard
 * stores and prints the summary (fuzz_mpi.h).
 *
 * Exit status: 0 no failure found, 1 failures found (or, for --self-test, a
 * target not met), 2 bad usage or input, or a store that cannot be used,
 * 3 no failure but some graphs of the campaign were not checked. */
#define _GNU_SOURCE /* getopt_long */

#include "bugs.h"
#include "campaign.h"
#include "fuzz_mpi.h"
#include "selftest.h"
#include "store.h"
#include "tool_version.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG "wengert-fuzz"
#define EXIT_CLEAN 0
#define EXIT_FOUND 1
#define EXIT_BAD 2
#define EXIT_UNCHECKED 3    /* nothing failed, but some graphs were not checked */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, PROG ": ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return EXIT_BAD;
}

static void usage(FILE *f)
{
    fprintf(f,
"Usage: " PROG " [OPTIONS]                 run a campaign (default: --graphs 1000)\n"
"       " PROG " --self-test [OPTIONS]     measure how well campaigns find injected bugs\n"
"       " PROG " --reproduce FILE.wg [--inject-bug NAME] [--seed S] [--directions D]\n"
"       " PROG " --merge DST.sqlite SRC.sqlite...\n"
"       " PROG " --summary STORE.sqlite\n"
"       " PROG " --list-bugs\n"
"\n"
"A campaign draws random graphs over every op of libwengert's op table, checks\n"
"each one's derivatives with the verifier (reverse and forward mode, double and\n"
"GSL central differences, against an MPFR reference, with error bounds) along\n"
"several random directions, shrinks every failing graph to a small reproducer,\n"
"and writes every check to an SQLite result store. Killed at any moment, it\n"
"resumes when run again with the same options; Ctrl-C stops it with a summary.\n"
"\n"
"Campaign:\n"
"  -n, --graphs N        graphs of the whole campaign (all shards; default 1000)\n"
"  -t, --time S          stop after S seconds (with --graphs: whichever comes first)\n"
"  -s, --seed N          the campaign's seed (default 1)\n"
"  -j, --jobs J          parallel worker processes (default 1)\n"
"  -o, --out DIR         results go to DIR/results.sqlite, reproducers to DIR/repro/\n"
"                        (default fuzz-out)\n"
"      --shard K/N       run shard K (0-based) of N: disjoint graphs, stores merge\n"
"      --quiet           no progress lines\n"
"Graphs:\n"
"      --inputs A:B      inputs per graph (default 1:4)\n"
"      --nodes A:B       nodes other than inputs (default 4:24)\n"
"      --outputs A:B     outputs per graph (default 1:2)\n"
"      --ops LIST        draw only these ops (comma-separated table names)\n"
"      --weight OP=W     relative weight of an op (default 1 each; 0 leaves it out;\n"
"                        custom=W for every custom op)\n"
"      --plugin LIB.so   load custom ops from a shared object (its int\n"
"                        wg_plugin_init(void) registers them, see wengert-verify(1))\n"
"                        and draw them like the table's ops; repeatable\n"
"      --share P         probability that an operand is any earlier node (default 0.3)\n"
"      --kink-frac F     fraction of graphs placed on a kink (default 0.1)\n"
"      --edge-frac F     fraction placed near a domain edge (default 0.1)\n"
"      --tensor-frac F   fraction of tensor graphs: tensor inputs of rank 0..4, every\n"
"                        tensor op of the table and the scalar ops elementwise with\n"
"                        broadcasting (default 0.2)\n"
"      --tensors         tensor graphs only (--tensor-frac 1)\n"
"      --rank-max R      largest rank of a tensor (default 4)\n"
"      --elements-max N  largest element count of a tensor node (default 24)\n"
"Checks:\n"
"      --directions N    random directions per graph (default 3)\n"
"      --order N         1: first derivatives (default); 2: second order, v^T H u by\n"
"                        the recorded gradient graph in forward and reverse mode and by\n"
"                        wg_hvp, against MPFR second differences\n"
"      --precision B     bits of the MPFR reference (default 256)\n"
"      --safety F        factor on the error bound (default 8)\n"
"      --no-shrink       keep failing graphs as they are\n"
"      --keep-graphs     store every graph's text (default: only graphs that do not pass)\n"
"Self-test:\n"
"      --self-test       hunt each injected bug, then run a clean campaign; prints a\n"
"                        table and exits 0 only when every target is met\n"
"      --bugs LIST       only these injected bugs (default: all of --list-bugs)\n"
"      --bug-graphs N    most graphs per bug (default 20000)\n"
"      --bug-time S      most seconds per bug (default 60)\n"
"      --clean-graphs N  graphs of the clean campaign (default 2000; the target\n"
"                        names 100000)\n"
"      --clean-tensor-graphs N  graphs of the clean campaign of tensor graphs only\n"
"                        (default 2000)\n"
"      --clean-order2-graphs N  graphs of the clean campaign checked at second order\n"
"                        (default 500)\n"
"Testing only:\n"
"      --inject-bug NAME arm an injected bug on every graph (see --list-bugs)\n"
"\n"
"  -h, --help            print this help and exit\n"
"  -V, --version         print the version and exit\n"
"\n"
"Exit status: 0 no failure, 1 failures found (self-test: a target not met),\n"
"2 bad usage or input, 3 no failure but some graphs were not checked (why: on stderr).\n");
}

/* ------------------------------------------------------------------ parsing */

static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-' || *s == '+')
        return bad("%s: '%s' is not a whole number from %llu to %llu", opt, s ? s : "",
                   (unsigned long long)lo, (unsigned long long)hi);
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return bad("%s: '%s' is not a whole number from %llu to %llu", opt, s,
                   (unsigned long long)lo, (unsigned long long)hi);
    *out = v;
    return 0;
}

static int parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = s && *s ? strtod(s, &end) : NAN;
    if (!s || !*s || errno || *end || !(v >= lo && v <= hi))
        return bad("%s: '%s' is not a number from %g to %g", opt, s ? s : "", lo, hi);
    *out = v;
    return 0;
}

/* "A:B" or "N" */
static int parse_range(const char *opt, const char *s, unsigned hi, unsigned *a, unsigned *b)
{
    char buf[64];
    if (strlen(s) >= sizeof buf)
        return bad("%s: '%s' is not N or A:B", opt, s);
    strcpy(buf, s);
    char *colon = strchr(buf, ':');
    uint64_t x, y;
    if (colon)
        *colon = 0;
    if (parse_u64(opt, buf, 0, hi, &x) || parse_u64(opt, colon ? colon + 1 : buf, 0, hi, &y))
        return EXIT_BAD;
    if (x > y)
        return bad("%s: '%s': the low end is above the high end", opt, s);
    *a = (unsigned)x;
    *b = (unsigned)y;
    return 0;
}

static int parse_shard(const char *s, unsigned *k, unsigned *n)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    if (!slash || strlen(s) >= sizeof buf)
        return bad("--shard: '%s' is not K/N", s);
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = 0;
    uint64_t x, y;
    if (parse_u64("--shard", buf, 0, 1000000, &x) || parse_u64("--shard", slash + 1, 1, 1000000, &y))
        return EXIT_BAD;
    if (x >= y)
        return bad("--shard: '%s': K must be below N (shards are 0 to N-1)", s);
    *k = (unsigned)x;
    *n = (unsigned)y;
    return 0;
}

static int op_of(const char *opt, const char *name, wg_op *op)
{
    if (!wg_op_from_name(name, op) || wg_op_kind_of(*op) == WG_KIND_LEAF)
        return bad("%s: '%s' is not an op of the table (see doc/OPS.md)", opt, name);
    if (wg_fuzz_op_rule_primitive(*op))
        return bad("%s: '%s' is a primitive of recorded derivative rules (piecewise "
                   "constant, derivative 0): campaigns do not draw it", opt, name);
    return 0;
}

static int parse_ops(const char *s, wg_fuzz_gen_options *g)
{
    char *copy = strdup(s);
    if (!copy)
        return bad("out of memory");
    for (int op = 0; op < WG_OP_COUNT; op++)
        g->op_weight[op] = 0;
    int r = 0, n = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok && !r;
         tok = strtok_r(NULL, ",", &save)) {
        wg_op op;
        if (!(r = op_of("--ops", tok, &op))) {
            g->op_weight[op] = 1;
            n++;
        }
    }
    free(copy);
    if (!r && !n)
        r = bad("--ops: '%s' names no op", s);
    return r;
}

static int parse_weight(const char *s, wg_fuzz_gen_options *g)
{
    const char *eq = strchr(s, '=');
    char name[64];
    if (!eq || (size_t)(eq - s) >= sizeof name)
        return bad("--weight: '%s' is not OP=W", s);
    memcpy(name, s, (size_t)(eq - s));
    name[eq - s] = 0;
    wg_op op;
    double w;
    if (op_of("--weight", name, &op) || parse_double("--weight", eq + 1, 0, 1e6, &w))
        return EXIT_BAD;
    g->op_weight[op] = w;
    return 0;
}

static int parse_bugs(const char *s, int **bugs, int *n)
{
    char *copy = strdup(s);
    int *list = calloc((size_t)wg_bug_count() + 1, sizeof *list);
    if (!copy || !list) {
        free(copy);
        free(list);
        return bad("out of memory");
    }
    int r = 0, k = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok && !r;
         tok = strtok_r(NULL, ",", &save)) {
        int b = wg_bug_find(tok);
        if (b < 0)
            r = bad("--bugs: '%s' is not an injected bug (see --list-bugs)", tok);
        else if (k < wg_bug_count())
            list[k++] = b;
    }
    free(copy);
    if (!r && !k)
        r = bad("--bugs: '%s' names no bug", s);
    if (r) {
        free(list);
        return r;
    }
    *bugs = list;
    *n = k;
    return 0;
}

/* ------------------------------------------------------------------ progress */

typedef struct progress {
    int tty;
    int quiet;
    double last;
    double interval;
    int rank;                    /* MPI rank, or -1 */
    int printed_tty;
} progress;

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_duration(double s, char *buf, size_t len)
{
    if (!(s >= 0) || !isfinite(s))
        snprintf(buf, len, "?");
    else if (s < 60)
        snprintf(buf, len, "%.0f s", s);
    else if (s < 3600)
        snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void on_progress(void *ctx, const wg_campaign_stats *st, int done)
{
    progress *p = ctx;
    if (p->quiet)
        return;
    double t = mono();
    if (!done && t - p->last < p->interval)
        return;
    p->last = t;
    double rate = st->elapsed > 0 ? (double)st->graphs_this_run / st->elapsed : 0;
    double left = NAN;
    if (st->target && rate > 0)
        left = (double)(st->target > st->graphs ? st->target - st->graphs : 0) / rate;
    if (st->limit_seconds > 0) {
        double tl = st->limit_seconds - st->elapsed;
        left = isnan(left) ? tl : fmin(left, tl);
    }
    char el[32], lf[32], tgt[32] = "";
    fmt_duration(st->elapsed, el, sizeof el);
    fmt_duration(left > 0 ? left : 0, lf, sizeof lf);
    if (st->target)
        snprintf(tgt, sizeof tgt, "/%llu", (unsigned long long)st->target);
    char rank[24] = "";
    if (p->rank >= 0)
        snprintf(rank, sizeof rank, "rank %d: ", p->rank);
    fprintf(stderr, "%s%sgraphs %llu%s (%.1f/s)  checks %llu  pass %llu fail %llu nondiff %llu "
            "invalid %llu unstable %llu  ops %u/%u  %s elapsed, %s left%s",
            p->tty ? "\r\033[K" : "", rank, (unsigned long long)st->graphs, tgt, rate,
            (unsigned long long)st->checks, (unsigned long long)st->graph_verdicts[WG_VERDICT_PASS],
            (unsigned long long)st->graph_verdicts[WG_VERDICT_FAIL],
            (unsigned long long)st->graph_verdicts[WG_VERDICT_NONDIFF],
            (unsigned long long)st->graph_verdicts[WG_VERDICT_INVALID],
            (unsigned long long)st->graph_verdicts[WG_VERDICT_UNSTABLE], st->ops_covered,
            st->ops_total, el, done ? "0 s" : lf, p->tty && !done ? "" : "\n");
    fflush(stderr);
    p->printed_tty = p->tty && !done;
}

/* ------------------------------------------------------------------ summaries */

/* the failing graphs of a campaign (0: all), with their reproducers */
static void print_failures(wg_store *s, int64_t campaign, FILE *out)
{
    sqlite3_stmt *q = NULL;
    const char *sql =
        "SELECT g.campaign, g.idx, g.seed, g.nodes, r.path, r.nodes, c.blame_op, c.fail_mode"
        " FROM graph g LEFT JOIN reproducer r ON r.graph = g.id"
        " LEFT JOIN check_result c ON c.graph = g.id AND c.direction = g.worst"
        " WHERE g.verdict = 'fail' AND (?1 = 0 OR g.campaign = ?1)"
        " ORDER BY g.campaign, g.idx LIMIT 21";
    if (sqlite3_prepare_v2(wg_store_db(s), sql, -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(q, 1, campaign);
    int n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (n++ == 0)
            fprintf(out, "failing graphs:\n");
        if (n > 20) {
            fprintf(out, "  ... (more in the store)\n");
            break;
        }
        const char *path = (const char *)sqlite3_column_text(q, 4);
        const char *op = (const char *)sqlite3_column_text(q, 6);
        const char *mode = (const char *)sqlite3_column_text(q, 7);
        fprintf(out, "  campaign %lld graph %lld (seed %lld, %lld nodes): fail (%s) blamed on %s",
                (long long)sqlite3_column_int64(q, 0), (long long)sqlite3_column_int64(q, 1),
                (long long)sqlite3_column_int64(q, 2), (long long)sqlite3_column_int64(q, 3),
                mode ? mode : "?", op ? op : "no op");
        if (sqlite3_column_type(q, 5) != SQLITE_NULL)
            fprintf(out, "; shrunk to %lld nodes", (long long)sqlite3_column_int64(q, 5));
        if (path)
            fprintf(out, ": %s", path);
        else if (sqlite3_column_type(q, 5) != SQLITE_NULL)
            fprintf(out, " (reproducer in the store only)");
        fprintf(out, "\n");
    }
    sqlite3_finalize(q);
}

/* On stderr: how many graphs of the campaign (0: all) were stored
 * unchecked, and the most common reason, so that a run that checked
 * nothing cannot pass for a clean one */
static void print_unchecked(wg_store *s, int64_t campaign, uint64_t unchecked, uint64_t graphs)
{
    sqlite3_stmt *q = NULL;
    const char *sql = "SELECT error, count(*) FROM graph WHERE verdict IS NULL"
                      " AND (?1 = 0 OR campaign = ?1) GROUP BY error ORDER BY count(*) DESC"
                      " LIMIT 1";
    fprintf(stderr, PROG ": %" PRIu64 " of %" PRIu64 " graphs were not checked", unchecked,
            graphs);
    if (sqlite3_prepare_v2(wg_store_db(s), sql, -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, campaign);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
            fprintf(stderr, "; the most common reason (%lld graph%s): %s",
                    (long long)sqlite3_column_int64(q, 1),
                    sqlite3_column_int64(q, 1) == 1 ? "" : "s",
                    (const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    }
    fputc('\n', stderr);
}

static int summarize_store(const char *path, int64_t campaign, FILE *out, uint64_t *fails,
                           uint64_t *unchecked)
{
    wg_store *s = NULL;
    wg_store_error err;
    /* a summary only reads: a mistyped name is an error, not a new store */
    if (wg_store_open_readonly(path, &s, &err) != WG_OK)
        return bad("%s", err.message);
    wg_store_summary sum;
    int st = wg_store_print_summary(s, campaign, out, &err);
    if (st == WG_OK)
        st = wg_store_summarize(s, campaign, &sum, &err);
    if (st != WG_OK) {
        wg_store_close(s);
        return bad("%s", err.message);
    }
    print_failures(s, campaign, out);
    if (sum.graphs_unchecked)
        print_unchecked(s, campaign, sum.graphs_unchecked, sum.graphs);
    if (fails)
        *fails = sum.graph_verdicts[WG_VERDICT_FAIL];
    if (unchecked)
        *unchecked = sum.graphs_unchecked;
    wg_store_close(s);
    return 0;
}

/* ------------------------------------------------------------------ modes */

static int list_bugs(void)
{
    for (int i = 0; i < wg_bug_count(); i++) {
        const wg_bug *b = wg_bug_get(i);
        printf("%-22s %s (when: %s)\n", b->name, b->description, b->when);
    }
    return EXIT_CLEAN;
}

static int reproduce(const char *path, int bug, const wg_check_options *co)
{
    wg_parse_error perr;
    wg_graph *g = wg_graph_read_file(path, &perr);
    if (!g)
        return bad("%s", perr.message);
    if (bug >= 0)
        wg_bug_arm(wg_graph_tape(g), bug);
    wg_check_report r;
    int st = wg_check_graph(g, co, &r);
    if (st != WG_OK) {
        wg_graph_free(g);
        return bad("%s: the check did not run: %s", path, r.error[0] ? r.error : wg_strerror(st));
    }
    wg_check_report_print(&r, path, stdout);
    int fails = r.verdict == WG_VERDICT_FAIL;
    wg_check_report_free(&r);
    wg_graph_free(g);
    return fails ? EXIT_FOUND : EXIT_CLEAN;
}

static int merge(int n, char *const *paths)
{
    if (n < 2)
        return bad("--merge needs a destination and at least one store to merge into it");
    wg_store *dst = NULL;
    wg_store_error err;
    /* every source is a readable store before the destination is made, so
     * that a mistyped source leaves no empty destination behind */
    for (int i = 1; i < n; i++) {
        wg_store *src = NULL;
        if (wg_store_open_readonly(paths[i], &src, &err) != WG_OK)
            return bad("%s", err.message);
        wg_store_close(src);
    }
    if (wg_store_open(paths[0], &dst, &err) != WG_OK)
        return bad("%s", err.message);
    for (int i = 1; i < n; i++) {
        wg_store_merge_stats ms;
        if (wg_store_merge(dst, paths[i], &ms, &err) != WG_OK) {
            wg_store_close(dst);
            return bad("%s", err.message);
        }
        printf("merged %s: %llu campaigns, %llu graphs, %llu checks, %llu campaign facts added; "
               "%llu graphs present already", paths[i], (unsigned long long)ms.campaigns_added,
               (unsigned long long)ms.graphs_added, (unsigned long long)ms.checks_added,
               (unsigned long long)ms.info_added, (unsigned long long)ms.graphs_present);
        if (ms.graphs_conflicting)
            printf(" (%llu of them DIFFER: another generator made them)",
                   (unsigned long long)ms.graphs_conflicting);
        printf("\n");
    }
    wg_store_close(dst);
    uint64_t fails = 0;
    int r = summarize_store(paths[0], 0, stdout, &fails, NULL);
    return r ? r : fails ? EXIT_FOUND : EXIT_CLEAN;
}

static char *join_command(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = 0;
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return bad("%s: cannot create the folder: %s", path, strerror(errno));
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return bad("%s: not a folder", path);
    return 0;
}

enum {
    OPT_SHARD = 256, OPT_QUIET, OPT_INPUTS, OPT_NODES, OPT_OUTPUTS, OPT_OPS, OPT_WEIGHT,
    OPT_SHARE, OPT_KINK, OPT_EDGE, OPT_DIRECTIONS, OPT_PRECISION, OPT_SAFETY, OPT_NO_SHRINK,
    OPT_KEEP, OPT_SELFTEST, OPT_BUGS, OPT_BUG_GRAPHS, OPT_BUG_TIME, OPT_CLEAN_GRAPHS,
    OPT_INJECT, OPT_REPRODUCE, OPT_MERGE, OPT_SUMMARY, OPT_LIST_BUGS, OPT_TENSOR_FRAC,
    OPT_TENSORS, OPT_RANK_MAX, OPT_ELEMS_MAX, OPT_CLEAN_TENSOR, OPT_ORDER, OPT_CLEAN_ORDER2,
    OPT_PLUGIN
};

int main(int argc, char **argv)
{
    int rank = 0, size = 1;
    if (wg_fuzz_mpi_init(&argc, &argv, &rank, &size) != 0)
        return bad("MPI could not start");

    wg_campaign_options o;
    wg_campaign_options_init(&o);
    o.gen.tensor_frac = 0.2;    /* a share of tensor graphs unless told otherwise */
    o.gen.op_weight[WG_OP_CUSTOM] = -1;     /* not given yet: see after the options */
    wg_selftest_options so;
    wg_selftest_options_init(&so);
    const char *out_dir = "fuzz-out";
    const char *reproduce_path = NULL, *summary_path = NULL;
    int selftest = 0, merging = 0, quiet = 0, listing = 0, graphs_given = 0;
    int seed_given = 0, plugins = 0;
    static char plugin_words[1024];     /* the reproducers' --plugin words */
    int *bugs = NULL, nbugs = 0;
    int r = 0;

    static const struct option longopts[] = {
        { "graphs", required_argument, NULL, 'n' },
        { "time", required_argument, NULL, 't' },
        { "seed", required_argument, NULL, 's' },
        { "jobs", required_argument, NULL, 'j' },
        { "out", required_argument, NULL, 'o' },
        { "shard", required_argument, NULL, OPT_SHARD },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "inputs", required_argument, NULL, OPT_INPUTS },
        { "nodes", required_argument, NULL, OPT_NODES },
        { "outputs", required_argument, NULL, OPT_OUTPUTS },
        { "ops", required_argument, NULL, OPT_OPS },
        { "weight", required_argument, NULL, OPT_WEIGHT },
        { "share", required_argument, NULL, OPT_SHARE },
        { "kink-frac", required_argument, NULL, OPT_KINK },
        { "edge-frac", required_argument, NULL, OPT_EDGE },
        { "tensor-frac", required_argument, NULL, OPT_TENSOR_FRAC },
        { "tensors", no_argument, NULL, OPT_TENSORS },
        { "rank-max", required_argument, NULL, OPT_RANK_MAX },
        { "elements-max", required_argument, NULL, OPT_ELEMS_MAX },
        { "directions", required_argument, NULL, OPT_DIRECTIONS },
        { "order", required_argument, NULL, OPT_ORDER },
        { "precision", required_argument, NULL, OPT_PRECISION },
        { "safety", required_argument, NULL, OPT_SAFETY },
        { "no-shrink", no_argument, NULL, OPT_NO_SHRINK },
        { "keep-graphs", no_argument, NULL, OPT_KEEP },
        { "self-test", no_argument, NULL, OPT_SELFTEST },
        { "bugs", required_argument, NULL, OPT_BUGS },
        { "bug-graphs", required_argument, NULL, OPT_BUG_GRAPHS },
        { "bug-time", required_argument, NULL, OPT_BUG_TIME },
        { "clean-graphs", required_argument, NULL, OPT_CLEAN_GRAPHS },
        { "clean-tensor-graphs", required_argument, NULL, OPT_CLEAN_TENSOR },
        { "clean-order2-graphs", required_argument, NULL, OPT_CLEAN_ORDER2 },
        { "inject-bug", required_argument, NULL, OPT_INJECT },
        { "reproduce", required_argument, NULL, OPT_REPRODUCE },
        { "merge", no_argument, NULL, OPT_MERGE },
        { "summary", required_argument, NULL, OPT_SUMMARY },
        { "list-bugs", no_argument, NULL, OPT_LIST_BUGS },
        { "plugin", required_argument, NULL, OPT_PLUGIN },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    opterr = 0;
    int c;
    while (!r && (c = getopt_long(argc, argv, ":n:t:s:j:o:hV", longopts, NULL)) != -1) {
        uint64_t u;
        double d;
        switch (c) {
        case 'n':
            if (!(r = parse_u64("--graphs", optarg, 1, UINT64_C(1) << 40, &u)))
                o.graphs = u;
            graphs_given = 1;
            break;
        case 't':
            if (!(r = parse_double("--time", optarg, 1e-3, 1e9, &d)))
                o.seconds = d;
            break;
        case 's':
            if (!(r = parse_u64("--seed", optarg, 0, UINT64_MAX, &u)))
                o.seed = u;
            seed_given = 1;
            break;
        case 'j':
            if (!(r = parse_u64("--jobs", optarg, 1, 256, &u)))
                o.jobs = (unsigned)u;
            break;
        case 'o': out_dir = optarg; break;
        case OPT_SHARD: r = parse_shard(optarg, &o.shard_k, &o.shard_n); break;
        case OPT_QUIET: quiet = 1; break;
        case OPT_INPUTS:
            r = parse_range("--inputs", optarg, 64, &o.gen.inputs_min, &o.gen.inputs_max);
            break;
        case OPT_NODES:
            r = parse_range("--nodes", optarg, 100000, &o.gen.nodes_min, &o.gen.nodes_max);
            break;
        case OPT_OUTPUTS:
            r = parse_range("--outputs", optarg, 64, &o.gen.outputs_min, &o.gen.outputs_max);
            break;
        case OPT_OPS: r = parse_ops(optarg, &o.gen); break;
        case OPT_WEIGHT: r = parse_weight(optarg, &o.gen); break;
        case OPT_PLUGIN: {      /* custom ops: drawn like the table's rows */
            char why[512];
            if (wg_plugin_load(optarg, why, sizeof why) != WG_OK)
                r = bad("--plugin %s: %s", optarg, why);
            else if (strlen(plugin_words) + strlen(optarg) + 12 < sizeof plugin_words) {
                strcat(plugin_words, " --plugin ");
                strcat(plugin_words, optarg);
            }
            plugins++;
            break;
        }
        case OPT_SHARE: r = parse_double("--share", optarg, 0, 1, &o.gen.share_prob); break;
        case OPT_KINK: r = parse_double("--kink-frac", optarg, 0, 1, &o.gen.kink_frac); break;
        case OPT_EDGE: r = parse_double("--edge-frac", optarg, 0, 1, &o.gen.edge_frac); break;
        case OPT_TENSOR_FRAC:
            r = parse_double("--tensor-frac", optarg, 0, 1, &o.gen.tensor_frac);
            break;
        case OPT_TENSORS: o.gen.tensor_frac = 1; break;
        case OPT_RANK_MAX:
            if (!(r = parse_u64("--rank-max", optarg, 1, 6, &u)))
                o.gen.tensor_rank_max = (unsigned)u;
            break;
        case OPT_ELEMS_MAX:
            if (!(r = parse_u64("--elements-max", optarg, 1, 4096, &u)))
                o.gen.tensor_elems_max = (unsigned)u;
            break;
        case OPT_DIRECTIONS:
            if (!(r = parse_u64("--directions", optarg, 1, 1000, &u)))
                o.check.directions = (unsigned)u;
            break;
        case OPT_ORDER:
            if (!(r = parse_u64("--order", optarg, 1, 2, &u)))
                o.check.order = (unsigned)u;
            break;
        case OPT_PRECISION:
            if (!(r = parse_u64("--precision", optarg, 128, 100000, &u)))
                o.check.precision = (unsigned)u;
            break;
        case OPT_SAFETY: r = parse_double("--safety", optarg, 1e-3, 1e9, &o.check.safety); break;
        case OPT_NO_SHRINK: o.shrink = 0; break;
        case OPT_KEEP: o.keep_text = 1; break;
        case OPT_SELFTEST: selftest = 1; break;
        case OPT_BUGS: free(bugs); r = parse_bugs(optarg, &bugs, &nbugs); break;
        case OPT_BUG_GRAPHS:
            if (!(r = parse_u64("--bug-graphs", optarg, 1, UINT64_C(1) << 40, &u)))
                so.bug_graphs = u;
            break;
        case OPT_BUG_TIME: r = parse_double("--bug-time", optarg, 1e-3, 1e9, &so.bug_seconds); break;
        case OPT_CLEAN_GRAPHS:
            if (!(r = parse_u64("--clean-graphs", optarg, 0, UINT64_C(1) << 40, &u)))
                so.clean_graphs = u;
            break;
        case OPT_CLEAN_TENSOR:
            if (!(r = parse_u64("--clean-tensor-graphs", optarg, 0, UINT64_C(1) << 40, &u)))
                so.clean_tensor_graphs = u;
            break;
        case OPT_CLEAN_ORDER2:
            if (!(r = parse_u64("--clean-order2-graphs", optarg, 0, UINT64_C(1) << 40, &u)))
                so.clean_order2_graphs = u;
            break;
        case OPT_INJECT:
            if ((o.bug = wg_bug_find(optarg)) < 0)
                r = bad("--inject-bug: '%s' is not an injected bug (see --list-bugs)", optarg);
            break;
        case OPT_REPRODUCE: reproduce_path = optarg; break;
        case OPT_MERGE: merging = 1; break;
        case OPT_SUMMARY: summary_path = optarg; break;
        case OPT_LIST_BUGS: listing = 1; break;
        case 'h': usage(stdout); r = -1; break;
        case 'V':
            wg_tool_version(stdout, PROG);
            printf("MPI %s\n", wg_fuzz_mpi_available() ? "yes" : "no");
            r = -1;
            break;
        case ':': r = bad("%s needs a value (see --help)", argv[optind - 1]); break;
        default:
            r = bad("unknown option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (r) {
        free(bugs);
        wg_fuzz_mpi_finalize();
        return r < 0 ? EXIT_CLEAN : r;
    }
    /* custom ops, loaded after the defaults were set: the default weight 1
     * unless --ops chose the ops or --weight custom=W gave theirs */
    if (o.gen.op_weight[WG_OP_CUSTOM] < 0)
        o.gen.op_weight[WG_OP_CUSTOM] = plugins ? 1 : 0;
    if (plugin_words[0])
        o.plugins = plugin_words;
    int modes = selftest + merging + (reproduce_path != NULL) + (summary_path != NULL) + listing;
    if (modes > 1) {
        free(bugs);
        wg_fuzz_mpi_finalize();
        return bad("give one of --self-test, --reproduce, --merge, --summary, --list-bugs");
    }
    if (!merging && optind < argc) {
        free(bugs);
        wg_fuzz_mpi_finalize();
        return bad("unexpected argument '%s' (see --help)", argv[optind]);
    }
    if (size > 1 && (modes || o.jobs > 1)) {
        free(bugs);
        wg_fuzz_mpi_finalize();
        return bad(modes ? "under mpirun only campaigns run; start other modes without it"
                         : "--jobs: under mpirun every rank is one worker; start more ranks");
    }
    if (!modes || selftest) {
        /* options that make every graph fail to generate are refused here,
         * not found out graph by graph: such a campaign would check nothing */
        const char *why = NULL;
        if (o.gen.inputs_min == 0)
            why = "--inputs: a graph needs at least one input: the low end must be 1 or more";
        else if (o.gen.nodes_min == 0)
            why = "--nodes: a graph needs at least one node besides its inputs: the low end "
                  "must be 1 or more";
        else if (o.gen.outputs_min == 0)
            why = "--outputs: a graph needs at least one output: the low end must be 1 or more";
        else if (!(o.gen.kink_frac + o.gen.edge_frac <= 1))
            why = "--kink-frac and --edge-frac are shares of the graphs: they add up to more "
                  "than 1";
        if (why || (why = wg_fuzz_gen_options_problem(&o.gen)) != NULL) {
            free(bugs);
            wg_fuzz_mpi_finalize();
            if (strcmp(why, "every op weight is 0") == 0)
                return bad("--ops/--weight: every op has weight 0: there is no op to draw");
            return bad("%s", why);
        }
    }
    if (listing)
        return list_bugs();
    if (merging)
        return merge(argc - optind, argv + optind);
    if (summary_path) {
        uint64_t fails = 0;
        int rr = summarize_store(summary_path, 0, stdout, &fails, NULL);
        return rr ? rr : fails ? EXIT_FOUND : EXIT_CLEAN;
    }
    if (reproduce_path) {
        wg_check_options co = o.check;
        co.seed = seed_given ? o.seed : co.seed;
        return reproduce(reproduce_path, o.bug, &co);
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    o.stop = &stop_requested;

    /* rank 0 makes the folder (and says what is wrong with it); every rank
     * learns whether it can go on */
    if (wg_fuzz_mpi_max(rank == 0 && make_dir(out_dir) ? 1 : 0)) {
        free(bugs);
        wg_fuzz_mpi_finalize();
        return EXIT_BAD;
    }
    char repro_dir[1024], store_path[1024];
    snprintf(repro_dir, sizeof repro_dir, "%s/repro", out_dir);
    o.repro_dir = repro_dir;
    char *command = join_command(argc, argv);
    o.command = command;

    progress p = { isatty(STDERR_FILENO), quiet, -1e9, 0.2, size > 1 ? rank : -1, 0 };
    if (!p.tty)
        p.interval = 10;
    o.progress = on_progress;
    o.progress_ctx = &p;

    if (selftest) {
        so.base = o;
        so.bugs = bugs;
        so.nbugs = nbugs;
        snprintf(store_path, sizeof store_path, "%s/selftest-clean.sqlite", out_dir);
        so.base.store_path = store_path;
        /* the clean campaign judges this build of the library: results an
         * earlier build left in the folder must not be resumed */
        static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
        for (size_t k = 0; k < sizeof suffixes / sizeof suffixes[0]; k++) {
            char old[1100];
            snprintf(old, sizeof old, "%s%s", store_path, suffixes[k]);
            if (unlink(old) != 0 && errno != ENOENT) {
                free(bugs);
                free(command);
                return bad("%s: cannot remove the last self-test's store: %s", old, strerror(errno));
            }
        }
        so.base.seconds = 0;
        if (!quiet)
            so.base.progress_ctx = &p;
        wg_selftest_result res;
        char why[512] = "";
        int st = wg_selftest_run(&so, &res, stdout, quiet ? NULL : stderr, why, sizeof why);
        int met = res.met;
        wg_selftest_result_free(&res);
        free(bugs);
        free(command);
        if (st != WG_OK)
            return bad("self-test: %s", why);
        return met ? EXIT_CLEAN : EXIT_FOUND;
    }
    free(bugs);

    if (!graphs_given && !(o.seconds > 0))
        o.graphs = 1000;
    if (size > 1) {
        /* one shard per rank: shard k of n splits into k*P + rank of n*P */
        o.shard_k = o.shard_k * (unsigned)size + (unsigned)rank;
        o.shard_n = o.shard_n * (unsigned)size;
        snprintf(store_path, sizeof store_path, "%s/shard-%u-of-%u.sqlite", out_dir, o.shard_k,
                 o.shard_n);
    } else {
        snprintf(store_path, sizeof store_path, "%s/results.sqlite", out_dir);
    }
    o.store_path = store_path;

    wg_campaign_stats st;
    char why[768] = "";
    int rc = wg_campaign_run(&o, &st, why, sizeof why);
    int status = EXIT_CLEAN;
    if (rc != WG_OK) {
        status = bad("%s", why);
    } else if (size == 1) {
        printf("%s: campaign seed %llu, shard %u/%u: %llu graphs (%llu resumed, %llu this run) "
               "in %.1f s%s\n", store_path, (unsigned long long)o.seed, o.shard_k, o.shard_n,
               (unsigned long long)st.graphs, (unsigned long long)st.resumed_from,
               (unsigned long long)st.graphs_this_run, st.elapsed,
               st.interrupted ? " (interrupted)" : "");
        uint64_t fails = 0, unchecked = 0;
        int sr = summarize_store(store_path, st.campaign_id, stdout, &fails, &unchecked);
        status = sr ? sr : fails ? EXIT_FOUND : unchecked ? EXIT_UNCHECKED : EXIT_CLEAN;
    }
    if (rc == WG_OK && st.repro_unsaved)
        fprintf(stderr, PROG ": %" PRIu64 " reproducer%s of this run could not be written to %s "
                "(said above); %s text is in the store\n", st.repro_unsaved,
                st.repro_unsaved == 1 ? "" : "s", repro_dir, st.repro_unsaved == 1 ? "its" : "their");
    if (size > 1) {
        /* every rank has finished its shard; rank 0 merges them all */
        int mine = rc == WG_OK ? 0 : 1, any = wg_fuzz_mpi_max(mine);
        if (rank == 0 && !any) {
            char merged[1024];
            snprintf(merged, sizeof merged, "%s/results.sqlite", out_dir);
            char **paths = calloc((size_t)size + 1, sizeof *paths);
            status = paths ? EXIT_CLEAN : bad("out of memory");
            for (int k = 0; paths && k <= size; k++) {
                paths[k] = malloc(1024);
                if (!paths[k]) {
                    status = bad("out of memory");
                    break;
                }
                if (k == 0)
                    snprintf(paths[k], 1024, "%s", merged);
                else
                    snprintf(paths[k], 1024, "%s/shard-%u-of-%u.sqlite", out_dir,
                             o.shard_k - (unsigned)rank + (unsigned)(k - 1), o.shard_n);
            }
            if (status == EXIT_CLEAN) {
                printf("%s: %d shards merged (mpirun, %d ranks)\n", merged, size, size);
                status = merge(size + 1, paths);
            }
            for (int k = 0; paths && k <= size; k++)
                free(paths[k]);
            free(paths);
        } else if (any) {
            status = EXIT_BAD;
        }
        /* a rank whose graphs went unchecked makes the run's status 3 */
        int unchecked = wg_fuzz_mpi_max(rc == WG_OK && st.unchecked ? 1 : 0);
        if (rank == 0 && status == EXIT_CLEAN && unchecked)
            status = EXIT_UNCHECKED;
        status = wg_fuzz_mpi_bcast_int(status);
    }
    free(command);
    wg_fuzz_mpi_finalize();
    return status;
}
