/* SPDX-License-Identifier: GPL-3.0-or-later */
/* paths.c -- the library's other derivative paths, judged like wg_vjp and
 * wg_jvp: wg_jvp_multi, wg_grad, wg_backward, the three Jacobians, and
 * wg_eval's replay at a new point.  Each gives w.(J u) (the replay: w.f
 * at the new point) by its own route; check.c holds it to the reference
 * within a bound (doc/VERIFY.md, "Every derivative path"), and checks
 * wg_vjp and wg_jvp on the copy the replay moved, at the new point.
 * wg_backward and the replay run on a copy of the tape under test, a
 * tensor tape as it is (its lowering is the model the replay's values are
 * judged on).
 *
 * Bounds.  wg_jvp_multi's lanes and wg_grad do, per lane and for w = 1,
 * the very operations of wg_jvp and wg_vjp: the bound B of the direction.
 * The Jacobians and wg_backward over several outputs take each entry (or
 * each output's adjoints) by a sweep of its own along a unit vector, then
 * sum w_i J_ij u_j in double: their error is at most
 *   sum_ij |w_i| |u_j| B(e_j, e_i) + (m + n) u sum_ij |w_i J_ij u_j|,
 * and since B is bilinear in the own sweeps' |tangents| and |adjoints|
 * (with their radii, bound.c), the first sum is B with the tangents
 * sum_j |u_j| |t(e_j)| and the adjoints sum_i |w_i| |lambda(e_i)|
 * (wg_chk_bound_abs).  wg_backward with one output adds two calls seeded
 * w/2: halving is exact, and so is the sum of the two equal halves, so it
 * has wg_vjp's bound B. */
#include "check_internal.h"
#include "op_kernels.h"     /* wg_op_partials at the replayed values */

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Jacobians are taken once per check up to this many entries */
#define WG_PATH_MAX_JAC (1u << 20)

int wg_chk_paths_open(wg_chk *c)
{
    size_t MN = c->m * c->n;
    c->pbuf = malloc((2 * (c->n + c->m) + 4) * sizeof *c->pbuf);
    c->tabs_sum = calloc(c->N + 1, sizeof *c->tabs_sum);
    c->adj_sum = calloc(c->N + 1, sizeof *c->adj_sum);
    if (!c->pbuf || !c->tabs_sum || !c->adj_sum)
        return WG_ENOMEM;
    c->jac_ok = 0;
    if (c->m && MN / c->m == c->n && MN <= WG_PATH_MAX_JAC) {
        int ok = 1;
        for (int k = 0; k < 3 && ok; k++)
            ok = (c->jac[k] = malloc(MN * sizeof **c->jac)) != NULL;
        if (!ok)
            return WG_ENOMEM;
        /* at x0, before any difference moves the tape; a status other
         * than WG_OK leaves the path not computed */
        int s0 = wg_jacobian_fwd(c->subj, c->sm, c->sy, c->sn, c->sx, c->jac[0]);
        int s1 = wg_jacobian_rev(c->subj, c->sm, c->sy, c->sn, c->sx, c->jac[1]);
        int s2 = wg_jacobian(c->subj, c->sm, c->sy, c->sn, c->sx, c->jac[2]);
        c->jac_ok = (s0 == WG_OK) | (s1 == WG_OK) << 1 | (s2 == WG_OK) << 2;
    }
    /* wg_backward accumulates into the tape's gradient buffer and wg_eval
     * moves its values: both run on a copy of the subject (the caller's
     * buffer and point stay theirs; a tensor tape is copied as it is, its
     * lowering is the model), the planted test state carried along */
    size_t Ns = 0;
    for (size_t k = 0; k < c->sm; k++) {
        size_t i = wg_var_index(c->subj, c->sy[k]);
        if (i != (size_t)-1 && i + 1 > Ns)
            Ns = i + 1;
    }
    c->cpN = Ns;
    c->cp = wg_tape_new();
    c->cpmap = malloc((Ns ? Ns : 1) * sizeof *c->cpmap);
    c->gbuf = malloc((c->n ? c->n : 1) * sizeof *c->gbuf);
    c->cp_x = malloc((c->sn ? c->sn : 1) * sizeof *c->cp_x);
    c->cp_y = malloc((c->sm ? c->sm : 1) * sizeof *c->cp_y);
    if (!c->cp || !c->cpmap || !c->gbuf || !c->cp_x || !c->cp_y)
        return WG_ENOMEM;
    char why[160];
    if (wg_chk_rebuild(c->subj, Ns, c->cp, c->cpmap, why, sizeof why) != WG_OK) {
        wg_tape_free(c->cp);
        c->cp = NULL;
    } else {
        wg_tape_copy_test_state(c->cp, c->subj);
        for (size_t k = 0; k < c->sm; k++)
            c->cp_y[k] = c->cpmap[wg_var_index(c->subj, c->sy[k])];
    }
    return WG_OK;
}

