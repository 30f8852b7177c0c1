/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_tensor_text.c -- shapes, keyword arguments and abbreviated values of
 * tensor nodes as text (see wg_tensor_text.h). */
#include "wg_tensor_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *wg_text_shape(int rank, const size_t *dim, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int d = 0; d < rank && o < len; d++) {
        int w = snprintf(buf + o, len - o, "%s%zu", d ? "x" : "", dim[d]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    return buf;
}

const char *wg_text_node_shape(const wg_tape *t, size_t i, char *buf, size_t len)
{
    size_t dim[WG_MAX_RANK];
    int rank = wg_node_shape(t, i, dim);
    return wg_text_shape(rank < 0 ? 0 : rank, dim, buf, len);
}

int wg_text_is_tensor(const wg_tape *t, size_t i)
{
    return wg_node_shape(t, i, NULL) > 0;
}

/* "[1, 0]" */
static size_t put_list(char *buf, size_t len, size_t o, const char *kw, int n, const int *ints,
                       const size_t *sizes)
{
    if (o >= len)
        return o;
    int w = snprintf(buf + o, len - o, "%s%s=[", o ? ", " : "", kw);
    o += w > 0 ? (size_t)w : 0;
    for (int k = 0; k < n && o < len; k++) {
        w = ints ? snprintf(buf + o, len - o, "%s%d", k ? ", " : "", ints[k])
                 : snprintf(buf + o, len - o, "%s%zu", k ? ", " : "", sizes[k]);
        o += w > 0 ? (size_t)w : 0;
    }
    if (o < len) {
        w = snprintf(buf + o, len - o, "]");
        o += w > 0 ? (size_t)w : 0;
    }
    return o;
}

static size_t put_int(char *buf, size_t len, size_t o, const char *kw, long long v)
{
    if (o >= len)
        return o;
    int w = snprintf(buf + o, len - o, "%s%s=%lld", o ? ", " : "", kw, v);
    return o + (w > 0 ? (size_t)w : 0);
}

const char *wg_text_kwargs(const wg_tape *t, size_t i, char *buf, size_t len)
{
    wg_tensor_attrs a;
    buf[0] = '\0';
    if (wg_node_attrs(t, i, &a) != WG_OK)
        return buf;
    wg_op op = wg_node_op(t, i);
    size_t arg = wg_node_arg(t, i, 0);
    int in_rank = arg == (size_t)-1 ? 0 : wg_node_shape(t, arg, NULL);
    if (in_rank < 0)
        in_rank = 0;
    size_t o = 0;
    switch (op) {
    case WG_OP_SUM:
    case WG_OP_MEAN: {
        unsigned all = in_rank >= 32 ? ~0u : (1u << in_rank) - 1;
        unsigned mask = a.axes & all;
        if (mask != 0 && mask != all) {
            int axes[WG_MAX_RANK], n = 0;
            for (int d = 0; d < in_rank && d < WG_MAX_RANK; d++)
                if (mask & (1u << d))
                    axes[n++] = d;
            o = put_list(buf, len, o, "axes", n, axes, NULL);
        }
        if (a.keepdims)
            o = put_int(buf, len, o, "keepdims", 1);
        break;
    }
    case WG_OP_MAX_REDUCE:
    case WG_OP_LOGSUMEXP:
        o = put_int(buf, len, o, "axis", a.axis);
        if (a.keepdims)
            o = put_int(buf, len, o, "keepdims", 1);
        break;
    case WG_OP_LOGSOFTMAX:
    case WG_OP_SOFTMAX:
    case WG_OP_ARGMAX_MASK:
    case WG_OP_CONCAT:
        o = put_int(buf, len, o, "axis", a.axis);
        break;
    case WG_OP_RESHAPE:
    case WG_OP_BROADCAST_TO:
        o = put_list(buf, len, o, "shape", a.rank, NULL, a.shape);
        break;
    case WG_OP_TRANSPOSE: {
        int reversed = 1;
        for (int d = 0; d < in_rank && d < WG_MAX_RANK; d++)
            reversed &= a.perm[d] == in_rank - 1 - d;
        if (!reversed)
            o = put_list(buf, len, o, "perm", in_rank, a.perm, NULL);
        break;
    }
    case WG_OP_SLICE:
        o = put_int(buf, len, o, "axis", a.axis);
        o = put_int(buf, len, o, "start", (long long)a.start);
        o = put_int(buf, len, o, "stop", (long long)a.stop);
        break;
    default:
        break;
    }
    (void)o;
    return buf;
}

double wg_text_value_at(const wg_tape *t, size_t i, size_t e)
{
    if (wg_node_shape(t, i, NULL) <= 0)
        return wg_node_value(t, i);
    const double *v = wg_node_values(t, i);
    return v ? v[e] : NAN;
}

const char *wg_text_abbrev(const wg_tape *t, size_t i, wg_text_elem_fn elem, char *buf,
                           size_t len)
{
    size_t dim[WG_MAX_RANK];
    int rank = wg_node_shape(t, i, dim);
    if (rank <= 0) {
        snprintf(buf, len, "%.6g", elem(t, i, 0) + 0.0);
        return buf;
    }
    size_t numel = wg_node_numel(t, i);
    wg_text_shape(rank, dim, buf, len);
    size_t o = strlen(buf);
    int w = snprintf(buf + o, len - o, " [");
    o += w > 0 ? (size_t)w : 0;
    for (size_t e = 0; e < numel && e < WG_ABBREV_ELEMS && o < len; e++) {
        /* + 0.0: at six digits a signed zero is noise, as in the tables */
        w = snprintf(buf + o, len - o, "%s%.6g", e ? ", " : "", elem(t, i, e) + 0.0);
        o += w > 0 ? (size_t)w : 0;
    }
    if (o < len)
        snprintf(buf + o, len - o, "%s]", numel > WG_ABBREV_ELEMS ? ", ..." : "");
    return buf;
}
