/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_wgwrite.c -- the canonical .wg writer: known graphs give known text,
 * and write -> read -> write gives the same bytes and the same tape, for
 * every op and for random graphs. */
#include "test_util.h"
#include "test_wg_text.h"
#include "op_kernels.h"
#include "wengert.h"

#include <float.h>
#include <stdlib.h>

/* ---------------------------------------------------------------- helpers */

static char *read_file_text(const char *name)
{
    char path[4096];
    FILE *f = fopen(data_path(name, path, sizeof path), "rb");
    if (!f)
        return NULL;
    char *s = slurp(f);
    fclose(f);
    return s;
}

/* ---------------------------------------------------------------- known text */

static void seed_canonical(void)
{
    char path[4096];
    wg_graph *g = wg_graph_read_file(data_path("seed.wg", path, sizeof path), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    check_text(g, "# wengert graph: 2 inputs, 1 outputs, 7 nodes\n"
                  "input x1 = 2\n"
                  "input x2 = 5\n"
                  "v2 = log(x1)\n"
                  "v3 = x1 * x2\n"
                  "v4 = v2 + v3\n"
                  "v5 = sin(x2)\n"
                  "v6 = v4 - v5\n"
                  "y = v6\n"
                  "output y\n");
    free(round_trip(g));
    wg_graph_free(g);
}

/* a graph built through the C API: infix and call forms, numbers, and
 * every way of writing an output */
static void hand_built_canonical(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    wg_var x = wg_graph_add_input(g, "x", 1.5);
    wg_var y = wg_graph_add_input(g, "y", -0.0);
    wg_var c1 = wg_const(t, 0.1);
    wg_const(t, -2.5e-300);
    wg_var c3 = wg_const(t, 1.0 / 3);
    wg_var v = wg_add(t, x, c1);
    v = wg_sub(t, v, y);
    v = wg_mul(t, v, c3);
    v = wg_div(t, v, x);
    wg_var neg = wg_neg(t, v);
    wg_pow(t, x, c3);
    v = wg_log(t, x);
    v = wg_add_c(t, v, -0.5);
    wg_powi(t, v, 3);
    wg_pow_c(t, x, 0.5);
    wg_lt(t, x, y);
    wg_var h = wg_hypot(t, x, y);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "v16", h), WG_OK);   /* its own name */
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "f", neg), WG_OK);   /* an alias */
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "x", x), WG_OK);     /* an input */
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "g", neg), WG_OK);   /* a second alias, same node */
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "yy", y), WG_OK);    /* an alias of an input */
    check_text(g, "# wengert graph: 2 inputs, 5 outputs, 17 nodes\n"
                  "input x = 1.5\n"
                  "input y = -0\n"
                  "v2 = 0.1\n"
                  "v3 = -2.5e-300\n"
                  "v4 = 0.3333333333333333\n"
                  "v5 = x + v2\n"
                  "v6 = v5 - y\n"
                  "v7 = v6 * v4\n"
                  "v8 = v7 / x\n"
                  "v9 = -v8\n"
                  "v10 = x ^ v4\n"
                  "v11 = log(x)\n"
                  "v12 = add_c(v11, -0.5)\n"
                  "v13 = powi(v12, 3)\n"
                  "v14 = pow_c(x, 0.5)\n"
                  "v15 = lt(x, y)\n"
                  "v16 = hypot(x, y)\n"
                  "output v16\n"
                  "f = v9\n"
                  "output f\n"
                  "output x\n"
                  "g = v9\n"
                  "output g\n"
                  "yy = y\n"
                  "output yy\n");
    free(round_trip(g));
    wg_graph_free(g);
}

/* inputs recorded with wg_input have no name: in<i>, or in<i>_<k> when
 * another node has in<i> already */
static void unnamed_inputs(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    wg_var u0 = wg_input(t, 1);
    wg_graph_add_input(g, "in2", 2);
    wg_var u2 = wg_input(t, 3);
    wg_input(t, 4);
    wg_var u4 = wg_input(t, 5);
    wg_var s = wg_add(t, u0, u2);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "in3", s), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "in4", u4), WG_OK);
    check_text(g, "# wengert graph: 5 inputs, 2 outputs, 6 nodes\n"
                  "input in0 = 1\n"
                  "input in2 = 2\n"
                  "input in2_1 = 3\n"
                  "input in3_1 = 4\n"
                  "input in4 = 5\n"
                  "v5 = in0 + in2_1\n"
                  "in3 = v5\n"
                  "output in3\n"
                  "output in4\n");
    char *text = round_trip(g);
    wg_graph *back = wg_graph_read_string(text, "back.wg", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    CU_ASSERT_EQUAL(wg_graph_ninputs(back), 5);     /* every input has a name now */
    CU_ASSERT_STRING_EQUAL(wg_graph_input_name(back, 2), "in2_1");
    wg_graph_free(back);
    free(text);
    wg_graph_free(g);
}

