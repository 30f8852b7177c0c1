/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store.c -- the result store in SQLite (see store.h): written by
 * wengert-fuzz and wengert-verify --store, read by wengert-report.
 *
 * Why it survives a kill.  Every graph is one transaction (BEGIN
 * IMMEDIATE ... COMMIT): its graph row, op counts, check rows and
 * reproducer.  SQLite's commit is atomic: a transaction that did not reach
 * its commit record is rolled back when the file is next opened, whatever
 * the moment the process died (https://www.sqlite.org/atomiccommit.html,
 * https://www.sqlite.org/wal.html).  So the store holds whole graphs only;
 * the graph row records how many checks it has, and the tests count them. */
#define _POSIX_C_SOURCE 200809L

#include "store.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_version.h>
#include <mpfr.h>
#include <sqlite3.h>

/* "WGFS" in the database header: marks the file as ours for file(1) and
 * tools (https://www.sqlite.org/pragma.html#pragma_application_id) */
#define WG_STORE_APPLICATION_ID 0x57474653

/* A writer waits this long for another process's write transaction (a
 * large merge holds the lock for seconds) before giving up with an error. */
#define WG_STORE_BUSY_MS 60000

_Static_assert(WG_METHOD_COUNT == 4, "a new method needs its columns in check_result "
               "and a new WG_STORE_SCHEMA_VERSION");
/* A new version needs an upgrade step as upgrade_1_to_2_sql (a store of
 * the version before opens upgraded), the merge of a source of each older
 * layout (merge_steps), and a copy of the old layout in tests/test_store.c. */
_Static_assert(WG_STORE_SCHEMA_VERSION == 4, "a new WG_STORE_SCHEMA_VERSION needs an "
               "upgrade step, the merge of the older layouts and a test of both");

struct wg_store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *begin, *commit, *rollback;
    sqlite3_stmt *ins_graph, *ins_op, *ins_check, *ins_repro, *has_graph;
};

/* ------------------------------------------------------------------ schema
 *
 * Doubles live in columns without a declared type: with REAL affinity
 * SQLite writes an integral value as an integer on disk and -0.0 would come
 * back as +0.0 (https://www.sqlite.org/datatype3.html, "REAL affinity").
 * Verdicts and ops are stored by name, not by enum value, so a store stays
 * readable after the op table grows.  Sizes and indices are INTEGER. */

#define FIG_DEFS(m)                                                            \
    "    " m "_value, " m "_abs_err, " m "_rel_err, " m "_ulps, " m "_err_est,\n" \
    "    " m "_computed INTEGER NOT NULL,\n"
#define FIG_COLS(m)                                                            \
    m "_value, " m "_abs_err, " m "_rel_err, " m "_ulps, " m "_err_est, " m "_computed"

/* Second order (version 3): wg_hvp's figure of a check of order 2, NULL and
 * hvp_computed 0 at first order.  Last in check_result, where the upgrade
 * of a version-2 store (ALTER TABLE ... ADD COLUMN, which needs a default
 * for NOT NULL) puts it. */
#define HVP_DEFS                                                               \
    "    hvp_value, hvp_abs_err, hvp_rel_err, hvp_ulps, hvp_err_est,\n"       \
    "    hvp_computed INTEGER NOT NULL DEFAULT 0,\n"

/* Accuracy and the blamed node's text (version 4), after the hvp columns:
 * AD's correct digits by reverse and forward mode, the condition (the
 * bound relative to the reference), the ill-conditioned flag of a pass
 * (doc/VERIFY.md, "Accuracy"; 0 in rows from before it) and blame_text,
 * the blamed node as a .wg line.  blame_op is 'none' on a fail that
 * blames no node, NULL on other verdicts.  Then wg_hessian's figure of a
 * check of order 2 (NULL and hessian_computed 0 where it was not run), the
 * method it took, and reference_weak: 1 where a custom op without an MPFR
 * value made the reference the weaker kind (doc/VERIFY.md). */
#define ACC_DEFS                                                               \
    "    reverse_digits, forward_digits, condition,\n"                        \
    "    ill_conditioned INTEGER NOT NULL DEFAULT 0,\n"                       \
    "    blame_text TEXT,\n"                                                   \
    "    hessian_value, hessian_abs_err, hessian_rel_err, hessian_ulps,\n"     \
    "    hessian_err_est, hessian_computed INTEGER NOT NULL DEFAULT 0,\n"      \
    "    hessian_method TEXT,\n"                                               \
    "    reference_weak INTEGER NOT NULL DEFAULT 0,\n"

/* Facts of a campaign that do not decide its graphs, as text keyed by
 * name (version 2): what ran it and on what machine, when it last
 * finished, how long all its runs took.  Free-form, so a new fact needs no
 * new version; fuzz/README.md lists the keys the programs write. */
#define CAMPAIGN_INFO_SQL                                                      \
    "CREATE TABLE campaign_info (\n"                                           \
    "    campaign INTEGER NOT NULL REFERENCES campaign (id),\n"                \
    "    key TEXT NOT NULL,\n"                                                 \
    "    value TEXT NOT NULL,\n"                                               \
    "    PRIMARY KEY (campaign, key)\n"                                        \
    ") WITHOUT ROWID;\n"

static const char schema_sql[] =
    "CREATE TABLE schema_version (\n"
    "    version INTEGER NOT NULL,\n"
    "    created TEXT NOT NULL\n"
    ");\n"
    /* a campaign is known by what decides its graphs: a run with the same
     * seed, shard and options is the same campaign, resumed */
    "CREATE TABLE campaign (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    command TEXT NOT NULL,\n"
    "    seed INTEGER NOT NULL,\n"
    "    shard_k INTEGER NOT NULL,\n"
    "    shard_n INTEGER NOT NULL,\n"
    "    options TEXT NOT NULL,\n"
    "    started TEXT NOT NULL,\n"
    "    wengert_version TEXT NOT NULL,\n"
    "    mpfr_version TEXT NOT NULL,\n"
    "    gsl_version TEXT NOT NULL,\n"
    "    sqlite_version TEXT NOT NULL,\n"
    "    CHECK (shard_n >= 1 AND shard_k >= 0 AND shard_k < shard_n),\n"
    "    UNIQUE (seed, shard_k, shard_n, options)\n"
    ");\n"
    /* directions: the number of check_result rows written with the graph,
     * so that a complete graph can be told from a partial one in SQL.
     * label (version 2): a name for people, e.g. a suite case and its
     * point; NULL for generated graphs.  It is the last column, where the
     * upgrade of a version-1 store (ALTER TABLE ... ADD COLUMN) puts it,
     * so both kinds of store have one layout. */
    "CREATE TABLE graph (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    campaign INTEGER NOT NULL REFERENCES campaign (id),\n"
    "    idx INTEGER NOT NULL CHECK (idx >= 0),\n"
    "    hash TEXT NOT NULL,\n"
    "    seed INTEGER NOT NULL,\n"
    "    inputs INTEGER NOT NULL,\n"
    "    nodes INTEGER NOT NULL,\n"
    "    outputs INTEGER NOT NULL,\n"
    "    directions INTEGER NOT NULL,\n"
    "    verdict TEXT,\n"
    "    worst INTEGER,\n"
    "    seconds,\n"
    "    error TEXT,\n"
    "    wg_text TEXT,\n"
    "    wg_path TEXT,\n"
    "    label TEXT,\n"
    "    classes TEXT,\n"
    "    UNIQUE (campaign, idx)\n"
    ");\n"
    "CREATE TABLE graph_op (\n"
    "    graph INTEGER NOT NULL REFERENCES graph (id),\n"
    "    op TEXT NOT NULL,\n"
    "    count INTEGER NOT NULL CHECK (count > 0),\n"
    "    PRIMARY KEY (graph, op)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE check_result (\n"
    "    graph INTEGER NOT NULL REFERENCES graph (id),\n"
    "    direction INTEGER NOT NULL CHECK (direction >= 0),\n"
    "    verdict TEXT NOT NULL,\n"
    "    fail_mode TEXT,\n"
    "    reference, reference_err, reference_converged INTEGER NOT NULL,\n"
    "    left_deriv, right_deriv,\n"
    FIG_DEFS("reverse") FIG_DEFS("forward") FIG_DEFS("central") FIG_DEFS("gsl")
    "    bound, dot_gap,\n"
    "    blame_node INTEGER,\n"
    "    blame_op TEXT,\n"
    "    invalid_node INTEGER,\n"
    "    message TEXT,\n"
    HVP_DEFS
    ACC_DEFS
    "    UNIQUE (graph, direction)\n"
    ");\n"
    "CREATE INDEX check_result_verdict ON check_result (verdict, blame_op);\n"
    "CREATE TABLE reproducer (\n"
    "    graph INTEGER PRIMARY KEY REFERENCES graph (id),\n"
    "    path TEXT,\n"
    "    nodes INTEGER NOT NULL,\n"
    "    wg_text TEXT,\n"
    "    CHECK (path IS NOT NULL OR wg_text IS NOT NULL)\n"
    ");\n"
    CAMPAIGN_INFO_SQL;

/* Version 1 to 2, in the transaction that finds version 1: the statements
 * are DDL, which SQLite runs inside a transaction like any other, so a
 * kill at any moment leaves a store of version 1 or of version 2. */
static const char upgrade_1_to_2_sql[] =
    "ALTER TABLE graph ADD COLUMN label TEXT;\n"
    CAMPAIGN_INFO_SQL
    "INSERT INTO schema_version (version, created) VALUES "
    "(2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));\n";

/* Version 2 to 3: classes of a graph (tensor, broadcast, 0-size, batched,
 * order-2; NULL for a scalar graph checked at first order) and the hvp
 * figure of a second-order check.  The same one-transaction rule. */
