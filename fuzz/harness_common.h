/* SPDX-License-Identifier: GPL-3.0-or-later */
/* harness_common.h -- what the libFuzzer harnesses of the text readers
 * (fuzz/harness_wg.c, harness_expr.c, harness_suite.c) share: turning the
 * fuzzer's bytes into a C string, the checks on a reader's error, and the
 * work done on a graph that was read, with the invariants the library
 * documents turned into aborts, so that a broken one is a finding.
 *
 * Every function is static: each harness is one program built from one
 * source file. */
#ifndef WG_HARNESS_COMMON_H
#define WG_HARNESS_COMMON_H

#define _POSIX_C_SOURCE 200809L     /* open_memstream */

#include "wengert.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Work is bounded per input: the Jacobian is taken only when it is small,
 * so that one input never costs seconds (libFuzzer's -timeout catches a
 * slow reader, not a slow harness). */
#define WG_HARNESS_MAX_JACOBIAN 4096

/* Print what broke and abort: libFuzzer saves the input that got here. */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 1, 2)))
#endif
static void wg_harness_die(const char *fmt, ...);
static void wg_harness_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("\nharness: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* The readers take C strings and have no length-taking form: the text is
 * the data up to its first NUL byte (the file readers, which do see NUL
 * bytes, report them as errors with a place).  NULL when out of memory. */
static char *wg_harness_string(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t n = nul ? (size_t)(nul - data) : size;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, data, n);
        s[n] = '\0';
    }
    return s;
}

/* A failed read: a status other than WG_OK, a place (line and column
 * >= 1) and a message "NAME:LINE:COL: error: ...".  Only running out of
 * memory may have no place.  `allowed` lists the statuses the reader may
 * give for bad text, ending with WG_OK. */
static void wg_harness_check_error(const wg_parse_error *e, const char *name,
                                   const int *allowed, const char *text)
{
    int known = 0;
    for (const int *a = allowed; *a != WG_OK; a++)
        known |= e->status == *a;
    if (!known && e->status != WG_ENOMEM)
        wg_harness_die("reader failed with status %d (%s), not one it gives for bad text: "
                       "%s\n--- text:\n%s", e->status, wg_strerror(e->status), e->message, text);
    if (e->message[0] == '\0')
        wg_harness_die("reader failed (status %d) with an empty message\n--- text:\n%s",
                       e->status, text);
    if (e->status == WG_ENOMEM)
        return;
    if (e->line < 1 || e->column < 1)
        wg_harness_die("reader error without a place (line %d, column %d): %s\n--- text:\n%s",
                       e->line, e->column, e->message, text);
    char prefix[320];
    snprintf(prefix, sizeof prefix, "%s:%d:%d: error: ", name, e->line, e->column);
    if (strncmp(e->message, prefix, strlen(prefix)) != 0)
        wg_harness_die("reader message does not start with its place '%s': %s\n--- text:\n%s",
                       prefix, e->message, text);
    if (strcmp(e->file, name) != 0)
        wg_harness_die("reader error names the file '%s', not '%s'", e->file, name);
}

/* ---------------------------------------------------------------- output sinks */

/* A stream into memory: the harnesses write nothing to files. */
typedef struct wg_harness_sink {
    char *buf;
    size_t len;
    FILE *f;
} wg_harness_sink;

static FILE *wg_harness_sink_open(wg_harness_sink *k)
{
    k->buf = NULL;
    k->len = 0;
    k->f = open_memstream(&k->buf, &k->len);
    if (!k->f)
        wg_harness_die("open_memstream failed");
    return k->f;
}

/* close the stream; the text stays in k->buf until wg_harness_sink_free */
static void wg_harness_sink_close(wg_harness_sink *k)
{
    if (fclose(k->f) != 0)
        wg_harness_die("closing a memory stream failed");
    k->f = NULL;
}

static void wg_harness_sink_free(wg_harness_sink *k)
{
    free(k->buf);
    k->buf = NULL;
}

/* ---------------------------------------------------------------- graphs */

