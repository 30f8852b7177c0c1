/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lower.h -- private to libwengert-verify: a tape with tensor nodes
 * recorded again, element by element, on a new tape of scalar ops only.
 *
 * The verifier's machinery (MPFR replay, own sweeps, error bound, kink
 * conventions, blame) works per scalar node.  Lowering turns a tensor tape
 * into an equivalent scalar tape, so that all of it applies unchanged; and
 * since the lowering is written from the ops' definitions (NumPy's), with
 * scalar ops and no code of the library's tensor kernels, it is the
 * independent reference of every tensor op.  The original tape is read
 * through the public inspection API only.
 *
 * What each op becomes, per output element (doc/VERIFY.md, "Tensor graphs"):
 *   input, const        one wg_input / wg_const per element, row-major
 *   elementwise ops     the same scalar op, operands read through NumPy's
 *                       broadcasting index maps (comparisons too)
 *   matmul              acc = a_0 b_0, then acc = acc + a_k b_k, k = 1..K-1
 *                       (K = 0: the constant 0); 1-D operands and batch
 *                       axes as NumPy
 *   sum                 acc = x_0, then acc = acc + x_j in ascending
 *                       row-major input index; an empty sum is the constant 0
 *   mean                that sum divided (wg_div) by the constant count
 *   max_reduce          m = x_0, then m = max(m, x_j): a tie keeps the first
 *   logsumexp           m = stop_gradient(max chain), s = sum of exp(x_j - m),
 *                       y = m + log(s)
 *   logsoftmax          (x_i - m) - log(s);  softmax: exp(x_i - m) / s
 *   reshape, transpose, broadcast_to, slice, concat
 *                       index maps: no new node, the element is the
 *                       operand's element
 *   argmax_mask         per row, with p_j / s_j the max chains of the
 *                       elements before / after j:
 *                       step(x_j - p_j) * (1 - step(s_j - x_j)), exact in
 *                       double; at a tie a step sits on its kink
 * A reduction over one element, likewise, is that element itself.
 *
 * Nodes that are no element of an original node (the partial sums and
 * products of a matmul, a reduction's chain, the shift of a logsumexp) are
 * "inner steps": they have no library counterpart. */
#ifndef WG_LOWER_H
#define WG_LOWER_H

#include "wengert.h"

#include <stddef.h>

/* a scalar tape of more nodes than this (or an element map of more
 * entries) is refused with WG_ELIMIT: at 20 million nodes the verifier's
 * three MPFR replays alone take gigabytes, and an (m,k)@(k,n) matmul
 * lowers to 2mkn nodes */
#define WG_LOWER_MAX_NODES ((size_t)20000000)

#define WG_LOWER_NONE ((size_t)-1)

typedef struct wg_lowering {
    wg_tape *t;             /* the scalar tape */
    size_t N;               /* original nodes lowered: 0 .. N-1 */
    size_t *first;          /* N + 1 offsets into elem */
    size_t *elem;           /* elem[first[i] + e]: the scalar node of element e of node i */
    size_t *pos;            /* pos[i]: scalar nodes recorded before node i was lowered */
    size_t nscalar;         /* nodes of t */
    size_t *owner;          /* per scalar node: the original node that recorded it */
    size_t *owner_elem;     /* its element there; WG_LOWER_NONE for an inner step */
    /* a comparison whose outcome on the scalar tape is not the one the
     * original recorded (an operand within rounding of a tie, computed in
     * another order), or WG_LOWER_NONE */
    size_t flip_node, flip_elem;
    char msg[320];          /* why, when wg_lower fails */
} wg_lowering;

/* 1 when any of nodes 0 .. N-1 of t is a tensor: rank > 0, or an op of
 * kind TUNARY or TBINARY */
int  wg_lower_needed(const wg_tape *t, size_t N);

/* Lower nodes 0 .. N-1 of t into L (a new scalar tape).  Returns WG_OK;
 * WG_ENOMEM; WG_ELIMIT (above WG_LOWER_MAX_NODES); WG_EDOM or WG_ERANGE
 * when a scalar node, computed in another order than the library's kernel
 * (a matmul), leaves its op's domain; WG_EINVAL when the original tape is
 * not what its ops say (a shape NumPy would not give, unknown attributes):
 * L->msg says which node.  On failure L holds nothing to free. */
int  wg_lower(const wg_tape *t, size_t N, wg_lowering *L);
void wg_lowering_free(wg_lowering *L);

/* the scalar node of element e of original node i */
static inline size_t wg_lower_elem(const wg_lowering *L, size_t i, size_t e)
{
    return L->elem[L->first[i] + e];
}

#endif /* WG_LOWER_H */
