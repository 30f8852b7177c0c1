/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tape.c -- a tape's life: creation, growth, clearing, inspection. */
#include "tape.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The one piece of process-wide state: a lock-free counter that gives each
 * new tape (and each clear) the next tag, so that no two tapes or
 * recordings share a tag until the 32-bit counter wraps, after 2^32 - 1
 * tags (0 is skipped: a zeroed handle must stay invalid). */
static atomic_uint_least32_t tag_counter;

static uint32_t next_tag(void)
{
    for (;;) {
        uint32_t tag = (uint32_t)atomic_fetch_add_explicit(&tag_counter, 1u,
                                                           memory_order_relaxed) + 1u;
        if (tag != 0)
            return tag;
    }
}

static void *default_realloc(void *ctx, void *p, size_t size)
{
    (void)ctx;
    return realloc(p, size);
}

static void default_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

void *wg_mem_realloc(wg_tape *t, void *p, size_t size)
{
    return t->alloc.realloc_fn(t->alloc.ctx, p, size);
}

void wg_mem_free(wg_tape *t, void *p)
{
    if (p)
        t->alloc.free_fn(t->alloc.ctx, p);
}

int wg_scratch(wg_tape *t, double **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return WG_OK;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2 / sizeof(double))
            return WG_ENOMEM;
        c *= 2;
    }
    double *p = wg_mem_realloc(t, *buf, c * sizeof(double));
    if (!p)
        return WG_ENOMEM;
    *buf = p;
    *cap = c;
    return WG_OK;
}

wg_tape *wg_tape_new_with(const wg_allocator *alloc)
{
    wg_allocator a = { default_realloc, default_free, NULL };
    if (alloc) {
        if (!alloc->realloc_fn || !alloc->free_fn)
            return NULL;
        a = *alloc;
    }
    wg_tape *t = a.realloc_fn(a.ctx, NULL, sizeof *t);
    if (!t)
        return NULL;
    memset(t, 0, sizeof *t);
    t->alloc = a;
    t->tag = next_tag();
    return t;
}

wg_tape *wg_tape_new(void)
{
    return wg_tape_new_with(NULL);
}

void wg_tape_free(wg_tape *t)
{
    if (!t)
        return;
    wg_mem_free(t, t->op);
    wg_mem_free(t, t->arg0);
    wg_mem_free(t, t->arg1);
    wg_mem_free(t, t->tref);
    wg_mem_free(t, t->val);
    wg_mem_free(t, t->param);
    wg_mem_free(t, t->cid);
    wg_mem_free(t, t->tan);
    wg_mem_free(t, t->adj);
    wg_mem_free(t, t->grad);
    wg_mem_free(t, t->tn);
    wg_mem_free(t, t->shapes);
    wg_mem_free(t, t->shape_hash);
    wg_mem_free(t, t->arena);
    wg_mem_free(t, t->ttan);
    wg_mem_free(t, t->tadj);
    wg_mem_free(t, t->tgrad);
    wg_mem_free(t, t->seed);
    wg_mem_free(t, t->adt);
    wg_mem_free(t, t->tadt);
    wg_mem_free(t, t->test_stale);
    t->alloc.free_fn(t->alloc.ctx, t);
}

void wg_tape_clear(wg_tape *t)
{
    if (!t)
        return;
    t->n = 0;
    t->nparam = 0;
    t->tan_k = t->tan_lo = t->tan_n = 0;
    t->adj_lo = t->adj_n = 0;
    t->grad_n = 0;
    t->tgrad_n = 0;
    t->ntn = 0;
    t->arena_n = 0;
    t->test_stale_n = 0;
    t->status = WG_OK;
    t->status_at_point = 0;
    t->msg[0] = t->call_msg[0] = '\0';
    t->tag = next_tag();        /* handles from before the clear are stale */
}

size_t wg_tape_size(const wg_tape *t)
{
    return t ? t->n : 0;
}

size_t wg_tape_bytes(const wg_tape *t)
{
    if (!t)
        return 0;
    return t->n * (sizeof *t->op + sizeof *t->arg0 + sizeof *t->arg1 + sizeof *t->tref
                   + sizeof *t->val)
           + t->nparam * sizeof *t->param + t->ntn * sizeof *t->tn
           + (t->cid ? t->n * sizeof *t->cid : 0)
           + t->arena_n * sizeof *t->arena + t->nshapes * sizeof *t->shapes;
}

/* Grow one array to `cap` elements of `size` bytes.  On failure the array
 * is left as it was (realloc keeps the old block), so the tape stays whole. */