static const char upgrade_2_to_3_sql[] =
    "ALTER TABLE graph ADD COLUMN classes TEXT;\n"
    "ALTER TABLE check_result ADD COLUMN hvp_value;\n"
    "ALTER TABLE check_result ADD COLUMN hvp_abs_err;\n"
    "ALTER TABLE check_result ADD COLUMN hvp_rel_err;\n"
    "ALTER TABLE check_result ADD COLUMN hvp_ulps;\n"
    "ALTER TABLE check_result ADD COLUMN hvp_err_est;\n"
    "ALTER TABLE check_result ADD COLUMN hvp_computed INTEGER NOT NULL DEFAULT 0;\n"
    "INSERT INTO schema_version (version, created) VALUES "
    "(3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));\n";

/* Version 3 to 4: accuracy and the blamed node's text of a check, and
 * 'none' for the op of a fail that blames no node.  The same rule. */
static const char upgrade_3_to_4_sql[] =
    "ALTER TABLE check_result ADD COLUMN reverse_digits;\n"
    "ALTER TABLE check_result ADD COLUMN forward_digits;\n"
    "ALTER TABLE check_result ADD COLUMN condition;\n"
    "ALTER TABLE check_result ADD COLUMN ill_conditioned INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE check_result ADD COLUMN blame_text TEXT;\n"
    "ALTER TABLE check_result ADD COLUMN hessian_value;\n"
    "ALTER TABLE check_result ADD COLUMN hessian_abs_err;\n"
    "ALTER TABLE check_result ADD COLUMN hessian_rel_err;\n"
    "ALTER TABLE check_result ADD COLUMN hessian_ulps;\n"
    "ALTER TABLE check_result ADD COLUMN hessian_err_est;\n"
    "ALTER TABLE check_result ADD COLUMN hessian_computed INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE check_result ADD COLUMN hessian_method TEXT;\n"
    "ALTER TABLE check_result ADD COLUMN reference_weak INTEGER NOT NULL DEFAULT 0;\n"
    "UPDATE check_result SET blame_op = 'none' WHERE verdict = 'fail' AND blame_op IS NULL;\n"
    "INSERT INTO schema_version (version, created) VALUES "
    "(4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));\n";

/* column lists, in binding order; merge copies rows with the same lists */
#define CAMPAIGN_COLS                                                          \
    "command, seed, shard_k, shard_n, options, started, wengert_version, "     \
    "mpfr_version, gsl_version, sqlite_version"
#define GRAPH_COLS_V1                                                          \
    "idx, hash, seed, inputs, nodes, outputs, directions, verdict, worst, "    \
    "seconds, error, wg_text, wg_path"
#define GRAPH_COLS_V2 GRAPH_COLS_V1 ", label"
#define GRAPH_COLS GRAPH_COLS_V2 ", classes"
#define CHECK_COLS_V2                                                          \
    "direction, verdict, fail_mode, reference, reference_err, "                \
    "reference_converged, left_deriv, right_deriv, " FIG_COLS("reverse") ", "  \
    FIG_COLS("forward") ", " FIG_COLS("central") ", " FIG_COLS("gsl") ", "     \
    "bound, dot_gap, blame_node, blame_op, invalid_node, message"
#define CHECK_COLS_V3 CHECK_COLS_V2 ", " FIG_COLS("hvp")
#define ACC_COLS                                                               \
    "reverse_digits, forward_digits, condition, ill_conditioned, blame_text, "  \
    FIG_COLS("hessian") ", hessian_method, reference_weak"
#define CHECK_COLS CHECK_COLS_V3 ", " ACC_COLS
/* what an older source's check rows give for the hvp and accuracy columns */
#define HVP_NONE "NULL, NULL, NULL, NULL, NULL, 0"
#define ACC_NONE "NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0"
#define REPRO_COLS "path, nodes, wg_text"

/* ------------------------------------------------------------------ errors */

static void clear_error(wg_store_error *err)
{
    if (err) {
        err->status = WG_OK;
        err->message[0] = '\0';
    }
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(wg_store_error *err, int status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

static int status_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return WG_ENOMEM;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
        return WG_EINVAL;
    default:
        return WG_EIO;
    }
}

/* "PATH: what: SQLite's message (the system's, for file errors)" */
static int db_fail(const char *path, sqlite3 *db, int rc, wg_store_error *err, const char *what)
{
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int prim = rc & 0xff;
    int sys = (db && (prim == SQLITE_IOERR || prim == SQLITE_CANTOPEN || prim == SQLITE_FULL ||
                      prim == SQLITE_READONLY || prim == SQLITE_PERM))
                  ? sqlite3_system_errno(db) : 0;
    /* SQLite reports a full disk as SQLITE_FULL with no system errno left
     * (it retries and truncates after the failed write): the system's
     * words for it, so that a full disk reads like one everywhere */
    if (prim == SQLITE_FULL && !sys)
        sys = ENOSPC;
    if (prim == SQLITE_NOTADB)
        return fail(err, WG_EIO, "%s: %s: not an SQLite database (%s)", path, what, msg);
    if (sys)
        return fail(err, status_of(rc), "%s: %s: %s (%s)", path, what, msg, strerror(sys));
    return fail(err, status_of(rc), "%s: %s: %s", path, what, msg);
}

static int s_fail(wg_store *s, int rc, wg_store_error *err, const char *what)
{
    return db_fail(s->path, s->db, rc, err, what);
}

/* ------------------------------------------------------------------ statements */

/* Step a statement that returns no rows (or whose rows are not wanted) and
 * reset it; the error is taken before the reset.  Bindings are cleared so
 * that no kept statement holds a pointer into the caller's memory. */
static int run(wg_store *s, sqlite3_stmt *st, wg_store_error *err, const char *what)
{
    int rc = sqlite3_step(st);
    int status = WG_OK;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        status = s_fail(s, rc, err, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return status;
}

static int exec_sql(wg_store *s, const char *sql, wg_store_error *err, const char *what)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? WG_OK : s_fail(s, rc, err, what);
}

static int prepare(wg_store *s, const char *sql, sqlite3_stmt **st, wg_store_error *err)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? WG_OK : s_fail(s, rc, err, "preparing a statement");
}

/* "INSERT INTO table (cols) VALUES (?, ?, ...)" with one ? per column */
static char *insert_sql(const char *table, const char *cols)
{
    size_t ncols = 1;
    for (const char *p = cols; *p; p++)
        ncols += *p == ',';
    size_t len = strlen(table) + strlen(cols) + 3 * ncols + 64;
    char *sql = malloc(len);
    if (!sql)
        return NULL;
    int n = snprintf(sql, len, "INSERT INTO %s (%s) VALUES (?", table, cols);
    for (size_t i = 1; i < ncols; i++)
        n += snprintf(sql + n, len - (size_t)n, ", ?");
    snprintf(sql + n, len - (size_t)n, ")");
    return sql;
}

static int prepare_insert(wg_store *s, const char *table, const char *cols, sqlite3_stmt **st,
                          wg_store_error *err)
{
    char *sql = insert_sql(table, cols);
    if (!sql)
        return fail(err, WG_ENOMEM, "%s: out of memory", s->path);
    int status = prepare(s, sql, st, err);
    free(sql);
    return status;
}

static void bind_text_or_null(sqlite3_stmt *st, int k, const char *text)
{
    if (text && *text)
        sqlite3_bind_text(st, k, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, k);
}

/* NaN binds as NULL in SQLite; a NULL double column reads back as NaN */
static double column_double(sqlite3_stmt *st, int k)
{
    return sqlite3_column_type(st, k) == SQLITE_NULL ? NAN : sqlite3_column_double(st, k);
}

static char *column_strdup(sqlite3_stmt *st, int k)
{
    const unsigned char *t = sqlite3_column_text(st, k);
    return t ? strdup((const char *)t) : NULL;
}

/* ------------------------------------------------------------------ names */

static int verdict_from_name(const char *name, wg_verdict *v)
{
    for (int i = 0; name && i < WG_VERDICT_COUNT; i++)
        if (strcmp(name, wg_verdict_name((wg_verdict)i)) == 0) {
            *v = (wg_verdict)i;
            return 1;
        }
    return 0;
}

/* FNV-1a, 64 bits: names a graph's text in the store (duplicates, merge
 * conflicts); not meant to resist a deliberate collision. */
static void hash_text(const char *text, char out[17])
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    snprintf(out, 17, "%016" PRIx64, h);
}

/* ------------------------------------------------------------------ open and close */

/* Say plainly why path cannot be a store, before SQLite's "unable to open
 * database file" would.  Root passes every access() test except a
 * read-only file system; SQLite's own error covers what is left. */
