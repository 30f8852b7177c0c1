/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_wgtensor.c -- .wg text for tensors: tensor inputs and constants
 * inline and from data files, tensor ops with keyword arguments, the
 * canonical writer (write, read, write gives the same bytes), the values
 * against the same graph built through the C API, a catalogue of malformed
 * text with status and place, and the trace tables and DOT of a small
 * tensor graph. */
#define _POSIX_C_SOURCE 200809L

#include "test_util.h"
#include "test_wg_text.h"
#include "test_scratch.h"
#include "wengert.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>

/* ---------------------------------------------------------------- helpers */

static char *read_whole(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *s = slurp(f);
    fclose(f);
    return s;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static wg_graph *read_text(const char *text)
{
    wg_parse_error e;
    wg_graph *g = wg_graph_read_string(text, "t.wg", &e);
    if (!g)
        fprintf(stderr, "\n  unexpected error: %s\n", e.message);
    return g;
}

static void assert_contains(const char *text, const char *want)
{
    int found = text && strstr(text, want) != NULL;
    if (!found)
        fprintf(stderr, "\n  no '%s' in:\n%s\n", want, text ? text : "(null)");
    CU_ASSERT(found);
}

/* ---------------------------------------------------------------- graphs by the C API */

static const double w23[6] = { 0.5, -1, 2, 1.5, 0, 0.25 };
static const size_t s23[2] = { 2, 3 }, s3[1] = { 3 }, s21[2] = { 2, 1 };

/* One graph per tensor op (and the elementwise ones on tensors), each on
 * inputs W (2x3) and x (3), built through the C API; NULL past the last. */
static wg_graph *op_graph(int k, const char **want_line)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    wg_var W = wg_graph_add_tensor_input(g, "W", 2, s23, w23);
    const double xv[3] = { 1, 2, 3 };
    wg_var x = wg_graph_add_tensor_input(g, "x", 1, s3, xv);
    wg_var r = { 0 };
    int ax[2] = { 0, 1 }, neg[1] = { -1 }, perm[2] = { 1, 0 };
    size_t sh32[2] = { 3, 2 }, sh423[3] = { 4, 2, 3 };
    wg_var parts[3] = { W, W, W };
    switch (k) {
    case 0:  r = wg_sum(t, W, 0, NULL, 0);        *want_line = "v2 = sum(W)\n"; break;
    case 1:  r = wg_sum(t, W, 1, ax, 1);          *want_line = "v2 = sum(W, axes=[0], keepdims=1)\n"; break;
    case 2:  r = wg_sum(t, W, 2, ax, 1);          *want_line = "v2 = sum(W, keepdims=1)\n"; break;
    case 3:  r = wg_mean(t, W, 1, neg, 0);        *want_line = "v2 = mean(W, axes=[1])\n"; break;
    case 4:  r = wg_mean(t, W, 0, NULL, 0);       *want_line = "v2 = mean(W)\n"; break;
    case 5:  r = wg_max_reduce(t, W, 1, 0);       *want_line = "v2 = max_reduce(W, axis=1)\n"; break;
    case 6:  r = wg_max_reduce(t, W, 0, 1);       *want_line = "v2 = max_reduce(W, axis=0, keepdims=1)\n"; break;
    case 7:  r = wg_logsumexp(t, W, -1, 0);       *want_line = "v2 = logsumexp(W, axis=1)\n"; break;
    case 8:  r = wg_logsumexp(t, W, 0, 1);        *want_line = "v2 = logsumexp(W, axis=0, keepdims=1)\n"; break;
    case 9:  r = wg_logsoftmax(t, W, 1);          *want_line = "v2 = logsoftmax(W, axis=1)\n"; break;
    case 10: r = wg_softmax(t, W, 0);             *want_line = "v2 = softmax(W, axis=0)\n"; break;
    case 11: r = wg_reshape(t, W, 2, sh32);       *want_line = "v2 = reshape(W, shape=[3, 2])\n"; break;
    case 12: r = wg_reshape(t, x, 0, sh32);       *want_line = NULL; break;   /* 3 -> scalar: misfit */
    case 13: r = wg_transpose(t, W, NULL);        *want_line = "v2 = transpose(W)\n"; break;
    case 14: r = wg_transpose(t, W, perm);        *want_line = "v2 = transpose(W)\n"; break;
    case 15: r = wg_broadcast_to(t, W, 3, sh423); *want_line = "v2 = broadcast_to(W, shape=[4, 2, 3])\n"; break;
    case 16: r = wg_slice(t, W, 1, 1, 3);         *want_line = "v2 = slice(W, axis=1, start=1, stop=3)\n"; break;
    case 17: r = wg_slice(t, W, 0, 1, 1);         *want_line = "v2 = slice(W, axis=0, start=1, stop=1)\n"; break;
    case 18: r = wg_matmul(t, W, x);              *want_line = "v2 = W @ x\n"; break;
    case 19: r = wg_concat(t, 2, parts, 0);       *want_line = "v2 = concat(W, W, axis=0)\n"; break;
    case 20: r = wg_concat(t, 3, parts, 1);       *want_line = "concat("; break;
    case 21: r = wg_stack(t, 2, parts, 0);        *want_line = "reshape(W, shape=[1, 2, 3])"; break;
    case 22: r = wg_mul(t, W, x);                 *want_line = "v2 = W * x\n"; break;
    case 23: r = wg_add_c(t, W, 0.5);             *want_line = "v2 = add_c(W, 0.5)\n"; break;
    case 24: r = wg_exp(t, W);                    *want_line = "v2 = exp(W)\n"; break;
    case 25: r = wg_powi(t, W, 3);                *want_line = "v2 = powi(W, 3)\n"; break;
    case 26: {
        const double c[2] = { 10, 20 };
        wg_var C = wg_tensor_const(t, 2, s21, c);
        r = wg_div(t, W, C);
        *want_line = "const v2 : 2x1 = [10, 20]\nv3 = W / v2\n";
        break;
    }
    case 27:
        wg_lt(t, W, x);
        r = wg_tape_var(t, wg_tape_size(t) - 1);
        *want_line = "v2 = lt(W, x)\n";
        break;
    case 28: r = wg_transpose(t, wg_reshape(t, W, 3, (size_t[]){ 1, 2, 3 }),
                              (int[]){ 0, 2, 1 });
             *want_line = "v3 = transpose(v2, perm=[0, 2, 1])\n"; break;
    case 29: r = wg_sum(t, wg_reshape(t, W, 3, (size_t[]){ 1, 2, 3 }), 2, (int[]){ 2, 0 }, 0);
             *want_line = "v3 = sum(v2, axes=[0, 2])\n"; break;
    case 30: r = wg_argmax_mask(t, W, 1);         *want_line = "v2 = argmax_mask(W, axis=1)\n"; break;
    case 31: r = wg_argmax_mask(t, W, -2);        *want_line = "v2 = argmax_mask(W, axis=0)\n"; break;
    case 32: r = wg_step(t, W);                   *want_line = "v2 = step(W)\n"; break;
    case 33: r = wg_sign(t, x);                   *want_line = "v2 = sign(x)\n"; break;
    default:
        wg_graph_free(g);
        return NULL;
    }
    if (!*want_line) {          /* the misfit case: the tape must have failed */
        CU_ASSERT_EQUAL(wg_status(t), WG_ESHAPE);
        wg_graph_free(g);
        return op_graph(k + 1, want_line);
    }
    if (wg_status(t) != WG_OK)
        fprintf(stderr, "\n  op graph %d: %s\n", k, wg_errmsg(t));
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "y", r), WG_OK);
    return g;
}

