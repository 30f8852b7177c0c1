/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report_plot.c -- gnuplot scripts and data for the report's plots (see
 * report_plot.h). */
#define _XOPEN_SOURCE 700

#include "report_plot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* the terminal the issue asks for: 800 x 450 points, scaled to the page
 * (dynamic), sub- and superscripts in labels (enhanced) */
static const char prelude[] =
    "set terminal svg size 800,450 dynamic enhanced font 'sans,11'\n"
    "set encoding utf8\n"
    "set border lw 1 lc rgb '#444444'\n"
    "set grid lc rgb '#dddddd' lw 1\n"
    "set key top right box opaque\n";

/* one colour per method, reverse forward central gsl */
static const char *const method_color[WG_METHOD_COUNT] = { "#1f77b4", "#d95f02", "#2ca02c",
                                                           "#7570b3" };

/* ------------------------------------------------------------------ setup */

static int executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

void wg_plots_init(wg_plots *p, int disabled)
{
    memset(p, 0, sizeof *p);
    if (disabled) {
        snprintf(p->why, sizeof p->why, "plots were turned off (--no-plots)");
        return;
    }
    const char *env = getenv("WG_GNUPLOT");
    if (env) {
        if (!executable(env)) {
            snprintf(p->why, sizeof p->why, "WG_GNUPLOT=%.200s is not an executable file", env);
            return;
        }
        snprintf(p->gnuplot, sizeof p->gnuplot, "%s", env);
    } else {
        /* as `command -v gnuplot` looks: each folder of PATH in turn */
        const char *path = getenv("PATH");
        for (const char *s = path ? path : ""; *s && !p->gnuplot[0];) {
            size_t n = strcspn(s, ":");
            char cand[1024];
            snprintf(cand, sizeof cand, "%.*s/gnuplot", (int)(n ? n : 1), n ? s : ".");
            if (executable(cand))
                snprintf(p->gnuplot, sizeof p->gnuplot, "%s", cand);
            s += n;
            if (*s == ':')
                s++;
        }
        if (!p->gnuplot[0]) {
            snprintf(p->why, sizeof p->why, "gnuplot was not found on PATH (install it, e.g. "
                     "apt-get install gnuplot-nox, or set WG_GNUPLOT to its path)");
            return;
        }
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(p->dir, sizeof p->dir, "%s/wg-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(p->dir)) {
        snprintf(p->why, sizeof p->why, "cannot make a temporary folder for the plots: %s",
                 strerror(errno));
        p->dir[0] = '\0';
        return;
    }
    p->available = 1;
}

void wg_plots_free(wg_plots *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i].svg);
        free(p->items[i].inline_svg);
    }
    p->n = 0;
    if (p->dir[0]) {
        DIR *dir = opendir(p->dir);
        struct dirent *e;
        while (dir && (e = readdir(dir))) {
            if (e->d_name[0] == '.')
                continue;
            char f[600];
            snprintf(f, sizeof f, "%s/%s", p->dir, e->d_name);
            unlink(f);
        }
        if (dir)
            closedir(dir);
        rmdir(p->dir);
        p->dir[0] = '\0';
    }
}

const wg_plot *wg_plots_find(const wg_plots *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->items[i].name, name) == 0)
            return &p->items[i];
    return NULL;
}

static wg_plot *new_plot(wg_plots *p, const char *name)
{
    if (p->n == WG_PLOTS_MAX)
        return NULL;
    wg_plot *pl = &p->items[p->n++];
    memset(pl, 0, sizeof *pl);
    snprintf(pl->name, sizeof pl->name, "%s", name);
    if (!p->available)
        snprintf(pl->why, sizeof pl->why, "%s", p->why);
    return pl;
}

/* ------------------------------------------------------------------ files */

static void file_path(const wg_plots *p, const char *file, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", p->dir, file);
}

/* a path as a gnuplot string: single quotes, a quote doubled */
static void gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *b = realloc(buf, 2 * cap);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* ------------------------------------------------------------------ scripts */

