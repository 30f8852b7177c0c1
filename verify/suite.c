/* SPDX-License-Identifier: GPL-3.0-or-later */
/* suite.c -- the suite model: a list of named cases, cases added by a
 * program (a C function, or one that cannot be checked and says why), each
 * case's options over a base, and recording a case at one of its points.
 * Reading suite text is suite_read.c; checking cases is suite_run.c. */
#include "suite.h"

#include "wengert.h"     /* wg_graph_name_ok: the same rule for names as .wg text */

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

char *wg_suite_strndup(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

char *wg_suite_strdup(const char *s)
{
    return wg_suite_strndup(s, strlen(s));
}

wg_suite_entry *wg_suite_entry_new(void)
{
    wg_suite_entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->pub.expect = WG_VERDICT_PASS;
    wg_check_options_init(&e->pub.options);
    return e;
}

void wg_suite_entry_free(wg_suite_entry *e)
{
    if (!e)
        return;
    if (e->free_ctx)
        e->free_ctx(e->ctx);
    if (e->inputs)
        for (size_t j = 0; j < e->pub.ninputs; j++)
            free(e->inputs[j]);
    free(e->inputs);
    free(e->points);
    free(e->name);
    free(e->file);
    free(e->source);
    free(e->error);
    free(e->text);
    free(e->text_name);
    free(e);
}

void wg_suite_entry_publish(wg_suite_entry *e)
{
    e->pub.name = e->name;
    e->pub.file = e->file;
    e->pub.source = e->source;
    e->pub.inputs = (const char *const *)e->inputs;
    e->pub.points = e->points;
    e->pub.error = e->error;
}

wg_suite *wg_suite_new(void)
{
    return calloc(1, sizeof(wg_suite));
}

/* the hash of names again from the cases kept: it has no deletion, and a
 * truncation (undoing a failed read) is rare */
static int rehash(wg_suite *s)
{
    wg_symtab_free(&s->names);
    for (size_t i = 0; i < s->n; i++) {
        wg_sym *e = wg_symtab_add(&s->names, s->cases[i]->name, strlen(s->cases[i]->name));
        if (!e)
            return WG_ENOMEM;
        e->id = (uint32_t)i;
    }
    return WG_OK;
}

void wg_suite_truncate(wg_suite *s, size_t n)
{
    if (s->n <= n)
        return;
    while (s->n > n)
        wg_suite_entry_free(s->cases[--s->n]);
    if (rehash(s) != WG_OK)
        wg_symtab_free(&s->names);  /* lookups fall back to a scan, see wg_suite_find */
}

void wg_suite_free(wg_suite *s)
{
    if (!s)
        return;
    wg_suite_truncate(s, 0);
    wg_symtab_free(&s->names);
    free(s->cases);
    free(s);
}

int wg_suite_push(wg_suite *s, wg_suite_entry *e)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        wg_suite_entry **c = realloc(s->cases, cap * sizeof *c);
        if (!c) {
            wg_suite_entry_free(e);
            return WG_ENOMEM;
        }
        s->cases = c;
        s->cap = cap;
    }
    if (e->name && s->names.count == s->n) {
        wg_sym *h = wg_symtab_add(&s->names, e->name, strlen(e->name));
        if (!h) {
            wg_suite_entry_free(e);
            return WG_ENOMEM;
        }
        h->id = (uint32_t)s->n;
    }
    wg_suite_entry_publish(e);
    s->cases[s->n++] = e;
    return WG_OK;
}

void wg_suite_set_flags(wg_suite *s, unsigned flags)
{
    if (s)
        s->flags = flags;
}

size_t wg_suite_size(const wg_suite *s)
{
    return s ? s->n : 0;
}

const wg_suite_case *wg_suite_case_at(const wg_suite *s, size_t i)
{
    return s && i < s->n ? &s->cases[i]->pub : NULL;
}

const wg_suite_entry *wg_suite_find_n(const wg_suite *s, const char *name, size_t len)
{
    if (!s || !name)
        return NULL;
    if (s->names.count == s->n) {
        const wg_sym *e = wg_symtab_find(&s->names, name, len);
        return e ? s->cases[e->id] : NULL;
    }
    /* the hash could not be kept (out of memory once): a scan */
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->cases[i]->name) == len && memcmp(s->cases[i]->name, name, len) == 0)
            return s->cases[i];
    return NULL;
}

