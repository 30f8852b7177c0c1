/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check.c -- wg_check_tape, wg_check_fn, wg_check_graph: the arguments,
 * the loop over directions and the verdicts; order 2 goes to
 * check_order2.c.  The numbers come from bound.c (error bound),
 * reference.c (MPFR), finite_diff.c (double and GSL differences) and
 * blame.c; the state of a check is check_state.c's, its results
 * check_result.c's.  Calls go one way: check.c calls those files, none
 * of them calls check.c. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include "check_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- one direction */

/* Correct digits of each method against a converged reference, the
 * condition B / |reference|, and the flag: a result that passes (every
 * rule right) while AD carries fewer than accuracy_digits correct digits,
 * as (1 - cos x) / x^2 at 1e-4 does, where the function itself cancels.
 * The verdict stays about rules; the flag is about the function. */
static void accuracy(const wg_chk *c, wg_check_result *res, double B)
{
    if (!res->reference_converged || !(res->reference != 0) || !isfinite(res->reference))
        return;
    for (int k = 0; k < WG_METHOD_COUNT; k++) {
        const wg_figure *f = &res->fig[k];
        if (!f->computed || !isfinite(f->rel_err))
            continue;
        res->digits[k] = f->rel_err > 0 ? fmin(17.0, fmax(0.0, -log10(f->rel_err))) : 17.0;
    }
    res->condition = B / fabs(res->reference);
    double ad = fmin(res->digits[WG_METHOD_REVERSE], res->digits[WG_METHOD_FORWARD]);
    if (isnan(ad))      /* fmin takes the one computed */
        return;
    res->ill_conditioned = res->verdict == WG_VERDICT_PASS && c->opt.accuracy_digits > 0
                           && ad < c->opt.accuracy_digits;
}

/* A custom op with no MPFR callback makes the reference the weaker kind
 * (custom_ref.c): its node's partials in the replay are a five-point
 * difference, off by up to weak_rel of themselves by GSL's estimate.  A
 * path's product then errs by that much of its size, and the paths
 * together by that much of T, the scale of w.(J u) before cancellation;
 * 8 times it, and never less than 2^-30 of T, is added to the reference's
 * error.  A wrong partial (a sign, a factor) is off by far more. */
static void weak_reference(const wg_chk *c, wg_check_result *res)
{
    if (!c->tv.nweak)
        return;
    res->reference_weak = 1;
    double rel = fmax(8 * c->ctr.weak_rel, 0x1p-30);
    res->reference_err += rel * fmax(c->T, fabs(res->reference));
}

/* The other paths (paths.c) against the reference where the result
 * passed, else (a kink, no convergence) against forward mode, within each
 * path's bound: B for wg_jvp_multi, wg_grad and wg_backward of one
 * output; for the Jacobians and wg_backward of several outputs, the bound
 * of sums of unit-vector sweeps and the rounding of the final double sums,
 * (m + n) u T, T the size of w.(J u) before cancellation. */
static void judge_paths(wg_chk *c, wg_check_result *res, double B)
{
    const wg_figure *ffwd = &res->fig[WG_METHOD_FORWARD], *frev = &res->fig[WG_METHOD_REVERSE];
    int use_ref = res->verdict == WG_VERDICT_PASS;
    double target = use_ref ? res->reference : ffwd->computed ? ffwd->value : frev->value;
    if (!isfinite(target))
        return;
    double base = use_ref ? res->reference_err : B + 0x1p-52 * fabs(target);
    double Babs = -1;
    for (int p = 0; p < WG_PATH_REPLAY; p++) {
        wg_figure *f = &res->path[p];
        if (!f->computed)
            continue;
        double Bp = B;
        if (p == WG_PATH_JACOBIAN_FWD || p == WG_PATH_JACOBIAN_REV || p == WG_PATH_JACOBIAN
            || (p == WG_PATH_BACKWARD && c->m > 1)) {
            if (Babs < 0)
                Babs = wg_chk_bound_abs(c);
            Bp = Babs + c->opt.safety * (double)(c->m + c->n) * WG_UNIT_ROUNDOFF * c->T;
        }
        if (use_ref)
            wg_chk_set_figure(c, f, res->reference);
        else {
            f->abs_err = fabs(f->value - target);
            f->rel_err = target != 0 ? f->abs_err / fabs(target) : f->abs_err;
            f->ulps = f->abs_err / wg_ulp_of(target);
        }
        f->err_est = Bp;
        if (f->abs_err <= Bp + base)
            continue;
        res->verdict = WG_VERDICT_FAIL;
        snprintf(res->fail_mode, sizeof res->fail_mode, "%s", wg_path_name((wg_path)p));
        RESMSG(res, "%s: w.(J u) %.17g off the %s %.17g by %.3g > bound %.3g",
               wg_path_name((wg_path)p), f->value, use_ref ? "reference" : "forward mode's",
               target, f->abs_err, Bp + base);
        long node = p == WG_PATH_JVP_MULTI ? wg_chk_blame_jvp_multi(c) : -1;
        if (node >= 0) {
            wg_chk_set_blame(c, res, (size_t)node);
            wg_chk_append(res, "; blame: %s gives another tangent in wg_jvp_multi's second "
                          "lane than in wg_jvp", LABEL(c, (size_t)node));
        } else
            wg_chk_append(res, "; blame: no single node (wg_vjp and wg_jvp are right: the "
                          "driver %s is not)", wg_path_name((wg_path)p));
        return;
    }
}

