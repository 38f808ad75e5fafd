#!/usr/bin/env python3
"""End-to-end tests of the `stepfn` command line: exit statuses, stdout vs
stderr, the store on disk, and bad input that must never leave a half
execution behind.

usage: test_cli.py STEPFN_BINARY DEFINITIONS_DIR
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

STEPFN = None
DEFS = None

PASS_DEF = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
FAIL_DEF = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "it broke"}}}


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="stepfn-cli-")
        self.dir = self.tmp.name
        self.store = os.path.join(self.dir, "store")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, content):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(content if isinstance(content, str) else json.dumps(content))
        return path

    def stepfn(self, *args, stdin=None, store=True):
        cmd = [STEPFN, *args]
        if store:
            cmd += ["--store", self.store]
        return subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=60)

    def executions(self):
        root = os.path.join(self.store, "executions")
        return sorted(os.listdir(root)) if os.path.isdir(root) else []

    # ---- run ----

    def test_run_json_prints_one_describe_object(self):
        d = self.write("m.asl.json", PASS_DEF)
        p = self.stepfn("run", d, "--format", "json", "--name", "one", "--input", '{"x":1}')
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(out["status"], "SUCCEEDED")
        self.assertEqual(json.loads(out["output"]), {"ok": True})
        self.assertEqual(json.loads(out["input"]), {"x": 1})
        self.assertEqual(out["name"], "one")
        self.assertEqual(out["executionArn"], "arn:aws:states:us-east-1:123456789012:execution:m:one")
        self.assertEqual(out["stateMachineArn"], "arn:aws:states:us-east-1:123456789012:stateMachine:m")
        self.assertEqual(out["redriveCount"], 0)
        self.assertIn("startDate", out)
        self.assertIn("stopDate", out)
        self.assertEqual(p.stderr, "")

    def test_run_text_shows_status_and_pretty_output(self):
        d = self.write("m.json", PASS_DEF)
        p = self.stepfn("run", d, "--name", "t1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Execution t1 SUCCEEDED", p.stdout)
        self.assertIn('"ok": true', p.stdout)

    def test_failed_execution_exits_1_and_names_state_and_error(self):
        d = self.write("f.json", FAIL_DEF)
        p = self.stepfn("run", d, "--name", "f1")
        self.assertEqual(p.returncode, 1)
        self.assertIn("FAILED", p.stdout)
        self.assertIn("Failed in state: F", p.stdout)
        self.assertIn("Error: Boom", p.stdout)
        self.assertIn("Cause: it broke", p.stdout)

    def test_generated_name_is_a_uuid(self):
        d = self.write("m.json", PASS_DEF)
        p = self.stepfn("run", d, "--format", "json")
        name = json.loads(p.stdout)["name"]
        self.assertRegex(name, r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual(self.executions(), [name])

    def test_input_file_from_stdin(self):
        d = self.write("m.json", {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
        p = self.stepfn("run", d, "--input-file", "-", "--format", "json", stdin='[1, 2, "three"]')
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(json.loads(p.stdout)["output"]), [1, 2, "three"])

    def test_timeout_seconds_ends_timed_out(self):
        d = self.write("w.json", {"TimeoutSeconds": 1, "StartAt": "W",
                                  "States": {"W": {"Type": "Wait", "Seconds": 30, "End": True}}})
        t0 = time.monotonic()
        p = self.stepfn("run", d, "--format", "json", "--name", "slow")
        self.assertLess(time.monotonic() - t0, 10)
        self.assertEqual(p.returncode, 1)
        out = json.loads(p.stdout)
        self.assertEqual(out["status"], "TIMED_OUT")
        self.assertEqual(out["error"], "States.Timeout")
        events = json.loads(self.stepfn("history", "slow").stdout)["events"]
        self.assertEqual(events[-1]["type"], "ExecutionTimedOut")

    def test_sigterm_aborts_and_closes_history(self):
        d = self.write("w.json", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": True}}})
        proc = subprocess.Popen([STEPFN, "run", d, "--name", "ab", "--store", self.store,
                                 "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        hist = os.path.join(self.store, "executions", "ab", "history.jsonl")
        for _ in range(100):
            if os.path.exists(hist) and "WaitStateEntered" in open(hist).read():
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(json.loads(out)["status"], "ABORTED")
        events = json.loads(self.stepfn("history", "ab").stdout)["events"]
        self.assertEqual(events[-1]["type"], "ExecutionAborted")

    def test_output_over_256_kib_fails_with_data_limit_exceeded(self):
        d = self.write("big.json", {"StartAt": "Double", "States": {"Double": {
            "Type": "Pass", "Parameters": {"a.$": "$.blob", "b.$": "$.blob"}, "End": True}}})
        blob = "x" * (150 * 1024)  # fits the input limit; twice of it does not fit the output
        p = self.stepfn("run", d, "--format", "json", "--input-file", "-", stdin=json.dumps({"blob": blob}))
        self.assertEqual(p.returncode, 1, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(out["status"], "FAILED")
        self.assertEqual(out["error"], "States.DataLimitExceeded")
        self.assertIn("'Double'", out["cause"])

    def test_input_over_256_kib_is_refused(self):
        d = self.write("m.json", PASS_DEF)
        p = self.stepfn("run", d, "--input-file", "-", stdin=json.dumps({"blob": "x" * (257 * 1024)}))
        self.assertEqual(p.returncode, 2)
        self.assertIn("256 KiB", p.stderr)
        self.assertEqual(self.executions(), [])

    # ---- bad input: clear message, exit status, nothing written ----

    def test_invalid_input_json_is_usage_error_and_writes_nothing(self):
        d = self.write("m.json", PASS_DEF)
        p = self.stepfn("run", d, "--input", '{"a": ')
        self.assertEqual(p.returncode, 2)
        self.assertIn("not valid JSON", p.stderr)
        self.assertIn("line 1", p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual(self.executions(), [])

    def test_invalid_definition_json_reports_line_and_column(self):
        d = self.write("bad.json", '{\n  "StartAt": "A",\n  "States": {,}\n}')
        p = self.stepfn("run", d)
        self.assertEqual(p.returncode, 3)
        self.assertIn("line 3", p.stderr)
        self.assertIn("column", p.stderr)
        self.assertEqual(self.executions(), [])

    def test_invalid_definition_exit_3_with_pointer(self):
        d = self.write("m.json", {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}})
        p = self.stepfn("run", d)
        self.assertEqual(p.returncode, 3)
        self.assertIn("/States/A/Next", p.stderr)
        self.assertIn("Nope", p.stderr)
        self.assertEqual(self.executions(), [])

    def test_missing_definition_file(self):
        p = self.stepfn("run", os.path.join(self.dir, "absent.json"))
        self.assertEqual(p.returncode, 3)
        self.assertIn("absent.json", p.stderr)
        self.assertIn("No such file", p.stderr)

    def test_name_already_used_is_refused(self):
        d = self.write("m.json", PASS_DEF)
        self.assertEqual(self.stepfn("run", d, "--name", "dup").returncode, 0)
        p = self.stepfn("run", d, "--name", "dup")
        self.assertEqual(p.returncode, 2)
        self.assertIn("already exists", p.stderr)
        self.assertEqual(self.executions(), ["dup"])

    def test_invalid_name_is_usage_error(self):
        d = self.write("m.json", PASS_DEF)
        p = self.stepfn("run", d, "--name", "has space")
        self.assertEqual(p.returncode, 2)
        self.assertIn("invalid execution name", p.stderr)

    def test_unwritable_store_exits_4(self):
        d = self.write("m.json", PASS_DEF)
        p = subprocess.run([STEPFN, "run", d, "--store", "/dev/null/store"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 4)
        self.assertIn("/dev/null/store", p.stderr)

    def test_unknown_option_and_missing_argument(self):
        self.assertEqual(self.stepfn("run", "--bogus").returncode, 2)
        self.assertEqual(self.stepfn("run").returncode, 2)
        self.assertEqual(subprocess.run([STEPFN, "frobnicate"], capture_output=True).returncode, 2)
        p = subprocess.run([STEPFN, "run", "x.json", "--format", "yaml"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--format", p.stderr)

    def test_every_command_has_help(self):
        for cmd in ["run", "validate", "describe", "history", "list"]:
            p = subprocess.run([STEPFN, cmd, "--help"], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, cmd)
            self.assertIn("usage: stepfn " + cmd, p.stdout)
        p = subprocess.run([STEPFN, "--help"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertIn("validate", p.stdout)

    # ---- validate ----

    def test_validate_reports_each_file(self):
        good = self.write("good.json", PASS_DEF)
        bad = self.write("bad.json", {"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "End": True}}})
        p = subprocess.run([STEPFN, "validate", good, bad], capture_output=True, text=True)
        self.assertEqual(p.returncode, 3)
        self.assertIn(good + ": valid", p.stdout)
        self.assertIn(bad + ": invalid", p.stdout)
        self.assertIn("/StartAt", p.stderr)
        p = subprocess.run([STEPFN, "validate", good], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)

    def test_shipped_definitions_are_valid(self):
        files = [os.path.join(DEFS, f) for f in sorted(os.listdir(DEFS)) if f.endswith(".asl.json")]
        self.assertTrue(files)
        p = subprocess.run([STEPFN, "validate", *files], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)

    # ---- describe, history, list ----

    def test_describe_matches_run_output(self):
        d = self.write("m.json", PASS_DEF)
        ran = json.loads(self.stepfn("run", d, "--format", "json", "--name", "d1").stdout)
        p = self.stepfn("describe", "d1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), ran)

    def test_history_numbers_events_like_aws(self):
        d = self.write("m.json", PASS_DEF)
        self.stepfn("run", d, "--name", "h1")
        events = json.loads(self.stepfn("history", "h1").stdout)["events"]
        self.assertEqual([e["type"] for e in events],
                         ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"])
        self.assertEqual([e["id"] for e in events], [1, 2, 3, 4])
        self.assertEqual([e["previousEventId"] for e in events], [0, 0, 2, 3])  # as AWS records it
        self.assertEqual(events[1]["stateEnteredEventDetails"]["name"], "A")
        self.assertEqual(json.loads(events[2]["stateExitedEventDetails"]["output"]), {"ok": True})

    def test_describe_unknown_execution(self):
        p = self.stepfn("describe", "nope")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no execution named 'nope'", p.stderr)

    def test_list_newest_first(self):
        d = self.write("m.json", PASS_DEF)
        for name in ["first", "second", "third"]:
            self.stepfn("run", d, "--name", name)
            time.sleep(0.01)
        p = self.stepfn("list", "--format", "json")
        names = [e["name"] for e in json.loads(p.stdout)["executions"]]
        self.assertEqual(names, ["third", "second", "first"])
        text = self.stepfn("list").stdout.splitlines()
        self.assertTrue(text[0].startswith("third"))

    def test_list_empty_store(self):
        p = self.stepfn("list", "--format", "json")
        self.assertEqual(p.returncode, 0)
        self.assertEqual(json.loads(p.stdout), {"executions": []})

    def test_describe_ignores_torn_history_line(self):
        d = self.write("m.json", PASS_DEF)
        self.stepfn("run", d, "--name", "torn")
        hist = os.path.join(self.store, "executions", "torn", "history.jsonl")
        with open(hist, "rb") as fh:
            data = fh.read()
        with open(hist, "wb") as fh:
            fh.write(data[:-10])  # cut the final event mid-line, as a crash would
        p = self.stepfn("describe", "torn")
        self.assertEqual(p.returncode, 0)
        self.assertEqual(json.loads(p.stdout)["status"], "RUNNING")
        self.assertIn("torn", p.stderr)


if __name__ == "__main__":
    STEPFN = os.path.abspath(sys.argv.pop(1))
    DEFS = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
