#!/usr/bin/env python3
"""End-to-end tests of the limits a hostile input meets (README.md,
"Limits"; engine/limits.h): each just under and just over, through the
command line, with the exit status and the message or the error recorded.

Deep values are written as text ("[" * n), never built with the json module,
whose own recursion would stop first.

usage: test_limits.py STEPFN_BINARY
"""
import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest

STEPFN = None
DEPTH = 512          # SF_JSON_DEPTH_LIMIT
PAYLOAD = 256 * 1024  # SF_PAYLOAD_LIMIT_BYTES
DEFINITION = 1024 * 1024


def nested(n, inner="1"):
    return "[" * n + inner + "]" * n


def loop_def(wrap_state):
    """Wrap, then back to Wrap forever: each turn nests one level deeper."""
    return {"StartAt": "Wrap", "States": {
        "Wrap": dict(wrap_state, Next="Loop"),
        "Loop": {"Type": "Choice",
                 "Choices": [{"Variable": "$.never", "IsPresent": True, "Next": "Done"}],
                 "Default": "Wrap"},
        "Done": {"Type": "Succeed"}}}


def parallel_text(n):
    """n Parallel states, each the only state of the branch of the one before."""
    head = "".join('{"StartAt":"P%d","States":{"P%d":{"Type":"Parallel","End":true,"Branches":[' % (i, i)
                   for i in range(n))
    return head + '{"StartAt":"L","States":{"L":{"Type":"Pass","End":true}}}' + "]}}}" * n


def not_rules_text(n):
    rule = '{"Not":' * n + '{"Variable":"$.x","IsPresent":true}' + "}" * n
    rule = rule[:-1] + ',"Next":"D"}' if n else rule[:-1] + ',"Next":"D"}'
    return ('{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[%s],"Default":"D"},'
            '"D":{"Type":"Succeed"}}}' % rule)


class LimitsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="stepfn-limits-")
        self.dir = self.tmp.name
        self.store = os.path.join(self.dir, "store")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, content, mode=None):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(content if isinstance(content, str) else json.dumps(content))
        if mode:
            os.chmod(path, mode)
        return path

    def stepfn(self, *args):
        return subprocess.run([STEPFN, *args], capture_output=True, text=True, timeout=120,
                              cwd=self.dir)

    def run_def(self, definition, input_text="{}"):
        d = self.write("m.asl.json", definition)
        i = self.write("input.json", input_text)
        return self.stepfn("run", d, "--input-file", i, "--format", "json", "--store", self.store)

    def assert_fails(self, p, error, cause_part):
        self.assertEqual(p.returncode, 1, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(out["status"], "FAILED")
        self.assertEqual(out["error"], error)
        self.assertIn(cause_part, out["cause"])
        return out

    def assert_invalid(self, definition, message, pointer=None):
        d = self.write("m.asl.json", definition)
        p = self.stepfn("validate", d)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(message, p.stderr)
        if pointer is not None:
            self.assertIn(": error: %s: " % pointer, p.stderr)
        return p

    # ---- JSON depth: the execution input ----

    def test_input_nested_to_the_limit_runs(self):
        p = self.run_def({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                         nested(DEPTH))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["status"], "SUCCEEDED")

    def test_input_nested_one_level_more_is_refused(self):
        for depth in (DEPTH + 1, 100000):
            p = self.run_def({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                             nested(depth))
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("the input has objects and arrays nested deeper than 512 levels",
                          p.stderr)
            self.assertFalse(os.path.isdir(os.path.join(self.store, "executions"))
                             and os.listdir(os.path.join(self.store, "executions")))

    # ---- JSON depth: values a state builds ----

    def test_a_loop_that_nests_its_input_fails_at_the_limit(self):
        p = self.run_def(loop_def({"Type": "Pass", "Parameters": {"n.$": "$"}}))
        out = self.assert_fails(p, "States.DataLimitExceeded",
                                "The state/task 'Wrap' returned a result with objects and arrays "
                                "nested deeper than 512 levels")
        # Turn 512 nests {} 512 deep and passes; turn 513 fails.
        self.assertIn("entered at the event id #2046", out["cause"])

    def test_a_loop_that_nests_a_variable_fails_at_the_limit(self):
        d = loop_def({"Type": "Pass", "Assign": {"acc": {"n.$": "$acc"}}})
        d["StartAt"] = "Init"
        d["States"]["Init"] = {"Type": "Pass", "Assign": {"acc": {}}, "Next": "Wrap"}
        p = self.run_def(d)
        out = self.assert_fails(p, "States.DataLimitExceeded",
                                "The state 'Wrap' assigned a variable with objects and arrays "
                                "nested deeper than 512 levels")
        self.assertIn("entered at the event id #2048", out["cause"])

    def test_a_result_path_deeper_than_the_limit_fails(self):
        path = "$" + ".a" * DEPTH  # 512 steps: the result lands 513 deep
        p = self.run_def({"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Result": [], "ResultPath": path, "End": True}}})
        self.assert_fails(p, "States.DataLimitExceeded", "nested deeper than 512 levels")
        p = self.run_def({"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Result": 1, "ResultPath": path, "End": True}}})
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_a_branch_input_built_too_deep_fails_the_branch(self):
        d = {"StartAt": "P", "States": {"P": {
            "Type": "Parallel", "Parameters": {"x.$": "$"}, "End": True,
            "Branches": [{"StartAt": "B", "States": {
                "B": {"Type": "Pass", "OutputPath": "$.x[0]", "End": True}}}]}}}
        p = self.run_def(d, nested(DEPTH - 1))
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.run_def(d, nested(DEPTH))  # {"x": ...} is one level more
        self.assert_fails(p, "States.DataLimitExceeded",
                          "The input of the state 'B' has objects and arrays nested deeper than "
                          "512 levels")

    # ---- JSON depth: values read from outside ----

    def test_a_task_result_nested_too_deep_fails_the_task(self):
        for depth, ok in ((DEPTH, True), (DEPTH + 1, False), (5000, False)):
            prog = self.write("deep.py", "#!/usr/bin/env python3\nimport sys\nsys.stdin.read()\n"
                              "sys.stdout.write(%r)\n" % nested(depth), 0o755)
            p = self.run_def({"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": "exec:" + prog, "End": True}}})
            if ok:
                self.assertEqual(p.returncode, 0, p.stderr)
            else:
                self.assert_fails(p, "States.DataLimitExceeded",
                                  "wrote a result with objects and arrays nested deeper than 512 "
                                  "levels (the limit), the maximum depth of a JSON value.")

    def test_a_lambda_result_at_the_limit_is_too_deep_once_wrapped(self):
        prog = self.write("deep.py", "#!/usr/bin/env python3\nimport sys\nsys.stdin.read()\n"
                          "sys.stdout.write(%r)\n" % nested(DEPTH), 0o755)
        res = self.write("resources.json", {"fn": {"exec": [prog]}})
        d = self.write("m.asl.json", {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "fn", "Payload.$": "$"}, "End": True}}})
        p = self.stepfn("run", d, "--format", "json", "--store", self.store, "--resources", res)
        self.assert_fails(p, "States.DataLimitExceeded",
                          "The result of the task 'T' has objects and arrays nested deeper than "
                          "512 levels")

    def test_a_map_item_nested_too_deep_fails_the_reader(self):
        self.write("items.json", "[%s]" % nested(DEPTH + 1))
        d = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "End": True,
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                           "ReaderConfig": {"InputType": "JSON"},
                           "Parameters": {"Bucket": "b", "Key": "items.json"}},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                              "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}
        res = self.write("resources.json", {"s3://b": {"folder": "."}})
        dpath = self.write("m.asl.json", d)
        p = self.stepfn("run", dpath, "--format", "json", "--store", self.store,
                        "--resources", res)
        out = self.assert_fails(p, "States.ItemReaderFailed",
                                "objects and arrays nested deeper than 512 levels")

    def test_string_to_json_refuses_text_nested_too_deep(self):
        d = {"StartAt": "P", "States": {"P": {
            "Type": "Pass", "Parameters": {"v.$": "States.StringToJson($.s)"}, "End": True}}}
        p = self.run_def(d, json.dumps({"s": nested(DEPTH - 1)}))
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.run_def(d, json.dumps({"s": nested(DEPTH)}))  # {"v": ...} is one more
        self.assert_fails(p, "States.DataLimitExceeded", "nested deeper than 512 levels")
        p = self.run_def(d, json.dumps({"s": nested(DEPTH + 1)}))
        self.assert_fails(p, "States.Runtime",
                          "Invalid arguments in States.StringToJson: objects and arrays nested "
                          "deeper than 512 levels")

    # ---- Definitions ----

    def test_definition_nested_too_deep_names_where(self):
        # Each Parallel level is four JSON levels deep.
        self.assertEqual(self.stepfn("validate", self.write("ok.json", parallel_text(100)))
                         .returncode, 0)
        p = self.assert_invalid(parallel_text(130),
                                "objects and arrays nested deeper than 512 levels (the limit)")
        self.assertIn(": error: /States/P0/Branches/0/States/P1/Branches/0/", p.stderr)

    def test_definition_nested_past_the_parser_names_the_line(self):
        self.assert_invalid(parallel_text(10000),
                            "objects and arrays nested deeper than 512 levels (the limit) at "
                            "line 1, column")
        self.assert_invalid(not_rules_text(100000),
                            "objects and arrays nested deeper than 512 levels (the limit) at "
                            "line 1, column")

    def test_choice_rules_nest_to_the_depth_limit(self):
        # Not adds one level per rule: 500 run, 600 are refused.
        d = self.write("not.json", not_rules_text(500))
        p = self.stepfn("run", d, "--format", "json", "--store", self.store)
        self.assertEqual(p.returncode, 0, p.stderr)
        # The rule object is 5 levels deep, each Not one more: the 508th
        # Not holds the 513th level.
        self.assert_invalid(not_rules_text(600), "nested deeper than 512 levels",
                            "/States/C/Choices/0" + "/Not" * 508)

    def test_definition_over_1_mib_is_refused(self):
        head = '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,"Result":"'
        tail = '"}}}'
        fits = head + "x" * (DEFINITION - len(head) - len(tail)) + tail
        self.assertEqual(self.stepfn("validate", self.write("fits.json", fits)).returncode, 0)
        self.assert_invalid(head + "x" * (DEFINITION - len(head) - len(tail) + 1) + tail,
                            "the definition is 1048577 bytes; the limit is 1048576 (1 MiB)")

    def test_intrinsic_argument_count_is_checked_at_validation(self):
        ok = "States.Array(" + ", ".join(["1"] * 1000) + ")"
        over = "States.Format('x'" + ", 1" * 100000 + ")"
        d = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": ok},
                                              "End": True}}}
        self.assertEqual(self.stepfn("validate", self.write("ok.json", d)).returncode, 0)
        d["States"]["P"]["Parameters"]["a.$"] = over
        self.assert_invalid(d, "more than 1000 arguments in one call", "/States/P/Parameters/a.$")

    def test_intrinsic_nesting_is_checked_at_validation(self):
        expr = "States.Array(" * 10000 + "1" + ")" * 10000
        d = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": expr},
                                              "End": True}}}
        self.assert_invalid(d, "intrinsic functions are nested more than 10 deep",
                            "/States/P/Parameters/a.$")

    def test_jsonpath_nesting_is_checked_at_validation(self):
        path = "$" + "[?(@.a" * 10000 + ")]" * 10000
        d = {"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": path, "End": True}}}
        self.assert_invalid(d, "filter expressions nested more than 64 deep", "/States/P/InputPath")
        d["States"]["P"]["InputPath"] = "$" + ".a" * 513
        self.assert_invalid(d, "more than 512 steps in one path", "/States/P/InputPath")

    def test_a_path_that_would_visit_too_many_nodes_fails(self):
        doc = '{"a":' * 300 + "1" + "}" * 300
        d = {"StartAt": "P", "States": {"P": {
            "Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($..*..*)"}, "End": True}}}
        p = self.run_def(d, doc)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(json.loads(p.stdout)["output"]), {"n": 299 * 300 // 2})
        d["States"]["P"] = {"Type": "Pass", "OutputPath": "$..*..*..*..*..*", "End": True}
        p = self.run_def(d, doc)
        self.assert_fails(p, "States.Runtime",
                          "Invalid path '$..*..*..*..*..*' : it visits more than 10,000,000 "
                          "nodes (the limit)")
        d["States"]["P"] = {"Type": "Pass", "Parameters": {"x.$": "$..*..*..*..*..*"},
                            "End": True}
        p = self.run_def(d, doc)
        self.assert_fails(p, "States.Runtime",
                          "The JSONPath '$..*..*..*..*..*' specified for the field 'x.$' cannot "
                          "be evaluated: it visits more than 10,000,000 nodes (the limit)")

    # ---- Sizes ----

    def test_a_value_sharing_one_big_part_fails_without_being_written_out(self):
        # 1000 references to a 200 KiB input: 200 MB of text if written.
        args = ", ".join(["$.s"] * 999)
        d = {"StartAt": "P", "States": {"P": {
            "Type": "Pass", "Parameters": {"a.$": "States.Array(%s)" % args}, "End": True}}}
        p = self.run_def(d, json.dumps({"s": "x" * (200 * 1024)}))
        self.assert_fails(p, "States.DataLimitExceeded",
                          "returned a result with a size exceeding the maximum number of bytes")

    def test_a_task_input_over_the_payload_limit_fails_before_the_program_runs(self):
        marker = os.path.join(self.dir, "ran")
        prog = self.write("p.py", "#!/usr/bin/env python3\nopen(%r, 'w').close()\nprint('{}')\n"
                          % marker, 0o755)
        d = {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "exec:" + prog,
            "Parameters": {"a.$": "States.Array($.s, $.s)"}, "End": True}}}
        p = self.run_def(d, json.dumps({"s": "x" * (150 * 1024)}))
        self.assert_fails(p, "States.DataLimitExceeded",
                          "The input of the task 'T' has a size exceeding the maximum")
        self.assertFalse(os.path.exists(marker))

    def test_format_past_the_payload_limit_fails(self):
        d = {"StartAt": "P", "States": {"P": {
            "Type": "Pass",
            "Parameters": {"a.$": "States.Format('%s', %s)" % ("{}" * 300, ", ".join(["$.s"] * 300))},
            "End": True}}}
        p = self.run_def(d, json.dumps({"s": "x" * 1024}))
        self.assert_fails(p, "States.Runtime",
                          "The result of States.Format would be longer than 262144 bytes")

    def test_array_range_is_limited_to_1000_elements(self):
        d = {"StartAt": "P", "States": {"P": {
            "Type": "Pass", "Parameters": {"a.$": "States.ArrayRange(1, $.n, 1)"}, "End": True}}}
        p = self.run_def(d, '{"n": 1000}')
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.run_def(d, '{"n": 1001}')
        self.assert_fails(p, "States.Runtime", "States.ArrayRange")
        p = self.run_def(d, '{"n": 2000000000}')
        self.assert_fails(p, "States.Runtime", "States.ArrayRange")

    # ---- Matching ----

    def test_string_matches_is_fast_on_a_hostile_pattern(self):
        pattern = "*" + "a" * 100000 + "b"
        d = {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [
                {"Variable": "$.s", "StringMatches": pattern, "Next": "Y"}], "Default": "N"},
            "Y": {"Type": "Fail", "Error": "Matched"},
            "N": {"Type": "Succeed"}}}
        p = self.run_def(d, json.dumps({"s": "a" * 200000}))
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_limits.py STEPFN_BINARY")
    STEPFN = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
