/* SPDX-License-Identifier: GPL-3.0-or-later */
/* machine.h -- what a result store records about the machine and the runs
 * of a campaign (campaign_info, store.h), shared by wengert-fuzz and
 * wengert-verify --store so that both write the same keys. */
#ifndef WG_VERIFY_MACHINE_H
#define WG_VERIFY_MACHINE_H

#include <stdint.h>

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wg_machine {
    char compiler[128];      /* the compiler that built this program: "gcc 12.2.0" */
    char cpu[160];           /* /proc/cpuinfo's first "model name", else uname's machine */
    char host[256];          /* uname: "Linux 6.1.0-18-amd64 x86_64" (no host name) */
    long cores;              /* processors online (sysconf), 0 when unknown */
} wg_machine;

/* Describe this machine; never fails (a figure it cannot find is
 * "unknown" or 0). */
void wg_machine_describe(wg_machine *m);

/* Record a run of campaign that took elapsed seconds and ended now, in one
 * transaction: tool, compiler, cpu, host, cores, finished (UTC,
 * ISO 8601), elapsed_seconds (the sum over the campaign's runs, %.3f) and
 * runs (their count), then the n extra keys (jobs, suite, ...).  A
 * campaign resumed is one campaign: its runs add up.  Runs of one
 * campaign are recorded one at a time (one process runs a campaign). */
int wg_machine_record_run(wg_store *s, int64_t campaign, const char *tool, double elapsed,
                          const wg_store_info *extra, size_t n, wg_store_error *err);

/* ------------------------------------------------------------------ a run in steps */

/* A run of a campaign recorded as it goes, so that a run killed at any
 * moment (SIGKILL included) is counted with the time it had run:
 * wg_machine_run_begin counts it and notes its start, wg_machine_run_progress
 * every few seconds brings elapsed_seconds up to date, wg_machine_run_end
 * writes what wg_machine_record_run writes.  The run holds the campaign's
 * lock meanwhile: key "running" (WG_MACHINE_LOCK_KEY) = "pid P start T
 * since UTC", T the process's start (Linux /proc; 0 elsewhere), so that a
 * reused pid is not taken for the holder.  A second process that would run
 * the campaign is refused while the holder lives; the lock of a holder
 * that is gone (killed) is taken over, and the run says whose it took in
 * run->stale.  The lock is one machine's: a store is written from one
 * machine at a time (SQLite's WAL needs shared memory). */
#define WG_MACHINE_LOCK_KEY "running"

typedef struct wg_machine_run {
    int64_t campaign;
    unsigned long number;    /* this run: 1 for a campaign's first, then 2, ... */
    double before;           /* elapsed_seconds of the campaign's earlier runs */
    char lock[128];          /* the lock's value while this run holds it */
    char stale[128];         /* the lock of a gone holder this run took over, or "" */
} wg_machine_run;

/* Take the lock (WG_EINVAL with "is being run by another process (pid
 * ...)" while another live process holds it), then count the run: runs
 * + 1 and run.N.started (UTC) in one transaction. */
int wg_machine_run_begin(wg_store *s, int64_t campaign, wg_machine_run *run,
                         wg_store_error *err);
/* elapsed_seconds = the earlier runs' + elapsed, and run.N.seconds = elapsed */
int wg_machine_run_progress(wg_store *s, const wg_machine_run *run, double elapsed,
                            wg_store_error *err);
/* The end: the keys of wg_machine_record_run (runs and elapsed_seconds as
 * above, not added again) and run.N.seconds, then the lock released. */
int wg_machine_run_end(wg_store *s, const wg_machine_run *run, const char *tool, double elapsed,
                       const wg_store_info *extra, size_t n, wg_store_error *err);
/* Release the lock only (a run that fails before its end); a lock that is
 * no longer this run's is left alone. */
int wg_machine_run_release(wg_store *s, const wg_machine_run *run, wg_store_error *err);

#ifdef __cplusplus
}
#endif
#endif /* WG_VERIFY_MACHINE_H */