static void wg_harness_same_nodes(const wg_tape *a, const wg_tape *b, const char *what,
                                  const char *text)
{
    size_t n = wg_tape_size(a);
    if (wg_tape_size(b) != n)
        wg_harness_die("%s: %zu nodes, not %zu\n--- text:\n%s", what, wg_tape_size(b), n, text);
    for (size_t i = 0; i < n; i++) {
        double va = wg_node_value(a, i), vb = wg_node_value(b, i);
        double pa = wg_node_param(a, i), pb = wg_node_param(b, i);
        if (wg_node_op(a, i) != wg_node_op(b, i) || wg_node_arg(a, i, 0) != wg_node_arg(b, i, 0)
            || wg_node_arg(a, i, 1) != wg_node_arg(b, i, 1)
            || memcmp(&pa, &pb, sizeof pa) != 0 || memcmp(&va, &vb, sizeof va) != 0)
            wg_harness_die("%s: node %zu differs: %s(%zu, %zu; %.17g) = %.17g vs "
                           "%s(%zu, %zu; %.17g) = %.17g\n--- text:\n%s", what, i,
                           wg_op_name(wg_node_op(a, i)), wg_node_arg(a, i, 0),
                           wg_node_arg(a, i, 1), pa, va, wg_op_name(wg_node_op(b, i)),
                           wg_node_arg(b, i, 0), wg_node_arg(b, i, 1), pb, vb, text);
    }
}

/* Canonical form (doc/FORMAT.md): the writer takes every graph the reader
 * gives; its text reads back to the same nodes, bit for bit, and writing
 * that graph again gives the same bytes. */
static void wg_harness_round_trip(const wg_graph *g, const char *text)
{
    wg_harness_sink k1, k2;
    int s = wg_graph_write(g, wg_harness_sink_open(&k1));
    wg_harness_sink_close(&k1);
    if (s != WG_OK)
        wg_harness_die("the writer refuses a graph the reader gave: %s (%s)\n--- text:\n%s",
                       wg_strerror(s), wg_errmsg(wg_graph_tape((wg_graph *)g)), text);
    wg_parse_error e;
    wg_graph *g2 = wg_graph_read_string(k1.buf, "<canonical>", &e);
    if (!g2)
        wg_harness_die("canonical text does not read back: %s\n--- canonical:\n%s\n--- text:\n%s",
                       e.message, k1.buf, text);
    wg_harness_same_nodes(wg_graph_tape((wg_graph *)g), wg_graph_tape(g2),
                          "canonical text read back", text);
    if (wg_graph_ninputs(g2) != wg_graph_ninputs(g) || wg_graph_noutputs(g2) != wg_graph_noutputs(g))
        wg_harness_die("canonical text read back: inputs or outputs differ\n--- text:\n%s", text);
    for (size_t i = 0; i < wg_graph_noutputs(g); i++)
        if (strcmp(wg_graph_output_name(g, i), wg_graph_output_name(g2, i)) != 0)
            wg_harness_die("canonical text read back: output %zu is '%s', not '%s'", i,
                           wg_graph_output_name(g2, i), wg_graph_output_name(g, i));
    s = wg_graph_write(g2, wg_harness_sink_open(&k2));
    wg_harness_sink_close(&k2);
    if (s != WG_OK || k1.len != k2.len || memcmp(k1.buf, k2.buf, k1.len) != 0)
        wg_harness_die("writing the graph read back gives other bytes\n--- first:\n%s\n"
                       "--- second:\n%s", k1.buf, k2.buf ? k2.buf : "");
    wg_graph_free(g2);
    wg_harness_sink_free(&k1);
    wg_harness_sink_free(&k2);
}

static int wg_harness_point_status(int s)
{
    return s == WG_OK || s == WG_EDOM || s == WG_ERANGE || s == WG_EBRANCH;
}

/* Derivatives at the tape's current point.  Their values are not checked
 * (an infinite partial on the path is WG_ERANGE, which is allowed); the
 * sweeps run under ASan and UBSan. */
static size_t wg_harness_numel(const wg_tape *t, const wg_var *v, size_t n)
{
    size_t s = 0;
    for (size_t j = 0; j < n; j++)
        s += wg_numel(t, v[j]);
    return s;
}

