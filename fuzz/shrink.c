/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shrink.c -- delta debugging of a failing graph (shrink.h), and the
 * reproducer files that carry the result.
 *
 * The search works on whole graphs: the current graph is always one that
 * fails, and a candidate is the current graph rebuilt on a new tape with
 * edits to some of its nodes.  Edits:
 *   - to_const:  the node becomes a const of its current value;
 *   - to_input:  the node becomes a new named input of its current value,
 *                so what it computed from is cut off but derivatives still
 *                flow from it to the outputs;
 *   - bypass:    the node is dropped and its consumers use one of its
 *                operands instead (this changes values downstream; a
 *                candidate that leaves a domain does not record and is
 *                simply rejected);
 *   - outputs can be removed (one always stays);
 *   - named inputs can become consts of their values (one always stays:
 *     the check needs one);
 *   - pruning drops every node no output uses and every input nothing
 *     uses (one input always stays: the check needs one).
 * Op nodes keep their values unless a bypass changes what they compute
 * from, and so stay inside the domains the generator placed them in.
 *
 * A candidate is checked only when it is smaller than the current graph
 * in (nodes, op nodes, outputs, inputs), compared in that order.  No edit
 * adds a node, and each makes the tuple smaller (to_input adds an input
 * but removes an op node, which counts first), so the search cannot
 * cycle; it stops after a pass in which no edit was kept.  Each pass removes outputs in chunks (halves, quarters, ... single
 * ones), then edits op nodes in chunks the same way, the chunks taken from
 * the outputs' end of the tape first, where one edit cuts off the most,
 * then turns inputs into consts the same way.  At chunk size one every
 * node has had every edit tried: the result of a pass that keeps nothing
 * is 1-minimal.
 *
 * "Still fails" is the check's verdict fail with the worst failing result
 * blaming the op the input graph's worst failing result blamed (or any
 * fail when that one blamed none).  Pruning is tried on the input first;
 * in the rare case that it loses the failure (a node no output uses can
 * matter only through the blame, an unused input only through the random
 * directions, whose dimension it sets), candidates are built unpruned and
 * pruning is tried again after each pass.
 *
 * Everything is deterministic: the check is seeded, edits are tried in a
 * fixed order and new inputs get the first free name u1, u2, ... */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, getpid, fsync */

#include "shrink.h"
#include "bugs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void wg_shrink_options_init(wg_shrink_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    wg_check_options_init(&o->check);
    o->bug = -1;
    o->max_checks = 2000;
}

