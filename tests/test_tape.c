/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_tape.c -- a tape's life and layout: new, free, clear, sizes, the
 * inspection functions, the op table's names and arities, wg_apply against
 * the named recording functions, memory reuse, and tapes on threads. */
#define _POSIX_C_SOURCE 200809L     /* pthreads under -std=c11 */
#include "test_util.h"
#include "wengert.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double one = 1.0;

/* ------------------------------------------------------------------ life */

static void new_free_clear(void)
{
    wg_tape *t = wg_tape_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(wg_tape_size(t), 0);
    CU_ASSERT_EQUAL(wg_tape_bytes(t), 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    CU_ASSERT_STRING_EQUAL(wg_errmsg(t), "");

    wg_var x = wg_input(t, 2);
    wg_var y = wg_sin(t, x);
    CU_ASSERT_EQUAL(wg_tape_size(t), 2);
    CU_ASSERT(wg_tape_bytes(t) > 0);
    CU_ASSERT(wg_var_valid(t, x) && wg_var_valid(t, y));

    wg_tape_clear(t);
    CU_ASSERT_EQUAL(wg_tape_size(t), 0);
    CU_ASSERT_EQUAL(wg_tape_bytes(t), 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_var_valid(t, x), 0);         /* handles from before are stale */
    wg_var x2 = wg_input(t, 3);
    CU_ASSERT(x2.id != 0 && x2.tag != x.tag);
    CU_ASSERT_EQUAL(wg_value(t, x2), 3);

    /* a cleared failed tape is usable again */
    wg_log(t, wg_input(t, -1));
    CU_ASSERT_EQUAL(wg_status(t), WG_EDOM);
    CU_ASSERT_STRING_NOT_EQUAL(wg_errmsg(t), "");
    wg_tape_clear(t);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    CU_ASSERT_STRING_EQUAL(wg_errmsg(t), "");
    CU_ASSERT(wg_input(t, 1).id != 0);
    wg_tape_free(t);

    /* NULL is a no-op for free and clear, and an empty tape for the queries */
    wg_tape_free(NULL);
    wg_tape_clear(NULL);
    CU_ASSERT_EQUAL(wg_tape_size(NULL), 0);
    CU_ASSERT_EQUAL(wg_tape_bytes(NULL), 0);

    /* two live tapes never share a handle */
    wg_tape *a = wg_tape_new(), *b = wg_tape_new();
    wg_var va = wg_input(a, 1), vb = wg_input(b, 1);
    CU_ASSERT(va.tag != vb.tag);
    CU_ASSERT_EQUAL(wg_var_valid(a, vb), 0);
    CU_ASSERT_EQUAL(wg_var_valid(b, va), 0);
    wg_tape_free(a);
    wg_tape_free(b);
}

/* size counts nodes; bytes is at most 32 per binary scalar node, the value
 * included, and grows linearly */
static void sizes_and_bytes(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 0.5), v = x;
    for (int i = 0; i < 999; i++)
        v = wg_add(t, wg_mul(t, v, x), x);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    size_t n = wg_tape_size(t), bytes = wg_tape_bytes(t);
    CU_ASSERT_EQUAL(n, 1 + 2 * 999);
    CU_ASSERT(bytes <= 32 * n);
    CU_ASSERT(bytes >= sizeof(double) * n);         /* at least the values */
    /* one more binary node costs the same as the average one */
    wg_mul(t, v, v);
    size_t per_node = wg_tape_bytes(t) - bytes;
    CU_ASSERT(per_node > 0 && per_node <= 32);
    CU_ASSERT_EQUAL(per_node * n, bytes);           /* every node the same size */

    /* a node with a constant keeps it as well: within 40 bytes */
    size_t before = wg_tape_bytes(t);
    wg_mul_c(t, v, 3);
    size_t with_c = wg_tape_bytes(t) - before;
    CU_ASSERT(with_c >= per_node + sizeof(double) && with_c <= 40);

    /* failed recording adds nothing */
    size_t s0 = wg_tape_size(t), b0 = wg_tape_bytes(t);
    wg_var bad = { 0 };
    wg_sin(t, bad);
    CU_ASSERT_EQUAL(wg_tape_size(t), s0);
    CU_ASSERT_EQUAL(wg_tape_bytes(t), b0);
    wg_tape_free(t);
}

