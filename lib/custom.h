/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* custom.h -- private: the custom-op registry as the kernels and sweeps
 * use it (lib/custom.c).  Not installed. */
#ifndef WG_CUSTOM_H
#define WG_CUSTOM_H

#include "wengert.h"

#include <math.h>

/* the registered name, or "custom" for an unknown id */
const char *wg_custom_name(int op_id);

/* The kernels of op_kernels.h for a custom node (p is its op id).  Inline,
 * over the public registry only (wg_custom_def): libwengert-verify and the
 * fuzzer include op_kernels.h and link the shared libwengert, which
 * exports the public functions alone. */

/* The callbacks always see x = (a, b) with b = 0 for a unary op, whatever
 * a caller passes there (an elementwise loop passes a twice, as for the
 * built-in unary rows). */

/* the value at (a, b); NaN for an unknown id */
static inline double wg_custom_value(int op_id, double a, double b)
{
    const wg_custom_op_def *d = wg_custom_def(op_id);
    if (!d)
        return NAN;
    double x[2] = { a, d->arity == 2 ? b : 0.0 };
    return d->value(x, d->ctx);
}

/* the partials at (a, b); *db is 0 for a unary op; NaN for an unknown id */
static inline void wg_custom_partials(int op_id, double a, double b, double *da, double *db)
{
    const wg_custom_op_def *d = wg_custom_def(op_id);
    double x[2] = { a, 0.0 }, g[2] = { NAN, 0 };
    if (d) {
        x[1] = d->arity == 2 ? b : 0.0;
        d->partials(x, g, d->ctx);
        if (d->arity == 1)
            g[1] = 0;
    }
    *da = g[0];
    *db = g[1];
}

/* NULL inside the op's domain, else why (to follow "argument ...: ") */
static inline const char *wg_custom_domain(int op_id, double a, double b)
{
    const wg_custom_op_def *d = wg_custom_def(op_id);
    if (!d)
        return "not a registered custom op";
    double x[2] = { a, d->arity == 2 ? b : 0.0 };
    return !d->domain || d->domain(x, d->ctx) ? NULL
           : "outside the op's domain (its domain callback)";
}
/* room in t->cid for t->cap nodes; WG_OK or WG_ENOMEM */
int         wg_custom_ids_reserve(wg_tape *t);
/* the first custom node of [lo, hi), or hi when none */
size_t      wg_first_custom(const wg_tape *t, size_t lo, size_t hi);

#endif /* WG_CUSTOM_H */
