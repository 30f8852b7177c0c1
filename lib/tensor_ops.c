/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tensor_ops.c -- the tensor rows of the op table other than matmul:
 * reductions (sum, mean), the ops along one axis (max_reduce, logsumexp,
 * logsoftmax, softmax) and the layout ops (reshape, transpose,
 * broadcast_to, slice, concat): value, tangent and adjoint of each.
 *
 * The rules are whole operations, each the transpose of the other's
 * forward where that holds: the adjoint of a sum is a broadcast, of a
 * broadcast a sum, of a transpose the transpose by the inverse
 * permutation (here: the same strided map, written into instead of read
 * from), of a slice or a concat the matching pieces. */
#include "tensor.h"

#include <math.h>
#include <string.h>

/* dst[od] (+)= src[os] over every index of a shape */
static void strided_move(int rank, const size_t *dim, double *dst, const ptrdiff_t *sd,
                         const double *src, const ptrdiff_t *ss, int add)
{
    if (add)
        WG_ITER2(rank, dim, sd, ss, e, od, os, dst[od] += src[os]);
    else
        WG_ITER2(rank, dim, sd, ss, e, od, os, dst[od] = src[os]);
}

/* how node i maps its operand(s): the iteration shape and the strides of
 * the result (sy) and of the operand (sa) along it, plus offsets */
typedef struct layout {
    int rank;
    size_t dim[WG_MAX_RANK];
    ptrdiff_t sy[WG_MAX_RANK], sa[WG_MAX_RANK];
    ptrdiff_t ya, aa;           /* base offsets into the result and the operand */
    /* concat: the second operand */
    size_t dimb[WG_MAX_RANK];
    ptrdiff_t syb[WG_MAX_RANK], sb[WG_MAX_RANK];
    ptrdiff_t yb;
} layout;

static void contiguous(const wg_shape_rec *s, int *rank, size_t *dim, ptrdiff_t *st)
{
    *rank = s->rank;
    memcpy(dim, s->dim, sizeof(size_t) * (size_t)s->rank);
    wg_strides(s, st);
}

static void layout_of(const wg_tape *t, size_t i, layout *L)
{
    const wg_tnode *r = wg_tnode_of(t, i);
    const wg_shape_rec *sy = &t->shapes[r->shape], *sa = wg_shape_at(t, t->arg0[i]);
    ptrdiff_t ys[WG_MAX_RANK], as[WG_MAX_RANK];
    wg_strides(sy, ys);
    wg_strides(sa, as);
    L->ya = L->aa = L->yb = 0;
    switch ((wg_op)t->op[i]) {
    case WG_OP_RESHAPE:             /* the same elements in the same order */
        L->rank = 1;
        L->dim[0] = sy->numel;
        L->sy[0] = L->sa[0] = 1;
        break;
    case WG_OP_TRANSPOSE:           /* result axis d reads operand axis perm[d] */
        contiguous(sy, &L->rank, L->dim, L->sy);
        for (int d = 0; d < sy->rank; d++)
            L->sa[d] = as[wg_attr_perm(r->attr, d)];
        break;
    case WG_OP_BROADCAST_TO:
        contiguous(sy, &L->rank, L->dim, L->sy);
        wg_bcast_strides(sa, sy, L->sa);
        break;
    case WG_OP_SLICE: {
        int ax = wg_attr_axis(r->attr);
        contiguous(sy, &L->rank, L->dim, L->sy);
        memcpy(L->sa, as, sizeof as);
        L->aa = (ptrdiff_t)r->aux * as[ax];
        break;
    }
    case WG_OP_CONCAT: {            /* iterate over each operand, write into the result */
        int ax = wg_attr_axis(r->attr);
        const wg_shape_rec *sb = wg_shape_at(t, t->arg1[i]);
        contiguous(sa, &L->rank, L->dim, L->sa);
        memcpy(L->sy, ys, sizeof ys);
        memcpy(L->dimb, sb->dim, sizeof(size_t) * (size_t)sb->rank);
        wg_strides(sb, L->sb);
        memcpy(L->syb, ys, sizeof ys);
        L->yb = (ptrdiff_t)sa->dim[ax] * ys[ax];
        break;
    }
    default:
        L->rank = 0;
        break;
    }
}

/* sum and mean: the strides that send each operand element to its result
 * element (0 along the reduced axes), and the count of terms */
