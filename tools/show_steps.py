#!/usr/bin/env python3
"""show_steps.py — what an execution did, step by step, read from its history.

usage: show_steps.py STEPFN NAME [--store DIR]

Prints one line per state the execution went through: its name, type,
duration and what happened (ok; the errors a Retry got past; the error a
Catch caught; the error it failed with). Under a Map, one line per
iteration, and under a Parallel one line per branch, each the chain of
states it went through. `make run` uses it after `stepfn run` to show the
lab pipeline's steps; it only reads `stepfn history NAME`.
"""
import json
import subprocess
import sys
from datetime import datetime

LABEL_FIELDS = ("key", "id", "name", "visitId", "visitor")


def seconds(event):
    return datetime.strptime(event["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def details(event):
    return next((v for k, v in event.items() if k.endswith("EventDetails")), {})


class Step:
    def __init__(self, event):
        self.name = details(event)["name"]
        self.type = event["type"][: -len("StateEntered")]
        self.entered = event
        self.input = details(event).get("input")
        self.exited = None
        self.attempts = []  # None for a success, else the error name
        self.failure = None
        self.failed_event = False  # MapStateFailed / ParallelStateFailed seen
        self.stopped = False  # its Map iteration was aborted
        self.before_replay = None  # what had happened when it was redriven

    def outcome(self):
        text = self.outcome_so_far()
        return f"{self.before_replay}, replayed: {text}" if self.before_replay else text

    def outcome_so_far(self):
        errors = [a for a in self.attempts if a]
        if self.failure and self.exited:
            return "caught " + self.failure
        if self.stopped and not self.exited and not self.failure:
            return "stopped" + (" while retrying " + errors[-1] if errors else "")
        if self.failure or not self.exited:
            return "FAILED " + (self.failure or (errors[-1] if errors else "?"))
        if self.attempts and self.attempts[-1]:
            return "caught " + self.attempts[-1]
        if errors:
            return "ok after retrying " + ", ".join(errors)
        return "ok"

    def duration(self):
        end = self.exited or self.entered
        return seconds(end) - seconds(self.entered)


def steps_by_scope(events):
    """{scope tuple: [Step, ...]} in the order the states were entered."""
    scopes, current = {}, {}
    for e in events:
        scope = tuple(e.get("scope") or ())
        kind = e["type"]
        if kind.endswith("StateEntered"):
            step = Step(e)
            scopes.setdefault(scope, []).append(step)
            current[scope] = step
            continue
        if kind == "ExecutionRedriven":
            mark_redriven(scopes)
            continue
        step = current.get(scope)
        if step is None:
            continue
        if kind.endswith("StateExited"):
            step.exited = e
        elif kind in ("TaskSucceeded",):
            step.attempts.append(None)
        elif kind in ("TaskFailed", "TaskTimedOut", "TaskStartFailed"):
            step.attempts.append(details(e).get("error", "States.TaskFailed"))
        elif kind in ("MapStateFailed", "ParallelStateFailed"):
            step.failure = details(e).get("error")  # None: an iteration's error
            step.failed_event = True
        elif kind == "MapIterationAborted":
            child = scope + (step.name, step.entered["id"], details(e).get("index"))
            for s in scopes.get(child, []):
                s.stopped = True
        elif kind == "ExecutionFailed" and not step.exited:
            step.failure = details(e).get("error")
    return scopes


def mark_redriven(scopes):
    """A redrive continues the states that had not finished: remember what
    had happened to them, and start their story afresh."""
    name_failures(scopes)
    for chain in scopes.values():
        for step in chain:
            if not step.exited:
                step.before_replay = step.outcome_so_far()
                step.attempts, step.failure, step.failed_event = [], None, False
                step.stopped = False


def label_of(step):
    try:
        value = json.loads(step.input or "null")
    except ValueError:
        return ""
    if isinstance(value, dict):
        for field in LABEL_FIELDS:
            if isinstance(value.get(field), str):
                return value[field]
        for field in ("visit", "record", "object"):
            inner = value.get(field)
            if isinstance(inner, dict):
                for f in LABEL_FIELDS:
                    if isinstance(inner.get(f), str):
                        return inner[f]
    return value if isinstance(value, str) else ""


def children(scopes, step):
    """The iteration or branch scopes of a Map or Parallel step, by index."""
    prefix_len = None
    found = []
    for scope in scopes:
        if len(scope) >= 3 and scope[-3] == step.name and scope[-2] == step.entered["id"]:
            found.append(scope)
            prefix_len = len(scope)
    return sorted(found, key=lambda s: s[-1]) if prefix_len else []


def first_error(scopes, step):
    """The error a Map or Parallel failed with: its first failed child's."""
    for child in children(scopes, step):
        for s in scopes[child]:
            error = s.failure or next((a for a in reversed(s.attempts) if a), None)
            if error and (s.failure or not s.exited):
                return error
    return "failed"


def name_failures(scopes):
    for chain in scopes.values():
        for step in chain:
            if step.type in ("Map", "Parallel") and step.failure is None and (
                    not step.exited or step.failed_event):
                step.failure = first_error(scopes, step)


def print_chain(scopes, scope, kind, indent):
    chain = scopes[scope]
    label = label_of(chain[0]) if kind == "Map" else ""
    head = f"#{scope[-1]}" if kind == "Map" else f"branch {scope[-1]}"
    text = " -> ".join(f"{s.name} {s.outcome()}" for s in chain)
    head = f"{head:<5} {label[:28]:<28}" if kind == "Map" else f"{head:<9}"
    print(f"{' ' * indent}{head} {text}")
    for s in chain:
        for child in children(scopes, s):
            print_chain(scopes, child, s.type, indent + 2)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    stepfn, name, rest = args[0], args[1], args[2:]
    p = subprocess.run([stepfn, "history", name, *rest], capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(p.returncode)
    scopes = steps_by_scope(json.loads(p.stdout)["events"])
    name_failures(scopes)
    print(f"Steps of {name}:")
    for step in scopes.get((), []):
        print(f"  {step.name:<24} {step.type:<9} {step.duration():6.3f} s  {step.outcome()}")
        for child in children(scopes, step):
            print_chain(scopes, child, step.type, 4)


if __name__ == "__main__":
    main()
