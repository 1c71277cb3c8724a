#!/usr/bin/env python3
"""An independent check of Doormat's test vectors, written from docs/SPEC.md alone.

Pure Python 3: ristretto255 from RFC 9496, BLAKE2b from hashlib, ChaCha20 / XChaCha20-Poly1305
from RFC 8439 and the XChaCha draft, all standard library; for the trustee vectors (SPEC §10,
§11) X.509 and Ed25519 from `cryptography` (Debian's python3-cryptography). It shares no code
with the C++ library, so when both agree on every vector the specification says enough to
rebuild them.
Not constant time and not for keys: it only checks published vectors.

usage: check_vectors.py VECTOR_DIR
"""
import hashlib
import os
import struct
import sys

# ---------------------------------------------------------------- field and group (RFC 9496)

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752
SQRT_AD_MINUS_ONE = 25063068953384623474111414158702152701244531502492656460079210482610430750235
INVSQRT_A_MINUS_D = 54469307008909316920995813868745141605393597292927456921205312896311721017578
ONE_MINUS_D_SQ = 1159843021668779879193775521855586647937357759715417654439879720876111806838
D_MINUS_ONE_SQ = 40440834346308536858101042469323190826248399146238708352240133220865137265952


def neg(x):
    return x % P & 1 == 1


def fabs(x):
    return (-x) % P if neg(x) else x % P


def sqrt_ratio_m1(u, v):
    u, v = u % P, v % P
    r = (u * pow(v, 3, P)) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    check = v * r * r % P
    correct = check == u
    flipped = check == (-u) % P
    flipped_i = check == (-u * SQRT_M1) % P
    if flipped or flipped_i:
        r = r * SQRT_M1 % P
    return correct or flipped, fabs(r)


def decode(b):
    if len(b) != 32:
        return None
    s = int.from_bytes(b, "little")
    if s >= P or neg(s):
        return None
    ss = s * s % P
    u1, u2 = (1 - ss) % P, (1 + ss) % P
    u2_sqr = u2 * u2 % P
    v = (-(D * u1 * u1) - u2_sqr) % P
    was_square, invsqrt = sqrt_ratio_m1(1, v * u2_sqr)
    den_x = invsqrt * u2 % P
    den_y = invsqrt * den_x * v % P
    x = fabs(2 * s * den_x)
    y = u1 * den_y % P
    t = x * y % P
    if not was_square or neg(t) or y == 0:
        return None
    return (x, y, 1, t)


def encode(pt):
    X, Y, Z, T = pt
    u1 = (Z + Y) * (Z - Y) % P
    u2 = X * Y % P
    _, invsqrt = sqrt_ratio_m1(1, u1 * u2 * u2)
    den1, den2 = invsqrt * u1 % P, invsqrt * u2 % P
    z_inv = den1 * den2 * T % P
    if neg(T * z_inv):
        x, y, den_inv = Y * SQRT_M1 % P, X * SQRT_M1 % P, den1 * INVSQRT_A_MINUS_D % P
    else:
        x, y, den_inv = X, Y, den2
    if neg(x * z_inv):
        y = (-y) % P
    return fabs(den_inv * (Z - y)).to_bytes(32, "little")


def add(p1, p2):
    X1, Y1, Z1, T1 = p1
    X2, Y2, Z2, T2 = p2
    A = (Y1 - X1) * (Y2 - X2) % P
    B = (Y1 + X1) * (Y2 + X2) % P
    C = T1 * 2 * D * T2 % P
    Dd = Z1 * 2 * Z2 % P
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)


IDENTITY = (0, 1, 1, 0)


def mul(k, pt):
    acc = IDENTITY
    for bit in bin(k % L)[2:]:
        acc = add(acc, acc)
        if bit == "1":
            acc = add(acc, pt)
    return acc


def negate(pt):
    X, Y, Z, T = pt
    return ((-X) % P, Y, Z, (-T) % P)


def one_way_map(t):
    r = SQRT_M1 * t * t % P
    u = (r + 1) * ONE_MINUS_D_SQ % P
    v = (-1 - r * D) * (r + D) % P
    was_square, s = sqrt_ratio_m1(u, v)
    if not was_square:
        s = (-fabs(s * t)) % P
        c = r
    else:
        c = P - 1
    N = (c * (r - 1) * D_MINUS_ONE_SQ - v) % P
    w0, w1 = 2 * s * v % P, N * SQRT_AD_MINUS_ONE % P
    w2, w3 = (1 - s * s) % P, (1 + s * s) % P
    return (w0 * w3 % P, w2 * w1 % P, w1 * w3 % P, w0 * w2 % P)


def from_hash(b64):
    t1 = int.from_bytes(b64[:32], "little") & ((1 << 255) - 1)
    t2 = int.from_bytes(b64[32:], "little") & ((1 << 255) - 1)
    return add(one_way_map(t1 % P), one_way_map(t2 % P))


