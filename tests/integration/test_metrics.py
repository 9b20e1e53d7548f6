#!/usr/bin/env python3
"""Both daemons' Prometheus metrics, scraped over HTTP from running
processes, against what their status files and the database say:

  - a real lofte-gateway (pty modem fed by the Python reference codec) and
    a real lofte-collector, each started with --metrics tcp://127.0.0.1:N;
  - a good frame, its replay, a forged frame and one from an unknown device;
  - GET /metrics on each: frames by outcome and reason, acks, spool depth
    and oldest age, link state, the device's last seen (pseudonym label),
    the collector's batches, rows by outcome, database size and the
    gateway's last batch equal status.json's and the database's values;
  - another path answers 404;
  - `lofte-collector status` exits 0 while it runs and stores, 1 for a
    state directory without status, 2 for a bad command line, 3 while its
    database cannot grow (intake stopped; 0 again once it can);
    `lofte-gateway status` exits 0.

usage: test_metrics.py BUILD_DIR
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
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_gateway_frames as gf  # noqa: E402  (the pty modem and frame helpers)

ref = gf.ref
BUILD = gf.BUILD
PORT = 20000 + os.getpid() % 2000
GW_METRICS = PORT + 2100
COLL_METRICS = PORT + 2200


check = gf.check


def scrape(port, path="/metrics"):
    """The exposition text as {(name, frozenset(labels)): value}."""
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
        ctype = r.headers.get("Content-Type", "")
        text = r.read().decode()
    check(ctype.startswith("text/plain; version=0.0.4"), "served as the text format (%s)" % ctype)
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, value = line.rsplit(" ", 1)
        labels = frozenset()
        if "{" in key:
            name, rest = key.split("{", 1)
            pairs = [p.split("=", 1) for p in rest.rstrip("}").split(",")]
            labels = frozenset((k, v.strip('"')) for k, v in pairs)
        else:
            name = key
        out[(name, labels)] = float(value)
    return out


def m(metrics, name, **labels):
    return metrics[(name, frozenset(labels.items()))]


def read_json(path):
    for _ in range(50):
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            time.sleep(0.1)
    raise AssertionError("no " + path)


def stable(path, port):
    """status.json, the scrape and status.json again: the same render."""
    for _ in range(20):
        a = read_json(path)
        got = scrape(port)
        b = read_json(path)
        if a["time_ms"] == b["time_ms"]:
            return a, got
        time.sleep(0.2)
    raise AssertionError("the status keeps changing under the scrape")


def wait_for_records(db, n, timeout):
    end = time.time() + timeout
    while time.time() < end:
        con = sqlite3.connect(db)
        got = con.execute("SELECT count(*) FROM records").fetchone()[0]
        con.close()
        if got == n:
            return True
        time.sleep(0.3)
    return False


def main():
    tmp = tempfile.mkdtemp(prefix="lofte-metrics-")
    procs = []
    ok = False
    try:
        for n in ("coll", "gw"):
            subprocess.run([gf.CURVE_KEYGEN, os.path.join(tmp, n)], check=True,
                           stdout=subprocess.DEVNULL)
        with open(os.path.join(tmp, "allowed"), "w") as f:
            f.write(gf.public_key(os.path.join(tmp, "gw.pub")) + " station-3\n")
        fd = os.open(os.path.join(tmp, "keys"), os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, ("%08x %s\n" % (gf.DEVICE, gf.KEY.hex())).encode())
        os.close(fd)
        cstate = os.path.join(tmp, "cstate")
        os.makedirs(cstate)
        db = os.path.join(tmp, "c.db")
        coll = subprocess.Popen([gf.COLLECTOR, "--db", db, "--bind", "tcp://127.0.0.1:%d" % PORT,
                                 "--secret-key-file", os.path.join(tmp, "coll.key"),
                                 "--allowed-gateways", os.path.join(tmp, "allowed"),
                                 "--state-dir", cstate,
                                 "--metrics", "tcp://127.0.0.1:%d" % COLL_METRICS],
                                stdout=open(os.path.join(tmp, "coll.log"), "w"),
                                stderr=subprocess.STDOUT)
        procs.append(coll)
        gf.PORT = PORT
        gw, modem, state = gf.run_gateway(
            tmp, "gw", ["--metrics", "tcp://127.0.0.1:%d" % GW_METRICS])
        procs.append(gw)

        now_ms = int(time.time() * 1000)
        minute = (now_ms // 1000 - 1577836800) // 60
        good = ref.seal_uplink(gf.KEY, gf.DEVICE, 1, gf.record(minute))
        forged = bytearray(ref.seal_uplink(gf.KEY, gf.DEVICE, 2, gf.record(minute)))
        forged[-1] ^= 0x01
        stranger = ref.seal_uplink(bytes(16), 0x01020304, 1, gf.record(minute))
        modem.send(gf.rx_wire(good, now_ms))
        check(any(x["type"] == ref.MSG_TX for x in modem.read_messages(3.0)),
              "a good frame is acked")
        for wire in (gf.rx_wire(good, now_ms + 1000), gf.rx_wire(bytes(forged), now_ms),
                     gf.rx_wire(stranger, now_ms)):
            modem.send(wire)
        modem.read_messages(1.5)
        # delivered upstream: the spool empties
        end = time.time() + 15
        while time.time() < end:
            st = read_json(os.path.join(state, "status.json"))
            if st["spool"]["depth"] == 0 and st["collector"]["rows_delivered"] == 1:
                break
            time.sleep(0.3)
        time.sleep(2.5)  # one more status period, so the collector's files are current too

        st, g = stable(os.path.join(state, "status.json"), GW_METRICS)
        fr = st["frames"]
        check(m(g, "lofte_gateway_frames_total", outcome="received") == fr["received"] == 4,
              "frames received: %d in both" % fr["received"])
        check(m(g, "lofte_gateway_frames_total", outcome="stored") == fr["stored"] == 1 and
              m(g, "lofte_gateway_frames_total", outcome="duplicate") == fr["duplicates"] == 1,
              "stored 1, duplicate 1, as status.json says")
        for reason in ("bad_tag", "unknown_device"):
            check(m(g, "lofte_gateway_frames_rejected_total", reason=reason) ==
                  fr["rejected"].get(reason) == 1, "rejected %s: 1 in both" % reason)
        check(m(g, "lofte_gateway_frames_rejected_total", reason="truncated") == 0,
              "a reason never seen is there, at 0")
        check(m(g, "lofte_gateway_acks_total", outcome="sent") == fr["acks_sent"],
              "acks sent: %d in both" % fr["acks_sent"])
        check(m(g, "lofte_gateway_spool_depth") == st["spool"]["depth"] == 0,
              "spool depth 0 in both")
        check(m(g, "lofte_gateway_spool_oldest_age_seconds") == 0, "oldest age 0 when empty")
        check(m(g, "lofte_gateway_link_up", link="modem") == 1 and
              m(g, "lofte_gateway_link_up", link="collector") == 1 and
              st["modem"]["up"] and st["collector"]["connected"], "both links up in both")
        dev = st["devices"][0]
        check(abs(m(g, "lofte_gateway_device_last_seen_timestamp_seconds",
                    device="%08x" % gf.DEVICE) - dev["last_seen_ms"] / 1000.0) < 0.001,
              "the device's last seen, by pseudonym, equals status.json's")
        check(m(g, "lofte_gateway_upstream_rows_total", outcome="delivered") ==
              st["collector"]["rows_delivered"] == 1, "one row delivered upstream in both")
        check(m(g, "lofte_gateway_intake_stopped") == 0, "intake not stopped")

        cs, c = stable(os.path.join(cstate, "status.json"), COLL_METRICS)
        con = sqlite3.connect(db)
        nrec = con.execute("SELECT count(*) FROM records").fetchone()[0]
        con.close()
        check(m(c, "lofte_collector_rows_total", outcome="new") == cs["intake"]["rows_new"] ==
              nrec == 1, "rows new: 1 in metrics, status.json and the database")
        check(m(c, "lofte_collector_batches_total") == cs["intake"]["batches"] >= 1,
              "batches: %d in both" % cs["intake"]["batches"])
        check(m(c, "lofte_collector_batches_refused_total", reason="storage_full") == 0,
              "no batch refused")
        size = os.path.getsize(db) + (os.path.getsize(db + "-wal")
                                      if os.path.exists(db + "-wal") else 0)
        check(m(c, "lofte_collector_database_bytes") == cs["database"]["bytes"] == size,
              "database size %d bytes in metrics, status.json and on disk" % size)
        last = cs["gateways"][0]
        check(last["name"] == "station-3" and last["last_batch_ms"] > 0 and
              abs(m(c, "lofte_collector_gateway_last_batch_timestamp_seconds",
                    gateway="station-3") - last["last_batch_ms"] / 1000.0) < 0.001,
              "the gateway's last batch equals status.json's")
        check(m(c, "lofte_collector_handshakes_total", outcome="allowed") >= 1,
              "the gateway's handshake is counted")

        try:
            scrape(GW_METRICS, "/other")
            check(False, "another path is refused")
        except urllib.error.HTTPError as e:
            check(e.code == 404, "another path answers 404")

        r = subprocess.run([gf.COLLECTOR, "status", cstate], capture_output=True, text=True)
        check(r.returncode == 0 and "intake     storing" in r.stdout,
              "lofte-collector status exits 0 while storing:\n" + r.stdout)
        r = subprocess.run([gf.COLLECTOR, "status", os.path.join(tmp, "nowhere")],
                           capture_output=True, text=True)
        check(r.returncode == 1, "lofte-collector status exits 1 without a status file")
        r = subprocess.run([gf.COLLECTOR, "status", cstate, "extra"], capture_output=True)
        check(r.returncode == 2, "lofte-collector status exits 2 on a bad command line")
        r = subprocess.run([gf.GATEWAY, "status", state], capture_output=True, text=True)
        check(r.returncode == 0, "lofte-gateway status exits 0 with both links up")
        r = subprocess.run([gf.GATEWAY, "status", state, "extra"], capture_output=True)
        check(r.returncode == 2, "lofte-gateway status exits 2 on a bad command line")
        mode = os.stat(os.path.join(cstate, "status.json")).st_mode & 0o777
        check(mode == 0o640, "the collector's status file is 0640 (%o)" % mode)

        # the collector's disk "fills" (a file size limit on the running
        # process: the database cannot grow, the small status files still
        # can): the batch is refused, intake stops, status exits 3
        import resource
        resource.prlimit(coll.pid, resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
        time.sleep(1.5)  # the gateway's ack second moves on
        modem.send(gf.rx_wire(ref.seal_uplink(gf.KEY, gf.DEVICE, 3, gf.record(minute)),
                              int(time.time() * 1000)))
        modem.read_messages(2.0)

        def stopped():
            r = subprocess.run([gf.COLLECTOR, "status", cstate], capture_output=True, text=True)
            return r if r.returncode == 3 else None
        end = time.time() + 20
        r = None
        while time.time() < end and r is None:
            r = stopped()
            time.sleep(0.5)
        check(r is not None and "intake is stopped" in r.stdout,
              "with the database unable to grow, lofte-collector status exits 3")
        c = scrape(COLL_METRICS)
        check(m(c, "lofte_collector_intake_stopped") == 1 and
              m(c, "lofte_collector_batches_refused_total", reason="storage_full") +
              m(c, "lofte_collector_batches_refused_total", reason="storage_error") >= 1,
              "and the metrics say intake stopped, the batch refused")
        resource.prlimit(coll.pid, resource.RLIMIT_FSIZE,
                         (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        check(wait_for_records(db, 2, 30), "the limit lifted, the resent record is stored")
        end = time.time() + 10
        while time.time() < end and subprocess.run(
                [gf.COLLECTOR, "status", cstate], capture_output=True).returncode != 0:
            time.sleep(0.5)
        check(subprocess.run([gf.COLLECTOR, "status", cstate],
                             capture_output=True).returncode == 0,
              "and lofte-collector status exits 0 again")
        ok = True
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept " + tmp, flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
