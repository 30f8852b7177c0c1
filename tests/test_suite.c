/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_suite.c -- suites: the reader on valid text (every form of the
 * format), a catalogue of malformed lines with the place and the words of
 * each message, the points drawn from a range (deterministic, and the
 * documented draw), cases added by programs, checking cases (every point,
 * points outside the domain), and the builtin suite (enough cases, unique
 * names, every op of the table, each case's verdict as expected). */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen */

#include "test_util.h"
#include "builtin_suite.h"
#include "gmm_objective.h"
#include "gmm_tensor_objective.h"
#include "wengert_verify.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char data_dir[1024];     /* tests/data */
static char bench_dir[1024];    /* bench/data */

static void set_dirs(void)
{
    const char *src = getenv("srcdir");
    if (!src || !*src)
        src = ".";
    snprintf(data_dir, sizeof data_dir, "%s/tests/data", src);
    snprintf(bench_dir, sizeof bench_dir, "%s/bench/data", src);
}

static wg_suite *read_data(const char *file, wg_parse_error *err)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", data_dir, file);
    return wg_suite_read_file(path, err);
}

static const double *point_of(const wg_suite_case *c, size_t k)
{
    return c->points + k * c->ninputs;
}

static double output_at(const wg_suite_case *c, size_t k, size_t out)
{
    wg_parse_error err;
    wg_graph *g = wg_suite_case_graph(c, k, &err);
    if (!g) {
        fprintf(stderr, "\n  %s: %s\n", c->name, err.message);
        return NAN;
    }
    double v = wg_value(wg_graph_tape(g), wg_graph_output(g, out));
    wg_graph_free(g);
    return v;
}

/* ---------------------------------------------------------------- valid text */

static void reader_valid_file(void)
{
    wg_parse_error err;
    wg_suite *s = read_data("valid.suite", &err);
    if (!s)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(err.status, WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_suite_size(s), 9);
    CU_ASSERT_PTR_NULL(wg_suite_case_at(s, 9));

    const wg_suite_case *c = wg_suite_find(s, "rosenbrock");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_EQUAL(c, wg_suite_case_at(s, 0));
    CU_ASSERT_EQUAL(c->kind, WG_SUITE_EXPR);
    CU_ASSERT_STRING_EQUAL(c->source, "100*(y - x^2)^2 + (1 - x)^2");
    CU_ASSERT_EQUAL(c->line, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(c->file, "valid.suite"));
    CU_ASSERT_EQUAL_FATAL(c->ninputs, 2);
    CU_ASSERT_STRING_EQUAL(c->inputs[0], "x");
    CU_ASSERT_STRING_EQUAL(c->inputs[1], "y");
    CU_ASSERT_EQUAL(c->noutputs, 1);
    CU_ASSERT_EQUAL_FATAL(c->npoints, 1);
    CU_ASSERT_EQUAL(point_of(c, 0)[0], -1.2);
    CU_ASSERT_EQUAL(point_of(c, 0)[1], 1.0);
    CU_ASSERT_EQUAL(c->set, WG_SUITE_SET_DIRECTIONS);
    CU_ASSERT_EQUAL(c->options.directions, 5);
    CU_ASSERT_EQUAL(c->expect, WG_VERDICT_PASS);
    CU_ASSERT_PTR_NULL(c->error);
    /* 100 (1 - 1.44)^2 + 2.2^2 = 24.2, a few roundings away */
    WG_ASSERT_CLOSE(output_at(c, 0, 0), 24.2, 1e-14, 0);

    c = wg_suite_find(s, "box");        /* written with no blanks at all */
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->source, "sin(x)*exp(y)");
    CU_ASSERT_EQUAL_FATAL(c->npoints, 4);
    CU_ASSERT_EQUAL(c->set, WG_SUITE_SET_SEED);
    CU_ASSERT_EQUAL(c->options.seed, 7);
    for (size_t k = 0; k < c->npoints; k++) {
        const double *p = point_of(c, k);
        CU_ASSERT(p[0] >= -1 && p[0] < 1);
        CU_ASSERT(p[1] >= 0 && p[1] < 2);
        WG_ASSERT_ULPS(output_at(c, k, 0), sin(p[0]) * exp(p[1]), 0);
    }

    /* the second point names its variables in another order */
    c = wg_suite_find(s, "two points");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL_FATAL(c->npoints, 2);
    CU_ASSERT_EQUAL(point_of(c, 0)[0], 1.0);
    CU_ASSERT_EQUAL(point_of(c, 0)[1], 2.0);
    CU_ASSERT_EQUAL(point_of(c, 1)[0], 0.5);
    CU_ASSERT_EQUAL(point_of(c, 1)[1], -3.0);
    CU_ASSERT_EQUAL(c->set, WG_SUITE_SET_PRECISION);
    CU_ASSERT_EQUAL(c->options.precision, 512);
    CU_ASSERT_EQUAL(output_at(c, 1, 0), -1.5);

    c = wg_suite_find(s, "mixed");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL_FATAL(c->npoints, 2);
    for (size_t k = 0; k < 2; k++) {
        CU_ASSERT(point_of(c, k)[0] >= 1 && point_of(c, k)[0] < 2);
        CU_ASSERT_EQUAL(point_of(c, k)[1], 3.0);   /* a value in a point with a range stays */
    }
    CU_ASSERT_NOT_EQUAL(point_of(c, 0)[0], point_of(c, 1)[0]);
    CU_ASSERT_EQUAL(c->set, WG_SUITE_SET_SAFETY | WG_SUITE_SET_FULL_JACOBIAN);
    CU_ASSERT_EQUAL(c->options.safety, 16.0);
    CU_ASSERT_EQUAL(c->options.full_jacobian, 1);

    c = wg_suite_find(s, "kink");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->expect, WG_VERDICT_NONDIFF);
    CU_ASSERT_EQUAL(c->set, 0);

    /* a .wg file, relative to the suite's folder, at its own point ... */
    c = wg_suite_find(s, "seed");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->kind, WG_SUITE_GRAPH);
    CU_ASSERT_STRING_EQUAL(c->source, "seed.wg");
    CU_ASSERT_EQUAL_FATAL(c->ninputs, 2);
    CU_ASSERT_STRING_EQUAL(c->inputs[0], "x1");
    CU_ASSERT_EQUAL_FATAL(c->npoints, 1);
    CU_ASSERT_EQUAL(point_of(c, 0)[0], 2.0);
    CU_ASSERT_EQUAL(point_of(c, 0)[1], 5.0);
    WG_ASSERT_CLOSE(output_at(c, 0, 0), 11.652071455223084, 1e-15, 0);
    /* ... and at another, given by name */
    c = wg_suite_find(s, "seed moved");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(point_of(c, 0)[0], 2.0);
    CU_ASSERT_EQUAL(point_of(c, 0)[1], 4.0);
    CU_ASSERT_EQUAL(c->set, WG_SUITE_SET_FULL_JACOBIAN);
    CU_ASSERT_EQUAL(c->options.full_jacobian, 0);
    CU_ASSERT_EQUAL(c->expect, WG_VERDICT_PASS);
    WG_ASSERT_ULPS(output_at(c, 0, 0), log(2.0) + 8 - sin(4.0), 1);

    /* a block: its own .wg lines, two outputs, a range over one input */
    c = wg_suite_find(s, "polar");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->kind, WG_SUITE_GRAPH);
    CU_ASSERT_EQUAL(c->line, 12);
    CU_ASSERT_PTR_NOT_NULL(strstr(c->source, "py = r * sin(theta)"));
    CU_ASSERT_EQUAL(c->noutputs, 2);
    CU_ASSERT_EQUAL_FATAL(c->npoints, 2);
    for (size_t k = 0; k < 2; k++) {
        double theta = point_of(c, k)[1];
        CU_ASSERT_EQUAL(point_of(c, k)[0], 2.0);
        CU_ASSERT(theta >= 0 && theta < 1);
        WG_ASSERT_ULPS(output_at(c, k, 0), 2 * cos(theta), 0);
        WG_ASSERT_ULPS(output_at(c, k, 1), 2 * sin(theta), 0);
    }
    c = wg_suite_find(s, "file with two outputs");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->noutputs, 3);
    CU_ASSERT_EQUAL(c->line, 19);
    wg_suite_free(s);
}

