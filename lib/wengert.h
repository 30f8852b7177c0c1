/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* wengert.h -- the public interface of libwengert.
 *
 * Record a computation on a tape (a Wengert list), then replay it for values,
 * tangents (forward mode) and adjoints (reverse mode).  C11, libm, a CBLAS
 * (matmul) and POSIX open/fstat (tensor data files).
 *
 * Conventions
 *   - Every public name starts with wg_.  Functions that act on an object are
 *     wg_<noun>_<verb>; primitives are wg_<op>.
 *   - A tape is owned by the caller: every wg_tape_new has a wg_tape_free.
 *   - Errors are sticky on the tape, like a stream's error flag.  The first
 *     error is kept with a message naming the op, the node and the cause;
 *     recording calls on a failed tape do nothing and return an invalid handle.
 *     Check wg_status() once at the end.  Errors found while replaying at a new
 *     point (WG_EDOM, WG_ERANGE, WG_EBRANCH) belong to that point: the next
 *     successful wg_eval clears them.  wg_tape_clear clears every error.
 *   - Derivative drivers return a status and write through pointers; they
 *     never change what was recorded.
 *   - No global state is written after start-up except one lock-free counter
 *     that hands each tape a tag, and the registry of custom ops when the
 *     program registers one (wg_custom_op); separate tapes may be used from
 *     separate threads at once.  One tape must not be used by two threads
 *     at once.
 */
#ifndef WENGERT_H
#define WENGERT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; wg_version() is the library's, which can
 * differ when a program runs on another build of the shared library.
 * For #if, as MPFR_VERSION and MPFR_VERSION_NUM:
 *     #if WG_VERSION >= WG_VERSION_NUM(0, 2, 0)                        */
#define WG_VERSION_MAJOR 0
#define WG_VERSION_MINOR 2
#define WG_VERSION_PATCH 0
#define WG_VERSION_STRING "0.2.0"
#define WG_VERSION_NUM(a, b, c) (((a) << 16L) | ((b) << 8) | (c))
#define WG_VERSION WG_VERSION_NUM(WG_VERSION_MAJOR, WG_VERSION_MINOR, WG_VERSION_PATCH)
const char *wg_version(void);

/* ------------------------------------------------------------------ status */

enum wg_status_code {
    WG_OK = 0,
    WG_EDOM = 1,     /* an argument outside an op's domain (log of -1, 1/0, ...) */
    WG_ERANGE = 2,   /* a finite argument gave a non-finite result (exp(1000)) */
    WG_ESHAPE = 3,   /* operand shapes do not fit the op */
    WG_EINVAL = 4,   /* a bad argument: foreign or stale handle, NULL, bad size */
    WG_ENOMEM = 5,   /* an allocation failed; the tape is left as it was */
    WG_EPARSE = 6,   /* malformed .wg text or expression */
    WG_EBRANCH = 7,  /* a recorded comparison flips at the replay point */
    WG_EIO = 8,      /* a file could not be read or written */
    WG_ELIMIT = 9    /* a size limit was reached (see WG_MAX_NODES) */
};
const char *wg_strerror(int status);

/* ------------------------------------------------------------------ op table
 *
 * The one table of primitives.  Each row: enum suffix, name (as the .wg
 * reader and writer spell it), kind.  Kinds:
 *   LEAF   input or constant
 *   UNARY  f(a)
 *   BINARY f(a, b)
 *   CONST  f(a; c) with a double constant c      (wg_add_c, wg_mul_c, wg_pow_c)
 *   INT    f(a; n) with an int constant n        (wg_powi)
 *   CMP    a comparison recorded so replays can detect a flipped branch
 *   TUNARY  a tensor op of one operand with attributes (axes, a shape, a
 *           permutation, a range): sum, reshape, softmax, ...
 *   TBINARY a tensor op of two operands that is not elementwise (matmul,
 *           concat)
 *   CUSTOM  an op the program registered (wg_custom_op below): one or two
 *           operands, the node keeps which op it is (wg_node_custom);
 *           every custom node is WG_OP_CUSTOM, and wg_node_op_name gives its
 *           registered name
 * Every UNARY, BINARY, CONST, INT, CMP and CUSTOM op also applies to
 * tensors, elementwise, binary ones with NumPy broadcasting.
 * Adding an op is one row here plus its kernels (lib/op_kernels.h, the
 * verifier's MPFR kernel); the recording function wg_<name> is generated
 * from the row.  Non-smooth points follow one convention, documented in
 * doc/OPS.md: the derivative taken is the one-sided derivative from the
 * right where the function is flat on that side (relu'(0) = 0), 0 for
 * abs'(0) and hypot at the origin, and at a tie min and max pass the whole
 * derivative to their first argument.
 */
