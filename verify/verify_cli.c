/* verify_cli.c -- wengert-verify: evaluate a function recorded on a tape
 * (an expression or a .wg graph) at a point, and check its derivatives:
 * the gradient in reverse mode (one VJP per output) against forward mode
 * (one JVP per input), with the evaluation-trace tables on request.  With
 * --check, the full check of libwengert-verify (an MPFR reference, finite
 * differences, error bounds, a verdict); with --suite, the same for every
 * case of a suite file or of the builtin suite, as a table or JSON lines;
 * with --store, into a wengert-fuzz result store too (verify_store.h).
 *
 * Exit status: 0 success (every case checked met its expected verdict), 1
 * a case did not, or an internal failure (out of memory, a write error), 2
 * bad input or usage (one line on stderr naming what was wrong). */
#define _GNU_SOURCE /* getopt_long, open_memstream */

#include "builtin_suite.h"
#include "verify_store.h"
#include "wengert.h"
#include "wengert_verify.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
"       " PROG " --check [CHECK OPTIONS] (-e EXPRESSION --at ... | FILE.wg | --example)\n"
"       " PROG " --suite FILE|builtin [CHECK OPTIONS]\n"
"       " PROG " (--check ... | --suite ...) --store RESULTS.sqlite\n"
"\n"
"Records the function on a tape, evaluates it, and computes its gradient in\n"
"reverse mode (one VJP per output) and in forward mode (one JVP per input),\n"
"printing both and the largest difference between them.\n"
"\n"
"--check checks the derivatives instead: along random directions, reverse and\n"
"forward mode, double central differences and GSL's gsl_deriv_central against\n"
"an MPFR reference, with an error bound for AD and a verdict: pass, fail,\n"
"nondiff (a kink), invalid (outside a domain) or unstable (no reference).\n"
"--suite does the same for every case of a suite file (doc/SUITE.md) or of the\n"
"builtin suite, and compares each verdict with the one the case expects.\n"
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
"      --hessian       also print the Hessian of the one output: from wg_hessian and\n"
"                      from reverse over reverse of the recorded gradient graph,\n"
"                      and their largest difference\n"
"      --json          print one JSON object instead of text\n"
"      --dot           print the graph in Graphviz DOT and exit\n"
"      --dot-values    the same, with each node's value\n"
"      --example       run the seed example: -e '%s' --at %s --trace\n"
"  -h, --help          print this help and exit\n"
"  -V, --version       print the version and exit\n"
"\n"
"Checks (--check, --suite):\n"
"      --check         check the function given by -e/--at, FILE.wg or --example\n"
"      --suite FILE    check every case of a suite file ('-' reads standard input);\n"
"                      'builtin' is the suite built into the program\n"
"      --list          with --suite: list the cases and exit, checking none\n"
"      --expect V      with --check: the verdict expected (default pass)\n"
"      --seed N        seed of the random directions (default 1)\n"
"      --directions N  random directions per point (default 3)\n"
"      --precision B   bits of the MPFR reference (default 256, at least 128)\n"
"      --safety X      factor on the AD error bound (default 8)\n"
"      --full-jacobian also check along every input axis\n"
"      --order N       1: first derivatives (default); 2: the Hessian, v^T H u of\n"
"                      w.f along random u, v, by forward over reverse, reverse over\n"
"                      reverse and wg_hvp (doc/VERIFY.md, \"Second order\")\n"
"      --data DIR      folder of the benchmark data (gmm/test.txt) for the builtin\n"
"                      suite (default: %s)\n"
"      --allow-outside-paths  let a suite name .wg files outside its folder\n"
"                      (refused by default: doc/SUITE.md, \"Paths\")\n"
"      --json          one JSON object per case, one per line\n"
"  -v, --verbose       after the table, every case's results in full (without it,\n"
"                      those of the cases that missed their expected verdict)\n"
"      --store FILE    also write every result into the SQLite result store FILE\n"
"                      (created if missing; wengert-fuzz's layout): one campaign per\n"
"                      command, one row per case and point; run again, the rows\n"
"                      stored already are kept and the rest added\n"
"\n"
"A suite case's own options replace these.  The table has a row per case:\n"
"its verdict, the verdict expected, the relative errors of reverse and forward\n"
"mode, central differences and GSL against the reference, the AD error bound\n"
"(relative, like the errors) and the time; the row shown is the direction\n"
"that set the verdict, or for a pass the one closest to its bound.\n"
"\n"
"Exit status: 0 success (every case checked met its expected verdict), 1 a case\n"
"did not (or an internal failure), 2 bad input or usage.\n",
            example_expr, example_at,
            wg_builtin_data_dir() ? wg_builtin_data_dir() : "none: give --data");
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
    int trace, json, dot, dot_values, example, hessian;
    /* checks */
    int check, list, verbose, outside_paths;
    const char *suite, *data;
    const char *store;          /* --store: the result store, or NULL */
    int argc;                   /* the command line, for the store's record */
    char **argv;
    wg_verdict expect;
    wg_check_options copt;
    const char *check_opt;      /* the first check option given, for messages */
} options;

enum { OPT_JSON = 256, OPT_DOT, OPT_DOT_VALUES, OPT_EXAMPLE, OPT_CHECK, OPT_SUITE, OPT_LIST,
       OPT_EXPECT, OPT_SEED, OPT_DIRECTIONS, OPT_PRECISION, OPT_SAFETY, OPT_FULL_JACOBIAN,
       OPT_ORDER, OPT_DATA, OPT_STORE, OPT_HESSIAN, OPT_OUTSIDE };

static int parse_number(const char *s, double *out);

