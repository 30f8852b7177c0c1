/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* custom.h -- private: the custom-op registry as the kernels and sweeps
 * use it (lib/custom.c).  Not installed. */
#ifndef WG_CUSTOM_H
#define WG_CUSTOM_H

#include "wengert.h"

/* the registered name, or "custom" for an unknown id */
const char *wg_custom_name(int op_id);
/* value and partials at (a, b) (b unused by unary ops, whose *db is 0);
 * NaN for an unknown id */
double      wg_custom_value(int op_id, double a, double b);
void        wg_custom_partials(int op_id, double a, double b, double *da, double *db);
/* NULL inside the op's domain, else why (to follow "argument ...: ") */
const char *wg_custom_domain(int op_id, double a, double b);
/* room in t->cid for t->cap nodes; WG_OK or WG_ENOMEM */
int         wg_custom_ids_reserve(wg_tape *t);
/* the first custom node of [lo, hi), or hi when none */
size_t      wg_first_custom(const wg_tape *t, size_t lo, size_t hi);

#endif /* WG_CUSTOM_H */
