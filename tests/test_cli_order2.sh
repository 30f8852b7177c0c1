#!/bin/sh
# test_cli_order2.sh -- wengert-verify's second order end to end: --check
# --order 2 (text and JSON), --suite with --order 2 and with a case's own
# order=2, --hessian (text and JSON), exit statuses and messages.
# Run by `make check` with top_builddir and srcdir in the environment.

: "${top_builddir:=.}"
prog="$top_builddir/verify/wengert-verify"
if [ ! -x "$prog" ]; then
    echo "test_cli_order2.sh: $prog not built" >&2
    exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wg-cli2.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
have_python=no
command -v python3 >/dev/null 2>&1 && have_python=yes

failures=0
checks=0
bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# run EXPECTED_STATUS ARGS...: stdout and stderr in $tmp/out and $tmp/err
run() {
    expect=$1
    shift
    checks=$((checks + 1))
    "$prog" "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
    if [ "$status" -ne "$expect" ]; then
        bad "wengert-verify $*: exit status $status, expected $expect"
        sed 's/^/    stderr: /' "$tmp/err"
        return 1
    fi
    if [ "$expect" -eq 2 ] && [ "$(grep -c '^wengert-verify: ' "$tmp/err")" -ne 1 ]; then
        bad "wengert-verify $*: stderr is not one 'wengert-verify: ...' line"
        sed 's/^/    stderr: /' "$tmp/err"
    fi
    return 0
}
expect_out() {
    grep -qF -- "$1" "$tmp/out" || bad "stdout of the last run lacks '$1'"
}
expect_err() {
    grep -qF -- "$1" "$tmp/err" || bad "stderr of the last run lacks '$1'"
}
# json_check EXPR: the last stdout is JSON (one object, or one per line
# with lines=1) and EXPR, over d, holds
json_check() {
    [ "$have_python" = yes ] || return 0
    python3 - "$tmp/out" "$1" "${lines:-0}" <<'EOF' || bad "JSON check failed: $1"
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
if sys.argv[3] == "1":
    d = [json.loads(l) for l in text.splitlines() if l.strip()]
else:
    d = json.loads(text)
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
}

f='log(x1) + x1*x2 - sin(x2)'

# --check --order 2: the Hessian by three methods against the reference
run 0 --check --order 2 -e "$f" --at x1=2,x2=5 && expect_out 'every case met its expected verdict'
expect_out 'rev-rev'
expect_out 'hvp'
run 0 --check --order 2 -e "$f" --at x1=2,x2=5 --json
lines=1 json_check "d[0]['verdict'] == 'pass' and d[0]['order'] == 2 and d[0]['value']['hvp'] is not None and d[0]['symmetry_gap'] <= d[0]['symmetry_bound'] and abs(d[0]['gradient']['value'] - d[0]['gradient']['reference']) <= d[0]['gradient']['bound']"
run 0 --check --order 2 --verbose -e "$f" --at x1=2,x2=5 && expect_out 'symmetry gap'
expect_out 'gradient   '
# the first order says nothing of the second
run 0 --check -e "$f" --at x1=2,x2=5 --json
lines=1 json_check "'order' not in d[0] and 'hvp' not in d[0]['value']"
# a kink of the gradient: relu at 0
run 0 --check --order 2 -e 'relu(x) + x*y' --at x=0,y=1.5 --expect nondiff
run 1 --check --order 2 -e 'relu(x) + x*y' --at x=0,y=1.5
# bad orders
run 2 --check --order 3 -e "$f" --at x1=2,x2=5 && expect_err '--order'
run 2 --order 2 -e "$f" --at x1=2,x2=5 && expect_err '--order is an option of --check'

# suites: --order 2 for all, order=2 for one case
run 0 --suite builtin --order 2 && expect_out 'every case met its expected verdict'
expect_out 'hvp'
printf 'one: sin(x)*exp(y) @ x=0.3, y=-0.2 ; order=2\ntwo: sin(x)*exp(y) @ x=0.3, y=-0.2\n' \
    >"$tmp/o.suite"
run 0 --suite "$tmp/o.suite" --json
lines=1 json_check "d[0].get('order') == 2 and 'order' not in d[1] and d[0]['verdict'] == 'pass'"
printf 'bad: x^2 @ x=1 ; order=3\n' >"$tmp/bad.suite"
run 2 --suite "$tmp/bad.suite" && expect_err "expected 1 or 2 after 'order='"

# --hessian: wg_hessian beside reverse over reverse of the recorded graph
run 0 -e "$f" --at x1=2,x2=5 --hessian && expect_out 'Hessian of y'
expect_out 'd2y/dx1dx2'
expect_out 'largest difference between wg_hessian and reverse over reverse'
run 0 -e "$f" --at x1=2,x2=5 --hessian --json
json_check "abs(d['hessian']['wg_hessian'][0][0] + 0.25) < 1e-15 and d['hessian']['wg_hessian'][0][1] == 1 and d['hessian']['reverse_over_reverse'][1][0] == 1 and d['hessian']['max_difference'] < 1e-14"
run 0 -e "$f" --at x1=2,x2=5 --json
json_check "'hessian' not in d"
printf 'input x = 1.5\ny1 = sin(x)\ny2 = x * x\noutput y1\noutput y2\n' >"$tmp/two.wg"
run 2 "$tmp/two.wg" --hessian && expect_err 'the Hessian needs one'
run 2 --check --hessian -e "$f" --at x1=2,x2=5 && expect_err '--hessian is not used with --check'

echo "test_cli_order2.sh: $checks runs, $failures failures"
[ "$failures" -eq 0 ]
