/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_shrink.c -- the delta-debugging shrinker and the reproducer files
 * (fuzz/shrink.h).  Planted bugs (fuzz/bugs.h) make generated graphs and
 * a hand-built one fail; the shrunk graph must still fail, blaming the same
 * op, be no bigger (much smaller where nodes were irrelevant), be
 * 1-minimal under the shrinker's edits (checked here by rebuilding every
 * one-edit variant with code of this file, not the shrinker's), come out
 * byte for byte the same twice, and leave the input graph alone.
 * Reproducer files must read back as the same graph under their header. */
#define _POSIX_C_SOURCE 200809L /* open_memstream, mkdtemp */

#include "bugs.h"
#include "fuzz_gen.h"
#include "shrink.h"
#include "test_util.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <dirent.h>
#include <errno.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NONE ((size_t)-1)

/* ---------------------------------------------------------------- helpers */

static wg_check_options check_opts(void)
{
    wg_check_options o;
    wg_check_options_init(&o);
    o.seed = 20230514;
    return o;
}

static wg_shrink_options shrink_opts(int bug)
{
    wg_shrink_options o;
    wg_shrink_options_init(&o);
    o.check = check_opts();
    o.bug = bug;
    return o;
}

/* the canonical .wg text of g; the caller frees it */
static char *text_of(const wg_graph *g)
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

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int c;
    while ((c = fgetc(f)) != EOF)
        fputc(c, m);
    fclose(m);
    fclose(f);
    return buf;
}

/* The predicate, written again from the public API: the check with the
 * bug armed says fail, and (when want names an op) the worst result blames
 * want.  *got (may be NULL) is the blamed op. */
/* the tape back at its inputs' values by the library's own replay: a
 * replay bug (eval-*) leaves wrong values, or a failed point, behind */
static void restore_point(wg_graph *g)
{
    wg_tape *t = wg_graph_tape(g);
    size_t ni = wg_graph_ninputs(g), nv = 0;
    for (size_t k = 0; k < ni; k++)
        nv += wg_node_numel(t, wg_var_index(t, wg_graph_input(g, k)));
    wg_var *xs = malloc((ni + 1) * sizeof *xs);
    double *xv = malloc((nv + 1) * sizeof *xv);
    CU_ASSERT_FATAL(xs && xv);
    nv = 0;
    for (size_t k = 0; k < ni; k++) {
        xs[k] = wg_graph_input(g, k);
        size_t i = wg_var_index(t, xs[k]), ne = wg_node_numel(t, i);
        if (wg_node_rank(t, i) == 0)
            xv[nv] = wg_node_value(t, i);
        else if (ne)
            memcpy(xv + nv, wg_node_values(t, i), ne * sizeof *xv);
        nv += ne;
    }
    CU_ASSERT_EQUAL(wg_eval(t, ni, xs, xv), WG_OK);
    free(xs);
    free(xv);
}

static int fails_as(wg_graph *g, int bug, wg_op want, wg_op *got)
{
    wg_check_options o = check_opts();
    wg_tape *t = wg_graph_tape(g);
    if (bug >= 0)
        wg_bug_arm(t, bug);
    wg_check_report r;
    int st = wg_check_graph(g, &o, &r);
    if (bug >= 0) {
        wg_bug_disarm(t);
        if (wg_bug_get(bug)->path)
            restore_point(g);
    }
    int fail = st == WG_OK && r.verdict == WG_VERDICT_FAIL;
    wg_op op = fail ? r.results[r.worst].blame_op : WG_OP_COUNT;
    wg_check_report_free(&r);
    if (got)
        *got = op;
    return fail && (want == WG_OP_COUNT || op == want);
}

/* ---------------------------------------------------------------- one-edit variants
 *
 * What the shrinker's edits promise, rebuilt here: node `node` becomes a
 * const or a new input of its value, or is bypassed to its operand 0 or 1;
 * or output `drop` is removed.  Then everything no output uses goes, except
 * that the first input stays when no input is used. */

enum change { TO_CONST, TO_INPUT, BYPASS_A, BYPASS_B, DROP_OUTPUT };

