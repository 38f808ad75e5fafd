#!/usr/bin/env python3
"""End-to-end tests of the optimized DynamoDB integrations
(arn:aws:states:::dynamodb:getItem, putItem, updateItem, deleteItem)
against a real DynamoDB-compatible server on 127.0.0.1.

Two servers run for the whole file, both on loopback:
  - dynalite (npm, installed by tools/bootstrap.sh; see README there), an
    implementation of DynamoDB's API that does not check signatures;
  - sigv4_server.py in front of it, which recomputes every request's
    Signature Version 4 with botocore (independently of libcurl, which
    signs stepfn's requests), refuses a bad one as AWS does, and forwards
    the good ones. A second one also demands a session token.
Every `stepfn run` gets an environment of its own: fake credentials, an
empty HOME (or shared files written by the test), and the endpoint of the
local server, so nothing can leave 127.0.0.1.

usage: test_aws_dynamodb.py STEPFN_BINARY [--dynalite DIR]
  DIR holds node_modules/dynalite; default: $STEPFN_TOOLS_DIR/dynalite or
  ${XDG_CACHE_HOME:-~/.cache}/stepfn/dynalite, where bootstrap puts it.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STEPFN = None
DYNALITE = None
SECRET = "local-test-secret"
KEY_ID = "AKIDLOCALTEST"
TOKEN = "local-session-token"
ARN = "arn:aws:states:::dynamodb:"
TABLE = "Orders"

SERVERS = {}  # name -> (process, port, log path)


def task(action, params, **fields):
    return dict({"Type": "Task", "Resource": ARN + action, "Parameters": params}, **fields)


def start_server(name, argv, cwd):
    """Start a server that prints "port N" first; return its port. Its
    requests go to NAME.log (sigv4_server.py --log), its stderr to NAME.err."""
    log = os.path.join(cwd, name + ".log")
    open(log, "w").close()
    with open(os.path.join(cwd, name + ".err"), "w") as err:
        proc = subprocess.Popen(argv + (["--log", log] if name != "dynalite" else []), cwd=cwd,
                                stdout=subprocess.PIPE, stderr=err, text=True)
    line = proc.stdout.readline()
    proc.stdout.close()
    if not line.startswith("port "):
        proc.kill()
        raise RuntimeError("%s did not start: %r (see %s.err)" % (name, line, name))
    port = int(line.split()[1])
    SERVERS[name] = (proc, port, log)
    return port


def signed_call(port, target, body):
    """A request of the test's own (CreateTable), signed with botocore."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = "http://127.0.0.1:%d/" % port
    data = json.dumps(body).encode()
    req = AWSRequest(method="POST", url=url, data=data,
                     headers={"X-Amz-Target": "DynamoDB_20120810." + target,
                              "Content-Type": "application/x-amz-json-1.0"})
    SigV4Auth(Credentials(KEY_ID, SECRET), "dynamodb", "us-east-1").add_auth(req)
    r = urllib.request.Request(url, data=data, headers=dict(req.headers.items()), method="POST")
    with urllib.request.urlopen(r, timeout=30) as resp:
        return json.loads(resp.read())


