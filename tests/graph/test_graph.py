#!/usr/bin/env python3
"""`stepfn graph`: definitions and executions drawn as Graphviz.

- golden DOT files (golden/NAME.dot) for the definitions in defs/;
- every definition we can find (defs/, the repo's definitions/, the cases of
  tests/cases/ and the shared conformance cases) drawn and fed to the real
  `dot -Tsvg`, which must accept it without a warning;
- execution overlays of real runs (succeeded, failed, caught and recovered,
  retried, replayed) and of hand-written histories (a redrive appended to a
  copied execution, a run cut off while running), checked for the colour
  (the node's class) and the counts shown.

usage: test_graph.py STEPFN [--definitions DIR] [--cases DIR]
                            [--conformance DIR] [--update]
--update rewrites the golden files from the current output.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.dom.minidom
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DEFS = os.path.join(HERE, "defs")
GOLDEN = os.path.join(HERE, "golden")
ARGS = None
HAVE_DOT = shutil.which("dot") is not None

NODE_LINE = re.compile(r"^\s*(n\d+) \[(.*)\];$")
EDGE_LINE = re.compile(r"^\s*(n\d+) -> (n\d+) \[(.*)\];$")


def run(*args, **kw):
    return subprocess.run([ARGS.stepfn, *args], capture_output=True, timeout=120, **kw)


def plain(label):
    """The text of an HTML-like label, without tags or entities."""
    text = re.sub(r"<BR[^>]*>", "\n", label)
    text = re.sub(r"<[^>]+>", "", text)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


class Drawing:
    """A DOT text read back: state nodes by name, edges by node names."""

    def __init__(self, dot):
        self.dot = dot
        self.nodes, self.names, self.edges = {}, {}, []
        for line in dot.splitlines():
            m = NODE_LINE.match(line)
            if m and "<B>" in m.group(2):
                label = re.search(r"label=<(.*)>, tooltip=", m.group(2)).group(1)
                name = plain(re.match(r"<B>(.*?)</B>", label).group(1))
                cls = re.search(r'class="sf-([a-z-]+)"', m.group(2))
                node = {"id": m.group(1), "class": cls.group(1) if cls else None,
                        "text": plain(label), "attrs": m.group(2)}
                self.nodes[name] = node
                self.names[m.group(1)] = name
            elif m:  # Start, End, or a join bar: named after its Parallel or Map
                label = re.search(r'label="([^"]+)"|tooltip="end of ([^"]*)"', m.group(2))
                if label:
                    self.names[m.group(1)] = label.group(1) or label.group(2)
        for line in dot.splitlines():
            m = EDGE_LINE.match(line)
            if m:
                taken = re.search(r'tooltip="taken (\d+) time', m.group(3))
                label = re.search(r"label=<(.*?)>, (?:color|class)", m.group(3))
                self.edges.append({
                    "from": self.names.get(m.group(1), m.group(1)),
                    "to": self.names.get(m.group(2), m.group(2)),
                    "taken": int(taken.group(1)) if taken else None,
                    "bold": 'class="sf-taken"' in m.group(3),
                    "label": plain(label.group(1)) if label else "",
                    "attrs": m.group(3)})

    def status(self, name):
        return self.nodes[name]["class"]

    def text(self, name):
        return self.nodes[name]["text"]

    def edge(self, frm, to, label=None):
        found = [e for e in self.edges if e["from"] == frm and e["to"] == to
                 and (label is None or e["label"].startswith(label))]
        if len(found) != 1:
            raise AssertionError(f"{len(found)} edges {frm} -> {to} ({label}) in\n{self.dot}")
        return found[0]


def dot_accepts(test, dot_text, what):
    p = subprocess.run(["dot", "-Tsvg"], input=dot_text.encode(), capture_output=True,
                       timeout=120)
    test.assertEqual(p.returncode, 0, f"{what}: dot failed: {p.stderr.decode()}")
    test.assertEqual(p.stderr.decode(), "", f"{what}: dot warned")
    xml.dom.minidom.parseString(p.stdout)  # well-formed SVG


# ---- Definitions ----


class GoldenTest(unittest.TestCase):
    def check_golden(self, name):
        p = run("graph", name + ".asl.json", cwd=DEFS)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertEqual(p.stderr, b"")
        out = p.stdout.decode()
        path = os.path.join(GOLDEN, name + ".dot")
        if ARGS.update:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(out)
        with open(path, encoding="utf-8") as fh:
            self.assertEqual(out, fh.read(), f"{name}: differs from {path} (--update?)")
        return Drawing(out)

    def test_simple_chain(self):
        d = self.check_golden("simple_chain")
        self.assertEqual(d.edge("Start", "Prepare")["label"], "")
        d.edge("Prepare", "Pause")
        d.edge("Done", "End")
        self.assertIn("Task · exec:/bin/cat", d.text("Echo"))
        self.assertIn("shape=hexagon", d.nodes["Pause"]["attrs"])

    def test_choice_with_default(self):
        d = self.check_golden("choice_default")
        d.edge("Route", "Fine", '$.status == "ok"')
        d.edge("Route", "Review", "$.total > $.limit")
        d.edge("Route", "Fine", "$.vip == true or ($.score >= 0.75 and not ($.flag is null))"[:39])
        d.edge("Route", "Expired", '$.when < "2024-01-01T00:00:00Z"')
        d.edge("Route", "Review", "$.note is absent")
        long_rule = d.edge("Route", "Review", "$.comment matches")["label"]
        self.assertTrue(long_rule.endswith("…") and len(long_rule) == 40, long_rule)
        self.assertEqual(d.edge("Route", "Unknown")["label"], "Default")
        d.edge("Route2", "Route", "$.again == true")

    def test_catch_and_retry(self):
        d = self.check_golden("catch_retry")
        self.assertIn("retry Lambda.TooManyRequestsException", d.text("Fetch"))
        self.assertIn("retry States.ALL ×1", d.text("Fetch"))
        self.assertIn("lambda fetch-orders", d.text("Fetch"))
        catch = d.edge("Fetch", "NothingToDo")
        self.assertEqual(catch["label"], "catch Orders.NotFound")
        self.assertIn("style=dashed", catch["attrs"])
        # Both's Catch leaves its cluster from the join bar.
        from_cluster = [e for e in d.edges if e["to"] == "Alert" and "ltail=" in e["attrs"]]
        self.assertEqual(len(from_cluster), 1)
        self.assertIn("http POST https://billing.example/ch…", d.text("Bill"))
        self.assertIn("lambda ship:live", d.text("Ship"))

    def test_nested_parallel_in_map(self):
        d = self.check_golden("parallel_in_map")
        for cluster in ("label=<<I>item processor</I>>", "label=<<I>branch 1</I>>",
                        "label=<<I>branch 2</I>>"):
            self.assertIn(cluster, d.dot)
        self.assertEqual(d.dot.count("subgraph cluster_"), 7)
        # Clusters nest: EachLine's processor is inside Fork's branch 1.
        fork = d.dot.index("Parallel Fork")
        self.assertLess(fork, d.dot.index("Map EachLine"))
        self.assertIn("lhead=cluster_", d.edge("Start", "EachOrder")["attrs"])

    def test_escaping(self):
        d = self.check_golden("escaping")
        self.assertIn('Say "hi"', d.nodes)
        self.assertIn("back\\slash\\", d.nodes)
        self.assertIn("new\nline", d.nodes)
        self.assertIn("<b>bold</b> & <i>co</i>", d.nodes)
        self.assertIn("Café ✓ 😀 日本", d.nodes)
        self.assertIn("tab here \ufffd ctl", d.nodes)  # a control character replaced
        self.assertIn("A state name that is much too long to b…", d.nodes)
        if HAVE_DOT:
            dot_accepts(self, d.dot, "escaping")

    def test_lab_pipeline(self):
        d = self.check_golden("lab_pipeline")
        self.assertIn("items $.samples, 4 at a time", d.text("MeasureSamples"))
        self.assertIn("Parallel · 3 branches", d.text("Analyse"))


def every_definition():
    """(what, path or dict) for every definition the tree and shared/ have."""
    found = [(p, p) for p in sorted(glob.glob(os.path.join(DEFS, "*.json")))]
    if ARGS.definitions:
        found += [(p, p) for p in sorted(glob.glob(os.path.join(ARGS.definitions, "**",
                                                                "*.asl.json"), recursive=True))]
    for root in filter(None, [ARGS.cases, ARGS.conformance]):
        for path in sorted(glob.glob(os.path.join(root, "**", "*.json"), recursive=True)):
            try:
                with open(path, encoding="utf-8") as fh:
                    case = json.load(fh)
            except (ValueError, OSError):
                continue
            if isinstance(case, dict) and isinstance(case.get("definition"), dict):
                found.append((path, case["definition"]))
    return found


@unittest.skipUnless(HAVE_DOT, "Graphviz dot is not installed")
class DotAcceptsEverythingTest(unittest.TestCase):
    def test_every_definition_is_drawn_and_accepted(self):
        tmp = tempfile.mkdtemp(prefix="stepfn-graph-")
        try:
            jobs = []
            for i, (what, source) in enumerate(every_definition()):
                path = source
                if isinstance(source, dict):
                    path = os.path.join(tmp, f"def{i}.json")
                    with open(path, "w", encoding="utf-8") as fh:
                        json.dump(source, fh)
                jobs.append((what, path))
            with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
                results = list(pool.map(draw_and_check, jobs))
            failures = [r for r in results if r is not True and r is not None]
            self.assertEqual(failures, [])
            drawn = results.count(True)
            self.assertGreater(drawn, 5)
            print(f"\n  {drawn} definitions drawn and accepted by dot", file=sys.stderr)
        finally:
            shutil.rmtree(tmp)


def draw_and_check(job):
    """True when drawn and accepted by dot, None when there was nothing to
    draw (not JSON), else a message."""
    what, path = job
    p = run("graph", path)
    # 3: an invalid definition is still drawn as far as it compiled.
    if p.returncode not in (0, 3):
        return f"{what}: exit {p.returncode}: {p.stderr.decode()}"
    if not p.stdout:
        return None
    d = subprocess.run(["dot", "-Tsvg"], input=p.stdout, capture_output=True, timeout=120)
    if d.returncode != 0 or d.stderr:
        return f"{what}: dot: {d.stderr.decode()}"
    try:
        xml.dom.minidom.parseString(d.stdout)
    except Exception as e:  # pylint: disable=broad-except
        return f"{what}: SVG not well-formed: {e}"
    return True


class CommandLineTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="stepfn-graph-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_usage_errors(self):
        d = os.path.join(DEFS, "simple_chain.asl.json")
        for args in ([], [d, "--execution", "x"], [d, "--format", "gif"],
                     [d, "--rankdir", "BT"], [d, "--bogus"]):
            p = run("graph", *args)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(p.stdout, b"")
            self.assertIn(b"stepfn graph", p.stderr)

    def test_help(self):
        p = run("graph", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"--execution NAME", p.stdout)
        self.assertIn(b"graphviz", p.stdout)

    def test_unknown_execution(self):
        p = run("graph", "--execution", "nope", "--store", self.tmp)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, b"")

    def test_invalid_definition_is_drawn_with_status_3(self):
        path = os.path.join(self.tmp, "bad.json")
        with open(path, "w") as fh:
            json.dump({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}, fh)
        p = run("graph", path)
        self.assertEqual(p.returncode, 3)
        self.assertIn(b"drawn as far as it compiled", p.stderr)
        self.assertIn(b"<B>A</B>", p.stdout)

    def test_not_json_is_not_drawn(self):
        path = os.path.join(self.tmp, "bad.json")
        with open(path, "w") as fh:
            fh.write("{ nope")
        p = run("graph", path)
        self.assertEqual(p.returncode, 3)
        self.assertEqual(p.stdout, b"")

    def test_output_file(self):
        out = os.path.join(self.tmp, "g.dot")
        p = run("graph", os.path.join(DEFS, "simple_chain.asl.json"), "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, b"")
        with open(out) as fh:
            self.assertTrue(fh.read().startswith("digraph stepfn {"))

    @unittest.skipUnless(HAVE_DOT, "Graphviz dot is not installed")
    def test_svg_and_png_through_dot(self):
        d = os.path.join(DEFS, "lab_pipeline.asl.json")
        p = run("graph", d, "--format", "svg")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"<svg", p.stdout)
        png = os.path.join(self.tmp, "g.png")
        p = run("graph", d, "--format", "png", "-o", png)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(png, "rb") as fh:
            self.assertEqual(fh.read(8), b"\x89PNG\r\n\x1a\n")

    def test_missing_dot_names_the_package(self):
        env = dict(os.environ, PATH=self.tmp)  # an empty folder: no dot
        p = run("graph", os.path.join(DEFS, "simple_chain.asl.json"), "--format", "svg",
                env=env)
        self.assertEqual(p.returncode, 4)
        self.assertIn(b"graphviz", p.stderr)
        self.assertIn(b"--format dot", p.stderr)
        self.assertEqual(p.stdout, b"")

    def test_rankdir_is_chosen_and_can_be_forced(self):
        d = os.path.join(DEFS, "simple_chain.asl.json")
        self.assertIn(b"rankdir=TB", run("graph", d).stdout)
        self.assertIn(b"rankdir=LR", run("graph", d, "--rankdir", "LR").stdout)
        self.assertNotIn(b"legend [", run("graph", d, "--no-legend").stdout)


# ---- Executions ----

LAB = os.path.join(DEFS, "lab_pipeline.asl.json")
LAB_GOOD = {"batch": "LAB-42", "publish": True, "samples": [
    {"id": "s1", "quality": 0.9}, {"id": "s2", "quality": 0.7},
    {"id": "s3", "quality": 0.3}, {"id": "s4", "quality": 0.95}]}
LAB_BAD = {"batch": "LAB-43", "publish": True, "samples": [
    {"id": "s1", "quality": 0.9}, {"id": "s2", "quality": 0.2}, {"id": "s3", "quality": 0.3},
    {"id": "s4", "quality": 0.1}, {"id": "s5", "quality": 0.7}]}

# Fails with Lab.NotYet while MARKER does not exist (and creates it), then
# echoes its input: a step that succeeds when replayed. With an argument, only
# inputs equal to it fail.
ONCE_SH = """#!/bin/sh
input=$(cat)
if [ -n "$1" ] && [ "$input" != "$1" ]; then echo "$input"; exit 0; fi
if [ -e "$(dirname "$0")/marker" ]; then echo "$input"; exit 0; fi
touch "$(dirname "$0")/marker"
echo '{"errorType":"Lab.NotYet","errorMessage":"fails the first time"}'
exit 1
"""

# Fails twice with Lab.Flaky, then succeeds.
FLAKY_SH = """#!/bin/sh
cat >/dev/null
n=$(cat "$(dirname "$0")/count" 2>/dev/null || echo 0); n=$((n+1))
echo $n > "$(dirname "$0")/count"
if [ $n -le 2 ]; then echo '{"errorType":"Lab.Flaky","errorMessage":"again"}'; exit 1; fi
echo '{"ok":true}'
"""

FAST_RETRY = {"IntervalSeconds": 1, "JitterStrategy": "FULL"}


class ExecutionTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="stepfn-graph-")
        self.store = os.path.join(self.tmp, "store")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def script(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as fh:
            fh.write(text)
        os.chmod(path, 0o755)
        return path

    def run_def(self, definition, name, data=None, expect=0):
        path = definition
        if isinstance(definition, dict):
            path = os.path.join(self.tmp, name + ".asl.json")
            with open(path, "w") as fh:
                json.dump(definition, fh)
        p = run("run", path, "--name", name, "--store", self.store,
                "--input", json.dumps(data if data is not None else {}))
        self.assertEqual(p.returncode, expect, p.stdout.decode() + p.stderr.decode())

    def graph(self, name):
        p = run("graph", "--execution", name, "--store", self.store)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertEqual(p.stderr, b"")
        d = Drawing(p.stdout.decode())
        if HAVE_DOT:
            dot_accepts(self, d.dot, name)
        return d

    def assert_statuses(self, d, **expected):
        for status, names in expected.items():
            for name in names.split():
                self.assertEqual(d.status(name), status.replace("_", "-"), name)

    def test_succeeded(self):
        self.run_def(LAB, "good", LAB_GOOD)
        d = self.graph("good")
        self.assertIn("lab_pipeline · execution good", d.dot)
        self.assertIn("SUCCEEDED", d.dot)
        self.assert_statuses(
            d, succeeded="CheckBatch Prepare MeasureSamples Calibrate QualityGate Remeasure "
                         "Accept Analyse Statistics Normalise Archive Plot ShouldPublish "
                         "Publish Done",
            not_reached="RejectBatch ReportFailure Failed",
            # The one bad sample, within MeasureSamples' tolerance.
            failed="Contaminated")
        self.assertIn("items: 3 ok · 1 failed / 4", d.text("MeasureSamples"))
        self.assertIn("×4 · avg", d.text("Calibrate"))
        self.assertIn("Lab.Contaminated", d.text("Contaminated"))
        self.assertEqual(d.edge("MeasureSamples", "Calibrate")["taken"], 4)
        self.assertEqual(d.edge("QualityGate", "Accept", "$.quality >= 0.8")["taken"], 2)
        self.assertEqual(d.edge("QualityGate", "Accept", "$.quality >= 0.8")["label"],
                         "$.quality >= 0.8\n×2")
        self.assertEqual(d.edge("QualityGate", "Remeasure")["taken"], 1)
        start = d.edge("Start", "CheckBatch")
        self.assertTrue(start["bold"] and start["taken"] == 1)
        rejected = d.edge("CheckBatch", "RejectBatch")
        self.assertFalse(rejected["bold"])
        self.assertEqual(rejected["taken"], 0)
        self.assertEqual(d.edge("Done", "End")["taken"], 1)

    def test_failed(self):
        self.run_def(LAB, "bad", LAB_BAD, expect=1)
        d = self.graph("bad")
        self.assertIn("FAILED", d.dot)
        self.assert_statuses(d, caught="MeasureSamples", failed="Contaminated Failed",
                             succeeded="CheckBatch Prepare ReportFailure",
                             not_reached="Analyse Archive Publish Done Remeasure")
        text = d.text("MeasureSamples")
        self.assertIn("caught", text)
        self.assertIn("1 retry", text)
        self.assertIn("States.ExceedToleratedFailureThreshold", text)
        self.assertIn("items: 1 ok · 3 failed / 5", text)
        self.assertIn("×6", d.text("Contaminated"))
        self.assertIn("3 failed · 3 retried after failing", d.text("Contaminated"))
        self.assertIn("Lab.BatchFailed", d.text("Failed"))
        catch = d.edge("MeasureSamples", "ReportFailure")
        self.assertTrue(catch["bold"])
        self.assertEqual(catch["taken"], 1)
        self.assertIn("#ef9a9a", d.nodes["Failed"]["attrs"])  # red

    def test_caught_and_recovered(self):
        flaky = self.script("flaky.sh", FLAKY_SH)
        definition = {"StartAt": "Flaky", "States": {
            "Flaky": {"Type": "Task", "Resource": "exec:" + flaky, "Next": "Broken",
                      "Retry": [dict(ErrorEquals=["Lab.Flaky"], MaxAttempts=3, **FAST_RETRY)]},
            "Broken": {"Type": "Task", "Resource": "exec:/bin/false", "Next": "Unused",
                       "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}]},
            "Unused": {"Type": "Pass", "End": True},
            "Recover": {"Type": "Pass", "Next": "Done"},
            "Done": {"Type": "Succeed"}}}
        self.run_def(definition, "recovered")
        d = self.graph("recovered")
        self.assert_statuses(d, retried="Flaky", caught="Broken", succeeded="Recover Done",
                             not_reached="Unused")
        self.assertIn("retried ×2", d.text("Flaky"))
        self.assertIn("States.TaskFailed", d.text("Broken"))
        catch = d.edge("Broken", "Recover")
        self.assertEqual((catch["label"], catch["taken"]), ("catch States.ALL", 1))
        self.assertEqual(d.edge("Broken", "Unused")["taken"], 0)
        self.assertIn("#fff59d", d.nodes["Flaky"]["attrs"])  # yellow
        self.assertIn("#ffcc80", d.nodes["Broken"]["attrs"])  # orange

    def test_parallel_retried_after_a_branch_failed(self):
        definition = {"StartAt": "P", "States": {"P": {
            "Type": "Parallel", "End": True,
            "Parameters": {"attempt.$": "$$.State.RetryCount"},
            "Retry": [dict(ErrorEquals=["FirstAttempt"], MaxAttempts=1, **FAST_RETRY)],
            "Branches": [
                {"StartAt": "Check", "States": {
                    "Check": {"Type": "Choice", "Default": "Fine", "Choices": [
                        {"Variable": "$.attempt", "NumericEquals": 0, "Next": "FirstTime"}]},
                    "FirstTime": {"Type": "Fail", "Error": "FirstAttempt"},
                    "Fine": {"Type": "Pass", "End": True}}},
                {"StartAt": "Other", "States": {"Other": {"Type": "Pass", "End": True}}}]}}}
        self.run_def(definition, "pretry")
        d = self.graph("pretry")
        self.assert_statuses(d, retried="P FirstTime", succeeded="Check Fine Other")
        self.assertIn("retried ×1", d.text("P"))
        self.assertIn("failed, retried", d.text("FirstTime"))
        self.assertEqual(d.edge("P", "Check")["taken"], 2)
        self.assertEqual(d.edge("Check", "FirstTime")["taken"], 1)

    def test_sibling_branch_stopped_when_another_fails(self):
        definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Slow", "States": {"Slow": {"Type": "Wait", "Seconds": 5, "End": True}}},
            {"StartAt": "Prep", "States": {"Prep": {"Type": "Pass", "Next": "Boom"},
                                           "Boom": {"Type": "Fail", "Error": "Lab.Boom"}}}]}}}
        self.run_def(definition, "stop", expect=1)
        d = self.graph("stop")
        self.assert_statuses(d, failed="P Boom", stopped="Slow", succeeded="Prep")
        self.assertIn("Lab.Boom", d.text("P"))
        self.assertIn("Lab.Boom", d.text("Boom"))
        self.assertIn("#e0e0e0", d.nodes["Slow"]["attrs"])  # grey
        self.assertEqual(d.edge("P", "End")["taken"], 0)

    def test_timed_out(self):
        definition = {"TimeoutSeconds": 1, "StartAt": "Pause",
                      "States": {"Pause": {"Type": "Wait", "Seconds": 5, "End": True}}}
        self.run_def(definition, "late", expect=1)
        d = self.graph("late")
        self.assertIn("TIMED_OUT", d.dot)
        self.assert_statuses(d, failed="Pause")
        self.assertIn("States.Timeout", d.text("Pause"))

    def test_replayed_latest_attempt_wins(self):
        once = self.script("once.sh", ONCE_SH)
        definition = {"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Task", "Resource": "exec:" + once, "Next": "C"},
            "C": {"Type": "Succeed"}}}
        self.run_def(definition, "rp", expect=1)
        d = self.graph("rp")
        self.assert_statuses(d, succeeded="A", failed="B", not_reached="C")
        self.assertIn("Lab.NotYet", d.text("B"))
        p = run("replay", "rp", "--store", self.store)
        self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())
        d = self.graph("rp")
        self.assert_statuses(d, succeeded="A B C")
        self.assertNotIn("Lab.NotYet", d.text("B"))
        self.assertIn("SUCCEEDED", d.dot)
        self.assertIn("redriven ×1", d.dot)
        self.assertEqual(d.edge("A", "B")["taken"], 1)
        self.assertEqual(d.edge("B", "C")["taken"], 1)

    def test_replayed_map_keeps_its_succeeded_iterations(self):
        once = self.script("once.sh", ONCE_SH.replace('[ -n "$1" ]', "true").replace("$1", "2"))
        definition = {"StartAt": "Each", "States": {"Each": {
            "Type": "Map", "End": True,
            "ItemProcessor": {"StartAt": "Work", "States": {
                "Work": {"Type": "Task", "Resource": "exec:" + once, "End": True}}}}}}
        self.run_def(definition, "rmap", [1, 2, 3], expect=1)
        d = self.graph("rmap")
        self.assert_statuses(d, failed="Each Work")
        # Item 3 may have finished, or been stopped when item 2 failed.
        self.assertRegex(d.text("Each"), r"items: [12] ok · 1 failed (· 1 stopped )?/ 3")
        self.assertIn("1 failed", d.text("Work"))
        p = run("replay", "rmap", "--store", self.store)
        self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())
        d = self.graph("rmap")
        self.assert_statuses(d, succeeded="Each Work")
        self.assertIn("items: 3 ok / 3", d.text("Each"))
        self.assertIn("3 ok", d.text("Work"))
        self.assertEqual(d.edge("Each", "Work")["taken"], 3)
        self.assertIn("redriven ×1", d.dot)

    # Hand-written histories: events appended as the engine writes them.

    def copy_execution(self, name, copy):
        root = os.path.join(self.store, "executions")
        shutil.copytree(os.path.join(root, name), os.path.join(root, copy))
        for extra in ("lock",):
            path = os.path.join(root, copy, extra)
            if os.path.exists(path):
                os.remove(path)
        return os.path.join(root, copy, "history.jsonl")

    @staticmethod
    def read_events(path):
        with open(path, "rb") as fh:
            return [json.loads(line[:line.rindex(b',"crc":')] + b"}") for line in fh]

    @staticmethod
    def append_events(path, events):
        with open(path, "ab") as fh:
            for event in events:
                body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
                body = body[:-1]  # the checksum member goes last
                fh.write(body + b',"crc":"%08x"}\n' % zlib.crc32(body))

    def test_history_of_another_definition_is_drawn_with_a_warning(self):
        self.run_def({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"},
                                                 "B": {"Type": "Pass", "End": True}}}, "old")
        path = os.path.join(self.store, "executions", "old", "definition.json")
        with open(path, "w") as fh:
            json.dump({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}, fh)
        p = run("graph", "--execution", "old", "--store", self.store)
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"do not fit the definition", p.stderr)
        self.assertEqual(Drawing(p.stdout.decode()).status("A"), "succeeded")

    def test_hand_written_redrive_overrides_the_failed_attempt(self):
        definition = {"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Task", "Resource": "exec:/bin/false", "Next": "C"},
            "C": {"Type": "Succeed"}}}
        self.run_def(definition, "orig", expect=1)
        path = self.copy_execution("orig", "copy")
        events = self.read_events(path)
        entered_b = [e for e in events if e["type"] == "TaskStateEntered"][-1]["id"]
        last = events[-1]["id"]
        stamp = events[-1]["timestamp"]
        task = {"resourceType": "exec", "resource": "/bin/false"}
        new = [("ExecutionRedriven", "executionRedrivenEventDetails", {"redriveCount": 1}),
               ("TaskScheduled", "taskScheduledEventDetails", dict(task, region="us-east-1")),
               ("TaskStarted", "taskStartedEventDetails", task),
               ("TaskSucceeded", "taskSucceededEventDetails", dict(task, output="{}")),
               ("TaskStateExited", "stateExitedEventDetails", {"name": "B", "output": "{}"}),
               ("SucceedStateEntered", "stateEnteredEventDetails", {"name": "C", "input": "{}"}),
               ("SucceedStateExited", "stateExitedEventDetails", {"name": "C", "output": "{}"}),
               ("ExecutionSucceeded", "executionSucceededEventDetails", {"output": "{}"})]
        appended = []
        for i, (kind, key, details) in enumerate(new):
            previous = entered_b if kind == "TaskScheduled" else last + i
            appended.append({"id": last + 1 + i, "previousEventId": previous,
                             "timestamp": stamp, "type": kind, key: details})
        self.append_events(path, appended)
        self.assertEqual(len(self.read_events(path)), len(events) + len(new))
        before = self.graph("orig")
        self.assert_statuses(before, succeeded="A", failed="B", not_reached="C")
        d = self.graph("copy")
        self.assert_statuses(d, succeeded="A B C")
        self.assertIn("SUCCEEDED", d.dot)
        self.assertIn("redriven ×1", d.dot)
        self.assertNotIn("States.TaskFailed", d.text("B"))
        self.assertEqual(d.edge("B", "C")["taken"], 1)
        self.assertEqual(d.edge("C", "End")["taken"], 1)

    def test_cut_off_history_shows_running(self):
        self.run_def(LAB, "whole", LAB_GOOD)
        path = self.copy_execution("whole", "cut")
        with open(path, "rb") as fh:
            lines = fh.readlines()
        types = [json.loads(line[:line.rindex(b',"crc":')] + b"}")["type"] for line in lines]
        keep = types.index("MapIterationStarted") + 2  # the first sample's Calibrate entered
        with open(path, "wb") as fh:
            fh.writelines(lines[:keep])
        d = self.graph("cut")
        self.assertIn("RUNNING", d.dot)
        self.assert_statuses(d, succeeded="CheckBatch Prepare", running="MeasureSamples Calibrate",
                             not_reached="QualityGate Analyse Done")
        self.assertIn("so far", d.text("Calibrate"))
        self.assertIn("#90caf9", d.nodes["Calibrate"]["attrs"])  # blue


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("stepfn")
    parser.add_argument("--definitions")
    parser.add_argument("--cases")
    parser.add_argument("--conformance")
    parser.add_argument("--update", action="store_true")
    ARGS, rest = parser.parse_known_args()
    ARGS.stepfn = os.path.abspath(ARGS.stepfn)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
