/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmm_data.h -- an ADBench GMM problem: the file, read strictly. */
#ifndef GMM_DATA_H
#define GMM_DATA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Line 1 `d K n`; K lines of one alpha; K lines of d means; K lines of
 * d(d+1)/2 icf values; n lines of d data values; a last line `gamma m`. */
typedef struct gmm_input {
    int d, K, n;
    double *alphas;     /* K */
    double *means;      /* K x d, row k is the mean of component k */
    double *icf;        /* K x d(d+1)/2: q (d values), then l column by column */
    double *x;          /* n x d data points */
    double gamma;       /* Wishart prior */
    int m;
} gmm_input;

/* parameters: alphas, means and icf, one after the other */
size_t gmm_icf_len(int d);                  /* d(d+1)/2 */
size_t gmm_nparams(const gmm_input *in);    /* K (1 + d + d(d+1)/2) */

/* Read path into in.  0 on success; -1 with a message "path:line: ..." in
 * err (errlen bytes) on a missing file, a malformed or missing value, a line
 * with too many values, or text after the last line.  On failure in holds
 * nothing to free. */
int  gmm_read(const char *path, gmm_input *in, char *err, size_t errlen);
void gmm_free(gmm_input *in);

/* Copy the parameters into one vector of gmm_nparams values. */
void gmm_pack(const gmm_input *in, double *params);

#ifdef __cplusplus
}
#endif
#endif /* GMM_DATA_H */
