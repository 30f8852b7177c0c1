/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_order2.c -- second-order checks (options.order = 2): v^T H u of
 * F = w.f for random unit directions u and v, H the Hessian, by
 *   forward over reverse  the recorded gradient graph (wg_grad_graph),
 *                         then its JVP along u (wg_jvp), dot v;
 *   reverse over reverse  the same graph's VJP with cotangent v (wg_vjp),
 *                         dot u;
 *   hvp                   wg_hvp along u, dot v;
 *   hessian               wg_hessian (the method it picks: edge pushing on
 *                         scalar tapes), v^T H u, where N <= HESS_MAX_N;
 * against a reference from the original function only (reference2.c), with
 * an error bound: the first-order running bound (bound.c) of the recorded
 * gradient graph's JVP along u weighted by v.  Also checked: the recorded
 * gradient's values against the first-order MPFR reference (a wrong
 * recorded rule), the dot-product gap |forward - reverse| of the graph's
 * two sweeps, and the symmetry gap |v.(H u) - u.(H v)|.  A failure is
 * blamed on the first op whose recorded rule fails the same check alone
 * (order2_blame.c).
 *
 * Nothing is recorded on the caller's tape: the check copies it onto a
 * tape of its own (order2_tape.c) and records there.  doc/VERIFY.md,
 * "Second order", has the reasons for the numbers. */
#include "check_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wg_chk_grad_graph_fn grad_graph_fn = wg_grad_graph;

void wg_chk_set_grad_graph(wg_chk_grad_graph_fn fn)
{
    grad_graph_fn = fn ? fn : wg_grad_graph;
}




/* wg_hessian is judged where its N x N matrix is small: fuzz graphs and
 * suite cases have a few inputs; a tensor graph's elements may be more */
#define HESS_MAX_N 64

/* one second-order check */
typedef struct o2 {
    wg_chk c;                   /* the model of the original function: references,
                                   the first-order bound, kinks */
    wg_lowering L;
    wg_check_options opt;
    int depth;                  /* > 0: a one-op check of blame */
    /* the subject: the caller's tape and handles */
    wg_tape *t;
    size_t sn, sm;
    const wg_var *sx, *sy;
    size_t N;                   /* nodes 0 .. N-1 are copied */
    /* the check's own tape: the copy, w.f, its recorded gradient graph */
    wg_tape *G;
    wg_var *map;                /* N: node i's handle on G */
    wg_var *gx, *gg;            /* sn: the inputs on G, their gradient nodes */
    wg_var obj;                 /* w.f, one element */
    int grad_status;            /* of recording the gradient graph */
    char grad_why[256];
    size_t base;                /* G's first node of the gradient graph */
    size_t graph_nodes;         /* nodes the gradient graph appended */
    /* the model of the gradient graph: inputs gx, outputs gg (its bound) */
    wg_chk c2;
    wg_lowering L2;
    int c2_status;              /* WG_OK, WG_CHK_ALL_INVALID or an error */
    wg_chk_fault f2;
    /* per direction, n elements each */
    double *v, *hu, *hv, *vh, *hua, *gd;
    double *H;                  /* N x N for wg_hessian, where N <= HESS_MAX_N */
    wg_chk_ref2 ref2;
} o2;

static void free_recorded(o2 *o)
{
    wg_chk_close(&o->c2);
    wg_lowering_free(&o->L2);
    memset(&o->c2, 0, sizeof o->c2);
    if (o->G)
        wg_tape_free(o->G);
    o->G = NULL;
}

/* the recorded side for the current w: the copy of the caller's tape, w.f
 * (y itself when it has one element; else sum_j w_j y_j, w as
 * constants, whose second derivative is exactly sum_j w_j H_j), the
 * gradient graph of w.f over x, and the model of that graph.  WG_OK, or a
 * status with r->error (then nothing can be checked) */
