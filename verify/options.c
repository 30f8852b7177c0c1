/* SPDX-License-Identifier: GPL-3.0-or-later */
/* options.c -- the verifier's defaults, names of verdicts and methods, and
 * freeing a report. */
#include "wengert_verify.h"

#include <stdlib.h>
#include <string.h>

const char *wg_verdict_name(wg_verdict v)
{
    static const char *const names[WG_VERDICT_COUNT] = {
        "pass", "fail", "nondiff", "invalid", "unstable"
    };
    return (unsigned)v < WG_VERDICT_COUNT ? names[v] : "unknown";
}

const char *wg_method_name(wg_method m)
{
    static const char *const names[WG_METHOD_COUNT] = { "reverse", "forward", "central", "gsl" };
    return (unsigned)m < WG_METHOD_COUNT ? names[m] : "unknown";
}

const char *wg_path_name(wg_path p)
{
    static const char *const names[WG_PATH_COUNT] = {
        "jvp-multi", "grad", "backward", "jacobian-fwd", "jacobian-rev", "jacobian", "replay",
        "replay-vjp", "replay-jvp"
    };
    return (unsigned)p < WG_PATH_COUNT ? names[p] : "unknown";
}

void wg_check_options_init(wg_check_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->directions = 3;
    o->precision = 256;
    o->safety = 8.0;
    o->methods = (1u << WG_METHOD_COUNT) - 1u;
    o->full_jacobian = 0;
    o->order = 1;
    o->accuracy_digits = 6;
}

void wg_check_report_free(wg_check_report *r)
{
    if (!r)
        return;
    free(r->results);
    r->results = NULL;
    r->nresults = 0;
}
