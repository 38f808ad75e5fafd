#!/usr/bin/env python3
"""make_corpus.py — refresh the fuzz targets' seed corpora and fixed
definitions from the test cases.

    python3 tests/fuzz/make_corpus.py [--conformance DIR] [--stepfn BUILD/stepfn]

Reads the data-driven cases (tests/cases, tests/task/cases, and the shared
conformance cases when --conformance names their folder) and the example
definitions and resource maps (definitions/), and writes:

  tests/fuzz/definitions/NN-name.json   the fixed definitions the execution
                                        targets run (at most 32: the history
                                        target picks one with five bits)
  tests/fuzz/corpus/TARGET/...          seeds, in each target's input format
                                        (see the fuzz_TARGET.c files)

Everything under corpus/ and definitions/ is replaced. With --stepfn, the
history target's seeds are real histories: each fixed definition that has
no Task is run, and its history is written whole, cut short (a RUNNING
execution to resume) and, for a failed run, flagged for replay. Without it
the history corpus is left as it is.

The selection is deterministic (sorted, capped), so refreshing without a
change in the cases changes nothing.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MAX_DEFINITIONS = 32
MAX_PER_TARGET = 80
# Cases too slow to run thousands of times a second.
HEAVY = {"hundred_thousand_items"}
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]")


def load_cases(conformance):
    """Every case (definition, input, name), tests/cases first."""
    cases = []
    patterns = [os.path.join(ROOT, "tests", "cases", "**", "*.json")]
    if conformance:
        patterns.append(os.path.join(conformance, "*.json"))
    patterns.append(os.path.join(ROOT, "tests", "task", "cases", "*.json"))
    for pattern in patterns:
        for path in sorted(glob.glob(pattern, recursive=True)):
            if os.sep + "fixtures" + os.sep in path:
                continue
            try:
                with open(path, encoding="utf-8") as f:
                    case = json.load(f)
            except (OSError, ValueError):
                continue
            if not isinstance(case, dict) or not isinstance(case.get("definition"), dict):
                continue
            name = os.path.splitext(os.path.basename(path))[0]
            cases.append({"name": name, "source": pattern,
                          "group": os.path.basename(os.path.dirname(path)), "definition": case["definition"],
                          "input": case.get("input", {}), "resources": case.get("resources"),
                          "expected": case.get("expected") or {}})
    return cases


def walk(value):
    """Every (key, value) pair of a JSON document, depth first."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield None, v
            yield from walk(v)


def state_types(definition):
    return {v.get("Type") for _, v in walk(definition) if isinstance(v, dict) and "Type" in v}


def runs_in_process(case):
    """Fit for the execution targets: runs to its end without waiting on a
    timer, a file or a program, and compiles (a validation case does not)."""
    text = json.dumps(case["definition"])
    if case["expected"].get("status") not in ("SUCCEEDED", "FAILED"):
        return False
    if "Wait" in state_types(case["definition"]):
        return False
    if len(compact(case["input"])) > 4096 or len(text) > 16384:
        return False
    if case["name"] in HEAVY:
        return False
    for word in ("ItemReader", "ResultWriter", "DISTRIBUTED", "@STEPS@", "@TMP@", "Retry"):
        if word in text:
            return False
    return True


def pick_definitions(cases, valid):
    """A varied set: the first case of each new combination of state types,
    data-flow fields and intrinsics, up to MAX_DEFINITIONS, with room kept
    for each source (Task cases run with the echo Task)."""
    fields = ("Parameters", "ResultSelector", "ResultPath", "InputPath", "OutputPath",
              "ItemSelector", "Assign", "Catch", "States.", "Variable", "Items")
    seen, chosen, per_source, per_group = set(), [], {}, {}
    quota = {0: 14, 1: 12}  # tests/cases, conformance; Task cases take the rest
    sources = sorted({c["source"] for c in cases}, key=[c["source"] for c in cases].index)
    for case in cases:
        rank = sources.index(case["source"])
        if not runs_in_process(case) or per_source.get(rank, 0) >= quota.get(rank, 99):
            continue
        group = case["group"] if rank == 0 else re.split(r"[_-]", case["name"])[0]
        if per_group.get(group, 0) >= (3 if rank == 0 else 1):
            continue
        text = json.dumps(case["definition"])
        key = (frozenset(state_types(case["definition"])),
               frozenset(f for f in fields if f in text),
               frozenset(re.findall(r"States\.[A-Za-z0-9]+\(", text)))
        if key in seen or not valid(case):
            continue
        seen.add(key)
        per_source[rank] = per_source.get(rank, 0) + 1
        per_group[group] = per_group.get(group, 0) + 1
        chosen.append(case)
        if len(chosen) == MAX_DEFINITIONS:
            break
    return chosen


