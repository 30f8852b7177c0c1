/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_parse_util.c -- what every part of the .wg reader shares: moving to
 * the next token, errors with file:line:column, a signed number, the
 * words that are not finite numbers.  The statements (wg_read.c), the
 * expressions (wg_expr.c), the tensor syntax (wg_tensor_parse.c) and data
 * files (wg_datafile.c) call these, and these call none of them: the
 * reader's files depend on this one, not on one another's helpers. */
#include "wg_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
/* ---------------------------------------------------------------- errors */

void wg_parse_advance(wg_parser *p)
{
    p->prev = p->tok;
    p->tok = wg_lexer_next(&p->lx);
}

void wg_parse_set_error(wg_parse_error *e, int status, const char *file, size_t line,
                        size_t column, const char *text)
{
    if (e->status != WG_OK)
        return;                 /* the first error is the one reported */
    e->status = status;
    e->line = line > (size_t)INT32_MAX ? INT32_MAX : (int)line;
    e->column = column > (size_t)INT32_MAX ? INT32_MAX : (int)column;
    /* a long file name or message is cut at the end of the buffer */
    int w = line ? snprintf(e->message, sizeof e->message, "%s:%zu:%zu: error: %s", file, line,
                            column, text)
                 : snprintf(e->message, sizeof e->message, "%s: error: %s", file, text);
    if (w < 0)
        snprintf(e->message, sizeof e->message, "error: %s", wg_strerror(status));
}

int wg_parse_fail(wg_parser *p, int status, const wg_token *at, const char *fmt, ...)
{
    char text[sizeof p->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    wg_parse_set_error(p->err, status, p->file, at ? at->line : 0, at ? at->column : 0, text);
    return status;
}

int wg_parse_expected(wg_parser *p, const char *what)
{
    if (p->tok.kind == WG_TOK_ERROR)        /* a bad number: say what is wrong with it */
        return wg_parse_fail(p, WG_EPARSE, &p->tok, "%s", p->lx.error);
    char d[80];
    return wg_parse_fail(p, WG_EPARSE, &p->tok, "expected %s, found %s", what,
                         wg_token_describe(&p->tok, p->in_expression, d, sizeof d));
}

int wg_parse_tape_fail(wg_parser *p, const wg_token *at)
{
    int s = wg_status(p->t);
    if (s == WG_OK)
        s = WG_ENOMEM;          /* a call failed without a tape error: only memory does */
    return wg_parse_fail(p, s, at, "%s", wg_errmsg(p->t));
}

/* ---------------------------------------------------------------- numbers */

int wg_parse_signed_number(wg_parser *p, const char *as_what, double *v)
{
    double sign = 1;
    if (p->tok.kind == WG_TOK_MINUS || p->tok.kind == WG_TOK_PLUS) {
        sign = p->tok.kind == WG_TOK_MINUS ? -1 : 1;
        wg_parse_advance(p);
    }
    if (p->tok.kind != WG_TOK_NUMBER) {
        if (p->tok.kind == WG_TOK_NAME && wg_parse_is_nonfinite_word(&p->tok)) {
            char d[32];
            return wg_parse_fail(p, WG_EPARSE, &p->tok, "expected a finite number as %s, found "
                                 "%s: tapes hold finite values only", as_what,
                                 wg_quote_span(p->tok.text, p->tok.len, d, sizeof d));
        }
        char what[300];
        snprintf(what, sizeof what, "a number as %s", as_what);
        return wg_parse_expected(p, what);
    }
    *v = sign * p->tok.number;
    wg_parse_advance(p);
    return WG_OK;
}

int wg_parse_is_nonfinite_word(const wg_token *t)
{
    static const char *const words[] = { "inf", "infinity", "nan" };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i]);
        if (t->len == n) {
            size_t k = 0;
            while (k < n && (t->text[k] | 0x20) == words[i][k])
                k++;
            if (k == n)
                return 1;
        }
    }
    return 0;
}
