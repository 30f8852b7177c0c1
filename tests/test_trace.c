/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_trace.c -- the evaluation-trace tables and the DOT export: the rows
 * and figures of the seed example, every op's rule against the tape's own
 * sweeps, error statuses, and the shape of the DOT text. */
#define _POSIX_C_SOURCE 200809L

#include "test_util.h"
#include "wengert.h"

#include <stdlib.h>

/* ---------------------------------------------------------------- helpers */

enum { PRIMAL, TANGENT, ADJOINT, DOT, DOT_VALUES };

typedef struct {
    char *text;
    int status;
} capture;

/* run one table (or the DOT writer) into memory */
static capture run(wg_graph *g, int what, const double *u, size_t out_index)
{
    capture c = { NULL, -1 };
    size_t len = 0;
    FILE *f = open_memstream(&c.text, &len);
    if (!f)
        return c;
    switch (what) {
    case PRIMAL:     c.status = wg_trace_primal(g, f); break;
    case TANGENT:    c.status = wg_trace_tangent(g, u, f); break;
    case ADJOINT:    c.status = wg_trace_adjoint(g, out_index, f); break;
    case DOT:        c.status = wg_graph_write_dot(g, 0, f); break;
    case DOT_VALUES: c.status = wg_graph_write_dot(g, WG_DOT_VALUES, f); break;
    }
    fclose(f);
    return c;
}

/* The row of a table whose first column is `name`, as a new string (or
 * NULL); *line gets its 0-based line number in the text. */
