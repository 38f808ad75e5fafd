#!/usr/bin/env python3
"""bench/run.py — stepfn's benchmarks (issue 8), and the same definitions on
the peer engine (aws-local-stepfunctions 3.x on Node 22) when asked.

    python3 bench/run.py                 stepfn alone
    python3 bench/run.py --peer          stepfn and the peer, with ratios
    python3 bench/run.py --runs 5 --only loop,map --scale 0.5

Builds stepfn in Release into build-bench/ (plus the floors and the HTTP
server, with cc), runs every benchmark --runs times (default 3) and prints
one Markdown table of medians. Each run is a whole process, timed from
spawn to exit; its peak RSS comes from wait4(2). Transitions are counted,
never assumed: for stepfn, the *StateEntered events in every history.jsonl
the run wrote; for the peer, the StateEntered events of its event log
(bench/peer/adapter.mjs). A transition is one state entered.

Stores live under --store-root (default /dev/shm, a tmpfs, so the numbers
measure the engine rather than the disk; give a disk folder to include it).
Each run gets a fresh store, deleted afterwards. Network: the HTTP
benchmarks talk only to the bench server on 127.0.0.1; --peer installs
node@22 and aws-local-stepfunctions@3 with npm into a temporary folder.
See bench/README.md.
"""
import argparse
import datetime
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SHORT_RUN_SECONDS = 0.5
SHORT_RUN_REPEATS = 3
ROOT = os.path.dirname(HERE)
DEFS = os.path.join(HERE, "definitions")
BUILD = os.path.join(ROOT, "build-bench")
TOOLS = os.path.join(BUILD, "bench-tools")
STEPFN = os.path.join(BUILD, "stepfn")
ADAPTER = os.path.join(HERE, "peer", "adapter.mjs")
DISTRIBUTED = os.path.join(HERE, "map_distributed")

ENTERED = re.compile(rb'"type":"[A-Za-z]*StateEntered"')
PARK_SECONDS = 3.0  # how long the parked executions wait, from their launch


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- Building ----

def run_checked(argv, **kw):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        sys.stderr.write(r.stdout)
        sys.exit(f"bench: failed: {' '.join(argv)}")
    return r.stdout


def set_build_dir(path):
    """Where stepfn, the floors and the tools are built (default build-bench/);
    a second folder lets two people benchmark one tree at once."""
    global BUILD, TOOLS, STEPFN
    BUILD = os.path.abspath(path)
    TOOLS = os.path.join(BUILD, "bench-tools")
    STEPFN = os.path.join(BUILD, "stepfn")


def build():
    log(f"bench: building stepfn (Release) into {os.path.relpath(BUILD, ROOT)}/")
    # -g only adds symbols (for the profiles in bench/profile.sh), not code.
    run_checked(["cmake", "-S", ROOT, "-B", BUILD, "-DCMAKE_BUILD_TYPE=Release",
                 "-DSTEPFN_TESTS=OFF", "-DCMAKE_C_FLAGS=-g"])
    run_checked(["cmake", "--build", BUILD, "-j", str(os.cpu_count() or 2), "--target", "stepfn"])


def build_tools():
    """The floors and the HTTP server: small, built with cc every time."""
    os.makedirs(TOOLS, exist_ok=True)
    flags = ["-O2", "-std=c11", "-Wall", "-Wextra", "-Werror"]
    pc = lambda *libs: run_checked(["pkg-config", "--cflags", "--libs", *libs]).split()
    run_checked(["cc", *flags, "-o", os.path.join(TOOLS, "measure"),
                 os.path.join(HERE, "tools", "measure.c")])
    run_checked(["cc", *flags, "-o", os.path.join(TOOLS, "spawn_floor"),
                 os.path.join(HERE, "floors", "spawn_floor.c")])
    run_checked(["cc", *flags, "-pthread", "-o", os.path.join(TOOLS, "curl_floor"),
                 os.path.join(HERE, "floors", "curl_floor.c"), *pc("libcurl")])
    run_checked(["cc", *flags, "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE", "-o",
                 os.path.join(TOOLS, "http_server"),
                 os.path.join(ROOT, "tests", "support", "http_server.c"), *pc("libuv")])


# ---- The peer ----

