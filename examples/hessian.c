/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* hessian.c -- second derivatives and a nested derivative.
 *
 * The Hessian of f(x, y) = exp(x y) + sin(x) y^2 at (0.5, 2) by wg_hessian,
 * a Hessian-vector product by wg_hvp, and the gradient recorded as nodes
 * (wg_grad_graph) so that it can be used inside a further computation and
 * differentiated again: d/dx [ x * (d/dy (x + y)) ] = 1 (the perturbation
 * confusion test: a tool that mixes up the two derivatives gives 2).
 *
 *   cc hessian.c $(pkg-config --cflags --libs --static wengert) -o hessian */
#include <math.h>
#include <stdio.h>
#include <wengert.h>

int main(void)
{
    wg_tape *t = wg_tape_new();
    if (!t)
        return 1;
    wg_var x[2] = { wg_input(t, 0.5), wg_input(t, 2.0) };
    wg_var f = wg_add(t, wg_exp(t, wg_mul(t, x[0], x[1])),
                      wg_mul(t, wg_sin(t, x[0]), wg_square(t, x[1])));
    double H[4], v[2] = { 1, -1 }, Hv[2];
    if (wg_hessian(t, f, 2, x, H) != WG_OK || wg_hvp(t, f, 2, x, v, Hv) != WG_OK) {
        fprintf(stderr, "%s\n", wg_errmsg(t));
        wg_tape_free(t);
        return 1;
    }
    /* by hand: f_xx = y^2 e^{xy} - y^2 sin x, f_xy = (1 + xy) e^{xy} + 2y cos x,
     * f_yy = x^2 e^{xy} + 2 sin x */
    double e = exp(1.0), want[4] = { 4 * e - 4 * sin(0.5), 2 * e + 4 * cos(0.5),
                                     2 * e + 4 * cos(0.5), 0.25 * e + 2 * sin(0.5) };
    double worst = 0;
    for (int k = 0; k < 4; k++)
        worst = fmax(worst, fabs(H[k] - want[k]) / fabs(want[k]));
    printf("Hessian  [%.15g %.15g; %.15g %.15g]  (by %s)\n", H[0], H[1], H[2], H[3],
           wg_hessian_method_name(wg_hessian_last_method(t)));
    printf("by hand  [%.15g %.15g; %.15g %.15g]  largest relative difference %.2g\n", want[0],
           want[1], want[2], want[3], worst);
    printf("H (1, -1) = (%.15g, %.15g)\n", Hv[0], Hv[1]);

    /* a derivative inside a function that is differentiated again */
    wg_tape_clear(t);
    wg_var a = wg_input(t, 1.0), b = wg_input(t, 1.0), db;
    wg_grad_graph(t, wg_add(t, a, b), 1, &b, &db);     /* d/dy (x + y), a node */
    wg_var g = wg_mul(t, a, db);
    double dg;
    if (wg_grad(t, g, 1, &a, &dg) != WG_OK) {
        fprintf(stderr, "%s\n", wg_errmsg(t));
        wg_tape_free(t);
        return 1;
    }
    printf("d/dx [x * d/dy (x + y)] at x = y = 1: %g (1 is right, 2 is perturbation confusion)\n",
           dg);
    wg_tape_free(t);
    return worst < 1e-14 && dg == 1 ? 0 : 1;
}