void wg_chk_paths_close(wg_chk *c)
{
    free(c->pbuf);
    free(c->tabs_sum);
    free(c->adj_sum);
    for (int k = 0; k < 3; k++)
        free(c->jac[k]);
    if (c->cp)
        wg_tape_free(c->cp);
    free(c->cpmap);
    free(c->gbuf);
    free(c->cp_x);
    free(c->cp_y);
}

/* subject handle k is on the copy: its node there, else WG_NO_NODE-like -1 */
static size_t on_copy(const wg_chk *c, size_t k)
{
    size_t i = wg_var_index(c->subj, c->sx[k]);
    return i != (size_t)-1 && i < c->cpN ? i : (size_t)-1;
}

static void set_value(wg_figure *f, double v)
{
    f->value = v;
    f->computed = isfinite(v);
}

/* w.(J u) and sum |w_i J_ij u_j| from a Jacobian, J_ij summed over j
 * first, as a user would take J u */
static double wju(const wg_chk *c, const double *J, double *mag)
{
    double s = 0, a = 0;
    for (size_t i = 0; i < c->m; i++) {
        double r = 0;
        for (size_t j = 0; j < c->n; j++) {
            r += J[i * c->n + j] * c->u[j];
            a += fabs(c->w[i] * J[i * c->n + j] * c->u[j]);
        }
        s += c->w[i] * r;
    }
    *mag = a;
    return s;
}

/* Every path's value along the current u and w, into res->path (the
 * replay aside).  Called right after the sweeps under test, at x0. */
