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
 * double; the first (in tape order) that departs is blamed. */
#include "check_internal.h"
#include "op_kernels.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int has_b(wg_op op)
{
    wg_op_kind k = wg_op_kind_of(op);
    return k == WG_KIND_BINARY || k == WG_KIND_CMP;
}

static int differentiable(wg_op op)
{
    wg_op_kind k = wg_op_kind_of(op);
    return k != WG_KIND_LEAF && k != WG_KIND_CMP;
}

static void set_blame(const wg_chk *c, wg_check_result *res, size_t node)
{
    res->blame_node = (long)node;
    res->blame_op = (wg_op)c->tv.op[node];
}

static void append(wg_check_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void append(wg_check_result *res, const char *fmt, ...)
{
    size_t len = strlen(res->message);
    if (len + 1 >= sizeof res->message)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->message + len, sizeof res->message - len, fmt, ap);
    va_end(ap);
}

/* 1 when blamed */
static int forward_blame(wg_chk *c, const wg_chk_ref *ref, wg_check_result *res)
{
    size_t N = c->N;
    double *refd = malloc(N * sizeof *refd), *err = malloc(N * sizeof *err);
    unsigned char *ok = malloc(N);
    int found = 0;
    if (!refd || !err || !ok || wg_chk_node_tangents(c, ref, refd, err) != WG_OK)
        goto done;
    wg_chk_forward_bounds(c);
    const wg_tape_view *tv = &c->tv;
    for (size_t i = 0; i < N; i++) {
        double tol = (double)(c->opt.safety * c->ebound[i]) + err[i] + 0x1p-52 * fabs(refd[i]);
        double gap = fabs(c->lib_tan[i] - refd[i]);
        ok[i] = gap <= tol;
        if (ok[i] || !differentiable((wg_op)tv->op[i]))
            continue;
        if (!ok[tv->arg0[i]] || (has_b((wg_op)tv->op[i]) && !ok[tv->arg1[i]]))
            continue;
        set_blame(c, res, i);
        append(res, "; blame: node %zu (%s): tangent %.17g, reference %.17g, "
               "off by %.3g > bound %.3g", i, wg_op_name((wg_op)tv->op[i]),
               c->lib_tan[i], refd[i], gap, tol);
        found = 1;
        break;
    }
done:
    free(refd);
    free(err);
    free(ok);
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
        for (int s = 0; s < (has_b(op) ? 2 : 1); s++) {
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

/* d v_i / d v_k by a reverse sweep over nodes k..i in long double with
 * the kernel partials, and its running error bound */
static void local_reverse(const wg_chk *c, size_t i, size_t k, long double *adj,
                          long double *eb, long double *g, long double *e)
{
    const wg_tape_view *tv = &c->tv;
    for (size_t j = k; j <= i; j++)
        adj[j - k] = eb[j - k] = 0;
    adj[i - k] = 1;
    for (size_t j = i; j > k; j--) {
        wg_op op = (wg_op)tv->op[j];
        long double a = adj[j - k];
        if (a == 0 || !differentiable(op))
            continue;
        for (int s = 0; s < (has_b(op) ? 2 : 1); s++) {
            size_t q = s ? tv->arg1[j] : tv->arg0[j];
            double d = c->d[2 * j + s];
            if (q < k || d == 0)
                continue;
            long double ce = 2.0L + c->fanout[q] + wg_kernel_ulps(op);
            adj[q - k] += d * a;
            eb[q - k] += fabs(d) * eb[j - k] + ce * WG_UNIT_ROUNDOFF * fabsl(d * a)
                         + wg_chk_product_eta(d, a, eb[j - k]);
        }
    }
    *g = adj[0];
    *e = eb[0];
}

/* 1 when blamed */
static int reverse_blame(wg_chk *c, wg_check_result *res)
{
    consumers cs = { 0 };
    size_t N = c->N;
    long double *seed = calloc(N, sizeof *seed);
    long double *adj = malloc(N * sizeof *adj), *eb = malloc(N * sizeof *eb);
    int found = 0;
    if (!seed || !adj || !eb || consumers_build(c, &cs) != WG_OK)
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
        }
        long double gap = fabsl(c->lib_adj[k] - A);
        if (gap > c->opt.safety * tol) {
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
    size_t blamed = best;
    if (ncons > 1) {
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
    append(res, "; blame: node %zu (%s): the adjoint it passes to node %zu is off "
           "(adjoint %.17g, recomputed %.17g, off by %.3Lg > bound %.3Lg)", blamed,
           wg_op_name((wg_op)tv->op[blamed]), bad, c->lib_adj[bad], (double)bad_A,
           bad_gap, bad_tol);
    found = 1;
done:
    consumers_free(&cs);
    free(seed);
    free(adj);
    free(eb);
    return found;
}

/* At a kink the MPFR node tangents are averages of the two sides, and say
 * nothing of the convention; the documented-convention tangents (ctan,
 * convention.c) are the expectation instead.  The first node in tape order
 * whose tangent departs from its ctan beyond its running bound, its
 * operands' within theirs, is blamed.  1 when blamed. */
static int convention_blame(wg_chk *c, wg_check_result *res)
{
    unsigned char *ok = malloc(c->N);
    if (!ok)
        return 0;
    wg_chk_forward_bounds(c);
    const wg_tape_view *tv = &c->tv;
    int found = 0;
    for (size_t i = 0; i < c->N; i++) {
        double want = (double)c->ctan[i];
        double tol = (double)(c->opt.safety * c->ebound[i]) + 0x1p-52 * fabs(want);
        double gap = fabs(c->lib_tan[i] - want);
        ok[i] = gap <= tol;
        if (ok[i] || !differentiable((wg_op)tv->op[i]))
            continue;
        if (!ok[tv->arg0[i]] || (has_b((wg_op)tv->op[i]) && !ok[tv->arg1[i]]))
            continue;
        set_blame(c, res, i);
        append(res, "; blame: node %zu (%s): tangent %.17g, by the convention %.17g, "
               "off by %.3g > %.3g", i, wg_op_name((wg_op)tv->op[i]), c->lib_tan[i], want,
               gap, tol);
        found = 1;
        break;
    }
    free(ok);
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
    append(res, "; no single node departs from the documented convention");
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
    append(res, "; no single node departs from its reference");
}
