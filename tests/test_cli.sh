#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test_cli.sh -- wengert-verify end to end: exit statuses (0 success, 2 bad
# input or usage, never a crash), one-line messages naming what was wrong,
# JSON that parses and carries the right gradient, DOT, traces, .wg files,
# tensor graphs, second order (--order 2, --hessian).
# Run by `make check` with top_builddir and srcdir in the environment.

: "${top_builddir:=.}"
prog="$top_builddir/verify/wengert-verify"
if [ ! -x "$prog" ]; then
    echo "test_cli.sh: $prog not built" >&2
    exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wg-cli.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
have_python=no
command -v python3 >/dev/null 2>&1 && have_python=yes

failures=0
checks=0
bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# run EXPECTED_STATUS ARGS...: run the program, keep stdout and stderr in
# $tmp/out and $tmp/err, check the exit status; on a failure (status 2) also
# check that stderr is exactly $err_lines lines (1 unless set), each naming
# the program.
err_lines=1
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
    if [ "$expect" -eq 2 ]; then
        lines=$(wc -l <"$tmp/err")
        named=$(grep -c '^wengert-verify: ' "$tmp/err")
        if [ "$lines" -ne "$err_lines" ] || [ "$named" -ne "$err_lines" ]; then
            bad "wengert-verify $*: stderr is not $err_lines 'wengert-verify: ...' line(s)"
            sed 's/^/    stderr: /' "$tmp/err"
        fi
    elif [ -s "$tmp/err" ]; then
        bad "wengert-verify $*: succeeded but wrote to stderr"
        sed 's/^/    stderr: /' "$tmp/err"
    fi
    return 0
}

# expect_out / expect_err FIXED-STRING: the last run's stdout / stderr holds it
expect_out() {
    grep -qF -- "$1" "$tmp/out" || bad "stdout of the last run lacks '$1'"
}
expect_err() {
    grep -qF -- "$1" "$tmp/err" || bad "stderr of the last run lacks '$1'"
}

# json_check PYTHON-EXPRESSION: the last run's stdout is JSON (json.tool
# accepts it) and the expression over it, d, is true
json_check() {
    [ "$have_python" = yes ] || return 0
    python3 -m json.tool "$tmp/out" >/dev/null 2>"$tmp/jerr" || {
        bad "stdout is not valid JSON: $(cat "$tmp/jerr")"
        return
    }
    python3 - "$tmp/out" "$1" <<'EOF' || bad "JSON check failed: $1"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
def close(a, b, rel=1e-15):
    return a is not None and abs(a - b) <= rel * max(abs(a), abs(b))
ok = eval(sys.argv[2])
if not ok:
    print("    JSON was:", json.dumps(d)[:2000])
sys.exit(0 if ok else 1)
EOF
}

seed='log(x1) + x1*x2 - sin(x2)'

# ------------------------------------------------------------ help, version, usage
run 0 --help && expect_out 'Usage: wengert-verify'
run 0 --version && expect_out 'wengert-verify (Wengert) '
run 2 && expect_err 'no function'
run 2 --frobnicate && expect_err "unknown option '--frobnicate'"
run 2 -q && expect_err "unknown option '-q'"
run 2 -e "$seed" --at && expect_err '--at needs an argument'
run 2 -e "$seed" "$tmp/a.wg" && expect_err 'not both'
run 2 --example -e x && expect_err '--example'
run 2 -e "$seed" --at x1=2,x2=5 --dir 1,0 --wrt x1 && expect_err '--dir or --wrt'

# ------------------------------------------------------------ the seed example
run 0 --example
expect_out 'Forward primal trace'
expect_out 'Forward tangent trace along u = (1, 0) over (x1, x2)'
expect_out 'Reverse adjoint trace of output y'
expect_out 'v2 = log(x1)'
expect_out 'dx1 * (1/x1)'
expect_out 'value  y = 11.652071455223084'
expect_out 'dy/dx1'
expect_out '1.7163378145367738'
expect_out 'largest difference between reverse and forward mode: 0'

