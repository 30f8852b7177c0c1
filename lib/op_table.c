/* SPDX-License-Identifier: LGPL-3.0-or-later */
/* op_table.c -- names, kinds and arities of the ops, from WG_OP_LIST. */
#include "tape.h"

#include <string.h>

static const char *const op_names[WG_OP_COUNT] = {
#define WG_X_NAME(E, name, kind) #name,
    WG_OP_LIST(WG_X_NAME)
#undef WG_X_NAME
};

const unsigned char wg_op_kind_table[WG_OP_COUNT] = {
#define WG_X_KIND(E, name, kind) WG_KIND_##kind,
    WG_OP_LIST(WG_X_KIND)
#undef WG_X_KIND
};

const char *wg_op_name(wg_op op)
{
    if (op == WG_OP_NONE)
        return "none";
    return (unsigned)op < WG_OP_COUNT ? op_names[op] : NULL;
}

wg_op_kind wg_op_kind_of(wg_op op)
{
    return (unsigned)op < WG_OP_COUNT ? (wg_op_kind)wg_op_kind_table[op] : WG_KIND_LEAF;
}

int wg_op_arity(wg_op op)
{
    switch (wg_op_kind_of(op)) {
    case WG_KIND_LEAF:   return 0;
    case WG_KIND_UNARY:
    case WG_KIND_CONST:
    case WG_KIND_INT:
    case WG_KIND_TUNARY: return 1;
    case WG_KIND_BINARY:
    case WG_KIND_CMP:
    case WG_KIND_CUSTOM:
    case WG_KIND_TBINARY: return 2;
    }
    return 0;
}

int wg_op_from_name(const char *name, wg_op *op)
{
    if (!name)
        return 0;
    /* the first byte first: every name a reader meets is looked up here,
     * and most differ from every op name there */
    for (int i = 0; i < WG_OP_COUNT; i++)
        if (op_names[i][0] == name[0] && strcmp(op_names[i], name) == 0) {
            if (op)
                *op = (wg_op)i;
            return 1;
        }
    return 0;
}

const char *wg_op_symbol(wg_op op)
{
    switch (op) {
    case WG_OP_ADD: case WG_OP_ADD_C: return "+";
    case WG_OP_SUB:                   return "-";
    case WG_OP_MUL: case WG_OP_MUL_C: return "*";
    case WG_OP_DIV:                   return "/";
    case WG_OP_LT:                    return "<";
    case WG_OP_LE:                    return "<=";
    case WG_OP_GT:                    return ">";
    case WG_OP_GE:                    return ">=";
    case WG_OP_EQ:                    return "==";
    case WG_OP_NE:                    return "!=";
    default:                          return NULL;
    }
}
