/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* custom.c -- the registry of custom ops (wengert.h, wg_custom_op) and
 * their recording.  Process-wide and append-only: an entry, once its slot
 * is counted, never changes, so lookups read it without a lock; writers
 * take a spin lock (an atomic flag: registration is rare and short) and
 * publish the new count with release order. */
#include "custom.h"
#include "tape.h"
#include "wg_lexer.h"
#include "wg_parse.h"
#include "tensor.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 63

typedef struct entry {
    wg_custom_op_def def;
    char name[NAME_MAX_LEN + 1];
} entry;

static entry reg[WG_CUSTOM_MAX];
static atomic_int reg_n;
static atomic_flag reg_lock = ATOMIC_FLAG_INIT;
static _Thread_local char reg_err[160];

static const wg_var no_var = { 0 };

const char *wg_custom_error(void)
{
    return reg_err;
}

int wg_custom_count(void)
{
    return atomic_load_explicit(&reg_n, memory_order_acquire);
}

const wg_custom_op_def *wg_custom_def(int op_id)
{
    return op_id >= 0 && op_id < wg_custom_count() ? &reg[op_id].def : NULL;
}

int wg_custom_find(const char *name, int *op_id)
{
    if (!name)
        return 0;
    int n = wg_custom_count();
    for (int i = 0; i < n; i++)
        if (strcmp(reg[i].name, name) == 0) {
            if (op_id)
                *op_id = i;
            return 1;
        }
    return 0;
}

static int fail(int status, const char *fmt, const char *name)
{
    snprintf(reg_err, sizeof reg_err, fmt, name);
    return status;
}

int wg_custom_op(const wg_custom_op_def *def, int *op_id)
{
    reg_err[0] = '\0';
    if (!def || !def->name)
        return fail(WG_EINVAL, "wg_custom_op: %s", "no definition or no name");
    const char *s = def->name;
    if (strlen(s) > NAME_MAX_LEN)
        return fail(WG_EINVAL, "wg_custom_op: name \"%.80s...\" is longer than 63 characters", s);
    if (!wg_is_name(s, strlen(s)))   /* what .wg text reads as one name */
        return fail(WG_EINVAL, "wg_custom_op: name \"%s\" is not an identifier "
                    "([A-Za-z_][A-Za-z0-9_]*)", s);
    if (wg_op_from_name(s, NULL) || strcmp(s, "stack") == 0)
        return fail(WG_EINVAL, "wg_custom_op: name \"%s\" is a built-in op", s);
    if (strcmp(s, "input") == 0 || strcmp(s, "output") == 0 || strcmp(s, "file") == 0)
        return fail(WG_EINVAL, "wg_custom_op: name \"%s\" is a keyword of .wg text", s);
    /* the expression language's other spellings and constants (doc/FORMAT.md) */
    if (wg_expr_name_reserved(s))
        return fail(WG_EINVAL, "wg_custom_op: name \"%s\" is a name of .wg text (a function "
                    "or a constant)", s);
    if (wg_graph_name_is_canonical(s))
        return fail(WG_EINVAL, "wg_custom_op: name \"%s\" is a canonical node name (v<digits>)", s);
    if (def->arity != 1 && def->arity != 2) {
        snprintf(reg_err, sizeof reg_err, "wg_custom_op: %s: arity %d is not 1 or 2", s,
                 def->arity);
        return WG_EINVAL;
    }
    if (!def->value || !def->partials)
        return fail(WG_EINVAL, "wg_custom_op: %s: the value and partials callbacks are required", s);
    while (atomic_flag_test_and_set_explicit(&reg_lock, memory_order_acquire))
        ;
    int st = WG_OK, n = atomic_load_explicit(&reg_n, memory_order_relaxed);
    if (wg_custom_find(s, NULL))
        st = fail(WG_EINVAL, "wg_custom_op: name \"%s\" is registered already", s);
    else if (n == WG_CUSTOM_MAX)
        st = fail(WG_ELIMIT, "wg_custom_op: %s: WG_CUSTOM_MAX ops are registered already", s);
    else {
        reg[n].def = *def;
        strcpy(reg[n].name, s);
        reg[n].def.name = reg[n].name;
        atomic_store_explicit(&reg_n, n + 1, memory_order_release);
        if (op_id)
            *op_id = n;
    }
    atomic_flag_clear_explicit(&reg_lock, memory_order_release);
    return st;
}

