/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* sweep.c -- the two sweeps over a tape: forward (tangents, k directions at
 * once) and reverse (adjoints).  Each is one loop in recording order (or its
 * reverse) with the op's local partials from op_kernels.h.
 *
 * Strong zeros: a zero tangent or adjoint times a partial contributes zero,
 * even when the partial is infinite (sqrt at 0), and so does a zero partial
 * times an infinite tangent or adjoint (stop_gradient(sqrt(x)) at 0, or
 * 0 * sqrt(x)), so that both modes agree.  A node that does not lie on a
 * path from the seeds to the results then cannot turn them into NaN; a node
 * that does lie on such a path shows up as a non-finite result, and
 * wg_check_finite names it. */
#include "op_kernels.h"
#include "tape.h"
#include "tensor.h"

#include <math.h>
#include <string.h>

/* the partials of node i at the tape's current values */
WG_KERNEL void node_partials(const wg_tape *t, size_t i, double *da, double *db)
{
    wg_op op = (wg_op)t->op[i];
    wg_op_kind kind = wg_kind((uint8_t)op);
    uint32_t bi = wg_operand_b(t, i, kind);
    double a = t->val[t->arg0[i]];
    double b = bi != WG_NONE ? t->val[bi] : 0.0;
    wg_op_partials(op, a, b, wg_node_p(t, i, kind), t->val[i], da, db);
}

/* the second operand of scalar node i, or WG_NONE */
static inline uint32_t second_operand(const wg_tape *t, size_t i)
{
    return wg_operand_b(t, i, wg_kind(t->op[i]));
}

/* the first tensor record of a node at or after i (records are in node
 * order); ntn when none */
static size_t first_record_from(const wg_tape *t, size_t i)
{
    size_t a = 0, b = t->ntn;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (t->tn[m].node < i)
            a = m + 1;
        else
            b = m;
    }
    return a;
}

void wg_arena_range(const wg_tape *t, size_t lo, size_t hi, size_t *off_lo, size_t *off_hi)
{
    /* offsets grow with the records */
    size_t r0 = first_record_from(t, lo), r1 = first_record_from(t, hi);
    *off_lo = r0 < t->ntn ? (size_t)t->tn[r0].off : t->arena_n;
    *off_hi = r1 < t->ntn ? (size_t)t->tn[r1].off : t->arena_n;
}

int wg_prepare_tangents(wg_tape *t, size_t lo, size_t hi, size_t k)
{
    size_t n = hi - lo, olo, ohi;
    if (k && n > SIZE_MAX / sizeof(double) / k)
        return WG_ENOMEM;
    wg_arena_range(t, lo, hi, &olo, &ohi);
    size_t tn = ohi - olo;
    if (k && tn > SIZE_MAX / sizeof(double) / k)
        return WG_ENOMEM;
    if (wg_scratch(t, &t->tan, &t->tan_cap, n * k) != WG_OK
        || wg_scratch(t, &t->ttan, &t->ttan_cap, tn != 0 && k != 0 ? tn * k : 1) != WG_OK) {
        t->tan_k = 0;
        return WG_ENOMEM;
    }
    memset(t->tan, 0, n * k * sizeof(double));
    if (tn != 0 && k != 0)
        memset(t->ttan, 0, tn * k * sizeof(double));
    t->ttan_lo = olo;
    t->tan_lo = lo;
    t->tan_n = hi;
    t->tan_k = k;
    t->last_reverse = 0;
    return WG_OK;
}

/* tangents of node i from its operands' (ti is 0 from wg_prepare_tangents) */
WG_KERNEL void fwd_node(wg_op op, double va, double vb, double p, double y, uint32_t a,
                        uint32_t b, size_t lo, size_t k, double *tan, double *ti)
{
    double da, db;
    wg_op_partials(op, va, vb, p, y, &da, &db);
    if (a >= lo && da != 0) {
        const double *ta = tan + (a - lo) * k;
        for (size_t j = 0; j < k; j++)
            ti[j] = ta[j] != 0 ? da * ta[j] : 0.0;
    }
    if (b != WG_NONE && b >= lo && db != 0) {
        const double *tb = tan + (b - lo) * k;
        for (size_t j = 0; j < k; j++)
            ti[j] += tb[j] != 0 ? db * tb[j] : 0.0;
    }
}

