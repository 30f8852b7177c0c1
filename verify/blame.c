/* SPDX-License-Identifier: GPL-3.0-or-later */
/* blame.c -- after a failed check, the node whose derivative rule is wrong.
 *
 * Forward: every node's tangent against its own MPFR reference (the
 * central difference of the node's value, same steps as the check), with
 * a running bound E_i per node (bound.c).  The first node in tape order
 * that departs beyond safety * E_i while all its operands are within
 * theirs is the first place the error appears: its rule is wrong.
 *
 * Reverse (when forward passes, so the kernel partials are good along u):
 * the library's adjoints against the adjoint recurrence recomputed from
 * them in long double, node by node in reverse order: adj_k must equal
 * seed_k + sum over consumers i of d_ik adj_i.  The first node k where it
 * does not received a wrong contribution from a consumer; a consumer whose
 * own adjoint was right.  With several consumers, each is tested alone: a
 * VJP seeded at the consumer i and read at k, against the same in long
 * double; the first (in tape order) that departs is blamed.
 *
 * A tensor tape is blamed on its scalar lowering (lower.h), and the blamed
 * node is named as the original tensor node and element.  Two kinds of
 * lowered node need care:
 *   - inner steps (a matmul's products and partial sums, a reduction's
 *     chain) have no library counterpart.  Forward, they are never blamed:
 *     they are as good as their operands.  Reverse, their library adjoint
 *     is derived from their consumers' by the recurrence itself, so the
 *     recurrence can only break at a node that has a library adjoint.
 *   - index maps (reshape, transpose, broadcast_to, slice, concat; a
 *     reduction over one element) record no node: their elements are their
 *     operand's.  Forward, each such element's library tangent is checked
 *     against its scalar node's reference where the original node stands
 *     in tape order.  Reverse, the consumers of a tensor node are tested at
 *     the level of original nodes: the library's VJP of one consumer,
 *     seeded with its own adjoint, against the same recomputed on the
 *     lowered tape; a consumer reached through index maps is one of them. */
#include "check_internal.h"
#include "op_kernels.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int differentiable(wg_op op)
{
    wg_op_kind k = wg_op_kind_of(op);
    return k != WG_KIND_LEAF && k != WG_KIND_CMP;
}

static void set_blame(const wg_chk *c, wg_check_result *res, size_t node)
{
    wg_chk_set_blame(c, res, node);
}

/* on a lowered tape, a node without a library counterpart */
static int inner(const wg_chk *c, size_t i)
{
    return c->low && c->low->owner_elem[i] == WG_LOWER_NONE;
}



/* What a node's library tangent is judged against: the MPFR reference
 * tangent (with its own error), or the tangent under the documented kink
 * conventions (convention_blame). */
typedef struct fwd_expect {
    const double *want;
    const double *err;          /* NULL: none */
    const char *what;           /* "reference", "by the convention" */
    const char *bound_word;     /* "bound " or "" */
} fwd_expect;

static double fwd_tol(const wg_chk *c, const fwd_expect *x, size_t i)
{
    double tol = (double)(c->opt.safety * c->ebound[i]);
    if (x->err)
        tol += x->err[i];
    /* a weaker reference (a custom op with no MPFR value): each node's
     * reference tangent errs as the check's reference does (check.c,
     * weak_reference), on the node's own scale */
    if (c->tv.nweak)
        tol += fmax(8 * c->ctr.weak_rel, 0x1p-30) * fmax((double)c->tabs[i], fabs(x->want[i]));
    return tol + 0x1p-52 * fabs(x->want[i]);
}

static void fwd_blamed(const fwd_expect *x, wg_check_result *res, const char *label,
                       double lib, size_t i, double gap, double tol)
{
    wg_chk_append(res, "; blame: %s: tangent %.17g, %s %.17g, off by %.3g > %s%.3g", label, lib,
           x->what, x->want[i], gap, x->bound_word, tol);
}

/* The elements of original node v that are another node's (an index map,
 * a reduction over one element): each one's library tangent against its
 * scalar node's expectation.  1 when blamed. */
