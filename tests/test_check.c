/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_check.c -- the verifier's checks: correct derivatives pass (every
 * op, many points, badly conditioned functions), planted wrong rules fail
 * with the right blame, kinks are nondiff, domains and branches invalid,
 * figures repeat for a seed, full-Jacobian mode, reports. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */

#include "op_kernels.h"
#include "test_util.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- planted wrong rules */

enum { FWD = 1, REV = 2, BOTH = 3 };
enum { SCALE, NEGATE, SET };

typedef struct wrong_rule {
    int modes;          /* FWD, REV or BOTH: the sweeps it acts in */
    long node;          /* the node it acts on */
    int which;          /* 0: da, 1: db */
    int kind;           /* SCALE by factor, NEGATE, SET to value */
    double factor, value;
    unsigned calls;     /* times it changed a partial */
} wrong_rule;

static void plant(void *ctx, int reverse, size_t node, wg_op op, double a, double b, double p,
                  double y, double *da, double *db)
{
    (void)op; (void)a; (void)b; (void)p; (void)y;
    wrong_rule *w = ctx;
    if (!(w->modes & (reverse ? REV : FWD)) || (long)node != w->node)
        return;
    double *d = w->which ? db : da;
    switch (w->kind) {
    case SCALE:  *d *= w->factor; break;
    case NEGATE: *d = -*d; break;
    case SET:    *d = w->value; break;
    }
    w->calls++;
}

static wg_check_options opts(unsigned directions)
{
    wg_check_options o;
    wg_check_options_init(&o);
    o.directions = directions;
    return o;
}

/* the report's results all have verdict v */
static int all_verdicts(const wg_check_report *r, wg_verdict v)
{
    for (size_t k = 0; k < r->nresults; k++)
        if (r->results[k].verdict != v) {
            fprintf(stderr, "\n  result %zu: %s, not %s: %s\n", k,
                    wg_verdict_name(r->results[k].verdict), wg_verdict_name(v),
                    r->results[k].message);
            return 0;
        }
    return r->nresults > 0;
}

/* ---------------------------------------------------------------- every op passes */

/* one op on fresh inputs: y = op(x0[, x1]; p) */
static wg_var record_op(wg_tape *t, wg_op op, const wg_var *x, double p)
{
    switch (wg_op_kind_of(op)) {
    case WG_KIND_LEAF:
        return op == WG_OP_INPUT ? x[0] : wg_add(t, x[0], wg_const(t, 2.5));
    case WG_KIND_UNARY:
        return wg_apply(t, op, x[0], x[0], 0);
    case WG_KIND_BINARY:
    case WG_KIND_CMP:
        return wg_apply(t, op, x[0], x[1], 0);
    case WG_KIND_CONST:
    case WG_KIND_INT:
        return wg_apply(t, op, x[0], x[0], p);
    case WG_KIND_TUNARY:
    case WG_KIND_TBINARY:
    case WG_KIND_CUSTOM:
        break;                  /* tensor ops: tests/test_check_tensor.c; custom:
                                   tests/test_custom_verify.c */
    }
    return wg_tape_var(t, 0);
}

/* The scalar ops: the rows of the op table before the first tensor op.
 * Tensor ops are checked on their scalar lowering, in
 * tests/test_check_tensor.c; here each op is checked on scalars. */
static int scalar_op_count(void)
{
    int n = 0;
    while (n < WG_OP_COUNT && wg_op_kind_of((wg_op)n) != WG_KIND_TUNARY
           && wg_op_kind_of((wg_op)n) != WG_KIND_TBINARY)
        n++;
    return n;
}

static const double op_pts[] = { -2.3, -0.7, -0.2, 0.3, 0.9, 1.7, 3.1 };
static const double op_scales[] = { 1e-3, 1, 1e3 };
static const double op_params[] = { -2, 0.5, 1.5, 3, -1 };

/* a point worth checking: inside the domain, value and partials finite,
 * away from kinks and ties */
static int usable_point(wg_op op, double a, double b, double p)
{
    if (wg_op_domain(op, a, b, p))
        return 0;
    double y = wg_op_value(op, a, b, p), da, db;
    wg_op_partials(op, a, b, p, y, &da, &db);
    if (!isfinite(y) || !isfinite(da) || !isfinite(db))
        return 0;
    if (fabs(a) > 700 || fabs(b) > 700)   /* keep exp, sinh, cosh of the scaled points finite */
        return 0;
    return a != b && a != 0;
}

typedef void (*op_point_fn)(wg_op op, double a, double b, double p, void *ctx);

static void for_op_points(wg_op op, op_point_fn fn, void *ctx)
{
    size_t np = sizeof op_pts / sizeof op_pts[0];
    for (size_t s = 0; s < sizeof op_scales / sizeof op_scales[0]; s++)
        for (size_t i = 0; i < np; i++)
            for (size_t k = 0; k < sizeof op_params / sizeof op_params[0]; k++) {
                wg_op_kind kind = wg_op_kind_of(op);
                double a = op_pts[i] * op_scales[s];
                double b = op_pts[(i + 3) % np] * op_scales[(s + 1) % 3];
                double p = op_params[k];
                if (kind != WG_KIND_CONST && kind != WG_KIND_INT && k > 0)
                    break;
                if (kind == WG_KIND_INT && p != nearbyint(p))
                    continue;
                if (op == WG_OP_ASIN || op == WG_OP_ACOS)
                    a = op_pts[i] / 4;
                if (!usable_point(op, a, b, p))
                    continue;
                fn(op, a, b, p, ctx);
            }
}

typedef struct {
    unsigned checks;
    wrong_rule *wrong;  /* NULL: correct rules */
    unsigned caught, blamed;
} op_ctx;

static void check_op_point(wg_op op, double a, double b, double p, void *vctx)
{
    op_ctx *c = vctx;
    wg_tape *t = wg_tape_new();
    wg_var x[2] = { wg_input(t, a), wg_input(t, b) };
    wg_var y = record_op(t, op, x, p);
    if (wg_status(t) != WG_OK)
        fprintf(stderr, "\n  %s(%.17g, %.17g; %g): %s\n", wg_op_name(op), a, b, p, wg_errmsg(t));
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    wg_check_options o = opts(2);
    o.seed = 1000u + (unsigned)op;
    if (c->wrong) {
        /* along the first input alone (the Jacobian's first column), where
         * the wrong partial carries the whole result: along a random
         * direction a partial of 1e-3 next to one of 1e3 shifts the result
         * by 1e-16 of itself, below any rounding */
        o.directions = 0;
        o.full_jacobian = 1;
        c->wrong->node = (long)wg_var_index(t, y);
        wg_tape_set_partials_hook(t, plant, c->wrong);
    }
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &y, &o, &r), WG_OK);
    c->checks++;
    if (!c->wrong) {
        if (r.verdict != WG_VERDICT_PASS) {
            fprintf(stderr, "\n  %s(%.17g, %.17g; %g):\n", wg_op_name(op), a, b, p);
            wg_check_report_print(&r, wg_op_name(op), stderr);
        }
        CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    } else {
        /* the planted factor changes the result by 1e-10 of the edge's
         * share; it must be caught wherever the wrong partial is used */
        const wg_check_result *w = &r.results[0];
        if (r.verdict == WG_VERDICT_FAIL) {
            c->caught++;
            c->blamed += w->blame_node == c->wrong->node && w->blame_op == op;
        }
        if (r.verdict != WG_VERDICT_FAIL || w->blame_node != c->wrong->node) {
            fprintf(stderr, "\n  %s(%.17g, %.17g; %g) with a wrong rule:\n", wg_op_name(op), a,
                    b, p);
            wg_check_report_print(&r, wg_op_name(op), stderr);
        }
        CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
        CU_ASSERT_EQUAL(w->blame_node, c->wrong->node);
        CU_ASSERT_EQUAL(w->blame_op, op);
    }
    wg_check_report_free(&r);
    wg_tape_free(t);
}

static void every_op_passes(void)
{
    for (int op = 0; op < scalar_op_count(); op++) {
        op_ctx c = { 0 };
        for_op_points((wg_op)op, check_op_point, &c);
        if (c.checks < 5)
            fprintf(stderr, "\n  %s: only %u points\n", wg_op_name((wg_op)op), c.checks);
        CU_ASSERT(c.checks >= 5);
    }
}

/* ops whose partial w.r.t. the first operand is a non-zero function of the
 * point (step and sign: 0 everywhere, as a comparison's) */
static int has_live_partial(wg_op op)
{
    wg_op_kind k = wg_op_kind_of(op);
    return k != WG_KIND_LEAF && k != WG_KIND_CMP && op != WG_OP_STOP_GRADIENT
           && op != WG_OP_STEP && op != WG_OP_SIGN;
}

static void one_op_wrong(wg_op op, double a, double b, double p, void *vctx)
{
    double y = wg_op_value(op, a, b, p), da, db;
    wg_op_partials(op, a, b, p, y, &da, &db);
    if (da == 0)                /* relu left of 0, min/max on the other side */
        return;
    check_op_point(op, a, b, p, vctx);
}

/* every op's rule, wrong by a factor 1 + 1e-10, in both modes */
static void every_op_wrong_by_1e10_fails(void)
{
    for (int op = 0; op < scalar_op_count(); op++) {
        if (!has_live_partial((wg_op)op))
            continue;
        wrong_rule w = { .modes = BOTH, .which = 0, .kind = SCALE, .factor = 1 + 1e-10 };
        op_ctx c = { .wrong = &w };
        for_op_points((wg_op)op, one_op_wrong, &c);
        CU_ASSERT(c.checks >= 3);
        CU_ASSERT_EQUAL(c.caught, c.checks);
        CU_ASSERT_EQUAL(c.blamed, c.checks);
    }
}

