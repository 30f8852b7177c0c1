/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmm_data.c -- reader of ADBench GMM files.  Strict: every line must hold
 * exactly the values its section calls for, so a truncated or shifted file
 * is reported at the line where it goes wrong rather than read as nonsense. */
#include "gmm_data.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sizes far beyond ADBench's largest (d = 128, K = 200, n = 10^5), small
 * enough that K * d(d+1)/2 and n * d cannot overflow. */
#define GMM_MAX_D 4096
#define GMM_MAX_K 1000000
#define GMM_MAX_N 100000000

typedef struct reader {
    const char *path;
    char *text;         /* whole file, NUL-terminated */
    char *pos;          /* start of the next line */
    int line;           /* number of the line last taken */
    char *err;
    size_t errlen;
} reader;

static int fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(reader *r, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "%s:%d: %s", r->path, r->line, msg);
    return -1;
}

static char *slurp(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - 1 - len, f);
        if (len < cap - 1)
            break;
        char *p = realloc(buf, cap * 2);
        if (!p) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = p;
        cap *= 2;
    }
    if (!buf)
        snprintf(err, errlen, "%s: out of memory reading the file", path);
    else if (ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        free(buf);
        buf = NULL;
    } else
        buf[len] = '\0';
    fclose(f);
    return buf;
}

/* Take the next line (NUL-terminated in place); NULL at the end of the text. */
static char *next_line(reader *r)
{
    if (*r->pos == '\0')
        return NULL;
    char *s = r->pos, *e = strchr(s, '\n');
    if (e) {
        *e = '\0';
        r->pos = e + 1;
    } else
        r->pos = s + strlen(s);
    r->line++;
    return s;
}

static char *skip_blanks(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    return s;
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r')
            return 0;
    return 1;
}

/* Read the next line as exactly `count` finite doubles into out. */
static int read_values(reader *r, double *out, size_t count, const char *what)
{
    char *s = next_line(r);
    if (!s) {
        r->line++;
        return fail(r, "end of file where %s (%zu value%s) should be", what, count,
                    count == 1 ? "" : "s");
    }
    for (size_t j = 0; j < count; j++) {
        char *end;
        s = skip_blanks(s);
        errno = 0;
        double v = strtod(s, &end);
        if (end == s && is_blank(s))
            return fail(r, "%s: found %zu value%s, expected %zu", what, j,
                        j == 1 ? "" : "s", count);
        if (end == s || (*end && *end != ' ' && *end != '\t' && *end != '\r'))
            return fail(r, "%s: value %zu is not a number: \"%.20s\"", what, j + 1, s);
        if (!isfinite(v) || errno == ERANGE)
            return fail(r, "%s: value %zu (%.*s) is not a finite double", what, j + 1,
                        (int)(end - s), s);
        out[j] = v;
        s = end;
    }
    if (!is_blank(s))
        return fail(r, "%s: more than the expected %zu value%s (next: \"%.20s\")", what,
                    count, count == 1 ? "" : "s", skip_blanks(s));
    return 0;
}

/* Read one line of integers, each checked against [lo[j], hi[j]]. */
static int read_ints(reader *r, long *out, int count, const char *const *names,
                     const long *lo, const long *hi)
{
    char *s = next_line(r);
    if (!s) {
        r->line++;
        return fail(r, "end of file where the line `%s%s%s` should be", names[0],
                    count > 1 ? " " : "", count > 1 ? "..." : "");
    }
    for (int j = 0; j < count; j++) {
        char *end;
        s = skip_blanks(s);
        errno = 0;
        long v = strtol(s, &end, 10);
        if (end == s)
            return fail(r, "%s is missing or not an integer: \"%.20s\"", names[j], s);
        if (errno == ERANGE || v < lo[j] || v > hi[j])
            return fail(r, "%s = %.*s is outside [%ld, %ld]", names[j], (int)(end - s), s,
                        lo[j], hi[j]);
        if (*end != '\0' && *end != ' ' && *end != '\t' && *end != '\r')
            return fail(r, "%s is not an integer: \"%.20s\"", names[j], s);
        out[j] = v;
        s = end;
    }
    if (!is_blank(s))
        return fail(r, "more than %d value%s on the line (next: \"%.20s\")", count,
                    count == 1 ? "" : "s", skip_blanks(s));
    return 0;
}

