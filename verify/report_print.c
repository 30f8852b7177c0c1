/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_print.c -- a check report as a readable block, or as one line of
 * JSON (fields in doc/VERIFY.md) through json.h, the project's one JSON writer. */
#include "json.h"
#include "wengert_verify.h"

#include <math.h>
#include <stdio.h>

/* %.17g, or "-" for a figure that was not computed */
static void put_num(FILE *out, const char *label, double v)
{
    if (isfinite(v))
        fprintf(out, "%s%.17g", label, v);
    else
        fprintf(out, "%s-", label);
}

/* the figures of a second-order result: fig[] by method, then hvp and
 * hessian */
static const char *order2_name(int m)
{
    static const char *const names[WG_METHOD_COUNT + 2] = {
        "rev-rev", "fwd-rev", "central", "gsl", "hvp", "hessian"
    };
    return names[m];
}

static const wg_figure *figure_of(const wg_check_result *res, int m)
{
    return m < WG_METHOD_COUNT ? &res->fig[m] : m == WG_METHOD_COUNT ? &res->hvp
                                                                     : &res->hessian;
}

/* the blamed op: a custom op by its registered name */
static const char *blame_op_name(const wg_check_result *res)
{
    if (res->blame_name[0])
        return res->blame_name;
    return wg_op_name(res->blame_op) ? wg_op_name(res->blame_op) : "?";
}

static void print_result(const wg_check_result *res, size_t k, size_t n, FILE *out)
{
    fprintf(out, "  result %zu/%zu: %s", k + 1, n, wg_verdict_name(res->verdict));
    if (res->verdict == WG_VERDICT_FAIL)
        fprintf(out, " (%s)", res->fail_mode);
    fputc('\n', out);
    put_num(out, "    reference  ", res->reference);
    if (isfinite(res->reference))
        fprintf(out, "  (%s, |D(h1) - D(h2)| = %.3g%s)",
                res->reference_converged ? "converged" : "not converged", res->reference_err,
                res->reference_weak ? "; weak: a custom op without an MPFR value" : "");
    fputc('\n', out);
    /* the one-sided values, where they tell something: at a kink */
    if (isfinite(res->left) && isfinite(res->right)
        && fabs(res->left - res->right) > 0x1p-20 * fmax(fabs(res->left), fabs(res->right))) {
        put_num(out, "    left       ", res->left);
        put_num(out, "\n    right      ", res->right);
        fputc('\n', out);
    }
    int o2 = res->order == 2;
    for (int m = 0; m < WG_METHOD_COUNT + 2 * o2; m++) {
        const wg_figure *f = figure_of(res, m);
        fprintf(out, "    %-10s ", o2 ? order2_name(m) : wg_method_name((wg_method)m));
        if (!f->computed) {
            fprintf(out, "not computed\n");
            continue;
        }
        fprintf(out, "%-24.17g", f->value);
        if (m == WG_METHOD_COUNT + 1)
            fprintf(out, "  (%s)", res->hessian_method);
        if (isfinite(f->rel_err))
            fprintf(out, "  rel %-9.3g  ulps %-9.3g", f->rel_err, f->ulps);
        if (m >= WG_METHOD_CENTRAL && m < WG_METHOD_COUNT && isfinite(f->err_est))
            fprintf(out, "  est %.3g", f->err_est);
        fputc('\n', out);
    }
    for (int p = 0; !o2 && p < WG_PATH_COUNT; p++) {
        const wg_figure *f = &res->path[p];
        if (!f->computed)
            continue;
        fprintf(out, "    %-12s %-24.17g", wg_path_name((wg_path)p), f->value);
        if (isfinite(f->abs_err))
            fprintf(out, "  err %-9.3g  bound %.3g", f->abs_err, f->err_est);
        fputc('\n', out);
    }
    if (res->user.computed) {
        fprintf(out, "    %-10s %-24.17g", "user", res->user.value);
        if (isfinite(res->user.abs_err))
            fprintf(out, "  err %-9.3g  tolerance %.3g", res->user.abs_err, res->user.err_est);
        fputc('\n', out);
    }
    if (!o2 && isfinite(res->condition))
        fprintf(out, "    accuracy   digits reverse %.1f, forward %.1f; condition %.3g%s\n",
                res->digits[WG_METHOD_REVERSE], res->digits[WG_METHOD_FORWARD], res->condition,
                res->ill_conditioned ? " (ill-conditioned)" : "");
    /* an invalid result has nothing the bound was for */
    if (res->verdict != WG_VERDICT_INVALID) {
        fprintf(out, "    bound      %.3g", res->bound);
        if (isfinite(res->dot_gap))
            fprintf(out, "   dot gap %.3g", res->dot_gap);
    } else
        fputs("    bound      -", out);
    if (o2 && isfinite(res->sym_gap))
        fprintf(out, "   symmetry gap %.3g (bound %.3g)", res->sym_gap, res->sym_bound);
    fputc('\n', out);
    if (o2 && isfinite(res->grad_value)) {
        put_num(out, "    gradient   ", res->grad_value);
        put_num(out, "  exact ", res->grad_exact);
        put_num(out, "  reference ", res->grad_reference);
        fprintf(out, "  bound %.3g\n", res->grad_bound);
    }
    if (res->blame_node >= 0) {
        fprintf(out, "    blame      node %ld (%s)", res->blame_node, blame_op_name(res));
        if (res->blame_elem >= 0)       /* a tensor node: which element */
            fprintf(out, " element %ld", res->blame_elem);
        if (res->blame_text[0])
            fprintf(out, ": %s", res->blame_text);
        fputc('\n', out);
    } else if (res->verdict == WG_VERDICT_FAIL)
        fprintf(out, "    blame      %s (no node blamed)\n", wg_op_name(WG_OP_NONE));
    if (res->invalid_node >= 0)
        fprintf(out, "    node       %ld\n", res->invalid_node);
    if (res->message[0])
        fprintf(out, "    %s\n", res->message);
}

