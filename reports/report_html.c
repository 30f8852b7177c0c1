/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_html.c -- a report document as one self-contained HTML page (see
 * report_write.h).
 *
 * Polyglot: the page is HTML5 and also well-formed XML, so a strict XML
 * parser can check it (tests/test_report_cli.sh does).  That means: the
 * XHTML namespace on <html>, every element closed (<meta ... />), no
 * named entities but the five XML ones, no "&" or "<" in the CSS, and the
 * SVG of each plot inline with its own namespace (report_plot.c takes off
 * its XML prolog and makes its ids unique). */
#include "report_write.h"

#include <stdint.h>
#include <string.h>

/* Laid out for a laptop screen (1366 x 768) first: one column at most
 * 72rem wide, tables that scroll sideways inside their box rather than
 * widen the page, a header row that stays in view in long tables,
 * figures right-aligned in tabular digits. */
static const char css[] =
    ":root{color-scheme:light}\n"
    "body{margin:0;background:#eef0f3;color:#1d2330;"
    "font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\n"
    "main{max-width:72rem;margin:0 auto;padding:1.2rem 2rem 4rem;background:#fff;"
    "box-shadow:0 0 0 1px #dde1e7}\n"
    "h1{font-size:1.65rem;margin:.4rem 0 .6rem}\n"
    "h2{font-size:1.3rem;margin:2.2rem 0 .6rem;padding-bottom:.2rem;border-bottom:2px solid #e1e5eb}\n"
    "h3{font-size:1.05rem;margin:1.6rem 0 .4rem}\n"
    "p,ul{margin:.5rem 0;max-width:62rem}\n"
    "a{color:#1a5fb4}\n"
    "code,pre,td.num,th.num{font-family:ui-monospace,'SF Mono',Menlo,Consolas,'DejaVu Sans Mono',"
    "monospace}\n"
    "code{font-size:.86em;background:#f1f3f6;padding:.05em .3em;border-radius:3px}\n"
    "pre{background:#f1f3f6;padding:.5rem .8rem;border-radius:4px;white-space:pre-wrap;"
    "word-break:break-all;font-size:.86em}\n"
    "pre code{background:none;padding:0;font-size:1em}\n"
    ".note{background:#fff7e0;border-left:4px solid #e0a100;padding:.45rem .8rem}\n"
    /* a table as wide as its content, at most the column; wider ones scroll */
    ".table{width:fit-content;max-width:100%;overflow:auto;margin:.6rem 0 1.1rem;"
    "border:1px solid #e1e5eb;border-radius:4px}\n"
    ".table.long{max-height:34rem}\n"
    "table{border-collapse:collapse;font-size:13px}\n"
    "th,td{padding:.22rem .6rem;border-bottom:1px solid #eceff3;text-align:left;"
    "vertical-align:top}\n"
    "thead th{position:sticky;top:0;z-index:1;background:#e9edf2;font-weight:600;"
    "font-family:inherit;white-space:nowrap}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "thead th.num{font-family:inherit}\n"
    "tbody tr:nth-child(even){background:#f9fafb}\n"
    "tbody tr:hover{background:#eef4fb}\n"
    "td code{background:none;padding:0;font-size:12px;white-space:pre-wrap;"
    "overflow-wrap:anywhere}\n"
    "td.wide{min-width:18rem;max-width:44rem}\n"
    "td.nowrap{white-space:nowrap}\n"
    "td.bad{color:#b3261e;font-weight:600}\n"
    "td.good{color:#1e7b34}\n"
    "td.weak{color:#a0a7b2}\n"
    /* plots one to a row, at least as large as gnuplot drew them (800 x 450,
     * an 11-point font): two abreast would shrink the lettering below 8 px */
    "figure{margin:1rem 0 1.6rem}\n"
    ".plot{max-width:56rem}\n"
    ".plot svg{display:block;width:100%;height:auto}\n"
    "figcaption{font-size:.88rem;color:#4d5563;margin-top:.2rem}\n"
    "@media print{body{background:#fff}main{box-shadow:none;max-width:none}"
    ".table.long{max-height:none}}\n";

/* ------------------------------------------------------------------ text */

/* the length of a valid UTF-8 sequence XML allows at s, or 0 */
static int utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' ? 1 : 0;
    int n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
                                                                                             : 0;
    if (!n || (n == 3 && s[0] >= 0xf0))
        return 0;
    uint32_t cp = s[0] & (0x7f >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* overlong forms, surrogates, U+FFFE, U+FFFF, past U+10FFFF */
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
        return 0;
    return n;
}

static void escape_n(FILE *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        int n = utf8_len(p);
        if (n == 0 || p + n > end) {
            fputs("\xef\xbf\xbd", out);     /* U+FFFD */
            p++;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fwrite(p, 1, (size_t)n, out);
        }
        p += n;
    }
}

void wg_html_escape(FILE *out, const char *s)
{
    escape_n(out, s, strlen(s));
}

