/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wg_tensor_text.h -- private: tensor nodes as text, shared by the .wg
 * writer, the trace tables and DOT export, so that all three spell a shape
 * and an op's keyword arguments the same way (and the way the reader reads
 * them). */
#ifndef WG_TENSOR_TEXT_H
#define WG_TENSOR_TEXT_H

#include "wengert.h"

/* room for any shape: WG_MAX_RANK sizes of up to 20 digits, 'x' between */
#define WG_SHAPE_TEXT_BUF (WG_MAX_RANK * 21 + 1)
/* room for any keyword list: a shape or permutation list and a few ints */
#define WG_KWARGS_TEXT_BUF (WG_MAX_RANK * 22 + 96)
/* room for an abbreviated tensor: its shape and WG_ABBREV_ELEMS numbers */
#define WG_ABBREV_ELEMS 3
#define WG_ABBREV_TEXT_BUF (WG_SHAPE_TEXT_BUF + 32 * WG_ABBREV_ELEMS + 16)

/* "2x3", "10", "0x4"; "" for rank 0 */
const char *wg_text_shape(int rank, const size_t *dim, char *buf, size_t len);
/* node i's shape as above */
const char *wg_text_node_shape(const wg_tape *t, size_t i, char *buf, size_t len);
/* 1 when node i is a tensor (rank > 0) */
int wg_text_is_tensor(const wg_tape *t, size_t i);

/* The keyword arguments of tensor op node i in their one order, as the
 * reader takes them: "axes=[0, 2], keepdims=1", "axis=1", "shape=[2, 3]",
 * "perm=[1, 0]", "axis=0, start=1, stop=3".  A keyword at its default is
 * left out (sum over every axis, keepdims=0, transpose reversing the
 * axes), so a default is written one way only.  "" for other nodes. */
const char *wg_text_kwargs(const wg_tape *t, size_t i, char *buf, size_t len);

/* One element of a node: its value, tangent or adjoint. */
typedef double (*wg_text_elem_fn)(const wg_tape *t, size_t i, size_t e);
double wg_text_value_at(const wg_tape *t, size_t i, size_t e);

/* A tensor node for a table or a label: "2x3 [0.5, 1, 2, ...]", its shape
 * and its first few elements at six digits; a scalar as "%.6g". */
const char *wg_text_abbrev(const wg_tape *t, size_t i, wg_text_elem_fn elem, char *buf,
                           size_t len);

#endif
