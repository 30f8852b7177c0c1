/* SPDX-License-Identifier: GPL-3.0-or-later */
/* verify_cli.c -- wengert-verify: evaluate a function recorded on a tape
 * (an expression or a .wg graph) at a point, and check its derivatives:
 * the gradient in reverse mode (one VJP per output) against forward mode
 * (one JVP per input), with the evaluation-trace tables on request.  With
 * --check, the full check of libwengert-verify (an MPFR reference, finite
 * differences, error bounds, a verdict); with --suite, the same for every
 * case of a suite file or of the builtin suite, as a table or JSON lines;
 * with --store, into a wengert-fuzz result store too (verify_store.h).
 *
 * Exit status: 0 success (every case checked met its expected verdict), 1
 * a case did not, or an internal failure (out of memory, a write error), 2
 * bad input or usage (one line on stderr naming what was wrong). */
#define _GNU_SOURCE /* getopt_long, open_memstream */

#include "cli.h"
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_BAD;
}

int cli_out_of_memory(void)
{
    fputs(PROG ": out of memory\n", stderr);
    return EXIT_INTERNAL;
}

static int run_check(const options *o)
{
    char invalid[INVALID_LEN] = "";
    wg_graph *g = NULL;
    double t0 = cli_wall_seconds();
    int rc = o->expr ? cli_graph_from_expr(o->expr, o->at, &g, invalid)
                     : cli_graph_from_file(o->file, o->at, &g, invalid);
    if (rc)
        return rc;
    const char *name = o->expr ? o->expr : o->file;
    if (g) {
        wg_tape *t = wg_graph_tape(g);
        if (wg_status(t) != WG_OK && !cli_point_status(wg_status(t)))
            rc = cli_fail("%s", wg_errmsg(t));
        else if (wg_graph_ninputs(g) == 0)
            rc = cli_fail("%s has no input: nothing to differentiate", name);
        else if (wg_graph_noutputs(g) == 0)
            rc = cli_fail("%s has no output: nothing to differentiate", name);
        if (rc) {
            wg_graph_free(g);
            return rc;
        }
    }
    wg_verify_store *vs = NULL;
    if ((rc = cli_store_open(o, &vs)) != 0) {
        wg_graph_free(g);
        return rc;
    }
    wg_check_report r;
    int s = g ? wg_check_graph(g, &o->copt, &r) : wg_suite_report_invalid(&r, invalid);
    if (s != WG_OK && s != WG_ENOMEM && !r.error[0])
        snprintf(r.error, sizeof r.error, "%s", wg_strerror(s));
    if (vs && s != WG_ENOMEM) {
        char why[800];
        char *note = wg_verify_store_comment("check", name, g ? "no .wg text: the tape failed "
                                             "at the point" : invalid);
        int bad = !note ? cli_out_of_memory()
                : wg_verify_store_put(vs, name, o->copt.seed, g, note, 0, 0, &r, why,
                                      sizeof why) != 0 ? cli_fail("%s", why) : 0;
        free(note);
        if (bad) {
            wg_check_report_free(&r);
            wg_graph_free(g);
            wg_verify_store_close(vs);
            return bad;
        }
    }
    wg_graph_free(g);
    if (s != WG_OK) {
        rc = s == WG_ENOMEM ? cli_out_of_memory()
                            : cli_fail("the check did not run: %s", r.error[0] ? r.error
                                                                          : wg_strerror(s));
        wg_check_report_free(&r);
        if (s != WG_ENOMEM)
            rc = cli_store_finish(o, vs, t0, "check", name, rc);
        else
            wg_verify_store_close(vs);
        return rc;
    }
    session ss;
    cli_session_begin(&ss, o, (int)strlen(name));
    if ((rc = cli_session_case(&ss, name, o->expect, &r, NULL)) != 0) {
        cli_session_free(&ss);
        wg_verify_store_close(vs);
        return rc;
    }
    rc = cli_session_end(&ss);
    return cli_store_finish(o, vs, t0, "check", name, rc);
}

static const char *kind_name(wg_suite_kind k)
{
    return k == WG_SUITE_EXPR ? "expr" : k == WG_SUITE_GRAPH ? "graph" : "C";
}

/* --list: what each case is, checking none */
static int list_suite(const wg_suite *s, int width)
{
    printf("%-*s  %-5s  %6s  %7s  %6s  %-8s  %s\n", width, "case", "kind", "inputs", "outputs",
           "points", "expected", "function");
    for (size_t i = 0; i < wg_suite_size(s); i++) {
        const wg_suite_case *c = wg_suite_case_at(s, i);
        char src[120];
        if (c->error)
            snprintf(src, sizeof src, "not available: %s", c->error);
        else if (c->kind == WG_SUITE_GRAPH && c->source && strchr(c->source, '\n'))
            snprintf(src, sizeof src, "a .wg block at line %d", c->line);
        else
            snprintf(src, sizeof src, "%s", c->source ? c->source : "C code");
        printf("%-*s  %-5s  %6zu  %7zu  %6zu  %-8s  %s\n", width, c->name, kind_name(c->kind),
               c->ninputs, c->noutputs, c->npoints, wg_verdict_name(c->expect), src);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs(PROG ": writing the list failed\n", stderr);
        return EXIT_INTERNAL;
    }
    return EXIT_SUCCESS;
}