run 0 -e "$seed" --at x1=2,x2=5 --json
json_check 'd["inputs"] == ["x1", "x2"] and d["point"] == [2, 5]'
json_check 'close(d["value"], 11.652071455223084) and d["outputs"][0]["name"] == "y"'
json_check 'd["gradient"]["reverse"][0] == 5.5 and d["gradient"]["forward"][0] == 5.5'
json_check 'close(d["gradient"]["reverse"][1], 1.7163378145367738)'
json_check 'close(d["gradient"]["forward"][1], 1.7163378145367738)'
json_check 'd["jacobian"]["reverse"] == [d["gradient"]["reverse"]] and d["jvp"] is None'
json_check 'd["max_difference"] <= 1e-15 and "trace" not in d'
json_check 'd["source"] == {"expression": "log(x1) + x1*x2 - sin(x2)"}'

# --jvp: J u = 5.5 * 0.6 + (2 - cos 5) * 0.8
run 0 -e "$seed" --at x1=2,x2=5 --jvp 0.6,0.8 --json
json_check 'd["jvp"]["direction"] == [0.6, 0.8] and close(d["jvp"]["result"][0], 4.673070251629419, 1e-14)'
run 0 -e "$seed" --at x1=2,x2=5 --jvp 0.6,0.8 && expect_out 'J u along u = (0.6, 0.8)'

# the traces travel inside the JSON as one escaped string
run 0 --example --json
json_check '"Reverse adjoint trace" in d["trace"] and "\n" in d["trace"]'

# the order of --at is the order of the inputs
run 0 -e "$seed" --at x2=5,x1=2 --json
json_check 'd["inputs"] == ["x2", "x1"] and d["gradient"]["reverse"][1] == 5.5'

# tangent direction
run 0 -e "$seed" --at x1=2,x2=5 --trace --dir 0.6,0.8
expect_out 'Forward tangent trace along u = (0.6, 0.8) over (x1, x2)'
run 0 -e "$seed" --at x1=2,x2=5 --trace --wrt x2
expect_out 'Forward tangent trace along u = (0, 1) over (x1, x2)'
expect_out 'dv3 = dx1 * x2 + dx2 * x1'

# ------------------------------------------------------------ DOT
run 0 -e "$seed" --at x1=2,x2=5 --dot
head -c 7 "$tmp/out" | grep -q '^digraph' || bad "--dot output does not start with 'digraph'"
[ "$(grep -c '{' "$tmp/out")" -eq "$(grep -c '}' "$tmp/out")" ] || bad "--dot: unbalanced braces"
[ "$(grep -c ' -> ' "$tmp/out")" -eq 8 ] || bad "--dot: expected 8 edges (one per operand)"
run 0 --example --dot-values && expect_out '= 11.6521'

# ------------------------------------------------------------ bad input
# a variable the expression does not use is an input of derivative 0, with a
# note on stderr (the only line there) and the exit status of success
checks=$((checks + 1))
if "$prog" -e "$seed" --at x1=2,x2=5,x3=1 >"$tmp/out" 2>"$tmp/err"; then
    [ "$(cat "$tmp/err")" = "wengert-verify: note: --at: the expression does not use 'x3' (its derivatives are 0; variables used: x1, x2)" ] \
        || bad "--at with an unused x3: stderr is not the one note: $(cat "$tmp/err")"
    grep -q 'dy/dx3 *0  *0  *0$' "$tmp/out" || bad "--at with an unused x3: no zero row dy/dx3"
else
    bad "--at with an unused x3: exit status $?, expected 0"
fi
# pi, e, ** and log2 in an expression (doc/FORMAT.md)
run 0 -e 'pi * x**2 + e + log2(x)' --at x=2 && expect_out 'y = 16.284652442818217'
run 2 -e "$seed" --at x1=2,x2=abc && expect_err "'abc' is not a finite number"
run 2 -e "$seed" --at x1=2,x2=inf && expect_err "'inf' is not a finite number"
run 2 -e "$seed" --at x1=2,x1=3 && expect_err "'x1' is given twice"
run 2 -e "$seed" --at x1 && expect_err "'x1' is not NAME=VALUE"
run 2 -e "$seed" --at x1=2
expect_err 'x2'
run 2 -e "$seed" && expect_err 'with --at'
run 2 -e 'log(x1' --at x1=2 && expect_err ':1:'
run 2 -e 'x1 +* x2' --at x1=1,x2=2 && expect_err ':1:'
run 2 -e 'log(x1)' --at x1=-1 && expect_err 'log'
run 2 -e 'sqrt(x)' --at x=0 && expect_err 'sqrt'
run 2 -e "$seed" --at x1=2,x2=5 --jvp 1 && expect_err '--jvp: 1 component given, the function has 2 inputs (x1, x2)'
run 2 -e "$seed" --at x1=2,x2=5 --jvp 1,nan && expect_err '--jvp: component 2'
run 2 -e "$seed" --at x1=2,x2=5 --trace --dir 1,2,3 && expect_err '--dir: 3 components given'
run 2 -e "$seed" --at x1=2,x2=5 --trace --wrt x9 && expect_err "--wrt: 'x9' is not an input (inputs: x1, x2)"