static void reduce_map(const wg_tape *t, size_t i, ptrdiff_t *st, size_t *count)
{
    const wg_tnode *r = wg_tnode_of(t, i);
    const wg_shape_rec *sy = &t->shapes[r->shape], *sa = wg_shape_at(t, t->arg0[i]);
    ptrdiff_t ys[WG_MAX_RANK];
    wg_strides(sy, ys);
    unsigned mask = r->attr & 0xffu;
    int keep = (r->attr & WG_ATTR_KEEPDIMS) != 0, j = 0;
    for (int d = 0; d < sa->rank; d++) {
        int red = (mask >> d) & 1u;
        st[d] = red ? 0 : ys[keep ? d : j];
        if (keep || !red)
            j++;
    }
    *count = sy->numel ? sa->numel / sy->numel : 0;
}

/* ops along one axis: outer x n x inner */
static void axis_split(const wg_shape_rec *s, int ax, size_t *outer, size_t *n, size_t *inner)
{
    *outer = *inner = 1;
    for (int d = 0; d < ax; d++)
        *outer *= s->dim[d];
    for (int d = ax + 1; d < s->rank; d++)
        *inner *= s->dim[d];
    *n = s->rank ? s->dim[ax] : 1;
}

/* the row (o, q) of an along-axis op: the first maximal element and, for
 * the log-sum-exp family, s = sum exp(a_j - m).  The shift by the maximum
 * keeps exp from overflowing (every exponent <= 0) and s from underflowing
 * (s >= 1), so log s is accurate. */
static size_t row_argmax(const double *A, size_t n, size_t inner)
{
    size_t best = 0;
    for (size_t j = 1; j < n; j++)
        if (A[j * inner] > A[best * inner])
            best = j;            /* strictly greater: a tie keeps the first */
    return best;
}

static double row_sumexp(const double *A, size_t n, size_t inner, double m)
{
    double s = 0;
    for (size_t j = 0; j < n; j++)
        s += exp(A[j * inner] - m);
    return s;
}

static int along_axis(wg_op op)
{
    return op == WG_OP_MAX_REDUCE || op == WG_OP_LOGSUMEXP || op == WG_OP_LOGSOFTMAX
           || op == WG_OP_SOFTMAX || op == WG_OP_ARGMAX_MASK;
}

void wg_top_value(wg_tape *t, size_t i, wg_tissue *issue)
{
    wg_op op = (wg_op)t->op[i];
    const wg_tnode *r = wg_tnode_of(t, i);
    uint32_t a = t->arg0[i];
    const double *A = wg_data(t, a);
    double *Y = wg_data(t, i);
    const wg_shape_rec *sa = wg_shape_at(t, a), *sy = &t->shapes[r->shape];
    issue->status = WG_OK;
    if (op == WG_OP_SUM || op == WG_OP_MEAN) {
        ptrdiff_t st[WG_MAX_RANK], sc[WG_MAX_RANK];
        size_t count;
        reduce_map(t, i, st, &count);
        wg_strides(sa, sc);
        if (sy->numel)
            memset(Y, 0, sy->numel * sizeof *Y);
        WG_ITER2(sa->rank, sa->dim, sc, st, e, oa, oy, Y[oy] += A[oa]);
        if (op == WG_OP_MEAN)
            for (size_t e = 0; e < sy->numel; e++)
                Y[e] = count ? Y[e] / (double)count : NAN;
        if (op == WG_OP_MEAN && count == 0 && sy->numel) {
            issue->status = WG_EDOM;
            issue->why = "mean over no elements";
            return;
        }
    } else if (along_axis(op)) {
        size_t outer, n, inner;
        axis_split(sa, wg_attr_axis(r->attr), &outer, &n, &inner);
        if (n == 0 && (op == WG_OP_MAX_REDUCE || op == WG_OP_LOGSUMEXP) && outer != 0 && inner != 0) {
            issue->status = WG_EDOM;
            issue->why = op == WG_OP_MAX_REDUCE ? "maximum over no elements"
                                                : "log-sum-exp over no elements";
            for (size_t e = 0; e < outer * inner; e++)
                Y[e] = -INFINITY;
            return;
        }
        if (op == WG_OP_ARGMAX_MASK && sy->numel)
            memset(Y, 0, sy->numel * sizeof *Y);
        for (size_t o = 0; o < outer; o++)
            for (size_t q = 0; q < inner; q++) {
                const double *row = A + o * n * inner + q;
                size_t am = row_argmax(row, n, inner);
                if (op == WG_OP_ARGMAX_MASK) {  /* max_reduce's derivative, as values */
                    if (n)
                        Y[o * n * inner + q + am * inner] = 1;
                    continue;
                }
                double m = row[am * inner];
                if (op == WG_OP_MAX_REDUCE) {
                    Y[o * inner + q] = m;
                    continue;
                }
                double s = row_sumexp(row, n, inner, m);
                if (op == WG_OP_LOGSUMEXP) {
                    Y[o * inner + q] = m + log(s);
                    continue;
                }
                double *yrow = Y + o * n * inner + q, ls = log(s);
                for (size_t j = 0; j < n; j++)
                    yrow[j * inner] = op == WG_OP_LOGSOFTMAX ? (row[j * inner] - m) - ls
                                                             : exp(row[j * inner] - m) / s;
            }
    } else if (op == WG_OP_CONCAT) {
        layout L;
        layout_of(t, i, &L);
        const wg_shape_rec *sb = wg_shape_at(t, t->arg1[i]);
        strided_move(L.rank, L.dim, Y, L.sy, A, L.sa, 0);
        strided_move(sb->rank, L.dimb, Y + L.yb, L.syb, wg_data(t, t->arg1[i]), L.sb, 0);
    } else {
        layout L;
        layout_of(t, i, &L);
        strided_move(L.rank, L.dim, Y + L.ya, L.sy, A + L.aa, L.sa, 0);
    }
    for (size_t e = 0; e < sy->numel; e++)
        if (!isfinite(Y[e])) {
            issue->status = WG_ERANGE;
            issue->elem = e;
            issue->y = Y[e];
            return;
        }
}

