/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_custom.c -- custom ops (wg_custom_op): registration and its errors,
 * recording, forward and reverse sweeps and replay against the built-in
 * ops they copy, on scalars and elementwise on tensors with broadcasting,
 * .wg text both ways, second order refused by name. */
#define _POSIX_C_SOURCE 200809L  /* open_memstream */
#include "test_util.h"
#include "wengert.h"

#include <float.h>
#include <stdlib.h>

/* mysin(a) = sin(a), myhyp(a, b) = a * exp(b): the built-in equivalents
 * give the expected numbers bit for bit (the same libm calls) */
static double mysin_v(const double *x, void *ctx)
{
    (void)ctx;
    return sin(x[0]);
}
static void mysin_d(const double *x, double *d, void *ctx)
{
    (void)ctx;
    d[0] = cos(x[0]);
}
static double mul_exp_v(const double *x, void *ctx)
{
    (void)ctx;
    return x[0] * exp(x[1]);
}
static void mul_exp_d(const double *x, double *d, void *ctx)
{
    (void)ctx;
    d[0] = exp(x[1]);
    d[1] = x[0] * exp(x[1]);
}
/* mylog: log with its domain */
static double mylog_v(const double *x, void *ctx)
{
    (void)ctx;
    return log(x[0]);
}
static void mylog_d(const double *x, double *d, void *ctx)
{
    (void)ctx;
    d[0] = 1.0 / x[0];
}
static int mylog_dom(const double *x, void *ctx)
{
    (void)ctx;
    return x[0] > 0;
}

/* mysqrt: its partial is not finite at 0, inside its domain */
static double mysqrt_v(const double *x, void *ctx)
{
    (void)ctx;
    return sqrt(x[0]);
}
static void mysqrt_d(const double *x, double *d, void *ctx)
{
    (void)ctx;
    d[0] = 0.5 / sqrt(x[0]);
}

static int id_sin = -1, id_mexp = -1, id_log = -1, id_sqrt = -1;

static void registered(void)
{
    if (id_sin >= 0)
        return;
    wg_custom_op_def d = { "mysin", 1, mysin_v, mysin_d, NULL, NULL };
    CU_ASSERT_EQUAL_FATAL(wg_custom_op(&d, &id_sin), WG_OK);
    wg_custom_op_def e = { "mul_exp", 2, mul_exp_v, mul_exp_d, NULL, NULL };
    CU_ASSERT_EQUAL_FATAL(wg_custom_op(&e, &id_mexp), WG_OK);
    wg_custom_op_def l = { "mylog", 1, mylog_v, mylog_d, mylog_dom, NULL };
    CU_ASSERT_EQUAL_FATAL(wg_custom_op(&l, &id_log), WG_OK);
    wg_custom_op_def q = { "mysqrt", 1, mysqrt_v, mysqrt_d, NULL, NULL };
    CU_ASSERT_EQUAL_FATAL(wg_custom_op(&q, &id_sqrt), WG_OK);
}

static void registration(void)
{
    registered();
    CU_ASSERT(id_sin != id_mexp);
    int id;
    CU_ASSERT(wg_custom_find("mul_exp", &id) && id == id_mexp);
    CU_ASSERT(!wg_custom_find("nope", &id));
    CU_ASSERT_STRING_EQUAL(wg_custom_def(id_sin)->name, "mysin");
    CU_ASSERT_EQUAL(wg_custom_def(id_mexp)->arity, 2);
    CU_ASSERT_PTR_NULL(wg_custom_def(wg_custom_count()));
    CU_ASSERT_PTR_NULL(wg_custom_def(-1));
    /* a name that is taken, or not a name */
    static const struct { const char *name; const char *says; } bad[] = {
        { "mysin", "registered already" }, { "sin", "built-in" }, { "stack", "built-in" },
        { "output", "keyword" }, { "input", "built-in" }, { "v12", "canonical" }, { "2x", "identifier" },
        { "my-op", "identifier" }, { "", "identifier" }, { "ln", "a function or a constant" },
        { "log10", "a function or a constant" }, { "pi", "a function or a constant" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        wg_custom_op_def d = { bad[k].name, 1, mysin_v, mysin_d, NULL, NULL };
        int before = wg_custom_count();
        CU_ASSERT_EQUAL(wg_custom_op(&d, &id), WG_EINVAL);
        CU_ASSERT_EQUAL(wg_custom_count(), before);
        if (!strstr(wg_custom_error(), bad[k].says))
            fprintf(stderr, "\n  %s: %s\n", bad[k].name, wg_custom_error());
        CU_ASSERT_PTR_NOT_NULL(strstr(wg_custom_error(), bad[k].says));
    }
    wg_custom_op_def d3 = { "three", 3, mysin_v, mysin_d, NULL, NULL };
    CU_ASSERT_EQUAL(wg_custom_op(&d3, &id), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_custom_error(), "arity 3"));
    wg_custom_op_def dn = { "nopartials", 1, mysin_v, NULL, NULL, NULL };
    CU_ASSERT_EQUAL(wg_custom_op(&dn, &id), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_custom_error(), "partials"));
    CU_ASSERT_EQUAL(wg_custom_op(NULL, &id), WG_EINVAL);
    /* a custom op's name is no longer a variable's name */
    CU_ASSERT(!wg_graph_name_ok("mysin"));
    CU_ASSERT(wg_graph_name_ok("mysin2"));
}

