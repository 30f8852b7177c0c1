/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* record.c -- recording nodes: one function per row of WG_OP_LIST, all
 * through the same three paths (leaf, op, comparison), each of which checks
 * its handles, computes the value, checks the domain, and appends. */
#include "op_kernels.h"
#include "tape.h"
#include "tensor.h"

#include <math.h>

static const wg_var no_var = { 0 };

/* Append node; the caller has checked the status.  Returns its handle, or
 * the invalid handle after recording WG_ENOMEM / WG_ELIMIT. */
WG_KERNEL wg_var push(wg_tape *t, wg_op op, uint32_t a, uint32_t b, double v)
{
    if (t->n == t->cap) {
        int s = wg_tape_reserve_slow(t);
        if (s != WG_OK) {
            wg_fail(t, s, 0, "node %zu (%s): %s", t->n, wg_op_name(op),
                    s == WG_ELIMIT ? "the tape holds WG_MAX_NODES nodes already"
                                   : "out of memory growing the tape");
            return no_var;
        }
    }
    size_t i = t->n++;
    t->op[i] = (uint8_t)op;
    t->arg0[i] = a;
    t->arg1[i] = b;
    t->tref[i] = 0;
    t->val[i] = v;
    return wg_handle(t, i);
}

void wg_bad_handle(wg_tape *t, wg_op op, int k, wg_var v)
{
    wg_bad_handle_named(t, wg_op_name(op), k, v);
}

void wg_bad_handle_named(wg_tape *t, const char *opname, int k, wg_var v)
{
    uint32_t ix = v.id;
    if (v.id == 0)
        wg_fail(t, WG_EINVAL, 0, "node %zu (%s): operand %d is the invalid handle "
                "(a failed call's result, or never set)", t->n, opname, k + 1);
    else if (v.tag != t->tag)
        wg_fail(t, WG_EINVAL, 0, "node %zu (%s): operand %d (id %u, tag %u) belongs to another "
                "tape, or to this one before wg_tape_clear", t->n, opname, k + 1,
                (unsigned)v.id, (unsigned)v.tag);
    else
        wg_fail(t, WG_EINVAL, 0, "node %zu (%s): operand %d (id %u) names node %u, past "
                "the end of the tape (%zu nodes)", t->n, opname, k + 1, (unsigned)v.id,
                (unsigned)(ix - 1), t->n);
}

/* Domain and range checks of a new node's value; on failure the node is
 * still recorded with the IEEE value, and the tape fails with a message
 * naming node, op and arguments. */
static void check_value(wg_tape *t, wg_op op, double a, double b, double p, double y)
{
    const char *why = wg_op_domain(op, a, b, p);
    char args[128];
    wg_format_args(op, a, b, p, args, sizeof args);
    if (why)
        wg_fail(t, WG_EDOM, 0, "node %zu (%s): %s: %s", t->n - 1, wg_op_name(op), args, why);
    else if (!isfinite(y))
        wg_fail(t, WG_ERANGE, 0, "node %zu (%s): %s: result %g is not finite", t->n - 1,
                wg_op_name(op), args, y);
}

static wg_var rec_leaf(wg_tape *t, wg_op op, double value)
{
    if (!t || t->status != WG_OK)
        return no_var;
    if (!isfinite(value)) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (%s): value %g is not finite", t->n, wg_op_name(op),
                value);
        return no_var;
    }
    return push(t, op, WG_NONE, WG_NONE, value);
}

wg_var wg_input(wg_tape *t, double value)
{
    return rec_leaf(t, WG_OP_INPUT, value);
}

wg_var wg_const(wg_tape *t, double value)
{
    return rec_leaf(t, WG_OP_CONST, value);
}

static wg_var rec_unary_slow(wg_tape *t, wg_op op, wg_var av)
{
    if (!t || t->status != WG_OK)
        return no_var;
    uint32_t a = wg_index(t, av);
    if (a == WG_NONE) {
        wg_bad_handle(t, op, 0, av);
        return no_var;
    }
    if (!wg_in_val(t, a))
        return wg_record_ew(t, op, a, WG_NONE, 0.0);
    double x = t->val[a];
    double y = wg_op_value(op, x, 0, 0);
    wg_var r = push(t, op, a, WG_NONE, y);
    if (r.id && (!isfinite(y) || wg_op_domain(op, x, 0, 0)))
        check_value(t, op, x, 0, 0, y);
    return r;
}

