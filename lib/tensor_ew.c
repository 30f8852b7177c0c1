/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tensor_ew.c -- the scalar ops (UNARY, BINARY, CONST, INT, CMP rows of the
 * op table) and custom ops (CUSTOM, the program's callbacks, the op id as
 * the kernels' p) applied elementwise to tensors, with NumPy broadcasting.
 *
 * Each element uses the op's own scalar kernels (op_kernels.h): value,
 * domain and local partials, so a tensor op and its scalar form cannot
 * disagree about a rule.  Operands are read through broadcast strides (0
 * along a stretched axis).  In the adjoint, an operand's element that was
 * read from several positions of the result receives the sum of their
 * contributions: that is the sum over the stretched axes. */
#include "op_kernels2.h"
#include "tensor.h"

#include <math.h>
#include <string.h>

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
    size_t na, nb;                  /* the operands' element counts */
    double p;
} ew_args;

static void ew_args_of(const wg_tape *t, size_t i, ew_args *w)
{
    w->op = (wg_op)t->op[i];
    wg_op_kind kind = wg_kind(t->op[i]);
    w->has_b = wg_operand_b(t, i, kind) != WG_NONE;
    w->s = wg_shape_at(t, i);
    w->a = t->arg0[i];
    w->b = w->has_b ? t->arg1[i] : w->a;
    w->A = wg_data(t, w->a);
    w->B = wg_data(t, w->b);
    wg_bcast_strides(wg_shape_at(t, w->a), w->s, w->sa);
    wg_bcast_strides(wg_shape_at(t, w->b), w->s, w->sb);
    w->na = wg_shape_at(t, w->a)->numel;
    w->nb = wg_shape_at(t, w->b)->numel;
    /* the constant, or a custom node's op id */
    w->p = wg_node_p(t, i, kind);
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
#define EW_V_CUSTOM(E)  value_loop(WG_OP_##E, w.s, w.A, w.sa, w.B, w.sb, w.p, Y)
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

/* ---- test-only wrong broadcasting rules (WG_TEST_BCAST_*), slow and
 * generic: the op is not a constant here.  A stretched operand has fewer
 * elements than the result. */

static int stretched(const ew_args *w, int which)
{
    return which ? w->has_b && w->nb < w->s->numel : w->na < w->s->numel;
}

static void fwd_test(const wg_tape *t, size_t node, const ew_args *w, const double *Y,
                     const double *TA, const double *TB, double *TY)
{
    /* WG_TEST_BCAST_TILE: the tangent of a stretched operand read as if it
     * were tiled (element e % n) instead of stretched */
    size_t na = w->na, nb = w->nb;
    WG_ITER2(w->s->rank, w->s->dim, w->sa, w->sb, e, ia, ib, {
        double x = w->A[ia], z = w->has_b ? w->B[ib] : 0.0, da, db;
        wg_op_partials(w->op, x, z, w->p, Y[e], &da, &db);
        t->hook(t->hook_ctx, 0, node, w->op, x, z, w->p, Y[e], &da, &db);
        double v = 0, dta = TA ? TA[e % na] : 0.0, dtb = (w->has_b && TB) ? TB[e % nb] : 0.0;
        if (da != 0 && dta != 0)
            v = da * dta;
        if (w->has_b && db != 0 && dtb != 0)
            v += db * dtb;
        TY[e] = v;
    });
}

static void rev_test(wg_tape *t, size_t node, const ew_args *w, unsigned bits, const double *Y,
                     const double *GY, double *GA, double *GB)
{
    size_t na = w->na, nb = w->nb;
    int store = (bits & WG_TEST_BCAST_STORE) != 0;
    /* WG_TEST_BCAST_STORE: each contribution stored into a zeroed copy
     * (so the last position along a stretched axis wins), then added */
    double *SA = NULL, *SB = NULL;
    if (store) {
        SA = wg_mem_realloc(t, NULL, (na ? na : 1) * sizeof *SA);
        SB = wg_mem_realloc(t, NULL, (nb ? nb : 1) * sizeof *SB);
        if (!SA || !SB) {
            wg_mem_free(t, SA);
            wg_mem_free(t, SB);
            return;
        }
        memset(SA, 0, (na ? na : 1) * sizeof *SA);
        memset(SB, 0, (nb ? nb : 1) * sizeof *SB);
    }
    WG_ITER2(w->s->rank, w->s->dim, w->sa, w->sb, e, ia, ib, {
        double g = GY[e];
        double x = w->A[ia], z = w->has_b ? w->B[ib] : 0.0, da, db;
        wg_op_partials(w->op, x, z, w->p, Y[e], &da, &db);
        t->hook(t->hook_ctx, 1, node, w->op, x, z, w->p, Y[e], &da, &db);
        if (store) {
            SA[ia] = da * g;
            if (w->has_b)
                SB[ib] = db * g;
        } else {
            if (GA)
                GA[e % na] += da * g;
            if (w->has_b && GB)
                GB[e % nb] += db * g;
        }
    });
    if (store) {
        for (size_t q = 0; GA && q < na; q++)
            GA[q] += SA[q];
        for (size_t q = 0; GB && w->has_b && q < nb; q++)
            GB[q] += SB[q];
        wg_mem_free(t, SA);
        wg_mem_free(t, SB);
    }
}

void wg_ew_fwd(wg_tape *t, size_t i, size_t k)
{
    ew_args w;
    ew_args_of(t, i, &w);
    if (wg_kind(t->op[i]) == WG_KIND_CMP)
        return;                         /* outcomes carry no derivative */
    if ((wg_test_bits(t) & WG_TEST_BCAST_TILE) && (stretched(&w, 0) || stretched(&w, 1))) {
        const double *Y = wg_data(t, i);
        wg_test_fired(t, 0, i);
        for (size_t j = 0; j < k; j++)
            fwd_test(t, i, &w, Y, wg_tan_at(t, w.a, j), wg_tan_at(t, w.b, j), wg_tan_at(t, i, j));
        return;
    }
    const double *Y = wg_data(t, i);
    for (size_t j = 0; j < k; j++) {
        const double *TA = wg_tan_at(t, w.a, j), *TB = wg_tan_at(t, w.b, j);
        double *TY = wg_tan_at(t, i, j);
        switch (w.op) {
#define EW_F_LEAF(E)
#define EW_F_TUNARY(E)
#define EW_F_TBINARY(E)
#define EW_F_CUSTOM(E)  fwd_loop(WG_OP_##E, w.has_b, t, i, w.s, w.A, w.sa, w.B, w.sb, w.p, Y, TA, \
                                 w.has_b ? TB : NULL, TY)
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
    unsigned bits = wg_test_bits(t) & (WG_TEST_BCAST_STORE | WG_TEST_BCAST_TILE);
    if (bits && (stretched(&w, 0) || stretched(&w, 1))) {
        wg_test_fired(t, 1, i);
        rev_test(t, i, &w, bits, Y, GY, GA, GB);
        return;
    }
    switch (w.op) {
#define EW_R_LEAF(E)
#define EW_R_TUNARY(E)
#define EW_R_TBINARY(E)
#define EW_R_CUSTOM(E)  rev_loop(WG_OP_##E, w.has_b, t, i, w.s, w.A, w.sa, w.B, w.sb, w.p, Y, GY, \
                                 GA, GB)
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

/* ---- second order (wg_hvp): the derivative of the adjoint map along the
 * tangents, applied to ybar: abar' += (d_aa adot + d_ab bdot) ybar, and
 * likewise for b, through the same broadcast strides (so a stretched
 * operand sums over its stretched axes).  Strong zeros as in the scalar
 * sweep (sweep_second.c). */

WG_KERNEL void rev2_loop(wg_op op, int has_b, const wg_shape_rec *s, const double *A,
                         const ptrdiff_t *sa, const double *B, const ptrdiff_t *sb, double p,
                         const double *Y, const double *GY, const double *TA, const double *TB,
                         double *DA, double *DB)
{
    WG_ITER2(s->rank, s->dim, sa, sb, e, ia, ib, {
        double g = GY[e];
        if (g != 0) {
            double x = A[ia], z = has_b ? B[ib] : 0.0, daa, dab, dbb;
            wg_op_partials2(op, x, z, p, Y[e], &daa, &dab, &dbb);
            double ta = TA ? TA[ia] : 0.0, tb = (has_b && TB) ? TB[ib] : 0.0;
            if (DA)
                DA[ia] += wg_sz(wg_sz(daa, ta) + wg_sz(dab, tb), g);
            if (has_b && DB)
                DB[ib] += wg_sz(wg_sz(dab, ta) + wg_sz(dbb, tb), g);
        }
    });
}

void wg_ew_rev2(wg_tape *t, size_t i, size_t lo, double *adj, double *adt, double *tadt)
{
    ew_args w;
    ew_args_of(t, i, &w);
    if (wg_kind(t->op[i]) == WG_KIND_CMP)
        return;
    const double *Y = wg_data(t, i), *GY = wg_adj_at(t, i, lo, adj);
    double *DA = wg_adt_at(t, w.a, lo, adt, tadt);
    double *DB = w.has_b ? wg_adt_at(t, w.b, lo, adt, tadt) : NULL;
    const double *TA = wg_tan_at(t, w.a, 0), *TB = w.has_b ? wg_tan_at(t, w.b, 0) : NULL;
    if (!GY || (!DA && !DB) || (!TA && !TB))
        return;
    switch (w.op) {
#define EW_R2_LEAF(E)
#define EW_R2_TUNARY(E)
#define EW_R2_TBINARY(E)
#define EW_R2_CUSTOM(E)               /* no second partials: refused before the sweep */
#define EW_R2_CMP(E)
#define EW_R2_UNARY(E)  rev2_loop(WG_OP_##E, 0, w.s, w.A, w.sa, w.A, w.sa, w.p, Y, GY, TA, NULL, \
                                  DA, NULL)
#define EW_R2_CONST(E)  EW_R2_UNARY(E)
#define EW_R2_INT(E)    EW_R2_UNARY(E)
#define EW_R2_BINARY(E) rev2_loop(WG_OP_##E, 1, w.s, w.A, w.sa, w.B, w.sb, w.p, Y, GY, TA, TB, \
                                  DA, DB)
#define WG_X_EWR2(E, name, kind) case WG_OP_##E: EW_R2_##kind(E); break;
        WG_OP_LIST(WG_X_EWR2)
#undef WG_X_EWR2
    case WG_OP_COUNT:
        break;
    }
}

/* ---- wg_hvp's three passes of an elementwise node in one loop: the
 * partials and second partials computed once per element (the planted
 * bugs of the test hook take the three-pass path, sweep_second.c) */
WG_KERNEL void hvp_loop(wg_op op, int has_b, const wg_shape_rec *s, const double *A,
                        const ptrdiff_t *sa, const double *B, const ptrdiff_t *sb, double p,
                        const double *Y, const double *GY, const double *GD, const double *TA,
                        const double *TB, double *GA, double *GB, double *DA, double *DB)
{
    WG_ITER2(s->rank, s->dim, sa, sb, e, ia, ib, {
        double g = GY ? GY[e] : 0.0, gd = GD ? GD[e] : 0.0;
        if (g != 0 || gd != 0) {
            double x = A[ia], z = has_b ? B[ib] : 0.0, da, db, daa = 0, dab = 0, dbb = 0;
            wg_op_partials(op, x, z, p, Y[e], &da, &db);
            double ta = TA ? TA[ia] : 0.0, tb = (has_b && TB) ? TB[ib] : 0.0;
            if (g != 0 && (ta != 0 || tb != 0))
                wg_op_partials2(op, x, z, p, Y[e], &daa, &dab, &dbb);
            if (GA && da != 0 && g != 0)
                GA[ia] += da * g;
            if (DA)
                DA[ia] += wg_sz(da, gd) + wg_sz(wg_sz(daa, ta) + wg_sz(dab, tb), g);
            if (has_b) {
                if (GB && db != 0 && g != 0)
                    GB[ib] += db * g;
                if (DB)
                    DB[ib] += wg_sz(db, gd) + wg_sz(wg_sz(dab, ta) + wg_sz(dbb, tb), g);
            }
        }
    });
}

void wg_ew_hvp(wg_tape *t, size_t i, size_t lo, double *adj, double *adt, double *tadt)
{
    ew_args w;
    ew_args_of(t, i, &w);
    if (wg_kind(t->op[i]) == WG_KIND_CMP)
        return;
    const double *Y = wg_data(t, i), *GY = wg_adj_at(t, i, lo, adj);
    const double *GD = wg_adt_at(t, i, lo, adt, tadt);
    double *GA = wg_adj_at(t, w.a, lo, adj), *GB = w.has_b ? wg_adj_at(t, w.b, lo, adj) : NULL;
    double *DA = wg_adt_at(t, w.a, lo, adt, tadt);
    double *DB = w.has_b ? wg_adt_at(t, w.b, lo, adt, tadt) : NULL;
    const double *TA = wg_tan_at(t, w.a, 0), *TB = w.has_b ? wg_tan_at(t, w.b, 0) : NULL;
    /* GY NULL: an adjoint no second-order term reads (its tangent GD still
     * flows); read as zeros */
    if (!GD && (!GY || (!GA && !GB)))
        return;
    switch (w.op) {
#define EW_H_LEAF(E)
#define EW_H_TUNARY(E)
#define EW_H_TBINARY(E)
#define EW_H_CUSTOM(E)                /* no second partials: refused before the sweep */
#define EW_H_CMP(E)
#define EW_H_UNARY(E)  hvp_loop(WG_OP_##E, 0, w.s, w.A, w.sa, w.A, w.sa, w.p, Y, GY, GD, TA, \
                                NULL, GA, NULL, DA, NULL)
#define EW_H_CONST(E)  EW_H_UNARY(E)
#define EW_H_INT(E)    EW_H_UNARY(E)
#define EW_H_BINARY(E) hvp_loop(WG_OP_##E, 1, w.s, w.A, w.sa, w.B, w.sb, w.p, Y, GY, GD, TA, \
                                TB, GA, GB, DA, DB)
#define WG_X_EWH(E, name, kind) case WG_OP_##E: EW_H_##kind(E); break;
        WG_OP_LIST(WG_X_EWH)
#undef WG_X_EWH
    case WG_OP_COUNT:
        break;
    }
}
