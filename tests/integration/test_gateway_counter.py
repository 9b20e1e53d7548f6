#!/usr/bin/env python3
"""A real lofte-gateway with no stored state (a new or replaced station)
and a device whose counter has passed 65535 (docs/protocol.md §5.2's
search, §5.4's heartbeat), fed through a pty with frames built by the
independent Python reference, as test_gateway_frames.py does (its harness
is reused):

  - the device's heartbeat at counter 70000 is stored and acked (acked
    70000: it vouched for everything below), its records after it too, and
    the collector holds them;
  - a forgery at the same counters, and a frame 17 blocks of 65536 above
    the window (past the search bound), are rejected as bad_tag, nothing of
    them stored or acked;
  - an ack header (0x12) at the uplink receiver is not_uplink at 23, 27 and
    32 bytes alike (§3).

usage: test_gateway_counter.py BUILD_DIR
"""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_gateway_frames as gf  # noqa: E402  (reads BUILD_DIR from argv)

ref = gf.ref
check = gf.check
FIRST = 70000


def heartbeat(minute, oldest_unacked, depth):
    r = ref.empty_record()
    r.update(activity=0x91, start_min=minute, oldest_unacked=oldest_unacked,
             queue_depth=depth)
    return r


def acks_in(modem, timeout):
    return [ref.open_ack(gf.KEY, m["frame"]) for m in modem.read_messages(timeout)
            if m["type"] == ref.MSG_TX]


def main():
    tmp = tempfile.mkdtemp(prefix="lofte-gwcounter-")
    procs = []
    ok = False
    try:
        for n in ("coll", "gw"):
            subprocess.run([gf.CURVE_KEYGEN, os.path.join(tmp, n)], check=True,
                           stdout=subprocess.DEVNULL)
        with open(os.path.join(tmp, "allowed"), "w") as f:
            f.write(gf.public_key(os.path.join(tmp, "gw.pub")) + " gw\n")
        fd = os.open(os.path.join(tmp, "keys"), os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, ("%08x %s\n" % (gf.DEVICE, gf.KEY.hex())).encode())
        os.close(fd)
        coll = subprocess.Popen([gf.COLLECTOR, "--db", os.path.join(tmp, "c.db"), "--bind",
                                 "tcp://127.0.0.1:%d" % gf.PORT, "--secret-key-file",
                                 os.path.join(tmp, "coll.key"), "--allowed-gateways",
                                 os.path.join(tmp, "allowed")],
                                stdout=open(os.path.join(tmp, "coll.log"), "w"),
                                stderr=subprocess.STDOUT)
        procs.append(coll)
        gw, modem, state = gf.run_gateway(tmp, "gw", [])
        procs.append(gw)
        now_ms = int(time.time() * 1000)
        minute = (now_ms // 1000 - 1577836800) // 60

        # Forgeries first, while the station has no state at all.
        forged = bytearray(ref.seal_uplink(gf.KEY, gf.DEVICE, FIRST, heartbeat(minute, 0, 0)))
        forged[-1] ^= 0x01
        wrong_key = ref.seal_uplink(bytes(16), gf.DEVICE, FIRST + 1, gf.record(minute))
        beyond = ref.seal_uplink(gf.KEY, gf.DEVICE, 17 * 65536 + 5, gf.record(minute))
        for frame in (bytes(forged), wrong_key, beyond):
            modem.send(gf.rx_wire(frame, now_ms))
        check(acks_in(modem, 1.5) == [], "no ack for a forgery or a counter past the bound")

        ack_hdr = ref.seal_ack(gf.KEY, gf.DEVICE, 9, 1000, 5)
        for n in (23, 27, 32):
            modem.send(gf.rx_wire((ack_hdr + bytes(9))[:n], now_ms))
        check(acks_in(modem, 1.0) == [], "no ack for an ack header")

        # The device: boot heartbeat (nothing queued), then two records.
        modem.send(gf.rx_wire(ref.seal_uplink(gf.KEY, gf.DEVICE, FIRST,
                                              heartbeat(minute, 0, 0)), now_ms))
        acks = acks_in(modem, 3.0)
        check(len(acks) == 1 and acks[0]["acked"] == FIRST,
              "a fresh station acks a heartbeat at counter 70000 (%s)" % acks)
        for i, c in enumerate((FIRST + 1, FIRST + 2)):
            modem.send(gf.rx_wire(ref.seal_uplink(gf.KEY, gf.DEVICE, c, gf.record(minute)),
                                  now_ms + 3000 * (i + 1)))
            acks = acks_in(modem, 3.0)
            check(len(acks) == 1 and acks[0]["acked"] == c,
                  "record %d is stored and acked (%s)" % (c, acks))

        time.sleep(2.5)  # the status file is rewritten every 2 s
        st = gf.status(state)
        rej = st["frames"]["rejected"]
        check(st["frames"]["stored"] == 3, "three stored (%s)" % st["frames"])
        check(rej.get("bad_tag") == 3, "the forgeries and the far frame are bad_tag (%s)" % rej)
        check(rej.get("not_uplink") == 3, "an ack header is not_uplink at every length (%s)"
              % rej)
        check(not rej.get("too_long") and not rej.get("truncated"), "and nothing else")
        cs = st["counter_search"]
        check(cs["found"] == 1 and cs["tag_checks"] >= 3 * 16,
              "the status shows what the search found and cost (%s)" % cs)
        for _ in range(50):
            if gf.status(state)["spool"]["depth"] == 0:
                break
            time.sleep(0.1)
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(tmp, "c.db"), uri=True)
        got = sorted(r[0] for r in db.execute(
            "SELECT counter FROM records WHERE device = ?", (gf.DEVICE,)))
        db.close()
        check(got == [FIRST, FIRST + 1, FIRST + 2], "the collector holds them (%s)" % got)
        ok = True
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if ok:
            shutil.rmtree(tmp)
        else:
            print("logs kept in " + tmp)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