static int grow(wg_tape *t, void **arr, size_t cap, size_t size)
{
    void *p = wg_mem_realloc(t, *arr, cap * size);
    if (!p)
        return 0;
    *arr = p;
    return 1;
}

/* Make room for one more node.  Doubling keeps recording amortised O(1);
 * arrays grown before a failure simply stay larger than cap. */
int wg_tape_reserve_slow(wg_tape *t)
{
    if (t->n >= WG_MAX_NODES)
        return WG_ELIMIT;
    size_t cap = t->cap ? t->cap * 2 : 256;
    if (cap > WG_MAX_NODES)
        cap = WG_MAX_NODES;
    if (!grow(t, (void **)&t->op, cap, sizeof *t->op)
        || !grow(t, (void **)&t->arg0, cap, sizeof *t->arg0)
        || !grow(t, (void **)&t->arg1, cap, sizeof *t->arg1)
        || !grow(t, (void **)&t->tref, cap, sizeof *t->tref)
        || !grow(t, (void **)&t->val, cap, sizeof *t->val))
        return WG_ENOMEM;
    t->cap = cap;
    return WG_OK;
}

int wg_tape_reserve_param(wg_tape *t)
{
    if (t->nparam < t->param_cap)
        return WG_OK;
    size_t cap = t->param_cap ? t->param_cap * 2 : 64;
    if (!grow(t, (void **)&t->param, cap, sizeof *t->param))
        return WG_ENOMEM;
    t->param_cap = cap;
    return WG_OK;
}

/* ---------------------------------------------------------------- inspection */

wg_var wg_tape_var(const wg_tape *t, size_t i)
{
    wg_var none = { 0 };
    return (t && i < t->n) ? wg_handle(t, i) : none;
}

int wg_var_valid(const wg_tape *t, wg_var v)
{
    return t && wg_index(t, v) != WG_NONE;
}

size_t wg_var_index(const wg_tape *t, wg_var v)
{
    uint32_t i = t ? wg_index(t, v) : WG_NONE;
    return i == WG_NONE ? (size_t)-1 : i;
}

wg_op wg_node_op(const wg_tape *t, size_t i)
{
    return (t && i < t->n) ? (wg_op)t->op[i] : WG_OP_COUNT;
}

size_t wg_node_arg(const wg_tape *t, size_t i, int k)
{
    if (!t || i >= t->n || k < 0 || k >= wg_node_arity(t, i))
        return (size_t)-1;
    return k == 0 ? t->arg0[i] : t->arg1[i];
}

double wg_node_param(const wg_tape *t, size_t i)
{
    if (!t || i >= t->n)
        return NAN;
    wg_op_kind k = wg_op_kind_of((wg_op)t->op[i]);
    return (k == WG_KIND_CONST || k == WG_KIND_INT) ? wg_param_of(t, i) : NAN;
}

/* the value of a one-element node; NaN for a tensor of another size */
double wg_node_value(const wg_tape *t, size_t i)
{
    if (!t || i >= t->n)
        return NAN;
    return wg_numel_at(t, i) == 1 ? wg_data(t, i)[0] : NAN;
}

double wg_value(const wg_tape *t, wg_var v)
{
    uint32_t i = t ? wg_index(t, v) : WG_NONE;
    return i == WG_NONE ? NAN : wg_node_value(t, i);
}

double wg_node_tangent(const wg_tape *t, size_t i)
{
    if (!t || t->tan_k == 0 || i < t->tan_lo || i >= t->tan_n || wg_numel_at(t, i) == 0)
        return NAN;
    return wg_tan_at(t, i, 0)[0];
}

double wg_node_adjoint(const wg_tape *t, size_t i)
{
    if (!t || i < t->adj_lo || i >= t->adj_n || wg_numel_at(t, i) == 0)
        return NAN;
    return wg_adj_at(t, i, t->adj_lo, t->adj)[0];
}

void wg_tape_set_partials_hook(wg_tape *t, wg_partials_hook hook, void *ctx)
{
    if (t) {
        t->hook = hook;
        t->hook_ctx = ctx;
    }
}

void wg_tape_set_test_flags(wg_tape *t, unsigned flags)
{
    if (t)
        t->test_flags = flags;
}

void wg_tape_copy_test_state(wg_tape *dst, const wg_tape *src)
{
    if (dst && src) {
        dst->hook = src->hook;
        dst->hook_ctx = src->hook_ctx;
        dst->test_flags = src->test_flags;
    }
}
