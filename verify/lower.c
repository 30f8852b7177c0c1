/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lower.c -- a tensor tape recorded again with scalar ops, element by
 * element (lower.h says what each op becomes, and why).
 *
 * Shapes are taken from the original (wg_node_shape) and checked against
 * what NumPy's rules give for the op and its operands: a node whose shape
 * the rules do not give fails the lowering with WG_EINVAL, since then the
 * library and its reference disagree on what the op is. */
#include "lower.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct shape {
    int rank;
    size_t d[WG_MAX_RANK];
} shape;

/* the lowering in progress */
typedef struct lw {
    const wg_tape *src;
    wg_lowering *L;
    size_t cap;             /* scalar nodes planned (owner arrays' length) */
    size_t cur;             /* the original node being lowered */
} lw;

static int fail(lw *w, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(lw *w, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->L->msg, sizeof w->L->msg, fmt, ap);
    va_end(ap);
    return status;
}

static const char *name_of(const wg_tape *t, size_t i)
{
    const char *s = wg_node_op_name(t, i);     /* a custom node: its registered name */
    return s ? s : "?";
}

/* ---------------------------------------------------------------- counts */

/* a + b and a * b, saturating at SIZE_MAX: every count is compared with a
 * limit far below it, so a saturated count is refused, never wrapped */
static size_t sat_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static size_t sat_mul(size_t a, size_t b)
{
    return (a && b > SIZE_MAX / a) ? SIZE_MAX : a * b;
}

static size_t numel_of(const shape *s)
{
    size_t n = 1;
    for (int k = 0; k < s->rank; k++)
        n = sat_mul(n, s->d[k]);
    return n;
}

static int shape_eq(const shape *a, const shape *b)
{
    if (a->rank != b->rank)
        return 0;
    for (int k = 0; k < a->rank; k++)
        if (a->d[k] != b->d[k])
            return 0;
    return 1;
}

static void shape_text(const shape *s, char *buf, size_t len)
{
    if (s->rank == 0) {
        snprintf(buf, len, "scalar");
        return;
    }
    size_t at = 0;
    buf[0] = '\0';
    for (int k = 0; k < s->rank && at < len; k++)
        at += (size_t)snprintf(buf + at, len - at, k ? "x%zu" : "%zu", s->d[k]);
}

static int node_shape(const wg_tape *t, size_t i, shape *s)
{
    memset(s, 0, sizeof *s);
    s->rank = wg_node_shape(t, i, s->d);
    return s->rank >= 0 && s->rank <= WG_MAX_RANK;
}

/* row-major strides of s */
static void strides_of(const shape *s, size_t *st)
{
    size_t acc = 1;
    for (int k = s->rank; k-- > 0;) {
        st[k] = acc;
        acc *= s->d[k];
    }
}

static void unravel(size_t e, const shape *s, size_t *idx)
{
    for (int k = s->rank; k-- > 0;) {
        size_t dk = s->d[k];
        idx[k] = dk ? e % dk : 0;
        e = dk ? e / dk : 0;
    }
}

/* strides that read operand a (shape a) at the indices of shape o, NumPy's
 * broadcasting: a's axes align with o's last axes, and a size-1 axis of a
 * stretches (stride 0).  0 when a does not broadcast to o. */
static int broadcast_strides(const shape *a, const shape *o, size_t *bst)
{
    if (a->rank > o->rank)
        return 0;
    size_t st[WG_MAX_RANK];
    strides_of(a, st);
    int off = o->rank - a->rank;
    for (int k = 0; k < o->rank; k++)
        bst[k] = 0;
    for (int k = 0; k < a->rank; k++) {
        if (a->d[k] == o->d[k + off])
            bst[k + off] = a->d[k] == 1 ? 0 : st[k];
        else if (a->d[k] == 1)
            bst[k + off] = 0;
        else
            return 0;
    }
    return 1;
}

/* the broadcast of a and b (NumPy); 0 when they do not broadcast */
static int broadcast_shape(const shape *a, const shape *b, shape *o)
{
    memset(o, 0, sizeof *o);
    o->rank = a->rank > b->rank ? a->rank : b->rank;
    for (int k = 0; k < o->rank; k++) {
        int ka = k - (o->rank - a->rank), kb = k - (o->rank - b->rank);
        size_t da = ka >= 0 ? a->d[ka] : 1, db = kb >= 0 ? b->d[kb] : 1;
        if (da != db && da != 1 && db != 1)
            return 0;
        o->d[k] = da == 1 ? db : da;
    }
    return 1;
}

static size_t offset_of(const size_t *idx, const size_t *st, int rank)
{
    size_t off = 0;
    for (int k = 0; k < rank; k++)
        off += idx[k] * st[k];
    return off;
}

/* ---------------------------------------------------------------- the plan */

/* An upper bound on the scalar nodes node i lowers to, from its operands'
 * element counts: each input element of a reduction takes part in at most
 * a few steps (logsoftmax: max, sub, exp, add, sub), each output element
 * adds at most three (a constant, a division, the log). */
