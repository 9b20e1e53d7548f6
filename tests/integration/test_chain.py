#!/usr/bin/env python3
"""The whole chain with real processes, a real pseudo terminal per modem,
real ZeroMQ sockets and a real SQLite file, under faults:

  lofte-sim (handhelds with the real firmware, officers logging through the
  handheld's keys (--via-ui), 20 % loss, duplicates, bit
  errors, two virtual modems = two gateways hearing the same devices, one
  modem unplugged for a while)  ->  2 x lofte-gateway  ->  lofte-collector

During the run the collector is killed with SIGKILL and restarted, and one
gateway is killed with SIGKILL and restarted. At the end the collector must
hold exactly the records the officers logged (the simulator's ground
truth): none missing, none twice, every field equal; its per-day rollups
give the same records, quantities and minutes per activity for every ISO
week and month; and every period value lofte-report prints equals the one
computed from the ground truth.

usage: test_chain.py BUILD_DIR [--days N] [--seed N] [--loss P] [--duplicates P] [--keep]

The channel's condition is a parameter, so CI runs more than one
(tests/integration/CMakeLists.txt); the defaults are the original run.
"""
import argparse
import re
import csv
import datetime
import fnmatch
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

def probability(text):
    p = float(text)
    if not 0 <= p <= 1:
        raise argparse.ArgumentTypeError("%s is not a probability 0..1" % text)
    return p


_ap = argparse.ArgumentParser(description="the whole chain against the ground truth")
_ap.add_argument("build_dir")
_ap.add_argument("--days", type=int, default=90, help="simulated days from 2023-04-01")
_ap.add_argument("--seed", type=int, default=11, help="the simulator's seed")
_ap.add_argument("--loss", type=probability, default=0.2, help="uplink loss per receiver")
_ap.add_argument("--duplicates", type=probability, default=0.05,
                 help="probability a reception is delivered twice")
_ap.add_argument("--keep", action="store_true", help="keep the logs and databases")
_ap.add_argument("--pg", metavar="URI",
                 help="PostgreSQL mode (docs/postgresql.md): two collectors share the database "
                      "at URI (a schema of the test's own), both gateways know both, and one "
                      "collector is killed with SIGKILL for good")
ARGS = _ap.parse_args()
BUILD = os.path.abspath(ARGS.build_dir)
DAYS = ARGS.days
KEEP = ARGS.keep
SIM = os.path.join(BUILD, "hardware", "lofte-sim")
GATEWAY = os.path.join(BUILD, "gateway", "lofte-gateway")
COLLECTOR = os.path.join(BUILD, "collector", "lofte-collector")
CURVE_KEYGEN = os.path.join(BUILD, "collector", "lofte-curve-keygen")
REPORT = os.path.join(BUILD, "collector", "lofte-report")
TARGETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "collector",
                       "targets", "hammaro-2023-2025.targets")
DAY_MS = 100  # real ms per simulated day: the run lasts about DAYS * DAY_MS ms


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

    def db(self):
        return PG_DB if PG_DB else self.path("collector.db")

    def collector(self, n=0):
        self.start("collector" + ("%d" % n if n else ""),
                                [COLLECTOR, "--db", self.db(),
                                 "--bind", "tcp://127.0.0.1:%d" % (self.port + n),
                                 "--secret-key-file", self.path("collector.key"),
                                 "--allowed-gateways", self.path("allowed"),
                                 # the collector checks every device tag itself
                                 # (docs/upstream.md 6.1): the simulator's key file
                                 "--device-keys", self.path("keys")])

    def gateway(self, i):
        state = self.path("gw%d" % i)
        os.makedirs(state, exist_ok=True)
        self.start("gateway%d" % i, [
            GATEWAY, "--port", self.path("modem%d" % i), "--keys", self.path("keys"),
            "--station-id", str(i + 1), "--spool", os.path.join(state, "spool.db"),
            "--collector", ", ".join("tcp://127.0.0.1:%d" % (self.port + n)
                                     for n in range(2 if PG_DB else 1)),
            "--collector-public-key", public_key(self.path("collector.pub")),
            "--secret-key-file", self.path("gw%d.key" % i), "--state-dir", state,
            "--disk-min-free-mb", "1",
            # the simulator's modems run on simulated (past, accelerated) time
            "--station-clock", "modem"])

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


