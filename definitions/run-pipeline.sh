#!/bin/sh
# run-pipeline.sh — run one lab pipeline the way `make run` and `make lab`
# do: with the resource map CMake generated for it, its shipped input and a
# fresh execution name; then list its steps, draw its Graphviz picture
# beside its history, and say where its data went.
#
# usage: definitions/run-pipeline.sh STEPFN BUILD_DIR STORE PIPELINE
#   PIPELINE  integration-patterns, product-visit or bucket-notification
# bucket-notification watches a bucket folder in the run folder; the first
# time, it is filled with a copy of definitions/bucket-notification/sample/.
# Exit status: stepfn run's.
set -u
[ $# -eq 4 ] || { sed -n '2,10s/^# \{0,1\}//p' "$0" >&2; exit 2; }
stepfn=$1 build=$2 store=$3 pipeline=$4
here=$(dirname "$0")
map=$build/definitions/$pipeline/resources.json
run_dir=$(cat "$build/definitions/lab-run-dir.txt")/$pipeline
name=$pipeline-$(date +%Y%m%d-%H%M%S)-$$

if [ "$pipeline" = bucket-notification ] && [ ! -d "$run_dir/bucket" ]; then
    mkdir -p "$run_dir" && cp -R "$here/$pipeline/sample" "$run_dir/bucket" || exit 4
    echo "Seeded the bucket $run_dir/bucket from $here/$pipeline/sample/"
fi

echo "stepfn run $here/$pipeline/pipeline.asl.json --resources $map --input-file $here/$pipeline/input.json --name $name --store $store"
"$stepfn" run "$here/$pipeline/pipeline.asl.json" --resources "$map" \
    --input-file "$here/$pipeline/input.json" --name "$name" --store "$store"
status=$?
[ $status -le 1 ] || exit $status # nothing ran: stepfn said why

echo
if command -v python3 >/dev/null 2>&1; then
    python3 "$here/../tools/show_steps.py" "$stepfn" "$name" --store "$store"
fi
svg=$store/executions/$name/graph.svg
if "$stepfn" graph --help >/dev/null 2>&1; then
    "$stepfn" graph --execution "$name" --store "$store" --format svg -o "$svg" &&
        echo "Graph: $svg"
else
    echo "Graph: not drawn (this stepfn has no graph command)"
fi
echo "Data: $run_dir/"
exit $status
