/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_data.h -- the figures of wengert-report, aggregated from one or
 * many result stores (verify/store.h; wengert-fuzz and wengert-verify
 * --store write them).
 *
 * The stores are opened read-only; their campaigns, graphs (with each
 * graph's set of ops), failing checks and labels go to a private temporary
 * database, and the checks are streamed from the stores twice, joined with
 * their graphs: once to count, once to find exact percentiles
 * (report_select.h).  No row is kept in memory: the memory used grows with
 * the number of graphs (in SQLite's cache or its temporary file), not with
 * the number of checks.
 *
 * Which checks count.  Errors against the MPFR reference are summarised
 * over the checks whose verdict is pass or fail and whose reference
 * converged, for each method that computed a value; the other verdicts
 * (nondiff, invalid, unstable) are counted, not summarised, since their
 * reference is one-sided, missing or unconverged.
 *
 * Attribution.  A check counts for every op present in its graph (the
 * graph_op rows): a graph of sin, mul and exp adds its checks to all
 * three.  Failing checks also count for the op they are blamed on
 * (blame_op), in the per-op "blamed" figures.
 *
 * Percentiles are nearest-rank: the p-th percentile of n values is the
 * value of rank ceil(p n / 100) in increasing order (the median is rank
 * ceil(n / 2), the maximum rank n); exact, no interpolation.
 *
 * Stores of schema version 1 and 2 are read: version 2 adds graph.label
 * (names of suite cases) and campaign_info (tool, machine, timing); for a
 * version-1 store those fields are NULL and the report says they were not
 * recorded.  A campaign found in several stores (a merged store given with
 * its shards) counts once: graphs are matched by the campaign's identity
 * (seed, shard, options) and index, as wengert-fuzz --merge does, and the
 * first store given keeps its copy. */
#ifndef WG_REPORT_DATA_H
#define WG_REPORT_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wengert.h"
#include "wengert_verify.h"

/* the metrics summarised: rel and ulps per method, then err/bound */
#define WG_REP_REL(m)   (2 * (m))
#define WG_REP_ULPS(m)  (2 * (m) + 1)
#define WG_REP_RATIO    (2 * WG_METHOD_COUNT)  /* max over reverse and forward of
                                                  abs_err / (bound + reference_err) */
#define WG_REP_METRICS1 (2 * WG_METHOD_COUNT + 1)  /* the first-order metrics above */
/* second order (store version 3): wg_hvp's rel and ulps; at order 2 the
 * method slots hold reverse over reverse (REVERSE), forward over reverse
 * (FORWARD) and differences of the gradient (CENTRAL, GSL) */
#define WG_REP_HVP_REL  (2 * WG_METHOD_COUNT + 1)
#define WG_REP_HVP_ULPS (2 * WG_METHOD_COUNT + 2)
/* ... and wg_hessian's (version 4), where the check ran it */
#define WG_REP_HESS_REL  (2 * WG_METHOD_COUNT + 3)
#define WG_REP_HESS_ULPS (2 * WG_METHOD_COUNT + 4)
#define WG_REP_METRICS  (2 * WG_METHOD_COUNT + 5)

/* graph classes (store version 3: graph.classes), bits of the temporary g.cls */
#define WG_REP_CLS_TENSOR    1u
#define WG_REP_CLS_BROADCAST 2u
#define WG_REP_CLS_ZERO      4u
#define WG_REP_CLS_BATCHED   8u
#define WG_REP_CLS_ORDER2    16u
/* the rows of the tensor-graph table: scalar graphs, tensor graphs, and the
 * tensor graphs with broadcasting, a 0-size axis, a batched matmul */
#define WG_REP_CLASSES 5



/* verdict columns: the five of wengert_verify.h and "other" (a name this
 * build does not know) */
#define WG_REP_OTHER    WG_VERDICT_COUNT
#define WG_REP_VERDICTS (WG_VERDICT_COUNT + 1)

/* ops a report can tell apart (two 62-bit words per graph) */
#define WG_REP_MAX_OPS  124

/* graph sizes are binned: exact up to 32 nodes, then 4 bins per doubling */
#define WG_REP_SIZE_BINS 96

/* histograms of log10: bins of WG_REP_HIST_STEP decades from
 * WG_REP_HIST_MIN; exact zeros have a bin of their own */
#define WG_REP_HIST_MIN  (-330.0)
#define WG_REP_HIST_STEP 0.5
#define WG_REP_HIST_BINS 1320

typedef struct wg_rep_stat {
    uint64_t n;              /* values summarised */
    uint64_t zeros;          /* of them exactly 0 */
    double median, p99, max; /* NaN when n is 0 */
} wg_rep_stat;

typedef struct wg_rep_hist {
    uint64_t n;              /* values counted */
    uint64_t zeros;          /* exactly 0 */
    uint64_t count[WG_REP_HIST_BINS];   /* bin k: log10 v in [MIN + k STEP, MIN + (k+1) STEP) */
    int lo, hi;              /* first and last bin with a count; hi < lo when none */
} wg_rep_hist;

typedef struct wg_rep_class {
    uint64_t graphs, checks;
    uint64_t verdicts[WG_REP_VERDICTS];
    uint64_t judged;
    wg_rep_stat fig[WG_REP_METRICS];    /* over its judged first-order checks */
} wg_rep_class;
const char *wg_report_class_name(int c);   /* "scalar graphs", "tensor graphs", ... */

typedef struct wg_rep_op {
    char name[32];
    int known;               /* in this build's op table */
    uint64_t graphs;         /* graphs that have it */
    uint64_t nodes;          /* its nodes in them */
    uint64_t checks;         /* checks of those graphs */
    uint64_t verdicts[WG_REP_VERDICTS];   /* those checks by verdict */
    uint64_t judged;         /* of them judged (see "Which checks count") */
    uint64_t judged_zero;    /* of those, with a reference of exactly 0: a derivative
                                that is 0 whatever the rules (every path from an input
                                to an output crosses a comparison, say) tests none */
    wg_rep_stat fig[WG_REP_METRICS];      /* over those checks (see "Which checks count") */
    uint64_t violations[2];  /* reverse, forward: abs_err > bound + reference_err */
    uint64_t blamed;         /* failing checks blamed on it */
    uint64_t blamed_graphs;
    wg_rep_stat blamed_fig[WG_REP_METRICS];   /* over the failing checks blamed on it */
    /* second order: the checks of order 2 (counted here, not above) */
    uint64_t o2_checks, o2_verdicts[WG_REP_VERDICTS], o2_judged;
    wg_rep_stat o2_fig[WG_REP_METRICS];
} wg_rep_op;

typedef struct wg_rep_size {
    unsigned lo, hi;         /* nodes in [lo, hi] */
    wg_rep_stat fig[WG_REP_METRICS];
} wg_rep_size;

typedef struct wg_rep_store {
    char *path;
    int version;             /* schema version */
    int has_label, has_info; /* version-2 columns and tables present */
    int has_classes;         /* version 3: graph.classes and the hvp_ columns */
    int has_accuracy;        /* version 4: check_result's digits, condition, ill_conditioned */
    int has_hessian;         /* version 4: wg_hessian's figure (hessian_ columns) */
    uint64_t campaigns, graphs, checks;
    uint64_t graphs_duplicate;   /* graphs another store given first had already */
    uint64_t directions;         /* directions of the graphs kept, summed: the check
                                    rows they should have */
} wg_rep_store;

/* one campaign (an identity: seed, shard, options); strings NULL when not recorded */
typedef struct wg_rep_campaign {
    size_t store;            /* index into stores of the first store that has it */
    unsigned nstores;        /* stores it was found in */
    char *command, *options, *started;
    uint64_t seed;
    unsigned shard_k, shard_n;
    char *wengert_version, *mpfr_ver, *gsl_version, *sqlite_version;
    /* campaign_info (version 2): tool, compiler, cpu, host, cores, jobs,
     * finished, elapsed_seconds, runs, suite */
    char *tool, *compiler, *cpu, *host, *cores, *jobs, *finished, *elapsed, *runs, *suite;
    uint64_t graphs, checks, graphs_unchecked;
    double check_seconds;    /* graph.seconds, summed */
} wg_rep_campaign;

typedef struct wg_rep_fail {
    size_t campaign;         /* index into campaigns */
    uint64_t graph_index, graph_seed;
    unsigned direction;
    char *label;             /* NULL for generated graphs */
    char *fail_mode;
    char *blame_op;          /* NULL: no op blamed */
    long blame_node;         /* -1: none */
    double reference, bound;
    double abs_err[2], rel_err[2], ulps[2];   /* reverse, forward */
    char *message;
    char *repro_path;        /* the shrunk reproducer's file, or NULL */
    long repro_nodes;        /* -1: no reproducer stored */
    char *command;           /* reproduces the shrunk graph (or the case) */
} wg_rep_fail;

/* a labelled graph (a suite case at a point) */
typedef struct wg_rep_label {
    size_t campaign;
    char *label;
    char *verdict;           /* NULL: the check did not run */
    unsigned checks;
    double max_rel[2];       /* reverse, forward; NaN when none */
    double max_ratio;
    char *error;
    int ill_conditioned;     /* a check of it passes with AD below the accuracy asked */
    double ad_digits;        /* the fewest correct digits of AD over its flagged checks */
} wg_rep_label;

/* a graph with ill-conditioned checks (store version 4): passes whose AD
 * has fewer correct digits than the run asked (doc/VERIFY.md, "Accuracy") */
typedef struct wg_rep_illc {
    size_t campaign;
    uint64_t graph_index;
    char *label;             /* NULL for generated graphs */
    unsigned checks;         /* its flagged checks */
    double ad_digits;        /* the fewest correct digits of AD over them */
    double condition;        /* the largest condition over them */
} wg_rep_illc;

typedef struct wg_report_options {
    size_t max_rows;         /* fails and labels listed (default 200; 0: all) */
} wg_report_options;
void wg_report_options_init(wg_report_options *o);

typedef struct wg_report_data {
    size_t nstores;
    wg_rep_store *stores;
    size_t ncampaigns;
    wg_rep_campaign *campaigns;

    uint64_t graphs, graphs_unchecked, graphs_duplicate;
    uint64_t graph_verdicts[WG_REP_VERDICTS];
    uint64_t checks;
    uint64_t check_verdicts[WG_REP_VERDICTS];
    uint64_t judged;         /* checks whose errors are summarised */
    uint64_t judged_zero;    /* of them with a reference of exactly 0 */
    wg_rep_stat all[WG_REP_METRICS];
    uint64_t violations[2];  /* reverse, forward */
    wg_rep_hist rel_hist[WG_METHOD_COUNT];
    wg_rep_hist ratio_hist[2];           /* reverse, forward */

    size_t nops;             /* this build's ops, then names only the stores know */
    wg_rep_op *ops;
    wg_rep_op unblamed;      /* fails with no op blamed: blamed, blamed_graphs, blamed_fig */

    wg_rep_size sizes[WG_REP_SIZE_BINS];

    /* first-order checks by graph class; second-order checks apart */
    wg_rep_class classes[WG_REP_CLASSES];
    uint64_t o2_graphs, o2_checks, o2_verdicts[WG_REP_VERDICTS], o2_judged;
    uint64_t weak_checks;    /* checks whose reference was the weaker kind (a custom op
                                without an MPFR value; store version 4) */
    wg_rep_stat o2_all[WG_REP_METRICS];

    uint64_t fails_total;
    size_t nfails;           /* listed (at most max_rows) */
    wg_rep_fail *fails;
    uint64_t labels_total;
    size_t nlabels;
    wg_rep_label *labels;
    uint64_t illc_graphs, illc_checks;   /* ill-conditioned: graphs and checks, all */
    size_t nillc;            /* graphs listed (at most max_rows) */
    wg_rep_illc *illc;
    int any_accuracy;        /* some store has the columns (version 4) */

    double seconds;          /* loading and aggregating, in all */
    double seconds_load, seconds_count, seconds_select;   /* its phases */
    struct sqlite3 *db;      /* the temporary database (fails.csv reads it) */

    /* rows the figures cannot count as they should, said in the report (a
     * note) and on stderr: verdicts this program does not know, graphs
     * with fewer check rows than directions.  Sentences, malloc'd. */
#define WG_REP_MAX_WARNINGS 4
    char *warnings[WG_REP_MAX_WARNINGS];
    size_t nwarnings;
} wg_report_data;

/* Read the stores at paths[0..n) into a new *out.  WG_OK; WG_EINVAL or
 * WG_EIO for a store that cannot be read (why names the file and says
 * what is wrong: missing, not SQLite, not a result store, a column
 * missing); WG_ENOMEM.  A store that is a directory is read as
 * DIR/results.sqlite (wengert-fuzz --out DIR). */
int  wg_report_load(const char *const *paths, size_t n, const wg_report_options *o,
                    wg_report_data **out, char *why, size_t len);
void wg_report_data_free(wg_report_data *d);

/* the size bin of a graph of `nodes` nodes, and the nodes it covers */
int  wg_report_size_bin(uint64_t nodes);
void wg_report_size_range(int bin, unsigned *lo, unsigned *hi);

/* Every failing check, one CSV row each, with a header.  WG_OK or WG_EIO. */
int  wg_report_write_fails_csv(const wg_report_data *d, FILE *out);

/* One shell word that stands for s exactly (malloc'd; NULL when out of
 * memory), the one quoting every command in a report goes through: s
 * itself when it is made of [A-Za-z0-9_./+,:=@%-] only; else in single
 * quotes, a quote written '\''; and when s holds a control character
 * (a line break, a tab, ...) in bash's $'...' form with \n, \t, \xHH,
 * so that a command stays one line and nothing in s is ever run. */
char *wg_rep_shell_quote(const char *s);

/* A command read from a store, made safe to paste (malloc'd; NULL for
 * NULL or out of memory): split into words as sh would (blanks, '...',
 * "...", backslash) and each word written again with wg_rep_shell_quote,
 * so that ; | $( ` and line breaks are arguments, not shell syntax.  A
 * command whose program is not one of ours (wengert-...) is written as
 * a comment, "# not a wengert command: ...", which runs nothing. */
char *wg_rep_safe_command(const char *stored);

/* A text cell of a CSV file: as RFC 4180 wants it (quoted when it holds a
 * comma, a quote or a line break), and a cell that starts with = + - @,
 * a tab or a CR written "'..." so that a spreadsheet shows it as text
 * instead of evaluating it (OWASP, CSV injection).  Numbers do not go
 * through it.  NULL: an empty cell. */
void wg_rep_csv_field(FILE *out, const char *s);

/* The name of verdict column v ("pass", ..., "other"). */
const char *wg_report_verdict_name(int v);

#endif /* WG_REPORT_DATA_H */
