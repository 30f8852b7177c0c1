/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_session.c -- a run of --check or --suite as people and programs read
 * it: one row (or JSON line) per case, then the summary of verdicts. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include "cli.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- checks */

double cli_wall_seconds(void)
{
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC)
        return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* a relative figure with 3 significant digits (its own error makes more
 * meaningless), "-" when there is none */
static const char *fig3(double v, char *buf)
{
    if (isfinite(v))
        snprintf(buf, 16, "%.3g", v);
    else
        snprintf(buf, 16, "-");
    return buf;
}

/* The result a row shows: the one that set the verdict; for a pass, the
 * one whose AD error came closest to its bound (the most telling). */
static const wg_check_result *shown_result(const wg_check_report *r)
{
    if (!r->nresults)
        return NULL;
    if (r->verdict != WG_VERDICT_PASS)
        return &r->results[r->worst];
    size_t best = 0;
    double best_ratio = -1;
    for (size_t k = 0; k < r->nresults; k++) {
        const wg_check_result *res = &r->results[k];
        double e = 0;
        for (int m = WG_METHOD_REVERSE; m <= WG_METHOD_FORWARD; m++)
            if (res->fig[m].computed && isfinite(res->fig[m].abs_err))
                e = fmax(e, res->fig[m].abs_err);
        if (res->order == 2 && res->hvp.computed && isfinite(res->hvp.abs_err))
            e = fmax(e, res->hvp.abs_err);
        if (res->order == 2 && res->hessian.computed && isfinite(res->hessian.abs_err))
            e = fmax(e, res->hessian.abs_err);
        double ratio = res->bound > 0 ? e / res->bound : e;
        if (ratio > best_ratio) {
            best_ratio = ratio;
            best = k;
        }
    }
    return &r->results[best];
}

/* the bound relative to the reference, as the errors are (absolute when
 * the reference is 0, as rel_err is) */
static double relative_bound(const wg_check_result *res)
{
    if (res->verdict == WG_VERDICT_INVALID)
        return NAN;             /* nothing the bound was for: printed "-" */
    if (isfinite(res->reference) && res->reference != 0)
        return res->bound / fabs(res->reference);
    return res->bound;
}



void cli_session_begin(session *ss, const options *o, int width)
{
    memset(ss, 0, sizeof *ss);
    ss->o = o;
    ss->out = stdout;
    ss->width = width < 4 ? 4 : width > 40 ? 40 : width;
    ss->t0 = cli_wall_seconds();
    if (!o->json && o->copt.order == 2)     /* second order: its methods, wg_hvp, wg_hessian */
        fprintf(ss->out, "%-*s  %-8s  %-8s  %9s  %9s  %9s  %9s  %9s  %9s  %9s  %9s\n", ss->width,
                "case", "verdict", "expected", "rev-rev", "fwd-rev", "central", "gsl", "bound",
                "ms", "hvp", "hessian");
    else if (!o->json) {
        fprintf(ss->out, "%-*s  %-8s  %-8s  %9s  %9s  %9s  %9s  %9s  %9s\n", ss->width, "case",
                "verdict", "expected", "reverse", "forward", "central", "gsl", "bound", "ms");
    }
}

void cli_session_free(session *ss)
{
    for (size_t k = 0; k < ss->n; k++)
        wg_check_report_free(&ss->done[k].r);
    free(ss->done);
}

static void json_case(const case_done *d, int met, FILE *f)
{
    if (d->ran) {
        /* the library's object, with the expectation added before its '}' */
        char *line = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&line, &len);
        if (m) {
            wg_check_report_json(&d->r, d->name, m);
            if (fclose(m) != 0)
                len = 0;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == ' '))
            len--;
        if (len && line[len - 1] == '}') {
            fprintf(f, "%.*s,\"expected\":\"%s\",\"as_expected\":%s}\n", (int)(len - 1), line,
                    wg_verdict_name(d->expect), met ? "true" : "false");
            free(line);
            return;
        }
        free(line);
    }
    fputs("{\"case\":", f);
    wg_json_string(f, d->name);
    fprintf(f, ",\"verdict\":\"error\",\"expected\":\"%s\",\"as_expected\":false,"
            "\"rel_err\":null,\"bound\":null,\"reference_converged\":false,\"reference_weak\":false,\"blame\":null,"
            "\"message\":", wg_verdict_name(d->expect));
    wg_json_string(f, d->ran ? "the report could not be written" : d->error);
    fputs("}\n", f);
}

