#!/usr/bin/env python3
"""A real lofte-gateway process reading a real pseudo terminal: the test
plays the modem with frames built by the independent Python reference of
the protocol (tests/reference/lofte_ref.py), and checks what the operator's
status file counts:

  - a good frame is stored, delivered to a real collector and acked back
    through the pty (a TX message carrying an ack that opens under the
    device key and covers the frame);
  - the same frame again (a replay, or a retransmission) is a duplicate:
    acked again, stored once;
  - a forged frame (one bit of the tag flipped), a frame from a device with
    no key, a truncated frame, serial garbage and a bad serial CRC are each
    rejected and counted by reason;
  - a gateway whose disk is "full" (disk_min_free_mb above what is free)
    stores and acks nothing and says INTAKE STOPPED;
  - a gateway whose spool commit fails (a file size limit set on the
    running process, like a quota filling up) acks nothing of a first-contact
    device's burst, says intake is stopped, counts nothing as stored, and
    once the limit is lifted stores the resent records as new (never as
    duplicates of the rolled-back ones) and acks them with one ack;
  - group commit: frames read 40 ms apart are one group with one ack per
    device, and a group of several reads whose commit fails acks nothing of
    it and leaves every device of it at its committed state.

usage: test_gateway_frames.py BUILD_DIR
"""
import json
import os
import pty
import resource
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import tty

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import lofte_ref as ref  # noqa: E402

BUILD = os.path.abspath(sys.argv[1])
GATEWAY = os.path.join(BUILD, "gateway", "lofte-gateway")
COLLECTOR = os.path.join(BUILD, "collector", "lofte-collector")
CURVE_KEYGEN = os.path.join(BUILD, "collector", "lofte-curve-keygen")
KEY = bytes(range(0x40, 0x50))
DEVICE = 0x5A17C0DE
DEVICE2 = 0x6B00C0DE  # first contact in the failing-commit case
KEY2 = bytes(range(0x60, 0x70))


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok: " + what, flush=True)


