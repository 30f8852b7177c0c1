/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_load.c -- result stores, read-only: what the report keeps of
 * them goes to its temporary database (layout in report_load.h), and
 * their checks are streamed to the passes of report_data.c.
 *
 * Each store is ATTACHed read-only (a URI with mode=ro: nothing is
 * written to it, not even the version upgrade that opening it with the
 * store's own API would do), checked for the tables and columns a report
 * reads, and DETACHed, one store at a time, so any number of stores can
 * be given (SQLite attaches at most ten at once).  Campaigns, graphs,
 * failing checks and labels are copied; graphs and their op rows are read
 * in id order by one merge of two streams, which also makes each graph's
 * op mask.  The checks, the bulk of a store, are not copied: each pass
 * attaches the store again and reads them joined with the graphs kept. */
#define _XOPEN_SOURCE 700

#include "report_load.h"
#include "report_doc.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


int wg_rep_error(char *why, size_t len, int status, const char *fmt, ...)
{
    if (why && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
    }
    return status;
}

int wg_rep_exec(sqlite3 *db, const char *sql, char *why, size_t len, const char *what)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return WG_OK;
    int st = (rc & 0xff) == SQLITE_NOMEM ? WG_ENOMEM : WG_EIO;
    wg_rep_error(why, len, st, "%s: %s", what, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return st;
}

char *wg_rep_strdup_col(sqlite3_stmt *st, int k)
{
    const unsigned char *t = sqlite3_column_text(st, k);
    return t ? strdup((const char *)t) : NULL;
}

double wg_rep_double_col(sqlite3_stmt *st, int k)
{
    return sqlite3_column_type(st, k) == SQLITE_NULL ? NAN : sqlite3_column_double(st, k);
}

int wg_rep_verdict_code(const char *name)
{
    for (int v = 0; name && v < WG_VERDICT_COUNT; v++)
        if (strcmp(name, wg_verdict_name((wg_verdict)v)) == 0)
            return v;
    return WG_REP_OTHER;
}

/* ------------------------------------------------------------------ the database */

static const char schema_sql[] =
    "CREATE TABLE opid (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE ident (id INTEGER PRIMARY KEY, seed INTEGER, shard_k INTEGER,"
    " shard_n INTEGER, options TEXT, UNIQUE (seed, shard_k, shard_n, options));"
    "CREATE TABLE g (id INTEGER PRIMARY KEY, ident INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " seed INTEGER, nodes INTEGER, verdict TEXT, label TEXT, m0 INTEGER, m1 INTEGER,"
    " cls INTEGER NOT NULL DEFAULT 0, UNIQUE (ident, idx));"
    "CREATE TABLE fails (id INTEGER PRIMARY KEY, gid INTEGER, ident INTEGER, idx INTEGER,"
    " seed INTEGER, label TEXT, direction INTEGER, fail_mode TEXT, blame_op TEXT, bop INTEGER,"
    " blame_node INTEGER, reference, bound, rev_abs, rev_rel, rev_ulps, fwd_abs, fwd_rel,"
    " fwd_ulps, message TEXT, repro_path TEXT, repro_nodes INTEGER);"
    "CREATE TABLE lab (id INTEGER PRIMARY KEY, ident INTEGER, label TEXT, verdict TEXT,"
    " checks INTEGER, rev REAL, fwd REAL, qrev REAL, qfwd REAL, error TEXT,"
    " illc INTEGER NOT NULL DEFAULT 0, addig REAL);"
    "CREATE TABLE illc (id INTEGER PRIMARY KEY, ident INTEGER, idx INTEGER, label TEXT,"
    " checks INTEGER, addig REAL, cond REAL);"
    "CREATE TABLE cand (metric INTEGER, key INTEGER, code INTEGER, nodes INTEGER,"
    " bop INTEGER, m0 INTEGER, m1 INTEGER, cls INTEGER);";

static int open_db(wg_report_data *d, char *why, size_t len)
{
    /* "": a private temporary database, in memory until it outgrows the
     * cache, then in a file that is deleted on close */
    int rc = sqlite3_open_v2("", &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return wg_rep_error(why, len, WG_ENOMEM, "cannot open a temporary database: %s",
                           sqlite3_errstr(rc));
    int st;
    /* nothing here needs to survive a crash: no journal, no syncs; a cache
     * of 256 MiB holds the tables of a million checks */
    if ((st = wg_rep_exec(d->db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                          " PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;",
                          why, len, "setting up the temporary database")) != WG_OK ||
        (st = wg_rep_exec(d->db, schema_sql, why, len, "creating the temporary tables")))
        return st;
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(d->db, "INSERT INTO opid (id, name) VALUES (?1, ?2)", -1, &ins,
                           NULL) != SQLITE_OK)
        return wg_rep_error(why, len, WG_EIO, "opid: %s", sqlite3_errmsg(d->db));
    for (int op = 0; op < WG_OP_COUNT; op++) {
        sqlite3_bind_int(ins, 1, op);
        sqlite3_bind_text(ins, 2, wg_op_name((wg_op)op), -1, SQLITE_STATIC);
        sqlite3_step(ins);
        sqlite3_reset(ins);
        snprintf(d->ops[op].name, sizeof d->ops[op].name, "%s", wg_op_name((wg_op)op));
        d->ops[op].known = 1;
    }
    sqlite3_finalize(ins);
    d->nops = WG_OP_COUNT;
    return WG_OK;
}

/* ------------------------------------------------------------------ op names */

/* name -> op id: open addressing over the names seen, so that the
 * millions of graph_op rows of a large store cost a hash each */
#define OPMAP_SLOTS 512

typedef struct loader {
    wg_report_data *d;
    short slot[OPMAP_SLOTS];     /* op id + 1, 0 empty */
    sqlite3_stmt *ins_opid;
    /* the store being read */
    size_t si;
    const char *path;
    int64_t *camp_src;           /* its campaign ids, increasing */
    size_t *camp_ident;          /* and their campaigns (index into d->campaigns) */
    size_t ncamp;
} loader;

static unsigned hash_name(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* the id of op name, adding a name this build does not know; -1 when the
 * report's limit of ops is reached */
static int op_id(loader *L, const char *name)
{
    wg_report_data *d = L->d;
    unsigned h = hash_name(name) % OPMAP_SLOTS;
    for (;;) {
        int k = L->slot[h];
        if (!k)
            break;
        if (strcmp(d->ops[k - 1].name, name) == 0)
            return k - 1;
        h = (h + 1) % OPMAP_SLOTS;
    }
    wg_op op;
    int id;
    if (wg_op_from_name(name, &op)) {
        id = (int)op;
    } else {
        if (d->nops >= WG_REP_MAX_OPS || strlen(name) >= sizeof d->ops[0].name)
            return -1;
        id = (int)d->nops++;
        snprintf(d->ops[id].name, sizeof d->ops[id].name, "%s", name);
        d->ops[id].known = 0;
        sqlite3_bind_int(L->ins_opid, 1, id);
        sqlite3_bind_text(L->ins_opid, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_step(L->ins_opid);
        sqlite3_reset(L->ins_opid);
    }
    L->slot[h] = (short)(id + 1);
    return id;
}

/* ------------------------------------------------------------------ checking a store */

/* The file must exist and be an SQLite database: said plainly here, since
 * SQLite's "unable to open database file" names neither. */
static int resolve(const char *path, char **out, char *why, size_t len)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return wg_rep_error(why, len, WG_EIO, "%s: cannot read: %s", path, strerror(errno));
    char *file = NULL;
    if (S_ISDIR(st.st_mode)) {
        size_t n = strlen(path) + 32;
        if (!(file = malloc(n)))
            return wg_rep_error(why, len, WG_ENOMEM, "%s: out of memory", path);
        snprintf(file, n, "%s/results.sqlite", path);
        if (stat(file, &st) != 0) {
            free(file);
            return wg_rep_error(why, len, WG_EIO, "%s: a directory without results.sqlite "
                               "(give a store file, or the --out folder of wengert-fuzz)", path);
        }
    } else if (!(file = strdup(path))) {
        return wg_rep_error(why, len, WG_ENOMEM, "%s: out of memory", path);
    }
    int status = WG_OK;
    FILE *f = NULL;
    char head[16];
    if (!S_ISREG(st.st_mode))
        status = wg_rep_error(why, len, WG_EIO, "%s: not a regular file", file);
    else if (!(f = fopen(file, "rb")))
        status = wg_rep_error(why, len, WG_EIO, "%s: cannot read: %s", file, strerror(errno));
    else if (st.st_size == 0)
        status = wg_rep_error(why, len, WG_EINVAL, "%s: an empty file, not a result store", file);
    else if (fread(head, 1, sizeof head, f) != sizeof head ||
             memcmp(head, "SQLite format 3", 16) != 0)
        status = wg_rep_error(why, len, WG_EINVAL, "%s: not an SQLite database (not a result "
                             "store of wengert-fuzz or wengert-verify --store)", file);
    if (f)
        fclose(f);
    if (status != WG_OK) {
        free(file);
        return status;
    }
    *out = file;
    return WG_OK;
}

/* "file:<absolute path, percent-encoded>?mode=ro[&immutable=1]" */
static char *uri_of(const char *file, int immutable)
{
    char *abs = realpath(file, NULL);
    if (!abs)
        return NULL;
    size_t n = 3 * strlen(abs) + 40;
    char *u = malloc(n);
    if (!u) {
        free(abs);
        return NULL;
    }
    size_t k = (size_t)snprintf(u, n, "file:");
    for (const unsigned char *p = (const unsigned char *)abs; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            u[k++] = (char)*p;
        else
            k += (size_t)snprintf(u + k, n - k, "%%%02X", *p);
    }
    snprintf(u + k, n - k, "?mode=ro%s", immutable ? "&immutable=1" : "");
    free(abs);
    return u;
}

static int attach(sqlite3 *db, const char *file, char *why, size_t len)
{
    /* A store in WAL mode is read with its -shm file; where that cannot
     * be made (a read-only folder), the file is read as immutable. */
    for (int immutable = 0; immutable < 2; immutable++) {
        char *uri = uri_of(file, immutable);
        if (!uri)
            return wg_rep_error(why, len, WG_EIO, "%s: cannot resolve the path: %s", file,
                               strerror(errno));
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS s", -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
            rc = sqlite3_step(st);
            sqlite3_finalize(st);
        }
        free(uri);
        if (rc != SQLITE_DONE) {
            if (immutable)
                return wg_rep_error(why, len, WG_EIO, "%s: cannot open: %s", file,
                                   sqlite3_errmsg(db));
            continue;
        }
        rc = sqlite3_exec(db, "SELECT count(*) FROM s.sqlite_master", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return WG_OK;
        char msg[256];
        snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
        sqlite3_exec(db, "DETACH DATABASE s", NULL, NULL, NULL);
        if ((rc & 0xff) == SQLITE_NOTADB)
            return wg_rep_error(why, len, WG_EINVAL, "%s: not an SQLite database", file);
        if (immutable)
            return wg_rep_error(why, len, WG_EIO, "%s: cannot read: %s", file, msg);
    }
    return WG_EIO;
}

/* 1 when table (of schema s) has every column of cols (space-separated);
 * else 0 and the first one missing in *missing */
static int has_columns(sqlite3 *db, const char *table, const char *cols, char *missing,
                       size_t mlen)
{
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA s.table_info(%s)", table);
    sqlite3_stmt *st;
    char have[2048] = " ";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        if (name && strlen(have) + strlen(name) + 2 < sizeof have) {
            strcat(have, name);
            strcat(have, " ");
        }
    }
    sqlite3_finalize(st);
    const char *p = cols;
    while (*p) {
        size_t n = strcspn(p, " ");
        char word[64];
        snprintf(word, sizeof word, " %.*s ", (int)n, p);
        if (!strstr(have, word)) {
            if (missing)
                snprintf(missing, mlen, "%.*s", (int)n, p);
            return 0;
        }
        p += n;
        while (*p == ' ')
            p++;
    }
    return 1;
}

#define FIGS(m) m "_abs_err " m "_rel_err " m "_ulps " m "_computed "
static const struct { const char *table, *cols; } required[] = {
    { "schema_version", "version" },
    { "campaign", "id command seed shard_k shard_n options started wengert_version "
                  "mpfr_version gsl_version sqlite_version" },
    { "graph", "id campaign idx seed nodes directions verdict seconds error" },
    { "graph_op", "graph op count" },
    { "check_result", "graph direction verdict fail_mode reference reference_err "
                      "reference_converged bound blame_node blame_op message "
                      FIGS("reverse") FIGS("forward") FIGS("central") FIGS("gsl") },
    { "reproducer", "graph path nodes" },
};

static int check_layout(sqlite3 *db, const char *file, wg_rep_store *s, char *why, size_t len)
{
    char missing[64];
    if (!has_columns(db, "schema_version", "version", NULL, 0))
        return wg_rep_error(why, len, WG_EINVAL, "%s: an SQLite database, but not a result "
                           "store (it has no schema_version table)", file);
    for (size_t i = 1; i < sizeof required / sizeof required[0]; i++)
        if (!has_columns(db, required[i].table, required[i].cols, missing, sizeof missing))
            return wg_rep_error(why, len, WG_EINVAL, "%s: not a result store this program can "
                               "read: table %s lacks column %s", file, required[i].table,
                               missing);
    s->has_label = has_columns(db, "graph", "label", NULL, 0);
    s->has_classes = has_columns(db, "graph", "classes", NULL, 0)
                     && has_columns(db, "check_result", "hvp_rel_err hvp_ulps hvp_computed",
                                    NULL, 0);
    s->has_info = has_columns(db, "campaign_info", "campaign key value", NULL, 0);
    s->has_hessian = has_columns(db, "check_result", "hessian_rel_err hessian_ulps "
                                 "hessian_computed", NULL, 0);
    s->has_accuracy = has_columns(db, "check_result", "reverse_digits forward_digits condition "
                                  "ill_conditioned", NULL, 0);
    sqlite3_stmt *st;
    s->version = 0;
    if (sqlite3_prepare_v2(db, "SELECT max(version) FROM s.schema_version", -1, &st, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            s->version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    /* a later version may mean columns that read the same but mean
     * something else: refused, as wengert-fuzz refuses it */
    if (s->version < 1 || s->version > WG_REP_SCHEMA_MAX)
        return wg_rep_error(why, len, WG_EINVAL, "%s: a result store of schema version %d; "
                            "this program reads versions 1 to %d", file, s->version,
                            WG_REP_SCHEMA_MAX);
    return WG_OK;
}

/* ------------------------------------------------------------------ campaigns */

static int add_campaign(wg_report_data *d, size_t *index)
{
    wg_rep_campaign *c = realloc(d->campaigns, (d->ncampaigns + 1) * sizeof *c);
    if (!c)
        return WG_ENOMEM;
    d->campaigns = c;
    memset(&c[d->ncampaigns], 0, sizeof *c);
    *index = d->ncampaigns++;
    return WG_OK;
}

static int load_campaigns(loader *L, char *why, size_t len)
{
    wg_report_data *d = L->d;
    sqlite3 *db = d->db;
    sqlite3_stmt *sel = NULL, *ins = NULL, *find = NULL;
    int status = WG_OK;
    if (sqlite3_prepare_v2(db, "SELECT id, command, seed, shard_k, shard_n, options, started,"
                           " wengert_version, mpfr_version, gsl_version, sqlite_version"
                           " FROM s.campaign ORDER BY id", -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO ident (seed, shard_k, shard_n, options)"
                           " VALUES (?1, ?2, ?3, ?4)", -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT id FROM ident WHERE seed = ?1 AND shard_k = ?2 AND"
                           " shard_n = ?3 AND options IS ?4", -1, &find, NULL) != SQLITE_OK) {
        status = wg_rep_error(why, len, WG_EIO, "%s: reading the campaigns: %s", L->path,
                             sqlite3_errmsg(db));
        goto out;
    }
    int rc;
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        int64_t *cs = realloc(L->camp_src, (L->ncamp + 1) * sizeof *cs);
        if (cs)
            L->camp_src = cs;
        size_t *ci = realloc(L->camp_ident, (L->ncamp + 1) * sizeof *ci);
        if (ci)
            L->camp_ident = ci;
        if (!cs || !ci) {
            status = wg_rep_error(why, len, WG_ENOMEM, "out of memory");
            goto out;
        }
        for (int k = 1; k <= 4; k++) {
            sqlite3_bind_value(ins, k, sqlite3_column_value(sel, k == 4 ? 5 : k + 1));
            sqlite3_bind_value(find, k, sqlite3_column_value(sel, k == 4 ? 5 : k + 1));
        }
        sqlite3_step(ins);
        int fresh = sqlite3_changes(db) > 0;
        sqlite3_reset(ins);
        int64_t ident = 0;
        if (sqlite3_step(find) == SQLITE_ROW)
            ident = sqlite3_column_int64(find, 0);
        sqlite3_reset(find);
        size_t idx;
        if (fresh) {
            if ((status = add_campaign(d, &idx)) != WG_OK) {
                wg_rep_error(why, len, status, "out of memory");
                goto out;
            }
            wg_rep_campaign *c = &d->campaigns[idx];
            c->store = L->si;
            c->nstores = 1;
            /* a command from the store is data: made safe to paste once,
             * here, for every table, file and reproduce line that shows it */
            char *raw = wg_rep_strdup_col(sel, 1);
            c->command = wg_rep_safe_command(raw);
            free(raw);
            c->seed = (uint64_t)sqlite3_column_int64(sel, 2);
            c->shard_k = (unsigned)sqlite3_column_int64(sel, 3);
            c->shard_n = (unsigned)sqlite3_column_int64(sel, 4);
            c->options = wg_rep_strdup_col(sel, 5);
            c->started = wg_rep_strdup_col(sel, 6);
            c->wengert_version = wg_rep_strdup_col(sel, 7);
            c->mpfr_ver = wg_rep_strdup_col(sel, 8);
            c->gsl_version = wg_rep_strdup_col(sel, 9);
            c->sqlite_version = wg_rep_strdup_col(sel, 10);
        } else {
            idx = (size_t)(ident - 1);
            if (idx < d->ncampaigns)
                d->campaigns[idx].nstores++;
        }
        L->camp_src[L->ncamp] = sqlite3_column_int64(sel, 0);
        L->camp_ident[L->ncamp] = idx;
        L->ncamp++;
        d->stores[L->si].campaigns++;
    }
    if (rc != SQLITE_DONE)
        status = wg_rep_error(why, len, WG_EIO, "%s: reading the campaigns: %s", L->path,
                             sqlite3_errmsg(db));
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    sqlite3_finalize(find);
    return status;
}

/* the report's campaign of the store's campaign id; SIZE_MAX if none */
static size_t campaign_of(const loader *L, int64_t src)
{
    size_t lo = 0, hi = L->ncamp;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (L->camp_src[mid] < src)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < L->ncamp && L->camp_src[lo] == src ? L->camp_ident[lo] : SIZE_MAX;
}

static int load_info(loader *L, char *why, size_t len)
{
    static const char *const keys[] = { "tool", "compiler", "cpu", "host", "cores", "jobs",
                                        "finished", "elapsed_seconds", "runs", "suite" };
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(L->d->db, "SELECT campaign, key, value FROM s.campaign_info", -1,
                           &st, NULL) != SQLITE_OK)
        return wg_rep_error(why, len, WG_EIO, "%s: reading campaign_info: %s", L->path,
                           sqlite3_errmsg(L->d->db));
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t c = campaign_of(L, sqlite3_column_int64(st, 0));
        const char *key = (const char *)sqlite3_column_text(st, 1);
        if (c == SIZE_MAX || !key)
            continue;
        wg_rep_campaign *rc = &L->d->campaigns[c];
        char **field[] = { &rc->tool, &rc->compiler, &rc->cpu, &rc->host, &rc->cores,
                           &rc->jobs, &rc->finished, &rc->elapsed, &rc->runs, &rc->suite };
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (strcmp(key, keys[k]) == 0 && !*field[k])
                *field[k] = wg_rep_strdup_col(st, 2);   /* the first store given keeps its own */
    }
    sqlite3_finalize(st);
    return WG_OK;
}