/* f(x, y) = mul_exp(mysin(x), y) + mysin(x * y), and the same with sin, exp */
static void record_pair(wg_tape *t, wg_tape *r, double x0, double y0, wg_var *xt, wg_var *ft,
                        wg_var *xr, wg_var *fr)
{
    xt[0] = wg_input(t, x0);
    xt[1] = wg_input(t, y0);
    wg_var s = wg_apply_custom(t, id_sin, &xt[0]);
    wg_var a2[2] = { s, xt[1] };
    wg_var m = wg_apply_custom(t, id_mexp, a2);
    wg_var xy = wg_mul(t, xt[0], xt[1]);
    *ft = wg_add(t, m, wg_apply_custom(t, id_sin, &xy));
    xr[0] = wg_input(r, x0);
    xr[1] = wg_input(r, y0);
    wg_var s2 = wg_sin(r, xr[0]);
    *fr = wg_add(r, wg_mul(r, s2, wg_exp(r, xr[1])), wg_sin(r, wg_mul(r, xr[0], xr[1])));
}

static void sweeps_match_builtins(void)
{
    registered();
    wg_tape *t = wg_tape_new(), *r = wg_tape_new();
    wg_var xt[2], xr[2], ft, fr;
    record_pair(t, r, 0.7, -0.4, xt, &ft, xr, &fr);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_node_op(t, 2), WG_OP_CUSTOM);
    CU_ASSERT_EQUAL(wg_node_custom(t, 2), id_sin);
    CU_ASSERT_EQUAL(wg_node_custom(t, 3), id_mexp);
    CU_ASSERT_EQUAL(wg_node_custom(t, 0), -1);
    CU_ASSERT_EQUAL(wg_node_arity(t, 2), 1);
    CU_ASSERT_EQUAL(wg_node_arity(t, 3), 2);
    CU_ASSERT_EQUAL(wg_node_arg(t, 2, 1), (size_t)-1);
    CU_ASSERT_EQUAL(wg_node_arg(t, 3, 1), 1);
    CU_ASSERT_STRING_EQUAL(wg_node_op_name(t, 3), "mul_exp");
    WG_ASSERT_ULPS(wg_value(t, ft), wg_value(r, fr), 1);
    double gt[2], gr[2], jt, jr, u[2] = { 0.6, -0.8 };
    CU_ASSERT_EQUAL_FATAL(wg_grad(t, ft, 2, xt, gt), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_grad(r, fr, 2, xr, gr), WG_OK);
    for (int k = 0; k < 2; k++)
        WG_ASSERT_ULPS(gt[k], gr[k], 2);
    CU_ASSERT_EQUAL_FATAL(wg_jvp(t, 2, xt, u, 1, &ft, &jt), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_jvp(r, 2, xr, u, 1, &fr, &jr), WG_OK);
    WG_ASSERT_ULPS(jt, jr, 2);
    WG_ASSERT_CLOSE(jt, gt[0] * u[0] + gt[1] * u[1], 1e-15, 0);
    /* the accumulating backward and the Jacobians take the same sweeps */
    double J[2];
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, 1, &ft, 2, xt, J), WG_OK);
    WG_ASSERT_ULPS(J[1], gr[1], 2);
    CU_ASSERT_EQUAL(wg_backward(t, ft, 1.0), WG_OK);
    WG_ASSERT_ULPS(wg_grad_of(t, xt[0]), gr[0], 2);
    /* replay at a new point, then sweep there */
    double p[2] = { -1.3, 0.25 };
    CU_ASSERT_EQUAL_FATAL(wg_eval(t, 2, xt, p), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_eval(r, 2, xr, p), WG_OK);
    WG_ASSERT_ULPS(wg_value(t, ft), wg_value(r, fr), 1);
    CU_ASSERT(wg_value(t, ft) != 0);
    CU_ASSERT_EQUAL_FATAL(wg_grad(t, ft, 2, xt, gt), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_grad(r, fr, 2, xr, gr), WG_OK);
    for (int k = 0; k < 2; k++)
        WG_ASSERT_ULPS(gt[k], gr[k], 2);
    /* the generic recorder: c is the op id */
    wg_var g = wg_apply(t, WG_OP_CUSTOM, xt[0], xt[1], (double)id_mexp);
    WG_ASSERT_ULPS(wg_value(t, g), p[0] * exp(p[1]), 1);
    wg_tape_free(t);
    wg_tape_free(r);
}

