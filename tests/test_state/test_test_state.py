#!/usr/bin/env python3
"""End-to-end tests of `stepfn test-state` (AWS's TestState on the command line).

Usage:
    test_test_state.py STEPFN --steps DIR --server HTTP_SERVER

Each case runs the real stepfn on a state of states/ (re-typed from the
scenarios AWS's TestState was recorded on, plus stepfn's own: a step
program, an HTTP task) and compares the response field by field with what
AWS returns for it: the exact set of response and inspectionData members,
every JSON value as a string of JSON text, the status, nextState, error,
cause and errorDetails. Placeholders in the state files: @HTTP@ is the test
HTTP server (tests/support/http_server, started here on 127.0.0.1); a state's
folder has steps/ linked to the built step programs.

Prints one line per failing case and "N passed, M failed"; exits 1 if any
case failed.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STATES = os.path.join(HERE, "states")
HELLO = {"Value": "HelloWorld"}
IO_INPUT = {"initialData": {"fieldFromInput": "value from input", "otherField": "other"},
            "unrelatedData": {"someOtherField": 1234}}
LEVELS = ("INFO", "DEBUG", "TRACE")
RESPONSE_MEMBERS = {"output", "nextState", "status", "error", "cause", "inspectionData"}
JSON_TEXT_MEMBERS = ("input", "afterInputPath", "afterParameters", "result",
                     "afterResultSelector", "afterResultPath", "variables", "afterItemsPath")


class CaseFailure(Exception):
    pass


class Env:
    def __init__(self, stepfn, steps, http):
        self.stepfn = stepfn
        self.http = http
        self.root = tempfile.mkdtemp(prefix="stepfn-test-state-e2e-")
        self.tmpdir = os.path.join(self.root, "tmp")  # TMPDIR of stepfn: must end empty
        os.mkdir(self.tmpdir)
        self.folder = os.path.join(self.root, "states")
        os.mkdir(self.folder)
        os.symlink(steps, os.path.join(self.folder, "steps"))
        for name in os.listdir(STATES):
            with open(os.path.join(STATES, name)) as f:
                text = f.read().replace("@HTTP@", http).replace("@SLEEP_MS@", "30000")
            with open(os.path.join(self.folder, name), "w") as f:
                f.write(text)

    def path(self, name):
        return os.path.join(self.folder, name)

    def environment(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": self.tmpdir}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        return env

    def run(self, args, stdin=None):
        p = subprocess.run([self.stepfn, "test-state"] + args, input=stdin,
                           capture_output=True, text=True, env=self.environment(), timeout=60)
        left = os.listdir(self.tmpdir)
        if left:
            raise CaseFailure(f"temporary folders left behind: {left}")
        return p

    def test_state(self, state, input=None, level=None, extra=(), status=0):
        """Run a state with --format json; the response, parsed."""
        args = [self.path(state), "--format", "json"]
        if input is not None:
            args += ["--input", json.dumps(input)]
        if level:
            args += ["--inspection-level", level]
        p = self.run(args + list(extra))
        if p.returncode != status:
            raise CaseFailure(f"exit status {p.returncode}, expected {status}; "
                              f"stderr: {p.stderr.strip()}")
        try:
            return json.loads(p.stdout)
        except ValueError:
            raise CaseFailure(f"stdout is not one JSON object: {p.stdout!r}")

    def mock_file(self, mock):
        path = os.path.join(self.root, "mock.json")
        with open(path, "w") as f:
            json.dump(mock, f)
        return path


def json_text(where, value):
    if not isinstance(value, str):
        raise CaseFailure(f"{where} must be a string of JSON text, not {value!r}")
    try:
        return json.loads(value)
    except ValueError:
        raise CaseFailure(f"{where} is not JSON text: {value!r}")


def check(resp, want):
    """Compare a response with the expected one: `want` has the members AWS
    returns, JSON values as values (they must be JSON text in resp)."""
    if set(resp) - RESPONSE_MEMBERS:
        raise CaseFailure(f"members not in a TestState response: {set(resp) - RESPONSE_MEMBERS}")
    if set(resp) != set(want):
        raise CaseFailure(f"response members {sorted(resp)} != expected {sorted(want)}")
    for key, value in want.items():
        if key == "output":
            got = json_text("output", resp[key])
        elif key == "inspectionData":
            check_inspection(resp[key], value)
            continue
        else:
            got = resp[key]
        if got != value:
            raise CaseFailure(f"{key}: {got!r} != expected {value!r}")


def check_inspection(data, want):
    if set(data) != set(want):
        raise CaseFailure(f"inspectionData members {sorted(data)} != expected {sorted(want)}")
    for key, value in want.items():
        got = json_text(f"inspectionData.{key}", data[key]) if key in JSON_TEXT_MEMBERS \
            else data[key]
        if callable(value):
            value(got)
        elif got != value:
            raise CaseFailure(f"inspectionData.{key}: {got!r} != expected {value!r}")


def at_level(level, response, inspection):
    """The response AWS gives at `level`: no inspectionData at INFO."""
    want = dict(response)
    if level != "INFO":
        want["inspectionData"] = inspection
    return want


# ---- Cases: data flow of Pass, Choice, Succeed, Fail, Wait ----

def case_pass_every_level(env):
    for level in LEVELS:
        check(env.test_state("pass_base.json", HELLO, level),
              at_level(level, {"output": HELLO, "status": "SUCCEEDED"},
                       {"input": HELLO, "afterInputPath": HELLO, "afterParameters": HELLO,
                        "afterResultSelector": HELLO, "afterResultPath": HELLO}))


def case_pass_result_shows_result_not_input_path(env):
    result = {"resultKey": "result value"}
    for level in LEVELS:
        check(env.test_state("pass_result.json", HELLO, level),
              at_level(level, {"output": result, "status": "SUCCEEDED"},
                       {"input": HELLO, "result": result, "afterResultSelector": result,
                        "afterResultPath": result}))


def case_pass_input_path_parameters_result_path(env):
    params = {"staticValue": "some value", "inputValue": "value from input"}
    output = dict(IO_INPUT, modifiedData=params)
    for level in LEVELS:
        check(env.test_state("pass_io.json", IO_INPUT, level),
              at_level(level, {"output": output, "status": "SUCCEEDED"},
                       {"input": IO_INPUT, "afterInputPath": IO_INPUT["initialData"],
                        "afterParameters": params, "afterResultSelector": params,
                        "afterResultPath": output}))


def case_pass_result_with_paths(env):
    result = {"resultKey": "result value"}
    output = dict(IO_INPUT, modifiedData=result)
    check(env.test_state("pass_io_result.json", IO_INPUT, "DEBUG"),
          {"output": output, "status": "SUCCEEDED",
           "inspectionData": {"input": IO_INPUT, "result": result,
                              "afterResultSelector": result, "afterResultPath": output}})


def case_fail_every_level(env):
    for level in LEVELS:
        check(env.test_state("fail.json", HELLO, level),
              at_level(level, {"error": "SomeFailure",
                               "cause": "This state machines raises a 'SomeFailure' failure.",
                               "status": "FAILED"},
                       {"input": HELLO, "afterInputPath": HELLO}))


def case_succeed_every_level(env):
    for level in LEVELS:
        check(env.test_state("succeed.json", HELLO, level),
              at_level(level, {"output": HELLO, "status": "SUCCEEDED"},
                       {"input": HELLO, "afterInputPath": HELLO}))


def case_choice_reports_next_state(env):
    for level in LEVELS:
        for value, next_state in ((22, "ValueInTwenties"), (0, "ValueIsZero"),
                                  (99, "DefaultState")):
            data = {"type": "Private", "value": value}
            check(env.test_state("choice.json", data, level),
                  at_level(level, {"output": data, "nextState": next_state,
                                   "status": "SUCCEEDED"},
                           {"input": data, "afterInputPath": data}))
    data = {"type": "Public", "value": 22}
    check(env.test_state("choice.json", data), {"output": data, "nextState": "Public",
                                                 "status": "SUCCEEDED"})


def case_wait_returns_at_once(env):
    started = time.monotonic()
    for level in LEVELS:
        check(env.test_state("wait.json", HELLO, level),
              at_level(level, {"output": HELLO, "nextState": "AfterTheWait",
                               "status": "SUCCEEDED"},
                       {"input": HELLO, "afterInputPath": HELLO}))
    if time.monotonic() - started > 20:
        raise CaseFailure("a Wait of 3600 s did not return at once")


# ---- Cases: Task, mocked and real ----

LAMBDA_PARAMS = {"FunctionName": "foo", "Payload": "bar"}
MOCK_ERROR = {"errorOutput": {"error": "MockException", "cause": "Mock the cause of the error."}}


def case_task_mocked_result_every_level(env):
    mock = env.mock_file({"result": json.dumps({"Payload": "HelloWorld!"})})
    data = {"inputData": "HelloWorld"}
    output = dict(data, answer={"payload": "HelloWorld!"})
    for level in LEVELS:
        check(env.test_state("task_lambda.json", data, level, ["--mock", mock]),
              at_level(level, {"output": output, "status": "SUCCEEDED"},
                       {"input": data, "afterInputPath": data,
                        "afterParameters": {"FunctionName": "foo", "Payload": "HelloWorld"},
                        "result": {"Payload": "HelloWorld!"},
                        "afterResultSelector": {"payload": "HelloWorld!"},
                        "afterResultPath": output}))


def case_task_mocked_error_fails(env):
    mock = env.mock_file(MOCK_ERROR)
    data = {"inputData": "HelloWorld"}
    for level in LEVELS:
        check(env.test_state("task_lambda.json", data, level, ["--mock", mock]),
              at_level(level, {"error": "MockException", "cause": "Mock the cause of the error.",
                               "status": "FAILED"},
                       {"input": data, "afterInputPath": data,
                        "afterParameters": {"FunctionName": "foo", "Payload": "HelloWorld"}}))


def case_task_retry_is_retriable(env):
    mock = env.mock_file(MOCK_ERROR)
    values = {"Values": ["first", "second", "third"]}
    base = {"error": "MockException", "cause": "Mock the cause of the error."}
    flow = {"input": values, "afterInputPath": values, "afterParameters": LAMBDA_PARAMS}
    # IntervalSeconds 1, BackoffRate 2: 1 s before the first retry, 16 s after 4.
    for count, backoff in ((None, 1), ("4", 16)):
        extra = ["--mock", mock] + (["--retrier-retry-count", count] if count else [])
        for level in LEVELS:
            check(env.test_state("task_retry.json", values, level, extra),
                  at_level(level, dict(base, status="RETRIABLE"),
                           dict(flow, errorDetails={"retryIndex": 0,
                                                    "retryBackoffIntervalSeconds": backoff})))
    # MaxAttempts 5 reached: no retry left, the state fails.
    for level in LEVELS:
        check(env.test_state("task_retry.json", values, level,
                             ["--mock", mock, "--retrier-retry-count", "5"]),
              at_level(level, dict(base, status="FAILED"),
                       dict(flow, errorDetails={"retryIndex": 0})))


def case_task_catch_is_caught_error(env):
    for level in LEVELS:
        check(env.test_state("task_catch.json", HELLO, level,
                             ["--mock", env.mock_file(MOCK_ERROR)]),
              at_level(level, {"output": dict(HELLO, errorOutput={
                                   "Error": "MockException",
                                   "Cause": "Mock the cause of the error."}),
                               "nextState": "HandleMockError", "error": "MockException",
                               "cause": "Mock the cause of the error.",
                               "status": "CAUGHT_ERROR"},
                       {"input": HELLO, "afterInputPath": HELLO,
                        "afterParameters": LAMBDA_PARAMS, "errorDetails": {"catchIndex": 0}}))
        mock = env.mock_file({"errorOutput": {"error": "States.TaskFailed",
                                              "cause": "The task failed."}})
        check(env.test_state("task_catch.json", HELLO, level, ["--mock", mock]),
              at_level(level, {"output": {"Error": "States.TaskFailed",
                                          "Cause": "The task failed."},
                               "nextState": "HandleThreshold", "error": "States.TaskFailed",
                               "cause": "The task failed.", "status": "CAUGHT_ERROR"},
                       {"input": HELLO, "afterInputPath": HELLO,
                        "afterParameters": LAMBDA_PARAMS, "errorDetails": {"catchIndex": 1}}))


def case_task_runs_a_real_step_program(env):
    data = {"who": "world"}
    output = dict(data, result={"echoed": "world"})
    for level in LEVELS:
        check(env.test_state("task_exec.json", data, level),
              at_level(level, {"output": output, "nextState": "Done", "status": "SUCCEEDED"},
                       {"input": data, "afterInputPath": data,
                        "afterParameters": {"greeting": "world"},
                        "result": {"greeting": "world"},
                        "afterResultSelector": {"echoed": "world"},
                        "afterResultPath": output}))


def case_task_timeout_keeps_its_real_length(env):
    """Waits elapse at once in TestState, timeouts do not: a task answers
    well within its TimeoutSeconds and HeartbeatSeconds."""
    check(env.test_state("task_exec_timeout.json", HELLO, "INFO"),
          {"output": HELLO, "status": "SUCCEEDED"})


def case_map_shows_items_and_concurrency(env):
    data = {"names": ["charizard", "pikachu"]}
    selected = {"shouted": ["charizard!", "pikachu!"]}
    output = dict(data, result=selected)
    for level in LEVELS:
        check(env.test_state("map.json", data, level),
              at_level(level, {"output": output, "status": "SUCCEEDED"},
                       {"input": data, "afterInputPath": data,
                        "afterItemsPath": ["charizard", "pikachu"], "maxConcurrency": 1,
                        "toleratedFailureCount": 1, "afterResultSelector": selected,
                        "afterResultPath": output}))


def case_sigint_aborts_and_cleans_up(env):
    """A function of the resource map runs for real; SIGINT stops it, the
    response says so and the temporary folder is removed."""
    p = subprocess.Popen([env.stepfn, "test-state", env.path("task_sleep.json"), "--format",
                          "json", "--resources", env.path("resources.json")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env.environment())
    deadline = time.monotonic() + 20
    while not os.listdir(env.tmpdir) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # the program is started
    started = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    if p.returncode != 0 or time.monotonic() - started > 10:
        raise CaseFailure(f"exit {p.returncode} after SIGINT; stderr: {err.strip()}")
    check(json.loads(out), {"error": "States.Aborted", "cause": "Interrupted (SIGINT)",
                            "status": "FAILED"})
    if os.listdir(env.tmpdir):
        raise CaseFailure(f"temporary folders left behind: {os.listdir(env.tmpdir)}")


def case_parallel_runs_its_branches(env):
    output = dict(HELLO, branches=["a", HELLO])
    for level in LEVELS:
        check(env.test_state("parallel.json", HELLO, level),
              at_level(level, {"output": output, "nextState": "Joined", "status": "SUCCEEDED"},
                       {"input": HELLO, "afterInputPath": HELLO,
                        "afterResultSelector": ["a", HELLO], "afterResultPath": output}))


def case_task_real_failure_matches_second_retrier(env):
    check(env.test_state("task_exec_fails.json", HELLO, "DEBUG"),
          {"error": "CustomError",
           "cause": '{"errorType":"CustomError","errorMessage":"it broke"}',
           "status": "RETRIABLE",
           "inspectionData": {"input": HELLO, "afterInputPath": HELLO,
                              "afterParameters": HELLO,
                              "errorDetails": {"retryIndex": 1,
                                               "retryBackoffIntervalSeconds": 3}}})


def expect_headers(*wanted):
    def check_headers(text):
        if not (text.startswith("[") and text.endswith("]")):
            raise CaseFailure(f"headers {text!r} are not a [Name: value, ...] list")
        for w in wanted:
            if w not in text:
                raise CaseFailure(f"headers {text!r} lack {w!r}")
    return check_headers


def expect_json_body(**members):
    def check_body(text):
        body = json_text("body", text)
        for k, v in members.items():
            if body.get(k) != v:
                raise CaseFailure(f"body {body!r}: {k} is not {v!r}")
    return check_body


def case_http_task_trace_shows_request_and_response(env):
    data = {"who": "world"}
    params = {"ApiEndpoint": env.http + "/echo", "Method": "POST", "Headers": {"X-Test": "yes"},
              "QueryParameters": {"q": "a b"}, "RequestBody": {"hello": "world"}}

    def is_echo_result(result):
        if result.get("StatusCode") != 200 or result.get("StatusText") != "OK":
            raise CaseFailure(f"result {result!r} is not a 200 OK")
        if json.loads(result["ResponseBody"]["body"]) != {"hello": "world"}:
            raise CaseFailure(f"the server saw another body: {result!r}")

    flow = {"input": data, "afterInputPath": data, "afterParameters": params,
            "result": is_echo_result, "afterResultSelector": {"status": 200, "method": "POST"},
            "afterResultPath": {"status": 200, "method": "POST"}}
    check(env.test_state("task_http.json", data, "DEBUG"),
          {"output": {"status": 200, "method": "POST"}, "status": "SUCCEEDED",
           "inspectionData": flow})
    check(env.test_state("task_http.json", data, "TRACE"),
          {"output": {"status": 200, "method": "POST"}, "status": "SUCCEEDED",
           "inspectionData": dict(flow, request={
               "protocol": "http", "method": "POST", "url": env.http + "/echo?q=a%20b",
               "headers": "[X-Test: yes, Content-Type: application/json; charset=UTF-8]",
               "body": '{"hello":"world"}'},
               response=lambda r: check_http_response(r, "200", "OK", path="/echo"))})


def check_http_response(resp, code, message, **body):
    want = {"protocol", "statusCode", "statusMessage", "headers", "body"}
    if set(resp) != want:
        raise CaseFailure(f"response members {sorted(resp)} != {sorted(want)}")
    if resp["protocol"] != "http" or resp["statusCode"] != code or \
            resp["statusMessage"] != message:
        raise CaseFailure(f"response {resp!r} is not {code} {message}")
    expect_headers("content-type: application/json", "x-test-server: stepfn")(resp["headers"])
    expect_json_body(**body)(resp["body"])


def case_http_task_error_status_trace(env):
    resp = env.test_state("task_http_404.json", {}, "TRACE")
    params = {"ApiEndpoint": env.http + "/status/404", "Method": "GET"}
    check(resp, {"error": "States.Http.StatusCode.404", "cause": resp.get("cause"),
                 "status": "FAILED",
                 "inspectionData": {
                     "input": {}, "afterInputPath": {}, "afterParameters": params,
                     "request": {"protocol": "http", "method": "GET",
                                 "url": env.http + "/status/404", "headers": "[]", "body": ""},
                     "response": lambda r: check_http_response(r, "404", "Not Found",
                                                               status=404)}})
    if json_text("cause", resp["cause"])["StatusCode"] != 404:
        raise CaseFailure(f"cause {resp['cause']!r} is not the 404 result")


# ---- Cases: variables, context, state machines ----

def case_variables_are_in_scope_and_shown(env):
    variables = {"var_input_value": "test_value", "var_constant_1": 10}
    data = {"n": 3}
    out = {"fromVariable": "test_value", "constant": 10}
    for level in LEVELS:
        check(env.test_state("variables.json", data, level,
                             ["--variables", json.dumps(variables)]),
              at_level(level, {"output": out, "status": "SUCCEEDED"},
                       {"input": data, "afterInputPath": data, "afterParameters": out,
                        "afterResultSelector": out, "afterResultPath": out,
                        "variables": dict(variables, seen=10)}))


def case_state_name_picks_a_state_of_a_machine(env):
    for level in LEVELS:
        check(env.test_state("machine.json", HELLO, level,
                             ["--state-name", "State0", "--context",
                              json.dumps({"Execution": {"Name": "given-name"}})]),
              at_level(level, {"output": {"state": "State0", "execution": "given-name"},
                               "nextState": "State1", "status": "SUCCEEDED"},
                       {"input": HELLO, "afterInputPath": HELLO,
                        "afterParameters": {"state": "State0", "execution": "given-name"},
                        "afterResultSelector": {"state": "State0", "execution": "given-name"},
                        "afterResultPath": {"state": "State0", "execution": "given-name"}}))
    check(env.test_state("machine.json", HELLO, "INFO", ["--state-name", "State1"]),
          {"error": "SomeFailure", "cause": "from State1", "status": "FAILED"})
    # Without --state-name: StartAt's state.
    check(env.test_state("machine.json", HELLO),
          {"output": {"state": "State0", "execution": "test-state"}, "nextState": "State1",
           "status": "SUCCEEDED"})


def case_a_single_state_is_named_state_name(env):
    resp = env.test_state("task_lambda.json", {"inputData": 1}, "INFO",
                          ["--mock", env.mock_file({"result": "{}"})])
    check(resp, {"error": "States.Runtime", "cause": resp.get("cause"), "status": "FAILED"})
    if "executing the state 'StateName'" not in resp["cause"]:
        raise CaseFailure(f"cause {resp['cause']!r} does not name the state StateName")


# ---- Cases: the command line ----

def expect_exit(env, args, status, stderr_has, stdin=None):
    p = env.run(args, stdin)
    if p.returncode != status:
        raise CaseFailure(f"{args}: exit status {p.returncode}, expected {status}; "
                          f"stderr: {p.stderr.strip()}")
    if p.stdout:
        raise CaseFailure(f"{args}: something on stdout: {p.stdout!r}")
    if stderr_has not in p.stderr:
        raise CaseFailure(f"{args}: stderr lacks {stderr_has!r}: {p.stderr!r}")


def case_usage_errors_exit_2(env):
    state = env.path("pass_base.json")
    expect_exit(env, [state, "--input", "{bad"], 2, "input is not valid JSON")
    expect_exit(env, [state, "--variables", "[1, 2]"], 2, "variables must be a JSON object")
    expect_exit(env, [state, "--variables", "{"], 2, "variables is not valid JSON")
    expect_exit(env, [state, "--context", "nope"], 2, "context is not valid JSON")
    expect_exit(env, [state, "--inspection-level", "LOUD"], 2, "INFO, DEBUG or TRACE")
    expect_exit(env, [state, "--bogus"], 2, "unknown option '--bogus'")
    expect_exit(env, [], 2, "missing the state definition file")
    expect_exit(env, [state, "--input", "{}", "--input-file", state], 2, "not both")
    expect_exit(env, [state, "--retrier-retry-count", "-1"], 2, "--retrier-retry-count")
    bad_mock = os.path.join(env.root, "bad-mock.json")
    with open(bad_mock, "w") as f:
        f.write("{not json")
    expect_exit(env, [env.path("task_retry.json"), "--mock", bad_mock], 2,
                "the mock is not valid JSON")
    expect_exit(env, [env.path("task_retry.json"), "--mock",
                      env.mock_file({"result": "{not json"})], 2, "mock.result is not valid JSON")
    expect_exit(env, [env.path("task_retry.json"), "--mock",
                      env.mock_file({"result": "1", "errorOutput": {"error": "E"}})], 2,
                "exactly one of result and errorOutput")
    expect_exit(env, [state, "--mock", env.mock_file({"result": "{}"})], 2,
                "only be given for a Task state")
    expect_exit(env, [env.path("machine.json"), "--state-name", "Nope"], 2,
                "stateName 'Nope' does not name a state")


def case_invalid_state_exits_3_with_pointers(env):
    expect_exit(env, [env.path("invalid.json"), "--input", "{}"], 3,
                ": error: /InputPath: ")
    p = env.run([env.path("invalid.json")])
    for want in ("error: /Bogus: ", "[UNKNOWN_FIELD]", "[INVALID_JSON_PATH]", "InvalidDefinition"):
        if want not in p.stderr:
            raise CaseFailure(f"stderr lacks {want!r}: {p.stderr!r}")
    not_json = os.path.join(env.root, "not-json.json")
    with open(not_json, "w") as f:
        f.write('{"Type": "Pass",')
    expect_exit(env, [not_json], 3, "[INVALID_JSON_DESCRIPTION]")
    broken_machine = os.path.join(env.root, "broken-machine.json")
    with open(broken_machine, "w") as f:
        json.dump({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}, f)
    expect_exit(env, [broken_machine, "--state-name", "A"], 3, "/States/A/Next: ")


def case_failed_state_exits_0(env):
    p = env.run([env.path("fail.json")])
    if p.returncode != 0 or "FAILED" not in p.stdout:
        raise CaseFailure(f"exit {p.returncode}, stdout {p.stdout!r}")


def case_text_format_for_people(env):
    p = env.run([env.path("choice.json"), "--input", '{"type":"Private","value":22}',
                 "--inspection-level", "DEBUG"])
    lines = p.stdout.splitlines()
    for want in ("status:", "nextState:", "output:", "inspectionData:", "  afterInputPath:"):
        if not any(line.startswith(want) for line in lines):
            raise CaseFailure(f"no line starting {want!r} in {p.stdout!r}")
    if "ValueInTwenties" not in p.stdout or p.returncode != 0:
        raise CaseFailure(f"unexpected text output: {p.stdout!r}")


def case_input_from_a_file_and_stdin(env):
    path = os.path.join(env.root, "input.json")
    with open(path, "w") as f:
        json.dump(HELLO, f)
    for args, stdin in (([env.path("pass_base.json"), "--input-file", path], None),
                        ([env.path("pass_base.json"), "--input-file", "-"], json.dumps(HELLO))):
        p = env.run(args + ["--format", "json"], stdin)
        check(json.loads(p.stdout), {"output": HELLO, "status": "SUCCEEDED"})


def case_help(env):
    p = env.run(["--help"])
    for want in ("usage: stepfn test-state", "RETRIABLE", "fieldValidationMode", "Exit status"):
        if want not in p.stdout or p.returncode != 0:
            raise CaseFailure(f"--help lacks {want!r}")


def start_server(path):
    proc = subprocess.Popen([path, "--max-seconds", "600"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=sys.stderr)
    line = proc.stdout.readline().decode().strip()
    if not line.isdigit():
        proc.kill()
        raise SystemExit(f"test_test_state: the HTTP server did not start (said {line!r})")
    return proc, int(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stepfn")
    ap.add_argument("--steps", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--filter", default="")
    args = ap.parse_args()
    server, port = start_server(args.server)
    env = Env(os.path.abspath(args.stepfn), os.path.abspath(args.steps),
              f"http://127.0.0.1:{port}")
    cases = [(n, f) for n, f in sorted(globals().items())
             if n.startswith("case_") and args.filter in n]
    failed = 0
    try:
        for name, fn in cases:
            try:
                fn(env)
            except CaseFailure as e:
                failed += 1
                print(f"FAIL {name}: {e}")
            except subprocess.TimeoutExpired as e:
                failed += 1
                print(f"FAIL {name}: timed out: {e}")
    finally:
        server.stdin.close()
        server.wait(timeout=10)
        shutil.rmtree(env.root, ignore_errors=True)
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
