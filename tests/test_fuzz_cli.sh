#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test_fuzz_cli.sh -- wengert-fuzz end to end: exit statuses (0 nothing
# found, 1 failures found, 2 bad usage or input), one-line messages naming
# what was wrong, a campaign and its resume, an injected bug found with a
# reproducer that `--reproduce` confirms, SIGINT stopping cleanly with a
# summary, shard stores merged, and, when built with MPI, mpirun with 2
# ranks.  Run by `make check` with top_builddir in the environment.

: "${top_builddir:=.}"
prog="$top_builddir/fuzz/wengert-fuzz"
verify="$top_builddir/verify/wengert-verify"
if [ ! -x "$prog" ] || [ ! -x "$verify" ]; then
    echo "test_fuzz_cli.sh: $prog or $verify not built" >&2
    exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wg-fuzz-cli.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

failures=0
checks=0
bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# run EXPECTED_STATUS ARGS...: stdout and stderr kept in $tmp/out, $tmp/err;
# for status 2, stderr must be one line naming the program.
run() {
    expect=$1
    shift
    checks=$((checks + 1))
    "$prog" "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
    if [ "$status" -ne "$expect" ]; then
        bad "wengert-fuzz $*: exit status $status, expected $expect"
        sed 's/^/    stderr: /' "$tmp/err" | head -20
        return 1
    fi
    if [ "$expect" -eq 2 ]; then
        lines=$(wc -l <"$tmp/err")
        if [ "$lines" -ne 1 ] || ! grep -q '^wengert-fuzz: ' "$tmp/err"; then
            bad "wengert-fuzz $*: stderr is not one 'wengert-fuzz: ...' line"
            sed 's/^/    stderr: /' "$tmp/err"
        fi
    fi
    return 0
}
expect_out() {
    grep -qF -- "$1" "$tmp/out" || bad "stdout of the last run lacks '$1'"
}
expect_err() {
    grep -qF -- "$1" "$tmp/err" || bad "stderr of the last run lacks '$1'"
}

# ---------------------------------------------------------------- usage
run 2 --graphs 0 && expect_err "--graphs: '0'"
run 2 --graphs ten && expect_err "--graphs: 'ten'"
run 2 --shard 2/2 && expect_err "--shard: '2/2'"
run 2 --shard 1 && expect_err "is not K/N"
run 2 --nodes 9:3 && expect_err "low end is above"
run 2 --ops sin,frobnicate && expect_err "'frobnicate' is not an op"
run 2 --weight sin && expect_err "is not OP=W"
run 2 --ops matmul,sum --tensor-frac 0.5 && expect_err "tensor rows are drawn in tensor graphs only"
run 2 --tensor-frac 1.5 && expect_err "--tensor-frac: '1.5'"
run 2 --rank-max 9 --tensors && expect_err "--rank-max: '9'"
run 0 --ops matmul,sum,tanh --tensors --graphs 20 --quiet -o "$tmp/tens" \
    && expect_out "20 graphs" && expect_out "fail 0"
run 0 --tensors --graphs 30 --quiet --rank-max 2 --elements-max 6 -o "$tmp/tens2" \
    && expect_out "30 graphs (0 unchecked)"
# second order: a clean campaign passes; a bug of a recorded rule is found at
# order 2 (never at order 1), and its reproducer's command says --order 2
run 2 --order 3 && expect_err "--order: '3'"
run 0 --order 2 --graphs 20 --quiet -o "$tmp/o2" && expect_out "fail 0"
run 0 --graphs 20 --quiet --tensor-frac 0 --inject-bug rule-exp-baked -o "$tmp/o2a" \
    && expect_out "fail 0"
run 1 --order 2 --graphs 40 --quiet --tensor-frac 0 --inject-bug rule-exp-baked -o "$tmp/o2b" \
    && expect_out "blamed on exp"
repro=$(ls "$tmp/o2b/repro/"*.wg 2>/dev/null | head -n 1)
if [ -n "$repro" ] && grep -q -- "--order 2" "$repro"; then
    run 1 --reproduce "$repro" --inject-bug rule-exp-baked --order 2
    run 0 --reproduce "$repro" --inject-bug rule-exp-baked