/* ---- test-only wrong rules (WG_TEST_*, wengert.h) */

/* the hook hears of a bug that changes node i's rule here */
static void test_note(const wg_tape *t, int reverse, size_t i, unsigned bits)
{
    wg_op op = (wg_op)t->op[i];
    if (((bits & WG_TEST_MEAN_NO_DIV) && op == WG_OP_MEAN)
        || ((bits & WG_TEST_MAX_TIES_ALL) && op == WG_OP_MAX_REDUCE)
        || ((bits & WG_TEST_LSE_NO_SHIFT) && op == WG_OP_LOGSUMEXP)
        || ((bits & WG_TEST_LOGSOFTMAX_NOSM) && op == WG_OP_LOGSOFTMAX))
        wg_test_fired(t, reverse, i);
}

/* Layout adjoints done wrong; 1 when done.
 *   WG_TEST_TRANSPOSE_PERM: the result's adjoint transposed by perm again
 *     (shape dim[perm[d]]) and laid into the operand's elements in order;
 *     right only when perm is its own inverse.
 *   WG_TEST_RESHAPE_VIEW: the operand is a transpose, which a view-based
 *     library keeps as strides over its input's storage; the adjoint is
 *     written in that storage order instead of the transpose's own.
 *   WG_TEST_SLICE_SHIFT: the slice's adjoint lands one position after
 *     (or, at the end of the axis, before) its elements. */
static int layout_rev_test(wg_tape *t, size_t i, unsigned bits, const double *GY, double *GA)
{
    wg_op op = (wg_op)t->op[i];
    const wg_tnode *r = wg_tnode_of(t, i);
    const wg_shape_rec *sy = &t->shapes[r->shape], *sa = wg_shape_at(t, t->arg0[i]);
    if (op == WG_OP_TRANSPOSE && (bits & WG_TEST_TRANSPOSE_PERM)) {
        int rank = sy->rank, involution = 1;
        size_t dim[WG_MAX_RANK];
        ptrdiff_t ys[WG_MAX_RANK], src[WG_MAX_RANK], dst[WG_MAX_RANK];
        wg_strides(sy, ys);
        wg_shape_rec tr = { 0 };
        tr.rank = rank;
        for (int d = 0; d < rank; d++) {
            int p = wg_attr_perm(r->attr, d);
            involution &= wg_attr_perm(r->attr, p) == d;
            dim[d] = tr.dim[d] = sy->dim[p];
            src[d] = ys[p];
        }
        if (involution)
            return 0;
        wg_strides(&tr, dst);
        wg_test_fired(t, 1, i);
        strided_move(rank, dim, GA, dst, GY, src, 1);
        return 1;
    }
    if (op == WG_OP_RESHAPE && (bits & WG_TEST_RESHAPE_VIEW)
        && t->op[t->arg0[i]] == WG_OP_TRANSPOSE && wg_tnode_of(t, t->arg0[i])) {
        /* the transpose's layout: its result index -> its input's storage */
        layout L;
        layout_of(t, t->arg0[i], &L);
        wg_test_fired(t, 1, i);
        strided_move(L.rank, L.dim, GA, L.sa, GY, L.sy, 1);
        return 1;
    }
    if (op == WG_OP_SLICE && (bits & WG_TEST_SLICE_SHIFT)) {
        int ax = wg_attr_axis(r->attr);
        size_t start = r->aux, len = sy->dim[ax];
        if (len == 0 || sy->numel == 0)
            return 0;
        size_t at = start + len < sa->dim[ax] ? start + 1 : start ? start - 1 : start;
        if (at == start)
            return 0;
        layout L;
        layout_of(t, i, &L);
        wg_test_fired(t, 1, i);
        strided_move(L.rank, L.dim, GA + (ptrdiff_t)at * L.sa[ax], L.sa, GY + L.ya, L.sy, 1);
        return 1;
    }
    return 0;
}