/* one case per op, as in the reverse sweep below */
#define FWD_LEAF(OP)
#define FWD_CMP(OP)
#define FWD_UNARY(OP)  fwd_node(OP, val[a], 0.0, 0.0, val[i], a, WG_NONE, lo, k, tan, ti)
#define FWD_BINARY(OP) fwd_node(OP, val[a], val[b], 0.0, val[i], a, b, lo, k, tan, ti)
#define FWD_CONST(OP)  fwd_node(OP, val[a], 0.0, par[b], val[i], a, WG_NONE, lo, k, tan, ti)
#define FWD_INT(OP)    FWD_CONST(OP)
#define FWD_CUSTOM(OP) fwd_node(OP, val[a], b != WG_NONE ? val[b] : 0.0, (double)t->cid[i], \
                                val[i], a, b, lo, k, tan, ti)
#define FWD_TUNARY(OP)
#define FWD_TBINARY(OP)

/* the partials of node i as a sweep uses them: with a hook, after it */
static void hooked_partials(const wg_tape *t, int reverse, size_t i, double *da, double *db)
{
    wg_op_kind kind = wg_kind(t->op[i]);
    uint32_t bi = second_operand(t, i);
    double a = t->val[t->arg0[i]];
    double b = bi != WG_NONE ? t->val[bi] : 0.0;
    double p = wg_node_p(t, i, kind);
    wg_op_partials((wg_op)t->op[i], a, b, p, t->val[i], da, db);
    /* a planted replay bug (WG_TEST_EVAL_STALE_LOG): log's partial as it
     * was before the first wg_eval moved the tape */
    if ((t->test_flags & WG_TEST_EVAL_STALE_LOG) && i < t->test_stale_n
        && !isnan(t->test_stale[i]))
        *da = t->test_stale[i];
    t->hook(t->hook_ctx, reverse, i, (wg_op)t->op[i], a, b, p, t->val[i], da, db);
}

/* the generic sweeps, taken only when a test has set a partials hook */
static void sweep_forward_hooked(wg_tape *t, size_t lo, size_t hi, size_t k)
{
    for (size_t i = lo; i < hi; i++) {
        wg_op_kind kind = wg_kind(t->op[i]);
        if (t->tref[i]) {
            wg_tensor_fwd_node(t, i, k);    /* calls the hook per element */
            continue;
        }
        if (kind == WG_KIND_LEAF || kind == WG_KIND_CMP)
            continue;
        double da, db, *ti = t->tan + (i - lo) * k;
        hooked_partials(t, 0, i, &da, &db);
        uint32_t a = t->arg0[i], b = second_operand(t, i);
        /* a planted bug (WG_TEST_JVP_LANE): lanes after the first reuse
         * mul's d/da for d/db */
        int lane_bug = (t->test_flags & WG_TEST_JVP_LANE) && t->op[i] == WG_OP_MUL && k > 1;
        double db0 = db;
        for (size_t j = 0; j < k; j++) {
            double s = 0;
            db = lane_bug && j > 0 ? da : db0;
            if (a >= lo && da != 0 && t->tan[(a - lo) * k + j] != 0)
                s += da * t->tan[(a - lo) * k + j];
            if (b != WG_NONE && b >= lo && db != 0 && t->tan[(b - lo) * k + j] != 0)
                s += db * t->tan[(b - lo) * k + j];
            ti[j] = s;
        }
    }
}

static void sweep_reverse_hooked(wg_tape *t, size_t lo, size_t hi, double *adj)
{
    /* a planted bug (WG_TEST_ADJ_OVERWRITE): store instead of accumulate */
    int overwrite = (t->test_flags & WG_TEST_ADJ_OVERWRITE) != 0;
    for (size_t i = hi + 1; i-- > lo;) {
        double g = adj[i - lo];
        wg_op_kind kind = wg_kind(t->op[i]);
        if (t->tref[i]) {
            wg_tensor_rev_node(t, i, lo, adj);
            continue;
        }
        if (g == 0 || kind == WG_KIND_LEAF || kind == WG_KIND_CMP)
            continue;
        double da, db;
        hooked_partials(t, 1, i, &da, &db);
        uint32_t a = t->arg0[i], b = second_operand(t, i);
        if (a >= lo && da != 0)
            adj[a - lo] = overwrite ? da * g : adj[a - lo] + da * g;
        if (b != WG_NONE && b >= lo && db != 0)
            adj[b - lo] = overwrite ? db * g : adj[b - lo] + db * g;
    }
}