static void reader_text_forms(void)
{
    wg_parse_error err;
    /* CR LF line ends, a byte order mark, comments anywhere, a name with
     * blanks and punctuation */
    const char *text = "\xef\xbb\xbf# comment\r\n\r\n"
                       "three-hump camel (2-d): 2*x^2 - 1.05*x^4 @ x=1.1 # the rest\r\n"
                       "g:exp(x)@x=0x1p-2\r\n";
    wg_suite *s = wg_suite_read_string(text, NULL, NULL, &err);
    if (!s)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL_FATAL(wg_suite_size(s), 2);
    const wg_suite_case *c = wg_suite_case_at(s, 0);
    CU_ASSERT_STRING_EQUAL(c->name, "three-hump camel (2-d)");
    CU_ASSERT_STRING_EQUAL(c->file, "<string>");
    CU_ASSERT_EQUAL(c->line, 3);
    CU_ASSERT_STRING_EQUAL(c->source, "2*x^2 - 1.05*x^4");
    c = wg_suite_case_at(s, 1);
    CU_ASSERT_STRING_EQUAL(c->name, "g");
    CU_ASSERT_EQUAL(point_of(c, 0)[0], 0.25);

    /* adding text is all or nothing: an error in its third case leaves
     * the suite as it was */
    CU_ASSERT_EQUAL(wg_suite_add_text(s, "a: x @ x=1\nb: y @ y=2\nc: z @ z=\n", "more", NULL,
                                      &err), WG_EPARSE);
    CU_ASSERT_EQUAL(err.line, 3);
    CU_ASSERT_EQUAL(wg_suite_size(s), 2);
    CU_ASSERT_PTR_NULL(wg_suite_find(s, "a"));
    /* a name of the suite is taken, also across texts */
    CU_ASSERT_EQUAL(wg_suite_add_text(s, "g: x @ x=1", "more", NULL, &err), WG_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "more:1:1: error: case 'g' is defined twice"));
    CU_ASSERT_EQUAL(wg_suite_add_text(s, "h: x @ x=1\n", "more", NULL, &err), WG_OK);
    CU_ASSERT_EQUAL(wg_suite_size(s), 3);
    CU_ASSERT_EQUAL(wg_suite_add_text(NULL, "h: x @ x=1", NULL, NULL, &err), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_suite_add_text(s, NULL, NULL, NULL, &err), WG_EINVAL);
    wg_suite_free(s);

    /* empty text, or comments only: an empty suite */
    s = wg_suite_read_string("# nothing\n\n   \n", "e", NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(wg_suite_size(s), 0);
    wg_suite_free(s);
}

/* A point outside the domain is not an error of the suite: the case is
 * read, and recording it there gives the tape's status. */
static void reader_domain_point(void)
{
    wg_parse_error err;
    wg_suite *s = wg_suite_read_string("edge: log(x*y - 1) @ x=2, y=0.5 ; expect=invalid\n",
                                       "d", NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    const wg_suite_case *c = wg_suite_case_at(s, 0);
    CU_ASSERT_EQUAL(c->expect, WG_VERDICT_INVALID);
    CU_ASSERT_PTR_NULL(wg_suite_case_graph(c, 0, &err));
    CU_ASSERT_EQUAL(err.status, WG_EDOM);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "log"));
    CU_ASSERT_PTR_NULL(wg_suite_case_graph(c, 1, &err));     /* no point 2 */
    CU_ASSERT_EQUAL(err.status, WG_EINVAL);
    wg_suite_free(s);

    /* the same for a .wg file moved to a point outside its domain */
    s = wg_suite_read_string("moved: seed.wg @ x1=-1\n", "d", data_dir, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_PTR_NULL(wg_suite_case_graph(wg_suite_case_at(s, 0), 0, &err));
    CU_ASSERT_EQUAL(err.status, WG_EDOM);
    wg_suite_free(s);
}

/* ---------------------------------------------------------------- malformed text */

typedef struct {
    const char *text;
    int line, column;
    const char *message;        /* what follows "t.suite:LINE:COL: error: " */
} bad_case;

