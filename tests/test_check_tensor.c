/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_check_tensor.c -- tensor tapes in the verifier: the scalar lowering
 * (verify/lower.h) gives the original's values; its scalar gradients and
 * JVPs are the oracle of the library's tensor rules; wg_check_tape passes
 * on every tensor op; a planted wrong tensor rule fails and is blamed on
 * the tensor node, and the report names the node and its element. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */

#include "lower.h"
#include "op_kernels.h"
#include "test_util.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- random */

static uint64_t rng_state;

static uint64_t next64(void)
{
    /* splitmix64: a fixed, portable stream, so a failure repeats */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static size_t irand(size_t n)
{
    return n ? (size_t)(next64() % n) : 0;
}

static double urand(double lo, double hi)
{
    return lo + (hi - lo) * ((double)(next64() >> 11) * 0x1p-53);
}

typedef struct shp {
    int rank;
    size_t d[WG_MAX_RANK];
} shp;

static size_t numel(const shp *s)
{
    size_t n = 1;
    for (int k = 0; k < s->rank; k++)
        n *= s->d[k];
    return n;
}

/* a random shape of the given rank: sizes 1..maxd, sometimes 0 (zero_ok),
 * at most about 64 elements unless the rank is high (sizes 1 or 2 there) */
static shp rand_shape(int rank, size_t maxd, int zero_ok)
{
    shp s = { rank, { 0 } };
    for (int k = 0; k < rank; k++) {
        size_t lim = rank > 4 ? 2 : maxd;
        s.d[k] = 1 + irand(lim);
        if (zero_ok && irand(8) == 0)
            s.d[k] = 0;
    }
    return s;
}

static wg_var tensor_in(wg_tape *t, const shp *s, double lo, double hi, int constant)
{
    size_t n = numel(s);
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t e = 0; e < n; e++)
        v[e] = urand(lo, hi);
    wg_var x = constant ? wg_tensor_const(t, s->rank, s->d, v) : wg_tensor_input(t, s->rank, s->d, v);
    free(v);
    return x;
}

/* an input of small integers (-2 .. 2) */
static wg_var int_in(wg_tape *t, const shp *s)
{
    size_t n = numel(s);
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t e = 0; e < n; e++)
        v[e] = (double)irand(5) - 2;
    wg_var x = wg_tensor_input(t, s->rank, s->d, v);
    free(v);
    return x;
}

/* a shape that broadcasts to s: leading axes dropped, some sizes set to 1 */
static shp broadcast_from(const shp *s)
{
    shp b = { 0, { 0 } };
    int drop = (int)irand((size_t)s->rank + 1);
    for (int k = drop; k < s->rank; k++)
        b.d[b.rank++] = irand(3) == 0 ? 1 : s->d[k];
    return b;
}

static shp shape_of(const wg_tape *t, wg_var v)
{
    shp s = { 0, { 0 } };
    s.rank = wg_shape(t, v, s.d);
    return s;
}

static int status_ok(const wg_tape *t, const char *what)
{
    if (wg_status(t) == WG_OK)
        return 1;
    fprintf(stderr, "\n  %s: the tape failed: %s\n", what, wg_errmsg(t));
    return 0;
}

/* ---------------------------------------------------------------- one op at random shapes */

enum {
    C_UNARY, C_BINARY, C_CONSTOP, C_CMP, C_MATMUL, C_SUM, C_MEAN, C_MAXRED, C_LSE, C_LOGSOFTMAX,
    C_SOFTMAX, C_RESHAPE, C_TRANSPOSE, C_BROADCAST, C_SLICE, C_CONCAT, C_STACK, C_ARGMAX,
    C_COUNT
};

static const char *const case_name[C_COUNT] = {
    "unary", "binary", "const-op", "compare", "matmul", "sum", "mean", "max_reduce",
    "logsumexp", "logsoftmax", "softmax", "reshape", "transpose", "broadcast_to", "slice",
    "concat", "stack", "argmax_mask"
};

/* unary ops with their input ranges inside the domain */
static const struct { wg_op op; double lo, hi; } unary_ops[] = {
    { WG_OP_NEG, -3, 3 }, { WG_OP_EXP, -3, 3 }, { WG_OP_LOG, 0.1, 4 }, { WG_OP_LOG1P, -0.5, 3 },
    { WG_OP_EXPM1, -2, 2 }, { WG_OP_SQRT, 0.1, 4 }, { WG_OP_CBRT, 0.2, 4 }, { WG_OP_SIN, -3, 3 },
    { WG_OP_COS, -3, 3 }, { WG_OP_TAN, -1, 1 }, { WG_OP_ASIN, -0.9, 0.9 },
    { WG_OP_ACOS, -0.9, 0.9 }, { WG_OP_ATAN, -3, 3 }, { WG_OP_SINH, -2, 2 },
    { WG_OP_COSH, -2, 2 }, { WG_OP_TANH, -2, 2 }, { WG_OP_SIGMOID, -3, 3 },
    { WG_OP_SOFTPLUS, -3, 3 }, { WG_OP_RELU, 0.1, 3 }, { WG_OP_ABS, 0.1, 3 },
    { WG_OP_ERF, -2, 2 }, { WG_OP_SQUARE, -2, 2 }, { WG_OP_RECIP, 0.5, 3 },
    { WG_OP_STEP, -3, 3 }, { WG_OP_SIGN, -3, 3 },   /* random values: never exactly 0 */
};
#define NUNARY (sizeof unary_ops / sizeof unary_ops[0])

static const wg_op binary_ops[] = {
    WG_OP_ADD, WG_OP_SUB, WG_OP_MUL, WG_OP_DIV, WG_OP_POW, WG_OP_ATAN2, WG_OP_MIN, WG_OP_MAX,
    WG_OP_HYPOT
};
#define NBINARY (sizeof binary_ops / sizeof binary_ops[0])

static int rand_axis(int rank)
{
    int a = (int)irand((size_t)rank);
    return irand(2) ? a : a - rank;     /* negative axes count from the end */
}

/* records one case of kind k (inputs, then the op) and returns its node;
 * a tape whose last node is the op.  Shapes: ranks 0 to 8, 0-size axes,
 * size-1 broadcast axes. */
