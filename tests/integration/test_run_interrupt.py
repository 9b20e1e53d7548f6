#!/usr/bin/env python3
"""Ctrl-C during the demo (scripts/run.sh) stops it (issue 9 item 14).

It used to kill `sed` instead of the simulator ($! after a pipeline),
leave the simulator running (a script's background jobs ignore SIGINT), and
go on into its drain loop because the trap did not exit. Here the demo runs
in its own session on already built binaries; once the gateway has started,
SIGINT goes to the whole process group, as a terminal sends it. The script
must exit 130 within seconds, nothing it started may be left, and it must
not go on to wait for the spool.

usage: test_run_interrupt.py BUILD_DIR
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

BUILD = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def session_members(sid):
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields[3]: session id
            pids.append(int(name))
    return pids


def main():
    with tempfile.TemporaryDirectory(prefix="lofte-run-int-") as tmp:
        env = dict(os.environ, LOFTE_DEMO_DIR=os.path.join(tmp, "demo"), LOFTE_DEMO_BUILD=BUILD)
        p = subprocess.Popen(["sh", os.path.join(ROOT, "scripts", "run.sh")], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
        out = []
        deadline = time.time() + 60
        for line in p.stdout:
            out.append(line)
            if line.startswith("lofte demo: gateway on"):
                break
            if time.time() > deadline:
                break
        time.sleep(2)  # the simulation is under way
        try:
            os.killpg(p.pid, signal.SIGINT)
        except ProcessLookupError:
            print("".join(out) + p.stdout.read())
            print("FAIL: the demo ended before it could be interrupted")
            return 1
        t0 = time.time()
        try:
            rest, _ = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            rest, _ = p.communicate()
            print("".join(out) + rest)
            print("FAIL: the demo did not exit within 20 s of Ctrl-C")
            return 1
        took = time.time() - t0
        out.append(rest)
        text = "".join(out)
        time.sleep(0.5)
        left = session_members(p.pid)
        problems = []
        if p.returncode != 130:
            problems.append("exit status %d, not 130" % p.returncode)
        if left:
            problems.append("processes left running: %s" % left)
            os.killpg(p.pid, signal.SIGKILL)
        if "simulation done" in text or "spool did not drain" in text:
            problems.append("went on after Ctrl-C")
        if "interrupted" not in text:
            problems.append("did not say it was interrupted")
        print(text)
        if problems:
            print("FAIL: " + "; ".join(problems))
            return 1
        print("PASS: exit 130 %.1f s after Ctrl-C, nothing left running" % took)
        return 0


if __name__ == "__main__":
    sys.exit(main())