G = decode(bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"))

# ---------------------------------------------------------------- SPEC §2.2 hashing


def lp(x):
    return struct.pack(">I", len(x)) + x


def H(tag, inputs, n):
    return hashlib.blake2b(lp(tag.encode()) + b"".join(lp(x) for x in inputs), digest_size=n).digest()


def hash_to_scalar(tag, inputs):
    return int.from_bytes(H(tag, inputs, 64), "little") % L


GBAR = from_hash(H("doormat/v1/group/generator-bar", [], 64))


def scalar(b):
    v = int.from_bytes(b, "little")
    assert len(b) == 32 and v < L, "non-canonical scalar"
    return v


def sbytes(v):
    return (v % L).to_bytes(32, "little")


def point(b):
    pt = decode(b)
    assert pt is not None and b != bytes(32), "bad point"
    return pt


# ---------------------------------------------------------------- SPEC §3 formats


class Reader:
    def __init__(self, b, type_byte):
        assert b[:4] == b"DRMT" and b[4] == 1 and b[5] == type_byte, "bad header"
        self.b, self.i = b, 6

    def take(self, n):
        assert self.i + n <= len(self.b), "truncated"
        out = self.b[self.i:self.i + n]
        self.i += n
        return out

    def u(self, n):
        return int.from_bytes(self.take(n), "big")

    def end(self):
        assert self.i == len(self.b), "trailing bytes"


def header(type_byte):
    return b"DRMT" + bytes([1, type_byte])


def lagrange(indices, at=0):
    out = []
    for i in indices:
        num, den = 1, 1
        for j in indices:
            if j != i:
                num, den = num * (at - j) % L, den * (i - j) % L
        out.append(num * pow(den, L - 2, L) % L)
    return out


def parse_pk(b):
    r = Reader(b, 1)
    k, n, epoch = r.u(1), r.u(1), r.u(4)
    Y = point(r.take(32))
    Ys = [point(r.take(32)) for _ in range(n)]
    r.end()
    assert 1 <= k <= n
    base = list(range(1, k + 1))
    for at, want in [(0, Y)] + [(j, Ys[j - 1]) for j in range(k + 1, n + 1)]:
        acc = IDENTITY
        for lam, pt in zip(lagrange(base, at), Ys[:k]):
            acc = add(acc, mul(lam, pt))
        assert encode(acc) == encode(want), "inconsistent public key"
    return dict(k=k, n=n, epoch=epoch, Y=Y, Ys=Ys)


def parse_ct(b):
    r = Reader(b, 3)
    c = r.take(32)
    label = r.take(r.u(2))
    assert len(label) <= 1024
    u, ubar = point(r.take(32)), point(r.take(32))
    e, f = scalar(r.take(32)), scalar(r.take(32))
    r.end()
    return dict(c=c, L=label, u=u, ubar=ubar, e=e, f=f)


def encode_ct(ct):
    return (header(3) + ct["c"] + struct.pack(">H", len(ct["L"])) + ct["L"] + encode(ct["u"])
            + encode(ct["ubar"]) + sbytes(ct["e"]) + sbytes(ct["f"]))


def parse_partial(b):
    r = Reader(b, 4)
    epoch, i = r.u(4), r.u(1)
    assert i != 0
    ui = point(r.take(32))
    e, f = scalar(r.take(32)), scalar(r.take(32))
    r.end()
    return dict(epoch=epoch, i=i, ui=ui, e=e, f=f)


def parse_share(b):
    r = Reader(b, 2)
    epoch, i, x = r.u(4), r.u(1), scalar(r.take(32))
    r.end()
    assert i != 0 and x != 0
    return dict(epoch=epoch, i=i, x=x)


# ---------------------------------------------------------------- SPEC §4.3, §5


def dleq_challenge(tag, ctx, g1, h1, g2, h2, a1, a2):
    return hash_to_scalar(tag, list(ctx) + [encode(p) for p in (g1, h1, g2, h2, a1, a2)])


def dleq_verify(tag, ctx, g1, h1, g2, h2, e, f):
    a1 = add(mul(f, g1), negate(mul(e, h1)))
    a2 = add(mul(f, g2), negate(mul(e, h2)))
    return dleq_challenge(tag, ctx, g1, h1, g2, h2, a1, a2) == e


def dleq_prove(tag, ctx, g1, h1, g2, h2, x, s):
    e = dleq_challenge(tag, ctx, g1, h1, g2, h2, mul(s, g1), mul(s, g2))
    return e, (s + e * x) % L


def H1(pt):
    return H("doormat/v1/tdh2/kem-mask", [encode(pt)], 32)


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


def tdh2_encrypt(pk, K, label, r, s):
    c = xor(K, H1(mul(r, pk["Y"])))
    u, ubar = mul(r, G), mul(r, GBAR)
    e, f = dleq_prove("doormat/v1/tdh2/validity", [c, label], G, u, GBAR, ubar, r, s)
    return dict(c=c, L=label, u=u, ubar=ubar, e=e, f=f)


def tdh2_verify(ct):
    return dleq_verify("doormat/v1/tdh2/validity", [ct["c"], ct["L"]], G, ct["u"], GBAR, ct["ubar"], ct["e"], ct["f"])


def derive_r(K, label):
    return hash_to_scalar("doormat/v1/tdh2/recipient-r", [K, label])


def partial_ctx(epoch, i):
    return struct.pack(">IB", epoch, i)


def verify_partial(pk, ct, pd):
    if pd["i"] > pk["n"] or pd["epoch"] != pk["epoch"]:
        return False
    return dleq_verify("doormat/v1/tdh2/partial-proof", [partial_ctx(pd["epoch"], pd["i"])], G,
                       pk["Ys"][pd["i"] - 1], ct["u"], pd["ui"], pd["e"], pd["f"])


def combine(pk, ct, partials):
    assert tdh2_verify(ct)
    assert len({p["i"] for p in partials}) == len(partials), "duplicate"
    valid = sorted((p for p in partials if verify_partial(pk, ct, p)), key=lambda p: p["i"])
    cheaters = sorted(p["i"] for p in partials if not verify_partial(pk, ct, p))
    if len(valid) < pk["k"]:
        return None, cheaters, []
    used = valid[:pk["k"]]
    idx = [p["i"] for p in used]
    acc = IDENTITY
    for lam, p in zip(lagrange(idx), used):
        acc = add(acc, mul(lam, p["ui"]))
    return xor(ct["c"], H1(acc)), cheaters, idx


# ---------------------------------------------------------------- ChaCha20, XChaCha20-Poly1305


def _rotl(v, c):
    return ((v << c) & 0xFFFFFFFF) | (v >> (32 - c))


def _quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = _rotl(s[b] ^ s[c], 7)


def _rounds(state):
    w = list(state)
    for _ in range(10):
        for a, b, c, d in ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                           (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)):
            _quarter(w, a, b, c, d)
    return w


