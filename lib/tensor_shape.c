/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tensor_shape.c -- interned shapes, NumPy broadcasting, strides. */
#include "tensor.h"

#include <stdio.h>
#include <string.h>

const wg_shape_rec wg_scalar_shape = { 0, { 0 }, 1 };

/* FNV-1a over the rank and the dims: shapes are few and short */
static uint64_t shape_hash(int rank, const size_t *dim)
{
    uint64_t h = 1469598103934665603u ^ (uint64_t)rank;
    for (int d = 0; d < rank; d++) {
        uint64_t x = (uint64_t)dim[d];
        for (int k = 0; k < 8; k++) {
            h ^= (x >> (8 * k)) & 0xffu;
            h *= 1099511628211u;
        }
    }
    return h;
}

static int same_shape(const wg_shape_rec *s, int rank, const size_t *dim)
{
    if (s->rank != rank)
        return 0;
    for (int d = 0; d < rank; d++)
        if (s->dim[d] != dim[d])
            return 0;
    return 1;
}

static int rehash(wg_tape *t, size_t cap)
{
    uint32_t *h = wg_mem_realloc(t, NULL, cap * sizeof *h);
    if (!h)
        return WG_ENOMEM;
    memset(h, 0, cap * sizeof *h);
    for (size_t id = 0; id < t->nshapes; id++) {
        size_t k = (size_t)shape_hash(t->shapes[id].rank, t->shapes[id].dim) & (cap - 1);
        while (h[k])
            k = (k + 1) & (cap - 1);
        h[k] = (uint32_t)id + 1;
    }
    wg_mem_free(t, t->shape_hash);
    t->shape_hash = h;
    t->shape_hash_cap = cap;
    return WG_OK;
}

/* the scalar shape is id 0 on every tape, made when the first tensor is */
static int ensure_scalar_shape(wg_tape *t)
{
    if (t->nshapes)
        return WG_OK;
    if (!t->shapes_cap) {
        wg_shape_rec *s = wg_mem_realloc(t, NULL, 16 * sizeof *s);
        if (!s)
            return WG_ENOMEM;
        t->shapes = s;
        t->shapes_cap = 16;
    }
    memset(&t->shapes[0], 0, sizeof t->shapes[0]);
    t->shapes[0].numel = 1;
    t->nshapes = 1;
    if (rehash(t, t->shape_hash_cap ? t->shape_hash_cap : 64) != WG_OK) {
        t->nshapes = 0;         /* no table yet: the next call tries again */
        return WG_ENOMEM;
    }
    return WG_OK;
}

int wg_shape_intern(wg_tape *t, int rank, const size_t *dim, uint32_t *id)
{
    size_t numel = 1;
    for (int d = 0; d < rank; d++) {
        if (dim[d] && numel > WG_MAX_ELEMENTS / dim[d])
            return WG_ELIMIT;
        numel *= dim[d];
    }
    if (numel > WG_MAX_ELEMENTS)
        return WG_ELIMIT;
    if (ensure_scalar_shape(t) != WG_OK)
        return WG_ENOMEM;
    uint64_t h = shape_hash(rank, dim);
    size_t mask = t->shape_hash_cap - 1, k = (size_t)h & mask;
    for (; t->shape_hash[k]; k = (k + 1) & mask)
        if (same_shape(&t->shapes[t->shape_hash[k] - 1], rank, dim)) {
            *id = t->shape_hash[k] - 1;
            return WG_OK;
        }
    if (t->nshapes >= UINT32_MAX - 1)
        return WG_ELIMIT;
    /* room first, so that a failure leaves the table as it was */
    if (t->nshapes == t->shapes_cap) {
        size_t cap = t->shapes_cap * 2;
        wg_shape_rec *s = wg_mem_realloc(t, t->shapes, cap * sizeof *s);
        if (!s)
            return WG_ENOMEM;
        t->shapes = s;
        t->shapes_cap = cap;
    }
    if (2 * (t->nshapes + 1) > t->shape_hash_cap) {
        if (rehash(t, t->shape_hash_cap * 2) != WG_OK)
            return WG_ENOMEM;
        mask = t->shape_hash_cap - 1;
        for (k = (size_t)h & mask; t->shape_hash[k]; k = (k + 1) & mask)
            ;
    }
    wg_shape_rec *s = &t->shapes[t->nshapes];
    memset(s, 0, sizeof *s);
    s->rank = rank;
    for (int d = 0; d < rank; d++)
        s->dim[d] = dim[d];
    s->numel = numel;
    t->shape_hash[k] = (uint32_t)t->nshapes + 1;
    *id = (uint32_t)t->nshapes++;
    return WG_OK;
}

void wg_strides(const wg_shape_rec *s, ptrdiff_t *st)
{
    ptrdiff_t m = 1;
    for (int d = s->rank - 1; d >= 0; d--) {
        st[d] = m;
        m *= (ptrdiff_t)s->dim[d];
    }
}

const char *wg_shape_text(const wg_shape_rec *s, char *buf, size_t len)
{
    if (s->rank == 0) {
        snprintf(buf, len, "scalar");
        return buf;
    }
    size_t k = 0;
    buf[0] = '\0';
    for (int d = 0; d < s->rank && k < len; d++) {
        int w = snprintf(buf + k, len - k, d ? "x%zu" : "%zu", s->dim[d]);
        if (w < 0)
            break;
        k += (size_t)w;
    }
    return buf;
}

int wg_broadcast_shape(const wg_shape_rec *a, const wg_shape_rec *b, int *rank, size_t *dim)
{
    int r = a->rank > b->rank ? a->rank : b->rank;
    for (int d = 0; d < r; d++) {
        int da = d - (r - a->rank), db = d - (r - b->rank);
        size_t x = da >= 0 ? a->dim[da] : 1, y = db >= 0 ? b->dim[db] : 1;
        if (x != y && x != 1 && y != 1)
            return 0;
        dim[d] = x == 1 ? y : x;
    }
    *rank = r;
    return 1;
}

void wg_bcast_strides(const wg_shape_rec *a, const wg_shape_rec *out, ptrdiff_t *st)
{
    ptrdiff_t as[WG_MAX_RANK];
    wg_strides(a, as);
    for (int d = 0; d < out->rank; d++) {
        int da = d - (out->rank - a->rank);
        st[d] = (da >= 0 && a->dim[da] == out->dim[d] && a->dim[da] != 1) ? as[da] : 0;
    }
}
