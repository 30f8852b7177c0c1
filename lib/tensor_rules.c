/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tensor_rules.c -- the derivative rules of the tensor rows, recorded as
 * tensor ops: matmul's adjoint is two matmuls with a transpose, sum's is a
 * broadcast, broadcast's is a sum, logsoftmax's is g - softmax(a) sum(g),
 * max_reduce's goes through argmax_mask (the first maximal element, as an
 * op, so a replay moves it with the values).  Each is the recorded form of
 * the double rule in tensor_ops.c / tensor_matmul.c, in the same order of
 * operations where the double rule is made of ops. */
#include "rules.h"
#include "tensor.h"

#include <string.h>

static const wg_var none = { 0 };

static int shape_of(const wg_tape *t, size_t i, size_t *dim)
{
    const wg_shape_rec *s = wg_shape_at(t, i);
    memcpy(dim, s->dim, sizeof(size_t) * WG_MAX_RANK);
    return s->rank;
}

wg_var wg_zeros_like(wg_tape *t, size_t i)
{
    size_t dim[WG_MAX_RANK];
    int r = shape_of(t, i, dim);
    wg_var z = wg_const(t, 0.0);
    return r ? wg_broadcast_to(t, z, r, dim) : z;
}

wg_var wg_unbroadcast(wg_tape *t, wg_var v, size_t target)
{
    uint32_t vi = wg_index(t, v);
    if (vi == WG_NONE)
        return none;
    if (wg_shape_id(t, vi) == wg_shape_id(t, target))
        return v;
    const wg_shape_rec *sv = wg_shape_at(t, vi), *st = wg_shape_at(t, target);
    int axes[WG_MAX_RANK], n = 0, lead = sv->rank - st->rank;
    for (int d = 0; d < sv->rank; d++)
        if (d < lead || (st->dim[d - lead] == 1 && sv->dim[d] != 1))
            axes[n++] = d;
    /* summed with keepdims, then the leading axes dropped by a reshape */
    wg_var s = n ? wg_sum(t, v, n, axes, 1) : v;
    size_t dim[WG_MAX_RANK];
    int r = shape_of(t, target, dim);
    return wg_reshape(t, s, r, dim);
}

/* the shape of node a with the axes of mask set to 1: a reduction's result
 * with keepdims */
static int keep_shape(const wg_tape *t, size_t a, unsigned mask, size_t *dim)
{
    int r = shape_of(t, a, dim);
    for (int d = 0; d < r; d++)
        if ((mask >> d) & 1u)
            dim[d] = 1;
    return r;
}

/* the last two axes swapped */
static wg_var swap_last(wg_tape *t, wg_var x)
{
    int perm[WG_MAX_RANK], r = wg_shape(t, x, NULL);
    for (int d = 0; d < r; d++)
        perm[d] = d;
    perm[r - 2] = r - 1;
    perm[r - 1] = r - 2;
    return wg_transpose(t, x, perm);
}

/* a 1-D matmul operand as a matrix: a row (left) or a column (right) */
static wg_var as_matrix(wg_tape *t, size_t i, int right)
{
    size_t dim[WG_MAX_RANK];
    int r = shape_of(t, i, dim);
    wg_var h = wg_handle(t, i);
    if (r != 1)
        return h;
    size_t m[2] = { right ? dim[0] : 1, right ? 1 : dim[0] };
    return wg_reshape(t, h, 2, m);
}

