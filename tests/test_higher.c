/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_higher.c -- derivatives recorded as graphs (wg_grad_graph,
 * wg_vjp_graph, wg_jvp_graph) and second order (wg_hvp, wg_hessian):
 * every op's recorded rule against its double partial; tensor rules
 * against the double tensor sweeps; Hessians against central differences
 * of gradients and exact polynomials; grad of grad of grad; perturbation
 * confusion; conventions at kinks kept across replay; the tape left as it
 * was by wg_hvp and wg_hessian. */
#define _POSIX_C_SOURCE 200809L  /* open_memstream */
#include "test_util.h"
#include "wengert.h"

#include <stdlib.h>

/* ops whose recorded rule is the plain formula where the double kernel is
 * compensated or branches (op_rules.c): a few ulps, not bit for bit */
static double rule_ulps(wg_op op)
{
    switch (op) {
    case WG_OP_POW: case WG_OP_POW_C: case WG_OP_POWI: case WG_OP_ERF: case WG_OP_ATAN:
        return 8;
    default:
        return 0;
    }
}

/* a point inside op's domain where its derivative is finite */
static void point_of(wg_op op, int k, double *a, double *b, double *c)
{
    static const double av[] = { 0.3, 0.7, 1.9, -0.45, 2.5, -1.3 };
    static const double bv[] = { 1.1, -0.6, 0.35, 2.2, -1.7, 0.9 };
    *a = av[k % 6];
    *b = bv[(k + 1) % 6];
    *c = (k % 3) + 1.5;
    switch (op) {
    case WG_OP_LOG: case WG_OP_SQRT: case WG_OP_POW: case WG_OP_CBRT:
        *a = fabs(*a) + 0.1;
        break;
    case WG_OP_ASIN: case WG_OP_ACOS:
        *a = fmod(*a, 0.9);
        break;
    case WG_OP_LOG1P:
        *a = fabs(*a);
        break;
    case WG_OP_POW_C:
        *a = fabs(*a) + 0.2;
        break;
    case WG_OP_POWI:
        *c = (double)((k % 5) - 2);
        if (*c < 0)
            *a = fabs(*a) + 0.5;
        break;
    case WG_OP_RECIP: case WG_OP_DIV:
        *b = fabs(*b) + 0.5;
        *a = op == WG_OP_RECIP ? fabs(*a) + 0.5 : *a;
        break;
    default:
        break;
    }
}

/* every scalar row: the recorded gradient's values are the double
 * partials (bit for bit, or within rule_ulps) at many points */
static void scalar_rules_match_partials(void)
{
    for (int o = 0; o < WG_OP_COUNT; o++) {
        wg_op op = (wg_op)o;
        wg_op_kind kind = wg_op_kind_of(op);
        if (kind == WG_KIND_LEAF || kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY)
            continue;
        for (int k = 0; k < 24; k++) {
            double a, b, c;
            point_of(op, k, &a, &b, &c);
            wg_tape *t = wg_tape_new();
            wg_var x[2] = { wg_input(t, a), wg_input(t, b) };
            wg_var y = wg_apply(t, op, x[0], x[1], c);
            if (wg_status(t) != WG_OK) {
                wg_tape_free(t);
                continue;               /* outside the domain at this point */
            }
            double g[2];
            wg_var gg[2];
            CU_ASSERT_EQUAL_FATAL(wg_grad(t, y, 2, x, g), WG_OK);
            int s = wg_grad_graph(t, y, 2, x, gg);
            if (s != WG_OK)
                fprintf(stderr, "\n  %s at (%g, %g; %g): %s\n", wg_op_name(op), a, b, c,
                        wg_errmsg(t));
            CU_ASSERT_EQUAL(s, WG_OK);
            for (int j = 0; s == WG_OK && j < 2; j++) {
                double r = wg_value(t, gg[j]);
                double u = wg_test_ulps(r, g[j]);
                if (u > rule_ulps(op))
                    fprintf(stderr, "\n  %s at (%.17g, %.17g; %g): d%d recorded %.17g, double "
                            "%.17g (%g ulps)\n", wg_op_name(op), a, b, c, j, r, g[j], u);
                CU_ASSERT(u <= rule_ulps(op));
            }
            /* the forward recorded rule gives the same numbers */
            wg_var u1 = wg_const(t, 1.0), u0 = wg_const(t, 0.0), yd;
            if (s == WG_OK && wg_jvp_graph(t, 2, x, (wg_var[]){ u1, u0 }, 1, &y, &yd) == WG_OK)
                CU_ASSERT(wg_test_ulps(wg_value(t, yd), g[0]) <= rule_ulps(op));
            wg_tape_free(t);
        }
    }
}

/* the recorded rules of the tensor rows against the double tensor sweeps */
static double rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return ((*s >> 8) & 0xffff) / 32768.0 - 1.0;
}

static wg_var tin(wg_tape *t, int rank, const size_t *shape, unsigned seed)
{
    double v[256];
    size_t n = 1;
    for (int d = 0; d < rank; d++)
        n *= shape[d];
    for (size_t e = 0; e < n; e++)
        v[e] = rnd(&seed);
    return wg_tensor_input(t, rank, shape, v);
}

