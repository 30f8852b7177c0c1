/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* tensor.c -- a softmax classifier with tensors: Z = X W + b (b broadcast
 * over the rows), the mean negative log-likelihood of logsoftmax(Z), its
 * gradient over W and b, and a few steps of gradient descent that record
 * the tape again each step (wg_tape_clear keeps the memory).
 *
 *   cc tensor.c $(pkg-config --cflags --libs --static wengert) -o tensor */
#include <stdio.h>
#include <stdlib.h>
#include <wengert.h>

#define N 64        /* batch */
#define D 20        /* features */
#define C 4         /* classes */

int main(void)
{
    static double X[N * D], Y[N * C], W[D * C], b[C], g[D * C + C];
    /* made-up data: the class is the block of features with the largest sum */
    unsigned s = 12345;
    for (int i = 0; i < N; i++) {
        double best = -1e300;
        int cls = 0;
        for (int j = 0; j < D; j++) {
            s = s * 1103515245u + 12345u;
            X[i * D + j] = ((s >> 8) & 0xffff) / 65536.0 - 0.5;
        }
        for (int c = 0; c < C; c++) {
            double sum = 0;
            for (int j = c * (D / C); j < (c + 1) * (D / C); j++)
                sum += X[i * D + j];
            if (sum > best) {
                best = sum;
                cls = c;
            }
        }
        Y[i * C + cls] = 1;
    }

    wg_tape *t = wg_tape_new();
    if (!t)
        return 1;
    double loss = 0;
    for (int step = 0; step < 50; step++) {
        wg_tape_clear(t);
        wg_var Xv = wg_tensor_const(t, 2, (size_t[]){ N, D }, X);
        wg_var Yv = wg_tensor_const(t, 2, (size_t[]){ N, C }, Y);
        wg_var Wv = wg_tensor_input(t, 2, (size_t[]){ D, C }, W);
        wg_var bv = wg_tensor_input(t, 1, (size_t[]){ C }, b);
        wg_var Z = wg_add(t, wg_matmul(t, Xv, Wv), bv);
        wg_var L = wg_logsoftmax(t, Z, 1);
        wg_var l = wg_mul_c(t, wg_sum(t, wg_mul(t, L, Yv), 0, NULL, 0), -1.0 / N);
        if (wg_grad(t, l, 2, (wg_var[]){ Wv, bv }, g) != WG_OK) {
            fprintf(stderr, "%s\n", wg_errmsg(t));     /* names node, op and shapes */
            wg_tape_free(t);
            return 1;
        }
        loss = wg_value(t, l);
        if (step % 10 == 0)
            printf("step %2d: loss %.6f\n", step, loss);
        for (int k = 0; k < D * C; k++)
            W[k] -= 2.0 * g[k];
        for (int c = 0; c < C; c++)
            b[c] -= 2.0 * g[D * C + c];
    }
    printf("final loss %.6f (started at log %d = %.6f)\n", loss, C, 1.3862943611198906);
    wg_tape_free(t);
    return loss < 1.3862943611198906 ? 0 : 1;   /* descent must have made progress */
}
