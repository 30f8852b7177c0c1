/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* graph_derivatives.c -- derivatives recorded as nodes on the same tape
 * (wg_vjp_graph, wg_jvp_graph, wg_grad_graph), and second order in double
 * built on them (wg_hvp, wg_hessian).
 *
 * The recorded sweeps walk the nodes that were on the tape when the call
 * began (nodes appended by the sweep itself come after them and are never
 * visited), and append each op's rule (op_rules.c, tensor_rules.c).  Only
 * nodes that depend on some x get a tangent or an adjoint ("active"), so
 * constants and side branches add nothing.
 *
 * Second order: on a scalar tape wg_hvp is forward over reverse in double
 * with each op's second partials (sweep_second.c): no recording at all.
 * Where tensor nodes lie on the path it records the gradient graph, sweeps
 * it forward along v in double (forward over recorded reverse) and
 * truncates the tape back to where it was.  wg_hessian (hessian.c) may
 * take the recorded path with 16 unit vectors per forward sweep.
 * Neither leaves the tape longer; the two paths use independent rules (the
 * second partials, the recorded rules differentiated) and the tests hold
 * them together. */
#include "custom.h"
#include "hessian.h"
#include "rules.h"
#include "tensor.h"

#include <math.h>
#include <string.h>

static const wg_var none = { 0 };

/* the same shape as node i */
static int check_shapes(wg_tape *t, const char *fn, const char *what, size_t n,
                        const wg_var *v, const wg_var *like)
{
    for (size_t j = 0; j < n; j++)
        if (wg_shape_id(t, wg_index(t, v[j])) != wg_shape_id(t, wg_index(t, like[j]))
            && !(wg_numel_at(t, wg_index(t, v[j])) == 1
                 && wg_numel_at(t, wg_index(t, like[j])) == 1
                 && wg_shape_at(t, wg_index(t, v[j]))->rank == 0
                 && wg_shape_at(t, wg_index(t, like[j]))->rank == 0))
            return wg_call_fail(t, WG_ESHAPE, "%s: %s[%zu] has not the shape of its node", fn,
                                what, j);
    return WG_OK;
}

/* act[i - lo] = 1 when node i (in [lo, hi]) is one of x or depends on one */
unsigned char *wg_active_from(wg_tape *t, size_t n, const wg_var *x, size_t lo, size_t hi)
{
    size_t len = hi - lo + 1;
    unsigned char *act = wg_mem_realloc(t, NULL, len);
    if (!act)
        return NULL;
    memset(act, 0, len);
    for (size_t j = 0; j < n; j++) {
        size_t i = wg_index(t, x[j]);
        if (i <= hi)
            act[i - lo] = 1;
    }
    for (size_t i = lo; i <= hi; i++) {
        if (act[i - lo])
            continue;
        wg_op_kind k = wg_kind(t->op[i]);
        int ar = wg_op_arity((wg_op)t->op[i]);
        if (k == WG_KIND_LEAF)
            continue;
        uint32_t a = t->arg0[i], b = ar == 2 ? t->arg1[i] : WG_NONE;
        act[i - lo] = (a >= lo && a <= hi && act[a - lo]) || (b != WG_NONE && b >= lo && act[b - lo]);
    }
    return act;
}

/* acc + c, either possibly absent */
static wg_var accumulate(wg_tape *t, wg_var acc, wg_var c)
{
    if (!c.id)
        return acc;
    return acc.id ? wg_add(t, acc, c) : c;
}

/* the arguments of a recorded driver: the tape usable; the seeded list
 * (y for a VJP, x for a JVP) and its seeds, handles of the same shapes; the
 * other list; the result array.  The index ranges of the two lists come
 * back in *seeded_lo .. *seeded_hi and *other_lo .. *other_hi. */