CONSTANTS = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]


def chacha20_block(key, counter, nonce12):
    state = CONSTANTS + list(struct.unpack("<8I", key)) + [counter] + list(struct.unpack("<3I", nonce12))
    w = _rounds(state)
    return struct.pack("<16I", *((w[i] + state[i]) & 0xFFFFFFFF for i in range(16)))


def chacha20_stream(key, nonce12, n, counter=0):
    out = b""
    while len(out) < n:
        out += chacha20_block(key, counter, nonce12)
        counter += 1
    return out[:n]


def hchacha20(key, nonce16):
    w = _rounds(CONSTANTS + list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16)))
    return struct.pack("<8I", *(w[0:4] + w[12:16]))


def poly1305(key, msg):
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s, acc = int.from_bytes(key[16:], "little"), 0
    for i in range(0, len(msg), 16):
        block = msg[i:i + 16] + b"\x01"
        acc = (acc + int.from_bytes(block, "little")) * r % (2**130 - 5)
    return ((acc + s) % 2**128).to_bytes(16, "little")


def xchacha20poly1305_decrypt(key, nonce24, body, ad):
    sub = hchacha20(key, nonce24[:16])
    nonce12 = b"\x00" * 4 + nonce24[16:]
    ct, tag = body[:-16], body[-16:]
    pad = lambda x: b"\x00" * (-len(x) % 16)
    mac_data = ad + pad(ad) + ct + pad(ct) + struct.pack("<QQ", len(ad), len(ct))
    if poly1305(chacha20_stream(sub, nonce12, 32), mac_data) != tag:
        return None
    return xor(ct, chacha20_stream(sub, nonce12, len(ct), counter=1))


# ---------------------------------------------------------------- vector files (SPEC §9.2)


# ---------------------------------------------------------------- SPEC §10, §11: the trustee's decision
#
# The one part that is not standard library: X.509 and Ed25519 come from `cryptography` (Debian's
# python3-cryptography, installed by scripts/common.sh). Everything Doormat defines on top of them
# (formats, hashes, the order of the checks, the budget, the log entry) is rebuilt from the SPEC.

WARRANT_SIGNING_OID = "1.3.6.1.4.1.32473.77.1.1"  # SPEC §10.3
REFUSAL_CODES = {"malformed_request": 0x80, "bad_agency_signature": 0x81, "stale_request": 0x82,
                 "replayed_nonce": 0x83, "warrant_refused": 0x84, "rate_limited": 0x85,
                 "source_over_budget": 0x86}  # SPEC §11.3
FIELD_REASONS = ["issued", "malformed escrow field", "escrow field fails the TDH2 validity check",
                 "session outside the warrant's targets or window", "warrant's session budget spent"]  # SPEC §11.3