static size_t node_cost(const wg_tape *t, size_t i)
{
    wg_op op = wg_node_op(t, i);
    size_t out = wg_node_numel(t, i);
    size_t a = wg_node_arg(t, i, 0);
    size_t na = a == (size_t)-1 ? 0 : wg_node_numel(t, a);
    switch (wg_op_kind_of(op)) {
    case WG_KIND_TBINARY:
        if (op == WG_OP_MATMUL) {
            shape sa;
            if (!node_shape(t, a, &sa) || sa.rank == 0)
                return 0;
            return sat_mul(out, sat_add(sat_mul(2, sa.d[sa.rank - 1]), 1));
        }
        return 0;                                       /* concat: an index map */
    case WG_KIND_TUNARY:
        switch (op) {
        case WG_OP_SUM: case WG_OP_MAX_REDUCE:
            return sat_add(na, out);
        case WG_OP_MEAN:
            return sat_add(na, sat_mul(3, out));
        case WG_OP_LOGSUMEXP: case WG_OP_LOGSOFTMAX: case WG_OP_SOFTMAX:
            return sat_add(sat_mul(5, na), sat_mul(3, out));
        case WG_OP_ARGMAX_MASK:
            /* per element: a prefix and a suffix max, two differences of
             * up to three nodes, two steps, 1 - step (two), a product */
            return sat_add(sat_mul(13, na), out);
        default:
            return 0;                                   /* index maps */
        }
    default:
        return out;
    }
}

static int plan(lw *w, size_t N)
{
    wg_lowering *L = w->L;
    size_t elems = 0, nodes = 0;
    for (size_t i = 0; i < N; i++) {
        shape s;
        if (!node_shape(w->src, i, &s))
            return fail(w, WG_EINVAL, "node %zu: no shape", i);
        size_t ne = wg_node_numel(w->src, i);
        if (ne != numel_of(&s))
            return fail(w, WG_EINVAL, "node %zu (%s): %zu elements, not the product of its "
                        "shape", i, name_of(w->src, i), ne);
        elems = sat_add(elems, ne);
        nodes = sat_add(nodes, node_cost(w->src, i));
    }
    if (elems > WG_LOWER_MAX_NODES || nodes > WG_LOWER_MAX_NODES)
        return fail(w, WG_ELIMIT, "the scalar lowering of nodes 0..%zu would take %s%zu %s, "
                    "over the limit of %zu", N ? N - 1 : 0,
                    (elems == SIZE_MAX || nodes == SIZE_MAX) ? "more than " : "",
                    elems > nodes ? elems : nodes, elems > nodes ? "elements" : "nodes",
                    WG_LOWER_MAX_NODES);
    w->cap = nodes ? nodes : 1;
    L->first = malloc((N + 1) * sizeof *L->first);
    L->pos = malloc((N ? N : 1) * sizeof *L->pos);
    L->elem = malloc((elems ? elems : 1) * sizeof *L->elem);
    L->owner = malloc(w->cap * sizeof *L->owner);
    L->owner_elem = malloc(w->cap * sizeof *L->owner_elem);
    if (!L->first || !L->pos || !L->elem || !L->owner || !L->owner_elem)
        return fail(w, WG_ENOMEM, "out of memory for the scalar lowering (%zu elements, "
                    "%zu nodes)", elems, nodes);
    L->first[0] = 0;
    for (size_t i = 0; i < N; i++)
        L->first[i + 1] = L->first[i] + wg_node_numel(w->src, i);
    return WG_OK;
}

/* ---------------------------------------------------------------- recording */

static wg_var hv(const lw *w, size_t k)
{
    return wg_tape_var(w->L->t, k);
}

/* node v, just recorded for element oelem (WG_LOWER_NONE: an inner step)
 * of the node being lowered, goes into *k */
static int took(lw *w, wg_var v, size_t oelem, size_t *k)
{
    wg_tape *t = w->L->t;
    int st = wg_status(t);
    if (st != WG_OK) {
        /* the scalar tape's message names its own node: keep its reason */
        const char *why = wg_errmsg(t), *r = why ? strstr(why, "): ") : NULL;
        char at[64] = "";
        if (oelem != WG_LOWER_NONE)
            snprintf(at, sizeof at, " element %zu", oelem);
        else
            snprintf(at, sizeof at, ", an inner step");
        int pt = st == WG_EDOM || st == WG_ERANGE;
        return fail(w, pt ? st : WG_EINVAL, "node %zu (%s)%s: its scalar lowering fails: %s",
                    w->cur, name_of(w->src, w->cur), at, r ? r + 3 : why ? why : "");
    }
    size_t i = wg_var_index(t, v);
    if (i == (size_t)-1 || i >= w->cap)
        return fail(w, WG_EINVAL, "node %zu (%s): the scalar lowering outgrew its plan",
                    w->cur, name_of(w->src, w->cur));
    w->L->owner[i] = w->cur;
    w->L->owner_elem[i] = oelem;
    *k = i;
    return WG_OK;
}

#define TRY(x) do { int st_ = (x); if (st_ != WG_OK) return st_; } while (0)

static size_t *out_elems(const lw *w)
{
    return w->L->elem + w->L->first[w->cur];
}

static const size_t *in_elems(const lw *w, size_t i)
{
    return w->L->elem + w->L->first[i];
}

static int shape_mismatch(lw *w, const shape *want, const shape *got)
{
    char a[96], b[96];
    shape_text(want, a, sizeof a);
    shape_text(got, b, sizeof b);
    return fail(w, WG_EINVAL, "node %zu (%s): shape %s, where its operands give %s", w->cur,
                name_of(w->src, w->cur), b, a);
}

static int leaf(lw *w, wg_op op, const shape *o)
{
    size_t n = numel_of(o);
    const double *v = wg_node_values(w->src, w->cur);
    if (n && !v)
        return fail(w, WG_EINVAL, "node %zu (%s): no values", w->cur, name_of(w->src, w->cur));
    size_t *out = out_elems(w);
    for (size_t e = 0; e < n; e++) {
        wg_var x = op == WG_OP_INPUT ? wg_input(w->L->t, v[e]) : wg_const(w->L->t, v[e]);
        TRY(took(w, x, e, &out[e]));
    }
    return WG_OK;
}

