/* SPDX-License-Identifier: GPL-3.0-or-later */
/* suite_read.c -- the reader of suite text (doc/SUITE.md):
 *
 *   NAME: EXPRESSION @ x=1, y=[0, 2] @ ... ; option=value ; ...
 *   NAME: path/to/file.wg [@ ...] [; ...]
 *   NAME: {
 *     .wg lines
 *   } [@ ...] [; ...]
 *
 * Strict, like the .wg reader: the first error stops reading and is
 * reported as FILE:LINE:COL with what was expected and what was found;
 * the errors of the expression parser and of the .wg reader come through
 * with their places translated to the suite text.  Points of a range are
 * drawn when the suite is read (GSL's MT19937 from the case's seed), so
 * one suite file always checks the same points. */
#define _XOPEN_SOURCE 700       /* realpath */
#include "suite.h"

#include "wengert.h"        /* wg_graph_name_ok, wg_number_parse, wg_file_read: names,
                               numbers and files as the .wg reader has them */

#include <errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on option values: wide enough for any real use, narrow enough
 * that npoints x ninputs and the work of a check stay sane. */
#define MAX_DIRECTIONS 100000ul
#define MAX_POINTS 100000ul
#define MIN_PRECISION 128ul      /* the reference needs it (wengert_verify.h) */
#define MAX_PRECISION 1000000ul
#define DEFAULT_POINTS 3
/* Points an expression is parsed at when the suite is read (below): each
 * try is a whole parse, and a case may have MAX_POINTS points, so trying
 * them all would let a suite of a few lines take minutes to read. */
#define MAX_PARSE_POINTS 64

/* every option, for the messages on a missing or an unknown one */
static const char options_all[] =
    "directions, points, seed, precision, safety, full_jacobian, expect, order";

/* ---------------------------------------------------------------- state */

typedef struct binding {
    const char *name;           /* into the text */
    size_t len, col;
    int is_range;
    double lo, hi;              /* a value is lo */
} binding;

typedef struct clause {
    binding *b;
    size_t n, cap;
    size_t col;                 /* of its '@' */
} clause;

typedef struct spec {
    int line;                   /* of the name */
    const char *name;
    size_t name_len, name_col;
    /* the body: an expression or a path (untrimmed expression text, so
     * that the parser's columns add to body_col), or a block */
    wg_suite_kind kind;
    int is_block;
    const char *body;
    size_t body_len, body_col;
    const char *body_end_desc;  /* what ends an expression: "'@'", "';'", "end of line" */
    int block_line;             /* first line of the block's text */
    size_t brace_col;
    char *block;                /* the block's text */
    /* the tail: points and options, all on one line */
    int tail_line;
    clause *cl;
    size_t ncl, capcl;
    unsigned set;
    wg_check_options opt;
    int have_expect, have_points;
    wg_verdict expect;
    unsigned long points;
    size_t points_col;
} spec;

typedef struct reader {
    const char *text, *end;
    const char *name;           /* in messages */
    const char *dir;            /* relative .wg paths start here */
    wg_parse_error *err;
    wg_suite *s;
    const char *p;              /* start of the next line */
    int lineno;                 /* of the line last taken */
    const char *line, *line_end;        /* that line, without its line break */
} reader;

/* ---------------------------------------------------------------- errors */