/* ---- tensors: elementwise with broadcasting, as the built-in rows */

/* one shape class: X and Y's shapes (rank 0: a scalar input) */
typedef struct tcase {
    const char *what;
    int rx, ry;
    size_t sx[2], sy[2];
} tcase;

static size_t numel_of(int rank, const size_t *s)
{
    size_t n = 1;
    for (int d = 0; d < rank; d++)
        n *= s[d];
    return n;
}

static wg_var tin(wg_tape *t, int rank, const size_t *s, const double *v)
{
    return rank ? wg_tensor_input(t, rank, s, v) : wg_input(t, v[0]);
}

/* F = mul_exp(mysin(X), Y) + mysin(X * Y), and with sin, exp, mul in r;
 * f = sum(F) */
static void record_tensor_pair(wg_tape *t, wg_tape *r, const tcase *c, const double *vx,
                               const double *vy, wg_var *xt, wg_var *Ft, wg_var *ft,
                               wg_var *xr, wg_var *Fr, wg_var *fr)
{
    xt[0] = tin(t, c->rx, c->sx, vx);
    xt[1] = tin(t, c->ry, c->sy, vy);
    wg_var s = wg_apply_custom(t, id_sin, &xt[0]);
    wg_var a2[2] = { s, xt[1] };
    wg_var m = wg_apply_custom(t, id_mexp, a2);
    wg_var xy = wg_mul(t, xt[0], xt[1]);
    *Ft = wg_add(t, m, wg_apply_custom(t, id_sin, &xy));
    *ft = wg_sum(t, *Ft, 0, NULL, 0);
    xr[0] = tin(r, c->rx, c->sx, vx);
    xr[1] = tin(r, c->ry, c->sy, vy);
    wg_var s2 = wg_sin(r, xr[0]);
    *Fr = wg_add(r, wg_mul(r, s2, wg_exp(r, xr[1])), wg_sin(r, wg_mul(r, xr[0], xr[1])));
    *fr = wg_sum(r, *Fr, 0, NULL, 0);
}

/* the tensor values of v on both tapes, within n ulps element by element */
static void same_values(wg_tape *t, wg_var a, wg_tape *r, wg_var b, size_t ne, double n)
{
    double va[64], vb[64];
    CU_ASSERT_EQUAL_FATAL(wg_numel(t, a), ne);
    CU_ASSERT_EQUAL_FATAL(wg_numel(r, b), ne);
    CU_ASSERT_EQUAL_FATAL(wg_tensor_value(t, a, va), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_tensor_value(r, b, vb), WG_OK);
    for (size_t e = 0; e < ne; e++)
        WG_ASSERT_ULPS(va[e], vb[e], n);
}

/* derivatives: within ulps, or, where terms summed over a stretched axis
 * cancel, within a few roundings of the largest entry (the chain rule
 * through mul_exp's own partial rounds in another order than mul's and
 * exp's; a wrong rule is off by a whole term) */
static void same_array(const double *a, const double *b, size_t n, double ulps)
{
    double scale = 0;
    for (size_t e = 0; e < n; e++)
        scale = fmax(scale, fmax(fabs(a[e]), fabs(b[e])));
    for (size_t e = 0; e < n; e++)
        if (fabs(a[e] - b[e]) > 8 * DBL_EPSILON * scale)
            WG_ASSERT_ULPS(a[e], b[e], ulps);
}

