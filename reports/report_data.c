/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_data.c -- the report's figures: verdict counts, per-op and
 * per-size percentiles of the errors (report_select.h), histograms, the
 * failing checks and the labelled graphs, from the stores and the
 * temporary database that report_load.c fills.
 *
 * The checks are read from the stores twice, in table order: the first
 * pass counts everything that is a count (verdicts, violations, histogram
 * bins, the selection's buckets); the second sends the few rows whose
 * bucket holds a wanted rank to a table that SQL sorts. */
#define _POSIX_C_SOURCE 200809L

#include "report_data.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_doc.h"
#include "report_load.h"
#include "report_select.h"

void wg_report_options_init(wg_report_options *o)
{
    o->max_rows = 200;
}

const char *wg_report_class_name(int c)
{
    static const char *const names[WG_REP_CLASSES] = {
        "scalar graphs", "tensor graphs", "broadcasting", "a 0-size axis", "batched matmul" };
    return c >= 0 && c < WG_REP_CLASSES ? names[c] : "?";
}

const char *wg_report_verdict_name(int v)
{
    return v >= 0 && v < WG_VERDICT_COUNT ? wg_verdict_name((wg_verdict)v) : "other";
}

/* ------------------------------------------------------------------ sizes */

/* Exact below 32 nodes; from 32 on, four bins per doubling, cut by the
 * two bits after the leading one: [32, 39], [40, 47], [48, 55], [56, 63],
 * [64, 79], ...  Integer arithmetic only, so a bin's edges are exact. */
int wg_report_size_bin(uint64_t nodes)
{
    if (nodes < 32)
        return (int)nodes;
    int e = 63;
    while (!(nodes >> e))
        e--;
    int bin = 32 + 4 * (e - 5) + (int)((nodes >> (e - 2)) & 3);
    return bin < WG_REP_SIZE_BINS ? bin : WG_REP_SIZE_BINS - 1;
}

void wg_report_size_range(int bin, unsigned *lo, unsigned *hi)
{
    if (bin < 32) {
        *lo = *hi = (unsigned)bin;
        return;
    }
    int e = 5 + (bin - 32) / 4, q = (bin - 32) % 4;
    *lo = (unsigned)((4u + (unsigned)q) << (e - 2));
    *hi = bin == WG_REP_SIZE_BINS - 1 ? UINT32_MAX : ((5u + (unsigned)q) << (e - 2)) - 1;
}

/* ------------------------------------------------------------------ groups */

/* The groups of the selection: every judged check is in ALL, in the group
 * of each op of its graph and of its size; a failing one also in the
 * group of its blamed op (or of "no op"). */
typedef struct groups {
    int nops;
} groups;

#define G_ALL 0
#define G_OP(gr, i)    (1 + (i))
#define G_SIZE(gr, b)  (1 + (gr)->nops + (b))
#define G_BLAME(gr, j) (1 + (gr)->nops + WG_REP_SIZE_BINS + (j))   /* j = nops: none */
/* the classes of graphs (first order); second-order checks, all and per op */
#define G_CLASS(gr, c) (2 + 2 * (gr)->nops + WG_REP_SIZE_BINS + (c))
#define G_O2ALL(gr)    (2 + 2 * (gr)->nops + WG_REP_SIZE_BINS + WG_REP_CLASSES)
#define G_O2OP(gr, i)  (3 + 2 * (gr)->nops + WG_REP_SIZE_BINS + WG_REP_CLASSES + (i))
#define G_COUNT(gr)    (3 + 3 * (gr)->nops + WG_REP_SIZE_BINS + WG_REP_CLASSES)

/* the ops of a graph's mask words, in increasing id */
static int ops_of(int64_t m0, int64_t m1, int *ids)
{
    int n = 0;
    int64_t m[2] = { m0, m1 };
    for (int w = 0; w < 2; w++)
        for (uint64_t bits = (uint64_t)m[w]; bits; bits &= bits - 1)
            ids[n++] = w * WG_REP_MASK_BITS + __builtin_ctzll(bits);
    return n;
}

/* the row's groups for the selection, into g; returns how many.  A check
 * of second order counts in the second-order groups only: its figures are
 * of other quantities (v^T H u) */
static int row_groups(const groups *gr, const int *ids, int nids, int code, int bop,
                      uint64_t nodes, unsigned cls, int *g)
{
    int n = 0;
    if (cls & WG_REP_CLS_ORDER2) {
        g[n++] = G_O2ALL(gr);
        for (int i = 0; i < nids; i++)
            if (ids[i] < gr->nops)
                g[n++] = G_O2OP(gr, ids[i]);
        return n;
    }
    for (int c = 0; c < WG_REP_CLASSES; c++)
        if (wg_rep_in_class(cls, c))
            g[n++] = G_CLASS(gr, c);
    g[n++] = G_ALL;
    for (int i = 0; i < nids; i++)
        if (ids[i] < gr->nops)
            g[n++] = G_OP(gr, ids[i]);
    g[n++] = G_SIZE(gr, wg_report_size_bin(nodes));
    if (code == WG_VERDICT_FAIL)
        g[n++] = G_BLAME(gr, bop >= 0 && bop < gr->nops ? bop : gr->nops);
    return n;
}

/* ------------------------------------------------------------------ histograms */

static void hist_init(wg_rep_hist *h)
{
    memset(h, 0, sizeof *h);
    h->lo = WG_REP_HIST_BINS;
    h->hi = -1;
}

static void hist_add(wg_rep_hist *h, double v)
{
    if (!(v >= 0))
        return;
    h->n++;
    if (v == 0) {
        h->zeros++;
        return;
    }
    double x = (log10(v) - WG_REP_HIST_MIN) / WG_REP_HIST_STEP;
    int k = isfinite(x) ? (int)floor(x) : WG_REP_HIST_BINS - 1;
    if (k < 0)
        k = 0;
    if (k >= WG_REP_HIST_BINS)
        k = WG_REP_HIST_BINS - 1;
    h->count[k]++;
    if (k < h->lo)
        h->lo = k;
    if (k > h->hi)
        h->hi = k;
}

/* ------------------------------------------------------------------ rows */

/* one check as the passes see it */
typedef struct row {
    int code, acc, bop;
    unsigned cls;                   /* the graph's classes (WG_REP_CLS_*) */
    int zero_ref;                   /* the reference is exactly 0 */
    int weak;                       /* the reference the weaker kind (a custom op) */
    uint64_t nodes;
    int64_t m0, m1;
    int64_t key[WG_REP_METRICS];    /* -1: no value of that metric */
    double q[2];                    /* reverse, forward err / bound; NaN: none */
} row;

static int64_t key_col(sqlite3_stmt *st, int k)
{
    return sqlite3_column_type(st, k) == SQLITE_NULL ? -1
           : wg_sel_key(sqlite3_column_double(st, k));
}

/* A judged check's figures count for each method that computed them; its
 * ratio is abs_err / (bound + reference_err), the margin the verifier
 * itself tests against (verify/check.c), when the bound is positive. */
static void read_row(sqlite3_stmt *st, row *r)
{
    r->code = sqlite3_column_int(st, 0);
    if (r->code < 0 || r->code > WG_REP_OTHER)
        r->code = WG_REP_OTHER;
    r->acc = sqlite3_column_int(st, 1) != 0;
    r->nodes = (uint64_t)sqlite3_column_int64(st, 2);
    r->bop = sqlite3_column_int(st, 3);
    r->m0 = sqlite3_column_int64(st, 4);
    r->m1 = sqlite3_column_int64(st, 5);
    r->zero_ref = sqlite3_column_int(st, 19);
    r->weak = sqlite3_column_int(st, 25) != 0;
    r->cls = (unsigned)sqlite3_column_int(st, 20);
    int cm = sqlite3_column_int(st, 6);
    for (int k = 0; k < WG_REP_METRICS; k++)
        r->key[k] = -1;
    r->q[0] = r->q[1] = NAN;
    if (!r->acc)
        return;
    r->key[WG_REP_HVP_REL] = key_col(st, 21);
    r->key[WG_REP_HVP_ULPS] = key_col(st, 22);
    r->key[WG_REP_HESS_REL] = key_col(st, 23);
    r->key[WG_REP_HESS_ULPS] = key_col(st, 24);
    for (int m = 0; m < WG_METHOD_COUNT; m++)
        if (cm >> m & 1) {
            r->key[WG_REP_REL(m)] = key_col(st, 7 + 2 * m);
            r->key[WG_REP_ULPS(m)] = key_col(st, 8 + 2 * m);
        }
    double bound = wg_rep_double_col(st, 17), referr = wg_rep_double_col(st, 18);
    for (int a = 0; a < 2; a++) {
        double e = wg_rep_double_col(st, 15 + a);
        if ((cm >> a & 1) && bound > 0)
            r->q[a] = e / (bound + (isnan(referr) ? 0 : referr));
        int64_t k = wg_sel_key(r->q[a]);
        if (k > r->key[WG_REP_RATIO])
            r->key[WG_REP_RATIO] = k;
    }
}

/* ------------------------------------------------------------------ pass 1 */

typedef struct pass {
    wg_report_data *d;
    const groups *gr;
    wg_sel *sel;
    sqlite3_stmt *ins;       /* pass 2: into cand */
} pass;

/* everything that is a count, and the selection's buckets */
static int count_row(void *ctx, size_t store, sqlite3_stmt *st)
{
    (void)store;
    pass *p = ctx;
    wg_report_data *d = p->d;
    int ids[WG_REP_MAX_OPS], g[WG_REP_MAX_OPS + 4 + WG_REP_CLASSES];
    row r;
    read_row(st, &r);
    int nids = ops_of(r.m0, r.m1, ids);
    d->checks++;
    d->check_verdicts[r.code]++;
    d->weak_checks += (uint64_t)r.weak;
    if (r.cls & WG_REP_CLS_ORDER2) {
        /* second order: counted apart, summarised in its own groups */
        d->o2_checks++;
        d->o2_verdicts[r.code]++;
        d->o2_judged += (uint64_t)r.acc;
        for (int i = 0; i < nids; i++) {
            wg_rep_op *op = &d->ops[ids[i]];
            op->o2_checks++;
            op->o2_verdicts[r.code]++;
            op->o2_judged += (uint64_t)r.acc;
        }
        if (!r.acc)
            return WG_OK;
        int ng = row_groups(p->gr, ids, nids, r.code, r.bop, r.nodes, r.cls, g);
        for (int k = 0; k < WG_REP_METRICS; k++)
            if (r.key[k] >= 0 && wg_sel_count(p->sel, k, r.key[k], g, ng) != WG_OK)
                return WG_ENOMEM;
        return WG_OK;
    }
    for (int c = 0; c < WG_REP_CLASSES; c++)
        if (wg_rep_in_class(r.cls, c)) {
            d->classes[c].checks++;
            d->classes[c].verdicts[r.code]++;
            d->classes[c].judged += (uint64_t)r.acc;
        }
    for (int i = 0; i < nids; i++) {
        wg_rep_op *op = &d->ops[ids[i]];
        op->checks++;
        op->verdicts[r.code]++;
    }
    if (!r.acc)
        return WG_OK;
    d->judged++;
    d->judged_zero += (uint64_t)r.zero_ref;
    for (int i = 0; i < nids; i++) {
        d->ops[ids[i]].judged++;
        d->ops[ids[i]].judged_zero += (uint64_t)r.zero_ref;
    }
    int ng = row_groups(p->gr, ids, nids, r.code, r.bop, r.nodes, r.cls, g);
    for (int k = 0; k < WG_REP_METRICS; k++) {
        if (r.key[k] < 0)
            continue;
        if (wg_sel_count(p->sel, k, r.key[k], g, ng) != WG_OK)
            return WG_ENOMEM;
        if (k < WG_REP_RATIO && k % 2 == 0)
            hist_add(&d->rel_hist[k / 2], wg_sel_value(r.key[k]));
    }
    for (int a = 0; a < 2; a++) {
        if (isnan(r.q[a]))
            continue;
        hist_add(&d->ratio_hist[a], r.q[a]);
        if (r.q[a] > 1) {
            d->violations[a]++;
            for (int i = 0; i < nids; i++)
                d->ops[ids[i]].violations[a]++;
        }
    }
    return WG_OK;
}

/* ------------------------------------------------------------------ pass 2 */

/* a row in a bucket where one of its groups has a wanted rank goes to
 * table cand, which SQL then sorts */
static int select_row(void *ctx, size_t store, sqlite3_stmt *st)
{
    (void)store;
    pass *p = ctx;
    int ids[WG_REP_MAX_OPS], g[WG_REP_MAX_OPS + 4 + WG_REP_CLASSES];
    row r;
    read_row(st, &r);
    if (!r.acc)
        return WG_OK;
    int nids = ops_of(r.m0, r.m1, ids);
    int ng = row_groups(p->gr, ids, nids, r.code, r.bop, r.nodes, r.cls, g);
    for (int k = 0; k < WG_REP_METRICS; k++) {
        if (!wg_sel_wants(p->sel, k, r.key[k], g, ng))
            continue;
        sqlite3_stmt *ins = p->ins;
        sqlite3_bind_int(ins, 1, k);
        sqlite3_bind_int64(ins, 2, r.key[k]);
        sqlite3_bind_int(ins, 3, r.code);
        sqlite3_bind_int64(ins, 4, (int64_t)r.nodes);
        sqlite3_bind_int(ins, 5, r.bop);
        sqlite3_bind_int64(ins, 6, r.m0);
        sqlite3_bind_int64(ins, 7, r.m1);
        sqlite3_bind_int(ins, 8, (int)r.cls);
        int rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (rc != SQLITE_DONE)
            return WG_EIO;
    }
    return WG_OK;
}

static int pass_select(pass *p, char *why, size_t len)
{
    wg_report_data *d = p->d;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(d->db, "INSERT INTO cand (metric, key, code, nodes, bop, m0, m1, cls)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1, &p->ins, NULL) !=
        SQLITE_OK)
        return wg_rep_error(why, len, WG_EIO, "selection: %s", sqlite3_errmsg(d->db));
    int status = wg_rep_each_check(d, select_row, p, why, len);
    sqlite3_finalize(p->ins);
    p->ins = NULL;
    if (status != WG_OK)
        return status;
    if (sqlite3_prepare_v2(d->db, "SELECT metric, key, code, nodes, bop, m0, m1, cls FROM cand"
                           " ORDER BY metric, key", -1, &st, NULL) != SQLITE_OK)
        return wg_rep_error(why, len, WG_EIO, "selection: %s", sqlite3_errmsg(d->db));
    int ids[WG_REP_MAX_OPS], g[WG_REP_MAX_OPS + 4 + WG_REP_CLASSES];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int nids = ops_of(sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6), ids);
        int ng = row_groups(p->gr, ids, nids, sqlite3_column_int(st, 2),
                            sqlite3_column_int(st, 4), (uint64_t)sqlite3_column_int64(st, 3),
                            (unsigned)sqlite3_column_int(st, 7), g);
        wg_sel_feed(p->sel, sqlite3_column_int(st, 0), sqlite3_column_int64(st, 1), g, ng);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return wg_rep_error(why, len, WG_EIO, "selection: %s", sqlite3_errmsg(d->db));
    return WG_OK;
}

