/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tensor_matmul.c -- matmul: (..., m, k) @ (..., k, n), its tangent
 * Cdot = Adot B + A Bdot and its adjoints Abar += Cbar B^T,
 * Bbar += A^T Cbar, each a CBLAS dgemm on the operands as they lie
 * (transposes are dgemm flags, never copies).  Batch axes broadcast: a
 * stretched batch of an operand is read at the same block for every
 * result batch, and its adjoint accumulates there (beta = 1), which is the
 * sum over the broadcast batch axes.
 *
 * The BLAS is OpenBLAS when configure finds it, else GSL's reference
 * CBLAS (config.h: WG_HAVE_OPENBLAS). */
#include "tensor.h"

#include <string.h>

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifdef WG_HAVE_OPENBLAS
#include <cblas.h>
#else
#include <gsl/gsl_cblas.h>
#endif

int wg_matmul_shape(const wg_shape_rec *a, const wg_shape_rec *b, int *rank, size_t *dim)
{
    if (a->rank < 1 || b->rank < 1)
        return 0;
    int a1 = a->rank == 1, b1 = b->rank == 1;
    size_t m = a1 ? 1 : a->dim[a->rank - 2], k = a->dim[a->rank - 1];
    size_t kb = b1 ? b->dim[0] : b->dim[b->rank - 2], n = b1 ? 1 : b->dim[b->rank - 1];
    if (k != kb)
        return 0;
    wg_shape_rec ab = { 0 }, bb = { 0 };
    ab.rank = a->rank > 2 ? a->rank - 2 : 0;
    bb.rank = b->rank > 2 ? b->rank - 2 : 0;
    memcpy(ab.dim, a->dim, sizeof(size_t) * (size_t)ab.rank);
    memcpy(bb.dim, b->dim, sizeof(size_t) * (size_t)bb.rank);
    int r;
    if (!wg_broadcast_shape(&ab, &bb, &r, dim))
        return 0;
    if (!a1)
        dim[r++] = m;
    if (!b1)
        dim[r++] = n;
    if (r > WG_MAX_RANK)
        return 0;
    *rank = r;
    return 1;
}

/* the batch loop of node i: sizes and the element strides of each
 * operand's block along the broadcast batch axes */
typedef struct geom {
    size_t m, k, n;
    int rank;
    size_t dim[WG_MAX_RANK];
    ptrdiff_t sa[WG_MAX_RANK], sb[WG_MAX_RANK];
} geom;

static void geom_of(const wg_tape *t, size_t i, geom *g)
{
    const wg_shape_rec *a = wg_shape_at(t, t->arg0[i]), *b = wg_shape_at(t, t->arg1[i]);
    int a1 = a->rank == 1, b1 = b->rank == 1;
    g->m = a1 ? 1 : a->dim[a->rank - 2];
    g->k = a->dim[a->rank - 1];
    g->n = b1 ? 1 : b->dim[b->rank - 1];
    wg_shape_rec ab = { 0 }, bb = { 0 }, out = { 0 };
    ab.rank = a->rank > 2 ? a->rank - 2 : 0;
    bb.rank = b->rank > 2 ? b->rank - 2 : 0;
    memcpy(ab.dim, a->dim, sizeof(size_t) * (size_t)ab.rank);
    memcpy(bb.dim, b->dim, sizeof(size_t) * (size_t)bb.rank);
    wg_broadcast_shape(&ab, &bb, &out.rank, out.dim);
    g->rank = out.rank;
    memcpy(g->dim, out.dim, sizeof g->dim);
    wg_bcast_strides(&ab, &out, g->sa);
    wg_bcast_strides(&bb, &out, g->sb);
    for (int d = 0; d < out.rank; d++) {
        g->sa[d] *= (ptrdiff_t)(g->m * g->k);
        g->sb[d] *= (ptrdiff_t)(g->k * g->n);
    }
}

static int ld(size_t x)
{
    return x ? (int)x : 1;
}