static void tensors_match_builtins(void)
{
    registered();
    static const tcase cases[] = {
        { "same shape", 2, 2, { 2, 3 }, { 2, 3 } },
        { "a size-1 axis stretched", 2, 2, { 2, 3 }, { 1, 3 } },
        { "both operands stretched", 2, 2, { 2, 1 }, { 1, 3 } },
        { "a missing axis", 2, 1, { 2, 3 }, { 3, 0 } },
        { "a scalar with a tensor", 0, 2, { 0, 0 }, { 2, 3 } },
        { "a tensor with a scalar", 2, 0, { 3, 2 }, { 0, 0 } },
        { "a 0-size axis", 2, 2, { 0, 3 }, { 1, 3 } },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const tcase *c = &cases[k];
        size_t nx = numel_of(c->rx, c->sx), ny = numel_of(c->ry, c->sy);
        double vx[8], vy[8], px[8], py[8];
        for (size_t e = 0; e < 8; e++) {
            vx[e] = 0.3 + 0.25 * (double)e;
            vy[e] = -0.45 + 0.2 * (double)e;
            px[e] = -1.1 + 0.35 * (double)e;
            py[e] = 0.6 - 0.15 * (double)e;
        }
        wg_tape *t = wg_tape_new(), *r = wg_tape_new();
        wg_var xt[2], xr[2], Ft, Fr, ft, fr;
        record_tensor_pair(t, r, c, vx, vy, xt, &Ft, &ft, xr, &Fr, &fr);
        if (wg_status(t) != WG_OK)
            fprintf(stderr, "\n  %s: %s\n", c->what, wg_errmsg(t));
        CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_status(r), WG_OK);
        size_t nf = wg_numel(r, Fr), n = nx + ny;
        size_t shape_t[8], shape_r[8];
        CU_ASSERT_EQUAL(wg_shape(t, Ft, shape_t), wg_shape(r, Fr, shape_r));
        CU_ASSERT_EQUAL(memcmp(shape_t, shape_r, sizeof(size_t) * (size_t)wg_shape(r, Fr, NULL)), 0);
        size_t mysin_node = 2 + 0;      /* X, Y, then mysin(X) */
        CU_ASSERT_EQUAL(wg_node_custom(t, mysin_node), id_sin);
        CU_ASSERT_STRING_EQUAL(wg_node_op_name(t, mysin_node + 1), "mul_exp");
        same_values(t, Ft, r, Fr, nf, 1);
        WG_ASSERT_ULPS(wg_value(t, ft), wg_value(r, fr), 2);
        /* the gradient: a stretched operand's is the sum over the stretched axes */
        double gt[16], gr[16];
        CU_ASSERT_EQUAL_FATAL(wg_grad(t, ft, 2, xt, gt), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_grad(r, fr, 2, xr, gr), WG_OK);
        same_array(gt, gr, n, 2);
        /* a JVP of the tensor output, one direction and two at once */
        double u[32], jt[16], jr[16];
        for (size_t e = 0; e < 2 * n; e++)
            u[e] = 0.5 - 0.125 * (double)e;
        CU_ASSERT_EQUAL_FATAL(wg_jvp(t, 2, xt, u, 1, &Ft, jt), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_jvp(r, 2, xr, u, 1, &Fr, jr), WG_OK);
        same_array(jt, jr, nf, 2);
        double Jt[16 * 2], Jr[16 * 2];
        CU_ASSERT_EQUAL_FATAL(wg_jvp_multi(t, 2, xt, 2, u, 1, &Ft, Jt), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_jvp_multi(r, 2, xr, 2, u, 1, &Fr, Jr), WG_OK);
        same_array(Jt, Jr, 2 * nf, 2);
        /* the Jacobians of F, both modes */
        double Ht[16 * 16], Hr[16 * 16];
        CU_ASSERT_EQUAL_FATAL(wg_jacobian_fwd(t, 1, &Ft, 2, xt, Ht), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_jacobian_fwd(r, 1, &Fr, 2, xr, Hr), WG_OK);
        same_array(Ht, Hr, nf * n, 2);
        CU_ASSERT_EQUAL_FATAL(wg_jacobian_rev(t, 1, &Ft, 2, xt, Ht), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_jacobian_rev(r, 1, &Fr, 2, xr, Hr), WG_OK);
        same_array(Ht, Hr, nf * n, 2);
        /* the accumulating backward */
        CU_ASSERT_EQUAL_FATAL(wg_backward(t, ft, 1.0), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_backward(r, fr, 1.0), WG_OK);
        if (c->rx) {
            CU_ASSERT_EQUAL(wg_grad_of_tensor(t, xt[0], gt), WG_OK);
            CU_ASSERT_EQUAL(wg_grad_of_tensor(r, xr[0], gr), WG_OK);
            same_array(gt, gr, nx, 2);
        } else
            WG_ASSERT_ULPS(wg_grad_of(t, xt[0]), wg_grad_of(r, xr[0]), 2);
        /* replay at a new point, then sweep there */
        double pv[16];
        memcpy(pv, px, nx * sizeof *pv);
        memcpy(pv + nx, py, ny * sizeof *pv);
        CU_ASSERT_EQUAL_FATAL(wg_eval(t, 2, xt, pv), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_eval(r, 2, xr, pv), WG_OK);
        same_values(t, Ft, r, Fr, nf, 1);
        CU_ASSERT_EQUAL_FATAL(wg_grad(t, ft, 2, xt, gt), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_grad(r, fr, 2, xr, gr), WG_OK);
        same_array(gt, gr, n, 2);
        /* at the recorded point again: the recorded values bit for bit */
        double before[16], after[16];
        memcpy(pv, vx, nx * sizeof *pv);
        memcpy(pv + nx, vy, ny * sizeof *pv);
        CU_ASSERT_EQUAL_FATAL(wg_eval(r, 2, xr, pv), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_tensor_value(r, Fr, before), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_eval(t, 2, xt, pv), WG_OK);
        CU_ASSERT_EQUAL_FATAL(wg_tensor_value(t, Ft, after), WG_OK);
        same_array(after, before, nf, 1);
        wg_tape_free(t);
        wg_tape_free(r);
    }
}