static void print_row(const session *ss, const case_done *d, int met)
{
    char b[6][16];
    FILE *f = ss->out;
    if (!d->ran) {
        fprintf(f, "%-*s  %-8s  %-8s  %9s  %9s  %9s  %9s  %9s  %9s%s  <- could not be checked\n",
                ss->width, d->name, "error", wg_verdict_name(d->expect), "-", "-", "-", "-", "-",
                "-", ss->o->copt.order == 2 ? "          -          -" : "");
        return;
    }
    const wg_check_result *res = shown_result(&d->r);
    double rel[WG_METHOD_COUNT];
    for (int m = 0; m < WG_METHOD_COUNT; m++)
        rel[m] = res && res->fig[m].computed ? res->fig[m].rel_err : NAN;
    snprintf(b[5], sizeof b[5], "%.3g", d->r.seconds * 1e3);
    char hvp[48] = "";
    if (ss->o->copt.order == 2) {
        char h[16], hs[16];
        int o2 = res && res->order == 2;
        snprintf(hvp, sizeof hvp, "  %9s  %9s",
                 fig3(o2 && res->hvp.computed ? res->hvp.rel_err : NAN, h),
                 fig3(o2 && res->hessian.computed ? res->hessian.rel_err : NAN, hs));
    }
    /* a pass whose AD has few correct digits: said at the row's end, as the
     * verdict line says it (doc/VERIFY.md, "Accuracy") */
    char acc[48] = "";
    if (d->r.ill_conditioned)
        snprintf(acc, sizeof acc, "  (ill-conditioned: %.0f correct digits)",
                 floor(d->r.ad_digits));
    fprintf(f, "%-*s  %-8s  %-8s  %9s  %9s  %9s  %9s  %9s  %9s%s%s%s%s\n", ss->width, d->name,
            wg_verdict_name(d->r.verdict), wg_verdict_name(d->expect), fig3(rel[0], b[0]),
            fig3(rel[1], b[1]), fig3(rel[2], b[2]), fig3(rel[3], b[3]),
            fig3(res ? relative_bound(res) : NAN, b[4]), b[5], hvp, acc,
            met ? "" : "  <- not as expected",
            wg_check_report_weak(&d->r) ? "  (weak reference)" : "");
}

/* One case done: r (moved from the caller) when it ran, else why not. */
int cli_session_case(session *ss, const char *name, wg_verdict expect,
                     wg_check_report *r, const char *why)
{
    if (ss->n == ss->cap) {
        size_t cap = ss->cap ? 2 * ss->cap : 16;
        case_done *d = realloc(ss->done, cap * sizeof *d);
        if (!d) {
            if (r)
                wg_check_report_free(r);
            return cli_out_of_memory();
        }
        ss->done = d;
        ss->cap = cap;
    }
    case_done *d = &ss->done[ss->n++];
    memset(d, 0, sizeof *d);
    d->name = name;
    d->expect = expect;
    d->ran = r != NULL;
    if (r)
        d->r = *r;
    else
        snprintf(d->error, sizeof d->error, "%s", why);
    int met = d->ran && d->r.verdict == expect;
    if (!d->ran)
        ss->errors++;
    else {
        if ((unsigned)d->r.verdict < WG_VERDICT_COUNT)
            ss->counts[d->r.verdict]++;
        ss->unexpected += !met;
    }
    if (ss->o->json)
        json_case(d, met, ss->out);
    else
        print_row(ss, d, met);
    fflush(ss->out);
    return 0;
}

/* The summary, the details asked for, and the exit status. */
int cli_session_end(session *ss)
{
    FILE *f = ss->out;
    double secs = cli_wall_seconds() - ss->t0;
    if (!ss->o->json) {
        fprintf(f, "\n%zu case%s in %.3f s: ", ss->n, ss->n == 1 ? "" : "s", secs);
        for (int v = 0; v < WG_VERDICT_COUNT; v++)
            fprintf(f, "%s%zu %s", v ? ", " : "", ss->counts[v], wg_verdict_name((wg_verdict)v));
        if (ss->errors)
            fprintf(f, ", %zu not checked", ss->errors);
        fputc('\n', f);
        size_t weak = 0;
        for (size_t k = 0; k < ss->n; k++)
            weak += ss->done[k].ran && wg_check_report_weak(&ss->done[k].r);
        if (weak)
            fprintf(f, "weak reference in %zu case%s: a custom op without an MPFR value, whose "
                    "node the reference takes from a double difference (doc/VERIFY.md)\n",
                    weak, weak == 1 ? "" : "s");
        if (!ss->unexpected && !ss->errors)
            fprintf(f, "every case met its expected verdict\n");
        if (ss->unexpected) {
            fprintf(f, "%zu case%s did not meet the expected verdict:", ss->unexpected,
                    ss->unexpected == 1 ? "" : "s");
            for (size_t k = 0; k < ss->n; k++) {
                const case_done *d = &ss->done[k];
                if (d->ran && d->r.verdict != d->expect)
                    fprintf(f, "\n  %s: %s, expected %s", d->name, wg_verdict_name(d->r.verdict),
                            wg_verdict_name(d->expect));
            }
            fputc('\n', f);
        }
        for (size_t k = 0; k < ss->n; k++)
            if (!ss->done[k].ran)
                fprintf(f, "not checked: %s: %s\n", ss->done[k].name, ss->done[k].error);
        /* the cases that need a look, in full; with --verbose every one */
        int header = 0;
        for (size_t k = 0; k < ss->n; k++) {
            const case_done *d = &ss->done[k];
            if (!d->ran || (!ss->o->verbose && d->r.verdict == d->expect))
                continue;
            if (!header++)
                fputc('\n', f);
            wg_check_report_print(&d->r, d->name, f);
            fprintf(f, "  expected: %s\n", wg_verdict_name(d->expect));
        }
    }
    for (size_t k = 0; k < ss->n; k++)
        if (!ss->done[k].ran)
            fprintf(stderr, PROG ": case '%s' not checked: %s\n", ss->done[k].name,
                    ss->done[k].error);
    int rc = ss->unexpected ? 1 : ss->errors ? EXIT_BAD : EXIT_SUCCESS;
    cli_session_free(ss);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        /* errno of the failed write (the flush's or an earlier one's) */
        fprintf(stderr, PROG ": writing the results to standard output failed: %s\n",
                errno ? strerror(errno) : "the stream's error flag is set");
        return EXIT_INTERNAL;
    }
    return rc;
}
