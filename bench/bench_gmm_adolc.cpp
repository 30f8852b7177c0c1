/* SPDX-License-Identifier: GPL-3.0-or-later */
// bench_gmm_adolc.cpp -- the ADBench GMM gradient through ADOL-C, beside
// libwengert, both as multiples of the same plain double objective measured
// in the same process.
//
// ADOL-C records the same body (gmm_objective_body.h) over adouble.  It has
// no stop_gradient, so the logsumexp shift is the max element itself, picked
// by value as an operator-overloading code would (the derivative is the same,
// see the body's comment).  Its gradient() driver always runs a zero-order
// forward sweep before the reverse sweep, so "gradient()" here is comparable
// to libwengert's "eval+grad", and "trace+gradient()" to "rec+grad" plus one
// forward sweep.  The tape is kept in memory: trace_on gets buffers large
// enough that nothing is written to ADOLC-*.tap files.
//
// usage: bench_gmm_adolc [-t SECONDS] [DATADIR]
#include <adolc/adolc.h>

#include "gmm_data.h"
#include "gmm_objective.h"
#include "timing.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

// ---------------------------------------------------------------- adouble body
static adouble ad_max(const adouble &a, const adouble &b)
{
    return a.getValue() >= b.getValue() ? a : b;   // tie: the first, as wg_max
}

#define GMM_REAL adouble
#define GMM_CTX_DECL
#define GMM_CTX
#define GMM_SYM(name) gmm_ad_##name
#define GMM_ADD(a, b) ((a) + (b))
#define GMM_SUB(a, b) ((a) - (b))
#define GMM_MUL(a, b) ((a) * (b))
#define GMM_SQUARE(a) ((a) * (a))
#define GMM_EXP(a) exp(a)
#define GMM_LOG(a) log(a)
#define GMM_MAX(a, b) ad_max(a, b)
#define GMM_STOP(a) (a)
#define GMM_ADD_C(a, c) ((a) + (c))
#define GMM_MUL_C(a, c) ((a) * (c))
#include "gmm_objective_body.h"

namespace {

const short TAG = 1;

struct problem {
    const char *name;
    gmm_input in;
    size_t np;
    std::vector<double> params, params1, scratch, g, g_ours;
    unsigned obs, lbs, vbs, tbs;     // ADOL-C buffer sizes (elements)
    double fval;
    wg_tape *t;
    std::vector<wg_var> xs, tscratch;
    wg_var y;
    int flip;
    double sink;
};

void die(const char *what)
{
    std::fprintf(stderr, "bench_gmm_adolc: %s\n", what);
    std::exit(1);
}

// Record the objective on ADOL-C tape TAG at p->params.
void adolc_trace(problem *p, int keep)
{
    trace_on(TAG, keep, p->obs, p->lbs, p->vbs, p->tbs);
    {
        std::vector<adouble> ax(p->np), scratch(gmm_scratch_len(&p->in));
        for (size_t j = 0; j < p->np; j++)
            ax[j] <<= p->params[j];
        adouble f = gmm_ad_objective(&p->in, ax.data(), scratch.data());
        f >>= p->fval;
    }
    trace_off();
}

void adolc_gradient(problem *p)
{
    if (gradient(TAG, (int)p->np, p->params.data(), p->g.data()) < 0)
        die("ADOL-C gradient() failed");
}

// ---------------------------------------------------------------- timed calls
void run_objective(void *ctx)
{
    problem *p = static_cast<problem *>(ctx);
    p->sink += gmm_objective(&p->in, p->params.data(), p->scratch.data());
}

void run_adolc_trace_gradient(void *ctx)
{
    problem *p = static_cast<problem *>(ctx);
    adolc_trace(p, 0);
    adolc_gradient(p);
}

void run_adolc_trace_reverse(void *ctx)
{
    problem *p = static_cast<problem *>(ctx);
    double one = 1.0;
    adolc_trace(p, 1);               // keep: values stay for one reverse sweep
    if (fos_reverse(TAG, 1, (int)p->np, &one, p->g.data()) < 0)
        die("ADOL-C fos_reverse() failed");
}

void run_adolc_gradient(void *ctx)
{
    adolc_gradient(static_cast<problem *>(ctx));
}

void run_ours_record_grad(void *ctx)
{
    problem *p = static_cast<problem *>(ctx);
    wg_tape_clear(p->t);
    p->y = gmm_record(p->t, &p->in, p->params.data(), p->xs.data(), p->tscratch.data());
    if (wg_grad(p->t, p->y, p->np, p->xs.data(), p->g_ours.data()) != WG_OK)
        die("wg_grad failed");
}

void run_ours_grad(void *ctx)
{
    problem *p = static_cast<problem *>(ctx);
    if (wg_grad(p->t, p->y, p->np, p->xs.data(), p->g_ours.data()) != WG_OK)
        die("wg_grad failed");
}

void run_ours_eval_grad(void *ctx)
{
    problem *p = static_cast<problem *>(ctx);
    p->flip ^= 1;
    if (wg_eval(p->t, p->np, p->xs.data(), p->flip ? p->params1.data() : p->params.data()) != WG_OK
        || wg_grad(p->t, p->y, p->np, p->xs.data(), p->g_ours.data()) != WG_OK)
        die("wg_eval + wg_grad failed");
}

// max_j |a_j - b_j| / max(|a_j|, |b_j|)
double max_rel_diff(const std::vector<double> &a, const std::vector<double> &b)
{
    double m = 0;
    for (size_t j = 0; j < a.size(); j++) {
        double s = std::fmax(std::fabs(a[j]), std::fabs(b[j]));
        if (s > 0)
            m = std::fmax(m, std::fabs(a[j] - b[j]) / s);
    }
    return m;
}

struct row {
    int d, K, n;
    double obj;     // seconds
    double w_rec_grad, w_grad, w_eval_grad, a_trace_grad, a_trace_rev, a_grad;  // ratios
};

}  // namespace