/* elementwise errors: shapes, domains and ranges name the element */
static void tensor_errors(void)
{
    registered();
    wg_tape *t = wg_tape_new();
    size_t s23[2] = { 2, 3 }, s32[2] = { 3, 2 }, s2[1] = { 2 };
    double v[6] = { 1, 2, 3, 4, 5, 6 };
    wg_var A = wg_tensor_input(t, 2, s23, v), B = wg_tensor_input(t, 2, s32, v);
    wg_var ab[2] = { A, B };
    size_t size = wg_tape_size(t);
    CU_ASSERT_EQUAL(wg_apply_custom(t, id_mexp, ab).id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_ESHAPE);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "node 2 (mul_exp): shapes 2x3 and 3x2 do not "
                                                "broadcast"));
    CU_ASSERT_EQUAL(wg_tape_size(t), size);       /* nothing half-recorded */
    /* the same for a trailing axis of another size */
    wg_tape_clear(t);
    A = wg_tensor_input(t, 2, s23, v);
    wg_var C = wg_tensor_input(t, 1, s2, v);
    wg_var ac[2] = { A, C };
    CU_ASSERT_EQUAL(wg_apply_custom(t, id_mexp, ac).id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_ESHAPE);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "shapes 2x3 and 2 do not broadcast"));
    /* the domain callback per element: the first element outside, named */
    wg_tape_clear(t);
    double d[6] = { 1, 2, 0.5, -4, 5, -6 };
    A = wg_tensor_input(t, 2, s23, d);
    wg_var L = wg_apply_custom(t, id_log, &A);
    CU_ASSERT_NOT_EQUAL(L.id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_EDOM);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "node 1 (mylog): element 3: argument -4: "
                                                "outside the op's domain"));
    /* at replay */
    wg_tape_clear(t);
    A = wg_tensor_input(t, 2, s23, v);
    L = wg_apply_custom(t, id_log, &A);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    double out[6];
    CU_ASSERT_EQUAL(wg_tensor_value(t, L, out), WG_OK);
    for (int e = 0; e < 6; e++)
        WG_ASSERT_ULPS(out[e], log(v[e]), 0);
    double bad[6] = { 1, 2, 3, 4, -0.5, 6 };
    CU_ASSERT_EQUAL(wg_eval(t, 1, &A, bad), WG_EDOM);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_eval: node 1 (mylog): element 4: "
                                                "argument -0.5: outside"));
    CU_ASSERT_EQUAL(wg_eval(t, 1, &A, d + 0), WG_EDOM);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "element 3: argument -4"));
    CU_ASSERT_EQUAL(wg_eval(t, 1, &A, v), WG_OK);
    /* no domain callback: a value that is not finite is WG_ERANGE, by element */
    wg_tape_clear(t);
    double z[2] = { 1, 0 };
    wg_var Z = wg_tensor_input(t, 1, s2, z);
    wg_var zc[2] = { Z, wg_const(t, 800) };
    CU_ASSERT_NOT_EQUAL(wg_apply_custom(t, id_mexp, zc).id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "node 2 (mul_exp): element 0: result inf is "
                                                "not finite"));
    /* a partial that is not finite: the sweep fails naming node and element */
    wg_tape_clear(t);
    double q[3] = { 4, 0, 1 };
    size_t s3[1] = { 3 };
    wg_var Q = wg_tensor_input(t, 1, s3, q);
    wg_var S = wg_sum(t, wg_apply_custom(t, id_sqrt, &Q), 0, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    double g[3];
    CU_ASSERT_EQUAL(wg_grad(t, S, 1, &Q, g), WG_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "node 1 (mysqrt): element 1: "
                                                "derivative is not finite at argument 0"));
    double u[3] = { 0, 1, 0 }, yd;
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &Q, u, 1, &S, &yd), WG_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "(mysqrt): element 1"));
    wg_tape_free(t);
}

