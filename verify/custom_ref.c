/* SPDX-License-Identifier: GPL-3.0-or-later */
/* custom_ref.c -- the reference of custom ops (wengert.h, wg_custom_op).
 *
 * With an MPFR value callback (wg_custom_op_mpfr) a custom node is
 * replayed like a built-in op: its value at the working precision.
 * Without one the library has only the program's double code, so the
 * replay (mpfr_replay.c) takes the node as its first-order Taylor model
 * about the point: y0 = value(a0, b0) at the operands' values rounded to
 * double, plus D . (x - x0), with D the partials by GSL's five-point
 * central difference of the value callback (gsl_deriv_central, which also
 * estimates its error).  That model has the node's exact tangent up to
 * the difference's error, about 1e-10 relative: a check against it
 * catches a wrong partial (a sign, a factor, a swapped operand), not an
 * error of a few ulps, and says so (wg_check_result.reference_weak). */
#include "custom.h"
#include "mpfr_ops.h"
#include "wengert_verify.h"

#include <gsl/gsl_deriv.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdatomic.h>

static struct {
    _Atomic(wg_custom_mpfr_fn) fn;
    void *_Atomic ctx;
} mp[WG_CUSTOM_MAX];

int wg_custom_op_mpfr(int op_id, wg_custom_mpfr_fn fn, void *ctx)
{
    if (!wg_custom_def(op_id))
        return WG_EINVAL;
    atomic_store(&mp[op_id].ctx, ctx);
    atomic_store(&mp[op_id].fn, fn);
    return WG_OK;
}

int wg_custom_has_mpfr(int op_id)
{
    return op_id >= 0 && op_id < WG_CUSTOM_MAX && atomic_load(&mp[op_id].fn) != NULL;
}

const char *wg_custom_mpfr_value(int op_id, mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b)
{
    double xa = mpfr_get_d(a, MPFR_RNDN), xb = b ? mpfr_get_d(b, MPFR_RNDN) : 0.0;
    const char *why = wg_custom_domain(op_id, xa, xb);     /* the library's own test */
    if (why)
        return why;
    if (wg_custom_has_mpfr(op_id)) {
        mpfr_srcptr args[2] = { a, b };
        if (atomic_load(&mp[op_id].fn)(y, args, MPFR_RNDN, atomic_load(&mp[op_id].ctx)) != 0)
            return "outside the op's domain (its MPFR callback)";
        return NULL;
    }
    mpfr_set_d(y, wg_custom_value(op_id, xa, xb), MPFR_RNDN);
    return NULL;
}

typedef struct {
    const wg_custom_op_def *d;
    double x[2];
    int k;
    int out;            /* a point outside the domain was asked for */
} fd_ctx;

static double along(double s, void *p)
{
    fd_ctx *c = p;
    double x[2] = { c->x[0], c->x[1] };
    x[c->k] = s;
    if (c->d->domain && !c->d->domain(x, c->d->ctx)) {
        c->out = 1;
        return 0;
    }
    return c->d->value(x, c->d->ctx);
}

/* D[k] = d value / d x[k] at (a, b) by gsl_deriv_central, E[k] its error
 * estimate; the step starts at 2^-12 of the operand's scale and halves
 * until the stencil x +- h stays inside the op's domain.  WG_OK, or
 * WG_EDOM when no step up to 2^-40 of the scale does. */
int wg_custom_fd_partials(int op_id, double a, double b, double D[2], double E[2])
{
    const wg_custom_op_def *d = wg_custom_def(op_id);
    D[0] = D[1] = E[0] = E[1] = 0;
    if (!d)
        return WG_EINVAL;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int st = WG_OK;
    for (int k = 0; k < d->arity; k++) {
        fd_ctx c = { d, { a, b }, k, 0 };
        double x = k ? b : a, h = 0x1p-12 * fmax(fabs(x), 1.0), r = NAN, e = NAN;
        for (int tries = 0; tries < 29; tries++, h /= 2) {
            gsl_function F = { along, &c };
            c.out = 0;
            gsl_deriv_central(&F, x, h, &r, &e);
            if (!c.out)
                break;
        }
        if (c.out || !isfinite(r)) {
            st = WG_EDOM;
            r = e = NAN;
        }
        D[k] = r;
        E[k] = e;
    }
    gsl_set_error_handler(old);
    return st;
}
