/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_wgread.c -- the .wg reader and the expression parser: valid text
 * gives the nodes doc/FORMAT.md promises, and a catalogue of malformed
 * text gives the promised status, place and message. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"
#include "wengert.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- helpers */

/* tests/data/<name> under $srcdir (set by `make check`; "." otherwise) */
static const char *data_path(const char *name, char *buf, size_t len)
{
    const char *srcdir = getenv("srcdir");
    snprintf(buf, len, "%s/tests/data/%s", srcdir && *srcdir ? srcdir : ".", name);
    return buf;
}

static wg_graph *read_text(const char *text)
{
    wg_parse_error e;
    wg_graph *g = wg_graph_read_string(text, "t.wg", &e);
    if (!g)
        fprintf(stderr, "\n  unexpected error: %s\n", e.message);
    return g;
}

/* the value of the graph's first output */
static double out_value(wg_graph *g)
{
    return wg_value(wg_graph_tape(g), wg_graph_output(g, 0));
}

/* the value of a one-output expression over x (named "x") */
static double expr_value(const char *expr, double x)
{
    const char *names[] = { "x" };
    wg_parse_error e;
    wg_graph *g = wg_graph_parse_expr(expr, 1, names, &x, &e);
    if (!g) {
        fprintf(stderr, "\n  %s: %s\n", expr, e.message);
        return NAN;
    }
    double v = out_value(g);
    wg_graph_free(g);
    return v;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* the op of the last node, and its constant */
static wg_op last_op(wg_graph *g, double *param)
{
    wg_tape *t = wg_graph_tape(g);
    size_t n = wg_tape_size(t);
    if (param)
        *param = wg_node_param(t, n - 1);
    return wg_node_op(t, n - 1);
}

/* ---------------------------------------------------------------- valid text */

/* the example of doc/DESIGN.md, from a file found through $srcdir */
static void seed_example_file(void)
{
    char path[4096];
    wg_parse_error e;
    wg_graph *g = wg_graph_read_file(data_path("seed.wg", path, sizeof path), &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(e.status, WG_OK);
    CU_ASSERT_STRING_EQUAL(e.message, "");
    wg_tape *t = wg_graph_tape(g);
    CU_ASSERT_EQUAL(wg_tape_size(t), 7);
    CU_ASSERT_EQUAL(wg_graph_ninputs(g), 2);
    CU_ASSERT_STRING_EQUAL(wg_graph_input_name(g, 0), "x1");
    CU_ASSERT_STRING_EQUAL(wg_graph_input_name(g, 1), "x2");
    CU_ASSERT_EQUAL(wg_graph_noutputs(g), 1);
    CU_ASSERT_STRING_EQUAL(wg_graph_output_name(g, 0), "y");
    wg_var y = wg_graph_output(g, 0);
    WG_ASSERT_ULPS(wg_value(t, y), 11.652071455223084, 0);
    wg_var x[2] = { wg_graph_input(g, 0), wg_graph_input(g, 1) };
    double grad[2];
    CU_ASSERT_EQUAL(wg_grad(t, y, 2, x, grad), WG_OK);
    WG_ASSERT_ULPS(grad[0], 5.5, 0);
    WG_ASSERT_ULPS(grad[1], 1.7163378145367738, 0);
    /* "v3 = log(x1)" is a name like any other: log is node 2 */
    CU_ASSERT_EQUAL(wg_node_op(t, 2), WG_OP_LOG);
    wg_graph_free(g);
}

/* the same example as one expression */
static void seed_example_expr(void)
{
    const char *names[] = { "x1", "x2" };
    const double values[] = { 2, 5 };
    wg_parse_error e;
    wg_graph *g = wg_graph_parse_expr("log(x1) + x1*x2 - sin(x2)", 2, names, values, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_tape *t = wg_graph_tape(g);
    CU_ASSERT_STRING_EQUAL(wg_graph_output_name(g, 0), "y");
    wg_var y = wg_graph_output(g, 0);
    wg_var x[2] = { wg_graph_input(g, 0), wg_graph_input(g, 1) };
    double grad[2];
    WG_ASSERT_ULPS(wg_value(t, y), 11.652071455223084, 0);
    CU_ASSERT_EQUAL(wg_grad(t, y, 2, x, grad), WG_OK);
    WG_ASSERT_ULPS(grad[0], 5.5, 0);
    WG_ASSERT_ULPS(grad[1], 1.7163378145367738, 0);
    wg_graph_free(g);
}

static void precedence(void)
{
    WG_ASSERT_ULPS(expr_value("-x^2", 3), -9, 0);          /* -(x^2) */
    WG_ASSERT_ULPS(expr_value("(-x)^2", 3), 9, 0);
    WG_ASSERT_ULPS(expr_value("-2^2", 0), -4, 0);
    WG_ASSERT_ULPS(expr_value("(-2)^2", 0), 4, 0);
    WG_ASSERT_ULPS(expr_value("2^3^2", 0), 512, 0);        /* 2^(3^2) */
    WG_ASSERT_ULPS(expr_value("x^-1", 4), 0.25, 0);
    WG_ASSERT_ULPS(expr_value("1 + 2 * 3", 0), 7, 0);
    WG_ASSERT_ULPS(expr_value("(1 + 2) * 3", 0), 9, 0);
    WG_ASSERT_ULPS(expr_value("x - 2 - 3", 10), 5, 0);     /* left to right */
    WG_ASSERT_ULPS(expr_value("x / 2 / 5", 10), 1, 0);
    WG_ASSERT_ULPS(expr_value("2 * x ^ 2", 3), 18, 0);
    WG_ASSERT_ULPS(expr_value("- - x", 3), 3, 0);
    WG_ASSERT_ULPS(expr_value("+x", 3), 3, 0);
    WG_ASSERT_ULPS(expr_value("x * -2", 3), -6, 0);
    WG_ASSERT_ULPS(expr_value("x - -2", 3), 5, 0);
    WG_ASSERT_ULPS(expr_value("atan2(x, 1) * 4", 1), 4 * atan(1.0), 0);
    WG_ASSERT_ULPS(expr_value("min(x, 2) + max(x, 2)", 5), 7, 0);
    WG_ASSERT_ULPS(expr_value("lt(x, 2) + ge(x, 2) * 10", 5), 10, 0);
    WG_ASSERT_ULPS(expr_value("x\n  + 1   # comment\n", 1), 2, 0);  /* line breaks are space */
}

/* pi and e, "**" as "^", ln, log2 and log10 (doc/FORMAT.md, "Constants
 * and other spellings") */
static void constants_and_spellings(void)
{
    CU_ASSERT(same_bits(expr_value("pi", 0), 0x1.921fb54442d18p+1));   /* nearest pi */
    CU_ASSERT(same_bits(expr_value("e", 0), 0x1.5bf0a8b145769p+1));    /* nearest e */
    CU_ASSERT(same_bits(expr_value("-pi", 0), -0x1.921fb54442d18p+1));
    WG_ASSERT_ULPS(expr_value("2*pi*x", 0.5), 0x1.921fb54442d18p+1, 0);
    /* ** is ^: right-associative, tighter than unary minus (-x**2 = -(x**2)) */
    WG_ASSERT_ULPS(expr_value("-x**2", 3), -9, 0);
    WG_ASSERT_ULPS(expr_value("(-x)**2", 3), 9, 0);
    WG_ASSERT_ULPS(expr_value("2**3**2", 0), 512, 0);
    WG_ASSERT_ULPS(expr_value("x**-1", 4), 0.25, 0);
    WG_ASSERT_ULPS(expr_value("2 * x ** 2", 3), 18, 0);
    WG_ASSERT_ULPS(expr_value("x**0.5", 4), 2, 0);
    const char *names[] = { "x" };
    double x = -2;
    wg_parse_error err;
    wg_graph *g = wg_graph_parse_expr("x**2", 1, names, &x, &err);     /* powi, as x^2 */
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    double c;
    CU_ASSERT_EQUAL(last_op(g, &c), WG_OP_POWI);
    CU_ASSERT_EQUAL(c, 2);
    wg_graph_free(g);
    /* ln is log; log2 and log10 record log and a mul_c by 1/ln 2, 1/ln 10 */
    CU_ASSERT(same_bits(expr_value("ln(x)", 3), log(3.0)));
    x = 10;
    g = wg_graph_parse_expr("log10(x)", 1, names, &x, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(last_op(g, &c), WG_OP_MUL_C);
    CU_ASSERT(same_bits(c, 0x1.bcb7b1526e50ep-2));
    CU_ASSERT_EQUAL(wg_tape_size(wg_graph_tape(g)), 3);    /* input, log, mul_c */
    wg_graph_free(g);
    static const double pts[] = { 0.1, 0.7, 1.5, 3, 8, 10, 1000, 1e-300, 1e300 };
    for (size_t k = 0; k < sizeof pts / sizeof pts[0]; k++) {
        WG_ASSERT_ULPS(expr_value("log2(x)", pts[k]), log2(pts[k]), 2);
        WG_ASSERT_ULPS(expr_value("log10(x)", pts[k]), log10(pts[k]), 2);
    }
    /* a name the text defines comes before the constant */
    const char *ne[] = { "e", "pi" };
    double ve[] = { 5, 7 };
    g = wg_graph_parse_expr("e * pi", 2, ne, ve, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(out_value(g), 35);
    CU_ASSERT_EQUAL(last_op(g, NULL), WG_OP_MUL);
    wg_graph_free(g);
    g = read_text("input x = 2\ny = pi * x ** 2 + e\noutput y\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    WG_ASSERT_ULPS(out_value(g), 0x1.921fb54442d18p+1 * 4 + 0x1.5bf0a8b145769p+1, 0);
    wg_graph_free(g);
    /* a domain error of log2 is log's, at the call */
    x = -1;
    g = wg_graph_parse_expr("log2(x)", 1, names, &x, &err);
    CU_ASSERT_PTR_NULL(g);
    CU_ASSERT_EQUAL(err.status, WG_EDOM);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "<expr>:1:1: error: node 1 (log)"));
    /* "* *" with a space is not "**" */
    g = wg_graph_parse_expr("x * * 2", 1, names, &x, &err);
    CU_ASSERT_PTR_NULL(g);
    CU_ASSERT_EQUAL(err.status, WG_EPARSE);
    wg_graph_free(g);
}

/* Literal rules: what a number next to an operator records. */
static void literal_rules(void)
{
    static const struct {
        const char *expr;
        wg_op op;           /* of the last node */
        double param;       /* for *_c and powi */
        size_t nodes;       /* on the tape, the input x included */
    } cases[] = {
        { "x + 3", WG_OP_ADD_C, 3, 2 },
        { "3 + x", WG_OP_ADD_C, 3, 2 },
        { "x - 3", WG_OP_ADD_C, -3, 2 },
        { "x * 2", WG_OP_MUL_C, 2, 2 },
        { "2 * x", WG_OP_MUL_C, 2, 2 },
        { "x ^ 2", WG_OP_POWI, 2, 2 },
        { "x ^ 2.0", WG_OP_POWI, 2, 2 },
        { "x ^ -3", WG_OP_POWI, -3, 2 },
        { "x ^ 0.5", WG_OP_POW_C, 0.5, 2 },
        { "x ^ 3000000000", WG_OP_POW_C, 3e9, 2 },   /* an integer that no int holds */
        { "x / 2", WG_OP_DIV, 0, 3 },                /* x / const, never x * 0.5 */
        { "2 / x", WG_OP_DIV, 0, 3 },
        { "2 - x", WG_OP_SUB, 0, 3 },
        { "2 ^ x", WG_OP_POW, 0, 3 },
        { "x ^ x", WG_OP_POW, 0, 2 },
        { "x * x", WG_OP_MUL, 0, 2 },
        { "4", WG_OP_CONST, 0, 2 },
        { "-4", WG_OP_CONST, 0, 2 },
        { "x", WG_OP_INPUT, 0, 1 },                  /* just a name: no node */
        { "(x)", WG_OP_INPUT, 0, 1 },
        { "-x", WG_OP_NEG, 0, 2 },
        { "2 + 3", WG_OP_ADD_C, 3, 3 },              /* const 2, then add_c */
        { "x * const(2)", WG_OP_MUL, 0, 3 },         /* const() opts out of the rules */
        { "add_c(x, -0.5)", WG_OP_ADD_C, -0.5, 2 },
        { "powi(x, -2)", WG_OP_POWI, -2, 2 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *names[] = { "x" };
        double x = 1, param;    /* 1: even x ^ 3e9 is finite */
        wg_parse_error e;
        wg_graph *g = wg_graph_parse_expr(cases[k].expr, 1, names, &x, &e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        wg_op op = last_op(g, &param);
        size_t n = wg_tape_size(wg_graph_tape(g));
        int ok = op == cases[k].op && n == cases[k].nodes;
        if (wg_op_kind_of(op) == WG_KIND_CONST || wg_op_kind_of(op) == WG_KIND_INT)
            ok = ok && param == cases[k].param;
        if (!ok)
            fprintf(stderr, "\n  '%s': op %s, %zu nodes\n", cases[k].expr, wg_op_name(op), n);
        CU_ASSERT(ok);
        wg_graph_free(g);
    }
}

/* x^2 as powi: differentiable at negative x, where pow(x, 2) is not */
static void square_at_negative_x(void)
{
    const char *names[] = { "x" };
    double x0 = -3, g;
    wg_graph *gr = wg_graph_parse_expr("x^2 + x^0.5^2", 1, names, &x0, NULL);
    CU_ASSERT_PTR_NULL(gr);                  /* 0.5^2 is a node: x^node is pow, needs x > 0 */
    gr = wg_graph_parse_expr("x^2", 1, names, &x0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gr);
    wg_tape *t = wg_graph_tape(gr);
    wg_var x = wg_graph_input(gr, 0);
    CU_ASSERT_EQUAL(wg_grad(t, wg_graph_output(gr, 0), 1, &x, &g), WG_OK);
    WG_ASSERT_ULPS(g, -6, 0);
    wg_graph_free(gr);
}

static void numbers(void)
{
    static const struct { const char *text; double value; } cases[] = {
        { "0x1.8p3", 12 }, { "0X10", 16 }, { "0x1p-2", 0.25 }, { "1e-3", 1e-3 },
        { ".5", 0.5 }, { "5.", 5 }, { "1E+2", 100 }, { "007", 7 },
        { "4.9406564584124654e-324", 4.9406564584124654e-324 },   /* least subnormal */
        { "1e-400", 0 },                                         /* underflows to zero */
        { "1.7976931348623157e308", 1.7976931348623157e308 },
        { "0.1", 0.1 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char text[128];
        snprintf(text, sizeof text, "input x = %s\noutput x\n", cases[k].text);
        wg_graph *g = read_text(text);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        CU_ASSERT(same_bits(out_value(g), cases[k].value));
        wg_graph_free(g);
    }
    /* signs: -0 keeps its sign, as an input value and as a const node */
    wg_graph *g = read_text("input x = -0\nz = -0\noutput x, z\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_tape *t = wg_graph_tape(g);
    CU_ASSERT(same_bits(wg_value(t, wg_graph_output(g, 0)), -0.0));
    CU_ASSERT(same_bits(wg_value(t, wg_graph_output(g, 1)), -0.0));
    CU_ASSERT_EQUAL(wg_node_op(t, 1), WG_OP_CONST);
    wg_graph_free(g);
    g = read_text("input x = +2.5\ninput y = -0x1p1\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(wg_node_value(wg_graph_tape(g), 0), 2.5);
    CU_ASSERT_EQUAL(wg_node_value(wg_graph_tape(g), 1), -2);
    wg_graph_free(g);
}

/* blank lines, comments, CRLF, no final line break, empty text */
static void layout(void)
{
    const char *lf = "# head\n\ninput x = 2   # two\n\n  y = x * x # square\noutput y\n";
    const char *crlf = "# head\r\n\r\ninput x = 2   # two\r\n\r\n  y = x * x # square\r\noutput y";
    wg_graph *a = read_text(lf), *b = read_text(crlf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(wg_tape_size(wg_graph_tape(a)), 2);
    CU_ASSERT_EQUAL(wg_tape_size(wg_graph_tape(b)), 2);
    CU_ASSERT_EQUAL(out_value(a), 4);
    CU_ASSERT_EQUAL(out_value(b), 4);
    wg_graph_free(a);
    wg_graph_free(b);

    static const char *const empty[] = { "", "\n\n", "# only a comment", "  \t\r\n# x\r\n",
                                         "\xEF\xBB\xBF# after a byte order mark\n" };
    for (size_t k = 0; k < sizeof empty / sizeof empty[0]; k++) {
        wg_graph *g = read_text(empty[k]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        CU_ASSERT_EQUAL(wg_tape_size(wg_graph_tape(g)), 0);
        CU_ASSERT_EQUAL(wg_graph_noutputs(g), 0);
        wg_graph_free(g);
    }
}

/* names: aliases, outputs of aliases, v<digits> as plain names */
static void names(void)
{
    wg_graph *g = read_text("input x = 3\na = x\nb = a\nv7 = sin(b)\nv1 = v7\n"
                            "output b, v1\noutput x\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_tape *t = wg_graph_tape(g);
    CU_ASSERT_EQUAL(wg_tape_size(t), 2);               /* aliases record nothing */
    CU_ASSERT_EQUAL(wg_graph_noutputs(g), 3);
    CU_ASSERT_STRING_EQUAL(wg_graph_output_name(g, 0), "b");
    CU_ASSERT_EQUAL(wg_var_index(t, wg_graph_output(g, 0)), 0);
    CU_ASSERT_STRING_EQUAL(wg_graph_output_name(g, 1), "v1");   /* v1 is node 1 */
    CU_ASSERT_EQUAL(wg_var_index(t, wg_graph_output(g, 1)), 1);
    CU_ASSERT_STRING_EQUAL(wg_graph_output_name(g, 2), "x");
    wg_graph_free(g);

    /* "inf" and "nan" are names when a file defines them */
    g = read_text("input inf = 1\nnan = inf + 1\noutput nan\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(out_value(g), 2);
    wg_graph_free(g);

    /* inputs may come after other statements: tape order is file order */
    g = read_text("input x = 1\ny = x + x\ninput z = 4\nw = y * z\noutput w\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(wg_node_op(wg_graph_tape(g), 2), WG_OP_INPUT);
    CU_ASSERT_EQUAL(out_value(g), 8);
    wg_graph_free(g);
}

static void expression_api(void)
{
    const char *names3[] = { "y", "f", "out", "out1" };
    const double vals[] = { 1, 2, 3, 4 };
    static const char *const want[] = { "f", "out", "out1", "out2" };
    for (size_t n = 1; n <= 4; n++) {
        wg_graph *g = wg_graph_parse_expr("y + 1", n, names3, vals, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        CU_ASSERT_STRING_EQUAL(wg_graph_output_name(g, 0), want[n - 1]);
        CU_ASSERT_EQUAL(wg_graph_ninputs(g), n);     /* unused names are inputs too */
        wg_graph_free(g);
    }
    /* inputs in the order of names[], whatever the expression's order */
    const char *names2[] = { "b", "a" };
    const double v2[] = { 10, 20 };
    wg_graph *g = wg_graph_parse_expr("a - b", 2, names2, v2, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_STRING_EQUAL(wg_graph_input_name(g, 0), "b");
    CU_ASSERT_EQUAL(wg_node_value(wg_graph_tape(g), 0), 10);
    CU_ASSERT_EQUAL(out_value(g), 10);
    wg_graph_free(g);
    /* no variables at all */
    g = wg_graph_parse_expr("2 * 3", 0, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(out_value(g), 6);
    wg_graph_free(g);

    /* bad arguments: WG_EINVAL, no place */
    static const struct {
        const char *name; double value; const char *msg;
    } bad[] = {
        { "sin", 1, "names[0] = 'sin' cannot name a variable" },
        { "v2", 1, "names[0] = 'v2' cannot name a variable: names v<digits> are reserved" },
        { "2x", 1, "names[0] = '2x' cannot name a variable" },
        { "input", 1, "names[0] = 'input' cannot name a variable" },
        { "x", INFINITY, "values[0] = inf (for 'x') is not finite" },
        { "x", NAN, "is not finite" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        wg_parse_error e;
        const char *nm[] = { bad[k].name };
        g = wg_graph_parse_expr("1", 1, nm, &bad[k].value, &e);
        CU_ASSERT_PTR_NULL(g);
        CU_ASSERT_EQUAL(e.status, WG_EINVAL);
        CU_ASSERT_EQUAL(e.line, 0);
        CU_ASSERT_STRING_EQUAL(e.file, "<expr>");
        CU_ASSERT_PTR_NOT_NULL(strstr(e.message, bad[k].msg));
        if (!strstr(e.message, bad[k].msg))
            fprintf(stderr, "\n  got: %s\n", e.message);
        wg_graph_free(g);
    }
    wg_parse_error e;
    const char *dup[] = { "x", "y", "x" };
    CU_ASSERT_PTR_NULL(wg_graph_parse_expr("x", 3, dup, vals, &e));
    CU_ASSERT_EQUAL(e.status, WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "names[2] = 'x' repeats names[0]"));
    const char *with_null[] = { "x", NULL };
    CU_ASSERT_PTR_NULL(wg_graph_parse_expr("x", 2, with_null, vals, &e));
    CU_ASSERT_EQUAL(e.status, WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "<expr>: error: names[1] is NULL"));
    /* a long list of variables is cut short in the message */
    static char many[60][40];
    const char *many_names[60];
    double many_values[60];
    for (int i = 0; i < 60; i++) {
        snprintf(many[i], sizeof many[i], "a_rather_long_variable_name_%d", i);
        many_names[i] = many[i];
        many_values[i] = i;
    }
    CU_ASSERT_PTR_NULL(wg_graph_parse_expr("a_rather_long_variable_name_1 + q", 60, many_names,
                                           many_values, &e));
    CU_ASSERT_EQUAL(e.status, WG_EPARSE);
    CU_ASSERT_EQUAL(e.column, 33);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "unknown variable 'q'; variables given: "
                                             "a_rather_long_variable_name_0, "));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "..."));
    CU_ASSERT_PTR_NULL(wg_graph_parse_expr(NULL, 0, NULL, NULL, &e));
    CU_ASSERT_EQUAL(e.status, WG_EINVAL);
    CU_ASSERT_PTR_NULL(wg_graph_parse_expr("x", 1, NULL, vals, &e));
    CU_ASSERT_EQUAL(e.status, WG_EINVAL);
    CU_ASSERT_PTR_NULL(wg_graph_read_string(NULL, NULL, &e));
    CU_ASSERT_EQUAL(e.status, WG_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.file, "<string>");
    CU_ASSERT_PTR_NULL(wg_graph_read_file(NULL, &e));
    CU_ASSERT_EQUAL(e.status, WG_EINVAL);
}

/* Every op of the table is callable by its name, with the arguments its
 * kind takes: built from the table, so a new row is tested too. */
static void every_op_by_name(void)
{
    for (int k = 0; k < WG_OP_COUNT; k++) {
        wg_op op = (wg_op)k;
        const char *name = wg_op_name(op);
        char text[256];
        switch (wg_op_kind_of(op)) {
        case WG_KIND_LEAF:
            if (op != WG_OP_CONST)
                continue;
            snprintf(text, sizeof text, "input a = 0.5\ny = %s(0.25)\noutput y\n", name);
            break;
        case WG_KIND_UNARY:
            snprintf(text, sizeof text, "input a = 0.5\ny = %s(a)\noutput y\n", name);
            break;
        case WG_KIND_BINARY:
        case WG_KIND_CMP:
            snprintf(text, sizeof text, "input a = 0.5\ninput b = 0.25\ny = %s(a, b)\n"
                     "output y\n", name);
            break;
        case WG_KIND_CONST:
        case WG_KIND_INT:
            snprintf(text, sizeof text, "input a = 0.5\ny = %s(a, 3)\noutput y\n", name);
            break;
        case WG_KIND_TUNARY:
        case WG_KIND_TBINARY:
            continue;           /* keyword calls: tests/test_wgtensor.c */
        case WG_KIND_CUSTOM:
            continue;           /* by their registered names: tests/test_custom.c */
        }
        wg_graph *g = read_text(text);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        double param;
        CU_ASSERT_EQUAL(last_op(g, &param), op);
        if (wg_op_kind_of(op) == WG_KIND_CONST || wg_op_kind_of(op) == WG_KIND_INT)
            CU_ASSERT_EQUAL(param, 3);
        wg_graph_free(g);
    }
}

/* tests/data/every_op.wg uses every scalar op (the tensor ops have
 * tests/data/every_tensor_op.wg); its value is the C API's, bit for bit */
static void every_op_file(void)
{
    char path[4096];
    wg_parse_error e;
    wg_graph *g = wg_graph_read_file(data_path("every_op.wg", path, sizeof path), &e);
    if (!g)
        fprintf(stderr, "\n  %s\n", e.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_tape *t = wg_graph_tape(g);
    for (int k = 0; k < WG_OP_COUNT; k++) {
        wg_op_kind kind = wg_op_kind_of((wg_op)k);
        if (kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY || kind == WG_KIND_CUSTOM)
            continue;           /* custom ops are the program's: tests/test_custom.c */
        int seen = 0;
        for (size_t i = 0; i < wg_tape_size(t) && !seen; i++)
            seen = wg_node_op(t, i) == (wg_op)k;
        if (!seen)
            fprintf(stderr, "\n  every_op.wg lacks op '%s'\n", wg_op_name((wg_op)k));
        CU_ASSERT(seen);
    }

    /* the same, through the C API: one call per statement, since C leaves
     * the order of two recording calls in one argument list open */
    wg_tape *c = wg_tape_new();
    wg_var a = wg_input(c, 0.5), b = wg_input(c, 0.25), cc = wg_input(c, 2);
    wg_var k = wg_const(c, 1.5), r, s;
    wg_var sum[9];
    r = wg_add(c, a, b);
    r = wg_add(c, r, wg_sub(c, a, b));
    r = wg_add(c, r, wg_mul(c, a, cc));
    sum[0] = wg_add(c, r, wg_div(c, a, cc));
    r = wg_pow(c, cc, a);
    r = wg_add(c, r, wg_atan2(c, a, b));
    r = wg_add(c, r, wg_min(c, a, b));
    r = wg_add(c, r, wg_max(c, a, b));
    sum[1] = wg_add(c, r, wg_hypot(c, a, b));
    r = wg_neg(c, a);
    r = wg_add(c, r, wg_exp(c, a));
    r = wg_add(c, r, wg_log(c, cc));
    r = wg_add(c, r, wg_log1p(c, a));
    r = wg_add(c, r, wg_expm1(c, a));
    r = wg_add(c, r, wg_sqrt(c, cc));
    sum[2] = wg_add(c, r, wg_cbrt(c, cc));
    r = wg_sin(c, a);
    r = wg_add(c, r, wg_cos(c, a));
    r = wg_add(c, r, wg_tan(c, a));
    r = wg_add(c, r, wg_asin(c, a));
    r = wg_add(c, r, wg_acos(c, a));
    sum[3] = wg_add(c, r, wg_atan(c, a));
    r = wg_sinh(c, a);
    r = wg_add(c, r, wg_cosh(c, a));
    r = wg_add(c, r, wg_tanh(c, a));
    r = wg_add(c, r, wg_sigmoid(c, a));
    r = wg_add(c, r, wg_softplus(c, a));
    r = wg_add(c, r, wg_relu(c, a));
    sum[4] = wg_add(c, r, wg_abs(c, b));
    r = wg_erf(c, a);
    r = wg_add(c, r, wg_square(c, cc));
    r = wg_add(c, r, wg_recip(c, cc));
    r = wg_add(c, r, wg_stop_gradient(c, b));
    r = wg_add(c, r, wg_step(c, a));
    sum[5] = wg_add(c, r, wg_sign(c, b));
    r = wg_add_c(c, a, 3);
    r = wg_mul(c, r, wg_mul_c(c, b, -2));
    r = wg_add(c, r, wg_pow_c(c, cc, 0.5));
    sum[6] = wg_add(c, r, wg_powi(c, a, 3));
    static const wg_op cmp[] = { WG_OP_LT, WG_OP_LE, WG_OP_GT, WG_OP_GE, WG_OP_EQ, WG_OP_NE };
    r = wg_apply(c, cmp[0], a, b, 0);
    for (int j = 1; j < 6; j++)
        r = wg_add(c, r, wg_apply(c, cmp[j], a, b, 0));
    sum[7] = r;
    /* -a + b - c * a / b ^ c + c ^ 2 - 1 */
    r = wg_add(c, wg_neg(c, a), b);
    s = wg_mul(c, cc, a);
    s = wg_div(c, s, wg_pow(c, b, cc));
    r = wg_sub(c, r, s);
    r = wg_add(c, r, wg_powi(c, cc, 2));
    sum[8] = wg_add_c(c, r, -1);
    wg_var y = sum[0];
    for (int j = 1; j < 7; j++)
        y = wg_add(c, y, sum[j]);
    y = wg_add(c, y, wg_mul(c, sum[7], k));
    y = wg_add(c, y, sum[8]);
    CU_ASSERT_EQUAL_FATAL(wg_status(c), WG_OK);
    CU_ASSERT_EQUAL(wg_tape_size(c), wg_tape_size(t));
    CU_ASSERT(same_bits(out_value(g), wg_value(c, y)));
    for (size_t i = 0; i < wg_tape_size(c) && i < wg_tape_size(t); i++) {
        CU_ASSERT_EQUAL(wg_node_op(t, i), wg_node_op(c, i));
        CU_ASSERT(same_bits(wg_node_value(t, i), wg_node_value(c, i)));
    }
    wg_tape_free(c);
    wg_graph_free(g);
}

static void multi_output_file(void)
{
    char path[4096];
    wg_graph *g = wg_graph_read_file(data_path("multi_output.wg", path, sizeof path), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL_FATAL(wg_graph_noutputs(g), 3);
    CU_ASSERT_STRING_EQUAL(wg_graph_output_name(g, 0), "x");
    CU_ASSERT_STRING_EQUAL(wg_graph_output_name(g, 1), "y");
    CU_ASSERT_STRING_EQUAL(wg_graph_output_name(g, 2), "r");
    wg_tape *t = wg_graph_tape(g);
    wg_var y[2] = { wg_graph_output(g, 0), wg_graph_output(g, 1) };
    wg_var x[2] = { wg_graph_input(g, 0), wg_graph_input(g, 1) };
    double J[4], r = 2, th = 0.5;
    CU_ASSERT_EQUAL(wg_jacobian(t, 2, y, 2, x, J), WG_OK);
    WG_ASSERT_ULPS(J[0], cos(th), 0);
    WG_ASSERT_ULPS(J[1], -r * sin(th), 0);
    WG_ASSERT_ULPS(J[2], sin(th), 0);
    WG_ASSERT_ULPS(J[3], r * cos(th), 0);
    CU_ASSERT_EQUAL(wg_var_index(t, wg_graph_output(g, 2)), 0);
    wg_graph_free(g);
}

/* ---------------------------------------------------------------- errors */

/* The catalogue: malformed text, the status, place and message it gets.
 * len > 0 gives text with NUL bytes (read from a file only). */
typedef struct bad_case {
    const char *text;
    size_t len;
    int status, line, column;
    const char *msg;
} bad_case;

#define WITH_NUL(s) s, sizeof(s) - 1

static const bad_case catalogue[] = {
    /* statements */
    { "= 3\n", 0, WG_EPARSE, 1, 1, "expected a statement ('input NAME = NUMBER', 'output NAME' "
      "or 'NAME = EXPRESSION'), found '='" },
    { "3 = x\n", 0, WG_EPARSE, 1, 1, "expected a statement" },
    { "input x = 1\ny x\n", 0, WG_EPARSE, 2, 3, "expected '=' after 'y', found 'x'" },
    { "input x = 1\ny = x x\n", 0, WG_EPARSE, 2, 7,
      "expected an operator or end of line, found 'x'" },
    { "input x = 1\ny = x + 1)\n", 0, WG_EPARSE, 2, 10, "found ')' with no '(' to close" },
    { "input x = 1\ny = x $ 2\n", 0, WG_EPARSE, 2, 7,
      "expected an operator or end of line, found '$'" },
    /* '@' is matmul, whose scalar operands do not fit: the library's message */
    { "input x = 1\ny = x @ 2\n", 0, WG_ESHAPE, 2, 7, "node 2 (matmul): " },
    { "input x = 1\ny = x; z = x\n", 0, WG_EPARSE, 2, 6, "found ';'" },
    /* input lines */
    { "input = 3\n", 0, WG_EPARSE, 1, 7,
      "expected the name of the input after 'input', found '='" },
    { "input x\n", 0, WG_EPARSE, 1, 8, "expected '=' after input 'x', found end of line" },
    { "input x = y\n", 0, WG_EPARSE, 1, 11,
      "expected a number as the value of input 'x', found 'y'" },
    { "input x = 1 2\n", 0, WG_EPARSE, 1, 13,
      "expected end of line after the value of the input, found '2'" },
    { "input x = 1 + 2\n", 0, WG_EPARSE, 1, 13, "found '+'" },
    { "input x = inf\n", 0, WG_EPARSE, 1, 11,
      "expected a finite number as the value of input 'x', found 'inf': tapes hold finite "
      "values only" },
    { "input x = -NaN\n", 0, WG_EPARSE, 1, 12, "tapes hold finite values only" },
    /* names */
    { "input sin = 1\n", 0, WG_EPARSE, 1, 7, "'sin' cannot name a variable: it is an op name" },
    { "input output = 1\n", 0, WG_EPARSE, 1, 7,
      "'output' cannot name a variable: it is a keyword" },
    { "input v3 = 1\n", 0, WG_EPARSE, 1, 7, "'v3' cannot name an input: names v<digits> are "
      "reserved" },
    { "input x = 1\nlog = x\n", 0, WG_EPARSE, 2, 1, "'log' cannot name a variable: it is an op" },
    { "input x = 1\ninput x = 2\n", 0, WG_EPARSE, 2, 7,
      "'x' is defined twice: at line 1 and at line 2" },
    { "input x = 1\n\ny = x\n# again\ny = x + 1\n", 0, WG_EPARSE, 5, 1,
      "'y' is defined twice: at line 3 and at line 5" },
    { "input x = 1\ny = z * 2\n", 0, WG_EPARSE, 2, 5, "undefined name 'z'" },
    { "input x = 1\ny = y + 1\n", 0, WG_EPARSE, 2, 5, "undefined name 'y'" },
    { "input x = 1\ny = x + nan\n", 0, WG_EPARSE, 2, 9,
      "'nan' is not a number here: tapes hold finite values only" },
    /* outputs */
    { "input x = 1\noutput\n", 0, WG_EPARSE, 2, 7,
      "expected the name of an output after 'output', found end of line" },
    { "input x = 1\noutput x,\n", 0, WG_EPARSE, 2, 10,
      "expected the name of an output after ',', found end of line" },
    { "input x = 1\noutput x y\n", 0, WG_EPARSE, 2, 10,
      "expected ',' or end of line after the output's name, found 'y'" },
    { "input x = 1\noutput z\n", 0, WG_EPARSE, 2, 8, "undefined name 'z' in 'output'" },
    { "input x = 1\noutput x\noutput x\n", 0, WG_EPARSE, 3, 8,
      "'x' is an output twice: at line 2 and at line 3" },
    { "input x = 1\nv0 = sin(x)\noutput v0\n", 0, WG_EPARSE, 3, 8,
      "'v0' cannot be an output: it names node 1" },
    /* expressions */
    { "input x = 1\ny = \n", 0, WG_EPARSE, 2, 5,
      "expected an operand after '=', found end of line" },
    { "input x = 1\ny = x +\n", 0, WG_EPARSE, 2, 8,
      "expected an operand after '+', found end of line" },
    { "input x = 1\ny = x ^ * 2\n", 0, WG_EPARSE, 2, 9,
      "expected an operand after '^', found '*'" },
    { "input x = 1\ny = (x + 1\n", 0, WG_EPARSE, 2, 11,
      "expected ')' to close the '(' at 2:5, found end of line" },
    { "input x = 1\ny = ()\n", 0, WG_EPARSE, 2, 6, "expected an operand after '(', found ')'" },
    { "input x = 1\ny = sin\n", 0, WG_EPARSE, 2, 8,
      "expected '(' after the op name 'sin', found end of line; usage: sin(a)" },
    { "input x = 1\ny = foo(x)\n", 0, WG_EPARSE, 2, 5, "unknown function 'foo'" },
    { "input x = 1\ny = x(2)\n", 0, WG_EPARSE, 2, 5, "'x' is a variable, not a function" },
    { "input x = 1\ny = input(3)\n", 0, WG_EPARSE, 2, 5, "'input' cannot be called" },
    /* calls: arity and constant arguments */
    { "input x = 1\ny = atan2(x, 2;\n", 0, WG_EPARSE, 2, 15,
      "expected ')' after the arguments of 'atan2', found ';'" },
    { "input x = 1\ny = atan2(x)\n", 0, WG_EPARSE, 2, 12,
      "expected ',' and argument 2 of 'atan2', found ')'; usage: atan2(a, b)" },
    { "input x = 1\ny = sin(x, x)\n", 0, WG_EPARSE, 2, 10,
      "expected ')' after the argument of 'sin', found ','; 'sin' takes 1: sin(a)" },
    { "input x = 1\ny = min(x, x, x)\n", 0, WG_EPARSE, 2, 13,
      "expected ')' after the arguments of 'min', found ','" },
    { "input x = 1\ny = sin()\n", 0, WG_EPARSE, 2, 9, "expected argument 1 of 'sin', found ')'" },
    { "input x = 1\ny = hypot(, x)\n", 0, WG_EPARSE, 2, 11,
      "expected argument 1 of 'hypot', found ','" },
    { "input x = 1\ny = add_c(x, x)\n", 0, WG_EPARSE, 2, 14,
      "expected a number as argument 2 of 'add_c', found 'x'; usage: add_c(a, c) with c a number" },
    { "input x = 1\ny = mul_c(x, 2 * x)\n", 0, WG_EPARSE, 2, 14,
      "expected a number as argument 2 of 'mul_c', found '2 * x'" },
    { "input x = 1\ny = powi(x, 2.5)\n", 0, WG_EPARSE, 2, 13,
      "expected an integer from -2147483648 to 2147483647 as argument 2 of 'powi', found '2.5'" },
    { "input x = 1\ny = powi(x, 1e10)\n", 0, WG_EPARSE, 2, 13, "found '1e10'" },
    { "input x = 1\ny = const(x)\n", 0, WG_EPARSE, 2, 11,
      "expected a number as argument 1 of 'const', found 'x'" },
    /* numbers and bytes */
    { "input x = 1.2.3\n", 0, WG_EPARSE, 1, 11, "malformed number '1.2.3'" },
    { "input x = 0x1p\n", 0, WG_EPARSE, 1, 11, "malformed number '0x1p'" },
    { "input x = 1\ny = 3x\n", 0, WG_EPARSE, 2, 5, "malformed number '3x'" },
    { "input x = 1e999\n", 0, WG_EPARSE, 1, 11,
      "number '1e999' is too large for a double (tapes hold finite values only)" },
    { "input x = 1\ny = x * 1e99999999999999999999\n", 0, WG_EPARSE, 2, 9,
      "is too large for a double" },
    { "input x = 1\ny = x\r2\n", 0, WG_EPARSE, 2, 6,
      "found a carriage return not followed by a line feed" },
    { WITH_NUL("input x = 1\ny = x\0 + 1\n"), WG_EPARSE, 2, 6, "found a NUL byte" },
    { WITH_NUL("\0"), WG_EPARSE, 1, 1, "found a NUL byte" },
    { WITH_NUL("# a NUL in a comment is comment text: \0\ny = 1\0\n"), WG_EPARSE, 2, 6,
      "found a NUL byte" },
    { "\xff\xfe\x01", 0, WG_EPARSE, 1, 1, "found byte 0xff (outside comments the text is ASCII)" },
    { "input x = 1\ny = x \x07 1\n", 0, WG_EPARSE, 2, 7, "found control byte 0x07" },
    /* recording: the tape's status and message at the call */
    { "input x = -1\ny = log(x)\n", 0, WG_EDOM, 2, 5, "node 1 (log): argument -1: argument must "
      "be > 0" },
    { "input x = 0\ny = 2 + 1 / x\n", 0, WG_EDOM, 2, 11, "division by zero" },
    { "input x = 0\ny = x ^ -1\n", 0, WG_EDOM, 2, 7, "zero base needs a non-negative exponent" },
    { "input x = -8\ny = x ^ 0.5\n", 0, WG_EDOM, 2, 7, "negative base needs an integral exponent" },
    { "input x = 2\ny = asin(x) + 1\n", 0, WG_EDOM, 2, 5, "argument must lie in [-1, 1]" },
    { "input x = 1000\ny = exp(x)\n", 0, WG_ERANGE, 2, 5, "result inf is not finite" },
    { "input x = 1e300\ny = x * x\n", 0, WG_ERANGE, 2, 7, "not finite" },
};

/* run one entry through read_string (no NUL inside) and through a file */
static void check_bad(const bad_case *c, size_t k)
{
    size_t len = c->len ? c->len : strlen(c->text);
    for (int via_file = 0; via_file < 2; via_file++) {
        wg_parse_error e;
        wg_graph *g;
        char path[64];
        snprintf(path, sizeof path, "wgread_bad_%zu.wg", k);
        if (!via_file) {
            if (c->len)
                continue;
            g = wg_graph_read_string(c->text, path, &e);
        } else {
            FILE *f = fopen(path, "wb");
            CU_ASSERT_PTR_NOT_NULL_FATAL(f);
            CU_ASSERT_EQUAL(fwrite(c->text, 1, len, f), len);
            fclose(f);
            g = wg_graph_read_file(path, &e);
            remove(path);
        }
        char prefix[128];
        snprintf(prefix, sizeof prefix, "%s:%d:%d: error: ", path, c->line, c->column);
        int ok = !g && e.status == c->status && e.line == c->line && e.column == c->column
                 && strncmp(e.message, prefix, strlen(prefix)) == 0
                 && strstr(e.message, c->msg) != NULL && strcmp(e.file, path) == 0;
        if (!ok)
            fprintf(stderr, "\n  catalogue[%zu]%s: status %d (want %d), %d:%d (want %d:%d)\n"
                    "    got  %s\n    want %s%s\n", k, via_file ? " from a file" : "", e.status,
                    c->status, e.line, e.column, c->line, c->column, e.message, prefix, c->msg);
        CU_ASSERT(ok);
        wg_graph_free(g);
    }
}

static void malformed_catalogue(void)
{
    size_t n = sizeof catalogue / sizeof catalogue[0];
    CU_ASSERT(n >= 30);
    for (size_t k = 0; k < n; k++)
        check_bad(&catalogue[k], k);
}

static void malformed_expressions(void)
{
    static const struct {
        const char *expr; int line, column; const char *msg;
    } cases[] = {
        { "log(x1) + x1*x3", 1, 14, "<expr>:1:14: error: unknown variable 'x3'; variables "
          "given: x1, x2" },
        { "x1 +", 1, 5, "expected an operand after '+', found end of expression" },
        { "", 1, 1, "expected an expression, found end of expression" },
        { "x1 x2", 1, 4, "expected an operator or the end of the expression, found 'x2'" },
        { "x1 = 2", 1, 4, "found '='" },
        { "inf * x1", 1, 1, "'inf' is not a number here" },
        { "x1 +\n\n  (x2", 3, 6, "expected ')' to close the '(' at 3:3, found end of expression" },
        { "sin(x1", 1, 7, "expected ')' after the argument of 'sin', found end of expression" },
    };
    const char *names[] = { "x1", "x2" };
    const double values[] = { 1, 2 };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        wg_parse_error e;
        wg_graph *g = wg_graph_parse_expr(cases[k].expr, 2, names, values, &e);
        int ok = !g && e.status == WG_EPARSE && e.line == cases[k].line
                 && e.column == cases[k].column && strstr(e.message, cases[k].msg)
                 && strcmp(e.file, "<expr>") == 0;
        if (!ok)
            fprintf(stderr, "\n  '%s': %d:%d %s\n", cases[k].expr, e.line, e.column, e.message);
        CU_ASSERT(ok);
        wg_graph_free(g);
    }
    wg_parse_error e;
    CU_ASSERT_PTR_NULL(wg_graph_parse_expr("q", 0, NULL, NULL, &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "unknown variable 'q'; no variables given"));
    double x = -1;
    const char *xn[] = { "x" };
    CU_ASSERT_PTR_NULL(wg_graph_parse_expr("1 + sqrt(x)", 1, xn, &x, &e));
    CU_ASSERT_EQUAL(e.status, WG_EDOM);
    CU_ASSERT_EQUAL(e.column, 5);
}

static void missing_file(void)
{
    wg_parse_error e;
    const char *path = "no/such/dir/graph.wg";
    CU_ASSERT_PTR_NULL(wg_graph_read_file(path, &e));
    CU_ASSERT_EQUAL(e.status, WG_EIO);
    CU_ASSERT_EQUAL(e.line, 0);
    CU_ASSERT_STRING_EQUAL(e.file, path);
    char want[256];
    snprintf(want, sizeof want, "no/such/dir/graph.wg: error: cannot open: %s", strerror(ENOENT));
    CU_ASSERT_STRING_EQUAL(e.message, want);
    CU_ASSERT_PTR_NULL(wg_graph_read_file(".", &e));   /* a directory */
    CU_ASSERT_EQUAL(e.status, WG_EIO);
    CU_ASSERT_PTR_NULL(wg_graph_read_file(path, NULL));  /* err may be NULL */
}

/* the message contains every one of the given pieces */
static int says(const char *msg, const char *a, const char *b, const char *c)
{
    int ok = msg && strstr(msg, a) && (!b || strstr(msg, b)) && (!c || strstr(msg, c));
    if (!ok)
        fprintf(stderr, "\n  message \"%s\" lacks \"%s\"%s%s%s%s\n", msg ? msg : "(null)", a,
                b ? " / \"" : "", b ? b : "", c ? "\" / \"" : "", c ? c : "");
    return ok;
}

/* Only regular files are read, and at most wg_read_limit() bytes: a FIFO
 * with no writer, /dev/zero and a symlink to it are refused before a byte
 * is read (an alarm turns a hang into a failure instead of a stuck run),
 * and a file over WG_MAX_FILE_BYTES is refused from its size. */
static void files_that_are_not_regular(void)
{
    char dir[] = "/tmp/wg-read-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char fifo[64], link[64], big[64];
    snprintf(fifo, sizeof fifo, "%s/fifo.wg", dir);
    snprintf(link, sizeof link, "%s/zero.wg", dir);
    snprintf(big, sizeof big, "%s/big.wg", dir);
    CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
    CU_ASSERT_EQUAL_FATAL(symlink("/dev/zero", link), 0);
    alarm(20);
    const char *paths[] = { "/dev/zero", fifo, link };
    const char *kinds[] = { "a character device", "a FIFO", "a character device" };
    for (int k = 0; k < 3; k++) {
        wg_parse_error e;
        CU_ASSERT_PTR_NULL(wg_graph_read_file(paths[k], &e));
        CU_ASSERT_EQUAL(e.status, WG_EIO);
        CU_ASSERT(says(e.message, paths[k], "not a regular file", kinds[k]));
    }
    wg_parse_error e;
    CU_ASSERT_PTR_NULL(wg_graph_read_file(dir, &e));
    CU_ASSERT(says(e.message, dir, "not a regular file (a directory)", NULL));
    alarm(0);

    FILE *f = fopen(big, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("input x = 1\ny = sin(x)\noutput y\n", f);        /* 32 bytes */
    fclose(f);
    const char *old = getenv("WG_MAX_FILE_BYTES");
    char *saved = old ? strdup(old) : NULL;
    setenv("WG_MAX_FILE_BYTES", "31", 1);
    CU_ASSERT_EQUAL(wg_read_limit(), 31);
    CU_ASSERT_PTR_NULL(wg_graph_read_file(big, &e));
    CU_ASSERT_EQUAL(e.status, WG_ELIMIT);
    CU_ASSERT(says(e.message, big, "larger than the limit of 31 bytes", "WG_MAX_FILE_BYTES"));
    setenv("WG_MAX_FILE_BYTES", "32", 1);
    wg_graph *g = wg_graph_read_file(big, &e);
    CU_ASSERT_PTR_NOT_NULL(g);
    wg_graph_free(g);
    setenv("WG_MAX_FILE_BYTES", "lots", 1);     /* not a number: the default */
    CU_ASSERT_EQUAL(wg_read_limit(), WG_MAX_FILE_BYTES_DEFAULT);
    if (saved)
        setenv("WG_MAX_FILE_BYTES", saved, 1);
    else
        unsetenv("WG_MAX_FILE_BYTES");
    free(saved);
    unlink(fifo);
    unlink(link);
    unlink(big);
    rmdir(dir);
}

/* nesting: deep is fine, too deep is an error, never a stack overflow */
static void deep_nesting(void)
{
    size_t depth[] = { 10, 999, 1000, 100000 };
    for (size_t k = 0; k < 4; k++) {
        size_t d = depth[k];
        char *text = malloc(2 * d + 64);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        size_t o = (size_t)sprintf(text, "input x = 1\ny = ");
        memset(text + o, '(', d);
        o += d;
        text[o++] = 'x';
        memset(text + o, ')', d);
        o += d;
        strcpy(text + o, "\noutput y\n");
        wg_parse_error e;
        wg_graph *g = wg_graph_read_string(text, "deep.wg", &e);
        if (d <= 999) {
            CU_ASSERT_PTR_NOT_NULL(g);
            CU_ASSERT_EQUAL(wg_tape_size(wg_graph_tape(g)), 1);
        } else {
            CU_ASSERT_PTR_NULL(g);
            CU_ASSERT_EQUAL(e.status, WG_EPARSE);
            CU_ASSERT_EQUAL(e.line, 2);
            CU_ASSERT_EQUAL(e.column, 5 + 1000);    /* the 1001st level */
            CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "nested more than 1000 levels deep"));
        }
        wg_graph_free(g);
        free(text);
    }
    /* long chains of signs and powers nest too */
    char *text = malloc(300000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    strcpy(text, "input x = 1\ny = ");
    size_t o = strlen(text);
    for (int i = 0; i < 100000; i++)
        text[o++] = '-';
    strcpy(text + o, "x\n");
    CU_ASSERT_PTR_NULL(wg_graph_read_string(text, "signs.wg", NULL));
    strcpy(text, "input x = 1\ny = x");
    o = strlen(text);
    for (int i = 0; i < 50000; i++) {
        text[o++] = '^';
        text[o++] = 'x';
    }
    text[o] = '\0';
    wg_parse_error e;
    CU_ASSERT_PTR_NULL(wg_graph_read_string(text, "powers.wg", &e));
    CU_ASSERT_EQUAL(e.status, WG_EPARSE);
    free(text);
}

/* no line-length limit: a long sum and a long name */
static void long_lines(void)
{
    size_t terms = 200000, namelen = 100000;
    char *text = malloc(terms * 4 + 2 * namelen + 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    size_t o = (size_t)sprintf(text, "input x = 1\ny = x");
    for (size_t i = 1; i < terms; i++)
        o += (size_t)sprintf(text + o, " + x");
    o += (size_t)sprintf(text + o, "\ninput ");
    memset(text + o, 'n', namelen);
    o += namelen;
    o += (size_t)sprintf(text + o, " = 2\noutput y");
    wg_graph *g = read_text(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(out_value(g), (double)terms);
    CU_ASSERT_EQUAL(strlen(wg_graph_input_name(g, 1)), namelen);
    wg_graph_free(g);
    /* an error far along a long line gives the column, and a bounded message */
    strcpy(text + o, " z");
    wg_parse_error e;
    CU_ASSERT_PTR_NULL(wg_graph_read_string(text, "long.wg", &e));
    CU_ASSERT_EQUAL(e.line, 4);
    CU_ASSERT_EQUAL(e.column, 10);
    CU_ASSERT(strlen(e.message) < sizeof e.message);
    free(text);
}

/* deterministic generator for the garbage tests */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

/* Garbage, truncations and mutations of valid text: a graph or an error
 * with a place, never both, never a crash (the sanitizers watch). */
static void garbage(void)
{
    char path[4096];
    FILE *f = fopen(data_path("every_op.wg", path, sizeof path), "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char good[8192];
    size_t n = fread(good, 1, sizeof good - 1, f);
    fclose(f);
    good[n] = '\0';
    char buf[8192];
    size_t parsed = 0;
    for (size_t cut = 0; cut <= n; cut++) {       /* every prefix */
        memcpy(buf, good, cut);
        buf[cut] = '\0';
        wg_parse_error e;
        wg_graph *g = wg_graph_read_string(buf, "cut.wg", &e);
        CU_ASSERT((g != NULL) == (e.status == WG_OK));
        CU_ASSERT(g || (e.line >= 1 && e.column >= 1));
        parsed += g != NULL;
        wg_graph_free(g);
    }
    CU_ASSERT(parsed > 10);
    for (int k = 0; k < 3000; k++) {              /* a few bytes changed */
        memcpy(buf, good, n + 1);
        int flips = 1 + (int)(rng() % 4);
        for (int j = 0; j < flips; j++) {
            static const char pool[] = "()+-*/^,=#\n.e0x1 aAv_;";
            size_t at = (size_t)(rng() % n);
            buf[at] = (rng() & 1) ? pool[rng() % (sizeof pool - 1)] : (char)(1 + rng() % 255);
        }
        wg_parse_error e;
        wg_graph *g = wg_graph_read_string(buf, "mut.wg", &e);
        CU_ASSERT((g != NULL) == (e.status == WG_OK));
        CU_ASSERT(g || e.line >= 1);
        wg_graph_free(g);
    }
    for (int k = 0; k < 500; k++) {               /* random bytes, NULs included */
        size_t len = (size_t)(rng() % 300);
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)(rng() & 0xff);
        f = fopen("wgread_garbage.wg", "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fwrite(buf, 1, len, f);
        fclose(f);
        wg_parse_error e;
        wg_graph *g = wg_graph_read_file("wgread_garbage.wg", &e);
        CU_ASSERT((g != NULL) == (e.status == WG_OK));
        wg_graph_free(g);
    }
    remove("wgread_garbage.wg");
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "DESIGN example from tests/data/seed.wg", seed_example_file },
        { "DESIGN example as an expression", seed_example_expr },
        { "precedence and associativity", precedence },
        { "pi, e, **, ln, log2 and log10", constants_and_spellings },
        { "literal rules", literal_rules },
        { "x^2 is powi: differentiable at x < 0", square_at_negative_x },
        { "numbers: hex, exponents, subnormals, -0", numbers },
        { "blank lines, comments, CRLF, empty text", layout },
        { "names, aliases, outputs", names },
        { "wg_graph_parse_expr: names, output name, bad arguments", expression_api },
        { "every op of the table by its name", every_op_by_name },
        { "tests/data/every_op.wg", every_op_file },
        { "tests/data/multi_output.wg", multi_output_file },
        { "catalogue of malformed text", malformed_catalogue },
        { "malformed expressions", malformed_expressions },
        { "missing file, directory", missing_file },
        { "FIFO, /dev/zero, a symlink to it, a file over the limit", files_that_are_not_regular },
        { "deep nesting", deep_nesting },
        { "long lines and names", long_lines },
        { "garbage, truncations, mutations", garbage },
        { NULL, NULL }
    };
    return wg_test_main("wgread", cases);
}
