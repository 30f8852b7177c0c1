/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_bugs.c -- the injected-bug catalogue (fuzz/bugs.h): the rows are
 * well formed; every bug, armed on a small graph where it acts, is caught
 * by the verifier (verdict fail, in the mode it lives in, blame on the
 * mutated op's node, or for a bug of the sweep on the node it wrongs);
 * disarmed, or where its condition does not hold, the same graph is
 * clean; arming is per tape; the sweep's test flags act only with a hook. */
#include "bugs.h"
#include "test_util.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- graphs */

/* Each records y from the inputs x and sets *m to the node where the bug
 * acts: the node of the mutated op, or for a bug of the sweep the node
 * whose adjoint it wrongs.  Around that node, smooth parts that make the
 * one-sided values of a kink, and the partials of other edges, nontrivial. */
typedef wg_var (*graph_fn)(wg_tape *t, const wg_var *x, wg_var *m);

static wg_var g_cos(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_cos(t, wg_mul(t, x[0], x[1]));
    return wg_add(t, *m, wg_sin(t, x[0]));
}

static wg_var g_tanh(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_tanh(t, x[0]);
    return wg_mul(t, *m, x[1]);
}

static wg_var g_powi(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_powi(t, x[0], 3);
    return wg_add(t, *m, wg_sin(t, x[1]));
}

static wg_var g_pow_c(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_pow_c(t, x[0], 2.5);
    return wg_mul(t, *m, x[1]);
}

static wg_var g_erf(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_erf(t, x[0]);
    return wg_mul(t, *m, wg_exp(t, x[1]));
}

static wg_var g_cbrt(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_cbrt(t, wg_sub(t, x[0], x[1]));
    return wg_add(t, *m, x[0]);
}

static wg_var g_atan(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_atan(t, wg_mul_c(t, x[0], 50.0));
    return wg_add(t, *m, wg_square(t, x[1]));
}

/* x0 feeds sin and exp: its adjoint has two contributions */
static wg_var g_shared(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = x[0];
    return wg_add(t, wg_mul(t, wg_sin(t, x[0]), wg_exp(t, x[0])), x[1]);
}

/* the same ops without a shared node: every adjoint has one contribution */
static wg_var g_tree(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = x[0];
    return wg_mul(t, wg_sin(t, x[0]), wg_exp(t, x[1]));
}

static wg_var g_div(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_div(t, wg_exp(t, x[0]), x[1]);
    return wg_add(t, *m, x[1]);
}

static wg_var g_sqrt(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_sqrt(t, wg_mul(t, x[0], x[1]));
    return wg_sin(t, *m);
}

static wg_var g_relu(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_relu(t, wg_sub(t, x[0], x[1]));
    return wg_add(t, *m, wg_sin(t, x[0]));
}

static wg_var g_abs(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_abs(t, x[0]);
    return wg_add(t, *m, wg_cos(t, x[1]));
}

static wg_var g_max(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_max(t, x[0], x[1]);
    return wg_add(t, *m, wg_mul(t, x[0], x[1]));
}

static wg_var g_hypot(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_hypot(t, x[0], x[1]);
    return wg_add(t, *m, wg_exp(t, x[0]));
}

static wg_var g_mul_c(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_mul_c(t, x[0], 3.0);
    return wg_add(t, wg_sin(t, *m), wg_mul(t, x[1], x[0]));
}

/* the variable-operand mul alone: the constant variant's bug must not touch it */
static wg_var g_mul(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_mul(t, x[0], wg_add_c(t, x[1], 3.0));
    return wg_sin(t, *m);
}

static wg_var g_atan2(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_atan2(t, x[0], x[1]);
    return *m;
}

static wg_var g_tan(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_tan(t, x[0]);
    return wg_mul(t, *m, x[1]);
}

static wg_var g_log1p(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_log1p(t, wg_mul(t, x[0], x[1]));
    return *m;
}

static wg_var g_pow(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_pow(t, x[0], x[1]);
    return *m;
}

static wg_var g_expm1(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_expm1(t, wg_mul_c(t, x[0], 1e-3));
    return wg_add(t, *m, wg_mul_c(t, x[1], 1e-3));
}

static wg_var g_sub(wg_tape *t, const wg_var *x, wg_var *m)
{
    *m = wg_sub(t, wg_exp(t, x[0]), wg_square(t, x[1]));
    return *m;
}

typedef struct bug_graph {
    const char *bug;
    graph_fn record;
    double x[2];
    int active;             /* 1: the bug's condition holds at x; 0: it does not */
    wg_verdict clean;       /* verdict without the bug: pass, or nondiff at a kink */
    const char *mode;       /* fail_mode armed (active cases); NULL: either */
} bug_graph;

#define P WG_VERDICT_PASS
#define K WG_VERDICT_NONDIFF

static const bug_graph graphs[] = {
    { "cos-sign",             g_cos,    { 0.7, 1.3 },  1, P, NULL },
    { "tanh-no-chain",        g_tanh,   { 0.8, 1.5 },  1, P, NULL },
    { "pow-exponent-off",     g_powi,   { 1.7, 0.4 },  1, P, NULL },
    { "pow-exponent-off",     g_pow_c,  { 0.6, 1.2 },  1, P, NULL },
    { "pow-exponent-off",     g_powi,   { 1.0, 0.4 },  0, P, NULL },   /* 3 a^3 = 3 a^2 at 1 */
    { "erf-constant",         g_erf,    { 0.4, 0.2 },  1, P, NULL },
    { "cbrt-negative",        g_cbrt,   { 0.3, 1.1 },  1, P, NULL },
    { "cbrt-negative",        g_cbrt,   { 1.1, 0.3 },  0, P, NULL },
    { "atan-large",           g_atan,   { 3.0, 0.5 },  1, P, NULL },   /* atan(150) */
    { "atan-large",           g_atan,   { 1.0, 0.5 },  0, P, NULL },   /* atan(50) */
    { "adj-overwrite",        g_shared, { 0.5, 0.2 },  1, P, "reverse" },
    { "adj-overwrite",        g_tree,   { 0.5, 0.2 },  0, P, NULL },
    { "div-forward",          g_div,    { 0.3, 1.7 },  1, P, "forward" },
    { "sqrt-reverse",         g_sqrt,   { 1.2, 2.5 },  1, P, "reverse" },
    { "relu-kink",            g_relu,   { 0.8, 0.8 },  1, K, NULL },
    { "relu-kink",            g_relu,   { 0.9, 0.8 },  0, P, NULL },
    { "abs-kink",             g_abs,    { 0.0, 0.5 },  1, K, NULL },
    { "abs-kink",             g_abs,    { 0.3, 0.5 },  0, P, NULL },
    { "max-tie",              g_max,    { 1.5, 1.5 },  1, K, NULL },
    { "max-tie",              g_max,    { 1.5, 1.2 },  0, P, NULL },
    { "hypot-origin",         g_hypot,  { 0.0, 0.0 },  1, K, NULL },
    { "hypot-origin",         g_hypot,  { 0.3, 0.4 },  0, P, NULL },
    { "mul_c-constant",       g_mul_c,  { 0.4, 0.9 },  1, P, NULL },
    { "mul_c-constant",       g_mul,    { 0.4, 0.9 },  0, P, NULL },
    { "atan2-swap",           g_atan2,  { 0.5, 2.0 },  1, P, NULL },
    { "tan-argument",         g_tan,    { 0.9, 1.3 },  1, P, NULL },
    { "log1p-as-log",         g_log1p,  { 0.5, 0.6 },  1, P, NULL },
    { "pow-exponent-dropped", g_pow,    { 1.5, 2.2 },  1, P, NULL },
    { "expm1-small",          g_expm1,  { 0.5, 0.2 },  1, P, NULL },   /* expm1(5e-4) */
    { "expm1-small",          g_expm1,  { 5.0, 0.2 },  0, P, NULL },   /* expm1(5e-3) */
    { "sub-sign",             g_sub,    { 0.3, 0.7 },  1, P, NULL },
};
#define NGRAPHS (sizeof graphs / sizeof graphs[0])

/* tensor and second-order bugs: .wg graphs where each acts (active) and
 * where it must not; mark is the node of the mutated op */
typedef struct tensor_case {
    const char *bug;
    const char *text;
    long mark;
    int active;
    const char *mode;
    unsigned order;         /* of the check */
} tensor_case;

#define X23 "input x : 2x3 = [0.5, -1.25, 2, 0.75, 1.5, -0.5]\n"
#define XZ "input x = 0.75\ninput z = 1.3\n"
static const tensor_case tcases[] = {
    { "bcast-no-sum", X23 "v1 = x * x\nv2 = v1 * x\noutput v2\n", -1, 0, NULL, 1 },
                                            /* no operand stretched: clean */
    { "bcast-no-sum", "input a : 2x1 = [0.5, -0.75]\n" X23 "v2 = a * x\noutput v2\n", 2, 1,
      "reverse", 1 },
    { "bcast-tile", "input a : 2x1 = [0.5, -0.75]\n" X23 "v2 = a * x\noutput v2\n", 2, 1, NULL, 1 },
    { "bcast-tile", "input a : 1x3 = [0.5, -0.75, 1.25]\n" X23 "v2 = a * x\noutput v2\n", -1, 0,
      NULL, 1 },                               /* a leading axis: tiled = stretched */
    { "matmul-no-transpose", X23 "input b : 3x2 = [1, 2, -0.5, 0.25, 1.5, -1]\nv2 = x @ b\n"
      "output v2\n", 2, 1, "reverse", 1 },
    { "matmul-no-transpose", X23 "input b : 3 = [1, -0.5, 1.5]\nv2 = x @ b\noutput v2\n", -1, 0,
      NULL, 1 },                               /* a vector is its own transpose in memory */
    { "matmul-batch-no-sum", "input a : 2x2x3 = [0.5, -1.25, 2, 0.75, 1.5, -0.5, 1, 2, 3, -1, "
      "0.25, 0.5]\ninput b : 3x2 = [1, 2, -0.5, 0.25, 1.5, -1]\nv2 = a @ b\noutput v2\n", 2, 1,
      "reverse", 1 },
    { "matmul-batch-no-sum", X23 "input b : 3x2 = [1, 2, -0.5, 0.25, 1.5, -1]\nv2 = x @ b\n"
      "output v2\n", -1, 0, NULL, 1 },
    { "logsoftmax-no-softmax", X23 "v1 = logsoftmax(x, axis=1)\noutput v1\n", 1, 1, NULL, 1 },
    { "logsumexp-no-shift", X23 "v1 = add_c(x, 1000)\nv2 = logsumexp(v1, axis=1)\noutput v2\n",
      2, 1, NULL, 1 },
    { "logsumexp-no-shift", X23 "v1 = logsumexp(x, axis=1)\noutput v1\n", -1, 0, NULL, 1 },
    { "transpose-perm", "input x : 2x3x2 = [0.5, -1.25, 2, 0.75, 1.5, -0.5, 1, 2, 3, -1, 0.25, "
      "0.5]\nv1 = transpose(x, perm=[1, 2, 0])\noutput v1\n", 1, 1, "reverse", 1 },
    { "transpose-perm", "input x : 2x3x2 = [0.5, -1.25, 2, 0.75, 1.5, -0.5, 1, 2, 3, -1, 0.25, "
      "0.5]\nv1 = transpose(x, perm=[1, 0, 2])\noutput v1\n", -1, 0, NULL, 1 },
    { "max_reduce-ties", X23 "v1 = concat(x, x, axis=0)\nv2 = max_reduce(v1, axis=0)\n"
      "output v2\n", 2, 1, NULL, 1 },
    { "max_reduce-ties", X23 "v1 = max_reduce(x, axis=0)\noutput v1\n", -1, 0, NULL, 1 },
    { "reshape-view", X23 "v1 = transpose(x, perm=[1, 0])\nv2 = reshape(v1, shape=[6])\n"
      "output v2\n", 2, 1, "reverse", 1 },
    { "reshape-view", X23 "v1 = exp(x)\nv2 = reshape(v1, shape=[6])\noutput v2\n", -1, 0, NULL, 1 },
    { "slice-off-by-one", X23 "v1 = slice(x, axis=1, start=0, stop=2)\noutput v1\n", 1, 1,
      "reverse", 1 },
    { "mean-no-divide", X23 "v1 = mean(x, axes=[1])\noutput v1\n", 1, 1, NULL, 1 },
    { "mean-no-divide", X23 "v1 = sum(x, axes=[1])\noutput v1\n", -1, 0, NULL, 1 },
    /* second order: checked with order = 2 */
    { "rule-sin-constant", XZ "v2 = x * z\nv3 = sin(v2)\noutput v3\n", 3, 1, NULL, 2 },
    { "rule-tanh-argument", XZ "v2 = x * z\nv3 = tanh(v2)\noutput v3\n", 3, 1, NULL, 2 },
    { "rule-relu-kink", XZ "v2 = add_c(x, -0.75)\nv3 = relu(v2)\nv4 = v3 * z\noutput v4\n", 3, 1,
      NULL, 2 },
    { "rule-relu-kink", XZ "v2 = relu(x)\nv3 = v2 * z\noutput v3\n", -1, 0, NULL, 2 },
    { "rule-div-divisor", XZ "v2 = x / z\noutput v2\n", 2, 1, NULL, 2 },
    { "rule-exp-baked", XZ "v2 = x * z\nv3 = exp(v2)\noutput v3\n", 3, 1, NULL, 2 },
    { "rule-mul-detached", XZ "v2 = x * z\noutput v2\n", 2, 1, NULL, 2 },
    { "hvp-sin-sign", XZ "v2 = x * z\nv3 = sin(v2)\noutput v3\n", 3, 1, NULL, 2 },
    { "hvp-no-cross", XZ "v2 = x * z\noutput v2\n", 2, 1, NULL, 2 },
    { "hvp-no-cross", XZ "v2 = sin(x)\nv3 = exp(z)\nv4 = v2 + v3\noutput v4\n", -1, 0, NULL,
      2 },                                  /* no cross term anywhere */
    { "hvp-div-half", XZ "v2 = x / z\noutput v2\n", 2, 1, NULL, 2 },
    /* wg_hessian's edge pushing: W[sin x][x] pushed onto W[x][x]; no
     * node with a single-use operand interacting with itself: clean */
    { "hessian-edge-diag", XZ "v2 = sin(x)\nv3 = x * v2\noutput v3\n", -1, 1, "hessian", 2 },
    { "hessian-edge-diag", XZ "v2 = sin(x)\nv3 = exp(z)\nv4 = v2 * v3\noutput v4\n", -1, 0,
      NULL, 2 },
    /* blame that pointed elsewhere before (campaign graphs of sqrt-reverse): a
     * sub-ulp difference in broadcast_to's summed adjoint, and a node on its
     * kink (abs at 0, element 3) whose convention holds */
    { "sqrt-reverse", "input x1 : 4 = [-2.195709228515625, -0.667424201965332, "
      "-0.8055567741394043, 1.3548412322998047]\ninput x2 : 2x3x3x1 = [0.9676275253295898, "
      "0.26746392250061035, -0.7918434143066406, 0.39412784576416016, 2.4389476776123047, "
      "1.3364028930664062, 1.148056983947754, 0.9987735748291016, -1.3236160278320312, "
      "0.5200009346008301, 0.9678897857666016, -0.33722925186157227, -2.0211353302001953, "
      "3.5416202545166016, -0.7572569847106934, 0.39193010330200195, -0.7262887954711914, "
      "-1.2805805206298828]\ninput x3 = 0.7809891700744629\n"
      "v3 = max_reduce(x1, axis=0, keepdims=1)\nv4 = softplus(v3)\nv5 = log(x3)\n"
      "v6 = sqrt(v4)\nv7 = broadcast_to(v6, shape=[3, 2])\nv8 = acos(v5)\n"
      "output v7\noutput v8\n", 6, 1, "reverse", 1 },
    { "sqrt-reverse", "input x1 : 1x3x2 = [-1.5244522094726562, -0.5393900871276855, "
      "-0.448270320892334, 1.2991266250610352, -2.6756248474121094, 0.8820075988769531]\n"
      "v1 = tanh(x1)\nv2 = exp(v1)\nv3 = sqrt(v2)\nconst v4 : 1x3x2 = [0.41304779052734375, "
      "-1.0237650871276855, -0.07327032089233398, 1.2991266250610352, -2.6756248474121094, "
      "1.8820075988769531]\nv5 = x1 - v4\nv6 = abs(v5)\nv7 = logsoftmax(v6, axis=1)\n"
      "v8 = max_reduce(v6, axis=2, keepdims=1)\nv9 = v8 - v7\noutput v3\noutput v9\n", 3, 1,
      NULL, 1 },
    /* the drivers and the replay: each seen in its own path of a first-order check */
    { "jvp-multi-lane", XZ "v2 = x * z\nv3 = sin(v2)\noutput v3\n", 2, 1, "jvp-multi", 1 },
    { "jvp-multi-lane", XZ "v2 = x + z\nv3 = sin(v2)\noutput v3\n", -1, 0, NULL, 1 },
    { "jacobian-rev-stale", XZ "v2 = x * z\nv3 = sin(x)\noutput v2\noutput v3\n", -1, 1,
      "jacobian-rev", 1 },
    { "jacobian-rev-stale", XZ "v2 = x * z\nv3 = sin(v2)\noutput v3\n", -1, 0, NULL, 1 },
                                            /* one row: nothing kept */
    { "backward-store", XZ "v2 = x * z\nv3 = exp(v2)\noutput v3\n", -1, 1, "backward", 1 },
    { "eval-expm1-nan", XZ "v2 = x * z\nv3 = expm1(v2)\noutput v3\n", 3, 1, "replay", 1 },
    { "eval-expm1-nan", XZ "v2 = x * z\nv3 = exp(v2)\noutput v3\n", -1, 0, NULL, 1 },
    { "eval-sinh-off", XZ "v2 = x * z\nv3 = sinh(v2)\nv4 = v3 * z\noutput v4\n", 3, 1,
      "replay", 1 },
    /* seen only in the derivatives after a replay: the values are right */
    { "eval-log-stale", XZ "v2 = x * z\nv3 = log(v2)\nv4 = v3 * z\noutput v4\n", 3, 1,
      "replay-vjp", 1 },
    { "eval-log-stale", XZ "v2 = x * z\nv3 = exp(v2)\nv4 = v3 * z\noutput v4\n", -1, 0, NULL,
      1 },
    /* on a tensor tape: the replay and the derivatives after it */
    { "eval-sinh-off", X23 "v1 = sinh(x)\nv2 = sum(v1)\noutput v2\n", 1, 1, "replay", 1 },
    { "backward-store", X23 "v1 = sin(x)\nv2 = sum(v1)\noutput v2\n", -1, 1, "backward", 1 },
};
#define NTCASES (sizeof tcases / sizeof tcases[0])

/* ---------------------------------------------------------------- the catalogue */

static int name_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

static void catalogue_rows(void)
{
    int n = wg_bug_count();
    CU_ASSERT(n >= 12);
    CU_ASSERT_PTR_NULL(wg_bug_get(-1));
    CU_ASSERT_PTR_NULL(wg_bug_get(n));
    CU_ASSERT_EQUAL(wg_bug_find("no-such-bug"), -1);
    CU_ASSERT_EQUAL(wg_bug_find(NULL), -1);
    for (int i = 0; i < n; i++) {
        const wg_bug *b = wg_bug_get(i);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        CU_ASSERT(name_ok(b->name));
        CU_ASSERT(b->description && strlen(b->description) > 10);
        CU_ASSERT(b->when && *b->when);
        CU_ASSERT_PTR_NOT_NULL(b->hook);
        CU_ASSERT(b->modes != 0 && (b->modes & ~WG_BUG_BOTH) == 0);
        if (b->tensor || b->order == 2 || b->path) {    /* a switch of the library's */
            CU_ASSERT(b->test_flags != 0 && (b->test_flags & WG_TEST_ADJ_OVERWRITE) == 0);
        } else {
            CU_ASSERT_EQUAL(b->test_flags & ~WG_TEST_ADJ_OVERWRITE, 0);
        }
        CU_ASSERT_EQUAL(wg_bug_find(b->name), i);          /* names are unique */
        int nops = 0;
        for (int k = 0; k < WG_BUG_MAX_OPS && b->ops[k] != WG_OP_COUNT; k++, nops++) {
            wg_op_kind kind = wg_op_kind_of(b->ops[k]);
            CU_ASSERT(b->ops[k] < WG_OP_COUNT && kind != WG_KIND_LEAF && kind != WG_KIND_CMP);
            CU_ASSERT(wg_bug_mutates(b, b->ops[k]));
        }
        /* a bug no op owns is one of the sweep's: it needs a test flag */
        CU_ASSERT(nops > 0 || b->test_flags != 0);
        CU_ASSERT(!wg_bug_mutates(b, WG_OP_INPUT));
        /* every row is exercised below, where it acts */
        int covered = 0;
        for (size_t g = 0; g < NGRAPHS; g++)
            covered |= graphs[g].active && strcmp(graphs[g].bug, b->name) == 0;
        for (size_t g = 0; g < NTCASES; g++)
            covered |= tcases[g].active && strcmp(tcases[g].bug, b->name) == 0;
        CU_ASSERT(b->order == 0 || b->order == 2);
        CU_ASSERT(b->order == 2 || b->path
                  || b->tensor == (b->test_flags > WG_TEST_ADJ_OVERWRITE));
        /* a path of a first-order check, or wg_hessian's at second order */
        CU_ASSERT(!b->path || (!b->tensor && (b->order == 0
                                              || strcmp(b->path, "hessian") == 0)));
        if (!covered)
            fprintf(stderr, "\n  bug %s has no graph where it acts\n", b->name);
        CU_ASSERT(covered);
    }
    for (size_t g = 0; g < NGRAPHS; g++)
        CU_ASSERT(wg_bug_find(graphs[g].bug) >= 0);
    CU_ASSERT_EQUAL(wg_bug_get(wg_bug_find("cos-sign"))->ops[0], WG_OP_COS);
    CU_ASSERT_EQUAL(wg_bug_get(wg_bug_find("cos-sign"))->ops[1], WG_OP_COUNT);
    CU_ASSERT(wg_bug_mutates(wg_bug_get(wg_bug_find("pow-exponent-off")), WG_OP_POW_C));
    CU_ASSERT(!wg_bug_mutates(wg_bug_get(wg_bug_find("mul_c-constant")), WG_OP_MUL));
    CU_ASSERT(!wg_bug_mutates(NULL, WG_OP_COS));
}

/* ---------------------------------------------------------------- caught */

static wg_check_options opts(void)
{
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 3;
    o.seed = 20230514;
    return o;
}

typedef struct recorded {
    wg_tape *t;
    wg_var x[2], y, mark;
} recorded;

static void record(const bug_graph *g, recorded *r)
{
    r->t = wg_tape_new();
    r->x[0] = wg_input(r->t, g->x[0]);
    r->x[1] = wg_input(r->t, g->x[1]);
    r->y = g->record(r->t, r->x, &r->mark);
}

static wg_verdict verdict_of(recorded *r, wg_check_report *rep)
{
    wg_check_options o = opts();
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(r->t, 2, r->x, 1, &r->y, &o, rep), WG_OK);
    return rep->verdict;
}

