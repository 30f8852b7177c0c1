/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_result.c -- a check's results and report: their initial state,
 * messages, the order of verdicts, the summary of a report.  The leaf of
 * the checker: every other file of it may call these, and these call none
 * of them, so check.c, blame.c and the second order share them without
 * calling one another. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include "check_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double wg_ulp_of(double x)
{
    if (x == 0 || fpclassify(x) == FP_SUBNORMAL || !isfinite(x))
        return 0x1p-1074;
    return ldexp(1.0, ilogb(x) - 52);
}

double wg_chk_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void wg_chk_msg(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

void wg_chk_append(wg_check_result *res, const char *fmt, ...)
{
    size_t len = strlen(res->message);
    if (len + 1 >= sizeof res->message)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->message + len, sizeof res->message - len, fmt, ap);
    va_end(ap);
}

/* the node a lib message names ("... node 12 (log): ..."), or -1 */
long wg_chk_node_in_message(const char *m)
{
    for (const char *p = m ? strstr(m, "node ") : NULL; p; p = strstr(p + 1, "node ")) {
        char *end;
        long v = strtol(p + 5, &end, 10);
        if (end != p + 5 && v >= 0)
            return v;
    }
    return -1;
}

int wg_chk_point_error(int status)
{
    return status == WG_EDOM || status == WG_ERANGE || status == WG_EBRANCH;
}

unsigned wg_chk_verdict_rank(wg_verdict v)
{
    switch (v) {
    case WG_VERDICT_FAIL:     return 4;
    case WG_VERDICT_INVALID:  return 3;
    case WG_VERDICT_UNSTABLE: return 2;
    case WG_VERDICT_NONDIFF:  return 1;
    case WG_VERDICT_PASS:
    case WG_VERDICT_COUNT:    break;
    }
    return 0;
}

void wg_chk_result_init(wg_check_result *res)
{
    memset(res, 0, sizeof *res);
    res->verdict = WG_VERDICT_PASS;
    res->reference = res->reference_err = NAN;
    res->left = res->right = NAN;
    res->bound = res->dot_gap = NAN;
    res->blame_node = -1;
    res->blame_op = WG_OP_NONE;
    res->blame_name[0] = '\0';
    res->blame_elem = -1;
    res->invalid_node = -1;
    for (int k = 0; k < WG_METHOD_COUNT; k++) {
        wg_figure *f = &res->fig[k];
        f->value = f->abs_err = f->rel_err = f->ulps = f->err_est = NAN;
        f->computed = 0;
    }
    for (int k = 0; k < WG_PATH_COUNT; k++) {
        wg_figure *f = &res->path[k];
        f->value = f->abs_err = f->rel_err = f->ulps = f->err_est = NAN;
        f->computed = 0;
    }
    for (int k = 0; k < WG_METHOD_COUNT; k++)
        res->digits[k] = NAN;
    res->condition = NAN;
    res->user.value = res->user.abs_err = res->user.rel_err = res->user.ulps = NAN;
    res->user.err_est = NAN;
    res->user.computed = 0;
    res->ill_conditioned = 0;
    res->order = 1;
    res->hvp.value = res->hvp.abs_err = res->hvp.rel_err = res->hvp.ulps = NAN;
    res->hvp.err_est = NAN;
    res->hessian = res->hvp;
    res->hessian_method[0] = '\0';
    res->sym_gap = res->sym_bound = NAN;
    res->grad_value = res->grad_exact = res->grad_reference = res->grad_bound = NAN;
}

/* every result invalid: the tape failed before any direction */
void wg_chk_all_invalid(wg_check_report *r, long node, const char *prefix, const char *text)
{
    for (size_t k = 0; k < r->nresults; k++) {
        wg_check_result *res = &r->results[k];
        wg_chk_result_init(res);
        res->verdict = WG_VERDICT_INVALID;
        res->invalid_node = node;
        snprintf(res->message, sizeof res->message, "%s%s", prefix, text);
    }
}