static int record(o2 *o, wg_check_report *r)
{
    free_recorded(o);
    o->G = wg_tape_new();
    if (!o->G) {
        REPERR(r, "wg_check: out of memory for the second order's tape");
        return WG_ENOMEM;
    }
    char why[256];
    int s = wg_chk_rebuild(o->t, o->N, o->G, o->map, why, sizeof why);
    if (s != WG_OK) {
        REPERR(r, "wg_check: copying the tape for the second order: %s", why);
        return s;
    }
    for (size_t j = 0; j < o->sn; j++)
        o->gx[j] = o->map[wg_var_index(o->t, o->sx[j])];
    const double *w = o->c.w;
    if (o->c.m == 1) {
        size_t j = 0;
        while (j + 1 < o->sm && wg_numel(o->t, o->sy[j]) == 0)
            j++;
        o->obj = o->map[wg_var_index(o->t, o->sy[j])];
    } else {
        wg_var acc = { 0 };
        size_t off = 0;
        for (size_t j = 0; j < o->sm; j++) {
            wg_var yj = o->map[wg_var_index(o->t, o->sy[j])], p;
            size_t shape[WG_MAX_RANK], ne = wg_numel(o->G, yj);
            int rank = wg_shape(o->G, yj, shape);
            if (ne == 0)
                continue;
            if (rank <= 0)
                p = wg_mul_c(o->G, yj, w[off]);
            else
                p = wg_sum(o->G, wg_mul(o->G, wg_tensor_const(o->G, rank, shape, w + off), yj),
                           0, NULL, 0);
            acc = acc.id ? wg_add(o->G, acc, p) : p;
            off += ne;
        }
        o->obj = acc;
    }
    if (wg_status(o->G) != WG_OK) {
        REPERR(r, "wg_check: recording w.f for the second order: %s", wg_errmsg(o->G));
        return wg_status(o->G);
    }
    size_t before = wg_tape_size(o->G);
    o->grad_status = grad_graph_fn(o->G, o->obj, o->sn, o->gx, o->gg);
    o->grad_why[0] = 0;
    if (o->grad_status == WG_OK && wg_status(o->G) != WG_OK)
        o->grad_status = wg_status(o->G);
    if (o->grad_status != WG_OK) {
        /* a recorded rule that leaves its domain (sqrt'(0)): every result
         * of this w is invalid; anything else stops the check */
        /* a failed call (a custom op: no rule) leaves its own message too */
        const char *m = wg_errmsg(o->G);
        wg_chk_msg(o->grad_why, sizeof o->grad_why, "%s", wg_status(o->G) != WG_OK || (m && *m)
            ? m : wg_strerror(o->grad_status));
        if (!wg_chk_point_error(o->grad_status)) {
            REPERR(r, "wg_check: recording the gradient graph: %s", o->grad_why);
            return o->grad_status;
        }
        return WG_OK;
    }
    o->base = before;
    o->graph_nodes = wg_tape_size(o->G) - before;
    o->c2.opt = o->opt;
    o->c2_status = wg_chk_open(&o->c2, o->G, o->sn, o->gx, o->sn, o->gg, &o->L2, &o->f2);
    if (o->c2_status != WG_OK && o->c2_status != WG_CHK_ALL_INVALID) {
        REPERR(r, "%s (the recorded gradient graph)", o->f2.text);
        return o->c2_status;
    }
    if (o->c2_status == WG_OK)
        wg_o2_const_partials(&o->c2, o->base);
    return WG_OK;
}

static double dot(size_t n, const double *a, const double *b)
{
    double s = 0;
    for (size_t j = 0; j < n; j++)
        s += a[j] * b[j];
    return s;
}

/* the recorded gradient's double values, flattened */
static void read_gradient(const o2 *o, double *gd)
{
    size_t q = 0;
    for (size_t j = 0; j < o->sn; j++) {
        size_t i = wg_var_index(o->G, o->gg[j]), ne = wg_node_numel(o->G, i);
        if (wg_node_rank(o->G, i) == 0) {
            gd[q++] = wg_node_value(o->G, i);
            continue;
        }
        const double *v = wg_node_values(o->G, i);
        for (size_t e = 0; e < ne; e++)
            gd[q++] = v ? v[e] : NAN;
    }
}

/* S along both directions: the grid x0 + i h u + j h v moves a node's
 * operand at the rate |a_u| + |a_v| at most, so the distance is at least
 * 1 / (1/S_u + 1/S_v) */
static double both_ways(double su, double sv)
{
    if (su == 0 || sv == 0)
        return 0;
    return 1.0 / (1.0 / su + 1.0 / sv);
}

/* the message of a replay's issue (as check.c's) */
static void issue_message(wg_chk *c, wg_check_result *res, int status, const wg_mpfr_issue *is,
                          int sign_u, int sign_v, long e, const char *what)
{
    size_t k = status == WG_EBRANCH ? is->flip_node : is->node;
    res->verdict = WG_VERDICT_INVALID;
    res->invalid_node = wg_chk_orig_node(c, k);
    if (sign_u == 0 && sign_v == 0)
        RESMSG(res, "%s is outside its domain or branch at the point in exact arithmetic "
               "(%ld bits): %s", LABEL(c, k), (long)c->prec,
               status == WG_EBRANCH ? "the recorded outcome is not the exact one"
               : is->why ? is->why : "not finite");
    else {
        /* the point: x0 + 2^e u - 2^e v, terms of sign 0 left out */
        char at[80];
        int len = snprintf(at, sizeof at, "x0");
        if (sign_u)
            len += snprintf(at + len, sizeof at - (size_t)len, " %c 2^%ld u",
                            sign_u > 0 ? '+' : '-', e);
        if (sign_v)
            snprintf(at + len, sizeof at - (size_t)len, " %c 2^%ld v", sign_v > 0 ? '+' : '-', e);
        if (status == WG_EBRANCH)
            RESMSG(res, "%s: the steps cross a recorded branch at %s at %s", what, LABEL(c, k),
                   at);
        else
            RESMSG(res, "%s: %s leaves its domain at %s: %s", what, LABEL(c, k), at,
                   is->why ? is->why : "not finite");
    }
}

