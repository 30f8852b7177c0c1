/* SPDX-License-Identifier: GPL-3.0-or-later */
/* builtin_suite.c -- the builtin suite: most cases are suite text (the
 * same format users write, doc/SUITE.md); C functions are Rosenbrock in 20
 * dimensions, the ADBench GMM objective, recorded through the benchmark's
 * own code on its test file, and the tensor cases (builtin_tensor.c). */
#define _POSIX_C_SOURCE 200809L /* readlink, access */

#include "builtin_suite.h"

#include "gmm_objective.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where the GMM case's data (gmm/test.txt) is looked for, the first
 * folder that holds it:
 *  1. the installed copy beside this program: from the folder the program
 *     runs from (/proc/self/exe), the way from bindir to pkgdatadir (both
 *     given by the build), so that an installed tree moved elsewhere (a
 *     DESTDIR install, a relocated prefix) still finds its own data;
 *  2. pkgdatadir as configured (WG_PKGDATADIR);
 *  3. the source tree's bench/data (WG_BENCH_DATA: a program run from its
 *     build tree, and the tests).
 * None of them is needed once the program is installed: the source tree
 * may be deleted (.ci/run checks it). */
#ifdef WG_BENCH_DATA
static const char bench_data[] = WG_BENCH_DATA;
#else
static const char bench_data[] = "";
#endif
#if defined(WG_PKGDATADIR) && defined(WG_BINDIR)
static const char pkgdatadir[] = WG_PKGDATADIR, bindir[] = WG_BINDIR;
#else
static const char pkgdatadir[] = "", bindir[] = "";
#endif

static int has_data(const char *dir)
{
    char path[4096];
    int w = snprintf(path, sizeof path, "%s/gmm/test.txt", dir);
    return w > 0 && (size_t)w < sizeof path && access(path, R_OK) == 0;
}

/* pkgdatadir seen from the folder of this program: up from bindir to the
 * folders they share, then down; into buf, or 0 when it cannot be found */
static int beside_program(char *buf, size_t len)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || !bindir[0] || !pkgdatadir[0])
        return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = '\0';                     /* the program's folder */
    size_t common = 0;                  /* length of the shared leading folders */
    for (size_t i = 0; bindir[i] && bindir[i] == pkgdatadir[i]; i++)
        if (bindir[i + 1] == '\0' || bindir[i + 1] == '/')
            if (pkgdatadir[i + 1] == '\0' || pkgdatadir[i + 1] == '/')
                common = i + 1;
    size_t o = (size_t)snprintf(buf, len, "%s", exe);
    for (const char *p = bindir + common; *p && o < len; p++)
        if (*p == '/' && p[1] && p[1] != '/')
            o += (size_t)snprintf(buf + o, len - o, "/..");
    if (o < len)
        o += (size_t)snprintf(buf + o, len - o, "%s", pkgdatadir + common);
    return o < len;
}

const char *wg_builtin_data_dir(void)
{
    static char found[4096];
    if (beside_program(found, sizeof found) && has_data(found))
        return found;
    if (pkgdatadir[0] && has_data(pkgdatadir))
        return pkgdatadir;
    if (bench_data[0] && has_data(bench_data))
        return bench_data;
    return NULL;
}

/* One line per string: joined with line breaks, so that a message about
 * the text names line k + 1 for builtin_text[k]. 2 pi is written as the
 * double nearest to it. */