/* UNARY, BINARY, CONST, INT, CMP: the scalar op per element, with
 * broadcasting.  A comparison whose scalar outcome is not the recorded one
 * is noted (flip_node), not failed: the check reports it. */
static int elementwise(lw *w, wg_op op, const shape *o)
{
    const wg_tape *t = w->src;
    wg_op_kind kind = wg_op_kind_of(op);
    int bin = wg_node_arity(t, w->cur) == 2;
    size_t ia = wg_node_arg(t, w->cur, 0), ib = bin ? wg_node_arg(t, w->cur, 1) : ia;
    shape sa, sb, want;
    if (!node_shape(t, ia, &sa) || !node_shape(t, ib, &sb))
        return fail(w, WG_EINVAL, "node %zu (%s): an operand has no shape", w->cur,
                    name_of(t, w->cur));
    if (!broadcast_shape(&sa, &sb, &want) || !shape_eq(&want, o))
        return shape_mismatch(w, &want, o);
    size_t bsa[WG_MAX_RANK], bsb[WG_MAX_RANK], idx[WG_MAX_RANK];
    broadcast_strides(&sa, o, bsa);
    broadcast_strides(&sb, o, bsb);
    double p = (kind == WG_KIND_CONST || kind == WG_KIND_INT) ? wg_node_param(t, w->cur)
               : kind == WG_KIND_CUSTOM ? (double)wg_node_custom(t, w->cur) : 0.0;
    const size_t *ea = in_elems(w, ia), *eb = in_elems(w, ib);
    const double *orig = kind == WG_KIND_CMP ? wg_node_values(t, w->cur) : NULL;
    size_t *out = out_elems(w), n = numel_of(o);
    for (size_t e = 0; e < n; e++) {
        unravel(e, o, idx);
        wg_var a = hv(w, ea[offset_of(idx, bsa, o->rank)]);
        wg_var b = hv(w, eb[offset_of(idx, bsb, o->rank)]);
        wg_var y = wg_apply(w->L->t, op, a, b, p);
        TRY(took(w, y, e, &out[e]));
        if (orig && w->L->flip_node == WG_LOWER_NONE && wg_value(w->L->t, y) != orig[e]) {
            w->L->flip_node = w->cur;
            w->L->flip_elem = e;
        }
    }
    return WG_OK;
}

/* (..., m, K) @ (..., K, n), a 1-D left operand a row and a 1-D right one
 * a column whose axis is dropped, batch axes broadcast (NumPy's matmul).
 * Each element: acc = a_0 b_0, then acc = acc + a_k b_k; K = 0 gives 0. */
static int matmul(lw *w, const shape *o)
{
    const wg_tape *t = w->src;
    size_t ia = wg_node_arg(t, w->cur, 0), ib = wg_node_arg(t, w->cur, 1);
    shape sa, sb;
    if (!node_shape(t, ia, &sa) || !node_shape(t, ib, &sb) || sa.rank == 0 || sb.rank == 0)
        return fail(w, WG_EINVAL, "node %zu (matmul): an operand is a scalar or has no shape",
                    w->cur);
    int a1 = sa.rank == 1, b1 = sb.rank == 1;
    size_t m = a1 ? 1 : sa.d[sa.rank - 2], K = sa.d[sa.rank - 1];
    size_t K2 = b1 ? sb.d[0] : sb.d[sb.rank - 2], n = b1 ? 1 : sb.d[sb.rank - 1];
    shape ba = { 0 }, bb = { 0 }, batch, want;
    ba.rank = a1 ? 0 : sa.rank - 2;
    bb.rank = b1 ? 0 : sb.rank - 2;
    memcpy(ba.d, sa.d, (size_t)ba.rank * sizeof ba.d[0]);
    memcpy(bb.d, sb.d, (size_t)bb.rank * sizeof bb.d[0]);
    if (K != K2 || !broadcast_shape(&ba, &bb, &batch)) {
        char x[96], y[96];
        shape_text(&sa, x, sizeof x);
        shape_text(&sb, y, sizeof y);
        return fail(w, WG_EINVAL, "node %zu (matmul): shapes %s and %s do not fit, yet it was "
                    "recorded", w->cur, x, y);
    }
    want = batch;
    if (!a1)
        want.d[want.rank++] = m;
    if (!b1)
        want.d[want.rank++] = n;
    if (want.rank > WG_MAX_RANK || !shape_eq(&want, o))
        return shape_mismatch(w, &want, o);
    /* batch strides of each operand, in units of its matrices */
    size_t bsa[WG_MAX_RANK], bsb[WG_MAX_RANK], idx[WG_MAX_RANK];
    broadcast_strides(&ba, &batch, bsa);
    broadcast_strides(&bb, &batch, bsb);
    const size_t *ea = in_elems(w, ia), *eb = in_elems(w, ib);
    size_t *out = out_elems(w), total = numel_of(o), mn = m * n;
    for (size_t e = 0; e < total; e++) {
        size_t bi = mn ? e / mn : 0, r = mn ? e % mn : 0, i = r / n, j = r % n;
        unravel(bi, &batch, idx);
        size_t pa = offset_of(idx, bsa, batch.rank) * m * K + i * K;
        size_t pb = offset_of(idx, bsb, batch.rank) * K * n + j;
        size_t acc = 0;
        if (K == 0) {
            TRY(took(w, wg_const(w->L->t, 0.0), e, &acc));
        } else {
            for (size_t k = 0; k < K; k++) {
                int last = k + 1 == K;
                size_t prod;
                wg_var p = wg_mul(w->L->t, hv(w, ea[pa + k]), hv(w, eb[pb + k * n]));
                TRY(took(w, p, last && k == 0 ? e : WG_LOWER_NONE, &prod));
                if (k == 0)
                    acc = prod;
                else
                    TRY(took(w, wg_add(w->L->t, hv(w, acc), hv(w, prod)),
                             last ? e : WG_LOWER_NONE, &acc));
            }
        }
        out[e] = acc;
    }
    return WG_OK;
}

