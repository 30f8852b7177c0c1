/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bugs.c -- the injected-bug catalogue (bugs.h): one wrong rule per row,
 * planted through the library's test-only partials hook.
 *
 * A rule sees the partials the library computed at the node and changes
 * them where the bug acts.  Each is written as the mistake itself (cos'
 * taken as +sin, n a^n for the derivative of a^n), not as a perturbation
 * of the right value, so that what the verifier has to find is what a real
 * slip would give.  Conditional bugs act only where their condition holds
 * and leave the partial alone elsewhere: a graph that never meets the
 * condition is correct, and the counter says so. */
#include "bugs.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* one more action of the armed bug */
static void count(void *ctx)
{
    if (ctx)
        ++*(unsigned long *)ctx;
}

/* *d becomes v; counted only when that changes it */
static void change(void *ctx, double *d, double v)
{
    if (*d == v)
        return;
    *d = v;
    count(ctx);
}

/* both partials at once, counted once */
static void change2(void *ctx, double *da, double *db, double va, double vb)
{
    if (*da == va && *db == vb)
        return;
    *da = va;
    *db = vb;
    count(ctx);
}

#define BUG_RULE(fn)                                                                      \
    static void fn(void *ctx, int reverse, size_t node, wg_op op, double a, double b,      \
                   double p, double y, double *da, double *db)
/* every rule has the hook's signature; each uses a few of its arguments */
#define ALL_ARGS (void)ctx, (void)reverse, (void)node, (void)op, (void)a, (void)b, (void)p, \
    (void)y, (void)da, (void)db

BUG_RULE(cos_sign)
{
    ALL_ARGS;
    if (op == WG_OP_COS)
        change(ctx, da, -*da);                          /* +sin a */
}

BUG_RULE(tanh_no_chain)
{
    ALL_ARGS;
    if (op == WG_OP_TANH)
        change(ctx, da, 1.0);                           /* sech^2 a dropped */
}

BUG_RULE(pow_exponent_off)
{
    ALL_ARGS;
    if ((op == WG_OP_POWI || op == WG_OP_POW_C) && p != 0)
        change(ctx, da, p * pow(a, p));                 /* n a^n, not n a^(n-1) */
}

BUG_RULE(erf_constant)
{
    ALL_ARGS;
    if (op == WG_OP_ERF)
        change(ctx, da, *da * (1.0 + 1e-9));            /* 2/sqrt(pi) mistyped */
}

BUG_RULE(cbrt_negative)
{
    ALL_ARGS;
    if (op == WG_OP_CBRT && a < 0)
        change(ctx, da, -*da);                          /* 1/(3 y |y|) */
}

BUG_RULE(atan_large)
{
    ALL_ARGS;
    if (op == WG_OP_ATAN && fabs(a) > 100)
        change(ctx, da, 1.0 / (a * a));                 /* asymptote 1/a^2 taken too early */
}

BUG_RULE(adj_overwrite)
{
    ALL_ARGS;
    if (reverse)
        count(ctx);             /* the bug is the sweep's (WG_TEST_ADJ_OVERWRITE) */
}

BUG_RULE(div_forward)
{
    ALL_ARGS;
    if (!reverse && op == WG_OP_DIV)
        change(ctx, db, -*db);                          /* tangent of the divisor: +a/b^2 */
}

BUG_RULE(sqrt_reverse)
{
    ALL_ARGS;
    if (reverse && op == WG_OP_SQRT)
        change(ctx, da, 1.0 / y);                       /* 1/sqrt(a), not 1/(2 sqrt(a)) */
}

BUG_RULE(relu_kink)
{
    ALL_ARGS;
    if (op == WG_OP_RELU && a == 0)
        change(ctx, da, 1.0);                           /* relu'(0) = 1 */
}

BUG_RULE(abs_kink)
{
    ALL_ARGS;
    if (op == WG_OP_ABS && a == 0)
        change(ctx, da, 1.0);                           /* abs'(0) = 1 */
}

BUG_RULE(max_tie)
{
    ALL_ARGS;
    if (op == WG_OP_MAX && a == b)
        change2(ctx, da, db, 0.0, 1.0);                 /* tie to the second argument */
}

BUG_RULE(hypot_origin)
{
    ALL_ARGS;
    if (op == WG_OP_HYPOT && a == 0 && b == 0)
        change2(ctx, da, db, 1.0, 0.0);                 /* as if |a| at the origin */
}

BUG_RULE(mul_c_constant)
{
    ALL_ARGS;
    if (op == WG_OP_MUL_C)
        change(ctx, da, *da * (1.0 + 1e-7));            /* the constant variant only */
}

