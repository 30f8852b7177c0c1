/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mpfr_replay.c -- a tape replayed in MPFR along a line x0 + s u. */
#include "mpfr_replay.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int wg_tape_view_init(wg_tape_view *tv, const wg_tape *t, size_t n)
{
    memset(tv, 0, sizeof *tv);
    size_t k = n ? n : 1;
    tv->op = malloc(k * sizeof *tv->op);
    tv->arg0 = malloc(k * sizeof *tv->arg0);
    tv->arg1 = malloc(k * sizeof *tv->arg1);
    tv->param = malloc(k * sizeof *tv->param);
    tv->val = malloc(k * sizeof *tv->val);
    if (!tv->op || !tv->arg0 || !tv->arg1 || !tv->param || !tv->val) {
        wg_tape_view_free(tv);
        return WG_ENOMEM;
    }
    tv->n = n;
    for (size_t i = 0; i < n; i++) {
        wg_op op = wg_node_op(t, i);
        wg_op_kind kind = wg_op_kind_of(op);
        tv->op[i] = (uint8_t)op;
        tv->arg0[i] = wg_node_arg(t, i, 0);
        tv->arg1[i] = wg_node_arg(t, i, 1);
        tv->param[i] = (kind == WG_KIND_CONST || kind == WG_KIND_INT) ? wg_node_param(t, i)
                       : kind == WG_KIND_CUSTOM ? (double)wg_node_custom(t, i) : 0.0;
        if (kind == WG_KIND_CUSTOM && !wg_custom_has_mpfr(wg_node_custom(t, i)))
            tv->nweak++;
        tv->val[i] = wg_node_value(t, i);
    }
    return WG_OK;
}

void wg_tape_view_free(wg_tape_view *tv)
{
    free(tv->op);
    free(tv->arg0);
    free(tv->arg1);
    free(tv->param);
    free(tv->val);
    memset(tv, 0, sizeof *tv);
}

int wg_mpfr_replay_init(wg_mpfr_replay *r, const wg_tape_view *tv, size_t nx,
                        const size_t *x, mpfr_prec_t prec)
{
    memset(r, 0, sizeof *r);
    size_t n = tv->n, k = n ? n : 1;
    r->tv = tv;
    r->prec = prec;
    r->v = malloc(k * sizeof *r->v);
    r->slot = malloc(k * sizeof *r->slot);
    r->moving = malloc(k * sizeof *r->moving);
    unsigned char *moves = r->moves = calloc(k, 1);
    r->cb = tv->nweak ? calloc(5 * k, sizeof *r->cb) : NULL;
    if (!r->v || !r->slot || !r->moving || !moves || (tv->nweak && !r->cb)) {
        free(r->cb);
        free(r->v);
        free(r->slot);
        free(r->moving);
        free(r->moves);
        memset(r, 0, sizeof *r);
        return WG_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        mpfr_init2(r->v[i], prec);
        r->slot[i] = WG_NO_NODE;
    }
    for (size_t j = 0; j < nx; j++)
        if (x[j] < n) {
            r->slot[x[j]] = j;
            moves[x[j]] = 1;
        }
    /* a node moves when an operand does; stop_gradient never does: its
     * value is frozen at x0, which is what "no derivative" means for the
     * reference */
    for (size_t i = 0; i < n; i++) {
        wg_op op = (wg_op)tv->op[i];
        if (op != WG_OP_STOP_GRADIENT && wg_op_kind_of(op) != WG_KIND_LEAF)
            moves[i] = (tv->arg0[i] < n && moves[tv->arg0[i]])
                       || (tv->arg1[i] < n && moves[tv->arg1[i]]);
        if (moves[i])
            r->moving[r->nmoving++] = i;
    }
    wg_mpfr_scratch_init(&r->scr);
    mpfr_init2(r->su, 64);
    mpfr_init2(r->tv2, 64);
    return WG_OK;
}

void wg_mpfr_replay_unfreeze(wg_mpfr_replay *r)
{
    const wg_tape_view *tv = r->tv;
    size_t n = tv->n;
    r->nmoving = 0;
    for (size_t i = 0; i < n; i++) {
        wg_op op = (wg_op)tv->op[i];
        if (r->slot[i] == WG_NO_NODE && wg_op_kind_of(op) != WG_KIND_LEAF)
            r->moves[i] = (tv->arg0[i] < n && r->moves[tv->arg0[i]])
                          || (tv->arg1[i] < n && r->moves[tv->arg1[i]]);
        if (r->moves[i])
            r->moving[r->nmoving++] = i;
    }
}

