/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_errors.c -- every way a tape or a call can fail: the status, the
 * message (node, op, argument), what is left behind, and that the tape
 * recovers where the documentation says it does. */
#include "test_util.h"
#include "wengert.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double one = 1.0;

/* the message contains every one of the given pieces */
static int says(const char *msg, const char *a, const char *b, const char *c)
{
    int ok = msg && strstr(msg, a) && (!b || strstr(msg, b)) && (!c || strstr(msg, c));
    if (!ok)
        fprintf(stderr, "\n  message \"%s\" lacks \"%s\"%s%s%s%s\n", msg ? msg : "(null)", a,
                b ? " / \"" : "", b ? b : "", c ? "\" / \"" : "", c ? c : "");
    return ok;
}

/* the same IEEE value: equal, or both NaN */
static int same_ieee(double x, double y)
{
    return (isnan(x) && isnan(y)) || x == y;
}

/* ------------------------------------------------------------------ EDOM */

static void domain_errors(void)
{
    static const struct {
        wg_op op;
        double a, b;            /* b: second operand, or the constant */
        double ieee;            /* what the IEEE operation gives there */
        const char *arg;        /* how the message shows the argument(s) */
    } cases[] = {
        { WG_OP_LOG, -1, 0, NAN, "-1" },
        { WG_OP_LOG, 0, 0, -INFINITY, "argument 0" },
        { WG_OP_SQRT, -1, 0, NAN, "-1" },
        { WG_OP_DIV, 3, 0, INFINITY, "(3, 0)" },
        { WG_OP_DIV, -3, 0, -INFINITY, "(-3, 0)" },
        { WG_OP_RECIP, 0, 0, INFINITY, "argument 0" },
        { WG_OP_ACOS, 2, 0, NAN, "2" },
        { WG_OP_ASIN, -1.5, 0, NAN, "-1.5" },
        { WG_OP_LOG1P, -1, 0, -INFINITY, "-1" },
        { WG_OP_LOG1P, -2, 0, NAN, "-2" },
        { WG_OP_POW, -2, 0.5, NAN, "(-2, 0.5)" },
        { WG_OP_POW, -2, 3, -8, "(-2, 3)" },     /* defined, but not d/db */
        { WG_OP_POW, 0, 2, 0, "(0, 2)" },
        { WG_OP_ATAN2, 0, 0, 0, "(0, 0)" },
        { WG_OP_POW_C, -2, 0.5, NAN, "-2 with constant 0.5" },
        { WG_OP_POW_C, 0, -1, INFINITY, "0 with constant -1" },
        { WG_OP_POWI, 0, -1, INFINITY, "0 with constant -1" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        wg_tape *t = wg_tape_new();
        wg_op op = cases[k].op;
        int binary = wg_op_arity(op) == 2;
        wg_var x = wg_input(t, cases[k].a);
        wg_var b = binary ? wg_input(t, cases[k].b) : x;
        size_t node = binary ? 2 : 1;
        wg_var y = wg_apply(t, op, x, b, cases[k].b);
        char where[32], name[32];
        snprintf(where, sizeof where, "node %zu", node);
        snprintf(name, sizeof name, "(%s)", wg_op_name(op));

        CU_ASSERT_EQUAL(wg_status(t), WG_EDOM);
        CU_ASSERT(says(wg_errmsg(t), where, name, cases[k].arg));
        /* the node is recorded, with the IEEE value */
        CU_ASSERT_EQUAL(wg_tape_size(t), node + 1);
        CU_ASSERT(y.id != 0);
        CU_ASSERT(same_ieee(wg_value(t, y), cases[k].ieee));
        CU_ASSERT(same_ieee(wg_node_value(t, node), cases[k].ieee));

        /* the tape has failed: recording does nothing and returns the
         * invalid handle; the first message stays */
        char first[400];
        snprintf(first, sizeof first, "%s", wg_errmsg(t));
        CU_ASSERT_EQUAL(wg_sin(t, x).id, 0);
        CU_ASSERT_EQUAL(wg_input(t, 1).id, 0);
        CU_ASSERT_EQUAL(wg_const(t, 1).id, 0);
        CU_ASSERT_EQUAL(wg_log(t, wg_input(t, -5)).id, 0);
        CU_ASSERT_EQUAL(wg_add_c(t, x, 1).id, 0);
        CU_ASSERT_EQUAL(wg_powi(t, x, 2).id, 0);
        CU_ASSERT_EQUAL(wg_lt(t, x, x), 0);
        CU_ASSERT_EQUAL(wg_apply(t, WG_OP_MUL, x, x, 0).id, 0);
        CU_ASSERT_EQUAL(wg_tape_size(t), node + 1);
        CU_ASSERT_EQUAL(wg_status(t), WG_EDOM);
        CU_ASSERT_STRING_EQUAL(wg_errmsg(t), first);

        /* every driver returns the tape's status */
        double g = 0, d = 0, J = 0;
        CU_ASSERT_EQUAL(wg_grad(t, y, 1, &x, &g), WG_EDOM);
        CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, &one, 1, &y, &d), WG_EDOM);
        CU_ASSERT_EQUAL(wg_vjp(t, 1, &y, &one, 1, &x, &g), WG_EDOM);
        CU_ASSERT_EQUAL(wg_jacobian(t, 1, &y, 1, &x, &J), WG_EDOM);
        CU_ASSERT_EQUAL(wg_jacobian_fwd(t, 1, &y, 1, &x, &J), WG_EDOM);
        CU_ASSERT_EQUAL(wg_jacobian_rev(t, 1, &y, 1, &x, &J), WG_EDOM);
        CU_ASSERT_EQUAL(wg_backward(t, y, 1), WG_EDOM);
        /* a recording error is not the point's: a replay does not clear it */
        double v = 0.5;
        CU_ASSERT_EQUAL(wg_eval(t, 1, &x, &v), WG_EDOM);
        CU_ASSERT_EQUAL(wg_status(t), WG_EDOM);

        /* wg_tape_clear does */
        wg_tape_clear(t);
        CU_ASSERT_EQUAL(wg_status(t), WG_OK);
        CU_ASSERT_EQUAL(wg_tape_size(t), 0);
        wg_var z = wg_input(t, 4);
        CU_ASSERT_EQUAL(wg_value(t, wg_sqrt(t, z)), 2);
        CU_ASSERT_EQUAL(wg_status(t), WG_OK);
        wg_tape_free(t);
    }
}