/* the blame of a failed result is the right one for bug b */
static int blame_right(const wg_bug *b, const recorded *r, const wg_check_result *res)
{
    size_t mark = wg_var_index(r->t, r->mark);
    if (b->ops[0] == WG_OP_COUNT) {
        /* a bug of the sweep: no op is wrong; the blame names the node
         * whose adjoint came out wrong, and one of its consumers */
        char want[48];
        snprintf(want, sizeof want, "passes to node %zu ", mark);
        return res->blame_node >= 0 && strstr(res->message, want)
               && (wg_node_arg(r->t, (size_t)res->blame_node, 0) == mark
                   || wg_node_arg(r->t, (size_t)res->blame_node, 1) == mark);
    }
    return res->blame_node == (long)mark && wg_bug_mutates(b, res->blame_op)
           && res->blame_op == wg_node_op(r->t, mark);
}

static void every_bug_caught(void)
{
    printf("\n  %-22s %-10s %-8s %-8s %s\n", "bug", "graph at", "verdict", "mode", "blame");
    for (size_t gi = 0; gi < NGRAPHS; gi++) {
        const bug_graph *g = &graphs[gi];
        int bi = wg_bug_find(g->bug);
        const wg_bug *b = wg_bug_get(bi);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        recorded r;
        record(g, &r);
        CU_ASSERT_EQUAL_FATAL(wg_status(r.t), WG_OK);
        wg_check_report rep;

        /* never active unless asked for */
        wg_verdict v = verdict_of(&r, &rep);
        if (v != g->clean)
            wg_check_report_print(&rep, g->bug, stderr);
        CU_ASSERT_EQUAL(v, g->clean);
        wg_check_report_free(&rep);

        unsigned long fired = 0;
        CU_ASSERT_EQUAL_FATAL(wg_bug_arm_counted(r.t, bi, &fired), WG_OK);
        v = verdict_of(&r, &rep);
        if (g->active) {
            /* every failed result, in the bug's mode, blaming the right node */
            int fails = 0, blamed = 0, moded = 0;
            for (size_t k = 0; k < rep.nresults; k++) {
                const wg_check_result *res = &rep.results[k];
                if (res->verdict != WG_VERDICT_FAIL)
                    continue;
                fails++;
                blamed += blame_right(b, &r, res);
                moded += !g->mode || strcmp(res->fail_mode, g->mode) == 0;
            }
            const wg_check_result *w = &rep.results[rep.worst];
            printf("  %-22s (%4.2g,%4.2g) %-8s %-8s %s%s (%d of %d results fail)\n", g->bug,
                   g->x[0], g->x[1], wg_verdict_name(v), w->fail_mode,
                   w->blame_node >= 0 ? wg_op_name(w->blame_op) : "none",
                   blamed == fails && fails ? " (right)" : " (WRONG)", fails, (int)rep.nresults);
            if (v != WG_VERDICT_FAIL || blamed != fails || moded != fails)
                wg_check_report_print(&rep, g->bug, stderr);
            CU_ASSERT(fired > 0);
            CU_ASSERT_EQUAL(v, WG_VERDICT_FAIL);
            CU_ASSERT(fails > 0);
            CU_ASSERT_EQUAL(blamed, fails);
            CU_ASSERT_EQUAL(moded, fails);
        } else {
            /* its condition does not hold here: armed, the graph is still
             * clean at x; the derivatives after a replay to x0 + d may meet
             * it (a == 1 exactly holds at x only), and then they say so */
            const wg_check_result *w = &rep.results[rep.worst];
            int at_x1 = v == WG_VERDICT_FAIL && strncmp(w->fail_mode, "replay-", 7) == 0
                        && wg_bug_mutates(b, w->blame_op);
            if (v != g->clean && !at_x1)
                wg_check_report_print(&rep, g->bug, stderr);
            CU_ASSERT(v == g->clean || at_x1);
            if (b->test_flags == 0 && !at_x1)
                CU_ASSERT_EQUAL(fired, 0);
        }
        wg_check_report_free(&rep);

        /* disarmed: clean again */
        wg_bug_disarm(r.t);
        unsigned long before = fired;
        v = verdict_of(&r, &rep);
        CU_ASSERT_EQUAL(v, g->clean);
        CU_ASSERT_EQUAL(fired, before);
        wg_check_report_free(&rep);
        wg_tape_free(r.t);
    }
}

