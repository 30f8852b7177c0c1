#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test_plugin.sh -- custom ops from a shared object: examples/plugin.c built
# here with $CC -shared (so it works in static and shared builds alike),
# loaded by wengert-verify --plugin.  A correct op passes (its verdict line
# says when the reference is the weaker kind), a sign slip in a partial
# fails and is blamed on the custom node (on a tensor graph, its element),
# and every way a plugin can be bad
# (missing file, not a shared object, no entry point, a failing entry
# point, an op it does not have) exits 2 with one line naming the file.
# Run by `make check` with top_builddir, srcdir, CC and WG_PLUGIN_CFLAGS in
# the environment.

: "${top_builddir:=.}" "${srcdir:=.}" "${CC:=cc}"
prog="$top_builddir/verify/wengert-verify"
if [ ! -x "$prog" ]; then
    echo "test_plugin.sh: $prog not built" >&2
    exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wg-plugin.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

build() {   # build NAME [FLAGS...]: examples/plugin.c into $tmp/NAME.so
    name=$1
    shift
    # shellcheck disable=SC2086
    if ! $CC -shared -fPIC -I"$srcdir/lib" -I"$srcdir/verify" $WG_PLUGIN_CFLAGS "$@" \
        "$srcdir/examples/plugin.c" -o "$tmp/$name.so" 2>"$tmp/cc.err"; then
        echo "test_plugin.sh: cannot build the plugin:" >&2
        cat "$tmp/cc.err" >&2
        exit 99
    fi
}
build good
build slip -DWG_PLUGIN_SIGN_SLIP
build noinit -DWG_PLUGIN_NO_INIT
build initfails -DWG_PLUGIN_INIT_FAILS

# run EXPECTED_STATUS ARGS...
run() {
    expect=$1
    shift
    "$prog" "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
    if [ "$status" -ne "$expect" ]; then
        bad "wengert-verify $*: exit status $status, expected $expect"
        sed 's/^/    stdout: /' "$tmp/out"
        sed 's/^/    stderr: /' "$tmp/err"
    fi
}
has() {     # has FILE TEXT
    grep -F -q -- "$2" "$1" || { bad "$1 lacks '$2'"; sed 's/^/    /' "$1"; }
}

