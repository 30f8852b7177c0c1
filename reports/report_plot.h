/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_plot.h -- the report's plots, drawn by gnuplot as SVG.
 *
 * gnuplot is found as the shell would find it (each folder of PATH), or
 * taken from the environment variable WG_GNUPLOT (a path; a path that is
 * not an executable turns plots off, which is how the tests check the
 * report without them).  Each plot's data go to files in a temporary
 * folder, its script to gnuplot's standard input (popen), and the SVG to
 * a file that is read back.  Without gnuplot, or when it fails, the plot
 * is omitted and why is kept for the report to say.
 *
 * Two forms of each SVG are kept: the file as gnuplot wrote it (for
 * DIR/plots/NAME.svg, which the Markdown links to) and a form to inline in
 * HTML: without the XML prolog, with every id prefixed by the plot's name
 * so that several plots on one page do not share ids. */
#ifndef WG_REPORT_PLOT_H
#define WG_REPORT_PLOT_H

#include <stddef.h>

#include "report_data.h"
#include "report_stepsize.h"

#define WG_PLOTS_MAX 16

typedef struct wg_plot {
    char name[32];           /* file name without .svg */
    char *svg;               /* as gnuplot wrote it; NULL: omitted */
    char *inline_svg;        /* for HTML */
    char why[256];           /* why it was omitted */
} wg_plot;

typedef struct wg_plots {
    int available;           /* gnuplot found */
    char gnuplot[1024];      /* its path */
    char why[256];           /* why there are no plots at all */
    char dir[256];           /* the temporary folder */
    int hung;                /* gnuplot outlived its time limit once: the rest are skipped */
    size_t n;
    wg_plot items[WG_PLOTS_MAX];
} wg_plots;

/* Find gnuplot (disabled: plots were turned off by an option). */
void wg_plots_init(wg_plots *p, int disabled);
void wg_plots_free(wg_plots *p);

/* the plot named name, or NULL if it was never asked for */
const wg_plot *wg_plots_find(const wg_plots *p, const char *name);

/* The plots of a report: histograms of log10 relative error per method
 * ("hist"), error against graph size ("size"), observed error over bound
 * ("tightness"), and one per step-size study ("step-NAME"). */
void wg_plot_report(wg_plots *p, const wg_report_data *d, const wg_step_study *st, size_t nst);

#endif /* WG_REPORT_PLOT_H */
