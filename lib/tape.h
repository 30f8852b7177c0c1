/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tape.h -- private: the layout of a tape and the helpers every lib/ file
 * that touches a tape shares.  Not installed. */
#ifndef WG_TAPE_H
#define WG_TAPE_H

#include "wengert.h"

#include <stdarg.h>
#include <stdint.h>

/* A handle is { index + 1, tag }.  Index + 1 so that the all-zero handle
 * is never valid; the tag (never 0) changes with every new tape and every
 * wg_tape_clear, so handles from another tape or from before a clear are
 * rejected instead of read (see wengert.h, wg_var). */
#define WG_NONE UINT32_MAX        /* "no operand" in arg0/arg1 */

/* An interned shape: equal shapes share an id, so comparing shapes is
 * comparing ids.  Id 0 is rank 0 (a scalar). */
typedef struct wg_shape_rec {
    int rank;
    size_t dim[WG_MAX_RANK];
    size_t numel;
} wg_shape_rec;

/* The record of a tensor node (tref[i] = k + 1 for record k): where its
 * values live and the attributes of its op.  A node of rank 0 keeps its one
 * value in val[i] like a scalar (and its tangents and adjoints in the
 * per-node slots), so a scalar op can take it as an operand on the fast
 * path; a node of rank > 0 keeps numel doubles in the arena at off. */
typedef struct wg_tnode {
    uint64_t off;               /* arena offset of the values (rank > 0) */
    uint64_t aux;               /* slice: the start */
    uint32_t node;              /* the node this record belongs to */
    uint32_t shape;             /* interned shape id */
    uint32_t attr;              /* packed attributes, see tensor.h */
    uint32_t flags;             /* WG_TN_ACTIVE */
} wg_tnode;

/* the node may depend on an input: it is an input, or an operand may be
 * (a scalar operand always counts as one, its dependence is not kept) */
#define WG_TN_ACTIVE 1u

/* Structure of arrays, recording order = evaluation order, so every sweep
 * is a plain loop.  Per node: op (1 byte), two operand indices (4 + 4),
 * tensor reference (4) and value (8): 21 bytes.  Ops with a constant keep
 * it in param[], indexed by arg1, so the common case pays nothing for it.
 * A tensor node adds a 32-byte wg_tnode and its values in the arena. */
struct wg_tape {
    wg_allocator alloc;
    uint32_t tag;
    size_t n, cap;
    uint8_t *op;
    uint32_t *arg0, *arg1;
    uint32_t *tref;             /* 0: a scalar node; k + 1: tensor record tn[k] */
    double *val;
    double *param;
    size_t nparam, param_cap;
    uint32_t *cid;              /* custom op id of each WG_OP_CUSTOM node; NULL until
                                   the first one (lib/custom.c) */
    size_t cid_cap;

    /* tensors */
    wg_tnode *tn;               /* tensor records, in node order */
    size_t ntn, tn_cap;
    wg_shape_rec *shapes;       /* interned shapes; shapes[0] is rank 0 */
    size_t nshapes, shapes_cap;
    uint32_t *shape_hash;       /* open addressing: shape id + 1, 0 empty */
    size_t shape_hash_cap;      /* a power of two, or 0 */
    double *arena;              /* the values of nodes of rank > 0 */
    size_t arena_n, arena_cap;  /* doubles */

    /* sweep scratch, kept between calls so repeated sweeps allocate nothing */
    double *tan;                /* tan[i * tan_k + j]: tangent of node i, direction j */
    size_t tan_cap;             /* doubles */
    size_t tan_k, tan_lo, tan_n;/* shape of the last forward sweep */
    double *adj;
    size_t adj_cap;
    size_t adj_lo, adj_n;       /* nodes [adj_lo, adj_n) hold the last reverse sweep */
    int last_reverse;           /* 1: the sweep prepared last was a reverse one */
    int prune_passive;          /* reverse sweep: no adjoints for tensor nodes that
                                   depend on no input (set by wg_vjp, see there) */
    /* wg_hvp's first-order pass: need[i - lo] is 0 for a tensor node whose
     * adjoint no second-order term reads (sweep_second.c); NULL otherwise */
    const unsigned char *adj_need;
    double *grad;               /* wg_backward accumulator */
    size_t grad_cap, grad_n;
    /* tensor parts of the sweep scratch: the arena range [toff_lo, toff_hi)
     * of the swept nodes, k slabs per node forward */
    double *ttan;
    size_t ttan_cap, ttan_lo;
    double *tadj;
    size_t tadj_cap, tadj_lo, tadj_hi;
    double *tgrad;              /* wg_backward accumulator of arena values */
    size_t tgrad_cap, tgrad_n;
    double *seed;               /* wg_jacobian_rev: one output's one-hot cotangent */
    size_t seed_cap;
    double *adt;                /* wg_hvp: tangents of the adjoints */
    size_t adt_cap;
    double *tadt;               /* ... of the tensor adjoints (tadj's layout) */
    size_t tadt_cap;
    int hess_method;            /* the wg_hessian_method the last wg_hessian used */

