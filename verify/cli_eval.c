/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_eval.c -- evaluation: the values at the point, the Jacobian in reverse
 * mode (one VJP per output) and in forward mode (one JVP per input), the
 * trace tables, --jvp and --hessian; printed as text or as one JSON object. */
#define _GNU_SOURCE /* open_memstream */

#include "cli.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Full precision: the shortest of %.15g..%.17g that reads back to the same
 * double, so a printed figure can be pasted back in exactly. */
const char *cli_full(double v, char *buf)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, 40, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

/* ---------------------------------------------------------------- the run */


static void free_labels(char **lab, size_t n)
{
    for (size_t k = 0; lab && k < n; k++)
        free(lab[k]);
    free(lab);
}

/* one name per element of the handles v: the handle's name, with the
 * element's index for a tensor ("W[0,1]"); NULL when out of memory */
static char **element_labels(wg_tape *t, size_t n, const wg_var *v, const char *(*name)(
                                 const wg_graph *, size_t), const wg_graph *g, size_t total)
{
    char **lab = calloc(total ? total : 1, sizeof *lab);
    if (!lab)
        return NULL;
    size_t o = 0;
    for (size_t j = 0; j < n; j++) {
        size_t dim[WG_MAX_RANK], ne = wg_numel(t, v[j]);
        int rank = wg_shape(t, v[j], dim);
        for (size_t e = 0; e < ne; e++, o++) {
            char idx[WG_MAX_RANK * 21 + 3] = "";
            if (rank > 0) {
                size_t rest = e, used = 0, mult[WG_MAX_RANK], m = 1;
                for (int d = rank - 1; d >= 0; d--) {
                    mult[d] = m;
                    m *= dim[d];
                }
                idx[used++] = '[';
                for (int d = 0; d < rank; d++) {
                    int w = snprintf(idx + used, sizeof idx - used, d ? ",%zu" : "%zu",
                                     mult[d] ? rest / mult[d] : 0);
                    used += w > 0 ? (size_t)w : 0;
                    rest = mult[d] ? rest % mult[d] : 0;
                }
                snprintf(idx + used, sizeof idx - used, "]");
            }
            const char *nm = name(g, j);
            size_t len = strlen(nm) + strlen(idx) + 1;
            if (!(lab[o] = malloc(len))) {
                free_labels(lab, total);
                return NULL;
            }
            snprintf(lab[o], len, "%s%s", nm, idx);
        }
    }
    return lab;
}

void cli_results_free(results *r)
{
    free_labels(r->xlab, r->N);
    free_labels(r->ylab, r->M);
    free(r->x0);
    free(r->x);
    free(r->y);
    free(r->val);
    free(r->rev);
    free(r->fwd);
    free(r->u);
    free(r->jvp_u);
    free(r->jvp);
    free(r->traces);
    free(r->hess);
    free(r->hess_rr);
}

/* a failed derivative call: the tape's message names node and cause */
static int tape_failure(wg_tape *t, const char *what, int s)
{
    if (s == WG_ENOMEM)
        return cli_out_of_memory();
    return cli_fail("%s: %s", what, wg_errmsg(t)[0] ? wg_errmsg(t) : wg_strerror(s));
}

/* the trace tables into one string: primal, tangent along u, one adjoint
 * table per output */
static int run_traces(results *r)
{
    size_t len = 0;
    FILE *f = open_memstream(&r->traces, &len);
    if (!f)
        return cli_out_of_memory();
    int s = wg_trace_primal(r->g, f);
    if (s == WG_OK) {
        fputc('\n', f);
        s = wg_trace_tangent(r->g, r->u, f);
    }
    for (size_t k = 0; k < r->m && s == WG_OK; k++) {
        fputc('\n', f);
        s = wg_trace_adjoint(r->g, k, f);
    }
    if (fclose(f) != 0 && s == WG_OK)
        s = WG_ENOMEM;
    return s == WG_OK ? 0 : tape_failure(r->t, "trace", s);
}

/* --hessian: the dense Hessian of the one output twice, by wg_hessian (the
 * library's second order in double) and by reverse over reverse: the
 * gradient recorded as a graph (wg_grad_graph), then one VJP of its nodes
 * per row, H_i = e_i^T (dg/dx).  The second appends the gradient graph to
 * the tape: it runs last, after everything that reads the tape. */