def install_peer(folder):
    log(f"bench: installing node@22 and aws-local-stepfunctions@3 into {folder}")
    with open(os.path.join(folder, "package.json"), "w") as f:
        json.dump({"name": "stepfn-bench-peer", "private": True}, f)
    run_checked(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                 "node@22", "aws-local-stepfunctions@3"], cwd=folder)
    node = os.path.join(folder, "node_modules", ".bin", "node")
    version = run_checked([node, "--version"]).strip()
    with open(os.path.join(folder, "node_modules", "aws-local-stepfunctions", "package.json")) as f:
        lib = json.load(f)["version"]
    return node, f"aws-local-stepfunctions {lib} on Node {version}"


# ---- Measuring one process ----

def measure(argv, out_path, cwd=None):
    """Run argv to completion through bench/tools/measure.c (see there why
    not from here): (exit code, wall seconds, peak RSS in KiB)."""
    report = out_path + ".measure"
    with open(out_path, "wb") as out, open(out_path + ".err", "wb") as err:
        subprocess.run([os.path.join(TOOLS, "measure"), report, *argv], stdin=subprocess.DEVNULL,
                       stdout=out, stderr=err, cwd=cwd)
    with open(report) as f:
        wall, rss, code = f.read().split()
    return int(code), float(wall), int(rss)


def count_entered(store):
    """*StateEntered events in every history the run wrote (child executions
    of a Distributed Map included). The pattern cannot match inside a JSON
    string, where every quote is escaped."""
    n = 0
    for dirpath, _, files in os.walk(store):
        if "history.jsonl" in files:
            with open(os.path.join(dirpath, "history.jsonl"), "rb") as f:
                while chunk := f.read(1 << 24):
                    if not chunk.endswith(b"\n"):  # keep events whole across reads
                        chunk += f.readline()
                    n += len(ENTERED.findall(chunk))
    return n


def read_tail(path, limit=300):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return text[-limit:]


# ---- Benchmarks ----

class Bench:
    """One benchmark: a definition and how to make its input for N."""

    def __init__(self, name, n, what, make_input, definition=None, expected=None, peer=True,
                 floor=None, runs=None):
        self.name, self.n, self.what = name, n, what
        self.make_input = make_input
        self.definition = definition
        self.expected = expected  # transitions for N, a sanity check
        self.peer = peer          # False, or why the peer cannot run it
        self.floor = floor        # the floor row name to compare with
        self.runs = runs


def map_items(n):
    return [{"id": i, "price": i * 1.5, "name": "item"} for i in range(n)]


def benches(scale, url):
    s = lambda n: max(1, int(n * scale))
    return [
        Bench("start", 1, "whole-process start of a one-Pass machine", lambda n: {},
              "start.asl.json", lambda n: 1, runs=11),
        Bench("loop", s(200000), "counter loop: Pass + States.MathAdd, Choice loop-back",
              lambda n: {"n": n}, "loop.asl.json", lambda n: 2 * n + 2),
        Bench("map", s(2000), "inline Map of N small items, 3 Pass reshapes each, 10 rounds",
              lambda n: {"items": map_items(n), "rounds": 10}, "map.asl.json",
              lambda n: 10 * (3 * n + 3) + 2),
        Bench("parallel", s(500), "50-branch Parallel (a Pass each) run N times",
              lambda n: {"n": n}, "parallel.asl.json", lambda n: 53 * n + 2),
        Bench("choice", s(20000), "12-rule compound Choice in a loop, N times",
              lambda n: {"n": n}, "choice.asl.json", lambda n: 2 * n + 2),
        Bench("exec-c1", s(1000), "N exec tasks (/bin/true) through a Map, MaxConcurrency 1",
              lambda n: {"items": list(range(n)), "concurrency": 1}, "exec_map.asl.json",
              lambda n: n + 1, floor="spawn-c1"),
        Bench("exec-c16", s(1000), "the same at MaxConcurrency 16",
              lambda n: {"items": list(range(n)), "concurrency": 16}, "exec_map.asl.json",
              lambda n: n + 1, floor="spawn-c16"),
        Bench("http-c1", s(2000), "N HTTP tasks (GET, keep-alive) through a Map, MaxConcurrency 1",
              lambda n: {"items": list(range(n)), "url": url, "concurrency": 1},
              "http_map.asl.json", lambda n: n + 1, floor="curl-c1"),
        Bench("http-c16", s(2000), "the same at MaxConcurrency 16",
              lambda n: {"items": list(range(n)), "url": url, "concurrency": 16},
              "http_map.asl.json", lambda n: n + 1, floor="curl-c16"),
        Bench("map-distributed-c10", 100000, "Distributed Map over 100,000 JSONL items "
              "(bench/map_distributed/), MaxConcurrency 10", lambda n: {"concurrency": 10},
              peer="no Distributed Map (ItemReader) in the peer"),
        Bench("map-distributed-c1000", 100000, "the same at MaxConcurrency 1000",
              lambda n: {"concurrency": 1000},
              peer="no Distributed Map (ItemReader) in the peer"),
        Bench("parked", 10000, "10,000 executions parked in a Wait in one process "
              "(stepfn: `stepfn resume`)", None, "parked.asl.json", lambda n: 2 * n),
    ]