void wg_mpfr_replay_free(wg_mpfr_replay *r)
{
    if (!r->v)
        return;
    for (size_t i = 0; i < r->tv->n; i++)
        mpfr_clear(r->v[i]);
    wg_mpfr_scratch_clear(&r->scr);
    mpfr_clear(r->su);
    mpfr_clear(r->tv2);
    free(r->v);
    free(r->slot);
    free(r->moving);
    free(r->moves);
    free(r->cb);
    memset(r, 0, sizeof *r);
}

static void set_prec_if(mpfr_ptr v, mpfr_prec_t p)
{
    if (mpfr_get_prec(v) != p)
        mpfr_set_prec(v, p);
}

/* node i = x0 + s u exactly.  s u is exact with prec(s) + 53 bits; the sum
 * needs every bit from the higher of the two leading bits (plus a carry)
 * down to the lower of the two last bits.  A double's last bit is at or
 * above 2^(e - 53) for e its frexp exponent (subnormals: higher still). */
static void set_input(wg_mpfr_replay *r, size_t i, double x0, double u, mpfr_srcptr s)
{
    mpfr_ptr v = r->v[i];
    if (!s || u == 0 || mpfr_zero_p(s)) {
        set_prec_if(v, r->prec);
        mpfr_set_d(v, x0, MPFR_RNDN);
        return;
    }
    mpfr_prec_t psu = mpfr_get_prec(s) + 64;
    set_prec_if(r->su, psu);
    mpfr_mul_d(r->su, s, u, MPFR_RNDN);                 /* exact */
    mpfr_prec_t need = psu;
    if (x0 != 0) {
        int ex;
        frexp(x0, &ex);
        mpfr_exp_t es = mpfr_get_exp(r->su);
        mpfr_exp_t hi = (ex > es ? ex : es) + 1;
        mpfr_exp_t lo = (ex - 53 < es - psu) ? ex - 53 : es - psu;
        need = (mpfr_prec_t)(hi - lo);
    }
    set_prec_if(v, need > r->prec ? need : r->prec);
    mpfr_set_d(v, x0, MPFR_RNDN);                       /* exact: at least 53 bits */
    mpfr_add(v, v, r->su, MPFR_RNDN);                   /* exact by the count above */
}

/* node i at its operands' current values; 0 to go on, 1 to stop */
/* node i = x0 + s u + t v exactly (two directions: the second-order
 * reference's points).  Each product is exact with its step's bits + 64;
 * the sum needs every bit from the highest leading bit (plus two carries)
 * down to the lowest last bit of the three terms. */
static void set_input2(wg_mpfr_replay *r, size_t i, double x0, double u, mpfr_srcptr s,
                       double v, mpfr_srcptr t)
{
    mpfr_ptr val = r->v[i];
    mpfr_prec_t psu = mpfr_get_prec(s) + 64, ptv = mpfr_get_prec(t) + 64;
    set_prec_if(r->su, psu);
    set_prec_if(r->tv2, ptv);
    mpfr_mul_d(r->su, s, u, MPFR_RNDN);                 /* exact */
    mpfr_mul_d(r->tv2, t, v, MPFR_RNDN);                /* exact */
    int any = 0;
    mpfr_exp_t hi = 0, lo = 0;
    if (x0 != 0) {
        int ex;
        frexp(x0, &ex);
        hi = ex;
        lo = ex - 53;
        any = 1;
    }
    mpfr_srcptr term[2] = { r->su, r->tv2 };
    for (int k = 0; k < 2; k++) {
        if (mpfr_zero_p(term[k]))
            continue;
        mpfr_exp_t e = mpfr_get_exp(term[k]);
        mpfr_exp_t l = e - mpfr_get_prec(term[k]);
        if (!any || e > hi)
            hi = e;
        if (!any || l < lo)
            lo = l;
        any = 1;
    }
    mpfr_prec_t need = any ? (mpfr_prec_t)(hi + 2 - lo) : r->prec;
    set_prec_if(val, need > r->prec ? need : r->prec);
    mpfr_set_d(val, x0, MPFR_RNDN);                     /* exact */
    mpfr_add(val, val, r->su, MPFR_RNDN);               /* exact by the count above */
    mpfr_add(val, val, r->tv2, MPFR_RNDN);
}