static void wg_harness_derivatives(wg_graph *g, const wg_var *x, size_t n, const char *text)
{
    wg_tape *t = wg_graph_tape(g);
    size_t m = wg_graph_noutputs(g);
    if (m == 0 || n == 0)
        return;
    wg_var *y = malloc(m * sizeof *y);
    if (!y)
        wg_harness_die("out of memory");
    for (size_t i = 0; i < m; i++)
        y[i] = wg_graph_output(g, i);
    /* tensor handles: the arrays hold every element */
    size_t N = wg_harness_numel(t, x, n), M = wg_harness_numel(t, y, m);
    double *u = malloc((N + 1) * sizeof *u), *w = malloc((M + 1) * sizeof *w);
    double *gx = malloc((N + 1) * sizeof *gx), *ydot = malloc((M + 1) * sizeof *ydot);
    double *xbar = malloc((N + 1) * sizeof *xbar);
    if (!u || !w || !gx || !ydot || !xbar)
        wg_harness_die("out of memory");
    for (size_t i = 0; i < M; i++)
        w[i] = 1.0 / (double)(i + 1);
    for (size_t j = 0; j < N; j++)
        u[j] = j % 2 ? -0.5 : 1.0;
    int s[5];
    s[0] = wg_vjp(t, 1, y, w, n, x, gx);
    s[1] = wg_jvp(t, n, x, u, m, y, ydot);
    s[2] = wg_vjp(t, m, y, w, n, x, xbar);
    wg_zero_grad(t);
    s[3] = wg_numel(t, y[m - 1]) == 1 ? wg_backward(t, y[m - 1], 1.0) : WG_OK;
    s[4] = WG_OK;
    if (M * N <= WG_HARNESS_MAX_JACOBIAN) {
        double *J = malloc((M * N + 1) * sizeof *J);
        if (!J)
            wg_harness_die("out of memory");
        s[4] = wg_jacobian_fwd(t, m, y, n, x, J);
        int r = wg_jacobian_rev(t, m, y, n, x, J);
        if (s[4] == WG_OK)
            s[4] = r;
        free(J);
    }
    for (int k = 0; k < 5; k++)
        if (s[k] != WG_OK && s[k] != WG_ERANGE && s[k] != WG_EDOM)
            wg_harness_die("derivative driver %d gives status %d (%s): %s\n--- text:\n%s", k,
                           s[k], wg_strerror(s[k]), wg_errmsg(t), text);
    free(y);
    free(u);
    free(w);
    free(gx);
    free(ydot);
    free(xbar);
}

/* Traces and DOT into memory. */
static void wg_harness_tables(wg_graph *g)
{
    size_t n = wg_graph_ninputs(g), N = 0;
    for (size_t j = 0; j < n; j++)          /* the tangent's u: one entry per element */
        N += wg_numel(wg_graph_tape(g), wg_graph_input(g, j));
    double *u = malloc((N ? N : 1) * sizeof *u);
    if (!u)
        wg_harness_die("out of memory");
    for (size_t j = 0; j < N; j++)
        u[j] = 1;
    wg_harness_sink k;
    wg_trace_primal(g, wg_harness_sink_open(&k));
    wg_harness_sink_close(&k);
    wg_harness_sink_free(&k);
    if (n) {
        wg_trace_tangent(g, u, wg_harness_sink_open(&k));
        wg_harness_sink_close(&k);
        wg_harness_sink_free(&k);
    }
    if (wg_graph_noutputs(g)) {
        wg_trace_adjoint(g, 0, wg_harness_sink_open(&k));
        wg_harness_sink_close(&k);
        wg_harness_sink_free(&k);
    }
    wg_graph_write_dot(g, WG_DOT_VALUES, wg_harness_sink_open(&k));
    wg_harness_sink_close(&k);
    wg_harness_sink_free(&k);
    free(u);
}

/* Everything the library promises about a graph it read:
 *   - the canonical round trip (above);
 *   - wg_eval at the recorded point succeeds and gives the recorded
 *     values bit for bit;
 *   - wg_eval at another point gives WG_OK or an error of that point
 *     (WG_EDOM, WG_ERANGE, WG_EBRANCH) with a message, and a later eval
 *     at the recorded point clears it and gives the recorded values again;
 *   - the derivative drivers, traces and DOT run (under the sanitizers). */