void wg_top_fwd(wg_tape *t, size_t i, size_t k)
{
    wg_op op = (wg_op)t->op[i];
    const wg_tnode *r = wg_tnode_of(t, i);
    uint32_t a = t->arg0[i];
    const wg_shape_rec *sa = wg_shape_at(t, a), *sy = &t->shapes[r->shape];
    const double *A = wg_data(t, a), *Y = wg_data(t, i);
    unsigned bits = wg_test_bits(t);
    test_note(t, 0, i, bits);
    for (size_t j = 0; j < k; j++) {
        const double *TA = wg_tan_at(t, a, j);
        double *TY = wg_tan_at(t, i, j);
        if (op == WG_OP_CONCAT) {
            layout L;
            layout_of(t, i, &L);
            const double *TB = wg_tan_at(t, t->arg1[i], j);
            if (TA)
                strided_move(L.rank, L.dim, TY, L.sy, TA, L.sa, 0);
            if (TB)
                strided_move(wg_shape_at(t, t->arg1[i])->rank, L.dimb, TY + L.yb, L.syb, TB,
                             L.sb, 0);
            continue;
        }
        if (!TA)
            continue;                   /* the operand is off the sweep: tangent 0 */
        if (op == WG_OP_SUM || op == WG_OP_MEAN) {
            ptrdiff_t st[WG_MAX_RANK], sc[WG_MAX_RANK];
            size_t count;
            reduce_map(t, i, st, &count);
            wg_strides(sa, sc);
            WG_ITER2(sa->rank, sa->dim, sc, st, e, oa, oy, TY[oy] += TA[oa]);
            if (op == WG_OP_MEAN && count && !(bits & WG_TEST_MEAN_NO_DIV))
                for (size_t e = 0; e < sy->numel; e++)
                    TY[e] /= (double)count;
        } else if (op == WG_OP_ARGMAX_MASK) {
            continue;                   /* piecewise constant: tangent 0 */
        } else if (along_axis(op)) {
            size_t outer, n, inner;
            axis_split(sa, wg_attr_axis(r->attr), &outer, &n, &inner);
            if (n == 0)
                continue;
            for (size_t o = 0; o < outer; o++)
                for (size_t q = 0; q < inner; q++) {
                    size_t base = o * n * inner + q;
                    const double *row = A + base, *trow = TA + base;
                    size_t am = row_argmax(row, n, inner);
                    if (op == WG_OP_MAX_REDUCE) {
                        double v = trow[am * inner];
                        if (bits & WG_TEST_MAX_TIES_ALL)    /* every maximal element */
                            for (size_t j2 = am + 1; j2 < n; j2++)
                                if (row[j2 * inner] == row[am * inner])
                                    v += trow[j2 * inner];
                        TY[o * inner + q] = v;
                        continue;
                    }
                    double m = row[am * inner], s = row_sumexp(row, n, inner, m), dot = 0;
                    if (op == WG_OP_LOGSUMEXP && (bits & WG_TEST_LSE_NO_SHIFT))
                        m = 0, s = row_sumexp(row, n, inner, 0);
                    if (op == WG_OP_SOFTMAX) {   /* sum_j y_j tdot_j, y the softmax */
                        for (size_t j2 = 0; j2 < n; j2++)
                            dot += Y[base + j2 * inner] * trow[j2 * inner];
                        for (size_t j2 = 0; j2 < n; j2++)
                            TY[base + j2 * inner] = Y[base + j2 * inner] * (trow[j2 * inner] - dot);
                        continue;
                    }
                    for (size_t j2 = 0; j2 < n; j2++)   /* sum_j p_j tdot_j */
                        dot += exp(row[j2 * inner] - m) / s * trow[j2 * inner];
                    if (op == WG_OP_LOGSUMEXP)
                        TY[o * inner + q] = dot;
                    else
                        for (size_t j2 = 0; j2 < n; j2++)
                            TY[base + j2 * inner] = trow[j2 * inner]
                                - ((bits & WG_TEST_LOGSOFTMAX_NOSM) ? 0.0 : dot);
                }
        } else {
            layout L;
            layout_of(t, i, &L);
            strided_move(L.rank, L.dim, TY + L.ya, L.sy, TA + L.aa, L.sa, 0);
        }
    }
}

