/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_check_order2.c -- second-order checks (options.order = 2): the
 * builtin suite's smooth functions pass; polynomials against their exact
 * Hessians; recorded rules wrong on purpose (a gradient recorder of this
 * file's own, planted through the verifier's test seam) fail and are
 * blamed on their op; kinks of the gradient are nondiff; tensor graphs
 * pass on their lowering; the caller's tape is left as it was; reports. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */

#include "builtin_suite.h"
#include "check_internal.h"
#include "test_util.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char bench_dir[1024];    /* bench/data */

static wg_check_options opts2(unsigned directions)
{
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = directions;
    o.order = 2;
    return o;
}

static void show(const wg_check_report *r, const char *name)
{
    wg_check_report_print(r, name, stderr);
}

/* ---------------------------------------------------------------- the builtin suite */

/* Every builtin case that expects pass passes at order 2: its Hessian by
 * the three methods within the bound of the MPFR second differences; the
 * kinks stay nondiff and the domain edges invalid. */
static void builtin_suite_order2(void)
{
    wg_parse_error err;
    wg_suite *s = wg_builtin_suite(bench_dir, &err);
    if (!s)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    wg_check_options base = opts2(3);
    size_t smooth = 0, tensors = 0;
    for (size_t i = 0; i < wg_suite_size(s); i++) {
        const wg_suite_case *c = wg_suite_case_at(s, i);
        if (c->error)
            continue;
        wg_check_report r;
        char why[256];
        int st = wg_suite_case_check(c, &base, &r, why, sizeof why);
        CU_ASSERT_EQUAL(st, WG_OK);
        if (st != WG_OK) {
            fprintf(stderr, "\n  %s: %s\n", c->name, why);
            continue;
        }
        if (r.verdict != c->expect) {
            fprintf(stderr, "\n  %s: %s at order 2, expected %s\n", c->name,
                    wg_verdict_name(r.verdict), wg_verdict_name(c->expect));
            show(&r, c->name);
        }
        CU_ASSERT_EQUAL(r.verdict, c->expect);
        if (c->expect == WG_VERDICT_PASS) {
            smooth++;
            tensors += strncmp(c->name, "tensor", 6) == 0;
            for (size_t k = 0; k < r.nresults; k++) {
                const wg_check_result *res = &r.results[k];
                CU_ASSERT_EQUAL(res->order, 2);
                CU_ASSERT(res->hvp.computed && res->fig[WG_METHOD_FORWARD].computed
                          && res->fig[WG_METHOD_REVERSE].computed);
                CU_ASSERT(res->sym_gap <= res->sym_bound);
                CU_ASSERT(res->dot_gap <= res->bound);
            }
        }
        wg_check_report_free(&r);
    }
    CU_ASSERT(smooth >= 25);
    CU_ASSERT(tensors >= 4);
    wg_suite_free(s);
}

/* ---------------------------------------------------------------- polynomials */

/* f = x1^3 x2 + 2 x1 x2^2 - 3 x2 + x1^4 / 4 + 5 x1 x2 x3 - x3^2 */
static int rec_poly(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    wg_var a = wg_mul(t, wg_powi(t, x[0], 3), x[1]);
    wg_var b = wg_mul_c(t, wg_mul(t, x[0], wg_square(t, x[1])), 2);
    wg_var c = wg_mul_c(t, x[1], -3);
    wg_var d = wg_mul_c(t, wg_powi(t, x[0], 4), 0.25);
    wg_var e = wg_mul_c(t, wg_mul(t, wg_mul(t, x[0], x[1]), x[2]), 5);
    wg_var f = wg_neg(t, wg_square(t, x[2]));
    y[0] = wg_add(t, wg_add(t, wg_add(t, a, b), wg_add(t, c, d)), wg_add(t, e, f));
    return wg_status(t);
}

static void poly_hessian(const double *x, double H[9])
{
    double x1 = x[0], x2 = x[1], x3 = x[2];
    H[0] = 6 * x1 * x2 + 3 * x1 * x1;
    H[1] = H[3] = 3 * x1 * x1 + 4 * x2 + 5 * x3;
    H[2] = H[6] = 5 * x2;
    H[4] = 4 * x1;
    H[5] = H[7] = 5 * x1;
    H[8] = -2;
}