static void tensor_rules_match_sweeps(void)
{
    wg_tape *t = wg_tape_new();
    wg_var a = tin(t, 3, (size_t[]){ 2, 3, 4 }, 1), w = tin(t, 2, (size_t[]){ 4, 5 }, 2);
    wg_var v1 = tin(t, 1, (size_t[]){ 4 }, 3), bb = tin(t, 4, (size_t[]){ 3, 1, 5, 2 }, 4);
    wg_var ys[16];
    int n = 0;
    ys[n++] = wg_matmul(t, a, w);
    ys[n++] = wg_matmul(t, wg_matmul(t, a, w), bb);
    ys[n++] = wg_matmul(t, a, v1);
    ys[n++] = wg_matmul(t, v1, w);
    ys[n++] = wg_sum(t, wg_square(t, a), 2, (int[]){ 0, 2 }, 0);
    ys[n++] = wg_mean(t, wg_exp(t, a), 1, (int[]){ 1 }, 1);
    ys[n++] = wg_max_reduce(t, a, 2, 0);
    ys[n++] = wg_logsumexp(t, a, 1, 1);
    ys[n++] = wg_logsoftmax(t, a, -1);
    ys[n++] = wg_softmax(t, a, 0);
    ys[n++] = wg_sin(t, wg_reshape(t, a, 2, (size_t[]){ 4, 6 }));
    ys[n++] = wg_transpose(t, wg_mul(t, a, v1), (int[]){ 1, 2, 0 });
    ys[n++] = wg_broadcast_to(t, wg_slice(t, a, 1, 1, 2), 4, (size_t[]){ 3, 2, 1, 4 });
    ys[n++] = wg_concat(t, 2, (wg_var[]){ wg_tanh(t, a), a }, 2);
    ys[n++] = wg_stack(t, 2, (wg_var[]){ a, wg_cos(t, a) }, 1);
    ys[n++] = wg_mul(t, wg_argmax_mask(t, a, 1), a);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    wg_var x[4] = { a, w, v1, bb };
    size_t N = 24 + 20 + 4 + 30;
    double xbar[78], xbar_g[78], u[78], ydot[256], ydot_g[256];
    unsigned seed = 9;
    for (size_t e = 0; e < N; e++)
        u[e] = rnd(&seed);
    for (int k = 0; k < n; k++) {
        size_t M = wg_numel(t, ys[k]);
        double wv[256];
        for (size_t e = 0; e < M; e++)
            wv[e] = rnd(&seed);
        size_t dim[WG_MAX_RANK];
        int r = wg_shape(t, ys[k], dim);
        wg_var W = wg_tensor_const(t, r, dim, wv);
        wg_var xb[4], U[4], yd;
        CU_ASSERT_EQUAL_FATAL(wg_vjp(t, 1, &ys[k], wv, 4, x, xbar), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_vjp_graph(t, 1, &ys[k], &W, 4, x, xb), WG_OK);
        for (int j = 0, o = 0; j < 4; o += (int)wg_numel(t, x[j]), j++)
            wg_tensor_value(t, xb[j], xbar_g + o);
        for (size_t e = 0; e < N; e++)
            WG_ASSERT_CLOSE(xbar_g[e], xbar[e], 1e-13, 1e-14);
        /* forward: the same direction as tangent handles */
        for (int j = 0, o = 0; j < 4; o += (int)wg_numel(t, x[j]), j++) {
            size_t dj[WG_MAX_RANK];
            int rj = wg_shape(t, x[j], dj);
            U[j] = wg_tensor_const(t, rj, dj, u + o);
        }
        CU_ASSERT_EQUAL_FATAL(wg_jvp(t, 4, x, u, 1, &ys[k], ydot), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_jvp_graph(t, 4, x, U, 1, &ys[k], &yd), WG_OK);
        wg_tensor_value(t, yd, ydot_g);
        for (size_t e = 0; e < M; e++)
            WG_ASSERT_CLOSE(ydot_g[e], ydot[e], 1e-13, 1e-14);
    }
    wg_tape_free(t);
}

/* Hessian of y over x against central differences of the gradient */
static void check_hessian(wg_tape *t, wg_var y, size_t n, const wg_var *x, double tol)
{
    size_t N = 0;
    for (size_t j = 0; j < n; j++)
        N += wg_numel(t, x[j]);
    double *H = malloc(N * N * sizeof *H), *x0 = malloc(N * sizeof *x0);
    double *gp = malloc(N * sizeof *gp), *gm = malloc(N * sizeof *gm), *Hv = malloc(N * sizeof *Hv);
    size_t size = wg_tape_size(t);
    CU_ASSERT_EQUAL_FATAL(wg_hessian(t, y, n, x, H), WG_OK);
    CU_ASSERT_EQUAL(wg_tape_size(t), size);         /* the tape as it was */
    for (size_t j = 0, o = 0; j < n; o += wg_numel(t, x[j]), j++)
        wg_tensor_value(t, x[j], x0 + o);
    double scale = 0;
    for (size_t k = 0; k < N * N; k++)
        scale = fmax(scale, fabs(H[k]));
    for (size_t c = 0; c < N; c++) {
        double h = 1e-6 * fmax(1, fabs(x0[c])), s = x0[c];
        x0[c] = s + h;
        CU_ASSERT_EQUAL(wg_eval(t, n, x, x0), WG_OK);
        CU_ASSERT_EQUAL(wg_grad(t, y, n, x, gp), WG_OK);
        x0[c] = s - h;
        CU_ASSERT_EQUAL(wg_eval(t, n, x, x0), WG_OK);
        CU_ASSERT_EQUAL(wg_grad(t, y, n, x, gm), WG_OK);
        x0[c] = s;
        for (size_t r = 0; r < N; r++)
            WG_ASSERT_CLOSE(H[r * N + c], (gp[r] - gm[r]) / (2 * h), tol, tol * fmax(1, scale));
    }
    CU_ASSERT_EQUAL(wg_eval(t, n, x, x0), WG_OK);
    /* H v by wg_hvp is the Hessian's product, and H is symmetric */
    for (size_t c = 0; c < N; c++)
        gp[c] = (double)(c % 3) - 0.5;
    CU_ASSERT_EQUAL(wg_hvp(t, y, n, x, gp, Hv), WG_OK);
    CU_ASSERT_EQUAL(wg_tape_size(t), size);
    for (size_t r = 0; r < N; r++) {
        double s = 0;
        for (size_t c = 0; c < N; c++) {
            s += H[r * N + c] * gp[c];
            WG_ASSERT_CLOSE(H[r * N + c], H[c * N + r], 1e-12, 1e-13 * fmax(1, scale));
        }
        WG_ASSERT_CLOSE(Hv[r], s, 1e-12, 1e-13 * fmax(1, scale));
    }
    free(H);
    free(x0);
    free(gp);
    free(gm);
    free(Hv);
}

static void hessians(void)
{
    wg_tape *t = wg_tape_new();
    /* Rosenbrock in 6 dimensions and a mix of smooth ops */
    wg_var x[6];
    for (int i = 0; i < 6; i++)
        x[i] = wg_input(t, 0.3 * i - 0.7);
    wg_var f = wg_const(t, 0);
    for (int i = 0; i < 5; i++) {
        wg_var d = wg_sub(t, x[i + 1], wg_square(t, x[i]));
        f = wg_add(t, f, wg_add(t, wg_mul_c(t, wg_square(t, d), 100),
                                wg_square(t, wg_add_c(t, wg_neg(t, x[i]), 1))));
    }
    wg_var g = wg_add(t, f, wg_mul(t, wg_sin(t, wg_mul(t, x[0], x[1])),
                                   wg_log1p(t, wg_exp(t, wg_tanh(t, x[2])))));
    g = wg_add(t, g, wg_div(t, wg_atan2(t, x[3], wg_add_c(t, x[4], 3)),
                            wg_hypot(t, x[5], wg_sigmoid(t, x[0]))));
    g = wg_add(t, g, wg_pow(t, wg_add_c(t, wg_square(t, x[1]), 1), wg_cos(t, x[3])));
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    check_hessian(t, g, 6, x, 1e-6);
    /* tensors: matmul, broadcasting, logsoftmax, reductions */
    wg_tape_clear(t);
    wg_var W = tin(t, 2, (size_t[]){ 3, 4 }, 21), b = tin(t, 1, (size_t[]){ 3 }, 22);
    wg_var X = wg_tensor_const(t, 2, (size_t[]){ 4, 2 }, (double[]){ 1, -1, 0.5, 2, -0.3, 0.7,
                                                                   1.2, -0.8 });
    wg_var Z = wg_add(t, wg_matmul(t, W, X), wg_reshape(t, b, 2, (size_t[]){ 3, 1 }));
    wg_var L = wg_logsoftmax(t, wg_tanh(t, Z), 0);
    wg_var y = wg_add(t, wg_mean(t, wg_mul(t, L, wg_softmax(t, Z, 1)), 0, NULL, 0),
                      wg_logsumexp(t, wg_sum(t, wg_square(t, W), 1, (int[]){ 0 }, 0), 0, 0));
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    check_hessian(t, y, 2, (wg_var[]){ W, b }, 1e-6);
    wg_tape_free(t);
}

