/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_gen_tensor.c -- seeded random tensor graphs (fuzz_gen.h,
 * tensor_frac): inputs of rank 0 to rank_max, every tensor row of the op
 * table and the scalar rows (registered custom ops included) applied
 * elementwise with broadcasting.
 *
 * A node is tried on a scratch tape first: its operands are copied there as
 * constants and the op recorded, so the values come from the library's own
 * kernels and are the values recording gives.  The node is accepted when
 * every element passes the scalar generator's rule (wg_fz_accept: domain
 * with a margin, range, rounding error, tangent size), or the op's own rule
 * for the tensor rows (ties of max_reduce apart, softmax weights far from
 * underflow, the rounding error of sums and products bounded against the
 * result); only then is it recorded on the graph's tape.  What the
 * generator knows of each element (estimated relative error, tangent
 * bound, least path product) moves with it through the layout ops by
 * applying the same op to those numbers on the scratch tape.
 *
 * Shapes are drawn so that ops fit: a binary operand is an earlier node
 * whose shape broadcasts, a reduction of the other with kept axes (an
 * active stretched operand, as x - mean(x)), or a constant of a shape with
 * axes set to 1 or dropped; a matmul operand has the inner size (x @ x^T
 * when no node has it); reshapes factor the element count.  Every number
 * written out is dyadic, drawn as integers, as in fuzz_gen.c, so the same
 * seed gives the same text everywhere. */
#include "fuzz_gen_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define U 0x1p-53
#define GUARD 1e3               /* as in fuzz_gen.c */
#define PARTIAL_MIN 1e-30
#define PATH_MIN 1e-150
#define TMAG_MAX 1e100
#define NONE ((size_t)-1)

enum { TRIES = 6 };

typedef struct tn {
    int rank;
    size_t dim[WG_MAX_RANK], numel;
    wg_fz_val *e;               /* per element, row-major */
    int is_const;
    int desc;                   /* depends on the special node */
    unsigned users;
    wg_var h;
} tn;

typedef struct tgen {
    const wg_fuzz_gen_options *o;
    gsl_rng *rng;
    uint32_t weight[WG_OP_COUNT], wtotal;
    wg_graph *g;
    wg_tape *t, *s;             /* the graph's tape; the scratch tape */
    tn *n;
    size_t nn, cap, ninputs, count, target;
    size_t budget;              /* nodes other than inputs, at most */
    wg_fuzz_mode mode;
    long special;
    wg_op special_op;
    int true_kink;
    unsigned shapes;
    double *buf;                /* scratch values */
    size_t bufcap;
    char why[256];
    int hard;                   /* a failure no other draw can fix */
} tgen;