static void matmul_rev(wg_tape *t, size_t i, wg_var g, wg_var *ca, wg_var *cb)
{
    size_t a = t->arg0[i], b = t->arg1[i];
    wg_var A2 = as_matrix(t, a, 0), B2 = as_matrix(t, b, 1);
    /* the result with the axes 1-D operands dropped put back */
    size_t da[WG_MAX_RANK], db[WG_MAX_RANK], dy[WG_MAX_RANK];
    int ra = wg_shape(t, A2, da), rb = wg_shape(t, B2, db);
    int ry = shape_of(t, i, dy), r2 = 0;
    size_t d2[WG_MAX_RANK];
    int rbatch = ry - (wg_shape_at(t, a)->rank == 1 ? 0 : 1) - (wg_shape_at(t, b)->rank == 1 ? 0 : 1);
    for (int d = 0; d < rbatch; d++)
        d2[r2++] = dy[d];
    d2[r2++] = da[ra - 2];
    d2[r2++] = db[rb - 1];
    wg_var G2 = wg_reshape(t, g, r2, d2);
    /* Abar += Cbar B^T, Bbar += A^T Cbar, summed over broadcast batches */
    wg_var ga = wg_matmul(t, G2, swap_last(t, B2));
    wg_var gb = wg_matmul(t, swap_last(t, A2), G2);
    /* summed over broadcast batches to the matrix forms, then back to the
     * operands' shapes (a 1-D operand loses its added axis) */
    size_t d[WG_MAX_RANK];
    int r;
    *ca = wg_unbroadcast(t, ga, wg_index(t, A2));
    if (wg_index(t, A2) != a) {
        r = shape_of(t, a, d);
        *ca = wg_reshape(t, *ca, r, d);
    }
    *cb = wg_unbroadcast(t, gb, wg_index(t, B2));
    if (wg_index(t, B2) != b) {
        r = shape_of(t, b, d);
        *cb = wg_reshape(t, *cb, r, d);
    }
}

void wg_tensor_rule_rev(wg_tape *t, size_t i, wg_var g, wg_var *ca, wg_var *cb)
{
    *ca = *cb = none;
    const wg_tnode *r = wg_tnode_of(t, i);
    size_t a = t->arg0[i];
    wg_var A = wg_handle(t, a), Y = wg_handle(t, i);
    int ax = wg_attr_axis(r->attr);
    size_t dim[WG_MAX_RANK];
    int rank;
    switch ((wg_op)t->op[i]) {
    case WG_OP_MATMUL:
        matmul_rev(t, i, g, ca, cb);
        return;
    case WG_OP_CONCAT: {
        size_t na = wg_shape_at(t, a)->dim[ax], nb = wg_shape_at(t, t->arg1[i])->dim[ax];
        *ca = wg_slice(t, g, ax, 0, na);
        *cb = wg_slice(t, g, ax, na, na + nb);
        return;
    }
    case WG_OP_SUM:
    case WG_OP_MEAN: {                  /* a broadcast of g (over the count, for mean) */
        unsigned mask = r->attr & 0xffu;
        const wg_shape_rec *sa = wg_shape_at(t, a), *sy = &t->shapes[r->shape];
        wg_var h = g;
        if (t->op[i] == WG_OP_MEAN)
            h = wg_div(t, g, wg_const(t, sy->numel ? (double)(sa->numel / sy->numel) : 1.0));
        rank = keep_shape(t, a, mask, dim);
        h = wg_reshape(t, h, rank, dim);
        rank = shape_of(t, a, dim);
        *ca = wg_broadcast_to(t, h, rank, dim);
        return;
    }
    case WG_OP_MAX_REDUCE:              /* all of g to the first maximal element */
        rank = keep_shape(t, a, 1u << ax, dim);
        *ca = wg_mul(t, wg_argmax_mask(t, A, ax), wg_reshape(t, g, rank, dim));
        return;
    case WG_OP_LOGSUMEXP:               /* g softmax(a) */
        rank = keep_shape(t, a, 1u << ax, dim);
        *ca = wg_mul(t, wg_reshape(t, g, rank, dim), wg_softmax(t, A, ax));
        return;
    case WG_OP_LOGSOFTMAX:              /* g - softmax(a) sum(g) */
        *ca = wg_sub(t, g, wg_mul(t, wg_softmax(t, A, ax), wg_sum(t, g, 1, &ax, 1)));
        return;
    case WG_OP_SOFTMAX:                 /* y (g - sum(g y)) */
        *ca = wg_mul(t, Y, wg_sub(t, g, wg_sum(t, wg_mul(t, g, Y), 1, &ax, 1)));
        return;
    case WG_OP_RESHAPE:
        rank = shape_of(t, a, dim);
        *ca = wg_reshape(t, g, rank, dim);
        return;
    case WG_OP_TRANSPOSE: {             /* by the inverse permutation */
        int inv[WG_MAX_RANK];
        for (int d = 0; d < wg_shape_at(t, i)->rank; d++)
            inv[wg_attr_perm(r->attr, d)] = d;
        *ca = wg_transpose(t, g, inv);
        return;
    }
    case WG_OP_BROADCAST_TO:            /* summed over the stretched axes */
        *ca = wg_unbroadcast(t, g, a);
        return;
    case WG_OP_SLICE: {                 /* g in its place, zeros around it */
        const wg_shape_rec *sa = wg_shape_at(t, a);
        size_t start = (size_t)r->aux, stop = start + wg_shape_at(t, i)->dim[ax];
        wg_var parts[3];
        size_t np = 0;
        rank = shape_of(t, a, dim);
        wg_var z = wg_const(t, 0.0);
        if (start > 0) {
            dim[ax] = start;
            parts[np++] = wg_broadcast_to(t, z, rank, dim);
        }
        parts[np++] = g;
        if (stop < sa->dim[ax]) {
            dim[ax] = sa->dim[ax] - stop;
            parts[np++] = wg_broadcast_to(t, z, rank, dim);
        }
        *ca = wg_concat(t, np, parts, ax);
        return;
    }
    case WG_OP_ARGMAX_MASK:             /* piecewise constant */
        return;
    default:
        return;
    }
}

