/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* hessian.c -- wg_hessian: the dense Hessian of a one-element y over
 * inputs x, by the cheapest of three methods (doc/DESIGN.md, "Second
 * order"):
 *
 *   edge pushing   scalar tapes: one reverse sweep of second-order
 *                  adjoints over one triangle (hessian_edge.c); its work
 *                  is the number of interacting pairs, so sparse Hessians
 *                  are cheap and the symmetric half is never computed;
 *   N HVPs         forward over reverse in double, one column per sweep
 *                  (wg_hvp's sweep): no recording, memory of one gradient;
 *   recorded       the gradient graph recorded, swept forward along 16
 *                  columns at once, removed: the recording paid once, then
 *                  a sixteenth of the sweeps.
 *
 * Reverse over forward (the recorded tangent swept in reverse once per
 * column) is not offered: it needs as many sweeps as N HVPs and records a
 * graph besides, so one of the two above is always at least as cheap.
 *
 * The choice (WG_HESSIAN_AUTO): the costs of N HVPs and of the recorded
 * path are estimated from N and the number of active elements L, in units
 * of one gradient's work per element, with constants measured by make
 * bench-hessian (below); the cheaper is the fallback.  On a scalar range,
 * edge pushing runs first with a budget of entries worth half the
 * fallback's estimated time: when a dense Hessian makes it dearer it stops
 * within that budget and the fallback runs (at most 1.5 times the
 * fallback's time in all), and where it wins it costs what its entries
 * cost. */
#include "hessian.h"

#include <math.h>
#include <string.h>

/* Measured (make bench-hessian, "wg_hessian's methods" table; 2-core
 * x86-64, gcc -O2, OpenBLAS on one thread), in gradients: one wg_hvp
 * column 2.3-4.0 (3.5 taken); a forward sweep of 16 columns over the
 * recorded gradient graph 34 on the scalar GMM tape, 35-65 on tensor tapes
 * (their per-lane kernels amortize less), the recording itself a few; one
 * edge-pushing entry (appended, merged, pushed) 14-33 nodes of a gradient
 * sweep (68 ns on the scalar GMM, whose 77,118 nodes make 1,666,065
 * entries). */
#define COST_HVP 3.5
#define COST_RECORD 4.0
#define COST_SWEEP16 34.0
#define COST_SWEEP16_TENSOR 60.0
#define COST_ENTRY 30.0
/* at most 2^24 entries (256 MiB) for edge pushing, whatever the estimate */
#define EDGE_MAX_ENTRIES ((size_t)1 << 24)

const char *wg_hessian_method_name(wg_hessian_method m)
{
    switch (m) {
    case WG_HESSIAN_AUTO:         return "auto";
    case WG_HESSIAN_EDGE_PUSHING: return "edge pushing";
    case WG_HESSIAN_HVP:          return "N HVPs";
    case WG_HESSIAN_RECORDED:     return "recorded";
    }
    return "unknown";
}

wg_hessian_method wg_hessian_last_method(const wg_tape *t)
{
    return t ? (wg_hessian_method)t->hess_method : WG_HESSIAN_AUTO;
}

/* N HVPs: column j is H e_j */
static int by_hvps(wg_tape *t, const char *fn, wg_var y, size_t n, const wg_var *x, size_t N,
                   double *H)
{
    double *e = wg_mem_realloc(t, NULL, 2 * N * sizeof *e);
    if (!e)
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for %zu columns", fn, N);
    double *col = e + N;
    memset(e, 0, N * sizeof *e);
    int s = WG_OK, recorded;
    for (size_t j = 0; j < N && s == WG_OK; j++) {
        e[j] = 1.0;
        s = wg_hvp_in(t, fn, y, n, x, e, col, &recorded);
        e[j] = 0.0;
        for (size_t r = 0; r < N && s == WG_OK; r++)
            H[r * N + j] = col[r];
    }
    wg_mem_free(t, e);
    return s;
}

int wg_hessian_with(wg_tape *t, wg_hessian_method method, wg_var y, size_t n, const wg_var *x,
                    double *H)
{
    static const char fn[] = "wg_hessian";
    size_t lo, hi;
    int s = wg_usable(t);
    if (s != WG_OK)
        return s;
    t->hess_method = WG_HESSIAN_AUTO;
    if (method < WG_HESSIAN_AUTO || method > WG_HESSIAN_RECORDED)
        return wg_call_fail(t, WG_EINVAL, "%s: method %d is not a wg_hessian_method", fn,
                            (int)method);
    uint32_t yi = wg_index(t, y);
    if (yi == WG_NONE)
        return wg_call_fail(t, WG_EINVAL, "%s: y (id %u) is not a live handle of this tape", fn,
                            y.id);
    if (wg_numel_at(t, yi) != 1)
        return wg_call_fail(t, WG_ESHAPE, "%s: y (node %u) holds %zu elements, not one", fn, yi,
                            wg_numel_at(t, yi));
    if ((s = wg_check_list(t, fn, "x", n, x, 1, &lo, &hi)) != WG_OK)
        return s;
    size_t N = 0;
    for (size_t j = 0; j < n; j++)
        N += wg_numel_at(t, wg_index(t, x[j]));
    if (N == 0)
        return WG_OK;
    if (!H)
        return wg_call_fail(t, WG_EINVAL, "%s: H is NULL but x has %zu elements", fn, N);
    if (N > SIZE_MAX / sizeof *H / N)
        return wg_call_fail(t, WG_ELIMIT, "%s: an %zu x %zu Hessian does not fit in memory", fn,
                            N, N);
    if (yi >= lo && (s = wg_refuse_custom(t, fn, lo, yi)) != WG_OK)
        return s;                       /* edge pushing would need its second partials */
    if (yi < lo) {                      /* y depends on no x */
        memset(H, 0, N * N * sizeof *H);
        t->hess_method = method == WG_HESSIAN_AUTO ? WG_HESSIAN_HVP : method;
        return WG_OK;
    }

    /* the active elements of lo .. yi (those that depend on some x) */
    size_t len = (size_t)yi - lo + 1;
    unsigned char *act = wg_active_from(t, n, x, lo, yi);
    uint32_t *xi = wg_mem_realloc(t, NULL, (n ? n : 1) * sizeof *xi);
    if (!act || !xi) {
        wg_mem_free(t, act);
        wg_mem_free(t, xi);
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for %zu nodes", fn, len);
    }
    for (size_t j = 0; j < n; j++)
        xi[j] = wg_index(t, x[j]);
    double L = 0;
    int tensors = 0;
    for (size_t i = lo; i <= yi; i++)
        if (act[i - lo]) {
            L += (double)wg_numel_at(t, i);
            tensors |= t->tref[i] != 0;
        }

    /* the fallback: the cheaper of N HVPs and the recorded path */
    double cost_hvp = (double)N * COST_HVP * L;
    double cost_rec = (COST_RECORD + ceil((double)N / 16.0)
                       * (tensors ? COST_SWEEP16_TENSOR : COST_SWEEP16)) * L;
    wg_hessian_method fallback = cost_hvp <= cost_rec ? WG_HESSIAN_HVP : WG_HESSIAN_RECORDED;
    wg_hessian_method m = method;
    if (m == WG_HESSIAN_EDGE_PUSHING && tensors) {
        wg_mem_free(t, act);
        wg_mem_free(t, xi);
        return wg_call_fail(t, WG_EINVAL, "%s: edge pushing takes scalar tapes only, and the "
                            "nodes from x to y hold tensors", fn);
    }
    if (m == WG_HESSIAN_EDGE_PUSHING || (m == WG_HESSIAN_AUTO && !tensors)) {
        size_t budget = EDGE_MAX_ENTRIES;
        if (m == WG_HESSIAN_AUTO) {
            /* half the fallback's cost: a dense Hessian wastes at most
             * that; a sparse one that needs more is at most twice dearer
             * by the fallback than by edge pushing */
            double b = 0.5 * fmin(cost_hvp, cost_rec) / COST_ENTRY;
            if (b < (double)budget)
                budget = b < 1024 ? 1024 : (size_t)b;
        }
        s = wg_hessian_edge_pushing(t, yi, lo, act, n, xi, budget, H);
        if (s == WG_OK || m == WG_HESSIAN_EDGE_PUSHING || s != WG_ELIMIT) {
            wg_mem_free(t, act);
            wg_mem_free(t, xi);
            if (s == WG_OK)
                t->hess_method = WG_HESSIAN_EDGE_PUSHING;
            else if (s == WG_ELIMIT)
                return wg_call_fail(t, s, "%s: edge pushing needs more than %zu entries of "
                                    "second-order adjoints", fn, budget);
            else
                return wg_call_fail(t, s, "%s: out of memory for the second-order adjoints",
                                    fn);
            for (size_t j = 0; j < N * N; j++)
                if (!isfinite(H[j]))
                    return wg_call_fail(t, WG_ERANGE, "%s: H[%zu][%zu] is not finite: a second "
                                        "derivative on the path is infinite", fn, j / N, j % N);
            return WG_OK;
        }
        m = fallback;                   /* a dense Hessian: over budget */
    }
    wg_mem_free(t, act);
    wg_mem_free(t, xi);
    if (m == WG_HESSIAN_AUTO)
        m = fallback;
    s = m == WG_HESSIAN_HVP ? by_hvps(t, fn, y, n, x, N, H)
                            : wg_hessian_recorded(t, fn, y, n, x, H);
    if (s == WG_OK)
        t->hess_method = m;
    return s;
}

int wg_hessian(wg_tape *t, wg_var y, size_t n, const wg_var *x, double *H)
{
    return wg_hessian_with(t, WG_HESSIAN_AUTO, y, n, x, H);
}