static wg_var record_case(wg_tape *t, int k, int rank)
{
    shp s = rand_shape(rank, 4, 1);
    switch (k) {
    case C_UNARY: {
        size_t u = irand(NUNARY);
        wg_var a = tensor_in(t, &s, unary_ops[u].lo, unary_ops[u].hi, 0);
        return wg_apply(t, unary_ops[u].op, a, a, 0);
    }
    case C_BINARY: {
        wg_op op = binary_ops[irand(NBINARY)];
        shp sb = broadcast_from(&s);
        int swap = irand(2);
        double lo = op == WG_OP_POW ? 0.3 : -2, hi = 2;
        wg_var a = tensor_in(t, swap ? &sb : &s, lo, hi, 0);
        wg_var b = tensor_in(t, swap ? &s : &sb, op == WG_OP_DIV ? 0.5 : -2, 2, irand(2));
        return wg_apply(t, op, a, b, 0);
    }
    case C_CONSTOP: {
        wg_var a = tensor_in(t, &s, 0.2, 3, 0);
        switch (irand(4)) {
        case 0:  return wg_add_c(t, a, urand(-2, 2));
        case 1:  return wg_mul_c(t, a, urand(-2, 2));
        case 2:  return wg_pow_c(t, a, urand(-2, 3));
        default: return wg_powi(t, a, (int)irand(7) - 3);
        }
    }
    case C_CMP: {
        /* small integers: ties happen, and must compare alike */
        shp sb = broadcast_from(&s);
        wg_var a = int_in(t, &s), b = int_in(t, &sb);
        static const wg_op cmp[] = { WG_OP_LT, WG_OP_LE, WG_OP_GT, WG_OP_GE, WG_OP_EQ, WG_OP_NE };
        return wg_apply(t, cmp[irand(6)], a, b, 0);
    }
    case C_MATMUL: {
        /* (..., m, K) @ (..., K, n) with 1-D operands and broadcast batches */
        int ra = rank < 1 ? 1 : rank, rb = 1 + (int)irand(3);
        if (ra > 5)
            ra = 5;
        size_t K = irand(5), m = 1 + irand(3), n = 1 + irand(3);
        if (irand(6) == 0)
            K = 0;
        shp sa = { ra, { 0 } }, sb2 = { rb, { 0 } };
        if (ra == 1)
            sa.d[0] = K;
        else {
            for (int q = 0; q < ra - 2; q++)
                sa.d[q] = 1 + irand(2);
            sa.d[ra - 2] = m;
            sa.d[ra - 1] = K;
        }
        if (rb == 1)
            sb2.d[0] = K;
        else {
            /* batch axes: a suffix of a's batch, sizes kept or set to 1 */
            int nb = rb - 2, abatch = ra - 2 > 0 ? ra - 2 : 0;
            for (int q = 0; q < nb; q++) {
                int src = abatch - nb + q;
                sb2.d[q] = src >= 0 ? (irand(2) ? sa.d[src] : 1) : 1 + irand(2);
            }
            sb2.d[rb - 2] = K;
            sb2.d[rb - 1] = n;
        }
        wg_var a = tensor_in(t, &sa, -2, 2, 0), b = tensor_in(t, &sb2, -2, 2, irand(3) == 0);
        return wg_matmul(t, a, b);
    }
    case C_SUM: case C_MEAN: {
        wg_var a = tensor_in(t, &s, -3, 3, 0);
        int axes[WG_MAX_RANK], na = 0;
        for (int q = 0; q < rank; q++)
            if (irand(2))
                axes[na++] = irand(2) ? q : q - rank;
        if (k == C_MEAN && na == 0 && numel(&s) == 0)
            return wg_sum(t, a, 0, NULL, (int)irand(2));
        if (k == C_MEAN) {
            /* a mean over an empty axis has no value: keep reduced axes nonempty */
            for (int q = 0; q < na; q++) {
                int ax = axes[q] < 0 ? axes[q] + rank : axes[q];
                if (s.d[ax] == 0)
                    return wg_sum(t, a, na, axes, (int)irand(2));
            }
            return wg_mean(t, a, na, na ? axes : NULL, (int)irand(2));
        }
        return wg_sum(t, a, na, na ? axes : NULL, (int)irand(2));
    }
    case C_MAXRED: case C_LSE: case C_LOGSOFTMAX: case C_SOFTMAX: {
        if (rank == 0) {
            s.rank = 1;
            s.d[0] = 3;
        }
        int ax = rand_axis(s.rank), a0 = ax < 0 ? ax + s.rank : ax;
        if (s.d[a0] == 0)
            s.d[a0] = 2;                /* no reduction over nothing */
        wg_var a = tensor_in(t, &s, -5, 5, 0);
        if (k == C_MAXRED)
            return wg_max_reduce(t, a, ax, (int)irand(2));
        if (k == C_LSE)
            return wg_logsumexp(t, a, ax, (int)irand(2));
        return k == C_LOGSOFTMAX ? wg_logsoftmax(t, a, ax) : wg_softmax(t, a, ax);
    }
    case C_RESHAPE: {
        wg_var a = tensor_in(t, &s, -3, 3, 0);
        size_t n = numel(&s);
        shp r = { 0, { 0 } };
        /* n as a product of factors, in random order, with 1s inserted */
        size_t left = n;
        for (size_t f = 2; left > 1 && r.rank < WG_MAX_RANK - 1;)
            if (left % f == 0) {
                r.d[r.rank++] = f;
                left /= f;
            } else
                f++;
        if (left != 1 || n == 0) {
            r.rank = 1;
            r.d[0] = n;
        }
        if (r.rank < WG_MAX_RANK && irand(2))
            r.d[r.rank++] = 1;
        for (int q = r.rank - 1; q > 0; q--) {
            int j = (int)irand((size_t)q + 1);
            size_t tmp = r.d[q];
            r.d[q] = r.d[j];
            r.d[j] = tmp;
        }
        return wg_reshape(t, a, r.rank, r.d);
    }
    case C_TRANSPOSE: {
        wg_var a = tensor_in(t, &s, -3, 3, 0);
        if (irand(4) == 0)
            return wg_transpose(t, a, NULL);
        int perm[WG_MAX_RANK];
        for (int q = 0; q < rank; q++)
            perm[q] = q;
        for (int q = rank - 1; q > 0; q--) {
            int j = (int)irand((size_t)q + 1), tmp = perm[q];
            perm[q] = perm[j];
            perm[j] = tmp;
        }
        return wg_transpose(t, a, perm);
    }
    case C_BROADCAST: {
        shp from = broadcast_from(&s);
        wg_var a = tensor_in(t, &from, -3, 3, 0);
        return wg_broadcast_to(t, a, s.rank, s.d);
    }
    case C_SLICE: {
        if (rank == 0) {
            s.rank = 1;
            s.d[0] = 4;
        }
        wg_var a = tensor_in(t, &s, -3, 3, 0);
        int ax = rand_axis(s.rank), a0 = ax < 0 ? ax + s.rank : ax;
        size_t lo = irand(s.d[a0] + 1), hi = lo + irand(s.d[a0] - lo + 1);
        return wg_slice(t, a, ax, lo, hi);
    }
    case C_CONCAT: case C_STACK: {
        if (rank == 0 && k == C_CONCAT) {
            s.rank = 1;
            s.d[0] = 2;
        }
        if (s.rank == WG_MAX_RANK && k == C_STACK)
            s.rank--;
        size_t np = 1 + irand(4);
        wg_var parts[4];
        int ax = k == C_STACK ? (int)irand((size_t)s.rank + 1) : rand_axis(s.rank);
        int a0 = ax < 0 ? ax + s.rank : ax;
        for (size_t q = 0; q < np; q++) {
            shp p = s;
            if (k == C_CONCAT)
                p.d[a0] = irand(4);
            parts[q] = tensor_in(t, &p, -3, 3, irand(3) == 0);
        }
        return k == C_CONCAT ? wg_concat(t, np, parts, ax) : wg_stack(t, np, parts, ax);
    }
    case C_ARGMAX: {
        /* the mask times its operand: the derivative is the mask, through
         * the operand only (the mask's own is 0); an empty axis is fine */
        if (rank == 0) {
            s.rank = 1;
            s.d[0] = 3;
        }
        wg_var a = tensor_in(t, &s, -5, 5, 0);
        return wg_mul(t, wg_argmax_mask(t, a, rand_axis(s.rank)), a);
    }
    }
    return wg_tape_var(t, 0);
}

/* ---------------------------------------------------------------- (a) values */

/* sum |terms| of each lowered node's value: |v| for most nodes, and for a
 * sum or a product the sums of its operands' (the scale of a dot
 * product's rounding, gamma_K sum |a_k b_k|) */
static double *abs_scale(const wg_tape *s)
{
    size_t n = wg_tape_size(s);
    double *a = malloc((n ? n : 1) * sizeof *a);
    for (size_t i = 0; i < n; i++) {
        wg_op op = wg_node_op(s, i);
        size_t p = wg_node_arg(s, i, 0), q = wg_node_arg(s, i, 1);
        if (op == WG_OP_ADD || op == WG_OP_SUB)
            a[i] = a[p] + a[q];
        else if (op == WG_OP_MUL)
            a[i] = a[p] * a[q];
        else
            a[i] = fabs(wg_node_value(s, i));
    }
    return a;
}

/* K of a matmul node (its operand a's last axis) */
static size_t matmul_K(const wg_tape *t, size_t i)
{
    size_t d[WG_MAX_RANK];
    int r = wg_node_shape(t, wg_node_arg(t, i, 0), d);
    return r > 0 ? d[r - 1] : 0;
}

/* every element of nodes 0..N-1 of t against its lowered node: exactly,
 * but a matmul within 2 gamma_(K+1) sum |a_k b_k| (BLAS sums in its own
 * order); returns the number of elements compared */
static size_t compare_values(const wg_tape *t, const wg_lowering *L, const char *what)
{
    double *sc = abs_scale(L->t);
    size_t count = 0;
    for (size_t i = 0; i < L->N; i++) {
        const double *v = wg_node_values(t, i);
        size_t ne = wg_node_numel(t, i);
        int mm = wg_node_op(t, i) == WG_OP_MATMUL;
        double g = 2.0 * (double)(matmul_K(t, i) + 1) * 0x1p-53;
        for (size_t e = 0; e < ne; e++, count++) {
            size_t s = wg_lower_elem(L, i, e);
            double lv = wg_node_value(L->t, s);
            int ok = mm ? fabs(lv - v[e]) <= g * sc[s] : lv == v[e];
            if (!ok)
                fprintf(stderr, "\n  %s: node %zu (%s) element %zu: lowered %.17g, tape %.17g\n",
                        what, i, wg_op_name(wg_node_op(t, i)), e, lv, v[e]);
            CU_ASSERT(ok);
        }
    }
    free(sc);
    return count;
}