/* ------------------------------------------------------------------ ERANGE */

static void range_errors(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 1000);
    wg_var y = wg_exp(t, x);
    CU_ASSERT_EQUAL(wg_status(t), WG_ERANGE);
    CU_ASSERT(says(wg_errmsg(t), "node 1", "(exp)", "1000"));
    CU_ASSERT_EQUAL(wg_value(t, y), INFINITY);
    CU_ASSERT_EQUAL(wg_sin(t, x).id, 0);
    CU_ASSERT_EQUAL(wg_tape_size(t), 2);

    wg_tape_clear(t);
    wg_var a = wg_input(t, 1e200), b = wg_input(t, -1e200);
    wg_var p = wg_mul(t, a, b);
    CU_ASSERT_EQUAL(wg_status(t), WG_ERANGE);
    char big[32];
    snprintf(big, sizeof big, "%.17g", 1e200);      /* the message shows all 17 digits */
    CU_ASSERT(says(wg_errmsg(t), "node 2", "(mul)", big));
    CU_ASSERT_EQUAL(wg_value(t, p), -INFINITY);
    double g;
    CU_ASSERT_EQUAL(wg_grad(t, p, 1, &a, &g), WG_ERANGE);
    wg_tape_free(t);
}

/* an infinite partial on the path: WG_ERANGE from the call, naming the
 * node; the tape itself stays usable */
