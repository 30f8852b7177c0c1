/* derivatives.c -- the drivers: gradients, VJPs, JVPs, Jacobians and the
 * accumulating backward.  Each validates its arguments, seeds a sweep over
 * the smallest range of nodes that can matter, and reads the results. */
#include "tape.h"

#include <math.h>
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
            return wg_call_fail(t, WG_EINVAL, "%s: %s[%zu] (id 0x%08x) is not a live handle of "
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

/* the status a driver starts from: a failed tape refuses every sweep */
static int usable(const wg_tape *t)
{
    if (!t)
        return WG_EINVAL;
    return t->status;
}

int wg_vjp(wg_tape *t, size_t m, const wg_var *y, const double *w,
           size_t n, const wg_var *x, double *xbar)
{
    static const char fn[] = "wg_vjp";
    int s = usable(t);
    size_t xlo, xhi, ylo, yhi;
    if (s != WG_OK)
        return s;
    if ((s = wg_check_list(t, fn, "y", m, y, 0, &ylo, &yhi)) != WG_OK
        || (s = wg_check_list(t, fn, "x", n, x, 0, &xlo, &xhi)) != WG_OK
        || (s = check_ptr(t, fn, "w", m, w)) != WG_OK
        || (s = check_ptr(t, fn, "xbar", n, xbar)) != WG_OK
        || (s = check_finite_in(t, fn, "w", m, w)) != WG_OK)
        return s;
    if (n == 0)
        return WG_OK;
    if (m == 0 || yhi < xlo) {              /* no output depends on any x */
        memset(xbar, 0, n * sizeof *xbar);
        return WG_OK;
    }
    if (wg_prepare_adjoints(t, xlo, yhi) != WG_OK)
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for %zu adjoints", fn,
                            yhi - xlo + 1);
    for (size_t j = 0; j < m; j++) {
        uint32_t i = wg_index(t, y[j]);
        if (i >= xlo)
            t->adj[i - xlo] += w[j];
    }
    wg_sweep_reverse(t, xlo, yhi, t->adj);
    for (size_t j = 0; j < n; j++) {
        uint32_t i = wg_index(t, x[j]);     /* after every y: no path, and no buffer */
        xbar[j] = i <= yhi ? t->adj[i - xlo] : 0.0;
    }
    return wg_check_finite(t, fn, xbar, n, xlo, yhi + 1);
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
    int s = usable(t);
    size_t xlo, xhi, ylo, yhi;
    if (s != WG_OK)
        return s;
    if ((s = wg_check_list(t, fn, "x", n, x, 1, &xlo, &xhi)) != WG_OK
        || (s = wg_check_list(t, fn, "y", m, y, 0, &ylo, &yhi)) != WG_OK
        || (s = check_ptr(t, fn, "directions", n * k, U)) != WG_OK
        || (s = check_ptr(t, fn, "ydot", m * k, Ydot)) != WG_OK
        || (s = check_finite_in(t, fn, "directions", n * k, U)) != WG_OK)
        return s;
    if (m == 0 || k == 0)
        return WG_OK;
    if (n == 0 || yhi < xlo) {              /* no output depends on any x */
        memset(Ydot, 0, m * k * sizeof *Ydot);
        return WG_OK;
    }
    if (wg_prepare_tangents(t, xlo, yhi + 1, k) != WG_OK)
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for %zu x %zu tangents", fn,
                            yhi + 1 - xlo, k);
    for (size_t j = 0; j < n; j++) {
        uint32_t i = wg_index(t, x[j]);
        if (i > yhi)
            continue;                       /* after every y: reaches none, outside the buffer */
        double *tj = t->tan + (i - xlo) * k;
        for (size_t d = 0; d < k; d++)
            tj[d] += U[j * k + d];
    }
    wg_sweep_forward(t, xlo, yhi + 1, k);
    for (size_t r = 0; r < m; r++) {
        uint32_t i = wg_index(t, y[r]);
        for (size_t d = 0; d < k; d++)
            Ydot[r * k + d] = i >= xlo ? t->tan[(i - xlo) * k + d] : 0.0;
    }
    return wg_check_finite(t, fn, Ydot, m * k, xlo, yhi + 1);
}

int wg_jvp(wg_tape *t, size_t n, const wg_var *x, const double *u,
           size_t m, const wg_var *y, double *ydot)
{
    return wg_jvp_multi(t, n, x, 1, u, m, y, ydot);
}