static void take_results(wg_report_data *d, const groups *gr, const wg_sel *sel)
{
    for (int k = 0; k < WG_REP_METRICS; k++) {
        wg_sel_result(sel, k, G_ALL, &d->all[k]);
        for (int i = 0; i < gr->nops; i++) {
            wg_sel_result(sel, k, G_OP(gr, i), &d->ops[i].fig[k]);
            wg_sel_result(sel, k, G_BLAME(gr, i), &d->ops[i].blamed_fig[k]);
        }
        wg_sel_result(sel, k, G_BLAME(gr, gr->nops), &d->unblamed.blamed_fig[k]);
        for (int b = 0; b < WG_REP_SIZE_BINS; b++)
            wg_sel_result(sel, k, G_SIZE(gr, b), &d->sizes[b].fig[k]);
        for (int c = 0; c < WG_REP_CLASSES; c++)
            wg_sel_result(sel, k, G_CLASS(gr, c), &d->classes[c].fig[k]);
        wg_sel_result(sel, k, G_O2ALL(gr), &d->o2_all[k]);
        for (int i = 0; i < gr->nops; i++)
            wg_sel_result(sel, k, G_O2OP(gr, i), &d->ops[i].o2_fig[k]);
    }
    for (int b = 0; b < WG_REP_SIZE_BINS; b++)
        wg_report_size_range(b, &d->sizes[b].lo, &d->sizes[b].hi);
}