/* C (+)= op(A) op(B), C m x n, inner dimension k; the BLAS is not called
 * with a zero size (some reject a leading dimension of 0) */
static void gemm(int ta, int tb, size_t m, size_t n, size_t k, const double *A, size_t lda,
                 const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    if (m == 0 || n == 0)
        return;
    if (k == 0) {
        if (beta == 0)
            for (size_t r = 0; r < m; r++)
                memset(C + r * ldc, 0, n * sizeof *C);
        return;
    }
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, 1.0, A, ld(lda), B, ld(ldb), beta, C, ld(ldc));
}

void wg_matmul_value(wg_tape *t, size_t i)
{
    geom g;
    geom_of(t, i, &g);
    const double *A = wg_data(t, t->arg0[i]), *B = wg_data(t, t->arg1[i]);
    double *C = wg_data(t, i);
    size_t mn = g.m * g.n;
    WG_ITER2(g.rank, g.dim, g.sa, g.sb, e, oa, ob,
             gemm(0, 0, g.m, g.n, g.k, A + oa, g.k, B + ob, g.n, 0.0, C + e * mn, g.n));
}

void wg_matmul_fwd(wg_tape *t, size_t i, size_t k)
{
    geom g;
    geom_of(t, i, &g);
    const double *A = wg_data(t, t->arg0[i]), *B = wg_data(t, t->arg1[i]);
    size_t mn = g.m * g.n;
    for (size_t j = 0; j < k; j++) {
        const double *TA = wg_tan_at(t, t->arg0[i], j), *TB = wg_tan_at(t, t->arg1[i], j);
        double *TC = wg_tan_at(t, i, j);        /* zero from wg_prepare_tangents */
        if (TA)
            WG_ITER2(g.rank, g.dim, g.sa, g.sb, e, oa, ob,
                     gemm(0, 0, g.m, g.n, g.k, TA + oa, g.k, B + ob, g.n, 1.0, TC + e * mn, g.n));
        if (TB)
            WG_ITER2(g.rank, g.dim, g.sa, g.sb, e, oa, ob,
                     gemm(0, 0, g.m, g.n, g.k, A + oa, g.k, TB + ob, g.n, 1.0, TC + e * mn, g.n));
    }
}

/* 1 when an operand's batch is stretched (read at one block for several
 * result batches) */
static int batch_stretched(const geom *g, const ptrdiff_t *s)
{
    for (int d = 0; d < g->rank; d++)
        if (s[d] == 0 && g->dim[d] > 1)
            return 1;
    return 0;
}

/* Test-only wrong adjoints (wengert.h): WG_TEST_MATMUL_NO_T reads B's
 * block (k x n) as if it were B^T (n x k, the same memory), and
 * WG_TEST_MATMUL_BATCH overwrites (beta = 0) the adjoint block of a
 * stretched batch operand, in a copy added at the end, so the last batch
 * wins.  Returns 1 when it has done the node's adjoint. */