static void infinite_partial_on_the_path(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 0);                      /* node 0 */
    wg_var s = wg_sqrt(t, x);                       /* node 1: sqrt'(0) = inf */
    wg_var z = wg_input(t, 2);                      /* node 2 */
    wg_var f = wg_add(t, wg_mul(t, z, z), s);       /* nodes 3, 4 */
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, s), 0);
    double g[2], d;
    wg_var xz[2] = { x, z };

    CU_ASSERT_EQUAL(wg_grad(t, f, 1, &x, g), WG_ERANGE);
    CU_ASSERT(says(wg_errmsg(t), "node 1", "(sqrt)", NULL));
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);           /* the call failed, not the tape */
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, &one, 1, &f, &d), WG_ERANGE);
    CU_ASSERT(says(wg_errmsg(t), "node 1", "(sqrt)", NULL));
    CU_ASSERT_EQUAL(wg_grad(t, f, 2, xz, g), WG_ERANGE);
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, 1, &f, 2, xz, g), WG_ERANGE);
    CU_ASSERT_EQUAL(wg_jacobian_rev(t, 1, &f, 2, xz, g), WG_ERANGE);
    CU_ASSERT_EQUAL(wg_backward(t, f, 1), WG_ERANGE);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);

    /* not through it: along z alone the sqrt node is swept with a zero
     * tangent or adjoint (strong zero), and the answer is finite */
    CU_ASSERT_EQUAL(wg_grad(t, f, 1, &z, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 4);
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &z, &one, 1, &f, &d), WG_OK);
    CU_ASSERT_EQUAL(d, 4);
    double u[2] = { 0, 1 };
    CU_ASSERT_EQUAL(wg_jvp(t, 2, xz, u, 1, &f, &d), WG_OK);
    CU_ASSERT_EQUAL(d, 4);
    /* cut by stop_gradient, or multiplied by zero before the reverse sweep
     * reaches it: the adjoint of the sqrt node is 0 */
    wg_var f2 = wg_add(t, wg_mul(t, z, z), wg_stop_gradient(t, s));
    wg_var f3 = wg_add(t, wg_mul(t, z, z), wg_mul(t, s, wg_const(t, 0)));
    CU_ASSERT_EQUAL(wg_grad(t, f2, 2, xz, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 0);
    CU_ASSERT_EQUAL(g[1], 4);
    CU_ASSERT_EQUAL(wg_jvp(t, 2, xz, (double[]){ 1, 0 }, 1, &f2, &d), WG_OK);
    CU_ASSERT_EQUAL(d, 0);
    CU_ASSERT_EQUAL(wg_grad(t, f3, 2, xz, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 0);
    CU_ASSERT_EQUAL(g[1], 4);
    /* forward agrees: a zero partial times the infinite tangent of sqrt is 0 */
    CU_ASSERT_EQUAL(wg_jvp(t, 2, xz, (double[]){ 1, 0 }, 1, &f3, &d), WG_OK);
    CU_ASSERT_EQUAL(d, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);

    /* with two infinite partials in the swept range, the message names the
     * one on the path: here log at the least subnormal (1/a overflows), not
     * the sqrt at 0 that nothing reaches */
    wg_tape_clear(t);
    x = wg_input(t, 0);                             /* node 0 */
    s = wg_sqrt(t, x);                              /* node 1: not on the path */
    wg_var w = wg_input(t, DBL_TRUE_MIN);           /* node 2 */
    wg_var l = wg_log(t, w);                        /* node 3 */
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    wg_var xw[2] = { x, w };
    CU_ASSERT_EQUAL(wg_grad(t, l, 2, xw, g), WG_ERANGE);
    CU_ASSERT(says(wg_errmsg(t), "node 3", "(log)", NULL));
    u[0] = 0;                                       /* forward: x not seeded */
    u[1] = 1;
    CU_ASSERT_EQUAL(wg_jvp(t, 2, xw, u, 1, &l, &d), WG_ERANGE);
    CU_ASSERT(says(wg_errmsg(t), "node 3", "(log)", NULL));
    CU_ASSERT_EQUAL(wg_backward(t, l, 1), WG_ERANGE);
    CU_ASSERT(says(wg_errmsg(t), "node 3", "(log)", NULL));
    wg_tape_free(t);
}

/* ------------------------------------------------------------------ EINVAL */

static void invalid_values(void)
{
    static const double bad[] = { NAN, INFINITY, -INFINITY };
    for (int k = 0; k < 3; k++) {
        wg_tape *t = wg_tape_new();
        wg_var x = wg_input(t, 1);
        CU_ASSERT_EQUAL(wg_input(t, bad[k]).id, 0);
        CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
        CU_ASSERT(says(wg_errmsg(t), "node 1", "(input)", "not finite"));
        CU_ASSERT_EQUAL(wg_tape_size(t), 1);
        CU_ASSERT_EQUAL(wg_sin(t, x).id, 0);
        wg_tape_clear(t);
        CU_ASSERT_EQUAL(wg_const(t, bad[k]).id, 0);
        CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
        CU_ASSERT(says(wg_errmsg(t), "node 0", "(const)", "not finite"));
        wg_tape_clear(t);
        x = wg_input(t, 1);
        CU_ASSERT_EQUAL(wg_add_c(t, x, bad[k]).id, 0);
        CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
        CU_ASSERT(says(wg_errmsg(t), "node 1", "(add_c)", "constant"));
        wg_tape_clear(t);
        x = wg_input(t, 1);
        CU_ASSERT_EQUAL(wg_apply(t, WG_OP_POWI, x, x, bad[k]).id, 0);
        CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
        wg_tape_free(t);
    }
}

static void invalid_handles(void)
{
    wg_tape *t = wg_tape_new(), *other = wg_tape_new();
    wg_var x = wg_input(t, 1), ox = wg_input(other, 1);
    wg_var zero = { 0 };

    /* the zero handle */
    CU_ASSERT_EQUAL(wg_sin(t, zero).id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
    CU_ASSERT(says(wg_errmsg(t), "node 1", "(sin)", "invalid handle"));
    CU_ASSERT_EQUAL(wg_tape_size(t), 1);

    /* a handle of another tape, in the second slot */
    wg_tape_clear(t);
    x = wg_input(t, 1);
    CU_ASSERT_EQUAL(wg_mul(t, x, ox).id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
    CU_ASSERT(says(wg_errmsg(t), "node 1", "(mul)", "operand 2"));
    CU_ASSERT(says(wg_errmsg(t), "another tape", NULL, NULL));
    CU_ASSERT(isnan(wg_value(t, ox)));
    CU_ASSERT_EQUAL(wg_var_valid(t, ox), 0);
    CU_ASSERT_EQUAL(wg_var_index(t, ox), (size_t)-1);

    /* a handle of this tape past its end */
    wg_tape_clear(t);
    x = wg_input(t, 1);
    wg_var past = { x.id + 5, x.tag };
    CU_ASSERT_EQUAL(wg_var_valid(t, past), 0);
    CU_ASSERT_EQUAL(wg_exp(t, past).id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
    CU_ASSERT(says(wg_errmsg(t), "node 1", "(exp)", "past the end"));

    /* a handle from before wg_tape_clear: stale even though its index
     * exists again */
    wg_tape_clear(t);
    wg_var x1 = wg_input(t, 1);
    wg_input(t, 2);
    wg_tape_clear(t);
    wg_input(t, 3);
    wg_input(t, 4);
    CU_ASSERT_EQUAL(wg_var_valid(t, x1), 0);
    CU_ASSERT(isnan(wg_value(t, x1)));
    CU_ASSERT_EQUAL(wg_neg(t, x1).id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
    CU_ASSERT(says(wg_errmsg(t), "node 2", "(neg)", "wg_tape_clear"));

    /* the other tape was never touched */
    CU_ASSERT_EQUAL(wg_status(other), WG_OK);
    CU_ASSERT_EQUAL(wg_tape_size(other), 1);
    wg_tape_free(t);
    wg_tape_free(other);
}

/* The tag of a handle never comes back within a run: after 100 clears
 * (past the 63 tags of the old 6-bit encoding) a handle from before the
 * first is still refused, by recording calls and by drivers, and so is a
 * handle of another tape made any number of tapes earlier. */
static void stale_handles_after_many_clears(void)
{
    wg_tape *t = wg_tape_new();
    wg_var old = wg_input(t, 1);
    for (int k = 1; k <= 100; k++) {
        wg_tape_clear(t);
        wg_var x = wg_input(t, 2);
        wg_var y = wg_mul(t, x, x);
        CU_ASSERT_EQUAL(wg_var_valid(t, old), 0);
        double g;
        /* index 0 exists again and is an input: only the tag tells */
        if (wg_grad(t, old, 1, &x, &g) != WG_EINVAL || wg_grad(t, y, 1, &old, &g) != WG_EINVAL) {
            CU_FAIL("a handle from before the first clear was accepted");
            break;
        }
    }
    CU_ASSERT_EQUAL(wg_neg(t, old).id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
    CU_ASSERT(says(wg_errmsg(t), "another tape", "wg_tape_clear", NULL));

    /* a foreign handle, with 100 tapes made between the two */
    wg_tape *first = wg_tape_new();
    wg_var fx = wg_input(first, 1);
    for (int k = 0; k < 100; k++)
        wg_tape_free(wg_tape_new());
    wg_tape *u = wg_tape_new();
    wg_var ux = wg_input(u, 1);
    CU_ASSERT_EQUAL(wg_var_valid(u, fx), 0);
    double g;
    CU_ASSERT_EQUAL(wg_grad(u, ux, 1, &fx, &g), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_add(u, ux, fx).id, 0);
    CU_ASSERT_EQUAL(wg_status(u), WG_EINVAL);
    wg_tape_free(first);
    wg_tape_free(u);
    wg_tape_free(t);
}

/* A driver refuses bad arguments with WG_EINVAL and a message, and the
 * tape stays usable: wg_status is still WG_OK. */
static void driver_arguments(void)
{
    wg_tape *t = wg_tape_new(), *other = wg_tape_new();
    wg_var x = wg_input(t, 2), y = wg_input(t, 3);
    wg_var s = wg_mul(t, x, y);
    wg_var f = wg_sin(t, s);
    wg_var ox = wg_input(other, 1);
    wg_var xs[2] = { x, y }, bad_x[2] = { x, s }, foreign[2] = { x, ox }, zero[1] = { { 0 } };
    wg_var stale = { x.id + 100, x.tag };
    double g[4], u[2] = { 1, 1 }, w = 1, J[8], nan_u[2] = { 1, NAN }, v[2] = { 1, 2 };

#define REFUSED(call, a, b) do {                                            \
        CU_ASSERT_EQUAL(call, WG_EINVAL);                                   \
        CU_ASSERT(says(wg_errmsg(t), a, b, NULL));                          \
        CU_ASSERT_EQUAL(wg_status(t), WG_OK);                               \
    } while (0)

    /* NULL arrays with a nonzero length */
    REFUSED(wg_grad(t, f, 2, NULL, g), "wg_", "NULL");
    REFUSED(wg_grad(t, f, 2, xs, NULL), "wg_", "NULL");
    REFUSED(wg_vjp(t, 1, &f, NULL, 2, xs, g), "w", "NULL");
    REFUSED(wg_vjp(t, 1, NULL, &w, 2, xs, g), "y", "NULL");
    REFUSED(wg_jvp(t, 2, xs, NULL, 1, &f, g), "wg_jvp", "NULL");
    REFUSED(wg_jvp(t, 2, xs, u, 1, &f, NULL), "wg_jvp", "NULL");
    REFUSED(wg_jvp(t, 2, NULL, u, 1, &f, g), "wg_jvp", "NULL");
    REFUSED(wg_jvp_multi(t, 2, xs, 2, NULL, 1, &f, g), "wg_jvp", "NULL");
    REFUSED(wg_jacobian(t, 1, &f, 2, xs, NULL), "wg_jacobian", "NULL");
    REFUSED(wg_jacobian_fwd(t, 1, &f, 2, xs, NULL), "wg_jacobian_fwd", "NULL");
    REFUSED(wg_jacobian_rev(t, 1, &f, 2, xs, NULL), "wg_jacobian_rev", "NULL");
    REFUSED(wg_eval(t, 2, xs, NULL), "wg_eval", "NULL");
    REFUSED(wg_eval(t, 2, NULL, v), "wg_eval", "NULL");

    /* a non-input in the x list of the forward drivers and wg_eval */
    REFUSED(wg_jvp(t, 2, bad_x, u, 1, &f, g), "x[1]", "not an input");
    REFUSED(wg_jvp_multi(t, 2, bad_x, 1, u, 1, &f, g), "x[1]", "not an input");
    REFUSED(wg_jacobian(t, 3, (wg_var[]){ f, s, x }, 2, bad_x, J), "x[1]", "not an input");
    REFUSED(wg_jacobian(t, 1, &f, 2, bad_x, J), "x[1]", "not an input");
    REFUSED(wg_jacobian_fwd(t, 1, &f, 2, bad_x, J), "x[1]", "not an input");
    REFUSED(wg_jacobian_rev(t, 1, &f, 2, bad_x, J), "x[1]", "not an input");
    REFUSED(wg_eval(t, 2, bad_x, v), "x[1]", "not an input");

    /* handles that are not live: zero, foreign, past the end */
    REFUSED(wg_grad(t, zero[0], 2, xs, g), "wg_", "live handle");
    REFUSED(wg_grad(t, f, 1, zero, g), "x[0]", "live handle");
    REFUSED(wg_grad(t, f, 2, foreign, g), "x[1]", "live handle");
    REFUSED(wg_jvp(t, 2, xs, u, 1, &ox, g), "y[0]", "live handle");
    REFUSED(wg_jvp(t, 1, &stale, u, 1, &f, g), "x[0]", "live handle");
    REFUSED(wg_eval(t, 2, foreign, v), "x[1]", "live handle");
    REFUSED(wg_backward(t, ox, 1), "wg_backward", "live handle");
    REFUSED(wg_backward(t, zero[0], 1), "wg_backward", "live handle");

    /* non-finite weights, directions, seeds and values */
    REFUSED(wg_vjp(t, 1, &f, (double[]){ NAN }, 2, xs, g), "w[0]", "not finite");
    REFUSED(wg_jvp(t, 2, xs, nan_u, 1, &f, g), "directions[1]", "not finite");
    REFUSED(wg_backward(t, f, INFINITY), "seed", "not finite");
    REFUSED(wg_eval(t, 2, xs, nan_u), "values[1]", "not finite");
#undef REFUSED

    /* none of it poisoned the tape: recording and sweeps still work */
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, x), 2);
    CU_ASSERT(wg_cos(t, f).id != 0);
    CU_ASSERT_EQUAL(wg_grad(t, f, 2, xs, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], cos(6.0) * 3);
    CU_ASSERT_EQUAL(g[1], cos(6.0) * 2);
    /* NULL with length 0 is fine */
    CU_ASSERT_EQUAL(wg_grad(t, f, 0, NULL, NULL), WG_OK);
    CU_ASSERT_EQUAL(wg_jvp(t, 0, NULL, NULL, 0, NULL, NULL), WG_OK);
    /* a NULL tape */
    CU_ASSERT_EQUAL(wg_grad(NULL, f, 2, xs, g), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_eval(NULL, 2, xs, v), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_status(NULL), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_input(NULL, 1).id, 0);
    wg_tape_free(t);
    wg_tape_free(other);
}

/* ------------------------------------------------------------------ EBRANCH */

static void branch_flips(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 1), y = wg_input(t, 2);          /* nodes 0, 1 */
    wg_var f;
    if (wg_lt(t, x, y))                                     /* node 2 */
        f = wg_mul(t, x, y);
    else
        f = wg_add(t, x, y);
    CU_ASSERT_EQUAL(wg_node_op(t, 3), WG_OP_MUL);
    wg_var xy[2] = { x, y };
    double g[2], d, J[2];

    double flip[2] = { 3, 2 };
    CU_ASSERT_EQUAL(wg_eval(t, 2, xy, flip), WG_EBRANCH);
    CU_ASSERT_EQUAL(wg_status(t), WG_EBRANCH);
    CU_ASSERT(says(wg_errmsg(t), "node 2", "(lt)", NULL));
    CU_ASSERT(says(wg_errmsg(t), "3", "2", NULL));
    /* the values follow the recorded branch; derivatives are refused */
    CU_ASSERT_EQUAL(wg_value(t, f), 6);
    CU_ASSERT_EQUAL(wg_grad(t, f, 2, xy, g), WG_EBRANCH);
    CU_ASSERT_EQUAL(wg_vjp(t, 1, &f, &one, 2, xy, g), WG_EBRANCH);
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, &one, 1, &f, &d), WG_EBRANCH);
    CU_ASSERT_EQUAL(wg_jacobian(t, 1, &f, 2, xy, J), WG_EBRANCH);
    CU_ASSERT_EQUAL(wg_backward(t, f, 1), WG_EBRANCH);
    /* a replay that changes nothing leaves the point, and its error, as
     * they are */
    CU_ASSERT_EQUAL(wg_eval(t, 0, NULL, NULL), WG_EBRANCH);
    CU_ASSERT_EQUAL(wg_grad(t, f, 2, xy, g), WG_EBRANCH);
    /* a replay of y alone leaves x = 3 where the branch flips */
    double y5 = 5;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &y, &y5), WG_OK);     /* 3 < 5 again: consistent */
    CU_ASSERT_EQUAL(wg_grad(t, f, 2, xy, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 5);
    double y1 = 1;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &y, &y1), WG_EBRANCH);   /* 3 < 1: flipped */
    double x0 = 0.5;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &x, &x0), WG_OK);        /* 0.5 < 1 */
    CU_ASSERT_EQUAL(wg_eval(t, 1, &y, &y1), WG_OK);

    /* at a consistent point everything works again */
    double ok[2] = { 0.5, 2 };
    CU_ASSERT_EQUAL(wg_eval(t, 2, xy, ok), WG_OK);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, f), 1);
    CU_ASSERT_EQUAL(wg_grad(t, f, 2, xy, g), WG_OK);
    CU_ASSERT_EQUAL(g[0], 2);
    CU_ASSERT_EQUAL(g[1], 0.5);
    /* recording continues on the recovered tape */
    CU_ASSERT(wg_exp(t, f).id != 0);
    wg_tape_free(t);
}