def printable(b):
    return 1 <= len(b) <= 255 and all(c >= 0x20 and c != 0x7f for c in b)


def parse_label(b):
    r = Reader(b, 5)
    sender, recipient = r.take(r.u(1)), r.take(r.u(1))
    time, _ = r.u(8), r.take(16)
    r.end()
    assert printable(sender) and printable(recipient), "bad identity"
    return dict(sender=sender, recipient=recipient, time=time)


def parse_warrant(b):
    r = Reader(b, 7)
    w = dict(id=r.take(16), case=r.take(r.u(1)), court=r.take(r.u(1)))
    n = r.u(1)
    assert 1 <= n <= 64, "targets"
    w["targets"] = [r.take(r.u(1)) for _ in range(n)]
    w["start"], w["end"], w["max"], w["not_after"] = r.u(8), r.u(8), r.u(4), r.u(8)
    w["box"], w["sign"] = r.take(32), r.take(32)
    r.end()
    assert printable(w["case"]) and printable(w["court"]) and all(printable(t) for t in w["targets"])
    assert w["start"] <= w["end"] and w["max"] > 0
    return w


def parse_signed_warrant(b):
    r = Reader(b, 8)
    wlen = r.u(4)
    assert wlen <= 64 * 1024, "warrant too long"
    encoding = r.take(wlen)
    n = r.u(1)
    assert 1 <= n <= 16, "signature count"
    sigs = [(r.take(r.u(2)), r.take(64)) for _ in range(n)]
    r.end()
    return dict(encoding=encoding, warrant=parse_warrant(encoding), signatures=sigs)


def parse_request(b):
    assert len(b) <= 8 * 1024 * 1024
    r = Reader(b, 9)
    sw = r.take(r.u(4))
    assert len(sw) <= 64 * 1024
    nonce, time, n = r.take(16), r.u(8), r.u(2)
    assert 1 <= n <= 10000, "field count"
    fields = []
    for _ in range(n):
        f = r.take(r.u(2))
        assert len(f) <= 4096
        fields.append(f)
    sig = r.take(64)
    r.end()
    return dict(signed_warrant=sw, nonce=nonce, time=time, fields=fields, signature=sig,
                id=H("doormat/v1/request/agency-signature", [b[:-64]], 32))


def log_entry(time, request_id, warrant_hash, field_hash, decision, reason):
    reason = reason.encode()
    assert len(reason) <= 255
    return (header(0x0b) + struct.pack(">Q", time) + request_id + warrant_hash + field_hash + bytes([decision])
            + bytes([len(reason)]) + reason)


def _x509():
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    return x509, InvalidSignature, serialization, Ed25519PublicKey


def _unix(obj, name):
    import datetime
    value = getattr(obj, name + "_utc", None)  # cryptography >= 42
    if value is None:
        value = getattr(obj, name).replace(tzinfo=datetime.timezone.utc)
    return int(value.timestamp())


def ed25519_ok(key, signature, message):
    _, InvalidSignature, _, Ed25519PublicKey = _x509()
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


def warrant_refusal(sw, root_pem, crl_pem, judges_required, crl_floor, now):
    """SPEC §10.4 in its order; None if the warrant verifies, else why."""
    x509, InvalidSignature, serialization, Ed25519PublicKey = _x509()
    w = sw["warrant"]
    if now > w["not_after"]:
        return "expired"
    root = x509.load_pem_x509_certificate(root_pem)
    root_key = root.public_key()
    try:
        crl = x509.load_pem_x509_crl(crl_pem)
    except ValueError:
        return "CRL does not parse"
    if crl.issuer != root.subject:
        return "CRL not the root's"
    try:  # (crl.is_signature_valid refuses Ed25519 keys in Debian 12's cryptography 38)
        root_key.verify(crl.signature, crl.tbs_certlist_bytes)
    except InvalidSignature:
        return "CRL not signed by the root"
    if not _unix(crl, "last_update") <= now < _unix(crl, "next_update"):
        return "CRL not current"
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return "CRL without a number"
    if number < crl_floor:
        return "CRL older than the floor"
    judges = set()
    message = H("doormat/v1/warrant/judge-signature", [sw["encoding"]], 32)
    for der, signature in sw["signatures"]:
        cert = x509.load_der_x509_certificate(der)
        ext = cert.extensions
        try:
            bc = ext.get_extension_for_class(x509.BasicConstraints)
            ku = ext.get_extension_for_class(x509.KeyUsage)
            eku = ext.get_extension_for_class(x509.ExtendedKeyUsage)
        except x509.ExtensionNotFound:
            return "judge certificate states no judge's purpose"
        k = ku.value
        only_sign = (k.digital_signature and not (k.content_commitment or k.key_encipherment or k.data_encipherment
                                                  or k.key_agreement or k.key_cert_sign or k.crl_sign))
        if bc.value.ca or not ku.critical or not only_sign or [o.dotted_string for o in eku.value] != [WARRANT_SIGNING_OID]:
            return "judge certificate's purpose"
        if cert.issuer != root.subject:
            return "judge certificate does not chain to the root"
        try:
            root_key.verify(cert.signature, cert.tbs_certificate_bytes)
        except InvalidSignature:
            return "judge certificate not signed by the root"
        if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
            return "judge certificate revoked"
        for c in (cert, root):
            if not _unix(c, "not_valid_before") <= now <= _unix(c, "not_valid_after"):
                return "certificate not valid now"
        if not isinstance(cert.public_key(), Ed25519PublicKey):
            return "judge key is not Ed25519"
        key = cert.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if not ed25519_ok(key, signature, message):
            return "judge signature does not verify"
        judges.add(key)
    return None if len(judges) >= judges_required else "too few judges"


