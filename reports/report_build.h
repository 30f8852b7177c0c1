/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_build.h -- the accuracy report as a document (report_doc.h): the
 * sections, their tables and their words, from the aggregated figures
 * (report_data.h), the plots (report_plot.h) and the step-size study
 * (report_stepsize.h).  report_build.c writes the run, the verdicts and
 * failures, coverage and the suite cases; report_build_acc.c the accuracy
 * per op, the bounds' tightness and the step-size study. */
#ifndef WG_REPORT_BUILD_H
#define WG_REPORT_BUILD_H

#include "report_data.h"
#include "report_doc.h"
#include "report_plot.h"
#include "report_stepsize.h"

typedef struct wg_report_meta {
    const char *command_line;    /* how wengert-report was run */
    const char *generated;       /* when, as text (UTC) */
} wg_report_meta;

wg_doc *wg_report_document(const wg_report_data *d, const wg_plots *p,
                           const wg_step_study *st, size_t nst, const wg_report_meta *meta);

/* report_build_acc.c */
void wg_build_accuracy(wg_doc *doc, const wg_report_data *d, const wg_plots *p);
void wg_build_tightness(wg_doc *doc, const wg_report_data *d, const wg_plots *p);
/* tensor graphs by shape class; second-order checks per op and method */
void wg_build_tensors(wg_doc *doc, const wg_report_data *d);
void wg_build_order2(wg_doc *doc, const wg_report_data *d);
void wg_build_steps(wg_doc *doc, const wg_step_study *st, size_t nst, const wg_plots *p);

/* a figure as text (wg_fmt_num) from a ring of buffers: valid until 16
 * more calls */
const char *wg_num(double v);
const char *wg_count(uint64_t n);

/* a plot block, or a note saying why it is missing */
void wg_build_plot(wg_doc *doc, const wg_plots *p, const char *name, const char *caption);

#endif /* WG_REPORT_BUILD_H */
