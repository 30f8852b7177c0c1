/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_custom_verify.c -- the verifier on custom ops (wg_custom_op): a
 * correct op passes, one with a wrong partial (a sign slip, a lost factor)
 * fails and is blamed on its node; with an MPFR value callback the
 * reference is the full kind, without one the weaker kind, and every
 * result says which.  The same on tensors, elementwise with broadcasting:
 * the blame names the custom tensor node and its element. */
#define _POSIX_C_SOURCE 200809L  /* open_memstream */
#include "test_util.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <stdlib.h>

/* g(a, b) = a * exp(b) */
static double g_v(const double *x, void *ctx)
{
    (void)ctx;
    return x[0] * exp(x[1]);
}
static void g_d(const double *x, double *d, void *ctx)
{
    (void)ctx;
    d[0] = exp(x[1]);
    d[1] = x[0] * exp(x[1]);
}
/* the same with a sign slip in d/db */
static void g_d_sign(const double *x, double *d, void *ctx)
{
    (void)ctx;
    d[0] = exp(x[1]);
    d[1] = -x[0] * exp(x[1]);
}
static int g_mpfr(mpfr_ptr y, mpfr_srcptr const *x, mpfr_rnd_t rnd, void *ctx)
{
    (void)ctx;
    mpfr_t e;
    mpfr_init2(e, mpfr_get_prec(y) + 32);
    mpfr_exp(e, x[1], MPFR_RNDN);
    mpfr_mul(y, e, x[0], rnd);
    mpfr_clear(e);
    return 0;
}
/* s(a) = sin(a) / 2, its partial missing the 1/2 */
static double s_v(const double *x, void *ctx)
{
    (void)ctx;
    return sin(x[0]) / 2;
}
static void s_d(const double *x, double *d, void *ctx)
{
    (void)ctx;
    d[0] = cos(x[0]) / 2;
}
static void s_d_factor(const double *x, double *d, void *ctx)
{
    (void)ctx;
    d[0] = cos(x[0]);
}

static int id_g, id_g_bad, id_g_mp, id_g_bad_mp, id_s, id_s_bad;

static void reg(const char *name, int arity, double (*v)(const double *, void *),
                void (*d)(const double *, double *, void *), int *id)
{
    wg_custom_op_def def = { name, arity, v, d, NULL, NULL };
    CU_ASSERT_EQUAL_FATAL(wg_custom_op(&def, id), WG_OK);
}

static void setup(void)
{
    static int done;
    if (done++)
        return;
    reg("cg", 2, g_v, g_d, &id_g);
    reg("cg_bad", 2, g_v, g_d_sign, &id_g_bad);
    reg("cg_mp", 2, g_v, g_d, &id_g_mp);
    reg("cg_bad_mp", 2, g_v, g_d_sign, &id_g_bad_mp);
    reg("cs", 1, s_v, s_d, &id_s);
    reg("cs_bad", 1, s_v, s_d_factor, &id_s_bad);
    CU_ASSERT_EQUAL(wg_custom_op_mpfr(id_g_mp, g_mpfr, NULL), WG_OK);
    CU_ASSERT_EQUAL(wg_custom_op_mpfr(id_g_bad_mp, g_mpfr, NULL), WG_OK);
    CU_ASSERT_EQUAL(wg_custom_op_mpfr(99, g_mpfr, NULL), WG_EINVAL);
}

/* f = log(1 + cg(x0, sin(x1))^2) + x0 * cs(x1 x0): the custom node of id
 * `g` is node 4 (blamed when its rule is wrong) */
static void check(int g, int s, wg_check_report *r, size_t *gnode, size_t *snode)
{
    wg_tape *t = wg_tape_new();
    wg_var x[2] = { wg_input(t, 0.4), wg_input(t, -0.7) };
    wg_var sn = wg_sin(t, x[1]);
    wg_var args[2] = { x[0], sn };
    wg_var cg = wg_apply_custom(t, g, args);
    *gnode = wg_var_index(t, cg);
    wg_var l = wg_log1p(t, wg_square(t, cg));
    wg_var p = wg_mul(t, x[1], x[0]);
    wg_var cs = wg_apply_custom(t, s, &p);
    *snode = wg_var_index(t, cs);
    wg_var f = wg_add(t, l, wg_mul(t, x[0], cs));
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 4;
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &f, &o, r), WG_OK);
    wg_tape_free(t);
}