def decide(v, seen=None, over_budget=None, proven=None, rate=None, now=None, draws=None):
    """SPEC §11.2 from the vector's inputs (each overridable, for the negative checks)."""
    seen = hl(v, "seen_nonces") if seen is None else seen
    over_budget = v["source_over_budget"] == "1" if over_budget is None else over_budget
    proven = v["agency_proven"] == "1" if proven is None else proven
    rate = v["rate_allows"] == "1" if rate is None else rate
    now = int(v["now"]) if now is None else now
    draws = list(hl(v, "rng_draws")) if draws is None else list(draws)
    body = hx(v, "request")
    out = dict(refusal="none", authenticated=0, request_hash=H("doormat/v1/trustee/raw-request", [body], 32),
               warrant_hash=bytes(32), statuses=[], partials=[], log=[], record_nonce=b"", spend=0, prove=0,
               newly=[], draws_left=0)

    def refuse(code, reason=""):
        out["refusal"] = code
        if out["authenticated"]:  # before the warrant verified: counted, not logged (§11.2)
            out["log"] = [log_entry(now, out["request_hash"], out["warrant_hash"], bytes(32), REFUSAL_CODES[code], reason)]
        return out

    # 1. parse
    try:
        req = parse_request(body)
        sw = parse_signed_warrant(req["signed_warrant"])
    except AssertionError:
        return refuse("malformed_request")
    w = sw["warrant"]
    out["request_hash"] = req["id"]
    out["warrant_hash"] = H("doormat/v1/warrant/id-hash", [sw["encoding"]], 32)
    # 2. the agency's signature over the request id
    if not ed25519_ok(w["sign"], req["signature"], req["id"]):
        return refuse("bad_agency_signature")
    # 3. fresh and never seen
    if abs(now - req["time"]) > int(v["freshness_seconds"]):
        return refuse("stale_request")
    if w["sign"] + req["nonce"] in seen:
        return refuse("replayed_nonce")
    # 4. the source's refusal budget, unless the agency was proven
    if not proven and over_budget:
        return refuse("source_over_budget")
    # 5. the warrant
    if v["crl_readable"] != "1" or warrant_refusal(sw, hx(v, "root_pem"), hx(v, "crl_pem"), int(v["judges_required"]),
                                                   int(v["crl_number_floor"]), now) is not None:
        return refuse("warrant_refused")
    out["authenticated"], out["prove"] = 1, 1
    # 6. the agency's rate
    if not rate:
        return refuse("rate_limited", "rate limited")
    out["spend"], out["record_nonce"] = 1, req["nonce"]
    # 7. each field: parse with a label, validity, scope; then the budget in request order
    pk, share = parse_pk(hx(v, "public_key")), parse_share(hx(v, "key_share"))
    cts, hashes = [], []
    for field in req["fields"]:
        hashes.append(H("doormat/v1/envelope/escrow-field", [field], 32))
        try:
            ct = parse_ct(field)
            label = parse_label(ct["L"])
        except AssertionError:
            out["statuses"].append(1)
            cts.append(None)
            continue
        if not tdh2_verify(ct):
            status = 2
        elif not ((label["sender"] in w["targets"] or label["recipient"] in w["targets"])
                  and w["start"] <= label["time"] <= w["end"]):
            status = 3
        else:
            status = 0
        out["statuses"].append(status)
        cts.append(ct if status == 0 else None)
    opened_before = set(hl(v, "opened"))
    count = sum(1 for e in opened_before if e[:32] == out["warrant_hash"])
    now_opened = set()
    for i, ct in enumerate(cts):
        if ct is None or out["warrant_hash"] + hashes[i] in opened_before or hashes[i] in now_opened:
            continue  # a repeat costs nothing
        if count >= w["max"]:
            out["statuses"][i], cts[i] = 4, None
            continue
        count += 1
        now_opened.add(hashes[i])
        out["newly"].append(hashes[i])
    # the partial decryptions (SPEC §5.5), nonces drawn in field order: 64 bytes reduced mod L
    assert share["epoch"] == pk["epoch"] and share["i"] <= pk["n"]
    for i, ct in enumerate(cts):
        if ct is None:
            continue
        nonce = 0
        while nonce == 0:
            nonce = int.from_bytes(draws.pop(0), "little") % L
        ctx = partial_ctx(pk["epoch"], share["i"])
        ui = mul(share["x"], ct["u"])
        e, f = dleq_prove("doormat/v1/tdh2/partial-proof", [ctx], G, pk["Ys"][share["i"] - 1], ct["u"], ui,
                          share["x"], nonce)
        out["partials"].append(header(4) + ctx + encode(ui) + sbytes(e) + sbytes(f))
    out["draws_left"] = len(draws)
    out["log"] = [log_entry(now, out["request_hash"], out["warrant_hash"], hashes[i], s, FIELD_REASONS[s])
                  for i, s in enumerate(out["statuses"])]
    return out


