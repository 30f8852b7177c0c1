/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tensor_record.c -- recording tensor nodes: inputs and constants, the
 * scalar ops applied elementwise, and every tensor row of the op table.
 *
 * Each call checks its handles and shapes, then reserves everything the
 * node needs (its slot, its record, its arena space) before writing any of
 * it, so that a failure appends nothing ("nothing half-recorded"); then it
 * computes the values and checks domains, as a scalar op does: a value
 * outside the domain is recorded and fails the tape with WG_EDOM. */
#include "custom.h"
#include "tensor.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const wg_var no_var = { 0 };

static int live(const wg_tape *t)
{
    return t && t->status == WG_OK;
}

/* the operand k of a new node, or WG_NONE after failing the tape */
static uint32_t operand(wg_tape *t, wg_op op, int k, wg_var v)
{
    uint32_t i = wg_index(t, v);
    if (i == WG_NONE)
        wg_bad_handle(t, op, k, v);
    return i;
}

/* "2x3" for a shape given as rank and sizes */
static const char *dims_text(int rank, const size_t *dim, char *buf, size_t len)
{
    wg_shape_rec r = { 0 };
    r.rank = rank;
    if (rank > 0)
        memcpy(r.dim, dim, sizeof(size_t) * (size_t)rank);
    return wg_shape_text(&r, buf, len);
}

static const char *shape_str(const wg_tape *t, uint32_t i, char *buf, size_t len)
{
    return wg_shape_text(wg_shape_at(t, i), buf, len);
}

static void shape_fail1(wg_tape *t, wg_op op, uint32_t a, const char *why)
{
    char sa[96];
    wg_fail(t, WG_ESHAPE, 0, "node %zu (%s): operand of shape %s: %s", t->n, wg_op_name(op),
            shape_str(t, a, sa, sizeof sa), why);
}

/* the axis in [0, rank), or -1 after failing the tape */
static int norm_axis(wg_tape *t, wg_op op, uint32_t a, int axis, int rank)
{
    int ax = axis < 0 ? axis + rank : axis;
    if (ax < 0 || ax >= rank) {
        char why[64];
        snprintf(why, sizeof why, "axis %d is out of range", axis);
        shape_fail1(t, op, a, why);
        return -1;
    }
    return ax;
}

static int grow_to(wg_tape *t, void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return WG_OK;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2 / size)
            return WG_ELIMIT;
        c *= 2;
    }
    void *p = wg_mem_realloc(t, *arr, c * size);
    if (!p)
        return WG_ENOMEM;
    *arr = p;
    *cap = c;
    return WG_OK;
}

/* whether node i may depend on an input (see WG_TN_ACTIVE) */
static int active(const wg_tape *t, uint32_t i)
{
    const wg_tnode *r = wg_tnode_of(t, i);
    return r ? (r->flags & WG_TN_ACTIVE) != 0 : 1;
}

/* Append tensor node (op, a, b) of the given result shape; its values are
 * not computed yet.  The node index, or WG_NONE after failing the tape. */
