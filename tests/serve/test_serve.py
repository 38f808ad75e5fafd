#!/usr/bin/env python3
"""End-to-end tests of `stepfn serve`: a real server on a free 127.0.0.1
port with a temporary store, driven by real clients — boto3 (Debian's
python3-boto3), the `aws stepfunctions` CLI (Debian's awscli) and raw
sockets for what a client library would never send (bad JSON, garbage
bytes, a huge body, a request trickling in, pipelining).

boto3 lives in Debian's python3; when the Python running this test lacks it
(a pyenv python first on PATH), the test runs itself again with
/usr/bin/python3.

usage: test_serve.py STEPFN_BINARY
"""
import os
import sys

try:
    import boto3  # noqa: F401
    import botocore.config
except ImportError:
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("test_serve: boto3 is missing: run tools/bootstrap.sh (python3-boto3)")

import json
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

STEPFN = None
HERE = os.path.dirname(os.path.abspath(__file__))
MOCK_FIXTURES = os.path.join(HERE, "..", "mock", "fixtures")
ARN = "arn:aws:states:us-east-1:123456789012:"
ROLE = "arn:aws:iam::123456789012:role/test"
JSON10 = "application/x-amz-json-1.0"

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "on purpose"}}}


class Server:
    """A `stepfn serve` process on a free port; stop() sends SIGTERM."""

    def __init__(self, store, *extra):
        self.store = store
        # stderr goes to a file: a pipe nobody drains would block the server.
        self.log = tempfile.NamedTemporaryFile(prefix="stepfn-serve-", suffix=".log")
        self.proc = subprocess.Popen(
            [STEPFN, "serve", "--listen", "127.0.0.1:0", "--store", store, *extra],
            stderr=self.log)
        deadline = time.time() + 30
        line = ""
        while "listening on" not in line and time.time() < deadline:
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
            with open(self.log.name) as f:
                line = f.readline()
        if "listening on http://127.0.0.1:" not in line:
            raise RuntimeError("serve did not start: " + self.stderr())
        self.port = int(line.split("127.0.0.1:")[1].split()[0])
        self.url = "http://127.0.0.1:%d" % self.port

    def client(self):
        return boto3.client(
            "stepfunctions", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id="x", aws_secret_access_key="y",
            config=botocore.config.Config(retries={"max_attempts": 0}))

    def stderr(self):
        with open(self.log.name) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(timeout=30)
        text = self.stderr()
        self.log.close()
        return status, text


