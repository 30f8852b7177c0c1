/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_seeds.c -- the worked examples of the seed documents, with the
 * mathematically correct figures (the printed tables have slips). */
#include "test_util.h"
#include "wengert.h"

/* f(x1, x2) = ln(x1) + x1 x2 - sin(x2) at (2, 5) */
static void seed_log_mul_sin(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x1 = wg_input(t, 2), x2 = wg_input(t, 5);
    wg_var y = wg_sub(t, wg_add(t, wg_log(t, x1), wg_mul(t, x1, x2)), wg_sin(t, x2));
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    WG_ASSERT_ULPS(wg_value(t, y), log(2.0) + 10.0 - sin(5.0), 1);
    WG_ASSERT_CLOSE(wg_value(t, y), 11.652071455223084, 1e-15, 0);

    wg_var x[2] = { x1, x2 };
    double g[2];
    CU_ASSERT_EQUAL(wg_grad(t, y, 2, x, g), WG_OK);
    WG_ASSERT_ULPS(g[0], 5.5, 0);                       /* 1/x1 + x2 */
    WG_ASSERT_ULPS(g[1], 2.0 - cos(5.0), 1);            /* x1 - cos x2 = 1.7163378145367738 */

    double J[2];
    CU_ASSERT_EQUAL(wg_jacobian_fwd(t, 1, &y, 2, x, J), WG_OK);
    WG_ASSERT_ULPS(J[0], g[0], 0);
    WG_ASSERT_ULPS(J[1], g[1], 0);
    wg_tape_free(t);
}

/* y = x1 x2 + x2 - ln(x1) at (3, -4): dy/dx1 = x2 - 1/x1 = -13/3, dy/dx2 = x1 + 1 = 4.
 * One seed table prints dy/dx1 = -4: a sign slip. */
static void seed_mul_add_log(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x1 = wg_input(t, 3), x2 = wg_input(t, -4);
    wg_var v1 = wg_mul(t, x1, x2), v2 = wg_log(t, x1), v3 = wg_add(t, v1, x2);
    wg_var y = wg_sub(t, v3, v2);
    WG_ASSERT_ULPS(wg_value(t, y), -16.0 - log(3.0), 1);
    wg_var x[2] = { x1, x2 };
    double g[2], u[2] = { 0, 1 }, ydot;
    CU_ASSERT_EQUAL(wg_grad(t, y, 2, x, g), WG_OK);
    WG_ASSERT_ULPS(g[0], -4.0 - 1.0 / 3.0, 1);
    WG_ASSERT_ULPS(g[1], 4.0, 0);
    CU_ASSERT_EQUAL(wg_jvp(t, 2, x, u, 1, &y, &ydot), WG_OK);
    WG_ASSERT_ULPS(ydot, 4.0, 0);
    wg_tape_free(t);
}

/* f(x) = log(x^2) sin(x) + 1/x, f'(x) = 2 sin(x)/x + log(x^2) cos(x) - 1/x^2 */
static void seed_closed_form(void)
{
    const double xs[] = { -7.5, -2.0, -0.3, 0.1, 0.5, 1.0, 2.5, 10.0, 123.456 };
    for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
        double x0 = xs[k];
        wg_tape *t = wg_tape_new();
        wg_var x = wg_input(t, x0);
        wg_var f = wg_add(t, wg_mul(t, wg_log(t, wg_powi(t, x, 2)), wg_sin(t, x)), wg_recip(t, x));
        CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
        double exact = 2 * sin(x0) / x0 + log(x0 * x0) * cos(x0) - 1 / (x0 * x0);
        double g, d, one = 1;
        CU_ASSERT_EQUAL(wg_grad(t, f, 1, &x, &g), WG_OK);
        CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, &one, 1, &f, &d), WG_OK);
        /* a few roundings on either side; the closed form itself rounds too */
        WG_ASSERT_CLOSE(g, exact, 1e-14, 1e-15);
        WG_ASSERT_ULPS(g, d, 2);
        wg_tape_free(t);
    }
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "ln(x1) + x1 x2 - sin(x2) at (2, 5)", seed_log_mul_sin },
        { "x1 x2 + x2 - ln(x1) at (3, -4)", seed_mul_add_log },
        { "log(x^2) sin(x) + 1/x against its closed form", seed_closed_form },
        { NULL, NULL }
    };
    return wg_test_main("seeds", cases);
}
