/* SPDX-License-Identifier: GPL-3.0-or-later */
/* plugin.c -- a shared object of custom ops for wengert-verify --plugin
 * (and wengert-fuzz --plugin):
 *
 *     cc -shared -fPIC $(pkg-config --cflags wengert-verify) plugin.c -o plugin.so
 *     wengert-verify --plugin ./plugin.so -e 'softclip(x) * logaddexp(x, y)' \
 *         --at x=0.3,y=-1 --check
 *
 * It is linked without libwengert: the program that loads it has it.
 * wg_plugin_init registers the ops and returns 0.
 *   softclip(a) = a / (1 + |a|)      a smooth clip to (-1, 1); no MPFR value,
 *                                    so its checks say the reference is weak
 *   logaddexp(a, b) = log(e^a + e^b) with an MPFR value: the full reference
 * Built with -DWG_PLUGIN_SIGN_SLIP, logaddexp's d/db has the wrong sign
 * (tests/test_plugin.sh shows the check catching it); with
 * -DWG_PLUGIN_NO_INIT it has no entry point, with -DWG_PLUGIN_INIT_FAILS
 * its entry point fails. */
#include "wengert.h"
#include "wengert_verify.h"

#include <math.h>

static double softclip(const double *x, void *ctx)
{
    (void)ctx;
    return x[0] / (1 + fabs(x[0]));
}

static void softclip_d(const double *x, double *d, void *ctx)
{
    (void)ctx;
    double q = 1 + fabs(x[0]);
    d[0] = 1 / (q * q);
}

/* max + log1p(exp(-|a - b|)): no overflow */
static double logaddexp(const double *x, void *ctx)
{
    (void)ctx;
    double m = x[0] > x[1] ? x[0] : x[1];
    return m + log1p(exp(-fabs(x[0] - x[1])));
}

/* the softmax weights of a and b */
static void logaddexp_d(const double *x, double *d, void *ctx)
{
    (void)ctx;
    double e = exp(-fabs(x[0] - x[1])), big = 1 / (1 + e), small = e / (1 + e);
    d[0] = x[0] >= x[1] ? big : small;
    d[1] = x[0] >= x[1] ? small : big;
#ifdef WG_PLUGIN_SIGN_SLIP
    d[1] = -d[1];
#endif
}

static int logaddexp_mpfr(mpfr_ptr y, mpfr_srcptr const *x, mpfr_rnd_t rnd, void *ctx)
{
    (void)ctx;
    mpfr_t ea, eb;
    mpfr_prec_t p = mpfr_get_prec(y) + 64;
    mpfr_inits2(p, ea, eb, (mpfr_ptr)0);
    mpfr_exp(ea, x[0], MPFR_RNDN);
    mpfr_exp(eb, x[1], MPFR_RNDN);
    mpfr_add(ea, ea, eb, MPFR_RNDN);
    mpfr_log(y, ea, rnd);
    mpfr_clears(ea, eb, (mpfr_ptr)0);
    return 0;
}

#ifndef WG_PLUGIN_NO_INIT
int wg_plugin_init(void);

int wg_plugin_init(void)
{
#ifdef WG_PLUGIN_INIT_FAILS
    return 3;
#else
    int id;
    wg_custom_op_def sc = { "softclip", 1, softclip, softclip_d, NULL, NULL };
    if (wg_custom_op(&sc, &id) != WG_OK)
        return 1;
    wg_custom_op_def la = { "logaddexp", 2, logaddexp, logaddexp_d, NULL, NULL };
    if (wg_custom_op(&la, &id) != WG_OK || wg_custom_op_mpfr(id, logaddexp_mpfr, NULL) != WG_OK)
        return 2;
    return 0;
#endif
}
#endif