/* raise the model's precision to p: the replays, the point, its partials */
static int raise_precision(wg_chk *c, mpfr_prec_t p)
{
    if (p > WG_MAX_PRECISION)
        p = WG_MAX_PRECISION;
    if (wg_chk_replays_init(c, p) != WG_OK)
        return WG_ENOMEM;
    if (wg_chk_center_run(c) != WG_OK)
        return c->ctr_issue.status != WG_OK ? c->ctr_issue.status : WG_EBRANCH;
    wg_chk_point_partials(c);
    return WG_OK;
}

/* the recorded gradient's values along u: what the first order judges.
 * Sets grad_* of res; returns the verdict of this part (pass, fail,
 * nondiff, unstable or invalid) with why */
static wg_verdict gradient_values(o2 *o, wg_check_result *res, char *why, size_t len)
{
    wg_chk *c = &o->c, *c2 = &o->c2;
    wg_chk_ref ref;
    wg_chk_reference(c, &ref);
    while (ref.status == WG_OK && ref.need_prec > c->prec && c->prec < WG_MAX_PRECISION) {
        int s = raise_precision(c, ref.need_prec);
        if (s == WG_ENOMEM) {
            wg_chk_msg(why, len, "out of memory raising the reference's precision");
            return WG_VERDICT_INVALID;
        }
        if (s != WG_OK) {
            ref.status = s;
            ref.issue = c->ctr_issue;
            ref.issue_sign = 0;
            break;
        }
        wg_chk_reference(c, &ref);
    }
    if (ref.status != WG_OK) {
        wg_check_result tmp;
        wg_chk_result_init(&tmp);
        issue_message(c, &tmp, ref.status, &ref.issue, ref.issue_sign, 0, ref.issue_exp,
                      "the gradient's reference");
        res->invalid_node = tmp.invalid_node;
        wg_chk_msg(why, len, "%s", tmp.message);
        return WG_VERDICT_INVALID;
    }
    wg_chk_radii(c);
    double B1 = wg_chk_bound(c);
    double gv = dot(c->n, o->gd, c->u);
    /* the rules' rounded constants, carried to u.g by the graph's adjoints */
    memcpy(c2->u, c->u, c->n * sizeof *c->u);
    memcpy(c2->w, c->u, c->n * sizeof *c->u);
    wg_chk_own_sweeps(c2);
    double ceff = wg_o2_const_effect(c2, o->base);
    res->grad_bound = B1 + ceff;
    res->grad_value = gv;
    res->grad_reference = mpfr_get_d(c->D2, MPFR_RNDN);
    mpfr_sub(c->tmp, c->D1, c->D2, MPFR_RNDN);
    double gerr = fabs(mpfr_get_d(c->tmp, MPFR_RNDN));
    /* the recorded graph's exact value: its MPFR replay at x0 (c2's
     * center), dot u, at the reference's accumulator precision */
    mpfr_set_zero(c->acc, 1);
    for (size_t j = 0; j < c2->m; j++) {
        mpfr_srcptr gj = c2->ctr.v[c2->yi[j]];
        if (mpfr_get_prec(c->tmp) != mpfr_get_prec(gj) + 64)
            mpfr_set_prec(c->tmp, mpfr_get_prec(gj) + 64);
        mpfr_mul_d(c->tmp, gj, c->u[j], MPFR_RNDN);
        mpfr_add(c->acc, c->acc, c->tmp, MPFR_RNDN);
    }
    mpfr_set_prec(c->tmp, c->facc);
    res->grad_exact = mpfr_get_d(c->acc, MPFR_RNDN);

    long on = -1, kink = -1;
    double conv = wg_chk_convention(c, &on, &kink);
    double slack = B1 + ceff + 0x1p-52 * fabs(conv);
    /* as the first order judges (check.c): wherever a node sits exactly
     * on its kink the documented conventions fix the value
     * (convention.c); at a kink the reference finds, or one the direction
     * crosses, the convention's value is the whole test */
    if (on >= 0 || ref.nondiff) {
        int bad_d = !(fabs(gv - conv) <= slack), bad_x = !(fabs(res->grad_exact - conv) <= slack);
        if (bad_d || bad_x) {
            wg_chk_msg(why, len, "the recorded gradient at a kink: %s %.17g is not the documented "
                "convention's %.17g (bound %.3g)", bad_d ? "its value" : "its exact value",
                bad_d ? gv : res->grad_exact, conv, slack);
            return WG_VERDICT_FAIL;
        }
    }
    if (ref.nondiff) {
        wg_chk_msg(why, len, "the gradient has a kink here (one-sided %.9g, %.9g); the recorded "
            "gradient follows the documented convention", mpfr_get_d(c->L, MPFR_RNDN),
            mpfr_get_d(c->R, MPFR_RNDN));
        return WG_VERDICT_NONDIFF;
    }
    if (!ref.converged) {
        if (kink >= 0) {
            wg_chk_msg(why, len, "%s sits on its kink, where the recorded gradient follows the "
                "documented convention; its reference did not converge",
                LABEL(c, (size_t)kink));
            return WG_VERDICT_NONDIFF;
        }
        wg_chk_msg(why, len, "the gradient's reference did not converge (|D(h1) - D(h2)| = %.3g)",
            gerr);
        return WG_VERDICT_UNSTABLE;
    }
    /* exactly: the recorded rules at the exact point give the exact
     * gradient, to far below a double ulp of its scale (2^-64; the MPFR
     * replay itself rounds at 2^-p), but for the rules' rounded constants */
    mpfr_sub(c->tmp, c->acc, c->D2, MPFR_RNDN);
    double xerr = fabs(mpfr_get_d(c->tmp, MPFR_RNDN));
    double xtol = gerr + ceff + 0x1p-64 * fmax(fabs(res->grad_reference), c->T);
    /* in double: the first order's bound of a reverse sweep */
    double derr = fabs(gv - res->grad_reference);
    int bad_x = !(xerr <= xtol), bad_d = !(derr <= B1 + gerr + ceff);
    if ((bad_x || bad_d) && kink >= 0) {
        wg_chk_msg(why, len, "%s sits on its kink: the recorded gradient follows the documented "
            "convention there, not the derivative %.17g of the whole function",
            LABEL(c, (size_t)kink), res->grad_reference);
        return WG_VERDICT_NONDIFF;
    }
    if (bad_x) {
        wg_chk_msg(why, len, "the recorded gradient's exact value %.17g is off the first-order "
            "reference %.17g by %.3g > %.3g: a recorded rule is wrong", res->grad_exact,
            res->grad_reference, xerr, xtol);
        return WG_VERDICT_FAIL;
    }
    if (bad_d) {
        wg_chk_msg(why, len, "the recorded gradient's value %.17g is off the first-order reference "
            "%.17g by %.3g > bound %.3g", gv, res->grad_reference, derr, B1 + gerr + ceff);
        return WG_VERDICT_FAIL;
    }
    return WG_VERDICT_PASS;
}

