/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_fuzz_gen.c -- the random-graph generator of wengert-fuzz
 * (fuzz/fuzz_gen.h): determinism of the .wg text, domain safety of every
 * value, reach of every op of the table, kink and edge placement, op
 * weights, custom ops in tensor graphs, bad options, and the verifier's
 * verdicts on generated graphs
 * (pass, or nondiff at a placed kink: anything else is a false alarm of
 * the verifier or a generator bug). */
#define _POSIX_C_SOURCE 200809L /* open_memstream */

#include "fuzz_gen.h"
#include "test_util.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the canonical .wg text of g; the caller frees it */
static char *text_of(wg_graph *g)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    int s = wg_graph_write(g, f);
    fclose(f);
    if (s != WG_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

static char *gen_text(const wg_fuzz_gen_options *o, uint64_t seed)
{
    char why[512];
    wg_graph *g = wg_fuzz_gen(o, seed, why, sizeof why);
    if (!g) {
        fprintf(stderr, "\n  seed %llu: %s\n", (unsigned long long)seed, why);
        return NULL;
    }
    char *t = text_of(g);
    wg_graph_free(g);
    return t;
}

static void print_graph(const char *what, uint64_t seed, wg_graph *g)
{
    char *t = text_of(g);
    fprintf(stderr, "\n  seed %llu: %s\n%s", (unsigned long long)seed, what, t ? t : "(no text)\n");
    free(t);
}

static int in_range(double v, const wg_fuzz_gen_options *o)
{
    return isfinite(v) && fabs(v) <= o->value_max && (v == 0 || fabs(v) >= o->value_min);
}

/* ---------------------------------------------------------------- tensor graphs */

enum { NTENSOR = 1500 };

static void tensor_graphs(void)
{
    wg_fuzz_gen_options o;
    wg_fuzz_gen_options_init(&o);
    o.tensor_frac = 1;
    unsigned long count[WG_OP_COUNT] = { 0 }, modes[WG_FUZZ_MODE_COUNT] = { 0 };
    unsigned shapes[8] = { 0 }, fails = 0, checked = 0, tensors = 0, rank_max = 0;
    for (uint64_t s = 1; s <= NTENSOR; s++) {
        char why[512];
        wg_fuzz_gen_info info;
        wg_graph *g = wg_fuzz_gen_ex(&o, s, &info, why, sizeof why);
        CU_ASSERT_PTR_NOT_NULL(g);
        if (!g) {
            fprintf(stderr, "\n  seed %llu: %s\n", (unsigned long long)s, why);
            continue;
        }
        wg_tape *t = wg_graph_tape(g);
        CU_ASSERT_EQUAL(wg_status(t), WG_OK);
        CU_ASSERT_EQUAL(info.tensor, 1);
        CU_ASSERT_EQUAL(info.nodes, wg_tape_size(t));
        size_t n = wg_tape_size(t), nin = wg_graph_ninputs(g);
        CU_ASSERT(n - nin <= o.tensor_nodes_max);
        CU_ASSERT(wg_graph_noutputs(g) >= 1 && wg_graph_noutputs(g) <= o.outputs_max);
        modes[info.mode]++;
        for (int b = 0; b < 3; b++)
            shapes[b] += (info.shapes >> b) & 1u;
        for (size_t i = 0; i < n; i++) {
            wg_op op = wg_node_op(t, i);
            count[op]++;
            size_t dim[WG_MAX_RANK];
            int r = wg_node_shape(t, i, dim);
            CU_ASSERT(r >= 0 && r <= (int)o.tensor_rank_max);
            CU_ASSERT(wg_node_numel(t, i) <= o.tensor_elems_max);
            tensors += r > 0;
            if (r > 0 && (unsigned)r > rank_max)
                rank_max = (unsigned)r;
            /* every value finite and in range */
            const double *v = r > 0 ? wg_node_values(t, i) : NULL;
            for (size_t e = 0; e < wg_node_numel(t, i); e++) {
                double x = v ? v[e] : wg_node_value(t, i);
                CU_ASSERT(in_range(x, &o));
            }
        }
        /* the same seed, the same text */
        if (s <= 200) {
            char *a = text_of(g), *b = gen_text(&o, s);
            CU_ASSERT(a && b && strcmp(a, b) == 0);
            /* and it reads back to the same text */
            wg_parse_error err;
            wg_graph *h = a ? wg_graph_read_string(a, "<gen>", &err) : NULL;
            char *c = h ? text_of(h) : NULL;
            CU_ASSERT(c && strcmp(a, c) == 0);
            free(a);
            free(b);
            free(c);
            wg_graph_free(h);
        }
        /* a clean library passes (or is nondiff on a kink) every one checked */
        if (s % 5 == 0) {
            wg_check_options co;
            wg_check_options_init(&co);
            co.seed = s;
            wg_check_report rep;
            CU_ASSERT_EQUAL(wg_check_graph(g, &co, &rep), WG_OK);
            checked++;
            if (rep.verdict == WG_VERDICT_FAIL || rep.verdict == WG_VERDICT_INVALID
                || rep.verdict == WG_VERDICT_UNSTABLE) {
                if (fails++ < 3)
                    print_graph(wg_verdict_name(rep.verdict), s, g);
            }
            wg_check_report_free(&rep);
        }
        wg_graph_free(g);
    }
    fprintf(stderr, "\n  %d tensor graphs: %lu plain, %lu kink, %lu edge; broadcast %u, "
            "0-size %u, batched matmul %u; %u of %u checked not pass/nondiff\n   ", NTENSOR,
            modes[WG_FUZZ_PLAIN], modes[WG_FUZZ_KINK], modes[WG_FUZZ_EDGE], shapes[0],
            shapes[1], shapes[2], fails, checked);
    CU_ASSERT_EQUAL(fails, 0);
    CU_ASSERT(modes[WG_FUZZ_KINK] > 0 && modes[WG_FUZZ_EDGE] > 0);
    CU_ASSERT(shapes[0] > 0 && shapes[1] > 0 && shapes[2] > 0);
    CU_ASSERT(rank_max == o.tensor_rank_max);
    CU_ASSERT(tensors > NTENSOR);
    /* every drawable op of the table, tensor rows included, from the table */
    for (int k = 0; k < WG_OP_COUNT; k++) {
        if (wg_fuzz_op_drawable((wg_op)k)) {
            if (!count[k])
                fprintf(stderr, " never drawn: %s", wg_op_name((wg_op)k));
            CU_ASSERT(count[k] > 0);
        } else if (wg_op_kind_of((wg_op)k) != WG_KIND_LEAF) {
            CU_ASSERT_EQUAL(count[k], 0);
        }
    }
    fprintf(stderr, "\n");
}

/* ---------------------------------------------------------------- determinism */

enum { NDET = 300 };

static void same_seed_same_text(void)
{
    wg_fuzz_gen_options o;
    wg_fuzz_gen_options_init(&o);
    o.kink_frac = o.edge_frac = 0.3;    /* every mode, several times */
    for (uint64_t s = 1; s <= NDET; s++) {
        char *a = gen_text(&o, s), *b = gen_text(&o, s);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        CU_ASSERT_STRING_EQUAL(a, b);
        /* and the text is the graph: reading it back and writing again
         * gives the same bytes */
        wg_parse_error err;
        wg_graph *g = wg_graph_read_string(a, "<gen>", &err);
        CU_ASSERT_PTR_NOT_NULL(g);
        if (g) {
            char *c = text_of(g);
            CU_ASSERT_PTR_NOT_NULL(c);
            CU_ASSERT(c && strcmp(a, c) == 0);
            free(c);
            wg_graph_free(g);
        } else
            fprintf(stderr, "\n  seed %llu: %s\n", (unsigned long long)s, err.message);
        free(a);
        free(b);
    }
}

static void different_seeds_differ(void)
{
    char *t[NDET];
    for (int i = 0; i < NDET; i++) {
        t[i] = gen_text(NULL, (uint64_t)i + 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t[i]);
    }
    int same = 0;
    for (int i = 0; i < NDET; i++)
        for (int j = i + 1; j < NDET; j++)
            same += strcmp(t[i], t[j]) == 0;
    CU_ASSERT_EQUAL(same, 0);
    /* the high half of a 64-bit seed counts too */
    char *hi = gen_text(NULL, ((uint64_t)1 << 40) + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hi);
    CU_ASSERT(strcmp(hi, t[0]) != 0);
    free(hi);
    for (int i = 0; i < NDET; i++)
        free(t[i]);
}

/* FNV-1a, 64 bits */
static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
    return h;
}