BUG_RULE(atan2_swap)
{
    ALL_ARGS;
    if (op == WG_OP_ATAN2)
        change2(ctx, da, db, *db, *da);
}

BUG_RULE(tan_argument)
{
    ALL_ARGS;
    if (op == WG_OP_TAN)
        change(ctx, da, 1.0 + a * a);                   /* 1 + a^2, not 1 + tan^2 a */
}

BUG_RULE(log1p_as_log)
{
    ALL_ARGS;
    if (op == WG_OP_LOG1P)
        change(ctx, da, 1.0 / a);                       /* log's rule pasted */
}

BUG_RULE(pow_exponent_dropped)
{
    ALL_ARGS;
    if (op == WG_OP_POW)
        change(ctx, db, 0.0);                           /* the exponent taken as constant */
}

BUG_RULE(expm1_small)
{
    ALL_ARGS;
    if (op == WG_OP_EXPM1 && fabs(a) < 1e-3)
        change(ctx, da, 1.0);                           /* e^a ~ 1 "for small a" */
}

BUG_RULE(sub_sign)
{
    ALL_ARGS;
    if (op == WG_OP_SUB)
        change(ctx, db, 1.0);                           /* d(a - b)/db = +1 */
}

/* a bug of a driver or of the replay lives in the library's switches
 * (WG_TEST_*); the hook counts the sweeps' visits of the op it belongs to
 * (of every node for one no op owns), where it can act, and changes
 * nothing */
BUG_RULE(visit_mul_forward)
{
    ALL_ARGS;
    if (!reverse && op == WG_OP_MUL)
        count(ctx);
}

BUG_RULE(visit_reverse)
{
    ALL_ARGS;
    if (reverse)
        count(ctx);
}

BUG_RULE(visit_expm1)
{
    ALL_ARGS;
    if (op == WG_OP_EXPM1)
        count(ctx);
}

BUG_RULE(visit_sinh)
{
    ALL_ARGS;
    if (op == WG_OP_SINH)
        count(ctx);
}

BUG_RULE(visit_log)
{
    ALL_ARGS;
    if (op == WG_OP_LOG)
        count(ctx);
}

/* a tensor bug lives in the library's switches (WG_TEST_*); the library
 * calls the hook with da = db = NULL where one changes a result, and the
 * hook counts that; every partial it sees is left alone */
BUG_RULE(tensor_switch)
{
    ALL_ARGS;
    if (!da && !db)
        count(ctx);
}

#define OPS1(a)       { WG_OP_##a, WG_OP_COUNT, WG_OP_COUNT }
#define OPS2(a, b)    { WG_OP_##a, WG_OP_##b, WG_OP_COUNT }
#define NO_OPS        { WG_OP_COUNT, WG_OP_COUNT, WG_OP_COUNT }
#define EW_BINARY     (1u << WG_KIND_BINARY)