static wg_var rec_binary_slow(wg_tape *t, wg_op op, wg_var av, wg_var bv)
{
    if (!t || t->status != WG_OK)
        return no_var;
    uint32_t a = wg_index(t, av), b = wg_index(t, bv);
    if (a == WG_NONE || b == WG_NONE) {
        wg_bad_handle(t, op, a == WG_NONE ? 0 : 1, a == WG_NONE ? av : bv);
        return no_var;
    }
    if (!wg_in_val(t, a) || !wg_in_val(t, b))
        return wg_record_ew(t, op, a, b, 0.0);
    double x = t->val[a], z = t->val[b];
    double y = wg_op_value(op, x, z, 0);
    wg_var r = push(t, op, a, b, y);
    if (r.id && (!isfinite(y) || wg_op_domain(op, x, z, 0)))
        check_value(t, op, x, z, 0, y);
    return r;
}

/* The fast paths: one predictable test covers the tape's status, both
 * handles' tags and ranges and the capacity; anything unusual (an error to
 * report, growth) takes the slow path above, which does the same work with
 * every check spelled out.  Recording is most of a taped program's
 * overhead, so this is where a branch per check shows. */
#define WG_LIKELY(c) __builtin_expect(!!(c), 1)

WG_KERNEL wg_var rec_unary(wg_tape *t, wg_op op, wg_var av)
{
    if (!t)
        return no_var;
    size_t n = t->n;
    uint32_t a = av.id - 1u;
    if (WG_LIKELY((t->status == WG_OK) & (av.tag == t->tag) & (a < n)
                  & (n < t->cap) && (t->ntn == 0 || t->tref[a] == 0))) {
        double x = t->val[a];
        double y = wg_op_value(op, x, 0, 0);
        t->op[n] = (uint8_t)op;
        t->arg0[n] = a;
        t->arg1[n] = WG_NONE;
        t->tref[n] = 0;
        t->val[n] = y;
        t->n = n + 1;
        if (!isfinite(y) || wg_op_domain(op, x, 0, 0))
            check_value(t, op, x, 0, 0, y);
        return wg_handle(t, n);
    }
    return rec_unary_slow(t, op, av);
}

WG_KERNEL wg_var rec_binary(wg_tape *t, wg_op op, wg_var av, wg_var bv)
{
    if (!t)
        return no_var;
    size_t n = t->n;
    uint32_t tag = t->tag;
    uint32_t a = av.id - 1u, b = bv.id - 1u;
    if (WG_LIKELY((t->status == WG_OK) & (av.tag == tag)
                  & (bv.tag == tag) & (a < n) & (b < n) & (n < t->cap)
                  && (t->ntn == 0 || (t->tref[a] | t->tref[b]) == 0))) {
        double x = t->val[a], z = t->val[b];
        double y = wg_op_value(op, x, z, 0);
        t->op[n] = (uint8_t)op;
        t->arg0[n] = a;
        t->arg1[n] = b;
        t->tref[n] = 0;
        t->val[n] = y;
        t->n = n + 1;
        if (!isfinite(y) || wg_op_domain(op, x, z, 0))
            check_value(t, op, x, z, 0, y);
        return wg_handle(t, n);
    }
    return rec_binary_slow(t, op, av, bv);
}

WG_KERNEL wg_var rec_const(wg_tape *t, wg_op op, wg_var av, double c)
{
    if (!t || t->status != WG_OK)
        return no_var;
    uint32_t a = wg_index(t, av);
    if (a == WG_NONE) {
        wg_bad_handle(t, op, 0, av);
        return no_var;
    }
    if (!isfinite(c)) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (%s): constant %g is not finite", t->n,
                wg_op_name(op), c);
        return no_var;
    }
    if (t->ntn && !wg_in_val(t, a))
        return wg_record_ew(t, op, a, WG_NONE, c);
    if (wg_tape_reserve_param(t) != WG_OK) {
        wg_fail(t, WG_ENOMEM, 0, "node %zu (%s): out of memory growing the constant table",
                t->n, wg_op_name(op));
        return no_var;
    }
    double x = t->val[a];
    double y = wg_op_value(op, x, 0, c);
    wg_var r = push(t, op, a, (uint32_t)t->nparam, y);
    if (!r.id)
        return r;
    t->param[t->nparam++] = c;
    if (!isfinite(y) || wg_op_domain(op, x, 0, c))
        check_value(t, op, x, 0, c, y);
    return r;
}

