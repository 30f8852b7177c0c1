/* SPDX-License-Identifier: GPL-3.0-or-later */
/* selftest.c -- wengert-fuzz --self-test (selftest.h).
 *
 * Every bug is hunted with the same stream of graphs (the campaign seed's),
 * the way a user's campaign would meet it: default op weights, no steering
 * toward the mutated op, so the figures say how quickly an ordinary
 * campaign finds such a bug.  The clean campaign is an ordinary campaign
 * with its own store, so it runs in parallel workers and resumes. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include "selftest.h"

#include "bugs.h"
#include "shrink.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void wg_selftest_options_init(wg_selftest_options *o)
{
    memset(o, 0, sizeof *o);
    wg_campaign_options_init(&o->base);
    o->bug_graphs = 20000;
    o->bug_seconds = 60;
    o->clean_graphs = 2000;
    o->clean_tensor_graphs = 2000;
    o->clean_order2_graphs = 500;
}

void wg_selftest_result_free(wg_selftest_result *res)
{
    if (res) {
        free(res->rows);
        res->rows = NULL;
        res->nrows = 0;
    }
}

/* users of node i: later nodes that take it as an operand, and outputs */
static unsigned users(wg_graph *g, size_t i)
{
    wg_tape *t = wg_graph_tape(g);
    unsigned n = 0;
    for (size_t j = i + 1, size = wg_tape_size(t); j < size; j++)
        for (int k = 0; k < 2; k++)
            n += wg_node_arg(t, j, k) == i;
    for (size_t k = 0; k < wg_graph_noutputs(g); k++)
        n += wg_var_index(t, wg_graph_output(g, k)) == i;
    return n;
}