/* an output named v<i> of a node that is an input: an alias line */
static void canonical_output_names(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    wg_var x = wg_graph_add_input(g, "x", 2);
    wg_var s = wg_sin(t, x);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "v0", x), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "v01", s), WG_OK);  /* digits 01 are 1 */
    check_text(g, "# wengert graph: 1 inputs, 2 outputs, 2 nodes\n"
                  "input x = 2\n"
                  "v1 = sin(x)\n"
                  "v0 = x\n"
                  "output v0\n"
                  "v01 = v1\n"
                  "output v01\n");
    free(round_trip(g));
    wg_graph_free(g);
}

/* ---------------------------------------------------------------- data files */

static void data_files_round_trip(void)
{
    static const char *const files[] = { "seed.wg", "every_op.wg", "multi_output.wg",
                                         "every_op_canonical.wg" };
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char path[4096];
        wg_parse_error e;
        wg_graph *g = wg_graph_read_file(data_path(files[k], path, sizeof path), &e);
        if (!g)
            fprintf(stderr, "\n  %s\n", e.message);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        free(round_trip(g));
        wg_graph_free(g);
    }
}

/* every_op_canonical.wg is what the writer makes of every_op.wg, and a
 * canonical file is its own canonical form */
static void every_op_canonical_file(void)
{
    char path[4096];
    char *want = read_file_text("every_op_canonical.wg");
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    static const char *const from[] = { "every_op.wg", "every_op_canonical.wg" };
    for (size_t k = 0; k < 2; k++) {
        wg_graph *g = wg_graph_read_file(data_path(from[k], path, sizeof path), NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        check_text(g, want);
        wg_graph_free(g);
    }
    free(want);
}

/* ---------------------------------------------------------------- every op */

/* one node of each op, from the table: its line, and reading it back */
static void every_op_written(void)
{
    static const struct { wg_op op; const char *sym; } infix[] = {
        { WG_OP_ADD, "+" }, { WG_OP_SUB, "-" }, { WG_OP_MUL, "*" }, { WG_OP_DIV, "/" },
        { WG_OP_POW, "^" },
    };
    for (int k = 0; k < WG_OP_COUNT; k++) {
        wg_op op = (wg_op)k;
        wg_op_kind kind = wg_op_kind_of(op);
        if (kind == WG_KIND_LEAF || kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY
            || kind == WG_KIND_CUSTOM)
            continue;           /* tensor ops: tests/test_wgtensor.c; custom: test_custom.c */
        wg_graph *g = wg_graph_new();
        wg_tape *t = wg_graph_tape(g);
        wg_var a = wg_graph_add_input(g, "a", 0.5), b = wg_graph_add_input(g, "b", 0.25);
        wg_var r = wg_apply(t, op, a, b, 3);
        CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
        CU_ASSERT_EQUAL(wg_graph_add_output(g, "v2", r), WG_OK);
        char want[128];
        const char *sym = NULL;
        for (size_t j = 0; j < sizeof infix / sizeof infix[0]; j++)
            if (infix[j].op == op)
                sym = infix[j].sym;
        if (sym)
            snprintf(want, sizeof want, "\nv2 = a %s b\n", sym);
        else if (op == WG_OP_NEG)
            snprintf(want, sizeof want, "\nv2 = -a\n");
        else if (wg_op_arity(op) == 2)
            snprintf(want, sizeof want, "\nv2 = %s(a, b)\n", wg_op_name(op));
        else if (wg_op_kind_of(op) == WG_KIND_UNARY)
            snprintf(want, sizeof want, "\nv2 = %s(a)\n", wg_op_name(op));
        else
            snprintf(want, sizeof want, "\nv2 = %s(a, 3)\n", wg_op_name(op));
        char *text = round_trip(g);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        if (!strstr(text, want))
            fprintf(stderr, "\n  %s: no line '%s' in\n%s", wg_op_name(op), want + 1, text);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
        CU_ASSERT_PTR_NOT_NULL(strstr(text, "\noutput v2\n"));
        free(text);
        wg_graph_free(g);
    }
}

/* ---------------------------------------------------------------- numbers */

static void numbers_shortest(void)
{
    static const struct { double x; const char *text; } cases[] = {
        { 0.1, "0.1" }, { 1.0 / 3, "0.3333333333333333" }, { 2.0 / 3, "0.6666666666666666" },
        { 0.1 + 0.2, "0.30000000000000004" }, { 1e21, "1e+21" }, { -0.0, "-0" }, { 0, "0" },
        { 4.9406564584124654e-324, "4.94065645841247e-324" },
        { DBL_MAX, "1.7976931348623157e+308" },     /* shorter forms read back as inf */
        { DBL_MIN, "2.2250738585072014e-308" }, { 123456789012345678.0, "1.2345678901234568e+17" },
        { -1.5, "-1.5" }, { 100, "100" }, { 1e15, "1e+15" },
        { 0x1p-1074 * 3, "1.48219693752374e-323" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        wg_graph *g = wg_graph_new();
        wg_var c = wg_const(wg_graph_tape(g), cases[k].x);
        wg_graph_add_output(g, "v0", c);
        char want[128];
        snprintf(want, sizeof want, "# wengert graph: 0 inputs, 1 outputs, 1 nodes\n"
                 "v0 = %s\noutput v0\n", cases[k].text);
        check_text(g, want);
        free(round_trip(g));
        wg_graph_free(g);
    }
}

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

/* any finite double, by its bits: the writer's numbers read back exactly */
static void numbers_random_bits(void)
{
    rng_state = 0x243F6A8885A308D3u;
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    for (int i = 0; i < 20000;) {
        uint64_t bits = rng();
        if (i % 4 == 0)
            bits &= 0x800FFFFFFFFFFFFFu;
        double x;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x))
            continue;
        if (i % 2) {
            wg_const(t, x);
        } else {
            char name[32];
            snprintf(name, sizeof name, "x%d", i);
            wg_graph_add_input(g, name, x);
        }
        i++;
    }
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    free(round_trip(g));
    wg_graph_free(g);
}

