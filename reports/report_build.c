/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_build.c -- the report's header, run, verdicts and failures,
 * coverage and suite cases (see report_build.h). */
#define _POSIX_C_SOURCE 200809L

#include "report_build.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *wg_num(double v)
{
    static char ring[16][32];
    static int k;
    k = (k + 1) % 16;
    return wg_fmt_num(v, ring[k]);
}

const char *wg_count(uint64_t n)
{
    static char ring[16][32];
    static int k;
    k = (k + 1) % 16;
    return wg_fmt_count(n, ring[k]);
}

static const char *pct(uint64_t part, uint64_t whole)
{
    static char ring[8][32];
    static int k;
    k = (k + 1) % 8;
    return wg_fmt_pct(part, whole, ring[k]);
}

void wg_build_plot(wg_doc *doc, const wg_plots *p, const char *name, const char *caption)
{
    const wg_plot *pl = wg_plots_find(p, name);
    if (pl && pl->svg)
        wg_doc_plot(doc, name, "%s", caption);
    else
        wg_doc_note(doc, "Plot omitted (%s): %s.", caption,
                    pl ? pl->why : p->why[0] ? p->why : "not drawn");
}

/* "a, b, c" of the distinct non-NULL values of a campaign field; NULL if none */
static char *distinct(const wg_report_data *d, size_t offset)
{
    size_t cap = 256, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < d->ncampaigns; i++) {
        const char *v = *(char *const *)((const char *)&d->campaigns[i] + offset);
        if (!v || !*v)
            continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++) {
            const char *w = *(char *const *)((const char *)&d->campaigns[j] + offset);
            seen = w && strcmp(v, w) == 0;
        }
        if (seen)
            continue;
        size_t need = n + strlen(v) + 3;
        if (need > cap) {
            char *o = realloc(out, need * 2);
            if (!o) {
                free(out);
                return NULL;
            }
            out = o;
            cap = need * 2;
        }
        n += (size_t)sprintf(out + n, "%s%s", n ? "; " : "", v);
    }
    if (!n) {
        free(out);
        return NULL;
    }
    return out;
}

static int any_version1(const wg_report_data *d)
{
    for (size_t i = 0; i < d->nstores; i++)
        if (!d->stores[i].has_info)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ at a glance */

static void glance(wg_doc *doc, const wg_report_data *d)
{
    uint64_t fails = d->check_verdicts[WG_VERDICT_FAIL];
    uint64_t viol = d->violations[0] + d->violations[1];
    unsigned known = 0, seen = 0;
    for (size_t i = 0; i < d->nops; i++)
        if (d->ops[i].known) {
            known++;
            seen += d->ops[i].graphs > 0;
        }
    wg_doc_heading(doc, 2, "glance", "At a glance");
    wg_doc_table *t = wg_doc_table_new(doc, 2);
    wg_doc_th(doc, t, 0, "");
    wg_doc_th(doc, t, WG_CELL_NUM, "");
    wg_doc_td(doc, t, 0, "graphs checked");
    wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(d->graphs));
    wg_doc_td(doc, t, 0, "checks (one per random direction)");
    wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(d->checks));
    wg_doc_td(doc, t, 0, "checks judged against the MPFR reference");
    wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(d->judged));
    wg_doc_td(doc, t, 0, "of them with a derivative of exactly 0 (testing no rule)");
    wg_doc_td(doc, t, WG_CELL_NUM, "%s (%s)", wg_count(d->judged_zero),
              pct(d->judged_zero, d->judged));
    wg_doc_td(doc, t, 0, "failing checks");
    wg_doc_td(doc, t, WG_CELL_NUM | (fails ? WG_CELL_BAD : WG_CELL_GOOD), "%s", wg_count(fails));
    wg_doc_td(doc, t, 0, "AD errors above their bound (reverse + forward)");
    wg_doc_td(doc, t, WG_CELL_NUM | (viol ? WG_CELL_BAD : WG_CELL_GOOD), "%s", wg_count(viol));
    wg_doc_td(doc, t, 0, "largest AD error / bound");
    wg_doc_td(doc, t, WG_CELL_NUM | (d->all[WG_REP_RATIO].max > 1 ? WG_CELL_BAD : 0), "%s",
              wg_num(d->all[WG_REP_RATIO].max));
    for (int m = 0; m < 2; m++) {
        wg_doc_td(doc, t, 0, "%s mode: relative error, p99 / max",
                  m ? "forward" : "reverse");
        wg_doc_td(doc, t, WG_CELL_NUM, "%s / %s", wg_num(d->all[WG_REP_REL(m)].p99),
                  wg_num(d->all[WG_REP_REL(m)].max));
    }
    wg_doc_td(doc, t, 0, "ops of the table exercised");
    wg_doc_td(doc, t, WG_CELL_NUM | (seen < known ? WG_CELL_BAD : 0), "%u of %u", seen, known);
    if (d->weak_checks) {
        /* a custom op without an MPFR value: its node's reference is a double
         * difference (doc/VERIFY.md), a weaker check than the others */
        wg_doc_td(doc, t, 0, "checks against the weaker reference (a custom op without an "
                  "MPFR value)");
        wg_doc_td(doc, t, WG_CELL_NUM | WG_CELL_WEAK, "%s (%s)", wg_count(d->weak_checks),
                  pct(d->weak_checks, d->checks));
    }
}