static uint32_t push_tensor_named(wg_tape *t, wg_op op, const char *name, uint32_t a,
                                  uint32_t b, int rank, const size_t *dim, uint32_t attr,
                                  uint64_t aux)
{
    uint32_t sid;
    int s = wg_shape_intern(t, rank, dim, &sid);
    size_t numel = s == WG_OK ? t->shapes[sid].numel : 0;
    if (s == WG_OK && t->n == t->cap)
        s = wg_tape_reserve_slow(t);
    if (s == WG_OK && t->n >= WG_MAX_NODES)
        s = WG_ELIMIT;
    if (s == WG_OK)
        s = grow_to(t, (void **)&t->tn, &t->tn_cap, t->ntn + 1, sizeof *t->tn);
    if (s == WG_OK && sid != 0) {
        if (t->arena_n > SIZE_MAX / sizeof(double) - numel)
            s = WG_ELIMIT;
        else
            /* at least one double, so that the arena is never NULL: a
             * 0-element node's data pointer is then arena + off, a valid
             * pointer, not arithmetic on NULL */
            s = grow_to(t, (void **)&t->arena, &t->arena_cap, t->arena_n + (numel ? numel : 1),
                        sizeof(double));
    }
    if (s != WG_OK) {
        char buf[WG_MAX_RANK * 21 + 8] = "";
        if (s == WG_ELIMIT)
            dims_text(rank, dim, buf, sizeof buf);
        wg_fail(t, s, 0, "node %zu (%s): %s%s%s", t->n, name,
                s == WG_ENOMEM ? "out of memory growing the tape"
                               : "size limit: a result of shape ",
                buf, s == WG_ELIMIT ? " is larger than WG_MAX_ELEMENTS or the address space"
                                    : "");
        return WG_NONE;
    }
    size_t i = t->n++;
    t->op[i] = (uint8_t)op;
    t->arg0[i] = a;
    t->arg1[i] = b;
    t->val[i] = 0;
    wg_tnode *r = &t->tn[t->ntn];
    r->off = t->arena_n;
    r->aux = aux;
    r->node = (uint32_t)i;
    r->shape = sid;
    r->attr = attr;
    r->flags = 0;
    if (op == WG_OP_INPUT || (a != WG_NONE && active(t, a))
        || (b != WG_NONE && wg_kind((uint8_t)op) != WG_KIND_CONST
            && wg_kind((uint8_t)op) != WG_KIND_INT && active(t, b)))
        r->flags |= WG_TN_ACTIVE;
    t->tref[i] = (uint32_t)++t->ntn;
    if (sid != 0)
        t->arena_n += numel;
    return (uint32_t)i;
}

static uint32_t push_tensor(wg_tape *t, wg_op op, uint32_t a, uint32_t b, int rank,
                            const size_t *dim, uint32_t attr, uint64_t aux)
{
    return push_tensor_named(t, op, wg_op_name(op), a, b, rank, dim, attr, aux);
}

/* values of a new node, then its domain: the tape fails naming the element */
static wg_var finish(wg_tape *t, uint32_t i)
{
    wg_tissue is;
    wg_tensor_value_node(t, i, &is, 0, NULL);
    if (is.status != WG_OK) {
        char args[128] = "";
        wg_op op = (wg_op)t->op[i];
        if (is.why && wg_kind(t->op[i]) != WG_KIND_TUNARY)
            wg_format_args(op, is.a, is.b, is.p, args, sizeof args);
        if (is.status == WG_EDOM)
            wg_fail(t, WG_EDOM, 0, "node %zu (%s): element %zu: %s%s%s", (size_t)i,
                    wg_node_op_name(t, i), is.elem, args, args[0] ? ": " : "", is.why);
        else
            wg_fail(t, WG_ERANGE, 0, "node %zu (%s): element %zu: result %g is not finite",
                    (size_t)i, wg_node_op_name(t, i), is.elem, is.y);
    }
    return wg_handle(t, i);
}

/* ---------------------------------------------------------------- leaves */

static wg_var tensor_leaf(wg_tape *t, wg_op op, int rank, const size_t *shape,
                          const double *data)
{
    if (!live(t))
        return no_var;
    if (rank < 0 || rank > WG_MAX_RANK || (rank && !shape)) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (%s): rank %d (must be 0 .. %d, with a shape)",
                t->n, wg_op_name(op), rank, WG_MAX_RANK);
        return no_var;
    }
    size_t numel = 1;
    for (int d = 0; d < rank; d++)
        numel = (shape[d] && numel > WG_MAX_ELEMENTS / shape[d]) ? WG_MAX_ELEMENTS + 1
                                                                   : numel * shape[d];
    if (numel && !data) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (%s): data is NULL", t->n, wg_op_name(op));
        return no_var;
    }
    if (rank == 0)
        return op == WG_OP_INPUT ? wg_input(t, data[0]) : wg_const(t, data[0]);
    for (size_t e = 0; e < numel && numel <= WG_MAX_ELEMENTS; e++)
        if (!isfinite(data[e])) {
            wg_fail(t, WG_EINVAL, 0, "node %zu (%s): element %zu = %g is not finite", t->n,
                    wg_op_name(op), e, data[e]);
            return no_var;
        }
    uint32_t i = push_tensor(t, op, WG_NONE, WG_NONE, rank, shape, 0, 0);
    if (i == WG_NONE)
        return no_var;
    if (numel)
        memcpy(wg_data(t, i), data, numel * sizeof *data);
    return wg_handle(t, i);
}