/* A custom node with no MPFR callback: at x0 (s and t NULL) its model is
 * made: y0, the double value at the operands rounded to double (a0, b0),
 * and the partials there by a five-point difference; at every point, x0
 * included, its value is the model's y0 + D0 (a - a0) + D1 (b - b0), each
 * term at the working precision + 64 bits.  0 to go on, 1 to stop. */

/* 1 (and the issue) when node i's value is not a finite number */
static int not_finite(const wg_mpfr_replay *r, size_t i, wg_mpfr_issue *is)
{
    if (mpfr_number_p(r->v[i]))
        return 0;
    is->status = WG_ERANGE;
    is->node = i;
    is->why = "value is not finite";
    return 1;
}
static int eval_custom_weak(wg_mpfr_replay *r, size_t i, int at_x0, wg_mpfr_issue *is)
{
    const wg_tape_view *tv = r->tv;
    int id = (int)tv->param[i];
    const wg_custom_op_def *d = wg_custom_def(id);
    mpfr_srcptr a = r->v[tv->arg0[i]];
    mpfr_srcptr b = tv->arg1[i] != WG_NO_NODE ? r->v[tv->arg1[i]] : NULL;
    double *cb = r->cb + 5 * i, x[2] = { mpfr_get_d(a, MPFR_RNDN),
                                         b ? mpfr_get_d(b, MPFR_RNDN) : 0.0 };
    set_prec_if(r->v[i], r->prec);
    if (d->domain && !d->domain(x, d->ctx)) {
        is->status = WG_EDOM;
        is->node = i;
        is->why = "outside the op's domain (its domain callback)";
        return 1;
    }
    if (at_x0) {
        double D[2], E[2];
        cb[0] = x[0];
        cb[1] = x[1];
        cb[2] = d->value(x, d->ctx);
        if (wg_custom_fd_partials(id, x[0], x[1], D, E) != WG_OK) {
            is->status = WG_EDOM;
            is->node = i;
            is->why = "no difference step of its partials stays inside its domain";
            return 1;
        }
        cb[3] = D[0];
        cb[4] = D[1];
        double scale = fabs(D[0]) + fabs(D[1]), err = E[0] + E[1];
        double rel = scale > 0 ? err / scale : (err > 0 ? 1.0 : 0.0);
        if (!(rel <= r->weak_rel))
            r->weak_rel = rel;
    }
    {   /* the model, at x0 too: F(0) must be the same function as F(+-h) */
        mpfr_ptr t0 = r->scr.t0, t1 = r->scr.t1;
        set_prec_if(t0, r->prec + 64);
        set_prec_if(t1, r->prec + 64);
        mpfr_sub_d(t0, a, cb[0], MPFR_RNDN);
        mpfr_mul_d(t0, t0, cb[3], MPFR_RNDN);
        if (b) {
            mpfr_sub_d(t1, b, cb[1], MPFR_RNDN);
            mpfr_mul_d(t1, t1, cb[4], MPFR_RNDN);
            mpfr_add(t0, t0, t1, MPFR_RNDN);
        }
        mpfr_add_d(r->v[i], t0, cb[2], MPFR_RNDN);
    }
    return not_finite(r, i, is);
}

