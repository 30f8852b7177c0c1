/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_graph.c -- the graph object: named inputs and outputs over a tape,
 * the names it refuses, and node names as the writer and traces use them. */
#include "test_util.h"
#include "wengert.h"

static void graph_inputs_outputs(void)
{
    wg_graph *g = wg_graph_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_tape *t = wg_graph_tape(g);
    wg_var a = wg_graph_add_input(g, "alpha", 1.5);
    wg_var b = wg_graph_add_input(g, "b_2", -3);
    CU_ASSERT(a.id != 0 && b.id != 0);
    wg_var y = wg_mul(t, a, b);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "y", y), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_ninputs(g), 2);
    CU_ASSERT_EQUAL(wg_graph_noutputs(g), 1);
    CU_ASSERT_STRING_EQUAL(wg_graph_input_name(g, 0), "alpha");
    CU_ASSERT_STRING_EQUAL(wg_graph_input_name(g, 1), "b_2");
    CU_ASSERT_EQUAL(wg_graph_input(g, 1).id, b.id);
    CU_ASSERT_EQUAL(wg_graph_output(g, 0).id, y.id);
    CU_ASSERT_STRING_EQUAL(wg_graph_output_name(g, 0), "y");
    /* out of range: NULL names, invalid handles */
    CU_ASSERT_PTR_NULL(wg_graph_input_name(g, 2));
    CU_ASSERT_PTR_NULL(wg_graph_output_name(g, 1));
    CU_ASSERT_EQUAL(wg_graph_input(g, 2).id, 0);
    CU_ASSERT_EQUAL(wg_graph_output(g, 1).id, 0);

    char buf[32];
    CU_ASSERT_STRING_EQUAL(wg_graph_node_name(g, 0, buf, sizeof buf), "alpha");
    CU_ASSERT_STRING_EQUAL(wg_graph_node_name(g, 2, buf, sizeof buf), "v2");
    wg_graph_free(g);
}

static void graph_refuses_bad_names(void)
{
    static const char *const bad[] = { "", "1x", "x-y", "sin", "input", "output", "v7", "v0",
                                       "add_c", "a b" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        wg_graph *g = wg_graph_new();
        wg_var v = wg_graph_add_input(g, bad[k], 1);
        CU_ASSERT_EQUAL(v.id, 0);
        CU_ASSERT_EQUAL(wg_status(wg_graph_tape(g)), WG_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(wg_graph_tape(g)), "cannot name an input"));
        CU_ASSERT_EQUAL(wg_graph_ninputs(g), 0);
        wg_graph_free(g);
    }
    /* "v" alone and "v1x" are ordinary identifiers, not node names */
    wg_graph *g = wg_graph_new();
    CU_ASSERT(wg_graph_add_input(g, "v", 1).id != 0);
    CU_ASSERT(wg_graph_add_input(g, "v1x", 1).id != 0);
    CU_ASSERT(wg_graph_add_input(g, NULL, 1).id == 0);
    wg_graph_free(g);
}

static void graph_refuses_duplicates(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    wg_var x = wg_graph_add_input(g, "x", 1);
    wg_var y = wg_exp(t, x);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "y", y), WG_OK);
    /* a second output of the same name, a bad name, a foreign handle */
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "y", x), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "already defined"));
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "2y", x), WG_EINVAL);
    wg_tape *other = wg_tape_new();
    wg_var z = wg_input(other, 1);
    wg_var z2 = wg_input(other, 2);
    wg_var z3 = wg_input(other, 3);
    (void)z;
    (void)z2;
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "z", z3), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_graph_noutputs(g), 1);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);     /* refused calls do not fail the tape */
    wg_tape_free(other);

    /* a duplicate input fails the tape, as recording errors do */
    CU_ASSERT_EQUAL(wg_graph_add_input(g, "x", 2).id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "already defined as node 0"));
    /* and later calls on the failed tape do nothing */
    CU_ASSERT_EQUAL(wg_graph_add_input(g, "w", 2).id, 0);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "w", y), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_graph_ninputs(g), 1);
    wg_graph_free(g);
}

static void graph_null_safe(void)
{
    char buf[8];
    CU_ASSERT_PTR_NULL(wg_graph_tape(NULL));
    CU_ASSERT_EQUAL(wg_graph_ninputs(NULL), 0);
    CU_ASSERT_EQUAL(wg_graph_noutputs(NULL), 0);
    CU_ASSERT_EQUAL(wg_graph_input(NULL, 0).id, 0);
    CU_ASSERT_EQUAL(wg_graph_output(NULL, 0).id, 0);
    CU_ASSERT_EQUAL(wg_graph_add_input(NULL, "x", 1).id, 0);
    CU_ASSERT_EQUAL(wg_graph_add_output(NULL, "x", wg_tape_var(NULL, 0)), WG_EINVAL);
    CU_ASSERT_STRING_EQUAL(wg_graph_node_name(NULL, 4, buf, sizeof buf), "v4");
    wg_graph_free(NULL);
}

/* Names are hashed: among 200,000 inputs and outputs, a duplicate is still
 * found and named with the node it repeats, and every name still finds
 * its own node (the reader's time per input is flat: make bench-read). */
static void graph_hashed_names(void)
{
    enum { N = 200000 };
    wg_graph *g = wg_graph_new();
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "x%d", i);
        wg_var v = wg_graph_add_input(g, name, i);
        if (!v.id) {
            CU_FAIL("an input was refused");
            break;
        }
        snprintf(name, sizeof name, "y%d", i);
        if (wg_graph_add_output(g, name, v) != WG_OK) {
            CU_FAIL("an output was refused");
            break;
        }
    }
    CU_ASSERT_EQUAL(wg_graph_ninputs(g), N);
    CU_ASSERT_STRING_EQUAL(wg_graph_input_name(g, 123456), "x123456");
    CU_ASSERT_EQUAL(wg_var_index(wg_graph_tape(g), wg_graph_output(g, 123456)), 123456);
    CU_ASSERT_EQUAL(wg_graph_add_output(g, "y199999", wg_graph_input(g, 0)), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(wg_graph_tape(g)), "output 'y199999' is already"));
    CU_ASSERT_EQUAL(wg_graph_add_input(g, "x170001", 1).id, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(wg_graph_tape(g)),
                                  "input 'x170001' is already defined as node 170001"));
    wg_graph_free(g);
}

static void graph_many_inputs(void)
{
    /* slot lookup is a binary search over increasing node indices */
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    char name[16], buf[16];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "x%d", i);
        wg_var x = wg_graph_add_input(g, name, i);
        CU_ASSERT_FATAL(x.id != 0);
        wg_sin(t, x);                 /* interleave ops so indices are not 0..n-1 */
    }
    CU_ASSERT_EQUAL(wg_graph_ninputs(g), 300);
    for (size_t i = 0; i < wg_tape_size(t); i++) {
        snprintf(name, sizeof name, i % 2 ? "v%zu" : "x%zu", i % 2 ? i : i / 2);
        CU_ASSERT_STRING_EQUAL(wg_graph_node_name(g, i, buf, sizeof buf), name);
    }
    wg_graph_free(g);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "inputs, outputs and node names", graph_inputs_outputs },
        { "names an input may not take", graph_refuses_bad_names },
        { "duplicates and foreign handles", graph_refuses_duplicates },
        { "NULL graph", graph_null_safe },
        { "300 inputs among ops", graph_many_inputs },
        { "200,000 names: duplicates found by hash", graph_hashed_names },
        { NULL, NULL }
    };
    return wg_test_main("graph", cases);
}
