/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* hessian_edge.c -- the dense Hessian of a scalar tape by edge pushing:
 * one reverse sweep that carries, beside the adjoints, the second-order
 * adjoints W, a symmetric matrix over the nodes of which only one triangle
 * is ever stored (Gower and Mello, "A new framework for the computation of
 * Hessians", Optim. Methods Softw. 27(2), 2012, Algorithm 3; Griewank and
 * Walther, Evaluating Derivatives, 2nd ed., sec. 5.4 for the quadratic form
 * it propagates).
 *
 * At node i, y_i = phi(a, b), taken in reverse order:
 *   pushing   each stored W[i][p] moves to i's operands: W[j][p] += phi_j W[i][p]
 *             (twice into W[p][p] when j = p: W[i][p] stands for both W[i][p]
 *             and W[p][i]); the diagonal W[i][i] goes to every pair of
 *             operands, W[j][k] += phi_j phi_k W[i][i];
 *   creating  W[j][k] += ybar_i phi_jk (the second partials, op_kernels2.h);
 *   adjoint   ybar_j += phi_j ybar_i.
 * At the inputs W is the Hessian.  Only pairs that ever interact get an
 * entry, so a sparse Hessian (the extended Rosenbrock function's is block
 * diagonal) costs what its nonzeros cost, and the symmetric half is never
 * computed: the result's upper triangle is the lower one mirrored.
 *
 * Storage: W[j][k] is kept by one of the two nodes, keyed by the other:
 * the later of two inner nodes, the inner one of an inner node and an
 * input, the later of two inputs.  Every entry of an inner node i comes
 * from nodes after it, so when the sweep reaches i its entries are
 * complete, and none is made after (add_entry).  Entries are appended to
 * the owner's list without a search (duplicates allowed), and merged once,
 * by one sort, when the owner is reached (or, for the inputs, at the end).  The number of appended entries
 * is the sweep's work; past the caller's budget the sweep gives up and the
 * caller takes another method (hessian.c).
 *
 * The strong zero of the other sweeps holds: a product with a zero factor
 * is 0, whatever the other (an infinite partial on a dead branch). */
#include "op_kernels2.h"
#include "hessian.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    uint32_t key;               /* the other node */
    uint32_t next;              /* the next entry of the same owner, or WG_NONE */
    double w;
} entry;

typedef struct edges {
    wg_tape *t;
    size_t lo;
    uint32_t *head;             /* per node in [lo, hi]: its first entry */
    entry *e;
    size_t n, cap, budget;
    int over;                   /* the budget ran out */
    int oom;
} edges;

/* W[j][k] += w, either order.  The entry is kept by the node the sweep
 * will reach when it still matters: the later of two inner nodes, the
 * inner node of an inner node and a leaf (an input may come after an
 * inner node it meets: x_2 in (x_1 + x_2)^2 is recorded after x_1 + 0),
 * the later of two leaves (those are the Hessian's entries). */
static void add_entry(edges *E, uint32_t j, uint32_t k, double w)
{
    if (w == 0 || E->over || E->oom)
        return;
    int lj = wg_kind(E->t->op[j]) == WG_KIND_LEAF, lk = wg_kind(E->t->op[k]) == WG_KIND_LEAF;
    if (lj != lk ? lj : j < k) {
        uint32_t s = j;
        j = k;
        k = s;
    }
    if (E->n == E->budget) {
        E->over = 1;
        return;
    }
    if (E->n == E->cap) {
        size_t cap = E->cap ? 2 * E->cap : 1024;
        if (cap > E->budget)
            cap = E->budget;
        entry *p = wg_mem_realloc(E->t, E->e, cap * sizeof *p);
        if (!p) {
            E->oom = 1;
            return;
        }
        E->e = p;
        E->cap = cap;
    }
    entry *x = &E->e[E->n];
    x->key = k;
    x->w = w;
    x->next = E->head[j - E->lo];
    E->head[j - E->lo] = (uint32_t)E->n;
    E->n++;
}

static int by_key(const void *a, const void *b)
{
    uint32_t x = ((const entry *)a)->key, y = ((const entry *)b)->key;
    return (x > y) - (x < y);
}

/* node j's entries gathered into buf, sorted by key, duplicates summed;
 * their count (buf has room for them, *bufcap entries) */
static size_t merged(edges *E, uint32_t j, entry **buf, size_t *bufcap)
{
    size_t m = 0;
    for (uint32_t q = E->head[j - E->lo]; q != WG_NONE; q = E->e[q].next)
        m++;
    if (m > *bufcap) {
        entry *p = wg_mem_realloc(E->t, *buf, m * sizeof *p);
        if (!p) {
            E->oom = 1;
            return 0;
        }
        *buf = p;
        *bufcap = m;
    }
    m = 0;
    for (uint32_t q = E->head[j - E->lo]; q != WG_NONE; q = E->e[q].next)
        (*buf)[m++] = E->e[q];
    if (m > 32)
        qsort(*buf, m, sizeof **buf, by_key);
    else                                /* most lists are short: no calls */
        for (size_t s = 1; s < m; s++) {
            entry x = (*buf)[s];
            size_t r = s;
            for (; r > 0 && (*buf)[r - 1].key > x.key; r--)
                (*buf)[r] = (*buf)[r - 1];
            (*buf)[r] = x;
        }
    size_t r = 0;
    for (size_t s = 0; s < m; s++) {
        if (r && (*buf)[r - 1].key == (*buf)[s].key)
            (*buf)[r - 1].w += (*buf)[s].w;
        else
            (*buf)[r++] = (*buf)[s];
    }
    return r;
}