/* The text of 100 seeds, pinned: the same on every machine and every libm.
 * The ops are named, so a new row of the table does not change the draws.
 * A deliberate change of the generator changes this hash: print the new
 * one (it is in the message) after checking that the change is meant. */
static void pinned_text(void)
{
    static const wg_op ops[] = {
        WG_OP_ADD, WG_OP_SUB, WG_OP_MUL, WG_OP_DIV, WG_OP_POW, WG_OP_ATAN2, WG_OP_MIN,
        WG_OP_MAX, WG_OP_HYPOT, WG_OP_EXP, WG_OP_LOG, WG_OP_SQRT, WG_OP_SIN, WG_OP_TAN,
        WG_OP_ASIN, WG_OP_TANH, WG_OP_RELU, WG_OP_ABS, WG_OP_ADD_C, WG_OP_POW_C, WG_OP_POWI,
        WG_OP_LT, WG_OP_EQ
    };
    wg_fuzz_gen_options o;
    wg_fuzz_gen_options_init(&o);
    for (int k = 0; k < WG_OP_COUNT; k++)
        o.op_weight[k] = 0;
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        o.op_weight[ops[k]] = 1 + (double)(k % 3);
    o.kink_frac = o.edge_frac = 0.25;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (uint64_t s = 1; s <= 100; s++) {
        char *t = gen_text(&o, s);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        h = fnv(h, t);
        free(t);
    }
    const uint64_t want = UINT64_C(0x41e305da3b9e4bcd);
    if (h != want)
        fprintf(stderr, "\n  text hash 0x%016llx, pinned 0x%016llx\n", (unsigned long long)h,
                (unsigned long long)want);
    CU_ASSERT(h == want);
}

