/* replay.c -- wg_eval: the recorded ops again at a new point, with the same
 * kernels in the same order (so replaying at the recorded point gives the
 * recorded values bit for bit), checking domains and recorded branches. */
#include "op_kernels.h"
#include "tape.h"

#include <math.h>

int wg_eval(wg_tape *t, size_t n, const wg_var *x, const double *values)
{
    static const char fn[] = "wg_eval";
    size_t lo, hi;
    int s;
    if (!t)
        return WG_EINVAL;
    if (t->status != WG_OK && !t->status_at_point)
        return t->status;               /* a recording error: only wg_tape_clear helps */
    if ((s = wg_check_list(t, fn, "x", n, x, 1, &lo, &hi)) != WG_OK)
        return s;
    if (n && !values)
        return wg_call_fail(t, WG_EINVAL, "%s: values is NULL but its length is %zu", fn, n);
    for (size_t j = 0; j < n; j++)
        if (!isfinite(values[j]))
            return wg_call_fail(t, WG_EINVAL, "%s: values[%zu] = %g is not finite", fn, j,
                                values[j]);
    if (n == 0)
        return t->status;               /* the point is unchanged, and so is its error */
    /* After an error at the old point, nodes before lo (which keep their
     * values) may hold it, a flipped comparison say: check them all again. */
    size_t from = t->status != WG_OK ? 0 : lo;
    t->status = WG_OK;                  /* the old point's error goes with the old point */
    t->status_at_point = 0;
    t->tan_k = 0;                       /* last sweeps belong to the old point */
    t->adj_n = t->adj_lo = 0;
    for (size_t j = 0; j < n; j++)
        t->val[wg_index(t, x[j])] = values[j];

    for (size_t i = from; i < t->n; i++) {
        wg_op op = (wg_op)t->op[i];
        wg_op_kind kind = wg_kind((uint8_t)op);
        if (kind == WG_KIND_LEAF)
            continue;
        double a = t->val[t->arg0[i]];
        double b = (kind == WG_KIND_BINARY || kind == WG_KIND_CMP) ? t->val[t->arg1[i]] : 0.0;
        double p = (kind == WG_KIND_CONST || kind == WG_KIND_INT) ? t->param[t->arg1[i]] : 0.0;
        double y = wg_op_value(op, a, b, p);
        if (kind == WG_KIND_CMP) {
            /* the recorded outcome stays: it is the branch the tape holds */
            if (y != t->val[i])
                wg_fail(t, WG_EBRANCH, 1, "%s: node %zu (%s): recorded %s, now %.17g %s %.17g "
                        "is %s; record the tape again at this point", fn, i, wg_op_name(op),
                        t->val[i] != 0 ? "true" : "false", a, wg_op_symbol(op), b,
                        y != 0 ? "true" : "false");
            continue;
        }
        t->val[i] = y;
        if (t->status != WG_OK)
            continue;                   /* keep the first error, finish the values */
        const char *why = wg_op_domain(op, a, b, p);
        char args[128];
        if (why || !isfinite(y))
            wg_format_args(op, a, b, p, args, sizeof args);
        if (why)
            wg_fail(t, WG_EDOM, 1, "%s: node %zu (%s): %s: %s", fn, i, wg_op_name(op), args, why);
        else if (!isfinite(y))
            wg_fail(t, WG_ERANGE, 1, "%s: node %zu (%s): %s: result %g is not finite", fn, i,
                    wg_op_name(op), args, y);
    }
    return t->status;
}