/* ------------------------------------------------------------------ the run */

static const char *or_dash(const char *s)
{
    return s && *s ? s : "\u2013";
}

static void run_section(wg_doc *doc, const wg_report_data *d)
{
    wg_doc_heading(doc, 2, "run", "What was run");
    wg_doc_para(doc, "%s graphs and %s checks from %zu result store%s, %zu campaign%s.%s",
                wg_count(d->graphs), wg_count(d->checks), d->nstores, d->nstores == 1 ? "" : "s",
                d->ncampaigns, d->ncampaigns == 1 ? "" : "s",
                d->graphs_duplicate ? " Graphs found in more than one store count once (the "
                                      "first store given keeps its copy)." : "");
    wg_doc_table *t = wg_doc_table_new(doc, 6);
    const char *sh[] = { "store", "schema", "campaigns", "graphs", "checks",
                         "graphs already in an earlier store" };
    for (int i = 0; i < 6; i++)
        wg_doc_th(doc, t, i ? WG_CELL_NUM : 0, sh[i]);
    for (size_t i = 0; i < d->nstores; i++) {
        const wg_rep_store *s = &d->stores[i];
        wg_doc_td(doc, t, WG_CELL_CODE, "%s", s->path);
        wg_doc_td(doc, t, WG_CELL_NUM, "%d", s->version);
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(s->campaigns));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(s->graphs));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(s->checks));
        wg_doc_td(doc, t, WG_CELL_NUM | (s->graphs_duplicate ? 0 : WG_CELL_WEAK), "%s",
                  wg_count(s->graphs_duplicate));
    }

    wg_doc_heading(doc, 3, "campaigns", "Campaigns");
    t = wg_doc_table_new(doc, 9);
    const char *ch[] = { "#", "tool", "command", "seed", "shard", "started", "finished",
                         "time", "graphs / checks" };
    for (int i = 0; i < 9; i++)
        wg_doc_th(doc, t, i == 0 || i == 3 || i >= 7 ? WG_CELL_NUM : 0, ch[i]);
    for (size_t i = 0; i < d->ncampaigns; i++) {
        const wg_rep_campaign *c = &d->campaigns[i];
        wg_doc_td(doc, t, WG_CELL_NUM, "%zu", i + 1);
        wg_doc_td(doc, t, WG_CELL_NOWRAP, "%s", or_dash(c->tool));
        wg_doc_td(doc, t, WG_CELL_CODE | WG_CELL_WIDE, "%s", or_dash(c->command));
        wg_doc_td(doc, t, WG_CELL_NUM, "%" PRIu64, c->seed);
        wg_doc_td(doc, t, WG_CELL_NOWRAP, "%u of %u", c->shard_k, c->shard_n);
        wg_doc_td(doc, t, WG_CELL_NOWRAP, "%s", or_dash(c->started));
        wg_doc_td(doc, t, WG_CELL_NOWRAP, "%s", or_dash(c->finished));
        if (c->elapsed)
            wg_doc_td(doc, t, WG_CELL_NUM, "%s s", wg_num(strtod(c->elapsed, NULL)));
        else
            wg_doc_td(doc, t, WG_CELL_NUM, "%s s checking", wg_num(c->check_seconds));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s / %s", wg_count(c->graphs), wg_count(c->checks));
    }
    wg_doc_para(doc, "Time is the wall time of the campaign's runs where the store records it "
                "(schema 2, `elapsed_seconds`); otherwise the time spent checking, summed over "
                "graphs (and so over parallel workers).");

    /* shards: campaigns that share a seed and options, by shard */
    int sharded = 0;
    for (size_t i = 0; i < d->ncampaigns; i++)
        sharded |= d->campaigns[i].shard_n > 1;
    if (sharded) {
        wg_doc_para(doc, "Sharded campaigns (shard k of n runs graphs k, k + n, k + 2n, ...; "
                    "all n shards together make the graphs of one unsharded run):");
        wg_doc_list(doc);
        for (size_t i = 0; i < d->ncampaigns; i++) {
            const wg_rep_campaign *c = &d->campaigns[i];
            int first = 1;
            for (size_t j = 0; j < i && first; j++)
                first = !(d->campaigns[j].seed == c->seed &&
                          d->campaigns[j].shard_n == c->shard_n &&
                          strcmp(or_dash(d->campaigns[j].options), or_dash(c->options)) == 0);
            if (c->shard_n <= 1 || !first)
                continue;
            char have[256] = "", miss[256] = "";
            size_t nh = 0, nm = 0;
            for (unsigned k = 0; k < c->shard_n && k < 64; k++) {
                int found = 0;
                for (size_t j = i; j < d->ncampaigns && !found; j++)
                    found = d->campaigns[j].seed == c->seed &&
                            d->campaigns[j].shard_n == c->shard_n &&
                            d->campaigns[j].shard_k == k &&
                            strcmp(or_dash(d->campaigns[j].options), or_dash(c->options)) == 0;
                char *s = found ? have : miss;
                size_t *n = found ? &nh : &nm;
                if (*n < sizeof have - 16)
                    *n += (size_t)snprintf(s + *n, sizeof have - *n, "%s%u", *n ? ", " : "", k);
            }
            wg_doc_item(doc, "seed %" PRIu64 ", %u shards: present %s%s%s", c->seed, c->shard_n,
                        nh ? have : "none", nm ? "; missing " : " (all)", miss);
        }
    }

    wg_doc_heading(doc, 3, "machine", "Software and machine");
    t = wg_doc_table_new(doc, 2);
    wg_doc_th(doc, t, 0, "");
    wg_doc_th(doc, t, 0, "");
    static const struct { const char *what; size_t off; } rows[] = {
        { "libwengert", offsetof(wg_rep_campaign, wengert_version) },
        { "MPFR", offsetof(wg_rep_campaign, mpfr_ver) },
        { "GSL", offsetof(wg_rep_campaign, gsl_version) },
        { "SQLite", offsetof(wg_rep_campaign, sqlite_version) },
        { "compiler", offsetof(wg_rep_campaign, compiler) },
        { "CPU", offsetof(wg_rep_campaign, cpu) },
        { "cores", offsetof(wg_rep_campaign, cores) },
        { "host", offsetof(wg_rep_campaign, host) },
        { "jobs", offsetof(wg_rep_campaign, jobs) },
        { "runs", offsetof(wg_rep_campaign, runs) },
        { "suite", offsetof(wg_rep_campaign, suite) },
    };
    int v1 = any_version1(d);
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        char *v = distinct(d, rows[r].off);
        if (!v && r == sizeof rows / sizeof rows[0] - 1)
            continue;               /* no suite: a fuzz run */
        wg_doc_td(doc, t, 0, "%s", rows[r].what);
        if (v)
            wg_doc_td(doc, t, WG_CELL_CODE, "%s", v);
        else
            wg_doc_td(doc, t, WG_CELL_WEAK, "not recorded%s",
                      v1 && r >= 4 ? " (schema version 1 stores keep no machine facts)" : "");
        free(v);
    }
    if (d->ncampaigns) {
        wg_doc_para(doc, "Options of each campaign (what decides its graphs and checks):");
        t = wg_doc_table_new(doc, 2);
        wg_doc_th(doc, t, WG_CELL_NUM, "#");
        wg_doc_th(doc, t, 0, "options");
        for (size_t i = 0; i < d->ncampaigns; i++) {
            wg_doc_td(doc, t, WG_CELL_NUM, "%zu", i + 1);
            wg_doc_td(doc, t, WG_CELL_CODE | WG_CELL_WIDE, "%s", or_dash(d->campaigns[i].options));
        }
    }
}