static const bad_case catalogue[] = {
    { "f: x^2 + y @ x, y=1", 1, 15, "expected '=' after 'x', found ','" },
    { "rosenbrock x=1", 1, 13, "expected ':' after the case name 'rosenbrock x', found '='" },
    { ": x @ x=1", 1, 1, "expected a case name before ':'" },
    { "@ x=1", 1, 1, "expected a case 'NAME: function ...', found '@'" },
    { "f:  @ x=1", 1, 5, "expected an expression, a .wg file or '{' after 'f:', found '@'" },
    { "f: x^2 @ x=abc", 1, 12,
      "expected a number or a range [LO, HI] after 'x=', found 'abc'" },
    { "f: x^2 @ x=[1 2]", 1, 15, "expected ',' and the upper end of the range of 'x', found '2'" },
    { "f: x^2 @ x=[1, 2", 1, 17, "expected ']' to close the range of 'x', found end of line" },
    { "f: x^2 @ x=[2, 1]", 1, 12,
      "the range [2, 1] of 'x' is empty: its lower end must be below its upper end" },
    { "f: x^2 @ x=1, x=2", 1, 15, "'x' is given twice in this point" },
    { "f: x^2 @ 1=2", 1, 10, "expected a variable name after '@', found '1'" },
    { "f: x^2 @ x=1,", 1, 14, "expected a variable name after ',', found end of line" },
    { "f: x^2 @ sin=1", 1, 10, "'sin' cannot name a variable" },
    { "f: x^2 @ v3=1", 1, 10, "'v3' cannot name a variable: names v<digits> are reserved" },
    { "f: x^2 @ x=inf", 1, 12, "'inf' is not a number: points hold finite values only" },
    { "f: x^2 @ x=1e999", 1, 12, "number '1e999' is too large for a double" },
    { "f: x^2 @ x=1.2.3", 1, 12, "malformed number '1.2.3'" },
    { "f: x^2 @ x=1 2", 1, 14,
      "expected ',' and another variable, '@', ';' or end of line after the value of 'x', "
      "found '2'" },
    { "f: x^2 @ x=1 @ y=2", 1, 16,
      "'y' is not a variable of the first point: every point gives values to the same "
      "variables" },
    { "f: x*y @ x=1, y=2 @ x=3", 1, 19, "this point gives no value to 'y'" },
    /* the expression parser's errors, at their place on the suite line */
    { "f: x +* y @ x=1, y=2", 1, 7, "expected an operand after '+', found '*'" },
    { "f: x + @ x=1", 1, 8, "expected an operand after '+', found '@'" },
    { "f: sin(x ; seed=1", 1, 10, "found ';'" },
    { "f: x + z @ x=1", 1, 8, "unknown variable 'z'; variables given: x" },
    { "f: x @ x=1, y=2", 1, 13, "'y' is not a variable of the expression (variables: x)" },
    { "f: x^2", 1, 7,
      "expected '@' and a point after the expression, found end of line: each variable needs "
      "a value" },
    /* options */
    { "f: x^2 @ x=1 ;", 1, 15, "expected an option after ';' (directions, points, seed, "
      "precision, safety, full_jacobian, expect, order), found end of line" },
    { "f: x^2 @ x=1 ; color=red", 1, 16, "unknown option 'color' (options: directions," },
    { "f: x^2 @ x=1 ; directions", 1, 26, "expected '=' after 'directions', found end of line" },
    { "f: x^2 @ x=1 ; directions=0", 1, 27,
      "expected a whole number from 1 to 100000 after 'directions=', found '0'" },
    { "f: x^2 @ x=1 ; directions=3 4", 1, 29,
      "expected ';', '@' or end of line after the value of 'directions', found '4'" },
    { "f: x^2 @ x=1 ; precision=64", 1, 26, "from 128 to 1000000 after 'precision=', found '64'" },
    { "f: x^2 @ x=1 ; seed=-1", 1, 21, "after 'seed=', found '-1'" },
    { "f: x^2 @ x=1 ; safety=0", 1, 23, "expected a positive number after 'safety=', found '0'" },
    { "f: x^2 @ x=1 ; full_jacobian=maybe", 1, 30,
      "expected yes or no after 'full_jacobian=', found 'maybe'" },
    { "f: x^2 @ x=1 ; expect=maybe", 1, 23, "expected a verdict after 'expect=' (pass, fail, "
      "nondiff, invalid, unstable), found 'maybe'" },
    { "f: x^2 @ x=1 ; seed=1 ; seed=2", 1, 25, "option 'seed' is given twice" },
    { "f: x^2 @ x=1 ; points=4", 1, 16, "'points' needs a range: no variable of this case has one" },
    /* lines and names */
    { "f: x^2 @ x=1\n# two\nf: x^3 @ x=2", 3, 1,
      "case 'f' is defined twice: at line 1 and at line 3" },
    { "f: caf\xc3\xa9 @ x=1", 1, 7, "byte 0xc3 (outside comments the text is ASCII)" },
    { "f: x\r @ x=1", 1, 5, "a carriage return not followed by a line feed" },
    { "f: x\t\x01 @ x=1", 1, 6, "control byte 0x01" },
    /* blocks: the .wg reader's errors, on the suite's lines */
    { "f: { junk\n}", 1, 6, "expected end of line after '{'" },
    { "ok: x @ x=1\nf: {\n  input x = 1\n", 2, 4, "the block opened here is not closed" },
    { "f: {\n  input x = 1\n  y = log(x +\n  output y\n}", 3, 14,
      "expected an operand after '+', found end of line" },
    { "f: {\n  input x = 1\n}", 1, 4, "the graph has no output" },
    { "f: {\n  input x = 1\n  output x\n} @ x=2 ; seed=4 junk", 4, 18,
      "expected ';', '@' or end of line after the value of 'seed', found 'junk'" },
    { "f: {\n  input x = 1\n  output x\n} x", 4, 3,
      "expected '@' and a point, ';' and an option, or end of line, found 'x'" },
    { "f: {\n  input W : 2 = [1, 2]\n  y = sum(W)\n  output y\n}", 1, 4,
      "input 'W' is a tensor: suite points hold scalar inputs only" },
    /* .wg files */
    { "f: missing.wg", 1, 4, "cannot read the graph file 'missing.wg'" },
    { "f: seed.wg @ z=1", 1, 14, "'z' is not an input of the graph (inputs: x1, x2)" },
    /* 100000 points bound the whole case, not only each range */
    { "f: x @ x=[0, 1] @ x=[0, 1] ; points=60000", 1, 30,
      "the case has 120000 points, more than 100000 (60000 from each range)" },
    { NULL, 0, 0, NULL }
};

static void reader_malformed(void)
{
    size_t n = 0;
    for (const bad_case *b = catalogue; b->text; b++, n++) {
        wg_parse_error err;
        memset(&err, 0xff, sizeof err);     /* every field must be written */
        wg_suite *s = wg_suite_read_string(b->text, "t.suite", data_dir, &err);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "t.suite:%d:%d: error: ", b->line, b->column);
        int ok = !s && err.status != WG_OK && err.line == b->line && err.column == b->column
                 && strncmp(err.message, prefix, strlen(prefix)) == 0
                 && strstr(err.message + strlen(prefix), b->message)
                 && strcmp(err.file, "t.suite") == 0;
        if (!ok)
            fprintf(stderr, "\n  text %.60s\n  expected %s%s\n  got      %s\n", b->text, prefix,
                    b->message, s ? "(a suite)" : err.message);
        CU_ASSERT(ok);
        wg_suite_free(s);
    }
    CU_ASSERT(n >= 15);
}

static void reader_file_errors(void)
{
    wg_parse_error err;
    /* the example file of the catalogue: line 3, at the ',' */
    CU_ASSERT_PTR_NULL(read_data("malformed.suite", &err));
    CU_ASSERT_EQUAL(err.status, WG_EPARSE);
    CU_ASSERT_EQUAL(err.line, 3);
    CU_ASSERT_EQUAL(err.column, 17);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "malformed.suite:3:17: error: expected '=' after "
                                               "'x', found ','"));

    CU_ASSERT_PTR_NULL(wg_suite_read_file("no/such/file.suite", &err));
    CU_ASSERT_EQUAL(err.status, WG_EIO);
    CU_ASSERT_STRING_EQUAL(err.message, "no/such/file.suite: error: cannot open: No such file or "
                                        "directory");
    CU_ASSERT_PTR_NULL(wg_suite_read_file(NULL, &err));
    CU_ASSERT_EQUAL(err.status, WG_EINVAL);

    /* a NUL byte in a file is named by its place */
    char path[] = "/tmp/wg-suite-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite("a: x @ x=1\nb: x\0 @ x=1\n", 1, 24, f);
    fclose(f);
    CU_ASSERT_PTR_NULL(wg_suite_read_file(path, &err));
    CU_ASSERT_EQUAL(err.line, 2);
    CU_ASSERT_EQUAL(err.column, 5);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "a NUL byte"));
    remove(path);
}

/* ---------------------------------------------------------------- ranges */

