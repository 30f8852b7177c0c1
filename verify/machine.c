/* SPDX-License-Identifier: GPL-3.0-or-later */
/* machine.c -- the machine a campaign ran on and the account of its runs
 * (machine.h).  Only what a report needs to compare figures across
 * machines: the compiler, the CPU model, the kernel and the processor
 * count.  No host name: stores are shared, and a name says nothing about
 * the speed of a machine. */
#define _POSIX_C_SOURCE 200809L

#include "machine.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* A string literal fixed when this file is compiled: the whole tree is
 * built by one compiler, so this names the one that built the checks. */
#if defined(__clang__)
#define WG_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define WG_COMPILER "gcc " __VERSION__
#elif defined(__VERSION__)
#define WG_COMPILER __VERSION__
#else
#define WG_COMPILER "unknown"
#endif

/* s without blanks at either end, into buf */
static void copy_trimmed(char *buf, size_t len, const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

/* the first "model name : ..." of /proc/cpuinfo (x86 and some others;
 * many ARM kernels have none) */
static int cpu_model(char *buf, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return 0;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        const char *colon = strchr(line, ':');
        if (colon) {
            copy_trimmed(buf, len, colon + 1);
            found = buf[0] != '\0';
        }
    }
    fclose(f);
    return found;
}

void wg_machine_describe(wg_machine *m)
{
    memset(m, 0, sizeof *m);
    copy_trimmed(m->compiler, sizeof m->compiler, WG_COMPILER);
    struct utsname u;
    int have_uname = uname(&u) == 0;
    if (!cpu_model(m->cpu, sizeof m->cpu))
        snprintf(m->cpu, sizeof m->cpu, "%s", have_uname ? u.machine : "unknown");
    if (have_uname)
        snprintf(m->host, sizeof m->host, "%s %s %s", u.sysname, u.release, u.machine);
    else
        snprintf(m->host, sizeof m->host, "unknown");
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    m->cores = n > 0 ? n : 0;
}

/* the number a key holds, 0 when it is absent or not a number */
static int stored_number(wg_store *s, int64_t campaign, const char *key, double *out,
                         wg_store_error *err)
{
    char *v = NULL;
    int status = wg_store_campaign_get_info(s, campaign, key, &v, err);
    *out = 0;
    if (status == WG_OK && v) {
        char *end;
        double d = strtod(v, &end);
        if (end != v && *end == '\0' && d >= 0 && d < 1e300)
            *out = d;
    }
    free(v);
    return status;
}

static int fail(wg_store_error *err, int status, const char *what, const wg_store *s)
{
    if (err) {
        err->status = status;
        snprintf(err->message, sizeof err->message, "%s: %s", s ? wg_store_path(s) : "<store>",
                 what);
    }
    return status;
}

#define MACHINE_KEYS 8   /* the keys wg_machine_record_run writes itself */