    wg_partials_hook hook;      /* test-only, see wengert.h */
    void *hook_ctx;
    unsigned test_flags;        /* test-only WG_TEST_* bits, read only with a hook */
    double *test_stale;         /* WG_TEST_EVAL_STALE_LOG: log's partials as the first
                                   wg_eval found them (NaN for other nodes) */
    size_t test_stale_n;

    int status;                 /* sticky: WG_OK or the first error */
    int status_at_point;        /* 1: the error belongs to the replay point */
    char msg[320];
    char call_msg[320];         /* the last failed driver call, when status is OK */
};

/* the status a driver starts from: a failed tape (or none) refuses every
 * sweep */
static inline int wg_usable(const wg_tape *t)
{
    return t ? t->status : WG_EINVAL;
}

/* fail the tape: operand k (0-based) of a new node of op is not a live handle */
void  wg_bad_handle(wg_tape *t, wg_op op, int k, wg_var v);
void  wg_bad_handle_named(wg_tape *t, const char *opname, int k, wg_var v);

/* room for one more node / one more constant; WG_OK, WG_ENOMEM or WG_ELIMIT */
int   wg_tape_reserve_slow(wg_tape *t);
int   wg_tape_reserve_param(wg_tape *t);

/* memory through the tape's allocator */
void *wg_mem_realloc(wg_tape *t, void *p, size_t size);
void  wg_mem_free(wg_tape *t, void *p);
/* grow a scratch array of doubles to hold at least `need`; WG_OK or WG_ENOMEM */
int   wg_scratch(wg_tape *t, double **buf, size_t *cap, size_t need);

/* errors: sticky ones (recording; at_point says whether a replay at another
 * point clears it) and call errors (a driver refused a call) */
