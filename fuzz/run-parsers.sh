#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run-parsers.sh -- run the libFuzzer harnesses of the text readers one
# after the other (`make fuzz-parsers` calls it).
#
#     run-parsers.sh SRCDIR SECONDS OUTDIR [HARNESS...]
#
# Run from the build directory, where fuzz/harness_wg, harness_expr and
# harness_suite were built (configure --enable-libfuzzer).  Each harness
# runs SECONDS seconds, one process, on a copy of its seed corpus
# (SRCDIR/fuzz/corpus/NAME) made in OUTDIR/corpus/NAME, which is where the
# inputs it finds go; crashing inputs go to OUTDIR/artifacts and the log
# to OUTDIR/NAME.log.  Nothing is written to the source tree.  Exits 1
# when any harness reports a crash, a leak, a timeout or running out of
# memory (any non-zero exit of libFuzzer).
set -u
srcdir=$1
seconds=$2
out=$3
shift 3
harnesses=${*:-wg expr suite}

case $seconds in
    ''|*[!0-9]*) echo "run-parsers.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;;
esac
mkdir -p "$out/artifacts" "$out/tmp" || exit 2
# harness_suite makes its folder of .wg files under TMPDIR and removes it
# at exit; after a crash it stays, here rather than in /tmp
TMPDIR=$(cd "$out/tmp" && pwd)
export TMPDIR

fail=0
for h in $harnesses; do
    bin=./fuzz/harness_$h
    if [ ! -x "$bin" ]; then
        echo "run-parsers.sh: $bin is not built (configure CC=clang --enable-libfuzzer)" >&2
        exit 2
    fi
    rm -rf "$out/corpus/$h"
    mkdir -p "$out/corpus/$h" || exit 2
    cp "$srcdir/fuzz/corpus/$h/"* "$out/corpus/$h/" || exit 2
    seeds=$(ls "$out/corpus/$h" | wc -l)
    echo "fuzz-parsers: $h: ${seconds}s from $seeds seeds (log $out/$h.log)"
    # -max_len keeps graphs small (FUZZ_MAX_LEN, default 4096: most findings
    # need little text); a pass with a large one (65536) reaches the readers'
    # growth paths and long-input costs.  -timeout and -rss_limit_mb make a
    # slow or greedy input a finding rather than a stuck run
    "$bin" -max_total_time="$seconds" -max_len="${FUZZ_MAX_LEN:-4096}" -timeout=10 -rss_limit_mb=2048 \
        -dict="$srcdir/fuzz/corpus/$h.dict" -artifact_prefix="$out/artifacts/$h-" \
        -print_final_stats=1 "$out/corpus/$h" >"$out/$h.log" 2>&1
    rc=$?
    # the last status line: "#N DONE cov: C ft: F corp: K/..." (or the one
    # before a crash)
    last=$(grep -E '^#[0-9]+' "$out/$h.log" | tail -n 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$h.log")
    corpus=$(ls "$out/corpus/$h" | wc -l)
    echo "fuzz-parsers: $h: exit $rc; executions ${execs:-?}; corpus $corpus files; $last"
    if [ "$rc" -ne 0 ]; then
        fail=1
        echo "fuzz-parsers: $h FAILED; the end of its log:" >&2
        tail -n 40 "$out/$h.log" >&2
        ls "$out/artifacts/$h-"* 2>/dev/null | sed 's/^/fuzz-parsers: artifact: /' >&2
    fi
done
if [ "$fail" -ne 0 ]; then
    echo "fuzz-parsers: FAILED (artifacts in $out/artifacts)" >&2
    exit 1
fi
echo "fuzz-parsers: no crash, leak or timeout"