/* a growing script */
typedef struct buf {
    char *s;
    size_t n, cap;
} buf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void bprintf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list aq;
    va_copy(aq, ap);
    int k = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (k >= 0 && b->n + (size_t)k + 1 > b->cap) {
        size_t cap = (b->cap + (size_t)k + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            va_end(ap);
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    if (k >= 0) {
        vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
        b->n += (size_t)k;
    }
    va_end(ap);
}

/* The SVG for inlining: from "<svg" on, ids and references to them
 * prefixed with "NAME-".  gnuplot gives a curve's group and its key entry
 * the same id ("gnuplot_plot_1"): a repeated id gets "-2", "-3", ... (no
 * reference names those). */
static char *inline_form(const char *svg, const char *name)
{
    const char *start = strstr(svg, "<svg");
    if (!start)
        return NULL;
    static const char *const refs[] = { "href='#", "href=\"#", "url(#" };
    buf b = { 0 };
    const char **seen = NULL;
    size_t nseen = 0;
    int ok = 1;
    for (const char *s = start; *s && ok;) {
        int at_attr = s > start && (s[-1] == ' ' || s[-1] == '\t' || s[-1] == '\n');
        if (at_attr && (strncmp(s, "id='", 4) == 0 || strncmp(s, "id=\"", 4) == 0)) {
            char q = s[3];
            const char *v = s + 4, *e = strchr(v, q);
            if (!e)
                break;
            size_t n = (size_t)(e - v), dup = 0;
            for (size_t i = 0; i < nseen; i++)
                dup += strlen(seen[i]) == n && strncmp(seen[i], v, n) == 0 ? 1 : 0;
            const char **ns = realloc(seen, (nseen + 1) * sizeof *ns);
            char *copy = strndup(v, n);
            if (!ns || !copy) {
                free(copy);
                ok = 0;
                if (ns)
                    seen = ns;
                break;
            }
            seen = ns;
            seen[nseen++] = copy;
            bprintf(&b, "id=%c%s-%.*s", q, name, (int)n, v);
            if (dup)
                bprintf(&b, "-%zu", dup + 1);
            bprintf(&b, "%c", q);
            s = e + 1;
            continue;
        }
        size_t hit = 0;
        for (size_t k = 0; k < sizeof refs / sizeof refs[0] && !hit; k++)
            if (strncmp(s, refs[k], strlen(refs[k])) == 0)
                hit = strlen(refs[k]);
        if (hit) {
            bprintf(&b, "%.*s%s-", (int)hit, s, name);
            s += hit;
            continue;
        }
        /* copy up to the next place that may start an id or a reference */
        size_t n = strcspn(s + 1, "ihu") + 1;
        bprintf(&b, "%.*s", (int)n, s);
        s += n;
    }
    for (size_t i = 0; i < nseen; i++)
        free((char *)seen[i]);
    free(seen);
    if (!ok || !b.s) {
        free(b.s);
        return NULL;
    }
    /* every tag on one line: the same SVG, and libxml2's HTML parser
     * (xmllint --html) misreads some long attribute values that span lines */
    int in_tag = 0;
    for (char *c = b.s; *c; c++) {
        if (*c == '<')
            in_tag = 1;
        else if (*c == '>')
            in_tag = 0;
        else if (in_tag && (*c == '\n' || *c == '\t' || *c == '\r'))
            *c = ' ';
    }
    return b.s;
}

/* seconds gnuplot may take for one plot: WG_GNUPLOT_TIMEOUT when it is a
 * positive number, else 60 (a plot takes well under a second) */
static double gnuplot_timeout(void)
{
    const char *s = getenv("WG_GNUPLOT_TIMEOUT");
    char *end;
    double t = s && *s ? strtod(s, &end) : 0;
    return s && *s && !*end && t > 0 && t < 1e6 ? t : 60;
}

/* Run script (after the prelude) with output to NAME.svg; keep the SVG.
 * gnuplot reads the script from a file, not a pipe, so that a gnuplot that
 * hangs cannot block this program on a write; it runs in a process group
 * of its own, killed whole when it outlives gnuplot_timeout(). */
static void run(wg_plots *p, wg_plot *pl, const char *script)
{
    char svg[512], err[512], in[512];
    if (p->hung) {
        snprintf(pl->why, sizeof pl->why, "skipped: gnuplot did not finish an earlier plot in "
                 "time");
        return;
    }
    snprintf(svg, sizeof svg, "%s/%s.svg", p->dir, pl->name);
    file_path(p, "gnuplot.err", err, sizeof err);
    file_path(p, "gnuplot.in", in, sizeof in);
    FILE *f = fopen(in, "w");
    if (!f) {
        snprintf(pl->why, sizeof pl->why, "cannot write gnuplot.in: %s", strerror(errno));
        return;
    }
    fputs(prelude, f);
    fputs("set output ", f);
    gp_string(f, svg);
    fputc('\n', f);
    fputs(script, f);
    fputs("\nset output\n", f);
    if (fclose(f) != 0) {
        snprintf(pl->why, sizeof pl->why, "cannot write gnuplot.in: %s", strerror(errno));
        remove(in);
        return;
    }
    double limit = gnuplot_timeout();
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        int fi = open(in, O_RDONLY), fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fi < 0 || fe < 0 || dup2(fi, 0) < 0 || dup2(fe, 2) < 0)
            _exit(127);
        execl(p->gnuplot, "gnuplot", (char *)NULL);
        _exit(127);
    }
    if (pid < 0) {
        snprintf(pl->why, sizeof pl->why, "cannot run gnuplot: %s", strerror(errno));
        remove(in);
        return;
    }
    setpgid(pid, pid);          /* both sides, so the group exists before a kill */
    int status = 0, timed_out = 0;
    struct timespec t0, now, nap = { 0, 20000000 };
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - t0.tv_nsec) > limit) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            timed_out = p->hung = 1;
            break;
        }
        nanosleep(&nap, NULL);
    }
    remove(in);
    if (timed_out) {
        snprintf(pl->why, sizeof pl->why, "gnuplot did not finish in %g s and was stopped "
                 "(WG_GNUPLOT_TIMEOUT sets the limit)", limit);
        return;
    }
    if (status != 0) {
        char *e = read_file(err);
        char line[200] = "";
        if (e) {
            /* gnuplot's message: its last non-empty line says what */
            const char *last = e;
            for (char *s = e; *s; s++)
                if (*s == '\n' && s[1] && s[1] != '\n')
                    last = s + 1;
            snprintf(line, sizeof line, "%.*s", (int)strcspn(last, "\n"), last);
            free(e);
        }
        /* the exit status or the signal, not the raw wait status */
        char how[64];
        if (WIFEXITED(status))
            snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
            snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
        else
            snprintf(how, sizeof how, "wait status %d", status);
        snprintf(pl->why, sizeof pl->why, "gnuplot failed (%s)%s%s", how, line[0] ? ": " : "",
                 line);
        return;
    }
    pl->svg = read_file(svg);
    if (!pl->svg || !strstr(pl->svg, "</svg>")) {
        snprintf(pl->why, sizeof pl->why, "gnuplot wrote no SVG");
        free(pl->svg);
        pl->svg = NULL;
        return;
    }
    if (!(pl->inline_svg = inline_form(pl->svg, pl->name))) {
        snprintf(pl->why, sizeof pl->why, "out of memory");
        free(pl->svg);
        pl->svg = NULL;
    }
}