static int hessians(results *r)
{
    wg_tape *t = r->t;
    size_t N = r->N, n = r->n;
    if (r->M != 1)
        return cli_fail("--hessian: the function has %zu output elements; the Hessian needs one",
                        r->M);
    if (N && N > SIZE_MAX / sizeof(double) / N)
        return cli_out_of_memory();
    size_t nn = N ? N * N : 1;
    r->hess = malloc(nn * sizeof *r->hess);
    r->hess_rr = malloc(nn * sizeof *r->hess_rr);
    double *e = calloc(N ? N : 1, sizeof *e);
    wg_var *g = malloc((n ? n : 1) * sizeof *g);
    if (!r->hess || !r->hess_rr || !e || !g) {
        free(e);
        free(g);
        return cli_out_of_memory();
    }
    int s = N ? wg_hessian(t, r->y[0], n, r->x, r->hess) : WG_OK;
    r->hess_method = wg_hessian_method_name(wg_hessian_last_method(t));
    if (s != WG_OK) {
        free(e);
        free(g);
        return tape_failure(t, "--hessian (wg_hessian)", s);
    }
    if (N && (s = wg_grad_graph(t, r->y[0], n, r->x, g)) != WG_OK) {
        free(e);
        free(g);
        return tape_failure(t, "--hessian (wg_grad_graph)", s);
    }
    for (size_t i = 0; i < N && s == WG_OK; i++) {
        e[i] = 1;
        s = wg_vjp(t, n, g, e, n, r->x, r->hess_rr + i * N);
        e[i] = 0;
    }
    free(e);
    free(g);
    if (s != WG_OK)
        return tape_failure(t, "--hessian (reverse over reverse)", s);
    r->hmaxdiff = r->hmaxrel = 0;
    for (size_t k = 0; k < N * N; k++) {
        double d = fabs(r->hess[k] - r->hess_rr[k]);
        double scale = fmax(fabs(r->hess[k]), fabs(r->hess_rr[k]));
        if (d > r->hmaxdiff)
            r->hmaxdiff = d;
        if (scale > 0 && d / scale > r->hmaxrel)
            r->hmaxrel = d / scale;
    }
    return 0;
}

