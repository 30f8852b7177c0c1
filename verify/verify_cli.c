/* verify_cli.c -- wengert-verify: evaluate a function recorded on a tape
 * (an expression or a .wg graph) at a point, and check its derivatives:
 * the gradient in reverse mode (one VJP per output) against forward mode
 * (one JVP per input), with the evaluation-trace tables on request.
 *
 * Exit status: 0 success, 2 bad input or usage (one line on stderr naming
 * what was wrong), 1 an internal failure (out of memory, a write error). */
#define _GNU_SOURCE /* getopt_long, open_memstream */

#include "wengert.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "wengert-verify"
#define EXIT_BAD 2
#define EXIT_INTERNAL 1

/* the seed example that --example runs (README's first command) */
static const char example_expr[] = "log(x1) + x1*x2 - sin(x2)";
static const char example_at[] = "x1=2,x2=5";

static void usage(FILE *f)
{
    fprintf(f,
"Usage: " PROG " [OPTIONS] -e EXPRESSION --at NAME=VALUE,...\n"
"       " PROG " [OPTIONS] FILE.wg\n"
"       " PROG " --example\n"
"\n"
"Records the function on a tape, evaluates it, and computes its gradient in\n"
"reverse mode (one VJP per output) and in forward mode (one JVP per input),\n"
"printing both and the largest difference between them.\n"
"\n"
"  -e, --expr EXPR     the function as an expression, e.g. 'log(x1) + x1*x2 - sin(x2)';\n"
"                      every name that is not a function is a variable\n"
"  FILE.wg             a graph in .wg text ('-' reads standard input)\n"
"  -a, --at LIST       the point, as NAME=VALUE,...: for an expression every\n"
"                      variable, in the order the inputs take; for a file, values\n"
"                      that replace the file's\n"
"  -t, --trace         print the forward primal, forward tangent and reverse\n"
"                      adjoint trace tables (one adjoint table per output)\n"
"  -d, --dir U,...     direction of the tangent table, one entry per input\n"
"                      (default: along the first input); implies --trace\n"
"  -w, --wrt NAME      tangent table along the input NAME; implies --trace\n"
"  -j, --jvp U,...     also print J u, the Jacobian-vector product\n"
"      --json          print one JSON object instead of text\n"
"      --dot           print the graph in Graphviz DOT and exit\n"
"      --dot-values    the same, with each node's value\n"
"      --example       run the seed example: -e '%s' --at %s --trace\n"
"  -h, --help          print this help and exit\n"
"  -V, --version       print the version and exit\n"
"\n"
"Exit status: 0 success, 2 bad input or usage, 1 internal failure.\n",
            example_expr, example_at);
}

/* one line on stderr, the program's name first; returns EXIT_BAD */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_BAD;
}

static int out_of_memory(void)
{
    fputs(PROG ": out of memory\n", stderr);
    return EXIT_INTERNAL;
}

/* ---------------------------------------------------------------- options */

typedef struct {
    const char *expr, *file;
    const char *at, *dir, *wrt, *jvp;
    int trace, json, dot, dot_values, example;
} options;

enum { OPT_JSON = 256, OPT_DOT, OPT_DOT_VALUES, OPT_EXAMPLE };