/* ---------------------------------------------------------------- per tape */

/* the tensor rules' and the second-order rules' bugs, each on a graph
 * where it acts (caught, blamed on its node) and where it must not */
static void every_tensor_bug_caught(void)
{
    printf("\n  %-22s %-8s %-8s %s\n", "tensor bug", "verdict", "mode", "blame");
    for (size_t k = 0; k < NTCASES; k++) {
        const tensor_case *tc = &tcases[k];
        int bi = wg_bug_find(tc->bug);
        const wg_bug *b = wg_bug_get(bi);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        wg_parse_error err;
        wg_graph *g = wg_graph_read_string(tc->text, tc->bug, &err);
        if (!g)
            fprintf(stderr, "\n  %s: %s\n", tc->bug, err.message);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        wg_check_options o = opts();
        o.order = tc->order;
        wg_check_report rep;
        /* clean unless armed */
        CU_ASSERT_EQUAL_FATAL(wg_check_graph(g, &o, &rep), WG_OK);
        wg_verdict clean = rep.verdict;
        CU_ASSERT(clean == WG_VERDICT_PASS || clean == WG_VERDICT_NONDIFF);
        wg_check_report_free(&rep);
        unsigned long fired = 0;
        CU_ASSERT_EQUAL_FATAL(wg_bug_arm_counted(wg_graph_tape(g), bi, &fired), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_check_graph(g, &o, &rep), WG_OK);
        if (tc->active) {
            const wg_check_result *w = &rep.results[rep.worst];
            int fails = 0, blamed = 0, moded = 0;
            for (size_t r = 0; r < rep.nresults; r++) {
                const wg_check_result *res = &rep.results[r];
                if (res->verdict != WG_VERDICT_FAIL)
                    continue;
                fails++;
                /* a driver's bug no op owns: no single node */
                blamed += b->ops[0] == WG_OP_COUNT && !b->kinds
                          ? res->blame_node < 0
                          : res->blame_node == tc->mark && wg_bug_mutates(b, res->blame_op);
                moded += !tc->mode || strcmp(res->fail_mode, tc->mode) == 0;
            }
            printf("  %-22s %-8s %-8s %s (%d of %d fail, %d blamed right)\n", tc->bug,
                   wg_verdict_name(rep.verdict), w->fail_mode,
                   w->blame_node >= 0 ? wg_op_name(w->blame_op) : "none", fails,
                   (int)rep.nresults, blamed);
            if (rep.verdict != WG_VERDICT_FAIL || blamed != fails)
                wg_check_report_print(&rep, tc->bug, stderr);
            CU_ASSERT(fired > 0);
            CU_ASSERT_EQUAL(rep.verdict, WG_VERDICT_FAIL);
            CU_ASSERT(fails > 0);
            CU_ASSERT_EQUAL(blamed, fails);
            CU_ASSERT_EQUAL(moded, fails);
        } else {
            if (rep.verdict != clean)
                wg_check_report_print(&rep, tc->bug, stderr);
            CU_ASSERT_EQUAL(rep.verdict, clean);
        }
        wg_check_report_free(&rep);
        wg_bug_disarm(wg_graph_tape(g));
        /* a replay bug left its values on the tape: the library's own
         * replay at the inputs' values sets them right again */
        if (b->path) {          /* graphs of two scalar inputs (XZ) or one 2x3 (X23) */
            size_t ni = wg_graph_ninputs(g), nv = 0;
            wg_tape *gt = wg_graph_tape(g);
            wg_var xs[2];
            double xv[8];
            CU_ASSERT_FATAL(ni <= 2);
            for (size_t j = 0; j < ni; j++) {
                xs[j] = wg_graph_input(g, j);
                size_t i = wg_var_index(gt, xs[j]), ne = wg_node_numel(gt, i);
                CU_ASSERT_FATAL(nv + ne <= 8);
                if (wg_node_rank(gt, i) == 0)
                    xv[nv] = wg_node_value(gt, i);
                else
                    memcpy(xv + nv, wg_node_values(gt, i), ne * sizeof *xv);
                nv += ne;
            }
            CU_ASSERT_EQUAL(wg_eval(gt, ni, xs, xv), WG_OK);
        }
        unsigned long before = fired;
        CU_ASSERT_EQUAL_FATAL(wg_check_graph(g, &o, &rep), WG_OK);
        CU_ASSERT_EQUAL(rep.verdict, clean);
        CU_ASSERT_EQUAL(fired, before);
        wg_check_report_free(&rep);
        wg_graph_free(g);
    }
}

