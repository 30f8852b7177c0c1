#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test_hostile.sh -- the hostile-input catalogue: bad and careless inputs
# against the three programs, each with the exit status and a fragment of
# the message it must give.  Never a crash, a hang or an unbounded read:
# every run has a time limit (timeout), and the ones that read a device do
# so under a memory limit (ulimit -v) where the build allows one (a
# sanitized build reserves more address space than any sane limit).  Run
# by `make check` with top_builddir and srcdir in the environment.
#
# Exit statuses: 2 is bad usage or input for every program (doc/VERIFY.md,
# fuzz/README.md, reports/README.md); 124 would be a timeout, always a
# failure here.

: "${top_builddir:=.}"
: "${srcdir:=.}"
verify="$top_builddir/verify/wengert-verify"
fuzz="$top_builddir/fuzz/wengert-fuzz"
report="$top_builddir/reports/wengert-report"
for p in "$verify" "$fuzz" "$report"; do
    [ -x "$p" ] || { echo "test_hostile.sh: $p not built" >&2; exit 99; }
done
command -v timeout >/dev/null 2>&1 || { echo "test_hostile.sh: no timeout(1)" >&2; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wg-hostile.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
case $top_builddir in /*) ;; *) top_builddir="$OLDPWD/$top_builddir" ;; esac
case $srcdir in /*) ;; *) srcdir="$OLDPWD/$srcdir" ;; esac
verify="$top_builddir/verify/wengert-verify"
fuzz="$top_builddir/fuzz/wengert-fuzz"
report="$top_builddir/reports/wengert-report"

failures=0
checks=0

# a memory limit (KiB) for the runs that read devices, when the build runs
# under one at all
memlimit=2000000
if ! (ulimit -v $memlimit && "$verify" --version) >/dev/null 2>&1; then
    memlimit=
fi

# expect STATUS FRAGMENT [STDIN] -- PROGRAM ARGS...: runs PROGRAM with a
# 20 s limit (stdin from STDIN, else /dev/null) and checks its status and
# that stderr or stdout holds FRAGMENT ('' for none)
expect() {
    want=$1 frag=$2 input=/dev/null
    shift 2
    if [ "$1" != "--" ]; then input=$1; shift; fi
    shift
    checks=$((checks + 1))
    if [ -n "$memlimit" ]; then
        (ulimit -v $memlimit; timeout 20 "$@" <"$input" >out 2>err)
    else
        timeout 20 "$@" <"$input" >out 2>err
    fi
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: $*: exit status $got, expected $want"
        sed 's/^/    stderr: /' err | head -5
        failures=$((failures + 1))
        return
    fi
    if [ -n "$frag" ] && ! grep -qF -- "$frag" err out; then
        echo "FAIL: $*: no '$frag' in its output"
        sed 's/^/    stderr: /' err | head -5
        failures=$((failures + 1))
    fi
}

printf 'input x = 1\ny = sin(x)\noutput y\n' >ok.wg
mkfifo fifo.wg
ln -s /dev/zero zero.wg
ln -s /dev/zero zero.suite
printf 'f: zero.wg\n' >zero-case.suite
printf 'f: fifo.wg\n' >fifo-case.suite

# ---------------------------------------------------------------- unbounded reads (item 3)
expect 2 "not a regular file (a character device" -- "$verify" --check /dev/zero
expect 2 "not a regular file (a character device" -- "$verify" --check /dev/urandom
expect 2 "not a regular file (a FIFO"             -- "$verify" --check fifo.wg
expect 2 "zero.wg: error: not a regular file"     -- "$verify" --check zero.wg
expect 2 "not a regular file (a directory)"       -- "$verify" --check .
expect 2 "not a regular file (a character device" -- "$verify" --suite /dev/zero
expect 2 "not a regular file (a character device" -- "$verify" --suite zero.suite
expect 2 "not a regular file (a FIFO"             -- "$verify" --suite fifo-case.suite
expect 2 "is outside the suite's folder"           -- "$verify" --suite zero-case.suite
expect 2 "not a regular file (a character device" -- "$verify" --suite zero-case.suite --allow-outside-paths
expect 2 "not a regular file (a character device" -- "$fuzz" --reproduce /dev/zero
expect 2 "a NUL byte at offset 0"       /dev/zero -- "$verify" --check -
expect 2 "a NUL byte at offset 0"       /dev/zero -- "$verify" --suite -
printf 'input x = 1\noutput x\n\0' >nul.txt
expect 2 "a NUL byte at offset 21"      nul.txt   -- "$verify" --check -
expect 2 "larger than the limit of 10 bytes" -- env WG_MAX_FILE_BYTES=10 "$verify" --check ok.wg
expect 0 "" -- "$verify" --check ok.wg

# ---------------------------------------------------------------- suite paths (item 6)
mkdir -p s/sub
printf 'input x = 1\ny = exp(x)\noutput y\n' >s/sub/in.wg
printf 'TOKEN = hunter2 !\n' >secret.wg
ln -s ../secret.wg s/link.wg
printf 'a: sub/in.wg\n'               >s/in.suite
printf 'a: ../secret.wg\n'            >s/up.suite
printf 'a: link.wg\n'                 >s/link.suite
printf 'a: %s/secret.wg\n' "$PWD"     >s/abs.suite
expect 0 "" -- "$verify" --suite s/in.suite
for f in up link abs; do
    expect 2 "is outside the suite's folder" -- "$verify" --suite s/$f.suite
    expect 2 "(its text is not quoted)" -- "$verify" --suite s/$f.suite --allow-outside-paths
    if grep -q hunter2 err; then
        echo "FAIL: s/$f.suite: a file outside the suite's folder quoted"; failures=$((failures + 1))
    fi
done
# from stdin the current folder is the suite's
printf 'a: %s/tests/data/seed.wg\n' "$srcdir" >stdin.suite
expect 2 "is outside the suite's folder" stdin.suite -- "$verify" --suite -
expect 0 "" stdin.suite -- "$verify" --suite - --allow-outside-paths
expect 2 "--allow-outside-paths is an option of --suite" -- "$verify" --check ok.wg --allow-outside-paths

# ---------------------------------------------------------------- campaigns that check nothing (item 5)
expect 2 "--inputs: a graph needs at least one input"       -- "$fuzz" --graphs 3 --out f1 --inputs 0:4
expect 2 "--outputs: a graph needs at least one output"     -- "$fuzz" --graphs 3 --out f1 --outputs 0
expect 2 "--nodes: a graph needs at least one node"         -- "$fuzz" --graphs 3 --out f1 --nodes 0:3
expect 2 "every op has weight 0"  -- "$fuzz" --graphs 3 --out f1 --ops sin --weight sin=0
expect 2 "add up to more than 1"  -- "$fuzz" --graphs 3 --out f1 --kink-frac 1 --edge-frac 1
expect 2 "add up to more than 1"  -- "$fuzz" --self-test --kink-frac 0.6 --edge-frac 0.6
[ -e f1 ] && { echo "FAIL: a refused campaign left its folder f1"; failures=$((failures + 1)); }
# a campaign whose store holds an unchecked graph (the generator gave up on
# it in an earlier run): resumed, it says so and exits 3
expect 0 "" -- "$fuzz" --graphs 4 --out f2 --quiet
if command -v python3 >/dev/null 2>&1; then
    python3 - f2/results.sqlite <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""DELETE FROM check_result WHERE graph IN (SELECT id FROM graph WHERE idx = 2);
UPDATE graph SET verdict = NULL, worst = NULL,
  error = 'generator gave up: no acceptable graph' WHERE idx = 2;""")
db.commit()
PY
    expect 3 "1 of 4 graphs were not checked; the most common reason (1 graph): generator gave up" \
        -- "$fuzz" --graphs 4 --out f2 --quiet
else
    echo "test_hostile.sh: no python3: the unchecked-campaign check skipped"
fi

# ---------------------------------------------------------------- reproducers not written (item 8)
# a folder where each reproducer file should go: the rename onto it fails;
# every failing graph says so, the count follows, the summary tells
# reproducers stored only from those with files
for j in 1 2; do
    mkdir -p r8-$j/repro
    for i in 0 1 2 3 4 5; do mkdir -p r8-$j/repro/fail-$i.wg/x; done
    expect 1 "could not be written to r8-$j/repro (said above)" -- \
        "$fuzz" --graphs 6 --out r8-$j --inject-bug cos-sign --ops cos,add,mul --quiet --jobs $j
    for frag in "graph 2: reproducer not saved: wg_repro_save: cannot rename" \
                "reproducers: 2 (2 in the store only, not as files)" \
                "(reproducer in the store only)"; do
        grep -qF -- "$frag" err out ||
            { echo "FAIL: --jobs $j: no '$frag' in its output"; failures=$((failures + 1)); }
    done
done

# ---------------------------------------------------------------- killed runs, two at once (items 10, 11)
# a campaign killed with SIGKILL mid-run: counted as a run with the time it
# ran (brought up to date every second); a second process on it meanwhile
# is refused, naming the first; the next run takes the dead one's lock over
info() {
    python3 -c 'import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("SELECT value FROM campaign_info WHERE key = ?", (sys.argv[2],)).fetchone()
print(r[0] if r else "")' c10/results.sqlite "$1" 2>/dev/null
}
if command -v python3 >/dev/null 2>&1; then
    "$fuzz" --graphs 1000000 --out c10 --quiet >/dev/null 2>&1 &
    first=$!
    n=0; while [ -z "$(info running)" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    expect 2 "campaign 1 is being run by another process (pid $first, since" -- \
        "$fuzz" --graphs 1000000 --out c10 --quiet
    sleep 3
    kill -9 $first; wait $first 2>/dev/null
    runs=$(info runs) secs=$(info elapsed_seconds)
    [ "$runs" = 1 ] || { echo "FAIL: a killed run not counted (runs '$runs')"; failures=$((failures + 1)); }
    awk -v s="$secs" 'BEGIN { exit !(s >= 2) }' ||
        { echo "FAIL: a killed run's time lost (elapsed_seconds '$secs')"; failures=$((failures + 1)); }
    expect 0 "the process of its last run is gone (killed?)" -- \
        "$fuzz" --graphs 1000000 --time 1 --out c10 --quiet
    runs=$(info runs) secs2=$(info elapsed_seconds)
    [ "$runs" = 2 ] || { echo "FAIL: runs '$runs' after a resume, expected 2"; failures=$((failures + 1)); }
    awk -v a="$secs" -v b="$secs2" 'BEGIN { exit !(b >= a + 0.9) }' ||
        { echo "FAIL: elapsed_seconds $secs2 after a resume of 1 s from $secs"; failures=$((failures + 1)); }
    [ -z "$(info running)" ] || { echo "FAIL: the lock left behind"; failures=$((failures + 1)); }
else
    echo "test_hostile.sh: no python3: the killed-run checks skipped"
fi

# ---------------------------------------------------------------- reads that must not write (items 7, 9)
expect 2 "(a read creates no store)" -- "$fuzz" --summary nosuch.sqlite
[ -e nosuch.sqlite ] && { echo "FAIL: --summary created nosuch.sqlite"; failures=$((failures + 1)); }
: >empty.sqlite
expect 2 "empty.sqlite: an empty file, not a result store" -- "$fuzz" --summary empty.sqlite
[ -s empty.sqlite ] && { echo "FAIL: --summary wrote into empty.sqlite"; failures=$((failures + 1)); }
expect 2 "missing.sqlite: cannot open" -- "$fuzz" --merge dst.sqlite missing.sqlite
[ -e dst.sqlite ] && { echo "FAIL: --merge left dst.sqlite behind"; failures=$((failures + 1)); }
expect 2 "not an SQLite database" -- "$fuzz" --summary ok.wg
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE t (x)"); c.commit()' other.db
    expect 2 "other.db: an SQLite database, but not a wengert-fuzz result store" -- "$fuzz" --summary other.db
    mode=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode").fetchone()[0])' other.db)
    [ "$mode" = delete ] || { echo "FAIL: --summary switched other.db to $mode"; failures=$((failures + 1)); }
    cp f2/results.sqlite v99.sqlite
    python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE schema_version SET version = 99"); c.commit()' v99.sqlite
    expect 2 "schema version 99" -- "$fuzz" --summary v99.sqlite
    expect 2 "schema version 99" -- "$report" v99.sqlite -o r99 --no-plots
    # item 9: a store with bytes that are not UTF-8 in its labels and
    # messages, verdicts no program knows and a graph short of check rows:
    # the report stays UTF-8 (U+FFFD for each bad byte), and the odd rows
    # are named in a note and on stderr
    cp r8-1/results.sqlite odd.sqlite
    python3 - odd.sqlite <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
UPDATE check_result SET verdict = 'bogus' WHERE graph = 1 AND direction = 0;
UPDATE graph SET verdict = 'weird' WHERE id = 2;
DELETE FROM check_result WHERE graph = 4 AND direction = 2;
UPDATE graph SET label = CAST(X'666f80ff3c62' AS TEXT) WHERE id = 3;
UPDATE check_result SET message = CAST(X'6d7367c3' AS TEXT), fail_mode = CAST(X'ff41' AS TEXT)
  WHERE verdict = 'fail';
""")
db.commit()
PY
    expect 0 "warning: Verdicts this program does not know, counted as \"other\"" -- \
        "$report" odd.sqlite -o rodd --no-plots
    for frag in "weird (1 graph in odd.sqlite), bogus (1 check in odd.sqlite)" \
                "odd.sqlite: 1 graph with fewer check rows than directions, 1 row missing"; do
        grep -qF -- "$frag" err && grep -qF -- "$frag" rodd/report.md ||
            { echo "FAIL: no '$frag' on stderr and in report.md"; failures=$((failures + 1)); }
    done
    python3 - rodd <<'PY' || failures=$((failures + 1))
import sys
for f in ("report.md", "report.html", "fails.csv", "ops.csv"):
    b = open(sys.argv[1] + "/" + f, "rb").read()
    try:
        b.decode("utf-8")
    except UnicodeDecodeError as e:
        sys.exit("FAIL: %s is not UTF-8: %s" % (f, e))
    if f != "ops.csv" and "\ufffd".encode() not in b:
        sys.exit("FAIL: %s has no U+FFFD for the bad bytes" % f)
PY
    # a whole store: no warning
    expect 0 "" -- "$report" r8-1 -o rwhole --no-plots
    grep -q "warning" err && { echo "FAIL: a warning on a whole store"; failures=$((failures + 1)); }
    # a writer holding the store: the read waits a few seconds, then says so
    python3 - f2/results.sqlite <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA locking_mode = EXCLUSIVE"); c.execute("BEGIN EXCLUSIVE")
c.execute("DELETE FROM campaign_info WHERE 0"); open("locked", "w").close(); time.sleep(8)
PY
    holder=$!
    n=0; while [ ! -e locked ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
    expect 2 "busy: another process held it" -- "$fuzz" --summary f2/results.sqlite
    kill $holder 2>/dev/null; wait $holder 2>/dev/null
fi
# ---------------------------------------------------------------- gnuplot that hangs or fails (items 12, 14)
mkdir -p gp
printf '#!/bin/sh\nexec sleep 60\n' >gp/gnuplot
printf '#!/bin/sh\ncat >/dev/null; echo "gnuplot: bad thing" >&2; exit 3\n' >gp/gnuplot3
chmod +x gp/gnuplot gp/gnuplot3
expect 0 "gnuplot did not finish in 1 s and was stopped" -- \
    env PATH="$PWD/gp:$PATH" WG_GNUPLOT_TIMEOUT=1 "$report" f2 -o rg1
expect 0 "gnuplot failed (exit status 3): gnuplot: bad thing" -- \
    env WG_GNUPLOT="$PWD/gp/gnuplot3" "$report" f2 -o rg2

# a store in a folder that cannot be written: its summary still reads
if [ "$(id -u)" -ne 0 ]; then
    mkdir ro && cp f2/results.sqlite ro/ && chmod a-w ro/results.sqlite ro
    expect 0 "4 graphs" -- "$fuzz" --summary ro/results.sqlite
    chmod u+w ro
fi

# ---------------------------------------------------------------- a full disk (item 14)
# the system's reason, not "input/output error": /dev/full as standard
# output, and a small tmpfs for the files the programs make (where this
# process may mount one)
expect 1 "writing the DOT text to standard output failed: No space left on device" -- \
    sh -c '"$0" -e "sin(x)" --at x=1 --dot >/dev/full' "$verify"
expect 1 "writing the results to standard output failed: No space left on device" -- \
    sh -c '"$0" -e "sin(x)" --at x=1 >/dev/full' "$verify"
expect 1 "writing the results to standard output failed: No space left on device" -- \
    sh -c '"$0" --suite s/in.suite >/dev/full' "$verify"
mkdir full
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=128k tmpfs full 2>/dev/null; then
    trap 'umount "$tmp/full" 2>/dev/null; rm -rf "$tmp"' EXIT
    dd if=/dev/zero of=full/fill bs=1k count=124 2>/dev/null
    expect 1 "full/rep/report.html: cannot write: No space left on device" -- \
        "$report" f2 -o full/rep --no-plots
    expect 2 "database or disk is full (No space left on device)" -- \
        "$verify" --check ok.wg --store full/s.sqlite
    expect 2 "database or disk is full (No space left on device)" -- \
        "$fuzz" --graphs 3 --out full/fz --quiet
    umount full
else
    echo "test_hostile.sh: cannot mount a tmpfs here: the full-disk checks of files skipped"
fi

echo "test_hostile.sh: $checks inputs, $failures failure(s)"
[ $failures -eq 0 ]