static int alias_blame(const wg_chk *c, const fwd_expect *x, const unsigned char *ok, size_t v,
                       wg_check_result *res)
{
    const wg_lowering *L = c->low;
    size_t ne = wg_node_numel(c->subj, v);
    for (size_t e = 0; e < ne; e++) {
        size_t s = wg_lower_elem(L, v, e);
        if (s >= c->N || (L->owner[s] == v && L->owner_elem[s] == e) || !ok[s])
            continue;
        double lib = wg_node_tangent_at(c->subj, v, e);
        lib = isnan(lib) ? 0.0 : lib;
        double tol = fwd_tol(c, x, s), gap = fabs(lib - x->want[s]);
        if (gap <= tol)
            continue;
        char lab[160];
        wg_chk_set_blame_orig(c, res, v, (long)e);
        fwd_blamed(x, res, wg_chk_orig_label(c, v, (long)e, lab, sizeof lab), lib, s, gap, tol);
        return 1;
    }
    return 0;
}

/* The first node in tape order whose library tangent departs from x->want
 * beyond its running bound while its operands' do not.  1 when blamed. */
static int forward_first(wg_chk *c, const fwd_expect *x, wg_check_result *res)
{
    size_t N = c->N;
    unsigned char *ok = malloc(N ? N : 1), *live = calloc(N ? N : 1, 1);
    if (!ok || !live) {
        free(ok);
        free(live);
        return 0;
    }
    const wg_tape_view *tv = &c->tv;
    for (size_t j = 0; j < c->m; j++)
        if (c->w[j] != 0)
            live[c->yi[j]] = 1;
    for (size_t i = N; i-- > 0;) {
        wg_op op = (wg_op)tv->op[i];
        if (!live[i] || !differentiable(op))
            continue;
        if (c->d[2 * i] != 0)
            live[tv->arg0[i]] = 1;
        if (wg_view_has_b(tv, i) && c->d[2 * i + 1] != 0)
            live[tv->arg1[i]] = 1;
    }
    size_t v = 0;                       /* lowered: the next original node to visit */
    int found = 0;
    for (size_t i = 0; i < N && !found; i++) {
        /* the index-map elements of the original nodes lowered before node i */
        for (; c->low && v < c->low->N && c->low->pos[v] <= i && !found; v++)
            found = alias_blame(c, x, ok, v, res);
        if (found)
            break;
        wg_op op = (wg_op)tv->op[i];
        if (inner(c, i)) {
            /* no library value: as good as its operands */
            ok[i] = !differentiable(op)
                    || (ok[tv->arg0[i]] && (!wg_view_has_b(tv, i) || ok[tv->arg1[i]]));
            continue;
        }
        double tol = fwd_tol(c, x, i);
        double gap = fabs(c->lib_tan[i] - x->want[i]);
        ok[i] = gap <= tol;
        if (ok[i] || !differentiable(op))
            continue;
        if (!ok[tv->arg0[i]] || (wg_view_has_b(tv, i) && !ok[tv->arg1[i]]))
            continue;
        /* A node exactly on its kink whose tangent is the documented
         * convention's (convention.c) is right, whatever the one-sided
         * reference says; the nodes after it see that difference too, so
         * none of them is blamed through it (ok stays 0) */
        double kd[2];
        if (x->err && c->ctan
            && wg_chk_kink_partials(op, tv->val[tv->arg0[i]], wg_view_has_b(tv, i) ? tv->val[tv->arg1[i]] : 0,
                                    kd)
            && fabs(c->lib_tan[i] - (double)c->ctan[i]) <= tol)
            continue;
        /* only a node on a path of nonzero contribution to w.(J u) (every
         * partial along it not 0, to an output whose weight is not 0) can
         * make the result wrong: one that only feeds a comparison, or is
         * multiplied by an exact 0, cannot */
        if (x->err && !live[i])
            continue;
        set_blame(c, res, i);
        fwd_blamed(x, res, LABEL(c, i), c->lib_tan[i], i, gap, tol);
        found = 1;
    }
    for (; c->low && v < c->low->N && !found; v++)
        found = alias_blame(c, x, ok, v, res);
    free(ok);
    free(live);
    return found;
}

