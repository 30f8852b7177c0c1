/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_stepsize.h -- the error of the double central difference against
 * its step h, for a few built-in functions, beside the error of AD (a
 * JVP): why the verifier's step is cbrt(eps) max(1, |x|) and why AD needs
 * no step at all.
 *
 * For F(t) = f(x0 + t u) along a fixed direction u, the central difference
 * D(h) = (F(h) - F(-h)) / 2h has a truncation error h^2 |F'''| / 6 (slope
 * 2 on log-log axes) and a rounding error about eps |F| / h (slope -1);
 * their sum is least near h = cbrt(eps) times the scale of x.  The study
 * evaluates D at h = s 2^-1, ..., s 2^-50 (s = max(1, |x0|_inf)) in
 * double, on the recorded tape (wg_eval), against a reference derivative
 * computed by the verifier's MPFR replay of the same tape at 256 bits (a
 * central difference at steps 2^-85 s and 2^-93 s, which agree to far
 * below a double's ulp). */
#ifndef WG_REPORT_STEPSIZE_H
#define WG_REPORT_STEPSIZE_H

#include <stddef.h>

#define WG_STEP_K 50            /* steps s 2^-1 .. s 2^-50 */
#define WG_STEP_STUDIES 4

typedef struct wg_step_study {
    char name[16];              /* a file-name-safe name: "seed", "exp", ... */
    char expr[64];              /* the function, as an expression */
    char point[48];             /* "x1 = 2, x2 = 5" */
    char dir[48];               /* "u = (0.6, 0.8)" */
    double scale;               /* max(1, |x0|_inf) */
    double h_chosen;            /* cbrt(DBL_EPSILON) * scale: the verifier's step */
    double reference;           /* the MPFR directional derivative, rounded */
    double ad_value, ad_err;    /* the JVP and its relative error */
    double h[WG_STEP_K];
    double err[WG_STEP_K];      /* relative error of D(h[k]); NaN where F cannot be
                                   evaluated */
    double err_chosen;          /* relative error of D(h_chosen) */
    int best;                   /* k of the smallest error */
    char error[160];            /* why the study did not run; "" when it did */
} wg_step_study;

/* Run the studies into out[0..WG_STEP_STUDIES); returns how many ran
 * (a study that could not run has its error set). */
size_t wg_step_studies(wg_step_study *out);

#endif /* WG_REPORT_STEPSIZE_H */
