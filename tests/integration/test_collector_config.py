#!/usr/bin/env python3
"""The collector's INI config file and its SIGHUP reload, on running
processes:

  - a collector.ini with several problems (unknown key, a key in the wrong
    section, a bad value, a NUL byte) is refused with exit 2 and every
    problem named by file:line in one report;
  - a collector started from a good collector.ini lets in no gateway (an
    empty allowed-gateways file): a real gateway's record waits in its
    spool; the gateway is added to the file, SIGHUP, and the record arrives
    (stored once, spool empty) without restarting the collector;
  - an allowed-gateways file broken on reload is refused with file:line in
    the log, the list in force is kept, and the next record still arrives;
  - log_level = debug in the file, SIGHUP: the collector says so and logs
    at debug from then on.

usage: test_collector_config.py BUILD_DIR
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_gateway_frames as gf  # noqa: E402  (the pty modem and frame helpers)

ref = gf.ref
PORT = 22000 + os.getpid() % 2000


check = gf.check
records = gf.records
wait_for = gf.wait_for


def main():
    tmp = tempfile.mkdtemp(prefix="lofte-cconfig-")
    procs = []
    ok = False
    try:
        bad = os.path.join(tmp, "bad.ini")
        with open(bad, "wb") as f:
            f.write(b"[collector]\nfrobnicate = 1\nbind = tcp://127.0.0.1:1\n"
                    b"log_level = loud\n[intake]\nsecret_key_file = /x\x00y\n")
        r = subprocess.run([gf.COLLECTOR, "--config", bad], capture_output=True, text=True)
        err = r.stderr
        check(r.returncode == 2 and err.startswith("lofte-collector: "), "a bad file: exit 2")
        for line, what in ((2, "unknown key 'frobnicate'"), (3, "bind belongs in [intake]"),
                           (4, "log_level: 'loud' is not one of"), (6, "a NUL byte")):
            check("%s:%d: %s" % (bad, line, what) in err,
                  "%s:%d is reported (%s)" % (os.path.basename(bad), line, what))
        r = subprocess.run([gf.COLLECTOR, "--help"], capture_output=True, text=True)
        check(r.returncode == 0 and "[intake]" in r.stdout and "--allowed-gateways" in r.stdout,
              "--help lists the table's sections and options")

        for n in ("coll", "gw"):
            subprocess.run([gf.CURVE_KEYGEN, os.path.join(tmp, n)], check=True,
                           stdout=subprocess.DEVNULL)
        allowed = os.path.join(tmp, "allowed")
        open(allowed, "w").close()
        fd = os.open(os.path.join(tmp, "keys"), os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, ("%08x %s\n" % (gf.DEVICE, gf.KEY.hex())).encode())
        os.close(fd)
        db = os.path.join(tmp, "c.db")
        cstate = os.path.join(tmp, "cstate")
        os.makedirs(cstate)
        ini = os.path.join(tmp, "collector.ini")
        body = ("[collector]\ndb = %s\nstate_dir = %s\nlog_level = info\n[intake]\n"
                "bind = tcp://127.0.0.1:%d\nsecret_key_file = %s\nallowed_gateways = %s\n"
                % (db, cstate, PORT, os.path.join(tmp, "coll.key"), allowed))
        with open(ini, "w") as f:
            f.write(body)
        clog = os.path.join(tmp, "coll.log")
        coll = subprocess.Popen([gf.COLLECTOR, "--config", ini], stdout=open(clog, "w"),
                                stderr=subprocess.STDOUT)
        procs.append(coll)
        gf.PORT = PORT
        gw, modem, state = gf.run_gateway(tmp, "gw", [])
        procs.append(gw)
        now_ms = int(time.time() * 1000)
        minute = (now_ms // 1000 - 1577836800) // 60
        modem.send(gf.rx_wire(ref.seal_uplink(gf.KEY, gf.DEVICE, 1, gf.record(minute)), now_ms))
        check(any(m["type"] == ref.MSG_TX for m in modem.read_messages(3.0)),
              "the gateway stores and acks the record")
        time.sleep(3)
        check(gf.status(state)["spool"]["depth"] == 1 and records(db) == 0,
              "the collector, allowing nobody, has not got it: it waits in the spool")

        with open(allowed, "w") as f:
            f.write(gf.public_key(os.path.join(tmp, "gw.pub")) + " station-3\n")
        coll.send_signal(signal.SIGHUP)
        # this libzmq does not retry a handshake the ZAP handler refused
        # (libzmq issue 990), so the gateway is restarted; the collector is not
        time.sleep(1.0)
        gw.send_signal(signal.SIGTERM)
        gw.wait(10)
        gw, modem, state = gf.run_gateway(tmp, "gw", [], again=True)
        procs.append(gw)
        check(wait_for(lambda: records(db) == 1 and gf.status(state)["spool"]["depth"] == 0,
                       30), "after adding the gateway and SIGHUP the record arrives")
        check(coll.poll() is None, "the collector kept running")

        with open(allowed, "w") as f:
            f.write(gf.public_key(os.path.join(tmp, "gw.pub")) + " station-3\nnot a key line\n")
        coll.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        with open(clog) as f:
            log = f.read()
        check("reload:" in log and allowed + ":2" in log and "keeping the 1 gateways" in log,
              "a broken file on reload is refused by file:line, the old list kept")
        modem.send(gf.rx_wire(ref.seal_uplink(gf.KEY, gf.DEVICE, 2, gf.record(minute)),
                              int(time.time() * 1000)))
        modem.read_messages(3.0)
        check(wait_for(lambda: records(db) == 2, 20), "and the next record still arrives")

        with open(ini, "w") as f:
            f.write(body.replace("log_level = info", "log_level = debug"))
        coll.send_signal(signal.SIGHUP)
        modem.send(gf.rx_wire(ref.seal_uplink(gf.KEY, gf.DEVICE, 3, gf.record(minute)),
                              int(time.time() * 1000)))
        modem.read_messages(3.0)
        check(wait_for(lambda: records(db) == 3, 20), "a third record arrives")
        time.sleep(0.5)
        with open(clog) as f:
            log = f.read()
        check("reload: log level debug" in log and "committed" in log,
              "log_level = debug and SIGHUP: batches are logged at debug")
        check(records(db) == 3, "three records, each stored once")
        lines = [x for x in log.splitlines() if x]
        check(lines and all(len(x) > 3 and x[0] == "<" and x[1] in "3467" and x[2] == ">"
                            for x in lines),
              "every collector log line carries a journald priority, as the gateway's do")
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