static void say(tgen *T, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(tgen *T, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(T->why, sizeof T->why, fmt, ap);
    va_end(ap);
}

static uint32_t draw(tgen *T, uint32_t n)
{
    return wg_fz_draw(T->rng, n);
}

static int chance(tgen *T, double p)
{
    return wg_fz_chance(T->rng, p);
}

static size_t numel_of(int rank, const size_t *dim)
{
    size_t n = 1;
    for (int d = 0; d < rank; d++)
        n *= dim[d];
    return n;
}

static int tensor_row(wg_op op)
{
    wg_op_kind k = wg_op_kind_of(op);
    return k == WG_KIND_TUNARY || k == WG_KIND_TBINARY;
}

/* c of a custom node is its op id: a custom op of two operands is binary */
static int binary(wg_op op, double c)
{
    wg_op_kind k = wg_op_kind_of(op);
    if (k == WG_KIND_CUSTOM) {
        const wg_custom_op_def *d = wg_custom_def((int)c);
        return d && d->arity == 2;
    }
    return k == WG_KIND_BINARY || k == WG_KIND_CMP;
}

static double *scratch(tgen *T, size_t n)
{
    if (n > T->bufcap) {
        double *p = realloc(T->buf, n * sizeof *p);
        if (!p)
            return NULL;
        T->buf = p;
        T->bufcap = n;
    }
    return T->buf;
}

/* ---------------------------------------------------------------- recording */

/* op on tape t with handles a, b: the one call both tapes use */
static wg_var record(wg_tape *t, wg_op op, wg_var a, wg_var b, double c, const wg_tensor_attrs *at)
{
    if (tensor_row(op))
        return wg_apply_tensor(t, op, a, b, at);
    return wg_apply(t, op, a, binary(op, c) ? b : a, c);
}

/* a constant of a shape on tape t, from values v (a scalar at rank 0) */
static wg_var put(wg_tape *t, int rank, const size_t *dim, const double *v)
{
    return rank ? wg_tensor_const(t, rank, dim, v) : wg_const(t, v[0]);
}

/* field f (0 value, 1 rel, 2 tmag, 3 tlo) of node x, as a constant on the
 * scratch tape; abs_ takes absolute values */
static wg_var put_field(tgen *T, const tn *x, int f, int abs_, double *tmp)
{
    for (size_t k = 0; k < x->numel; k++) {
        const wg_fz_val *e = &x->e[k];
        double v = f == 0 ? e->v : f == 1 ? e->rel : f == 2 ? e->tmag : e->tlo;
        tmp[k] = abs_ ? fabs(v) : v;
    }
    return put(T->s, x->rank, x->dim, tmp);
}

/* product of |values| and a field, as a constant */
static wg_var put_absprod(tgen *T, const tn *x, int f, double *tmp)
{
    for (size_t k = 0; k < x->numel; k++) {
        const wg_fz_val *e = &x->e[k];
        tmp[k] = fabs(e->v) * (f == 1 ? e->rel : f == 2 ? e->tmag : e->tlo);
    }
    return put(T->s, x->rank, x->dim, tmp);
}

/* the values of handle h of the scratch tape into out (numel of it) */
static int values_of(tgen *T, wg_var h, size_t numel, double *out)
{
    if (wg_status(T->s) != WG_OK)
        return 0;
    return wg_tensor_value(T->s, h, out) == WG_OK || (numel == 0);
}

/* ---------------------------------------------------------------- element rules */

/* index of the element of x read for element e of a result of shape
 * (ry, dy), under NumPy broadcasting */
static size_t bcast_index(const tn *x, int ry, const size_t *dy, size_t e)
{
    size_t idx[WG_MAX_RANK], r = e;
    for (int d = ry - 1; d >= 0; d--) {
        idx[d] = dy[d] ? r % dy[d] : 0;
        r = dy[d] ? r / dy[d] : 0;
    }
    size_t k = 0;
    int off = ry - x->rank;
    for (int d = 0; d < x->rank; d++)
        k = k * x->dim[d] + (x->dim[d] == 1 ? 0 : idx[d + off]);
    return k;
}

static void axis_split(const tn *x, int ax, size_t *outer, size_t *n, size_t *inner)
{
    *outer = *inner = 1;
    for (int d = 0; d < ax; d++)
        *outer *= x->dim[d];
    for (int d = ax + 1; d < x->rank; d++)
        *inner *= x->dim[d];
    *n = x->dim[ax];
}

static int check_val(const tgen *T, wg_fz_val *r)
{
    if (!(r->tmag <= TMAG_MAX) || !(r->rel <= T->o->rel_err_max))
        return 0;
    if (r->tlo != 0 && r->tlo < PATH_MIN)
        return 0;
    if (r->v != 0 && (fabs(r->v) < T->o->value_min || fabs(r->v) > T->o->value_max))
        return 0;
    return isfinite(r->v);
}

/* elementwise op: every element by the scalar rule */
static int rule_ew(tgen *T, wg_op op, const tn *A, const tn *B, int same, double c, int level,
                   int ry, const size_t *dy, size_t ny, const double *y, wg_fz_val *out)
{
    for (size_t e = 0; e < ny; e++) {
        const wg_fz_val *ea = &A->e[bcast_index(A, ry, dy, e)];
        const wg_fz_val *eb = B ? &B->e[bcast_index(B, ry, dy, e)] : NULL;
        if (!wg_fz_accept(T->o, op, ea, eb, same, c, level, &out[e]))
            return 0;
        if (!(out[e].v == y[e]))
            return 0;       /* not the kernel's value: cannot happen; refuse rather than guess */
    }
    return 1;
}

/* sum and mean: the terms of each result element */
static int rule_reduce(tgen *T, wg_op op, const tn *A, const wg_tensor_attrs *at, size_t ny,
                       const double *y, wg_fz_val *out)
{
    double *sabs = calloc(ny ? 4 * ny : 1, sizeof *sabs), *serr = sabs + ny, *stm = serr + ny,
           *stlo = stm + ny;
    size_t *cnt = calloc(ny ? ny : 1, sizeof *cnt);
    if (!sabs || !cnt) {
        free(sabs);
        free(cnt);
        return 0;
    }
    unsigned mask = at->axes;       /* 0 reduces nothing (wg_apply_tensor) */
    for (size_t e = 0; e < A->numel; e++) {
        size_t idx[WG_MAX_RANK], r = e, k = 0;
        for (int d = A->rank - 1; d >= 0; d--) {
            idx[d] = r % A->dim[d];
            r /= A->dim[d];
        }
        for (int d = 0; d < A->rank; d++)
            if (!((mask >> d) & 1u))
                k = k * A->dim[d] + idx[d];
        const wg_fz_val *x = &A->e[e];
        sabs[k] += fabs(x->v);
        serr[k] += fabs(x->v) * x->rel;
        stm[k] += x->tmag;
        if (x->tlo > 0 && (stlo[k] == 0 || x->tlo < stlo[k]))
            stlo[k] = x->tlo;
        cnt[k]++;
    }
    int ok = 1;
    for (size_t k = 0; k < ny && ok; k++) {
        double div = op == WG_OP_MEAN && cnt[k] ? (double)cnt[k] : 1.0;
        wg_fz_val *r = &out[k];
        r->v = y[k];
        double abs_err = serr[k] + (double)cnt[k] * U * sabs[k];
        if (y[k] == 0)
            r->rel = sabs[k] == 0 ? 0 : INFINITY;
        else
            r->rel = abs_err / div / fabs(y[k]) + (op == WG_OP_MEAN ? U : 0);
        r->tmag = stm[k] / div;
        r->tlo = stlo[k] / div;
        ok = check_val(T, r);
    }
    free(sabs);
    free(cnt);
    return ok;
}

/* max_reduce, logsumexp, logsoftmax, softmax along one axis */
static int rule_axis(tgen *T, wg_op op, const tn *A, int ax, int level, const double *y,
                     wg_fz_val *out)
{
    size_t outer, n, inner;
    axis_split(A, ax, &outer, &n, &inner);
    if (n == 0)
        return 1;       /* an empty axis: no element (max_reduce and logsumexp refuse it) */
    for (size_t o = 0; o < outer; o++)
        for (size_t q = 0; q < inner; q++) {
            const wg_fz_val *row = A->e + o * n * inner + q;
            size_t best = 0;
            for (size_t j = 1; j < n; j++)
                if (row[j * inner].v > row[best * inner].v)
                    best = j;
            const wg_fz_val *m = &row[best * inner];
            if (op == WG_OP_MAX_REDUCE) {
                for (size_t j = 0; j < n && level != WG_FZ_NONE; j++) {
                    const wg_fz_val *x = &row[j * inner];
                    if (j == best)
                        continue;
                    double gap = m->v - x->v;
                    double err = fabs(m->v) * m->rel + fabs(x->v) * x->rel;
                    if (!(gap >= T->o->margin * fmax(1, fabs(m->v))) || gap < GUARD * err)
                        return 0;
                }
                out[o * inner + q] = *m;
                out[o * inner + q].v = y[o * inner + q];
                continue;
            }
            /* the softmax weights, their size, the error of the log-sum-exp */
            double s = 0, tmax = 0, xerr = 0;
            for (size_t j = 0; j < n; j++) {
                const wg_fz_val *x = &row[j * inner];
                s += exp(x->v - m->v);
                tmax = fmax(tmax, x->tmag);
                xerr = fmax(xerr, fabs(x->v) * x->rel);
            }
            double lerr = xerr + 4 * U * (fabs(m->v) + log((double)n) + 1);
            for (size_t j = 0; j < n && n > 1; j++)
                if (exp(row[j * inner].v - m->v) / s < PARTIAL_MIN)
                    return 0;
            if (op == WG_OP_LOGSUMEXP) {
                wg_fz_val *r = &out[o * inner + q];
                r->v = y[o * inner + q];
                r->rel = r->v == 0 ? INFINITY : lerr / fabs(r->v);
                r->tmag = tmax;
                r->tlo = 0;
                for (size_t j = 0; j < n; j++) {
                    double p = exp(row[j * inner].v - m->v) / s, tl = p * row[j * inner].tlo;
                    if (tl > 0 && (r->tlo == 0 || tl < r->tlo))
                        r->tlo = tl;
                }
                if (!check_val(T, r))
                    return 0;
                continue;
            }
            for (size_t j = 0; j < n; j++) {
                size_t at = o * n * inner + q + j * inner;
                const wg_fz_val *x = &row[j * inner];
                wg_fz_val *r = &out[at];
                double p = exp(x->v - m->v) / s;
                r->v = y[at];
                if (n == 1) {           /* logsoftmax 0, softmax 1: exact, derivative 0 */
                    r->rel = r->tmag = r->tlo = 0;
                    continue;
                }
                double ex = fabs(x->v) * x->rel + lerr;
                if (op == WG_OP_LOGSOFTMAX) {
                    r->rel = r->v == 0 ? INFINITY : (ex + 4 * U * fabs(r->v)) / fabs(r->v);
                    r->tmag = x->tmag + tmax;
                    r->tlo = x->tlo * (1 - p);
                } else {
                    r->rel = ex + 4 * U;
                    r->tmag = r->v * (x->tmag + tmax);
                    r->tlo = r->v * (1 - p) * x->tlo;
                }
                if (!check_val(T, r))
                    return 0;
            }
        }
    return 1;
}

/* matmul: the error and tangent bounds from products of the operands'
 * magnitudes and fields, computed by the library's matmul on the scratch
 * tape (their own rounding does not matter to a bound of this kind) */
static int rule_matmul(tgen *T, const tn *A, const tn *B, size_t ny, const double *y,
                       wg_fz_val *out)
{
    size_t na = A->numel, nb = B->numel;
    double *ta = malloc((na + nb + 1) * sizeof *ta), *tb = ta ? ta + na : NULL;
    double *m = malloc((6 * ny + 1) * sizeof *m);
    int ok = ta && m;
    if (ok) {
        wg_var aa = put_field(T, A, 0, 1, ta), ab = put_field(T, B, 0, 1, tb);
        wg_var ra = put_absprod(T, A, 1, ta), rb = put_absprod(T, B, 1, tb);
        wg_var ma = put_field(T, A, 2, 0, ta), mb = put_field(T, B, 2, 0, tb);
        wg_var la = put_field(T, A, 3, 0, ta), lb = put_field(T, B, 3, 0, tb);
        wg_var h[6] = { wg_matmul(T->s, aa, ab), wg_matmul(T->s, ra, ab), wg_matmul(T->s, aa, rb),
                        wg_matmul(T->s, aa, mb), wg_matmul(T->s, ma, ab), wg_matmul(T->s, aa, lb) };
        for (int k = 0; k < 6 && ok; k++)
            ok = values_of(T, h[k], ny, m + (size_t)k * ny);
        wg_var l2 = wg_matmul(T->s, la, ab);
        double *l2v = malloc((ny + 1) * sizeof *l2v);
        ok = ok && l2v && values_of(T, l2, ny, l2v);
        size_t k = A->dim[A->rank - 1];
        for (size_t e = 0; e < ny && ok; e++) {
            wg_fz_val *r = &out[e];
            r->v = y[e];
            double abs_err = m[ny + e] + m[2 * ny + e] + (double)(k + 1) * U * m[e];
            r->rel = y[e] == 0 ? (m[e] == 0 ? 0 : INFINITY) : abs_err / fabs(y[e]);
            r->tmag = m[3 * ny + e] + m[4 * ny + e];
            r->tlo = m[5 * ny + e] + l2v[e];
            ok = check_val(T, r);
        }
        free(l2v);
    }
    free(ta);
    free(m);
    return ok;
}

/* layout ops: every field moves with its element, by the same op */
static int rule_layout(tgen *T, wg_op op, const tn *A, const tn *B, const wg_tensor_attrs *at,
                       size_t ny, const double *y, wg_fz_val *out)
{
    size_t na = A->numel, nb = B ? B->numel : 0;
    double *ta = malloc((na + nb + 1) * sizeof *ta), *tb = ta ? ta + na : NULL;
    double *f = malloc((3 * ny + 1) * sizeof *f);
    int ok = ta && f;
    for (int k = 1; k <= 3 && ok; k++) {
        wg_var fa = put_field(T, A, k, 0, ta);
        wg_var fb = B ? put_field(T, B, k, 0, tb) : fa;
        ok = values_of(T, wg_apply_tensor(T->s, op, fa, fb, at), ny, f + (size_t)(k - 1) * ny);
    }
    for (size_t e = 0; e < ny && ok; e++) {
        out[e].v = y[e];
        out[e].rel = f[e];
        out[e].tmag = f[ny + e];
        out[e].tlo = f[2 * ny + e];
    }
    free(ta);
    free(f);
    return ok;
}

/* ---------------------------------------------------------------- nodes */

static int grow(tgen *T)
{
    if (T->nn < T->cap)
        return 1;
    size_t cap = T->cap ? 2 * T->cap : 32;
    tn *p = realloc(T->n, cap * sizeof *p);
    if (!p)
        return 0;
    T->n = p;
    T->cap = cap;
    return 1;
}

/* a new node of T from its handle on the graph's tape and its elements */
static long add_node(tgen *T, wg_var h, int rank, const size_t *dim_in, wg_fz_val *e,
                     int is_const, int desc)
{
    size_t dim[WG_MAX_RANK];        /* dim_in may point into T->n, which grow moves */
    memcpy(dim, dim_in, sizeof(size_t) * (size_t)rank);
    if (!grow(T)) {
        free(e);
        return -1;
    }
    tn *x = &T->n[T->nn];
    memset(x, 0, sizeof *x);
    x->rank = rank;
    memcpy(x->dim, dim, sizeof(size_t) * (size_t)rank);
    x->numel = numel_of(rank, dim);
    x->e = e;
    x->is_const = is_const;
    x->desc = desc;
    x->h = h;
    if (x->numel == 0)
        T->shapes |= WG_FUZZ_SHAPE_ZERO;
    return (long)T->nn++;
}

/* a constant tensor with values v (dyadic) */
static long add_const(tgen *T, int rank, const size_t *dim, const double *v)
{
    size_t n = numel_of(rank, dim);
    if (n > T->o->tensor_elems_max || T->count >= T->budget)
        return -1;
    wg_fz_val *e = calloc(n ? n : 1, sizeof *e);
    if (!e)
        return -1;
    for (size_t k = 0; k < n; k++)
        e[k].v = v[k];
    wg_var h = put(T->t, rank, dim, v);
    if (wg_status(T->t) != WG_OK) {
        free(e);
        return -1;
    }
    long id = add_node(T, h, rank, dim, e, 1, 0);
    if (id >= 0)
        T->count++;
    return id;
}

static long const_like(tgen *T, int rank, const size_t *dim, int emin, int emax)
{
    size_t n = numel_of(rank, dim);
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return -1;
    for (size_t k = 0; k < n; k++)
        v[k] = wg_fz_dyadic(T->rng, emin, emax, 4, 1);
    long r = add_const(T, rank, dim, v);
    free(v);
    return r;
}

/* Try op(a, b; c, at) and record it when acceptable: the new node, or -1
 * (T->hard set when the tape itself failed). */
static long place(tgen *T, wg_op op, long la, long lb, double c, const wg_tensor_attrs *at,
                  int level)
{
    if (la < 0 || ((binary(op, c) || wg_op_kind_of(op) == WG_KIND_TBINARY) && lb < 0))
        return -1;
    if (T->count >= T->budget)
        return -1;
    const tn *A = &T->n[la], *B = lb >= 0 ? &T->n[lb] : NULL;
    wg_tape_clear(T->s);
    size_t most = B && B->numel > A->numel ? B->numel : A->numel;
    double *tmp = scratch(T, most + 1);
    if (!tmp)
        return -1;
    wg_var ha = put_field(T, A, 0, 0, tmp);
    wg_var hb = B && lb != la ? put_field(T, B, 0, 0, tmp) : ha;
    wg_var r = record(T->s, op, ha, hb, c, at);
    if (wg_status(T->s) != WG_OK)
        return -1;
    size_t dy[WG_MAX_RANK];
    int ry = wg_shape(T->s, r, dy);
    size_t ny = wg_numel(T->s, r);
    if (ry < 0 || ny > T->o->tensor_elems_max)
        return -1;
    double *y = malloc((ny + 1) * sizeof *y);
    wg_fz_val *e = calloc(ny + 1, sizeof *e);
    int ok = y && e && values_of(T, r, ny, y);
    wg_op_kind kind = wg_op_kind_of(op);
    if (ok) {
        if (kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY) {
            if (op == WG_OP_MATMUL)
                ok = rule_matmul(T, A, B, ny, y, e);
            else if (op == WG_OP_SUM || op == WG_OP_MEAN)
                ok = rule_reduce(T, op, A, at, ny, y, e);
            else if (op == WG_OP_MAX_REDUCE || op == WG_OP_LOGSUMEXP || op == WG_OP_LOGSOFTMAX
                     || op == WG_OP_SOFTMAX)
                ok = rule_axis(T, op, A, at->axis, level, y, e);
            else
                ok = rule_layout(T, op, A, op == WG_OP_CONCAT ? B : NULL, at, ny, y, e);
        } else {
            ok = rule_ew(T, op, A, binary(op, c) ? B : NULL, la == lb, c, level, ry, dy, ny, y,
                         e);
        }
    }
    if (!ok) {
        free(y);
        free(e);
        return -1;
    }
    /* accepted: the same call on the graph's tape gives the same values */
    wg_var h = record(T->t, op, A->h, B ? B->h : A->h, c, at);
    double *y2 = malloc((ny + 1) * sizeof *y2);
    if (wg_status(T->t) != WG_OK || !y2 || (ny && wg_tensor_value(T->t, h, y2) != WG_OK)
        || (ny && memcmp(y, y2, ny * sizeof *y) != 0)) {
        say(T, "node %zu (%s): the recorded values are not the planned ones: %s",
            wg_tape_size(T->t) - 1, wg_op_name(op),
            wg_status(T->t) ? wg_errmsg(T->t) : "values differ");
        T->hard = 1;
        free(y);
        free(y2);
        free(e);
        return -1;
    }
    free(y);
    free(y2);
    /* shape classes */
    if (binary(op, c) && (A->numel != ny || (B && B->numel != ny)))
        T->shapes |= WG_FUZZ_SHAPE_BROADCAST;
    if (op == WG_OP_BROADCAST_TO)
        T->shapes |= WG_FUZZ_SHAPE_BROADCAST;
    if (op == WG_OP_MATMUL && (A->rank > 2 || (B && B->rank > 2)))
        T->shapes |= WG_FUZZ_SHAPE_BATCHED;
    int desc = A->desc || (B && B->desc);
    T->n[la].users++;
    if (lb >= 0 && lb != la)
        T->n[lb].users++;
    long id = add_node(T, h, ry, dy, e, 0, desc);
    if (id >= 0)
        T->count++;
    return id;
}

/* ---------------------------------------------------------------- picks */

/* a node to use: often the last one (so chains of layout ops occur), else
 * one nothing uses yet, else any (not a constant) */
static long pick(tgen *T)
{
    if (!T->nn)
        return -1;
    long last = (long)T->nn - 1;
    if (!T->n[last].is_const && chance(T, 0.3))
        return last;
    size_t cand = 0;
    int sinks = !chance(T, T->o->share_prob);
    for (size_t i = 0; i < T->nn; i++)
        cand += !T->n[i].is_const && (!sinks || !T->n[i].users);
    if (!cand) {
        sinks = 0;
        for (size_t i = 0; i < T->nn; i++)
            cand += !T->n[i].is_const;
    }
    uint32_t r = draw(T, (uint32_t)cand);
    for (size_t i = 0; i < T->nn; i++)
        if (!T->n[i].is_const && (!sinks || !T->n[i].users) && r-- == 0)
            return (long)i;
    return -1;
}

/* a node whose shape passes fits(T, x, ctx), or -1 */
static long pick_fitting(tgen *T, long skip, int (*fits)(const tn *, const void *), const void *ctx)
{
    size_t cand = 0;
    for (size_t i = 0; i < T->nn; i++)
        cand += (long)i != skip && !T->n[i].is_const && fits(&T->n[i], ctx);
    if (!cand)
        return -1;
    uint32_t r = draw(T, (uint32_t)cand);
    for (size_t i = 0; i < T->nn; i++)
        if ((long)i != skip && !T->n[i].is_const && fits(&T->n[i], ctx) && r-- == 0)
            return (long)i;
    return -1;
}

static int fits_bcast(const tn *x, const void *ctx)
{
    const tn *a = ctx;
    for (int d = 1; d <= x->rank && d <= a->rank; d++) {
        size_t p = x->dim[x->rank - d], q = a->dim[a->rank - d];
        if (p != q && p != 1 && q != 1)
            return 0;
    }
    return 1;
}

static int fits_matmul(const tn *x, const void *ctx)
{
    const tn *a = ctx;
    if (x->rank < 1)
        return 0;
    size_t k = a->dim[a->rank - 1], kb = x->rank == 1 ? x->dim[0] : x->dim[x->rank - 2];
    return k == kb;
}

static int fits_concat(const tn *x, const void *ctx)
{
    const tn *a = ctx;
    return x->rank == a->rank && x->rank >= 1;
}

/* ---------------------------------------------------------------- ops */

/* a shape drawn for a new tensor: rank 0..rank_max, sizes 1..4 (a 0 at
 * zero_frac), at most tensor_elems_max elements */
static int draw_shape(tgen *T, int rmin, size_t *dim)
{
    int rank = rmin + (int)draw(T, (uint32_t)(T->o->tensor_rank_max - rmin + 1));
    static const size_t sizes[] = { 1, 2, 2, 3, 3, 4 };
    for (int d = 0; d < rank; d++)
        dim[d] = sizes[draw(T, 6)];
    for (;;) {
        size_t n = numel_of(rank, dim);
        if (n <= T->o->tensor_elems_max)
            break;
        int big = 0;
        for (int d = 1; d < rank; d++)
            if (dim[d] > dim[big])
                big = d;
        dim[big]--;
    }
    if (rank && chance(T, T->o->zero_frac))
        dim[draw(T, (uint32_t)rank)] = 0;
    return rank;
}

/* a keepdims sum of x over some axes: an active operand that broadcasts
 * against x (x - sum(x) along an axis) */
static long reduce_keep(tgen *T, long x)
{
    const tn *X = &T->n[x];
    if (X->rank < 1)
        return -1;
    wg_tensor_attrs at;
    memset(&at, 0, sizeof at);
    at.axes = 1u + draw(T, (1u << X->rank) - 1);
    at.keepdims = 1;
    return place(T, draw(T, 2) ? WG_OP_SUM : WG_OP_MEAN, x, -1, 0, &at, WG_FZ_MARGIN);
}

/* a constant whose shape broadcasts against x's: some axes set to 1, some
 * leading ones dropped */
static long const_bcast(tgen *T, long x)
{
    const tn *X = &T->n[x];
    size_t dim[WG_MAX_RANK];
    int drop = X->rank ? (int)draw(T, (uint32_t)X->rank + 1) : 0, rank = X->rank - drop;
    for (int d = 0; d < rank; d++)
        dim[d] = chance(T, 0.3) ? 1 : X->dim[d + drop];
    return const_like(T, rank, dim, -2, 1);
}

static long place_guarded(tgen *T, wg_op op, long a, long b, double c, int try_)
{
    /* after plain tries, the scalar generator's guards, applied elementwise */
    if (try_ >= 3) {
        need nd = wg_fz_need_of(op, 0, c);
        if (nd == NEED_POS || nd == NEED_NONZERO)
            a = place(T, WG_OP_EXP, place(T, WG_OP_TANH, a, -1, 0, NULL, WG_FZ_MARGIN), -1, 0,
                      NULL, WG_FZ_MARGIN);
        else if (nd != NEED_NONE && nd != NEED_FRESH)
            a = place(T, WG_OP_MUL_C, place(T, WG_OP_TANH, a, -1, 0, NULL, WG_FZ_MARGIN), -1,
                      nd == NEED_TAN ? 1.5 : nd == NEED_UNIT ? 0.75 : 1.0, NULL, WG_FZ_MARGIN);
        if (nd == NEED_NONZERO && a >= 0 && draw(T, 2))
            a = place(T, WG_OP_NEG, a, -1, 0, NULL, WG_FZ_MARGIN);
        if (b >= 0 && try_ >= 4)
            b = const_bcast(T, a >= 0 ? a : b);
    }
    return place(T, op, a, b, c, NULL, WG_FZ_MARGIN);
}

static long place_ew(tgen *T, wg_op op)
{
    for (int try_ = 0; try_ < TRIES && !T->hard; try_++) {
        long a = pick(T), b = -1;
        if (a < 0)
            return -1;
        double c = 0;
        wg_op_kind k = wg_op_kind_of(op);
        if (k == WG_KIND_CONST || k == WG_KIND_INT)
            c = wg_fz_param(T->rng, op);
        else if (k == WG_KIND_CUSTOM)       /* one of the registered ops, each as likely */
            c = (double)draw(T, (uint32_t)wg_custom_count());
        if (binary(op, c)) {
            uint32_t how = draw(T, 4);
            if (how == 0)
                b = reduce_keep(T, a);
            else if (how == 1 || chance(T, T->o->const_prob))
                b = const_bcast(T, a);
            else
                b = pick_fitting(T, -1, fits_bcast, &T->n[a]);
            if (b < 0)
                b = const_bcast(T, a);
            if (b < 0)
                continue;
            if (draw(T, 2)) {
                long s = a;
                a = b;
                b = s;
            }
        }
        long r = place_guarded(T, op, a, b, c, try_);
        if (r >= 0)
            return r;
    }
    return -1;
}

static void perm_draw(tgen *T, int rank, int *perm)
{
    for (int d = 0; d < rank; d++)
        perm[d] = d;
    if (rank >= 3 && chance(T, 0.6)) {       /* a cycle: not its own inverse */
        int s = 1 + (int)draw(T, (uint32_t)rank - 1);
        for (int d = 0; d < rank; d++)
            perm[d] = (d + s) % rank;
        return;
    }
    for (int d = rank - 1; d > 0; d--) {       /* Fisher-Yates */
        int j = (int)draw(T, (uint32_t)d + 1), x = perm[d];
        perm[d] = perm[j];
        perm[j] = x;
    }
}

/* a shape with the same element count n, rank 0..rank_max */
static int reshape_draw(tgen *T, size_t n, size_t *dim)
{
    int rank = 1 + (int)draw(T, (uint32_t)T->o->tensor_rank_max);
    for (int d = 0; d < rank; d++)
        dim[d] = 1;
    if (n == 0) {
        dim[draw(T, (uint32_t)rank)] = 0;
        for (int d = 0; d < rank; d++)
            if (dim[d] && chance(T, 0.3))
                dim[d] = 2;
        return rank;
    }
    size_t m = n;
    for (size_t p = 2; m > 1; p++)
        while (m % p == 0) {
            dim[draw(T, (uint32_t)rank)] *= p;
            m /= p;
        }
    if (n == 1 && chance(T, 0.3))
        return 0;
    return rank;
}

static long place_tensor(tgen *T, wg_op op)
{
    for (int try_ = 0; try_ < TRIES && !T->hard; try_++) {
        long a = pick(T), b = -1;
        if (a < 0)
            return -1;
        const tn *A = &T->n[a];
        wg_tensor_attrs at;
        memset(&at, 0, sizeof at);
        if (A->rank < 1 && op != WG_OP_RESHAPE && op != WG_OP_BROADCAST_TO)
            continue;
        switch (op) {
        case WG_OP_SUM: case WG_OP_MEAN:
            at.axes = chance(T, 0.3) ? (1u << A->rank) - 1 : 1u + draw(T, (1u << A->rank) - 1);
            at.keepdims = (int)draw(T, 2);
            break;
        case WG_OP_MAX_REDUCE: case WG_OP_LOGSUMEXP:
            at.keepdims = (int)draw(T, 2);
            /* fall through */
        case WG_OP_LOGSOFTMAX: case WG_OP_SOFTMAX:
            at.axis = (int)draw(T, (uint32_t)A->rank);
            break;
        case WG_OP_RESHAPE:
            at.rank = reshape_draw(T, A->numel, at.shape);
            break;
        case WG_OP_TRANSPOSE:
            if (A->rank < 2)
                continue;
            perm_draw(T, A->rank, at.perm);
            break;
        case WG_OP_BROADCAST_TO: {
            int lead = A->rank < (int)T->o->tensor_rank_max && chance(T, 0.5);
            at.rank = A->rank + lead;
            if (lead)
                at.shape[0] = 2 + draw(T, 2);
            int grew = lead;
            for (int d = 0; d < A->rank; d++) {
                at.shape[d + lead] = A->dim[d];
                if (A->dim[d] == 1 && chance(T, 0.7)) {
                    at.shape[d + lead] = 2 + draw(T, 2);
                    grew = 1;
                }
            }
            if (!grew)
                continue;
            break;
        }
        case WG_OP_SLICE: {
            int cand = 0;
            for (int d = 0; d < A->rank; d++)
                cand += A->dim[d] >= 2;
            if (!cand)
                continue;
            int r = (int)draw(T, (uint32_t)cand);
            for (int d = 0; d < A->rank; d++)
                if (A->dim[d] >= 2 && r-- == 0)
                    at.axis = d;
            size_t n = A->dim[at.axis];
            at.start = draw(T, (uint32_t)n);
            at.stop = at.start + 1 + draw(T, (uint32_t)(n - at.start));
            if (at.start == 0 && at.stop == n)
                at.stop--;
            break;
        }
        case WG_OP_CONCAT: {
            at.axis = (int)draw(T, (uint32_t)A->rank);
            uint32_t how = draw(T, 4);
            if (how == 0)
                b = a;
            else if (how == 1) {
                size_t dim[WG_MAX_RANK];
                memcpy(dim, A->dim, sizeof dim);
                dim[at.axis] = 1 + draw(T, 2);
                b = const_like(T, A->rank, dim, -2, 1);
            } else
                b = pick_fitting(T, -1, fits_concat, A);
            if (b < 0)
                b = a;
            if (draw(T, 2)) {
                long s = a;
                a = b;
                b = s;
            }
            break;
        }
        case WG_OP_MATMUL: {
            uint32_t how = draw(T, 4);
            if (how == 0 && A->rank >= 2) {
                wg_tensor_attrs tt;
                memset(&tt, 0, sizeof tt);
                for (int d = 0; d < A->rank; d++)
                    tt.perm[d] = d;
                tt.perm[A->rank - 2] = A->rank - 1;
                tt.perm[A->rank - 1] = A->rank - 2;
                b = place(T, WG_OP_TRANSPOSE, a, -1, 0, &tt, WG_FZ_MARGIN);
            } else if (how == 1) {
                size_t dim[WG_MAX_RANK];
                int rank = 1 + (int)draw(T, 3);
                dim[rank - 1] = 1 + draw(T, 4);
                if (rank >= 2)
                    dim[rank - 2] = A->dim[A->rank - 1];
                else
                    dim[0] = A->dim[A->rank - 1];
                if (rank == 3)
                    dim[0] = 2;
                b = const_like(T, rank, dim, -2, 0);
            } else
                b = pick_fitting(T, -1, fits_matmul, A);
            if (b < 0)
                continue;
            break;
        }
        default:
            return -1;
        }
        long r = place(T, op, a, b, 0, &at, WG_FZ_MARGIN);
        if (r >= 0)
            return r;
    }
    return -1;
}

/* ---------------------------------------------------------------- kinks and edges */

/* a copy of input x's values with some elements moved by dyadic amounts;
 * the first is always kept, so x - c has an exact 0 (a kink) somewhere */
static long const_near(tgen *T, long x, double keep_frac)
{
    const tn *X = &T->n[x];
    double *v = malloc((X->numel + 1) * sizeof *v);
    if (!v)
        return -1;
    for (size_t k = 0; k < X->numel; k++) {
        v[k] = X->e[k].v;
        if (k && !chance(T, keep_frac))
            v[k] -= wg_fz_dyadic(T->rng, -2, 0, 4, 1);
    }
    size_t dim[WG_MAX_RANK];        /* X moves when the constant is added */
    int rank = X->rank;
    memcpy(dim, X->dim, sizeof dim);
    long r = add_const(T, rank, dim, v);
    free(v);
    return r;
}

static long pick_input(tgen *T)
{
    return (long)draw(T, (uint32_t)T->ninputs);
}

/* relu or abs exactly at 0 in some elements; max_reduce at a tie */
static long place_kink(tgen *T)
{
    long x = pick_input(T), r = -1;
    if (T->n[x].numel == 0)
        return -1;
    uint32_t what = draw(T, 2);
    int truek = !T->true_kink && draw(T, 4);
    if (what == 0) {
        wg_op op = draw(T, 2) ? WG_OP_RELU : WG_OP_ABS;
        long s;
        if (truek) {        /* x - c, c equal to x in some elements: a real kink */
            long c = const_near(T, x, 0.5);
            s = place(T, WG_OP_SUB, x, c, 0, NULL, WG_FZ_NONE);
        } else              /* x - x: smooth, the convention alone */
            s = place(T, WG_OP_SUB, x, x, 0, NULL, WG_FZ_NONE);
        r = place(T, op, s, -1, 0, NULL, WG_FZ_NONE);
    } else {
        if (T->n[x].rank < 1)
            return -1;
        wg_tensor_attrs at;
        memset(&at, 0, sizeof at);
        at.axis = (int)draw(T, (uint32_t)T->n[x].rank);
        long c = x;
        if (truek) {
            c = const_near(T, x, 1.0);     /* an exact copy: ties that can break */
        }
        long j = place(T, WG_OP_CONCAT, x, c, 0, &at, WG_FZ_NONE);
        at.keepdims = (int)draw(T, 2);
        r = place(T, WG_OP_MAX_REDUCE, j, -1, 0, &at, WG_FZ_NONE);
    }
    if (r >= 0 && truek)
        T->true_kink = 1;
    return r;
}

/* log, sqrt or recip close to 0 in some elements; the log-sum-exp family
 * at large arguments (past exp's overflow, where a missing shift shows) */
static long place_edge(tgen *T)
{
    long x = pick_input(T);
    const tn *X = &T->n[x];         /* until the next node: T->n may move */
    if (X->numel == 0)
        return -1;
    if (draw(T, 2)) {
        int rank = X->rank;
        if (rank < 1)
            return -1;
        double shift = wg_fz_dyadic(T->rng, 9, 10, 2, 1);
        long s = place(T, WG_OP_ADD_C, x, -1, shift, NULL, WG_FZ_MARGIN);
        static const wg_op fam[] = { WG_OP_LOGSUMEXP, WG_OP_LOGSOFTMAX, WG_OP_SOFTMAX };
        wg_tensor_attrs at;
        memset(&at, 0, sizeof at);
        at.axis = (int)draw(T, (uint32_t)rank);
        at.keepdims = (int)draw(T, 2);
        return place(T, fam[draw(T, 3)], s, -1, 0, &at, WG_FZ_EDGE);
    }
    static const wg_op ops[] = { WG_OP_LOG, WG_OP_SQRT, WG_OP_RECIP };
    wg_op op = ops[draw(T, 3)];
    /* c with x - c = a small positive distance where moved, else ~1 */
    double *v = malloc((X->numel + 1) * sizeof *v);
    if (!v)
        return -1;
    int e = 8 + (int)draw(T, 12);
    for (size_t k = 0; k < X->numel; k++)
        v[k] = X->e[k].v - (chance(T, 0.5) ? ldexp(1.0 + draw(T, 4) / 4.0, -e)
                                           : 1.0 + draw(T, 4) / 4.0);
    size_t dim[WG_MAX_RANK];        /* X moves when the constant is added */
    int rank = X->rank;
    memcpy(dim, X->dim, sizeof dim);
    long c = add_const(T, rank, dim, v);
    free(v);
    long s = place(T, WG_OP_SUB, x, c, 0, NULL, WG_FZ_EDGE);
    return place(T, op, s, -1, 0, NULL, WG_FZ_EDGE);
}

/* ---------------------------------------------------------------- one attempt */

static wg_op draw_op(tgen *T)
{
    uint32_t r = draw(T, T->wtotal);
    for (int k = 0; k < WG_OP_COUNT; k++) {
        if (r < T->weight[k])
            return (wg_op)k;
        r -= T->weight[k];
    }
    return WG_OP_COUNT;
}

/* join two nodes nothing uses: a binary op when their shapes broadcast,
 * else the sum of one first */
static int join(tgen *T)
{
    long a = -1, b = -1;
    for (size_t i = T->nn; i-- > 0;)
        if (!T->n[i].is_const && !T->n[i].users && T->n[i].numel) {
            if (a < 0)
                a = (long)i;
            else if (b < 0) {
                b = (long)i;
                break;
            }
        }
    if (a < 0 || b < 0)
        return 0;
    if (!fits_bcast(&T->n[b], &T->n[a])) {
        wg_tensor_attrs at;
        memset(&at, 0, sizeof at);
        at.axes = (1u << T->n[b].rank) - 1;
        b = place(T, WG_OP_SUM, b, -1, 0, &at, WG_FZ_MARGIN);
        if (b < 0)
            return 0;
    }
    static const wg_op ops[] = { WG_OP_ADD, WG_OP_SUB, WG_OP_MUL };
    return place(T, ops[draw(T, 3)], a, b, 0, NULL, WG_FZ_MARGIN) >= 0;
}

static int live(const tn *x)
{
    for (size_t k = 0; k < x->numel; k++)
        if (x->e[k].tlo > 0)
            return 1;
    return 0;
}

static int choose_outputs(tgen *T, unsigned k)
{
    size_t nout = 0;
    unsigned char *chosen = calloc(T->nn + 1, 1);
    if (!chosen)
        return 0;
    for (int pass = 0; pass < 6 && nout < k; pass++) {
        /* special descendants first, then unused live, live, any op node */
        for (;;) {
            size_t cand = 0;
#define TOUT(i) (!chosen[i] && i >= T->ninputs && !T->n[i].is_const                       \
                 && (pass > 0 || (T->special >= 0 && T->n[i].desc && !T->n[i].users))     \
                 && (pass > 2 || !T->n[i].users || pass == 2) && (pass > 3 || live(&T->n[i])))
            for (size_t i = 0; i < T->nn; i++)
                cand += TOUT(i);
            if (!cand || nout == k)
                break;
            uint32_t r = draw(T, (uint32_t)cand);
            for (size_t i = 0; i < T->nn; i++)
                if (TOUT(i) && r-- == 0) {
                    chosen[i] = 1;
                    nout++;
                    break;
                }
            if (pass == 0)
                break;
#undef TOUT
        }
    }
    int any_live = T->special >= 0;
    for (size_t i = 0; i < T->nn; i++)
        any_live |= chosen[i] && live(&T->n[i]);
    int ok = nout > 0 && any_live;
    if (!nout)
        say(T, "no op node to make an output");
    else if (!any_live)
        say(T, "no output has a path of nonzero partials from an input");
    size_t j = 0;
    for (size_t i = 0; i < T->nn && ok; i++) {
        if (!chosen[i])
            continue;
        char name[32];
        if (nout == 1)
            snprintf(name, sizeof name, "y");
        else
            snprintf(name, sizeof name, "y%zu", ++j);
        if (wg_graph_add_output(T->g, name, T->n[i].h) != WG_OK) {
            say(T, "output %s: %s", name, wg_errmsg(T->t));
            ok = 0;
        }
    }
    free(chosen);
    return ok;
}