/* an earlier flipped comparison is not forgotten by a replay of a later
 * input alone */
static void branch_flip_before_replayed_inputs(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 1), y = wg_input(t, 2);          /* 0, 1 */
    CU_ASSERT_EQUAL(wg_le(t, x, y), 1);                     /* 2 */
    wg_var z = wg_input(t, 3);                              /* 3 */
    wg_var f = wg_mul(t, wg_mul(t, x, y), z);
    double x9 = 9, z4 = 4, g;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &x, &x9), WG_EBRANCH);
    CU_ASSERT_EQUAL(wg_eval(t, 1, &z, &z4), WG_EBRANCH);    /* x is still 9 */
    CU_ASSERT(says(wg_errmsg(t), "node 2", "(le)", NULL));
    CU_ASSERT_EQUAL(wg_grad(t, f, 1, &z, &g), WG_EBRANCH);
    wg_tape_free(t);
}

/* domain and range errors found by a replay belong to the point */
static void errors_at_a_point(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 1);                              /* 0 */
    wg_var l = wg_log(t, x);                                /* 1 */
    wg_var z = wg_input(t, 2);                              /* 2 */
    wg_var f = wg_add(t, wg_exp(t, z), z);                  /* 3, 4 */
    double g, v = -1;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &x, &v), WG_EDOM);
    CU_ASSERT(says(wg_errmsg(t), "node 1", "(log)", "-1"));
    CU_ASSERT(isnan(wg_value(t, l)));
    CU_ASSERT_EQUAL(wg_grad(t, l, 1, &x, &g), WG_EDOM);
    /* a replay of z alone keeps x = -1: still outside log's domain */
    double z1 = 1;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &z, &z1), WG_EDOM);
    CU_ASSERT_EQUAL(wg_grad(t, f, 1, &z, &g), WG_EDOM);
    v = 2;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &x, &v), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, l), log(2.0));
    CU_ASSERT_EQUAL(wg_grad(t, l, 1, &x, &g), WG_OK);
    CU_ASSERT_EQUAL(g, 0.5);

    double big = 1000;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &z, &big), WG_ERANGE);
    CU_ASSERT(says(wg_errmsg(t), "node 3", "(exp)", "1000"));
    CU_ASSERT_EQUAL(wg_grad(t, f, 1, &z, &g), WG_ERANGE);
    double small = -1;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &z, &small), WG_OK);
    CU_ASSERT_EQUAL(wg_grad(t, f, 1, &z, &g), WG_OK);
    CU_ASSERT_EQUAL(g, exp(-1.0) + 1);
    wg_tape_free(t);
}