/* grad of grad of grad of x^3 y^2 (exact), and replay of recorded
 * derivatives at a new point */
static void polynomial_third_order(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 2.0), y = wg_input(t, 3.0), xy[2] = { x, y };
    wg_var p = wg_mul(t, wg_powi(t, x, 3), wg_square(t, y));
    wg_var g1[2], g2[2], g3[2];
    CU_ASSERT_EQUAL_FATAL(wg_grad_graph(t, p, 2, xy, g1), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_grad_graph(t, g1[0], 2, xy, g2), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_grad_graph(t, g2[1], 2, xy, g3), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, g1[0]), 108);   /* 3 x^2 y^2 */
    CU_ASSERT_EQUAL(wg_value(t, g1[1]), 48);    /* 2 x^3 y */
    CU_ASSERT_EQUAL(wg_value(t, g2[0]), 108);   /* 6 x y^2 */
    CU_ASSERT_EQUAL(wg_value(t, g2[1]), 72);    /* 6 x^2 y */
    CU_ASSERT_EQUAL(wg_value(t, g3[0]), 72);    /* 12 x y */
    CU_ASSERT_EQUAL(wg_value(t, g3[1]), 24);    /* 6 x^2 */
    double H[4];
    CU_ASSERT_EQUAL(wg_hessian(t, p, 2, xy, H), WG_OK);
    CU_ASSERT(H[0] == 108 && H[1] == 72 && H[2] == 72 && H[3] == 16);
    double pt[2] = { -1, 0.5 };
    CU_ASSERT_EQUAL(wg_eval(t, 2, xy, pt), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, g1[0]), 0.75);
    CU_ASSERT_EQUAL(wg_value(t, g2[1]), 3);
    CU_ASSERT_EQUAL(wg_value(t, g3[0]), -6);
    /* and a graph with recorded derivative nodes differentiates in both modes */
    double d[2];
    CU_ASSERT_EQUAL(wg_grad(t, g3[1], 2, xy, d), WG_OK);
    CU_ASSERT(d[0] == -12 && d[1] == 0);        /* d(6x^2) = (12x, 0) */
    wg_tape_free(t);
}

/* the Hessian of H_fn over its inputs by each method; 0 where one fails */
static int hessian_by(wg_tape *t, wg_hessian_method m, wg_var y, size_t n, const wg_var *x,
                      double *H)
{
    size_t size = wg_tape_size(t);
    int s = wg_hessian_with(t, m, y, n, x, H);
    CU_ASSERT_EQUAL(wg_tape_size(t), size);
    if (s == WG_OK)
        CU_ASSERT_EQUAL(wg_hessian_last_method(t), m);
    return s;
}

/* the three methods of wg_hessian on one tape: the same matrix to a few
 * roundings (edge pushing sums the same second partials in another order),
 * and edge pushing's mirrored triangle exactly symmetric */
static int methods_agree(wg_tape *t, wg_var y, size_t n, const wg_var *x, const char *what)
{
    double He[64], Hh[64], Hr[64];
    int se = hessian_by(t, WG_HESSIAN_EDGE_PUSHING, y, n, x, He);
    int sh = hessian_by(t, WG_HESSIAN_HVP, y, n, x, Hh);
    int sr = hessian_by(t, WG_HESSIAN_RECORDED, y, n, x, Hr);
    if (se != WG_OK || sh != WG_OK || sr != WG_OK) {
        /* a second derivative that is not finite fails every double method alike */
        CU_ASSERT_EQUAL(se, sh);
        return 0;
    }
    double scale = 0;
    for (size_t k = 0; k < n * n; k++)
        scale = fmax(scale, fmax(fabs(Hh[k]), fabs(Hr[k])));
    int bad = 0;
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < n; c++) {
            /* the two column methods' own gap measures the rounding of
             * an entry that cancels; a wrong term is of order one */
            double e = He[r * n + c], gap = fabs(Hh[r * n + c] - Hr[r * n + c]);
            double tol = 1e-12 * scale + 4 * gap + 1e-300;
            if (e != He[c * n + r] || !(fabs(e - Hh[r * n + c]) <= tol)
                || !(fabs(e - Hr[r * n + c]) <= tol)) {
                if (bad++ < 2)
                    fprintf(stderr, "\n  %s: H[%zu][%zu] edge %.17g, hvp %.17g, recorded %.17g\n",
                            what, r, c, e, Hh[r * n + c], Hr[r * n + c]);
            }
        }
    CU_ASSERT_EQUAL(bad, 0);
    return 1;
}

/* every scalar row (each operand also used twice, phi(a, a), and inside a
 * product so that the pushing of off-diagonal and diagonal entries is
 * exercised), then random graphs of smooth ops with shared nodes */