static char *row(const char *text, const char *name, int *line)
{
    size_t n = strlen(name);
    int ln = 0;
    for (const char *p = text; p && *p; ln++) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (ln >= 3 && len > n && strncmp(p, name, n) == 0 && p[n] == ' ') {
            char *r = malloc(len + 1);
            memcpy(r, p, len);
            r[len] = '\0';
            if (line)
                *line = ln;
            return r;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

/* the number in the last column of a row */
static double last_number(const char *r)
{
    const char *sp = strrchr(r, ' ');
    return strtod(sp ? sp + 1 : r, NULL);
}

/* Assert that the row `name` exists, contains each of the strings in want
 * (NULL-terminated), and ends with a number within table precision (%.6g)
 * of `value`. */
static void check_row(const char *text, const char *name, const char *const *want,
                      double value)
{
    char *r = row(text, name, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    for (; want && *want; want++) {
        int found = strstr(r, *want) != NULL;
        if (!found)
            fprintf(stderr, "\n  row '%s' lacks '%s'\n", r, *want);
        CU_ASSERT(found);
    }
    WG_ASSERT_CLOSE(last_number(r), value, 5e-6, 1e-300);
    free(r);
}

/* the seed example y = x1 x2 + x2 - ln(x1) at (3, -4), recorded in the
 * order of its table: v2 = x1 x2, v3 = ln x1, v4 = v2 + x2, v5 = v4 - v3 */
static wg_graph *seed_graph(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    wg_var x1 = wg_graph_add_input(g, "x1", 3), x2 = wg_graph_add_input(g, "x2", -4);
    wg_var v2 = wg_mul(t, x1, x2);
    wg_var v3 = wg_log(t, x1);
    wg_var v4 = wg_add(t, v2, x2);
    wg_var v5 = wg_sub(t, v4, v3);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "y", v5), WG_OK);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    return g;
}

/* ---------------------------------------------------------------- seed tables */

static void primal_seed(void)
{
    wg_graph *g = seed_graph();
    capture c = run(g, PRIMAL, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    CU_ASSERT(strncmp(c.text, "Forward primal trace", 20) == 0);
    check_row(c.text, "x1", (const char *const[]){ "x1 = input", NULL }, 3);
    check_row(c.text, "x2", (const char *const[]){ "x2 = input", NULL }, -4);
    check_row(c.text, "v2", (const char *const[]){ "v2 = x1 * x2", "3 * (-4)", NULL }, -12);
    check_row(c.text, "v3", (const char *const[]){ "v3 = log(x1)", "log(3)", NULL }, log(3.0));
    check_row(c.text, "v4", (const char *const[]){ "v4 = v2 + x2", "(-12) + (-4)", NULL }, -16);
    check_row(c.text, "v5", (const char *const[]){ "v5 = v4 - v3", NULL }, -16 - log(3.0));
    check_row(c.text, "y", (const char *const[]){ "output y = v5", NULL }, -16 - log(3.0));
    free(c.text);
    wg_graph_free(g);
}

static void tangent_seed(void)
{
    wg_graph *g = seed_graph();
    const double along_x2[2] = { 0, 1 }, along_x1[2] = { 1, 0 };
    capture c = run(g, TANGENT, along_x2, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    CU_ASSERT(strncmp(c.text, "Forward tangent trace along u = (0, 1) over (x1, x2)", 52) == 0);
    check_row(c.text, "x1", (const char *const[]){ "dx1 = seed", NULL }, 0);
    check_row(c.text, "x2", (const char *const[]){ "dx2 = seed", NULL }, 1);
    check_row(c.text, "v2", (const char *const[]){ "dv2 = dx1 * x2 + dx2 * x1",
                                                   "0 * (-4) + 1 * 3", NULL }, 3);
    check_row(c.text, "v3", (const char *const[]){ "dv3 = dx1 * (1/x1)", "0 * 0.333333", NULL },
              0);
    check_row(c.text, "v4", (const char *const[]){ "dv4 = dv2 + dx2", "3 + 1", NULL }, 4);
    check_row(c.text, "v5", (const char *const[]){ "dv5 = dv4 - dv3", "4 - 0", NULL }, 4);
    check_row(c.text, "y", (const char *const[]){ "dy = dv5", NULL }, 4);
    free(c.text);

    c = run(g, TANGENT, along_x1, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_row(c.text, "y", NULL, -4.0 - 1.0 / 3.0);
    free(c.text);
    wg_graph_free(g);
}

static void adjoint_seed(void)
{
    wg_graph *g = seed_graph();
    capture c = run(g, ADJOINT, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    CU_ASSERT(strncmp(c.text, "Reverse adjoint trace of output y", 33) == 0);
    check_row(c.text, "y", (const char *const[]){ "_y = 1 (seed)", NULL }, 1);
    check_row(c.text, "v5", (const char *const[]){ "_v5 = _y", NULL }, 1);
    check_row(c.text, "v4", (const char *const[]){ "_v4 = _v5", NULL }, 1);
    check_row(c.text, "v3", (const char *const[]){ "_v3 = -_v5", "-1", NULL }, -1);
    check_row(c.text, "v2", (const char *const[]){ "_v2 = _v4", NULL }, 1);
    /* each adjoint is the sum over its consumers, in recording order */
    check_row(c.text, "x2", (const char *const[]){ "_x2 = _v2 * x1 + _v4", "1 * 3 + 1", NULL },
              4);
    check_row(c.text, "x1", (const char *const[]){ "_x1 = _v2 * x2 + _v3 * (1/x1)",
                                                   "1 * (-4) + (-1) * 0.333333", NULL },
              -4.0 - 1.0 / 3.0);
    /* rows run in reverse recording order */
    int ly, l5, l2, lx2, lx1;
    free(row(c.text, "y", &ly));
    free(row(c.text, "v5", &l5));
    free(row(c.text, "v2", &l2));
    free(row(c.text, "x2", &lx2));
    free(row(c.text, "x1", &lx1));
    CU_ASSERT(ly < l5 && l5 < l2 && l2 < lx2 && lx2 < lx1);
    free(c.text);

    /* the table's figures are the tape's: the same sweep read per node */
    wg_tape *t = wg_graph_tape(g);
    CU_ASSERT_DOUBLE_EQUAL(wg_node_adjoint(t, 0), -4.0 - 1.0 / 3.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(wg_node_adjoint(t, 1), 4.0, 0);
    wg_graph_free(g);
}

/* two outputs, one in the middle of the tape: nodes after it get 0, and
 * a node read by two consumers and as an output sums all three */
static void adjoint_two_outputs(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    wg_var x = wg_graph_add_input(g, "x", 0.5);
    wg_var s = wg_sin(t, x);                    /* v1, output a */
    wg_var q = wg_mul(t, s, s);                 /* v2 = v1 * v1, output b */
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "a", s), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "b", q), WG_OK);

    capture c = run(g, ADJOINT, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_row(c.text, "v2", (const char *const[]){ "_v2 = 0", NULL }, 0);
    check_row(c.text, "v1", (const char *const[]){ "_v1 = _a + _v2 * v1 + _v2 * v1", NULL }, 1);
    check_row(c.text, "x", (const char *const[]){ "_x = _v1 * cos(x)", NULL }, cos(0.5));
    free(c.text);

    c = run(g, ADJOINT, NULL, 1);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_row(c.text, "v1", NULL, 2 * sin(0.5));
    check_row(c.text, "x", NULL, 2 * sin(0.5) * cos(0.5));
    free(c.text);

    const double u[1] = { 1 };
    c = run(g, TANGENT, u, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_row(c.text, "a", (const char *const[]){ "da = dv1", NULL }, cos(0.5));
    check_row(c.text, "b", (const char *const[]){ "db = dv2", NULL }, 2 * sin(0.5) * cos(0.5));
    free(c.text);
    wg_graph_free(g);
}

/* an input recorded after the output it cannot reach: adjoint 0, and its
 * tangent still flows into the nodes after it */
static void input_after_output(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    wg_var a = wg_graph_add_input(g, "a", 2);
    wg_var s = wg_sin(t, a);                    /* v1, output s */
    wg_var b = wg_graph_add_input(g, "b", 3);   /* node 2 */
    wg_var p = wg_mul(t, b, s);                 /* v3, output p */
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "s", s), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "p", p), WG_OK);

    capture c = run(g, ADJOINT, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_row(c.text, "b", (const char *const[]){ "_b = _v3 * v1", NULL }, 0);
    check_row(c.text, "a", NULL, cos(2.0));
    free(c.text);

    const double u[2] = { 0, 1 };
    c = run(g, TANGENT, u, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_row(c.text, "s", NULL, 0);
    check_row(c.text, "p", NULL, sin(2.0));
    free(c.text);
    wg_graph_free(g);
}

/* ---------------------------------------------------------------- every op */

/* Each op of the table on inputs (a, b) = (0.3, 0.7), constant 2: the
 * tangent row of the result equals wg_jvp along (1, 1), the adjoint rows of
 * the inputs equal wg_grad, to the tables' six digits.  Catches an op whose
 * rule text is missing or whose numbers are not the sweep's. */
static void every_op(void)
{
    for (int o = 0; o < WG_OP_COUNT; o++) {
        wg_op op = (wg_op)o;
        wg_op_kind kind = wg_op_kind_of(op);
        if (kind == WG_KIND_LEAF || kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY
            || kind == WG_KIND_CUSTOM)      /* custom: tests/test_custom.c */
            continue;           /* tensor ops: tests/test_wgtensor.c */
        wg_graph *g = wg_graph_new();
        wg_tape *t = wg_graph_tape(g);
        wg_var a = wg_graph_add_input(g, "a", 0.3), b = wg_graph_add_input(g, "b", 0.7);
        wg_var y = wg_apply(t, op, a, b, 2);
        CU_ASSERT_EQUAL(wg_graph_add_output(g, "y", y), WG_OK);
        if (wg_status(t) != WG_OK) {
            fprintf(stderr, "\n  %s: %s\n", wg_op_name(op), wg_errmsg(t));
            CU_FAIL("recording failed");
            wg_graph_free(g);
            continue;
        }
        wg_var x[2] = { a, b };
        double u[2] = { 1, 1 }, ydot, grad[2];
        CU_ASSERT_EQUAL(wg_jvp(t, 2, x, u, 1, &y, &ydot), WG_OK);
        CU_ASSERT_EQUAL(wg_grad(t, y, 2, x, grad), WG_OK);

        capture c = run(g, PRIMAL, NULL, 0);
        CU_ASSERT_EQUAL(c.status, WG_OK);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
        check_row(c.text, "v2", NULL, wg_value(t, y));
        free(c.text);

        c = run(g, TANGENT, u, 0);
        CU_ASSERT_EQUAL(c.status, WG_OK);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
        char *r = row(c.text, "v2", NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        CU_ASSERT_PTR_NULL(strchr(r, '%'));             /* every template placeholder filled */
        /* the rule names its operand's tangent, unless it is 0 everywhere */
        int zero = kind == WG_KIND_CMP || op == WG_OP_STOP_GRADIENT || op == WG_OP_STEP
                   || op == WG_OP_SIGN;
        CU_ASSERT_PTR_NOT_NULL(strstr(r, zero ? "= 0 (" : "da"));
        free(r);
        check_row(c.text, "y", NULL, ydot);
        free(c.text);

        c = run(g, ADJOINT, NULL, 0);
        CU_ASSERT_EQUAL(c.status, WG_OK);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
        check_row(c.text, "a", NULL, grad[0]);
        check_row(c.text, "b", NULL, grad[1]);
        free(c.text);
        wg_graph_free(g);
    }
}

/* ---------------------------------------------------------------- errors */

static void errors(void)
{
    wg_graph *g = seed_graph();
    wg_tape *t = wg_graph_tape(g);
    capture c = run(g, ADJOINT, NULL, 1);           /* one output only */
    CU_ASSERT_EQUAL(c.status, WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "output 1"));
    free(c.text);
    c = run(g, TANGENT, NULL, 0);                   /* two inputs, no direction */
    CU_ASSERT_EQUAL(c.status, WG_EINVAL);
    free(c.text);
    const double bad[2] = { NAN, 1 };
    c = run(g, TANGENT, bad, 0);                    /* wg_jvp refuses it */
    CU_ASSERT_EQUAL(c.status, WG_EINVAL);
    free(c.text);
    CU_ASSERT_EQUAL(wg_trace_primal(g, NULL), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_trace_primal(NULL, stdout), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_graph_write_dot(NULL, 0, stdout), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);           /* refused calls do not poison the tape */
    wg_graph_free(g);

    /* sqrt at 0: the tangent is infinite; the table still shows where */
    g = wg_graph_new();
    t = wg_graph_tape(g);
    wg_var x = wg_graph_add_input(g, "x", 0);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "y", wg_sqrt(t, x)), WG_OK);
    const double one[1] = { 1 };
    c = run(g, TANGENT, one, 0);
    CU_ASSERT_EQUAL(c.status, WG_ERANGE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "inf"));
    free(c.text);
    c = run(g, ADJOINT, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "sqrt"));
    free(c.text);
    wg_graph_free(g);

    /* a failed recording: the primal table shows the NaN and the status,
     * the derivative tables refuse */
    g = wg_graph_new();
    t = wg_graph_tape(g);
    x = wg_graph_add_input(g, "x", -1);
    wg_var y = wg_log(t, x);
    CU_ASSERT_EQUAL(wg_status(t), WG_EDOM);
    c = run(g, PRIMAL, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_EDOM);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    char *r = row(c.text, "v1", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "nan"));
    free(r);
    free(c.text);
    c = run(g, TANGENT, one, 0);
    CU_ASSERT_EQUAL(c.status, WG_EDOM);
    free(c.text);
    (void)y;
    wg_graph_free(g);
}