def validator(stepfn):
    """With a built stepfn: whether `stepfn validate` accepts a case's
    definition (the targets abort on a fixed definition that does not
    compile). Without one every definition is taken."""
    if not stepfn:
        return lambda case: True

    def valid(case):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump(case["definition"], f)
            f.flush()
            return subprocess.run([stepfn, "validate", f.name], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL).returncode == 0
    return valid


def reset(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def write(folder, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def unique(items, cap=MAX_PER_TARGET):
    out, seen = [], set()
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out[:cap]


def corpus_definitions(cases, out):
    texts = unique([json.dumps(c["definition"], indent=2, ensure_ascii=False) for c in cases])
    for i, text in enumerate(texts):
        write(out, "def-%03d.json" % i, text)


def corpus_inputs(chosen, cases, out):
    by_text = {}
    for c in cases:
        by_text.setdefault(compact(c["definition"]), []).append(c["input"])
    n = 0
    for i, c in enumerate(chosen):
        for value in unique([compact(v) for v in by_text[compact(c["definition"])]], 3):
            write(out, "input-%02d-%d.bin" % (i, n), bytes([i]) + value.encode("utf-8"))
            n += 1


def expressions(cases, want):
    """(expression, input) pairs: path texts or intrinsic calls found in the
    definitions, with their case's input."""
    pairs = []
    for c in cases:
        for key, v in walk(c["definition"]):
            if not isinstance(v, str):
                continue
            is_call = v.startswith("States.")
            is_path = v.startswith("$") and not is_call
            if (want == "intrinsic" and is_call) or (want == "path" and is_path):
                pairs.append(v + "\n" + compact(c["input"]))
    return unique(pairs)


def corpus_timestamps(cases, out):
    found = [v for c in cases for _, v in walk(c) if isinstance(v, str) and TIMESTAMP_RE.match(v)]
    extra = ["2016-03-14T01:59:00Z", "2016-03-14T01:59:00.123456789+02:00",
             "2016-12-05t21:29:29z", "2016-02-29T00:00:00-18:00", "1677-09-21T00:12:43.145224192Z",
             "2262-04-11T23:47:16.854775807Z", "2016-03-14T01:59Z", "2016-03-14T01:59:00.Z",
             "2016-03-14T01:59:00+05:30:15"]
    for i, text in enumerate(unique(extra + found)):
        write(out, "ts-%03d.txt" % i, text)


def corpus_resources(cases, out):
    maps = []
    for path in sorted(glob.glob(os.path.join(ROOT, "definitions", "*", "resources*.json"))):
        with open(path, encoding="utf-8") as f:
            maps.append(f.read())
    maps += [json.dumps(c["resources"], indent=2) for c in cases if c["resources"]]
    maps.append(json.dumps({
        "arn:aws:lambda:us-east-1:123456789012:function:f": {
            "exec": ["steps/f", "--x"], "env": {"A": "1"}, "timeout": 3},
        "summary": {"url": "http://127.0.0.1:8081/summary", "headers": {"X": "y"}},
        "arn:aws:events:us-east-1:123456789012:connection/api/1": {
            "headers": {"Authorization": "Bearer t"}, "query": {"k": "v"}},
        "s3://lab-data": {"folder": "bucket"},
        "arn:aws:s3:::lab-data/archive/": {"folder": "/tmp/archive"}}, indent=2))
    for i, text in enumerate(unique(maps)):
        write(out, "map-%03d.json" % i, text)


def corpus_testfiles(out):
    """The test files of `stepfn test`: the runner's suites and the lab's."""
    paths = sorted(glob.glob(os.path.join(ROOT, "tests", "runner", "suites", "*", "*.test.json")))
    paths += sorted(glob.glob(os.path.join(ROOT, "definitions", "*", "*.test.json")))
    for i, path in enumerate(paths[:MAX_PER_TARGET]):
        with open(path, encoding="utf-8") as f:
            write(out, "test-%03d.json" % i, f.read())


def corpus_mockconfigs(out):
    """MockConfigFiles: the runner's and the lab's, and one that mocks the
    states of fuzz_mockconfig.c's fixed definition (A, B in a Parallel, C in
    a Map, and the Pass state that must be refused)."""
    paths = sorted(glob.glob(os.path.join(ROOT, "tests", "runner", "**", "mock*.json"),
                             recursive=True))
    paths += sorted(glob.glob(os.path.join(ROOT, "definitions", "*", "mocks.json")))
    texts = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            texts.append(f.read())
    texts.append(json.dumps({
        "StateMachines": {"fixed": {"TestCases": {
            "All": {"A": "Ok", "B": "Flaky", "C": "Ok"},
            "PassToo": {"A": "Ok", "Pass": "Ok"}}}},
        "MockedResponses": {
            "Ok": {"0": {"Return": {"x": 1}}},
            "Flaky": {"0-1": {"Throw": {"Error": "E", "Cause": "c"}}, "2": {"Return": [1, 2]}}}},
        indent=2))
    for i, text in enumerate(unique(texts)[:MAX_PER_TARGET]):
        write(out, "mock-%03d.json" % i, text)


def corpus_histories(stepfn, chosen, out):
    """Real histories of the Task-free fixed definitions, in the history
    target's format (flags byte, then the file)."""
    n = 0
    with tempfile.TemporaryDirectory() as store:
        for i, c in enumerate(chosen):
            if "Task" in state_types(c["definition"]):
                continue
            def_path = os.path.join(store, "def-%d.json" % i)
            with open(def_path, "w", encoding="utf-8") as f:
                json.dump(c["definition"], f)
            name = "h%d" % i
            subprocess.run([stepfn, "run", def_path, "--input", compact(c["input"]),
                            "--name", name, "--store", store, "--fsync", "never"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            path = os.path.join(store, "executions", name, "history.jsonl")
            if not os.path.exists(path):
                continue
            if os.path.getsize(path) > 32768:
                continue
            with open(path, "rb") as f:
                lines = f.read().splitlines(keepends=True)
            failed = b"ExecutionFailed" in lines[-1]
            # Whole (resume refuses a finished run; replay takes a failed
            # one), cut short to be resumed, and torn in its last line.
            # (mode, re-seal, bytes): whole (resume refuses a finished run;
            # replay takes a failed one, also --from), cut short to be
            # resumed, and torn in its last line.
            variants = [(1 if failed else 0, 0, b"".join(lines)),
                        (0, 0, b"".join(lines[:-1])),
                        (0, 1, b"".join(lines[:max(1, len(lines) // 2)])),
                        (0, 0, b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])]
            if failed:
                variants.append((2, 1, b"".join(lines)))
            for mode, seal, data in variants:
                if n == MAX_PER_TARGET:
                    return
                flags = (i << 3) | (mode << 1) | seal
                write(out, "hist-%02d-%d.bin" % (i, n), bytes([flags & 0xFF]) + data)
                n += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_conf = os.path.join(os.path.dirname(ROOT), "shared", "conformance", "cases")
    ap.add_argument("--conformance", default=default_conf if os.path.isdir(default_conf) else None)
    ap.add_argument("--stepfn", help="a built stepfn, to record real histories")
    args = ap.parse_args()
    cases = load_cases(args.conformance)
    if not cases:
        sys.exit("make_corpus: no cases found")
    chosen = pick_definitions(cases, validator(args.stepfn))
    defs_dir = os.path.join(HERE, "definitions")
    reset(defs_dir)
    for i, c in enumerate(chosen):
        write(defs_dir, "%02d-%s.json" % (i, c["name"][:40]),
              json.dumps(c["definition"], indent=2, ensure_ascii=False) + "\n")
    corpus = os.path.join(HERE, "corpus")
    targets = ["definition", "input", "jsonpath", "intrinsic", "resources", "timestamp",
               "testfile", "mockconfig"]
    if args.stepfn:
        targets.append("history")
    for t in targets:
        reset(os.path.join(corpus, t))
    corpus_definitions(cases, os.path.join(corpus, "definition"))
    corpus_inputs(chosen, cases, os.path.join(corpus, "input"))
    for i, text in enumerate(expressions(cases, "path")):
        write(os.path.join(corpus, "jsonpath"), "path-%03d.txt" % i, text)
    for i, text in enumerate(expressions(cases, "intrinsic")):
        write(os.path.join(corpus, "intrinsic"), "call-%03d.txt" % i, text)
    corpus_timestamps(cases, os.path.join(corpus, "timestamp"))
    corpus_resources(cases, os.path.join(corpus, "resources"))
    corpus_testfiles(os.path.join(corpus, "testfile"))
    corpus_mockconfigs(os.path.join(corpus, "mockconfig"))
    if args.stepfn:
        corpus_histories(os.path.abspath(args.stepfn), chosen, os.path.join(corpus, "history"))
    for t in sorted(os.listdir(corpus)):
        print("%-11s %4d seed(s)" % (t, len(os.listdir(os.path.join(corpus, t)))))
    print("definitions %4d" % len(chosen))


if __name__ == "__main__":
    main()