void wg_chk_paths_run(wg_chk *c, wg_check_result *res)
{
    size_t n = c->n, m = c->m;
    double *U = c->pbuf, *Y = U + 2 * n;
    /* wg_jvp_multi: u as the second of two directions, the first u
     * reversed, so that a lane that reads another's tangent shows */
    for (size_t r = 0; r < n; r++) {
        U[2 * r] = c->u[n - 1 - r];
        U[2 * r + 1] = c->u[r];
    }
    if (wg_jvp_multi(c->subj, c->sn, c->sx, 2, U, c->sm, c->sy, Y) == WG_OK) {
        double s = 0;
        for (size_t j = 0; j < m; j++)
            s += c->w[j] * Y[2 * j + 1];
        set_value(&res->path[WG_PATH_JVP_MULTI], s);
    }
    /* wg_grad: one output of one element */
    if (m == 1 && c->sm == 1 && wg_grad(c->subj, c->sy[0], c->sn, c->sx, U) == WG_OK) {
        double s = 0;
        for (size_t j = 0; j < n; j++)
            s += U[j] * c->u[j];
        set_value(&res->path[WG_PATH_GRAD], s * c->w[0]);
    }
    /* wg_backward on the copy: one call per output, seeded w_i (two of
     * w/2 for one output), then the gradient buffer dot u; every output
     * must hold one element (wg_backward's y), inputs may be tensors */
    int one = c->cp && c->sm == m;
    for (size_t i = 0; i < c->sm && one; i++)
        one = wg_node_numel(c->subj, wg_var_index(c->subj, c->sy[i])) == 1;
    if (one) {
        wg_zero_grad(c->cp);
        int st = WG_OK;
        for (size_t i = 0; i < m && st == WG_OK; i++) {
            wg_var y = c->cp_y[i];
            if (m == 1) {
                st = wg_backward(c->cp, y, c->w[0] / 2);
                if (st == WG_OK)
                    st = wg_backward(c->cp, y, c->w[0] / 2);
            } else
                st = wg_backward(c->cp, y, c->w[i]);
        }
        if (st == WG_OK) {
            double s = 0;
            size_t off = 0;
            for (size_t k = 0; k < c->sn && st == WG_OK; k++) {
                size_t i = on_copy(c, k), ne = wg_node_numel(c->subj,
                                                            wg_var_index(c->subj, c->sx[k]));
                if (i != (size_t)-1) {
                    if (wg_node_rank(c->subj, i) == 0)
                        c->gbuf[0] = wg_grad_of(c->cp, c->cpmap[i]);
                    else
                        st = wg_grad_of_tensor(c->cp, c->cpmap[i], c->gbuf);
                    for (size_t e = 0; e < ne && st == WG_OK; e++)
                        s += c->gbuf[e] * c->u[off + e];
                }
                off += ne;
            }
            if (st == WG_OK)
                set_value(&res->path[WG_PATH_BACKWARD], s);
        }
    }
    /* the Jacobians, taken at x0 once per check */
    static const wg_path jp[3] = { WG_PATH_JACOBIAN_FWD, WG_PATH_JACOBIAN_REV, WG_PATH_JACOBIAN };
    for (int k = 0; k < 3; k++)
        if ((c->jac_ok >> k) & 1) {
            double mag;
            set_value(&res->path[jp[k]], wju(c, c->jac[k], &mag));
            c->jac_mag = mag;
        }
}

/* B with the own tangents sum_j |u_j| |t(e_j)| and adjoints sum_i |w_i|
 * |lambda(e_i)|: the bound of a result summed from per-unit-vector sweeps
 * (above).  The own sweeps along u and w are restored. */
double wg_chk_bound_abs(wg_chk *c)
{
    size_t N = c->N, n = c->n, m = c->m;
    double *u = c->pbuf, *w = u + n;   /* saved; the path buffers are free again */
    memcpy(u, c->u, n * sizeof *u);
    memcpy(w, c->w, m * sizeof *w);
    for (size_t i = 0; i < N; i++)
        c->tabs_sum[i] = c->adj_sum[i] = 0;
    for (size_t j = 0; j < n; j++) {
        if (u[j] == 0)
            continue;
        memset(c->u, 0, n * sizeof *c->u);
        c->u[j] = 1;
        wg_chk_own_sweeps(c);
        for (size_t i = 0; i < N; i++)
            c->tabs_sum[i] += fabs(u[j]) * fabsl(c->tan[i]);
    }
    memcpy(c->u, u, n * sizeof *u);
    for (size_t k = 0; k < m; k++) {
        if (w[k] == 0)
            continue;
        memset(c->w, 0, m * sizeof *c->w);
        c->w[k] = 1;
        wg_chk_own_sweeps(c);
        for (size_t i = 0; i < N; i++)
            c->adj_sum[i] += fabs(w[k]) * fabsl(c->adj[i]);
    }
    memcpy(c->w, w, m * sizeof *w);
    /* u and w as they were, |u| and |w| for the final dots */
    for (size_t j = 0; j < n; j++)
        c->u[j] = fabs(u[j]);
    for (size_t k = 0; k < m; k++)
        c->w[k] = fabs(w[k]);
    for (size_t i = 0; i < N; i++) {
        c->tan[i] = c->tabs_sum[i];
        c->adj[i] = c->adj_sum[i];
    }
    wg_chk_radii(c);
    double B = wg_chk_bound(c);
    memcpy(c->u, u, n * sizeof *u);
    memcpy(c->w, w, m * sizeof *w);
    wg_chk_own_sweeps(c);
    wg_chk_radii(c);
    return B;
}

