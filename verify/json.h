/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json.h -- the one JSON writer of the project: numbers, strings, arrays.
 * Private to libwengert-verify and the programs built on it (the report
 * printer of wg_check_report_json, wengert-verify's --json), so that every
 * JSON line Wengert prints escapes and rounds the same way. */
#ifndef WG_JSON_H
#define WG_JSON_H

#include <stddef.h>
#include <stdio.h>

/* v with 17 significant digits (reads back to the same double); JSON has
 * no Inf or NaN: those are null */
void wg_json_number(FILE *f, double v);
/* s as a JSON string (NULL as ""): quotes, backslashes and control
 * characters escaped; bytes that are not UTF-8 become U+FFFD, so the output
 * is valid JSON whatever the input bytes were */
void wg_json_string(FILE *f, const char *s);
/* [v0, v1, ...] */
void wg_json_array(FILE *f, const double *v, size_t n);
/* a row-major matrix as JSON rows, inside brackets the caller writes */
void wg_json_rows(FILE *f, const double *a, size_t rows, size_t cols);

#endif