int cli_compute(const options *o, results *r)
{
    wg_tape *t = r->t;
    size_t n = r->n, m = r->m;
    int s;
    r->x = malloc((n ? n : 1) * sizeof *r->x);
    r->y = malloc(m * sizeof *r->y);
    if (!r->x || !r->y)
        return cli_out_of_memory();
    for (size_t j = 0; j < n; j++)
        r->x[j] = wg_graph_input(r->g, j);
    for (size_t k = 0; k < m; k++)
        r->y[k] = wg_graph_output(r->g, k);
    /* a tensor input or output counts once per element */
    r->N = r->M = 0;
    for (size_t j = 0; j < n; j++)
        r->N += wg_numel(t, r->x[j]);
    for (size_t k = 0; k < m; k++)
        r->M += wg_numel(t, r->y[k]);
    size_t N = r->N, M = r->M;
    if (N && M > SIZE_MAX / sizeof(double) / N)
        return cli_out_of_memory();
    size_t mn = M * N > 0 ? M * N : 1;
    r->val = calloc(M ? M : 1, sizeof *r->val);
    r->x0 = malloc((N ? N : 1) * sizeof *r->x0);
    r->rev = malloc(mn * sizeof *r->rev);
    r->fwd = malloc(mn * sizeof *r->fwd);
    r->u = calloc(N ? N : 1, sizeof *r->u);
    r->xlab = element_labels(t, n, r->x, wg_graph_input_name, r->g, N);
    r->ylab = element_labels(t, m, r->y, wg_graph_output_name, r->g, M);
    if (!r->val || !r->x0 || !r->rev || !r->fwd || !r->u || !r->xlab || !r->ylab)
        return cli_out_of_memory();
    for (size_t j = 0, off = 0; j < n; off += wg_numel(t, r->x[j]), j++)
        wg_tensor_value(t, r->x[j], r->x0 + off);
    for (size_t k = 0, off = 0; k < m; off += wg_numel(t, r->y[k]), k++)
        wg_tensor_value(t, r->y[k], r->val + off);

    /* the Jacobian twice: reverse mode (one sweep per output element: the
     * rows) and forward mode (the columns) */
    if (N && (s = wg_jacobian_rev(t, m, r->y, n, r->x, r->rev)) != WG_OK)
        return tape_failure(t, "reverse mode", s);
    if (N && (s = wg_jacobian_fwd(t, m, r->y, n, r->x, r->fwd)) != WG_OK)
        return tape_failure(t, "forward mode", s);
    r->maxdiff = r->maxrel = 0;
    for (size_t k = 0; k < M * N; k++) {
        double d = fabs(r->rev[k] - r->fwd[k]);
        double scale = fmax(fabs(r->rev[k]), fabs(r->fwd[k]));
        if (d > r->maxdiff)
            r->maxdiff = d;
        if (scale > 0 && d / scale > r->maxrel)
            r->maxrel = d / scale;
    }

    if (o->jvp) {
        size_t k;
        int rc = cli_parse_vector("--jvp", o->jvp, &r->jvp_u, &k);
        if (rc)
            return rc;
        if (k != N) {
            char names[512];
            return cli_fail("--jvp: %zu component%s given, the function has %zu input%s%s (%s)", k,
                            k == 1 ? "" : "s", N, N == n ? "" : " element", N == 1 ? "" : "s",
                            cli_name_list(r->g, NULL, names, sizeof names));
        }
        r->jvp = malloc((M ? M : 1) * sizeof *r->jvp);
        if (!r->jvp)
            return cli_out_of_memory();
        if ((s = wg_jvp(t, n, r->x, r->jvp_u, m, r->y, r->jvp)) != WG_OK)
            return tape_failure(t, "--jvp", s);
    }

    if (o->trace) {
        if (o->dir) {
            size_t k;
            double *d;
            int rc = cli_parse_vector("--dir", o->dir, &d, &k);
            if (rc)
                return rc;
            if (k != N) {
                char names[512];
                free(d);
                return cli_fail("--dir: %zu component%s given, the function has %zu input%s%s (%s)",
                                k, k == 1 ? "" : "s", N, N == n ? "" : " element",
                                N == 1 ? "" : "s", cli_name_list(r->g, NULL, names, sizeof names));
            }
            memcpy(r->u, d, N * sizeof *d);
            free(d);
        } else if (o->wrt) {
            size_t j = cli_find_input(r->g, o->wrt);
            if (j == (size_t)-1) {
                char names[512];
                return cli_fail("--wrt: '%s' is not an input (inputs: %s)", o->wrt,
                                cli_name_list(r->g, NULL, names, sizeof names));
            }
            size_t off = 0;             /* a tensor input: its first element */
            for (size_t i = 0; i < j; i++)
                off += wg_numel(t, r->x[i]);
            if (wg_numel(t, r->x[j]))
                r->u[off] = 1;
        } else if (N) {
            r->u[0] = 1;
        }
        int rc = run_traces(r);
        if (rc)
            return rc;
    }
    return o->hessian ? hessians(r) : 0;
}

void cli_print_text(const options *o, const results *r, FILE *f)
{
    char b1[40], b2[40], b3[40];
    size_t N = r->N, M = r->M;
    if (o->expr)
        fprintf(f, "f = %s\n", o->expr);
    else
        fprintf(f, "graph %s\n", o->file);
    fputs("at ", f);
    for (size_t j = 0; j < N; j++)
        fprintf(f, "%s%s = %s", j ? ", " : "", r->xlab[j], cli_full(r->x0[j], b1));
    fputs(N ? "\n" : "(no inputs)\n", f);
    if (r->traces)
        fprintf(f, "\n%s", r->traces);
    fputc('\n', f);
    for (size_t k = 0; k < M; k++)
        fprintf(f, "value  %s = %s\n", r->ylab[k], cli_full(r->val[k], b1));
    for (size_t k = 0; k < M && N; k++) {
        const char *yn = r->ylab[k];
        fprintf(f, "\ngradient of %s\n", yn);
        fprintf(f, "  %-16s  %-24s  %-24s  %s\n", "", "reverse mode", "forward mode",
                "|reverse - forward|");
        for (size_t j = 0; j < N; j++) {
            char label[256];
            snprintf(label, sizeof label, "d%s/d%s", yn, r->xlab[j]);
            double a = r->rev[k * N + j], b = r->fwd[k * N + j];
            fprintf(f, "  %-16s  %-24s  %-24s  %s\n", label, cli_full(a, b1), cli_full(b, b2),
                    cli_full(fabs(a - b), b3));
        }
    }
    if (N)
        fprintf(f, "\nlargest difference between reverse and forward mode: %s (relative %s)\n",
                cli_full(r->maxdiff, b1), cli_full(r->maxrel, b2));
    if (r->jvp) {
        fputs("\nJ u along u = (", f);
        for (size_t j = 0; j < N; j++)
            fprintf(f, "%s%s", j ? ", " : "", cli_full(r->jvp_u[j], b1));
        fputs(")\n", f);
        for (size_t k = 0; k < M; k++)
            fprintf(f, "  %s: %s\n", r->ylab[k], cli_full(r->jvp[k], b1));
    }
    if (r->hess && N) {
        const char *yn = r->ylab[0];
        fprintf(f, "\nHessian of %s (wg_hessian by %s)\n", yn, r->hess_method);
        fprintf(f, "  %-24s  %-24s  %-24s  %s\n", "", "wg_hessian", "reverse over reverse",
                "|difference|");
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < N; j++) {
                char label[256];
                snprintf(label, sizeof label, "d2%s/d%sd%s", yn, r->xlab[i], r->xlab[j]);
                double a = r->hess[i * N + j], b = r->hess_rr[i * N + j];
                fprintf(f, "  %-24s  %-24s  %-24s  %s\n", label, cli_full(a, b1), cli_full(b, b2),
                        cli_full(fabs(a - b), b3));
            }
        fprintf(f, "\nlargest difference between wg_hessian and reverse over reverse: %s "
                "(relative %s)\n", cli_full(r->hmaxdiff, b1), cli_full(r->hmaxrel, b2));
    }
}

