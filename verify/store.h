/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store.h -- the result store of wengert-fuzz and wengert-verify --store
 * (read by wengert-report): an SQLite database that holds
 * every campaign, every graph checked and the figures of every check.
 *
 * Crash safety.  A graph is written in one transaction together with all of
 * its checks, its op counts and its reproducer, so a kill at any moment
 * (SIGKILL included) leaves the store with the whole graph or with nothing
 * of it.  Running the same campaign again resumes: wg_store_campaign_open
 * finds the campaign, wg_store_next_index says where to continue, and the
 * UNIQUE constraints (campaign, index) and (graph, direction) make a
 * duplicate impossible rather than unlikely.  Shard stores merge with
 * wg_store_merge, in one transaction, idempotently.
 *
 * Tables (doc in verify/store.c, next to the schema):
 *   schema_version  one row per layout the store has had: version, when made
 *                   (the layout is the largest, WG_STORE_SCHEMA_VERSION)
 *   campaign        command, seed, shard k/n, options, start, library versions
 *   campaign_info   (campaign, key, value) text: what ran it, on what machine,
 *                   when it finished, how long its runs took (fuzz/README.md)
 *   graph           one per graph: campaign, index, hash of its .wg text, seed,
 *                   sizes, number of checks, worst verdict, check time, text/path,
 *                   label (a name for people; NULL for generated graphs),
 *                   classes (version 3: words "tensor", "broadcast", "0-size",
 *                   "batched", "order-2"; NULL for a scalar graph at first order)
 *   graph_op        (graph, op name, count): the op mix of each graph
 *   check_result    one per direction: per-method value and abs/rel/ulps errors
 *                   (reverse_, forward_, central_, gsl_ columns), reference,
 *                   bound, verdict, blamed node and op, message; at second
 *                   order (version 3) also wg_hvp's figure (hvp_ columns); AD's correct
 *                   digits, the condition, the ill-conditioned flag and the
 *                   blamed node's text (version 4); blame_op 'none' on a
 *                   fail that blames no node
 *   reproducer      the shrunk .wg of a failing graph: path, node count, text
 * Doubles are stored as IEEE values and read back bit for bit, -0.0
 * included; NaN is stored as NULL (SQLite has no NaN) and read back as NaN.
 *
 * Versions.  Version 2 added graph.label and campaign_info, version 3
 * graph.classes and check_result's hvp_ columns, version 4 check_result's
 * reverse_digits, forward_digits, condition, ill_conditioned and
 * blame_text.  Opening a store of an
 * older version upgrades it in place, in one transaction (a kill leaves it
 * as it was); wg_store_merge takes a source of any of them and leaves the
 * source as it is.  A store of a later version
 * than this program's is refused.
 *
 * Every function returns WG_OK or a status (WG_EIO: a file cannot be
 * opened, read or written, or is not an SQLite database; WG_EINVAL: a bad
 * argument, a graph already stored, a database that is not a result store
 * of this layout; WG_ENOMEM) and fills *err (which may be NULL) with the
 * status and a message that starts with the file's path.
 *
 * One wg_store is used by one thread at a time.  Several processes may open
 * the same file: their write transactions wait for one another. */
#ifndef WG_VERIFY_STORE_FILE_H
#define WG_VERIFY_STORE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "wengert.h"
#include "wengert_verify.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WG_STORE_SCHEMA_VERSION 4

typedef struct wg_store wg_store;

typedef struct wg_store_error {
    int status;              /* WG_OK or the status returned */
    char message[768];       /* "PATH: what failed: why" */
} wg_store_error;

/* Create the store at path, or open the one there.  *out is NULL on failure. */
int  wg_store_open(const char *path, wg_store **out, wg_store_error *err);
/* Open an existing store to read it only (summaries, the source of a
 * merge): SQLITE_OPEN_READONLY, so nothing is created, no schema written,
 * the journal mode left as it is.  A missing file, a file that is not a
 * result store (one sentence each) or a store of another schema version is
 * refused; a writer holding the store makes it wait at most
 * WG_STORE_READ_BUSY_MS, then says so.  Only reads work on it. */
#define WG_STORE_READ_BUSY_MS 3000
int  wg_store_open_readonly(const char *path, wg_store **out, wg_store_error *err);
void wg_store_close(wg_store *s);               /* NULL is fine */
const char *wg_store_path(const wg_store *s);
/* The connection, for read-only SQL of reports and tests. */
struct sqlite3 *wg_store_db(wg_store *s);

/* ------------------------------------------------------------------ campaigns */