static int graph_args(wg_tape *t, const char *fn, size_t ns, const wg_var *seeded,
                      const char *sname, const wg_var *seeds, const char *seedsname, size_t no,
                      const wg_var *other, const char *oname, const void *out, size_t nout,
                      const char *outname, size_t *seeded_lo, size_t *seeded_hi, size_t *other_lo,
                      size_t *other_hi)
{
    size_t lo, hi;
    int s = wg_usable(t);
    if (s != WG_OK)
        return s;
    if ((s = wg_check_list(t, fn, sname, ns, seeded, 0, seeded_lo, seeded_hi)) != WG_OK
        || (s = wg_check_list(t, fn, seedsname, ns, seeds, 0, &lo, &hi)) != WG_OK
        || (s = wg_check_list(t, fn, oname, no, other, 0, other_lo, other_hi)) != WG_OK
        || (s = check_shapes(t, fn, seedsname, ns, seeds, seeded)) != WG_OK)
        return s;
    if (nout && !out)
        return wg_call_fail(t, WG_EINVAL, "%s: %s is NULL but its length is %zu", fn, outname,
                            nout);
    return WG_OK;
}

/* out[j] = the node's derivative arr[i - lo] for the node i of v[j], zeros
 * of its shape where the sweep left none (no path); the tape's status, all
 * of out invalid handles after a failure */
static int results_of(wg_tape *t, size_t n, const wg_var *v, const wg_var *arr, size_t lo,
                      size_t hi, wg_var *out)
{
    for (size_t j = 0; j < n && t->status == WG_OK; j++) {
        size_t i = wg_index(t, v[j]);
        wg_var d = (arr && i >= lo && i <= hi) ? arr[i - lo] : none;
        out[j] = d.id ? d : wg_zeros_like(t, i);
    }
    if (t->status != WG_OK)
        for (size_t j = 0; j < n; j++)
            out[j] = none;
    return t->status;
}

/* Custom ops have first partials only (C callbacks), no rule recorded as
 * ops and no second partials: a second-order driver over [lo, hi] refuses
 * them before it records or sweeps anything. */
int wg_refuse_custom(wg_tape *t, const char *fn, size_t lo, size_t hi)
{
    size_t i = wg_first_custom(t, lo, hi + 1 < t->n ? hi + 1 : t->n);
    if (i > hi || i >= t->n)
        return WG_OK;
    return wg_call_fail(t, WG_EINVAL, "%s: node %zu (%s): a custom op has no derivative rule "
                        "recorded as ops nor second partials", fn, i, wg_node_op_name(t, i));
}

int wg_vjp_graph(wg_tape *t, size_t m, const wg_var *y, const wg_var *w,
                 size_t n, const wg_var *x, wg_var *xbar)
{
    size_t ylo, yhi, xlo, xhi;
    int s = graph_args(t, "wg_vjp_graph", m, y, "y", w, "w", n, x, "x", xbar, n, "xbar", &ylo,
                       &yhi, &xlo, &xhi);
    if (s != WG_OK || n == 0)
        return s;
    if (m && yhi >= xlo && (s = wg_refuse_custom(t, "wg_vjp_graph", xlo, yhi)) != WG_OK)
        return s;
    wg_var *bar = NULL;
    unsigned char *act = NULL;
    if (m && yhi >= xlo) {
        bar = wg_mem_realloc(t, NULL, (yhi - xlo + 1) * sizeof *bar);
        act = wg_active_from(t, n, x, xlo, yhi);
        if (!bar || !act) {
            wg_mem_free(t, bar);
            wg_mem_free(t, act);
            return wg_call_fail(t, WG_ENOMEM, "wg_vjp_graph: out of memory for %zu adjoints",
                                yhi - xlo + 1);
        }
        memset(bar, 0, (yhi - xlo + 1) * sizeof *bar);
        for (size_t j = 0; j < m; j++) {
            size_t i = wg_index(t, y[j]);
            if (i >= xlo && act[i - xlo])
                bar[i - xlo] = accumulate(t, bar[i - xlo], w[j]);
        }
        for (size_t i = yhi + 1; i-- > xlo && t->status == WG_OK;) {
            wg_var g = bar[i - xlo];
            wg_op_kind k = wg_kind(t->op[i]);
            if (!g.id || k == WG_KIND_LEAF || k == WG_KIND_CMP)
                continue;
            uint32_t a = t->arg0[i];
            uint32_t b = wg_op_arity((wg_op)t->op[i]) == 2 ? t->arg1[i] : WG_NONE;
            int need_a = a >= xlo && act[a - xlo], need_b = b != WG_NONE && b >= xlo && act[b - xlo];
            if (!need_a && !need_b)
                continue;
            wg_var ca = none, cb = none;
            if (k == WG_KIND_TUNARY || k == WG_KIND_TBINARY) {
                wg_tensor_rule_rev(t, i, g, &ca, &cb);
            } else {
                /* the partial times g, summed back over any stretched axes */
                if (need_a) {
                    wg_rule r = wg_op_rule(t, i, 0);
                    ca = wg_unbroadcast(t, wg_rule_apply(t, &r, g), a);
                }
                if (need_b) {
                    wg_rule r = wg_op_rule(t, i, 1);
                    cb = wg_unbroadcast(t, wg_rule_apply(t, &r, g), b);
                }
            }
            if (need_a)
                bar[a - xlo] = accumulate(t, bar[a - xlo], ca);
            if (need_b)
                bar[b - xlo] = accumulate(t, bar[b - xlo], cb);
        }
    }
    s = results_of(t, n, x, bar, xlo, yhi, xbar);
    wg_mem_free(t, bar);
    wg_mem_free(t, act);
    return s;
}