/* ---------------------------------------------------------------- reductions */

/* the reduction of node cur: operand a, the output shape o; a row of
 * `count` input elements per output element, at in[base(e) + j * step(j)] */
typedef struct red {
    shape a, o;
    size_t count;
    int keep[WG_MAX_RANK];      /* 1: axis k of a is kept */
} red;

static int axes_shape(lw *w, red *r, unsigned axes, int keepdims)
{
    shape want = { 0 };
    r->count = 1;
    for (int k = 0; k < r->a.rank; k++) {
        r->keep[k] = !((axes >> k) & 1u);
        if (r->keep[k])
            want.d[want.rank++] = r->a.d[k];
        else {
            r->count *= r->a.d[k];
            if (keepdims)
                want.d[want.rank++] = 1;
        }
    }
    if (!shape_eq(&want, &r->o))
        return shape_mismatch(w, &want, &r->o);
    return WG_OK;
}

/* the input element indices (into the operand's element list) of output
 * element e, in ascending row-major order */
static void row_of(const red *r, size_t e, size_t *rowidx)
{
    size_t st[WG_MAX_RANK], idx[WG_MAX_RANK], kidx[WG_MAX_RANK];
    strides_of(&r->a, st);
    unravel(e, &r->o, kidx);
    /* the kept axes' indices from the output's (kept size-1 axes of
     * keepdims skipped) */
    int q = 0;
    shape red_shape = { 0 };
    size_t red_st[WG_MAX_RANK];
    size_t base = 0;
    for (int k = 0; k < r->a.rank; k++) {
        if (r->keep[k])
            base += kidx[q++] * st[k];
        else {
            if (r->o.rank == r->a.rank)
                q++;                            /* keepdims: its size-1 axis */
            red_st[red_shape.rank] = st[k];
            red_shape.d[red_shape.rank++] = r->a.d[k];
        }
    }
    for (size_t j = 0; j < r->count; j++) {
        unravel(j, &red_shape, idx);
        rowidx[j] = base + offset_of(idx, red_st, red_shape.rank);
    }
}

/* acc = x_0, then acc = acc + x_j; an empty sum is the constant 0.  The
 * last node is element e (when it is a new node). */
static int sum_chain(lw *w, const size_t *ea, const size_t *rowidx, size_t count, size_t e,
                     size_t *res)
{
    if (count == 0)
        return took(w, wg_const(w->L->t, 0.0), e, res);
    size_t acc = ea[rowidx[0]];
    for (size_t j = 1; j < count; j++)
        TRY(took(w, wg_add(w->L->t, hv(w, acc), hv(w, ea[rowidx[j]])),
                 j + 1 == count ? e : WG_LOWER_NONE, &acc));
    *res = acc;
    return WG_OK;
}

/* m = x_0, then m = max(m, x_j): at a tie max keeps its first argument,
 * the earlier element, which is where the derivative then goes */
static int max_chain(lw *w, const size_t *ea, const size_t *rowidx, size_t count, size_t e,
                     size_t *res)
{
    size_t m = ea[rowidx[0]];
    for (size_t j = 1; j < count; j++)
        TRY(took(w, wg_max(w->L->t, hv(w, m), hv(w, ea[rowidx[j]])),
                 j + 1 == count ? e : WG_LOWER_NONE, &m));
    *res = m;
    return WG_OK;
}

static int reduce_axes(lw *w, wg_op op, const wg_tensor_attrs *at, const shape *o)
{
    red r;
    size_t ia = wg_node_arg(w->src, w->cur, 0);
    if (!node_shape(w->src, ia, &r.a))
        return fail(w, WG_EINVAL, "node %zu: the operand has no shape", w->cur);
    r.o = *o;
    TRY(axes_shape(w, &r, at->axes, at->keepdims));
    if (op == WG_OP_MEAN && r.count == 0 && numel_of(o) > 0)
        return fail(w, WG_EINVAL, "node %zu (mean): a mean over no element was recorded",
                    w->cur);
    size_t *rowidx = malloc((r.count ? r.count : 1) * sizeof *rowidx);
    if (!rowidx)
        return fail(w, WG_ENOMEM, "out of memory lowering node %zu", w->cur);
    const size_t *ea = in_elems(w, ia);
    size_t *out = out_elems(w), n = numel_of(o);
    int st = WG_OK;
    for (size_t e = 0; e < n && st == WG_OK; e++) {
        row_of(&r, e, rowidx);
        if (op == WG_OP_SUM) {
            st = sum_chain(w, ea, rowidx, r.count, e, &out[e]);
        } else {
            /* the library's mean is sum / count: the same division */
            size_t s, c;
            st = sum_chain(w, ea, rowidx, r.count, WG_LOWER_NONE, &s);
            if (st == WG_OK)
                st = took(w, wg_const(w->L->t, (double)r.count), WG_LOWER_NONE, &c);
            if (st == WG_OK)
                st = took(w, wg_div(w->L->t, hv(w, s), hv(w, c)), e, &out[e]);
        }
    }
    free(rowidx);
    return st;
}