static void check_direction(wg_chk *c, wg_check_result *res)
{
    unsigned mask = c->opt.methods;
    int rev_on = (mask >> WG_METHOD_REVERSE) & 1u, fwd_on = (mask >> WG_METHOD_FORWARD) & 1u;
    wg_figure *frev = &res->fig[WG_METHOD_REVERSE], *ffwd = &res->fig[WG_METHOD_FORWARD];

    /* a replay that did not restore x0's values (finite_diff.c) leaves
     * nothing to judge at x0: the replay's fail, on its node */
    if (c->replay_bad) {
        size_t k = (size_t)(c->replay_bad - 1);
        res->verdict = WG_VERDICT_FAIL;
        snprintf(res->fail_mode, sizeof res->fail_mode, "replay");
        if (k < c->N) {
            RESMSG(res, "replay: wg_eval back at x0 gives %s %.17g, recorded %.17g",
                   LABEL(c, k), wg_node_value(c->t, k), c->tv.val[k]);
            wg_chk_set_blame(c, res, k);
        } else
            RESMSG(res, "replay: wg_eval back at x0 fails: %s", wg_errmsg(c->t));
        return;
    }
    wg_chk_own_sweeps(c);
    wg_chk_rounding_scale(c);
    wg_chk_step_distance(c);

    /* the results under test: on the subject's tape and handles (a tensor
     * tape's w and u are over the handles' elements, as the model's are) */
    memset(c->lib_tan, 0, c->N * sizeof *c->lib_tan);
    memset(c->lib_adj, 0, c->N * sizeof *c->lib_adj);
    const char *sweep = NULL;
    int st = WG_OK;
    /* the other paths first: the sweeps under test come last, so that the
     * tape's per-node tangents and adjoints are theirs (blame reads them) */
    wg_chk_paths_run(c, res);
    if (rev_on) {
        st = wg_vjp(c->subj, c->sm, c->sy, c->w, c->sn, c->sx, c->xbar);
        if (st == WG_OK) {
            double s = 0;
            for (size_t j = 0; j < c->n; j++)
                s += c->xbar[j] * c->u[j];
            frev->value = s;
            frev->computed = isfinite(s);
            wg_chk_read_lib(c, c->lib_adj, 0);
        } else {
            sweep = "reverse";
            if (st == WG_ERANGE)
                wg_chk_read_lib(c, c->lib_adj, 0);     /* for blame: where it went wrong */
        }
    }
    if (fwd_on && st == WG_OK) {
        st = wg_jvp(c->subj, c->sn, c->sx, c->u, c->sm, c->sy, c->ydot);
        if (st == WG_OK) {
            double s = 0;
            for (size_t j = 0; j < c->m; j++)
                s += c->w[j] * c->ydot[j];
            ffwd->value = s;
            ffwd->computed = isfinite(s);
            wg_chk_read_lib(c, c->lib_tan, 1);
        } else {
            sweep = "forward";
            if (st == WG_ERANGE)
                wg_chk_read_lib(c, c->lib_tan, 1);
        }
    }
    /* A sweep whose derivative is not finite (WG_ERANGE) is judged against
     * the reference: where the exact derivative is finite at a valid point,
     * AD has failed there (a rule that overflows or divides 0 by 0); where
     * the point is not valid, the sweep's message says why. */
    char sweep_msg[256] = "";
    if (st != WG_OK) {
        if (st == WG_ENOMEM) {
            res->verdict = WG_VERDICT_INVALID;
            RESMSG(res, "the %s sweep ran out of memory", sweep);
            return;
        }
        res->invalid_node = wg_chk_node_in_message(wg_errmsg(c->subj));
        snprintf(sweep_msg, sizeof sweep_msg, "the %s sweep fails at the point: %s", sweep,
                 wg_errmsg(c->subj));
        if (st != WG_ERANGE) {
            res->verdict = WG_VERDICT_INVALID;
            RESMSG(res, "%s", sweep_msg);
            return;
        }
    }
    if (rev_on && fwd_on)
        res->dot_gap = fabs(frev->value - ffwd->value);

    if ((mask >> WG_METHOD_CENTRAL) & 1u)
        wg_chk_central(c, &res->fig[WG_METHOD_CENTRAL]);
    if ((mask >> WG_METHOD_GSL) & 1u)
        wg_chk_gsl(c, &res->fig[WG_METHOD_GSL]);

    /* the reference */
    wg_chk_ref ref;
    wg_chk_reference(c, &ref);
    /* rounding, not truncation, limits the reference: again at the
     * precision that makes it small (the rest of the check keeps it) */
    while (ref.status == WG_OK && ref.need_prec > c->prec && c->prec < WG_MAX_PRECISION) {
        mpfr_prec_t p = ref.need_prec < WG_MAX_PRECISION ? ref.need_prec : WG_MAX_PRECISION;
        if (wg_chk_replays_init(c, p) != WG_OK) {
            res->verdict = WG_VERDICT_INVALID;
            RESMSG(res, "out of memory raising the reference's precision to %ld bits", (long)p);
            return;
        }
        if (wg_chk_center_run(c) != WG_OK) {
            ref.status = c->ctr_issue.status != WG_OK ? c->ctr_issue.status : WG_EBRANCH;
            ref.issue = c->ctr_issue;
            ref.issue_exp = 0;
            ref.issue_sign = 0;
            break;
        }
        wg_chk_point_partials(c);       /* the exact values, better known */
        wg_chk_reference(c, &ref);
    }
    if (sweep_msg[0]) {
        int rev = strcmp(sweep, "reverse") == 0;
        if (ref.status != WG_OK || !ref.converged || ref.nondiff) {
            res->verdict = WG_VERDICT_INVALID;
            RESMSG(res, "%s", sweep_msg);
            return;
        }
        res->invalid_node = -1;
        res->reference = mpfr_get_d(c->D2, MPFR_RNDN);
        mpfr_sub(c->tmp, c->D1, c->D2, MPFR_RNDN);
        res->reference_err = fabs(mpfr_get_d(c->tmp, MPFR_RNDN));
        weak_reference(c, res);
        res->reference_converged = ref.converged;
        res->left = mpfr_get_d(c->L, MPFR_RNDN);
        res->right = mpfr_get_d(c->R, MPFR_RNDN);
        res->verdict = WG_VERDICT_FAIL;
        snprintf(res->fail_mode, sizeof res->fail_mode, "%s", sweep);
        RESMSG(res, "%s: AD's derivative is not finite where the reference is %.17g (%s)",
               sweep, res->reference, wg_errmsg(c->subj));
        wg_chk_radii(c);
        res->bound = wg_chk_bound(c);
        long on_, kink_;            /* this direction's tangents under the conventions, */
        wg_chk_convention(c, &on_, &kink_);     /* which blame reads */
        wg_chk_blame(c, &ref, res, !rev, rev);
        return;
    }
    wg_chk_radii(c);
    double B = wg_chk_bound(c);
    res->bound = B;
    frev->err_est = ffwd->err_est = B;
    int fail_rev = 0, fail_fwd = 0, fail_dot = 0;
    int conv_rev = 0, conv_fwd = 0;     /* at a kink: off the documented convention */
    double conv = NAN;
    long on = -1, kink = -1;            /* a node exactly on its kink; one crossed along u */
    char why[200] = "";
    if (ref.status != WG_OK) {
        size_t k = ref.status == WG_EBRANCH ? ref.issue.flip_node : ref.issue.node;
        res->verdict = WG_VERDICT_INVALID;
        res->invalid_node = wg_chk_orig_node(c, k);
        if (ref.issue_sign == 0)        /* the point itself, at a raised precision */
            RESMSG(res, "%s is outside its domain or branch at the point in exact "
                   "arithmetic (%ld bits): %s", LABEL(c, k), (long)c->prec,
                   ref.status == WG_EBRANCH ? "the recorded outcome is not the exact one"
                   : ref.issue.why ? ref.issue.why : "not finite");
        else if (ref.status == WG_EBRANCH)
            RESMSG(res, "the direction crosses a recorded branch at %s within a "
                   "step of %c2^%ld", LABEL(c, k), ref.issue_sign > 0 ? '+' : '-',
                   ref.issue_exp);
        else
            RESMSG(res, "%s leaves its domain at x0 %c 2^%ld u: %s",
                   LABEL(c, k), ref.issue_sign > 0 ? '+' : '-', ref.issue_exp,
                   ref.issue.why ? ref.issue.why : "not finite");
    } else {
        res->reference = mpfr_get_d(c->D2, MPFR_RNDN);
        mpfr_sub(c->tmp, c->D1, c->D2, MPFR_RNDN);
        res->reference_err = fabs(mpfr_get_d(c->tmp, MPFR_RNDN));
        weak_reference(c, res);
        res->reference_converged = ref.converged;
        res->left = mpfr_get_d(c->L, MPFR_RNDN);
        res->right = mpfr_get_d(c->R, MPFR_RNDN);
        for (int k = 0; k < WG_METHOD_COUNT; k++)
            wg_chk_set_figure(c, &res->fig[k], res->reference);
        double tol = B + res->reference_err;
        /* The documented conventions fix AD's value wherever a node sits
         * exactly on its kink (convention.c): AD must give it.  And AD
         * gives that value, not the derivative of the whole function:
         * relu(x) - relu(-x) at 0 has AD 0 and derivative 1, and several
         * kinks together can put AD outside the one-sided range.  So when
         * the direction crosses such a node, the convention's value is the
         * whole test, and the reference is not needed (3 abs(x) at 0
         * leaves it without a scale to converge to). */
        conv = wg_chk_convention(c, &on, &kink);
        double cslack = B + 0x1p-52 * fabs(conv);
        int off_rev = frev->computed && !(fabs(frev->value - conv) <= cslack);
        int off_fwd = ffwd->computed && !(fabs(ffwd->value - conv) <= cslack);
        if (!ref.converged && kink < 0) {
            res->verdict = WG_VERDICT_UNSTABLE;
            wg_chk_msg(why, sizeof why, "the reference did not converge: |D(h1) - D(h2)| = %.3g, "
                "rounding %.3g at h1 = 2^%ld, %ld bits (reference %.17g)", res->reference_err,
                ref.round_err, ref.e1, (long)c->prec, res->reference);
        } else if (ref.nondiff || !ref.converged) {
            res->verdict = WG_VERDICT_NONDIFF;
            if (kink < 0) {
                /* the kink lies between doubles, where AD takes one side's
                 * derivative: it must lie between them */
                double lo = fmin(res->left, res->right), hi = fmax(res->left, res->right);
                double slack = B + 0x1p-52 * fmax(fabs(lo), fabs(hi));
                fail_rev = frev->computed && (frev->value < lo - slack || frev->value > hi + slack);
                fail_fwd = ffwd->computed && (ffwd->value < lo - slack || ffwd->value > hi + slack);
            }
            if (ref.nondiff)
                wg_chk_msg(why, sizeof why, "one-sided derivatives differ (left %.17g, right %.17g): "
                    "a kink within 2^%ld of the point", res->left, res->right,
                    ref.e1 - WG_REF_RATIO_BITS);
            else
                wg_chk_msg(why, sizeof why, "%s sits on its kink, where AD follows the "
                    "documented convention; the reference did not converge",
                    LABEL(c, (size_t)kink));
        } else {
            fail_rev = frev->computed && frev->abs_err > tol;
            fail_fwd = ffwd->computed && ffwd->abs_err > tol;
            if ((fail_rev || fail_fwd) && kink >= 0) {
                res->verdict = WG_VERDICT_NONDIFF;
                fail_rev = fail_fwd = 0;
                wg_chk_msg(why, sizeof why, "%s sits on its kink: AD follows the "
                    "documented convention there, not the derivative %.17g of the whole "
                    "function", LABEL(c, (size_t)kink), res->reference);
            }
        }
        if (on >= 0 || ref.nondiff) {
            conv_rev = off_rev;
            conv_fwd = off_fwd;
        }
    }
    if (rev_on && fwd_on && res->dot_gap > B)
        fail_dot = 1;

    if (fail_rev || fail_fwd || fail_dot || conv_rev || conv_fwd) {
        int range = fail_rev || fail_fwd;   /* outside the one-sided range: say that first */
        fail_rev |= conv_rev;
        fail_fwd |= conv_fwd;
        res->verdict = WG_VERDICT_FAIL;
        const char *mode = fail_rev && fail_fwd ? "both" : fail_rev ? "reverse"
                           : fail_fwd ? "forward" : "dot-product";
        snprintf(res->fail_mode, sizeof res->fail_mode, "%s", mode);
        if (!range && (conv_rev || conv_fwd)) {
            double v = conv_rev ? frev->value : ffwd->value;
            char at[200];
            if (kink >= 0)
                snprintf(at, sizeof at, "%s on its kink", LABEL(c, (size_t)kink));
            else
                snprintf(at, sizeof at, "a kink (one-sided %.9g, %.9g)", res->left, res->right);
            RESMSG(res, "%s at %s: AD %.17g is not the documented convention's %.17g, "
                   "off by %.3g > bound %.3g", conv_rev && conv_fwd ? "reverse and forward"
                   : conv_rev ? "reverse" : "forward", at, v, conv, fabs(v - conv), B);
        } else if (fail_rev || fail_fwd)
            RESMSG(res, "%s%s: %s off the %s by %.3g (rel %.3g) > bound %.3g%s%s",
                   fail_rev && fail_fwd ? "reverse and forward" : mode,
                   ref.nondiff ? " at a kink" : "",
                   fail_rev && fail_fwd ? "both" : "AD",
                   ref.nondiff ? "one-sided range" : "reference",
                   fail_rev ? frev->abs_err : ffwd->abs_err,
                   fail_rev ? frev->rel_err : ffwd->rel_err, B,
                   why[0] ? "; " : "", why);
        else
            RESMSG(res, "dot-product: |w.(J u) - (w^T J).u| = %.3g > bound %.3g "
                   "(forward %.17g, reverse %.17g)", res->dot_gap, B, ffwd->value,
                   frev->value);
        if (conv_rev || conv_fwd)
            wg_chk_blame_convention(c, res);
        else
            wg_chk_blame(c, &ref, res, fail_fwd, fail_rev);
    } else if (res->verdict == WG_VERDICT_PASS) {
        RESMSG(res, "AD within the bound %.3g of the reference %.17g (rel err reverse %.3g, "
               "forward %.3g)", B, res->reference, frev->rel_err, ffwd->rel_err);
    } else if (why[0]) {
        RESMSG(res, "%s", why);
    }
    if (res->verdict != WG_VERDICT_FAIL && res->verdict != WG_VERDICT_INVALID)
        judge_paths(c, res, B);
    accuracy(c, res, B);
}