/* ---------------------------------------------------------------- planted rules in a larger graph */

/* f(x0, x1, x2) = x0 sin(x1 x2) + exp(x0 / x2) cos(2 x1) - log(1 + x2^2) */
typedef struct {
    wg_var x[3], y;
    wg_var sin_, cos_, exp_, mulc, div_, log_;
} bigf;

static wg_tape *record_bigf(bigf *f, double a, double b, double c)
{
    wg_tape *t = wg_tape_new();
    f->x[0] = wg_input(t, a);
    f->x[1] = wg_input(t, b);
    f->x[2] = wg_input(t, c);
    f->sin_ = wg_sin(t, wg_mul(t, f->x[1], f->x[2]));
    f->div_ = wg_div(t, f->x[0], f->x[2]);
    f->exp_ = wg_exp(t, f->div_);
    f->mulc = wg_mul_c(t, f->x[1], 2.0);
    f->cos_ = wg_cos(t, f->mulc);
    f->log_ = wg_log(t, wg_add_c(t, wg_square(t, f->x[2]), 1.0));
    f->y = wg_sub(t, wg_add(t, wg_mul(t, f->x[0], f->sin_), wg_mul(t, f->exp_, f->cos_)),
                  f->log_);
    return t;
}

/* check bigf with a planted rule; the worst result must fail in `mode`
 * and blame `expect` */
static void expect_blame(wrong_rule w, int which_node, const char *mode)
{
    bigf f;
    wg_tape *t = record_bigf(&f, 0.7, -1.3, 1.9);
    CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
    wg_var nodes[] = { f.sin_, f.cos_, f.exp_, f.mulc, f.div_, f.log_ };
    size_t node = wg_var_index(t, nodes[which_node]);
    w.node = (long)node;
    wg_tape_set_partials_hook(t, plant, &w);
    wg_check_options o = opts(3);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 3, f.x, 1, &f.y, &o, &r), WG_OK);
    CU_ASSERT(w.calls > 0);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
    for (size_t k = 0; k < r.nresults; k++) {
        const wg_check_result *res = &r.results[k];
        int ok = res->verdict == WG_VERDICT_FAIL && strcmp(res->fail_mode, mode) == 0
                 && res->blame_node == (long)node && res->blame_op == wg_node_op(t, node);
        if (!ok) {
            fprintf(stderr, "\n  expected %s failure blaming node %zu (%s):\n", mode, node,
                    wg_op_name(wg_node_op(t, node)));
            wg_check_report_print(&r, "planted", stderr);
        }
        CU_ASSERT(ok);
    }
    /* the tape is back at its point */
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    wg_check_report_free(&r);
    wg_tape_free(t);
}

static void wrong_factor_fails(void)
{
    wrong_rule w = { .modes = BOTH, .kind = SCALE, .factor = 1 + 1e-10 };
    expect_blame(w, 0, "both");      /* sin */
    expect_blame(w, 2, "both");      /* exp */
    expect_blame(w, 5, "both");      /* log */
    w.factor = 1 - 1e-10;
    expect_blame(w, 4, "both");      /* div, first operand */
    w.which = 1;
    expect_blame(w, 4, "both");      /* div, second operand */
}

static void wrong_sign_fails(void)
{
    wrong_rule w = { .modes = BOTH, .kind = NEGATE };
    expect_blame(w, 1, "both");      /* cos: +sin instead of -sin */
    expect_blame(w, 0, "both");      /* sin */
}

/* d/dx sin(2x) taken as cos(2x): the chain factor 2 of x*2 dropped */
static void missing_chain_factor_fails(void)
{
    wrong_rule w = { .modes = BOTH, .kind = SET, .value = 1.0 };
    expect_blame(w, 3, "both");      /* mul_c(x1, 2) passes 1, not 2 */
    wrong_rule z = { .modes = BOTH, .kind = SET, .value = 0.0 };
    expect_blame(z, 2, "both");      /* exp's partial dropped entirely */
}

static void forward_only_wrong_fails(void)
{
    wrong_rule w = { .modes = FWD, .kind = SCALE, .factor = 1 + 1e-9 };
    expect_blame(w, 0, "forward");
    wrong_rule s = { .modes = FWD, .kind = NEGATE };
    expect_blame(s, 1, "forward");
}

static void reverse_only_wrong_fails(void)
{
    wrong_rule w = { .modes = REV, .kind = SCALE, .factor = 1 + 1e-9 };
    expect_blame(w, 0, "reverse");      /* sin: its operand has one consumer */
    expect_blame(w, 4, "reverse");      /* div: x0 has three consumers */
    expect_blame(w, 3, "reverse");      /* mul_c: x1 has three consumers */
    wrong_rule s = { .modes = REV, .kind = NEGATE };
    expect_blame(s, 5, "reverse");
}

/* ---------------------------------------------------------------- kinks */

typedef struct {
    wg_op op;
    double a, b;
} kink_case;

static void kinks_are_nondiff(void)
{
    static const kink_case cases[] = {
        { WG_OP_RELU, 0, 0 }, { WG_OP_ABS, 0, 0 }, { WG_OP_MAX, 1.5, 1.5 },
        { WG_OP_MIN, -2, -2 }, { WG_OP_RELU, -0.0, 0 },
        /* step jumps at 0 on one side: its documented partial 0 is a kink's
         * (sign jumps on both: sign_jump_is_nondiff) */
        { WG_OP_STEP, 0, 0 }, { WG_OP_STEP, -0.0, 0 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        wg_tape *t = wg_tape_new();
        wg_var x[2] = { wg_input(t, cases[k].a), wg_input(t, cases[k].b) };
        /* a smooth part around the kink, so the one-sided values are not trivial */
        wg_var y = wg_add(t, wg_apply(t, cases[k].op, x[0], x[1], 0), wg_sin(t, x[1]));
        wg_check_options o = opts(4);
        wg_check_report r;
        CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &y, &o, &r), WG_OK);
        CU_ASSERT(all_verdicts(&r, WG_VERDICT_NONDIFF));
        for (size_t j = 0; j < r.nresults; j++) {
            const wg_check_result *res = &r.results[j];
            double lo = fmin(res->left, res->right), hi = fmax(res->left, res->right);
            CU_ASSERT(res->left != res->right);
            CU_ASSERT(res->fig[WG_METHOD_REVERSE].value >= lo - res->bound);
            CU_ASSERT(res->fig[WG_METHOD_REVERSE].value <= hi + res->bound);
            CU_ASSERT(res->fig[WG_METHOD_FORWARD].value >= lo - res->bound);
            CU_ASSERT(res->fig[WG_METHOD_FORWARD].value <= hi + res->bound);
        }
        wg_check_report_free(&r);
        wg_tape_free(t);
    }
}

/* relu'(0) = 2 lies outside [left, right]: a failure even at a kink */
static void wrong_kink_rule_fails(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 0.5);
    wg_var r0 = wg_relu(t, wg_add_c(t, x, -0.5));
    wg_var y = wg_add(t, r0, wg_mul_c(t, x, 0.25));
    wrong_rule w = { .modes = BOTH, .kind = SET, .value = 2.0, .node = (long)wg_var_index(t, r0) };
    wg_tape_set_partials_hook(t, plant, &w);
    wg_check_options o = opts(2);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 1, &x, 1, &y, &o, &r), WG_OK);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_FAIL));
    CU_ASSERT_EQUAL(r.results[0].blame_op, WG_OP_RELU);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.results[0].message, "kink"));
    wg_check_report_free(&r);
    wg_tape_free(t);
}

/* another convention at a kink: node `node` takes the partials (da, db) in
 * the sweeps `modes` */
typedef struct {
    int modes;
    long node;
    double da, db;
} kink_rule;

static void other_convention(void *ctx, int reverse, size_t node, wg_op op, double a, double b,
                             double p, double y, double *da, double *db)
{
    (void)op; (void)a; (void)b; (void)p; (void)y;
    const kink_rule *k = ctx;
    if ((k->modes & (reverse ? REV : FWD)) && (long)node == k->node) {
        *da = k->da;
        *db = k->db;
    }
}

typedef struct {
    wg_op op;
    double a, b;        /* the point: on the op's kink */
    double da, db;      /* a wrong convention, inside the one-sided range */
    int modes;
} convention_case;

/* relu'(0) = 1 lies between the one-sided derivatives 0 and 1: only the
 * documented convention (doc/OPS.md) shows it wrong */
