/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmm_objective.c -- the GMM objective in double and on a wg_tape: two
 * instances of gmm_objective_body.h.  The double ops below are written as
 * the library's kernels compute them (lib/op_kernels.h: square is a*a, max
 * keeps its first argument at a tie), so both instances round alike. */
#include "gmm_objective.h"

#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

size_t gmm_scratch_len(const gmm_input *in)
{
    return (size_t)in->K * (size_t)in->d + 3 * (size_t)in->K + 2 * (size_t)in->d;
}

/* log Gamma_d(a) = d(d-1)/4 log(pi) + sum_{j=1..d} log Gamma(a + (1-j)/2) */
static double log_multigamma(int d, double a)
{
    double s = 0.25 * d * (d - 1) * log(M_PI);
    for (int j = 1; j <= d; j++)
        s += lgamma(a + 0.5 * (1 - j));
    return s;
}

double gmm_constant(const gmm_input *in)
{
    const int d = in->d;
    const double np = d + in->m + 1;    /* n', the Wishart degrees of freedom */
    const double C = np * d * (log(in->gamma) - 0.5 * log(2.0)) - log_multigamma(d, 0.5 * np);
    return -0.5 * in->n * d * log(2 * M_PI) - in->K * C;
}

/* ---------------------------------------------------------------- double */
#define GMM_REAL double
#define GMM_CTX_DECL
#define GMM_CTX
#define GMM_SYM(name) gmm_d_##name
#define GMM_ADD(a, b) ((a) + (b))
#define GMM_SUB(a, b) ((a) - (b))
#define GMM_MUL(a, b) ((a) * (b))
#define GMM_SQUARE(a) ((a) * (a))
#define GMM_EXP(a) exp(a)
#define GMM_LOG(a) log(a)
#define GMM_MAX(a, b) ((a) >= (b) ? (a) : (b))
#define GMM_STOP(a) (a)
#define GMM_ADD_C(a, c) ((a) + (c))
#define GMM_MUL_C(a, c) ((a) * (c))
#include "gmm_objective_body.h"
#undef GMM_REAL
#undef GMM_CTX_DECL
#undef GMM_CTX
#undef GMM_SYM
#undef GMM_ADD
#undef GMM_SUB
#undef GMM_MUL
#undef GMM_SQUARE
#undef GMM_EXP
#undef GMM_LOG
#undef GMM_MAX
#undef GMM_STOP
#undef GMM_ADD_C
#undef GMM_MUL_C

/* ---------------------------------------------------------------- tape */
#define GMM_REAL wg_var
#define GMM_CTX_DECL wg_tape *t,
#define GMM_CTX t,
#define GMM_SYM(name) gmm_t_##name
#define GMM_ADD(a, b) wg_add(t, a, b)
#define GMM_SUB(a, b) wg_sub(t, a, b)
#define GMM_MUL(a, b) wg_mul(t, a, b)
#define GMM_SQUARE(a) wg_square(t, a)
#define GMM_EXP(a) wg_exp(t, a)
#define GMM_LOG(a) wg_log(t, a)
#define GMM_MAX(a, b) wg_max(t, a, b)
#define GMM_STOP(a) wg_stop_gradient(t, a)
#define GMM_ADD_C(a, c) wg_add_c(t, a, c)
#define GMM_MUL_C(a, c) wg_mul_c(t, a, c)
#include "gmm_objective_body.h"

double gmm_objective(const gmm_input *in, const double *params, double *scratch)
{
    return gmm_d_objective(in, params, scratch);
}

wg_var gmm_objective_tape(wg_tape *t, const gmm_input *in, const wg_var *xs, wg_var *scratch)
{
    return gmm_t_objective(t, in, xs, scratch);
}

wg_var gmm_record(wg_tape *t, const gmm_input *in, const double *params, wg_var *xs,
                  wg_var *scratch)
{
    size_t np = gmm_nparams(in);
    for (size_t j = 0; j < np; j++)
        xs[j] = wg_input(t, params[j]);
    return gmm_t_objective(t, in, xs, scratch);
}
