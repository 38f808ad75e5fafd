#!/usr/bin/env python3
"""End-to-end tests of what a hostile probe of the command line found:
hand-made history lines with valid checksums, executions that never stop
growing their history, resource maps that say one thing and run another,
names that look like options, and store entries that are files.

Each test checks the message (it names the file, line, key or path at
fault) and the exit status.

usage: test_probe.py STEPFN_BINARY STEPS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest
import zlib

STEPFN = None
STEPS = None

PASS_DEF = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
FAIL_DEF = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "it broke"}}}


def seal(event):
    """One history line for event, with the checksum history.c computes: the
    CRC-32 of every byte of the line before its `,"crc"` member."""
    body = json.dumps(event, separators=(",", ":"))[:-1]
    return '%s,"crc":"%08x"}\n' % (body, zlib.crc32(body.encode()))


class ProbeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="stepfn-probe-")
        self.dir = self.tmp.name
        self.store = os.path.join(self.dir, "store")
        self.cwd = os.getcwd()

    def tearDown(self):
        os.chdir(self.cwd)
        self.tmp.cleanup()

    def write(self, name, content):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(content if isinstance(content, str) else json.dumps(content))
        return path

    def stepfn(self, *args, env=None, timeout=120, store=True):
        full_env = dict(os.environ)
        full_env.pop("STEPFN_MAX_HISTORY_EVENTS", None)
        full_env.update(env or {})
        # --store right after the command: the tests put `--` last.
        cmd = [STEPFN, args[0]] + (["--store", self.store] if store else []) + list(args[1:])
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env)

    def history_path(self, name):
        return os.path.join(self.store, "executions", name, "history.jsonl")

    def lines(self, name):
        with open(self.history_path(name), encoding="utf-8") as fh:
            return fh.readlines()

    def events(self, name):
        p = self.stepfn("history", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)["events"]

    # ---- hostile history lines (item: every reader bounds what an event costs) ----

    def run_then_tamper(self, definition, name, keep, extra):
        """Run definition as name, keep the first `keep` history lines (all
        when None) and append the hand-made events in extra, sealed."""
        d = self.write(name + ".json", definition)
        self.stepfn("run", d, "--name", name)
        lines = self.lines(name)
        kept = lines if keep is None else lines[:keep]
        with open(self.history_path(name), "w", encoding="utf-8") as fh:
            fh.writelines(kept + [seal(e) for e in extra])
        return len(kept)

    def hostile(self, id_, prev, type_="PassStateEntered"):
        return {"id": id_, "previousEventId": prev, "timestamp": "2026-01-01T00:00:00.000Z",
                "type": type_, "stateEnteredEventDetails": {"name": "A", "input": "{}"}}

    def test_graph_execution_with_huge_event_id_drops_the_line(self):
        n = self.run_then_tamper(PASS_DEF, "huge", None, [self.hostile(2 ** 62, 4)])
        p = self.stepfn("graph", "--execution", "huge")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("digraph", p.stdout)
        self.assertIn("%s:%d: event id %d out of sequence (expected 5); line ignored"
                      % (self.history_path("huge"), n + 1, 2 ** 62), p.stderr)

    def test_graph_execution_with_ids_in_the_millions_allocates_nothing_for_them(self):
        extra = [self.hostile(5_000_000 + k, 4) for k in range(3)]
        self.run_then_tamper(PASS_DEF, "millions", None, extra)
        p = self.stepfn("graph", "--execution", "millions")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("ignored 3 torn, corrupted or out-of-sequence history line(s)", p.stderr)

    def test_describe_drops_negative_id(self):
        n = self.run_then_tamper(PASS_DEF, "neg", 3, [self.hostile(-7, 0)])
        p = self.stepfn("describe", "neg", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["status"], "RUNNING")
        self.assertIn("%s:%d: event id -7 out of sequence (expected 4); line ignored"
                      % (self.history_path("neg"), n + 1), p.stderr)

    def test_history_drops_ids_out_of_order(self):
        # A repeated id, then one that skips ahead of its line number.
        n = self.run_then_tamper(PASS_DEF, "order", 3, [self.hostile(2, 1), self.hostile(9, 3)])
        p = self.stepfn("history", "order")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([e["id"] for e in json.loads(p.stdout)["events"]], [1, 2, 3])
        self.assertIn(":%d: event id 2 out of sequence (expected 4)" % (n + 1), p.stderr)
        self.assertIn(":%d: event id 9 out of sequence (expected 4)" % (n + 2), p.stderr)

    def test_history_drops_previous_event_id_pointing_forward(self):
        n = self.run_then_tamper(PASS_DEF, "fwd", 3, [self.hostile(4, 40)])
        p = self.stepfn("history", "fwd")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("%s:%d: previousEventId 40 does not name an event before id 4; line ignored"
                      % (self.history_path("fwd"), n + 1), p.stderr)
        self.assertEqual(len(json.loads(p.stdout)["events"]), 3)

    def test_a_flood_of_bad_lines_prints_ten_warnings_and_a_count(self):
        self.run_then_tamper(PASS_DEF, "flood", None, [self.hostile(-k, 0) for k in range(1, 51)])
        p = self.stepfn("describe", "flood")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr.count("line ignored"), 10)
        self.assertIn("40 more bad line(s) ignored", p.stderr)

    # A hostile line is a change made after the history was written: resume
    # and replay name it and refuse (tests/hostile has the other edits).
    def test_resume_refuses_a_history_with_a_hostile_line(self):
        # Cut after PassStateEntered: the execution looks cut off by a crash.
        self.run_then_tamper(PASS_DEF, "res", 2, [self.hostile(10 ** 12, 1)])
        before = self.events("res")
        p = self.stepfn("resume", "res", "--format", "json")
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("event id 1000000000000 out of sequence (expected 3)", p.stderr)
        self.assertIn("the history is damaged", p.stderr)
        self.assertEqual(self.events("res"), before)

    def test_replay_refuses_a_history_with_a_hostile_line(self):
        self.run_then_tamper(FAIL_DEF, "rep", None, [self.hostile(-1, -1)])
        before = self.events("rep")
        p = self.stepfn("replay", "rep", "--format", "json")
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("event id -1 out of sequence (expected 4)", p.stderr)
        self.assertIn("the history is damaged", p.stderr)
        self.assertEqual(self.events("rep"), before)

    # ---- the history limit ----

    LOOP_DEF = {"StartAt": "L", "States": {
        "L": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "L"}],
              "Default": "D"},
        "D": {"Type": "Succeed"}}}

    def assert_failed_at_limit(self, name, limit, p):
        """p ran execution name, which must have failed at its history limit:
        exit 1, exactly `limit` events, ExecutionFailed last and consecutive
        ids, and describe showing the error."""
        self.assertEqual(p.returncode, 1, p.stderr)
        events = self.events(name)
        self.assertEqual(len(events), limit)
        self.assertEqual([e["id"] for e in events], list(range(1, limit + 1)))
        last = events[-1]
        self.assertEqual(last["type"], "ExecutionFailed")
        self.assertEqual(last["previousEventId"], limit - 1)
        details = last["executionFailedEventDetails"]
        self.assertEqual(details["error"], "States.Runtime")
        self.assertEqual(details["cause"],
                         "The execution reached the maximum number of history events (%d); its "
                         "last event is this failure. Raise the limit with --max-history-events "
                         "or STEPFN_MAX_HISTORY_EVENTS." % limit)
        d = self.stepfn("describe", name, "--format", "json")
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertEqual(d.stderr, "")
        out = json.loads(d.stdout)
        self.assertEqual((out["status"], out["error"]), ("FAILED", "States.Runtime"))
        return events

    def test_self_looping_choice_fails_at_the_default_25000_events(self):
        d = self.write("loop.json", self.LOOP_DEF)
        p = self.stepfn("run", d, "--name", "loop", "--input", '{"x":1}', "--format", "json")
        self.assert_failed_at_limit("loop", 25000, p)
        self.assertEqual(json.loads(p.stdout)["error"], "States.Runtime")

    def test_limit_from_the_option_and_from_the_environment(self):
        d = self.write("loop.json", self.LOOP_DEF)
        p = self.stepfn("run", d, "--name", "opt", "--input", '{"x":1}',
                        "--max-history-events", "50")
        self.assert_failed_at_limit("opt", 50, p)
        p = self.stepfn("run", d, "--name", "env", "--input", '{"x":1}',
                        env={"STEPFN_MAX_HISTORY_EVENTS": "40"})
        self.assert_failed_at_limit("env", 40, p)
        # The option wins over the environment.
        p = self.stepfn("run", d, "--name", "both", "--input", '{"x":1}',
                        "--max-history-events=30", env={"STEPFN_MAX_HISTORY_EVENTS": "40"})
        self.assert_failed_at_limit("both", 30, p)

    def test_bad_limits_are_usage_errors(self):
        d = self.write("m.json", PASS_DEF)
        for bad in ["0", "2", "-5", "ten", "12x", ""]:
            p = self.stepfn("run", d, "--max-history-events", bad)
            self.assertEqual(p.returncode, 2, bad)
            self.assertIn("stepfn run: --max-history-events must be a whole number of events "
                          "from 3 up, not '%s'" % bad if bad else "", p.stderr)
        p = self.stepfn("run", d, env={"STEPFN_MAX_HISTORY_EVENTS": "lots"})
        self.assertEqual(p.returncode, 2)
        self.assertIn("$STEPFN_MAX_HISTORY_EVENTS must be a whole number of events from 3 up, "
                      "not 'lots'", p.stderr)
        self.assertFalse(os.path.isdir(os.path.join(self.store, "executions")))

    def test_a_run_within_the_limit_is_untouched(self):
        d = self.write("m.json", PASS_DEF)
        p = self.stepfn("run", d, "--name", "fits", "--max-history-events", "4")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.events("fits")), 4)

    def test_task_whose_catch_leads_back_to_itself(self):
        d = self.write("catch.json", {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "exec:" + os.path.join(STEPS, "step_fail_plain"),
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "T"}], "End": True}}})
        p = self.stepfn("run", d, "--name", "catch", "--max-history-events", "60")
        events = self.assert_failed_at_limit("catch", 60, p)
        self.assertIn("TaskFailed", [e["type"] for e in events])

    def test_task_that_loops_to_itself_through_an_echo_program(self):
        d = self.write("echo.json", {"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "exec:" + os.path.join(STEPS, "step_echo"),
                  "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 2,
                                                 "Next": "D"}], "Default": "T"},
            "D": {"Type": "Succeed"}}})
        p = self.stepfn("run", d, "--name", "echo", "--input", '{"x":1}',
                        "--max-history-events", "45")
        self.assert_failed_at_limit("echo", 45, p)

    def test_map_iterations_share_the_execution_history(self):
        d = self.write("map.json", {"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.items", "End": True,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}})
        inp = json.dumps({"items": list(range(2000))})
        p = self.stepfn("run", d, "--name", "map", "--input", inp, "--max-history-events", "500")
        events = self.assert_failed_at_limit("map", 500, p)
        self.assertIn("MapIterationStarted", [e["type"] for e in events])
        # The same Map fits under the default limit.
        p = self.stepfn("run", d, "--name", "map-fits", "--input", inp)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_parallel_branches_share_the_execution_history(self):
        def branch(k):
            return {"StartAt": "L%d" % k, "States": {"L%d" % k: {
                "Type": "Choice", "Default": "L%d" % k,
                "Choices": [{"Variable": "$.x", "NumericEquals": 2, "Next": "D%d" % k}]},
                "D%d" % k: {"Type": "Succeed"}}}
        d = self.write("par.json", {"StartAt": "P", "States": {"P": {
            "Type": "Parallel", "Branches": [branch(1), branch(2)], "End": True}}})
        p = self.stepfn("run", d, "--name", "par", "--input", '{"x":1}',
                        "--max-history-events", "80")
        self.assert_failed_at_limit("par", 80, p)

    def test_replay_of_an_execution_that_hit_the_limit(self):
        d = self.write("loop.json", self.LOOP_DEF)
        self.stepfn("run", d, "--name", "again", "--input", '{"x":1}', "--max-history-events", "100")
        # The limit it ran with is kept: no room for a redrive.
        p = self.stepfn("replay", "again")
        self.assertEqual(p.returncode, 2)
        self.assertIn("stepfn replay: again has 100 history events; a redrive needs room for 2 "
                      "more under the limit of 100 events (raise it with --max-history-events)",
                      p.stderr)
        self.assertEqual(len(self.events("again")), 100)
        # With a higher limit the redrive's events share it with the old ones.
        p = self.stepfn("replay", "again", "--max-history-events", "250", "--format", "json")
        events = self.assert_failed_at_limit("again", 250, p)
        self.assertEqual(events[100]["type"], "ExecutionRedriven")
        self.assertEqual(json.loads(p.stdout)["redriveCount"], 1)

    def test_resume_keeps_the_limit_the_execution_ran_with(self):
        d = self.write("loop.json", self.LOOP_DEF)
        self.stepfn("run", d, "--name", "cut", "--input", '{"x":1}', "--max-history-events", "70")
        # Cut the failure off: the history now looks like a crash at event 69.
        lines = self.lines("cut")
        with open(self.history_path("cut"), "w", encoding="utf-8") as fh:
            fh.writelines(lines[:-1])
        p = self.stepfn("resume", "cut")
        self.assert_failed_at_limit("cut", 70, p)

    # ---- sizes that were quadratic ----

    DEFINITION_LIMIT = 1024 * 1024  # bytes, AWS's (README: Limits)

    def largest_chain(self, name, make_state):
        """The longest chain of states make_state(i, last) whose compact
        definition still fits the definition size limit: (path, count)."""
        def build(n):
            states = {}
            for i in range(n):
                states.update(make_state(i, i == n - 1))
            return json.dumps({"StartAt": next(iter(states)), "States": states},
                              separators=(",", ":"))
        n = 1000
        while len(build(n * 2)) <= self.DEFINITION_LIMIT:
            n *= 2
        low, high = n, n * 2  # build(low) fits, build(high) does not
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (mid, high) if len(build(mid)) <= self.DEFINITION_LIMIT else (low, mid)
        return self.write(name, build(low)), low

    @staticmethod
    def pass_state(i, last):
        return {"S%d" % i: {"Type": "Pass", "End": True} if last else
                {"Type": "Pass", "Next": "S%d" % (i + 1)}}

    def test_the_longest_chain_that_fits_validates(self):
        # Once quadratic (200,000 states took minutes); a hash table per
        # machine now. About 26,000 states fit in 1 MiB.
        d, n = self.largest_chain("chain.json", self.pass_state)
        self.assertGreater(n, 20000)
        p = self.stepfn("validate", d, timeout=240, store=False)
        self.assertEqual(p.returncode, 0, p.stderr[:500])
        self.assertEqual(p.stdout.strip(), d + ": valid")

    def test_200000_chained_states_are_refused_for_their_size(self):
        n = 200000
        states = {"S%d" % i: {"Type": "Pass", "Next": "S%d" % (i + 1)} for i in range(n - 1)}
        states["S%d" % (n - 1)] = {"Type": "Pass", "End": True}
        d = self.write("chain.json", {"StartAt": "S0", "States": states})
        p = self.stepfn("validate", d, timeout=240, store=False)
        self.assertEqual(p.returncode, 3, p.stderr[:500])
        self.assertIn("the limit is 1048576 (1 MiB)", p.stderr)

    def test_the_longest_chains_that_fit_are_drawn(self):
        # graph's model was quadratic too, and searched depth-first by
        # recursion, as deep as the chain is long.
        d, n = self.largest_chain("chain.json", self.pass_state)
        p = self.stepfn("graph", d, timeout=240, store=False)
        self.assertEqual(p.returncode, 0, p.stderr[:500])
        self.assertEqual(p.stdout.count("label=<<B>S"), n)

        def parallel(i, last):
            state = {"Type": "Parallel", "Branches": [
                {"StartAt": "B%d" % i, "States": {"B%d" % i: {"Type": "Pass", "End": True}}}]}
            state.update({"End": True} if last else {"Next": "P%d" % (i + 1)})
            return {"P%d" % i: state}
        d, n = self.largest_chain("par.json", parallel)
        self.assertGreater(n, 5000)
        p = self.stepfn("graph", d, timeout=240, store=False)
        self.assertEqual(p.returncode, 0, p.stderr[:500])
        self.assertEqual(p.stdout.count("subgraph cluster_n"), 2 * n)

    def test_unreachable_and_missing_states_still_found_in_a_long_chain(self):
        n = 5000
        states = {"S%d" % i: {"Type": "Pass", "Next": "S%d" % (i + 1)} for i in range(n - 1)}
        states["S%d" % (n - 1)] = {"Type": "Pass", "Next": "Nowhere"}
        states["Island"] = {"Type": "Succeed"}
        d = self.write("chain.json", {"StartAt": "S0", "States": states})
        p = self.stepfn("validate", d, store=False)
        self.assertEqual(p.returncode, 3)
        self.assertIn("/States/S4999/Next: State 'S4999': Next names 'Nowhere', which is not a "
                      "state of this state machine", p.stdout + p.stderr)
        self.assertIn("/States/Island: State 'Island' is not reachable from StartAt 'S0'",
                      p.stdout + p.stderr)

    def task_with_map(self, entry):
        m = self.write("map.json", {"fn": entry})
        d = self.write("task.json", {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fn",
            "End": True}}})
        return d, m

    def test_an_environment_of_10000_variables_reaches_the_program(self):
        env = {"V%d" % i: "value%d" % i for i in range(10000)}
        env["HOME"] = "/from/the/map"  # the map's value wins over stepfn's
        d, m = self.task_with_map({"exec": [os.path.join(STEPS, "step_inspect")], "env": env})
        p = self.stepfn("run", d, "--resources", m, "--format", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        seen = json.loads(json.loads(p.stdout)["output"])["env"]
        self.assertEqual(seen["V0"], "value0")
        self.assertEqual(seen["V9999"], "value9999")
        self.assertEqual(seen["HOME"], "/from/the/map")
        self.assertEqual(len([k for k in seen if k.startswith("V")]), 10000)

    # ---- resource maps that say one thing and would run another ----

    def assert_map_refused(self, map_text, message):
        m = self.write("map.json", map_text)
        d = self.write("task.json", {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fn",
            "End": True}}})
        p = self.stepfn("run", d, "--resources", m)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stderr, "stepfn run: %s: %s\n" % (m, message))
        self.assertFalse(os.path.isdir(os.path.join(self.store, "executions")))

    def test_nul_in_a_resource_map_string_is_refused_naming_entry_and_field(self):
        cut = "contains a NUL character (\\u0000), which would cut it short there; remove it"
        self.assert_map_refused('{"fn": {"exec": ["/bin/true", "a\\u0000b"]}}',
                                "at /fn/exec/1: \"exec\" argv[1] of entry 'fn' " + cut)
        self.assert_map_refused('{"fn": {"exec": "/bin/true\\u0000x"}}',
                                "at /fn/exec/0: \"exec\" argv[0] of entry 'fn' " + cut)
        self.assert_map_refused('{"fn": {"exec": ["/bin/true"], "env": {"A": "x\\u0000y"}}}',
                                "at /fn/env/A: the \"env\" value 'A' of entry 'fn' " + cut)
        self.assert_map_refused('{"fn": {"url": "http://127.0.0.1:9/\\u0000x"}}',
                                "at /fn/url: \"url\" of entry 'fn' " + cut)
        self.assert_map_refused('{"fn": {"exec": ["/bin/true"], "env": {"A\\u0000B": "x"}}}',
                                "line 1, column 49: the key \"A\\u0000B\" " + cut)

    def test_duplicate_keys_in_a_resource_map_are_refused(self):
        self.assert_map_refused('{"fn": {"exec": ["/bin/true"]},\n "fn": {"exec": ["/bin/false"]}}',
                                'line 2, column 5: the key "fn" appears twice in the same object '
                                'of the resource map; give each key once')
        self.assert_map_refused('{"fn": {"exec": ["/bin/true"], "env": {"A": "1", "A": "2"}}}',
                                'line 1, column 52: the key "A" appears twice in the same object '
                                'of the resource map; give each key once')

    # ---- names that look like options ----

    def test_an_execution_named_like_an_option_is_reached_after_double_dash(self):
        d = self.write("-m.json", PASS_DEF)
        os.chdir(self.dir)
        p = self.stepfn("run", "--name", "-x", "--", "-m.json")
        self.assertEqual(p.returncode, 0, p.stderr)
        # Without `--` it is an unknown option, as before.
        p = self.stepfn("describe", "-x")
        self.assertEqual(p.returncode, 2)
        self.assertIn("stepfn describe: unknown option '-x'", p.stderr)
        p = self.stepfn("describe", "--", "-x")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["name"], "-x")
        p = self.stepfn("describe", "--format", "text", "--", "-x")
        self.assertIn("Execution -x SUCCEEDED", p.stdout)
        p = self.stepfn("history", "--", "-x")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(json.loads(p.stdout)["events"]), 4)
        p = self.stepfn("graph", "--execution", "-x")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.stepfn("validate", "--", "-m.json", store=False)
        self.assertEqual((p.returncode, p.stdout), (0, "-m.json: valid\n"))
        p = self.stepfn("graph", "--", "-m.json", store=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.stepfn("replay", "--", "-x")
        self.assertEqual(p.returncode, 2)
        self.assertIn("stepfn replay: -x SUCCEEDED; only a FAILED", p.stderr)
        p = self.stepfn("resume", "--", "-x")
        self.assertEqual(p.returncode, 2)
        self.assertIn("stepfn resume: -x is SUCCEEDED", p.stderr)
        # After `--` nothing is an option, --help included.
        p = self.stepfn("describe", "--", "--help")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no execution named '--help'", p.stderr)

    def test_every_command_documents_double_dash(self):
        for cmd in ["run", "validate", "describe", "history", "graph", "replay", "resume"]:
            p = self.stepfn(cmd, "--help", store=False)
            self.assertEqual(p.returncode, 0, cmd)
            self.assertIn("  --                  end of options", p.stdout, cmd)

    # ---- store entries that are files ----

    FIX = " (move it away, or give --store another folder)"

    def assert_every_command_says(self, name, message):
        """Every command that touches the store, and execution `name`,
        exits 4 with `message` (the path and what is wrong) on stderr."""
        d = self.write("m.json", PASS_DEF)
        calls = [["run", d, "--name", name], ["describe", name], ["history", name],
                 ["graph", "--execution", name], ["replay", name], ["resume", name], ["list"],
                 ["resume"]]
        for args in calls:
            p = self.stepfn(*args)
            self.assertEqual(p.returncode, 4, (args, p.stderr))
            self.assertRegex(p.stderr, "^stepfn( [a-z]+)?: ", args)
            self.assertEqual(p.stderr.count(message + self.FIX + "\n"), 1, (args, p.stderr))
            self.assertEqual(len(p.stderr.splitlines()), 1, (args, p.stderr))

    def test_a_store_that_is_a_file(self):
        with open(self.store, "w") as fh:
            fh.write("not a store")
        self.assert_every_command_says(
            "x", "%s is a regular file, not a folder: the store must be a folder" % self.store)

    def test_an_executions_folder_that_is_a_file(self):
        os.makedirs(self.store)
        open(os.path.join(self.store, "executions"), "w").close()
        self.assert_every_command_says(
            "x", "%s/executions is a regular file, not a folder: the store keeps its executions "
            "in a folder of that name" % self.store)

    def test_an_execution_folder_that_is_a_file(self):
        d = self.write("m.json", PASS_DEF)
        self.assertEqual(self.stepfn("run", d, "--name", "good").returncode, 0)
        open(os.path.join(self.store, "executions", "x"), "w").close()
        self.assert_every_command_says(
            "x", "%s/executions/x is a regular file, not a folder: the store keeps execution 'x' "
            "in a folder of that name" % self.store)
        # The good execution is still listed, and still readable.
        p = self.stepfn("list", "--format", "json")
        self.assertEqual([e["name"] for e in json.loads(p.stdout)["executions"]], ["good"])
        self.assertEqual(self.stepfn("describe", "good").returncode, 0)


if __name__ == "__main__":
    STEPFN = os.path.abspath(sys.argv.pop(1))
    STEPS = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
