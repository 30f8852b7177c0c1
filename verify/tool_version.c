/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tool_version.c -- the --version text of the three programs
 * (tool_version.h).  In the library the programs share beyond
 * libwengert-verify (with the result store), because it names SQLite,
 * which libwengert-verify does not link. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "tool_version.h"
#include "wengert.h"

#include <gmp.h>
#include <gsl/gsl_version.h>
#include <mpfr.h>
#include <sqlite3.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION WG_VERSION_STRING
#endif
#ifndef WG_BLAS_NAME
#define WG_BLAS_NAME "unknown"
#endif

int wg_tool_version(FILE *f, const char *prog)
{
    fprintf(f, "%s (Wengert) %s\n", prog, PACKAGE_VERSION);
    fprintf(f, "libwengert %s\n", wg_version());
    fprintf(f, "GSL %s\n", gsl_version);
    fprintf(f, "MPFR %s, GMP %s\n", mpfr_get_version(), gmp_version);
    fprintf(f, "SQLite %s\n", sqlite3_libversion());
    return fprintf(f, "BLAS %s\n", WG_BLAS_NAME);
}
