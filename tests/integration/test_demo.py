#!/usr/bin/env python3
"""The demo (scripts/run.sh) ends explaining itself (issue 9 item 17): a
short run on this build's binaries must end with a summary whose numbers
reconcile (logged = held, none missing; stored = records + heartbeats;
counted = held - voids - what they cancel - undated), must not show the
modem DOWN after the simulator has gone, and its gateway log must hold
more than warnings.

usage: test_demo.py BUILD_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

BUILD = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    with tempfile.TemporaryDirectory(prefix="lofte-demo-") as tmp:
        demo = os.path.join(tmp, "demo")
        env = dict(os.environ, LOFTE_DEMO_DIR=demo, LOFTE_DEMO_BUILD=BUILD)
        p = subprocess.run(["sh", os.path.join(ROOT, "scripts", "run.sh"), "--from", "2023-01-01",
                            "--to", "2023-03-01", "--seed", "3"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=240)
        out = p.stdout + p.stderr
        problems = []
        if p.returncode != 0:
            problems.append("exit %d" % p.returncode)
        summary = out[out.find("lofte demo: summary"):] if "lofte demo: summary" in out else ""
        if not summary:
            problems.append("no summary at the end")
        m = re.search(r"logged +(\d+) records", summary)
        h = re.search(r"at the collector +(\d+) of them, each once: 0 missing, 0 not logged",
                      summary)
        s = re.search(r"gateway stored +(\d+) frames = (\d+) records \+ (\d+) heartbeats$",
                      summary, re.M)
        c = re.search(r"counted +(\d+) = (\d+) - (\d+) voids - (\d+) records they cancel"
                      r"(?: - (\d+) undated)?$", summary, re.M)
        if not (m and h and s and c):
            problems.append("the summary does not reconcile")
        else:
            if int(m.group(1)) != int(h.group(1)) or int(s.group(2)) != int(h.group(1)):
                problems.append("logged, held and stored records differ")
            if int(s.group(1)) != int(s.group(2)) + int(s.group(3)):
                problems.append("stored is not records + heartbeats")
            undated = int(c.group(5) or 0)
            if int(c.group(1)) != int(c.group(2)) - int(c.group(3)) - int(c.group(4)) - undated:
                problems.append("counted does not follow")
        if re.search(r"^ *modem +DOWN", out, re.M):
            problems.append("shows the modem DOWN at the end")
        with open(os.path.join(demo, "gateway.log")) as f:
            levels = {line[:3] for line in f if line.startswith("<")}
        if not levels - {"<4>", "<3>"}:
            problems.append("the gateway log holds only warnings and errors")
        print(out)
        if problems:
            print("FAIL: " + "; ".join(problems))
            return 1
        print("PASS: the demo ends with a summary that reconciles")
        return 0


if __name__ == "__main__":
    sys.exit(main())