wg_var wg_tensor_rule_fwd(wg_tape *t, size_t i, wg_var ta, wg_var tb)
{
    const wg_tnode *r = wg_tnode_of(t, i);
    size_t a = t->arg0[i];
    wg_var A = wg_handle(t, a), Y = wg_handle(t, i);
    int ax = wg_attr_axis(r->attr), keep = (r->attr & WG_ATTR_KEEPDIMS) != 0;
    wg_op op = (wg_op)t->op[i];
    wg_tensor_attrs at;
    switch (op) {
    case WG_OP_MATMUL: {                /* Adot B + A Bdot */
        wg_var s = ta.id ? wg_matmul(t, ta, wg_handle(t, t->arg1[i])) : none;
        wg_var u = tb.id ? wg_matmul(t, A, tb) : none;
        return !s.id ? u : !u.id ? s : wg_add(t, s, u);
    }
    case WG_OP_CONCAT: {
        if (!ta.id && !tb.id)
            return none;
        wg_var parts[2] = { ta.id ? ta : wg_zeros_like(t, a),
                            tb.id ? tb : wg_zeros_like(t, t->arg1[i]) };
        return wg_concat(t, 2, parts, ax);
    }
    case WG_OP_SUM: case WG_OP_MEAN: case WG_OP_RESHAPE: case WG_OP_TRANSPOSE:
    case WG_OP_BROADCAST_TO: case WG_OP_SLICE:
        /* linear: the same op on the tangent */
        if (!ta.id || wg_node_attrs(t, i, &at) != WG_OK)
            return none;
        return wg_apply_tensor(t, op, ta, none, &at);
    case WG_OP_MAX_REDUCE:              /* the first maximal element's tangent */
        if (!ta.id)
            return none;
        return wg_sum(t, wg_mul(t, wg_argmax_mask(t, A, ax), ta), 1, &ax, keep);
    case WG_OP_LOGSUMEXP:               /* sum p tdot */
        if (!ta.id)
            return none;
        return wg_sum(t, wg_mul(t, wg_softmax(t, A, ax), ta), 1, &ax, keep);
    case WG_OP_LOGSOFTMAX:              /* tdot - sum p tdot */
        if (!ta.id)
            return none;
        return wg_sub(t, ta, wg_sum(t, wg_mul(t, wg_softmax(t, A, ax), ta), 1, &ax, 1));
    case WG_OP_SOFTMAX:                 /* y (tdot - sum y tdot) */
        if (!ta.id)
            return none;
        return wg_mul(t, Y, wg_sub(t, ta, wg_sum(t, wg_mul(t, Y, ta), 1, &ax, 1)));
    case WG_OP_ARGMAX_MASK:
    default:
        return none;
    }
}