static void hessian_methods_agree(void)
{
    int compared = 0;
    for (int o = 0; o < WG_OP_COUNT; o++) {
        wg_op op = (wg_op)o;
        wg_op_kind kind = wg_op_kind_of(op);
        if (kind == WG_KIND_LEAF || kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY)
            continue;
        for (int k = 0; k < 12; k++) {
            double a, b, c;
            point_of(op, k, &a, &b, &c);
            wg_tape *t = wg_tape_new();
            wg_var x[3] = { wg_input(t, a), wg_input(t, b), wg_input(t, 0.8 - 0.1 * k) };
            wg_var y = wg_apply(t, op, x[0], x[1], c);
            /* y * x2 * sin(x0) + op(x0, x0): pushes through y's operands */
            wg_var f = wg_add(t, wg_mul(t, wg_mul(t, y, x[2]), wg_sin(t, x[0])),
                              wg_mul_c(t, wg_square(t, y), 0.5));
            if (wg_op_arity(op) == 2)
                f = wg_add(t, f, wg_apply(t, op, x[1], x[1], c));
            if (wg_status(t) == WG_OK)
                compared += methods_agree(t, f, 3, x, wg_op_name(op));
            wg_tape_free(t);
        }
    }
    CU_ASSERT(compared > 400);
    /* random graphs: 40 nodes over 5 inputs (3 of them recorded after inner
     * nodes), operands drawn among all
     * earlier nodes, so nodes are shared and pairs interact many ways */
    static const wg_op un[] = { WG_OP_SIN, WG_OP_COS, WG_OP_TANH, WG_OP_SIGMOID, WG_OP_SQUARE,
                                WG_OP_ATAN, WG_OP_SOFTPLUS, WG_OP_ERF, WG_OP_NEG };
    static const wg_op bin[] = { WG_OP_ADD, WG_OP_SUB, WG_OP_MUL, WG_OP_HYPOT, WG_OP_ATAN2 };
    unsigned seed = 5;
    int graphs = 0;
    for (int g = 0; g < 200; g++) {
        wg_tape *t = wg_tape_new();
        wg_var v[48], in[5];
        size_t nv = 0;
        /* two inputs first, three recorded between inner nodes */
        for (int j = 0; j < 2; j++)
            v[nv++] = in[j] = wg_input(t, rnd(&seed));
        for (int j = 0; j < 40; j++) {
            if (j % 12 == 11)
                v[nv++] = in[2 + j / 12] = wg_input(t, rnd(&seed));
            wg_var a = v[(size_t)((rnd(&seed) + 1) * 0.5 * nv) % nv];
            wg_var b = v[(size_t)((rnd(&seed) + 1) * 0.5 * nv) % nv];
            double r = rnd(&seed);
            if (r < -0.2)
                v[nv++] = wg_apply(t, un[(size_t)((r + 1) * 100) % 9], a, a, 0);
            else
                v[nv++] = wg_apply(t, bin[(size_t)((r + 1) * 100) % 5], a, b, 0);
        }
        wg_var y = v[nv - 1];
        for (size_t j = nv - 6; j < nv - 1; j++)
            y = wg_add(t, y, v[j]);
        if (wg_status(t) != WG_OK) {    /* atan2(0, 0) after a - a: drawn again */
            wg_tape_free(t);
            continue;
        }
        char what[32];
        snprintf(what, sizeof what, "graph %d", g);
        graphs += methods_agree(t, y, 5, in, what);
        /* auto takes edge pushing here (scalar, 5 inputs: cheap) */
        double H[25];
        CU_ASSERT_EQUAL(wg_hessian(t, y, 5, in, H), WG_OK);
        CU_ASSERT_EQUAL(wg_hessian_last_method(t), WG_HESSIAN_EDGE_PUSHING);
        wg_tape_free(t);
    }
    CU_ASSERT(graphs > 150);

    /* a dense Hessian: (x_1 + ... + x_64)^2 has every pair interacting, 2080
     * entries where the cheaper fallback is estimated at a few hundred: auto
     * gives edge pushing up within its budget and takes the fallback */
    wg_tape *t = wg_tape_new();
    wg_var xs[64], sum = wg_const(t, 0);
    for (int j = 0; j < 64; j++) {
        xs[j] = wg_input(t, 0.01 * j);
        sum = wg_add(t, sum, xs[j]);
    }
    wg_var y = wg_square(t, sum);
    double *H = malloc(64 * 64 * sizeof *H);
    CU_ASSERT_EQUAL(wg_hessian(t, y, 64, xs, H), WG_OK);
    wg_hessian_method m = wg_hessian_last_method(t);
    CU_ASSERT(m == WG_HESSIAN_HVP || m == WG_HESSIAN_RECORDED);
    int exact = 1;
    for (int k = 0; k < 64 * 64; k++)
        exact &= H[k] == 2;
    CU_ASSERT(exact);
    /* forced, edge pushing gets there too (no budget but its memory cap) */
    CU_ASSERT_EQUAL(wg_hessian_with(t, WG_HESSIAN_EDGE_PUSHING, y, 64, xs, H), WG_OK);
    exact = 1;
    for (int k = 0; k < 64 * 64; k++)
        exact &= H[k] == 2;
    CU_ASSERT(exact);
    /* y depends on no x: zeros, whatever the method */
    wg_var z = wg_input(t, 3.0);
    CU_ASSERT_EQUAL(wg_hessian(t, y, 1, &z, H), WG_OK);
    CU_ASSERT_EQUAL(H[0], 0);
    free(H);
    wg_tape_free(t);
}

/* Smooth ops stay smooth in their recorded rules: third derivatives at 0,
 * where a rule written with |a| (exp(-|a|)) would put a kink in the second
 * derivative of the rule and give 0; and tanh's rule records past |a| = 710
 * (through cosh it overflowed).  The third derivatives at 0: tanh -2,
 * sigmoid -1/8, softplus sigmoid''(0) = 0; at 0.3 against the closed forms. */
static void smooth_rules_third_order(void)
{
    for (int k = 0; k < 2; k++) {
        double a0 = k ? 0.3 : 0.0;
        wg_tape *t = wg_tape_new();
        wg_var x = wg_input(t, a0);
        wg_var f[3] = { wg_tanh(t, x), wg_sigmoid(t, x), wg_softplus(t, x) };
        double th = tanh(a0), s = 1 / (1 + exp(-a0)), ds = s * (1 - s);
        double want[3] = { -2 * (1 - th * th) * (1 - th * th) + 4 * th * th * (1 - th * th),
                           ds * (1 - 2 * s) * (1 - 2 * s) - 2 * ds * ds,
                           ds * (1 - 2 * s) };
        for (int j = 0; j < 3; j++) {
            wg_var g1, g2, g3;
            CU_ASSERT_EQUAL_FATAL(wg_grad_graph(t, f[j], 1, &x, &g1), WG_OK);
            CU_ASSERT_EQUAL_FATAL(wg_grad_graph(t, g1, 1, &x, &g2), WG_OK);
            CU_ASSERT_EQUAL_FATAL(wg_grad_graph(t, g2, 1, &x, &g3), WG_OK);
            WG_ASSERT_CLOSE(wg_value(t, g3), want[j], 1e-14, 1e-15);
        }
        wg_tape_free(t);
    }
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 800.0), g;
    CU_ASSERT_EQUAL(wg_grad_graph(t, wg_tanh(t, x), 1, &x, &g), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, g), 0);         /* sech^2 800 = 4e-695: 0 in double */
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    wg_tape_free(t);
}

/* Siskind and Pearlmutter's perturbation confusion: d/dx [x (d/dy (x + y))]
 * at y = 1, x = 1 is 1; confusing the two perturbations gives 2 */
static void perturbation_confusion(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 1.0), y = wg_input(t, 1.0), dy, d;
    CU_ASSERT_EQUAL_FATAL(wg_grad_graph(t, wg_add(t, x, y), 1, &y, &dy), WG_OK);
    wg_var f = wg_mul(t, x, dy);
    double g;
    CU_ASSERT_EQUAL(wg_grad(t, f, 1, &x, &g), WG_OK);
    CU_ASSERT_EQUAL(g, 1);
    CU_ASSERT_EQUAL(wg_grad_graph(t, f, 1, &x, &d), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, d), 1);
    /* forward over forward the same way */
    wg_var one = wg_const(t, 1.0), fd;
    CU_ASSERT_EQUAL(wg_jvp_graph(t, 1, &y, &one, 1, (wg_var[]){ wg_add(t, wg_mul(t, x, x), y) }, &fd),
                    WG_OK);
    wg_var h = wg_mul(t, x, fd);
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, (double[]){ 1 }, 1, &h, &g), WG_OK);
    CU_ASSERT_EQUAL(g, 1);
    wg_tape_free(t);
}