void wg_chk_summarize(wg_check_report *r, double t0)
{
    r->verdict = WG_VERDICT_PASS;
    r->worst = 0;
    for (size_t k = 0; k < r->nresults; k++)
        if (wg_chk_verdict_rank(r->results[k].verdict) > wg_chk_verdict_rank(r->verdict)) {
            r->verdict = r->results[k].verdict;
            r->worst = k;
        }
    r->seconds = wg_chk_now() - t0;
}

/* ---------------------------------------------------------------- the blamed node as text */

static const char *operand(const wg_tape *t, const wg_graph *g, size_t i, char *buf, size_t len)
{
    if (g && wg_graph_node_name(g, i, buf, len))
        return buf;
    snprintf(buf, len, "v%zu", i);
    (void)t;
    return buf;
}

/* the shortest of %.15g, %.16g, %.17g that reads back the same (the
 * writer's rule) */
static const char *number(double x, char *buf, size_t len)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return buf;
}

void wg_chk_blame_text(const wg_tape *t, const wg_graph *g, wg_check_result *res)
{
    res->blame_text[0] = '\0';
    if (!t || res->blame_node < 0 || (size_t)res->blame_node >= wg_tape_size(t))
        return;
    size_t i = (size_t)res->blame_node;
    wg_op op = wg_node_op(t, i);
    const char *name = wg_node_op_name(t, i);   /* a custom op by its registered name */
    char me[40], a[40] = "", b[40] = "", c[32];
    operand(t, g, i, me, sizeof me);
    int ar = wg_node_arity(t, i);
    if (ar > 0)
        operand(t, g, wg_node_arg(t, i, 0), a, sizeof a);
    if (ar > 1)
        operand(t, g, wg_node_arg(t, i, 1), b, sizeof b);
    char *out = res->blame_text;
    size_t len = sizeof res->blame_text;
    const char *sym = op == WG_OP_ADD ? "+" : op == WG_OP_SUB ? "-" : op == WG_OP_MUL ? "*"
                      : op == WG_OP_DIV ? "/" : op == WG_OP_POW ? "^"
                      : op == WG_OP_MATMUL ? "@" : NULL;    /* infix, as the writer writes */
    switch (wg_op_kind_of(op)) {
    case WG_KIND_LEAF:
        if (op == WG_OP_INPUT)
            snprintf(out, len, "input %s", me);
        else if (wg_node_rank(t, i) > 0)
            snprintf(out, len, "const %s", me);
        else
            snprintf(out, len, "%s = %s", me, number(wg_node_value(t, i), c, sizeof c));
        break;
    case WG_KIND_UNARY:
        if (op == WG_OP_NEG)
            snprintf(out, len, "%s = -%s", me, a);
        else
            snprintf(out, len, "%s = %s(%s)", me, name, a);
        break;
    case WG_KIND_BINARY:
    case WG_KIND_TBINARY:
        if (sym)
            snprintf(out, len, "%s = %s %s %s", me, a, sym, b);
        else
            snprintf(out, len, "%s = %s(%s, %s)", me, name, a, b);
        break;
    case WG_KIND_CMP:
        snprintf(out, len, "%s = %s(%s, %s)", me, name, a, b);
        break;
    case WG_KIND_CONST:
    case WG_KIND_INT:
        snprintf(out, len, "%s = %s(%s, %s)", me, name, a,
                 number(wg_node_param(t, i), c, sizeof c));
        break;
    case WG_KIND_TUNARY:
        snprintf(out, len, "%s = %s(%s)", me, name, a);
        break;
    case WG_KIND_CUSTOM:
        if (ar > 1)
            snprintf(out, len, "%s = %s(%s, %s)", me, name, a, b);
        else
            snprintf(out, len, "%s = %s(%s)", me, name, a);
        break;
    }
}
