/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_lexer.h -- private: the tokens of .wg text and of expressions, each
 * with its line and column, and the one place where numbers are read and
 * printed (so that the reader and the writer agree on every double). */
#ifndef WG_LEXER_H
#define WG_LEXER_H

#include <stddef.h>

typedef enum wg_tok_kind {
    WG_TOK_EOF,
    WG_TOK_NEWLINE,
    WG_TOK_NAME,        /* [A-Za-z_][A-Za-z0-9_]* */
    WG_TOK_NUMBER,      /* C floating notation, unsigned; value in .number */
    WG_TOK_PLUS, WG_TOK_MINUS, WG_TOK_STAR, WG_TOK_SLASH,
    WG_TOK_CARET,       /* '^' or "**": power */
    WG_TOK_LPAREN, WG_TOK_RPAREN, WG_TOK_COMMA, WG_TOK_EQUALS,
    WG_TOK_AT,          /* '@': matmul */
    WG_TOK_COLON, WG_TOK_LBRACKET, WG_TOK_RBRACKET,   /* tensor inputs and lists */
    WG_TOK_STRING,      /* "..." on one line, no escapes: the path of a data file */
    WG_TOK_SHAPE,       /* only from wg_lexer_shape: a run like 784x10, checked by the parser */
    WG_TOK_OTHER,       /* one byte that starts no token (';', a NUL, 0xff, ...) */
    WG_TOK_ERROR        /* a malformed or overflowing number; lexer.error says which */
} wg_tok_kind;

typedef struct wg_token {
    wg_tok_kind kind;
    const char *text;   /* into the source; not NUL-terminated */
    size_t len;
    size_t line, column;    /* 1-based; columns count bytes */
    double number;
} wg_token;

typedef struct wg_lexer {
    const char *p, *end;
    const char *line_start;
    size_t line;
    int newline_is_space;   /* expressions: a line break is only white space */
    int failed;             /* after an error token, the same token again */
    wg_token last_error;
    char error[200];        /* what is wrong with the error token */
} wg_lexer;

/* src need not be NUL-terminated: NUL bytes inside it are errors. */
void wg_lexer_init(wg_lexer *lx, const char *src, size_t len, int newline_is_space);
wg_token wg_lexer_next(wg_lexer *lx);
/* The token after the next one, without consuming anything: keyword
 * arguments (NAME "=") are told from expressions by it. */
wg_token wg_lexer_peek(const wg_lexer *lx);
/* After a tensor input's ':' the shape (784x10, 0x3, 10) is one token
 * WG_TOK_SHAPE, the whole run of letters, digits and points, so that
 * "2x3" is not a malformed number and "0x3" not a hexadecimal one; if the
 * next byte is not a digit, the ordinary next token. */
wg_token wg_lexer_shape(wg_lexer *lx);

/* How a message names a token: "'atan2'", "'('", "end of line", ... Long
 * names and numbers are cut short with "...". */
const char *wg_token_describe(const wg_token *t, int in_expression, char *buf, size_t len);
/* Quote a piece of source for a message, cut short past max bytes. */
const char *wg_quote_span(const char *s, size_t n, char *buf, size_t len);

/* 1 when s[0..n) is one name token ([A-Za-z_][A-Za-z0-9_]*) */
int wg_is_name(const char *s, size_t n);

/* 1 when s[0..n) has the form v<digits> (the writer's name of a node);
 * *index is then the number, or SIZE_MAX when it does not fit. */
int wg_canonical_index(const char *s, size_t n, size_t *index);

/* Numbers, independent of the C locale's decimal point: wg_number_parse
 * is public (wengert.h; the writer prints subnormals, so the reader takes
 * them). */
int wg_number_parse(const char *s, size_t n, double *out);
/* The shortest of %.15g, %.16g, %.17g that reads back to the same bits
 * (so -0 stays -0).  buf needs WG_NUMBER_BUF bytes. */
#define WG_NUMBER_BUF 40
const char *wg_number_format(double x, char *buf);

#endif