/* ---------------------------------------------------------------- random graphs */

static double rand_unit(void)
{
    return (double)(rng() >> 11) * 0x1p-53;
}

static double rand_value(void)
{
    static const double special[] = { 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-300, 4.9e-324, 1e10 };
    if (rng() % 5 == 0)
        return special[rng() % (sizeof special / sizeof special[0])];
    return 6 * rand_unit() - 3;
}

/* A graph over every op with operands picked at random among earlier
 * nodes, kept inside each op's domain so the tape records cleanly; some
 * inputs unnamed, outputs named in every way the writer handles. */
static wg_graph *random_graph(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    int used_in[8] = { 0 };
    size_t nin = 1 + rng() % 4;
    for (size_t i = 0; i < nin; i++) {
        unsigned r = (unsigned)(rng() % 4), k = (unsigned)(rng() % 8);
        char name[32];
        if (r == 0) {
            wg_input(t, rand_value());
            continue;
        }
        if (r == 1 && !used_in[k]) {     /* a name the writer might generate */
            used_in[k] = 1;
            snprintf(name, sizeof name, "in%u", k);
        } else {
            snprintf(name, sizeof name, "x%zu", i);
        }
        wg_graph_add_input(g, name, rand_value());
    }
    wg_op ops[WG_OP_COUNT];
    int nops = 0;
    for (int k = 0; k < WG_OP_COUNT; k++) {
        wg_op_kind kind = wg_op_kind_of((wg_op)k);
        if (kind != WG_KIND_LEAF && kind != WG_KIND_TUNARY && kind != WG_KIND_TBINARY)
            ops[nops++] = (wg_op)k;     /* scalar ops; tensor graphs: test_wgtensor.c */
    }
    size_t nodes = 3 + rng() % 40;
    for (size_t j = 0; j < nodes; j++) {
        size_t n = wg_tape_size(t);
        int done = 0;
        for (int attempt = 0; attempt < 30 && !done; attempt++) {
            wg_op op = ops[rng() % (uint64_t)nops];
            size_t ia = rng() % n, ib = rng() % n;
            double a = wg_node_value(t, ia), b = wg_node_value(t, ib), c = 0;
            if (wg_op_kind_of(op) == WG_KIND_CONST)
                c = rng() % 3 ? rand_value() : (double)((int)(rng() % 7) - 3);
            else if (wg_op_kind_of(op) == WG_KIND_INT)
                c = (double)((int)(rng() % 9) - 4);
            double y = wg_op_value(op, a, b, c);
            if (wg_op_domain(op, a, b, c) || !isfinite(y))
                continue;
            wg_apply(t, op, wg_tape_var(t, ia), wg_tape_var(t, ib), c);
            done = 1;
        }
        if (!done || rng() % 8 == 0)
            wg_const(t, rand_value());
    }
    size_t n = wg_tape_size(t), nout = 1 + rng() % 3;
    for (size_t k = 0; k < nout; k++) {
        size_t node = rng() % n;
        char name[32];
        switch (rng() % 4) {
        case 0:             /* its own canonical name (an alias when an input) */
            snprintf(name, sizeof name, "v%zu", node);
            break;
        case 1:
            snprintf(name, sizeof name, "out%zu", k);
            break;
        case 2: {           /* in<k>: may force a generated name aside */
            unsigned i = (unsigned)(rng() % 8);
            if (used_in[i])
                continue;
            snprintf(name, sizeof name, "in%u", i);
            used_in[i] = 1;
            break;
        }
        default: {          /* an input's own name */
            size_t slot = (size_t)-1;
            for (size_t s = 0; s < wg_graph_ninputs(g); s++)
                if (wg_var_index(t, wg_graph_input(g, s)) == node)
                    slot = s;
            if (slot == (size_t)-1)
                continue;
            snprintf(name, sizeof name, "%s", wg_graph_input_name(g, slot));
            break;
        }
        }
        wg_graph_add_output(g, name, wg_tape_var(t, node));   /* a repeated name is refused */
    }
    return g;
}