/* the first node i of the model whose one-op tape gives another w.(J u)
 * through wg_jvp_multi's second lane than through wg_jvp: the op whose
 * vector-mode rule is wrong; -1 when none does alone */
long wg_chk_blame_jvp_multi(wg_chk *c)
{
    wg_tape *T = wg_tape_new();
    if (!T)
        return -1;
    long found = -1;
    for (size_t i = 0; i < c->N && found < 0; i++) {
        wg_var in[2], out;
        size_t nin;
        wg_tape_clear(T);
        if (wg_chk_one_op(c->t, i, T, in, &nin, &out) != WG_OK)
            continue;
        wg_tape_copy_test_state(T, c->subj);
        /* two lanes that differ in every operand: (1, 0.75) and (0.5, -1) */
        double U[4] = { 1, 0.5, 0.75, -1 }, Y[2], y1;
        double u1[2] = { 0.5, -1 };
        if (wg_jvp_multi(T, nin, in, 2, U, 1, &out, Y) != WG_OK
            || wg_jvp(T, nin, in, u1, 1, &out, &y1) != WG_OK)
            continue;
        if (!(fabs(Y[1] - y1) <= 0x1p-50 * fabs(y1)))
            found = (long)i;
    }
    wg_tape_free(T);
    return found;
}

/* Values a kernel gives within this many ulps of the exact (0: exact or
 * correctly rounded IEEE operations, whose half ulp the +1 below holds);
 * glibc's documented errors, as tests/test_mpfr_ops.c holds them, with
 * room: 3 covers sinh, cosh, tanh (2), cbrt, sigmoid, softplus (3); a
 * custom op's 3 ulps are also of its terms' size (below) */
static double value_ulps(wg_op op)
{
    switch (op) {
    case WG_OP_ADD: case WG_OP_SUB: case WG_OP_MUL: case WG_OP_DIV: case WG_OP_SQRT:
    case WG_OP_NEG: case WG_OP_ABS: case WG_OP_RELU: case WG_OP_MIN: case WG_OP_MAX:
    case WG_OP_SQUARE: case WG_OP_RECIP: case WG_OP_ADD_C: case WG_OP_MUL_C:
    case WG_OP_STOP_GRADIENT: case WG_OP_STEP: case WG_OP_SIGN:
        return 0;
    default:
        return 3;
    }
}

/* model node i's value on the copy after the replay: the node itself on a
 * scalar tape, the element of its original node on a tensor tape; *has 0
 * for an inner step of a lowering, which the library has no value of */
static double cp_value(const wg_chk *c, size_t i, int *has)
{
    *has = 1;
    if (!c->low)
        return wg_node_value(c->cp, i);
    const wg_lowering *L = c->low;
    if (i >= L->nscalar || L->owner_elem[i] == WG_LOWER_NONE || L->owner[i] >= c->cpN) {
        *has = 0;
        return 0;
    }
    size_t o = L->owner[i];
    if (wg_node_rank(c->cp, o) == 0)
        return wg_node_value(c->cp, o);
    const double *v = wg_node_values(c->cp, o);
    if (!v) {
        *has = 0;
        return 0;
    }
    return v[L->owner_elem[i]];
}