/* the operand and shape of an op along one axis; keepdims -1: the output
 * has a's shape (logsoftmax, softmax) */
static int axis_red(lw *w, const wg_tensor_attrs *at, int keepdims, const shape *o, red *r)
{
    size_t ia = wg_node_arg(w->src, w->cur, 0);
    if (!node_shape(w->src, ia, &r->a))
        return fail(w, WG_EINVAL, "node %zu: the operand has no shape", w->cur);
    int axis = at->axis < 0 ? at->axis + r->a.rank : at->axis;
    if (axis < 0 || axis >= r->a.rank)
        return fail(w, WG_EINVAL, "node %zu (%s): axis %d of a rank-%d operand", w->cur,
                    name_of(w->src, w->cur), at->axis, r->a.rank);
    if (r->a.d[axis] == 0 && numel_of(o) > 0)
        return fail(w, WG_EINVAL, "node %zu (%s): a reduction over an empty axis was recorded",
                    w->cur, name_of(w->src, w->cur));
    r->o = *o;
    if (keepdims < 0) {
        if (!shape_eq(&r->a, o))
            return shape_mismatch(w, &r->a, o);
        r->count = r->a.d[axis];
        for (int k = 0; k < r->a.rank; k++)
            r->keep[k] = k != axis;
        return WG_OK;
    }
    return axes_shape(w, r, 1u << axis, keepdims);
}

static int max_reduce(lw *w, const wg_tensor_attrs *at, const shape *o)
{
    red r;
    TRY(axis_red(w, at, at->keepdims, o, &r));
    size_t *rowidx = malloc((r.count ? r.count : 1) * sizeof *rowidx);
    if (!rowidx)
        return fail(w, WG_ENOMEM, "out of memory lowering node %zu", w->cur);
    const size_t *ea = in_elems(w, wg_node_arg(w->src, w->cur, 0));
    size_t *out = out_elems(w), n = numel_of(o);
    int st = WG_OK;
    for (size_t e = 0; e < n && st == WG_OK; e++) {
        row_of(&r, e, rowidx);
        st = max_chain(w, ea, rowidx, r.count, e, &out[e]);
    }
    free(rowidx);
    return st;
}

/* logsumexp, logsoftmax, softmax over one axis: per row, m =
 * stop_gradient(max chain), d_j = x_j - m, e_j = exp(d_j), s = sum chain of
 * e_j; then logsumexp m + log(s), logsoftmax_j d_j - log(s), softmax_j
 * e_j / s.  The value does not depend on the shift m; stop_gradient keeps
 * m's kinks (ties of the max) out of the derivative, as the library's
 * rules do. */
static int lse_family(lw *w, wg_op op, const wg_tensor_attrs *at, const shape *o)
{
    red r;
    int keep = op == WG_OP_LOGSUMEXP ? at->keepdims : -1;
    TRY(axis_red(w, at, keep, o, &r));
    wg_tape *t = w->L->t;
    const size_t *ea = in_elems(w, wg_node_arg(w->src, w->cur, 0));
    size_t *out = out_elems(w);
    shape rshape = r.a;                 /* the rows: a with the axis of size 1 */
    int axis = at->axis < 0 ? at->axis + r.a.rank : at->axis;
    rshape.d[axis] = 1;
    size_t rows = numel_of(&rshape);
    red rr = r;                         /* the rows as a keepdims reduction */
    rr.o = rshape;
    size_t *rowidx = malloc((r.count ? r.count : 1) * 3 * sizeof *rowidx);
    if (!rowidx)
        return fail(w, WG_ENOMEM, "out of memory lowering node %zu", w->cur);
    size_t *dj = rowidx + r.count, *ej = dj + r.count;
    int st = WG_OK;
    for (size_t q = 0; q < rows && st == WG_OK && r.count > 0; q++) {
        row_of(&rr, q, rowidx);
        size_t m, ms, s, l;
        st = max_chain(w, ea, rowidx, r.count, WG_LOWER_NONE, &m);
        if (st == WG_OK)
            st = took(w, wg_stop_gradient(t, hv(w, m)), WG_LOWER_NONE, &ms);
        for (size_t j = 0; j < r.count && st == WG_OK; j++) {
            st = took(w, wg_sub(t, hv(w, ea[rowidx[j]]), hv(w, ms)), WG_LOWER_NONE, &dj[j]);
            if (st == WG_OK)
                st = took(w, wg_exp(t, hv(w, dj[j])), WG_LOWER_NONE, &ej[j]);
        }
        if (st != WG_OK)
            break;
        size_t acc = ej[0];
        for (size_t j = 1; j < r.count && st == WG_OK; j++)
            st = took(w, wg_add(t, hv(w, acc), hv(w, ej[j])), WG_LOWER_NONE, &acc);
        s = acc;
        if (st != WG_OK)
            break;
        if (op == WG_OP_SOFTMAX) {
            /* the output has a's shape: element j of the row is rowidx[j] */
            for (size_t j = 0; j < r.count && st == WG_OK; j++)
                st = took(w, wg_div(t, hv(w, ej[j]), hv(w, s)), rowidx[j], &out[rowidx[j]]);
            continue;
        }
        st = took(w, wg_log(t, hv(w, s)), WG_LOWER_NONE, &l);
        if (st != WG_OK)
            break;
        if (op == WG_OP_LOGSUMEXP) {
            st = took(w, wg_add(t, hv(w, ms), hv(w, l)), q, &out[q]);
        } else {
            for (size_t j = 0; j < r.count && st == WG_OK; j++)
                st = took(w, wg_sub(t, hv(w, dj[j]), hv(w, l)), rowidx[j], &out[rowidx[j]]);
        }
    }
    free(rowidx);
    return st;
}