int wg_machine_record_run(wg_store *s, int64_t campaign, const char *tool, double elapsed,
                          const wg_store_info *extra, size_t n, wg_store_error *err)
{
    if (!s || (n && !extra))
        return fail(err, WG_EINVAL, "wg_machine_record_run: NULL argument", s);
    double total = 0, runs = 0;
    int status = stored_number(s, campaign, "elapsed_seconds", &total, err);
    if (status == WG_OK)
        status = stored_number(s, campaign, "runs", &runs, err);
    if (status != WG_OK)
        return status;

    wg_machine m;
    wg_machine_describe(&m);
    char cores[32], finished[32], secs[64], nruns[32];
    snprintf(cores, sizeof cores, "%ld", m.cores);
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(finished, sizeof finished, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(finished, sizeof finished, "unknown");
    snprintf(secs, sizeof secs, "%.3f", total + (elapsed > 0 ? elapsed : 0));
    snprintf(nruns, sizeof nruns, "%.0f", runs + 1);

    wg_store_info *kv = malloc((MACHINE_KEYS + n) * sizeof *kv);
    if (!kv)
        return fail(err, WG_ENOMEM, "out of memory", s);
    size_t k = 0;
    kv[k++] = (wg_store_info){ "tool", tool ? tool : "" };
    kv[k++] = (wg_store_info){ "compiler", m.compiler };
    kv[k++] = (wg_store_info){ "cpu", m.cpu };
    kv[k++] = (wg_store_info){ "host", m.host };
    kv[k++] = (wg_store_info){ "cores", cores };
    kv[k++] = (wg_store_info){ "finished", finished };
    kv[k++] = (wg_store_info){ "elapsed_seconds", secs };
    kv[k++] = (wg_store_info){ "runs", nruns };
    for (size_t i = 0; i < n; i++)
        kv[k++] = extra[i];
    status = wg_store_campaign_put_info(s, campaign, kv, k, err);
    free(kv);
    return status;
}

/* ------------------------------------------------------------------ runs and their lock */

/* The start of process pid in clock ticks after boot (/proc/PID/stat,
 * field 22), or 0 when unknown: with the pid it names a process for good,
 * since a pid is reused but never with the same start. */
static unsigned long long process_start(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* the command name (field 2) may hold blanks and parentheses: count
     * from the last ')' */
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    p++;
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p + 1, ' ');
    }
    unsigned long long start = 0;
    if (!p || sscanf(p, " %llu", &start) != 1)
        return 0;
    return start;
}

static void utc_now(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(buf, len, "unknown");
}

/* Whether the lock value v names a process that still runs.  A value
 * that cannot be read names none (it is taken over). */
static int holder_alive(const char *v)
{
    long pid = 0;
    unsigned long long start = 0;
    if (!v || sscanf(v, "pid %ld start %llu", &pid, &start) != 2 || pid <= 0)
        return 0;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return 0;
    unsigned long long now = process_start(pid);
    return !(start && now && now != start);
}

int wg_machine_run_begin(wg_store *s, int64_t campaign, wg_machine_run *run,
                         wg_store_error *err)
{
    if (!s || !run)
        return fail(err, WG_EINVAL, "wg_machine_run_begin: NULL argument", s);
    memset(run, 0, sizeof *run);
    run->campaign = campaign;
    char since[32];
    utc_now(since, sizeof since);
    long pid = (long)getpid();
    snprintf(run->lock, sizeof run->lock, "pid %ld start %llu since %s", pid,
             process_start(pid), since);
    /* a few rounds: the value read may change before the swap (another
     * process takes a dead holder's lock first: then it is alive) */
    int status = WG_OK, swapped = 0;
    for (int round = 0; round < 4 && !swapped; round++) {
        char *held = NULL;
        status = wg_store_campaign_get_info(s, campaign, WG_MACHINE_LOCK_KEY, &held, err);
        if (status != WG_OK)
            return status;
        if (held && holder_alive(held)) {
            char what[300], hsince[40] = "?";
            long hpid = 0;
            sscanf(held, "pid %ld start %*u since %39s", &hpid, hsince);
            snprintf(what, sizeof what, "campaign %lld is being run by another process (pid %ld, "
                     "since %s): wait for it to end or stop it, then run again",
                     (long long)campaign, hpid, hsince);
            free(held);
            return fail(err, WG_EINVAL, what, s);
        }
        status = wg_store_campaign_swap_info(s, campaign, WG_MACHINE_LOCK_KEY, held, run->lock,
                                             &swapped, NULL, err);
        if (swapped && held)
            snprintf(run->stale, sizeof run->stale, "%s", held);
        free(held);
        if (status != WG_OK)
            return status;
    }
    if (!swapped)
        return fail(err, WG_EINVAL, "cannot take the campaign's lock: other processes keep "
                    "changing it", s);
    /* counted now, not at the end: a run killed before its end is a run */
    double runs = 0;
    status = stored_number(s, campaign, "runs", &runs, err);
    if (status == WG_OK)
        status = stored_number(s, campaign, "elapsed_seconds", &run->before, err);
    if (status == WG_OK) {
        run->number = (unsigned long)runs + 1;
        char nruns[32], key[48];
        snprintf(nruns, sizeof nruns, "%lu", run->number);
        snprintf(key, sizeof key, "run.%lu.started", run->number);
        const wg_store_info kv[] = { { "runs", nruns }, { key, since } };
        status = wg_store_campaign_put_info(s, campaign, kv, 2, err);
    }
    if (status != WG_OK)
        wg_machine_run_release(s, run, NULL);
    return status;
}