/* second order stays refused on tensor tapes */
static void tensor_second_order_refused(void)
{
    registered();
    static const tcase c = { "same shape", 1, 1, { 2, 0 }, { 2, 0 } };
    double vx[2] = { 0.5, 0.7 }, vy[2] = { -0.2, 0.3 };
    wg_tape *t = wg_tape_new(), *r = wg_tape_new();
    wg_var x[2], xr[2], F, Fr, f, fr;
    record_tensor_pair(t, r, &c, vx, vy, x, &F, &f, xr, &Fr, &fr);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    size_t size = wg_tape_size(t);
    wg_var g[2];
    double v[4] = { 1, 0, 0, 1 }, Hv[4], H[16];
    CU_ASSERT_EQUAL(wg_grad_graph(t, f, 2, x, g), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_grad_graph: node 2 (mysin): a custom op"));
    CU_ASSERT_EQUAL(wg_hvp(t, f, 2, x, v, Hv), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_hvp: node 2 (mysin)"));
    for (int m = WG_HESSIAN_EDGE_PUSHING; m <= WG_HESSIAN_RECORDED; m++) {
        CU_ASSERT_EQUAL(wg_hessian_with(t, (wg_hessian_method)m, f, 2, x, H), WG_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_hessian: node 2 (mysin)"));
    }
    CU_ASSERT_EQUAL(wg_hessian(t, f, 2, x, H), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_tape_size(t), size);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    double gr[4];
    CU_ASSERT_EQUAL(wg_grad(t, f, 2, x, gr), WG_OK);
    wg_tape_free(t);
    wg_tape_free(r);
}

static void recording_errors(void)
{
    registered();
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 0.5);
    wg_var none = { 0 };
    CU_ASSERT_EQUAL(wg_apply_custom(t, 1000, &x).id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "op id 1000 is not a registered custom op"));
    wg_tape_clear(t);
    x = wg_input(t, 0.5);
    wg_var args[2] = { x, none };
    CU_ASSERT_EQUAL(wg_apply_custom(t, id_mexp, args).id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "(mul_exp): operand 2"));
    /* the domain callback, at recording and at replay */
    wg_tape_clear(t);
    x = wg_input(t, -1.0);
    wg_apply_custom(t, id_log, &x);
    CU_ASSERT_EQUAL(wg_status(t), WG_EDOM);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "node 1 (mylog): argument -1: outside"));
    wg_tape_clear(t);
    x = wg_input(t, 2.0);
    wg_var y = wg_apply_custom(t, id_log, &x);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    WG_ASSERT_ULPS(wg_value(t, y), log(2.0), 0);
    double bad = -3;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &x, &bad), WG_EDOM);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_eval: node 1 (mylog): argument -3"));
    double good = 4;
    CU_ASSERT_EQUAL(wg_eval(t, 1, &x, &good), WG_OK);
    WG_ASSERT_ULPS(wg_value(t, y), log(4.0), 0);
    /* no domain callback: a value that is not finite is WG_ERANGE */
    wg_tape_clear(t);
    x = wg_input(t, 0.0);
    wg_var a2[2] = { x, wg_const(t, 800) };
    CU_ASSERT_EQUAL(wg_apply_custom(t, id_mexp, a2).id, 3);
    CU_ASSERT_EQUAL(wg_status(t), WG_ERANGE);   /* 0 * inf = NaN */
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "(mul_exp): arguments (0, 800)"));
    wg_tape_free(t);
}

static void second_order_refused(void)
{
    registered();
    wg_tape *t = wg_tape_new();
    wg_var x[2], xr[2], f, fr;
    wg_tape *r = wg_tape_new();
    record_pair(t, r, 0.7, -0.4, x, &f, xr, &fr);
    size_t size = wg_tape_size(t);
    wg_var g[2];
    double v[2] = { 1, 0 }, Hv[2], H[4];
    CU_ASSERT_EQUAL(wg_grad_graph(t, f, 2, x, g), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_grad_graph: node 2 (mysin): a custom op"));
    CU_ASSERT_EQUAL(wg_tape_size(t), size);
    CU_ASSERT_EQUAL(wg_hvp(t, f, 2, x, v, Hv), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_hvp: node 2 (mysin)"));
    CU_ASSERT_EQUAL(wg_hessian(t, f, 2, x, H), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "(mysin)"));
    /* every method, edge pushing included (it would need second partials) */
    for (int m = WG_HESSIAN_EDGE_PUSHING; m <= WG_HESSIAN_RECORDED; m++) {
        CU_ASSERT_EQUAL(wg_hessian_with(t, (wg_hessian_method)m, f, 2, x, H), WG_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "wg_hessian: node 2 (mysin)"));
    }
    CU_ASSERT_EQUAL(wg_tape_size(t), size);
    wg_var u[2] = { wg_const(t, 1), wg_const(t, 0) }, yd;
    CU_ASSERT_EQUAL(wg_jvp_graph(t, 2, x, u, 1, &f, &yd), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_vjp_graph(t, 1, &f, &u[0], 2, x, g), WG_EINVAL);
    /* the tape still works, first order */
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    double gr[2];
    CU_ASSERT_EQUAL(wg_grad(t, f, 2, x, gr), WG_OK);
    /* a gradient graph of the part before the custom node is fine */
    wg_tape *s = wg_tape_new();
    wg_var a = wg_input(s, 0.5);
    wg_var sq = wg_square(s, a);
    wg_apply_custom(s, id_sin, &sq);
    wg_var gs;
    CU_ASSERT_EQUAL(wg_grad_graph(s, sq, 1, &a, &gs), WG_OK);
    WG_ASSERT_ULPS(wg_value(s, gs), 1.0, 0);
    wg_tape_free(s);
    wg_tape_free(t);
    wg_tape_free(r);
}

