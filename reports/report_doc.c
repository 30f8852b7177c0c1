/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_doc.c -- building a report's blocks, and figures as text (see
 * report_doc.h). */
#define _POSIX_C_SOURCE 200809L

#include "report_doc.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ UTF-8 */

size_t wg_utf8_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
             : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    /* a NUL ends the string: it is no continuation byte, so nothing past
     * it is read */
    for (size_t k = 1; k < n; k++)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    if (n == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f)))
        return 0;           /* overlong, or a surrogate */
    if (n == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f)))
        return 0;           /* overlong, or past U+10FFFF */
    return n;
}

/* A copy of s in which each byte that does not start a well-formed UTF-8
 * character is U+FFFD: text from a store (labels, messages, commands) may
 * be any bytes, and a report.md or report.html that is not UTF-8 is shown
 * garbled or refused by the tools that read it. */
static char *dup_utf8(const char *s)
{
    size_t len = 0, bad = 0;
    for (const char *p = s; *p;) {
        size_t n = wg_utf8_len(p);
        bad += !n;
        p += n ? n : 1;
        len += n ? n : 1;
    }
    char *out = malloc(len + 2 * bad + 1), *q = out;
    if (!out)
        return NULL;
    for (const char *p = s; *p;) {
        size_t n = wg_utf8_len(p);
        if (n) {
            memcpy(q, p, n);
            q += n;
            p += n;
        } else {
            memcpy(q, "\xef\xbf\xbd", 3);
            q += 3;
            p++;
        }
    }
    *q = '\0';
    return out;
}

wg_doc *wg_doc_new(const char *title)
{
    wg_doc *d = calloc(1, sizeof *d);
    if (d && !(d->title = dup_utf8(title ? title : ""))) {
        free(d);
        return NULL;
    }
    return d;
}

static void table_free(wg_doc_table *t)
{
    if (!t)
        return;
    for (size_t c = 0; c < t->ncols; c++)
        free(t->head[c].text);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i].text);
    free(t->head);
    free(t->cells);
    free(t);
}

void wg_doc_free(wg_doc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        wg_doc_block *b = &d->blocks[i];
        free(b->id);
        free(b->text);
        free(b->name);
        for (size_t k = 0; k < b->nitems; k++)
            free(b->items[k]);
        free(b->items);
        table_free(b->table);
    }
    free(d->blocks);
    free(d->title);
    free(d);
}

int wg_doc_failed(const wg_doc *d)
{
    return !d || d->failed;
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    for (const char *p = s; *p;) {
        size_t k = wg_utf8_len(p);
        if (!k) {
            char *t = dup_utf8(s);
            free(s);
            return t;
        }
        p += k;
    }
    return s;
}

static wg_doc_block *add(wg_doc *d, wg_doc_kind kind)
{
    if (d->failed)
        return NULL;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 32;
        wg_doc_block *b = realloc(d->blocks, cap * sizeof *b);
        if (!b) {
            d->failed = 1;
            return NULL;
        }
        d->blocks = b;
        d->cap = cap;
    }
    wg_doc_block *b = &d->blocks[d->n++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    return b;
}

static void add_text(wg_doc *d, wg_doc_kind kind, int level, const char *id, const char *fmt,
                     va_list ap)
{
    wg_doc_block *b = add(d, kind);
    if (!b)
        return;
    b->level = level;
    b->text = vformat(fmt, ap);
    if (!b->text || (id && !(b->id = strdup(id))))
        d->failed = 1;
}

void wg_doc_heading(wg_doc *d, int level, const char *id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_text(d, WG_DOC_HEADING, level, id, fmt, ap);
    va_end(ap);
}

void wg_doc_para(wg_doc *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_text(d, WG_DOC_PARA, 0, NULL, fmt, ap);
    va_end(ap);
}

void wg_doc_note(wg_doc *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_text(d, WG_DOC_NOTE, 0, NULL, fmt, ap);
    va_end(ap);
}