int wg_machine_run_progress(wg_store *s, const wg_machine_run *run, double elapsed,
                            wg_store_error *err)
{
    if (!s || !run || !run->number)
        return fail(err, WG_EINVAL, "wg_machine_run_progress: no run begun", s);
    char secs[64], mine[64], key[48];
    snprintf(secs, sizeof secs, "%.3f", run->before + (elapsed > 0 ? elapsed : 0));
    snprintf(mine, sizeof mine, "%.3f", elapsed > 0 ? elapsed : 0);
    snprintf(key, sizeof key, "run.%lu.seconds", run->number);
    const wg_store_info kv[] = { { "elapsed_seconds", secs }, { key, mine } };
    return wg_store_campaign_put_info(s, run->campaign, kv, 2, err);
}

int wg_machine_run_release(wg_store *s, const wg_machine_run *run, wg_store_error *err)
{
    if (!s || !run || !run->lock[0])
        return fail(err, WG_EINVAL, "wg_machine_run_release: no run begun", s);
    int swapped = 0;
    /* only a lock that is still this run's: never another's */
    return wg_store_campaign_swap_info(s, run->campaign, WG_MACHINE_LOCK_KEY, run->lock, NULL,
                                       &swapped, NULL, err);
}

int wg_machine_run_end(wg_store *s, const wg_machine_run *run, const char *tool, double elapsed,
                       const wg_store_info *extra, size_t n, wg_store_error *err)
{
    if (!s || !run || !run->number || (n && !extra))
        return fail(err, WG_EINVAL, "wg_machine_run_end: no run begun or NULL argument", s);
    wg_machine m;
    wg_machine_describe(&m);
    char cores[32], finished[32], secs[64], mine[64], nruns[32], key[48];
    snprintf(cores, sizeof cores, "%ld", m.cores);
    utc_now(finished, sizeof finished);
    snprintf(secs, sizeof secs, "%.3f", run->before + (elapsed > 0 ? elapsed : 0));
    snprintf(mine, sizeof mine, "%.3f", elapsed > 0 ? elapsed : 0);
    snprintf(nruns, sizeof nruns, "%lu", run->number);
    snprintf(key, sizeof key, "run.%lu.seconds", run->number);
    wg_store_info *kv = malloc((MACHINE_KEYS + 1 + n) * sizeof *kv);
    if (!kv)
        return fail(err, WG_ENOMEM, "out of memory", s);
    size_t k = 0;
    kv[k++] = (wg_store_info){ "tool", tool ? tool : "" };
    kv[k++] = (wg_store_info){ "compiler", m.compiler };
    kv[k++] = (wg_store_info){ "cpu", m.cpu };
    kv[k++] = (wg_store_info){ "host", m.host };
    kv[k++] = (wg_store_info){ "cores", cores };
    kv[k++] = (wg_store_info){ "finished", finished };
    kv[k++] = (wg_store_info){ "elapsed_seconds", secs };
    kv[k++] = (wg_store_info){ "runs", nruns };
    kv[k++] = (wg_store_info){ key, mine };
    for (size_t i = 0; i < n; i++)
        kv[k++] = extra[i];
    int status = wg_store_campaign_put_info(s, run->campaign, kv, k, err);
    free(kv);
    int rs = wg_machine_run_release(s, run, status == WG_OK ? err : NULL);
    return status != WG_OK ? status : rs;
}
