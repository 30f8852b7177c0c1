/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* graph.h -- private: a graph is a tape plus the names of its inputs and
 * its outputs (what a .wg file holds).  Shared by graph.c, the .wg reader
 * and writer, traces and DOT export. */
#ifndef WG_GRAPH_H
#define WG_GRAPH_H

#include "wengert.h"
#include "wg_symtab.h"

struct wg_graph {
    wg_tape *tape;
    size_t nin, in_cap;
    uint32_t *in_node;      /* node index of each named input, increasing */
    char **in_name;
    size_t nout, out_cap;
    wg_var *out;
    char **out_name;
    /* the names above, hashed (id: the slot), so that adding the n-th
     * input or output is not a scan of the others: a .wg of 10^6 inputs */
    wg_symtab in_hash, out_hash;
};

/* slot of node i among the named inputs, or (size_t)-1 */
size_t wg_graph_input_slot(const wg_graph *g, size_t node);
/* wg_graph_name_ok, wg_graph_name_is_canonical: public (wengert.h) */

#endif