/* ------------------------------------------------------------------ memory reuse */

typedef struct {
    long calls, live;
} counting;

static void *count_realloc(void *ctx, void *p, size_t size)
{
    counting *c = ctx;
    c->calls++;
    void *q = realloc(p, size);
    if (q && !p)
        c->live++;
    return q;
}

static void count_free(void *ctx, void *p)
{
    counting *c = ctx;
    if (p)
        c->live--;
    free(p);
}

/* record a few thousand nodes and sweep them every way that keeps its
 * scratch on the tape */
static void record_and_sweep(wg_tape *t)
{
    wg_var x = wg_input(t, 0.3), y = wg_input(t, 0.7), v = x;
    for (int i = 0; i < 1500; i++) {
        v = wg_add(t, wg_mul_c(t, wg_sin(t, v), 0.9), wg_powi(t, y, 2));
        v = wg_tanh(t, wg_add_c(t, v, -0.1));
    }
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    wg_var xy[2] = { x, y };
    double g[2], d, U[4] = { 1, 0, 0, 1 }, Y[2], p[2] = { 0.4, 0.6 };
    CU_ASSERT_EQUAL(wg_grad(t, v, 2, xy, g), WG_OK);
    CU_ASSERT_EQUAL(wg_jvp(t, 1, &x, &one, 1, &v, &d), WG_OK);
    CU_ASSERT_EQUAL(wg_jvp_multi(t, 2, xy, 2, U, 1, &v, Y), WG_OK);
    CU_ASSERT_EQUAL(wg_jacobian_rev(t, 1, &v, 2, xy, g), WG_OK);
    CU_ASSERT_EQUAL(wg_backward(t, v, 1), WG_OK);
    CU_ASSERT_EQUAL(wg_eval(t, 2, xy, p), WG_OK);
    CU_ASSERT_EQUAL(wg_grad(t, v, 2, xy, g), WG_OK);
}

static void clear_keeps_capacity(void)
{
    counting c = { 0, 0 };
    wg_allocator al = { count_realloc, count_free, &c };
    wg_tape *t = wg_tape_new_with(&al);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    record_and_sweep(t);
    long first = c.calls;
    CU_ASSERT(first > 0);
    for (int pass = 0; pass < 3; pass++) {
        wg_tape_clear(t);
        record_and_sweep(t);
    }
    /* the same work again allocates nothing */
    if (c.calls != first)
        fprintf(stderr, "\n  %ld allocator calls in the first pass, %ld after three more\n",
                first, c.calls);
    CU_ASSERT_EQUAL(c.calls, first);
    wg_tape_free(t);
    CU_ASSERT_EQUAL(c.live, 0);                     /* and every block came back */
}

/* ------------------------------------------------------------------ inspection */

