/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_cli.c -- wengert-report: accuracy reports from result stores.
 *
 *   wengert-report [options] STORE... -o DIR
 *   wengert-report --compare OLD NEW -o DIR
 *
 * Exit status: 0 the report was written; 2 bad usage or input (the
 * message names the file or option); 1 anything else (out of memory, a
 * file that cannot be written). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report_build.h"
#include "tool_version.h"
#include "report_compare.h"
#include "report_data.h"
#include "report_plot.h"
#include "report_stepsize.h"
#include "report_write.h"
#include "wengert.h"

static const char usage_text[] =
    "Usage: wengert-report [options] STORE... -o DIR\n"
    "       wengert-report --compare OLD NEW -o DIR\n"
    "\n"
    "Turns result stores of wengert-fuzz (OUT/results.sqlite, or OUT itself) and of\n"
    "wengert-verify --store into an accuracy report: DIR/report.html (one file, plots\n"
    "inline), DIR/report.md, DIR/ops.csv, DIR/fails.csv and DIR/plots/*.svg.\n"
    "\n"
    "Options:\n"
    "  -o, --out DIR        where to write (made if missing)\n"
    "  --compare OLD NEW    what got better or worse per op between two runs:\n"
    "                       DIR/compare.html, DIR/compare.md and a summary on stdout\n"
    "  --threshold F        for --compare: the factor of change in the 99th\n"
    "                       percentile that counts as better or worse (default 2)\n"
    "  --max-rows N         failures and suite cases listed (default 200; 0: all;\n"
    "                       fails.csv always has every one)\n"
    "  --no-plots           leave the plots out even when gnuplot is there\n"
    "  -q, --quiet          no summary on stdout\n"
    "  -h, --help           this text\n"
    "  -V, --version        the version, and of the libraries it runs on\n"
    "\n"
    "Environment: WG_GNUPLOT, the gnuplot to run (a path; not an executable: no plots).\n"
    "Exit status: 0 written, 2 bad usage or input, 1 other errors.\n";

