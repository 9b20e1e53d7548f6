#!/usr/bin/env python3
"""Benchmark (not a test): frames per second through a real lofte-gateway,
and its CPU use at the full line rate of a 115200-baud modem.

The script plays the modem on a pseudo terminal (frames sealed with the
Python reference codec), runs a real collector, and reads the gateway's
CPU time from /proc. Two runs:
  burst      N frames written as fast as the pty takes them: frames/s
             verified, spooled (one SQLite commit per read batch), acked and
             committed by the collector (timed by the collector's row count);
  line rate  frames paced at 115200 baud (10 bits per byte on the wire)
             for a fixed time: the gateway's CPU use in percent of one core.

Counting the cost per frame of the line-rate run, repeatable on a noisy
shared machine (LOFTE_BENCH_PROFILE, the line-rate run only):
  strace     `strace -c -f -p TID...` attached to every thread for the line-rate run: system
             calls per frame, by call;
  callgrind  the gateway runs under `valgrind --tool=callgrind`; its
             counters are zeroed before the line-rate run and dumped after
             it (callgrind_control): instructions per frame. (Under
             valgrind the gateway is slower, so it may read more frames per
             wake-up than natively: the figure is a lower bound when the
             CPU column says valgrind could not keep up.)
LOFTE_BENCH_GATEWAY=path runs another lofte-gateway binary (a baseline),
LOFTE_BENCH_SKIP_BURST=1 skips the burst run, LOFTE_BENCH_CALLGRIND_OUT=file
keeps the callgrind dump of the line-rate run (for callgrind_annotate).

usage: bench_gateway.py BUILD_DIR [FRAMES] [SECONDS]
"""
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tty
import json
import sqlite3

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "reference"))
import lofte_ref as ref  # noqa: E402

BUILD = os.path.abspath(sys.argv[1])
FRAMES = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
DEVICES = 50
BAUD = 115200
PORT = 19000 + os.getpid() % 1000


def public_key(path):
    with open(path) as f:
        for line in f:
            if line.startswith("public-key = "):
                return line.split(" = ", 1)[1].strip()


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


PROFILE = os.environ.get("LOFTE_BENCH_PROFILE", "")
GATEWAY_BIN = os.environ.get("LOFTE_BENCH_GATEWAY", "")
SKIP_BURST = os.environ.get("LOFTE_BENCH_SKIP_BURST", "") == "1"


def rx_wire(frame):
    """The modem's RX message for a frame that ended on air now."""
    msg = ref.encode_message({"type": ref.MSG_RX, "rx_time_ms": int(time.time() * 1000),
                              "freq_hz": 868100000, "rssi_dbm": -100, "snr_qdb": 8,
                              "sf": 7, "bw_khz": 125, "cr": 5, "frame": frame})
    return ref.frame_serial(msg)


