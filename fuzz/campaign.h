/* SPDX-License-Identifier: GPL-3.0-or-later */
/* campaign.h -- a wengert-fuzz campaign: draw random graphs, check each
 * with the verifier, shrink what fails, and write everything to the result
 * store, in parallel workers, resumable after any kill.
 *
 * Index space.  A campaign is a seed and a stream of graphs 0, 1, 2, ...
 * (the global index g).  Graph g is drawn from wg_campaign_graph_seed(seed,
 * g), a bijection of g for a fixed seed, so two graphs of one campaign never
 * share a generator seed (below 2^32 graphs).  Shard k of n owns the global
 * indices g = i n + k, i = 0, 1, ...; its store numbers them by i.  So n
 * shards with --graphs G make exactly the graphs one unsharded run with
 * --graphs G makes, each once, and a shard needs nothing from the others. */
#ifndef WG_FUZZ_CAMPAIGN_H
#define WG_FUZZ_CAMPAIGN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fuzz_gen.h"
#include "wengert.h"
#include "wengert_verify.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wg_campaign_stats;

typedef struct wg_campaign_options {
    wg_fuzz_gen_options gen;     /* graph sizes and op mix */
    wg_check_options check;      /* directions, precision, safety; its seed is set
                                    per graph (the graph's seed) */
    uint64_t seed;               /* the campaign's seed (default 1) */
    uint64_t graphs;             /* graphs of the whole campaign (all shards); 0: no
                                    limit (then seconds must be set) */
    double seconds;              /* stop after this long (0: no limit) */
    unsigned jobs;               /* worker processes (default 1) */
    unsigned shard_k, shard_n;   /* this run's shard (default 0 of 1) */
    const char *store_path;      /* the SQLite result store (required) */
    const char *repro_dir;       /* where reproducers are saved (NULL: not saved as
                                    files; they are still stored) */
    const char *command;         /* the command line, for the record */
    const char *plugins;         /* " --plugin A --plugin B": the custom ops' objects, for
                                    the reproducers' command (NULL: none) */
    int bug;                     /* injected bug armed on every graph (bugs.h), -1 none */
    int shrink;                  /* shrink failing graphs (default 1) */
    unsigned shrink_checks;      /* budget of one shrink (default 2000) */
    int keep_text;               /* store every graph's text (default 0: only graphs
                                    that do not pass) */
    volatile sig_atomic_t *stop; /* set (by a signal handler) to stop after the graphs
                                    in hand; NULL: never */
    /* progress: called in the parent process after every graph (any worker)
     * and once more at the end (done = 1); NULL for none */
    void (*progress)(void *ctx, const struct wg_campaign_stats *st, int done);
    void *progress_ctx;
} wg_campaign_options;

void wg_campaign_options_init(wg_campaign_options *o);

/* Figures of a run, the graphs found stored by earlier runs included. */
typedef struct wg_campaign_stats {
    uint64_t target;                      /* graphs this shard is to make (0: no limit) */
    uint64_t resumed_from;                /* graphs stored when the run began */
    uint64_t graphs;                      /* graphs stored now (this shard) */
    uint64_t graphs_this_run;
    uint64_t unchecked;                   /* generator gave up or the check did not run */
    uint64_t graph_verdicts[WG_VERDICT_COUNT];
    uint64_t checks;
    uint64_t check_verdicts[WG_VERDICT_COUNT];
    uint64_t reproducers;
    uint64_t repro_unsaved;               /* reproducers of this run whose file could not
                                             be written (each said on stderr; the text is
                                             in the store) */
    uint64_t ops_seen[(WG_OP_COUNT + 63) / 64];   /* bit set of ops in the graphs of this run */
    unsigned ops_covered;                 /* ops of the table seen in the graphs (the
                                             leaves input and const included, as the
                                             store's summary counts them) */
    unsigned ops_total;                   /* ops the generator can draw, leaves included */
    double elapsed;                       /* seconds of this run */
    double limit_seconds;
    int interrupted;                      /* stopped by *stop */
    int64_t campaign_id;
} wg_campaign_stats;

/* Run the campaign.  WG_OK when it ran (whatever it found: st->graph_verdicts
 * says), or a status with why: bad options (WG_EINVAL), the store
 * (WG_EIO), out of memory. */
int wg_campaign_run(const wg_campaign_options *o, wg_campaign_stats *st, char *why, size_t whylen);

/* The canonical text of the options that decide which graphs are made and
 * how they are checked (stored with the campaign: a run resumes only a
 * campaign with the same text).  Returns a malloc'd string or NULL. */
char *wg_campaign_options_text(const wg_campaign_options *o);

/* ------------------------------------------------------------------ index space */

uint64_t wg_campaign_graph_seed(uint64_t campaign_seed, uint64_t global_index);
static inline uint64_t wg_campaign_global_index(uint64_t local, unsigned k, unsigned n)
{
    return local * n + k;
}
/* graphs of shard k of n when the whole campaign has total graphs */
static inline uint64_t wg_campaign_shard_graphs(uint64_t total, unsigned k, unsigned n)
{
    return total > k ? (total - k + n - 1) / n : 0;
}

/* ------------------------------------------------------------------ one graph */

/* What checking one graph gives: the graph (NULL when the generator gave
 * up), its check, and its shrunk reproducer when it failed. */
typedef struct wg_campaign_graph {
    uint64_t global_index, seed;
    wg_graph *graph;
    wg_fuzz_gen_info info;
    wg_check_report report;      /* report.error set when the check did not run */
    wg_graph *shrunk;            /* NULL unless the check failed and shrinking worked */
    char repro_path[1024];       /* "" unless a reproducer file was saved */
    int repro_unsaved;           /* a reproducer file was due but could not be written
                                    (why says why) */
    double gen_seconds, check_seconds, shrink_seconds;
    char why[256];               /* generator's or shrinker's reason, when they gave up */
} wg_campaign_graph;

/* Draw, check and (on fail) shrink graph global_index of the campaign of o. */
int  wg_campaign_graph_run(const wg_campaign_options *o, uint64_t global_index,
                           wg_campaign_graph *cg);
void wg_campaign_graph_free(wg_campaign_graph *cg);

/* The command a reproducer's header gives (FILE stands for its path). */
void wg_campaign_repro_command(const wg_campaign_options *o, uint64_t check_seed,
                               char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* WG_FUZZ_CAMPAIGN_H */