static char *graph_text(const wg_graph *g)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    wg_graph_write(g, f);
    fclose(f);
    return buf;
}

static void wg_text(void)
{
    registered();
    const char *src = "input x = 0.5\ninput y = 2\nv2 = mysin(x)\n"
                      "f = mul_exp(v2, y + 1) * 2\noutput f\n";
    wg_parse_error err;
    wg_graph *g = wg_graph_read_string(src, "s.wg", &err);
    if (!g)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_tape *t = wg_graph_tape(g);
    wg_var f = wg_graph_output(g, 0);
    WG_ASSERT_ULPS(wg_value(t, f), 2 * (sin(0.5) * exp(3.0)), 1);
    char *a = graph_text(g);
    CU_ASSERT_PTR_NOT_NULL(strstr(a, "= mysin(x)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(a, "= mul_exp(v2, v"));
    wg_graph *g2 = wg_graph_read_string(a, "a.wg", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g2);
    char *b = graph_text(g2);
    CU_ASSERT_STRING_EQUAL(a, b);
    free(a);
    free(b);
    /* traces and DOT name the op; the tangent table's numbers are the sweep's */
    char *tr = NULL;
    size_t trlen = 0;
    FILE *ms = open_memstream(&tr, &trlen);
    double u[2] = { 1, 0 };
    CU_ASSERT_EQUAL(wg_trace_primal(g2, ms), WG_OK);
    CU_ASSERT_EQUAL(wg_trace_tangent(g2, u, ms), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_write_dot(g2, 0, ms), WG_OK);
    fclose(ms);
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, "mysin(x)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, "mul_exp(v2, "));
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, "\\nmul_exp"));
    /* mul_exp's partials at (sin 0.5, 3) in the rule's values: d/da = e^3 and
     * d/db = sin(0.5) e^3 (a custom node's own op id and second operand) */
    char da[32], db[32];
    snprintf(da, sizeof da, "%g", exp(3.0));
    snprintf(db, sizeof db, "%g", sin(0.5) * exp(3.0));
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, da));
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, db));
    free(tr);
    wg_graph_free(g);
    wg_graph_free(g2);
    /* expressions too */
    const char *names[] = { "x" };
    double vals[] = { 0.3 };
    g = wg_graph_parse_expr("mysin(x) + mylog(x)", 1, names, vals, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    WG_ASSERT_ULPS(wg_value(wg_graph_tape(g), wg_graph_output(g, 0)), sin(0.3) + log(0.3), 1);
    wg_graph_free(g);
    /* errors name line:column and the op */
    static const struct { const char *text; const char *says; } bad[] = {
        { "input x = 1\nv1 = notanop(x)\noutput v1\n", "2:6: error: unknown function 'notanop'" },
        { "input x = 1\nv1 = mul_exp(x)\noutput v1\n", "2:15: error: expected ',' and argument 2 of the custom op 'mul_exp' (it takes 2 arguments)" },
        { "input x = 1\nv1 = mysin(x, x)\noutput v1\n", "2:13: error: expected ')' after the arguments of the custom op 'mysin'" },
        { "input x = 1\nv1 = custom(x)\noutput v1\n", "2:6: error: 'custom' cannot be called" },
        { "input mysin = 1\noutput mysin\n", "1:7: error: 'mysin' cannot name a variable: it is an op name" },
        { "input x = 1\nmul_exp = x\noutput mul_exp\n", "2:1: error: 'mul_exp' cannot name a variable" },
        { "input x = -1\nv1 = mylog(x)\noutput v1\n", "mylog" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        g = wg_graph_read_string(bad[k].text, "b.wg", &err);
        CU_ASSERT_PTR_NULL(g);
        if (!strstr(err.message, bad[k].says))
            fprintf(stderr, "\n  case %zu: %s\n", k, err.message);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, bad[k].says));
        wg_graph_free(g);
    }
}

