# Shared helpers of the end-to-end tests. The environment gives BASIN (the built
# executable) and SOURCE_ROOT; each test ends with `finish`, which prints the
# closing "N passed, N failed" line.
set -u
export LC_ALL=C
pass=0
fail=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
R=$SOURCE_ROOT/recipes

ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

# num A OP B: a floating-point comparison, e.g. num "$m" '>' 0.9
num() { awk -v a="$1" -v b="$3" "BEGIN { exit !(a $2 b) }"; }

# col FILE KEY_COLUMN KEY_VALUE COLUMN: the COLUMN of the row whose KEY_COLUMN
# equals KEY_VALUE (as numbers when both are numbers).
col() {
    awk -F, -v k="$2" -v v="$3" -v c="$4" '
        NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h[k] == v || ($h[k] + 0 == v + 0 && v ~ /^[0-9.]+$/) { print $h[c]; exit }' "$1"
}

# first FILE COLUMN: the COLUMN of the first data row.
first() {
    awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                       { print $h[c]; exit }' "$1"
}

# expect_fail CODE PATTERN DESCRIPTION -- COMMAND...: the command exits with CODE
# and prints one line on stderr containing PATTERN.
expect_fail() {
    local code=$1 pattern=$2 what=$3
    shift 4
    local out rc
    # (sanitizer builds may add their own "==PID==WARNING" lines: not ours)
    out=$("$@" 2>&1 >/dev/null)
    rc=$?
    out=$(grep -v "^==[0-9]*==WARNING" <<<"$out")
    if [ "$rc" -ne "$code" ]; then
        bad "$what: exit $rc, want $code ($out)"
    elif ! grep -qF -- "$pattern" <<<"$out"; then
        bad "$what: message '$out' lacks '$pattern'"
    elif [ "$(wc -l <<<"$out")" -ne 1 ]; then
        bad "$what: message is not one line: $out"
    else
        ok "$what: $out"
    fi
}

# no_temporaries DIR: a results folder holds no hidden file but basin's marker
# (.basin-results), and its parent no temporary folder of its name
# (.NAME.basin-new-... or .NAME.basin-old-..., results/folder.h).
no_temporaries() {
    local dir=${1%/}
    [ -z "$(ls -A "$dir" | grep '^\.' | grep -vx '\.basin-results')" ] &&
        [ -z "$(ls -A "$(dirname "$dir")" | grep -F ".$(basename "$dir").basin-")" ]
}

finish() {
    echo "$(basename "$0" .sh): $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