static void inspection(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 2);                      /* 0 */
    wg_var c = wg_const(t, 1.5);                    /* 1 */
    wg_var p = wg_mul(t, x, c);                     /* 2 */
    wg_var q = wg_pow_c(t, p, 2.5);                  /* 3 */
    wg_var r = wg_powi(t, x, -3);                   /* 4 */
    wg_var s = wg_sqrt(t, x);                       /* 5 */
    int lt = wg_lt(t, s, x);                        /* 6 */
    (void)q;
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    CU_ASSERT_EQUAL(wg_tape_size(t), 7);

    static const wg_op ops[7] = { WG_OP_INPUT, WG_OP_CONST, WG_OP_MUL, WG_OP_POW_C,
                                  WG_OP_POWI, WG_OP_SQRT, WG_OP_LT };
    static const size_t arg0[7] = { (size_t)-1, (size_t)-1, 0, 2, 0, 0, 5 };
    static const size_t arg1[7] = { (size_t)-1, (size_t)-1, 1, (size_t)-1, (size_t)-1,
                                    (size_t)-1, 0 };
    for (size_t i = 0; i < 7; i++) {
        CU_ASSERT_EQUAL(wg_node_op(t, i), ops[i]);
        CU_ASSERT_EQUAL(wg_node_arg(t, i, 0), arg0[i]);
        CU_ASSERT_EQUAL(wg_node_arg(t, i, 1), arg1[i]);
        CU_ASSERT_EQUAL(wg_node_arg(t, i, 2), (size_t)-1);
        CU_ASSERT_EQUAL(wg_node_arg(t, i, -1), (size_t)-1);
        CU_ASSERT_EQUAL(wg_node_rank(t, i), 0);
        wg_var v = wg_tape_var(t, i);
        CU_ASSERT(wg_var_valid(t, v));
        CU_ASSERT_EQUAL(wg_var_index(t, v), i);
        CU_ASSERT_EQUAL(wg_node_value(t, i), wg_value(t, v));
    }
    CU_ASSERT_EQUAL(wg_var_index(t, x), 0);
    CU_ASSERT_EQUAL(wg_var_index(t, c), 1);
    CU_ASSERT_EQUAL(wg_var_index(t, r), 4);
    CU_ASSERT_EQUAL(wg_node_value(t, 1), 1.5);
    CU_ASSERT_EQUAL(wg_node_value(t, 2), 3);
    CU_ASSERT_EQUAL(wg_node_value(t, 4), 0.125 * 0.125 * 8);    /* 2^-3 */
    CU_ASSERT_EQUAL(wg_node_value(t, 6), lt);
    CU_ASSERT_EQUAL(lt, 1);                          /* sqrt 2 < 2 */
    /* the constant of CONST and INT nodes; NaN for the others */
    CU_ASSERT_EQUAL(wg_node_param(t, 3), 2.5);
    CU_ASSERT_EQUAL(wg_node_param(t, 4), -3);
    CU_ASSERT(isnan(wg_node_param(t, 0)));
    CU_ASSERT(isnan(wg_node_param(t, 1)));          /* a constant node's number is its value */
    CU_ASSERT(isnan(wg_node_param(t, 2)));
    /* out of range */
    CU_ASSERT_EQUAL(wg_node_op(t, 7), WG_OP_COUNT);
    CU_ASSERT_EQUAL(wg_node_arg(t, 7, 0), (size_t)-1);
    CU_ASSERT(isnan(wg_node_param(t, 7)));
    CU_ASSERT(isnan(wg_node_value(t, 7)));
    CU_ASSERT_EQUAL(wg_node_rank(t, 7), -1);
    CU_ASSERT_EQUAL(wg_tape_var(t, 7).id, 0);
    CU_ASSERT_EQUAL(wg_tape_var(t, (size_t)-1).id, 0);
    wg_var none = { 0 };
    CU_ASSERT_EQUAL(wg_var_valid(t, none), 0);
    CU_ASSERT_EQUAL(wg_var_index(t, none), (size_t)-1);
    CU_ASSERT(isnan(wg_value(t, none)));
    CU_ASSERT_EQUAL(wg_node_op(NULL, 0), WG_OP_COUNT);
    CU_ASSERT_EQUAL(wg_tape_var(NULL, 0).id, 0);
    CU_ASSERT_EQUAL(wg_var_index(NULL, x), (size_t)-1);
    CU_ASSERT(isnan(wg_value(NULL, x)));
    wg_tape_free(t);
}

/* ------------------------------------------------------------------ the op table */

/* each op's kind and name as the table spells them, collected by the same
 * X-macro the library uses */