static wg_graph *variant(wg_graph *g, size_t node, enum change c, size_t drop)
{
    wg_tape *t = wg_graph_tape(g);
    size_t n = wg_tape_size(t), nin = wg_graph_ninputs(g), nout = wg_graph_noutputs(g);
    size_t *rep = malloc(n * sizeof *rep);
    char *live = calloc(n, 1), *named = calloc(n, 1);
    wg_var *map = calloc(n, sizeof *map);
    wg_graph *v = wg_graph_new();
    CU_ASSERT_FATAL(rep && live && named && map && v);
    for (size_t k = 0; k < nin; k++)
        named[wg_var_index(t, wg_graph_input(g, k))] = 1;
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        rep[i] = i;
        if (i == node && (c == BYPASS_A || c == BYPASS_B)) {
            size_t a = wg_node_arg(t, i, c == BYPASS_A ? 0 : 1);
            ok &= a != NONE;
            if (a != NONE)
                rep[i] = rep[a];
        }
    }
    int edited = c == TO_CONST || c == TO_INPUT;
    for (size_t k = 0; k < nout; k++)
        if (!(c == DROP_OUTPUT && k == drop))
            live[rep[wg_var_index(t, wg_graph_output(g, k))]] = 1;
    for (size_t i = n; i-- > 0;)
        if (live[i] && !(edited && i == node))
            for (int j = 0; j < 2; j++)
                if (wg_node_arg(t, i, j) != NONE)
                    live[rep[wg_node_arg(t, i, j)]] = 1;
    int any = c == TO_INPUT && live[node];
    for (size_t i = 0; i < n; i++)
        any |= live[i] && named[i] && !(edited && i == node);
    for (size_t k = 0; k < nin && !any; k++) {
        size_t i = wg_var_index(t, wg_graph_input(g, k));
        if (!(edited && i == node))
            any = live[i] = 1;
    }
    wg_tape *vt = wg_graph_tape(v);
    for (size_t i = 0; i < n && ok; i++) {
        if (!live[i])
            continue;
        wg_op op = wg_node_op(t, i);
        double x = wg_node_value(t, i);
        char name[32];
        snprintf(name, sizeof name, "in_%zu", i);
        if (edited && i == node)
            map[i] = c == TO_CONST ? wg_const(vt, x) : wg_graph_add_input(v, name, x);
        else if (op == WG_OP_INPUT)
            map[i] = named[i] ? wg_graph_add_input(v, name, x) : wg_input(vt, x);
        else if (op == WG_OP_CONST)
            map[i] = wg_const(vt, x);
        else {
            size_t a = wg_node_arg(t, i, 0), b = wg_node_arg(t, i, 1);
            wg_var none = { 0 };
            map[i] = wg_apply(vt, op, a != NONE ? map[rep[a]] : none,
                              b != NONE ? map[rep[b]] : none, wg_node_param(t, i));
        }
    }
    for (size_t k = 0; k < nout && ok; k++) {
        if (c == DROP_OUTPUT && k == drop)
            continue;
        char name[32];
        snprintf(name, sizeof name, "out_%zu", k);
        wg_graph_add_output(v, name, map[rep[wg_var_index(t, wg_graph_output(g, k))]]);
    }
    if (!ok || wg_status(vt) != WG_OK) {    /* does not record: not a candidate */
        wg_graph_free(v);
        v = NULL;
    }
    free(rep);
    free(live);
    free(named);
    free(map);
    return v;
}

/* How many one-edit variants of g (that record) still fail with blamed:
 * 0 when g is 1-minimal.  *tried (may be NULL) counts the variants. */