TRUSTEE_SCENARIOS = ["issue_fields", "refuse_malformed", "refuse_bad_signature", "refuse_stale", "refuse_replayed_nonce",
                     "refuse_source_over_budget", "refuse_warrant_other_court", "refuse_warrant_expired",
                     "refuse_warrant_revoked_judge", "refuse_rate_limited", "field_out_of_scope_target",
                     "field_out_of_scope_window", "field_over_budget", "field_invalid", "field_malformed",
                     "refuse_two_checks_earlier_reason"]


def check_trustee(root, claim):
    for name in TRUSTEE_SCENARIOS:
        for v in load(root, "trustee/" + name):
            d = decide(v)
            claim("trustee/" + name + " decision", d["refusal"] == v["refusal"]
                  and d["authenticated"] == int(v["authenticated"]) and d["request_hash"] == hx(v, "request_hash")
                  and d["warrant_hash"] == hx(v, "warrant_hash") and d["statuses"] == il(v, "statuses"))
            claim("trustee/" + name + " partials", d["partials"] == hl(v, "issued_partials") and d["draws_left"] == 0)
            claim("trustee/" + name + " log entries", d["log"] == hl(v, "log"))
            claim("trustee/" + name + " state change", d["record_nonce"] == hx(v, "record_nonce")
                  and d["spend"] == int(v["spend_rate_token"]) and d["prove"] == int(v["prove_agency"])
                  and d["newly"] == hl(v, "newly_opened"))
    # Each warrant vector is refused by the check it is named after, not by an earlier one.
    for name, why in [("refuse_warrant_other_court", "judge certificate does not chain to the root"),
                      ("refuse_warrant_expired", "expired"), ("refuse_warrant_revoked_judge", "judge certificate revoked"),
                      ("issue_fields", None)]:
        v = load(root, "trustee/" + name)[0]
        sw = parse_signed_warrant(parse_request(hx(v, "request"))["signed_warrant"])
        claim("trustee/" + name + " warrant check", warrant_refusal(sw, hx(v, "root_pem"), hx(v, "crl_pem"), 1, 0,
                                                                    int(v["now"])) == why)
    # The check of the checks: the honest request, with one input changed per check, is refused
    # by this checker for that check's reason (so no check above passes for want of looking).
    v = load(root, "trustee/issue_fields")[0]
    req = parse_request(hx(v, "request"))
    agency = parse_signed_warrant(req["signed_warrant"])["warrant"]["sign"]
    now = int(v["now"])
    for what, kwargs, want in [
            ("stale", dict(now=now + 301), "stale_request"),
            ("replayed nonce", dict(seen=[agency + req["nonce"]]), "replayed_nonce"),
            ("source over budget", dict(over_budget=True), "source_over_budget"),
            ("proven agency passes the budget", dict(over_budget=True, proven=True), "none"),
            ("rate limited", dict(rate=False), "rate_limited")]:
        claim("trustee negative: " + what, decide(v, **kwargs)["refusal"] == want)
    body = hx(v, "request")
    for what, mutated, want in [("truncated", body[:-1], "malformed_request"),
                                ("signature bit", body[:-1] + bytes([body[-1] ^ 1]), "bad_agency_signature")]:
        claim("trustee negative: " + what, decide(dict(v, request=mutated.hex()))["refusal"] == want)
    # A different CRL floor than the CRL's number refuses the warrant; an unreadable CRL too.
    claim("trustee negative: CRL number below the floor", decide(dict(v, crl_number_floor="2"))["refusal"] == "warrant_refused")
    claim("trustee negative: CRL unreadable", decide(dict(v, crl_readable="0"))["refusal"] == "warrant_refused")
    claim("trustee negative: two judges required", decide(dict(v, judges_required="2"))["refusal"] == "warrant_refused")
    # The budget: with both fields already opened under this warrant, they cost nothing again.
    opened = [decide(v)["warrant_hash"] + h for h in hl(v, "newly_opened")]
    again = decide(dict(v, opened=",".join(o.hex() for o in opened)))
    claim("trustee: opened fields cost nothing again", again["statuses"] == [0, 0] and again["newly"] == [])