int wg_selftest_blame_ok(int bug, wg_graph *g, long node, wg_op op, const char *fail_mode)
{
    const wg_bug *b = wg_bug_get(bug);
    if (b && b->path) {         /* a driver's or the replay's: seen in its path */
        if (!fail_mode || strcmp(fail_mode, b->path) != 0)
            return 0;
        return b->ops[0] == WG_OP_COUNT ? node < 0 : node >= 0 && wg_bug_mutates(b, op);
    }
    if (!b || node < 0)
        return 0;
    if (b->ops[0] != WG_OP_COUNT || b->kinds)
        return wg_bug_mutates(b, op);
    /* a bug of the sweep: it wrongs the adjoint of a node with several
     * users, and the first tangent/adjoint that departs is at that node or
     * at one of its consumers */
    wg_tape *t = wg_graph_tape(g);
    if ((size_t)node >= wg_tape_size(t))
        return 0;
    if (users(g, (size_t)node) > 1)
        return 1;
    for (int k = 0; k < 2; k++) {
        size_t a = wg_node_arg(t, (size_t)node, k);
        if (a != (size_t)-1 && users(g, a) > 1)
            return 1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Hunt one bug: graphs of the campaign until the first fail. */
static int hunt(const wg_selftest_options *o, int bug, wg_selftest_row *row, FILE *err,
                char *why, size_t len)
{
    memset(row, 0, sizeof *row);
    row->bug = bug;
    row->blamed_op = WG_OP_COUNT;
    wg_campaign_options co = o->base;
    co.bug = bug;
    co.shrink = 0;          /* shrink once, after the hunt, and time it apart */
    if (wg_bug_get(bug)->tensor)
        co.gen.tensor_frac = 1;     /* a tensor rule shows in tensor graphs only */
    if (wg_bug_get(bug)->order == 2) {
        co.check.order = 2;         /* a second-order rule shows at second order only */
        co.gen.tensor_frac = 0;     /* ... and wg_hvp's double sweep on scalar tapes only */
    }
    co.repro_dir = NULL;
    double t0 = now_seconds();
    for (uint64_t g = 0; g < o->bug_graphs; g++) {
        if (o->base.stop && *o->base.stop)
            break;
        if (now_seconds() - t0 > o->bug_seconds)
            break;
        wg_campaign_graph cg;
        int st = wg_campaign_graph_run(&co, g, &cg);
        if (st != WG_OK) {
            wg_campaign_graph_free(&cg);
            snprintf(why, len, "bug %s, graph %llu: %s", wg_bug_get(bug)->name,
                     (unsigned long long)g, wg_strerror(st));
            return st;
        }
        row->graphs = g + 1;
        if (!cg.graph || cg.report.error[0] || cg.report.verdict != WG_VERDICT_FAIL) {
            wg_campaign_graph_free(&cg);
            continue;
        }
        row->detected = 1;
        row->seconds = now_seconds() - t0;
        const wg_check_result *w = &cg.report.results[cg.report.worst];
        row->blamed_op = w->blame_op;
        snprintf(row->fail_mode, sizeof row->fail_mode, "%s", w->fail_mode);
        row->blame_ok = wg_selftest_blame_ok(bug, cg.graph, w->blame_node, w->blame_op,
                                             w->fail_mode);
        row->nodes_before = wg_tape_size(wg_graph_tape(cg.graph));

        wg_shrink_options so;
        wg_shrink_options_init(&so);
        so.check = co.check;        /* the hunt's own: order 2 for a second-order bug */
        so.check.seed = cg.seed;
        so.bug = bug;
        so.max_checks = o->base.shrink_checks;
        wg_shrink_result sr;
        char swhy[256];
        double s0 = now_seconds();
        if (wg_shrink(cg.graph, &so, &sr, swhy, sizeof swhy) == WG_OK) {
            row->nodes_after = sr.nodes_after;
            if (o->base.repro_dir) {
                char what[200], origin[200], cmd[512], path[1024];
                snprintf(what, sizeof what, "fail (%s) blamed on op %s with injected bug %s",
                         sr.blamed_op == WG_OP_COUNT ? "?" : w->fail_mode,
                         sr.blamed_op == WG_OP_COUNT ? "(none)" : wg_op_name(sr.blamed_op),
                         wg_bug_get(bug)->name);
                snprintf(origin, sizeof origin, "wengert-fuzz --self-test, seed %llu, graph %llu",
                         (unsigned long long)o->base.seed, (unsigned long long)g);
                wg_campaign_repro_command(&co, cg.seed, cmd, sizeof cmd);
                snprintf(path, sizeof path, "%s/selftest-%s.wg", o->base.repro_dir,
                         wg_bug_get(bug)->name);
                wg_repro_info info = { what, cmd, origin };
                if (wg_repro_save(sr.graph, &info, path, swhy, sizeof swhy) == WG_OK)
                    snprintf(row->repro, sizeof row->repro, "%s", path);
                else if (err)
                    fprintf(err, "wengert-fuzz: %s\n", swhy);
            }
            wg_graph_free(sr.graph);
        } else if (err) {
            fprintf(err, "wengert-fuzz: bug %s: shrinking failed: %s\n", wg_bug_get(bug)->name,
                    swhy);
        }
        row->shrink_seconds = now_seconds() - s0;
        wg_campaign_graph_free(&cg);
        break;
    }
    if (!row->detected)
        row->seconds = now_seconds() - t0;
    return WG_OK;
}

static const char *ops_text(const wg_bug *b, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (int k = 0; k < WG_BUG_MAX_OPS && b->ops[k] != WG_OP_COUNT && n < len; k++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", k ? "," : "", wg_op_name(b->ops[k]));
    if (!buf[0])
        snprintf(buf, len, b->kinds ? "(binary ops)" : "(sweep)");
    return buf;
}

static const char *sweeps_text(const wg_bug *b)
{
    if (b->order == 2)      /* the recorded rules, wg_hvp's double sweep, wg_hessian's */
        return b->path && strcmp(b->path, "hessian") == 0 ? "hessian"
               : (b->test_flags & (WG_TEST_HVP_SIN_SIGN | WG_TEST_HVP_NO_CROSS
                                   | WG_TEST_HVP_DIV_BB)) ? "hvp" : "recorded";
    return b->modes == WG_BUG_BOTH ? "both" : b->modes == WG_BUG_FORWARD ? "forward"
                                                                       : "reverse";
}

int wg_selftest_run(const wg_selftest_options *o, wg_selftest_result *res, FILE *out,
                    FILE *err, char *why, size_t len)
{
    memset(res, 0, sizeof *res);
    if (o->base.repro_dir && mkdir(o->base.repro_dir, 0777) != 0 && errno != EEXIST) {
        snprintf(why, len, "%s: cannot create the folder: %s", o->base.repro_dir, strerror(errno));
        return WG_EIO;
    }
    int nb = o->bugs ? o->nbugs : wg_bug_count();
    res->rows = calloc((size_t)(nb > 0 ? nb : 1), sizeof *res->rows);
    if (!res->rows) {
        snprintf(why, len, "out of memory");
        return WG_ENOMEM;
    }
    fprintf(out, "%-22s %-16s %-8s %-8s %8s %9s %13s %-10s %s\n", "bug", "ops", "sweeps",
            "detected", "graphs", "seconds", "shrunk nodes", "blamed", "blame");
    for (int i = 0; i < nb; i++) {
        int bug = o->bugs ? o->bugs[i] : i;
        const wg_bug *b = wg_bug_get(bug);
        if (!b) {
            snprintf(why, len, "injected bug %d out of range", bug);
            return WG_EINVAL;
        }
        if (err)
            fprintf(err, "wengert-fuzz: self-test: hunting %s ...\n", b->name);
        wg_selftest_row *row = &res->rows[res->nrows];
        int st = hunt(o, bug, row, err, why, len);
        if (st != WG_OK)
            return st;
        res->nrows++;
        char ops[64], shrunk[32];
        if (row->detected && row->nodes_after)
            snprintf(shrunk, sizeof shrunk, "%zu -> %zu", row->nodes_before, row->nodes_after);
        else
            snprintf(shrunk, sizeof shrunk, "-");
        fprintf(out, "%-22s %-16s %-8s %-8s %8llu %9.3f %13s %-10s %s\n", b->name,
                ops_text(b, ops, sizeof ops), sweeps_text(b), row->detected ? "yes" : "NO",
                (unsigned long long)row->graphs, row->seconds, shrunk,
                row->detected ? (row->blamed_op == WG_OP_COUNT ? "(none)"
                                                               : wg_op_name(row->blamed_op))
                              : "-",
                row->detected ? (row->blame_ok ? "right" : "WRONG") : "-");
        fflush(out);
        if (o->base.stop && *o->base.stop)
            break;
    }

    /* the clean campaigns: ordinary ones, in their own store; then one of
     * tensor graphs only, where the tensor rules are exercised */
    for (int tens = 0; tens < 3; tens++) {
        uint64_t graphs = tens == 2 ? o->clean_order2_graphs
                          : tens ? o->clean_tensor_graphs : o->clean_graphs;
        if (!graphs || (o->base.stop && *o->base.stop))
            continue;
        wg_campaign_options co = o->base;
        co.bug = -1;
        co.graphs = graphs;
        co.seconds = 0;
        if (tens == 1)
            co.gen.tensor_frac = 1;
        if (tens == 2) {
            co.check.order = 2;
            co.gen.tensor_frac = 0;
        }
        if (err)
            fprintf(err, "wengert-fuzz: self-test: clean campaign of %llu %s ...\n",
                    (unsigned long long)graphs, tens == 2 ? "graphs at second order"
                    : tens ? "tensor graphs" : "graphs");
        wg_campaign_stats *c = tens == 2 ? &res->clean_order2
                               : tens ? &res->clean_tensor : &res->clean;
        int st = wg_campaign_run(&co, c, why, len);
        if (st != WG_OK)
            return st;
        *(tens == 2 ? &res->clean_order2_ran : tens ? &res->clean_tensor_ran
                                                    : &res->clean_ran) = 1;
        fprintf(out, "%-22s %-16s %-8s %-8s %8llu %9.3f   fail %llu, pass %llu, nondiff %llu, "
                "invalid %llu, unstable %llu, unchecked %llu\n",
                tens == 2 ? "(clean, second order)" : tens ? "(clean, tensor graphs)"
                                                          : "(clean library)", "(all)", "both",
                c->graph_verdicts[WG_VERDICT_FAIL] ? "FAILS" : "clean",
                (unsigned long long)c->graphs, c->elapsed,
                (unsigned long long)c->graph_verdicts[WG_VERDICT_FAIL],
                (unsigned long long)c->graph_verdicts[WG_VERDICT_PASS],
                (unsigned long long)c->graph_verdicts[WG_VERDICT_NONDIFF],
                (unsigned long long)c->graph_verdicts[WG_VERDICT_INVALID],
                (unsigned long long)c->graph_verdicts[WG_VERDICT_UNSTABLE],
                (unsigned long long)c->unchecked);
    }

    /* the targets */
    int detected = 0, blamed = 0;
    double *secs = calloc((size_t)(res->nrows ? res->nrows : 1), sizeof *secs);
    if (!secs) {
        snprintf(why, len, "out of memory");
        return WG_ENOMEM;
    }
    for (int i = 0; i < res->nrows; i++) {
        const wg_selftest_row *r = &res->rows[i];
        detected += r->detected;
        blamed += r->detected && r->blame_ok;
        /* an undetected bug counts as never found: +infinity in the median */
        secs[i] = r->detected ? r->seconds : INFINITY;
    }
    qsort(secs, (size_t)res->nrows, sizeof *secs, cmp_double);
    res->median_seconds = res->nrows == 0 ? 0
        : res->nrows % 2 ? secs[res->nrows / 2]
                         : 0.5 * (secs[res->nrows / 2 - 1] + secs[res->nrows / 2]);
    free(secs);
    res->all_detected = detected == res->nrows && res->nrows == nb;
    res->blame_fraction = res->nrows ? (double)blamed / res->nrows : 0;
    int median_ok = res->median_seconds < WG_SELFTEST_MEDIAN_SECONDS;
    int blame_ok = res->blame_fraction >= WG_SELFTEST_BLAME_FRACTION;
    uint64_t clean_fails = res->clean.graph_verdicts[WG_VERDICT_FAIL]
                           + res->clean_tensor.graph_verdicts[WG_VERDICT_FAIL]
                           + res->clean_order2.graph_verdicts[WG_VERDICT_FAIL];
    uint64_t clean_graphs = res->clean.graphs + res->clean_tensor.graphs
                            + res->clean_order2.graphs;
    int clean_ran = res->clean_ran || res->clean_tensor_ran || res->clean_order2_ran;
    int clean_ok = clean_fails == 0;
    fprintf(out, "\ntargets:\n");
    fprintf(out, "  every injected bug detected          %d of %d            %s\n", detected, nb,
            res->all_detected ? "met" : "NOT MET");
    fprintf(out, "  median time to detection < %.0f s      %.3f s             %s\n",
            WG_SELFTEST_MEDIAN_SECONDS, res->median_seconds, median_ok ? "met" : "NOT MET");
    fprintf(out, "  blamed op is the mutated one >= %.0f%%  %d of %d (%.0f%%)     %s\n",
            100 * WG_SELFTEST_BLAME_FRACTION, blamed, res->nrows, 100 * res->blame_fraction,
            blame_ok ? "met" : "NOT MET");
    if (clean_ran) {
        unsigned long long n = (unsigned long long)clean_graphs;
        fprintf(out, "  zero false alarms (clean library)    %llu fail in %llu graphs  %s\n",
                (unsigned long long)clean_fails, n, clean_ok ? "met" : "NOT MET");
        if (clean_ok && n < WG_SELFTEST_CLEAN_TARGET)
            fprintf(out, "  (the target names %d clean graphs: run --clean-graphs %d, "
                    "as make bench does)\n", WG_SELFTEST_CLEAN_TARGET, WG_SELFTEST_CLEAN_TARGET);
    } else {
        fprintf(out, "  zero false alarms (clean library)    not run\n");
    }
    res->met = res->all_detected && median_ok && blame_ok && clean_ok &&
               !(o->base.stop && *o->base.stop);
    fprintf(out, "self-test: %s\n", res->met ? "every target met" : "a target was NOT met");
    return WG_OK;
}
