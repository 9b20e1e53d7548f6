#!/usr/bin/env python3
"""One handheld in a terminal with a real gateway and collector: the chain a
person tries with docs/handheld.md "Try it with a real gateway".

lofte-handheld --modem PATH runs the firmware and its interface in real
time behind a simulated receiver modem on a pseudo terminal
(hardware/sim/modem_pty.c); a real lofte-gateway reads that pty, verifies,
spools and acknowledges, and forwards to a real lofte-collector. The key
script starts a checkpoint, counts five negative screening tests and ends
it: two records (traffic.checkpoint, alcohol.screening), as the in-process
test handheld_checkpoint_acked has them.

Checked: the collector holds exactly those two records of the device (and
its boot heartbeat), each verified by the collector against the device's
key and carrying the time (the clock the gateway's ack set); the handheld's status screen ends with 0 waiting and an ack received
(its queue empties only on acks that arrived inside its listen window);
the gateway's status counts the acks it sent.

usage: test_handheld_gateway.py BUILD_DIR [--keep]
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

BUILD = os.path.abspath(sys.argv[1])
KEEP = "--keep" in sys.argv
sys.argv = [sys.argv[0], BUILD]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_chain  # noqa: E402  (Chain, paths, keys; its main() does not run)

HANDHELD = os.path.join(BUILD, "handheld", "lofte-handheld")
# checkpoint, five negatives, end (docs/handheld.md); HOME on home: the status screen
SCRIPT = "nnnonnnnnbnoh"


def log(msg):
    print("handheld-gateway: " + msg, flush=True)


def main():
    tmp = tempfile.mkdtemp(prefix="lofte-handheld-gw-")
    chain = test_chain.Chain(tmp)
    ok = False
    try:
        for name in ("collector", "gw0"):
            subprocess.run([test_chain.CURVE_KEYGEN, chain.path(name)], check=True,
                           stdout=subprocess.DEVNULL)
        with open(chain.path("allowed"), "w") as f:
            f.write("%s gateway-0\n" % test_chain.public_key(chain.path("gw0.pub")))
        # the handheld first: it makes the device's key and the modem's pty
        chain.start("handheld", [HANDHELD, "--quiet", "--keys", SCRIPT,
                                 "--modem", chain.path("modem0"),
                                 "--device-keys", chain.path("keys"), "--drain-s", "240"])
        test_chain.wait_until(lambda: os.path.exists(chain.path("keys")) and
                              os.path.islink(chain.path("modem0")), 10, "the handheld's modem")
        mode = os.stat(chain.path("keys")).st_mode & 0o777
        if mode != 0o600:
            raise AssertionError("the key file is mode %o, not 600" % mode)
        with open(chain.path("keys")) as f:
            device = int([ln for ln in f if not ln.startswith("#")][0].split()[0], 16)
        chain.collector()
        state = chain.path("gw0")
        os.makedirs(state, exist_ok=True)
        chain.start("gateway0", [
            test_chain.GATEWAY, "--port", chain.path("modem0"), "--keys", chain.path("keys"),
            "--station-id", "1", "--spool", os.path.join(state, "spool.db"),
            "--collector", "tcp://127.0.0.1:%d" % chain.port,
            "--collector-public-key", test_chain.public_key(chain.path("collector.pub")),
            "--secret-key-file", chain.path("gw0.key"), "--state-dir", state,
            "--disk-min-free-mb", "1"])  # the system clock: the handheld runs in real time
        rc = chain.procs["handheld"].wait(timeout=300)
        with open(chain.path("handheld.log")) as f:
            out = f.read()
        for line in out.strip().splitlines()[-2:]:
            log(line)
        if rc != 0:
            raise AssertionError("lofte-handheld failed (exit %d)" % rc)
        if "0 still waiting on the device" not in out:
            raise AssertionError("records still waiting on the handheld: no ack for them")
        # the script ends on the status screen (HOME on home): 0 waiting, an ack
        if '| Väntar: 0 |' not in out or '"Kö 0 ' not in out or "Kvitto: aldrig" in out:
            raise AssertionError("the handheld's status does not show 0 waiting and an ack")
        test_chain.wait_until(lambda: (chain.status(0) or {}).get("spool", {}).get("depth", 1)
                              == 0, 60, "the gateway's spool to drain")
        st = chain.status(0)
        log("gateway frames: %s" % st["frames"])
        db = sqlite3.connect("file:%s?mode=ro" % chain.path("collector.db"), uri=True)
        rows = db.execute("SELECT device, counter, activity, quantity, clock_unset FROM records "
                          "ORDER BY counter").fetchall()
        unverified = db.execute("SELECT count(*) FROM unverified_records").fetchone()[0]
        db.close()
        log("collector: %s" % rows)
        records = [r for r in rows if r[2] != "admin.heartbeat"]
        if sorted(r[2] for r in records) != ["alcohol.screening", "traffic.checkpoint"]:
            raise AssertionError("the collector holds %s, not the checkpoint's two records"
                                 % records)
        if any(r[0] != device for r in rows):
            raise AssertionError("a record of another device than %08x" % device)
        if len(set(r[1] for r in rows)) != len(rows):
            raise AssertionError("a counter stored twice")
        screening = [r for r in records if r[2] == "alcohol.screening"][0]
        if screening[3] != 5:
            raise AssertionError("five negatives counted as %d" % screening[3])
        if any(r[4] for r in records):
            raise AssertionError("records without a clock: the gateway's ack did not set it")
        if unverified:
            raise AssertionError("%d records not verified by the collector" % unverified)
        if st["frames"]["acks_sent"] < len(rows):
            raise AssertionError("the gateway sent fewer acks than it stored records")
        ok = True
        log("PASS: the handheld's two records are in the collector, acked, 0 waiting")
    finally:
        chain.stop_all()
        if ok and not KEEP:
            shutil.rmtree(tmp)
        else:
            log("logs kept in " + tmp)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