def load(root, scenario):
    vectors = []
    with open(os.path.join(root, scenario + ".vec"), encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line in ("[Valid]", "[Invalid]"):
                vectors.append({"valid": line == "[Valid]"})
                continue
            k, _, v = line.partition("=")
            vectors[-1][k.strip()] = v.strip()
    assert vectors, scenario + " is empty"
    return vectors


def hx(v, k):
    return bytes.fromhex(v[k])


def hl(v, k):
    return [bytes.fromhex(x) for x in v[k].split(",")] if v[k] else []


def il(v, k):
    return [int(x) for x in v[k].split(",")] if v[k] else []


def refused(fn):
    try:
        return not fn()
    except AssertionError:
        return True


def check(root):
    results = []

    def claim(name, ok):
        results.append((name, bool(ok)))

    for v in load(root, "group/generator_bar"):
        claim("G", encode(G) == hx(v, "generator"))
        claim("Gbar", encode(from_hash(H(v["tag"], [], 64))) == hx(v, "generator_bar"))
    for v in load(root, "group/hash_to_scalar"):
        claim("hash_to_scalar", sbytes(hash_to_scalar(v["tag"], hl(v, "inputs"))) == hx(v, "scalar"))
    for v in load(root, "group/scalar_non_canonical"):
        claim("scalar refused", refused(lambda: scalar(hx(v, "scalar")) is not None))
    for name in ("group/point_invalid_encoding", "group/point_identity"):
        for v in load(root, name):
            claim(name, refused(lambda: point(hx(v, "point")) is not None))
    for v in load(root, "group/point_bit_255_set"):
        # decode() reads all 256 bits, so s >= 2^255 > p refuses it; without the bit it is a point
        e = hx(v, "point")
        claim("group/point_bit_255_set", refused(lambda: point(e) is not None) and e[31] & 0x80
              and point(e[:31] + bytes([e[31] & 0x7f])) is not None)
    for v in load(root, "rng/deterministic_rng"):
        key = H("doormat/v1/test/rng", [v["seed"].encode()], 32)
        claim("rng", chacha20_stream(key, bytes(12), len(hx(v, "output"))) == hx(v, "output"))
    for v in load(root, "shamir/split"):
        coeffs, shares = [scalar(c) for c in hl(v, "coefficients")], [scalar(s) for s in hl(v, "shares")]
        claim("shamir/split", all(sum(c * i**j for j, c in enumerate(coeffs)) % L == s
                                  for i, s in enumerate(shares, start=1)))
    for v in load(root, "shamir/lagrange_at_zero"):
        claim("lagrange", [sbytes(x) for x in lagrange(il(v, "indices"))] == hl(v, "coefficients"))
    for v in load(root, "vss/feldman"):
        C = [point(c) for c in hl(v, "commitments")]
        i = int(v["index"])
        image = IDENTITY
        for j, c in enumerate(C):
            image = add(image, mul(i**j, c))
        claim("feldman", (encode(mul(scalar(hx(v, "share")), G)) == encode(image)) == v["valid"])
    for v in load(root, "dleq/prove"):
        pts = [point(hx(v, k)) for k in ("g1", "h1", "g2", "h2")]
        e, f = scalar(hx(v, "challenge")), scalar(hx(v, "response"))
        claim("dleq verify", dleq_verify(v["tag"], hl(v, "context"), *pts, e, f) == v["valid"])
        if v["valid"]:
            claim("dleq prove", dleq_prove(v["tag"], hl(v, "context"), *pts, scalar(hx(v, "witness")),
                                           scalar(hx(v, "nonce"))) == (e, f))
    for v in load(root, "tdh2/deal"):
        pk = parse_pk(hx(v, "public_key"))
        shares = [parse_share(s) for s in hl(v, "key_shares")]
        claim("deal", all(encode(mul(s["x"], G)) == encode(pk["Ys"][s["i"] - 1]) for s in shares))
    for name in ("tdh2/encrypt", "tdh2/encrypt_recipient_verifiable"):
        for v in load(root, name):
            pk, K, label = parse_pk(hx(v, "public_key")), hx(v, "session_key"), hx(v, "label")
            r, s = scalar(hx(v, "r")), scalar(hx(v, "s"))
            ct = tdh2_encrypt(pk, K, label, r, s)
            claim(name, encode_ct(ct) == hx(v, "ciphertext") and tdh2_verify(ct))
            if name.endswith("verifiable"):
                claim("derive_r", derive_r(K, label) == r)
    for v in load(root, "tdh2/check_recipient_wrong_key"):
        pk, ct, K = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext")), hx(v, "session_key")
        r = derive_r(K, ct["L"])
        claim("recipient check refuses", tdh2_verify(ct) and not (
            encode(mul(r, G)) == encode(ct["u"]) and xor(K, H1(mul(r, pk["Y"]))) == ct["c"]))
    for name in ("verify_tampered_c", "verify_tampered_u", "verify_tampered_ubar", "verify_tampered_e",
                 "verify_tampered_f", "verify_label_swapped"):
        for v in load(root, "tdh2/" + name):
            claim(name, refused(lambda: tdh2_verify(parse_ct(hx(v, "ciphertext")))))
    for name in ("decode_identity_u", "decode_non_canonical_u", "decode_non_canonical_f", "decode_truncated",
                 "decode_trailing_byte", "decode_wrong_version"):
        for v in load(root, "tdh2/" + name):
            claim(name, refused(lambda: parse_ct(hx(v, "ciphertext")) is not None))
    for v in load(root, "tdh2/partial_decrypt"):
        pk, ct, share = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext")), parse_share(hx(v, "key_share"))
        ui = mul(share["x"], ct["u"])
        e, f = dleq_prove("doormat/v1/tdh2/partial-proof", [partial_ctx(pk["epoch"], share["i"])], G,
                          pk["Ys"][share["i"] - 1], ct["u"], ui, share["x"], scalar(hx(v, "nonce")))
        want = header(4) + partial_ctx(pk["epoch"], share["i"]) + encode(ui) + sbytes(e) + sbytes(f)
        claim("partial_decrypt", want == hx(v, "partial"))
    for name in ("verify_partial_bad_proof", "verify_partial_wrong_value", "verify_partial_wrong_epoch"):
        for v in load(root, "tdh2/" + name):
            pk, ct = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext"))
            claim(name, refused(lambda: verify_partial(pk, ct, parse_partial(hx(v, "partial")))))
    for name in ("tdh2/combine", "tdh2/combine_blames_cheaters"):
        for v in load(root, name):
            pk, ct = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext"))
            K, cheaters, used = combine(pk, ct, [parse_partial(p) for p in hl(v, "partials")])
            claim(name, K == hx(v, "session_key") and cheaters == il(v, "cheaters") and used == il(v, "used"))
    for v in load(root, "tdh2/combine_not_enough_shares"):
        pk, ct = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext"))
        K, cheaters, _ = combine(pk, ct, [parse_partial(p) for p in hl(v, "partials")])
        claim("not enough shares", K is None and cheaters == il(v, "blame"))
    for v in load(root, "tdh2/combine_duplicate_party"):
        pk, ct = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext"))
        claim("duplicate refused", refused(lambda: combine(pk, ct, [parse_partial(p) for p in hl(v, "partials")])))
    for v in load(root, "label/session_label"):
        if v["valid"]:
            snd, rcp = v["sender"].encode(), v["recipient"].encode()
            want = header(5) + bytes([len(snd)]) + snd + bytes([len(rcp)]) + rcp + struct.pack(">Q", int(v["time"])) + hx(v, "session_id")
            claim("label", want == hx(v, "label"))
    for v in load(root, "envelope/seal"):
        pk, K, label = parse_pk(hx(v, "public_key")), hx(v, "session_key"), hx(v, "label")
        r = Reader(hx(v, "envelope"), 6)
        escrow = r.take(r.u(2))
        box, nonce, body = r.take(80), r.take(24), r.take(r.u(4))
        r.end()
        ct = tdh2_encrypt(pk, K, label, derive_r(K, label), scalar(hx(v, "s")))
        claim("envelope escrow field", encode_ct(ct) == escrow and nonce == hx(v, "aead_nonce"))
        ad = header(6) + H("doormat/v1/envelope/escrow-field", [escrow], 32) + label
        key = H("doormat/v1/envelope/aead-key", [K], 32)
        claim("envelope body", xchacha20poly1305_decrypt(key, nonce, body, ad) == hx(v, "plaintext"))
    for v in load(root, "envelope/open_swapped_escrow_field"):
        r = Reader(hx(v, "envelope"), 6)
        escrow = r.take(r.u(2))
        _, nonce, body = r.take(80), r.take(24), r.take(r.u(4))
        ad = header(6) + H("doormat/v1/envelope/escrow-field", [escrow], 32) + parse_ct(escrow)["L"]
        key = H("doormat/v1/envelope/aead-key", [hx(v, "session_key")], 32)
        claim("swapped field refused", xchacha20poly1305_decrypt(key, nonce, body, ad) is None)
    check_trustee(root, claim)
    return results


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    results = check(sys.argv[1])
    failed = [name for name, ok in results if not ok]
    for name in failed:
        print("FAILED:", name)
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