/* ------------------------------------------------------------------ graphs */

/* the bits of a graph's classes text (words "tensor", "broadcast",
 * "0-size", "batched", "order-2"; other words are ignored) */
static unsigned classes_of(const char *s)
{
    static const struct { const char *word; unsigned bit; } w[] = {
        { "tensor", WG_REP_CLS_TENSOR }, { "broadcast", WG_REP_CLS_BROADCAST },
        { "0-size", WG_REP_CLS_ZERO }, { "batched", WG_REP_CLS_BATCHED },
        { "order-2", WG_REP_CLS_ORDER2 } };
    unsigned bits = 0;
    while (s && *s) {
        size_t n = strcspn(s, " ");
        for (size_t k = 0; k < sizeof w / sizeof w[0]; k++)
            if (n == strlen(w[k].word) && strncmp(s, w[k].word, n) == 0)
                bits |= w[k].bit;
        s += n;
        while (*s == ' ')
            s++;
    }
    return bits;
}

int wg_rep_in_class(unsigned cls, int k)
{
    switch (k) {
    case 0:  return !(cls & WG_REP_CLS_TENSOR);
    case 1:  return (cls & WG_REP_CLS_TENSOR) != 0;
    case 2:  return (cls & WG_REP_CLS_BROADCAST) != 0;
    case 3:  return (cls & WG_REP_CLS_ZERO) != 0;
    default: return (cls & WG_REP_CLS_BATCHED) != 0;
    }
}

