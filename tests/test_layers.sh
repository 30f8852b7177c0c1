#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test_layers.sh -- the layers of the tree point one way:
#
#     lib  <-  verify  <-  fuzz  <-  reports
#
# A folder may include headers of, and call functions of, its own folder
# and the folders to its left, never those to its right (doc/DESIGN.md,
# "Layout").  bench/, tests/ and examples/ sit above everything and may use
# anything.  Two checks:
#   includes  every #include "NAME" of a .c/.h/.cpp file in a layer names a
#             header of its own folder or of a lower one (a header found in
#             none of the layers, such as config.h, is not a layer's);
#   calls     every symbol an object file of a layer leaves undefined is not
#             defined by an object file of a higher layer (nm over the
#             objects make built, so a call through a declaration copied by
#             hand is caught too).
# Each check first runs on a small tree made to break the rule and must
# fail there, so a check that cannot fail does not pass.  Run by
# `make check` with srcdir and top_builddir in the environment.

: "${srcdir:=.}"
: "${top_builddir:=.}"
layers="lib verify fuzz reports"
above="bench tests examples"     # may use every layer; no layer may use them
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wg-layers.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

rank() {
    i=0
    for l in $layers; do
        [ "$l" = "$1" ] && { echo $i; return; }
        i=$((i + 1))
    done
    echo 99
}

# check_includes ROOT: one line per include that points up; status 1 if any.
check_includes() {
    root=$1
    found=0
    for dir in $layers; do
        r=$(rank "$dir")
        for f in "$root/$dir"/*.c "$root/$dir"/*.h "$root/$dir"/*.cpp; do
            [ -f "$f" ] || continue
            grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
                sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' >"$tmp/inc"
            while read -r line name; do
                case $name in
                    ../*/*) owner=${name#../}; owner=${owner%%/*} ;;
                    *)
                        owner=
                        [ -f "$root/$dir/$name" ] && owner=$dir
                        if [ -z "$owner" ]; then
                            for l in $layers $above; do
                                [ -f "$root/$l/$name" ] && { owner=$l; break; }
                            done
                        fi ;;
                esac
                [ -n "$owner" ] || continue
                if [ "$(rank "$owner")" -gt "$r" ]; then
                    echo "$dir/${f##*/}:$line includes $owner/${name##*/} (a higher layer)"
                    found=1
                fi
            done <"$tmp/inc"
        done
    done
    return $found
}

# objects BUILDROOT DIR: the object files of DIR's layer.  make check names
# them (WG_OBJECTS_lib, ...: automake's lists of the targets' objects, so
# an object left behind by a file since moved does not count); without
# the list, every object in DIR.  libtool keeps a .lo's object beside it,
# or in .libs/ when only shared objects are built.
objects() {
    eval "list=\${WG_OBJECTS_$2:-}"
    if [ -z "$list" ]; then
        set -- "$1/$2"/*.o
        [ -f "$1" ] && echo "$@"
        return
    fi
    for o in $list; do
        o=${o%.lo}
        o=${o%.o}
        if [ -f "$1/$o.o" ]; then echo "$1/$o.o"
        elif [ -f "$1/${o%/*}/.libs/${o##*/}.o" ]; then echo "$1/${o%/*}/.libs/${o##*/}.o"
        fi
    done
}

