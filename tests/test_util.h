/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_util.h -- what every CUnit suite here shares: closeness in ulps and
 * a main() that runs the registered suites and exits non-zero on failure. */
#ifndef WG_TEST_UTIL_H
#define WG_TEST_UTIL_H

#include <CUnit/Basic.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* distance in units in the last place between two finite doubles */
static inline double wg_test_ulps(double a, double b)
{
    if (a == b)
        return 0;
    if (!isfinite(a) || !isfinite(b))
        return INFINITY;
    uint64_t ba, bb;
    memcpy(&ba, &a, sizeof ba);
    memcpy(&bb, &b, sizeof bb);
    /* map sign-magnitude bit patterns onto one increasing integer line
     * (-0 and +0 meet at 2^63), then subtract exactly in integers */
    const uint64_t sign = UINT64_C(1) << 63;
    uint64_t ka = (ba & sign) ? sign - (ba & ~sign) : sign + ba;
    uint64_t kb = (bb & sign) ? sign - (bb & ~sign) : sign + bb;
    return (double)(ka > kb ? ka - kb : kb - ka);
}

/* |a - b| <= rel * max(|a|, |b|) + abs, with a message naming both */
#define WG_ASSERT_CLOSE(a, b, rel, abs_) do {                                   \
        double wg_a_ = (a), wg_b_ = (b);                                        \
        double wg_tol_ = (rel) * fmax(fabs(wg_a_), fabs(wg_b_)) + (abs_);        \
        int wg_ok_ = fabs(wg_a_ - wg_b_) <= wg_tol_;                            \
        if (!wg_ok_)                                                            \
            fprintf(stderr, "\n  %s:%d: %s = %.17g vs %s = %.17g (tol %.3g)\n", \
                    __FILE__, __LINE__, #a, wg_a_, #b, wg_b_, wg_tol_);         \
        CU_ASSERT(wg_ok_);                                                      \
    } while (0)

#define WG_ASSERT_ULPS(a, b, n) do {                                            \
        double wg_a_ = (a), wg_b_ = (b), wg_u_ = wg_test_ulps(wg_a_, wg_b_);    \
        if (!(wg_u_ <= (n)))                                                    \
            fprintf(stderr, "\n  %s:%d: %s = %.17g vs %s = %.17g (%g ulps > %g)\n", \
                    __FILE__, __LINE__, #a, wg_a_, #b, wg_b_, wg_u_, (double)(n)); \
        CU_ASSERT(wg_u_ <= (n));                                                \
    } while (0)

typedef struct { const char *name; CU_TestFunc fn; } wg_test_case;

/* Register one suite and run every suite registered; exit status 0 only when
 * every assertion passed. */
static inline int wg_test_main(const char *suite, const wg_test_case *cases)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    CU_pSuite s = CU_add_suite(suite, NULL, NULL);
    if (!s)
        return 99;
    for (const wg_test_case *c = cases; c->name; c++)
        if (!CU_add_test(s, c->name, c->fn))
            return 99;
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}

#endif