/* ------------------------------------------------------------------ verdicts */

static const char *const verdict_meaning[WG_REP_VERDICTS] = {
    "every AD result within its error bound of the MPFR reference",
    "an AD result outside its bound (or off the documented convention at a kink)",
    "the one-sided reference derivatives differ: a kink along the direction",
    "outside a domain, a non-finite value, or a branch that flips",
    "the MPFR reference did not converge",
    "a verdict this program does not know",
};

static void fails_table(wg_doc *doc, const wg_report_data *d)
{
    int labels = 0;
    for (size_t i = 0; i < d->nfails; i++)
        labels |= d->fails[i].label != NULL;
    size_t nc = labels ? 11 : 10;
    wg_doc_table *t = wg_doc_table_new(doc, nc);
    wg_doc_th(doc, t, WG_CELL_NUM, "campaign");
    wg_doc_th(doc, t, WG_CELL_NUM, "graph");
    if (labels)
        wg_doc_th(doc, t, 0, "case");
    wg_doc_th(doc, t, WG_CELL_NUM, "dir");
    wg_doc_th(doc, t, 0, "mode");
    wg_doc_th(doc, t, 0, "blamed op (node)");
    wg_doc_th(doc, t, WG_CELL_NUM, "reverse rel");
    wg_doc_th(doc, t, WG_CELL_NUM, "forward rel");
    wg_doc_th(doc, t, WG_CELL_NUM, "err / bound");
    wg_doc_th(doc, t, 0, "shrunk to");
    wg_doc_th(doc, t, 0, "reproduce");
    for (size_t i = 0; i < d->nfails; i++) {
        const wg_rep_fail *f = &d->fails[i];
        wg_doc_td(doc, t, WG_CELL_NUM, "%zu", f->campaign + 1);
        wg_doc_td(doc, t, WG_CELL_NUM, "%" PRIu64, f->graph_index);
        if (labels)
            wg_doc_td(doc, t, WG_CELL_CODE, "%s", or_dash(f->label));
        wg_doc_td(doc, t, WG_CELL_NUM, "%u", f->direction);
        wg_doc_td(doc, t, 0, "%s", or_dash(f->fail_mode));
        if (f->blame_op)
            wg_doc_td(doc, t, WG_CELL_CODE | WG_CELL_BAD | WG_CELL_NOWRAP, "%s (%ld)", f->blame_op,
                      f->blame_node);
        else
            wg_doc_td(doc, t, WG_CELL_WEAK, "none");
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_num(f->rel_err[0]));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_num(f->rel_err[1]));
        double e = fmax(isnan(f->abs_err[0]) ? -1 : f->abs_err[0],
                        isnan(f->abs_err[1]) ? -1 : f->abs_err[1]);
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_num(e >= 0 && f->bound > 0 ? e / f->bound : NAN));
        if (f->repro_nodes >= 0)
            wg_doc_td(doc, t, WG_CELL_NOWRAP, "%ld nodes", f->repro_nodes);
        else
            wg_doc_td(doc, t, WG_CELL_WEAK, "not shrunk");
        wg_doc_td(doc, t, WG_CELL_CODE | WG_CELL_WIDE, "%s", or_dash(f->command));
    }
}

