/* SPDX-License-Identifier: GPL-3.0-or-later */
/* verify_store.h -- wengert-verify --store FILE: the results of --check and
 * --suite written into a result store (store.h, as wengert-fuzz writes), one
 * campaign per command and one graph row per case and point, so that one
 * report reads fuzz campaigns and suite runs alike.
 *
 * A run of the same command finds its campaign again (seed and options
 * text are its identity) and skips the rows it has: index i is the i-th
 * (case, point) of the suite, the same on every run. */
#ifndef WG_VERIFY_STORE_H
#define WG_VERIFY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "wengert.h"
#include "wengert_verify.h"

typedef struct wg_verify_store wg_verify_store;

/* Open (or create) the store at path and find or make the campaign of
 * command (the record), seed and options (the identity).  0, or -1 with
 * one line naming the file in why. */
int wg_verify_store_open(const char *path, const char *command, uint64_t seed,
                         const char *options, wg_verify_store **out, char *why, size_t len);

/* The next row (index 0, 1, ...): label, the check seed, the graph checked
 * (its canonical .wg text is stored) or NULL with the text to store
 * instead (one comment line) and the sizes to record, and the report
 * (report->error set when the check did not run).  A row stored already
 * is left as it is and counted.  0, or -1 with why. */
int wg_verify_store_put(wg_verify_store *vs, const char *label, uint64_t seed, wg_graph *g,
                        const char *no_graph_text, size_t ninputs, size_t noutputs,
                        const wg_check_report *r, char *why, size_t len);

/* Rows found stored and rows added so far. */
uint64_t wg_verify_store_present(const wg_verify_store *vs);
uint64_t wg_verify_store_added(const wg_verify_store *vs);

/* Record the run (machine.h: tool wengert-verify, the machine, elapsed
 * seconds, the extra keys) and close.  vs is freed also on failure.  0, or
 * -1 with why. */
int wg_verify_store_finish(wg_verify_store *vs, double elapsed, const wg_store_info *extra,
                           size_t n, char *why, size_t len);

/* Close without recording a run (after an error).  NULL is fine. */
void wg_verify_store_close(wg_verify_store *vs);

/* "# case NAME: TEXT" as one line: newlines in name or text become
 * blanks.  malloc'd; NULL when out of memory. */
char *wg_verify_store_comment(const char *what, const char *name, const char *text);

#endif