void wg_fail(wg_tape *t, int status, int at_point, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same for a call that reads the tape only (const): the message is not
 * part of what the tape computes, so writing it through a const handle
 * changes no node, value or status (tapes are always allocated, never
 * const objects).  A failing read thus sets its own message like any call;
 * as ever, one tape is used by one thread at a time. */
#define wg_call_fail_const(t, ...) wg_call_fail((wg_tape *)(uintptr_t)(t), __VA_ARGS__)
int  wg_call_fail(wg_tape *t, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* kind of each op, for the sweeps' inner loops (wg_op_kind_of is the
 * checked public form) */
extern const unsigned char wg_op_kind_table[WG_OP_COUNT];
static inline wg_op_kind wg_kind(uint8_t op)
{
    return (wg_op_kind)wg_op_kind_table[op];
}

/* infix symbol of ops that traces and messages write as a OP b (add and
 * add_c: "+", lt: "<", ...); NULL for the others */
const char *wg_op_symbol(wg_op op);

/* "argument 2", "arguments (1, 0)", "argument -2 with constant 0.5" */
const char *wg_format_args(wg_op op, double a, double b, double p, char *buf, size_t len);

/* ---- tensors: where a node's values, tangents and adjoints live */

static inline const wg_tnode *wg_tnode_of(const wg_tape *t, size_t i)
{
    return t->tref[i] ? &t->tn[t->tref[i] - 1] : NULL;
}

static inline uint32_t wg_shape_id(const wg_tape *t, size_t i)
{
    return t->tref[i] ? t->tn[t->tref[i] - 1].shape : 0;
}

/* the rank-0 shape, for tapes that have no shape table yet */
extern const wg_shape_rec wg_scalar_shape;

static inline const wg_shape_rec *wg_shape_at(const wg_tape *t, size_t i)
{
    uint32_t id = wg_shape_id(t, i);
    return id ? &t->shapes[id] : &wg_scalar_shape;
}

/* 1 when node i keeps its value in val[i]: rank 0 */
static inline int wg_in_val(const wg_tape *t, size_t i)
{
    return wg_shape_id(t, i) == 0;
}

static inline size_t wg_numel_at(const wg_tape *t, size_t i)
{
    return wg_shape_at(t, i)->numel;
}

static inline double *wg_data(const wg_tape *t, size_t i)
{
    return wg_in_val(t, i) ? &t->val[i] : t->arena + t->tn[t->tref[i] - 1].off;
}

/* tangent of node i in direction j of the current forward sweep; NULL when
 * node i is before the sweep (its tangent is 0) */
static inline double *wg_tan_at(const wg_tape *t, size_t i, size_t j)
{
    if (i < t->tan_lo)
        return NULL;
    if (wg_in_val(t, i))
        return t->tan + (i - t->tan_lo) * t->tan_k + j;
    const wg_tnode *r = &t->tn[t->tref[i] - 1];
    return t->ttan + (r->off - t->ttan_lo) * t->tan_k + j * t->shapes[r->shape].numel;
}

/* adjoint of node i in the current reverse sweep over [lo, ...], whose
 * per-node buffer is adj; NULL when node i is before lo */
static inline double *wg_adj_at(const wg_tape *t, size_t i, size_t lo, double *adj)
{
    if (i < lo)
        return NULL;
    if (wg_in_val(t, i))
        return adj + (i - lo);
    const wg_tnode *r = &t->tn[t->tref[i] - 1];
    if (t->prune_passive && !(r->flags & WG_TN_ACTIVE))
        return NULL;            /* a constant tensor: its adjoint is never read */
    if (t->adj_need && !t->adj_need[i - lo])
        return NULL;            /* wg_hvp: an adjoint nothing reads */
    return t->tadj + (r->off - t->tadj_lo);
}

static inline wg_var wg_handle(const wg_tape *t, size_t i)
{
    wg_var v = { (uint32_t)(i + 1), t->tag };
    return v;
}

/* index of v on t, or WG_NONE when v is not a live handle of t */
static inline uint32_t wg_index(const wg_tape *t, wg_var v)
{
    uint32_t ix = v.id - 1u;    /* id 0 wraps to WG_NONE */
    if (v.tag != t->tag || ix >= t->n)
        return WG_NONE;
    return ix;
}

/* the constant of a CONST/INT node */
static inline double wg_param_of(const wg_tape *t, size_t i)
{
    return t->param[t->arg1[i]];
}

/* the constant a kernel takes as p: c of CONST/INT nodes, the custom op id
 * of a custom node, else 0 */
static inline double wg_node_p(const wg_tape *t, size_t i, wg_op_kind kind)
{
    if (kind == WG_KIND_CONST || kind == WG_KIND_INT)
        return t->param[t->arg1[i]];
    return kind == WG_KIND_CUSTOM ? (double)t->cid[i] : 0.0;
}

/* node i's second operand, or WG_NONE */
static inline uint32_t wg_operand_b(const wg_tape *t, size_t i, wg_op_kind kind)
{
    return (kind == WG_KIND_BINARY || kind == WG_KIND_CMP || kind == WG_KIND_CUSTOM
            || kind == WG_KIND_TBINARY) ? t->arg1[i] : WG_NONE;
}

/* derivative-sweep plumbing shared by lib/derivatives.c, lib/sweep_*.c */
/* Check a caller's list of n handles (inputs_only: each made by wg_input);
 * on success *lo and *hi are the least and greatest node index in it. */
int  wg_check_list(wg_tape *t, const char *fn, const char *what, size_t n,
                   const wg_var *v, int inputs_only, size_t *lo, size_t *hi);
/* forward sweep of k directions over nodes [lo, hi); seeds already in tan */
int  wg_sweep_forward(wg_tape *t, size_t lo, size_t hi, size_t k);
/* reverse sweep over nodes [lo, hi] (inclusive); seeds already in adj */
void wg_sweep_reverse(wg_tape *t, size_t lo, size_t hi, double *adj);
int  wg_prepare_tangents(wg_tape *t, size_t lo, size_t hi, size_t k);
int  wg_prepare_adjoints(wg_tape *t, size_t lo, size_t hi);
/* 1 when a node of [lo, hi) is a tensor node */
int  wg_range_has_tensors(const wg_tape *t, size_t lo, size_t hi);
/* forward over reverse in double on a scalar range [lo, hi] (sweep_second.c):
 * tangents along the seeds already in t->tan (k = 1), then adjoints of
 * node yi and their tangents into adt (hi - lo + 1 doubles) */
int  wg_sweep_hvp(wg_tape *t, size_t lo, size_t hi, uint32_t yi, double *adt);
/* the arena range of the nodes [lo, hi): [*off_lo, *off_hi) */
void wg_arena_range(const wg_tape *t, size_t lo, size_t hi, size_t *off_lo, size_t *off_hi);
/* sum of numel over a checked list of handles; WG_OK or WG_ELIMIT */
int  wg_list_numel(wg_tape *t, const char *fn, const char *what, size_t n, const wg_var *v,
                   size_t *total);
/* after a sweep: WG_ERANGE naming the first node whose partial is not finite
 * when any of the n results is not finite, else WG_OK */
int  wg_check_finite(wg_tape *t, const char *fn, const double *r, size_t n, size_t lo, size_t hi);

#endif /* WG_TAPE_H */
