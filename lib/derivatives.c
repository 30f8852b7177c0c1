/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* derivatives.c -- the drivers: gradients, VJPs, JVPs, Jacobians and the
 * accumulating backward.  Each validates its arguments, seeds a sweep over
 * the smallest range of nodes that can matter, and reads the results. */
#include "tape.h"
#include "tensor.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

int wg_check_list(wg_tape *t, const char *fn, const char *what, size_t n,
                  const wg_var *v, int inputs_only, size_t *lo, size_t *hi)
{
    *lo = SIZE_MAX;
    *hi = 0;
    if (n == 0)
        return WG_OK;
    if (!v)
        return wg_call_fail(t, WG_EINVAL, "%s: %s is NULL but its length is %zu", fn, what, n);
    for (size_t j = 0; j < n; j++) {
        uint32_t i = wg_index(t, v[j]);
        if (i == WG_NONE)
            return wg_call_fail(t, WG_EINVAL, "%s: %s[%zu] (id %u) is not a live handle of "
                                "this tape", fn, what, j, v[j].id);
        if (inputs_only && t->op[i] != WG_OP_INPUT)
            return wg_call_fail(t, WG_EINVAL, "%s: %s[%zu] is node %u (%s), not an input", fn,
                                what, j, i, wg_op_name((wg_op)t->op[i]));
        if (i < *lo)
            *lo = i;
        if (i > *hi)
            *hi = i;
    }
    return WG_OK;
}

int wg_list_numel(wg_tape *t, const char *fn, const char *what, size_t n, const wg_var *v,
                  size_t *total)
{
    size_t s = 0;
    for (size_t j = 0; j < n; j++) {
        size_t k = wg_numel_at(t, wg_index(t, v[j]));
        if (s > SIZE_MAX / sizeof(double) - k)
            return wg_call_fail(t, WG_ELIMIT, "%s: the elements of %s overflow a size", fn, what);
        s += k;
    }
    *total = s;
    return WG_OK;
}

static int check_ptr(wg_tape *t, const char *fn, const char *what, size_t n, const void *p)
{
    if (n && !p)
        return wg_call_fail(t, WG_EINVAL, "%s: %s is NULL but its length is %zu", fn, what, n);
    return WG_OK;
}

static int check_finite_in(wg_tape *t, const char *fn, const char *what, size_t n,
                           const double *w)
{
    for (size_t j = 0; j < n; j++)
        if (!isfinite(w[j]))
            return wg_call_fail(t, WG_EINVAL, "%s: %s[%zu] = %g is not finite", fn, what, j, w[j]);
    return WG_OK;
}


int wg_vjp(wg_tape *t, size_t m, const wg_var *y, const double *w,
           size_t n, const wg_var *x, double *xbar)
{
    static const char fn[] = "wg_vjp";
    int s = wg_usable(t);
    size_t xlo, xhi, ylo, yhi, M, N;
    if (s != WG_OK)
        return s;
    if ((s = wg_check_list(t, fn, "y", m, y, 0, &ylo, &yhi)) != WG_OK
        || (s = wg_check_list(t, fn, "x", n, x, 0, &xlo, &xhi)) != WG_OK
        || (s = wg_list_numel(t, fn, "y", m, y, &M)) != WG_OK
        || (s = wg_list_numel(t, fn, "x", n, x, &N)) != WG_OK
        || (s = check_ptr(t, fn, "w", M, w)) != WG_OK
        || (s = check_ptr(t, fn, "xbar", N, xbar)) != WG_OK
        || (s = check_finite_in(t, fn, "w", M, w)) != WG_OK)
        return s;
    if (N == 0)
        return WG_OK;
    if (m == 0 || yhi < xlo) {              /* no output depends on any x */
        memset(xbar, 0, N * sizeof *xbar);
        return WG_OK;
    }
    if (wg_prepare_adjoints(t, xlo, yhi) != WG_OK)
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for %zu adjoints", fn,
                            yhi - xlo + 1);
    /* A tensor that depends on no input (data recorded after the first
     * input, say) needs no adjoint, and its rule's share can be skipped:
     * for X @ W with X data, a whole dgemm.  Unless x asks for one. */
    t->prune_passive = wg_prune_passive_for(t, n, x);
    const double *wj = w;
    for (size_t j = 0; j < m; j++) {
        uint32_t i = wg_index(t, y[j]);
        size_t k = wg_numel_at(t, i);
        double *g = wg_adj_at(t, i, xlo, t->adj);
        if (g)                              /* NULL: before x, or a constant */
            for (size_t e = 0; e < k; e++)
                g[e] += wj[e];
        wj += k;
    }
    wg_sweep_reverse(t, xlo, yhi, t->adj);
    t->prune_passive = 0;
    double *xj = xbar;
    for (size_t j = 0; j < n; j++) {
        uint32_t i = wg_index(t, x[j]);     /* after every y: no path, and no buffer */
        size_t k = wg_numel_at(t, i);
        if (i <= yhi)
            memcpy(xj, wg_adj_at(t, i, xlo, t->adj), k * sizeof *xj);
        else
            memset(xj, 0, k * sizeof *xj);
        xj += k;
    }
    return wg_check_finite(t, fn, xbar, N, xlo, yhi + 1);
}

