#!/usr/bin/env python3
"""Crash safety, `stepfn resume` and `stepfn replay` (redrive), end to end.

usage: test_durability.py STEPFN --steps DIR [unittest options]

Every case runs real `stepfn` processes on a store of its own. Tasks are the
step program tests/steps/step_record, named through a resource map: it
appends "STATE<TAB>PID<TAB>INPUT" to an invocation log before doing anything
else, so a case knows exactly which steps ran and how often, and its result
depends only on its input, so outputs compare across runs.

Crashes come from engine/store/history.c's test hook (SQLite-style fault
injection): STEPFN_FAULT_CRASH_AFTER_EVENTS=N kills the engine with SIGKILL
right after the Nth history line reached the file, STEPFN_FAULT_TORN_AT_EVENT=N
writes half of the Nth line and then dies. Others are real kill -9s.

The rule checked after every crash (see check_invocations_since): the steps
invoked after a crash are exactly the task attempts that the history did not
show finished at the crash. So a task whose result was recorded is never
invoked again, and one that was in flight (or started but not yet recorded)
is invoked once more: at-least-once, as documented.
"""
import argparse
import collections
import concurrent.futures
import datetime
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

STEPFN = None
STEP_RECORD = None
FAULT_VARS = ("STEPFN_FAULT_CRASH_AFTER_EVENTS", "STEPFN_FAULT_TORN_AT_EVENT")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
WORKERS = 8  # crash cases mostly wait on timers: more than the two cores is fine

# ---- Machines ----

# Task, Choice, Wait, Parallel, Map (MaxConcurrency) and Retry in one machine:
# the one every crash point is tried on.
REPRESENTATIVE = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Task", "Resource": "record", "ResultPath": "$.prepared",
                    "Next": "Route"},
        "Route": {"Type": "Choice",
                  "Choices": [{"Variable": "$.mode", "StringEquals": "full", "Next": "Pause"}],
                  "Default": "Wrong route"},
        "Wrong route": {"Type": "Fail", "Error": "WrongRoute"},
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Fan out"},
        "Fan out": {
            "Type": "Parallel", "ResultPath": "$.fanned", "Next": "Finish",
            "Branches": [
                {"StartAt": "Flaky", "States": {"Flaky": {
                    "Type": "Task", "Resource": "flaky", "End": True,
                    "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1,
                               "MaxAttempts": 2}]}}},
                {"StartAt": "Each item", "States": {"Each item": {
                    "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "End": True,
                    "ItemProcessor": {"StartAt": "Item", "States": {
                        "Item": {"Type": "Task", "Resource": "record", "End": True}}}}}},
            ],
        },
        "Finish": {"Type": "Task", "Resource": "record", "ResultPath": "$.finished",
                   "End": True},
    },
}
REPRESENTATIVE_INPUT = {"mode": "full", "items": [{"item": 1}, {"item": 2}, {"item": 3}]}

# Long enough to be killed at random moments many times: tasks that take a
# while, Waits, a Parallel and a Map.
SLOW = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Task", "Resource": "record slowly", "ResultPath": "$.prepared",
                    "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Fan out"},
        "Fan out": {
            "Type": "Parallel", "ResultPath": "$.fanned", "Next": "Finish",
            "Branches": [
                {"StartAt": "First", "States": {
                    "First": {"Type": "Task", "Resource": "record slowly", "Next": "Breathe"},
                    "Breathe": {"Type": "Wait", "Seconds": 1, "Next": "Second"},
                    "Second": {"Type": "Task", "Resource": "record slowly", "End": True}}},
                {"StartAt": "Each item", "States": {"Each item": {
                    "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "End": True,
                    "ItemProcessor": {"StartAt": "Item", "States": {
                        "Item": {"Type": "Task", "Resource": "record slowly", "End": True}}}}}},
            ],
        },
        "Finish": {"Type": "Task", "Resource": "record slowly", "ResultPath": "$.finished",
                   "End": True},
    },
}
SLOW_INPUT = {"items": [{"item": i} for i in range(1, 6)]}

# One Map item: an item with "fragile" fails until the marker file exists.
ITERATION = {"StartAt": "Kind", "States": {
    "Kind": {"Type": "Choice", "Default": "Sturdy",
             "Choices": [{"Variable": "$.fragile", "IsPresent": True, "Next": "Fragile"}]},
    "Sturdy": {"Type": "Task", "Resource": "record", "End": True},
    "Fragile": {"Type": "Task", "Resource": "fragile", "End": True}}}
# Fails in a Map iteration (MaxConcurrency 1: item 0 done, 1 failed, 2 not
# started) while the other Parallel branch waits (cancelled): a redrive
# re-runs part of a Parallel, part of a Map, a Wait and what follows.
REDRIVABLE = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Task", "Resource": "record", "ResultPath": "$.prepared",
                    "Next": "Fan out"},
        "Fan out": {
            "Type": "Parallel", "ResultPath": "$.fanned", "Next": "Finish",
            "Branches": [
                {"StartAt": "Pause", "States": {
                    "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Late"},
                    "Late": {"Type": "Task", "Resource": "record", "End": True}}},
                {"StartAt": "Each item", "States": {"Each item": {
                    "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "End": True,
                    "ItemProcessor": ITERATION}}},
            ],
        },
        "Finish": {"Type": "Task", "Resource": "record", "ResultPath": "$.finished",
                   "End": True},
    },
}
REDRIVABLE_INPUT = {"items": [{"n": 0}, {"n": 1, "fragile": True}, {"n": 2}]}

# States that all finish at once: a loop of Wait 0 and Pass around a
# counter, between two tasks. It never waits on anything, so its history is
# written by size and age, not at the end of a loop turn.
NEVER_YIELDS = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Task", "Resource": "record", "ResultPath": "$.prepared",
                    "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 0, "Next": "Count"},
        "Count": {"Type": "Pass", "Next": "Again",
                  "Parameters": {"n.$": "States.MathAdd($.n, 1)", "prepared.$": "$.prepared"}},
        "Again": {"Type": "Choice", "Default": "Finish", "Choices": [
            {"Variable": "$.n", "NumericLessThan": 12, "Next": "Pause"}]},
        "Finish": {"Type": "Task", "Resource": "record", "ResultPath": "$.finished",
                   "End": True},
    },
}
NEVER_YIELDS_INPUT = {"n": 0}

# A Map retried once: its first attempt fails in item 1 ("flaky" fails the
# first time only), its second runs every item. Each item's input carries
# the attempt ($$.State.RetryCount), so the result tells which attempt's
# iterations made it.
RETRIED_MAP = {
    "StartAt": "Each",
    "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "End": True,
        "ItemSelector": {"item.$": "$$.Map.Item.Value", "attempt.$": "$$.State.RetryCount"},
        "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 1}],
        "ItemProcessor": {"StartAt": "Kind", "States": {
            "Kind": {"Type": "Choice", "Default": "Sturdy", "Choices": [
                {"Variable": "$.item.flaky", "IsPresent": True, "Next": "Flaky"}]},
            "Sturdy": {"Type": "Task", "Resource": "record", "End": True},
            "Flaky": {"Type": "Task", "Resource": "flaky", "End": True}}}}},
}
RETRIED_MAP_INPUT = {"items": [{"n": 0}, {"n": 1, "flaky": True}, {"n": 2}]}

