#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test_symbols.sh -- built with --enable-shared, libwengert.so and
# libwengert-verify.so export exactly the functions their public headers
# declare (wengert.h; wengert_verify.h less what it includes), nothing the
# library's files share inside, and carry a SONAME with the ABI version
# (libwengert.so.0).  The header's names are read here with the
# preprocessor (the op functions are declared by macros), independently of
# the build's export list.  As a check that the test can fail: an internal
# function of the static library must be absent from the shared one.
# Skipped (77) when no shared library was built (the default).

: "${srcdir:=.}"
: "${top_builddir:=.}"
CC=${CC:-cc}
so_lib="$top_builddir/lib/.libs/libwengert.so"
so_ver="$top_builddir/verify/.libs/libwengert-verify.so"
if [ ! -f "$so_lib" ]; then
    echo "test_symbols.sh: no shared library (configure --enable-shared builds one): skipped"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wg-symbols.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

declared() {    # HEADER: the wg_ functions it declares, one a line, sorted
    $CC -E -P -I"$srcdir/lib" -I"$srcdir/verify" "$1" |
        grep -oE '\bwg_[a-z0-9_]+ *\(' | sed 's/[ (]//g' | LC_ALL=C sort -u
}
exported() {    # SO: the symbols it defines and exports
    nm -D --defined-only "$1" | awk 'NF == 3 && $2 ~ /[TDRBVWi]/ { print $3 }' |
        LC_ALL=C sort -u
}

declared "$srcdir/lib/wengert.h" >"$tmp/h_lib"
declared "$srcdir/verify/wengert_verify.h" | LC_ALL=C comm -23 - "$tmp/h_lib" >"$tmp/h_ver"
[ "$(wc -l <"$tmp/h_lib")" -gt 100 ] || bad "wengert.h: only $(wc -l <"$tmp/h_lib") functions read"

check() {   # SO HEADER-LIST NAME
    exported "$1" >"$tmp/exp"
    LC_ALL=C comm -23 "$tmp/exp" "$2" >"$tmp/extra"
    LC_ALL=C comm -13 "$tmp/exp" "$2" >"$tmp/missing"
    if [ -s "$tmp/extra" ]; then
        bad "$3 exports $(wc -l <"$tmp/extra") symbols its header does not declare:"
        sed 's/^/    /' "$tmp/extra" | head -20
    fi
    if [ -s "$tmp/missing" ]; then
        bad "$3 does not export $(wc -l <"$tmp/missing") functions its header declares:"
        sed 's/^/    /' "$tmp/missing" | head -20
    fi
    soname=$(objdump -p "$1" | awk '$1 == "SONAME" { print $2 }')
    [ "$soname" = "$3.so.0" ] || bad "$3: SONAME '$soname', expected $3.so.0"
}
check "$so_lib" "$tmp/h_lib" libwengert
if [ -f "$so_ver" ]; then
    check "$so_ver" "$tmp/h_ver" libwengert-verify
else
    bad "$so_ver not built"
fi

# the test can fail: wg_mem_realloc is internal (lib/tape.h), in the static
# library, and must not be exported by the shared one
nm -g --defined-only "$top_builddir/lib/.libs/libwengert.a" | grep -q ' T wg_mem_realloc$' ||
    bad "wg_mem_realloc is not in libwengert.a: pick another internal function for this check"
exported "$so_lib" | grep -qx wg_mem_realloc && bad "libwengert.so exports wg_mem_realloc"

[ $failures -eq 0 ] && echo "exported: $(wc -l <"$tmp/h_lib") + $(wc -l <"$tmp/h_ver") functions, as the headers declare; SONAMEs .so.0"
exit $((failures > 0))