# check_calls BUILDROOT: one line per symbol a layer takes from a higher one.
check_calls() {
    broot=$1
    found=0
    for dir in $layers; do
        objs=$(objects "$broot" "$dir")
        [ -n "$objs" ] || continue
        # shellcheck disable=SC2086
        nm -g --defined-only $objs 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/def.$dir"
        # shellcheck disable=SC2086
        nm -u $objs 2>/dev/null | awk '{ print $NF }' | sort -u >"$tmp/undef.$dir"
    done
    for low in $layers; do
        [ -f "$tmp/undef.$low" ] || continue
        for high in $layers; do
            [ "$(rank "$high")" -gt "$(rank "$low")" ] && [ -f "$tmp/def.$high" ] || continue
            comm -12 "$tmp/undef.$low" "$tmp/def.$high" | while read -r sym; do
                echo "$low/ calls $sym, defined in $high/ (a higher layer)"
            done >"$tmp/up"
            if [ -s "$tmp/up" ]; then cat "$tmp/up"; found=1; fi
        done
        rm -f "$tmp/def.$low" "$tmp/undef.$low"
    done
    for l in $layers; do rm -f "$tmp/def.$l" "$tmp/undef.$l"; done
    return $found
}

status=0

# -- the checks must fail on a tree that breaks the rule
bad="$tmp/bad"
self_lists() {    # in a subshell: the real lists stay for the real tree
    (unset WG_OBJECTS_lib WG_OBJECTS_verify WG_OBJECTS_fuzz WG_OBJECTS_reports; "$@")
}
mkdir -p "$bad/lib" "$bad/verify" "$bad/fuzz"
printf '#include "store.h"\n' >"$bad/lib/a.c"           # lib -> verify: wrong
printf '#include "fz.h"\n' >"$bad/verify/store.h"       # verify -> fuzz: wrong
printf '#include "store.h"\n#include "../lib/x.h"\n' >"$bad/fuzz/fz.h"   # fuzz -> lower: right
printf '#include "gmm.h"\n' >"$bad/fuzz/g.c"          # fuzz -> bench: wrong
mkdir -p "$bad/bench"
printf '#include "fz.h"\n' >"$bad/bench/gmm.h"       # bench -> fuzz: right
: >"$bad/lib/x.h"
if check_includes "$bad" >"$tmp/out"; then
    echo "FAIL: the include check passes a tree where lib/ includes verify/"
    status=1
elif [ "$(wc -l <"$tmp/out")" -ne 3 ]; then
    echo "FAIL: the include check should name exactly 3 upward includes:"
    cat "$tmp/out"
    status=1
fi
CC=${CC:-cc}
if command -v "$CC" >/dev/null 2>&1 && command -v nm >/dev/null 2>&1; then
    printf 'int wg_up(void);\nint wg_low(void);\nint wg_low(void) { return wg_up(); }\n' >"$bad/lib/c.c"
    printf 'int wg_low(void);\nint wg_up(void);\nint wg_up(void) { return 1; }\n' >"$bad/verify/d.c"
    printf 'int wg_low(void);\nint wg_top(void);\nint wg_top(void) { return wg_low(); }\n' >"$bad/fuzz/e.c"
    ok=1
    for f in lib/c verify/d fuzz/e; do
        "$CC" -c "$bad/$f.c" -o "$bad/$f.o" 2>/dev/null || ok=0
    done
    if [ $ok -eq 1 ]; then
        if self_lists check_calls "$bad" >"$tmp/out"; then
            echo "FAIL: the call check passes objects where lib/ calls verify/"
            status=1
        elif ! grep -q 'lib/ calls wg_up, defined in verify/' "$tmp/out" ||
             [ "$(wc -l <"$tmp/out")" -ne 1 ]; then
            echo "FAIL: the call check should name lib/ calling wg_up only:"
            cat "$tmp/out"
            status=1
        fi
    fi
fi

# -- the real tree
if ! check_includes "$srcdir"; then
    echo "FAIL: includes from a lower layer into a higher one (above)"
    status=1
fi
if [ -n "$(objects "$top_builddir" lib)" ]; then
    if ! check_calls "$top_builddir"; then
        echo "FAIL: calls from a lower layer into a higher one (above)"
        status=1
    fi
else
    echo "test_layers.sh: no objects in $top_builddir/lib: calls not checked" >&2
    status=1
fi
[ $status -eq 0 ] && echo "layers lib <- verify <- fuzz <- reports: includes and calls point one way"
exit $status