/* 1 when blamed */
static int forward_blame(wg_chk *c, const wg_chk_ref *ref, wg_check_result *res)
{
    size_t N = c->N;
    double *refd = malloc(N * sizeof *refd), *err = malloc(N * sizeof *err);
    int found = 0;
    if (!refd || !err || wg_chk_node_tangents(c, ref, refd, err) != WG_OK)
        goto done;
    wg_chk_forward_bounds(c);
    fwd_expect x = { refd, err, "reference", "bound " };
    found = forward_first(c, &x, res);
done:
    free(refd);
    free(err);
    return found;
}

/* the consumers of every node, as lists of (node, operand slot) */
typedef struct consumers {
    size_t *start;      /* N + 1 offsets */
    size_t *node;
    unsigned char *slot;
} consumers;

static int consumers_build(const wg_chk *c, consumers *cs)
{
    size_t N = c->N, E = 0;
    for (size_t k = 0; k < N; k++)
        E += c->fanout[k];
    cs->start = calloc(N + 1, sizeof *cs->start);
    cs->node = malloc((E ? E : 1) * sizeof *cs->node);
    cs->slot = malloc(E ? E : 1);
    size_t *fill = calloc(N + 1, sizeof *fill);
    if (!cs->start || !cs->node || !cs->slot || !fill) {
        free(fill);
        return WG_ENOMEM;
    }
    for (size_t k = 0; k < N; k++)
        cs->start[k + 1] = cs->start[k] + c->fanout[k];
    const wg_tape_view *tv = &c->tv;
    for (size_t i = 0; i < N; i++) {
        wg_op op = (wg_op)tv->op[i];
        if (!differentiable(op))
            continue;
        for (int s = 0; s < (wg_view_has_b(tv, i) ? 2 : 1); s++) {
            size_t k = s ? tv->arg1[i] : tv->arg0[i];
            size_t at = cs->start[k] + fill[k]++;
            cs->node[at] = i;
            cs->slot[at] = (unsigned char)s;
        }
    }
    free(fill);
    return WG_OK;
}

static void consumers_free(consumers *cs)
{
    free(cs->start);
    free(cs->node);
    free(cs->slot);
}

/* The adjoints seeded in adj[0 .. i-k] (eb: their error bounds) swept in
 * reverse over nodes i down to k in long double with the kernel partials;
 * the result at node k and its running error bound.  partial_err: also
 * the partials' own errors (dd), for a library that does not take the
 * kernel's partials at the model's values (a tensor rule). */
static void reverse_range(const wg_chk *c, size_t i, size_t k, long double *adj,
                          long double *eb, int partial_err, long double *g, long double *e)
{
    const wg_tape_view *tv = &c->tv;
    for (size_t j = i; j > k; j--) {
        wg_op op = (wg_op)tv->op[j];
        long double a = adj[j - k];
        if (a == 0 || !differentiable(op))
            continue;
        for (int s = 0; s < (wg_view_has_b(tv, j) ? 2 : 1); s++) {
            size_t q = s ? tv->arg1[j] : tv->arg0[j];
            double d = c->d[2 * j + s];
            if (q < k || d == 0)
                continue;
            long double ce = 2.0L + c->fanout[q] + wg_kernel_ulps(op);
            adj[q - k] += d * a;
            eb[q - k] += fabs(d) * eb[j - k] + ce * WG_UNIT_ROUNDOFF * fabsl(d * a)
                         + wg_chk_product_eta(d, a, eb[j - k]);
            if (partial_err)
                eb[q - k] += c->dd[2 * j + s] * (fabsl(a) + eb[j - k]);
        }
    }
    *g = adj[0];
    *e = eb[0];
}

/* d v_i / d v_k by a reverse sweep over nodes k..i in long double with
 * the kernel partials, and its running error bound */
static void local_reverse(const wg_chk *c, size_t i, size_t k, long double *adj,
                          long double *eb, long double *g, long double *e)
{
    for (size_t j = k; j <= i; j++)
        adj[j - k] = eb[j - k] = 0;
    adj[i - k] = 1;
    reverse_range(c, i, k, adj, eb, 0, g, e);
}

/* ---------------------------------------------------------------- lowered consumers */

/* 1 when original node v has an element that is another node's (an index
 * map, a reduction over one element): its consumers read its operand */
