/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_scale.c -- the scale sweep: every scalar op of the table (read
 * from WG_OP_LIST), at points whose coordinates range from 1e-300 to 1e300
 * each on its own, checked with the default options.  The library is
 * correct, so no result may be fail, invalid or unstable.
 *
 * What the sweep leaves out, and why: points outside an op's domain
 * (wg_op_domain: nothing to check there), and points where the op's value
 * or a partial is not a finite double (recip at 1e-300: its derivative
 * -1e600 is no double, and the library's sweep reports WG_ERANGE by
 * design).  The comparisons have no derivative to check.  Everything else
 * is in, subnormal values and partials included (div(1e-300, 1e300)). */
#include "op_kernels.h"
#include "test_util.h"
#include "test_scale_ops.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>

/* decimal exponents of the coordinates: the extremes, the square roots of
 * the range's ends (where squares and reciprocals leave it), the places
 * issue reports named (1e-43, 1e-52, 1e-70), and the middle */
static const int EXPS[] = { -300, -200, -154, -100, -70, -52, -43, -20, -2, 0,
                            2, 20, 40, 70, 100, 154, 200, 300 };
#define NEXP (sizeof EXPS / sizeof EXPS[0])

/* the op's value and partials at (a, b) are finite doubles, in its domain */
static int representable(const point_fn *f, double a, double b)
{
    double bb = f->unary ? 0 : b;
    if (wg_op_domain(f->op, a, bb, f->p))
        return 0;
    double y = wg_op_value(f->op, a, bb, f->p), d[2] = { 0, 0 };
    if (!isfinite(y) || (f->unary && !isfinite(y + b)))
        return 0;
    wg_op_partials(f->op, a, bb, f->p, y, &d[0], &d[1]);
    return isfinite(d[0]) && isfinite(d[1]);
}

static unsigned false_verdicts, checked, skipped;

static void sweep_one(const point_fn *f)
{
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 2;
    for (size_t i = 0; i < NEXP; i++)
        for (size_t j = 0; j < NEXP; j++)
            for (int sg = 0; sg < 4; sg++) {
                /* mantissas off the powers of ten and of two, so no
                 * coordinate sits on a kink or a tie by accident */
                double a = (sg & 1 ? -1.37 : 1.37) * pow(10, EXPS[i]);
                double b = (sg & 2 ? -1.13 : 1.13) * pow(10, EXPS[j]);
                if (!representable(f, a, b)) {
                    skipped++;
                    continue;
                }
                double x[2] = { a, b };
                wg_check_report r;
                int s = wg_check_fn(record, (void *)f, 2, x, 1, &o, &r);
                CU_ASSERT_EQUAL(s, WG_OK);
                if (s != WG_OK)
                    continue;
                checked++;
                if (r.verdict == WG_VERDICT_FAIL || r.verdict == WG_VERDICT_INVALID
                    || r.verdict == WG_VERDICT_UNSTABLE) {
                    false_verdicts++;
                    fprintf(stderr, "\n  %s%s p=%g at (%.3g, %.3g): %s: %s", wg_op_name(f->op),
                            f->unary ? "(x1) + x2" : "(x1, x2)", f->p, a, b,
                            wg_verdict_name(r.verdict), r.results[r.worst].message);
                }
                wg_check_report_free(&r);
            }
}

static void every_op_at_every_scale(void)
{
    for_every_scalar_row(sweep_one);
    fprintf(stderr, "\n  scale sweep: %u points checked, %u left out (domain or not "
            "representable), %u false fail/invalid/unstable\n", checked, skipped,
            false_verdicts);
    CU_ASSERT(checked > 10000);
    CU_ASSERT_EQUAL(false_verdicts, 0);
}

int main(void)
{
    const wg_test_case cases[] = {
        { "every op at every scale, mixed per coordinate: no false verdict",
          every_op_at_every_scale },
        { NULL, NULL }
    };
    int rc = wg_test_main("scale", cases);
    mpfr_free_cache();
    return rc;
}