/* the exact Hessian at small integer points (every entry exact in double):
 * wg_hessian gives it exactly, and the check's reference is v^T H u */
static void polynomials_exact(void)
{
    static const double pts[][3] = { { 1, 2, 3 }, { -2, 0.5, 1 }, { 3, -1, 0 }, { 0, 0, 0 } };
    for (size_t p = 0; p < sizeof pts / sizeof pts[0]; p++) {
        wg_tape *t = wg_tape_new();
        wg_var x[3], y;
        for (int j = 0; j < 3; j++)
            x[j] = wg_input(t, pts[p][j]);
        CU_ASSERT_EQUAL_FATAL(rec_poly(t, x, 3, &y, 1, NULL), WG_OK);
        double H[9], E[9];
        poly_hessian(pts[p], E);
        CU_ASSERT_EQUAL(wg_hessian(t, y, 3, x, H), WG_OK);
        for (int k = 0; k < 9; k++)
            WG_ASSERT_CLOSE(H[k], E[k], 0, 0);
        wg_check_options o = opts2(4);
        o.full_jacobian = 1;            /* the columns H e_j, judged along random v */
        wg_check_report r;
        CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 3, x, 1, &y, &o, &r), WG_OK);
        if (r.verdict != WG_VERDICT_PASS)
            show(&r, "polynomial");
        CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
        CU_ASSERT_EQUAL(r.nresults, 7u);
        /* the reference is v^T H u, H the exact Hessian: the directions
         * drawn again as the check draws them (directions.c: u, then v,
         * from one generator; one output, so no w) */
        gsl_rng *rng = wg_chk_rng_new(o.seed);
        for (size_t k = 0; k < r.nresults; k++) {
            const wg_check_result *res = &r.results[k];
            double u[3] = { 0, 0, 0 }, v[3];
            if (k < o.directions)
                wg_chk_draw_unit(rng, 3, u);
            else
                u[k - o.directions] = 1;
            wg_chk_draw_unit(rng, 3, v);
            long double exact = 0;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    exact += (long double)v[i] * E[3 * i + j] * u[j];
            CU_ASSERT(res->reference_converged);
            WG_ASSERT_CLOSE(res->reference, (double)exact, 1e-15, 1e-15);
            WG_ASSERT_CLOSE(res->fig[WG_METHOD_FORWARD].value, (double)exact, 1e-14, 1e-14);
            WG_ASSERT_CLOSE(res->fig[WG_METHOD_REVERSE].value, (double)exact, 1e-14, 1e-14);
            WG_ASSERT_CLOSE(res->hvp.value, (double)exact, 1e-14, 1e-14);
        }
        gsl_rng_free(rng);
        wg_check_report_free(&r);
        wg_tape_free(t);
    }
}

/* x1^2 x2^2 at the origin: a Hessian of 0, reached at order 2 (the rate
 * test), and a linear function, whose Hessian is exactly 0 */
static int rec_x2y2(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_mul(t, wg_square(t, x[0]), wg_square(t, x[1]));
    return wg_status(t);
}

static int rec_linear(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_add(t, wg_mul_c(t, x[0], 3.1), wg_mul_c(t, x[1], -0.7));
    return wg_status(t);
}

static void zero_hessians_pass(void)
{
    wg_check_options o = opts2(3);
    wg_check_report r;
    double zero[2] = { 0, 0 }, pt[2] = { 1.3, -2.9 };
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_x2y2, NULL, 2, zero, 1, &o, &r), WG_OK);
    if (r.verdict != WG_VERDICT_PASS)
        show(&r, "x1^2 x2^2 at 0");
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_linear, NULL, 2, pt, 1, &o, &r), WG_OK);
    if (r.verdict != WG_VERDICT_PASS)
        show(&r, "linear");
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    for (size_t k = 0; k < r.nresults; k++)
        CU_ASSERT_EQUAL(r.results[k].fig[WG_METHOD_FORWARD].value, 0.0);
    wg_check_report_free(&r);
}

/* ---------------------------------------------------------------- planted wrong rules */

/* A recorder of gradient graphs of this file's own, for the ops below:
 * reverse over the tape, each op's rule appended as nodes.  Correct, it
 * must pass like the library's; with one rule wrong, the check must fail
 * and blame that op. */