static void test_values_every_op(void)
{
    rng_state = 11;
    size_t total = 0, cases = 0;
    for (int k = 0; k < C_COUNT; k++)
        for (int rep = 0; rep < 40; rep++) {
            /* ranks 0 to 8, the high ones with sizes 1 and 2 */
            int rank = rep < 4 ? 0 : rep < 8 ? WG_MAX_RANK : 1 + (int)irand(4);
            wg_tape *t = wg_tape_new();
            wg_var y = record_case(t, k, rank);
            char what[64];
            snprintf(what, sizeof what, "%s (rank %d, case %d)", case_name[k], rank, rep);
            CU_ASSERT_FATAL(status_ok(t, what));
            size_t N = wg_var_index(t, y) + 1;
            /* a rank-0 case of an elementwise op is a scalar tape */
            CU_ASSERT(wg_lower_needed(t, N) == (rank > 0 || k >= C_MATMUL));
            wg_lowering L;
            int st = wg_lower(t, N, &L);
            if (st != WG_OK)
                fprintf(stderr, "\n  %s: %s\n", what, L.msg);
            CU_ASSERT_FATAL(st == WG_OK);
            CU_ASSERT(L.flip_node == WG_LOWER_NONE);
            total += compare_values(t, &L, what);
            cases++;
            /* every scalar node knows its original node */
            for (size_t s = 0; s < L.nscalar; s++)
                CU_ASSERT(L.owner[s] < N);
            wg_lowering_free(&L);
            wg_tape_free(t);
        }
    CU_ASSERT(cases == 40u * C_COUNT);
    CU_ASSERT(total > 1000);
}

/* a scalar tape is never lowered; the lowering of a tensor tape that is
 * too large is refused before it records */
static void test_lower_limits(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 2), y = wg_sin(t, wg_mul(t, x, x));
    CU_ASSERT(!wg_lower_needed(t, wg_var_index(t, y) + 1));
    size_t da[2] = { 200, 200 }, db[2] = { 200, 300 };
    double *v = calloc(200 * 300, sizeof *v);
    wg_var a = wg_tensor_input(t, 2, da, v), b = wg_tensor_const(t, 2, db, v);
    wg_var c = wg_matmul(t, a, b);      /* 60 000 elements of 200 products: 24e6 nodes */
    CU_ASSERT_FATAL(status_ok(t, "200x200 @ 200x300"));
    wg_lowering L;
    CU_ASSERT(wg_lower(t, wg_var_index(t, c) + 1, &L) == WG_ELIMIT);
    CU_ASSERT(strstr(L.msg, "over the limit") != NULL);
    CU_ASSERT(L.t == NULL && L.elem == NULL);
    /* and the check says so, without a report */
    wg_check_report r;
    wg_check_options o;
    wg_check_options_init(&o);
    wg_var s = wg_sum(t, c, 0, NULL, 0);
    CU_ASSERT(wg_check_tape(t, 1, &a, 1, &s, &o, &r) == WG_ELIMIT);
    CU_ASSERT(strstr(r.error, "limit") != NULL);
    free(v);
    wg_tape_free(t);
}

/* ---------------------------------------------------------------- random graphs */

/* a random differentiable graph of tensor ops over a few tensor inputs:
 * elementwise functions, broadcast arithmetic, matmuls, reductions,
 * softmaxes, index maps.  Values stay moderate (tanh, sigmoid and
 * softmaxes bound them) and away from kinks; x gets the inputs, y the
 * outputs (the last node, and sometimes another). */
typedef struct graph {
    wg_tape *t;
    wg_var x[4];
    size_t n;
    wg_var y[2];
    size_t m;
} graph;

static wg_var smooth_unary(wg_tape *t, wg_var a)
{
    static const wg_op ops[] = { WG_OP_TANH, WG_OP_SIN, WG_OP_SIGMOID, WG_OP_ATAN, WG_OP_ERF,
                                 WG_OP_SOFTPLUS, WG_OP_COS };
    return wg_apply(t, ops[irand(sizeof ops / sizeof ops[0])], a, a, 0);
}

static wg_var graph_step(graph *g, wg_var a)
{
    wg_tape *t = g->t;
    shp s = shape_of(t, a);
    switch (irand(11)) {
    case 0:
        return smooth_unary(t, a);
    case 1: {           /* broadcast arithmetic with an input or a constant */
        shp sb = broadcast_from(&s);
        wg_var b;
        if (g->n < 4 && irand(2))
            b = g->x[g->n++] = tensor_in(t, &sb, -1, 1, 0);
        else
            b = tensor_in(t, &sb, -1, 1, 1);
        switch (irand(4)) {
        case 0:  return wg_add(t, a, b);
        case 1:  return wg_sub(t, b, a);
        case 2:  return wg_mul(t, a, b);
        default: return wg_div(t, a, wg_add_c(t, wg_square(t, b), 1.0));
        }
    }
    case 2: {           /* a matmul with a weight matrix or vector */
        if (s.rank == 0)
            return smooth_unary(t, a);
        size_t K = s.d[s.rank - 1];
        shp w = { irand(3) ? 2 : 1, { K, 1 + irand(3) } };
        wg_var b = g->n < 4 ? (g->x[g->n++] = tensor_in(t, &w, -1, 1, 0))
                            : tensor_in(t, &w, -1, 1, 1);
        return wg_tanh(t, wg_matmul(t, a, b));
    }
    case 3: {
        int axes[1] = { rand_axis(s.rank ? s.rank : 1) };
        if (s.rank == 0)
            return wg_sum(t, a, 0, NULL, 0);
        return irand(2) ? wg_sum(t, a, 1, axes, (int)irand(2))
                        : wg_mean(t, a, 1, axes, (int)irand(2));
    }
    case 4:
        if (s.rank == 0)
            return smooth_unary(t, a);
        return wg_logsumexp(t, a, rand_axis(s.rank), (int)irand(2));
    case 5:
        if (s.rank == 0)
            return smooth_unary(t, a);
        return irand(2) ? wg_softmax(t, a, rand_axis(s.rank))
                        : wg_logsoftmax(t, a, rand_axis(s.rank));
    case 6:
        if (s.rank == 0)
            return smooth_unary(t, a);
        return wg_max_reduce(t, a, rand_axis(s.rank), (int)irand(2));
    case 7:
        return wg_transpose(t, a, NULL);
    case 8: {
        size_t n = numel(&s);
        size_t d[2] = { 1, n };
        return irand(2) ? wg_reshape(t, a, 1, &n) : wg_reshape(t, a, 2, d);
    }
    case 9: {
        if (s.rank == 0 || s.d[0] < 2)
            return smooth_unary(t, a);
        return wg_slice(t, a, 0, irand(2), s.d[0]);
    }
    default: {
        wg_var parts[2] = { a, smooth_unary(t, a) };
        return irand(2) || s.rank == 0 ? wg_stack(t, 2, parts, 0) : wg_concat(t, 2, parts, -1);
    }
    }
}

static int graph_new(graph *g, int steps)
{
    memset(g, 0, sizeof *g);
    g->t = wg_tape_new();
    shp s = rand_shape(1 + (int)irand(3), 3, 0);
    g->x[g->n++] = tensor_in(g->t, &s, -1.5, 1.5, 0);
    wg_var a = g->x[0], other = g->x[0];
    for (int k = 0; k < steps; k++) {
        a = graph_step(g, a);
        if (irand(4) == 0)
            other = a;
    }
    g->y[g->m++] = a;
    if (irand(3) == 0 && other.id != a.id)
        g->y[g->m++] = other;
    return wg_status(g->t) == WG_OK;
}

static size_t flat(const wg_tape *t, size_t n, const wg_var *v)
{
    size_t s = 0;
    for (size_t j = 0; j < n; j++)
        s += wg_numel(t, v[j]);
    return s;
}

/* the lowered handles of the elements of v[0..n) */
static wg_var *lowered_handles(const wg_tape *t, const wg_lowering *L, size_t n, const wg_var *v)
{
    wg_var *h = malloc((flat(t, n, v) + 1) * sizeof *h);
    size_t q = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = wg_var_index(t, v[j]);
        for (size_t e = 0; e < wg_node_numel(t, i); e++)
            h[q++] = wg_tape_var(L->t, wg_lower_elem(L, i, e));
    }
    return h;
}

/* ---------------------------------------------------------------- (b) the scalar oracle */

static int quiet;           /* 1: a disagreement is expected, say nothing */

/* The rounding scale of a derivative on the lowered tape: tangents of
 * |partials| along |u| (forward) and adjoints of |partials| of |w|
 * (reverse), and the longest path, which bounds how many roundings a
 * result went through: a sum of k terms errs by gamma_k times the sum of
 * their magnitudes (Higham, sec. 3.1).  And what the two computations'
 * different values add: where the library's value of an element differs
 * from the lowered one (a matmul summed by BLAS, with fused
 * multiply-adds, in its own order), every partial taken at it differs,
 * by |d(library's values) - d(lowered values)| (dd); carried to the
 * results by the same tangents and adjoints (terr, aerr). */
typedef struct scale {
    double *tabs, *aabs, *terr, *aerr;
    size_t depth;
} scale;

/* the library's value of lowered node i: its element's, or for an inner
 * step (no library value) the lowered one */
static double lib_value(const wg_tape *t, const wg_lowering *L, size_t i)
{
    if (L->owner_elem[i] == WG_LOWER_NONE)
        return wg_node_value(L->t, i);
    return wg_node_values(t, L->owner[i])[L->owner_elem[i]];
}