/* a whole number of the option opt in [lo, hi]; an exit status on error */
static int parse_whole(const char *opt, const char *s, unsigned long long lo,
                       unsigned long long hi, unsigned long long *out)
{
    unsigned long long v = 0;
    const char *p = s;
    int ok = *p != '\0';
    for (; *p && ok; p++) {
        unsigned d = (unsigned)(*p - '0');
        ok = *p >= '0' && *p <= '9' && v <= (UINT64_MAX - d) / 10;
        v = v * 10 + d;
    }
    if (!ok || v < lo || v > hi)
        return fail("%s: '%s' is not a whole number from %llu to %llu", opt, s, lo, hi);
    *out = v;
    return 0;
}

/* the options that only a check takes */
static int check_option(int c, const char *arg, options *o)
{
    unsigned long long v;
    int r = 0;
    switch (c) {
    case OPT_EXPECT: {
        int k = 0;
        while (k < WG_VERDICT_COUNT && strcmp(arg, wg_verdict_name((wg_verdict)k)) != 0)
            k++;
        if (k == WG_VERDICT_COUNT)
            return fail("--expect: '%s' is not a verdict (pass, fail, nondiff, invalid, "
                        "unstable)", arg);
        o->expect = (wg_verdict)k;
        if (!o->check_opt)
            o->check_opt = "--expect";
        return 0;
    }
    case OPT_SEED:
        if (!(r = parse_whole("--seed", arg, 0, UINT64_MAX, &v)))
            o->copt.seed = (uint64_t)v;
        break;
    case OPT_DIRECTIONS:
        if (!(r = parse_whole("--directions", arg, 1, 100000, &v)))
            o->copt.directions = (unsigned)v;
        break;
    case OPT_PRECISION:
        if (!(r = parse_whole("--precision", arg, 128, 1000000, &v)))
            o->copt.precision = (unsigned)v;
        break;
    case OPT_SAFETY: {
        double x;
        if (!parse_number(arg, &x) || !(x > 0))
            return fail("--safety: '%s' is not a positive number", arg);
        o->copt.safety = x;
        break;
    }
    case OPT_FULL_JACOBIAN:
        o->copt.full_jacobian = 1;
        break;
    case OPT_ORDER:
        if (!(r = parse_whole("--order", arg, 1, 2, &v)))
            o->copt.order = (unsigned)v;
        break;
    }
    if (!r && !o->check_opt) {
        static const char *const names[] = { "--seed", "--directions", "--precision",
                                             "--safety", "--full-jacobian", "--order" };
        o->check_opt = names[c - OPT_SEED];
    }
    return r;
}

/* 0: parsed; DONE: --help or --version answered; else an exit status */
#define DONE 100

/* what --check and --suite take and what they exclude */
static int check_usage(const options *o)
{
    if (o->check && o->suite)
        return fail("give --check or --suite, not both");
    if (!o->check && !o->suite) {
        if (o->check_opt)
            return fail("%s is an option of --check%s", o->check_opt,
                        strcmp(o->check_opt, "--expect") ? " and --suite" : "");
        if (o->verbose)
            return fail("--verbose is an option of --check and --suite");
        if (o->list || o->data || o->outside_paths)
            return fail("%s is an option of --suite", o->list ? "--list" : o->data ? "--data"
                        : "--allow-outside-paths");
        if (o->store)
            return fail("--store is an option of --check and --suite");
        return 0;
    }
    if (o->store && o->list)
        return fail("--store is not used with --list: it checks nothing");
    if (o->store && !*o->store)
        return fail("--store: no file given");
    const char *mode = o->check ? "--check" : "--suite";
    const char *extra = o->trace ? "--trace" : o->dir ? "--dir" : o->wrt ? "--wrt"
                      : o->jvp ? "--jvp" : o->dot_values ? "--dot-values" : o->dot ? "--dot"
                      : o->hessian ? "--hessian" : NULL;
    if (extra)
        return fail("%s is not used with %s", extra, mode);
    if (o->json && o->verbose)
        return fail("give --json or --verbose, not both");
    if (o->suite) {
        if (o->expr || o->file || o->example)
            return fail("--suite checks the cases of its file; drop %s",
                        o->expr ? "-e" : o->example ? "--example" : o->file);
        if (o->at)
            return fail("--at is not used with --suite: each case has its points");
        if (o->check_opt && strcmp(o->check_opt, "--expect") == 0)
            return fail("--expect is an option of --check: each case of a suite has its own");
        if (o->data && strcmp(o->suite, "builtin") != 0)
            return fail("--data is for --suite builtin");
    } else if (o->list || o->data || o->outside_paths) {
        return fail("%s is an option of --suite", o->list ? "--list" : o->data ? "--data"
                    : "--allow-outside-paths");
    }
    return 0;
}

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
        { "check", no_argument, NULL, OPT_CHECK },
        { "suite", required_argument, NULL, OPT_SUITE },
        { "list", no_argument, NULL, OPT_LIST },
        { "expect", required_argument, NULL, OPT_EXPECT },
        { "seed", required_argument, NULL, OPT_SEED },
        { "directions", required_argument, NULL, OPT_DIRECTIONS },
        { "precision", required_argument, NULL, OPT_PRECISION },
        { "safety", required_argument, NULL, OPT_SAFETY },
        { "full-jacobian", no_argument, NULL, OPT_FULL_JACOBIAN },
        { "order", required_argument, NULL, OPT_ORDER },
        { "hessian", no_argument, NULL, OPT_HESSIAN },
        { "data", required_argument, NULL, OPT_DATA },
        { "store", required_argument, NULL, OPT_STORE },
        { "allow-outside-paths", no_argument, NULL, OPT_OUTSIDE },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    memset(o, 0, sizeof *o);
    o->argc = argc;
    o->argv = argv;
    wg_check_options_init(&o->copt);
    o->expect = WG_VERDICT_PASS;
    opterr = 0;                 /* our own one-line messages */
    int c, r;
    while ((c = getopt_long(argc, argv, ":e:a:td:w:j:vhV", longopts, NULL)) != -1) {
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
        case OPT_HESSIAN: o->hessian = 1; break;
        case OPT_CHECK: o->check = 1; break;
        case OPT_SUITE: o->suite = optarg; break;
        case OPT_LIST: o->list = 1; break;
        case OPT_DATA: o->data = optarg; break;
        case OPT_STORE: o->store = optarg; break;
        case OPT_OUTSIDE: o->outside_paths = 1; break;
        case 'v': o->verbose = 1; break;
        case OPT_EXPECT: case OPT_SEED: case OPT_DIRECTIONS: case OPT_PRECISION:
        case OPT_SAFETY: case OPT_FULL_JACOBIAN: case OPT_ORDER:
            if ((r = check_option(c, optarg, o)) != 0)
                return r;
            break;
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
    if ((r = check_usage(o)) != 0)
        return r;
    if (o->suite)
        return 0;               /* no function of its own */
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

/* For a check, a function that cannot be recorded at its point (outside
 * a domain, a branch that flips) is not bad input: it is the verdict
 * invalid.  Such a failure's message goes to invalid (INVALID_LEN bytes)
 * when the caller gives one, and *out stays NULL. */
#define INVALID_LEN 320

static int point_status(int s)
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
static int graph_from_expr(const char *expr, const char *at, wg_graph **out, char *invalid)
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
    if (!g && invalid && point_status(err.status)) {
        set_invalid(invalid, "", error_text(err.message));
        point_free(&pt);
        return 0;
    }
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

/* stdin as text into *out: 0, or the exit status after saying why.  At
 * most wg_read_limit() bytes (the files' limit), and it stops at the first
 * NUL byte, which no text holds (read on, it would cut the text short
 * without a word) */
static int read_stream(FILE *f, char **out)
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
            return fail("<stdin>: a NUL byte at offset %zu: not text", at);
        }
        if (len < cap - 1)
            break;
        if (len > wg_read_limit()) {
            free(s);
            return fail("<stdin>: larger than the limit of %zu bytes (set WG_MAX_FILE_BYTES to "
                        "read more)", wg_read_limit());
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
        return out_of_memory();
    if (ferror(f)) {
        free(s);
        return fail("<stdin>: read error");
    }
    s[len] = '\0';
    *out = s;
    return 0;
}

