/* SPDX-License-Identifier: GPL-3.0-or-later */
/* harness_expr.c -- libFuzzer harness of the expression parser,
 * wg_graph_parse_expr (lib/wg_read.c, lib/wg_expr.c, lib/wg_lexer.c).
 *
 * The input is one expression (up to its first NUL byte) over the
 * variables x, y, z at 0.75, 2 and -1.25.  Besides what harness_wg.c
 * checks, the expression is also read as the right-hand side of an
 * assignment in .wg text,
 *
 *     input x = 0.75 / input y = 2 / input z = -1.25 / f = EXPR / output f
 *
 * which doc/FORMAT.md says is the same grammar: both must succeed or fail
 * together, with the same status at the same place (column + 4 on line
 * 4), and when they succeed record the same nodes.  That holds only for
 * an expression on one line (a line break is white space in an
 * expression but ends a .wg statement), so the comparison is skipped
 * for text with a line feed or ending in a carriage return.  Seeds:
 * fuzz/corpus/expr, dictionary fuzz/corpus/expr.dict. */
#include "harness_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = { "x", "y", "z" };
static const double values[] = { 0.75, 2, -1.25 };
static const char prologue[] = "input x = 0.75\ninput y = 2\ninput z = -1.25\nf = ";
enum { EXPR_LINE = 4, EXPR_COLUMN = 5 };   /* where EXPR starts in the .wg text */

/* the same expression through the .wg reader */
static void compare_with_file(const char *expr, const wg_graph *g, const wg_parse_error *e)
{
    /* a byte order mark is skipped at the start of the text only, and a
     * CR at the end would join the line feed after it into a line break */
    size_t n = strlen(expr);
    if (strchr(expr, '\n') || strncmp(expr, "\xEF\xBB\xBF", 3) == 0
        || (n && expr[n - 1] == '\r'))
        return;
    char *text = malloc(sizeof prologue + n + sizeof "\noutput f\n");
    if (!text)
        return;
    sprintf(text, "%s%s\noutput f\n", prologue, expr);
    wg_parse_error fe;
    wg_graph *fg = wg_graph_read_string(text, "<file>", &fe);
    if (!g != !fg)
        wg_harness_die("the expression %s, the .wg assignment %s:\n  expression: %s\n"
                       "  .wg: %s\n--- expression:\n%s", g ? "reads" : "fails",
                       fg ? "reads" : "fails", g ? "(graph)" : e->message,
                       fg ? "(graph)" : fe.message, expr);
    if (g) {
        wg_harness_same_nodes(wg_graph_tape((wg_graph *)g), wg_graph_tape(fg),
                              "the expression read as a .wg assignment", expr);
        size_t a = wg_var_index(wg_graph_tape((wg_graph *)g), wg_graph_output(g, 0));
        size_t b = wg_var_index(wg_graph_tape(fg), wg_graph_output(fg, 0));
        if (a != b)
            wg_harness_die("output is node %zu as an expression, %zu as .wg\n--- expression:\n%s",
                           a, b, expr);
    } else if (fe.status != e->status || fe.line != EXPR_LINE + e->line - 1
               || fe.column != EXPR_COLUMN + e->column - 1) {
        wg_harness_die("the expression and the .wg assignment fail differently:\n"
                       "  expression: status %d at %d:%d: %s\n  .wg: status %d at %d:%d: %s\n"
                       "--- expression:\n%s", e->status, e->line, e->column, e->message,
                       fe.status, fe.line, fe.column, fe.message, expr);
    }
    wg_graph_free(fg);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int allowed[] = { WG_EPARSE, WG_EDOM, WG_ERANGE, WG_ELIMIT, WG_ESHAPE, WG_OK };
    char *expr = wg_harness_string(data, size);
    if (!expr)
        return 0;
    wg_parse_error e;
    wg_graph *g = wg_graph_parse_expr(expr, 3, names, values, &e);
    if (g) {
        if (wg_graph_ninputs(g) != 3 || wg_graph_noutputs(g) != 1
            || strcmp(wg_graph_output_name(g, 0), "f") != 0)
            wg_harness_die("an expression over x, y, z gave %zu inputs and %zu outputs "
                           "(the first '%s'), not 3 and one named 'f'", wg_graph_ninputs(g),
                           wg_graph_noutputs(g),
                           wg_graph_noutputs(g) ? wg_graph_output_name(g, 0) : "");
    } else {
        wg_harness_check_error(&e, "<expr>", allowed, expr);
    }
    compare_with_file(expr, g, &e);
    if (g) {
        wg_harness_exercise_graph(g, expr);
        wg_graph_free(g);
    }
    free(expr);
    return 0;
}