static int eval_node(wg_mpfr_replay *r, size_t i, const double *x0, const double *u,
                     mpfr_srcptr s, const double *v, mpfr_srcptr t, wg_mpfr_issue *is)
{
    const wg_tape_view *tv = r->tv;
    wg_op op = (wg_op)tv->op[i];
    wg_op_kind kind = wg_op_kind_of(op);
    if (kind == WG_KIND_LEAF) {
        if (r->slot[i] != WG_NO_NODE && v && t && s && u)
            set_input2(r, i, x0[r->slot[i]], u[r->slot[i]], s, v[r->slot[i]], t);
        else if (r->slot[i] != WG_NO_NODE && v && t)
            set_input(r, i, x0[r->slot[i]], v[r->slot[i]], t);
        else if (r->slot[i] != WG_NO_NODE)
            set_input(r, i, x0[r->slot[i]], u ? u[r->slot[i]] : 0.0, s);
        else
            mpfr_set_d(r->v[i], tv->val[i], MPFR_RNDN);
        return 0;
    }
    if (kind == WG_KIND_CUSTOM && r->cb && !wg_custom_has_mpfr((int)tv->param[i]))
        return eval_custom_weak(r, i, !s && !t, is);
    mpfr_srcptr a = r->v[tv->arg0[i]];
    mpfr_srcptr b = wg_view_has_b(tv, i) ? r->v[tv->arg1[i]] : NULL;
    const char *why = NULL;
    if (kind == WG_KIND_CMP) {
        /* the outcome goes to a temporary; the node keeps the recorded
         * outcome, the branch the tape holds */
        wg_mpfr_op(op, r->scr.t1, a, b, 0.0, &r->scr, &why);
        if (mpfr_cmp_d(r->scr.t1, tv->val[i]) != 0 && !is->flipped) {
            is->flipped = 1;
            is->flip_node = i;
        }
        mpfr_set_d(r->v[i], tv->val[i], MPFR_RNDN);
        return 0;
    }
    int st = wg_mpfr_op(op, r->v[i], a, b, tv->param[i], &r->scr, &why);
    if (st != WG_OK) {
        is->status = WG_EDOM;
        is->node = i;
        is->why = why;
        return 1;
    }
    return not_finite(r, i, is);
}

static void clear_issue(wg_mpfr_issue *is)
{
    is->status = WG_OK;
    is->node = WG_NO_NODE;
    is->why = NULL;
    is->flipped = 0;
    is->flip_node = WG_NO_NODE;
}

/* 1 when node k moves with the inputs */
static int is_moving(const wg_mpfr_replay *r, size_t k)
{
    return r->moves[k];
}

/* every node at x0; the fixed nodes keep these values for good.  A point
 * whose own replay fails is not primed: every later run reports the same
 * issue, at x0. */
static void prime(wg_mpfr_replay *r, const double *x0, wg_mpfr_issue *is)
{
    clear_issue(is);
    clear_issue(&r->fixed);
    r->primed = 0;
    for (size_t i = 0; i < r->tv->n; i++)
        if (eval_node(r, i, x0, NULL, NULL, NULL, NULL, is))
            return;
    /* a fixed comparison that disagrees at x0 disagrees at every point */
    if (is->flipped && !is_moving(r, is->flip_node)) {
        r->fixed.flipped = 1;
        r->fixed.flip_node = is->flip_node;
    }
    r->primed = 1;
}

int wg_mpfr_replay_run(wg_mpfr_replay *r, const double *x0, const double *u, mpfr_srcptr s,
                       wg_mpfr_issue *issue)
{
    return wg_mpfr_replay_run2(r, x0, u, s, NULL, NULL, issue);
}

int wg_mpfr_replay_run2(wg_mpfr_replay *r, const double *x0, const double *u, mpfr_srcptr s,
                        const double *v, mpfr_srcptr t, wg_mpfr_issue *issue)
{
    wg_mpfr_issue local, *is = issue ? issue : &local;
    if (!r->primed) {
        prime(r, x0, is);
        if ((!s && !t) || is->status != WG_OK)
            return is->status;          /* at x0 (s NULL) the priming was the replay */
    }
    *is = r->fixed;
    for (size_t q = 0; q < r->nmoving; q++)
        if (eval_node(r, r->moving[q], x0, u, s, v, t, is))
            break;
    return is->status;
}

void wg_mpfr_replay_share_fixed(wg_mpfr_replay *r, const wg_mpfr_replay *from)
{
    if (!from->primed || from->tv != r->tv)
        return;
    size_t q = 0;
    for (size_t i = 0; i < r->tv->n; i++) {
        if (q < r->nmoving && r->moving[q] == i) {
            q++;
            continue;
        }
        set_prec_if(r->v[i], mpfr_get_prec(from->v[i]));
        mpfr_set(r->v[i], from->v[i], MPFR_RNDN);
    }
    r->fixed = from->fixed;
    if (r->cb && from->cb)
        memcpy(r->cb, from->cb, 5 * r->tv->n * sizeof *r->cb);
    r->weak_rel = from->weak_rel;
    r->primed = 1;
}