/* a .wg file, then the --at values replacing the file's (through wg_eval,
 * which checks domains and recorded branches at the new point) */
static int graph_from_file(const char *file, const char *at, wg_graph **out, char *invalid)
{
    wg_parse_error err;
    memset(&err, 0, sizeof err);
    wg_graph *g;
    if (strcmp(file, "-") == 0) {
        char *text;
        int rs = read_stream(stdin, &text);
        if (rs)
            return rs;
        g = wg_graph_read_string(text, "<stdin>", &err);
        free(text);
    } else {
        g = wg_graph_read_file(file, &err);
    }
    if (!g && invalid && point_status(err.status)) {
        set_invalid(invalid, "", err.message);
        return 0;
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
        int s = r ? WG_OK : wg_eval(t, pt.n, x, pt.value);
        if (s != WG_OK && invalid && point_status(s)) {
            set_invalid(invalid, "at the point of --at: ", wg_errmsg(t));
            wg_graph_free(g);
            g = NULL;
        } else if (s != WG_OK) {
            r = fail("at the point of --at: %s", wg_errmsg(t));
        }
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

/* a row-major matrix as JSON rows, inside brackets the caller writes */
static void json_rows(FILE *f, const double *a, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++) {
        if (i)
            fputs(", ", f);
        json_array(f, a + i * cols, cols);
    }
}

/* ---------------------------------------------------------------- the run */

typedef struct {
    wg_graph *g;
    wg_tape *t;
    size_t n, m;                /* inputs, outputs (handles) */
    size_t N, M;                /* their elements: a tensor counts each */
    wg_var *x, *y;
    char **xlab, **ylab;        /* N and M element names: "x", "W[0,1]" */
    double *x0;                 /* N input values */
    double *val;                /* M output values */
    double *rev, *fwd;          /* M x N Jacobians, row-major */
    double maxdiff, maxrel;
    double *u;                  /* tangent-table direction (N) */
    double *jvp_u, *jvp;        /* --jvp direction (N) and J u (M) */
    char *traces;               /* the tables, when --trace */
    double *hess, *hess_rr;     /* --hessian: N x N from wg_hessian, and reverse over reverse */
    double hmaxdiff, hmaxrel;
} results;

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

static void results_free(results *r)
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
        return fail("--hessian: the function has %zu output elements; the Hessian needs one",
                    r->M);
    if (N && N > SIZE_MAX / sizeof(double) / N)
        return out_of_memory();
    size_t nn = N ? N * N : 1;
    r->hess = malloc(nn * sizeof *r->hess);
    r->hess_rr = malloc(nn * sizeof *r->hess_rr);
    double *e = calloc(N ? N : 1, sizeof *e);
    wg_var *g = malloc((n ? n : 1) * sizeof *g);
    if (!r->hess || !r->hess_rr || !e || !g) {
        free(e);
        free(g);
        return out_of_memory();
    }
    int s = N ? wg_hessian(t, r->y[0], n, r->x, r->hess) : WG_OK;
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

static int compute(const options *o, results *r)
{
    wg_tape *t = r->t;
    size_t n = r->n, m = r->m;
    int s;
    r->x = malloc((n ? n : 1) * sizeof *r->x);
    r->y = malloc(m * sizeof *r->y);
    if (!r->x || !r->y)
        return out_of_memory();
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
        return out_of_memory();
    size_t mn = M * N > 0 ? M * N : 1;
    r->val = calloc(M ? M : 1, sizeof *r->val);
    r->x0 = malloc((N ? N : 1) * sizeof *r->x0);
    r->rev = malloc(mn * sizeof *r->rev);
    r->fwd = malloc(mn * sizeof *r->fwd);
    r->u = calloc(N ? N : 1, sizeof *r->u);
    r->xlab = element_labels(t, n, r->x, wg_graph_input_name, r->g, N);
    r->ylab = element_labels(t, m, r->y, wg_graph_output_name, r->g, M);
    if (!r->val || !r->x0 || !r->rev || !r->fwd || !r->u || !r->xlab || !r->ylab)
        return out_of_memory();
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
        int rc = parse_vector("--jvp", o->jvp, &r->jvp_u, &k);
        if (rc)
            return rc;
        if (k != N) {
            char names[512];
            return fail("--jvp: %zu component%s given, the function has %zu input%s%s (%s)", k,
                        k == 1 ? "" : "s", N, N == n ? "" : " element", N == 1 ? "" : "s",
                        name_list(r->g, NULL, names, sizeof names));
        }
        r->jvp = malloc((M ? M : 1) * sizeof *r->jvp);
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
            if (k != N) {
                char names[512];
                free(d);
                return fail("--dir: %zu component%s given, the function has %zu input%s%s (%s)",
                            k, k == 1 ? "" : "s", N, N == n ? "" : " element",
                            N == 1 ? "" : "s", name_list(r->g, NULL, names, sizeof names));
            }
            memcpy(r->u, d, N * sizeof *d);
            free(d);
        } else if (o->wrt) {
            size_t j = find_input(r->g, o->wrt);
            if (j == (size_t)-1) {
                char names[512];
                return fail("--wrt: '%s' is not an input (inputs: %s)", o->wrt,
                            name_list(r->g, NULL, names, sizeof names));
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

static void print_text(const options *o, const results *r, FILE *f)
{
    char b1[40], b2[40], b3[40];
    size_t N = r->N, M = r->M;
    if (o->expr)
        fprintf(f, "f = %s\n", o->expr);
    else
        fprintf(f, "graph %s\n", o->file);
    fputs("at ", f);
    for (size_t j = 0; j < N; j++)
        fprintf(f, "%s%s = %s", j ? ", " : "", r->xlab[j], full(r->x0[j], b1));
    fputs(N ? "\n" : "(no inputs)\n", f);
    if (r->traces)
        fprintf(f, "\n%s", r->traces);
    fputc('\n', f);
    for (size_t k = 0; k < M; k++)
        fprintf(f, "value  %s = %s\n", r->ylab[k], full(r->val[k], b1));
    for (size_t k = 0; k < M && N; k++) {
        const char *yn = r->ylab[k];
        fprintf(f, "\ngradient of %s\n", yn);
        fprintf(f, "  %-16s  %-24s  %-24s  %s\n", "", "reverse mode", "forward mode",
                "|reverse - forward|");
        for (size_t j = 0; j < N; j++) {
            char label[256];
            snprintf(label, sizeof label, "d%s/d%s", yn, r->xlab[j]);
            double a = r->rev[k * N + j], b = r->fwd[k * N + j];
            fprintf(f, "  %-16s  %-24s  %-24s  %s\n", label, full(a, b1), full(b, b2),
                    full(fabs(a - b), b3));
        }
    }
    if (N)
        fprintf(f, "\nlargest difference between reverse and forward mode: %s (relative %s)\n",
                full(r->maxdiff, b1), full(r->maxrel, b2));
    if (r->jvp) {
        fputs("\nJ u along u = (", f);
        for (size_t j = 0; j < N; j++)
            fprintf(f, "%s%s", j ? ", " : "", full(r->jvp_u[j], b1));
        fputs(")\n", f);
        for (size_t k = 0; k < M; k++)
            fprintf(f, "  %s: %s\n", r->ylab[k], full(r->jvp[k], b1));
    }
    if (r->hess && N) {
        const char *yn = r->ylab[0];
        fprintf(f, "\nHessian of %s\n", yn);
        fprintf(f, "  %-24s  %-24s  %-24s  %s\n", "", "wg_hessian", "reverse over reverse",
                "|difference|");
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < N; j++) {
                char label[256];
                snprintf(label, sizeof label, "d2%s/d%sd%s", yn, r->xlab[i], r->xlab[j]);
                double a = r->hess[i * N + j], b = r->hess_rr[i * N + j];
                fprintf(f, "  %-24s  %-24s  %-24s  %s\n", label, full(a, b1), full(b, b2),
                        full(fabs(a - b), b3));
            }
        fprintf(f, "\nlargest difference between wg_hessian and reverse over reverse: %s "
                "(relative %s)\n", full(r->hmaxdiff, b1), full(r->hmaxrel, b2));
    }
}

static void print_json(const options *o, const results *r, FILE *f)
{
    size_t n = r->N, m = r->M;      /* elements: a tensor lists each */
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
        json_string(f, r->xlab[j]);
    }
    fputs("],\n  \"point\": [", f);
    for (size_t j = 0; j < n; j++) {
        if (j)
            fputs(", ", f);
        json_number(f, r->x0[j]);
    }
    fputs("],\n  \"value\": ", f);
    json_number(f, r->val[0]);
    fputs(",\n  \"outputs\": [", f);
    for (size_t k = 0; k < m; k++) {
        fputs(k ? ", {\"name\": " : "{\"name\": ", f);
        json_string(f, r->ylab[k]);
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
    json_rows(f, r->rev, m, n);
    fputs("], \"forward\": [", f);
    json_rows(f, r->fwd, m, n);
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
    if (r->hess) {
        /* rows of the Hessian: from wg_hessian, and reverse over reverse */
        fputs(",\n  \"hessian\": {\"wg_hessian\": [", f);
        json_rows(f, r->hess, n, n);
        fputs("], \"reverse_over_reverse\": [", f);
        json_rows(f, r->hess_rr, n, n);
        fputs("], \"max_difference\": ", f);
        json_number(f, r->hmaxdiff);
        fputs(", \"max_relative_difference\": ", f);
        json_number(f, r->hmaxrel);
        fputs("}", f);
    }
    if (r->traces) {
        fputs(",\n  \"trace\": ", f);
        json_string(f, r->traces);
    }
    fputs("\n}\n", f);
}

/* ---------------------------------------------------------------- checks */

static double wall_seconds(void)
{
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC)
        return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* a relative figure with 3 significant digits (its own error makes more
 * meaningless), "-" when there is none */
static const char *fig3(double v, char *buf)
{
    if (isfinite(v))
        snprintf(buf, 16, "%.3g", v);
    else
        snprintf(buf, 16, "-");
    return buf;
}

/* The result a row shows: the one that set the verdict; for a pass, the
 * one whose AD error came closest to its bound (the most telling). */
static const wg_check_result *shown_result(const wg_check_report *r)
{
    if (!r->nresults)
        return NULL;
    if (r->verdict != WG_VERDICT_PASS)
        return &r->results[r->worst];
    size_t best = 0;
    double best_ratio = -1;
    for (size_t k = 0; k < r->nresults; k++) {
        const wg_check_result *res = &r->results[k];
        double e = 0;
        for (int m = WG_METHOD_REVERSE; m <= WG_METHOD_FORWARD; m++)
            if (res->fig[m].computed && isfinite(res->fig[m].abs_err))
                e = fmax(e, res->fig[m].abs_err);
        if (res->order == 2 && res->hvp.computed && isfinite(res->hvp.abs_err))
            e = fmax(e, res->hvp.abs_err);
        double ratio = res->bound > 0 ? e / res->bound : e;
        if (ratio > best_ratio) {
            best_ratio = ratio;
            best = k;
        }
    }
    return &r->results[best];
}

/* the bound relative to the reference, as the errors are (absolute when
 * the reference is 0, as rel_err is) */
static double relative_bound(const wg_check_result *res)
{
    if (isfinite(res->reference) && res->reference != 0)
        return res->bound / fabs(res->reference);
    return res->bound;
}

typedef struct {
    const char *name;
    wg_verdict expect;
    int ran;                    /* 0: could not be checked (error holds why) */
    wg_check_report r;
    char error[600];
} case_done;

typedef struct {
    const options *o;
    FILE *out;
    int width;                  /* of the name column */
    double t0;
    size_t n, cap, counts[WG_VERDICT_COUNT], errors, unexpected;
    case_done *done;
} session;

static void session_begin(session *ss, const options *o, int width)
{
    memset(ss, 0, sizeof *ss);
    ss->o = o;
    ss->out = stdout;
    ss->width = width < 4 ? 4 : width > 40 ? 40 : width;
    ss->t0 = wall_seconds();
    if (!o->json && o->copt.order == 2)     /* second order: its methods, and wg_hvp */
        fprintf(ss->out, "%-*s  %-8s  %-8s  %9s  %9s  %9s  %9s  %9s  %9s  %9s\n", ss->width,
                "case", "verdict", "expected", "rev-rev", "fwd-rev", "central", "gsl", "bound",
                "ms", "hvp");
    else if (!o->json) {
        fprintf(ss->out, "%-*s  %-8s  %-8s  %9s  %9s  %9s  %9s  %9s  %9s\n", ss->width, "case",
                "verdict", "expected", "reverse", "forward", "central", "gsl", "bound", "ms");
    }
}

static void session_free(session *ss)
{
    for (size_t k = 0; k < ss->n; k++)
        wg_check_report_free(&ss->done[k].r);
    free(ss->done);
}

static void json_case(const case_done *d, int met, FILE *f)
{
    if (d->ran) {
        /* the library's object, with the expectation added before its '}' */
        char *line = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&line, &len);
        if (m) {
            wg_check_report_json(&d->r, d->name, m);
            if (fclose(m) != 0)
                len = 0;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == ' '))
            len--;
        if (len && line[len - 1] == '}') {
            fprintf(f, "%.*s,\"expected\":\"%s\",\"as_expected\":%s}\n", (int)(len - 1), line,
                    wg_verdict_name(d->expect), met ? "true" : "false");
            free(line);
            return;
        }
        free(line);
    }
    fputs("{\"case\":", f);
    json_string(f, d->name);
    fprintf(f, ",\"verdict\":\"error\",\"expected\":\"%s\",\"as_expected\":false,"
            "\"rel_err\":null,\"bound\":null,\"reference_converged\":false,\"blame\":null,"
            "\"message\":", wg_verdict_name(d->expect));
    json_string(f, d->ran ? "the report could not be written" : d->error);
    fputs("}\n", f);
}

