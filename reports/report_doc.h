/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_doc.h -- a report as a list of blocks (headings, paragraphs,
 * tables, plots, code), built once and written as HTML (report_html.c)
 * and as Markdown (report_md.c), so that both show the same tables with
 * the same figures.
 *
 * Text is plain: the writers escape it.  In paragraphs, notes and list
 * items (text the program writes, never text from a store) two marks are
 * read: a span between backticks is code, and [text](#id) links to the
 * heading with that id.  Table cells and code blocks are taken literally,
 * which is where commands, messages and labels from a store go.
 *
 * Building never fails halfway: on running out of memory the document
 * remembers it (wg_doc_failed) and further calls do nothing. */
#ifndef WG_REPORT_DOC_H
#define WG_REPORT_DOC_H

#include <stddef.h>
#include <stdint.h>

/* The length of the well-formed UTF-8 character at s (1 for ASCII, the
 * NUL included), or 0 when the byte at s starts none.  Every text that
 * goes into a document is made UTF-8 this way, a bad byte becoming U+FFFD;
 * the CSV writers use it for their fields. */
size_t wg_utf8_len(const char *s);

typedef enum wg_doc_kind {
    WG_DOC_HEADING,          /* level 1..3, with an id to link to */
    WG_DOC_PARA,
    WG_DOC_NOTE,             /* a paragraph set apart: a warning or an omission */
    WG_DOC_LIST,             /* items */
    WG_DOC_CODE,             /* preformatted, literal */
    WG_DOC_TABLE,
    WG_DOC_PLOT              /* a plot by name (report_plot.h), with a caption */
} wg_doc_kind;

/* cell styles, or-ed */
#define WG_CELL_NUM   1u     /* a figure: right-aligned, monospace */
#define WG_CELL_CODE  2u     /* literal code (a command, a path) */
#define WG_CELL_BAD   4u     /* marks something wrong (a fail, a violated bound, worse) */
#define WG_CELL_GOOD  8u     /* marks something better */
#define WG_CELL_WEAK  16u    /* a figure of little weight (no data, a count of 0) */
#define WG_CELL_WIDE  32u    /* long text that needs room (a command, options) */
#define WG_CELL_NOWRAP 64u   /* kept on one line (a date, a name) */

typedef struct wg_doc_cell {
    char *text;
    unsigned style;
} wg_doc_cell;

typedef struct wg_doc_table {
    size_t ncols, nrows;
    wg_doc_cell *head;       /* ncols */
    wg_doc_cell *cells;      /* nrows x ncols, row-major */
    size_t cap;              /* rows allocated */
    size_t col;              /* next cell of the current row */
} wg_doc_table;

typedef struct wg_doc_block {
    wg_doc_kind kind;
    int level;
    char *id;                /* headings; NULL otherwise */
    char *text;              /* heading, paragraph, note, code; a plot's caption */
    char *name;              /* a plot's name */
    char **items;            /* list items */
    size_t nitems;
    wg_doc_table *table;
} wg_doc_block;

typedef struct wg_doc {
    char *title;
    wg_doc_block *blocks;
    size_t n, cap;
    int failed;
} wg_doc;

wg_doc *wg_doc_new(const char *title);
void    wg_doc_free(wg_doc *d);
int     wg_doc_failed(const wg_doc *d);

#if defined(__GNUC__)
#define WG_DOC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WG_DOC_PRINTF(a, b)
#endif

void wg_doc_heading(wg_doc *d, int level, const char *id, const char *fmt, ...)
    WG_DOC_PRINTF(4, 5);
void wg_doc_para(wg_doc *d, const char *fmt, ...) WG_DOC_PRINTF(2, 3);
void wg_doc_note(wg_doc *d, const char *fmt, ...) WG_DOC_PRINTF(2, 3);
void wg_doc_code(wg_doc *d, const char *text);
/* a list: wg_doc_list, then its items */
void wg_doc_list(wg_doc *d);
void wg_doc_item(wg_doc *d, const char *fmt, ...) WG_DOC_PRINTF(2, 3);
void wg_doc_plot(wg_doc *d, const char *name, const char *fmt, ...) WG_DOC_PRINTF(3, 4);

/* A table of ncols columns (wg_doc_table_new); then wg_doc_th for each
 * column, and rows of wg_doc_td (a row is complete after ncols cells).
 * Returns NULL after a failure (the calls below accept NULL). */
wg_doc_table *wg_doc_table_new(wg_doc *d, size_t ncols);
void wg_doc_th(wg_doc *d, wg_doc_table *t, unsigned style, const char *text);
void wg_doc_td(wg_doc *d, wg_doc_table *t, unsigned style, const char *fmt, ...)
    WG_DOC_PRINTF(4, 5);

/* ------------------------------------------------------------------ figures as text */

/* Errors and ratios: 3 significant digits ("1.23e-16", "0.5"), "0" for an
 * exact zero, "inf", and "–" (no value) for NaN.  buf has room for 32. */
const char *wg_fmt_num(double v, char *buf);
/* Counts with thousands separated by commas: "1,000,002". */
const char *wg_fmt_count(uint64_t n, char *buf);
/* a share of a whole in percent with 2 significant digits ("0.19%"); "–"
 * when the whole is 0 */
const char *wg_fmt_pct(uint64_t part, uint64_t whole, char *buf);

#endif /* WG_REPORT_DOC_H */
