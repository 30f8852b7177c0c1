/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bugs.h -- a catalogue of derivative bugs that can be planted in a tape at
 * run time, to measure how well the verifier and the fuzzer find them.
 *
 * Each row is one wrong rule of the kind real AD code gets wrong (a sign,
 * a dropped chain factor, an exponent off by one, a convention at a kink,
 * an adjoint stored instead of added, ...).  A bug is armed on one tape
 * through the library's test-only partials hook (and, for a bug of the
 * sweep itself, its test flags, wengert.h): nothing is active unless a
 * program arms it, and arming one tape leaves every other tape correct.
 * Never arm a bug outside tests and self-test campaigns. */
#ifndef WG_FUZZ_BUGS_H
#define WG_FUZZ_BUGS_H

#include "wengert.h"

#ifdef __cplusplus
extern "C" {
#endif

/* the sweeps a bug acts in */
#define WG_BUG_FORWARD 1u
#define WG_BUG_REVERSE 2u
#define WG_BUG_BOTH    (WG_BUG_FORWARD | WG_BUG_REVERSE)

#define WG_BUG_MAX_OPS 3

typedef struct wg_bug {
    const char *name;           /* unique; letters, digits, '-' and '_' */
    const char *description;    /* one line: the wrong rule and the right one */
    /* the ops whose rule it changes, WG_OP_COUNT after the last; none (ops[0]
     * is WG_OP_COUNT) for a bug of the sweep itself, which no op owns */
    wg_op ops[WG_BUG_MAX_OPS];
    unsigned modes;             /* WG_BUG_FORWARD and/or WG_BUG_REVERSE */
    const char *when;           /* where it shows: "always", "a < 0", "a = 0", ... */
    unsigned test_flags;        /* WG_TEST_* switches it sets (0: a wrong partial only) */
    /* the wrong rule; its ctx is the counter of wg_bug_arm_counted or NULL */
    wg_partials_hook hook;
    /* 1 for a bug of a tensor rule (a WG_TEST_* switch of wengert.h): it
     * shows only in tensor graphs, so the self-test hunts it over the
     * tensor stream */
    int tensor;
    /* op kinds whose every row it changes (bit 1 << wg_op_kind), beside ops:
     * a broadcasting bug belongs to every elementwise binary op */
    unsigned kinds;
    /* 2 for a bug of a second-order rule (a rule recorded as ops, or a
     * second partial of wg_hvp's double sweep): only a second-order check
     * (check.order = 2) can see it, and the self-test hunts it with one;
     * 0 or 1: first order */
    unsigned order;
    /* the derivative path of a check it shows in (wg_path_name: "jvp-multi",
     * "jacobian-rev", "backward", "replay"; "hessian": wg_hessian's own method at
     * second order), NULL for wg_vjp and wg_jvp;
     * its fail has that fail_mode, blamed on its op or, owned by none, on
     * no single node */
    const char *path;
} wg_bug;

int           wg_bug_count(void);
const wg_bug *wg_bug_get(int bug);             /* NULL when bug is out of range */
int           wg_bug_find(const char *name);   /* index of the bug named name, or -1 */
/* 1 when bug changes op's rule */
int           wg_bug_mutates(const wg_bug *b, wg_op op);

/* Arm bug on t (replacing any bug armed there before): WG_OK, or WG_EINVAL
 * for a NULL tape or a bug out of range (nothing armed then). */
int  wg_bug_arm(wg_tape *t, int bug);
/* The same, and *fired (if not NULL) grows by one each time the bug acts:
 * a partial it changes, or for a bug of the sweep, each node the affected
 * sweep visits.  fired must outlive the arming. */
int  wg_bug_arm_counted(wg_tape *t, int bug, unsigned long *fired);
/* Remove any bug from t: its sweeps are the library's own again. */
void wg_bug_disarm(wg_tape *t);

#ifdef __cplusplus
}
#endif
#endif /* WG_FUZZ_BUGS_H */