#define WG_OP_LIST(X)                 \
    X(INPUT, input, LEAF)             \
    X(CONST, const, LEAF)             \
    X(ADD, add, BINARY)               \
    X(SUB, sub, BINARY)               \
    X(MUL, mul, BINARY)               \
    X(DIV, div, BINARY)               \
    X(POW, pow, BINARY)               \
    X(ATAN2, atan2, BINARY)           \
    X(MIN, min, BINARY)               \
    X(MAX, max, BINARY)               \
    X(HYPOT, hypot, BINARY)           \
    X(NEG, neg, UNARY)                \
    X(EXP, exp, UNARY)                \
    X(LOG, log, UNARY)                \
    X(LOG1P, log1p, UNARY)            \
    X(EXPM1, expm1, UNARY)            \
    X(SQRT, sqrt, UNARY)              \
    X(CBRT, cbrt, UNARY)              \
    X(SIN, sin, UNARY)                \
    X(COS, cos, UNARY)                \
    X(TAN, tan, UNARY)                \
    X(ASIN, asin, UNARY)              \
    X(ACOS, acos, UNARY)              \
    X(ATAN, atan, UNARY)              \
    X(SINH, sinh, UNARY)              \
    X(COSH, cosh, UNARY)              \
    X(TANH, tanh, UNARY)              \
    X(SIGMOID, sigmoid, UNARY)        \
    X(SOFTPLUS, softplus, UNARY)      \
    X(RELU, relu, UNARY)              \
    X(ABS, abs, UNARY)                \
    X(ERF, erf, UNARY)                \
    X(SQUARE, square, UNARY)          \
    X(RECIP, recip, UNARY)            \
    X(STOP_GRADIENT, stop_gradient, UNARY) \
    X(ADD_C, add_c, CONST)            \
    X(MUL_C, mul_c, CONST)            \
    X(POW_C, pow_c, CONST)            \
    X(POWI, powi, INT)                \
    X(LT, lt, CMP)                    \
    X(LE, le, CMP)                    \
    X(GT, gt, CMP)                    \
    X(GE, ge, CMP)                    \
    X(EQ, eq, CMP)                    \
    X(NE, ne, CMP)                    \
    X(STEP, step, UNARY)              \
    X(SIGN, sign, UNARY)              \
    X(MATMUL, matmul, TBINARY)        \
    X(CONCAT, concat, TBINARY)        \
    X(SUM, sum, TUNARY)               \
    X(MEAN, mean, TUNARY)             \
    X(MAX_REDUCE, max_reduce, TUNARY) \
    X(LOGSUMEXP, logsumexp, TUNARY)   \
    X(LOGSOFTMAX, logsoftmax, TUNARY) \
    X(SOFTMAX, softmax, TUNARY)       \
    X(RESHAPE, reshape, TUNARY)       \
    X(TRANSPOSE, transpose, TUNARY)   \
    X(BROADCAST_TO, broadcast_to, TUNARY) \
    X(SLICE, slice, TUNARY)           \
    X(ARGMAX_MASK, argmax_mask, TUNARY) \
    X(CUSTOM, custom, CUSTOM)

typedef enum wg_op {
#define WG_X_ENUM(E, name, kind) WG_OP_##E,
    WG_OP_LIST(WG_X_ENUM)
#undef WG_X_ENUM
    WG_OP_COUNT
} wg_op;
/* No op: what names "no node" where an op is expected (the verifier's
 * blame_op when no node is blamed).  wg_op_name(WG_OP_NONE) is "none";
 * wg_op_from_name never returns it, and no node has it. */
#define WG_OP_NONE WG_OP_COUNT

typedef enum wg_op_kind {
    WG_KIND_LEAF, WG_KIND_UNARY, WG_KIND_BINARY, WG_KIND_CONST, WG_KIND_INT, WG_KIND_CMP,
    WG_KIND_TUNARY, WG_KIND_TBINARY, WG_KIND_CUSTOM
} wg_op_kind;

const char *wg_op_name(wg_op op);          /* "sin"; "none" for WG_OP_NONE; NULL when out of range */
wg_op_kind  wg_op_kind_of(wg_op op);
int         wg_op_arity(wg_op op);         /* variable operands: 0, 1 or 2 (custom: 2,
                                              the most; a node's own: wg_node_arity) */
int         wg_op_from_name(const char *name, wg_op *op); /* 1 found, 0 not */

/* ------------------------------------------------------------------ tape */

typedef struct wg_tape wg_tape;
/* A handle: id is the node's index + 1 (id 0 is never a valid handle, so
 * `!v.id` tests for the invalid handle a failed call returns); tag names
 * the tape and its recording.  Every wg_tape_new and every wg_tape_clear
 * takes a fresh tag from one process-wide counter (never 0), so a handle
 * from another tape or from before a clear is refused (WG_EINVAL) instead
 * of naming some other node.  Guarantee: a tag comes back only after
 * 2^32 - 1 further tape creations and clears in the process (over an hour
 * at one clear per microsecond), and then only a handle kept across all of
 * them could be taken for a live one. */
typedef struct { uint32_t id; uint32_t tag; } wg_var;

/* Node count limit of one tape: a node index fits 32 bits, with
 * UINT32_MAX kept for "no operand". */
#define WG_MAX_NODES ((size_t)(UINT32_MAX - 1u))

/* Optional allocator: all of a tape's memory goes through it.  realloc must
 * behave as C's realloc (old block kept on failure).  ctx is passed back. */
typedef struct wg_allocator {
    void *(*realloc_fn)(void *ctx, void *ptr, size_t size);
    void (*free_fn)(void *ctx, void *ptr);
    void *ctx;
} wg_allocator;

wg_tape *wg_tape_new(void);
wg_tape *wg_tape_new_with(const wg_allocator *alloc); /* NULL alloc: malloc */
void     wg_tape_free(wg_tape *t);
void     wg_tape_clear(wg_tape *t);              /* drop nodes, keep capacity */
size_t   wg_tape_size(const wg_tape *t);         /* nodes recorded */
size_t   wg_tape_bytes(const wg_tape *t);        /* bytes held for recorded nodes */
int      wg_status(const wg_tape *t);            /* WG_OK (0) or the first error, sticky */
const char *wg_errmsg(const wg_tape *t);         /* names op, node and cause */
/* Every call that returns an error status with a tape sets the message
 * wg_errmsg then shows, the calls that only read the tape (wg_tensor_value,
 * wg_node_attrs, wg_grad_of_tensor) included: never an earlier failure's. */