static double now(void);

static int aggregate(wg_report_data *d, char *why, size_t len)
{
    double t0 = now();
    groups gr = { (int)d->nops };
    for (int m = 0; m < WG_METHOD_COUNT; m++)
        hist_init(&d->rel_hist[m]);
    hist_init(&d->ratio_hist[0]);
    hist_init(&d->ratio_hist[1]);
    wg_sel *sel = wg_sel_new(WG_REP_METRICS, G_COUNT(&gr));
    if (!sel)
        return wg_rep_error(why, len, WG_ENOMEM, "out of memory");
    pass p = { d, &gr, sel, NULL };
    int status = wg_rep_each_check(d, count_row, &p, why, len);
    if (status == WG_OK && wg_sel_plan(sel) != WG_OK)
        status = wg_rep_error(why, len, WG_ENOMEM, "out of memory");
    double t1 = now();
    d->seconds_count = t1 - t0;
    if (status == WG_OK)
        status = wg_rep_exec(d->db, "BEGIN", why, len, "selection");
    if (status == WG_OK) {
        status = pass_select(&p, why, len);
        sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL);
    }
    if (status == WG_OK)
        take_results(d, &gr, sel);
    d->seconds_select = now() - t1;
    wg_sel_free(sel);
    return status;
}

/* ------------------------------------------------------------------ fails */