/* ---------------------------------------------------------------- safety and reach */

enum { NSAFE = 2000 };


static void domain_safety_and_reach(void)
{
    wg_fuzz_gen_options o;
    wg_fuzz_gen_options_init(&o);
    unsigned long count[WG_OP_COUNT] = { 0 }, modes[WG_FUZZ_MODE_COUNT] = { 0 };
    unsigned bad = 0, zero_jacobian = 0;
    for (uint64_t s = 1; s <= NSAFE; s++) {
        char why[512];
        wg_fuzz_gen_info info;
        wg_graph *g = wg_fuzz_gen_ex(&o, s, &info, why, sizeof why);
        CU_ASSERT_PTR_NOT_NULL(g);
        if (!g) {
            fprintf(stderr, "\n  seed %llu: %s\n", (unsigned long long)s, why);
            continue;
        }
        wg_tape *t = wg_graph_tape(g);
        CU_ASSERT_EQUAL(wg_status(t), WG_OK);
        size_t n = wg_tape_size(t), nin = wg_graph_ninputs(g), nout = wg_graph_noutputs(g);
        CU_ASSERT_EQUAL(info.nodes, n);
        CU_ASSERT(info.attempts >= 1 && info.attempts <= o.max_attempts);
        CU_ASSERT(nin >= o.inputs_min && nin <= o.inputs_max);
        CU_ASSERT(nout >= o.outputs_min && nout <= o.outputs_max);
        CU_ASSERT(n - nin >= o.nodes_min && n - nin <= o.nodes_max);
        modes[info.mode]++;
        int ok = 1;
        for (size_t i = 0; i < n; i++) {
            wg_op op = wg_node_op(t, i);
            count[op]++;
            ok &= in_range(wg_node_value(t, i), &o);
            if (op == WG_OP_INPUT)      /* exact dyadic inputs, 20 bits of mantissa */
                ok &= ldexp(wg_node_value(t, i), 20 - o.input_exp_min)
                      == nearbyint(ldexp(wg_node_value(t, i), 20 - o.input_exp_min));
        }
        CU_ASSERT(ok);
        if (!ok && bad++ < 3)
            print_graph("a value out of range", s, g);
        /* a plain graph whose Jacobian is 0 tests no derivative rule: the
         * generator draws again when no output has a path of nonzero
         * partials; what is left is exact cancellation (x - x and kin) */
        if (info.mode == WG_FUZZ_PLAIN) {
            wg_var x[64], y[64];
            double J[64 * 64];
            int all_zero = 1;
            for (size_t j = 0; j < nin && j < 64; j++)
                x[j] = wg_graph_input(g, j);
            for (size_t j = 0; j < nout && j < 64; j++)
                y[j] = wg_graph_output(g, j);
            CU_ASSERT_EQUAL(wg_jacobian(t, nout, y, nin, x, J), WG_OK);
            for (size_t j = 0; j < nin * nout; j++)
                all_zero &= J[j] == 0;
            zero_jacobian += all_zero;
        }
        wg_graph_free(g);
    }
    fprintf(stderr, "\n  plain graphs with a Jacobian of exactly 0: %u of %lu", zero_jacobian,
            modes[WG_FUZZ_PLAIN]);
    CU_ASSERT(zero_jacobian * 20 <= modes[WG_FUZZ_PLAIN]);   /* at most 5% */
    fprintf(stderr, "\n  %d graphs: %lu plain, %lu kink, %lu edge; nodes per op:\n   ", NSAFE,
            modes[WG_FUZZ_PLAIN], modes[WG_FUZZ_KINK], modes[WG_FUZZ_EDGE]);
    for (int k = 0; k < WG_OP_COUNT; k++) {
        fprintf(stderr, " %s %lu%s", wg_op_name((wg_op)k), count[k], k % 8 == 7 ? "\n   " : "");
        if (!count[k] && wg_fuzz_op_scalar((wg_op)k))
            fprintf(stderr, "\n  op %s never drawn\n", wg_op_name((wg_op)k));
        /* every scalar row of the table, read from the table; tensor rows
         * are not drawn (scalar graphs: tensor_frac is 0 by default), nor
         * the primitives of recorded derivative rules (step, sign,
         * argmax_mask) */
        if (wg_fuzz_op_scalar((wg_op)k) || wg_op_kind_of((wg_op)k) == WG_KIND_LEAF) {
            CU_ASSERT(count[k] > 0);
        } else {
            CU_ASSERT_EQUAL(count[k], 0);
        }
    }
    fprintf(stderr, "\n");
    CU_ASSERT(!wg_fuzz_op_drawable(WG_OP_STEP) && !wg_fuzz_op_drawable(WG_OP_SIGN)
              && !wg_fuzz_op_drawable(WG_OP_ARGMAX_MASK));
    CU_ASSERT(wg_fuzz_op_rule_primitive(WG_OP_STEP) && !wg_fuzz_op_rule_primitive(WG_OP_RELU));
    /* kink_frac = edge_frac = 0.1: 200 each expected; 5 sigma is about 70 */
    CU_ASSERT(modes[WG_FUZZ_KINK] >= 130 && modes[WG_FUZZ_KINK] <= 270);
    CU_ASSERT(modes[WG_FUZZ_EDGE] >= 130 && modes[WG_FUZZ_EDGE] <= 270);
}