# ------------------------------------------------------------ .wg files
cat >"$tmp/seed.wg" <<'EOF'
# f(x1, x2) = ln(x1) + x1*x2 - sin(x2)
input x1 = 2
input x2 = 5
v3 = log(x1)
y = v3 + x1*x2 - sin(x2)
output y
EOF
run 0 "$tmp/seed.wg" --json
json_check 'd["gradient"]["reverse"][0] == 5.5 and close(d["gradient"]["forward"][1], 1.7163378145367738)'
json_check 'd["source"]["file"].endswith("seed.wg")'
run 0 --trace "$tmp/seed.wg" && expect_out 'Reverse adjoint trace of output y'
# --at replaces the file's values: d/dx1 = 1/x1 + x2 = 4.5 at x2 = 4
run 0 "$tmp/seed.wg" --at x2=4 --json
json_check 'd["point"] == [2, 4] and d["gradient"]["reverse"][0] == 4.5'
run 2 "$tmp/seed.wg" --at x3=1 && expect_err "--at: 'x3' is not an input of"
expect_err '(inputs: x1, x2)'
run 2 "$tmp/seed.wg" --at x1=-1 && expect_err 'log'
run 0 - --json <"$tmp/seed.wg"
json_check 'd["gradient"]["reverse"][0] == 5.5'
# file names go into the JSON escaped: quotes, backslashes, UTF-8, and a
# byte that is not UTF-8 (as U+FFFD)
odd="$tmp/$(printf 'q"b\\s \303\251 \377.wg')"
cp "$tmp/seed.wg" "$odd"
run 0 "$odd" --json
json_check 'd["source"]["file"].endswith("q\"b\\s \u00e9 \ufffd.wg")'

# two outputs: one gradient per output, the rows of the Jacobian
cat >"$tmp/two.wg" <<'EOF'
input a = 3
input b = 0.5
p = a * b
q = exp(b) - a
output p
output q
EOF
run 0 "$tmp/two.wg" --json
json_check 'd["outputs"] == [{"name": "p", "value": 1.5}, {"name": "q", "value": d["outputs"][1]["value"]}]'
json_check 'd["jacobian"]["reverse"][0] == [0.5, 3] and d["jacobian"]["reverse"][1][0] == -1'
json_check 'close(d["jacobian"]["reverse"][1][1], 1.6487212707001282)'
json_check 'd["jacobian"]["forward"][0] == [0.5, 3] and close(d["jacobian"]["forward"][1][1], 1.6487212707001282)'
run 0 "$tmp/two.wg" --trace && expect_out 'Reverse adjoint trace of output q'
expect_out 'gradient of q'

printf 'input x = 1\ny = log(x +\noutput y\n' >"$tmp/broken.wg"
run 2 "$tmp/broken.wg" && expect_err 'broken.wg:'
run 2 "$tmp/does-not-exist.wg" && expect_err 'does-not-exist.wg'

# ------------------------------------------------------------ --check
: "${srcdir:=.}"
data="$srcdir/tests/data"

# jsonl_check PYTHON-EXPRESSION: every line of the last run's stdout is one
# JSON object, and the expression over their list, L, is true
jsonl_check() {
    [ "$have_python" = yes ] || return 0
    python3 - "$tmp/out" "$1" <<'EOF' || bad "JSON lines check failed: $1"
import json, sys
L = []
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    try:
        L.append(json.loads(line))
    except ValueError as e:
        print("    line %d is not JSON (%s): %s" % (n, e, line[:200]))
        sys.exit(1)
ok = eval(sys.argv[2])
if not ok:
    print("    JSON lines were:", json.dumps(L)[:3000])
sys.exit(0 if ok else 1)
EOF
}
fields='all(k in d for d in L for k in ("case", "verdict", "rel_err", "bound", "reference_converged", "blame", "expected", "as_expected"))'
methods='all(set(d["rel_err"]) == {"reverse", "forward", "central", "gsl"} for d in L if d["verdict"] != "error")'

