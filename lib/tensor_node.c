/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tensor_node.c -- a tensor node's kernels by its op (the sweeps, replay
 * and recording call these), and the inspection API of tensor nodes. */
#include "op_kernels.h"
#include "tensor.h"

#include <math.h>
#include <string.h>

static int elementwise(uint8_t op)
{
    wg_op_kind k = wg_kind(op);
    return k == WG_KIND_UNARY || k == WG_KIND_BINARY || k == WG_KIND_CONST
           || k == WG_KIND_INT || k == WG_KIND_CMP || k == WG_KIND_CUSTOM;
}

void wg_tensor_value_node(wg_tape *t, size_t i, wg_tissue *issue, int cmp_check,
                          size_t *flipped)
{
    issue->status = WG_OK;
    if (flipped)
        *flipped = 0;
    if (elementwise(t->op[i])) {
        wg_ew_value(t, i, issue, cmp_check, flipped);
        return;
    }
    switch ((wg_op)t->op[i]) {
    case WG_OP_INPUT:
    case WG_OP_CONST:
        return;
    case WG_OP_MATMUL: {
        wg_matmul_value(t, i);
        const double *Y = wg_data(t, i);
        size_t n = wg_numel_at(t, i);
        for (size_t e = 0; e < n; e++)
            if (!isfinite(Y[e])) {
                issue->status = WG_ERANGE;
                issue->elem = e;
                issue->y = Y[e];
                return;
            }
        return;
    }
    default:
        wg_top_value(t, i, issue);
        return;
    }
}

void wg_tensor_fwd_node(wg_tape *t, size_t i, size_t k)
{
    if (elementwise(t->op[i]))
        wg_ew_fwd(t, i, k);
    else if (t->op[i] == WG_OP_MATMUL)
        wg_matmul_fwd(t, i, k);
    else if (wg_kind(t->op[i]) != WG_KIND_LEAF)
        wg_top_fwd(t, i, k);
}

void wg_tensor_rev_node(wg_tape *t, size_t i, size_t lo, double *adj)
{
    if (elementwise(t->op[i]))
        wg_ew_rev(t, i, lo, adj);
    else if (t->op[i] == WG_OP_MATMUL)
        wg_matmul_rev(t, i, lo, adj);
    else if (wg_kind(t->op[i]) != WG_KIND_LEAF)
        wg_top_rev(t, i, lo, adj);
}

int wg_tensor_elementwise(uint8_t op)
{
    return elementwise(op);
}

void wg_tensor_rev2_node(wg_tape *t, size_t i, size_t lo, double *adj, double *adt,
                         double *tadt)
{
    if (elementwise(t->op[i]))
        wg_ew_rev2(t, i, lo, adj, adt, tadt);
    else if (t->op[i] == WG_OP_MATMUL)
        wg_matmul_rev2(t, i, lo, adj, adt, tadt);
    else if (wg_kind(t->op[i]) != WG_KIND_LEAF)
        wg_top_rev2(t, i, lo, adj, adt, tadt);
}

int wg_tensor_partials_nonfinite(const wg_tape *t, size_t i, size_t *elem, double *arg)
{
    if (!elementwise(t->op[i]) || wg_kind(t->op[i]) == WG_KIND_CMP)
        return 0;
    wg_op op = (wg_op)t->op[i];
    wg_op_kind kind = wg_kind(t->op[i]);
    int has_b = wg_operand_b(t, i, kind) != WG_NONE;
    uint32_t a = t->arg0[i], b = has_b ? t->arg1[i] : a;
    const wg_shape_rec *s = wg_shape_at(t, i);
    ptrdiff_t sa[WG_MAX_RANK], sb[WG_MAX_RANK];
    wg_bcast_strides(wg_shape_at(t, a), s, sa);
    wg_bcast_strides(wg_shape_at(t, b), s, sb);
    const double *A = wg_data(t, a), *B = wg_data(t, b), *Y = wg_data(t, i);
    double p = wg_node_p(t, i, kind);
    int found = 0;
    WG_ITER2(s->rank, s->dim, sa, sb, e, ia, ib, {
        if (!found) {
            double da, db;
            wg_op_partials(op, A[ia], has_b ? B[ib] : 0.0, p, Y[e], &da, &db);
            if (!isfinite(da) || !isfinite(db)) {
                found = 1;
                *elem = e;
                *arg = A[ia];
            }
        }
    });
    return found;
}

/* ---------------------------------------------------------------- inspection */