/* x - y, as a node whose sign is that of the exact difference: a double
 * subtraction is exact in sign (0 only at x == y, gradual underflow), but
 * overflows where x and y are huge of opposite signs; there both are
 * halved first, exactly (neither is then below 2^-1021, or the other
 * alone decides the sign).  Chosen at the lowering's values: a replay
 * near them keeps the same magnitudes. */
static int diff_node(lw *w, size_t x, size_t y, size_t *res)
{
    wg_tape *t = w->L->t;
    double vx = wg_value(t, hv(w, x)), vy = wg_value(t, hv(w, y));
    if (fabs(vx) < 0x1p1022 && fabs(vy) < 0x1p1022)
        return took(w, wg_sub(t, hv(w, x), hv(w, y)), WG_LOWER_NONE, res);
    size_t hx, hy;
    TRY(took(w, wg_mul_c(t, hv(w, x), 0.5), WG_LOWER_NONE, &hx));
    TRY(took(w, wg_mul_c(t, hv(w, y), 0.5), WG_LOWER_NONE, &hy));
    return took(w, wg_sub(t, hv(w, hx), hv(w, hy)), WG_LOWER_NONE, res);
}

/* argmax_mask along one axis: per row x_0 .. x_{n-1}, with p_j the max of
 * the elements before j and s_j that of the elements after it,
 *   mask_j = step(x_j - p_j) * (1 - step(s_j - x_j))
 * (a factor left out at either end of the row; a row of one element is
 * the constant 1): 1 where x_j is above every earlier element and not
 * below any later one, the first maximal element.  Every node is exact
 * in double (max, the sign of a difference, 0/1 products), so the value
 * is the library's wherever the operands are, and the MPFR replay
 * computes the exact mask, not a copy of the recorded one.  The step
 * partials are 0, so no derivative passes (the op's derivative is 0);
 * at a tie a step's operand is exactly 0, its kink: where the direction
 * separates the tied elements and the mask reaches the outputs, the
 * check follows the kink machinery (convention.c), nondiff, as the
 * value jumps there. */
static int argmax_mask(lw *w, const wg_tensor_attrs *at, const shape *o)
{
    red r;
    TRY(axis_red(w, at, -1, o, &r));
    wg_tape *t = w->L->t;
    const size_t *ea = in_elems(w, wg_node_arg(w->src, w->cur, 0));
    size_t *out = out_elems(w), n = r.count;
    shape rshape = r.a;                 /* the rows: a with the axis of size 1 */
    int axis = at->axis < 0 ? at->axis + r.a.rank : at->axis;
    rshape.d[axis] = 1;
    size_t rows = n ? numel_of(&rshape) : 0;
    red rr = r;
    rr.o = rshape;
    size_t *rowidx = malloc((n ? n : 1) * 4 * sizeof *rowidx);
    if (!rowidx)
        return fail(w, WG_ENOMEM, "out of memory lowering node %zu", w->cur);
    /* per row: x_j's scalar node, p_j (j >= 1) and s_j (j <= n - 2) */
    size_t *x = rowidx + n, *pre = x + n, *suf = pre + n;
    int st = WG_OK;
    for (size_t q = 0; q < rows && st == WG_OK; q++) {
        row_of(&rr, q, rowidx);
        for (size_t j = 0; j < n; j++)
            x[j] = ea[rowidx[j]];
        for (size_t j = 1; j < n && st == WG_OK; j++) {
            if (j == 1)
                pre[j] = x[0];
            else
                st = took(w, wg_max(t, hv(w, pre[j - 1]), hv(w, x[j - 1])), WG_LOWER_NONE,
                          &pre[j]);
        }
        for (size_t j = n - 1; j-- > 0 && st == WG_OK;) {
            if (j == n - 2)
                suf[j] = x[n - 1];
            else
                st = took(w, wg_max(t, hv(w, x[j + 1]), hv(w, suf[j + 1])), WG_LOWER_NONE,
                          &suf[j]);
        }
        for (size_t j = 0; j < n && st == WG_OK; j++) {
            size_t e = rowidx[j], f = WG_LOWER_NONE, g = WG_LOWER_NONE, d, k;
            int last = j + 1 == n;
            if (j > 0) {                /* above every earlier element */
                st = diff_node(w, x[j], pre[j], &d);
                if (st == WG_OK)
                    st = took(w, wg_step(t, hv(w, d)), last ? e : WG_LOWER_NONE, &f);
            }
            if (!last && st == WG_OK) { /* not below any later element */
                st = diff_node(w, suf[j], x[j], &d);
                if (st == WG_OK)
                    st = took(w, wg_step(t, hv(w, d)), WG_LOWER_NONE, &k);
                if (st == WG_OK)
                    st = took(w, wg_neg(t, hv(w, k)), WG_LOWER_NONE, &k);
                if (st == WG_OK)
                    st = took(w, wg_add_c(t, hv(w, k), 1.0), j == 0 ? e : WG_LOWER_NONE, &g);
            }
            if (st != WG_OK)
                break;
            if (f != WG_LOWER_NONE && g != WG_LOWER_NONE)
                st = took(w, wg_mul(t, hv(w, f), hv(w, g)), e, &out[e]);
            else if (f != WG_LOWER_NONE)
                out[e] = f;
            else if (g != WG_LOWER_NONE)
                out[e] = g;
            else
                st = took(w, wg_const(t, 1.0), e, &out[e]);
        }
    }
    free(rowidx);
    return st;
}