static void print_row(const session *ss, const case_done *d, int met)
{
    char b[6][16];
    FILE *f = ss->out;
    if (!d->ran) {
        fprintf(f, "%-*s  %-8s  %-8s  %9s  %9s  %9s  %9s  %9s  %9s%s  <- could not be checked\n",
                ss->width, d->name, "error", wg_verdict_name(d->expect), "-", "-", "-", "-", "-",
                "-", ss->o->copt.order == 2 ? "          -" : "");
        return;
    }
    const wg_check_result *res = shown_result(&d->r);
    double rel[WG_METHOD_COUNT];
    for (int m = 0; m < WG_METHOD_COUNT; m++)
        rel[m] = res && res->fig[m].computed ? res->fig[m].rel_err : NAN;
    snprintf(b[5], sizeof b[5], "%.3g", d->r.seconds * 1e3);
    char hvp[32] = "";
    if (ss->o->copt.order == 2) {
        char h[16];
        snprintf(hvp, sizeof hvp, "  %9s", fig3(res && res->order == 2 && res->hvp.computed
                                                ? res->hvp.rel_err : NAN, h));
    }
    fprintf(f, "%-*s  %-8s  %-8s  %9s  %9s  %9s  %9s  %9s  %9s%s%s\n", ss->width, d->name,
            wg_verdict_name(d->r.verdict), wg_verdict_name(d->expect), fig3(rel[0], b[0]),
            fig3(rel[1], b[1]), fig3(rel[2], b[2]), fig3(rel[3], b[3]),
            fig3(res ? relative_bound(res) : NAN, b[4]), b[5], hvp,
            met ? "" : "  <- not as expected");
}