/* every tensor op, by the C API: its line, and a byte-identical round trip */
static void every_op_round_trip(void)
{
    int seen[WG_OP_COUNT] = { 0 };
    for (int k = 0;; k++) {
        const char *want = NULL;
        wg_graph *g = op_graph(k, &want);
        if (!g)
            break;
        wg_tape *t = wg_graph_tape(g);
        for (size_t i = 0; i < wg_tape_size(t); i++)
            seen[wg_node_op(t, i)] = 1;
        char *text = round_trip(g);
        assert_contains(text, want);
        free(text);
        wg_graph_free(g);
    }
    for (int k = 0; k < WG_OP_COUNT; k++) {
        wg_op_kind kind = wg_op_kind_of((wg_op)k);
        if (kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY) {
            if (!seen[k])
                fprintf(stderr, "\n  no round trip of '%s'\n", wg_op_name((wg_op)k));
            CU_ASSERT(seen[k]);
        }
    }
}

/* a small graph's text, byte for byte */
static void canonical_text(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    const double wv[4] = { 0.5, -1, 0.1, 1e-300 }, xv[2] = { 1, -0.0 };
    wg_var W = wg_graph_add_tensor_input(g, "W", 2, (size_t[]){ 2, 2 }, wv);
    wg_var x = wg_graph_add_tensor_input(g, "x", 1, (size_t[]){ 2 }, xv);
    wg_var s = wg_graph_add_input(g, "s", 3);
    wg_var u = wg_tensor_input(t, 2, (size_t[]){ 0, 3 }, wv);       /* unnamed, 0-size */
    wg_var h = wg_matmul(t, W, x);
    wg_var p = wg_softmax(t, wg_mul(t, h, s), 0);
    wg_var y = wg_logsumexp(t, p, -1, 0);
    (void)u;
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "y", y), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "h", h), WG_OK);
    check_text(g, "# wengert graph: 4 inputs, 2 outputs, 8 nodes\n"
                  "input W : 2x2 = [0.5, -1, 0.1, 1e-300]\n"
                  "input x : 2 = [1, -0]\n"
                  "input s = 3\n"
                  "input in3 : 0x3 = []\n"
                  "v4 = W @ x\n"
                  "v5 = v4 * s\n"
                  "v6 = softmax(v5, axis=0)\n"
                  "v7 = logsumexp(v6, axis=0)\n"
                  "y = v7\n"
                  "output y\n"
                  "h = v4\n"
                  "output h\n");
    free(round_trip(g));
    wg_graph_free(g);
}

/* ---------------------------------------------------------------- reading */

/* tests/data/every_tensor_op.wg: every tensor op, wrapped values, comments;
 * its values are those of the same graph built through the C API */