int wg_check_report_weak(const wg_check_report *r)
{
    for (size_t k = 0; r && k < r->nresults; k++)
        if (r->results[k].reference_weak)
            return 1;
    return 0;
}

void wg_check_report_print(const wg_check_report *r, const char *name, FILE *out)
{
    if (!r || !out)
        return;
    fprintf(out, "%s: %s", name ? name : "check", wg_verdict_name(r->verdict));
    const wg_check_result *w = r->nresults ? &r->results[r->worst] : NULL;
    if (r->verdict == WG_VERDICT_FAIL && w) {   /* the worst result's mode and blame */
        fprintf(out, " (%s; ", w->fail_mode);
        if (w->blame_node < 0)
            fprintf(out, "blame %s: no node blamed)", wg_op_name(WG_OP_NONE));
        else if (w->blame_text[0])
            fprintf(out, "blame %s: %s)", blame_op_name(w), w->blame_text);
        else
            fprintf(out, "blame %s: node %ld)", blame_op_name(w), w->blame_node);
    }
    if (r->ill_conditioned)     /* about the function, not the rules (doc/VERIFY.md) */
        fprintf(out, " (ill-conditioned: %.0f correct digits)", floor(r->ad_digits));
    if (wg_check_report_weak(r))
        fputs(" (weak reference: a custom op without an MPFR value)", out);
    fprintf(out, " (%zu result%s, %.3g ms)\n", r->nresults, r->nresults == 1 ? "" : "s",
            r->seconds * 1e3);
    if (r->error[0])
        fprintf(out, "  error: %s\n", r->error);
    for (size_t k = 0; k < r->nresults; k++)
        print_result(&r->results[k], k, r->nresults, out);
}

/* ---------------------------------------------------------------- JSON */

static void json_methods(FILE *out, const char *key, const wg_check_result *res, int what)
{
    fprintf(out, ",\"%s\":{", key);
    int o2 = res->order == 2;
    for (int m = 0; m < WG_METHOD_COUNT + 2 * o2; m++) {
        const wg_figure *f = figure_of(res, m);
        double v = what == 0 ? f->value : what == 1 ? f->rel_err : f->ulps;
        fprintf(out, "%s\"%s\":", m ? "," : "",
                m < WG_METHOD_COUNT ? wg_method_name((wg_method)m)
                : m == WG_METHOD_COUNT ? "hvp" : "hessian");
        wg_json_number(out, f->computed ? v : NAN);
    }
    fputc('}', out);
}

/* the second order's own fields (doc/VERIFY.md, "Second order") */
static void json_order2(FILE *out, const wg_check_result *res)
{
    fputs(",\"order\":2,\"symmetry_gap\":", out);
    wg_json_number(out, res->sym_gap);
    fputs(",\"symmetry_bound\":", out);
    wg_json_number(out, res->sym_bound);
    fputs(",\"gradient\":{\"value\":", out);
    wg_json_number(out, res->grad_value);
    fputs(",\"exact\":", out);
    wg_json_number(out, res->grad_exact);
    fputs(",\"reference\":", out);
    wg_json_number(out, res->grad_reference);
    fputs(",\"bound\":", out);
    wg_json_number(out, res->grad_bound);
    fputc('}', out);
    /* the method wg_hessian took (a plain word), "" where it was not run */
    fprintf(out, ",\"hessian_method\":\"%s\"", res->hessian_method);
}

