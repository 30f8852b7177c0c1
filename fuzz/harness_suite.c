/* SPDX-License-Identifier: GPL-3.0-or-later */
/* harness_suite.c -- libFuzzer harness of the suite reader,
 * wg_suite_read_string (verify/suite_read.c, verify/suite.c).
 *
 * The input is suite text (up to its first NUL byte).  A case whose
 * function ends in ".wg" is a path the reader opens, relative to the dir
 * it is given, or as it is when it starts with '/'; "../" is followed.
 * So that fuzzing never reads a file of the machine:
 *   - dir is a fresh temporary folder made once per process, holding only
 *     the few .wg files written below (a graph, a malformed graph, one
 *     with a NUL byte, one without outputs), so the file branch of the
 *     reader is reached too;
 *   - an input holding both ".wg" and '/' is skipped: only such a text can
 *     name a path outside that folder.  '/' as division is still fuzzed
 *     in every suite without a .wg path, and by the other harnesses.
 * The folder is removed at exit.
 *
 * A suite that reads is walked case by case: the fields are checked,
 * wg_suite_case_graph records the first and the last point (never every
 * one: a case may have 100000) and the graph of the first goes through
 * wg_harness_exercise_graph; no check with MPFR is run.  Adding the same
 * text to the suite again must fail (every name is taken) and leave the
 * suite as it was.  Seeds: fuzz/corpus/suite, dictionary
 * fuzz/corpus/suite.dict. */
#include "harness_common.h"

#include "wengert_verify.h"

#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];

static const struct { const char *name, *text; size_t len; } files[] = {
    { "g.wg", "input a = 2\ninput b = 0.5\ny = log(a) * b + atan2(b, a)\noutput y\n", 0 },
    { "two.wg", "input r = 2\ninput t = 0.5\npx = r * cos(t)\npy = r * sin(t)\noutput px, py\n",
      0 },
    { "bad.wg", "input a = 2\ny = log(a +\noutput y\n", 0 },
    { "nul.wg", "input a = 2\n\0y = a\n", 19 },
    { "noout.wg", "input a = 2\ny = a * a\n", 0 },
};

static void remove_dir(void)
{
    char path[400];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        unlink(path);
    }
    rmdir(dir);
}

static void make_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/wg-fuzz-suite-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        wg_harness_die("cannot make a temporary folder from %s", dir);
    atexit(remove_dir);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        FILE *f = fopen(path, "wb");
        size_t len = files[i].len ? files[i].len : strlen(files[i].text);
        if (!f || fwrite(files[i].text, 1, len, f) != len || fclose(f) != 0)
            wg_harness_die("cannot write %s", path);
    }
}

/* could the text name a file outside dir? */
static int may_leave_dir(const char *text)
{
    return strstr(text, ".wg") && strchr(text, '/');
}