/* ---------------------------------------------------------------- index maps */

static int reshape(lw *w, const shape *o)
{
    size_t ia = wg_node_arg(w->src, w->cur, 0), n = numel_of(o);
    if (wg_node_numel(w->src, ia) != n)
        return fail(w, WG_EINVAL, "node %zu (reshape): %zu elements from %zu", w->cur, n,
                    wg_node_numel(w->src, ia));
    memcpy(out_elems(w), in_elems(w, ia), n * sizeof(size_t));
    return WG_OK;
}

static int transpose(lw *w, const wg_tensor_attrs *at, const shape *o)
{
    size_t ia = wg_node_arg(w->src, w->cur, 0);
    shape sa, want = { 0 };
    if (!node_shape(w->src, ia, &sa))
        return fail(w, WG_EINVAL, "node %zu: the operand has no shape", w->cur);
    int seen[WG_MAX_RANK] = { 0 };
    want.rank = sa.rank;
    for (int k = 0; k < sa.rank; k++) {
        int p = at->perm[k];
        if (p < 0 || p >= sa.rank || seen[p]++)
            return fail(w, WG_EINVAL, "node %zu (transpose): perm[%d] = %d is no permutation "
                        "of %d axes", w->cur, k, p, sa.rank);
        want.d[k] = sa.d[p];
    }
    if (!shape_eq(&want, o))
        return shape_mismatch(w, &want, o);
    size_t st[WG_MAX_RANK], pst[WG_MAX_RANK], idx[WG_MAX_RANK];
    strides_of(&sa, st);
    for (int k = 0; k < sa.rank; k++)
        pst[k] = st[at->perm[k]];       /* result axis k walks a's axis perm[k] */
    const size_t *ea = in_elems(w, ia);
    size_t *out = out_elems(w), n = numel_of(o);
    for (size_t e = 0; e < n; e++) {
        unravel(e, o, idx);
        out[e] = ea[offset_of(idx, pst, o->rank)];
    }
    return WG_OK;
}

static int broadcast_to(lw *w, const wg_tensor_attrs *at, const shape *o)
{
    size_t ia = wg_node_arg(w->src, w->cur, 0);
    shape sa, want = { 0 };
    if (!node_shape(w->src, ia, &sa) || at->rank < 0 || at->rank > WG_MAX_RANK)
        return fail(w, WG_EINVAL, "node %zu (broadcast_to): bad operand or rank", w->cur);
    want.rank = at->rank;
    memcpy(want.d, at->shape, (size_t)at->rank * sizeof want.d[0]);
    size_t bst[WG_MAX_RANK], idx[WG_MAX_RANK];
    if (!shape_eq(&want, o) || !broadcast_strides(&sa, o, bst))
        return shape_mismatch(w, &want, o);
    const size_t *ea = in_elems(w, ia);
    size_t *out = out_elems(w), n = numel_of(o);
    for (size_t e = 0; e < n; e++) {
        unravel(e, o, idx);
        out[e] = ea[offset_of(idx, bst, o->rank)];
    }
    return WG_OK;
}

static int slice(lw *w, const wg_tensor_attrs *at, const shape *o)
{
    size_t ia = wg_node_arg(w->src, w->cur, 0);
    shape sa;
    if (!node_shape(w->src, ia, &sa))
        return fail(w, WG_EINVAL, "node %zu: the operand has no shape", w->cur);
    int axis = at->axis < 0 ? at->axis + sa.rank : at->axis;
    if (axis < 0 || axis >= sa.rank || at->start > at->stop || at->stop > sa.d[axis])
        return fail(w, WG_EINVAL, "node %zu (slice): %zu..%zu along axis %d of a rank-%d "
                    "operand", w->cur, at->start, at->stop, at->axis, sa.rank);
    shape want = sa;
    want.d[axis] = at->stop - at->start;
    if (!shape_eq(&want, o))
        return shape_mismatch(w, &want, o);
    size_t st[WG_MAX_RANK], idx[WG_MAX_RANK];
    strides_of(&sa, st);
    const size_t *ea = in_elems(w, ia);
    size_t *out = out_elems(w), n = numel_of(o);
    for (size_t e = 0; e < n; e++) {
        unravel(e, o, idx);
        idx[axis] += at->start;
        out[e] = ea[offset_of(idx, st, o->rank)];
    }
    return WG_OK;
}