/* The loop is instantiated twice: with tensors = 0 for a range that holds
 * no tensor node (a scalar tape pays nothing for tensors), with 1 where
 * each node is first tested for being one. */
WG_KERNEL void forward_loop(wg_tape *t, size_t lo, size_t hi, size_t k, int tensors)
{
    const uint8_t *op = t->op;
    const uint32_t *A = t->arg0, *B = t->arg1, *T = t->tref;
    const double *val = t->val, *par = t->param;
    double *tan = t->tan;
    for (size_t i = lo; i < hi; i++) {
        if (tensors && T[i]) {      /* a tensor node: its whole-operation rule */
            wg_tensor_fwd_node(t, i, k);
            continue;
        }
        uint32_t a = A[i], b = B[i];
        double *ti = tan + (i - lo) * k;
        (void)a;
        (void)b;
        (void)ti;
        switch ((wg_op)op[i]) {     /* seeds are in place; constants and outcomes keep 0 */
#define WG_X_FWD(E, name, kind) case WG_OP_##E: FWD_##kind(WG_OP_##E); break;
            WG_OP_LIST(WG_X_FWD)
#undef WG_X_FWD
        case WG_OP_COUNT:
            break;
        }
    }
}

/* 1 when a node of [lo, hi) is a tensor node */
int wg_range_has_tensors(const wg_tape *t, size_t lo, size_t hi)
{
    size_t r = first_record_from(t, lo);
    return r < t->ntn && t->tn[r].node < hi;
}

int wg_sweep_forward(wg_tape *t, size_t lo, size_t hi, size_t k)
{
    if (t->hook) {
        sweep_forward_hooked(t, lo, hi, k);
        return WG_OK;
    }
    if (wg_range_has_tensors(t, lo, hi))
        forward_loop(t, lo, hi, k, 1);
    else
        forward_loop(t, lo, hi, k, 0);
    return WG_OK;
}

int wg_prepare_adjoints(wg_tape *t, size_t lo, size_t hi)
{
    size_t n = hi - lo + 1, olo, ohi;
    wg_arena_range(t, lo, hi + 1, &olo, &ohi);
    if (wg_scratch(t, &t->adj, &t->adj_cap, n) != WG_OK
        || wg_scratch(t, &t->tadj, &t->tadj_cap, ohi > olo ? ohi - olo : 1) != WG_OK) {
        t->adj_n = t->adj_lo = 0;
        return WG_ENOMEM;
    }
    memset(t->adj, 0, n * sizeof(double));
    if (ohi > olo)
        memset(t->tadj, 0, (ohi - olo) * sizeof(double));
    t->tadj_lo = olo;
    t->tadj_hi = ohi;
    t->adj_lo = lo;
    t->adj_n = hi + 1;
    t->last_reverse = 1;
    return WG_OK;
}

/* One case per row of WG_OP_LIST, each calling the op's kernel with a
 * constant op, so the kernel's switch folds away and every case is the
 * op's own straight-line rule: the sweep keeps a single copy of each rule
 * (op_kernels.h) and still pays no second dispatch per node. */
#define REV_LEAF(OP)
#define REV_CMP(OP)
#define REV_UNARY(OP)  rev_node(OP, val[a], 0.0, 0.0, val[i], a, WG_NONE, lo, g, adj)
#define REV_BINARY(OP) rev_node(OP, val[a], val[b], 0.0, val[i], a, b, lo, g, adj)
#define REV_CONST(OP)  rev_node(OP, val[a], 0.0, par[b], val[i], a, WG_NONE, lo, g, adj)
#define REV_INT(OP)    REV_CONST(OP)
#define REV_CUSTOM(OP) rev_node(OP, val[a], b != WG_NONE ? val[b] : 0.0, (double)t->cid[i], \
                                val[i], a, b, lo, g, adj)
#define REV_TUNARY(OP)
#define REV_TBINARY(OP)

