/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* replay.c -- wg_eval: the recorded ops again at a new point, with the same
 * kernels in the same order (so replaying at the recorded point gives the
 * recorded values bit for bit), checking domains and recorded branches. */
#include "op_kernels.h"
#include "tape.h"
#include "tensor.h"

#include <math.h>
#include <string.h>

static void replay_fail(wg_tape *t, size_t i, wg_op op, double a, double b, double p,
                        double y, const char *why, const char *fn)
{
    char args[128];
    wg_format_args(op, a, b, p, args, sizeof args);
    if (why)
        wg_fail(t, WG_EDOM, 1, "%s: node %zu (%s): %s: %s", fn, i, wg_node_op_name(t, i), args, why);
    else
        wg_fail(t, WG_ERANGE, 1, "%s: node %zu (%s): %s: result %g is not finite", fn, i,
                wg_node_op_name(t, i), args, y);
}

/* Node i again at its operands' new values.  A comparison keeps its
 * recorded outcome (the branch the tape holds) and fails the point when the
 * new outcome differs; any other node takes its new value, and the first
 * domain or range error is kept while the values are finished. */
WG_KERNEL void replay_node(wg_tape *t, size_t i, wg_op op, double a, double b, double p,
                           const char *fn)
{
    double y = wg_op_value(op, a, b, p);
    if (t->test_flags && t->hook) {     /* planted replay bugs (wengert.h) */
        if ((t->test_flags & WG_TEST_EVAL_EXPM1_NAN) && op == WG_OP_EXPM1)
            y = NAN;
        if ((t->test_flags & WG_TEST_EVAL_SINH_OFF) && op == WG_OP_SINH)
            y *= 1 + 0x1p-30;
    }
    if (wg_kind((uint8_t)op) == WG_KIND_CMP) {
        if (y != t->val[i])
            wg_fail(t, WG_EBRANCH, 1, "%s: node %zu (%s): recorded %s, now %.17g %s %.17g "
                    "is %s; record the tape again at this point", fn, i, wg_op_name(op),
                    t->val[i] != 0 ? "true" : "false", a, wg_op_symbol(op), b,
                    y != 0 ? "true" : "false");
        return;
    }
    t->val[i] = y;
    if (t->status != WG_OK)
        return;
    const char *why = wg_op_domain(op, a, b, p);
    if (why || !isfinite(y))
        replay_fail(t, i, op, a, b, p, y, why, fn);
}

/* a tensor node again: values, domains, recorded outcomes per element */
static void replay_tensor(wg_tape *t, size_t i, const char *fn)
{
    wg_op op = (wg_op)t->op[i];
    wg_tissue is;
    size_t flipped = 0;
    if (op == WG_OP_INPUT || op == WG_OP_CONST)
        return;
    int cmp = wg_kind(t->op[i]) == WG_KIND_CMP;
    wg_tensor_value_node(t, i, &is, cmp, &flipped);
    if (t->hook && (t->test_flags & WG_TEST_EVAL_SINH_OFF) && op == WG_OP_SINH) {
        double *y = wg_data(t, i);      /* the planted replay bug, per element */
        for (size_t e = 0, ne = wg_numel_at(t, i); e < ne; e++)
            y[e] *= 1 + 0x1p-30;
    }
    if (flipped) {
        const double *y = wg_data(t, i);
        wg_fail(t, WG_EBRANCH, 1, "%s: node %zu (%s): element %zu: recorded %s, now %.17g %s "
                "%.17g is %s; record the tape again at this point", fn, i, wg_op_name(op),
                flipped - 1, y[flipped - 1] != 0 ? "true" : "false", is.a, wg_op_symbol(op),
                is.b, y[flipped - 1] != 0 ? "false" : "true");
        return;
    }
    if (is.status == WG_OK || t->status != WG_OK)
        return;
    char args[128] = "";
    if (is.why && wg_kind(t->op[i]) != WG_KIND_TUNARY)
        wg_format_args(op, is.a, is.b, is.p, args, sizeof args);
    if (is.status == WG_EDOM)
        wg_fail(t, WG_EDOM, 1, "%s: node %zu (%s): element %zu: %s%s%s", fn, i,
                wg_node_op_name(t, i), is.elem, args, args[0] ? ": " : "", is.why);
    else
        wg_fail(t, WG_ERANGE, 1, "%s: node %zu (%s): element %zu: result %g is not finite", fn,
                i, wg_node_op_name(t, i), is.elem, is.y);
}