static int maps_operand(const wg_chk *c, size_t v)
{
    const wg_lowering *L = c->low;
    size_t ne = wg_node_numel(c->subj, v);
    for (size_t e = 0; e < ne; e++) {
        size_t s = wg_lower_elem(L, v, e);
        if (L->owner[s] != v || L->owner_elem[s] != e)
            return 1;
    }
    return 0;
}

/* One consumer cn of original node a (directly or through index maps),
 * alone: the library's VJP of cn seeded with cn's own library adjoint
 * (cbar), read at a's element ea, against the same on the lowered tape in
 * long double, over scalar nodes bad .. (cn's last), with the partials'
 * errors in its bound.  1 when it departs; *g, *G, *E the figures. */
static int consumer_departs(wg_chk *c, size_t cn, const double *cbar, size_t a, size_t ea,
                            size_t bad, long double *adj, long double *eb, double *xbar,
                            double *g, long double *G, long double *E)
{
    const wg_lowering *L = c->low;
    size_t ne = wg_node_numel(c->subj, cn), hi = bad;
    for (size_t e = 0; e < ne; e++) {
        size_t s = wg_lower_elem(L, cn, e);
        if (s < c->N && s > hi)
            hi = s;
    }
    for (size_t j = bad; j <= hi; j++)
        adj[j - bad] = eb[j - bad] = 0;
    int seeded = 0;
    for (size_t e = 0; e < ne; e++) {
        size_t s = wg_lower_elem(L, cn, e);
        if (s >= bad && s < c->N && cbar[e] != 0) {
            adj[s - bad] += cbar[e];
            seeded = 1;
        }
    }
    if (!seeded)
        return 0;
    wg_var vc = wg_tape_var(c->subj, cn), va = wg_tape_var(c->subj, a);
    if (wg_vjp(c->subj, 1, &vc, cbar, 1, &va, xbar) != WG_OK)
        return 0;
    *g = xbar[ea];
    reverse_range(c, hi, bad, adj, eb, 1, G, E);
    return fabsl(*g - *G) > c->opt.safety * *E;
}

/* Reverse blame on a lowered tape once the recurrence broke at scalar node
 * bad, an element of original node a: the original consumers of a, and of
 * the index maps of a, in tape order; the first whose own VJP departs.
 * Their library adjoints are read before any of those VJPs overwrites
 * them.  The consumer blamed, or (size_t)-1. */
static size_t lowered_consumer(wg_chk *c, size_t bad, long double *adj, long double *eb,
                               char *why, size_t len)
{
    const wg_lowering *L = c->low;
    size_t a = L->owner[bad], ea = L->owner_elem[bad], NO = L->N;
    unsigned char *reach = calloc(NO ? NO : 1, 1);
    size_t *cand = malloc((NO ? NO : 1) * sizeof *cand), ncand = 0;
    double **cbar = NULL, *xbar = NULL;
    size_t blamed = WG_NO_NODE;
    if (!reach || !cand)
        goto done;
    reach[a] = 1;
    for (size_t v = a + 1; v < NO; v++) {
        wg_op_kind kind = wg_op_kind_of(wg_node_op(c->subj, v));
        if (kind == WG_KIND_LEAF)
            continue;
        size_t p0 = wg_node_arg(c->subj, v, 0), p1 = wg_node_arg(c->subj, v, 1);
        if (!((p0 < NO && reach[p0]) || (p1 < NO && reach[p1])))
            continue;
        cand[ncand++] = v;
        if (maps_operand(c, v))
            reach[v] = 1;
    }
    cbar = calloc(ncand ? ncand : 1, sizeof *cbar);
    xbar = malloc((wg_node_numel(c->subj, a) + 1) * sizeof *xbar);
    if (!cbar || !xbar)
        goto done;
    for (size_t q = 0; q < ncand; q++) {
        size_t ne = wg_node_numel(c->subj, cand[q]);
        if (!(cbar[q] = malloc((ne ? ne : 1) * sizeof *cbar[q])))
            goto done;
        for (size_t e = 0; e < ne; e++) {
            double v = wg_node_adjoint_at(c->subj, cand[q], e);
            cbar[q][e] = isnan(v) ? 0.0 : v;
        }
    }
    for (size_t q = 0; q < ncand; q++) {
        double g;
        long double G, E;
        if (consumer_departs(c, cand[q], cbar[q], a, ea, bad, adj, eb, xbar, &g, &G, &E)) {
            blamed = cand[q];
            snprintf(why, len, "; its own VJP there is off by %.3Lg > %.3Lg",
                     fabsl(g - G), c->opt.safety * E);
            break;
        }
    }
done:
    for (size_t q = 0; cbar && q < ncand; q++)
        free(cbar[q]);
    free(cbar);
    free(xbar);
    free(reach);
    free(cand);
    return blamed;
}

