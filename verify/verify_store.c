/* SPDX-License-Identifier: GPL-3.0-or-later */
/* verify_store.c -- wengert-verify --store (verify_store.h): each check of
 * a case at a point becomes one graph row of a result store, written in
 * its own transaction (store.h), so a killed run keeps what it stored and
 * the next run adds the rest. */
#define _POSIX_C_SOURCE 200809L

#include "verify_store.h"

#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wg_verify_store {
    wg_store *s;
    int64_t campaign;
    uint64_t next;              /* index of the next row */
    uint64_t present, added;
};

static int fail(char *why, size_t len, const char *msg)
{
    snprintf(why, len, "%s", msg);
    return -1;
}

int wg_verify_store_open(const char *path, const char *command, uint64_t seed,
                         const char *options, wg_verify_store **out, char *why, size_t len)
{
    *out = NULL;
    wg_verify_store *vs = calloc(1, sizeof *vs);
    if (!vs) {
        snprintf(why, len, "%s: out of memory", path);
        return -1;
    }
    wg_store_error err;
    if (wg_store_open(path, &vs->s, &err) != WG_OK) {
        free(vs);
        return fail(why, len, err.message);
    }
    wg_store_campaign c = { command, seed, 0, 1, options };
    if (wg_store_campaign_open(vs->s, &c, &vs->campaign, NULL, &err) != WG_OK) {
        wg_verify_store_close(vs);
        return fail(why, len, err.message);
    }
    *out = vs;
    return 0;
}

int wg_verify_store_put(wg_verify_store *vs, const char *label, uint64_t seed, wg_graph *g,
                        const char *no_graph_text, size_t ninputs, size_t noutputs,
                        const wg_check_report *r, char *why, size_t len)
{
    uint64_t index = vs->next++;
    wg_store_error err;
    int has = 0;
    if (wg_store_has_graph(vs->s, vs->campaign, index, &has, &err) != WG_OK)
        return fail(why, len, err.message);
    if (has) {
        vs->present++;
        return 0;
    }
    wg_store_graph rec;
    memset(&rec, 0, sizeof rec);
    char *text = NULL;
    if (g && wg_store_graph_describe(g, &rec, &text, &err) != WG_OK) {
        if (err.status == WG_ENOMEM)
            return fail(why, len, err.message);
        /* a graph that cannot be written (its tape failed at the point):
         * its sizes, and the comment for its text */
        memset(&rec, 0, sizeof rec);
        text = NULL;
    }
    if (!text) {
        rec.ninputs = g ? wg_graph_ninputs(g) : ninputs;
        rec.noutputs = g ? wg_graph_noutputs(g) : noutputs;
        rec.text = no_graph_text ? no_graph_text : "# no .wg text\n";
    }
    rec.index = index;
    rec.seed = seed;
    rec.keep_text = 1;
    rec.label = label;
    rec.report = r;
    int st = wg_store_put_graph(vs->s, vs->campaign, &rec, &err);
    free(text);
    if (st != WG_OK)
        return fail(why, len, err.message);
    vs->added++;
    return 0;
}

uint64_t wg_verify_store_present(const wg_verify_store *vs)
{
    return vs ? vs->present : 0;
}

uint64_t wg_verify_store_added(const wg_verify_store *vs)
{
    return vs ? vs->added : 0;
}

int wg_verify_store_finish(wg_verify_store *vs, double elapsed, const wg_store_info *extra,
                           size_t n, char *why, size_t len)
{
    wg_store_error err;
    int st = wg_machine_record_run(vs->s, vs->campaign, "wengert-verify", elapsed, extra, n,
                                   &err);
    wg_verify_store_close(vs);
    return st == WG_OK ? 0 : fail(why, len, err.message);
}

void wg_verify_store_close(wg_verify_store *vs)
{
    if (!vs)
        return;
    wg_store_close(vs->s);
    free(vs);
}

char *wg_verify_store_comment(const char *what, const char *name, const char *text)
{
    size_t len = strlen(what) + strlen(name) + strlen(text) + 8;
    char *c = malloc(len);
    if (!c)
        return NULL;
    snprintf(c, len, "# %s %s: %s", what, name, text);
    for (char *p = c; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    strcat(c, "\n");
    return c;
}