static void random_graphs_round_trip(void)
{
    rng_state = 0x13198A2E03707344u;
    for (int k = 0; k < 400; k++) {
        wg_graph *g = random_graph();
        CU_ASSERT_EQUAL_FATAL(wg_status(wg_graph_tape(g)), WG_OK);
        free(round_trip(g));
        wg_graph_free(g);
    }
}

/* expressions, and a graph replayed at a new point: the text holds the
 * point the tape is at now */
static void expressions_and_replay(void)
{
    static const char *const exprs[] = {
        "x^2 + 3*x - 1/x", "-x^2", "sin(x)*cos(y) - atan2(y, x)^0.5", "powi(x, -3) + 2^y",
        "(x - 2) * (y + 2) / 7", "lt(x, y) * x + ge(x, y) * y", "x", "2.5", "-0",
    };
    const char *names[] = { "x", "y" };
    const double vals[] = { 1.25, 2.5 };
    for (size_t k = 0; k < sizeof exprs / sizeof exprs[0]; k++) {
        wg_parse_error e;
        wg_graph *g = wg_graph_parse_expr(exprs[k], 2, names, vals, &e);
        if (!g)
            fprintf(stderr, "\n  %s: %s\n", exprs[k], e.message);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        free(round_trip(g));
        wg_graph_free(g);
    }
    wg_graph *g = wg_graph_parse_expr("x * y + sqrt(x)", 2, names, vals, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_var x[2] = { wg_graph_input(g, 0), wg_graph_input(g, 1) };
    const double at[2] = { 4, -1 };
    CU_ASSERT_EQUAL(wg_eval(wg_graph_tape(g), 2, x, at), WG_OK);
    char *text = round_trip(g);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "input x = 4\ninput y = -1\n"));
    free(text);
    wg_graph_free(g);
}

/* ---------------------------------------------------------------- refusals */

