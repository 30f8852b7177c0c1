/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_scale_ops.h -- what the scale sweeps of tests/test_scale.c (first
 * order) and tests/test_scale2.c (second order) share: a function of two
 * inputs per scalar row of the op table (op(x1) + x2 for a unary row,
 * op(x1, x2) for a binary one, with a few constants for the rows that take
 * one), recorded for wg_check_fn; and the walk over the table's rows. */
#ifndef WG_TEST_SCALE_OPS_H
#define WG_TEST_SCALE_OPS_H

#include "wengert.h"

typedef struct point_fn {
    wg_op op;
    double p;           /* the constant of add_c, mul_c, pow_c, powi */
    int unary;          /* 1: op(x1) + x2; 0: op(x1, x2) */
} point_fn;

static int record(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m;
    const point_fn *f = ctx;
    if (f->unary)
        y[0] = wg_add(t, wg_apply(t, f->op, x[0], x[0], f->p), x[1]);
    else
        y[0] = wg_apply(t, f->op, x[0], x[1], f->p);
    return wg_status(t);
}

/* sweep(f) for every scalar row: unary and binary rows once, add_c and
 * mul_c at two constants, pow_c at three, powi at two; leaves,
 * comparisons, tensor rows (lowered to these) and custom ops left out */
static void for_every_scalar_row(void (*sweep)(const point_fn *f))
{
    static const double consts[] = { 0.5, -3.0 };      /* add_c, mul_c */
    static const double powers[] = { 2.5, -1.5, 3.0 }; /* pow_c */
    static const double ints[] = { 3, -2 };            /* powi */
    for (int op = 0; op < WG_OP_COUNT; op++) {
        wg_op_kind k = wg_op_kind_of((wg_op)op);
        point_fn f = { (wg_op)op, 0, k != WG_KIND_BINARY };
        switch (k) {
        case WG_KIND_UNARY: case WG_KIND_BINARY:
            sweep(&f);
            break;
        case WG_KIND_CONST: {
            const double *c = op == WG_OP_POW_C ? powers : consts;
            size_t nc = op == WG_OP_POW_C ? 3 : 2;
            for (size_t q = 0; q < nc; q++) {
                f.p = c[q];
                sweep(&f);
            }
            break;
        }
        case WG_KIND_INT:
            for (size_t q = 0; q < 2; q++) {
                f.p = ints[q];
                sweep(&f);
            }
            break;
        default:
            break;
        }
    }
}

#endif /* WG_TEST_SCALE_OPS_H */