/* ---------------------------------------------------------------- reverse */

/* 1 when blamed */
static int reverse_blame(wg_chk *c, wg_check_result *res)
{
    consumers cs = { 0 };
    size_t N = c->N;
    long double *seed = calloc(N, sizeof *seed);
    long double *adj = malloc(N * sizeof *adj), *eb = malloc(N * sizeof *eb);
    /* lowered: how far each inner step's derived adjoint may be from what
     * the library's tensor rule implies (0 for nodes with a library value) */
    long double *ein = c->low ? calloc(N, sizeof *ein) : NULL;
    int found = 0;
    if (!seed || !adj || !eb || (c->low && !ein) || consumers_build(c, &cs) != WG_OK)
        goto done;
    const wg_tape_view *tv = &c->tv;
    for (size_t j = 0; j < c->m; j++)
        seed[c->yi[j]] += c->w[j];

    size_t bad = WG_NO_NODE;
    long double bad_gap = 0, bad_tol = 0, bad_A = 0;
    for (size_t k = N; k-- > c->xlo;) {
        long double A = seed[k], tol = 0;
        for (size_t q = cs.start[k]; q < cs.start[k + 1]; q++) {
            size_t i = cs.node[q];
            double d = c->d[2 * i + cs.slot[q]], a = c->lib_adj[i];
            if (d == 0 || a == 0)
                continue;
            A += (long double)d * a;
            tol += (2.0L + c->fanout[k] + wg_kernel_ulps((wg_op)tv->op[i]))
                   * WG_UNIT_ROUNDOFF * fabsl((long double)d * a) + wg_chk_product_eta(d, a, 0);
            /* A tensor rule is one formula (logsoftmax's ybar - softmax
             * sum(ybar)), not the lowered partials at the lowered values:
             * the partials' own errors, and what the inner steps carry */
            if (c->low)
                tol += c->dd[2 * i + cs.slot[q]] * fabs(a) + fabs(d) * ein[i];
        }
        if ((wg_op)tv->op[k] == WG_OP_CONST)
            continue;       /* the library sweeps no adjoint into a constant */
        if (inner(c, k)) {
            /* no library adjoint: the recurrence gives it, so that it
             * breaks only where the library has one */
            c->lib_adj[k] = (double)A;
            ein[k] = tol + WG_UNIT_ROUNDOFF * fabsl(A);
            continue;
        }
        /* within one ulp of the recomputed sum is a double's rounding of
         * it, whatever the order of the sum (a tensor rule's), never a
         * wrong contribution */
        long double gap = fabsl(c->lib_adj[k] - A);
        if (gap > c->opt.safety * tol && gap > wg_ulp_of((double)A)) {
            bad = k;
            bad_gap = gap;
            bad_A = A;
            bad_tol = c->opt.safety * tol;
            break;
        }
    }
    if (bad == WG_NO_NODE)
        goto done;

    /* the consumers of `bad` that carry an adjoint, in tape order */
    size_t best = WG_NO_NODE, ncons = 0;
    long double best_mag = -1;
    for (size_t q = cs.start[bad]; q < cs.start[bad + 1]; q++) {
        size_t i = cs.node[q];
        if (c->lib_adj[i] == 0)
            continue;
        ncons++;
        long double mag = fabsl((long double)c->d[2 * i + cs.slot[q]] * c->lib_adj[i]);
        if (mag > best_mag) {
            best_mag = mag;
            best = i;
        }
    }
    char bad_text[160], extra[200] = "";
    if (c->low) {
        wg_chk_label(c, bad, bad_text, sizeof bad_text);
        size_t cn = lowered_consumer(c, bad, adj, eb, extra, sizeof extra);
        if (cn != WG_NO_NODE) {
            char lab[160];
            wg_chk_set_blame_orig(c, res, cn, -1);
            wg_chk_append(res, "; blame: %s: the adjoint it passes to %s is off (adjoint %.17g, "
                   "recomputed %.17g, off by %.3Lg > bound %.3Lg)%s",
                   wg_chk_orig_label(c, cn, -1, lab, sizeof lab), bad_text, c->lib_adj[bad],
                   (double)bad_A, bad_gap, bad_tol, extra);
            found = 1;
            goto done;
        }
    } else
        snprintf(bad_text, sizeof bad_text, "node %zu", bad);
    size_t blamed = best;
    if (ncons > 1 && !c->low) {
        /* each consumer alone: the first whose VJP to `bad` departs */
        wg_var vk = wg_tape_var(c->t, bad);
        for (size_t q = cs.start[bad]; q < cs.start[bad + 1]; q++) {
            size_t i = cs.node[q];
            if (c->lib_adj[i] == 0 || (q > cs.start[bad] && cs.node[q - 1] == i))
                continue;
            wg_var vi = wg_tape_var(c->t, i);
            double one = 1, g;
            if (wg_vjp(c->t, 1, &vi, &one, 1, &vk, &g) != WG_OK)
                continue;
            long double G, E;
            local_reverse(c, i, bad, adj, eb, &G, &E);
            if (fabsl(g - G) > c->opt.safety * E) {
                blamed = i;
                break;
            }
        }
    }
    if (blamed == WG_NO_NODE)
        blamed = bad;
    set_blame(c, res, blamed);
    wg_chk_append(res, "; blame: %s: the adjoint it passes to %s is off "
           "(adjoint %.17g, recomputed %.17g, off by %.3Lg > bound %.3Lg)", LABEL(c, blamed),
           bad_text, c->lib_adj[bad], (double)bad_A, bad_gap, bad_tol);
    found = 1;
done:
    consumers_free(&cs);
    free(seed);
    free(adj);
    free(eb);
    free(ein);
    return found;
}

