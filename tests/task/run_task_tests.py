#!/usr/bin/env python3
"""End-to-end tests of the Task state: real step programs, a real HTTP server.

Usage:
    run_task_tests.py STEPFN --steps DIR --server HTTP_SERVER [-j N] [--filter TEXT]

Starts tests/support/http_server on a free 127.0.0.1 port (it stops by itself
when this script's pipe to it closes), then runs every cases/*.json beside
this script through `stepfn run`, as tests/run_cases.py does, with these
additions to the case format:

    "resources": {...}        a resource map, passed with --resources
    "env": {"NAME": "value"}  added to stepfn's environment
    "expected": {..., "cause_pattern": "regex"}   the cause must match it
    "history": {
      "types": [...],         the exact list of event types
      "contains": [{"type": T, "details": {...}}],  some event of type T whose
                              details include these fields (null: absent)
      "absent": [{"type": T, "details": {...}}],    no such event
      "count": {"TaskScheduled": 3},               how many events of a type
      "delays": [{"from": [T, n], "to": [T, n], "min": s, "max": s}]
                              seconds between the n-th (1-based) events
    },
    "expected": {"status": "SUCCEEDED"}   without "output": only the checks below
    "output_paths": {"a.b": value}   output values at dotted paths
    "equal_paths": [["a.b", "c.d"]]  output values that must be equal
    "output_keys": {"path": [...]}   the exact keys of an output object
    "pids_dead": "pids.txt"      every pid listed in @TMP@/pids.txt is gone
    "max_seconds": 5             the run must take less (wall clock)

Placeholders, replaced in the whole case text before it is read:
    @STEPS@   the folder of the built step programs
    @HTTP@    http://127.0.0.1:PORT of the test server
    @REFUSED@ http://127.0.0.1:PORT of a port nothing listens on
    @TMP@     the case's temporary folder (also the definition's folder;
              @TMP@/steps links to the step programs)
    @UNIQUE@  a string unique to this run of the case

stepfn runs with a small fixed environment (PATH, HOME=@TMP@, and the
sanitizer options), so what step programs see is predictable. Prints one line
per failing case and "N passed, M failed"; exits 1 if any case failed.
"""

import argparse
import concurrent.futures
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import run_cases  # noqa: E402  (tests/run_cases.py: describe checks, json_equal)

CaseFailure = run_cases.CaseFailure
PASSED_ENV = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")