/* One case done: r (moved from the caller) when it ran, else why not. */
static int session_case(session *ss, const char *name, wg_verdict expect,
                        wg_check_report *r, const char *why)
{
    if (ss->n == ss->cap) {
        size_t cap = ss->cap ? 2 * ss->cap : 16;
        case_done *d = realloc(ss->done, cap * sizeof *d);
        if (!d) {
            if (r)
                wg_check_report_free(r);
            return out_of_memory();
        }
        ss->done = d;
        ss->cap = cap;
    }
    case_done *d = &ss->done[ss->n++];
    memset(d, 0, sizeof *d);
    d->name = name;
    d->expect = expect;
    d->ran = r != NULL;
    if (r)
        d->r = *r;
    else
        snprintf(d->error, sizeof d->error, "%s", why);
    int met = d->ran && d->r.verdict == expect;
    if (!d->ran)
        ss->errors++;
    else {
        if ((unsigned)d->r.verdict < WG_VERDICT_COUNT)
            ss->counts[d->r.verdict]++;
        ss->unexpected += !met;
    }
    if (ss->o->json)
        json_case(d, met, ss->out);
    else
        print_row(ss, d, met);
    fflush(ss->out);
    return 0;
}

/* The summary, the details asked for, and the exit status. */
static int session_end(session *ss)
{
    FILE *f = ss->out;
    double secs = wall_seconds() - ss->t0;
    if (!ss->o->json) {
        fprintf(f, "\n%zu case%s in %.3f s: ", ss->n, ss->n == 1 ? "" : "s", secs);
        for (int v = 0; v < WG_VERDICT_COUNT; v++)
            fprintf(f, "%s%zu %s", v ? ", " : "", ss->counts[v], wg_verdict_name((wg_verdict)v));
        if (ss->errors)
            fprintf(f, ", %zu not checked", ss->errors);
        fputc('\n', f);
        if (!ss->unexpected && !ss->errors)
            fprintf(f, "every case met its expected verdict\n");
        if (ss->unexpected) {
            fprintf(f, "%zu case%s did not meet the expected verdict:", ss->unexpected,
                    ss->unexpected == 1 ? "" : "s");
            for (size_t k = 0; k < ss->n; k++) {
                const case_done *d = &ss->done[k];
                if (d->ran && d->r.verdict != d->expect)
                    fprintf(f, "\n  %s: %s, expected %s", d->name, wg_verdict_name(d->r.verdict),
                            wg_verdict_name(d->expect));
            }
            fputc('\n', f);
        }
        for (size_t k = 0; k < ss->n; k++)
            if (!ss->done[k].ran)
                fprintf(f, "not checked: %s: %s\n", ss->done[k].name, ss->done[k].error);
        /* the cases that need a look, in full; with --verbose every one */
        int header = 0;
        for (size_t k = 0; k < ss->n; k++) {
            const case_done *d = &ss->done[k];
            if (!d->ran || (!ss->o->verbose && d->r.verdict == d->expect))
                continue;
            if (!header++)
                fputc('\n', f);
            wg_check_report_print(&d->r, d->name, f);
            fprintf(f, "  expected: %s\n", wg_verdict_name(d->expect));
        }
    }
    for (size_t k = 0; k < ss->n; k++)
        if (!ss->done[k].ran)
            fprintf(stderr, PROG ": case '%s' not checked: %s\n", ss->done[k].name,
                    ss->done[k].error);
    int rc = ss->unexpected ? 1 : ss->errors ? EXIT_BAD : EXIT_SUCCESS;
    session_free(ss);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs(PROG ": writing the results failed\n", stderr);
        return EXIT_INTERNAL;
    }
    return rc;
}