int wg_jacobian_rev(wg_tape *t, size_t m, const wg_var *y, size_t n, const wg_var *x,
                    double *J)
{
    static const double one = 1.0;
    int s = usable(t);
    size_t lo, hi;
    if (s != WG_OK)
        return s;
    if ((s = wg_check_list(t, "wg_jacobian_rev", "x", n, x, 1, &lo, &hi)) != WG_OK
        || (s = wg_check_list(t, "wg_jacobian_rev", "y", m, y, 0, &lo, &hi)) != WG_OK
        || (s = check_ptr(t, "wg_jacobian_rev", "J", m * n, J)) != WG_OK)
        return s;
    for (size_t r = 0; r < m; r++)
        if ((s = wg_vjp(t, 1, y + r, &one, n, x, J + r * n)) != WG_OK)
            return s;
    return WG_OK;
}

/* Columns in blocks: one vector-forward sweep per block of JAC_BLOCK
 * directions, so the tangent buffer is JAC_BLOCK doubles a node. */
#define JAC_BLOCK 16

int wg_jacobian_fwd(wg_tape *t, size_t m, const wg_var *y, size_t n, const wg_var *x,
                    double *J)
{
    static const char fn[] = "wg_jacobian_fwd";
    int s = usable(t);
    size_t lo, hi;
    if (s != WG_OK)
        return s;
    if ((s = wg_check_list(t, fn, "x", n, x, 1, &lo, &hi)) != WG_OK
        || (s = wg_check_list(t, fn, "y", m, y, 0, &lo, &hi)) != WG_OK
        || (s = check_ptr(t, fn, "J", m * n, J)) != WG_OK)
        return s;
    if (m == 0 || n == 0)
        return WG_OK;
    size_t kmax = n < JAC_BLOCK ? n : JAC_BLOCK;
    double *U = wg_mem_realloc(t, NULL, kmax * kmax * sizeof *U);
    double *Y = wg_mem_realloc(t, NULL, m * kmax * sizeof *Y);
    if (!U || !Y) {
        wg_mem_free(t, U);
        wg_mem_free(t, Y);
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for a block of %zu columns", fn, kmax);
    }
    for (size_t c0 = 0; c0 < n && s == WG_OK; c0 += kmax) {
        size_t k = n - c0 < kmax ? n - c0 : kmax;
        memset(U, 0, k * k * sizeof *U);
        for (size_t d = 0; d < k; d++)
            U[d * k + d] = 1.0;
        s = wg_jvp_multi(t, k, x + c0, k, U, m, y, Y);
        for (size_t r = 0; r < m && s == WG_OK; r++)
            memcpy(J + r * n + c0, Y + r * k, k * sizeof *J);
    }
    wg_mem_free(t, U);
    wg_mem_free(t, Y);
    return s;
}

int wg_jacobian(wg_tape *t, size_t m, const wg_var *y, size_t n, const wg_var *x, double *J)
{
    /* reverse costs one sweep per output, vector forward one per input
     * (in blocks), each sweep about the same work: take the fewer. */
    return m <= n ? wg_jacobian_rev(t, m, y, n, x, J) : wg_jacobian_fwd(t, m, y, n, x, J);
}

int wg_backward(wg_tape *t, wg_var y, double seed)
{
    static const char fn[] = "wg_backward";
    int s = usable(t);
    if (s != WG_OK)
        return s;
    uint32_t yi = wg_index(t, y);
    if (yi == WG_NONE)
        return wg_call_fail(t, WG_EINVAL, "%s: y (id 0x%08x) is not a live handle of this tape",
                            fn, y.id);
    if (!isfinite(seed))
        return wg_call_fail(t, WG_EINVAL, "%s: seed %g is not finite", fn, seed);
    if (wg_scratch(t, &t->grad, &t->grad_cap, t->n) != WG_OK
        || wg_prepare_adjoints(t, 0, yi) != WG_OK)
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for %zu gradients", fn, t->n);
    if (t->grad_n < t->n) {                 /* nodes new since the last backward start at 0 */
        memset(t->grad + t->grad_n, 0, (t->n - t->grad_n) * sizeof *t->grad);
        t->grad_n = t->n;
    }
    t->adj[yi] = seed;
    wg_sweep_reverse(t, 0, yi, t->adj);
    s = wg_check_finite(t, fn, t->adj, (size_t)yi + 1, 0, (size_t)yi + 1);
    for (size_t i = 0; i <= yi; i++)
        t->grad[i] += t->adj[i];
    return s;
}

double wg_grad_of(const wg_tape *t, wg_var v)
{
    uint32_t i = t ? wg_index(t, v) : WG_NONE;
    if (i == WG_NONE)
        return NAN;
    return i < t->grad_n ? t->grad[i] : 0.0;
}

void wg_zero_grad(wg_tape *t)
{
    if (t)
        t->grad_n = 0;
}