static void ranges_deterministic(void)
{
    const char *text = "b: x + y @ x=[-1, 1], y=[0, 2] ; points=5 ; seed=7\n"
                       "c: x + y @ x=[-1, 1], y=[0, 2] ; points=5 ; seed=8\n"
                       "d: x + y @ x=[-1, 1], y=[0, 2] ; points=5\n"
                       "e: x + y @ y=[0, 2], x=0.5 @ x=-3, y=4 @ x=[-1, 1], y=1 ; points=2\n";
    wg_parse_error err;
    wg_suite *s1 = wg_suite_read_string(text, "r", NULL, &err);
    wg_suite *s2 = wg_suite_read_string(text, "r", NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
    /* the same text, the same points, to the bit */
    for (size_t i = 0; i < wg_suite_size(s1); i++) {
        const wg_suite_case *a = wg_suite_case_at(s1, i), *b = wg_suite_case_at(s2, i);
        CU_ASSERT_EQUAL_FATAL(a->npoints, b->npoints);
        CU_ASSERT(memcmp(a->points, b->points, a->npoints * a->ninputs * sizeof(double)) == 0);
    }
    /* the documented draw: MT19937 from the seed (1 by default), uniform
     * on [LO, HI), point by point, variable by variable as written */
    const unsigned long seeds[3] = { 7, 8, 1 };
    for (size_t i = 0; i < 3; i++) {
        const wg_suite_case *c = wg_suite_case_at(s1, i);
        gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(r, seeds[i]);
        CU_ASSERT_EQUAL_FATAL(c->npoints, 5);
        for (size_t k = 0; k < 5; k++) {
            double x = gsl_ran_flat(r, -1, 1), y = gsl_ran_flat(r, 0, 2);
            CU_ASSERT_EQUAL(point_of(c, k)[0], x);
            CU_ASSERT_EQUAL(point_of(c, k)[1], y);
        }
        gsl_rng_free(r);
    }
    /* another seed, other points */
    const wg_suite_case *b = wg_suite_case_at(s1, 0), *c = wg_suite_case_at(s1, 1);
    CU_ASSERT(memcmp(b->points, c->points, 10 * sizeof(double)) != 0);

    /* several points: a range gives `points` of them, a plain point one;
     * variables are in the order of the first point */
    const wg_suite_case *e = wg_suite_case_at(s1, 3);
    CU_ASSERT_STRING_EQUAL(e->inputs[0], "y");
    CU_ASSERT_STRING_EQUAL(e->inputs[1], "x");
    CU_ASSERT_EQUAL_FATAL(e->npoints, 5);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 1);
    for (size_t k = 0; k < 2; k++) {
        CU_ASSERT_EQUAL(point_of(e, k)[0], gsl_ran_flat(r, 0, 2));
        CU_ASSERT_EQUAL(point_of(e, k)[1], 0.5);
    }
    CU_ASSERT_EQUAL(point_of(e, 2)[0], 4.0);
    CU_ASSERT_EQUAL(point_of(e, 2)[1], -3.0);
    for (size_t k = 3; k < 5; k++) {
        CU_ASSERT_EQUAL(point_of(e, k)[0], 1.0);
        CU_ASSERT_EQUAL(point_of(e, k)[1], gsl_ran_flat(r, -1, 1));
    }
    gsl_rng_free(r);
    wg_suite_free(s1);
    wg_suite_free(s2);
}

/* Many points and many inputs.  Found by fuzz/harness_suite.c: an
 * expression outside its domain at every point was parsed once per point
 * (100000 parses for one line), each '@' clause could add 100000 more
 * points, and each point looked up every binding among all the inputs.
 * Reading now parses at no more than 64 of the points, bounds the case to
 * 100000 points, and finds a binding's input once per clause. */
