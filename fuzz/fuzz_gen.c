/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_gen.c -- seeded random graphs (fuzz_gen.h).
 *
 * A graph is grown one step at a time.  A step picks an op by weight and
 * operands from the nodes so far, and plans the node (with any guard nodes
 * its operands need) without recording anything: values come from the
 * library's own kernels (op_kernels.h), so the planned value is the value
 * recording gives.  The plan is recorded only when every planned node is
 * accepted:
 *   - the op's domain holds, and its argument is at least the margin away
 *     from every domain edge, pole, kink, tie and branch cut;
 *   - the value is finite and inside [value_min, value_max] (or 0);
 *   - the value's estimated rounding error is at most rel_err_max, and at
 *     most 1/GUARD of every such distance, so that the verifier's exact
 *     replay lies on the same side of every edge and every comparison;
 *   - a bound on the size of its tangent stays far from overflow.
 * A step that finds no acceptable plan in a few tries is dropped; an attempt
 * that cannot reach nodes_min nodes is dropped and the next graph drawn.
 *
 * Why every drawn number is an integer: mt19937 and integer arithmetic are
 * the same everywhere, and so are the dyadic numbers built from them by
 * ldexp; libm is not (results may differ by an ulp between versions).  libm
 * values only decide acceptance, never a number that is written out. */
#include "fuzz_gen.h"

#include "fuzz_gen_internal.h"
#include "op_kernels.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a distance to an edge must be at least GUARD times the absolute rounding
 * error of the arguments it is measured on: the exact value is then on the
 * same side with room to spare for the verifier's steps */
#define GUARD 1e3
/* rounding error of one kernel call, relative: a few ulps covers the
 * library's kernels (doc/VERIFY.md lists at most 6 ulps of the partials;
 * values are one libm call or one correctly rounded operation) */
#define KERNEL_REL (8 * 0x1p-53)
/* bound on |tangent| along a unit direction: products of partials past
 * this would come near overflow in a sweep */
#define TMAG_MAX 1e100
/* smallest nonzero partial, and smallest product of partials along a path
 * from an input: far from underflow, where the tangent would lose digits
 * that no error bound built from relative roundings accounts for
 * (tanh'(362) = 4e-315 is subnormal) */
#define PARTIAL_MIN 1e-30
#define PATH_MIN 1e-150
#define PI_2 1.57079632679489661923

enum { TRIES = 6 };

/* how strictly a planned node's arguments are held away from edges */
typedef enum check_level {
    CHECK_MARGIN,     /* the margin, and GUARD times the rounding error */
    CHECK_EDGE,       /* placed near an edge on purpose: only GUARD times the error */
    CHECK_NONE        /* placed exactly on a kink on purpose, from exact values */
} check_level;

typedef struct gnode {
    double v;          /* value */
    double rel;        /* estimated relative rounding error of v (0: exact) */
    double tmag;       /* bound on |tangent| along a unit direction */
    double tlo;        /* least product of partials along a path from an input (0: none) */
    wg_op op;
    size_t a, b;       /* operands, (size_t)-1 if none */
    double c;          /* constant of CONST/INT ops, value of leaves */
    unsigned users;    /* committed nodes that use it */
} gnode;

typedef struct gen {
    const wg_fuzz_gen_options *o;
    gsl_rng *rng;
    uint32_t weight[WG_OP_COUNT];   /* integer weights of the op draw */
    uint32_t tweight[WG_OP_COUNT];  /* ... in a tensor graph (the tensor rows too) */
    uint32_t wtotal;
    wg_graph *g;
    gnode *node;
    size_t n, ncommit, cap;         /* nodes [ncommit, n) are planned, not recorded */
    /* committed nodes that are not constants, and those of them nothing
     * uses yet (the sinks; pos: a node's place in sink, or NONE), so that
     * a pick costs O(1) however large the graph */
    size_t *nc, nnc;
    size_t *sink, nsink, *pos;
    size_t ninputs, count;          /* count: committed nodes that are not inputs */
    wg_fuzz_mode mode;
    int true_kink;                  /* a kink with a moving argument is placed */
    long special;
    wg_op special_op;
    int kmin, kmax;                 /* edge distances 2^-kmax .. 2^-kmin */
    char why[256];
} gen;

