#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test_version.sh -- the three programs print one --version format, and -V
# is the same as --version:
#     PROG (Wengert) VERSION
#     libwengert VERSION
#     GSL ..., MPFR ..., SQLite ..., BLAS ... (one line each)
# (wengert-fuzz adds "MPI yes|no").  VERSION is configure's
# PACKAGE_VERSION, and the library's wg_version() agrees with it.  Run by
# `make check` with top_builddir and PACKAGE_VERSION in the environment.

: "${top_builddir:=.}"
if [ -z "${PACKAGE_VERSION:-}" ]; then
    echo "test_version.sh: PACKAGE_VERSION not set" >&2
    exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wg-version.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

for prog in verify/wengert-verify fuzz/wengert-fuzz reports/wengert-report; do
    name=${prog##*/}
    exe="$top_builddir/$prog"
    [ -x "$exe" ] || { echo "test_version.sh: $exe not built" >&2; exit 99; }
    "$exe" --version >"$tmp/$name.long" 2>"$tmp/err" || bad "$name --version: exit status $?"
    [ -s "$tmp/err" ] && bad "$name --version wrote to stderr: $(cat "$tmp/err")"
    "$exe" -V >"$tmp/$name.short" 2>&1 || bad "$name -V: exit status $?"
    cmp -s "$tmp/$name.long" "$tmp/$name.short" || bad "$name: -V and --version differ"
    first=$(sed -n 1p "$tmp/$name.long")
    [ "$first" = "$name (Wengert) $PACKAGE_VERSION" ] ||
        bad "$name --version, line 1: '$first', expected '$name (Wengert) $PACKAGE_VERSION'"
    second=$(sed -n 2p "$tmp/$name.long")
    [ "$second" = "libwengert $PACKAGE_VERSION" ] ||
        bad "$name --version, line 2: '$second', expected 'libwengert $PACKAGE_VERSION'"
    for lib in 'GSL [0-9]' 'MPFR [0-9][^,]*, GMP [0-9]' 'SQLite 3\.' 'BLAS .'; do
        [ "$(grep -c "^$lib" "$tmp/$name.long")" -eq 1 ] ||
            bad "$name --version: no line (or more than one) matching '^$lib'"
    done
    # the libraries' lines are the same in every program: one format
    sed -n '2,6p' "$tmp/$name.long" >"$tmp/$name.libs"
done
cmp -s "$tmp/wengert-verify.libs" "$tmp/wengert-fuzz.libs" ||
    bad "wengert-verify and wengert-fuzz name their libraries differently"
cmp -s "$tmp/wengert-verify.libs" "$tmp/wengert-report.libs" ||
    bad "wengert-verify and wengert-report name their libraries differently"
grep -qx 'MPI \(yes\|no\)' "$tmp/wengert-fuzz.long" || bad "wengert-fuzz --version: no 'MPI yes|no' line"
[ "$(wc -l <"$tmp/wengert-verify.long")" -eq 6 ] || bad "wengert-verify --version: not 6 lines"

[ $failures -eq 0 ] && echo "--version and -V: one format in the three programs"
exit $((failures > 0))