/* ---------------------------------------------------------------- --store */

/* an argument as a shell reads it back: as it is when every character is
 * safe, else in single quotes */
static void put_quoted(FILE *f, const char *a)
{
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789@%+=:,./_-";
    if (*a && strspn(a, safe) == strlen(a)) {
        fputs(a, f);
        return;
    }
    fputc('\'', f);
    for (const char *p = a; *p; p++)
        if (*p == '\'')
            fputs("'\\''", f);
        else
            fputc(*p, f);
    fputc('\'', f);
}

/* the command line, for the record (malloc'd; NULL when out of memory) */
static char *command_line(const options *o)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (int i = 0; i < o->argc; i++) {
        if (i)
            fputc(' ', f);
        put_quoted(f, o->argv[i]);
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The campaign's identity besides its seed: what decides which graphs are
 * checked and how (doubles as %a: exact).  Not --expect, --json, --verbose:
 * they change what is said, not what is checked. */
static char *store_options(const options *o)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    if (o->suite) {
        fprintf(f, "wengert-verify suite=%s", o->suite);
        if (o->data)
            fprintf(f, " data=%s", o->data);
    } else {
        fprintf(f, "wengert-verify check=%s at=%s", o->expr ? o->expr : o->file,
                o->at ? o->at : "");
    }
    fprintf(f, " directions=%u precision=%u safety=%a full=%d", o->copt.directions,
            o->copt.precision, o->copt.safety, o->copt.full_jacobian);
    if (o->copt.order == 2)     /* first-order campaigns keep their text */
        fprintf(f, " order=2");
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* --store FILE: the store and this command's campaign in *vs (NULL
 * without --store); an exit status on error */
