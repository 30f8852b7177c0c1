/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* trace.c -- the evaluation-trace tables of a graph, one row per node:
 * forward primal, forward tangent along a direction, reverse adjoint of one
 * output (the tables of the seed documents, as aligned plain text).
 *
 * The numbers are the tape's own: values as recorded (or as the last
 * wg_eval left them), tangents from one wg_jvp sweep, adjoints from one
 * wg_grad sweep, read back per node with wg_node_tangent / wg_node_adjoint.
 * The rules are written with the local partials of op_kernels.h, the kernel
 * the sweeps multiply by, so every substituted number is one the sweep used.
 * Only the symbolic spelling of each partial lives here (partial_template).
 *
 * Numbers in the tables are %.6g, to keep the columns readable; callers who
 * need full precision read the values and derivatives from the API.
 *
 * A tensor node shows its shape and first elements ("2x3 [0.5, 1, 2, ...]")
 * for its value, tangent and adjoint.  Rules that involve a tensor are
 * written as whole operations (the rule of a matmul is a matmul, that of a
 * sum a broadcast), with no numbers substituted: per-element numbers would
 * not fit a row. */
#include "graph.h"
#include "op_kernels.h"
#include "tape.h"
#include "wg_tensor_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

/* ---------------------------------------------------------------- strings */

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_put(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static const char *sb_str(const sbuf *b)
{
    return b->s ? b->s : "";
}

static void sb_reset(sbuf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

/* ---------------------------------------------------------------- tables */

#define MAX_COLS 4

typedef struct {
    size_t ncol, nrow, cap;
    char **cell;        /* nrow * ncol strings */
    int oom;
} table;

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

/* append a row holding copies of cells[0..ncol) */
static void tb_add(table *tb, sbuf *cells)
{
    for (size_t c = 0; c < tb->ncol; c++)
        if (cells[c].oom)
            tb->oom = 1;
    if (tb->oom)
        return;
    if (tb->nrow == tb->cap) {
        size_t cap = tb->cap ? tb->cap * 2 : 16;
        char **cell = realloc(tb->cell, cap * tb->ncol * sizeof *cell);
        if (!cell) {
            tb->oom = 1;
            return;
        }
        tb->cell = cell;
        tb->cap = cap;
    }
    char **row = tb->cell + tb->nrow * tb->ncol;
    for (size_t c = 0; c < tb->ncol; c++) {
        row[c] = dup_str(sb_str(&cells[c]));
        if (!row[c]) {
            while (c-- > 0)
                free(row[c]);
            tb->oom = 1;
            return;
        }
    }
    tb->nrow++;
    for (size_t c = 0; c < tb->ncol; c++)
        sb_reset(&cells[c]);
}

static void tb_free(table *tb)
{
    for (size_t r = 0; r < tb->nrow * tb->ncol; r++)
        free(tb->cell[r]);
    free(tb->cell);
}

static void print_row(FILE *out, char *const *cell, const size_t *width, size_t ncol)
{
    for (size_t c = 0; c < ncol; c++) {
        if (c + 1 < ncol)
            fprintf(out, "%-*s  ", (int)width[c], cell[c]);
        else
            fprintf(out, "%s\n", cell[c]);
    }
}

/* title, header, a rule of dashes, the rows; columns as wide as their widest cell */
static void tb_print(const table *tb, const char *title, char *const *head, FILE *out)
{
    size_t width[MAX_COLS];
    for (size_t c = 0; c < tb->ncol; c++) {
        width[c] = strlen(head[c]);
        for (size_t r = 0; r < tb->nrow; r++) {
            size_t w = strlen(tb->cell[r * tb->ncol + c]);
            if (w > width[c])
                width[c] = w;
        }
    }
    fprintf(out, "%s\n", title);
    print_row(out, head, width, tb->ncol);
    for (size_t c = 0; c < tb->ncol; c++) {
        for (size_t k = 0; k < width[c]; k++)
            fputc('-', out);
        fputs(c + 1 < tb->ncol ? "  " : "\n", out);
    }
    for (size_t r = 0; r < tb->nrow; r++)
        print_row(out, tb->cell + r * tb->ncol, width, tb->ncol);
}

/* ---------------------------------------------------------------- numbers and names */

/* + 0.0 turns -0 into 0: at six digits a signed zero (a tangent that is
 * 0 * -4) is noise, not information */
static void put_num(sbuf *b, double v)
{
    sb_put(b, "%.6g", v + 0.0);
}

/* a number inside a written-out expression: negatives in parentheses, so
 * "5 - (-1)" never reads as "5 - -1" */
static void put_term(sbuf *b, double v)
{
    v += 0.0;
    if (signbit(v) && !isnan(v))
        sb_put(b, "(%.6g)", v);
    else
        sb_put(b, "%.6g", v);
}

/* A constant of the graph, in the fewest digits that read back to the same
 * double: definitions show the constant the tape holds, not a rounding of it. */
static void put_exact(sbuf *b, double v, int bare)
{
    char buf[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (!bare && signbit(v) && !isnan(v))
        sb_put(b, "(%s)", buf);
    else
        sb_put(b, "%s", buf);
}

/* node i as one cell: its value (or tangent, adjoint: elem) in full for a
 * scalar, abbreviated for a tensor */
static void put_node(sbuf *b, const wg_tape *t, size_t i, wg_text_elem_fn elem)
{
    char buf[WG_ABBREV_TEXT_BUF];
    sb_put(b, "%s", wg_text_abbrev(t, i, elem, buf, sizeof buf));
}

/* 1 when node i or one of its operands is a tensor: its rule is then a
 * whole-tensor rule, shown without numbers */
static int involves_tensor(const wg_tape *t, size_t i)
{
    if (wg_text_is_tensor(t, i))
        return 1;
    for (int k = 0; k < wg_node_arity(t, i); k++)
        if (wg_text_is_tensor(t, wg_node_arg(t, i, k)))
            return 1;
    return 0;
}

static void put_name(sbuf *b, const wg_graph *g, size_t i)
{
    size_t slot = wg_graph_input_slot(g, i);
    if (slot != (size_t)-1)
        sb_put(b, "%s", g->in_name[slot]);
    else
        sb_put(b, "v%zu", i);
}

/* ---------------------------------------------------------------- definitions */

/* operand k of node i: its name, or with `values` its value (bare: as a
 * function's argument, where a negative needs no parentheses) */
static void put_operand(sbuf *b, const wg_graph *g, size_t i, int k, int values, int bare)
{
    size_t a = wg_node_arg(g->tape, i, k);
    if (values && wg_text_is_tensor(g->tape, a)) {
        sb_put(b, bare ? "" : "(");
        put_node(b, g->tape, a, wg_text_value_at);
        sb_put(b, bare ? "" : ")");
    } else if (values && bare)
        put_num(b, wg_node_value(g->tape, a));
    else if (values)
        put_term(b, wg_node_value(g->tape, a));
    else
        put_name(b, g, a);
}

/* the right-hand side of node i: "log(x1)", "x1 * x2"; with `values` the
 * operands' values in place of their names ("log(2)", "2 * 5"), and nothing
 * for leaves, whose value column says it all */
static void put_definition(sbuf *b, const wg_graph *g, size_t i, int values)
{
    const wg_tape *t = g->tape;
    wg_op op = wg_node_op(t, i);
    const char *sym = wg_op_symbol(op);
    switch (wg_op_kind_of(op)) {
    case WG_KIND_LEAF:
        if (values)
            return;
        if (op == WG_OP_INPUT)
            sb_put(b, "input");
        else if (wg_text_is_tensor(t, i))
            sb_put(b, "const");
        else
            put_exact(b, wg_node_value(t, i), 1);
        return;
    case WG_KIND_TUNARY:
    case WG_KIND_TBINARY: {
        char kw[WG_KWARGS_TEXT_BUF];
        if (op == WG_OP_MATMUL) {
            put_operand(b, g, i, 0, values, 0);
            sb_put(b, " @ ");
            put_operand(b, g, i, 1, values, 0);
            return;
        }
        sb_put(b, "%s(", wg_op_name(op));
        for (int k = 0; k < wg_node_arity(t, i); k++) {
            sb_put(b, k ? ", " : "");
            put_operand(b, g, i, k, values, 1);
        }
        if (*wg_text_kwargs(t, i, kw, sizeof kw))
            sb_put(b, ", %s", kw);
        sb_put(b, ")");
        return;
    }
    case WG_KIND_UNARY:
        if (op == WG_OP_NEG) {
            sb_put(b, "-");
            put_operand(b, g, i, 0, values, 0);
            return;
        }
        sb_put(b, "%s(", wg_op_name(op));
        put_operand(b, g, i, 0, values, 1);
        sb_put(b, ")");
        return;
    case WG_KIND_BINARY:
    case WG_KIND_CMP:
    case WG_KIND_CONST:
    case WG_KIND_INT: {
        /* the second operand is a node, or the op's constant */
        int has_param = wg_op_kind_of(op) == WG_KIND_CONST || wg_op_kind_of(op) == WG_KIND_INT;
        if (!sym)
            sb_put(b, "%s(", wg_op_name(op));
        put_operand(b, g, i, 0, values, !sym);
        if (sym)
            sb_put(b, " %s ", sym);
        else
            sb_put(b, ", ");
        if (has_param)
            put_exact(b, wg_node_param(t, i), !sym);
        else
            put_operand(b, g, i, 1, values, !sym);
        if (!sym)
            sb_put(b, ")");
        return;
    }
    case WG_KIND_CUSTOM:
        sb_put(b, "%s(", wg_node_op_name(t, i));
        for (int k = 0; k < wg_node_arity(t, i); k++) {
            sb_put(b, k ? ", " : "");
            put_operand(b, g, i, k, values, 1);
        }
        sb_put(b, ")");
        return;
    }
}

/* ---------------------------------------------------------------- partials */

enum { P_TEXT, P_ONE, P_MINUS_ONE, P_ZERO };

/* The symbolic partial of op with respect to operand k, as a template:
 * %a and %b are the operands' names, %y the node's, %c its constant and
 * %d the constant minus one.  P_ONE, P_MINUS_ONE and P_ZERO mark partials
 * that are those constants whatever the point, so the rules can read
 * "dv2 + dv3" instead of "dv2 * 1 + dv3 * 1".  The numbers always come
 * from wg_op_partials; these texts only name them. */
static int partial_template(wg_op op, int k, double p, const char **tpl)
{
    *tpl = NULL;
    switch (op) {
    case WG_OP_INPUT:
    case WG_OP_CONST:
    case WG_OP_STOP_GRADIENT:
    case WG_OP_LT: case WG_OP_LE: case WG_OP_GT:
    case WG_OP_GE: case WG_OP_EQ: case WG_OP_NE:
    case WG_OP_STEP: case WG_OP_SIGN:       /* piecewise constant */
                          return P_ZERO;
    case WG_OP_ADD:       return P_ONE;
    case WG_OP_SUB:       return k == 0 ? P_ONE : P_MINUS_ONE;
    case WG_OP_MUL:       *tpl = k == 0 ? "%b" : "%a"; break;
    case WG_OP_DIV:       *tpl = k == 0 ? "1/%b" : "-%a/%b^2"; break;
    case WG_OP_POW:       *tpl = k == 0 ? "%b*%a^(%b-1)" : "%y*log(%a)"; break;
    case WG_OP_ATAN2:     *tpl = k == 0 ? "%b/(%a^2+%b^2)" : "-%a/(%a^2+%b^2)"; break;
    case WG_OP_MIN:       *tpl = k == 0 ? "[%a<=%b]" : "[%a>%b]"; break;
    case WG_OP_MAX:       *tpl = k == 0 ? "[%a>=%b]" : "[%a<%b]"; break;
    case WG_OP_HYPOT:     *tpl = k == 0 ? "%a/%y" : "%b/%y"; break;
    case WG_OP_NEG:       return P_MINUS_ONE;
    case WG_OP_EXP:       *tpl = "exp(%a)"; break;
    case WG_OP_LOG:       *tpl = "1/%a"; break;
    case WG_OP_LOG1P:     *tpl = "1/(1+%a)"; break;
    case WG_OP_EXPM1:     *tpl = "exp(%a)"; break;
    case WG_OP_SQRT:      *tpl = "1/(2*sqrt(%a))"; break;
    case WG_OP_CBRT:      *tpl = "1/(3*cbrt(%a)^2)"; break;
    case WG_OP_SIN:       *tpl = "cos(%a)"; break;
    case WG_OP_COS:       *tpl = "-sin(%a)"; break;
    case WG_OP_TAN:       *tpl = "1+tan(%a)^2"; break;
    case WG_OP_ASIN:      *tpl = "1/sqrt(1-%a^2)"; break;
    case WG_OP_ACOS:      *tpl = "-1/sqrt(1-%a^2)"; break;
    case WG_OP_ATAN:      *tpl = "1/(1+%a^2)"; break;
    case WG_OP_SINH:      *tpl = "cosh(%a)"; break;
    case WG_OP_COSH:      *tpl = "sinh(%a)"; break;
    case WG_OP_TANH:      *tpl = "1/cosh(%a)^2"; break;
    case WG_OP_SIGMOID:   *tpl = "%y*(1-%y)"; break;
    case WG_OP_SOFTPLUS:  *tpl = "sigmoid(%a)"; break;
    case WG_OP_RELU:      *tpl = "[%a>0]"; break;
    case WG_OP_ABS:       *tpl = "sign(%a)"; break;
    case WG_OP_ERF:       *tpl = "2/sqrt(pi)*exp(-%a^2)"; break;
    case WG_OP_SQUARE:    *tpl = "2*%a"; break;
    case WG_OP_RECIP:     *tpl = "-1/%a^2"; break;
    case WG_OP_ADD_C:     return P_ONE;
    case WG_OP_MUL_C:     *tpl = "%c"; break;
    case WG_OP_POW_C:
    case WG_OP_POWI:
        if (p == 0)
            return P_ZERO;      /* as the kernel: a^0 is constant */
        *tpl = "%c*%a^%d";
        break;
    /* tensor ops: whole-operation rules, written by tensor_rule */
    case WG_OP_MATMUL: case WG_OP_CONCAT: case WG_OP_SUM: case WG_OP_MEAN:
    case WG_OP_MAX_REDUCE: case WG_OP_LOGSUMEXP: case WG_OP_LOGSOFTMAX: case WG_OP_SOFTMAX:
    case WG_OP_RESHAPE: case WG_OP_TRANSPOSE: case WG_OP_BROADCAST_TO: case WG_OP_SLICE:
    case WG_OP_ARGMAX_MASK:
    case WG_OP_COUNT:     return P_ZERO;
    case WG_OP_CUSTOM:    /* the program's partials callback: named, not spelled out */
        *tpl = k ? "d%y/d%b" : "d%y/d%a";
        break;
    }
    return P_TEXT;
}

/* 1 when s has an operator outside every bracket: it needs parentheses to
 * be a factor ("x2" and "cos(x2)" do not; "1/x1" and "-sin(x2)" do) */
static int needs_parens(const char *s)
{
    int depth = 0;
    for (; *s; s++) {
        if (*s == '(' || *s == '[')
            depth++;
        else if (*s == ')' || *s == ']')
            depth--;
        else if (depth == 0 && strchr("+-*/^<>=", *s))
            return 1;
    }
    return 0;
}

/* the partial of node i with respect to operand k, spelled out, as a factor */
static void put_partial(sbuf *b, const wg_graph *g, size_t i, const char *tpl)
{
    const wg_tape *t = g->tape;
    sbuf e = { 0 };
    for (const char *s = tpl; *s; s++) {
        if (*s != '%' || !s[1]) {
            sb_put(&e, "%c", *s);
            continue;
        }
        switch (*++s) {
        case 'a': put_name(&e, g, wg_node_arg(t, i, 0)); break;
        case 'b': put_name(&e, g, wg_node_arg(t, i, 1)); break;
        case 'y': put_name(&e, g, i); break;
        case 'c': put_exact(&e, wg_node_param(t, i), 0); break;
        case 'd': put_exact(&e, wg_node_param(t, i) - 1, 0); break;
        default:  sb_put(&e, "%%%c", *s); break;
        }
    }
    if (e.oom)
        b->oom = 1;
    else if (needs_parens(sb_str(&e)))
        sb_put(b, "(%s)", sb_str(&e));
    else
        sb_put(b, "%s", sb_str(&e));
    free(e.s);
}

/* the local partials of node i at the tape's values: the sweeps' kernel */
static void local_partials(const wg_tape *t, size_t i, double *da, double *db)
{
    wg_op op = wg_node_op(t, i);
    wg_op_kind kind = wg_op_kind_of(op);
    *da = *db = 0;
    if (kind == WG_KIND_LEAF)
        return;
    uint32_t bi = wg_operand_b(t, i, kind);     /* a custom op of two too */
    double a = wg_node_value(t, wg_node_arg(t, i, 0));
    double b = bi != WG_NONE ? wg_node_value(t, bi) : 0.0;
    /* the constant, or a custom node's op id */
    wg_op_partials(op, a, b, wg_node_p(t, i, kind), wg_node_value(t, i), da, db);
}

/* one term of a written-out sum: the symbolic part in `sym`, the numbers in
 * `num`.  `name` is the factor being carried (dA or _vj) with value `carried`. */
static void put_term_pair(sbuf *sym, sbuf *num, int first, int kind, const wg_graph *g,
                          size_t node, const char *tpl, const char *prefix, size_t carried_node,
                          double carried, double partial)
{
    if (kind == P_MINUS_ONE) {
        sb_put(sym, first ? "-" : " - ");
        sb_put(num, first ? "-" : " - ");
    } else if (!first) {
        sb_put(sym, " + ");
        sb_put(num, " + ");
    }
    sb_put(sym, "%s", prefix);
    put_name(sym, g, carried_node);
    put_term(num, carried);
    if (kind == P_TEXT) {
        sb_put(sym, " * ");
        put_partial(sym, g, node, tpl);
        sb_put(num, " * ");
        put_term(num, partial);
    } else if (kind == P_ZERO) {
        sb_put(sym, " * 0");
        sb_put(num, " * 0");
    }
}

/* ---------------------------------------------------------------- tensor rules */

/* "[2, 3]": node i's shape as a list, as keywords spell shapes */
static void put_shape_list(sbuf *b, const wg_tape *t, size_t i)
{
    size_t dim[WG_MAX_RANK];
    int rank = wg_node_shape(t, i, dim);
    sb_put(b, "[");
    for (int d = 0; d < rank; d++)
        sb_put(b, "%s%zu", d ? ", " : "", dim[d]);
    sb_put(b, "]");
}

/* The rule of tensor op node j as text.  Forward (k < 0): the tangent of j
 * from its operands' tangents, "dA @ B + A @ dB" (the right-hand side).  Reverse: what j adds to
 * the adjoint of its operand k, "_Y @ B^T".  d and _ name tangents and
 * adjoints as in the scalar rules. */
static void tensor_rule(sbuf *b, const wg_graph *g, size_t j, int k)
{
    const wg_tape *t = g->tape;
    wg_op op = wg_node_op(t, j);
    size_t a = wg_node_arg(t, j, 0), c = wg_node_arg(t, j, 1);
    char kw[WG_KWARGS_TEXT_BUF];
    wg_text_kwargs(t, j, kw, sizeof kw);
    wg_tensor_attrs at;
    if (wg_node_attrs(t, j, &at) != WG_OK)
        memset(&at, 0, sizeof at);
    int rank_a = wg_node_shape(t, a, NULL);
    int axis = at.axis < 0 ? at.axis + rank_a : at.axis;
    const char *name = wg_op_name(op);
#define NAME(n) put_name(b, g, (n))
    if (k < 0) {
        switch (op) {
        case WG_OP_MATMUL:
            sb_put(b, "d"); NAME(a); sb_put(b, " @ "); NAME(c);
            sb_put(b, " + "); NAME(a); sb_put(b, " @ d"); NAME(c);
            break;
        case WG_OP_CONCAT:
            sb_put(b, "concat(d"); NAME(a); sb_put(b, ", d"); NAME(c); sb_put(b, ", %s)", kw);
            break;
        case WG_OP_MAX_REDUCE:
            sb_put(b, "d"); NAME(a); sb_put(b, " at argmax("); NAME(a);
            sb_put(b, ", axis=%d)", axis);
            break;
        case WG_OP_LOGSUMEXP:
            sb_put(b, "sum(softmax("); NAME(a); sb_put(b, ", axis=%d) * d", axis); NAME(a);
            sb_put(b, ", axes=[%d]%s)", axis, at.keepdims ? ", keepdims=1" : "");
            break;
        case WG_OP_SOFTMAX:
            NAME(j); sb_put(b, " * (d"); NAME(a); sb_put(b, " - sum("); NAME(j); sb_put(b, " * d");
            NAME(a); sb_put(b, ", axes=[%d], keepdims=1))", axis);
            break;
        case WG_OP_LOGSOFTMAX:
            sb_put(b, "d"); NAME(a); sb_put(b, " - sum(softmax("); NAME(a);
            sb_put(b, ", axis=%d) * d", axis); NAME(a);
            sb_put(b, ", axes=[%d], keepdims=1)", axis);
            break;
        case WG_OP_ARGMAX_MASK:     /* piecewise constant: not linear */
            sb_put(b, "0 (%s)", name);
            break;
        default:            /* linear ops: the same op on the tangent */
            sb_put(b, "%s(d", name); NAME(a); sb_put(b, "%s%s)", *kw ? ", " : "", kw);
            break;
        }
        return;
    }
    switch (op) {
    case WG_OP_MATMUL:
        if (k == 0) {
            sb_put(b, "_"); NAME(j); sb_put(b, " @ "); NAME(c); sb_put(b, "^T");
        } else {
            NAME(a); sb_put(b, "^T @ _"); NAME(j);
        }
        break;
    case WG_OP_CONCAT: {
        size_t dim[WG_MAX_RANK];
        wg_node_shape(t, a, dim);
        size_t n0 = axis >= 0 && axis < rank_a ? dim[axis] : 0, n1 = n0;
        if (k == 1 && wg_node_shape(t, c, dim) > axis && axis >= 0)
            n1 = n0 + dim[axis];
        sb_put(b, "slice(_"); NAME(j);
        sb_put(b, ", axis=%d, start=%zu, stop=%zu)", axis, k == 0 ? (size_t)0 : n0,
               k == 0 ? n0 : n1);
        break;
    }
    case WG_OP_SUM:
    case WG_OP_MEAN:
        sb_put(b, "broadcast_to(_"); NAME(j); sb_put(b, ", shape=");
        put_shape_list(b, t, a);
        sb_put(b, ")");
        if (op == WG_OP_MEAN) {
            size_t ny = wg_node_numel(t, j);
            sb_put(b, " / %zu", ny ? wg_node_numel(t, a) / ny : 0);
        }
        break;
    case WG_OP_MAX_REDUCE:
        sb_put(b, "_"); NAME(j); sb_put(b, " at argmax("); NAME(a); sb_put(b, ", axis=%d)", axis);
        break;
    case WG_OP_LOGSUMEXP:
        sb_put(b, "_"); NAME(j); sb_put(b, " * softmax("); NAME(a); sb_put(b, ", axis=%d)", axis);
        break;
    case WG_OP_SOFTMAX:
        NAME(j); sb_put(b, " * (_"); NAME(j); sb_put(b, " - sum(_"); NAME(j); sb_put(b, " * ");
        NAME(j); sb_put(b, ", axes=[%d], keepdims=1))", axis);
        break;
    case WG_OP_LOGSOFTMAX:
        sb_put(b, "_"); NAME(j); sb_put(b, " - softmax("); NAME(a);
        sb_put(b, ", axis=%d) * sum(_", axis); NAME(j); sb_put(b, ", axes=[%d], keepdims=1)", axis);
        break;
    case WG_OP_RESHAPE:
        sb_put(b, "reshape(_"); NAME(j); sb_put(b, ", shape=");
        put_shape_list(b, t, a);
        sb_put(b, ")");
        break;
    case WG_OP_TRANSPOSE: {
        int inv[WG_MAX_RANK];
        for (int d = 0; d < rank_a && d < WG_MAX_RANK; d++)
            inv[at.perm[d] >= 0 && at.perm[d] < WG_MAX_RANK ? at.perm[d] : 0] = d;
        sb_put(b, "transpose(_"); NAME(j); sb_put(b, ", perm=[");
        for (int d = 0; d < rank_a && d < WG_MAX_RANK; d++)
            sb_put(b, "%s%d", d ? ", " : "", inv[d]);
        sb_put(b, "])");
        break;
    }
    case WG_OP_BROADCAST_TO:
        sb_put(b, "sum_to(_"); NAME(j); sb_put(b, ", shape=");
        put_shape_list(b, t, a);
        sb_put(b, ")");
        break;
    case WG_OP_SLICE:
        sb_put(b, "pad(_"); NAME(j); sb_put(b, ", %s, shape=", kw);
        put_shape_list(b, t, a);
        sb_put(b, ")");
        break;
    case WG_OP_ARGMAX_MASK:         /* passes nothing back, as a scalar P_ZERO */
        sb_put(b, "_"); NAME(j); sb_put(b, " * 0");
        break;
    default:
        sb_put(b, "_"); NAME(j);
        break;
    }
#undef NAME
}

/* One term of an adjoint rule that involves a tensor: what consumer j adds
 * to its operand k (node i), symbols only.  An elementwise consumer that
 * stretched node i (broadcasting) gives it the sum over the stretched axes. */
static void put_tensor_term(sbuf *b, int first, const wg_graph *g, size_t j, int k, size_t i)
{
    const wg_tape *t = g->tape;
    wg_op op = wg_node_op(t, j);
    wg_op_kind kind = wg_op_kind_of(op);
    sbuf e = { 0 };
    if (kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY) {
        tensor_rule(&e, g, j, k);
    } else {
        const char *tpl;
        int pk = partial_template(op, k, wg_node_param(t, j), &tpl);
        sb_put(&e, pk == P_MINUS_ONE ? "-_" : "_");
        put_name(&e, g, j);
        if (pk == P_TEXT) {
            sb_put(&e, " * ");
            put_partial(&e, g, j, tpl);
        } else if (pk == P_ZERO) {
            sb_put(&e, " * 0");
        }
        char si[WG_SHAPE_TEXT_BUF], sj[WG_SHAPE_TEXT_BUF];
        wg_text_node_shape(t, i, si, sizeof si);
        wg_text_node_shape(t, j, sj, sizeof sj);
        if (strcmp(si, sj) != 0) {
            sbuf w = { 0 };
            sb_put(&w, "sum_to(%s, shape=", sb_str(&e));
            put_shape_list(&w, t, i);
            sb_put(&w, ")");
            free(e.s);
            e = w;
        }
    }
    if (e.oom)
        b->oom = 1;
    sb_put(b, "%s%s", first ? "" : " + ", sb_str(&e));
    free(e.s);
}

/* ---------------------------------------------------------------- common checks */

static int check_args(wg_graph *g, FILE *out, const char *fn)
{
    if (!g || !g->tape)
        return WG_EINVAL;
    if (!out)
        return wg_call_fail(g->tape, WG_EINVAL, "%s: out is NULL", fn);
    return WG_OK;
}

/* print the table and turn allocation and output failures into a status */
static int finish(wg_graph *g, table *tb, const char *title, char *const *head, FILE *out,
                  const char *fn, int s)
{
    if (tb->oom) {
        tb_free(tb);
        return wg_call_fail(g->tape, WG_ENOMEM, "%s: out of memory for the table", fn);
    }
    tb_print(tb, title, head, out);
    tb_free(tb);
    int e = errno;      /* the failed write's: "No space left on device" */
    if (ferror(out))
        return wg_call_fail(g->tape, WG_EIO, "%s: writing the table failed: %s", fn,
                            e ? strerror(e) : "the stream's error flag is set");
    return s;
}

static void free_cells(sbuf *cells, size_t n)
{
    for (size_t c = 0; c < n; c++)
        free(cells[c].s);
}

/* ---------------------------------------------------------------- primal */

/* Printed even on a failed tape (its values show where a NaN came from);
 * the return value is then the tape's status. */
int wg_trace_primal(wg_graph *g, FILE *out)
{
    static const char fn[] = "wg_trace_primal";
    static char *const head[] = { "node", "definition", "with values", "value" };
    int s = check_args(g, out, fn);
    if (s != WG_OK)
        return s;
    const wg_tape *t = g->tape;
    size_t n = wg_tape_size(t);
    table tb = { .ncol = 4 };
    sbuf cell[4] = { { 0 } };
    for (size_t i = 0; i < n; i++) {
        put_name(&cell[0], g, i);
        put_name(&cell[1], g, i);
        sb_put(&cell[1], " = ");
        put_definition(&cell[1], g, i, 0);
        put_definition(&cell[2], g, i, 1);
        put_node(&cell[3], t, i, wg_text_value_at);
        tb_add(&tb, cell);
    }
    for (size_t k = 0; k < g->nout; k++) {
        size_t yi = wg_var_index(t, g->out[k]);
        sb_put(&cell[0], "%s", g->out_name[k]);
        sb_put(&cell[1], "output %s = ", g->out_name[k]);
        put_name(&cell[1], g, yi);
        put_node(&cell[3], t, yi, wg_text_value_at);
        tb_add(&tb, cell);
    }
    free_cells(cell, 4);
    char title[64];
    snprintf(title, sizeof title, "Forward primal trace (%zu node%s)", n, n == 1 ? "" : "s");
    return finish(g, &tb, title, head, out, fn, wg_status(t));
}

/* ---------------------------------------------------------------- tangent */

/* graph inputs as handles, and the least node index among them */
static wg_var *input_handles(const wg_graph *g, size_t *lo)
{
    wg_var *x = malloc((g->nin ? g->nin : 1) * sizeof *x);
    *lo = SIZE_MAX;
    if (!x)
        return NULL;
    for (size_t j = 0; j < g->nin; j++) {
        x[j] = wg_graph_input(g, j);
        if (g->in_node[j] < *lo)
            *lo = g->in_node[j];
    }
    return x;
}

/* elements of node i in the last sweep, for put_node: a scalar's through
 * the scalar calls, a tensor's one by one */
static double tangent_elem(const wg_tape *t, size_t i, size_t e)
{
    return wg_text_is_tensor(t, i) ? wg_node_tangent_at(t, i, e) : wg_node_tangent(t, i);
}

static double adjoint_elem(const wg_tape *t, size_t i, size_t e)
{
    return wg_text_is_tensor(t, i) ? wg_node_adjoint_at(t, i, e) : wg_node_adjoint(t, i);
}

/* nodes no sweep reached (before the first input, after the output):
 * their derivative is 0, whatever the tape's scratch holds */
static double zero_elem(const wg_tape *t, size_t i, size_t e)
{
    (void)t, (void)i, (void)e;
    return 0;
}

static double one_elem(const wg_tape *t, size_t i, size_t e)
{
    (void)t, (void)i, (void)e;
    return 1;
}

/* the elements of x[0..n), one after another, as the drivers lay them out */
static size_t total_numel(const wg_tape *t, size_t n, const wg_var *x)
{
    size_t total = 0;
    for (size_t j = 0; j < n; j++)
        total += wg_numel(t, x[j]);
    return total;
}

/* a direction with more entries than this is cut short in the title */
#define TITLE_ENTRIES 12

int wg_trace_tangent(wg_graph *g, const double *u, FILE *out)
{
    static const char fn[] = "wg_trace_tangent";
    static char *const head[] = { "node", "tangent rule", "with values", "tangent" };
    int s = check_args(g, out, fn);
    if (s != WG_OK)
        return s;
    wg_tape *t = g->tape;
    if ((s = wg_status(t)) != WG_OK)
        return s;
    if (g->nin && !u)
        return wg_call_fail(t, WG_EINVAL, "%s: direction u is NULL but the graph has %zu inputs",
                            fn, g->nin);
    size_t n = wg_tape_size(t), lo;
    wg_var *x = input_handles(g, &lo);
    /* the last node as the result makes the sweep run over every node from
     * the first input on; nodes before it cannot depend on an input */
    wg_var last = wg_tape_var(t, n ? n - 1 : 0);
    size_t ny = n ? wg_numel(t, last) : 0, nu = x ? total_numel(t, g->nin, x) : 0;
    double *ydot = malloc((ny ? ny : 1) * sizeof *ydot);
    if (!x || !ydot) {
        free(x);
        free(ydot);
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory", fn);
    }
    s = wg_jvp(t, g->nin, x, u, n ? 1 : 0, &last, ydot);
    free(ydot);
    if (s != WG_OK && s != WG_ERANGE) {
        free(x);
        return s;               /* nothing was swept; ERANGE still has a table to show */
    }
    int swept = g->nin > 0 && n > 0;
#define TAN(i) ((swept && (i) >= lo) ? wg_node_tangent(t, (i)) : 0.0)

    table tb = { .ncol = 4 };
    sbuf cell[4] = { { 0 } }, scratch = { 0 };
    for (size_t i = 0; i < n; i++) {
        wg_op op = wg_node_op(t, i);
        wg_op_kind kind = wg_op_kind_of(op);
        put_name(&cell[0], g, i);
        sb_put(&cell[1], "d");
        put_name(&cell[1], g, i);
        sb_put(&cell[1], " = ");
        if (op == WG_OP_INPUT) {
            sb_put(&cell[1], "%s", wg_graph_input_slot(g, i) != (size_t)-1
                                       ? "seed" : "0 (not a graph input)");
        } else if (op == WG_OP_CONST) {
            sb_put(&cell[1], "0 (constant)");
        } else if (kind == WG_KIND_CMP || op == WG_OP_STOP_GRADIENT || op == WG_OP_STEP
                   || op == WG_OP_SIGN) {
            /* derivative 0 everywhere (step and sign: piecewise constant) */
            sb_put(&cell[1], "0 (%s)", kind == WG_KIND_CMP ? "comparison" : wg_op_name(op));
        } else if (kind == WG_KIND_TUNARY || kind == WG_KIND_TBINARY) {
            tensor_rule(&cell[1], g, i, -1);
        } else {
            /* a rule that involves a tensor reads elementwise, with no
             * numbers: they go to scratch, not to the table */
            int tensor = involves_tensor(t, i);
            sbuf *num = tensor ? &scratch : &cell[2];
            double d[2] = { 0, 0 };
            if (!tensor)
                local_partials(t, i, &d[0], &d[1]);
            int terms = 0;
            for (int k = 0; k < wg_node_arity(t, i); k++) {
                const char *tpl;
                int pk = partial_template(op, k, wg_node_param(t, i), &tpl);
                if (pk == P_ZERO)
                    continue;
                size_t a = wg_node_arg(t, i, k);
                put_term_pair(&cell[1], num, terms == 0, pk, g, i, tpl, "d", a,
                              tensor ? 0.0 : TAN(a), d[k]);
                terms++;
            }
            if (!terms)
                sb_put(&cell[1], "0");
            sb_reset(&scratch);
        }
        put_node(&cell[3], t, i, swept && i >= lo ? tangent_elem : zero_elem);
        tb_add(&tb, cell);
    }
    for (size_t k = 0; k < g->nout; k++) {
        size_t yi = wg_var_index(t, g->out[k]);
        sb_put(&cell[0], "%s", g->out_name[k]);
        sb_put(&cell[1], "d%s = d", g->out_name[k]);
        put_name(&cell[1], g, yi);
        put_node(&cell[3], t, yi, swept && yi >= lo ? tangent_elem : zero_elem);
        tb_add(&tb, cell);
    }
#undef TAN
    free_cells(cell, 4);
    free(scratch.s);

    /* u has one entry per input element: a tensor input names its shape */
    sbuf title = { 0 };
    sb_put(&title, "Forward tangent trace along u = (");
    for (size_t j = 0; j < nu && j < TITLE_ENTRIES; j++)
        sb_put(&title, "%s%.6g", j ? ", " : "", u[j]);
    sb_put(&title, "%s) over (", nu > TITLE_ENTRIES ? ", ..." : "");
    for (size_t j = 0; j < g->nin; j++) {
        char shape[WG_SHAPE_TEXT_BUF];
        sb_put(&title, "%s%s", j ? ", " : "", g->in_name[j]);
        if (wg_text_is_tensor(t, g->in_node[j]))
            sb_put(&title, "[%s]", wg_text_node_shape(t, g->in_node[j], shape, sizeof shape));
    }
    sb_put(&title, ")");
    free(x);
    if (title.oom)
        tb.oom = 1;
    s = finish(g, &tb, sb_str(&title), head, out, fn, s);
    free(title.s);
    return s;
}

/* ---------------------------------------------------------------- adjoint */

/* Who consumes each node, as compressed rows: the operand slots (2 j + k,
 * node j's operand k) that read node i are use[start[i] .. start[i+1]),
 * in increasing j.  Comparisons are left out: they pass nothing back. */
typedef struct {
    size_t *start, *use;
} consumers;

static int consumers_build(const wg_tape *t, consumers *c)
{
    size_t n = wg_tape_size(t);
    c->start = calloc(n + 1, sizeof *c->start);
    c->use = NULL;
    if (!c->start)
        return WG_ENOMEM;
    for (size_t j = 0; j < n; j++) {
        wg_op op = wg_node_op(t, j);
        if (wg_op_kind_of(op) == WG_KIND_CMP)
            continue;
        for (int k = 0; k < wg_node_arity(t, j); k++)
            c->start[wg_node_arg(t, j, k) + 1]++;
    }
    for (size_t i = 0; i < n; i++)
        c->start[i + 1] += c->start[i];
    c->use = malloc((c->start[n] ? c->start[n] : 1) * sizeof *c->use);
    size_t *fill = malloc((n ? n : 1) * sizeof *fill);
    if (!c->use || !fill) {
        free(fill);
        return WG_ENOMEM;
    }
    memcpy(fill, c->start, n * sizeof *fill);
    for (size_t j = 0; j < n; j++) {
        wg_op op = wg_node_op(t, j);
        if (wg_op_kind_of(op) == WG_KIND_CMP)
            continue;
        for (int k = 0; k < wg_node_arity(t, j); k++)
            c->use[fill[wg_node_arg(t, j, k)]++] = 2 * j + (size_t)k;
    }
    free(fill);
    return WG_OK;
}

static void consumers_free(consumers *c)
{
    free(c->start);
    free(c->use);
}

int wg_trace_adjoint(wg_graph *g, size_t out_index, FILE *out)
{
    static const char fn[] = "wg_trace_adjoint";
    static char *const head[] = { "node", "adjoint rule", "with values", "adjoint" };
    int s = check_args(g, out, fn);
    if (s != WG_OK)
        return s;
    wg_tape *t = g->tape;
    if ((s = wg_status(t)) != WG_OK)
        return s;
    if (out_index >= g->nout)
        return wg_call_fail(t, WG_EINVAL, "%s: output %zu asked for, the graph has %zu", fn,
                            out_index, g->nout);
    size_t n = wg_tape_size(t);
    wg_var y = g->out[out_index];
    size_t yi = wg_var_index(t, y);
    const char *yname = g->out_name[out_index];
    int tensor_y = wg_text_is_tensor(t, yi);

    /* x = node 0 and the graph inputs: node 0 makes the sweep cover every
     * node up to the output, and the inputs make the driver's finiteness
     * check (WG_ERANGE naming the node) cover the gradient.  A tensor
     * output is seeded with 1 in every element: the adjoints are those of
     * the sum of its elements. */
    wg_var *x = malloc((g->nin + 1) * sizeof *x);
    consumers c = { NULL, NULL };
    double *gr = NULL, *w = NULL;
    if (x) {
        x[0] = wg_tape_var(t, 0);
        for (size_t j = 0; j < g->nin; j++)
            x[j + 1] = wg_graph_input(g, j);
        size_t nx = total_numel(t, g->nin + 1, x), ny = wg_numel(t, y);
        gr = malloc((nx ? nx : 1) * sizeof *gr);
        w = malloc((ny ? ny : 1) * sizeof *w);
        for (size_t e = 0; w && e < ny; e++)
            w[e] = 1;
    }
    if (!x || !gr || !w || consumers_build(t, &c) != WG_OK) {
        free(x);
        free(gr);
        free(w);
        consumers_free(&c);
        return wg_call_fail(t, WG_ENOMEM, "%s: out of memory", fn);
    }
    s = tensor_y ? wg_vjp(t, 1, &y, w, g->nin + 1, x, gr) : wg_grad(t, y, g->nin + 1, x, gr);
    free(x);
    free(gr);
    free(w);
    if (s != WG_OK && s != WG_ERANGE) {
        consumers_free(&c);
        return s;
    }
    /* nodes after the output cannot reach it: their adjoint is 0 */
#define ADJ(i) ((i) <= yi ? wg_node_adjoint(t, (i)) : 0.0)

    table tb = { .ncol = 4 };
    sbuf cell[4] = { { 0 } }, scratch = { 0 };
    sb_put(&cell[0], "%s", yname);
    sb_put(&cell[1], "_%s = 1 (seed%s)", yname, tensor_y ? ", every element" : "");
    put_node(&cell[3], t, yi, one_elem);
    tb_add(&tb, cell);
    for (size_t i = n; i-- > 0;) {
        /* a row with a tensor anywhere shows rules only: its numbers are
         * per element */
        int tensor = wg_text_is_tensor(t, i);
        for (size_t u = c.start[i]; u < c.start[i + 1] && !tensor; u++)
            tensor = involves_tensor(t, c.use[u] / 2);
        sbuf *num = tensor ? &scratch : &cell[2];
        put_name(&cell[0], g, i);
        sb_put(&cell[1], "_");
        put_name(&cell[1], g, i);
        sb_put(&cell[1], " = ");
        int terms = 0;
        if (i == yi) {
            sb_put(&cell[1], "_%s", yname);
            put_term(num, 1.0);
            terms++;
        }
        for (size_t u = c.start[i]; u < c.start[i + 1]; u++) {
            size_t j = c.use[u] / 2;
            int k = (int)(c.use[u] % 2);
            if (involves_tensor(t, j)) {
                put_tensor_term(&cell[1], terms == 0, g, j, k, i);
                terms++;
                continue;
            }
            wg_op op = wg_node_op(t, j);
            const char *tpl;
            int pk = partial_template(op, k, wg_node_param(t, j), &tpl);
            double d[2];
            local_partials(t, j, &d[0], &d[1]);
            put_term_pair(&cell[1], num, terms == 0, pk, g, j, tpl, "_", j, ADJ(j), d[k]);
            terms++;
        }
        if (!terms)
            sb_put(&cell[1], "0");
        sb_reset(&scratch);
        put_node(&cell[3], t, i, i <= yi ? adjoint_elem : zero_elem);
        tb_add(&tb, cell);
    }
#undef ADJ
    free_cells(cell, 4);
    free(scratch.s);
    consumers_free(&c);

    sbuf title = { 0 };
    sb_put(&title, "Reverse adjoint trace of output %s (seed _%s = 1%s)", yname, yname,
           tensor_y ? " in every element" : "");
    if (title.oom)
        tb.oom = 1;
    s = finish(g, &tb, sb_str(&title), head, out, fn, s);
    free(title.s);
    return s;
}
