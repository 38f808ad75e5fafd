#!/usr/bin/env python3
"""Run stepfn's data-driven end-to-end cases.

Usage:
    run_cases.py STEPFN_BINARY [CASES_DIR] [-j N] [--timeout SECONDS] [--filter TEXT]

Every *.json file under CASES_DIR (default: the cases/ folder beside this
script), searched recursively, is one case. Files named *.asl.json and files
under a folder called fixtures/ are data that cases refer to, not cases.

A case file:

    {
      "description": "Pass with Result replaces the input",
      "definition": { "StartAt": ..., "States": { ... } },
      "definition_file": "fixtures/some.asl.json",     (instead of "definition")
      "input": {"any": "json"},                        (default {})
      "args": ["--resources", "fixtures/map.json"],    (optional, extra CLI args)
      "expected": {"status": "SUCCEEDED", "output": <json>}
               or {"status": "FAILED", "error": "...", "cause": "..."},
      "expected_exit": 3,                              (optional)
      "expected_stderr_contains": "...",               (optional)
      "history": {                                     (optional)
        "types": ["ExecutionStarted", ...],  the exact top-level event types
                                             (events without a "scope")
        "count": {"MapIterationStarted": 3}  events of a type, at any level
        "exited_output_text": {"S": "{...}"} the exact output text of the
                                             top-level state S's exit event
      }
    }

Relative paths (definition_file, paths in args) are relative to the case
file's folder, which is also the engine's working directory. For each case the
runner writes the input (and an inline definition) to a temporary folder and
runs

    STEPFN run DEF --input-file INPUT --format json --store TMP/store [ARGS...]

The exit code must be expected_exit, or else 0 for SUCCEEDED and 1 for FAILED,
TIMED_OUT or ABORTED. When "expected" is given, stdout must be exactly one
JSON object shaped like the AWS DescribeExecution response (see DESIGN.md):
status as expected; input and output as JSON text; the input deep-equal to the
case's input; for SUCCEEDED the output deep-equal to expected.output (numbers
by value, 1 == 1.0, true is not 1); for FAILED/TIMED_OUT/ABORTED error and
cause equal strings (absent == null). A case with expected_exit 2 or 3 may omit
"expected": such a run has no execution to describe.

Prints one line per failing case and finally "N passed, M failed"; exits 1 if
any case failed, 2 on bad arguments or when there is no case at all.
Stdlib only.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXIT_FOR_STATUS = {"SUCCEEDED": 0, "FAILED": 1, "TIMED_OUT": 1, "ABORTED": 1}
# DescribeExecution fields every finished execution must report.
DESCRIBE_FIELDS = ("executionArn", "stateMachineArn", "name", "status",
                   "startDate", "stopDate", "input", "redriveCount")


class CaseFailure(Exception):
    """A case did not behave as expected; the message says how."""


def json_equal(a, b):
    """Deep equality of JSON values; numbers by value, bool distinct from number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if a is None or b is None:
        return a is None and b is None
    return type(a) is type(b) and a == b


def short(value, limit=160):
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def find_cases(cases_dir):
    found = []
    for root, dirs, files in os.walk(cases_dir):
        dirs[:] = sorted(d for d in dirs if d != "fixtures")
        for name in sorted(files):
            if name.endswith(".json") and not name.endswith(".asl.json"):
                found.append(os.path.join(root, name))
    return found


def load_case(path):
    with open(path, encoding="utf-8") as fh:
        case = json.load(fh)
    if not isinstance(case, dict):
        raise CaseFailure("case file is not a JSON object")
    if ("definition" in case) == ("definition_file" in case):
        raise CaseFailure('case needs exactly one of "definition" and "definition_file"')
    if "expected" not in case and "expected_exit" not in case:
        raise CaseFailure('case needs "expected", "expected_exit" or both')
    expected = case.get("expected")
    if expected is not None and expected.get("status") not in EXIT_FOR_STATUS:
        raise CaseFailure(f"expected.status must be one of {sorted(EXIT_FOR_STATUS)}")
    if not isinstance(case.get("args", []), list):
        raise CaseFailure('"args" must be a list of strings')
    return case


def expected_exit_code(case):
    if "expected_exit" in case:
        return case["expected_exit"]
    return EXIT_FOR_STATUS[case["expected"]["status"]]


def parse_describe(stdout):
    """stdout must be exactly one JSON object (DESIGN.md: --format json)."""
    text = stdout.strip()
    if not text:
        raise CaseFailure("stdout is empty, expected one DescribeExecution object")
    try:
        got = json.loads(text)
    except ValueError:
        raise CaseFailure(f"stdout is not exactly one JSON object: {short(text)}")
    if not isinstance(got, dict):
        raise CaseFailure(f"stdout is not a JSON object: {short(text)}")
    return got


def parse_json_text(got, field):
    value = got.get(field)
    if not isinstance(value, str):
        raise CaseFailure(f"{field} is {short(value)}, expected JSON text (a string)")
    try:
        return json.loads(value)
    except ValueError:
        raise CaseFailure(f"{field} is not valid JSON text: {short(value)}")