run 0 --check -e "$seed" --at x1=2,x2=5
expect_out 'log(x1) + x1*x2 - sin(x2)'
expect_out 'every case met its expected verdict'
run 0 --check --example --directions 2 --seed 7 --precision 300 --safety 4 --full-jacobian
expect_out '1 case in'
run 0 --check -e "$seed" --at x1=2,x2=5 --json
jsonl_check "len(L) == 1 and $fields and $methods"
jsonl_check 'L[0]["case"] == "log(x1) + x1*x2 - sin(x2)" and L[0]["verdict"] == "pass" and L[0]["as_expected"]'
jsonl_check 'L[0]["rel_err"]["reverse"] < 1e-14 and L[0]["rel_err"]["forward"] < 1e-14 and L[0]["bound"] > 0'
jsonl_check 'L[0]["reference_converged"] is True and L[0]["blame"] is None'
run 0 --check "$data/seed.wg" --at x2=4 -v
expect_out 'result 3/3: pass'
# a kink, and a point outside the domain: verdicts, failures unless expected
run 1 --check -e 'abs(x) + y' --at x=0,y=1
expect_out 'nondiff   pass'
expect_out 'did not meet the expected verdict'
run 0 --check -e 'abs(x) + y' --at x=0,y=1 --expect nondiff --json
jsonl_check 'L[0]["verdict"] == "nondiff" and L[0]["expected"] == "nondiff" and L[0]["as_expected"]'
# a partial in the subnormal range (tanh' = 4e-314, AD 34 ulps of 2^-1074
# off): its underflow is inside the bound; a stationary point converges
run 0 --check -e 'tanh(x*361.5)' --at x=1 --json
jsonl_check 'L[0]["verdict"] == "pass" and 0 < L[0]["bound"] < 1e-300 and L[0]["reference_converged"]'
jsonl_check 'L[0]["ulps"]["reverse"] > 1 and L[0]["ulps"]["reverse"] * 2**-1074 <= L[0]["bound"]'
run 0 --check -e 'square(x - 0.5)*exp(x)' --at x=0.5 --json
jsonl_check 'L[0]["verdict"] == "pass" and L[0]["reference_converged"] and abs(L[0]["reference"]) < 1e-40'
jsonl_check 'L[0]["value"]["reverse"] == 0 and L[0]["reference_err"] < 1e-40'
run 1 --check -e 'log(x)' --at x=-1 && expect_out 'node 1 (log)'
run 0 --check -e 'log(x)' --at x=-1 --expect invalid
run 1 --check "$data/seed.wg" --at x1=-1
run 2 --check -e 'x +' --at x=1 && expect_err ':1:'
run 2 --check -e "$seed" --at x1=2 && expect_err 'x2'
run 2 --check && expect_err 'no function'
run 2 --check -e x --at x=1 --trace && expect_err '--trace is not used with --check'
run 2 --seed 3 -e x --at x=1 && expect_err '--seed is an option of --check and --suite'
run 2 --check -e x --at x=1 --directions 0 && expect_err "--directions: '0' is not a whole number"
run 2 --check -e x --at x=1 --precision 64 && expect_err '--precision'
run 2 --check -e x --at x=1 --safety -1 && expect_err "--safety: '-1' is not a positive number"
run 2 --check -e x --at x=1 --seed 1x && expect_err '--seed'
run 2 --check -e x --at x=1 --expect maybe && expect_err "--expect: 'maybe' is not a verdict"