# a correct op without an MPFR value: pass, the weaker reference said
run 0 --plugin "$tmp/good.so" -e "softclip(x)" --at x=0.3 --check
has "$tmp/out" "softclip(x)  pass      pass "
has "$tmp/out" "  (weak reference)"
has "$tmp/out" "weak reference in 1 case: a custom op without an MPFR value"
run 0 --plugin "$tmp/good.so" -e "softclip(x)" --at x=0.3 --check --verbose
has "$tmp/out" "softclip(x): pass (weak reference: a custom op without an MPFR value)"
# with an MPFR value: pass, the full reference (no weak note)
run 0 --plugin "$tmp/good.so" -e "logaddexp(x, y) * x" --at x=0.3,y=-1 --check
has "$tmp/out" "pass"
if grep -q "weak reference" "$tmp/out"; then bad "logaddexp has an MPFR value: not weak"; fi
# JSON says which kind
run 0 --plugin "$tmp/good.so" -e "softclip(x) + logaddexp(x, y)" --at x=0.3,y=-1 --check --json
has "$tmp/out" '"reference_weak":true'
# evaluation, traces and .wg files take the op by name
run 0 --plugin "$tmp/good.so" -e "softclip(x)" --at x=1 --trace
has "$tmp/out" "softclip(x)"
printf 'input x = 2\ninput y = 0.5\nv2 = logaddexp(x, y)\noutput v2\n' >"$tmp/g.wg"
run 0 --plugin "$tmp/good.so" "$tmp/g.wg" --check
has "$tmp/out" "pass"
# the sign slip: fail, blamed on the custom node, with and without the weak kind
run 1 --plugin "$tmp/slip.so" -e "logaddexp(x, y) * x" --at x=0.3,y=-1 --check
has "$tmp/out" "fail"
has "$tmp/out" "blame      node 2 (logaddexp)"
run 1 --plugin "$tmp/slip.so" -e "softclip(logaddexp(x, y))" --at x=0.3,y=-1 --check
has "$tmp/out" "fail (both; blame logaddexp: v2 = logaddexp(x, y)) (weak reference"
has "$tmp/out" "(logaddexp)"
# a scalar custom op on a tensor graph: checked on the lowering, blamed there
printf 'input x : 3 = [0.1, 0.2, 0.3]\nv1 = sum(x)\nv2 = softclip(v1)\nv3 = logaddexp(v2, v1)\noutput v3\n' >"$tmp/t.wg"
run 0 --plugin "$tmp/good.so" "$tmp/t.wg" --check
run 1 --plugin "$tmp/slip.so" "$tmp/t.wg" --check
has "$tmp/out" "blame      node 3 (logaddexp)"
# custom ops on tensors, elementwise with broadcasting (2x3 with 3): checked
# element by element on the lowering; the slip blamed on the tensor node
# and its element
printf 'input x : 2x3 = [0.1, -0.4, 0.9, 1.3, -0.2, 0.5]\ninput b : 3 = [0.3, -0.1, 0.2]\ns = softclip(x)\nl = logaddexp(s, b)\nf = sum(l * x)\noutput f\n' >"$tmp/te.wg"
run 0 --plugin "$tmp/good.so" "$tmp/te.wg" --check
has "$tmp/out" "te.wg  pass"
run 0 --plugin "$tmp/good.so" "$tmp/te.wg" --trace
has "$tmp/out" "v3 = logaddexp(v2, b)  logaddexp(2x3 ["
run 1 --plugin "$tmp/slip.so" "$tmp/te.wg" --check --verbose
has "$tmp/out" "fail (both; blame logaddexp: v3 = logaddexp(v2, b))"
has "$tmp/out" "blame      node 3 (logaddexp) element 0: v3 = logaddexp(v2, b)"
run 2 --plugin "$tmp/good.so" "$tmp/te.wg" --check --order 2
has "$tmp/err" "(softclip): a custom op has no derivative rule"
# a custom op's value is a few roundings whose terms may cancel:
# logaddexp(a, a) = a + log 2 near a = -log 2 is off by more than 3 ulps
# of the result, but not of its terms, and the replay allows for that
printf 'input x : 1x1 = [0.39718079566955566]\nconst c : 2x1 = [0.39718079566955566, -0.6866693496704102]\nl = logaddexp(c, c)\ny = l * x\noutput y\n' >"$tmp/cancel.wg"
run 0 --plugin "$tmp/good.so" "$tmp/cancel.wg" --check
# no second order through a custom op: refused by name, never a number
run 2 --plugin "$tmp/good.so" "$tmp/t.wg" --check --order 2
has "$tmp/err" "wg_grad_graph: node 2 (softclip): a custom op has no derivative rule"
run 2 --plugin "$tmp/good.so" -e "softclip(x) * x" --at x=0.5 --hessian
has "$tmp/err" "(softclip): a custom op has no derivative rule"
# without the plugin the op is unknown, named with its place
run 2 -e "softclip(x)" --at x=0.3 --check
has "$tmp/err" "unknown function 'softclip'"
# bad plugins: exit 2, one line naming the file and what is wrong
run 2 --plugin "$tmp/missing.so" -e "x" --at x=1
has "$tmp/err" "--plugin $tmp/missing.so: cannot open: No such file or directory"
printf 'not an object\n' >"$tmp/text.so"
run 2 --plugin "$tmp/text.so" -e "x" --at x=1
has "$tmp/err" "--plugin $tmp/text.so: not a loadable shared object: "
run 2 --plugin "$tmp/noinit.so" -e "x" --at x=1
has "$tmp/err" "--plugin $tmp/noinit.so: no function wg_plugin_init in it"
run 2 --plugin "$tmp/initfails.so" -e "x" --at x=1
has "$tmp/err" "--plugin $tmp/initfails.so: wg_plugin_init returned 3"
run 2 --plugin "$tmp" -e "x" --at x=1
has "$tmp/err" "not a regular file"
# the same plugin twice: its names are taken the second time
run 2 --plugin "$tmp/good.so" --plugin "$tmp/good.so" -e "x" --at x=1
has "$tmp/err" "wg_plugin_init returned 1: wg_custom_op: name \"softclip\" is registered already"