static int attempt(tgen *T)
{
    const wg_fuzz_gen_options *o = T->o;
    T->ninputs = o->inputs_min + draw(T, o->inputs_max - o->inputs_min + 1);
    for (size_t j = 0; j < T->ninputs; j++) {
        size_t dim[WG_MAX_RANK];
        int rank = draw_shape(T, j == 0 ? 1 : 0, dim);
        size_t n = numel_of(rank, dim);
        double *v = malloc((n + 1) * sizeof *v);
        wg_fz_val *e = calloc(n + 1, sizeof *e);
        if (!v || !e) {
            free(v);
            free(e);
            return -1;
        }
        for (size_t k = 0; k < n; k++) {
            int ex = o->input_exp_min + (int)draw(T, (uint32_t)(o->input_exp_max - o->input_exp_min + 1));
            v[k] = ldexp((double)((1u << 20) + draw(T, 1u << 20)), ex - 20);
            if (draw(T, 2))
                v[k] = -v[k];
            e[k] = (wg_fz_val){ v[k], 0, 1, 1 };
        }
        char name[32];
        snprintf(name, sizeof name, "x%zu", j + 1);
        wg_var h = rank ? wg_graph_add_tensor_input(T->g, name, rank, dim, v)
                        : wg_graph_add_input(T->g, name, v[0]);
        free(v);
        if (!h.id || add_node(T, h, rank, dim, e, 0, 0) < 0) {
            say(T, "input %s: %s", name, wg_errmsg(T->t));
            return -1;
        }
    }
    uint32_t r = draw(T, 1u << 30);
    double u = ldexp((double)r, -30);
    T->mode = u < o->kink_frac ? WG_FUZZ_KINK
              : u < o->kink_frac + o->edge_frac ? WG_FUZZ_EDGE : WG_FUZZ_PLAIN;
    unsigned hi = o->nodes_max < o->tensor_nodes_max ? o->nodes_max : o->tensor_nodes_max;
    unsigned lo = o->nodes_min < hi ? o->nodes_min : hi;
    T->budget = hi;
    T->target = lo + draw(T, hi - lo + 1);
    unsigned nspecial = T->mode != WG_FUZZ_PLAIN ? 1 : 0, fails = 0;
    size_t steps = 0, limit = 16 * T->target + 64;
    while (T->count < T->target && steps++ < limit && !T->hard) {
        if (nspecial && (chance(T, 0.3) || T->count + 6 >= T->target)) {
            long s = T->mode == WG_FUZZ_KINK ? place_kink(T) : place_edge(T);
            if (s >= 0) {
                T->special = s;
                T->special_op = wg_node_op(T->t, wg_var_index(T->t, T->n[s].h));
                T->n[s].desc = 1;
                nspecial--;
            } else if (++fails >= 8)
                nspecial = 0;
            continue;
        }
        wg_op op = draw_op(T);
        if (op == WG_OP_COUNT)
            break;
        if (tensor_row(op))
            place_tensor(T, op);
        else
            place_ew(T, op);
    }
    unsigned nout = o->outputs_min + draw(T, o->outputs_max - o->outputs_min + 1);
    for (unsigned k = 0; k < 8 && !T->hard && T->count < T->budget; k++) {
        size_t sinks = 0;
        for (size_t i = 0; i < T->nn; i++)
            sinks += !T->n[i].is_const && !T->n[i].users && i >= T->ninputs;
        if (sinks <= nout || !join(T))
            break;
    }
    if (T->hard)
        return 0;
    if (T->special < 0)
        T->mode = WG_FUZZ_PLAIN;
    if (T->count < lo) {
        say(T, "only %zu of %zu nodes placed in %zu steps", T->count, T->target, limit);
        return 0;
    }
    if (!choose_outputs(T, nout))
        return 0;
    if (wg_status(T->t) != WG_OK) {
        say(T, "%s", wg_errmsg(T->t));
        return 0;
    }
    return 1;
}