static void partials_of(const wg_tape *t, const wg_lowering *L, size_t i, int lib, double d[2])
{
    const wg_tape *s = L->t;
    wg_op op = wg_node_op(s, i);
    int bin = wg_op_kind_of(op) == WG_KIND_BINARY;
    size_t p = wg_node_arg(s, i, 0), q = bin ? wg_node_arg(s, i, 1) : p;
    double a = lib ? lib_value(t, L, p) : wg_node_value(s, p);
    double b = lib ? lib_value(t, L, q) : wg_node_value(s, q);
    double y = lib ? lib_value(t, L, i) : wg_node_value(s, i);
    wg_op_partials(op, a, b, wg_node_param(s, i), y, &d[0], &d[1]);
    if (!bin)
        d[1] = 0;
}

static void scale_of(const wg_tape *t, const wg_lowering *L, size_t nx, const wg_var *x,
                     const double *u, size_t ny, const wg_var *y, const double *w, scale *sc)
{
    const wg_tape *s = L->t;
    size_t n = wg_tape_size(s);
    sc->tabs = calloc(n + 1, sizeof *sc->tabs);
    sc->aabs = calloc(n + 1, sizeof *sc->aabs);
    sc->terr = calloc(n + 1, sizeof *sc->terr);
    sc->aerr = calloc(n + 1, sizeof *sc->aerr);
    double *d = calloc(2 * n + 2, sizeof *d), *dd = calloc(2 * n + 2, sizeof *dd);
    size_t *dep = calloc(n + 1, sizeof *dep);
    sc->depth = 1;
    for (size_t i = 0; i < n; i++) {
        wg_op_kind k = wg_op_kind_of(wg_node_op(s, i));
        if (k == WG_KIND_LEAF || k == WG_KIND_CMP)
            continue;
        double dl[2];
        partials_of(t, L, i, 0, &d[2 * i]);
        partials_of(t, L, i, 1, dl);
        for (int q = 0; q < 2; q++)
            dd[2 * i + q] = isfinite(dl[q]) ? fabs(dl[q] - d[2 * i + q]) : 0;
    }
    for (size_t j = 0; j < nx; j++)
        sc->tabs[wg_var_index(s, x[j])] += fabs(u[j]);
    for (size_t i = 0; i < n; i++) {
        wg_op_kind k = wg_op_kind_of(wg_node_op(s, i));
        if (k == WG_KIND_LEAF || k == WG_KIND_CMP)
            continue;
        size_t p = wg_node_arg(s, i, 0), q = k == WG_KIND_BINARY ? wg_node_arg(s, i, 1) : p;
        int bin = k == WG_KIND_BINARY;
        sc->tabs[i] = fabs(d[2 * i]) * sc->tabs[p] + (bin ? fabs(d[2 * i + 1]) * sc->tabs[q] : 0);
        sc->terr[i] = (fabs(d[2 * i]) + dd[2 * i]) * sc->terr[p] + dd[2 * i] * sc->tabs[p]
                      + (bin ? (fabs(d[2 * i + 1]) + dd[2 * i + 1]) * sc->terr[q]
                               + dd[2 * i + 1] * sc->tabs[q] : 0);
        dep[i] = 1 + (dep[p] > dep[q] ? dep[p] : dep[q]);
        if (dep[i] > sc->depth)
            sc->depth = dep[i];
    }
    for (size_t j = 0; j < ny; j++)
        sc->aabs[wg_var_index(s, y[j])] += fabs(w[j]);
    for (size_t i = n; i-- > 0;) {
        wg_op_kind k = wg_op_kind_of(wg_node_op(s, i));
        if (k == WG_KIND_LEAF || k == WG_KIND_CMP || (sc->aabs[i] == 0 && sc->aerr[i] == 0))
            continue;
        size_t p = wg_node_arg(s, i, 0), q = k == WG_KIND_BINARY ? wg_node_arg(s, i, 1) : p;
        for (int r = 0; r < (k == WG_KIND_BINARY ? 2 : 1); r++) {
            size_t o = r ? q : p;
            sc->aabs[o] += fabs(d[2 * i + r]) * sc->aabs[i];
            sc->aerr[o] += (fabs(d[2 * i + r]) + dd[2 * i + r]) * sc->aerr[i]
                           + dd[2 * i + r] * sc->aabs[i];
        }
    }
    free(d);
    free(dd);
    free(dep);
}

/* the library's tensor VJP and JVP of g against the scalar library's on
 * the lowering, along random u and w; tolerance 8 (depth + 2) u times the
 * rounding scale, plus twice what the values' differences carry: both are
 * correct computations of one sum of path products, each within
 * gamma_depth of it, with partials taken at values that may differ */
static int oracle_compare(graph *g, const char *what)
{
    wg_lowering L;
    size_t N = 0;
    for (size_t j = 0; j < g->m; j++)
        if (wg_var_index(g->t, g->y[j]) + 1 > N)
            N = wg_var_index(g->t, g->y[j]) + 1;
    if (wg_lower(g->t, N, &L) != WG_OK) {
        fprintf(stderr, "\n  %s: %s\n", what, L.msg);
        return 0;
    }
    size_t n = flat(g->t, g->n, g->x), m = flat(g->t, g->m, g->y);
    wg_var *lx = lowered_handles(g->t, &L, g->n, g->x), *ly = lowered_handles(g->t, &L, g->m, g->y);
    double *u = malloc((n + 1) * sizeof *u), *w = malloc((m + 1) * sizeof *w);
    double *xb = malloc((n + 1) * sizeof *xb), *lxb = malloc((n + 1) * sizeof *lxb);
    double *yd = malloc((m + 1) * sizeof *yd), *lyd = malloc((m + 1) * sizeof *lyd);
    for (size_t j = 0; j < n; j++)
        u[j] = urand(-1, 1);
    for (size_t j = 0; j < m; j++)
        w[j] = urand(-1, 1);
    int ok = 1;
    int s1 = wg_vjp(g->t, g->m, g->y, w, g->n, g->x, xb);
    int s2 = wg_vjp(L.t, m, ly, w, n, lx, lxb);
    int s3 = wg_jvp(g->t, g->n, g->x, u, g->m, g->y, yd);
    int s4 = wg_jvp(L.t, n, lx, u, m, ly, lyd);
    if (s1 || s2 || s3 || s4) {
        fprintf(stderr, "\n  %s: sweeps %d %d %d %d: %s / %s\n", what, s1, s2, s3, s4,
                wg_errmsg(g->t), wg_errmsg(L.t));
        ok = 0;
    }
    scale sc;
    scale_of(g->t, &L, n, lx, u, m, ly, w, &sc);
    double f = 8.0 * (double)(sc.depth + 2) * 0x1p-53;
    for (size_t j = 0; ok && j < n; j++) {
        size_t q = wg_var_index(L.t, lx[j]);
        double tol = f * sc.aabs[q] + 2 * sc.aerr[q] + 0x1p-1060;
        if (!(fabs(xb[j] - lxb[j]) <= tol)) {
            if (!quiet)
                fprintf(stderr, "\n  %s: xbar[%zu]: tensor %.17g, scalar %.17g (tol %.3g)\n",
                        what, j, xb[j], lxb[j], tol);
            ok = 0;
        }
    }
    for (size_t j = 0; ok && j < m; j++) {
        size_t q = wg_var_index(L.t, ly[j]);
        double tol = f * sc.tabs[q] + 2 * sc.terr[q] + 0x1p-1060;
        if (!(fabs(yd[j] - lyd[j]) <= tol)) {
            if (!quiet)
                fprintf(stderr, "\n  %s: ydot[%zu]: tensor %.17g, scalar %.17g (tol %.3g)\n",
                        what, j, yd[j], lyd[j], tol);
            ok = 0;
        }
    }
    free(sc.tabs);
    free(sc.aabs);
    free(sc.terr);
    free(sc.aerr);
    free(u); free(w); free(xb); free(lxb); free(yd); free(lyd); free(lx); free(ly);
    wg_lowering_free(&L);
    return ok;
}

static void test_oracle_random_graphs(void)
{
    rng_state = 23;
    int checked = 0;
    for (int k = 0; k < 300; k++) {
        graph g;
        char what[64];
        snprintf(what, sizeof what, "random graph %d", k);
        if (!graph_new(&g, 2 + (int)irand(6))) {
            fprintf(stderr, "\n  %s: %s\n", what, wg_errmsg(g.t));
            CU_FAIL("a random graph failed to record");
            wg_tape_free(g.t);
            continue;
        }
        CU_ASSERT(oracle_compare(&g, what));
        checked++;
        wg_tape_free(g.t);
    }
    CU_ASSERT(checked == 300);
}