static int blamed_counts(wg_report_data *d, char *why, size_t len)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, "SELECT bop, count(*), count(DISTINCT gid) FROM fails"
                           " GROUP BY bop", -1, &st, NULL) != SQLITE_OK)
        return wg_rep_error(why, len, WG_EIO, "fails: %s", sqlite3_errmsg(d->db));
    while (sqlite3_step(st) == SQLITE_ROW) {
        int bop = sqlite3_column_int(st, 0);
        wg_rep_op *op = bop >= 0 && (size_t)bop < d->nops ? &d->ops[bop] : &d->unblamed;
        op->blamed += (uint64_t)sqlite3_column_int64(st, 1);
        op->blamed_graphs += (uint64_t)sqlite3_column_int64(st, 2);
        d->fails_total += (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return WG_OK;
}

/* value of key=V in a campaign's options text, or NULL */
static const char *option(const char *options, const char *key, char *buf, size_t len)
{
    size_t k = strlen(key);
    for (const char *p = options; p && *p;) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n > k && strncmp(p, key, k) == 0 && p[k] == '=') {
            snprintf(buf, len, "%.*s", (int)(n - k - 1), p + k + 1);
            return buf;
        }
        p += n;
    }
    return NULL;
}

/* ------------------------------------------------------------------ shell words */

static int shell_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || (c && strchr("_./-+,:=@%", c) != NULL);
}