typedef struct wg_store_campaign {
    const char *command;     /* the command line, kept for the record */
    uint64_t seed;           /* above 2^63 - 1 stored as its int64 bit pattern */
    unsigned shard_k;        /* shard k of n, 0 <= k < n; 0 of 1 when not sharded */
    unsigned shard_n;
    const char *options;     /* canonical text of every option that decides which
                                graphs are made and how they are checked, and of
                                none that says how many (--graphs, --time, --jobs) */
} wg_store_campaign;

/* The campaign with c's seed, shard and options: the one stored already
 * (*resumed = 1; its command and start are kept) or a new one (*resumed = 0)
 * stamped with the start time and the versions of libwengert, MPFR, GSL
 * and SQLite.  resumed may be NULL. */
int wg_store_campaign_open(wg_store *s, const wg_store_campaign *c, int64_t *id,
                           int *resumed, wg_store_error *err);

/* Facts of a campaign as text, by key: "tool", "compiler", "cpu",
 * "finished", ... (fuzz/README.md lists what the programs write).  A key
 * is set for good or replaced; info does not make campaigns differ. */
typedef struct wg_store_info {
    const char *key;         /* not empty */
    const char *value;       /* not NULL; may be empty */
} wg_store_info;

/* Set (insert or replace) one key of campaign, in a transaction of its
 * own.  A campaign not in the store is WG_EINVAL. */
int wg_store_campaign_set_info(wg_store *s, int64_t campaign, const char *key,
                               const char *value, wg_store_error *err);
/* Set n keys in one transaction: all of them or (on error, or a kill at
 * any moment) none. */
int wg_store_campaign_put_info(wg_store *s, int64_t campaign, const wg_store_info *kv,
                               size_t n, wg_store_error *err);
/* The value of key for campaign in *value (malloc'd; free it), or NULL
 * when the campaign has no such key (that is WG_OK). */
int wg_store_campaign_get_info(wg_store *s, int64_t campaign, const char *key, char **value,
                               wg_store_error *err);

/* Compare and set one key, in one write transaction: when the key holds
 * expect (NULL: when it is absent) it is set to value (NULL: deleted) and
 * *swapped = 1; otherwise nothing changes and *swapped = 0.  *found, when
 * found is not NULL, gets the value the key held (malloc'd; NULL when it
 * was absent).  Two processes cannot both swap from the same value: the
 * lock of a campaign's run is made of this (machine.h). */
int wg_store_campaign_swap_info(wg_store *s, int64_t campaign, const char *key,
                                const char *expect, const char *value, int *swapped,
                                char **found, wg_store_error *err);

/* ------------------------------------------------------------------ graphs */

/* One graph and everything found on it, as wg_store_put_graph writes it. */
typedef struct wg_store_graph {
    uint64_t index;          /* position in its campaign (shard): 0, 1, 2, ... */
    uint64_t seed;           /* the generator's seed of this graph */
    const char *text;        /* its canonical .wg text; required: it is hashed */
    int keep_text;           /* also store the text itself */
    const char *path;        /* where its .wg file was saved, or NULL */
    const char *label;       /* a name for people ("rosenbrock-20 @ point 2"), or
                                NULL (generated graphs) */
    /* shape classes ("tensor broadcast 0-size batched", NULL for a scalar
     * graph): wg_store_graph_describe sets them from the graph, into
     * classes_buf; "order-2" is added when stored for a second-order check */
    const char *classes;
    char classes_buf[64];
    size_t ninputs, nnodes, noutputs;
    unsigned op_count[WG_OP_COUNT];   /* nodes per op */
    const wg_check_report *report;    /* its check: one row per result; when
                                         report->error is set the check did not
                                         run and the graph has no verdict */
    const char *repro_path;  /* the shrunk reproducer's file, or NULL */
    const char *repro_text;  /* its .wg text, or NULL; a reproducer is stored
                                when either is given */
    size_t repro_nodes;
} wg_store_graph;

/* Fill rec's sizes and op counts from g and its text with g's canonical
 * .wg text, which *text owns (free it after the put).  Other fields are
 * left as they are. */
int wg_store_graph_describe(wg_graph *g, wg_store_graph *rec, char **text,
                            wg_store_error *err);

/* Write rec into campaign in one transaction: afterwards the store holds
 * all of it, or (on error or a kill at any moment) none of it.  A graph
 * whose index is stored already is WG_EINVAL and changes nothing. */
int wg_store_put_graph(wg_store *s, int64_t campaign, const wg_store_graph *rec,
                       wg_store_error *err);