WG_KERNEL void rev_node(wg_op op, double va, double vb, double p, double y, uint32_t a,
                        uint32_t b, size_t lo, double g, double *adj)
{
    double da, db;
    wg_op_partials(op, va, vb, p, y, &da, &db);
    if (a >= lo && da != 0)
        adj[a - lo] += da * g;
    if (b != WG_NONE && b >= lo && db != 0)
        adj[b - lo] += db * g;
}

WG_KERNEL void reverse_loop(wg_tape *t, size_t lo, size_t hi, double *adj, int tensors)
{
    const uint8_t *op = t->op;
    const uint32_t *A = t->arg0, *B = t->arg1, *T = t->tref;
    const double *val = t->val, *par = t->param;
    for (size_t i = hi + 1; i-- > lo;) {
        if (tensors && T[i]) {
            wg_tensor_rev_node(t, i, lo, adj);
            continue;
        }
        double g = adj[i - lo];
        if (g == 0)
            continue;
        uint32_t a = A[i], b = B[i];
        (void)a;
        (void)b;
        switch ((wg_op)op[i]) {
#define WG_X_REV(E, name, kind) case WG_OP_##E: REV_##kind(WG_OP_##E); break;
            WG_OP_LIST(WG_X_REV)
#undef WG_X_REV
        case WG_OP_COUNT:
            break;
        }
    }
}

void wg_sweep_reverse(wg_tape *t, size_t lo, size_t hi, double *adj)
{
    if (t->hook) {
        sweep_reverse_hooked(t, lo, hi, adj);
        return;
    }
    if (wg_range_has_tensors(t, lo, hi + 1))
        reverse_loop(t, lo, hi, adj, 1);
    else
        reverse_loop(t, lo, hi, adj, 0);
}

/* Whether the last sweep carried a nonzero derivative through node i:
 * reverse, the node's adjoint is nonzero (it reaches a result); forward, an
 * operand's tangent is (it is reached from a seed).  An infinite partial
 * anywhere else was multiplied by a strong zero and made nothing infinite. */
static int swept_through(const wg_tape *t, size_t i)
{
    if (t->last_reverse)
        return i >= t->adj_lo && i < t->adj_n && t->adj[i - t->adj_lo] != 0;
    if (t->tan_k == 0)
        return 0;
    uint32_t ops[2] = { t->arg0[i], second_operand(t, i) };
    for (int k = 0; k < 2; k++)
        if (ops[k] != WG_NONE && ops[k] >= t->tan_lo && ops[k] < t->tan_n)
            for (size_t j = 0; j < t->tan_k; j++)
                if (t->tan[(ops[k] - t->tan_lo) * t->tan_k + j] != 0)
                    return 1;
    return 0;
}

int wg_check_finite(wg_tape *t, const char *fn, const double *r, size_t n, size_t lo, size_t hi)
{
    size_t j;
    for (j = 0; j < n && isfinite(r[j]); j++)
        ;
    if (j == n)
        return WG_OK;
    /* name the first node with a non-finite partial that the sweep went
     * through; failing that (it cannot, short of a bug), the first at all */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = lo; i < hi && i < t->n; i++) {
            wg_op_kind kind = wg_kind(t->op[i]);
            if (t->tref[i]) {
                size_t e;
                double arg;
                if (wg_tensor_partials_nonfinite(t, i, &e, &arg))
                    return wg_call_fail(t, WG_ERANGE, "%s: node %zu (%s): element %zu: derivative "
                                        "is not finite at argument %.17g", fn, i,
                                        wg_node_op_name(t, i), e, arg);
                continue;
            }
            if (kind == WG_KIND_LEAF || kind == WG_KIND_CMP || (pass == 0 && !swept_through(t, i)))
                continue;
            double da, db;
            node_partials(t, i, &da, &db);
            if (!isfinite(da) || !isfinite(db))
                return wg_call_fail(t, WG_ERANGE, "%s: node %zu (%s): derivative is not finite "
                                    "at argument %.17g", fn, i, wg_node_op_name(t, i),
                                    t->val[t->arg0[i]]);
        }
    return wg_call_fail(t, WG_ERANGE, "%s: result %zu is not finite (%g): the derivative "
                        "overflows", fn, j, r[j]);
}