static void wg_harness_exercise_graph(wg_graph *g, const char *text)
{
    wg_tape *t = wg_graph_tape(g);
    if (wg_status(t) != WG_OK)
        wg_harness_die("a graph the reader returned has a failed tape: %s\n--- text:\n%s",
                       wg_errmsg(t), text);
    wg_harness_round_trip(g, text);

    size_t n = wg_graph_ninputs(g), size = wg_tape_size(t), nv = 0;
    for (size_t i = 0; i < size; i++)
        nv += wg_node_numel(t, i);
    wg_var *x = malloc((n ? n : 1) * sizeof *x);
    if (!x)
        wg_harness_die("out of memory");
    for (size_t j = 0; j < n; j++)
        x[j] = wg_graph_input(g, j);
    size_t N = wg_harness_numel(t, x, n);
    double *own = malloc((N + 1) * sizeof *own), *moved = malloc((N + 1) * sizeof *moved);
    double *recorded = malloc((nv + 1) * sizeof *recorded);
    if (!own || !moved || !recorded)
        wg_harness_die("out of memory");
    /* every element of every node, in node order */
    for (size_t i = 0, o = 0; i < size; o += wg_node_numel(t, i), i++)
        memcpy(recorded + o, wg_node_values(t, i), wg_node_numel(t, i) * sizeof *recorded);
    for (size_t j = 0, o = 0; j < n; o += wg_numel(t, x[j]), j++)
        wg_tensor_value(t, x[j], own + o);
    for (size_t k = 0; k < N; k++) {
        double v = own[k] * 1.25 + 0.5;     /* moves every input, zero included */
        moved[k] = isfinite(v) ? v : own[k];
    }

    wg_harness_derivatives(g, x, n, text);
    wg_harness_tables(g);

    int s = wg_eval(t, n, x, own);
    if (s != WG_OK)
        wg_harness_die("wg_eval at the recorded point fails: %s\n--- text:\n%s", wg_errmsg(t),
                       text);
    for (size_t i = 0, o = 0; i < size; o += wg_node_numel(t, i), i++)
        for (size_t e = 0; e < wg_node_numel(t, i); e++) {
            double v = wg_node_values(t, i)[e];
            if (memcmp(&v, &recorded[o + e], sizeof v) != 0)
                wg_harness_die("wg_eval at the recorded point: node %zu (%s) element %zu is "
                               "%.17g, recorded %.17g\n--- text:\n%s", i,
                               wg_op_name(wg_node_op(t, i)), e, v, recorded[o + e], text);
        }

    s = wg_eval(t, n, x, moved);
    if (!wg_harness_point_status(s))
        wg_harness_die("wg_eval at a moved point gives status %d (%s): %s\n--- text:\n%s", s,
                       wg_strerror(s), wg_errmsg(t), text);
    if (s != WG_OK && wg_errmsg(t)[0] == '\0')
        wg_harness_die("wg_eval fails (%s) with no message\n--- text:\n%s", wg_strerror(s), text);
    if (s == WG_OK)
        wg_harness_derivatives(g, x, n, text);

    s = wg_eval(t, n, x, own);
    if (s != WG_OK || wg_status(t) != WG_OK)
        wg_harness_die("wg_eval back at the recorded point fails: %s\n--- text:\n%s",
                       wg_errmsg(t), text);
    for (size_t i = 0, o = 0; i < size; o += wg_node_numel(t, i), i++)
        for (size_t e = 0; e < wg_node_numel(t, i); e++) {
            double v = wg_node_values(t, i)[e];
            if (memcmp(&v, &recorded[o + e], sizeof v) != 0)
                wg_harness_die("wg_eval back at the recorded point: node %zu element %zu is "
                               "%.17g, recorded %.17g\n--- text:\n%s", i, e, v,
                               recorded[o + e], text);
        }
    free(x);
    free(own);
    free(moved);
    free(recorded);
}

#endif