def setUpModule():
    global WORK
    WORK = tempfile.mkdtemp(prefix="stepfn-aws-")
    launcher = os.path.join(WORK, "dynalite.js")
    with open(launcher, "w") as fh:
        fh.write("const dynalite = require(process.argv[2]);\n"
                 "const s = dynalite({createTableMs: 0, deleteTableMs: 0, updateTableMs: 0});\n"
                 "s.listen(0, '127.0.0.1', () => console.log('port ' + s.address().port));\n")
    dyn = start_server("dynalite", ["node", launcher, os.path.join(DYNALITE, "node_modules",
                                                                    "dynalite")], WORK)
    upstream = "http://127.0.0.1:%d/" % dyn
    server = os.path.join(HERE, "sigv4_server.py")
    start_server("signed", [sys.executable, "-u", server, "--secret", SECRET,
                            "--upstream", upstream], WORK)
    start_server("token", [sys.executable, "-u", server, "--secret", SECRET,
                           "--token", TOKEN, "--upstream", upstream], WORK)
    signed_call(SERVERS["signed"][1], "CreateTable", {
        "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]})


def tearDownModule():
    for proc, _, _ in SERVERS.values():
        proc.kill()
        proc.wait()
    shutil.rmtree(WORK, ignore_errors=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class DynamoDBTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="stepfn-aws-case-")
        self.dir = self.tmp.name
        self.home = os.path.join(self.dir, "home")
        os.mkdir(self.home)
        self.store = os.path.join(self.dir, "store")
        self.log_start = {name: os.path.getsize(log) for name, (_, _, log) in SERVERS.items()}

    def tearDown(self):
        self.tmp.cleanup()

    # ---- helpers ----

    def endpoint(self, server="signed"):
        return "http://127.0.0.1:%d" % SERVERS[server][1]

    def env(self, **extra):
        """The whole environment of a run: nothing of ours leaks in."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home,
               "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
               "AWS_ENDPOINT_URL_DYNAMODB": self.endpoint()}
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def write(self, path, value):
        full = os.path.join(self.dir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as fh:
            fh.write(value if isinstance(value, str) else json.dumps(value))
        return full

    def machine(self, states):
        return self.write("machine.asl.json", {"StartAt": next(iter(states)), "States": states})

    def run_json(self, definition, inp="{}", env=None, name="e", expect_exit=None, args=()):
        proc = subprocess.run([STEPFN, "run", definition, "--input", inp, "--store", self.store,
                               "--name", name, "--format", "json", *args], cwd=self.dir,
                              capture_output=True, text=True, env=env or self.env(), timeout=60)
        if expect_exit is not None:
            self.assertEqual(proc.returncode, expect_exit, proc.stdout + proc.stderr)
        self.assertNotIn("Sanitizer", proc.stderr)
        return json.loads(proc.stdout), proc

    def events(self, name="e"):
        proc = subprocess.run([STEPFN, "history", name, "--store", self.store],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout)["events"]

    @staticmethod
    def details(event):
        return next((v for k, v in event.items() if k.endswith("EventDetails")), {})

    def of_type(self, kind, name="e"):
        return [self.details(e) for e in self.events(name) if e["type"] == kind]

    def requests(self, server="signed"):
        """What the server saw since the test began: one dict per request."""
        with open(SERVERS[server][2]) as fh:
            fh.seek(self.log_start[server])
            return [json.loads(line) for line in fh if line.startswith("{")]

    # ---- the four actions, end to end ----

    def test_put_get_update_catch_delete(self):
        key = {"id": {"S.$": "$.id"}}
        defn = self.machine({
            "Put": task("putItem", {"TableName": TABLE,
                                    "Item": {"id": {"S.$": "$.id"}, "total": {"N": "10"},
                                             "status": {"S": "new"}}},
                        ResultPath="$.put", Next="Get"),
            "Get": task("getItem", {"TableName": TABLE, "Key": key, "ConsistentRead": True},
                        ResultSelector={"item.$": "$.Item"}, ResultPath="$.got", Next="Bump"),
            "Bump": task("updateItem", {"TableName": TABLE, "Key": key,
                                        "UpdateExpression": "SET #t = #t + :n",
                                        "ExpressionAttributeNames": {"#t": "total"},
                                        "ExpressionAttributeValues": {":n": {"N": "5"}},
                                        "ReturnValues": "UPDATED_NEW"},
                         ResultSelector={"new.$": "$.Attributes"}, ResultPath="$.bumped",
                         Next="Guard"),
            "Guard": task("updateItem", {"TableName": TABLE, "Key": key,
                                         "UpdateExpression": "SET #s = :shipped",
                                         "ConditionExpression": "#s = :paid",
                                         "ExpressionAttributeNames": {"#s": "status"},
                                         "ExpressionAttributeValues": {
                                             ":shipped": {"S": "shipped"}, ":paid": {"S": "paid"}}},
                          Catch=[{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                                  "ResultPath": "$.caught", "Next": "Delete"}],
                          Next="Delete"),
            "Delete": task("deleteItem", {"TableName": TABLE, "Key": key,
                                          "ReturnValues": "ALL_OLD"},
                           ResultSelector={"old.$": "$.Attributes"}, ResultPath="$.deleted",
                           Next="Gone"),
            "Gone": task("getItem", {"TableName": TABLE, "Key": key}, ResultPath="$.gone",
                         End=True),
        })
        out, _ = self.run_json(defn, '{"id": "order-1"}', expect_exit=0)
        self.assertEqual(out["status"], "SUCCEEDED")
        result = json.loads(out["output"])
        self.assertEqual(result["got"], {"item": {"id": {"S": "order-1"}, "total": {"N": "10"},
                                                  "status": {"S": "new"}}})
        self.assertEqual(result["bumped"], {"new": {"total": {"N": "15"}}})
        self.assertEqual(result["caught"]["Error"], "DynamoDB.ConditionalCheckFailedException")
        self.assertRegex(result["caught"]["Cause"],
                         r"^The conditional request failed \(Service: AmazonDynamoDBv2; "
                         r"Status Code: 400; Error Code: ConditionalCheckFailedException; "
                         r"Request ID: \S+; Proxy: null\)$")
        self.assertEqual(result["deleted"], {"old": {"id": {"S": "order-1"}, "total": {"N": "15"},
                                                     "status": {"S": "new"}}})
        # PutItem answers {} and a missing item has no Item: the metadata is all there is
        for part in ("put", "gone"):
            self.assertEqual(sorted(result[part]), ["SdkHttpMetadata", "SdkResponseMetadata"])
        meta = result["put"]["SdkHttpMetadata"]
        self.assertEqual(meta["HttpStatusCode"], 200)
        self.assertEqual(meta["HttpHeaders"]["content-type"], "application/x-amz-json-1.0")
        self.assertEqual(meta["AllHttpHeaders"]["content-type"], ["application/x-amz-json-1.0"])
        self.assertEqual(result["put"]["SdkResponseMetadata"]["RequestId"],
                         meta["HttpHeaders"]["x-amzn-requestid"])

        # history: as AWS records the optimized integrations
        scheduled = self.of_type("TaskScheduled")
        self.assertEqual([(d["resourceType"], d["resource"]) for d in scheduled],
                         [("dynamodb", "putItem"), ("dynamodb", "getItem"),
                          ("dynamodb", "updateItem"), ("dynamodb", "updateItem"),
                          ("dynamodb", "deleteItem"), ("dynamodb", "getItem")])
        self.assertEqual({d["region"] for d in scheduled}, {"us-east-1"})
        self.assertEqual(json.loads(scheduled[0]["parameters"]),
                         {"TableName": TABLE, "Item": {"id": {"S": "order-1"},
                                                       "total": {"N": "10"},
                                                       "status": {"S": "new"}}})
        failed = self.of_type("TaskFailed")
        self.assertEqual([(d["resource"], d["error"]) for d in failed],
                         [("updateItem", "DynamoDB.ConditionalCheckFailedException")])
        self.assertEqual(len(self.of_type("TaskSucceeded")), 5)

        # on the wire: every request signed correctly, one per task, in order
        seen = self.requests()
        self.assertEqual([r["target"] for r in seen],
                         ["DynamoDB_20120810." + a for a in
                          ("PutItem", "GetItem", "UpdateItem", "UpdateItem", "DeleteItem",
                           "GetItem")])
        self.assertEqual({r["verdict"] for r in seen}, {"ok"})
        first = seen[0]["headers"]
        self.assertEqual(first["content-type"], "application/x-amz-json-1.0")
        self.assertRegex(first["authorization"],
                         r"^AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/\d{8}/us-east-1/dynamodb/"
                         r"aws4_request, SignedHeaders=[a-z0-9;-]*content-type;host;[a-z0-9;-]*"
                         r"x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$")
        self.assertNotIn("expect", first["authorization"])

    def test_missing_table_is_resource_not_found(self):
        defn = self.machine({"Get": task("getItem", {"TableName": "NoSuchTable",
                                                     "Key": {"id": {"S": "x"}}}, End=True)})
        out, _ = self.run_json(defn, expect_exit=1)
        self.assertEqual(out["error"], "DynamoDB.ResourceNotFoundException")
        self.assertIn("Error Code: ResourceNotFoundException", out["cause"])

    def test_validation_errors_are_the_sdk_catch_all(self):
        # ValidationException is not one of the SDK's modeled exceptions:
        # Step Functions reports DynamoDB.AmazonDynamoDBException
        defn = self.machine({"Put": task("putItem", {"TableName": TABLE,
                                                     "Item": {"wrong": {"S": "x"}}}, End=True)})
        out, _ = self.run_json(defn, expect_exit=1)
        self.assertEqual(out["error"], "DynamoDB.AmazonDynamoDBException")
        self.assertRegex(out["cause"], r"^One or more parameter values were invalid: .*"
                                       r"\(Service: AmazonDynamoDBv2; Status Code: 400; "
                                       r"Error Code: ValidationException; Request ID: ")

    def test_retry_on_a_dynamodb_error(self):
        defn = self.machine({"Get": task("getItem", {"TableName": "Missing", "Key": {}},
                                         Retry=[{"ErrorEquals": ["DynamoDB.ResourceNotFoundException"],
                                                 "MaxAttempts": 2, "IntervalSeconds": 1}],
                                         End=True)})
        out, _ = self.run_json(defn, expect_exit=1, args=("--wait-scale", "0"))
        self.assertEqual(out["error"], "DynamoDB.ResourceNotFoundException")
        self.assertEqual(len(self.requests()), 3)

    # ---- signatures and credentials ----

    def test_wrong_secret_fails_with_the_signature_error(self):
        defn = self.machine({"Get": task("getItem", {"TableName": TABLE,
                                                     "Key": {"id": {"S": "x"}}}, End=True)})
        out, _ = self.run_json(defn, env=self.env(AWS_SECRET_ACCESS_KEY="not-the-secret"),
                               expect_exit=1)
        self.assertEqual(out["error"], "DynamoDB.AmazonDynamoDBException")
        self.assertIn("The request signature we calculated does not match the signature you "
                      "provided.", out["cause"])
        self.assertIn("Error Code: InvalidSignatureException", out["cause"])
        self.assertEqual([r["verdict"] for r in self.requests()], ["InvalidSignatureException"])

    def test_an_unsigned_request_after_a_signed_one_carries_no_signature(self):
        # the HTTP client reuses curl handles: signing must not stick to one.
        # (The Wait lets the first request's handle go back to the pool
        # before the next request takes one.)
        defn = self.machine({
            "Get": task("getItem", {"TableName": TABLE, "Key": {"id": {"S": "x"}}},
                        ResultPath=None, Next="Pause"),
            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Plain"},
            "Plain": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                      "Parameters": {"ApiEndpoint": self.endpoint() + "/", "Method": "POST",
                                     "Headers": {"X-Amz-Target": "DynamoDB_20120810.GetItem"},
                                     "RequestBody": {"TableName": TABLE}},
                      "Catch": [{"ErrorEquals": ["States.Http.StatusCode.400"],
                                 "ResultPath": "$.refused", "Next": "Again"}],
                      "Next": "Again"},
            "Again": task("getItem", {"TableName": TABLE, "Key": {"id": {"S": "x"}}},
                          ResultPath=None, End=True)})
        out, _ = self.run_json(defn, expect_exit=0)
        self.assertIn("MissingAuthenticationTokenException",
                      json.loads(out["output"])["refused"]["Cause"])
        seen = self.requests()
        self.assertEqual([r["verdict"] for r in seen],
                         ["ok", "MissingAuthenticationTokenException", "ok"])
        self.assertNotIn("authorization", seen[1]["headers"])
        self.assertNotIn("x-amz-date", seen[1]["headers"])

    def test_session_token_is_sent_and_signed(self):
        defn = self.machine({"Get": task("getItem", {"TableName": TABLE,
                                                     "Key": {"id": {"S": "x"}}}, End=True)})
        env = self.env(AWS_SESSION_TOKEN=TOKEN, AWS_ENDPOINT_URL_DYNAMODB=self.endpoint("token"))
        out, _ = self.run_json(defn, env=env, expect_exit=0)
        self.assertEqual(json.loads(out["output"])["SdkHttpMetadata"]["HttpStatusCode"], 200)
        (seen,) = self.requests("token")
        self.assertEqual(seen["verdict"], "ok")
        self.assertEqual(seen["headers"]["x-amz-security-token"], TOKEN)
        self.assertIn(";x-amz-security-token;", seen["headers"]["authorization"])
        # the same server without the token: refused as AWS refuses it
        env = self.env(AWS_ENDPOINT_URL_DYNAMODB=self.endpoint("token"))
        out, _ = self.run_json(defn, env=env, name="e2", expect_exit=1)
        self.assertEqual(out["error"], "DynamoDB.AmazonDynamoDBException")
        self.assertIn("Error Code: UnrecognizedClientException", out["cause"])

    def test_profile_and_services_section_give_credentials_region_and_endpoint(self):
        self.write("home/.aws/credentials",
                   "[local]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                   % (KEY_ID, SECRET))
        self.write("home/.aws/config",
                   "[profile local]\nregion = eu-west-3\nservices = here\n\n"
                   "[services here]\ndynamodb =\n  endpoint_url = %s\n" % self.endpoint())
        env = self.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                       AWS_ENDPOINT_URL_DYNAMODB=None, AWS_PROFILE="local")
        defn = self.machine({"Get": task("getItem", {"TableName": TABLE,
                                                     "Key": {"id": {"S": "x"}}}, End=True)})
        self.run_json(defn, env=env, expect_exit=0)
        (seen,) = self.requests()
        self.assertEqual(seen["verdict"], "ok")
        self.assertIn("Credential=%s/" % KEY_ID, seen["headers"]["authorization"])
        self.assertIn("/eu-west-3/dynamodb/aws4_request", seen["headers"]["authorization"])
        self.assertEqual(self.of_type("TaskScheduled")[0]["region"], "eu-west-3")

    def test_no_credentials_fail_the_task_as_it_starts(self):
        defn = self.machine({"Get": task("getItem", {"TableName": TABLE, "Key": {}}, End=True)})
        env = self.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
        out, _ = self.run_json(defn, env=env, expect_exit=1)
        self.assertEqual(out["error"], "States.TaskFailed")
        self.assertIn("no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or "
                      "AWS_PROFILE", out["cause"])
        self.assertIn("mock the state 'Get'", out["cause"])
        self.assertEqual(len(self.of_type("TaskStartFailed")), 1)
        self.assertEqual(self.requests(), [])

    def test_malformed_config_file_is_named_with_its_line(self):
        config = self.write("home/.aws/config", "[default]\nregion = eu-west-1\n[broken\n")
        defn = self.machine({"Get": task("getItem", {"TableName": TABLE, "Key": {}}, End=True)})
        out, _ = self.run_json(defn, expect_exit=1)
        self.assertEqual(out["error"], "States.TaskFailed")
        self.assertIn("%s:3: a section header needs a closing ']'" % config, out["cause"])
        self.assertEqual(self.requests(), [])

    # ---- transport, mocks, validation ----

    def test_unreachable_endpoint_is_a_task_failure(self):
        defn = self.machine({"Get": task("getItem", {"TableName": TABLE, "Key": {}}, End=True)})
        env = self.env(AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:%d" % free_port())
        out, _ = self.run_json(defn, env=env, expect_exit=1)
        self.assertEqual(out["error"], "States.TaskFailed")
        self.assertIn("The HTTP request failed", out["cause"])
        self.assertIn("127.0.0.1", out["cause"])

    def test_a_mock_config_case_still_answers_first(self):
        defn = self.machine({"Put": task("putItem", {"TableName": TABLE, "Item": {}}, End=True)})
        self.write("mocks.json", {
            "StateMachines": {"machine": {"TestCases": {"Ok": {"Put": "R"}}}},
            "MockedResponses": {"R": {"0": {"Return": {"mocked": True}}}}})
        out, proc = self.run_json(defn, expect_exit=0,
                                  args=("--mock-config", "mocks.json", "--test-case", "Ok"))
        self.assertEqual(json.loads(out["output"]), {"mocked": True})
        self.assertEqual(self.requests(), [])
        self.assertEqual(self.of_type("TaskScheduled")[0]["resourceType"], "dynamodb")

    def test_validation_no_longer_warns_about_these_resources(self):
        defn = self.machine({
            "Put": task("putItem", {"TableName": TABLE, "Item": {}}, Next="Query"),
            "Query": task("query", {"TableName": TABLE}, End=True)})
        proc = subprocess.run([STEPFN, "validate", defn], capture_output=True, text=True,
                              timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("dynamodb:putItem", proc.stderr)
        self.assertIn("'arn:aws:states:::dynamodb:query': stepfn cannot run it", proc.stderr)


def main():
    global STEPFN, DYNALITE
    p = argparse.ArgumentParser()
    p.add_argument("stepfn")
    p.add_argument("--dynalite")
    args, rest = p.parse_known_args()
    STEPFN = os.path.abspath(args.stepfn)
    cache = os.environ.get("STEPFN_TOOLS_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "stepfn")
    DYNALITE = args.dynalite or os.path.join(cache, "dynalite")
    missing = []
    if not os.path.isfile(os.path.join(DYNALITE, "node_modules", "dynalite", "package.json")):
        missing.append("dynalite in %s" % DYNALITE)
    if not shutil.which("node"):
        missing.append("node")
    try:
        import botocore  # noqa: F401
    except ImportError:
        missing.append("botocore for %s (Debian: python3-botocore)" % sys.executable)
    if missing:
        print("test_aws_dynamodb: missing %s; run tools/bootstrap.sh" % ", ".join(missing),
              file=sys.stderr)
        return 1
    prog = unittest.main(argv=[sys.argv[0], *rest], exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