def sealed(keys, start_counter, n):
    minute = (int(time.time()) - 1577836800) // 60
    out = []
    for i in range(n):
        dev, key = keys[i % DEVICES]
        r = ref.empty_record()
        r.update(activity=0x11, quantity=1 + i % 40, duration_min=30, zone=12, start_min=minute)
        out.append(ref.seal_uplink(key, dev, start_counter + i // DEVICES, r))
    return out


def status(state):
    while True:
        try:
            with open(os.path.join(state, "status.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            time.sleep(0.05)


def main():
    tmp = tempfile.mkdtemp(prefix="lofte-benchgw-")
    procs = []
    try:
        for n in ("coll", "gw"):
            subprocess.run([os.path.join(BUILD, "collector", "lofte-curve-keygen"),
                            os.path.join(tmp, n)], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(tmp, "allowed"), "w") as f:
            f.write(public_key(os.path.join(tmp, "gw.pub")) + " gw\n")
        keys = [(0x10000000 + i, os.urandom(16)) for i in range(DEVICES)]
        fd = os.open(os.path.join(tmp, "keys"), os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, "".join("%08x %s\n" % (d, k.hex()) for d, k in keys).encode())
        os.close(fd)
        master, slave = pty.openpty()
        tty.setraw(slave)
        os.symlink(os.ttyname(slave), os.path.join(tmp, "modem"))
        procs.append(subprocess.Popen(
            [os.path.join(BUILD, "collector", "lofte-collector"), "--db",
             os.path.join(tmp, "c.db"), "--bind", "tcp://127.0.0.1:%d" % PORT,
             "--secret-key-file", os.path.join(tmp, "coll.key"), "--allowed-gateways",
             os.path.join(tmp, "allowed"), "--log-level", "warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wrap = []
        if PROFILE == "callgrind":
            wrap = ["valgrind", "--tool=callgrind", "--callgrind-out-file=%s" %
                    os.path.join(tmp, "cg.out")]
        elif PROFILE not in ("", "strace"):
            raise SystemExit("LOFTE_BENCH_PROFILE is strace or callgrind, not %r" % PROFILE)
        gw = subprocess.Popen(
            wrap + [GATEWAY_BIN or os.path.join(BUILD, "gateway", "lofte-gateway"), "--port",
             os.path.join(tmp, "modem"), "--keys", os.path.join(tmp, "keys"), "--station-id",
             "1", "--spool", os.path.join(tmp, "spool.db"), "--collector",
             "tcp://127.0.0.1:%d" % PORT, "--collector-public-key",
             public_key(os.path.join(tmp, "coll.pub")), "--secret-key-file",
             os.path.join(tmp, "gw.key"), "--state-dir", tmp, "--log-level", "warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(gw)
        stop = threading.Event()

        def drain():  # take the acks the gateway writes back, as a modem would
            while not stop.is_set():
                r, _, _ = select.select([master], [], [], 0.1)
                if r:
                    os.read(master, 65536)
        threading.Thread(target=drain, daemon=True).start()
        status(tmp)  # the gateway is up (slow under valgrind)
        time.sleep(1.0)

        burst = [rx_wire(f) for f in sealed(keys, 1, FRAMES)]
        wire_len = len(rx_wire(sealed(keys, 1, 1)[0]))
        line_n = int(SECONDS * BAUD / 10 / wire_len) + 1
        # stamped when written, as a modem stamps the end of each uplink
        paced = sealed(keys, 1 + FRAMES // DEVICES + 1, line_n)

        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(tmp, "c.db"), uri=True)

        def collected():
            try:
                return db.execute("SELECT count(*) FROM records").fetchone()[0]
            except sqlite3.Error:
                return 0
        c0, t0 = cpu_s(gw.pid), time.time()
        if SKIP_BURST:
            burst = []
        for w in burst:
            os.write(master, w)
        while collected() < len(burst):
            time.sleep(0.01)
        t1, c1 = time.time(), cpu_s(gw.pid)
        burst_rate = len(burst) / (t1 - t0)
        burst_cpu = (c1 - c0) / (t1 - t0) * 100

        interval = wire_len * 10 / BAUD
        tracer = None
        if PROFILE == "strace":
            tids = sorted(os.listdir("/proc/%d/task" % gw.pid))  # libzmq's threads too
            tracer = subprocess.Popen(["strace", "-c", "-f"] + sum((["-p", t] for t in tids), [])
                                      + ["-o",
                                       os.path.join(tmp, "strace.out")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)  # attached
        elif PROFILE == "callgrind":
            subprocess.run(["callgrind_control", "-z", str(gw.pid)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        c0, t0 = cpu_s(gw.pid), time.time()
        for i, w in enumerate(paced):
            due = t0 + i * interval
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            os.write(master, rx_wire(w))
        while collected() < len(burst) + line_n:
            time.sleep(0.01)
        t1, c1 = time.time(), cpu_s(gw.pid)
        profile = ""
        if tracer:
            tracer.send_signal(signal.SIGINT)
            tracer.wait(timeout=30)
            with open(os.path.join(tmp, "strace.out")) as f:
                lines = f.read().splitlines()
            calls = {}
            for ln in lines:
                parts = ln.split()
                # % time, seconds, usecs/call, calls, [errors,] syscall
                if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                    calls[parts[-1]] = int(parts[3])
            total = sum(calls.values())
            top = sorted(calls.items(), key=lambda kv: -kv[1])[:8]
            profile = "strace -c -f: %d system calls for %d frames = %.1f per frame (%s)" % (
                total, line_n, total / line_n,
                ", ".join("%s %.2f" % (k, v / line_n) for k, v in top))
        elif PROFILE == "callgrind":
            subprocess.run(["callgrind_control", "-d", str(gw.pid)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            dumps = sorted(f for f in os.listdir(tmp) if f.startswith("cg.out."))
            ir = 0
            with open(os.path.join(tmp, dumps[-1])) as f:
                for ln in f:
                    if ln.startswith("summary:") or ln.startswith("totals:"):
                        ir = int(ln.split()[1])
            profile = "callgrind: %d instructions for %d frames = %.0f per frame" % (
                ir, line_n, ir / line_n)
            if os.environ.get("LOFTE_BENCH_CALLGRIND_OUT"):  # for callgrind_annotate
                shutil.copy(os.path.join(tmp, dumps[-1]), os.environ["LOFTE_BENCH_CALLGRIND_OUT"])
        st = status(tmp)
        stop.set()
        print("bench_gateway: %d devices, RX message %d bytes on the wire, %d-baud line = "
              "%.0f frames/s" % (DEVICES, wire_len, BAUD, BAUD / 10 / wire_len))
        print("%-34s %12s %10s" % ("run", "frames/s", "CPU %"))
        if burst:
            print("%-34s %12.0f %10.1f" % ("burst (%d frames, pty speed)" % FRAMES, burst_rate,
                                           burst_cpu))
        print("%-34s %12.0f %10.1f" % ("line rate (%.0f s at 115200 baud)" % SECONDS,
                                       line_n / (t1 - t0), (c1 - c0) / (t1 - t0) * 100))
        print("stored %d, duplicates %d, rejected %s, acks sent %d" % (
            st["frames"]["stored"], st["frames"]["duplicates"], st["frames"]["rejected"],
            st["frames"]["acks_sent"]))
        if profile:
            print(profile)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=10)
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