# The same for a Parallel: one branch, a task that succeeds, then one that
# fails the first time; the retry runs the whole branch again.
RETRIED_PARALLEL = {
    "StartAt": "Fan",
    "States": {"Fan": {
        "Type": "Parallel", "End": True,
        "Parameters": {"n.$": "$.n", "attempt.$": "$$.State.RetryCount"},
        "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 1}],
        "Branches": [{"StartAt": "Sturdy", "States": {
            "Sturdy": {"Type": "Task", "Resource": "record", "ResultPath": "$.sturdy",
                       "Next": "Flaky"},
            "Flaky": {"Type": "Task", "Resource": "flaky", "End": True}}}]}},
}
RETRIED_PARALLEL_INPUT = {"n": 1}


def chain(*states):
    """A top-level machine of Task states run in order: (name, resource)."""
    machine = {"StartAt": states[0][0], "States": {}}
    for i, (name, resource) in enumerate(states):
        st = {"Type": "Task", "Resource": resource, "ResultPath": f"$.{name}"}
        if i + 1 < len(states):
            st["Next"] = states[i + 1][0]
        else:
            st["End"] = True
        machine["States"][name] = st
    return machine


# ---- Reading histories ----

TASK_OUTCOMES = {"TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskStartFailed"}


def details_of(event):
    return next((v for k, v in event.items() if k.endswith("EventDetails")), {})


def task_attempts(events):
    """Every task attempt of a history, in order, as [key, outcome]: key is
    (state name, effective input text), what step_record logs; outcome is
    the type of its TaskSucceeded/TaskFailed/... event, None while in flight."""
    state_of, current, attempts = {}, {}, []
    for e in events:
        scope = json.dumps(e.get("scope"))
        kind = e["type"]
        if kind.endswith("StateEntered"):
            state_of[scope] = details_of(e)["name"]
        elif kind == "TaskScheduled":
            current[scope] = [(state_of.get(scope), details_of(e)["parameters"]), None]
            attempts.append(current[scope])
        elif kind in TASK_OUTCOMES and scope in current:
            current[scope][1] = kind
    return attempts


def is_structural(kind):
    """Events a run records once per state visit: a replay that recorded one
    of them twice would have run that part twice."""
    return (kind.endswith("StateEntered") or kind.endswith("StateExited") or
            kind in ("ExecutionStarted", "ExecutionSucceeded", "MapStateStarted",
                     "ParallelStateStarted", "MapIterationStarted", "MapIterationSucceeded",
                     "MapStateSucceeded", "ParallelStateSucceeded"))


# ---- A store, an invocation log and the files the step programs look at ----