/* ------------------------------------------------------------------ ENOMEM */

/* An allocator that fails every call after the first `budget` ones until
 * memory is `back`, and counts the blocks it has handed out. */
typedef struct {
    long calls, budget;
    int back, failed;
    long live;                  /* blocks allocated and not yet freed */
} fail_alloc;

static void *fa_realloc(void *ctx, void *p, size_t size)
{
    fail_alloc *a = ctx;
    if (!a->back && a->calls++ >= a->budget) {
        a->failed++;
        return NULL;
    }
    void *q = realloc(p, size);
    if (q && !p)
        a->live++;
    return q;
}

static void fa_free(void *ctx, void *p)
{
    fail_alloc *a = ctx;
    if (p)
        a->live--;
    free(p);
}

/* The values of the scenario's graph, from a tape with plenty of memory. */
#define SC_LEN 700              /* past the first two growths of the node arrays */

static void sc_record(wg_tape *t)
{
    wg_var x = wg_input(t, 0.5), y = wg_input(t, -0.25);
    wg_var v = x;
    for (int i = 0; i < SC_LEN; i++) {
        switch (i % 4) {
        case 0: v = wg_add(t, wg_mul_c(t, wg_sin(t, v), 0.5), y); break; /* constants grow too */
        case 1: v = wg_tanh(t, wg_mul(t, v, x)); break;
        case 2: v = wg_powi(t, wg_add_c(t, v, 1.5), 2); break;
        case 3: v = wg_mul_c(t, wg_sub(t, v, x), 0.25); break;
        }
    }
}

