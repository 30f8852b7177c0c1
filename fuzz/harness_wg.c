/* SPDX-License-Identifier: GPL-3.0-or-later */
/* harness_wg.c -- libFuzzer harness of the .wg reader,
 * wg_graph_read_string (lib/wg_read.c, lib/wg_expr.c, lib/wg_lexer.c).
 *
 * The input is .wg text (up to its first NUL byte).  A graph that reads
 * goes through wg_harness_exercise_graph: canonical write and read back,
 * replays, derivatives, traces, DOT.  A failed read must give a status the
 * reader documents for bad text and a place.  Seeds: fuzz/corpus/wg,
 * dictionary fuzz/corpus/wg.dict. */
#include "harness_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int allowed[] = { WG_EPARSE, WG_EDOM, WG_ERANGE, WG_ELIMIT, WG_ESHAPE,
                                   WG_EIO, WG_OK };
    static const char name[] = "<fuzz>";
    char *text = wg_harness_string(data, size);
    if (!text)
        return 0;
    wg_parse_error e;
    wg_graph *g = wg_graph_read_string(text, name, &e);
    if (g) {
        if (e.status != WG_OK)
            wg_harness_die("a graph came back with status %d in err", e.status);
        wg_harness_exercise_graph(g, text);
        wg_graph_free(g);
    } else {
        wg_harness_check_error(&e, name, allowed, text);
    }
    free(text);
    return 0;
}
