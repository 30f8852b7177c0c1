/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tensor.h -- private: the tensor side of a tape shared by lib/tensor_*.c,
 * the sweeps, the drivers and replay.  Not installed.
 *
 *   tensor_shape.c   interned shapes, broadcasting, strides, attributes
 *   tensor_record.c  recording tensor nodes (inputs, constants, every op)
 *   tensor_ew.c      elementwise ops on tensors: value, tangent, adjoint
 *   tensor_ops.c     reductions, the softmax family, layout ops
 *   tensor_matmul.c  matmul through CBLAS dgemm
 *
 * Every tensor rule is a whole operation (Xbar += Zbar W^T; the adjoint of
 * a sum is a broadcast), written so that it reads operands through strides:
 * a stretched axis has stride 0, so a broadcast is never copied, and the
 * adjoint of a stretched operand accumulates into the same element from
 * every position along that axis, which is the sum over the stretched axes
 * (the rule most often got wrong). */
#ifndef WG_TENSOR_H
#define WG_TENSOR_H

#include "tape.h"

#include <stddef.h>

/* ---- attributes packed in wg_tnode.attr
 *   sum, mean:                 bits 0-7 the reduced axes, bit 8 keepdims
 *   max_reduce, logsumexp:     bits 0-7 one bit (the axis), bit 8 keepdims
 *   logsoftmax, softmax, slice, concat: bits 0-7 one bit (the axis)
 *   transpose:                 3 bits per result axis: perm[d] at bit 3d
 *   slice:                     the start in wg_tnode.aux */
#define WG_ATTR_KEEPDIMS (1u << 8)

static inline int wg_attr_axis(uint32_t attr)
{
    return __builtin_ctz((attr & 0xffu) | 0x100u);
}

static inline int wg_attr_perm(uint32_t attr, int d)
{
    return (int)((attr >> (3 * d)) & 7u);
}

/* ---- shapes (tensor_shape.c) */

/* the id of a shape, interned; WG_OK, WG_ENOMEM or WG_ELIMIT (too many
 * elements) */
int wg_shape_intern(wg_tape *t, int rank, const size_t *dim, uint32_t *id);
/* row-major strides of a shape, in elements */
void wg_strides(const wg_shape_rec *s, ptrdiff_t *st);
/* "2x3", "scalar" */
const char *wg_shape_text(const wg_shape_rec *s, char *buf, size_t len);
/* NumPy broadcast of two shapes; 0 when they do not fit */
int wg_broadcast_shape(const wg_shape_rec *a, const wg_shape_rec *b, int *rank, size_t *dim);
/* strides that read an operand of shape a at every index of shape out (a
 * right-aligned into out): 0 along stretched and missing axes */
void wg_bcast_strides(const wg_shape_rec *a, const wg_shape_rec *out, ptrdiff_t *st);

/* ---- iteration: every index of a shape, with two strided offsets
 * WG_ITER2(rank, dim, s1, s2, e, o1, o2, BODY) runs BODY for e = 0 ..
 * numel-1 (row-major) with o1 = sum idx[d] s1[d] and o2 likewise.  The last
 * axis is the inner loop, so a contiguous or stride-0 operand gives a loop
 * the compiler vectorizes. */
#define WG_ITER2(RANK, DIM, S1, S2, E, O1, O2, ...)                                    \
    do {                                                                           \
        int r_ = (RANK);                                                           \
        size_t n_in_ = r_ ? (DIM)[r_ - 1] : 1, tot_ = 1;                           \
        for (int d_ = 0; d_ < r_; d_++)                                            \
            tot_ *= (DIM)[d_];                                                     \
        if (tot_ == 0)                                                             \
            break;                                                                 \
        ptrdiff_t s1_in_ = r_ ? (S1)[r_ - 1] : 0, s2_in_ = r_ ? (S2)[r_ - 1] : 0;  \
        size_t idx_[WG_MAX_RANK] = { 0 };                                          \
        ptrdiff_t b1_ = 0, b2_ = 0;                                                \
        for (size_t e0_ = 0; e0_ < tot_; e0_ += n_in_) {                           \
            for (size_t q_ = 0; q_ < n_in_; q_++) {                                \
                size_t E = e0_ + q_;                                               \
                ptrdiff_t O1 = b1_ + (ptrdiff_t)q_ * s1_in_;                       \
                ptrdiff_t O2 = b2_ + (ptrdiff_t)q_ * s2_in_;                       \
                (void)E; (void)O1; (void)O2;                                       \
                __VA_ARGS__;                                                       \
            }                                                                      \
            for (int d_ = r_ - 2; d_ >= 0; d_--) {                                 \
                b1_ += (S1)[d_];                                                   \
                b2_ += (S2)[d_];                                                   \
                if (++idx_[d_] < (DIM)[d_])                                        \
                    break;                                                         \
                b1_ -= (S1)[d_] * (ptrdiff_t)(DIM)[d_];                            \
                b2_ -= (S2)[d_] * (ptrdiff_t)(DIM)[d_];                            \
                idx_[d_] = 0;                                                      \
            }                                                                      \
        }                                                                          \
    } while (0)

/* ---- kernels of a tensor node i (tref[i] != 0), reading its operands'
 * values, tangents (wg_tan_at) and adjoints (wg_adj_at) */