class PgRows:
    """The few queries compare() makes, answered by PostgreSQL through
    lofte-report --sql (CSV; integers back to int, empty back to NULL)."""

    def __init__(self, uri):
        self.uri = uri

    def execute(self, sql):
        rows = []
        for r in report_sql(self.uri, sql):
            rows.append({k: (None if v == "" else int(v) if re.fullmatch(r"-?[0-9]+", v) else v)
                         for k, v in r.items()})
        return PgResult(rows)

    def close(self):
        pass


class PgResult:
    def __init__(self, rows):
        self.rows = rows

    def fetchall(self):
        return self.rows

    def fetchone(self):
        return list(self.rows[0].values())

    def __iter__(self):
        return iter([tuple(r.values()) for r in self.rows])


def compare(truth_path, db_path):
    truth = {}
    with open(truth_path) as f:
        for line in f:
            r = json.loads(line)
            truth[(int(r["device"], 16), r["counter"])] = r
    if PG_DB:
        db = PgRows(db_path)
    else:
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
    # every record came with its sealed frame and verified at the collector
    for reason, n in db.execute("SELECT reason, count(*) FROM unverified_records GROUP BY 1"):
        problems.append("%d records not verified by the collector: %s" % (n, reason))
    db.close()
    return len(truth), len(rows), receptions, gateways, problems


# --- counts per activity and period, and the report's numbers ------------

try:
    from zoneinfo import ZoneInfo
    STOCKHOLM = ZoneInfo("Europe/Stockholm")
except Exception:  # no tz database: the period checks cannot run
    STOCKHOLM = None


def local_day(start_min):
    t = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc) + \
        datetime.timedelta(minutes=start_min)
    return t.astimezone(STOCKHOLM).date()


