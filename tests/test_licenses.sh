#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test_licenses.sh -- every source file names its license in an
# SPDX-License-Identifier line among its first three, and the right one:
# LGPL-3.0-or-later for lib/ (any program may link libwengert),
# GPL-3.0-or-later for verify/, fuzz/, reports/ (they link GSL), tests/,
# bench/ and the build files; the license texts are in the tree (COPYING,
# COPYING.LESSER).  Run by `make check` with srcdir in the environment;
# in `make distcheck` it reads the unpacked tarball, so the tarball is
# held to it too.

: "${srcdir:=.}"
failures=0
bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
for f in COPYING COPYING.LESSER; do
    [ -s "$srcdir/$f" ] || bad "$f is missing"
done
grep -q 'GNU GENERAL PUBLIC LICENSE' "$srcdir/COPYING" 2>/dev/null || bad "COPYING is not the GPL"
grep -q 'GNU LESSER GENERAL PUBLIC LICENSE' "$srcdir/COPYING.LESSER" 2>/dev/null ||
    bad "COPYING.LESSER is not the LGPL"

n=0
for f in "$srcdir"/lib/*.[ch] "$srcdir"/verify/*.[ch] "$srcdir"/fuzz/*.[ch] "$srcdir"/fuzz/*.sh \
         "$srcdir"/reports/*.[ch] "$srcdir"/tests/*.[ch] "$srcdir"/tests/*.sh \
         "$srcdir"/bench/*.[ch] "$srcdir"/bench/*.cpp "$srcdir"/bench/*.py \
         "$srcdir"/examples/*.c "$srcdir"/Makefile.am "$srcdir"/configure.ac \
         "$srcdir"/setup.sh "$srcdir"/.ci/run "$srcdir"/*.pc.in; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    rel=${f#"$srcdir"/}
    case $rel in
        lib/*|wengert.pc.in|examples/gradient.c|examples/tensor.c|examples/hessian.c)
            want=LGPL-3.0-or-later ;;
        *) want=GPL-3.0-or-later ;;
    esac
    line=$(head -n 3 "$f" | grep -o 'SPDX-License-Identifier: [A-Za-z0-9.+-]*')
    if [ -z "$line" ]; then
        bad "$rel: no SPDX-License-Identifier line in its first three lines"
    elif [ "$line" != "SPDX-License-Identifier: $want" ]; then
        bad "$rel: ${line#SPDX-License-Identifier: }, expected $want"
    fi
done
[ $n -gt 150 ] || bad "only $n source files found under $srcdir"
[ $failures -eq 0 ] && echo "licenses: $n source files, each with its SPDX line"
exit $((failures > 0))
