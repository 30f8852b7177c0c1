/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_version.c -- the version macros of wengert.h: WG_VERSION_NUM orders
 * versions as numbers (for #if, as MPFR_VERSION_NUM), WG_VERSION is this
 * header's, and the header, the library and configure's PACKAGE_VERSION
 * (WG_PACKAGE_VERSION, from the Makefile) name the same version. */
#include "test_util.h"
#include "wengert.h"

#include <stdio.h>
#include <string.h>

/* usable in #if: a preprocessor comparison, not only a C expression */
#if !defined(WG_VERSION) || WG_VERSION < WG_VERSION_NUM(0, 2, 0)
#error "WG_VERSION is not a preprocessor number >= WG_VERSION_NUM(0, 2, 0)"
#endif
#if WG_VERSION_NUM(1, 0, 0) <= WG_VERSION_NUM(0, 255, 255)
#error "WG_VERSION_NUM does not order a major release above every minor one"
#endif

static void version_num_orders(void)
{
    CU_ASSERT(WG_VERSION_NUM(0, 2, 0) > WG_VERSION_NUM(0, 1, 9));
    CU_ASSERT(WG_VERSION_NUM(0, 2, 1) > WG_VERSION_NUM(0, 2, 0));
    CU_ASSERT(WG_VERSION_NUM(1, 0, 0) > WG_VERSION_NUM(0, 255, 255));
    CU_ASSERT(WG_VERSION_NUM(2, 3, 4) == 0x020304);
    CU_ASSERT(WG_VERSION == WG_VERSION_NUM(WG_VERSION_MAJOR, WG_VERSION_MINOR,
                                           WG_VERSION_PATCH));
}

static void versions_agree(void)
{
    char parts[64];
    snprintf(parts, sizeof parts, "%d.%d.%d", WG_VERSION_MAJOR, WG_VERSION_MINOR,
             WG_VERSION_PATCH);
    CU_ASSERT_STRING_EQUAL(parts, WG_VERSION_STRING);
    CU_ASSERT_STRING_EQUAL(wg_version(), WG_VERSION_STRING);
    /* a release bumps configure.ac and wengert.h together, or this fails */
    CU_ASSERT_STRING_EQUAL(WG_VERSION_STRING, WG_PACKAGE_VERSION);
}

int main(void)
{
    static const wg_test_case cases[] = {
        { "WG_VERSION_NUM orders versions", version_num_orders },
        { "header, library and package versions agree", versions_agree },
        { NULL, NULL }
    };
    return wg_test_main("version", cases);
}