def start_server(path):
    proc = subprocess.Popen([path, "--max-seconds", "900"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=sys.stderr)
    line = proc.stdout.readline().decode().strip()
    if not line.isdigit():
        proc.kill()
        raise SystemExit(f"run_task_tests: the HTTP server did not start (said {line!r})")
    return proc, int(line)


def refused_port():
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def substitute(text, values):
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def parse_time(ts):
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def nth_event(events, spec):
    kind, n = spec
    found = [e for e in events if e["type"] == kind]
    if len(found) < n:
        raise CaseFailure(f"history has {len(found)} {kind} event(s), the check needs #{n}")
    return found[n - 1]


def details_of(event):
    return next((v for k, v in event.items() if k.endswith("EventDetails")), {})


def details_match(details, wanted):
    for key, value in wanted.items():
        if value is None:
            if key in details:
                return False
        elif key not in details or not run_cases.json_equal(details[key], value):
            return False
    return True


def check_history(events, spec):
    types = [e["type"] for e in events]
    if "types" in spec and types != spec["types"]:
        raise CaseFailure(f"history types {types} != expected {spec['types']}")
    for kind, count in spec.get("count", {}).items():
        if types.count(kind) != count:
            raise CaseFailure(f"{types.count(kind)} {kind} events, expected {count}")
    for want in spec.get("contains", []):
        if not any(e["type"] == want["type"] and details_match(details_of(e), want.get("details", {}))
                   for e in events):
            got = [details_of(e) for e in events if e["type"] == want["type"]]
            raise CaseFailure(f"no {want['type']} event with {want.get('details')}; got {run_cases.short(got, 400)}")
    for want in spec.get("absent", []):
        if any(e["type"] == want["type"] and details_match(details_of(e), want.get("details", {}))
               for e in events):
            raise CaseFailure(f"unexpected {want['type']} event with {want.get('details')}")
    for d in spec.get("delays", []):
        gap = parse_time(nth_event(events, d["to"])["timestamp"]) - parse_time(nth_event(events, d["from"])["timestamp"])
        if not d.get("min", 0) <= gap <= d.get("max", 1e9):
            raise CaseFailure(f"{d['from']} -> {d['to']}: {gap:.3f}s, expected {d.get('min', 0)}..{d.get('max')}")


def value_at(doc, path):
    for part in path.split(".") if path else []:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def check_output(case, got):
    if not (case.get("equal_paths") or case.get("output_keys") or case.get("output_paths")):
        return
    output = json.loads(got["output"])
    for path, value in case.get("output_paths", {}).items():
        if not run_cases.json_equal(value_at(output, path), value):
            raise CaseFailure(f"output {path} = {run_cases.short(value_at(output, path))}, expected {run_cases.short(value)}")
    for a, b in case.get("equal_paths", []):
        if not run_cases.json_equal(value_at(output, a), value_at(output, b)):
            raise CaseFailure(f"output {a} = {value_at(output, a)} but {b} = {value_at(output, b)}")
    for path, keys in case.get("output_keys", {}).items():
        if sorted(value_at(output, path).keys()) != sorted(keys):
            raise CaseFailure(f"output {path} has keys {sorted(value_at(output, path))}, expected {sorted(keys)}")


def living(pids):
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
            if state != "Z":  # a zombie of init is dead; its parent reaps it
                alive.append(pid)
        except FileNotFoundError:
            pass
    return alive


def check_pids_dead(tmp, name):
    with open(os.path.join(tmp, name)) as fh:
        pids = [int(line) for line in fh if line.strip()]
    # SIGKILL is delivered asynchronously: on a loaded machine a killed
    # process can still be on its way out for a moment after stepfn exits.
    # Wait for that (bounded), but a process that survives is a failure.
    deadline = time.monotonic() + 5
    alive = living(pids)
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = living(pids)
    if alive:
        raise CaseFailure(f"processes still alive after the run: {alive}")


def check_describe(case, got):
    expected = dict(case["expected"])
    pattern = expected.pop("cause_pattern", None)
    if pattern is not None:
        cause = got.get("cause") or ""
        if not re.fullmatch(pattern, cause, re.S):
            raise CaseFailure(f"cause {cause!r} does not match {pattern!r}")
        got = dict(got, cause=None)
        expected.pop("cause", None)
    if got.get("status") == "SUCCEEDED" and "output" not in expected and "output" in got:
        expected["output"] = json.loads(got["output"])  # checked by output_paths instead
    run_cases.check_describe(got, dict(case, expected=expected))


def read_history(store):
    execs = os.listdir(os.path.join(store, "executions"))
    with open(os.path.join(store, "executions", execs[0], "history.jsonl")) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def prepare(tmp, case):
    definition = os.path.join(tmp, "definition.asl.json")
    with open(definition, "w") as fh:
        json.dump(case["definition"], fh)
    with open(os.path.join(tmp, "input.json"), "w") as fh:
        json.dump(case.get("input", {}), fh)
    args = [str(a) for a in case.get("args", [])]
    if "resources" in case:
        with open(os.path.join(tmp, "resources.json"), "w") as fh:
            json.dump(case["resources"], fh)
        args += ["--resources", os.path.join(tmp, "resources.json")]
    return definition, args


def run_case(opts, path):
    try:
        with tempfile.TemporaryDirectory(prefix="stepfn-task-") as tmp:
            tmp = os.path.realpath(tmp)
            os.symlink(opts.steps, os.path.join(tmp, "steps"))
            with open(path) as fh:
                text = substitute(fh.read(), {**opts.values, "@TMP@": tmp,
                                              "@UNIQUE@": uuid.uuid4().hex[:12]})
            case = json.loads(text)
            definition, args = prepare(tmp, case)
            store = os.path.join(tmp, "store")
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp}
            env.update({k: os.environ[k] for k in PASSED_ENV if k in os.environ})
            env.update(case.get("env", {}))
            cmd = [opts.stepfn, "run", definition, "--input-file", os.path.join(tmp, "input.json"),
                   "--format", "json", "--store", store] + args
            start = time.monotonic()
            proc = subprocess.run(cmd, capture_output=True, timeout=120, cwd=HERE,
                                  stdin=subprocess.DEVNULL, env=env)
            elapsed = time.monotonic() - start
            check_run(case, proc, elapsed, store, tmp)
    except CaseFailure as e:
        return str(e)
    except subprocess.TimeoutExpired:
        return "timed out after 120s"
    except (OSError, ValueError, KeyError, IndexError) as e:
        return f"{type(e).__name__}: {e}"
    return None