void wg_top_rev(wg_tape *t, size_t i, size_t lo, double *adj)
{
    wg_op op = (wg_op)t->op[i];
    const wg_tnode *r = wg_tnode_of(t, i);
    uint32_t a = t->arg0[i];
    const wg_shape_rec *sa = wg_shape_at(t, a);
    const double *A = wg_data(t, a), *Y = wg_data(t, i), *GY = wg_adj_at(t, i, lo, adj);
    double *GA = wg_adj_at(t, a, lo, adj);
    if (!GY)
        return;
    unsigned bits = wg_test_bits(t);
    test_note(t, 1, i, bits);
    if (op == WG_OP_CONCAT) {
        layout L;
        layout_of(t, i, &L);
        double *GB = wg_adj_at(t, t->arg1[i], lo, adj);
        if (GA)
            strided_move(L.rank, L.dim, GA, L.sa, GY, L.sy, 1);
        if (GB)
            strided_move(wg_shape_at(t, t->arg1[i])->rank, L.dimb, GB, L.sb, GY + L.yb, L.syb, 1);
        return;
    }
    if (!GA)
        return;
    if (op == WG_OP_SUM || op == WG_OP_MEAN) {
        /* the adjoint of a reduction is a broadcast of the result's */
        ptrdiff_t st[WG_MAX_RANK], sc[WG_MAX_RANK];
        size_t count;
        reduce_map(t, i, st, &count);
        wg_strides(sa, sc);
        if (op == WG_OP_SUM)
            WG_ITER2(sa->rank, sa->dim, sc, st, e, oa, oy, GA[oa] += GY[oy]);
        else if (count && (bits & WG_TEST_MEAN_NO_DIV))
            WG_ITER2(sa->rank, sa->dim, sc, st, e, oa, oy, GA[oa] += GY[oy]);
        else if (count)
            WG_ITER2(sa->rank, sa->dim, sc, st, e, oa, oy, GA[oa] += GY[oy] / (double)count);
    } else if (op == WG_OP_ARGMAX_MASK) {
        return;                         /* piecewise constant: no adjoint */
    } else if (along_axis(op)) {
        size_t outer, n, inner;
        axis_split(sa, wg_attr_axis(r->attr), &outer, &n, &inner);
        if (n == 0)
            return;
        for (size_t o = 0; o < outer; o++)
            for (size_t q = 0; q < inner; q++) {
                size_t base = o * n * inner + q;
                const double *row = A + base;
                double *grow = GA + base;
                size_t am = row_argmax(row, n, inner);
                if (op == WG_OP_MAX_REDUCE) {   /* all of it to the first maximal element */
                    grow[am * inner] += GY[o * inner + q];
                    if (bits & WG_TEST_MAX_TIES_ALL)    /* and to every other maximal one */
                        for (size_t j = am + 1; j < n; j++)
                            if (row[j * inner] == row[am * inner])
                                grow[j * inner] += GY[o * inner + q];
                    continue;
                }
                if (op == WG_OP_SOFTMAX) {      /* y_i (g_i - sum_j g_j y_j) */
                    double dot = 0;
                    for (size_t j = 0; j < n; j++)
                        dot += GY[base + j * inner] * Y[base + j * inner];
                    for (size_t j = 0; j < n; j++)
                        grow[j * inner] += Y[base + j * inner] * (GY[base + j * inner] - dot);
                    continue;
                }
                double m = row[am * inner], s = row_sumexp(row, n, inner, m);
                if (op == WG_OP_LOGSUMEXP && (bits & WG_TEST_LSE_NO_SHIFT))
                    m = 0, s = row_sumexp(row, n, inner, 0);
                if (op == WG_OP_LOGSUMEXP) {    /* g p_i, p the softmax */
                    double g = GY[o * inner + q];
                    for (size_t j = 0; j < n; j++)
                        grow[j * inner] += g * (exp(row[j * inner] - m) / s);
                    continue;
                }
                double gs = 0;                  /* logsoftmax: g_i - p_i sum_j g_j */
                for (size_t j = 0; j < n; j++)
                    gs += GY[base + j * inner];
                if (bits & WG_TEST_LOGSOFTMAX_NOSM)
                    gs = 0;
                for (size_t j = 0; j < n; j++)
                    grow[j * inner] += GY[base + j * inner] - exp(row[j * inner] - m) / s * gs;
            }
    } else if (!(bits && layout_rev_test(t, i, bits, GY, GA))) {
        layout L;
        layout_of(t, i, &L);
        strided_move(L.rank, L.dim, GA + L.aa, L.sa, GY + L.ya, L.sy, 1);
    }
}