static const wg_bug catalogue[] = {
    { "cos-sign", "wrong sign: cos'(a) = +sin a instead of -sin a",
      OPS1(COS), WG_BUG_BOTH, "always", 0, cos_sign, 0, 0, 0, NULL },
    { "tanh-no-chain", "missing chain factor: tanh's partial replaced by 1 (sech^2 a dropped)",
      OPS1(TANH), WG_BUG_BOTH, "always", 0, tanh_no_chain, 0, 0, 0, NULL },
    { "pow-exponent-off", "off-by-one exponent: d(a^n)/da = n a^n instead of n a^(n-1), "
      "powi and pow_c", OPS2(POWI, POW_C), WG_BUG_BOTH, "a != 1, n != 0", 0, pow_exponent_off, 0, 0, 0, NULL },
    { "erf-constant", "wrong constant: erf's partial 2/sqrt(pi) e^(-a^2) too large by 1e-9 "
      "relative", OPS1(ERF), WG_BUG_BOTH, "always", 0, erf_constant, 0, 0, 0, NULL },
    { "cbrt-negative", "bug for negative arguments only: cbrt's partial has the wrong sign "
      "for a < 0", OPS1(CBRT), WG_BUG_BOTH, "a < 0", 0, cbrt_negative, 0, 0, 0, NULL },
    { "atan-large", "bug for large |a| only: atan's partial taken as 1/a^2 for |a| > 100 "
      "(1/(1 + a^2) is right)", OPS1(ATAN), WG_BUG_BOTH, "|a| > 100", 0, atan_large, 0, 0, 0, NULL },
    { "adj-overwrite", "adjoint overwritten instead of accumulated: a node with several "
      "consumers keeps only the last contribution", NO_OPS, WG_BUG_REVERSE,
      "shared nodes", WG_TEST_ADJ_OVERWRITE, adj_overwrite, 0, 0, 0, NULL },
    { "div-forward", "forward mode only: div's tangent rule takes +a/b^2 for the divisor",
      OPS1(DIV), WG_BUG_FORWARD, "always", 0, div_forward, 0, 0, 0, NULL },
    { "sqrt-reverse", "reverse mode only: sqrt's adjoint rule uses 1/sqrt(a), the 1/2 lost",
      OPS1(SQRT), WG_BUG_REVERSE, "always", 0, sqrt_reverse, 0, 0, 0, NULL },
    { "relu-kink", "wrong kink convention: relu'(0) = 1 (documented: 0)",
      OPS1(RELU), WG_BUG_BOTH, "a = 0", 0, relu_kink, 0, 0, 0, NULL },
    { "abs-kink", "wrong kink convention: abs'(0) = 1 (documented: 0)",
      OPS1(ABS), WG_BUG_BOTH, "a = 0", 0, abs_kink, 0, 0, 0, NULL },
    { "max-tie", "wrong kink convention: max at a tie passes the derivative to the second "
      "argument (documented: the first)", OPS1(MAX), WG_BUG_BOTH, "a = b", 0, max_tie, 0, 0, 0, NULL },
    { "hypot-origin", "wrong kink convention: hypot's partials at the origin (1, 0) "
      "(documented: (0, 0))", OPS1(HYPOT), WG_BUG_BOTH, "a = b = 0", 0, hypot_origin, 0, 0, 0, NULL },
    { "mul_c-constant", "constant-operand variant only: mul_c's partial c (1 + 1e-7), "
      "while mul is right", OPS1(MUL_C), WG_BUG_BOTH, "always", 0, mul_c_constant, 0, 0, 0, NULL },
    { "atan2-swap", "swapped partials: atan2's d/da and d/db exchanged",
      OPS1(ATAN2), WG_BUG_BOTH, "b != -a", 0, atan2_swap, 0, 0, 0, NULL },
    { "tan-argument", "argument for value: tan'(a) = 1 + a^2 instead of 1 + tan^2 a",
      OPS1(TAN), WG_BUG_BOTH, "a != 0", 0, tan_argument, 0, 0, 0, NULL },
    { "log1p-as-log", "rule of the wrong op: log1p's partial 1/a (log's) instead of 1/(1 + a)",
      OPS1(LOG1P), WG_BUG_BOTH, "always", 0, log1p_as_log, 0, 0, 0, NULL },
    { "pow-exponent-dropped", "a partial dropped: pow's d/db = 0, as if the exponent were "
      "constant", OPS1(POW), WG_BUG_BOTH, "a != 1", 0, pow_exponent_dropped, 0, 0, 0, NULL },
    { "expm1-small", "bug for small |a| only: expm1's partial taken as 1 for |a| < 1e-3",
      OPS1(EXPM1), WG_BUG_BOTH, "0 < |a| < 1e-3", 0, expm1_small, 0, 0, 0, NULL },
    { "sub-sign", "wrong sign of one operand: d(a - b)/db = +1",
      OPS1(SUB), WG_BUG_BOTH, "always", 0, sub_sign, 0, 0, 0, NULL },
    /* tensor rules */
    { "bcast-no-sum", "broadcast adjoint not summed: a stretched operand's adjoint is stored "
      "per position, so the last one along the stretched axis wins",
      NO_OPS, WG_BUG_REVERSE, "a stretched operand", WG_TEST_BCAST_STORE, tensor_switch,
      1, EW_BINARY, 0, NULL },
    { "bcast-tile", "broadcast adjoint summed over the wrong axes: the operand taken as tiled "
      "(element e mod n), not stretched", NO_OPS, WG_BUG_BOTH,
      "a size-1 axis stretched before the last", WG_TEST_BCAST_TILE, tensor_switch, 1,
      EW_BINARY, 0, NULL },
    { "matmul-no-transpose", "matmul adjoint of A = Cbar B with B's memory read as B^T "
      "(the transpose forgotten)", OPS1(MATMUL), WG_BUG_REVERSE, "B not a vector",
      WG_TEST_MATMUL_NO_T, tensor_switch, 1, 0, 0, NULL },
    { "matmul-batch-no-sum", "batched matmul adjoint not summed over broadcast batch axes: "
      "the last batch's block kept", OPS1(MATMUL), WG_BUG_REVERSE,
      "a stretched batch axis", WG_TEST_MATMUL_BATCH, tensor_switch, 1, 0, 0, NULL },
    { "logsoftmax-no-softmax", "logsoftmax's rule without the softmax term: "
      "abar = g, not g - softmax(a) sum(g)", OPS1(LOGSOFTMAX), WG_BUG_BOTH, "always",
      WG_TEST_LOGSOFTMAX_NOSM, tensor_switch, 1, 0, 0, NULL },
    { "logsumexp-no-shift", "logsumexp's rule weighs by exp(a)/sum exp(a) without the max "
      "shift: inf/inf past |a| = 709", OPS1(LOGSUMEXP), WG_BUG_BOTH, "|a| > 709",
      WG_TEST_LSE_NO_SHIFT, tensor_switch, 1, 0, 0, NULL },
    { "transpose-perm", "transpose adjoint by perm instead of its inverse",
      OPS1(TRANSPOSE), WG_BUG_REVERSE, "rank >= 3, perm not an involution",
      WG_TEST_TRANSPOSE_PERM, tensor_switch, 1, 0, 0, NULL },
    { "max_reduce-ties", "max_reduce at a tie sends the derivative to every maximal element "
      "(documented: the first)", OPS1(MAX_REDUCE), WG_BUG_BOTH, "a tie",
      WG_TEST_MAX_TIES_ALL, tensor_switch, 1, 0, 0, NULL },
    { "reshape-view", "reshape adjoint of a transposed operand written in the transpose's "
      "storage order (a non-contiguous view taken as contiguous)", OPS1(RESHAPE),
      WG_BUG_REVERSE, "reshape of a transpose", WG_TEST_RESHAPE_VIEW, tensor_switch, 1, 0, 0, NULL },
    { "slice-off-by-one", "slice adjoint one position off along the sliced axis",
      OPS1(SLICE), WG_BUG_REVERSE, "a proper slice", WG_TEST_SLICE_SHIFT, tensor_switch,
      1, 0, 0, NULL },
    { "mean-no-divide", "mean's rule without the 1/n: the sum's", OPS1(MEAN), WG_BUG_BOTH,
      "n > 1", WG_TEST_MEAN_NO_DIV, tensor_switch, 1, 0, 0, NULL },
    /* second-order rules: the recorded rules (wg_grad_graph, the Hessian by
     * forward or reverse over reverse) and wg_hvp's second partials */
    /* the drivers and the replay: judged paths of every check (doc/VERIFY.md,
     * "Every derivative path") */
    { "jvp-multi-lane", "wg_jvp_multi only: lanes after the first take mul's d/db as its d/da",
      OPS1(MUL), WG_BUG_FORWARD, "k > 1 directions", WG_TEST_JVP_LANE, visit_mul_forward, 0,
      0, 0, "jvp-multi" },
    { "jacobian-rev-stale", "wg_jacobian_rev only: each row after the first keeps the previous "
      "row's sum", NO_OPS, WG_BUG_REVERSE, "m > 1 outputs", WG_TEST_JAC_REV_STALE,
      visit_reverse, 0, 0, 0, "jacobian-rev" },
    { "backward-store", "wg_backward stores each call's adjoints in the gradient buffer "
      "instead of adding them", NO_OPS, WG_BUG_REVERSE, "two or more calls",
      WG_TEST_BACKWARD_STORE, visit_reverse, 0, 0, 0, "backward" },
    { "eval-expm1-nan", "wg_eval only: the replay of expm1 returns NaN", OPS1(EXPM1),
      WG_BUG_BOTH, "a replay", WG_TEST_EVAL_EXPM1_NAN, visit_expm1, 0, 0, 0, "replay" },
    { "eval-sinh-off", "wg_eval only: the replay of sinh is off by 2^-30 of it", OPS1(SINH),
      WG_BUG_BOTH, "a replay", WG_TEST_EVAL_SINH_OFF, visit_sinh, 0, 0, 0, "replay" },
    { "eval-log-stale", "wg_eval only: the replay leaves log's partial 1/a at the point of the "
      "first replay (values right, derivatives at a new point wrong)", OPS1(LOG), WG_BUG_BOTH,
      "a replay to a new point", WG_TEST_EVAL_STALE_LOG, visit_log, 0, 0, 0, "replay-vjp" },
    { "rule-sin-constant", "sin's recorded rule cos(a) (1 + 2^-30), the double partial right",
      OPS1(SIN), WG_BUG_BOTH, "always", WG_TEST_RULE_SIN_SCALE, tensor_switch, 0, 0, 2, NULL },
    { "rule-tanh-argument", "tanh's recorded rule 1 - a^2 (argument for value), the double "
      "partial right", OPS1(TANH), WG_BUG_BOTH, "a != 0", WG_TEST_RULE_TANH_ARG, tensor_switch,
      0, 0, 2, NULL },
    { "rule-relu-kink", "relu's recorded rule [a >= 0]: the kink convention relu'(0) = 0 lost "
      "in the recorded rule", OPS1(RELU), WG_BUG_BOTH, "a = 0", WG_TEST_RULE_RELU_KINK,
      tensor_switch, 0, 0, 2, NULL },
    { "rule-div-divisor", "div's recorded d/db = -y, the 1/b lost", OPS1(DIV), WG_BUG_BOTH,
      "b != 1", WG_TEST_RULE_DIV_B, tensor_switch, 0, 0, 2, NULL },
    { "rule-exp-baked", "exp's recorded rule a constant of exp(a): the first derivative right, "
      "the second 0", OPS1(EXP), WG_BUG_BOTH, "always", WG_TEST_RULE_EXP_BAKED, tensor_switch,
      0, 0, 2, NULL },
    { "rule-mul-detached", "mul's recorded rules take the other operand through stop_gradient: "
      "the cross term of the Hessian lost", OPS1(MUL), WG_BUG_BOTH, "two active operands",
      WG_TEST_RULE_MUL_DETACH, tensor_switch, 0, 0, 2, NULL },
    { "hvp-sin-sign", "wg_hvp's double sweep only: sin's second partial +sin a",
      OPS1(SIN), WG_BUG_BOTH, "a != 0", WG_TEST_HVP_SIN_SIGN, tensor_switch, 0, 0, 2, NULL },
    { "hvp-no-cross", "wg_hvp's double sweep only: the cross second partial d2y/dadb of "
      "every binary op taken as 0 (a symmetric shortcut that drops a term)", NO_OPS,
      WG_BUG_BOTH, "a binary op of two active operands", WG_TEST_HVP_NO_CROSS, tensor_switch,
      0, EW_BINARY, 2, NULL },
    { "hvp-div-half", "wg_hvp's double sweep only: div's d2y/db2 = y/b^2, the factor 2 lost",
      OPS1(DIV), WG_BUG_BOTH, "always", WG_TEST_HVP_DIV_BB, tensor_switch, 0, 0, 2, NULL },
    { "hessian-edge-diag", "wg_hessian's edge pushing only: an off-diagonal second-order "
      "adjoint W[i][p] pushed onto the diagonal W[p][p] once, not twice (it stands for W[i][p] "
      "and W[p][i])", NO_OPS, WG_BUG_BOTH, "a node interacting with its own operand (x sin x)",
      WG_TEST_HESS_EDGE_DIAG, tensor_switch, 0, 0, 2, "hessian" },
};