static int store_open(const options *o, wg_verify_store **vs)
{
    *vs = NULL;
    if (!o->store)
        return 0;
    char *cmd = command_line(o), *opts = store_options(o);
    char why[800];
    int rc = 0;
    if (!cmd || !opts)
        rc = out_of_memory();
    else if (wg_verify_store_open(o->store, cmd, o->copt.seed, opts, vs, why, sizeof why) != 0)
        rc = fail("%s", why);
    free(cmd);
    free(opts);
    return rc;
}

/* Record the run (key = what: suite=NAME or check=NAME) and close; say
 * how many rows were there already when some were.  A store error is exit
 * status 2; otherwise rc stands. */
static int store_finish(const options *o, wg_verify_store *vs, double t0, const char *key,
                        const char *what, int rc)
{
    if (!vs)
        return rc;
    uint64_t present = wg_verify_store_present(vs), added = wg_verify_store_added(vs);
    const wg_store_info extra[] = { { key, what } };
    char why[800];
    if (wg_verify_store_finish(vs, wall_seconds() - t0, extra, 1, why, sizeof why) != 0)
        return fail("%s", why);
    if (present)
        fprintf(stderr, "%s: %llu results already stored, %llu added\n", o->store,
                (unsigned long long)present, (unsigned long long)added);
    return rc;
}

/* --check: one function, from -e/--at, a .wg file or --example */
static int run_check(const options *o)
{
    char invalid[INVALID_LEN] = "";
    wg_graph *g = NULL;
    double t0 = wall_seconds();
    int rc = o->expr ? graph_from_expr(o->expr, o->at, &g, invalid)
                     : graph_from_file(o->file, o->at, &g, invalid);
    if (rc)
        return rc;
    const char *name = o->expr ? o->expr : o->file;
    if (g) {
        wg_tape *t = wg_graph_tape(g);
        if (wg_status(t) != WG_OK && !point_status(wg_status(t)))
            rc = fail("%s", wg_errmsg(t));
        else if (wg_graph_ninputs(g) == 0)
            rc = fail("%s has no input: nothing to differentiate", name);
        else if (wg_graph_noutputs(g) == 0)
            rc = fail("%s has no output: nothing to differentiate", name);
        if (rc) {
            wg_graph_free(g);
            return rc;
        }
    }
    wg_verify_store *vs = NULL;
    if ((rc = store_open(o, &vs)) != 0) {
        wg_graph_free(g);
        return rc;
    }
    wg_check_report r;
    int s = g ? wg_check_graph(g, &o->copt, &r) : wg_suite_report_invalid(&r, invalid);
    if (s != WG_OK && s != WG_ENOMEM && !r.error[0])
        snprintf(r.error, sizeof r.error, "%s", wg_strerror(s));
    if (vs && s != WG_ENOMEM) {
        char why[800];
        char *note = wg_verify_store_comment("check", name, g ? "no .wg text: the tape failed "
                                             "at the point" : invalid);
        int bad = !note ? out_of_memory()
                : wg_verify_store_put(vs, name, o->copt.seed, g, note, 0, 0, &r, why,
                                      sizeof why) != 0 ? fail("%s", why) : 0;
        free(note);
        if (bad) {
            wg_check_report_free(&r);
            wg_graph_free(g);
            wg_verify_store_close(vs);
            return bad;
        }
    }
    wg_graph_free(g);
    if (s != WG_OK) {
        rc = s == WG_ENOMEM ? out_of_memory()
                            : fail("the check did not run: %s", r.error[0] ? r.error
                                                                          : wg_strerror(s));
        wg_check_report_free(&r);
        if (s != WG_ENOMEM)
            rc = store_finish(o, vs, t0, "check", name, rc);
        else
            wg_verify_store_close(vs);
        return rc;
    }
    session ss;
    session_begin(&ss, o, (int)strlen(name));
    if ((rc = session_case(&ss, name, o->expect, &r, NULL)) != 0) {
        session_free(&ss);
        wg_verify_store_close(vs);
        return rc;
    }
    rc = session_end(&ss);
    return store_finish(o, vs, t0, "check", name, rc);
}

static const char *kind_name(wg_suite_kind k)
{
    return k == WG_SUITE_EXPR ? "expr" : k == WG_SUITE_GRAPH ? "graph" : "C";
}

/* --list: what each case is, checking none */
static int list_suite(const wg_suite *s, int width)
{
    printf("%-*s  %-5s  %6s  %7s  %6s  %-8s  %s\n", width, "case", "kind", "inputs", "outputs",
           "points", "expected", "function");
    for (size_t i = 0; i < wg_suite_size(s); i++) {
        const wg_suite_case *c = wg_suite_case_at(s, i);
        char src[120];
        if (c->error)
            snprintf(src, sizeof src, "not available: %s", c->error);
        else if (c->kind == WG_SUITE_GRAPH && c->source && strchr(c->source, '\n'))
            snprintf(src, sizeof src, "a .wg block at line %d", c->line);
        else
            snprintf(src, sizeof src, "%s", c->source ? c->source : "C code");
        printf("%-*s  %-5s  %6zu  %7zu  %6zu  %-8s  %s\n", width, c->name, kind_name(c->kind),
               c->ninputs, c->noutputs, c->npoints, wg_verdict_name(c->expect), src);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs(PROG ": writing the list failed\n", stderr);
        return EXIT_INTERNAL;
    }
    return EXIT_SUCCESS;
}

/* ---------------------------------------------------------------- --suite --store */

/* "NAME" for a case of one point, "NAME @ point K" (from 1) for one of several */
static void point_label(const wg_suite_case *c, size_t k, char *buf, size_t len)
{
    if (c->npoints > 1)
        snprintf(buf, len, "%s @ point %zu", c->name, k + 1);
    else
        snprintf(buf, len, "%s", c->name);
}

/* Store the row of case c at point k; g (NULL: not recorded there, why
 * says why) and its report.  0, or an exit status (said). */