static int all_weak(const wg_check_report *r, int want)
{
    for (size_t k = 0; k < r->nresults; k++)
        if (r->results[k].reference_weak != want)
            return 0;
    return r->nresults > 0;
}

static void correct_ops_pass(void)
{
    setup();
    wg_check_report r;
    size_t gn, sn;
    check(id_g, id_s, &r, &gn, &sn);
    if (r.verdict != WG_VERDICT_PASS)
        wg_check_report_print(&r, "weak", stderr);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    CU_ASSERT(all_weak(&r, 1));
    CU_ASSERT(wg_check_report_weak(&r));
    /* the weaker reference is still far better than a double difference */
    for (size_t k = 0; k < r.nresults; k++)
        CU_ASSERT(r.results[k].reference_err < 1e-6 * fabs(r.results[k].reference) + 1e-12);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    wg_check_report_print(&r, "f", m);
    wg_check_report_json(&r, "f", m);
    fclose(m);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "f: pass (weak reference: a custom op without an MPFR value)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"reference_weak\":true"));
    free(buf);
    wg_check_report_free(&r);
    /* with the MPFR callback on the binary op; the unary one is still weak */
    check(id_g_mp, id_s, &r, &gn, &sn);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    CU_ASSERT(all_weak(&r, 1));
    wg_check_report_free(&r);
}

static void wrong_partials_fail(void)
{
    setup();
    static const struct { int *g, *s; int weak; int blame_g; } cases[] = {
        { &id_g_bad, &id_s, 1, 1 },         /* sign slip, weak reference */
        { &id_g, &id_s_bad, 1, 0 },         /* lost factor, weak reference */
        { &id_g_bad_mp, &id_s, 1, 1 },      /* sign slip, MPFR value (cs still weak) */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        wg_check_report r;
        size_t gn, sn;
        check(*cases[k].g, *cases[k].s, &r, &gn, &sn);
        const wg_check_result *w = &r.results[r.worst];
        if (r.verdict != WG_VERDICT_FAIL || w->blame_node != (long)(cases[k].blame_g ? gn : sn))
            wg_check_report_print(&r, "bad", stderr);
        CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
        CU_ASSERT_EQUAL(w->blame_node, (long)(cases[k].blame_g ? gn : sn));
        CU_ASSERT_EQUAL(w->blame_op, WG_OP_CUSTOM);
        CU_ASSERT(all_weak(&r, cases[k].weak));
        wg_check_report_free(&r);
    }
}

/* a tape of built-in ops and a custom op with an MPFR value: the full
 * reference, no weak flag; a sign slip there fails */
static void full_reference(void)
{
    setup();
    for (int bad = 0; bad < 2; bad++) {
        wg_tape *t = wg_tape_new();
        wg_var x[2] = { wg_input(t, 1.3), wg_input(t, 0.2) };
        wg_var args[2] = { wg_sin(t, x[0]), x[1] };
        wg_var c = wg_apply_custom(t, bad ? id_g_bad_mp : id_g_mp, args);
        wg_var f = wg_mul(t, c, x[0]);
        wg_check_report r;
        CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &f, NULL, &r), WG_OK);
        CU_ASSERT_EQUAL(r.verdict, bad ? WG_VERDICT_FAIL : WG_VERDICT_PASS);
        CU_ASSERT(all_weak(&r, 0));
        CU_ASSERT(!wg_check_report_weak(&r));
        if (!bad)       /* the full reference: the two steps agree to far below an ulp */
            for (size_t k = 0; k < r.nresults; k++)
                CU_ASSERT(r.results[k].reference_err < 1e-25 * fabs(r.results[k].reference));
        if (bad)
            CU_ASSERT_EQUAL(r.results[r.worst].blame_node, (long)wg_var_index(t, c));
        wg_check_report_free(&r);
        wg_tape_free(t);
    }
}

