#!/usr/bin/env python3
"""End-to-end tests of `stepfn test`, the state machine test runner.

The suites it runs live beside this file:
  machines/       the definitions under test and their MockConfigFile
  suites/pass/    every kind of expectation holding: Wait and Retry back-offs
                  of minutes and hours at wait scale 0, mocks that Return and
                  Throw, ranges ("0-1", "2"), mocks inside a Parallel and a
                  Map, mocked service integrations stepfn cannot call
                  (dynamodb:putItem, sqs:sendMessage, sns:publish, a .sync)
  suites/fail/    each kind of expectation failing once, with its message
  suites/bad/     test files that must be refused before anything runs

Every command runs with this folder as its working directory, so the names
printed are "suites/...".

usage: test_runner.py STEPFN_BINARY
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

STEPFN = None
HERE = os.path.dirname(os.path.abspath(__file__))

PASS_LINES = [
    "PASS suites/pass/payment.test.json > pays at once",
    "PASS suites/pass/payment.test.json > retries a busy service every ten minutes",
    "PASS suites/pass/payment.test.json > a refused card is declined",
    "PASS suites/pass/payment.test.json > a service busy for good fails the execution",
    "PASS suites/pass/services.test.json > every service answers",
    "PASS suites/pass/services.test.json > a queue that is down fails the Parallel",
    "PASS suites/pass/wait.test.json > wait",
]

F = "suites/fail/mistakes.test.json > "
FAIL_LINES = {
    "wrong status": "expected status TIMED_OUT, got SUCCEEDED; path Charge -> Receipt",
    "unexpected failure": 'expected status SUCCEEDED, got FAILED (Order.Declined: "the card was '
    'refused"); path Charge -> Declined',
    "wrong output": "output differs at /amount: expected 40, got 42.5",
    "extra output member": 'output differs at /status: expected (absent), got "paid"',
    "wrong outputContains": 'output (outputContains) differs at /status: expected "refunded", '
    'got "paid"',
    "missing outputContains member": 'output (outputContains) differs at /receipt: expected '
    '{"id":1}, got (absent)',
    "wrong error": 'expected error "Payment.Refused", got "Order.Declined"',
    "wrong cause": 'expected cause "no money", got "the card was refused"',
    "wrong causeContains": 'expected the cause to contain "expired", got "the card was refused"',
    "wrong path": "path differs at /1: expected Charge -> Declined, got Charge -> Receipt",
    "wrong attempts": "attempts of Charge: expected 2 TaskScheduled, got 3",
    "wrong stateOutputs": 'the output of state Charge differs at /charge: expected (absent), '
    'got {"amount":42.5}',
}

# Each refused file: the message on stderr that must name what is wrong and
# where (the test file and the JSON Pointer, or the definition's).
BAD_FILES = {
    "unknown-field": "suites/bad/unknown-field.test.json: /inputs: unknown field 'inputs' in a "
    "test file",
    "unknown-expect-field": "suites/bad/unknown-expect-field.test.json: /tests/1/expect/ouptut: "
    "unknown field 'ouptut' in expect",
    "not-json": "suites/bad/not-json.test.json: not a valid test file: line 3, column 38",
    "bad-definition": "suites/bad/broken.asl.json: error: /States/First/Next: State 'First': "
    "Next names 'Nowhere'",
    "unknown-case": "suites/bad/unknown-case.test.json: /tests/0/testCase: "
    "suites/bad/../../machines/mocks.json: state machine 'payment' has no test case 'PaysTwice'",
    "mock-not-a-task": "/StateMachines/wait/TestCases/MocksTheNap/Nap: test case 'MocksTheNap' "
    "mocks the state 'Nap', a Wait state",
    "contradiction": "suites/bad/contradiction.test.json: /tests/0/expect: an error or cause is "
    "expected, but status SUCCEEDED",
    "case-without-mocks": "suites/bad/case-without-mocks.test.json: /tests/0/testCase: testCase "
    "'MocksTheNap' needs a mockConfig",
    "duplicate-names": "suites/bad/duplicate-names.test.json: /tests/1/name: two tests are named "
    "'twice'",
    "missing-definition": "suites/bad/missing-definition.test.json: /definition: cannot read "
    "suites/bad/no-such.asl.json",
}


def strip_time(line):
    """'PASS x (12 ms)' -> 'PASS x'"""
    if line.startswith("PASS ") and line.endswith(" ms)"):
        return line[: line.rindex(" (")]
    return line


class RunnerTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="stepfn-runner-")
        self.dir = self.tmp.name
        # The temporary stores go here, so the test sees that they are removed.
        self.tmpdir = os.path.join(self.dir, "tmp")
        os.mkdir(self.tmpdir)

    def tearDown(self):
        self.tmp.cleanup()

    def stepfn(self, *args, cwd=HERE):
        env = dict(os.environ, TMPDIR=self.tmpdir)
        start = time.monotonic()
        p = subprocess.run([STEPFN, "test", *args], capture_output=True, text=True, cwd=cwd,
                           env=env, timeout=120)
        p.wall = time.monotonic() - start
        return p

    def write(self, rel, content):
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(content if isinstance(content, str) else json.dumps(content))
        return path

    # ---- passing ----

    def test_passing_suite_prints_a_line_per_test_and_the_summary(self):
        p = self.stepfn("suites/pass")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual([strip_time(l) for l in lines[:-1]], PASS_LINES)
        self.assertEqual(lines[-1], "7 passed, 0 failed")
        self.assertEqual(p.stderr, "")
        self.assertEqual(os.listdir(self.tmpdir), [], "the temporary store is removed")

    def test_an_hour_wait_and_ten_minute_backoffs_pass_at_once(self):
        # wait.asl.json waits 3600 s; BusyTwiceThenPays retries twice after
        # 600 s each; AlwaysBusy three times.
        p = self.stepfn("suites/pass", "--filter", "wait")
        self.assertEqual(p.stdout.splitlines()[-1], "1 passed, 0 failed", p.stdout)
        p2 = self.stepfn("suites/pass/payment.test.json", "--filter", "busy")
        self.assertEqual(p2.stdout.splitlines()[-1], "2 passed, 0 failed", p2.stdout)
        self.assertLess(p.wall, 5.0)
        self.assertLess(p2.wall, 5.0)

    def test_wait_scale_stretches_waits(self):
        self.write("m/nap.asl.json", {"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 4, "End": True}}})
        self.write("m/nap.test.json", {"definition": "nap.asl.json", "waitScale": 0.25})
        p = self.stepfn(os.path.join(self.dir, "m"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertGreaterEqual(p.wall, 0.9, "waitScale 0.25 of 4 s is 1 s")
        p = self.stepfn(os.path.join(self.dir, "m"), "--wait-scale", "0")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertLess(p.wall, 0.9, "--wait-scale overrides the file's waitScale")

    def test_mocked_tasks_are_recorded_in_the_history(self):
        store = os.path.join(self.dir, "store")
        p = self.stepfn("suites/pass/services.test.json", "--filter", "every service",
                        "--store", store, "--format", "json")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual((out["passed"], out["failed"]), (1, 0))
        name = out["tests"][0]["execution"]
        h = subprocess.run([STEPFN, "history", name, "--store", store], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(h.returncode, 0, h.stderr)
        events = json.loads(h.stdout)["events"]
        # As AWS records them: the service as resourceType, the API as resource.
        scheduled = sorted((e["taskScheduledEventDetails"]["resourceType"],
                            e["taskScheduledEventDetails"]["resource"]) for e in events
                           if e["type"] == "TaskScheduled")
        self.assertEqual(scheduled, [("dynamodb", "putItem"), ("ecs", "runTask.sync"),
                                     ("ecs", "runTask.sync"), ("sns", "publish"),
                                     ("sqs", "sendMessage")])
        self.assertEqual(sum(e["type"] == "TaskSucceeded" for e in events), 5)
        self.assertEqual(events[-1]["type"], "ExecutionSucceeded")

    def test_real_tasks_run_through_the_resource_map_beside_mocked_ones(self):
        # Echo really runs (cat, through the map); Charge is mocked.
        self.write("r/m.asl.json", {"StartAt": "Echo", "States": {
            "Echo": {"Type": "Task", "Resource": "echo", "ResultPath": "$.echoed",
                     "Next": "Charge"},
            "Charge": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                       "ResultPath": "$.sent", "End": True}}})
        self.write("r/map.json", {"echo": {"exec": ["cat"]}})
        self.write("r/mocks.json", {
            "StateMachines": {"m": {"TestCases": {"Sent": {"Charge": "Ok"}}}},
            "MockedResponses": {"Ok": {"0": {"Return": {"MessageId": "1"}}}}})
        self.write("r/r.test.json", {
            "definition": "m.asl.json", "resources": "map.json", "mockConfig": "mocks.json",
            "testCase": "Sent", "input": {"n": 1},
            "expect": {"output": {"n": 1, "echoed": {"n": 1}, "sent": {"MessageId": "1"}}}})
        p = self.stepfn(os.path.join(self.dir, "r"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout.splitlines()[-1], "1 passed, 0 failed")

    def test_timeouts_keep_real_time(self):
        # A wait scale of 0 does not make the machine's TimeoutSeconds pass at once.
        self.write("t/m.asl.json", {"TimeoutSeconds": 1, "StartAt": "Nap", "States": {
            "Nap": {"Type": "Task", "Resource": "sleeper", "End": True}}})
        self.write("t/map.json", {"sleeper": {"exec": ["sleep", "30"]}})
        self.write("t/t.test.json", {"definition": "m.asl.json", "resources": "map.json",
                                     "expect": {"status": "TIMED_OUT", "path": ["Nap"]}})
        p = self.stepfn(os.path.join(self.dir, "t"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertGreaterEqual(p.wall, 0.9)
        self.assertLess(p.wall, 10)

    def test_timeout_aborts_tests_still_running(self):
        self.write("h/m.asl.json", {"StartAt": "Nap", "States": {
            "Nap": {"Type": "Task", "Resource": "sleeper", "End": True}}})
        self.write("h/map.json", {"sleeper": {"exec": ["sleep", "30"]}})
        self.write("h/hangs.test.json", {"definition": "m.asl.json", "resources": "map.json"})
        self.write("h/quick.test.json", {"definition": "../m/nap.asl.json"})
        self.write("m/nap.asl.json", {"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 4, "End": True}}})
        p = self.stepfn(os.path.join(self.dir, "h"), "--timeout", "0.5")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertEqual([strip_time(l) for l in p.stdout.splitlines()],
                         ["FAIL %s/h/hangs.test.json > hangs: did not end within --timeout 0.5 s "
                          "(aborted)" % self.dir,
                          "PASS %s/h/quick.test.json > quick" % self.dir,
                          "1 passed, 1 failed"])
        self.assertLess(p.wall, 5)

    def test_an_unmocked_task_stepfn_cannot_call_fails_its_test(self):
        self.write("u/m.asl.json", {"StartAt": "Send", "States": {
            "Send": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask",
                     "End": True}}})
        self.write("u/u.test.json", {"definition": "m.asl.json"})
        p = self.stepfn(os.path.join(self.dir, "u"))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("expected status SUCCEEDED, got FAILED", p.stdout)
        self.assertIn("mock the state", p.stdout)

    # ---- failing ----

    def test_failing_suite_says_what_differed(self):
        p = self.stepfn("suites/fail")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(strip_time(lines[0]), "PASS " + F + "right")
        got = {}
        for line in lines[1:-1]:
            self.assertTrue(line.startswith("FAIL " + F), line)
            name, _, message = line[len("FAIL " + F):].partition(": ")
            got[name] = message
        self.assertEqual(got, FAIL_LINES)
        self.assertEqual(lines[-1], "1 passed, 12 failed")

    def test_filter_runs_only_matching_tests(self):
        p = self.stepfn("suites/fail", "--filter", "wrong path")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout.splitlines(),
                         ["FAIL " + F + "wrong path: " + FAIL_LINES["wrong path"],
                          "0 passed, 1 failed"])
        p = self.stepfn("suites/pass", "suites/fail", "--filter", "right")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout.splitlines()[-1], "1 passed, 0 failed")
        p = self.stepfn("suites/pass", "--filter", "no such test")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no test matches --filter 'no such test'", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_junit_report(self):
        report = os.path.join(self.dir, "junit.xml")
        p = self.stepfn("suites/pass", "suites/fail", "--junit", report)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout.splitlines()[-1], "8 passed, 12 failed")
        root = ET.parse(report).getroot()
        self.assertEqual(root.tag, "testsuites")
        self.assertEqual((root.get("tests"), root.get("failures")), ("20", "12"))
        suites = root.findall("testsuite")
        self.assertEqual([s.get("name") for s in suites], [
            "suites/pass/payment.test.json", "suites/pass/services.test.json",
            "suites/pass/wait.test.json", "suites/fail/mistakes.test.json"])
        self.assertEqual([(s.get("tests"), s.get("failures")) for s in suites],
                         [("4", "0"), ("2", "0"), ("1", "0"), ("13", "12")])
        cases = suites[3].findall("testcase")
        self.assertEqual(cases[0].get("name"), "right")
        self.assertIsNone(cases[0].find("failure"))
        failures = {c.get("name"): c.find("failure") for c in cases[1:]}
        self.assertEqual({n: f.get("message") for n, f in failures.items()}, FAIL_LINES)
        for c in root.iter("testcase"):
            self.assertIn(c.get("classname"), [s.get("name") for s in suites])
            self.assertGreaterEqual(float(c.get("time")), 0.0)

    def test_junit_escapes_names_and_messages(self):
        self.write("x/m.asl.json", {"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Result": "<b>&\"'\u00e9</b>", "End": True}}})
        self.write("x/x.test.json", {"definition": "m.asl.json", "tests": [
            {"name": "a <tag> & \"quotes\" 'too'", "expect": {"output": "plain"}}]})
        report = os.path.join(self.dir, "j.xml")
        p = self.stepfn(os.path.join(self.dir, "x"), "--junit", report)
        self.assertEqual(p.returncode, 1)
        case = ET.parse(report).getroot().find("testsuite/testcase")
        self.assertEqual(case.get("name"), "a <tag> & \"quotes\" 'too'")
        self.assertEqual(case.find("failure").get("message"),
                         'output differs at the root: expected "plain", got '
                         '"<b>&\\"\'\u00e9</b>"')

    # ---- refused before anything runs ----

    def test_bad_files_are_refused_with_pointers(self):
        for name, message in BAD_FILES.items():
            with self.subTest(name):
                p = self.stepfn("suites/bad/%s.test.json" % name)
                self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
                self.assertIn(message, p.stderr)
                self.assertEqual(p.stdout, "")

    def test_one_bad_file_stops_the_run(self):
        p = self.stepfn("suites/pass", "suites/bad/unknown-field.test.json")
        self.assertEqual(p.returncode, 3)
        self.assertEqual(p.stdout, "")

    def test_usage_errors(self):
        for args, message in [
            (["--frobnicate"], "unknown option '--frobnicate'"),
            (["--wait-scale", "fast"], "--wait-scale must be a number from 0 up"),
            (["--wait-scale", "-1"], "--wait-scale must be a number from 0 up"),
            (["--format", "xml"], "format"),
            (["no/such/folder"], "no/such/folder"),
            ([os.path.join(HERE, "machines")], "no *.test.json files under"),
            (["--junit"], "--junit"),
            (["--timeout", "0"], "--timeout must be a number of seconds above 0"),
        ]:
            with self.subTest(args):
                p = self.stepfn(*args)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertIn(message, p.stderr)
                self.assertEqual(p.stdout, "")
        p = self.stepfn("--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("usage: stepfn test", p.stdout)

    def test_default_is_the_tests_folder_and_hidden_folders_are_skipped(self):
        self.write("proj/m.asl.json", {"StartAt": "P", "States": {
            "P": {"Type": "Pass", "End": True}}})
        self.write("proj/tests/a.test.json", {"definition": "../m.asl.json"})
        self.write("proj/tests/sub/b.test.json", {"definition": "../../m.asl.json"})
        self.write("proj/tests/.hidden/c.test.json", {"definition": "nope.asl.json"})
        self.write("proj/tests/not-a-test.json", {"definition": "nope.asl.json"})
        p = self.stepfn(cwd=os.path.join(self.dir, "proj"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual([strip_time(l) for l in p.stdout.splitlines()],
                         ["PASS tests/a.test.json > a", "PASS tests/sub/b.test.json > b",
                          "2 passed, 0 failed"])
        # Without tests/, the current folder.
        p = self.stepfn(cwd=os.path.join(self.dir, "proj", "tests", "sub"))
        self.assertEqual([strip_time(l) for l in p.stdout.splitlines()],
                         ["PASS b.test.json > b", "1 passed, 0 failed"])

    def test_json_format(self):
        p = self.stepfn("suites/fail", "--format", "json", "--filter", "wrong error")
        self.assertEqual(p.returncode, 1)
        out = json.loads(p.stdout)
        self.assertEqual((out["passed"], out["failed"]), (0, 1))
        t = out["tests"][0]
        self.assertEqual((t["file"], t["name"], t["result"]),
                         ("suites/fail/mistakes.test.json", "wrong error", "FAIL"))
        self.assertEqual(t["failures"], [FAIL_LINES["wrong error"]])


class ReadmeExampleTest(unittest.TestCase):
    """README.md's "Test files: `stepfn test`" example, run as printed there."""

    def test_the_readme_example_runs_as_shown(self):
        with open(os.path.join(HERE, "..", "..", "README.md"), encoding="utf-8") as fh:
            text = fh.read()
        section = text[text.index("## Test files: `stepfn test`\n"):]
        section = section[:section.index("\n## ", 1)]
        files = re.findall(r"```json (\S+)\n(.*?)```", section, re.S)
        self.assertEqual([name for name, _ in files],
                         ["payment.asl.json", "mocks.json", "payment.test.json"])
        shown = re.search(r"```\n\$ stepfn test payment.test.json\n(.*?)```", section, re.S)
        with tempfile.TemporaryDirectory(prefix="stepfn-readme-") as d:
            for name, body in files:
                with open(os.path.join(d, name), "w", encoding="utf-8") as fh:
                    fh.write(body)
            p = subprocess.run([STEPFN, "test", "payment.test.json"], capture_output=True,
                               text=True, cwd=d, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual([strip_time(l) for l in p.stdout.splitlines()],
                         [strip_time(l) for l in shown.group(1).splitlines()])


def main():
    global STEPFN
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    STEPFN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)


if __name__ == "__main__":
    sys.exit(main())
