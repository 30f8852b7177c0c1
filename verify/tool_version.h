/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tool_version.h -- the --version text of wengert-verify, wengert-fuzz
 * and wengert-report: one format for the three programs. */
#ifndef WG_TOOL_VERSION_H
#define WG_TOOL_VERSION_H

#include <stdio.h>

/* "PROG (Wengert) VERSION", then one line per library the program runs
 * on, as each reports its own version at run time (the one linked, which
 * may differ from the headers built against):
 *     libwengert 0.2.0
 *     GSL 2.7.1
 *     MPFR 4.2.0, GMP 6.2.1
 *     SQLite 3.40.1
 *     BLAS OpenBLAS                  (as configure chose it)
 * Returns what fprintf does last (negative on a write error). */
int wg_tool_version(FILE *f, const char *prog);

#endif