/* Inspection: the i-th node (0-based, recording order) of the tape. */
wg_var   wg_tape_var(const wg_tape *t, size_t i);  /* invalid handle if i out of range */
int      wg_var_valid(const wg_tape *t, wg_var v);  /* 1 when v is a live handle of t */
size_t   wg_var_index(const wg_tape *t, wg_var v);  /* node index; (size_t)-1 if invalid */
wg_op    wg_node_op(const wg_tape *t, size_t i);
/* Operand k (0 or 1) of node i as a node index; (size_t)-1 if none. */
size_t   wg_node_arg(const wg_tape *t, size_t i, int k);
double   wg_node_param(const wg_tape *t, size_t i);   /* c of *_C ops, n of powi */
int      wg_node_arity(const wg_tape *t, size_t i);   /* operands of node i; -1: no node */
/* the custom op id of a WG_OP_CUSTOM node (wg_custom_op); -1 for other nodes */
int      wg_node_custom(const wg_tape *t, size_t i);
/* node i's op as .wg text spells it: a custom node's registered name; NULL
 * when there is no node i */
const char *wg_node_op_name(const wg_tape *t, size_t i);
double   wg_node_value(const wg_tape *t, size_t i);     /* one-element nodes; else NaN */
int      wg_node_rank(const wg_tape *t, size_t i);    /* 0: scalar; -1: no node i */

/* ------------------------------------------------------------------ recording */

wg_var   wg_input(wg_tape *t, double value);     /* independent variable */
wg_var   wg_const(wg_tape *t, double value);
double   wg_value(const wg_tape *t, wg_var v);   /* NaN for an invalid handle or a tensor
                                                    of other than one element (see
                                                    wg_tensor_value) */

/* One recording function per row of WG_OP_LIST:
 *   binary: wg_add wg_sub wg_mul wg_div wg_pow wg_atan2 wg_min wg_max wg_hypot
 *   unary:  wg_neg wg_exp wg_log wg_log1p wg_expm1 wg_sqrt wg_cbrt wg_sin wg_cos
 *           wg_tan wg_asin wg_acos wg_atan wg_sinh wg_cosh wg_tanh wg_sigmoid
 *           wg_softplus wg_relu wg_abs wg_erf wg_square wg_recip wg_stop_gradient
 *           wg_step (1 for a > 0, else 0) wg_sign (-1, 0, 1): the derivatives
 *           of relu and abs as ops, derivative 0 (recorded rules use them)
 *   const:  wg_add_c(t, a, c) = a + c, wg_mul_c = a * c, wg_pow_c = a ^ c
 *   int:    wg_powi(t, a, n) = a ^ n
 *   compare: wg_lt wg_le wg_gt wg_ge wg_eq wg_ne return the outcome (1 or 0;
 *           0 on a failed tape) and record it: a replay where it differs
 *           fails with WG_EBRANCH.
 */
#define WG_X_DECL_LEAF(name)
#define WG_X_DECL_UNARY(name)  wg_var wg_##name(wg_tape *t, wg_var a);
#define WG_X_DECL_BINARY(name) wg_var wg_##name(wg_tape *t, wg_var a, wg_var b);
#define WG_X_DECL_CONST(name)  wg_var wg_##name(wg_tape *t, wg_var a, double c);
#define WG_X_DECL_INT(name)    wg_var wg_##name(wg_tape *t, wg_var a, int n);
#define WG_X_DECL_CMP(name)    int wg_##name(wg_tape *t, wg_var a, wg_var b);
#define WG_X_DECL_TUNARY(name)
#define WG_X_DECL_TBINARY(name)
#define WG_X_DECL_CUSTOM(name)
#define WG_X_DECL(E, name, kind) WG_X_DECL_##kind(name)
WG_OP_LIST(WG_X_DECL)
#undef WG_X_DECL

/* Generic recording, for parsers and generators that pick the op at run
 * time.  b is ignored by unary ops; c is used by CONST and INT ops (INT
 * needs an integral c that fits an int) and by WG_OP_CUSTOM, where it is
 * the custom op id (wg_apply_custom). */
wg_var   wg_apply(wg_tape *t, wg_op op, wg_var a, wg_var b, double c);

/* ------------------------------------------------------------------ custom ops
 *
 * An op of the program's own: its value and its partials as C callbacks.
 * A registered op records, sweeps forward and reverse, replays (wg_eval),
 * reads and writes as .wg text (`v3 = myop(v1, v2)`), is checked by the
 * verifier and drawn by the fuzzer like a built-in one.  Like a built-in
 * scalar op it applies elementwise to tensors, a binary one with NumPy
 * broadcasting: the callbacks see one element at a time, a domain or range
 * error names the element, and shapes that do not broadcast fail the tape
 * with WG_ESHAPE.
 *
 *   value(x, ctx)               f at x[0..arity)
 *   partials(x, dfdx, ctx)      df/dx[k] into dfdx[0..arity)
 *   domain(x, ctx)              optional (NULL: everywhere): 1 when x is in
 *                               f's domain.  Outside it, recording fails with
 *                               WG_EDOM and a replay with WG_EDOM, as for
 *                               log(-1); a value that is not finite inside
 *                               it is WG_ERANGE.
 *   ctx                         passed back to every callback
 *
 * The callbacks must be pure functions of x (and ctx) that any thread may
 * call at any time.  Custom ops have no second-order rule:
 * wg_grad_graph, wg_vjp_graph, wg_jvp_graph, wg_hessian and wg_hvp over a
 * custom node fail with WG_EINVAL and a message naming it (the tape is
 * left as it was).
 *
 * The registry is process-wide and append-only: ops are never removed, ids
 * count from 0 in registration order, at most WG_CUSTOM_MAX ops.
 * Registration takes a lock, so several threads may register at once;
 * lookups take none, and a program registers its ops before it records,
 * reads or verifies anything that uses them (a plugin's wg_plugin_init,
 * see wengert-verify(1), runs before any of that).
 *
 * wg_custom_op: WG_OK and *op_id; WG_EINVAL when the name is not an
 * identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 characters), is a built-in
 * op's name, a keyword of .wg text (input, output), a canonical node name
 * (v<digits>), an expression constant (pi, e) or a registered op's name;
 * when arity is not 1 or 2 or value or partials is NULL; WG_ELIMIT when
 * WG_CUSTOM_MAX ops are registered.  wg_custom_error() then holds a
 * message naming the problem (per thread of the last failed call). */