char *wg_rep_shell_quote(const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    int plain = n > 0, control = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        plain &= shell_plain(*p);
        control |= *p < 0x20 || *p == 0x7f;
    }
    char *out = malloc(4 * n + 4);      /* the longest: \xHH per byte, $'' */
    if (!out)
        return NULL;
    if (plain)
        return memcpy(out, s, n + 1);
    char *o = out;
    if (!control) {
        *o++ = '\'';
        for (const char *p = s; *p; p++) {
            if (*p == '\'') {
                memcpy(o, "'\\''", 4);
                o += 4;
            } else {
                *o++ = *p;
            }
        }
        *o++ = '\'';
        *o = '\0';
        return out;
    }
    /* $'...': every byte that is not printable ASCII as an escape; bytes
     * of 0x80 and above (UTF-8) stay as they are */
    *o++ = '$';
    *o++ = '\'';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n')
            o += sprintf(o, "\\n");
        else if (*p == '\t')
            o += sprintf(o, "\\t");
        else if (*p == '\r')
            o += sprintf(o, "\\r");
        else if (*p == '\\' || *p == '\'')
            o += sprintf(o, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            o += sprintf(o, "\\x%02x", *p);
        else
            *o++ = (char)*p;
    }
    *o++ = '\'';
    *o = '\0';
    return out;
}

/* append word w (quoted) and a blank before it unless it is the first */
static int append_word(char **buf, size_t *len, size_t *cap, const char *w)
{
    char *q = wg_rep_shell_quote(w);
    if (!q)
        return 0;
    size_t k = strlen(q);
    if (*len + k + 2 > *cap) {
        size_t c = 2 * (*len + k + 2);
        char *b = realloc(*buf, c);
        if (!b) {
            free(q);
            return 0;
        }
        *buf = b;
        *cap = c;
    }
    if (*len)
        (*buf)[(*len)++] = ' ';
    memcpy(*buf + *len, q, k + 1);
    *len += k;
    free(q);
    return 1;
}

char *wg_rep_safe_command(const char *stored)
{
    if (!stored)
        return NULL;
    size_t n = strlen(stored);
    char *word = malloc(n + 1), *out = NULL;
    size_t len = 0, cap = 0, nwords = 0;
    if (!word)
        return NULL;
    int ours = 0;
    const char *p = stored;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        /* one word: as sh reads it, quotes removed; an unclosed quote runs
         * to the end (the text is data here, never syntax) */
        size_t k = 0;
        while (*p && *p != ' ' && *p != '\t') {
            if (*p == '\'') {
                for (p++; *p && *p != '\''; p++)
                    word[k++] = *p;
                if (*p)
                    p++;
            } else if (*p == '"') {
                for (p++; *p && *p != '"'; p++) {
                    if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
                        p++;
                    word[k++] = *p;
                }
                if (*p)
                    p++;
            } else if (*p == '\\' && p[1]) {
                word[k++] = p[1];
                p += 2;
            } else {
                word[k++] = *p++;
            }
        }
        word[k] = '\0';
        if (nwords++ == 0) {
            const char *base = strrchr(word, '/');
            base = base ? base + 1 : word;
            ours = strncmp(base, "wengert-", 8) == 0 || strncmp(base, "lt-wengert-", 11) == 0;
            if (!ours) {
                /* a comment: wg_rep_shell_quote keeps everything on one line */
                out = malloc(64);
                if (!out)
                    break;
                len = (size_t)sprintf(out, "# not a wengert command:");
                cap = 64;
            }
        }
        if (!append_word(&out, &len, &cap, word)) {
            free(out);
            out = NULL;
            break;
        }
    }
    free(word);
    if (!nwords && !out)
        out = calloc(1, 1);
    return out;
}

/* The command that reproduces a failing graph: what wengert-fuzz writes
 * into the reproducer's header (fuzz/campaign.c), rebuilt from the
 * campaign's options and the graph's seed, the check seed of a campaign's
 * graph.  A suite case (a labelled graph without a shrunk reproducer, as
 * wengert-verify --store writes them), or a store whose options do not
 * name the check's directions, gets its campaign's own command, which
 * runs the suite, and the case's name. */