static const struct { wg_op op; const char *name; wg_op_kind kind; int arity; } table[] = {
#define ARITY_LEAF 0
#define ARITY_UNARY 1
#define ARITY_BINARY 2
#define ARITY_CONST 1
#define ARITY_INT 1
#define ARITY_CMP 2
#define ARITY_TUNARY 1
#define ARITY_TBINARY 2
#define ARITY_CUSTOM 2
#define ROW_X(E, name, kind) { WG_OP_##E, #name, WG_KIND_##kind, ARITY_##kind },
    WG_OP_LIST(ROW_X)
#undef ROW_X
};
#define NTABLE (sizeof table / sizeof table[0])

static void op_names_and_arities(void)
{
    CU_ASSERT_EQUAL(NTABLE, WG_OP_COUNT);
    for (size_t i = 0; i < NTABLE; i++) {
        wg_op op = table[i].op;
        CU_ASSERT_EQUAL(op, (wg_op)i);              /* the enum follows the table */
        const char *name = wg_op_name(op);
        CU_ASSERT_PTR_NOT_NULL_FATAL(name);
        CU_ASSERT_STRING_EQUAL(name, table[i].name);
        CU_ASSERT_EQUAL(wg_op_kind_of(op), table[i].kind);
        CU_ASSERT_EQUAL(wg_op_arity(op), table[i].arity);
        wg_op back = WG_OP_COUNT;
        CU_ASSERT_EQUAL(wg_op_from_name(name, &back), 1);
        CU_ASSERT_EQUAL(back, op);
        CU_ASSERT_EQUAL(wg_op_from_name(name, NULL), 1);
        for (size_t j = 0; j < i; j++)              /* names are distinct */
            CU_ASSERT(strcmp(name, wg_op_name((wg_op)j)) != 0);
    }
    /* the primitives of recorded derivative rules are rows like any other */
    static const struct { const char *name; wg_op op; wg_op_kind kind; int arity; } prim[] = {
        { "step", WG_OP_STEP, WG_KIND_UNARY, 1 }, { "sign", WG_OP_SIGN, WG_KIND_UNARY, 1 },
        { "argmax_mask", WG_OP_ARGMAX_MASK, WG_KIND_TUNARY, 1 },
    };
    for (size_t k = 0; k < sizeof prim / sizeof prim[0]; k++) {
        wg_op back = WG_OP_COUNT;
        CU_ASSERT_EQUAL(wg_op_from_name(prim[k].name, &back), 1);
        CU_ASSERT_EQUAL(back, prim[k].op);
        CU_ASSERT_EQUAL(wg_op_kind_of(back), prim[k].kind);
        CU_ASSERT_EQUAL(wg_op_arity(back), prim[k].arity);
    }
    CU_ASSERT_STRING_EQUAL(wg_op_name(WG_OP_NONE), "none");   /* no op, named */
    CU_ASSERT_EQUAL(WG_OP_NONE, WG_OP_COUNT);
    wg_op untouched_none = WG_OP_SIN;
    CU_ASSERT_EQUAL(wg_op_from_name("none", &untouched_none), 0);
    CU_ASSERT_EQUAL(untouched_none, WG_OP_SIN);
    CU_ASSERT_PTR_NULL(wg_op_name((wg_op)(WG_OP_COUNT + 1)));
    CU_ASSERT_PTR_NULL(wg_op_name((wg_op)-1));
    CU_ASSERT_EQUAL(wg_op_arity(WG_OP_COUNT), 0);
    wg_op untouched = WG_OP_SIN;
    CU_ASSERT_EQUAL(wg_op_from_name("nope", &untouched), 0);
    CU_ASSERT_EQUAL(untouched, WG_OP_SIN);
    CU_ASSERT_EQUAL(wg_op_from_name("", &untouched), 0);
    CU_ASSERT_EQUAL(wg_op_from_name("SIN", &untouched), 0);     /* names are lower case */
    CU_ASSERT_EQUAL(wg_op_from_name("sin ", &untouched), 0);
    CU_ASSERT_EQUAL(wg_op_from_name(NULL, &untouched), 0);
}

