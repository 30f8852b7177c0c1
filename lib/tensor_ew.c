/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tensor_ew.c -- the scalar ops (UNARY, BINARY, CONST, INT, CMP rows of the
 * op table) applied elementwise to tensors, with NumPy broadcasting.
 *
 * Each element uses the op's own scalar kernels (op_kernels.h): value,
 * domain and local partials, so a tensor op and its scalar form cannot
 * disagree about a rule.  Operands are read through broadcast strides (0
 * along a stretched axis).  In the adjoint, an operand's element that was
 * read from several positions of the result receives the sum of their
 * contributions: that is the sum over the stretched axes. */
#include "op_kernels.h"
#include "tensor.h"

#include <math.h>

/* the loops are instantiated per op (constant op: the kernels fold) */
WG_KERNEL void value_loop(wg_op op, const wg_shape_rec *s, const double *A, const ptrdiff_t *sa,
                          const double *B, const ptrdiff_t *sb, double p, double *Y)
{
    WG_ITER2(s->rank, s->dim, sa, sb, e, ia, ib, Y[e] = wg_op_value(op, A[ia], B[ib], p));
}

WG_KERNEL void fwd_loop(wg_op op, int has_b, const wg_tape *t, size_t node,
                        const wg_shape_rec *s, const double *A, const ptrdiff_t *sa,
                        const double *B, const ptrdiff_t *sb, double p, const double *Y,
                        const double *TA, const double *TB, double *TY)
{
    /* a tangent array has its node's layout, so it is read at the value's
     * offset; an operand off the sweep has TA (TB) NULL: tangent 0.  The
     * test-only hook is read once: the stores below could alias it */
    wg_partials_hook hook = t->hook;
    void *hctx = t->hook_ctx;
    WG_ITER2(s->rank, s->dim, sa, sb, e, ia, ib, {
        double x = A[ia], z = has_b ? B[ib] : 0.0, da, db;
        wg_op_partials(op, x, z, p, Y[e], &da, &db);
        if (hook)
            hook(hctx, 0, node, op, x, z, p, Y[e], &da, &db);
        double v = 0, dta = TA ? TA[ia] : 0.0, dtb = (has_b && TB) ? TB[ib] : 0.0;
        if (da != 0 && dta != 0)
            v = da * dta;
        if (has_b && db != 0 && dtb != 0)
            v += db * dtb;
        TY[e] = v;
    });
}

WG_KERNEL void rev_loop(wg_op op, int has_b, const wg_tape *t, size_t node,
                        const wg_shape_rec *s, const double *A, const ptrdiff_t *sa,
                        const double *B, const ptrdiff_t *sb, double p, const double *Y,
                        const double *GY, double *GA, double *GB)
{
    wg_partials_hook hook = t->hook;    /* read once, as in fwd_loop */
    void *hctx = t->hook_ctx;
    WG_ITER2(s->rank, s->dim, sa, sb, e, ia, ib, {
        double g = GY[e];
        if (g != 0) {
            double x = A[ia], z = has_b ? B[ib] : 0.0, da, db;
            wg_op_partials(op, x, z, p, Y[e], &da, &db);
            if (hook)
                hook(hctx, 1, node, op, x, z, p, Y[e], &da, &db);
            if (GA && da != 0)
                GA[ia] += da * g;
            if (has_b && GB && db != 0)
                GB[ib] += db * g;
        }
    });
}

/* what every kernel of node i needs */
typedef struct ew_args {
    wg_op op;
    int has_b;
    const wg_shape_rec *s;
    uint32_t a, b;
    const double *A, *B;
    ptrdiff_t sa[WG_MAX_RANK], sb[WG_MAX_RANK];
    double p;
} ew_args;

static void ew_args_of(const wg_tape *t, size_t i, ew_args *w)
{
    w->op = (wg_op)t->op[i];
    wg_op_kind kind = wg_kind(t->op[i]);
    w->has_b = kind == WG_KIND_BINARY || kind == WG_KIND_CMP;
    w->s = wg_shape_at(t, i);
    w->a = t->arg0[i];
    w->b = w->has_b ? t->arg1[i] : w->a;
    w->A = wg_data(t, w->a);
    w->B = wg_data(t, w->b);
    wg_bcast_strides(wg_shape_at(t, w->a), w->s, w->sa);
    wg_bcast_strides(wg_shape_at(t, w->b), w->s, w->sb);
    w->p = (kind == WG_KIND_CONST || kind == WG_KIND_INT) ? wg_param_of(t, i) : 0.0;
}