static char *repro_command(const wg_rep_campaign *c, uint64_t seed, const char *repro_path,
                           const char *label)
{
    char v[160], extra[320] = "";
    const char *dirs = c ? option(c->options, "directions", v, sizeof v) : NULL;
    /* a suite case (a label, no shrunk file): its suite's run (c->command
     * is already safe, see report_load.c), the label quoted so that a line
     * break in it cannot end the comment */
    if (!dirs || (label && !repro_path)) {
        const char *cmd = c && c->command ? c->command : "";
        char *q = label ? wg_rep_shell_quote(label) : NULL;
        char *s = malloc(strlen(cmd) + (q ? strlen(q) : 0) + 16);
        if (s)
            sprintf(s, q ? "%s   # case %s" : "%s", cmd, q);
        free(q);
        return s;
    }
    unsigned directions = (unsigned)strtoul(dirs, NULL, 10);
    wg_check_options def;
    wg_check_options_init(&def);
    size_t n = 0;
    if (option(c->options, "precision", v, sizeof v) &&
        strtoul(v, NULL, 10) != def.precision)
        /* the number as parsed: the store's text never reaches the command */
        n += (size_t)snprintf(extra + n, sizeof extra - n, " --precision %lu",
                              strtoul(v, NULL, 10));
    if (option(c->options, "safety", v, sizeof v) && strtod(v, NULL) != def.safety &&
        n < sizeof extra)
        n += (size_t)snprintf(extra + n, sizeof extra - n, " --safety %.17g", strtod(v, NULL));
    if (option(c->options, "full", v, sizeof v) && strcmp(v, "0") != 0 && n < sizeof extra)
        snprintf(extra + n, sizeof extra - n, " --full-jacobian");
    /* every text from the store is one quoted word; the numbers were
     * parsed above */
    char bug[160];
    char *file = wg_rep_shell_quote(repro_path ? repro_path : "FILE");
    char *qbug = option(c->options, "inject-bug", bug, sizeof bug) ? wg_rep_shell_quote(bug)
                                                                     : NULL;
    char *s = file ? malloc(strlen(file) + (qbug ? strlen(qbug) : 0) + sizeof extra + 128) : NULL;
    if (s && qbug)
        sprintf(s, "wengert-fuzz --reproduce %s --inject-bug %s --seed %" PRIu64
                " --directions %u%s", file, qbug, seed, directions, extra);
    else if (s)
        sprintf(s, "wengert-verify --check %s --seed %" PRIu64 " --directions %u%s", file, seed,
                directions, extra);
    free(file);
    free(qbug);
    return s;
}

#define FAIL_COLS "ident, idx, seed, label, direction, fail_mode, blame_op, blame_node," \
    " reference, bound, rev_abs, rev_rel, rev_ulps, fwd_abs, fwd_rel, fwd_ulps, message," \
    " repro_path, repro_nodes"

static void read_fail(const wg_report_data *d, sqlite3_stmt *st, wg_rep_fail *f)
{
    memset(f, 0, sizeof *f);
    int64_t ident = sqlite3_column_int64(st, 0);
    f->campaign = ident >= 1 && (size_t)ident <= d->ncampaigns ? (size_t)ident - 1 : 0;
    f->graph_index = (uint64_t)sqlite3_column_int64(st, 1);
    f->graph_seed = (uint64_t)sqlite3_column_int64(st, 2);
    f->label = wg_rep_strdup_col(st, 3);
    f->direction = (unsigned)sqlite3_column_int64(st, 4);
    f->fail_mode = wg_rep_strdup_col(st, 5);
    f->blame_op = wg_rep_strdup_col(st, 6);
    f->blame_node = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1
                    : (long)sqlite3_column_int64(st, 7);
    f->reference = wg_rep_double_col(st, 8);
    f->bound = wg_rep_double_col(st, 9);
    for (int a = 0; a < 2; a++) {
        f->abs_err[a] = wg_rep_double_col(st, 10 + 3 * a);
        f->rel_err[a] = wg_rep_double_col(st, 11 + 3 * a);
        f->ulps[a] = wg_rep_double_col(st, 12 + 3 * a);
    }
    f->message = wg_rep_strdup_col(st, 16);
    f->repro_path = wg_rep_strdup_col(st, 17);
    f->repro_nodes = sqlite3_column_type(st, 18) == SQLITE_NULL ? -1
                     : (long)sqlite3_column_int64(st, 18);
    const wg_rep_campaign *c = d->ncampaigns ? &d->campaigns[f->campaign] : NULL;
    f->command = repro_command(c, f->graph_seed, f->repro_path, f->label);
}

static void free_fail(wg_rep_fail *f)
{
    free(f->label); free(f->fail_mode); free(f->blame_op); free(f->message);
    free(f->repro_path); free(f->command);
}

static int list_fails(wg_report_data *d, size_t max, char *why, size_t len)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, "SELECT " FAIL_COLS " FROM fails ORDER BY id LIMIT ?1", -1,
                           &st, NULL) != SQLITE_OK)
        return wg_rep_error(why, len, WG_EIO, "fails: %s", sqlite3_errmsg(d->db));
    sqlite3_bind_int64(st, 1, max ? (int64_t)max : -1);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (d->nfails == cap) {
            size_t nc = cap ? 2 * cap : 16;
            wg_rep_fail *f = realloc(d->fails, nc * sizeof *f);
            if (!f) {
                sqlite3_finalize(st);
                return wg_rep_error(why, len, WG_ENOMEM, "out of memory");
            }
            d->fails = f;
            cap = nc;
        }
        read_fail(d, st, &d->fails[d->nfails++]);
    }
    sqlite3_finalize(st);
    return WG_OK;
}

