#!/usr/bin/env python3
"""The demo's last word (scripts/run.sh): what the simulated officers
logged, what the collector holds, the heartbeats beside them, what the
gateway stored, and what the report counts -- each number reconciled with
the others, so the screen explains itself.

usage: demo_summary.py DEMO_DIR SECONDS
Exit 1 when the collector and the ground truth disagree (a record missing
or one the officers never logged), so a broken run cannot look fine.
"""
import json
import os
import sqlite3
import sys

demo, seconds = sys.argv[1], int(sys.argv[2])

truth = {}
with open(os.path.join(demo, "ground-truth.jsonl")) as f:
    for line in f:
        r = json.loads(line)
        truth[(int(r["device"], 16), r["counter"])] = r
logged = len(truth)
voids = sum(1 for r in truth.values() if r["activity"] == "admin.void")

db = sqlite3.connect("file:%s?mode=ro" % os.path.join(demo, "collector.db"), uri=True)
rows = db.execute("SELECT device, counter, activity, category, voided_by, clock_unset "
                  "FROM records").fetchall()
counted = db.execute("SELECT count(*) FROM activity_records").fetchone()[0]
# records the collector refused to count because their device tag did not
# verify under its own copy of the keys (docs/architecture.md)
unverified = db.execute("SELECT count(*) FROM unverified_records").fetchone()[0]
db.close()
held = {(d, c): (a, cat, vb, cu) for d, c, a, cat, vb, cu in rows if a != "admin.heartbeat"}
heartbeats = sum(1 for r in rows if r[2] == "admin.heartbeat")
missing = len(set(truth) - set(held))
extra = len(set(held) - set(truth))
voided = sum(1 for a, cat, vb, cu in held.values() if cat != "admin" and vb is not None)
undated = sum(1 for a, cat, vb, cu in held.values() if cat != "admin" and vb is None and cu)

stored = None
try:
    with open(os.path.join(demo, "gateway", "status.json")) as f:
        stored = json.load(f)["frames"]["stored"]
except (OSError, ValueError, KeyError):
    pass


def line(label, text):
    print("  %-16s %s" % (label, text))


print("lofte demo: summary")
line("logged", "%d records by the simulated officers (%s), %d of them voids" %
     (logged, os.path.relpath(os.path.join(demo, "ground-truth.jsonl")), voids))
line("at the collector", "%d of them, each once: %d missing, %d not logged" %
     (len(held), missing, extra))
line("heartbeats", "%d more: each handheld's periodic \"still here\" (battery, queue), "
     "stored but never counted" % heartbeats)
if stored is not None:
    line("gateway stored", "%d frames = %d records + %d heartbeats%s" %
         (stored, len(held), heartbeats,
          "" if stored == len(held) + heartbeats else " (differs: see demo/gateway.log)"))
rest = counted - (len(held) - voids - voided - undated)
line("counted", "%d = %d - %d voids - %d records they cancel%s" %
     (counted, len(held), voids, voided, " - %d undated" % undated if undated else "") +
     ("" if rest == 0 else " (differs by %d)" % rest))
line("unverified", "%d records whose device tag the collector could not verify "
     "(none is counted)" % unverified)
line("took", "%d s" % seconds)
sys.exit(0 if missing == 0 and extra == 0 and rest == 0 and unverified == 0 else 1)