def period_label(kind, day):
    if kind == "iso_week":
        y, w, _ = day.isocalendar()
        return "%d-W%02d" % (y, w)
    if kind == "month":
        return "%d-%02d" % (day.year, day.month)
    if kind == "quarter":
        return "%d-Q%d" % (day.year, (day.month - 1) // 3 + 1)
    if kind == "tertial":
        return "%d-T%d" % (day.year, (day.month - 1) // 4 + 1)
    if kind == "half_year":
        return "%d-H%d" % (day.year, 1 if day.month <= 6 else 2)
    if kind == "year":
        return "%d" % day.year
    return None


def valid_truth(truth_path):
    """The officers' records that count: not admin, not voided."""
    rows, voided = [], set()
    with open(truth_path) as f:
        for line in f:
            r = json.loads(line)
            if r["activity"] == "admin.void":
                voided.add((r["device"], r["void_counter"]))
            else:
                rows.append(r)
    return [r for r in rows if (r["device"], r["counter"]) not in voided
            and not r["clock_unset"]]


def report_sql(db, sql):
    out = subprocess.run([REPORT, "--db", db, "--sql", sql, "--format", "csv"], check=True,
                         capture_output=True, text=True).stdout
    return list(csv.DictReader(io.StringIO(out)))


def compare_periods(truth_path, db):
    """Per activity and ISO week / month: records, quantity and minutes in
    the collector's rollups (what reports read) equal the ground truth."""
    problems = []
    valid = valid_truth(truth_path)
    for kind in ("iso_week", "month"):
        want = {}
        for r in valid:
            key = (r["activity"], period_label(kind, local_day(r["start_min"])))
            n, q, d = want.get(key, (0, 0, 0))
            want[key] = (n + 1, q + r["quantity"], d + r["duration_min"])
        got = {}
        # lofte_period is SQLite's (rollup.c); the calendar table has the
        # same labels in both backends
        sql = ("SELECT activity, lofte_period('%s', day) AS p, sum(records) AS n, "
               "sum(quantity) AS q, sum(duration_min) AS d FROM daily GROUP BY 1, 2" % kind)
        if PG_DB:
            sql = ("SELECT d.activity, c.%s AS p, sum(d.records) AS n, sum(d.quantity) AS q, "
                   "sum(d.duration_min) AS d FROM daily d JOIN calendar c ON c.day = d.day "
                   "GROUP BY 1, 2" % kind)
        for row in report_sql(db, sql):
            got[(row["activity"], row["p"])] = (int(row["n"]), int(row["q"]), int(row["d"]))
        for key in sorted(set(want) | set(got)):
            if want.get(key) != got.get(key):
                problems.append("%s %s %s: collector %s, logged %s" % ((kind,) + key + (
                    got.get(key), want.get(key))))
    return len(valid), problems


def matches(patterns, value):
    if not patterns:
        return True
    return any(fnmatch.fnmatchcase(value or "", p.strip()) for p in patterns.split(","))


def compare_report(truth_path, db, first, last):
    """Every period value the report prints, for each target whose metric
    the truth can answer directly, equals the value from the ground truth."""
    out = subprocess.run([REPORT, "--db", db, "--targets", TARGETS, "--from", first, "--to", last, "--format",
                          "json"], check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    valid = valid_truth(truth_path)
    checked, problems = 0, []
    for t in report["targets"]:
        if t["per_zone"] or t["report_only"]:
            continue
        metric = t["metric"]
        if metric == "active_periods" and t["unit"] != t["period"]:
            continue
        sel = [r for r in valid if matches(t["activity"], r["activity"]) and
               matches(t["result"], r["result"]) and matches(t["action"], r["action"]) and
               matches(t["zone"], r["zone"]) and matches(t["actor"], r["actor"])]
        for p in t["periods"]:
            rs = [r for r in sel if period_label(t["period"], local_day(r["start_min"]))
                  == p["period"]]
            if metric == "count":
                want = len(rs)
            elif metric == "quantity":
                want = sum(r["quantity"] for r in rs)
            elif metric == "duration":
                want = sum(r["duration_min"] for r in rs)
            elif metric == "active_days":
                want = len({local_day(r["start_min"]) for r in rs})
            else:
                want = 1 if rs else 0
            checked += 1
            if p["value"] != want:
                problems.append("report %s %s: %s, logged %s" % (t["id"], p["period"],
                                                                 p["value"], want))
    return checked, problems


PG_DB = None  # main() sets it in --pg mode: the URI with the test's schema


def pg_schema(uri, create):
    """A schema of this run's own in the test database (scripts/pg.sh)."""
    name = "chain_%d" % os.getpid()
    sql = ("CREATE SCHEMA %s" if create else "DROP SCHEMA IF EXISTS %s CASCADE") % name
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", uri, "-c",
                    "SET client_min_messages = warning; " + sql], check=True)
    return "%s%soptions=-csearch_path%%3D%s" % (uri, "&" if "?" in uri else "?", name)


def main():
    global PG_DB
    tmp = tempfile.mkdtemp(prefix="lofte-chain-")
    if ARGS.pg:
        PG_DB = pg_schema(ARGS.pg, True)
    chain = Chain(tmp)
    ok = False
    try:
        for name in ("collector", "gw0", "gw1"):
            subprocess.run([CURVE_KEYGEN, chain.path(name)], check=True, stdout=subprocess.DEVNULL)
        with open(chain.path("allowed"), "w") as f:
            for i in (0, 1):
                f.write("%s gateway-%d\n" % (public_key(chain.path("gw%d.pub" % i)), i))
        log("condition: %d days, seed %d, loss %.2f, duplicates %.2f"
            % (DAYS, ARGS.seed, ARGS.loss, ARGS.duplicates))
        chain.start("sim", [SIM, "--from", "2023-04-01", "--to", date_plus(DAYS),
                            "--seed", str(ARGS.seed), "--loss", str(ARGS.loss),
                            "--duplicates", str(ARGS.duplicates), "--bit-errors", "0.05",
                            "--bit-errors-pass", "0.3", "--via-ui",
                            "--modem", chain.path("modem0"), "--modem", chain.path("modem1"),
                            "--keys", chain.path("keys"), "--truth", chain.path("truth.jsonl"),
                            "--day-ms", str(DAY_MS), "--start-delay-ms", "1500",
                            "--unplug-at", date_plus(DAYS // 3), "--unplug-s", "7200"])
        wait_until(lambda: os.path.exists(chain.path("keys")) and
                   os.path.islink(chain.path("modem1")), 10, "the simulator's modems")
        chain.collector()  # after the key file exists: it reads the device keys
        if PG_DB:
            chain.collector(1)  # the second collector on the same database
        chain.gateway(0)
        chain.gateway(1)
        run_s = DAYS * DAY_MS / 1000.0
        time.sleep(1.5 + run_s * 0.25)
        chain.kill9("collector")
        if PG_DB:
            log("collector (first of two) stays dead: the gateways fail over to the second")
        else:
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
            sim_lines = f.read().strip().splitlines()
        log("simulator: " + sim_lines[-1])
        if rc != 0:
            raise AssertionError("the simulator failed (exit %d)" % rc)
        # the simulator fails when an unplug cannot happen; this checks the
        # test's own premise once more, from what the simulator did
        if "sim: modem unplugged" not in sim_lines or \
                "sim: modem plugged in again" not in sim_lines:
            raise AssertionError("the modem was not unplugged and plugged in again")
        wait_until(lambda: all((chain.status(i) or {}).get("spool", {}).get("depth", 1) == 0
                               for i in (0, 1)), 60, "both gateways' spools to drain")
        logged, stored, receptions, gateways, problems = compare(chain.path("truth.jsonl"),
                                                                  chain.db())
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
        if STOCKHOLM is None:
            raise AssertionError("no Europe/Stockholm time zone (tzdata) for the period checks")
        n_valid, pproblems = compare_periods(chain.path("truth.jsonl"), chain.db())
        checked, rproblems = compare_report(chain.path("truth.jsonl"), chain.db(),
                                            "2023-04-01", date_plus(DAYS - 1))
        log("%d counted records: per activity and ISO week / month, %d differences; "
            "%d report values checked, %d differences" % (n_valid, len(pproblems), checked,
                                                          len(rproblems)))
        for p in (pproblems + rproblems)[:20]:
            log("MISMATCH " + p)
        if pproblems or rproblems:
            raise AssertionError("the collector's periods or the report differ from the truth")
        if checked < 20:
            raise AssertionError("too few report values to prove anything")
        if gateways != 2:
            raise AssertionError("expected receptions from both gateways")
        rejected = sum(sum(chain.status(i)["frames"]["rejected"].values()) for i in (0, 1))
        if rejected == 0:
            raise AssertionError("no corrupted frame reached a gateway: the test proves less")
        if logged < 50:
            raise AssertionError("the scenario logged too little to prove anything")
        if PG_DB:
            moved = [int((chain.status(i) or {}).get("collector", {}).get("failovers", 0))
                     for i in (0, 1)]
            where = [(chain.status(i) or {}).get("collector", {}).get("in_use") for i in (0, 1)]
            log("failovers per gateway: %s; now at %s" % (moved, where))
            if min(moved) < 1 or any(w != "tcp://127.0.0.1:%d" % (chain.port + 1) for w in where):
                raise AssertionError("a gateway did not fail over to the second collector")
        ok = True
        log("PASS: the collector holds every logged record exactly once")
    finally:
        chain.stop_all()
        if PG_DB and not KEEP:
            pg_schema(ARGS.pg, False)
        if ok and not KEEP:
            shutil.rmtree(tmp)
        else:
            log("logs kept in " + tmp)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