/* conventions at kinks are recorded as ops: a replay across the kink takes
 * the other side's derivative; relu'(0) = 0, abs'(0) = 0, max at a tie to
 * the first argument, max_reduce to the first maximum */
static void kinks_replay(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 1.0), z = wg_input(t, 1.0);
    wg_var f = wg_add(t, wg_add(t, wg_mul(t, wg_relu(t, x), x), wg_abs(t, x)),
                      wg_max(t, x, z));
    wg_var g[2];
    CU_ASSERT_EQUAL_FATAL(wg_grad_graph(t, f, 2, (wg_var[]){ x, z }, g), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, g[0]), 2 + 1 + 1);      /* 2x + 1 + tie to x */
    CU_ASSERT_EQUAL(wg_value(t, g[1]), 0);
    double p1[2] = { -2, 1 }, p0[2] = { 0, 0 };
    CU_ASSERT_EQUAL(wg_eval(t, 2, (wg_var[]){ x, z }, p1), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, g[0]), -1);             /* 0 - 1 + 0 */
    CU_ASSERT_EQUAL(wg_value(t, g[1]), 1);
    CU_ASSERT_EQUAL(wg_eval(t, 2, (wg_var[]){ x, z }, p0), WG_OK);
    CU_ASSERT_EQUAL(wg_value(t, g[0]), 1);              /* relu'(0) = abs'(0) = 0, tie: 1 */
    CU_ASSERT_EQUAL(wg_value(t, g[1]), 0);
    wg_tape_clear(t);
    double v[4] = { 1, 3, 2, 3 };
    wg_var a = wg_tensor_input(t, 1, (size_t[]){ 4 }, v), ga;
    CU_ASSERT_EQUAL(wg_grad_graph(t, wg_max_reduce(t, a, 0, 0), 1, &a, &ga), WG_OK);
    double G[4];
    wg_tensor_value(t, ga, G);
    CU_ASSERT(G[0] == 0 && G[1] == 1 && G[2] == 0 && G[3] == 0);
    double v2[4] = { 5, 3, 2, 6 };
    CU_ASSERT_EQUAL(wg_eval(t, 1, &a, v2), WG_OK);
    wg_tensor_value(t, ga, G);
    CU_ASSERT(G[0] == 0 && G[1] == 0 && G[2] == 0 && G[3] == 1);
    wg_tape_free(t);
}

/* errors: a recorded rule outside its op's domain fails the tape as any
 * recording does; wg_hvp turns it into the call's status and leaves the
 * tape as it was; shapes and handles are checked */
static void errors(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 0.0), y = wg_sqrt(t, x), g;
    double H, v = 1;
    size_t n = wg_tape_size(t);
    /* a scalar tape: the double sweep meets sqrt''(0) = -inf */
    CU_ASSERT_EQUAL(wg_hvp(t, y, 1, &x, &v, &H), WG_ERANGE);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_tape_size(t), n);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_hvp: (H v)[0] is not finite"));
    /* a tensor on the path: the double sweep meets it as on a scalar tape;
     * wg_hessian's recorded rule 0.5/sqrt(0) leaves its domain, and the
     * nodes it recorded are gone */
    wg_tape_clear(t);
    double z2[2] = { 0, 1 };
    wg_var xt = wg_tensor_input(t, 1, (size_t[]){ 2 }, z2);
    wg_var yt = wg_sum(t, wg_sqrt(t, xt), 0, NULL, 0);
    double v2[2] = { 1, 1 }, H2[4];
    n = wg_tape_size(t);
    CU_ASSERT_EQUAL(wg_hvp(t, yt, 1, &xt, v2, H2), WG_ERANGE);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_tape_size(t), n);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_hvp: (H v)[0] is not finite"));
    CU_ASSERT_EQUAL(wg_hessian_with(t, WG_HESSIAN_RECORDED, yt, 1, &xt, H2), WG_EDOM);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_tape_size(t), n);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_hessian: the gradient graph: node"));
    /* two elements: auto takes the N HVPs, whose sweep meets sqrt''(0) */
    CU_ASSERT_EQUAL(wg_hessian(t, yt, 1, &xt, H2), WG_ERANGE);
    CU_ASSERT_EQUAL(wg_hessian_last_method(t), WG_HESSIAN_AUTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_hessian: (H v)[0] is not finite"));
    /* edge pushing: scalar tapes only; a method that is none */
    CU_ASSERT_EQUAL(wg_hessian_with(t, WG_HESSIAN_EDGE_PUSHING, yt, 1, &xt, H2), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "scalar tapes only"));
    CU_ASSERT_EQUAL(wg_hessian_with(t, (wg_hessian_method)7, yt, 1, &xt, H2), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    /* a scalar tape: edge pushing meets sqrt''(0) = -inf too */
    {
        wg_tape *s1 = wg_tape_new();
        wg_var z = wg_input(s1, 0.0), r = wg_add(s1, wg_sqrt(s1, z), z);
        double h;
        CU_ASSERT_EQUAL(wg_hessian(s1, r, 1, &z, &h), WG_ERANGE);
        CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(s1), "wg_hessian: H[0][0] is not finite"));
        wg_tape_free(s1);
    }
    wg_tape_clear(t);
    x = wg_input(t, 0.0);
    y = wg_sqrt(t, x);
    CU_ASSERT_EQUAL(wg_grad_graph(t, y, 1, &x, &g), WG_EDOM);   /* 0.5/sqrt(0) */
    CU_ASSERT_EQUAL(wg_status(t), WG_EDOM);
    wg_tape_clear(t);
    double d[2] = { 1, 2 };
    wg_var a = wg_tensor_input(t, 1, (size_t[]){ 2 }, d), w1 = wg_const(t, 1);
    CU_ASSERT_EQUAL(wg_grad_graph(t, a, 1, &a, &g), WG_ESHAPE);
    CU_ASSERT_EQUAL(wg_vjp_graph(t, 1, &a, &w1, 1, &a, &g), WG_ESHAPE);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    wg_var stale = { 12345, 12345 };
    CU_ASSERT_EQUAL(wg_grad_graph(t, stale, 1, &a, &g), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_hessian(t, a, 1, &a, &H), WG_ESHAPE);
    wg_tape_free(t);
}

