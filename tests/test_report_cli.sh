#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# test_report_cli.sh -- wengert-report end to end, on stores that
# wengert-fuzz makes: exit statuses (0 written, 2 bad usage or input with
# one line naming the file), the files of a report, the HTML checked by a
# strict XML parser (python3's ElementTree, xmllint) and by libxml2's HTML
# parser, the Markdown tables, ops.csv with one row per op, the plots with
# gnuplot and the report without it (WG_GNUPLOT=/nonexistent), a store of
# schema version 1, --compare.  Run by `make check` with top_builddir in
# the environment.

: "${top_builddir:=.}"
prog="$top_builddir/reports/wengert-report"
fuzz="$top_builddir/fuzz/wengert-fuzz"
if [ ! -x "$prog" ] || [ ! -x "$fuzz" ]; then
    echo "test_report_cli.sh: $prog or $fuzz not built" >&2
    exit 99
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wg-report-cli.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

failures=0
bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# run EXPECTED_STATUS ARGS...: stdout and stderr kept in $tmp/out, $tmp/err;
# for status 2, stderr must be one line naming the program.
run() {
    expect=$1
    shift
    "$prog" "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
    if [ "$status" -ne "$expect" ]; then
        bad "wengert-report $*: exit status $status, expected $expect"
        sed 's/^/    stderr: /' "$tmp/err" | head -20
        return 1
    fi
    if [ "$expect" -eq 2 ]; then
        lines=$(wc -l <"$tmp/err")
        if [ "$lines" -ne 1 ] || ! grep -q '^wengert-report: ' "$tmp/err"; then
            bad "wengert-report $*: stderr is not one 'wengert-report: ...' line"
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
has() {       # FILE TEXT
    grep -qF -- "$2" "$1" || bad "$1 lacks '$2'"
}
lacks() {     # FILE TEXT
    if grep -qF -- "$2" "$1"; then bad "$1 has '$2'"; fi
}

have_python=0
if command -v python3 >/dev/null 2>&1; then have_python=1; fi
have_xmllint=0
if command -v xmllint >/dev/null 2>&1; then have_xmllint=1; fi

# The page must be well-formed XML (it is polyglot HTML5): python3's
# ElementTree and xmllint in XML mode, both strict.  libxml2's HTML parser
# knows HTML 4 only: it calls every HTML5 and SVG element ("Tag main
# invalid", "Tag svg invalid") an error and reads the rest; with
# STRICT_HTML_PARSER 1, anything else it says is a failure.  Pages with
# plots are held to its exit status only: on long inline SVG it can
# misread an attribute value that straddles its input buffer ("error
# parsing attribute name" at a place that moves when bytes are added in
# front), which the XML checks show is not in the page.
check_html() {    # FILE STRICT_HTML_PARSER
    if [ $have_python -eq 1 ]; then
        python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1" \
            2>"$tmp/py.err" || { bad "$1 is not well-formed XML"; cat "$tmp/py.err"; }
    else
        echo "test_report_cli.sh: no python3: ElementTree check skipped"
    fi
    if [ $have_xmllint -eq 1 ]; then
        xmllint --noout "$1" 2>"$tmp/xl.err" || { bad "xmllint: $1 is not well-formed";
                                                  head -5 "$tmp/xl.err"; }
        xmllint --html --noout "$1" 2>"$tmp/xh.err" || bad "xmllint --html: $1 refused"
        if [ "$2" = 1 ] && grep 'parser error' "$tmp/xh.err" | grep -v 'Tag [a-z]* invalid' \
               >"$tmp/xh.other"; then
            bad "xmllint --html: $1: $(head -3 "$tmp/xh.other")"
        fi
    else
        echo "test_report_cli.sh: no xmllint: its checks skipped"
    fi
    # self-contained: nothing fetched, nothing run
    for w in '<script' '<link' '<img' '<iframe' '@import' ' src=' 'url(http'; do
        lacks "$1" "$w"
    done
    if grep -o 'https\?://[^"]*' "$1" | grep -v '^http://www.w3.org/' | grep -q .; then
        bad "$1 refers to a URL other than the XML namespaces"
    fi
}

# ---------------------------------------------------------------- stores
"$fuzz" --graphs 30 --out "$tmp/clean" --quiet >/dev/null 2>&1
[ -f "$tmp/clean/results.sqlite" ] || { echo "wengert-fuzz made no store" >&2; exit 99; }
# an injected bug in cos, on graphs rich in cos: failures with reproducers
"$fuzz" --graphs 20 --ops cos,sin,mul,add --inject-bug cos-sign --out "$tmp/bug" --quiet \
    >/dev/null 2>&1
[ -f "$tmp/bug/results.sqlite" ] || { echo "wengert-fuzz made no bug store" >&2; exit 99; }
ops_total=$("$fuzz" --summary "$tmp/clean/results.sqlite" | sed -n 's/.*ops covered: [0-9]* of \([0-9]*\).*/\1/p')

# ---------------------------------------------------------------- usage and bad input
run 2 && expect_err "no output folder"
run 2 -o "$tmp/r0" && expect_err "no store given"
run 2 --frobnicate && expect_err "unknown option '--frobnicate'"
run 2 "$tmp/clean" -o && expect_err "-o needs a value"
run 2 "$tmp/clean" -o "$tmp/r0" --max-rows ten && expect_err "--max-rows: 'ten'"
run 2 --compare "$tmp/clean" -o "$tmp/r0" && expect_err "--compare needs two stores"
run 2 --compare a b c -o "$tmp/r0" && expect_err "'c' is one too many"
run 2 --compare "$tmp/clean" "$tmp/bug" --threshold 0.5 -o "$tmp/r0" && expect_err "--threshold: '0.5'"
run 2 "$tmp/none.sqlite" -o "$tmp/r0" && expect_err "$tmp/none.sqlite: cannot read"
echo "not a database" >"$tmp/text.sqlite"
run 2 "$tmp/text.sqlite" -o "$tmp/r0" && expect_err "$tmp/text.sqlite: not an SQLite database"
: >"$tmp/empty.sqlite"
run 2 "$tmp/empty.sqlite" -o "$tmp/r0" && expect_err "$tmp/empty.sqlite: an empty file"
mkdir "$tmp/nostore"
run 2 "$tmp/nostore" -o "$tmp/r0" && expect_err "$tmp/nostore: a directory without results.sqlite"
if [ $have_python -eq 1 ]; then
    python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("CREATE TABLE t (x)")' \
        "$tmp/other.sqlite"
    run 2 "$tmp/other.sqlite" -o "$tmp/r0" && expect_err "$tmp/other.sqlite: an SQLite database, but not a result store"
fi
: >"$tmp/afile"
run 2 "$tmp/clean" -o "$tmp/afile" && expect_err "$tmp/afile: not a directory"
run 2 "$tmp/clean" -o "$tmp/afile/sub" && expect_err "$tmp/afile: not a directory"
run 0 --help && expect_out "Usage: wengert-report"
run 0 --version && expect_out "wengert-report (Wengert) "

# ---------------------------------------------------------------- a report, with plots if gnuplot is there
out="$tmp/r1"
run 0 "$tmp/clean" "$tmp/bug/results.sqlite" -o "$out" && expect_out "wrote $out/report.html"
for f in report.html report.md ops.csv fails.csv; do
    [ -s "$out/$f" ] || bad "no $out/$f"
done
check_html "$out/report.html" 0
has "$out/report.md" "## Accuracy per op"
has "$out/report.md" "| op | values | exact 0 | rel median | rel p99 | rel max | ulps median | ulps p99 | ulps max |"
has "$out/report.md" "| op | checks | pass | fail | nondiff | invalid | unstable |"
has "$out/report.md" "## Tensor graphs"
has "$out/report.md" "| tensor graphs |"
has "$out/report.md" "## Second order"
has "$out/report.md" "No second-order check in these stores"
has "$out/report.md" "## Error-bound tightness"
has "$out/report.md" "## Step size of finite differences"
has "$out/report.md" "| \`cos\` |"
has "$out/report.md" "--inject-bug cos-sign"
has "$out/report.html" "wengert-fuzz --reproduce"
# second order and tensors: a campaign at order 2 has its own table, with wg_hvp
"$fuzz" --graphs 15 --order 2 --tensor-frac 0.5 --out "$tmp/o2" --quiet >/dev/null 2>&1
run 0 "$tmp/o2" -o "$tmp/ro2" --no-plots && expect_out "wrote $tmp/ro2/report.html"
has "$tmp/ro2/report.md" "| op | checks | pass | fail | nondiff | invalid | unstable | judged | reverse over reverse rel median |"
has "$tmp/ro2/report.md" "wg\\_hvp rel max"
has "$tmp/ro2/report.md" "| (all) | 45 |"
# the failures: every one in fails.csv, blamed on cos
fails=$(tail -n +2 "$out/fails.csv" | wc -l)
[ "$fails" -gt 0 ] || bad "the bug store gave no failing checks"
if tail -n +2 "$out/fails.csv" | grep -v ',cos,' | grep -q .; then
    bad "fails.csv: a fail not blamed on cos"
fi
# ops.csv: a header and one row per op of the table
head -1 "$out/ops.csv" | grep -q '^op,known,graphs,nodes,checks,pass,fail,' || bad "ops.csv header"
rows=$(tail -n +2 "$out/ops.csv" | wc -l)
[ "$rows" -eq "$ops_total" ] || bad "ops.csv has $rows rows, the op table $ops_total ops"
cols=$(head -1 "$out/ops.csv" | awk -F, '{ print NF }')
if awk -F, -v n="$cols" 'NF != n { exit 1 }' "$out/ops.csv"; then :; else
    bad "ops.csv: rows of different lengths"
fi
if command -v gnuplot >/dev/null 2>&1; then
    for p in hist size tightness step-seed step-exp step-sinc step-sqrt; do
        [ -s "$out/plots/$p.svg" ] || bad "no plot $out/plots/$p.svg"
        has "$out/report.md" "](plots/$p.svg)"
    done
    n=$(grep -c '<svg' "$out/report.html")
    [ "$n" -eq 7 ] || bad "report.html has $n inline plots, not 7"
    lacks "$out/report.html" "<?xml"
    lacks "$out/report.html" "Plots omitted"
else
    echo "test_report_cli.sh: gnuplot not installed: plot checks skipped"
fi

# ---------------------------------------------------------------- without gnuplot
out="$tmp/r2"
WG_GNUPLOT=/nonexistent run 0 "$tmp/clean" -o "$out" && expect_out "plots omitted: WG_GNUPLOT=/nonexistent"
[ -s "$out/report.html" ] || bad "no report without gnuplot"
has "$out/report.html" "Plots omitted: WG_GNUPLOT=/nonexistent is not an executable file"
has "$out/report.md" "Plots omitted: WG\\_GNUPLOT=/nonexistent is not an executable file"
lacks "$out/report.html" "<svg"
[ -d "$out/plots" ] && bad "plots/ written without gnuplot"
check_html "$out/report.html" 1
has "$out/report.md" "No check failed."
run 0 "$tmp/clean" -o "$tmp/r3" --no-plots --quiet
[ -s "$tmp/out" ] && bad "--quiet printed something"
has "$tmp/r3/report.html" "plots were turned off"

# ---------------------------------------------------------------- stores given twice, schema 1
run 0 "$tmp/clean" "$tmp/clean/results.sqlite" -o "$tmp/r4" --no-plots
has "$tmp/r4/report.md" "Graphs found in more than one store count once"
cmp -s "$tmp/r3/ops.csv" "$tmp/r4/ops.csv" || bad "a store given twice changed ops.csv"
if [ $have_python -eq 1 ]; then
    cp "$tmp/clean/results.sqlite" "$tmp/v1.sqlite"
    python3 - "$tmp/v1.sqlite" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""ALTER TABLE graph DROP COLUMN label; DROP TABLE campaign_info;
DELETE FROM schema_version; INSERT INTO schema_version (version, created) VALUES (1, 'then');""")
db.commit()
EOF
    run 0 "$tmp/v1.sqlite" -o "$tmp/r5" --no-plots
    has "$tmp/r5/report.md" "not recorded (schema version 1 stores keep no machine facts)"
    has "$tmp/r5/report.md" "v1.sqlite\` | 1 |"
    cmp -s "$tmp/r3/ops.csv" "$tmp/r5/ops.csv" || bad "schema 1 changed ops.csv"
else
    echo "test_report_cli.sh: no python3: schema-1 check skipped"
fi

# ---------------------------------------------------------------- a suite run (wengert-verify --store)
verify="$top_builddir/verify/wengert-verify"
if [ -x "$verify" ] && "$verify" --help 2>&1 | grep -q -- '--store'; then
    "$verify" --suite builtin --store "$tmp/suite.sqlite" >/dev/null 2>&1
    run 0 "$tmp/suite.sqlite" -o "$tmp/r6" --no-plots
    has "$tmp/r6/report.md" "## Suite cases"
    has "$tmp/r6/report.md" "| \`rosenbrock\` | 1 | pass |"
    # the builtin suite's ill-conditioned case: flagged in its row, listed
    has "$tmp/r6/report.md" "| \`cancellation sqrt(x^2+1)-x\` | 1 | pass (ill-conditioned: 4 correct digits) |"
    has "$tmp/r6/report.md" "## Ill-conditioned results"
    has "$tmp/r6/report.md" "\`cancellation sqrt(x^2+1)-x\` | 3 | 4.1 |"
    has "$tmp/r6/report.md" "| 1 | wengert-verify |"
    check_html "$tmp/r6/report.html" 1
else
    echo "test_report_cli.sh: wengert-verify has no --store: suite-store check skipped"
fi

# ---------------------------------------------------------------- compare
run 0 --compare "$tmp/clean" "$tmp/bug" -o "$tmp/cmp" && expect_out "compare: "
for f in compare.html compare.md; do
    [ -s "$tmp/cmp/$f" ] || bad "no $tmp/cmp/$f"
done
grep -q '^  worse  cos .*fails 0 -> [1-9]' "$tmp/out" || { bad "compare: cos not worse";
                                                         cat "$tmp/out"; }
has "$tmp/cmp/compare.md" "| \`cos\` | **worse** |"
check_html "$tmp/cmp/compare.html" 1
run 0 --compare "$tmp/clean" "$tmp/clean" -o "$tmp/cmp2"
expect_out "compare: 0 ops worse, 0 better"

echo "test_report_cli.sh: $failures failure(s)"
[ $failures -eq 0 ]