/* "paths": {"jvp-multi": {"value", "abs_err", "bound"} or null, ...} */
static void json_paths(FILE *out, const wg_check_result *res)
{
    fputs(",\"paths\":{", out);
    for (int p = 0; p < WG_PATH_COUNT; p++) {
        const wg_figure *f = &res->path[p];
        if (p)
            fputc(',', out);
        wg_json_string(out, wg_path_name((wg_path)p));
        if (!f->computed) {
            fputs(":null", out);
            continue;
        }
        fputs(":{\"value\":", out);
        wg_json_number(out, f->value);
        fputs(",\"abs_err\":", out);
        wg_json_number(out, f->abs_err);
        fputs(",\"bound\":", out);
        wg_json_number(out, f->err_est);
        fputc('}', out);
    }
    fputc('}', out);
}

/* "accuracy": {"ill_conditioned", "ad_digits" (the fewest over the
 * results), "digits": {method: ...} and "condition" of the worst result} */
static void json_accuracy(FILE *out, const wg_check_report *r, const wg_check_result *res)
{
    fprintf(out, ",\"accuracy\":{\"ill_conditioned\":%s,\"ad_digits\":",
            r->ill_conditioned ? "true" : "false");
    wg_json_number(out, r->ad_digits);
    fputs(",\"digits\":{", out);
    for (int m = 0; m < WG_METHOD_COUNT; m++) {
        if (m)
            fputc(',', out);
        wg_json_string(out, wg_method_name((wg_method)m));
        fputc(':', out);
        wg_json_number(out, res->digits[m]);
    }
    fputs("},\"condition\":", out);
    wg_json_number(out, res->condition);
    fputc('}', out);
}

void wg_check_report_json(const wg_check_report *r, const char *name, FILE *out)
{
    if (!r || !out)
        return;
    const wg_check_result *res = r->nresults ? &r->results[r->worst] : NULL;
    fputs("{\"case\":", out);
    wg_json_string(out, name ? name : "");
    fputs(",\"verdict\":", out);
    wg_json_string(out, wg_verdict_name(r->verdict));
    fprintf(out, ",\"results\":%zu,\"worst\":%zu", r->nresults, r->worst);
    if (res) {
        fputs(",\"fail_mode\":", out);
        if (res->verdict == WG_VERDICT_FAIL)
            wg_json_string(out, res->fail_mode);
        else
            fputs("null", out);
        fputs(",\"reference\":", out);
        wg_json_number(out, res->reference);
        fputs(",\"reference_err\":", out);
        wg_json_number(out, res->reference_err);
        fprintf(out, ",\"reference_converged\":%s", res->reference_converged ? "true" : "false");
        fprintf(out, ",\"reference_weak\":%s", wg_check_report_weak(r) ? "true" : "false");
        json_methods(out, "value", res, 0);
        json_methods(out, "rel_err", res, 1);
        json_methods(out, "ulps", res, 2);
        fputs(",\"bound\":", out);
        wg_json_number(out, res->bound);
        fputs(",\"dot_gap\":", out);
        wg_json_number(out, res->dot_gap);
        /* blame: the node, its op and its text; a fail that blames no node
         * says so, {"node": null, "op": "none", "text": null}; null when
         * the verdict is not fail */
        fputs(",\"blame\":", out);
        if (res->blame_node >= 0) {
            fprintf(out, "{\"node\":%ld,\"op\":", res->blame_node);
            wg_json_string(out, blame_op_name(res));
            if (res->blame_elem >= 0)   /* only for a tensor node's element */
                fprintf(out, ",\"element\":%ld", res->blame_elem);
            fputs(",\"text\":", out);
            if (res->blame_text[0])
                wg_json_string(out, res->blame_text);
            else
                fputs("null", out);
            fputc('}', out);
        } else if (res->verdict == WG_VERDICT_FAIL) {
            fputs("{\"node\":null,\"op\":", out);
            wg_json_string(out, wg_op_name(WG_OP_NONE));
            fputs(",\"text\":null}", out);
        } else
            fputs("null", out);
        fputs(",\"invalid_node\":", out);
        if (res->invalid_node >= 0)
            fprintf(out, "%ld", res->invalid_node);
        else
            fputs("null", out);
        if (res->order == 2)
            json_order2(out, res);
        else
            json_paths(out, res);
        json_accuracy(out, r, res);
        if (res->user.computed) {       /* wg_check_gradient */
            fputs(",\"user\":{\"value\":", out);
            wg_json_number(out, res->user.value);
            fputs(",\"abs_err\":", out);
            wg_json_number(out, res->user.abs_err);
            fputs(",\"tolerance\":", out);
            wg_json_number(out, res->user.err_est);
            fputc('}', out);
        }
    } else {
        fputs(",\"fail_mode\":null,\"reference\":null,\"reference_err\":null,"
              "\"reference_converged\":false,\"reference_weak\":false,\"value\":null,\"rel_err\":null,\"ulps\":null,"
              "\"bound\":null,\"dot_gap\":null,\"blame\":null,\"invalid_node\":null", out);
    }
    fputs(",\"seconds\":", out);
    wg_json_number(out, r->seconds);
    fputs(",\"message\":", out);
    wg_json_string(out, res ? res->message : r->error);
    fputs("}\n", out);
}