/* ---------------------------------------------------------------- kinks and edges */

static void kinks_are_exact(void)
{
    wg_fuzz_gen_options o;
    wg_fuzz_gen_options_init(&o);
    o.kink_frac = 1;
    o.edge_frac = 0;
    unsigned moving = 0;
    for (uint64_t s = 1; s <= 300; s++) {
        wg_fuzz_gen_info info;
        wg_graph *g = wg_fuzz_gen_ex(&o, s, &info, NULL, 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        CU_ASSERT_EQUAL(info.mode, WG_FUZZ_KINK);
        CU_ASSERT_FATAL(info.special_node >= 0);
        wg_tape *t = wg_graph_tape(g);
        size_t i = (size_t)info.special_node;
        wg_op op = wg_node_op(t, i);
        CU_ASSERT_EQUAL(op, info.special_op);
        CU_ASSERT(op == WG_OP_RELU || op == WG_OP_ABS || op == WG_OP_MIN || op == WG_OP_MAX
                  || op == WG_OP_HYPOT);
        size_t a = wg_node_arg(t, i, 0), b = wg_node_arg(t, i, 1);
        double va = wg_node_value(t, a), vb = b != (size_t)-1 ? wg_node_value(t, b) : 0;
        int tie = (op == WG_OP_MIN || op == WG_OP_MAX) ? va == vb : va == 0 && vb == 0;
        CU_ASSERT(tie);
        /* a kink the direction moves across: the argument is an input minus
         * a constant of its value (or the tie is between them) */
        size_t arg = op == WG_OP_MIN || op == WG_OP_MAX ? i : a;
        if (wg_node_op(t, arg) == WG_OP_SUB || wg_node_op(t, arg) == WG_OP_MIN
            || wg_node_op(t, arg) == WG_OP_MAX) {
            size_t p = wg_node_arg(t, arg, 0), q = wg_node_arg(t, arg, 1);
            moving += p != q && (wg_node_op(t, p) == WG_OP_INPUT || wg_node_op(t, q) == WG_OP_INPUT);
        }
        wg_graph_free(g);
    }
    CU_ASSERT(moving >= 100);       /* about half: 3 in 4 first kinks move, later ones do not */
}

/* distance of the special node's arguments to the edge it was placed at,
 * and the scale the margin is relative to */
static double edge_dist(wg_op op, double a, double b, double *scale)
{
    *scale = 1;
    switch (op) {
    case WG_OP_LOG: case WG_OP_SQRT: case WG_OP_POW: return a;
    case WG_OP_LOG1P:                                return a + 1;
    case WG_OP_ASIN: case WG_OP_ACOS:                return 1 - fabs(a);
    case WG_OP_CBRT: case WG_OP_RECIP: case WG_OP_RELU: case WG_OP_ABS:
    case WG_OP_POW_C: case WG_OP_POWI:               return fabs(a);
    case WG_OP_DIV:                                  return fabs(b);
    case WG_OP_TAN:                                  return fabs(cos(a));
    case WG_OP_HYPOT:                                return fmax(fabs(a), fabs(b));
    case WG_OP_ATAN2:
        if (b < 0) {
            *scale = fmax(1, fabs(b));
            return fabs(a);
        }
        return fmax(fabs(a), fabs(b));
    default:
        *scale = fmax(fabs(a), fabs(b));
        return fabs(a - b);
    }
}

static void edges_are_near_and_inside(void)
{
    wg_fuzz_gen_options o;
    wg_fuzz_gen_options_init(&o);
    o.kink_frac = 0;
    o.edge_frac = 1;
    unsigned long seen[WG_OP_COUNT] = { 0 };
    for (uint64_t s = 1; s <= 600; s++) {
        wg_fuzz_gen_info info;
        wg_graph *g = wg_fuzz_gen_ex(&o, s, &info, NULL, 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        CU_ASSERT_EQUAL(info.mode, WG_FUZZ_EDGE);
        CU_ASSERT_FATAL(info.special_node >= 0);
        wg_tape *t = wg_graph_tape(g);
        size_t i = (size_t)info.special_node;
        wg_op op = wg_node_op(t, i);
        seen[op]++;
        size_t a = wg_node_arg(t, i, 0), b = wg_node_arg(t, i, 1);
        double va = wg_node_value(t, a), vb = b != (size_t)-1 ? wg_node_value(t, b) : 0, scale;
        double d = edge_dist(op, va, vb, &scale);
        int ok = d > 0 && d < o.margin * fmax(1, scale);
        if (!ok)
            fprintf(stderr, "\n  seed %llu: node %zu (%s) at distance %g, scale %g\n",
                    (unsigned long long)s, i, wg_op_name(op), d, scale);
        CU_ASSERT(ok);
        wg_graph_free(g);
    }
    /* a fair share of the edges: poles, edges of roots and logs, [-1, 1],
     * branch cuts, ties */
    static const wg_op must[] = { WG_OP_LOG, WG_OP_LOG1P, WG_OP_SQRT, WG_OP_RECIP, WG_OP_ASIN,
                                  WG_OP_ACOS, WG_OP_TAN, WG_OP_ATAN2, WG_OP_MIN, WG_OP_LT };
    for (size_t k = 0; k < sizeof must / sizeof must[0]; k++) {
        if (!seen[must[k]])
            fprintf(stderr, "\n  no %s placed near its edge\n", wg_op_name(must[k]));
        CU_ASSERT(seen[must[k]] > 0);
    }
}

/* ---------------------------------------------------------------- options */

static void weights_steer_the_ops(void)
{
    wg_fuzz_gen_options o;
    wg_fuzz_gen_options_init(&o);
    o.edge_frac = 0;            /* edge placements pick their own ops */
    o.op_weight[WG_OP_LOG] = 0;
    o.op_weight[WG_OP_COSH] = 40;
    unsigned long logs = 0, coshs = 0, sins = 0;
    for (uint64_t s = 1; s <= 200; s++) {
        wg_graph *g = wg_fuzz_gen(&o, s, NULL, 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        wg_tape *t = wg_graph_tape(g);
        for (size_t i = 0; i < wg_tape_size(t); i++) {
            logs += wg_node_op(t, i) == WG_OP_LOG;
            coshs += wg_node_op(t, i) == WG_OP_COSH;
            sins += wg_node_op(t, i) == WG_OP_SIN;
        }
        wg_graph_free(g);
    }
    CU_ASSERT_EQUAL(logs, 0);           /* no guard or kink uses log */
    CU_ASSERT(coshs > 10 * sins);
}

static void small_budgets(void)
{
    wg_fuzz_gen_options o;
    wg_fuzz_gen_options_init(&o);
    o.nodes_min = o.nodes_max = 1;
    o.inputs_min = o.inputs_max = 1;
    o.outputs_min = o.outputs_max = 1;
    o.kink_frac = 0.5;
    o.edge_frac = 0.5;
    for (uint64_t s = 1; s <= 100; s++) {
        char why[512];
        wg_graph *g = wg_fuzz_gen(&o, s, why, sizeof why);
        CU_ASSERT_PTR_NOT_NULL(g);
        if (!g) {
            fprintf(stderr, "\n  seed %llu: %s\n", (unsigned long long)s, why);
            continue;
        }
        CU_ASSERT_EQUAL(wg_tape_size(wg_graph_tape(g)), 2);
        CU_ASSERT_EQUAL(wg_graph_noutputs(g), 1);
        CU_ASSERT_STRING_EQUAL(wg_graph_output_name(g, 0), "y");
        wg_graph_free(g);
    }
}

static void expect_bad(const wg_fuzz_gen_options *o, const char *word)
{
    char why[512] = "unchanged";
    wg_graph *g = wg_fuzz_gen(o, 1, why, sizeof why);
    CU_ASSERT_PTR_NULL(g);
    wg_graph_free(g);
    if (!strstr(why, word))
        fprintf(stderr, "\n  expected \"%s\" in: %s\n", word, why);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, word));
}

static void bad_options(void)
{
    wg_fuzz_gen_options o;
#define BAD(field, value, word) do { wg_fuzz_gen_options_init(&o); o.field = value; \
        expect_bad(&o, word); } while (0)
    BAD(inputs_min, 0, "inputs_min");
    BAD(inputs_max, 0, "inputs_min");
    BAD(nodes_min, 30, "nodes_min");
    BAD(outputs_min, 0, "outputs_min");
    BAD(value_max, NAN, "value_max");
    BAD(value_min, -1, "value_min");
    BAD(margin, 0, "margin");
    BAD(rel_err_max, 2, "rel_err_max");
    BAD(share_prob, 1.5, "share_prob");
    BAD(kink_frac, 0.95, "kink_frac + edge_frac");
    BAD(input_exp_max, 30, "input_exp_min");
    BAD(max_attempts, 0, "max_attempts");
    BAD(op_weight[WG_OP_SIN], -1, "weight");
    BAD(op_weight[WG_OP_SIN], INFINITY, "weight");
#undef BAD
    wg_fuzz_gen_options_init(&o);
    for (int k = 0; k < WG_OP_COUNT; k++)
        o.op_weight[k] = 0;
    expect_bad(&o, "every op weight is 0");
    o.op_weight[WG_OP_INPUT] = 1;           /* a leaf's weight does not count */
    expect_bad(&o, "every op weight is 0");
    /* what no draw can satisfy is reported, not looped on: no value that a
     * rounding op computes is trusted to 1e-30, and exp is the only op */
    wg_fuzz_gen_options_init(&o);
    for (int k = 0; k < WG_OP_COUNT; k++)
        o.op_weight[k] = 0;
    o.op_weight[WG_OP_EXP] = 1;
    o.rel_err_max = 1e-30;
    o.max_attempts = 3;
    char why[512] = "";
    wg_graph *g = wg_fuzz_gen(&o, 7, why, sizeof why);
    if (g) {
        print_graph("a graph where none fits", 7, g);
        wg_graph_free(g);
    }
    CU_ASSERT_PTR_NULL(g);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "3 attempts"));
    CU_ASSERT_STRING_EQUAL(wg_fuzz_mode_name(WG_FUZZ_EDGE), "edge");
}

