#!/usr/bin/env python3
"""Benchmark: a Distributed Map over many items, at two concurrencies.

Usage:
    run.py [STEPFN] [--items N] [--concurrency 10,1000] [--payload BYTES] [--keep DIR]

Generates N items (default 100,000; each with a string of BYTES, default
256) as a JSON Lines file, maps it to the
bucket "bench-items" with a resource map, and runs map.asl.json once per
MaxConcurrency (default 10, then 1000) with `stepfn run`. Each child waits
two loop turns (Wait 0 twice), so up to MaxConcurrency children are really
in flight at once; results go to the store through ResultWriter, not into
memory.

Reports, per run: wall time, peak resident memory of the stepfn process
(ru_maxrss from wait4), and the sizes of the history and results written.
What it shows: peak memory grows with MaxConcurrency (the iterations in
flight), not with the number of items. STEPFN defaults to build/stepfn
(a Release build gives representative times). Not run by ctest: it takes
a minute or more and writes a few hundred MB to a temporary folder.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def write_items(folder, count, payload):
    os.makedirs(folder, exist_ok=True)
    filler = "x" * payload
    with open(os.path.join(folder, "items.jsonl"), "w", encoding="utf-8") as fh:
        for i in range(count):
            fh.write(json.dumps({"id": i, "name": f"item-{i:06d}", "payload": filler}) + "\n")


def folder_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def run_once(stepfn, work, resources, concurrency):
    store = os.path.join(work, f"store-{concurrency}")
    name = f"bench-{concurrency}"
    cmd = [stepfn, "run", os.path.join(HERE, "map.asl.json"), "--name", name,
           "--input", json.dumps({"concurrency": concurrency}), "--resources", resources,
           "--store", store, "--format", "json"]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"run.py: MaxConcurrency {concurrency}: stepfn failed: {err.decode()}{out.decode()}")
    described = json.loads(out)
    execution = os.path.join(store, "executions", name)
    return {
        "concurrency": concurrency,
        "status": described["status"],
        "wall_s": wall,
        "peak_rss_mb": usage.ru_maxrss / 1024.0,
        "history_mb": os.path.getsize(os.path.join(execution, "history.jsonl")) / 1e6,
        "results_mb": folder_bytes(os.path.join(execution, "results")) / 1e6,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stepfn", nargs="?", default=os.path.join(ROOT, "build", "stepfn"))
    ap.add_argument("--items", type=int, default=100000)
    ap.add_argument("--concurrency", default="10,1000",
                    help="comma-separated MaxConcurrency values (default 10,1000)")
    ap.add_argument("--payload", type=int, default=256, metavar="BYTES",
                    help="size of the string each item carries (default 256)")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temp dir)")
    args = ap.parse_args()
    stepfn = os.path.abspath(args.stepfn)
    if not os.access(stepfn, os.X_OK):
        sys.exit(f"run.py: no stepfn binary at {stepfn} (build first, or give its path)")
    work = args.keep or tempfile.mkdtemp(prefix="stepfn-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        write_items(os.path.join(work, "items"), args.items, args.payload)
        resources = os.path.join(work, "resources.json")
        with open(resources, "w", encoding="utf-8") as fh:
            json.dump({"s3://bench-items": {"folder": "items"}}, fh)
        print(f"Distributed Map over {args.items} items of {args.payload}+ bytes "
              f"(stepfn: {stepfn})")
        print(f"{'MaxConcurrency':>14} {'status':>10} {'wall s':>8} {'peak RSS MB':>12} "
              f"{'history MB':>11} {'results MB':>11}")
        for c in [int(x) for x in args.concurrency.split(",")]:
            r = run_once(stepfn, work, resources, c)
            print(f"{r['concurrency']:>14} {r['status']:>10} {r['wall_s']:>8.2f} "
                  f"{r['peak_rss_mb']:>12.1f} {r['history_mb']:>11.1f} {r['results_mb']:>11.1f}",
                  flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