/* the named recording function of every op, generated from the table */
static wg_var record_named(wg_tape *t, wg_op op, wg_var a, wg_var b, double c)
{
    static const wg_var none = { 0 };
    size_t before = wg_tape_size(t);
    switch (op) {
#define CALL_LEAF(name)   return wg_##name(t, c);
#define CALL_UNARY(name)  return wg_##name(t, a);
#define CALL_BINARY(name) return wg_##name(t, a, b);
#define CALL_CONST(name)  return wg_##name(t, a, c);
#define CALL_INT(name)    return wg_##name(t, a, (int)c);
#define CALL_CMP(name)    { wg_##name(t, a, b); return wg_tape_var(t, before); }
#define CALL_TUNARY(name)  break;
#define CALL_TBINARY(name) break;
#define CALL_CUSTOM(name) break;
#define CALL_X(E, name, kind) case WG_OP_##E: CALL_##kind(name)
    WG_OP_LIST(CALL_X)
#undef CALL_X
    case WG_OP_COUNT:
        break;
    }
    return none;
}

/* wg_apply records what the named function records, for every op */
static void apply_every_op(void)
{
    for (size_t i = 0; i < NTABLE; i++) {
        wg_op op = table[i].op;
        if (table[i].kind == WG_KIND_TUNARY || table[i].kind == WG_KIND_TBINARY
            || table[i].kind == WG_KIND_CUSTOM)
            continue;   /* wg_apply_tensor: tests/test_tensor.c; custom: test_custom.c */
        /* a point inside every domain: a in (0, 1), b > a */
        double av = 0.375, bv = 1.25, c = op == WG_OP_POWI ? 3 : 0.5;
        wg_tape *ta = wg_tape_new(), *tn = wg_tape_new();
        wg_var xa[2] = { wg_input(ta, av), wg_input(ta, bv) };
        wg_var xn[2] = { wg_input(tn, av), wg_input(tn, bv) };
        wg_var ya = wg_apply(ta, op, xa[0], xa[1], c);
        wg_var yn = record_named(tn, op, xn[0], xn[1], c);
        CU_ASSERT_EQUAL(wg_status(ta), WG_OK);
        CU_ASSERT_EQUAL(wg_status(tn), WG_OK);
        CU_ASSERT(ya.id != 0 && yn.id != 0);
        CU_ASSERT_EQUAL(wg_tape_size(ta), 3);
        CU_ASSERT_EQUAL(wg_tape_size(tn), 3);
        CU_ASSERT_EQUAL(wg_node_op(ta, 2), op);
        CU_ASSERT_EQUAL(wg_node_op(tn, 2), op);
        for (int k = 0; k < 2; k++)
            CU_ASSERT_EQUAL(wg_node_arg(ta, 2, k), wg_node_arg(tn, 2, k));
        double pa = wg_node_param(ta, 2), pn = wg_node_param(tn, 2);
        CU_ASSERT((isnan(pa) && isnan(pn)) || pa == pn);
        CU_ASSERT_EQUAL(wg_value(ta, ya), wg_value(tn, yn));
        /* derivatives agree as well */
        double ga[2], gn[2];
        CU_ASSERT_EQUAL(wg_grad(ta, ya, 2, xa, ga), WG_OK);
        CU_ASSERT_EQUAL(wg_grad(tn, yn, 2, xn, gn), WG_OK);
        CU_ASSERT(ga[0] == gn[0] && ga[1] == gn[1]);
        if (table[i].kind == WG_KIND_LEAF)
            CU_ASSERT_EQUAL(wg_value(ta, ya), c);
        wg_tape_free(ta);
        wg_tape_free(tn);
    }

    /* what wg_apply refuses: an op code outside the table, an INT op
     * whose constant is not an int */
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 2);
    CU_ASSERT_EQUAL(wg_apply(t, WG_OP_COUNT, x, x, 0).id, 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "not an op"));
    static const double not_int[] = { 2.5, 1e10, -3e9, NAN, INFINITY };
    for (size_t k = 0; k < sizeof not_int / sizeof not_int[0]; k++) {
        wg_tape_clear(t);
        x = wg_input(t, 2);
        CU_ASSERT_EQUAL(wg_apply(t, WG_OP_POWI, x, x, not_int[k]).id, 0);
        CU_ASSERT_EQUAL(wg_status(t), WG_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(wg_errmsg(t), "(powi)"));
        CU_ASSERT_EQUAL(wg_tape_size(t), 1);
    }
    wg_tape_clear(t);
    x = wg_input(t, 2);
    wg_var y = wg_apply(t, WG_OP_POWI, x, x, -2);   /* a negative int is fine */
    CU_ASSERT_EQUAL(wg_value(t, y), 0.25);
    wg_tape_free(t);
}

