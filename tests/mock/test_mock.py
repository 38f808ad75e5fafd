#!/usr/bin/env python3
"""End-to-end tests of test mode on `stepfn run`: mocked Task responses read
from Step Functions Local's MockConfigFile (--mock-config, --test-case,
$SFN_MOCK_CONFIG, --state-machine-name) and scaled time (--wait-scale,
--timeout-scale). Every run is a real `stepfn` process on a real store; the
history it writes is read back and checked event by event.

usage: test_mock.py STEPFN_BINARY STEP_PROGRAMS_DIR
"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

STEPFN = None
STEPS = None
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")


def task(resource, **fields):
    return dict({"Type": "Task", "Resource": resource}, **fields)


class MockTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="stepfn-mock-")
        self.dir = self.tmp.name
        self.store = os.path.join(self.dir, "store")

    def tearDown(self):
        self.tmp.cleanup()

    # ---- helpers ----

    def write(self, name, value):
        path = os.path.join(self.dir, name)
        with open(path, "w") as fh:
            fh.write(value if isinstance(value, str) else json.dumps(value))
        return path

    def stepfn(self, *args, env=None, timeout=60):
        full_env = dict(os.environ)
        full_env.pop("SFN_MOCK_CONFIG", None)
        full_env.update(env or {})
        return subprocess.run([STEPFN, *args], cwd=self.dir, capture_output=True, text=True,
                              env=full_env, timeout=timeout)

    def run_json(self, definition, *args, name="e", expect_exit=None, **kw):
        proc = self.stepfn("run", definition, "--store", self.store, "--name", name,
                           "--format", "json", *args, **kw)
        if expect_exit is not None:
            self.assertEqual(proc.returncode, expect_exit, proc.stderr)
        self.assertNotIn("Sanitizer", proc.stderr)
        return (json.loads(proc.stdout) if proc.stdout else None), proc

    def events(self, name="e"):
        proc = self.stepfn("history", name, "--store", self.store)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout)["events"]

    def details(self, event):
        return next((v for k, v in event.items() if k.endswith("EventDetails")), {})

    def of_type(self, events, kind):
        return [e for e in events if e["type"] == kind]

    def machine(self, states, start=None, name="machine.asl.json"):
        return self.write(name, {"StartAt": start or next(iter(states)), "States": states})

    def mocks(self, cases, responses, machine="machine", name="mocks.json"):
        return self.write(name, {"StateMachines": {machine: {"TestCases": cases}},
                                 "MockedResponses": responses})

    # ---- Amazon's example, unchanged ----

    def fixture_run(self, case, name="e", **kw):
        for f in os.listdir(FIXTURES):
            shutil.copy(os.path.join(FIXTURES, f), self.dir)
        return self.run_json("LambdaSQSIntegration.asl.json", "--mock-config", "MockConfigFile.json",
                             "--test-case", case, "--wait-scale", "0", name=name, **kw)

    def test_happy_path_mocks_lambda_and_sqs(self):
        out, proc = self.fixture_run("HappyPath", expect_exit=0)
        self.assertEqual(out["status"], "SUCCEEDED")
        self.assertEqual(json.loads(out["output"])["MessageId"], "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51")
        # a mocked state needs no resource map and draws no warning
        self.assertEqual(proc.stderr, "")
        events = self.events()
        self.assertEqual([e["type"] for e in events if e["type"].startswith("Task")],
                         ["TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded",
                          "TaskStateExited"] * 2)
        sched = [self.details(e) for e in self.of_type(events, "TaskScheduled")]
        self.assertEqual([(d["resourceType"], d["resource"]) for d in sched],
                         [("lambda", "invoke"), ("sqs", "sendMessage")])
        # the parameters are the state's effective input, as for a real call
        self.assertEqual(json.loads(sched[0]["parameters"]),
                         {"Payload": {}, "FunctionName": "HelloWorldFunction"})
        lam = json.loads(self.details(self.of_type(events, "TaskSucceeded")[0])["output"])
        self.assertEqual(lam, {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}})

    def test_retry_path_answers_each_attempt_by_its_number(self):
        out, _ = self.fixture_run("RetryPath", expect_exit=0)
        self.assertEqual(out["status"], "SUCCEEDED")
        events = self.events()
        failed = [self.details(e)["error"] for e in self.of_type(events, "TaskFailed")]
        self.assertEqual(failed, ["Lambda.ResourceNotReadyException", "Lambda.TimeoutException",
                                  "Lambda.TimeoutException"])
        self.assertEqual(len(self.of_type(events, "TaskScheduled")), 5)  # 4 Lambda attempts + SQS
        self.assertEqual(self.details(self.of_type(events, "TaskFailed")[0])["cause"],
                         "Lambda resource is not ready.")

    def test_hybrid_path_runs_unmocked_states_for_real(self):
        # SQSState is not mocked: stepfn calls SQS for real, which needs
        # credentials; with none (an empty HOME, no AWS_* variables) it
        # fails as it starts, and no request leaves the machine.
        home = os.path.join(self.dir, "home")
        os.makedirs(home, exist_ok=True)
        no_aws = {"HOME": home, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
                  "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
                  "AWS_SHARED_CREDENTIALS_FILE": "", "AWS_CONFIG_FILE": ""}
        out, proc = self.fixture_run("HybridPath", expect_exit=1, env=no_aws)
        self.assertEqual(out["status"], "FAILED")
        self.assertEqual(out["error"], "States.TaskFailed")
        self.assertIn("no AWS credentials found", out["cause"])
        self.assertIn("(or mock the state 'SQSState' in a --mock-config test case)", out["cause"])
        self.assertNotIn("warning: /States/SQSState/Resource", proc.stderr)
        self.assertEqual(len(self.of_type(self.events(), "TaskStartFailed")), 1)

    def test_environment_variable_names_the_file(self):
        for f in os.listdir(FIXTURES):
            shutil.copy(os.path.join(FIXTURES, f), self.dir)
        out, _ = self.run_json("LambdaSQSIntegration.asl.json", "--test-case", "HappyPath",
                               env={"SFN_MOCK_CONFIG": os.path.join(self.dir, "MockConfigFile.json")},
                               expect_exit=0)
        self.assertEqual(out["status"], "SUCCEEDED")

    def test_state_machine_name_option(self):
        defn = self.machine({"Call": task("arn:aws:states:::dynamodb:putItem", End=True)},
                            name="orders-v2.asl.json")
        self.mocks({"Ok": {"Call": "Put"}}, {"Put": {"0": {"Return": {"SdkHttpMetadata": {"HttpStatusCode": 200}}}}},
                   machine="Orders")
        _, proc = self.run_json(defn, "--mock-config", "mocks.json", "--test-case", "Ok", expect_exit=2)
        self.assertIn("no state machine 'orders-v2' in StateMachines (it has 'Orders')", proc.stderr)
        self.assertIn("--state-machine-name", proc.stderr)
        out, _ = self.run_json(defn, "--mock-config", "mocks.json", "--test-case", "Ok",
                               "--state-machine-name", "Orders", name="e2", expect_exit=0)
        self.assertEqual(out["stateMachineArn"], "arn:aws:states:us-east-1:123456789012:stateMachine:Orders")

    # ---- responses by invocation ----

    def test_ranges_with_retry_and_last_response_repeats(self):
        defn = self.machine({"Call": task("arn:aws:states:::lambda:invoke",
                                          Parameters={"FunctionName": "f"},
                                          Retry=[{"ErrorEquals": ["Flaky"], "MaxAttempts": 5,
                                                  "IntervalSeconds": 600, "BackoffRate": 2}],
                                          End=True)})
        self.mocks({"Flaky3": {"Call": "R"}, "AlwaysFails": {"Call": "F"}},
                   {"R": {"0": {"Throw": {"Error": "Flaky", "Cause": "first"}},
                          "1-2": {"Throw": {"Error": "Flaky", "Cause": "again"}},
                          "3": {"Return": {"n": 3}}},
                    "F": {"0": {"Throw": {"Error": "Flaky", "Cause": "always"}}}})
        out, _ = self.run_json(defn, "--mock-config", "mocks.json", "--test-case", "Flaky3",
                               "--wait-scale", "0", expect_exit=0)
        self.assertEqual(json.loads(out["output"]), {"n": 3})
        causes = [self.details(e)["cause"] for e in self.of_type(self.events(), "TaskFailed")]
        self.assertEqual(causes, ["first", "again", "again"])
        # "0" alone answers every invocation: 1 + 5 retries, then the error stands
        out, _ = self.run_json(defn, "--mock-config", "mocks.json", "--test-case", "AlwaysFails",
                               "--wait-scale", "0", name="e2", expect_exit=1)
        self.assertEqual((out["error"], out["cause"]), ("Flaky", "always"))
        self.assertEqual(len(self.of_type(self.events("e2"), "TaskFailed")), 6)

    def test_catch_sees_the_mocked_error(self):
        defn = self.machine({
            "Call": task("arn:aws:states:::sns:publish", Parameters={"TopicArn": "t", "Message": "m"},
                         Catch=[{"ErrorEquals": ["SNS.NotFound"], "ResultPath": "$.err", "Next": "Handled"}],
                         End=True),
            "Handled": {"Type": "Pass", "End": True}})
        self.mocks({"Missing": {"Call": "NotFound"}},
                   {"NotFound": {"0": {"Throw": {"Error": "SNS.NotFound", "Cause": "no such topic"}}}})
        out, _ = self.run_json(defn, "--mock-config", "mocks.json", "--test-case", "Missing", expect_exit=0)
        self.assertEqual(json.loads(out["output"]), {"err": {"Error": "SNS.NotFound", "Cause": "no such topic"}})

    def test_mocks_inside_map_and_parallel(self):
        defn = self.machine({
            "Fan": {"Type": "Parallel", "Next": "Each", "ResultPath": "$.fan", "Branches": [
                {"StartAt": "Put", "States": {"Put": task("arn:aws:states:::dynamodb:putItem", End=True)}},
                {"StartAt": "Send", "States": {"Send": task("arn:aws:states:::sqs:sendMessage", End=True)}}]},
            "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "End": True,
                     "ItemProcessor": {"StartAt": "Get", "States": {
                         "Get": task("arn:aws:states:::dynamodb:getItem",
                                     Retry=[{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 60}],
                                     End=True)}}}})
        self.mocks({"Case": {"Put": "Ok", "Send": "Sent", "Get": "Items"}},
                   {"Ok": {"0": {"Return": {"put": True}}},
                    "Sent": {"0": {"Return": {"MessageId": "m-1"}}},
                    "Items": {"0": {"Return": {"Item": 0}},
                              "1": {"Throw": {"Error": "DynamoDB.ProvisionedThroughputExceededException", "Cause": "slow down"}},
                              "2": {"Return": {"Item": 1}},
                              "3": {"Return": {"Item": 2}}}})
        out, _ = self.run_json(defn, "--input", json.dumps({"items": [10, 11, 12]}), "--mock-config",
                               "mocks.json", "--test-case", "Case", "--wait-scale", "0", expect_exit=0)
        self.assertEqual(json.loads(out["output"]), [{"Item": 0}, {"Item": 1}, {"Item": 2}])
        events = self.events()
        sched = [(self.details(e)["resourceType"], self.details(e)["resource"])
                 for e in self.of_type(events, "TaskScheduled")]
        self.assertEqual(sorted(set(sched)), [("dynamodb", "getItem"), ("dynamodb", "putItem"),
                                              ("sqs", "sendMessage")])
        # Map iterations count as invocations: the second item's first attempt got "1"
        self.assertEqual(len(self.of_type(events, "TaskFailed")), 1)
        self.assertEqual(len(self.of_type(events, "TaskScheduled")), 2 + 4)

    def test_sync_and_callback_patterns_and_sdk_integrations(self):
        defn = self.machine({
            "Job": task("arn:aws:states:::glue:startJobRun.sync", Parameters={"JobName": "etl"}, Next="Ask"),
            "Ask": task("arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                        Parameters={"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                        ResultPath="$.answer", Next="List"),
            "List": task("arn:aws:states:::aws-sdk:s3:listBuckets", Parameters={}, ResultPath="$.buckets",
                         End=True)})
        self.mocks({"All": {"Job": "Done", "Ask": "Approved", "List": "Buckets"}},
                   {"Done": {"0": {"Return": {"JobRunState": "SUCCEEDED"}}},
                    "Approved": {"0": {"Return": {"approved": True}}},
                    "Buckets": {"0": {"Return": {"Buckets": []}}}})
        out, proc = self.run_json(defn, "--mock-config", "mocks.json", "--test-case", "All", expect_exit=0)
        self.assertEqual(json.loads(out["output"]),
                         {"JobRunState": "SUCCEEDED", "answer": {"approved": True}, "buckets": {"Buckets": []}})
        events = self.events()
        sched = [self.details(e) for e in self.of_type(events, "TaskScheduled")]
        self.assertEqual([(d["resourceType"], d["resource"]) for d in sched],
                         [("glue", "startJobRun.sync"), ("sqs", "sendMessage.waitForTaskToken"),
                          ("aws-sdk:s3", "listBuckets")])
        token = json.loads(sched[1]["parameters"])["MessageBody"]["token"]
        self.assertRegex(token, r"^[0-9a-f-]{36}$")

    def test_http_activity_and_nested_execution_tasks_can_be_mocked(self):
        defn = self.machine({
            "Api": task("arn:aws:states:::http:invoke",
                        Parameters={"ApiEndpoint": "https://example.invalid/orders", "Method": "GET"},
                        ResultSelector={"code.$": "$.StatusCode"}, ResultPath="$.api", Next="Worker"),
            "Worker": task("arn:aws:states:us-east-1:123456789012:activity:review", ResultPath="$.review",
                           Next="Child"),
            "Child": task("arn:aws:states:::states:startExecution.sync:2",
                          Parameters={"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child"},
                          ResultPath="$.child", End=True)})
        self.mocks({"Case": {"Api": "Http", "Worker": "Done", "Child": "Child"}},
                   {"Http": {"0": {"Return": {"StatusCode": 200, "StatusText": "OK", "ResponseBody": {}}}},
                    "Done": {"0": {"Return": "approved"}},
                    "Child": {"0": {"Return": {"Status": "SUCCEEDED", "Output": {"n": 1}}}}})
        out, _ = self.run_json(defn, "--mock-config", "mocks.json", "--test-case", "Case", expect_exit=0)
        self.assertEqual(json.loads(out["output"]),
                         {"api": {"code": 200}, "review": "approved",
                          "child": {"Status": "SUCCEEDED", "Output": {"n": 1}}})
        sched = [self.details(e) for e in self.of_type(self.events(), "TaskScheduled")]
        self.assertEqual([(d["resourceType"], d["resource"]) for d in sched],
                         [("http", "invoke"), ("activity", "arn:aws:states:us-east-1:123456789012:activity:review"),
                          ("states", "startExecution.sync:2")])

    def test_unmocked_service_warns_once_per_resource(self):
        defn = self.machine({
            "A": task("arn:aws:states:::ecs:runTask", Next="B"),
            "B": task("arn:aws:states:::ecs:runTask", Next="C"),
            "C": task("arn:aws:states:::glue:startJobRun", End=True)})
        proc = self.stepfn("validate", defn)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr.count("'arn:aws:states:::ecs:runTask'"), 1, proc.stderr)
        self.assertEqual(proc.stderr.count("'arn:aws:states:::glue:startJobRun'"), 1, proc.stderr)
        # with A and B mocked, only C's resource is warned of
        self.mocks({"Part": {"A": "R", "B": "R"}}, {"R": {"0": {"Return": {}}}})
        _, proc = self.run_json(defn, "--mock-config", "mocks.json", "--test-case", "Part", expect_exit=1)
        self.assertNotIn("ecs:runTask", proc.stderr)
        self.assertIn("'arn:aws:states:::glue:startJobRun'", proc.stderr)

    def test_mocked_exec_task_needs_no_program(self):
        defn = self.machine({"Run": task("exec:steps/not_there", End=True)})
        self.mocks({"Case": {"Run": "R"}}, {"R": {"0": {"Return": {"ran": False}}}})
        out, proc = self.run_json(defn, "--mock-config", "mocks.json", "--test-case", "Case", expect_exit=0)
        self.assertEqual(json.loads(out["output"]), {"ran": False})
        self.assertEqual(proc.stderr, "")

    def test_unmocked_state_of_a_case_runs_a_real_program(self):
        defn = self.machine({"Echo": task("exec:" + os.path.join(STEPS, "step_echo"), Next="Svc"),
                             "Svc": task("arn:aws:states:::dynamodb:putItem", End=True)})
        self.mocks({"Case": {"Svc": "R"}}, {"R": {"0": {"Return": {"stored": True}}}})
        out, _ = self.run_json(defn, "--input", '{"x":1}', "--mock-config", "mocks.json",
                               "--test-case", "Case", expect_exit=0)
        self.assertEqual(json.loads(out["output"]), {"stored": True})
        scheduled = self.of_type(self.events(), "TaskScheduled")
        self.assertEqual(self.details(scheduled[0])["resourceType"], "exec")

    def test_redrive_keeps_the_mocks(self):
        defn = self.machine({"Svc": task("arn:aws:states:::dynamodb:putItem", End=True)})
        self.mocks({"Case": {"Svc": "R"}}, {"R": {"0": {"Throw": {"Error": "DynamoDB.Boom", "Cause": "c"}}}})
        self.run_json(defn, "--mock-config", "mocks.json", "--test-case", "Case", expect_exit=1)
        proc = self.stepfn("replay", "e", "--store", self.store, "--format", "json")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        out = json.loads(proc.stdout)
        # mocked again, not "stepfn cannot call the Resource"
        self.assertEqual((out["error"], out["cause"], out["redriveCount"]), ("DynamoDB.Boom", "c", 1))

    # ---- bad files and options ----

    def assert_refused(self, mock_doc, message, case="Case", states=None):
        defn = self.machine(states or {"Call": task("arn:aws:states:::sqs:sendMessage", Next="P"),
                                       "P": {"Type": "Pass", "End": True}})
        self.write("mocks.json", mock_doc if isinstance(mock_doc, str) else json.dumps(mock_doc))
        _, proc = self.run_json(defn, "--mock-config", "mocks.json", "--test-case", case, expect_exit=2)
        self.assertIn(message, proc.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.store, "executions", "e")),
                         "nothing may be written for a refused run")

    def doc(self, case_states, responses):
        return {"StateMachines": {"machine": {"TestCases": {"Case": case_states}}}, "MockedResponses": responses}

    def test_unknown_state_is_refused_with_its_pointer(self):
        self.assert_refused(self.doc({"Cal": "R"}, {"R": {"0": {"Return": 1}}}),
                            "mocks.json: /StateMachines/machine/TestCases/Case/Cal: test case 'Case' mocks "
                            "the state 'Cal', which the definition does not have")

    def test_non_task_state_is_refused(self):
        self.assert_refused(self.doc({"P": "R"}, {"R": {"0": {"Return": 1}}}),
                            "/StateMachines/machine/TestCases/Case/P: test case 'Case' mocks the state 'P', "
                            "a Pass state; only Task states can be mocked")

    def test_malformed_responses_are_refused_with_pointers(self):
        cases = [
            ({"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}, "/MockedResponses/R/0: a mocked response has \"Return\" or \"Throw\", not both"),
            ({"R": {"0": {}}}, "/MockedResponses/R/0: a mocked response needs \"Return\""),
            ({"R": {"0": {"Throw": {"Cause": "c"}}}}, "/MockedResponses/R/0/Throw: \"Throw\" needs \"Error\""),
            ({"R": {"0": {"Throw": {"Error": "E", "Cause": 5}}}}, "/MockedResponses/R/0/Throw: \"Cause\" must be a string"),
            ({"R": {"0": {"Return": 1}, "2": {"Return": 2}}}, "/MockedResponses/R/2: invocation 1 has no response"),
            ({"R": {"0-2": {"Return": 1}, "2": {"Return": 2}}}, "invocation 2 is answered twice"),
            ({"R": {"1": {"Return": 1}}}, "/MockedResponses/R/1: invocation 0 has no response"),
            ({"R": {"first": {"Return": 1}}}, "/MockedResponses/R/first: 'first' is not an invocation number or range"),
            ({"R": {"3-1": {"Return": 1}}}, "'3-1' is not an invocation number or range"),
            ({"R": {"0": {"Return": 1, "Delay": 3}}}, "/MockedResponses/R/0/Delay: unknown field"),
            ({"R": {}}, "/MockedResponses/R: a mocked response must be a non-empty object"),
        ]
        for responses, message in cases:
            with self.subTest(message=message):
                self.assert_refused(self.doc({"Call": "R"}, responses), message)

    def test_malformed_files_are_refused(self):
        self.assert_refused("{", "mocks.json: not a valid mock config: line 1")
        self.assert_refused({"StateMachines": {}, "MockedResponses": {}, "Extra": 1}, "mocks.json: /Extra: unknown field")
        self.assert_refused({"MockedResponses": {}}, "\"StateMachines\" must be an object")
        self.assert_refused(self.doc({"Call": "Nope"}, {}),
                            "/StateMachines/machine/TestCases/Case/Call: the mocked response 'Nope' is not in MockedResponses")
        self.assert_refused(self.doc({"Call": 3}, {}), "/StateMachines/machine/TestCases/Case/Call: must be a string")
        self.assert_refused('{"StateMachines": {"machine": {"TestCases": {"Case": {}, "Case": {}}}}, "MockedResponses": {}}',
                            "duplicate object key")
        self.assert_refused(self.doc({}, {}), "state machine 'machine' has no test case 'Other' (it has 'Case')",
                            case="Other")

    def test_options_are_checked(self):
        defn = self.machine({"P": {"Type": "Pass", "End": True}})
        proc = self.stepfn("run", defn, "--store", self.store, "--test-case", "X")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--test-case needs --mock-config FILE", proc.stderr)
        self.mocks({"Case": {}}, {})
        proc = self.stepfn("run", defn, "--store", self.store, "--mock-config", "mocks.json")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("needs --test-case NAME", proc.stderr)
        proc = self.stepfn("run", defn, "--store", self.store, "--mock-config", "nothere.json", "--test-case", "C")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("nothere.json: cannot read the mock config: No such file or directory", proc.stderr)
        for bad in ["-1", "abc", "nan", "inf", ""]:
            proc = self.stepfn("run", defn, "--store", self.store, "--wait-scale", bad)
            self.assertEqual(proc.returncode, 2, bad)
            self.assertIn("--wait-scale must be a number from 0 up", proc.stderr)
        proc = self.stepfn("run", "--help")
        for option in ["--mock-config", "--test-case", "--state-machine-name", "--wait-scale", "--timeout-scale"]:
            self.assertIn(option, proc.stdout)

    # ---- time ----

    def test_an_hour_of_waiting_and_ten_minutes_of_back_off_at_scale_zero(self):
        defn = self.machine({
            "Hour": {"Type": "Wait", "Seconds": 3600, "Next": "Until"},
            "Until": {"Type": "Wait", "TimestampPath": "$.at", "Next": "Flaky"},
            "Flaky": task("arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "f"},
                          Retry=[{"ErrorEquals": ["Busy"], "IntervalSeconds": 600, "MaxAttempts": 2,
                                  "BackoffRate": 1}], End=True)})
        self.mocks({"Case": {"Flaky": "R"}},
                   {"R": {"0-1": {"Throw": {"Error": "Busy", "Cause": "busy"}}, "2": {"Return": {"ok": True}}}})
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7200))
        started = time.monotonic()
        out, _ = self.run_json(defn, "--input", json.dumps({"at": at}), "--mock-config", "mocks.json",
                               "--test-case", "Case", "--wait-scale", "0", expect_exit=0)
        elapsed = time.monotonic() - started
        self.assertEqual(json.loads(out["output"]), {"ok": True})
        self.assertLess(elapsed, 5.0, "an hour's Wait, a two-hour Timestamp and 20 minutes of "
                                      "back-off must elapse at once at --wait-scale 0")
        events = self.events()
        self.assertEqual(len(self.of_type(events, "WaitStateExited")), 2)
        # the history keeps the real times: everything happened within the run
        stamps = [datetime.datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")) for e in events]
        self.assertEqual(stamps, sorted(stamps))
        self.assertLess((stamps[-1] - stamps[0]).total_seconds(), 5.0)

    def test_wait_scale_multiplies_waits(self):
        defn = self.machine({"W": {"Type": "Wait", "Seconds": 20, "End": True}})
        started = time.monotonic()
        self.run_json(defn, "--wait-scale", "0.05", expect_exit=0)  # 20 s -> 1 s
        elapsed = time.monotonic() - started
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 10.0)

    def test_timeouts_are_not_scaled_unless_asked(self):
        sleeper = self.write("sleeper.sh", "#!/bin/sh\nsleep 30\n")
        os.chmod(sleeper, 0o755)
        defn = self.machine({"Slow": task("exec:sleeper.sh", TimeoutSeconds=100, End=True)})
        started = time.monotonic()
        out, _ = self.run_json(defn, "--wait-scale", "0", "--timeout-scale", "0.01", expect_exit=1)
        self.assertEqual(out["error"], "States.Timeout")
        self.assertLess(time.monotonic() - started, 10.0)
        # the state machine's own TimeoutSeconds too
        defn = self.machine({"W": {"Type": "Wait", "Seconds": 5, "End": True}}, name="m2.asl.json")
        with open(defn) as fh:
            doc = json.load(fh)
        doc["TimeoutSeconds"] = 100
        self.write("m2.asl.json", doc)
        out, _ = self.run_json(defn, "--timeout-scale", "0.001", name="e2", expect_exit=1)
        self.assertEqual(out["status"], "TIMED_OUT")
        # --wait-scale alone leaves the task timeout as it is: the Wait goes, the timeout stays
        out, _ = self.run_json(defn, "--wait-scale", "0", name="e3", expect_exit=0)
        self.assertEqual(out["status"], "SUCCEEDED")


def main():
    global STEPFN, STEPS
    STEPFN = os.path.abspath(sys.argv[1])
    STEPS = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=1)


if __name__ == "__main__":
    main()