/* Nested gradient descent to a saddle point (HIGHER_ORDER.md, problem 2):
 * f(x, y) = |x|^2 - |y|^2 + x.y over x, y in R^2; the inner max over y by K
 * steps of gradient ascent from y0 (recorded, so y_K depends on x), the
 * outer min over x by gradient descent through the inner solution.  The
 * coupling x.y makes y_K depend on x (without it the nested derivative is
 * trivially 2x).  Four variants: inner gradient recorded in reverse
 * (wg_grad_graph) or forward (wg_jvp_graph along e1, e2), outer gradient in
 * reverse (wg_grad) or forward (wg_jvp); all must match the same iteration
 * in plain double with hand-written derivatives: y_{k+1} = y_k + e(x - 2y_k),
 * dy_K/dx = c_K I with c_{k+1} = (1 - 2e) c_k + e, and
 * d/dx f(x, y_K(x)) = 2x + y_K + c_K (x - 2 y_K). */
#define SADDLE_K 6
#define SADDLE_STEPS 25
static const double saddle_eta_in = 0.15, saddle_eta_out = 0.1;

static void saddle_by_hand(double x[2], double y[2])
{
    for (int it = 0; it < SADDLE_STEPS; it++) {
        double yk[2] = { 0.5, -0.25 }, c = 0;
        for (int k = 0; k < SADDLE_K; k++) {
            for (int j = 0; j < 2; j++)
                yk[j] += saddle_eta_in * (x[j] - 2 * yk[j]);
            c = (1 - 2 * saddle_eta_in) * c + saddle_eta_in;
        }
        for (int j = 0; j < 2; j++) {
            double g = 2 * x[j] + yk[j] + c * (x[j] - 2 * yk[j]);
            y[j] = yk[j];
            x[j] -= saddle_eta_out * g;
        }
    }
}

static void saddle_by_tape(int inner_fwd, int outer_fwd, double xo[2], double yo[2])
{
    wg_tape *t = wg_tape_new();
    double x0[2] = { 1.0, -0.7 };
    for (int it = 0; it < SADDLE_STEPS; it++) {
        wg_tape_clear(t);
        wg_var x[2] = { wg_input(t, x0[0]), wg_input(t, x0[1]) };
        wg_var y[2] = { wg_const(t, 0.5), wg_const(t, -0.25) };
        for (int k = 0; k < SADDLE_K; k++) {
            /* f at (x, y) and its gradient in y, recorded */
            wg_var f = wg_add(t, wg_sub(t, wg_add(t, wg_square(t, x[0]), wg_square(t, x[1])),
                                        wg_add(t, wg_square(t, y[0]), wg_square(t, y[1]))),
                              wg_add(t, wg_mul(t, x[0], y[0]), wg_mul(t, x[1], y[1])));
            wg_var gy[2];
            if (inner_fwd) {
                wg_var one = wg_const(t, 1), zero = wg_const(t, 0);
                CU_ASSERT_EQUAL(wg_jvp_graph(t, 2, y, (wg_var[]){ one, zero }, 1, &f, &gy[0]), WG_OK);
                CU_ASSERT_EQUAL(wg_jvp_graph(t, 2, y, (wg_var[]){ zero, one }, 1, &f, &gy[1]), WG_OK);
            } else {
                CU_ASSERT_EQUAL(wg_grad_graph(t, f, 2, y, gy), WG_OK);
            }
            for (int j = 0; j < 2; j++)
                y[j] = wg_add(t, y[j], wg_mul_c(t, gy[j], saddle_eta_in));
        }
        wg_var F = wg_add(t, wg_sub(t, wg_add(t, wg_square(t, x[0]), wg_square(t, x[1])),
                                    wg_add(t, wg_square(t, y[0]), wg_square(t, y[1]))),
                          wg_add(t, wg_mul(t, x[0], y[0]), wg_mul(t, x[1], y[1])));
        double g[2];
        if (outer_fwd) {
            CU_ASSERT_EQUAL(wg_jvp(t, 2, x, (double[]){ 1, 0 }, 1, &F, &g[0]), WG_OK);
            CU_ASSERT_EQUAL(wg_jvp(t, 2, x, (double[]){ 0, 1 }, 1, &F, &g[1]), WG_OK);
        } else {
            CU_ASSERT_EQUAL(wg_grad(t, F, 2, x, g), WG_OK);
        }
        for (int j = 0; j < 2; j++) {
            yo[j] = wg_value(t, y[j]);
            x0[j] -= saddle_eta_out * g[j];
        }
    }
    xo[0] = x0[0];
    xo[1] = x0[1];
    wg_tape_free(t);
}

static void saddle_point(void)
{
    double xh[2] = { 1.0, -0.7 }, yh[2];
    saddle_by_hand(xh, yh);
    for (int v = 0; v < 4; v++) {
        double x[2], y[2];
        saddle_by_tape(v & 1, v >> 1, x, y);
        for (int j = 0; j < 2; j++) {
            WG_ASSERT_CLOSE(x[j], xh[j], 1e-12, 1e-14);
            WG_ASSERT_CLOSE(y[j], yh[j], 1e-12, 1e-14);
        }
    }
    /* the descent heads for the saddle at the origin */
    CU_ASSERT(fabs(xh[0]) < 0.1 && fabs(xh[1]) < 0.1);
}

/* The charged particle (HIGHER_ORDER.md, problem 3): a particle from (0, 8)
 * with velocity (0.75, 0), naive Euler steps (dt = 0.1) under the force
 * -grad_x p(x; w), p = 1/|x - (10, 10 - w)| + 1/|x - (10, 0)|, until it
 * crosses the x axis (linear interpolation in the last step); w is moved
 * by damped Newton steps toward x0(t_f) = 0, through d x0(t_f)^2 / dw.  The force is a gradient inside the
 * function whose derivative in w is taken: nested, four mode variants, the
 * same w.  The number of steps (a branch) is found in double first, and
 * the tape is recorded with it; a recorded comparison guards it. */
static wg_var particle_charge(wg_tape *t, wg_var x0, wg_var x1, wg_var w)
{
    wg_var d1 = wg_hypot(t, wg_add_c(t, x0, -10), wg_sub(t, x1, wg_add_c(t, wg_neg(t, w), 10)));
    wg_var d2 = wg_hypot(t, wg_add_c(t, x0, -10), x1);
    return wg_add(t, wg_recip(t, d1), wg_recip(t, d2));
}

static int particle_steps(double w)
{
    wg_tape *t = wg_tape_new();
    double x[2] = { 0, 8 }, v[2] = { 0.75, 0 };
    int steps = 0;
    while (x[1] >= 0 && steps < 1000) {
        wg_tape_clear(t);
        wg_var a = wg_input(t, x[0]), b = wg_input(t, x[1]), c = wg_const(t, w);
        double g[2];
        wg_grad(t, particle_charge(t, a, b, c), 2, (wg_var[]){ a, b }, g);
        for (int j = 0; j < 2; j++) {
            v[j] -= 0.1 * g[j];
            x[j] += 0.1 * v[j];
        }
        steps++;
    }
    wg_tape_free(t);
    return steps;
}