/* second order (wg_hvp): the part of abar' that comes from the rule's own
 * dependence on the operand.  Linear ops (sum, mean, the layout ops) and
 * max_reduce (its selection fixed away from ties) have none.  With p the
 * softmax of a row and pdot_i = p_i (adot_i - sum_j p_j adot_j):
 *   logsumexp   abar_i = g p_i             abar'_i += g pdot_i
 *   logsoftmax  abar_i = g_i - p_i sum g   abar'_i -= pdot_i sum g
 *   softmax     abar_i = y_i (g_i - s), s = sum_j g_j y_j
 *               abar'_i += ydot_i (g_i - s) - y_i sum_j g_j ydot_j */
void wg_top_rev2(wg_tape *t, size_t i, size_t lo, double *adj, double *adt, double *tadt)
{
    wg_op op = (wg_op)t->op[i];
    if (op != WG_OP_LOGSUMEXP && op != WG_OP_LOGSOFTMAX && op != WG_OP_SOFTMAX)
        return;
    const wg_tnode *r = wg_tnode_of(t, i);
    uint32_t a = t->arg0[i];
    const wg_shape_rec *sa = wg_shape_at(t, a);
    const double *A = wg_data(t, a), *Y = wg_data(t, i), *GY = wg_adj_at(t, i, lo, adj);
    const double *TA = wg_tan_at(t, a, 0), *TY = wg_tan_at(t, i, 0);
    double *DA = wg_adt_at(t, a, lo, adt, tadt);
    if (!GY || !DA || !TA)
        return;
    size_t outer, n, inner;
    axis_split(sa, wg_attr_axis(r->attr), &outer, &n, &inner);
    if (n == 0)
        return;
    for (size_t o = 0; o < outer; o++)
        for (size_t q = 0; q < inner; q++) {
            size_t base = o * n * inner + q;
            const double *row = A + base, *trow = TA + base;
            double *drow = DA + base;
            if (op == WG_OP_SOFTMAX) {
                if (!TY)
                    continue;
                double s = 0, sd = 0;
                for (size_t j = 0; j < n; j++) {
                    s += GY[base + j * inner] * Y[base + j * inner];
                    sd += GY[base + j * inner] * TY[base + j * inner];
                }
                for (size_t j = 0; j < n; j++)
                    drow[j * inner] += TY[base + j * inner] * (GY[base + j * inner] - s)
                                       - Y[base + j * inner] * sd;
                continue;
            }
            size_t am = row_argmax(row, n, inner);
            double m = row[am * inner], s = row_sumexp(row, n, inner, m), pa = 0;
            for (size_t j = 0; j < n; j++)      /* sum_j p_j adot_j */
                pa += exp(row[j * inner] - m) / s * trow[j * inner];
            double w;                           /* what pdot_i is scaled by */
            if (op == WG_OP_LOGSUMEXP) {
                w = GY[o * inner + q];
            } else {
                w = 0;
                for (size_t j = 0; j < n; j++)
                    w -= GY[base + j * inner];
            }
            if (w == 0)
                continue;
            for (size_t j = 0; j < n; j++) {
                double p = exp(row[j * inner] - m) / s;
                drow[j * inner] += w * p * (trow[j * inner] - pa);
            }
        }
}