/* text with `code` spans and [text](#id) links */
static void inline_text(FILE *out, const char *s)
{
    while (*s) {
        const char *tick = strchr(s, '`'), *link = strstr(s, "](#");
        const char *open = NULL;
        if (link) {
            for (const char *q = link; q >= s; q--)
                if (*q == '[') {
                    open = q;
                    break;
                }
        }
        const char *close_link = link ? strchr(link + 3, ')') : NULL;
        if (tick && (!open || tick < open)) {
            const char *end = strchr(tick + 1, '`');
            if (!end)
                break;
            escape_n(out, s, (size_t)(tick - s));
            fputs("<code>", out);
            escape_n(out, tick + 1, (size_t)(end - tick - 1));
            fputs("</code>", out);
            s = end + 1;
        } else if (open && close_link) {
            escape_n(out, s, (size_t)(open - s));
            fputs("<a href=\"#", out);
            escape_n(out, link + 3, (size_t)(close_link - link - 3));
            fputs("\">", out);
            escape_n(out, open + 1, (size_t)(link - open - 1));
            fputs("</a>", out);
            s = close_link + 1;
        } else {
            break;
        }
    }
    wg_html_escape(out, s);
}

/* ------------------------------------------------------------------ blocks */

static void cell_class(FILE *out, unsigned style)
{
    static const struct { unsigned bit; const char *name; } cls[] = {
        { WG_CELL_NUM, "num" }, { WG_CELL_CODE, "code" }, { WG_CELL_BAD, "bad" },
        { WG_CELL_GOOD, "good" }, { WG_CELL_WEAK, "weak" }, { WG_CELL_WIDE, "wide" },
        { WG_CELL_NOWRAP, "nowrap" },
    };
    int first = 1;
    for (size_t i = 0; i < sizeof cls / sizeof cls[0]; i++)
        if (style & cls[i].bit) {
            fprintf(out, "%s%s", first ? " class=\"" : " ", cls[i].name);
            first = 0;
        }
    if (!first)
        fputc('"', out);
}

static void cell(FILE *out, const char *tag, const wg_doc_cell *c)
{
    fprintf(out, "<%s", tag);
    cell_class(out, c->style);
    fputc('>', out);
    if (c->style & WG_CELL_CODE) {
        fputs("<code>", out);
        wg_html_escape(out, c->text ? c->text : "");
        fputs("</code>", out);
    } else {
        wg_html_escape(out, c->text ? c->text : "");
    }
    fprintf(out, "</%s>", tag);
}

static void table(FILE *out, const wg_doc_table *t)
{
    fprintf(out, "<div class=\"table%s\"><table>\n", t->nrows > 30 ? " long" : "");
    int heads = 0;
    for (size_t c = 0; c < t->ncols; c++)
        heads |= t->head[c].text && t->head[c].text[0];
    if (heads) {
        fputs("<thead><tr>", out);
        for (size_t c = 0; c < t->ncols; c++)
            cell(out, "th", &t->head[c]);
        fputs("</tr></thead>\n", out);
    }
    fputs("<tbody>\n", out);
    for (size_t r = 0; r < t->nrows; r++) {
        fputs("<tr>", out);
        for (size_t c = 0; c < t->ncols; c++)
            cell(out, "td", &t->cells[r * t->ncols + c]);
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table></div>\n", out);
}

static void plot(FILE *out, const wg_doc_block *b, const wg_plots *p)
{
    const wg_plot *pl = wg_plots_find(p, b->name);
    fputs("<figure>", out);
    if (pl && pl->inline_svg) {
        fputs("<div class=\"plot\">", out);
        fputs(pl->inline_svg, out);
        fputs("</div>", out);
    }
    fputs("<figcaption>", out);
    inline_text(out, b->text);
    fputs("</figcaption></figure>\n", out);
}

int wg_write_html(const wg_doc *doc, const wg_plots *p, FILE *out)
{
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
          out);
    wg_html_escape(out, doc->title);
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", css);
    for (size_t i = 0; i < doc->n; i++) {
        const wg_doc_block *b = &doc->blocks[i];
        switch (b->kind) {
        case WG_DOC_HEADING:
            fprintf(out, "<h%d", b->level);
            if (b->id) {
                fputs(" id=\"", out);
                wg_html_escape(out, b->id);
                fputc('"', out);
            }
            fputc('>', out);
            inline_text(out, b->text);
            fprintf(out, "</h%d>\n", b->level);
            break;
        case WG_DOC_PARA:
        case WG_DOC_NOTE:
            fputs(b->kind == WG_DOC_NOTE ? "<p class=\"note\">" : "<p>", out);
            inline_text(out, b->text);
            fputs("</p>\n", out);
            break;
        case WG_DOC_LIST:
            fputs("<ul>\n", out);
            for (size_t k = 0; k < b->nitems; k++) {
                fputs("<li>", out);
                inline_text(out, b->items[k]);
                fputs("</li>\n", out);
            }
            fputs("</ul>\n", out);
            break;
        case WG_DOC_CODE:
            fputs("<pre><code>", out);
            wg_html_escape(out, b->text);
            fputs("</code></pre>\n", out);
            break;
        case WG_DOC_TABLE:
            table(out, b->table);
            break;
        case WG_DOC_PLOT:
            plot(out, b, p);
            break;
        }
    }
    fputs("</main>\n</body>\n</html>\n", out);
    return ferror(out) ? WG_EIO : WG_OK;
}