/* Run the scenario: make a tape, record, and call every allocating driver.
 * Whenever a step fails with WG_ENOMEM, check what is left behind, give the
 * memory back, and redo the step, so that one run meets exactly one failure:
 * the budget-th allocation.  Returns the number of allocator calls made. */
static long run_scenario(long budget, const double *ref_values, size_t ref_n, int *failures_seen)
{
    fail_alloc fa = { 0, budget, 0, 0, 0 };
    wg_allocator al = { fa_realloc, fa_free, &fa };
    wg_tape *t = wg_tape_new_with(&al);
    if (!t) {
        CU_ASSERT_EQUAL(budget, 0);                 /* only the first call can leave no tape */
        CU_ASSERT_EQUAL(fa.live, 0);
        fa.back = 1;
        t = wg_tape_new_with(&al);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        (*failures_seen)++;
    }

    sc_record(t);
    if (wg_status(t) == WG_ENOMEM) {
        (*failures_seen)++;
        CU_ASSERT(says(wg_errmsg(t), "node", "out of memory", NULL));
        /* the nodes recorded before the failure keep their values */
        size_t n = wg_tape_size(t);
        CU_ASSERT(n < ref_n);
        for (size_t i = 0; i < n && i < ref_n; i++)
            CU_ASSERT(wg_node_value(t, i) == ref_values[i]);
        /* the failed tape records nothing more */
        CU_ASSERT_EQUAL(wg_input(t, 1).id, 0);
        CU_ASSERT_EQUAL(wg_tape_size(t), n);
        /* memory back, clear, and the tape is as good as new */
        fa.back = 1;
        wg_tape_clear(t);
        CU_ASSERT_EQUAL(wg_status(t), WG_OK);
        sc_record(t);
    }
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_tape_size(t), ref_n);
    for (size_t i = 0; i < ref_n; i++)
        CU_ASSERT(wg_node_value(t, i) == ref_values[i]);

    wg_var x = wg_tape_var(t, 0), y = wg_tape_var(t, 1), f = wg_tape_var(t, ref_n - 1);
    wg_var f2 = wg_tape_var(t, ref_n / 2);
    wg_var xy[2] = { x, y }, fs[2] = { f, f2 };
    double g[2], gw[2], d, dw, J[4], Jw[4], Y[4], Yw[4], U[4] = { 1, 0.5, -1, 2 };

    /* each driver: the answer with memory to spare first, then under the
     * budget; a failure must be WG_ENOMEM with a message, must leave the
     * tape's status alone, and the same call must succeed once memory is
     * back */
