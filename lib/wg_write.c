/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_write.c -- a graph in canonical .wg form (doc/FORMAT.md): one line per
 * node in tape order, so that reading the text back records the same nodes
 * in the same order with the same operands, constants and values, and
 * writing that graph again gives the same bytes. */
#include "graph.h"
#include "tape.h"
#include "wg_lexer.h"
#include "wg_symtab.h"
#include "wg_tensor_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

/* An input node recorded with wg_input rather than wg_graph_add_input has
 * no name; the text needs one ("v<i>" is not allowed for inputs), so it is
 * written as a named input in<i>, and reads back as one. */
typedef struct gen_name {
    size_t node;
    char *name;
} gen_name;

typedef struct writer {
    const wg_graph *g;
    wg_tape *t;
    gen_name *gen;          /* increasing node */
    size_t ngen;
    wg_symtab taken;        /* every name the text defines -> node */
} writer;

static int fail(writer *w, int status, const char *fmt, const char *name, size_t a, size_t b)
{
    char q[64];
    wg_quote_span(name, strlen(name), q, sizeof q);
    char text[256];
    snprintf(text, sizeof text, fmt, q, a, b);
    return wg_call_fail(w->t, status, "wg_graph_write: %s", text);
}

static const char *generated(const writer *w, size_t node)
{
    size_t lo = 0, hi = w->ngen;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->gen[mid].node < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < w->ngen && w->gen[lo].node == node) ? w->gen[lo].name : NULL;
}

/* The node's name in the text: wg_graph_node_name's, except that unnamed
 * inputs get their generated name.  Input names have no length limit, so
 * they are returned as they are rather than copied into buf. */
static const char *node_name(const writer *w, size_t i, char *buf, size_t len)
{
    size_t slot = wg_graph_input_slot(w->g, i);
    if (slot != (size_t)-1)
        return w->g->in_name[slot];
    const char *gname = generated(w, i);
    if (gname)
        return gname;
    return wg_graph_node_name(w->g, i, buf, len);
}

/* Check that the graph can be written so that it reads back the same, and
 * choose the names of unnamed inputs. */
static int plan(writer *w)
{
    const wg_graph *g = w->g;
    wg_tape *t = w->t;
    size_t n = wg_tape_size(t);
    for (size_t k = 0; k < g->nin; k++) {
        const char *name = g->in_name[k];
        if (g->in_node[k] >= n || wg_node_op(t, g->in_node[k]) != WG_OP_INPUT)
            return fail(w, WG_EINVAL, "input %s names node %zu, which is not an input node of "
                        "the tape (%zu nodes)", name, g->in_node[k], n);
        wg_sym *e = wg_symtab_add(&w->taken, name, strlen(name));
        if (!e)
            return WG_ENOMEM;
        e->id = g->in_node[k];
    }
    for (size_t k = 0; k < g->nout; k++) {
        const char *name = g->out_name[k];
        size_t len = strlen(name), want;
        wg_var v = g->out[k];
        if (!wg_var_valid(t, v))
            return fail(w, WG_EINVAL, "output %s is not a live handle of the graph's tape", name,
                        0, 0);
        size_t node = wg_var_index(t, v);
        wg_sym *e = wg_symtab_find(&w->taken, name, len);
        if (e && e->id != node)
            return fail(w, WG_EINVAL, "output %s is node %zu, but an input of that name is node "
                        "%zu: the text could not tell them apart", name, node, e->id);
        /* the reader keeps v<digits> for node <digits>: see doc/FORMAT.md */
        if (wg_canonical_index(name, len, &want) && want != node)
            return fail(w, WG_EINVAL, "output %s is node %zu, but an output named v<digits> "
                        "must be the node of that index", name, node, 0);
        if (!e) {
            if (!(e = wg_symtab_add(&w->taken, name, len)))
                return WG_ENOMEM;
            e->id = (uint32_t)node;
        }
    }
    size_t nunnamed = 0;
    for (size_t i = 0; i < n; i++)
        nunnamed += wg_node_op(t, i) == WG_OP_INPUT && wg_graph_input_slot(g, i) == (size_t)-1;
    if (!nunnamed)
        return WG_OK;
    if (!(w->gen = calloc(nunnamed, sizeof *w->gen)))
        return WG_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (wg_node_op(t, i) != WG_OP_INPUT || wg_graph_input_slot(g, i) != (size_t)-1)
            continue;
        char buf[64];
        snprintf(buf, sizeof buf, "in%zu", i);
        /* in<i>, unless another node has that name already; an output of
         * this very node may have it (then it needs no alias line) */
        for (unsigned k = 1;; k++) {
            wg_sym *e = wg_symtab_find(&w->taken, buf, strlen(buf));
            if (!e || e->id == i)
                break;
            snprintf(buf, sizeof buf, "in%zu_%u", i, k);
        }
        char *name = malloc(strlen(buf) + 1);
        if (!name)
            return WG_ENOMEM;
        strcpy(name, buf);
        w->gen[w->ngen].node = i;
        w->gen[w->ngen++].name = name;
        if (!wg_symtab_find(&w->taken, name, strlen(name))) {
            wg_sym *e = wg_symtab_add(&w->taken, name, strlen(name));
            if (!e)
                return WG_ENOMEM;
            e->id = (uint32_t)i;
        }
    }
    return WG_OK;
}

/* infix forms; every other op is written as a call of its table name */
static const char *infix_symbol(wg_op op)
{
    switch (op) {
    case WG_OP_ADD: return "+";
    case WG_OP_SUB: return "-";
    case WG_OP_MUL: return "*";
    case WG_OP_DIV: return "/";
    case WG_OP_POW: return "^";
    case WG_OP_MATMUL: return "@";
    default:        return NULL;
    }
}