# ------------------------------------------------------------ --suite
run 2 --check --suite builtin && expect_err 'not both'
run 2 --suite builtin -e x && expect_err 'drop -e'
run 2 --suite builtin --at x=1 && expect_err '--at is not used with --suite'
run 2 --suite builtin --expect pass && expect_err '--expect is an option of --check'
run 2 --suite "$data/expected.suite" --data /tmp && expect_err '--data is for --suite builtin'
run 2 --list -e x --at x=1 && expect_err '--list is an option of --suite'
run 2 --suite builtin --json -v && expect_err 'not both'
run 2 --suite "$tmp/no-such.suite" && expect_err 'no-such.suite: error: cannot open'
run 2 --suite "$data/malformed.suite"
expect_err "malformed.suite:3:17: error: expected '=' after 'x', found ','"
printf 'ok: x @ x=1\nbad: sin(x +* 2) @ x=1\n' >"$tmp/bad.suite"
run 2 --suite "$tmp/bad.suite" && expect_err "bad.suite:2:13: error: expected an operand after '+', found '*'"
printf '# nothing\n' >"$tmp/empty.suite"
run 2 --suite "$tmp/empty.suite" && expect_err 'the suite has no case'

# every case meets its expectation (kinks and a domain edge included): 0
run 0 --suite "$data/expected.suite"
expect_out 'every case met its expected verdict'
expect_out 'domain  invalid   invalid'
run 0 --suite "$data/expected.suite" --json
jsonl_check "len(L) == 5 and $fields and $methods and all(d['as_expected'] for d in L)"
jsonl_check '[d["verdict"] for d in L] == ["pass", "pass", "nondiff", "invalid", "pass"]'
# from standard input (.wg paths would start from the current folder)
grep -v 'seed.wg' "$data/expected.suite" >"$tmp/stdin.suite"
run 0 --suite - --directions 2 <"$tmp/stdin.suite" && expect_out '4 cases in'
# a case whose expected verdict does not happen: 1
run 1 --suite "$data/smooth_nondiff.suite"
expect_out 'expected kink that is not one  pass      nondiff'
expect_out '1 case did not meet the expected verdict'
expect_out 'result 1/3: pass'
run 1 --suite "$data/smooth_nondiff.suite" --json
jsonl_check "len(L) == 3 and $fields and [d['as_expected'] for d in L] == [True, True, False]"

# the builtin suite: 25 cases at least, unique names, each as expected
run 0 --suite builtin --list
expect_out 'ADBench GMM'
run 0 --suite builtin
expect_out 'every case met its expected verdict'
[ "$(grep -c '  pass  \|  nondiff  \|  invalid  ' "$tmp/out")" -ge 25 ] || bad "--suite builtin: fewer than 25 rows"
# the ill-conditioned cases say so at the end of their row, and only they
grep -q '^cancellation sqrt(x^2+1)-x .* pass .*(ill-conditioned: 4 correct digits)$' "$tmp/out" \
    || bad "--suite builtin: the row of sqrt(x^2+1)-x is not flagged ill-conditioned"
grep -q '^rosenbrock .*ill-conditioned' "$tmp/out" && bad "--suite builtin: rosenbrock flagged"
run 0 -e '(1 - cos(x))/x^2' --at x=1e-4 --check
expect_out 'pass      pass'
expect_out '(ill-conditioned: 0 correct digits)'
run 0 --suite builtin --json --seed 5
jsonl_check 'any(d["case"] == "cancellation sqrt(x^2+1)-x" and d["accuracy"]["ill_conditioned"] and 4 <= d["accuracy"]["ad_digits"] < 5 for d in L)'
jsonl_check 'all(not d["accuracy"]["ill_conditioned"] for d in L if d["case"] == "rosenbrock")'

jsonl_check "len(L) >= 25 and $fields and $methods"
jsonl_check 'len(set(d["case"] for d in L)) == len(L) and all(d["as_expected"] for d in L)'
jsonl_check 'sum(d["verdict"] == "nondiff" for d in L) >= 4 and any(d["verdict"] == "invalid" for d in L)'
jsonl_check 'any("GMM" in d["case"] and d["verdict"] == "pass" for d in L)'
# without their data the two GMM cases (scalar and tensor) cannot run: a
# clear message for each, status 2
err_lines=2
run 2 --suite builtin --data "$tmp/no-data"
err_lines=1
expect_err "no-data/gmm/test.txt: cannot open"
expect_err "case 'tensor ADBench GMM d=2 K=3 n=1' not checked"
expect_err '--data DIR'
expect_out 'could not be checked'