/* The first node exactly on its kink (judged on the tape's values, as the
 * conventions are: convention.c) that the last own sweep's direction moves
 * off it, or -1.  Unlike the first order's test it does not ask the node's
 * adjoint to be nonzero: abs(x - c) at x = c has abs' = 0 times a zero
 * adjoint (sin(|d|) in hypot(sin(|d|), 1) near d = 0), no first-order
 * effect, yet the recorded rule's sign(d), 0 there, takes the whole
 * second-order term with it: the Hessian of the convention's side, not the
 * function's. */
static long crossed_kink(const wg_chk *c)
{
    const wg_tape_view *tv = &c->tv;
    for (size_t i = 0; i < c->N; i++) {
        wg_op op = (wg_op)tv->op[i];
        wg_op_kind kind = wg_op_kind_of(op);
        if (kind == WG_KIND_LEAF || kind == WG_KIND_CMP)
            continue;
        int bin = wg_view_has_b(tv, i);
        double a = tv->val[tv->arg0[i]], b = bin ? tv->val[tv->arg1[i]] : 0.0, d[2];
        if (!wg_chk_kink_partials(op, a, b, d))
            continue;
        long double ta = c->tan[tv->arg0[i]], tb = bin ? c->tan[tv->arg1[i]] : 0.0L;
        int crossed = op == WG_OP_HYPOT ? (ta != 0 || tb != 0) : bin ? ta != tb : ta != 0;
        if (crossed)
            return (long)i;
    }
    return -1;
}

static wg_verdict worse(wg_verdict a, wg_verdict b)
{
    return wg_chk_verdict_rank(b) > wg_chk_verdict_rank(a) ? b : a;
}