/* " : 2x3 = [1, 2.5, ...]": a tensor leaf's shape and values, all on the
 * one line of its node, each value in the reader's shortest exact form */
static void write_tensor_values(const wg_tape *t, size_t i, FILE *out)
{
    char shape[WG_SHAPE_TEXT_BUF], num[WG_NUMBER_BUF];
    const double *v = wg_node_values(t, i);
    size_t n = wg_node_numel(t, i);
    fprintf(out, " : %s = [", wg_text_node_shape(t, i, shape, sizeof shape));
    for (size_t e = 0; e < n; e++)
        fprintf(out, "%s%s", e ? ", " : "", wg_number_format(v[e], num));
    fputs("]\n", out);
}

static void write_nodes(const writer *w, FILE *out)
{
    wg_tape *t = w->t;
    size_t n = wg_tape_size(t), ninputs = 0;
    for (size_t i = 0; i < n; i++)
        ninputs += wg_node_op(t, i) == WG_OP_INPUT;
    fprintf(out, "# wengert graph: %zu inputs, %zu outputs, %zu nodes\n", ninputs, w->g->nout, n);
    for (size_t i = 0; i < n; i++) {
        char num[WG_NUMBER_BUF], ba[32], bb[32];
        wg_op op = wg_node_op(t, i);
        const char *name = wg_op_name(op), *sym = infix_symbol(op);
        size_t a = wg_node_arg(t, i, 0), b = wg_node_arg(t, i, 1);
        const char *an = a != (size_t)-1 ? node_name(w, a, ba, sizeof ba) : NULL;
        const char *bn = b != (size_t)-1 ? node_name(w, b, bb, sizeof bb) : NULL;
        if (op == WG_OP_INPUT && wg_text_is_tensor(t, i)) {
            fprintf(out, "input %s", node_name(w, i, ba, sizeof ba));
            write_tensor_values(t, i, out);
            continue;
        }
        if (op == WG_OP_INPUT) {
            fprintf(out, "input %s = %s\n", node_name(w, i, ba, sizeof ba),
                    wg_number_format(wg_node_value(t, i), num));
            continue;
        }
        if (op == WG_OP_CONST && wg_text_is_tensor(t, i)) {
            fprintf(out, "const v%zu", i);
            write_tensor_values(t, i, out);
            continue;
        }
        fprintf(out, "v%zu = ", i);
        if (op == WG_OP_CONST)
            fprintf(out, "%s\n", wg_number_format(wg_node_value(t, i), num));
        else if (sym)
            fprintf(out, "%s %s %s\n", an, sym, bn);
        else if (op == WG_OP_NEG)
            fprintf(out, "-%s\n", an);
        else switch (wg_op_kind_of(op)) {
        case WG_KIND_UNARY:
            fprintf(out, "%s(%s)\n", name, an);
            break;
        case WG_KIND_BINARY:
        case WG_KIND_CMP:
            fprintf(out, "%s(%s, %s)\n", name, an, bn);
            break;
        case WG_KIND_CONST:
        case WG_KIND_INT:       /* the number as stored: powi's -0 stays -0 */
            fprintf(out, "%s(%s, %s)\n", name, an, wg_number_format(wg_node_param(t, i), num));
            break;
        case WG_KIND_TUNARY:
        case WG_KIND_TBINARY: {     /* operands, then keywords in their one order */
            char kw[WG_KWARGS_TEXT_BUF];
            wg_text_kwargs(t, i, kw, sizeof kw);
            fprintf(out, "%s(%s%s%s%s%s)\n", name, an, bn ? ", " : "", bn ? bn : "",
                    kw[0] ? ", " : "", kw);
            break;
        }
        case WG_KIND_CUSTOM:
            if (bn)
                fprintf(out, "%s(%s, %s)\n", wg_node_op_name(t, i), an, bn);
            else
                fprintf(out, "%s(%s)\n", wg_node_op_name(t, i), an);
            break;
        case WG_KIND_LEAF:
            break;
        }
    }
    for (size_t k = 0; k < w->g->nout; k++) {
        char buf[32];
        const char *oname = w->g->out_name[k];
        const char *nname = node_name(w, wg_var_index(t, w->g->out[k]), buf, sizeof buf);
        if (strcmp(oname, nname) != 0)
            fprintf(out, "%s = %s\n", oname, nname);
        fprintf(out, "output %s\n", oname);
    }
}

int wg_graph_write(const wg_graph *g, FILE *out)
{
    if (!g)
        return WG_EINVAL;       /* no tape to hold a message: wg_errmsg(NULL) says so */
    /* every failing call sets its own message, so that wg_errmsg does not
     * show an earlier failure's */
    if (!out)
        return wg_call_fail(g->tape, WG_EINVAL, "wg_graph_write: out is NULL");
    writer w;
    memset(&w, 0, sizeof w);
    w.g = g;
    w.t = g->tape;
    /* a failed tape may hold nodes that would not record again (log of -1),
     * or miss the node a failed call did not record */
    if (wg_status(w.t) != WG_OK)
        return wg_status(w.t);
    wg_symtab_init(&w.taken);
    int s = plan(&w);
    if (s == WG_ENOMEM)
        wg_call_fail(w.t, s, "wg_graph_write: out of memory");
    if (s == WG_OK) {
        write_nodes(&w, out);
        /* errno is the failed write's (no later call failed): a full disk
         * says so, not just "write error" */
        int e = errno;
        if (ferror(out))
            s = wg_call_fail(w.t, WG_EIO, "wg_graph_write: write error: %s",
                             e ? strerror(e) : "the stream's error flag is set");
    }
    for (size_t i = 0; i < w.ngen; i++)
        free(w.gen[i].name);
    free(w.gen);
    wg_symtab_free(&w.taken);
    return s;
}