# ------------------------------------------------------------ --store
# sql FILE QUERY: the rows, columns joined by '|' (python3's sqlite3, else
# the sqlite3 shell; with neither the checks of the rows are skipped)
have_sql=no
if [ "$have_python" = yes ] && python3 -c 'import sqlite3' 2>/dev/null; then
    have_sql=python
elif command -v sqlite3 >/dev/null 2>&1; then
    have_sql=shell
fi
sql() {
    if [ "$have_sql" = python ]; then
        python3 - "$1" "$2" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
EOF
    else
        sqlite3 "$1" "$2"
    fi
}
# sql_is FILE QUERY EXPECTED: the query gives EXPECTED
sql_is() {
    [ "$have_sql" = no ] && return 0
    got=$(sql "$1" "$2")
    [ "$got" = "$3" ] || bad "$2: '$got', expected '$3'"
}
# sql_true FILE QUERY: the query gives 1
sql_true() {
    sql_is "$1" "$2" 1
}

store="$tmp/results.sqlite"
run 2 -e x --at x=1 --store "$store" && expect_err '--store is an option of --check and --suite'
run 2 --suite builtin --list --store "$store" && expect_err '--store is not used with --list'
run 2 --suite builtin --store "$tmp/no/such/dir/r.sqlite" && expect_err "$tmp/no/such/dir/r.sqlite"
[ -s "$tmp/out" ] && bad "--store to a bad path: the suite ran anyway"
run 2 --check -e x --at x=1 --store "$tmp" && expect_err "$tmp: is a directory"
printf 'not a database, only some text\n' >"$tmp/junk.sqlite"
run 2 --check -e x --at x=1 --store "$tmp/junk.sqlite" && expect_err "$tmp/junk.sqlite"
expect_err 'not an SQLite database'
[ -f "$store" ] && bad "a failed run created $store"

# the builtin suite: one row per case and point, labelled, in order
run 0 --suite builtin --store "$store" && expect_out 'every case met its expected verdict'
rows=$(sql "$store" 'SELECT count(*) FROM graph' 2>/dev/null)
if [ "$have_sql" != no ]; then
    [ "${rows:-0}" -ge 35 ] || bad "--suite builtin --store: $rows rows, expected 35 or more"
fi
sql_is "$store" 'SELECT count(*) FROM campaign' 1
sql_true "$store" "SELECT count(label) = count(*) AND count(wg_text) = count(*) AND max(idx) = count(*) - 1 FROM graph"
sql_true "$store" "SELECT count(*) >= 3 FROM graph WHERE label LIKE '% @ point %'"
sql_is "$store" "SELECT idx FROM graph WHERE label = 'himmelblau @ point 2'" 4
sql_is "$store" "SELECT idx FROM graph WHERE label = 'rosenbrock'" 0
sql_true "$store" "SELECT wg_text LIKE '# wengert graph:%' FROM graph WHERE label = 'rosenbrock 20-d'"
sql_true "$store" "SELECT verdict = 'invalid' AND wg_text LIKE '# case log of an intermediate 0: node %' FROM graph WHERE label = 'log of an intermediate 0'"
sql_true "$store" "SELECT count(*) = (SELECT total(directions) FROM graph) FROM check_result"
sql_true "$store" "SELECT options = 'wengert-verify suite=builtin directions=3 precision=256 safety=0x1p+3 full=0' AND seed = 1 AND shard_k = 0 AND shard_n = 1 AND command LIKE '%--suite builtin --store %' FROM campaign"
sql_is "$store" "SELECT group_concat(key || '=' || value, ' ') FROM campaign_info WHERE key IN ('runs', 'suite', 'tool')" 'runs=1 suite=builtin tool=wengert-verify'
sql_true "$store" "SELECT count(*) = 9 FROM campaign_info WHERE key IN ('compiler', 'cpu', 'host', 'cores', 'finished', 'elapsed_seconds', 'runs', 'suite', 'tool') AND value <> ''"

# the same command again: nothing added, said on stderr, the same table
checks=$((checks + 1))
"$prog" --suite builtin --store "$store" >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || bad "--suite builtin --store again: exit status $status"
if [ "$have_sql" != no ]; then
    grep -qxF "$store: $rows results already stored, 0 added" "$tmp/err" ||
        bad "--suite builtin --store again: stderr is '$(cat "$tmp/err")'"