size_t gmm_icf_len(int d)
{
    return (size_t)d * (size_t)(d + 1) / 2;
}

size_t gmm_nparams(const gmm_input *in)
{
    return (size_t)in->K * (1 + (size_t)in->d + gmm_icf_len(in->d));
}

void gmm_free(gmm_input *in)
{
    free(in->alphas);
    free(in->means);
    free(in->icf);
    free(in->x);
    memset(in, 0, sizeof *in);
}

void gmm_pack(const gmm_input *in, double *params)
{
    size_t K = (size_t)in->K, d = (size_t)in->d;
    memcpy(params, in->alphas, K * sizeof *params);
    memcpy(params + K, in->means, K * d * sizeof *params);
    memcpy(params + K + K * d, in->icf, K * gmm_icf_len(in->d) * sizeof *params);
}

static int read_body(reader *r, gmm_input *in)
{
    static const char *const head_names[] = { "d", "K", "n" };
    static const long head_lo[] = { 1, 1, 1 };
    static const long head_hi[] = { GMM_MAX_D, GMM_MAX_K, GMM_MAX_N };
    long head[3];
    if (read_ints(r, head, 3, head_names, head_lo, head_hi))
        return -1;
    in->d = (int)head[0];
    in->K = (int)head[1];
    in->n = (int)head[2];
    size_t d = (size_t)in->d, K = (size_t)in->K, n = (size_t)in->n, nicf = gmm_icf_len(in->d);
    in->alphas = malloc(K * sizeof *in->alphas);
    in->means = malloc(K * d * sizeof *in->means);
    in->icf = malloc(K * nicf * sizeof *in->icf);
    in->x = malloc(n * d * sizeof *in->x);
    if (!in->alphas || !in->means || !in->icf || !in->x)
        return fail(r, "out of memory for d = %d, K = %d, n = %d", in->d, in->K, in->n);

    char what[64];
    for (size_t k = 0; k < K; k++) {
        snprintf(what, sizeof what, "alpha of component %zu", k);
        if (read_values(r, in->alphas + k, 1, what))
            return -1;
    }
    for (size_t k = 0; k < K; k++) {
        snprintf(what, sizeof what, "mean of component %zu", k);
        if (read_values(r, in->means + k * d, d, what))
            return -1;
    }
    for (size_t k = 0; k < K; k++) {
        snprintf(what, sizeof what, "icf of component %zu", k);
        if (read_values(r, in->icf + k * nicf, nicf, what))
            return -1;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(what, sizeof what, "data point %zu", i);
        if (read_values(r, in->x + i * d, d, what))
            return -1;
    }
    double wishart[2];
    if (read_values(r, wishart, 2, "Wishart prior `gamma m`"))
        return -1;
    if (!(wishart[0] > 0))
        return fail(r, "Wishart gamma = %g must be > 0 (the prior takes its log)", wishart[0]);
    if (wishart[1] != nearbyint(wishart[1]) || wishart[1] < 0 || wishart[1] > 1e6)
        return fail(r, "Wishart m = %g must be a non-negative integer", wishart[1]);
    in->gamma = wishart[0];
    in->m = (int)wishart[1];
    for (char *s; (s = next_line(r)) != NULL;)
        if (!is_blank(s))
            return fail(r, "text after the last line `gamma m`: \"%.20s\"", s);
    return 0;
}

int gmm_read(const char *path, gmm_input *in, char *err, size_t errlen)
{
    memset(in, 0, sizeof *in);
    reader r = { path, NULL, NULL, 0, err, errlen };
    r.text = slurp(path, err, errlen);
    if (!r.text)
        return -1;
    r.pos = r.text;
    int s = read_body(&r, in);
    free(r.text);
    if (s)
        gmm_free(in);
    return s;
}
