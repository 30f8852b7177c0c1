/* SPDX-License-Identifier: GPL-3.0-or-later */
/* suite.h -- private: how a suite holds its cases, shared by the suite
 * model (suite.c), the suite text reader (suite_read.c) and the runner
 * (suite_run.c).  The public view of a case is wg_suite_case
 * (wengert_verify.h); each entry carries it first, followed by what only
 * the library needs to record the case. */
#ifndef WG_SUITE_H
#define WG_SUITE_H

#include "wengert_verify.h"
#include "wg_symtab.h"      /* lib/: the reader's hash of names */

typedef struct wg_suite_entry {
    wg_suite_case pub;          /* first: a wg_suite_case * is a wg_suite_entry * */
    char *name, *file, *source, *error;
    char **inputs;              /* ninputs strings */
    double *points;             /* npoints x ninputs */
    /* WG_SUITE_GRAPH: the .wg text, how messages name it */
    char *text, *text_name;
    /* WG_SUITE_FN */
    wg_record_fn record;
    void *ctx;
    void (*free_ctx)(void *ctx);
} wg_suite_entry;

struct wg_suite {
    wg_suite_entry **cases;     /* pointers, so a wg_suite_case * stays valid as cases are added */
    size_t n, cap;
    wg_symtab names;            /* the cases' names, hashed (id: the index), so that the
                                   n-th case's duplicate check is not a scan */
    unsigned flags;             /* WG_SUITE_OUTSIDE_PATHS */
};

/* a zeroed entry with expect = pass and the default options; NULL when
 * out of memory */
wg_suite_entry *wg_suite_entry_new(void);
/* frees the entry and what it owns (calls free_ctx) */
void wg_suite_entry_free(wg_suite_entry *e);
/* Point the public fields at the owned ones; call after filling them. */
void wg_suite_entry_publish(wg_suite_entry *e);
/* Append e (the suite owns it from then on, also on failure: then it is
 * freed).  WG_OK, WG_ENOMEM. */
int wg_suite_push(wg_suite *s, wg_suite_entry *e);
/* the case named by the len bytes at name, or NULL: a hash lookup */
const wg_suite_entry *wg_suite_find_n(const wg_suite *s, const char *name, size_t len);
/* Drop the cases from index n on (undoing a failed wg_suite_add_text). */
void wg_suite_truncate(wg_suite *s, size_t n);

char *wg_suite_strdup(const char *s);
char *wg_suite_strndup(const char *s, size_t n);

#endif