#define UNDER_BUDGET(call, check) do {                                      \
        int s_ = (call);                                                    \
        if (s_ == WG_ENOMEM) {                                              \
            (*failures_seen)++;                                             \
            CU_ASSERT(says(wg_errmsg(t), "out of memory", NULL, NULL));     \
            CU_ASSERT_EQUAL(wg_status(t), WG_OK);                           \
            fa.back = 1;                                                    \
            s_ = (call);                                                    \
        }                                                                   \
        CU_ASSERT_EQUAL(s_, WG_OK);                                         \
        check;                                                              \
    } while (0)

    int was_back = fa.back;
    fa.back = 1;                                    /* the expected answers */
    CU_ASSERT_EQUAL(wg_grad(t, f, 2, xy, gw), WG_OK);
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, &one, 1, &f, &dw), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, 2, fs, 2, xy, Jw), WG_OK);
    CU_ASSERT_EQUAL(wg_jvp_multi(t, 2, xy, 2, U, 2, fs, Yw), WG_OK);
    /* a second tape for the under-budget calls, so that the scratch
     * buffers grown just now do not hide the allocations */
    fa.back = was_back;

    wg_tape *t2 = wg_tape_new_with(&al);
    if (!t2) {
        (*failures_seen)++;
        fa.back = 1;
        t2 = wg_tape_new_with(&al);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
    }
    sc_record(t2);
    if (wg_status(t2) == WG_ENOMEM) {
        (*failures_seen)++;
        fa.back = 1;
        wg_tape_clear(t2);
        sc_record(t2);
    }
    CU_ASSERT_EQUAL_FATAL(wg_status(t2), WG_OK);
    wg_tape_free(t);
    t = t2;
    x = wg_tape_var(t, 0);
    y = wg_tape_var(t, 1);
    f = wg_tape_var(t, ref_n - 1);
    f2 = wg_tape_var(t, ref_n / 2);
    xy[0] = x;
    xy[1] = y;
    fs[0] = f;
    fs[1] = f2;

    UNDER_BUDGET(wg_grad(t, f, 2, xy, g),
                 { CU_ASSERT(g[0] == gw[0] && g[1] == gw[1]); });
    UNDER_BUDGET(wg_jvp(t, 1, &x, &one, 1, &f, &d), { CU_ASSERT(d == dw); });
    UNDER_BUDGET(wg_jacobian_fwd(t, 2, fs, 2, xy, J),
                 { CU_ASSERT(memcmp(J, Jw, sizeof J) == 0); });
    UNDER_BUDGET(wg_jvp_multi(t, 2, xy, 2, U, 2, fs, Y),
                 { CU_ASSERT(memcmp(Y, Yw, sizeof Y) == 0); });
    UNDER_BUDGET(wg_backward(t, f, 1), { CU_ASSERT(wg_grad_of(t, x) == gw[0]); });
#undef UNDER_BUDGET
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);

    long calls = fa.calls;
    wg_tape_free(t);
    /* every block handed out came back */
    CU_ASSERT_EQUAL(fa.live, 0);
    return calls;
}

static void out_of_memory(void)
{
    /* the reference values, recorded with plenty of memory */
    wg_tape *r = wg_tape_new();
    sc_record(r);
    CU_ASSERT_EQUAL_FATAL(wg_status(r), WG_OK);
    size_t n = wg_tape_size(r);
    double *ref = malloc(n * sizeof *ref);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    for (size_t i = 0; i < n; i++)
        ref[i] = wg_node_value(r, i);
    wg_tape_free(r);

    /* how many allocations a run makes when none fails */
    int failures = 0;
    long total = run_scenario(LONG_MAX, ref, n, &failures);
    CU_ASSERT_EQUAL(failures, 0);
    CU_ASSERT(total > 10);
    /* fail each of them in turn: every allocation site fails once */
    for (long budget = 0; budget < total; budget++) {
        failures = 0;
        run_scenario(budget, ref, n, &failures);
        if (failures != 1)
            fprintf(stderr, "\n  allocation %ld of %ld: %d failures seen\n", budget, total, failures);
        CU_ASSERT_EQUAL(failures, 1);
    }
    free(ref);

    /* an allocator without its functions is refused */
    wg_allocator half = { fa_realloc, NULL, NULL };
    CU_ASSERT_PTR_NULL(wg_tape_new_with(&half));
    /* and NULL means malloc */
    wg_tape *t = wg_tape_new_with(NULL);
    CU_ASSERT_PTR_NOT_NULL(t);
    wg_tape_free(t);
}