static void wrong_kink_convention_fails(void)
{
    static const convention_case cases[] = {
        { WG_OP_RELU, 0, 0, 1, 0, BOTH },       /* the right-hand derivative */
        { WG_OP_RELU, 0, 0, 0.5, 0, BOTH },     /* a subgradient in between */
        { WG_OP_ABS, 0, 0, 1, 0, BOTH },
        { WG_OP_ABS, -0.0, 0, -1, 0, BOTH },
        { WG_OP_MAX, 1.5, 1.5, 0, 1, BOTH },    /* a tie to the second argument */
        { WG_OP_MIN, -2, -2, 0, 1, BOTH },
        { WG_OP_HYPOT, 0, 0, 1, 0, BOTH },      /* the origin as abs of a */
        { WG_OP_RELU, 0, 0, 1, 0, REV },        /* in one mode only */
        { WG_OP_MAX, 1.5, 1.5, 0, 1, FWD },
        { WG_OP_STEP, 0, 0, 1, 0, BOTH },       /* step: 0 at its jump */
        { WG_OP_STEP, -0.0, 0, 0.5, 0, FWD },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const convention_case *cc = &cases[k];
        wg_tape *t = wg_tape_new();
        wg_var x[2] = { wg_input(t, cc->a), wg_input(t, cc->b) };
        wg_var kink = wg_apply(t, cc->op, x[0], x[1], 0);
        wg_var y = wg_add(t, kink, wg_mul(t, wg_sin(t, x[1]), x[0]));
        kink_rule rule = { cc->modes, (long)wg_var_index(t, kink), cc->da, cc->db };
        wg_check_options o = opts(3);
        wg_check_report r;
        /* the documented rules: a kink, nothing wrong */
        CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &y, &o, &r), WG_OK);
        CU_ASSERT(all_verdicts(&r, WG_VERDICT_NONDIFF));
        wg_check_report_free(&r);
        wg_tape_set_partials_hook(t, other_convention, &rule);
        CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &y, &o, &r), WG_OK);
        CU_ASSERT(all_verdicts(&r, WG_VERDICT_FAIL));
        const char *mode = cc->modes == FWD ? "forward" : cc->modes == REV ? "reverse" : "both";
        for (size_t j = 0; j < r.nresults; j++) {
            const wg_check_result *res = &r.results[j];
            double lo = fmin(res->left, res->right) - res->bound;
            double hi = fmax(res->left, res->right) + res->bound;
            int m = cc->modes == FWD ? WG_METHOD_FORWARD : WG_METHOD_REVERSE;
            int ok = res->fig[m].value >= lo && res->fig[m].value <= hi   /* inside the range */
                     && strstr(res->message, "documented convention")
                     && strcmp(res->fail_mode, mode) == 0
                     && res->blame_node == rule.node && res->blame_op == cc->op;
            if (!ok) {
                fprintf(stderr, "\n  %s with partials (%g, %g) at its kink:\n", wg_op_name(cc->op),
                        cc->da, cc->db);
                wg_check_report_print(&r, wg_op_name(cc->op), stderr);
            }
            CU_ASSERT(ok);
        }
        wg_check_report_free(&r);
        wg_tape_free(t);
    }
}

/* sign at 0 jumps from -1 to 1: both one-sided quotients grow as 1/h, so
 * there is no range to lie in, and the documented partial 0 is the whole
 * test: nondiff by it, naming the node; another partial there fails */
static void sign_jump_is_nondiff(void)
{
    static const double zeros[] = { 0.0, -0.0 };
    for (int z = 0; z < 2; z++)
        for (int wrong = 0; wrong < 2; wrong++) {
            wg_tape *t = wg_tape_new();
            wg_var x[2] = { wg_input(t, zeros[z]), wg_input(t, 0.5) };
            wg_var sg = wg_sign(t, x[0]);
            wg_var y = wg_add(t, wg_mul_c(t, sg, 3.0), wg_mul(t, wg_sin(t, x[1]), x[0]));
            kink_rule rule = { z ? FWD : BOTH, (long)wg_var_index(t, sg), 1, 0 };
            if (wrong)
                wg_tape_set_partials_hook(t, other_convention, &rule);
            wg_check_options o = opts(3);
            wg_check_report r;
            CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &y, &o, &r), WG_OK);
            CU_ASSERT(all_verdicts(&r, wrong ? WG_VERDICT_FAIL : WG_VERDICT_NONDIFF));
            for (size_t j = 0; j < r.nresults; j++) {
                const wg_check_result *res = &r.results[j];
                int ok = strstr(res->message, "node 2 (sign)") != NULL;
                if (wrong)
                    ok = ok && strstr(res->message, "documented convention")
                         && res->blame_node == rule.node && res->blame_op == WG_OP_SIGN;
                if (!ok)
                    wg_check_report_print(&r, "sign at 0", stderr);
                CU_ASSERT(ok);
            }
            wg_check_report_free(&r);
            wg_tape_free(t);
        }
}

/* several kinks at one point, every one by the documented rules: nondiff */
static void documented_conventions_together(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x[2] = { wg_input(t, 0.75), wg_input(t, 0.75) };
    wg_var d = wg_sub(t, x[0], x[1]);
    wg_var y = wg_add(t, wg_mul_c(t, wg_relu(t, d), 2.0), wg_abs(t, d));
    y = wg_add(t, y, wg_max(t, x[0], x[1]));
    y = wg_add(t, y, wg_min(t, x[1], x[0]));
    y = wg_add(t, y, wg_hypot(t, d, wg_sub(t, x[1], x[0])));
    y = wg_add(t, y, wg_exp(t, x[1]));
    wg_check_options o = opts(4);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &y, &o, &r), WG_OK);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_NONDIFF));
    wg_check_report_free(&r);
    wg_tape_free(t);
}

/* kinks whose jumps cancel: the function is smooth, AD (by the conventions)
 * is not its derivative, and not even inside the one-sided range; that is
 * the documented behaviour, nondiff, and a wrong rule there still fails */
static void cancelling_kinks(void)
{
    for (int which = 0; which < 2; which++) {
        wg_tape *t = wg_tape_new();
        wg_var x[2] = { wg_input(t, 0.0), wg_input(t, 0.0) };
        wg_var y;
        if (which == 0)     /* relu(x) - relu(-x) = x; AD 0 at 0 */
            y = wg_sub(t, wg_relu(t, x[0]), wg_relu(t, wg_neg(t, x[0])));
        else                /* max(x0, x1) - max(x1, x0) = 0; AD u0 - u1 at a tie */
            y = wg_sub(t, wg_max(t, x[0], x[1]), wg_max(t, x[1], x[0]));
        y = wg_add(t, y, wg_sin(t, x[1]));
        wg_check_options o = opts(3);
        wg_check_report r;
        CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &y, &o, &r), WG_OK);
        CU_ASSERT(all_verdicts(&r, WG_VERDICT_NONDIFF));
        for (size_t j = 0; j < r.nresults; j++)
            CU_ASSERT_PTR_NOT_NULL(strstr(r.results[j].message, "sits on its kink"));
        wg_check_report_free(&r);
        /* sin's rule wrong at the same point: caught, and blamed */
        long node = (long)wg_tape_size(t) - 2;
        CU_ASSERT_EQUAL(wg_node_op(t, (size_t)node), WG_OP_SIN);
        wrong_rule w = { .modes = BOTH, .kind = SCALE, .factor = 1 + 1e-9, .node = node };
        wg_tape_set_partials_hook(t, plant, &w);
        CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &y, &o, &r), WG_OK);
        CU_ASSERT(all_verdicts(&r, WG_VERDICT_FAIL));
        for (size_t j = 0; j < r.nresults; j++) {
            CU_ASSERT_EQUAL(r.results[j].blame_node, node);
            CU_ASSERT_EQUAL(r.results[j].blame_op, WG_OP_SIN);
        }
        wg_check_report_free(&r);
        wg_tape_free(t);
    }
}

/* sin(relu(d)^2) + 3 abs(d) at d = 0: the kernel partials are all 0 there,
 * which leaves the reference's convergence test without a scale; the
 * convention still decides */
static void kink_without_reference_scale(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x[2] = { wg_input(t, -0.25), wg_input(t, -0.25) };
    wg_var d = wg_sub(t, x[0], x[1]);
    wg_var ab = wg_abs(t, d);
    wg_var y = wg_add(t, wg_sin(t, wg_square(t, wg_relu(t, d))), wg_mul_c(t, ab, 3.0));
    wg_check_options o = opts(3);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &y, &o, &r), WG_OK);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_NONDIFF));
    wg_check_report_free(&r);
    kink_rule rule = { BOTH, (long)wg_var_index(t, ab), 1.0, 0.0 };   /* abs'(0) = 1 */
    wg_tape_set_partials_hook(t, other_convention, &rule);
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 2, x, 1, &y, &o, &r), WG_OK);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_FAIL));
    for (size_t j = 0; j < r.nresults; j++) {
        CU_ASSERT_EQUAL(r.results[j].blame_node, rule.node);
        CU_ASSERT_EQUAL(r.results[j].blame_op, WG_OP_ABS);
    }
    wg_check_report_free(&r);
    wg_tape_free(t);
}

/* ---------------------------------------------------------------- invalid */

static int rec_log(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_log(t, wg_mul_c(t, x[0], 2.0));
    return wg_status(t);
}

/* log(1 + (x - (x + 1e-20)) 1e30): 0 inside in double, -1e10 exactly */
static int rec_exact_domain(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    wg_var d = wg_sub(t, x[0], wg_add_c(t, x[0], 1e-20));
    y[0] = wg_log(t, wg_add_c(t, wg_mul_c(t, d, 1e30), 1.0));
    return wg_status(t);
}

static int rec_pow_c(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_add(t, wg_pow_c(t, x[0], 2.5), x[0]);
    return wg_status(t);
}

static int rec_sqrt(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_sqrt(t, x[0]);
    return wg_status(t);
}

/* if (x < 0.5) ... recorded at x = 0.5 exactly: any step down flips it */
static int rec_branch(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    if (wg_lt(t, x[0], wg_const(t, 0.5)))
        y[0] = wg_square(t, x[0]);
    else
        y[0] = wg_mul_c(t, x[0], 3.0);
    return wg_status(t);
}

static void expect_invalid(wg_record_fn fn, double at, long node, const char *words)
{
    wg_check_options o = opts(2);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(fn, NULL, 1, &at, 1, &o, &r), WG_OK);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_INVALID));
    for (size_t k = 0; k < r.nresults; k++) {
        CU_ASSERT_EQUAL(r.results[k].invalid_node, node);
        if (!strstr(r.results[k].message, words))
            fprintf(stderr, "\n  message lacks \"%s\": %s\n", words, r.results[k].message);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.results[k].message, words));
    }
    wg_check_report_free(&r);
}

