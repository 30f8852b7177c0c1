/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_file.c -- a whole text file, regular files only, bounded. */
#define _POSIX_C_SOURCE 200809L
#include "wengert.h"
#include "wengert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t wg_read_limit(void)
{
    /* read at every call, so that a program or a test can set it at any
     * time; a value that is not a positive number is ignored */
    const char *s = getenv("WG_MAX_FILE_BYTES");
    if (s && *s >= '0' && *s <= '9') {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (!*end && errno == 0 && v > 0 && v < SIZE_MAX)
            return (size_t)v;
    }
    return WG_MAX_FILE_BYTES_DEFAULT;
}

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
           : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a plain file";
}

static int too_large(char *why, size_t whylen, size_t limit)
{
    snprintf(why, whylen, "larger than the limit of %zu bytes (set WG_MAX_FILE_BYTES to read "
             "larger files)", limit);
    return WG_ELIMIT;
}

int wg_file_read(const char *path, char **text, size_t *len, char *why, size_t whylen)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open: %s", strerror(errno));
        return WG_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(why, whylen, "cannot read: %s", strerror(errno));
        close(fd);
        return WG_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "not a regular file (%s%s)", kind_of(st.st_mode),
                 S_ISDIR(st.st_mode) ? "" : ", which could block or never end");
        close(fd);
        return WG_EIO;
    }
    size_t limit = wg_read_limit();
    if (st.st_size < 0 || (uintmax_t)st.st_size > limit) {
        close(fd);
        return too_large(why, whylen, limit);
    }
    /* the size fstat gave, plus room to see the file grew */
    size_t cap = (size_t)st.st_size + 1 + 4096, n = 0;
    char *buf = malloc(cap);
    int status = WG_OK;
    while (buf) {
        if (n + 1 == cap) {
            if (n > limit) {
                status = too_large(why, whylen, limit);
                break;
            }
            size_t ncap = cap > SIZE_MAX / 2 ? SIZE_MAX : 2 * cap;
            char *b = realloc(buf, ncap);
            if (!b)
                break;
            buf = b;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(why, whylen, "cannot read: %s", strerror(errno));
            status = WG_EIO;
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (status == WG_OK && n > limit)
        status = too_large(why, whylen, limit);
    if (status == WG_OK && !buf) {
        snprintf(why, whylen, "out of memory reading the file");
        status = WG_ENOMEM;
    }
    if (status != WG_OK) {
        free(buf);
        return status;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return WG_OK;
}
