/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_datafile.c -- the values of a tensor input read from a data file
 * (`input W : 784x10 = file "w.txt"`): whitespace-separated numbers, '#'
 * comments to the end of a line, row-major.
 *
 * The element count is known from the shape, so the reader reads at most
 * that many numbers and stops at the first token past them: a wrong file
 * (a log, a binary) fails at its first bytes instead of being read whole.
 * Only regular files are read: a FIFO would block, /dev/zero never ends.
 * Telling those apart needs POSIX (open, fstat); this file is the only
 * one of the reader that does. */
#define _POSIX_C_SOURCE 200809L

#include "wg_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longer than any double needs in any notation; a longer token is not a
 * value, and the cap keeps one token's buffer fixed. */
#define TOKEN_MAX 400

typedef struct {
    FILE *f;
    size_t line, column;        /* of the next byte, 1-based */
    char tok[TOKEN_MAX + 1];
    size_t len;                 /* bytes of the token kept (at most TOKEN_MAX) */
    int too_long;
    size_t tok_line, tok_column;
} scanner;

static int next_byte(scanner *s)
{
    int c = getc(s->f);
    if (c == '\n') {
        s->line++;
        s->column = 1;
    } else if (c != EOF) {
        s->column++;
    }
    return c;
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* the next token into s->tok; 0 at the end of the file */
static int next_token(scanner *s)
{
    int c;
    for (;;) {
        c = next_byte(s);
        if (c == '#') {
            while ((c = next_byte(s)) != EOF && c != '\n')
                ;
        }
        if (c == EOF)
            return 0;
        if (!is_space(c))
            break;
    }
    s->tok_line = s->line;
    s->tok_column = s->column - 1;
    s->len = 0;
    s->too_long = 0;
    do {                            /* the white space that ends it goes too */
        if (s->len < TOKEN_MAX)
            s->tok[s->len++] = (char)c;
        else
            s->too_long = 1;
        c = next_byte(s);
    } while (c != EOF && !is_space(c));
    s->tok[s->len] = '\0';
    return 1;
}

/* the token as a finite double: 0, or a reason in why */
static int token_value(const scanner *s, double *v, char *why, size_t len)
{
    char q[64];
    wg_quote_span(s->tok, s->len, q, sizeof q);
    if (s->too_long) {
        snprintf(why, len, "expected a number, found %s, longer than %d bytes", q, TOKEN_MAX);
        return 1;
    }
    size_t sign = s->tok[0] == '-' || s->tok[0] == '+';
    wg_token word = { .kind = WG_TOK_NAME, .text = s->tok + sign, .len = s->len - sign };
    if (wg_parse_is_nonfinite_word(&word)) {
        snprintf(why, len, "expected a finite number, found %s: tapes hold finite values only",
                 q);
        return 1;
    }
    int r = wg_number_parse(s->tok + sign, s->len - sign, v);
    if (r == 2) {
        snprintf(why, len, "number %s is too large for a double (tapes hold finite values only)",
                 q);
        return 1;
    }
    if (r != 0) {
        snprintf(why, len, "expected a number, found %s", q);
        return 1;
    }
    if (s->tok[0] == '-')
        *v = -*v;
    return 0;
}

/* dir + path, unless path is absolute */
static char *resolve(const wg_parser *p, const char *path)
{
    size_t dl = path[0] == '/' ? 0 : p->dir_len, pl = strlen(path);
    char *full = malloc(dl + pl + 1);
    if (full) {
        memcpy(full, p->dir, dl);
        memcpy(full + dl, path, pl + 1);
    }
    return full;
}

static int read_values(wg_parser *p, const wg_token *at, const char *full, FILE *f, size_t n,
                       const char *who, const char *shape, double **out)
{
    scanner s = { .f = f, .line = 1, .column = 1 };
    char why[300];
    size_t count = 0, cap = 0;
    double *v = NULL;
    while (count < n) {
        if (!next_token(&s))
            break;
        double x;
        if (token_value(&s, &x, why, sizeof why)) {
            free(v);
            return wg_parse_fail(p, WG_EPARSE, at, "data file %.200s:%zu:%zu: %s (value %zu "
                                 "of %s)", full, s.tok_line, s.tok_column, why, count + 1, who);
        }
        if (count == cap) {
            /* grow with what was read, not with what the shape claims */
            size_t ncap = cap ? (cap > n / 2 ? n : 2 * cap) : (n < 1024 ? n : 1024);
            double *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                free(v);
                return wg_parse_fail(p, WG_ENOMEM, at, "out of memory reading data file %.200s",
                                     full);
            }
            v = nv;
            cap = ncap;
        }
        v[count++] = x;
    }
    int s_err = ferror(f);
    if (!s_err && count == n && next_token(&s)) {
        char q[64];
        free(v);
        return wg_parse_fail(p, WG_EPARSE, at, "%s: shape %s needs %zu values, found more in "
                             "data file %.200s: the first extra one is %s at %zu:%zu", who,
                             shape, n, full, wg_quote_span(s.tok, s.len, q, sizeof q),
                             s.tok_line, s.tok_column);
    }
    if (s_err || ferror(f)) {
        free(v);
        return wg_parse_fail(p, WG_EIO, at, "cannot read data file %.200s of %s: %s", full, who,
                             strerror(errno ? errno : EIO));
    }
    if (count < n) {
        free(v);
        return wg_parse_fail(p, WG_EPARSE, at, "%s: shape %s needs %zu values, found %zu in "
                             "data file %.200s", who, shape, n, count, full);
    }
    *out = v;
    return WG_OK;
}

int wg_parse_data_file(wg_parser *p, const wg_token *at, const char *path, size_t n,
                       const char *who, const char *shape, double **out)
{
    *out = NULL;
    char *full = resolve(p, path);
    if (!full)
        return wg_parse_fail(p, WG_ENOMEM, at, "out of memory");
    /* O_NONBLOCK: opening a FIFO that no one writes would wait forever;
     * on a regular file the flag does nothing */
    int fd = open(full, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        int s = wg_parse_fail(p, WG_EIO, at, "cannot open data file %.200s of %s: %s", full, who,
                              strerror(e));
        free(full);
        return s;
    }
    struct stat st;
    int bad = WG_OK;
    if (fstat(fd, &st) != 0)
        bad = wg_parse_fail(p, WG_EIO, at, "cannot read data file %.200s of %s: %s", full, who,
                            strerror(errno));
    else if (S_ISDIR(st.st_mode))
        bad = wg_parse_fail(p, WG_EIO, at, "data file %.200s of %s is a directory", full, who);
    else if (!S_ISREG(st.st_mode))
        bad = wg_parse_fail(p, WG_EIO, at, "data file %.200s of %s is not a regular file (a "
                            "FIFO, socket or device could block or never end)", full, who);
    if (bad != WG_OK) {
        close(fd);
        free(full);
        return bad;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        free(full);
        return wg_parse_fail(p, WG_ENOMEM, at, "out of memory");
    }
    errno = 0;
    int s = read_values(p, at, full, f, n, who, shape, out);
    fclose(f);
    free(full);
    return s;
}