#define WG_CUSTOM_MAX 64
typedef struct wg_custom_op_def {
    const char *name;          /* copied */
    int arity;                 /* 1 or 2 */
    double (*value)(const double *x, void *ctx);
    void (*partials)(const double *x, double *dfdx, void *ctx);
    int (*domain)(const double *x, void *ctx);
    void *ctx;
} wg_custom_op_def;
int         wg_custom_op(const wg_custom_op_def *def, int *op_id);
const char *wg_custom_error(void);
int         wg_custom_count(void);                   /* ops registered */
/* the registered definition of op_id (its name is the registry's copy);
 * NULL for an unknown id */
const wg_custom_op_def *wg_custom_def(int op_id);
/* 1 and *op_id when name is a registered op, else 0 */
int         wg_custom_find(const char *name, int *op_id);
/* record op_id applied to args[0..arity): a scalar node.  An unknown id
 * fails the tape with WG_EINVAL. */
wg_var      wg_apply_custom(wg_tape *t, int op_id, const wg_var *args);

/* ------------------------------------------------------------------ tensors
 *
 * A node may hold a dense tensor: rank 0 to WG_MAX_RANK, row-major,
 * contiguous doubles.  A scalar is a rank-0 tensor; wg_input and wg_const
 * make one, and every scalar call works as before.  Every UNARY, BINARY,
 * CONST, INT, CMP and CUSTOM op applies elementwise; binary ones broadcast as
 * NumPy does (shapes aligned from the right, a size-1 or missing axis stretches).
 * A recorded comparison of tensors keeps every element's outcome; the C
 * call returns 1 when every element's outcome is true.
 *
 * Axes count from 0; a negative axis counts from the end (-1 is the last).
 * Shapes that do not fit fail the tape with WG_ESHAPE, naming the node, the
 * op and the shapes ("node 12 (matmul): shapes 3x4 and 5x2 do not fit");
 * a result with more than WG_MAX_ELEMENTS elements, or an arena that would
 * outgrow the address space, fails it with WG_ELIMIT.  Nothing is
 * half-recorded: a failed call appends no node.
 *
 * In the derivative drivers (wg_grad, wg_vjp, wg_jvp, wg_jvp_multi, the
 * Jacobians, wg_eval) every handle may be a tensor: the arrays g, w, u,
 * xbar, ydot, values and the Jacobian's rows and columns hold the
 * concatenation of the handles' elements in row-major order. */
#define WG_MAX_RANK 8
#define WG_MAX_ELEMENTS ((size_t)1 << 40)   /* elements of one tensor */

/* an input or constant of the given shape; data holds numel doubles, all
 * finite.  rank 0 is a scalar (wg_input / wg_const). */
wg_var wg_tensor_input(wg_tape *t, int rank, const size_t *shape, const double *data);
wg_var wg_tensor_const(wg_tape *t, int rank, const size_t *shape, const double *data);
int    wg_shape(const wg_tape *t, wg_var v, size_t *shape);  /* the rank; -1 invalid; shape may be NULL */
size_t wg_numel(const wg_tape *t, wg_var v);                 /* 1 for a scalar; 0 invalid */
int    wg_tensor_value(const wg_tape *t, wg_var v, double *out); /* numel doubles; WG_OK or WG_EINVAL */

/* (..., m, k) @ (..., k, n) -> (..., m, n).  A 1-D operand is a row (left)
 * or a column (right) vector whose axis is dropped from the result, as in
 * NumPy; batch axes broadcast.  Computed by CBLAS dgemm. */
wg_var wg_matmul(wg_tape *t, wg_var a, wg_var b);
/* reductions; naxes 0 (axes NULL): over every axis.  keepdims keeps the
 * reduced axes with size 1. */
wg_var wg_sum(wg_tape *t, wg_var a, int naxes, const int *axes, int keepdims);
wg_var wg_mean(wg_tape *t, wg_var a, int naxes, const int *axes, int keepdims);
/* max along one axis; at a tie the derivative goes to the first maximal
 * element (the same convention as wg_max) */
wg_var wg_max_reduce(wg_tape *t, wg_var a, int axis, int keepdims);
/* log sum exp along one axis, shifted by the maximum so that it neither
 * overflows nor underflows */