static void domain_errors_are_invalid(void)
{
    expect_invalid(rec_log, -1.0, 2, "node 2 (log)");                /* recorded outside */
    expect_invalid(rec_exact_domain, 1.0, 5, "exact arithmetic");    /* exact value outside */
    expect_invalid(rec_pow_c, 0.0, 1, "leaves its domain");         /* x0 - h outside */
    expect_invalid(rec_sqrt, 0.0, 1, "derivative is not finite");   /* the sweep itself */
}

static void branch_flip_is_invalid(void)
{
    expect_invalid(rec_branch, 0.5, 2, "crosses a recorded branch at node 2");
    /* away from the branch the same function passes */
    wg_check_options o = opts(3);
    wg_check_report r;
    double at = 0.3;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_branch, NULL, 1, &at, 1, &o, &r), WG_OK);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_PASS));
    wg_check_report_free(&r);
}

/* ---------------------------------------------------------------- ill-conditioned but correct */

static int rec_pow_cancel(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_add_c(t, wg_powi(t, wg_add_c(t, x[0], 1.0), 50), -1.0);   /* (1 + x)^50 - 1 */
    return wg_status(t);
}

static int rec_expm1_naive(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_add_c(t, wg_exp(t, x[0]), -1.0);
    return wg_status(t);
}

static int rec_huge_tiny(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    wg_var big = wg_mul_c(t, wg_exp(t, x[0]), 1e250);
    wg_var small = wg_mul_c(t, wg_sin(t, x[1]), 1e-250);
    y[0] = wg_add(t, wg_mul(t, big, small), wg_div(t, small, big));
    return wg_status(t);
}

/* exp(-x) by its Taylor series at x = 20: terms up to 4e7, sum 2e-9 */
static int rec_alternating(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    wg_var term = wg_const(t, 1.0), sum = term;
    wg_var mx = wg_neg(t, x[0]);
    for (int k = 1; k <= 90; k++) {
        term = wg_mul_c(t, wg_mul(t, term, mx), 1.0 / k);
        sum = wg_add(t, sum, term);
    }
    y[0] = sum;
    return wg_status(t);
}

/* x - 1 near 1 through log and exp: log(x) cancels in exp(log(x)) - 1 */
static int rec_log_exp(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_add_c(t, wg_exp(t, wg_mul_c(t, wg_log(t, x[0]), 3.0)), -1.0);
    return wg_status(t);
}

static void expect_pass(wg_record_fn fn, size_t n, const double *at, const char *name)
{
    wg_check_options o = opts(4);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(fn, NULL, n, at, 1, &o, &r), WG_OK);
    if (r.verdict != WG_VERDICT_PASS)
        wg_check_report_print(&r, name, stderr);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);
}

static void ill_conditioned_passes(void)
{
    double a = 1e-10, b = 1e-12, c[2] = { 3.0, 0.4 }, d = 20.0, e = 1.0 + 1e-9, f = 1e-7;
    expect_pass(rec_pow_cancel, 1, &a, "(1 + x)^50 - 1 at 1e-10");
    expect_pass(rec_pow_cancel, 1, &f, "(1 + x)^50 - 1 at 1e-7");
    expect_pass(rec_expm1_naive, 1, &b, "exp(x) - 1 at 1e-12");
    expect_pass(rec_huge_tiny, 2, c, "huge times tiny");
    expect_pass(rec_alternating, 1, &d, "Taylor series of exp(-20)");
    expect_pass(rec_log_exp, 1, &e, "exp(3 log x) - 1 near 1");
}

/* ---------------------------------------------------------------- random graphs */

static uint64_t rg_state = 88172645463325252u;

static double rg_uniform(void)
{
    rg_state ^= rg_state << 13;
    rg_state ^= rg_state >> 7;
    rg_state ^= rg_state << 17;
    return (double)(rg_state >> 11) * 0x1p-53;
}

/* a random graph over every differentiable op: operands from the last few
 * nodes, points inside each domain, values and partials of moderate size,
 * no point within 1e-3 of a kink; with `ill`, inputs and constants over
 * many decades and some constants that cancel their operand to 9 digits */
static wg_tape *random_graph(int size, wg_var *x, wg_var *y, int ill)
{
    wg_tape *t = wg_tape_new();
    for (int j = 0; j < 3; j++)
        x[j] = wg_input(t, (rg_uniform() - 0.5) * (ill ? pow(10, floor(rg_uniform() * 9) - 4) : 4));
    for (int tries = 0; (int)wg_tape_size(t) < size && tries < 10000; tries++) {
        size_t n = wg_tape_size(t);
        size_t ia = n - 1 - (size_t)(rg_uniform() * (n < 6 ? n : 6)), ib = (size_t)(rg_uniform() * n);
        wg_op op = (wg_op)(2 + (int)(rg_uniform() * (scalar_op_count() - 2)));
        wg_op_kind kind = wg_op_kind_of(op);
        if (op == WG_OP_STOP_GRADIENT || kind == WG_KIND_CMP)
            continue;
        double a = wg_node_value(t, ia), b = wg_node_value(t, ib), p = 0;
        if (kind == WG_KIND_CONST)
            p = op == WG_OP_POW_C ? floor(rg_uniform() * 5) - 1.5
                                  : (rg_uniform() - 0.5) * (ill ? pow(10, floor(rg_uniform() * 17) - 8) : 6);
        if (op == WG_OP_ADD_C && ill && rg_uniform() < 0.5)
            p = -a * (1 + 1e-9 * (rg_uniform() - 0.5));
        if (kind == WG_KIND_INT)
            p = floor(rg_uniform() * 9) - 4;
        if (wg_op_domain(op, a, b, p))
            continue;
        double v = wg_op_value(op, a, b, p), da, db;
        wg_op_partials(op, a, b, p, v, &da, &db);
        if (!isfinite(v) || fabs(v) > 1e60 || (v != 0 && fabs(v) < 1e-60) || !isfinite(da)
            || !isfinite(db) || fabs(da) > 1e30 || fabs(db) > 1e30)
            continue;
        if ((op == WG_OP_RELU || op == WG_OP_ABS || op == WG_OP_STEP || op == WG_OP_SIGN)
            && fabs(a) < 1e-3)
            continue;
        if ((op == WG_OP_MIN || op == WG_OP_MAX) && fabs(a - b) < 1e-3 * fabs(a))
            continue;
        wg_apply(t, op, wg_tape_var(t, ia), wg_tape_var(t, ib), p);
    }
    *y = wg_tape_var(t, wg_tape_size(t) - 1);
    return t;
}

/* correct rules never fail, on well and badly conditioned graphs alike */
static void random_graphs_never_fail(void)
{
    unsigned verdicts[WG_VERDICT_COUNT] = { 0 };
    for (int g = 0; g < 120; g++) {
        wg_var x[3], y;
        wg_tape *t = random_graph(5 + (int)(rg_uniform() * 40), x, &y, g % 2);
        CU_ASSERT_EQUAL_FATAL(wg_status(t), WG_OK);
        wg_check_options o = opts(2);
        o.seed = (uint64_t)g + 7;
        wg_check_report r;
        CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 3, x, 1, &y, &o, &r), WG_OK);
        for (size_t k = 0; k < r.nresults; k++)
            verdicts[r.results[k].verdict]++;
        if (r.verdict == WG_VERDICT_FAIL)
            wg_check_report_print(&r, "random graph", stderr);
        CU_ASSERT_NOT_EQUAL(r.verdict, WG_VERDICT_FAIL);
        wg_check_report_free(&r);
        wg_tape_free(t);
    }
    CU_ASSERT(verdicts[WG_VERDICT_PASS] > 200);     /* most are checkable at all */
}

/* ---------------------------------------------------------------- reproducibility */

static int rec_three(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)ctx;
    y[0] = wg_mul(t, wg_sin(t, x[0]), wg_exp(t, x[1]));
    if (m > 1)
        y[1] = wg_add(t, wg_square(t, x[2]), wg_mul(t, x[0], x[1]));
    return wg_status(t);
}

static void same_seed_same_figures(void)
{
    double at[3] = { 0.4, -1.1, 2.2 };
    wg_check_options o = opts(3);
    o.seed = 42;
    wg_check_report r1, r2, r3;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_three, NULL, 3, at, 2, &o, &r1), WG_OK);
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_three, NULL, 3, at, 2, &o, &r2), WG_OK);
    CU_ASSERT_EQUAL(r1.nresults, 3);
    CU_ASSERT_EQUAL_FATAL(r1.nresults, r2.nresults);
    CU_ASSERT(memcmp(r1.results, r2.results, r1.nresults * sizeof *r1.results) == 0);
    CU_ASSERT(all_verdicts(&r1, WG_VERDICT_PASS));
    o.seed = 43;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_three, NULL, 3, at, 2, &o, &r3), WG_OK);
    for (size_t k = 0; k < r1.nresults; k++)
        CU_ASSERT(r1.results[k].reference != r3.results[k].reference);
    /* seeds that differ only above bit 31 draw different directions too */
    wg_check_report r4;
    o.seed = 42 + (UINT64_C(1) << 40);
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_three, NULL, 3, at, 2, &o, &r4), WG_OK);
    CU_ASSERT(r1.results[0].reference != r4.results[0].reference);
    wg_check_report_free(&r1);
    wg_check_report_free(&r2);
    wg_check_report_free(&r3);
    wg_check_report_free(&r4);
}

/* ---------------------------------------------------------------- full Jacobian */