static int concat(lw *w, const wg_tensor_attrs *at, const shape *o)
{
    size_t ia = wg_node_arg(w->src, w->cur, 0), ib = wg_node_arg(w->src, w->cur, 1);
    shape sa, sb;
    if (!node_shape(w->src, ia, &sa) || !node_shape(w->src, ib, &sb))
        return fail(w, WG_EINVAL, "node %zu: an operand has no shape", w->cur);
    int axis = at->axis < 0 ? at->axis + sa.rank : at->axis;
    shape want = sa;
    int fits = sa.rank == sb.rank && axis >= 0 && axis < sa.rank;
    for (int k = 0; fits && k < sa.rank; k++)
        fits = k == axis || sa.d[k] == sb.d[k];
    if (!fits) {
        char x[96], y[96];
        shape_text(&sa, x, sizeof x);
        shape_text(&sb, y, sizeof y);
        return fail(w, WG_EINVAL, "node %zu (concat): %s and %s do not join along axis %d",
                    w->cur, x, y, at->axis);
    }
    want.d[axis] = sa.d[axis] + sb.d[axis];
    if (!shape_eq(&want, o))
        return shape_mismatch(w, &want, o);
    size_t sta[WG_MAX_RANK], stb[WG_MAX_RANK], idx[WG_MAX_RANK];
    strides_of(&sa, sta);
    strides_of(&sb, stb);
    const size_t *ea = in_elems(w, ia), *eb = in_elems(w, ib);
    size_t *out = out_elems(w), n = numel_of(o);
    for (size_t e = 0; e < n; e++) {
        unravel(e, o, idx);
        if (idx[axis] < sa.d[axis])
            out[e] = ea[offset_of(idx, sta, o->rank)];
        else {
            idx[axis] -= sa.d[axis];
            out[e] = eb[offset_of(idx, stb, o->rank)];
        }
    }
    return WG_OK;
}

/* ---------------------------------------------------------------- nodes */

static int lower_node(lw *w, size_t i)
{
    const wg_tape *t = w->src;
    wg_op op = wg_node_op(t, i);
    wg_op_kind kind = wg_op_kind_of(op);
    shape o;
    node_shape(t, i, &o);               /* checked by plan() */
    w->cur = i;
    w->L->pos[i] = wg_tape_size(w->L->t);
    for (int k = 0; k < wg_node_arity(t, i); k++)
        if (wg_node_arg(t, i, k) >= i)
            return fail(w, WG_EINVAL, "node %zu (%s): operand %d is not an earlier node", i,
                        name_of(t, i), k);
    wg_tensor_attrs at;
    if ((kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY) && op != WG_OP_MATMUL
        && wg_node_attrs(t, i, &at) != WG_OK)
        return fail(w, WG_EINVAL, "node %zu (%s): no attributes", i, name_of(t, i));
    switch (kind) {
    case WG_KIND_LEAF:
        return leaf(w, op, &o);
    case WG_KIND_UNARY: case WG_KIND_BINARY: case WG_KIND_CONST: case WG_KIND_INT:
    case WG_KIND_CMP: case WG_KIND_CUSTOM:
        return elementwise(w, op, &o);
    case WG_KIND_TBINARY:
    case WG_KIND_TUNARY:
        break;
    }
    switch (op) {
    case WG_OP_MATMUL:       return matmul(w, &o);
    case WG_OP_CONCAT:       return concat(w, &at, &o);
    case WG_OP_SUM:
    case WG_OP_MEAN:         return reduce_axes(w, op, &at, &o);
    case WG_OP_MAX_REDUCE:   return max_reduce(w, &at, &o);
    case WG_OP_LOGSUMEXP:
    case WG_OP_LOGSOFTMAX:
    case WG_OP_SOFTMAX:      return lse_family(w, op, &at, &o);
    case WG_OP_ARGMAX_MASK:  return argmax_mask(w, &at, &o);
    case WG_OP_RESHAPE:      return reshape(w, &o);
    case WG_OP_TRANSPOSE:    return transpose(w, &at, &o);
    case WG_OP_BROADCAST_TO: return broadcast_to(w, &at, &o);
    case WG_OP_SLICE:        return slice(w, &at, &o);
    default:
        break;
    }
    return fail(w, WG_EINVAL, "node %zu (%s): no scalar lowering for this op", i, name_of(t, i));
}

int wg_lower_needed(const wg_tape *t, size_t N)
{
    for (size_t i = 0; i < N; i++) {
        wg_op_kind k = wg_op_kind_of(wg_node_op(t, i));
        if (wg_node_rank(t, i) != 0 || k == WG_KIND_TUNARY || k == WG_KIND_TBINARY)
            return 1;
    }
    return 0;
}

void wg_lowering_free(wg_lowering *L)
{
    if (L->t)
        wg_tape_free(L->t);
    free(L->first);
    free(L->elem);
    free(L->pos);
    free(L->owner);
    free(L->owner_elem);
    L->t = NULL;
    L->first = L->elem = L->pos = L->owner = L->owner_elem = NULL;
    L->N = L->nscalar = 0;
}

int wg_lower(const wg_tape *t, size_t N, wg_lowering *L)
{
    memset(L, 0, sizeof *L);
    L->flip_node = L->flip_elem = WG_LOWER_NONE;
    lw w = { t, L, 0, 0 };
    if (!t || N > wg_tape_size(t)) {
        snprintf(L->msg, sizeof L->msg, "wg_lower: no tape, or fewer than %zu nodes", N);
        return WG_EINVAL;
    }
    int st = plan(&w, N);
    if (st == WG_OK && !(L->t = wg_tape_new()))
        st = fail(&w, WG_ENOMEM, "out of memory for the scalar tape");
    L->N = N;
    for (size_t i = 0; i < N && st == WG_OK; i++)
        st = lower_node(&w, i);
    if (st != WG_OK) {
        char keep[sizeof L->msg];
        memcpy(keep, L->msg, sizeof keep);
        wg_lowering_free(L);
        memcpy(L->msg, keep, sizeof keep);
        return st;
    }
    L->nscalar = wg_tape_size(L->t);
    return WG_OK;
}
