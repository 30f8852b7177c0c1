/* SPDX-License-Identifier: GPL-3.0-or-later */
// bench_hessian_adolc.cpp -- second order through ADOL-C's drivers beside
// libwengert's, on the same scalar functions, in the same process:
// hess_vec() over gradient() against wg_hvp over wg_grad, and hessian()
// against wg_hessian.  The peer of bench_hessian for the scalar problems
// (ADOL-C records scalar operations only):
//
//   Rosen   the extended Rosenbrock function, n = 100, at (-1.2, 1, ...);
//   prior   the GMM's Wishart prior over icf alone, d = 2 and 10, K = 5;
//   GMM     the ADBench objective (gmm_objective_body.h) at d = 2 and 10,
//           K = 5, n = 1000, H v only.  d = 64 is left out: its scalar tape
//           has 21 M nodes and libwengert's gradient graph of it would pass
//           WG_MAX_NODES; the MLP is left out for the same reason (13 M
//           scalar multiply-adds per forward pass).
//
// Both libraries' tapes are recorded once and every driver is timed on them,
// each ratio from adjacent pairs of samples (timing.h).  ADOL-C's drivers
// run a forward sweep of their own first (gradient(): zos_forward +
// fos_reverse; hess_vec(): a second-order forward + reverse), so each
// library's ratio is over its own gradient.  Checked: ADOL-C's H v and
// Hessian against libwengert's, and libwengert's f against ADOL-C's.
// Exit status 1 when a check fails; timings are only printed.
//
// usage: bench_hessian_adolc [-t SECONDS] [DATADIR]
#include <adolc/adolc.h>

#include "gmm_data.h"
#include "gmm_objective.h"
#include "timing.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// ---------------------------------------------------------------- adouble GMM body
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

const short TAG = 2;
const int ROSEN_N = 100;

// H v against libwengert's: both are the same second derivatives of the same
// operations, computed by different sweeps (Taylor arithmetic against a
// recorded gradient graph swept forward), so they agree to rounding; the
// largest difference over the largest |H v| component, 1e-10 as
// bench_hessian's symmetry checks.  The GMM's logsumexp shift differs (the
// max itself here, stop_gradient there: same derivative, other rounding).
const double AGREE_RTOL = 1e-10;

// bench_hessian.c's generator and seed for v (xorshift64*)
uint64_t rng_state;
double rng_uniform()
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * UINT64_C(0x2545F4914F6CDD1D)) >> 11) * 0x1p-53;
}

void die(const std::string &what)
{
    std::fprintf(stderr, "bench_hessian_adolc: %s\n", what.c_str());
    std::exit(1);
}

enum kind { ROSEN, PRIOR, GMM };

struct problem {
    std::string name;
    kind k;
    const gmm_input *in;
    int N;
    std::vector<double> x0, v, g, hv, g_ours, hv_ours, H_ours;
    std::vector<double> Hbuf;
    std::vector<double *> Hrows;
    double f_adolc;
    wg_tape *t;
    std::vector<wg_var> xs, tscratch;
    wg_var y;
};

// ---------------------------------------------------------------- the functions

// extended Rosenbrock over pairs (a, b) = (x_2i, x_2i+1)
template <class R, class Ops>
R rosen(const R *x, int n, Ops ops)
{
    R f = ops.term(x[0], x[1]);
    for (int i = 2; i + 1 < n; i += 2)
        f = ops.add(f, ops.term(x[i], x[i + 1]));
    return f;
}

struct ad_rosen_ops {
    adouble term(const adouble &a, const adouble &b) const
    {
        adouble r = b - a * a, s = 1.0 - a;
        return 100.0 * (r * r) + s * s;
    }
    adouble add(const adouble &a, const adouble &b) const { return a + b; }
};

struct wg_rosen_ops {
    wg_tape *t;
    wg_var term(wg_var a, wg_var b) const
    {
        return wg_add(t, wg_mul_c(t, wg_square(t, wg_sub(t, b, wg_square(t, a))), 100),
                      wg_square(t, wg_add_c(t, wg_neg(t, a), 1)));
    }
    wg_var add(wg_var a, wg_var b) const { return wg_add(t, a, b); }
};