static int diagnose_path(const char *path, wg_store_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return fail(err, WG_EIO, "%s: is a directory, not a result store file", path);
        if (!S_ISREG(st.st_mode))
            return fail(err, WG_EIO, "%s: not a regular file", path);
        if (access(path, R_OK | W_OK) != 0)
            return fail(err, WG_EIO, "%s: cannot open for reading and writing: %s", path,
                        strerror(errno));
    } else if (errno != ENOENT) {
        return fail(err, WG_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    /* its directory must exist and take new files: the -wal and -shm files
     * beside the database, and the database itself when it is new */
    char *dir = strdup(path);
    if (!dir)
        return fail(err, WG_ENOMEM, "%s: out of memory", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int status = WG_OK;
    if (stat(dir, &st) != 0)
        status = fail(err, WG_EIO, "%s: cannot create: directory %s: %s", path, dir,
                      strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        status = fail(err, WG_EIO, "%s: cannot create: %s is not a directory", path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        status = fail(err, WG_EIO, "%s: directory %s is not writable (%s): a store needs to "
                      "create files there", path, dir, strerror(errno));
    free(dir);
    return status;
}

/* Durability and cost.  In WAL mode a commit appends the transaction's
 * pages to the -wal file and ends them with a checksummed commit frame;
 * recovery replays frames up to the last valid commit frame and drops the
 * rest, so a transaction is all or nothing at any crash
 * (https://www.sqlite.org/wal.html, https://www.sqlite.org/atomiccommit.html).
 * synchronous=NORMAL syncs the WAL at checkpoints, not at every commit:
 * "WAL mode is always consistent with synchronous=NORMAL, but WAL mode does
 * lose durability" (https://www.sqlite.org/pragma.html#pragma_synchronous).
 * A killed process loses no commit at all (the frames are in the kernel's
 * page cache); an OS crash or power cut may roll back the last few graphs,
 * and resuming checks them again: correct, only recomputed.  FULL would
 * add an fsync per graph, for a durability the campaign does not need.
 * Without WAL (a file system lacking shared memory, an in-memory store),
 * the rollback journal needs FULL to stay consistent at a power cut on
 * older file systems (same page), so FULL is taken there. */
static int set_journal(wg_store *s, wg_store_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return s_fail(s, rc, err, "cannot open the store");
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        int status = s_fail(s, rc, err, "cannot open the store");
        sqlite3_finalize(st);
        return status;
    }
    int wal = sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    sqlite3_finalize(st);
    return exec_sql(s, wal ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL", err,
                    "cannot set synchronous");
}

/* Create the tables in a new file; check the layout of an existing one,
 * and upgrade an older one.  In one IMMEDIATE transaction, so two
 * processes creating (or upgrading) the same store at once do not both do
 * it. */
static int ensure_schema(wg_store *s, wg_store_error *err)
{
    int status = exec_sql(s, "BEGIN IMMEDIATE", err, "cannot start a transaction");
    if (status != WG_OK)
        return status;
    sqlite3_stmt *st = NULL;
    if ((status = prepare(s, "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table'),"
                             " (SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                             "  AND name = 'schema_version')", &st, err)) != WG_OK)
        goto out;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        status = s_fail(s, rc, err, "cannot read the schema");
        goto out;
    }
    int ntables = sqlite3_column_int(st, 0), has_version = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    st = NULL;
    if (ntables == 0) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA application_id = %d", WG_STORE_APPLICATION_ID);
        if ((status = exec_sql(s, schema_sql, err, "cannot create the tables")) != WG_OK ||
            (status = exec_sql(s, pragma, err, "cannot create the tables")) != WG_OK)
            goto out;
        char ins[160];
        snprintf(ins, sizeof ins, "INSERT INTO schema_version (version, created) VALUES "
                 "(%d, strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', 'now'))", WG_STORE_SCHEMA_VERSION);
        if ((status = exec_sql(s, ins, err, "cannot create the tables")) != WG_OK)
            goto out;
    } else if (!has_version) {
        status = fail(err, WG_EINVAL, "%s: an SQLite database, but not a wengert-fuzz result "
                      "store (it has no schema_version table)", s->path);
        goto out;
    } else {
        if ((status = prepare(s, "SELECT max(version) FROM schema_version", &st, err)) != WG_OK)
            goto out;
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
            status = s_fail(s, rc, err, "cannot read the schema version");
            goto out;
        }
        int version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        st = NULL;
        if (version >= 1 && version <= 3) {
            /* in this IMMEDIATE transaction: two programs opening the old
             * store at once upgrade it once, and a kill leaves it as it was */
            if ((version == 1 && (status = exec_sql(s, upgrade_1_to_2_sql, err,
                                   "cannot upgrade the store from schema version 1")) != WG_OK)
                || (version <= 2 && (status = exec_sql(s, upgrade_2_to_3_sql, err,
                                   "cannot upgrade the store from schema version 2")) != WG_OK)
                || (status = exec_sql(s, upgrade_3_to_4_sql, err,
                                   "cannot upgrade the store from schema version 3")) != WG_OK)
                goto out;
        } else if (version != WG_STORE_SCHEMA_VERSION) {
            status = fail(err, WG_EINVAL, "%s: a result store of schema version %d; this "
                          "program reads versions 1 to %d", s->path, version,
                          WG_STORE_SCHEMA_VERSION);
            goto out;
        }
    }
out:
    sqlite3_finalize(st);
    if (status == WG_OK)
        status = exec_sql(s, "COMMIT", err, "cannot commit the schema");
    if (status != WG_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return status;
}

static int prepare_all(wg_store *s, wg_store_error *err)
{
    int status;
    if ((status = prepare(s, "BEGIN IMMEDIATE", &s->begin, err)) != WG_OK ||
        (status = prepare(s, "COMMIT", &s->commit, err)) != WG_OK ||
        (status = prepare(s, "ROLLBACK", &s->rollback, err)) != WG_OK ||
        (status = prepare_insert(s, "graph", "campaign, " GRAPH_COLS, &s->ins_graph, err)) ||
        (status = prepare_insert(s, "graph_op", "graph, op, count", &s->ins_op, err)) ||
        (status = prepare_insert(s, "check_result", "graph, " CHECK_COLS, &s->ins_check, err)) ||
        (status = prepare_insert(s, "reproducer", "graph, " REPRO_COLS, &s->ins_repro, err)) ||
        (status = prepare(s, "SELECT 1 FROM graph WHERE campaign = ?1 AND idx = ?2",
                          &s->has_graph, err)) != WG_OK)
        return status;
    return WG_OK;
}

void wg_store_close(wg_store *s)
{
    if (!s)
        return;
    sqlite3_stmt *all[] = { s->begin, s->commit, s->rollback, s->ins_graph, s->ins_op,
                            s->ins_check, s->ins_repro, s->has_graph };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

int wg_store_open(const char *path, wg_store **out, wg_store_error *err)
{
    clear_error(err);
    if (out)
        *out = NULL;
    if (!out)
        return fail(err, WG_EINVAL, "wg_store_open: no place given for the store");
    if (!path || !*path)
        return fail(err, WG_EINVAL, "wg_store_open: no path given");
    int status = strcmp(path, ":memory:") == 0 ? WG_OK : diagnose_path(path, err);
    if (status != WG_OK)
        return status;

    wg_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return fail(err, WG_ENOMEM, "%s: out of memory", path);
    }
    /* no SQLITE_OPEN_URI: the path is a file name, whatever it starts with */
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        status = s_fail(s, rc, err, "cannot open or create the database");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, WG_STORE_BUSY_MS);
    /* SQLite opens a file it may not write read-only, without a word */
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        status = fail(err, WG_EIO, "%s: the file can only be read; a result store must be "
                      "writable", path);
        goto fail;
    }
    if ((status = set_journal(s, err)) != WG_OK ||
        (status = exec_sql(s, "PRAGMA foreign_keys = ON", err, "cannot enable foreign keys")) ||
        (status = ensure_schema(s, err)) != WG_OK || (status = prepare_all(s, err)) != WG_OK)
        goto fail;
    *out = s;
    return WG_OK;
fail:
    wg_store_close(s);
    return status;
}

int wg_store_open_readonly(const char *path, wg_store **out, wg_store_error *err)
{
    clear_error(err);
    if (out)
        *out = NULL;
    if (!out || !path || !*path)
        return fail(err, WG_EINVAL, "wg_store_open_readonly: NULL argument");
    struct stat sb;
    if (stat(path, &sb) != 0)
        return fail(err, WG_EIO, "%s: cannot open: %s (a read creates no store)", path,
                    strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return fail(err, WG_EIO, "%s: is a directory, not a result store file", path);
    if (!S_ISREG(sb.st_mode))
        return fail(err, WG_EIO, "%s: not a regular file", path);
    if (sb.st_size == 0)
        return fail(err, WG_EINVAL, "%s: an empty file, not a result store", path);
    wg_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return fail(err, WG_ENOMEM, "%s: out of memory", path);
    }
    int status = WG_OK;
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        status = s_fail(s, rc, err, "cannot open the database");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, WG_STORE_READ_BUSY_MS);
    /* the layout, read only: one sentence for a file of the wrong kind */
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(s->db, "SELECT (SELECT count(*) FROM sqlite_master WHERE type = "
                            "'table' AND name = 'schema_version'), (SELECT max(version) FROM "
                            "schema_version)", -1, &st, NULL);
    if (rc == SQLITE_ERROR) {
        /* the query's table is missing */
        sqlite3_finalize(st);
        status = fail(err, WG_EINVAL, "%s: an SQLite database, but not a wengert-fuzz result "
                      "store (it has no schema_version table)", path);
        goto fail;
    }
    rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
        sqlite3_finalize(st);
        status = fail(err, WG_EIO, "%s: busy: another process held it for %d s (a campaign "
                      "writing it?); try again when it is done", path,
                      WG_STORE_READ_BUSY_MS / 1000);
        goto fail;
    }
    if ((rc & 0xff) == SQLITE_NOTADB) {
        sqlite3_finalize(st);
        status = fail(err, WG_EINVAL, "%s: not an SQLite database, so not a result store", path);
        goto fail;
    }
    if (rc != SQLITE_ROW) {
        status = s_fail(s, rc, err, "cannot read the schema");
        sqlite3_finalize(st);
        goto fail;
    }
    int version = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    if (version != WG_STORE_SCHEMA_VERSION) {
        status = fail(err, WG_EINVAL, "%s: a result store of schema version %d; this program "
                      "reads version %d%s", path, version, WG_STORE_SCHEMA_VERSION,
                      version == 1 ? " (wengert-fuzz upgrades a store when it writes to it)" : "");
        goto fail;
    }
    *out = s;
    return WG_OK;
fail:
    wg_store_close(s);
    return status;
}

const char *wg_store_path(const wg_store *s)
{
    return s ? s->path : NULL;
}

struct sqlite3 *wg_store_db(wg_store *s)
{
    return s ? s->db : NULL;
}

/* ------------------------------------------------------------------ campaigns */