static int not_minimal(wg_graph *g, int bug, wg_op blamed, int *tried_out, int quiet)
{
    wg_tape *t = wg_graph_tape(g);
    size_t n = wg_tape_size(t), nin = wg_graph_ninputs(g), nout = wg_graph_noutputs(g);
    int tried = 0, bad = 0;
    for (size_t i = 0; i < n; i++) {
        wg_op op = wg_node_op(t, i);
        static const enum change edits[] = { TO_CONST, TO_INPUT, BYPASS_A, BYPASS_B };
        for (size_t e = 0; e < 4; e++) {
            if (op == WG_OP_CONST || (op == WG_OP_INPUT && edits[e] != TO_CONST))
                continue;
            if (op == WG_OP_INPUT) {
                /* a named input, when another stays */
                int is_named = 0;
                for (size_t k = 0; k < nin; k++)
                    is_named |= wg_var_index(t, wg_graph_input(g, k)) == i;
                if (!is_named || nin < 2)
                    continue;
            }
            if (edits[e] == BYPASS_B && wg_node_arg(t, i, 1) == wg_node_arg(t, i, 0))
                continue;
            wg_graph *v = variant(g, i, edits[e], 0);
            if (!v)
                continue;
            tried++;
            if (fails_as(v, bug, blamed, NULL) && quiet)
                bad++;
            else if (fails_as(v, bug, blamed, NULL)) {
                char *txt = text_of(v);
                fprintf(stderr, "\n  not 1-minimal: edit %zu of node %zu still fails:\n%s", e,
                        i, txt ? txt : "");
                free(txt);
                bad++;
            }
            wg_graph_free(v);
        }
    }
    for (size_t k = 0; nout > 1 && k < nout; k++) {
        wg_graph *v = variant(g, 0, DROP_OUTPUT, k);
        if (!v)
            continue;
        tried++;
        if (fails_as(v, bug, blamed, NULL)) {
            if (!quiet)
                fprintf(stderr, "\n  not 1-minimal: without output %zu it still fails\n", k);
            bad++;
        }
        wg_graph_free(v);
    }
    if (tried_out)
        *tried_out = tried;
    return bad;
}

/* A generated graph where bug makes the check fail: the count-th such in
 * seeds 1, 2, ...  (bounded search); NULL if none. */
static wg_graph *failing_graph(int bug, int count, uint64_t *seed)
{
    for (uint64_t s = *seed + 1; s <= 2000; s++) {
        wg_graph *g = wg_fuzz_gen(NULL, s, NULL, 0);
        if (!g)
            continue;
        if (fails_as(g, bug, WG_OP_COUNT, NULL) && --count == 0) {
            *seed = s;
            return g;
        }
        wg_graph_free(g);
    }
    return NULL;
}

/* ---------------------------------------------------------------- shrinking planted bugs */

/* Everything wg_shrink promises for one failing graph g.  Returns the
 * shrunk graph (the caller frees it). */