// the Wishart prior over icf, in gmm_objective_body.h's order of ops
adouble ad_prior(const gmm_input *in, const adouble *icf)
{
    const int d = in->d;
    const size_t nicf = gmm_icf_len(d);
    const double half_g2 = 0.5 * in->gamma * in->gamma;
    adouble f = 0.0;
    for (int k = 0; k < in->K; k++) {
        const adouble *q = icf + (size_t)k * nicf, *l = q + d;
        adouble sumq = q[0], e0 = exp(q[0]);
        adouble ss = e0 * e0;
        for (int j = 1; j < d; j++) {
            sumq = sumq + q[j];
            adouble e = exp(q[j]);
            ss = ss + e * e;
        }
        for (size_t j = 0; j < nicf - (size_t)d; j++)
            ss = ss + l[j] * l[j];
        f = f + (ss * half_g2 - sumq * (double)in->m);
    }
    return f;
}

wg_var wg_prior(wg_tape *t, const gmm_input *in, const wg_var *icf)
{
    const int d = in->d;
    const size_t nicf = gmm_icf_len(d);
    const double half_g2 = 0.5 * in->gamma * in->gamma;
    wg_var f = { 0 };
    for (int k = 0; k < in->K; k++) {
        const wg_var *q = icf + (size_t)k * nicf, *l = q + d;
        wg_var sumq = q[0], ss = wg_square(t, wg_exp(t, q[0]));
        for (int j = 1; j < d; j++) {
            sumq = wg_add(t, sumq, q[j]);
            ss = wg_add(t, ss, wg_square(t, wg_exp(t, q[j])));
        }
        for (size_t j = 0; j < nicf - (size_t)d; j++)
            ss = wg_add(t, ss, wg_square(t, l[j]));
        wg_var term = wg_sub(t, wg_mul_c(t, ss, half_g2), wg_mul_c(t, sumq, (double)in->m));
        f = k == 0 ? term : wg_add(t, f, term);
    }
    return f;
}

// ---------------------------------------------------------------- recording

void record_ours(problem *p)
{
    wg_tape_clear(p->t);
    if (p->k == GMM) {
        p->y = gmm_record(p->t, p->in, p->x0.data(), p->xs.data(), p->tscratch.data());
    } else {
        for (int j = 0; j < p->N; j++)
            p->xs[j] = wg_input(p->t, p->x0[j]);
        p->y = p->k == ROSEN ? rosen(p->xs.data(), p->N, wg_rosen_ops{ p->t })
                             : wg_prior(p->t, p->in, p->xs.data());
    }
    if (wg_status(p->t) != WG_OK)
        die(p->name + ": recording: " + wg_errmsg(p->t));
}

// ADOL-C's tape in memory, buffers sized from libwengert's node count as
// bench_gmm_adolc does (about one operation per node, up to three locations
// and one constant per operation)
void record_adolc(problem *p)
{
    const double nodes = (double)wg_tape_size(p->t);
    const unsigned obs = (unsigned)(1.25 * nodes) + (1u << 16),
                   lbs = (unsigned)(3.25 * nodes) + (1u << 16),
                   vbs = (unsigned)(1.25 * nodes) + (1u << 16),
                   tbs = (unsigned)(1.25 * nodes) + (1u << 16);
    trace_on(TAG, 0, obs, lbs, vbs, tbs);
    {
        std::vector<adouble> ax(p->N);
        for (int j = 0; j < p->N; j++)
            ax[j] <<= p->x0[j];
        adouble f;
        if (p->k == GMM) {
            std::vector<adouble> scratch(gmm_scratch_len(p->in));
            f = gmm_ad_objective(p->in, ax.data(), scratch.data());
        } else if (p->k == ROSEN) {
            f = rosen(ax.data(), p->N, ad_rosen_ops{});
        } else {
            f = ad_prior(p->in, ax.data());
        }
        f >>= p->f_adolc;
    }
    trace_off();
    size_t stats[STAT_SIZE];
    tapestats(TAG, stats);
    if (stats[OP_FILE_ACCESS] || stats[LOC_FILE_ACCESS] || stats[VAL_FILE_ACCESS])
        std::printf("  (%s: ADOL-C's tape went to files)\n", p->name.c_str());
}

// ---------------------------------------------------------------- timed calls

void run_wg_grad(void *ctx)
{
    problem *p = static_cast<problem *>(ctx);
    if (wg_grad(p->t, p->y, (size_t)p->N, p->xs.data(), p->g_ours.data()) != WG_OK)
        die(p->name + ": wg_grad: " + wg_errmsg(p->t));
}

void run_wg_hvp(void *ctx)
{
    problem *p = static_cast<problem *>(ctx);
    if (wg_hvp(p->t, p->y, (size_t)p->N, p->xs.data(), p->v.data(), p->hv_ours.data()) != WG_OK)
        die(p->name + ": wg_hvp: " + wg_errmsg(p->t));
}