wg_var wg_logsumexp(wg_tape *t, wg_var a, int axis, int keepdims);
wg_var wg_logsoftmax(wg_tape *t, wg_var a, int axis);
wg_var wg_softmax(wg_tape *t, wg_var a, int axis);
/* the same elements under another shape with the same element count */
wg_var wg_reshape(wg_tape *t, wg_var a, int rank, const size_t *shape);
/* axes permuted: result axis d is a's axis perm[d]; NULL reverses them */
wg_var wg_transpose(wg_tape *t, wg_var a, const int *perm);
wg_var wg_broadcast_to(wg_tape *t, wg_var a, int rank, const size_t *shape);
/* elements start .. stop-1 along axis */
wg_var wg_slice(wg_tape *t, wg_var a, int axis, size_t start, size_t stop);
/* n parts joined along an existing axis (concat) or a new one (stack).
 * Recorded as binary concat nodes (stack: a reshape of each part first),
 * joined as a balanced tree, so every node has at most two operands; the
 * concat of one part is that part's handle. */
wg_var wg_concat(wg_tape *t, size_t n, const wg_var *parts, int axis);
wg_var wg_stack(wg_tape *t, size_t n, const wg_var *parts, int axis);
/* 1 at the first maximal element along axis, 0 elsewhere (a's shape):
 * max_reduce's derivative as an op; its own derivative is 0 */
wg_var wg_argmax_mask(wg_tape *t, wg_var a, int axis);

/* The attributes of a tensor op node, for readers, writers and tools that
 * rebuild a tape (inspection: wg_node_attrs; generic recording:
 * wg_apply_tensor). */
typedef struct wg_tensor_attrs {
    unsigned axes;          /* sum, mean: bit d set when axis d is reduced */
    int axis;               /* max_reduce, logsumexp, logsoftmax, softmax, slice, concat */
    int keepdims;           /* sum, mean, max_reduce, logsumexp */
    int perm[WG_MAX_RANK];  /* transpose */
    size_t start, stop;     /* slice */
    int rank;               /* reshape, broadcast_to: the result's shape */
    size_t shape[WG_MAX_RANK];
} wg_tensor_attrs;
/* node i's attributes; WG_OK, or WG_EINVAL when i is not a tensor op */
int    wg_node_attrs(const wg_tape *t, size_t i, wg_tensor_attrs *attrs);
/* record a TUNARY or TBINARY op from its attributes (b: concat, matmul) */
wg_var wg_apply_tensor(wg_tape *t, wg_op op, wg_var a, wg_var b, const wg_tensor_attrs *attrs);

/* node i's shape, element count, and values (numel doubles, row-major;
 * valid until the next recording call or wg_eval) */
int           wg_node_shape(const wg_tape *t, size_t i, size_t *shape); /* rank; -1 */
size_t        wg_node_numel(const wg_tape *t, size_t i);
const double *wg_node_values(const wg_tape *t, size_t i);
/* element e of node i's tangent (direction 0) or adjoint in the last sweep;
 * NaN when the node was not swept (see wg_node_tangent) */
double wg_node_tangent_at(const wg_tape *t, size_t i, size_t e);
double wg_node_adjoint_at(const wg_tape *t, size_t i, size_t e);

/* ------------------------------------------------------------------ derivatives
 *
 * x lists independent variables (handles made by wg_input) unless said
 * otherwise; y lists any nodes.  All return a status and leave the recorded
 * values unchanged. */

/* replay the tape at x = values (other inputs keep their values) */
int wg_eval(wg_tape *t, size_t n, const wg_var *x, const double *values);

/* reverse: g[j] = dy/dx[j]; x may name any node (the adjoint of that node) */
int wg_grad(wg_tape *t, wg_var y, size_t n, const wg_var *x, double *g);
/* reverse: xbar = w^T J, J = d(y)/d(x) */
int wg_vjp(wg_tape *t, size_t m, const wg_var *y, const double *w,
           size_t n, const wg_var *x, double *xbar);
/* forward: ydot = J u */
int wg_jvp(wg_tape *t, size_t n, const wg_var *x, const double *u,
           size_t m, const wg_var *y, double *ydot);
/* vector forward: k directions in one sweep.  U is n x k and Ydot m x k,
 * both row-major. */
int wg_jvp_multi(wg_tape *t, size_t n, const wg_var *x, size_t k, const double *U,
                 size_t m, const wg_var *y, double *Ydot);
/* m x n Jacobian, row-major.  wg_jacobian picks the cheaper mode: reverse
 * (m sweeps) when m <= n, vector forward otherwise. */
int wg_jacobian(wg_tape *t, size_t m, const wg_var *y, size_t n, const wg_var *x,
                double *J);
int wg_jacobian_fwd(wg_tape *t, size_t m, const wg_var *y, size_t n, const wg_var *x,
                    double *J);
int wg_jacobian_rev(wg_tape *t, size_t m, const wg_var *y, size_t n, const wg_var *x,
                    double *J);

/* Accumulating backward, with PyTorch's .grad semantics: each call adds
 * seed * dy/dv into every node's gradient buffer (y holds one element); the buffers are kept until
 * wg_zero_grad.  The tape itself is not changed, so the same call twice adds
 * the same amount twice. */
/* ------------------------------------------------------------------ higher order
 *
 * The derivative computation recorded onto the same tape: each op's rule is
 * appended as ordinary nodes (recorded rules keep the conventions at kinks
 * through the step and sign ops, never through a C branch on today's
 * value), so the results are nodes with values that can be evaluated,
 * replayed by wg_eval at a new point, and differentiated again.  x may name
 * any nodes (inputs or intermediates); w and u are handles of the shapes of
 * y and x.  A recorded rule that leaves its op's domain fails the tape as
 * any recording does (sqrt'(0) = 0.5/0: WG_EDOM).  WG_OK or a status. */