/* ------------------------------------------------------------------ threads */

#define TH_N 64                 /* inputs */
#define TH_REPS 40              /* recordings per worker */

typedef struct {
    int seed;
    double g[TH_REPS][TH_N];
    double f[TH_REPS];
    int status;
} work;

/* an extended Rosenbrock-like function with a sin, recorded afresh each
 * time at a point that depends on seed and rep */
static void *worker(void *arg)
{
    work *w = arg;
    wg_tape *t = wg_tape_new();
    w->status = t ? WG_OK : WG_ENOMEM;
    for (int rep = 0; rep < TH_REPS && t; rep++) {
        wg_tape_clear(t);
        wg_var x[TH_N];
        for (int i = 0; i < TH_N; i++)
            x[i] = wg_input(t, sin(0.37 * i + 1.3 * w->seed + 0.11 * rep));
        wg_var f = wg_const(t, 0);
        for (int i = 0; i + 1 < TH_N; i++) {
            wg_var d = wg_sub(t, x[i + 1], wg_square(t, x[i]));
            wg_var e = wg_sin(t, wg_sub(t, wg_const(t, 1), x[i]));
            f = wg_add(t, f, wg_add(t, wg_mul_c(t, wg_square(t, d), 100), wg_square(t, e)));
        }
        int s = wg_grad(t, f, TH_N, x, w->g[rep]);
        w->f[rep] = wg_value(t, f);
        if (s != WG_OK || wg_status(t) != WG_OK)
            w->status = s != WG_OK ? s : wg_status(t);
    }
    wg_tape_free(t);
    return NULL;
}

static void tapes_on_threads(void)
{
    enum { NT = 4 };
    static work seq[NT], par[NT];
    for (int k = 0; k < NT; k++) {
        seq[k].seed = par[k].seed = k + 1;
        worker(&seq[k]);                            /* one after the other */
        CU_ASSERT_EQUAL(seq[k].status, WG_OK);
    }
    pthread_t th[NT];
    int started[NT];
    for (int k = 0; k < NT; k++)                    /* all at once */
        started[k] = pthread_create(&th[k], NULL, worker, &par[k]) == 0;
    for (int k = 0; k < NT; k++) {
        CU_ASSERT(started[k]);
        if (started[k])
            pthread_join(th[k], NULL);
    }
    for (int k = 0; k < NT; k++) {
        CU_ASSERT_EQUAL(par[k].status, WG_OK);
        CU_ASSERT(memcmp(par[k].g, seq[k].g, sizeof seq[k].g) == 0);
        CU_ASSERT(memcmp(par[k].f, seq[k].f, sizeof seq[k].f) == 0);
    }
    /* and the workers did distinct work */
    CU_ASSERT(memcmp(seq[0].g, seq[1].g, sizeof seq[0].g) != 0);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "new, free, clear", new_free_clear },
        { "wg_tape_size and wg_tape_bytes (<= 32 bytes a binary node)", sizes_and_bytes },
        { "clear keeps capacity: the second pass allocates nothing", clear_keeps_capacity },
        { "inspection: node op, args, param, value, handles", inspection },
        { "op names, kinds and arities for every op", op_names_and_arities },
        { "wg_apply records what the named function does, every op", apply_every_op },
        { "4 threads with a tape each match a sequential run", tapes_on_threads },
        { NULL, NULL }
    };
    return wg_test_main("tape", cases);
}