void cli_print_json(const options *o, const results *r, FILE *f)
{
    size_t n = r->N, m = r->M;      /* elements: a tensor lists each */
    fputs("{\n  \"source\": ", f);
    if (o->expr) {
        fputs("{\"expression\": ", f);
        wg_json_string(f, o->expr);
    } else {
        fputs("{\"file\": ", f);
        wg_json_string(f, o->file);
    }
    fputs("},\n  \"inputs\": [", f);
    for (size_t j = 0; j < n; j++) {
        if (j)
            fputs(", ", f);
        wg_json_string(f, r->xlab[j]);
    }
    fputs("],\n  \"point\": [", f);
    for (size_t j = 0; j < n; j++) {
        if (j)
            fputs(", ", f);
        wg_json_number(f, r->x0[j]);
    }
    fputs("],\n  \"value\": ", f);
    wg_json_number(f, r->val[0]);
    fputs(",\n  \"outputs\": [", f);
    for (size_t k = 0; k < m; k++) {
        fputs(k ? ", {\"name\": " : "{\"name\": ", f);
        wg_json_string(f, r->ylab[k]);
        fputs(", \"value\": ", f);
        wg_json_number(f, r->val[k]);
        fputs("}", f);
    }
    /* "gradient" is the first output's, flat; "jacobian" has every
     * output's row, so scripts over one output need not index twice */
    fputs("],\n  \"gradient\": {\"reverse\": ", f);
    wg_json_array(f, r->rev, n);
    fputs(", \"forward\": ", f);
    wg_json_array(f, r->fwd, n);
    fputs("},\n  \"jacobian\": {\"reverse\": [", f);
    wg_json_rows(f, r->rev, m, n);
    fputs("], \"forward\": [", f);
    wg_json_rows(f, r->fwd, m, n);
    fputs("]},\n  \"max_difference\": ", f);
    wg_json_number(f, r->maxdiff);
    fputs(",\n  \"max_relative_difference\": ", f);
    wg_json_number(f, r->maxrel);
    fputs(",\n  \"jvp\": ", f);
    if (r->jvp) {
        fputs("{\"direction\": ", f);
        wg_json_array(f, r->jvp_u, n);
        fputs(", \"result\": ", f);
        wg_json_array(f, r->jvp, m);
        fputs("}", f);
    } else {
        fputs("null", f);
    }
    if (r->hess) {
        /* rows of the Hessian: from wg_hessian, and reverse over reverse */
        fprintf(f, ",\n  \"hessian\": {\"method\": \"%s\", \"wg_hessian\": [", r->hess_method);
        wg_json_rows(f, r->hess, n, n);
        fputs("], \"reverse_over_reverse\": [", f);
        wg_json_rows(f, r->hess_rr, n, n);
        fputs("], \"max_difference\": ", f);
        wg_json_number(f, r->hmaxdiff);
        fputs(", \"max_relative_difference\": ", f);
        wg_json_number(f, r->hmaxrel);
        fputs("}", f);
    }
    if (r->traces) {
        fputs(",\n  \"trace\": ", f);
        wg_json_string(f, r->traces);
    }
    fputs("\n}\n", f);
}