/* graphs the text cannot hold are refused before a byte is written */
static void refusals(void)
{
    int s;
    char *text;
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    wg_var x = wg_graph_add_input(g, "x", 2);
    wg_var z = wg_graph_add_input(g, "z", 3);
    wg_var v2 = wg_sin(t, x);
    wg_cos(t, x);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "v3", v2), WG_OK);     /* v3 is node 3's name */
    text = write_text(g, &s);
    CU_ASSERT_EQUAL(s, WG_EINVAL);
    CU_ASSERT_STRING_EQUAL(text, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "output 'v3' is node 2, but an output named "
                                                "v<digits> must be the node of that index"));
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);          /* the tape is not poisoned */
    free(text);
    wg_graph_free(g);

    g = wg_graph_new();
    t = wg_graph_tape(g);
    x = wg_graph_add_input(g, "x", 2);
    z = wg_graph_add_input(g, "z", 3);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "x", z), WG_OK);       /* x is an input's name */
    text = write_text(g, &s);
    CU_ASSERT_EQUAL(s, WG_EINVAL);
    CU_ASSERT_STRING_EQUAL(text, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "output 'x' is node 1, but an input of that "
                                                "name is node 0"));
    free(text);
    wg_graph_free(g);

    g = wg_graph_new();             /* a failed tape: its status, nothing written */
    t = wg_graph_tape(g);
    x = wg_graph_add_input(g, "x", -1);
    wg_log(t, x);
    text = write_text(g, &s);
    CU_ASSERT_EQUAL(s, WG_EDOM);
    CU_ASSERT_STRING_EQUAL(text, "");
    free(text);

    CU_ASSERT_EQUAL(wg_graph_write(NULL, stdout), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_graph_write(g, NULL), WG_EINVAL);
    wg_graph_free(g);

    /* a failing call says why itself: not the message an earlier failure
     * left (wg_graph_write, wg_graph_write_dot, traces with out NULL) */
    g = wg_graph_new();
    x = wg_graph_add_input(g, "x", 1);
    t = wg_graph_tape(g);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "not a name", x), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "'not a name' cannot name an output"));
    CU_ASSERT_EQUAL(wg_graph_write(g, NULL), WG_EINVAL);
    CU_ASSERT_STRING_EQUAL(wg_errmsg(t), "wg_graph_write: out is NULL");
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "not a name", x), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_graph_write_dot(g, 0, NULL), WG_EINVAL);
    CU_ASSERT_STRING_EQUAL(wg_errmsg(t), "wg_graph_write_dot: out is NULL");
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    /* a full device: the system's reason, not just "write error"
     * (unbuffered, so the writer itself meets the failed write) */
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        setvbuf(full, NULL, _IONBF, 0);
        wg_graph_add_output(g, "y", x);
        CU_ASSERT_EQUAL(wg_graph_write(g, full), WG_EIO);
        CU_ASSERT_STRING_EQUAL(wg_errmsg(t), "wg_graph_write: write error: No space left on device");
        clearerr(full);
        CU_ASSERT_EQUAL(wg_graph_write_dot(g, 0, full), WG_EIO);
        CU_ASSERT_STRING_EQUAL(wg_errmsg(t),
                               "wg_graph_write_dot: writing failed: No space left on device");
        fclose(full);
    }
    wg_graph_free(g);

    /* a graph whose tape was cleared under it: its inputs name no nodes */
    g = wg_graph_new();
    wg_graph_add_input(g, "x", 1);
    wg_tape_clear(wg_graph_tape(g));
    text = write_text(g, &s);
    CU_ASSERT_EQUAL(s, WG_EINVAL);
    CU_ASSERT_STRING_EQUAL(text, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(wg_graph_tape(g)), "input 'x' names node 0, which "
                                                               "is not an input node"));
    free(text);
    wg_graph_free(g);

    /* a stream that cannot be written: WG_EIO */
    g = wg_graph_parse_expr("1 + 2", 0, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    FILE *ro = fopen("/dev/null", "r");
    if (ro) {
        CU_ASSERT_EQUAL(wg_graph_write(g, ro), WG_EIO);
        CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(wg_graph_tape(g)), "write error"));
        fclose(ro);
    }
    wg_graph_free(g);

    /* the empty graph is a header only, and reads back */
    g = wg_graph_new();
    check_text(g, "# wengert graph: 0 inputs, 0 outputs, 0 nodes\n");
    free(round_trip(g));
    wg_graph_free(g);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "seed example: canonical text", seed_canonical },
        { "hand-built graph: canonical text", hand_built_canonical },
        { "unnamed inputs get names in<i>", unnamed_inputs },
        { "outputs named v<i>", canonical_output_names },
        { "data files round trip", data_files_round_trip },
        { "every_op_canonical.wg is canonical", every_op_canonical_file },
        { "every op written and read back", every_op_written },
        { "numbers: shortest form that reads back", numbers_shortest },
        { "numbers: random bit patterns", numbers_random_bits },
        { "random graphs round trip", random_graphs_round_trip },
        { "expressions and replayed graphs", expressions_and_replay },
        { "graphs the text cannot hold; write errors", refusals },
        { NULL, NULL }
    };
    return wg_test_main("wgwrite", cases);
}