/* ---------------------------------------------------------------- entry points */

static int options_of(const wg_check_options *o, wg_check_options *out, wg_check_report *r)
{
    if (o)
        *out = *o;
    else
        wg_check_options_init(out);
    if (out->precision < 128 || out->precision > (1u << 20)) {
        REPERR(r, "wg_check: precision %u is outside [128, 2^20] bits", out->precision);
        return WG_EINVAL;
    }
    if (!(out->safety > 0) || !isfinite(out->safety)) {
        REPERR(r, "wg_check: safety %g must be finite and > 0", out->safety);
        return WG_EINVAL;
    }
    if (out->order == 0)        /* options built without wg_check_options_init */
        out->order = 1;
    if (out->order != 1 && out->order != 2) {
        REPERR(r, "wg_check: order %u is not 1 or 2", out->order);
        return WG_EINVAL;
    }
    out->methods &= (1u << WG_METHOD_COUNT) - 1u;
    return WG_OK;
}

static int check_handles(wg_tape *t, size_t n, const wg_var *x, size_t m, const wg_var *y,
                         wg_check_report *r)
{
    for (size_t j = 0; j < n; j++) {
        size_t i = wg_var_index(t, x[j]);
        if (i == (size_t)-1) {
            REPERR(r, "wg_check: x[%zu] (id %u) is not a live handle of this tape", j,
                   x[j].id);
            return WG_EINVAL;
        }
        if (wg_node_op(t, i) != WG_OP_INPUT) {
            REPERR(r, "wg_check: x[%zu] is node %zu (%s), not an input", j, i,
                   wg_op_name(wg_node_op(t, i)));
            return WG_EINVAL;
        }
        for (size_t k = 0; k < j; k++)
            if (x[k].id == x[j].id && x[k].tag == x[j].tag) {
                REPERR(r, "wg_check: x[%zu] and x[%zu] are the same input (node %zu)", k, j, i);
                return WG_EINVAL;
            }
    }
    for (size_t j = 0; j < m; j++)
        if (wg_var_index(t, y[j]) == (size_t)-1) {
            REPERR(r, "wg_check: y[%zu] (id %u) is not a live handle of this tape", j,
                   y[j].id);
            return WG_EINVAL;
        }
    return WG_OK;
}

