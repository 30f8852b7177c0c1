/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_state.c -- the state of one check (wg_chk): the model of the
 * handles (the tape or its scalar lowering), the tape view, the MPFR
 * replays, the scratch of the directions; opened once per check, by the
 * first order (check.c) and the second (check_order2.c) alike, which is
 * why it is not in either of them. */
#include "check_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- state */

static void replays_free(wg_chk *c)
{
    if (c->facc) {
        mpfr_clears(c->acc, c->tmp, c->step, c->F0, c->Fp, c->Fm, c->D1, c->D2, c->L, c->R,
                    (mpfr_ptr)0);
        c->facc = 0;
    }
    wg_mpfr_replay_free(&c->ctr);
    wg_mpfr_replay_free(&c->plus);
    wg_mpfr_replay_free(&c->minus);
}

/* the three replays and the reference's scratch at precision p */
int wg_chk_replays_init(wg_chk *c, mpfr_prec_t p)
{
    replays_free(c);
    c->prec = p;
    if (wg_mpfr_replay_init(&c->ctr, &c->tv, c->n, c->xi, p) != WG_OK
        || wg_mpfr_replay_init(&c->plus, &c->tv, c->n, c->xi, p) != WG_OK
        || wg_mpfr_replay_init(&c->minus, &c->tv, c->n, c->xi, p) != WG_OK)
        return WG_ENOMEM;
    c->facc = 2 * p + 64;
    mpfr_inits2(c->facc, c->acc, c->tmp, c->F0, c->Fp, c->Fm, c->D1, c->D2, c->L, c->R,
                (mpfr_ptr)0);
    mpfr_init2(c->step, 2);             /* the steps are powers of two */
    return WG_OK;
}

/* the point in MPFR: domains and recorded branches in exact arithmetic;
 * the fixed nodes' values go to the other two replays */
int wg_chk_center_run(wg_chk *c)
{
    wg_mpfr_replay_run(&c->ctr, c->x0, NULL, NULL, &c->ctr_issue);
    if (c->ctr_issue.status != WG_OK || c->ctr_issue.flipped)
        return c->ctr_issue.status != WG_OK ? c->ctr_issue.status : WG_EBRANCH;
    wg_mpfr_replay_share_fixed(&c->plus, &c->ctr);
    wg_mpfr_replay_share_fixed(&c->minus, &c->ctr);
    return WG_OK;
}

void wg_chk_close(wg_chk *c)
{
    if (c->rng)
        gsl_rng_free(c->rng);
    replays_free(c);
    wg_tape_view_free(&c->tv);
    free(c->xi); free(c->yi); free(c->x0);
    free(c->rv); free(c->d); free(c->dd); free(c->fanout);
    free(c->u); free(c->w); free(c->xbar); free(c->ydot);
    free(c->lib_tan); free(c->lib_adj);
    free(c->tan); free(c->adj); free(c->tabs); free(c->ebound);
    free(c->efr); free(c->ebar); free(c->ctan);
    free(c->own_x); free(c->own_y); free(c->sval);
}

/* everything one check needs, allocated once: the per-direction work
 * allocates nothing but the blame's scratch */
static int chk_alloc(wg_chk *c)
{
    size_t N = c->N, n = c->n, m = c->m;
    if (wg_tape_view_init(&c->tv, c->t, N) != WG_OK)
        return WG_ENOMEM;
    c->rv = malloc(N * sizeof *c->rv);
    c->d = malloc(2 * N * sizeof *c->d);
    c->dd = malloc(2 * N * sizeof *c->dd);
    c->fanout = malloc(N * sizeof *c->fanout);
    c->x0 = malloc(n * sizeof *c->x0);
    c->u = malloc(n * sizeof *c->u);
    c->w = malloc(m * sizeof *c->w);
    c->xbar = malloc(n * sizeof *c->xbar);
    c->ydot = malloc(m * sizeof *c->ydot);
    c->lib_tan = malloc(N * sizeof *c->lib_tan);
    c->lib_adj = malloc(N * sizeof *c->lib_adj);
    c->tan = malloc(N * sizeof *c->tan);
    c->adj = malloc(N * sizeof *c->adj);
    c->tabs = malloc(N * sizeof *c->tabs);
    c->ebound = malloc(N * sizeof *c->ebound);
    c->efr = malloc(N * sizeof *c->efr);
    c->ebar = malloc(N * sizeof *c->ebar);
    c->ctan = malloc(N * sizeof *c->ctan);
    if (!c->rv || !c->d || !c->dd || !c->fanout || !c->x0 || !c->u || !c->w || !c->xbar
        || !c->ydot || !c->lib_tan || !c->lib_adj || !c->tan || !c->adj || !c->tabs
        || !c->ebound || !c->efr || !c->ebar || !c->ctan)
        return WG_ENOMEM;
    if (wg_chk_replays_init(c, c->opt.precision) != WG_OK)
        return WG_ENOMEM;
    c->rng = wg_chk_rng_new(c->opt.seed);
    return c->rng ? WG_OK : WG_ENOMEM;
}

void wg_chk_set_figure(wg_chk *c, wg_figure *f, double ref)
{
    if (!f->computed)
        return;
    f->abs_err = wg_chk_abs_err(c, f->value);
    f->rel_err = ref != 0 ? f->abs_err / fabs(ref) : f->abs_err;
    f->ulps = f->abs_err / wg_ulp_of(ref);
}

