/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_store.c -- --store FILE: the command line kept as the record, the
 * options that make a campaign's identity, one row per case and point
 * (verify_store.h does the writing). */
#define _GNU_SOURCE /* open_memstream */

#include "cli.h"
#include "json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- --store */

/* an argument as a shell reads it back: as it is when every character is
 * safe, else in single quotes */
static void put_quoted(FILE *f, const char *a)
{
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789@%+=:,./_-";
    if (*a && strspn(a, safe) == strlen(a)) {
        fputs(a, f);
        return;
    }
    fputc('\'', f);
    for (const char *p = a; *p; p++)
        if (*p == '\'')
            fputs("'\\''", f);
        else
            fputc(*p, f);
    fputc('\'', f);
}

/* the command line, for the record (malloc'd; NULL when out of memory) */
static char *command_line(const options *o)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (int i = 0; i < o->argc; i++) {
        if (i)
            fputc(' ', f);
        put_quoted(f, o->argv[i]);
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The campaign's identity besides its seed: what decides which graphs are
 * checked and how (doubles as %a: exact).  Not --expect, --json, --verbose:
 * they change what is said, not what is checked. */
static char *store_options(const options *o)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    if (o->suite) {
        fprintf(f, "wengert-verify suite=%s", o->suite);
        if (o->data)
            fprintf(f, " data=%s", o->data);
    } else {
        fprintf(f, "wengert-verify check=%s at=%s", o->expr ? o->expr : o->file,
                o->at ? o->at : "");
    }
    fprintf(f, " directions=%u precision=%u safety=%a full=%d", o->copt.directions,
            o->copt.precision, o->copt.safety, o->copt.full_jacobian);
    if (o->copt.order == 2)     /* first-order campaigns keep their text */
        fprintf(f, " order=2");
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* --store FILE: the store and this command's campaign in *vs (NULL
 * without --store); an exit status on error */
int cli_store_open(const options *o, wg_verify_store **vs)
{
    *vs = NULL;
    if (!o->store)
        return 0;
    char *cmd = command_line(o), *opts = store_options(o);
    char why[800];
    int rc = 0;
    if (!cmd || !opts)
        rc = cli_out_of_memory();
    else if (wg_verify_store_open(o->store, cmd, o->copt.seed, opts, vs, why, sizeof why) != 0)
        rc = cli_fail("%s", why);
    free(cmd);
    free(opts);
    return rc;
}

/* Record the run (key = what: suite=NAME or check=NAME) and close; say
 * how many rows were there already when some were.  A store error is exit
 * status 2; otherwise rc stands. */
int cli_store_finish(const options *o, wg_verify_store *vs, double t0, const char *key,
                     const char *what, int rc)
{
    if (!vs)
        return rc;
    uint64_t present = wg_verify_store_present(vs), added = wg_verify_store_added(vs);
    const wg_store_info extra[] = { { key, what } };
    char why[800];
    if (wg_verify_store_finish(vs, cli_wall_seconds() - t0, extra, 1, why, sizeof why) != 0)
        return cli_fail("%s", why);
    if (present)
        fprintf(stderr, "%s: %llu results already stored, %llu added\n", o->store,
                (unsigned long long)present, (unsigned long long)added);
    return rc;
}

/* --check: one function, from -e/--at, a .wg file or --example */

/* ---------------------------------------------------------------- --suite --store */

/* "NAME" for a case of one point, "NAME @ point K" (from 1) for one of several */
static void point_label(const wg_suite_case *c, size_t k, char *buf, size_t len)
{
    if (c->npoints > 1)
        snprintf(buf, len, "%s @ point %zu", c->name, k + 1);
    else
        snprintf(buf, len, "%s", c->name);
}

/* Store the row of case c at point k; g (NULL: not recorded there, why
 * says why) and its report.  0, or an exit status (said). */
static int store_point(wg_verify_store *vs, const wg_suite_case *c, size_t k, uint64_t seed,
                       wg_graph *g, const char *why_none, const wg_check_report *r)
{
    char label[600], why[800];
    point_label(c, k, label, sizeof label);
    char *note = wg_verify_store_comment("case", label,
                                         c->kind == WG_SUITE_FN ? "a C function (no .wg text)"
                                         : why_none && *why_none ? why_none : "no .wg text");
    if (!note)
        return cli_out_of_memory();
    int rc = wg_verify_store_put(vs, label, seed, g, note, c->ninputs, c->noutputs, r, why,
                                 sizeof why) != 0 ? cli_fail("%s", why) : 0;
    free(note);
    return rc;
}

/* what the points of a case stored as they are checked need */
typedef struct point_store {
    wg_verify_store *vs;
    size_t stored;           /* points stored so far */
    int rc;                  /* an exit status when the store failed (said) */
} point_store;

static int store_point_fn(void *ctx, const wg_suite_case *c, size_t k, uint64_t seed,
                          wg_graph *g, const char *why_none, const wg_check_report *part)
{
    point_store *ps = ctx;
    ps->rc = store_point(ps->vs, c, k, seed, g, why_none, part);
    ps->stored = k + 1;
    return ps->rc;
}

/* wg_suite_case_check, with every point's report stored as a row of its
 * own as it is made.  A case that cannot run still has its rows: the
 * points checked before with their results, the others with why.
 * *store_rc: an exit status when the store failed (said). */
int cli_check_case_stored(const wg_suite_case *c, const wg_check_options *base,
                          wg_verify_store *vs, wg_check_report *r, char *why, size_t len,
                          int *store_rc)
{
    point_store ps = { vs, 0, 0 };
    int status = wg_suite_case_check_points(c, base, r, why, len, store_point_fn, &ps);
    *store_rc = ps.rc;
    if (ps.rc || status == WG_OK || status == WG_ENOMEM)
        return ps.rc ? WG_EIO : status;
    /* the rows of the points not checked (one for a case with none) */
    wg_check_options co;
    wg_suite_case_options(c, base, &co);
    wg_check_report none;
    memset(&none, 0, sizeof none);
    size_t wl = strlen(why);
    if (wl >= sizeof none.error)
        wl = sizeof none.error - 1;       /* cut at the end of the field when long */
    memcpy(none.error, why, wl);
    none.error[wl] = '\0';
    size_t rows = !c->error && c->npoints ? c->npoints : 1;
    for (size_t k = ps.stored; k < rows && !*store_rc; k++)
        *store_rc = store_point(vs, c, k, co.seed, NULL, why, &none);
    return *store_rc ? WG_EIO : status;
}

/* --suite FILE|builtin|- */