int wg_shape(const wg_tape *t, wg_var v, size_t *shape)
{
    uint32_t i = t ? wg_index(t, v) : WG_NONE;
    return i == WG_NONE ? -1 : wg_node_shape(t, i, shape);
}

size_t wg_numel(const wg_tape *t, wg_var v)
{
    uint32_t i = t ? wg_index(t, v) : WG_NONE;
    return i == WG_NONE ? 0 : wg_numel_at(t, i);
}

int wg_tensor_value(const wg_tape *t, wg_var v, double *out)
{
    uint32_t i = t ? wg_index(t, v) : WG_NONE;
    if (!t)
        return WG_EINVAL;       /* no tape to hold a message: wg_errmsg(NULL) says so */
    if (i == WG_NONE || !out)
        return wg_call_fail_const(t, WG_EINVAL, "wg_tensor_value: %s", !out ? "out is NULL"
                                  : "v is not a live handle of this tape");
    memcpy(out, wg_data(t, i), wg_numel_at(t, i) * sizeof *out);
    return WG_OK;
}

int wg_node_shape(const wg_tape *t, size_t i, size_t *shape)
{
    if (!t || i >= t->n)
        return -1;
    const wg_shape_rec *s = wg_shape_at(t, i);
    if (shape)
        memcpy(shape, s->dim, sizeof(size_t) * (size_t)s->rank);
    return s->rank;
}

int wg_node_rank(const wg_tape *t, size_t i)
{
    return wg_node_shape(t, i, NULL);
}

size_t wg_node_numel(const wg_tape *t, size_t i)
{
    return (t && i < t->n) ? wg_numel_at(t, i) : 0;
}

const double *wg_node_values(const wg_tape *t, size_t i)
{
    return (t && i < t->n) ? wg_data(t, i) : NULL;
}

int wg_node_attrs(const wg_tape *t, size_t i, wg_tensor_attrs *at)
{
    if (!t)
        return WG_EINVAL;       /* no tape to hold a message: wg_errmsg(NULL) says so */
    if (i >= t->n || !at)
        return wg_call_fail_const(t, WG_EINVAL, "wg_node_attrs: %s", !at ? "attrs is NULL"
                                  : "no such node");
    wg_op_kind kind = wg_kind(t->op[i]);
    if (kind != WG_KIND_TUNARY && kind != WG_KIND_TBINARY)
        return wg_call_fail_const(t, WG_EINVAL, "wg_node_attrs: node %zu (%s) is not a "
                                  "tensor op", i, wg_op_name((wg_op)t->op[i]));
    const wg_tnode *r = wg_tnode_of(t, i);
    const wg_shape_rec *s = &t->shapes[r->shape];
    memset(at, 0, sizeof *at);
    switch ((wg_op)t->op[i]) {
    case WG_OP_SUM:
    case WG_OP_MEAN:
        at->axes = r->attr & 0xffu;
        at->keepdims = (r->attr & WG_ATTR_KEEPDIMS) != 0;
        break;
    case WG_OP_MAX_REDUCE:
    case WG_OP_LOGSUMEXP:
        at->keepdims = (r->attr & WG_ATTR_KEEPDIMS) != 0;
        /* fall through */
    case WG_OP_LOGSOFTMAX:
    case WG_OP_SOFTMAX:
    case WG_OP_ARGMAX_MASK:
    case WG_OP_CONCAT:
        at->axis = wg_attr_axis(r->attr);
        break;
    case WG_OP_SLICE:
        at->axis = wg_attr_axis(r->attr);
        at->start = (size_t)r->aux;
        at->stop = at->start + s->dim[at->axis];
        break;
    case WG_OP_TRANSPOSE:
        for (int d = 0; d < s->rank; d++)
            at->perm[d] = wg_attr_perm(r->attr, d);
        break;
    default:
        break;
    }
    at->rank = s->rank;
    memcpy(at->shape, s->dim, sizeof(size_t) * (size_t)s->rank);
    return WG_OK;
}

double wg_node_tangent_at(const wg_tape *t, size_t i, size_t e)
{
    if (!t || t->tan_k == 0 || i < t->tan_lo || i >= t->tan_n || e >= wg_numel_at(t, i))
        return NAN;
    return wg_tan_at(t, i, 0)[e];
}

double wg_node_adjoint_at(const wg_tape *t, size_t i, size_t e)
{
    if (!t || i < t->adj_lo || i >= t->adj_n || e >= wg_numel_at(t, i))
        return NAN;
    return wg_adj_at(t, i, t->adj_lo, t->adj)[e];
}
