/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_input.c -- the graph wengert-verify works on: an expression (-e) or a
 * .wg file (or stdin), its inputs set at the point of --at; what went wrong
 * as one line naming the input. */
#define _GNU_SOURCE /* open_memstream */

#include "cli.h"
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the graph */

/* "x1, x2" into buf: the names a message offers */
const char *cli_name_list(const wg_graph *g, const unsigned char *only, char *buf, size_t len)
{
    size_t used = 0;
    int any = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < wg_graph_ninputs(g) && used < len; j++) {
        if (only && !only[j])
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", any ? ", " : "", wg_graph_input_name(g, j));
        any = 1;
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (!any)
        snprintf(buf, len, "none");
    return buf;
}

size_t cli_find_input(const wg_graph *g, const char *name)
{
    for (size_t j = 0; j < wg_graph_ninputs(g); j++)
        if (strcmp(wg_graph_input_name(g, j), name) == 0)
            return j;
    return (size_t)-1;
}

/* used[j] = 1 when input j is read by some node or is an output itself:
 * a name the expression mentions */
static unsigned char *inputs_used(wg_graph *g)
{
    wg_tape *t = wg_graph_tape(g);
    size_t n = wg_tape_size(t), nin = wg_graph_ninputs(g);
    unsigned char *node_used = calloc(n ? n : 1, 1);
    unsigned char *used = calloc(nin ? nin : 1, 1);
    if (!node_used || !used) {
        free(node_used);
        free(used);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < wg_node_arity(t, i); k++)
            node_used[wg_node_arg(t, i, k)] = 1;
    for (size_t r = 0; r < wg_graph_noutputs(g); r++)
        node_used[wg_var_index(t, wg_graph_output(g, r))] = 1;
    for (size_t j = 0; j < nin; j++)
        used[j] = node_used[wg_var_index(t, wg_graph_input(g, j))];
    free(node_used);
    return used;
}

static int parse_failure(const wg_parse_error *err)
{
    if (err->status == WG_ENOMEM)
        return cli_out_of_memory();
    return cli_fail("%s", err->message[0] ? err->message : wg_strerror(err->status));
}

/* The parser refuses a name of names[] as "names[K] = 'sin' cannot name a
 * variable ...": here that list is --at, so say so in its terms.  Any other
 * message goes out as it is. */
static int expr_failure(const wg_parse_error *err)
{
    const char *p = err->status == WG_EINVAL ? strstr(err->message, "names[") : NULL;
    const char *q = p ? strstr(p, "] = ") : NULL;
    if (!q)
        return parse_failure(err);
    return cli_fail("--at: %s", q + 4);
}

/* For a check, a function that cannot be recorded at its point (outside
 * a domain, a branch that flips) is not bad input: it is the verdict
 * invalid.  Such a failure's message goes to invalid (INVALID_LEN bytes)
 * when the caller gives one, and *out stays NULL. */

int cli_point_status(int s)
{
    return s == WG_EDOM || s == WG_ERANGE || s == WG_EBRANCH;
}

/* src into invalid, cut at its end when long */
static void set_invalid(char *invalid, const char *prefix, const char *src)
{
    size_t lp = strlen(prefix), ls = strlen(src);
    if (lp > INVALID_LEN - 1)
        lp = INVALID_LEN - 1;
    if (ls > INVALID_LEN - 1 - lp)
        ls = INVALID_LEN - 1 - lp;
    memcpy(invalid, prefix, lp);
    memcpy(invalid + lp, src, ls);
    invalid[lp + ls] = '\0';
}

/* the message of a reader error, without its "FILE:LINE:COL: error: " */
static const char *error_text(const char *message)
{
    const char *w = strstr(message, ": error: ");
    return w ? w + 9 : message;
}

