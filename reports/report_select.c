/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_select.c -- exact nearest-rank percentiles in two streams (see
 * report_select.h for the method and why). */
#include "report_select.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* the ranks wanted of each group: median, 99th percentile, maximum */
#define NSTAT 3

typedef struct metric {
    int used;                /* has positive keys */
    int shift;               /* bucket = key >> shift */
    int64_t base;            /* kmin >> shift: bucket index 0 */
    size_t nb;               /* buckets */
    uint32_t *hist;          /* [nb][group]: positive values per bucket; bucket-major, so
                                that the groups of one value (all, its ops, its size)
                                share a few cache lines */
    uint64_t *n, *zeros;     /* [group] */
    uint64_t *rank;          /* [group][NSTAT]: 1-based ranks wanted (0: none) */
    int32_t *tbucket;        /* [group][NSTAT]: bucket of the rank; -1: the rank is a zero */
    double *value;           /* [group][NSTAT] */
    /* pass 2 */
    int32_t *widx;           /* [nb]: index into wanted, -1 if not wanted */
    int64_t *wanted;         /* buckets wanted, increasing */
    size_t nwanted;
    uint64_t *cumw;          /* [nwanted][group]: values of the group below that bucket */
    uint64_t *cnt;           /* [group]: values counted so far in pass 2 */
    int64_t cur;             /* bucket of the last row fed; -1 before the first */
} metric;

struct wg_sel {
    int nmetrics, ngroups;
    metric *m;
};

int64_t wg_sel_key(double v)
{
    if (!(v >= 0))
        return -1;
    if (v == 0)
        return 0;            /* -0.0 too */
    int64_t k;
    memcpy(&k, &v, sizeof k);
    return k;
}

double wg_sel_value(int64_t key)
{
    double v;
    memcpy(&v, &key, sizeof v);
    return v;
}

wg_sel *wg_sel_new(int nmetrics, int ngroups)
{
    wg_sel *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->nmetrics = nmetrics;
    s->ngroups = ngroups;
    s->m = calloc((size_t)nmetrics, sizeof *s->m);
    if (!s->m) {
        free(s);
        return NULL;
    }
    for (int i = 0; i < nmetrics; i++) {
        metric *m = &s->m[i];
        size_t g = (size_t)ngroups;
        m->n = calloc(g, sizeof *m->n);
        m->zeros = calloc(g, sizeof *m->zeros);
        m->rank = calloc(g * NSTAT, sizeof *m->rank);
        m->tbucket = calloc(g * NSTAT, sizeof *m->tbucket);
        m->value = calloc(g * NSTAT, sizeof *m->value);
        m->cnt = calloc(g, sizeof *m->cnt);
        m->cur = -1;
        if (!m->n || !m->zeros || !m->rank || !m->tbucket || !m->value || !m->cnt) {
            wg_sel_free(s);
            return NULL;
        }
        for (size_t k = 0; k < g * NSTAT; k++)
            m->value[k] = NAN;
    }
    return s;
}

void wg_sel_free(wg_sel *s)
{
    if (!s)
        return;
    for (int i = 0; s->m && i < s->nmetrics; i++) {
        metric *m = &s->m[i];
        free(m->hist); free(m->n); free(m->zeros); free(m->rank); free(m->tbucket);
        free(m->value); free(m->widx); free(m->wanted); free(m->cumw); free(m->cnt);
    }
    free(s->m);
    free(s);
}

/* The finest buckets: 2^12 per binade.  A metric whose values span
 * few binades keeps them (pass 2 then sorts almost nothing); a wider span
 * coarsens them. */
#define FINEST_SHIFT 40

/* Make the bucket range of m cover key's bucket, growing it at least
 * twofold so that a stream of ever larger
 * or smaller values reallocates O(log range) times, and coarsening it
 * (merging neighbours) while it has more than WG_SEL_BUCKETS buckets. */