/* the outcome; for tensors, 1 when every element's outcome is true */
static inline int rec_cmp(wg_tape *t, wg_op op, wg_var av, wg_var bv)
{
    wg_var r = rec_binary(t, op, av, bv);
    if (!r.id)
        return 0;
    size_t i = t->n - 1, n = wg_numel_at(t, i);
    const double *y = wg_data(t, i);
    for (size_t e = 0; e < n; e++)
        if (y[e] == 0)
            return 0;
    return 1;
}

#define WG_X_DEF_LEAF(E, name)
#define WG_X_DEF_UNARY(E, name) \
    wg_var wg_##name(wg_tape *t, wg_var a) { return rec_unary(t, WG_OP_##E, a); }
#define WG_X_DEF_BINARY(E, name) \
    wg_var wg_##name(wg_tape *t, wg_var a, wg_var b) { return rec_binary(t, WG_OP_##E, a, b); }
#define WG_X_DEF_CONST(E, name) \
    wg_var wg_##name(wg_tape *t, wg_var a, double c) { return rec_const(t, WG_OP_##E, a, c); }
#define WG_X_DEF_INT(E, name) \
    wg_var wg_##name(wg_tape *t, wg_var a, int n) { return rec_const(t, WG_OP_##E, a, (double)n); }
#define WG_X_DEF_CMP(E, name) \
    int wg_##name(wg_tape *t, wg_var a, wg_var b) { return rec_cmp(t, WG_OP_##E, a, b); }
#define WG_X_DEF_TUNARY(E, name)
#define WG_X_DEF_TBINARY(E, name)
#define WG_X_DEF_CUSTOM(E, name)
#define WG_X_DEF(E, name, kind) WG_X_DEF_##kind(E, name)
WG_OP_LIST(WG_X_DEF)
#undef WG_X_DEF

wg_var wg_apply(wg_tape *t, wg_op op, wg_var a, wg_var b, double c)
{
    if (!t || t->status != WG_OK)
        return no_var;
    switch (wg_op_kind_of(op)) {
    case WG_KIND_LEAF:
        if (op == WG_OP_INPUT)
            return wg_input(t, c);
        if (op == WG_OP_CONST)
            return wg_const(t, c);
        break;
    case WG_KIND_UNARY:
        return rec_unary(t, op, a);
    case WG_KIND_BINARY:
    case WG_KIND_CMP:
        return rec_binary(t, op, a, b);
    case WG_KIND_CONST:
        return rec_const(t, op, a, c);
    case WG_KIND_TUNARY:
    case WG_KIND_TBINARY:
        if (op == WG_OP_MATMUL)
            return wg_matmul(t, a, b);
        wg_fail(t, WG_EINVAL, 0, "node %zu (%s): a tensor op with attributes: record it with "
                "wg_apply_tensor", t->n, wg_op_name(op));
        return no_var;
    case WG_KIND_CUSTOM: {          /* c is the custom op id */
        wg_var args[2] = { a, b };
        if (!(c >= 0 && c < WG_CUSTOM_MAX && c == nearbyint(c))) {
            wg_fail(t, WG_EINVAL, 0, "node %zu (custom): op id %.17g is not a custom op id",
                    t->n, c);
            return no_var;
        }
        return wg_apply_custom(t, (int)c, args);
    }
    case WG_KIND_INT:
        if (!(c >= INT32_MIN && c <= INT32_MAX && c == nearbyint(c))) {
            wg_fail(t, WG_EINVAL, 0, "node %zu (%s): exponent %.17g is not an int", t->n,
                    wg_op_name(op), c);
            return no_var;
        }
        return rec_const(t, op, a, c);
    }
    wg_fail(t, WG_EINVAL, 0, "node %zu: op code %d is not an op", t->n, (int)op);
    return no_var;
}
