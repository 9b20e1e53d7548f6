#!/usr/bin/python3
"""Reference implementation of the lofte wire protocol, version 1.

Written from docs/protocol.md alone (no look at proto/ or tests/unit/), in
plain Python 3.  The only dependency is python3-cryptography (Debian's 38),
used for AES: AESCCM(key, tag_length=8) for sealing/opening, and AES-ECB for
an independent, hand-written CCM (section 4) that cross-checks AESCCM.

Usage:
  lofte_ref.py selftest          rebuild and re-open every vector of section 10
  lofte_ref.py check FILE|-      differential test, one JSON object per line

Everything the document left open, and what was assumed, is marked
"ASSUMPTION" in the code.
"""

import json
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.exceptions import InvalidTag

# --------------------------------------------------------------------------
# Section 8: error reasons

REASONS = {
    "truncated": -1, "too_long": -2, "bad_version": -3, "bad_type": -4,
    "bad_crc": -5, "bad_cobs": -6, "bad_tag": -7, "unknown_activity": -8,
    "out_of_range": -9, "reserved": -10, "buffer": -11, "crypto": -12,
    "stale": -13,
    # station reasons (section 8)
    "unknown_device": -100, "not_uplink": -101,
}


class LofteError(Exception):
    def __init__(self, reason, detail=""):
        assert reason in REASONS, reason
        self.reason = reason
        self.detail = detail
        super().__init__("%s%s" % (reason, (": " + detail) if detail else ""))


# --------------------------------------------------------------------------
# Section 1: big-endian helpers

def u8(b, i):
    return b[i]


def u16(b, i):
    return (b[i] << 8) | b[i + 1]


def u32(b, i):
    return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]


def u64(b, i):
    return (u32(b, i) << 32) | u32(b, i + 4)


def s8(b, i):
    v = b[i]
    return v - 0x100 if v >= 0x80 else v


def s16(b, i):
    v = u16(b, i)
    return v - 0x10000 if v >= 0x8000 else v


def be(value, nbytes, signed=False):
    if signed:
        lo, hi = -(1 << (8 * nbytes - 1)), (1 << (8 * nbytes - 1)) - 1
    else:
        lo, hi = 0, (1 << (8 * nbytes)) - 1
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise LofteError("out_of_range", "%r does not fit %d bytes" % (value, nbytes))
    return (value & ((1 << (8 * nbytes)) - 1)).to_bytes(nbytes, "big")


# --------------------------------------------------------------------------
# Section 2: the activity record

RECORD_VERSION = 1
RECORD_MAX_LEN = 17

# result set name -> number of results (table 2.5)
RESULT_SETS = {"alcohol": 6, "drugs": 2, "vehicle": 5, "session": 3,
               "guard": 4, "admin": 1}

# table 2.4: code -> (name, result set)
ACTIVITIES = {
    0x11: ("alcohol.screening", "alcohol"),
    0x12: ("alcohol.harbour_check", "alcohol"),
    0x21: ("drugs.eye_exam", "drugs"),
    0x31: ("vehicle.moped_class1", "vehicle"),
    0x32: ("vehicle.moped_class2", "vehicle"),
    0x33: ("vehicle.a_traktor", "vehicle"),
    0x34: ("vehicle.epa_traktor", "vehicle"),
    0x35: ("vehicle.mopedbil", "vehicle"),
    0x36: ("vehicle.other", "vehicle"),
    0x41: ("traffic.checkpoint", "session"),
    0x42: ("traffic.operation", "session"),
    0x51: ("presence.foot_patrol", "session"),
    0x52: ("presence.mobile_office", "session"),
    0x53: ("presence.local_office", "session"),
    0x61: ("youth.outreach", "session"),
    0x62: ("youth.preventive_talk", "session"),
    0x63: ("youth.drug_sales", "session"),
    0x64: ("youth.premises_inspection", "session"),
    0x71: ("prevention.campaign_school", "session"),
    0x72: ("prevention.campaign_parents", "session"),
    0x73: ("prevention.campaign_associations", "session"),
    0x74: ("prevention.campaign_public", "session"),
    0x75: ("prevention.safety_walk", "session"),
    0x76: ("prevention.situation_meeting", "session"),
    0x77: ("prevention.case_collab", "session"),
    0x81: ("guard.harbour", "guard"),
    0x82: ("guard.school", "guard"),
    0x83: ("guard.hotspot", "guard"),
    0x91: ("admin.heartbeat", "admin"),
    0x92: ("admin.void", "admin"),
}
ACT_HEARTBEAT = 0x91
ACT_VOID = 0x92

N_ACTIONS = 5      # table 2.6: 0..4
N_ACTORS = 6       # table 2.7: 0..5
N_ZONES = 14       # table 2.8: 0..13
MAX_DURATION = 1440
MAX_QUANTITY = 4095

F_SIDE_MASK = 0x1F     # bits 0..4
F_CLOCK_UNSET = 0x20   # bit 5
F_HAS_CELL = 0x40      # bit 6
F_HAS_OP = 0x80        # bit 7

# The canonical field set used by the JSON "record" objects.
RECORD_FIELDS = ("activity", "result", "action", "side", "clock_unset",
                 "start_min", "quantity", "duration_min", "zone", "actor",
                 "cell", "operation", "void_counter", "oldest_unacked",
                 "queue_depth")


def empty_record():
    r = {k: 0 for k in RECORD_FIELDS}
    r["cell"] = None
    r["operation"] = None
    return r


def is_admin(activity):
    return (activity >> 4) == 9


def record_length(activity, flags):
    """Exact length implied by activity and flags (sections 2.2, 2.3)."""
    if activity == ACT_VOID:
        return 12
    if activity == ACT_HEARTBEAT:
        return 14
    n = 13
    if flags & F_HAS_CELL:
        n += 2
    if flags & F_HAS_OP:
        n += 2
    return n


def _check_common(activity, result, action, flags):
    if activity not in ACTIVITIES:
        raise LofteError("unknown_activity", "activity 0x%02x" % activity)
    rset = ACTIVITIES[activity][1]
    if is_admin(activity):
        # "bits 6 and 7 must be 0 (reserved)".
        if flags & (F_HAS_CELL | F_HAS_OP):
            raise LofteError("reserved", "admin record with cell/operation flag")
        # ASSUMPTION: the document says admin "flag bits 0..4 are 0" without
        # naming the error; the `reserved` of the same sentence is used.
        if flags & F_SIDE_MASK:
            raise LofteError("reserved", "admin record with side-action flags")
        # ASSUMPTION: nonzero action on an admin record is `out_of_range`
        # (not named; a nonzero result is out_of_range by table 2.5).
        if action != 0:
            raise LofteError("out_of_range", "admin record with action %d" % action)
    if result >= RESULT_SETS[rset]:
        raise LofteError("out_of_range", "result %d for %s" % (result, rset))
    if action >= N_ACTIONS:
        raise LofteError("out_of_range", "action %d" % action)