else
    bad "the second-order bug campaign saved no reproducer with --order 2"
fi
# an injected tensor bug is found, shrunk, and its reproducer fails again
run 1 --tensors --graphs 40 --quiet --inject-bug matmul-no-transpose -o "$tmp/tbug" \
    && expect_out "fail"
repro=$(ls "$tmp/tbug/repro/"*.wg 2>/dev/null | head -n 1)
if [ -n "$repro" ]; then
    run 1 --reproduce "$repro" --inject-bug matmul-no-transpose && expect_out "blame"
    run 0 --reproduce "$repro"
else
    bad "the tensor bug campaign saved no reproducer"
fi
run 2 --ops sin,step && expect_err "'step' is a primitive of recorded derivative rules"
run 2 --weight sign=1 && expect_err "'sign' is a primitive of recorded derivative rules"
run 2 --ops argmax_mask && expect_err "'argmax_mask' is a primitive of recorded derivative rules"
run 2 --inject-bug no-such && expect_err "'no-such' is not an injected bug"
run 2 --bugs cos-sign,nope --self-test && expect_err "'nope'"
run 2 --frobnicate && expect_err "unknown option '--frobnicate'"
run 2 --graphs && expect_err "needs a value"
run 2 stray && expect_err "unexpected argument 'stray'"
run 2 --self-test --merge a b && expect_err "give one of"
run 2 --reproduce "$tmp/none.wg" && expect_err "none.wg"
run 2 --summary "$tmp/none-dir/x.sqlite" && expect_err "none-dir/x.sqlite"
: >"$tmp/file"
run 2 --graphs 5 --out "$tmp/file" && expect_err "$tmp/file"
run 0 --help && expect_out "Usage: wengert-fuzz"
run 0 --version && expect_out "wengert-fuzz (Wengert) "
run 0 --list-bugs && expect_out "cos-sign" && expect_out "adj-overwrite"

# ---------------------------------------------------------------- campaigns
out="$tmp/c"
run 0 --graphs 40 --nodes 4:10 --out "$out" --quiet && expect_out "40 graphs (0 resumed, 40 this run)"
[ -f "$out/results.sqlite" ] || bad "no $out/results.sqlite"
# the same command again: everything is there, nothing is redone
run 0 --graphs 40 --nodes 4:10 --out "$out" --quiet && expect_out "40 graphs (40 resumed, 0 this run)"
# more graphs: it resumes at 40
run 0 --graphs 60 --nodes 4:10 --out "$out" --quiet && expect_out "60 graphs (40 resumed, 20 this run)"
# progress lines on a pipe: plain lines, the last one at the end
run 0 --graphs 10 --nodes 4:10 --out "$tmp/p" && expect_err "graphs 10/10"
run 0 --summary "$out/results.sqlite" && expect_out "60 graphs"

# ---------------------------------------------------------------- an injected bug
run 1 --graphs 60 --nodes 4:10 --inject-bug sqrt-reverse --out "$tmp/b" --quiet
expect_out "fail blamed on sqrt"
repro=$(ls "$tmp/b/repro"/fail-*.wg 2>/dev/null | head -1)
if [ -z "$repro" ]; then
    bad "no reproducer in $tmp/b/repro"