static int load_graphs(loader *L, char *why, size_t len)
{
    wg_report_data *d = L->d;
    wg_rep_store *s = &d->stores[L->si];
    sqlite3 *db = d->db;
    sqlite3_stmt *gs = NULL, *os = NULL, *ins = NULL;
    int status = WG_OK;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT id, campaign, idx, seed, nodes, directions, verdict,"
             " seconds, %s, %s FROM s.graph ORDER BY id", s->has_label ? "label" : "NULL",
             s->has_classes ? "classes" : "NULL");
    if (sqlite3_prepare_v2(db, sql, -1, &gs, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT graph, op, count FROM s.graph_op ORDER BY graph", -1,
                           &os, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO g (id, ident, idx, seed, nodes, verdict,"
                           " label, m0, m1, cls) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                           " ?10)", -1, &ins, NULL) != SQLITE_OK) {
        status = wg_rep_error(why, len, WG_EIO, "%s: reading the graphs: %s", L->path,
                             sqlite3_errmsg(db));
        goto out;
    }
    int64_t base = (int64_t)L->si << WG_REP_STORE_SHIFT;
    int orc = sqlite3_step(os);        /* the op stream runs one row ahead */
    int grc;
    int ids[WG_REP_MAX_OPS];
    uint64_t counts[WG_REP_MAX_OPS];
    while ((grc = sqlite3_step(gs)) == SQLITE_ROW) {
        int64_t gid = sqlite3_column_int64(gs, 0);
        if (gid < 0 || gid >= ((int64_t)1 << WG_REP_STORE_SHIFT)) {
            status = wg_rep_error(why, len, WG_EINVAL, "%s: graph id %lld out of the range "
                                 "this program reads", L->path, (long long)gid);
            goto out;
        }
        /* its op rows (rows of graphs that do not exist are passed over) */
        int nids = 0;
        int64_t mask[2] = { 0, 0 };
        while (orc == SQLITE_ROW && sqlite3_column_int64(os, 0) < gid)
            orc = sqlite3_step(os);
        while (orc == SQLITE_ROW && sqlite3_column_int64(os, 0) == gid) {
            const char *name = (const char *)sqlite3_column_text(os, 1);
            int id = name ? op_id(L, name) : -1;
            if (id < 0) {
                status = wg_rep_error(why, len, WG_EINVAL, "%s: graph %lld: op '%s': more than "
                                     "%d distinct ops in the stores", L->path, (long long)gid,
                                     name ? name : "(null)", WG_REP_MAX_OPS);
                goto out;
            }
            ids[nids] = id;
            counts[nids++] = (uint64_t)sqlite3_column_int64(os, 2);
            mask[id / WG_REP_MASK_BITS] |= (int64_t)1 << (id % WG_REP_MASK_BITS);
            orc = sqlite3_step(os);
        }
        size_t c = campaign_of(L, sqlite3_column_int64(gs, 1));
        if (c == SIZE_MAX)
            continue;                  /* a graph of no campaign: not reportable */
        sqlite3_bind_int64(ins, 1, base + gid);
        sqlite3_bind_int64(ins, 2, (int64_t)c + 1);
        for (int k = 2; k <= 4; k++)
            sqlite3_bind_value(ins, k + 1, sqlite3_column_value(gs, k));
        sqlite3_bind_value(ins, 6, sqlite3_column_value(gs, 6));
        sqlite3_bind_value(ins, 7, sqlite3_column_value(gs, 8));
        sqlite3_bind_int64(ins, 8, mask[0]);
        sqlite3_bind_int64(ins, 9, mask[1]);
        unsigned cls = classes_of((const char *)sqlite3_column_text(gs, 9));
        sqlite3_bind_int(ins, 10, (int)cls);
        int rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (rc != SQLITE_DONE) {
            status = wg_rep_error(why, len, WG_EIO, "%s: copying the graphs: %s", L->path,
                                 sqlite3_errmsg(db));
            goto out;
        }
        if (sqlite3_changes(db) == 0) {
            s->graphs_duplicate++;     /* a store given before has this graph */
            d->graphs_duplicate++;
            continue;
        }
        wg_rep_campaign *rc_ = &d->campaigns[c];
        uint64_t dirs = (uint64_t)sqlite3_column_int64(gs, 5);
        const char *verdict = (const char *)sqlite3_column_text(gs, 6);
        s->graphs++;
        d->graphs++;
        rc_->graphs++;
        rc_->checks += dirs;
        s->directions += dirs;
        rc_->check_seconds += sqlite3_column_double(gs, 7);
        if (cls & WG_REP_CLS_ORDER2)
            d->o2_graphs++;
        else
            for (int k = 0; k < WG_REP_CLASSES; k++)
                d->classes[k].graphs += wg_rep_in_class(cls, k);
        if (verdict) {
            d->graph_verdicts[wg_rep_verdict_code(verdict)]++;
        } else {
            d->graphs_unchecked++;
            rc_->graphs_unchecked++;
        }
        for (int k = 0; k < nids; k++) {
            d->ops[ids[k]].graphs++;
            d->ops[ids[k]].nodes += counts[k];
        }
    }
    if (grc != SQLITE_DONE || (orc != SQLITE_DONE && orc != SQLITE_ROW))
        status = wg_rep_error(why, len, WG_EIO, "%s: reading the graphs: %s", L->path,
                             sqlite3_errmsg(db));
out:
    sqlite3_finalize(gs);
    sqlite3_finalize(os);
    sqlite3_finalize(ins);
    return status;
}