/* the sign slip of g_d_sign, only where a > 1.5: on a tensor, one element */
static void g_d_slip(const double *x, double *d, void *ctx)
{
    (void)ctx;
    d[0] = exp(x[1]);
    d[1] = (x[0] > 1.5 ? -x[0] : x[0]) * exp(x[1]);
}

/* F = cg(X, sin(B)) * cs(X) with X 2x3 and B 1x3 (stretched), f = sum(F^2):
 * elementwise custom nodes on tensors, lowered element by element; the
 * node of cg is returned in *gnode */
static void check_tensor(int g, int s, wg_check_report *r, size_t *gnode)
{
    wg_tape *t = wg_tape_new();
    size_t sx[2] = { 2, 3 }, sb[2] = { 1, 3 };
    double vx[6] = { 0.4, -0.7, 1.1, 0.9, 1.7, -0.2 }, vb[3] = { 0.3, -0.5, 0.8 };
    wg_var x[2] = { wg_tensor_input(t, 2, sx, vx), wg_tensor_input(t, 2, sb, vb) };
    wg_var args[2] = { x[0], wg_sin(t, x[1]) };
    wg_var cg = wg_apply_custom(t, g, args);
    *gnode = wg_var_index(t, cg);
    wg_var F = wg_mul(t, cg, wg_apply_custom(t, s, &x[0]));
    wg_var f = wg_sum(t, wg_square(t, F), 0, NULL, 0);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 4;
    wg_var y[2] = { f, F };
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 2, y, &o, r), WG_OK);
    wg_tape_free(t);
}

static void tensor_ops(void)
{
    setup();
    static int id_slip = -1, id_slip_mp = -1;
    if (id_slip < 0) {
        reg("cg_tslip", 2, g_v, g_d_slip, &id_slip);
        reg("cg_tslip_mp", 2, g_v, g_d_slip, &id_slip_mp);
        CU_ASSERT_EQUAL(wg_custom_op_mpfr(id_slip_mp, g_mpfr, NULL), WG_OK);
    }
    /* correct ops pass, with the weak reference and with the MPFR one */
    static const struct { int *g; int weak; } good[] = { { &id_g, 1 }, { &id_g_mp, 1 } };
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        wg_check_report r;
        size_t gn;
        check_tensor(*good[k].g, id_s, &r, &gn);
        if (r.verdict != WG_VERDICT_PASS)
            wg_check_report_print(&r, "tensor", stderr);
        CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
        CU_ASSERT(all_weak(&r, good[k].weak));
        wg_check_report_free(&r);
    }
    /* a sign slip at element 4 (X = 1.7): blamed on the custom tensor node
     * and that element, by its registered name */
    static const int *bad[] = { &id_slip, &id_slip_mp };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        wg_check_report r;
        size_t gn;
        check_tensor(*bad[k], id_s, &r, &gn);
        const wg_check_result *w = &r.results[r.worst];
        if (r.verdict != WG_VERDICT_FAIL || w->blame_node != (long)gn || w->blame_elem != 4)
            wg_check_report_print(&r, "tensor slip", stderr);
        CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
        CU_ASSERT_EQUAL(w->blame_node, (long)gn);
        CU_ASSERT_EQUAL(w->blame_op, WG_OP_CUSTOM);
        CU_ASSERT_EQUAL(w->blame_elem, 4);
        CU_ASSERT_PTR_NOT_NULL(strstr(w->blame_name, k ? "cg_tslip_mp" : "cg_tslip"));
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        wg_check_report_print(&r, "f", m);
        fclose(m);
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, k ? "cg_tslip_mp" : "cg_tslip"));
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, "element 4"));
        if (getenv("WG_TEST_SHOW"))
            fputs(buf, stderr);
        free(buf);
        wg_check_report_free(&r);
    }
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "correct custom ops pass; weak reference said", correct_ops_pass },
        { "wrong partials fail, blamed on the custom node", wrong_partials_fail },
        { "an MPFR value callback: the full reference", full_reference },
        { "custom ops on tensors: pass, and a slip blamed on node and element", tensor_ops },
        { NULL, NULL }
    };
    return wg_test_main("custom_verify", cases);
}