/* every op alone, at random shapes (0-size axes too): the oracle as well */
static void test_oracle_every_op(void)
{
    rng_state = 29;
    for (int k = 0; k < C_COUNT; k++) {
        if (k == C_CMP)
            continue;                   /* no derivative to compare */
        for (int rep = 0; rep < 20; rep++) {
            graph g;
            memset(&g, 0, sizeof g);
            g.t = wg_tape_new();
            int rank = rep < 2 ? 0 : rep < 4 ? WG_MAX_RANK : 1 + (int)irand(4);
            wg_var y = record_case(g.t, k, rank);
            char what[64];
            snprintf(what, sizeof what, "%s (rank %d, case %d)", case_name[k], rank, rep);
            CU_ASSERT_FATAL(status_ok(g.t, what));
            /* the inputs: every input node up to y */
            for (size_t i = 0; i <= wg_var_index(g.t, y) && g.n < 4; i++)
                if (wg_node_op(g.t, i) == WG_OP_INPUT)
                    g.x[g.n++] = wg_tape_var(g.t, i);
            g.y[g.m++] = y;
            if (g.n > 0 && flat(g.t, g.n, g.x) > 0 && flat(g.t, 1, &y) > 0)
                CU_ASSERT(oracle_compare(&g, what));
            wg_tape_free(g.t);
        }
    }
}

/* ---------------------------------------------------------------- (c) the check passes */

static int report_passes(const wg_check_report *r, const char *what)
{
    if (r->verdict == WG_VERDICT_PASS)
        return 1;
    fprintf(stderr, "\n  %s: %s\n", what, wg_verdict_name(r->verdict));
    wg_check_report_print(r, what, stderr);
    return 0;
}

static void test_check_every_op(void)
{
    rng_state = 31;
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 2;
    int ran = 0;
    for (int k = 0; k < C_COUNT; k++) {
        if (k == C_CMP)
            continue;
        for (int rep = 0; rep < 6; rep++) {
            wg_tape *t = wg_tape_new();
            int rank = rep == 0 ? 0 : rep == 1 ? 6 : 1 + (int)irand(3);
            wg_var y = record_case(t, k, rank);
            char what[64];
            snprintf(what, sizeof what, "check %s (rank %d, case %d)", case_name[k], rank, rep);
            CU_ASSERT_FATAL(status_ok(t, what));
            wg_var x[4];
            size_t n = 0;
            for (size_t i = 0; i <= wg_var_index(t, y) && n < 4; i++)
                if (wg_node_op(t, i) == WG_OP_INPUT && wg_node_numel(t, i) > 0)
                    x[n++] = wg_tape_var(t, i);
            /* a tensor output, or its sum (one output) */
            wg_var out = irand(2) ? wg_sum(t, wg_sin(t, y), 0, NULL, 0) : y;
            if (n == 0 || wg_numel(t, out) == 0) {
                wg_tape_free(t);
                continue;
            }
            wg_check_report r;
            CU_ASSERT_FATAL(wg_check_tape(t, n, x, 1, &out, &o, &r) == WG_OK);
            /* relu, abs, min and max of random values are off their kinks,
             * and the check must pass on each */
            CU_ASSERT(report_passes(&r, what));
            ran++;
            wg_check_report_free(&r);
            wg_tape_free(t);
        }
    }
    CU_ASSERT(ran > 60);
}

static void test_check_random_graphs(void)
{
    rng_state = 37;
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 2;
    for (int k = 0; k < 40; k++) {
        graph g;
        char what[64];
        snprintf(what, sizeof what, "check random graph %d", k);
        if (!graph_new(&g, 2 + (int)irand(5))) {
            CU_FAIL("a random graph failed to record");
            wg_tape_free(g.t);
            continue;
        }
        o.full_jacobian = k % 8 == 0;
        wg_check_report r;
        CU_ASSERT_FATAL(wg_check_tape(g.t, g.n, g.x, g.m, g.y, &o, &r) == WG_OK);
        CU_ASSERT(report_passes(&r, what));
        if (o.full_jacobian)
            CU_ASSERT(r.nresults == o.directions + flat(g.t, g.n, g.x));
        wg_check_report_free(&r);
        wg_tape_free(g.t);
    }
}

/* the tensor check of Z = X W, v = sum(tanh(Z)) gives the scalar check's
 * figures for the same function written element by element */
static void test_check_matches_scalar(void)
{
    double X[12] = { 0.3, -1.2, 0.7, 1.1, 0.4, -0.5, -0.9, 0.2, 1.3, 0.6, -0.1, 0.8 };
    double W[6] = { 0.5, -0.4, 0.9, 0.1, -0.7, 0.3 };
    size_t dx[2] = { 4, 3 }, dw[2] = { 3, 2 };
    wg_tape *t = wg_tape_new();
    wg_var xc = wg_tensor_const(t, 2, dx, X), w = wg_tensor_input(t, 2, dw, W);
    wg_var v = wg_sum(t, wg_tanh(t, wg_matmul(t, xc, w)), 0, NULL, 0);
    CU_ASSERT_FATAL(status_ok(t, "Z = X W"));
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 3;
    wg_check_report r;
    CU_ASSERT_FATAL(wg_check_tape(t, 1, &w, 1, &v, &o, &r) == WG_OK);
    CU_ASSERT(report_passes(&r, "Z = X W"));
    CU_ASSERT(r.nresults == 3);
    /* the same function on scalars: the same directions (6 inputs, one
     * output), the same reference */
    wg_tape *s = wg_tape_new();
    wg_var ws[6], acc = { 0 };
    for (int j = 0; j < 6; j++)
        ws[j] = wg_input(s, W[j]);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++) {
            wg_var z = wg_mul(s, wg_const(s, X[3 * i]), ws[j]);
            for (int k = 1; k < 3; k++)
                z = wg_add(s, z, wg_mul(s, wg_const(s, X[3 * i + k]), ws[2 * k + j]));
            wg_var h = wg_tanh(s, z);
            acc = i == 0 && j == 0 ? h : wg_add(s, acc, h);
        }
    wg_check_report rs;
    CU_ASSERT_FATAL(wg_check_tape(s, 6, ws, 1, &acc, &o, &rs) == WG_OK);
    for (size_t k = 0; k < 3; k++)
        WG_ASSERT_CLOSE(r.results[k].reference, rs.results[k].reference, 0x1p-50, 0);
    wg_check_report_free(&r);
    wg_check_report_free(&rs);
    wg_tape_free(s);
    wg_tape_free(t);
}

/* kink conventions on tensors: max_reduce at a tie passes the derivative
 * to the first maximal element (nondiff, AD the convention's value, the
 * message naming the tensor node); logsumexp at a tie of its maximum is
 * smooth (its shift is stop_gradient) and passes */
static void test_check_tensor_kinks(void)
{
    wg_tape *t = wg_tape_new();
    size_t d[1] = { 4 };
    double v[4] = { 1, 3, 3, 2 };
    wg_var x = wg_tensor_input(t, 1, d, v);
    wg_var m = wg_max_reduce(t, x, 0, 0), l = wg_logsumexp(t, x, 0, 0);
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 3;
    o.full_jacobian = 1;
    wg_check_report r;
    CU_ASSERT_FATAL(wg_check_tape(t, 1, &x, 1, &m, &o, &r) == WG_OK);
    CU_ASSERT(r.verdict == WG_VERDICT_NONDIFF);
    for (size_t k = 0; k < r.nresults; k++)
        CU_ASSERT(r.results[k].verdict != WG_VERDICT_FAIL);
    /* columns e_1 and e_2: the first maximal element gets the derivative */
    CU_ASSERT_EQUAL(r.results[3 + 1].fig[WG_METHOD_REVERSE].value, 1.0);
    CU_ASSERT_EQUAL(r.results[3 + 2].fig[WG_METHOD_REVERSE].value, 0.0);
    wg_check_report_free(&r);
    /* max over (x1, x2) less max over (x2, x1) at x1 = x2 is flat, yet AD
     * gives u1 - u2 by the convention: nondiff, naming a max_reduce node
     * on its kink (the reference sees no kink) */
    wg_var parts[2] = { wg_slice(t, x, 0, 2, 3), wg_slice(t, x, 0, 1, 2) };
    wg_var flat = wg_sub(t, wg_max_reduce(t, wg_slice(t, x, 0, 1, 3), 0, 0),
                         wg_max_reduce(t, wg_concat(t, 2, parts, 0), 0, 0));
    o.full_jacobian = 0;
    CU_ASSERT_FATAL(wg_check_tape(t, 1, &x, 1, &flat, &o, &r) == WG_OK);
    CU_ASSERT(r.verdict == WG_VERDICT_NONDIFF);
    int named = 0;
    for (size_t k = 0; k < r.nresults; k++) {
        CU_ASSERT(r.results[k].verdict == WG_VERDICT_NONDIFF);
        named |= strstr(r.results[k].message, "(max_reduce) sits on its kink") != NULL;
    }
    CU_ASSERT(named);
    wg_check_report_free(&r);
    CU_ASSERT_FATAL(wg_check_tape(t, 1, &x, 1, &l, &o, &r) == WG_OK);
    CU_ASSERT(report_passes(&r, "logsumexp at a tie of its maximum"));
    wg_check_report_free(&r);
    wg_tape_free(t);
}

