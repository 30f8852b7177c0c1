/* SPDX-License-Identifier: GPL-3.0-or-later */
/* machine.c -- the machine a campaign ran on and the account of its runs
 * (machine.h).  Only what a report needs to compare figures across
 * machines: the compiler, the CPU model, the kernel and the processor
 * count.  No host name: stores are shared, and a name says nothing about
 * the speed of a machine. */
#define _POSIX_C_SOURCE 200809L

#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
