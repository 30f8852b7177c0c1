/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_wg_text.h -- what the .wg text tests share: the data folder, a
 * graph's canonical text, graphs compared node by node (shapes, values,
 * attributes bit for bit), the write -> read -> write round trip. */
#ifndef WG_TEST_WG_TEXT_H
#define WG_TEST_WG_TEXT_H

#include "test_util.h"
#include "wengert.h"

#include <stdlib.h>

static inline const char *data_path(const char *name, char *buf, size_t len)
{
    const char *srcdir = getenv("srcdir");
    snprintf(buf, len, "%s/tests/data/%s", srcdir && *srcdir ? srcdir : ".", name);
    return buf;
}

static inline char *slurp(FILE *f)
{
    rewind(f);
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    for (size_t got; (got = fread(s + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == cap) {
            char *t = realloc(s, cap *= 2);
            if (!t) {
                free(s);
                return NULL;
            }
            s = t;
        }
    }
    s[n] = '\0';
    return s;
}

static inline char *write_text(const wg_graph *g, int *status)
{
    FILE *f = tmpfile();
    if (!f)
        return NULL;
    *status = wg_graph_write(g, f);
    char *s = slurp(f);
    fclose(f);
    return s;
}

static inline int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* node i of a and node j of b hold the same shape and values, bit for bit */
static inline int same_node_values(const wg_tape *a, size_t i, const wg_tape *b, size_t j)
{
    size_t sa[WG_MAX_RANK], sb[WG_MAX_RANK];
    int ra = wg_node_shape(a, i, sa), rb = wg_node_shape(b, j, sb);
    if (ra != rb || ra < 0 || memcmp(sa, sb, (size_t)ra * sizeof sa[0]) != 0)
        return 0;
    if (ra == 0)
        return same_bits(wg_node_value(a, i), wg_node_value(b, j));
    size_t n = wg_node_numel(a, i);
    const double *va = wg_node_values(a, i), *vb = wg_node_values(b, j);
    if (n != wg_node_numel(b, j) || (n && (!va || !vb)))
        return 0;
    for (size_t e = 0; e < n; e++)
        if (!same_bits(va[e], vb[e]))
            return 0;
    return 1;
}

static inline int same_attrs(const wg_tape *a, const wg_tape *b, size_t i)
{
    wg_tensor_attrs x, y;
    int sx = wg_node_attrs(a, i, &x), sy = wg_node_attrs(b, i, &y);
    if (sx != sy)
        return 0;
    if (sx != WG_OK)
        return 1;
    int rank = wg_node_shape(a, wg_node_arg(a, i, 0), NULL);
    for (int d = 0; d < rank && d < WG_MAX_RANK; d++)
        if (wg_node_op(a, i) == WG_OP_TRANSPOSE && x.perm[d] != y.perm[d])
            return 0;
    for (int d = 0; d < x.rank && d < WG_MAX_RANK; d++)
        if (x.shape[d] != y.shape[d])
            return 0;
    return x.axes == y.axes && x.axis == y.axis && x.keepdims == y.keepdims
        && x.start == y.start && x.stop == y.stop && x.rank == y.rank;
}

/* same nodes (ops, operands, attributes, constants, shapes and values bit
 * for bit), same outputs, every named input of a named the same in b */
static inline int same_graph(wg_graph *a, wg_graph *b)
{
    wg_tape *ta = wg_graph_tape(a), *tb = wg_graph_tape(b);
    if (wg_tape_size(ta) != wg_tape_size(tb))
        return 0;
    for (size_t i = 0; i < wg_tape_size(ta); i++) {
        wg_op op = wg_node_op(ta, i);
        wg_op_kind kind = wg_op_kind_of(op);
        if (op != wg_node_op(tb, i) || wg_node_arg(ta, i, 0) != wg_node_arg(tb, i, 0)
            || wg_node_arg(ta, i, 1) != wg_node_arg(tb, i, 1) || !same_node_values(ta, i, tb, i)
            || !same_attrs(ta, tb, i))
            return 0;
        if ((kind == WG_KIND_CONST || kind == WG_KIND_INT)
            && !same_bits(wg_node_param(ta, i), wg_node_param(tb, i)))
            return 0;
    }
    if (wg_graph_noutputs(a) != wg_graph_noutputs(b))
        return 0;
    for (size_t k = 0; k < wg_graph_noutputs(a); k++)
        if (strcmp(wg_graph_output_name(a, k), wg_graph_output_name(b, k)) != 0
            || wg_var_index(ta, wg_graph_output(a, k)) != wg_var_index(tb, wg_graph_output(b, k)))
            return 0;
    for (size_t k = 0; k < wg_graph_ninputs(a); k++) {
        size_t node = wg_var_index(ta, wg_graph_input(a, k));
        int found = 0;
        for (size_t j = 0; j < wg_graph_ninputs(b) && !found; j++)
            found = wg_var_index(tb, wg_graph_input(b, j)) == node
                    && strcmp(wg_graph_input_name(a, k), wg_graph_input_name(b, j)) == 0;
        if (!found)
            return 0;
    }
    return 1;
}

/* write, read back, write again: the same bytes and the same tape.  The
 * first text is returned (free() it). */
static inline char *round_trip(wg_graph *g)
{
    int s1 = -1, s2 = -1;
    char *t1 = write_text(g, &s1);
    CU_ASSERT_EQUAL(s1, WG_OK);
    if (!t1 || s1 != WG_OK) {
        fprintf(stderr, "\n  write failed: %s\n", wg_errmsg(wg_graph_tape(g)));
        free(t1);
        return NULL;
    }
    wg_parse_error e;
    wg_graph *back = wg_graph_read_string(t1, "written.wg", &e);
    if (!back) {
        fprintf(stderr, "\n  reading written text failed: %s\n%s\n", e.message, t1);
        CU_FAIL("written text does not read back");
        return t1;
    }
    char *t2 = write_text(back, &s2);
    CU_ASSERT_EQUAL(s2, WG_OK);
    int same_text = t2 && strcmp(t1, t2) == 0, same = same_graph(g, back);
    if (!same_text || !same)
        fprintf(stderr, "\n  round trip differs (text %d, tape %d):\n%s---\n%s\n", same_text, same,
                t1, t2 ? t2 : "(null)");
    CU_ASSERT(same_text);
    CU_ASSERT(same);
    free(t2);
    wg_graph_free(back);
    return t1;
}

static inline void check_text(const wg_graph *g, const char *want)
{
    int s = -1;
    char *got = write_text(g, &s);
    CU_ASSERT_EQUAL(s, WG_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n  got:\n%s  want:\n%s", got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
}

#endif