/* Where a resumed run starts: the first index of campaign with no stored
 * graph.  Parallel workers may have stored later ones; a run skips those
 * (wg_store_has_graph). */
int wg_store_next_index(wg_store *s, int64_t campaign, uint64_t *next, wg_store_error *err);
int wg_store_has_graph(wg_store *s, int64_t campaign, uint64_t index, int *has,
                       wg_store_error *err);

/* A stored graph, read back; strings are owned (wg_store_graph_info_free). */
typedef struct wg_store_graph_info {
    int64_t id;
    uint64_t index, seed;
    char hash[17];           /* FNV-1a 64 of the text, 16 hex digits */
    size_t ninputs, nnodes, noutputs, directions;
    unsigned op_count[WG_OP_COUNT];   /* ops this build does not know are left out */
    int has_verdict;         /* 0 when the check did not run */
    wg_verdict verdict;      /* the worst of its checks */
    size_t worst;            /* the index of the check that set it */
    double seconds;
    char *error;             /* why the check did not run, or NULL */
    char *text, *path;       /* NULL when not stored */
    char *label;             /* NULL when it has none */
    char *classes;           /* NULL when it has none (and before version 3) */
    int has_repro;
    char *repro_path, *repro_text;
    size_t repro_nodes;
} wg_store_graph_info;
void wg_store_graph_info_free(wg_store_graph_info *info);

/* Read graph index of campaign: info and, when r is not NULL, its checks as
 * a report (free with wg_check_report_free).  A graph not stored is
 * WG_EINVAL. */
int wg_store_get_graph(wg_store *s, int64_t campaign, uint64_t index,
                       wg_store_graph_info *info, wg_check_report *r, wg_store_error *err);

/* ------------------------------------------------------------------ merge */

typedef struct wg_store_merge_stats {
    uint64_t campaigns_added;
    uint64_t info_added;         /* campaign_info rows (keys the destination lacked) */
    uint64_t graphs_added;
    uint64_t checks_added;
    uint64_t graphs_present;     /* in both stores: the destination's is kept */
    uint64_t graphs_conflicting; /* of those, with a different hash (another
                                    generator made them): worth a warning */
} wg_store_merge_stats;

/* Merge the store at src_path (another shard's) into dst, in one
 * transaction: campaigns are matched by seed, shard and options, graphs by
 * campaign and index; a graph comes over whole, with its checks, op counts,
 * label and reproducer, or not at all.  Campaign info comes over key by
 * key: a key dst has for the campaign keeps dst's value.  The source may
 * be of schema version 1 or 2 (version 1: no labels, no info) and is not
 * changed.  Merging the same store again changes nothing.  stats may be
 * NULL. */
int wg_store_merge(wg_store *dst, const char *src_path, wg_store_merge_stats *stats,
                   wg_store_error *err);

/* ------------------------------------------------------------------ summaries (SQL) */

typedef struct wg_store_summary {
    uint64_t campaigns;
    uint64_t graphs;
    uint64_t graphs_unchecked;                  /* the check did not run */
    uint64_t graph_verdicts[WG_VERDICT_COUNT];  /* graphs by their worst verdict */
    uint64_t checks;
    uint64_t check_verdicts[WG_VERDICT_COUNT];  /* checks by verdict */
    uint64_t reproducers;
    uint64_t reproducers_no_file;               /* of those, stored with no file path
                                                   (not saved, or saved nowhere) */
    unsigned ops_covered;                       /* distinct ops in stored graphs */
    double seconds;                             /* check time, summed */
} wg_store_summary;

/* Figures of one campaign, or of every campaign when campaign is 0. */
int wg_store_summarize(wg_store *s, int64_t campaign, wg_store_summary *sum,
                       wg_store_error *err);

/* Failing checks grouped by blamed op, most first (then by name): fn gets
 * the op's name (NULL: no op blamed), the failing checks and the graphs
 * they are in.  A non-zero return of fn stops the walk. */
typedef int (*wg_store_op_fn)(void *ctx, const char *op, uint64_t checks, uint64_t graphs);
int wg_store_fails_by_op(wg_store *s, int64_t campaign, wg_store_op_fn fn, void *ctx,
                         wg_store_error *err);

/* Both of the above as a few lines of text. */
int wg_store_print_summary(wg_store *s, int64_t campaign, FILE *out, wg_store_error *err);

#ifdef __cplusplus
}
#endif
#endif /* WG_VERIFY_STORE_FILE_H */