/* instantiated with tensors = 0 for a tape without tensor nodes (no test
 * per node) and 1 otherwise, as the sweeps are */
WG_KERNEL void replay_loop(wg_tape *t, size_t from, const char *fn, int tensors)
{
    const uint8_t *O = t->op;
    const uint32_t *A = t->arg0, *B = t->arg1, *T = t->tref;
    const double *P = t->param;
    double *V = t->val;
    for (size_t i = from; i < t->n; i++) {
        if (tensors && T[i]) {
            replay_tensor(t, i, fn);
            continue;
        }
        /* one case per op with its kernels inlined at a constant op (see
         * lib/sweep.c); replay_node does the checks */
        switch ((wg_op)O[i]) {
#define RE_LEAF(OP)
#define RE_UNARY(OP)  replay_node(t, i, OP, V[A[i]], 0.0, 0.0, fn)
#define RE_BINARY(OP) replay_node(t, i, OP, V[A[i]], V[B[i]], 0.0, fn)
#define RE_CMP(OP)    RE_BINARY(OP)
#define RE_CONST(OP)  replay_node(t, i, OP, V[A[i]], 0.0, P[B[i]], fn)
#define RE_INT(OP)    RE_CONST(OP)
#define RE_TUNARY(OP)
#define RE_TBINARY(OP)
#define RE_CUSTOM(OP) replay_node(t, i, OP, V[A[i]], B[i] != WG_NONE ? V[B[i]] : 0.0, \
                              (double)t->cid[i], fn)
#define WG_X_RE(E, name, kind) case WG_OP_##E: RE_##kind(WG_OP_##E); break;
            WG_OP_LIST(WG_X_RE)
#undef WG_X_RE
        case WG_OP_COUNT:
            break;
        }
    }
}

/* the planted bug WG_TEST_EVAL_STALE_LOG: log's partials at the values
 * the tape holds before its first replay, kept from then on (a library
 * that stores local partials would refresh them in the replay) */
static void test_stash(wg_tape *t)
{
    if (t->test_stale_n || !t->n)
        return;
    double *s = wg_mem_realloc(t, t->test_stale, t->n * sizeof *s);
    if (!s)
        return;
    t->test_stale = s;
    for (size_t i = 0; i < t->n; i++) {
        double da = NAN, db;
        if (t->op[i] == WG_OP_LOG && !t->tref[i])
            wg_op_partials(WG_OP_LOG, t->val[t->arg0[i]], 0, 0, t->val[i], &da, &db);
        s[i] = da;
    }
    t->test_stale_n = t->n;
}

int wg_eval(wg_tape *t, size_t n, const wg_var *x, const double *values)
{
    static const char fn[] = "wg_eval";
    size_t lo, hi, N;
    int s;
    if (!t)
        return WG_EINVAL;
    if (t->status != WG_OK && !t->status_at_point)
        return t->status;               /* a recording error: only wg_tape_clear helps */
    if ((s = wg_check_list(t, fn, "x", n, x, 1, &lo, &hi)) != WG_OK
        || (s = wg_list_numel(t, fn, "x", n, x, &N)) != WG_OK)
        return s;
    if (N && !values)
        return wg_call_fail(t, WG_EINVAL, "%s: values is NULL but its length is %zu", fn, N);
    for (size_t j = 0; j < N; j++)
        if (!isfinite(values[j]))
            return wg_call_fail(t, WG_EINVAL, "%s: values[%zu] = %g is not finite", fn, j,
                                values[j]);
    if (n == 0)
        return t->status;               /* the point is unchanged, and so is its error */
    /* After an error at the old point, nodes before lo (which keep their
     * values) may hold it, a flipped comparison say: check them all again. */
    size_t from = t->status != WG_OK ? 0 : lo;
    t->status = WG_OK;                  /* the old point's error goes with the old point */
    t->status_at_point = 0;
    t->tan_k = 0;                       /* last sweeps belong to the old point */
    t->adj_n = t->adj_lo = 0;
    if (t->hook && (t->test_flags & WG_TEST_EVAL_STALE_LOG))
        test_stash(t);
    const double *vj = values;
    for (size_t j = 0; j < n; j++) {
        uint32_t i = wg_index(t, x[j]);
        size_t k = wg_numel_at(t, i);
        memcpy(wg_data(t, i), vj, k * sizeof *vj);
        vj += k;
    }

    if (t->ntn)
        replay_loop(t, from, fn, 1);
    else
        replay_loop(t, from, fn, 0);
    return t->status;
}