void wg_doc_code(wg_doc *d, const char *text)
{
    wg_doc_block *b = add(d, WG_DOC_CODE);
    if (b && !(b->text = dup_utf8(text ? text : "")))
        d->failed = 1;
}

void wg_doc_list(wg_doc *d)
{
    add(d, WG_DOC_LIST);
}

void wg_doc_item(wg_doc *d, const char *fmt, ...)
{
    if (d->failed || !d->n || d->blocks[d->n - 1].kind != WG_DOC_LIST) {
        d->failed = 1;
        return;
    }
    wg_doc_block *b = &d->blocks[d->n - 1];
    char **items = realloc(b->items, (b->nitems + 1) * sizeof *items);
    if (!items) {
        d->failed = 1;
        return;
    }
    b->items = items;
    va_list ap;
    va_start(ap, fmt);
    items[b->nitems] = vformat(fmt, ap);
    va_end(ap);
    if (!items[b->nitems])
        d->failed = 1;
    else
        b->nitems++;
}

void wg_doc_plot(wg_doc *d, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_text(d, WG_DOC_PLOT, 0, NULL, fmt, ap);
    va_end(ap);
    if (!d->failed && !(d->blocks[d->n - 1].name = strdup(name)))
        d->failed = 1;
}

wg_doc_table *wg_doc_table_new(wg_doc *d, size_t ncols)
{
    wg_doc_block *b = add(d, WG_DOC_TABLE);
    if (!b)
        return NULL;
    wg_doc_table *t = calloc(1, sizeof *t);
    if (!t || !(t->head = calloc(ncols, sizeof *t->head))) {
        free(t);
        d->failed = 1;
        return NULL;
    }
    t->ncols = ncols;
    b->table = t;
    return t;
}

void wg_doc_th(wg_doc *d, wg_doc_table *t, unsigned style, const char *text)
{
    if (!t || d->failed)
        return;
    for (size_t c = 0; c < t->ncols; c++)
        if (!t->head[c].text) {
            t->head[c].style = style;
            if (!(t->head[c].text = dup_utf8(text)))
                d->failed = 1;
            return;
        }
}

void wg_doc_td(wg_doc *d, wg_doc_table *t, unsigned style, const char *fmt, ...)
{
    if (!t || d->failed)
        return;
    if (t->col == 0) {
        if (t->nrows == t->cap) {
            size_t cap = t->cap ? 2 * t->cap : 16;
            wg_doc_cell *c = realloc(t->cells, cap * t->ncols * sizeof *c);
            if (!c) {
                d->failed = 1;
                return;
            }
            t->cells = c;
            t->cap = cap;
        }
        memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof *t->cells);
        t->nrows++;
    }
    wg_doc_cell *c = &t->cells[(t->nrows - 1) * t->ncols + t->col];
    va_list ap;
    va_start(ap, fmt);
    c->text = vformat(fmt, ap);
    va_end(ap);
    c->style = style;
    if (!c->text)
        d->failed = 1;
    t->col = (t->col + 1) % t->ncols;
}

/* ------------------------------------------------------------------ figures */

const char *wg_fmt_num(double v, char *buf)
{
    if (isnan(v))
        snprintf(buf, 32, "\u2013");
    else if (v == 0)
        snprintf(buf, 32, "0");
    else if (isinf(v))
        snprintf(buf, 32, v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, 32, "%.3g", v);
    return buf;
}

const char *wg_fmt_count(uint64_t n, char *buf)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%" PRIu64, n);
    int k = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}

const char *wg_fmt_pct(uint64_t part, uint64_t whole, char *buf)
{
    double pct = whole ? 100.0 * (double)part / (double)whole : 0;
    if (!whole)
        snprintf(buf, 32, "\u2013");
    else if (part == whole)
        snprintf(buf, 32, "100%%");
    else if (!part)
        snprintf(buf, 32, "0%%");
    else if (pct >= 10)
        snprintf(buf, 32, "%.1f%%", pct);
    else
        snprintf(buf, 32, "%.2g%%", pct);
    return buf;
}