static int store_point(wg_verify_store *vs, const wg_suite_case *c, size_t k, uint64_t seed,
                       wg_graph *g, const char *why_none, const wg_check_report *r)
{
    char label[600], why[800];
    point_label(c, k, label, sizeof label);
    char *note = wg_verify_store_comment("case", label,
                                         c->kind == WG_SUITE_FN ? "a C function (no .wg text)"
                                         : why_none && *why_none ? why_none : "no .wg text");
    if (!note)
        return out_of_memory();
    int rc = wg_verify_store_put(vs, label, seed, g, note, c->ninputs, c->noutputs, r, why,
                                 sizeof why) != 0 ? fail("%s", why) : 0;
    free(note);
    return rc;
}

/* what the points of a case stored as they are checked need */
typedef struct point_store {
    wg_verify_store *vs;
    size_t stored;           /* points stored so far */
    int rc;                  /* an exit status when the store failed (said) */
} point_store;

static int store_point_fn(void *ctx, const wg_suite_case *c, size_t k, uint64_t seed,
                          wg_graph *g, const char *why_none, const wg_check_report *part)
{
    point_store *ps = ctx;
    ps->rc = store_point(ps->vs, c, k, seed, g, why_none, part);
    ps->stored = k + 1;
    return ps->rc;
}

/* wg_suite_case_check, with every point's report stored as a row of its
 * own as it is made.  A case that cannot run still has its rows: the
 * points checked before with their results, the others with why.
 * *store_rc: an exit status when the store failed (said). */
static int check_case_stored(const wg_suite_case *c, const wg_check_options *base,
                             wg_verify_store *vs, wg_check_report *r, char *why, size_t len,
                             int *store_rc)
{
    point_store ps = { vs, 0, 0 };
    int status = wg_suite_case_check_points(c, base, r, why, len, store_point_fn, &ps);
    *store_rc = ps.rc;
    if (ps.rc || status == WG_OK || status == WG_ENOMEM)
        return ps.rc ? WG_EIO : status;
    /* the rows of the points not checked (one for a case with none) */
    wg_check_options co;
    wg_suite_case_options(c, base, &co);
    wg_check_report none;
    memset(&none, 0, sizeof none);
    size_t wl = strlen(why);
    if (wl >= sizeof none.error)
        wl = sizeof none.error - 1;       /* cut at the end of the field when long */
    memcpy(none.error, why, wl);
    none.error[wl] = '\0';
    size_t rows = !c->error && c->npoints ? c->npoints : 1;
    for (size_t k = ps.stored; k < rows && !*store_rc; k++)
        *store_rc = store_point(vs, c, k, co.seed, NULL, why, &none);
    return *store_rc ? WG_EIO : status;
}

/* --suite FILE|builtin|- */
static int run_suite(const options *o)
{
    wg_parse_error err;
    memset(&err, 0, sizeof err);
    wg_suite *s;
    if (strcmp(o->suite, "builtin") == 0) {
        s = wg_builtin_suite(o->data ? o->data : wg_builtin_data_dir(), &err);
    } else if (strcmp(o->suite, "-") == 0) {
        char *text;
        int rs = read_stream(stdin, &text);
        if (rs)
            return rs;
        /* from stdin, the current folder is the suite's */
        s = wg_suite_new();
        wg_suite_set_flags(s, o->outside_paths ? WG_SUITE_OUTSIDE_PATHS : 0);
        if (s && wg_suite_add_text(s, text, "<stdin>", NULL, &err) != WG_OK) {
            wg_suite_free(s);
            s = NULL;
        } else if (!s) {
            err.status = WG_ENOMEM;
        }
        free(text);
    } else {
        s = wg_suite_read_file_ex(o->suite, o->outside_paths ? WG_SUITE_OUTSIDE_PATHS : 0, &err);
    }
    if (!s)
        return err.status == WG_ENOMEM ? out_of_memory() : fail("%s", err.message);
    size_t n = wg_suite_size(s);
    if (n == 0) {
        wg_suite_free(s);
        return fail("%s: the suite has no case", o->suite);
    }
    int width = 4;
    for (size_t i = 0; i < n; i++) {
        int w = (int)strlen(wg_suite_case_at(s, i)->name);
        width = w > width ? w : width;
    }
    if (o->list) {
        int rc = list_suite(s, width > 40 ? 40 : width);
        wg_suite_free(s);
        return rc;
    }
    wg_verify_store *vs = NULL;
    int rc = store_open(o, &vs);
    if (rc) {
        wg_suite_free(s);
        return rc;
    }
    session ss;
    session_begin(&ss, o, width);
    for (size_t i = 0; i < n && !rc; i++) {
        const wg_suite_case *c = wg_suite_case_at(s, i);
        wg_check_report r;
        char why[600];
        int st = vs ? check_case_stored(c, &o->copt, vs, &r, why, sizeof why, &rc)
                    : wg_suite_case_check(c, &o->copt, &r, why, sizeof why);
        if (rc)
            break;              /* the store failed: said already */
        if (st == WG_ENOMEM)
            rc = out_of_memory();
        else
            rc = session_case(&ss, c->name, c->expect, st == WG_OK ? &r : NULL, why);
    }
    if (rc) {
        session_free(&ss);
        wg_suite_free(s);
        wg_verify_store_close(vs);
        return rc;
    }
    rc = session_end(&ss);      /* before the suite is freed: names point into it */
    wg_suite_free(s);
    return store_finish(o, vs, ss.t0, "suite", o->suite, rc);
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc == DONE ? EXIT_SUCCESS : rc;

    wg_graph *g = NULL;
    if (o.check || o.suite)
        return o.check ? run_check(&o) : run_suite(&o);
    rc = o.expr ? graph_from_expr(o.expr, o.at, &g, NULL) : graph_from_file(o.file, o.at, &g, NULL);
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
