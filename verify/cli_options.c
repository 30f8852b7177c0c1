/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_options.c -- wengert-verify's command line: the usage text (--help),
 * the options and their checks, lists of numbers and points (NAME=VALUE,...). */
#define _GNU_SOURCE /* getopt_long */

#include "cli.h"
#include "json.h"
#include "tool_version.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
"                      every name that is not a function is a variable (pi and\n"
"                      e are constants unless so named); x**2 is x^2; ln, log2,\n"
"                      log10 as well as every op\n"
"  FILE.wg             a graph in .wg text ('-' reads standard input)\n"
"  -a, --at LIST       the point, as NAME=VALUE,...: for an expression every\n"
"                      variable, in the order the inputs take; for a file, values\n"
"                      that replace the file's (a variable the expression does\n"
"                      not use is kept, derivative 0, with a note)\n"
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
"      --plugin LIB.so load custom ops from a shared object: its\n"
"                      int wg_plugin_init(void) registers them (wg_custom_op);\n"
"                      repeatable, loaded in order before the input is read\n"
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
            CLI_EXAMPLE_EXPR, CLI_EXAMPLE_AT,
            wg_builtin_data_dir() ? wg_builtin_data_dir() : "none: give --data");
}

/* one line on stderr, the program's name first; returns EXIT_BAD */
/* ---------------------------------------------------------------- options */



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
        return cli_fail("%s: '%s' is not a whole number from %llu to %llu", opt, s, lo, hi);
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
            return cli_fail("--expect: '%s' is not a verdict (pass, fail, nondiff, invalid, "
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
            return cli_fail("--safety: '%s' is not a positive number", arg);
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


/* what --check and --suite take and what they exclude */
static int check_usage(const options *o)
{
    if (o->check && o->suite)
        return cli_fail("give --check or --suite, not both");
    if (!o->check && !o->suite) {
        if (o->check_opt)
            return cli_fail("%s is an option of --check%s", o->check_opt,
                            strcmp(o->check_opt, "--expect") ? " and --suite" : "");
        if (o->verbose)
            return cli_fail("--verbose is an option of --check and --suite");
        if (o->list || o->data || o->outside_paths)
            return cli_fail("%s is an option of --suite", o->list ? "--list" : o->data ? "--data"
                            : "--allow-outside-paths");
        if (o->store)
            return cli_fail("--store is an option of --check and --suite");
        return 0;
    }
    if (o->store && o->list)
        return cli_fail("--store is not used with --list: it checks nothing");
    if (o->store && !*o->store)
        return cli_fail("--store: no file given");
    const char *mode = o->check ? "--check" : "--suite";
    const char *extra = o->trace ? "--trace" : o->dir ? "--dir" : o->wrt ? "--wrt"
                      : o->jvp ? "--jvp" : o->dot_values ? "--dot-values" : o->dot ? "--dot"
                      : o->hessian ? "--hessian" : NULL;
    if (extra)
        return cli_fail("%s is not used with %s", extra, mode);
    if (o->json && o->verbose)
        return cli_fail("give --json or --verbose, not both");
    if (o->suite) {
        if (o->expr || o->file || o->example)
            return cli_fail("--suite checks the cases of its file; drop %s",
                            o->expr ? "-e" : o->example ? "--example" : o->file);
        if (o->at)
            return cli_fail("--at is not used with --suite: each case has its points");
        if (o->check_opt && strcmp(o->check_opt, "--expect") == 0)
            return cli_fail("--expect is an option of --check: each case of a suite has its own");
        if (o->data && strcmp(o->suite, "builtin") != 0)
            return cli_fail("--data is for --suite builtin");
    } else if (o->list || o->data || o->outside_paths) {
        return cli_fail("%s is an option of --suite", o->list ? "--list" : o->data ? "--data"
                        : "--allow-outside-paths");
    }
    return 0;
}

int cli_parse_options(int argc, char **argv, options *o)
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
        { "allow-outside-paths", no_argument, NULL, OPT_OUTSIDE },
        { "data", required_argument, NULL, OPT_DATA },
        { "store", required_argument, NULL, OPT_STORE },
        { "plugin", required_argument, NULL, OPT_PLUGIN },
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
        case OPT_OUTSIDE: o->outside_paths = 1; break;
        case OPT_CHECK: o->check = 1; break;
        case OPT_SUITE: o->suite = optarg; break;
        case OPT_LIST: o->list = 1; break;
        case OPT_DATA: o->data = optarg; break;
        case OPT_STORE: o->store = optarg; break;
        case OPT_PLUGIN: {      /* loaded now: its ops are names the input may call */
            char why[512];
            if (wg_plugin_load(optarg, why, sizeof why) != WG_OK)
                return cli_fail("--plugin %s: %s", optarg, why);
            break;
        }
        case 'v': o->verbose = 1; break;
        case OPT_EXPECT: case OPT_SEED: case OPT_DIRECTIONS: case OPT_PRECISION:
        case OPT_SAFETY: case OPT_FULL_JACOBIAN: case OPT_ORDER:
            if ((r = check_option(c, optarg, o)) != 0)
                return r;
            break;
        case 'h': usage(stdout); return CLI_DONE;
        case 'V': wg_tool_version(stdout, PROG); return CLI_DONE;
        case ':':
            return cli_fail("option %s needs an argument (see --help)", argv[optind - 1]);
        default: {
            /* a short option is named by optopt; a long one only by its argv */
            if (optopt > 0 && optopt < 256)
                return cli_fail("unknown option '-%c' (see --help)", optopt);
            const char *arg = argv[optind - 1], *eq = strchr(arg, '=');
            if (optopt && eq)
                return cli_fail("option '%.*s' takes no argument", (int)(eq - arg), arg);
            return cli_fail("unknown option '%s' (see --help)", arg);
        }
        }
    }
    if (optind < argc)
        o->file = argv[optind++];
    if (optind < argc)
        return cli_fail("one FILE.wg at most; '%s' is one argument too many", argv[optind]);
    if ((r = check_usage(o)) != 0)
        return r;
    if (o->suite)
        return 0;               /* no function of its own */
    if (o->example) {
        if (o->expr || o->file)
            return cli_fail("--example runs its own expression; drop -e and FILE");
        if (o->at)
            return cli_fail("--example has its own point (%s); use -e to choose another", CLI_EXAMPLE_AT);
        o->expr = CLI_EXAMPLE_EXPR;
        o->at = CLI_EXAMPLE_AT;
        o->trace = 1;
    }
    if (o->expr && o->file)
        return cli_fail("give -e EXPRESSION or FILE.wg, not both");
    if (!o->expr && !o->file)
        return cli_fail("no function: give -e EXPRESSION, FILE.wg or --example (see --help)");
    if (o->dir && o->wrt)
        return cli_fail("give --dir or --wrt, not both");
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
int cli_parse_vector(const char *opt, const char *s, double **out, size_t *n)
{
    char **part = split(s, n);
    if (!part)
        return cli_out_of_memory();
    double *v = malloc(*n * sizeof *v);
    if (!v) {
        free(part);
        return cli_out_of_memory();
    }
    for (size_t k = 0; k < *n; k++)
        if (!parse_number(part[k], &v[k])) {
            int r = cli_fail("%s: component %zu, '%s', is not a finite number", opt, k + 1, part[k]);
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


void cli_point_free(point *pt)
{
    free(pt->part);
    free(pt->name);
    free(pt->value);
}

/* "x1=2,x2=5" -> names and values; an exit status on error */
int cli_parse_point(const char *s, point *pt)
{
    memset(pt, 0, sizeof *pt);
    pt->part = split(s, &pt->n);
    pt->name = pt->part ? malloc(pt->n * sizeof *pt->name) : NULL;
    pt->value = pt->name ? malloc(pt->n * sizeof *pt->value) : NULL;
    if (!pt->value)
        return cli_out_of_memory();
    for (size_t k = 0; k < pt->n; k++) {
        char *eq = strchr(pt->part[k], '=');
        if (!eq)
            return cli_fail("--at: '%s' is not NAME=VALUE", trim(pt->part[k]));
        *eq = '\0';
        char *name = trim(pt->part[k]);
        if (!*name)
            return cli_fail("--at: entry %zu has no name before '='", k + 1);
        if (!parse_number(eq + 1, &pt->value[k]))
            return cli_fail("--at: %s: '%s' is not a finite number", name, trim(eq + 1));
        for (size_t j = 0; j < k; j++)
            if (strcmp(pt->name[j], name) == 0)
                return cli_fail("--at: '%s' is given twice", name);
        pt->name[k] = name;
    }
    return 0;
}