/* ------------------------------------------------------------------ helpers */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void say(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t len, const char *fmt, ...)
{
    if (!why || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
}

#define NONE ((size_t)-1)

/* ------------------------------------------------------------------ candidates */

enum edit { KEEP = 0, TO_CONST, TO_INPUT, BYPASS_A, BYPASS_B };

/* what orders candidates: smaller is simpler */
typedef struct size_key {
    size_t nodes, ops, outputs, inputs, elements;
} size_key;

typedef struct shrinker {
    const wg_shrink_options *o;
    const wg_graph *orig;       /* the input graph: its input names are reserved */
    wg_graph *cur;              /* fails, blaming `blamed` */
    wg_op blamed;
    long blamed_node;           /* of cur's check */
    int prune;
    unsigned checks;
    int budget_hit;
    int status;                 /* WG_ENOMEM once an allocation failed */
    /* scratch, sized for the input graph (no edit adds a node) */
    size_t cap;
    unsigned char *edit, *live, *out_keep;
    size_t *rep;                /* node that stands for node i after bypasses */
    wg_var *map;                /* node of the candidate's tape for node i */
    size_t *list;               /* op nodes of cur, from the last to the first */
    size_t nlist;
    /* a smaller shape for one leaf (input or constant) of cur: axis
     * shape_axis cut to its first shape_size entries; shape_node NONE: none */
    size_t shape_node;
    int shape_axis;
    size_t shape_size;
    /* the candidate's one output is this node of cur instead of cur's
     * outputs (NONE: cur's outputs, as out_keep says) */
    size_t retarget;
} shrinker;

static int is_op(wg_op op)
{
    return wg_op_kind_of(op) != WG_KIND_LEAF;
}

static size_key key_of(wg_graph *g)
{
    wg_tape *t = wg_graph_tape(g);
    size_key k = { wg_tape_size(t), 0, wg_graph_noutputs(g), wg_graph_ninputs(g), 0 };
    for (size_t i = 0; i < k.nodes; i++) {
        k.ops += is_op(wg_node_op(t, i));
        k.elements += wg_node_numel(t, i);
    }
    return k;
}

static int key_less(size_key a, size_key b)
{
    if (a.nodes != b.nodes)
        return a.nodes < b.nodes;
    if (a.ops != b.ops)
        return a.ops < b.ops;
    if (a.outputs != b.outputs)
        return a.outputs < b.outputs;
    if (a.inputs != b.inputs)
        return a.inputs < b.inputs;
    return a.elements < b.elements;     /* smaller shapes, all else equal */
}

/* slot of node i among g's named inputs, or NONE */
static size_t input_slot(const wg_graph *g, wg_tape *t, size_t i)
{
    size_t n = wg_graph_ninputs(g);
    for (size_t k = 0; k < n; k++)
        if (wg_var_index(t, wg_graph_input(g, k)) == i)
            return k;
    return NONE;
}

/* 1 when s is v<digits>: the .wg writer's name for node <digits>, which an
 * output may carry only while it is that node */
static int canonical_name(const char *s)
{
    if (s[0] != 'v' || s[1] == '\0')
        return 0;
    for (const char *p = s + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

/* 1 when name is one of g's inputs' */
static int input_name_of(const wg_graph *g, const char *name)
{
    size_t n = wg_graph_ninputs(g);
    for (size_t k = 0; k < n; k++)
        if (strcmp(wg_graph_input_name(g, k), name) == 0)
            return 1;
    return 0;
}

typedef struct names {
    const wg_graph *orig;
    const char **v;             /* names the candidate keeps */
    size_t n;
    char (*fresh)[24];          /* new input names, owned */
    size_t nfresh;
} names;

/* a new input's name must be new to the candidate, and also to the input
 * graph, so that a name of the input graph always means its input */
static int taken(const names *nm, const char *s)
{
    if (input_name_of(nm->orig, s))
        return 1;
    for (size_t k = 0; k < nm->n; k++)
        if (strcmp(nm->v[k], s) == 0)
            return 1;
    for (size_t k = 0; k < nm->nfresh; k++)
        if (strcmp(nm->fresh[k], s) == 0)
            return 1;
    return 0;
}

/* the first of u1, u2, ... that no input or output of the candidate has */
static const char *fresh_name(names *nm)
{
    char *buf = nm->fresh[nm->nfresh];
    for (unsigned k = 1;; k++) {
        snprintf(buf, sizeof nm->fresh[0], "u%u", k);
        if (!taken(nm, buf))
            break;
    }
    nm->nfresh++;
    return buf;
}

/* a named input of cur that the candidate keeps as an input */
#define KEPT_INPUT(s, t, g, k) \
    (s->live[wg_var_index(t, wg_graph_input(g, k))] \
     && s->edit[wg_var_index(t, wg_graph_input(g, k))] == KEEP)

/* Node i of t as a leaf of the candidate: an input (name, or an unnamed
 * input when name is NULL and input) or a constant, of its shape and
 * values, or of the smaller shape the shape pass tries for it. */
static wg_var leaf(const shrinker *s, wg_graph *c, wg_tape *t, size_t i, int input,
                   const char *name)
{
    wg_tape *ct = wg_graph_tape(c);
    size_t dim[WG_MAX_RANK];
    int rank = wg_node_shape(t, i, dim);
    if (rank <= 0) {
        double v = wg_node_value(t, i);
        return !input ? wg_const(ct, v) : name ? wg_graph_add_input(c, name, v) : wg_input(ct, v);
    }
    const double *v = wg_node_values(t, i);
    double *cut = NULL;
    if (i == s->shape_node) {
        /* the leading shape_size entries along shape_axis */
        size_t outer = 1, inner = 1, n = dim[s->shape_axis];
        for (int d = 0; d < s->shape_axis; d++)
            outer *= dim[d];
        for (int d = s->shape_axis + 1; d < rank; d++)
            inner *= dim[d];
        cut = malloc((outer * s->shape_size * inner + 1) * sizeof *cut);
        if (!cut) {
            wg_var none = { 0 };
            return none;
        }
        for (size_t o = 0; o < outer; o++)
            memcpy(cut + o * s->shape_size * inner, v + o * n * inner,
                   s->shape_size * inner * sizeof *cut);
        dim[s->shape_axis] = s->shape_size;
        v = cut;
    }
    wg_var r = !input ? wg_tensor_const(ct, rank, dim, v)
               : name ? wg_graph_add_tensor_input(c, name, rank, dim, v)
                      : wg_tensor_input(ct, rank, dim, v);
    free(cut);
    return r;
}

/* The candidate: cur with s->edit and s->out_keep applied, pruned when
 * prune; with rename, inputs that are not the input graph's get the names
 * u1, u2, ... in tape order.  *out is NULL when it does not record (a
 * domain left by a bypass, a name clash): such a candidate is rejected
 * without a check.  Returns WG_OK or WG_ENOMEM. */
static int build(shrinker *s, int prune, int rename, wg_graph **out)
{
    *out = NULL;
    wg_graph *g = s->cur;
    wg_tape *t = wg_graph_tape(g);
    size_t n = wg_tape_size(t), nout = wg_graph_noutputs(g), nin = wg_graph_ninputs(g);

    for (size_t i = 0; i < n; i++) {
        size_t r = i;
        if (s->edit[i] == BYPASS_A || s->edit[i] == BYPASS_B) {
            size_t a = wg_node_arg(t, i, s->edit[i] == BYPASS_A ? 0 : 1);
            if (a == NONE)
                return WG_OK;               /* nothing to bypass to */
            r = s->rep[a];
        }
        s->rep[i] = r;
    }

    /* live: what the kept outputs use (everything but bypassed nodes when
     * not pruning) */
    int any_out = nout == 0 || s->retarget != NONE;    /* none to begin with: the check says why */
    for (size_t k = 0; k < nout; k++)
        any_out |= s->out_keep[k];
    if (!any_out)
        return WG_OK;
    memset(s->live, 0, n);
    if (prune) {
        for (size_t k = 0; k < nout && s->retarget == NONE; k++)
            if (s->out_keep[k])
                s->live[s->rep[wg_var_index(t, wg_graph_output(g, k))]] = 1;
        if (s->retarget != NONE)
            s->live[s->rep[s->retarget]] = 1;
        for (size_t i = n; i-- > 0;) {
            if (!s->live[i] || s->edit[i] != KEEP)
                continue;
            for (int j = 0; j < 2; j++) {
                size_t a = wg_node_arg(t, i, j);
                if (a != NONE)
                    s->live[s->rep[a]] = 1;
            }
        }
        /* the check needs an input: keep the first unless one is used */
        int any_in = 0;
        for (size_t k = 0; k < nin; k++)
            any_in |= KEPT_INPUT(s, t, g, k);
        for (size_t i = 0; i < n && !any_in; i++)
            any_in = s->live[i] && s->edit[i] == TO_INPUT;
        for (size_t k = 0; k < nin && !any_in; k++) {
            size_t i = wg_var_index(t, wg_graph_input(g, k));
            if (s->edit[i] == KEEP)
                any_in = s->live[i] = 1;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            s->live[i] = s->rep[i] == i;
    }

    /* names the candidate keeps: live named inputs, every kept output */
    names nm = { 0 };
    nm.orig = s->orig;
    size_t nnew = nin;          /* at most: every new input, and with rename every input */
    for (size_t i = 0; i < n; i++)
        nnew += s->live[i] && s->edit[i] == TO_INPUT;
    nm.v = malloc((nin + nout + 1) * sizeof *nm.v);
    nm.fresh = malloc((nnew + 1) * sizeof *nm.fresh);
    wg_graph *c = wg_graph_new();
    if (!nm.v || !nm.fresh || !c) {
        free(nm.v);
        free(nm.fresh);
        wg_graph_free(c);
        return WG_ENOMEM;
    }
    for (size_t k = 0; k < nin; k++)
        if (KEPT_INPUT(s, t, g, k)
            && (!rename || input_name_of(s->orig, wg_graph_input_name(g, k))))
            nm.v[nm.n++] = wg_graph_input_name(g, k);
    for (size_t k = 0; k < nout && s->retarget == NONE; k++)
        if (s->out_keep[k])
            nm.v[nm.n++] = wg_graph_output_name(g, k);

    wg_tape *ct = wg_graph_tape(c);
    wg_var none = { 0 };
    for (size_t i = 0; i < n && wg_status(ct) == WG_OK; i++) {
        if (!s->live[i])
            continue;
        wg_op op = wg_node_op(t, i);
        wg_var r;
        switch ((enum edit)s->edit[i]) {
        case TO_CONST:
            r = leaf(s, c, t, i, 0, NULL);
            break;
        case TO_INPUT:
            r = leaf(s, c, t, i, 1, fresh_name(&nm));
            break;
        default:
            if (op == WG_OP_INPUT) {
                size_t slot = input_slot(g, t, i);
                const char *name = slot != NONE ? wg_graph_input_name(g, slot) : NULL;
                if (name && rename && !input_name_of(s->orig, name))
                    name = fresh_name(&nm);
                r = leaf(s, c, t, i, 1, name);
            } else if (op == WG_OP_CONST) {
                r = leaf(s, c, t, i, 0, NULL);
            } else {
                size_t a = wg_node_arg(t, i, 0), b = wg_node_arg(t, i, 1);
                wg_var va = a != NONE ? s->map[s->rep[a]] : none;
                wg_var vb = b != NONE ? s->map[s->rep[b]] : none;
                wg_tensor_attrs at;
                wg_op_kind kind = wg_op_kind_of(op);
                if ((kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY)
                    && wg_node_attrs(t, i, &at) == WG_OK)
                    r = wg_apply_tensor(ct, op, va, vb, &at);
                else
                    r = wg_apply(ct, op, va, vb, op == WG_OP_CUSTOM ? (double)wg_node_custom(t, i)
                                                                    : wg_node_param(t, i));
            }
            break;
        }
        s->map[i] = r;
    }
    if (s->retarget != NONE && wg_status(ct) == WG_OK) {
        wg_var v = s->map[s->rep[s->retarget]];
        char canon[32];
        snprintf(canon, sizeof canon, "v%zu", wg_var_index(ct, v));
        wg_graph_add_output(c, canon, v);
    }
    for (size_t k = 0; k < nout && wg_status(ct) == WG_OK && s->retarget == NONE; k++) {
        if (!s->out_keep[k])
            continue;
        const char *name = wg_graph_output_name(g, k);
        wg_var v = s->map[s->rep[wg_var_index(t, wg_graph_output(g, k))]];
        char canon[32];
        if (canonical_name(name)) {
            /* the name of a node index: it must follow the node */
            snprintf(canon, sizeof canon, "v%zu", wg_var_index(ct, v));
            name = canon;
        }
        wg_graph_add_output(c, name, v);
    }
    free(nm.v);
    free(nm.fresh);
    int st = wg_status(ct);
    if (st == WG_ENOMEM) {
        wg_graph_free(c);
        return WG_ENOMEM;
    }
    if (st != WG_OK)
        wg_graph_free(c);
    else
        *out = c;
    return WG_OK;
}

/* ------------------------------------------------------------------ the predicate */

/* Check c with the bug armed.  1: it fails (blaming *op, at *node);
 * 0: it does not, or the check would not run; -1: out of memory. */
static int check_fails(const wg_shrink_options *o, wg_graph *c, wg_op *op, long *node,
                       char *err, size_t errlen)
{
    if (o->bug >= 0 && wg_bug_arm(wg_graph_tape(c), o->bug) != WG_OK)
        return 0;
    wg_check_report r;
    int st = wg_check_graph(c, &o->check, &r);
    int fails = 0;
    if (st == WG_ENOMEM) {
        fails = -1;
    } else if (st != WG_OK) {
        say(err, errlen, "does not run: %s", r.error);
    } else if (r.verdict == WG_VERDICT_FAIL) {
        const wg_check_result *w = &r.results[r.worst];
        *op = w->blame_op;
        *node = w->blame_node;
        fails = 1;
    } else {
        say(err, errlen, "gives verdict %s, not fail", wg_verdict_name(r.verdict));
    }
    wg_check_report_free(&r);
    if (o->bug >= 0)
        wg_bug_disarm(wg_graph_tape(c));
    return fails;
}

/* Build the candidate of s->edit and s->out_keep; keep it when it is
 * smaller than cur and still fails the same way.  1: kept. */
static int try_candidate(shrinker *s, int prune)
{
    if (s->status != WG_OK || s->budget_hit)
        return 0;
    wg_graph *c;
    if ((s->status = build(s, prune, 0, &c)) != WG_OK || !c)
        return 0;
    if (!key_less(key_of(c), key_of(s->cur))) {
        wg_graph_free(c);
        return 0;
    }
    if (s->checks >= s->o->max_checks) {
        s->budget_hit = 1;
        wg_graph_free(c);
        return 0;
    }
    s->checks++;
    wg_op op = WG_OP_COUNT;
    long node = -1;
    int f = check_fails(s->o, c, &op, &node, NULL, 0);
    if (f < 0)
        s->status = WG_ENOMEM;
    if (f == 1 && (s->blamed == WG_OP_COUNT || op == s->blamed)) {
        wg_graph_free(s->cur);
        s->cur = c;
        s->blamed_node = node;
        return 1;
    }
    wg_graph_free(c);
    return 0;
}

static void reset_edits(shrinker *s)
{
    memset(s->edit, KEEP, s->cap);
    memset(s->out_keep, 1, s->cap);
}

/* op nodes of cur, last first: one edit near the outputs cuts off the most */
static void list_ops(shrinker *s)
{
    wg_tape *t = wg_graph_tape(s->cur);
    s->nlist = 0;
    for (size_t i = wg_tape_size(t); i-- > 0;)
        if (is_op(wg_node_op(t, i)))
            s->list[s->nlist++] = i;
}

/* chunk sizes n/2, n/4, ..., 1 (rounded up), as in ddmin */
static size_t first_chunk(size_t n)
{
    return n > 1 ? (n + 1) / 2 : n;
}

static size_t next_chunk(size_t size)
{
    return size > 1 ? (size + 1) / 2 : 0;
}

/* The blamed node as the one output, pruned: a replay's wrong value at a
 * node no output uses (the check replays every node up to the last
 * output) is kept by nothing else, since pruning drops that node.  Where
 * the blamed node's own value or derivative shows the failure, this cuts
 * the graph down to what that node computes from in one step. */
static int retarget_pass(shrinker *s)
{
    if (s->blamed_node < 0)
        return 0;
    wg_tape *t = wg_graph_tape(s->cur);
    size_t b = (size_t)s->blamed_node;
    if (b >= wg_tape_size(t) || !is_op(wg_node_op(t, b)))
        return 0;
    if (wg_graph_noutputs(s->cur) == 1 && wg_var_index(t, wg_graph_output(s->cur, 0)) == b
        && s->prune)
        return 0;                       /* already so */
    reset_edits(s);
    s->retarget = b;
    int kept = try_candidate(s, 1);
    s->retarget = NONE;
    if (kept)
        s->prune = 1;
    return kept;
}

static int outputs_pass(shrinker *s)
{
    int changed = 0;
    size_t m = wg_graph_noutputs(s->cur);
    for (size_t size = first_chunk(m); size && m > 1; size = next_chunk(size)) {
        for (size_t pos = 0; pos < m && m > 1;) {
            size_t end = pos + size < m ? pos + size : m;
            if (end - pos >= m) {           /* one output always stays */
                pos = end;
                continue;
            }
            reset_edits(s);
            memset(s->out_keep + pos, 0, end - pos);
            if (try_candidate(s, s->prune)) {
                changed = 1;
                m = wg_graph_noutputs(s->cur);   /* later outputs moved to pos */
            } else {
                pos = end;
            }
        }
    }
    return changed;
}

static int nodes_pass(shrinker *s)
{
    int changed = 0;
    list_ops(s);
    for (size_t size = first_chunk(s->nlist); size; size = next_chunk(size)) {
        for (size_t pos = 0; pos < s->nlist;) {
            size_t end = pos + size < s->nlist ? pos + size : s->nlist;
            static const enum edit chunk_edits[] = { TO_CONST, TO_INPUT, BYPASS_A, BYPASS_B };
            /* the second operand only node by node: in a chunk, unary
             * nodes have none */
            size_t nedits = size == 1 ? 4 : 3;
            int kept = 0;
            for (size_t e = 0; e < nedits && !kept; e++) {
                reset_edits(s);
                wg_tape *t = wg_graph_tape(s->cur);
                if (chunk_edits[e] == BYPASS_B) {
                    size_t i = s->list[pos];
                    size_t b = wg_node_arg(t, i, 1);
                    if (b == NONE || b == wg_node_arg(t, i, 0))
                        continue;
                }
                for (size_t k = pos; k < end; k++)
                    s->edit[s->list[k]] = (unsigned char)chunk_edits[e];
                kept = try_candidate(s, s->prune);
            }
            if (kept) {
                changed = 1;
                list_ops(s);            /* renumbered: go on from the same place */
            } else {
                pos = end;
            }
        }
    }
    return changed;
}

/* named inputs become constants of their values: fewer inputs to read */
static int inputs_pass(shrinker *s)
{
    int changed = 0;
    size_t nin = wg_graph_ninputs(s->cur);
    for (size_t size = first_chunk(nin); size && nin > 1; size = next_chunk(size)) {
        for (size_t pos = 0; pos < nin && nin > 1;) {
            size_t end = pos + size < nin ? pos + size : nin;
            if (end - pos >= nin) {         /* the check needs an input */
                pos = end;
                continue;
            }
            reset_edits(s);
            wg_tape *t = wg_graph_tape(s->cur);
            /* the last inputs first, like the op nodes */
            for (size_t k = pos; k < end; k++)
                s->edit[wg_var_index(t, wg_graph_input(s->cur, nin - 1 - k))] = TO_CONST;
            if (try_candidate(s, s->prune)) {
                changed = 1;
                nin = wg_graph_ninputs(s->cur);
            } else {
                pos = end;
            }
        }
    }
    return changed;
}

/* tensor leaves cut to fewer entries along one axis: toward 1, else 2 */
static int shapes_pass(shrinker *s)
{
    int changed = 0;
    for (size_t i = 0; i < wg_tape_size(wg_graph_tape(s->cur)); i++) {
        wg_tape *t = wg_graph_tape(s->cur);
        wg_op op = wg_node_op(t, i);
        size_t dim[WG_MAX_RANK];
        int rank = wg_node_shape(t, i, dim);
        if ((op != WG_OP_INPUT && op != WG_OP_CONST) || rank <= 0)
            continue;
        for (int d = 0; d < rank; d++)
            for (size_t to = 1; to <= 2 && to < dim[d]; to++) {
                reset_edits(s);
                s->shape_node = i;
                s->shape_axis = d;
                s->shape_size = to;
                int kept = try_candidate(s, s->prune);
                s->shape_node = NONE;
                if (kept) {
                    changed = 1;
                    t = wg_graph_tape(s->cur);
                    rank = wg_node_shape(t, i, dim);
                    break;
                }
            }
    }
    return changed;
}

int wg_shrink(wg_graph *g, const wg_shrink_options *o, wg_shrink_result *res, char *why,
              size_t whylen)
{
    double t0 = now_seconds();
    say(why, whylen, "%s", "");
    if (!res) {
        say(why, whylen, "wg_shrink: the result is NULL");
        return WG_EINVAL;
    }
    memset(res, 0, sizeof *res);
    res->blamed_op = WG_OP_COUNT;
    res->blamed_node = -1;
    if (!g) {
        say(why, whylen, "wg_shrink: the graph is NULL");
        return WG_EINVAL;
    }
    wg_shrink_options defaults;
    if (!o) {
        wg_shrink_options_init(&defaults);
        o = &defaults;
    }
    if (o->bug < -1 || o->bug >= wg_bug_count()) {
        say(why, whylen, "wg_shrink: bug %d is not in the catalogue (0 to %d, or -1 for none)",
            o->bug, wg_bug_count() - 1);
        return WG_EINVAL;
    }
    /* A tape that failed is shrunk when it records again: the error of a
     * replay at some point (the check's own, with a replay bug armed,
     * leaves one) is not the graph's, and the copy below records every op
     * again from the inputs and constants.  A recording error stays. */
    wg_tape *t = wg_graph_tape(g);
    res->nodes_before = wg_tape_size(t);

    shrinker s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.orig = g;
    s.cur = g;
    s.blamed = WG_OP_COUNT;
    s.shape_node = NONE;
    s.retarget = NONE;
    size_t n = wg_tape_size(t), m = wg_graph_noutputs(g);
    s.cap = n > m ? n : m;
    if (!s.cap)
        s.cap = 1;
    s.edit = malloc(s.cap);
    s.live = malloc(s.cap);
    s.out_keep = malloc(s.cap);
    s.rep = malloc(s.cap * sizeof *s.rep);
    s.map = malloc(s.cap * sizeof *s.map);
    s.list = malloc(s.cap * sizeof *s.list);
    int st = WG_OK;
    wg_graph *copy = NULL;
    if (!s.edit || !s.live || !s.out_keep || !s.rep || !s.map || !s.list) {
        st = WG_ENOMEM;
        say(why, whylen, "wg_shrink: out of memory");
        goto done;
    }

    /* the input, copied so that arming a bug leaves g alone */
    reset_edits(&s);
    if ((st = build(&s, 0, 0, &copy)) != WG_OK) {
        say(why, whylen, "wg_shrink: out of memory");
        goto done;
    }
    if (!copy) {
        st = WG_EINVAL;
        say(why, whylen, "wg_shrink: the graph does not record again on a new tape%s%s",
            wg_status(t) != WG_OK ? ": " : "", wg_status(t) != WG_OK ? wg_errmsg(t) : "");
        goto done;
    }
    char err[320] = "";
    int f = check_fails(o, copy, &s.blamed, &s.blamed_node, err, sizeof err);
    if (f < 0) {
        st = WG_ENOMEM;
        say(why, whylen, "wg_shrink: out of memory in the check");
        goto done;
    }
    if (f == 0) {
        st = WG_EINVAL;
        say(why, whylen, "wg_shrink: nothing to shrink: the graph's check %s", err);
        goto done;
    }
    s.cur = copy;
    copy = NULL;

    /* prune first; keep pruning only if the failure survives it */
    reset_edits(&s);
    wg_graph *pruned = NULL;
    if ((s.status = build(&s, 1, 0, &pruned)) != WG_OK)
        goto searched;
    if (pruned && !key_less(key_of(pruned), key_of(s.cur))) {
        s.prune = 1;            /* nothing to prune */
        wg_graph_free(pruned);
    } else {
        wg_graph_free(pruned);
        s.prune = try_candidate(&s, 1);
    }

    for (;;) {
        int changed = retarget_pass(&s);
        changed |= outputs_pass(&s);
        changed |= nodes_pass(&s);
        changed |= inputs_pass(&s);
        changed |= shapes_pass(&s);
        if (!s.prune) {
            reset_edits(&s);
            if (try_candidate(&s, 1))
                s.prune = changed = 1;
        }
        if (!changed || s.budget_hit || s.status != WG_OK)
            break;
    }

    /* new inputs named u1, u2, ... in tape order, whatever names the search
     * gave them on the way: names do not change the check */
    if (s.status == WG_OK) {
        wg_graph *named = NULL;
        reset_edits(&s);
        if ((s.status = build(&s, 0, 1, &named)) == WG_OK && named) {
            wg_graph_free(s.cur);
            s.cur = named;
        }
    }

searched:
    if (s.status != WG_OK) {
        st = s.status;
        say(why, whylen, "wg_shrink: out of memory");
        goto done;
    }
    res->graph = s.cur;
    s.cur = NULL;
    res->nodes_after = wg_tape_size(wg_graph_tape(res->graph));
    res->checks = s.checks;
    res->budget_hit = s.budget_hit;
    res->blamed_op = s.blamed;
    res->blamed_node = s.blamed_node;

done:
    if (s.cur != g)
        wg_graph_free(s.cur);
    wg_graph_free(copy);
    free(s.edit);
    free(s.live);
    free(s.out_keep);
    free(s.rep);
    free(s.map);
    free(s.list);
    res->seconds = now_seconds() - t0;
    return st;
}

/* ------------------------------------------------------------------ reproducers */

/* text as one comment line: line breaks would end the comment */
static void put_line(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, out);
}

static int word_char(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* the path as one shell word: as it is when every byte is plain, else in
 * single quotes (a quote inside written '\'') */
static void put_path(FILE *out, const char *path)
{
    int plain = *path != '\0';
    for (const char *p = path; *p; p++)
        plain &= word_char(*p) || strchr("./-+,:=@%", *p) != NULL;
    if (plain) {
        fputs(path, out);
        return;
    }
    fputc('\'', out);
    for (const char *p = path; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", out);
        else if (*p == '\n' || *p == '\r')
            fputc(' ', out);    /* keep the comment on one line */
        else
            fputc(*p, out);
    }
    fputc('\'', out);
}

/* the command with each word FILE replaced by the path */
static void put_command(FILE *out, const char *cmd, const char *path)
{
    for (const char *p = cmd; *p;) {
        if (path && strncmp(p, "FILE", 4) == 0 && (p == cmd || !word_char(p[-1]))
            && !word_char(p[4])) {
            put_path(out, path);
            p += 4;
            continue;
        }
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
        p++;
    }
}

int wg_repro_write(const wg_graph *g, const wg_repro_info *info, const char *path, FILE *out)
{
    if (!g || !out)
        return WG_EINVAL;
    /* comments only: the graph text below starts with its own
     * "# wengert graph: ..." line, and reading ignores all of them */
    fputs("# wengert reproducer", out);
    if (info && info->what) {
        fputs(": ", out);
        put_line(out, info->what);
    }
    fputc('\n', out);
    if (info && info->origin) {
        fputs("# from: ", out);
        put_line(out, info->origin);
        fputc('\n', out);
    }
    if (info && info->command) {
        fputs("# reproduce: ", out);
        put_command(out, info->command, path);
        fputc('\n', out);
    }
    int st = wg_graph_write(g, out);
    if (st == WG_OK && ferror(out))
        st = WG_EIO;
    return st;
}

int wg_repro_save(const wg_graph *g, const wg_repro_info *info, const char *path, char *why,
                  size_t whylen)
{
    say(why, whylen, "%s", "");
    if (!g || !path || !*path) {
        say(why, whylen, "wg_repro_save: %s", !g ? "the graph is NULL" : "no path given");
        return WG_EINVAL;
    }
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    if (!tmp) {
        say(why, whylen, "wg_repro_save: %s: out of memory", path);
        return WG_ENOMEM;
    }
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        say(why, whylen, "wg_repro_save: cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return WG_EIO;
    }
    int st = wg_repro_write(g, info, path, f);
    int e = 0;
    if (st == WG_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
        e = errno;
        st = WG_EIO;
    }
    if (fclose(f) != 0 && st == WG_OK) {
        e = errno;
        st = WG_EIO;
    }
    if (st == WG_OK && rename(tmp, path) != 0) {
        e = errno;
        say(why, whylen, "wg_repro_save: cannot rename %s to %s: %s", tmp, path, strerror(e));
        remove(tmp);
        free(tmp);
        return WG_EIO;
    }
    if (st != WG_OK) {
        if (e)
            say(why, whylen, "wg_repro_save: cannot write %s: %s", tmp, strerror(e));
        else {
            /* the writer's own message (wg_graph_write leaves it on the tape) */
            const char *m = wg_errmsg(wg_graph_tape((wg_graph *)g));
            say(why, whylen, "wg_repro_save: cannot write %s: %s", path,
                m && *m ? m : wg_strerror(st));
        }
        remove(tmp);
    }
    free(tmp);
    return st;
}