/* 0: parsed; DONE: --help or --version answered; else an exit status */
#define DONE 100

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        { "expr", required_argument, NULL, 'e' },
        { "at", required_argument, NULL, 'a' },
        { "trace", no_argument, NULL, 't' },
        { "dir", required_argument, NULL, 'd' },
        { "wrt", required_argument, NULL, 'w' },
        { "jvp", required_argument, NULL, 'j' },
        { "json", no_argument, NULL, OPT_JSON },
        { "dot", no_argument, NULL, OPT_DOT },
        { "dot-values", no_argument, NULL, OPT_DOT_VALUES },
        { "example", no_argument, NULL, OPT_EXAMPLE },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    memset(o, 0, sizeof *o);
    opterr = 0;                 /* our own one-line messages */
    int c;
    while ((c = getopt_long(argc, argv, ":e:a:td:w:j:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'e': o->expr = optarg; break;
        case 'a': o->at = optarg; break;
        case 't': o->trace = 1; break;
        case 'd': o->dir = optarg; break;
        case 'w': o->wrt = optarg; break;
        case 'j': o->jvp = optarg; break;
        case OPT_JSON: o->json = 1; break;
        case OPT_DOT: o->dot = 1; break;
        case OPT_DOT_VALUES: o->dot = o->dot_values = 1; break;
        case OPT_EXAMPLE: o->example = 1; break;
        case 'h': usage(stdout); return DONE;
        case 'V': printf(PROG " %s (libwengert %s)\n", WG_VERSION_STRING, wg_version()); return DONE;
        case ':':
            return fail("option %s needs an argument (see --help)", argv[optind - 1]);
        default: {
            /* a short option is named by optopt; a long one only by its argv */
            if (optopt > 0 && optopt < 256)
                return fail("unknown option '-%c' (see --help)", optopt);
            const char *arg = argv[optind - 1], *eq = strchr(arg, '=');
            if (optopt && eq)
                return fail("option '%.*s' takes no argument", (int)(eq - arg), arg);
            return fail("unknown option '%s' (see --help)", arg);
        }
        }
    }
    if (optind < argc)
        o->file = argv[optind++];
    if (optind < argc)
        return fail("one FILE.wg at most; '%s' is one argument too many", argv[optind]);
    if (o->example) {
        if (o->expr || o->file)
            return fail("--example runs its own expression; drop -e and FILE");
        if (o->at)
            return fail("--example has its own point (%s); use -e to choose another", example_at);
        o->expr = example_expr;
        o->at = example_at;
        o->trace = 1;
    }
    if (o->expr && o->file)
        return fail("give -e EXPRESSION or FILE.wg, not both");
    if (!o->expr && !o->file)
        return fail("no function: give -e EXPRESSION, FILE.wg or --example (see --help)");
    if (o->dir && o->wrt)
        return fail("give --dir or --wrt, not both");
    if (o->dir || o->wrt)
        o->trace = 1;           /* they choose the tangent table: no use without it */
    return 0;
}

/* ---------------------------------------------------------------- lists */

/* A finite double, the whole of s (surrounding blanks allowed).  strtod
 * reads the C locale's notation: this program never calls setlocale. */
static int parse_number(const char *s, double *out)
{
    char *end;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return 0;
    errno = 0;
    double v = strtod(s, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end || !isfinite(v) || (errno == ERANGE && fabs(v) > 1))
        return 0;
    *out = v;
    return 1;
}

/* split a copy of s at commas; NULL when out of memory */
static char **split(const char *s, size_t *n)
{
    size_t parts = 1;
    for (const char *p = s; *p; p++)
        parts += *p == ',';
    size_t len = strlen(s) + 1;
    char **v = malloc(parts * sizeof *v + len);
    if (!v)
        return NULL;
    char *copy = memcpy((char *)(v + parts), s, len);
    size_t k = 0;
    v[k++] = copy;
    for (char *p = copy; *p; p++)
        if (*p == ',') {
            *p = '\0';
            v[k++] = p + 1;
        }
    *n = parts;
    return v;
}

/* "0.6,0.8" -> n numbers; an exit status on error */
static int parse_vector(const char *opt, const char *s, double **out, size_t *n)
{
    char **part = split(s, n);
    if (!part)
        return out_of_memory();
    double *v = malloc(*n * sizeof *v);
    if (!v) {
        free(part);
        return out_of_memory();
    }
    for (size_t k = 0; k < *n; k++)
        if (!parse_number(part[k], &v[k])) {
            int r = fail("%s: component %zu, '%s', is not a finite number", opt, k + 1, part[k]);
            free(part);
            free(v);
            return r;
        }
    free(part);
    *out = v;
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

typedef struct {
    char **part;        /* the split copy of the option (owns the strings) */
    const char **name;
    double *value;
    size_t n;
} point;

static void point_free(point *pt)
{
    free(pt->part);
    free(pt->name);
    free(pt->value);
}

/* "x1=2,x2=5" -> names and values; an exit status on error */
static int parse_point(const char *s, point *pt)
{
    memset(pt, 0, sizeof *pt);
    pt->part = split(s, &pt->n);
    pt->name = pt->part ? malloc(pt->n * sizeof *pt->name) : NULL;
    pt->value = pt->name ? malloc(pt->n * sizeof *pt->value) : NULL;
    if (!pt->value)
        return out_of_memory();
    for (size_t k = 0; k < pt->n; k++) {
        char *eq = strchr(pt->part[k], '=');
        if (!eq)
            return fail("--at: '%s' is not NAME=VALUE", trim(pt->part[k]));
        *eq = '\0';
        char *name = trim(pt->part[k]);
        if (!*name)
            return fail("--at: entry %zu has no name before '='", k + 1);
        if (!parse_number(eq + 1, &pt->value[k]))
            return fail("--at: %s: '%s' is not a finite number", name, trim(eq + 1));
        for (size_t j = 0; j < k; j++)
            if (strcmp(pt->name[j], name) == 0)
                return fail("--at: '%s' is given twice", name);
        pt->name[k] = name;
    }
    return 0;
}

/* ---------------------------------------------------------------- the graph */

/* "x1, x2" into buf: the names a message offers */
static const char *name_list(const wg_graph *g, const unsigned char *only, char *buf, size_t len)
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

static size_t find_input(const wg_graph *g, const char *name)
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
        for (int k = 0; k < wg_op_arity(wg_node_op(t, i)); k++)
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
        return out_of_memory();
    return fail("%s", err->message[0] ? err->message : wg_strerror(err->status));
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
    return fail("--at: %s", q + 4);
}