/* At a kink the MPFR node tangents are averages of the two sides, and say
 * nothing of the convention; the documented-convention tangents (ctan,
 * convention.c) are the expectation instead.  The first node in tape order
 * whose tangent departs from its ctan beyond its running bound, its
 * operands' within theirs, is blamed.  1 when blamed. */
static int convention_blame(wg_chk *c, wg_check_result *res)
{
    double *want = malloc((c->N ? c->N : 1) * sizeof *want);
    if (!want)
        return 0;
    wg_chk_forward_bounds(c);
    for (size_t i = 0; i < c->N; i++)
        want[i] = (double)c->ctan[i];
    fwd_expect x = { want, NULL, "by the convention", "" };
    int found = forward_first(c, &x, res);
    free(want);
    return found;
}

void wg_chk_blame_convention(wg_chk *c, wg_check_result *res)
{
    /* forward tangents node by node, when forward mode ran; a departure
     * in reverse mode alone shows in the adjoint recurrence (its partials
     * are the kernel's, at a kink the documented ones unless the kernel
     * strays, and then forward mode departs too) */
    if (((c->opt.methods >> WG_METHOD_FORWARD) & 1u) && convention_blame(c, res))
        return;
    if (((c->opt.methods >> WG_METHOD_REVERSE) & 1u) && reverse_blame(c, res))
        return;
    wg_chk_append(res, "; no single node departs from the documented convention");
}

void wg_chk_blame(wg_chk *c, const wg_chk_ref *ref, wg_check_result *res, int forward_failed,
                  int reverse_failed)
{
    int have_fwd = (c->opt.methods >> WG_METHOD_FORWARD) & 1u;
    int have_rev = (c->opt.methods >> WG_METHOD_REVERSE) & 1u;
    if (forward_failed || !reverse_failed) {
        if (have_fwd && forward_blame(c, ref, res))
            return;
        if (have_rev && reverse_blame(c, res))
            return;
    } else {
        if (have_rev && reverse_blame(c, res))
            return;
        if (have_fwd && forward_blame(c, ref, res))
            return;
    }
    wg_chk_append(res, "; no single node departs from its reference");
}