/* ---------------------------------------------------------------- verdicts */

/* Check n graphs, one direction each.  A kink placed with a moving argument
 * is nondiff; everything else must pass.  fail, invalid or unstable is a
 * false alarm of the verifier or a generator bug, and is printed with its
 * seed and text.  A kink graph's argument x - c is exactly 0 and moves, so
 * a part of the graph can sit at a point where the derivative is 0 and the
 * reference's differences go to it as h^k (relu(x - c)^2: h); the
 * verifier's convergence test takes that rate (doc/VERIFY.md, "Converged"),
 * and such a graph passes. */
static void verdicts(const wg_fuzz_gen_options *o, uint64_t first, unsigned n,
                     unsigned long *count)
{
    wg_check_options co;
    wg_check_options_init(&co);
    co.directions = 1;
    for (uint64_t s = first; s < first + n; s++) {
        wg_fuzz_gen_info info;
        char why[512];
        wg_graph *g = wg_fuzz_gen_ex(o, s, &info, why, sizeof why);
        CU_ASSERT_PTR_NOT_NULL(g);
        if (!g) {
            fprintf(stderr, "\n  seed %llu: %s\n", (unsigned long long)s, why);
            continue;
        }
        co.seed = s;
        wg_check_report r;
        CU_ASSERT_EQUAL_FATAL(wg_check_graph(g, &co, &r), WG_OK);
        count[r.verdict]++;
        int kink = info.mode == WG_FUZZ_KINK;
        int ok = r.verdict == WG_VERDICT_PASS || (kink && r.verdict == WG_VERDICT_NONDIFF);
        if (!ok) {
            char what[64];
            snprintf(what, sizeof what, "%s graph, verdict %s", wg_fuzz_mode_name(info.mode),
                     wg_verdict_name(r.verdict));
            print_graph(what, s, g);
            wg_check_report_print(&r, "generated", stderr);
        }
        CU_ASSERT(ok);
        wg_check_report_free(&r);
        wg_graph_free(g);
    }
}