static int run_suite(const options *o)
{
    wg_parse_error err;
    memset(&err, 0, sizeof err);
    wg_suite *s;
    if (strcmp(o->suite, "builtin") == 0) {
        s = wg_builtin_suite(o->data ? o->data : wg_builtin_data_dir(), &err);
    } else if (strcmp(o->suite, "-") == 0) {
        char *text;
        int rs = cli_read_stream(stdin, &text);
        if (rs)
            return rs;
        /* from stdin, the current folder is the suite's */
        s = wg_suite_new();
        wg_suite_set_flags(s, o->outside_paths ? WG_SUITE_OUTSIDE_PATHS : 0);
        if (s && wg_suite_add_text(s, text, "<stdin>", NULL, &err) != WG_OK) {
            wg_suite_free(s);
            s = NULL;
        } else if (!s) {
            err.status = WG_ENOMEM;
        }
        free(text);
    } else {
        s = wg_suite_read_file_ex(o->suite, o->outside_paths ? WG_SUITE_OUTSIDE_PATHS : 0, &err);
    }
    if (!s)
        return err.status == WG_ENOMEM ? cli_out_of_memory() : cli_fail("%s", err.message);
    size_t n = wg_suite_size(s);
    if (n == 0) {
        wg_suite_free(s);
        return cli_fail("%s: the suite has no case", o->suite);
    }
    int width = 4;
    for (size_t i = 0; i < n; i++) {
        int w = (int)strlen(wg_suite_case_at(s, i)->name);
        width = w > width ? w : width;
    }
    if (o->list) {
        int rc = list_suite(s, width > 40 ? 40 : width);
        wg_suite_free(s);
        return rc;
    }
    wg_verify_store *vs = NULL;
    int rc = cli_store_open(o, &vs);
    if (rc) {
        wg_suite_free(s);
        return rc;
    }
    session ss;
    cli_session_begin(&ss, o, width);
    for (size_t i = 0; i < n && !rc; i++) {
        const wg_suite_case *c = wg_suite_case_at(s, i);
        wg_check_report r;
        char why[600];
        int st = vs ? cli_check_case_stored(c, &o->copt, vs, &r, why, sizeof why, &rc)
                    : wg_suite_case_check(c, &o->copt, &r, why, sizeof why);
        if (rc)
            break;              /* the store failed: said already */
        if (st == WG_ENOMEM)
            rc = cli_out_of_memory();
        else
            rc = cli_session_case(&ss, c->name, c->expect, st == WG_OK ? &r : NULL, why);
    }
    if (rc) {
        cli_session_free(&ss);
        wg_suite_free(s);
        wg_verify_store_close(vs);
        return rc;
    }
    rc = cli_session_end(&ss);      /* before the suite is freed: names point into it */
    wg_suite_free(s);
    return cli_store_finish(o, vs, ss.t0, "suite", o->suite, rc);
}

int main(int argc, char **argv)
{
    options o;
    int rc = cli_parse_options(argc, argv, &o);
    if (rc)
        return rc == CLI_DONE ? EXIT_SUCCESS : rc;

    wg_graph *g = NULL;
    if (o.check || o.suite)
        return o.check ? run_check(&o) : run_suite(&o);
    rc = o.expr ? cli_graph_from_expr(o.expr, o.at, &g, NULL) : cli_graph_from_file(o.file, o.at, &g, NULL);
    if (rc)
        return rc;
    wg_tape *t = wg_graph_tape(g);
    if (wg_status(t) != WG_OK) {
        rc = cli_fail("%s", wg_errmsg(t));
        wg_graph_free(g);
        return rc;
    }
    if (o.dot) {
        int s = wg_graph_write_dot(g, o.dot_values ? WG_DOT_VALUES : 0, stdout);
        int e = s == WG_OK && fflush(stdout) != 0 ? errno : 0;
        if (s != WG_OK || e)
            fprintf(stderr, PROG ": writing the DOT text to standard output failed: %s\n",
                    s != WG_OK ? wg_errmsg(t) : strerror(e));
        wg_graph_free(g);
        return s != WG_OK || e ? EXIT_INTERNAL : EXIT_SUCCESS;
    }
    if (wg_graph_noutputs(g) == 0) {
        rc = cli_fail("%s has no output: nothing to differentiate", o.file ? o.file : "the graph");
        wg_graph_free(g);
        return rc;
    }

    results r;
    memset(&r, 0, sizeof r);
    r.g = g;
    r.t = t;
    r.n = wg_graph_ninputs(g);
    r.m = wg_graph_noutputs(g);
    rc = cli_compute(&o, &r);
    if (!rc) {
        if (o.json)
            cli_print_json(&o, &r, stdout);
        else
            cli_print_text(&o, &r, stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            /* errno of the failed write (the flush's or an earlier one's) */
            fprintf(stderr, PROG ": writing the results to standard output failed: %s\n",
                    errno ? strerror(errno) : "the stream's error flag is set");
            rc = EXIT_INTERNAL;
        }
    }
    cli_results_free(&r);
    wg_graph_free(g);
    return rc;
}