static int check_tape(wg_tape *t, size_t n, const wg_var *x, size_t m, const wg_var *y,
                      const wg_check_options *o, wg_check_report *r, int nested);

/* The derivatives on the copy that wg_eval moved to x1 = x0 + d
 * (paths.c), judged as at any point: a check of one direction of the
 * copy at x1 (its own u and w from the seed; reverse and forward mode and
 * every other path of paths.c but the replay itself), whose wg_vjp and
 * wg_jvp figures become the paths replay-vjp and replay-jvp of res, and
 * whose fail becomes res's, with its blame: replay-vjp, replay-jvp,
 * replay-dot, or "replay-" and the other path's name (replay-grad, ...). */
static void replay_derivatives(wg_chk *c, wg_check_result *res)
{
    wg_check_options o = c->opt;
    o.directions = 1;
    o.full_jacobian = 0;
    o.order = 1;
    o.methods &= (1u << WG_METHOD_REVERSE) | (1u << WG_METHOD_FORWARD);
    if (!o.methods || !c->cp_nx)
        return;
    wg_check_report r;
    if (check_tape(c->cp, c->cp_nx, c->cp_x, c->sm, c->cp_y, &o, &r, 1) != WG_OK)
        return;
    const wg_check_result *q = r.nresults ? &r.results[0] : NULL;
    if (q) {
        static const struct { wg_method m; wg_path p; } mp[2] = {
            { WG_METHOD_REVERSE, WG_PATH_REPLAY_VJP }, { WG_METHOD_FORWARD, WG_PATH_REPLAY_JVP }
        };
        for (int k = 0; k < 2; k++) {
            res->path[mp[k].p] = q->fig[mp[k].m];
            res->path[mp[k].p].err_est = q->bound;
        }
    }
    if (q && q->verdict == WG_VERDICT_FAIL) {
        /* both modes off: the VJP's path, as reverse comes first elsewhere */
        const char *qm = q->fail_mode;
        char mode[sizeof res->fail_mode];
        if (strcmp(qm, "reverse") == 0 || strcmp(qm, "both") == 0)
            snprintf(mode, sizeof mode, "replay-vjp");
        else if (strcmp(qm, "forward") == 0)
            snprintf(mode, sizeof mode, "replay-jvp");
        else if (strcmp(qm, "dot-product") == 0)
            snprintf(mode, sizeof mode, "replay-dot");
        else
            snprintf(mode, sizeof mode, "replay-%.*s", (int)(sizeof mode - 8), qm);
        res->verdict = WG_VERDICT_FAIL;
        snprintf(res->fail_mode, sizeof res->fail_mode, "%s", mode);
        RESMSG(res, "%s: after wg_eval to x0 + d (d_j = -2^-20 of x0_j), a direction there: %s",
               mode, q->message);
        res->blame_node = q->blame_node;
        res->blame_op = q->blame_op;
        res->blame_elem = q->blame_elem;
    }
    wg_check_report_free(&r);
}