static void bpath(buf *b, const wg_plots *p, const char *file)
{
    char path[600];
    file_path(p, file, path, sizeof path);
    bprintf(b, "'");
    for (const char *s = path; *s; s++)
        bprintf(b, *s == '\'' ? "''" : "%c", *s);
    bprintf(b, "'");
}

static FILE *data_file(const wg_plots *p, const char *file)
{
    char path[600];
    file_path(p, file, path, sizeof path);
    return fopen(path, "w");
}

/* tics at every k-th decade in [lo, hi], labelled 10^{n} */
static void decade_tics(buf *b, const char *axis, int lo, int hi)
{
    int step = hi - lo > 24 ? 5 : hi - lo > 12 ? 2 : 1;
    bprintf(b, "set %stics (", axis);
    int first = 1;
    for (int e = lo; e <= hi; e++)
        if (e % step == 0) {
            bprintf(b, "%s\"10^{%d}\" %d", first ? "" : ", ", e, e);
            first = 0;
        }
    bprintf(b, ")\n");
}

/* Histograms of log10 of values, one series per hist, with exact zeros as
 * bars left of the rest, on a log count axis.  xlabel: what the values
 * are; mark: draw the bound at x = 0 */
static void plot_hists(wg_plots *p, const char *name, const wg_rep_hist *h, size_t nh,
                       const char *const *titles, const char *const *colors,
                       const char *xlabel, int mark)
{
    wg_plot *pl = new_plot(p, name);
    if (!pl || !p->available)
        return;
    int lo = WG_REP_HIST_BINS, hi = -1;
    uint64_t any_zero = 0, total = 0;
    for (size_t i = 0; i < nh; i++) {
        if (h[i].hi >= h[i].lo) {
            lo = h[i].lo < lo ? h[i].lo : lo;
            hi = h[i].hi > hi ? h[i].hi : hi;
        }
        any_zero += h[i].zeros;
        total += h[i].n;
    }
    if (!total) {
        snprintf(pl->why, sizeof pl->why, "no values to plot");
        return;
    }
    /* x in decades: bin k covers [MIN + k STEP, MIN + (k+1) STEP) */
    double x0 = hi >= lo ? WG_REP_HIST_MIN + lo * WG_REP_HIST_STEP : (mark ? -1 : -17);
    double x1 = hi >= lo ? WG_REP_HIST_MIN + (hi + 1) * WG_REP_HIST_STEP : x0 + 1;
    if (mark) {
        x0 = fmin(x0, -1);
        x1 = fmax(x1, 1);
    }
    int dlo = (int)floor(x0), dhi = (int)ceil(x1);
    /* the exact-zero bars, left of the axis with a gap that keeps their
     * label clear of the first decade's */
    double gap = fmax(1.5, 0.09 * (dhi - dlo));
    double xz = dlo - gap;
    char file[64];
    snprintf(file, sizeof file, "%s.dat", name);
    FILE *f = data_file(p, file);
    if (!f) {
        snprintf(pl->why, sizeof pl->why, "cannot write plot data: %s", strerror(errno));
        return;
    }
    for (size_t i = 0; i < nh; i++) {
        /* block i: the bins (a 0 before and after, so the steps close) */
        fprintf(f, "# %s\n", titles[i]);
        if (hi >= lo)
            for (int k = lo - 1; k <= hi + 1; k++) {
                uint64_t c = k >= 0 && k < WG_REP_HIST_BINS ? h[i].count[k] : 0;
                double x = WG_REP_HIST_MIN + (k + 0.5) * WG_REP_HIST_STEP;
                fprintf(f, "%.6g %llu\n", x, (unsigned long long)c);
            }
        else
            fprintf(f, "%.6g 0\n", x0);
        fprintf(f, "\n\n");
    }
    for (size_t i = 0; i < nh; i++) {
        double off = nh > 1 ? -0.45 + 0.9 * (double)i / (double)(nh - 1) : 0;
        fprintf(f, "%.6g %llu\n\n\n", xz + off, (unsigned long long)h[i].zeros);
    }
    fclose(f);
    buf b = { 0 };
    bprintf(&b, "set logscale y\nset yrange [0.8:*]\nset format y '10^{%%T}'\n");
    bprintf(&b, "set xrange [%g:%g]\n", any_zero ? xz - gap / 2 : dlo - 0.5, dhi + 0.5);
    decade_tics(&b, "x", dlo, dhi);
    if (any_zero) {
        bprintf(&b, "set xtics add (\"0 (exact)\" %g)\n", xz);
        bprintf(&b, "set arrow from %g, graph 0 to %g, graph 1 nohead dt 3 lc rgb '#888888'\n",
                xz + gap / 2, xz + gap / 2);
    }
    if (mark) {
        bprintf(&b, "set object 1 rect from 0, graph 0 to graph 1, graph 1 behind "
                    "fc rgb '#fbe3e1' fs solid 1.0 noborder\n");
        bprintf(&b, "set arrow from 0, graph 0 to 0, graph 1 nohead lw 2 lc rgb '#c0392b'\n");
        bprintf(&b, "set label 'error = bound' at 0, graph 0.96 right offset -0.5,0 "
                    "tc rgb '#c0392b'\n");
        bprintf(&b, "set label 'violations' at 0, graph 0.96 left offset 0.5,0 "
                    "tc rgb '#c0392b'\n");
    }
    bprintf(&b, "set xlabel \"%s\"\nset ylabel 'checks'\nplot ", xlabel);
    int first = 1;
    for (size_t i = 0; i < nh; i++) {
        if (!h[i].n)
            continue;
        bprintf(&b, "%s", first ? "" : ", ");
        bpath(&b, p, file);
        /* an empty bin at 0.5, under the axis (0.8): the step goes down to
         * it; as NaN, histeps would draw on at the last count */
        bprintf(&b, " index %zu using 1:($2 > 0 ? $2 : 0.5) with histeps lw 2 lc rgb '%s' "
                "title '%s'", i, colors[i], titles[i]);
        if (h[i].zeros) {
            bprintf(&b, ", ");
            bpath(&b, p, file);
            bprintf(&b, " index %zu using 1:2 with impulses lw 7 lc rgb '%s' notitle",
                    nh + i, colors[i]);
        }
        first = 0;
    }
    bprintf(&b, "\n");
    if (b.s)
        run(p, pl, b.s);
    free(b.s);
}

