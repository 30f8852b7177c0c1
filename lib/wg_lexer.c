/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_lexer.c -- tokens of .wg text, and numbers read and printed the same
 * way whatever the C locale says a decimal point is. */
#include "wg_lexer.h"

#include <errno.h>
#include <stdint.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wg_lexer_init(wg_lexer *lx, const char *src, size_t len, int newline_is_space)
{
    memset(lx, 0, sizeof *lx);
    /* a UTF-8 byte order mark, as some editors write, is not text */
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
        src += 3;
        len -= 3;
    }
    lx->p = src;
    lx->end = src + len;
    lx->line_start = src;
    lx->line = 1;
    lx->newline_is_space = newline_is_space;
}

static int is_name_start(unsigned char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

int wg_is_name(const char *s, size_t n)
{
    if (n == 0 || !is_name_start((unsigned char)s[0]))
        return 0;
    for (size_t k = 1; k < n; k++)
        if (!is_name_char((unsigned char)s[k]))
            return 0;
    return 1;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static wg_token make(wg_lexer *lx, wg_tok_kind kind, const char *s, size_t n)
{
    wg_token t;
    t.kind = kind;
    t.text = s;
    t.len = n;
    t.line = lx->line;
    t.column = (size_t)(s - lx->line_start) + 1;
    t.number = 0;
    return t;
}

/* 1 at a line break: "\n" or "\r\n"; *n is its length */
static int at_newline(const wg_lexer *lx, const char *p, size_t *n)
{
    if (*p == '\n') {
        *n = 1;
        return 1;
    }
    if (*p == '\r' && p + 1 < lx->end && p[1] == '\n') {
        *n = 2;
        return 1;
    }
    return 0;
}

/* A number runs over everything that could belong to one, so that "1.2.3"
 * and "3x" are one malformed number rather than two confusing tokens.  A
 * sign belongs to it only right after a decimal exponent's e or a hex
 * exponent's p (in hex, e is a digit: 0x1e-5 is 0x1e minus 5). */
static const char *scan_number(const char *s, const char *end)
{
    int hex = end - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *p = s + (hex ? 2 : 0);
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (is_name_char(c) || c == '.')
            p++;
        else if ((c == '+' || c == '-') && p > s
                 && (hex ? (p[-1] == 'p' || p[-1] == 'P') : (p[-1] == 'e' || p[-1] == 'E')))
            p++;
        else
            break;
    }
    return p;
}

static wg_token lex_error(wg_lexer *lx, wg_token t)
{
    t.kind = WG_TOK_ERROR;
    lx->failed = 1;
    lx->last_error = t;
    return t;
}

/* "..." up to the closing quote on the same line.  No escapes: a path
 * holds backslashes as they are (C:\data), and cannot hold a '"'.  Bytes
 * 0x80 and above may be part of a file name (UTF-8); control bytes may not. */
static wg_token scan_string(wg_lexer *lx, const char *s)
{
    const char *p = s + 1;
    while (p < lx->end && *p != '"' && (unsigned char)*p >= 0x20 && *p != 0x7f)
        p++;
    if (p < lx->end && *p == '"') {
        wg_token t = make(lx, WG_TOK_STRING, s, (size_t)(p + 1 - s));
        lx->p = p + 1;
        return t;
    }
    wg_token t = make(lx, WG_TOK_STRING, s, (size_t)(p - s));
    lx->p = p;
    if (p >= lx->end || *p == '\n' || *p == '\r')
        snprintf(lx->error, sizeof lx->error, "unterminated string: a '\"' is missing "
                 "before the end of the line");
    else
        snprintf(lx->error, sizeof lx->error, "control byte 0x%02x inside a string",
                 (unsigned char)*p);
    return lex_error(lx, t);
}

wg_token wg_lexer_peek(const wg_lexer *lx)
{
    wg_lexer copy = *lx;
    return wg_lexer_next(&copy);
}

wg_token wg_lexer_shape(wg_lexer *lx)
{
    if (lx->failed)
        return lx->last_error;
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
        lx->p++;
    if (lx->p >= lx->end || !is_digit((unsigned char)*lx->p))
        return wg_lexer_next(lx);
    const char *s = lx->p, *p = s;
    while (p < lx->end && (is_name_char((unsigned char)*p) || *p == '.'))
        p++;
    wg_token t = make(lx, WG_TOK_SHAPE, s, (size_t)(p - s));
    lx->p = p;
    return t;
}

wg_token wg_lexer_next(wg_lexer *lx)
{
    if (lx->failed)
        return lx->last_error;
    for (;;) {
        while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\f'
                                   || *lx->p == '\v'))
            lx->p++;
        if (lx->p < lx->end && *lx->p == '#') {
            /* a comment is free text up to the line break */
            const char *nl = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));
            const char *stop = nl ? nl : lx->end;
            if (nl && nl > lx->p && nl[-1] == '\r')
                stop = nl - 1;
            lx->p = stop;
            continue;
        }
        size_t nl_len;
        if (lx->p < lx->end && at_newline(lx, lx->p, &nl_len)) {
            wg_token t = make(lx, WG_TOK_NEWLINE, lx->p, nl_len);
            lx->p += nl_len;
            lx->line++;
            lx->line_start = lx->p;
            if (lx->newline_is_space)
                continue;
            return t;
        }
        break;
    }
    if (lx->p >= lx->end)
        return make(lx, WG_TOK_EOF, lx->p, 0);

    const char *s = lx->p;
    unsigned char c = (unsigned char)*s;
    if (is_name_start(c)) {
        const char *p = s + 1;
        while (p < lx->end && is_name_char((unsigned char)*p))
            p++;
        lx->p = p;
        return make(lx, WG_TOK_NAME, s, (size_t)(p - s));
    }
    if (is_digit(c) || (c == '.' && s + 1 < lx->end && is_digit((unsigned char)s[1]))) {
        const char *p = scan_number(s, lx->end);
        wg_token t = make(lx, WG_TOK_NUMBER, s, (size_t)(p - s));
        lx->p = p;
        int r = wg_number_parse(s, t.len, &t.number);
        if (r == 0)
            return t;
        char q[64];
        wg_quote_span(s, t.len, q, sizeof q);
        if (r == 2)
            snprintf(lx->error, sizeof lx->error, "number %s is too large for a double "
                     "(tapes hold finite values only)", q);
        else if (r == 1)
            snprintf(lx->error, sizeof lx->error, "malformed number %s", q);
        else
            snprintf(lx->error, sizeof lx->error, "out of memory reading number %s", q);
        return lex_error(lx, t);
    }
    if (c == '"')
        return scan_string(lx, s);
    wg_tok_kind k;
    switch (c) {
    case '+': k = WG_TOK_PLUS; break;
    case '-': k = WG_TOK_MINUS; break;
    case '*': k = WG_TOK_STAR; break;
    case '/': k = WG_TOK_SLASH; break;
    case '^': k = WG_TOK_CARET; break;
    case '(': k = WG_TOK_LPAREN; break;
    case ')': k = WG_TOK_RPAREN; break;
    case ',': k = WG_TOK_COMMA; break;
    case '=': k = WG_TOK_EQUALS; break;
    case '@': k = WG_TOK_AT; break;
    case ':': k = WG_TOK_COLON; break;
    case '[': k = WG_TOK_LBRACKET; break;
    case ']': k = WG_TOK_RBRACKET; break;
    default:  k = WG_TOK_OTHER; break;
    }
    if (c == '*' && lx->p + 1 < lx->end && lx->p[1] == '*') {
        lx->p += 2;                 /* "**": power, the same token as '^' */
        return make(lx, WG_TOK_CARET, s, 2);
    }
    lx->p++;
    return make(lx, k, s, 1);
}

