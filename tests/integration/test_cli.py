#!/usr/bin/env python3
"""What an operator sees from the programs' command lines (issue 9 items
12, 21 and F): --help exits 0 on stdout, a bad value is refused, and every
error reads `<program>: <message>`.

usage: test_cli.py BUILD_DIR
"""
import os
import subprocess
import sys
import tempfile

BUILD = os.path.abspath(sys.argv[1])
PROG = {
    "lofte-sim": os.path.join(BUILD, "hardware", "lofte-sim"),
    "lofte-gateway": os.path.join(BUILD, "gateway", "lofte-gateway"),
    "lofte-keygen": os.path.join(BUILD, "gateway", "lofte-keygen"),
    "lofte-curve-keygen": os.path.join(BUILD, "collector", "lofte-curve-keygen"),
    "lofte-collector": os.path.join(BUILD, "collector", "lofte-collector"),
    "lofte-report": os.path.join(BUILD, "collector", "lofte-report"),
    "lofte-migrate": os.path.join(BUILD, "collector", "lofte-migrate"),
}
failures = []


def run(name, *args):
    p = subprocess.run([PROG[name]] + list(args), capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def check(ok, what, detail=""):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)
        if detail:
            print("      " + detail.replace("\n", "\n      "))


def refuses(name, args, rc_want, text=None):
    rc, out, err = run(name, *args)
    what = "%s %s: exit %d, '%s: ...'" % (name, " ".join(args), rc_want, name)
    ok = rc == rc_want and err.startswith(name + ": ") and (text is None or text in err)
    check(ok, what, "exit %d, stderr: %s" % (rc, err.strip()))


def main():
    for name in PROG:
        rc, out, err = run(name, "--help")
        check(rc == 0 and out.strip() != "", "%s --help exits 0 with help on stdout" % name,
              "exit %d, stdout %r, stderr %r" % (rc, out[:80], err[:200]))

    refuses("lofte-sim", ["--from", "2024-02-30"], 2, "--from 2024-02-30")
    refuses("lofte-sim", ["--to", "2023-04-31"], 2)
    refuses("lofte-sim", ["--from", "2023-04-01", "--to", "2023-04-05", "--unplug-at",
                          "2023-04-02", "--unplug-s", "60", "--quiet"], 1, "unplug")
    refuses("lofte-curve-keygen", [], 2)
    refuses("lofte-curve-keygen", ["--frobnicate"], 2)
    refuses("lofte-keygen", [], 2)
    refuses("lofte-migrate", [], 2)
    refuses("lofte-migrate", ["--from", "/nonexistent.db", "--to", "other.db"], 1,
            "postgresql://")
    with tempfile.TemporaryDirectory(prefix="lofte-cli-") as tmp:
        ini = os.path.join(tmp, "gateway.ini")
        with open(ini, "wb") as f:
            f.write(b"[serial]\nport = /dev/ttyUSB0\x00junk\n[gateway]\nstation_id = 0\n")
        rc, out, err = run("lofte-gateway", "--config", ini)
        check(rc == 2 and err.startswith("lofte-gateway: ") and
              (ini + ":2: a NUL byte") in err and (ini + ":4: station_id") in err,
              "lofte-gateway: a NUL byte and a bad value in one report, by file:line",
              "exit %d, stderr: %s" % (rc, err.strip()))
    if failures:
        print("%d failed" % len(failures))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
