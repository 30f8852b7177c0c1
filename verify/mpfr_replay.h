/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mpfr_replay.h -- private to libwengert-verify: a recorded tape replayed in
 * MPFR at the points x0 + s u of a line, every node's value kept.
 *
 * The tape is read once, through the public inspection API, into a
 * wg_tape_view; each replay then owns one array of MPFR values, allocated
 * once and reused for every point (a check replays the same tape a few
 * times per direction).  Nodes that do not move with the inputs (constants,
 * other inputs, stop_gradient and all that hangs only on them) are computed
 * once, at x0, and kept. */
#ifndef WG_MPFR_REPLAY_H
#define WG_MPFR_REPLAY_H

#include "mpfr_ops.h"
#include "wengert.h"

#include <stddef.h>
#include <stdint.h>

#define WG_NO_NODE ((size_t)-1)

/* the first nodes of a tape, as plain arrays */
typedef struct wg_tape_view {
    size_t n;               /* nodes 0 .. n-1 */
    uint8_t *op;            /* wg_op */
    size_t *arg0, *arg1;    /* operand node indices; WG_NO_NODE for none */
    double *param;          /* the constant of CONST and INT ops, the custom op id of
                               a custom node, else 0 */
    double *val;            /* the recorded values */
    size_t nweak;           /* custom nodes with no MPFR callback (custom_ref.c) */
} wg_tape_view;

/* node i of the view has a second operand (a binary op, a comparison, a
 * custom op of two): the view's arg1 is WG_NO_NODE exactly where it has
 * none (wg_node_arg) */
static inline int wg_view_has_b(const wg_tape_view *tv, size_t i)
{
    return tv->arg1[i] != WG_NO_NODE;
}

/* WG_OK or WG_ENOMEM */
int  wg_tape_view_init(wg_tape_view *tv, const wg_tape *t, size_t n);
void wg_tape_view_free(wg_tape_view *tv);

/* what went wrong in one replay */
typedef struct wg_mpfr_issue {
    int status;             /* WG_OK; WG_EDOM: node left its domain; WG_ERANGE: not finite */
    size_t node;            /* the first such node (the replay stops there) */
    const char *why;        /* the domain's reason (WG_EDOM) */
    int flipped;            /* 1: a recorded comparison has another outcome */
    size_t flip_node;       /* the first such comparison */
} wg_mpfr_issue;

typedef struct wg_mpfr_replay {
    const wg_tape_view *tv;
    mpfr_prec_t prec;       /* working precision of every computed node */
    mpfr_t *v;              /* v[i]: the value of node i at the last point */
    size_t *slot;           /* slot[i] = j when node i is the moving input x[j], else WG_NO_NODE */
    unsigned char *moves;   /* moves[i]: node i depends on the moving inputs */
    size_t *moving;         /* those nodes, in tape order */
    size_t nmoving;
    int primed;             /* the fixed nodes hold their values at x0 */
    wg_mpfr_issue fixed;    /* a fixed comparison that disagrees at x0, found when priming */
    wg_mpfr_scratch scr;
    /* custom nodes with no MPFR callback, taken at x0 (priming) as their
     * first-order model: cb[5 i ...] = a0, b0, y0, D0, D1 (custom_ref.c) */
    double *cb;
    double weak_rel;        /* the largest relative error estimate of those D */
    mpfr_t su;              /* s * u[j], exact */
    mpfr_t tv2;             /* t * v[j], exact (two directions) */
} wg_mpfr_replay;

/* x[0..nx) are the node indices of the inputs that move (INPUT nodes of
 * tv).  WG_OK or WG_ENOMEM. */
int  wg_mpfr_replay_init(wg_mpfr_replay *r, const wg_tape_view *tv, size_t nx,
                         const size_t *x, mpfr_prec_t prec);
void wg_mpfr_replay_free(wg_mpfr_replay *r);

/* Replay at x0 + s u (s NULL: at x0).  x0[j] + s u[j] is formed exactly:
 * the input node takes as many bits as that needs; every other node is
 * rounded to nearest at the working precision.  A comparison keeps its
 * recorded outcome as its value (as wg_eval does) and reports a flip.
 * Returns issue->status. */
int  wg_mpfr_replay_run(wg_mpfr_replay *r, const double *x0, const double *u, mpfr_srcptr s,
                        wg_mpfr_issue *issue);

/* Replay at x0 + s u + t v: two directions, each sum exact (the second-
 * order reference, reference2.c).  s or t NULL (with its direction): that
 * term is absent. */
int  wg_mpfr_replay_run2(wg_mpfr_replay *r, const double *x0, const double *u, mpfr_srcptr s,
                         const double *v, mpfr_srcptr t, wg_mpfr_issue *issue);

/* stop_gradient moves with its operand from now on, as wg_eval computes
 * it (the replay of values at a new point, paths.c); the fixed nodes that
 * now move are recomputed by the next run */
void wg_mpfr_replay_unfreeze(wg_mpfr_replay *r);

/* Take the fixed nodes' values from `from`, a primed replay of the same
 * view and inputs, instead of computing them again. */
void wg_mpfr_replay_share_fixed(wg_mpfr_replay *r, const wg_mpfr_replay *from);

#endif /* WG_MPFR_REPLAY_H */