fi
expect_out 'every case met its expected verdict'
sql_is "$store" 'SELECT count(*) FROM campaign' 1
sql_is "$store" 'SELECT count(*) FROM graph' "$rows"
sql_is "$store" "SELECT value FROM campaign_info WHERE key = 'runs'" 2

# --store changes nothing of what is printed but the times
if [ "$have_python" = yes ]; then
    run 0 --suite builtin --json --seed 3 && cp "$tmp/out" "$tmp/plain.jsonl"
    run 0 --suite builtin --json --seed 3 --store "$tmp/other.sqlite"
    python3 - "$tmp/plain.jsonl" "$tmp/out" <<'EOF' || bad "--suite builtin --json: --store changed the output"
import json, sys
def load(p):
    return [{k: v for k, v in json.loads(l).items() if k != "seconds"} for l in open(p)]
a, b = load(sys.argv[1]), load(sys.argv[2])
sys.exit(0 if len(a) >= 35 and a == b else 1)
EOF
    sql_is "$tmp/other.sqlite" 'SELECT DISTINCT seed FROM campaign' 3
fi

# --check adds a campaign of its own, and a point outside the domain a row
run 0 --check -e "$seed" --at x1=2,x2=5 --store "$store"
sql_is "$store" 'SELECT count(*) FROM campaign' 2
sql_true "$store" "SELECT g.label = 'log(x1) + x1*x2 - sin(x2)' AND g.idx = 0 AND g.verdict = 'pass' AND g.wg_text LIKE '# wengert graph:%' AND c.options = 'wengert-verify check=log(x1) + x1*x2 - sin(x2) at=x1=2,x2=5 directions=3 precision=256 safety=0x1p+3 full=0' FROM graph g JOIN campaign c ON g.campaign = c.id WHERE c.id = 2"
sql_is "$store" "SELECT value FROM campaign_info WHERE campaign = 2 AND key = 'check'" "$seed"
run 0 --check -e 'log(x)' --at x=-1 --expect invalid --store "$store"
sql_true "$store" "SELECT verdict = 'invalid' AND wg_text LIKE '# check log(x): node 1 (log)%' FROM graph WHERE label = 'log(x)'"
run 0 --check -e "$seed" --at x1=2,x2=5 --seed 9 --store "$store"
sql_is "$store" 'SELECT count(*) FROM campaign' 4

# a case that cannot run still has its row, with why
err_lines=2
run 2 --suite builtin --data "$tmp/no-data" --store "$tmp/nodata.sqlite"
err_lines=1
sql_true "$tmp/nodata.sqlite" "SELECT verdict IS NULL AND error LIKE '%no-data/gmm/test.txt%' AND directions = 0 FROM graph WHERE label LIKE 'ADBench GMM%'"
sql_true "$tmp/nodata.sqlite" "SELECT options LIKE 'wengert-verify suite=builtin data=$tmp/no-data %' FROM campaign"

# tensor graphs: every element is an input and an output of the tables, and --check
# judges the library's tensor derivatives (the verifier lowers the tape)
printf 'input W : 2x2 = [1, 2, 3, 4]\ninput b : 2 = [0.5, -1]\nz = sum(tanh(W @ b + b))\noutput z\n' \
    >"$tmp/tensor.wg"
run 0 "$tmp/tensor.wg" --trace
expect_out 'at W[0,0] = 1, W[0,1] = 2, W[1,0] = 3, W[1,1] = 4, b[0] = 0.5, b[1] = -1'
expect_out 'v2 = W @ b'
expect_out '_W = _v2 @ b^T'
expect_out 'dz/dW[1,0]'
run 0 "$tmp/tensor.wg" --json
json_check "d['inputs'] == ['W[0,0]', 'W[0,1]', 'W[1,0]', 'W[1,1]', 'b[0]', 'b[1]'] and len(d['gradient']['reverse']) == 6 and d['max_relative_difference'] < 1e-14"
run 2 "$tmp/tensor.wg" --jvp 1,0 && expect_err '--jvp: 2 components given, the function has 6 input elements'
run 0 --check "$tmp/tensor.wg" --full-jacobian && expect_out 'every case met its expected verdict'
printf 'input W : 2x3 = [1, 2, 3, 4, 5, 6]\ny = W @ W\noutput y\n' >"$tmp/shape.wg"
run 2 "$tmp/shape.wg" && expect_err 'shapes 2x3 and 2x3 do not fit'