enum bug { CLEAN, SIN_VALUE, SIN_FROZEN, MUL_FROZEN, RELU_BRANCH };
static enum bug planted;

static void acc(wg_tape *t, wg_var *adj, size_t k, wg_var v)
{
    adj[k] = adj[k].id ? wg_add(t, adj[k], v) : v;
}

static int hand_grad_graph(wg_tape *t, wg_var y, size_t n, const wg_var *x, wg_var *g)
{
    size_t ny = wg_var_index(t, y);
    wg_var *adj = calloc(ny + 1, sizeof *adj);
    if (!adj)
        return WG_ENOMEM;
    adj[ny] = wg_const(t, 1.0);
    for (size_t i = ny + 1; i-- > 0;) {
        if (!adj[i].id)
            continue;
        wg_op op = wg_node_op(t, i);
        size_t ia = wg_node_arg(t, i, 0), ib = wg_node_arg(t, i, 1);
        wg_var a = wg_tape_var(t, ia), b = wg_tape_var(t, ib), yi = wg_tape_var(t, i);
        wg_var ybar = adj[i];
        double p = wg_node_param(t, i);
        switch (op) {
        case WG_OP_ADD:
            acc(t, adj, ia, ybar);
            acc(t, adj, ib, ybar);
            break;
        case WG_OP_SUB:
            acc(t, adj, ia, ybar);
            acc(t, adj, ib, wg_neg(t, ybar));
            break;
        case WG_OP_MUL:
            /* the frozen bug: b's value baked in as a constant, so the
             * gradient's value is right but its derivative in b is lost */
            acc(t, adj, ia, wg_mul(t, ybar, planted == MUL_FROZEN
                                   ? wg_const(t, wg_value(t, b)) : b));
            acc(t, adj, ib, wg_mul(t, ybar, a));
            break;
        case WG_OP_SIN: {
            wg_var d = planted == SIN_FROZEN ? wg_const(t, cos(wg_value(t, a)))
                       : wg_cos(t, a);
            if (planted == SIN_VALUE)
                d = wg_mul_c(t, d, 1 + 1e-10);
            acc(t, adj, ia, wg_mul(t, ybar, d));
            break;
        }
        case WG_OP_COS:
            acc(t, adj, ia, wg_mul(t, ybar, wg_neg(t, wg_sin(t, a))));
            break;
        case WG_OP_EXP:
            acc(t, adj, ia, wg_mul(t, ybar, yi));
            break;
        case WG_OP_LOG:
            acc(t, adj, ia, wg_div(t, ybar, a));
            break;
        case WG_OP_SQUARE:
            acc(t, adj, ia, wg_mul(t, ybar, wg_mul_c(t, a, 2)));
            break;
        case WG_OP_MUL_C:
            acc(t, adj, ia, wg_mul_c(t, ybar, p));
            break;
        case WG_OP_ADD_C:
            acc(t, adj, ia, ybar);
            break;
        case WG_OP_RELU:
            /* the branch bug: a C branch on today's value, with the kink
             * on the wrong side (relu'(0) = 1, not the documented 0) */
            acc(t, adj, ia, wg_mul(t, ybar, planted == RELU_BRANCH
                                   ? wg_const(t, wg_value(t, a) >= 0 ? 1.0 : 0.0)
                                   : wg_step(t, a)));
            break;
        default:
            break;
        }
    }
    for (size_t j = 0; j < n; j++) {
        size_t k = wg_var_index(t, x[j]);
        g[j] = adj[k].id ? adj[k] : wg_const(t, 0.0);
    }
    free(adj);
    return wg_status(t);
}

/* f = sin(x1 x2) + exp(x1) log(x2) + (x1 - x2)^2 */
static int rec_mix(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    wg_var s = wg_sin(t, wg_mul(t, x[0], x[1]));
    wg_var e = wg_mul(t, wg_exp(t, x[0]), wg_log(t, x[1]));
    y[0] = wg_add(t, wg_add(t, s, e), wg_square(t, wg_sub(t, x[0], x[1])));
    return wg_status(t);
}

