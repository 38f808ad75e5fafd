#!/usr/bin/env python3
"""stepfn in hostile environments, end to end.

usage: test_hostile.py STEPFN --steps DIR [unittest options]

Each case puts real `stepfn` processes in a situation that goes wrong:
step programs that misbehave (tests/steps/step_hostile.c), a store that is
read-only, full, over the file size limit or moved away mid-run, two
processes on one execution, a history edited by hand. Every one must end
with a clear message and an exit status from the README's table, and leave
a history that `stepfn history` and `stepfn describe` still read.

Cases that need to mount a small tmpfs (root, and a kernel that lets this
process mount) are skipped with the reason printed when that is not
possible: root ignores file permissions, so a read-only or full store
cannot be made any other way.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zlib

STEPFN = None
STEPS = None
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
REPLACEMENT = "\ufffd"
# stepfn's largest resident size while a program floods it: well below
# what it was sent (hundreds of MiB), whatever the build (ASan adds its
# shadow memory, but not in proportion to what passes through a pipe).
RSS_LIMIT_KB = 200 * 1024


def task(resource_args, **fields):
    state = {"Type": "Task", "Resource": "hostile", "End": True}
    state.update(fields)
    return {"StartAt": "T", "States": {"T": state}}, resource_args


class Workspace:
    def __init__(self):
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="stepfn-hostile-"))
        self.store = os.path.join(self.dir, "store")

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, doc):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        return path

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("STEPFN_")}
        return env

    def command(self, *args, store=None):
        return [STEPFN, *args, "--store", store or self.store]

    def stepfn(self, *args, store=None, timeout=120, preexec_fn=None):
        p = subprocess.run(self.command(*args, store=store), capture_output=True, text=True,
                           env=self.env(), timeout=timeout, stdin=subprocess.DEVNULL,
                           preexec_fn=preexec_fn, errors="strict")
        if any(mark in p.stderr for mark in SANITIZER_MARKS):
            raise AssertionError(f"sanitizer report from stepfn {args[0]}: {p.stderr[-2000:]}")
        return p

    def start(self, *args, store=None):
        return subprocess.Popen(self.command(*args, store=store), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env(),
                                stdin=subprocess.DEVNULL)

    def run_args(self, machine, name, input_doc=None, resources=None):
        args = ["run", self.write(f"{name}.asl.json", machine), "--name", name,
                "--input-file", self.write(f"{name}.input.json", input_doc or {}),
                "--format", "json"]
        if resources:
            args += ["--resources", self.write(f"{name}.resources.json", resources)]
        return args

    def run(self, machine, name, input_doc=None, resources=None, **kw):
        return self.stepfn(*self.run_args(machine, name, input_doc, resources), **kw)

    def history_path(self, name, store=None):
        return os.path.join(store or self.store, "executions", name, "history.jsonl")


def finish(proc, timeout=120):
    out, err = proc.communicate(timeout=timeout)
    if any(mark in err for mark in SANITIZER_MARKS):
        raise AssertionError(f"sanitizer report: {err[-2000:]}")
    return out, err


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_until(predicate, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class HostileCase(unittest.TestCase):
    def setUp(self):
        self.ws = Workspace()
        self.mounts = []

    def tearDown(self):
        for m in reversed(self.mounts):
            subprocess.run(["umount", "-l", m], capture_output=True)
        self.ws.cleanup()

    # ---- Shared checks ----

    def check_readable(self, name, store=None, status=None):
        """`history` and `describe` work and agree; the history file is
        valid UTF-8, one JSON object per line. Returns (describe, events)."""
        ws = self.ws
        h = ws.stepfn("history", name, store=store)
        self.assertEqual(h.returncode, 0, h.stderr)
        events = json.loads(h.stdout)["events"]
        d = ws.stepfn("describe", name, store=store)
        self.assertEqual(d.returncode, 0, d.stderr)
        described = json.loads(d.stdout)
        if status:
            self.assertEqual(described["status"], status)
        with open(ws.history_path(name, store), "rb") as fh:
            text = fh.read().decode("utf-8")
        # Every complete line is JSON; a last one cut short by a failed
        # write is what a crash leaves, and reading skips it.
        for line in text.split("\n")[:-1]:
            json.loads(line)
        return described, events

    def mount_tmpfs(self, size):
        """A tmpfs of `size` at a new folder, or skip the test."""
        point = os.path.join(self.ws.dir, f"mnt{len(self.mounts)}")
        os.makedirs(point)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", point],
                           capture_output=True, text=True)
        if p.returncode != 0:
            reason = f"cannot mount a tmpfs here ({p.stderr.strip() or p.returncode})"
            print(f"\nskipped: {reason}", file=sys.stderr)
            self.skipTest(reason)
        self.mounts.append(point)
        return point

    def remount(self, point, options):
        p = subprocess.run(["mount", "-o", f"remount,{options}", point],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)


class TaskPrograms(HostileCase):
    """Step programs that flood, hang, close stdin or write bytes that are
    not UTF-8."""

    def run_program(self, mode, *args, timeout_seconds=None, input_doc=None):
        fields = {"TimeoutSeconds": timeout_seconds} if timeout_seconds else {}
        machine, _ = task(None, **fields)
        resources = {"hostile": {"exec": [os.path.join(STEPS, "step_hostile"), mode, *args]}}
        proc = self.ws.start(*self.ws.run_args(machine, "t", input_doc, resources))
        # Read both pipes while waiting: the output may not fit in a pipe.
        texts = {}
        readers = [threading.Thread(target=lambda k=k, f=f: texts.__setitem__(k, f.read()))
                   for k, f in (("out", proc.stdout), ("err", proc.stderr))]
        for t in readers:
            t.start()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        for t in readers:
            t.join()
        out, err = texts["out"], texts["err"]
        if any(mark in err for mark in SANITIZER_MARKS):
            raise AssertionError(f"sanitizer report: {err[-2000:]}")
        self.assertLess(usage.ru_maxrss, RSS_LIMIT_KB, "stepfn buffered what it was sent")
        return proc.returncode, out, err

    def test_stdout_flood_is_capped_and_the_program_stopped(self):
        code, out, err = self.run_program("flood-stdout")
        self.assertEqual(code, 1, err)
        d = json.loads(out)
        self.assertEqual((d["status"], d["error"]), ("FAILED", "States.DataLimitExceeded"))
        self.check_readable("t", status="FAILED")

    def test_stdout_and_stderr_flooded_together_are_capped(self):
        code, out, err = self.run_program("flood-both")
        self.assertEqual(code, 1, err)
        self.assertEqual(json.loads(out)["error"], "States.DataLimitExceeded")
        self.check_readable("t", status="FAILED")

    def test_stderr_flood_keeps_only_a_tail(self):
        size = 256 * 1024 * 1024
        code, out, err = self.run_program("flood-stderr", str(size))
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(json.loads(out)["output"]), {"flooded": size})
        _, events = self.check_readable("t", status="SUCCEEDED")
        done = next(e for e in events if e["type"] == "TaskSucceeded")
        kept = done["taskSucceededEventDetails"]["stderr"]
        self.assertLessEqual(len(kept), 8192)
        self.assertTrue(kept.endswith("e\n"))

    def test_stderr_written_forever_is_bounded_and_timed_out(self):
        code, out, err = self.run_program("stderr-forever", timeout_seconds=2)
        self.assertEqual(code, 1, err)
        self.assertEqual(json.loads(out)["error"], "States.Timeout")
        self.check_readable("t", status="FAILED")

    def test_program_closing_stdin_while_a_large_input_is_written(self):
        # Nearly the 256 KiB payload limit: far more than a pipe holds, so
        # most of it is written after the program closed its end (EPIPE).
        big = {"blob": "y" * (250 * 1024)}
        code, out, err = self.run_program("close-stdin", input_doc=big)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(json.loads(out)["output"]), {"closed": True})
        self.check_readable("t", status="SUCCEEDED")

    def test_stdout_not_utf8_fails_the_task_with_a_readable_cause(self):
        code, out, err = self.run_program("bad-utf8-stdout")
        self.assertEqual(code, 1, err)
        d = json.loads(out)
        self.assertEqual(d["error"], "States.TaskFailed")
        self.assertIn("its standard output is not JSON", d["cause"])
        self.assertIn(f'"caf{REPLACEMENT} {REPLACEMENT}{REPLACEMENT} end"', d["cause"])
        described, events = self.check_readable("t", status="FAILED")
        self.assertEqual(described["cause"], d["cause"])
        failed = next(e for e in events if e["type"] == "TaskFailed")
        self.assertEqual(failed["taskFailedEventDetails"]["cause"], d["cause"])

    def test_stderr_not_utf8_is_kept_with_replacement_characters(self):
        code, out, err = self.run_program("bad-utf8-stderr")
        self.assertEqual(code, 1, err)
        d = json.loads(out)
        self.assertEqual(d["error"], "States.TaskFailed")
        want = (f"broken {REPLACEMENT}( and {REPLACEMENT * 3} and {REPLACEMENT * 5} bytes\n")
        self.assertTrue(d["cause"].endswith(want), d["cause"])
        _, events = self.check_readable("t", status="FAILED")
        failed = next(e for e in events if e["type"] == "TaskFailed")
        self.assertEqual(failed["taskFailedEventDetails"]["stderr"], want)

    def test_program_that_never_exits_sigterm_aborts_and_replay_finishes(self):
        # No TimeoutSeconds: the task would run for AWS's default of
        # 99999999 s. SIGTERM stops stepfn with the program killed and the
        # history closed ABORTED, which a replay continues.
        pidfile = os.path.join(self.ws.dir, "hang.pid")
        machine, _ = task(None)
        resources = {"hostile": {"exec": [os.path.join(STEPS, "step_hostile"), "hang", pidfile]}}
        ws = self.ws
        proc = ws.start(*ws.run_args(machine, "h", {"k": 1}, resources))
        wait_until(lambda: os.path.exists(pidfile) and open(pidfile).read().endswith("\n"),
                   "the program to start")
        program = int(open(pidfile).read())
        proc.send_signal(signal.SIGTERM)
        out, err = finish(proc)
        self.assertEqual(proc.returncode, 1, err)
        self.assertIn("SIGTERM received; aborting", err)
        self.assertEqual(json.loads(out)["status"], "ABORTED")
        wait_until(lambda: not pid_alive(program), "the program to be killed", timeout=10)
        self.check_readable("h", status="ABORTED")
        r = ws.stepfn("replay", "h", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(json.loads(r.stdout)["output"]), {"k": 1})


# A machine that records many events: a Pass loop over a 4 KiB value, 200
# times (some 2 MB of history), with no task.
LOOPING = {
    "StartAt": "Count",
    "States": {
        "Count": {"Type": "Pass", "Next": "Again",
                  "Parameters": {"n.$": "States.MathAdd($.n, 1)", "pad.$": "$.pad"}},
        "Again": {"Type": "Choice", "Default": "Done", "Choices": [
            {"Variable": "$.n", "NumericLessThan": 200, "Next": "Count"}]},
        "Done": {"Type": "Succeed"},
    },
}
LOOPING_INPUT = {"n": 0, "pad": "p" * 4096}


class Store(HostileCase):
    """A store that is read-only, full, over the file size limit, or moved
    away while an execution runs."""

    def check_store_error(self, p, name, store, system_error):
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertIn(f"{self.ws.history_path(name, store)}: cannot write history: "
                      f"{system_error}", p.stderr)

    def resume_after(self, name, store):
        r = self.ws.stepfn("resume", name, "--format", "json", store=store)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["status"], "SUCCEEDED")
        described, events = self.check_readable(name, store, status="SUCCEEDED")
        self.assertEqual(json.loads(described["output"])["n"], 200)
        self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)))

    def test_read_only_store(self):
        store = os.path.join(self.mount_tmpfs("4m"), "store")
        ws = self.ws
        self.assertEqual(ws.run(LOOPING, "before", LOOPING_INPUT, store=store).returncode, 0)
        self.remount(os.path.dirname(store), "ro")
        p = ws.run(LOOPING, "after", LOOPING_INPUT, store=store)
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("Read-only file system", p.stderr)
        self.assertIn(os.path.join(store, "executions"), p.stderr)
        self.check_readable("before", store, status="SUCCEEDED")
        self.assertEqual(ws.stepfn("list", store=store).returncode, 0)
        r = ws.stepfn("replay", "before", store=store)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("Read-only file system", r.stderr)

    def test_full_disk_stops_the_run_and_resume_finishes_it_once_there_is_room(self):
        mount = self.mount_tmpfs("512k")
        store = os.path.join(mount, "store")
        p = self.ws.run(LOOPING, "full", LOOPING_INPUT, store=store)
        self.check_store_error(p, "full", store, "No space left on device")
        described, events = self.check_readable("full", store, status="RUNNING")
        self.assertGreater(len(events), 10)  # what was written before is there
        self.remount(mount, "size=16m")
        self.resume_after("full", store)

    def test_file_size_limit_stops_the_run_with_efbig_not_sigxfsz(self):
        def limit():
            resource.setrlimit(resource.RLIMIT_FSIZE, (300 * 1024, resource.RLIM_INFINITY))
        p = self.ws.run(LOOPING, "big", LOOPING_INPUT, preexec_fn=limit)
        self.check_store_error(p, "big", self.ws.store, "File too large")
        self.check_readable("big", status="RUNNING")
        self.resume_after("big", self.ws.store)

    def test_store_replaced_by_a_file_mid_run(self):
        ws = self.ws
        moved = ws.store + ".moved"
        machine = {"StartAt": "Move", "States": {
            "Move": {"Type": "Task", "Resource": "move", "Next": "Pause"},
            "Pause": {"Type": "Wait", "Seconds": 2, "Next": "After"},
            "After": {"Type": "Pass", "End": True}}}
        command = f"mv '{ws.store}' '{moved}' && echo not a folder > '{ws.store}'"
        resources = {"move": {"exec": [os.path.join(STEPS, "step_hostile"), "run-shell",
                                       command]}}
        p = ws.run(machine, "moved", {"k": 1}, resources)
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn(f"{ws.history_path('moved')}: the history file is no longer there "
                      "(Not a directory)", p.stderr)
        # What was written is intact where the store went, and resumes there.
        _, events = self.check_readable("moved", moved, status="RUNNING")
        self.assertNotIn("PassStateEntered", [e["type"] for e in events])
        r = ws.stepfn("resume", "moved", "--format", "json", store=moved)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(json.loads(r.stdout)["output"]), {"k": 1})


HOLD = {"StartAt": "Hold", "States": {"Hold": {"Type": "Task", "Resource": "hold",
                                                  "End": True}}}


class TwoProcesses(HostileCase):
    """Two processes on one execution: one runs it, the other is refused."""

    def hold_resources(self):
        self.hold = os.path.join(self.ws.dir, "hold")
        self.started = os.path.join(self.ws.dir, "started")
        script = (f"echo x >> '{self.started}'; "
                  f"while [ -e '{self.hold}' ]; do sleep 0.02; done")
        return {"hold": {"exec": [os.path.join(STEPS, "step_hostile"), "run-shell", script]}}

    def started_count(self):
        if not os.path.exists(self.started):
            return 0
        with open(self.started) as fh:
            return len(fh.readlines())

    def test_run_with_the_same_name_twice_at_once(self):
        ws = self.ws
        resources = self.hold_resources()
        open(self.hold, "w").close()
        first = ws.start(*ws.run_args(HOLD, "twin", {}, resources))
        wait_until(lambda: self.started_count() == 1, "the first run's task")
        second = ws.run(HOLD, "twin", {}, resources)
        self.assertEqual(second.returncode, 2, second.stderr)
        self.assertIn("an execution named 'twin' already exists", second.stderr)
        os.unlink(self.hold)
        out, err = finish(first)
        self.assertEqual(first.returncode, 0, err)
        self.assertEqual(self.started_count(), 1)
        self.check_readable("twin", status="SUCCEEDED")

    def test_runs_racing_for_one_name_exactly_one_wins(self):
        ws = self.ws
        args = ws.run_args(LOOPING, "race", LOOPING_INPUT)
        procs = [ws.start(*args) for _ in range(4)]
        errors = [finish(p)[1] for p in procs]
        self.assertEqual(sorted(p.returncode for p in procs), [0, 2, 2, 2], errors)
        for p, err in zip(procs, errors):
            if p.returncode == 2:
                self.assertIn("an execution named 'race' already exists", err)
        self.check_readable("race", status="SUCCEEDED")

    def test_resume_twice_at_once_and_replay_during_resume(self):
        ws = self.ws
        resources = self.hold_resources()
        open(self.hold, "w").close()
        cut = ws.start(*ws.run_args(HOLD, "pair", {}, resources))
        wait_until(lambda: self.started_count() == 1, "the run's task")
        cut.kill()
        finish(cut)
        first = ws.start("resume", "pair", "--format", "json")
        wait_until(lambda: self.started_count() == 2, "the resumed task")
        second = ws.stepfn("resume", "pair")
        self.assertEqual(second.returncode, 2, second.stderr)
        self.assertIn("is being run by another process", second.stderr)
        replay = ws.stepfn("replay", "pair")
        self.assertEqual(replay.returncode, 2, replay.stderr)
        self.assertIn("is being run by another process", replay.stderr)
        os.unlink(self.hold)
        out, err = finish(first)
        self.assertEqual(first.returncode, 0, err)
        # Once it has ended, a late resume sees the finished history, not
        # the one it would have read before taking the lock.
        late = ws.stepfn("resume", "pair")
        self.assertEqual(late.returncode, 2, late.stderr)
        self.assertIn("pair is SUCCEEDED, not cut off while running", late.stderr)
        _, events = self.check_readable("pair", status="SUCCEEDED")
        self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)))


CHAIN = {"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Result": 1, "ResultPath": "$.a", "Next": "B"},
    "B": {"Type": "Pass", "Result": 2, "ResultPath": "$.b", "Next": "C"},
    "C": {"Type": "Fail", "Error": "Stop", "Cause": "on purpose"}}}


class EditedHistory(HostileCase):
    """A history changed by hand: describe and history warn and show what
    reads well; resume and replay refuse, exit 4, and change nothing."""

    def edited(self, edit):
        ws = self.ws
        p = ws.run(CHAIN, "e", {})
        self.assertEqual(p.returncode, 1, p.stderr)
        path = ws.history_path("e")
        with open(path, "rb") as fh:
            lines = fh.read().splitlines(keepends=True)
        lines = edit(lines)
        with open(path, "wb") as fh:
            fh.write(b"".join(lines))
        return path

    def check_refused(self, path, damage, note=None):
        """Every reader warns that the history is damaged (and, for a line
        dropped on read, names it: note); resume and replay refuse."""
        ws = self.ws
        with open(path, "rb") as fh:
            before = fh.read()
        for cmd in ("history", "describe", "replay", "resume"):
            p = ws.stepfn(cmd, "e")
            if cmd in ("history", "describe"):
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn(f"stepfn: e: warning: the history is damaged: {damage}", p.stderr)
            else:
                self.assertEqual(p.returncode, 4, p.stderr)
                self.assertIn(f"stepfn {cmd}: e: the history is damaged: {damage}", p.stderr)
            if note:
                self.assertIn(note + "; line ignored", p.stderr)
            if cmd in ("history", "describe"):
                continue
            self.assertIn("Nothing was run: continuing from it could skip or repeat steps",
                          p.stderr)
        with open(path, "rb") as fh:
            self.assertEqual(fh.read(), before)

    def test_line_changed_without_fixing_its_checksum(self):
        path = self.edited(lambda lines: lines[:2] + [lines[2].replace(b'"name":"A"',
                                                                       b'"name":"Z"')] +
                           lines[3:])
        self.check_refused(path, "1 complete line(s) fail their checksum, do not parse or are "
                                 "out of sequence")

    def test_last_line_changed_is_not_taken_for_a_torn_write(self):
        path = self.edited(lambda lines: lines[:-1] + [lines[-1].replace(b"on purpose",
                                                                         b"by hand!!!")])
        self.check_refused(path, "1 complete line(s) fail their checksum, do not parse or are "
                                 "out of sequence")

    def test_line_deleted_in_the_middle(self):
        path = self.edited(lambda lines: lines[:3] + lines[4:])
        # Every line after the gap has an id above its line number.
        self.check_refused(path, "3 complete line(s) fail their checksum, do not parse or are "
                                 "out of sequence",
                           note="history.jsonl:4: event id 5 out of sequence (expected 4)")

    def test_lines_appended_after_the_final_event(self):
        path = self.edited(lambda lines: lines + lines[1:3])
        n = len(open(self.ws.history_path("e"), "rb").read().splitlines()) - 2
        self.check_refused(path, "2 complete line(s) fail their checksum, do not parse or are "
                                 "out of sequence",
                           note=f"history.jsonl:{n + 1}: event id 2 out of sequence "
                                f"(expected {n + 1})")

    def test_well_formed_event_appended_after_the_end(self):
        # Numbered and checksummed as the engine would: only its place
        # after ExecutionFailed gives it away.
        def forge(lines):
            n = len(lines) + 1
            body = (f'{{"id":{n},"previousEventId":{n - 1},'
                    f'"timestamp":"2026-01-01T00:00:00.000Z","type":"PassStateEntered",'
                    f'"stateEnteredEventDetails":{{"name":"A","input":"{{}}"}}').encode()
            return lines + [body + b',"crc":"%08x"}\n' % zlib.crc32(body)]
        path = self.edited(forge)
        n = len(open(path, "rb").read().splitlines())
        self.check_refused(path, f"event {n} (PassStateEntered) follows the execution's end "
                                 "(ExecutionFailed)")

    def test_events_reordered(self):
        path = self.edited(lambda lines: lines[:2] + [lines[3], lines[2]] + lines[4:])
        self.check_refused(path, "1 complete line(s) fail their checksum, do not parse or are "
                                 "out of sequence",
                           note="history.jsonl:3: event id 4 out of sequence (expected 3)")

    def test_torn_last_line_is_still_a_crash_not_damage(self):
        ws = self.ws
        self.edited(lambda lines: lines[:-1] + [lines[-1][:20]])
        p = ws.stepfn("describe", "e")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("damaged", p.stderr)
        self.assertIn("ignored 1 torn", p.stderr)
        self.assertEqual(json.loads(p.stdout)["status"], "RUNNING")
        r = ws.stepfn("resume", "e", "--format", "json")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(json.loads(r.stdout)["status"], "FAILED")


def main():
    global STEPFN, STEPS
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("stepfn")
    ap.add_argument("--steps", required=True, help="folder of the built step programs")
    opts, rest = ap.parse_known_args()
    STEPFN = os.path.abspath(opts.stepfn)
    STEPS = os.path.abspath(opts.steps)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