static void blamed_table(wg_doc *doc, const wg_report_data *d)
{
    wg_doc_table *t = wg_doc_table_new(doc, 9);
    const char *h[] = { "blamed op", "failing checks", "graphs", "reverse rel median",
                        "reverse rel max", "forward rel median", "forward rel max",
                        "err / bound median", "err / bound max" };
    for (int i = 0; i < 9; i++)
        wg_doc_th(doc, t, i ? WG_CELL_NUM : 0, h[i]);
    for (size_t i = 0; i <= d->nops; i++) {
        const wg_rep_op *op = i < d->nops ? &d->ops[i] : &d->unblamed;
        if (!op->blamed)
            continue;
        wg_doc_td(doc, t, i < d->nops ? WG_CELL_CODE : WG_CELL_WEAK, "%s",
                  i < d->nops ? op->name : "no op blamed");
        wg_doc_td(doc, t, WG_CELL_NUM | WG_CELL_BAD, "%s", wg_count(op->blamed));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(op->blamed_graphs));
        for (int k = 0; k < 3; k++) {
            const wg_rep_stat *s = &op->blamed_fig[k == 2 ? WG_REP_RATIO : WG_REP_REL(k)];
            wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_num(s->median));
            wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_num(s->max));
        }
    }
}

static void verdicts_section(wg_doc *doc, const wg_report_data *d)
{
    wg_doc_heading(doc, 2, "verdicts", "Verdicts");
    for (size_t i = 0; i < d->nwarnings; i++)
        wg_doc_note(doc, "Warning: %s", d->warnings[i]);
    wg_doc_para(doc, "Each graph is checked along a few random directions; each direction is "
                "one check with a verdict. A graph's verdict is the worst of its checks (fail, "
                "invalid, unstable, nondiff, pass in that order).");
    wg_doc_table *t = wg_doc_table_new(doc, 6);
    const char *h[] = { "verdict", "checks", "share", "graphs", "share", "meaning" };
    for (int i = 0; i < 6; i++)
        wg_doc_th(doc, t, i && i < 5 ? WG_CELL_NUM : 0, h[i]);
    for (int v = 0; v < WG_REP_VERDICTS; v++) {
        if (v == WG_REP_OTHER && !d->check_verdicts[v] && !d->graph_verdicts[v])
            continue;
        unsigned bad = v == WG_VERDICT_FAIL && d->check_verdicts[v] ? WG_CELL_BAD : 0;
        wg_doc_td(doc, t, bad, "%s", wg_report_verdict_name(v));
        wg_doc_td(doc, t, WG_CELL_NUM | bad, "%s", wg_count(d->check_verdicts[v]));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", pct(d->check_verdicts[v], d->checks));
        wg_doc_td(doc, t, WG_CELL_NUM | bad, "%s", wg_count(d->graph_verdicts[v]));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", pct(d->graph_verdicts[v], d->graphs));
        wg_doc_td(doc, t, 0, "%s", verdict_meaning[v]);
    }
    if (d->graphs_unchecked) {
        wg_doc_td(doc, t, 0, "not checked");
        wg_doc_td(doc, t, WG_CELL_NUM | WG_CELL_WEAK, "\u2013");
        wg_doc_td(doc, t, WG_CELL_NUM, "\u2013");
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(d->graphs_unchecked));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", pct(d->graphs_unchecked, d->graphs));
        wg_doc_td(doc, t, 0, "the check did not run (the generator gave up, or an error)");
    }

    wg_doc_heading(doc, 3, "fails", "Failures");
    if (!d->fails_total) {
        wg_doc_para(doc, "No check failed.");
        return;
    }
    wg_doc_para(doc, "%s failing check%s. %s Each row is one failing check: its campaign "
                "(numbered as above), graph index and direction, which result was off "
                "(`reverse`, `forward` or `dot-product`), the op the verifier blames (the first "
                "node whose tangent departs from the reference), the relative errors, the "
                "larger AD error over the bound, and the command that reproduces the graph as "
                "shrunk (`FILE` where no reproducer file was saved; its text is in the store; "
                "for a suite case, the suite's run and the case's name).",
                wg_count(d->fails_total), d->fails_total == 1 ? "" : "s",
                (uint64_t)d->nfails < d->fails_total ? "The first ones are listed; fails.csv "
                "beside this report lists all of them, with their messages."
                : "All are listed (fails.csv beside this report has them with their messages).");
    fails_table(doc, d);
    wg_doc_heading(doc, 3, "blamed", "Failures by blamed op");
    wg_doc_para(doc, "The failing checks grouped by the op they are blamed on, with the "
                "errors of those checks alone (nearest-rank median and maximum).");
    blamed_table(doc, d);
}