int wg_store_campaign_open(wg_store *s, const wg_store_campaign *c, int64_t *id,
                           int *resumed, wg_store_error *err)
{
    clear_error(err);
    if (!s || !c || !id)
        return fail(err, WG_EINVAL, "wg_store_campaign_open: NULL argument");
    if (c->shard_n < 1 || c->shard_k >= c->shard_n)
        return fail(err, WG_EINVAL, "%s: shard %u of %u: want 0 <= k < n", s->path, c->shard_k,
                    c->shard_n);
    const char *options = c->options ? c->options : "";
    int status = run(s, s->begin, err, "cannot start a transaction");
    if (status != WG_OK)
        return status;
    sqlite3_stmt *find = NULL, *ins = NULL;
    if ((status = prepare(s, "SELECT id FROM campaign WHERE seed = ?1 AND shard_k = ?2 AND "
                             "shard_n = ?3 AND options = ?4", &find, err)) != WG_OK)
        goto out;
    sqlite3_bind_int64(find, 1, (int64_t)c->seed);
    sqlite3_bind_int64(find, 2, c->shard_k);
    sqlite3_bind_int64(find, 3, c->shard_n);
    sqlite3_bind_text(find, 4, options, -1, SQLITE_STATIC);
    int rc = sqlite3_step(find);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(find, 0);
        if (resumed)
            *resumed = 1;
        goto out;
    }
    if (rc != SQLITE_DONE) {
        status = s_fail(s, rc, err, "cannot look up the campaign");
        goto out;
    }
    if ((status = prepare(s, "INSERT INTO campaign (" CAMPAIGN_COLS ") VALUES (?1, ?2, ?3, ?4, "
                             "?5, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?6, ?7, ?8, ?9)",
                          &ins, err)) != WG_OK)
        goto out;
    sqlite3_bind_text(ins, 1, c->command ? c->command : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 2, (int64_t)c->seed);
    sqlite3_bind_int64(ins, 3, c->shard_k);
    sqlite3_bind_int64(ins, 4, c->shard_n);
    sqlite3_bind_text(ins, 5, options, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 6, wg_version(), -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 7, mpfr_get_version(), -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 8, gsl_version, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 9, sqlite3_libversion(), -1, SQLITE_STATIC);
    if ((status = run(s, ins, err, "cannot store the campaign")) != WG_OK)
        goto out;
    *id = sqlite3_last_insert_rowid(s->db);
    if (resumed)
        *resumed = 0;
out:
    sqlite3_finalize(find);
    sqlite3_finalize(ins);
    if (status == WG_OK)
        status = run(s, s->commit, err, "cannot commit the campaign");
    if (status != WG_OK)
        run(s, s->rollback, NULL, "");
    return status;
}

/* ------------------------------------------------------------------ campaign info */