static void check_case(const wg_suite *s, size_t i, const char *text)
{
    const wg_suite_case *c = wg_suite_case_at(s, i);
    if (!c || !c->name || !c->name[0] || wg_suite_find(s, c->name) != c)
        wg_harness_die("case %zu: missing, unnamed, or not found by its name\n--- text:\n%s", i,
                       text);
    if ((c->kind != WG_SUITE_EXPR && c->kind != WG_SUITE_GRAPH) || !c->source
        || (unsigned)c->expect >= WG_VERDICT_COUNT || c->line < 1 || c->error)
        wg_harness_die("case '%s': a read case has kind %d, source %p, expect %d, line %d, "
                       "error %s\n--- text:\n%s", c->name, (int)c->kind, (const void *)c->source,
                       (int)c->expect, c->line, c->error ? c->error : "(none)", text);
    if (c->npoints < 1 || c->ninputs < 1 || c->noutputs < 1 || !c->points || !c->inputs)
        wg_harness_die("case '%s': %zu points, %zu inputs, %zu outputs\n--- text:\n%s", c->name,
                       c->npoints, c->ninputs, c->noutputs, text);
    for (size_t k = 0; k < c->npoints * c->ninputs; k++)
        if (!isfinite(c->points[k]))
            wg_harness_die("case '%s': point value %zu is %g\n--- text:\n%s", c->name, k,
                           c->points[k], text);
    wg_check_options base, o;
    wg_check_options_init(&base);
    wg_suite_case_options(c, &base, &o);
    if (o.precision < 128 || !(o.safety > 0) || o.directions < 1)
        wg_harness_die("case '%s': options precision %u, safety %g, directions %u", c->name,
                       o.precision, o.safety, o.directions);

    size_t last = c->npoints - 1;
    for (size_t pass = 0; pass < (last ? 2u : 1u); pass++) {
        size_t k = pass ? last : 0;
        wg_parse_error e;
        wg_graph *g = wg_suite_case_graph(c, k, &e);
        if (!g) {
            /* a point outside the domain is a verdict of the check, not an
             * error; anything else did read when the suite was read */
            if (e.status != WG_EDOM && e.status != WG_ERANGE && e.status != WG_EBRANCH)
                wg_harness_die("case '%s' at point %zu: status %d (%s): %s\n--- text:\n%s",
                               c->name, k, e.status, wg_strerror(e.status), e.message, text);
            if (!e.message[0])
                wg_harness_die("case '%s' at point %zu: failed with no message", c->name, k);
            continue;
        }
        if (wg_graph_ninputs(g) != c->ninputs || wg_graph_noutputs(g) != c->noutputs)
            wg_harness_die("case '%s' at point %zu: the graph has %zu inputs, %zu outputs; the "
                           "case %zu, %zu\n--- text:\n%s", c->name, k, wg_graph_ninputs(g),
                           wg_graph_noutputs(g), c->ninputs, c->noutputs, text);
        const double *row = c->points + k * c->ninputs;
        wg_tape *t = wg_graph_tape(g);
        for (size_t j = 0; j < c->ninputs; j++)
            if (wg_value(t, wg_graph_input(g, j)) != row[j])
                wg_harness_die("case '%s' at point %zu: input %zu is %.17g, the point says "
                               "%.17g\n--- text:\n%s", c->name, k, j,
                               wg_value(t, wg_graph_input(g, j)), row[j], text);
        if (pass == 0)
            wg_harness_exercise_graph(g, c->source);
        wg_graph_free(g);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int allowed[] = { WG_EPARSE, WG_EDOM, WG_ERANGE, WG_ELIMIT, WG_EIO, WG_ESHAPE,
                                   WG_OK };
    static const char name[] = "<fuzz>";
    if (!dir[0])
        make_dir();
    char *text = wg_harness_string(data, size);
    if (!text)
        return 0;
    if (may_leave_dir(text)) {
        free(text);
        return 0;
    }
    wg_parse_error e;
    wg_suite *s = wg_suite_read_string(text, name, dir, &e);
    if (!s) {
        wg_harness_check_error(&e, name, allowed, text);
        free(text);
        return 0;
    }
    size_t n = wg_suite_size(s);
    for (size_t i = 0; i < n; i++)
        check_case(s, i, text);
    if (wg_suite_case_at(s, n) != NULL)
        wg_harness_die("wg_suite_case_at past the end is not NULL");
    /* all or none: the same text again clashes with every name */
    int st = wg_suite_add_text(s, text, name, dir, &e);
    if (n > 0 && st != WG_EPARSE)
        wg_harness_die("adding the same cases again gives status %d, not WG_EPARSE\n--- text:\n%s",
                       st, text);
    if (n == 0 && st != WG_OK)
        wg_harness_die("text with no case reads once and fails the second time: %s", e.message);
    if (wg_suite_size(s) != n)
        wg_harness_die("a failed wg_suite_add_text left %zu cases, not %zu", wg_suite_size(s), n);
    wg_suite_free(s);
    free(text);
    return 0;
}