# ---- stepfn ----

def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f)


def distributed_setup(work, n):
    """The Distributed Map's data set and resource map. The definition is
    bench/map_distributed/map.asl.json when that exists (its own script,
    bench/map_distributed/run.py, runs it the same way: N JSONL items of
    about 290 bytes in the bucket bench-items, ResultWriter into the store),
    else the fallback bench/definitions/map_distributed.asl.json (smaller
    items, results dropped)."""
    definition = os.path.join(DISTRIBUTED, "map.asl.json")
    own = os.path.exists(definition)
    folder = os.path.join(work, "items")
    os.makedirs(folder, exist_ok=True)
    filler = "x" * 256
    with open(os.path.join(folder, "items.jsonl"), "w") as f:
        for i in range(n):
            if own:
                f.write('{"id": %d, "name": "item-%06d", "payload": "%s"}\n' % (i, i, filler))
            else:
                f.write('{"id":%d,"name":"item-%d"}\n' % (i, i))
    resources = os.path.join(work, "resources.json")
    write_json(resources, {"s3://bench-items": {"folder": "items"}})
    if own:
        return definition, resources, "bench/map_distributed/map.asl.json"
    return os.path.join(DEFS, "map_distributed.asl.json"), resources, "fallback definition"


def utc_iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def park_template(store):
    """One execution cut off while parked: run the parked machine with a far
    deadline and kill -9 it once its WaitStateEntered is in the history."""
    name = "template"
    far = utc_iso(time.time() + 3600)
    p = subprocess.Popen([STEPFN, "run", os.path.join(DEFS, "parked.asl.json"), "--store", store,
                          "--name", name, "--input", json.dumps({"until": far})],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    history = os.path.join(store, "executions", name, "history.jsonl")
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            with open(history, "rb") as f:
                if b"WaitStateEntered" in f.read():
                    break
        except OSError:
            pass
        time.sleep(0.005)
    p.kill()
    p.wait()
    return name, far


def make_parked(store, count, until):
    """count copies of the cut-off template, named parked-NNNNN, each waiting
    until `until`: the template's events with the name and the deadline
    replaced and their CRC-32 recomputed (history.c's line format)."""
    name, far = park_template(store)
    src = os.path.join(store, "executions", name)
    with open(os.path.join(src, "history.jsonl"), "rb") as f:
        lines = f.read().splitlines()
    files = {}
    for fn in ("definition.json", "run.json"):
        with open(os.path.join(src, fn), "rb") as f:
            files[fn] = f.read()
    shutil.rmtree(src)
    for i in range(count):
        new = b"parked-%05d" % i
        d = os.path.join(store, "executions", new.decode())
        os.mkdir(d)
        out = []
        for line in lines:
            body = line[: line.rindex(b',"crc":"')]
            body = (body.replace(far.encode(), until.encode())
                    .replace(b'"name":"template"', b'"name":"' + new + b'"')
                    .replace(b":template\"", b":" + new + b'"'))
            out.append(body + b',"crc":"%08x"}\n' % zlib.crc32(body))
        with open(os.path.join(d, "history.jsonl"), "wb") as f:
            f.writelines(out)
        for fn, data in files.items():
            with open(os.path.join(d, fn), "wb") as f:
                f.write(data)


def stepfn_once(b, work, store_root):
    store = tempfile.mkdtemp(prefix="store-", dir=store_root)
    out = os.path.join(work, f"{b.name}.stepfn.out")
    note = ""
    try:
        if b.name == "parked":
            # 2 s to write the executions, then launch PARK_SECONDS before
            # the deadline, as the peer's executions are.
            deadline = round(time.time() + 2.0 + PARK_SECONDS, 3)
            make_parked(store, b.n, utc_iso(deadline))
            time.sleep(max(0.0, deadline - PARK_SECONDS - time.time()))
            park_left = deadline - time.time()
            argv = [STEPFN, "resume", "--store", store, "--format", "json"]
            note = f"parked {park_left:.1f} s"
        else:
            resources = None
            definition = os.path.join(DEFS, b.definition) if b.definition else None
            if b.name.startswith("map-distributed"):
                definition, resources, note = distributed_setup(work, b.n)
            inp = b.make_input(b.n)
            input_path = os.path.join(work, f"{b.name}.input.json")
            write_json(input_path, inp)
            # The benchmarks run far past AWS's 25,000-event history quota
            # (the default limit): lift it.
            argv = [STEPFN, "run", definition, "--input-file", input_path, "--store", store,
                    "--name", "bench", "--format", "json",
                    "--max-history-events", "1000000000000"]
            if resources:
                argv += ["--resources", resources]
        rc, wall, rss = measure(argv, out)
        transitions = count_entered(store)
        ok = rc == 0
        if not ok:
            note = (note + "; " if note else "") + f"exit {rc}: " + (
                read_tail(out + ".err", 160) or read_tail(out, 160))
        return {"ok": ok, "wall": wall, "rss_kb": rss, "transitions": transitions, "note": note}
    finally:
        shutil.rmtree(store, ignore_errors=True)


def peer_once(b, work, node, peer_dir):
    out = os.path.join(work, f"{b.name}.peer.out")
    input_path = os.path.join(work, f"{b.name}.peer-input.json")
    argv = [node, ADAPTER, "--peer-dir", peer_dir, "--definition",
            os.path.join(DEFS, b.definition), "--input-file", input_path]
    if b.name == "parked":
        write_json(input_path, {"until": utc_iso(time.time() + PARK_SECONDS)})
        argv += ["--executions", str(b.n)]
    else:
        write_json(input_path, b.make_input(b.n))
    rc, wall, rss = measure(argv, out)
    try:
        with open(out) as f:
            result = json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        result = {"status": "NO OUTPUT", "transitions": 0}
    ok = rc == 0 and result.get("status") == "SUCCEEDED"
    note = "" if ok else f"exit {rc}: {result.get('error') or read_tail(out + '.err', 160)}"
    if b.name == "parked":
        note = (note + "; " if note else "") + f"parked {PARK_SECONDS:.1f} s"
    return {"ok": ok, "wall": wall, "rss_kb": rss, "transitions": result.get("transitions", 0),
            "note": note}


def median_of(results):
    """Median wall and median RSS over the runs; failed runs make the row
    failed (the first failure's note is kept)."""
    failed = [r for r in results if not r["ok"]]
    good = [r for r in results if r["ok"]] or results
    return {
        "ok": not failed,
        "runs": len(results),
        "wall": statistics.median(r["wall"] for r in good),
        "rss_kb": statistics.median(r["rss_kb"] for r in good),
        "transitions": max(r["transitions"] for r in results),
        "note": (failed[0]["note"] if failed else good[0]["note"]),
    }


# ---- Floors ----

def floor_once(argv, work):
    """One run of a floor program, timed like stepfn: the whole process,
    spawn to exit, through measure (so the floor pays for its own start and
    for loading libcurl, as stepfn does). The program's own figure for its
    loop alone is kept beside it."""
    out = os.path.join(work, "floor.out")
    rc, wall, _ = measure(argv, out)
    if rc != 0:
        return None
    with open(out) as f:
        got = json.loads(f.read())
    got["wall"] = wall
    return got


def floor_specs(url, n_spawn, n_curl):
    """The floors, by name: (argv, N, what). Each is measured right before
    each run of the benchmark that names it, so both see the same load."""
    return {
        "spawn-c1": ([os.path.join(TOOLS, "spawn_floor"), str(n_spawn), "1"], n_spawn,
                     "floor: posix_spawn + wait of /bin/true, one at a time (C)"),
        "spawn-c16": ([os.path.join(TOOLS, "spawn_floor"), str(n_spawn), "16"], n_spawn,
                      "floor: the same, 16 children at once"),
        "curl-c1": ([os.path.join(TOOLS, "curl_floor"), url, str(n_curl), "1"], n_curl,
                    "floor: libcurl easy, keep-alive GET loop (C)"),
        "curl-c16": ([os.path.join(TOOLS, "curl_floor"), url, str(n_curl), "16"], n_curl,
                     "floor: the same, 16 threads, a connection each"),
    }


def floor_row(spec, samples):
    argv, n, what = spec
    got = [g for g in samples if g]
    if not got:
        return {"n": n, "what": what, "ok": False}
    wall = statistics.median(g["wall"] for g in got)
    loop = statistics.median(g["seconds"] for g in got)
    return {"n": n, "what": what, "ok": True, "seconds": wall, "us_per_op": wall * 1e6 / n,
            "loop_seconds": loop, "loop_us_per_op": loop * 1e6 / n}


# ---- The HTTP server ----

def start_server():
    p = subprocess.Popen([os.path.join(TOOLS, "http_server"), "--max-seconds", "1800"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    port = int(p.stdout.readline())
    return p, f"http://127.0.0.1:{port}/status/200"


# ---- The table ----

def fmt_num(x, digits=0):
    if x is None:
        return "-"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def fmt_ratio(r):
    if r is None:
        return "-"
    if r >= 1:
        return f"{r:,.1f}×" if r < 100 else f"{r:,.0f}×"
    return f"1/{1 / r:,.1f}" if 1 / r < 100 else f"1/{1 / r:,.0f}"


def cell(text):
    """Table-safe: one line, no column breaks."""
    return " ".join(str(text).split()).replace("|", "\\|")


def row_cells(bench_row, engine, r):
    wall = r["wall"]
    t = r["transitions"]
    tps = t / wall if wall > 0 and t else None
    us = wall * 1e6 / t if t else None
    status = "" if r["ok"] else "FAILED: "
    return [bench_row, engine, fmt_num(t), f"{wall:.3f}", fmt_num(tps), fmt_num(us, 2),
            f"{r['rss_kb'] / 1024:.1f}", cell(status + r.get("note", ""))]


def print_table(results, floor_rows, with_peer, peer_label, scale_note):
    head = ["benchmark (N)", "engine", "transitions", "wall s", "transitions/s", "µs/transition",
            "peak RSS MB", "stepfn/peer (transitions/s; RSS)", "notes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for b, sf, peer in results:
        label = f"{b.name} ({b.n:,})"
        cells = row_cells(label, "stepfn", sf)
        ratio = "-"
        if peer and peer["ok"] and sf["ok"] and peer["transitions"] and sf["transitions"]:
            speed = (sf["transitions"] / sf["wall"]) / (peer["transitions"] / peer["wall"])
            if b.name == "start":
                speed = peer["wall"] / sf["wall"]
            ratio = f"{fmt_ratio(speed)}; RSS {fmt_ratio(sf['rss_kb'] / peer['rss_kb'])}"
            if peer["transitions"] != sf["transitions"]:
                ratio += f" (peer counted {peer['transitions']:,})"
        elif with_peer and b.peer is not True:
            ratio = f"n/a: {b.peer}"
        notes = cells.pop()
        if b.expected and sf["transitions"] != b.expected(b.n) and sf["ok"]:
            notes += f" expected {b.expected(b.n):,} transitions"
        fl = floor_rows.get(b.floor) if b.floor else None
        if fl and fl["ok"] and sf["ok"]:
            per_task = sf["wall"] * 1e6 / b.n
            notes = (notes + "; " if notes else "") + (
                f"{per_task:,.0f} µs/task = {per_task / fl['us_per_op']:.2f}× floor")
        lines.append("| " + " | ".join(cells + [ratio, notes]) + " |")
        if peer:
            pc = row_cells("", "peer", peer)
            pnotes = pc.pop()
            if fl and fl["ok"] and peer["ok"]:
                per_task = peer["wall"] * 1e6 / b.n
                pnotes = (pnotes + "; " if pnotes else "") + (
                    f"{per_task:,.0f} µs/task = {per_task / fl['us_per_op']:.2f}× floor")
            lines.append("| " + " | ".join(pc + ["", pnotes]) + " |")
    for name, fl in floor_rows.items():
        if not fl["ok"]:
            lines.append(f"| {name} ({fl['n']:,}) | C floor | - | FAILED | | | | | |")
            continue
        lines.append(f"| {name} ({fl['n']:,}) | C floor | - | {fl['seconds']:.3f} | "
                     f"{fmt_num(fl['n'] / fl['seconds'])} ops/s | {fl['us_per_op']:.2f} µs/op | - | - | "
                     f"{fl['what']}; its loop alone {fl['loop_us_per_op']:.2f} µs/op |")
    print("\n".join(lines))
    print()
    print(f"Medians of the runs; wall = whole process, spawn to exit; RSS = peak of the "
          f"process (wait4).{scale_note}")
    load = os.getloadavg()
    print(f"Machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"at the end of the run.")
    if with_peer:
        print(f"Peer: {peer_label}.")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peer", action="store_true", help="also run the peer (npm install into a temp folder)")
    ap.add_argument("--runs", type=int, default=3, help="runs per benchmark (median; default 3)")
    ap.add_argument("--only", help="comma-separated benchmark names (floors always run)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the default N (not start, "
                    "map-distributed, parked)")
    ap.add_argument("--store-root", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                    help="where the per-run stores go (default /dev/shm)")
    ap.add_argument("--no-build", action="store_true", help="use build-bench/stepfn as it is")
    ap.add_argument("--build-dir", default=BUILD, help="build folder (default build-bench/)")
    ap.add_argument("--json", help="also write the results to this file")
    opts = ap.parse_args()
    set_build_dir(opts.build_dir)

    # 10,000 parked executions need file descriptors: take the hard limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if not opts.no_build:
        build()
    build_tools()
    server, url = start_server()
    peer_tmp = tempfile.mkdtemp(prefix="stepfn-bench-peer-") if opts.peer else None
    work = tempfile.mkdtemp(prefix="stepfn-bench-")
    try:
        node, peer_label = install_peer(peer_tmp) if opts.peer else (None, None)
        selected = benches(opts.scale, url)
        by_name = {b.name: b for b in selected}
        specs = floor_specs(url, by_name["exec-c1"].n, by_name["http-c1"].n)
        floor_rows = {}
        if opts.only:
            names = set(opts.only.split(","))
            selected = [b for b in selected if b.name in names]
        results = []
        for b in selected:
            k = max(opts.runs, b.runs or 0) if b.name == "start" else opts.runs
            log(f"bench: {b.name} (N={b.n:,}) x{k}")
            # Interleaved, run by run, so a change of load hits all alike. A
            # stepfn (or floor) run under SHORT_RUN_SECONDS is repeated
            # SHORT_RUN_REPEATS times per round: a blip of load on a shared
            # machine can double a 0.1 s run, while the peer's take seconds.
            sf_runs, peer_runs, floor_runs = [], [], []
            for _ in range(k):
                if b.floor:
                    floor_runs.append(floor_once(specs[b.floor][0], work))
                    if floor_runs[-1] and floor_runs[-1]["wall"] < SHORT_RUN_SECONDS:
                        for _ in range(SHORT_RUN_REPEATS - 1):
                            floor_runs.append(floor_once(specs[b.floor][0], work))
                sf_runs.append(stepfn_once(b, work, opts.store_root))
                if sf_runs[-1]["ok"] and sf_runs[-1]["wall"] < SHORT_RUN_SECONDS and b.name != "parked":
                    for _ in range(SHORT_RUN_REPEATS - 1):
                        sf_runs.append(stepfn_once(b, work, opts.store_root))
                if opts.peer and b.peer is True:
                    peer_runs.append(peer_once(b, work, node, peer_tmp))
            if b.floor:
                floor_rows[b.floor] = floor_row(specs[b.floor], floor_runs)
            results.append((b, median_of(sf_runs), median_of(peer_runs) if peer_runs else None))
        scale_note = f" N scaled by {opts.scale}." if opts.scale != 1.0 else ""
        print_table(results, floor_rows, opts.peer, peer_label, scale_note)
        if opts.json:
            write_json(opts.json, {
                "peer": peer_label, "floors": floor_rows,
                "benchmarks": [{"name": b.name, "n": b.n, "stepfn": sf, "peer": p}
                               for b, sf, p in results]})
    finally:
        server.stdin.close()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
        if peer_tmp:
            shutil.rmtree(peer_tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