static int extend(wg_sel *s, metric *m, int64_t key)
{
    int shift = m->shift;
    int64_t lo = m->base, hi = m->base + (int64_t)m->nb - 1;
    int64_t b = key >> shift, span = hi - lo + 1;
    if (b < lo)
        lo = b < lo - span ? b : lo - span;
    if (b > hi)
        hi = b > hi + span ? b : hi + span;
    if (lo < 0)
        lo = 0;                     /* keys are >= 1 (zeros are counted apart), so no
                                       bucket is below 0 */
    if (hi > (INT64_MAX >> shift))
        hi = INT64_MAX >> shift;
    while (hi - lo + 1 > WG_SEL_BUCKETS) {
        shift++;
        lo >>= 1;
        hi >>= 1;
    }
    size_t nb = (size_t)(hi - lo + 1), G = (size_t)s->ngroups;
    uint32_t *h = calloc(G * nb, sizeof *h);
    if (!h)
        return WG_ENOMEM;
    for (size_t i = 0; i < m->nb; i++) {
        size_t nbk = (size_t)(((m->base + (int64_t)i) >> (shift - m->shift)) - lo);
        for (size_t g = 0; g < G; g++)
            h[nbk * G + g] += m->hist[i * G + g];
    }
    free(m->hist);
    m->hist = h;
    m->shift = shift;
    m->base = lo;
    m->nb = nb;
    return WG_OK;
}

