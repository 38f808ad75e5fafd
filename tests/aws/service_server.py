#!/usr/bin/env python3
"""service_server.py — a loopback stand-in for AWS services that have no
local emulator (SQS, EventBridge, Step Functions, Secrets Manager in the
JSON protocol; SNS in the Query protocol), checking each request the way
the service would before it answers.

Every request goes through these checks, in order, each answered as AWS
answers it (HTTP 400 and {"__type": ..., "message": ...}):
  1. Signature Version 4, recomputed with botocore (sigv4_server.verify):
     InvalidSignatureException, IncompleteSignatureException, ...
  2. X-Amz-Target: its prefix names one of the services below (botocore's
     model: metadata.targetPrefix) and its operation is one of the
     model's; the credential scope's service is the model's signing name
     (UnknownOperationException, InvalidSignatureException).
  3. Content-Type is application/x-amz-json-<the model's jsonVersion>.
  4. The body is a JSON object that fits the operation's input shape:
     required members present, no member the shape does not have, each
     value of the shape's type, recursively (ValidationException,
     SerializationException).
  5. Throttling, when the test asked for it: POST /__control
     {"throttle": N, "error": "ThrottlingException"} (unsigned) makes the
     next N signed requests fail with that error code.
SNS requests (signed for "sns", no X-Amz-Target) are forms instead:
Action one of the model's operations, Version its apiVersion, every
parameter a member of the input shape (a map's as entry.N.Name /
entry.N.Value.X), the required ones present; the answer is XML
(<PublishResponse><PublishResult><MessageId>..., or <ErrorResponse> with
NotFound, 404, for a topic other than orders-topic).
Then the operation answers with a recorded shape: SendMessage (the MD5 of
the body, a MessageId; QueueDoesNotExist for a queue URL not ending in
/orders or /jobs), GetQueueUrl, PutEvents (an EventId per entry, or an
error entry for one without Source/DetailType/Detail), StartExecution and
DescribeExecution (RUNNING for the first `running` describes — default 2,
set through /__control — then SUCCEEDED with output {"echo": <input>}, or
FAILED for a state machine named Failing; StateMachineDoesNotExist for
one named Missing), GetSecretValue (ResourceNotFoundException unless the
secret is "db-password"); any other operation answers {}.

With --log FILE each request is appended as one JSON line {"target",
"verdict", "headers", "body"}. The port is printed on stdout: "port N".

Usage: service_server.py --secret S [--port N] [--log FILE]
"""
import argparse
import hashlib
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sigv4_server import verify  # noqa: E402

from botocore.loaders import Loader  # noqa: E402

SERVICES = ("sqs", "events", "stepfunctions", "secretsmanager", "logs", "kinesis", "ssm",
            "athena", "dynamodb")
ACCOUNT = "123456789012"


def load_models():
    """{targetPrefix: model} for the services above."""
    loader = Loader()
    models = {}
    for name in SERVICES:
        model = loader.load_service_model(name, "service-2")
        models[model["metadata"]["targetPrefix"]] = model
    return models


MODELS = load_models()
SNS = Loader().load_service_model("sns", "service-2")
TOPIC = "arn:aws:sns:us-east-1:%s:orders-topic" % ACCOUNT