static int check_tape(wg_tape *t, size_t n, const wg_var *x, size_t m, const wg_var *y,
                      const wg_check_options *o, wg_check_report *r, int nested)
{
    if (!r)
        return WG_EINVAL;
    memset(r, 0, sizeof *r);
    r->ad_digits = NAN;
    double t0 = wg_chk_now();
    wg_chk c;
    memset(&c, 0, sizeof c);
    c.nested = nested;
    int s = options_of(o, &c.opt, r);
    if (s != WG_OK)
        return s;
    if (!t) {
        REPERR(r, "wg_check: the tape is NULL");
        return WG_EINVAL;
    }
    if (n == 0 || !x) {
        REPERR(r, "wg_check: no inputs (n = %zu, x %s)", n, x ? "given" : "NULL");
        return WG_EINVAL;
    }
    if (m == 0 || !y) {
        REPERR(r, "wg_check: no outputs (m = %zu, y %s)", m, y ? "given" : "NULL");
        return WG_EINVAL;
    }
    /* full-Jacobian mode: one column per input element */
    size_t ncols = c.opt.full_jacobian ? wg_chk_flat_count(t, n, x) : 0;
    if (c.opt.directions == 0 && ncols == 0) {
        REPERR(r, "wg_check: nothing to check: 0 directions and no full Jacobian");
        return WG_EINVAL;
    }
    r->nresults = c.opt.directions + ncols;
    r->results = ncols < SIZE_MAX / sizeof *r->results - c.opt.directions
                 ? calloc(r->nresults, sizeof *r->results) : NULL;
    if (!r->results) {
        r->nresults = 0;
        REPERR(r, "wg_check: out of memory for %u results", c.opt.directions);
        return WG_ENOMEM;
    }

    /* a tape that failed at its point: every result says where */
    s = wg_status(t);
    if (s != WG_OK) {
        if (!wg_chk_point_error(s)) {
            REPERR(r, "wg_check: the tape has failed: %s", wg_errmsg(t));
            wg_check_report_free(r);
            return s;
        }
        wg_chk_all_invalid(r, wg_chk_node_in_message(wg_errmsg(t)), "the tape fails at the point: ",
                    wg_errmsg(t));
        wg_chk_summarize(r, t0);
        return WG_OK;
    }
    if ((s = check_handles(t, n, x, m, y, r)) != WG_OK) {
        wg_check_report_free(r);
        return s;
    }

    if (c.opt.order == 2)       /* second order: check_order2.c */
        return wg_chk_order2(t, n, x, m, y, &c.opt, r, t0, 0);

    wg_lowering L;
    wg_chk_fault f;
    s = wg_chk_open(&c, t, n, x, m, y, &L, &f);
    if (s == WG_CHK_ALL_INVALID) {
        wg_chk_all_invalid(r, f.node, f.prefix, f.text);
        if (f.restore)
            wg_chk_restore(&c);
        wg_chk_close(&c);
        wg_lowering_free(&L);
        wg_chk_summarize(r, t0);
        return WG_OK;
    }
    if (s != WG_OK) {
        REPERR(r, "%s", f.text);
        wg_chk_close(&c);
        wg_lowering_free(&L);
        wg_check_report_free(r);
        return s;
    }

    if (wg_chk_paths_open(&c) != WG_OK) {
        REPERR(r, "wg_check: out of memory for the derivative paths");
        wg_chk_paths_close(&c);
        wg_chk_close(&c);
        wg_lowering_free(&L);
        wg_check_report_free(r);
        return WG_ENOMEM;
    }
    for (size_t k = 0; k < r->nresults; k++) {
        wg_check_result *res = &r->results[k];
        wg_chk_result_init(res);
        if (k < c.opt.directions)
            wg_chk_draw_unit(c.rng, c.n, c.u);
        else {
            memset(c.u, 0, c.n * sizeof *c.u);
            c.u[k - c.opt.directions] = 1;
        }
        if (c.m == 1)
            c.w[0] = 1;
        else
            wg_chk_draw_unit(c.rng, c.m, c.w);
        check_direction(&c, res);
    }
    /* wg_eval's replay at a new point, once per check, on the first
     * result (paths.c); then the derivatives there, when none failed at
     * x0 (a rule wrong at x0 is wrong there too: that fail is already
     * told, and one at x1 is then the replay's, or a rule's that acts
     * only there) */
    int any_fail = 0;
    for (size_t k = 0; k < r->nresults; k++)
        any_fail |= r->results[k].verdict == WG_VERDICT_FAIL;
    if (!nested && r->nresults && r->results[0].verdict != WG_VERDICT_INVALID
        && r->results[0].verdict != WG_VERDICT_FAIL
        && !wg_chk_replay_judge(&c, &r->results[0]) && c.cp_moved && !any_fail)
        replay_derivatives(&c, &r->results[0]);
    wg_chk_restore(&c);
    wg_chk_paths_close(&c);
    wg_chk_close(&c);
    wg_lowering_free(&L);
    wg_chk_summarize(r, t0);
    for (size_t k = 0; k < r->nresults; k++) {
        const wg_check_result *res = &r->results[k];
        double ad = fmin(res->digits[WG_METHOD_REVERSE], res->digits[WG_METHOD_FORWARD]);
        if (!isnan(ad) && !(ad >= r->ad_digits))
            r->ad_digits = ad;
        r->ill_conditioned |= res->ill_conditioned;
    }
    return WG_OK;
}

