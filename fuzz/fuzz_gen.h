/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_gen.h -- seeded random graphs for wengert-fuzz.
 *
 * wg_fuzz_gen draws a graph (inputs, a DAG of op nodes, outputs) from a
 * seed.  Every node is placed so that the graph can be checked, not
 * rejected: each argument lies inside its op's domain with a margin (away
 * from poles, domain edges, kinks, ties and branch cuts), every value lies in
 * a range where double neither overflows nor underflows, and the rounding
 * error a node's value may carry stays small against those margins, so the
 * verifier's exact replay sees the same domains and branches as the double
 * one.  Some graphs are placed on purpose exactly on a kink (kink mode) or
 * close to, but inside, a domain edge (edge mode).
 *
 * The op mix comes from the op table: every row of WG_OP_LIST that is not a
 * leaf gets a weight, so a new row is drawn without any change here.
 *
 * Determinism: the same seed and options give the same graph, and the same
 * .wg text (wg_graph_write) byte for byte, on any machine.  Every choice is
 * drawn as an integer from GSL's mt19937; input values and every constant
 * written to the text are dyadic numbers built from those integers (or from
 * input values by exact IEEE operations), never from a libm result.  libm
 * results only decide whether a candidate node is accepted, against
 * thresholds far from anything a few ulps could matter to. */
#ifndef WG_FUZZ_GEN_H
#define WG_FUZZ_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "wengert.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wg_fuzz_gen_options {
    unsigned inputs_min, inputs_max;    /* inputs per graph (default 1..4) */
    unsigned nodes_min, nodes_max;      /* nodes other than inputs: ops and constants
                                           (default 4..24) */
    unsigned outputs_min, outputs_max;  /* outputs per graph (default 1..2) */
    /* relative weight of each op; leaves (input, const) are ignored, since
     * inputs and constants come from the counts and const_prob.  Default 1
     * for every other row of the table; 0 leaves an op out. */
    double op_weight[WG_OP_COUNT];
    double share_prob;     /* an operand is any earlier node (so a node gets several
                              users) rather than one not used yet (default 0.3) */
    double const_prob;     /* an operand of a binary op is a new constant (default 0.1) */
    double value_max;      /* every value v has |v| <= value_max (default 1e6) */
    double value_min;      /* ... and |v| >= value_min unless v == 0 (default 1e-6;
                              0: no lower limit) */
    double margin;         /* distance to a domain edge, pole, kink, tie or branch cut,
                              relative to max(1, |arguments|) (default 1e-3) */
    double rel_err_max;    /* largest estimated relative rounding error of a value
                              (first-order running estimate; default 1e-8) */
    double kink_frac;      /* fraction of graphs placed exactly on kinks (default 0.1) */
    double edge_frac;      /* fraction placed near domain edges (default 0.1) */
    int input_exp_min, input_exp_max;   /* |input| in [2^min, 2^(max+1)) (default -2..1) */
    unsigned max_attempts; /* graphs drawn before giving up (default 64) */
    /* tensor graphs (fuzz_gen_tensor.c) */
    double tensor_frac;    /* fraction of graphs drawn as tensor graphs (default 0:
                              scalar graphs only; wengert-fuzz's default is 0.2) */
    unsigned tensor_rank_max;   /* rank of a drawn tensor, 0 .. this (default 4) */
    unsigned tensor_elems_max;  /* elements of any node of a tensor graph (default 24) */
    unsigned tensor_nodes_max;  /* nodes of a tensor graph, at most (default 12; also at
                                   most nodes_max) */
    double zero_frac;      /* a drawn shape gets a 0-size axis (default 0.02) */
} wg_fuzz_gen_options;

/* shape classes of a tensor graph (wg_fuzz_gen_info.shapes) */
#define WG_FUZZ_SHAPE_BROADCAST 1u   /* an operand stretched (broadcasting, broadcast_to) */
#define WG_FUZZ_SHAPE_ZERO      2u   /* a node with a 0-size axis */
#define WG_FUZZ_SHAPE_BATCHED   4u   /* a matmul with batch axes */

/* 1 when the generator can draw op: any op of the table but the leaves
 * and the primitives below; tensor rows (TUNARY, TBINARY) in tensor graphs
 * only */
int wg_fuzz_op_drawable(wg_op op);
/* 1 for a drawable op of a scalar graph (no tensor row) */
int wg_fuzz_op_scalar(wg_op op);
/* 1 for the primitives that recorded derivative rules use (step, sign,
 * argmax_mask): piecewise constant, derivative 0, jumps at 0 or at a tie;
 * never drawn */
int wg_fuzz_op_rule_primitive(wg_op op);
void wg_fuzz_gen_options_init(wg_fuzz_gen_options *o);

/* how a graph was placed */
typedef enum wg_fuzz_mode {
    WG_FUZZ_PLAIN = 0,     /* every argument inside its domain with the margin */
    WG_FUZZ_KINK,          /* also relu/abs/min/max/hypot exactly at a kink or tie */
    WG_FUZZ_EDGE,          /* also arguments within the margin of a domain edge */
    WG_FUZZ_MODE_COUNT
} wg_fuzz_mode;
const char *wg_fuzz_mode_name(wg_fuzz_mode m);   /* "plain", "kink", "edge" */

typedef struct wg_fuzz_gen_info {
    wg_fuzz_mode mode;
    unsigned attempts;     /* graphs drawn, the returned one included */
    long special_node;     /* the (last) node placed on a kink or near an edge; -1: none */
    wg_op special_op;      /* its op; WG_OP_COUNT: none */
    size_t nodes;          /* nodes of the tape, inputs included */
    int tensor;            /* 1: a tensor graph */
    unsigned shapes;       /* WG_FUZZ_SHAPE_* seen in a tensor graph */
} wg_fuzz_gen_info;

/* NULL when the options can make graphs, else why not (a sentence naming
 * the fields): what wg_fuzz_gen would refuse for every seed */
const char *wg_fuzz_gen_options_problem(const wg_fuzz_gen_options *o);

/* A new graph drawn from seed (options: NULL for the defaults), or NULL
 * with the reason in why (whylen bytes; why may be NULL): options out of
 * range, out of memory, or no acceptable graph in max_attempts draws.
 * Inputs are named x1, x2, ...; outputs y (one) or y1, y2, ....  Only the
 * low 32 bits of seed ^ (seed >> 32) reach mt19937, which takes 32 bits
 * (and, as GSL does, treats 0 as 4357). */
wg_graph *wg_fuzz_gen(const wg_fuzz_gen_options *o, uint64_t seed, char *why, size_t whylen);
/* The same, also filling info (may be NULL). */
wg_graph *wg_fuzz_gen_ex(const wg_fuzz_gen_options *o, uint64_t seed, wg_fuzz_gen_info *info,
                         char *why, size_t whylen);

#ifdef __cplusplus
}
#endif
#endif /* WG_FUZZ_GEN_H */
