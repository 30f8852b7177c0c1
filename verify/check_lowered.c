/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_lowered.c -- a check of a tensor tape, on its scalar lowering
 * (lower.h).  The model side of the check (tape view, MPFR replays, own
 * sweeps, bound, reference, finite differences, kink conventions, blame)
 * runs on the lowered tape, whose inputs and outputs are the elements of
 * the original handles in order; the subject side, the results under test,
 * stays on the original tape with the original handles.  This file maps
 * between the two: the model's handles, the library's per-element
 * tangents and adjoints, the subject's values, and the names of nodes in
 * messages, which are always the original tensor node and its element. */
#include "check_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t wg_chk_flat_count(const wg_tape *t, size_t n, const wg_var *v)
{
    size_t s = 0;
    for (size_t j = 0; j < n; j++) {
        size_t k = wg_numel(t, v[j]);
        /* an invalid handle (0) counts as one: it is refused later with
         * its own message, and a scalar tape's count stays n */
        if (k == 0 && wg_var_index(t, v[j]) == (size_t)-1)
            k = 1;
        s = s > SIZE_MAX - k ? SIZE_MAX : s + k;
    }
    return s;
}

/* the model's handles of the elements of v[0..n) of the subject */
static wg_var *flat_handles(const wg_lowering *L, const wg_tape *subj, size_t n,
                            const wg_var *v, size_t total)
{
    wg_var *h = malloc((total ? total : 1) * sizeof *h);
    if (!h)
        return NULL;
    size_t q = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = wg_var_index(subj, v[j]), ne = wg_node_numel(subj, i);
        for (size_t e = 0; e < ne; e++)
            h[q++] = wg_tape_var(L->t, wg_lower_elem(L, i, e));
    }
    return h;
}

int wg_chk_model_handles(wg_chk *c, const wg_lowering *L)
{
    size_t n = wg_chk_flat_count(c->subj, c->sn, c->sx);
    size_t m = wg_chk_flat_count(c->subj, c->sm, c->sy);
    wg_var *mx = flat_handles(L, c->subj, c->sn, c->sx, n);
    wg_var *my = flat_handles(L, c->subj, c->sm, c->sy, m);
    if (!mx || !my) {
        free(mx);
        free(my);
        return WG_ENOMEM;
    }
    c->low = L;
    c->t = L->t;
    c->n = n;
    c->m = m;
    c->x = c->own_x = mx;
    c->y = c->own_y = my;
    return WG_OK;
}

/* The subject's value of each model node: an element's value on the
 * original tape, or for an inner step (no library counterpart) the
 * lowered value.  Where the two differ (a matmul summed in BLAS's order),
 * the library's partials are taken at other arguments than the model's;
 * bound.c adds that difference to the partials' errors. */
int wg_chk_subject_values(wg_chk *c)
{
    const wg_lowering *L = c->low;
    c->sval = malloc((c->N ? c->N : 1) * sizeof *c->sval);
    if (!c->sval)
        return WG_ENOMEM;
    for (size_t i = 0; i < c->N; i++) {
        c->sval[i] = c->tv.val[i];
        if (L->owner_elem[i] != WG_LOWER_NONE) {
            const double *v = wg_node_values(c->subj, L->owner[i]);
            if (v && isfinite(v[L->owner_elem[i]]))
                c->sval[i] = v[L->owner_elem[i]];
        }
    }
    return WG_OK;
}

void wg_chk_read_lib(const wg_chk *c, double *dst, int tangents)
{
    const wg_lowering *L = c->low;
    for (size_t i = 0; i < c->N; i++) {
        double v;
        if (!L)
            v = tangents ? wg_node_tangent(c->t, i) : wg_node_adjoint(c->t, i);
        else if (L->owner_elem[i] == WG_LOWER_NONE)
            v = 0;      /* an inner step: blame derives it (blame.c) */
        else
            v = tangents ? wg_node_tangent_at(c->subj, L->owner[i], L->owner_elem[i])
                         : wg_node_adjoint_at(c->subj, L->owner[i], L->owner_elem[i]);
        dst[i] = isnan(v) ? 0.0 : v;    /* outside the swept range: not on a path */
    }
}

long wg_chk_orig_node(const wg_chk *c, size_t i)
{
    if (!c->low)
        return (long)i;
    return i < c->low->nscalar ? (long)c->low->owner[i] : -1;
}

long wg_chk_orig_elem(const wg_chk *c, size_t i)
{
    if (!c->low || i >= c->low->nscalar || c->low->owner_elem[i] == WG_LOWER_NONE)
        return -1;
    return wg_node_rank(c->subj, c->low->owner[i]) > 0 ? (long)c->low->owner_elem[i] : -1;
}

const char *wg_chk_label(const wg_chk *c, size_t i, char *buf, size_t len)
{
    if (!c->low) {
        const char *on = i < c->N ? wg_node_op_name(c->t, i) : NULL;
        snprintf(buf, len, "node %zu (%s)", i, on ? on : "?");
        return buf;
    }
    if (i >= c->low->nscalar) {
        snprintf(buf, len, "node ? (?)");
        return buf;
    }
    size_t o = c->low->owner[i];
    const char *on = wg_node_op_name(c->subj, o);
    long e = wg_chk_orig_elem(c, i);
    if (c->low->owner_elem[i] == WG_LOWER_NONE)
        snprintf(buf, len, "node %zu (%s), an inner %s", o, on ? on : "?",
                 wg_node_op_name(c->t, i));
    else if (e >= 0)
        snprintf(buf, len, "node %zu (%s) element %ld", o, on ? on : "?", e);
    else
        snprintf(buf, len, "node %zu (%s)", o, on ? on : "?");
    return buf;
}

void wg_chk_set_blame(const wg_chk *c, wg_check_result *res, size_t i)
{
    const char *on;
    if (!c->low) {
        res->blame_node = (long)i;
        res->blame_op = (wg_op)c->tv.op[i];
        res->blame_elem = -1;
        on = wg_node_op_name(c->t, i);
    } else {
        res->blame_node = wg_chk_orig_node(c, i);
        res->blame_op = wg_node_op(c->subj, (size_t)res->blame_node);
        res->blame_elem = wg_chk_orig_elem(c, i);
        on = wg_node_op_name(c->subj, (size_t)res->blame_node);
    }
    snprintf(res->blame_name, sizeof res->blame_name, "%s", on ? on : "");
}

void wg_chk_set_blame_orig(const wg_chk *c, wg_check_result *res, size_t node, long elem)
{
    res->blame_node = (long)node;
    res->blame_op = wg_node_op(c->subj, node);
    const char *on = wg_node_op_name(c->subj, node);
    snprintf(res->blame_name, sizeof res->blame_name, "%s", on ? on : "");
    res->blame_elem = wg_node_rank(c->subj, node) > 0 ? elem : -1;
}

const char *wg_chk_orig_label(const wg_chk *c, size_t node, long elem, char *buf, size_t len)
{
    const char *on = wg_node_op_name(c->subj, node);
    if (elem >= 0 && wg_node_rank(c->subj, node) > 0)
        snprintf(buf, len, "node %zu (%s) element %ld", node, on ? on : "?", elem);
    else
        snprintf(buf, len, "node %zu (%s)", node, on ? on : "?");
    return buf;
}
