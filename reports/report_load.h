/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_load.h -- private to wengert-report: result stores copied into
 * the report's temporary database (report_load.c), and the layout of that
 * database, which report_data.c aggregates.
 *
 * Tables of the temporary database:
 *   opid   (id, name)   every op: this build's table first, in its order,
 *                       then names only a store knows
 *   ident  (id, seed, shard_k, shard_n, options)   one per campaign identity;
 *                       campaigns[id - 1] of the report
 *   g      one per graph kept: id = (store << 40) + its id in the store,
 *          ident, idx, seed, nodes, verdict, label, m0, m1 (bit i of word
 *          i / 62: op i is in the graph)
 *   fails  one per failing check (the columns of wg_rep_fail)
 *   lab    one per labelled graph (wg_rep_label)
 *   cand   rows of the second selection pass (report_select.h)
 * The checks themselves are not copied: the passes of report_data.c read
 * them from the stores (wg_rep_each_check), joined with g. */
#ifndef WG_REPORT_LOAD_H
#define WG_REPORT_LOAD_H

#include "report_data.h"

#include <sqlite3.h>

#define WG_REP_MASK_BITS 62
#define WG_REP_STORE_SHIFT 40

/* Open d->db and read every store into it; fill d->stores, d->campaigns,
 * d->ops (names, graphs, nodes), d->graphs, d->graphs_unchecked,
 * d->graphs_duplicate and d->graph_verdicts.  WG_OK, or a status with the
 * reason (naming the store) in why. */
int wg_rep_load_stores(wg_report_data *d, const char *const *paths, size_t n, char *why,
                       size_t len);

/* Every check of the graphs kept, store by store, one call of fn per row:
 * the columns are code (0..4 as wg_verdict, 5 other), judged (pass or
 * fail with a converged reference), nodes, bop (the blamed op of a fail,
 * -1 none), m0, m1 (its graph's ops), cm (bit m: method m computed), then
 * rel_err and ulps of reverse, forward, central, gsl, the abs_err of
 * reverse and forward, bound, reference_err, and 1 when the reference is
 * exactly 0.  fn returns WG_OK to go on.
 * Sets stores[i].checks.  WG_OK, or the first failure with why filled. */
typedef int (*wg_rep_row_fn)(void *ctx, size_t store, sqlite3_stmt *row);
int wg_rep_each_check(wg_report_data *d, wg_rep_row_fn fn, void *ctx, char *why, size_t len);

/* After the counting pass: rows the figures cannot count as they should,
 * as sentences in d->warnings.  Verdicts this program does not know
 * (counted as "other", in no error figure: their names and counts), and
 * graphs with fewer check rows than their directions (a store edited or
 * damaged: how many, and the first few).  The stores are read again only
 * when the counts show such rows.  WG_OK, or a status with why. */
int wg_rep_odd_rows(wg_report_data *d, char *why, size_t len);

/* verdict name -> column (WG_REP_OTHER for a name not known) */
int wg_rep_verdict_code(const char *name);
/* 1 when a graph of classes cls (WG_REP_CLS_*) is in row k of the class table */
int wg_rep_in_class(unsigned cls, int k);

/* "PATH: ..." into why; returns status */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
int wg_rep_error(char *why, size_t len, int status, const char *fmt, ...);

/* sqlite3_exec with the error into why */
int wg_rep_exec(sqlite3 *db, const char *sql, char *why, size_t len, const char *what);

/* the newest store layout this program reads: fuzz/store.h's
 * WG_STORE_SCHEMA_VERSION (tests/test_report.c holds them equal) */
#define WG_REP_SCHEMA_MAX 4

char *wg_rep_strdup_col(sqlite3_stmt *st, int k);   /* NULL for NULL */
double wg_rep_double_col(sqlite3_stmt *st, int k);  /* NaN for NULL */

#endif /* WG_REPORT_LOAD_H */