const wg_suite_case *wg_suite_find(const wg_suite *s, const char *name)
{
    const wg_suite_entry *e = name ? wg_suite_find_n(s, name, strlen(name)) : NULL;
    return e ? &e->pub : NULL;
}

/* ---------------------------------------------------------------- cases from programs */

static int name_free(const wg_suite *s, const char *name)
{
    return s && name && *name && !wg_suite_find(s, name);
}

int wg_suite_add_fn(wg_suite *s, const wg_suite_fn *f)
{
    if (!f)
        return WG_EINVAL;
    int ok = name_free(s, f->name) && f->record && f->n > 0 && f->m > 0 && f->point;
    for (size_t j = 0; ok && j < f->n; j++) {
        ok = isfinite(f->point[j]);
        if (ok && f->names) {
            ok = f->names[j] && wg_graph_name_ok(f->names[j])
                 && !wg_graph_name_is_canonical(f->names[j]);
            for (size_t i = 0; ok && i < j; i++)
                ok = strcmp(f->names[i], f->names[j]) != 0;
        }
    }
    wg_suite_entry *e = ok ? wg_suite_entry_new() : NULL;
    if (!e) {
        if (f->free_ctx)
            f->free_ctx(f->ctx);
        return ok ? WG_ENOMEM : WG_EINVAL;
    }
    e->free_ctx = f->free_ctx;  /* from here on, freeing e frees ctx */
    e->ctx = f->ctx;
    e->record = f->record;
    e->pub.kind = WG_SUITE_FN;
    e->pub.noutputs = f->m;
    e->pub.expect = f->expect;
    e->name = wg_suite_strdup(f->name);
    e->inputs = calloc(f->n, sizeof *e->inputs);
    e->points = malloc(f->n * sizeof *e->points);
    if (!e->name || !e->inputs || !e->points) {
        wg_suite_entry_free(e);
        return WG_ENOMEM;
    }
    e->pub.ninputs = f->n;
    e->pub.npoints = 1;
    memcpy(e->points, f->point, f->n * sizeof *e->points);
    for (size_t j = 0; j < f->n; j++) {
        char buf[32];
        if (!f->names)
            snprintf(buf, sizeof buf, "x%zu", j + 1);
        if (!(e->inputs[j] = wg_suite_strdup(f->names ? f->names[j] : buf))) {
            wg_suite_entry_free(e);
            return WG_ENOMEM;
        }
    }
    return wg_suite_push(s, e);
}

int wg_suite_add_unavailable(wg_suite *s, const char *name, wg_verdict expect, const char *why)
{
    if (!name_free(s, name) || !why || !*why)
        return WG_EINVAL;
    wg_suite_entry *e = wg_suite_entry_new();
    if (!e)
        return WG_ENOMEM;
    e->pub.kind = WG_SUITE_FN;
    e->pub.expect = expect;
    e->name = wg_suite_strdup(name);
    e->error = wg_suite_strdup(why);
    if (!e->name || !e->error) {
        wg_suite_entry_free(e);
        return WG_ENOMEM;
    }
    return wg_suite_push(s, e);
}

/* ---------------------------------------------------------------- options */

void wg_suite_case_options(const wg_suite_case *c, const wg_check_options *base,
                           wg_check_options *out)
{
    if (base)
        *out = *base;
    else
        wg_check_options_init(out);
    if (!c)
        return;
    const wg_check_options *o = &c->options;
    if (c->set & WG_SUITE_SET_SEED)
        out->seed = o->seed;
    if (c->set & WG_SUITE_SET_DIRECTIONS)
        out->directions = o->directions;
    if (c->set & WG_SUITE_SET_PRECISION)
        out->precision = o->precision;
    if (c->set & WG_SUITE_SET_SAFETY)
        out->safety = o->safety;
    if (c->set & WG_SUITE_SET_FULL_JACOBIAN)
        out->full_jacobian = o->full_jacobian;
    if (c->set & WG_SUITE_SET_ORDER)
        out->order = o->order;
}

/* ---------------------------------------------------------------- recording a case */

