#!/usr/bin/env python3
"""End-to-end tests of the lab pipelines (definitions/*/pipeline.asl.json)
and the small single-feature examples (definitions/*.asl.json).

usage: test_lab.py STEPFN STEPS_DIR DEFINITIONS_DIR [--regenerate] [unittest args]

Each pipeline test copies the pipeline's folder (definition, input, sample
bucket) to a fresh temporary folder, fills in its resources.json template
(@LAB_STEPS@: the built step programs, @LAB_DEFINITIONS@: the copy,
@LAB_RUN@: a fresh run folder) and runs it with `stepfn run`. The run
folder must then hold exactly the files of tests/lab/expected/NAME/ (the
table, the data lake, the outbox), byte for byte; lock files, the steps'
private state/ and the bucket-notification bucket itself are not compared.

--regenerate rewrites expected/ from what the runs produce instead; read the
diff before committing it.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import re
import tempfile
import time
import unittest

STEPFN = STEPS = DEFS = None
REGENERATE = False
HERE = os.path.dirname(os.path.abspath(__file__))
SHOW_STEPS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools", "show_steps.py")
EXPECTED = os.path.join(HERE, "expected")
NOT_COMPARED = {"state", "bucket"}


def tree(root):
    """{relative path: bytes} of every file below root but NOT_COMPARED ones."""
    files = {}
    for folder, dirs, names in os.walk(root):
        if folder == root:
            dirs[:] = [d for d in dirs if d not in NOT_COMPARED]
        for name in names:
            if name.endswith(".lock"):
                continue
            path = os.path.join(folder, name)
            with open(path, "rb") as fh:
                files[os.path.relpath(path, root)] = fh.read()
    return files


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="stepfn-lab-")
        self.dir = self.tmp.name
        self.store = os.path.join(self.dir, "store")
        self.run_dir = os.path.join(self.dir, "out")
        self.defs = os.path.join(self.dir, "definitions")

    def tearDown(self):
        self.tmp.cleanup()

    # ---- helpers ----

    def stepfn(self, *args, timeout=120):
        env = {k: v for k, v in os.environ.items()
               if k in ("PATH", "HOME", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")}
        return subprocess.run([STEPFN, *args, "--store", self.store], capture_output=True,
                              text=True, timeout=timeout, env=env)

    def setup_pipeline(self, pipeline):
        """Copy the pipeline's folder and fill in its resource map."""
        folder = os.path.join(self.defs, pipeline)
        shutil.copytree(os.path.join(DEFS, pipeline), folder)
        with open(os.path.join(folder, "resources.json"), encoding="utf-8") as fh:
            text = fh.read()
        for key, value in (("@LAB_STEPS@", STEPS), ("@LAB_DEFINITIONS@", self.defs),
                           ("@LAB_RUN@", self.run_dir)):
            text = text.replace(key, value)
        with open(os.path.join(folder, "resources.json"), "w", encoding="utf-8") as fh:
            fh.write(text)

    def run_pipeline(self, pipeline, name, expect="SUCCEEDED"):
        folder = os.path.join(self.defs, pipeline)
        if not os.path.isdir(folder):
            self.setup_pipeline(pipeline)
        p = self.stepfn("run", os.path.join(folder, "pipeline.asl.json"),
                        "--resources", os.path.join(folder, "resources.json"),
                        "--input-file", os.path.join(folder, "input.json"),
                        "--name", name, "--format", "json")
        self.assertIn(p.returncode, (0, 1), p.stderr)
        result = json.loads(p.stdout)
        self.assertEqual(result["status"], expect, p.stdout + p.stderr)
        return result

    def history(self, name):
        p = self.stepfn("history", name)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)["events"]

    def assert_run_folder(self, pipeline, expected_name):
        got = tree(os.path.join(self.run_dir, pipeline))
        expected_dir = os.path.join(EXPECTED, expected_name)
        if REGENERATE:
            shutil.rmtree(expected_dir, ignore_errors=True)
            for rel, data in got.items():
                os.makedirs(os.path.dirname(os.path.join(expected_dir, rel)), exist_ok=True)
                with open(os.path.join(expected_dir, rel), "wb") as fh:
                    fh.write(data)
            return
        want = tree(expected_dir)
        self.assertEqual(sorted(got), sorted(want), "the files of the run folder")
        for rel in want:
            self.assertEqual(got[rel].decode(), want[rel].decode(), rel)

    def test_pipelines_are_valid(self):
        files = [os.path.join(DEFS, p, "pipeline.asl.json")
                 for p in ("integration-patterns", "product-visit", "bucket-notification")]
        p = subprocess.run([STEPFN, "validate", *files], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    # ---- integration-patterns ----

    def test_integration_patterns_stores_every_upload_and_publishes_the_summary(self):
        result = self.run_pipeline("integration-patterns", "ip")
        output = json.loads(result["output"])
        self.assertEqual([(o["key"], o["outcome"], o.get("error")) for o in output["objects"]], [
            ("order-1001.json", "stored", None),
            ("order-1002.json", "stored", None),
            ("order-1003.json", "stored", None),
            ("order-1004.json", "stored", None),
            ("order-1005.json", "rejected", "Lab.InvalidRecord"),
            ("order-1006.json", "rejected", "Lab.MalformedJson"),
            ("stock.csv", "stored", None),
        ])
        self.assertEqual(output["counts"], {"records": 4, "raw": 1, "rejected": 2})
        self.assertEqual(output["published"], [{"subscriber": "queue", "stored": 1},
                                               {"subscriber": "email", "messageId": "0001"}])
        self.assert_run_folder("integration-patterns", "integration-patterns")

    def test_integration_patterns_retries_the_throttled_write_once(self):
        self.run_pipeline("integration-patterns", "ip")
        failures = [e["taskFailedEventDetails"] for e in self.history("ip")
                    if e["type"] == "TaskFailed"]
        self.assertEqual(sorted((f["error"], json.loads(f["cause"])["errorMessage"])
                                for f in failures), [
            ("Lab.InvalidRecord", 'order-1005.json: "total" must be a number >= 0'),
            ("Lab.MalformedJson", "order-1006.json is not valid JSON: line 6, column 0: "
                                  "string or '}' expected near end of file"),
            ("Lab.TableThrottled", "order-1003.json: the table refused the write "
                                   "(provisioned throughput exceeded); try again"),
        ])
        self.assertEqual(os.listdir(os.path.join(self.run_dir, "integration-patterns", "state")),
                         [], "the throttle marker is gone once the retry succeeded")

    def test_integration_patterns_steps_as_make_run_prints_them(self):
        self.run_pipeline("integration-patterns", "ip")
        p = subprocess.run([sys.executable, SHOW_STEPS, STEPFN, "ip", "--store", self.store],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = [re.sub(r"\s+\d+\.\d{3} s\s+", "  ", line) for line in p.stdout.splitlines()]
        self.assertEqual(lines, [
            "Steps of ip:",
            "  ListUploads              Task  ok",
            "  ProcessUploads           Map  ok",
            "    #0    order-1001.json              ParseObject ok -> StoreRecord ok",
            "    #1    order-1002.json              ParseObject ok -> StoreRecord ok",
            "    #2    order-1003.json              ParseObject ok -> StoreRecord ok after retrying Lab.TableThrottled",
            "    #3    order-1004.json              ParseObject ok -> StoreRecord ok",
            "    #4    order-1005.json              ParseObject ok -> StoreRecord caught Lab.InvalidRecord -> RejectObject ok",
            "    #5    order-1006.json              ParseObject caught Lab.MalformedJson -> RejectObject ok",
            "    #6    stock.csv                    ParseObject ok -> StoreRecord ok",
            "  Summarize                Task  ok",
            "  PublishSummary           Parallel  ok",
            "    branch 0  SendToSummaryQueue ok -> ReceiveSummaries ok -> StoreSummary ok",
            "    branch 1  EmailSummary ok",
            "  Report                   Pass  ok",
        ])

    def test_integration_patterns_second_run_on_the_same_store_and_table(self):
        self.run_pipeline("integration-patterns", "first")
        self.run_pipeline("integration-patterns", "second")
        folder = os.path.join(self.run_dir, "integration-patterns")
        got = tree(folder)
        want = tree(os.path.join(EXPECTED, "integration-patterns"))
        self.assertEqual(got["table.jsonl"], want["table.jsonl"], "the same table: writes are upserts")
        self.assertEqual(sorted(got), sorted(list(want) + ["outbox/0002.eml"]))
        self.assertEqual(got["outbox/0002.eml"], want["outbox/0001.eml"])

    def test_integration_patterns_bad_file_fails_then_replay_after_the_fix(self):
        self.setup_pipeline("integration-patterns")
        bucket = os.path.join(self.defs, "integration-patterns", "sample")
        bad = os.path.join(bucket, "order-1007.json")
        os.symlink("upload-that-never-arrived.json", bad)  # listed, but cannot be read

        failed = self.run_pipeline("integration-patterns", "broken", expect="FAILED")
        self.assertEqual(failed["error"], "Lab.ReadError")
        events = self.history("broken")
        read_errors = [e["taskFailedEventDetails"] for e in events if e["type"] == "TaskFailed"
                       and e["taskFailedEventDetails"]["error"] == "Lab.ReadError"]
        self.assertEqual(len(read_errors), 1)
        self.assertEqual(json.loads(read_errors[0]["cause"])["errorMessage"],
                         "cannot read lab-uploads/order-1007.json: No such file or directory")
        self.assertEqual(read_errors[0]["resource"],
                         "arn:aws:lambda:us-east-1:123456789012:function:lab-parse-object")
        self.assertEqual([e["type"] for e in events][-1], "ExecutionFailed")
        self.assertNotIn("Summarize", [e.get("stateEnteredEventDetails", {}).get("name")
                                       for e in events])
        self.assertFalse(os.path.exists(os.path.join(self.run_dir, "integration-patterns",
                                                     "outbox")), "no summary was sent")

        os.unlink(bad)  # the fix: the upload arrives under the same key
        with open(bad, "w", encoding="utf-8") as fh:
            json.dump({"id": "order-1007", "customer": "Barbara Liskov",
                       "placed": "2024-05-06T12:00:00Z", "items": 1, "total": 19.9}, fh)
        p = self.stepfn("replay", "broken", "--format", "json")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        replayed = json.loads(p.stdout)
        self.assertEqual((replayed["status"], replayed["redriveCount"]), ("SUCCEEDED", 1))

        events = self.history("broken")
        redriven = next(i for i, e in enumerate(events) if e["type"] == "ExecutionRedriven")
        parsed_again = [json.loads(e["taskScheduledEventDetails"]["parameters"])["key"]
                        for e in events[redriven:] if e["type"] == "TaskScheduled"
                        and e["taskScheduledEventDetails"]["resource"].endswith("lab-parse-object")]
        self.assertIn("order-1007.json", parsed_again)
        self.assertLess(len(parsed_again), 8, "objects stored before the failure are not redone")
        self.assertNotIn("ListUploads", [e.get("stateEnteredEventDetails", {}).get("name")
                                         for e in events[redriven:]])
        self.assert_run_folder("integration-patterns", "integration-patterns-replayed")

    # ---- product-visit ----

    def test_product_visit_posts_queues_stores_streams_and_notifies(self):
        result = self.run_pipeline("product-visit", "pv")
        output = json.loads(result["output"])
        self.assertEqual([p["accepted"] for p in output["posted"]], [True, True, False, True])
        self.assertEqual(output["posted"][2]["error"], "States.Http.StatusCode.400")
        self.assertEqual(output["stored"]["new"], 3)
        self.assert_run_folder("product-visit", "product-visit")
        self.assert_api_stopped()

    def test_product_visit_second_run_delivers_nothing_new(self):
        self.run_pipeline("product-visit", "first")
        result = self.run_pipeline("product-visit", "second")
        output = json.loads(result["output"])
        self.assertEqual((output["stored"]["new"], output["delivered"]), (0, []))
        entered = [e["stateEnteredEventDetails"]["name"] for e in self.history("second")
                   if e["type"].endswith("StateEntered")]
        self.assertNotIn("NotifyByEmail", entered)
        self.assert_run_folder("product-visit", "product-visit")  # unchanged: no new e-mail

    def assert_api_stopped(self):
        api = [json.loads(e["taskSucceededEventDetails"]["output"])
               for e in self.history("pv") if e["type"] == "TaskSucceeded"
               and e["taskSucceededEventDetails"]["resource"].endswith("lab-visit-api")]
        self.assertEqual(len(api), 1)
        port = int(api[0]["endpoint"].rsplit(":", 1)[1])
        with socket.socket() as s:
            self.assertNotEqual(s.connect_ex(("127.0.0.1", port)), 0, "the API still listens")

    # ---- bucket-notification ----

    def test_bucket_notification_mails_each_created_and_deleted_object(self):
        self.setup_pipeline("bucket-notification")
        bucket = os.path.join(self.run_dir, "bucket-notification", "bucket")
        shutil.copytree(os.path.join(self.defs, "bucket-notification", "sample"), bucket)
        self.run_pipeline("bucket-notification", "first")
        self.assert_run_folder("bucket-notification", "bucket-notification")

        os.unlink(os.path.join(bucket, "readme.md"))
        with open(os.path.join(bucket, "reports", "2024-05-sales.txt"), "a") as fh:
            fh.write("gooseneck kettles   3\n")
        os.makedirs(os.path.join(bucket, "invoices"))
        with open(os.path.join(bucket, "invoices", "inv-0001.csv"), "w") as fh:
            fh.write("invoice,total\ninv-0001,57.20\n")
        self.run_pipeline("bucket-notification", "second")
        self.assert_run_folder("bucket-notification", "bucket-notification-after-changes")

        result = self.run_pipeline("bucket-notification", "third")
        self.assertEqual(json.loads(result["output"]), [], "nothing changed, nothing sent")

    # ---- the small examples ----

    def run_example(self, name, input_json="{}"):
        p = self.stepfn("run", os.path.join(DEFS, name + ".asl.json"), "--input", input_json,
                        "--format", "json", "--name", name)
        return json.loads(p.stdout)

    def example_input(self, name):
        with open(os.path.join(DEFS, name + ".input.json"), encoding="utf-8") as fh:
            return fh.read()

    def test_retry_and_catch_example(self):
        result = self.run_example("retry-and-catch")
        self.assertEqual(result["status"], "SUCCEEDED")
        self.assertEqual(json.loads(result["output"]),
                         {"answer": 42, "attempts": 3, "fallbackBecause": "Service.Broken"})
        types = [e["type"] for e in self.history("retry-and-catch")]
        self.assertEqual(types.count("TaskFailed"), 3)

    def test_parallel_example(self):
        result = self.run_example("parallel", self.example_input("parallel"))
        self.assertEqual(json.loads(result["output"]), {
            "items": 3, "distinct": ["tea", "milk"], "label": "order order-7 for Ada Lovelace"})

    def test_map_example(self):
        result = self.run_example("map", self.example_input("map"))
        self.assertEqual(json.loads(result["output"]), [
            {"id": "order-1", "position": 0, "lane": "priority"},
            {"id": "order-2", "position": 1, "lane": "standard"},
            {"id": "order-3", "position": 2, "lane": "priority"},
        ])

    def test_http_example_against_a_local_server(self):
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                                   "127.0.0.1", "--directory", DEFS],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.05)
            url = f"http://127.0.0.1:{port}/hello.asl.json"
            result = self.run_example("http", json.dumps({"url": url}))
            output = json.loads(result["output"])
            self.assertEqual((output["status"], output["body"]["StartAt"]), (200, "HasName"))
        finally:
            server.terminate()
            server.wait()

    def test_http_example_without_a_server_says_how_to_start_one(self):
        url = f"http://127.0.0.1:{free_port()}/hello.asl.json"
        result = self.run_example("http", json.dumps({"url": url}))
        self.assertEqual((result["status"], result["error"]), ("FAILED", "Example.NoServer"))


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--regenerate" in args:
        REGENERATE = True
        args.remove("--regenerate")
    if len(args) < 3:
        sys.exit(__doc__)
    STEPFN, STEPS, DEFS = (os.path.abspath(a) for a in args[:3])
    unittest.main(argv=[sys.argv[0], *args[3:]], verbosity=2)