int wg_check_tape(wg_tape *t, size_t n, const wg_var *x, size_t m, const wg_var *y,
                  const wg_check_options *o, wg_check_report *r)
{
    if (!r)
        return WG_EINVAL;
    int s = check_tape(t, n, x, m, y, o, r, 0);
    if (s == WG_OK)             /* the blamed node as text, once every blame is final */
        for (size_t k = 0; k < r->nresults; k++)
            wg_chk_blame_text(t, NULL, &r->results[k]);
    return s;
}

int wg_check_fn(wg_record_fn record, void *ctx, size_t n, const double *point, size_t m,
                const wg_check_options *o, wg_check_report *r)
{
    if (!r)
        return WG_EINVAL;
    memset(r, 0, sizeof *r);
    if (!record || n == 0 || !point || m == 0) {
        REPERR(r, "wg_check_fn: %s", !record ? "record is NULL"
               : n == 0 ? "no inputs (n = 0)" : !point ? "point is NULL" : "no outputs (m = 0)");
        return WG_EINVAL;
    }
    wg_tape *t = wg_tape_new();
    wg_var *x = malloc(n * sizeof *x), *y = calloc(m, sizeof *y);
    int s = WG_OK;
    if (!t || !x || !y) {
        REPERR(r, "wg_check_fn: out of memory");
        s = WG_ENOMEM;
        goto out;
    }
    for (size_t j = 0; j < n; j++)
        x[j] = wg_input(t, point[j]);
    if (wg_status(t) != WG_OK) {
        REPERR(r, "wg_check_fn: %s", wg_errmsg(t));
        s = wg_status(t);
        goto out;
    }
    int rc = record(t, x, n, y, m, ctx);
    /* the record function may return the tape's status: a point error
     * still gets a report (invalid, naming the node) */
    if (rc != WG_OK && !(rc == wg_status(t) && wg_chk_point_error(rc))) {
        REPERR(r, "wg_check_fn: the record function returned %d (%s)%s%s", rc,
               wg_strerror(rc), wg_status(t) != WG_OK ? ": " : "",
               wg_status(t) != WG_OK ? wg_errmsg(t) : "");
        s = rc;
        goto out;
    }
    s = wg_check_tape(t, n, x, m, y, o, r);
out:
    free(x);
    free(y);
    wg_tape_free(t);
    return s;
}

int wg_check_graph(wg_graph *g, const wg_check_options *o, wg_check_report *r)
{
    if (!r)
        return WG_EINVAL;
    memset(r, 0, sizeof *r);
    if (!g) {
        REPERR(r, "wg_check_graph: the graph is NULL");
        return WG_EINVAL;
    }
    size_t n = wg_graph_ninputs(g), m = wg_graph_noutputs(g);
    wg_var *x = malloc((n ? n : 1) * sizeof *x), *y = malloc((m ? m : 1) * sizeof *y);
    int s;
    if (!x || !y) {
        REPERR(r, "wg_check_graph: out of memory");
        s = WG_ENOMEM;
    } else {
        for (size_t j = 0; j < n; j++)
            x[j] = wg_graph_input(g, j);
        for (size_t j = 0; j < m; j++)
            y[j] = wg_graph_output(g, j);
        s = wg_check_tape(wg_graph_tape(g), n, x, m, y, o, r);
        for (size_t k = 0; s == WG_OK && k < r->nresults; k++)   /* with the graph's names */
            wg_chk_blame_text(wg_graph_tape(g), g, &r->results[k]);
    }
    free(x);
    free(y);
    return s;
}