/* ------------------------------------------------------------------ checks */

/* judged: pass or fail with a converged reference (report_data.h) */
#define JUDGED "(c.verdict IN ('pass', 'fail') AND c.reference_converged <> 0)"
#define RATIO(m) "CASE WHEN " JUDGED " AND c." m "_computed AND c.bound > 0 THEN c." m \
    "_abs_err / (c.bound + coalesce(c.reference_err, 0)) END"

/* The checks of the graphs kept, with what the passes need of their
 * graph.  The figures come as stored; which of them count is decided in
 * C as the rows stream (report_data.c), where it is cheaper than a CASE
 * per column.  Only graphs in g are read: graphs a running campaign adds
 * later are in no pass, so every pass sees the same checks. */
#define CHECK_ROWS_SQL(hvp)                                                    \
    "SELECT CASE c.verdict WHEN 'pass' THEN 0 WHEN 'fail' THEN 1 WHEN 'nondiff' THEN 2"     \
    " WHEN 'invalid' THEN 3 WHEN 'unstable' THEN 4 ELSE 5 END, " JUDGED ", g.nodes,"       \
    " CASE WHEN c.verdict = 'fail' THEN coalesce((SELECT id FROM opid WHERE name = c.blame_op)," \
    " -1) ELSE -1 END, g.m0, g.m1,"                                                         \
    /* SQLite gives << and | one precedence: each shift in parentheses */                   \
    " (c.reverse_computed <> 0) | ((c.forward_computed <> 0) << 1)"                         \
    " | ((c.central_computed <> 0) << 2) | ((c.gsl_computed <> 0) << 3),"                   \
    " c.reverse_rel_err, c.reverse_ulps, c.forward_rel_err, c.forward_ulps, c.central_rel_err," \
    " c.central_ulps, c.gsl_rel_err, c.gsl_ulps, c.reverse_abs_err, c.forward_abs_err, c.bound," \
    " c.reference_err, c.reference = 0, g.cls, " hvp                                        \
    " FROM s.check_result c JOIN g ON g.id = ?1 + c.graph"
