/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shrink.h -- delta debugging of a failing graph, and reproducer files.
 *
 * wg_shrink takes a graph whose check fails and returns the smallest graph
 * it can find that still fails with the same blamed op: it drops nodes,
 * replaces a node by a new input or by a constant of the node's value, and
 * prunes what no output uses, keeping each change only while the check
 * still says fail and blames the same op (Zeller and Hildebrandt,
 * "Simplifying and isolating failure-inducing input", IEEE TSE 28(2), 2002,
 * applied to the nodes of a tape).  The result is 1-minimal under those
 * changes: undoing any single one more node makes the failure go away or
 * move to another op.
 *
 * A reproducer is the shrunk graph written as .wg text under a header of
 * comments that says what failed and the command that shows it again. */
#ifndef WG_FUZZ_SHRINK_H
#define WG_FUZZ_SHRINK_H

#include <stddef.h>
#include <stdio.h>

#include "wengert.h"
#include "wengert_verify.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wg_shrink_options {
    wg_check_options check;  /* the check that decides "still fails" */
    int bug;                 /* injected bug (fuzz/bugs.h) armed on every candidate's
                                tape, or -1 for none (the default) */
    unsigned max_checks;     /* most candidate checks to run (default 2000); the input's
                                own check is not counted, so 0 returns a copy of the
                                input with budget_hit set */
} wg_shrink_options;
void wg_shrink_options_init(wg_shrink_options *o);

typedef struct wg_shrink_result {
    wg_graph *graph;         /* the shrunk graph (the caller frees it); never NULL on WG_OK */
    size_t nodes_before;     /* tape nodes of the input graph, inputs included */
    size_t nodes_after;      /* ... and of the shrunk one */
    unsigned checks;         /* candidate checks run (not counting the input's own check
                                nor candidates that do not record, which need none) */
    int budget_hit;          /* 1 when max_checks stopped the search early */
    wg_op blamed_op;         /* the op both graphs' failures blame (WG_OP_COUNT: none) */
    long blamed_node;        /* the node the shrunk graph's failure blames */
    double seconds;          /* wall time */
} wg_shrink_result;

/* Shrink g (left unchanged).  WG_OK with res->graph set; WG_EINVAL (why
 * says it) when g's own check does not fail or arguments are bad;
 * WG_ENOMEM. */
int wg_shrink(wg_graph *g, const wg_shrink_options *o, wg_shrink_result *res,
              char *why, size_t whylen);

/* What the header of a reproducer says. */
typedef struct wg_repro_info {
    const char *what;        /* one line: e.g. "fail (reverse) blamed on op sin at node 4" */
    const char *command;     /* the command that reproduces it, with the file's path as
                                the literal word FILE (written as the path of the file) */
    const char *origin;      /* one line: where it came from, e.g. "campaign seed 1, graph 17" */
} wg_repro_info;

/* Write g as .wg text to out, under the header of info:
 *   # wengert reproducer: WHAT
 *   # from: ORIGIN
 *   # reproduce: COMMAND
 * then wg_graph_write's text, which has its own "# wengert graph:" line.
 * info and each of its fields may be NULL (the line is left out).  Line
 * breaks in the fields become spaces, so each stays one comment line; the
 * word FILE in the command becomes path (left as it is when path is NULL),
 * single-quoted for the shell when it is not one plain word.  WG_OK,
 * WG_EINVAL (g or out NULL), WG_EIO or wg_graph_write's status. */
int wg_repro_write(const wg_graph *g, const wg_repro_info *info, const char *path, FILE *out);
/* The same to a new file at path (replaced if there; written to
 * path.tmp.<pid>, synced and renamed, so a kill never leaves half a file).
 * WG_OK, WG_EINVAL (g or path NULL or empty), WG_ENOMEM or WG_EIO, with
 * why naming the file and the system's reason. */
int wg_repro_save(const wg_graph *g, const wg_repro_info *info, const char *path,
                  char *why, size_t whylen);

#ifdef __cplusplus
}
#endif
#endif /* WG_FUZZ_SHRINK_H */