static void full_jacobian_columns(void)
{
    double at[3] = { 0.4, -1.1, 2.2 };
    wg_check_options o = opts(1);
    o.full_jacobian = 1;
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_three, NULL, 3, at, 1, &o, &r), WG_OK);
    CU_ASSERT_EQUAL_FATAL(r.nresults, 4);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_PASS));
    /* m = 1: w = 1, so column j's reference is df/dx_j */
    double want[3] = { cos(0.4) * exp(-1.1), sin(0.4) * exp(-1.1), 0.0 };
    for (int j = 0; j < 3; j++)
        WG_ASSERT_ULPS(r.results[1 + j].reference, want[j], 1);
    wg_check_report_free(&r);

    /* two outputs: every column with a random cotangent */
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_three, NULL, 3, at, 2, &o, &r), WG_OK);
    CU_ASSERT_EQUAL(r.nresults, 4);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_PASS));
    wg_check_report_free(&r);

    /* a wrong rule shows in a column too */
    bigf f;
    wg_tape *t = record_bigf(&f, 0.7, -1.3, 1.9);
    wrong_rule w = { .modes = BOTH, .kind = SCALE, .factor = 1 + 1e-10,
                     .node = (long)wg_var_index(t, f.cos_) };
    wg_tape_set_partials_hook(t, plant, &w);
    o.directions = 0;
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 3, f.x, 1, &f.y, &o, &r), WG_OK);
    CU_ASSERT_EQUAL(r.nresults, 3);
    CU_ASSERT_EQUAL(r.results[0].verdict, WG_VERDICT_PASS);   /* cos(2 x1) does not hang on x0 */
    CU_ASSERT_EQUAL(r.results[1].verdict, WG_VERDICT_FAIL);
    CU_ASSERT_EQUAL(r.results[1].blame_node, w.node);
    CU_ASSERT_EQUAL(r.worst, 1);
    wg_check_report_free(&r);
    wg_tape_free(t);
}

/* ---------------------------------------------------------------- graphs, arguments, reports */

static void graphs_and_restored_values(void)
{
    static const char *const names[] = { "x1", "x2" };
    double vals[2] = { 2, 5 };
    wg_parse_error err;
    wg_graph *g = wg_graph_parse_expr("log(x1) + x1*x2 - sin(x2)", 2, names, vals, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wg_tape *t = wg_graph_tape(g);
    size_t nn = wg_tape_size(t);
    double before[64];
    CU_ASSERT_FATAL(nn <= 64);
    for (size_t i = 0; i < nn; i++)
        before[i] = wg_node_value(t, i);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_graph(g, NULL, &r), WG_OK);
    CU_ASSERT_EQUAL(r.nresults, 3);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_PASS));
    CU_ASSERT(r.seconds > 0);
    for (size_t i = 0; i < nn; i++)
        CU_ASSERT(memcmp(&before[i], &(double){ wg_node_value(t, i) }, sizeof(double)) == 0);
    CU_ASSERT_EQUAL(wg_status(t), WG_OK);
    wg_check_report_free(&r);
    wg_graph_free(g);
}

static void bad_arguments(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 1.0), c = wg_const(t, 2.0), y = wg_mul(t, x, c);
    wg_check_report r;
    CU_ASSERT_EQUAL(wg_check_tape(t, 1, &x, 1, &y, NULL, NULL), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_check_tape(NULL, 1, &x, 1, &y, NULL, &r), WG_EINVAL);
    CU_ASSERT(strstr(r.error, "NULL") != NULL);
    CU_ASSERT_EQUAL(wg_check_tape(t, 0, &x, 1, &y, NULL, &r), WG_EINVAL);
    CU_ASSERT(strstr(r.error, "no inputs") != NULL);
    CU_ASSERT_EQUAL(wg_check_tape(t, 1, &c, 1, &y, NULL, &r), WG_EINVAL);
    CU_ASSERT(strstr(r.error, "not an input") != NULL);
    wg_var xx[2] = { x, x };
    CU_ASSERT_EQUAL(wg_check_tape(t, 2, xx, 1, &y, NULL, &r), WG_EINVAL);
    CU_ASSERT(strstr(r.error, "same input") != NULL);
    wg_var stale = { 0 };
    CU_ASSERT_EQUAL(wg_check_tape(t, 1, &x, 1, &stale, NULL, &r), WG_EINVAL);
    CU_ASSERT(strstr(r.error, "y[0]") != NULL);
    wg_check_options o = opts(1);
    o.precision = 64;
    CU_ASSERT_EQUAL(wg_check_tape(t, 1, &x, 1, &y, &o, &r), WG_EINVAL);
    CU_ASSERT(strstr(r.error, "precision") != NULL);
    o = opts(0);
    CU_ASSERT_EQUAL(wg_check_tape(t, 1, &x, 1, &y, &o, &r), WG_EINVAL);
    CU_ASSERT_PTR_NULL(r.results);
    CU_ASSERT_EQUAL(wg_check_fn(NULL, NULL, 1, &(double){ 1 }, 1, NULL, &r), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_check_graph(NULL, NULL, &r), WG_EINVAL);
    wg_tape_free(t);
}

/* relu(x)^2.5 at 0: the derivative 0 is reached as h^1.5, an order that is
 * no integer, so neither the scale nor the rate test applies (and relu's
 * adjoint is 0, so its kink does not decide).  sin(1e30 x), once the
 * example here, now converges: sin's argument sets the step's scale. */
static int rec_fast(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m;
    if (ctx)
        y[0] = wg_sin(t, wg_mul_c(t, x[0], 1e30));
    else
        y[0] = wg_pow_c(t, wg_relu(t, x[0]), 2.5);
    return wg_status(t);
}

static void unstable_reference(void)
{
    wg_check_options o = opts(2);
    wg_check_report r;
    double at = 0.0;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_fast, NULL, 1, &at, 1, &o, &r), WG_OK);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_UNSTABLE));
    CU_ASSERT_EQUAL(r.results[0].reference_converged, 0);
    wg_check_report_free(&r);
    at = 1.0;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_fast, &at, 1, &at, 1, &o, &r), WG_OK);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_PASS));
    wg_check_report_free(&r);
}

/* (1 - cos x) / x^2 at 1e-4: every rule right, the function cancels, AD
 * 629% off: pass, flagged ill-conditioned with 0 correct digits */
static int rec_cancel(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m;
    if (ctx)
        y[0] = wg_sin(t, x[0]);
    else
        y[0] = wg_div(t, wg_sub(t, wg_const(t, 1), wg_cos(t, x[0])), wg_square(t, x[0]));
    return wg_status(t);
}

static void accuracy_is_told(void)
{
    wg_check_options o = opts(2);
    wg_check_report r;
    double at = 1e-4;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_cancel, NULL, 1, &at, 1, &o, &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    CU_ASSERT(r.ill_conditioned);
    CU_ASSERT(r.ad_digits < 1);
    CU_ASSERT(r.results[0].ill_conditioned);
    CU_ASSERT(r.results[0].condition > 1);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    wg_check_report_print(&r, "cancel", f);
    wg_check_report_json(&r, "cancel", f);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "cancel: pass (ill-conditioned: 0 correct digits)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"accuracy\":{\"ill_conditioned\":true,\"ad_digits\":0"));
    free(buf);
    wg_check_report_free(&r);
    /* the flag is a threshold: 0 turns it off */
    o.accuracy_digits = 0;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_cancel, NULL, 1, &at, 1, &o, &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    CU_ASSERT(!r.ill_conditioned);
    wg_check_report_free(&r);
    /* a well-conditioned function: AD to nearly every digit, no flag */
    o = opts(2);
    at = 1.0;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_cancel, &at, 1, &at, 1, &o, &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    CU_ASSERT(!r.ill_conditioned);
    CU_ASSERT(r.ad_digits >= 14);
    CU_ASSERT(r.results[0].digits[WG_METHOD_CENTRAL] < r.ad_digits);
    wg_check_report_free(&r);
}

static int rec_log_only(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_log(t, x[0]);
    return wg_status(t);
}

static void invalid_prints_no_bound(void)
{
    wg_check_report r;
    double at = -1;
    /* NULL options: the defaults */
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_log_only, NULL, 1, &at, 1, NULL, &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_INVALID);
    CU_ASSERT_EQUAL(r.nresults, 3);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    wg_check_report_print(&r, "log", f);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "    bound      -\n"));
    CU_ASSERT_PTR_NULL(strstr(buf, "dot gap"));
    free(buf);
    wg_check_report_free(&r);
}

/* f = x1 sin(x2) + exp(x1 x2); the user's gradient right, or with the
 * second component's sign slip (-x1 cos x2) */
static int rec_user_f(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_add(t, wg_mul(t, x[0], wg_sin(t, x[1])), wg_exp(t, wg_mul(t, x[0], x[1])));
    return wg_status(t);
}

static int user_grad(const double *x, size_t n, double *g, void *gctx)
{
    (void)n;
    int slip = gctx != NULL;
    double e = exp(x[0] * x[1]);
    g[0] = sin(x[1]) + x[1] * e;
    g[1] = (slip ? -1 : 1) * x[0] * cos(x[1]) + x[0] * e;
    return WG_OK;
}