/* columns 20-22: the graph's classes, wg_hvp's rel and ulps (order 2,
 * version 3; NULL before); 23-24: wg_hessian's (version 4); 25: the
 * reference the weaker kind (version 4; 0 before) */
#define HVP_SQL "CASE WHEN c.hvp_computed THEN c.hvp_rel_err END," \
                " CASE WHEN c.hvp_computed THEN c.hvp_ulps END"
static const char check_rows_sql[] =
    CHECK_ROWS_SQL(HVP_SQL ", CASE WHEN c.hessian_computed THEN c.hessian_rel_err END,"
                   " CASE WHEN c.hessian_computed THEN c.hessian_ulps END, c.reference_weak");
static const char check_rows_sql_v3[] = CHECK_ROWS_SQL(HVP_SQL ", NULL, NULL, 0");
static const char check_rows_sql_v2[] = CHECK_ROWS_SQL("NULL, NULL, NULL, NULL, 0");

static const char copy_fails_sql[] =
    "INSERT INTO fails (gid, ident, idx, seed, label, direction, fail_mode, blame_op, bop,"
    " blame_node, reference, bound, rev_abs, rev_rel, rev_ulps, fwd_abs, fwd_rel, fwd_ulps,"
    " message, repro_path, repro_nodes)"
    " SELECT g.id, g.ident, g.idx, g.seed, g.label, c.direction, c.fail_mode,"
    " nullif(c.blame_op, 'none'),"       /* 'none' (version 4): no node blamed */
    " coalesce((SELECT id FROM opid WHERE name = c.blame_op), -1), c.blame_node, c.reference,"
    " c.bound, c.reverse_abs_err, c.reverse_rel_err, c.reverse_ulps, c.forward_abs_err,"
    " c.forward_rel_err, c.forward_ulps, c.message, r.path,"
    " CASE WHEN r.graph IS NOT NULL THEN r.nodes END"
    " FROM s.check_result c JOIN g ON g.id = ?1 + c.graph"
    " LEFT JOIN s.reproducer r ON r.graph = c.graph"
    " WHERE c.verdict = 'fail' ORDER BY g.id, c.direction";