int wg_grad(wg_tape *t, wg_var y, size_t n, const wg_var *x, double *g)
{
    static const double one = 1.0;
    return wg_vjp(t, 1, &y, &one, n, x, g);
}

int wg_jvp_multi(wg_tape *t, size_t n, const wg_var *x, size_t k, const double *U,
                 size_t m, const wg_var *y, double *Ydot)
{
    static const char fn[] = "wg_jvp";
    int s = wg_usable(t);
    size_t xlo, xhi, ylo, yhi, N, M;
    if (s != WG_OK)
        return s;
    if ((s = wg_check_list(t, fn, "x", n, x, 1, &xlo, &xhi)) != WG_OK
        || (s = wg_check_list(t, fn, "y", m, y, 0, &ylo, &yhi)) != WG_OK
        || (s = wg_list_numel(t, fn, "x", n, x, &N)) != WG_OK
        || (s = wg_list_numel(t, fn, "y", m, y, &M)) != WG_OK)
        return s;
    if (k && (N > SIZE_MAX / sizeof(double) / k || M > SIZE_MAX / sizeof(double) / k))
        return wg_call_fail(t, WG_ELIMIT, "%s: %zu directions overflow a size", fn, k);
    if ((s = check_ptr(t, fn, "directions", N * k, U)) != WG_OK
        || (s = check_ptr(t, fn, "ydot", M * k, Ydot)) != WG_OK
        || (s = check_finite_in(t, fn, "directions", N * k, U)) != WG_OK)
        return s;
    if (M == 0 || k == 0)
        return WG_OK;
    if (n == 0 || yhi < xlo) {              /* no output depends on any x */
        memset(Ydot, 0, M * k * sizeof *Ydot);
        return WG_OK;
    }
    if (wg_prepare_tangents(t, xlo, yhi + 1, k) != WG_OK)
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for %zu x %zu tangents", fn,
                            yhi + 1 - xlo, k);
    const double *uj = U;                   /* row r of U: input element r */
    for (size_t j = 0; j < n; j++) {
        uint32_t i = wg_index(t, x[j]);
        size_t ne = wg_numel_at(t, i);
        if (i <= yhi)                       /* after every y: reaches none, outside the buffer */
            for (size_t d = 0; d < k; d++) {
                double *tj = wg_tan_at(t, i, d);
                /* a rank-0 node keeps its k directions side by side, a
                 * tensor one slab per direction: wg_tan_at knows which */
                for (size_t e = 0; e < ne; e++)
                    tj[e] += uj[e * k + d];
            }
        uj += ne * k;
    }
    wg_sweep_forward(t, xlo, yhi + 1, k);
    double *yr = Ydot;
    for (size_t r = 0; r < m; r++) {
        uint32_t i = wg_index(t, y[r]);
        size_t ne = wg_numel_at(t, i);
        for (size_t d = 0; d < k; d++) {
            const double *ti = i >= xlo ? wg_tan_at(t, i, d) : NULL;
            for (size_t e = 0; e < ne; e++)
                yr[e * k + d] = ti ? ti[e] : 0.0;
        }
        yr += ne * k;
    }
    return wg_check_finite(t, fn, Ydot, M * k, xlo, yhi + 1);
}

int wg_jvp(wg_tape *t, size_t n, const wg_var *x, const double *u,
           size_t m, const wg_var *y, double *ydot)
{
    return wg_jvp_multi(t, n, x, 1, u, m, y, ydot);
}

/* the arguments of a Jacobian driver: the lists, their element counts M and
 * N, and J's size */
