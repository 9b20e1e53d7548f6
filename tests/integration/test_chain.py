#!/usr/bin/env python3
"""The whole chain with real processes, a real pseudo terminal per modem,
real ZeroMQ sockets and a real SQLite file, under faults:

  lofte-sim (handhelds with the real firmware, 20 % loss, duplicates, bit
  errors, two virtual modems = two gateways hearing the same devices, one
  modem unplugged for a while)  ->  2 x lofte-gateway  ->  lofte-collector

During the run the collector is killed with SIGKILL and restarted, and one
gateway is killed with SIGKILL and restarted. At the end the collector must
hold exactly the records the officers logged (the simulator's ground
truth): none missing, none twice, every field equal.

usage: test_chain.py BUILD_DIR [--days N] [--keep]
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

BUILD = os.path.abspath(sys.argv[1])
DAYS = int(sys.argv[sys.argv.index("--days") + 1]) if "--days" in sys.argv else 45
KEEP = "--keep" in sys.argv
SIM = os.path.join(BUILD, "hardware", "lofte-sim")
GATEWAY = os.path.join(BUILD, "gateway", "lofte-gateway")
COLLECTOR = os.path.join(BUILD, "collector", "lofte-collector")
CURVE_KEYGEN = os.path.join(BUILD, "collector", "lofte-curve-keygen")
DAY_MS = 120  # real ms per simulated day: the run lasts DAYS * DAY_MS ms


def log(msg):
    print("chain: " + msg, flush=True)


def public_key(path):
    with open(path) as f:
        for line in f:
            if line.startswith("public-key = "):
                return line.split(" = ", 1)[1].strip()
    raise RuntimeError("no public key in " + path)


def wait_until(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def date_plus(days):
    t = time.mktime((2023, 4, 1 + days, 12, 0, 0, 0, 0, -1))
    return time.strftime("%Y-%m-%d", time.localtime(t))


class Chain:
    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = {}
        self.port = 17000 + os.getpid() % 2000

    def path(self, name):
        return os.path.join(self.tmp, name)

    def start(self, name, argv):
        out = open(self.path(name + ".log"), "a")
        self.procs[name] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                            cwd=self.tmp)

    def kill9(self, name):
        p = self.procs[name]
        p.send_signal(signal.SIGKILL)
        p.wait()
        log("%s killed with SIGKILL" % name)

    def collector(self):
        self.start("collector", [COLLECTOR, "--db", self.path("collector.db"),
                                 "--bind", "tcp://127.0.0.1:%d" % self.port,
                                 "--secret-key-file", self.path("collector.key"),
                                 "--allowed-gateways", self.path("allowed")])

    def gateway(self, i):
        state = self.path("gw%d" % i)
        os.makedirs(state, exist_ok=True)
        self.start("gateway%d" % i, [
            GATEWAY, "--port", self.path("modem%d" % i), "--keys", self.path("keys"),
            "--station-id", str(i + 1), "--spool", os.path.join(state, "spool.db"),
            "--collector", "tcp://127.0.0.1:%d" % self.port,
            "--collector-public-key", public_key(self.path("collector.pub")),
            "--secret-key-file", self.path("gw%d.key" % i), "--state-dir", state,
            "--disk-min-free-mb", "1"])

    def status(self, i):
        try:
            with open(self.path("gw%d/status.json" % i)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def stop_all(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


FIELDS = ["activity", "result", "action", "clock_unset", "start_min", "quantity",
          "duration_min", "zone", "actor", "cell", "operation"]
SIDES = [("guardian_contacted", 1), ("concern_report", 2), ("vehicle_measure", 4),
         ("licence_seized", 8), ("seizure", 16)]


def compare(truth_path, db_path):
    truth = {}
    with open(truth_path) as f:
        for line in f:
            r = json.loads(line)
            truth[(int(r["device"], 16), r["counter"])] = r
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    db.row_factory = sqlite3.Row
    rows = db.execute("SELECT * FROM records WHERE activity != 'admin.heartbeat'").fetchall()
    seen = {}
    problems = []
    for row in rows:
        key = (row["device"], row["counter"])
        if key in seen:
            problems.append("stored twice: %08x/%d" % key)
        seen[key] = row
        t = truth.get(key)
        if t is None:
            problems.append("in the collector but never logged: %08x/%d" % key)
            continue
        if t["activity"] == "admin.void":
            if row["void_counter"] != t["void_counter"]:
                problems.append("void %08x/%d: void_counter differs" % key)
            continue
        for field in FIELDS:
            if row[field] != t[field]:
                problems.append("%08x/%d %s: collector %r, logged %r" % (key + (field, row[field],
                                                                            t[field])))
        side = sum(bit for name, bit in SIDES if row[name])
        if side != t["side"]:
            problems.append("%08x/%d side actions differ" % key)
    for key in truth:
        if key not in seen:
            problems.append("logged but missing in the collector: %08x/%d" % key)
    receptions = db.execute("SELECT count(*) FROM receptions").fetchone()[0]
    gateways = db.execute("SELECT count(DISTINCT gateway) FROM receptions").fetchone()[0]
    db.close()
    return len(truth), len(rows), receptions, gateways, problems


def main():
    tmp = tempfile.mkdtemp(prefix="lofte-chain-")
    chain = Chain(tmp)
    ok = False
    try:
        for name in ("collector", "gw0", "gw1"):
            subprocess.run([CURVE_KEYGEN, chain.path(name)], check=True, stdout=subprocess.DEVNULL)
        with open(chain.path("allowed"), "w") as f:
            for i in (0, 1):
                f.write("%s gateway-%d\n" % (public_key(chain.path("gw%d.pub" % i)), i))
        chain.collector()
        chain.start("sim", [SIM, "--from", "2023-04-01", "--to", date_plus(DAYS), "--seed", "11",
                            "--loss", "0.2", "--duplicates", "0.05", "--bit-errors", "0.05",
                            "--bit-errors-pass", "0.3",
                            "--modem", chain.path("modem0"), "--modem", chain.path("modem1"),
                            "--keys", chain.path("keys"), "--truth", chain.path("truth.jsonl"),
                            "--day-ms", str(DAY_MS), "--start-delay-ms", "1500",
                            "--unplug-at", date_plus(DAYS // 3), "--unplug-s", "7200"])
        wait_until(lambda: os.path.exists(chain.path("keys")) and
                   os.path.islink(chain.path("modem1")), 10, "the simulator's modems")
        chain.gateway(0)
        chain.gateway(1)
        run_s = DAYS * DAY_MS / 1000.0
        time.sleep(1.5 + run_s * 0.25)
        chain.kill9("collector")
        time.sleep(run_s * 0.1)
        chain.collector()
        log("collector restarted")
        time.sleep(run_s * 0.2)
        chain.kill9("gateway1")
        time.sleep(0.5)
        chain.gateway(1)
        log("gateway1 restarted")
        rc = chain.procs["sim"].wait(timeout=run_s * 3 + 240)
        with open(chain.path("sim.log")) as f:
            tail = f.read().strip().splitlines()[-1]
        log("simulator: " + tail)
        if rc != 0:
            raise AssertionError("the simulator failed (exit %d)" % rc)
        wait_until(lambda: all((chain.status(i) or {}).get("spool", {}).get("depth", 1) == 0
                               for i in (0, 1)), 60, "both gateways' spools to drain")
        logged, stored, receptions, gateways, problems = compare(chain.path("truth.jsonl"),
                                                                  chain.path("collector.db"))
        log("%d records logged, %d stored (heartbeats excluded), %d receptions from %d gateways"
            % (logged, stored, receptions, gateways))
        for i in (0, 1):
            st = chain.status(i)
            log("gateway%d: %s" % (i, json.dumps({k: st["frames"][k] for k in
                                                  ("received", "stored", "duplicates",
                                                   "rejected")})))
        if problems:
            for p in problems[:20]:
                log("MISMATCH " + p)
            raise AssertionError("%d mismatches between the collector and the ground truth"
                                 % len(problems))
        if gateways != 2:
            raise AssertionError("expected receptions from both gateways")
        rejected = sum(sum(chain.status(i)["frames"]["rejected"].values()) for i in (0, 1))
        if rejected == 0:
            raise AssertionError("no corrupted frame reached a gateway: the test proves less")
        if logged < 50:
            raise AssertionError("the scenario logged too little to prove anything")
        ok = True
        log("PASS: the collector holds every logged record exactly once")
    finally:
        chain.stop_all()
        if ok and not KEEP:
            shutil.rmtree(tmp)
        else:
            log("logs kept in " + tmp)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
