/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_md.c -- a report document as GitHub-flavoured Markdown (see
 * report_write.h).  Links to headings use the anchors GitHub derives
 * from a heading's text, since Markdown has no ids of its own. */
#include "report_write.h"

#include <ctype.h>
#include <string.h>

void wg_md_slug(const char *text, char *buf, size_t len)
{
    /* GitHub: lower case; letters, digits, '-' and '_' kept, spaces become
     * '-', other ASCII punctuation dropped; other characters kept */
    size_t k = 0;
    for (const unsigned char *s = (const unsigned char *)text; *s && k + 1 < len; s++) {
        if (*s == ' ')
            buf[k++] = '-';
        else if (isalnum(*s) || *s == '-' || *s == '_' || *s >= 0x80)
            buf[k++] = (char)tolower(*s);
    }
    buf[k] = '\0';
}

/* Literal text: characters Markdown would read as markup are escaped; a
 * line break becomes a space (a table row is one line). */
static void md_escape_n(FILE *out, const char *s, size_t n, int in_table)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        char c = s[i];
        if (c == '\n' || c == '\r')
            fputc(' ', out);
        else if (strchr("\\`*_[]<>#|~", c) || (c == '&' && !in_table))
            fprintf(out, "\\%c", c);
        else if (c == '&')
            fputs("&amp;", out);
        else
            fputc(c, out);
    }
}

/* a code span: backticks around, as many as the text's longest run of
 * backticks plus one, spaces inside when it starts or ends with one */
static void md_code(FILE *out, const char *s, size_t n, int in_table)
{
    int run = 0, longest = 0;
    for (size_t i = 0; i < n; i++) {
        run = s[i] == '`' ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    int pad = n && (s[0] == '`' || s[n - 1] == '`');
    for (int i = 0; i <= longest; i++)
        fputc('`', out);
    if (pad)
        fputc(' ', out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' || s[i] == '\r')
            fputc(' ', out);
        else if (s[i] == '|' && in_table)
            fputs("\\|", out);    /* GFM splits cells on | even in code spans */
        else
            fputc(s[i], out);
    }
    if (pad)
        fputc(' ', out);
    for (int i = 0; i <= longest; i++)
        fputc('`', out);
}

static const char *heading_text(const wg_doc *doc, const char *id, size_t idlen)
{
    for (size_t i = 0; i < doc->n; i++) {
        const wg_doc_block *b = &doc->blocks[i];
        if (b->kind == WG_DOC_HEADING && b->id && strlen(b->id) == idlen &&
            strncmp(b->id, id, idlen) == 0)
            return b->text;
    }
    return NULL;
}

/* the marks of report_doc.h: `code` and [text](#id) */
static void md_inline(FILE *out, const wg_doc *doc, const char *s)
{
    while (*s) {
        const char *tick = strchr(s, '`'), *link = strstr(s, "](#"), *open = NULL;
        if (link)
            for (const char *q = link; q >= s; q--)
                if (*q == '[') {
                    open = q;
                    break;
                }
        const char *close_link = link ? strchr(link + 3, ')') : NULL;
        if (tick && (!open || tick < open)) {
            const char *end = strchr(tick + 1, '`');
            if (!end)
                break;
            md_escape_n(out, s, (size_t)(tick - s), 0);
            md_code(out, tick + 1, (size_t)(end - tick - 1), 0);
            s = end + 1;
        } else if (open && close_link) {
            md_escape_n(out, s, (size_t)(open - s), 0);
            const char *h = heading_text(doc, link + 3, (size_t)(close_link - link - 3));
            char slug[160];
            wg_md_slug(h ? h : "", slug, sizeof slug);
            fputc('[', out);
            md_escape_n(out, open + 1, (size_t)(link - open - 1), 0);
            fprintf(out, "](#%s)", slug);
            s = close_link + 1;
        } else {
            break;
        }
    }
    md_escape_n(out, s, strlen(s), 0);
}

static void md_cell(FILE *out, const wg_doc_cell *c)
{
    const char *t = c->text ? c->text : "";
    if (!*t)
        return;
    if (c->style & WG_CELL_CODE)
        md_code(out, t, strlen(t), 1);
    else if (c->style & WG_CELL_BAD)
        fputs("**", out), md_escape_n(out, t, strlen(t), 1), fputs("**", out);
    else
        md_escape_n(out, t, strlen(t), 1);
}

static void md_table(FILE *out, const wg_doc_table *t)
{
    fputc('|', out);
    for (size_t c = 0; c < t->ncols; c++) {
        fputc(' ', out);
        md_cell(out, &t->head[c]);
        fputs(" |", out);
    }
    fputs("\n|", out);
    for (size_t c = 0; c < t->ncols; c++)
        fputs(t->head[c].style & WG_CELL_NUM ? " ---: |" : " --- |", out);
    fputc('\n', out);
    for (size_t r = 0; r < t->nrows; r++) {
        fputc('|', out);
        for (size_t c = 0; c < t->ncols; c++) {
            fputc(' ', out);
            md_cell(out, &t->cells[r * t->ncols + c]);
            fputs(" |", out);
        }
        fputc('\n', out);
    }
    fputc('\n', out);
}

int wg_write_md(const wg_doc *doc, FILE *out)
{
    for (size_t i = 0; i < doc->n; i++) {
        const wg_doc_block *b = &doc->blocks[i];
        switch (b->kind) {
        case WG_DOC_HEADING:
            for (int k = 0; k < b->level; k++)
                fputc('#', out);
            fputc(' ', out);
            md_inline(out, doc, b->text);
            fputs("\n\n", out);
            break;
        case WG_DOC_PARA:
            md_inline(out, doc, b->text);
            fputs("\n\n", out);
            break;
        case WG_DOC_NOTE:
            fputs("> ", out);
            md_inline(out, doc, b->text);
            fputs("\n\n", out);
            break;
        case WG_DOC_LIST:
            for (size_t k = 0; k < b->nitems; k++) {
                fputs("- ", out);
                md_inline(out, doc, b->items[k]);
                fputc('\n', out);
            }
            fputc('\n', out);
            break;
        case WG_DOC_CODE: {
            /* a fence longer than any run of backticks in the text */
            int run = 0, longest = 2;
            for (const char *s = b->text; *s; s++) {
                run = *s == '`' ? run + 1 : 0;
                longest = run > longest ? run : longest;
            }
            for (int k = 0; k <= longest; k++)
                fputc('`', out);
            fprintf(out, "\n%s\n", b->text);
            for (int k = 0; k <= longest; k++)
                fputc('`', out);
            fputs("\n\n", out);
            break;
        }
        case WG_DOC_TABLE:
            md_table(out, b->table);
            break;
        case WG_DOC_PLOT:
            fputs("![", out);
            md_escape_n(out, b->text, strlen(b->text), 0);
            fprintf(out, "](plots/%s.svg)\n\n", b->name);
            break;
        }
    }
    return ferror(out) ? WG_EIO : WG_OK;
}
