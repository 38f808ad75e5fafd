#!/usr/bin/env python3
"""End-to-end tests of the AWS integrations beyond DynamoDB: the optimized
sqs:sendMessage, events:putEvents, states:startExecution (plain, .sync,
.sync:2), sns:publish (Query protocol) and the aws-sdk:SERVICE:action
path, against service_server.py on 127.0.0.1 — a stand-in for SQS,
EventBridge, Step Functions, Secrets Manager and SNS that recomputes every
SigV4 signature with botocore and checks the target, the content type and
the body against botocore's service models before it answers as the
service would.

Every `stepfn run` gets an environment of its own (fake credentials, an
empty HOME, AWS_ENDPOINT_URL pointing at the server), so nothing leaves
127.0.0.1.

usage: test_aws_services.py STEPFN_BINARY
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STEPFN = None
SECRET = "local-test-secret"
KEY_ID = "AKIDLOCALTEST"
STATES = "arn:aws:states:::"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:"
TOPIC = "arn:aws:sns:us-east-1:123456789012:orders-topic"
SERVER = {}


def task(resource, params, **fields):
    return dict({"Type": "Task", "Resource": STATES + resource, "Parameters": params}, **fields)


def setUpModule():
    global WORK
    WORK = tempfile.mkdtemp(prefix="stepfn-aws-services-")
    log = os.path.join(WORK, "server.log")
    open(log, "w").close()
    with open(os.path.join(WORK, "server.err"), "w") as err:
        proc = subprocess.Popen([sys.executable, "-u", os.path.join(HERE, "service_server.py"),
                                 "--secret", SECRET, "--log", log], stdout=subprocess.PIPE,
                                stderr=err, text=True)
    line = proc.stdout.readline()
    proc.stdout.close()
    if not line.startswith("port "):
        proc.kill()
        raise RuntimeError("service_server.py did not start: %r" % line)
    SERVER.update(proc=proc, port=int(line.split()[1]), log=log)


def tearDownModule():
    SERVER["proc"].kill()
    SERVER["proc"].wait()
    shutil.rmtree(WORK, ignore_errors=True)


def control(**settings):
    """Tell the server to throttle the next requests, or how long a child
    execution stays RUNNING."""
    data = json.dumps(settings).encode()
    req = urllib.request.Request("http://127.0.0.1:%d/__control" % SERVER["port"], data=data,
                                 method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


class ServicesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="stepfn-aws-case-")
        self.dir = self.tmp.name
        self.home = os.path.join(self.dir, "home")
        os.mkdir(self.home)
        self.store = os.path.join(self.dir, "store")
        self.log_start = os.path.getsize(SERVER["log"])
        control()

    def tearDown(self):
        control()
        self.tmp.cleanup()

    # ---- helpers ----

    def env(self, **extra):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home,
               "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
               "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % SERVER["port"]}
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def write(self, path, value):
        full = os.path.join(self.dir, path)
        with open(full, "w") as fh:
            fh.write(value if isinstance(value, str) else json.dumps(value))
        return full

    def machine(self, states):
        return self.write("machine.asl.json", {"StartAt": next(iter(states)), "States": states})

    def run_json(self, definition, inp="{}", expect_exit=None, args=(), env=None):
        proc = subprocess.run([STEPFN, "run", definition, "--input", inp, "--store", self.store,
                               "--name", "e", "--format", "json", *args], cwd=self.dir,
                              capture_output=True, text=True, env=env or self.env(), timeout=60)
        if expect_exit is not None:
            self.assertEqual(proc.returncode, expect_exit, proc.stdout + proc.stderr)
        self.assertNotIn("Sanitizer", proc.stderr)
        return json.loads(proc.stdout)

    def output(self, definition, inp="{}", args=()):
        out = self.run_json(definition, inp, expect_exit=0, args=args)
        return json.loads(out["output"])

    def events(self):
        proc = subprocess.run([STEPFN, "history", "e", "--store", self.store],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout)["events"]

    def of_type(self, kind):
        return [next(v for k, v in e.items() if k.endswith("EventDetails"))
                for e in self.events() if e["type"] == kind]

    def recorded(self, kind):
        return [(d["resourceType"], d["resource"]) for d in self.of_type(kind)]

    def requests(self):
        with open(SERVER["log"]) as fh:
            fh.seek(self.log_start)
            return [json.loads(line) for line in fh if line.startswith("{")]

    def assert_all_accepted(self):
        self.assertEqual({r["verdict"] for r in self.requests()}, {"ok"})

    # ---- sqs:sendMessage ----

    def test_send_message_serializes_a_json_body_and_returns_the_sdk_result(self):
        defn = self.machine({"Send": task("sqs:sendMessage",
                                          {"QueueUrl": QUEUE,
                                           "MessageBody": {"order.$": "$.id", "n": 1}},
                                          End=True)})
        result = self.output(defn, '{"id": "o-1"}')
        (seen,) = self.requests()
        self.assertEqual(seen["verdict"], "ok")
        self.assertEqual(seen["target"], "AmazonSQS.SendMessage")
        self.assertEqual(seen["headers"]["content-type"], "application/x-amz-json-1.0")
        self.assertIn("/us-east-1/sqs/aws4_request", seen["headers"]["authorization"])
        body = json.loads(seen["body"])
        self.assertEqual(body, {"QueueUrl": QUEUE, "MessageBody": '{"order":"o-1","n":1}'})
        self.assertEqual(sorted(result), ["MD5OfMessageBody", "MessageId", "SdkHttpMetadata",
                                          "SdkResponseMetadata"])
        self.assertEqual(result["MD5OfMessageBody"],
                         hashlib.md5(body["MessageBody"].encode()).hexdigest())
        self.assertEqual(result["SdkHttpMetadata"]["HttpStatusCode"], 200)
        self.assertEqual(result["SdkResponseMetadata"]["RequestId"],
                         result["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-requestid"])
        self.assertEqual(self.recorded("TaskScheduled"), [("sqs", "sendMessage")])
        self.assertEqual(self.recorded("TaskSucceeded"), [("sqs", "sendMessage")])

    def test_a_missing_queue_is_caught_by_its_sqs_name(self):
        defn = self.machine({
            "Send": task("sqs:sendMessage", {"QueueUrl": QUEUE + "-gone", "MessageBody": "hi"},
                         Catch=[{"ErrorEquals": ["SQS.QueueDoesNotExistException"],
                                 "ResultPath": "$.caught", "Next": "Done"}], Next="Done"),
            "Done": {"Type": "Succeed"}})
        caught = self.output(defn)["caught"]
        self.assertEqual(caught["Error"], "SQS.QueueDoesNotExistException")
        self.assertRegex(caught["Cause"], r"^The specified queue does not exist\. \(Service: "
                                          r"AmazonSQS; Status Code: 400; Error Code: "
                                          r"QueueDoesNotExist; Request ID: \S+; Proxy: null\)$")
        self.assertEqual([(d["resource"], d["error"]) for d in self.of_type("TaskFailed")],
                         [("sendMessage", "SQS.QueueDoesNotExistException")])

    def test_a_throttled_send_is_retried(self):
        control(throttle=2, error="RequestThrottled")
        defn = self.machine({"Send": task("sqs:sendMessage",
                                          {"QueueUrl": QUEUE, "MessageBody": "hi"},
                                          Retry=[{"ErrorEquals": ["SQS.RequestThrottledException"],
                                                  "MaxAttempts": 3, "IntervalSeconds": 1}],
                                          End=True)})
        result = self.output(defn, args=("--wait-scale", "0"))
        self.assertIn("MessageId", result)
        self.assertEqual([r["verdict"] for r in self.requests()],
                         ["RequestThrottled", "RequestThrottled", "ok"])
        self.assertEqual(len(self.of_type("TaskFailed")), 2)

    def test_a_parameter_the_api_does_not_have_is_refused_by_the_service(self):
        defn = self.machine({"Send": task("sqs:sendMessage",
                                          {"QueueUrl": QUEUE, "Body": "hi"}, End=True)})
        out = self.run_json(defn, expect_exit=1)
        self.assertEqual(out["error"], "SQS.AmazonSQSException")
        self.assertIn("has no member 'Body'", out["cause"])
        self.assertIn("Error Code: ValidationException", out["cause"])

    # ---- events:putEvents ----

    def test_put_events_sends_detail_as_text_and_counts_failed_entries(self):
        defn = self.machine({"Put": task("events:putEvents", {"Entries": [
            {"Source": "shop", "DetailType": "OrderPlaced", "Detail": {"id.$": "$.id"},
             "EventBusName": "default"},
            {"Source": "shop", "Detail": "{}"}]}, End=True)})
        result = self.output(defn, '{"id": "o-2"}')
        (seen,) = self.requests()
        self.assertEqual(seen["verdict"], "ok")
        self.assertEqual(seen["target"], "AWSEvents.PutEvents")
        self.assertEqual(seen["headers"]["content-type"], "application/x-amz-json-1.1")
        self.assertIn("/us-east-1/events/aws4_request", seen["headers"]["authorization"])
        self.assertEqual(json.loads(seen["body"])["Entries"][0]["Detail"], '{"id":"o-2"}')
        self.assertEqual(result["FailedEntryCount"], 1)
        self.assertEqual(sorted(result["Entries"][0]), ["EventId"])
        self.assertEqual(result["Entries"][1]["ErrorCode"], "InvalidArgument")
        self.assertEqual(result["SdkHttpMetadata"]["HttpStatusCode"], 200)
        self.assertEqual(self.recorded("TaskScheduled"), [("events", "putEvents")])

    def test_a_throttled_put_events_is_the_sdk_catch_all_and_caught(self):
        control(throttle=1)
        defn = self.machine({
            "Put": task("events:putEvents", {"Entries": [{"Source": "s", "DetailType": "t",
                                                          "Detail": "{}"}]},
                        Catch=[{"ErrorEquals": ["EventBridge.AmazonEventBridgeException"],
                                "ResultPath": "$.caught", "Next": "Done"}], Next="Done"),
            "Done": {"Type": "Succeed"}})
        caught = self.output(defn)["caught"]
        self.assertEqual(caught["Error"], "EventBridge.AmazonEventBridgeException")
        self.assertIn("Rate exceeded (Service: AmazonEventBridge; Status Code: 400; Error Code: "
                      "ThrottlingException;", caught["Cause"])

    # ---- states:startExecution ----

    def test_a_redrive_does_not_start_a_finished_sync_child_again(self):
        defn = self.machine({"Run": task("states:startExecution.sync:2",
                                         {"StateMachineArn": MACHINE + "Child", "Name": "again"},
                                         Next="Stop"),
                             "Stop": {"Type": "Fail", "Error": "Stop"}})
        self.run_json(defn, expect_exit=1, args=("--wait-scale", "0"))
        calls = len(self.requests())
        proc = subprocess.run([STEPFN, "replay", "e", "--store", self.store, "--format", "json"],
                              capture_output=True, text=True, env=self.env(), timeout=60)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertEqual(json.loads(proc.stdout)["error"], "Stop")
        self.assertEqual(len(self.requests()), calls)
        self.assertGreaterEqual(len(self.of_type("TaskSubmitted")), 1)

    def test_start_execution_returns_the_arn_and_start_date(self):
        defn = self.machine({"Start": task("states:startExecution",
                                           {"StateMachineArn": MACHINE + "Child",
                                            "Name": "plain-1", "Input": {"n.$": "$.n"}},
                                           End=True)})
        result = self.output(defn, '{"n": 7}')
        (seen,) = self.requests()
        self.assertEqual(seen["target"], "AWSStepFunctions.StartExecution")
        self.assertIn("/us-east-1/states/aws4_request", seen["headers"]["authorization"])
        self.assertEqual(json.loads(seen["body"]), {"stateMachineArn": MACHINE + "Child",
                                                    "name": "plain-1", "input": '{"n":7}'})
        self.assertEqual(result["ExecutionArn"],
                         "arn:aws:states:us-east-1:123456789012:execution:Child:plain-1")
        self.assertIsInstance(result["StartDate"], int)  # epoch milliseconds
        self.assertGreater(result["StartDate"], 1_600_000_000_000)
        self.assertIn("SdkHttpMetadata", result)
        self.assertEqual(self.recorded("TaskScheduled"), [("states", "startExecution")])

    def test_start_execution_sync_polls_until_done_and_returns_output_as_text(self):
        defn = self.machine({"Run": task("states:startExecution.sync",
                                         {"StateMachineArn": MACHINE + "Child", "Name": "sync-1",
                                          "Input": {"a": 1}}, End=True)})
        result = self.output(defn, args=("--wait-scale", "0"))
        self.assertEqual([r["target"] for r in self.requests()],
                         ["AWSStepFunctions.StartExecution"] +
                         ["AWSStepFunctions.DescribeExecution"] * 3)
        self.assert_all_accepted()
        self.assertEqual(result["Status"], "SUCCEEDED")
        self.assertEqual(result["Output"], '{"echo": {"a": 1}}')
        self.assertEqual(result["Input"], '{"a":1}')
        self.assertEqual(result["OutputDetails"], {"Included": True})
        self.assertIsInstance(result["StopDate"], int)
        self.assertIn("SdkHttpMetadata", result)
        self.assertEqual(self.recorded("TaskScheduled"), [("states", "startExecution.sync")])
        self.assertEqual(len(self.of_type("TaskStarted")), 1)
        # the job's submission is recorded once, with StartExecution's answer
        (submitted,) = self.of_type("TaskSubmitted")
        self.assertEqual((submitted["resourceType"], submitted["resource"]),
                         ("states", "startExecution.sync"))
        started = json.loads(submitted["output"])
        self.assertEqual(started["ExecutionArn"], result["ExecutionArn"])
        self.assertEqual(started["StartDate"], result["StartDate"])
        self.assertEqual(started["SdkHttpMetadata"]["HttpStatusCode"], 200)
        self.assertEqual(submitted["outputDetails"], {"truncated": False})
        self.assertEqual([e["type"] for e in self.events() if e["type"].startswith("Task")],
                         ["TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
                          "TaskSucceeded", "TaskStateExited"])

    def test_start_execution_sync2_returns_output_as_json(self):
        control(running=1)
        defn = self.machine({"Run": task("states:startExecution.sync:2",
                                         {"StateMachineArn": MACHINE + "Child", "Name": "sync-2",
                                          "Input": {"a": 2}},
                                         ResultSelector={"out.$": "$.Output.echo"}, End=True)})
        self.assertEqual(self.output(defn, args=("--wait-scale", "0")), {"out": {"a": 2}})
        self.assertEqual(len(self.requests()), 3)
        self.assertEqual(self.recorded("TaskSucceeded"), [("states", "startExecution.sync:2")])

    def test_a_failed_child_execution_fails_the_task_with_its_description(self):
        defn = self.machine({
            "Run": task("states:startExecution.sync:2",
                        {"StateMachineArn": MACHINE + "Failing", "Name": "f-1"},
                        Catch=[{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.caught",
                                "Next": "Done"}], Next="Done"),
            "Done": {"Type": "Succeed"}})
        caught = self.output(defn, args=("--wait-scale", "0"))["caught"]
        self.assertEqual(caught["Error"], "States.TaskFailed")
        cause = json.loads(caught["Cause"])
        self.assertEqual((cause["Status"], cause["Error"], cause["Cause"]),
                         ("FAILED", "Child.Failed", "it failed"))

    def test_a_child_that_runs_past_timeout_seconds_times_the_task_out(self):
        control(running=1000000)
        defn = self.machine({"Run": task("states:startExecution.sync",
                                         {"StateMachineArn": MACHINE + "Child", "Name": "slow"},
                                         TimeoutSeconds=2, End=True)})
        out = self.run_json(defn, expect_exit=1)
        self.assertEqual(out["error"], "States.Timeout")
        self.assertEqual(len(self.of_type("TaskTimedOut")), 1)
        self.assertGreaterEqual(len(self.requests()), 2)

    def test_a_missing_state_machine_is_named_as_step_functions_names_it(self):
        defn = self.machine({"Run": task("states:startExecution",
                                         {"StateMachineArn": MACHINE + "Missing"}, End=True)})
        out = self.run_json(defn, expect_exit=1)
        self.assertEqual(out["error"], "StepFunctions.StateMachineDoesNotExistException")
        self.assertIn("(Service: AWSStepFunctions; Status Code: 400; Error Code: "
                      "StateMachineDoesNotExist;", out["cause"])

    # ---- aws-sdk:SERVICE:action ----

    def test_sdk_get_secret_value_is_the_api_response(self):
        defn = self.machine({"Get": task("aws-sdk:secretsmanager:getSecretValue",
                                         {"SecretId": "db-password"}, End=True)})
        result = self.output(defn)
        (seen,) = self.requests()
        self.assertEqual(seen["target"], "secretsmanager.GetSecretValue")
        self.assertEqual(seen["headers"]["content-type"], "application/x-amz-json-1.1")
        self.assertIn("/us-east-1/secretsmanager/aws4_request", seen["headers"]["authorization"])
        self.assertEqual(result["SecretString"], "hunter2")
        self.assertNotIn("SdkHttpMetadata", result)
        self.assertEqual(self.recorded("TaskScheduled"),
                         [("aws-sdk:secretsmanager", "getSecretValue")])

    def test_sdk_errors_are_the_service_and_exception_names(self):
        defn = self.machine({
            "Secret": task("aws-sdk:secretsmanager:getSecretValue", {"SecretId": "nope"},
                           Catch=[{"ErrorEquals": ["SecretsManager.ResourceNotFoundException"],
                                   "ResultPath": "$.secret", "Next": "Queue"}], Next="Queue"),
            "Queue": task("aws-sdk:sqs:getQueueUrl", {"QueueName": "nope"},
                          Catch=[{"ErrorEquals": ["Sqs.QueueDoesNotExistException"],
                                  "ResultPath": "$.queue", "Next": "Done"}], Next="Done"),
            "Done": {"Type": "Succeed"}})
        result = self.output(defn)
        self.assertEqual(result["secret"]["Error"], "SecretsManager.ResourceNotFoundException")
        self.assertRegex(result["secret"]["Cause"],
                         r"^Secrets Manager can't find the specified secret\. \(Service: "
                         r"SecretsManager, Status Code: 400, Request ID: \S+\)$")
        self.assertEqual(result["queue"]["Error"], "Sqs.QueueDoesNotExistException")
        self.assertEqual(self.recorded("TaskFailed"), [("aws-sdk:secretsmanager", "getSecretValue"),
                                                       ("aws-sdk:sqs", "getQueueUrl")])

    def test_sdk_step_functions_members_are_pascal_case_in_and_out(self):
        defn = self.machine({
            "Start": task("aws-sdk:sfn:startExecution",
                          {"StateMachineArn": MACHINE + "Child", "Name": "sdk-1", "Input": "{}"},
                          ResultPath="$.started", Next="Describe"),
            "Describe": task("aws-sdk:sfn:describeExecution",
                             {"ExecutionArn.$": "$.started.ExecutionArn"}, End=True)})
        result = self.output(defn)
        self.assert_all_accepted()
        self.assertEqual(json.loads(self.requests()[1]["body"]),
                         {"executionArn": "arn:aws:states:us-east-1:123456789012:execution:"
                                          "Child:sdk-1"})
        self.assertEqual(result["Status"], "RUNNING")
        self.assertEqual(result["InputDetails"], {"Included": True})

    def test_a_throttled_sdk_call_is_retried_by_its_sdk_name(self):
        control(throttle=1)
        defn = self.machine({"Get": task("aws-sdk:secretsmanager:getSecretValue",
                                         {"SecretId": "db-password"},
                                         Retry=[{"ErrorEquals":
                                                 ["SecretsManager.ThrottlingException"],
                                                 "IntervalSeconds": 1}], End=True)})
        self.assertEqual(self.output(defn, args=("--wait-scale", "0"))["Name"], "db-password")
        self.assertEqual([r["verdict"] for r in self.requests()], ["ThrottlingException", "ok"])

    def test_a_service_endpoint_of_its_own_and_a_wrong_secret(self):
        env = self.env(AWS_ENDPOINT_URL=None,
                       AWS_ENDPOINT_URL_SECRETS_MANAGER="http://127.0.0.1:%d" % SERVER["port"],
                       AWS_SECRET_ACCESS_KEY="not-the-secret")
        defn = self.machine({"Get": task("aws-sdk:secretsmanager:getSecretValue",
                                         {"SecretId": "db-password"}, End=True)})
        out = self.run_json(defn, expect_exit=1, env=env)
        self.assertEqual(out["error"], "SecretsManager.InvalidSignatureException")
        self.assertEqual([r["verdict"] for r in self.requests()], ["InvalidSignatureException"])

    # ---- sns:publish (Query protocol) ----

    def test_publish_sends_a_signed_form_and_reads_the_xml_answer(self):
        defn = self.machine({"Publish": task("sns:publish", {
            "TopicArn": TOPIC, "Message": {"order.$": "$.id"}, "Subject": "new order",
            "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "order"}}},
            End=True)})
        result = self.output(defn, '{"id": "o-3"}')
        (seen,) = self.requests()
        self.assertEqual((seen["target"], seen["verdict"]), ("Query.Publish", "ok"))
        self.assertEqual(seen["headers"]["content-type"],
                         "application/x-www-form-urlencoded; charset=utf-8")
        self.assertIn("/us-east-1/sns/aws4_request", seen["headers"]["authorization"])
        self.assertEqual(urllib.parse.parse_qsl(seen["body"]), [
            ("Action", "Publish"), ("Version", "2010-03-31"), ("TopicArn", TOPIC),
            ("Message", '{"order":"o-3"}'), ("Subject", "new order"),
            ("MessageAttributes.entry.1.Name", "kind"),
            ("MessageAttributes.entry.1.Value.DataType", "String"),
            ("MessageAttributes.entry.1.Value.StringValue", "order")])
        self.assertEqual(sorted(result), ["MessageId", "SdkHttpMetadata", "SdkResponseMetadata"])
        self.assertRegex(result["MessageId"], r"^[0-9a-f-]{36}$")
        self.assertEqual(result["SdkHttpMetadata"]["HttpHeaders"]["content-type"], "text/xml")
        self.assertEqual(self.recorded("TaskScheduled"), [("sns", "publish")])
        self.assertEqual(self.recorded("TaskSucceeded"), [("sns", "publish")])

    def test_publish_to_a_fifo_topic_has_a_sequence_number(self):
        defn = self.machine({"Publish": task("sns:publish", {
            "TopicArn": TOPIC + ".fifo", "Message": "m", "MessageGroupId": "g",
            "MessageDeduplicationId": "d"}, End=True)})
        self.assertEqual(self.output(defn)["SequenceNumber"], "10000000000000000001")

    def test_a_missing_topic_is_caught_by_its_sns_name(self):
        defn = self.machine({
            "Publish": task("sns:publish", {"TopicArn": TOPIC + "-gone", "Message": "m"},
                            Catch=[{"ErrorEquals": ["SNS.NotFoundException"],
                                    "ResultPath": "$.caught", "Next": "Done"}], Next="Done"),
            "Done": {"Type": "Succeed"}})
        caught = self.output(defn)["caught"]
        self.assertEqual(caught["Error"], "SNS.NotFoundException")
        self.assertRegex(caught["Cause"], r"^Topic does not exist \(Service: AmazonSNS; Status "
                                          r"Code: 404; Error Code: NotFound; Request ID: "
                                          r"[0-9a-f-]{36}; Proxy: null\)$")
        self.assertEqual(self.recorded("TaskFailed"), [("sns", "publish")])

    def test_a_throttled_publish_is_retried(self):
        control(throttle=1, error="Throttled")
        defn = self.machine({"Publish": task("sns:publish", {"TopicArn": TOPIC, "Message": "m"},
                                             Retry=[{"ErrorEquals": ["SNS.ThrottledException"],
                                                     "IntervalSeconds": 1}], End=True)})
        self.assertIn("MessageId", self.output(defn, args=("--wait-scale", "0")))
        self.assertEqual([r["verdict"] for r in self.requests()], ["Throttled", "ok"])

    def test_a_publish_parameter_sns_does_not_have_is_refused(self):
        defn = self.machine({"Publish": task("sns:publish", {"TopicArn": TOPIC, "Message": "m",
                                                             "Body": "x"}, End=True)})
        out = self.run_json(defn, expect_exit=1)
        self.assertEqual(out["error"], "SNS.InvalidParameterException")
        self.assertIn("Unknown parameter Body (Service: AmazonSNS; Status Code: 400; Error Code: "
                      "InvalidParameter;", out["cause"])

    # ---- what stays unsupported ----

    def test_wait_for_task_token_is_named_in_validation_and_runs_mocked(self):
        defn = self.machine({"Send": task("sqs:sendMessage.waitForTaskToken",
                                          {"QueueUrl": QUEUE,
                                           "MessageBody": {"token.$": "$$.Task.Token"}},
                                          End=True)})
        proc = subprocess.run([STEPFN, "validate", defn], capture_output=True, text=True,
                              timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("'arn:aws:states:::sqs:sendMessage.waitForTaskToken': stepfn cannot run it "
                      "(.waitForTaskToken needs a callback API stepfn does not serve yet)",
                      proc.stderr)
        self.assertIn("aws-sdk:SERVICE:action", proc.stderr)
        self.assertIn("--mock-config", proc.stderr)
        self.write("mocks.json", {
            "StateMachines": {"machine": {"TestCases": {"Ok": {"Send": "R"}}}},
            "MockedResponses": {"R": {"0": {"Return": {"answered": True}}}}})
        result = self.output(defn, args=("--mock-config", "mocks.json", "--test-case", "Ok"))
        self.assertEqual(result, {"answered": True})
        self.assertEqual(self.requests(), [])
        self.assertEqual(self.recorded("TaskScheduled"),
                         [("sqs", "sendMessage.waitForTaskToken")])

    def test_a_service_outside_the_table_is_warned_of_and_fails_as_it_starts(self):
        defn = self.machine({"List": task("aws-sdk:s3:listBuckets", {}, End=True)})
        out = self.run_json(defn, expect_exit=1)
        self.assertEqual(out["error"], "States.TaskFailed")
        self.assertIn("stepfn cannot call the Resource 'arn:aws:states:::aws-sdk:s3:listBuckets'",
                      out["cause"])
        self.assertEqual(self.requests(), [])


def main():
    global STEPFN
    p = argparse.ArgumentParser()
    p.add_argument("stepfn")
    args, rest = p.parse_known_args()
    STEPFN = os.path.abspath(args.stepfn)
    try:
        import botocore  # noqa: F401
    except ImportError:
        print("test_aws_services: missing botocore for %s (Debian: python3-botocore); run "
              "tools/bootstrap.sh" % sys.executable, file=sys.stderr)
        return 1
    prog = unittest.main(argv=[sys.argv[0], *rest], exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