static int rev_test(wg_tape *t, size_t i, const geom *g, unsigned bits, const double *A,
                    const double *B, const double *GC, double *GA, double *GB)
{
    int batch = (bits & WG_TEST_MATMUL_BATCH) && (batch_stretched(g, g->sa)
                                                  || batch_stretched(g, g->sb));
    if (!(bits & WG_TEST_MATMUL_NO_T) && !batch)
        return 0;
    const wg_shape_rec *sa = wg_shape_at(t, t->arg0[i]), *sb = wg_shape_at(t, t->arg1[i]);
    size_t na = sa->numel, nb = sb->numel, mn = g->m * g->n;
    double *CA = wg_mem_realloc(t, NULL, (na + nb + 1) * sizeof *CA), *CB = CA + na;
    if (!CA)
        return 0;
    memset(CA, 0, (na + nb + 1) * sizeof *CA);
    double beta = batch ? 0.0 : 1.0;
    wg_test_fired(t, 1, i);
    if (GA) {
        if (bits & WG_TEST_MATMUL_NO_T)     /* Cbar (m x n) "B^T" as B's memory, n x k */
            WG_ITER2(g->rank, g->dim, g->sa, g->sb, e, oa, ob,
                     gemm(0, 0, g->m, g->k, g->n, GC + e * mn, g->n, B + ob, g->k, beta,
                          CA + oa, g->k));
        else
            WG_ITER2(g->rank, g->dim, g->sa, g->sb, e, oa, ob,
                     gemm(0, 1, g->m, g->k, g->n, GC + e * mn, g->n, B + ob, g->n, beta,
                          CA + oa, g->k));
        for (size_t q = 0; q < na; q++)
            GA[q] += CA[q];
    }
    if (GB) {
        WG_ITER2(g->rank, g->dim, g->sa, g->sb, e, oa, ob,
                 gemm(1, 0, g->k, g->n, g->m, A + oa, g->k, GC + e * mn, g->n, beta, CB + ob,
                      g->n));
        for (size_t q = 0; q < nb; q++)
            GB[q] += CB[q];
    }
    wg_mem_free(t, CA);
    return 1;
}

void wg_matmul_rev(wg_tape *t, size_t i, size_t lo, double *adj)
{
    geom g;
    geom_of(t, i, &g);
    const double *A = wg_data(t, t->arg0[i]), *B = wg_data(t, t->arg1[i]);
    const double *GC = wg_adj_at(t, i, lo, adj);
    double *GA = wg_adj_at(t, t->arg0[i], lo, adj), *GB = wg_adj_at(t, t->arg1[i], lo, adj);
    size_t mn = g.m * g.n;
    if (!GC)
        return;
    unsigned bits = wg_test_bits(t) & (WG_TEST_MATMUL_NO_T | WG_TEST_MATMUL_BATCH);
    if (bits && rev_test(t, i, &g, bits, A, B, GC, GA, GB))
        return;
    if (GA)         /* Abar (m x k) += Cbar (m x n) B^T */
        WG_ITER2(g.rank, g.dim, g.sa, g.sb, e, oa, ob,
                 gemm(0, 1, g.m, g.k, g.n, GC + e * mn, g.n, B + ob, g.n, 1.0, GA + oa, g.k));
    if (GB)         /* Bbar (k x n) += A^T Cbar */
        WG_ITER2(g.rank, g.dim, g.sa, g.sb, e, oa, ob,
                 gemm(1, 0, g.k, g.n, g.m, A + oa, g.k, GC + e * mn, g.n, 1.0, GB + ob, g.n));
}

/* second order (wg_hvp): Abar = Cbar B^T and Bbar = A^T Cbar move with the
 * operands too: Abar' gets Cbar Bdot^T and Bbar' gets Adot^T Cbar (the
 * Cbar' parts are the first-order kernel on the tangent buffers) */
void wg_matmul_rev2(wg_tape *t, size_t i, size_t lo, double *adj, double *adt, double *tadt)
{
    geom g;
    geom_of(t, i, &g);
    const double *GC = wg_adj_at(t, i, lo, adj);
    const double *TA = wg_tan_at(t, t->arg0[i], 0), *TB = wg_tan_at(t, t->arg1[i], 0);
    double *DA = wg_adt_at(t, t->arg0[i], lo, adt, tadt);
    double *DB = wg_adt_at(t, t->arg1[i], lo, adt, tadt);
    size_t mn = g.m * g.n;
    if (!GC)
        return;
    if (DA && TB)
        WG_ITER2(g.rank, g.dim, g.sa, g.sb, e, oa, ob,
                 gemm(0, 1, g.m, g.k, g.n, GC + e * mn, g.n, TB + ob, g.n, 1.0, DA + oa, g.k));
    if (DB && TA)
        WG_ITER2(g.rank, g.dim, g.sa, g.sb, e, oa, ob,
                 gemm(1, 0, g.k, g.n, g.m, TA + oa, g.k, GC + e * mn, g.n, 1.0, DB + ob, g.n));
}
