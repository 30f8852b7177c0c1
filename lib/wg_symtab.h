/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_symtab.h -- private: a hash table of names (not copied: the text they
 * point into outlives the table), for the .wg reader's variables and the
 * writer's check that the names it prints are distinct. */
#ifndef WG_SYMTAB_H
#define WG_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct wg_sym {
    const char *name;       /* NULL: an empty slot */
    size_t len;
    uint32_t id;            /* a wg_var id (reader) or a node index (writer) */
    uint32_t tag;           /* the wg_var's tag (reader) */
    size_t line, column;    /* where the name was defined */
    size_t out_line;        /* line of the 'output' naming it; 0: not an output */
} wg_sym;

typedef struct wg_symtab {
    wg_sym *slot;
    size_t cap, count;      /* cap: 0 or a power of two */
} wg_symtab;

void    wg_symtab_init(wg_symtab *s);
void    wg_symtab_free(wg_symtab *s);
wg_sym *wg_symtab_find(const wg_symtab *s, const char *name, size_t len);
/* Add a name that is not in the table yet; NULL when out of memory.  The
 * pointer is valid until the next insertion. */
wg_sym *wg_symtab_add(wg_symtab *s, const char *name, size_t len);

#endif