/* The model of the handles x (n) and y (m) of tape t, which becomes the
 * subject: the tape itself, or its scalar lowering L when any node up to
 * the last handle is a tensor (lower.h); then the tape view, the replays,
 * the point in MPFR and the partials at it.  c->opt is set by the caller.
 * WG_OK: ready; WG_CHK_ALL_INVALID: every result is invalid (f->node,
 * f->prefix, f->text; f->restore: the model's tape was replayed, restore
 * it); else a status, f->text saying why.  Either way wg_chk_close(c) and
 * wg_lowering_free(L) are safe to call after. */
int wg_chk_open(wg_chk *c, wg_tape *t, size_t n, const wg_var *x, size_t m, const wg_var *y,
                wg_lowering *L, wg_chk_fault *f)
{
    int s;
    memset(L, 0, sizeof *L);
    memset(f, 0, sizeof *f);
    f->prefix = "";
    c->subj = t;
    c->sn = n;
    c->sm = m;
    c->sx = x;
    c->sy = y;
    c->t = t;
    c->n = n;
    c->m = m;
    c->x = x;
    c->y = y;
    c->prec = c->opt.precision;
    /* nodes up to the last handle: an input recorded after the last
     * output still needs its scalar inputs (they move nothing) */
    size_t shi = 0;
    for (size_t j = 0; j < m; j++)
        if (wg_var_index(t, y[j]) > shi)
            shi = wg_var_index(t, y[j]);
    for (size_t j = 0; j < n; j++)
        if (wg_var_index(t, x[j]) > shi)
            shi = wg_var_index(t, x[j]);
    if (wg_lower_needed(t, shi + 1)) {
        s = wg_lower(t, shi + 1, L);
        if (wg_chk_point_error(s)) {
            /* a scalar node left its domain: computed in the lowering's
             * order, a value within rounding of a domain edge crossed it */
            char text[240];
            snprintf(text, sizeof text, "%.200s", L->msg);
            snprintf(f->text, sizeof f->text, "%s", text);
            f->node = wg_chk_node_in_message(text);
            f->prefix = "the scalar lowering fails at the point: ";
            return WG_CHK_ALL_INVALID;
        }
        if (s != WG_OK) {
            wg_chk_msg(f->text, sizeof f->text, "wg_check: %s", L->msg);
            return s;
        }
        if (L->flip_node != WG_LOWER_NONE) {
            char text[256];
            snprintf(text, sizeof text, "node %zu (%s) element %zu: the comparison's outcome "
                     "on the scalar lowering is not the recorded one (a tie within rounding)",
                     L->flip_node, wg_op_name(wg_node_op(t, L->flip_node)), L->flip_elem);
            snprintf(f->text, sizeof f->text, "%s", text);
            f->node = (long)L->flip_node;
            return WG_CHK_ALL_INVALID;
        }
        if ((s = wg_chk_model_handles(c, L)) != WG_OK)
            goto fail;
        if (c->n == 0 || c->m == 0) {
            snprintf(f->text, sizeof f->text, "wg_check: the %s have no elements",
                     c->n == 0 ? "inputs" : "outputs");
            return WG_EINVAL;
        }
    }

    c->xi = malloc(c->n * sizeof *c->xi);
    c->yi = malloc(c->m * sizeof *c->yi);
    if (!c->xi || !c->yi) {
        s = WG_ENOMEM;
        goto fail;
    }
    c->xlo = (size_t)-1;
    c->yhi = 0;
    for (size_t j = 0; j < c->n; j++) {
        c->xi[j] = wg_var_index(c->t, c->x[j]);
        if (c->xi[j] < c->xlo)
            c->xlo = c->xi[j];
    }
    for (size_t j = 0; j < c->m; j++) {
        c->yi[j] = wg_var_index(c->t, c->y[j]);
        if (c->yi[j] > c->yhi)
            c->yhi = c->yi[j];
    }
    /* nodes past the last output cannot change it; inputs past it move nothing */
    c->N = c->yhi + 1;
    for (size_t j = 0; j < c->n; j++)
        if (c->xi[j] >= c->N)
            c->xi[j] = WG_NO_NODE;
    if ((s = chk_alloc(c)) != WG_OK)
        goto fail;
    if (c->low && (s = wg_chk_subject_values(c)) != WG_OK)
        goto fail;
    c->xscale = 1;
    for (size_t j = 0; j < c->n; j++) {
        c->x0[j] = wg_value(c->t, c->x[j]);
        c->xscale = fmax(c->xscale, fabs(c->x0[j]));
    }

    /* the point in MPFR, once: domains and recorded branches in exact arithmetic */
    if (wg_chk_center_run(c) != WG_OK) {
        char text[256];
        size_t k = c->ctr_issue.status != WG_OK ? c->ctr_issue.node : c->ctr_issue.flip_node;
        if (c->ctr_issue.status != WG_OK)
            snprintf(text, sizeof text, "%s is outside its domain at the point in "
                     "exact arithmetic (%s), though its double value is inside", LABEL(c, k),
                     c->ctr_issue.why ? c->ctr_issue.why : "not finite");
        else
            snprintf(text, sizeof text, "%s: the recorded outcome is not the exact "
                     "one at the point", LABEL(c, k));
        snprintf(f->text, sizeof f->text, "%s", text);
        f->node = wg_chk_orig_node(c, k);
        f->restore = 1;
        return WG_CHK_ALL_INVALID;
    }
    wg_chk_point_partials(c);
    return WG_OK;
fail:
    snprintf(f->text, sizeof f->text, "wg_check: out of memory for a tape of %zu nodes", c->N);
    return s;
}