void wg_ew_value(wg_tape *t, size_t i, wg_tissue *issue, int cmp_check, size_t *flipped)
{
    ew_args w;
    ew_args_of(t, i, &w);
    double *Y = wg_data(t, i);
    issue->status = WG_OK;
    if (cmp_check) {
        /* replay of a comparison: the recorded outcomes stay; the first
         * element whose outcome differs is reported */
        *flipped = 0;
        WG_ITER2(w.s->rank, w.s->dim, w.sa, w.sb, e, ia, ib, {
            if (!*flipped && wg_op_value(w.op, w.A[ia], w.B[ib], 0) != Y[e]) {
                *flipped = e + 1;
                issue->a = w.A[ia];
                issue->b = w.B[ib];
            }
        });
        return;
    }
    switch (w.op) {
#define EW_V_LEAF(E)
#define EW_V_TUNARY(E)
#define EW_V_TBINARY(E)
#define EW_V_UNARY(E)   value_loop(WG_OP_##E, w.s, w.A, w.sa, w.A, w.sa, 0.0, Y)
#define EW_V_CONST(E)   value_loop(WG_OP_##E, w.s, w.A, w.sa, w.A, w.sa, w.p, Y)
#define EW_V_INT(E)     EW_V_CONST(E)
#define EW_V_BINARY(E)  value_loop(WG_OP_##E, w.s, w.A, w.sa, w.B, w.sb, 0.0, Y)
#define EW_V_CMP(E)     EW_V_BINARY(E)
#define WG_X_EWV(E, name, kind) case WG_OP_##E: EW_V_##kind(E); break;
        WG_OP_LIST(WG_X_EWV)
#undef WG_X_EWV
    case WG_OP_COUNT:
        break;
    }
    /* domain and range: the first element outside, in row-major order */
    WG_ITER2(w.s->rank, w.s->dim, w.sa, w.sb, e, ia, ib, {
        if (issue->status == WG_OK) {
            double x = w.A[ia], z = w.has_b ? w.B[ib] : 0.0;
            const char *why = wg_op_domain(w.op, x, z, w.p);
            if (why || !isfinite(Y[e])) {
                issue->status = why ? WG_EDOM : WG_ERANGE;
                issue->why = why;
                issue->elem = e;
                issue->a = x;
                issue->b = z;
                issue->p = w.p;
                issue->y = Y[e];
            }
        }
    });
}

void wg_ew_fwd(wg_tape *t, size_t i, size_t k)
{
    ew_args w;
    ew_args_of(t, i, &w);
    if (wg_kind(t->op[i]) == WG_KIND_CMP)
        return;                         /* outcomes carry no derivative */
    const double *Y = wg_data(t, i);
    for (size_t j = 0; j < k; j++) {
        const double *TA = wg_tan_at(t, w.a, j), *TB = wg_tan_at(t, w.b, j);
        double *TY = wg_tan_at(t, i, j);
        switch (w.op) {
#define EW_F_LEAF(E)
#define EW_F_TUNARY(E)
#define EW_F_TBINARY(E)
#define EW_F_CMP(E)
#define EW_F_UNARY(E)  fwd_loop(WG_OP_##E, 0, t, i, w.s, w.A, w.sa, w.A, w.sa, w.p, Y, TA, NULL, TY)
#define EW_F_CONST(E)  EW_F_UNARY(E)
#define EW_F_INT(E)    EW_F_UNARY(E)
#define EW_F_BINARY(E) fwd_loop(WG_OP_##E, 1, t, i, w.s, w.A, w.sa, w.B, w.sb, w.p, Y, TA, TB, TY)
#define WG_X_EWF(E, name, kind) case WG_OP_##E: EW_F_##kind(E); break;
            WG_OP_LIST(WG_X_EWF)
#undef WG_X_EWF
        case WG_OP_COUNT:
            break;
        }
    }
}

void wg_ew_rev(wg_tape *t, size_t i, size_t lo, double *adj)
{
    ew_args w;
    ew_args_of(t, i, &w);
    if (wg_kind(t->op[i]) == WG_KIND_CMP)
        return;
    const double *Y = wg_data(t, i), *GY = wg_adj_at(t, i, lo, adj);
    double *GA = wg_adj_at(t, w.a, lo, adj), *GB = w.has_b ? wg_adj_at(t, w.b, lo, adj) : NULL;
    if (!GY || (!GA && !GB))
        return;
    switch (w.op) {
#define EW_R_LEAF(E)
#define EW_R_TUNARY(E)
#define EW_R_TBINARY(E)
#define EW_R_CMP(E)
#define EW_R_UNARY(E)  rev_loop(WG_OP_##E, 0, t, i, w.s, w.A, w.sa, w.A, w.sa, w.p, Y, GY, GA, NULL)
#define EW_R_CONST(E)  EW_R_UNARY(E)
#define EW_R_INT(E)    EW_R_UNARY(E)
#define EW_R_BINARY(E) rev_loop(WG_OP_##E, 1, t, i, w.s, w.A, w.sa, w.B, w.sb, w.p, Y, GY, GA, GB)
#define WG_X_EWR(E, name, kind) case WG_OP_##E: EW_R_##kind(E); break;
        WG_OP_LIST(WG_X_EWR)
#undef WG_X_EWR
    case WG_OP_COUNT:
        break;
    }
}