static void ranges_many_points(void)
{
    wg_parse_error err;
    /* as many as allowed, over two clauses */
    wg_suite *s = wg_suite_read_string("f: x @ x=[0, 1] @ x=[2, 3] ; points=50000\n", "m",
                                       NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    const wg_suite_case *c = wg_suite_case_at(s, 0);
    CU_ASSERT_EQUAL(c->npoints, 100000);
    CU_ASSERT(point_of(c, 0)[0] >= 0 && point_of(c, 0)[0] < 1);
    CU_ASSERT(point_of(c, 99999)[0] >= 2 && point_of(c, 99999)[0] < 3);
    wg_suite_free(s);

    /* outside the domain at every one of 100000 points: read (the points
     * are the check's business), and every point records as WG_EDOM */
    s = wg_suite_read_string("f: log(x - 5) @ x=[0, 1] ; points=100000\n", "m", NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    c = wg_suite_case_at(s, 0);
    CU_ASSERT_EQUAL(c->npoints, 100000);
    wg_graph *g = wg_suite_case_graph(c, 99999, &err);
    CU_ASSERT_PTR_NULL(g);
    CU_ASSERT_EQUAL(err.status, WG_EDOM);
    wg_suite_free(s);
    /* ... but a syntax error is still found at a point that records */
    s = wg_suite_read_string("f: log(x - 5) + ) @ x=[0, 1] @ x=6 ; points=99999\n", "m", NULL,
                             &err);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_EQUAL(err.status, WG_EPARSE);
    CU_ASSERT_EQUAL(err.column, 17);

    /* many inputs: each binding gives its own input, in every point; the
     * second clause names them in the reverse order of the first */
    enum { NIN = 60 };
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof text, "w: x0");
    for (int j = 1; j < NIN; j++)
        o += (size_t)snprintf(text + o, sizeof text - o, " + x%d", j);
    for (int clause = 0; clause < 2; clause++) {
        o += (size_t)snprintf(text + o, sizeof text - o, " @");
        for (int i = 0; i < NIN; i++) {
            int j = clause ? NIN - 1 - i : i;
            o += (size_t)snprintf(text + o, sizeof text - o, "%s x%d=[%d, %d]", i ? "," : "",
                                  j, j, j + 1);
        }
    }
    snprintf(text + o, sizeof text - o, " ; points=25\n");
    s = wg_suite_read_string(text, "m", NULL, &err);
    if (!s)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    c = wg_suite_case_at(s, 0);
    CU_ASSERT_EQUAL_FATAL(c->ninputs, NIN);
    CU_ASSERT_EQUAL_FATAL(c->npoints, 50);
    for (size_t k = 0; k < c->npoints; k++)
        for (size_t i = 0; i < NIN; i++) {
            int j = atoi(c->inputs[i] + 1);
            double v = point_of(c, k)[i];
            CU_ASSERT(v >= j && v < j + 1);
        }
    wg_suite_free(s);
}

/* ---------------------------------------------------------------- cases from programs */

static int freed;
static void count_free(void *ctx)
{
    (void)ctx;
    freed++;
}

/* (x0 * x1, x0 + c) with c = *ctx */
static int record_two(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n;
    (void)m;
    y[0] = wg_mul(t, x[0], x[1]);
    y[1] = wg_add_c(t, x[0], *(const double *)ctx);
    return WG_OK;
}

static int record_log(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n;
    (void)m;
    (void)ctx;
    y[0] = wg_log(t, x[0]);
    return WG_OK;
}

static void program_cases(void)
{
    wg_suite *s = wg_suite_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    static double c = 10;
    const double pt[2] = { 3, -2 };
    const char *names[2] = { "a", "b" };
    wg_suite_fn f = { .name = "two", .record = record_two, .ctx = &c, .free_ctx = count_free,
                      .n = 2, .names = names, .point = pt, .m = 2 };
    CU_ASSERT_EQUAL(wg_suite_add_fn(s, &f), WG_OK);

    /* refused: a name taken, no name, bad input names, n or m 0, a point
     * not finite -- and ctx is freed each time */
    freed = 0;
    CU_ASSERT_EQUAL(wg_suite_add_fn(s, &f), WG_EINVAL);
    wg_suite_fn g = f;
    g.name = "";
    CU_ASSERT_EQUAL(wg_suite_add_fn(s, &g), WG_EINVAL);
    g.name = "other";
    const char *same[2] = { "a", "a" }, *op[2] = { "a", "sin" };
    g.names = same;
    CU_ASSERT_EQUAL(wg_suite_add_fn(s, &g), WG_EINVAL);
    g.names = op;
    CU_ASSERT_EQUAL(wg_suite_add_fn(s, &g), WG_EINVAL);
    g.names = names;
    g.m = 0;
    CU_ASSERT_EQUAL(wg_suite_add_fn(s, &g), WG_EINVAL);
    g.m = 2;
    const double inf_pt[2] = { 1, INFINITY };
    g.point = inf_pt;
    CU_ASSERT_EQUAL(wg_suite_add_fn(s, &g), WG_EINVAL);
    CU_ASSERT_EQUAL(freed, 6);
    CU_ASSERT_EQUAL(wg_suite_add_fn(s, NULL), WG_EINVAL);

    /* default names x1, x2, ...; one output is y */
    const double one = 0.5;
    wg_suite_fn h = { .name = "log", .record = record_log, .n = 1, .point = &one, .m = 1,
                      .expect = WG_VERDICT_PASS };
    CU_ASSERT_EQUAL(wg_suite_add_fn(s, &h), WG_OK);
    CU_ASSERT_EQUAL(wg_suite_add_unavailable(s, "gone", WG_VERDICT_PASS, "its data is missing"),
                    WG_OK);
    CU_ASSERT_EQUAL(wg_suite_add_unavailable(s, "gone", WG_VERDICT_PASS, "again"), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_suite_size(s), 3);

    const wg_suite_case *two = wg_suite_find(s, "two");
    CU_ASSERT_PTR_NOT_NULL_FATAL(two);
    CU_ASSERT_EQUAL(two->kind, WG_SUITE_FN);
    CU_ASSERT_PTR_NULL(two->file);
    CU_ASSERT_PTR_NULL(two->source);
    CU_ASSERT_EQUAL(two->noutputs, 2);
    wg_parse_error err;
    wg_graph *gr = wg_suite_case_graph(two, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gr);
    CU_ASSERT_STRING_EQUAL(wg_graph_input_name(gr, 1), "b");
    CU_ASSERT_STRING_EQUAL(wg_graph_output_name(gr, 0), "y1");
    CU_ASSERT_STRING_EQUAL(wg_graph_output_name(gr, 1), "y2");
    CU_ASSERT_EQUAL(wg_value(wg_graph_tape(gr), wg_graph_output(gr, 0)), -6.0);
    CU_ASSERT_EQUAL(wg_value(wg_graph_tape(gr), wg_graph_output(gr, 1)), 13.0);
    wg_graph_free(gr);

    const wg_suite_case *lg = wg_suite_find(s, "log");
    CU_ASSERT_STRING_EQUAL(lg->inputs[0], "x1");
    gr = wg_suite_case_graph(lg, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gr);
    CU_ASSERT_STRING_EQUAL(wg_graph_output_name(gr, 0), "y");
    wg_graph_free(gr);

    const wg_suite_case *gone = wg_suite_find(s, "gone");
    CU_ASSERT_STRING_EQUAL(gone->error, "its data is missing");
    CU_ASSERT_EQUAL(gone->npoints, 0);
    CU_ASSERT_PTR_NULL(wg_suite_case_graph(gone, 0, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "its data is missing"));

    /* a case's own options replace the base's, the others stay */
    wg_suite *t = wg_suite_read_string("k: x @ x=1 ; seed=5 ; precision=300 ; full_jacobian\n",
                                       "o", NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    wg_check_options base, out;
    wg_check_options_init(&base);
    base.seed = 99;
    base.directions = 7;
    base.safety = 3;
    wg_suite_case_options(wg_suite_case_at(t, 0), &base, &out);
    CU_ASSERT_EQUAL(out.seed, 5);
    CU_ASSERT_EQUAL(out.precision, 300);
    CU_ASSERT_EQUAL(out.full_jacobian, 1);
    CU_ASSERT_EQUAL(out.directions, 7);
    CU_ASSERT_EQUAL(out.safety, 3.0);
    CU_ASSERT_EQUAL(out.methods, base.methods);
    wg_suite_free(t);

    freed = 0;
    wg_suite_free(s);
    CU_ASSERT_EQUAL(freed, 1);          /* the one ctx the suite held */
}

/* ---------------------------------------------------------------- the builtin suite */

static void builtin_cases(void)
{
    wg_parse_error err;
    wg_suite *s = wg_builtin_suite(bench_dir, &err);
    if (!s)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    size_t n = wg_suite_size(s);
    CU_ASSERT(n >= 25);
    CU_ASSERT_PTR_NOT_NULL(wg_builtin_data_dir());

    int seen[WG_OP_COUNT] = { 0 };
    size_t nondiff = 0, invalid = 0, multi_out = 0, many_in = 0;
    for (size_t i = 0; i < n; i++) {
        const wg_suite_case *c = wg_suite_case_at(s, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->name, wg_suite_case_at(s, j)->name) == 0) {
                fprintf(stderr, "\n  name '%s' twice\n", c->name);
                CU_FAIL("names are unique");
            }
        if (c->error)
            fprintf(stderr, "\n  %s: %s\n", c->name, c->error);
        CU_ASSERT_PTR_NULL(c->error);
        nondiff += c->expect == WG_VERDICT_NONDIFF;
        invalid += c->expect == WG_VERDICT_INVALID;
        multi_out += c->noutputs >= 2;
        many_in += c->ninputs >= 20;
        /* every point records, except where the case expects invalid */
        for (size_t k = 0; k < c->npoints; k++) {
            wg_graph *g = wg_suite_case_graph(c, k, &err);
            if (!g) {
                if (c->expect != WG_VERDICT_INVALID)
                    fprintf(stderr, "\n  %s: %s\n", c->name, err.message);
                CU_ASSERT(c->expect == WG_VERDICT_INVALID
                          && (err.status == WG_EDOM || err.status == WG_ERANGE));
                continue;
            }
            wg_tape *t = wg_graph_tape(g);
            for (size_t j = 0; j < wg_tape_size(t); j++)
                seen[wg_node_op(t, j)] = 1;
            wg_graph_free(g);
        }
    }
    CU_ASSERT(nondiff >= 4);
    CU_ASSERT(invalid >= 1);
    CU_ASSERT(multi_out >= 1);
    CU_ASSERT(many_in >= 1);
    /* every op of the table, walked from WG_OP_LIST itself */
#define WG_X_SEEN(E, name, kind)                                                  \
    if (WG_OP_##E != WG_OP_CUSTOM) {    /* the program's own ops: none built in */ \
        if (!seen[WG_OP_##E])                                                     \
            fprintf(stderr, "\n  op %s is in no case of the builtin suite\n", #name); \
        CU_ASSERT(seen[WG_OP_##E]);                                               \
    }
    WG_OP_LIST(WG_X_SEEN)
#undef WG_X_SEEN
    wg_suite_free(s);
}

/* The GMM case records the benchmark's objective: its value is the
 * double objective's, to the bit (the two share one body). */
/* The tensor GMM case computes the scalar objective's function: its value
 * and gradient agree with the scalar recording's to rounding (the sums run
 * in another order), on the suite's file and on a 1000-point file */
static void gmm_tensor_agrees(const char *file, double tol)
{
    char path[1200], msg[400];
    snprintf(path, sizeof path, "%s/gmm/%s", bench_dir, file);
    gmm_input in;
    CU_ASSERT_EQUAL_FATAL(gmm_read(path, &in, msg, sizeof msg), 0);
    size_t np = gmm_nparams(&in);
    double *params = malloc(np * sizeof *params), *g = malloc(np * sizeof *g);
    double *gt = malloc(np * sizeof *gt);
    wg_var *xs = malloc(np * sizeof *xs), *scratch = malloc(gmm_scratch_len(&in) * sizeof *scratch);
    CU_ASSERT_FATAL(params && g && gt && xs && scratch);
    gmm_pack(&in, params);
    wg_tape *t = wg_tape_new(), *tt = wg_tape_new();
    wg_var f = gmm_record(t, &in, params, xs, scratch), x3[3];
    wg_var ft = gmm_tensor_record(tt, &in, params, x3);
    CU_ASSERT_FATAL(wg_status(t) == WG_OK && wg_status(tt) == WG_OK);
    WG_ASSERT_CLOSE(wg_value(tt, ft), wg_value(t, f), tol, 0);
    CU_ASSERT_FATAL(wg_grad(t, f, np, xs, g) == WG_OK);
    CU_ASSERT_FATAL(wg_grad(tt, ft, 3, x3, gt) == WG_OK);
    double gmax = 0;
    for (size_t j = 0; j < np; j++)
        gmax = fmax(gmax, fabs(g[j]));
    for (size_t j = 0; j < np; j++)
        WG_ASSERT_CLOSE(gt[j], g[j], tol, tol * gmax);
    /* nodes: the same count whatever n (the points are one constant), a
     * few per column of Q (Q_k^T is joined from slices) and a few dozen
     * besides */
    size_t n_all = wg_tape_size(tt), d = (size_t)in.d;
    int n_saved = in.n;
    in.n = 1;
    wg_tape_clear(tt);
    gmm_tensor_record(tt, &in, params, x3);
    in.n = n_saved;
    CU_ASSERT_EQUAL(wg_status(tt), WG_OK);
    CU_ASSERT_EQUAL(wg_tape_size(tt), n_all);
    CU_ASSERT(n_all < 32 + 6 * d);
    wg_tape_free(t);
    wg_tape_free(tt);
    free(params); free(g); free(gt); free(xs); free(scratch);
    gmm_free(&in);
}

static void builtin_gmm_tensor(void)
{
    wg_parse_error err;
    wg_suite *s = wg_builtin_suite(bench_dir, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    const wg_suite_case *c = wg_suite_find(s, "tensor ADBench GMM d=2 K=3 n=1");
    const wg_suite_case *sc = wg_suite_find(s, "ADBench GMM d=2 K=3 n=1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    CU_ASSERT_EQUAL_FATAL(c->ninputs, sc->ninputs);
    CU_ASSERT(memcmp(c->points, sc->points, c->ninputs * sizeof *c->points) == 0);
    for (size_t j = 0; j < c->ninputs; j++)
        CU_ASSERT_STRING_EQUAL(c->inputs[j], sc->inputs[j]);
    WG_ASSERT_CLOSE(output_at(c, 0, 0), output_at(sc, 0, 0), 1e-14, 0);
    wg_suite_free(s);
    /* 8 ulps of the result is about what two summation orders of a few
     * terms may differ by; at n = 1000, sums of 1000 terms */
    gmm_tensor_agrees("test.txt", 8 * 0x1p-52);
    gmm_tensor_agrees("1k/gmm_d10_K5.txt", 1e-12);
}

/* Case names are hashed: a duplicate after 20,000 cases is found and
 * placed, and after a failed read (which truncates the suite) the names of
 * the dropped cases are free again. */
static void many_cases_hashed(void)
{
    enum { N = 20000 };
    size_t cap = (size_t)N * 40 + 64, o = 0;
    char *text = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    for (int i = 0; i < N; i++)
        o += (size_t)snprintf(text + o, cap - o, "c%d: x*x @ x=1\n", i);
    snprintf(text + o, cap - o, "c6: x @ x=2\n");
    wg_parse_error err;
    CU_ASSERT_PTR_NULL(wg_suite_read_string(text, "t.suite", NULL, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "t.suite:20001:1: error: case 'c6' is defined "
                                               "twice: at line 7 and at line 20001"));
    text[o] = '\0';
    wg_suite *s = wg_suite_read_string(text, "t.suite", NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(wg_suite_size(s), N);
    CU_ASSERT_PTR_NOT_NULL(wg_suite_find(s, "c19999"));
    CU_ASSERT_PTR_NULL(wg_suite_find(s, "c20000"));
    /* a failed addition drops its cases, and their names with them */
    CU_ASSERT_NOT_EQUAL(wg_suite_add_text(s, "d1: x @ x=1\nd2: x +\n", "u.suite", NULL, &err),
                        WG_OK);
    CU_ASSERT_EQUAL(wg_suite_size(s), N);
    CU_ASSERT_PTR_NULL(wg_suite_find(s, "d1"));
    CU_ASSERT_EQUAL(wg_suite_add_text(s, "d1: x @ x=1\n", "u.suite", NULL, &err), WG_OK);
    CU_ASSERT_PTR_NOT_NULL(wg_suite_find(s, "d1"));
    wg_suite_free(s);
    free(text);
}

/* The path policy: a case's .wg file inside the suite's folder (symlinks
 * followed) is read; "..", an absolute path and a symlink that lead out
 * are refused unless WG_SUITE_OUTSIDE_PATHS; a file outside that does not
 * read is named by its place, its text (a secret, say) never quoted. */
static void paths_stay_inside(void)
{
    char root[] = "/tmp/wg-paths-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
    char dir[64], p[128];
    snprintf(dir, sizeof dir, "%s/suite", root);
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    const char *files[][2] = {
        { "suite/in.wg", "input x = 1\noutput x\n" },
        { "secret.wg", "SECRET_TOKEN = hunter2\n" },
        { "ok.wg", "input x = 2\noutput x\n" },
        { "suite/a.suite", "a: in.wg\n" },
        { "suite/up.suite", "a: ../secret.wg\n" },
        { "suite/ln.suite", "a: link.wg\n" },
        { "suite/ok.suite", "a: ../ok.wg\n" },
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", root, files[i][0]);
        FILE *f = fopen(p, "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fputs(files[i][1], f);
        fclose(f);
    }
    snprintf(p, sizeof p, "%s/link.wg", dir);
    CU_ASSERT_EQUAL_FATAL(symlink("../secret.wg", p), 0);
    char abs_suite[256];
    snprintf(abs_suite, sizeof abs_suite, "a: %s/secret.wg\n", root);

    wg_parse_error err;
    snprintf(p, sizeof p, "%s/a.suite", dir);
    wg_suite *s = wg_suite_read_file(p, &err);
    CU_ASSERT_PTR_NOT_NULL(s);
    wg_suite_free(s);
    const char *out[] = { "up.suite", "ln.suite", "ok.suite" };
    for (int k = 0; k < 3; k++) {
        snprintf(p, sizeof p, "%s/%s", dir, out[k]);
        CU_ASSERT_PTR_NULL(wg_suite_read_file(p, &err));
        CU_ASSERT_EQUAL(err.status, WG_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "is outside the suite's folder"));
        s = wg_suite_read_file_ex(p, WG_SUITE_OUTSIDE_PATHS, &err);
        if (k == 2) {
            CU_ASSERT_PTR_NOT_NULL(s);      /* outside, allowed, and a graph */
        } else {
            CU_ASSERT_PTR_NULL(s);
            CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "(its text is not quoted)"));
            CU_ASSERT_PTR_NULL(strstr(err.message, "SECRET"));
            CU_ASSERT_PTR_NULL(strstr(err.message, "hunter2"));
        }
        wg_suite_free(s);
    }
    /* text with a folder: an absolute path out of it */
    CU_ASSERT_PTR_NULL(wg_suite_read_string(abs_suite, "t.suite", dir, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "is outside the suite's folder"));
    s = wg_suite_new();
    wg_suite_set_flags(s, WG_SUITE_OUTSIDE_PATHS);
    CU_ASSERT_NOT_EQUAL(wg_suite_add_text(s, abs_suite, "t.suite", dir, &err), WG_OK);
    CU_ASSERT_PTR_NULL(strstr(err.message, "hunter2"));
    wg_suite_free(s);

    const char *rm[] = { "suite/in.wg", "secret.wg", "ok.wg", "suite/a.suite", "suite/up.suite",
                         "suite/ln.suite", "suite/ok.suite", "suite/link.wg", "suite" };
    for (size_t i = 0; i < sizeof rm / sizeof rm[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", root, rm[i]);
        remove(p);
    }
    rmdir(root);
}

static void builtin_gmm(void)
{
    wg_parse_error err;
    wg_suite *s = wg_builtin_suite(bench_dir, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    const wg_suite_case *c = NULL;
    for (size_t i = 0; i < wg_suite_size(s) && !c; i++)
        if (strstr(wg_suite_case_at(s, i)->name, "GMM"))
            c = wg_suite_case_at(s, i);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->ninputs, 18);      /* K (1 + d + d(d+1)/2) with d = 2, K = 3 */
    CU_ASSERT_STRING_EQUAL(c->inputs[0], "alpha1");
    CU_ASSERT_STRING_EQUAL(c->inputs[17], "l3_1");

    char path[1200], msg[400];
    snprintf(path, sizeof path, "%s/gmm/test.txt", bench_dir);
    gmm_input in;
    CU_ASSERT_EQUAL_FATAL(gmm_read(path, &in, msg, sizeof msg), 0);
    double params[18], *scratch = malloc(gmm_scratch_len(&in) * sizeof *scratch);
    CU_ASSERT_PTR_NOT_NULL_FATAL(scratch);
    gmm_pack(&in, params);
    CU_ASSERT(memcmp(params, c->points, sizeof params) == 0);
    double f = gmm_objective(&in, params, scratch);
    CU_ASSERT_EQUAL(output_at(c, 0, 0), f);
    free(scratch);
    gmm_free(&in);
    wg_suite_free(s);

    /* without its data the case is listed, with the reason */
    s = wg_builtin_suite("/no/such/folder", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    c = NULL;
    for (size_t i = 0; i < wg_suite_size(s) && !c; i++)
        if (strstr(wg_suite_case_at(s, i)->name, "GMM"))
            c = wg_suite_case_at(s, i);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->error);
    CU_ASSERT_PTR_NOT_NULL(strstr(c->error, "/no/such/folder/gmm/test.txt"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c->error, "--data DIR"));
    wg_suite_free(s);
    s = wg_builtin_suite(NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    for (size_t i = 0; i < wg_suite_size(s); i++)
        if (wg_suite_case_at(s, i)->error)
            CU_ASSERT_PTR_NOT_NULL(strstr(wg_suite_case_at(s, i)->error, "--data DIR"));
    wg_suite_free(s);
}


/* ---------------------------------------------------------------- checking cases */

static void report_invalid(void)
{
    wg_check_report r;
    CU_ASSERT_EQUAL(wg_suite_report_invalid(&r, "node 3 (log): argument -1: argument must be > 0"),
                    WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_INVALID);
    CU_ASSERT_EQUAL_FATAL(r.nresults, 1);
    CU_ASSERT_EQUAL(r.worst, 0);
    const wg_check_result *res = &r.results[0];
    CU_ASSERT_EQUAL(res->verdict, WG_VERDICT_INVALID);
    CU_ASSERT_EQUAL(res->invalid_node, 3);
    CU_ASSERT_EQUAL(res->blame_node, -1);
    CU_ASSERT_EQUAL(res->blame_op, WG_OP_COUNT);
    CU_ASSERT(isnan(res->reference) && isnan(res->bound));
    for (int m = 0; m < WG_METHOD_COUNT; m++)
        CU_ASSERT_EQUAL(res->fig[m].computed, 0);
    CU_ASSERT_STRING_EQUAL(res->message, "node 3 (log): argument -1: argument must be > 0");
    wg_check_report_free(&r);
    CU_ASSERT_EQUAL(wg_suite_report_invalid(&r, "no node named"), WG_OK);
    CU_ASSERT_EQUAL(r.results[0].invalid_node, -1);
    wg_check_report_free(&r);
}

/* what the per-point hook of wg_suite_case_check_points saw */
typedef struct seen_points {
    size_t n;
    int had_graph[8], had_why[8];
    size_t stop_after;       /* return nonzero at this many points */
} seen_points;

static int see_point(void *ctx, const wg_suite_case *c, size_t k, uint64_t seed, wg_graph *g,
                     const char *why_none, const wg_check_report *part)
{
    (void)c;
    (void)seed;
    seen_points *sp = ctx;
    CU_ASSERT_EQUAL(k, sp->n);                         /* in order, each once */
    CU_ASSERT(part->nresults >= 1);
    if (sp->n < 8) {
        sp->had_graph[sp->n] = g != NULL;
        sp->had_why[sp->n] = why_none && *why_none;
    }
    sp->n++;
    return sp->n >= sp->stop_after;
}

static void case_check(void)
{
    const char *text =
        "smooth: x^2 + 3*y @ x=0.5, y=2 ; directions=2\n"
        "many: x*y @ x=[1, 2], y=[1, 2] ; points=3\n"
        "edge: log(x*y - 1) @ x=2, y=0.5 @ x=3, y=1 ; expect=invalid\n"
        "columns: sin(x)*y @ x=1, y=2 ; directions=1 ; full_jacobian\n"
        "kink: abs(x) + y @ x=0, y=1 ; expect=nondiff\n";
    wg_parse_error err;
    wg_suite *s = wg_suite_read_string(text, "c", NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    wg_check_options base;
    wg_check_options_init(&base);
    base.directions = 2;
    wg_check_report r;
    char why[300];

    CU_ASSERT_EQUAL(wg_suite_case_check(wg_suite_find(s, "smooth"), &base, &r, why, sizeof why),
                    WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    CU_ASSERT_EQUAL(r.nresults, 2);
    wg_check_report_free(&r);

    /* every point, in order, each named in its results' messages */
    CU_ASSERT_EQUAL(wg_suite_case_check(wg_suite_find(s, "many"), &base, &r, why, sizeof why),
                    WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    CU_ASSERT_EQUAL_FATAL(r.nresults, 6);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.results[0].message, "point 1 of 3: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.results[5].message, "point 3 of 3: "));
    CU_ASSERT(r.seconds >= 0);
    wg_check_report_free(&r);

    /* a point outside the domain is a result, invalid; the next point is
     * checked as usual */
    CU_ASSERT_EQUAL(wg_suite_case_check(wg_suite_find(s, "edge"), &base, &r, why, sizeof why),
                    WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_INVALID);
    CU_ASSERT_EQUAL_FATAL(r.nresults, 3);
    CU_ASSERT_EQUAL(r.worst, 0);
    CU_ASSERT_EQUAL(r.results[0].verdict, WG_VERDICT_INVALID);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.results[0].message, "point 1 of 2: node 4 (log)"));
    CU_ASSERT_EQUAL(r.results[0].invalid_node, 4);     /* x, y, mul, add_c, log */
    CU_ASSERT_EQUAL(r.results[1].verdict, WG_VERDICT_PASS);
    CU_ASSERT_EQUAL(r.results[2].verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);

    /* the per-point hook sees each point's own report, in order, with its
     * graph (none where the function cannot be recorded, and why); a
     * nonzero return stops the check */
    seen_points sp = { 0, { 0 }, { 0 }, 99 };
    CU_ASSERT_EQUAL(wg_suite_case_check_points(wg_suite_find(s, "edge"), &base, &r, why,
                                               sizeof why, see_point, &sp), WG_OK);
    CU_ASSERT_EQUAL(sp.n, 2);
    CU_ASSERT(!sp.had_graph[0] && sp.had_graph[1]);
    CU_ASSERT(sp.had_why[0] && !sp.had_why[1]);
    CU_ASSERT_EQUAL(r.nresults, 3);
    wg_check_report_free(&r);
    sp = (seen_points){ 0, { 0 }, { 0 }, 2 };
    CU_ASSERT_EQUAL(wg_suite_case_check_points(wg_suite_find(s, "many"), &base, &r, why,
                                               sizeof why, see_point, &sp), WG_EIO);
    CU_ASSERT_EQUAL(sp.n, 2);                      /* stopped at the second point */
    CU_ASSERT_EQUAL(r.nresults, 0);
    CU_ASSERT_PTR_NULL(r.results);

    /* the case's options over the base: 1 direction and 2 columns */
    CU_ASSERT_EQUAL(wg_suite_case_check(wg_suite_find(s, "columns"), &base, &r, why, sizeof why),
                    WG_OK);
    CU_ASSERT_EQUAL(r.nresults, 3);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);

    CU_ASSERT_EQUAL(wg_suite_case_check(wg_suite_find(s, "kink"), NULL, &r, why, sizeof why),
                    WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_NONDIFF);
    CU_ASSERT_EQUAL(r.nresults, 3);     /* the default options */
    wg_check_report_free(&r);

    /* a case that cannot be checked says why and reports nothing */
    CU_ASSERT_EQUAL(wg_suite_add_unavailable(s, "gone", WG_VERDICT_PASS, "its data is missing"),
                    WG_OK);
    CU_ASSERT_EQUAL(wg_suite_case_check(wg_suite_find(s, "gone"), &base, &r, why, sizeof why),
                    WG_EINVAL);
    CU_ASSERT_STRING_EQUAL(why, "its data is missing");
    CU_ASSERT_EQUAL(r.nresults, 0);
    CU_ASSERT_PTR_NULL(r.results);
    CU_ASSERT_EQUAL(wg_suite_case_check(NULL, &base, &r, why, sizeof why), WG_EINVAL);
    wg_suite_free(s);
}

/* Every builtin case gets the verdict it expects, at two seeds. */
static void builtin_verdicts(void)
{
    wg_parse_error err;
    wg_suite *s = wg_builtin_suite(bench_dir, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    for (uint64_t seed = 1; seed <= 2; seed++) {
        wg_check_options o;
        wg_check_options_init(&o);
        o.seed = seed;
        for (size_t i = 0; i < wg_suite_size(s); i++) {
            const wg_suite_case *c = wg_suite_case_at(s, i);
            wg_check_report r;
            char why[600];
            int st = wg_suite_case_check(c, &o, &r, why, sizeof why);
            if (st != WG_OK || r.verdict != c->expect) {
                fprintf(stderr, "\n  seed %llu, %s: ", (unsigned long long)seed, c->name);
                if (st != WG_OK)
                    fprintf(stderr, "%s\n", why);
                else
                    wg_check_report_print(&r, c->name, stderr);
            }
            CU_ASSERT_EQUAL(st, WG_OK);
            CU_ASSERT(st != WG_OK || r.verdict == c->expect);
            wg_check_report_free(&r);
        }
    }
    wg_suite_free(s);
}

int main(void)
{
    set_dirs();
    static const wg_test_case cases[] = {
        { "a valid suite file: every form", reader_valid_file },
        { "text forms: CR LF, BOM, comments, all-or-nothing adds", reader_text_forms },
        { "a point outside the domain is read, and records as EDOM", reader_domain_point },
        { "malformed lines: place and message", reader_malformed },
        { "file errors: missing, malformed, NUL byte", reader_file_errors },
        { "ranges: deterministic, the documented draw", ranges_deterministic },
        { "ranges: many points, many inputs", ranges_many_points },
        { "cases added by programs; options over a base", program_cases },
        { "builtin suite: size, unique names, every op", builtin_cases },
        { "20,000 cases: duplicate names found by hash", many_cases_hashed },
        { ".wg paths stay inside the suite's folder", paths_stay_inside },
        { "builtin suite: the GMM case", builtin_gmm },
        { "builtin suite: the GMM case in tensor form", builtin_gmm_tensor },
        { "an invalid report for a point that does not record", report_invalid },
        { "checking a case: points, domain, options, unavailable", case_check },
        { "builtin suite: every case gets its expected verdict", builtin_verdicts },
        { NULL, NULL }
    };
    return wg_test_main("suite", cases);
}