/* the node index of the first op `op` of rec_mix's tape */
static long mix_node(wg_op op)
{
    wg_tape *t = wg_tape_new();
    wg_var x[2] = { wg_input(t, 0.7), wg_input(t, 1.9) }, y;
    rec_mix(t, x, 2, &y, 1, NULL);
    long k = -1;
    for (size_t i = 0; i < wg_tape_size(t) && k < 0; i++)
        if (wg_node_op(t, i) == op)
            k = (long)i;
    wg_tape_free(t);
    return k;
}

static void check_mix(enum bug bug, wg_check_report *r)
{
    planted = bug;
    wg_chk_set_grad_graph(hand_grad_graph);
    wg_check_options o = opts2(3);
    double at[2] = { 0.7, 1.9 };
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_mix, NULL, 2, at, 1, &o, r), WG_OK);
    wg_chk_set_grad_graph(NULL);
    planted = CLEAN;
}

static void planted_rules_fail(void)
{
    wg_check_report r;
    /* the hand recorder itself is right: it passes */
    check_mix(CLEAN, &r);
    if (r.verdict != WG_VERDICT_PASS)
        show(&r, "clean hand recorder");
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);

    /* sin' off by 1e-10: the gradient's values are wrong */
    check_mix(SIN_VALUE, &r);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
    const wg_check_result *w = &r.results[r.worst];
    CU_ASSERT_STRING_EQUAL(w->fail_mode, "gradient");
    CU_ASSERT_EQUAL(w->blame_node, mix_node(WG_OP_SIN));
    CU_ASSERT_EQUAL(w->blame_op, WG_OP_SIN);
    wg_check_report_free(&r);

    /* sin' right in value but frozen: the Hessian is wrong */
    check_mix(SIN_FROZEN, &r);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
    w = &r.results[r.worst];
    if (r.verdict == WG_VERDICT_FAIL) {
        CU_ASSERT(strcmp(w->fail_mode, "reverse") == 0 || strcmp(w->fail_mode, "forward") == 0
                  || strcmp(w->fail_mode, "both") == 0);
        /* wg_hvp is the library's own, and right */
        CU_ASSERT(w->hvp.abs_err <= w->bound + w->reference_err);
    }
    CU_ASSERT_EQUAL(w->blame_node, mix_node(WG_OP_SIN));
    CU_ASSERT_EQUAL(w->blame_op, WG_OP_SIN);
    wg_check_report_free(&r);

    /* mul's rule drops the derivative of b in a's adjoint: a term of the
     * Hessian, and its symmetry, lost */
    check_mix(MUL_FROZEN, &r);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
    w = &r.results[r.worst];
    CU_ASSERT_EQUAL(w->blame_op, WG_OP_MUL);
    CU_ASSERT(w->sym_gap > w->sym_bound);
    wg_check_report_free(&r);
}

/* relu's rule recorded by a C branch whose kink is on the wrong side: at
 * 0 the recorded gradient is 1, the documented convention 0 */
static int rec_relu(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_add(t, wg_relu(t, x[0]), wg_mul(t, x[0], x[1]));
    return wg_status(t);
}

static void lost_kink_convention_fails(void)
{
    double at[2] = { 0, 1.5 };
    wg_check_options o = opts2(3);
    wg_check_report r;
    planted = RELU_BRANCH;
    wg_chk_set_grad_graph(hand_grad_graph);
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_relu, NULL, 2, at, 1, &o, &r), WG_OK);
    wg_chk_set_grad_graph(NULL);
    planted = CLEAN;
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
    const wg_check_result *w = &r.results[r.worst];
    CU_ASSERT_STRING_EQUAL(w->fail_mode, "gradient");
    CU_ASSERT_EQUAL(w->blame_op, WG_OP_RELU);
    wg_check_report_free(&r);
    /* the library's rule keeps the convention: nondiff */
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_relu, NULL, 2, at, 1, &o, &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_NONDIFF);
    wg_check_report_free(&r);
}

/* ---------------------------------------------------------------- kinks */

static int rec_unary(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m;
    y[0] = wg_apply(t, *(const wg_op *)ctx, x[0], x[0], 0);
    return wg_status(t);
}

