#!/usr/bin/env python3
"""The chain with an AT-command receiver modem: lofte-sim with emulated
RAK3172 (RUI3, P2P) or Wio-E5 (TEST mode) modems on a real pseudo terminal
(hardware/sim/at_modem.c, docs/modems.md) -> lofte-gateway --modem TYPE ->
lofte-collector.

The gateway sets the emulated module up over the pty, receives uplinks as
AT lines, and sends every ack by retuning the module in real time; the
simulator maps the real time the ack went on air to simulated time, so the
handheld's receive window is the real constraint. At the end the collector
must hold exactly the records the officers logged (the simulator's ground
truth): none missing, none twice, every field equal, and the simulator
must end with every record acknowledged (it fails otherwise).

A short scenario (acks take real seconds: each is held until its second,
§3.1), one gateway, no faults beyond the channel's loss.

usage: test_chain_at.py BUILD_DIR rui3|wio-e5 [--days N] [--keep]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

BUILD = os.path.abspath(sys.argv[1])
TYPE = sys.argv[2]
DAYS = int(sys.argv[sys.argv.index("--days") + 1]) if "--days" in sys.argv else 5
KEEP = "--keep" in sys.argv
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# test_chain parses its own command line when imported: give it only the
# build directory (its main() does not run)
_argv, sys.argv = sys.argv, [sys.argv[0], BUILD]
import test_chain  # noqa: E402  (compare(), Chain, paths)
sys.argv = _argv

SIM = test_chain.SIM
GATEWAY = test_chain.GATEWAY


def log(msg):
    print("chain-at(%s): %s" % (TYPE, msg), flush=True)


def main():
    tmp = tempfile.mkdtemp(prefix="lofte-chain-at-")
    chain = test_chain.Chain(tmp)
    ok = False
    try:
        for name in ("collector", "gw0"):
            subprocess.run([test_chain.CURVE_KEYGEN, chain.path(name)], check=True,
                           stdout=subprocess.DEVNULL)
        with open(chain.path("allowed"), "w") as f:
            f.write("%s gateway-0\n" % test_chain.public_key(chain.path("gw0.pub")))
        chain.start("sim", [SIM, "--from", "2023-04-01", "--to", test_chain.date_plus(DAYS),
                            "--seed", "5", "--devices", "3", "--loss", "0.05",
                            "--modem-type", TYPE, "--modem", chain.path("modem0"),
                            "--keys", chain.path("keys"), "--truth", chain.path("truth.jsonl"),
                            "--gateway-wait-ms", "3500", "--start-delay-ms", "2500"])
        test_chain.wait_until(lambda: os.path.exists(chain.path("keys")) and
                              os.path.islink(chain.path("modem0")), 10, "the simulator's modem")
        chain.collector()  # after the key file exists: it checks every device tag
        state = chain.path("gw0")
        os.makedirs(state, exist_ok=True)
        chain.start("gateway0", [
            GATEWAY, "--port", chain.path("modem0"), "--modem", TYPE,
            "--keys", chain.path("keys"), "--station-id", "1",
            "--spool", os.path.join(state, "spool.db"),
            "--collector", "tcp://127.0.0.1:%d" % chain.port,
            "--collector-public-key", test_chain.public_key(chain.path("collector.pub")),
            "--secret-key-file", chain.path("gw0.key"), "--state-dir", state,
            "--disk-min-free-mb", "1"])
        rc = chain.procs["sim"].wait(timeout=900)
        with open(chain.path("sim.log")) as f:
            tail = f.read().strip().splitlines()[-1]
        log("simulator: " + tail)
        if rc != 0:
            raise AssertionError("the simulator failed (exit %d)" % rc)
        test_chain.wait_until(lambda: (chain.status(0) or {}).get("spool", {}).get("depth", 1)
                              == 0, 60, "the gateway's spool to drain")
        logged, stored, receptions, gateways, problems = test_chain.compare(
            chain.path("truth.jsonl"), chain.path("collector.db"))
        st = chain.status(0)
        log("%d records logged, %d stored (heartbeats excluded), %d receptions" %
            (logged, stored, receptions))
        log("modem: %s" % json.dumps(st.get("modem_driver")))
        log("modem AT: %s" % json.dumps(st.get("modem_at")))
        log("frames: %s" % json.dumps(st["frames"]))
        if problems:
            for p in problems[:20]:
                log("MISMATCH " + p)
            raise AssertionError("%d mismatches between the collector and the ground truth"
                                 % len(problems))
        drv = st["modem_driver"]
        if drv["type"] != TYPE or not drv["firmware"]:
            raise AssertionError("the status does not show the modem type and firmware")
        if drv["radio_rx"] == 0 or drv["radio_tx"] == 0:
            raise AssertionError("the status shows no receptions or transmissions")
        if drv.get("uplink") != {"freq_hz": 868100000, "sf": 9, "bw_kHz": 125} or \
                drv.get("last_rx_age_ms", -1) < 0:
            raise AssertionError("the status does not show the uplink the modem hears "
                                 "and its last reception")
        if logged < 3:
            raise AssertionError("the scenario logged too little to prove anything")
        ok = True
        log("PASS: the collector holds every logged record exactly once, all acknowledged")
    finally:
        chain.stop_all()
        if ok and not KEEP:
            shutil.rmtree(tmp)
        else:
            log("logs kept in " + tmp)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