static void plot_error_hist(wg_plots *p, const wg_report_data *d)
{
    const char *titles[WG_METHOD_COUNT], *colors[WG_METHOD_COUNT];
    for (int m = 0; m < WG_METHOD_COUNT; m++) {
        titles[m] = wg_method_name((wg_method)m);
        colors[m] = method_color[m];
    }
    plot_hists(p, "hist", d->rel_hist, WG_METHOD_COUNT, titles, colors,
               "relative error against the MPFR reference (log_{10} bins of half a decade)", 0);
}

static void plot_tightness(wg_plots *p, const wg_report_data *d)
{
    const char *titles[2] = { "reverse", "forward" };
    const char *colors[2] = { method_color[0], method_color[1] };
    plot_hists(p, "tightness", d->ratio_hist, 2, titles, colors,
               "observed error / bound (log_{10} bins of half a decade)", 1);
}

/* the floor that stands for an exact 0 on a log axis: a decade below the
 * smallest positive value */
static double zero_floor(double minpos)
{
    return isfinite(minpos) && minpos > 0 ? pow(10, floor(log10(minpos)) - 1) : 1e-17;
}

static void plot_size(wg_plots *p, const wg_report_data *d)
{
    wg_plot *pl = new_plot(p, "size");
    if (!pl || !p->available)
        return;
    double minpos = INFINITY;
    unsigned xmin = UINT32_MAX, xmax = 0;
    int rows = 0, zeros = 0;
    for (int b = 0; b < WG_REP_SIZE_BINS; b++)
        for (int m = 0; m < WG_METHOD_COUNT; m++) {
            const wg_rep_stat *s = &d->sizes[b].fig[WG_REP_REL(m)];
            if (!s->n)
                continue;
            double v[2] = { s->median, s->p99 };
            for (int k = 0; k < 2; k++) {
                if (v[k] > 0 && v[k] < minpos)
                    minpos = v[k];
                zeros += v[k] == 0;
            }
            xmin = d->sizes[b].lo < xmin ? d->sizes[b].lo : xmin;
            xmax = d->sizes[b].lo > xmax ? d->sizes[b].lo : xmax;
            rows++;
        }
    if (!rows) {
        snprintf(pl->why, sizeof pl->why, "no values to plot");
        return;
    }
    double fl = zero_floor(minpos);
    FILE *f = data_file(p, "size.dat");
    if (!f) {
        snprintf(pl->why, sizeof pl->why, "cannot write plot data: %s", strerror(errno));
        return;
    }
    for (int b = 0; b < WG_REP_SIZE_BINS; b++) {
        const wg_rep_size *s = &d->sizes[b];
        if (!s->fig[0].n && !s->fig[WG_REP_REL(2)].n)
            continue;
        /* x: the middle of the bin's nodes */
        double x = s->hi == UINT32_MAX ? s->lo : 0.5 * (s->lo + s->hi);
        fprintf(f, "%g", x);
        for (int m = 0; m < WG_METHOD_COUNT; m++) {
            const wg_rep_stat *st = &s->fig[WG_REP_REL(m)];
            /* a p99 of fewer than 100 values is the maximum or next to it:
             * drawn only where it means what it says */
            double v[2] = { st->median, st->n >= 100 ? st->p99 : NAN };
            for (int k = 0; k < 2; k++)
                fprintf(f, " %.17g", !st->n ? NAN : v[k] == 0 ? fl : v[k]);
        }
        fprintf(f, "\n");
    }
    fclose(f);
    buf b = { 0 };
    bprintf(&b, "set logscale y\nset format y '10^{%%T}'\n");
    if (zeros)
        bprintf(&b, "set ytics add (\"0 (exact)\" %g)\n", fl);
    if (xmax >= 16 * (xmin ? xmin : 1))
        bprintf(&b, "set logscale x\n");
    bprintf(&b, "set xlabel 'nodes in the graph'\nset ylabel 'relative error'\n"
                "set key outside right top\nplot ");
    for (int m = 0; m < WG_METHOD_COUNT; m++) {
        bprintf(&b, "%s", m ? ", " : "");
        bpath(&b, p, "size.dat");
        bprintf(&b, " using 1:%d with linespoints lw 2 pt 7 ps 0.6 lc rgb '%s' title '%s median'"
                ", ", 2 + 2 * m, method_color[m], wg_method_name((wg_method)m));
        bpath(&b, p, "size.dat");
        bprintf(&b, " using 1:%d with lines lw 1.5 dt 2 lc rgb '%s' title '%s p99'", 3 + 2 * m,
                method_color[m], wg_method_name((wg_method)m));
    }
    bprintf(&b, "\n");
    if (b.s)
        run(p, pl, b.s);
    free(b.s);
}

