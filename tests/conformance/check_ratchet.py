#!/usr/bin/env python3
"""Gate on the conformance ratchet: cases that passed once must keep passing.

Usage:
    check_ratchet.py STEPFN_BINARY CASES_DIR RATCHET_FILE
                     [--runner RUN_PY] [--report REPORT_JSON] [-j N] [--timeout S] [--update]

Runs the shared conformance runner (RUN_PY, default: run.py in the folder
above CASES_DIR) as

    python3 RUN_PY STEPFN_BINARY CASES_DIR --json REPORT -j N --timeout S

and reads its per-case report. RATCHET_FILE lists case ids, one per line;
blank lines and text after "#" are ignored. Exits 1, listing them, if any
listed case did not pass (or no longer exists); otherwise 0. Cases that pass
but are not listed are printed as a hint to raise the ratchet.

--update rewrites RATCHET_FILE with every passing id, sorted, keeping the
leading comment block. It never fails on regressions: review the diff.

Stdlib only.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HEADER = """\
# Conformance ratchet: ids of shared/conformance cases that stepfn passes.
# ctest's conformance.ratchet fails if any case listed here stops passing.
# Raise it with: python3 tests/conformance/check_ratchet.py build/stepfn \\
#     ../shared/conformance/cases tests/conformance/ratchet.txt --update
"""


def read_ratchet(path):
    ids = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if line:
                ids.append(line)
    return ids


def leading_comments(path):
    lines = []
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if not line.startswith("#"):
                    break
                lines.append(line)
    except OSError:
        pass
    return "".join(lines) or HEADER


def write_ratchet(path, ids):
    header = leading_comments(path)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(header)
        for case_id in sorted(ids):
            fh.write(case_id + "\n")


def run_conformance(a, report_path):
    cmd = [sys.executable, a.runner, a.binary, a.cases_dir, "--json", report_path,
           "-j", str(a.jobs), "--timeout", str(a.timeout)]
    # run.py prints one line per failing case and a summary; keep it in the log.
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL)
    log = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.stdout.write(log)
        raise SystemExit(f"check_ratchet: {a.runner} exited {proc.returncode}")
    summary = [ln for ln in log.splitlines() if ln.startswith("conformance:")]
    if summary:
        print(summary[-1])
    with open(report_path, encoding="utf-8") as fh:
        return json.load(fh)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("cases_dir")
    ap.add_argument("ratchet_file")
    ap.add_argument("--runner", help="conformance run.py (default: CASES_DIR/../run.py)")
    ap.add_argument("--report", help="keep run.py's JSON report here")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per case (default 20)")
    ap.add_argument("--update", action="store_true", help="rewrite RATCHET_FILE with all passing ids")
    a = ap.parse_args()

    a.runner = a.runner or os.path.join(os.path.dirname(os.path.abspath(a.cases_dir)), "run.py")
    if not os.path.isfile(a.runner):
        print(f"check_ratchet: no conformance runner at {a.runner}", file=sys.stderr)
        return 2
    if not os.path.isdir(a.cases_dir):
        print(f"check_ratchet: no cases folder at {a.cases_dir}", file=sys.stderr)
        return 2
    if not os.path.isfile(a.ratchet_file) and not a.update:
        print(f"check_ratchet: no ratchet file at {a.ratchet_file}", file=sys.stderr)
        return 2
    a.binary = os.path.abspath(a.binary) if os.path.exists(a.binary) else a.binary

    if a.report:
        report = run_conformance(a, a.report)
    else:
        with tempfile.TemporaryDirectory(prefix="stepfn-ratchet-") as tmp:
            report = run_conformance(a, os.path.join(tmp, "report.json"))

    results = {r["id"]: r for r in report["results"]}
    passing = {case_id for case_id, r in results.items() if r["passed"]}

    if a.update:
        write_ratchet(a.ratchet_file, passing)
        print(f"check_ratchet: wrote {len(passing)} passing ids to {a.ratchet_file}")
        return 0

    ratchet = read_ratchet(a.ratchet_file)
    regressed = []
    for case_id in ratchet:
        r = results.get(case_id)
        if r is None:
            regressed.append(f"{case_id}: no such case in {a.cases_dir}")
        elif not r["passed"]:
            regressed.append(f"{case_id}: {r['reason']}")
    newly = sorted(passing - set(ratchet))
    if newly:
        print(f"check_ratchet: {len(newly)} passing case(s) not yet in the ratchet "
              f"(add them, or rerun with --update):")
        for case_id in newly:
            print(f"  {case_id}")
    if regressed:
        print(f"check_ratchet: {len(regressed)} ratcheted case(s) no longer pass:")
        for line in regressed:
            print(f"  REGRESSED {line}")
    held = len(ratchet) - len(regressed)
    print(f"ratchet: {held} passed, {len(regressed)} failed")
    return 1 if regressed else 0


if __name__ == "__main__":
    sys.exit(main())