/* ------------------------------------------------------------------ coverage */

static void coverage_section(wg_doc *doc, const wg_report_data *d)
{
    wg_doc_heading(doc, 2, "coverage", "Coverage");
    wg_doc_para(doc, "Checks of the graphs that contain each op, by verdict (a check counts for "
                "every op of its graph).");
    int other = d->check_verdicts[WG_REP_OTHER] > 0;
    size_t nc = other ? 8 : 7;
    wg_doc_table *t = wg_doc_table_new(doc, nc);
    wg_doc_th(doc, t, 0, "op");
    wg_doc_th(doc, t, WG_CELL_NUM, "checks");
    for (int v = 0; v < WG_REP_VERDICTS; v++)
        if (v < WG_VERDICT_COUNT || other)
            wg_doc_th(doc, t, WG_CELL_NUM, wg_report_verdict_name(v));
    for (size_t i = 0; i < d->nops; i++) {
        const wg_rep_op *op = &d->ops[i];
        if (!op->checks)
            continue;
        wg_doc_td(doc, t, WG_CELL_CODE, "%s", op->name);
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_count(op->checks));
        for (int v = 0; v < WG_REP_VERDICTS; v++)
            if (v < WG_VERDICT_COUNT || other)
                wg_doc_td(doc, t, WG_CELL_NUM | (!op->verdicts[v] ? WG_CELL_WEAK
                                                 : v == WG_VERDICT_FAIL ? WG_CELL_BAD : 0),
                          "%s", wg_count(op->verdicts[v]));
    }
    char never[2048] = "";
    size_t n = 0, count = 0;
    for (size_t i = 0; i < d->nops; i++)
        if (d->ops[i].known && !d->ops[i].graphs && n + 40 < sizeof never) {
            n += (size_t)snprintf(never + n, sizeof never - n, "%s`%s`", n ? ", " : "",
                                  d->ops[i].name);
            count++;
        }
    if (count)
        wg_doc_note(doc, "Never exercised (%zu op%s of this build's table in no graph): %s.",
                    count, count == 1 ? "" : "s", never);
    else
        wg_doc_para(doc, "Every op of this build's table is in at least one graph.");
    n = count = 0;
    never[0] = '\0';
    for (size_t i = 0; i < d->nops; i++)
        if (!d->ops[i].known && n + 40 < sizeof never) {
            n += (size_t)snprintf(never + n, sizeof never - n, "%s`%s`", n ? ", " : "",
                                  d->ops[i].name);
            count++;
        }
    if (count)
        wg_doc_note(doc, "Ops in the stores that this build does not know (a newer or older op "
                    "table): %s.", never);
}

