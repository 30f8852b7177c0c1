/* SPDX-License-Identifier: GPL-3.0-or-later */
/* order2_tape.c -- the tapes the second-order check records on.
 *
 * The recorded-graph methods (wg_grad_graph, then sweeps of the gradient
 * nodes) append nodes to the tape they run on, and the library has no
 * public way to remove nodes from a tape.  So the check never records on
 * the user's tape: it records the nodes up to the last handle again on a
 * tape of its own, through the public inspection API (wg_node_op,
 * wg_node_arg, wg_node_param, wg_node_attrs, wg_node_values) and the
 * generic recorders (wg_apply, wg_apply_tensor), and works there.  The
 * user's tape is only read.  The copy must hold the same values bit for
 * bit (the same kernels at the same arguments), which is checked: then
 * the derivatives taken on it are those of the user's tape.
 *
 * Blame records single ops the same way: an input per operand, holding the
 * operand's values at the point, and the op. */
#include "check_internal.h"

#include <stdio.h>
#include <string.h>

/* a leaf: an input or a constant with node i's shape and values */
static wg_var leaf(const wg_tape *t, size_t i, wg_tape *dst, int input)
{
    size_t shape[WG_MAX_RANK];
    int rank = wg_node_shape(t, i, shape);
    if (rank <= 0) {
        double v = wg_node_value(t, i);
        return input ? wg_input(dst, v) : wg_const(dst, v);
    }
    const double *data = wg_node_values(t, i);
    return input ? wg_tensor_input(dst, rank, shape, data)
                 : wg_tensor_const(dst, rank, shape, data);
}

/* node i of t on dst, its operands being a and b there */
static wg_var again(const wg_tape *t, size_t i, wg_tape *dst, wg_var a, wg_var b)
{
    wg_op op = wg_node_op(t, i);
    switch (wg_op_kind_of(op)) {
    case WG_KIND_LEAF:
        return leaf(t, i, dst, op == WG_OP_INPUT);
    case WG_KIND_TUNARY:
    case WG_KIND_TBINARY: {
        wg_tensor_attrs at;
        if (wg_node_attrs(t, i, &at) != WG_OK)
            return (wg_var){ 0 };
        return wg_apply_tensor(dst, op, a, b, &at);
    }
    case WG_KIND_CONST:
    case WG_KIND_INT:
        return wg_apply(dst, op, a, b, wg_node_param(t, i));
    case WG_KIND_CUSTOM:        /* copied; the gradient graph then refuses it by name */
        return wg_apply(dst, op, a, b, (double)wg_node_custom(t, i));
    default:
        return wg_apply(dst, op, a, b, 0.0);
    }
}

/* the values of node i of t and of handle h of dst are the same doubles */
static int same_values(const wg_tape *t, size_t i, const wg_tape *dst, wg_var h)
{
    size_t j = wg_var_index(dst, h), ne = wg_node_numel(t, i);
    if (j == (size_t)-1 || wg_node_numel(dst, j) != ne)
        return 0;
    if (wg_node_rank(t, i) == 0)
        return wg_node_value(t, i) == wg_node_value(dst, j);
    const double *a = wg_node_values(t, i), *b = wg_node_values(dst, j);
    if (!a || !b)
        return 0;
    for (size_t e = 0; e < ne; e++)
        if (!(a[e] == b[e]) && !(a[e] != a[e] && b[e] != b[e]))
            return 0;
    return 1;
}

int wg_chk_rebuild(const wg_tape *t, size_t N, wg_tape *dst, wg_var *map, char *why,
                   size_t len)
{
    wg_tape_copy_test_state(dst, t);    /* a planted bug goes along (test only) */
    for (size_t i = 0; i < N; i++) {
        size_t ia = wg_node_arg(t, i, 0), ib = wg_node_arg(t, i, 1);
        wg_var a = ia < i ? map[ia] : (wg_var){ 0 };
        wg_var b = ib < i ? map[ib] : a;        /* unary ops ignore b */
        map[i] = again(t, i, dst, a, b);
        if (wg_status(dst) != WG_OK || !wg_var_valid(dst, map[i])) {
            snprintf(why, len, "recording node %zu (%s) again failed: %s", i,
                     wg_op_name(wg_node_op(t, i)),
                     wg_status(dst) != WG_OK ? wg_errmsg(dst) : "no handle");
            return wg_status(dst) != WG_OK ? wg_status(dst) : WG_EINVAL;
        }
        if (!same_values(t, i, dst, map[i])) {
            snprintf(why, len, "node %zu (%s) recorded again has another value", i,
                     wg_op_name(wg_node_op(t, i)));
            return WG_EINVAL;
        }
    }
    return WG_OK;
}

int wg_chk_one_op(const wg_tape *t, size_t i, wg_tape *dst, wg_var in[2], size_t *nin,
                  wg_var *out)
{
    wg_op op = wg_node_op(t, i);
    wg_op_kind kind = wg_op_kind_of(op);
    *nin = 0;
    wg_tape_copy_test_state(dst, t);
    if (kind == WG_KIND_LEAF || kind == WG_KIND_CMP)
        return WG_EINVAL;
    int two = wg_node_arity(t, i) == 2;
    for (int k = 0; k < 1 + two; k++) {
        size_t q = wg_node_arg(t, i, k);
        if (q == (size_t)-1)
            return WG_EINVAL;
        in[k] = leaf(t, q, dst, 1);
    }
    *nin = (size_t)(1 + two);
    *out = again(t, i, dst, in[0], two ? in[1] : in[0]);
    if (wg_status(dst) != WG_OK || !wg_var_valid(dst, *out))
        return wg_status(dst) != WG_OK ? wg_status(dst) : WG_EINVAL;
    return WG_OK;
}