static void arming_is_per_tape(void)
{
    const bug_graph *g = &graphs[0];   /* cos-sign */
    recorded a, b;
    record(g, &a);
    record(g, &b);
    wg_check_report rep;
    CU_ASSERT_EQUAL(wg_bug_arm(a.t, wg_bug_find("cos-sign")), WG_OK);
    CU_ASSERT_EQUAL(verdict_of(&a, &rep), WG_VERDICT_FAIL);
    wg_check_report_free(&rep);
    CU_ASSERT_EQUAL(verdict_of(&b, &rep), WG_VERDICT_PASS);
    wg_check_report_free(&rep);

    /* another bug on b leaves a's alone; a bug that misses b's ops is harmless */
    CU_ASSERT_EQUAL(wg_bug_arm(b.t, wg_bug_find("sqrt-reverse")), WG_OK);
    CU_ASSERT_EQUAL(verdict_of(&b, &rep), WG_VERDICT_PASS);
    wg_check_report_free(&rep);
    CU_ASSERT_EQUAL(verdict_of(&a, &rep), WG_VERDICT_FAIL);
    wg_check_report_free(&rep);

    /* arming again replaces: sub-sign does not touch this graph */
    CU_ASSERT_EQUAL(wg_bug_arm(a.t, wg_bug_find("sub-sign")), WG_OK);
    CU_ASSERT_EQUAL(verdict_of(&a, &rep), WG_VERDICT_PASS);
    wg_check_report_free(&rep);

    /* bad arguments arm nothing */
    wg_bug_disarm(a.t);
    CU_ASSERT_EQUAL(wg_bug_arm(NULL, 0), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_bug_arm(a.t, -1), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_bug_arm(a.t, wg_bug_count()), WG_EINVAL);
    CU_ASSERT_EQUAL(verdict_of(&a, &rep), WG_VERDICT_PASS);
    wg_check_report_free(&rep);
    wg_bug_disarm(NULL);        /* harmless */
    wg_tape_free(a.t);
    wg_tape_free(b.t);
}