int wg_store_campaign_put_info(wg_store *s, int64_t campaign, const wg_store_info *kv,
                               size_t n, wg_store_error *err)
{
    clear_error(err);
    if (!s || (n && !kv))
        return fail(err, WG_EINVAL, "wg_store_campaign_put_info: NULL argument");
    for (size_t i = 0; i < n; i++) {
        if (!kv[i].key || !*kv[i].key)
            return fail(err, WG_EINVAL, "%s: campaign %" PRId64 ": an info entry without a key",
                        s->path, campaign);
        if (!kv[i].value)
            return fail(err, WG_EINVAL, "%s: campaign %" PRId64 ": info '%s' without a value",
                        s->path, campaign, kv[i].key);
    }
    int status = run(s, s->begin, err, "cannot start a transaction");
    if (status != WG_OK)
        return status;
    sqlite3_stmt *st = NULL;
    status = prepare(s, "INSERT OR REPLACE INTO campaign_info (campaign, key, value) "
                        "VALUES (?1, ?2, ?3)", &st, err);
    for (size_t i = 0; i < n && status == WG_OK; i++) {
        sqlite3_bind_int64(st, 1, campaign);
        sqlite3_bind_text(st, 2, kv[i].key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, kv[i].value, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
            status = fail(err, WG_EINVAL, "%s: no campaign %" PRId64 " in the store", s->path,
                          campaign);
        else if (rc != SQLITE_DONE)
            status = s_fail(s, rc, err, "cannot store the campaign's info");
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    sqlite3_finalize(st);
    if (status == WG_OK)
        status = run(s, s->commit, err, "cannot commit the campaign's info");
    if (status != WG_OK && !sqlite3_get_autocommit(s->db))
        run(s, s->rollback, NULL, "");
    return status;
}

int wg_store_campaign_set_info(wg_store *s, int64_t campaign, const char *key,
                               const char *value, wg_store_error *err)
{
    wg_store_info kv = { key, value };
    return wg_store_campaign_put_info(s, campaign, &kv, 1, err);
}

int wg_store_campaign_get_info(wg_store *s, int64_t campaign, const char *key, char **value,
                               wg_store_error *err)
{
    clear_error(err);
    if (value)
        *value = NULL;
    if (!s || !key || !value)
        return fail(err, WG_EINVAL, "wg_store_campaign_get_info: NULL argument");
    sqlite3_stmt *st;
    int status = prepare(s, "SELECT value FROM campaign_info WHERE campaign = ?1 AND key = ?2",
                         &st, err);
    if (status != WG_OK)
        return status;
    sqlite3_bind_int64(st, 1, campaign);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (!t || !(*value = strdup((const char *)t)))
            status = fail(err, WG_ENOMEM, "%s: out of memory", s->path);
    } else if (rc != SQLITE_DONE) {
        status = s_fail(s, rc, err, "cannot read the campaign's info");
    }
    sqlite3_finalize(st);
    return status;
}

int wg_store_campaign_swap_info(wg_store *s, int64_t campaign, const char *key,
                                const char *expect, const char *value, int *swapped,
                                char **found, wg_store_error *err)
{
    clear_error(err);
    if (found)
        *found = NULL;
    if (!s || !key || !*key || !swapped)
        return fail(err, WG_EINVAL, "wg_store_campaign_swap_info: NULL argument");
    *swapped = 0;
    /* BEGIN IMMEDIATE: the read and the write are one step for every other
     * connection, so two processes cannot both see the key free */
    int status = run(s, s->begin, err, "cannot start a transaction");
    if (status != WG_OK)
        return status;
    char *now = NULL;
    sqlite3_stmt *st = NULL;
    status = prepare(s, "SELECT value FROM campaign_info WHERE campaign = ?1 AND key = ?2",
                     &st, err);
    if (status == WG_OK) {
        sqlite3_bind_int64(st, 1, campaign);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            if (!(now = strdup(t ? (const char *)t : "")))
                status = fail(err, WG_ENOMEM, "%s: out of memory", s->path);
        } else if (rc != SQLITE_DONE) {
            status = s_fail(s, rc, err, "cannot read the campaign's info");
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    int same = (!now && !expect) || (now && expect && strcmp(now, expect) == 0);
    if (status == WG_OK && same) {
        status = prepare(s, value ? "INSERT OR REPLACE INTO campaign_info (campaign, key, value)"
                                    " VALUES (?1, ?2, ?3)"
                                  : "DELETE FROM campaign_info WHERE campaign = ?1 AND key = ?2",
                         &st, err);
        if (status == WG_OK) {
            sqlite3_bind_int64(st, 1, campaign);
            sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
            if (value)
                sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
            int rc = sqlite3_step(st);
            if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
                status = fail(err, WG_EINVAL, "%s: no campaign %" PRId64 " in the store",
                              s->path, campaign);
            else if (rc != SQLITE_DONE)
                status = s_fail(s, rc, err, "cannot store the campaign's info");
            sqlite3_finalize(st);
        }
    }
    if (status == WG_OK)
        status = run(s, s->commit, err, "cannot commit the campaign's info");
    if (status != WG_OK && !sqlite3_get_autocommit(s->db))
        run(s, s->rollback, NULL, "");
    if (status == WG_OK)
        *swapped = same;
    if (found && status == WG_OK)
        *found = now;
    else
        free(now);
    return status;
}

/* ------------------------------------------------------------------ writing a graph */

static int check_record(const wg_store *s, int64_t campaign, const wg_store_graph *rec,
                        wg_store_error *err)
{
    if (!rec || !rec->text || !rec->report)
        return fail(err, WG_EINVAL, "%s: wg_store_put_graph: %s", s->path,
                    !rec ? "no graph" : !rec->text ? "the graph has no .wg text"
                                                   : "the graph has no report");
    const wg_check_report *r = rec->report;
    if (campaign <= 0 || rec->index > (uint64_t)INT64_MAX)
        return fail(err, WG_EINVAL, "%s: graph %" PRIu64 " of campaign %" PRId64 ": bad "
                    "campaign or index", s->path, rec->index, campaign);
    if (r->nresults && !r->results)
        return fail(err, WG_EINVAL, "%s: graph %" PRIu64 ": the report has %zu results and no "
                    "array", s->path, rec->index, r->nresults);
    if ((unsigned)r->verdict >= WG_VERDICT_COUNT)
        return fail(err, WG_EINVAL, "%s: graph %" PRIu64 ": verdict %d out of range", s->path,
                    rec->index, (int)r->verdict);
    for (size_t i = 0; i < r->nresults; i++)
        if ((unsigned)r->results[i].verdict >= WG_VERDICT_COUNT)
            return fail(err, WG_EINVAL, "%s: graph %" PRIu64 ", direction %zu: verdict %d out "
                        "of range", s->path, rec->index, i, (int)r->results[i].verdict);
    return WG_OK;
}

static void bind_result(sqlite3_stmt *st, int64_t gid, size_t dir, const wg_check_result *c)
{
    int k = 1;
    sqlite3_bind_int64(st, k++, gid);
    sqlite3_bind_int64(st, k++, (int64_t)dir);
    sqlite3_bind_text(st, k++, wg_verdict_name(c->verdict), -1, SQLITE_STATIC);
    /* fields of fixed size may lack their terminator in a report built by hand */
    size_t flen = strnlen(c->fail_mode, sizeof c->fail_mode);
    if (flen)
        sqlite3_bind_text(st, k++, c->fail_mode, (int)flen, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, k++);
    sqlite3_bind_double(st, k++, c->reference);
    sqlite3_bind_double(st, k++, c->reference_err);
    sqlite3_bind_int(st, k++, c->reference_converged);
    sqlite3_bind_double(st, k++, c->left);
    sqlite3_bind_double(st, k++, c->right);
    for (int m = 0; m < WG_METHOD_COUNT; m++) {
        const wg_figure *f = &c->fig[m];
        sqlite3_bind_double(st, k++, f->value);
        sqlite3_bind_double(st, k++, f->abs_err);
        sqlite3_bind_double(st, k++, f->rel_err);
        sqlite3_bind_double(st, k++, f->ulps);
        sqlite3_bind_double(st, k++, f->err_est);
        sqlite3_bind_int(st, k++, f->computed);
    }
    sqlite3_bind_double(st, k++, c->bound);
    sqlite3_bind_double(st, k++, c->dot_gap);
    if (c->blame_node >= 0)
        sqlite3_bind_int64(st, k++, c->blame_node);
    else
        sqlite3_bind_null(st, k++);
    /* the blamed op; 'none' on a fail that blames no node; NULL on other verdicts */
    bind_text_or_null(st, k++, c->verdict == WG_VERDICT_FAIL || c->blame_op != WG_OP_NONE
                               ? wg_op_name(c->blame_op) : NULL);
    if (c->invalid_node >= 0)
        sqlite3_bind_int64(st, k++, c->invalid_node);
    else
        sqlite3_bind_null(st, k++);
    size_t mlen = strnlen(c->message, sizeof c->message);
    if (mlen)
        sqlite3_bind_text(st, k++, c->message, (int)mlen, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, k++);
    /* the hvp figure only at order 2 (a first-order result leaves it NaN) */
    const wg_figure *h = &c->hvp;
    int o2 = c->order == 2;
    sqlite3_bind_double(st, k++, o2 ? h->value : NAN);
    sqlite3_bind_double(st, k++, o2 ? h->abs_err : NAN);
    sqlite3_bind_double(st, k++, o2 ? h->rel_err : NAN);
    sqlite3_bind_double(st, k++, o2 ? h->ulps : NAN);
    sqlite3_bind_double(st, k++, o2 ? h->err_est : NAN);
    sqlite3_bind_int(st, k++, o2 && h->computed);
    /* version 4: accuracy (NaN digits: NULL) and the blamed node's text */
    sqlite3_bind_double(st, k++, c->digits[WG_METHOD_REVERSE]);
    sqlite3_bind_double(st, k++, c->digits[WG_METHOD_FORWARD]);
    sqlite3_bind_double(st, k++, c->condition);
    sqlite3_bind_int(st, k++, c->ill_conditioned != 0);
    size_t blen = strnlen(c->blame_text, sizeof c->blame_text);
    if (blen)
        sqlite3_bind_text(st, k++, c->blame_text, (int)blen, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, k++);
    /* wg_hessian's figure, where an order-2 check ran it */
    const wg_figure *hs = &c->hessian;
    int hrun = o2 && c->hessian_method[0];
    sqlite3_bind_double(st, k++, hrun ? hs->value : NAN);
    sqlite3_bind_double(st, k++, hrun ? hs->abs_err : NAN);
    sqlite3_bind_double(st, k++, hrun ? hs->rel_err : NAN);
    sqlite3_bind_double(st, k++, hrun ? hs->ulps : NAN);
    sqlite3_bind_double(st, k++, hrun ? hs->err_est : NAN);
    sqlite3_bind_int(st, k++, hrun && hs->computed);
    bind_text_or_null(st, k++, hrun ? c->hessian_method : NULL);
    sqlite3_bind_int(st, k++, c->reference_weak != 0);
}

static int put_rows(wg_store *s, int64_t campaign, const wg_store_graph *rec,
                    wg_store_error *err)
{
    const wg_check_report *r = rec->report;
    char hash[17];
    hash_text(rec->text, hash);
    size_t elen = strnlen(r->error, sizeof r->error);
    int checked = elen == 0;

    sqlite3_stmt *st = s->ins_graph;
    int k = 1;
    sqlite3_bind_int64(st, k++, campaign);
    sqlite3_bind_int64(st, k++, (int64_t)rec->index);
    sqlite3_bind_text(st, k++, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, k++, (int64_t)rec->seed);
    sqlite3_bind_int64(st, k++, (int64_t)rec->ninputs);
    sqlite3_bind_int64(st, k++, (int64_t)rec->nnodes);
    sqlite3_bind_int64(st, k++, (int64_t)rec->noutputs);
    sqlite3_bind_int64(st, k++, (int64_t)r->nresults);
    if (checked) {
        sqlite3_bind_text(st, k++, wg_verdict_name(r->verdict), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, k++, (int64_t)r->worst);
    } else {
        sqlite3_bind_null(st, k++);
        sqlite3_bind_null(st, k++);
    }
    sqlite3_bind_double(st, k++, r->seconds);
    if (checked)
        sqlite3_bind_null(st, k++);
    else
        sqlite3_bind_text(st, k++, r->error, (int)elen, SQLITE_STATIC);
    if (rec->keep_text)
        sqlite3_bind_text(st, k++, rec->text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, k++);
    bind_text_or_null(st, k++, rec->path);
    bind_text_or_null(st, k++, rec->label);
    /* the classes: the graph's shape classes, and order-2 for a check of
     * second order (every result of a report has one order) */
    char classes[96];
    int o2 = checked && r->nresults && r->results[0].order == 2;
    snprintf(classes, sizeof classes, "%s%s%s", rec->classes ? rec->classes : "",
             rec->classes && *rec->classes && o2 ? " " : "", o2 ? "order-2" : "");
    bind_text_or_null(st, k++, classes[0] ? classes : NULL);

    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        int status;
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            status = fail(err, WG_EINVAL, "%s: graph %" PRIu64 " of campaign %" PRId64
                          " is stored already", s->path, rec->index, campaign);
        else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
            status = fail(err, WG_EINVAL, "%s: no campaign %" PRId64 " in the store", s->path,
                          campaign);
        else
            status = s_fail(s, rc, err, "cannot store the graph");
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return status;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    int64_t gid = sqlite3_last_insert_rowid(s->db);

    int status = WG_OK;
    for (int op = 0; op < WG_OP_COUNT && status == WG_OK; op++) {
        if (!rec->op_count[op])
            continue;
        sqlite3_bind_int64(s->ins_op, 1, gid);
        sqlite3_bind_text(s->ins_op, 2, wg_op_name((wg_op)op), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->ins_op, 3, rec->op_count[op]);
        status = run(s, s->ins_op, err, "cannot store the op counts");
    }
    for (size_t i = 0; i < r->nresults && status == WG_OK; i++) {
        bind_result(s->ins_check, gid, i, &r->results[i]);
        status = run(s, s->ins_check, err, "cannot store a check");
    }
    if (status == WG_OK && (rec->repro_path || rec->repro_text)) {
        sqlite3_bind_int64(s->ins_repro, 1, gid);
        bind_text_or_null(s->ins_repro, 2, rec->repro_path);
        sqlite3_bind_int64(s->ins_repro, 3, (int64_t)rec->repro_nodes);
        bind_text_or_null(s->ins_repro, 4, rec->repro_text);
        status = run(s, s->ins_repro, err, "cannot store the reproducer");
    }
    return status;
}

int wg_store_put_graph(wg_store *s, int64_t campaign, const wg_store_graph *rec,
                       wg_store_error *err)
{
    clear_error(err);
    if (!s)
        return fail(err, WG_EINVAL, "wg_store_put_graph: no store");
    int status = check_record(s, campaign, rec, err);
    if (status != WG_OK)
        return status;
    if ((status = run(s, s->begin, err, "cannot start a transaction")) != WG_OK)
        return status;
    status = put_rows(s, campaign, rec, err);
    if (status == WG_OK)
        status = run(s, s->commit, err, "cannot commit the graph");
    if (status != WG_OK && !sqlite3_get_autocommit(s->db))
        run(s, s->rollback, NULL, "");
    return status;
}

int wg_store_graph_describe(wg_graph *g, wg_store_graph *rec, char **text, wg_store_error *err)
{
    clear_error(err);
    if (text)
        *text = NULL;
    if (!g || !rec || !text)
        return fail(err, WG_EINVAL, "wg_store_graph_describe: NULL argument");
    wg_tape *t = wg_graph_tape(g);
    rec->ninputs = wg_graph_ninputs(g);
    rec->noutputs = wg_graph_noutputs(g);
    rec->nnodes = wg_tape_size(t);
    memset(rec->op_count, 0, sizeof rec->op_count);
    int tensor = 0, bcast = 0, zero = 0, batched = 0;
    for (size_t i = 0; i < rec->nnodes; i++) {
        wg_op op = wg_node_op(t, i);
        if ((unsigned)op < WG_OP_COUNT)
            rec->op_count[op]++;
        /* shape classes, from the nodes as recorded */
        int rank = wg_node_rank(t, i);
        size_t ne = wg_node_numel(t, i);
        tensor |= rank > 0;
        zero |= ne == 0;
        wg_op_kind kind = wg_op_kind_of(op);
        if (kind == WG_KIND_BINARY || kind == WG_KIND_CMP || kind == WG_KIND_CUSTOM) {
            for (int k = 0; k < 2; k++) {
                size_t a = wg_node_arg(t, i, k);
                bcast |= a != (size_t)-1 && wg_node_numel(t, a) < ne;
            }
        }
        bcast |= op == WG_OP_BROADCAST_TO;
        if (op == WG_OP_MATMUL)
            for (int k = 0; k < 2; k++) {
                size_t a = wg_node_arg(t, i, k);
                batched |= a != (size_t)-1 && wg_node_rank(t, a) > 2;
            }
    }
    snprintf(rec->classes_buf, sizeof rec->classes_buf, "%s%s%s%s", tensor ? "tensor" : "",
             bcast ? " broadcast" : "", zero ? " 0-size" : "", batched ? " batched" : "");
    rec->classes = rec->classes_buf[0] ? rec->classes_buf : NULL;
    size_t len = 0;
    FILE *mem = open_memstream(text, &len);
    if (!mem)
        return fail(err, WG_ENOMEM, "wg_store_graph_describe: out of memory");
    int s = wg_graph_write(g, mem);
    if (fclose(mem) != 0 && s == WG_OK)
        s = WG_ENOMEM;
    if (s != WG_OK) {
        free(*text);
        *text = NULL;
        return fail(err, s, "wg_store_graph_describe: the graph cannot be written: %s",
                    wg_status(t) != WG_OK ? wg_errmsg(t) : wg_strerror(s));
    }
    rec->text = *text;
    return WG_OK;
}

/* ------------------------------------------------------------------ resume */

int wg_store_next_index(wg_store *s, int64_t campaign, uint64_t *next, wg_store_error *err)
{
    clear_error(err);
    if (!s || !next)
        return fail(err, WG_EINVAL, "wg_store_next_index: NULL argument");
    /* the first index i with no row: 0, or one past a stored index whose
     * successor is missing (the UNIQUE index makes each probe a lookup) */
    sqlite3_stmt *st;
    int status = prepare(s,
        "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM graph WHERE campaign = ?1 AND idx = 0)"
        " THEN 0 ELSE (SELECT min(g.idx) + 1 FROM graph g WHERE g.campaign = ?1 AND NOT EXISTS"
        " (SELECT 1 FROM graph h WHERE h.campaign = ?1 AND h.idx = g.idx + 1)) END", &st, err);
    if (status != WG_OK)
        return status;
    sqlite3_bind_int64(st, 1, campaign);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *next = (uint64_t)sqlite3_column_int64(st, 0);
    else
        status = s_fail(s, rc, err, "cannot find where to resume");
    sqlite3_finalize(st);
    return status;
}

int wg_store_has_graph(wg_store *s, int64_t campaign, uint64_t index, int *has,
                       wg_store_error *err)
{
    clear_error(err);
    if (!s || !has)
        return fail(err, WG_EINVAL, "wg_store_has_graph: NULL argument");
    sqlite3_bind_int64(s->has_graph, 1, campaign);
    sqlite3_bind_int64(s->has_graph, 2, (int64_t)index);
    int rc = sqlite3_step(s->has_graph);
    int status = WG_OK;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        *has = rc == SQLITE_ROW;
    else
        status = s_fail(s, rc, err, "cannot look up a graph");
    sqlite3_reset(s->has_graph);
    return status;
}

/* ------------------------------------------------------------------ reading back */

void wg_store_graph_info_free(wg_store_graph_info *info)
{
    if (!info)
        return;
    free(info->error);
    free(info->text);
    free(info->path);
    free(info->repro_path);
    free(info->repro_text);
    free(info->label);
    free(info->classes);
    info->error = info->text = info->path = info->repro_path = info->repro_text = NULL;
    info->label = NULL;
    info->classes = NULL;
}

static void copy_column_text(sqlite3_stmt *st, int k, char *buf, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, k);
    snprintf(buf, size, "%s", t ? (const char *)t : "");
}

static int read_result(sqlite3_stmt *st, wg_check_result *c)
{
    memset(c, 0, sizeof *c);
    int k = 1;   /* column 0 is the direction */
    if (!verdict_from_name((const char *)sqlite3_column_text(st, k++), &c->verdict))
        return 0;
    copy_column_text(st, k++, c->fail_mode, sizeof c->fail_mode);
    c->reference = column_double(st, k++);
    c->reference_err = column_double(st, k++);
    c->reference_converged = sqlite3_column_int(st, k++);
    c->left = column_double(st, k++);
    c->right = column_double(st, k++);
    for (int m = 0; m < WG_METHOD_COUNT; m++) {
        wg_figure *f = &c->fig[m];
        f->value = column_double(st, k++);
        f->abs_err = column_double(st, k++);
        f->rel_err = column_double(st, k++);
        f->ulps = column_double(st, k++);
        f->err_est = column_double(st, k++);
        f->computed = sqlite3_column_int(st, k++);
    }
    c->bound = column_double(st, k++);
    c->dot_gap = column_double(st, k++);
    c->blame_node = sqlite3_column_type(st, k) == SQLITE_NULL ? -1
                                                              : (long)sqlite3_column_int64(st, k);
    k++;
    const char *op = (const char *)sqlite3_column_text(st, k++);
    if (!op || !wg_op_from_name(op, &c->blame_op))
        c->blame_op = WG_OP_NONE;
    c->blame_elem = -1;             /* the store keeps no element (scalar graphs) */
    c->invalid_node = sqlite3_column_type(st, k) == SQLITE_NULL
                          ? -1 : (long)sqlite3_column_int64(st, k);
    k++;
    copy_column_text(st, k++, c->message, sizeof c->message);
    wg_figure *h = &c->hvp;             /* version 3: order 2's wg_hvp */
    h->value = column_double(st, k++);
    h->abs_err = column_double(st, k++);
    h->rel_err = column_double(st, k++);
    h->ulps = column_double(st, k++);
    h->err_est = column_double(st, k++);
    h->computed = sqlite3_column_int(st, k++);
    c->order = h->computed || isfinite(h->value) ? 2 : 1;
    for (int m = 0; m < WG_METHOD_COUNT; m++)   /* version 4: AD's digits, the flag */
        c->digits[m] = NAN;
    c->digits[WG_METHOD_REVERSE] = column_double(st, k++);
    c->digits[WG_METHOD_FORWARD] = column_double(st, k++);
    c->condition = column_double(st, k++);
    c->ill_conditioned = sqlite3_column_int(st, k++) != 0;
    copy_column_text(st, k++, c->blame_text, sizeof c->blame_text);
    wg_figure *hs = &c->hessian;        /* version 4: order 2's wg_hessian */
    hs->value = column_double(st, k++);
    hs->abs_err = column_double(st, k++);
    hs->rel_err = column_double(st, k++);
    hs->ulps = column_double(st, k++);
    hs->err_est = column_double(st, k++);
    hs->computed = sqlite3_column_int(st, k++);
    copy_column_text(st, k++, c->hessian_method, sizeof c->hessian_method);
    c->reference_weak = sqlite3_column_int(st, k++) != 0;
    return 1;
}

static int read_checks(wg_store *s, const wg_store_graph_info *info, wg_check_report *r,
                       wg_store_error *err)
{
    memset(r, 0, sizeof *r);
    r->verdict = info->has_verdict ? info->verdict : WG_VERDICT_PASS;
    r->seconds = info->seconds;
    snprintf(r->error, sizeof r->error, "%s", info->error ? info->error : "");
    if (info->directions) {
        r->results = calloc(info->directions, sizeof *r->results);
        if (!r->results)
            return fail(err, WG_ENOMEM, "%s: out of memory", s->path);
    }
    sqlite3_stmt *st;
    int status = prepare(s, "SELECT " CHECK_COLS " FROM check_result WHERE graph = ?1 "
                            "ORDER BY direction", &st, err);
    if (status != WG_OK)
        return status;
    sqlite3_bind_int64(st, 1, info->id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t dir = (size_t)sqlite3_column_int64(st, 0);
        if (r->nresults >= info->directions || dir != r->nresults ||
            !read_result(st, &r->results[r->nresults])) {
            status = fail(err, WG_EINVAL, "%s: graph %" PRIu64 ": check %zu does not fit "
                          "its graph (a damaged store)", s->path, info->index, dir);
            break;
        }
        r->nresults++;
    }
    if (status == WG_OK && rc != SQLITE_DONE)
        status = s_fail(s, rc, err, "cannot read the checks");
    sqlite3_finalize(st);
    if (status == WG_OK && r->nresults != info->directions)
        status = fail(err, WG_EINVAL, "%s: graph %" PRIu64 " has %zu of its %zu checks (a "
                      "damaged store)", s->path, info->index, r->nresults, info->directions);
    if (info->worst < r->nresults)
        r->worst = info->worst;
    r->ad_digits = NAN;                 /* the report's accuracy, as check.c sums it */
    for (size_t k = 0; k < r->nresults; k++) {
        const wg_check_result *c = &r->results[k];
        double ad = fmin(c->digits[WG_METHOD_REVERSE], c->digits[WG_METHOD_FORWARD]);
        if (!isnan(ad) && !(ad >= r->ad_digits))
            r->ad_digits = ad;
        r->ill_conditioned |= c->ill_conditioned;
    }
    return status;
}

static int read_graph_row(wg_store *s, int64_t campaign, uint64_t index,
                          wg_store_graph_info *info, wg_store_error *err)
{
    sqlite3_stmt *st;
    int status = prepare(s, "SELECT id, seed, hash, inputs, nodes, outputs, directions, "
                            "verdict, worst, seconds, error, wg_text, wg_path, label, classes "
                            "FROM graph WHERE campaign = ?1 AND idx = ?2", &st, err);
    if (status != WG_OK)
        return status;
    sqlite3_bind_int64(st, 1, campaign);
    sqlite3_bind_int64(st, 2, (int64_t)index);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        info->id = sqlite3_column_int64(st, 0);
        info->index = index;
        info->seed = (uint64_t)sqlite3_column_int64(st, 1);
        copy_column_text(st, 2, info->hash, sizeof info->hash);
        info->ninputs = (size_t)sqlite3_column_int64(st, 3);
        info->nnodes = (size_t)sqlite3_column_int64(st, 4);
        info->noutputs = (size_t)sqlite3_column_int64(st, 5);
        info->directions = (size_t)sqlite3_column_int64(st, 6);
        info->has_verdict = verdict_from_name((const char *)sqlite3_column_text(st, 7),
                                              &info->verdict);
        info->worst = (size_t)sqlite3_column_int64(st, 8);   /* NULL reads as 0 */
        info->seconds = column_double(st, 9);
        info->error = column_strdup(st, 10);
        info->text = column_strdup(st, 11);
        info->path = column_strdup(st, 12);
        info->label = column_strdup(st, 13);
        info->classes = column_strdup(st, 14);
    } else if (rc == SQLITE_DONE) {
        status = fail(err, WG_EINVAL, "%s: no graph %" PRIu64 " in campaign %" PRId64, s->path,
                      index, campaign);
    } else {
        status = s_fail(s, rc, err, "cannot read the graph");
    }
    sqlite3_finalize(st);
    return status;
}

