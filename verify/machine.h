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

#ifdef __cplusplus
}
#endif
#endif /* WG_VERIFY_MACHINE_H */