const char *wg_quote_span(const char *s, size_t n, char *buf, size_t len)
{
    enum { MAX_SHOWN = 40 };
    size_t o = 0;
    if (len < 16) {
        if (len)
            buf[0] = '\0';
        return buf;
    }
    buf[o++] = '\'';
    for (size_t i = 0; i < n && i < MAX_SHOWN; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o + 10 >= len)
            break;
        if (c >= 0x20 && c < 0x7f && c != '\\')
            buf[o++] = (char)c;
        else if (c == '\n' || c == '\r' || c == '\t')
            buf[o++] = ' ';
        else
            o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
    }
    if (n > MAX_SHOWN && o + 5 < len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

const char *wg_token_describe(const wg_token *t, int in_expression, char *buf, size_t len)
{
    unsigned char c = t->len ? (unsigned char)t->text[0] : 0;
    switch (t->kind) {
    case WG_TOK_EOF:
        snprintf(buf, len, "%s", in_expression ? "end of expression" : "end of file");
        break;
    case WG_TOK_NEWLINE:
        snprintf(buf, len, "end of line");
        break;
    case WG_TOK_OTHER:
        if (c == '\0')
            snprintf(buf, len, "a NUL byte");
        else if (c == '\r')
            snprintf(buf, len, "a carriage return not followed by a line feed");
        else if (c >= 0x80)
            snprintf(buf, len, "byte 0x%02x (outside comments the text is ASCII)", c);
        else if (c < 0x20 || c == 0x7f)
            snprintf(buf, len, "control byte 0x%02x", c);
        else
            wg_quote_span(t->text, t->len, buf, len);
        break;
    case WG_TOK_NAME:
    case WG_TOK_NUMBER:
    case WG_TOK_PLUS: case WG_TOK_MINUS: case WG_TOK_STAR: case WG_TOK_SLASH:
    case WG_TOK_CARET: case WG_TOK_LPAREN: case WG_TOK_RPAREN: case WG_TOK_COMMA:
    case WG_TOK_EQUALS: case WG_TOK_ERROR: case WG_TOK_AT: case WG_TOK_COLON:
    case WG_TOK_LBRACKET: case WG_TOK_RBRACKET: case WG_TOK_STRING: case WG_TOK_SHAPE:
        wg_quote_span(t->text, t->len, buf, len);
        break;
    }
    return buf;
}

int wg_canonical_index(const char *s, size_t n, size_t *index)
{
    if (n < 2 || s[0] != 'v')
        return 0;
    size_t v = 0;
    for (size_t i = 1; i < n; i++) {
        if (!is_digit((unsigned char)s[i]))
            return 0;
        unsigned d = (unsigned)(s[i] - '0');
        v = (v > (SIZE_MAX - d) / 10) ? SIZE_MAX : v * 10 + d;
    }
    *index = v;
    return 1;
}

/* ---------------------------------------------------------------- numbers
 * strtod and printf follow LC_NUMERIC: a program that set a locale with a
 * decimal comma would otherwise read "2.5" as 2 and write "2,5".  The text
 * always uses '.', so swap it with the locale's point on the way in and out. */

int wg_number_parse(const char *s, size_t n, double *out)
{
    const char *dp = localeconv()->decimal_point;
    size_t dpl = (dp && *dp) ? strlen(dp) : 1;
    if (!dp || !*dp)
        dp = ".";
    size_t ndots = 0;
    for (size_t i = 0; i < n; i++)
        ndots += s[i] == '.';
    if (n == 0 || ndots > 1)
        return 1;           /* strtod would stop at a second point anyway */
    size_t need = n + (dpl - 1) * ndots + 1;
    char small[96];
    char *buf = need <= sizeof small ? small : malloc(need);
    if (!buf)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            memcpy(buf + o, dp, dpl);
            o += dpl;
        } else {
            buf[o++] = s[i];
        }
    }
    buf[o] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    int r = 0;
    if (end != buf + o || o == 0 || !(is_digit((unsigned char)buf[0]) || buf[0] == dp[0]))
        r = 1;
    else if (isinf(v) || isnan(v))
        r = 2;
    if (buf != small)
        free(buf);
    if (r == 0)
        *out = v;
    return r;
}

const char *wg_number_format(double x, char *buf)
{
    static const char *const fmts[] = { "%.15g", "%.16g", "%.17g" };
    const char *dp = localeconv()->decimal_point;
    for (int k = 0; k < 3; k++) {
        char tmp[WG_NUMBER_BUF];
        snprintf(tmp, sizeof tmp, fmts[k], x);
        /* put '.' where the locale put its point */
        size_t o = 0;
        size_t dpl = (dp && *dp) ? strlen(dp) : 0;
        for (const char *p = tmp; *p && o + 1 < WG_NUMBER_BUF;) {
            if (dpl && strncmp(p, dp, dpl) == 0) {
                buf[o++] = '.';
                p += dpl;
            } else {
                buf[o++] = *p++;
            }
        }
        buf[o] = '\0';
        if (k == 2)
            return buf;         /* 17 significant digits always read back */
        int neg = buf[0] == '-';
        double back;
        if (wg_number_parse(buf + neg, strlen(buf + neg), &back) == 0) {
            if (neg)
                back = -back;
            if (memcmp(&back, &x, sizeof x) == 0)
                return buf;
        }
    }
    return buf;
}