int main(int argc, char **argv)
{
    const char *dir = "bench/data";
    double min_time = 0.5;
    for (int a = 1; a < argc; a++) {
        if (std::strcmp(argv[a], "-t") == 0 && a + 1 < argc) {
            char *end;
            min_time = std::strtod(argv[++a], &end);
            if (*end || !(min_time >= 0)) {
                std::fprintf(stderr, "bench_gmm_adolc: -t wants seconds, got \"%s\"\n", argv[a]);
                return 2;
            }
        } else if (argv[a][0] == '-') {
            std::fprintf(stderr, "usage: bench_gmm_adolc [-t SECONDS] [DATADIR]\n");
            return 2;
        } else
            dir = argv[a];
    }
    static const char *const files[] = {
        "gmm/1k/gmm_d2_K5.txt", "gmm/1k/gmm_d10_K5.txt", "gmm/1k/gmm_d64_K5.txt"
    };
    const int nfiles = sizeof files / sizeof files[0];
    std::vector<row> rows;
    int ok = 1;

    std::printf("\nADBench GMM: libwengert %s beside ADOL-C (same objective body, same process)\n\n",
                wg_version());
    std::printf("checks: ADOL-C's f against the double objective, its gradient (gradient() and "
                "fos_reverse)\nagainst libwengert's (all coordinates)\n\n");
    std::printf("%-22s %11s %9s %12s %14s\n", "file", "ADOL-C ops", "in memory", "f rel diff",
                "grad rel diff");
    for (int fi = 0; fi < nfiles; fi++) {
        problem p;
        char path[4096], err[512];
        std::snprintf(path, sizeof path, "%s/%s", dir, files[fi]);
        p.name = files[fi];
        if (gmm_read(path, &p.in, err, sizeof err) != 0) {
            std::fprintf(stderr, "bench_gmm_adolc: %s\n", err);
            return 1;
        }
        p.np = gmm_nparams(&p.in);
        p.params.resize(p.np);
        gmm_pack(&p.in, p.params.data());
        p.params1 = p.params;
        for (size_t j = 0; j < p.np; j++)   // the replay point of libwengert's eval+grad
            p.params1[j] += 0.01 * std::sin(1.0 + (double)j);
        p.scratch.resize(gmm_scratch_len(&p.in));
        p.g.assign(p.np, 0.0);
        p.g_ours.assign(p.np, 0.0);
        p.xs.resize(p.np);
        p.tscratch.resize(gmm_scratch_len(&p.in));
        p.flip = 0;
        p.sink = 0;

        p.t = wg_tape_new();
        if (!p.t)
            die("out of memory for a tape");
        p.y = gmm_record(p.t, &p.in, p.params.data(), p.xs.data(), p.tscratch.data());
        if (wg_status(p.t) != WG_OK || wg_grad(p.t, p.y, p.np, p.xs.data(), p.g_ours.data()) != WG_OK)
            die(wg_errmsg(p.t));

        // Buffers for the whole tape in memory, sized from libwengert's node
        // count (ADOL-C records about one operation per node, up to three
        // locations and one constant per operation, one Taylor per result).
        double nodes = (double)wg_tape_size(p.t);
        p.obs = (unsigned)(1.25 * nodes) + (1u << 16);
        p.lbs = (unsigned)(3.25 * nodes) + (1u << 16);
        p.vbs = (unsigned)(1.25 * nodes) + (1u << 16);
        p.tbs = (unsigned)(1.25 * nodes) + (1u << 16);

        adolc_trace(&p, 0);
        size_t stats[STAT_SIZE];
        tapestats(TAG, stats);
        adolc_gradient(&p);
        double f = gmm_objective(&p.in, p.params.data(), p.scratch.data());
        double fdiff = std::fabs(p.fval - f) / std::fabs(f), gdiff = max_rel_diff(p.g, p.g_ours);
        run_adolc_trace_reverse(&p);
        gdiff = std::fmax(gdiff, max_rel_diff(p.g, p.g_ours));
        // Same operations on the same values except the logsumexp shift's
        // adjoint (1 - sum softmax, zero up to rounding in ADOL-C, exactly
        // zero in libwengert): agreement to ~1e-12 is expected.
        int same = fdiff <= 1e-13 && gdiff <= 1e-9;
        int in_core = !stats[OP_FILE_ACCESS] && !stats[LOC_FILE_ACCESS] && !stats[VAL_FILE_ACCESS];
        std::printf("%-22s %11zu %9s %12.1e %14.1e   %s\n", p.name, stats[NUM_OPERATIONS],
                    in_core ? "yes" : "NO: files", fdiff, gdiff, same ? "ok" : "MISMATCH");
        ok &= same;

        row r;
        r.d = p.in.d;
        r.K = p.in.K;
        r.n = p.in.n;
        // each figure in pairs with the objective (timing.h)
        std::vector<double> objs;
        auto pair = [&](bench_fn fn) {
            bench_ratio b = bench_pair(fn, run_objective, &p, min_time);
            objs.push_back(b.ref);
            return b.ratio;
        };
        r.w_rec_grad = pair(run_ours_record_grad);
        r.w_grad = pair(run_ours_grad);
        r.w_eval_grad = pair(run_ours_eval_grad);
        r.a_trace_grad = pair(run_adolc_trace_gradient);
        r.a_trace_rev = pair(run_adolc_trace_reverse);
        adolc_trace(&p, 0);
        r.a_grad = pair(run_adolc_gradient);
        r.obj = bench_median_of(objs.data(), (int)objs.size());
        rows.push_back(r);
        wg_tape_free(p.t);
        gmm_free(&p.in);
        std::fflush(stdout);
    }

    std::printf("\nratios: time / objective time (lower is better), measured as in bench_gmm\n\n");
    std::printf("%-16s %11s | %-29s | %-40s\n", "", "", "libwengert", "ADOL-C");
    std::printf("%-16s %11s | %9s %9s %9s | %13s %13s %12s\n", "problem", "objective",
                "rec+grad", "grad", "eval+grad", "trace+grad()", "trace+fos_rev", "gradient()");
    for (const row &r : rows) {
        char name[32], tm[32];
        std::snprintf(name, sizeof name, "d=%d K=%d n=%d", r.d, r.K, r.n);
        if (r.obj < 1e-3)
            std::snprintf(tm, sizeof tm, "%8.1f us", r.obj * 1e6);
        else
            std::snprintf(tm, sizeof tm, "%8.2f ms", r.obj * 1e3);
        std::printf("%-16s %11s | %8.1fx %8.1fx %8.1fx | %12.1fx %12.1fx %11.1fx\n", name, tm,
                    r.w_rec_grad, r.w_grad, r.w_eval_grad, r.a_trace_grad, r.a_trace_rev,
                    r.a_grad);
    }
    std::printf("ADOL-C trace+grad(): trace_on .. trace_off, then gradient() (= zos_forward + "
                "fos_reverse);\n  trace+fos_rev: trace_on(keep = 1) .. trace_off, then "
                "fos_reverse alone; gradient(): on the recorded tape\n");
    if (!ok)
        std::fprintf(stderr, "bench_gmm_adolc: ADOL-C and libwengert disagree (see above)\n");
    return ok ? 0 : 1;
}
