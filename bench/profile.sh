#!/usr/bin/env bash
# bench/profile.sh — where stepfn's time goes on the loop and map benchmarks.
#
#   bash bench/profile.sh [LOOP_N] [MAP_N]     (defaults 5000 and 200)
#
# Uses build-bench/stepfn as bench/run.py builds it (Release, with -g), so run
# that first. Prints, for each benchmark, the top 15 functions by inclusive
# cost and by self cost under valgrind --tool=callgrind (instructions, the
# whole process), then `perf stat` of the loop at N=200000 when perf works
# here. Stores go to a temporary folder in /dev/shm, removed afterwards.
# Needs valgrind (and perf, optional): apt-get install valgrind linux-perf.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
stepfn="${STEPFN:-$here/../build-bench/stepfn}"   # STEPFN=path for another build
loop_n=${1:-5000}
map_n=${2:-200}
[ -x "$stepfn" ] || { echo "profile: $stepfn missing: run bench/run.py first" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "profile: valgrind not found (apt-get install valgrind)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR_BENCH:-/dev/shm}/stepfn-profile-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

top15() { # $1 callgrind.out, $2 yes|no (inclusive or self): the 15
          # heaviest functions, without the process-start wrappers (ld.so's
          # entry, libc's start, main) and without the duplicate lines
          # callgrind_annotate prints for code inlined from another file
    callgrind_annotate --inclusive="$2" "$1" 2>/dev/null | python3 -c '
import re, sys
lines = sys.stdin.read().split("\n")
start = max(i for i, l in enumerate(lines) if "file:function" in l) + 2
skip = re.compile(r"below main|__libc_start|ld-linux-x86-64.so.2\]$|tools/main.c:main")
seen = set()
for l in lines[start:]:
    if not l.strip() or skip.search(l):
        continue
    l = l.replace("/work/main/", "").replace("/usr/lib/x86_64-linux-gnu/", "")
    key = re.sub(r" \[[^]]*\]$", "", l.split(")", 1)[-1].strip())
    if key in seen:
        continue
    seen.add(key)
    print(l)
    if len(seen) == 15:
        break
'
}

profile() { # $1 name, $2 definition, $3 input file
    valgrind --tool=callgrind --callgrind-out-file="$tmp/$1.callgrind" \
        "$stepfn" run "$here/definitions/$2" --input-file "$3" --store "$tmp/store-$1" \
        --format json >/dev/null 2>"$tmp/$1.valgrind"
    echo "## $1: top 15 by inclusive cost (Ir), $(grep -o 'Collected : [0-9]*' "$tmp/$1.valgrind" || true)"
    top15 "$tmp/$1.callgrind" yes
    echo
    echo "## $1: top 15 by self cost (Ir)"
    top15 "$tmp/$1.callgrind" no
    echo
}

echo "{\"n\": $loop_n}" >"$tmp/loop.json"
python3 -c "import json,sys; n=int(sys.argv[1]); print(json.dumps({'items':[{'id':i,'price':i*1.5,'name':'item'} for i in range(n)],'rounds':10}))" \
    "$map_n" >"$tmp/map.json"
profile "loop (N=$loop_n)" loop.asl.json "$tmp/loop.json"
profile "map (N=$map_n, 10 rounds)" map.asl.json "$tmp/map.json"

if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
    echo '{"n": 200000}' >"$tmp/loop-big.json"
    echo "## perf stat: loop (N=200000)"
    perf stat -e task-clock,context-switches,page-faults,cycles,instructions,branches,branch-misses \
        "$stepfn" run "$here/definitions/loop.asl.json" --input-file "$tmp/loop-big.json" \
        --store "$tmp/store-perf" --format json 2>&1 >/dev/null | sed -n '/Performance/,$p'
else
    echo "perf stat: not supported here"
fi