static void user_gradient_judged(void)
{
    wg_check_options o = opts(3);
    wg_check_report r;
    double at[2] = { 0.7, 1.3 };
    int slip = 1;
    CU_ASSERT_EQUAL_FATAL(wg_check_gradient(rec_user_f, NULL, user_grad, NULL, 2, at, 0, &o,
                                            &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    CU_ASSERT_EQUAL(r.nresults, 5);             /* 3 directions and the 2 columns */
    for (size_t k = 0; k < r.nresults; k++) {
        CU_ASSERT(r.results[k].user.computed);
        CU_ASSERT(r.results[k].user.abs_err <= r.results[k].user.err_est);
    }
    wg_check_report_free(&r);
    CU_ASSERT_EQUAL_FATAL(wg_check_gradient(rec_user_f, NULL, user_grad, &slip, 2, at, 0, &o,
                                            &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
    CU_ASSERT_STRING_EQUAL(r.results[r.worst].fail_mode, "user");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.results[r.worst].message, "component 1 (input 1) is off"));
    CU_ASSERT_EQUAL(r.results[3].verdict, WG_VERDICT_PASS);     /* column e_0: right */
    CU_ASSERT_EQUAL(r.results[4].verdict, WG_VERDICT_FAIL);     /* column e_1 */
    wg_check_report_free(&r);
    /* a user tolerance wide enough to pass the slip, and bad arguments */
    CU_ASSERT_EQUAL_FATAL(wg_check_gradient(rec_user_f, NULL, user_grad, &slip, 2, at, 10, &o,
                                            &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);
    CU_ASSERT_EQUAL(wg_check_gradient(rec_user_f, NULL, NULL, NULL, 2, at, 0, &o, &r), WG_EINVAL);
    CU_ASSERT_EQUAL(wg_check_gradient(rec_user_f, NULL, user_grad, NULL, 2, at, -1, &o, &r),
                    WG_EINVAL);
}

/* the user's JVP and VJP of two outputs, f = (x1 sin x2, exp(x1 x2)); the
 * slip: the second output's d/dx2 with x2 for x1 (a wrong column 1 of J) */
static int rec_user_f2(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_mul(t, x[0], wg_sin(t, x[1]));
    y[1] = wg_exp(t, wg_mul(t, x[0], x[1]));
    return wg_status(t);
}

static void user_jacobian(const double *x, int slip, double J[2][2])
{
    double e = exp(x[0] * x[1]);
    J[0][0] = sin(x[1]);
    J[0][1] = x[0] * cos(x[1]);
    J[1][0] = x[1] * e;
    J[1][1] = (slip ? x[1] : x[0]) * e;
}

static int user_jvp(const double *x, size_t n, const double *u, size_t m, double *ydot,
                    void *ctx)
{
    (void)n;
    double J[2][2];
    user_jacobian(x, ctx != NULL, J);
    for (size_t k = 0; k < m; k++)
        ydot[k] = J[k][0] * u[0] + J[k][1] * u[1];
    return WG_OK;
}

static int user_vjp(const double *x, size_t n, const double *w, size_t m, double *xbar,
                    void *ctx)
{
    (void)m;
    double J[2][2];
    user_jacobian(x, ctx != NULL, J);
    for (size_t j = 0; j < n; j++)
        xbar[j] = w[0] * J[0][j] + w[1] * J[1][j];
    return WG_OK;
}

static int user_fails(const double *x, size_t n, const double *u, size_t m, double *ydot,
                      void *ctx)
{
    (void)x; (void)n; (void)u; (void)m; (void)ydot; (void)ctx;
    return WG_EDOM;
}

static void user_jvp_vjp_judged(void)
{
    wg_check_options o = opts(3);
    wg_check_report r;
    double at[2] = { 0.7, 1.3 };
    int slip = 1;
    for (int mode = 0; mode < 2; mode++) {
        int s = mode ? wg_check_vjp(rec_user_f2, NULL, user_vjp, NULL, 2, at, 2, 0, &o, &r)
                     : wg_check_jvp(rec_user_f2, NULL, user_jvp, NULL, 2, at, 2, 0, &o, &r);
        CU_ASSERT_EQUAL_FATAL(s, WG_OK);
        CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
        CU_ASSERT_EQUAL(r.nresults, 5);
        for (size_t k = 0; k < r.nresults; k++) {
            CU_ASSERT(r.results[k].user.computed);
            CU_ASSERT(r.results[k].user.abs_err <= r.results[k].user.err_est);
        }
        wg_check_report_free(&r);
        s = mode ? wg_check_vjp(rec_user_f2, NULL, user_vjp, &slip, 2, at, 2, 0, &o, &r)
                 : wg_check_jvp(rec_user_f2, NULL, user_jvp, &slip, 2, at, 2, 0, &o, &r);
        CU_ASSERT_EQUAL_FATAL(s, WG_OK);
        CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
        CU_ASSERT_STRING_EQUAL(r.results[r.worst].fail_mode, "user");
        CU_ASSERT_PTR_NOT_NULL(strstr(r.results[r.worst].message,
                                      mode ? "user VJP" : "user JVP"));
        CU_ASSERT_PTR_NOT_NULL(strstr(r.results[r.worst].message,
                                      mode ? "component 1 (input 1) is off"
                                           : "column 1 (input 1) is off"));
        CU_ASSERT_EQUAL(r.results[3].verdict, WG_VERDICT_PASS);     /* along e_0: right */
        CU_ASSERT_EQUAL(r.results[4].verdict, WG_VERDICT_FAIL);     /* along e_1 */
        wg_check_report_free(&r);
    }
    /* the user's code fails: its status comes back, said */
    CU_ASSERT_EQUAL(wg_check_jvp(rec_user_f2, NULL, user_fails, NULL, 2, at, 2, 0, &o, &r),
                    WG_EDOM);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "the JVP function returned"));
    wg_check_report_free(&r);
    CU_ASSERT_EQUAL(wg_check_vjp(rec_user_f2, NULL, NULL, NULL, 2, at, 2, 0, &o, &r), WG_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "vjp is NULL"));
    CU_ASSERT_EQUAL(wg_check_jvp(rec_user_f2, NULL, user_jvp, NULL, 2, at, 0, 0, &o, &r),
                    WG_EINVAL);
}

/* ---------------------------------------------------------------- underflow and stationary points */

/* tanh(361.5 x) at 1: tanh' = 1/cosh^2 is 4e-314, subnormal, with an
 * absolute error up to 2^-1075 that the tangent 361.5 magnifies: AD is 34
 * ulps of the least subnormal (1e-11 relative) off the reference */
static int rec_tanh_tiny(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_tanh(t, wg_mul_c(t, x[0], 361.5));
    return wg_status(t);
}

/* powi(x, 1000) 1e300 at 0.47607: the partial 1000 x^999 = 1e-319 has
 * only its 3 leading digits in double, its factor x^999 (1e-322) being 20
 * ulps of the least subnormal, and the 1e300 downstream makes that error
 * 4e-22, where the relative terms alone allowed 7e-34 */
static int rec_powi_tiny(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_mul_c(t, wg_powi(t, x[0], 1000), 1e300);
    return wg_status(t);
}

/* tanh(x) 1e300 at 360: tanh' = 4e-313 to 12 digits, and the result 8e-13 */
static int rec_tanh_scaled(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_mul_c(t, wg_tanh(t, x[0]), 1e300);
    return wg_status(t);
}

/* each result a pass with a converged reference, and a bound that is
 * positive, holds the AD error and is below rel_max of the reference */
static void expect_tiny_pass(wg_record_fn fn, double at, double rel_max, const char *name)
{
    wg_check_options o = opts(4);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(fn, NULL, 1, &at, 1, &o, &r), WG_OK);
    if (r.verdict != WG_VERDICT_PASS)
        wg_check_report_print(&r, name, stderr);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_PASS));
    for (size_t k = 0; k < r.nresults; k++) {
        const wg_check_result *res = &r.results[k];
        const wg_figure *f = &res->fig[WG_METHOD_REVERSE];
        CU_ASSERT(res->reference_converged);
        CU_ASSERT(res->bound > 0);
        CU_ASSERT(f->abs_err > 0);                      /* AD is off: the bound is needed */
        CU_ASSERT(f->abs_err <= res->bound);
        CU_ASSERT(res->bound < rel_max * fabs(res->reference));
    }
    wg_check_report_free(&r);
}

static void underflow_is_bounded(void)
{
    expect_tiny_pass(rec_tanh_tiny, 1.0, 1e-7, "tanh(361.5 x) at 1");
    expect_tiny_pass(rec_tanh_scaled, 360.0, 1e-8, "tanh(x) 1e300 at 360");
    expect_tiny_pass(rec_powi_tiny, 0.47607, 1.0, "powi(x, 1000) 1e300 at 0.47607");

    /* the bound there still sees a rule wrong by 1e-6 */
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 1.0), v = wg_mul_c(t, x, 361.5), y = wg_tanh(t, v);
    wrong_rule w = { .modes = BOTH, .kind = SCALE, .factor = 1 + 1e-6,
                     .node = (long)wg_var_index(t, y) };
    wg_tape_set_partials_hook(t, plant, &w);
    wg_check_options o = opts(2);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 1, &x, 1, &y, &o, &r), WG_OK);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_FAIL));
    CU_ASSERT_EQUAL(r.results[0].blame_node, (long)wg_var_index(t, y));
    wg_check_report_free(&r);
    wg_tape_free(t);
}

/* (x - 0.5)^2 exp(x) at 0.5: a smooth stationary point, derivative 0.
 * The central differences are h^2 F'''/6 (1e-51 at h1), never 0, and the
 * one-sided ones -+h F''/2: neither unstable nor a kink */
static int rec_stationary(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m; (void)ctx;
    y[0] = wg_mul(t, wg_square(t, wg_add_c(t, x[0], -0.5)), wg_exp(t, x[0]));
    return wg_status(t);
}

/* flat at 0 to a higher order, or C^1 only: the differences go to 0 as
 * h^k, as fast as every scale they could be measured against */