/* the first element where a value left its op's domain or is not finite */
typedef struct wg_tissue {
    int status;                 /* WG_OK, WG_EDOM, WG_ERANGE */
    size_t elem;                /* the element of the result */
    double a, b, p, y;          /* its arguments and value */
    const char *why;            /* the domain's reason */
} wg_tissue;

/* compute node i's values into wg_data(t, i); cmp_check: for a comparison,
 * compare with the recorded outcomes instead of storing (replay), and set
 * *flipped to the first element that differs + 1 (0: none) */
void wg_tensor_value_node(wg_tape *t, size_t i, wg_tissue *issue, int cmp_check,
                          size_t *flipped);
/* tangents of node i, k directions, from its operands' (the node's own are
 * zero from wg_prepare_tangents) */
void wg_tensor_fwd_node(wg_tape *t, size_t i, size_t k);
/* adjoint of node i added into its operands' */
void wg_tensor_rev_node(wg_tape *t, size_t i, size_t lo, double *adj);
/* elementwise nodes: the first element whose partial is not finite, with
 * *e set; 0 when none (or node i is not elementwise) */
int  wg_tensor_partials_nonfinite(const wg_tape *t, size_t i, size_t *e, double *arg);

/* tensor_ew.c */
void wg_ew_value(wg_tape *t, size_t i, wg_tissue *issue, int cmp_check, size_t *flipped);
void wg_ew_fwd(wg_tape *t, size_t i, size_t k);
void wg_ew_rev(wg_tape *t, size_t i, size_t lo, double *adj);
/* tensor_ops.c */
void wg_top_value(wg_tape *t, size_t i, wg_tissue *issue);
void wg_top_fwd(wg_tape *t, size_t i, size_t k);
void wg_top_rev(wg_tape *t, size_t i, size_t lo, double *adj);
/* tensor_matmul.c */
void wg_matmul_value(wg_tape *t, size_t i);
void wg_matmul_fwd(wg_tape *t, size_t i, size_t k);
void wg_matmul_rev(wg_tape *t, size_t i, size_t lo, double *adj);
/* the result shape of a @ b; 0 when they do not fit */
int  wg_matmul_shape(const wg_shape_rec *a, const wg_shape_rec *b, int *rank, size_t *dim);

/* test-only WG_TEST_* bits (wengert.h): read only while a partials hook
 * is set, as the scalar sweeps do */
static inline unsigned wg_test_bits(const wg_tape *t)
{
    return t->hook ? t->test_flags : 0u;
}
/* a test-only bug changed node i's rule: the hook is told (da = db = NULL) */
static inline void wg_test_fired(const wg_tape *t, int reverse, size_t i)
{
    if (t->hook)
        t->hook(t->hook_ctx, reverse, i, (wg_op)t->op[i], 0, 0, 0, 0, NULL, NULL);
}

/* A reverse sweep over x may skip the adjoints of tensors that depend on no
 * input (data: for X @ W with X data, a whole dgemm), unless x asks for
 * one of them: the value t->prune_passive takes for the sweep. */
static inline int wg_prune_passive_for(const wg_tape *t, size_t n, const wg_var *x)
{
    for (size_t j = 0; j < n; j++) {
        const wg_tnode *r = wg_tnode_of(t, wg_index(t, x[j]));
        if (r && !(r->flags & WG_TN_ACTIVE))
            return 0;
    }
    return 1;
}

/* ---- wg_hvp's double forward over reverse on tensor nodes (sweep_second.c)
 * The tangent of an adjoint, abar', has two parts: the node's adjoint map
 * applied to ybar' (the first-order kernel run on the abar' buffers), and
 * the derivative of the map itself along the tangents, applied to ybar:
 * wg_tensor_rev2_node adds that second part.  adt and tadt are the
 * abar' buffers in the layout of adj and of t->tadj. */
static inline double *wg_adt_at(const wg_tape *t, size_t i, size_t lo, double *adt,
                                double *tadt)
{
    if (i < lo)
        return NULL;
    if (wg_in_val(t, i))
        return adt + (i - lo);
    const wg_tnode *r = &t->tn[t->tref[i] - 1];
    if (t->prune_passive && !(r->flags & WG_TN_ACTIVE))
        return NULL;
    return tadt + (r->off - t->tadj_lo);
}
void wg_tensor_rev2_node(wg_tape *t, size_t i, size_t lo, double *adj, double *adt,
                         double *tadt);
void wg_ew_rev2(wg_tape *t, size_t i, size_t lo, double *adj, double *adt, double *tadt);
/* an elementwise node's three passes in one loop (no test hook set) */
void wg_ew_hvp(wg_tape *t, size_t i, size_t lo, double *adj, double *adt, double *tadt);
int  wg_tensor_elementwise(uint8_t op);
void wg_top_rev2(wg_tape *t, size_t i, size_t lo, double *adj, double *adt, double *tadt);
void wg_matmul_rev2(wg_tape *t, size_t i, size_t lo, double *adj, double *adt, double *tadt);

/* tensor_record.c: the elementwise paths of record.c and of a custom op
 * (lib/custom.c: op WG_OP_CUSTOM, c its op id, b WG_NONE for one of one
 * operand) */
wg_var wg_record_ew(wg_tape *t, wg_op op, uint32_t a, uint32_t b, double c);

#endif /* WG_TENSOR_H */