static void check_direction2(o2 *o, wg_check_result *res)
{
    wg_chk *c = &o->c, *c2 = &o->c2;
    size_t n = c->n;
    double *u = c->u, *v = o->v;
    unsigned mask = o->opt.methods;
    wg_figure *frev = &res->fig[WG_METHOD_REVERSE], *ffwd = &res->fig[WG_METHOD_FORWARD];
    res->order = 2;

    if (o->grad_status != WG_OK) {
        res->verdict = WG_VERDICT_INVALID;
        res->invalid_node = wg_chk_node_in_message(o->grad_why);
        RESMSG(res, "recording the gradient graph fails at the point: %s", o->grad_why);
        return;
    }
    if (o->c2_status == WG_CHK_ALL_INVALID) {
        res->verdict = WG_VERDICT_INVALID;
        res->invalid_node = o->f2.node;
        RESMSG(res, "the recorded gradient graph: %s%s", o->f2.prefix, o->f2.text);
        return;
    }

    /* the model's own sweeps along v, then along u: the distances to the
     * nearest singular point both ways, the gradient's scales, and the
     * kinks either direction crosses */
    c->u = v;
    wg_chk_own_sweeps(c);
    wg_chk_step_distance(c);
    double Sv = c->S_raw, T1v = c->T;
    double sure_v = c->S_sure, near_v = c->S_near, hi_v = c->S_hi;
    long kink_v = crossed_kink(c);
    c->u = u;
    wg_chk_own_sweeps(c);
    wg_chk_rounding_scale(c);
    wg_chk_step_distance(c);
    double Su = c->S_raw, T1u = c->T;
    double sure_u = c->S_sure, near_u = c->S_near, hi_u = c->S_hi;
    long kink_u = crossed_kink(c);

    /* the results under test, on the check's own tape */
    read_gradient(o, o->gd);
    const char *sweep = NULL;
    int st = wg_jvp(o->G, o->sn, o->gx, u, o->sn, o->gg, o->hu);
    if (st == WG_OK) {
        ffwd->value = dot(n, v, o->hu);
        ffwd->computed = isfinite(ffwd->value);
        st = wg_jvp(o->G, o->sn, o->gx, v, o->sn, o->gg, o->hv);
        if (st != WG_OK)
            sweep = "forward (along v)";
    } else
        sweep = "forward";
    if (st == WG_OK) {
        st = wg_vjp(o->G, o->sn, o->gg, v, o->sn, o->gx, o->vh);
        if (st == WG_OK) {
            frev->value = dot(n, o->vh, u);
            frev->computed = isfinite(frev->value);
        } else
            sweep = "reverse";
    }
    long grew = 0, grew_hess = 0;
    char hess_why[200] = "";
    if (st == WG_OK) {
        size_t before = wg_tape_size(o->G);
        st = wg_hvp(o->G, o->obj, o->sn, o->gx, u, o->hua);
        grew = (long)wg_tape_size(o->G) - (long)before;
        if (st == WG_OK) {
            res->hvp.value = dot(n, v, o->hua);
            res->hvp.computed = isfinite(res->hvp.value);
        } else
            sweep = "wg_hvp";
    }
    /* wg_hessian, where its matrix is small; a failure where wg_hvp
     * succeeded (the same second partials) is its own */
    int hess_failed = 0;
    if (st == WG_OK && o->H) {
        size_t before = wg_tape_size(o->G);
        int hs = wg_hessian(o->G, o->obj, o->sn, o->gx, o->H);
        grew_hess = (long)wg_tape_size(o->G) - (long)before;
        snprintf(res->hessian_method, sizeof res->hessian_method, "%s",
                 wg_hessian_method_name(wg_hessian_last_method(o->G)));
        if (hs == WG_OK) {
            double s = 0;
            for (size_t r = 0; r < n; r++)
                s += v[r] * dot(n, o->H + r * n, u);
            res->hessian.value = s;
            res->hessian.computed = isfinite(s);
        } else {
            hess_failed = 1;
            snprintf(hess_why, sizeof hess_why, "%s", wg_errmsg(o->G));
        }
    }
    if (st != WG_OK) {
        res->verdict = WG_VERDICT_INVALID;
        if (st == WG_ENOMEM) {
            RESMSG(res, "the %s sweep of the recorded gradient graph ran out of memory", sweep);
            return;
        }
        res->invalid_node = wg_chk_node_in_message(wg_errmsg(o->G));
        RESMSG(res, "the %s sweep of the recorded gradient graph fails at the point: %s", sweep,
               wg_errmsg(o->G));
        return;
    }
    res->dot_gap = fabs(ffwd->value - frev->value);
    res->sym_gap = fabs(ffwd->value - dot(n, u, o->hv));
    if (o->depth == 0 && (mask & ((1u << WG_METHOD_CENTRAL) | (1u << WG_METHOD_GSL)))) {
        wg_o2_fd p = { o->G, o->sn, o->gx, o->obj, n, c->x0, u, v, c->xscale,
                       both_ways(Su, Sv) };
        wg_o2_fd_run(&p, (mask >> WG_METHOD_CENTRAL) & 1u ? &res->fig[WG_METHOD_CENTRAL] : NULL,
                     (mask >> WG_METHOD_GSL) & 1u ? &res->fig[WG_METHOD_GSL] : NULL);
    }

    /* the recorded gradient's values (first order) */
    char gwhy[320] = "";
    c->S_raw = Su;
    wg_verdict gverdict = gradient_values(o, res, gwhy, sizeof gwhy);
    if (gverdict == WG_VERDICT_INVALID) {
        res->verdict = WG_VERDICT_INVALID;
        RESMSG(res, "%s", gwhy);
        return;
    }

    /* the bound: the first-order running bound (bound.c) of the recorded
     * gradient graph's JVP along u weighted by v, which is forward over
     * reverse; the same bound covers its VJP with v (reverse over reverse,
     * the edge counts serve both modes) and wg_hvp, which sweeps the same
     * graph forward (doc/VERIFY.md).  Along (v, u) too, for the symmetry
     * gap */
    memcpy(c2->u, u, n * sizeof *u);
    memcpy(c2->w, v, n * sizeof *v);
    wg_chk_own_sweeps(c2);
    wg_chk_radii(c2);
    double B = wg_chk_bound(c2), T2 = c2->T;
    memcpy(c2->u, v, n * sizeof *v);
    memcpy(c2->w, u, n * sizeof *u);
    wg_chk_own_sweeps(c2);
    wg_chk_radii(c2);
    res->sym_bound = B + wg_chk_bound(c2);
    res->bound = B;
    ffwd->err_est = frev->err_est = res->hvp.err_est = res->hessian.err_est = B;

    /* the reference, from the original function only, with the first
     * order's limits both ways (bound.c): the singular points the exact
     * values place for certain, those they cannot, and every coordinate's
     * own scale (and sin's and cos's) */
    c->S_raw = both_ways(Su, Sv);
    c->S_sure = both_ways(sure_u, sure_v);
    c->S_near = both_ways(near_u, near_v);
    c->S_hi = both_ways(hi_u, hi_v);
    wg_chk_ref2 *ref = &o->ref2;
    double T1 = fmax(T1u, T1v);
    wg_chk_reference2(c, v, T2, T1, ref);
    while (ref->status == WG_OK && ref->need_prec > c->prec && c->prec < WG_MAX_PRECISION) {
        int s = raise_precision(c, ref->need_prec);
        if (s == WG_ENOMEM) {
            res->verdict = WG_VERDICT_INVALID;
            RESMSG(res, "out of memory raising the reference's precision");
            return;
        }
        if (s != WG_OK) {
            ref->status = s;
            ref->issue = c->ctr_issue;
            ref->issue_i = ref->issue_j = 0;
            break;
        }
        wg_chk_reference2(c, v, T2, T1, ref);
    }
    if (ref->status != WG_OK) {
        issue_message(c, res, ref->status, &ref->issue, ref->issue_i, ref->issue_j,
                      ref->issue_exp, "the second-order reference");
        return;
    }
    res->reference = ref->reference;
    res->reference_err = ref->reference_err;
    res->reference_converged = ref->converged;
    res->left = ref->qlo;
    res->right = ref->qhi;
    wg_figure *figs[4] = { frev, ffwd, &res->hvp, &res->hessian };
    for (int k = 0; k < 4; k++) {
        wg_figure *f = figs[k];
        if (!f->computed)
            continue;
        f->abs_err = wg_chk_ref2_abs_err(ref, f->value);
        f->rel_err = ref->reference != 0 ? f->abs_err / fabs(ref->reference) : f->abs_err;
        f->ulps = f->abs_err / wg_ulp_of(ref->reference);
    }
    for (int k = WG_METHOD_CENTRAL; k <= WG_METHOD_GSL; k++) {
        wg_figure *f = &res->fig[k];
        if (!f->computed)
            continue;
        f->abs_err = wg_chk_ref2_abs_err(ref, f->value);
        f->rel_err = ref->reference != 0 ? f->abs_err / fabs(ref->reference) : f->abs_err;
        f->ulps = f->abs_err / wg_ulp_of(ref->reference);
    }

    /* verdicts */
    /* the reference's error: |D(h1) - D(h2)| for the truncation, and its
     * rounding estimate, which the gap may undershoot where D(h1) and
     * D(h2) are both rounding (a Hessian term that is exactly 0: AD gives 0
     * with a bound of 0, the reference 1e-33 of noise that D(h1), with
     * 2^-16 of it, leaves |D(h1) - D(h2)| a hair below) */
    double tol = B + ref->reference_err + ref->round_err;
    long kink = kink_u >= 0 ? kink_u : kink_v;     /* a node on its kink that u or v crosses */
    int fail_rev = 0, fail_fwd = 0, fail_hvp = 0, fail_hess = 0, fail_dot = 0, fail_sym = 0;
    char why[240] = "";
    wg_verdict verdict = WG_VERDICT_PASS;
    if (ref->nondiff) {
        verdict = WG_VERDICT_NONDIFF;
        wg_chk_msg(why, sizeof why, "the quadrants' second differences differ (%.9g to %.9g): "
            "a kink of the gradient within 2^%ld of the point", ref->qlo, ref->qhi,
            ref->e1 - WG_REF_RATIO_BITS);
    } else if (!ref->converged && kink < 0) {
        verdict = WG_VERDICT_UNSTABLE;
        wg_chk_msg(why, sizeof why, "the reference did not converge: |D(h1) - D(h2)| = %.3g, "
            "rounding %.3g at h1 = 2^%ld, %ld bits (reference %.17g)", ref->reference_err,
            ref->round_err, ref->e1, (long)c->prec, ref->reference);
    } else if (!ref->converged) {
        verdict = WG_VERDICT_NONDIFF;
        wg_chk_msg(why, sizeof why, "%s sits on its kink, where the recorded rules follow the "
            "documented convention; the reference did not converge", LABEL(c, (size_t)kink));
    } else {
        fail_rev = frev->computed && !(frev->abs_err <= tol);
        fail_fwd = ffwd->computed && !(ffwd->abs_err <= tol);
        fail_hvp = res->hvp.computed && !(res->hvp.abs_err <= tol);
        fail_hess = res->hessian.computed && !(res->hessian.abs_err <= tol);
        if ((fail_rev || fail_fwd || fail_hvp || fail_hess) && kink >= 0) {
            /* the Hessian of the conventions' side, not the function's */
            verdict = WG_VERDICT_NONDIFF;
            fail_rev = fail_fwd = fail_hvp = fail_hess = 0;
            wg_chk_msg(why, sizeof why, "%s sits on its kink: the recorded rules follow the "
                "documented convention there, not the second derivative %.17g of the whole "
                "function", LABEL(c, (size_t)kink), ref->reference);
        }
    }
    /* the sweeps of one graph agree whatever the reference says (the dot-
     * product test); the symmetry of the Hessian holds where it exists */
    fail_dot = !(res->dot_gap <= B);
    fail_sym = verdict == WG_VERDICT_PASS && !(res->sym_gap <= res->sym_bound);
    int fail_hvp_ab = verdict == WG_VERDICT_NONDIFF && res->hvp.computed
                      && !(fabs(res->hvp.value - ffwd->value) <= B);
    /* wg_hessian: off the reference, or at a kink off forward over reverse
     * (the same conventions), or failing where wg_hvp did not, or growing
     * the tape */
    int fail_hess_any = fail_hess || hess_failed || grew_hess != 0
                        || (verdict == WG_VERDICT_NONDIFF && res->hessian.computed
                            && !(fabs(res->hessian.value - ffwd->value) <= B));
    verdict = worse(verdict, gverdict);

    if (gverdict == WG_VERDICT_FAIL || fail_rev || fail_fwd || fail_hvp || fail_dot || fail_sym
        || fail_hvp_ab || grew != 0 || fail_hess_any) {
        res->verdict = WG_VERDICT_FAIL;
        const char *mode = gverdict == WG_VERDICT_FAIL ? "gradient"
                           : fail_rev && fail_fwd ? "both" : fail_rev ? "reverse"
                           : fail_fwd ? "forward" : fail_hvp || fail_hvp_ab || grew ? "hvp"
                           : fail_dot ? "dot-product" : fail_sym ? "symmetry" : "hessian";
        snprintf(res->fail_mode, sizeof res->fail_mode, "%s", mode);
        if (gverdict == WG_VERDICT_FAIL)
            RESMSG(res, "%s", gwhy);
        else if (fail_rev || fail_fwd || fail_hvp) {
            const wg_figure *f = fail_rev ? frev : fail_fwd ? ffwd : &res->hvp;
            const char *name = fail_rev ? "reverse over reverse" : fail_fwd
                               ? "forward over reverse" : "wg_hvp";
            RESMSG(res, "%s%s: v^T H u off the reference %.17g by %.3g (rel %.3g) > bound %.3g",
                   name, fail_rev + fail_fwd + fail_hvp > 1 ? " (and others)" : "",
                   ref->reference, f->abs_err, f->rel_err, tol);
        } else if (grew)
            RESMSG(res, "wg_hvp left the tape with %+ld nodes", grew);
        else if (fail_hvp_ab)
            RESMSG(res, "at a kink wg_hvp %.17g and forward over reverse %.17g differ by %.3g "
                   "> bound %.3g", res->hvp.value, ffwd->value,
                   fabs(res->hvp.value - ffwd->value), B);
        else if (!fail_dot && !fail_sym) {
            /* wg_hessian alone: its own method, not a rule any op owns */
            if (hess_failed)
                RESMSG(res, "wg_hessian (%s) fails where wg_hvp does not: %s",
                       res->hessian_method, hess_why);
            else if (grew_hess)
                RESMSG(res, "wg_hessian (%s) left the tape with %+ld nodes",
                       res->hessian_method, grew_hess);
            else
                RESMSG(res, "wg_hessian (%s): v^T H u %.17g off %s %.17g by %.3g > bound %.3g",
                       res->hessian_method, res->hessian.value,
                       fail_hess ? "the reference" : "forward over reverse",
                       fail_hess ? ref->reference : ffwd->value,
                       fail_hess ? res->hessian.abs_err
                                 : fabs(res->hessian.value - ffwd->value),
                       fail_hess ? tol : B);
            wg_chk_append(res, "; blame: no single node (wg_hessian's method alone)");
            return;
        } else if (fail_dot)
            RESMSG(res, "dot-product: |v.(H u) - (v^T H).u| = %.3g > bound %.3g (forward "
                   "%.17g, reverse %.17g)", res->dot_gap, B, ffwd->value, frev->value);
        else
            RESMSG(res, "symmetry: |v.(H u) - u.(H v)| = %.3g > bound %.3g", res->sym_gap,
                   res->sym_bound);
        if (o->depth > 0) {
            /* a one-op tape: its op is the node under test */
            size_t i = wg_var_index(o->t, o->sy[0]);
            res->blame_node = (long)i;
            res->blame_op = wg_node_op(o->t, i);
        } else if (!wg_o2_blame(o->t, o->N, &o->opt, o->depth, res))
            wg_chk_append(res, "; blame: no op's recorded rule fails alone (the graph's "
                   "composition: an adjoint's accumulation or a shared node)");
        return;
    }
    res->verdict = verdict;
    if (verdict == WG_VERDICT_PASS)
        RESMSG(res, "v^T H u within the bound %.3g of the reference %.17g (rel err reverse "
               "over reverse %.3g, forward over reverse %.3g, hvp %.3g, hessian %.3g); "
               "gradient within %.3g", tol, ref->reference, frev->rel_err, ffwd->rel_err,
               res->hvp.rel_err, res->hessian.rel_err, res->grad_bound);
    else if (wg_chk_verdict_rank(gverdict) > wg_chk_verdict_rank(WG_VERDICT_PASS)
             && gverdict == verdict && !why[0])
        RESMSG(res, "%s", gwhy);
    else
        RESMSG(res, "%s%s%s", why, gwhy[0] && gverdict != WG_VERDICT_PASS ? "; " : "",
               gverdict != WG_VERDICT_PASS ? gwhy : "");
}

