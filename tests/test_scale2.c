/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_scale2.c -- the scale sweep at second order: every scalar op of the
 * table (read from WG_OP_LIST), at points whose two coordinates range from
 * 1e-150 to 1e150 each on its own, checked with order = 2 and the default
 * options otherwise (one direction, the AD methods).  The library is
 * correct, so no result may be fail, invalid or unstable.  Smaller than
 * test_scale.c (order 2 costs more): fewer exponents.
 *
 * What the sweep leaves out, and why: points outside an op's domain, and
 * points where the op's value, a partial or a second partial is not a
 * finite double (recip at 1e-150: its second derivative 2e450 is no
 * double, and wg_hvp reports WG_ERANGE by design).  The comparisons have
 * no derivative to check.
 *
 * Two kinds of verdict are counted apart, not as false ones, and each
 * must stay what it is:
 *   - invalid where the library cannot record the gradient graph at the
 *     point (tanh's recorded rule went through cosh, which overflowed past 710
 *     where tanh' is 0): the check says so, rightly;
 *   - unstable where the coordinates are 1e270 or more apart (1.4e-150
 *     and 1.1e150): the step must stay below the small one's size while
 *     the rounding of F, of the large one's size, grows as 1/h^2, and
 *     4096 bits, the most the reference takes, do not cover both. */
#include "op_kernels2.h"
#include "test_util.h"
#include "test_scale_ops.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int EXPS[] = { -150, -120, -100, -70, -50, -20, -2, 0, 2, 20, 50, 70, 100, 120,
                            150 };
#define NEXP (sizeof EXPS / sizeof EXPS[0])

/* the op's value, partials and second partials at (a, b) are finite
 * doubles, in its domain */
static int representable(const point_fn *f, double a, double b)
{
    double bb = f->unary ? 0 : b;
    if (wg_op_domain(f->op, a, bb, f->p))
        return 0;
    double y = wg_op_value(f->op, a, bb, f->p), d[2] = { 0, 0 }, h[3] = { 0, 0, 0 };
    if (!isfinite(y) || (f->unary && !isfinite(y + b)))
        return 0;
    wg_op_partials(f->op, a, bb, f->p, y, &d[0], &d[1]);
    wg_op_partials2(f->op, a, bb, f->p, y, &h[0], &h[1], &h[2]);
    return isfinite(d[0]) && isfinite(d[1]) && isfinite(h[0]) && isfinite(h[1])
           && isfinite(h[2]);
}

static unsigned false_verdicts, checked, skipped, no_graph, too_far;
static unsigned by_verdict[WG_VERDICT_UNSTABLE + 1];

static void sweep_one(const point_fn *f)
{
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = 1;
    o.order = 2;
    o.methods = (1u << WG_METHOD_REVERSE) | (1u << WG_METHOD_FORWARD);
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
                const char *msg = r.results[r.worst].message;
                if (r.verdict == WG_VERDICT_INVALID
                    && strncmp(msg, "recording the gradient graph fails", 34) == 0)
                    no_graph++;
                else if (r.verdict == WG_VERDICT_UNSTABLE && abs(EXPS[i] - EXPS[j]) >= 270)
                    too_far++;
                else if (r.verdict == WG_VERDICT_FAIL || r.verdict == WG_VERDICT_INVALID
                         || r.verdict == WG_VERDICT_UNSTABLE) {
                    false_verdicts++;
                    by_verdict[r.verdict]++;
                    fprintf(stderr, "\n  %s%s p=%g at (%.3g, %.3g): %s: %s", wg_op_name(f->op),
                            f->unary ? "(x1) + x2" : "(x1, x2)", f->p, a, b,
                            wg_verdict_name(r.verdict), msg);
                }
                wg_check_report_free(&r);
            }
}

static void every_op_at_every_scale(void)
{
    for_every_scalar_row(sweep_one);
    fprintf(stderr, "\n  second-order scale sweep: %u points checked, %u left out (domain, or "
            "a value, partial or second partial not a finite double), %u false "
            "fail/invalid/unstable (%u, %u, %u); apart: %u invalid where the gradient graph "
            "does not record, %u unstable with coordinates 1e270 apart\n", checked, skipped,
            false_verdicts, by_verdict[WG_VERDICT_FAIL], by_verdict[WG_VERDICT_INVALID],
            by_verdict[WG_VERDICT_UNSTABLE], no_graph, too_far);
    CU_ASSERT(checked > 30000);
    CU_ASSERT_EQUAL(false_verdicts, 0);
    /* the two kinds apart: no gradient graph fails to record (tanh's rule
     * went through cosh, which overflowed past 710: 360 points, until its
     * rule became 4 sigma(2a) sigma(-2a)), and 142 of the grid's 1e270
     * mixes (6 ordered pairs of exponents, four signs each, per function) */
    CU_ASSERT_EQUAL(no_graph, 0);
    CU_ASSERT(too_far <= 200);
}

int main(void)
{
    const wg_test_case cases[] = {
        { "order 2: every op at every scale, mixed per coordinate: no false verdict",
          every_op_at_every_scale },
        { NULL, NULL }
    };
    int rc = wg_test_main("scale2", cases);
    mpfr_free_cache();
    return rc;
}