#define LAB_MAX(expr) "(SELECT max(" expr ") FROM s.check_result c WHERE c.graph = sg.id)"
#define LAB_MIN(expr) "(SELECT min(" expr ") FROM s.check_result c WHERE c.graph = sg.id)"
/* AD's correct digits of a check: the fewer of reverse's and forward's */
#define AD_DIGITS "min(coalesce(c.reverse_digits, c.forward_digits)," \
    " coalesce(c.forward_digits, c.reverse_digits))"
#define COPY_LABELS_SQL(acc)                                                   \
    "INSERT INTO lab (ident, label, verdict, checks, rev, fwd, qrev, qfwd, error, illc, addig)" \
    " SELECT g.ident, sg.label, sg.verdict, sg.directions,"                    \
    " " LAB_MAX("CASE WHEN c.reverse_computed THEN c.reverse_rel_err END") "," \
    " " LAB_MAX("CASE WHEN c.forward_computed THEN c.forward_rel_err END") "," \
    " " LAB_MAX(RATIO("reverse")) ", " LAB_MAX(RATIO("forward")) ", sg.error, " acc \
    " FROM s.graph sg JOIN g ON g.id = ?1 + sg.id WHERE sg.label IS NOT NULL ORDER BY sg.id"
static const char copy_labels_sql[] =
    COPY_LABELS_SQL("coalesce(" LAB_MAX("c.ill_conditioned") ", 0),"
                    " " LAB_MIN("CASE WHEN c.ill_conditioned THEN " AD_DIGITS " END"));
static const char copy_labels_sql_v3[] = COPY_LABELS_SQL("0, NULL");

/* the graphs with ill-conditioned checks (version 4), one row each */
static const char copy_illc_sql[] =
    "INSERT INTO illc (ident, idx, label, checks, addig, cond)"
    " SELECT g.ident, g.idx, g.label, count(*), min(" AD_DIGITS "), max(c.condition)"
    " FROM s.check_result c JOIN g ON g.id = ?1 + c.graph WHERE c.ill_conditioned <> 0"
    " GROUP BY g.id ORDER BY g.id";

static int run_with_base(loader *L, const char *sql, const char *what, char *why, size_t len)
{
    sqlite3 *db = L->d->db;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return wg_rep_error(why, len, WG_EIO, "%s: %s: %s", L->path, what, sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, (int64_t)L->si << WG_REP_STORE_SHIFT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return wg_rep_error(why, len, (rc & 0xff) == SQLITE_NOMEM ? WG_ENOMEM : WG_EIO,
                           "%s: %s: %s", L->path, what, sqlite3_errmsg(db));
    return WG_OK;
}

/* blamed ops that no graph_op row names get an id before the copy */
static int load_blamed_names(loader *L, char *why, size_t len)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(L->d->db, "SELECT DISTINCT blame_op FROM s.check_result WHERE"
                           " verdict = 'fail' AND blame_op IS NOT NULL AND blame_op <> 'none'",
                           -1, &st, NULL) !=
        SQLITE_OK)
        return wg_rep_error(why, len, WG_EIO, "%s: reading blamed ops: %s", L->path,
                           sqlite3_errmsg(L->d->db));
    int status = WG_OK;
    while (sqlite3_step(st) == SQLITE_ROW)
        if (op_id(L, (const char *)sqlite3_column_text(st, 0)) < 0)
            status = wg_rep_error(why, len, WG_EINVAL, "%s: more than %d distinct ops in the "
                                 "stores", L->path, WG_REP_MAX_OPS);
    sqlite3_finalize(st);
    return status;
}