wg_var wg_tensor_input(wg_tape *t, int rank, const size_t *shape, const double *data)
{
    return tensor_leaf(t, WG_OP_INPUT, rank, shape, data);
}

wg_var wg_tensor_const(wg_tape *t, int rank, const size_t *shape, const double *data)
{
    return tensor_leaf(t, WG_OP_CONST, rank, shape, data);
}

/* ---------------------------------------------------------------- elementwise */

wg_var wg_record_ew(wg_tape *t, wg_op op, uint32_t a, uint32_t b, double c)
{
    wg_op_kind kind = wg_kind((uint8_t)op);
    /* a custom op: c is its op id, kept in t->cid; b is WG_NONE for one of
     * one operand */
    int custom = kind == WG_KIND_CUSTOM;
    const char *name = custom ? wg_custom_name((int)c) : wg_op_name(op);
    int has_b = kind == WG_KIND_BINARY || kind == WG_KIND_CMP || (custom && b != WG_NONE);
    const wg_shape_rec *sa = wg_shape_at(t, a);
    int rank = sa->rank;
    size_t dim[WG_MAX_RANK];
    memcpy(dim, sa->dim, sizeof dim);
    if (has_b && !wg_broadcast_shape(sa, wg_shape_at(t, b), &rank, dim)) {
        char x[96], y[96];
        wg_fail(t, WG_ESHAPE, 0, "node %zu (%s): shapes %s and %s do not broadcast", t->n,
                name, shape_str(t, a, x, sizeof x), shape_str(t, b, y, sizeof y));
        return no_var;
    }
    uint32_t pb = WG_NONE;
    if (kind == WG_KIND_CONST || kind == WG_KIND_INT) {
        if (wg_tape_reserve_param(t) != WG_OK) {
            wg_fail(t, WG_ENOMEM, 0, "node %zu (%s): out of memory growing the constant table",
                    t->n, name);
            return no_var;
        }
        pb = (uint32_t)t->nparam;
    }
    if (custom) {                       /* the id's slot, before anything is written */
        int s = t->n == t->cap ? wg_tape_reserve_slow(t) : WG_OK;
        if (s == WG_OK)
            s = wg_custom_ids_reserve(t);
        if (s != WG_OK) {
            wg_fail(t, s, 0, "node %zu (%s): %s", t->n, name,
                    s == WG_ELIMIT ? "the tape holds WG_MAX_NODES nodes already"
                                   : "out of memory growing the tape");
            return no_var;
        }
    }
    uint32_t i = push_tensor_named(t, op, name, a, has_b ? b : pb, rank, dim, 0, 0);
    if (i == WG_NONE)
        return no_var;
    if (pb != WG_NONE)
        t->param[t->nparam++] = c;
    if (custom)
        t->cid[i] = (uint32_t)c;
    return finish(t, i);
}

/* ---------------------------------------------------------------- tensor ops */

wg_var wg_matmul(wg_tape *t, wg_var av, wg_var bv)
{
    if (!live(t))
        return no_var;
    uint32_t a = operand(t, WG_OP_MATMUL, 0, av), b = a == WG_NONE ? WG_NONE
                                                     : operand(t, WG_OP_MATMUL, 1, bv);
    if (b == WG_NONE)
        return no_var;
    int rank;
    size_t dim[WG_MAX_RANK];
    if (!wg_matmul_shape(wg_shape_at(t, a), wg_shape_at(t, b), &rank, dim)) {
        char x[96], y[96];
        wg_fail(t, WG_ESHAPE, 0, "node %zu (matmul): shapes %s and %s do not fit", t->n,
                shape_str(t, a, x, sizeof x), shape_str(t, b, y, sizeof y));
        return no_var;
    }
    uint32_t i = push_tensor(t, WG_OP_MATMUL, a, b, rank, dim, 0, 0);
    return i == WG_NONE ? no_var : finish(t, i);
}

/* the result shape of a reduction over mask */
static int reduced_shape(const wg_shape_rec *s, unsigned mask, int keep, size_t *dim)
{
    int r = 0;
    for (int d = 0; d < s->rank; d++) {
        if ((mask >> d) & 1u) {
            if (keep)
                dim[r++] = 1;
        } else
            dim[r++] = s->dim[d];
    }
    return r;
}

