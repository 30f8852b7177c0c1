/* SPDX-License-Identifier: GPL-3.0-or-later */
/* order2_blame.c -- after a failed second-order check, the op whose
 * recorded rule is wrong.
 *
 * Each op of the caller's tape, in tape order, is recorded alone on a tape
 * of its own (an input per operand, holding the operand's values at the
 * point, then the op: order2_tape.c) and checked the same way: its
 * gradient's values and its Hessian by the three methods.  The first that
 * fails is blamed: a wrong rule fails alone, at the values where it went
 * wrong.  Naming instead the first node of the gradient graph whose value
 * departs would need to know which recorded node belongs to which rule,
 * which the library does not say.  A failure no single op shows comes from
 * how the graph composes the rules (an adjoint accumulated wrongly). */
#include "check_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* room for a report of k results */
static int report_alloc(wg_check_report *r, size_t k)
{
    memset(r, 0, sizeof *r);
    r->results = calloc(k ? k : 1, sizeof *r->results);
    r->nresults = r->results ? k : 0;
    return r->results ? WG_OK : WG_ENOMEM;
}

int wg_o2_blame(wg_tape *t, size_t N, const wg_check_options *opt, int depth,
                wg_check_result *res)
{
    wg_check_options lo = *opt;
    lo.directions = lo.directions ? lo.directions : 2;
    lo.full_jacobian = 0;
    for (size_t i = 0; i < N; i++) {
        wg_tape *T = wg_tape_new();
        if (!T)
            return 0;
        wg_var in[2], out;
        size_t nin;
        if (wg_chk_one_op(t, i, T, in, &nin, &out) != WG_OK) {
            wg_tape_free(T);
            continue;
        }
        wg_check_report r1;
        int failed = 0;
        if (report_alloc(&r1, lo.directions) == WG_OK
            && wg_chk_order2(T, nin, in, 1, &out, &lo, &r1, wg_chk_now(), depth + 1) == WG_OK
            && r1.verdict == WG_VERDICT_FAIL) {
            const wg_check_result *w = &r1.results[r1.worst];
            failed = 1;
            res->blame_node = (long)i;
            res->blame_op = wg_node_op(t, i);
            res->blame_elem = w->blame_elem;
            wg_chk_append(res, "; blame: node %zu (%s), its recorded rule alone: %s: %s", i,
                   wg_op_name(res->blame_op), w->fail_mode, w->message);
        }
        wg_check_report_free(&r1);
        wg_tape_free(T);
        if (failed)
            return 1;
    }
    return 0;
}