static int list_labels(wg_report_data *d, size_t max, char *why, size_t len)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, "SELECT (SELECT count(*) FROM lab), ident, label, verdict,"
                           " checks, rev, fwd, qrev, qfwd, error, illc, addig FROM lab"
                           " ORDER BY id LIMIT ?1", -1, &st, NULL) != SQLITE_OK)
        return wg_rep_error(why, len, WG_EIO, "labels: %s", sqlite3_errmsg(d->db));
    sqlite3_bind_int64(st, 1, max ? (int64_t)max : -1);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        d->labels_total = (uint64_t)sqlite3_column_int64(st, 0);
        if (d->nlabels == cap) {
            size_t nc = cap ? 2 * cap : 16;
            wg_rep_label *l = realloc(d->labels, nc * sizeof *l);
            if (!l) {
                sqlite3_finalize(st);
                return wg_rep_error(why, len, WG_ENOMEM, "out of memory");
            }
            d->labels = l;
            cap = nc;
        }
        wg_rep_label *l = &d->labels[d->nlabels++];
        memset(l, 0, sizeof *l);
        int64_t ident = sqlite3_column_int64(st, 1);
        l->campaign = ident >= 1 && (size_t)ident <= d->ncampaigns ? (size_t)ident - 1 : 0;
        l->label = wg_rep_strdup_col(st, 2);
        l->verdict = wg_rep_strdup_col(st, 3);
        l->checks = (unsigned)sqlite3_column_int64(st, 4);
        l->max_rel[0] = wg_rep_double_col(st, 5);
        l->max_rel[1] = wg_rep_double_col(st, 6);
        double q0 = wg_rep_double_col(st, 7), q1 = wg_rep_double_col(st, 8);
        l->max_ratio = isnan(q0) ? q1 : isnan(q1) ? q0 : fmax(q0, q1);
        l->error = wg_rep_strdup_col(st, 9);
        l->ill_conditioned = sqlite3_column_int(st, 10) != 0;
        l->ad_digits = wg_rep_double_col(st, 11);
    }
    sqlite3_finalize(st);
    return WG_OK;
}

/* the graphs with ill-conditioned checks: how many, and the first max */
static int list_illc(wg_report_data *d, size_t max, char *why, size_t len)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, "SELECT count(*), coalesce(sum(checks), 0) FROM illc", -1,
                           &st, NULL) != SQLITE_OK)
        return wg_rep_error(why, len, WG_EIO, "ill-conditioned: %s", sqlite3_errmsg(d->db));
    if (sqlite3_step(st) == SQLITE_ROW) {
        d->illc_graphs = (uint64_t)sqlite3_column_int64(st, 0);
        d->illc_checks = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(d->db, "SELECT ident, idx, label, checks, addig, cond FROM illc"
                           " ORDER BY id LIMIT ?1", -1, &st, NULL) != SQLITE_OK)
        return wg_rep_error(why, len, WG_EIO, "ill-conditioned: %s", sqlite3_errmsg(d->db));
    sqlite3_bind_int64(st, 1, max ? (int64_t)max : -1);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (d->nillc == cap) {
            size_t nc = cap ? 2 * cap : 16;
            wg_rep_illc *l = realloc(d->illc, nc * sizeof *l);
            if (!l) {
                sqlite3_finalize(st);
                return wg_rep_error(why, len, WG_ENOMEM, "out of memory");
            }
            d->illc = l;
            cap = nc;
        }
        wg_rep_illc *l = &d->illc[d->nillc++];
        memset(l, 0, sizeof *l);
        int64_t ident = sqlite3_column_int64(st, 0);
        l->campaign = ident >= 1 && (size_t)ident <= d->ncampaigns ? (size_t)ident - 1 : 0;
        l->graph_index = (uint64_t)sqlite3_column_int64(st, 1);
        l->label = wg_rep_strdup_col(st, 2);
        l->checks = (unsigned)sqlite3_column_int64(st, 3);
        l->ad_digits = wg_rep_double_col(st, 4);
        l->condition = wg_rep_double_col(st, 5);
    }
    sqlite3_finalize(st);
    return WG_OK;
}

/* ------------------------------------------------------------------ fails.csv */

void wg_rep_csv_field(FILE *out, const char *s)
{
    if (!s)
        return;
    /* a spreadsheet reads a cell that starts with = + - @ (or a tab or CR
     * before one) as a formula: OWASP's CSV injection advice, a quote
     * before it, the cell quoted, so it shows as text */
    int formula = *s && strchr("=+-@\t\r", *s) != NULL;
    int quote = formula || strpbrk(s, ",\"\r\n");
    if (quote)
        fputc('"', out);
    if (formula)
        fputc('\'', out);
    /* bytes that are not UTF-8 (a store may hold any) as U+FFFD: the file
     * stays UTF-8 for the tools that read it */
    while (*s) {
        size_t n = wg_utf8_len(s);
        if (!n) {
            fputs("\xef\xbf\xbd", out);
            s++;
            continue;
        }
        if (*s == '"')
            fputc('"', out);
        fwrite(s, 1, n, out);
        s += n;
    }
    if (quote)
        fputc('"', out);
}