/* the expression over the --at names, in their order */
static int graph_from_expr(const char *expr, const char *at, wg_graph **out)
{
    point pt = { 0 };
    int r = at ? parse_point(at, &pt) : 0;
    if (r) {
        point_free(&pt);
        return r;
    }
    wg_parse_error err;
    memset(&err, 0, sizeof err);
    wg_graph *g = wg_graph_parse_expr(expr, pt.n, pt.name, pt.value, &err);
    if (!g) {
        if (!at && err.status == WG_EPARSE && strstr(err.message, "unknown variable"))
            r = fail("%s: give each variable a value with --at NAME=VALUE,...", err.message);
        else
            r = expr_failure(&err);
        point_free(&pt);
        return r;
    }
    /* a name of --at that the expression does not mention is a mistake
     * worth a message, not a silent extra input */
    unsigned char *used = inputs_used(g);
    if (!used) {
        point_free(&pt);
        wg_graph_free(g);
        return out_of_memory();
    }
    for (size_t k = 0; k < pt.n && !r; k++) {
        size_t j = find_input(g, pt.name[k]);
        if (j == (size_t)-1 || !used[j]) {
            char vars[512];
            r = fail("--at: '%s' is not a variable of the expression (variables: %s)",
                     pt.name[k], name_list(g, used, vars, sizeof vars));
        }
    }
    free(used);
    point_free(&pt);
    if (r) {
        wg_graph_free(g);
        return r;
    }
    *out = g;
    return 0;
}

static char *read_stream(FILE *f)
{
    size_t len = 0, cap = 4096;
    char *s = malloc(cap);
    while (s) {
        len += fread(s + len, 1, cap - 1 - len, f);
        if (len < cap - 1)
            break;
        char *bigger = realloc(s, cap * 2);
        if (!bigger) {
            free(s);
            return NULL;
        }
        s = bigger;
        cap *= 2;
    }
    if (s)
        s[len] = '\0';
    return s;
}

/* a .wg file, then the --at values replacing the file's (through wg_eval,
 * which checks domains and recorded branches at the new point) */
static int graph_from_file(const char *file, const char *at, wg_graph **out)
{
    wg_parse_error err;
    memset(&err, 0, sizeof err);
    wg_graph *g;
    if (strcmp(file, "-") == 0) {
        char *text = read_stream(stdin);
        if (!text)
            return out_of_memory();
        if (ferror(stdin)) {
            free(text);
            return fail("<stdin>: read error");
        }
        g = wg_graph_read_string(text, "<stdin>", &err);
        free(text);
    } else {
        g = wg_graph_read_file(file, &err);
    }
    if (!g)
        return parse_failure(&err);
    int r = 0;
    if (at) {
        point pt;
        r = parse_point(at, &pt);
        wg_var *x = r ? NULL : malloc((pt.n ? pt.n : 1) * sizeof *x);
        if (!r && !x)
            r = out_of_memory();
        for (size_t k = 0; k < pt.n && !r; k++) {
            size_t j = find_input(g, pt.name[k]);
            if (j == (size_t)-1) {
                char names[512];
                r = fail("--at: '%s' is not an input of %s (inputs: %s)", pt.name[k], file,
                         name_list(g, NULL, names, sizeof names));
            } else {
                x[k] = wg_graph_input(g, j);
            }
        }
        wg_tape *t = wg_graph_tape(g);
        if (!r && wg_eval(t, pt.n, x, pt.value) != WG_OK)
            r = fail("at the point of --at: %s", wg_errmsg(t));
        free(x);
        point_free(&pt);
    }
    if (r) {
        wg_graph_free(g);
        return r;
    }
    *out = g;
    return 0;
}