int wg_grad_graph(wg_tape *t, wg_var y, size_t n, const wg_var *x, wg_var *g)
{
    if (wg_usable(t) != WG_OK)
        return wg_usable(t);
    uint32_t yi = wg_index(t, y);
    if (yi == WG_NONE)
        return wg_call_fail(t, WG_EINVAL, "wg_grad_graph: y (id %u) is not a live handle of "
                            "this tape", y.id);
    if (wg_numel_at(t, yi) != 1)
        return wg_call_fail(t, WG_ESHAPE, "wg_grad_graph: y (node %u) holds %zu elements, not one",
                            yi, wg_numel_at(t, yi));
    int s = wg_refuse_custom(t, "wg_grad_graph", 0, yi);
    if (s != WG_OK)
        return s;
    /* the seed: a 1 of y's shape (a scalar, or a one-element tensor) */
    wg_var one = wg_const(t, 1.0);
    if (wg_shape_at(t, yi)->rank) {
        size_t dim[WG_MAX_RANK];
        int r = wg_node_shape(t, yi, dim);
        one = wg_reshape(t, one, r, dim);
    }
    if (t->status != WG_OK)
        return t->status;
    return wg_vjp_graph(t, 1, &y, &one, n, x, g);
}

int wg_jvp_graph(wg_tape *t, size_t n, const wg_var *x, const wg_var *u,
                 size_t m, const wg_var *y, wg_var *ydot)
{
    static const char fn[] = "wg_jvp_graph";
    size_t ylo, yhi, xlo, xhi;
    int s = graph_args(t, fn, n, x, "x", u, "u", m, y, "y", ydot, m, "ydot", &xlo, &xhi, &ylo,
                       &yhi);
    if (s != WG_OK || m == 0)
        return s;
    if (n && yhi >= xlo && (s = wg_refuse_custom(t, fn, xlo, yhi)) != WG_OK)
        return s;
    wg_var *tan = NULL;
    if (n && yhi >= xlo) {
        tan = wg_mem_realloc(t, NULL, (yhi - xlo + 1) * sizeof *tan);
        if (!tan)
            return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for %zu tangents", fn,
                                yhi - xlo + 1);
        memset(tan, 0, (yhi - xlo + 1) * sizeof *tan);
        for (size_t i = xlo; i <= yhi && t->status == WG_OK; i++) {
            /* a seeded node takes its direction; x may name an inner node */
            int seeded = 0;
            for (size_t j = 0; j < n; j++)
                if (wg_index(t, x[j]) == i) {
                    tan[i - xlo] = accumulate(t, tan[i - xlo], u[j]);
                    seeded = 1;
                }
            wg_op_kind k = wg_kind(t->op[i]);
            if (seeded || k == WG_KIND_LEAF || k == WG_KIND_CMP)
                continue;
            uint32_t a = t->arg0[i];
            uint32_t b = wg_op_arity((wg_op)t->op[i]) == 2 ? t->arg1[i] : WG_NONE;
            wg_var ta = a >= xlo ? tan[a - xlo] : none;
            wg_var tb = (b != WG_NONE && b >= xlo) ? tan[b - xlo] : none;
            if (!ta.id && !tb.id)
                continue;
            if (k == WG_KIND_TUNARY || k == WG_KIND_TBINARY) {
                tan[i - xlo] = wg_tensor_rule_fwd(t, i, ta, tb);
                continue;
            }
            wg_var v = none;
            if (ta.id) {
                wg_rule r = wg_op_rule(t, i, 0);
                v = wg_rule_apply(t, &r, ta);
            }
            if (tb.id) {
                wg_rule r = wg_op_rule(t, i, 1);
                v = accumulate(t, v, wg_rule_apply(t, &r, tb));
            }
            /* an elementwise op's tangent has the result's shape; a
             * partial that does not broadcast up to it (x * 0-rank) is
             * broadcast here */
            if (v.id && wg_shape_id(t, wg_index(t, v)) != wg_shape_id(t, i)) {
                size_t dim[WG_MAX_RANK];
                int r = wg_node_shape(t, i, dim);
                v = wg_broadcast_to(t, v, r, dim);
            }
            tan[i - xlo] = v;
        }
    }
    s = results_of(t, m, y, tan, xlo, yhi, ydot);
    wg_mem_free(t, tan);
    return s;
}