static int jacobian_args(wg_tape *t, const char *fn, size_t m, const wg_var *y, size_t n,
                         const wg_var *x, const double *J, size_t *M, size_t *N)
{
    size_t lo, hi;
    int s;
    if ((s = wg_check_list(t, fn, "x", n, x, 1, &lo, &hi)) != WG_OK
        || (s = wg_check_list(t, fn, "y", m, y, 0, &lo, &hi)) != WG_OK
        || (s = wg_list_numel(t, fn, "x", n, x, N)) != WG_OK
        || (s = wg_list_numel(t, fn, "y", m, y, M)) != WG_OK)
        return s;
    if (*N && *M > SIZE_MAX / sizeof(double) / *N)
        return wg_call_fail(t, WG_ELIMIT, "%s: a %zu x %zu Jacobian overflows a size", fn, *M,
                            *N);
    return check_ptr(t, fn, "J", *M * *N, J);
}

int wg_jacobian_rev(wg_tape *t, size_t m, const wg_var *y, size_t n, const wg_var *x,
                    double *J)
{
    static const char fn[] = "wg_jacobian_rev";
    int s = wg_usable(t);
    size_t M, N;
    if (s != WG_OK)
        return s;
    if ((s = jacobian_args(t, fn, m, y, n, x, J, &M, &N)) != WG_OK)
        return s;
    if (M == 0)
        return WG_OK;
    /* one reverse sweep per output element, seeded with e_r on its handle;
     * the seed buffer is kept on the tape, so repeated calls allocate nothing */
    size_t kmax = 0;
    for (size_t j = 0; j < m; j++)
        if (wg_numel(t, y[j]) > kmax)
            kmax = wg_numel(t, y[j]);
    if (wg_scratch(t, &t->seed, &t->seed_cap, kmax) != WG_OK)
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for %zu cotangents", fn, kmax);
    memset(t->seed, 0, kmax * sizeof *t->seed);
    double *row = J;
    for (size_t j = 0; j < m && s == WG_OK; j++) {
        size_t k = wg_numel(t, y[j]);
        for (size_t e = 0; e < k && s == WG_OK; e++, row += N) {
            t->seed[e] = 1.0;
            s = wg_vjp(t, 1, y + j, t->seed, n, x, row);
            t->seed[e] = 0.0;
            /* a planted bug (WG_TEST_JAC_REV_STALE): the previous row's sum kept */
            if (t->hook && (t->test_flags & WG_TEST_JAC_REV_STALE) && row != J)
                for (size_t c = 0; c < N; c++)
                    row[c] += (row - N)[c];
        }
    }
    return s;
}

/* Columns in blocks: one vector-forward sweep per block of JAC_BLOCK
 * directions, so the tangent buffer is JAC_BLOCK doubles a node. */
#define JAC_BLOCK 16

int wg_jacobian_fwd(wg_tape *t, size_t m, const wg_var *y, size_t n, const wg_var *x,
                    double *J)
{
    static const char fn[] = "wg_jacobian_fwd";
    int s = wg_usable(t);
    size_t M, N;
    if (s != WG_OK)
        return s;
    if ((s = jacobian_args(t, fn, m, y, n, x, J, &M, &N)) != WG_OK)
        return s;
    if (M == 0 || N == 0)
        return WG_OK;
    size_t kmax = N < JAC_BLOCK ? N : JAC_BLOCK;
    double *U = wg_mem_realloc(t, NULL, N * kmax * sizeof *U);
    double *Y = wg_mem_realloc(t, NULL, M * kmax * sizeof *Y);
    if (!U || !Y) {
        wg_mem_free(t, U);
        wg_mem_free(t, Y);
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for a block of %zu columns", fn, kmax);
    }
    for (size_t c0 = 0; c0 < N && s == WG_OK; c0 += kmax) {
        size_t k = N - c0 < kmax ? N - c0 : kmax;
        memset(U, 0, N * k * sizeof *U);
        for (size_t d = 0; d < k; d++)
            U[(c0 + d) * k + d] = 1.0;
        s = wg_jvp_multi(t, n, x, k, U, m, y, Y);
        for (size_t r = 0; r < M && s == WG_OK; r++)
            memcpy(J + r * N + c0, Y + r * k, k * sizeof *J);
    }
    wg_mem_free(t, U);
    wg_mem_free(t, Y);
    return s;
}

int wg_jacobian(wg_tape *t, size_t m, const wg_var *y, size_t n, const wg_var *x, double *J)
{
    /* reverse costs one sweep per output element, vector forward one per
     * input element (in blocks), each sweep about the same work: take the
     * fewer */
    size_t M = 0, N = 0;
    if (t && t->status == WG_OK && (!m || y) && (!n || x)) {
        for (size_t j = 0; j < m; j++)
            M += wg_numel(t, y[j]);
        for (size_t j = 0; j < n; j++)
            N += wg_numel(t, x[j]);
    }
    return M <= N ? wg_jacobian_rev(t, m, y, n, x, J) : wg_jacobian_fwd(t, m, y, n, x, J);
}