static const char *const builtin_text[] = {
    "# classic test functions, away from their minima (where a gradient of 0",
    "# would make every relative error an absolute one)",
    "rosenbrock: 100*(y - x^2)^2 + (1 - x)^2 @ x=-1.2, y=1 ; directions=5",
    "beale: (1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2 @ x=1, y=1.5",
    "booth: (x + 2*y - 7)^2 + (2*x + y - 5)^2 @ x=0.5, y=-1.5",
    "himmelblau: (x^2 + y - 11)^2 + (x + y^2 - 7)^2 @ x=[-4, 4], y=[-4, 4] ; points=4 ; seed=7",
    "ackley: -20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(6.283185307179586*x) + "
    "cos(6.283185307179586*y))) + exp(1) + 20 @ x=0.7, y=-1.3",
    "rastrigin: 20 + x^2 - 10*cos(6.283185307179586*x) + y^2 - 10*cos(6.283185307179586*y) "
    "@ x=[-5.12, 5.12], y=[-5.12, 5.12] ; points=3 ; seed=11",
    "styblinski-tang: 0.5*(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y) @ x=-2.5, y=1.7",
    "matyas: 0.26*(x^2 + y^2) - 0.48*x*y @ x=3, y=-2",
    "three-hump camel: 2*x^2 - 1.05*x^4 + x^6/6 + x*y + y^2 @ x=1.1, y=-0.4",
    "goldstein-price: (1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))"
    " * (30 + (2*x - 3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2)) @ x=0.3, y=-0.8",
    "",
    "# machine learning: log-sum-exp with the max subtracted (exp(800) would",
    "# overflow), softmax cross-entropy, a small network written out",
    "log-sum-exp: {",
    "  input a = 800",
    "  input b = 799.2",
    "  input c = 801.3",
    "  # stop_gradient keeps the shift out of the derivative: logsumexp does",
    "  # not depend on it",
    "  m = stop_gradient(max(max(a, b), c))",
    "  y = m + log(exp(a - m) + exp(b - m) + exp(c - m))",
    "  output y",
    "} ; directions=4",
    "softmax cross-entropy: {",
    "  # 4 classes, the true one is 2: loss = logsumexp(z) - z2",
    "  input z1 = 0.2",
    "  input z2 = -1.1",
    "  input z3 = 2.4",
    "  input z4 = 0.7",
    "  m = max(max(z1, z2), max(z3, z4))",
    "  lse = m + log(exp(z1 - m) + exp(z2 - m) + exp(z3 - m) + exp(z4 - m))",
    "  loss = lse - z2",
    "  output loss",
    "}",
    "mlp 2-3-1: {",
    "  # 3 tanh units, a sigmoid output, squared error on one example",
    "  # x = (0.5, -1.2) with target 0.3; the inputs are the 13 weights",
    "  input w11 = 0.3",
    "  input w12 = -0.8",
    "  input w21 = 1.1",
    "  input w22 = 0.4",
    "  input w31 = -0.5",
    "  input w32 = 0.9",
    "  input b1 = 0.1",
    "  input b2 = -0.2",
    "  input b3 = 0.05",
    "  input u1 = 0.7",
    "  input u2 = -1.3",
    "  input u3 = 0.6",
    "  input c = 0.2",
    "  h1 = tanh(0.5*w11 - 1.2*w12 + b1)",
    "  h2 = tanh(0.5*w21 - 1.2*w22 + b2)",
    "  h3 = tanh(0.5*w31 - 1.2*w32 + b3)",
    "  out = sigmoid(u1*h1 + u2*h2 + u3*h3 + c)",
    "  loss = (out - 0.3)^2",
    "  output loss",
    "} ; directions=5",
    "",
    "# the seed examples",
    "seed ln(x1)+x1*x2-sin(x2): log(x1) + x1*x2 - sin(x2) @ x1=2, x2=5",
    "seed x1*x2+x2-ln(x1): x1*x2 + x2 - log(x1) @ x1=3, x2=-4",
    "seed log(x^2)*sin(x)+1/x: log(x^2)*sin(x) + 1/x @ x=-2 @ x=0.5 @ x=[0.1, 10] ; points=3 ; seed=3",
    "",
    "# cancellation: the values lose digits, the derivatives must not lose",
    "# more than their error bounds allow",
    "cancellation (1+x)^8-1: (1 + x)^8 - 1 @ x=1e-9",
    "cancellation exp(x)-1: exp(x) - 1 @ x=1e-10",
    "cancellation sqrt(x^2+1)-x: sqrt(x^2 + 1) - x @ x=1e6",
    "alternating polynomial: x^6 - 12*x^5 + 60*x^4 - 160*x^3 + 240*x^2 - 192*x + 64 @ x=2.01",
    "",
    "# kinks: the one-sided derivatives differ, whatever convention AD follows",
    "relu at 0: relu(x - y) + x*y @ x=1, y=1 ; expect=nondiff",
    "abs at 0: abs(x) + y^2 @ x=0, y=0.5 ; expect=nondiff",
    "max at a tie: 2*max(x, y) @ x=1.5, y=1.5 ; expect=nondiff",
    "min at a tie: min(x*y, x + y) @ x=2, y=2 ; expect=nondiff",
    "hypot at the origin: hypot(x, y) @ x=0, y=0 ; expect=nondiff",
    "",
    "# domain edges: an intermediate lands on the edge of an op's domain",
    "sqrt at the edge of its domain: sqrt(1 - x^2) + y @ x=1, y=0.5 ; expect=invalid",
    "log of an intermediate 0: log(x*y - 1) @ x=2, y=0.5 ; expect=invalid",
    "",
    "# several outputs",
    "polar to cartesian: {",
    "  input r = 2.5",
    "  input theta = 0.7",
    "  px = r * cos(theta)",
    "  py = r * sin(theta)",
    "  output px, py",
    "} ; directions=4 ; full_jacobian",
    "cartesian to polar: {",
    "  input px = 1.2",
    "  input py = -0.5",
    "  rho = hypot(px, py)",
    "  phi = atan2(py, px)",
    "  output rho, phi",
    "}",
    "",
    "# the rest of the op table",
    "trigonometry: tan(x) + asin(y)*acos(y) + atan(x*y) + cbrt(x - 3) @ x=0.4, y=-0.3",
    "hyperbolic and friends: sinh(x)*cosh(y) + tanh(x - y) + softplus(x + y) + erf(x*y)"
    " @ x=0.6, y=-0.9",
    "powers and logs: pow(x, y) + x^0.5 + x^-2 + square(y) + recip(x + y) + log1p(x*y)"
    " - expm1(-x) @ x=1.3, y=0.8",
    "branches: lt(x, 1)*x^2 + ge(x, 1)*(2*x - 1) + le(y, 0)*y + gt(y, 0)*y^3 + eq(x, y)"
    " + ne(x, y) + step(y - x)*x + sign(x - y)*y^2 @ x=0.5, y=2",
    NULL
};