int wg_grad_graph(wg_tape *t, wg_var y, size_t n, const wg_var *x, wg_var *g);
int wg_vjp_graph(wg_tape *t, size_t m, const wg_var *y, const wg_var *w,
                 size_t n, const wg_var *x, wg_var *xbar);     /* w: cotangent handles */
int wg_jvp_graph(wg_tape *t, size_t n, const wg_var *x, const wg_var *u,
                 size_t m, const wg_var *y, wg_var *ydot);     /* u: tangent handles */
/* Second order in double, leaving the tape as it was: dense Hessian of a
 * one-element y over x (N x N row-major, N = the elements of x; x inputs),
 * and the Hessian-vector product H v without forming H.  wg_hvp is forward
 * over reverse in double with each op's second partials, tensor nodes
 * included (no recording).
 * wg_hessian takes the cheapest of three methods (wg_hessian_with forces
 * one; wg_hessian_last_method says which the last call on the tape used):
 *   WG_HESSIAN_EDGE_PUSHING  scalar tapes: one reverse sweep of second-order
 *       adjoints over one triangle of the symmetric matrix (Gower and
 *       Mello 2012); work in proportion to the interacting pairs, the upper
 *       triangle mirrored from the lower;
 *   WG_HESSIAN_HVP           N forward-over-reverse sweeps, one per column;
 *   WG_HESSIAN_RECORDED      the gradient graph recorded, swept forward along
 *       16 columns at once, removed.
 * WG_HESSIAN_AUTO estimates the last two's costs from N and the number of
 * active elements and takes the cheaper; on scalar tapes it first runs edge
 * pushing with a budget worth that cost (doc/DESIGN.md, "Second order").
 * Forced, edge pushing returns WG_EINVAL on a tape with tensors on the path
 * and WG_ELIMIT past 2^24 entries (256 MiB); any method WG_EINVAL through a
 * custom op (it has no second partials), WG_ERANGE where a second
 * derivative on the path is infinite. */
typedef enum wg_hessian_method {
    WG_HESSIAN_AUTO = 0,
    WG_HESSIAN_EDGE_PUSHING = 1,
    WG_HESSIAN_HVP = 2,
    WG_HESSIAN_RECORDED = 3
} wg_hessian_method;
int wg_hessian(wg_tape *t, wg_var y, size_t n, const wg_var *x, double *H);
int wg_hessian_with(wg_tape *t, wg_hessian_method method, wg_var y, size_t n, const wg_var *x,
                    double *H);
wg_hessian_method wg_hessian_last_method(const wg_tape *t);  /* AUTO before any call */
const char *wg_hessian_method_name(wg_hessian_method m);     /* "edge pushing", ... */
int wg_hvp(wg_tape *t, wg_var y, size_t n, const wg_var *x, const double *v, double *Hv);

int    wg_backward(wg_tape *t, wg_var y, double seed);
double wg_grad_of(const wg_tape *t, wg_var v);   /* 0 before any backward */
/* the gradient buffer of a tensor node: numel doubles.  WG_OK or WG_EINVAL */
int    wg_grad_of_tensor(const wg_tape *t, wg_var v, double *out);
void   wg_zero_grad(wg_tape *t);

/* Per-node tangents and adjoints of the last sweep, for trace tables:
 * wg_node_tangent is direction 0 of the last forward sweep, wg_node_adjoint
 * the last reverse sweep (wg_grad, wg_vjp, wg_jacobian_rev).  NaN when the
 * node was not swept. */
double wg_node_tangent(const wg_tape *t, size_t i);
double wg_node_adjoint(const wg_tape *t, size_t i);

/* Test-only: a hook that sees, and may change, every local partial a
 * derivative sweep uses (reverse: 1 in the reverse sweep, 0 in the forward
 * one).  It exists so that the verifier's own tests can plant a wrong
 * derivative rule and show that it is caught; never set it in production.
 * NULL removes it.  With a hook set, sweeps take a slower generic path. */
typedef void (*wg_partials_hook)(void *ctx, int reverse, size_t node, wg_op op, double a,
                                 double b, double p, double y, double *da, double *db);
void wg_tape_set_partials_hook(wg_tape *t, wg_partials_hook hook, void *ctx);
/* Test-only, like the hook: switches that plant a bug which is not a wrong
 * partial.  Only the generic sweeps read them, so they act only while a
 * partials hook is set (the fast sweeps never look); 0 clears them.
 *   WG_TEST_ADJ_OVERWRITE  the reverse sweep stores each contribution to an
 *                          operand's adjoint instead of adding it: a node
 *                          with several consumers keeps only the last. */
#define WG_TEST_ADJ_OVERWRITE 1u
/* Wrong tensor rules, each a mistake real tensor code makes (the
 * fuzzer's self-test hunts them; fuzz/bugs.c).  When one of them changes
 * a node's result, the hook is called once for that node with da = db =
 * NULL, so that a hook can count the bug's actions.
 *   WG_TEST_BCAST_STORE      elementwise adjoint of a stretched operand
 *                            stored, not summed over the stretched axes
 *   WG_TEST_BCAST_TILE       ... accumulated as if the operand were tiled
 *                            (row-major wrap): summed over the wrong axes
 *   WG_TEST_MATMUL_NO_T      matmul adjoint of A uses B's memory as if it
 *                            were B^T (the transpose forgotten)
 *   WG_TEST_MATMUL_BATCH     matmul adjoint of a broadcast batch operand
 *                            keeps the last batch, not the sum
 *   WG_TEST_LOGSOFTMAX_NOSM  logsoftmax's rules without the softmax term
 *   WG_TEST_LSE_NO_SHIFT     logsumexp's rules weigh by exp(a)/sum exp(a)
 *                            unshifted (overflow past |a| = 709)
 *   WG_TEST_TRANSPOSE_PERM   transpose adjoint by perm, not its inverse
 *   WG_TEST_MAX_TIES_ALL     max_reduce at a tie: every maximal element
 *   WG_TEST_RESHAPE_VIEW     reshape adjoint of a transposed operand
 *                            written in the transpose's storage order
 *   WG_TEST_SLICE_SHIFT      slice adjoint one position off
 *   WG_TEST_MEAN_NO_DIV      mean's rules without the 1/n */