# records and wait_for: shared by the integration tests that import this one
def records(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM records").fetchone()[0]
    finally:
        con.close()


def wait_for(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.3)
    return False


def public_key(path):
    with open(path) as f:
        for line in f:
            if line.startswith("public-key = "):
                return line.split(" = ", 1)[1].strip()
    raise RuntimeError(path)


def rx_wire(frame, t_ms, bw=125, sf=9):
    if sf > 12 or bw not in (125, 250, 500):  # the reference refuses to encode those
        msg = bytearray(rx_message(frame, t_ms, 125, 9))
        msg[17] = sf
        msg[18:20] = bw.to_bytes(2, "big")
        return ref.frame_serial(bytes(msg))
    return ref.frame_serial(rx_message(frame, t_ms, bw, sf))


def rx_message(frame, t_ms, bw, sf):
    return ref.encode_message({"type": ref.MSG_RX, "rx_time_ms": t_ms, "freq_hz": 868100000,
                               "rssi_dbm": -90, "snr_qdb": 20, "sf": sf, "bw_khz": bw,
                               "cr": 5, "frame": frame})


def record(minute):
    r = ref.empty_record()
    r.update(activity=0x51, result=0, start_min=minute, quantity=2, duration_min=45, zone=1)
    return r


class Modem:
    """The modem end of a pty, with a stable symlink like the simulator's."""

    def __init__(self, link):
        self.master, slave = pty.openpty()
        tty.setraw(slave)
        self.slave_path = os.ttyname(slave)
        self.keep = slave  # keep the slave open so the master never sees a hangup
        os.symlink(self.slave_path, link)
        self.buf = b""

    def send(self, data):
        os.write(self.master, data)

    def read_messages(self, timeout):
        end = time.time() + timeout
        msgs = []
        while time.time() < end:
            r, _, _ = select.select([self.master], [], [], 0.05)
            if r:
                self.buf += os.read(self.master, 4096)
                *frames, self.buf = self.buf.split(b"\x00")
                for f in frames:
                    if f:
                        msgs.append(ref.decode_message(ref.deframe_one(f)))
            elif msgs:
                break
        return msgs


def status(state):
    for _ in range(50):
        try:
            with open(os.path.join(state, "status.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            time.sleep(0.1)
    raise AssertionError("no status.json")


def run_gateway(tmp, name, extra, keys="keys", before=None, again=False):
    state = os.path.join(tmp, name)
    if again:  # restart on the same spool and state
        os.unlink(os.path.join(tmp, name + "-modem"))
    else:
        os.makedirs(state)
    if before:
        before(state)
    modem = Modem(os.path.join(tmp, name + "-modem"))
    argv = [GATEWAY, "--port", os.path.join(tmp, name + "-modem"), "--keys",
            os.path.join(tmp, keys), "--station-id", "3", "--spool",
            os.path.join(state, "spool.db"), "--collector", "tcp://127.0.0.1:%d" % PORT,
            "--collector-public-key", public_key(os.path.join(tmp, "coll.pub")),
            "--secret-key-file", os.path.join(tmp, "gw.key"), "--state-dir", state] + extra
    proc = subprocess.Popen(argv, stdout=open(os.path.join(state, "log"), "a"),
                            stderr=subprocess.STDOUT)
    time.sleep(1.0)  # opens the port, connects upstream
    return proc, modem, state


PORT = 18000 + os.getpid() % 2000


def main():
    tmp = tempfile.mkdtemp(prefix="lofte-gwframes-")
    procs = []
    ok = False
    try:
        lp = subprocess.run([GATEWAY, "--list-ports"], capture_output=True, text=True)
        check(lp.returncode == 0 and "lofte-gateway:" not in lp.stderr,
              "--list-ports exits 0 without an empty error (%d ports listed)"
              % lp.stdout.count("\n"))
        for n in ("coll", "gw"):
            subprocess.run([CURVE_KEYGEN, os.path.join(tmp, n)], check=True,
                           stdout=subprocess.DEVNULL)
        with open(os.path.join(tmp, "allowed"), "w") as f:
            f.write(public_key(os.path.join(tmp, "gw.pub")) + " gw\n")
        fd = os.open(os.path.join(tmp, "keys"), os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, ("%08x %s\n%08x %s\n" % (DEVICE, KEY.hex(), DEVICE2, KEY2.hex())).encode())
        os.close(fd)
        coll = subprocess.Popen([COLLECTOR, "--db", os.path.join(tmp, "c.db"), "--bind",
                                 "tcp://127.0.0.1:%d" % PORT, "--secret-key-file",
                                 os.path.join(tmp, "coll.key"), "--allowed-gateways",
                                 os.path.join(tmp, "allowed")],
                                stdout=open(os.path.join(tmp, "coll.log"), "w"),
                                stderr=subprocess.STDOUT)
        procs.append(coll)

        gw, modem, state = run_gateway(tmp, "gw", [])
        procs.append(gw)
        now_ms = int(time.time() * 1000)
        minute = (now_ms // 1000 - 1577836800) // 60  # the lofte epoch, docs §1
        good = ref.seal_uplink(KEY, DEVICE, 1, record(minute))
        modem.send(rx_wire(good, now_ms))
        msgs = modem.read_messages(3.0)
        txs = [m for m in msgs if m["type"] == ref.MSG_TX]
        check(len(txs) == 1, "a good frame is answered with one TX")
        ack = ref.open_ack(KEY, txs[0]["frame"])
        check(ack["acked"] == 1 and ack["station"] == 3, "the TX carries an ack covering it")
        check(txs[0]["tx_at_ms"] % 1000 == 0 and txs[0]["tx_at_ms"] >= now_ms + 1000,
              "the ack starts on a whole second at least 1 s after the uplink")

        modem.send(rx_wire(good, now_ms + 5000))  # replayed / retransmitted
        msgs = modem.read_messages(3.0)
        check(any(m["type"] == ref.MSG_TX for m in msgs), "a replayed frame is acked again")

        forged = bytearray(ref.seal_uplink(KEY, DEVICE, 2, record(minute)))
        forged[-1] ^= 0x01
        stranger = ref.seal_uplink(bytes(16), 0x01020304, 1, record(minute))
        garbage = bytes([0x55, 0x12, 0x99, 0x00, 0x41, 0x42, 0x43])
        bad_crc = bytearray(rx_wire(good, now_ms))
        bad_crc[5] ^= 0x01
        sf13 = rx_wire(good, now_ms, sf=13)  # a good serial frame, a refused message
        bw200 = rx_wire(good, now_ms, bw=200)
        unknown_type = ref.frame_serial(bytes([1, 9, 0, 0]))
        status_msg = ref.frame_serial(ref.encode_message({
            "type": ref.MSG_STATUS, "uptime_s": 3600, "rx_frames": 120, "rx_crc_errors": 3,
            "tx_frames": 40}))
        for wire in (rx_wire(bytes(forged), now_ms), rx_wire(stranger, now_ms),
                     rx_wire(good[:20], now_ms), garbage, bytes(bad_crc), sf13, bw200,
                     unknown_type, status_msg):
            modem.send(wire)
        check(not any(m["type"] == ref.MSG_TX for m in modem.read_messages(1.5)),
              "no ack for any bad frame")
        time.sleep(2.5)  # the status file is rewritten every 2 s
        st = status(state)
        rej = st["frames"]["rejected"]
        check(st["frames"]["stored"] == 1 and st["frames"]["duplicates"] == 1,
              "stored once, one duplicate (%s)" % st["frames"])
        check(rej.get("bad_tag") == 1, "the forged frame is counted as bad_tag")
        check(rej.get("unknown_device") == 1, "the stranger is counted as unknown_device")
        check(rej.get("truncated") == 1, "the cut frame is counted as truncated")
        bad = st["modem"]["bad_frames"]
        check(bad.get("bad_crc", 0) >= 1, "the serial CRC error is counted (%s)" % bad)
        check(sum(bad.values()) >= 2, "the garbage is counted too")
        refused = st["modem"]["bad_messages"]
        check(refused.get("out_of_range") == 2 and refused.get("bad_type") == 1,
              "refused modem messages are counted by reason (%s)" % refused)
        check(st["modem"]["last_status"] == {"uptime_s": 3600, "rx_frames": 120,
                                             "rx_crc_errors": 3, "tx_frames": 40},
              "the modem's last STATUS is shown (%s)" % st["modem"]["last_status"])
        with open(os.path.join(state, "status.txt")) as f:
            txt = f.read()
        check("modem_out_of_range 2" in txt and "never ago" not in txt and "reopens" not in txt,
              "and in status.txt, worded for people:\n" + txt.split("\n\n")[1])
        dev = st["devices"][0]
        check(dev["device"] == "%08x" % DEVICE and dev["last_counter"] == 1 and
              dev["rssi_dBm"] == -90, "the device's last counter and RSSI are shown")

        # five frames of one device in one read (counters 2..6, heard at
        # 250 kHz): one ack after the burst, covering all five, sent on the
        # downlink's 125 kHz (§3.1), not the uplink's bandwidth
        t = int(time.time() * 1000)
        modem.send(b"".join(rx_wire(ref.seal_uplink(KEY, DEVICE, c, record(minute)),
                                    t - 900 + 150 * c, bw=250) for c in range(2, 7)))
        txs = [m for m in modem.read_messages(3.0) if m["type"] == ref.MSG_TX]
        check(len(txs) == 1, "a burst of five frames gets one ack (%d)" % len(txs))
        check(ref.open_ack(KEY, txs[0]["frame"])["acked"] == 6,
              "and that ack covers the whole burst: acked = 6")
        check(txs[0]["bw_khz"] == 125, "the ack goes out at 125 kHz after a 250 kHz uplink (%s)"
              % txs[0]["bw_khz"])

        # the modem's clock an hour fast: the ack is placed by it (1..2 s after
        # the uplink, on the modem's clock) but carries the gateway's time,
        # and the next, correctly stamped frame is acked as usual
        t = int(time.time() * 1000)
        modem.send(rx_wire(ref.seal_uplink(KEY, DEVICE, 7, record(minute)), t + 3600 * 1000))
        txs = [m for m in modem.read_messages(3.0) if m["type"] == ref.MSG_TX]
        check(len(txs) == 1, "a frame stamped an hour ahead is acked")
        a = ref.open_ack(KEY, txs[0]["frame"])
        gw_s = t // 1000 - 1577836800
        check(gw_s <= a["station_time"] <= gw_s + 4,
              "with the gateway's time, not the modem's (%d s off)" % (a["station_time"] - gw_s))
        check(t + 3600 * 1000 + 1000 <= txs[0]["tx_at_ms"] < t + 3600 * 1000 + 3000,
              "at a time the modem's clock puts inside the device's listening window")
        time.sleep(1.5)
        t = int(time.time() * 1000)
        modem.send(rx_wire(ref.seal_uplink(KEY, DEVICE, 8, record(minute)), t))
        txs = [m for m in modem.read_messages(3.0) if m["type"] == ref.MSG_TX]
        check(len(txs) == 1 and ref.open_ack(KEY, txs[0]["frame"])["acked"] == 8,
              "and the next, correctly stamped frame is acked, not skipped")
        time.sleep(2.2)
        check(status(state)["modem"]["clock_off"] >= 1, "the wrong modem clock is counted")
        for _ in range(50):
            if status(state)["spool"]["depth"] == 0:
                break
            time.sleep(0.1)
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(tmp, "c.db"), uri=True)
        n = db.execute("SELECT count(*) FROM records WHERE device = ?", (DEVICE,)).fetchone()[0]
        db.close()
        check(n == 8, "the collector holds each record once (%d)" % n)

        for name in ("status.json", "status.txt"):
            mode = os.stat(os.path.join(state, name)).st_mode & 0o777
            check(mode & 0o007 == 0, "%s is not world-readable (%o)" % (name, mode))

        # a full disk: nothing stored, nothing acked, said loudly; and a
        # symlink planted where the status writer makes its temporary file
        victim = os.path.join(tmp, "victim")
        with open(victim, "w") as f:
            f.write("untouched\n")

        def plant(st):
            os.symlink(victim, os.path.join(st, ".status.json.tmp"))
        gw2, modem2, state2 = run_gateway(tmp, "full", ["--disk-min-free-mb", "1048576"],
                                          before=plant)
        procs.append(gw2)
        modem2.send(rx_wire(ref.seal_uplink(KEY, DEVICE, 3, record(minute)), now_ms))
        check(not any(m["type"] == ref.MSG_TX for m in modem2.read_messages(2.0)),
              "a gateway with a full disk acks nothing")
        time.sleep(2.5)
        st2 = status(state2)
        check(st2["spool"]["intake_stopped"] and st2["frames"]["stored"] == 0,
              "and says intake is stopped")
        with open(os.path.join(state2, "log")) as f:
            check("INTAKE STOPPED" in f.read(), "loudly, in its log")
        with open(victim) as f:
            check(f.read() == "untouched\n", "the status writer never follows a planted symlink")
        check(not os.path.islink(os.path.join(state2, "status.json")),
              "and publishes a file of its own")
        rc = subprocess.run([GATEWAY, "status", state2], stdout=subprocess.DEVNULL).returncode
        check(rc == 3, "`status` exits 3 while intake is stopped (%d)" % rc)

        # re-keying a handheld under its old pseudonym: the spool's state of
        # the old key (acked = 3) must not ack the new key's counters 1..3
        # as duplicates: they were never stored, and the collector holds the
        # old key's records under them
        DEVICE3, OLD, NEW = 0x7C00C0DE, bytes(range(0x70, 0x80)), bytes(range(0x80, 0x90))

        def write_keys(key):
            fd = os.open(os.path.join(tmp, "keys3"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, ("%08x %s\n" % (DEVICE3, key.hex())).encode())
            os.close(fd)
        write_keys(OLD)
        gw5, modem5, state5 = run_gateway(tmp, "rekey", [], keys="keys3")
        t = int(time.time() * 1000)
        modem5.send(b"".join(rx_wire(ref.seal_uplink(OLD, DEVICE3, c, record(minute)), t)
                             for c in (1, 2, 3)))
        txs = [m for m in modem5.read_messages(3.0) if m["type"] == ref.MSG_TX]
        check(len(txs) == 1 and ref.open_ack(OLD, txs[0]["frame"])["acked"] == 3,
              "the old key's records 1-3 are stored and acked")
        gw5.send_signal(signal.SIGTERM)
        gw5.wait(timeout=10)
        write_keys(NEW)
        gw5, modem5, state5 = run_gateway(tmp, "rekey", [], keys="keys3", again=True)
        procs.append(gw5)
        t = int(time.time() * 1000)
        modem5.send(rx_wire(ref.seal_uplink(NEW, DEVICE3, 1, record(minute)), t))
        check(not any(m["type"] == ref.MSG_TX for m in modem5.read_messages(2.0)),
              "the new key's counter 1 is not acked as a duplicate of the old key's")
        time.sleep(2.5)
        st5 = status(state5)
        check(st5["frames"]["rejected"].get("reused_pseudonym") == 1,
              "it is refused as reused_pseudonym (%s)" % st5["frames"]["rejected"])
        d5 = st5["devices"][0]
        check(d5["acked"] == 0, "the device's state started afresh under the new key (%s)" % d5)
        with open(os.path.join(state5, "log")) as f:
            check("has a new key" in f.read(), "the key change is logged at start")
        modem5.send(rx_wire(ref.seal_uplink(NEW, DEVICE3, 4, record(minute)),
                            int(time.time() * 1000)))
        txs = [m for m in modem5.read_messages(3.0) if m["type"] == ref.MSG_TX]
        check(len(txs) == 1 and ref.open_ack(NEW, txs[0]["frame"])["acked"] == 0,
              "a counter the old key never used is stored, and the ack frees nothing below it")
        gw5.send_signal(signal.SIGTERM)
        gw5.wait(timeout=10)
        gw5, modem5, state5 = run_gateway(tmp, "rekey", [], keys="keys3", again=True)
        procs.append(gw5)
        modem5.send(rx_wire(ref.seal_uplink(NEW, DEVICE3, 2, record(minute)),
                            int(time.time() * 1000)))
        check(not any(m["type"] == ref.MSG_TX for m in modem5.read_messages(2.0)),
              "after another restart under the same new key the refusal holds")
        with open(os.path.join(state5, "log")) as f:
            check(f.read().count("has a new key") == 1, "and the key change is not re-reported")

        # a last ack time persisted ten years ahead (by a gateway that took
        # a fast modem's clock): acks keep flowing across the restart, with
        # a fresh nonce, instead of being skipped until the clock catches up
        gw6, modem6, state6 = run_gateway(tmp, "future", [])
        gw6.send_signal(signal.SIGTERM)
        gw6.wait(timeout=10)
        ahead = int(time.time()) - 1577836800 + 10 * 365 * 86400
        db = sqlite3.connect(os.path.join(state6, "spool.db"))
        db.execute("INSERT INTO devices(device, ref, acked, last_ack_time, held) "
                   "VALUES(?, 0, 0, ?, ?)", (DEVICE, ahead, bytes(128)))
        db.commit()
        db.close()
        gw6, modem6, state6 = run_gateway(tmp, "future", [], again=True)
        procs.append(gw6)
        for c in (1, 2):
            modem6.send(rx_wire(ref.seal_uplink(KEY, DEVICE, c, record(minute)),
                                int(time.time() * 1000)))
            txs = [m for m in modem6.read_messages(3.0) if m["type"] == ref.MSG_TX]
            check(len(txs) == 1, "frame %d is acked although the last ack time is 10 years "
                  "ahead" % c)
            a = ref.open_ack(KEY, txs[0]["frame"])
            check(a["station_time"] == ahead + c and a["acked"] == c,
                  "with the next station_time, so no nonce repeats (%+d)"
                  % (a["station_time"] - ahead))
            time.sleep(1.0)

        # a wrong collector public key fails on every reconnect: said once
        # (a warning or error, in words), not 27 times in 8 seconds
        gw7, _, state7 = run_gateway(tmp, "wrongkey", ["--collector-public-key",
                                                       public_key(os.path.join(tmp, "gw.pub"))])
        procs.append(gw7)
        time.sleep(4.0)
        with open(os.path.join(state7, "log")) as f:
            lines = [ln for ln in f if "collector link" in ln]
        check(1 <= len(lines) <= 2, "a failing collector link is logged once, not on every retry "
              "(%d lines)" % len(lines))
        check(all(not ln.startswith("<6>") and "upstream_" not in ln for ln in lines),
              "as a warning or error in plain words: %s" % lines[:1])

        # an empty key file starts, but says so
        open(os.path.join(tmp, "keys-empty"), "w").close()
        os.chmod(os.path.join(tmp, "keys-empty"), 0o600)
        gw4, _, state4 = run_gateway(tmp, "nokeys", [], keys="keys-empty")
        procs.append(gw4)
        with open(os.path.join(state4, "log")) as f:
            check("lists no device" in f.read(), "an empty key file is warned about at start")

        # a commit that fails: the spool cannot grow (a file size limit on
        # the running gateway, as a quota or a full tmpfs would), and the
        # free-space check is off, as with disk_min_free_mb = 0
        gw3, modem3, state3 = run_gateway(tmp, "quota", ["--disk-min-free-mb", "0"])
        procs.append(gw3)
        # no write may end beyond 4 KiB of any file: not one WAL frame, no
        # checkpoint into the database (the log and status files stay below)
        resource.prlimit(gw3.pid, resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        t3 = int(time.time() * 1000)
        burst = b"".join(rx_wire(ref.seal_uplink(KEY2, DEVICE2, c, record(minute)), t3 + 20 * c)
                         for c in (1, 2, 3))
        modem3.send(burst)
        check(not any(m["type"] == ref.MSG_TX for m in modem3.read_messages(2.0)),
              "records 1-3 of a first-contact device are not acked when the commit fails")
        modem3.send(burst)  # the handheld resends them
        check(not any(m["type"] == ref.MSG_TX for m in modem3.read_messages(2.0)),
              "nor when they are resent while the spool still cannot grow")
        time.sleep(2.5)
        st3 = status(state3)
        check(st3["spool"]["intake_stopped"], "a failed commit stops intake (%s)" % st3["spool"])
        check(st3["frames"]["stored"] == 0 and st3["spool"]["depth"] == 0,
              "and counts nothing of the rolled-back batch as stored (%s)" % st3["frames"])
        d2 = [x for x in st3["devices"] if x["device"] == "%08x" % DEVICE2][0]
        check(d2["acked"] == 0 and d2["records"] == 0,
              "the device's state is what was committed: nothing (%s)" % d2)
        resource.prlimit(gw3.pid, resource.RLIMIT_FSIZE,
                         (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        time.sleep(0.5)
        modem3.send(burst)  # space is back; the handheld still holds them
        txs = [m for m in modem3.read_messages(3.0) if m["type"] == ref.MSG_TX]
        check(len(txs) == 1, "after the limit is lifted the resent burst gets one ack (%d)"
              % len(txs))
        check(ref.open_ack(KEY2, txs[0]["frame"])["acked"] == 3, "and it covers all three")
        time.sleep(2.5)
        st3 = status(state3)
        check(st3["frames"]["stored"] == 3 and not st3["spool"]["intake_stopped"],
              "the three are stored as new records and intake resumed (%s)" % st3["frames"])
        for _ in range(50):
            db = sqlite3.connect("file:%s?mode=ro" % os.path.join(tmp, "c.db"), uri=True)
            got = [r[0] for r in db.execute("SELECT counter FROM records WHERE device = ? "
                                            "ORDER BY counter", (DEVICE2,))]
            db.close()
            if len(got) == 3:
                break
            time.sleep(0.1)
        check(got == [1, 2, 3], "and reach the collector: counters %s" % got)

        # group commit (gateway/daemon.h): the frames read within 100 ms
        # are one group, whatever number of reads brought them: stored in
        # one commit, answered after it with one ack per device
        t4 = int(time.time() * 1000)
        modem3.send(rx_wire(ref.seal_uplink(KEY2, DEVICE2, 4, record(minute)), t4))
        time.sleep(0.04)  # a read of its own
        modem3.send(rx_wire(ref.seal_uplink(KEY2, DEVICE2, 5, record(minute)), t4 + 40))
        txs = [m for m in modem3.read_messages(3.0) if m["type"] == ref.MSG_TX]
        got_ms = int(time.time() * 1000)  # at most ~50 ms after the TX arrived
        check(len(txs) == 1 and ref.open_ack(KEY2, txs[0]["frame"])["acked"] == 5,
              "two frames of a device read 40 ms apart are one group: one ack, covering "
              "both (%s)" % [ref.open_ack(KEY2, m["frame"])["acked"] for m in txs])
        check(txs[0]["tx_at_ms"] % 1000 == 0 and txs[0]["tx_at_ms"] >= t4 + 40 + 1000,
              "still on the whole second at least 1 s after the later uplink")
        check(got_ms < txs[0]["tx_at_ms"], "and it reached the modem before that second "
              "(%d ms ahead)" % (txs[0]["tx_at_ms"] - got_ms))
        # a group whose commit fails acks nothing of it, the frames read
        # before the one that made it fail included, and every device of
        # the group is back to its committed state: DEVICE2 at 5 (it was at
        # 6 in memory), DEVICE (first contact) at nothing
        time.sleep(2.5)
        st4 = status(state3)
        stored4 = st4["frames"]["stored"]
        resource.prlimit(gw3.pid, resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        t5 = int(time.time() * 1000)
        group = [rx_wire(ref.seal_uplink(KEY2, DEVICE2, 6, record(minute)), t5),
                 rx_wire(ref.seal_uplink(KEY, DEVICE, 1, record(minute)), t5 + 30),
                 rx_wire(ref.seal_uplink(KEY2, DEVICE2, 7, record(minute)), t5 + 60)]
        for w in group:
            modem3.send(w)
            time.sleep(0.03)
        check(not any(m["type"] == ref.MSG_TX for m in modem3.read_messages(2.0)),
              "a group of three reads whose commit fails gets no ack at all")
        time.sleep(2.5)
        st5 = status(state3)
        devs = {x["device"]: x for x in st5["devices"]}
        check(devs["%08x" % DEVICE2]["acked"] == 5 and devs.get("%08x" % DEVICE, {}).get(
              "acked", 0) == 0 and st5["frames"]["stored"] == stored4,
              "and every device of it is what the spool holds (%s, %s)" % (
                  devs["%08x" % DEVICE2], devs.get("%08x" % DEVICE)))
        resource.prlimit(gw3.pid, resource.RLIMIT_FSIZE,
                         (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        time.sleep(1.5)  # the free-space verdict is at most a second old
        for w in group:  # the handhelds still hold them
            modem3.send(w)
            time.sleep(0.03)
        txs = [m for m in modem3.read_messages(3.0) if m["type"] == ref.MSG_TX]
        got = {}
        for m in txs:
            for dev, key in ((DEVICE, KEY), (DEVICE2, KEY2)):
                try:
                    got[dev] = ref.open_ack(key, m["frame"])["acked"]
                except ref.LofteError:  # not this device's ack
                    pass
        check(len(txs) == 2 and got == {DEVICE: 1, DEVICE2: 7},
              "once the disk takes writes again the resent group gets one ack per device, "
              "covering all of it (%s)" % got)
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