/* ---------------------------------------------------------------- Rosenbrock in 20 dimensions */

#define ROSEN_N 20

/* sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 */
static int record_rosenbrock(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m,
                             void *ctx)
{
    (void)ctx;
    (void)m;
    wg_var f = { 0 };
    for (size_t i = 0; i + 1 < n; i++) {
        wg_var a = wg_mul_c(t, wg_square(t, wg_sub(t, x[i + 1], wg_square(t, x[i]))), 100);
        wg_var b = wg_square(t, wg_add_c(t, wg_neg(t, x[i]), 1));
        wg_var term = wg_add(t, a, b);
        f = i == 0 ? term : wg_add(t, f, term);
    }
    y[0] = f;
    return wg_status(t);
}

static int add_rosenbrock(wg_suite *s)
{
    char names[ROSEN_N][8];
    const char *np[ROSEN_N];
    double point[ROSEN_N];
    for (int i = 0; i < ROSEN_N; i++) {
        snprintf(names[i], sizeof names[i], "x%d", i + 1);
        np[i] = names[i];
        point[i] = i % 2 ? 1.0 : -1.2;  /* the classic start, in every pair */
    }
    wg_suite_fn f = {
        .name = "rosenbrock 20-d", .record = record_rosenbrock, .n = ROSEN_N, .names = np,
        .point = point, .m = 1, .expect = WG_VERDICT_PASS
    };
    return wg_suite_add_fn(s, &f);
}

/* ---------------------------------------------------------------- ADBench GMM */

static const char gmm_case[] = "ADBench GMM d=2 K=3 n=1";
static const char gmm_file[] = "gmm/test.txt";

static int record_gmm(wg_tape *t, const wg_var *x, size_t n, wg_var *y, size_t m, void *ctx)
{
    (void)n;
    (void)m;
    const gmm_input *in = ctx;
    wg_var *scratch = malloc(gmm_scratch_len(in) * sizeof *scratch);
    if (!scratch)
        return WG_ENOMEM;
    y[0] = gmm_objective_tape(t, in, x, scratch);
    free(scratch);
    return wg_status(t);
}

void wg_builtin_free_gmm(void *ctx)
{
    gmm_free(ctx);
    free(ctx);
}