#define WG_TEST_BCAST_STORE     (1u << 1)
#define WG_TEST_BCAST_TILE      (1u << 2)
#define WG_TEST_MATMUL_NO_T     (1u << 3)
#define WG_TEST_MATMUL_BATCH    (1u << 4)
#define WG_TEST_LOGSOFTMAX_NOSM (1u << 5)
#define WG_TEST_LSE_NO_SHIFT    (1u << 6)
#define WG_TEST_TRANSPOSE_PERM  (1u << 7)
#define WG_TEST_MAX_TIES_ALL    (1u << 8)
#define WG_TEST_RESHAPE_VIEW    (1u << 9)
#define WG_TEST_SLICE_SHIFT     (1u << 10)
#define WG_TEST_MEAN_NO_DIV     (1u << 11)
/* Wrong second-order rules.  The first six act in the rules recorded as
 * ops (wg_grad_graph and everything built on it), the last three in the
 * double forward-over-reverse sweep of wg_hvp only:
 *   WG_TEST_RULE_SIN_SCALE   sin's recorded rule cos(a) (1 + 2^-30)
 *   WG_TEST_RULE_TANH_ARG    tanh's recorded rule 1 - a^2, not 1 - tanh^2 a
 *   WG_TEST_RULE_RELU_KINK   relu's recorded rule [a >= 0]: 1 at the kink
 *   WG_TEST_RULE_DIV_B       div's recorded d/db = -y, the 1/b lost
 *   WG_TEST_RULE_EXP_BAKED   exp's recorded rule a constant of exp(a): right
 *                            value, derivative 0
 *   WG_TEST_RULE_MUL_DETACH  mul's recorded rules detached from the other
 *                            operand (stop_gradient): the cross term lost
 *   WG_TEST_HVP_SIN_SIGN     sin's second partial +sin a
 *   WG_TEST_HVP_NO_CROSS     every cross second partial d2y/dadb taken as 0
 *   WG_TEST_HVP_DIV_BB       div's d2y/db2 = y/b^2, the factor 2 lost */
#define WG_TEST_RULE_SIN_SCALE  (1u << 12)
#define WG_TEST_RULE_TANH_ARG   (1u << 13)
#define WG_TEST_RULE_RELU_KINK  (1u << 14)
#define WG_TEST_RULE_DIV_B      (1u << 15)
#define WG_TEST_RULE_EXP_BAKED  (1u << 16)
#define WG_TEST_RULE_MUL_DETACH (1u << 17)
#define WG_TEST_HVP_SIN_SIGN    (1u << 18)
#define WG_TEST_HVP_NO_CROSS    (1u << 19)
#define WG_TEST_HVP_DIV_BB      (1u << 20)
/* Bugs of the drivers and of the replay, beside the sweeps' rules:
 *   WG_TEST_JVP_LANE         wg_jvp_multi: lanes after the first take mul's
 *                            d/db as its d/da (a loop over lanes that reuses
 *                            the first operand's partial)
 *   WG_TEST_JAC_REV_STALE    wg_jacobian_rev: each row after the first keeps
 *                            the previous row's sum (adjoints not cleared)
 *   WG_TEST_BACKWARD_STORE   wg_backward stores each call's adjoints in the
 *                            gradient buffer instead of adding them
 *   WG_TEST_EVAL_EXPM1_NAN   wg_eval's replay of expm1 returns NaN
 *   WG_TEST_EVAL_SINH_OFF    wg_eval's replay of sinh is off by 2^-30 of it
 *   WG_TEST_EVAL_STALE_LOG   wg_eval's replay leaves log's partial 1/a as the
 *                            first replay found it (a library that stores
 *                            local partials on the tape, one op's refresh
 *                            forgotten): values right, derivatives after a
 *                            replay to a new point wrong */
#define WG_TEST_JVP_LANE        (1u << 21)
#define WG_TEST_JAC_REV_STALE   (1u << 22)
#define WG_TEST_BACKWARD_STORE  (1u << 23)
#define WG_TEST_EVAL_EXPM1_NAN  (1u << 24)
#define WG_TEST_EVAL_SINH_OFF   (1u << 25)
#define WG_TEST_EVAL_STALE_LOG  (1u << 26)
/*   WG_TEST_HESS_EDGE_DIAG   wg_hessian's edge pushing: an off-diagonal W[i][p]
 *                            pushed onto the diagonal W[p][p] once, not twice */
#define WG_TEST_HESS_EDGE_DIAG  (1u << 30)
void wg_tape_set_test_flags(wg_tape *t, unsigned flags);
/* Test-only: dst gets src's hook, its context and its test flags, so that
 * a tool that records a tape again (the verifier's second-order check)
 * carries a planted bug along. */
void wg_tape_copy_test_state(wg_tape *dst, const wg_tape *src);