else
    cmd=$(sed -n 's/^# reproduce: //p' "$repro")
    case "$cmd" in
    "wengert-fuzz --reproduce $repro --inject-bug sqrt-reverse --seed "*) ;;
    *) bad "reproducer header command: '$cmd'" ;;
    esac
    # the header's command, run: it fails again, blamed on sqrt
    set -- ${cmd#wengert-fuzz }
    run 1 "$@" && expect_out "blame      node" && expect_out "(sqrt)"
    # without the bug the library's own sqrt passes there
    seed=$(echo "$cmd" | sed 's/.*--seed \([0-9]*\).*/\1/')
    checks=$((checks + 1))
    "$verify" --check "$repro" --seed "$seed" --directions 3 >"$tmp/out" 2>&1 ||
        bad "wengert-verify --check $repro: the clean library fails"
fi

# ---------------------------------------------------------------- self-test
run 0 --self-test --bugs cos-sign,sqrt-reverse --clean-graphs 20 --nodes 4:10 --out "$tmp/st" --quiet
expect_out "cos-sign"
expect_out "every target met"
[ -f "$tmp/st/repro/selftest-cos-sign.wg" ] || bad "no self-test reproducer for cos-sign"
# a second self-test judges its own build: the clean store starts afresh
run 0 --self-test --bugs cos-sign --clean-graphs 20 --nodes 4:10 --out "$tmp/st" --quiet
if command -v python3 >/dev/null 2>&1; then
    runs=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(
        "select value from campaign_info where key = '"'runs'"'").fetchone()[0])' \
        "$tmp/st/selftest-clean.sqlite" 2>&1)
    [ "$runs" = 1 ] || bad "self-test clean store: runs = '$runs', expected 1 (resumed?)"
fi

# ---------------------------------------------------------------- SIGINT
checks=$((checks + 1))
"$prog" --time 120 --nodes 4:10 --out "$tmp/i" >"$tmp/out" 2>"$tmp/err" &
pid=$!
n=0
while [ ! -s "$tmp/err" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
sleep 0.5
kill -INT $pid
wait $pid
status=$?
[ "$status" -eq 0 ] || bad "SIGINT: exit status $status, expected 0"
expect_out "(interrupted)"
expect_out "graphs: pass"
run 0 --summary "$tmp/i/results.sqlite" && expect_out "1 campaign"

# ---------------------------------------------------------------- shards and merge
run 0 --graphs 30 --nodes 4:10 --shard 0/2 --out "$tmp/s0" --quiet && expect_out "15 graphs"
run 0 --graphs 30 --nodes 4:10 --shard 1/2 --out "$tmp/s1" --quiet && expect_out "15 graphs"
run 0 --merge "$tmp/all.sqlite" "$tmp/s0/results.sqlite" "$tmp/s1/results.sqlite" &&
    expect_out "2 campaigns, 30 graphs"
# merging again adds nothing
run 0 --merge "$tmp/all.sqlite" "$tmp/s0/results.sqlite" && expect_out "0 graphs, 0 checks, 0 campaign facts added; 15 graphs present"

# ---------------------------------------------------------------- MPI
if "$prog" --version | grep -q 'MPI yes'; then
    if command -v mpirun >/dev/null 2>&1; then
        # OpenMPI refuses root unless told; CI runs as root
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
        checks=$((checks + 1))
        mpirun --oversubscribe -np 2 "$prog" --graphs 30 --nodes 4:10 --out "$tmp/m" --quiet \
            >"$tmp/out" 2>"$tmp/err"
        status=$?
        [ "$status" -eq 0 ] || { bad "mpirun -np 2: exit status $status"; sed 's/^/    /' "$tmp/err"; }
        expect_out "2 shards merged (mpirun, 2 ranks)"
        expect_out "2 campaigns, 30 graphs"
        [ -f "$tmp/m/shard-0-of-2.sqlite" ] && [ -f "$tmp/m/shard-1-of-2.sqlite" ] ||
            bad "mpirun: shard stores missing"
        # with an injected bug the exit status says so on every rank
        checks=$((checks + 1))
        mpirun --oversubscribe -np 2 "$prog" --graphs 40 --nodes 4:10 --ops cos,sin,add,mul --inject-bug cos-sign \
            --out "$tmp/mb" --quiet >"$tmp/out" 2>"$tmp/err"
        status=$?
        [ "$status" -eq 1 ] || bad "mpirun -np 2 with a bug: exit status $status, expected 1"
        expect_out "fail blamed on cos"
    else
        bad "built with MPI but mpirun is not installed"
    fi
else
    echo "test_fuzz_cli.sh: built without MPI; mpirun not tested (configure --with-mpi)"
fi

echo "test_fuzz_cli.sh: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