static int load_store(loader *L, const char *arg, char *why, size_t len)
{
    wg_report_data *d = L->d;
    wg_rep_store *s = &d->stores[L->si];
    char *file = NULL;
    int status = resolve(arg, &file, why, len);
    if (status != WG_OK)
        return status;
    s->path = file;
    L->path = file;
    if ((status = attach(d->db, file, why, len)) != WG_OK)
        return status;
    L->ncamp = 0;
    if ((status = check_layout(d->db, file, s, why, len)) == WG_OK &&
        (status = load_campaigns(L, why, len)) == WG_OK &&
        (!s->has_info || (status = load_info(L, why, len)) == WG_OK) &&
        (status = wg_rep_exec(d->db, "BEGIN", why, len, "BEGIN")) == WG_OK) {
        if ((status = load_graphs(L, why, len)) == WG_OK &&
            (status = load_blamed_names(L, why, len)) == WG_OK &&
            (status = run_with_base(L, copy_fails_sql, "copying the fails", why, len)) == WG_OK
            && (status = !s->has_accuracy ? WG_OK : run_with_base(L, copy_illc_sql,
                          "copying the ill-conditioned checks", why, len)) == WG_OK)
            status = s->has_label ? run_with_base(L, s->has_accuracy ? copy_labels_sql
                                                  : copy_labels_sql_v3, "copying the labels",
                                                  why, len) : WG_OK;
        d->any_accuracy |= s->has_accuracy;
        sqlite3_exec(d->db, status == WG_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_exec(d->db, "DETACH DATABASE s", NULL, NULL, NULL);
    return status;
}

int wg_rep_load_stores(wg_report_data *d, const char *const *paths, size_t n, char *why,
                       size_t len)
{
    if (n >= ((size_t)1 << (62 - WG_REP_STORE_SHIFT)))
        return wg_rep_error(why, len, WG_EINVAL, "too many stores (%zu)", n);
    d->ops = calloc(WG_REP_MAX_OPS, sizeof *d->ops);
    d->stores = calloc(n ? n : 1, sizeof *d->stores);
    if (!d->ops || !d->stores)
        return wg_rep_error(why, len, WG_ENOMEM, "out of memory");
    int status = open_db(d, why, len);
    if (status != WG_OK)
        return status;
    loader L;
    memset(&L, 0, sizeof L);
    L.d = d;
    if (sqlite3_prepare_v2(d->db, "INSERT INTO opid (id, name) VALUES (?1, ?2)", -1,
                           &L.ins_opid, NULL) != SQLITE_OK)
        return wg_rep_error(why, len, WG_EIO, "opid: %s", sqlite3_errmsg(d->db));
    for (size_t i = 0; i < n && status == WG_OK; i++) {
        L.si = i;
        d->nstores = i + 1;
        status = load_store(&L, paths[i], why, len);
    }
    sqlite3_finalize(L.ins_opid);
    free(L.camp_src);
    free(L.camp_ident);
    return status;
}

/* ------------------------------------------------------------------ odd rows */

static int add_warning(wg_report_data *d, char *text, char *why, size_t len)
{
    if (!text)
        return wg_rep_error(why, len, WG_ENOMEM, "out of memory");
    if (d->nwarnings < WG_REP_MAX_WARNINGS)
        d->warnings[d->nwarnings++] = text;
    else
        free(text);
    return WG_OK;
}

/* appends to a growing sentence; a failed growth leaves *buf NULL */
static void appendf(char **buf, size_t *n, const char *fmt, ...)
{
    if (!*buf)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *b = k < 0 ? NULL : realloc(*buf, *n + (size_t)k + 1);
    if (!b) {
        free(*buf);
        *buf = NULL;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b + *n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    *buf = b;
    *n += (size_t)k;
}

/* a name from a store for a sentence shown on a terminal and in a note:
 * at most 40 bytes; control characters, bytes that are not UTF-8 and the
 * note's marks (` [ ]) as '?' */
static void plain_name(const char *s, char *buf, size_t len)
{
    size_t k = 0;
    while (s && *s && k + 5 < len && k < 40) {
        size_t n = wg_utf8_len(s);
        unsigned char c = (unsigned char)*s;
        if (!n || c < 0x20 || c == 0x7f || c == '`' || c == '[' || c == ']') {
            buf[k++] = '?';
            s++;
        } else {
            memcpy(buf + k, s, n);
            k += n;
            s += n;
        }
    }
    buf[k] = '\0';
}

#define KNOWN_VERDICTS "('pass', 'fail', 'nondiff', 'invalid', 'unstable')"

/* the names of unknown verdicts among the graphs and checks kept */
static int unknown_verdicts(wg_report_data *d, char *why, size_t len)
{
    static const char *const sql[2] = {
        "SELECT g.verdict, count(*) FROM g WHERE g.id >> 40 = ?1 AND g.verdict NOT IN "
        KNOWN_VERDICTS " GROUP BY g.verdict ORDER BY count(*) DESC LIMIT 5",
        "SELECT c.verdict, count(*) FROM s.check_result c JOIN g ON g.id = (?1 << 40) + c.graph"
        " WHERE c.verdict IS NULL OR c.verdict NOT IN " KNOWN_VERDICTS
        " GROUP BY c.verdict ORDER BY count(*) DESC LIMIT 5" };
    static const char *const what[2] = { "graph", "check" };
    size_t n = 0;
    char *text = strdup("");
    appendf(&text, &n, "Verdicts this program does not know, counted as \"other\" and in no "
            "error figure (a newer program wrote them, or the store was edited):");
    int listed = 0, status = WG_OK;
    for (size_t i = 0; i < d->nstores && status == WG_OK; i++) {
        if ((status = attach(d->db, d->stores[i].path, why, len)) != WG_OK)
            break;
        for (int k = 0; k < 2 && status == WG_OK; k++) {
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(d->db, sql[k], -1, &st, NULL) != SQLITE_OK) {
                status = wg_rep_error(why, len, WG_EIO, "%s: reading the verdicts: %s",
                                      d->stores[i].path, sqlite3_errmsg(d->db));
                break;
            }
            sqlite3_bind_int64(st, 1, (int64_t)i);
            while (sqlite3_step(st) == SQLITE_ROW) {
                const char *v = (const char *)sqlite3_column_text(st, 0);
                long long c = sqlite3_column_int64(st, 1);
                char name[64];
                plain_name(v, name, sizeof name);
                appendf(&text, &n, "%s %s (%lld %s%s in %s)", listed++ ? "," : "",
                        v ? name : "none", c, what[k], c == 1 ? "" : "s", d->stores[i].path);
            }
            sqlite3_finalize(st);
        }
        sqlite3_exec(d->db, "DETACH DATABASE s", NULL, NULL, NULL);
    }
    appendf(&text, &n, ".");
    if (status != WG_OK) {
        free(text);
        return status;
    }
    return add_warning(d, text, why, len);
}

/* graphs of store i with fewer check rows than directions */
static int missing_rows(wg_report_data *d, size_t i, char *why, size_t len)
{
    const char *file = d->stores[i].path;
    int status = attach(d->db, file, why, len);
    if (status != WG_OK)
        return status;
    sqlite3_stmt *st;
    /* each graph's rows counted through the (graph, direction) index */
    if (sqlite3_prepare_v2(d->db,
            "SELECT sg.campaign, sg.idx, sg.directions, (SELECT count(*) FROM s.check_result c"
            " WHERE c.graph = sg.id) AS n FROM s.graph sg JOIN g ON g.id = (?1 << 40) + sg.id"
            " WHERE sg.directions > n ORDER BY sg.id", -1, &st, NULL) != SQLITE_OK) {
        status = wg_rep_error(why, len, WG_EIO, "%s: counting the check rows: %s", file,
                              sqlite3_errmsg(d->db));
    } else {
        sqlite3_bind_int64(st, 1, (int64_t)i);
        size_t n = 0;
        char *text = strdup(""), *first = strdup("");
        size_t nf = 0;
        long long graphs = 0, rows = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            long long dirs = sqlite3_column_int64(st, 2), have = sqlite3_column_int64(st, 3);
            rows += dirs - have;
            if (graphs++ < 3)
                appendf(&first, &nf, "%scampaign %lld graph %lld (%lld of %lld)",
                        graphs > 1 ? ", " : "", sqlite3_column_int64(st, 0),
                        sqlite3_column_int64(st, 1), have, dirs);
        }
        sqlite3_finalize(st);
        appendf(&text, &n, "%s: %lld graph%s with fewer check rows than directions, %lld "
                "row%s missing (the store was edited or damaged; the figures are of the rows "
                "present): %s%s.", file, graphs, graphs == 1 ? "" : "s", rows,
                rows == 1 ? "" : "s", first ? first : "", graphs > 3 ? ", ..." : "");
        free(first);
        status = graphs ? add_warning(d, text, why, len) : (free(text), WG_OK);
    }
    sqlite3_exec(d->db, "DETACH DATABASE s", NULL, NULL, NULL);
    return status;
}

int wg_rep_odd_rows(wg_report_data *d, char *why, size_t len)
{
    int status = WG_OK;
    if (d->check_verdicts[WG_REP_OTHER] || d->graph_verdicts[WG_REP_OTHER])
        status = unknown_verdicts(d, why, len);
    /* rows read against rows due: equal in a whole store, so the per-graph
     * count runs only when a store is short */
    for (size_t i = 0; i < d->nstores && status == WG_OK; i++)
        if (d->stores[i].checks < d->stores[i].directions)
            status = missing_rows(d, i, why, len);
    return status;
}

int wg_rep_each_check(wg_report_data *d, wg_rep_row_fn fn, void *ctx, char *why, size_t len)
{
    int status = WG_OK;
    for (size_t i = 0; i < d->nstores && status == WG_OK; i++) {
        const char *file = d->stores[i].path;
        if ((status = attach(d->db, file, why, len)) != WG_OK)
            break;
        sqlite3_stmt *st;
        /* one read transaction: the store's rows from one state of the file */
        sqlite3_exec(d->db, "BEGIN", NULL, NULL, NULL);
        const char *sql = d->stores[i].has_hessian ? check_rows_sql
                          : d->stores[i].has_classes ? check_rows_sql_v3 : check_rows_sql_v2;
        if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK) {
            status = wg_rep_error(why, len, WG_EIO, "%s: reading the checks: %s", file,
                                  sqlite3_errmsg(d->db));
        } else {
            sqlite3_bind_int64(st, 1, (int64_t)i << WG_REP_STORE_SHIFT);
            int rc;
            uint64_t n = 0;
            while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                n++;
                if ((status = fn(ctx, i, st)) != WG_OK)
                    break;
            }
            if (status == WG_OK && rc != SQLITE_DONE)
                status = wg_rep_error(why, len, WG_EIO, "%s: reading the checks: %s", file,
                                      sqlite3_errmsg(d->db));
            else if (status != WG_OK)
                wg_rep_error(why, len, status, "%s: out of memory", file);
            d->stores[i].checks = n;
            sqlite3_finalize(st);
        }
        sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL);
        sqlite3_exec(d->db, "DETACH DATABASE s", NULL, NULL, NULL);
    }
    return status;
}