def encode_record(r):
    """Record dict (RECORD_FIELDS) -> bytes.  Validates like the decoder."""
    rec = empty_record()
    rec.update(r)
    activity = rec["activity"]
    result, action = rec["result"], rec["action"]
    side = rec["side"]
    if not (isinstance(side, int) and 0 <= side <= F_SIDE_MASK):
        raise LofteError("out_of_range", "side %r" % (side,))
    if rec["clock_unset"] not in (0, 1, False, True):
        raise LofteError("out_of_range", "clock_unset %r" % (rec["clock_unset"],))
    for k in ("result", "action"):
        if not (isinstance(rec[k], int) and 0 <= rec[k] <= 15):
            raise LofteError("out_of_range", "%s %r" % (k, rec[k]))
    flags = side | (F_CLOCK_UNSET if rec["clock_unset"] else 0)
    admin = isinstance(activity, int) and is_admin(activity)
    if not admin:
        if rec["cell"] is not None:
            flags |= F_HAS_CELL
        if rec["operation"] is not None:
            flags |= F_HAS_OP
    elif rec["cell"] is not None or rec["operation"] is not None:
        raise LofteError("reserved", "admin record with cell/operation")
    if not (isinstance(activity, int) and 0 <= activity <= 255):
        raise LofteError("unknown_activity", "activity %r" % (activity,))
    _check_common(activity, result, action, flags)
    out = bytearray()
    out += bytes([RECORD_VERSION, activity, (result << 4) | action, flags])
    out += be(rec["start_min"], 4)
    if activity == ACT_VOID:
        vc = rec["void_counter"]
        if not (isinstance(vc, int) and 1 <= vc <= 0xFFFFFFFF):
            raise LofteError("out_of_range", "void_counter %r" % (vc,))
        out += be(vc, 4)
    elif activity == ACT_HEARTBEAT:
        out += be(rec["oldest_unacked"], 4)
        out += be(rec["queue_depth"], 2)
    else:
        q, d = rec["quantity"], rec["duration_min"]
        z, a = rec["zone"], rec["actor"]
        if not (isinstance(q, int) and 0 <= q <= MAX_QUANTITY):
            raise LofteError("out_of_range", "quantity %r" % (q,))
        if not (isinstance(d, int) and 0 <= d <= MAX_DURATION):
            raise LofteError("out_of_range", "duration %r" % (d,))
        if not (isinstance(z, int) and 0 <= z < N_ZONES):
            raise LofteError("out_of_range", "zone %r" % (z,))
        if not (isinstance(a, int) and 0 <= a < N_ACTORS):
            raise LofteError("out_of_range", "actor %r" % (a,))
        out += bytes([q >> 4, ((q & 0x0F) << 4) | (d >> 8), d & 0xFF])
        out += bytes([z])          # byte 11 (by elimination, see report)
        out += bytes([a << 4])     # byte 12, low nibble reserved
        if flags & F_HAS_CELL:
            c = rec["cell"]
            if not (isinstance(c, int) and 0 <= c < 0xFFFF):
                raise LofteError("out_of_range", "cell %r" % (c,))
            out += be(c, 2)
        if flags & F_HAS_OP:
            o = rec["operation"]
            if not (isinstance(o, int) and 1 <= o <= 0xFFFF):
                raise LofteError("out_of_range", "operation %r" % (o,))
            out += be(o, 2)
    assert len(out) == record_length(activity, flags)
    return bytes(out)


def decode_record(b):
    """Bytes -> record dict, validating everything section 2 says.

    ASSUMPTION (order of checks, which only changes the reason reported):
    version, then at least the 8-byte common part, activity, admin flag
    bits, exact length, result/action, then the type-specific fields.
    """
    b = bytes(b)
    if len(b) < 1:
        raise LofteError("truncated", "empty record")
    if b[0] != RECORD_VERSION:
        raise LofteError("bad_version", "record version %d" % b[0])
    if len(b) < 8:
        raise LofteError("truncated", "record of %d bytes" % len(b))
    activity, ra, flags = b[1], b[2], b[3]
    result, action = ra >> 4, ra & 0x0F
    if activity not in ACTIVITIES:
        raise LofteError("unknown_activity", "activity 0x%02x" % activity)
    if is_admin(activity) and flags & (F_HAS_CELL | F_HAS_OP):
        raise LofteError("reserved", "admin record with cell/operation flag")
    need = record_length(activity, flags)
    if len(b) < need:
        raise LofteError("truncated", "record %d bytes, needs %d" % (len(b), need))
    if len(b) > need:
        raise LofteError("too_long", "record %d bytes, needs %d" % (len(b), need))
    _check_common(activity, result, action, flags)
    r = empty_record()
    r.update(activity=activity, result=result, action=action,
             side=flags & F_SIDE_MASK,
             clock_unset=1 if flags & F_CLOCK_UNSET else 0,
             start_min=u32(b, 4))
    if activity == ACT_VOID:
        vc = u32(b, 8)
        if vc == 0:
            # ASSUMPTION: "void_counter is 1..2^32-1", error not named.
            raise LofteError("out_of_range", "void_counter 0")
        r["void_counter"] = vc
    elif activity == ACT_HEARTBEAT:
        r["oldest_unacked"] = u32(b, 8)
        r["queue_depth"] = u16(b, 12)
    else:
        q = (b[8] << 4) | (b[9] >> 4)
        d = ((b[9] & 0x0F) << 8) | b[10]
        z = b[11]
        if d > MAX_DURATION:
            raise LofteError("out_of_range", "duration %d" % d)
        if z >= N_ZONES:
            raise LofteError("out_of_range", "zone %d" % z)
        if b[12] & 0x0F:
            raise LofteError("reserved", "byte 12 low nibble 0x%x" % (b[12] & 0x0F))
        a = b[12] >> 4
        if a >= N_ACTORS:
            raise LofteError("out_of_range", "actor %d" % a)
        r.update(quantity=q, duration_min=d, zone=z, actor=a)
        i = 13
        if flags & F_HAS_CELL:
            c = u16(b, i)
            i += 2
            if c == 0xFFFF:
                raise LofteError("out_of_range", "cell 0xffff")
            r["cell"] = c
        if flags & F_HAS_OP:
            o = u16(b, i)
            i += 2
            if o == 0:
                raise LofteError("out_of_range", "operation 0")
            r["operation"] = o
    return r


# --------------------------------------------------------------------------
# Section 4: crypto.  AESCCM is the primary; ccm_by_hand() follows the text
# of section 4 literally and is used by the selftest to check that the text
# and the stock AES-CCM agree.

TAG_LEN = 8
NONCE_LEN = 13


