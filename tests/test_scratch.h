/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_scratch.h -- a scratch folder for the tests that write files: one
 * new folder per test program under $TMPDIR (else /tmp), made by
 * make_scratch at the start and removed with all it holds by remove_tree
 * at the end, so test programs run in parallel never meet.  Needs POSIX
 * (define _POSIX_C_SOURCE 200809L before any include). */
#ifndef WG_TEST_SCRATCH_H
#define WG_TEST_SCRATCH_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch[256];

/* scratch/name; a ring of 32 buffers, so a test may hold that many paths */
static inline const char *tmp_path(const char *name)
{
    static char buf[32][512];
    static int k;
    k = (k + 1) % 32;
    snprintf(buf[k], sizeof buf[k], "%s/%s", scratch, name);
    return buf[k];
}

/* 0, or -1 with errno set */
static inline int make_scratch(const char *prefix)
{
    const char *base = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix);
    return mkdtemp(scratch) ? 0 : -1;
}

/* dir and everything under it; folders a test made unreadable are opened
 * up first */
static inline void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[1200];
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
            continue;
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            chmod(p, 0700);
            remove_tree(p);
        } else {
            unlink(p);
        }
    }
    closedir(d);
    rmdir(dir);
}

#endif /* WG_TEST_SCRATCH_H */