/* relu and abs at 0: the gradient jumps, the Hessian does not exist */
static void kinks_are_nondiff(void)
{
    static const wg_op ops[] = { WG_OP_RELU, WG_OP_ABS };
    wg_check_options o = opts2(3);
    for (size_t k = 0; k < 2; k++) {
        wg_check_report r;
        double zero = 0, near = 1e-30, one = 1.25;
        CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_unary, (void *)&ops[k], 1, &zero, 1, &o, &r),
                              WG_OK);
        if (r.verdict != WG_VERDICT_NONDIFF)
            show(&r, wg_op_name(ops[k]));
        CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_NONDIFF);
        wg_check_report_free(&r);
        /* near the kink and away from it the steps scale to the distance */
        CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_unary, (void *)&ops[k], 1, &near, 1, &o, &r),
                              WG_OK);
        CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
        wg_check_report_free(&r);
        CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_unary, (void *)&ops[k], 1, &one, 1, &o, &r),
                              WG_OK);
        CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
        wg_check_report_free(&r);
    }
}

/* max at a tie in a product: the gradient has a kink there */
static int rec_max(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_mul(t, wg_max(t, x[0], x[1]), x[0]);
    return wg_status(t);
}

static void max_tie_is_nondiff(void)
{
    wg_check_options o = opts2(3);
    wg_check_report r;
    double tie[2] = { 0.5, 0.5 };
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_max, NULL, 2, tie, 1, &o, &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_NONDIFF);
    wg_check_report_free(&r);
}

/* ---------------------------------------------------------------- domains */

static int rec_sqrt(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_sqrt(t, wg_mul(t, x[0], x[1]));
    return wg_status(t);
}

/* sqrt at 0: its derivative is infinite, invalid */
static void domain_edge_is_invalid(void)
{
    wg_check_options o = opts2(2);
    wg_check_report r;
    double at[2] = { 0, 1 };
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_sqrt, NULL, 2, at, 1, &o, &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_INVALID);
    wg_check_report_free(&r);
}

/* ---------------------------------------------------------------- several outputs, tensors */

static int rec_two(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_sin(t, wg_mul(t, x[0], x[1]));
    y[1] = wg_add(t, wg_exp(t, x[0]), wg_mul(t, wg_square(t, x[1]), x[2]));
    return wg_status(t);
}

/* two outputs: the Hessian of w.f for a random w each direction */
static void several_outputs_pass(void)
{
    wg_check_options o = opts2(4);
    wg_check_report r;
    double at[3] = { 0.3, -1.2, 2.5 };
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_two, NULL, 3, at, 2, &o, &r), WG_OK);
    if (r.verdict != WG_VERDICT_PASS)
        show(&r, "two outputs");
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);
}

/* loss = -mean over rows of sum(logsoftmax(X W + b) * Y), W and b the
 * inputs; and a tensor output, tanh(X W), with a random cotangent */
static void tensor_graphs_pass(void)
{
    wg_tape *t = wg_tape_new();
    double X[12], W[12], b[3] = { 0.1, -0.2, 0.05 }, Y[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
    for (int k = 0; k < 12; k++) {
        X[k] = sin(1.3 * k + 0.2);
        W[k] = 0.5 * cos(0.7 * k - 0.4);
    }
    size_t xs[2] = { 3, 4 }, ws[2] = { 4, 3 }, bs[1] = { 3 }, ys[2] = { 3, 3 };
    wg_var Xv = wg_tensor_const(t, 2, xs, X);
    wg_var Wv = wg_tensor_input(t, 2, ws, W);
    wg_var bv = wg_tensor_input(t, 1, bs, b);
    wg_var Z = wg_add(t, wg_matmul(t, Xv, Wv), bv);
    wg_var L = wg_logsoftmax(t, Z, 1);
    wg_var loss = wg_mul_c(t, wg_sum(t, wg_mul(t, L, wg_tensor_const(t, 2, ys, Y)), 0, NULL, 0),
                           -1.0 / 3);
    wg_var T = wg_tanh(t, wg_matmul(t, Xv, Wv));
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    size_t size = wg_tape_size(t);
    wg_var x[2] = { Wv, bv };
    wg_check_options o = opts2(3);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &loss, &o, &r), WG_OK);
    if (r.verdict != WG_VERDICT_PASS)
        show(&r, "matmul + logsoftmax");
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 1, x, 1, &T, &o, &r), WG_OK);
    if (r.verdict != WG_VERDICT_PASS)
        show(&r, "tanh(X W)");
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);
    CU_ASSERT_EQUAL(wg_tape_size(t), size);     /* nothing recorded on the caller's tape */
    wg_tape_free(t);
}