/* ---------------------------------------------------------------- numbers */

/* Full precision: the shortest of %.15g..%.17g that reads back to the same
 * double, so a printed figure can be pasted back in exactly. */
static const char *full(double v, char *buf)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, 40, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

/* JSON has no Inf or NaN: those become null */
static void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);
}

/* s as a JSON string: quotes, backslashes and control characters escaped;
 * bytes that are not UTF-8 become U+FFFD, so the output is valid JSON
 * whatever the input bytes were */
static void json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', f);
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
            p++;
        } else if (c == '\n') {
            fputs("\\n", f);
            p++;
        } else if (c == '\t') {
            fputs("\\t", f);
            p++;
        } else if (c == '\r') {
            fputs("\\r", f);
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            p++;
        } else if (c < 0x80) {
            fputc(c, f);
            p++;
        } else {
            /* length of a well-formed UTF-8 sequence starting here, or 0 */
            size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                     : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
            for (size_t k = 1; k < n; k++)
                if ((p[k] & 0xc0) != 0x80)
                    n = 0;
            if (n == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f)))
                n = 0;          /* overlong, or a surrogate */
            if (n == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f)))
                n = 0;          /* overlong, or past U+10FFFF */
            if (n) {
                fwrite(p, 1, n, f);
                p += n;
            } else {
                fputs("\\ufffd", f);
                p++;
            }
        }
    }
    fputc('"', f);
}

static void json_array(FILE *f, const double *v, size_t n)
{
    fputc('[', f);
    for (size_t k = 0; k < n; k++) {
        if (k)
            fputs(", ", f);
        json_number(f, v[k]);
    }
    fputc(']', f);
}

/* ---------------------------------------------------------------- the run */

typedef struct {
    wg_graph *g;
    wg_tape *t;
    size_t n, m;                /* inputs, outputs */
    wg_var *x, *y;
    double *val;                /* m output values */
    double *rev, *fwd;          /* m x n Jacobians, row-major */
    double maxdiff, maxrel;
    double *u;                  /* tangent-table direction (n) */
    double *jvp_u, *jvp;        /* --jvp direction (n) and J u (m) */
    char *traces;               /* the tables, when --trace */
} results;

static void results_free(results *r)
{
    free(r->x);
    free(r->y);
    free(r->val);
    free(r->rev);
    free(r->fwd);
    free(r->u);
    free(r->jvp_u);
    free(r->jvp);
    free(r->traces);
}

/* a failed derivative call: the tape's message names node and cause */
static int tape_failure(wg_tape *t, const char *what, int s)
{
    if (s == WG_ENOMEM)
        return out_of_memory();
    return fail("%s: %s", what, wg_errmsg(t)[0] ? wg_errmsg(t) : wg_strerror(s));
}

/* the trace tables into one string: primal, tangent along u, one adjoint
 * table per output */