static wg_var reduce(wg_tape *t, wg_op op, wg_var av, int naxes, const int *axes, int keepdims)
{
    if (!live(t))
        return no_var;
    uint32_t a = operand(t, op, 0, av);
    if (a == WG_NONE)
        return no_var;
    const wg_shape_rec *s = wg_shape_at(t, a);
    unsigned mask = 0;
    if (naxes < 0 || (naxes > 0 && !axes)) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (%s): %d axes%s", t->n, wg_op_name(op), naxes,
                naxes > 0 ? " but axes is NULL" : "");
        return no_var;
    }
    if (naxes == 0)
        mask = (1u << s->rank) - 1u;
    for (int k = 0; k < naxes; k++) {
        int ax = norm_axis(t, op, a, axes[k], s->rank);
        if (ax < 0)
            return no_var;
        if ((mask >> ax) & 1u) {
            char why[64];
            snprintf(why, sizeof why, "axis %d is named twice", axes[k]);
            shape_fail1(t, op, a, why);
            return no_var;
        }
        mask |= 1u << ax;
    }
    size_t dim[WG_MAX_RANK];
    int rank = reduced_shape(s, mask, keepdims != 0, dim);
    uint32_t i = push_tensor(t, op, a, WG_NONE, rank, dim,
                             mask | (keepdims ? WG_ATTR_KEEPDIMS : 0u), 0);
    return i == WG_NONE ? no_var : finish(t, i);
}

wg_var wg_sum(wg_tape *t, wg_var a, int naxes, const int *axes, int keepdims)
{
    return reduce(t, WG_OP_SUM, a, naxes, axes, keepdims);
}

wg_var wg_mean(wg_tape *t, wg_var a, int naxes, const int *axes, int keepdims)
{
    return reduce(t, WG_OP_MEAN, a, naxes, axes, keepdims);
}

/* the operand of an op along one axis (rank >= 1) and the axis in [0,
 * rank); WG_NONE after failing the tape */
static uint32_t axis_operand(wg_tape *t, wg_op op, wg_var av, int axis, int *ax)
{
    if (!live(t))
        return WG_NONE;
    uint32_t a = operand(t, op, 0, av);
    if (a == WG_NONE)
        return WG_NONE;
    int rank = wg_shape_at(t, a)->rank;
    if (rank == 0) {
        shape_fail1(t, op, a, "needs an operand of rank >= 1");
        return WG_NONE;
    }
    *ax = norm_axis(t, op, a, axis, rank);
    return *ax < 0 ? WG_NONE : a;
}

/* max_reduce, logsumexp (reducing), logsoftmax, softmax, argmax_mask (same
 * shape) */
static wg_var along(wg_tape *t, wg_op op, wg_var av, int axis, int keepdims)
{
    int ax;
    uint32_t a = axis_operand(t, op, av, axis, &ax);
    if (a == WG_NONE)
        return no_var;
    const wg_shape_rec *s = wg_shape_at(t, a);
    size_t dim[WG_MAX_RANK];
    int reducing = op == WG_OP_MAX_REDUCE || op == WG_OP_LOGSUMEXP;
    int rank = reducing ? reduced_shape(s, 1u << ax, keepdims != 0, dim) : s->rank;
    if (!reducing)
        memcpy(dim, s->dim, sizeof dim);
    uint32_t attr = (1u << ax) | ((reducing && keepdims) ? WG_ATTR_KEEPDIMS : 0u);
    uint32_t i = push_tensor(t, op, a, WG_NONE, rank, dim, attr, 0);
    return i == WG_NONE ? no_var : finish(t, i);
}

wg_var wg_max_reduce(wg_tape *t, wg_var a, int axis, int keepdims)
{
    return along(t, WG_OP_MAX_REDUCE, a, axis, keepdims);
}

wg_var wg_logsumexp(wg_tape *t, wg_var a, int axis, int keepdims)
{
    return along(t, WG_OP_LOGSUMEXP, a, axis, keepdims);
}

wg_var wg_logsoftmax(wg_tape *t, wg_var a, int axis)
{
    return along(t, WG_OP_LOGSOFTMAX, a, axis, 0);
}

wg_var wg_softmax(wg_tape *t, wg_var a, int axis)
{
    return along(t, WG_OP_SOFTMAX, a, axis, 0);
}