/* ---------------------------------------------------------------- second order in double */

/* what a tape holds, to truncate it back to */
typedef struct mark {
    size_t n, nparam, ntn, arena_n;
    int status, at_point;
} mark;

static void mark_tape(const wg_tape *t, mark *k)
{
    k->n = t->n;
    k->nparam = t->nparam;
    k->ntn = t->ntn;
    k->arena_n = t->arena_n;
    k->status = t->status;
    k->at_point = t->status_at_point;
}

/* Back to the mark: the nodes recorded since are gone (nobody outside holds
 * their handles), and so is an error they raised, which becomes the call's
 * (the tape itself was fine).  Sweep results that may name them go too. */
static int truncate_to(wg_tape *t, const mark *k, const char *fn)
{
    int s = t->status;
    if (s != WG_OK && k->status == WG_OK)
        wg_call_fail(t, s, "%s: the gradient graph: %s", fn, t->msg);
    t->n = k->n;
    t->nparam = k->nparam;
    t->ntn = k->ntn;
    t->arena_n = k->arena_n;
    t->status = k->status;
    t->status_at_point = k->at_point;
    if (k->status == WG_OK)
        t->msg[0] = '\0';
    t->tan_k = 0;
    t->tan_lo = t->tan_n = 0;
    t->adj_lo = t->adj_n = 0;
    if (t->grad_n > t->n)
        t->grad_n = t->n;
    if (t->tgrad_n > t->arena_n)
        t->tgrad_n = t->arena_n;
    return s;
}

/* the gradient graph of y over x, recorded after a mark */
static int gradient_nodes(wg_tape *t, const char *fn, wg_var y, size_t n, const wg_var *x,
                          wg_var **g, mark *k)
{
    size_t lo, hi;
    int s = wg_usable(t);
    if (s != WG_OK)
        return s;
    if ((s = wg_check_list(t, fn, "x", n, x, 1, &lo, &hi)) != WG_OK)
        return s;
    *g = wg_mem_realloc(t, NULL, (n ? n : 1) * sizeof **g);
    if (!*g)
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory", fn);
    mark_tape(t, k);
    s = wg_grad_graph(t, y, n, x, *g);
    if (s != WG_OK) {
        int ts = truncate_to(t, k, fn);
        wg_mem_free(t, *g);
        return ts != WG_OK ? ts : s;
    }
    return WG_OK;
}

/* Forward over reverse in double (sweep_second.c), scalar and tensor
 * nodes alike; *recorded = 1 when y is not one element (the recorded path
 * then says why) */