# second order: --check --order 2, suites with order=2, --hessian
f2='log(x1) + x1*x2 - sin(x2)'

# --check --order 2: the Hessian by three methods against the reference
run 0 --check --order 2 -e "$f2" --at x1=2,x2=5 && expect_out 'every case met its expected verdict'
expect_out 'rev-rev'
expect_out 'hvp'
run 0 --check --order 2 -e "$f2" --at x1=2,x2=5 --json
jsonl_check "L[0]['verdict'] == 'pass' and L[0]['order'] == 2 and L[0]['value']['hvp'] is not None and L[0]['symmetry_gap'] <= L[0]['symmetry_bound'] and abs(L[0]['gradient']['value'] - L[0]['gradient']['reference']) <= L[0]['gradient']['bound']"
run 0 --check --order 2 --verbose -e "$f2" --at x1=2,x2=5 && expect_out 'symmetry gap'
expect_out 'gradient   '
# the first order says nothing of the second
run 0 --check -e "$f2" --at x1=2,x2=5 --json
jsonl_check "'order' not in L[0] and 'hvp' not in L[0]['value']"
# a kink of the gradient: relu at 0
run 0 --check --order 2 -e 'relu(x) + x*y' --at x=0,y=1.5 --expect nondiff
run 1 --check --order 2 -e 'relu(x) + x*y' --at x=0,y=1.5
# bad orders
run 2 --check --order 3 -e "$f2" --at x1=2,x2=5 && expect_err '--order'
run 2 --order 2 -e "$f2" --at x1=2,x2=5 && expect_err '--order is an option of --check'

# suites: --order 2 for all, order=2 for one case
run 0 --suite builtin --order 2 && expect_out 'every case met its expected verdict'
expect_out 'hvp'
# wg_hessian judged at second order: its figure and the method it took
run 0 --check --order 2 -e "x*sin(x) + x*y^2" --at x=0.5,y=2 && expect_out 'hvp    hessian'
run 0 --check --order 2 -e "x*sin(x) + x*y^2" --at x=0.5,y=2 --json
json_check "d['hessian_method'] == 'edge pushing' and d['verdict'] == 'pass'"
printf 'one: sin(x)*exp(y) @ x=0.3, y=-0.2 ; order=2\ntwo: sin(x)*exp(y) @ x=0.3, y=-0.2\n' \
    >"$tmp/o.suite"
run 0 --suite "$tmp/o.suite" --json
jsonl_check "L[0].get('order') == 2 and 'order' not in L[1] and L[0]['verdict'] == 'pass'"
printf 'bad: x^2 @ x=1 ; order=3\n' >"$tmp/bad.suite"
run 2 --suite "$tmp/bad.suite" && expect_err "expected 1 or 2 after 'order='"

# --hessian: wg_hessian beside reverse over reverse of the recorded graph
run 0 -e "$f2" --at x1=2,x2=5 --hessian && expect_out 'Hessian of y (wg_hessian by edge pushing)'
expect_out 'd2y/dx1dx2'
expect_out 'largest difference between wg_hessian and reverse over reverse'
run 0 -e "$f2" --at x1=2,x2=5 --hessian --json
json_check "d['hessian']['method'] == 'edge pushing' and abs(d['hessian']['wg_hessian'][0][0] + 0.25) < 1e-15 and d['hessian']['wg_hessian'][0][1] == 1 and d['hessian']['reverse_over_reverse'][1][0] == 1 and d['hessian']['max_difference'] < 1e-14"
run 0 -e "$f2" --at x1=2,x2=5 --json
json_check "'hessian' not in d"
printf 'input x = 1.5\ny1 = sin(x)\ny2 = x * x\noutput y1\noutput y2\n' >"$tmp/two.wg"
run 2 "$tmp/two.wg" --hessian && expect_err 'the Hessian needs one'
run 2 --check --hessian -e "$f2" --at x1=2,x2=5 && expect_err '--hessian is not used with --check'

echo "test_cli.sh: $checks runs, $failures failures"
[ "$failures" -eq 0 ]