/* ------------------------------------------------------------------ suite cases */

static void labels_section(wg_doc *doc, const wg_report_data *d)
{
    if (!d->labels_total)
        return;
    wg_doc_heading(doc, 2, "cases", "Suite cases");
    wg_doc_para(doc, "Graphs with a name (cases of a suite run by `wengert-verify --store`, one "
                "graph per case and point): %s%s.", wg_count(d->labels_total),
                (uint64_t)d->nlabels < d->labels_total ? ", the first ones listed" : "");
    wg_doc_table *t = wg_doc_table_new(doc, 7);
    const char *h[] = { "case", "campaign", "verdict", "checks", "reverse rel max",
                        "forward rel max", "err / bound max" };
    for (int i = 0; i < 7; i++)
        wg_doc_th(doc, t, i == 1 || i >= 3 ? WG_CELL_NUM : 0, h[i]);
    for (size_t i = 0; i < d->nlabels; i++) {
        const wg_rep_label *l = &d->labels[i];
        wg_doc_td(doc, t, WG_CELL_CODE, "%s", or_dash(l->label));
        wg_doc_td(doc, t, WG_CELL_NUM, "%zu", l->campaign + 1);
        int fail = l->verdict && strcmp(l->verdict, "fail") == 0;
        if (l->verdict && l->ill_conditioned && isfinite(l->ad_digits))
            wg_doc_td(doc, t, 0, "%s (ill-conditioned: %.0f correct digits)", l->verdict,
                      floor(l->ad_digits));
        else if (l->verdict)
            wg_doc_td(doc, t, fail ? WG_CELL_BAD : 0, "%s", l->verdict);
        else
            wg_doc_td(doc, t, WG_CELL_WEAK, "not checked: %s", or_dash(l->error));
        wg_doc_td(doc, t, WG_CELL_NUM, "%u", l->checks);
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_num(l->max_rel[0]));
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_num(l->max_rel[1]));
        wg_doc_td(doc, t, WG_CELL_NUM | (l->max_ratio > 1 ? WG_CELL_BAD : 0), "%s",
                  wg_num(l->max_ratio));
    }
}