const char *wg_custom_name(int op_id)
{
    const wg_custom_op_def *d = wg_custom_def(op_id);
    return d ? d->name : "custom";
}

/* the per-node ids, allocated with the first custom node and grown with
 * the tape from then on (wg_tape_reserve_slow) */
int wg_custom_ids_reserve(wg_tape *t)
{
    if (t->cid_cap >= t->cap)
        return WG_OK;
    uint32_t *p = wg_mem_realloc(t, t->cid, t->cap * sizeof *p);
    if (!p)
        return WG_ENOMEM;
    t->cid = p;
    t->cid_cap = t->cap;
    return WG_OK;
}

wg_var wg_apply_custom(wg_tape *t, int op_id, const wg_var *args)
{
    if (!t || t->status != WG_OK)
        return no_var;
    const wg_custom_op_def *d = wg_custom_def(op_id);
    if (!d) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (custom): op id %d is not a registered custom op "
                "(%d registered)", t->n, op_id, wg_custom_count());
        return no_var;
    }
    if (!args) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (%s): no operands (args is NULL)", t->n, d->name);
        return no_var;
    }
    uint32_t ix[2] = { WG_NONE, WG_NONE };
    int tensor = 0;
    for (int k = 0; k < d->arity; k++) {
        ix[k] = wg_index(t, args[k]);
        if (ix[k] == WG_NONE) {
            wg_bad_handle_named(t, d->name, k, args[k]);
            return no_var;
        }
        tensor |= !wg_in_val(t, ix[k]);
    }
    if (tensor)         /* elementwise with broadcasting, as the scalar rows */
        return wg_record_ew(t, WG_OP_CUSTOM, ix[0], ix[1], (double)op_id);
    if (t->n == t->cap) {
        int s = wg_tape_reserve_slow(t);
        if (s != WG_OK) {
            wg_fail(t, s, 0, "node %zu (%s): %s", t->n, d->name,
                    s == WG_ELIMIT ? "the tape holds WG_MAX_NODES nodes already"
                                   : "out of memory growing the tape");
            return no_var;
        }
    }
    if (wg_custom_ids_reserve(t) != WG_OK) {
        wg_fail(t, WG_ENOMEM, 0, "node %zu (%s): out of memory", t->n, d->name);
        return no_var;
    }
    double a = t->val[ix[0]], b = ix[1] != WG_NONE ? t->val[ix[1]] : 0.0;
    double y = wg_custom_value(op_id, a, b);
    size_t i = t->n++;
    t->op[i] = (uint8_t)WG_OP_CUSTOM;
    t->arg0[i] = ix[0];
    t->arg1[i] = ix[1];
    t->tref[i] = 0;
    t->val[i] = y;
    t->cid[i] = (uint32_t)op_id;
    const char *why = wg_custom_domain(op_id, a, b);
    char args_s[128];
    if (d->arity == 1)
        snprintf(args_s, sizeof args_s, "argument %.17g", a);
    else
        snprintf(args_s, sizeof args_s, "arguments (%.17g, %.17g)", a, b);
    if (why)
        wg_fail(t, WG_EDOM, 0, "node %zu (%s): %s: %s", i, d->name, args_s, why);
    else if (!isfinite(y))
        wg_fail(t, WG_ERANGE, 0, "node %zu (%s): %s: result %g is not finite", i, d->name,
                args_s, y);
    return wg_handle(t, i);
}

int wg_node_custom(const wg_tape *t, size_t i)
{
    if (!t || i >= t->n || t->op[i] != WG_OP_CUSTOM)
        return -1;
    return (int)t->cid[i];
}

int wg_node_arity(const wg_tape *t, size_t i)
{
    if (!t || i >= t->n)
        return -1;
    if (t->op[i] == WG_OP_CUSTOM)
        return t->arg1[i] == WG_NONE ? 1 : 2;
    return wg_op_arity((wg_op)t->op[i]);
}

const char *wg_node_op_name(const wg_tape *t, size_t i)
{
    if (!t || i >= t->n)
        return NULL;
    if (t->op[i] == WG_OP_CUSTOM)
        return wg_custom_name((int)t->cid[i]);
    return wg_op_name((wg_op)t->op[i]);
}

/* the first custom node of [lo, hi), or hi */
size_t wg_first_custom(const wg_tape *t, size_t lo, size_t hi)
{
    if (!t->cid)
        return hi;
    for (size_t i = lo; i < hi; i++)
        if (t->op[i] == WG_OP_CUSTOM)
            return i;
    return hi;
}