enum { FLAT_CUBE, FLAT_SQUARE, FLAT_SIXTH, FLAT_RELU_SQUARED, FLAT_X_ABS_X, FLAT_COUNT };

static int rec_flat(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n; (void)m;
    switch (*(const int *)ctx) {
    case FLAT_CUBE:         y[0] = wg_mul(t, wg_powi(t, x[0], 3), wg_exp(t, x[0])); break;
    case FLAT_SQUARE:       y[0] = wg_square(t, x[0]); break;     /* D = 0, R - L = 2h */
    case FLAT_SIXTH:        y[0] = wg_powi(t, x[0], 6); break;    /* R - L = 2h^5 */
    case FLAT_RELU_SQUARED: y[0] = wg_square(t, wg_relu(t, x[0])); break;   /* D = h/2 */
    default:                y[0] = wg_mul(t, x[0], wg_abs(t, x[0])); break; /* D = h */
    }
    return wg_status(t);
}

/* every result a pass, against a converged reference of (nearly) 0 */
static void expect_flat_pass(wg_record_fn fn, void *ctx, double at, const char *name)
{
    wg_check_options o = opts(3);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(fn, ctx, 1, &at, 1, &o, &r), WG_OK);
    if (r.verdict != WG_VERDICT_PASS)
        wg_check_report_print(&r, name, stderr);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_PASS));
    for (size_t k = 0; k < r.nresults; k++) {
        const wg_check_result *res = &r.results[k];
        CU_ASSERT(res->reference_converged);
        CU_ASSERT(fabs(res->reference) < 1e-40);
        CU_ASSERT(res->reference_err < 1e-40);
        CU_ASSERT_EQUAL(res->fig[WG_METHOD_REVERSE].value, 0);
        CU_ASSERT_EQUAL(res->fig[WG_METHOD_FORWARD].value, 0);
    }
    wg_check_report_free(&r);
}

static void stationary_point_passes(void)
{
    expect_flat_pass(rec_stationary, NULL, 0.5, "(x - 0.5)^2 exp(x) at 0.5");
    static const char *const names[FLAT_COUNT] = {
        "x^3 exp(x) at 0", "x^2 at 0", "x^6 at 0", "relu(x)^2 at 0", "x |x| at 0"
    };
    for (int k = 0; k < FLAT_COUNT; k++)
        expect_flat_pass(rec_flat, &k, 0.0, names[k]);

    /* the one-sided differences of the first are far apart, as curvature
     * makes them, and that is no kink */
    wg_check_options o = opts(3);
    wg_check_report r;
    double at = 0.5;
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_stationary, NULL, 1, &at, 1, &o, &r), WG_OK);
    CU_ASSERT(fabs(r.results[0].right - r.results[0].left) > 1e-30);
    wg_check_report_free(&r);

    /* a rule there off by 1e-20 (square' at 0 is 0) fails, blamed */
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 0.5), s = wg_square(t, wg_add_c(t, x, -0.5));
    wg_var y = wg_mul(t, s, wg_exp(t, x));
    wrong_rule w = { .modes = BOTH, .kind = SET, .value = 1e-20,
                     .node = (long)wg_var_index(t, s) };
    wg_tape_set_partials_hook(t, plant, &w);
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 1, &x, 1, &y, &o, &r), WG_OK);
    CU_ASSERT(all_verdicts(&r, WG_VERDICT_FAIL));
    CU_ASSERT_EQUAL(r.results[0].blame_node, (long)wg_var_index(t, s));
    wg_check_report_free(&r);
    wg_tape_free(t);
}

static char *json_of(const wg_check_report *r, const char *name)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    wg_check_report_json(r, name, f);
    fclose(f);
    return buf;
}

static void json_report(void)
{
    bigf f;
    wg_tape *t = record_bigf(&f, 0.7, -1.3, 1.9);
    wrong_rule w = { .modes = BOTH, .kind = NEGATE, .node = (long)wg_var_index(t, f.sin_) };
    wg_tape_set_partials_hook(t, plant, &w);
    wg_check_options o = opts(2);
    o.methods &= ~(1u << WG_METHOD_GSL);
    wg_check_report r;
    CU_ASSERT_EQUAL_FATAL(wg_check_tape(t, 3, f.x, 1, &f.y, &o, &r), WG_OK);
    char *s = json_of(&r, "big \"f\"\\1\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    /* one line, one object */
    CU_ASSERT_EQUAL(strchr(s, '\n'), s + strlen(s) - 1);
    CU_ASSERT_EQUAL(s[0], '{');
    CU_ASSERT_EQUAL(s[strlen(s) - 2], '}');
    static const char *const keys[] = {
        "\"case\":\"big \\\"f\\\"\\\\1\\n\"", "\"verdict\":\"fail\"", "\"rel_err\":{\"reverse\":",
        "\"forward\":", "\"central\":", "\"gsl\":null", "\"bound\":", "\"reference_converged\":true",
        "\"blame\":{\"node\":", "\"op\":\"sin\",\"text\":\"v4 = sin(v3)\"}", "\"ulps\":{", "\"reference\":", "\"dot_gap\":",
        "\"seconds\":", "\"message\":\"", "\"fail_mode\":\"both\"",
    };
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        if (!strstr(s, keys[k]))
            fprintf(stderr, "\n  JSON lacks %s: %s", keys[k], s);
        CU_ASSERT_PTR_NOT_NULL(strstr(s, keys[k]));
    }
    int depth = 0, ok = 1, in_str = 0;
    for (const char *p = s; *p; p++) {
        if (in_str) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                in_str = 0;
            continue;
        }
        if (*p == '"')
            in_str = 1;
        depth += (*p == '{') - (*p == '}');
        ok &= depth >= 0;
        ok &= !(*p == 'n' && strncmp(p, "nan", 3) == 0) && !(*p == 'i' && strncmp(p, "inf", 3) == 0);
    }
    CU_ASSERT(ok && depth == 0 && !in_str);
    free(s);

    /* the verdict line names the mode and the blamed node's text */
    {
        char *vb = NULL;
        size_t vlen = 0;
        FILE *vf = open_memstream(&vb, &vlen);
        wg_check_report_print(&r, "bigf", vf);
        fclose(vf);
        CU_ASSERT_PTR_NOT_NULL(strstr(vb, "bigf: fail (both; blame sin: v4 = sin(v3))"));
        CU_ASSERT_PTR_NOT_NULL(strstr(vb, "blame      node 4 (sin): v4 = sin(v3)"));
        free(vb);
    }
    wg_check_report_free(&r);
    wg_tape_free(t);
    t = NULL;
    /* a pass: blame is null */
    double at[3] = { 0.4, -1.1, 2.2 };
    CU_ASSERT_EQUAL_FATAL(wg_check_fn(rec_three, NULL, 3, at, 1, &o, &r), WG_OK);
    s = json_of(&r, "three");
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"blame\":null"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"verdict\":\"pass\""));
    free(s);
    /* the readable block names the verdict and the methods */
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    wg_check_report_print(&r, "three", mf);
    fclose(mf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "three: pass"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "reverse"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "gsl        not computed"));
    free(buf);
    wg_check_report_free(&r);
}

/* a fail that blames no node says so by name: blame_op WG_OP_NONE, "none"
 * in the text and the JSON; and a blamed node carries its .wg text */