static int read_graph_extras(wg_store *s, wg_store_graph_info *info, wg_store_error *err)
{
    sqlite3_stmt *st;
    int status = prepare(s, "SELECT op, count FROM graph_op WHERE graph = ?1", &st, err);
    if (status != WG_OK)
        return status;
    sqlite3_bind_int64(st, 1, info->id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        wg_op op;
        if (wg_op_from_name((const char *)sqlite3_column_text(st, 0), &op))
            info->op_count[op] = (unsigned)sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_DONE)
        status = s_fail(s, rc, err, "cannot read the op counts");
    sqlite3_finalize(st);
    if (status != WG_OK)
        return status;
    if ((status = prepare(s, "SELECT " REPRO_COLS " FROM reproducer WHERE graph = ?1", &st,
                          err)) != WG_OK)
        return status;
    sqlite3_bind_int64(st, 1, info->id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        info->has_repro = 1;
        info->repro_path = column_strdup(st, 0);
        info->repro_nodes = (size_t)sqlite3_column_int64(st, 1);
        info->repro_text = column_strdup(st, 2);
    } else if (rc != SQLITE_DONE) {
        status = s_fail(s, rc, err, "cannot read the reproducer");
    }
    sqlite3_finalize(st);
    return status;
}

int wg_store_get_graph(wg_store *s, int64_t campaign, uint64_t index,
                       wg_store_graph_info *info, wg_check_report *r, wg_store_error *err)
{
    clear_error(err);
    if (!s || !info)
        return fail(err, WG_EINVAL, "wg_store_get_graph: NULL argument");
    memset(info, 0, sizeof *info);
    if (r)
        memset(r, 0, sizeof *r);
    /* one read transaction: the rows come from one state of the file even
     * while another process writes */
    int status = exec_sql(s, "BEGIN", err, "cannot start a transaction");
    if (status != WG_OK)
        return status;
    if ((status = read_graph_row(s, campaign, index, info, err)) == WG_OK &&
        (status = read_graph_extras(s, info, err)) == WG_OK && r)
        status = read_checks(s, info, r, err);
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (status != WG_OK) {
        wg_store_graph_info_free(info);
        if (r)
            wg_check_report_free(r);
    }
    return status;
}

