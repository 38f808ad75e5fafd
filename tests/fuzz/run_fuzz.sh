#!/usr/bin/env bash
# run_fuzz.sh — run the libFuzzer targets one after the other (`make fuzz`).
#
#   tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS [TARGET...]
#
# Each target runs for SECONDS on one core, starting from its seed corpus
# (tests/fuzz/corpus/TARGET, read only) and its regressions, with its
# dictionary; what it finds new goes to BUILD_DIR/fuzz-corpus/TARGET, and a
# crash, leak or timeout input to BUILD_DIR/fuzz-artifacts/TARGET/. All the
# targets run even when one finds something; the exit status is non-zero
# when any did. libFuzzer's own summary ("Done N runs in S second(s)") is
# left in the output.
set -u

build=${1:?usage: run_fuzz.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:?usage: run_fuzz.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
targets=${*:-definition input jsonpath intrinsic history resources timestamp testfile mockconfig serve}

# The longest input worth trying, and the dictionaries, per target. Lengths
# keep each run cheap and stay below what the parsers' own limits are about
# (a definition of 8 KB is already a large state machine).
max_len() {
    case $1 in
        definition) echo 8192 ;; input) echo 4096 ;; history) echo 16384 ;;
        resources) echo 4096 ;; jsonpath | intrinsic) echo 512 ;; timestamp) echo 64 ;;
        testfile | mockconfig) echo 4096 ;; serve) echo 8192 ;;
    esac
}
dicts() {
    case $1 in
        definition) echo json asl jsonpath intrinsic ;; input) echo json asl ;;
        jsonpath) echo jsonpath json ;; intrinsic) echo intrinsic jsonpath json ;;
        history) echo history json asl ;; resources) echo resources json ;;
        timestamp) echo timestamp ;; testfile) echo testfile json ;;
        mockconfig) echo mockconfig json ;; serve) echo serve json asl ;;
    esac
}

status=0
for t in $targets; do
    bin="$build/tests/fuzz/fuzz_$t"
    if [ ! -x "$bin" ]; then
        echo "run_fuzz: no $bin (build with -DSTEPFN_FUZZ=ON)" >&2
        exit 2
    fi
    work="$build/fuzz-corpus/$t"
    artifacts="$build/fuzz-artifacts/$t"
    mkdir -p "$work" "$artifacts" "$here/regressions/$t"
    dict="$build/fuzz-$t.dict"
    : >"$dict"
    for d in $(dicts "$t"); do cat "$here/dict/$d.dict" >>"$dict"; done
    echo "== fuzz_$t: ${seconds}s"
    # -rss_limit_mb: the engine's own limits keep a run far below this; a
    # run over it is a finding. -timeout: a single input taking 10 s is one.
    if ! "$bin" "$work" "$here/corpus/$t" "$here/regressions/$t" \
        -max_total_time="$seconds" -max_len="$(max_len "$t")" -rss_limit_mb=2048 \
        -timeout=10 -dict="$dict" -artifact_prefix="$artifacts/" -print_final_stats=1; then
        echo "run_fuzz: fuzz_$t found something: see $artifacts/" >&2
        status=1
    fi
done
exit $status