static int die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("wengert-report: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

/* ------------------------------------------------------------------ files */

static int mkdir_p(const char *dir, char *why, size_t len)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(why, len, "%s: path too long", dir);
        return -1;
    }
    for (char *p = path + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            struct stat st;
            if (stat(path, &st) != 0) {
                if (mkdir(path, 0777) != 0 && errno != EEXIST) {
                    snprintf(why, len, "%.900s: cannot create: %s", path, strerror(errno));
                    return -1;
                }
            } else if (!S_ISDIR(st.st_mode)) {
                snprintf(why, len, "%.900s: not a directory", path);
                return -1;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(why, len, "%s: cannot write there: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

typedef int (*write_fn)(FILE *out, const void *ctx);

/* DIR/NAME written whole or not at all: to a temporary name, then renamed */
static int write_file(const char *dir, const char *name, write_fn fn, const void *ctx)
{
    char path[PATH_MAX], tmp[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return die(1, "%s: cannot create: %s", tmp, strerror(errno));
    int st = fn(f, ctx);
    /* the writers' status says only that a write failed; errno says why
     * (a full disk: "No space left on device"), the failed write's when
     * the writer failed, the close's otherwise */
    int e = st == WG_EIO ? errno : 0;
    int ce = fclose(f) != 0 ? errno : 0;
    if (ce || st != WG_OK) {
        unlink(tmp);
        return die(1, "%s: cannot write: %s", path, e ? strerror(e) : ce ? strerror(ce)
                   : wg_strerror(st));
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return die(1, "%s: cannot write: %s", path, strerror(errno));
    }
    return 0;
}

typedef struct html_ctx {
    const wg_doc *doc;
    const wg_plots *plots;
} html_ctx;

static int put_html(FILE *out, const void *ctx)
{
    const html_ctx *h = ctx;
    return wg_write_html(h->doc, h->plots, out);
}

static int put_md(FILE *out, const void *ctx)
{
    return wg_write_md(ctx, out);
}

static int put_ops(FILE *out, const void *ctx)
{
    return wg_write_ops_csv(ctx, out);
}

static int put_fails(FILE *out, const void *ctx)
{
    return wg_report_write_fails_csv(ctx, out);
}

static int put_text(FILE *out, const void *ctx)
{
    fputs(ctx, out);
    return ferror(out) ? WG_EIO : WG_OK;
}

/* ------------------------------------------------------------------ text */

/* the command line, each word quoted for the shell where needed */
static char *command_line(int argc, char **argv)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    if (!f)
        return NULL;
    for (int i = 0; i < argc; i++) {
        char *q = wg_rep_shell_quote(i ? argv[i] : "wengert-report");
        if (q)
            fprintf(f, "%s%s", i ? " " : "", q);
        free(q);
    }
    if (fclose(f) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

static void utc_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

/* ------------------------------------------------------------------ the two modes */

static int write_plots(const char *dir, const wg_plots *p, char *why, size_t len)
{
    int any = 0;
    for (size_t i = 0; i < p->n; i++)
        any |= p->items[i].svg != NULL;
    if (!any)
        return 0;
    char pd[PATH_MAX];
    snprintf(pd, sizeof pd, "%s/plots", dir);
    if (mkdir_p(pd, why, len) != 0)
        return -1;
    for (size_t i = 0; i < p->n; i++) {
        if (!p->items[i].svg)
            continue;
        char name[64];
        snprintf(name, sizeof name, "%s.svg", p->items[i].name);
        if (write_file(pd, name, put_text, p->items[i].svg) != 0)
            return -2;
    }
    return 0;
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int report(const char *const *stores, size_t n, const char *dir, size_t max_rows,
                  int no_plots, int quiet, const char *cmdline)
{
    double t0 = seconds_now();
    wg_report_options o;
    wg_report_options_init(&o);
    o.max_rows = max_rows;
    wg_report_data *d = NULL;
    char why[1024];
    int st = wg_report_load(stores, n, &o, &d, why, sizeof why);
    if (st != WG_OK)
        return die(st == WG_ENOMEM ? 1 : 2, "%s", why);
    wg_step_study steps[WG_STEP_STUDIES];
    wg_step_studies(steps);
    wg_plots plots;
    wg_plots_init(&plots, no_plots);
    wg_plot_report(&plots, d, steps, WG_STEP_STUDIES);
    char when[64];
    utc_now(when, sizeof when);
    wg_report_meta meta = { cmdline, when };
    wg_doc *doc = wg_report_document(d, &plots, steps, WG_STEP_STUDIES, &meta);
    int status = 0;
    if (!doc) {
        status = die(1, "out of memory building the report");
        goto out;
    }
    html_ctx h = { doc, &plots };
    int pw;
    if ((pw = write_plots(dir, &plots, why, sizeof why)) != 0) {
        status = pw == -1 ? die(2, "%s", why) : 1;
        goto out;
    }
    if (write_file(dir, "report.html", put_html, &h) || write_file(dir, "report.md", put_md, doc)
        || write_file(dir, "ops.csv", put_ops, d) || write_file(dir, "fails.csv", put_fails, d)) {
        status = 1;
        goto out;
    }
    /* said whatever --quiet says: figures that leave rows out */
    for (size_t i = 0; i < d->nwarnings; i++)
        fprintf(stderr, "wengert-report: warning: %s\n", d->warnings[i]);
    if (!quiet) {
        size_t made = 0;
        for (size_t i = 0; i < plots.n; i++)
            made += plots.items[i].svg != NULL;
        printf("wengert-report: %llu checks (%llu judged) from %zu store%s: %llu failing, "
               "%llu AD errors over their bound\n",
               (unsigned long long)d->checks, (unsigned long long)d->judged, d->nstores,
               d->nstores == 1 ? "" : "s",
               (unsigned long long)d->check_verdicts[WG_VERDICT_FAIL],
               (unsigned long long)(d->violations[0] + d->violations[1]));
        printf("  %.2f s in all: %.2f s reading the stores, %.2f s counting, %.2f s selecting "
               "percentiles\n", seconds_now() - t0, d->seconds_load, d->seconds_count,
               d->seconds_select);
        printf("  wrote %s/report.html, report.md, ops.csv, fails.csv", dir);
        if (made)
            printf(", plots/ (%zu plots)\n", made);
        else
            printf("; plots omitted: %s\n", plots.why[0] ? plots.why
                   : plots.n && plots.items[0].why[0] ? plots.items[0].why : "none could be drawn");
    }
out:
    wg_doc_free(doc);
    wg_plots_free(&plots);
    wg_report_data_free(d);
    return status;
}

static int compare(const char *old_store, const char *new_store, const char *dir,
                   double factor, int quiet, const char *cmdline)
{
    wg_report_options o;
    wg_report_options_init(&o);
    wg_report_data *b = NULL, *a = NULL;
    char why[1024];
    int st = wg_report_load(&old_store, 1, &o, &b, why, sizeof why);
    if (st == WG_OK)
        st = wg_report_load(&new_store, 1, &o, &a, why, sizeof why);
    if (st != WG_OK) {
        wg_report_data_free(b);
        return die(st == WG_ENOMEM ? 1 : 2, "%s", why);
    }
    /* in the comparison too: figures that leave rows out */
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < (k ? a : b)->nwarnings; i++)
            fprintf(stderr, "wengert-report: warning: %s\n", (k ? a : b)->warnings[i]);
    wg_compare c;
    int status = 0;
    wg_doc *doc = NULL;
    if (wg_compare_runs(b, a, old_store, new_store, factor, &c) != WG_OK) {
        status = die(1, "out of memory");
        goto out;
    }
    char when[64];
    utc_now(when, sizeof when);
    if (!(doc = wg_compare_document(&c, cmdline, when))) {
        status = die(1, "out of memory building the comparison");
        goto out;
    }
    wg_plots none;
    wg_plots_init(&none, 1);
    html_ctx h = { doc, &none };
    if (write_file(dir, "compare.html", put_html, &h) ||
        write_file(dir, "compare.md", put_md, doc)) {
        status = 1;
        goto out;
    }
    if (!quiet) {
        wg_compare_summary(&c, stdout);
        printf("  wrote %s/compare.html, compare.md\n", dir);
    }
out:
    wg_doc_free(doc);
    wg_compare_free(&c);
    wg_report_data_free(a);
    wg_report_data_free(b);
    return status;
}

/* ------------------------------------------------------------------ main */

static int parse_size(const char *opt, const char *v, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (!*v || *end || errno || v[0] == '-')
        return die(2, "%s: '%s' is not a count", opt, v);
    *out = (size_t)n;
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *old_store = NULL, *new_store = NULL;
    size_t max_rows = 200;
    double factor = 2;
    int no_plots = 0, quiet = 0;
    const char **stores = calloc((size_t)argc, sizeof *stores);
    size_t n = 0;
    if (!stores)
        return die(1, "out of memory");
    int status = 0;
    for (int i = 1; i < argc && !status; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_text, stdout);
            free(stores);
            return 0;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            wg_tool_version(stdout, "wengert-report");
            free(stores);
            return 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            if (!v)
                status = die(2, "%s needs a value", a);
            dir = v;
            i++;
        } else if (!strcmp(a, "--compare")) {
            if (i + 2 >= argc || argv[i + 1][0] == '-' || argv[i + 2][0] == '-')
                status = die(2, "--compare needs two stores: OLD NEW");
            else {
                old_store = argv[i + 1];
                new_store = argv[i + 2];
                i += 2;
            }
        } else if (!strcmp(a, "--threshold")) {
            char *end;
            if (!v)
                status = die(2, "--threshold needs a value");
            else if ((factor = strtod(v, &end)), *end || !*v || !(factor > 1) || factor > 1e300)
                status = die(2, "--threshold: '%s' is not a factor above 1", v);
            i++;
        } else if (!strcmp(a, "--max-rows")) {
            if (!v)
                status = die(2, "--max-rows needs a value");
            else
                status = parse_size("--max-rows", v, &max_rows);
            i++;
        } else if (!strcmp(a, "--no-plots")) {
            no_plots = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            status = die(2, "unknown option '%s' (see --help)", a);
        } else {
            stores[n++] = a;
        }
    }
    char why[1024];
    if (!status && !dir)
        status = die(2, "no output folder: give -o DIR (see --help)");
    if (!status && old_store && n)
        status = die(2, "--compare takes exactly two stores; '%s' is one too many", stores[0]);
    if (!status && !old_store && !n)
        status = die(2, "no store given (see --help)");
    if (!status && mkdir_p(dir, why, sizeof why) != 0)
        status = die(2, "%s", why);
    char *cmd = status ? NULL : command_line(argc, argv);
    if (!status && !cmd)
        status = die(1, "out of memory");
    if (!status)
        status = old_store ? compare(old_store, new_store, dir, factor, quiet, cmd)
                           : report(stores, n, dir, max_rows, no_plots, quiet, cmd);
    free(cmd);
    free(stores);
    return status;
}
