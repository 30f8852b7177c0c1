/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* sweep_second.c -- second order in double, with no growth of the tape:
 * forward over reverse (Griewank and Walther, Evaluating Derivatives, 2nd
 * ed., sec. 5.4; Pearlmutter 1994).  A forward sweep gives every node's
 * tangent along v; the reverse sweep then carries each adjoint abar and its
 * tangent abar' = d(abar)/ds along x + s v:
 *     abar  += d  ybar
 *     abar' += d  ybar' + (d_aa adot + d_ab bdot) ybar
 * with the first partials d (op_kernels.h) and the second partials
 * (op_kernels2.h).  At the inputs, abar' is (H v).  The strong-zero rule of
 * the first-order sweeps holds for every product.
 *
 * A tensor node runs its whole-operation adjoint kernel twice (on the
 * adjoints, then on their tangents) and adds the derivative of its map
 * along the tangents (wg_tensor_rev2_node: elementwise second partials
 * through the broadcast strides, matmul's Cbar Bdot^T and Adot^T Cbar, the
 * softmax family's pdot terms; linear ops have none).  The recorded path
 * (the gradient graph swept forward, graph_derivatives.c) computes the
 * same; tests/test_higher.c holds the two together. */
#include "op_kernels2.h"
#include "tape.h"
#include "tensor.h"

#include <math.h>
#include <string.h>


/* node i's share, the op a constant where inlined (one case per op below,
 * as the first-order sweeps do: the kernels' switches fold away) */
/* test-only wrong second partials (WG_TEST_HVP_*, wengert.h) */
static void planted2(const wg_tape *t, size_t i, wg_op op, double a, double y, double *daa,
                     double *dab, double *dbb)
{
    unsigned bug = t->test_flags;
    int hit = 0;
    if ((bug & WG_TEST_HVP_SIN_SIGN) && op == WG_OP_SIN)
        *daa = sin(a), hit = 1;
    if ((bug & WG_TEST_HVP_NO_CROSS) && *dab != 0)
        *dab = 0, hit = 1;
    if ((bug & WG_TEST_HVP_DIV_BB) && op == WG_OP_DIV)
        *dbb *= 0.5, hit = *dbb != 0;
    (void)y;
    if (hit)
        t->hook(t->hook_ctx, 3, i, op, 0, 0, 0, 0, NULL, NULL);
}

WG_KERNEL void hvp_node(wg_op op, int two, int bug, const wg_tape *t, size_t i, size_t lo,
                        double *adj, double *adt, const double *tan)
{
    double g = adj[i - lo], gd = adt[i - lo];
    if (g == 0 && gd == 0)
        return;
    uint32_t a = t->arg0[i], b = two ? t->arg1[i] : WG_NONE;
    wg_op_kind kind = wg_kind((uint8_t)op);
    double va = t->val[a], vb = two ? t->val[b] : 0.0;
    double p = (kind == WG_KIND_CONST || kind == WG_KIND_INT) ? t->param[t->arg1[i]] : 0.0;
    double da, db, daa, dab, dbb;
    wg_op_partials(op, va, vb, p, t->val[i], &da, &db);
    wg_op_partials2(op, va, vb, p, t->val[i], &daa, &dab, &dbb);
    if (bug)
        planted2(t, i, op, va, t->val[i], &daa, &dab, &dbb);
    double ta = a >= lo ? tan[a - lo] : 0.0, tb = (two && b >= lo) ? tan[b - lo] : 0.0;
    if (a >= lo) {
        adj[a - lo] += wg_sz(da, g);
        adt[a - lo] += wg_sz(da, gd) + wg_sz(wg_sz(daa, ta) + wg_sz(dab, tb), g);
    }
    if (two && b >= lo) {
        adj[b - lo] += wg_sz(db, g);
        adt[b - lo] += wg_sz(db, gd) + wg_sz(wg_sz(dab, ta) + wg_sz(dbb, tb), g);
    }
}

/* a tensor node: its first-order adjoint map on the adjoints, the same
 * map on their tangents (the kernel run with the tangent buffers in the
 * adjoints' place), then the map's own derivative along the tangents
 * applied to the adjoints (tensor.h) */
static void hvp_tensor_node(wg_tape *t, size_t i, size_t lo, double *adj, double *adt,
                            double *tadt, const unsigned char *need)
{
    if (!t->hook && wg_tensor_elementwise(t->op[i])) {
        t->adj_need = need;
        wg_ew_hvp(t, i, lo, adj, adt, tadt);        /* the three in one loop */
        t->adj_need = NULL;
        return;
    }
    t->adj_need = need;                 /* the adjoints some second-order term reads */
    wg_tensor_rev_node(t, i, lo, adj);
    t->adj_need = NULL;
    double *tadj = t->tadj;
    t->tadj = tadt;
    wg_tensor_rev_node(t, i, lo, adt);
    t->tadj = tadj;
    wg_tensor_rev2_node(t, i, lo, adj, adt, tadt);
}

/* 1 when some second partial of op is not identically 0: its term in the
 * tangent of the adjoints reads the node's adjoint.  Piecewise-linear ops
 * (relu, abs, min, max, max_reduce) have none away from their kinks. */
static int second_order_op(wg_op op)
{
    switch (op) {
    case WG_OP_ADD: case WG_OP_SUB: case WG_OP_NEG: case WG_OP_ADD_C: case WG_OP_MUL_C:
    case WG_OP_STOP_GRADIENT: case WG_OP_RELU: case WG_OP_ABS: case WG_OP_MIN: case WG_OP_MAX:
    case WG_OP_STEP: case WG_OP_SIGN: case WG_OP_SUM: case WG_OP_MEAN: case WG_OP_RESHAPE:
    case WG_OP_TRANSPOSE: case WG_OP_BROADCAST_TO: case WG_OP_SLICE: case WG_OP_CONCAT:
    case WG_OP_MAX_REDUCE: case WG_OP_ARGMAX_MASK:
        return 0;
    default:
        return wg_op_kind_of(op) != WG_KIND_LEAF && wg_op_kind_of(op) != WG_KIND_CMP;
    }
}

/* need[i - lo]: node i's first-order adjoint is read, by its own second-order
 * term or on the way to one of an operand (so that, in x @ W with x - mu
 * linear in the inputs, the adjoint of x - mu, a whole dgemm, is skipped).
 * Operands come before their nodes: one forward pass. */
static void adjoint_needs(const wg_tape *t, size_t lo, size_t hi, unsigned char *need)
{
    for (size_t i = lo; i <= hi; i++) {
        wg_op op = (wg_op)t->op[i];
        int n = second_order_op(op);
        if (!n && wg_op_kind_of(op) != WG_KIND_LEAF) {
            uint32_t a = t->arg0[i], b = t->arg1[i];
            wg_op_kind k = wg_op_kind_of(op);
            n = a >= lo && need[a - lo];
            if ((k == WG_KIND_BINARY || k == WG_KIND_CMP || k == WG_KIND_TBINARY) && b != WG_NONE
                && b >= lo)
                n |= need[b - lo];
        }
        need[i - lo] = (unsigned char)n;
    }
}

WG_KERNEL void reverse2(wg_tape *t, size_t lo, size_t hi, double *adj, double *adt,
                        const double *tan, int tensors, int bug, const unsigned char *need)
{
    for (size_t i = hi + 1; i-- > lo;) {
        if (tensors && t->tref[i]) {
            hvp_tensor_node(t, i, lo, adj, adt, t->tadt, need);
            continue;
        }
        switch ((wg_op)t->op[i]) {
#define H2_LEAF(OP)
#define H2_CMP(OP)
#define H2_TUNARY(OP)
#define H2_TBINARY(OP)
#define H2_CUSTOM(OP)                   /* refused before the sweep */
#define H2_UNARY(OP)  hvp_node(OP, 0, bug, t, i, lo, adj, adt, tan)
#define H2_CONST(OP)  H2_UNARY(OP)
#define H2_INT(OP)    H2_UNARY(OP)
#define H2_BINARY(OP) hvp_node(OP, 1, bug, t, i, lo, adj, adt, tan)
#define WG_X_H2(E, name, kind) case WG_OP_##E: H2_##kind(WG_OP_##E); break;
            WG_OP_LIST(WG_X_H2)
#undef WG_X_H2
        case WG_OP_COUNT:
            break;
        }
    }
}

int wg_sweep_hvp(wg_tape *t, size_t lo, size_t hi, uint32_t yi, double *adt)
{
    /* tangents along v: seeded by the caller in t->tan and t->ttan (k = 1) */
    wg_sweep_forward(t, lo, hi + 1, 1);
    if (wg_prepare_adjoints(t, lo, hi) != WG_OK)
        return WG_ENOMEM;
    memset(adt, 0, (hi - lo + 1) * sizeof *adt);
    size_t nt = t->tadj_hi - t->tadj_lo;
    if (wg_scratch(t, &t->tadt, &t->tadt_cap, nt ? nt : 1) != WG_OK)
        return WG_ENOMEM;
    if (nt)
        memset(t->tadt, 0, nt * sizeof *t->tadt);
    int tensors = wg_range_has_tensors(t, lo, hi + 1);
    int bug = t->hook && t->test_flags;     /* test-only: a planted second partial */
    unsigned char *need = NULL;
    if (tensors) {
        if (!(need = wg_mem_realloc(t, NULL, hi - lo + 1)))
            return WG_ENOMEM;
        adjoint_needs(t, lo, hi, need);
    }
    double *adj = t->adj;
    const double *tan = t->tan;
    double *seed = wg_adj_at(t, yi, lo, adj);      /* y: one element */
    if (seed)
        *seed = 1.0;
    /* the plain scalar sweep instantiated apart, with no per-node test of
     * tensors or planted bugs (the branches fold away) */
    if (tensors || bug)
        reverse2(t, lo, hi, adj, adt, tan, tensors, bug, need);
    else
        reverse2(t, lo, hi, adj, adt, tan, 0, 0, NULL);
    wg_mem_free(t, need);
    return WG_OK;
}