static wg_graph *shrink_and_check(wg_graph *g, int bug, const char *label)
{
    wg_op blamed;
    CU_ASSERT_FATAL(fails_as(g, bug, WG_OP_COUNT, &blamed));
    char *before = text_of(g);
    CU_ASSERT_PTR_NOT_NULL_FATAL(before);

    wg_shrink_options o = shrink_opts(bug);
    wg_shrink_result r, r2;
    char why[256] = "unchanged";
    CU_ASSERT_EQUAL_FATAL(wg_shrink(g, &o, &r, why, sizeof why), WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.graph);
    CU_ASSERT_STRING_EQUAL(why, "");
    size_t n = wg_tape_size(wg_graph_tape(r.graph));
    printf("  %-16s %-10s %3zu -> %zu nodes, %3u checks, %.3f s, blamed %s\n", wg_bug_get(bug)->name,
           label, r.nodes_before, r.nodes_after, r.checks, r.seconds,
           r.blamed_op < WG_OP_COUNT ? wg_op_name(r.blamed_op) : "none");

    CU_ASSERT_EQUAL(r.nodes_before, wg_tape_size(wg_graph_tape(g)));
    CU_ASSERT_EQUAL(r.nodes_after, n);
    CU_ASSERT(r.nodes_after <= r.nodes_before);
    CU_ASSERT(r.checks > 0);
    CU_ASSERT_EQUAL(r.budget_hit, 0);
    CU_ASSERT(r.seconds >= 0);
    /* the same failure: the same blamed op, and a blamed node of that op */
    CU_ASSERT_EQUAL(r.blamed_op, blamed);
    CU_ASSERT(fails_as(r.graph, bug, blamed, NULL));
    CU_ASSERT(r.blamed_node >= 0 && (size_t)r.blamed_node < n);
    if (r.blamed_node >= 0 && (size_t)r.blamed_node < n && blamed != WG_OP_COUNT)
        CU_ASSERT_EQUAL(wg_node_op(wg_graph_tape(r.graph), (size_t)r.blamed_node), blamed);
    /* a bug of an op is blamed on that op */
    const wg_bug *b = wg_bug_get(bug);
    if (b->ops[0] != WG_OP_COUNT)
        CU_ASSERT(wg_bug_mutates(b, r.blamed_op));
    /* without the bug the shrunk graph is clean: the failure is the bug's */
    CU_ASSERT(!fails_as(r.graph, -1, WG_OP_COUNT, NULL));

    /* 1-minimal: every variant tried, at least the const one of each op node */
    int tried = 0, nops = 0;
    CU_ASSERT_EQUAL(not_minimal(r.graph, bug, blamed, &tried, 0), 0);
    for (size_t i = 0; i < n; i++)
        nops += wg_op_kind_of(wg_node_op(wg_graph_tape(r.graph), i)) != WG_KIND_LEAF;
    CU_ASSERT(tried >= nops);

    /* the input is left as it was, with no bug armed on it */
    char *after = text_of(g);
    CU_ASSERT(after && strcmp(before, after) == 0);
    CU_ASSERT(!fails_as(g, -1, WG_OP_COUNT, NULL));

    /* deterministic: the same text byte for byte */
    CU_ASSERT_EQUAL_FATAL(wg_shrink(g, &o, &r2, why, sizeof why), WG_OK);
    char *t1 = text_of(r.graph), *t2 = text_of(r2.graph);
    CU_ASSERT(t1 && t2 && strcmp(t1, t2) == 0);
    CU_ASSERT_EQUAL(r.checks, r2.checks);

    /* inputs that survive keep their names; new ones are u<k> */
    wg_tape *st = wg_graph_tape(r.graph);
    for (size_t k = 0; k < wg_graph_ninputs(r.graph); k++) {
        const char *name = wg_graph_input_name(r.graph, k);
        int orig = 0;
        for (size_t j = 0; j < wg_graph_ninputs(g); j++)
            if (strcmp(name, wg_graph_input_name(g, j)) == 0) {
                orig = 1;
                /* the same input: the same value */
                CU_ASSERT_EQUAL(wg_value(st, wg_graph_input(r.graph, k)),
                                wg_value(wg_graph_tape(g), wg_graph_input(g, j)));
            }
        CU_ASSERT(orig || name[0] == 'u');
    }
    free(t1);
    free(t2);
    free(before);
    free(after);
    wg_graph_free(r2.graph);
    return r.graph;
}