/* argmax_mask's lowering (step nodes of exact differences): the library's
 * mask at ties of small integers, any axis, 0-size axes; away from ties
 * the check passes; at a tie the mask jumps, and a check through it is
 * nondiff, AD the documented value (the mask's derivative 0) */
static void test_argmax_mask_ties(void)
{
    rng_state = 41;
    for (int rep = 0; rep < 60; rep++) {
        wg_tape *t = wg_tape_new();
        int rank = 1 + (int)irand(4);
        shp s = rand_shape(rank, 4, 1);
        wg_var a = int_in(t, &s);
        wg_var y = wg_argmax_mask(t, a, rand_axis(rank));
        char what[64];
        snprintf(what, sizeof what, "argmax_mask of integers (rank %d, case %d)", rank, rep);
        CU_ASSERT_FATAL(status_ok(t, what));
        wg_lowering L;
        int st = wg_lower(t, wg_var_index(t, y) + 1, &L);
        if (st != WG_OK)
            fprintf(stderr, "\n  %s: %s\n", what, L.msg);
        CU_ASSERT_FATAL(st == WG_OK);
        compare_values(t, &L, what);
        wg_lowering_free(&L);
        wg_tape_free(t);
    }
    /* huge operands of both signs: differences that would overflow */
    {
        wg_tape *t = wg_tape_new();
        double v[4] = { -1.5e308, 1.7e308, 1.7e308, -0x1p-1074 };
        wg_var a = wg_tensor_input(t, 1, (size_t[]){ 4 }, v);
        wg_var y = wg_argmax_mask(t, a, 0);
        wg_lowering L;
        CU_ASSERT_FATAL(wg_lower(t, wg_var_index(t, y) + 1, &L) == WG_OK);
        compare_values(t, &L, "argmax_mask of huge values");
        wg_lowering_free(&L);
        wg_tape_free(t);
    }

    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 3;
    o.full_jacobian = 1;
    double v[4] = { 1, 3, 2.5, 2 }, c[4] = { 10, 20, 30, 40 };
    size_t d[1] = { 4 };
    for (int tie = 0; tie < 2; tie++) {
        if (tie)
            v[2] = 3;                       /* elements 1 and 2 tie */
        wg_tape *t = wg_tape_new();
        wg_var x = wg_tensor_input(t, 1, d, v), C = wg_tensor_const(t, 1, d, c);
        wg_var m = wg_argmax_mask(t, x, 0);
        /* the maximum through the mask (continuous, a kink at the tie) and
         * the constant it picks (a jump at the tie) */
        wg_var ys[2] = { wg_sum(t, wg_mul(t, m, x), 0, NULL, 0),
                         wg_sum(t, wg_mul(t, m, C), 0, NULL, 0) };
        for (int k = 0; k < 2; k++) {
            char what[64];
            snprintf(what, sizeof what, "argmax_mask %s, %s", tie ? "at a tie" : "off ties",
                     k ? "a jump" : "the maximum");
            wg_check_report r;
            CU_ASSERT_FATAL(wg_check_tape(t, 1, &x, 1, &ys[k], &o, &r) == WG_OK);
            if (!tie) {
                CU_ASSERT(report_passes(&r, what));
            } else {
                if (r.verdict != WG_VERDICT_NONDIFF)
                    wg_check_report_print(&r, what, stderr);
                CU_ASSERT(r.verdict == WG_VERDICT_NONDIFF);
                for (size_t j = 0; j < r.nresults; j++) {
                    const wg_check_result *res = &r.results[j];
                    CU_ASSERT(res->verdict != WG_VERDICT_FAIL);
                    /* the jump's reference is no number a check may pass */
                    if (k && res->verdict == WG_VERDICT_PASS)
                        CU_ASSERT(isfinite(res->reference) && res->reference == 0);
                }
                /* columns e_1 and e_2: the maximum's derivative goes to the
                 * first maximal element; the jump's is 0 */
                CU_ASSERT_EQUAL(r.results[3 + 1].fig[WG_METHOD_REVERSE].value, k ? 0.0 : 1.0);
                CU_ASSERT_EQUAL(r.results[3 + 2].fig[WG_METHOD_REVERSE].value, 0.0);
            }
            wg_check_report_free(&r);
        }
        wg_tape_free(t);
    }
}

/* a tensor output that is an index map of an input, a broadcast and a
 * 0-size input among the x handles: the flattened counts */
static void test_check_flattening(void)
{
    wg_tape *t = wg_tape_new();
    size_t d2[2] = { 2, 3 }, d0[1] = { 0 };
    double v[6] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 };
    wg_var a = wg_tensor_input(t, 2, d2, v), z = wg_tensor_input(t, 1, d0, v);
    wg_var x[2] = { z, a };
    wg_var y[2] = { wg_transpose(t, a, NULL), wg_sin(t, a) };
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 2;
    o.full_jacobian = 1;
    wg_check_report r;
    CU_ASSERT_FATAL(wg_check_tape(t, 2, x, 2, y, &o, &r) == WG_OK);
    CU_ASSERT(r.nresults == 2 + 6);
    CU_ASSERT(report_passes(&r, "transpose and sin"));
    wg_check_report_free(&r);
    /* a tensor input recorded after the output: it moves nothing, and its
     * elements still count as directions' coordinates */
    size_t d3[1] = { 3 };
    wg_var late = wg_tensor_input(t, 1, d3, v);
    wg_var xl[2] = { a, late };
    o.full_jacobian = 0;
    CU_ASSERT_FATAL(wg_check_tape(t, 2, xl, 1, &y[1], &o, &r) == WG_OK);
    CU_ASSERT(report_passes(&r, "an input after the output"));
    wg_check_report_free(&r);
    wg_var s1 = wg_sin(t, wg_input(t, 0.5));    /* a scalar output, a tensor input after it */
    wg_var late2 = wg_tensor_input(t, 1, d3, v);
    wg_var xl2[2] = { wg_tape_var(t, wg_var_index(t, s1) - 1), late2 };
    CU_ASSERT_FATAL(wg_check_tape(t, 2, xl2, 1, &s1, &o, &r) == WG_OK);
    CU_ASSERT(report_passes(&r, "a tensor input after a scalar output"));
    wg_check_report_free(&r);
    /* no input elements at all */
    CU_ASSERT(wg_check_tape(t, 1, &z, 1, &y[1], &o, &r) == WG_EINVAL);
    CU_ASSERT(strstr(r.error, "no elements") != NULL);
    wg_tape_free(t);
}

/* ---------------------------------------------------------------- (d) planted wrong rules */

/* A wrong partial through the test-only hook.  The library's elementwise
 * tensor sweeps call it per element with the tensor node's index; the
 * element is told by its operand's value (random, so distinct). */
typedef struct plant_hook {
    size_t node;
    double a;               /* the operand value of the element it acts on (NaN: all) */
    int modes;              /* 1: forward, 2: reverse */
    int which;              /* 0: da, 1: db */
    double factor;
    unsigned calls;
} plant_hook;

static void hook(void *ctx, int reverse, size_t node, wg_op op, double a, double b, double p,
                 double y, double *da, double *db)
{
    (void)op; (void)b; (void)p; (void)y;
    plant_hook *h = ctx;
    if (node != h->node || (!isnan(h->a) && a != h->a) || !(h->modes & (reverse ? 2 : 1)))
        return;
    *(h->which ? db : da) *= h->factor;
    h->calls++;
}

/* Z = X W, H = tanh(Z + b), loss = -mean(logsoftmax(H V)): a 2-layer
 * network on a batch of 4; inputs W (3x5), b (5), V (5x3) */
typedef struct net {
    wg_tape *t;
    wg_var x[3], z, zb, h, loss;
} net;

static void net_record(net *g)
{
    double X[12], W[15], B[5], V[15];
    rng_state = 41;
    for (int k = 0; k < 12; k++)
        X[k] = urand(-1, 1);
    for (int k = 0; k < 15; k++) {
        W[k] = urand(-0.8, 0.8);
        V[k] = urand(-0.8, 0.8);
    }
    for (int k = 0; k < 5; k++)
        B[k] = urand(-0.3, 0.3);
    size_t dx[2] = { 4, 3 }, dw[2] = { 3, 5 }, db[1] = { 5 }, dv[2] = { 5, 3 };
    g->t = wg_tape_new();
    wg_var xc = wg_tensor_const(g->t, 2, dx, X);
    g->x[0] = wg_tensor_input(g->t, 2, dw, W);
    g->x[1] = wg_tensor_input(g->t, 1, db, B);
    g->x[2] = wg_tensor_input(g->t, 2, dv, V);
    g->z = wg_matmul(g->t, xc, g->x[0]);
    g->zb = wg_add(g->t, g->z, g->x[1]);          /* b broadcast over the batch */
    g->h = wg_tanh(g->t, g->zb);
    wg_var lp = wg_logsoftmax(g->t, wg_matmul(g->t, g->h, g->x[2]), -1);
    g->loss = wg_neg(g->t, wg_mean(g->t, lp, 0, NULL, 0));
}