def check_describe(got, case):
    expected = case["expected"]
    status = got.get("status")
    if status != expected["status"]:
        detail = ""
        if "error" in got or "cause" in got:
            detail = f" ({got.get('error')}: {short(got.get('cause') or '', 100)})"
        elif "output" in got:
            detail = f" (output {short(got.get('output'), 100)})"
        raise CaseFailure(f"status {status}, expected {expected['status']}{detail}")
    missing = [f for f in DESCRIBE_FIELDS if f not in got]
    if missing:
        raise CaseFailure(f"DescribeExecution fields missing: {', '.join(missing)}")
    echoed = parse_json_text(got, "input")
    if not json_equal(echoed, case.get("input", {})):
        raise CaseFailure(f"input echoed as {short(echoed)}, expected {short(case.get('input', {}))}")
    if status == "SUCCEEDED":
        output = parse_json_text(got, "output")
        if not json_equal(output, expected.get("output")):
            raise CaseFailure(f"output {short(output)} != expected {short(expected.get('output'))}")
        return
    for field in ("error", "cause"):
        if got.get(field) != expected.get(field):
            raise CaseFailure(f"{field} {json.dumps(got.get(field))} != expected {json.dumps(expected.get(field))}")


def read_history(store):
    """The events of the one execution in the store (torn lines skipped)."""
    root = os.path.join(store, "executions")
    names = sorted(os.listdir(root)) if os.path.isdir(root) else []
    if len(names) != 1:
        raise CaseFailure(f"expected one execution in the store, found {len(names)}")
    events = []
    with open(os.path.join(root, names[0], "history.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
    return events


def check_history(events, expected):
    types = [e.get("type") for e in events if "scope" not in e]
    if "types" in expected and types != expected["types"]:
        raise CaseFailure(f"top-level history {types} != expected {expected['types']}")
    for kind, n in expected.get("count", {}).items():
        got = sum(1 for e in events if e.get("type") == kind)
        if got != n:
            raise CaseFailure(f"{got} {kind} events, expected {n}")
    # The exact text of a top-level state's output in its exit event: key
    # order and number format included, which a parsed comparison hides.
    for state, text in expected.get("exited_output_text", {}).items():
        got = [e["stateExitedEventDetails"].get("output") for e in events
               if "scope" not in e and e.get("type", "").endswith("StateExited")
               and e["stateExitedEventDetails"].get("name") == state]
        if got != [text]:
            raise CaseFailure(f"{state} exited with output text {got}, expected [{text!r}]")


def run_case(binary, path, timeout):
    """Returns None when the case passes, else the reason it failed."""
    try:
        case = load_case(path)
    except (OSError, ValueError) as e:
        return f"cannot read case file: {e}"
    except CaseFailure as e:
        return f"bad case file: {e}"
    case_dir = os.path.dirname(os.path.abspath(path))
    with tempfile.TemporaryDirectory(prefix="stepfn-case-") as tmp:
        if "definition" in case:
            definition = os.path.join(tmp, "definition.asl.json")
            with open(definition, "w", encoding="utf-8") as fh:
                json.dump(case["definition"], fh)
        else:
            definition = os.path.join(case_dir, case["definition_file"])
        input_file = os.path.join(tmp, "input.json")
        with open(input_file, "w", encoding="utf-8") as fh:
            json.dump(case.get("input", {}), fh)
        store = os.path.join(tmp, "store")
        cmd = [binary, "run", definition, "--input-file", input_file,
               "--format", "json", "--store", store] + [str(a) for a in case.get("args", [])]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=case_dir,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return f"timed out after {timeout:g}s"
        except OSError as e:
            return f"cannot run {binary}: {e}"
        history_error = None
        if "history" in case:
            try:
                check_history(read_history(store), case["history"])
            except (CaseFailure, OSError) as e:
                history_error = str(e)
    stdout = proc.stdout.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace")
    try:
        want_exit = expected_exit_code(case)
        if proc.returncode != want_exit:
            note = f": {short(stderr.strip())}" if stderr.strip() else ""
            raise CaseFailure(f"exit code {proc.returncode}, expected {want_exit}{note}")
        needle = case.get("expected_stderr_contains")
        if needle is not None and needle not in stderr:
            raise CaseFailure(f"stderr does not contain {needle!r}: {short(stderr.strip())}")
        if "expected" in case:
            check_describe(parse_describe(stdout), case)
        if history_error:
            raise CaseFailure(history_error)
    except CaseFailure as e:
        return str(e)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary", help="the stepfn executable")
    ap.add_argument("cases_dir", nargs="?", default=os.path.join(HERE, "cases"))
    ap.add_argument("-j", "--jobs", type=int, default=min(4, os.cpu_count() or 1),
                    help="cases run in parallel (default: min(4, CPUs))")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per case (default 30)")
    ap.add_argument("--filter", help="only cases whose path contains this text")
    args = ap.parse_args()

    if not os.path.isdir(args.cases_dir):
        print(f"run_cases: no such cases folder: {args.cases_dir}", file=sys.stderr)
        return 2
    binary = os.path.abspath(args.binary) if os.path.exists(args.binary) else args.binary
    paths = find_cases(args.cases_dir)
    if args.filter:
        paths = [p for p in paths if args.filter in os.path.relpath(p, args.cases_dir)]
    if not paths:
        print(f"run_cases: no case files under {args.cases_dir}", file=sys.stderr)
        return 2

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        reasons = list(pool.map(lambda p: run_case(binary, p, args.timeout), paths))

    failed = 0
    for path, reason in zip(paths, reasons):
        if reason is not None:
            failed += 1
            print(f"FAIL {os.path.relpath(path, args.cases_dir)}: {reason}")
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
