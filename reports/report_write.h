/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_write.h -- a report document (report_doc.h) written out: HTML
 * (report_html.c), Markdown (report_md.c), and the per-op table as CSV
 * (report_csv.c). */
#ifndef WG_REPORT_WRITE_H
#define WG_REPORT_WRITE_H

#include <stdio.h>

#include "report_data.h"
#include "report_doc.h"
#include "report_plot.h"

/* One self-contained page: polyglot HTML5 that is also well-formed XML
 * (every element closed, text escaped, the plots' SVG inline), CSS inline,
 * no script and nothing fetched.  WG_OK or WG_EIO. */
int wg_write_html(const wg_doc *doc, const wg_plots *p, FILE *out);

/* GitHub-flavoured Markdown with the same tables; plots as images
 * plots/NAME.svg (the caller writes them beside it).  WG_OK or WG_EIO. */
int wg_write_md(const wg_doc *doc, FILE *out);

/* One row per op (this build's table, then names only the stores know)
 * with its counts and every percentile, in full precision (%.17g; empty
 * for no value).  WG_OK or WG_EIO. */
int wg_write_ops_csv(const wg_report_data *d, FILE *out);

/* text with &, <, > and " escaped, control characters other than tab and
 * line breaks and bytes that are not UTF-8 replaced by U+FFFD (XML allows
 * neither) */
void wg_html_escape(FILE *out, const char *s);

/* the anchor GitHub gives a Markdown heading of this text */
void wg_md_slug(const char *text, char *buf, size_t len);

#endif /* WG_REPORT_WRITE_H */