static void shrink_bug(const char *name, int graphs)
{
    int bug = wg_bug_find(name);
    CU_ASSERT_FATAL(bug >= 0);
    uint64_t seed = 0;
    for (int k = 0; k < graphs; k++) {
        wg_graph *g = failing_graph(bug, 1, &seed);
        if (!g)
            fprintf(stderr, "\n  no generated graph fails with %s\n", name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        char label[32];
        snprintf(label, sizeof label, "seed %llu", (unsigned long long)seed);
        wg_graph *s = shrink_and_check(g, bug, label);
        /* generated graphs carry many nodes the failure does not need */
        CU_ASSERT(2 * wg_tape_size(wg_graph_tape(s)) <= wg_tape_size(wg_graph_tape(g)));
        wg_graph_free(s);
        wg_graph_free(g);
    }
}

static void wrong_sign(void)       { shrink_bug("cos-sign", 3); }
static void reverse_only(void)     { shrink_bug("sqrt-reverse", 3); }
static void negative_only(void)    { shrink_bug("cbrt-negative", 3); }
static void sweep_overwrite(void)  { shrink_bug("adj-overwrite", 3); }
static void constant_variant(void) { shrink_bug("mul_c-constant", 3); }

/* The replay's bugs: a wrong value at a node no output uses (the check
 * replays every node up to the last output) is kept by making the blamed
 * node the output; a tape the check left failed at its point (a replay
 * that gave NaN) is shrunk from its inputs.  Each comes out as the input,
 * maybe an operand, and the op. */
static void replay_bug(const char *name)
{
    int bug = wg_bug_find(name);
    CU_ASSERT_FATAL(bug >= 0);
    uint64_t seed = 0;
    for (int k = 0; k < 3; k++) {
        wg_graph *g = failing_graph(bug, 1, &seed);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        /* the check leaves what the bug did on the tape, as a campaign's does */
        wg_bug_arm(wg_graph_tape(g), bug);
        wg_check_options co = check_opts();
        wg_check_report rep;
        CU_ASSERT_EQUAL(wg_check_graph(g, &co, &rep), WG_OK);
        CU_ASSERT_EQUAL(rep.verdict, WG_VERDICT_FAIL);
        wg_check_report_free(&rep);
        wg_bug_disarm(wg_graph_tape(g));
        wg_shrink_options o = shrink_opts(bug);
        wg_shrink_result r;
        char why[256] = "";
        int st = wg_shrink(g, &o, &r, why, sizeof why);
        if (st != WG_OK)
            fprintf(stderr, "\n  %s, seed %llu: %s\n", name, (unsigned long long)seed, why);
        CU_ASSERT_EQUAL_FATAL(st, WG_OK);
        printf("\n    %s seed %llu: %zu -> %zu nodes, blamed %s", name,
               (unsigned long long)seed, r.nodes_before, r.nodes_after,
               r.blamed_op < WG_OP_COUNT ? wg_op_name(r.blamed_op) : "none");
        CU_ASSERT(r.nodes_after <= 3);
        CU_ASSERT(wg_bug_mutates(wg_bug_get(bug), r.blamed_op));
        CU_ASSERT(fails_as(r.graph, bug, r.blamed_op, NULL));
        CU_ASSERT(!fails_as(r.graph, -1, WG_OP_COUNT, NULL));
        wg_graph_free(r.graph);
        /* the shrinker's own record of g, and g itself once replayed, are clean */
        restore_point(g);
        CU_ASSERT(!fails_as(g, -1, WG_OP_COUNT, NULL));
        wg_graph_free(g);
    }
}

static void replay_nan(void)     { replay_bug("eval-expm1-nan"); }
static void replay_off(void)     { replay_bug("eval-sinh-off"); }
static void replay_stale(void)   { replay_bug("eval-log-stale"); }

/* ---------------------------------------------------------------- hand-built */

/* the bug is in cos(a * b); the rest feeds other outputs or only adds to
 * the failing one.  One output has the name of its node (v<digits>), which
 * must follow the node when the tape is renumbered. */
static const char hand_text[] =
    "input a = 0.7\n"
    "input b = 1.3\n"
    "input c = -0.4\n"
    "v3 = a * b\n"
    "v4 = exp(c)\n"
    "v5 = cos(v3)\n"
    "s = sin(b) + v5 * v4\n"
    "w = tanh(s) + sqrt(b * b + 1)\n"
    "z = log(exp(c) + 2) * a\n"
    "output w, z, v5\n";

static void hand_built(void)
{
    wg_parse_error err;
    wg_graph *g = wg_graph_read_string(hand_text, "hand", &err);
    if (!g)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    int bug = wg_bug_find("cos-sign");
    /* the check of 1-minimality can fail: the input is far from minimal */
    CU_ASSERT(not_minimal(g, bug, WG_OP_COS, NULL, 1) > 0);
    wg_graph *s = shrink_and_check(g, bug, "hand");
    /* exactly input -> cos -> output */
    wg_tape *t = wg_graph_tape(s);
    CU_ASSERT_EQUAL(wg_tape_size(t), 2);
    CU_ASSERT_EQUAL(wg_graph_ninputs(s), 1);
    CU_ASSERT_EQUAL(wg_graph_noutputs(s), 1);
    CU_ASSERT_EQUAL(wg_node_op(t, 0), WG_OP_INPUT);
    CU_ASSERT_EQUAL(wg_node_op(t, 1), WG_OP_COS);
    CU_ASSERT_EQUAL(wg_var_index(t, wg_graph_output(s, 0)), 1);
    /* cos keeps the value of its argument: 0.7 * 1.3 */
    CU_ASSERT_EQUAL(wg_node_value(t, 0), 0.7 * 1.3);
    wg_graph_free(s);
    wg_graph_free(g);

    /* the same graph without its extra nodes is already minimal: kept whole */
    g = wg_graph_read_string("input x = 0.91\nv1 = cos(x)\noutput v1\n", "min", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    s = shrink_and_check(g, bug, "minimal");
    char *a = text_of(g), *b = text_of(s);
    CU_ASSERT(a && b && strcmp(a, b) == 0);
    free(a);
    free(b);
    wg_graph_free(s);
    wg_graph_free(g);
}

/* the sweep's bug on a hand-built graph: x feeds sin and exp, whose
 * product is the output; the rest is irrelevant */
static void hand_built_sweep(void)
{
    wg_parse_error err;
    wg_graph *g = wg_graph_read_string("input x = 0.5\ninput y = 0.2\ninput q = 1.5\n"
                                       "p = sin(x) * exp(x) + y\n"
                                       "r = sqrt(q) * cosh(y) - atan(q)\n"
                                       "output p, r\n", "sweep", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    int bug = wg_bug_find("adj-overwrite");
    wg_graph *s = shrink_and_check(g, bug, "hand");
    /* a node with two consumers must stay: at least an input used twice */
    CU_ASSERT(wg_tape_size(wg_graph_tape(s)) >= 2);
    CU_ASSERT(wg_tape_size(wg_graph_tape(s)) <= 4);
    wg_graph_free(s);
    wg_graph_free(g);
}

/* ---------------------------------------------------------------- refusals and budget */

static void not_failing(void)
{
    wg_graph *g = wg_fuzz_gen(NULL, 1, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_shrink_options o = shrink_opts(-1);
    wg_shrink_result r;
    char why[256] = "";
    CU_ASSERT_EQUAL(wg_shrink(g, &o, &r, why, sizeof why), WG_EINVAL);
    CU_ASSERT_PTR_NULL(r.graph);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "nothing to shrink"));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "verdict pass"));

    /* a bug of an op the graph does not have: the same */
    wg_graph *h = wg_graph_read_string("input x = 0.3\ny = sin(x)\noutput y\n", "h", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    o = shrink_opts(wg_bug_find("cos-sign"));
    why[0] = '\0';
    CU_ASSERT_EQUAL(wg_shrink(h, &o, &r, why, sizeof why), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "verdict pass"));
    /* cbrt-negative at a positive argument does not act */
    wg_graph_free(h);
    h = wg_graph_read_string("input x = 0.3\ny = cbrt(x)\noutput y\n", "h", NULL);
    o = shrink_opts(wg_bug_find("cbrt-negative"));
    CU_ASSERT_EQUAL(wg_shrink(h, &o, &r, why, sizeof why), WG_EINVAL);

    /* bad arguments */
    why[0] = '\0';
    CU_ASSERT_EQUAL(wg_shrink(NULL, &o, &r, why, sizeof why), WG_EINVAL);
    CU_ASSERT(strlen(why) > 0);
    CU_ASSERT_EQUAL(wg_shrink(h, &o, NULL, why, sizeof why), WG_EINVAL);
    o.bug = wg_bug_count();
    why[0] = '\0';
    CU_ASSERT_EQUAL(wg_shrink(h, &o, &r, why, sizeof why), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "bug"));
    o.bug = -2;
    CU_ASSERT_EQUAL(wg_shrink(h, &o, &r, NULL, 0), WG_EINVAL);
    /* a graph without outputs: the check's own message */
    wg_graph *e = wg_graph_new();
    wg_graph_add_input(e, "x", 1.0);
    o = shrink_opts(-1);
    why[0] = '\0';
    CU_ASSERT_EQUAL(wg_shrink(e, &o, &r, why, sizeof why), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "no outputs"));
    wg_graph_free(e);
    wg_graph_free(h);
    wg_graph_free(g);
}

