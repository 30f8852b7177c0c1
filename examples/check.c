/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check.c -- checking derivatives from C: f(x, y) = x^2 y + sin(x y) recorded
 * by a callback, checked along 5 random directions against the MPFR
 * reference.  Exit status 0 when the verdict is pass.
 *
 *   cc check.c $(pkg-config --cflags --libs --static wengert-verify) -o check */
#include <stdio.h>
#include <wengert_verify.h>

static int record(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n;
    (void)m;
    (void)ctx;
    wg_var xy = wg_mul(t, x[0], x[1]);
    y[0] = wg_add(t, wg_mul(t, wg_square(t, x[0]), x[1]), wg_sin(t, xy));
    return wg_status(t);
}

int main(void)
{
    const double point[2] = { 0.7, -1.3 };
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 5;
    wg_check_report r;
    int s = wg_check_fn(record, NULL, 2, point, 1, &o, &r);
    if (s != WG_OK) {
        fprintf(stderr, "check: %s\n", wg_strerror(s));
        return 2;
    }
    wg_check_report_print(&r, "x^2 y + sin(x y)", stdout);
    int ok = r.verdict == WG_VERDICT_PASS;
    wg_check_report_free(&r);
    return ok ? 0 : 1;
}
