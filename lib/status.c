/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* status.c -- status codes, their texts, and how a tape keeps its errors. */
#include "tape.h"

#include <stdio.h>
#include <string.h>

const char *wg_version(void)
{
    return WG_VERSION_STRING;
}

const char *wg_strerror(int status)
{
    switch (status) {
    case WG_OK:      return "success";
    case WG_EDOM:    return "argument outside the domain of an op";
    case WG_ERANGE:  return "result or derivative not finite";
    case WG_ESHAPE:  return "operand shapes do not fit the op";
    case WG_EINVAL:  return "invalid argument";
    case WG_ENOMEM:  return "out of memory";
    case WG_EPARSE:  return "malformed input text";
    case WG_EBRANCH: return "a recorded comparison flips at the replay point";
    case WG_EIO:     return "input/output error";
    case WG_ELIMIT:  return "size limit reached";
    }
    return "unknown status";
}

void wg_fail(wg_tape *t, int status, int at_point, const char *fmt, ...)
{
    if (t->status != WG_OK)
        return;                 /* the first error is the one kept */
    t->status = status;
    t->status_at_point = at_point;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->msg, sizeof t->msg, fmt, ap);
    va_end(ap);
}

int wg_call_fail(wg_tape *t, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->call_msg, sizeof t->call_msg, fmt, ap);
    va_end(ap);
    return status;
}

int wg_status(const wg_tape *t)
{
    return t ? t->status : WG_EINVAL;
}

const char *wg_errmsg(const wg_tape *t)
{
    if (!t)
        return "no tape (NULL)";
    return t->status != WG_OK ? t->msg : t->call_msg;
}

const char *wg_format_args(wg_op op, double a, double b, double p, char *buf, size_t len)
{
    switch (wg_op_kind_of(op)) {
    case WG_KIND_BINARY:
    case WG_KIND_CMP:
        snprintf(buf, len, "arguments (%.17g, %.17g)", a, b);
        break;
    case WG_KIND_CONST:
    case WG_KIND_INT:
        snprintf(buf, len, "argument %.17g with constant %.17g", a, p);
        break;
    case WG_KIND_CUSTOM: {          /* p is the op id */
        const wg_custom_op_def *d = wg_custom_def((int)p);
        if (d && d->arity == 2)
            snprintf(buf, len, "arguments (%.17g, %.17g)", a, b);
        else
            snprintf(buf, len, "argument %.17g", a);
        break;
    }
    case WG_KIND_LEAF:
    case WG_KIND_UNARY:
    case WG_KIND_TUNARY:
    case WG_KIND_TBINARY:
        snprintf(buf, len, "argument %.17g", a);
        break;
    }
    return buf;
}