static void budget(void)
{
    int bug = wg_bug_find("cos-sign");
    uint64_t seed = 0;
    wg_graph *g = failing_graph(bug, 1, &seed);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_op blamed;
    CU_ASSERT_FATAL(fails_as(g, bug, WG_OP_COUNT, &blamed));
    for (unsigned max = 0; max <= 4; max += 2) {
        wg_shrink_options o = shrink_opts(bug);
        o.max_checks = max;
        wg_shrink_result r;
        CU_ASSERT_EQUAL_FATAL(wg_shrink(g, &o, &r, NULL, 0), WG_OK);
        CU_ASSERT_EQUAL(r.budget_hit, 1);
        CU_ASSERT_EQUAL(r.checks, max);
        CU_ASSERT(r.nodes_after <= r.nodes_before);
        CU_ASSERT_EQUAL(r.blamed_op, blamed);
        CU_ASSERT(fails_as(r.graph, bug, blamed, NULL));
        wg_graph_free(r.graph);
    }
    wg_graph_free(g);
}

/* ---------------------------------------------------------------- reproducers */

static char scratch[256];

static int has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == '\0'))
            return 1;
    return 0;
}

/* no temporary file is left next to a saved one */
static int leftovers(void)
{
    DIR *d = opendir(scratch);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void repro_round_trip(void)
{
    int bug = wg_bug_find("sqrt-reverse");
    uint64_t seed = 0;
    wg_graph *g = failing_graph(bug, 1, &seed);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_shrink_options o = shrink_opts(bug);
    wg_shrink_result r;
    CU_ASSERT_EQUAL_FATAL(wg_shrink(g, &o, &r, NULL, 0), WG_OK);
    char *want = text_of(r.graph);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);

    static const char *const names[] = { "repro.wg", "a repro's file.wg" };
    for (size_t k = 0; k < 2; k++) {
        char path[512], what[128], origin[64], line[1024];
        snprintf(path, sizeof path, "%s/%s", scratch, names[k]);
        snprintf(what, sizeof what, "fail (reverse) blamed on op sqrt at node %ld", r.blamed_node);
        snprintf(origin, sizeof origin, "generator seed %llu", (unsigned long long)seed);
        wg_repro_info info = { what, "wengert-verify --check FILE # not PROFILE",
                               origin };
        char why[512] = "unchanged";
        /* written twice: the second replaces the first */
        CU_ASSERT_EQUAL(wg_repro_save(r.graph, &info, path, why, sizeof why), WG_OK);
        CU_ASSERT_EQUAL(wg_repro_save(r.graph, &info, path, why, sizeof why), WG_OK);
        CU_ASSERT_STRING_EQUAL(why, "");
        CU_ASSERT_EQUAL(leftovers(), 0);

        char *file = slurp(path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(file);
        snprintf(line, sizeof line, "# wengert reproducer: %s", what);
        CU_ASSERT(has_line(file, line));
        CU_ASSERT(strncmp(file, line, strlen(line)) == 0);     /* the first line */
        snprintf(line, sizeof line, "# from: %s", origin);
        CU_ASSERT(has_line(file, line));
        if (k == 0)
            snprintf(line, sizeof line,
                     "# reproduce: wengert-verify --check %s # not PROFILE", path);
        else        /* a path with a space and a quote is one shell word */
            snprintf(line, sizeof line, "# reproduce: wengert-verify --check "
                     "'%s/a repro'\\''s file.wg' # not PROFILE", scratch);
        if (!has_line(file, line))
            fprintf(stderr, "\n  no line \"%s\" in\n%s", line, file);
        CU_ASSERT(has_line(file, line));
        /* the graph's own text follows the header unchanged */
        const char *body = strstr(file, "# wengert graph:");
        CU_ASSERT(body && strcmp(body, want) == 0);

        /* it reads back as the same graph, which still fails */
        wg_parse_error err;
        wg_graph *back = wg_graph_read_file(path, &err);
        if (!back)
            fprintf(stderr, "\n  %s\n", err.message);
        CU_ASSERT_PTR_NOT_NULL_FATAL(back);
        char *again = text_of(back);
        CU_ASSERT(again && strcmp(again, want) == 0);
        CU_ASSERT(fails_as(back, bug, r.blamed_op, NULL));
        free(again);
        wg_graph_free(back);
        free(file);
        remove(path);
    }

    /* lines in what or origin cannot break the comment */
    char path[512];
    snprintf(path, sizeof path, "%s/lines.wg", scratch);
    wg_repro_info info = { "two\nlines", "cat FILE", "a\r\nb" };
    CU_ASSERT_EQUAL(wg_repro_save(r.graph, &info, path, NULL, 0), WG_OK);
    wg_graph *back = wg_graph_read_file(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(back);
    char *file = slurp(path);
    CU_ASSERT(file && has_line(file, "# wengert reproducer: two lines"));
    CU_ASSERT(file && has_line(file, "# from: a  b"));
    free(file);
    wg_graph_free(back);
    remove(path);

    /* to a stream; without info only the first header line */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL(wg_repro_write(r.graph, NULL, NULL, m), WG_OK);
    fclose(m);
    CU_ASSERT(buf && strncmp(buf, "# wengert reproducer\n# wengert graph:", 37) == 0);
    free(buf);
    CU_ASSERT_EQUAL(wg_repro_write(NULL, NULL, NULL, stdout), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_repro_write(r.graph, NULL, NULL, NULL), WG_EINVAL);

    free(want);
    wg_graph_free(r.graph);
    wg_graph_free(g);
}

static void repro_save_errors(void)
{
    wg_graph *g = wg_graph_read_string("input x = 0.3\ny = sin(x)\noutput y\n", "g", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_repro_info info = { "what", "cat FILE", "here" };
    char path[512], why[1024] = "";
    snprintf(path, sizeof path, "%s/no/such/dir/repro.wg", scratch);
    CU_ASSERT_EQUAL(wg_repro_save(g, &info, path, why, sizeof why), WG_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, strerror(ENOENT)));
    CU_ASSERT(access(path, F_OK) != 0);

    /* a directory in the way of the rename */
    snprintf(path, sizeof path, "%s", scratch);
    why[0] = '\0';
    CU_ASSERT_EQUAL(wg_repro_save(g, &info, path, why, sizeof why), WG_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, path));
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    CU_ASSERT(access(tmp, F_OK) != 0);

    CU_ASSERT_EQUAL(wg_repro_save(NULL, &info, path, why, sizeof why), WG_EINVAL);
    CU_ASSERT(strlen(why) > 0);
    CU_ASSERT_EQUAL(wg_repro_save(g, &info, NULL, why, sizeof why), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_repro_save(g, &info, "", why, sizeof why), WG_EINVAL);
    wg_graph_free(g);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/wg-shrink-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(scratch)) {
        perror("test_shrink: mkdtemp");
        return 99;
    }
    printf("\n");
    static const wg_test_case cases[] = {
        { "wrong sign (cos-sign)", wrong_sign },
        { "reverse mode only (sqrt-reverse)", reverse_only },
        { "negative arguments only (cbrt-negative)", negative_only },
        { "the sweep's adjoint overwrite (adj-overwrite)", sweep_overwrite },
        { "the constant-operand variant (mul_c-constant)", constant_variant },
        { "a replay's NaN: a tape left failed at its point (eval-expm1-nan)", replay_nan },
        { "a replay's wrong value off the outputs' paths (eval-sinh-off)", replay_off },
        { "derivatives after a replay (eval-log-stale)", replay_stale },
        { "a hand-built graph shrinks to input -> cos -> output", hand_built },
        { "a hand-built graph with the sweep's bug", hand_built_sweep },
        { "a graph that does not fail, and bad arguments", not_failing },
        { "the check budget", budget },
        { "reproducer files read back as the graph", repro_round_trip },
        { "reproducer save errors name the path", repro_save_errors },
        { NULL, NULL }
    };
    int rc = wg_test_main("shrink", cases);
    rmdir(scratch);
    mpfr_free_cache();
    return rc;
}