/* ------------------------------------------------------------------ merge */

/* Statements of a merge, run in order in one transaction.  merge_map
 * lists the source's graphs that the destination lacks, keyed by the
 * campaign's identity (seed, shard, options) and the index: only those
 * come over, each with all of its rows, so a graph present on both sides
 * keeps the destination's rows and never gets a second set of checks.
 * Campaign info comes over key by key: a key the destination has for the
 * campaign keeps its value.  A step runs for sources of the schema
 * versions from..to: a version-1 source has no labels and no info. */
#define SAME_CAMPAIGN                                                          \
    "dc.seed = sc.seed AND dc.shard_k = sc.shard_k AND dc.shard_n = sc.shard_n " \
    "AND dc.options = sc.options"
#define MERGE_GRAPHS(src_cols)                                                 \
    "INSERT INTO main.graph (campaign, " GRAPH_COLS ") SELECT m.dst_campaign, " src_cols \
    " FROM temp.merge_map m JOIN merge_src.graph g ON g.id = m.src_id ORDER BY m.src_id"

enum { COUNT_NONE, COUNT_CAMPAIGNS, COUNT_INFO, COUNT_GRAPHS, COUNT_CHECKS };
typedef struct merge_step {
    const char *sql;
    int from, to;       /* schema versions of the source it runs for */
    int count;          /* which figure of wg_store_merge_stats its changes are */
} merge_step;

static const merge_step merge_steps[] = {
    { "INSERT OR IGNORE INTO main.campaign (" CAMPAIGN_COLS ") SELECT " CAMPAIGN_COLS
      " FROM merge_src.campaign ORDER BY id", 1, 4, COUNT_CAMPAIGNS },
    { "INSERT OR IGNORE INTO main.campaign_info (campaign, key, value) SELECT dc.id, i.key,"
      " i.value FROM merge_src.campaign_info i JOIN merge_src.campaign sc ON i.campaign = sc.id"
      " JOIN main.campaign dc ON " SAME_CAMPAIGN, 2, 4, COUNT_INFO },
    { "CREATE TEMP TABLE merge_map (src_id INTEGER PRIMARY KEY, dst_campaign INTEGER NOT NULL,"
      " gidx INTEGER NOT NULL, dst_id INTEGER)", 1, 4, COUNT_NONE },
    { "INSERT INTO temp.merge_map (src_id, dst_campaign, gidx) SELECT g.id, dc.id, g.idx"
      " FROM merge_src.graph g JOIN merge_src.campaign sc ON g.campaign = sc.id"
      " JOIN main.campaign dc ON " SAME_CAMPAIGN
      " WHERE NOT EXISTS (SELECT 1 FROM main.graph h WHERE h.campaign = dc.id AND h.idx = g.idx)",
      1, 4, COUNT_NONE },
    { MERGE_GRAPHS(GRAPH_COLS_V1 ", NULL, NULL"), 1, 1, COUNT_GRAPHS },
    { MERGE_GRAPHS(GRAPH_COLS_V2 ", NULL"), 2, 2, COUNT_GRAPHS },
    { MERGE_GRAPHS(GRAPH_COLS), 3, 4, COUNT_GRAPHS },
    { "UPDATE temp.merge_map SET dst_id = (SELECT h.id FROM main.graph h"
      " WHERE h.campaign = merge_map.dst_campaign AND h.idx = merge_map.gidx)", 1, 4, COUNT_NONE },
    { "INSERT INTO main.graph_op (graph, op, count) SELECT m.dst_id, o.op, o.count"
      " FROM merge_src.graph_op o JOIN temp.merge_map m ON o.graph = m.src_id", 1, 4, COUNT_NONE },
    { "INSERT INTO main.check_result (graph, " CHECK_COLS ") SELECT m.dst_id, " CHECK_COLS_V2
      ", " HVP_NONE ", " ACC_NONE " FROM merge_src.check_result c JOIN temp.merge_map m"
      " ON c.graph = m.src_id ORDER BY m.dst_id, c.direction", 1, 2, COUNT_CHECKS },
    { "INSERT INTO main.check_result (graph, " CHECK_COLS ") SELECT m.dst_id, " CHECK_COLS_V3
      ", " ACC_NONE " FROM merge_src.check_result c JOIN temp.merge_map m ON c.graph = m.src_id"
      " ORDER BY m.dst_id, c.direction", 3, 3, COUNT_CHECKS },
    { "INSERT INTO main.check_result (graph, " CHECK_COLS ") SELECT m.dst_id, " CHECK_COLS
      " FROM merge_src.check_result c JOIN temp.merge_map m ON c.graph = m.src_id"
      " ORDER BY m.dst_id, c.direction", 4, 4, COUNT_CHECKS },
    /* a fail from before version 4 that blames no node: its op is 'none' */
    { "UPDATE main.check_result SET blame_op = 'none' WHERE verdict = 'fail' AND blame_op IS NULL"
      " AND graph IN (SELECT dst_id FROM temp.merge_map)", 1, 3, COUNT_NONE },
    { "INSERT INTO main.reproducer (graph, " REPRO_COLS ") SELECT m.dst_id, " REPRO_COLS
      " FROM merge_src.reproducer r JOIN temp.merge_map m ON r.graph = m.src_id", 1, 4,
      COUNT_NONE },
    { "DROP TABLE temp.merge_map", 1, 4, COUNT_NONE },
};

static int query_u64(wg_store *s, const char *sql, uint64_t *out, wg_store_error *err)
{
    sqlite3_stmt *st;
    int status = prepare(s, sql, &st, err);
    if (status != WG_OK)
        return status;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = (uint64_t)sqlite3_column_int64(st, 0);
    else
        status = s_fail(s, rc, err, "cannot read a count");
    sqlite3_finalize(st);
    return status;
}

/* The source must be an existing file (ATTACH would create a missing one)
 * and not the destination itself. */
static int check_merge_source(wg_store *dst, const char *src, wg_store_error *err)
{
    struct stat ss, ds;
    if (stat(src, &ss) != 0)
        return fail(err, WG_EIO, "%s: cannot merge: %s", src, strerror(errno));
    if (!S_ISREG(ss.st_mode))
        return fail(err, WG_EIO, "%s: cannot merge: not a regular file", src);
    if (access(src, R_OK) != 0)
        return fail(err, WG_EIO, "%s: cannot merge: %s", src, strerror(errno));
    if (stat(dst->path, &ds) == 0 && ds.st_dev == ss.st_dev && ds.st_ino == ss.st_ino)
        return fail(err, WG_EINVAL, "%s: cannot merge a store into itself", src);
    return WG_OK;
}

/* The source's schema version into *version: 1 or this program's. */
static int check_merge_schema(wg_store *dst, const char *src, int *version,
                              wg_store_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(dst->db, "SELECT max(version) FROM merge_src.schema_version",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) {
        if ((rc & 0xff) == SQLITE_NOTADB)
            return fail(err, WG_EIO, "%s: cannot merge: not an SQLite database", src);
        return fail(err, WG_EINVAL, "%s: cannot merge: not a wengert-fuzz result store (%s)",
                    src, sqlite3_errmsg(dst->db));
    }
    rc = sqlite3_step(st);
    int status = WG_OK;
    if (rc != SQLITE_ROW) {
        status = db_fail(src, dst->db, rc, err, "cannot merge");
    } else {
        *version = sqlite3_column_int(st, 0);
        if (*version < 1 || *version > WG_STORE_SCHEMA_VERSION)
            status = fail(err, WG_EINVAL, "%s: cannot merge: a result store of schema version "
                          "%d; this program reads versions 1 to %d", src, *version,
                          WG_STORE_SCHEMA_VERSION);
    }
    sqlite3_finalize(st);
    return status;
}