/* ------------------------------------------------------------------ graphs and .wg text
 *
 * A graph is a tape plus the names of its inputs and its outputs: what a
 * .wg file holds (doc/FORMAT.md).  The graph owns its tape. */

typedef struct wg_graph wg_graph;

typedef struct wg_parse_error {
    int status;          /* WG_EPARSE, WG_EDOM, WG_EIO, WG_ENOMEM, ... */
    char file[256];      /* file name, or "<expr>" / "<string>" */
    int line, column;    /* 1-based; 0 when not tied to a place */
    char message[512];   /* "file:line:column: expected ')' after argument ..." */
} wg_parse_error;

/* Read a .wg file.  NULL on failure, with err filled in (err may be NULL).
 * Only a regular file is read (a FIFO, device or directory: WG_EIO, "not a
 * regular file"), and at most wg_read_limit() bytes (WG_ELIMIT). */
wg_graph *wg_graph_read_file(const char *path, wg_parse_error *err);
/* The most bytes a reader of files (.wg, suites) takes: the environment
 * variable WG_MAX_FILE_BYTES when it is a positive number, read at each
 * call, else WG_MAX_FILE_BYTES_DEFAULT (1 GiB: a .wg of 10^7 inputs is
 * about 200 MB).  A larger file is refused from its size, unread. */
#define WG_MAX_FILE_BYTES_DEFAULT ((size_t)1 << 30)
size_t    wg_read_limit(void);
/* The guards of those readers, for other readers of untrusted paths (the
 * verifier's suites): path's whole text into *text (malloc'd,
 * NUL-terminated, *len bytes before the NUL).  Only a regular file is read
 * (a FIFO, device, socket or directory is refused before a byte is read;
 * a FIFO with no writer cannot block), at most wg_read_limit() bytes.
 * WG_OK; WG_EIO (cannot open, not a regular file, read error), WG_ELIMIT
 * (too large) or WG_ENOMEM, with why a sentence that does not repeat the
 * path ("not a regular file (a FIFO)"). */
int       wg_file_read(const char *path, char **text, size_t *len, char *why, size_t whylen);
/* Read .wg text held in memory; name is used in messages. */
wg_graph *wg_graph_read_string(const char *text, const char *name, wg_parse_error *err);
/* One expression: identifiers that are not function names are inputs,
 * in the order of names[] (which must list every one); values[] gives
 * their values.  The graph has one output, named "y". */
wg_graph *wg_graph_parse_expr(const char *expr, size_t n, const char *const *names,
                              const double *values, wg_parse_error *err);
/* An empty graph over a new tape (for building by hand or from a program). */
wg_graph *wg_graph_new(void);
void      wg_graph_free(wg_graph *g);

wg_tape    *wg_graph_tape(wg_graph *g);
size_t      wg_graph_ninputs(const wg_graph *g);
wg_var      wg_graph_input(const wg_graph *g, size_t i);
const char *wg_graph_input_name(const wg_graph *g, size_t i);
size_t      wg_graph_noutputs(const wg_graph *g);
wg_var      wg_graph_output(const wg_graph *g, size_t i);
const char *wg_graph_output_name(const wg_graph *g, size_t i);
/* Record an input named name on the graph's tape. */
wg_var      wg_graph_add_input(wg_graph *g, const char *name, double value);
/* ... a tensor input (wg_tensor_input): numel doubles of data, row-major */
wg_var      wg_graph_add_tensor_input(wg_graph *g, const char *name, int rank,
                                      const size_t *shape, const double *data);
int         wg_graph_add_output(wg_graph *g, const char *name, wg_var v);
/* Name of node i as used by the writer, traces and DOT: the input's name for
 * named inputs, "v<i>" otherwise.  Writes into buf, returns buf. */
const char *wg_graph_node_name(const wg_graph *g, size_t i, char *buf, size_t len);

/* Write the graph in canonical .wg form: one node per line.  Writing,
 * reading back and writing again gives the same bytes. */
int wg_graph_write(const wg_graph *g, FILE *out);

/* The rules of .wg text, for readers of other formats that follow them
 * (libwengert-verify's suite files do):
 * 1 when s is an identifier that can name a variable: [A-Za-z_][A-Za-z0-9_]*
 * and not a keyword of the format (input, output) nor an op name. */
int wg_graph_name_ok(const char *s);
/* 1 when s has the form v<digits>: the writer's name for node <digits>,
 * so reserved, and no input may take it */
int wg_graph_name_is_canonical(const char *s);
/* A number as .wg text has it, independent of the C locale's decimal
 * point: the whole of s[0..n) must be a C floating constant (decimal or
 * hexadecimal); returns 0 and sets *out, or 1 malformed, 2 too large for
 * a double, -1 out of memory.  Underflow to a subnormal or zero is
 * accepted: it is the correctly rounded value. */
int wg_number_parse(const char *s, size_t n, double *out);

/* ------------------------------------------------------------------ traces and DOT */

/* The evaluation trace tables of the seeds, one row per node:
 * forward primal; forward tangent along direction u (one entry per element
 * of each graph input, in input order); reverse adjoint of output `out`
 * (graph output index; a tensor output is seeded with 1 in every element).
 * A tensor node shows its shape and first elements. */
int wg_trace_primal(wg_graph *g, FILE *out);
int wg_trace_tangent(wg_graph *g, const double *u, FILE *out);
int wg_trace_adjoint(wg_graph *g, size_t out_index, FILE *out);

enum { WG_DOT_VALUES = 1 };
int wg_graph_write_dot(const wg_graph *g, unsigned flags, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* WENGERT_H */