/* a tensor graph with custom calls: read, written, read again; the values
 * are the built-in ops' element by element; traces and DOT name the op */
static void wg_text_tensor(void)
{
    registered();
    const char *src = "input X : 2x3 = [0.5, -1, 2, 1.5, 0, 0.25]\n"
                      "input c : 1x3 = [0.1, 0.2, -0.3]\ninput y = 2\n"
                      "s = mysin(X)\nm = mul_exp(s, c)\nf = sum(mylog(X * X + 1) + m * y)\n"
                      "output m\noutput f\n";
    wg_parse_error err;
    wg_graph *g = wg_graph_read_string(src, "t.wg", &err);
    if (!g)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_tape *t = wg_graph_tape(g);
    double X[6] = { 0.5, -1, 2, 1.5, 0, 0.25 }, c[3] = { 0.1, 0.2, -0.3 }, m[6], want = 0;
    CU_ASSERT_EQUAL_FATAL(wg_tensor_value(t, wg_graph_output(g, 0), m), WG_OK);
    for (int e = 0; e < 6; e++) {
        WG_ASSERT_ULPS(m[e], sin(X[e]) * exp(c[e % 3]), 0);
        want += log(X[e] * X[e] + 1) + m[e] * 2;
    }
    WG_ASSERT_CLOSE(wg_value(t, wg_graph_output(g, 1)), want, 1e-15, 0);
    char *a = graph_text(g);
    CU_ASSERT_PTR_NOT_NULL(strstr(a, "v3 = mysin(X)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(a, "v4 = mul_exp(v3, c)\n"));
    wg_graph *g2 = wg_graph_read_string(a, "a.wg", &err);
    if (!g2)
        fprintf(stderr, "\n  %s\n%s\n", err.message, a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g2);
    char *b = graph_text(g2);
    CU_ASSERT_STRING_EQUAL(a, b);
    double m2[6];
    CU_ASSERT_EQUAL(wg_tensor_value(wg_graph_tape(g2), wg_graph_output(g2, 0), m2), WG_OK);
    CU_ASSERT_EQUAL(memcmp(m, m2, sizeof m), 0);
    free(a);
    free(b);
    char *tr = NULL;
    size_t trlen = 0;
    FILE *ms = open_memstream(&tr, &trlen);
    double u[10] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    CU_ASSERT_EQUAL(wg_trace_primal(g2, ms), WG_OK);
    CU_ASSERT_EQUAL(wg_trace_tangent(g2, u, ms), WG_OK);
    CU_ASSERT_EQUAL(wg_trace_adjoint(g2, 1, ms), WG_OK);
    CU_ASSERT_EQUAL(wg_graph_write_dot(g2, 0, ms), WG_OK);
    fclose(ms);
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, "mysin(X)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, "mul_exp(v3, c)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, "\\nmul_exp"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tr, "_c = sum_to(_v4 * (dv4/dc), shape=[1, 3])"));
    if (getenv("WG_TEST_SHOW"))
        fputs(tr, stderr);
    free(tr);
    wg_graph_free(g2);
    wg_graph_free(g);
    /* errors name the line, the op and the element */
    static const struct { const char *text; const char *says; } bad[] = {
        { "input X : 2x3 = [1, 2, 3, 4, 5, 6]\ninput c : 2 = [1, 2]\nv1 = mul_exp(X, c)\n"
          "output v1\n", "3:6: error: node 2 (mul_exp): shapes 2x3 and 2 do not broadcast" },
        { "input X : 3 = [1, -2, 3]\nv1 = mylog(X)\noutput v1\n",
          "node 1 (mylog): element 1: argument -2: outside" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        g = wg_graph_read_string(bad[k].text, "b.wg", &err);
        CU_ASSERT_PTR_NULL(g);
        if (!strstr(err.message, bad[k].says))
            fprintf(stderr, "\n  case %zu: %s\n", k, err.message);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, bad[k].says));
        wg_graph_free(g);
    }
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "registration and its errors", registration },
        { "record, sweep, replay: the same numbers as built-in ops", sweeps_match_builtins },
        { "recording errors: ids, handles, domains", recording_errors },
        { "tensors of every shape class: the same numbers as built-in ops",
          tensors_match_builtins },
        { "tensor errors: shapes, domains and ranges by element", tensor_errors },
        { "second order refused on tensor tapes", tensor_second_order_refused },
        { "second order refused by name, the tape as it was", second_order_refused },
        { ".wg text and expressions both ways; errors", wg_text },
        { ".wg text of tensor custom calls both ways; traces, DOT; errors", wg_text_tensor },
        { NULL, NULL }
    };
    return wg_test_main("custom", cases);
}