int wg_hessian_edge_pushing(wg_tape *t, uint32_t yi, size_t lo, const unsigned char *act,
                            size_t n, const uint32_t *xi, size_t budget, double *H)
{
    size_t len = (size_t)yi - lo + 1;
    edges E = { t, lo, NULL, NULL, 0, 0, budget, 0, 0 };
    double *adj = wg_mem_realloc(t, NULL, len * sizeof *adj);
    E.head = wg_mem_realloc(t, NULL, len * sizeof *E.head);
    entry *buf = NULL;
    size_t bufcap = 0;
    uint32_t *pos = NULL;
    int status = WG_OK;
    if (!adj || !E.head) {
        status = WG_ENOMEM;
        goto done;
    }
    memset(adj, 0, len * sizeof *adj);
    for (size_t i = 0; i < len; i++)
        E.head[i] = WG_NONE;
    adj[yi - lo] = 1.0;
    int bug = t->hook && (t->test_flags & WG_TEST_HESS_EDGE_DIAG);

    for (size_t i = yi + 1; i-- > lo;) {
        wg_op op = (wg_op)t->op[i];
        wg_op_kind kind = wg_kind(t->op[i]);
        if (!act[i - lo] || kind == WG_KIND_LEAF)
            continue;
        double g = adj[i - lo];
        size_t m = merged(&E, (uint32_t)i, &buf, &bufcap);
        if (E.oom)
            break;
        if (kind == WG_KIND_CMP || (g == 0 && m == 0))
            continue;                   /* nothing to push or create */
        uint32_t a = t->arg0[i], b = wg_op_arity(op) == 2 ? t->arg1[i] : WG_NONE;
        double va = t->val[a], vb = b != WG_NONE ? t->val[b] : 0.0;
        double p = (kind == WG_KIND_CONST || kind == WG_KIND_INT) ? t->param[t->arg1[i]] : 0.0;
        double da, db, daa, dab, dbb;
        wg_op_partials(op, va, vb, p, t->val[i], &da, &db);
        wg_op_partials2(op, va, vb, p, t->val[i], &daa, &dab, &dbb);
        /* y = phi(a, a): one operand, with the partials summed */
        if (b == a) {
            da += db;
            daa += 2 * dab + dbb;
            b = WG_NONE;
        }
        int la = a >= lo && act[a - lo], lb = b != WG_NONE && b >= lo && act[b - lo];
        if (!la && !lb)
            continue;
        /* pushing */
        for (size_t s = 0; s < m; s++) {
            uint32_t k = buf[s].key;
            double w = buf[s].w;
            if (k == i) {               /* the diagonal: every pair of operands */
                if (la)
                    add_entry(&E, a, a, wg_sz(wg_sz(da, da), w));
                if (lb)
                    add_entry(&E, b, b, wg_sz(wg_sz(db, db), w));
                if (la && lb)
                    add_entry(&E, a, b, wg_sz(wg_sz(da, db), w));
                continue;
            }
            /* W[i][k], k another node (below i, or an input after it): to
             * W[a][k] and W[b][k], twice on a diagonal */
            if (la)
                add_entry(&E, a, k, wg_sz(da, w) * (a == k && !bug ? 2.0 : 1.0));
            if (lb)
                add_entry(&E, b, k, wg_sz(db, w) * (b == k && !bug ? 2.0 : 1.0));
            if (bug && ((la && a == k) || (lb && b == k)))
                t->hook(t->hook_ctx, 3, i, op, 0, 0, 0, 0, NULL, NULL);
        }
        /* creating */
        if (g != 0) {
            if (la)
                add_entry(&E, a, a, wg_sz(daa, g));
            if (lb)
                add_entry(&E, b, b, wg_sz(dbb, g));
            if (la && lb)
                add_entry(&E, a, b, wg_sz(dab, g));
            if (la)
                adj[a - lo] += wg_sz(da, g);
            if (lb)
                adj[b - lo] += wg_sz(db, g);
        }
        if (E.over || E.oom)
            break;
    }
    if (E.oom) {
        status = WG_ENOMEM;
        goto done;
    }
    if (E.over) {
        status = WG_ELIMIT;         /* over budget: the caller takes another method */
        goto done;
    }
    /* the inputs' rows: W[x_r][x_c], kept by the later of the two; the
     * positions of each node in x (a node may be named twice) */
    memset(H, 0, n * n * sizeof *H);
    pos = wg_mem_realloc(t, NULL, (len + n) * sizeof *pos);
    if (!pos) {
        status = WG_ENOMEM;
        goto done;
    }
    uint32_t *nextpos = pos + len;
    for (size_t i = 0; i < len; i++)
        pos[i] = WG_NONE;
    for (size_t r = n; r-- > 0;)
        if (xi[r] <= yi) {
            nextpos[r] = pos[xi[r] - lo];
            pos[xi[r] - lo] = (uint32_t)r;
        }
    for (size_t r = 0; r < n; r++) {
        uint32_t i = xi[r];
        if (i > yi || pos[i - lo] != r)
            continue;                   /* a later copy of a node: done with the first */
        size_t m = merged(&E, i, &buf, &bufcap);
        if (E.oom) {
            status = WG_ENOMEM;
            goto done;
        }
        for (size_t s = 0; s < m; s++)
            for (uint32_t r2 = (uint32_t)r; r2 != WG_NONE; r2 = nextpos[r2])
                for (uint32_t c = pos[buf[s].key - lo]; c != WG_NONE; c = nextpos[c]) {
                    H[(size_t)r2 * n + c] = buf[s].w;
                    H[(size_t)c * n + r2] = buf[s].w;
                }
    }
done:
    wg_mem_free(t, adj);
    wg_mem_free(t, E.head);
    wg_mem_free(t, E.e);
    wg_mem_free(t, buf);
    wg_mem_free(t, pos);
    return status;
}