static wg_check_report check_net(net *g)
{
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 2;
    wg_check_report r;
    CU_ASSERT_FATAL(wg_check_tape(g->t, 3, g->x, 1, &g->loss, &o, &r) == WG_OK);
    return r;
}

static int blamed(const wg_check_report *r, size_t node, wg_op op, long elem, const char *mode)
{
    if (r->verdict != WG_VERDICT_FAIL) {
        fprintf(stderr, "\n  expected a failure, got %s\n", wg_verdict_name(r->verdict));
        return 0;
    }
    const wg_check_result *res = &r->results[r->worst];
    int ok = res->blame_node == (long)node && res->blame_op == op && res->blame_elem == elem
             && (!mode || strcmp(res->fail_mode, mode) == 0);
    if (!ok)
        fprintf(stderr, "\n  expected blame node %zu (%s) element %ld (%s), got node %ld (%s) "
                "element %ld (%s): %s\n", node, wg_op_name(op), elem, mode ? mode : "any",
                res->blame_node, wg_op_name(res->blame_op) ? wg_op_name(res->blame_op) : "-",
                res->blame_elem, res->fail_mode, res->message);
    return ok;
}

/* tanh's rule wrong at one element: forward only, reverse only, both */
static void test_planted_elementwise(void)
{
    net g;
    net_record(&g);
    CU_ASSERT_FATAL(status_ok(g.t, "network"));
    wg_check_report r = check_net(&g);
    CU_ASSERT(report_passes(&r, "network, correct rules"));
    wg_check_report_free(&r);

    double zb[20];
    CU_ASSERT_FATAL(wg_tensor_value(g.t, g.zb, zb) == WG_OK);
    size_t th = wg_var_index(g.t, g.h);
    const size_t elem = 13;
    static const char *const mode_name[4] = { NULL, "forward", "reverse", NULL };
    for (int modes = 1; modes <= 3; modes++) {
        plant_hook h = { th, zb[elem], modes, 0, 1 + 1e-6, 0 };
        wg_tape_set_partials_hook(g.t, hook, &h);
        r = check_net(&g);
        CU_ASSERT(h.calls > 0);
        /* forward blame names the element whose tangent first departs;
         * reverse blame the node that passes a wrong adjoint to its
         * operand (matmul's element 13 then, in the message) */
        CU_ASSERT(blamed(&r, th, WG_OP_TANH, modes & 1 ? (long)elem : -1, mode_name[modes]));
        if (modes == 2)
            CU_ASSERT(strstr(r.results[r.worst].message, "element 13") != NULL);
        wg_check_report_free(&r);
        wg_tape_set_partials_hook(g.t, NULL, NULL);
    }
    wg_tape_free(g.t);
}

/* the oracle of (b) sees a wrong rule too: tanh's partial off by 1e-9 in
 * one mode, every element, against the lowered tape's scalar sweeps */
static void test_oracle_catches(void)
{
    for (int modes = 1; modes <= 2; modes++) {
        net n;
        net_record(&n);
        graph g = { n.t, { n.x[0], n.x[1], n.x[2] }, 3, { n.loss }, 1 };
        CU_ASSERT(oracle_compare(&g, "network, correct rules"));
        plant_hook h = { wg_var_index(n.t, n.h), NAN, modes, 0, 1 + 1e-9, 0 };
        wg_tape_set_partials_hook(n.t, hook, &h);
        quiet = 1;
        CU_ASSERT(!oracle_compare(&g, "network, tanh wrong"));
        quiet = 0;
        CU_ASSERT(h.calls > 0);
        wg_tape_free(n.t);
    }
}

/* the bias add's partial for b wrong at one element, in reverse mode: the
 * sum over the batch (the broadcast's adjoint) carries it to b */
static void test_planted_broadcast(void)
{
    net g;
    net_record(&g);
    double z[20];
    CU_ASSERT_FATAL(wg_tensor_value(g.t, g.z, z) == WG_OK);
    size_t add = wg_var_index(g.t, g.zb);
    plant_hook h = { add, z[7], 2, 1, 1 - 1e-5, 0 };
    wg_tape_set_partials_hook(g.t, hook, &h);
    wg_check_report r = check_net(&g);
    CU_ASSERT(h.calls > 0);
    CU_ASSERT(blamed(&r, add, WG_OP_ADD, -1, "reverse"));
    wg_check_report_free(&r);
    wg_tape_free(g.t);
}

/* Rules the hook cannot reach (matmul, the index maps, reductions have no
 * per-element partial) are planted by wrapping the library's results at
 * link time (-Wl,--wrap): a constant error in one element of a node's
 * tangent, or in the adjoint one node passes to an element of its operand,
 * in every sweep of the armed tape, and in what the per-node inspection
 * reports, as a wrong rule would give them.  The planted node is an output
 * (forward) and its operand an input (reverse), so that nothing else
 * would carry the error further. */
typedef struct plant_wrap {
    const wg_tape *t;       /* the armed tape, or NULL */
    size_t node;            /* forward: node's element elem is off */
    size_t elem;
    size_t xnode, xelem;    /* reverse: node passes a wrong adjoint to xnode's element */
    int modes;
    double delta;
} plant_wrap;

static plant_wrap wrap;

int __real_wg_jvp(wg_tape *t, size_t n, const wg_var *x, const double *u, size_t m,
                  const wg_var *y, double *ydot);
int __real_wg_vjp(wg_tape *t, size_t m, const wg_var *y, const double *w, size_t n,
                  const wg_var *x, double *xbar);
double __real_wg_node_tangent_at(const wg_tape *t, size_t i, size_t e);
double __real_wg_node_adjoint_at(const wg_tape *t, size_t i, size_t e);
int __wrap_wg_jvp(wg_tape *t, size_t n, const wg_var *x, const double *u, size_t m,
                  const wg_var *y, double *ydot);
int __wrap_wg_vjp(wg_tape *t, size_t m, const wg_var *y, const double *w, size_t n,
                  const wg_var *x, double *xbar);
double __wrap_wg_node_tangent_at(const wg_tape *t, size_t i, size_t e);
double __wrap_wg_node_adjoint_at(const wg_tape *t, size_t i, size_t e);

int __wrap_wg_jvp(wg_tape *t, size_t n, const wg_var *x, const double *u, size_t m,
                  const wg_var *y, double *ydot)
{
    int st = __real_wg_jvp(t, n, x, u, m, y, ydot);
    if (st != WG_OK || t != wrap.t || !(wrap.modes & 1))
        return st;
    size_t off = 0;
    for (size_t j = 0; j < m; j++) {
        if (wg_var_index(t, y[j]) == wrap.node)
            ydot[off + wrap.elem] += wrap.delta;
        off += wg_numel(t, y[j]);
    }
    return st;
}

int __wrap_wg_vjp(wg_tape *t, size_t m, const wg_var *y, const double *w, size_t n,
                  const wg_var *x, double *xbar)
{
    int st = __real_wg_vjp(t, m, y, w, n, x, xbar);
    if (st != WG_OK || t != wrap.t || !(wrap.modes & 2))
        return st;
    int from = 0;
    for (size_t j = 0; j < m; j++)
        from |= wg_var_index(t, y[j]) == wrap.node;
    size_t off = 0;
    for (size_t j = 0; from && j < n; j++) {
        if (wg_var_index(t, x[j]) == wrap.xnode)
            xbar[off + wrap.xelem] += wrap.delta;
        off += wg_numel(t, x[j]);
    }
    return st;
}

double __wrap_wg_node_tangent_at(const wg_tape *t, size_t i, size_t e)
{
    double v = __real_wg_node_tangent_at(t, i, e);
    if (t == wrap.t && (wrap.modes & 1) && i == wrap.node && e == wrap.elem)
        v += wrap.delta;
    return v;
}

double __wrap_wg_node_adjoint_at(const wg_tape *t, size_t i, size_t e)
{
    double v = __real_wg_node_adjoint_at(t, i, e);
    if (t == wrap.t && (wrap.modes & 2) && i == wrap.xnode && e == wrap.xelem)
        v += wrap.delta;
    return v;
}

