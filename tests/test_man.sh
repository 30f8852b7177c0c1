#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test_man.sh -- the manual pages (doc/man/):
#   - each is clean for groff's man macros with every warning on
#     (groff -ww -man -z prints nothing);
#   - each program's page and its --help name the same options: those the
#     help defines on its option lines or shows in its Usage lines, against
#     those the page defines (the line after .TP) or shows in its SYNOPSIS;
#     one source of truth, so a new option missing from either fails here;
#   - libwengert(3) names every function wengert.h declares, and
#     libwengert-verify(3) every one wengert_verify.h adds (read with the
#     preprocessor: the op functions are declared by macros).
# Run by `make check` with srcdir and top_builddir in the environment.

: "${srcdir:=.}"
: "${top_builddir:=.}"
CC=${CC:-cc}
man="$srcdir/doc/man"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wg-man.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

if ! command -v groff >/dev/null 2>&1; then
    echo "test_man.sh: groff is not installed (Debian: groff-base)" >&2
    exit 77
fi
for page in wengert-verify.1 wengert-fuzz.1 wengert-report.1 libwengert.3 libwengert-verify.3; do
    [ -f "$man/$page" ] || { bad "$page missing"; continue; }
    groff -ww -man -z "$man/$page" >"$tmp/lint" 2>&1 || bad "$page: groff exit status $?"
    if [ -s "$tmp/lint" ]; then
        bad "$page: groff -ww -man warns:"
        sed 's/^/    /' "$tmp/lint" | head -10
    fi
done

# help_options PROGRAM: long options defined by the help's option lines
# ("  -e, --expr EXPR ...", "      --json ...") or shown in its Usage lines
help_options() {
    "$1" --help 2>&1 | awk '
        /^Usage:/ { usage = 1 }
        usage && !/^(Usage:| +[a-z])/ { usage = 0 }
        usage { print; next }
        /^  +(-[A-Za-z], )?--[a-z]/ { print $1 == "-" ? $0 : $0 }' |
        awk '/^Usage:|^ +[a-z]/ { while (match($0, /--[a-z][a-z-]*/)) {
                                      print substr($0, RSTART, RLENGTH)
                                      $0 = substr($0, RSTART + RLENGTH) }
                                  next }
             { if (match($0, /--[a-z][a-z-]*/)) print substr($0, RSTART, RLENGTH) }' |
        LC_ALL=C sort -u
}
# page_options PAGE: long options the page defines (.TP items) or shows in
# its SYNOPSIS
page_options() {
    sed 's/\\-/-/g' "$1" | awk '
        /^\.SH/ { syn = ($2 == "SYNOPSIS") }
        item { item = 0; if (match($0, /--[a-z][a-z-]*/)) print substr($0, RSTART, RLENGTH) }
        /^\.TP/ { item = 1; next }
        syn { while (match($0, /--[a-z][a-z-]*/)) {
                  print substr($0, RSTART, RLENGTH); $0 = substr($0, RSTART + RLENGTH) } }' |
        LC_ALL=C sort -u
}
for prog in verify/wengert-verify:25 fuzz/wengert-fuzz:30 reports/wengert-report:8; do
    least=${prog#*:}
    prog=${prog%:*}
    name=${prog##*/}
    exe="$top_builddir/$prog"
    [ -x "$exe" ] || { echo "test_man.sh: $exe not built" >&2; exit 99; }
    help_options "$exe" >"$tmp/help"
    page_options "$man/$name.1" >"$tmp/page"
    # the extraction itself can fail: it must find most of the options
    [ "$(wc -l <"$tmp/help")" -ge "$least" ] ||
        bad "$name --help: only $(wc -l <"$tmp/help") options read, expected $least or more"
    if ! cmp -s "$tmp/help" "$tmp/page"; then
        bad "$name: --help and $name.1 list different options (< help only, > page only):"
        diff "$tmp/help" "$tmp/page" | grep '^[<>]' | sed 's/^/    /'
    fi
done

declared() {    # HEADER: the wg_ functions it declares
    $CC -E -P -I"$srcdir/lib" -I"$srcdir/verify" "$1" |
        grep -oE '\bwg_[a-z0-9_]+ *\(' | sed 's/[ (]//g' | LC_ALL=C sort -u
}
named() {       # PAGE: the wg_ names it mentions
    sed 's/\\-/-/g' "$1" | grep -oE '\bwg_[a-z0-9_]+' | LC_ALL=C sort -u
}
declared "$srcdir/lib/wengert.h" >"$tmp/h_lib"
declared "$srcdir/verify/wengert_verify.h" | LC_ALL=C comm -23 - "$tmp/h_lib" >"$tmp/h_ver"
[ "$(wc -l <"$tmp/h_lib")" -gt 100 ] || bad "wengert.h: only $(wc -l <"$tmp/h_lib") functions read"
for pair in libwengert:h_lib libwengert-verify:h_ver; do
    page=${pair%:*}
    named "$man/$page.3" | LC_ALL=C comm -13 - "$tmp/${pair#*:}" >"$tmp/missing"
    if [ -s "$tmp/missing" ]; then
        bad "$page.3 does not name $(wc -l <"$tmp/missing") functions of its header:"
        sed 's/^/    /' "$tmp/missing" | head -20
    fi
done

[ $failures -eq 0 ] && echo "man pages: groff-clean, options as --help, every function named"
exit $((failures > 0))