/* ------------------------------------------------------------------ accuracy */

static void illc_section(wg_doc *doc, const wg_report_data *d)
{
    if (!d->any_accuracy)       /* stores from before version 4 do not say */
        return;
    wg_doc_heading(doc, 2, "ill-conditioned", "Ill-conditioned results");
    if (!d->illc_graphs) {
        wg_doc_para(doc, "No check passed with fewer correct digits of AD than its run asked "
                    "for (doc/VERIFY.md, \"Accuracy\").");
        return;
    }
    wg_doc_para(doc, "Checks that pass (every rule right) while AD has fewer correct digits "
                "than the run asked for (default 6): the function itself loses them, as "
                "(1 - cos x)/x^2 near 0 does; the condition is the bound relative to the "
                "result (doc/VERIFY.md, \"Accuracy\"). %s checks in %s graphs%s.",
                wg_count(d->illc_checks), wg_count(d->illc_graphs),
                (uint64_t)d->nillc < d->illc_graphs ? ", the first ones listed" : "");
    wg_doc_table *t = wg_doc_table_new(doc, 6);
    const char *h[] = { "campaign", "graph", "case", "checks", "AD correct digits",
                        "condition max" };
    for (int i = 0; i < 6; i++)
        wg_doc_th(doc, t, i == 2 ? 0 : WG_CELL_NUM, h[i]);
    for (size_t i = 0; i < d->nillc; i++) {
        const wg_rep_illc *l = &d->illc[i];
        wg_doc_td(doc, t, WG_CELL_NUM, "%zu", l->campaign + 1);
        wg_doc_td(doc, t, WG_CELL_NUM, "%" PRIu64, l->graph_index);
        wg_doc_td(doc, t, WG_CELL_CODE, "%s", or_dash(l->label));
        wg_doc_td(doc, t, WG_CELL_NUM, "%u", l->checks);
        wg_doc_td(doc, t, WG_CELL_NUM, "%.1f", l->ad_digits);
        wg_doc_td(doc, t, WG_CELL_NUM, "%s", wg_num(l->condition));
    }
}