/* ---------------------------------------------------------------- the check */

static void o2_free(o2 *o)
{
    free_recorded(o);
    wg_chk_ref2_clear(&o->ref2);
    wg_chk_close(&o->c);
    wg_lowering_free(&o->L);
    free(o->map); free(o->gx); free(o->gg);
    free(o->v); free(o->hu); free(o->hv); free(o->vh); free(o->hua); free(o->gd); free(o->H);
}

int wg_chk_order2(wg_tape *t, size_t n, const wg_var *x, size_t m, const wg_var *y,
                  const wg_check_options *opt, wg_check_report *r, double t0, int depth)
{
    o2 *o = calloc(1, sizeof *o);
    if (!o) {
        REPERR(r, "wg_check: out of memory");
        wg_check_report_free(r);
        return WG_ENOMEM;
    }
    o->opt = *opt;
    o->depth = depth;
    if (depth > 0)      /* a one-op check of blame: its AD results are what matters */
        o->opt.methods &= (1u << WG_METHOD_REVERSE) | (1u << WG_METHOD_FORWARD);
    o->t = t;
    o->sn = n;
    o->sm = m;
    o->sx = x;
    o->sy = y;
    o->c.opt = o->opt;
    wg_chk_fault f;
    int s = wg_chk_open(&o->c, t, n, x, m, y, &o->L, &f);
    if (s == WG_CHK_ALL_INVALID) {
        /* the MPFR replay never moves the tape: nothing to restore */
        wg_chk_all_invalid(r, f.node, f.prefix, f.text);
        for (size_t k = 0; k < r->nresults; k++)
            r->results[k].order = 2;
        o2_free(o);
        free(o);
        wg_chk_summarize(r, t0);
        return WG_OK;
    }
    if (s != WG_OK) {
        REPERR(r, "%s", f.text);
        goto fail;
    }
    /* the copy holds every node up to the last handle */
    size_t N = 0;
    for (size_t j = 0; j < m; j++)
        if (wg_var_index(t, y[j]) + 1 > N)
            N = wg_var_index(t, y[j]) + 1;
    for (size_t j = 0; j < n; j++)
        if (wg_var_index(t, x[j]) + 1 > N)
            N = wg_var_index(t, x[j]) + 1;
    o->N = N;
    size_t fn = o->c.n ? o->c.n : 1;
    o->map = malloc(N * sizeof *o->map);
    o->gx = malloc(n * sizeof *o->gx);
    o->gg = malloc(n * sizeof *o->gg);
    o->v = malloc(fn * sizeof *o->v);
    o->hu = malloc(fn * sizeof *o->hu);
    o->hv = malloc(fn * sizeof *o->hv);
    o->vh = malloc(fn * sizeof *o->vh);
    o->hua = malloc(fn * sizeof *o->hua);
    o->gd = malloc(fn * sizeof *o->gd);
    if (fn <= HESS_MAX_N && depth == 0)
        o->H = malloc((fn ? fn * fn : 1) * sizeof *o->H);
    if (!o->map || !o->gx || !o->gg || !o->v || !o->hu || !o->hv || !o->vh || !o->hua
        || !o->gd) {
        REPERR(r, "wg_check: out of memory for a tape of %zu nodes", N);
        s = WG_ENOMEM;
        goto fail;
    }

    wg_chk *c = &o->c;
    for (size_t k = 0; k < r->nresults; k++) {
        wg_check_result *res = &r->results[k];
        wg_chk_result_init(res);
        res->order = 2;
        if (k < o->opt.directions)
            wg_chk_draw_unit(c->rng, c->n, c->u);
        else {
            memset(c->u, 0, c->n * sizeof *c->u);
            c->u[k - o->opt.directions] = 1;
        }
        if (c->m == 1)
            c->w[0] = 1;
        else
            wg_chk_draw_unit(c->rng, c->m, c->w);
        wg_chk_draw_unit(c->rng, c->n, o->v);
        /* w.f, and with it the recorded graph, changes with w */
        if (!o->G || c->m > 1) {
            if ((s = record(o, r)) != WG_OK)
                goto fail;
        }
        check_direction2(o, res);
    }
    o2_free(o);
    free(o);
    wg_chk_summarize(r, t0);
    return WG_OK;
fail:
    o2_free(o);
    free(o);
    wg_check_report_free(r);
    return s;
}