class Workspace:
    def __init__(self):
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="stepfn-durability-"))
        self.store = os.path.join(self.dir, "store")
        self.log = os.path.join(self.dir, "invocations.log")
        self.marker = os.path.join(self.dir, "fixed")  # "fragile" fails until it exists
        self.hold = os.path.join(self.dir, "hold")  # "held" runs while it exists
        self.resources = self.write("resources.json", {
            "record": {"exec": [STEP_RECORD, self.log]},
            "record slowly": {"exec": [STEP_RECORD, self.log, "--sleep", "150"]},
            "flaky": {"exec": [STEP_RECORD, self.log, "--fail-first", "1",
                               os.path.join(self.dir, "flaky.count")]},
            "fragile": {"exec": [STEP_RECORD, self.log, "--fail-until", self.marker]},
            "held": {"exec": [STEP_RECORD, self.log, "--sleep-while", self.hold]},
        })

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, doc):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        return path

    def touch(self, path):
        open(path, "w").close()

    def env(self, extra=None):
        env = {k: v for k, v in os.environ.items() if k not in FAULT_VARS}
        env.pop("STEPFN_STORE", None)
        env.update(extra or {})
        return env

    def command(self, *args):
        return [STEPFN, *args, "--store", self.store]

    def stepfn(self, *args, env=None, timeout=60):
        p = subprocess.run(self.command(*args), capture_output=True, text=True, cwd=self.dir,
                           env=self.env(env), timeout=timeout, stdin=subprocess.DEVNULL)
        if any(mark in p.stderr for mark in SANITIZER_MARKS):
            raise AssertionError(f"sanitizer report from stepfn {args[0]}: {p.stderr[-2000:]}")
        return p

    def start(self, *args, env=None):
        return subprocess.Popen(self.command(*args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env(env),
                                stdin=subprocess.DEVNULL, cwd=self.dir)

    def run_args(self, machine, name, input_doc):
        return ["run", self.write(f"{name}.asl.json", machine), "--name", name,
                "--input", json.dumps(input_doc), "--resources", self.resources,
                "--format", "json"]

    def run(self, machine, name, input_doc, env=None):
        return self.stepfn(*self.run_args(machine, name, input_doc), env=env)

    def describe(self, name):
        p = self.stepfn("describe", name)
        if p.returncode != 0:
            raise AssertionError(f"describe {name} exited {p.returncode}: {p.stderr}")
        return json.loads(p.stdout)

    def history(self, name):
        p = self.stepfn("history", name)
        if p.returncode != 0:
            raise AssertionError(f"history {name} exited {p.returncode}: {p.stderr}")
        return json.loads(p.stdout)["events"]

    def history_path(self, name):
        return os.path.join(self.store, "executions", name, "history.jsonl")

    def invocation_lines(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log, encoding="utf-8") as fh:
            return [line.rstrip("\n").split("\t", 2) for line in fh if line.endswith("\n")]

    def invocations(self):
        """How often each (state, input) was invoked."""
        return collections.Counter((state, text) for state, _, text in self.invocation_lines())

    def runs_of(self, state):
        return sum(1 for s, _, _ in self.invocation_lines() if s == state)

    def live_steps(self):
        """Processes of this workspace still running: step programs, orphans
        of a killed engine among them (they run in a session of their own
        and outlive it), and stepfn itself while it runs.

        A process is this workspace's when its working directory is the
        workspace: stepfn is started there (stepfn, start) and starts its
        steps there (the folder of the resource map), and a child has its
        parent's working directory from the moment it is forked, before it
        runs any code of its own. Its arguments do not tell so early: a step
        the engine started just before it was killed can still be inside
        execve when this looks, and until the kernel has laid out the new
        arguments its /proc/PID/cmdline reads empty (before that, it shows
        stepfn's). Such a step was missed, logged its invocation after the
        snapshot, and counted as a second invocation against the resume."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.readlink(f"/proc/{entry}/cwd") != self.dir:
                    continue
                with open(f"/proc/{entry}/stat") as fh:
                    if fh.read().rsplit(")", 1)[1].split()[0] != "Z":
                        pids.append(int(entry))
            except OSError:  # gone, or not ours to look at
                pass
        return pids

    def wait_for_steps_to_end(self, timeout=20):
        deadline = time.monotonic() + timeout
        while self.live_steps():
            if time.monotonic() > deadline:
                raise AssertionError(f"step programs still running: {self.live_steps()}")
            time.sleep(0.02)

    def wait_for_log(self, state, count=1, timeout=20):
        deadline = time.monotonic() + timeout
        while self.runs_of(state) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{state} was not invoked within {timeout}s")
            time.sleep(0.02)


def parse_time(stamp):
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_for_death(pid, timeout=5):
    """False if pid is still alive after timeout (a SIGKILL takes a moment)."""
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def finish(proc, timeout=60):
    """Wait for a started stepfn: (stdout, stderr), with no sanitizer report."""
    out, err = proc.communicate(timeout=timeout)
    if any(mark in err for mark in SANITIZER_MARKS):
        raise AssertionError(f"sanitizer report: {err[-2000:]}")
    return out, err


def in_parallel(work, items):
    """Run work(item) on a pool; the failures as "item: message" lines."""
    def attempt(item):
        try:
            work(item)
            return None
        except Exception as e:  # noqa: BLE001 - every failure is reported, by item
            return f"{item}: {type(e).__name__}: {e}"
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return [r for r in pool.map(attempt, items) if r]


class DurabilityCase(unittest.TestCase):
    def setUp(self):
        self.ws = Workspace()

    def tearDown(self):
        self.ws.wait_for_steps_to_end()
        self.ws.cleanup()

    # ---- Shared checks ----

    def check_invocations_since(self, before_events, before_counts, after_events, after_counts,
                                crashed=False, rerun=()):
        """The steps invoked between two snapshots are exactly the task
        attempts recorded by the later one that the earlier one did not show
        finished: nothing recorded runs twice, nothing in flight is lost.

        When a crash ended the second snapshot (crashed), a step may also
        have been started whose TaskScheduled had not reached the file: one
        more invocation per task is allowed then, never of a task whose
        success the first snapshot recorded (unless its state is in rerun:
        `replay --from` runs succeeded states again). And a step started just
        before the kill may have read no input at all (the engine died before
        writing it, which a loaded machine makes likelier): that is the cut
        attempt itself, logged with empty input, and counts for one of the
        recorded attempts. An attempt that was already in flight at the
        earlier snapshot is invoked again by the resume, but a kill may come
        before the resume gets that far (under ASan, reading the history
        takes a while): then it is not invoked in between, and may be once."""
        attempts = task_attempts(before_events)
        finished = collections.Counter(k for k, outcome in attempts if outcome)
        succeeded = {k for k, outcome in attempts
                     if outcome == "TaskSucceeded" and k[0] not in rerun}
        recorded = collections.Counter(k for k, _ in task_attempts(after_events))
        expected = +(recorded - finished)
        invoked = +(after_counts - before_counts)
        if crashed:
            # An invocation logged with empty input may stand for any one
            # recorded attempt it was cut from.
            blank = sum(n for k, n in invoked.items() if k[1] == "")
            invoked = collections.Counter({k: n for k, n in invoked.items() if k[1] != ""})
            # Attempts already in flight at the earlier snapshot are invoked
            # again by the resume only if this kill came after it got there.
            carried = +(collections.Counter(k for k, _ in attempts) - finished)
            required = +(expected - carried)
            wrong = {k: n for k, n in invoked.items() if n > expected[k] + (k not in succeeded)}
            short = {k: invoked[k] for k in required if invoked[k] < required[k]}
            if sum(required[k] - n for k, n in short.items()) > blank:
                wrong.update(short)
        else:
            blank = 0
            wrong = dict(invoked) != dict(expected)
        if wrong:
            raise AssertionError(f"invoked since the last snapshot {dict(invoked)} "
                                 f"(and {blank} with empty input), "
                                 f"expected the unfinished attempts {dict(expected)}")

    def check_history_shape(self, events, once=True):
        ids = [e["id"] for e in events]
        if ids != list(range(1, len(ids) + 1)):
            raise AssertionError(f"event ids are not 1..{len(ids)}: {ids}")
        for e in events:
            if not 0 <= e["previousEventId"] < e["id"]:
                raise AssertionError(f"event {e['id']} follows {e['previousEventId']}")
        if not once:
            return
        seen = collections.Counter(
            (json.dumps(e.get("scope")), e["type"], details_of(e).get("name"),
             details_of(e).get("index"))
            for e in events if is_structural(e["type"]))
        twice = [k for k, n in seen.items() if n > 1]
        if twice:
            raise AssertionError(f"recorded more than once: {twice}")

    def check_succeeded_like(self, ws, name, output, redrive_count=0, once=True):
        """The execution ended SUCCEEDED with `output`, and describe, history
        and the history's shape agree (once: no state was entered twice)."""
        d = ws.describe(name)
        if d["status"] != "SUCCEEDED":
            raise AssertionError(f"status {d['status']}: {d.get('error')} {d.get('cause')}")
        if json.loads(d["output"]) != output:
            raise AssertionError(f"output {d['output']} != uninterrupted {json.dumps(output)}")
        if d["redriveCount"] != redrive_count:
            raise AssertionError(f"redriveCount {d['redriveCount']}, expected {redrive_count}")
        events = ws.history(name)
        self.check_history_shape(events, once)
        last = events[-1]
        if (last["type"] != "ExecutionSucceeded" or
                last["executionSucceededEventDetails"]["output"] != d["output"]):
            raise AssertionError(f"the last event {last['type']} does not match describe")
        return events

    def fixed_output(self, machine, input_doc):
        """The output of a run of machine in which nothing fails or holds."""
        ws = Workspace()
        try:
            ws.touch(ws.marker)
            p = ws.run(machine, "whole", input_doc)
            self.assertEqual(p.returncode, 0, p.stderr)
            return json.loads(json.loads(p.stdout)["output"])
        finally:
            ws.cleanup()

    def uninterrupted(self, machine, input_doc, once=True):
        """Run machine once without faults: (output, event count). Each
        attempt the history records ran exactly once (once: and no state
        was entered twice)."""
        ws = Workspace()
        try:
            p = ws.run(machine, "whole", input_doc)
            self.assertEqual(p.returncode, 0, p.stderr)
            output = json.loads(json.loads(p.stdout)["output"])
            events = self.check_succeeded_like(ws, "whole", output, once=once)
            self.check_invocations_since([], collections.Counter(), events, ws.invocations())
            return output, len(events)
        finally:
            ws.cleanup()

    def crash_then_resume(self, knob, n, machine, input_doc, output, event_count, once=True):
        """Run with the fault knob at n, expect the SIGKILL, resume once and
        compare with the uninterrupted run."""
        ws = Workspace()
        try:
            p = ws.run(machine, "cut", input_doc, env={knob: str(n)})
            if p.returncode != -signal.SIGKILL:
                raise AssertionError(f"run exited {p.returncode}, expected SIGKILL: {p.stderr}")
            ws.wait_for_steps_to_end()
            before, before_counts = ws.history("cut"), ws.invocations()
            status = ws.describe("cut")["status"]
            if status == "SUCCEEDED":
                # Only the last event can have made it SUCCEEDED; then there
                # is nothing to resume.
                if knob != FAULT_VARS[0] or n != event_count:
                    raise AssertionError(f"SUCCEEDED after a crash at event {n} of {event_count}")
                r = ws.stepfn("resume", "cut")
                if r.returncode != 2 or "nothing to resume" not in r.stderr:
                    raise AssertionError(f"resume of a SUCCEEDED execution: {r.returncode} {r.stderr}")
            else:
                if status != "RUNNING":
                    raise AssertionError(f"status {status} after the crash")
                r = ws.stepfn("resume", "cut", "--format", "json")
                if r.returncode != 0:
                    raise AssertionError(f"resume exited {r.returncode}: {r.stderr}")
                if json.loads(r.stdout) != ws.describe("cut"):
                    raise AssertionError("resume printed something other than describe shows")
            ws.wait_for_steps_to_end()
            after = self.check_succeeded_like(ws, "cut", output, once=once)
            self.check_invocations_since(before, before_counts, after, ws.invocations())
        finally:
            ws.cleanup()


class CrashAtEveryWrite(DurabilityCase):
    """Fault injection at every history write of the representative run."""

    def test_crash_after_every_history_write_then_resume_gives_the_uninterrupted_result(self):
        output, count = self.uninterrupted(REPRESENTATIVE, REPRESENTATIVE_INPUT)
        self.assertGreater(count, 40)  # the machine really is representative
        failures = in_parallel(
            lambda n: self.crash_then_resume(FAULT_VARS[0], n, REPRESENTATIVE,
                                             REPRESENTATIVE_INPUT, output, count),
            range(1, count + 1))
        self.assertEqual(failures, [], "\n".join(["crash after event N:"] + failures))

    def test_torn_write_then_resume_gives_the_uninterrupted_result(self):
        output, count = self.uninterrupted(REPRESENTATIVE, REPRESENTATIVE_INPUT)
        # The first state's entry, the first task's result, the Wait's
        # entry, inside the Parallel and the Map, and the very last event.
        # (Torn at event 1 nothing of the run is recorded: see
        # test_a_run_cut_off_before_its_start_was_recorded_cannot_be_resumed.)
        points = [2, 5, 9, 14, 20, count // 2, count - 3, count]
        failures = in_parallel(
            lambda n: self.crash_then_resume(FAULT_VARS[1], n, REPRESENTATIVE,
                                             REPRESENTATIVE_INPUT, output, count),
            sorted(set(points)))
        self.assertEqual(failures, [], "\n".join(["torn write at event N:"] + failures))

    def test_resume_crashing_again_and_again_still_finishes(self):
        # Every resume dies after its own 5th write: a resume continues a
        # history that earlier resumes appended to, many times over.
        output, count = self.uninterrupted(REPRESENTATIVE, REPRESENTATIVE_INPUT)
        ws, knob = self.ws, {FAULT_VARS[0]: "5"}
        p = ws.run(REPRESENTATIVE, "again", REPRESENTATIVE_INPUT, env=knob)
        before, before_counts = [], collections.Counter()
        for _ in range(count):
            if p.returncode == 0:
                break
            self.assertEqual(p.returncode, -signal.SIGKILL, p.stderr)
            ws.wait_for_steps_to_end()
            after, after_counts = ws.history("again"), ws.invocations()
            self.check_history_shape(after)
            self.check_invocations_since(before, before_counts, after, after_counts, crashed=True)
            before, before_counts = after, after_counts
            if ws.describe("again")["status"] == "SUCCEEDED":
                break  # the 5th write was the last event
            p = ws.stepfn("resume", "again", env=knob)
        ws.wait_for_steps_to_end()
        after = self.check_succeeded_like(ws, "again", output)
        self.check_invocations_since(before, before_counts, after, ws.invocations())


class CrashInRunsThatNeverWait(DurabilityCase):
    """Runs whose states finish at once (Wait 0, Pass, Choice), and a Map or
    a Parallel retried after a failed attempt, killed at every history
    write."""

    def test_wait_0_loop_killed_at_every_history_write_then_resumed(self):
        output, count = self.uninterrupted(NEVER_YIELDS, NEVER_YIELDS_INPUT, once=False)
        self.assertEqual(output["n"], 12)
        failures = in_parallel(
            lambda n: self.crash_then_resume(FAULT_VARS[0], n, NEVER_YIELDS,
                                             NEVER_YIELDS_INPUT, output, count, once=False),
            range(1, count + 1))
        self.assertEqual(failures, [], "\n".join(["crash after event N:"] + failures))

    def test_endless_wait_0_loop_is_written_as_it_runs_and_stops_on_sigterm(self):
        # A Wait 0 loop never waits for anything: the history must still
        # reach the file while it runs, and SIGTERM must still be handled
        # (a 0 ms timer restarted from its own callback starved the loop).
        machine = {"StartAt": "Pause", "States": {
            "Pause": {"Type": "Wait", "Seconds": 0, "Next": "Again"},
            "Again": {"Type": "Choice", "Default": "Pause", "Choices": [
                {"Variable": "$.stop", "IsPresent": True, "Next": "Done"}]},
            "Done": {"Type": "Succeed"}}}
        ws = self.ws
        # The history limit (25,000 events by default) would end the loop
        # within milliseconds, racing the signal: lift it far out of reach.
        proc = ws.start(*ws.run_args(machine, "endless", {}),
                        env={"STEPFN_MAX_HISTORY_EVENTS": "1000000000"})
        path = ws.history_path("endless")
        deadline = time.monotonic() + 60
        while not os.path.exists(path) or os.path.getsize(path) < 100000:
            if proc.poll() is not None:
                out, err = finish(proc)
                self.fail(f"the loop ended by itself ({proc.returncode}): {err[-2000:]}")
            self.assertLess(time.monotonic(), deadline, "nothing reached the history file")
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        out, err = finish(proc, timeout=60)
        self.assertEqual(proc.returncode, 1, err)
        self.assertIn("SIGTERM received; aborting", err)
        self.assertEqual(json.loads(out)["status"], "ABORTED")
        d = ws.describe("endless")
        self.assertEqual((d["status"], d["cause"]), ("ABORTED", "Terminated (SIGTERM)"))

    def test_endless_wait_0_loop_times_out(self):
        machine = {"TimeoutSeconds": 1, "StartAt": "Pause", "States": {
            "Pause": {"Type": "Wait", "Seconds": 0, "Next": "Again"},
            "Again": {"Type": "Choice", "Default": "Pause", "Choices": [
                {"Variable": "$.stop", "IsPresent": True, "Next": "Done"}]},
            "Done": {"Type": "Succeed"}}}
        p = self.ws.run(machine, "bounded", {})
        self.assertEqual(p.returncode, 1, p.stderr)
        # TIMED_OUT; or FAILED where a limit on the history's length (AWS:
        # 25,000 events) stops the loop first. Either way it did not hang.
        self.assertIn(json.loads(p.stdout)["status"], ("TIMED_OUT", "FAILED"))

    def check_attempt_scopes(self, events):
        """Each attempt of the Map has iteration scopes of its own: no state
        of an iteration is entered twice in one scope."""
        seen = collections.Counter(
            (json.dumps(e["scope"]), e["type"], details_of(e).get("name"))
            for e in events if e.get("scope") and is_structural(e["type"]))
        twice = [k for k, n in seen.items() if n > 1]
        if twice:
            raise AssertionError(f"two attempts share an iteration scope: {twice}")

    def crash_retried_then_resume(self, machine, input_doc, n, output):
        ws = Workspace()
        try:
            p = ws.run(machine, "cut", input_doc, env={FAULT_VARS[0]: str(n)})
            if p.returncode != -signal.SIGKILL:
                raise AssertionError(f"run exited {p.returncode}, expected SIGKILL: {p.stderr}")
            ws.wait_for_steps_to_end()
            before, before_counts = ws.history("cut"), ws.invocations()
            if ws.describe("cut")["status"] == "RUNNING":
                r = ws.stepfn("resume", "cut")
                if r.returncode != 0:
                    raise AssertionError(f"resume exited {r.returncode}: {r.stderr}")
            ws.wait_for_steps_to_end()
            after = self.check_succeeded_like(ws, "cut", output, once=False)
            self.check_attempt_scopes(after)
            self.check_invocations_since(before, before_counts, after, ws.invocations())
        finally:
            ws.cleanup()

    def check_retried_killed_at_every_write(self, machine, input_doc, started_type):
        """Run machine (its first attempt fails, its retry succeeds), then
        kill it at every write from the first attempt's failure on (a crash
        before could let the flaky task succeed at its first attempt: a
        different run) and resume. Returns the uninterrupted output."""
        ws = Workspace()
        try:
            p = ws.run(machine, "whole", input_doc)
            self.assertEqual(p.returncode, 0, p.stderr)
            output = json.loads(json.loads(p.stdout)["output"])
            events = self.check_succeeded_like(ws, "whole", output, once=False)
            self.check_attempt_scopes(events)
        finally:
            ws.cleanup()
        self.assertEqual([e["type"] for e in events].count(started_type), 2)
        failed = next(e["id"] for e in events if e["type"] == "TaskFailed")
        failures = in_parallel(
            lambda n: self.crash_retried_then_resume(machine, input_doc, n, output),
            range(failed, len(events) + 1))
        self.assertEqual(failures, [], "\n".join(["crash after event N:"] + failures))
        return output

    def test_retried_map_killed_at_every_write_of_its_second_attempt_then_resumed(self):
        output = self.check_retried_killed_at_every_write(RETRIED_MAP, RETRIED_MAP_INPUT,
                                                          "MapStateStarted")
        # The second attempt's result: every item ran with attempt 1.
        self.assertEqual([o["got"]["attempt"] for o in output], [1, 1, 1])

    def test_retried_parallel_killed_at_every_write_of_its_second_attempt_then_resumed(self):
        output = self.check_retried_killed_at_every_write(
            RETRIED_PARALLEL, RETRIED_PARALLEL_INPUT, "ParallelStateStarted")
        self.assertEqual(output[0]["got"]["attempt"], 1)
        self.assertEqual(output[0]["got"]["sturdy"]["got"], {"n": 1, "attempt": 1})


class CrashDuringReplay(DurabilityCase):
    """A redrive cut off by a crash is resumed as that redrive: the failure
    it was redriving is not replayed, and what it had done is not redone."""

    def failed_then_fixed(self, ws, machine, input_doc):
        p = ws.run(machine, "re", input_doc)
        if p.returncode != 1:
            raise AssertionError(f"the first run exited {p.returncode}: {p.stderr}")
        ws.touch(ws.marker)
        return ws.history("re"), ws.invocations()

    def uninterrupted_replay(self, machine, input_doc, replay_args):
        ws = Workspace()
        try:
            first, _ = self.failed_then_fixed(ws, machine, input_doc)
            r = ws.stepfn("replay", "re", *replay_args, "--format", "json")
            self.assertEqual(r.returncode, 0, r.stderr)
            events = ws.history("re")
            return json.loads(json.loads(r.stdout)["output"]), len(events) - len(first)
        finally:
            ws.cleanup()

    def crash_replay_then_resume(self, n, machine, input_doc, replay_args, output, once, rerun):
        ws = Workspace()
        try:
            failed, failed_counts = self.failed_then_fixed(ws, machine, input_doc)
            r = ws.stepfn("replay", "re", *replay_args, env={FAULT_VARS[0]: str(n)})
            if r.returncode != -signal.SIGKILL:
                raise AssertionError(f"replay exited {r.returncode}, expected SIGKILL: {r.stderr}")
            ws.wait_for_steps_to_end()
            cut, cut_counts = ws.history("re"), ws.invocations()
            self.check_invocations_since(failed, failed_counts, cut, cut_counts, crashed=True,
                                         rerun=rerun)
            if ws.describe("re")["status"] == "RUNNING":
                r = ws.stepfn("resume", "re")
                if r.returncode != 0:
                    raise AssertionError(f"resume exited {r.returncode}: {r.stderr}")
            ws.wait_for_steps_to_end()
            done = self.check_succeeded_like(ws, "re", output, redrive_count=1, once=once)
            self.check_invocations_since(cut, cut_counts, done, ws.invocations())
        finally:
            ws.cleanup()

    def check_every_crash(self, machine, input_doc, replay_args=(), once=True, rerun=()):
        output, count = self.uninterrupted_replay(machine, input_doc, replay_args)
        failures = in_parallel(
            lambda n: self.crash_replay_then_resume(n, machine, input_doc, replay_args, output,
                                                    once, rerun),
            range(1, count + 1))
        self.assertEqual(failures, [], "\n".join(["replay killed after its event N:"] + failures))

    def test_redrive_killed_at_every_history_write_then_resumed_finishes_the_redrive(self):
        self.check_every_crash(REDRIVABLE, REDRIVABLE_INPUT)

    def test_replay_from_a_state_killed_at_every_history_write_then_resumed(self):
        machine = chain(("First", "record"), ("Second", "record"), ("Third", "fragile"))
        self.check_every_crash(machine, {"n": 1}, ("--from", "Second"), once=False,
                               rerun=("Second", "Third"))

    def test_resumed_redrive_has_the_timeout_of_the_redrive(self):
        # TimeoutSeconds counts from the redrive: long after the first start,
        # a resumed redrive still has its time.
        machine = dict(chain(("Hold", "held")), TimeoutSeconds=1)
        ws = self.ws
        ws.touch(ws.hold)
        self.assertEqual(json.loads(ws.run(machine, "late", {}).stdout)["status"], "TIMED_OUT")
        os.unlink(ws.hold)
        time.sleep(0.5)
        r = ws.stepfn("replay", "late", env={FAULT_VARS[0]: "1"})  # ExecutionRedriven
        self.assertEqual(r.returncode, -signal.SIGKILL)
        r = ws.stepfn("resume", "late", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["status"], "SUCCEEDED")


class KillAtRandomMoments(DurabilityCase):
    def test_kill_9_at_random_moments_then_resume_gives_the_uninterrupted_result(self):
        output, _ = self.uninterrupted(SLOW, SLOW_INPUT)
        rng = random.Random(20261123)  # fixed: a failure reproduces
        ws = self.ws
        proc = ws.start(*ws.run_args(SLOW, "killed", SLOW_INPUT))
        # The kills start once ExecutionStarted is on disk: before it there
        # is no execution to resume (see test_crash_before_the_first_event).
        while not os.path.exists(ws.history_path("killed")) or \
                os.path.getsize(ws.history_path("killed")) == 0:
            time.sleep(0.005)
        before, before_counts = [], collections.Counter()
        kills = 0
        while kills < 10:
            try:
                proc.wait(timeout=rng.uniform(0.05, 0.6))
                break  # it finished before this kill
            except subprocess.TimeoutExpired:
                proc.kill()
                finish(proc)
                kills += 1
            ws.wait_for_steps_to_end()
            after, after_counts = ws.history("killed"), ws.invocations()
            with self.subTest(kill=kills):
                self.check_history_shape(after)
                self.check_invocations_since(before, before_counts, after, after_counts,
                                             crashed=True)
            before, before_counts = after, after_counts
            if after and after[-1]["type"] == "ExecutionSucceeded":
                proc = None  # killed after its last event: nothing left to resume
                break
            proc = ws.start("resume", "killed", "--format", "json")
        if proc is not None:
            _, err = finish(proc)
            self.assertEqual(proc.returncode, 0, err)
        self.assertGreaterEqual(kills, 5, "the run was too short to be killed often")
        ws.wait_for_steps_to_end()
        after = self.check_succeeded_like(ws, "killed", output)
        self.check_invocations_since(before, before_counts, after, ws.invocations())


class TornLastLine(DurabilityCase):
    """A history whose last line was cut at any byte reads as the lines
    before it, and resumes from there."""

    RESUMED_CUTS = 12  # resuming is slow under ASan: at these offsets, spread over the line

    def cut_history(self, machine, cut_in):
        """Run machine; the history's lines before the first event of type
        cut_in, and that event's line."""
        p = self.ws.run(machine, "torn", {"n": 1})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.output = json.loads(json.loads(p.stdout)["output"])
        with open(self.ws.history_path("torn"), "rb") as fh:
            lines = fh.read().splitlines(keepends=True)
        at = next(i for i, line in enumerate(lines) if f'"type":"{cut_in}"'.encode() in line)
        return b"".join(lines[:at]), at, lines[at]

    def copy_execution(self, history):
        """The execution "torn" in a store of its own, with this history and
        its own invocation log."""
        ws = Workspace()
        source = os.path.join(self.ws.store, "executions", "torn")
        folder = os.path.join(ws.store, "executions", "torn")
        os.makedirs(folder)
        shutil.copy(os.path.join(source, "definition.json"), folder)
        with open(os.path.join(source, "run.json")) as fh:
            meta = json.load(fh)
        with open(os.path.join(folder, "run.json"), "w") as fh:
            json.dump(dict(meta, resources=ws.resources), fh)
        with open(ws.history_path("torn"), "wb") as fh:
            fh.write(history)
        return ws

    def read_torn(self, history, good_events):
        ws = self.copy_execution(history)
        try:
            p = ws.stepfn("history", "torn")
            if p.returncode != 0 or len(json.loads(p.stdout)["events"]) != good_events:
                raise AssertionError(f"history: {p.returncode} {p.stdout[-300:]} {p.stderr}")
            torn = not history.endswith(b"\n")
            if torn != ("ignored 1 torn" in p.stderr):
                raise AssertionError(f"torn line {'not ' if torn else ''}reported: {p.stderr!r}")
        finally:
            ws.cleanup()

    def resume_torn(self, history, task_runs_again):
        ws = self.copy_execution(history)
        try:
            if ws.describe("torn")["status"] != "RUNNING":
                raise AssertionError("not RUNNING with its last event cut off")
            r = ws.stepfn("resume", "torn")
            if r.returncode != 0:
                raise AssertionError(f"resume exited {r.returncode}: {r.stderr}")
            self.check_succeeded_like(ws, "torn", self.output)
            if ws.runs_of("Only") != (1 if task_runs_again else 0):
                raise AssertionError(f"the task ran {ws.runs_of('Only')} time(s) on resume")
        finally:
            ws.cleanup()

    def check_every_cut(self, cut_in, task_runs_again):
        head, good_events, line = self.cut_history(chain(("Only", "record")), cut_in)
        failures = in_parallel(lambda k: self.read_torn(head + line[:k], good_events),
                               range(len(line)))
        self.assertEqual(failures, [], "\n".join(["reading, cut at byte:"] + failures))
        step = max(1, len(line) // self.RESUMED_CUTS)
        resumed = sorted({0, 1, len(line) - 2, len(line) - 1, *range(0, len(line), step)})
        failures = in_parallel(lambda k: self.resume_torn(head + line[:k], task_runs_again),
                               resumed)
        self.assertEqual(failures, [], "\n".join(["resuming, cut at byte:"] + failures))

    def test_last_line_torn_at_every_byte_is_ignored_and_resume_finishes(self):
        # The final ExecutionSucceeded line torn: everything before is kept
        # and the recorded task result is used, not run again.
        self.check_every_cut("ExecutionSucceeded", task_runs_again=False)

    def test_torn_task_result_runs_the_task_again(self):
        # The TaskSucceeded line torn: the result is not recorded, so the
        # task was in flight and runs again (at-least-once).
        self.check_every_cut("TaskSucceeded", task_runs_again=True)


class Resume(DurabilityCase):
    def crash(self, machine, name, n, input_doc=None):
        p = self.ws.run(machine, name, input_doc or {}, env={FAULT_VARS[0]: str(n)})
        self.assertEqual(p.returncode, -signal.SIGKILL, p.stderr)

    def seconds_between(self, events, first, then):
        """Seconds from the first event of type `first` to the last of `then`."""
        stamp = {e["type"]: parse_time(e["timestamp"]) for e in reversed(events)}
        start = stamp[first]
        stamp = {e["type"]: parse_time(e["timestamp"]) for e in events}
        return stamp[then] - start

    def test_resumed_wait_waits_only_the_time_left(self):
        machine = {"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 2, "End": True}}}
        self.crash(machine, "w", 2)  # ExecutionStarted, WaitStateEntered
        time.sleep(1.2)
        r = self.ws.stepfn("resume", "w")
        self.assertEqual(r.returncode, 0, r.stderr)
        events = self.check_succeeded_like(self.ws, "w", {})
        # The 2 s count from the recorded entry, across the crash: not 1.2 s
        # of downtime plus the whole 2 s again.
        waited = self.seconds_between(events, "WaitStateEntered", "WaitStateExited")
        self.assertGreaterEqual(waited, 1.99)
        self.assertLess(waited, 2.8)

    def test_resumed_retry_backoff_waits_only_the_time_left(self):
        machine = {"StartAt": "Flaky", "States": {"Flaky": {
            "Type": "Task", "Resource": "flaky", "End": True,
            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "MaxAttempts": 1}]}}}
        # ExecutionStarted, TaskStateEntered, TaskScheduled, TaskStarted, TaskFailed
        self.crash(machine, "r", 5)
        time.sleep(1.2)
        r = self.ws.stepfn("resume", "r")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.ws.runs_of("Flaky"), 2)  # the failed attempt is not repeated
        events = self.check_succeeded_like(self.ws, "r", {"ran": "Flaky", "got": {}})
        self.assertEqual([e["type"] for e in events].count("TaskScheduled"), 2)
        backoff = self.seconds_between(events, "TaskFailed", "TaskScheduled")
        self.assertGreaterEqual(backoff, 1.99)
        self.assertLess(backoff, 2.8)

    def test_resume_without_a_name_continues_every_cut_off_execution(self):
        machine = chain(("A", "record"), ("B", "record"))
        self.crash(machine, "one", 4, {"n": 1})
        self.crash(machine, "two", 8, {"n": 2})
        self.assertEqual(self.ws.run(machine, "done", {"n": 3}).returncode, 0)
        r = self.ws.stepfn("resume", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        printed = sorted(json.loads(line)["name"] for line in r.stdout.splitlines() if line.strip())
        self.assertEqual(printed, ["one", "two"])
        for name, n in (("one", 1), ("two", 2)):
            self.check_succeeded_like(self.ws, name, {"n": n, "A": {"ran": "A", "got": {"n": n}},
                                                      "B": {"ran": "B", "got": {"n": n, "A": {"ran": "A", "got": {"n": n}}}}})

    def test_a_run_cut_off_before_its_start_was_recorded_cannot_be_resumed(self):
        # ExecutionStarted torn: not even the input is known. The execution
        # is reported, and the others of the store are resumed all the same.
        machine = chain(("A", "record"))
        p = self.ws.run(machine, "unborn", {"n": 1}, env={FAULT_VARS[1]: "1"})
        self.assertEqual(p.returncode, -signal.SIGKILL)
        self.crash(machine, "cut", 3, {"n": 2})
        r = self.ws.stepfn("resume", "--format", "json")
        self.assertEqual(r.returncode, 4)
        self.assertIn("stepfn resume: unborn: the history has no readable ExecutionStarted "
                      "event: the run was cut off before its start was recorded; start it "
                      "again with 'stepfn run'", r.stderr)
        self.assertEqual(json.loads(r.stdout)["name"], "cut")
        self.check_succeeded_like(self.ws, "cut", {"n": 2, "A": {"ran": "A", "got": {"n": 2}}})
        self.assertEqual(self.ws.stepfn("resume", "unborn").returncode, 4)

    def test_resume_of_a_finished_execution_is_refused(self):
        self.assertEqual(self.ws.run(chain(("A", "record")), "done", {}).returncode, 0)
        r = self.ws.stepfn("resume", "done")
        self.assertEqual(r.returncode, 2)
        self.assertIn("done is SUCCEEDED, not cut off while running; nothing to resume", r.stderr)


class Locks(DurabilityCase):
    HOLDING = {"StartAt": "Hold", "States": {"Hold": {"Type": "Task", "Resource": "held", "End": True}}}

    def test_resume_refuses_an_execution_a_live_process_runs(self):
        ws = self.ws
        ws.touch(ws.hold)
        proc = ws.start(*ws.run_args(self.HOLDING, "busy", {}))
        try:
            ws.wait_for_log("Hold")
            r = ws.stepfn("resume", "busy")
            self.assertEqual(r.returncode, 2)
            self.assertIn(f"is being run by another process (pid {proc.pid})", r.stderr)
            r = ws.stepfn("replay", "busy")
            self.assertEqual(r.returncode, 2)
            self.assertIn("is being run by another process", r.stderr)
            # Resuming the whole store leaves it alone too.
            r = ws.stepfn("resume")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, "")
            self.assertEqual(ws.runs_of("Hold"), 1)
        finally:
            proc.kill()
            proc.communicate()
            os.unlink(ws.hold)  # lets the orphaned step program end

    def test_lock_of_a_killed_process_is_stale_and_resume_proceeds(self):
        ws = self.ws
        ws.touch(ws.hold)
        proc = ws.start(*ws.run_args(self.HOLDING, "dead", {}))
        ws.wait_for_log("Hold")
        proc.kill()
        proc.communicate()
        # The orphaned step program still runs: it must not hold the lock.
        self.assertEqual(len(ws.live_steps()), 1)
        os.unlink(ws.hold)
        r = ws.stepfn("resume", "dead", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["status"], "SUCCEEDED")
        self.assertEqual(ws.runs_of("Hold"), 2)  # it was in flight: at-least-once


class Replay(DurabilityCase):
    """`stepfn replay` (alias `redrive`) is AWS RedriveExecution."""

    def replay(self, name, *args, command="replay"):
        return self.ws.stepfn(command, name, *args, "--format", "json")

    def test_redrive_reruns_only_the_failed_step_and_what_follows(self):
        machine = chain(("First", "record"), ("Second", "fragile"), ("Third", "record"))
        ws = self.ws
        p = ws.run(machine, "top", {"n": 1})
        self.assertEqual(p.returncode, 1)
        self.assertEqual(json.loads(p.stdout)["error"], "NotReady")

        r = self.replay("top")  # still broken
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual((json.loads(r.stdout)["status"], json.loads(r.stdout)["redriveCount"]),
                         ("FAILED", 1))
        self.assertEqual([ws.runs_of(s) for s in ("First", "Second", "Third")], [1, 2, 0])

        ws.touch(ws.marker)
        r = self.replay("top", command="redrive")  # the alias
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([ws.runs_of(s) for s in ("First", "Second", "Third")], [1, 3, 1])
        events = self.check_succeeded_like(ws, "top", self.fixed_output(machine, {"n": 1}),
                                           redrive_count=2)
        self.assertEqual(json.loads(r.stdout), ws.describe("top"))
        redriven = [e["executionRedrivenEventDetails"]["redriveCount"]
                    for e in events if e["type"] == "ExecutionRedriven"]
        self.assertEqual(redriven, [1, 2])
        self.assertEqual([e["type"] for e in events].count("ExecutionStarted"), 1)

    def test_redrive_in_a_map_reruns_only_failed_and_unstarted_iterations(self):
        machine = {"StartAt": "Each", "States": {"Each": {
            "Type": "Map", "MaxConcurrency": 1, "End": True, "ItemProcessor": ITERATION}}}
        items = [{"n": 0}, {"n": 1}, {"n": 2, "fragile": True}, {"n": 3}, {"n": 4}]
        ws = self.ws
        self.assertEqual(ws.run(machine, "map", items).returncode, 1)
        # One at a time: 0 and 1 succeeded, 2 failed, 3 and 4 never started.
        self.assertEqual(sorted(json.loads(t)["n"] for s, _, t in ws.invocation_lines()), [0, 1, 2])
        ws.touch(ws.marker)
        r = self.replay("map")
        self.assertEqual(r.returncode, 0, r.stderr)
        runs = collections.Counter(json.loads(t)["n"] for _, _, t in ws.invocation_lines())
        self.assertEqual(runs, {0: 1, 1: 1, 2: 2, 3: 1, 4: 1})
        self.check_succeeded_like(ws, "map", self.fixed_output(machine, items),
                                  redrive_count=1)

    def test_redrive_in_a_parallel_reruns_only_unsuccessful_branches(self):
        machine = {"StartAt": "Fan", "States": {"Fan": {
            "Type": "Parallel", "End": True, "Branches": [
                {"StartAt": "Quick", "States": {
                    "Quick": {"Type": "Task", "Resource": "record", "End": True}}},
                {"StartAt": "Later", "States": {
                    "Later": {"Type": "Wait", "Seconds": 1, "Next": "Fragile"},
                    "Fragile": {"Type": "Task", "Resource": "fragile", "End": True}}},
                {"StartAt": "Hold", "States": {
                    "Hold": {"Type": "Task", "Resource": "held", "End": True}}}]}}}
        ws = self.ws
        ws.touch(ws.hold)  # Hold runs until Fragile's failure cancels it
        p = ws.run(machine, "par", {"n": 1})
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual([ws.runs_of(s) for s in ("Quick", "Fragile", "Hold")], [1, 1, 1])
        ws.touch(ws.marker)
        os.unlink(ws.hold)
        r = self.replay("par")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([ws.runs_of(s) for s in ("Quick", "Fragile", "Hold")], [1, 2, 2])
        events = self.check_succeeded_like(ws, "par", self.fixed_output(machine, {"n": 1}),
                                           redrive_count=1)
        # Later's Wait succeeded in the first run: it is not waited again.
        self.assertEqual([e["type"] for e in events].count("WaitStateEntered"), 1)

    def test_replay_from_a_state_reruns_it_and_what_follows_with_its_old_input(self):
        machine = chain(("First", "record"), ("Second", "record"), ("Third", "fragile"))
        ws = self.ws
        self.assertEqual(ws.run(machine, "from", {"n": 1}).returncode, 1)
        ws.touch(ws.marker)
        r = self.replay("from", "--from", "Second")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([ws.runs_of(s) for s in ("First", "Second", "Third")], [1, 2, 2])
        second = [t for s, _, t in ws.invocation_lines() if s == "Second"]
        self.assertEqual(second[0], second[1])  # the input it had last time
        events = self.check_succeeded_like(ws, "from", self.fixed_output(machine, {"n": 1}),
                                           redrive_count=1, once=False)
        redriven = next(i for i, e in enumerate(events) if e["type"] == "ExecutionRedriven")
        self.assertEqual([details_of(e)["name"] for e in events[redriven:]
                          if e["type"] == "TaskStateEntered"], ["Second", "Third"])

    def test_replay_from_a_state_never_entered_is_refused(self):
        machine = chain(("First", "fragile"))
        self.assertEqual(self.ws.run(machine, "nope", {}).returncode, 1)
        r = self.replay("nope", "--from", "Elsewhere")
        self.assertEqual(r.returncode, 2)
        self.assertIn("never entered a top-level state named 'Elsewhere'", r.stderr)
        self.assertEqual(self.ws.describe("nope")["status"], "FAILED")

    def test_replay_of_a_succeeded_execution_is_refused(self):
        self.assertEqual(self.ws.run(chain(("A", "record")), "ok", {}).returncode, 0)
        with open(self.ws.history_path("ok"), "rb") as fh:
            recorded = fh.read()
        r = self.replay("ok")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")
        self.assertIn("stepfn replay: ok SUCCEEDED; only a FAILED, TIMED_OUT or ABORTED "
                      "execution can be redriven", r.stderr)
        with open(self.ws.history_path("ok"), "rb") as fh:
            self.assertEqual(fh.read(), recorded)
        self.assertEqual(self.ws.runs_of("A"), 1)

    def test_replay_with_a_fixed_definition_runs_it_and_keeps_the_old_one(self):
        broken = {"StartAt": "First", "States": {
            "First": {"Type": "Task", "Resource": "record", "ResultPath": "$.First",
                      "Next": "Second"},
            "Second": {"Type": "Fail", "Error": "NotWrittenYet"}}}
        fixed = chain(("First", "record"), ("Second", "record"))
        ws = self.ws
        self.assertEqual(ws.run(broken, "fix", {"n": 1}).returncode, 1)
        fixed_path = ws.write("fixed.asl.json", fixed)
        r = self.replay("fix", "--definition", fixed_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([ws.runs_of(s) for s in ("First", "Second")], [1, 1])
        self.check_succeeded_like(ws, "fix", self.fixed_output(fixed, {"n": 1}),
                                  redrive_count=1)
        folder = os.path.join(ws.store, "executions", "fix")
        with open(os.path.join(folder, "definition.json")) as fh:
            self.assertEqual(json.load(fh), fixed)
        with open(os.path.join(folder, "definition.0.json")) as fh:
            self.assertEqual(json.load(fh), broken)

    def test_replay_continues_a_timed_out_execution(self):
        machine = dict(chain(("First", "record"), ("Hold", "held")), TimeoutSeconds=1)
        ws = self.ws
        ws.touch(ws.hold)
        p = ws.run(machine, "slow", {"n": 1})
        self.assertEqual(json.loads(p.stdout)["status"], "TIMED_OUT")
        os.unlink(ws.hold)
        r = self.replay("slow")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([ws.runs_of(s) for s in ("First", "Hold")], [1, 2])
        self.check_succeeded_like(ws, "slow", self.fixed_output(machine, {"n": 1}),
                                  redrive_count=1)


class Abort(DurabilityCase):
    def test_sigint_aborts_kills_the_step_and_replay_completes_it(self):
        machine = chain(("Hold", "held"), ("After", "record"))
        ws = self.ws
        ws.touch(ws.hold)
        proc = ws.start(*ws.run_args(machine, "int", {"n": 1}))
        ws.wait_for_log("Hold")
        step_pid = int(ws.invocation_lines()[0][1])
        proc.send_signal(signal.SIGINT)
        out, err = finish(proc)
        self.assertEqual(proc.returncode, 1, err)
        self.assertIn("SIGINT received; aborting", err)
        self.assertEqual(json.loads(out)["status"], "ABORTED")
        # It would sleep while the hold file exists: only the abort kills it.
        self.assertTrue(wait_for_death(step_pid), "the step program outlived the abort")
        events = ws.history("int")
        self.assertEqual(events[-1]["type"], "ExecutionAborted")
        self.assertEqual(ws.describe("int")["status"], "ABORTED")

        os.unlink(ws.hold)
        r = ws.stepfn("replay", "int", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([ws.runs_of(s) for s in ("Hold", "After")], [2, 1])
        self.check_succeeded_like(ws, "int", self.fixed_output(machine, {"n": 1}),
                                  redrive_count=1)


def main():
    global STEPFN, STEP_RECORD
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stepfn")
    ap.add_argument("--steps", required=True, help="folder of the built step programs")
    opts, rest = ap.parse_known_args()
    STEPFN = os.path.abspath(opts.stepfn)
    STEP_RECORD = os.path.join(os.path.abspath(opts.steps), "step_record")
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