#define NONE ((size_t)-1)

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t len, const char *fmt, ...)
{
    if (!buf || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

const char *wg_fuzz_mode_name(wg_fuzz_mode m)
{
    static const char *const names[WG_FUZZ_MODE_COUNT] = { "plain", "kink", "edge" };
    return (unsigned)m < WG_FUZZ_MODE_COUNT ? names[m] : "unknown";
}

int wg_fuzz_op_drawable(wg_op op)
{
    wg_op_kind k = wg_op_kind_of(op);
    /* step and sign (and argmax_mask, a tensor row anyway) are primitives
     * of recorded derivative rules (relu', abs', max_reduce' as ops):
     * piecewise constant with a jump at 0 or at a tie, their derivative is
     * 0 everywhere, so a graph through them tests nothing but the jump,
     * and a drawn argument near 0 would only give nondiff verdicts */
    if (wg_fuzz_op_rule_primitive(op))
        return 0;
    /* custom ops are the program's: drawable once one is registered
     * (wengert-fuzz --plugin), each drawn with the row's weight */
    if (k == WG_KIND_CUSTOM)
        return wg_custom_count() > 0;
    return (unsigned)op < WG_OP_COUNT && k != WG_KIND_LEAF;
}

int wg_fuzz_op_scalar(wg_op op)
{
    wg_op_kind k = wg_op_kind_of(op);
    return wg_fuzz_op_drawable(op) && k != WG_KIND_TUNARY && k != WG_KIND_TBINARY;
}

/* c of a custom node is its op id; b is an operand of binary ops,
 * comparisons and custom ops of two */
static int has_b(wg_op op, double c)
{
    wg_op_kind k = wg_op_kind_of(op);
    if (k == WG_KIND_CUSTOM) {
        const wg_custom_op_def *d = wg_custom_def((int)c);
        return d && d->arity == 2;
    }
    return k == WG_KIND_BINARY || k == WG_KIND_CMP;
}

int wg_fuzz_op_rule_primitive(wg_op op)
{
    return op == WG_OP_STEP || op == WG_OP_SIGN || op == WG_OP_ARGMAX_MASK;
}

void wg_fuzz_gen_options_init(wg_fuzz_gen_options *o)
{
    memset(o, 0, sizeof *o);
    o->inputs_min = 1;
    o->inputs_max = 4;
    o->nodes_min = 4;
    o->nodes_max = 24;
    o->outputs_min = 1;
    o->outputs_max = 2;
    /* every drawable op; the tensor rows only in tensor graphs */
    for (int k = 0; k < WG_OP_COUNT; k++)
        o->op_weight[k] = wg_fuzz_op_drawable((wg_op)k) ? 1.0 : 0.0;
    o->share_prob = 0.3;
    o->const_prob = 0.1;
    o->value_max = 1e6;
    o->value_min = 1e-6;
    o->margin = 1e-3;
    o->rel_err_max = 1e-8;
    o->kink_frac = 0.1;
    o->edge_frac = 0.1;
    o->input_exp_min = -2;
    o->input_exp_max = 1;
    o->max_attempts = 64;
    o->tensor_frac = 0;
    o->tensor_rank_max = 4;
    o->tensor_elems_max = 24;
    o->tensor_nodes_max = 12;
    o->zero_frac = 0.02;
}

/* ---------------------------------------------------------------- draws */

/* uniform integer in [0, n), n >= 1 */
uint32_t wg_fz_draw(gsl_rng *rng, uint32_t n)
{
    return n <= 1 ? 0 : (uint32_t)gsl_rng_uniform_int(rng, n);
}

/* 1 with probability p: a 32-bit draw against p 2^32 (exact products) */
int wg_fz_chance(gsl_rng *rng, double p)
{
    if (p <= 0)
        return 0;
    if (p >= 1)
        return 1;
    return (double)gsl_rng_get(rng) < p * 4294967296.0;
}

/* +-(1 + k/2^bits) 2^e with e in [emin, emax]: exact, short in decimal */
double wg_fz_dyadic(gsl_rng *rng, int emin, int emax, int bits, int signed_)
{
    uint32_t m = (1u << bits) + wg_fz_draw(rng, 1u << bits);
    int e = emin + (int)wg_fz_draw(rng, (uint32_t)(emax - emin + 1));
    double v = ldexp((double)m, e - bits);
    return signed_ && wg_fz_draw(rng, 2) ? -v : v;
}

static uint32_t draw(gen *G, uint32_t n)
{
    return wg_fz_draw(G->rng, n);
}

static int chance(gen *G, double p)
{
    return wg_fz_chance(G->rng, p);
}

static double dyadic(gen *G, int emin, int emax, int bits, int signed_)
{
    return wg_fz_dyadic(G->rng, emin, emax, bits, signed_);
}

static wg_op draw_op(gen *G)
{
    uint32_t r = draw(G, G->wtotal);
    for (int k = 0; k < WG_OP_COUNT; k++) {
        if (r < G->weight[k])
            return (wg_op)k;
        r -= G->weight[k];
    }
    return WG_OP_COUNT;     /* not reached: the weights sum to wtotal */
}

/* an op among those listed, by their weights; WG_OP_COUNT if none has one */
static wg_op draw_among(gen *G, const wg_op *ops, size_t nops)
{
    uint32_t total = 0;
    for (size_t k = 0; k < nops; k++)
        total += G->weight[ops[k]];
    if (!total)
        return WG_OP_COUNT;
    uint32_t r = draw(G, total);
    for (size_t k = 0; k < nops; k++) {
        if (r < G->weight[ops[k]])
            return ops[k];
        r -= G->weight[ops[k]];
    }
    return WG_OP_COUNT;
}

/* ---------------------------------------------------------------- planned nodes */

static int grow(gen *G)
{
    if (G->n < G->cap)
        return 1;
    size_t cap = G->cap ? 2 * G->cap : 64;
    gnode *p = realloc(G->node, cap * sizeof *p);
    if (!p)
        return 0;
    G->node = p;
    size_t *r = realloc(G->nc, cap * sizeof *r);
    if (!r)
        return 0;
    G->nc = r;
    if (!(r = realloc(G->sink, cap * sizeof *r)))
        return 0;
    G->sink = r;
    if (!(r = realloc(G->pos, cap * sizeof *r)))
        return 0;
    G->pos = r;
    G->cap = cap;
    return 1;
}

/* node i is committed: it is a sink until something uses it */
static void track_new(gen *G, size_t i)
{
    if (G->node[i].op == WG_OP_CONST) {
        G->pos[i] = NONE;
        return;
    }
    G->nc[G->nnc++] = i;
    G->pos[i] = G->nsink;
    G->sink[G->nsink++] = i;
}

static void track_use(gen *G, size_t i)
{
    if (G->node[i].users++ || G->pos[i] == NONE)
        return;
    size_t k = G->pos[i], last = G->sink[--G->nsink];
    G->sink[k] = last;
    G->pos[last] = k;
    G->pos[i] = NONE;
}

static int in_range(const gen *G, double v)
{
    return isfinite(v) && fabs(v) <= G->o->value_max && (v == 0 || fabs(v) >= G->o->value_min);
}


static void rollback(gen *G)
{
    G->n = G->ncommit;
}

static long plan_leaf(gen *G, wg_op op, double v)
{
    if (!in_range(G, v) || !grow(G))
        return -1;
    gnode *p = &G->node[G->n];
    memset(p, 0, sizeof *p);
    p->v = v;
    p->c = v;
    p->op = op;
    p->a = p->b = NONE;
    p->tmag = p->tlo = op == WG_OP_INPUT ? 1.0 : 0.0;
    return (long)G->n++;
}

/* The distance of op's arguments to the nearest edge of its domain, pole,
 * kink, tie or branch cut, and the scale the margin is relative to.  0 when
 * the op has none at these arguments (smooth everywhere, or a tie of a node
 * with itself, which no perturbation can break). */
static int edge_distance(wg_op op, size_t ia, size_t ib, double a, double b, double c,
                         double *dist, double *scale)
{
    *scale = 1;
    switch (op) {
    case WG_OP_DIV:       *dist = fabs(b); return 1;
    case WG_OP_RECIP:
    case WG_OP_CBRT:      /* infinite derivative at 0 */
    case WG_OP_RELU:
    case WG_OP_ABS:       *dist = fabs(a); return 1;
    case WG_OP_POW:
    case WG_OP_LOG:
    case WG_OP_SQRT:      *dist = a; return 1;
    case WG_OP_LOG1P:     *dist = a + 1; return 1;
    case WG_OP_ASIN:
    case WG_OP_ACOS:      *dist = 1 - fabs(a); return 1;
    case WG_OP_TAN:       *dist = fabs(cos(a)); return 1;   /* poles where cos a = 0 */
    case WG_OP_HYPOT:     *dist = fmax(fabs(a), fabs(b)); return 1;
    case WG_OP_ATAN2:
        /* the origin, and the cut along b < 0 where the angle jumps by 2 pi */
        if (b < 0) {
            *dist = fabs(a);
            *scale = fmax(1, fabs(b));
        } else
            *dist = fmax(fabs(a), fabs(b));
        return 1;
    case WG_OP_MIN: case WG_OP_MAX:
    case WG_OP_LT: case WG_OP_LE: case WG_OP_GT:
    case WG_OP_GE: case WG_OP_EQ: case WG_OP_NE:
        if (ia == ib)
            return 0;
        *dist = fabs(a - b);
        *scale = fmax(fabs(a), fabs(b));
        return 1;
    case WG_OP_POW_C:
        if (c == nearbyint(c) && c >= 0)
            return 0;
        *dist = fabs(a);       /* a pole, or the edge of a fractional power */
        return 1;
    case WG_OP_POWI:
        if (c >= 0)
            return 0;
        *dist = fabs(a);
        return 1;
    default:
        /* every other op (and any new row) is taken as smooth; its domain
         * is still checked with wg_op_domain */
        return 0;
    }
}

/* The acceptance of one value op(a, b; c) (fuzz_gen_internal.h): the
 * rules of the file comment, for the scalar and the tensor generator. */
int wg_fz_accept(const wg_fuzz_gen_options *o, wg_op op, const wg_fz_val *A, const wg_fz_val *B,
                 int same, double c, int level, wg_fz_val *out)
{
    size_t ia = 0, ib = B ? (same ? 0 : 1) : NONE;
    double a = A->v, b = B ? B->v : 0.0;
    if (wg_op_domain(op, a, b, c))
        return 0;
    double y = wg_op_value(op, a, b, c);
    if (!(isfinite(y) && fabs(y) <= o->value_max && (y == 0 || fabs(y) >= o->value_min)))
        return 0;
    double da, db;
    wg_op_partials(op, a, b, c, y, &da, &db);
    if (!isfinite(da) || !isfinite(db))
        return 0;
    if ((da != 0 && fabs(da) < PARTIAL_MIN) || (db != 0 && fabs(db) < PARTIAL_MIN))
        return 0;
    /* a one-operand op whose partial is 0 at a nonzero argument has
     * underflowed (sigmoid'(-800)), unless it is flat there by definition */
    if (!B && da == 0 && a != 0 && op != WG_OP_RELU && op != WG_OP_STOP_GRADIENT
        && !(wg_op_kind_of(op) == WG_KIND_INT && c == 0))
        return 0;

    double err = A->rel * fabs(a) + (B ? B->rel * fabs(b) : 0.0);
    if (level != CHECK_NONE) {
        double dist, scale;
        if (edge_distance(op, ia, ib, a, b, c, &dist, &scale)) {
            if (!(dist > 0) || dist < GUARD * err)
                return 0;
            if (level == CHECK_MARGIN && dist < o->margin * fmax(1, scale))
                return 0;
        }
    }

    /* first-order propagation of the operands' relative errors, plus the
     * kernel's own.  A zero is exact only for a reason: x - x of one node,
     * relu of a negative, an argument that is 0 (sin 0, a product with 0),
     * a sum of exact values; any other zero is a cancellation or an
     * underflow (softplus(-800)), whose exact value is not 0. */
    double num = fabs(a * da) * A->rel + (B ? fabs(b * db) * B->rel : 0.0);
    int exact_op = op == WG_OP_NEG || op == WG_OP_ABS || op == WG_OP_RELU || op == WG_OP_MIN
                   || op == WG_OP_MAX || op == WG_OP_STOP_GRADIENT
                   || wg_op_kind_of(op) == WG_KIND_CMP;
    double rel;
    if (wg_op_kind_of(op) == WG_KIND_CMP)
        rel = 0;     /* the outcome is exact: its operands are far from a tie */
    else if (y == 0) {
        int exact_args = A->rel == 0 && (!B || B->rel == 0);
        int why_zero = (op == WG_OP_SUB && same) || op == WG_OP_RELU || a == 0
                       || (B && b == 0)
                       || (exact_args && (op == WG_OP_ADD || op == WG_OP_SUB
                                          || op == WG_OP_ADD_C));
        rel = (op == WG_OP_SUB && same) || (num == 0 && why_zero) ? 0.0 : INFINITY;
    } else
        rel = num / fabs(y) + (exact_op ? 0.0 : KERNEL_REL);
    if (!(rel <= o->rel_err_max))
        return 0;
    double tmag = fabs(da) * A->tmag + (B ? fabs(db) * B->tmag : 0.0);
    if (!(tmag <= TMAG_MAX))
        return 0;
    double tlo = 0;
    if (da != 0 && A->tlo > 0)
        tlo = fabs(da) * A->tlo;
    if (B && db != 0 && B->tlo > 0 && (tlo == 0 || fabs(db) * B->tlo < tlo))
        tlo = fabs(db) * B->tlo;
    if (tlo != 0 && tlo < PATH_MIN)
        return 0;
    out->v = y;
    out->rel = rel;
    out->tmag = tmag;
    out->tlo = tlo;
    return 1;
}

/* Plan op(a, b; c): the node, if it is acceptable at this level. */
static long plan_op(gen *G, wg_op op, long la, long lb, double c, check_level level)
{
    if (la < 0 || (has_b(op, c) && lb < 0))
        return -1;
    size_t ia = (size_t)la, ib = has_b(op, c) ? (size_t)lb : NONE;
    const gnode *A = &G->node[ia], *B = ib != NONE ? &G->node[ib] : NULL;
    wg_fz_val va = { A->v, A->rel, A->tmag, A->tlo }, vb = { 0, 0, 0, 0 }, r;
    if (B)
        vb = (wg_fz_val){ B->v, B->rel, B->tmag, B->tlo };
    if (!wg_fz_accept(G->o, op, &va, B ? &vb : NULL, ia == ib, c, (int)level, &r))
        return -1;
    double y = r.v, rel = r.rel, tmag = r.tmag, tlo = r.tlo;

    if (!grow(G))
        return -1;
    gnode *p = &G->node[G->n];
    memset(p, 0, sizeof *p);
    p->v = y;
    p->rel = rel;
    p->tmag = tmag;
    p->tlo = tlo;
    p->op = op;
    p->a = ia;
    p->b = ib;
    p->c = c;
    return (long)G->n++;
}

static long plan_const(gen *G, double v)
{
    return plan_leaf(G, WG_OP_CONST, v);
}

/* Record the planned nodes, if the node budget allows. */
static int commit(gen *G)
{
    size_t add = G->n - G->ncommit;
    if (G->count + add > G->o->nodes_max) {
        rollback(G);
        return 0;
    }
    wg_tape *t = wg_graph_tape(G->g);
    for (size_t i = G->ncommit; i < G->n; i++) {
        gnode *p = &G->node[i];
        wg_var r;
        if (p->op == WG_OP_CONST)
            r = wg_const(t, p->c);
        else {
            wg_var a = wg_tape_var(t, p->a);
            wg_var b = p->b != NONE ? wg_tape_var(t, p->b) : a;
            r = wg_apply(t, p->op, a, b, p->c);
            track_use(G, p->a);
            if (p->b != NONE && p->b != p->a)
                track_use(G, p->b);
        }
        track_new(G, i);
        /* the plan used the recording kernels, so this holds bit for bit */
        if (!r.id || wg_var_index(t, r) != i || !(wg_node_value(t, i) == p->v)) {
            say(G->why, sizeof G->why, "node %zu (%s) recorded %.17g, planned %.17g: %s", i,
                wg_op_name(p->op), wg_node_value(t, i), p->v,
                wg_status(t) ? wg_errmsg(t) : "values differ");
            return -1;
        }
    }
    G->count += add;
    G->ncommit = G->n;
    return 1;
}

/* ---------------------------------------------------------------- operands */

/* a committed node: any (sharing), or one no node uses yet.  Constants
 * always have a user (they are planned as operands), so the sinks are
 * never constants. */
static long pick_node(gen *G, int nonconst)
{
    size_t eligible = nonconst ? G->nnc : G->ncommit;
    if (!eligible)
        return -1;
    if (!G->nsink || chance(G, G->o->share_prob)) {
        size_t k = draw(G, (uint32_t)eligible);
        return (long)(nonconst ? G->nc[k] : k);
    }
    return (long)G->sink[draw(G, (uint32_t)G->nsink)];
}

static double const_value(gen *G)
{
    return dyadic(G, -2, 1, 4, 1);
}

static long pick_operand(gen *G, int allow_const)
{
    if (allow_const && chance(G, G->o->const_prob))
        return plan_const(G, const_value(G));
    return pick_node(G, 0);
}

/* > 0 and bounded: three forms, so the guards vary too */
static long guard_pos(gen *G, long a)
{
    switch (draw(G, 3)) {
    case 0: {                                   /* c + sigmoid(a) in (c, c + 1) */
        double c = dyadic(G, -2, 0, 2, 0);
        return plan_op(G, WG_OP_ADD_C, plan_op(G, WG_OP_SIGMOID, a, -1, 0, CHECK_MARGIN), -1, c,
                       CHECK_MARGIN);
    }
    case 1:                                     /* exp(tanh(a)) in (1/e, e) */
        return plan_op(G, WG_OP_EXP, plan_op(G, WG_OP_TANH, a, -1, 0, CHECK_MARGIN), -1, 0,
                       CHECK_MARGIN);
    default: {                                  /* hypot(sin(a), c) in [c, sqrt(1 + c^2)] */
        long s = plan_op(G, WG_OP_SIN, a, -1, 0, CHECK_MARGIN);
        long c = plan_const(G, dyadic(G, -1, 0, 2, 0));
        return plan_op(G, WG_OP_HYPOT, s, c, 0, CHECK_MARGIN);
    }
    }
}

/* s tanh(a): inside (-s, s) */
static long guard_squash(gen *G, long a, double s)
{
    return plan_op(G, WG_OP_MUL_C, plan_op(G, WG_OP_TANH, a, -1, 0, CHECK_MARGIN), -1, s,
                   CHECK_MARGIN);
}

static long guard(gen *G, long a, need nd)
{
    if (a < 0)
        return a;
    switch (nd) {
    case NEED_NONE:
        return a;
    case NEED_POS:
        return guard_pos(G, a);
    case NEED_NONZERO: {
        long p = guard_pos(G, a);
        return draw(G, 2) ? plan_op(G, WG_OP_NEG, p, -1, 0, CHECK_MARGIN) : p;
    }
    case NEED_UNIT: {
        static const double s[] = { 0.5, 0.75, 0.875 };
        return guard_squash(G, a, s[draw(G, 3)]);
    }
    case NEED_TAN:
        return guard_squash(G, a, 1.5);            /* cos 1.5 = 0.07: far from a pole */
    case NEED_SMALL:
        return guard_squash(G, a, draw(G, 2) ? 1.0 : 2.0);
    case NEED_FRESH:
        return plan_const(G, const_value(G));
    }
    return a;
}

/* what op needs of operand k (0: a, 1: b) when the first picks failed */
need wg_fz_need_of(wg_op op, int k, double c)
{
    switch (op) {
    case WG_OP_DIV:      return k ? NEED_NONZERO : NEED_SMALL;
    case WG_OP_POW:      return k ? NEED_SMALL : NEED_POS;
    case WG_OP_MUL:      return NEED_SMALL;
    case WG_OP_ADD: case WG_OP_SUB: case WG_OP_ATAN2: case WG_OP_MIN: case WG_OP_MAX:
    case WG_OP_HYPOT: case WG_OP_LT: case WG_OP_LE: case WG_OP_GT: case WG_OP_GE:
    case WG_OP_EQ: case WG_OP_NE:
        return k ? NEED_FRESH : NEED_NONE;
    case WG_OP_LOG: case WG_OP_SQRT: case WG_OP_LOG1P:
        return NEED_POS;
    case WG_OP_CBRT: case WG_OP_RECIP: case WG_OP_RELU: case WG_OP_ABS:
        return NEED_NONZERO;
    case WG_OP_ASIN: case WG_OP_ACOS:
        return NEED_UNIT;
    case WG_OP_TAN:
        return NEED_TAN;
    case WG_OP_POW_C:
        return (c != nearbyint(c) || c < 0) ? NEED_POS : NEED_SMALL;
    case WG_OP_POWI:
        return c < 0 ? NEED_NONZERO : NEED_SMALL;
    default:            /* exp, sinh, square, ..., and any new row: keep the value in range */
        return NEED_SMALL;
    }
}

/* the constant of a CONST or INT op */
double wg_fz_param(gsl_rng *rng, wg_op op)
{
    switch (op) {
    case WG_OP_ADD_C:
        return wg_fz_dyadic(rng, -3, 1, 4, 1);
    case WG_OP_MUL_C:
        return wg_fz_dyadic(rng, -2, 1, 3, 1);
    case WG_OP_POW_C: {               /* quarters in [-3, 3] but 0: integral and not */
        int k = (int)wg_fz_draw(rng, 24) - 12;
        return (k >= 0 ? k + 1 : k) / 4.0;
    }
    default:
        if (wg_op_kind_of(op) == WG_KIND_INT)
            return (double)((int)wg_fz_draw(rng, 9) - 3);   /* -3 .. 5 */
        return wg_fz_dyadic(rng, -2, 1, 4, 1);
    }
}

static double param_of(gen *G, wg_op op)
{
    return wg_fz_param(G->rng, op);
}

/* a committed node nothing uses yet, other than skip, or -1 */
static long pick_sink(gen *G, long skip)
{
    int in = skip >= 0 && G->pos[skip] != NONE;
    size_t cand = G->nsink - (size_t)in;
    if (!cand)
        return -1;
    size_t k = draw(G, (uint32_t)cand);
    if (in && G->sink[k] == (size_t)skip)
        k = G->nsink - 1;       /* the one past the range drawn from */
    return (long)G->sink[k];
}

/* a binary op (not a comparison: its value carries no derivative), by weight */
static wg_op draw_join_op(gen *G)
{
    wg_op ops[WG_OP_COUNT];
    size_t n = 0;
    for (int k = 0; k < WG_OP_COUNT; k++)
        if (wg_op_kind_of((wg_op)k) == WG_KIND_BINARY)
            ops[n++] = (wg_op)k;
    return draw_among(G, ops, n);
}

/* One node of op, with guards if the plain picks fail.  join: both
 * operands are nodes nothing uses yet, so that every node reaches an
 * output rather than being left dead. */
static int place_op(gen *G, wg_op op, int join)
{
    if ((unsigned)op >= WG_OP_COUNT)
        return 0;
    wg_op_kind kind = wg_op_kind_of(op);
    if (kind == WG_KIND_LEAF)
        return 0;
    /* a custom op: one of the registered ones, each as likely */
    double cid = kind == WG_KIND_CUSTOM ? (double)draw(G, (uint32_t)wg_custom_count()) : 0.0;
    int bin = has_b(op, cid);
    for (int t = 0; t < TRIES; t++) {
        rollback(G);
        double c = (kind == WG_KIND_CONST || kind == WG_KIND_INT) ? param_of(G, op) : cid;
        long a, b = -1;
        /* at most one operand may be a new constant */
        if (join) {
            a = pick_sink(G, -1);
            b = pick_sink(G, a);
        } else {
            int const_b = bin && draw(G, 2);
            a = pick_operand(G, bin && !const_b);
            if (bin)
                b = pick_operand(G, const_b);
        }
        if (t >= 3) {
            a = guard(G, a, t == 5 && wg_fz_need_of(op, 0, c) == NEED_NONE ? NEED_SMALL
                                                                    : wg_fz_need_of(op, 0, c));
            if (bin)
                b = guard(G, b, t >= 4 ? NEED_FRESH : wg_fz_need_of(op, 1, c));
        }
        if (plan_op(G, op, a, b, c, CHECK_MARGIN) >= 0) {
            int s = commit(G);
            if (s)
                return s;
        }
    }
    rollback(G);
    return 0;
}

/* ---------------------------------------------------------------- kinks and edges */

static long pick_input(gen *G)
{
    return (long)draw(G, (uint32_t)G->ninputs);   /* inputs are nodes 0 .. ninputs-1 */
}

/* relu, abs, min, max or hypot exactly at its kink.  With a moving argument
 * (once per graph: two kinks could combine into a smooth function whose AD
 * value no convention gets right, relu(d) - relu(-d) = d) the argument is
 * an input minus a constant of its own value, so the tie is exact in every
 * arithmetic.  Otherwise the argument cannot move (x - x of one node,
 * max(a, a)): the function is smooth there, and the convention alone is
 * exercised. */
static long place_kink(gen *G)
{
    static const wg_op kinks[] = { WG_OP_RELU, WG_OP_ABS, WG_OP_MIN, WG_OP_MAX, WG_OP_HYPOT };
    wg_op op = draw_among(G, kinks, sizeof kinks / sizeof kinks[0]);
    if (op == WG_OP_COUNT)
        return -1;
    rollback(G);
    long r;
    if (!G->true_kink && draw(G, 4)) {
        long x = pick_input(G);
        long k = plan_const(G, G->node[x].v);
        int flip = (int)draw(G, 2);
        if (op == WG_OP_MIN || op == WG_OP_MAX)
            r = plan_op(G, op, flip ? k : x, flip ? x : k, 0, CHECK_NONE);
        else {
            long s = plan_op(G, WG_OP_SUB, flip ? k : x, flip ? x : k, 0, CHECK_NONE);
            long s2 = s;
            if (op == WG_OP_HYPOT && G->ninputs > 1 && draw(G, 2)) {
                long x2 = (x + 1 + (long)draw(G, (uint32_t)G->ninputs - 1)) % (long)G->ninputs;
                s2 = plan_op(G, WG_OP_SUB, x2, plan_const(G, G->node[x2].v), 0, CHECK_NONE);
            }
            r = plan_op(G, op, s, s2, 0, CHECK_NONE);
        }
        if (r >= 0 && commit(G) == 1) {
            G->true_kink = 1;
            return r;
        }
    } else {
        long a = pick_node(G, 1);
        if (op == WG_OP_MIN || op == WG_OP_MAX)
            r = plan_op(G, op, a, a, 0, CHECK_NONE);
        else {
            long s = plan_op(G, WG_OP_SUB, a, a, 0, CHECK_NONE);
            r = plan_op(G, op, s, s, 0, CHECK_NONE);
        }
        if (r >= 0 && commit(G) == 1)
            return r;
    }
    rollback(G);
    return -1;
}

/* input x moved to target: x + (target - x0), which is target to within an
 * ulp; the constant is computed from x0 and target by exact IEEE
 * operations, so the text is the same on every machine */
static long near(gen *G, long x, double target)
{
    return plan_op(G, WG_OP_ADD_C, x, -1, target - G->node[x].v, CHECK_MARGIN);
}

/* (1 + k/4) 2^-e, e in [kmin, kmax]; the draws are sequenced, since the
 * order of evaluation of a call's arguments is unspecified in C */
static double edge_delta(gen *G)
{
    double m = 1.0 + draw(G, 4) / 4.0;
    int e = G->kmin + (int)draw(G, (uint32_t)(G->kmax - G->kmin + 1));
    return ldexp(m, -e);
}

/* An op with an argument within the margin of a domain edge, but inside
 * (and GUARD times its rounding error away). */
static long place_edge(gen *G)
{
    static const wg_op edges[] = {
        WG_OP_LOG, WG_OP_LOG1P, WG_OP_SQRT, WG_OP_CBRT, WG_OP_RECIP, WG_OP_DIV, WG_OP_ASIN,
        WG_OP_ACOS, WG_OP_POW, WG_OP_POW_C, WG_OP_POWI, WG_OP_ATAN2, WG_OP_TAN, WG_OP_RELU,
        WG_OP_ABS, WG_OP_MIN, WG_OP_MAX, WG_OP_HYPOT, WG_OP_LT, WG_OP_LE, WG_OP_GT, WG_OP_GE,
        WG_OP_EQ, WG_OP_NE
    };
    wg_op op = draw_among(G, edges, sizeof edges / sizeof edges[0]);
    if (op == WG_OP_COUNT)
        return -1;
    for (int t = 0; t < TRIES; t++) {
        rollback(G);
        double d = edge_delta(G);
        double sd = draw(G, 2) ? d : -d;
        long x = pick_input(G), a = -1, b = -1;
        double c = 0;
        switch (op) {
        case WG_OP_LOG: case WG_OP_SQRT:
            a = near(G, x, d);
            break;
        case WG_OP_LOG1P:
            a = near(G, x, -1 + d);
            break;
        case WG_OP_CBRT: case WG_OP_RECIP: case WG_OP_RELU: case WG_OP_ABS:
            a = near(G, x, sd);
            break;
        case WG_OP_DIV:
            a = pick_node(G, 0);
            if (t >= 2)
                a = guard_squash(G, a, 1.0);    /* a / d in range */
            b = near(G, x, sd);
            break;
        case WG_OP_ASIN: case WG_OP_ACOS:
            a = near(G, x, sd > 0 ? 1 - d : -1 + d);
            break;
        case WG_OP_TAN:
            a = near(G, x, sd > 0 ? PI_2 - d : -PI_2 + d);
            break;
        case WG_OP_POW:
            a = near(G, x, d);
            b = pick_node(G, 0);
            if (t >= 2)
                b = guard_squash(G, b, 1.0);
            break;
        case WG_OP_POW_C: {
            static const double cs[] = { 0.5, 1.5, 0.25, 0.75, -0.5, -1 };
            c = cs[draw(G, 6)];
            a = near(G, x, d);
            break;
        }
        case WG_OP_POWI:
            c = -1.0 - draw(G, 3);
            a = near(G, x, sd);
            break;
        case WG_OP_ATAN2: case WG_OP_HYPOT:
            a = near(G, x, sd);
            if (op == WG_OP_ATAN2 && draw(G, 2))
                b = plan_const(G, -dyadic(G, -2, 1, 4, 0));     /* next to the cut */
            else {
                double d2 = edge_delta(G);
                long x2 = pick_input(G);
                b = near(G, x2, draw(G, 2) ? d2 : -d2);
            }
            break;
        default: {      /* min, max, comparisons: a near tie with an input */
            int e;      /* 2^(e-1) <= max(1, |x|) < 2^e: the gap is d relative, at most */
            frexp(fmax(1.0, fabs(G->node[x].v)), &e);
            long y = plan_op(G, WG_OP_ADD_C, x, -1, ldexp(sd, e - 1), CHECK_MARGIN);
            int flip = (int)draw(G, 2);
            a = flip ? y : x;
            b = flip ? x : y;
            break;
        }
        }
        long r = plan_op(G, op, a, b, c, CHECK_EDGE);
        if (r >= 0 && commit(G) == 1)
            return r;
    }
    rollback(G);
    return -1;
}

/* ---------------------------------------------------------------- one attempt */

static int cmp_size(const void *p, const void *q)
{
    size_t a = *(const size_t *)p, b = *(const size_t *)q;
    return (a > b) - (a < b);
}

/* choose outputs among op nodes: first one that depends on the special
 * node (so the kink or edge reaches the check), then unused nodes, then
 * any; in each group first the nodes with a path of nonzero partials from
 * an input (tlo > 0).  An output without one (a comparison's outcome, a
 * relu of a negative, stop_gradient) has derivative 0 along every
 * direction: its checks exercise no derivative rule at all. */
static int choose_outputs(gen *G, unsigned k)
{
    size_t n = G->ncommit;
    unsigned char *desc = calloc(n ? n : 1, 1), *chosen = calloc(n ? n : 1, 1);
    size_t *out = malloc((k ? k : 1) * sizeof *out);
    int ok = desc && chosen && out;
    size_t nout = 0;
    if (ok && G->special >= 0) {
        for (size_t i = (size_t)G->special; i < n; i++) {
            const gnode *p = &G->node[i];
            desc[i] = i == (size_t)G->special || (p->a != NONE && desc[p->a])
                      || (p->b != NONE && desc[p->b]);
        }
        size_t cand = 0;
        for (size_t i = 0; i < n; i++)
            cand += desc[i] && !G->node[i].users;
        uint32_t r = draw(G, (uint32_t)cand);
        for (size_t i = 0; i < n && cand; i++)
            if (desc[i] && !G->node[i].users && r-- == 0) {
                out[nout++] = i;
                chosen[i] = 1;
                break;
            }
    }
    for (int pass = 0; ok && pass < 4 && nout < k; pass++) {
        int any_user = pass & 1, any_path = pass >= 2;
#define WG_OUT_CAND(i) (!chosen[i] && G->node[i].op != WG_OP_CONST                  \
                        && (any_user || !G->node[i].users)                          \
                        && (any_path || G->node[i].tlo > 0))
        for (;;) {
            size_t cand = 0;
            for (size_t i = G->ninputs; i < n; i++)
                cand += WG_OUT_CAND(i);
            if (!cand || nout == k)
                break;
            uint32_t r = draw(G, (uint32_t)cand);
            for (size_t i = G->ninputs; i < n; i++)
                if (WG_OUT_CAND(i) && r-- == 0) {
                    out[nout++] = i;
                    chosen[i] = 1;
                    break;
                }
        }
    }
#undef WG_OUT_CAND
    /* a graph none of whose outputs has a live path tests no derivative
     * rule in any check: draw another (a kink or edge graph keeps its
     * special output, whose one-sided derivatives are the point) */
    int live = G->special >= 0;
    for (size_t j = 0; j < nout && !live; j++)
        live = G->node[out[j]].tlo > 0;
    int s = 0;
    if (!ok)
        say(G->why, sizeof G->why, "out of memory");
    else if (!nout)
        say(G->why, sizeof G->why, "no op node to make an output");
    else if (!live)
        say(G->why, sizeof G->why, "no output has a path of nonzero partials from an input");
    else {
        qsort(out, nout, sizeof *out, cmp_size);
        wg_tape *t = wg_graph_tape(G->g);
        s = 1;
        for (size_t j = 0; j < nout && s; j++) {
            char name[32];
            if (nout == 1)
                snprintf(name, sizeof name, "y");
            else
                snprintf(name, sizeof name, "y%zu", j + 1);
            if (wg_graph_add_output(G->g, name, wg_tape_var(t, out[j])) != WG_OK) {
                say(G->why, sizeof G->why, "output %s: %s", name, wg_errmsg(t));
                s = 0;
            }
        }
    }
    free(desc);
    free(chosen);
    free(out);
    return s;
}

/* One graph, or 0 (with G->why) when this draw does not give one; -1 when
 * no draw can (out of memory). */
static int attempt(gen *G)
{
    const wg_fuzz_gen_options *o = G->o;
    G->n = G->ncommit = G->count = 0;
    G->nnc = G->nsink = 0;
    G->true_kink = 0;
    G->special = -1;
    G->special_op = WG_OP_COUNT;
    if (!(G->g = wg_graph_new())) {
        say(G->why, sizeof G->why, "out of memory");
        return -1;
    }
    G->ninputs = o->inputs_min + draw(G, o->inputs_max - o->inputs_min + 1);
    for (size_t j = 0; j < G->ninputs; j++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", j + 1);
        int e = o->input_exp_min + (int)draw(G, (uint32_t)(o->input_exp_max - o->input_exp_min + 1));
        /* 20 bits of mantissa: exact, and a short line of text */
        double v = ldexp((double)((1u << 20) + draw(G, 1u << 20)), e - 20);
        if (draw(G, 2))
            v = -v;
        if (plan_leaf(G, WG_OP_INPUT, v) < 0 || !wg_graph_add_input(G->g, name, v).id) {
            say(G->why, sizeof G->why, "out of memory");
            return -1;
        }
        track_new(G, G->ncommit);
        G->ncommit = G->n;
    }
    uint32_t r = draw(G, 1u << 30);
    double u = ldexp((double)r, -30);
    G->mode = u < o->kink_frac ? WG_FUZZ_KINK
              : u < o->kink_frac + o->edge_frac ? WG_FUZZ_EDGE : WG_FUZZ_PLAIN;
    unsigned target = o->nodes_min + draw(G, o->nodes_max - o->nodes_min + 1);
    unsigned nspecial = G->mode != WG_FUZZ_PLAIN ? 1 + draw(G, 2) : 0, special_fails = 0;
    size_t steps = 0, limit = 16 * (size_t)target + 64;
    while (G->count < target && steps++ < limit) {
        if (nspecial && (chance(G, 0.25) || G->count + 8 * nspecial >= target)) {
            long s = G->mode == WG_FUZZ_KINK ? place_kink(G) : place_edge(G);
            if (G->why[0])
                return 0;   /* a commit found a recorded value off its plan */
            if (s >= 0) {
                G->special = s;
                G->special_op = G->node[s].op;
                nspecial--;
            } else if (++special_fails >= 8)
                nspecial = 0;   /* the budget or the weights leave no room for one */
            continue;
        }
        /* keep the nodes nothing uses few: each is a part of the graph
         * that no output sees */
        int join = G->nsink > o->outputs_max + 1 && chance(G, 0.5);
        wg_op op = join ? draw_join_op(G) : draw_op(G);
        if (op == WG_OP_COUNT)
            op = draw_op(G), join = 0;
        if (place_op(G, op, join) < 0)
            return 0;
    }
    /* then join what is left, while the budget lasts */
    unsigned nout = o->outputs_min + draw(G, o->outputs_max - o->outputs_min + 1);
    for (unsigned fails = 0; fails < 8 && G->nsink > nout && G->count < o->nodes_max;) {
        wg_op op = draw_join_op(G);
        if (op == WG_OP_COUNT)
            break;
        int s = place_op(G, op, 1);
        if (s < 0)
            return 0;
        fails = s ? 0 : fails + 1;
    }
    if (G->why[0])
        return 0;           /* a commit found a recorded value off its plan */
    if (G->special < 0)
        G->mode = WG_FUZZ_PLAIN;
    if (G->count < o->nodes_min) {
        say(G->why, sizeof G->why, "only %zu of %u nodes placed in %zu steps", G->count, target,
            limit);
        return 0;
    }
    if (!choose_outputs(G, nout))
        return 0;
    wg_tape *t = wg_graph_tape(G->g);
    if (wg_status(t) != WG_OK) {
        say(G->why, sizeof G->why, "%s", wg_errmsg(t));
        return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- entry */

static const char *check_options(const wg_fuzz_gen_options *o)
{
    if (o->inputs_min < 1 || o->inputs_min > o->inputs_max || o->inputs_max > 1000)
        return "inputs_min .. inputs_max must satisfy 1 <= min <= max <= 1000";
    if (o->nodes_min < 1 || o->nodes_min > o->nodes_max || o->nodes_max > 1000000)
        return "nodes_min .. nodes_max must satisfy 1 <= min <= max <= 1000000";
    if (o->outputs_min < 1 || o->outputs_min > o->outputs_max || o->outputs_max > 1000)
        return "outputs_min .. outputs_max must satisfy 1 <= min <= max <= 1000";
    if (!(o->value_max >= 16 && o->value_max <= 1e300))
        return "value_max must lie in [16, 1e300]";
    if (!(o->value_min >= 0 && o->value_min <= 1.0 / 16))
        return "value_min must lie in [0, 1/16]";
    if (!(o->margin > 0 && o->margin <= 0.125))
        return "margin must lie in (0, 1/8]";
    if (!(o->rel_err_max > 0 && o->rel_err_max < 1))
        return "rel_err_max must lie in (0, 1)";
    if (!(o->share_prob >= 0 && o->share_prob <= 1) || !(o->const_prob >= 0 && o->const_prob <= 1)
        || !(o->kink_frac >= 0 && o->kink_frac <= 1) || !(o->edge_frac >= 0 && o->edge_frac <= 1)
        || !(o->kink_frac + o->edge_frac <= 1))
        return "share_prob, const_prob, kink_frac and edge_frac must lie in [0, 1], and "
               "kink_frac + edge_frac <= 1";
    if (o->input_exp_min > o->input_exp_max || o->input_exp_min < -60 || o->input_exp_max > 60
        || ldexp(1.0, o->input_exp_min) < o->value_min
        || ldexp(1.0, o->input_exp_max + 1) > o->value_max)
        return "input_exp_min .. input_exp_max must put every input inside "
               "[value_min, value_max]";
    if (o->max_attempts < 1)
        return "max_attempts must be at least 1";
    if (!(o->tensor_frac >= 0 && o->tensor_frac <= 1) || !(o->zero_frac >= 0 && o->zero_frac <= 1))
        return "tensor_frac and zero_frac must lie in [0, 1]";
    if (o->tensor_rank_max < 1 || o->tensor_rank_max > 6)
        return "tensor_rank_max must lie in 1..6";
    if (o->tensor_elems_max < 1 || o->tensor_elems_max > 4096)
        return "tensor_elems_max must lie in 1..4096";
    if (o->tensor_nodes_max < 1)
        return "tensor_nodes_max must be at least 1";
    return NULL;
}

/* integer weights: each op's share of 2^24, at least 1 when its weight is
 * positive (exact: one division by the largest weight, one product by a
 * power of two, one truncation) */
static const char *set_weights(gen *G)
{
    double wmax = 0;
    for (int k = 0; k < WG_OP_COUNT; k++) {
        double w = G->o->op_weight[k];
        if (!(w >= 0 && w <= 1e300))
            return "an op weight is negative or not finite";
        if (wg_fuzz_op_drawable((wg_op)k) && w > wmax)
            wmax = w;
    }
    if (!(wmax > 0))
        return "every op weight is 0";
    G->wtotal = 0;
    for (int k = 0; k < WG_OP_COUNT; k++) {
        double w = G->o->op_weight[k];
        uint32_t iw = 0;
        if (wg_fuzz_op_drawable((wg_op)k) && w > 0) {
            iw = (uint32_t)(w / wmax * 16777216.0);
            if (!iw)
                iw = 1;
        }
        /* each registered custom op weighs as a row, in scalar and tensor
         * graphs alike (it applies elementwise there) */
        G->tweight[k] = iw;
        G->weight[k] = wg_fuzz_op_scalar((wg_op)k) ? iw : 0;
        if (k == WG_OP_CUSTOM && G->weight[k]) {
            uint64_t m = (uint64_t)iw * (uint64_t)wg_custom_count();
            G->weight[k] = m > 16777216u ? 16777216u : (uint32_t)m;
            G->tweight[k] = G->weight[k];
        }
        G->wtotal += G->weight[k];
    }
    if (!G->wtotal && G->o->tensor_frac < 1)
        return "options: every op a scalar graph can draw has weight 0 (the tensor rows are "
               "drawn in tensor graphs only: set tensor_frac to 1)";
    return NULL;
}

const char *wg_fuzz_gen_options_problem(const wg_fuzz_gen_options *o)
{
    gen G;
    memset(&G, 0, sizeof G);
    G.o = o;
    const char *bad = check_options(o);
    return bad ? bad : set_weights(&G);
}

wg_graph *wg_fuzz_gen_ex(const wg_fuzz_gen_options *o, uint64_t seed, wg_fuzz_gen_info *info,
                         char *why, size_t whylen)
{
    wg_fuzz_gen_options def;
    if (!o) {
        wg_fuzz_gen_options_init(&def);
        o = &def;
    }
    say(why, whylen, "%s", "");
    if (info) {
        memset(info, 0, sizeof *info);
        info->special_node = -1;
        info->special_op = WG_OP_COUNT;
    }
    const char *bad = check_options(o);
    gen G;
    memset(&G, 0, sizeof G);
    G.o = o;
    if (!bad)
        bad = set_weights(&G);
    if (bad) {
        say(why, whylen, "wg_fuzz_gen: %s", bad);
        return NULL;
    }
    /* edge distances d in [2^-kmax, 1.75 2^-kmin]: below the margin, and at
     * least 4 value_min so that 1/d, log d, ... stay in range */
    int em, ev;
    frexp(o->margin, &em);
    G.kmin = 2 - em;
    if (o->value_min > 0) {
        frexp(o->value_min, &ev);
        G.kmax = -(ev + 2);
    } else
        G.kmax = G.kmin + 20;
    if (G.kmax < G.kmin)
        G.kmax = G.kmin;
    if (!(G.rng = gsl_rng_alloc(gsl_rng_mt19937))) {
        say(why, whylen, "wg_fuzz_gen: out of memory");
        return NULL;
    }
    /* mt19937 takes 32 bits of seed: fold the high half in (as the verifier does) */
    gsl_rng_set(G.rng, (unsigned long)((seed ^ (seed >> 32)) & 0xffffffffu));
    wg_graph *result = NULL;
    unsigned k;
    /* a tensor graph or a scalar one; no draw when the fraction is 0 or 1,
     * so scalar campaigns keep the graphs they always had */
    int tensor = o->tensor_frac >= 1 || (o->tensor_frac > 0 && chance(&G, o->tensor_frac));
    if (tensor) {
        for (k = 1; k <= o->max_attempts; k++) {
            int s = wg_fz_tensor_attempt(o, G.rng, G.tweight, &result, info, G.why,
                                         sizeof G.why);
            if (s != 0)
                break;
        }
        if (result && info)
            info->attempts = k;
    } else {
        for (k = 1; k <= o->max_attempts; k++) {
            G.why[0] = 0;
            int s = attempt(&G);
            if (s == 1) {
                result = G.g;
                break;
            }
            wg_graph_free(G.g);
            G.g = NULL;
            if (s < 0)
                break;
        }
    }
    if (result && info && !tensor) {
        info->mode = G.mode;
        info->attempts = k;
        info->special_node = G.special;
        info->special_op = G.special_op;
        info->nodes = wg_tape_size(wg_graph_tape(result));
    }
    if (!result)
        say(why, whylen, "wg_fuzz_gen: seed %llu: no acceptable graph in %u attempts (last: %s)",
            (unsigned long long)seed, k > o->max_attempts ? o->max_attempts : k,
            G.why[0] ? G.why : "no reason given");
    gsl_rng_free(G.rng);
    free(G.node);
    free(G.nc);
    free(G.sink);
    free(G.pos);
    return result;
}

wg_graph *wg_fuzz_gen(const wg_fuzz_gen_options *o, uint64_t seed, char *why, size_t whylen)
{
    return wg_fuzz_gen_ex(o, seed, NULL, why, whylen);
}