static void every_tensor_op_file(void)
{
    char path[4096];
    wg_parse_error e;
    wg_graph *g = wg_graph_read_file(data_path("every_tensor_op.wg", path, sizeof path), &e);
    if (!g)
        fprintf(stderr, "\n  %s\n", e.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_tape *t = wg_graph_tape(g);
    for (int k = 0; k < WG_OP_COUNT; k++) {
        wg_op_kind kind = wg_op_kind_of((wg_op)k);
        if (kind != WG_KIND_TUNARY && kind != WG_KIND_TBINARY)
            continue;
        int seen = 0;
        for (size_t i = 0; i < wg_tape_size(t) && !seen; i++)
            seen = wg_node_op(t, i) == (wg_op)k;
        if (!seen)
            fprintf(stderr, "\n  every_tensor_op.wg lacks op '%s'\n", wg_op_name((wg_op)k));
        CU_ASSERT(seen);
    }

    /* the same, one call per statement */
    wg_tape *c = wg_tape_new();
    wg_var W = wg_tensor_input(c, 2, s23, w23);
    wg_var x = wg_tensor_input(c, 1, s3, (const double[]){ 1, 2, 3 });
    wg_var s = wg_input(c, 2);
    wg_var C = wg_tensor_const(c, 2, s21, (const double[]){ 10, 20 });
    wg_var h = wg_matmul(c, W, x);
    wg_var Wt = wg_transpose(c, W, NULL);
    wg_var m = wg_matmul(c, W, Wt);
    wg_var a = wg_sum(c, W, 0, NULL, 0);
    wg_var a2 = wg_sum(c, W, 1, (const int[]){ 0 }, 1);
    a2 = wg_mul(c, a2, s);
    a = wg_add(c, a, a2);
    wg_var b = wg_mean(c, W, 1, (const int[]){ -1 }, 0);
    b = wg_add(c, b, wg_max_reduce(c, W, 1, 0));
    wg_var l = wg_logsumexp(c, W, -1, 0);
    l = wg_sub(c, l, wg_logsoftmax(c, h, 0));
    wg_var p = wg_mul(c, W, C);
    p = wg_softmax(c, p, 1);
    wg_var r = wg_reshape(c, p, 2, (const size_t[]){ 3, 2 });
    wg_var tr = wg_transpose(c, r, (const int[]){ 1, 0 });
    wg_var bc = wg_broadcast_to(c, C, 2, s23);
    wg_var sl = wg_slice(c, bc, 1, 1, 3);
    wg_var cc = wg_concat(c, 3, (const wg_var[]){ W, bc, W }, 0);
    wg_var st = wg_stack(c, 2, (const wg_var[]){ h, l }, 1);
    wg_var am = wg_mul(c, wg_argmax_mask(c, W, 0), W);
    wg_var sg = wg_sign(c, W);
    am = wg_add(c, am, wg_mul(c, sg, wg_step(c, x)));
    wg_var y = wg_sum(c, tr, 0, NULL, 0);
    y = wg_add(c, y, wg_sum(c, sl, 0, NULL, 0));
    y = wg_add(c, y, wg_sum(c, cc, 0, NULL, 0));
    y = wg_add(c, y, wg_sum(c, st, 0, NULL, 0));
    y = wg_add(c, y, wg_sum(c, m, 0, NULL, 0));
    y = wg_add(c, y, wg_sum(c, a, 0, NULL, 0));
    y = wg_add(c, y, wg_sum(c, b, 0, NULL, 0));
    wg_var ep = wg_sum(c, p, 0, NULL, 0);
    y = wg_add(c, y, wg_exp(c, ep));
    y = wg_add(c, y, wg_sum(c, am, 0, NULL, 0));
    CU_ASSERT_EQUAL_FATAL(wg_status(c), WG_OK);
    CU_ASSERT_EQUAL(wg_tape_size(c), wg_tape_size(t));
    for (size_t i = 0; i < wg_tape_size(c) && i < wg_tape_size(t); i++) {
        int same = wg_node_op(c, i) == wg_node_op(t, i) && same_node_values(c, i, t, i);
        if (!same)
            fprintf(stderr, "\n  node %zu differs: %s vs %s\n", i, wg_op_name(wg_node_op(c, i)),
                    wg_op_name(wg_node_op(t, i)));
        CU_ASSERT(same);
    }
    CU_ASSERT_EQUAL(wg_graph_noutputs(g), 2);
    CU_ASSERT(same_node_values(c, wg_var_index(c, y), t, wg_var_index(t, wg_graph_output(g, 0))));
    CU_ASSERT(same_node_values(c, wg_var_index(c, h), t, wg_var_index(t, wg_graph_output(g, 1))));

    /* its canonical form, and that form is its own */
    char *want = read_whole(data_path("every_tensor_op_canonical.wg", path, sizeof path));
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    check_text(g, want);
    wg_graph *g2 = wg_graph_read_file(path, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g2);
    check_text(g2, want);
    free(round_trip(g2));
    free(want);
    wg_graph_free(g2);
    wg_graph_free(g);
    wg_tape_free(c);
}

/* text forms that read the same: wrapped values, CRLF, spacing, defaults,
 * negative axes, matmul as a call and as '@' */
static void equivalent_forms(void)
{
    static const char *const forms[] = {
        "input W : 2x3 = [0.5, -1, 2, 1.5, 0, 0.25]\ny = sum(W @ transpose(W), axes=[0])\n"
        "output y\n",
        "input W : 2x3 = [\n  0.5, -1, 2,   # row 0\n  1.5, 0, 0.25  # row 1\n]\n"
        "y = sum(matmul(W, transpose(W, perm=[1, 0])), keepdims=0, axes=[-2])\noutput y\n",
        "input W:2x3=[+0.5,-1,2\r\n,1.5,0,.25]\r\ny = sum(W@transpose(W),axes=[0])\r\n"
        "output y",
    };
    char *first = NULL;
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        wg_graph *g = read_text(forms[k]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        int s;
        char *text = write_text(g, &s);
        CU_ASSERT_EQUAL(s, WG_OK);
        if (!first)
            first = text;
        else {
            if (strcmp(first, text) != 0)
                fprintf(stderr, "\n  form %zu:\n%s  vs\n%s", k, text, first);
            CU_ASSERT_STRING_EQUAL(first, text);
            free(text);
        }
        wg_graph_free(g);
    }
    assert_contains(first, "v2 = W @ v1\nv3 = sum(v2, axes=[0])\n");
    free(first);

    /* const statements: a tensor, and a scalar like "k = 2.5" */
    wg_graph *g = read_text("const C : 2 = [1, 2]\nconst k = -2.5\nv2 = C * k\noutput v2\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_tape *t = wg_graph_tape(g);
    CU_ASSERT_EQUAL(wg_node_op(t, 0), WG_OP_CONST);
    CU_ASSERT_EQUAL(wg_node_op(t, 1), WG_OP_CONST);
    CU_ASSERT_EQUAL(wg_node_value(t, 1), -2.5);
    check_text(g, "# wengert graph: 0 inputs, 1 outputs, 3 nodes\n"
                  "const v0 : 2 = [1, 2]\n"
                  "v1 = -2.5\n"
                  "v2 = v0 * v1\n"
                  "output v2\n");
    wg_graph_free(g);

    /* stack, file, axis are ordinary names; const(2) still starts an expression */
    g = read_text("input stack = 1\ninput file = 2\naxis = stack + file\nv = const(2) * axis\n"
                  "z = stack(v, v, axis=0)\noutput z\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    size_t shape[WG_MAX_RANK];
    CU_ASSERT_EQUAL(wg_shape(wg_graph_tape(g), wg_graph_output(g, 0), shape), 1);
    CU_ASSERT_EQUAL(shape[0], 2);
    wg_graph_free(g);

    /* a number as the operand of a tensor op is a rank-0 const node */
    g = read_text("y = sum(2)\noutput y\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(wg_node_op(wg_graph_tape(g), 0), WG_OP_CONST);
    CU_ASSERT_EQUAL(wg_value(wg_graph_tape(g), wg_graph_output(g, 0)), 2);
    wg_graph_free(g);
}

/* wg_graph_add_tensor_input: names as wg_graph_add_input, rank 0 a scalar */
static void add_tensor_input(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    const double v[2] = { 1, 2 };
    wg_var a = wg_graph_add_tensor_input(g, "a", 1, (size_t[]){ 2 }, v);
    wg_var b = wg_graph_add_tensor_input(g, "b", 0, NULL, v);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_ninputs(g), 2);
    CU_ASSERT_EQUAL(wg_numel(t, a), 2);
    CU_ASSERT_EQUAL(wg_shape(t, b, NULL), 0);
    CU_ASSERT_EQUAL(wg_value(t, b), 1);
    CU_ASSERT_STRING_EQUAL(wg_graph_input_name(g, 0), "a");
    wg_var bad = wg_graph_add_tensor_input(g, "v7", 1, (size_t[]){ 2 }, v);
    CU_ASSERT_EQUAL(bad.id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
    wg_graph_free(g);
    g = wg_graph_new();
    bad = wg_graph_add_tensor_input(g, "a", 1, (size_t[]){ 2 }, (const double[]){ 1, NAN });
    CU_ASSERT_EQUAL(bad.id, 0);
    CU_ASSERT_EQUAL(wg_graph_ninputs(g), 0);
    CU_ASSERT_NOT_EQUAL(wg_status(wg_graph_tape(g)), WG_OK);
    wg_graph_free(g);
}

/* ---------------------------------------------------------------- malformed text */

typedef struct {
    const char *text;
    int status;
    int line, column;
    const char *msg;
} bad_case;

#define W23 "input W : 2x3 = [1, 2, 3, 4, 5, 6]\n"

static const bad_case catalogue[] = {
    /* a keyword list is part of a one-line expression: no line break inside */
    { "input W : 2x3 = [1, 2, 3, 4, 5, 6]\ny = sum(W, axes=[0,\n1])\noutput y\n", WG_EPARSE, 2,
      20, "expected an integer as the value of 'axes', found end of line" },
    /* shapes */
    { "input W : 2x = [1, 2]\n", WG_EPARSE, 1, 11, "malformed shape '2x' of input 'W'" },
    { "input W : 2xx3 = [1]\n", WG_EPARSE, 1, 11, "malformed shape '2xx3'" },
    { "input W : 2X3 = [1]\n", WG_EPARSE, 1, 11, "malformed shape '2X3'" },
    { "input W : 2.5 = [1]\n", WG_EPARSE, 1, 11, "malformed shape '2.5'" },
    { "input W : x3 = [1]\n", WG_EPARSE, 1, 11, "expected the shape of input 'W' after ':'" },
    { "input W : = [1]\n", WG_EPARSE, 1, 11, "expected the shape of input 'W' after ':'" },
    { "input W : 1x1x1x1x1x1x1x1x1 = [1]\n", WG_EPARSE, 1, 11, "has more than 8 axes" },
    { "input W : 99999999999999999999x2 = []\n", WG_ELIMIT, 1, 11, "size 1 is too large" },
    { "input W : 4294967296x4294967296 = []\n", WG_ELIMIT, 1, 11,
      "has more than 1099511627776 elements" },
    { "input W : 2x3 [1]\n", WG_EPARSE, 1, 15,
      "expected '=' after the shape of input 'W', found '['" },
    /* values */
    { "input W : 2x3 = [1, 2, 3, 4, 5]\n", WG_EPARSE, 1, 31,
      "input 'W': shape 2x3 needs 6 values, found 5" },
    { "input W : 2 = [1, 2, 3, 4]\n", WG_EPARSE, 1, 22, "input 'W': shape 2 needs 2 values, found 4" },
    { "input W : 0x3 = [1]\n", WG_EPARSE, 1, 18, "shape 0x3 needs 0 values, found 1" },
    { "const C : 2 = [1]\n", WG_EPARSE, 1, 17, "const 'C': shape 2 needs 2 values, found 1" },
    { "input W : 2 = [1, inf]\n", WG_EPARSE, 1, 19,
      "expected a finite number as value 2 of input 'W', found 'inf'" },
    { "input W : 2 = [1, x]\n", WG_EPARSE, 1, 19, "expected a number as value 2 of input 'W'" },
    { "input W : 1 = [1e999]\n", WG_EPARSE, 1, 16, "number '1e999' is too large for a double" },
    { "input W : 2 = [1 2]\n", WG_EPARSE, 1, 18, "expected ',' or ']' in the values of input 'W' "
      "opened at 1:15, found '2'" },
    { "input W : 2 = [1, 2\noutput W\n", WG_EPARSE, 2, 1, "expected ',' or ']' in the values of "
      "input 'W' opened at 1:15, found 'output'" },
    { "input W : 2 = [1,]\n", WG_EPARSE, 1, 18, "expected a number as value 2 of input 'W', "
      "found ']'" },
    { "input W : 2 = 5\n", WG_EPARSE, 1, 15, "expected '[' and the values of input 'W', or file" },
    { "input W : 2 = file w.txt\n", WG_EPARSE, 1, 20, "the data file's path in quotes" },
    { "input W : 2 = file \"w.txt\n", WG_EPARSE, 1, 20, "unterminated string" },
    { "input W : 2 = file \"\"\n", WG_EPARSE, 1, 20, "the path of the data file of input 'W' is "
      "empty" },
    { "input v3 : 2 = [1, 2]\n", WG_EPARSE, 1, 7, "'v3' cannot name an input" },
    { "input W : 2 = [1, 2]\ninput W : 2 = [1, 2]\n", WG_EPARSE, 2, 7, "'W' is defined twice" },
    /* keywords */
    { W23 "y = sum(W, axis=0)\n", WG_EPARSE, 2, 12, "'sum' has no keyword 'axis'; usage: sum(a, " },
    { W23 "y = softmax(W, dim=1)\n", WG_EPARSE, 2, 16, "'softmax' has no keyword 'dim'" },
    { W23 "y = slice(W, axis=0, axis=1, start=0, stop=1)\n", WG_EPARSE, 2, 22,
      "keyword 'axis' of 'slice' is given twice: at 2:14 and at 2:22" },
    { W23 "y = softmax(W)\n", WG_EPARSE, 2, 14, "'softmax' needs keyword 'axis'" },
    { W23 "y = argmax_mask(W)\n", WG_EPARSE, 2, 18,
      "'argmax_mask' needs keyword 'axis'; usage: argmax_mask(a, axis=i)" },
    { W23 "y = argmax_mask(W, axis=0, keepdims=1)\n", WG_EPARSE, 2, 28,
      "'argmax_mask' has no keyword 'keepdims'" },
    { W23 "y = step(W, axis=1)\n", WG_EPARSE, 2, 13,
      "'step' takes no keyword arguments, found keyword 'axis'; usage: step(a)" },
    { W23 "y = slice(W, axis=0, stop=1)\n", WG_EPARSE, 2, 28, "'slice' needs keyword 'start'" },
    { W23 "y = stack(W, W)\n", WG_EPARSE, 2, 15, "'stack' needs keyword 'axis'" },
    { W23 "y = sin(W, axis=1)\n", WG_EPARSE, 2, 12,
      "'sin' takes no keyword arguments, found keyword 'axis'; usage: sin(a)" },
    { W23 "y = atan2(axis=1, W)\n", WG_EPARSE, 2, 11, "'atan2' takes no keyword arguments" },
    { W23 "y = concat(W, axis=0, W)\n", WG_EPARSE, 2, 23, "operands come before keywords" },
    { W23 "y = sum(W, W)\n", WG_EPARSE, 2, 12, "'sum' takes 1 operand, found operand 2" },
    { W23 "y = matmul(W)\n", WG_EPARSE, 2, 13, "'matmul' takes 2 operands, found 1" },
    { W23 "y = concat(axis=0)\n", WG_EPARSE, 2, 18, "'concat' takes at least 1 operand, found 0" },
    { W23 "y = sum(W, keepdims=2)\n", WG_EPARSE, 2, 21,
      "expected 0 or 1 as the value of 'keepdims', found '2'" },
    { W23 "y = sum(W, axes=0)\n", WG_EPARSE, 2, 17,
      "expected '[' and a list of integers as the value of 'axes', found '0'" },
    { W23 "y = sum(W, axes=[])\n", WG_EPARSE, 2, 18, "'axes' of 'sum' lists no axis" },
    { W23 "y = sum(W, axes=[0, x])\n", WG_EPARSE, 2, 21,
      "expected an integer as the value of 'axes', found 'x'" },
    { W23 "y = softmax(W, axis=1.5)\n", WG_EPARSE, 2, 21,
      "expected an integer as the value of 'axis', found '1.5'" },
    { W23 "y = softmax(W, axis=3000000000)\n", WG_EPARSE, 2, 21,
      "expected an integer that fits an int as the value of 'axis', found '3000000000'" },
    { W23 "y = slice(W, axis=0, start=-1, stop=1)\n", WG_EPARSE, 2, 28,
      "expected an integer 0 or more as the value of 'start', found '-1'" },
    { W23 "y = reshape(W, shape=[1, 1, 1, 1, 1, 1, 1, 1, 6])\n", WG_EPARSE, 2, 47,
      "the list of 'shape' has more than 8 entries" },
    { W23 "y = reshape(W, shape=[2 3])\n", WG_EPARSE, 2, 25,
      "expected ',' or ']' in the list of 'shape' opened at 2:22, found '3'" },
    { W23 "y = sum\n", WG_EPARSE, 2, 8, "expected '(' after the op name 'sum', found end of line; "
      "usage: sum(a, axes=" },
    { W23 "y = sum(W, keepdims=1\n", WG_EPARSE, 2, 22, "expected ',' or ')' after argument 2 of "
      "'sum', found end of line" },
    /* shapes that do not fit: the library's message at the op */
    { W23 "y = W @ W\n", WG_ESHAPE, 2, 7, "(matmul)" },
    { "input a : 2 = [1, 2]\ninput b : 3 = [1, 2, 3]\ny = a + b\n", WG_ESHAPE, 3, 7, "(add)" },
    { W23 "y = reshape(W, shape=[4])\n", WG_ESHAPE, 2, 5, "(reshape)" },
    { W23 "y = broadcast_to(W, shape=[3, 3])\n", WG_ESHAPE, 2, 5, "(broadcast_to)" },
    { W23 "y = concat(W, transpose(W), axis=0)\n", WG_ESHAPE, 2, 5, "(concat)" },
    { W23 "y = transpose(W, perm=[0])\n", WG_ESHAPE, 2, 18,
      "'perm' of 'transpose' lists 1 axes, the operand has 2" },
};

static void malformed_catalogue(void)
{
    size_t n = sizeof catalogue / sizeof catalogue[0];
    CU_ASSERT(n >= 20);
    for (size_t k = 0; k < n; k++) {
        const bad_case *c = &catalogue[k];
        char name[64], prefix[128];
        snprintf(name, sizeof name, "bad_%zu.wg", k);
        wg_parse_error e;
        wg_graph *g = wg_graph_read_string(c->text, name, &e);
        snprintf(prefix, sizeof prefix, "%s:%d:%d: error: ", name, c->line, c->column);
        int ok = !g && e.status == c->status && e.line == c->line && e.column == c->column
                 && strncmp(e.message, prefix, strlen(prefix)) == 0
                 && strstr(e.message, c->msg) != NULL;
        if (!ok)
            fprintf(stderr, "\n  catalogue[%zu]: status %d (want %d), %d:%d (want %d:%d)\n"
                    "    got  %s\n    want %s%s\n", k, e.status, c->status, e.line, e.column,
                    c->line, c->column, e.message, prefix, c->msg);
        CU_ASSERT(ok);
        wg_graph_free(g);
    }
}

/* truncations of a valid tensor file: a graph or an error with a place,
 * never both, never a crash */
static void truncations(void)
{
    char path[4096];
    char *good = read_whole(data_path("every_tensor_op.wg", path, sizeof path));
    CU_ASSERT_PTR_NOT_NULL_FATAL(good);
    size_t n = strlen(good);
    char *buf = malloc(n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    for (size_t cut = 0; cut <= n; cut++) {
        memcpy(buf, good, cut);
        buf[cut] = '\0';
        wg_parse_error e;
        wg_graph *g = wg_graph_read_string(buf, "cut.wg", &e);
        CU_ASSERT((g != NULL) == (e.status == WG_OK));
        CU_ASSERT(g || (e.line >= 1 && e.column >= 1));
        wg_graph_free(g);
    }
    /* a few bytes changed, from a pool rich in the tensor syntax */
    static const char pool[] = "[]:@x,=\"()0123-.e\n axessumfile";
    uint64_t r = 0x9E3779B97F4A7C15u;
    for (int k = 0; k < 3000; k++) {
        memcpy(buf, good, n + 1);
        for (int j = 0, flips = 1 + k % 4; j < flips; j++) {
            r ^= r >> 12, r ^= r << 25, r ^= r >> 27;
            uint64_t x = r * 0x2545F4914F6CDD1Du;
            buf[(x >> 8) % n] = (x & 1) ? pool[(x >> 40) % (sizeof pool - 1)]
                                        : (char)(1 + (x >> 32) % 255);
        }
        wg_parse_error e;
        wg_graph *g = wg_graph_read_string(buf, "mut.wg", &e);
        CU_ASSERT((g != NULL) == (e.status == WG_OK));
        CU_ASSERT(g || e.line >= 1);
        if (g)
            free(round_trip(g));
        wg_graph_free(g);
    }
    free(buf);
    free(good);
}

/* nested tensor calls count toward the nesting limit like parentheses */
static void deep_calls(void)
{
    static const int depth[] = { 300, 999, 1000, 5000 };
    for (size_t k = 0; k < sizeof depth / sizeof depth[0]; k++) {
        int d = depth[k];
        char *text = malloc((size_t)d * 20 + 64);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        size_t o = (size_t)sprintf(text, "input x : 2 = [1, 2]\ny = ");
        for (int i = 0; i < d; i++)
            o += (size_t)sprintf(text + o, "%s", i % 2 ? "concat(" : "transpose(");
        text[o++] = 'x';
        for (int i = d; i-- > 0;)
            o += (size_t)sprintf(text + o, "%s", i % 2 ? ", axis=0)" : ")");
        strcpy(text + o, "\noutput y\n");
        wg_parse_error e;
        wg_graph *g = wg_graph_read_string(text, "deep.wg", &e);
        if (d <= 999) {
            if (!g)
                fprintf(stderr, "\n  depth %d: %s\n", d, e.message);
            CU_ASSERT_PTR_NOT_NULL(g);
        } else {
            CU_ASSERT_PTR_NULL(g);
            CU_ASSERT_EQUAL(e.status, WG_EPARSE);
            CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "nested more than 1000 levels deep"));
        }
        wg_graph_free(g);
        free(text);
    }
}

/* ---------------------------------------------------------------- data files */

/* a .wg file and its data file in the scratch folder */
static wg_graph *read_with_data(const char *wg_text, const char *data, wg_parse_error *e)
{
    write_file(tmp_path("g.wg"), wg_text);
    if (data)
        write_file(tmp_path("w.txt"), data);
    else
        remove(tmp_path("w.txt"));
    return wg_graph_read_file(tmp_path("g.wg"), e);
}

static void data_files(void)
{
    static const char wg[] = "# values from a file\ninput W : 2x3 = file \"w.txt\"\n"
                             "y = sum(W, axes=[1])\noutput y\n";
    wg_parse_error e;
    /* signs, notations, comments, any white space */
    wg_graph *g = read_with_data(wg, "# W, row-major\n+1 -2\t3e0 # row 0\n\n 0x1p2 .5 6.\n", &e);
    if (!g)
        fprintf(stderr, "\n  %s\n", e.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_tape *t = wg_graph_tape(g);
    double v[6];
    CU_ASSERT_EQUAL(wg_tensor_value(t, wg_graph_input(g, 0), v), WG_OK);
    const double want[6] = { 1, -2, 3, 4, 0.5, 6 };
    for (int k = 0; k < 6; k++)
        CU_ASSERT(same_bits(v[k], want[k]));
    /* the writer puts the values inline */
    char *text = round_trip(g);
    assert_contains(text, "input W : 2x3 = [1, -2, 3, 4, 0.5, 6]\n");
    free(text);
    wg_graph_free(g);

    /* a subfolder, and an absolute path */
    mkdir(tmp_path("sub"), 0700);
    write_file(tmp_path("sub/d.txt"), "1 2 3 4 5 6");
    g = read_with_data("input W : 2x3 = file \"sub/d.txt\"\n", NULL, &e);
    CU_ASSERT_PTR_NOT_NULL(g);
    wg_graph_free(g);
    char abs_text[1024];
    snprintf(abs_text, sizeof abs_text, "input W : 2x3 = file \"%s\"\n", tmp_path("sub/d.txt"));
    g = read_with_data(abs_text, NULL, &e);
    CU_ASSERT_PTR_NOT_NULL(g);
    wg_graph_free(g);

    /* read_string: relative to the current directory */
    char cwd[4096];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    CU_ASSERT_EQUAL_FATAL(chdir(scratch), 0);
    g = wg_graph_read_string("input W : 6 = file \"sub/d.txt\"\n", "s.wg", &e);
    CU_ASSERT_PTR_NOT_NULL(g);
    wg_graph_free(g);
    CU_ASSERT_EQUAL_FATAL(chdir(cwd), 0);

    /* a 0-size tensor reads nothing, even from an empty file */
    g = read_with_data("input E : 0x3 = file \"w.txt\"\n", "", &e);
    CU_ASSERT_PTR_NOT_NULL(g);
    wg_graph_free(g);

    struct {
        const char *data;       /* NULL: no file */
        const char *path;       /* NULL: w.txt */
        int status;
        const char *msg;
    } bad[] = {
        { NULL, NULL, WG_EIO, "cannot open data file " },
        { "1 2 3\n4 x 6\n", NULL, WG_EPARSE, "w.txt:2:3: expected a number, found 'x' (value 5 "
          "of input 'W')" },
        { "1 2 3\n  4 5 6 7\n", NULL, WG_EPARSE, "input 'W': shape 2x3 needs 6 values, found more "
          "in data file " },
        { "1 2 3 4 5 6\n# a comment is fine\n  1e999\n", NULL, WG_EPARSE, "the first extra one is "
          "'1e999' at 3:3" },
        { "1 2 3\n", NULL, WG_EPARSE, "input 'W': shape 2x3 needs 6 values, found 3 in data file " },
        { "1 2 nan 4 5 6", NULL, WG_EPARSE, "w.txt:1:5: expected a finite number, found 'nan'" },
        { "1 2 -Inf 4 5 6", NULL, WG_EPARSE, "expected a finite number, found '-Inf'" },
        { "1 2 3 4 5 1e999", NULL, WG_EPARSE, "w.txt:1:11: number '1e999' is too large" },
        { "1,2,3,4,5,6", NULL, WG_EPARSE, "w.txt:1:1: expected a number, found '1,2,3,4,5,6'" },
        { "", "/dev/zero", WG_EIO, "data file /dev/zero of input 'W' is not a regular file" },
        { "", ".", WG_EIO, "is a directory" },
        { "", "fifo", WG_EIO, "is not a regular file" },
    };
    CU_ASSERT_EQUAL(mkfifo(tmp_path("fifo"), 0600), 0);
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char wg_line[512];
        snprintf(wg_line, sizeof wg_line, "# data\ninput W : 2x3 = file \"%s\"\n",
                 bad[k].path ? bad[k].path : "w.txt");
        g = read_with_data(wg_line, bad[k].data, &e);
        char prefix[600];
        snprintf(prefix, sizeof prefix, "%s:2:22: error: ", tmp_path("g.wg"));
        int ok = !g && e.status == bad[k].status && e.line == 2 && e.column == 22
                 && strncmp(e.message, prefix, strlen(prefix)) == 0
                 && strstr(e.message, bad[k].msg);
        if (!ok)
            fprintf(stderr, "\n  data file case %zu: status %d (want %d), %d:%d\n    got  %s\n"
                    "    want %s\n", k, e.status, bad[k].status, e.line, e.column, e.message,
                    bad[k].msg);
        CU_ASSERT(ok);
        wg_graph_free(g);
    }
    /* the data file is named with the folder of the .wg file */
    g = read_with_data("input W : 2x3 = file \"w.txt\"\n", NULL, &e);
    CU_ASSERT_PTR_NULL(g);
    assert_contains(e.message, tmp_path("w.txt"));
    assert_contains(e.message, strerror(ENOENT));

    /* a long data file is read only as far as the shape needs */
    FILE *f = fopen(tmp_path("w.txt"), "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (int k = 0; k < 200000; k++)
        fputs("1.5 ", f);
    fclose(f);
    write_file(tmp_path("g.wg"), "input W : 2x3 = file \"w.txt\"\n");
    g = wg_graph_read_file(tmp_path("g.wg"), &e);
    CU_ASSERT_PTR_NULL(g);
    assert_contains(e.message, "the first extra one is '1.5' at 1:25");
    write_file(tmp_path("g.wg"), "input W : 400x500 = file \"w.txt\"\n");
    g = wg_graph_read_file(tmp_path("g.wg"), &e);
    CU_ASSERT_PTR_NOT_NULL(g);
    if (g)
        CU_ASSERT_EQUAL(wg_node_values(wg_graph_tape(g), 0)[199999], 1.5);
    wg_graph_free(g);
}

/* ---------------------------------------------------------------- traces and DOT */

typedef struct {
    char *text;
    int status;
} capture;

enum { PRIMAL, TANGENT, ADJOINT, DOT, DOT_VALUES };

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

/* the row of a table whose first column is name (a new string, or NULL) */
static char *row(const char *text, const char *name)
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
            return r;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

static void check_row(const char *text, const char *name, const char *const *want)
{
    char *r = row(text, name);
    if (!r)
        fprintf(stderr, "\n  no row '%s' in\n%s\n", name, text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    for (; *want; want++) {
        if (!strstr(r, *want))
            fprintf(stderr, "\n  row '%s' lacks '%s'\n", r, *want);
        CU_ASSERT_PTR_NOT_NULL(strstr(r, *want));
    }
    free(r);
}

/* "2x2 [a, b, c, ...]" of the first elements of v, as the tables print */
static const char *abbrev(const char *shape, const double *v, size_t n, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "%s [", shape);
    for (size_t e = 0; e < n && e < 3; e++)
        o += (size_t)snprintf(buf + o, len - o, "%s%.6g", e ? ", " : "", v[e] + 0.0);
    snprintf(buf + o, len - o, "%s]", n > 3 ? ", ..." : "");
    return buf;
}

/* y = sum(tanh(W @ x) * s): W 2x2, x 2, s a scalar */
static wg_graph *small_graph(void)
{
    wg_graph *g = read_text("input W : 2x2 = [0.5, -1, 2, 0.25]\ninput x : 2 = [1, 2]\n"
                            "input s = 3\nh = W @ x\nk = tanh(h) * s\ny = sum(k)\noutput y\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    return g;
}

static void trace_tables(void)
{
    wg_graph *g = small_graph();
    wg_tape *t = wg_graph_tape(g);
    char buf[256];
    capture c = run(g, PRIMAL, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    check_row(c.text, "W", (const char *const[]){ "W = input", "2x2 [0.5, -1, 2, ...]", NULL });
    check_row(c.text, "x", (const char *const[]){ "2 [1, 2]", NULL });
    check_row(c.text, "v3", (const char *const[]){ "v3 = W @ x",
                                                   "(2x2 [0.5, -1, 2, ...]) @ (2 [1, 2])",
                                                   "2 [-1.5, 2.5]", NULL });
    check_row(c.text, "v6", (const char *const[]){ "v6 = sum(v5)", NULL });
    free(c.text);

    /* u has one entry per input element: W (4), x (2), s (1) */
    const double u[7] = { 1, 0, 0, 0, 0, 1, 0.5 };
    wg_var x[3] = { wg_graph_input(g, 0), wg_graph_input(g, 1), wg_graph_input(g, 2) };
    wg_var y = wg_graph_output(g, 0);
    double ydot, hdot[2];
    c = run(g, TANGENT, u, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    CU_ASSERT(strncmp(c.text, "Forward tangent trace along u = (1, 0, 0, 0, 0, 1, 0.5) over "
                              "(W[2x2], x[2], s)\n", 79) == 0);
    CU_ASSERT_EQUAL(wg_jvp(t, 3, x, u, 1, &y, &ydot), WG_OK);
    wg_var h = wg_tape_var(t, 3);
    CU_ASSERT_EQUAL(wg_jvp(t, 3, x, u, 1, &h, hdot), WG_OK);
    check_row(c.text, "v3", (const char *const[]){ "dv3 = dW @ x + W @ dx",
                                                   abbrev("2", hdot, 2, buf, sizeof buf), NULL });
    check_row(c.text, "v4", (const char *const[]){ "dv4 = dv3 * (1/cosh(v3)^2)", NULL });
    check_row(c.text, "v5", (const char *const[]){ "dv5 = dv4 * s + ds * v4", NULL });
    snprintf(buf, sizeof buf, "%.6g", ydot);
    check_row(c.text, "y", (const char *const[]){ buf, NULL });
    free(c.text);

    /* adjoints of a scalar output: the gradient, per element */
    double grad[7];
    c = run(g, ADJOINT, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    CU_ASSERT_EQUAL(wg_grad(t, y, 3, x, grad), WG_OK);
    check_row(c.text, "W", (const char *const[]){ "_W = _v3 @ x^T",
                                                  abbrev("2x2", grad, 4, buf, sizeof buf), NULL });
    check_row(c.text, "x", (const char *const[]){ "_x = W^T @ _v3",
                                                  abbrev("2", grad + 4, 2, buf, sizeof buf), NULL });
    check_row(c.text, "s", (const char *const[]){ "_s = sum_to(_v5 * v4, shape=[])", NULL });
    check_row(c.text, "v5", (const char *const[]){ "_v5 = broadcast_to(_v6, shape=[2])", NULL });
    free(c.text);

    /* a tensor output: seeded with 1 in every element */
    wg_graph_add_output(g, "h", h);
    c = run(g, ADJOINT, NULL, 1);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    assert_contains(c.text, "Reverse adjoint trace of output h (seed _h = 1 in every element)");
    check_row(c.text, "h", (const char *const[]){ "_h = 1 (seed, every element)", "2 [1, 1]",
                                                  NULL });
    double w[2] = { 1, 1 }, xbar[7];
    CU_ASSERT_EQUAL(wg_vjp(t, 1, &h, w, 3, x, xbar), WG_OK);
    check_row(c.text, "W", (const char *const[]){ abbrev("2x2", xbar, 4, buf, sizeof buf), NULL });
    check_row(c.text, "v6", (const char *const[]){ "_v6 = 0", NULL });
    free(c.text);
    wg_graph_free(g);
}

static void dot_labels(void)
{
    wg_graph *g = small_graph();
    capture c = run(g, DOT, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    assert_contains(c.text, "n0 [shape=box, label=\"W\\n2x2\"]");
    assert_contains(c.text, "n2 [shape=box, label=\"s\"]");
    assert_contains(c.text, "n3 [shape=ellipse, label=\"v3\\nmatmul\\n2\"]");
    assert_contains(c.text, "label=\"v6\\nsum\\noutput y\"");
    assert_contains(c.text, "n0 -> n3 [label=\"1\"]");
    assert_contains(c.text, "n1 -> n3 [label=\"2\"]");
    free(c.text);
    c = run(g, DOT_VALUES, NULL, 0);
    CU_ASSERT_EQUAL(c.status, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    assert_contains(c.text, "label=\"W\\n2x2\\n= [0.5, -1, 2, ...]\"");
    assert_contains(c.text, "label=\"v3\\nmatmul\\n2\\n= [-1.5, 2.5]\"");
    free(c.text);
    wg_graph_free(g);

    /* keyword arguments and tensor consts in labels */
    g = read_text("const C : 2x3 = [1, 2, 3, 4, 5, 6]\ny = sum(C, axes=[1], keepdims=1)\n"
                  "output y\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    c = run(g, DOT, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.text);
    assert_contains(c.text, "n0 [shape=diamond, label=\"v0\\n2x3\"]");
    assert_contains(c.text, "label=\"v1\\nsum axes=[1], keepdims=1\\n2x1\\noutput y\"");
    free(c.text);
    wg_graph_free(g);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "every tensor op: written and read back byte for byte", every_op_round_trip },
        { "canonical text of a small tensor graph", canonical_text },
        { "tests/data/every_tensor_op.wg: values as the C API's", every_tensor_op_file },
        { "equivalent text forms, const statements, names", equivalent_forms },
        { "wg_graph_add_tensor_input", add_tensor_input },
        { "catalogue of malformed tensor text", malformed_catalogue },
        { "truncations and mutations of a tensor file", truncations },
        { "deeply nested tensor calls", deep_calls },
        { "data files: read, refused, bounded", data_files },
        { "trace tables of a tensor graph", trace_tables },
        { "DOT labels of tensor nodes", dot_labels },
        { NULL, NULL }
    };
    if (make_scratch("wgtensor") != 0) {
        perror("wgtensor: scratch folder");
        return 99;
    }
    int r = wg_test_main("wgtensor", cases);
    remove_tree(scratch);
    return r;
}