def uplink_nonce(device, counter):
    return bytes([0x01]) + be(device, 4) + be(counter, 4) + bytes(4)


def ack_nonce(device, station_time, station):
    return bytes([0x02]) + be(device, 4) + be(station_time, 4) + be(station, 2) + bytes(2)


def _key(key):
    if len(key) != 16:
        raise LofteError("crypto", "key must be 16 bytes, got %d" % len(key))
    return bytes(key)


def ccm_seal(key, nonce, plaintext, aad):
    assert len(nonce) == NONCE_LEN
    return AESCCM(_key(key), tag_length=TAG_LEN).encrypt(nonce, bytes(plaintext), bytes(aad))


def ccm_open(key, nonce, ct_and_tag, aad):
    assert len(nonce) == NONCE_LEN
    try:
        return AESCCM(_key(key), tag_length=TAG_LEN).decrypt(nonce, bytes(ct_and_tag), bytes(aad))
    except InvalidTag:
        raise LofteError("bad_tag")


def ccm_by_hand(key, nonce, plaintext, aad):
    """AES-CCM exactly as section 4 words it (B0 flags 0x59, 2-byte lengths,
    counter blocks 0x01|nonce|i, tag = CBC-MAC xor S0, first 8 bytes)."""
    enc = Cipher(algorithms.AES(_key(key)), modes.ECB()).encryptor()

    def E(block):
        return enc.update(block)

    def xor(a, b):
        return bytes(x ^ y for x, y in zip(a, b))

    M, L = TAG_LEN, 15 - NONCE_LEN
    flags = 0x40 * (1 if aad else 0) | ((M - 2) // 2) << 3 | (L - 1)
    assert flags == 0x59 or not aad
    b0 = bytes([flags]) + nonce + len(plaintext).to_bytes(2, "big")
    x = E(b0)
    a = len(aad).to_bytes(2, "big") + bytes(aad) if aad else b""
    a += bytes(-len(a) % 16)
    for i in range(0, len(a), 16):
        x = E(xor(x, a[i:i + 16]))
    p = bytes(plaintext) + bytes(-len(plaintext) % 16)
    for i in range(0, len(p), 16):
        x = E(xor(x, p[i:i + 16]))
    t = x[:M]
    ct = bytearray()
    for i in range(0, len(plaintext), 16):
        s = E(bytes([L - 1]) + nonce + (i // 16 + 1).to_bytes(2, "big"))
        ct += xor(plaintext[i:i + 16], s)
    s0 = E(bytes([L - 1]) + nonce + (0).to_bytes(2, "big"))
    return bytes(ct) + xor(t, s0)


# --------------------------------------------------------------------------
# Section 3: the uplink frame

FRAME_VERSION = 1
TYPE_UPLINK = 1
TYPE_ACK = 2
UPLINK_MIN = 15 + 8
UPLINK_MAX = 15 + RECORD_MAX_LEN
ACK_LEN = 23


def _check_device(device):
    if device == 0 or device == 0xFFFFFFFF:
        raise LofteError("out_of_range", "device 0x%08x" % device)


def seal_uplink(key, device, counter, record):
    """record: dict or already-encoded bytes."""
    plain = record if isinstance(record, (bytes, bytearray)) else encode_record(record)
    if not (isinstance(counter, int) and 1 <= counter <= 0xFFFFFFFF):
        # ASSUMPTION: counter 0 is never used ("the first record gets 1").
        raise LofteError("out_of_range", "counter %r" % (counter,))
    be(device, 4)
    _check_device(device)
    aad = bytes([FRAME_VERSION << 4 | TYPE_UPLINK]) + be(device, 4) + be(counter & 0xFFFF, 2)
    return aad + ccm_seal(key, uplink_nonce(device, counter), plain, aad)


def uplink_header(frame):
    """Checks of section 3 done before any decryption.  Returns (device, ctr_low)."""
    frame = bytes(frame)
    if len(frame) < 1:
        raise LofteError("truncated", "empty frame")
    if frame[0] >> 4 != FRAME_VERSION:
        raise LofteError("bad_version", "frame version %d" % (frame[0] >> 4))
    if frame[0] & 0x0F != TYPE_UPLINK:
        raise LofteError("bad_type", "frame type %d" % (frame[0] & 0x0F))
    if len(frame) < UPLINK_MIN:
        raise LofteError("truncated", "uplink of %d bytes" % len(frame))
    if len(frame) > UPLINK_MAX:
        raise LofteError("too_long", "uplink of %d bytes" % len(frame))
    device = u32(frame, 1)
    _check_device(device)
    return device, u16(frame, 5)


def expand_counter(ref, ctr_low):
    """Section 5.2, transcribed literally."""
    cand = (ref & 0xFFFF0000) | ctr_low
    if cand > ref and cand - ref >= 32768 and cand >= 0x10000:
        cand -= 0x10000
    elif cand < ref and ref - cand > 32768 and cand < 0xFFFF0000:
        cand += 0x10000
    return cand


def open_uplink(key, frame, counter=None, ref=None):
    """Returns (device, counter, record dict, record bytes).

    Exactly one of counter (the full 32-bit counter, which must agree with
    the 16 bits on air) or ref (section 5.2, the window only) is given."""
    frame = bytes(frame)
    device, ctr_low = uplink_header(frame)
    if counter is None:
        counter = expand_counter(ref, ctr_low)
    if counter == 0:
        # Section 5.1: counter 0 is never valid; section 8 names it out_of_range.
        raise LofteError("out_of_range", "counter 0")
    if counter & 0xFFFF != ctr_low:
        # Section 8: stale, the full counter given does not match the header.
        raise LofteError("stale", "ctr_low 0x%04x does not match counter 0x%08x"
                         % (ctr_low, counter))
    plain = ccm_open(key, uplink_nonce(device, counter), frame[7:], frame[:7])
    return device, counter, decode_record(plain), plain


SEARCH_BLOCKS = 16   # section 5.2


def search_candidates(ref, ctr_low):
    """Section 5.2: the window's candidate, then 1..16 blocks of 65536 above
    it, never past 2^32 - 1; a candidate 0 is never tried."""
    first = expand_counter(ref, ctr_low)
    out = []
    for block in range(SEARCH_BLOCKS + 1):
        c = first + block * 0x10000
        if c > 0xFFFFFFFF:
            break
        if c != 0:
            out.append(c)
    return out


def find_uplink(key, frame, ref):
    """The receiver's open (section 5.2 with the search).  Returns
    (device, counter, record dict, tries).  A LofteError carries .tries (the
    tag checks spent) and, when a tag verified, .counter."""
    frame = bytes(frame)
    try:
        device, ctr_low = uplink_header(frame)
    except LofteError as e:
        e.tries, e.counter = 0, None
        raise
    tries = 0
    for c in search_candidates(ref, ctr_low):
        tries += 1
        try:
            plain = ccm_open(key, uplink_nonce(device, c), frame[7:], frame[:7])
        except LofteError as e:
            if e.reason == "bad_tag":
                continue
            raise
        try:
            return device, c, decode_record(plain), tries
        except LofteError as e:
            # Section 3: authentic but not decodable: the record's reason.
            e.tries, e.counter = tries, c
            raise
    e = LofteError("bad_tag", "no candidate of ref 0x%08x verifies" % ref)
    e.tries, e.counter = tries, None
    raise e


def station_header(frame):
    """Section 3 at the uplink receiver: an ack header is not_uplink at any
    length, before the length is judged."""
    frame = bytes(frame)
    if len(frame) >= 1 and frame[0] == (FRAME_VERSION << 4 | TYPE_ACK):
        raise LofteError("not_uplink", "ack header 0x12 at the uplink receiver")
    return uplink_header(frame)


# --------------------------------------------------------------------------
# Section 6: the ack

def seal_ack(key, device, station, station_time, acked):
    be(device, 4)
    _check_device(device)
    if not (isinstance(station, int) and 1 <= station <= 0xFFFF):
        raise LofteError("out_of_range", "station %r" % (station,))
    aad = bytes([FRAME_VERSION << 4 | TYPE_ACK]) + be(device, 4) + be(station, 2) + be(station_time, 4)
    return aad + ccm_seal(key, ack_nonce(device, station_time, station), be(acked, 4), aad)


def open_ack(key, frame):
    frame = bytes(frame)
    if len(frame) < 1:
        raise LofteError("truncated", "empty frame")
    if frame[0] >> 4 != FRAME_VERSION:
        raise LofteError("bad_version", "frame version %d" % (frame[0] >> 4))
    if frame[0] & 0x0F != TYPE_ACK:
        raise LofteError("bad_type", "frame type %d" % (frame[0] & 0x0F))
    if len(frame) < ACK_LEN:
        raise LofteError("truncated", "ack of %d bytes" % len(frame))
    if len(frame) > ACK_LEN:
        raise LofteError("too_long", "ack of %d bytes" % len(frame))
    device, station, station_time = u32(frame, 1), u16(frame, 5), u32(frame, 7)
    # ASSUMPTION: the device-pseudonym rule of section 3 applies to acks too.
    _check_device(device)
    if station == 0:
        raise LofteError("out_of_range", "station 0")
    plain = ccm_open(key, ack_nonce(device, station_time, station), frame[11:], frame[:11])
    return {"device": device, "station": station, "station_time": station_time,
            "acked": u32(plain, 0)}


# --------------------------------------------------------------------------
# Section 7.1: CRC-16/IBM-3740 and COBS framing

def crc16(data):
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            if crc & 0x8000:
                crc = ((crc << 1) ^ 0x1021) & 0xFFFF
            else:
                crc = (crc << 1) & 0xFFFF
    return crc


def cobs_encode(data):
    """Canonical COBS: a run of 254 non-zero bytes at the end of the input
    is 0xFF + the bytes, with no trailing 0x01."""
    out = bytearray()
    block = bytearray()
    last_was_ff = False
    for byte in data:
        if byte == 0:
            out.append(len(block) + 1)
            out += block
            block = bytearray()
            last_was_ff = False
        else:
            block.append(byte)
            if len(block) == 254:
                out.append(0xFF)
                out += block
                block = bytearray()
                last_was_ff = True
    if block or not last_was_ff:
        out.append(len(block) + 1)
        out += block
    return bytes(out)


def cobs_decode(enc):
    """Raises bad_cobs on a block that runs past the end or on a 0x00.

    ASSUMPTION: non-canonical input (e.g. a trailing 0x01 after a final
    0xFF block) is accepted; the document only says the *encoder* is
    canonical."""
    out = bytearray()
    i = 0
    n = len(enc)
    if n == 0:
        raise LofteError("bad_cobs", "empty")
    while i < n:
        code = enc[i]
        if code == 0:
            raise LofteError("bad_cobs", "zero code byte at %d" % i)
        if i + code > n:
            raise LofteError("bad_cobs", "block at %d runs past the end" % i)
        chunk = enc[i + 1:i + code]
        if 0 in chunk:
            raise LofteError("bad_cobs", "zero data byte")
        out += chunk
        i += code
        if code < 0xFF and i < n:
            out.append(0)
    return bytes(out)


SERIAL_MAX_PAYLOAD = 276
SERIAL_MAX_DECODED = SERIAL_MAX_PAYLOAD + 2   # 278
SERIAL_MAX_BETWEEN = 282                      # the C reader's buffer


def frame_serial(payload):
    payload = bytes(payload)
    body = payload + crc16(payload).to_bytes(2, "big")
    return b"\x00" + cobs_encode(body) + b"\x00"


def deframe_one(between):
    """The bytes between two delimiters (non-empty) -> payload."""
    if len(between) > SERIAL_MAX_BETWEEN:
        raise LofteError("too_long", "%d bytes between delimiters" % len(between))
    dec = cobs_decode(between)
    if len(dec) > SERIAL_MAX_DECODED:
        raise LofteError("too_long", "decodes to %d bytes" % len(dec))
    if len(dec) < 2:
        raise LofteError("truncated", "decodes to %d bytes" % len(dec))
    payload, crc = dec[:-2], u16(dec, len(dec) - 2)
    if crc16(payload) != crc:
        raise LofteError("bad_crc", "crc 0x%04x, computed 0x%04x" % (crc, crc16(payload)))
    return payload


def deframe_stream(wire):
    """A byte stream -> list of (payload or LofteError).  Empty frames between
    consecutive delimiters are skipped; a trailing half frame (no closing
    0x00) is left unread, as a reader would hold it."""
    results = []
    cur = bytearray()
    for byte in bytes(wire):
        if byte == 0:
            if cur:
                try:
                    results.append(deframe_one(bytes(cur)))
                except LofteError as e:
                    results.append(e)
            cur = bytearray()
        else:
            cur.append(byte)
    return results


# --------------------------------------------------------------------------
# Section 7.2: modem messages

MSG_VERSION = 1
MSG_RX, MSG_TX, MSG_TX_DONE, MSG_STATUS = 1, 2, 3, 4
BANDWIDTHS = (125, 250, 500)


def _check_len(p, lo, hi):
    if len(p) < lo:
        raise LofteError("truncated", "%d bytes, need %d" % (len(p), lo))
    if len(p) > hi:
        raise LofteError("too_long", "%d bytes, max %d" % (len(p), hi))


def decode_message(p):
    p = bytes(p)
    if len(p) < 1:
        raise LofteError("truncated", "empty message")
    if p[0] != MSG_VERSION:
        raise LofteError("bad_version", "message version %d" % p[0])
    if len(p) < 2:
        raise LofteError("truncated", "no type")
    t = p[1]
    m = {"type": t}
    if t == MSG_RX:
        _check_len(p, 22, 21 + 255)
        m.update(rx_time_ms=u64(p, 2), freq_hz=u32(p, 10), rssi_dbm=s16(p, 14),
                 snr_qdb=s8(p, 16), sf=p[17], bw_khz=u16(p, 18), cr=p[20],
                 frame=p[21:])
        if not 7 <= m["sf"] <= 12 or m["bw_khz"] not in BANDWIDTHS or not 5 <= m["cr"] <= 8:
            raise LofteError("out_of_range", "sf/bw/cr %d/%d/%d" % (m["sf"], m["bw_khz"], m["cr"]))
    elif t == MSG_TX:
        _check_len(p, 22, 21 + 255)
        m.update(seq=u16(p, 2), tx_at_ms=u64(p, 4), freq_hz=u32(p, 12), sf=p[16],
                 bw_khz=u16(p, 17), power_dbm=s8(p, 19), frame=p[21:])
        # Section 7.2's order: length, then the reserved byte, then ranges.
        if p[20] != 0:
            raise LofteError("reserved", "TX byte 20 = 0x%02x" % p[20])
        if not 7 <= m["sf"] <= 12 or m["bw_khz"] not in BANDWIDTHS:
            raise LofteError("out_of_range", "sf/bw %d/%d" % (m["sf"], m["bw_khz"]))
    elif t == MSG_TX_DONE:
        _check_len(p, 5, 5)
        m.update(seq=u16(p, 2), status=p[4])
        if m["status"] > 3:
            raise LofteError("out_of_range", "status %d" % m["status"])
    elif t == MSG_STATUS:
        _check_len(p, 18, 18)
        m.update(uptime_s=u32(p, 2), rx_frames=u32(p, 6), rx_crc_errors=u32(p, 10),
                 tx_frames=u32(p, 14))
    else:
        raise LofteError("bad_type", "message type %d" % t)
    return m


def encode_message(m):
    t = m["type"]
    out = bytearray([MSG_VERSION, t])
    if t == MSG_RX:
        out += be(m["rx_time_ms"], 8) + be(m["freq_hz"], 4) + be(m["rssi_dbm"], 2, True)
        out += be(m["snr_qdb"], 1, True) + be(m["sf"], 1) + be(m["bw_khz"], 2) + be(m["cr"], 1)
        out += m["frame"]
    elif t == MSG_TX:
        out += be(m["seq"], 2) + be(m["tx_at_ms"], 8) + be(m["freq_hz"], 4) + be(m["sf"], 1)
        out += be(m["bw_khz"], 2) + be(m["power_dbm"], 1, True) + b"\x00" + m["frame"]
    elif t == MSG_TX_DONE:
        out += be(m["seq"], 2) + be(m["status"], 1)
    elif t == MSG_STATUS:
        out += be(m["uptime_s"], 4) + be(m["rx_frames"], 4) + be(m["rx_crc_errors"], 4)
        out += be(m["tx_frames"], 4)
    else:
        raise LofteError("bad_type", "message type %r" % (t,))
    decode_message(out)   # validate
    return bytes(out)


# --------------------------------------------------------------------------
# Section 10: test vectors, copied from docs/protocol.md

V_KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
V_DEVICE = 0x8c3d91f4
V_COUNTER = 0x00012345
V_STATION = 0x0007


def _rec(**kw):
    r = empty_record()
    r.update(kw)
    return r


V_RECORDS = [
    ("R1 alcohol.screening", _rec(activity=0x11, result=0, action=0, side=0, clock_unset=0,
                                  start_min=2475150, quantity=37, duration_min=95, zone=12,
                                  actor=0, cell=0x2a17, operation=0x1f2e),
     "011100c00025c48e02505f0c002a171f2e"),
    ("R2 vehicle.a_traktor", _rec(activity=0x33, result=2, action=3, side=0x01 | 0x04,
                                  clock_unset=0, start_min=2474550, quantity=1, duration_min=12,
                                  zone=1, actor=0),
     "013323050025c23600100c0100"),
    ("R3 admin.void", _rec(activity=0x92, start_min=2475153, void_counter=0x00012344),
     "019200000025c49100012344"),
    ("R4 admin.heartbeat", _rec(activity=0x91, clock_unset=1, start_min=17,
                                oldest_unacked=0x00012340, queue_depth=6),
     "0191002000000011000123400006"),
    ("R5 youth.outreach, clock unset, operation only",
     _rec(activity=0x61, clock_unset=1, start_min=75, quantity=6, duration_min=90,
          zone=1, actor=3, operation=0x0042),
     "016100a00000004b00605a01300042"),
]

V_UPLINK = {
    "nonce": "018c3d91f40001234500000000",
    "aad": "118c3d91f42345",
    "ciphertext": "abb23158edb7b2e92dfa6b1f5e1e238c3a",
    "tag": "39f9e09766e912c8",
    "frame": "118c3d91f42345abb23158edb7b2e92dfa6b1f5e1e238c3a39f9e09766e912c8",
}
V_UPLINK_REF = 0x00012300

V_ACK = {
    "acked": 0x00012345, "station_time": 148509060,
    "nonce": "028c3d91f408da118400070000",
    "aad": "128c3d91f4000708da1184",
    "plaintext": "00012345",
    "ciphertext": "e37f73fe",
    "tag": "86d90753b0bb4ec3",
    "frame": "128c3d91f4000708da1184e37f73fe86d90753b0bb4ec3",
}

V_SERIAL = [
    ("serial RX", {"type": MSG_RX, "rx_time_ms": 1726345801234, "freq_hz": 868100000,
                   "rssi_dbm": -97, "snr_qdb": -29, "sf": 9, "bw_khz": 125, "cr": 5,
                   "frame": bytes.fromhex(V_UPLINK["frame"])},
     "010100000191f23a6e1233be27a0ff9fe309007d05"
     "118c3d91f42345abb23158edb7b2e92dfa6b1f5e1e238c3a39f9e09766e912c8",
     "00030101010f0191f23a6e1233be27a0ff9fe309257d05"
     "118c3d91f42345abb23158edb7b2e92dfa6b1f5e1e238c3a39f9e09766e912c88dff00",
     0x8dff),
    ("serial TX", {"type": MSG_TX, "seq": 513, "tx_at_ms": 1726345802234, "freq_hz": 869525000,
                   "sf": 9, "bw_khz": 125, "power_dbm": 14,
                   "frame": bytes.fromhex(V_ACK["frame"])},
     "0102020100000191f23a71fa33d3e60809007d0e00"
     "128c3d91f4000708da1184e37f73fe86d90753b0bb4ec3",
     "000501020201010c0191f23a71fa33d3e60809037d0e06"
     "128c3d91f4140708da1184e37f73fe86d90753b0bb4ec37df000",
     None),
    ("serial TX of the ack to the RX (10.4, timed by 3.1)",
     {"type": MSG_TX, "seq": 513, "tx_at_ms": 1726345803000, "freq_hz": 869525000,
      "sf": 9, "bw_khz": 125, "power_dbm": 14,
      "frame": bytes.fromhex("128c3d91f4000708da114bab7c9779224a0aadfeca9866")},
     "0102020100000191f23a74f833d3e60809007d0e00"
     "128c3d91f4000708da114bab7c9779224a0aadfeca9866",
     "000501020201010c0191f23a74f833d3e60809037d0e06"
     "128c3d91f4140708da114bab7c9779224a0aadfeca98662cac00",
     0x2cac),
    ("serial STATUS", {"type": MSG_STATUS, "uptime_s": 3600, "rx_frames": 120,
                       "rx_crc_errors": 3, "tx_frames": 40},
     "010400000e10000000780000000300000028",
     "0003010401030e10010102780101020301010428c93600",
     None),
    ("serial TX_DONE", {"type": MSG_TX_DONE, "seq": 513, "status": 0},
     "0103020100",
     "000501030201037dd000",
     None),
]


# 10.4: the gateway's ack to the RX vector, timed by section 3.1
V_RX_ACK = {"rx_time_ms": 1726345801234, "tx_at_ms": 1726345803000,
            "station_time": 148509003, "acked": 0x00012345,
            "nonce": "028c3d91f408da114b00070000",
            "frame": "128c3d91f4000708da114bab7c9779224a0aadfeca9866"}

# 10.8: record R2 at counters the receiver must search for:
# (counter, frame, ref, tamper, expected counter or reason, tag checks)
V_SEARCH_FRAMES = {
    0x00011170: "118c3d91f4117030d8b631dce427277ff1d5e953bbd93930159ee40e",
    0x00010000: "118c3d91f400009a66b3ab13e6295b25ae8b8d2e76b827599f1cc959",
    0x00042345: "118c3d91f423458734ae9e4dee325abd393f8e7892f59f892eda816a",
    0x00111170: "118c3d91f411705bc0a3c3f32cf93f9bd33a7b71c59714f932f2a323",
}
V_SEARCH = [
    (0x00011170, 0, False, 0x00011170, 2),
    (0x00010000, 0, False, 0x00010000, 1),
    (0x00042345, 0x00012345, False, 0x00042345, 4),
    (0x00011170, 70000, False, 0x00011170, 1),
    (0x00111170, 0, False, "bad_tag", 17),
    (0x00011170, 0, True, "bad_tag", 17),
    (0x00011170, 0xFFFF0000, False, "bad_tag", 1),
]


def _h(b):
    return bytes(b).hex()


def selftest():
    results = []

    def report(name, problems):
        ok = not problems
        results.append(ok)
        print("%s %s%s" % ("PASS" if ok else "FAIL", name,
                           "" if ok else "  (" + "; ".join(problems) + ")"))

    def attempt(problems, what, fn):
        try:
            return fn()
        except LofteError as e:
            problems.append("%s raised %s" % (what, e))
            return None

    # CRC check value (7.1)
    got = crc16(b"123456789")
    report("crc16 check value 0x29B1", [] if got == 0x29B1 else ["got 0x%04x" % got])

    # Records (10.1)
    for name, rec, hexv in V_RECORDS:
        p = []
        enc = attempt(p, "encode", lambda: encode_record(rec))
        if enc is not None and enc.hex() != hexv:
            p.append("encoded %s, document %s" % (enc.hex(), hexv))
        dec = attempt(p, "decode", lambda: decode_record(bytes.fromhex(hexv)))
        if dec is not None and dec != rec:
            p.append("decoded %r" % dec)
        report(name, p)

    # Uplink frame (10.2)
    p = []
    r1 = V_RECORDS[0][1]
    plain = bytes.fromhex(V_RECORDS[0][2])
    nonce = uplink_nonce(V_DEVICE, V_COUNTER)
    if nonce.hex() != V_UPLINK["nonce"]:
        p.append("nonce %s" % nonce.hex())
    frame = attempt(p, "seal", lambda: seal_uplink(V_KEY, V_DEVICE, V_COUNTER, r1))
    if frame is not None:
        if frame[:7].hex() != V_UPLINK["aad"]:
            p.append("aad %s" % frame[:7].hex())
        if frame[7:-8].hex() != V_UPLINK["ciphertext"]:
            p.append("ciphertext %s" % frame[7:-8].hex())
        if frame[-8:].hex() != V_UPLINK["tag"]:
            p.append("tag %s" % frame[-8:].hex())
        if frame.hex() != V_UPLINK["frame"] or len(frame) != 32:
            p.append("frame %s" % frame.hex())
    byhand = ccm_by_hand(V_KEY, nonce, plain, bytes.fromhex(V_UPLINK["aad"]))
    if byhand.hex() != V_UPLINK["ciphertext"] + V_UPLINK["tag"]:
        p.append("section-4 CCM by hand gives %s" % byhand.hex())
    out = attempt(p, "open", lambda: open_uplink(V_KEY, bytes.fromhex(V_UPLINK["frame"]),
                                                 ref=V_UPLINK_REF))
    if out is not None:
        dev, ctr, rec, _ = out
        if (dev, ctr) != (V_DEVICE, V_COUNTER):
            p.append("opened device/counter 0x%08x/0x%08x" % (dev, ctr))
        if rec != r1:
            p.append("opened record %r" % rec)
    report("uplink frame of R1 (10.2)", p)

    # Counter rebuild example (10.2)
    got = expand_counter(V_UPLINK_REF, 0x2345)
    report("counter rebuild ref 0x00012300 + 0x2345 (10.2)",
           [] if got == V_COUNTER else ["got 0x%08x" % got])

    # Ack (10.3)
    p = []
    nonce = ack_nonce(V_DEVICE, V_ACK["station_time"], V_STATION)
    if nonce.hex() != V_ACK["nonce"]:
        p.append("nonce %s" % nonce.hex())
    frame = attempt(p, "seal", lambda: seal_ack(V_KEY, V_DEVICE, V_STATION,
                                                V_ACK["station_time"], V_ACK["acked"]))
    if frame is not None:
        if frame[:11].hex() != V_ACK["aad"]:
            p.append("aad %s" % frame[:11].hex())
        if frame[11:15].hex() != V_ACK["ciphertext"]:
            p.append("ciphertext %s" % frame[11:15].hex())
        if frame[15:].hex() != V_ACK["tag"]:
            p.append("tag %s" % frame[15:].hex())
        if frame.hex() != V_ACK["frame"] or len(frame) != 23:
            p.append("frame %s" % frame.hex())
    byhand = ccm_by_hand(V_KEY, nonce, bytes.fromhex(V_ACK["plaintext"]),
                         bytes.fromhex(V_ACK["aad"]))
    if byhand.hex() != V_ACK["ciphertext"] + V_ACK["tag"]:
        p.append("section-4 CCM by hand gives %s" % byhand.hex())
    a = attempt(p, "open", lambda: open_ack(V_KEY, bytes.fromhex(V_ACK["frame"])))
    if a is not None and a != {"device": V_DEVICE, "station": V_STATION,
                               "station_time": V_ACK["station_time"], "acked": V_ACK["acked"]}:
        p.append("opened %r" % a)
    report("ack (10.3)", p)

    # Serial frames (10.4)
    for name, msg, phex, whex, crc in V_SERIAL:
        p = []
        pay = attempt(p, "encode_message", lambda: encode_message(msg))
        if pay is not None and pay.hex() != phex:
            p.append("payload %s" % pay.hex())
        payload = bytes.fromhex(phex)
        if crc is not None and crc16(payload) != crc:
            p.append("crc 0x%04x" % crc16(payload))
        wire = frame_serial(payload)
        if wire.hex() != whex:
            p.append("wire %s" % wire.hex())
        got = deframe_stream(bytes.fromhex(whex))
        if len(got) != 1 or isinstance(got[0], LofteError) or got[0] != payload:
            p.append("deframed %r" % (got,))
        m = attempt(p, "decode_message", lambda: decode_message(payload))
        if m is not None and m != msg:
            p.append("decoded %r" % m)
        report(name, p)

    # The gateway's ack to the RX (10.4): 3.1's timing, then 6's ack.
    p = []
    tx_at = -(-(V_RX_ACK["rx_time_ms"] + 1000) // 1000) * 1000
    if tx_at != V_RX_ACK["tx_at_ms"]:
        p.append("tx_at_ms %d" % tx_at)
    st_time = tx_at // 1000 - 1577836800
    if st_time != V_RX_ACK["station_time"]:
        p.append("station_time %d" % st_time)
    if ack_nonce(V_DEVICE, st_time, V_STATION).hex() != V_RX_ACK["nonce"]:
        p.append("nonce")
    frame = attempt(p, "seal", lambda: seal_ack(V_KEY, V_DEVICE, V_STATION, st_time,
                                                V_RX_ACK["acked"]))
    if frame is not None and frame.hex() != V_RX_ACK["frame"]:
        p.append("ack %s" % frame.hex())
    report("ack to the RX vector, timed by 3.1 (10.4)", p)

    # The search above the window (5.2, 10.8).
    r2 = V_RECORDS[1][1]
    p = []
    for ctr, fhex in V_SEARCH_FRAMES.items():
        f = attempt(p, "seal", lambda: seal_uplink(V_KEY, V_DEVICE, ctr, r2))
        if f is not None and f.hex() != fhex:
            p.append("counter 0x%08x sealed as %s" % (ctr, f.hex()))
    report("search frames (10.8)", p)
    for ctr, r, tamper, want, checks in V_SEARCH:
        f = bytearray.fromhex(V_SEARCH_FRAMES[ctr])
        if tamper:
            f[-1] ^= 1
        p = []
        try:
            _, got, rec, tries = find_uplink(V_KEY, bytes(f), r)
            if got != want or rec != r2:
                p.append("found 0x%08x" % got)
        except LofteError as e:
            got, tries = e.reason, e.tries
            if got != want:
                p.append("raised %s" % e)
        if tries != checks:
            p.append("%d tag checks, document %d" % (tries, checks))
        report("search: frame 0x%08x%s, ref 0x%08x -> %s in %d (10.8)"
               % (ctr, " tampered" if tamper else "", r, want if isinstance(want, str)
                  else "0x%08x" % want, checks), p)

    # A few negative checks that follow from the text.
    good = bytes.fromhex(V_UPLINK["frame"])
    negatives = [
        ("reject: flipped tag bit -> bad_tag", lambda: open_uplink(
            V_KEY, good[:-1] + bytes([good[-1] ^ 1]), counter=V_COUNTER), "bad_tag"),
        ("reject: wrong full counter -> bad_tag", lambda: open_uplink(
            V_KEY, good, counter=V_COUNTER + 0x10000), "bad_tag"),
        ("reject: version 2 -> bad_version", lambda: open_uplink(
            V_KEY, b"\x21" + good[1:], counter=V_COUNTER), "bad_version"),
        ("reject: ack as uplink -> bad_type", lambda: open_uplink(
            V_KEY, bytes.fromhex(V_ACK["frame"]), counter=V_COUNTER), "bad_type"),
        ("reject: ack header at 32 bytes -> bad_type (10.5)", lambda: open_uplink(
            V_KEY, b"\x12" + good[1:], counter=V_COUNTER), "bad_type"),
        ("reject: counter 0 -> out_of_range (10.5)", lambda: open_uplink(
            V_KEY, good[:5] + b"\x00\x00" + good[7:], counter=0), "out_of_range"),
        ("reject: counter not matching the header -> stale (8)", lambda: open_uplink(
            V_KEY, good, counter=V_COUNTER + 1), "stale"),
        ("reject: ack header at the station, 23 bytes -> not_uplink (3)", lambda:
            station_header(bytes.fromhex(V_ACK["frame"])), "not_uplink"),
        ("reject: ack header at the station, 27 bytes -> not_uplink (3)", lambda:
            station_header(b"\x12" + good[1:27]), "not_uplink"),
        ("reject: ack header at the station, 32 bytes -> not_uplink (3)", lambda:
            station_header(b"\x12" + good[1:]), "not_uplink"),
        ("reject: RX with n = 0 -> truncated (7.2)", lambda: decode_message(
            bytes.fromhex(V_SERIAL[0][2])[:21]), "truncated"),
        ("reject: TX reserved and SF 13 -> reserved first (7.2)", lambda: decode_message(
            bytes.fromhex(V_SERIAL[1][2])[:16] + b"\x0d" + bytes.fromhex(V_SERIAL[1][2])[17:20]
            + b"\x01" + bytes.fromhex(V_SERIAL[1][2])[21:]), "reserved"),
        ("reject: 33 bytes -> too_long", lambda: open_uplink(
            V_KEY, good + b"\x00", counter=V_COUNTER), "too_long"),
        ("reject: 22 bytes -> truncated", lambda: open_uplink(
            V_KEY, good[:22], counter=V_COUNTER), "truncated"),
        ("reject: record byte 12 low nibble -> reserved", lambda: decode_record(
            bytes.fromhex("011100c00025c48e02505f0c012a171f2e")), "reserved"),
        ("reject: record one byte short -> truncated", lambda: decode_record(
            bytes.fromhex("011100c00025c48e02505f0c002a171f")), "truncated"),
        ("reject: serial CRC flipped -> bad_crc", lambda: deframe_one(
            bytes.fromhex("0501030201037dd1")), "bad_crc"),
        ("reject: serial COBS overrun -> bad_cobs", lambda: deframe_one(
            bytes.fromhex("0901030201037dd0")), "bad_cobs"),
    ]
    for name, fn, reason in negatives:
        try:
            fn()
            report(name, ["accepted"])
        except LofteError as e:
            report(name, [] if e.reason == reason else ["got %s" % e])

    # COBS canonical edge (7.1): 254 non-zero bytes at the end.
    data = bytes(range(1, 255))
    enc = cobs_encode(data)
    p = [] if enc == b"\xff" + data and cobs_decode(enc) == data else ["got %s" % enc.hex()]
    enc2 = cobs_encode(data + b"\x00")
    if enc2 != b"\xff" + data + b"\x01\x01" or cobs_decode(enc2) != data + b"\x00":
        p.append("254+00 gives %s" % enc2.hex())
    report("cobs canonical 254-byte run (7.1)", p)

    failed = results.count(False)
    print("selftest: %d passed, %d failed" % (results.count(True), failed))
    return 1 if failed else 0


# --------------------------------------------------------------------------
# check FILE: differential test

def _norm_record(r):
    n = empty_record()
    for k in RECORD_FIELDS:
        if k in r:
            n[k] = r[k]
    if isinstance(n["clock_unset"], bool):
        n["clock_unset"] = int(n["clock_unset"])
    return n


def _hexb(s):
    return bytes.fromhex(s)


def check_line(obj):
    """Returns (ok, detail, warning-or-None)."""
    kind = obj.get("kind")
    if kind == "uplink":
        key, dev, ctr = _hexb(obj["key"]), obj["device"], obj["counter"]
        frame = _hexb(obj["frame"])
        want = _norm_record(obj["record"])
        problems = []
        try:
            mine = seal_uplink(key, dev, ctr, want)
            if mine != frame:
                problems.append("seal: mine %s, theirs %s" % (mine.hex(), frame.hex()))
        except LofteError as e:
            problems.append("seal raised %s" % e)
        try:
            d, c, rec, _ = open_uplink(key, frame, counter=ctr)
            if d != dev:
                problems.append("open: device 0x%08x, expected 0x%08x" % (d, dev))
            diff = {k: (rec[k], want[k]) for k in RECORD_FIELDS if rec[k] != want[k]}
            if diff:
                problems.append("open: field (decoded, given) %r" % diff)
        except LofteError as e:
            problems.append("open raised %s" % e)
        return not problems, "; ".join(problems), None
    if kind == "ack":
        key = _hexb(obj["key"])
        frame = _hexb(obj["frame"])
        want = {"device": obj["device"], "station": obj["station"],
                "station_time": obj["station_time"], "acked": obj["acked"]}
        problems = []
        try:
            mine = seal_ack(key, want["device"], want["station"], want["station_time"],
                            want["acked"])
            if mine != frame:
                problems.append("seal: mine %s, theirs %s" % (mine.hex(), frame.hex()))
        except LofteError as e:
            problems.append("seal raised %s" % e)
        try:
            got = open_ack(key, frame)
            if got != want:
                problems.append("open: got %r, expected %r" % (got, want))
        except LofteError as e:
            problems.append("open raised %s" % e)
        return not problems, "; ".join(problems), None
    if kind == "serial":
        payload, wire = _hexb(obj["payload"]), _hexb(obj["wire"])
        problems = []
        mine = frame_serial(payload)
        if mine != wire:
            problems.append("frame: mine %s, theirs %s" % (mine.hex(), wire.hex()))
        got = deframe_stream(wire)
        if len(got) != 1:
            problems.append("deframe: %d frames %r" % (len(got), got))
        elif isinstance(got[0], LofteError):
            problems.append("deframe raised %s" % got[0])
        elif got[0] != payload:
            problems.append("deframe: got %s" % got[0].hex())
        warn = None
        try:
            decode_message(payload)
        except LofteError as e:
            warn = "serial payload is not a valid 7.2 message (%s)" % e
        return not problems, "; ".join(problems), warn
    if kind == "expand":
        got = expand_counter(obj["ref"], obj["low"])
        ok = got == obj["counter"]
        return ok, "" if ok else "ref 0x%08x low 0x%04x: mine 0x%08x, theirs 0x%08x" % (
            obj["ref"], obj["low"], got, obj["counter"]), None
    if kind == "find":
        key, frame = _hexb(obj["key"]), _hexb(obj["frame"])
        try:
            _, c, rec, tries = find_uplink(key, frame, obj["ref"])
            got = c
        except LofteError as e:
            got, tries = e.reason, e.tries
        want = obj["result"]
        ok = got == want and tries == obj["tries"]
        return ok, "" if ok else "ref 0x%08x: mine %r in %d checks, theirs %r in %d" % (
            obj["ref"], got, tries, want, obj["tries"]), None
    if kind == "reject":
        frame, key = _hexb(obj["frame"]), _hexb(obj["key"])
        reason = obj.get("reason")
        try:
            if "counter" in obj and obj["counter"] is not None:
                _, c, _, _ = open_uplink(key, frame, counter=obj["counter"])
            else:
                _, c, _, _ = open_uplink(key, frame, ref=obj.get("ref", 0))
        except LofteError as e:
            if reason is not None and e.reason != reason:
                return True, "", "reject reason: mine %s, theirs %s" % (e.reason, reason)
            return True, "", None
        # Accepted: section 8's stale (a full counter that disagrees with the
        # header) would have been raised above, so this is a real mismatch.
        return False, "accepted a frame the other side rejected as %s (counter 0x%08x)" % (
            reason, c), None
    raise ValueError("unknown kind %r" % (kind,))


def check(path):
    stream = sys.stdin if path == "-" else open(path)
    passed = failed = 0
    warnings = []
    mismatches = []
    with stream:
        for lineno, line in enumerate(stream, 1):
            line = line.strip()
            if not line:
                continue
            obj = None
            try:
                obj = json.loads(line)
                ok, detail, warn = check_line(obj)
            except Exception as e:   # malformed line counts as a failure
                ok, detail, warn = False, "cannot check: %s: %s" % (type(e).__name__, e), None
            if warn:
                warnings.append("line %d: %s" % (lineno, warn))
            if ok:
                passed += 1
            else:
                failed += 1
                if len(mismatches) < 5:
                    mismatches.append("line %d (%s): %s\n    %s" % (
                        lineno, obj.get("kind") if isinstance(obj, dict) else "?", detail,
                        line[:400]))
    for m in mismatches:
        print("MISMATCH " + m)
    if warnings:
        for w in warnings[:5]:
            print("WARNING " + w)
        print("reference: %d warnings" % len(warnings))
    print("reference: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "selftest":
        return selftest()
    if len(argv) == 3 and argv[1] == "check":
        return check(argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