wg_var wg_argmax_mask(wg_tape *t, wg_var a, int axis)
{
    return along(t, WG_OP_ARGMAX_MASK, a, axis, 0);
}

static int check_shape_arg(wg_tape *t, wg_op op, int rank, const size_t *shape)
{
    if (rank < 0 || rank > WG_MAX_RANK || (rank && !shape)) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (%s): rank %d (must be 0 .. %d, with a shape)", t->n,
                wg_op_name(op), rank, WG_MAX_RANK);
        return 0;
    }
    return 1;
}

static size_t numel_of(int rank, const size_t *dim, int *over)
{
    size_t n = 1;
    *over = 0;
    for (int d = 0; d < rank; d++) {
        if (dim[d] && n > WG_MAX_ELEMENTS / dim[d])
            *over = 1;
        n = *over ? 0 : n * dim[d];
    }
    return n;
}

wg_var wg_reshape(wg_tape *t, wg_var av, int rank, const size_t *shape)
{
    if (!live(t))
        return no_var;
    uint32_t a = operand(t, WG_OP_RESHAPE, 0, av);
    if (a == WG_NONE || !check_shape_arg(t, WG_OP_RESHAPE, rank, shape))
        return no_var;
    int over;
    size_t n = numel_of(rank, shape, &over);
    if (over || n != wg_numel_at(t, a)) {
        char x[96], y[WG_MAX_RANK * 21 + 8];
        wg_fail(t, WG_ESHAPE, 0, "node %zu (reshape): shape %s cannot become %s (element "
                "counts differ)", t->n, shape_str(t, a, x, sizeof x),
                dims_text(rank, shape, y, sizeof y));
        return no_var;
    }
    uint32_t i = push_tensor(t, WG_OP_RESHAPE, a, WG_NONE, rank, shape, 0, 0);
    return i == WG_NONE ? no_var : finish(t, i);
}

wg_var wg_transpose(wg_tape *t, wg_var av, const int *perm)
{
    if (!live(t))
        return no_var;
    uint32_t a = operand(t, WG_OP_TRANSPOSE, 0, av);
    if (a == WG_NONE)
        return no_var;
    const wg_shape_rec *s = wg_shape_at(t, a);
    int p[WG_MAX_RANK];
    unsigned seen = 0;
    for (int d = 0; d < s->rank; d++) {
        int ax = perm ? perm[d] : s->rank - 1 - d;
        ax = norm_axis(t, WG_OP_TRANSPOSE, a, ax, s->rank);
        if (ax < 0)
            return no_var;
        if ((seen >> ax) & 1u) {
            shape_fail1(t, WG_OP_TRANSPOSE, a, "perm is not a permutation");
            return no_var;
        }
        seen |= 1u << ax;
        p[d] = ax;
    }
    size_t dim[WG_MAX_RANK];
    uint32_t attr = 0;
    for (int d = 0; d < s->rank; d++) {
        dim[d] = s->dim[p[d]];
        attr |= (uint32_t)p[d] << (3 * d);
    }
    uint32_t i = push_tensor(t, WG_OP_TRANSPOSE, a, WG_NONE, s->rank, dim, attr, 0);
    return i == WG_NONE ? no_var : finish(t, i);
}

wg_var wg_broadcast_to(wg_tape *t, wg_var av, int rank, const size_t *shape)
{
    if (!live(t))
        return no_var;
    uint32_t a = operand(t, WG_OP_BROADCAST_TO, 0, av);
    if (a == WG_NONE || !check_shape_arg(t, WG_OP_BROADCAST_TO, rank, shape))
        return no_var;
    const wg_shape_rec *s = wg_shape_at(t, a);
    int ok = s->rank <= rank;
    for (int d = 0; ok && d < s->rank; d++) {
        size_t x = s->dim[d], y = shape[d + rank - s->rank];
        ok = x == y || x == 1;
    }
    if (!ok) {
        char x[96], y[WG_MAX_RANK * 21 + 8];
        wg_fail(t, WG_ESHAPE, 0, "node %zu (broadcast_to): shape %s does not broadcast to %s",
                t->n, shape_str(t, a, x, sizeof x), dims_text(rank, shape, y, sizeof y));
        return no_var;
    }
    uint32_t i = push_tensor(t, WG_OP_BROADCAST_TO, a, WG_NONE, rank, shape, 0, 0);
    return i == WG_NONE ? no_var : finish(t, i);
}