static void set_error(wg_parse_error *err, int status, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_error(wg_parse_error *err, int status, const char *file, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    memset(err, 0, sizeof *err);
    err->status = status;
    snprintf(err->file, sizeof err->file, "%s", file);
    snprintf(err->message, sizeof err->message, "%s: error: %s", file, what);
}

/* .wg text, then the point through wg_eval (which checks domains and
 * recorded branches there) when it differs from the text's values */
static wg_graph *graph_from_text(const wg_suite_entry *e, const double *row,
                                 wg_parse_error *err)
{
    wg_graph *g = wg_graph_read_string(e->text, e->text_name, err);
    if (!g)
        return NULL;
    size_t n = e->pub.ninputs;
    if (wg_graph_ninputs(g) != n) {     /* the text is the one read: cannot happen */
        set_error(err, WG_EINVAL, e->text_name, "the graph has %zu inputs, the case %zu",
                  wg_graph_ninputs(g), n);
        wg_graph_free(g);
        return NULL;
    }
    wg_tape *t = wg_graph_tape(g);
    int same = 1;
    for (size_t j = 0; j < n && same; j++)
        same = wg_value(t, wg_graph_input(g, j)) == row[j];
    if (same)
        return g;
    wg_var *x = malloc(n * sizeof *x);
    if (!x) {
        set_error(err, WG_ENOMEM, e->text_name, "out of memory");
        wg_graph_free(g);
        return NULL;
    }
    for (size_t j = 0; j < n; j++)
        x[j] = wg_graph_input(g, j);
    int s = wg_eval(t, n, x, row);
    free(x);
    if (s != WG_OK) {
        set_error(err, s, e->text_name, "%s", wg_errmsg(t)[0] ? wg_errmsg(t) : wg_strerror(s));
        wg_graph_free(g);
        return NULL;
    }
    return g;
}

static wg_graph *graph_from_fn(const wg_suite_entry *e, const double *row, wg_parse_error *err)
{
    size_t n = e->pub.ninputs, m = e->pub.noutputs;
    wg_graph *g = wg_graph_new();
    wg_var *x = malloc(n * sizeof *x), *y = calloc(m, sizeof *y);
    if (!g || !x || !y) {
        set_error(err, WG_ENOMEM, e->name, "out of memory");
        goto fail;
    }
    wg_tape *t = wg_graph_tape(g);
    for (size_t j = 0; j < n; j++)
        x[j] = wg_graph_add_input(g, e->inputs[j], row[j]);
    int s = wg_status(t);
    if (s == WG_OK) {
        s = e->record(t, x, n, y, m, e->ctx);
        /* the tape's own status is the more precise one (EDOM at a node) */
        if (wg_status(t) != WG_OK)
            s = wg_status(t);
    }
    for (size_t k = 0; k < m && s == WG_OK; k++) {
        char name[32];
        snprintf(name, sizeof name, m == 1 ? "y" : "y%zu", k + 1);
        s = wg_graph_add_output(g, name, y[k]);
    }
    if (s != WG_OK) {
        set_error(err, s, e->name, "%s", wg_errmsg(t)[0] ? wg_errmsg(t) : wg_strerror(s));
        goto fail;
    }
    free(x);
    free(y);
    return g;
fail:
    free(x);
    free(y);
    wg_graph_free(g);
    return NULL;
}

wg_graph *wg_suite_case_graph(const wg_suite_case *c, size_t k, wg_parse_error *err)
{
    wg_parse_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    if (!c) {
        set_error(err, WG_EINVAL, "<suite>", "no case");
        return NULL;
    }
    const wg_suite_entry *e = (const wg_suite_entry *)c;
    if (e->error) {
        set_error(err, WG_EINVAL, e->name, "%s", e->error);
        return NULL;
    }
    if (k >= c->npoints) {
        set_error(err, WG_EINVAL, e->name, "point %zu asked for, the case has %zu", k + 1,
                  c->npoints);
        return NULL;
    }
    const double *row = e->points + k * c->ninputs;
    switch (c->kind) {
    case WG_SUITE_EXPR:
        return wg_graph_parse_expr(e->source, c->ninputs, c->inputs, row, err);
    case WG_SUITE_GRAPH:
        return graph_from_text(e, row, err);
    case WG_SUITE_FN:
        return graph_from_fn(e, row, err);
    }
    set_error(err, WG_EINVAL, e->name, "unknown kind of case");
    return NULL;
}
