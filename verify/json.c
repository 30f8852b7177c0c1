/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json.c -- the JSON writer (json.h). */
#include "json.h"

#include <math.h>
#include <stdio.h>

/* JSON has no Inf or NaN: those become null */
void wg_json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);
}

/* s as a JSON string: quotes, backslashes and control characters escaped;
 * bytes that are not UTF-8 become U+FFFD, so the output is valid JSON
 * whatever the input bytes were */
void wg_json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    fputc('"', f);
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
            p++;
        } else if (c == '\n') {
            fputs("\\n", f);
            p++;
        } else if (c == '\t') {
            fputs("\\t", f);
            p++;
        } else if (c == '\r') {
            fputs("\\r", f);
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            p++;
        } else if (c < 0x80) {
            fputc(c, f);
            p++;
        } else {
            /* length of a well-formed UTF-8 sequence starting here, or 0 */
            size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                     : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
            for (size_t k = 1; k < n; k++)
                if ((p[k] & 0xc0) != 0x80)
                    n = 0;
            if (n == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f)))
                n = 0;          /* overlong, or a surrogate */
            if (n == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f)))
                n = 0;          /* overlong, or past U+10FFFF */
            if (n) {
                fwrite(p, 1, n, f);
                p += n;
            } else {
                fputs("\\ufffd", f);
                p++;
            }
        }
    }
    fputc('"', f);
}

void wg_json_array(FILE *f, const double *v, size_t n)
{
    fputc('[', f);
    for (size_t k = 0; k < n; k++) {
        if (k)
            fputs(", ", f);
        wg_json_number(f, v[k]);
    }
    fputc(']', f);
}

/* a row-major matrix as JSON rows, inside brackets the caller writes */
void wg_json_rows(FILE *f, const double *a, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++) {
        if (i)
            fputs(", ", f);
        wg_json_array(f, a + i * cols, cols);
    }
}