/* ------------------------------------------------------------------ method */

static void method_section(wg_doc *doc, const wg_report_data *d)
{
    wg_doc_heading(doc, 2, "method", "How the figures are made");
    wg_doc_list(doc);
    wg_doc_item(doc, "Judged checks: verdict pass or fail with a converged MPFR reference. "
                "Only their errors are summarised; nondiff, invalid and unstable checks are "
                "counted.");
    wg_doc_item(doc, "Errors are the store's: `rel_err` = |value - reference| / |reference| "
                "and `ulps` = |value - reference| in units in the last place of the reference, "
                "per method, for the methods that computed a value.");
    wg_doc_item(doc, "Percentiles are nearest-rank: the p-th percentile of n values is the "
                "value of rank ceil(p n / 100) in increasing order (median: rank ceil(n / 2); "
                "max: rank n). Exact, from every value; no interpolation, no sampling.");
    wg_doc_item(doc, "Attribution: a check counts for every op present in its graph. Failing "
                "checks also count for the op they are blamed on ([Failures by blamed "
                "op](#blamed)).");
    wg_doc_item(doc, "Bound: the verifier's error bound of the AD results, its safety factor "
                "included. err / bound is |AD - reference| / (bound + reference_err), the "
                "margin the verifier tests; above 1 is a violation.");
    wg_doc_item(doc, "Exact zeros are counted apart (\"exact 0\" columns, the \"0 (exact)\" "
                "bars), since they have no logarithm.");
    wg_doc_item(doc, "These figures took %.2f s to aggregate from the stores.", d->seconds);
}

/* ------------------------------------------------------------------ the document */

wg_doc *wg_report_document(const wg_report_data *d, const wg_plots *p,
                           const wg_step_study *st, size_t nst, const wg_report_meta *meta)
{
    wg_doc *doc = wg_doc_new("Wengert accuracy report");
    if (!doc)
        return NULL;
    wg_doc_heading(doc, 1, "top", "Wengert accuracy report");
    wg_doc_para(doc, "Derivatives of libwengert (reverse and forward mode) and of two "
                "finite-difference methods, checked against an MPFR reference. Generated %s "
                "by libwengert %s with:", meta && meta->generated ? meta->generated : "",
                wg_version());
    wg_doc_code(doc, meta && meta->command_line ? meta->command_line : "wengert-report");
    if (!p->available)
        wg_doc_note(doc, "Plots omitted: %s.", p->why);
    wg_doc_list(doc);
    wg_doc_item(doc, "[At a glance](#glance), [What was run](#run), [Verdicts](#verdicts), "
                "[Failures](#fails)");
    wg_doc_item(doc, "[Accuracy per op](#accuracy), [Tensor graphs](#tensors), "
                "[Second order](#order2), [Error-bound tightness](#tightness), "
                "[Step size of finite differences](#steps)");
    wg_doc_item(doc, "[Coverage](#coverage)%s, [How the figures are made](#method)",
                d->labels_total ? ", [Suite cases](#cases)" : "");
    glance(doc, d);
    run_section(doc, d);
    verdicts_section(doc, d);
    wg_build_accuracy(doc, d, p);
    wg_build_tensors(doc, d);
    wg_build_order2(doc, d);
    wg_build_tightness(doc, d, p);
    wg_build_steps(doc, st, nst, p);
    coverage_section(doc, d);
    labels_section(doc, d);
    illc_section(doc, d);
    method_section(doc, d);
    if (wg_doc_failed(doc)) {
        wg_doc_free(doc);
        return NULL;
    }
    return doc;
}