int wg_hvp_in(wg_tape *t, const char *fn, wg_var y, size_t n, const wg_var *x,
              const double *v, double *Hv, int *recorded)
{
    size_t lo, hi;
    int s;
    *recorded = 0;
    if (wg_usable(t) != WG_OK)
        return wg_usable(t);
    uint32_t yi = wg_index(t, y);
    if (yi == WG_NONE)
        return wg_call_fail(t, WG_EINVAL, "%s: y (id %u) is not a live handle of this tape",
                            fn, y.id);
    if ((s = wg_check_list(t, fn, "x", n, x, 1, &lo, &hi)) != WG_OK)
        return s;
    if (n == 0)
        return WG_OK;
    if (wg_numel_at(t, yi) != 1) {
        *recorded = 1;
        return WG_OK;
    }
    size_t N = 0;
    for (size_t j = 0; j < n; j++)
        N += wg_numel_at(t, wg_index(t, x[j]));
    if (N && (!v || !Hv))
        return wg_call_fail(t, WG_EINVAL, "%s: %s is NULL", fn, !v ? "v" : "Hv");
    for (size_t j = 0; j < N; j++)
        if (!isfinite(v[j]))
            return wg_call_fail(t, WG_EINVAL, "%s: v[%zu] = %g is not finite", fn, j, v[j]);
    if (yi < lo) {
        memset(Hv, 0, N * sizeof *Hv);
        return WG_OK;
    }
    if ((s = wg_refuse_custom(t, fn, lo, yi)) != WG_OK)
        return s;
    if (wg_prepare_tangents(t, lo, (size_t)yi + 1, 1) != WG_OK
        || wg_scratch(t, &t->adt, &t->adt_cap, (size_t)yi - lo + 1) != WG_OK)
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for %zu nodes", fn,
                            (size_t)yi - lo + 1);
    /* v over the handles' elements, row-major, into their tangents */
    for (size_t j = 0, off = 0; j < n; j++) {
        uint32_t i = wg_index(t, x[j]);
        size_t ne = wg_numel_at(t, i);
        double *T = i <= yi ? wg_tan_at(t, i, 0) : NULL;
        for (size_t e = 0; T && e < ne; e++)
            T[e] += v[off + e];
        off += ne;
    }
    /* constant tensors need no adjoint, nor its tangent (as in wg_vjp: for
     * X @ W with X data, two dgemm less per sweep), unless x asks for one */
    t->prune_passive = wg_prune_passive_for(t, n, x);
    if (wg_sweep_hvp(t, lo, yi, yi, t->adt) != WG_OK) {
        t->prune_passive = 0;
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory for %zu adjoints", fn,
                            (size_t)yi - lo + 1);
    }
    for (size_t j = 0, off = 0; j < n; j++) {
        uint32_t i = wg_index(t, x[j]);
        size_t ne = wg_numel_at(t, i);
        const double *D = i <= yi ? wg_adt_at(t, i, lo, t->adt, t->tadt) : NULL;
        for (size_t e = 0; e < ne; e++) {
            Hv[off + e] = D ? D[e] : 0.0;
            if (!isfinite(Hv[off + e])) {
                t->prune_passive = 0;
                return wg_call_fail(t, WG_ERANGE, "%s: (H v)[%zu] is not finite: a second "
                                    "derivative on the path is infinite", fn, off + e);
            }
        }
        off += ne;
    }
    t->prune_passive = 0;
    return WG_OK;
}

int wg_hvp(wg_tape *t, wg_var y, size_t n, const wg_var *x, const double *v, double *Hv)
{
    static const char fn[] = "wg_hvp";
    int recorded;
    int s = wg_hvp_in(t, fn, y, n, x, v, Hv, &recorded);
    if (s != WG_OK || !recorded)
        return s;
    /* y of several elements: the recorded path's own checks say so */
    wg_var *g;
    mark k;
    s = gradient_nodes(t, fn, y, n, x, &g, &k);
    if (s != WG_OK)
        return s;
    s = wg_jvp(t, n, x, v, n, g, Hv);
    wg_mem_free(t, g);
    int ts = truncate_to(t, &k, fn);
    return s != WG_OK ? s : ts;
}

/* forward over the recorded reverse: the gradient graph recorded, swept
 * forward along the unit vectors (16 per sweep: wg_jacobian_fwd), removed.
 * The columns are computed, not mirrored. */
int wg_hessian_recorded(wg_tape *t, const char *fn, wg_var y, size_t n, const wg_var *x,
                        double *H)
{
    wg_var *g;
    mark k;
    int s = gradient_nodes(t, fn, y, n, x, &g, &k);
    if (s != WG_OK)
        return s;
    s = wg_jacobian_fwd(t, n, g, n, x, H);
    wg_mem_free(t, g);
    int ts = truncate_to(t, &k, fn);
    return s != WG_OK ? s : ts;
}