def check_run(case, proc, elapsed, store, tmp):
    stdout = proc.stdout.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace")
    want_exit = run_cases.expected_exit_code(case)
    if proc.returncode != want_exit:
        raise CaseFailure(f"exit code {proc.returncode}, expected {want_exit}: {run_cases.short(stderr.strip(), 400)}")
    if "expected_stderr_contains" in case and case["expected_stderr_contains"] not in stderr:
        raise CaseFailure(f"stderr lacks {case['expected_stderr_contains']!r}: {run_cases.short(stderr, 400)}")
    for text, count in case.get("expected_stderr_count", {}).items():
        if stderr.count(text) != count:
            raise CaseFailure(f"stderr has {text!r} {stderr.count(text)} time(s), expected {count}: {run_cases.short(stderr, 400)}")
    if "sanitizer" in stderr.lower():
        raise CaseFailure(f"sanitizer report: {run_cases.short(stderr, 600)}")
    if "max_seconds" in case and elapsed > case["max_seconds"]:
        raise CaseFailure(f"took {elapsed:.2f}s, expected under {case['max_seconds']}s")
    if "expected" in case:
        got = run_cases.parse_describe(stdout)
        check_describe(case, got)
        check_output(case, got)
    if "history" in case:
        check_history(read_history(store), case["history"])
    if "pids_dead" in case:
        check_pids_dead(tmp, case["pids_dead"])
    if "map_concurrency" in case:
        check_map_concurrency(read_history(store), case["map_concurrency"])


def check_map_concurrency(events, want):
    """How many iterations of the Map were in flight at once, read from the
    order of its MapIterationStarted / ...Succeeded|Failed events: the most
    open at any point must equal want (not merely stay below it, so the test
    also shows the iterations really overlap)."""
    open_now = most = 0
    for e in sorted(events, key=lambda e: e["id"]):
        if e["type"] == "MapIterationStarted":
            open_now += 1
            most = max(most, open_now)
        elif e["type"] in ("MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted"):
            open_now -= 1
    if most != want:
        raise CaseFailure(f"at most {most} iterations ran at once, expected {want}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stepfn")
    ap.add_argument("--steps", required=True, help="folder of the built step programs")
    ap.add_argument("--server", required=True, help="the built tests/support/http_server")
    ap.add_argument("--cases", default=os.path.join(HERE, "cases"))
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--filter")
    opts = ap.parse_args()
    opts.stepfn = os.path.abspath(opts.stepfn)
    opts.steps = os.path.abspath(opts.steps)
    paths = sorted(os.path.join(opts.cases, n) for n in os.listdir(opts.cases) if n.endswith(".json"))
    if opts.filter:
        paths = [p for p in paths if opts.filter in os.path.basename(p)]
    if not paths:
        print("run_task_tests: no cases", file=sys.stderr)
        return 2
    server, port = start_server(opts.server)
    opts.values = {"@STEPS@": opts.steps, "@HTTP@": f"http://127.0.0.1:{port}",
                   "@REFUSED@": f"http://127.0.0.1:{refused_port()}"}
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
            reasons = list(pool.map(lambda p: run_case(opts, p), paths))
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    failed = 0
    for path, reason in zip(paths, reasons):
        if reason is not None:
            failed += 1
            print(f"FAIL {os.path.basename(path)}: {reason}")
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