static void csv_double(FILE *out, double v)
{
    if (!isnan(v))
        fprintf(out, "%.17g", v);
}

int wg_report_write_fails_csv(const wg_report_data *d, FILE *out)
{
    fputs("store,command_of_campaign,graph,seed,label,direction,fail_mode,blame_op,blame_node,"
          "reference,bound,reverse_abs_err,reverse_rel_err,reverse_ulps,forward_abs_err,"
          "forward_rel_err,forward_ulps,message,reproducer,reproducer_nodes,reproduce\n", out);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, "SELECT " FAIL_COLS " FROM fails ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK)
        return WG_EIO;
    while (sqlite3_step(st) == SQLITE_ROW) {
        wg_rep_fail f;
        read_fail(d, st, &f);
        const wg_rep_campaign *c = d->ncampaigns ? &d->campaigns[f.campaign] : NULL;
        wg_rep_csv_field(out, c ? d->stores[c->store].path : NULL);
        fputc(',', out);
        wg_rep_csv_field(out, c ? c->command : NULL);
        fprintf(out, ",%" PRIu64 ",%" PRIu64 ",", f.graph_index, f.graph_seed);
        wg_rep_csv_field(out, f.label);
        fprintf(out, ",%u,", f.direction);
        wg_rep_csv_field(out, f.fail_mode);
        fputc(',', out);
        wg_rep_csv_field(out, f.blame_op);
        fputc(',', out);
        if (f.blame_node >= 0)
            fprintf(out, "%ld", f.blame_node);
        double nums[] = { f.reference, f.bound, f.abs_err[0], f.rel_err[0], f.ulps[0],
                          f.abs_err[1], f.rel_err[1], f.ulps[1] };
        for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
            fputc(',', out);
            csv_double(out, nums[i]);
        }
        fputc(',', out);
        wg_rep_csv_field(out, f.message);
        fputc(',', out);
        wg_rep_csv_field(out, f.repro_path);
        fputc(',', out);
        if (f.repro_nodes >= 0)
            fprintf(out, "%ld", f.repro_nodes);
        fputc(',', out);
        wg_rep_csv_field(out, f.command);
        fputc('\n', out);
        free_fail(&f);
    }
    sqlite3_finalize(st);
    return ferror(out) ? WG_EIO : WG_OK;
}

/* ------------------------------------------------------------------ entry points */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int wg_report_load(const char *const *paths, size_t n, const wg_report_options *o,
                   wg_report_data **out, char *why, size_t len)
{
    *out = NULL;
    wg_report_options def;
    if (!o) {
        wg_report_options_init(&def);
        o = &def;
    }
    double t0 = now();
    wg_report_data *d = calloc(1, sizeof *d);
    if (!d)
        return wg_rep_error(why, len, WG_ENOMEM, "out of memory");
    int status = wg_rep_load_stores(d, paths, n, why, len);
    d->seconds_load = now() - t0;
    if (status == WG_OK)
        status = aggregate(d, why, len);
    if (status == WG_OK)
        status = wg_rep_odd_rows(d, why, len);
    if (status == WG_OK)
        status = blamed_counts(d, why, len);
    if (status == WG_OK)
        status = list_fails(d, o->max_rows, why, len);
    if (status == WG_OK)
        status = list_labels(d, o->max_rows, why, len);
    if (status == WG_OK)
        status = list_illc(d, o->max_rows, why, len);
    if (status != WG_OK) {
        wg_report_data_free(d);
        return status;
    }
    d->seconds = now() - t0;
    *out = d;
    return WG_OK;
}

void wg_report_data_free(wg_report_data *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nstores; i++)
        free(d->stores[i].path);
    free(d->stores);
    for (size_t i = 0; i < d->ncampaigns; i++) {
        wg_rep_campaign *c = &d->campaigns[i];
        char *s[] = { c->command, c->options, c->started, c->wengert_version, c->mpfr_ver,
                      c->gsl_version, c->sqlite_version, c->tool, c->compiler, c->cpu, c->host,
                      c->cores, c->jobs, c->finished, c->elapsed, c->runs, c->suite };
        for (size_t k = 0; k < sizeof s / sizeof s[0]; k++)
            free(s[k]);
    }
    free(d->campaigns);
    for (size_t i = 0; i < d->nwarnings; i++)
        free(d->warnings[i]);
    free(d->ops);
    for (size_t i = 0; i < d->nfails; i++)
        free_fail(&d->fails[i]);
    free(d->fails);
    for (size_t i = 0; i < d->nlabels; i++) {
        free(d->labels[i].label);
        free(d->labels[i].verdict);
        free(d->labels[i].error);
    }
    free(d->labels);
    for (size_t i = 0; i < d->nillc; i++)
        free(d->illc[i].label);
    free(d->illc);
    sqlite3_close(d->db);
    free(d);
}
