/* SPDX-License-Identifier: GPL-3.0-or-later */
/* plugin.c -- wg_plugin_load: a shared object of custom ops, opened with
 * dlopen (RTLD_NOW | RTLD_LOCAL) and initialised by its
 * `int wg_plugin_init(void)`, which registers its ops (wg_custom_op,
 * wg_custom_op_mpfr) and returns 0.  The object stays loaded for the life
 * of the process: its callbacks are in the registry. */
#include "wengert_verify.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int wg_plugin_load(const char *path, char *why, size_t len)
{
    char buf[4096];
    struct stat st;
    if (!why || !len) {
        why = buf;
        len = sizeof buf;
    }
    why[0] = '\0';
    if (!path || !*path) {
        snprintf(why, len, "no file named");
        return WG_EINVAL;
    }
    if (stat(path, &st) != 0) {
        snprintf(why, len, "cannot open: %s", strerror(errno));
        return WG_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, len, "not a regular file");
        return WG_EIO;
    }
    /* a name without '/' would be searched for in the library path */
    const char *p = path;
    if (!strchr(path, '/')) {
        if (snprintf(buf, sizeof buf, "./%s", path) >= (int)sizeof buf) {
            snprintf(why, len, "the file name is too long");
            return WG_EINVAL;
        }
        p = buf;
    }
    dlerror();
    void *h = dlopen(p, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(why, len, "not a loadable shared object: %s", e ? e : "dlopen failed");
        return WG_EIO;
    }
    dlerror();
    void *sym = dlsym(h, "wg_plugin_init");
    const char *e = dlerror();
    if (!sym || e) {
        snprintf(why, len, "no function wg_plugin_init in it: %s", e ? e : "symbol is NULL");
        dlclose(h);
        return WG_EINVAL;
    }
    int (*init)(void);
    memcpy(&init, &sym, sizeof init);   /* an object pointer to a function pointer (POSIX) */
    int r = init();
    if (r != 0) {
        /* ops it registered stay: the registry is append-only, and their
         * callbacks live in the object, which therefore stays open */
        snprintf(why, len, "wg_plugin_init returned %d%s%s", r,
                 wg_custom_error()[0] ? ": " : "", wg_custom_error());
        return WG_EINVAL;
    }
    return WG_OK;
}
