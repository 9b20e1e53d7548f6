#!/usr/bin/env python3
"""SIGHUP on a running lofte-gateway: the key file and the log level are
re-read between batches, without dropping a record:

  - a frame from a device not in the key file is refused (unknown_device);
    its key is appended, SIGHUP, and its next frame is stored and acked;
  - twelve frames sent while SIGHUP arrives every third frame: every one is
    acked, stored once, and reaches the collector (none lost, none twice),
    and the devices' counter state survives each reload (a replay of an
    old frame is still a duplicate, not a new record);
  - a key file broken on reload (a bad line) is refused, by file:line, in
    the log; the keys in force stay, and the devices are still accepted;
  - log_level = debug in the config file, SIGHUP: the gateway says so.

usage: test_gateway_reload.py BUILD_DIR
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
PORT = 24000 + os.getpid() % 2000


check = gf.check
records = gf.records
wait_for = gf.wait_for


def acks(modem, timeout=3.0):
    return [m for m in modem.read_messages(timeout) if m["type"] == ref.MSG_TX]


def write_keys(path, lines):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, "".join(lines).encode())
    os.close(fd)


def main():
    tmp = tempfile.mkdtemp(prefix="lofte-gwreload-")
    procs = []
    ok = False
    try:
        for n in ("coll", "gw"):
            subprocess.run([gf.CURVE_KEYGEN, os.path.join(tmp, n)], check=True,
                           stdout=subprocess.DEVNULL)
        with open(os.path.join(tmp, "allowed"), "w") as f:
            f.write(gf.public_key(os.path.join(tmp, "gw.pub")) + " gw\n")
        keys = os.path.join(tmp, "keys")
        line1 = "%08x %s\n" % (gf.DEVICE, gf.KEY.hex())
        line2 = "%08x %s\n" % (gf.DEVICE2, gf.KEY2.hex())
        write_keys(keys, [line1])
        ini = os.path.join(tmp, "gateway.ini")
        with open(ini, "w") as f:
            f.write("[gateway]\nlog_level = info\n")
        db = os.path.join(tmp, "c.db")
        coll = subprocess.Popen([gf.COLLECTOR, "--db", db, "--bind", "tcp://127.0.0.1:%d" % PORT,
                                 "--secret-key-file", os.path.join(tmp, "coll.key"),
                                 "--allowed-gateways", os.path.join(tmp, "allowed"),
                                 "--state-dir", tmp],
                                stdout=open(os.path.join(tmp, "coll.log"), "w"),
                                stderr=subprocess.STDOUT)
        procs.append(coll)
        gf.PORT = PORT
        gw, modem, state = gf.run_gateway(tmp, "gw", ["--config", ini])
        procs.append(gw)
        glog = os.path.join(state, "log")
        minute = (int(time.time()) - 1577836800) // 60

        def send(key, device, counter):
            modem.send(gf.rx_wire(ref.seal_uplink(key, device, counter, gf.record(minute)),
                                  int(time.time() * 1000)))

        send(gf.KEY2, gf.DEVICE2, 1)
        check(not acks(modem, 1.5), "a device not in the key file is not acked")
        write_keys(keys, [line1, line2])
        gw.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        send(gf.KEY2, gf.DEVICE2, 1)  # its record again, as a handheld resends
        a = acks(modem)
        check(len(a) == 1 and ref.open_ack(gf.KEY2, a[0]["frame"])["acked"] == 1,
              "after appending its key and SIGHUP it is stored and acked")
        st = gf.status(state)
        check(st["frames"]["rejected"].get("unknown_device") == 1, "the first was unknown_device")

        # frames and reloads interleaved: nothing lost, nothing twice
        sent = 1
        for c in range(1, 13):
            time.sleep(1.1)  # one ack per second per device (§6.2's nonce): space them
            send(gf.KEY, gf.DEVICE, c)
            sent += 1
            if c % 3 == 0:
                gw.send_signal(signal.SIGHUP)
            a = acks(modem, 2.0)
            check(len(a) == 1 and ref.open_ack(gf.KEY, a[0]["frame"])["acked"] == c,
                  "frame %d acked across the reloads" % c) if c in (1, 6, 12) else None
            if len(a) != 1 or ref.open_ack(gf.KEY, a[0]["frame"])["acked"] != c:
                raise AssertionError("frame %d not acked (%d TX)" % (c, len(a)))
        send(gf.KEY, gf.DEVICE, 5)  # a replay after the reloads
        acks(modem, 1.5)
        check(wait_for(lambda: records(db) == sent, 20),
              "the collector holds all %d records, once each" % sent)
        check(wait_for(lambda: gf.status(state)["frames"]["duplicates"] == 1, 5), "status current")
        st = gf.status(state)
        check(st["frames"]["stored"] == sent and st["frames"]["duplicates"] == 1,
              "the gateway stored %d and counted the replay as a duplicate" % sent)

        write_keys(keys, [line1, "this is not a key line\n", line2])
        gw.send_signal(signal.SIGHUP)
        time.sleep(0.8)
        with open(glog) as f:
            log = f.read()
        check("reload:" in log and keys + ":2" in log and "keeping the 2 device keys" in log,
              "a broken key file on reload is refused by file:line, the keys in force kept")
        time.sleep(1.1)
        send(gf.KEY2, gf.DEVICE2, 2)
        a = acks(modem)
        check(len(a) == 1 and ref.open_ack(gf.KEY2, a[0]["frame"])["acked"] == 2,
              "and the devices are still accepted")

        with open(ini, "w") as f:
            f.write("[gateway]\nlog_level = debug\n")
        gw.send_signal(signal.SIGHUP)
        time.sleep(0.8)
        with open(glog) as f:
            log = f.read()
        check("reload: log level debug" in log, "log_level = debug and SIGHUP: the level changes")
        check(gw.poll() is None, "the gateway kept running through %d reloads" % 7)
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
