/* SPDX-License-Identifier: GPL-3.0-or-later */
/* suite_run.c -- checking a case of a suite: record it at each of its
 * points, check each graph, and gather the reports into one.  Kept apart
 * from the suite model and reader so that those link without the check
 * engine. */
#include "suite.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The order of wg_check_report's verdict: fail > invalid > unstable >
 * nondiff > pass. */
static int rank(wg_verdict v)
{
    switch (v) {
    case WG_VERDICT_PASS: return 0;
    case WG_VERDICT_NONDIFF: return 1;
    case WG_VERDICT_UNSTABLE: return 2;
    case WG_VERDICT_INVALID: return 3;
    case WG_VERDICT_FAIL: return 4;
    case WG_VERDICT_COUNT: break;
    }
    return 5;
}

static double now(void)
{
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC)
        return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* the node a tape message names ("node 7 (log): ..."), or -1 */
static long node_of(const char *msg)
{
    const char *p = strstr(msg, "node ");
    if (!p)
        return -1;
    char *end;
    long n = strtol(p + 5, &end, 10);
    return end != p + 5 && *end == ' ' && n >= 0 ? n : -1;
}

int wg_suite_report_invalid(wg_check_report *r, const char *why)
{
    memset(r, 0, sizeof *r);
    r->ad_digits = NAN;
    wg_check_result *res = calloc(1, sizeof *res);
    if (!res)
        return WG_ENOMEM;
    /* nothing was computed: every figure is NaN, not a misleading 0 */
    res->verdict = WG_VERDICT_INVALID;
    res->reference = res->reference_err = res->left = res->right = NAN;
    for (int m = 0; m < WG_METHOD_COUNT; m++) {
        wg_figure *f = &res->fig[m];
        f->value = f->abs_err = f->rel_err = f->ulps = f->err_est = NAN;
        f->computed = 0;
    }
    res->bound = res->dot_gap = NAN;
    res->order = 1;
    res->hvp = res->fig[0];
    res->sym_gap = res->sym_bound = NAN;
    res->grad_value = res->grad_exact = res->grad_reference = res->grad_bound = NAN;
    res->blame_node = -1;
    res->blame_op = WG_OP_NONE;
    res->blame_elem = -1;
    for (int m = 0; m < WG_METHOD_COUNT; m++)
        res->digits[m] = NAN;
    res->condition = NAN;
    res->invalid_node = why ? node_of(why) : -1;
    snprintf(res->message, sizeof res->message, "%s", why ? why : "");
    r->verdict = WG_VERDICT_INVALID;
    r->nresults = 1;
    r->results = res;
    r->worst = 0;
    return WG_OK;
}

/* append part's results to r, naming the point in their messages when
 * the case has several */
static int append(wg_check_report *r, const wg_check_report *part, size_t k, size_t npoints)
{
    if (part->nresults == 0)
        return WG_OK;
    wg_check_result *res = realloc(r->results, (r->nresults + part->nresults) * sizeof *res);
    if (!res)
        return WG_ENOMEM;
    r->results = res;
    for (size_t i = 0; i < part->nresults; i++) {
        wg_check_result *d = &res[r->nresults + i];
        *d = part->results[i];
        if (npoints > 1 && d->message[0]) {
            char msg[sizeof d->message];
            /* cut at the end of the buffer when long */
            if (snprintf(msg, sizeof msg, "point %zu of %zu: %s", k + 1, npoints, d->message) > 0)
                memcpy(d->message, msg, sizeof msg);
        }
    }
    r->nresults += part->nresults;
    return WG_OK;
}

int wg_suite_case_check(const wg_suite_case *c, const wg_check_options *base,
                        wg_check_report *r, char *why, size_t len)
{
    return wg_suite_case_check_points(c, base, r, why, len, NULL, NULL);
}

int wg_suite_case_check_points(const wg_suite_case *c, const wg_check_options *base,
                               wg_check_report *r, char *why, size_t len,
                               wg_suite_point_fn point, void *ctx)
{
    char dummy[1];
    if (!why || !len) {
        why = dummy;
        len = sizeof dummy;
    }
    why[0] = '\0';
    if (!r)
        return WG_EINVAL;
    memset(r, 0, sizeof *r);
    if (!c) {
        snprintf(why, len, "no case");
        return WG_EINVAL;
    }
    if (c->error) {
        snprintf(why, len, "%s", c->error);
        return WG_EINVAL;
    }
    wg_check_options o;
    wg_suite_case_options(c, base, &o);
    double t0 = now();
    for (size_t k = 0; k < c->npoints; k++) {
        wg_parse_error pe;
        wg_check_report part;
        memset(&part, 0, sizeof part);
        int s;
        const char *none = NULL;
        wg_graph *g = wg_suite_case_graph(c, k, &pe);
        if (!g) {
            if (pe.status != WG_EDOM && pe.status != WG_ERANGE && pe.status != WG_EBRANCH) {
                snprintf(why, len, "%s", pe.message);
                wg_check_report_free(r);
                return pe.status ? pe.status : WG_EINVAL;
            }
            /* the function cannot be recorded at this point: outside a
             * domain, or a recorded branch flips -- the invalid verdict */
            const char *what = strstr(pe.message, ": error: ");
            none = what ? what + 9 : pe.message;
            s = wg_suite_report_invalid(&part, none);
        } else {
            s = wg_check_graph(g, &o, &part);
            if (s != WG_OK && s != WG_ENOMEM) {
                snprintf(why, len, "the check did not run at point %zu: %s", k + 1,
                         part.error[0] ? part.error : wg_strerror(s));
                wg_check_report_free(&part);
                wg_graph_free(g);
                wg_check_report_free(r);
                return s;
            }
        }
        if (s == WG_OK && point && point(ctx, c, k, o.seed, g, none, &part) != 0) {
            snprintf(why, len, "stopped at point %zu", k + 1);
            wg_check_report_free(&part);
            wg_graph_free(g);
            wg_check_report_free(r);
            return WG_EIO;
        }
        wg_graph_free(g);
        if (s == WG_OK)
            s = append(r, &part, k, c->npoints);
        wg_check_report_free(&part);
        if (s != WG_OK) {
            snprintf(why, len, "out of memory");
            wg_check_report_free(r);
            return s;
        }
    }
    r->verdict = WG_VERDICT_PASS;
    r->worst = 0;
    r->ad_digits = NAN;         /* accuracy over every point, as one check sums it */
    for (size_t i = 0; i < r->nresults; i++) {
        const wg_check_result *res = &r->results[i];
        if (rank(res->verdict) > rank(r->verdict)) {
            r->verdict = res->verdict;
            r->worst = i;
        }
        double ad = fmin(res->digits[WG_METHOD_REVERSE], res->digits[WG_METHOD_FORWARD]);
        if (!isnan(ad) && !(ad >= r->ad_digits))
            r->ad_digits = ad;
        r->ill_conditioned |= res->ill_conditioned;
    }
    r->seconds = now() - t0;
    return WG_OK;
}