class Refused(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def check_value(model, shape_name, value, where):
    """Raise Refused when value does not fit the shape, as the service's
    request validation would."""
    shape = model["shapes"][shape_name]
    kind = shape["type"]
    if kind == "structure":
        if not isinstance(value, dict):
            raise Refused("SerializationException", "%s must be an object" % where)
        members = shape.get("members", {})
        for name in value:
            if name not in members:
                raise Refused("ValidationException",
                              "%s has no member '%s' (members: %s)"
                              % (where, name, ", ".join(members)))
        for name in shape.get("required", []):
            if name not in value:
                raise Refused("ValidationException",
                              "1 validation error detected: Value null at '%s.%s' failed to "
                              "satisfy constraint: Member must not be null" % (where, name))
        for name, v in value.items():
            check_value(model, members[name]["shape"], v, "%s.%s" % (where, name))
    elif kind == "list":
        if not isinstance(value, list):
            raise Refused("SerializationException", "%s must be a list" % where)
        for i, v in enumerate(value):
            check_value(model, shape["member"]["shape"], v, "%s[%d]" % (where, i))
    elif kind == "map":
        if not isinstance(value, dict):
            raise Refused("SerializationException", "%s must be a map" % where)
        for k, v in value.items():
            check_value(model, shape["value"]["shape"], v, "%s.%s" % (where, k))
    elif kind in ("string", "blob"):
        if not isinstance(value, str):
            raise Refused("SerializationException", "%s must be a string, not %s"
                          % (where, json.dumps(value)))
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise Refused("SerializationException", "%s must be a boolean" % where)
    elif kind in ("integer", "long", "double", "float", "timestamp"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Refused("SerializationException", "%s must be a number" % where)


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.throttle = 0
        self.throttle_error = "ThrottlingException"
        self.running = 2
        self.executions = {}  # arn -> {"input", "describes", "machine", "start"}


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def send_message(state, req):
    url = req["QueueUrl"]
    if not (url.endswith("/orders") or url.endswith("/jobs")):
        raise Refused("QueueDoesNotExist", "The specified queue does not exist.")
    return {"MD5OfMessageBody": md5(req["MessageBody"]), "MessageId": str(uuid.uuid4())}


def get_queue_url(state, req):
    if req["QueueName"] not in ("orders", "jobs"):
        raise Refused("QueueDoesNotExist", "The specified queue does not exist.")
    return {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/%s/%s" % (ACCOUNT, req["QueueName"])}


def put_events(state, req):
    entries, failed = [], 0
    for e in req["Entries"]:
        if not all(k in e for k in ("Source", "DetailType", "Detail")):
            entries.append({"ErrorCode": "InvalidArgument",
                            "ErrorMessage": "Parameter(s) Source, DetailType, Detail must be "
                                            "specified."})
            failed += 1
            continue
        try:
            json.loads(e["Detail"])
        except ValueError:
            entries.append({"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."})
            failed += 1
            continue
        entries.append({"EventId": str(uuid.uuid4())})
    return {"Entries": entries, "FailedEntryCount": failed}


def start_execution(state, req):
    machine = req["stateMachineArn"].rsplit(":", 1)[-1]
    if ":stateMachine:" not in req["stateMachineArn"]:
        raise Refused("InvalidArn", "Invalid Arn: '%s'" % req["stateMachineArn"])
    if machine == "Missing":
        raise Refused("StateMachineDoesNotExist",
                      "State Machine Does Not Exist: '%s'" % req["stateMachineArn"])
    text = req.get("input", "{}")
    try:
        json.loads(text)
    except ValueError:
        raise Refused("InvalidExecutionInput", "Invalid State Machine Execution Input")
    name = req.get("name") or str(uuid.uuid4())
    arn = "arn:aws:states:us-east-1:%s:execution:%s:%s" % (ACCOUNT, machine, name)
    with state.lock:
        if arn in state.executions:
            raise Refused("ExecutionAlreadyExists", "Execution Already Exists: '%s'" % arn)
        state.executions[arn] = {"input": text, "describes": 0, "machine": req["stateMachineArn"],
                                 "name": name, "start": time.time()}
    return {"executionArn": arn, "startDate": state.executions[arn]["start"]}


def describe_execution(state, req):
    with state.lock:
        ex = state.executions.get(req["executionArn"])
        if ex is None:
            raise Refused("ExecutionDoesNotExist", "Execution Does Not Exist: '%s'"
                          % req["executionArn"])
        ex["describes"] += 1
        describes = ex["describes"]
    out = {"executionArn": req["executionArn"], "stateMachineArn": ex["machine"],
           "name": ex["name"], "startDate": ex["start"], "input": ex["input"],
           "inputDetails": {"included": True}}
    if describes <= state.running:
        out["status"] = "RUNNING"
        return out
    out["stopDate"] = ex["start"] + 1
    if ex["machine"].endswith(":Failing"):
        out.update(status="FAILED", error="Child.Failed", cause="it failed")
    else:
        out.update(status="SUCCEEDED", output=json.dumps({"echo": json.loads(ex["input"])}),
                   outputDetails={"included": True})
    return out


def get_secret_value(state, req):
    if req["SecretId"] != "db-password":
        raise Refused("ResourceNotFoundException", "Secrets Manager can't find the specified "
                                                   "secret.")
    return {"ARN": "arn:aws:secretsmanager:us-east-1:%s:secret:db-password-AbCdEf" % ACCOUNT,
            "Name": "db-password", "SecretString": "hunter2", "VersionId": "v1",
            "VersionStages": ["AWSCURRENT"], "CreatedDate": 1700000000.5}


OPERATIONS = {
    ("AmazonSQS", "SendMessage"): send_message,
    ("AmazonSQS", "GetQueueUrl"): get_queue_url,
    ("AWSEvents", "PutEvents"): put_events,
    ("AWSStepFunctions", "StartExecution"): start_execution,
    ("AWSStepFunctions", "DescribeExecution"): describe_execution,
    ("secretsmanager", "GetSecretValue"): get_secret_value,
}


def error_type(model, code):
    """The __type a service sends: SQS and Step Functions qualify it with
    their namespace, as their JSON protocols do."""
    prefix = model["metadata"]["targetPrefix"]
    if prefix == "AmazonSQS":
        return "com.amazonaws.sqs#" + code
    if prefix == "AWSStepFunctions":
        return "com.amazonaws.swf.service.v2.model#" + code
    return code


def check_query(headers, body):
    """SNS, the Query protocol: (action, {member: value}) of a form that
    fits the operation's input shape, or raise Refused."""
    scope = headers["authorization"].split("Credential=", 1)[1].split(",")[0].split("/")
    if scope[3] != "sns":
        raise Refused("InvalidSignatureException", "Credential should be scoped to correct "
                                                   "service: 'sns'.")
    if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise Refused("InvalidAction", "not a form")
    pairs = urllib.parse.parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True)
    form = dict(pairs)
    if len(form) != len(pairs):
        raise Refused("InvalidParameter", "a parameter is given twice")
    action = form.pop("Action", None)
    if action not in SNS["operations"]:
        raise Refused("InvalidAction", "The action %s is not valid for this endpoint." % action)
    if form.pop("Version", None) != SNS["metadata"]["apiVersion"]:
        raise Refused("InvalidParameterValue", "Version must be %s" % SNS["metadata"]["apiVersion"])
    shape = SNS["shapes"][SNS["operations"][action]["input"]["shape"]]
    members = shape["members"]
    for key in form:
        top = key.split(".", 1)[0]
        if top not in members:
            raise Refused("InvalidParameter", "Unknown parameter %s" % key)
        kind = SNS["shapes"][members[top]["shape"]]["type"]
        if kind != "map" and key != top:
            raise Refused("InvalidParameter", "%s is not a map or list" % top)
        if kind == "map" and not (key.startswith(top + ".entry.") and
                                  (key.endswith(".Name") or ".Value." in key)):
            raise Refused("InvalidParameter", "%s is not entry.N.Name / entry.N.Value.X" % key)
    for name in shape.get("required", []):
        if name not in form:
            raise Refused("ValidationError", "1 validation error detected: Value null at '%s' "
                                             "failed to satisfy constraint: Member must not be "
                                             "null" % name)
    return action, form


def publish(form):
    if form.get("TopicArn") != TOPIC and form.get("TopicArn") != TOPIC + ".fifo":
        raise Refused("NotFound", "Topic does not exist", 404)
    entries = {k.split(".")[2] for k in form if k.startswith("MessageAttributes.entry.")}
    for n in entries:
        if "MessageAttributes.entry.%s.Value.DataType" % n not in form:
            raise Refused("ParameterValueInvalid", "The message attribute entry %s has no "
                                                   "DataType" % n)
    result = "<MessageId>%s</MessageId>" % uuid.uuid4()
    if form["TopicArn"].endswith(".fifo"):
        result += "<SequenceNumber>10000000000000000001</SequenceNumber>"
    return result


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def answer(self, status, body, content_type="application/x-amz-json-1.0", extra=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def answer_xml(self, status, xml):
        data = xml.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def handle_query(self, headers, body, error, message):
        """SNS: a form in, XML out, as the Query protocol answers."""
        rid = str(uuid.uuid4())
        action, status = None, 200
        try:
            if error:
                raise Refused(error, message, 403)
            action, form = check_query(headers, body)
            state = self.server.state
            with state.lock:
                if state.throttle > 0:
                    state.throttle -= 1
                    raise Refused(state.throttle_error, "Rate exceeded")
            result = publish(form) if action == "Publish" else ""
            xml = ('<%sResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">\n'
                   '  <%sResult>%s</%sResult>\n'
                   '  <ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>\n'
                   '</%sResponse>\n' % (action, action, result, action, rid, action))
        except Refused as r:
            error, status = r.code, r.status
            xml = ('<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">\n'
                   '  <Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>\n'
                   '  <RequestId>%s</RequestId>\n</ErrorResponse>\n'
                   % (escape(r.code), escape(r.message), rid))
        self.log_request_line("Query." + str(action), error, headers, body)
        self.answer_xml(status, xml)

    def log_request_line(self, target, error, headers, body):
        if self.server.args.log:
            line = json.dumps({"target": target, "verdict": error or "ok",
                               "headers": headers, "body": body.decode("utf-8", "replace")})
            with self.server.log_lock, open(self.server.args.log, "a") as fh:
                fh.write(line + "\n")

    def control(self, body):
        state = self.server.state
        req = json.loads(body or b"{}")
        with state.lock:
            state.throttle = req.get("throttle", 0)
            state.throttle_error = req.get("error", "ThrottlingException")
            state.running = req.get("running", 2)
        self.answer(200, {})

    def check(self, headers, body):
        """(model, operation, request) or raise Refused."""
        target = headers.get("x-amz-target", "")
        prefix, _, operation = target.rpartition(".")
        model = self.model = MODELS.get(prefix)
        if model is None or operation not in model["operations"]:
            raise Refused("UnknownOperationException", "Unknown operation %r" % target)
        signing = model["metadata"].get("signingName") or model["metadata"]["endpointPrefix"]
        scope = headers["authorization"].split("Credential=", 1)[1].split(",")[0].split("/")
        if scope[3] != signing:
            raise Refused("InvalidSignatureException",
                          "Credential should be scoped to correct service: '%s'." % signing)
        want = "application/x-amz-json-" + model["metadata"]["jsonVersion"]
        if headers.get("content-type") != want:
            raise Refused("SerializationException", "Content-Type %r, not %r"
                          % (headers.get("content-type"), want))
        try:
            req = json.loads(body)
        except ValueError:
            raise Refused("SerializationException", "The body is not JSON")
        op = model["operations"][operation]
        if "input" in op:
            check_value(model, op["input"]["shape"], req, operation + "Input")
        state = self.server.state
        with state.lock:
            if state.throttle > 0:
                state.throttle -= 1
                raise Refused(state.throttle_error, "Rate exceeded")
        return model, operation, req

    def handle_any(self):
        n = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(n) if n else b""
        if self.path == "/__control":
            self.control(body)
            return
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + "," + v if k in headers else v
        error, message = verify(self.server.args, self.command, self.path, headers, body)
        if "x-amz-target" not in headers and "authorization" in headers and \
                "/sns/aws4_request" in headers["authorization"]:
            self.handle_query(headers, body, error, message)
            return
        self.model = None
        model, status, result = None, 200, None
        if error:
            status, result = 400, {"__type": "com.amazon.coral.service#" + error,
                                   "message": message}
        else:
            try:
                model, operation, req = self.check(headers, body)
                handler = OPERATIONS.get((model["metadata"]["targetPrefix"], operation))
                result = handler(self.server.state, req) if handler else {}
            except Refused as r:
                error = r.code
                status = r.status
                model = self.model
                result = {"__type": error_type(model, r.code) if model else r.code,
                          "message": r.message}
        self.log_request_line(headers.get("x-amz-target"), error, headers, body)
        ctype = "application/x-amz-json-" + (model["metadata"]["jsonVersion"] if model else "1.0")
        self.answer(status, result, ctype)

    do_POST = do_GET = do_PUT = do_DELETE = handle_any


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--secret", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--log")
    args = p.parse_args()
    args.token = None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.args = args
    server.state = State()
    server.log_lock = threading.Lock()
    print("port %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
