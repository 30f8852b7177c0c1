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
/* 1 when s is an identifier that can name a variable: [A-Za-z_][A-Za-z0-9_]*
 * and not a keyword of the format (input, output) nor an op name. */
int wg_graph_name_ok(const char *s);

/* 1 when s has the form v<digits>: the writer's name for node <digits>,
 * so reserved, and no input may take it */
int wg_graph_name_is_canonical(const char *s);

#endif