# wengert-fuzz draws the plugin's ops: a clean campaign with the correct
# ones; with the sign slip it finds graphs that fail, blamed on the op
fuzz="$top_builddir/fuzz/wengert-fuzz"
if [ -x "$fuzz" ]; then
    "$fuzz" --plugin "$tmp/good.so" --graphs 300 --jobs 1 --out "$tmp/fz-good" --quiet \
        >"$tmp/out" 2>"$tmp/err"
    [ $? -eq 0 ] || { bad "wengert-fuzz --plugin good.so: not a clean campaign"; cat "$tmp/out" "$tmp/err"; }
    # the store keeps which checks had the weaker reference; the report says how many
    report="$top_builddir/reports/wengert-report"
    if [ -x "$report" ]; then
        "$report" "$tmp/fz-good/results.sqlite" --out "$tmp/rep" >/dev/null 2>"$tmp/err" \
            || bad "wengert-report of the plugin campaign failed"
        has "$tmp/rep/report.md" "checks against the weaker reference (a custom op without an MPFR value)"
    fi
    "$fuzz" --plugin "$tmp/slip.so" --graphs 300 --jobs 1 --out "$tmp/fz-slip" --quiet \
        >"$tmp/out" 2>"$tmp/err"
    [ $? -eq 1 ] || { bad "wengert-fuzz --plugin slip.so: the slip not found"; cat "$tmp/out" "$tmp/err"; }
    has "$tmp/out" "fail blamed on custom:"
    # a reproducer reads back with the plugin, and fails again
    repro=$(ls "$tmp/fz-slip/repro/"*.wg 2>/dev/null | head -n 1)
    if [ -n "$repro" ]; then
        has "$repro" "--plugin $tmp/slip.so"
        run 1 --plugin "$tmp/slip.so" "$repro" --check
        has "$tmp/out" "(logaddexp)"
    else
        bad "wengert-fuzz --plugin slip.so wrote no reproducer"
    fi
    # tensor graphs draw the custom ops elementwise too: clean with the
    # correct ones, the slip found
    "$fuzz" --plugin "$tmp/good.so" --tensors --graphs 200 --jobs 1 --out "$tmp/fz-tgood" \
        --quiet >"$tmp/out" 2>"$tmp/err"
    [ $? -eq 0 ] || { bad "wengert-fuzz --plugin good.so --tensors: not a clean campaign"; cat "$tmp/out" "$tmp/err"; }
    has "$tmp/out" "fail 0,"
    "$fuzz" --plugin "$tmp/slip.so" --tensors --graphs 200 --jobs 1 --out "$tmp/fz-tslip" \
        --quiet >"$tmp/out" 2>"$tmp/err"
    [ $? -eq 1 ] || { bad "wengert-fuzz --plugin slip.so --tensors: the slip not found"; cat "$tmp/out" "$tmp/err"; }
    has "$tmp/out" "fail blamed on custom:"
    "$fuzz" --plugin "$tmp/missing.so" --graphs 3 >"$tmp/out" 2>"$tmp/err"
    [ $? -eq 2 ] || bad "wengert-fuzz --plugin missing.so: exit status not 2"
    has "$tmp/err" "--plugin $tmp/missing.so: cannot open"
fi
for f in "$tmp/err"; do
    [ "$(wc -l <"$f")" -le 1 ] || bad "more than one line on stderr"
done

[ $failures -eq 0 ] && echo "plugin: every case as expected"
exit $((failures > 0))