wg_var wg_slice(wg_tape *t, wg_var av, int axis, size_t start, size_t stop)
{
    int ax;
    uint32_t a = axis_operand(t, WG_OP_SLICE, av, axis, &ax);
    if (a == WG_NONE)
        return no_var;
    const wg_shape_rec *s = wg_shape_at(t, a);
    if (start > stop || stop > s->dim[ax]) {
        char why[128];
        snprintf(why, sizeof why, "range %zu:%zu does not lie in 0:%zu along axis %d", start,
                 stop, s->dim[ax], axis);
        shape_fail1(t, WG_OP_SLICE, a, why);
        return no_var;
    }
    size_t dim[WG_MAX_RANK];
    memcpy(dim, s->dim, sizeof dim);
    dim[ax] = stop - start;
    uint32_t i = push_tensor(t, WG_OP_SLICE, a, WG_NONE, s->rank, dim, 1u << ax, start);
    return i == WG_NONE ? no_var : finish(t, i);
}

static wg_var concat2(wg_tape *t, wg_var av, wg_var bv, int axis)
{
    int ax;
    uint32_t a = axis_operand(t, WG_OP_CONCAT, av, axis, &ax);
    uint32_t b = a == WG_NONE ? WG_NONE : operand(t, WG_OP_CONCAT, 1, bv);
    if (b == WG_NONE)
        return no_var;
    const wg_shape_rec *sa = wg_shape_at(t, a), *sb = wg_shape_at(t, b);
    int ok = sa->rank == sb->rank;
    for (int d = 0; ok && d < sa->rank; d++)
        ok = d == ax || sa->dim[d] == sb->dim[d];
    if (!ok) {
        char x[96], y[96];
        wg_fail(t, WG_ESHAPE, 0, "node %zu (concat): shapes %s and %s do not fit along axis %d",
                t->n, shape_str(t, a, x, sizeof x), shape_str(t, b, y, sizeof y), axis);
        return no_var;
    }
    size_t dim[WG_MAX_RANK];
    memcpy(dim, sa->dim, sizeof dim);
    dim[ax] += sb->dim[ax];
    uint32_t i = push_tensor(t, WG_OP_CONCAT, a, b, sa->rank, dim, 1u << ax, 0);
    return i == WG_NONE ? no_var : finish(t, i);
}

/* a balanced tree of binary concats: each element is copied log2(n) times,
 * where a chain would copy the first part n - 1 times */
static wg_var concat_tree(wg_tape *t, size_t n, const wg_var *parts, int axis)
{
    if (n == 1)
        return parts[0];
    wg_var l = concat_tree(t, n / 2, parts, axis);
    wg_var r = concat_tree(t, n - n / 2, parts + n / 2, axis);
    return concat2(t, l, r, axis);
}

wg_var wg_concat(wg_tape *t, size_t n, const wg_var *parts, int axis)
{
    if (!live(t))
        return no_var;
    if (n == 0 || !parts) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (concat): no parts", t->n);
        return no_var;
    }
    if (n == 1) {                /* the part itself, checked like an operand */
        int ax;
        return axis_operand(t, WG_OP_CONCAT, parts[0], axis, &ax) == WG_NONE ? no_var : parts[0];
    }
    return concat_tree(t, n, parts, axis);
}