/* the expression over the --at names, in their order */
int cli_graph_from_expr(const char *expr, const char *at, wg_graph **out, char *invalid)
{
    point pt = { 0 };
    int r = at ? cli_parse_point(at, &pt) : 0;
    if (r) {
        cli_point_free(&pt);
        return r;
    }
    wg_parse_error err;
    memset(&err, 0, sizeof err);
    wg_graph *g = wg_graph_parse_expr(expr, pt.n, pt.name, pt.value, &err);
    if (!g && invalid && cli_point_status(err.status)) {
        set_invalid(invalid, "", error_text(err.message));
        cli_point_free(&pt);
        return 0;
    }
    if (!g) {
        if (!at && err.status == WG_EPARSE && strstr(err.message, "unknown variable"))
            r = cli_fail("%s: give each variable a value with --at NAME=VALUE,...", err.message);
        else
            r = expr_failure(&err);
        cli_point_free(&pt);
        return r;
    }
    /* a name of --at that the expression does not mention stays an input
     * (of derivative 0), as the library keeps it; a note on stderr says so,
     * since it may be a typing slip */
    unsigned char *used = inputs_used(g);
    if (!used) {
        cli_point_free(&pt);
        wg_graph_free(g);
        return cli_out_of_memory();
    }
    for (size_t k = 0; k < pt.n; k++) {
        size_t j = cli_find_input(g, pt.name[k]);
        if (j != (size_t)-1 && !used[j]) {
            char vars[512];
            fprintf(stderr, PROG ": note: --at: the expression does not use '%s' (its "
                    "derivatives are 0; variables used: %s)\n", pt.name[k],
                    cli_name_list(g, used, vars, sizeof vars));
        }
    }
    free(used);
    cli_point_free(&pt);
    *out = g;
    return 0;
}

/* At most wg_read_limit() bytes (the files' limit), and it stops at the
 * first NUL byte, which no text holds (read on, it would cut the text short
 * without a word) */
int cli_read_stream(FILE *f, char **out)
{
    size_t len = 0, cap = 4096;
    char *s = malloc(cap);
    *out = NULL;
    while (s) {
        size_t got = fread(s + len, 1, cap - 1 - len, f);
        const char *nul = memchr(s + len, '\0', got);
        len += got;
        if (nul) {
            size_t at = (size_t)(nul - s);
            free(s);
            return cli_fail("<stdin>: a NUL byte at offset %zu: not text", at);
        }
        if (len < cap - 1)
            break;
        if (len > wg_read_limit()) {
            free(s);
            return cli_fail("<stdin>: larger than the limit of %zu bytes (set WG_MAX_FILE_BYTES "
                            "to read more)", wg_read_limit());
        }
        char *bigger = realloc(s, cap * 2);
        if (!bigger) {
            free(s);
            s = NULL;
            break;
        }
        s = bigger;
        cap *= 2;
    }
    if (!s)
        return cli_out_of_memory();
    if (ferror(f)) {
        free(s);
        return cli_fail("<stdin>: read error");
    }
    s[len] = '\0';
    *out = s;
    return 0;
}

/* a .wg file, then the --at values replacing the file's (through wg_eval,
 * which checks domains and recorded branches at the new point) */
int cli_graph_from_file(const char *file, const char *at, wg_graph **out, char *invalid)
{
    wg_parse_error err;
    memset(&err, 0, sizeof err);
    wg_graph *g;
    if (strcmp(file, "-") == 0) {
        char *text;
        int rs = cli_read_stream(stdin, &text);
        if (rs)
            return rs;
        g = wg_graph_read_string(text, "<stdin>", &err);
        free(text);
    } else {
        g = wg_graph_read_file(file, &err);
    }
    if (!g && invalid && cli_point_status(err.status)) {
        set_invalid(invalid, "", err.message);
        return 0;
    }
    if (!g)
        return parse_failure(&err);
    int r = 0;
    if (at) {
        point pt;
        r = cli_parse_point(at, &pt);
        wg_var *x = r ? NULL : malloc((pt.n ? pt.n : 1) * sizeof *x);
        if (!r && !x)
            r = cli_out_of_memory();
        for (size_t k = 0; k < pt.n && !r; k++) {
            size_t j = cli_find_input(g, pt.name[k]);
            if (j == (size_t)-1) {
                char names[512];
                r = cli_fail("--at: '%s' is not an input of %s (inputs: %s)", pt.name[k], file,
                             cli_name_list(g, NULL, names, sizeof names));
            } else {
                x[k] = wg_graph_input(g, j);
            }
        }
        wg_tape *t = wg_graph_tape(g);
        int s = r ? WG_OK : wg_eval(t, pt.n, x, pt.value);
        if (s != WG_OK && invalid && cli_point_status(s)) {
            set_invalid(invalid, "at the point of --at: ", wg_errmsg(t));
            wg_graph_free(g);
            g = NULL;
        } else if (s != WG_OK) {
            r = cli_fail("at the point of --at: %s", wg_errmsg(t));
        }
        free(x);
        cli_point_free(&pt);
    }
    if (r) {
        wg_graph_free(g);
        return r;
    }
    *out = g;
    return 0;
}