/* ---------------------------------------------------------------- the caller's tape, reports */

static void tape_left_as_it_was(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x[2] = { wg_input(t, 0.7), wg_input(t, 1.9) }, y;
    rec_mix(t, x, 2, &y, 1, NULL);
    size_t size = wg_tape_size(t);
    double *before = malloc(size * sizeof *before);
    for (size_t i = 0; i < size; i++)
        before[i] = wg_node_value(t, i);
    wg_check_options o = opts2(3);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &y, &o, &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);
    CU_ASSERT_EQUAL(wg_tape_size(t), size);
    for (size_t i = 0; i < size; i++)
        CU_ASSERT_EQUAL(wg_node_value(t, i), before[i]);
    free(before);
    /* an order that is not 1 or 2 */
    o.order = 3;
    CU_ASSERT_EQUAL(wg_check_tape(t, 2, x, 1, &y, &o, &r), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "order 3"));
    wg_tape_free(t);
}

static char *text_of(const wg_check_report *r, int json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (json)
        wg_check_report_json(r, "mix", f);
    else
        wg_check_report_print(r, "mix", f);
    fclose(f);
    return buf;
}

/* the second order's fields in both reports; same seed, same figures */
static void reports(void)
{
    wg_check_options o = opts2(2);
    double at[2] = { 0.7, 1.9 };
    wg_check_report r, r2;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_mix, NULL, 2, at, 1, &o, &r), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_mix, NULL, 2, at, 1, &o, &r2), WG_OK);
    for (size_t k = 0; k < r.nresults; k++) {
        CU_ASSERT_EQUAL(r.results[k].reference, r2.results[k].reference);
        CU_ASSERT_EQUAL(r.results[k].hvp.value, r2.results[k].hvp.value);
        CU_ASSERT_EQUAL(r.results[k].bound, r2.results[k].bound);
    }
    char *j = text_of(&r, 1), *p = text_of(&r, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"order\":2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"hvp\":"));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"symmetry_gap\":"));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"gradient\":{\"value\":"));
    CU_ASSERT_PTR_NOT_NULL(strstr(p, "rev-rev"));
    CU_ASSERT_PTR_NOT_NULL(strstr(p, "hvp "));
    CU_ASSERT_PTR_NOT_NULL(strstr(p, "symmetry gap"));
    free(j);
    free(p);
    wg_check_report_free(&r);
    wg_check_report_free(&r2);
    /* first order keeps its reports: no second-order field */
    o.order = 1;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_mix, NULL, 2, at, 1, &o, &r), WG_OK);
    j = text_of(&r, 1);
    p = text_of(&r, 0);
    CU_ASSERT_PTR_NULL(strstr(j, "\"order\""));
    CU_ASSERT_PTR_NULL(strstr(j, "hvp"));
    CU_ASSERT_PTR_NULL(strstr(p, "hvp"));
    CU_ASSERT_PTR_NULL(strstr(p, "gradient "));
    free(j);
    free(p);
    wg_check_report_free(&r);
}

int main(void)
{
    const char *src = getenv("srcdir");
    snprintf(bench_dir, sizeof bench_dir, "%s/bench/data", src ? src : ".");
    static const wg_test_case cases[] = {
        { "the builtin suite at order 2", builtin_suite_order2 },
        { "polynomials: exact Hessians", polynomials_exact },
        { "Hessians of 0 pass", zero_hessians_pass },
        { "planted wrong recorded rules fail, blamed on their op", planted_rules_fail },
        { "a kink convention lost in a recorded rule fails", lost_kink_convention_fails },
        { "relu and abs at 0 are nondiff", kinks_are_nondiff },
        { "max at a tie is nondiff", max_tie_is_nondiff },
        { "a domain edge is invalid", domain_edge_is_invalid },
        { "several outputs: w.f", several_outputs_pass },
        { "tensor graphs (matmul, logsoftmax) pass", tensor_graphs_pass },
        { "the caller's tape is left as it was", tape_left_as_it_was },
        { "reports", reports },
        { NULL, NULL }
    };
    int rc = wg_test_main("check_order2", cases);
    mpfr_free_cache();
    return rc;
}
