/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* dot.c -- a graph as a Graphviz digraph: one DOT node per tape node, one
 * edge per operand (operand -> node), so the picture is the Wengert list.
 *
 *   inputs     box, labelled with their name
 *   constants  diamond, labelled with the constant (a tensor: its name)
 *   ops        ellipse, labelled with the node name and the op (and the
 *              constant of add_c, mul_c, pow_c, powi, the keyword
 *              arguments of tensor ops)
 *   tensors    a last line with the shape ("matmul\n64x10")
 *   outputs    the node gets a double border and an "output <name>" line
 *   edges      of binary ops and comparisons carry the operand slot, 1 or 2,
 *              as the tape's messages number operands
 * With WG_DOT_VALUES every label also shows the node's value. */
#include "graph.h"
#include "tape.h"
#include "wg_tensor_text.h"

#include <stdlib.h>
#include <errno.h>
#include <string.h>

/* s inside a DOT double-quoted string: quotes and backslashes escaped,
 * newlines as DOT's \n, other control characters dropped */
static void put_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c >= 0x20 && c != 0x7f)
            fputc(c, out);
    }
}

/* the fewest digits that read back to the same double: a label shows the
 * constant the tape holds, not a rounding of it */
static const char *exact(double v, char *buf, size_t len)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

int wg_graph_write_dot(const wg_graph *g, unsigned flags, FILE *out)
{
    if (!g || !g->tape)
        return WG_EINVAL;
    wg_tape *t = g->tape;
    if (!out)
        return wg_call_fail(t, WG_EINVAL, "wg_graph_write_dot: out is NULL");
    size_t n = wg_tape_size(t);
    char name[48], num[40], shape[WG_SHAPE_TEXT_BUF], kw[WG_KWARGS_TEXT_BUF];
    char abbrev[WG_ABBREV_TEXT_BUF];

    fputs("digraph wengert {\n", out);
    fputs("  node [fontname=\"Helvetica\"];\n", out);
    fputs("  edge [fontname=\"Helvetica\", fontsize=10];\n", out);
    for (size_t i = 0; i < n; i++) {
        wg_op op = wg_node_op(t, i);
        wg_op_kind kind = wg_op_kind_of(op);
        size_t slot = wg_graph_input_slot(g, i);
        int tensor = wg_text_is_tensor(t, i);
        const char *box = op == WG_OP_INPUT ? "box" : op == WG_OP_CONST ? "diamond" : "ellipse";
        fprintf(out, "  n%zu [shape=%s, label=\"", i, box);
        if (op == WG_OP_INPUT) {
            if (slot != (size_t)-1)
                put_escaped(out, g->in_name[slot]);
            else
                fprintf(out, "v%zu\\ninput", i);
        } else if (op == WG_OP_CONST && !tensor) {
            fputs(exact(wg_node_value(t, i), num, sizeof num), out);
        } else if (op == WG_OP_CONST) {
            fprintf(out, "v%zu", i);
        } else {
            fprintf(out, "%s\\n%s", wg_graph_node_name(g, i, name, sizeof name), wg_node_op_name(t, i));
            if (kind == WG_KIND_CONST || kind == WG_KIND_INT)
                fprintf(out, " %s", exact(wg_node_param(t, i), num, sizeof num));
            if (*wg_text_kwargs(t, i, kw, sizeof kw))
                fprintf(out, " %s", kw);
        }
        if (tensor)
            fprintf(out, "\\n%s", wg_text_node_shape(t, i, shape, sizeof shape));
        if ((flags & WG_DOT_VALUES) && tensor)
            fprintf(out, "\\n= %s", strchr(wg_text_abbrev(t, i, wg_text_value_at, abbrev,
                                                            sizeof abbrev), '['));
        else if ((flags & WG_DOT_VALUES) && op != WG_OP_CONST)
            fprintf(out, "\\n= %.6g", wg_node_value(t, i));
        int outputs = 0;
        for (size_t k = 0; k < g->nout; k++)
            if (wg_var_index(t, g->out[k]) == i) {
                fputs(outputs++ ? ", " : "\\noutput ", out);
                put_escaped(out, g->out_name[k]);
            }
        fputc('"', out);
        if (outputs)
            fputs(", peripheries=2", out);
        fputs("];\n", out);
    }
    for (size_t i = 0; i < n; i++) {
        int arity = wg_node_arity(t, i);
        for (int k = 0; k < arity; k++) {
            fprintf(out, "  n%zu -> n%zu", wg_node_arg(t, i, k), i);
            if (arity == 2)
                fprintf(out, " [label=\"%d\"]", k + 1);
            fputs(";\n", out);
        }
    }
    fputs("}\n", out);
    int e = errno;      /* the failed write's: "No space left on device" */
    if (ferror(out))
        return wg_call_fail(t, WG_EIO, "wg_graph_write_dot: writing failed: %s",
                            e ? strerror(e) : "the stream's error flag is set");
    return WG_OK;
}