def raw(port, data, timeout=5):
    """Send bytes, read until the server closes or goes quiet."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    chunks = []
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            chunks.append(c)
    except socket.timeout:
        pass
    s.close()
    return b"".join(chunks)


def post(action, body, target=None):
    body = body if isinstance(body, bytes) else json.dumps(body).encode()
    t = target if target is not None else "AWSStepFunctions." + action
    return (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: " + t.encode() +
            b"\r\nContent-Type: " + JSON10.encode() + b"\r\nContent-Length: " +
            str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


def answer(data):
    """(status, JSON body) of one HTTP answer."""
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)


def wait_status(c, arn, want, timeout=20):
    deadline = time.time() + timeout
    while True:
        d = c.describe_execution(executionArn=arn)
        if d["status"] == want or time.time() > deadline:
            return d
        time.sleep(0.05)


class ServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="stepfn-serve-")
        cls.store = os.path.join(cls.tmp, "store")
        cls.server = Server(cls.store, "--mock-config",
                            os.path.join(MOCK_FIXTURES, "MockConfigFile.json"))
        cls.c = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        status, err = cls.server.stop()
        shutil.rmtree(cls.tmp)
        assert status == 0, "serve exited %d: %s" % (status, err)

    def create(self, name, definition):
        return self.c.create_state_machine(name=name, definition=json.dumps(definition),
                                           roleArn=ROLE)["stateMachineArn"]

    # ---- state machines ----

    def test_create_describe_list_update_delete(self):
        arn = self.create("Lifecycle", PASS)
        self.assertEqual(arn, ARN + "stateMachine:Lifecycle")
        d = self.c.describe_state_machine(stateMachineArn=arn)
        self.assertEqual(d["name"], "Lifecycle")
        self.assertEqual(d["status"], "ACTIVE")
        self.assertEqual(d["type"], "STANDARD")
        self.assertEqual(json.loads(d["definition"]), PASS)
        self.assertEqual(d["roleArn"], ROLE)
        names = [m["name"] for m in self.c.list_state_machines()["stateMachines"]]
        self.assertIn("Lifecycle", names)
        # Creating again with the same definition is idempotent.
        self.assertEqual(self.create("Lifecycle", PASS), arn)
        with self.assertRaises(self.c.exceptions.StateMachineAlreadyExists):
            self.create("Lifecycle", FAIL)
        self.c.update_state_machine(stateMachineArn=arn, definition=json.dumps(FAIL))
        d = self.c.describe_state_machine(stateMachineArn=arn)
        self.assertEqual(json.loads(d["definition"]), FAIL)
        self.c.delete_state_machine(stateMachineArn=arn)
        with self.assertRaises(self.c.exceptions.StateMachineDoesNotExist):
            self.c.describe_state_machine(stateMachineArn=arn)

    def test_state_machines_survive_a_restart(self):
        self.create("Durable", PASS)
        self.assertTrue(os.path.isfile(
            os.path.join(self.store, "state-machines", "Durable", "definition.json")))
        other = Server(self.store)
        try:
            d = other.client().describe_state_machine(stateMachineArn=ARN + "stateMachine:Durable")
            self.assertEqual(json.loads(d["definition"]), PASS)
        finally:
            self.assertEqual(other.stop()[0], 0)

    def test_list_state_machines_pages(self):
        for i in range(5):
            self.create("Paged%d" % i, PASS)
        seen, token = [], None
        while True:
            kw = {"nextToken": token} if token else {}
            r = self.c.list_state_machines(maxResults=2, **kw)
            self.assertLessEqual(len(r["stateMachines"]), 2)
            seen += [m["name"] for m in r["stateMachines"]]
            token = r.get("nextToken")
            if not token:
                break
        self.assertEqual([n for n in seen if n.startswith("Paged")],
                         ["Paged%d" % i for i in range(5)])
        self.assertEqual(len(seen), len(set(seen)))

    def test_invalid_definition_and_name(self):
        with self.assertRaises(self.c.exceptions.InvalidDefinition) as cm:
            self.c.create_state_machine(name="Bad", definition=json.dumps(
                {"StartAt": "Nowhere", "States": {"P": {"Type": "Pass", "End": True}}}),
                roleArn=ROLE)
        self.assertIn("Nowhere", str(cm.exception))
        with self.assertRaises(self.c.exceptions.InvalidDefinition):
            self.c.create_state_machine(name="Bad", definition="{not json", roleArn=ROLE)
        with self.assertRaises(self.c.exceptions.InvalidName):
            self.c.create_state_machine(name="bad name!", definition=json.dumps(PASS),
                                        roleArn=ROLE)
        with self.assertRaises(self.c.exceptions.InvalidArn):
            self.c.describe_state_machine(stateMachineArn="arn:aws:lambda:nope")

    # ---- executions ----

    def test_execution_lifecycle_and_history(self):
        arn = self.create("Runs", PASS)
        named = self.c.start_execution(stateMachineArn=arn, name="first", input='{"a": 1}')
        self.assertEqual(named["executionArn"], ARN + "execution:Runs:first")
        unnamed = self.c.start_execution(stateMachineArn=arn)
        self.assertRegex(unnamed["executionArn"].rsplit(":", 1)[1],
                         "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$")
        d = wait_status(self.c, named["executionArn"], "SUCCEEDED")
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(d["stateMachineArn"], arn)
        self.assertEqual(json.loads(d["input"]), {"a": 1})
        self.assertEqual(json.loads(d["output"]), {"ok": True})
        self.assertGreaterEqual(d["stopDate"], d["startDate"])
        events = self.c.get_execution_history(executionArn=named["executionArn"])["events"]
        types = [e["type"] for e in events]
        self.assertEqual(types, ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                 "ExecutionSucceeded"])
        self.assertEqual([e["id"] for e in events], [1, 2, 3, 4])
        # Pages of 3 then 1; reversed; without data.
        p1 = self.c.get_execution_history(executionArn=named["executionArn"], maxResults=3)
        self.assertEqual([e["id"] for e in p1["events"]], [1, 2, 3])
        p2 = self.c.get_execution_history(executionArn=named["executionArn"], maxResults=3,
                                          nextToken=p1["nextToken"])
        self.assertEqual([e["id"] for e in p2["events"]], [4])
        self.assertNotIn("nextToken", p2)
        rev = self.c.get_execution_history(executionArn=named["executionArn"], reverseOrder=True)
        self.assertEqual([e["id"] for e in rev["events"]], [4, 3, 2, 1])
        lean = self.c.get_execution_history(executionArn=named["executionArn"],
                                            includeExecutionData=False)["events"]
        self.assertNotIn("input", lean[0]["executionStartedEventDetails"])
        # The CLI sees what the server ran.
        out = subprocess.run([STEPFN, "describe", "--store", self.store, "first"],
                             capture_output=True, text=True, check=True).stdout
        self.assertEqual(json.loads(out)["status"], "SUCCEEDED")

    def test_failed_execution(self):
        arn = self.create("Fails", FAIL)
        e = self.c.start_execution(stateMachineArn=arn)
        d = wait_status(self.c, e["executionArn"], "FAILED")
        self.assertEqual((d["status"], d["error"], d["cause"]), ("FAILED", "Boom", "on purpose"))

    def test_execution_names(self):
        arn = self.create("Named", WAIT)
        a = self.c.start_execution(stateMachineArn=arn, name="once", input="{}")
        # Same name and input while running: the same execution (idempotent).
        b = self.c.start_execution(stateMachineArn=arn, name="once", input="{}")
        self.assertEqual(a["executionArn"], b["executionArn"])
        with self.assertRaises(self.c.exceptions.ExecutionAlreadyExists):
            self.c.start_execution(stateMachineArn=arn, name="once", input='{"other": 1}')
        with self.assertRaises(self.c.exceptions.InvalidName):
            self.c.start_execution(stateMachineArn=arn, name="no spaces")
        with self.assertRaises(self.c.exceptions.InvalidExecutionInput):
            self.c.start_execution(stateMachineArn=arn, input="{oops")
        self.c.stop_execution(executionArn=a["executionArn"])

    def test_stop_a_waiting_execution(self):
        arn = self.create("Stops", WAIT)
        e = self.c.start_execution(stateMachineArn=arn, name="stopme")
        self.assertEqual(self.c.describe_execution(executionArn=e["executionArn"])["status"],
                         "RUNNING")
        r = self.c.stop_execution(executionArn=e["executionArn"], error="Halt", cause="enough")
        self.assertIn("stopDate", r)
        d = wait_status(self.c, e["executionArn"], "ABORTED")
        self.assertEqual((d["status"], d["error"], d["cause"]), ("ABORTED", "Halt", "enough"))
        types = [ev["type"] for ev in
                 self.c.get_execution_history(executionArn=e["executionArn"])["events"]]
        self.assertEqual(types[-1], "ExecutionAborted")

    def test_list_executions_filter_and_pages(self):
        arn = self.create("Many", PASS)
        started = [self.c.start_execution(stateMachineArn=arn, name="many-%02d" % i)
                   for i in range(55)]
        waiting = self.create("ManyWait", WAIT)
        w = self.c.start_execution(stateMachineArn=waiting, name="many-waiting")
        for s in started:
            wait_status(self.c, s["executionArn"], "SUCCEEDED")
        seen, token, pages = [], None, 0
        while True:
            kw = {"nextToken": token} if token else {}
            r = self.c.list_executions(stateMachineArn=arn, maxResults=20, **kw)
            pages += 1
            seen += [e["name"] for e in r["executions"]]
            token = r.get("nextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(sorted(seen), ["many-%02d" % i for i in range(55)])
        ok = self.c.list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED",
                                    maxResults=1000)["executions"]
        self.assertEqual(len(ok), 55)
        self.assertEqual(self.c.list_executions(stateMachineArn=arn,
                                                statusFilter="RUNNING")["executions"], [])
        running = self.c.list_executions(stateMachineArn=waiting,
                                         statusFilter="RUNNING")["executions"]
        self.assertEqual([e["name"] for e in running], ["many-waiting"])
        self.c.stop_execution(executionArn=w["executionArn"])
        with self.assertRaises(self.c.exceptions.StateMachineDoesNotExist):
            self.c.list_executions(stateMachineArn=ARN + "stateMachine:NoSuchMachine")

    def test_missing_things(self):
        with self.assertRaises(self.c.exceptions.ExecutionDoesNotExist):
            self.c.describe_execution(executionArn=ARN + "execution:Runs:never")
        with self.assertRaises(self.c.exceptions.ExecutionDoesNotExist):
            self.c.get_execution_history(executionArn=ARN + "execution:Runs:never")
        with self.assertRaises(self.c.exceptions.StateMachineDoesNotExist):
            self.c.start_execution(stateMachineArn=ARN + "stateMachine:Ghost")
        with self.assertRaises(self.c.exceptions.InvalidArn):
            self.c.describe_execution(executionArn="arn:aws:states:us-east-1:1:stateMachine:X")

    def test_mocked_execution_by_test_case(self):
        with open(os.path.join(MOCK_FIXTURES, "LambdaSQSIntegration.asl.json")) as f:
            definition = f.read()
        arn = self.c.create_state_machine(name="LambdaSQSIntegration", definition=definition,
                                          roleArn=ROLE)["stateMachineArn"]
        e = self.c.start_execution(stateMachineArn=arn + "#HappyPath", name="mocked-happy")
        self.assertEqual(e["executionArn"], ARN + "execution:LambdaSQSIntegration:mocked-happy")
        d = wait_status(self.c, e["executionArn"], "SUCCEEDED")
        self.assertEqual(d["status"], "SUCCEEDED")
        self.assertEqual(json.loads(d["output"])["MessageId"],
                         "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51")
        with self.assertRaises(self.c.exceptions.ClientError) as cm:
            self.c.start_execution(stateMachineArn=arn + "#NoSuchCase")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationException")

    # ---- actions botocore of Debian 12 does not know yet ----

    def test_validate_state_machine_definition(self):
        bad = {"StartAt": "X", "States": {"P": {"Type": "Pass", "End": True}}}
        status, body = answer(raw(self.server.port, post(
            "ValidateStateMachineDefinition", {"definition": json.dumps(bad)})))
        self.assertEqual(status, 200)
        self.assertEqual(body["result"], "FAIL")
        self.assertTrue(all(set(d) >= {"severity", "code", "message", "location"}
                            for d in body["diagnostics"]))
        self.assertIn("ERROR", [d["severity"] for d in body["diagnostics"]])
        status, body = answer(raw(self.server.port, post(
            "ValidateStateMachineDefinition", {"definition": json.dumps(PASS)})))
        self.assertEqual((status, body["result"]), (200, "OK"))

    def test_test_state(self):
        state = {"Type": "Pass", "Parameters": {"b.$": "$.a"}, "End": True}
        status, body = answer(raw(self.server.port, post(
            "TestState", {"definition": json.dumps(state), "input": '{"a": 7}'})))
        self.assertEqual(status, 200, body)
        self.assertEqual((body["status"], json.loads(body["output"])), ("SUCCEEDED", {"b": 7}))

    # ---- the protocol, and hostile clients ----

    def test_protocol_errors(self):
        port = self.server.port
        status, body = answer(raw(port, post("ListStateMachines", b"{not json")))
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))
        status, body = answer(raw(port, post("NoSuchAction", {})))
        self.assertEqual((status, body["__type"]), (400, "UnknownOperationException"))
        status, body = answer(raw(port, post("", {}, target="Other.ListStateMachines")))
        self.assertEqual((status, body["__type"]), (400, "UnknownOperationException"))
        status, body = answer(raw(port, post("DescribeStateMachine", {})))
        self.assertEqual((status, body["__type"]), (400, "ValidationException"))
        status, body = answer(raw(port, post("DescribeStateMachine", {"stateMachineArn": 7})))
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))

    def test_hostile_requests_leave_the_server_answering(self):
        port = self.server.port
        # Garbage bytes: 400 and the connection closed.
        self.assertTrue(raw(port, b"\x00\xff garbage \r\n\r\n").startswith(b"HTTP/1.1 400"))
        # A huge body is refused from its Content-Length, unread.
        huge = (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines"
                b"\r\nContent-Length: 50000000\r\n\r\n" + b"x" * 65536)
        self.assertTrue(raw(port, huge).startswith(b"HTTP/1.1 413"))
        # A header block over the parser's limit.
        big_header = b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n"
        self.assertRegex(raw(port, big_header)[:12], b"HTTP/1.1 4")
        # A request trickling in holds its connection only, not the server.
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Ta")
        self.assertIn("stateMachines", self.c.list_state_machines())
        slow.sendall(b"rget: AWSStepFunctions.ListStateMachines\r\nContent-Length: 2\r\n\r\n{}")
        slow.settimeout(5)
        self.assertTrue(slow.recv(65536).startswith(b"HTTP/1.1 200"))
        slow.close()
        # Many connections opened and dropped.
        for _ in range(50):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n{")
            s.close()
        self.assertIn("stateMachines", self.c.list_state_machines())

    def test_pipelined_and_kept_alive(self):
        one = (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines"
               b"\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}")
        data = raw(self.server.port, one + one + post("ListStateMachines", {}))
        self.assertEqual(data.count(b"HTTP/1.1 200 OK"), 3)

    def test_aws_cli(self):
        if not shutil.which("aws"):
            self.skipTest("the aws CLI is missing: run tools/bootstrap.sh (awscli)")
        env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y",
                   AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                   AWS_PAGER="")

        def aws(*args):
            r = subprocess.run(["aws", "stepfunctions", *args, "--endpoint-url",
                                self.server.url, "--output", "json"],
                               capture_output=True, text=True, env=env, timeout=60)
            return r.returncode, json.loads(r.stdout) if r.stdout.strip() else None, r.stderr

        rc, out, err = aws("create-state-machine", "--name", "FromCli", "--definition",
                           json.dumps(PASS), "--role-arn", ROLE)
        self.assertEqual(rc, 0, err)
        arn = out["stateMachineArn"]
        rc, out, err = aws("start-execution", "--state-machine-arn", arn, "--name", "cli-run",
                           "--input", '{"from": "cli"}')
        self.assertEqual(rc, 0, err)
        wait_status(self.c, out["executionArn"], "SUCCEEDED")
        rc, out, err = aws("describe-execution", "--execution-arn", out["executionArn"])
        self.assertEqual((rc, out["status"]), (0, "SUCCEEDED"), err)
        rc, out, err = aws("list-state-machines")
        self.assertIn("FromCli", [m["name"] for m in out["stateMachines"]])
        rc, out, err = aws("describe-state-machine", "--state-machine-arn",
                           ARN + "stateMachine:Nope")
        self.assertNotEqual(rc, 0)
        self.assertIn("StateMachineDoesNotExist", err)


class TimeoutTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="stepfn-serve-")
        self.server = Server(os.path.join(self.tmp, "store"), "--idle-timeout", "1",
                             "--request-timeout", "0.5")

    def tearDown(self):
        self.assertEqual(self.server.stop()[0], 0)
        shutil.rmtree(self.tmp)

    def test_a_request_trickling_in_gets_408_and_is_closed(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Tar")
        started = time.time()
        data = s.recv(65536)
        self.assertTrue(data.startswith(b"HTTP/1.1 408"), data)
        self.assertLess(time.time() - started, 5)
        s.close()
        self.assertIn("stateMachines", self.server.client().list_state_machines())

    def test_an_idle_connection_is_closed(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        started = time.time()
        self.assertEqual(s.recv(65536), b"")
        self.assertLess(time.time() - started, 5)
        s.close()

    def test_bad_timeouts_are_usage_errors(self):
        r = subprocess.run([STEPFN, "serve", "--idle-timeout", "0"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--idle-timeout", r.stderr)


class ShutdownTest(unittest.TestCase):
    def test_sigterm_aborts_running_executions_and_exits_0(self):
        tmp = tempfile.mkdtemp(prefix="stepfn-serve-")
        try:
            store = os.path.join(tmp, "store")
            server = Server(store)
            c = server.client()
            arn = c.create_state_machine(name="Long", definition=json.dumps(WAIT),
                                         roleArn=ROLE)["stateMachineArn"]
            c.start_execution(stateMachineArn=arn, name="cut-short")
            status, err = server.stop()
            self.assertEqual(status, 0, err)
            out = subprocess.run([STEPFN, "describe", "--store", store, "cut-short"],
                                 capture_output=True, text=True, check=True).stdout
            self.assertEqual(json.loads(out)["status"], "ABORTED")
        finally:
            shutil.rmtree(tmp)

    def test_a_busy_port_is_a_usage_error(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen()
        try:
            r = subprocess.run([STEPFN, "serve", "--listen", "127.0.0.1:%d" % s.getsockname()[1],
                                "--store", "/nonexistent/never"], capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(r.returncode, 2)
            self.assertIn("cannot listen", r.stderr)
        finally:
            s.close()


if __name__ == "__main__":
    STEPFN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