static int run_traces(results *r)
{
    size_t len = 0;
    FILE *f = open_memstream(&r->traces, &len);
    if (!f)
        return out_of_memory();
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

static int compute(const options *o, results *r)
{
    wg_tape *t = r->t;
    size_t n = r->n, m = r->m;
    int s;
    r->x = malloc((n ? n : 1) * sizeof *r->x);
    r->y = malloc(m * sizeof *r->y);
    r->val = malloc(m * sizeof *r->val);
    size_t mn = m * n > 0 ? m * n : 1;
    r->rev = malloc(mn * sizeof *r->rev);
    r->fwd = malloc(mn * sizeof *r->fwd);
    r->u = calloc(n ? n : 1, sizeof *r->u);
    double *e = calloc(n ? n : 1, sizeof *e), *col = malloc(m * sizeof *col);
    if (!r->x || !r->y || !r->val || !r->rev || !r->fwd || !r->u || !e || !col) {
        free(e);
        free(col);
        return out_of_memory();
    }
    for (size_t j = 0; j < n; j++)
        r->x[j] = wg_graph_input(r->g, j);
    for (size_t k = 0; k < m; k++) {
        r->y[k] = wg_graph_output(r->g, k);
        r->val[k] = wg_value(t, r->y[k]);
    }

    /* reverse: one gradient (a VJP with weight 1) per output: the rows */
    for (size_t k = 0; k < m; k++)
        if ((s = wg_grad(t, r->y[k], n, r->x, r->rev + k * n)) != WG_OK) {
            free(e);
            free(col);
            return tape_failure(t, "reverse mode", s);
        }
    /* forward: one JVP along each unit vector: the columns */
    for (size_t j = 0; j < n; j++) {
        e[j] = 1;
        s = wg_jvp(t, n, r->x, e, m, r->y, col);
        e[j] = 0;
        if (s != WG_OK) {
            free(e);
            free(col);
            return tape_failure(t, "forward mode", s);
        }
        for (size_t k = 0; k < m; k++)
            r->fwd[k * n + j] = col[k];
    }
    free(e);
    free(col);
    r->maxdiff = r->maxrel = 0;
    for (size_t k = 0; k < m * n; k++) {
        double d = fabs(r->rev[k] - r->fwd[k]);
        double scale = fmax(fabs(r->rev[k]), fabs(r->fwd[k]));
        if (d > r->maxdiff)
            r->maxdiff = d;
        if (scale > 0 && d / scale > r->maxrel)
            r->maxrel = d / scale;
    }

    if (o->jvp) {
        size_t k;
        int rc = parse_vector("--jvp", o->jvp, &r->jvp_u, &k);
        if (rc)
            return rc;
        if (k != n) {
            char names[512];
            return fail("--jvp: %zu component%s given, the function has %zu input%s (%s)", k,
                        k == 1 ? "" : "s", n, n == 1 ? "" : "s",
                        name_list(r->g, NULL, names, sizeof names));
        }
        r->jvp = malloc(m * sizeof *r->jvp);
        if (!r->jvp)
            return out_of_memory();
        if ((s = wg_jvp(t, n, r->x, r->jvp_u, m, r->y, r->jvp)) != WG_OK)
            return tape_failure(t, "--jvp", s);
    }

    if (o->trace) {
        if (o->dir) {
            size_t k;
            double *d;
            int rc = parse_vector("--dir", o->dir, &d, &k);
            if (rc)
                return rc;
            if (k != n) {
                char names[512];
                free(d);
                return fail("--dir: %zu component%s given, the function has %zu input%s (%s)",
                            k, k == 1 ? "" : "s", n, n == 1 ? "" : "s",
                            name_list(r->g, NULL, names, sizeof names));
            }
            memcpy(r->u, d, n * sizeof *d);
            free(d);
        } else if (o->wrt) {
            size_t j = find_input(r->g, o->wrt);
            if (j == (size_t)-1) {
                char names[512];
                return fail("--wrt: '%s' is not an input (inputs: %s)", o->wrt,
                            name_list(r->g, NULL, names, sizeof names));
            }
            r->u[j] = 1;
        } else if (n) {
            r->u[0] = 1;
        }
        int rc = run_traces(r);
        if (rc)
            return rc;
    }
    return 0;
}

static void print_text(const options *o, const results *r, FILE *f)
{
    char b1[40], b2[40], b3[40];
    if (o->expr)
        fprintf(f, "f = %s\n", o->expr);
    else
        fprintf(f, "graph %s\n", o->file);
    fputs("at ", f);
    for (size_t j = 0; j < r->n; j++)
        fprintf(f, "%s%s = %s", j ? ", " : "", wg_graph_input_name(r->g, j),
                full(wg_value(r->t, r->x[j]), b1));
    fputs(r->n ? "\n" : "(no inputs)\n", f);
    if (r->traces)
        fprintf(f, "\n%s", r->traces);
    fputc('\n', f);
    for (size_t k = 0; k < r->m; k++)
        fprintf(f, "value  %s = %s\n", wg_graph_output_name(r->g, k), full(r->val[k], b1));
    for (size_t k = 0; k < r->m && r->n; k++) {
        const char *yn = wg_graph_output_name(r->g, k);
        fprintf(f, "\ngradient of %s\n", yn);
        fprintf(f, "  %-16s  %-24s  %-24s  %s\n", "", "reverse mode", "forward mode",
                "|reverse - forward|");
        for (size_t j = 0; j < r->n; j++) {
            char label[64];
            snprintf(label, sizeof label, "d%s/d%s", yn, wg_graph_input_name(r->g, j));
            double a = r->rev[k * r->n + j], b = r->fwd[k * r->n + j];
            fprintf(f, "  %-16s  %-24s  %-24s  %s\n", label, full(a, b1), full(b, b2),
                    full(fabs(a - b), b3));
        }
    }
    if (r->n)
        fprintf(f, "\nlargest difference between reverse and forward mode: %s (relative %s)\n",
                full(r->maxdiff, b1), full(r->maxrel, b2));
    if (r->jvp) {
        fputs("\nJ u along u = (", f);
        for (size_t j = 0; j < r->n; j++)
            fprintf(f, "%s%s", j ? ", " : "", full(r->jvp_u[j], b1));
        fputs(")\n", f);
        for (size_t k = 0; k < r->m; k++)
            fprintf(f, "  %s: %s\n", wg_graph_output_name(r->g, k), full(r->jvp[k], b1));
    }
}

static void print_json(const options *o, const results *r, FILE *f)
{
    size_t n = r->n, m = r->m;
    fputs("{\n  \"source\": ", f);
    if (o->expr) {
        fputs("{\"expression\": ", f);
        json_string(f, o->expr);
    } else {
        fputs("{\"file\": ", f);
        json_string(f, o->file);
    }
    fputs("},\n  \"inputs\": [", f);
    for (size_t j = 0; j < n; j++) {
        if (j)
            fputs(", ", f);
        json_string(f, wg_graph_input_name(r->g, j));
    }
    fputs("],\n  \"point\": [", f);
    for (size_t j = 0; j < n; j++) {
        if (j)
            fputs(", ", f);
        json_number(f, wg_value(r->t, r->x[j]));
    }
    fputs("],\n  \"value\": ", f);
    json_number(f, r->val[0]);
    fputs(",\n  \"outputs\": [", f);
    for (size_t k = 0; k < m; k++) {
        fputs(k ? ", {\"name\": " : "{\"name\": ", f);
        json_string(f, wg_graph_output_name(r->g, k));
        fputs(", \"value\": ", f);
        json_number(f, r->val[k]);
        fputs("}", f);
    }
    /* "gradient" is the first output's, flat; "jacobian" has every
     * output's row, so scripts over one output need not index twice */
    fputs("],\n  \"gradient\": {\"reverse\": ", f);
    json_array(f, r->rev, n);
    fputs(", \"forward\": ", f);
    json_array(f, r->fwd, n);
    fputs("},\n  \"jacobian\": {\"reverse\": [", f);
    for (size_t k = 0; k < m; k++) {
        if (k)
            fputs(", ", f);
        json_array(f, r->rev + k * n, n);
    }
    fputs("], \"forward\": [", f);
    for (size_t k = 0; k < m; k++) {
        if (k)
            fputs(", ", f);
        json_array(f, r->fwd + k * n, n);
    }
    fputs("]},\n  \"max_difference\": ", f);
    json_number(f, r->maxdiff);
    fputs(",\n  \"max_relative_difference\": ", f);
    json_number(f, r->maxrel);
    fputs(",\n  \"jvp\": ", f);
    if (r->jvp) {
        fputs("{\"direction\": ", f);
        json_array(f, r->jvp_u, n);
        fputs(", \"result\": ", f);
        json_array(f, r->jvp, m);
        fputs("}", f);
    } else {
        fputs("null", f);
    }
    if (r->traces) {
        fputs(",\n  \"trace\": ", f);
        json_string(f, r->traces);
    }
    fputs("\n}\n", f);
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc == DONE ? EXIT_SUCCESS : rc;

    wg_graph *g = NULL;
    rc = o.expr ? graph_from_expr(o.expr, o.at, &g) : graph_from_file(o.file, o.at, &g);
    if (rc)
        return rc;
    wg_tape *t = wg_graph_tape(g);
    if (wg_status(t) != WG_OK) {
        rc = fail("%s", wg_errmsg(t));
        wg_graph_free(g);
        return rc;
    }
    if (o.dot) {
        int s = wg_graph_write_dot(g, o.dot_values ? WG_DOT_VALUES : 0, stdout);
        wg_graph_free(g);
        if (s != WG_OK || fflush(stdout) != 0) {
            fputs(PROG ": writing the DOT text failed\n", stderr);
            return EXIT_INTERNAL;
        }
        return EXIT_SUCCESS;
    }
    if (wg_graph_noutputs(g) == 0) {
        rc = fail("%s has no output: nothing to differentiate", o.file ? o.file : "the graph");
        wg_graph_free(g);
        return rc;
    }

    results r;
    memset(&r, 0, sizeof r);
    r.g = g;
    r.t = t;
    r.n = wg_graph_ninputs(g);
    r.m = wg_graph_noutputs(g);
    rc = compute(&o, &r);
    if (!rc) {
        if (o.json)
            print_json(&o, &r, stdout);
        else
            print_text(&o, &r, stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fputs(PROG ": writing the results failed\n", stderr);
            rc = EXIT_INTERNAL;
        }
    }
    results_free(&r);
    wg_graph_free(g);
    return rc;
}