#define NBUGS ((int)(sizeof catalogue / sizeof catalogue[0]))

int wg_bug_count(void)
{
    return NBUGS;
}

const wg_bug *wg_bug_get(int bug)
{
    return bug >= 0 && bug < NBUGS ? &catalogue[bug] : NULL;
}

int wg_bug_find(const char *name)
{
    for (int i = 0; name && i < NBUGS; i++)
        if (strcmp(catalogue[i].name, name) == 0)
            return i;
    return -1;
}

int wg_bug_mutates(const wg_bug *b, wg_op op)
{
    for (int k = 0; b && k < WG_BUG_MAX_OPS && b->ops[k] != WG_OP_COUNT; k++)
        if (b->ops[k] == op)
            return 1;
    return b && (unsigned)op < WG_OP_COUNT && (b->kinds >> wg_op_kind_of(op)) & 1u;
}

int wg_bug_arm_counted(wg_tape *t, int bug, unsigned long *fired)
{
    const wg_bug *b = wg_bug_get(bug);
    if (!t || !b)
        return WG_EINVAL;
    /* the flags act only while a hook is set, so every bug sets one */
    wg_tape_set_partials_hook(t, b->hook, fired);
    wg_tape_set_test_flags(t, b->test_flags);
    return WG_OK;
}

int wg_bug_arm(wg_tape *t, int bug)
{
    return wg_bug_arm_counted(t, bug, NULL);
}

void wg_bug_disarm(wg_tape *t)
{
    wg_tape_set_partials_hook(t, NULL, NULL);
    wg_tape_set_test_flags(t, 0);
}