/* constants, negation, *_c ops and stop_gradient in the rules */
static void constants_and_special_rules(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    wg_var x = wg_graph_add_input(g, "x", -2);
    wg_var k = wg_const(t, -0.1);                       /* v1 */
    wg_var m = wg_mul(t, x, k);                         /* v2 */
    wg_var n = wg_neg(t, m);                            /* v3 */
    wg_var p = wg_pow_c(t, n, 3);                       /* v4 = 0.2^3 */
    wg_var s = wg_stop_gradient(t, x);                  /* v5 */
    wg_var y = wg_add(t, wg_mul_c(t, p, 0.5), s);      /* v6, v7 */
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "y", y), WG_OK);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);

    capture c = run(g, PRIMAL, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_row(c.text, "v1", (const char *const[]){ "v1 = -0.1", NULL }, -0.1);
    check_row(c.text, "v3", (const char *const[]){ "v3 = -v2", NULL }, -0.2);
    check_row(c.text, "v4", (const char *const[]){ "pow_c(v3, 3)", "pow_c(-0.2, 3)", NULL },
              -0.008);
    check_row(c.text, "v6", (const char *const[]){ "v6 = v4 * 0.5", NULL }, -0.004);
    free(c.text);

    const double u[1] = { 1 };
    c = run(g, TANGENT, u, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_row(c.text, "v1", (const char *const[]){ "dv1 = 0 (constant)", NULL }, 0);
    check_row(c.text, "v3", (const char *const[]){ "dv3 = -dv2", NULL }, 0.1);
    check_row(c.text, "v4", (const char *const[]){ "dv4 = dv3 * (3*v3^2)", NULL },
              3 * 0.04 * 0.1);
    check_row(c.text, "v5", (const char *const[]){ "dv5 = 0 (stop_gradient)", NULL }, 0);
    check_row(c.text, "v6", (const char *const[]){ "dv6 = dv4 * 0.5", NULL }, 0.006);
    free(c.text);

    c = run(g, ADJOINT, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_row(c.text, "v1", (const char *const[]){ "_v1 = _v2 * x", NULL }, 0.5 * 0.12 * -1 * -2);
    check_row(c.text, "x", (const char *const[]){ "_x = _v2 * v1 + _v5 * 0", NULL }, 0.006);
    free(c.text);
    wg_graph_free(g);
}

/* ---------------------------------------------------------------- DOT */

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* Well-formed: one digraph, balanced braces and quotes, every tape node
 * declared once, one edge per operand, every edge between declared nodes. */
static void check_dot(const char *text, const wg_graph *g)
{
    const wg_tape *t = wg_graph_tape((wg_graph *)g);
    size_t n = wg_tape_size(t);
    CU_ASSERT(strncmp(text, "digraph ", 8) == 0);
    CU_ASSERT_EQUAL(count(text, "{"), 1);
    CU_ASSERT_EQUAL(count(text, "}"), 1);
    CU_ASSERT(text[strlen(text) - 2] == '}');
    size_t quotes = 0;
    for (const char *p = text; *p; p++)
        if (*p == '"' && (p == text || p[-1] != '\\'))
            quotes++;
    CU_ASSERT_EQUAL(quotes % 2, 0);

    size_t operands = 0;
    char decl[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(decl, sizeof decl, "\n  n%zu [", i);
        CU_ASSERT_EQUAL(count(text, decl), 1);
        operands += (size_t)wg_op_arity(wg_node_op(t, i));
    }
    CU_ASSERT_EQUAL(count(text, " -> "), operands);
    for (const char *p = strstr(text, " -> "); p; p = strstr(p + 1, " -> ")) {
        const char *ls = p;
        while (ls > text && ls[-1] != '\n')
            ls--;
        size_t from, to;
        CU_ASSERT_EQUAL_FATAL(sscanf(ls, " n%zu -> n%zu", &from, &to), 2);
        CU_ASSERT(from < to && to < n);
    }
}

static void dot_seed(void)
{
    wg_graph *g = seed_graph();
    capture c = run(g, DOT, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_dot(c.text, g);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "n0 [shape=box, label=\"x1\"]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "n0 -> n2 [label=\"1\"]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "n1 -> n2 [label=\"2\"]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "n0 -> n3;"));            /* unary: no slot */
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "label=\"v3\\nlog\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "output y\", peripheries=2"));
    CU_ASSERT_EQUAL(count(c.text, "peripheries=2"), 1);
    CU_ASSERT_PTR_NULL(strstr(c.text, "\\n= "));                    /* no values asked */
    free(c.text);

    c = run(g, DOT_VALUES, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_dot(c.text, g);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "\\n= -12\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "\\n= -17.0986\\noutput y"));
    free(c.text);
    wg_graph_free(g);
}

static void dot_shapes(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    wg_var x = wg_graph_add_input(g, "x", 1.5);
    wg_var k = wg_const(t, 0.1);
    wg_var y = wg_powi(t, wg_add(t, x, k), -3);
    wg_var z = wg_mul_c(t, x, 2.5);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "y", y), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "z", z), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "w", z), WG_OK);     /* two names, one node */
    capture c = run(g, DOT, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_dot(c.text, g);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "n1 [shape=diamond, label=\"0.1\"]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "label=\"v3\\npowi -3\\noutput y\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "label=\"v4\\nmul_c 2.5\\noutput z, w\""));
    CU_ASSERT_EQUAL(count(c.text, "shape=ellipse"), 3);
    free(c.text);
    wg_graph_free(g);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "primal table of x1 x2 + x2 - ln(x1) at (3, -4)", primal_seed },
        { "tangent table along x2 and x1", tangent_seed },
        { "adjoint table: sums over consumers, reverse order", adjoint_seed },
        { "adjoint and tangent tables with two outputs", adjoint_two_outputs },
        { "an input recorded after the output", input_after_output },
        { "every op: table figures are the sweeps' figures", every_op },
        { "constants, neg, *_c ops, stop_gradient", constants_and_special_rules },
        { "errors: bad arguments, infinite derivative, failed tape", errors },
        { "DOT of the seed example is well-formed", dot_seed },
        { "DOT shapes, constants and shared outputs", dot_shapes },
        { NULL, NULL }
    };
    return wg_test_main("trace", cases);
}