static void no_blame_is_named(void)
{
    CU_ASSERT_STRING_EQUAL(wg_op_name(WG_OP_NONE), "none");
    wg_op op;
    CU_ASSERT_FALSE(wg_op_from_name("none", &op));
    wg_check_options o = opts(3);
    wg_check_report r;
    double at[2] = { 0.7, 1.3 };
    int slip = 1;
    CU_ASSERT_EQUAL_FATAL(wg_check_gradient(rec_user_f, NULL, user_grad, &slip, 2, at, 0, &o,
                                            &r), WG_OK);
    CU_ASSERT_EQUAL_FATAL(r.verdict, WG_VERDICT_FAIL);
    const wg_check_result *w = &r.results[r.worst];
    CU_ASSERT_EQUAL(w->blame_node, -1);
    CU_ASSERT_EQUAL(w->blame_op, WG_OP_NONE);
    CU_ASSERT_STRING_EQUAL(w->blame_text, "");
    char *s = json_of(&r, "user");
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"blame\":{\"node\":null,\"op\":\"none\",\"text\":null}"));
    free(s);
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    wg_check_report_print(&r, "user", mf);
    fclose(mf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "user: fail (user; blame none: no node blamed)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "blame      none (no node blamed)"));
    free(buf);
    wg_check_report_free(&r);

    /* a graph's blame names its inputs as the graph does */
    wg_parse_error pe;
    wg_graph *g = wg_graph_read_string("input a = 0.3\ninput b = 1.1\nc = a * b\n"
                                       "y = cbrt(c - b)\noutput y\n", "t", &pe);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    wrong_rule wr = { .modes = BOTH, .kind = NEGATE, .node = 2 };
    wg_tape_set_partials_hook(wg_graph_tape(g), plant, &wr);
    CU_ASSERT_EQUAL_FATAL(wg_check_graph(g, &o, &r), WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
    CU_ASSERT_STRING_EQUAL(r.results[r.worst].blame_text, "v2 = a * b");
    CU_ASSERT_STRING_EQUAL(r.results[r.worst].fail_mode, "both");
    wg_check_report_free(&r);
    wg_graph_free(g);
}

/* wg_check_fn's record hook, as the header documents it */
typedef struct hook_use {
    int calls, mode;            /* mode 0: f; 1: leave y[0]; 2: clear t; 3: extra input */
    int zero_y, at_point;
} hook_use;

static int rec_hook(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    hook_use *h = ctx;
    h->calls++;
    h->zero_y = m == 1 && y[0].id == 0;
    h->at_point = n == 2 && wg_value(t, x[0]) == 0.5 && wg_value(t, x[1]) == 2
                  && wg_var_index(t, x[0]) == 0 && wg_var_index(t, x[1]) == 1;
    if (h->mode == 1)
        return WG_OK;
    if (h->mode == 2) {
        wg_tape_clear(t);
        y[0] = wg_sin(t, wg_input(t, 1.0));
        return WG_OK;
    }
    wg_var c = h->mode == 3 ? wg_input(t, 3.0) : wg_const(t, 3.0);  /* a constant either way */
    y[0] = wg_mul(t, wg_sin(t, x[0]), wg_mul(t, x[1], c));
    return WG_OK;
}

static void record_hook_contract(void)
{
    wg_check_options o = opts(3);
    wg_check_report r;
    double at[2] = { 0.5, 2 };
    for (int mode = 0; mode < 4; mode++) {
        hook_use h = { 0 };
        h.mode = mode;
        int s = wg_check_fn(rec_hook, &h, 2, at, 1, &o, &r);
        CU_ASSERT_EQUAL(h.calls, 1);            /* once, whatever the directions */
        CU_ASSERT(h.zero_y);
        CU_ASSERT(h.at_point);
        if (mode == 0 || mode == 3) {
            CU_ASSERT_EQUAL(s, WG_OK);
            CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
            /* d/dx0 = cos(0.5) * 6: the extra input is a constant */
            for (size_t k = 0; k < r.nresults; k++)
                CU_ASSERT(fabs(r.results[k].reference) <= hypot(6 * cos(0.5), 3 * sin(0.5)) + 1e-12);
            wg_check_report_free(&r);
        } else {
            CU_ASSERT_EQUAL(s, WG_EINVAL);
            CU_ASSERT_PTR_NOT_NULL(strstr(r.error, mode == 1 ? "y[0]" : "x[0]"));
        }
    }
}

/* wg_vjp and wg_jvp after wg_eval moved the tape: judged at the new point.
 * f = x^3 at x = 1: the replay goes to x1 = 1 - 2^-20, where the figure
 * is 3 x1^2 (the nested direction is +-1), not 3; a clean tape passes,
 * and a rule that is right at 1 but wrong elsewhere is caught there */
static void cube_rule(void *ctx, int reverse, size_t node, wg_op op, double a, double b,
                      double p, double y, double *da, double *db)
{
    (void)ctx; (void)reverse; (void)node; (void)b; (void)p; (void)y; (void)db;
    if (op == WG_OP_POWI && a != 1)
        *da *= 1 + 1e-9;            /* right at a = 1 only */
}

static void derivatives_after_replay(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x = wg_input(t, 1.0), y = wg_powi(t, x, 3);
    wg_check_options o;
    wg_check_options_init(&o);
    wg_check_report r;
    CU_ASSERT_FATAL(wg_check_tape(t, 1, &x, 1, &y, &o, &r) == WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    const wg_check_result *res = &r.results[0];
    double x1 = 1 - 0x1p-20, want = 3 * x1 * x1;
    for (int p = WG_PATH_REPLAY_VJP; p <= WG_PATH_REPLAY_JVP; p++) {
        const wg_figure *f = &res->path[p];
        CU_ASSERT(f->computed);
        CU_ASSERT(fabs(fabs(f->value) - want) <= 1e-15 * want);
        CU_ASSERT(f->abs_err <= f->err_est);
        CU_ASSERT(f->err_est > 0 && f->err_est < 1e-13);
    }
    CU_ASSERT_STRING_EQUAL(wg_path_name(WG_PATH_REPLAY_VJP), "replay-vjp");
    CU_ASSERT_STRING_EQUAL(wg_path_name(WG_PATH_REPLAY_JVP), "replay-jvp");
    /* the other results do not repeat it */
    CU_ASSERT(!r.results[1].path[WG_PATH_REPLAY_VJP].computed);
    wg_check_report_free(&r);

    wg_tape_set_partials_hook(t, cube_rule, NULL);
    CU_ASSERT_FATAL(wg_check_tape(t, 1, &x, 1, &y, &o, &r) == WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
    res = &r.results[r.worst];
    CU_ASSERT_STRING_EQUAL(res->fail_mode, "replay-vjp");
    CU_ASSERT_EQUAL(res->blame_node, 1);
    CU_ASSERT_EQUAL(res->blame_op, WG_OP_POWI);
    CU_ASSERT(strstr(res->message, "after wg_eval to x0 + d") != NULL);
    for (size_t k = 1; k < r.nresults; k++)         /* right at x0 */
        CU_ASSERT_EQUAL(r.results[k].verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);
    wg_tape_free(t);
}

/* the other paths are judged after the replay too: wg_jvp_multi's lanes
 * after the first take mul's d/db as d/da (WG_TEST_JVP_LANE), which
 * x * (y * y) at x = y = 1 hides (both partials 1) and x1 = x0 + d shows
 * (x1 != y1^2): a fail named replay-jvp-multi, and every result right at x0 */
static void quiet_hook(void *ctx, int reverse, size_t node, wg_op op, double a, double b,
                       double p, double y, double *da, double *db)
{
    (void)ctx; (void)reverse; (void)node; (void)op; (void)a; (void)b; (void)p; (void)y;
    (void)da; (void)db;
}

static void paths_after_replay(void)
{
    wg_tape *t = wg_tape_new();
    wg_var x[2] = { wg_input(t, 1.0), wg_input(t, 1.0) };
    wg_var f = wg_mul(t, x[0], wg_mul(t, x[1], x[1]));
    wg_check_options o;
    wg_check_options_init(&o);
    wg_check_report r;
    CU_ASSERT_FATAL(wg_check_tape(t, 2, x, 1, &f, &o, &r) == WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);
    wg_tape_set_partials_hook(t, quiet_hook, NULL);
    wg_tape_set_test_flags(t, WG_TEST_JVP_LANE);
    CU_ASSERT_FATAL(wg_check_tape(t, 2, x, 1, &f, &o, &r) == WG_OK);
    CU_ASSERT_EQUAL(r.verdict, WG_VERDICT_FAIL);
    const wg_check_result *res = &r.results[r.worst];
    CU_ASSERT_STRING_EQUAL(res->fail_mode, "replay-jvp-multi");
    CU_ASSERT(strstr(res->message, "after wg_eval to x0 + d") != NULL);
    CU_ASSERT_EQUAL(res->blame_op, WG_OP_MUL);
    for (size_t k = 1; k < r.nresults; k++)         /* right at x0 */
        CU_ASSERT_EQUAL(r.results[k].verdict, WG_VERDICT_PASS);
    wg_check_report_free(&r);
    wg_tape_free(t);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "every op passes at many points", every_op_passes },
        { "no node blamed is named none; a blame carries its node's text", no_blame_is_named },
        { "wg_check_fn's record hook: once, at the point, y to fill, t its own", record_hook_contract },
        { "every op's rule wrong by 1e-10 fails, blamed", every_op_wrong_by_1e10_fails },
        { "a rule wrong by a factor 1 + 1e-10 fails", wrong_factor_fails },
        { "a rule with the wrong sign fails", wrong_sign_fails },
        { "a missing chain factor fails", missing_chain_factor_fails },
        { "a rule wrong in forward mode only", forward_only_wrong_fails },
        { "a rule wrong in reverse mode only", reverse_only_wrong_fails },
        { "kinks are nondiff, AD between the one-sided values", kinks_are_nondiff },
        { "a wrong rule at a kink fails", wrong_kink_rule_fails },
        { "sign's jump at 0: nondiff by its documented 0", sign_jump_is_nondiff },
        { "a wrong convention inside the one-sided range fails, blamed",
          wrong_kink_convention_fails },
        { "the documented conventions together are nondiff", documented_conventions_together },
        { "kinks that cancel: nondiff by the conventions; a wrong rule there fails",
          cancelling_kinks },
        { "a kink that leaves the reference no scale: the convention decides",
          kink_without_reference_scale },
        { "domain errors are invalid, naming the node", domain_errors_are_invalid },
        { "a flipped branch is invalid", branch_flip_is_invalid },
        { "badly conditioned but correct functions pass", ill_conditioned_passes },
        { "random graphs of every op: correct rules never fail", random_graphs_never_fail },
        { "same seed, same figures; other seeds, other directions", same_seed_same_figures },
        { "full-Jacobian mode", full_jacobian_columns },
        { "graphs; the tape's values are restored", graphs_and_restored_values },
        { "bad arguments", bad_arguments },
        { "an unconverged reference is unstable", unstable_reference },
        { "underflowed partials and products are inside the bound", underflow_is_bounded },
        { "derivative 0: stationary, flat and C^1 points pass", stationary_point_passes },
        { "JSON and printed reports", json_report },
        { "accuracy: correct digits, condition, the ill-conditioned flag", accuracy_is_told },
        { "an invalid result prints no bound", invalid_prints_no_bound },
        { "wg_check_gradient: the user's gradient judged, the component named",
          user_gradient_judged },
        { "wg_check_jvp, wg_check_vjp: the user's JVP and VJP judged, the column named",
          user_jvp_vjp_judged },
        { "wg_vjp and wg_jvp after a replay, judged at the new point", derivatives_after_replay },
        { "the other paths after a replay: a lane bug only x1 shows", paths_after_replay },
        { NULL, NULL }
    };
    int rc = wg_test_main("check", cases);
    mpfr_free_cache();
    return rc;
}