static void plot_step(wg_plots *p, const wg_step_study *st)
{
    char name[32];
    snprintf(name, sizeof name, "step-%s", st->name);
    wg_plot *pl = new_plot(p, name);
    if (!pl || !p->available)
        return;
    if (st->error[0]) {
        snprintf(pl->why, sizeof pl->why, "%s", st->error);
        return;
    }
    double minpos = st->ad_err > 0 ? st->ad_err : INFINITY;
    for (int k = 0; k < WG_STEP_K; k++)
        if (st->err[k] > 0 && st->err[k] < minpos)
            minpos = st->err[k];
    double fl = zero_floor(minpos);
    char file[64];
    snprintf(file, sizeof file, "%s.dat", name);
    FILE *f = data_file(p, file);
    if (!f) {
        snprintf(pl->why, sizeof pl->why, "cannot write plot data: %s", strerror(errno));
        return;
    }
    int zeros = st->ad_err == 0;
    for (int k = 0; k < WG_STEP_K; k++) {
        fprintf(f, "%.17g %.17g\n", st->h[k], st->err[k] == 0 ? fl : st->err[k]);
        zeros |= st->err[k] == 0;
    }
    fclose(f);
    /* reference slopes a decade above the data (on it, the data would hide
     * them): slope 2 through h = s 2^-9, where truncation rules, slope -1
     * through h = s 2^-45, where rounding does */
    int k2 = 8, k1 = 44;
    double c2 = 10 * st->err[k2] / (st->h[k2] * st->h[k2]), c1 = 10 * st->err[k1] * st->h[k1];
    double ad = st->ad_err > 0 ? st->ad_err : fl;
    buf b = { 0 };
    bprintf(&b, "set logscale xy\nset format x '10^{%%T}'\nset format y '10^{%%T}'\n");
    bprintf(&b, "set xrange [%g:%g]\nset yrange [%g:1]\n", st->h[WG_STEP_K - 1] / 2,
            st->h[0] * 2, fl / 3);
    if (zeros)
        bprintf(&b, "set ytics add (\"0 (exact)\" %g)\n", fl);
    bprintf(&b, "set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lw 1.5 lc rgb '#555555'\n",
            st->h_chosen, st->h_chosen);
    bprintf(&b, "set label 'chosen h = ε^{1/3} max(1,|x|)' at %g, graph 0.93 left offset 0.5,0\n",
            st->h_chosen);
    /* the key above the plot: inside, it would hide the bottom of the V */
    bprintf(&b, "set xlabel 'step h'\nset ylabel 'relative error'\n"
                "set key outside top center horizontal maxrows 2 width 2\n");
    bprintf(&b, "plot ");
    bpath(&b, p, file);
    bprintf(&b, " using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '%s' "
                "title 'double central difference', ", method_color[2]);
    bprintf(&b, "%.17g * x**2 with lines dt 3 lw 1.5 lc rgb '#999999' "
                "title 'slope 2 (truncation)', ", isfinite(c2) && c2 > 0 ? c2 : NAN);
    bprintf(&b, "%.17g / x with lines dt 4 lw 1.5 lc rgb '#999999' "
                "title 'slope -1 (rounding)', ", isfinite(c1) && c1 > 0 ? c1 : NAN);
    bprintf(&b, "%.17g with lines lw 2 lc rgb '%s' title 'AD (JVP)%s'\n", ad, method_color[1],
            st->ad_err == 0 ? ": exact" : "");
    if (b.s)
        run(p, pl, b.s);
    free(b.s);
}

void wg_plot_report(wg_plots *p, const wg_report_data *d, const wg_step_study *st, size_t nst)
{
    plot_error_hist(p, d);
    plot_size(p, d);
    plot_tightness(p, d);
    for (size_t i = 0; i < nst; i++)
        plot_step(p, &st[i]);
}
