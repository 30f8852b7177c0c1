/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* graph.c -- the graph object: a tape it owns, named inputs, named outputs. */
#include "graph.h"
#include "tape.h"

#include <stdlib.h>
#include <string.h>

wg_graph *wg_graph_new(void)
{
    wg_graph *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->tape = wg_tape_new();
    if (!g->tape) {
        free(g);
        return NULL;
    }
    return g;
}

void wg_graph_free(wg_graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nin; i++)
        free(g->in_name[i]);
    for (size_t i = 0; i < g->nout; i++)
        free(g->out_name[i]);
    free(g->in_node);
    free(g->in_name);
    free(g->out);
    free(g->out_name);
    wg_symtab_free(&g->in_hash);
    wg_symtab_free(&g->out_hash);
    wg_tape_free(g->tape);
    free(g);
}

wg_tape *wg_graph_tape(wg_graph *g)
{
    return g ? g->tape : NULL;
}

size_t wg_graph_ninputs(const wg_graph *g)
{
    return g ? g->nin : 0;
}

wg_var wg_graph_input(const wg_graph *g, size_t i)
{
    wg_var none = { 0 };
    return (g && i < g->nin) ? wg_tape_var(g->tape, g->in_node[i]) : none;
}

const char *wg_graph_input_name(const wg_graph *g, size_t i)
{
    return (g && i < g->nin) ? g->in_name[i] : NULL;
}

size_t wg_graph_noutputs(const wg_graph *g)
{
    return g ? g->nout : 0;
}

wg_var wg_graph_output(const wg_graph *g, size_t i)
{
    wg_var none = { 0 };
    return (g && i < g->nout) ? g->out[i] : none;
}

const char *wg_graph_output_name(const wg_graph *g, size_t i)
{
    return (g && i < g->nout) ? g->out_name[i] : NULL;
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

int wg_graph_name_ok(const char *s)
{
    if (!s || !(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    for (const char *p = s + 1; *p; p++)
        if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9')))
            return 0;
    if (strcmp(s, "input") == 0 || strcmp(s, "output") == 0)
        return 0;
    return !wg_op_from_name(s, NULL) && !wg_custom_find(s, NULL);
}

int wg_graph_name_is_canonical(const char *s)
{
    if (s[0] != 'v' || s[1] == '\0')
        return 0;
    for (const char *p = s + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

size_t wg_graph_input_slot(const wg_graph *g, size_t node)
{
    size_t lo = 0, hi = g->nin;     /* in_node is increasing: binary search */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->in_node[mid] < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < g->nin && g->in_node[lo] == node) ? lo : (size_t)-1;
}

static int grow_slots(void **a, void **b, size_t *cap, size_t sa, size_t sb)
{
    size_t c = *cap ? *cap * 2 : 8;
    void *na = realloc(*a, c * sa);
    if (!na)
        return 0;
    *a = na;
    void *nb = realloc(*b, c * sb);
    if (!nb)
        return 0;
    *b = nb;
    *cap = c;
    return 1;
}

/* rank 0: a scalar input (wg_input), else a tensor input */
static wg_var add_input(wg_graph *g, const char *name, int rank, const size_t *shape,
                        const double *data)
{
    wg_var none = { 0 };
    if (!g || wg_status(g->tape) != WG_OK)
        return none;
    wg_tape *t = g->tape;
    if (!wg_graph_name_ok(name) || wg_graph_name_is_canonical(name)) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (input): '%s' cannot name an input (an identifier "
                "that is not a keyword, an op name or v<digits> is needed)", t->n,
                name ? name : "(null)");
        return none;
    }
    size_t nlen = strlen(name);
    const wg_sym *dup = wg_symtab_find(&g->in_hash, name, nlen);
    if (dup) {
        wg_fail(t, WG_EINVAL, 0, "node %zu (input): input '%s' is already defined as node %u",
                t->n, name, g->in_node[dup->id]);
        return none;
    }
    if (g->nin == g->in_cap
        && !grow_slots((void **)&g->in_node, (void **)&g->in_name, &g->in_cap,
                       sizeof *g->in_node, sizeof *g->in_name)) {
        wg_fail(t, WG_ENOMEM, 0, "node %zu (input): out of memory for input '%s'", t->n, name);
        return none;
    }
    char *copy = dup_string(name);
    if (!copy) {
        wg_fail(t, WG_ENOMEM, 0, "node %zu (input): out of memory for input '%s'", t->n, name);
        return none;
    }
    wg_var v = rank == 0 && data ? wg_input(t, data[0]) : wg_tensor_input(t, rank, shape, data);
    if (!v.id) {
        free(copy);
        return none;
    }
    wg_sym *e = wg_symtab_add(&g->in_hash, copy, nlen);
    if (!e) {
        /* the node is recorded but cannot be named: the tape fails, so the
         * graph is not used as if it had the input */
        free(copy);
        wg_fail(t, WG_ENOMEM, 0, "node %zu (input): out of memory for input '%s'", t->n, name);
        return none;
    }
    e->id = (uint32_t)g->nin;
    g->in_node[g->nin] = (uint32_t)wg_var_index(t, v);
    g->in_name[g->nin++] = copy;
    return v;
}

wg_var wg_graph_add_input(wg_graph *g, const char *name, double value)
{
    return add_input(g, name, 0, NULL, &value);
}

wg_var wg_graph_add_tensor_input(wg_graph *g, const char *name, int rank, const size_t *shape,
                                 const double *data)
{
    return add_input(g, name, rank, shape, data);
}

int wg_graph_add_output(wg_graph *g, const char *name, wg_var v)
{
    if (!g)
        return WG_EINVAL;
    wg_tape *t = g->tape;
    if (wg_status(t) != WG_OK)
        return wg_status(t);
    if (!wg_graph_name_ok(name))
        return wg_call_fail(t, WG_EINVAL, "output: '%s' cannot name an output",
                            name ? name : "(null)");
    if (!wg_var_valid(t, v))
        return wg_call_fail(t, WG_EINVAL, "output '%s': id %u is not a live handle of the "
                            "graph's tape", name, v.id);
    if (wg_symtab_find(&g->out_hash, name, strlen(name)))
        return wg_call_fail(t, WG_EINVAL, "output '%s' is already defined", name);
    if (g->nout == g->out_cap
        && !grow_slots((void **)&g->out, (void **)&g->out_name, &g->out_cap, sizeof *g->out,
                       sizeof *g->out_name))
        return wg_call_fail(t, WG_ENOMEM, "output '%s': out of memory", name);
    char *copy = dup_string(name);
    wg_sym *e = copy ? wg_symtab_add(&g->out_hash, copy, strlen(copy)) : NULL;
    if (!e) {
        free(copy);
        return wg_call_fail(t, WG_ENOMEM, "output '%s': out of memory", name);
    }
    e->id = (uint32_t)g->nout;
    g->out[g->nout] = v;
    g->out_name[g->nout++] = copy;
    return WG_OK;
}

const char *wg_graph_node_name(const wg_graph *g, size_t i, char *buf, size_t len)
{
    size_t slot = g ? wg_graph_input_slot(g, i) : (size_t)-1;
    if (slot != (size_t)-1)
        snprintf(buf, len, "%s", g->in_name[slot]);
    else
        snprintf(buf, len, "v%zu", i);
    return buf;
}