void run_wg_hessian(void *ctx)
{
    problem *p = static_cast<problem *>(ctx);
    if (wg_hessian(p->t, p->y, (size_t)p->N, p->xs.data(), p->H_ours.data()) != WG_OK)
        die(p->name + ": wg_hessian: " + wg_errmsg(p->t));
}

void run_gradient(void *ctx)
{
    problem *p = static_cast<problem *>(ctx);
    if (gradient(TAG, p->N, p->x0.data(), p->g.data()) < 0)
        die(p->name + ": ADOL-C gradient() failed");
}

void run_hess_vec(void *ctx)
{
    problem *p = static_cast<problem *>(ctx);
    if (hess_vec(TAG, p->N, p->x0.data(), p->v.data(), p->hv.data()) < 0)
        die(p->name + ": ADOL-C hess_vec() failed");
}

void run_hessian(void *ctx)
{
    problem *p = static_cast<problem *>(ctx);
    if (hessian(TAG, p->N, p->x0.data(), p->Hrows.data()) < 0)
        die(p->name + ": ADOL-C hessian() failed");
}

double rel_diff(const double *a, const double *ref, size_t n)
{
    double err = 0, scale = 0;
    for (size_t j = 0; j < n; j++) {
        double e = std::fabs(a[j] - ref[j]);
        if (!(e <= err))
            err = e;
        scale = std::fmax(scale, std::fabs(ref[j]));
    }
    return err == 0 ? 0.0 : scale > 0 ? err / scale : INFINITY;
}

void human_time(double s, char *buf, size_t len)
{
    if (!(s == s))
        std::snprintf(buf, len, "%10s", "-");
    else if (s < 1e-3)
        std::snprintf(buf, len, "%7.1f us", s * 1e6);
    else if (s < 1)
        std::snprintf(buf, len, "%7.2f ms", s * 1e3);
    else
        std::snprintf(buf, len, "%7.3f s ", s);
}