static void print_counts(const char *what, const unsigned long *count)
{
    fprintf(stderr, "\n  %s:", what);
    for (int v = 0; v < WG_VERDICT_COUNT; v++)
        fprintf(stderr, " %s %lu", wg_verdict_name((wg_verdict)v), count[v]);
    fprintf(stderr, "\n");
}

static void verifier_agrees(void)
{
    wg_fuzz_gen_options o;
    wg_fuzz_gen_options_init(&o);
    unsigned long count[WG_VERDICT_COUNT] = { 0 };
    verdicts(&o, 1, 400, count);
    print_counts("400 graphs, default options", count);
    CU_ASSERT_EQUAL(count[WG_VERDICT_FAIL] + count[WG_VERDICT_INVALID], 0);
    CU_ASSERT(count[WG_VERDICT_PASS] >= 300);

    unsigned long kc[WG_VERDICT_COUNT] = { 0 };
    o.kink_frac = 1;
    o.edge_frac = 0;
    verdicts(&o, 1001, 100, kc);
    print_counts("100 kink graphs", kc);
    CU_ASSERT(kc[WG_VERDICT_NONDIFF] >= 10);   /* the moving kinks are seen as kinks */
    CU_ASSERT(kc[WG_VERDICT_PASS] >= 10);      /* the fixed ones are smooth */

    unsigned long ec[WG_VERDICT_COUNT] = { 0 };
    o.kink_frac = 0;
    o.edge_frac = 1;
    verdicts(&o, 2001, 100, ec);
    print_counts("100 edge graphs", ec);
    CU_ASSERT_EQUAL(ec[WG_VERDICT_PASS], 100);
}