/* y = op(x) for a tensor op of one input, checked with a rule planted */
static void planted_wrapped(wg_op op, int modes, size_t elem, size_t xelem)
{
    wg_tape *t = wg_tape_new();
    double a[12];
    rng_state = 43;
    for (int k = 0; k < 12; k++)
        a[k] = urand(-1, 1);
    size_t d34[2] = { 3, 4 }, d4[1] = { 4 }, d43[2] = { 4, 3 };
    wg_var x, y;
    switch (op) {
    case WG_OP_MATMUL: {
        x = wg_tensor_input(t, 2, d43, a);
        wg_var c = wg_tensor_const(t, 2, d34, a);
        y = wg_matmul(t, c, x);                 /* 3x3 */
        break;
    }
    case WG_OP_TRANSPOSE:
        x = wg_tensor_input(t, 2, d34, a);
        y = wg_transpose(t, x, NULL);
        break;
    default: {
        x = wg_tensor_input(t, 1, d4, a);
        y = wg_broadcast_to(t, x, 2, d34);
        break;
    }
    }
    CU_ASSERT_FATAL(status_ok(t, wg_op_name(op)));
    wrap = (plant_wrap){ t, wg_var_index(t, y), elem, wg_var_index(t, x), xelem, modes, 1e-7 };
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 2;
    wg_check_report r;
    CU_ASSERT_FATAL(wg_check_tape(t, 1, &x, 1, &y, &o, &r) == WG_OK);
    wrap.t = NULL;
    char what[64];
    snprintf(what, sizeof what, "%s, planted in %s mode", wg_op_name(op),
             modes == 1 ? "forward" : "reverse");
    if (!blamed(&r, wg_var_index(t, y), op, modes == 1 ? (long)elem : -1,
                modes == 1 ? "forward" : "reverse")) {
        wg_check_report_print(&r, what, stderr);
        CU_FAIL("wrong blame");
    }
    wg_check_report_free(&r);
    /* disarmed, the same check passes */
    CU_ASSERT_FATAL(wg_check_tape(t, 1, &x, 1, &y, &o, &r) == WG_OK);
    CU_ASSERT(report_passes(&r, what));
    wg_check_report_free(&r);
    wg_tape_free(t);
}

static void test_planted_wrapped(void)
{
    planted_wrapped(WG_OP_MATMUL, 1, 5, 0);         /* forward: element 5 of the 3x3 */
    planted_wrapped(WG_OP_MATMUL, 2, 0, 7);         /* reverse: to element 7 of W */
    planted_wrapped(WG_OP_TRANSPOSE, 1, 6, 0);      /* an index map: no node of its own */
    planted_wrapped(WG_OP_TRANSPOSE, 2, 0, 2);
    planted_wrapped(WG_OP_BROADCAST_TO, 1, 9, 0);
    planted_wrapped(WG_OP_BROADCAST_TO, 2, 0, 3);   /* the sum over the stretched axis */
}

/* ---------------------------------------------------------------- (e) the report */

static char *printed(const wg_check_report *r, int json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (json)
        wg_check_report_json(r, "case", f);
    else
        wg_check_report_print(r, "case", f);
    fclose(f);
    return buf;
}

static void test_report_names_element(void)
{
    net g;
    net_record(&g);
    double zb[20];
    CU_ASSERT_FATAL(wg_tensor_value(g.t, g.zb, zb) == WG_OK);
    size_t th = wg_var_index(g.t, g.h);
    plant_hook h = { th, zb[6], 1, 0, 1 + 1e-6, 0 };
    wg_tape_set_partials_hook(g.t, hook, &h);
    wg_check_report r = check_net(&g);
    char want[96];
    char *text = printed(&r, 0), *json = printed(&r, 1);
    snprintf(want, sizeof want, "blame      node %zu (tanh) element 6: v%zu = tanh(v%zu)\n",
             th, th, wg_node_arg(g.t, th, 0));
    CU_ASSERT(strstr(text, want) != NULL);
    snprintf(want, sizeof want, "\"blame\":{\"node\":%zu,\"op\":\"tanh\",\"element\":6,"
             "\"text\":\"v%zu = tanh(v%zu)\"}", th, th, wg_node_arg(g.t, th, 0));
    CU_ASSERT(strstr(json, want) != NULL);
    snprintf(want, sizeof want, "blame: node %zu (tanh) element 6: tangent", th);
    CU_ASSERT(strstr(r.results[r.worst].message, want) != NULL);
    free(text);
    free(json);
    wg_check_report_free(&r);
    wg_tape_free(g.t);

    /* a scalar tape's blame names no element, as before */
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 0.7), y = wg_tanh(t, wg_mul(t, x, x));
    plant_hook hs = { wg_var_index(t, y), wg_value(t, wg_tape_var(t, 1)), 3, 0, 1 + 1e-6, 0 };
    wg_tape_set_partials_hook(t, hook, &hs);
    wg_check_options o;
    wg_check_options_init(&o);
    CU_ASSERT_FATAL(wg_check_tape(t, 1, &x, 1, &y, &o, &r) == WG_OK);
    CU_ASSERT(blamed(&r, 2, WG_OP_TANH, -1, NULL));
    text = printed(&r, 0);
    json = printed(&r, 1);
    CU_ASSERT(strstr(text, "blame      node 2 (tanh): v2 = tanh(v1)\n") != NULL);
    CU_ASSERT(strstr(json, "\"blame\":{\"node\":2,\"op\":\"tanh\",\"text\":\"v2 = tanh(v1)\"}")
              != NULL);
    free(text);
    free(json);
    wg_check_report_free(&r);
    wg_tape_free(t);
}

/* wg_backward, wg_eval's replay and the derivatives after it are judged
 * on a tensor tape as on a scalar one: every figure computed, within its
 * bound; a replay off by 2^-30 at one tensor node is blamed on it */
static void test_paths_on_tensor_tapes(void)
{
    net g;
    net_record(&g);
    wg_check_report r = check_net(&g);
    CU_ASSERT(report_passes(&r, "the network's paths"));
    static const wg_path judged[] = { WG_PATH_BACKWARD, WG_PATH_REPLAY, WG_PATH_REPLAY_VJP,
                                      WG_PATH_REPLAY_JVP };
    for (size_t k = 0; k < sizeof judged / sizeof judged[0]; k++) {
        const wg_figure *f = &r.results[0].path[judged[k]];
        if (!f->computed || !(f->abs_err <= f->err_est))
            fprintf(stderr, "\n  path %s: computed %d, err %g, bound %g\n",
                    wg_path_name(judged[k]), f->computed, f->abs_err, f->err_est);
        CU_ASSERT(f->computed);
        CU_ASSERT(f->abs_err <= f->err_est);
    }
    CU_ASSERT(r.results[1].path[WG_PATH_BACKWARD].computed);
    wg_check_report_free(&r);
    wg_tape_free(g.t);

    /* sinh replayed 2^-30 off (the test switch, armed with a hook that
     * changes nothing) */
    wg_tape *t = wg_tape_new();
    size_t d[2] = { 2, 3 };
    double v[6] = { 0.5, -1.25, 2, 0.75, 1.5, -0.5 };
    wg_var x = wg_tensor_input(t, 2, d, v);
    wg_var s = wg_sinh(t, wg_mul(t, x, x));
    wg_var y = wg_sum(t, s, 0, NULL, 0);
    wg_tape_set_partials_hook(t, hook, &(plant_hook){ (size_t)-1, NAN, 0, 0, 1, 0 });
    wg_tape_set_test_flags(t, WG_TEST_EVAL_SINH_OFF);
    wg_check_options o;
    wg_check_options_init(&o);
    CU_ASSERT_FATAL(wg_check_tape(t, 1, &x, 1, &y, &o, &r) == WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
    CU_ASSERT_STRING_EQUAL(r.results[r.worst].fail_mode, "replay");
    CU_ASSERT_EQUAL(r.results[r.worst].blame_node, (long)wg_var_index(t, s));
    CU_ASSERT_EQUAL(r.results[r.worst].blame_op, WG_OP_SINH);
    wg_check_report_free(&r);
    wg_tape_free(t);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "(a) lowered values equal the tape's, every op, random shapes", test_values_every_op },
        { "lowering limits; scalar tapes are not lowered", test_lower_limits },
        { "(b) scalar oracle: random tensor graphs", test_oracle_random_graphs },
        { "(b) scalar oracle: every op at random shapes", test_oracle_every_op },
        { "(c) the check passes on every tensor op", test_check_every_op },
        { "argmax_mask: ties lowered exactly; nondiff at a tie", test_argmax_mask_ties },
        { "(c) the check passes on random tensor graphs", test_check_random_graphs },
        { "(c) Z = X W: the tensor check's reference is the scalar one's", test_check_matches_scalar },
        { "(c) flattened inputs and outputs", test_check_flattening },
        { "(c) kink conventions on tensors", test_check_tensor_kinks },
        { "(d) a wrong elementwise tensor rule (hook) is blamed", test_planted_elementwise },
        { "(d) a wrong broadcast adjoint (hook) is blamed", test_planted_broadcast },
        { "(d) the scalar oracle sees a wrong tensor rule", test_oracle_catches },
        { "(d) wrong matmul and index-map rules (wrapped) are blamed", test_planted_wrapped },
        { "(e) the report names the tensor node and element", test_report_names_element },
        { "(f) wg_backward, the replay and the derivatives after it on tensor tapes",
          test_paths_on_tensor_tapes },
        { NULL, NULL }
    };
    return wg_test_main("check_tensor", cases);
}