static int fail_at(reader *r, int line, size_t col, int status, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail_at(reader *r, int line, size_t col, int status, const char *fmt, ...)
{
    wg_parse_error *e = r->err;
    if (e->status != WG_OK)
        return e->status;       /* the first error is the one reported */
    char what[sizeof e->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    e->status = status;
    e->line = line;
    e->column = col > (size_t)INT32_MAX ? INT32_MAX : (int)col;
    /* a long file name or message is cut at the end of the buffer */
    int w = line ? snprintf(e->message, sizeof e->message, "%s:%d:%zu: error: %s", r->name, line,
                            col, what)
                 : snprintf(e->message, sizeof e->message, "%s: error: %s", r->name, what);
    if (w < 0)
        snprintf(e->message, sizeof e->message, "error: %s", wg_strerror(status));
    return status;
}

static int out_of_memory(reader *r)
{
    return fail_at(r, 0, 0, WG_ENOMEM, "out of memory");
}

static size_t col_of(const reader *r, const char *q)
{
    return (size_t)(q - r->line) + 1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static const char *skip_blanks(const char *q, const char *end)
{
    while (q < end && is_blank(*q))
        q++;
    return q;
}

/* 'text', cut short past 24 bytes */
static const char *quote(const char *s, size_t n, char *buf, size_t len)
{
    if (n > 24)
        snprintf(buf, len, "'%.21s...'", s);
    else
        snprintf(buf, len, "'%.*s'", (int)n, s);
    return buf;
}

/* what a message says was found at q: a word or number whole, else one
 * character, or the end of the line */
static const char *describe(const char *q, const char *end, char *buf, size_t len)
{
    if (q >= end)
        return "end of line";
    const char *w = q;
    if ((*w == '-' || *w == '+') && w + 1 < end && (is_digit(w[1]) || w[1] == '.'))
        w++;
    if (is_alpha(*w) || is_digit(*w) || *w == '.') {
        while (w < end && (is_alpha(*w) || is_digit(*w) || *w == '.'))
            w++;
        return quote(q, (size_t)(w - q), buf, len);
    }
    return quote(q, 1, buf, len);
}

static int expected(reader *r, const char *q, const char *end, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int expected(reader *r, const char *q, const char *end, const char *fmt, ...)
{
    char what[300], found[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return fail_at(r, r->lineno, col_of(r, q), WG_EPARSE, "expected %s, found %s", what,
                   describe(q, end, found, sizeof found));
}

/* ---------------------------------------------------------------- lines */

/* Take the next line; 0 at the end of the text. */
static int next_line(reader *r)
{
    if (r->p >= r->end)
        return 0;
    const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    r->line = r->p;
    r->line_end = nl ? nl : r->end;
    r->p = nl ? nl + 1 : r->end;
    if (r->line_end > r->line && r->line_end[-1] == '\r')
        r->line_end--;          /* CR LF */
    r->lineno++;
    return 1;
}

/* The end of the line's content (a comment starts at '#'), after
 * checking that the content is printable ASCII: the same rule as .wg
 * text outside comments.  NULL after an error. */
static const char *content_end(reader *r)
{
    for (const char *q = r->line; q < r->line_end; q++) {
        unsigned char c = (unsigned char)*q;
        if (c == '#')
            return q;
        if (c == '\t' || (c >= 0x20 && c < 0x7f))
            continue;
        size_t col = col_of(r, q);
        if (c == '\0')
            fail_at(r, r->lineno, col, WG_EPARSE, "a NUL byte in the text");
        else if (c == '\r')
            fail_at(r, r->lineno, col, WG_EPARSE, "a carriage return not followed by a line feed");
        else if (c >= 0x80)
            fail_at(r, r->lineno, col, WG_EPARSE,
                    "byte 0x%02x (outside comments the text is ASCII)", c);
        else
            fail_at(r, r->lineno, col, WG_EPARSE, "control byte 0x%02x", c);
        return NULL;
    }
    return r->line_end;
}

/* ---------------------------------------------------------------- numbers */

/* ASCII, case-insensitive: is s[0..n) the word w? */
static int is_word(const char *s, size_t n, const char *w)
{
    if (strlen(w) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char a = s[i], b = w[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != b)
            return 0;
    }
    return 1;
}

/* The end of a number with an optional sign at s: letters, digits and
 * points, and a sign right after an exponent letter (1e-3; 0x1p+4, where
 * an 'e' is a hexadecimal digit). */
static const char *number_end(const char *s, const char *end)
{
    const char *w = s;
    if (w < end && (*w == '+' || *w == '-'))
        w++;
    const char *digits = w;
    int hex = end - w >= 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X');
    while (w < end) {
        if (is_alpha(*w) || is_digit(*w) || *w == '.') {
            w++;
            continue;
        }
        char prev = w > digits ? w[-1] : '\0';
        int exp_letter = hex ? (prev == 'p' || prev == 'P') : (prev == 'e' || prev == 'E');
        if ((*w == '+' || *w == '-') && exp_letter)
            w++;
        else
            break;
    }
    return w;
}

/* s[0..n), an optional sign and a C floating constant: wg_number_parse's
 * codes (0 read, 1 malformed, 2 too large, -1 out of memory), and 3 when
 * it is no number at all (empty, or a word), 4 for inf and nan */
static int parse_signed(const char *s, size_t n, double *out)
{
    int neg = n && s[0] == '-';
    if (n && (s[0] == '-' || s[0] == '+')) {
        s++;
        n--;
    }
    if (n == 0 || !(is_digit(s[0]) || s[0] == '.'))
        return n && (is_word(s, n, "inf") || is_word(s, n, "infinity") || is_word(s, n, "nan"))
               ? 4 : 3;
    double v;
    int rc = wg_number_parse(s, n, &v);
    if (rc == 0)
        *out = neg ? -v : v;
    return rc;
}

/* A finite number with an optional sign at *q, read as .wg text reads
 * numbers; *q moves past it.  `what` says what was expected, for messages. */
static int read_number(reader *r, const char **q, const char *end, double *out,
                       const char *what)
{
    const char *s = *q, *w = number_end(s, end);
    char buf[40];
    switch (parse_signed(s, (size_t)(w - s), out)) {
    case 0:
        *q = w;
        return WG_OK;
    case -1:
        return out_of_memory(r);
    case 1:
        return fail_at(r, r->lineno, col_of(r, s), WG_EPARSE, "malformed number %s",
                       quote(s, (size_t)(w - s), buf, sizeof buf));
    case 2:
        return fail_at(r, r->lineno, col_of(r, s), WG_EPARSE,
                       "number %s is too large for a double",
                       quote(s, (size_t)(w - s), buf, sizeof buf));
    case 4:
        return fail_at(r, r->lineno, col_of(r, s), WG_EPARSE,
                       "%s is not a number: points hold finite values only",
                       quote(s, (size_t)(w - s), buf, sizeof buf));
    default:
        return expected(r, s, end, "%s", what);
    }
}

/* The value of an option: the text up to a blank, ';' or '@'. */
static const char *value_end(const char *q, const char *end)
{
    while (q < end && !is_blank(*q) && *q != ';' && *q != '@')
        q++;
    return q;
}

/* a whole number in [lo, hi], the whole of s[0..n) */
static int whole_number(const char *s, size_t n, unsigned long long lo, unsigned long long hi,
                        unsigned long long *out)
{
    unsigned long long v = 0;
    if (n == 0 || n > 20)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    if (v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/* ---------------------------------------------------------------- points */

static int add_binding(reader *r, clause *c, const binding *b)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 4;
        binding *nb = realloc(c->b, cap * sizeof *nb);
        if (!nb)
            return out_of_memory(r);
        c->b = nb;
        c->cap = cap;
    }
    c->b[c->n++] = *b;
    return WG_OK;
}

static const binding *find_binding(const clause *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->b[i].len == len && memcmp(c->b[i].name, name, len) == 0)
            return &c->b[i];
    return NULL;
}

/* "@ x=1, y=[0, 2]": *q is at the '@'; it moves past the clause */
static int read_point(reader *r, spec *sp, const char **q, const char *end)
{
    if (sp->ncl == sp->capcl) {
        size_t cap = sp->capcl ? 2 * sp->capcl : 2;
        clause *nc = realloc(sp->cl, cap * sizeof *nc);
        if (!nc)
            return out_of_memory(r);
        sp->cl = nc;
        sp->capcl = cap;
    }
    clause *c = &sp->cl[sp->ncl++];
    memset(c, 0, sizeof *c);
    c->col = col_of(r, *q);
    const char *w = *q + 1;
    const char *after = "'@'";
    char nb[40];
    for (;;) {
        w = skip_blanks(w, end);
        binding b;
        memset(&b, 0, sizeof b);
        b.name = w;
        if (w < end && is_alpha(*w))
            while (w < end && (is_alpha(*w) || is_digit(*w)))
                w++;
        b.len = (size_t)(w - b.name);
        b.col = col_of(r, b.name);
        if (b.len == 0)
            return expected(r, b.name, end, "a variable name after %s", after);
        char *name = wg_suite_strndup(b.name, b.len);
        if (!name)
            return out_of_memory(r);
        int ok = wg_graph_name_ok(name), canonical = ok && wg_graph_name_is_canonical(name);
        free(name);
        if (!ok || canonical)
            return fail_at(r, r->lineno, b.col, WG_EPARSE, "%s cannot name a variable%s",
                           quote(b.name, b.len, nb, sizeof nb),
                           canonical ? ": names v<digits> are reserved for the nodes of that "
                                       "index"
                                     : " (an identifier that is not a keyword or an op name "
                                       "is needed)");
        if (find_binding(c, b.name, b.len))
            return fail_at(r, r->lineno, b.col, WG_EPARSE, "%s is given twice in this point",
                           quote(b.name, b.len, nb, sizeof nb));
        w = skip_blanks(w, end);
        if (w >= end || *w != '=')
            return expected(r, w, end, "'=' after %s", quote(b.name, b.len, nb, sizeof nb));
        w = skip_blanks(w + 1, end);
        char what[80];
        snprintf(what, sizeof what, "a number or a range [LO, HI] after '%.*s='",
                 (int)(b.len > 24 ? 24 : b.len), b.name);
        if (w < end && *w == '[') {
            const char *open = w;
            b.is_range = 1;
            w = skip_blanks(w + 1, end);
            snprintf(what, sizeof what, "the lower end of the range of %s",
                     quote(b.name, b.len, nb, sizeof nb));
            if (read_number(r, &w, end, &b.lo, what) != WG_OK)
                return r->err->status;
            w = skip_blanks(w, end);
            if (w >= end || *w != ',')
                return expected(r, w, end, "',' and the upper end of the range of %s",
                                quote(b.name, b.len, nb, sizeof nb));
            w = skip_blanks(w + 1, end);
            snprintf(what, sizeof what, "the upper end of the range of %s",
                     quote(b.name, b.len, nb, sizeof nb));
            if (read_number(r, &w, end, &b.hi, what) != WG_OK)
                return r->err->status;
            w = skip_blanks(w, end);
            if (w >= end || *w != ']')
                return expected(r, w, end, "']' to close the range of %s",
                                quote(b.name, b.len, nb, sizeof nb));
            w++;
            if (!(b.lo < b.hi))
                return fail_at(r, r->lineno, col_of(r, open), WG_EPARSE,
                               "the range [%.17g, %.17g] of %s is empty: its lower end must be "
                               "below its upper end", b.lo, b.hi,
                               quote(b.name, b.len, nb, sizeof nb));
        } else if (read_number(r, &w, end, &b.lo, what) != WG_OK) {
            return r->err->status;
        }
        if (add_binding(r, c, &b) != WG_OK)
            return r->err->status;
        w = skip_blanks(w, end);
        if (w < end && *w == ',') {
            w++;
            after = "','";
            continue;
        }
        if (w < end && *w != '@' && *w != ';')
            return expected(r, w, end, "',' and another variable, '@', ';' or end of line "
                            "after the value of %s", quote(b.name, b.len, nb, sizeof nb));
        break;
    }
    /* every point names the variables of the first */
    if (sp->ncl > 1) {
        const clause *first = &sp->cl[0];
        for (size_t i = 0; i < c->n; i++)
            if (!find_binding(first, c->b[i].name, c->b[i].len))
                return fail_at(r, r->lineno, c->b[i].col, WG_EPARSE,
                               "%s is not a variable of the first point: every point gives "
                               "values to the same variables",
                               quote(c->b[i].name, c->b[i].len, nb, sizeof nb));
        for (size_t i = 0; i < first->n; i++)
            if (!find_binding(c, first->b[i].name, first->b[i].len))
                return fail_at(r, r->lineno, c->col, WG_EPARSE,
                               "this point gives no value to %s: every point gives values to "
                               "the same variables",
                               quote(first->b[i].name, first->b[i].len, nb, sizeof nb));
    }
    *q = w;
    return WG_OK;
}

/* ---------------------------------------------------------------- options */

typedef enum { OPT_DIRECTIONS, OPT_POINTS, OPT_SEED, OPT_PRECISION, OPT_SAFETY,
               OPT_FULL_JACOBIAN, OPT_EXPECT, OPT_ORDER, OPT_COUNT } option_id;
static const char *const option_names[OPT_COUNT] = {
    "directions", "points", "seed", "precision", "safety", "full_jacobian", "expect", "order"
};

/* "; key=value": *q is at the ';' */
static int read_option(reader *r, spec *sp, unsigned *seen, const char **q, const char *end)
{
    const char *k = skip_blanks(*q + 1, end), *w = k;
    while (w < end && (is_alpha(*w) || is_digit(*w)))
        w++;
    size_t klen = (size_t)(w - k);
    char kb[40], vb[40];
    if (klen == 0)
        return expected(r, k, end, "an option after ';' (%s)", options_all);
    int id = 0;
    while (id < OPT_COUNT && !(strlen(option_names[id]) == klen
                               && memcmp(option_names[id], k, klen) == 0))
        id++;
    if (id == OPT_COUNT)
        return fail_at(r, r->lineno, col_of(r, k), WG_EPARSE, "unknown option %s (options: %s)",
                       quote(k, klen, kb, sizeof kb), options_all);
    if (*seen & (1u << id))
        return fail_at(r, r->lineno, col_of(r, k), WG_EPARSE, "option '%s' is given twice",
                       option_names[id]);
    *seen |= 1u << id;
    w = skip_blanks(w, end);
    const char *v, *vend;
    if (id == OPT_FULL_JACOBIAN && (w >= end || *w != '=')) {
        v = vend = NULL;        /* a bare flag */
    } else {
        if (w >= end || *w != '=')
            return expected(r, w, end, "'=' after '%s'", option_names[id]);
        v = skip_blanks(w + 1, end);
        vend = value_end(v, end);
        if (vend == v)
            return expected(r, v, end, "a value after '%s='", option_names[id]);
        w = vend;
    }
    size_t vlen = v ? (size_t)(vend - v) : 0;
    size_t vcol = v ? col_of(r, v) : 0;
    unsigned long long u;
    wg_check_options *o = &sp->opt;
    switch ((option_id)id) {
    case OPT_DIRECTIONS:
    case OPT_POINTS:
    case OPT_PRECISION: {
        unsigned long long lo = id == OPT_PRECISION ? MIN_PRECISION : 1;
        unsigned long long hi = id == OPT_DIRECTIONS ? MAX_DIRECTIONS
                              : id == OPT_POINTS ? MAX_POINTS : MAX_PRECISION;
        if (!whole_number(v, vlen, lo, hi, &u))
            return fail_at(r, r->lineno, vcol, WG_EPARSE,
                           "expected a whole number from %llu to %llu after '%s=', found %s", lo,
                           hi, option_names[id], quote(v, vlen, vb, sizeof vb));
        if (id == OPT_DIRECTIONS) {
            o->directions = (unsigned)u;
            sp->set |= WG_SUITE_SET_DIRECTIONS;
        } else if (id == OPT_PRECISION) {
            o->precision = (unsigned)u;
            sp->set |= WG_SUITE_SET_PRECISION;
        } else {
            sp->points = (unsigned long)u;
            sp->have_points = 1;
            sp->points_col = col_of(r, k);
        }
        break;
    }
    case OPT_ORDER:
        if (!whole_number(v, vlen, 1, 2, &u))
            return fail_at(r, r->lineno, vcol, WG_EPARSE,
                           "expected 1 or 2 after 'order=', found %s",
                           quote(v, vlen, vb, sizeof vb));
        o->order = (unsigned)u;
        sp->set |= WG_SUITE_SET_ORDER;
        break;
    case OPT_SEED:
        if (!whole_number(v, vlen, 0, UINT64_MAX, &u))
            return fail_at(r, r->lineno, vcol, WG_EPARSE,
                           "expected a whole number from 0 to %llu after 'seed=', found %s",
                           (unsigned long long)UINT64_MAX, quote(v, vlen, vb, sizeof vb));
        o->seed = (uint64_t)u;
        sp->set |= WG_SUITE_SET_SEED;
        break;
    case OPT_SAFETY: {
        double x;
        int rc = parse_signed(v, vlen, &x);
        if (rc == -1)
            return out_of_memory(r);
        if (rc != 0 || !(x > 0))
            return fail_at(r, r->lineno, vcol, WG_EPARSE,
                           "expected a positive number after 'safety=', found %s",
                           quote(v, vlen, vb, sizeof vb));
        o->safety = x;
        sp->set |= WG_SUITE_SET_SAFETY;
        break;
    }
    case OPT_FULL_JACOBIAN: {
        static const char *const yes[] = { "yes", "true", "1" }, *const no[] = { "no", "false", "0" };
        int val = -1;
        if (!v)
            val = 1;
        for (int i = 0; i < 3 && v && val < 0; i++) {
            if (strlen(yes[i]) == vlen && memcmp(yes[i], v, vlen) == 0)
                val = 1;
            if (strlen(no[i]) == vlen && memcmp(no[i], v, vlen) == 0)
                val = 0;
        }
        if (val < 0)
            return fail_at(r, r->lineno, vcol, WG_EPARSE,
                           "expected yes or no after 'full_jacobian=', found %s",
                           quote(v, vlen, vb, sizeof vb));
        o->full_jacobian = val;
        sp->set |= WG_SUITE_SET_FULL_JACOBIAN;
        break;
    }
    case OPT_EXPECT: {
        int vd = 0;
        while (vd < WG_VERDICT_COUNT && !(strlen(wg_verdict_name((wg_verdict)vd)) == vlen
                                          && memcmp(wg_verdict_name((wg_verdict)vd), v, vlen) == 0))
            vd++;
        if (vd == WG_VERDICT_COUNT)
            return fail_at(r, r->lineno, vcol, WG_EPARSE,
                           "expected a verdict after 'expect=' (pass, fail, nondiff, invalid, "
                           "unstable), found %s", quote(v, vlen, vb, sizeof vb));
        sp->expect = (wg_verdict)vd;
        sp->have_expect = 1;
        break;
    }
    case OPT_COUNT:
        break;
    }
    w = skip_blanks(w, end);
    if (w < end && *w != ';' && *w != '@')
        return expected(r, w, end, "';', '@' or end of line after the value of '%s'",
                        option_names[id]);
    *q = w;
    return WG_OK;
}

/* points and options up to the end of the line */
static int read_tail(reader *r, spec *sp, const char *q, const char *end)
{
    unsigned seen = 0;
    sp->tail_line = r->lineno;
    for (;;) {
        q = skip_blanks(q, end);
        if (q >= end)
            return WG_OK;
        int s;
        if (*q == '@')
            s = read_point(r, sp, &q, end);
        else if (*q == ';')
            s = read_option(r, sp, &seen, &q, end);
        else
            s = expected(r, q, end, "'@' and a point, ';' and an option, or end of line");
        if (s != WG_OK)
            return s;
    }
}

/* ---------------------------------------------------------------- building a case */

/* Fill e->points from the clauses, in the order of `vars` (n names; a
 * variable no clause names keeps base[j]).  Ranges are drawn uniformly,
 * clause by clause, point by point, variable by variable in the order
 * written, from MT19937 seeded with the case's seed: the same text gives
 * the same points. */
static int sample_points(reader *r, const spec *sp, wg_suite_entry *e, size_t n,
                         const char *const *vars, const double *base)
{
    size_t rows = 0;
    unsigned long per_range = sp->have_points ? sp->points : DEFAULT_POINTS;
    int any_range = 0;
    for (size_t c = 0; c < sp->ncl; c++) {
        int ranged = 0;
        for (size_t i = 0; i < sp->cl[c].n; i++)
            ranged |= sp->cl[c].b[i].is_range;
        any_range |= ranged;
        rows += ranged ? per_range : 1;
    }
    if (sp->have_points && !any_range)
        return fail_at(r, sp->tail_line, sp->points_col, WG_EPARSE,
                       "'points' needs a range: no variable of this case has one (write x=[LO, HI])");
    if (sp->ncl == 0)
        rows = 1;               /* a .wg graph at its own values */
    /* MAX_POINTS bounds the whole case, not only each range: else every
     * further '@' clause of a few bytes would add 100000 points */
    if (rows > MAX_POINTS)
        return fail_at(r, sp->tail_line, sp->have_points ? sp->points_col : sp->cl[0].col,
                       WG_EPARSE, "the case has %zu points, more than %lu (%lu from each "
                       "range)", rows, MAX_POINTS, per_range);
    e->points = malloc(rows * n * sizeof *e->points);
    gsl_rng *rng = any_range ? gsl_rng_alloc(gsl_rng_mt19937) : NULL;
    if (!e->points || (any_range && !rng)) {
        if (rng)
            gsl_rng_free(rng);
        return out_of_memory(r);
    }
    if (rng)
        gsl_rng_set(rng, (unsigned long)((sp->set & WG_SUITE_SET_SEED) ? sp->opt.seed : 1));
    size_t k = 0, nclauses = sp->ncl ? sp->ncl : 1;
    for (size_t c = 0; c < nclauses; c++) {
        const clause *cl = sp->ncl ? &sp->cl[c] : NULL;
        int ranged = 0;
        for (size_t i = 0; cl && i < cl->n; i++)
            ranged |= cl->b[i].is_range;
        size_t reps = ranged ? per_range : 1;
        /* the input of each binding, found once per clause: looking it up
         * for every point costs bindings x inputs per point */
        size_t *at = malloc((cl && cl->n ? cl->n : 1) * sizeof *at);
        if (!at) {
            if (rng)
                gsl_rng_free(rng);
            return out_of_memory(r);
        }
        for (size_t i = 0; cl && i < cl->n; i++) {
            const binding *b = &cl->b[i];
            size_t j = 0;
            while (j < n && !(strlen(vars[j]) == b->len && memcmp(vars[j], b->name, b->len) == 0))
                j++;
            at[i] = j;          /* n: checked before, cannot happen */
        }
        for (size_t rep = 0; rep < reps; rep++, k++) {
            double *row = e->points + k * n;
            for (size_t j = 0; j < n; j++)
                row[j] = base ? base[j] : 0;
            for (size_t i = 0; cl && i < cl->n; i++) {
                const binding *b = &cl->b[i];
                if (at[i] == n)
                    continue;
                row[at[i]] = b->is_range ? gsl_ran_flat(rng, b->lo, b->hi) : b->lo;
                /* gsl_ran_flat is lo + (hi - lo) u, u in [0, 1): with a huge
                 * range the product can round up to hi, never past it */
            }
        }
        free(at);
    }
    if (rng)
        gsl_rng_free(rng);
    e->pub.npoints = rows;
    return WG_OK;
}

/* used[j] = 1 when input j of g is read by a node or is an output */
static unsigned char *inputs_used(wg_graph *g)
{
    wg_tape *t = wg_graph_tape(g);
    size_t n = wg_tape_size(t), nin = wg_graph_ninputs(g);
    unsigned char *node_used = calloc(n ? n : 1, 1), *used = calloc(nin ? nin : 1, 1);
    if (!node_used || !used) {
        free(node_used);
        free(used);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < wg_node_arity(t, i); a++)
            node_used[wg_node_arg(t, i, a)] = 1;
    for (size_t o = 0; o < wg_graph_noutputs(g); o++)
        node_used[wg_var_index(t, wg_graph_output(g, o))] = 1;
    for (size_t j = 0; j < nin; j++)
        used[j] = node_used[wg_var_index(t, wg_graph_input(g, j))];
    free(node_used);
    return used;
}

static int is_point_status(int s)
{
    return s == WG_EDOM || s == WG_ERANGE || s == WG_EBRANCH;
}

/* The text of a reader message after "error: ". */
static const char *what_of(const wg_parse_error *pe)
{
    const char *w = strstr(pe->message, ": error: ");
    return w ? w + 9 : pe->message;
}

/* An error of the expression parser, at the place it names in the suite
 * line.  The parser sees only the expression: its "end of expression" is
 * whatever ended the expression on the line. */
static int expr_error(reader *r, const spec *sp, const wg_parse_error *pe)
{
    if (pe->status == WG_ENOMEM)
        return out_of_memory(r);
    char what[sizeof pe->message];
    const char *src = what_of(pe), *eoe = strstr(src, "end of expression");
    if (eoe)
        snprintf(what, sizeof what, "%.*s%s%s", (int)(eoe - src), src, sp->body_end_desc,
                 eoe + strlen("end of expression"));
    else
        snprintf(what, sizeof what, "%s", src);
    size_t col = pe->line == 1 && pe->column > 0 ? sp->body_col + (size_t)pe->column - 1
                                                  : sp->body_col;
    return fail_at(r, sp->line, col, pe->status, "%s", what);
}

static int build_expr(reader *r, const spec *sp, wg_suite_entry *e)
{
    if (sp->ncl == 0) {
        const char *end = sp->body + sp->body_len;
        return fail_at(r, sp->line, sp->body_col + sp->body_len, WG_EPARSE,
                       "expected '@' and a point after the expression, found %s: each "
                       "variable needs a value", end < r->line_end ? sp->body_end_desc
                                                                   : "end of line");
    }
    const clause *first = &sp->cl[0];
    size_t n = first->n;
    e->inputs = calloc(n, sizeof *e->inputs);
    if (!e->inputs)
        return out_of_memory(r);
    e->pub.ninputs = n;
    for (size_t j = 0; j < n; j++)
        if (!(e->inputs[j] = wg_suite_strndup(first->b[j].name, first->b[j].len)))
            return out_of_memory(r);
    /* the case keeps the expression trimmed; the parser reads it as
     * written, so that its columns add to the body's */
    const char *t0 = skip_blanks(sp->body, sp->body + sp->body_len), *t1 = sp->body + sp->body_len;
    while (t1 > t0 && is_blank(t1[-1]))
        t1--;
    e->source = wg_suite_strndup(t0, (size_t)(t1 - t0));
    if (!e->source)
        return out_of_memory(r);
    int s = sample_points(r, sp, e, n, (const char *const *)e->inputs, NULL);
    if (s != WG_OK)
        return s;
    e->pub.noutputs = 1;

    /* The expression is parsed at its points until one records: a point
     * outside the domain is a check's verdict (invalid), not an error of
     * the suite, but it stops the parser before the rest of the text.
     * When every point stops it, a few plain points give the rest of the
     * text a chance to be read.  At most MAX_PARSE_POINTS of the points
     * are tried, spread evenly from the first to the last. */
    static const double plain[] = { 0.5, 1.5, -0.5, 2.5 };
    size_t npts = e->pub.npoints;
    size_t ntry = npts < MAX_PARSE_POINTS ? npts : MAX_PARSE_POINTS;
    size_t tries = ntry + sizeof plain / sizeof plain[0];
    double *row = malloc(n * sizeof *row);
    char *text = wg_suite_strndup(sp->body, sp->body_len);
    if (!row || !text) {
        free(row);
        free(text);
        return out_of_memory(r);
    }
    wg_graph *g = NULL;
    wg_parse_error pe;
    for (size_t k = 0; k < tries && !g; k++) {
        if (k < ntry)
            memcpy(row, e->points + (ntry > 1 ? k * (npts - 1) / (ntry - 1) : 0) * n,
                   n * sizeof *row);
        else
            for (size_t j = 0; j < n; j++)
                row[j] = plain[k - ntry];
        memset(&pe, 0, sizeof pe);
        g = wg_graph_parse_expr(text, n, (const char *const *)e->inputs, row, &pe);
        if (!g && !is_point_status(pe.status))
            break;
    }
    free(row);
    free(text);
    if (!g)
        return is_point_status(pe.status) ? WG_OK : expr_error(r, sp, &pe);
    unsigned char *used = inputs_used(g);
    if (!used) {
        wg_graph_free(g);
        return out_of_memory(r);
    }
    s = WG_OK;
    for (size_t j = 0; j < n && s == WG_OK; j++)
        if (!used[j]) {
            char vars[256], q[40];
            size_t len = 0;
            vars[0] = '\0';
            for (size_t i = 0; i < n; i++)
                if (used[i] && len < sizeof vars) {
                    int w = snprintf(vars + len, sizeof vars - len, "%s%s", len ? ", " : "",
                                     e->inputs[i]);
                    len += w > 0 ? (size_t)w : 0;
                }
            s = fail_at(r, sp->tail_line, first->b[j].col, WG_EPARSE,
                        "%s is not a variable of the expression (variables: %s)",
                        quote(first->b[j].name, first->b[j].len, q, sizeof q),
                        len ? vars : "none");
        }
    free(used);
    wg_graph_free(g);
    return s;
}

/* "a/b.wg" relative to dir */
static char *resolve(const char *dir, const char *path, size_t len)
{
    if (!dir || !*dir || path[0] == '/')
        return wg_suite_strndup(path, len);
    size_t dl = strlen(dir);
    char *full = malloc(dl + 1 + len + 1);
    if (full) {
        memcpy(full, dir, dl);
        full[dl] = '/';
        memcpy(full + dl + 1, path, len);
        full[dl + 1 + len] = '\0';
    }
    return full;
}

/* the whole file (a regular one, bounded: lib/wg_file.c); *nul when it
 * holds a NUL byte.  WG_OK, or a status with why set. */
static int slurp(const char *path, char **text, size_t *len, int *nul, char *why, size_t whylen)
{
    int st = wg_file_read(path, text, len, why, whylen);
    if (st == WG_OK)
        *nul = memchr(*text, '\0', *len) != NULL;
    return st;
}

/* The path policy of doc/SUITE.md: a case's file must be inside the
 * suite's folder once every symlink is followed, unless the suite's flags
 * allow outside paths; *outside says where it is.  A path that does not
 * resolve is left to the reader, which says why it cannot open it. */
static int check_path(reader *r, spec *sp, const char *path, int *outside)
{
    char pq[64];
    *outside = 0;
    char *real = realpath(path, NULL);
    if (!real)
        return WG_OK;
    char *root = realpath(r->dir ? r->dir : ".", NULL);
    size_t n = root ? strlen(root) : 0;
    /* "/" as the root holds everything */
    *outside = !root || !(strncmp(real, root, n) == 0
                          && (real[n] == '/' || (n == 1 && root[0] == '/')));
    free(real);
    int st = WG_OK;
    if (*outside && !(r->s->flags & WG_SUITE_OUTSIDE_PATHS))
        st = fail_at(r, sp->line, sp->body_col, WG_EINVAL,
                     "the graph file %s is outside the suite's folder %s: refused (paths stay "
                     "inside it, symlinks followed; wengert-verify --allow-outside-paths reads "
                     "it)", quote(sp->body, sp->body_len, pq, sizeof pq),
                     root ? root : "(unknown)");
    free(root);
    return st;
}

static int build_graph(reader *r, spec *sp, wg_suite_entry *e)
{
    wg_parse_error pe;
    memset(&pe, 0, sizeof pe);
    wg_graph *g;
    char pq[64];
    if (sp->is_block) {
        e->text = sp->block;
        sp->block = NULL;       /* the entry owns it now */
        char where[300];
        snprintf(where, sizeof where, "%s:%d", r->name, sp->line);
        e->text_name = wg_suite_strdup(where);
        e->source = wg_suite_strdup(e->text);
        if (!e->text_name || !e->source)
            return out_of_memory(r);
        g = wg_graph_read_string(e->text, r->name, &pe);
        if (!g) {
            if (pe.status == WG_ENOMEM)
                return out_of_memory(r);
            /* the block's line L is the suite's line block_line + L - 1 */
            if (pe.line > 0)
                return fail_at(r, sp->block_line + pe.line - 1, (size_t)pe.column, pe.status,
                               "%s", what_of(&pe));
            return fail_at(r, sp->line, sp->brace_col, pe.status, "%s", what_of(&pe));
        }
    } else {
        e->source = wg_suite_strndup(sp->body, sp->body_len);
        e->text_name = resolve(r->dir, sp->body, sp->body_len);
        if (!e->source || !e->text_name)
            return out_of_memory(r);
        int outside = 0;
        int ps = check_path(r, sp, e->text_name, &outside);
        if (ps != WG_OK)
            return ps;
        size_t len = 0;
        int nul = 0;
        char why[200];
        int st = slurp(e->text_name, &e->text, &len, &nul, why, sizeof why);
        if (st == WG_ENOMEM)
            return out_of_memory(r);
        if (st != WG_OK)
            return fail_at(r, sp->line, sp->body_col, st, "cannot read the graph file %s (%s): %s",
                           quote(sp->body, sp->body_len, pq, sizeof pq), e->text_name, why);
        if (nul)
            return fail_at(r, sp->line, sp->body_col, WG_EPARSE,
                           "the graph file %s holds a NUL byte",
                           quote(sp->body, sp->body_len, pq, sizeof pq));
        g = wg_graph_read_string(e->text, e->text_name, &pe);
        if (!g) {
            if (pe.status == WG_ENOMEM)
                return out_of_memory(r);
            /* a file outside the suite's folder may be anything (a secret
             * a symlink led to): its place, never its text */
            if (outside)
                return fail_at(r, sp->line, sp->body_col, pe.status,
                               "the graph file %s (outside the suite's folder) does not read: "
                               "an error at %d:%d (its text is not quoted)",
                               quote(sp->body, sp->body_len, pq, sizeof pq), pe.line, pe.column);
            return fail_at(r, sp->line, sp->body_col, pe.status,
                           "the graph file %s does not read: %s",
                           quote(sp->body, sp->body_len, pq, sizeof pq), pe.message);
        }
    }
    size_t n = wg_graph_ninputs(g);
    int s = WG_OK;
    size_t where_col = sp->is_block ? sp->brace_col : sp->body_col;
    if (n == 0)
        s = fail_at(r, sp->line, where_col, WG_EPARSE,
                    "the graph has no input: nothing to differentiate");
    else if (wg_graph_noutputs(g) == 0)
        s = fail_at(r, sp->line, where_col, WG_EPARSE,
                    "the graph has no output: nothing to differentiate (add 'output NAME')");
    e->inputs = s == WG_OK ? calloc(n, sizeof *e->inputs) : NULL;
    double *base = s == WG_OK ? malloc(n * sizeof *base) : NULL;
    if (s == WG_OK && (!e->inputs || !base))
        s = out_of_memory(r);
    if (s == WG_OK) {
        e->pub.ninputs = n;
        e->pub.noutputs = wg_graph_noutputs(g);
        for (size_t j = 0; j < n && s == WG_OK; j++) {
            wg_var xj = wg_graph_input(g, j);
            /* a suite point holds one number per input: a tensor input
             * has no place in it (check such a graph with --check FILE) */
            if (wg_shape(wg_graph_tape(g), xj, NULL) != 0) {
                s = fail_at(r, sp->line, where_col, WG_EPARSE,
                            "input '%s' is a tensor: suite points hold scalar inputs only "
                            "(check a tensor graph with wengert-verify --check FILE)",
                            wg_graph_input_name(g, j));
                break;
            }
            base[j] = wg_value(wg_graph_tape(g), xj);
            if (!(e->inputs[j] = wg_suite_strdup(wg_graph_input_name(g, j))))
                s = out_of_memory(r);
        }
    }
    /* the point's names must be inputs of the graph */
    for (size_t i = 0; s == WG_OK && sp->ncl && i < sp->cl[0].n; i++) {
        const binding *b = &sp->cl[0].b[i];
        size_t j = 0;
        while (j < n && !(strlen(e->inputs[j]) == b->len
                          && memcmp(e->inputs[j], b->name, b->len) == 0))
            j++;
        if (j == n) {
            char names[256], q[40];
            size_t len = 0;
            names[0] = '\0';
            for (size_t k = 0; k < n && len < sizeof names; k++) {
                int w = snprintf(names + len, sizeof names - len, "%s%s", k ? ", " : "",
                                 e->inputs[k]);
                len += w > 0 ? (size_t)w : 0;
            }
            s = fail_at(r, sp->tail_line, b->col, WG_EPARSE,
                        "%s is not an input of the graph (inputs: %s)",
                        quote(b->name, b->len, q, sizeof q), names);
        }
    }
    if (s == WG_OK)
        s = sample_points(r, sp, e, n, (const char *const *)e->inputs, base);
    free(base);
    wg_graph_free(g);
    return s;
}

static int build_case(reader *r, spec *sp)
{
    wg_suite_entry *e = wg_suite_entry_new();
    if (!e)
        return out_of_memory(r);
    e->name = wg_suite_strndup(sp->name, sp->name_len);
    e->file = wg_suite_strdup(r->name);
    if (!e->name || !e->file) {
        wg_suite_entry_free(e);
        return out_of_memory(r);
    }
    e->pub.line = sp->line;
    e->pub.kind = sp->kind;
    e->pub.options = sp->opt;
    e->pub.set = sp->set;
    e->pub.expect = sp->have_expect ? sp->expect : WG_VERDICT_PASS;
    int s = sp->kind == WG_SUITE_EXPR ? build_expr(r, sp, e) : build_graph(r, sp, e);
    if (s != WG_OK) {
        wg_suite_entry_free(e);
        return s;
    }
    return wg_suite_push(r->s, e) == WG_OK ? WG_OK : out_of_memory(r);
}

/* ---------------------------------------------------------------- one case */

/* Name characters: printable ASCII but for the ones the syntax uses, so
 * that "rosenbrock x=1" (no colon) is an error, not a name. */
static int is_name_char(char c)
{
    return (c >= 0x20 && c < 0x7f) && !strchr(":@;#{}=[]\"\\", c);
}

/* The block's .wg lines, up to a line whose first non-blank byte is '}';
 * r is left on that line. */
static int read_block(reader *r, spec *sp)
{
    size_t cap = 256, len = 0;
    char *text = malloc(cap);
    if (!text)
        return out_of_memory(r);
    int open_line = r->lineno;
    sp->block_line = open_line + 1;
    for (;;) {
        if (!next_line(r)) {
            free(text);
            return fail_at(r, open_line, sp->brace_col, WG_EPARSE,
                           "the block opened here is not closed: expected a line '}' before "
                           "the end of the text");
        }
        const char *q = skip_blanks(r->line, r->line_end);
        if (q < r->line_end && *q == '}')
            break;
        /* the line as it is, CR LF and all: the .wg reader takes it */
        size_t ll = (size_t)(r->p - r->line);
        if (len + ll + 1 > cap) {
            while (len + ll + 1 > cap)
                cap *= 2;
            char *bigger = realloc(text, cap);
            if (!bigger) {
                free(text);
                return out_of_memory(r);
            }
            text = bigger;
        }
        memcpy(text + len, r->line, ll);
        len += ll;
    }
    text[len] = '\0';
    sp->block = text;
    return WG_OK;
}

static int read_case(reader *r, const char *q, const char *end)
{
    spec sp;
    memset(&sp, 0, sizeof sp);
    wg_check_options_init(&sp.opt);
    sp.line = r->lineno;
    char nb[40];
    /* NAME ':' */
    sp.name = q;
    while (q < end && is_name_char(*q))
        q++;
    const char *name_end = q;
    while (name_end > sp.name && is_blank(name_end[-1]))
        name_end--;
    sp.name_len = (size_t)(name_end - sp.name);
    sp.name_col = col_of(r, sp.name);
    int s = WG_OK;
    if (q >= end || *q != ':') {
        if (sp.name_len == 0)
            return expected(r, q, end, "a case 'NAME: function ...'");
        return expected(r, q, end, "':' after the case name %s",
                        quote(sp.name, sp.name_len, nb, sizeof nb));
    }
    if (sp.name_len == 0)
        return fail_at(r, r->lineno, col_of(r, q), WG_EPARSE, "expected a case name before ':'");
    {
        const wg_suite_entry *o = wg_suite_find_n(r->s, sp.name, sp.name_len);
        if (o) {
            if (o->pub.line && o->file && strcmp(o->file, r->name) == 0)
                return fail_at(r, r->lineno, sp.name_col, WG_EPARSE,
                               "case %s is defined twice: at line %d and at line %d (a name "
                               "is defined once)", quote(sp.name, sp.name_len, nb, sizeof nb),
                               o->pub.line, r->lineno);
            return fail_at(r, r->lineno, sp.name_col, WG_EPARSE,
                           "case %s is defined twice (a name is defined once)",
                           quote(sp.name, sp.name_len, nb, sizeof nb));
        }
    }
    /* the function */
    const char *b = skip_blanks(q + 1, end);
    if (b < end && *b == '{') {
        sp.is_block = 1;
        sp.kind = WG_SUITE_GRAPH;
        sp.brace_col = col_of(r, b);
        const char *after = skip_blanks(b + 1, end);
        if (after < end)
            return expected(r, after, end, "end of line after '{' (the block's .wg lines start "
                            "on the next line)");
        if ((s = read_block(r, &sp)) != WG_OK)
            return s;
        /* the '}' line: its content, then the tail after the brace */
        const char *cend = content_end(r);
        if (!cend) {
            free(sp.block);
            return r->err->status;
        }
        const char *brace = skip_blanks(r->line, cend);
        s = read_tail(r, &sp, brace + 1, cend);
    } else {
        /* an expression or a path: up to '@', ';' or the end */
        const char *e = q + 1;
        while (e < end && *e != '@' && *e != ';')
            e++;
        sp.body_end_desc = e >= end ? "end of line" : *e == '@' ? "'@'" : "';'";
        const char *t = e;
        while (t > b && is_blank(t[-1]))
            t--;
        if (t == b)
            return expected(r, b, end, "an expression, a .wg file or '{' after '%.*s:'",
                            (int)(sp.name_len > 24 ? 24 : sp.name_len), sp.name);
        if (t - b > 3 && memcmp(t - 3, ".wg", 3) == 0) {
            sp.kind = WG_SUITE_GRAPH;
            sp.body = b;                        /* the path, trimmed */
            sp.body_len = (size_t)(t - b);
            sp.body_col = col_of(r, b);
        } else {
            sp.kind = WG_SUITE_EXPR;
            sp.body = q + 1;                    /* as written: the parser's columns add up */
            sp.body_len = (size_t)(e - (q + 1));
            sp.body_col = col_of(r, q + 1);
        }
        s = read_tail(r, &sp, e, end);
    }
    if (s == WG_OK)
        s = build_case(r, &sp);
    for (size_t c = 0; c < sp.ncl; c++)
        free(sp.cl[c].b);
    free(sp.cl);
    free(sp.block);
    return s;
}

/* ---------------------------------------------------------------- entry points */

static int read_text(wg_suite *s, const char *text, size_t len, const char *name,
                     const char *dir, wg_parse_error *err)
{
    reader r;
    memset(&r, 0, sizeof r);
    r.text = text;
    r.end = text + len;
    r.name = name;
    r.dir = dir;
    r.err = err;
    r.s = s;
    r.p = text;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        r.p += 3;               /* a UTF-8 byte order mark */
    size_t before = s->n;
    int st = WG_OK;
    while (st == WG_OK && next_line(&r)) {
        const char *end = content_end(&r);
        if (!end) {
            st = err->status;
            break;
        }
        const char *q = skip_blanks(r.line, end);
        if (q < end)
            st = read_case(&r, q, end);
    }
    if (st != WG_OK)
        wg_suite_truncate(s, before);
    return st;
}

static void start_error(wg_parse_error *err, const char *name)
{
    memset(err, 0, sizeof *err);
    snprintf(err->file, sizeof err->file, "%s", name);
}

int wg_suite_add_text(wg_suite *s, const char *text, const char *name, const char *dir,
                      wg_parse_error *err)
{
    wg_parse_error local;
    if (!err)
        err = &local;
    if (!name)
        name = "<string>";
    start_error(err, name);
    if (!s || !text) {
        err->status = WG_EINVAL;
        snprintf(err->message, sizeof err->message, "%s: error: %s is NULL", name,
                 !s ? "the suite" : "the text");
        return WG_EINVAL;
    }
    return read_text(s, text, strlen(text), name, dir, err);
}

wg_suite *wg_suite_read_string(const char *text, const char *name, const char *dir,
                               wg_parse_error *err)
{
    wg_parse_error local;
    if (!err)
        err = &local;
    wg_suite *s = wg_suite_new();
    if (!s) {
        start_error(err, name ? name : "<string>");
        err->status = WG_ENOMEM;
        snprintf(err->message, sizeof err->message, "%s: error: out of memory", err->file);
        return NULL;
    }
    if (wg_suite_add_text(s, text, name, dir, err) != WG_OK) {
        wg_suite_free(s);
        return NULL;
    }
    return s;
}

wg_suite *wg_suite_read_file(const char *path, wg_parse_error *err)
{
    return wg_suite_read_file_ex(path, 0, err);
}

wg_suite *wg_suite_read_file_ex(const char *path, unsigned flags, wg_parse_error *err)
{
    wg_parse_error local;
    if (!err)
        err = &local;
    start_error(err, path ? path : "(null)");
    if (!path) {
        err->status = WG_EINVAL;
        snprintf(err->message, sizeof err->message, "(null): error: the path is NULL");
        return NULL;
    }
    size_t len = 0;
    int nul = 0;
    char *text = NULL, why[200];
    int rs = slurp(path, &text, &len, &nul, why, sizeof why);
    if (rs != WG_OK) {
        err->status = rs;
        snprintf(err->message, sizeof err->message, "%s: error: %s", path, why);
        return NULL;
    }
    /* .wg paths start from the suite file's folder */
    const char *slash = strrchr(path, '/');
    char *dir = slash ? wg_suite_strndup(path, (size_t)(slash - path) + (slash == path)) : NULL;
    wg_suite *s = wg_suite_new();
    wg_suite_set_flags(s, flags);
    if (!s || (slash && !dir)) {
        free(text);
        free(dir);
        wg_suite_free(s);
        err->status = WG_ENOMEM;
        snprintf(err->message, sizeof err->message, "%s: error: out of memory", path);
        return NULL;
    }
    int st;
    if (nul) {
        /* say where: the NUL's line and column */
        const char *z = memchr(text, '\0', len);
        int line = 1;
        const char *ls = text;
        for (const char *q = text; q < z; q++)
            if (*q == '\n') {
                line++;
                ls = q + 1;
            }
        err->status = st = WG_EPARSE;
        err->line = line;
        err->column = (int)(z - ls) + 1;
        snprintf(err->message, sizeof err->message, "%s:%d:%d: error: a NUL byte in the text",
                 path, line, err->column);
    } else {
        st = read_text(s, text, len, path, dir, err);
    }
    free(text);
    free(dir);
    if (st != WG_OK) {
        wg_suite_free(s);
        return NULL;
    }
    return s;
}