/* ------------------------------------------------------------------ strerror */

static void status_texts(void)
{
    static const int codes[] = { WG_OK, WG_EDOM, WG_ERANGE, WG_ESHAPE, WG_EINVAL, WG_ENOMEM,
                                 WG_EPARSE, WG_EBRANCH, WG_EIO, WG_ELIMIT };
    enum { N = sizeof codes / sizeof codes[0] };
    const char *unknown = wg_strerror(-1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(unknown);
    CU_ASSERT_STRING_EQUAL(wg_strerror(WG_ELIMIT + 1), unknown);
    for (int i = 0; i < N; i++) {
        const char *s = wg_strerror(codes[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT(strlen(s) > 0);
        CU_ASSERT(strcmp(s, unknown) != 0);
        for (int j = 0; j < i; j++)
            CU_ASSERT(strcmp(s, wg_strerror(codes[j])) != 0);
    }
    CU_ASSERT_STRING_NOT_EQUAL(wg_errmsg(NULL), "");
}

/* Every failing call sets its own message: an earlier failure's message is
 * planted, then each call below fails with an error status, and wg_errmsg
 * must name the failing call (before, the three inspection calls on a
 * const tape left the planted message, which described something else). */
#define PLANTED "wg_graph_add_output: 'not a name' cannot name an output"
static void own_messages(void)
{
    wg_graph *gr = wg_graph_new();
    wg_tape *t = wg_graph_tape(gr);
    wg_var x = wg_graph_add_input(gr, "x", 2.0);
    wg_var y = wg_sin(t, x);
    size_t shape[1] = { 3 };
    double data[3] = { 1, 2, 3 }, out[3], g1[1];
    wg_var v = wg_tensor_input(t, 1, shape, data);
    wg_var bad = { 0, 0 };
    wg_tensor_attrs at;
#define OWN(call, fn)                                                                      \
    do {                                                                                  \
        CU_ASSERT_EQUAL(wg_graph_add_output(gr, "not a name", y), WG_EINVAL);             \
        CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "cannot name an output"));            \
        int st_ = (call);                                                                 \
        CU_ASSERT_NOT_EQUAL(st_, WG_OK);                                                  \
        if (!strstr(wg_errmsg(t), fn) || strstr(wg_errmsg(t), "cannot name an output"))   \
            fprintf(stderr, "\n  %s: message '%s'\n", #call, wg_errmsg(t));              \
        CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), fn));                                 \
        CU_ASSERT_EQUAL(wg_status(t), WG_OK);                                             \
    } while (0)
    OWN(wg_tensor_value(t, bad, out), "wg_tensor_value");
    OWN(wg_tensor_value(t, v, NULL), "wg_tensor_value");
    OWN(wg_grad_of_tensor(t, bad, out), "wg_grad_of_tensor");
    OWN(wg_grad_of_tensor(t, v, NULL), "wg_grad_of_tensor");
    OWN(wg_node_attrs(t, 1000, &at), "wg_node_attrs");
    OWN(wg_node_attrs(t, wg_var_index(t, y), &at), "wg_node_attrs");
    /* drivers built on others name the one that found the error (wg_grad
     * on wg_vjp, wg_hessian on wg_grad_graph): their own message all the same */
    OWN(wg_grad(t, bad, 1, &x, g1), "live handle");
    OWN(wg_grad(t, y, 1, &x, NULL), "is NULL");
    OWN(wg_jvp(t, 1, &x, NULL, 1, &y, g1), "wg_jvp");
    OWN(wg_backward(t, bad, 1.0), "wg_backward");
    OWN(wg_eval(t, 1, &bad, data), "wg_eval");
    OWN(wg_hvp(t, y, 1, &x, NULL, g1), "wg_hvp");
    OWN(wg_hessian(t, bad, 1, &x, g1), "live handle");
    OWN(wg_trace_tangent(gr, NULL, stdout), "wg_trace_tangent");
    OWN(wg_trace_adjoint(gr, 5, stdout), "wg_trace_adjoint");
#undef OWN
    wg_graph_free(gr);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "EDOM: each domain rule, message, IEEE value, sticky", domain_errors },
        { "ERANGE: exp(1000), overflowing product", range_errors },
        { "ERANGE: infinite partial on the path, not off it", infinite_partial_on_the_path },
        { "EINVAL: NaN and Inf values and constants", invalid_values },
        { "EINVAL: zero, foreign, past-the-end and stale handles", invalid_handles },
        { "EINVAL: stale and foreign handles after 100 clears and tapes",
          stale_handles_after_many_clears },
        { "EINVAL from drivers does not poison the tape", driver_arguments },
        { "EBRANCH: a flipped comparison, and recovery", branch_flips },
        { "EBRANCH: an earlier flip outlives a partial replay", branch_flip_before_replayed_inputs },
        { "EDOM and ERANGE at a replay point", errors_at_a_point },
        { "ENOMEM: every allocation fails once", out_of_memory },
        { "wg_strerror: a distinct text for every code", status_texts },
        { "every failing call sets its own message", own_messages },
        { NULL, NULL }
    };
    return wg_test_main("errors", cases);
}