static double particle_w(int inner_fwd, int outer_fwd)
{
    wg_tape *t = wg_tape_new();
    double wv = 0;
    for (int it = 0; it < 4; it++) {
        int steps = particle_steps(wv);
        wg_tape_clear(t);
        wg_var w = wg_input(t, wv);
        wg_var x[2] = { wg_const(t, 0), wg_const(t, 8) }, v[2] = { wg_const(t, 0.75), wg_const(t, 0) };
        wg_var xp[2] = { x[0], x[1] };
        for (int k = 0; k < steps; k++) {
            wg_var p = particle_charge(t, x[0], x[1], w), f[2];
            if (inner_fwd) {
                wg_var one = wg_const(t, 1), zero = wg_const(t, 0);
                wg_jvp_graph(t, 2, x, (wg_var[]){ one, zero }, 1, &p, &f[0]);
                wg_jvp_graph(t, 2, x, (wg_var[]){ zero, one }, 1, &p, &f[1]);
            } else {
                wg_grad_graph(t, p, 2, x, f);
            }
            for (int j = 0; j < 2; j++) {
                xp[j] = x[j];
                v[j] = wg_sub(t, v[j], wg_mul_c(t, f[j], 0.1));
                x[j] = wg_add(t, x[j], wg_mul_c(t, v[j], 0.1));
            }
        }
        /* the crossing, interpolated in the last step */
        wg_var zero = wg_const(t, 0);
        CU_ASSERT(wg_lt(t, x[1], zero));
        wg_var s = wg_div(t, xp[1], wg_sub(t, xp[1], x[1]));
        wg_var xf = wg_add(t, xp[0], wg_mul(t, s, wg_sub(t, x[0], xp[0])));
        wg_var E = wg_square(t, xf);
        CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
        double dE;
        int st = outer_fwd ? wg_jvp(t, 1, &w, (double[]){ 1 }, 1, &E, &dE)
                           : wg_grad(t, E, 1, &w, &dE);
        CU_ASSERT_EQUAL(st, WG_OK);
        /* a quarter of a Newton step on x_f = 0: dE = 2 x_f x_f' */
        wv -= 0.5 * wg_value(t, xf) / dE * wg_value(t, xf);
    }
    wg_tape_free(t);
    return wv;
}

static void charged_particle(void)
{
    double w0 = particle_w(0, 0);
    for (int v = 1; v < 4; v++)
        WG_ASSERT_CLOSE(particle_w(v & 1, v >> 1), w0, 1e-12, 1e-14);
    CU_ASSERT(isfinite(w0) && w0 != 0);
}

/* a graph holding recorded derivative nodes writes and reads back like any
 * graph: the same text, the same values, and it differentiates again */