/* ---- custom ops in tensor graphs: registered last (the registry is
 * process-wide, and a registered op changes every later draw) */
static double clip_v(const double *x, void *ctx)
{
    (void)ctx;
    return x[0] / (1 + fabs(x[0]));
}
static void clip_d(const double *x, double *d, void *ctx)
{
    (void)ctx;
    double q = 1 + fabs(x[0]);
    d[0] = 1 / (q * q);
}
static double lae_v(const double *x, void *ctx)
{
    (void)ctx;
    double m = x[0] > x[1] ? x[0] : x[1];
    return m + log1p(exp(-fabs(x[0] - x[1])));
}
static void lae_d(const double *x, double *d, void *ctx)
{
    (void)ctx;
    double e = exp(-fabs(x[0] - x[1])), big = 1 / (1 + e), small = e / (1 + e);
    d[0] = x[0] >= x[1] ? big : small;
    d[1] = x[0] >= x[1] ? small : big;
}

static void custom_in_tensor_graphs(void)
{
    int id;
    wg_custom_op_def c1 = { "fzclip", 1, clip_v, clip_d, NULL, NULL };
    wg_custom_op_def c2 = { "fzlae", 2, lae_v, lae_d, NULL, NULL };
    CU_ASSERT_EQUAL_FATAL(wg_custom_op(&c1, &id), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_custom_op(&c2, &id), WG_OK);
    wg_fuzz_gen_options o;
    wg_fuzz_gen_options_init(&o);
    CU_ASSERT_EQUAL(o.op_weight[WG_OP_CUSTOM], 1.0);
    o.tensor_frac = 1;
    o.op_weight[WG_OP_CUSTOM] = 4;
    unsigned unary = 0, bin = 0, stretched = 0, wrong = 0;
    for (uint64_t s = 1; s <= 150; s++) {
        char why[512];
        wg_graph *g = wg_fuzz_gen(&o, s, why, sizeof why);
        CU_ASSERT_PTR_NOT_NULL(g);
        if (!g) {
            fprintf(stderr, "\n  seed %llu: %s\n", (unsigned long long)s, why);
            continue;
        }
        wg_tape *t = wg_graph_tape(g);
        for (size_t i = 0; i < wg_tape_size(t); i++) {
            if (wg_node_op(t, i) != WG_OP_CUSTOM || wg_node_rank(t, i) <= 0)
                continue;
            size_t a = wg_node_arg(t, i, 0), n = wg_node_numel(t, i);
            if (wg_node_arity(t, i) == 1) {
                unary++;
                /* the callback's value, element by element */
                const double *y = wg_node_values(t, i), *x = wg_node_values(t, a);
                for (size_t e = 0; e < n && x && y; e++)
                    wrong += !(y[e] == clip_v(&x[e], NULL));
            } else {
                bin++;
                size_t b = wg_node_arg(t, i, 1);
                stretched += wg_node_numel(t, a) < n || wg_node_numel(t, b) < n;
            }
        }
        wg_graph_free(g);
    }
    fprintf(stderr, "\n  custom tensor nodes in 150 tensor graphs: unary %u, binary %u "
            "(%u broadcasting)\n", unary, bin, stretched);
    CU_ASSERT(unary >= 10);
    CU_ASSERT(bin >= 10);
    CU_ASSERT(stretched >= 3);
    CU_ASSERT_EQUAL(wrong, 0);
    /* and the verifier passes them */
    unsigned long count[WG_VERDICT_COUNT] = { 0 };
    verdicts(&o, 1, 60, count);
    print_counts("60 tensor graphs with custom ops", count);
    CU_ASSERT_EQUAL(count[WG_VERDICT_FAIL] + count[WG_VERDICT_INVALID], 0);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "same seed, same options: the same .wg bytes", same_seed_same_text },
        { "different seeds give different graphs", different_seeds_differ },
        { "the text of 100 seeds is pinned", pinned_text },
        { "2000 graphs: every value in range, every op drawn", domain_safety_and_reach },
        { "kink mode: arguments exactly at the kink", kinks_are_exact },
        { "edge mode: arguments near the edge, inside", edges_are_near_and_inside },
        { "op weights steer the mix", weights_steer_the_ops },
        { "a budget of one node", small_budgets },
        { "bad options are named", bad_options },
        { "the verifier passes generated graphs", verifier_agrees },
        { "tensor graphs: every op, every shape class, deterministic, checked",
          tensor_graphs },
        { "custom ops drawn elementwise in tensor graphs; checked", custom_in_tensor_graphs },
        { NULL, NULL }
    };
    return wg_test_main("fuzz_gen", cases);
}
