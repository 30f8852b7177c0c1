/* SPDX-License-Identifier: GPL-3.0-or-later */
/* directions.c -- the random directions u and cotangents w of a check.
 *
 * Uniform on the unit sphere (gsl_ran_dir_nd: n Gaussians, normalized),
 * from one Mersenne Twister seeded by the options' seed: the same seed
 * draws the same directions, so a check's figures repeat bit for bit. */
#include "check_internal.h"

#include <gsl/gsl_randist.h>

gsl_rng *wg_chk_rng_new(uint64_t seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return NULL;
    /* mt19937 takes 32 bits of seed: fold the high half in, so seeds that
     * differ only above bit 31 still draw different directions */
    gsl_rng_set(r, (unsigned long)((seed ^ (seed >> 32)) & 0xffffffffu));
    return r;
}

void wg_chk_draw_unit(gsl_rng *r, size_t n, double *v)
{
    if (n == 0)
        return;
    gsl_ran_dir_nd(r, n, v);
}