int wg_builtin_add_gmm(wg_suite *s, const char *data_dir, const char *name, wg_record_fn record)
{
    char why[600];
    if (!data_dir || !*data_dir) {
        snprintf(why, sizeof why, "no data folder to read %s from: give it with --data DIR "
                 "(the source tree's bench/data)", gmm_file);
        return wg_suite_add_unavailable(s, name, WG_VERDICT_PASS, why);
    }
    size_t dl = strlen(data_dir);
    char *path = malloc(dl + 1 + sizeof gmm_file);
    gmm_input *in = calloc(1, sizeof *in);
    if (!path || !in) {
        free(path);
        free(in);
        return WG_ENOMEM;
    }
    snprintf(path, dl + 1 + sizeof gmm_file, "%s/%s", data_dir, gmm_file);
    char err[400];
    if (gmm_read(path, in, err, sizeof err) != 0) {
        free(path);
        free(in);
        snprintf(why, sizeof why, "%s (give the folder that holds %s with --data DIR)", err,
                 gmm_file);
        return wg_suite_add_unavailable(s, name, WG_VERDICT_PASS, why);
    }
    free(path);
    /* parameters: alphas, then means, then icf (q: d log-diagonal values,
     * then l: the strict lower triangle) per component */
    const size_t np = gmm_nparams(in), d = (size_t)in->d, K = (size_t)in->K;
    const size_t nicf = gmm_icf_len(in->d);
    double *point = malloc(np * sizeof *point);
    char (*names)[32] = malloc(np * sizeof *names);
    const char **nptr = malloc(np * sizeof *nptr);
    if (!point || !names || !nptr) {
        free(point);
        free(names);
        free(nptr);
        wg_builtin_free_gmm(in);
        return WG_ENOMEM;
    }
    gmm_pack(in, point);
    size_t i = 0;
    for (size_t k = 0; k < K; k++)
        snprintf(names[i++], sizeof names[0], "alpha%zu", k + 1);
    for (size_t k = 0; k < K; k++)
        for (size_t j = 0; j < d; j++)
            snprintf(names[i++], sizeof names[0], "mu%zu_%zu", k + 1, j + 1);
    for (size_t k = 0; k < K; k++)
        for (size_t j = 0; j < nicf; j++)
            snprintf(names[i++], sizeof names[0], j < d ? "q%zu_%zu" : "l%zu_%zu", k + 1,
                     j < d ? j + 1 : j - d + 1);
    for (i = 0; i < np; i++)
        nptr[i] = names[i];
    wg_suite_fn f = {
        .name = name, .record = record, .ctx = in, .free_ctx = wg_builtin_free_gmm, .n = np,
        .names = nptr, .point = point, .m = 1, .expect = WG_VERDICT_PASS
    };
    int st = wg_suite_add_fn(s, &f);    /* owns in from here on, also on failure */
    free(point);
    free(names);
    free(nptr);
    return st;
}

/* ---------------------------------------------------------------- the suite */

static char *joined_text(void)
{
    size_t len = 1;
    for (size_t k = 0; builtin_text[k]; k++)
        len += strlen(builtin_text[k]) + 1;
    char *text = malloc(len), *p = text;
    if (!text)
        return NULL;
    for (size_t k = 0; builtin_text[k]; k++) {
        size_t l = strlen(builtin_text[k]);
        memcpy(p, builtin_text[k], l);
        p[l] = '\n';
        p += l + 1;
    }
    *p = '\0';
    return text;
}

wg_suite *wg_builtin_suite(const char *data_dir, wg_parse_error *err)
{
    wg_parse_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    char *text = joined_text();
    wg_suite *s = text ? wg_suite_read_string(text, "builtin", NULL, err) : NULL;
    free(text);
    if (!s) {
        if (!text) {
            err->status = WG_ENOMEM;
            snprintf(err->message, sizeof err->message, "builtin: error: out of memory");
        }
        return NULL;
    }
    int st = wg_builtin_add_gmm(s, data_dir, gmm_case, record_gmm);
    if (st == WG_OK)
        st = add_rosenbrock(s);
    if (st == WG_OK)
        st = wg_builtin_add_tensor_cases(s, data_dir);
    if (st != WG_OK) {
        wg_suite_free(s);
        err->status = st;
        snprintf(err->message, sizeof err->message, "builtin: error: %s", wg_strerror(st));
        return NULL;
    }
    return s;
}