struct row {
    std::string name;
    int N;
    double wg_grad, wg_hvp, wg_ratio, wg_hess;
    double ad_grad, ad_hvp, ad_ratio, ad_hess;
    bool ok;
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
                std::fprintf(stderr, "bench_hessian_adolc: -t wants seconds, got \"%s\"\n",
                             argv[a]);
                return 2;
            }
        } else if (argv[a][0] == '-') {
            std::fprintf(stderr, "usage: bench_hessian_adolc [-t SECONDS] [DATADIR]\n");
            return 2;
        } else
            dir = argv[a];
    }
    static const char *const files[] = { "gmm/1k/gmm_d2_K5.txt", "gmm/1k/gmm_d10_K5.txt" };
    gmm_input gin[2];
    for (int i = 0; i < 2; i++) {
        char path[4096], err[512];
        std::snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (gmm_read(path, &gin[i], err, sizeof err) != 0)
            die(err);
    }

    std::printf("\nSecond order: ADOL-C's drivers beside libwengert %s (same scalar functions, "
                "same process)\n", wg_version());
    std::printf("checks: ADOL-C's H v (and dense Hessian) against libwengert's, max |difference| "
                "/ max |ours| <= %g\n\n", AGREE_RTOL);
    struct spec { kind k; int g; bool dense; };
    const spec specs[] = { { ROSEN, -1, true }, { PRIOR, 0, true }, { PRIOR, 1, true },
                           { GMM, 0, true }, { GMM, 1, false } };
    std::vector<row> rows;
    int ok = 1;
    for (const spec &s : specs) {
        problem p;
        p.k = s.k;
        p.in = s.g >= 0 ? &gin[s.g] : nullptr;
        char name[64];
        if (s.k == ROSEN) {
            std::snprintf(name, sizeof name, "Rosen n=%d", ROSEN_N);
            p.N = ROSEN_N;
            for (int i = 0; i < p.N; i++)
                p.x0.push_back(i % 2 ? 1.0 : -1.2);
        } else if (s.k == PRIOR) {
            std::snprintf(name, sizeof name, "prior d=%d K=%d", p.in->d, p.in->K);
            p.N = p.in->K * (int)gmm_icf_len(p.in->d);
            p.x0.assign(p.in->icf, p.in->icf + p.N);
        } else {
            std::snprintf(name, sizeof name, "GMM d=%d K=%d scalar", p.in->d, p.in->K);
            p.N = (int)gmm_nparams(p.in);
            p.x0.resize(p.N);
            gmm_pack(p.in, p.x0.data());
            p.tscratch.resize(gmm_scratch_len(p.in));
        }
        p.name = name;
        rng_state = UINT64_C(0x853C49E6748FEA9B);
        for (int j = 0; j < p.N; j++)
            p.v.push_back(2.0 * rng_uniform() - 1.0);
        p.g.assign(p.N, 0.0);
        p.hv.assign(p.N, 0.0);
        p.g_ours.assign(p.N, 0.0);
        p.hv_ours.assign(p.N, 0.0);
        p.xs.resize(p.N);
        p.t = wg_tape_new();
        if (!p.t)
            die("out of memory for a tape");
        record_ours(&p);
        record_adolc(&p);

        row r;
        r.name = p.name;
        r.N = p.N;
        r.wg_hess = r.ad_hess = NAN;
        run_wg_hvp(&p);
        run_hess_vec(&p);
        const double fdiff = std::fabs(p.f_adolc - wg_value(p.t, p.y)) / std::fabs(p.f_adolc);
        const double hdiff = rel_diff(p.hv.data(), p.hv_ours.data(), p.hv.size());
        double Hdiff = 0;
        if (s.dense) {
            const size_t N = (size_t)p.N;
            p.H_ours.assign(N * N, 0.0);
            p.Hbuf.assign(N * N, 0.0);
            for (size_t i = 0; i < N; i++)
                p.Hrows.push_back(p.Hbuf.data() + i * N);
            run_wg_hessian(&p);
            run_hessian(&p);
            // hessian() fills the lower triangle only
            double err = 0, scale = 0;
            for (size_t i = 0; i < N; i++)
                for (size_t j = 0; j <= i; j++) {
                    err = std::fmax(err, std::fabs(p.Hbuf[i * N + j] - p.H_ours[i * N + j]));
                    scale = std::fmax(scale, std::fabs(p.H_ours[i * N + j]));
                }
            Hdiff = err == 0 ? 0.0 : scale > 0 ? err / scale : INFINITY;
        }
        r.ok = fdiff <= AGREE_RTOL && hdiff <= AGREE_RTOL && Hdiff <= AGREE_RTOL;
        char hess[32] = "";
        if (s.dense)
            std::snprintf(hess, sizeof hess, ", Hessian %.1e", Hdiff);
        std::printf("  %-22s N=%-5d f %.1e, H v %.1e%s  %s\n", name, p.N, fdiff, hdiff, hess,
                    r.ok ? "ok" : "MISMATCH");
        std::fflush(stdout);
        ok &= r.ok;
        if (r.ok) {
            bench_ratio w = bench_pair(run_wg_hvp, run_wg_grad, &p, min_time);
            bench_ratio a = bench_pair(run_hess_vec, run_gradient, &p, min_time);
            r.wg_grad = w.ref;
            r.wg_hvp = w.fn;
            r.wg_ratio = w.ratio;
            r.ad_grad = a.ref;
            r.ad_hvp = a.fn;
            r.ad_ratio = a.ratio;
            if (s.dense) {
                r.wg_hess = bench_pair(run_wg_hessian, run_wg_grad, &p, min_time).fn;
                r.ad_hess = bench_pair(run_hessian, run_gradient, &p, min_time).fn;
            }
            rows.push_back(r);
        }
        wg_tape_free(p.t);
    }

    std::printf("\n%-22s %5s | %-42s | %s\n", "", "", "libwengert", "ADOL-C");
    std::printf("%-22s %5s | %9s %9s %7s %13s | %10s %10s %7s %10s\n", "problem", "N",
                "wg_grad", "wg_hvp", "ratio", "wg_hessian", "gradient()", "hess_vec()", "ratio",
                "hessian()");
    for (const row &r : rows) {
        char a[32], b[32], c[32], d[32], e[32], f[32];
        human_time(r.wg_grad, a, sizeof a);
        human_time(r.wg_hvp, b, sizeof b);
        human_time(r.wg_hess, c, sizeof c);
        human_time(r.ad_grad, d, sizeof d);
        human_time(r.ad_hvp, e, sizeof e);
        human_time(r.ad_hess, f, sizeof f);
        std::printf("%-22s %5d | %9s %9s %6.2fx %13s | %10s %10s %6.2fx %10s\n", r.name.c_str(),
                    r.N, a, b, r.wg_ratio, c, d, e, r.ad_ratio, f);
    }
    std::printf("each library on its own tape recorded once; ratio: H v over that library's own "
                "gradient,\nthe median over adjacent pairs (timing.h), >= %g s per figure.  "
                "ADOL-C's gradient() and\nhess_vec() each run their own forward sweep first; "
                "hessian() fills the lower triangle\n", min_time);
    for (int i = 0; i < 2; i++)
        gmm_free(&gin[i]);
    if (!ok)
        std::fprintf(stderr, "bench_hessian_adolc: ADOL-C and libwengert disagree (see above)\n");
    return ok ? 0 : 1;
}