/* ---------------------------------------------------------------- the sweep's test flag */

/* y = x * x: both operands are one node, whose two contributions are added */
static void adj_overwrite_needs_hook(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 3.0), y = wg_mul(t, x, x);
    double g = 0;
    /* without a hook the fast sweep never reads the flag */
    wg_tape_set_test_flags(t, WG_TEST_ADJ_OVERWRITE);
    CU_ASSERT_EQUAL(wg_grad(t, y, 1, &x, &g), WG_OK);
    CU_ASSERT_EQUAL(g, 6.0);
    /* armed: the second contribution replaces the first */
    unsigned long fired = 0;
    CU_ASSERT_EQUAL(wg_bug_arm_counted(t, wg_bug_find("adj-overwrite"), &fired), WG_OK);
    CU_ASSERT_EQUAL(wg_grad(t, y, 1, &x, &g), WG_OK);
    CU_ASSERT_EQUAL(g, 3.0);
    CU_ASSERT(fired > 0);
    CU_ASSERT_EQUAL(wg_backward(t, y, 1.0), WG_OK);
    CU_ASSERT_EQUAL(wg_grad_of(t, x), 3.0);
    /* forward mode is not touched */
    double u = 1, ydot = 0;
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, &u, 1, &y, &ydot), WG_OK);
    CU_ASSERT_EQUAL(ydot, 6.0);
    /* disarmed: flag and hook both gone */
    wg_bug_disarm(t);
    CU_ASSERT_EQUAL(wg_grad(t, y, 1, &x, &g), WG_OK);
    CU_ASSERT_EQUAL(g, 6.0);
    wg_tape_free(t);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "the catalogue's rows", catalogue_rows },
        { "every bug is caught and blamed; disarmed, the graph is clean", every_bug_caught },
        { "every tensor and second-order bug is caught and blamed where it acts",
          every_tensor_bug_caught },
        { "arming is per tape", arming_is_per_tape },
        { "the overwrite flag acts only with a hook", adj_overwrite_needs_hook },
        { NULL, NULL }
    };
    int rc = wg_test_main("bugs", cases);
    mpfr_free_cache();
    return rc;
}