/* wg_eval on the copy at x1 = x0 + d, d_j = -sign(x0_j) 2^(ilogb x0_j - 20)
 * (exact: x1_j keeps x0_j's bits and drops towards 0, and d is x1 - x0 to
 * the bit), against the MPFR replay at x0 + 1 d.  Each node's value must
 * lie within safety times its running error bound
 *   E_i = sum_k |d_ik| E_k + (ulps(op) + 1) u |v_i| + eta
 * (Wilkinson's running error analysis of the values: the operands' errors
 * carried by the partials at the replayed values, and the node's own
 * rounding) of its exact value; the first node that does not is blamed.
 * On a tensor tape the nodes are the lowering's: each element of an
 * original node is judged at its scalar node, an inner step (no library
 * value) only carries its bound, with the partials at the exact values.
 * A replay that fails where the exact values are finite and inside every
 * domain is a fail too, blamed on the node it names.  The judged figure
 * is w.f at x1.  Returns 1 when the replay fails (res set), else 0; cp
 * stays at x1 (c->cp_moved) when it was judged.  Not judged when a custom
 * op has no MPFR value: the replay's model of its node is exact only in
 * the node's first derivative at x0 (custom_ref.c), not in its value at
 * another point. */
int wg_chk_replay_judge(wg_chk *c, wg_check_result *res)
{
    c->cp_moved = 0;
    if (!c->cp || c->tv.nweak)
        return 0;
    size_t n = c->n, N = c->N;
    double *x1 = c->pbuf, *d = x1 + n;
    long double *E = calloc(N + 1, sizeof *E);
    if (!E)
        return 0;
    for (size_t j = 0; j < n; j++) {
        double x = c->x0[j];
        d[j] = x == 0 ? 0 : copysign(ldexp(1.0, ilogb(x) - 20), -x);
        x1[j] = x + d[j];
    }
    /* inputs past the last output are not on the copy: leave them out
     * (x1 is compacted after d holds the whole step) */
    size_t nx = 0, off = 0, nv = 0;
    for (size_t k = 0; k < c->sn; k++) {
        size_t i = on_copy(c, k), ne = wg_node_numel(c->subj, wg_var_index(c->subj, c->sx[k]));
        if (i != (size_t)-1) {
            c->cp_x[nx++] = c->cpmap[i];
            memmove(x1 + nv, x1 + off, ne * sizeof *x1);
            nv += ne;
        }
        off += ne;
    }
    c->cp_nx = nx;
    int st = nx ? wg_eval(c->cp, nx, c->cp_x, x1) : WG_OK;
    wg_mpfr_issue is;
    mpfr_set_ui(c->step, 1, MPFR_RNDN);
    wg_mpfr_replay_unfreeze(&c->plus);  /* the last use of this replay in the check */
    int ms = wg_mpfr_replay_run(&c->plus, c->x0, d, c->step, &is);
    int failed = 0;
    wg_figure *f = &res->path[WG_PATH_REPLAY];
    if (ms == WG_OK && !is.flipped) {
        int finite = 1;
        for (size_t i = 0; i < N && finite; i++) {
            double v = mpfr_get_d(c->plus.v[i], MPFR_RNDN);
            finite = fabs(v) <= 0x1p1022;
        }
        if (st == WG_ERANGE && finite) {
            long node = wg_chk_node_in_message(wg_errmsg(c->cp));
            res->verdict = WG_VERDICT_FAIL;
            snprintf(res->fail_mode, sizeof res->fail_mode, "replay");
            RESMSG(res, "replay: wg_eval at x0 + d (d_j = -2^-20 of x0_j) fails where every "
                   "exact value is finite: %s", wg_errmsg(c->cp));
            res->blame_node = -1;
            res->blame_op = WG_OP_NONE;
            if (node >= 0 && (size_t)node < c->cpN) {
                if (c->low)
                    wg_chk_set_blame_orig(c, res, (size_t)node, -1);
                else
                    wg_chk_set_blame(c, res, (size_t)node);
            }
            failed = 1;
        } else if (st == WG_OK) {
            long bad = -1;
            double badv = 0, bade = 0, badb = 0;
            const wg_tape_view *tv = &c->tv;
            for (size_t i = 0; i < N; i++) {
                wg_op op = (wg_op)tv->op[i];
                wg_op_kind kind = wg_op_kind_of(op);
                if (kind == WG_KIND_LEAF || kind == WG_KIND_CMP)
                    continue;
                int has, ha, hb = 1;
                double ex = mpfr_get_d(c->plus.v[i], MPFR_RNDN), v = cp_value(c, i, &has);
                size_t ia = tv->arg0[i], ib = tv->arg1[i];
                int bin = wg_view_has_b(tv, i);
                double a = cp_value(c, ia, &ha), b = bin ? cp_value(c, ib, &hb) : 0;
                if (!ha)
                    a = mpfr_get_d(c->plus.v[ia], MPFR_RNDN);
                if (!hb)
                    b = mpfr_get_d(c->plus.v[ib], MPFR_RNDN);
                double da = 0, db = 0;
                wg_op_partials(op, a, b, tv->param[i], has ? v : ex, &da, &db);
                if (op == WG_OP_STOP_GRADIENT)
                    da = 1;     /* its value is its operand's; only its derivative is 0 */
                long double e = (value_ulps(op) + 1) * WG_UNIT_ROUNDOFF * fabs(ex)
                                + 0x1p-1074L;
                /* a custom op is the program's code, a few roundings whose
                 * terms may cancel (logaddexp(a, a) = a + log 2 near
                 * a = -log 2): its rounding is also taken relative to
                 * the terms' size, |a da| + |b db| */
                if (kind == WG_KIND_CUSTOM && isfinite(da) && isfinite(db))
                    e += (value_ulps(op) + 1) * WG_UNIT_ROUNDOFF
                         * (fabs(a * da) + (bin ? fabs(b * db) : 0.0));
                /* a partial 0 carries nothing, even an infinite bound (cosh
                 * after sqrt at 0): the strong zero of the sweeps */
                if (isfinite(da)) {
                    if (da != 0)
                        e += fabs(da) * E[ia];
                } else if (E[ia] > 0)
                    e = INFINITY;
                if (bin) {
                    if (isfinite(db)) {
                        if (db != 0)
                            e += fabs(db) * E[ib];
                    } else if (E[ib] > 0)
                        e = INFINITY;
                }
                /* the bound of a node whose operands are right: its own
                 * rounding only, so a wrong kernel is caught at its node */
                E[i] = e;
                if (has && bad < 0 && !(fabsl((long double)v - ex) <= c->opt.safety * e)) {
                    bad = (long)i;
                    badv = v;
                    bade = ex;
                    badb = (double)(c->opt.safety * e);
                }
            }
            double F = 0, Fx = 0, FB = 0;
            for (size_t j = 0; j < c->m; j++) {
                int has;
                double v = cp_value(c, c->yi[j], &has);
                double ex = mpfr_get_d(c->plus.v[c->yi[j]], MPFR_RNDN);
                F += c->w[j] * (has ? v : ex);
                Fx += c->w[j] * ex;
                FB += fabs(c->w[j]) * (double)(c->opt.safety * E[c->yi[j]])
                      + c->m * WG_UNIT_ROUNDOFF * fabs(c->w[j] * ex);
            }
            f->value = F;
            f->computed = isfinite(F);
            f->abs_err = fabs(F - Fx);
            f->rel_err = Fx != 0 ? f->abs_err / fabs(Fx) : f->abs_err;
            f->ulps = f->abs_err / wg_ulp_of(Fx);
            f->err_est = FB;
            if (bad >= 0) {
                res->verdict = WG_VERDICT_FAIL;
                snprintf(res->fail_mode, sizeof res->fail_mode, "replay");
                RESMSG(res, "replay: wg_eval at x0 + d (d_j = -2^-20 of x0_j) gives %s the "
                       "value %.17g, exact %.17g, off by %.3g > bound %.3g", LABEL(c, (size_t)bad),
                       badv, bade, fabs(badv - bade), badb);
                wg_chk_set_blame(c, res, (size_t)bad);
                failed = 1;
            } else
                c->cp_moved = 1;
        }
    }
    free(E);
    return failed;
}