wg_var wg_stack(wg_tape *t, size_t n, const wg_var *parts, int axis)
{
    if (!live(t))
        return no_var;
    if (n == 0 || !parts) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (stack): no parts", t->n);
        return no_var;
    }
    uint32_t a0 = operand(t, WG_OP_RESHAPE, 0, parts[0]);
    if (a0 == WG_NONE)
        return no_var;
    const wg_shape_rec s0 = *wg_shape_at(t, a0);
    if (s0.rank >= WG_MAX_RANK) {
        shape_fail1(t, WG_OP_CONCAT, a0, "stacking would exceed WG_MAX_RANK axes");
        return no_var;
    }
    int ax = axis < 0 ? axis + s0.rank + 1 : axis;
    if (ax < 0 || ax > s0.rank) {
        char why[64];
        snprintf(why, sizeof why, "axis %d is out of range for stack", axis);
        shape_fail1(t, WG_OP_CONCAT, a0, why);
        return no_var;
    }
    /* each part gains a size-1 axis at ax, then they are concatenated */
    size_t dim[WG_MAX_RANK];
    for (int d = 0, k = 0; d <= s0.rank; d++)
        dim[d] = d == ax ? 1 : s0.dim[k++];
    wg_var small[64], *parts1 = n <= 64 ? small : wg_mem_realloc(t, NULL, n * sizeof *parts1);
    if (!parts1) {
        wg_fail(t, WG_ENOMEM, 0, "node %zu (stack): out of memory for %zu parts", t->n, n);
        return no_var;
    }
    wg_var r = no_var;
    size_t k;
    for (k = 0; k < n; k++) {
        uint32_t ak = operand(t, WG_OP_RESHAPE, 0, parts[k]);
        if (ak == WG_NONE)
            break;
        if (wg_shape_id(t, ak) != wg_shape_id(t, a0)) {
            char x[96], y[96];
            wg_fail(t, WG_ESHAPE, 0, "node %zu (stack): part %zu has shape %s, part 0 %s", t->n,
                    k, shape_str(t, ak, x, sizeof x), shape_str(t, a0, y, sizeof y));
            break;
        }
        parts1[k] = wg_reshape(t, parts[k], s0.rank + 1, dim);
        if (!parts1[k].id)
            break;
    }
    if (k == n)
        r = concat_tree(t, n, parts1, ax);
    if (parts1 != small)
        wg_mem_free(t, parts1);
    return r;
}

wg_var wg_apply_tensor(wg_tape *t, wg_op op, wg_var a, wg_var b, const wg_tensor_attrs *at)
{
    if (!live(t))
        return no_var;
    if (!at && op != WG_OP_MATMUL) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (%s): attributes are NULL", t->n,
                wg_op_name(op) ? wg_op_name(op) : "?");
        return no_var;
    }
    int axes[WG_MAX_RANK], na = 0;
    switch (op) {
    case WG_OP_MATMUL:       return wg_matmul(t, a, b);
    case WG_OP_CONCAT:       return concat2(t, a, b, at->axis);
    case WG_OP_SUM:
    case WG_OP_MEAN:
        for (int d = 0; d < WG_MAX_RANK; d++)
            if ((at->axes >> d) & 1u)
                axes[na++] = d;
        if (at->axes >> WG_MAX_RANK) {
            wg_fail(t, WG_EINVAL, 0, "node %zu (%s): axes mask 0x%x names an axis >= %d", t->n,
                    wg_op_name(op), at->axes, WG_MAX_RANK);
            return no_var;
        }
        /* an empty mask reduces nothing (naxes 0 would mean every axis) */
        if (na == 0) {
            if (!live(t))
                return no_var;
            uint32_t ai = operand(t, op, 0, a);
            if (ai == WG_NONE)
                return no_var;
            const wg_shape_rec *s = wg_shape_at(t, ai);
            uint32_t i = push_tensor(t, op, ai, WG_NONE, s->rank, s->dim, 0u, 0);
            return i == WG_NONE ? no_var : finish(t, i);
        }
        return reduce(t, op, a, na, axes, at->keepdims);
    case WG_OP_MAX_REDUCE:   return wg_max_reduce(t, a, at->axis, at->keepdims);
    case WG_OP_LOGSUMEXP:    return wg_logsumexp(t, a, at->axis, at->keepdims);
    case WG_OP_LOGSOFTMAX:   return wg_logsoftmax(t, a, at->axis);
    case WG_OP_SOFTMAX:      return wg_softmax(t, a, at->axis);
    case WG_OP_ARGMAX_MASK:  return wg_argmax_mask(t, a, at->axis);
    case WG_OP_RESHAPE:      return wg_reshape(t, a, at->rank, at->shape);
    case WG_OP_TRANSPOSE:    return wg_transpose(t, a, at->perm);
    case WG_OP_BROADCAST_TO: return wg_broadcast_to(t, a, at->rank, at->shape);
    case WG_OP_SLICE:        return wg_slice(t, a, at->axis, at->start, at->stop);
    default:
        break;
    }
    wg_fail(t, WG_EINVAL, 0, "node %zu: op %s is not a tensor op", t->n,
            wg_op_name(op) ? wg_op_name(op) : "?");
    return no_var;
}