static void graph_text_round_trip(void)
{
    wg_graph *g = wg_graph_new();
    wg_tape *t = wg_graph_tape(g);
    wg_var x = wg_graph_add_input(g, "x", 0.7), y = wg_graph_add_input(g, "y", -1.3);
    wg_var f = wg_add(t, wg_mul(t, wg_sin(t, x), wg_exp(t, y)), wg_relu(t, wg_mul(t, x, y)));
    wg_var d[2];
    CU_ASSERT_EQUAL_FATAL(wg_grad_graph(t, f, 2, (wg_var[]){ x, y }, d), WG_OK);
    wg_graph_add_output(g, "dx", d[0]);
    wg_graph_add_output(g, "dy", d[1]);
    char *buf = NULL, *buf2 = NULL;
    size_t len = 0, len2 = 0;
    FILE *m = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL_FATAL(wg_graph_write(g, m), WG_OK);
    fclose(m);
    wg_parse_error err;
    wg_graph *h = wg_graph_read_string(buf, "grad.wg", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    m = open_memstream(&buf2, &len2);
    CU_ASSERT_EQUAL(wg_graph_write(h, m), WG_OK);
    fclose(m);
    CU_ASSERT(len == len2 && memcmp(buf, buf2, len) == 0);
    for (int k = 0; k < 2; k++)
        CU_ASSERT_EQUAL(wg_value(wg_graph_tape(h), wg_graph_output(h, (size_t)k)), wg_value(t, d[k]));
    /* the Hessian's first row, from the text alone */
    wg_var hx[2];
    wg_tape *u = wg_graph_tape(h);
    CU_ASSERT_EQUAL(wg_grad_graph(u, wg_graph_output(h, 0), 2,
                                  (wg_var[]){ wg_graph_input(h, 0), wg_graph_input(h, 1) }, hx), WG_OK);
    WG_ASSERT_CLOSE(wg_value(u, hx[0]), -sin(0.7) * exp(-1.3), 1e-15, 0);
    WG_ASSERT_CLOSE(wg_value(u, hx[1]), cos(0.7) * exp(-1.3), 1e-15, 0);
    free(buf);
    free(buf2);
    wg_graph_free(h);
    wg_graph_free(g);
}

static int hvp_recorded(wg_tape *t, wg_var y, size_t n, const wg_var *x, const double *v,
                        double *Hv);

/* the two second-order paths hold each other: forward over reverse with
 * the second partials (a scalar tape) and forward over the recorded rules
 * (the same function with its inputs in a tensor) agree to rounding, for
 * every scalar row */
static void hvp_paths_agree(void)
{
    for (int o = 0; o < WG_OP_COUNT; o++) {
        wg_op op = (wg_op)o;
        wg_op_kind kind = wg_op_kind_of(op);
        if (kind == WG_KIND_LEAF || kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY
            || kind == WG_KIND_CMP)
            continue;
        for (int k = 0; k < 12; k++) {
            double a, b, c;
            point_of(op, k, &a, &b, &c);
            wg_tape *s = wg_tape_new(), *t = wg_tape_new();
            /* f = op(a, b) * (a - 2b) + op(a, b)^2: second derivatives of op
             * and products of its first ones */
            wg_var x[2] = { wg_input(s, a), wg_input(s, b) };
            wg_var y = wg_apply(s, op, x[0], x[1], c);
            wg_var f = wg_add(s, wg_mul(s, y, wg_sub(s, x[0], wg_mul_c(s, x[1], 2))),
                              wg_square(s, y));
            wg_var X = wg_tensor_input(t, 1, (size_t[]){ 2 }, (double[]){ a, b });
            wg_var xa = wg_reshape(t, wg_slice(t, X, 0, 0, 1), 0, NULL);
            wg_var xb = wg_reshape(t, wg_slice(t, X, 0, 1, 2), 0, NULL);
            wg_var Y = wg_apply(t, op, xa, xb, c);
            wg_var F = wg_add(t, wg_mul(t, Y, wg_sub(t, xa, wg_mul_c(t, xb, 2))), wg_square(t, Y));
            if (wg_status(s) != WG_OK || wg_status(t) != WG_OK) {
                wg_tape_free(s);
                wg_tape_free(t);
                continue;
            }
            double v[2] = { 0.6, -0.8 }, h1[2], h2[2];
            int s1 = wg_hvp(s, f, 2, x, v, h1), s2 = hvp_recorded(t, F, 1, &X, v, h2);
            if (s1 == WG_OK && s2 == WG_OK) {
                double scale = fmax(fabs(h2[0]), fabs(h2[1]));
                for (int j = 0; j < 2; j++) {
                    int ok = fabs(h1[j] - h2[j]) <= 1e-12 * scale + 1e-300;
                    if (!ok)
                        fprintf(stderr, "\n  %s at (%.17g, %.17g; %g): (Hv)[%d] double %.17g, "
                                "recorded %.17g\n", wg_op_name(op), a, b, c, j, h1[j], h2[j]);
                    CU_ASSERT(ok);
                }
            } else {
                CU_ASSERT(s1 != WG_OK && s2 != WG_OK);   /* both see the infinite one */
            }
            wg_tape_free(s);
            wg_tape_free(t);
        }
    }
}

/* HVP of y over x by the recorded path: the gradient graph swept forward
 * (truncated back by hand: a new tape per call keeps it simple) */
static int hvp_recorded(wg_tape *t, wg_var y, size_t n, const wg_var *x, const double *v,
                        double *Hv)
{
    wg_var g[8];
    int s = wg_grad_graph(t, y, n, x, g);
    return s != WG_OK ? s : wg_jvp(t, n, x, v, n, g, Hv);
}

/* every tensor row: wg_hvp's double sweep on tensor nodes (each op's
 * adjoint kernel twice, plus the derivative of its map) equals forward
 * over the recorded rules, through broadcasting, batches and every axis op */
static void tensor_hvp_double_matches_recorded(void)
{
    for (int k = 0; k < 17; k++) {
        wg_tape *t = wg_tape_new();
        wg_var a = tin(t, 3, (size_t[]){ 2, 3, 4 }, 1), w = tin(t, 2, (size_t[]){ 4, 5 }, 2);
        wg_var v1 = tin(t, 1, (size_t[]){ 4 }, 3), bb = tin(t, 4, (size_t[]){ 3, 1, 5, 2 }, 4);
        wg_var c1 = tin(t, 2, (size_t[]){ 3, 1 }, 5);
        wg_var y;
        switch (k) {
        case 0:  y = wg_matmul(t, a, w); break;
        case 1:  y = wg_matmul(t, wg_matmul(t, a, w), bb); break;
        case 2:  y = wg_matmul(t, a, v1); break;
        case 3:  y = wg_matmul(t, v1, w); break;
        case 4:  y = wg_sum(t, wg_square(t, a), 2, (int[]){ 0, 2 }, 0); break;
        case 5:  y = wg_mean(t, wg_exp(t, a), 1, (int[]){ 1 }, 1); break;
        case 6:  y = wg_max_reduce(t, a, 2, 0); break;
        case 7:  y = wg_logsumexp(t, a, 1, 1); break;
        case 8:  y = wg_logsoftmax(t, a, -1); break;
        case 9:  y = wg_softmax(t, a, 0); break;
        case 10: y = wg_sin(t, wg_reshape(t, a, 2, (size_t[]){ 4, 6 })); break;
        case 11: y = wg_transpose(t, wg_mul(t, a, v1), (int[]){ 1, 2, 0 }); break;
        case 12: y = wg_broadcast_to(t, wg_slice(t, a, 1, 1, 2), 4, (size_t[]){ 3, 2, 1, 4 });
                 break;
        case 13: y = wg_concat(t, 2, (wg_var[]){ wg_tanh(t, a), a }, 2); break;
        case 14: y = wg_div(t, a, wg_exp(t, c1)); break;          /* a stretched divisor */
        case 15: y = wg_softmax(t, wg_mul(t, a, c1), 2); break;
        default: y = wg_pow(t, wg_exp(t, c1), wg_tanh(t, a)); break;
        }
        /* a scalar objective whose Hessian touches every element: sum(sin(y) * y) */
        wg_var f = wg_sum(t, wg_mul(t, wg_sin(t, y), y), 0, NULL, 0);
        CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
        wg_var x[5] = { a, w, v1, bb, c1 };
        size_t N = 24 + 20 + 4 + 30 + 3;
        double v[81], h1[81], h2[81];
        unsigned seed = 11 + (unsigned)k;
        for (size_t e = 0; e < N; e++)
            v[e] = rnd(&seed);
        size_t size = wg_tape_size(t);
        CU_ASSERT_EQUAL_FATAL(wg_hvp(t, f, 5, x, v, h1), WG_OK);
        CU_ASSERT_EQUAL(wg_tape_size(t), size);         /* no growth: the double sweep */
        CU_ASSERT_EQUAL_FATAL(hvp_recorded(t, f, 5, x, v, h2), WG_OK);
        double scale = 0;
        for (size_t e = 0; e < N; e++)
            scale = fmax(scale, fabs(h2[e]));
        int bad = 0;
        for (size_t e = 0; e < N; e++)
            if (!(fabs(h1[e] - h2[e]) <= 1e-12 * scale)) {
                if (bad++ < 3)
                    fprintf(stderr, "\n  case %d: (Hv)[%zu] double %.17g, recorded %.17g\n", k,
                            e, h1[e], h2[e]);
            }
        CU_ASSERT_EQUAL(bad, 0);
        CU_ASSERT(scale > 0);
        wg_tape_free(t);
    }
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "every scalar row: recorded rule = double partial", scalar_rules_match_partials },
        { "every tensor row: recorded rules = double sweeps", tensor_rules_match_sweeps },
        { "Hessians and HVPs against differences of gradients", hessians },
        { "wg_hessian: edge pushing = N HVPs = recorded, every row", hessian_methods_agree },
        { "grad of grad of grad of a polynomial, replayed", polynomial_third_order },
        { "smooth ops' rules stay smooth: third derivatives at 0", smooth_rules_third_order },
        { "perturbation confusion: d/dx [x d/dy (x + y)] = 1", perturbation_confusion },
        { "kink conventions recorded as ops survive replay", kinks_replay },
        { "errors: domains, shapes, handles; hvp leaves the tape", errors },
        { "nested gradient descent to a saddle: four mode variants", saddle_point },
        { "the charged particle: a gradient inside, four variants", charged_particle },
        { ".wg text of a graph with recorded derivative nodes", graph_text_round_trip },
        { "HVP: double forward-over-reverse = recorded path, every row", hvp_paths_agree },
        { "HVP on tensor nodes: the double sweep = the recorded path, every tensor row",
          tensor_hvp_double_matches_recorded },
        { NULL, NULL }
    };
    return wg_test_main("higher", cases);
}