int wg_backward(wg_tape *t, wg_var y, double seed)
{
    static const char fn[] = "wg_backward";
    int s = wg_usable(t);
    if (s != WG_OK)
        return s;
    uint32_t yi = wg_index(t, y);
    if (yi == WG_NONE)
        return wg_call_fail(t, WG_EINVAL, "%s: y (id %u) is not a live handle of this tape",
                            fn, y.id);
    if (wg_numel_at(t, yi) != 1)
        return wg_call_fail(t, WG_ESHAPE, "%s: y (node %u) holds %zu elements, not one", fn, yi,
                            wg_numel_at(t, yi));
    if (!isfinite(seed))
        return wg_call_fail(t, WG_EINVAL, "%s: seed %g is not finite", fn, seed);
    if (wg_scratch(t, &t->grad, &t->grad_cap, t->n) != WG_OK
        || (t->ntn && wg_scratch(t, &t->tgrad, &t->tgrad_cap, t->arena_n + 1) != WG_OK)
        || wg_prepare_adjoints(t, 0, yi) != WG_OK)
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for %zu gradients", fn, t->n);
    if (t->grad_n < t->n) {                 /* nodes new since the last backward start at 0 */
        memset(t->grad + t->grad_n, 0, (t->n - t->grad_n) * sizeof *t->grad);
        t->grad_n = t->n;
    }
    if (t->tgrad_n < t->arena_n) {
        memset(t->tgrad + t->tgrad_n, 0, (t->arena_n - t->tgrad_n) * sizeof *t->tgrad);
        t->tgrad_n = t->arena_n;
    }
    wg_adj_at(t, yi, 0, t->adj)[0] = seed;
    wg_sweep_reverse(t, 0, yi, t->adj);
    s = wg_check_finite(t, fn, t->adj, (size_t)yi + 1, 0, (size_t)yi + 1);
    if (s == WG_OK)
        s = wg_check_finite(t, fn, t->tadj, t->tadj_hi - t->tadj_lo, 0, (size_t)yi + 1);
    /* a planted bug (WG_TEST_BACKWARD_STORE): stored, not accumulated */
    int store = t->hook && (t->test_flags & WG_TEST_BACKWARD_STORE);
    for (size_t i = 0; i <= yi; i++)
        t->grad[i] = store ? t->adj[i] : t->grad[i] + t->adj[i];
    for (size_t e = t->tadj_lo; e < t->tadj_hi; e++)
        t->tgrad[e] = store ? t->tadj[e - t->tadj_lo] : t->tgrad[e] + t->tadj[e - t->tadj_lo];
    return s;
}

double wg_grad_of(const wg_tape *t, wg_var v)
{
    uint32_t i = t ? wg_index(t, v) : WG_NONE;
    if (i == WG_NONE || wg_numel_at(t, i) != 1)
        return NAN;
    if (!wg_in_val(t, i)) {
        size_t off = (size_t)wg_tnode_of(t, i)->off;
        return off < t->tgrad_n ? t->tgrad[off] : 0.0;
    }
    return i < t->grad_n ? t->grad[i] : 0.0;
}

int wg_grad_of_tensor(const wg_tape *t, wg_var v, double *out)
{
    uint32_t i = t ? wg_index(t, v) : WG_NONE;
    if (!t)
        return WG_EINVAL;       /* no tape to hold a message: wg_errmsg(NULL) says so */
    if (i == WG_NONE || !out)
        return wg_call_fail_const(t, WG_EINVAL, "wg_grad_of_tensor: %s", !out ? "out is NULL"
                                  : "v is not a live handle of this tape");
    size_t n = wg_numel_at(t, i);
    if (wg_in_val(t, i)) {
        out[0] = i < t->grad_n ? t->grad[i] : 0.0;
        return WG_OK;
    }
    size_t off = (size_t)wg_tnode_of(t, i)->off;
    for (size_t e = 0; e < n; e++)
        out[e] = off + e < t->tgrad_n ? t->tgrad[off + e] : 0.0;
    return WG_OK;
}

void wg_zero_grad(wg_tape *t)
{
    if (t) {
        t->grad_n = 0;
        t->tgrad_n = 0;
    }
}
