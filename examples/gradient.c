/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* gradient.c -- the smallest complete use of libwengert: record
 * f(x1, x2) = ln(x1) + x1 x2 - sin(x2), take its gradient in reverse mode,
 * then replay the same tape at another point.
 *
 *   cc gradient.c $(pkg-config --cflags --libs --static wengert) -o gradient */
#include <stdio.h>
#include <wengert.h>

int main(void)
{
    wg_tape *t = wg_tape_new();
    if (!t)
        return 1;
    wg_var x[2] = { wg_input(t, 2.0), wg_input(t, 5.0) };
    wg_var y = wg_sub(t, wg_add(t, wg_log(t, x[0]), wg_mul(t, x[0], x[1])), wg_sin(t, x[1]));

    double g[2];
    int s = wg_grad(t, y, 2, x, g);             /* also reports any recording error */
    if (s != WG_OK) {
        fprintf(stderr, "%s: %s\n", wg_strerror(s), wg_errmsg(t));
        wg_tape_free(t);
        return 1;
    }
    printf("f(2, 5)  = %.17g\ngrad f   = (%.17g, %.17g)\n", wg_value(t, y), g[0], g[1]);

    const double at[2] = { 3.0, -4.0 };         /* same tape, new point */
    if ((s = wg_eval(t, 2, x, at)) == WG_OK && (s = wg_grad(t, y, 2, x, g)) == WG_OK)
        printf("f(3, -4) = %.17g\ngrad f   = (%.17g, %.17g)\n", wg_value(t, y), g[0], g[1]);
    else
        fprintf(stderr, "%s: %s\n", wg_strerror(s), wg_errmsg(t));
    wg_tape_free(t);
    return s == WG_OK ? 0 : 1;
}
