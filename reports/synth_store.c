/* SPDX-License-Identifier: GPL-3.0-or-later */
/* synth_store.c -- a synthetic result store of any size, for timing
 * wengert-report on stores far larger than a test campaign makes quickly.
 *
 *   synth-store [--checks N] [--directions D] [--seed S] STORE
 *
 * The store is written through the store's own API (verify/store.h), so it
 * has the real layout.  The figures are drawn to look like a campaign's,
 * not computed: graphs of 4 to 24 op nodes over the op table, 3 checks
 * each; AD errors exact in 40% of checks and otherwise 1e-17 to 1e-14
 * relative, the double central difference around 1e-10 and GSL around
 * 1e-12 (log-normal); bounds 3 to 10^6 times the AD error; a few percent
 * nondiff, invalid and unstable checks and one fail in 500 (blamed on an
 * op of its graph).  Deterministic for a seed. */
#define _POSIX_C_SOURCE 200809L

#include "store.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_state;

static uint64_t next_u64(void)   /* splitmix64 */
{
    uint64_t x = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static double uniform(void)      /* [0, 1) with 53 random bits */
{
    return (double)(next_u64() >> 11) * 0x1p-53;
}

static double normal(void)       /* Box-Muller, one of the pair */
{
    double u = uniform(), v = uniform();
    return sqrt(-2 * log(1 - u)) * cos(6.283185307179586 * v);
}

/* an error of a method, as the verifier stores it: abs, rel and ulps of
 * one draw of log10(rel) */
static void figure(wg_figure *f, double reference, double log10_rel, int exact)
{
    double rel = exact ? 0 : pow(10, log10_rel);
    double abs_err = rel * fabs(reference);
    int e;
    frexp(reference, &e);
    double ulp = ldexp(1, e - 53);
    f->computed = 1;
    f->value = reference + abs_err;
    f->abs_err = abs_err;
    f->rel_err = rel;
    f->ulps = abs_err / ulp;
    f->err_est = NAN;
}

static void make_check(wg_check_result *c, const unsigned *op_count)
{
    memset(c, 0, sizeof *c);
    double u = uniform();
    c->verdict = u < 0.002 ? WG_VERDICT_FAIL : u < 0.032 ? WG_VERDICT_NONDIFF
               : u < 0.042 ? WG_VERDICT_INVALID : u < 0.047 ? WG_VERDICT_UNSTABLE
               : WG_VERDICT_PASS;
    c->reference = (next_u64() & 1 ? 1 : -1) * pow(10, 6 * uniform() - 3);
    c->reference_err = fabs(c->reference) * pow(10, -60 - 20 * uniform());
    c->reference_converged = c->verdict != WG_VERDICT_UNSTABLE;
    c->left = c->right = c->reference;
    c->blame_node = -1;
    c->blame_op = WG_OP_COUNT;
    c->invalid_node = -1;
    if (c->verdict == WG_VERDICT_INVALID) {
        for (int m = 0; m < WG_METHOD_COUNT; m++)
            c->fig[m].value = c->fig[m].abs_err = c->fig[m].rel_err = c->fig[m].ulps =
                c->fig[m].err_est = NAN;
        c->reference = c->reference_err = c->bound = c->dot_gap = NAN;
        c->invalid_node = 3;
        snprintf(c->message, sizeof c->message, "node 3 (log) leaves its domain");
        return;
    }
    double ad = -17 + 3 * uniform();
    int exact = uniform() < 0.4;
    figure(&c->fig[WG_METHOD_REVERSE], c->reference, ad, exact);
    figure(&c->fig[WG_METHOD_FORWARD], c->reference, ad + 0.3 * normal(), exact && uniform() < 0.8);
    figure(&c->fig[WG_METHOD_CENTRAL], c->reference, -10.5 + normal(), 0);
    figure(&c->fig[WG_METHOD_GSL], c->reference, -12 + 1.5 * normal(), 0);
    double worst = fmax(c->fig[0].abs_err, c->fig[1].abs_err);
    double floor_ = fabs(c->reference) * 1e-16;
    c->bound = fmax(worst, floor_) * pow(10, 0.5 + 5.5 * uniform());
    c->dot_gap = worst / 2;
    if (c->verdict == WG_VERDICT_FAIL) {
        /* a wrong rule: an error far outside the bound, blamed on an op the
         * graph has */
        figure(&c->fig[WG_METHOD_REVERSE], c->reference, -3 * uniform(), 0);
        c->bound = c->fig[WG_METHOD_REVERSE].abs_err * 1e-6;
        snprintf(c->fail_mode, sizeof c->fail_mode, "reverse");
        int k = (int)(next_u64() % WG_OP_COUNT);
        for (int i = 0; i < WG_OP_COUNT; i++) {
            int op = (k + i) % WG_OP_COUNT;
            if (op_count[op] && wg_op_kind_of((wg_op)op) != WG_KIND_LEAF) {
                c->blame_op = (wg_op)op;
                c->blame_node = 5;
                break;
            }
        }
        snprintf(c->message, sizeof c->message, "reverse: AD off the reference by %.3g > bound "
                 "%.3g", c->fig[0].abs_err, c->bound);
    } else {
        snprintf(c->message, sizeof c->message, "synthetic");
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: synth-store [--checks N] [--directions D] [--seed S] STORE\n");
    return 2;
}

int main(int argc, char **argv)
{
    uint64_t checks = 1000000, seed = 1;
    unsigned directions = 3;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--checks") && i + 1 < argc)
            checks = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--directions") && i + 1 < argc)
            directions = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else
            return usage();
    }
    if (!path || !checks || !directions || directions > 16)
        return usage();
    rng_state = seed;
    wg_store *s = NULL;
    wg_store_error err;
    if (wg_store_open(path, &s, &err) != WG_OK) {
        fprintf(stderr, "synth-store: %s\n", err.message);
        return 2;
    }
    char opts[64];
    snprintf(opts, sizeof opts, "synthetic directions=%u", directions);
    wg_store_campaign c = { "synth-store", seed, 0, 1, opts };
    int64_t id;
    if (wg_store_campaign_open(s, &c, &id, NULL, &err) != WG_OK) {
        fprintf(stderr, "synth-store: %s\n", err.message);
        wg_store_close(s);
        return 2;
    }
    uint64_t next = 0;
    wg_store_next_index(s, id, &next, &err);
    uint64_t graphs = (checks + directions - 1) / directions;
    wg_check_result res[16];
    char text[96];
    int status = 0;
    for (uint64_t g = next; g < graphs; g++) {
        wg_store_graph rec;
        memset(&rec, 0, sizeof rec);
        rec.ninputs = 1 + next_u64() % 4;
        rec.noutputs = 1 + next_u64() % 2;
        rec.op_count[WG_OP_INPUT] = (unsigned)rec.ninputs;
        unsigned ops = 4 + (unsigned)(next_u64() % 21);
        for (unsigned k = 0; k < ops; k++) {
            int op = 2 + (int)(next_u64() % (WG_OP_COUNT - 2));
            rec.op_count[op]++;
        }
        if (next_u64() % 10 == 0)
            rec.op_count[WG_OP_CONST]++;
        rec.nnodes = 0;
        for (int op = 0; op < WG_OP_COUNT; op++)
            rec.nnodes += rec.op_count[op];
        wg_check_report r;
        memset(&r, 0, sizeof r);
        r.nresults = directions;
        r.results = res;
        for (unsigned d = 0; d < directions; d++) {
            make_check(&res[d], rec.op_count);
            if (d == 0 || res[d].verdict == WG_VERDICT_FAIL ||
                (res[r.worst].verdict != WG_VERDICT_FAIL && res[d].verdict != WG_VERDICT_PASS))
                r.worst = d;
        }
        r.verdict = res[r.worst].verdict;
        r.seconds = 1e-4 * rec.nnodes * (1 + uniform());
        snprintf(text, sizeof text, "# synthetic graph %" PRIu64 "\n", g);
        rec.index = g;
        rec.seed = next_u64();
        rec.text = text;
        rec.report = &r;
        if (wg_store_put_graph(s, id, &rec, &err) != WG_OK) {
            fprintf(stderr, "synth-store: %s\n", err.message);
            status = 1;
            break;
        }
    }
    wg_store_close(s);
    if (!status)
        printf("%s: %" PRIu64 " graphs, %" PRIu64 " checks\n", path, graphs,
               graphs * directions);
    return status;
}