int wg_fz_tensor_attempt(const wg_fuzz_gen_options *o, gsl_rng *rng, const uint32_t *weight,
                         wg_graph **out, wg_fuzz_gen_info *info, char *why, size_t len)
{
    tgen T;
    memset(&T, 0, sizeof T);
    T.o = o;
    T.rng = rng;
    T.special = -1;
    T.special_op = WG_OP_COUNT;
    /* the tensor rows weigh three times their weight in a tensor graph,
     * so that they are a fair share among the many elementwise rows */
    for (int k = 0; k < WG_OP_COUNT; k++) {
        T.weight[k] = weight[k] * (tensor_row((wg_op)k) ? 3u : 1u);
        T.wtotal += T.weight[k];
    }
    *out = NULL;
    int s = -1;
    T.g = wg_graph_new();
    T.s = wg_tape_new();
    if (T.g && T.s && T.wtotal) {
        T.t = wg_graph_tape(T.g);
        s = attempt(&T);
    } else if (T.g && T.s)
        say(&T, "no op has a weight"), s = 0;
    else
        say(&T, "out of memory");
    if (s == 1) {
        *out = T.g;
        if (info) {
            info->mode = T.mode;
            info->special_node = T.special >= 0 ? (long)wg_var_index(T.t, T.n[T.special].h) : -1;
            info->special_op = T.special_op;
            info->nodes = wg_tape_size(T.t);
            info->tensor = 1;
            info->shapes = T.shapes;
        }
    } else
        wg_graph_free(T.g);
    snprintf(why, len, "%s", T.why);
    for (size_t i = 0; i < T.nn; i++)
        free(T.n[i].e);
    free(T.n);
    free(T.buf);
    wg_tape_free(T.s);
    return s;
}