static int merge_rows(wg_store *dst, int version, wg_store_merge_stats *st,
                      wg_store_error *err)
{
    uint64_t src_graphs = 0;
    int status = query_u64(dst, "SELECT count(*) FROM merge_src.graph", &src_graphs, err);
    for (size_t i = 0; status == WG_OK && i < sizeof merge_steps / sizeof merge_steps[0]; i++) {
        const merge_step *step = &merge_steps[i];
        if (version < step->from || version > step->to)
            continue;
        status = exec_sql(dst, step->sql, err, "cannot merge");
        uint64_t changes = (uint64_t)sqlite3_changes(dst->db);
        switch (step->count) {
        case COUNT_CAMPAIGNS: st->campaigns_added = changes; break;
        case COUNT_INFO: st->info_added = changes; break;
        case COUNT_GRAPHS: st->graphs_added = changes; break;
        case COUNT_CHECKS: st->checks_added = changes; break;
        default: break;
        }
    }
    if (status == WG_OK)
        status = query_u64(dst,
            "SELECT count(*) FROM merge_src.graph g JOIN merge_src.campaign sc"
            " ON g.campaign = sc.id JOIN main.campaign dc ON " SAME_CAMPAIGN
            " JOIN main.graph h ON h.campaign = dc.id AND h.idx = g.idx WHERE h.hash <> g.hash",
            &st->graphs_conflicting, err);
    st->graphs_present = src_graphs - st->graphs_added;
    return status;
}

int wg_store_merge(wg_store *dst, const char *src_path, wg_store_merge_stats *stats,
                   wg_store_error *err)
{
    clear_error(err);
    wg_store_merge_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!dst || !src_path || !*src_path)
        return fail(err, WG_EINVAL, "wg_store_merge: no destination or no source path");
    int status = check_merge_source(dst, src_path, err);
    if (status != WG_OK)
        return status;
    /* ATTACH must come before the transaction (SQLite refuses it inside one) */
    sqlite3_stmt *att;
    if ((status = prepare(dst, "ATTACH DATABASE ?1 AS merge_src", &att, err)) != WG_OK)
        return status;
    sqlite3_bind_text(att, 1, src_path, -1, SQLITE_STATIC);
    int rc = sqlite3_step(att);
    sqlite3_finalize(att);
    if (rc != SQLITE_DONE)
        return db_fail(src_path, dst->db, rc, err, "cannot open it to merge");
    int version = 0;
    if ((status = check_merge_schema(dst, src_path, &version, err)) == WG_OK &&
        (status = run(dst, dst->begin, err, "cannot start a transaction")) == WG_OK) {
        status = merge_rows(dst, version, stats, err);
        if (status == WG_OK)
            status = run(dst, dst->commit, err, "cannot commit the merge");
        if (status != WG_OK) {
            run(dst, dst->rollback, NULL, "");
            memset(stats, 0, sizeof *stats);
        }
    }
    sqlite3_exec(dst->db, "DETACH DATABASE merge_src", NULL, NULL, NULL);
    return status;
}

/* ------------------------------------------------------------------ summaries */

/* campaign 0 selects every campaign: "(?1 = 0 OR g.campaign = ?1)" */
#define IN_CAMPAIGN(alias) "(?1 = 0 OR " alias ".campaign = ?1)"

static int query_counts(wg_store *s, int64_t campaign, const char *sql, uint64_t *count,
                        wg_store_error *err)
{
    sqlite3_stmt *st;
    int status = prepare(s, sql, &st, err);
    if (status != WG_OK)
        return status;
    sqlite3_bind_int64(st, 1, campaign);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        wg_verdict v;
        if (verdict_from_name((const char *)sqlite3_column_text(st, 0), &v))
            count[v] = (uint64_t)sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_DONE)
        status = s_fail(s, rc, err, "cannot summarize");
    sqlite3_finalize(st);
    return status;
}

int wg_store_summarize(wg_store *s, int64_t campaign, wg_store_summary *sum,
                       wg_store_error *err)
{
    clear_error(err);
    if (!s || !sum)
        return fail(err, WG_EINVAL, "wg_store_summarize: NULL argument");
    memset(sum, 0, sizeof *sum);
    int status = exec_sql(s, "BEGIN", err, "cannot start a transaction");
    if (status != WG_OK)
        return status;
    sqlite3_stmt *st = NULL;
    status = prepare(s,
        "SELECT (SELECT count(*) FROM campaign WHERE ?1 = 0 OR id = ?1),"
        " (SELECT count(*) FROM graph g WHERE " IN_CAMPAIGN("g") "),"
        " (SELECT count(*) FROM graph g WHERE " IN_CAMPAIGN("g") " AND g.verdict IS NULL),"
        " (SELECT total(g.seconds) FROM graph g WHERE " IN_CAMPAIGN("g") "),"
        " (SELECT count(*) FROM check_result c JOIN graph g ON c.graph = g.id"
        "  WHERE " IN_CAMPAIGN("g") "),"
        " (SELECT count(*) FROM reproducer r JOIN graph g ON r.graph = g.id"
        "  WHERE " IN_CAMPAIGN("g") "),"
        " (SELECT count(*) FROM reproducer r JOIN graph g ON r.graph = g.id"
        "  WHERE " IN_CAMPAIGN("g") " AND r.path IS NULL),"
        " (SELECT count(DISTINCT o.op) FROM graph_op o JOIN graph g ON o.graph = g.id"
        "  WHERE " IN_CAMPAIGN("g") ")", &st, err);
    if (status == WG_OK) {
        sqlite3_bind_int64(st, 1, campaign);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            sum->campaigns = (uint64_t)sqlite3_column_int64(st, 0);
            sum->graphs = (uint64_t)sqlite3_column_int64(st, 1);
            sum->graphs_unchecked = (uint64_t)sqlite3_column_int64(st, 2);
            sum->seconds = sqlite3_column_double(st, 3);
            sum->checks = (uint64_t)sqlite3_column_int64(st, 4);
            sum->reproducers = (uint64_t)sqlite3_column_int64(st, 5);
            sum->reproducers_no_file = (uint64_t)sqlite3_column_int64(st, 6);
            sum->ops_covered = (unsigned)sqlite3_column_int64(st, 7);
        } else {
            status = s_fail(s, rc, err, "cannot summarize");
        }
        sqlite3_finalize(st);
    }
    if (status == WG_OK)
        status = query_counts(s, campaign, "SELECT g.verdict, count(*) FROM graph g WHERE "
                              IN_CAMPAIGN("g") " AND g.verdict IS NOT NULL GROUP BY g.verdict",
                              sum->graph_verdicts, err);
    if (status == WG_OK)
        status = query_counts(s, campaign, "SELECT c.verdict, count(*) FROM check_result c "
                              "JOIN graph g ON c.graph = g.id WHERE " IN_CAMPAIGN("g")
                              " GROUP BY c.verdict", sum->check_verdicts, err);
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    return status;
}

int wg_store_fails_by_op(wg_store *s, int64_t campaign, wg_store_op_fn fn, void *ctx,
                         wg_store_error *err)
{
    clear_error(err);
    if (!s || !fn)
        return fail(err, WG_EINVAL, "wg_store_fails_by_op: NULL argument");
    sqlite3_stmt *st;
    int status = prepare(s,
        "SELECT c.blame_op, count(*) AS n, count(DISTINCT c.graph) FROM check_result c"
        " JOIN graph g ON c.graph = g.id WHERE c.verdict = 'fail' AND " IN_CAMPAIGN("g")
        " GROUP BY c.blame_op ORDER BY n DESC, c.blame_op", &st, err);
    if (status != WG_OK)
        return status;
    sqlite3_bind_int64(st, 1, campaign);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, (const char *)sqlite3_column_text(st, 0),
               (uint64_t)sqlite3_column_int64(st, 1), (uint64_t)sqlite3_column_int64(st, 2))) {
            rc = SQLITE_DONE;
            break;
        }
    if (rc != SQLITE_DONE)
        status = s_fail(s, rc, err, "cannot list the failures");
    sqlite3_finalize(st);
    return status;
}

static int print_fail_line(void *ctx, const char *op, uint64_t checks, uint64_t graphs)
{
    fprintf((FILE *)ctx, "  fail blamed on %s: %" PRIu64 " checks in %" PRIu64 " graphs\n",
            op ? op : "(no op)", checks, graphs);
    return 0;
}

static void print_verdicts(FILE *out, const char *what, const uint64_t *count)
{
    fprintf(out, "  %s:", what);
    for (int v = 0; v < WG_VERDICT_COUNT; v++)
        fprintf(out, " %s %" PRIu64 "%s", wg_verdict_name((wg_verdict)v), count[v],
                v + 1 < WG_VERDICT_COUNT ? "," : "\n");
}

int wg_store_print_summary(wg_store *s, int64_t campaign, FILE *out, wg_store_error *err)
{
    wg_store_summary sum;
    if (!out)
        return fail(err, WG_EINVAL, "wg_store_print_summary: NULL argument");
    int status = wg_store_summarize(s, campaign, &sum, err);
    if (status != WG_OK)
        return status;
    fprintf(out, "%s: %" PRIu64 " campaign%s, %" PRIu64 " graphs (%" PRIu64 " unchecked), %"
            PRIu64 " checks, %.3f s of checking\n", s->path, sum.campaigns,
            sum.campaigns == 1 ? "" : "s", sum.graphs, sum.graphs_unchecked, sum.checks,
            sum.seconds);
    print_verdicts(out, "checks", sum.check_verdicts);
    print_verdicts(out, "graphs", sum.graph_verdicts);
    fprintf(out, "  ops covered: %u of %d; reproducers: %" PRIu64, sum.ops_covered,
            (int)WG_OP_COUNT, sum.reproducers);
    /* a reproducer whose file could not be written is not lost (its text
     * is stored), but it is not where the reader would look for it */
    if (sum.reproducers_no_file)
        fprintf(out, " (%" PRIu64 " in the store only, not as files)", sum.reproducers_no_file);
    fputc('\n', out);
    return wg_store_fails_by_op(s, campaign, print_fail_line, out, err);
}