int wg_sel_count(wg_sel *s, int metric_, int64_t key, const int *groups, int ng)
{
    metric *m = &s->m[metric_];
    if (key < 0)
        return WG_OK;
    if (key == 0) {
        for (int i = 0; i < ng; i++) {
            m->n[groups[i]]++;
            m->zeros[groups[i]]++;
        }
        return WG_OK;
    }
    if (!m->used) {
        m->shift = FINEST_SHIFT;
        m->base = key >> FINEST_SHIFT;
        m->nb = 1;
        if (!(m->hist = calloc((size_t)s->ngroups, sizeof *m->hist)))
            return WG_ENOMEM;
        m->used = 1;
    }
    int64_t b = (key >> m->shift) - m->base;
    if (b < 0 || (size_t)b >= m->nb) {
        if (extend(s, m, key) != WG_OK)
            return WG_ENOMEM;
        b = (key >> m->shift) - m->base;
    }
    for (int i = 0; i < ng; i++) {
        m->n[groups[i]]++;
        m->hist[(size_t)b * (size_t)s->ngroups + (size_t)groups[i]]++;
    }
    return WG_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int plan_metric(wg_sel *s, metric *m)
{
    size_t G = (size_t)s->ngroups;
    size_t cap = G * NSTAT, nw = 0;
    int64_t *w = malloc((cap ? cap : 1) * sizeof *w);
    if (!w)
        return WG_ENOMEM;
    for (size_t g = 0; g < G; g++) {
        uint64_t n = m->n[g];
        /* nearest rank: ceil(p n / 100) for p = 50, 99, 100 */
        uint64_t want[NSTAT] = { (n + 1) / 2, n - (n / 100), n };
        /* ceil(0.99 n) = n - floor(n / 100) */
        for (int t = 0; t < NSTAT; t++) {
            size_t k = g * NSTAT + (size_t)t;
            m->rank[k] = n ? want[t] : 0;
            m->tbucket[k] = -1;
            if (!n)
                continue;
            if (m->rank[k] <= m->zeros[g]) {
                m->value[k] = 0;
                continue;
            }
            uint64_t below = m->zeros[g];
            const uint32_t *h = m->hist + g;
            for (size_t b = 0; b < m->nb; b++) {
                if (below + h[b * G] >= m->rank[k]) {
                    m->tbucket[k] = (int32_t)b;
                    w[nw++] = (int64_t)b;
                    break;
                }
                below += h[b * G];
            }
        }
    }
    qsort(w, nw, sizeof *w, cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < nw; i++)
        if (!u || w[u - 1] != w[i])
            w[u++] = w[i];
    m->nwanted = u;
    m->wanted = w;
    if (!(m->widx = malloc(m->nb * sizeof *m->widx)))
        return WG_ENOMEM;
    for (size_t b = 0; b < m->nb; b++)
        m->widx[b] = -1;
    for (size_t i = 0; i < u; i++)
        m->widx[w[i]] = (int32_t)i;
    m->cumw = malloc((u ? u : 1) * G * sizeof *m->cumw);
    if (!m->cumw)
        return WG_ENOMEM;
    /* values of each group below each wanted bucket: one walk of its
     * histogram */
    for (size_t g = 0; g < G; g++) {
        uint64_t below = m->zeros[g];
        const uint32_t *h = m->hist + g;
        size_t i = 0;
        for (size_t b = 0; b < m->nb && i < u; b++) {
            if ((int64_t)b == w[i])
                m->cumw[i++ * G + g] = below;
            below += h[b * G];
        }
    }
    free(m->hist);
    m->hist = NULL;
    return WG_OK;
}

int wg_sel_plan(wg_sel *s)
{
    for (int i = 0; i < s->nmetrics; i++) {
        metric *m = &s->m[i];
        if (m->used) {
            if (plan_metric(s, m) != WG_OK)
                return WG_ENOMEM;
        } else {
            /* no positive value: every rank is a zero (or there is none) */
            for (int g = 0; g < s->ngroups; g++)
                if (m->n[g])
                    for (int t = 0; t < NSTAT; t++)
                        m->value[(size_t)g * NSTAT + (size_t)t] = 0;
        }
    }
    return WG_OK;
}

/* A row is needed when one of its groups has a wanted rank in the row's
 * bucket: a group's count in that bucket must see all of its values
 * there.  Rows of a wanted bucket that belong to no such group are not
 * needed, so a small group (the failing checks blamed on one op) whose
 * ranks fall in a crowded bucket brings its own few rows, not the crowd. */
int wg_sel_wants(const wg_sel *s, int metric_, int64_t key, const int *groups, int ng)
{
    const metric *m = &s->m[metric_];
    if (!m->used || key <= 0 || !m->widx)
        return 0;
    int64_t b = (key >> m->shift) - m->base;
    if (b < 0 || (size_t)b >= m->nb || m->widx[b] < 0)
        return 0;
    for (int i = 0; i < ng; i++) {
        const int32_t *tb = m->tbucket + (size_t)groups[i] * NSTAT;
        for (int t = 0; t < NSTAT; t++)
            if (tb[t] == (int32_t)b)
                return 1;
    }
    return 0;
}

void wg_sel_feed(wg_sel *s, int metric_, int64_t key, const int *groups, int ng)
{
    metric *m = &s->m[metric_];
    if (!m->used || key <= 0 || !m->widx)
        return;
    int64_t b = (key >> m->shift) - m->base;
    if (b < 0 || (size_t)b >= m->nb || m->widx[b] < 0)
        return;
    size_t G = (size_t)s->ngroups;
    if (b != m->cur) {
        /* a new bucket: every group's count restarts at its values below it */
        const uint64_t *c = m->cumw + (size_t)m->widx[b] * G;
        memcpy(m->cnt, c, G * sizeof *m->cnt);
        m->cur = b;
    }
    for (int i = 0; i < ng; i++) {
        size_t g = (size_t)groups[i];
        uint64_t c = ++m->cnt[g];
        for (int t = 0; t < NSTAT; t++) {
            size_t k = g * NSTAT + (size_t)t;
            if (m->tbucket[k] == (int32_t)b && m->rank[k] == c)
                m->value[k] = wg_sel_value(key);
        }
    }
}

void wg_sel_result(const wg_sel *s, int metric_, int group, wg_rep_stat *out)
{
    const metric *m = &s->m[metric_];
    size_t k = (size_t)group * NSTAT;
    out->n = m->n[group];
    out->zeros = m->zeros[group];
    out->median = out->n ? m->value[k] : NAN;
    out->p99 = out->n ? m->value[k + 1] : NAN;
    out->max = out->n ? m->value[k + 2] : NAN;
}
