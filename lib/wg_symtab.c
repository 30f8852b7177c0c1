/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_symtab.c -- open addressing with linear probing, at most half full. */
#include "wg_symtab.h"

#include <stdlib.h>
#include <string.h>

void wg_symtab_init(wg_symtab *s)
{
    s->slot = NULL;
    s->cap = s->count = 0;
}

void wg_symtab_free(wg_symtab *s)
{
    free(s->slot);
    wg_symtab_init(s);
}

/* FNV-1a, then a 64-bit finalizer (MurmurHash3's fmix64): FNV's low bits,
 * the ones a power-of-two table keeps, barely change between names that
 * differ in a last digit (x1, x2, ...), which made long probe runs in a
 * table of 10^6 such names; the finalizer spreads every bit over all */
static size_t hash(const char *name, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)name[i];
        h *= UINT64_C(1099511628211);
    }
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return (size_t)h;
}

wg_sym *wg_symtab_find(const wg_symtab *s, const char *name, size_t len)
{
    if (!s->cap)
        return NULL;
    for (size_t i = hash(name, len) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        wg_sym *e = &s->slot[i];
        if (!e->name)
            return NULL;
        if (e->len == len && memcmp(e->name, name, len) == 0)
            return e;
    }
}

static wg_sym *place(wg_sym *slot, size_t cap, const char *name, size_t len)
{
    size_t i = hash(name, len) & (cap - 1);
    while (slot[i].name)
        i = (i + 1) & (cap - 1);
    return &slot[i];
}

wg_sym *wg_symtab_add(wg_symtab *s, const char *name, size_t len)
{
    if (2 * (s->count + 1) > s->cap) {
        if (s->cap > SIZE_MAX / 4 / sizeof(wg_sym))
            return NULL;
        size_t cap = s->cap ? 2 * s->cap : 64;
        wg_sym *slot = calloc(cap, sizeof *slot);
        if (!slot)
            return NULL;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i].name)
                *place(slot, cap, s->slot[i].name, s->slot[i].len) = s->slot[i];
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    wg_sym *e = place(s->slot, s->cap, name, len);
    memset(e, 0, sizeof *e);
    e->name = name;
    e->len = len;
    s->count++;
    return e;
}
