#!/usr/bin/env python3
"""An independent check of Doormat's test vectors, written from docs/SPEC.md alone.

Pure Python 3: ristretto255 from RFC 9496, BLAKE2b, SHA-256 and SHA-512 from hashlib, ChaCha20 /
XChaCha20-Poly1305 from RFC 8439 and the XChaCha draft, X25519 from RFC 7748, HSalsa20 / XSalsa20
and crypto_box as SPEC §1.1 states them, Ed25519 from RFC 8032 and RFC 9162's proofs, all standard
library; for the trustee vectors (SPEC §10, §11) X.509 from `cryptography` (Debian's
python3-cryptography). It shares no code with the C++ library, so when both agree on every vector
the specification says enough to rebuild them.
Not constant time and not for keys: it only checks published vectors.

usage: check_vectors.py VECTOR_DIR
"""
import hashlib
import json
import os
import secrets
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
    def __init__(self, b, type_byte, version=1):
        assert b[:4] == b"DRMT" and b[4] == version and b[5] == type_byte, "bad header"
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


def header(type_byte, version=1):
    return b"DRMT" + bytes([version, type_byte])


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
    """SPEC 3.5: version 1 carries the validity proof as (e, f), version 2 as (w, wbar, f); the
    version byte alone picks the layout (a v1 body under v2 is truncated, a v2 body under v1 has
    trailing bytes, any other version is refused by the header check)."""
    version = b[4] if len(b) > 4 else 1
    r = Reader(b, 3, 2 if version == 2 else 1)
    c = r.take(32)
    label = r.take(r.u(2))
    assert len(label) <= 1024
    u, ubar = point(r.take(32)), point(r.take(32))
    if version == 2:
        w, wbar, f = point(r.take(32)), point(r.take(32)), scalar(r.take(32))
        r.end()
        return dict(version=2, c=c, L=label, u=u, ubar=ubar, w=w, wbar=wbar, f=f)
    e, f = scalar(r.take(32)), scalar(r.take(32))
    r.end()
    return dict(version=1, c=c, L=label, u=u, ubar=ubar, e=e, f=f)


def field_version(b):
    """The version byte of a listed escrow field (SPEC 3.1), to recompute it in its own version."""
    assert len(b) > 5 and b[4] in (1, 2), "bad header"
    return b[4]


def encode_ct(ct):
    head = (header(3, ct["version"]) + ct["c"] + struct.pack(">H", len(ct["L"])) + ct["L"] + encode(ct["u"])
            + encode(ct["ubar"]))
    if ct["version"] == 2:
        return head + encode(ct["w"]) + encode(ct["wbar"]) + sbytes(ct["f"])
    return head + sbytes(ct["e"]) + sbytes(ct["f"])


def parse_partial(b):
    """SPEC 3.7: version 1 carries the proof as (e_i, f_i), version 2 as (a1, a2, f_i)."""
    version = b[4] if len(b) > 4 else 1
    r = Reader(b, 4, 2 if version == 2 else 1)
    epoch, i = r.u(4), r.u(1)
    assert i != 0
    ui = point(r.take(32))
    if version == 2:
        a1, a2, f = point(r.take(32)), point(r.take(32)), scalar(r.take(32))
        r.end()
        return dict(version=2, epoch=epoch, i=i, ui=ui, a1=a1, a2=a2, f=f)
    e, f = scalar(r.take(32)), scalar(r.take(32))
    r.end()
    return dict(version=1, epoch=epoch, i=i, ui=ui, e=e, f=f)


def encode_partial_v2(epoch, i, ui, a1, a2, f):
    return header(4, 2) + partial_ctx(epoch, i) + encode(ui) + encode(a1) + encode(a2) + sbytes(f)


def partial_blame(b):
    """SPEC 6: a partial that fails is blamed on the index it names, if it names one (1..255)."""
    return [b[10]] if len(b) > 10 and b[10] != 0 else []


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


def same_point(p1, p2):
    return encode(p1) == encode(p2)


# SPEC 4.4: the form that carries its commitments; e is recomputed from them.
def dleq_prove_committed(tag, ctx, g1, h1, g2, h2, x, s):
    a1, a2 = mul(s, g1), mul(s, g2)
    e = dleq_challenge(tag, ctx, g1, h1, g2, h2, a1, a2)
    return a1, a2, (s + e * x) % L


def dleq_verify_committed(tag, ctx, g1, h1, g2, h2, a1, a2, f):
    if encode(a1) == bytes(32) or encode(a2) == bytes(32):
        return False
    e = dleq_challenge(tag, ctx, g1, h1, g2, h2, a1, a2)
    return same_point(mul(f, g1), add(a1, mul(e, h1))) and same_point(mul(f, g2), add(a2, mul(e, h2)))


def H1(pt):
    return H("doormat/v1/tdh2/kem-mask", [encode(pt)], 32)


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


VALIDITY = "doormat/v1/tdh2/validity"
VALIDITY_COMMITTED = "doormat/v1/tdh2/validity-committed"


def tdh2_encrypt(pk, K, label, r, s, version):
    """SPEC 5.2 in the given version: the same c, u, ubar from the same r; only the proof's form differs."""
    assert len(label) <= 1024
    c = xor(K, H1(mul(r, pk["Y"])))
    u, ubar = mul(r, G), mul(r, GBAR)
    if version == 2:
        w, wbar, f = dleq_prove_committed(VALIDITY_COMMITTED, [c, label], G, u, GBAR, ubar, r, s)
        return dict(version=2, c=c, L=label, u=u, ubar=ubar, w=w, wbar=wbar, f=f)
    e, f = dleq_prove(VALIDITY, [c, label], G, u, GBAR, ubar, r, s)
    return dict(version=1, c=c, L=label, u=u, ubar=ubar, e=e, f=f)


def field_cheap_ok(ct):
    """SPEC 5.3's checks without arithmetic (they guard fields built in memory; a parsed one passes)."""
    pts = [ct["u"], ct["ubar"]] + ([ct["w"], ct["wbar"]] if ct["version"] == 2 else [])
    return len(ct["L"]) <= 1024 and all(encode(p) != bytes(32) for p in pts)


def tdh2_verify(ct):
    """SPEC 5.3, either version, one field alone."""
    if not field_cheap_ok(ct):
        return False
    if ct["version"] == 2:
        return dleq_verify_committed(VALIDITY_COMMITTED, [ct["c"], ct["L"]], G, ct["u"], GBAR, ct["ubar"],
                                     ct["w"], ct["wbar"], ct["f"])
    return dleq_verify(VALIDITY, [ct["c"], ct["L"]], G, ct["u"], GBAR, ct["ubar"], ct["e"], ct["f"])


def field_equations(ct):
    """The two points of SPEC 5.3's version-2 equations: f G - w - e u and f Gbar - wbar - e ubar."""
    e = dleq_challenge(VALIDITY_COMMITTED, [ct["c"], ct["L"]], G, ct["u"], GBAR, ct["ubar"], ct["w"], ct["wbar"])
    eq1 = add(add(mul(ct["f"], G), negate(ct["w"])), negate(mul(e, ct["u"])))
    eq2 = add(add(mul(ct["f"], GBAR), negate(ct["wbar"])), negate(mul(e, ct["ubar"])))
    return eq1, eq2


def fields_batch_holds(batch):
    """SPEC 5.3's batch: sum rho_j (f_j G - w_j - e_j u_j) + sigma_j (f_j Gbar - wbar_j - e_j ubar_j)
    = identity, each equation with its own 128-bit weight (16 CSPRNG bytes, little-endian), drawn
    after the fields are in. Written as the sum it is, as batch_holds below."""
    acc = IDENTITY
    for ct in batch:
        assert ct["version"] == 2 and field_cheap_ok(ct)
        eq1, eq2 = field_equations(ct)
        rho = int.from_bytes(secrets.token_bytes(16), "little")
        sigma = int.from_bytes(secrets.token_bytes(16), "little")
        acc = add(acc, add(mul(rho, eq1), mul(sigma, eq2)))
    return encode(acc) == bytes(32)


def verify_all(cts, chunk=64):
    """SPEC 5.3's batch as a trustee runs it (11.2 step 7: batches of 64): the version-2 fields that
    pass the cheap checks in batches, one by one if a batch fails; version 1, and a batch of one,
    alone. Returns each field's verdict, which must be the verdict it gets alone."""
    verdict = [None] * len(cts)
    batch = [j for j, ct in enumerate(cts) if ct["version"] == 2 and field_cheap_ok(ct)]
    for start in range(0, len(batch), chunk):
        part = batch[start:start + chunk]
        if len(part) > 1 and fields_batch_holds([cts[j] for j in part]):
            for j in part:
                verdict[j] = True
            assert all(tdh2_verify(cts[j]) for j in part), "the field batch passed a bad proof"
    return [tdh2_verify(ct) if v is None else v for ct, v in zip(cts, verdict)]


def derive_r(K, label):
    return hash_to_scalar("doormat/v1/tdh2/recipient-r", [K, label])


def partial_ctx(epoch, i):
    return struct.pack(">IB", epoch, i)


PARTIAL_PROOF_COMMITTED = "doormat/v1/tdh2/partial-proof-committed"


def verify_partial(pk, ct, pd):
    if pd["i"] > pk["n"] or pd["epoch"] != pk["epoch"]:
        return False
    ctx = [partial_ctx(pd["epoch"], pd["i"])]
    if pd["version"] == 2:
        return dleq_verify_committed(PARTIAL_PROOF_COMMITTED, ctx, G, pk["Ys"][pd["i"] - 1], ct["u"], pd["ui"],
                                     pd["a1"], pd["a2"], pd["f"])
    return dleq_verify("doormat/v1/tdh2/partial-proof", ctx, G, pk["Ys"][pd["i"] - 1], ct["u"], pd["ui"],
                       pd["e"], pd["f"])


def batch_holds(pk, ct, batch):
    """SPEC 5.7: both equations of every version-2 proof, each with its own 128-bit weight from a
    CSPRNG, summed: sum rho_i (f_i G - a1_i - e_i Y_i) + sigma_i (f_i u - a2_i - e_i u_i) = identity.
    Written as the sum it is (no multi-scalar algorithm): an independent statement of the rule."""
    acc = IDENTITY
    for p in batch:
        if p["i"] > pk["n"] or p["epoch"] != pk["epoch"]:
            return False
        Yi = pk["Ys"][p["i"] - 1]
        e = dleq_challenge(PARTIAL_PROOF_COMMITTED, [partial_ctx(p["epoch"], p["i"])], G, Yi, ct["u"], p["ui"],
                           p["a1"], p["a2"])
        rho, sigma = secrets.randbits(128), secrets.randbits(128)
        eq1 = add(add(mul(p["f"], G), negate(p["a1"])), negate(mul(e, Yi)))
        eq2 = add(add(mul(p["f"], ct["u"]), negate(p["a2"])), negate(mul(e, p["ui"])))
        acc = add(acc, add(mul(rho, eq1), mul(sigma, eq2)))
    return encode(acc) == bytes(32)


def combine(pk, ct, partials):
    assert tdh2_verify(ct)
    assert len({p["i"] for p in partials}) == len(partials), "duplicate"
    # version 2 in one batch; only if it fails, one by one (so every cheater is still named)
    batch = [p for p in partials if p["version"] == 2]
    batch_ok = bool(batch) and batch_holds(pk, ct, batch)
    ok = {p["i"]: (batch_ok and p["version"] == 2) or verify_partial(pk, ct, p) for p in partials}
    assert not batch_ok or all(verify_partial(pk, ct, p) for p in batch), "the batch passed a bad proof"
    valid = sorted((p for p in partials if ok[p["i"]]), key=lambda p: p["i"])
    cheaters = sorted(p["i"] for p in partials if not ok[p["i"]])
    if len(valid) < pk["k"]:
        return None, cheaters, []
    used = valid[:pk["k"]]
    idx = [p["i"] for p in used]
    acc = IDENTITY
    for lam, p in zip(lagrange(idx), used):
        acc = add(acc, mul(lam, p["ui"]))
    return xor(ct["c"], H1(acc)), cheaters, idx



# ---------------------------------------------------------------- SPEC §12 distributed key generation

DKG_TYPES = {0x0d: "deal", 0x0e: "share", 0x0f: "complaint", 0x10: "extraction", 0x11: "justification", 0x12: "reveal"}


def any_point(b):
    pt = decode(b)  # the identity parses here; the protocol refuses it (§12.3)
    assert pt is not None, "bad point"
    return pt


def parse_dkg(b):
    """A DKG message (§12.3) as a dict with its kind; every field read and bounds-checked."""
    kind = DKG_TYPES.get(b[5] if len(b) > 5 else -1)
    assert kind, "not a DKG message"
    r = Reader(b, b[5])
    m = dict(kind=kind, raw=b)
    if kind in ("deal", "extraction"):
        m["from"] = r.u(1)
        m["C"] = [any_point(r.take(32)) for _ in range(r.u(1))]
    elif kind == "complaint":
        m["from"], m["against"], has = r.u(1), r.u(1), r.u(1)
        assert has in (0, 1)
        m["evidence"] = dict(zip(("from", "to", "s", "sp"), (r.u(1), r.u(1), scalar(r.take(32)), scalar(r.take(32))))) if has else None
    else:
        names = ("from", "dealer") if kind == "reveal" else ("from", "to")
        m[names[0]], m[names[1]], m["s"], m["sp"] = r.u(1), r.u(1), scalar(r.take(32)), scalar(r.take(32))
    r.end()
    assert m["from"] != 0
    return m


def poly(c, x):
    return sum(a * pow(x, j, L) for j, a in enumerate(c)) % L


def image(C, j, first=0):
    acc = IDENTITY
    for m, c in enumerate(C):
        acc = add(acc, mul(pow(j, m + first, L), c))
    return acc


def same(p1, p2):
    return encode(p1) == encode(p2)


def feldman_ok(C, j, s, first=0):
    return same(mul(s, G), image(C, j, first))


def pedersen_ok(C, j, s, sp):
    return same(add(mul(s, G), mul(sp, GBAR)), image(C, j))


def deal_bytes(kind_byte, i, C):
    return header(kind_byte) + bytes([i, len(C)]) + b"".join(encode(c) for c in C)


def dkg_run(v, claim):
    """Replays a listed run from the specification: recomputes every dealer's commitments and shares
    from its listed polynomials, the complaints each party must send, QUAL, the extraction phase
    and the rebuild of a cheater, then Y, every Y_l and every x_l."""
    proto, k, n = v["protocol"], int(v["k"]), int(v["n"])
    gjkr, refresh = proto == "gjkr", proto == "refresh"
    rounds = ["deal", "complain", "justify"] + (["extract", "extract_complain", "reveal"] if gjkr else [])
    claim("dkg rounds listed", {x for x in v if x.startswith("messages_")} == {"messages_" + r for r in rounds})
    msgs = {r: [parse_dkg(b) for b in hl(v, "messages_" + r)] for r in rounds}
    f = {i: [scalar(c) for c in hl(v, f"coefficients_{i}")] for i in range(1, n + 1)}
    fp = {i: [scalar(c) for c in hl(v, f"coefficients_prime_{i}")] if gjkr else [0] * k for i in range(1, n + 1)}
    claim("dkg polynomials", all(len(f[i]) == k and (not refresh or f[i][0] == 0) for i in f))
    finishing = il(v, "finishing")

    def commit(i):
        if gjkr:
            return [add(mul(a, G), mul(b, GBAR)) for a, b in zip(f[i], fp[i])]
        return [mul(a, G) for a in (f[i][1:] if refresh else f[i])]

    def share_ok(C, j, s, sp):
        return pedersen_ok(C, j, s, sp) if gjkr else feldman_ok(C, j, s, 1 if refresh else 0)

    # Round deal: the first deal of each dealer is its own; a second, different one is equivocation.
    deals, disq, shares = {}, {}, {}
    for m in msgs["deal"]:
        if m["kind"] == "share":
            shares[(m["from"], m["to"])] = m
            continue
        i = m["from"]
        if i in deals:
            if [encode(c) for c in deals[i]] != [encode(c) for c in m["C"]]:
                disq.setdefault(i, "equivocation")
        elif len(m["C"]) != (k - 1 if refresh else k) or any(encode(c) == bytes(32) for c in m["C"]):
            disq.setdefault(i, "malformed deal")
        else:
            deals[i] = m["C"]
            claim("dkg deal recomputed", m["raw"] == deal_bytes(0x0d, i, commit(i)))
    for (i, j), m in shares.items():
        want = header(0x0e) + bytes([i, j]) + sbytes(poly(f[i], j)) + sbytes(poly(fp[i], j) if gjkr else 0)
        claim("dkg share recomputed", m["raw"] == want)
    claim("dkg every share sent", set(shares) == {(i, j) for i in f for j in f if i != j})
    # Round complain: j complains against i exactly when its share fails i's commitments.
    expected = sorted((j, i) for i in deals for j in f if i != j and i not in disq and (i, j) in shares
                      and not share_ok(deals[i], j, shares[(i, j)]["s"], shares[(i, j)]["sp"]))
    claim("dkg complaints", sorted((c["from"], c["against"]) for c in msgs["complain"]) == expected)
    # Round justify: more than k-1 complaints, no answer, or a wrong answer disqualifies.
    received = {(i, j): (poly(f[i], j), poly(fp[i], j) if gjkr else 0) for i in f for j in f}
    for i in sorted(deals):
        against = sorted({c["from"] for c in msgs["complain"] if c["against"] == i})
        if not against or i in disq:
            continue
        if len(against) > k - 1:
            disq[i] = "complaints"
            continue
        for j in against:
            ans = [x for x in msgs["justify"] if x["from"] == i and x["to"] == j]
            if not ans or not share_ok(deals[i], j, ans[0]["s"], ans[0]["sp"]):
                disq[i] = "justification"
                break
            received[(i, j)] = (ans[0]["s"], ans[0]["sp"])
    qual = [i for i in sorted(f) if i in deals and i not in disq]
    claim("dkg qualified", qual == il(v, "qualified") and sorted(disq) == il(v, "disqualified"))

    Y, Ys = IDENTITY, [IDENTITY] * n
    for i in qual:
        if not gjkr:
            if not refresh:
                Y = add(Y, deals[i][0])
            Ys = [add(Ys[l - 1], image(deals[i], l, 1 if refresh else 0)) for l in range(1, n + 1)]
    if gjkr:
        A = {e["from"]: e["C"] for e in msgs["extract"]}
        claim("dkg extractions from QUAL", sorted(A) == qual)
        for i in qual:
            if i not in finishing:
                continue
            claim("dkg extraction recomputed", [encode(c) for c in A[i]] == [encode(mul(a, G)) for a in f[i]])
        # Round extract_complain: j complains, with its share, when it fails A_i; the evidence must
        # hold under E_i and fail under A_i.
        expected = sorted((j, i) for i in qual for j in qual if j != i and j in finishing
                          and not feldman_ok(A[i], j, received[(i, j)][0]))
        claim("dkg extraction complaints", sorted((c["from"], c["against"]) for c in msgs["extract_complain"]) == expected)
        accused = set()
        for c in msgs["extract_complain"]:
            e, i = c["evidence"], c["against"]
            claim("dkg extraction evidence", e and e["from"] == i and e["to"] == c["from"]
                  and pedersen_ok(deals[i], c["from"], e["s"], e["sp"]) and not feldman_ok(A[i], c["from"], e["s"]))
            accused.add(i)
        # Every reveal of the transcript was accepted: each is the holder's true share of the accused (4.2).
        claim("dkg every reveal verifies", all(r["dealer"] in accused and pedersen_ok(deals[r["dealer"]], r["from"], r["s"], r["sp"])
                                               for r in msgs["reveal"]))
        for i in qual:
            if i in accused:
                shown = sorted((r["from"], r["s"]) for r in msgs["reveal"] if r["dealer"] == i
                               and pedersen_ok(deals[i], r["from"], r["s"], r["sp"]))
                claim("dkg enough reveals", len(shown) >= k)
                idx = [h for h, _ in shown[:k]]
                at = lambda x: mul(sum(lam * s for lam, (_, s) in zip(lagrange(idx, x), shown[:k])) % L, G)
                claim("dkg rebuilt polynomial is the dealt one", same(at(0), mul(f[i][0], G)))
                Y = add(Y, at(0))
                Ys = [add(Ys[l - 1], at(l)) for l in range(1, n + 1)]
            else:
                Y = add(Y, A[i][0])
                Ys = [add(Ys[l - 1], image(A[i], l)) for l in range(1, n + 1)]
    xs = {l: sum(received[(i, l)][0] for i in qual) % L for l in f}
    epoch = 0
    if refresh:
        old = parse_pk(hx(v, "previous_public_key"))
        old_shares = {s["i"]: s for s in (parse_share(b) for b in hl(v, "previous_key_shares"))}
        Y, epoch = old["Y"], old["epoch"] + 1
        Ys = [add(a, b) for a, b in zip(Ys, old["Ys"])]
        xs = {l: (xs[l] + old_shares[l]["x"]) % L for l in xs}
    pk = header(1) + bytes([k, n]) + struct.pack(">I", epoch) + encode(Y) + b"".join(encode(y) for y in Ys)
    claim("dkg public key", pk == hx(v, "public_key"))
    parse_pk(pk)  # and it is one polynomial's
    claim("dkg key shares", [header(2) + struct.pack(">IB", epoch, l) + sbytes(xs[l]) for l in finishing] == hl(v, "key_shares"))
    claim("dkg shares match their keys", all(same(mul(xs[l], G), Ys[l - 1]) for l in finishing))


def dkg_reshare_run(v, claim):
    """Replays a resharing refresh (SPEC §12.7) from the specification: the split keys, each dealer's
    a_0 = lambda_j^D x_j and C_j0 = lambda_j^D Y_j of the dealers' epoch, every share against its
    dealer's k commitments, the complaints, then x'_l = sum mu_j f_j(l), Y = sum mu_j C_j0 and
    Y'_l = sum mu_j F_j(l) with mu_j = lambda_j^QUAL / lambda_j^D, at epoch e + 1."""
    k, n = int(v["k"]), int(v["n"])
    D, e = il(v, "dealers"), int(v["from_epoch"])
    claim("reshare rounds listed", {x for x in v if x.startswith("messages_")} == {"messages_deal", "messages_complain", "messages_justify"})
    msgs = {r: [parse_dkg(b) for b in hl(v, "messages_" + r)] for r in ("deal", "complain", "justify")}
    keys = [parse_pk(b) for b in hl(v, "previous_public_keys")]
    olds = [parse_share(b) for b in hl(v, "previous_key_shares")]
    claim("reshare one key per party", len(keys) == len(olds) == n and [s["i"] for s in olds] == list(range(1, n + 1)))
    claim("reshare shares match their own keys", all(same(mul(olds[l]["x"], G), keys[l]["Ys"][l]) and olds[l]["epoch"] == keys[l]["epoch"]
                                                     for l in range(n)))
    Y = keys[0]["Y"]
    claim("reshare one authority key Y", all(same(pk["Y"], Y) and pk["k"] == k and pk["n"] == n for pk in keys))
    claim("reshare dealers: at least k, increasing, of epoch e", len(D) >= k and D == sorted(set(D))
          and all(keys[j - 1]["epoch"] == e for j in D))
    claim("reshare the others below e (split)", all(keys[l - 1]["epoch"] < e for l in range(1, n + 1) if l not in D))
    at_e = keys[D[0] - 1]
    lam_D = dict(zip(D, lagrange(D)))
    f = {j: [scalar(c) for c in hl(v, f"coefficients_{j}")] for j in D}
    claim("reshare only dealers list polynomials", not any(f"coefficients_{l}" in v for l in range(1, n + 1) if l not in D))
    claim("reshare a_0 = lambda_j^D x_j", all(len(f[j]) == k and f[j][0] == lam_D[j] * olds[j - 1]["x"] % L for j in D))
    deals, disq, shares = {}, {}, {}
    for m in msgs["deal"]:
        if m["kind"] == "share":
            shares[(m["from"], m["to"])] = m
            continue
        j = m["from"]
        claim("reshare deals from D only", j in D)
        C = [mul(a, G) for a in f[j]]
        claim("reshare deal recomputed", m["raw"] == deal_bytes(0x0d, j, C))
        if not same(m["C"][0], mul(lam_D[j], at_e["Ys"][j - 1])):
            disq.setdefault(j, "C_0 is not lambda Y_j")
        deals[j] = m["C"]
    for (i, j), m in shares.items():
        claim("reshare share recomputed", m["raw"] == header(0x0e) + bytes([i, j]) + sbytes(poly(f[i], j)) + sbytes(0))
    claim("reshare every share sent, to all n", set(shares) == {(i, j) for i in D for j in range(1, n + 1) if i != j})
    expected = sorted((j, i) for i in deals for j in range(1, n + 1) if i != j and not feldman_ok(deals[i], j, shares[(i, j)]["s"]))
    claim("reshare complaints", sorted((c["from"], c["against"]) for c in msgs["complain"]) == expected)
    claim("reshare no complaint, no justification", expected == [] and msgs["justify"] == [])
    qual = [j for j in D if j in deals and j not in disq]
    claim("reshare qualified", qual == il(v, "qualified") and sorted(disq) == il(v, "disqualified") and len(qual) >= k)
    lam_Q = dict(zip(qual, lagrange(qual)))
    mu = {j: lam_Q[j] * pow(lam_D[j], L - 2, L) % L for j in qual}
    Ysum, Ys = IDENTITY, [IDENTITY] * n
    for j in qual:
        Ysum = add(Ysum, mul(mu[j], deals[j][0]))
        Ys = [add(Ys[l - 1], mul(mu[j], image(deals[j], l))) for l in range(1, n + 1)]
    claim("reshare the constant terms add up to Y", same(Ysum, Y))
    xs = {l: sum(mu[j] * poly(f[j], l) for j in qual) % L for l in range(1, n + 1)}
    pk = header(1) + bytes([k, n]) + struct.pack(">I", e + 1) + encode(Y) + b"".join(encode(y) for y in Ys)
    claim("reshare public key", pk == hx(v, "public_key"))
    parse_pk(pk)
    finishing = il(v, "finishing")
    claim("reshare key shares", [header(2) + struct.pack(">IB", e + 1, l) + sbytes(xs[l]) for l in finishing] == hl(v, "key_shares"))
    claim("reshare shares match their keys", all(same(mul(xs[l], G), Ys[l - 1]) for l in finishing))
    # The same secret: any k new shares interpolate to x with x G = Y.
    claim("reshare any k shares give Y", all(same(mul(sum(lam * xs[l] for lam, l in zip(lagrange(sub), sub)) % L, G), Y)
                                             for sub in (finishing[:k], finishing[-k:])))


def dkg_refusal(v, proto, claim):
    """Each [Invalid] DKG vector: the check it names fails, and the blamed party is the one §12 blames."""
    check, blame = v["check"], il(v, "blame")
    deal = parse_dkg(hx(v, "deal"))
    C = deal["C"]
    if check in ("feldman", "pedersen", "feldman_from_1"):
        s = parse_dkg(hx(v, "share"))
        ok = pedersen_ok(C, s["to"], s["s"], s["sp"]) if check == "pedersen" else feldman_ok(C, s["to"], s["s"], 1 if check == "feldman_from_1" else 0)
        claim("dkg bad share refused: " + check, not ok and blame == [s["from"]] == [deal["from"]])
    elif check == "equivocation":
        d2 = parse_dkg(hx(v, "second_deal"))
        claim("dkg equivocation", d2["from"] == deal["from"] and blame == [deal["from"]]
              and [encode(c) for c in C] != [encode(c) for c in d2["C"]])
    elif check == "extraction_complaint":
        A = parse_dkg(hx(v, "extraction"))["C"]
        c = parse_dkg(hx(v, "complaint"))
        e = c["evidence"]
        unfounded = not (pedersen_ok(C, c["from"], e["s"], e["sp"]) and not feldman_ok(A, c["from"], e["s"]))
        claim("dkg unfounded extraction complaint", unfounded and blame == [c["from"]])
    elif check == "reshare_constant":
        pk, mine = parse_pk(hx(v, "previous_public_key")), parse_share(hx(v, "key_share"))
        D, j = il(v, "dealers"), deal["from"]
        lam = dict(zip(D, lagrange(D)))
        claim("reshare refusal: the refusing party is at epoch e", pk["epoch"] == mine["epoch"] == int(v["from_epoch"])
              and same(mul(mine["x"], G), pk["Ys"][mine["i"] - 1]))
        claim("reshare bad constant refused", j in D and len(C) == int(pk["k"]) and not same(C[0], mul(lam[j], pk["Ys"][j - 1]))
              and blame == [j])
    elif check == "reveal":
        r = parse_dkg(hx(v, "reveal"))
        claim("dkg bad reveal", r["dealer"] == deal["from"] and not pedersen_ok(C, r["from"], r["s"], r["sp"]) and blame == [r["from"]])
    else:
        claim("dkg known check " + check, False)

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


# ---------------------------------------------------------------- X25519, XSalsa20-Poly1305 (SPEC §1.1)


def x25519(k, u):
    """RFC 7748 §5: the Montgomery ladder on Curve25519."""
    k = bytearray(k)
    k[0] &= 248; k[31] &= 127; k[31] |= 64
    k = int.from_bytes(k, "little")
    x1 = int.from_bytes(u, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in reversed(range(255)):
        bit = (k >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        A, B = (x2 + z2) % P, (x2 - z2) % P
        C, D = (x3 + z3) % P, (x3 - z3) % P
        AA, BB, DA, CB = A * A % P, B * B % P, D * A % P, C * B % P
        E = (AA - BB) % P
        x3, z3 = (DA + CB) ** 2 % P, x1 * (DA - CB) ** 2 % P
        x2, z2 = AA * BB % P, E * (AA + 121665 * E) % P
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, P - 2, P) % P).to_bytes(32, "little")


def _salsa_rounds(state):
    w = list(state)
    def qr(a, b, c, d):
        w[b] ^= _rotl((w[a] + w[d]) & 0xFFFFFFFF, 7)
        w[c] ^= _rotl((w[b] + w[a]) & 0xFFFFFFFF, 9)
        w[d] ^= _rotl((w[c] + w[b]) & 0xFFFFFFFF, 13)
        w[a] ^= _rotl((w[d] + w[c]) & 0xFFFFFFFF, 18)
    for _ in range(10):
        for a, b, c, d in ((0, 4, 8, 12), (5, 9, 13, 1), (10, 14, 2, 6), (15, 3, 7, 11),
                           (0, 1, 2, 3), (5, 6, 7, 4), (10, 11, 8, 9), (15, 12, 13, 14)):
            qr(a, b, c, d)
    return w


def _salsa_state(key, in16):
    k = struct.unpack("<8I", key)
    i = struct.unpack("<4I", in16)
    return [CONSTANTS[0], *k[:4], CONSTANTS[1], *i, CONSTANTS[2], *k[4:], CONSTANTS[3]]


def hsalsa20(key, in16):
    w = _salsa_rounds(_salsa_state(key, in16))
    return struct.pack("<8I", *(w[i] for i in (0, 5, 10, 15, 6, 7, 8, 9)))


def xsalsa20_stream(key, nonce24, n):
    sub, out, counter = hsalsa20(key, nonce24[:16]), b"", 0
    while len(out) < n:
        state = _salsa_state(sub, nonce24[16:] + struct.pack("<Q", counter))
        w = _salsa_rounds(state)
        out += struct.pack("<16I", *((w[i] + state[i]) & 0xFFFFFFFF for i in range(16)))
        counter += 1
    return out[:n]


def box_open_easy(boxed, nonce24, pk, sk):
    """crypto_box_open_easy (SPEC §1.1): tag first, then the XSalsa20 ciphertext."""
    shared = x25519(sk, pk)
    if shared == bytes(32):
        return None
    k = hsalsa20(shared, bytes(16))
    tag, ct = boxed[:16], boxed[16:]
    stream = xsalsa20_stream(k, nonce24, 32 + len(ct))
    if poly1305(stream[:32], ct) != tag:
        return None
    return xor(ct, stream[32:])


def box_seal_open(sealed, pk, sk):
    epk = sealed[:32]
    nonce = hashlib.blake2b(epk + pk, digest_size=24).digest()
    return box_open_easy(sealed[32:], nonce, epk, sk)


def box_seed_keypair(seed):
    sk = hashlib.sha512(seed).digest()[:32]
    return x25519(sk, (9).to_bytes(32, "little")), sk


MAX_ESCROW = 1224  # SPEC 3.8: a version-2 field, 200 + a 1,024-byte label


def parse_envelope(b):
    r = Reader(b, 6)
    escrow = r.take(r.u(2))
    assert len(escrow) <= MAX_ESCROW, "len(escrow)"
    box, nonce = r.take(80), r.take(24)
    body = r.take(r.u(4))
    assert 16 <= len(body) <= 16 * 2**20 + 16, "body length"
    r.end()
    ct = parse_ct(escrow)
    assert parse_session_label(ct["L"]) is None, "a version-1 envelope carries a version-1 label"
    return dict(escrow=escrow, ct=ct, box=box, nonce=nonce, body=body)


def parse_session_label(b):
    """SPEC 3.6, either version; returns the sender key of a version-2 label, else None."""
    bound = len(b) > 4 and b[4] == 2
    r = Reader(b, 5, 2 if bound else 1)
    key = None
    for who in range(2):
        name = r.take(r.u(1))
        assert 1 <= len(name) and all(0x20 <= c != 0x7f for c in name), "identity"
        if bound and who == 0:
            key = r.take(32)
            assert ed_valid_point(key), "sender key"
    r.take(8 + 16)
    r.end()
    return key


def parse_signed_envelope(b):
    """SPEC 3.8 version 2: the v1 fields, then a 64-byte signature; the label must be version 2."""
    r = Reader(b, 6, 2)
    escrow = r.take(r.u(2))
    assert len(escrow) <= MAX_ESCROW, "len(escrow)"
    box, nonce = r.take(80), r.take(24)
    body = r.take(r.u(4))
    sig = r.take(64)
    assert 16 <= len(body) <= 16 * 2**20 + 16, "body length"
    r.end()
    ct = parse_ct(escrow)
    key = parse_session_label(ct["L"])
    assert key is not None, "a signed envelope needs a sender-bound label"
    return dict(escrow=escrow, ct=ct, box=box, nonce=nonce, body=body, signature=sig, sender_key=key,
                signed=b[:-64], label=ct["L"])


def parse_any_envelope(b):
    return parse_signed_envelope(b) if len(b) > 4 and b[4] == 2 else parse_envelope(b)


def label_time(label):
    """The u64 time of a parsed-valid label: 24 bytes from its end."""
    return int.from_bytes(label[-24:-16], "big")


def verify_sender(env_bytes, known_key, arrival):
    """SPEC 7.4, in order; returns the failed check's category, or None."""
    if env_bytes[4] != 2:
        return "policy_denied"
    e = parse_signed_envelope(env_bytes)
    if not ed25519_verify(e["sender_key"], H("doormat/v1/envelope/sender-signature", [e["signed"]], 32), e["signature"]):
        return "invalid_proof"
    if e["sender_key"] != known_key:
        return "policy_denied"
    if abs(label_time(e["label"]) - arrival) > 300:
        return "policy_denied"
    return None


def recipient_halves(pk, ct, K):
    """SPEC §5.4's two halves, separately: (u = rG, c = K xor H1(rY))."""
    r = derive_r(K, ct["L"])
    return encode(mul(r, G)) == encode(ct["u"]), xor(K, H1(mul(r, pk["Y"]))) == ct["c"]


# ---------------------------------------------------------------- Ed25519 (RFC 8032 §5.1.7), RFC 9162 logs


def ed_decompress(b):
    """RFC 8032 §5.1.3 on the same extended coordinates as ristretto255 above."""
    y = int.from_bytes(b, "little") & ((1 << 255) - 1)
    sign = b[31] >> 7
    if y >= P:
        return None
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if v * x * x % P == (-u) % P:
        x = x * SQRT_M1 % P
    elif v * x * x % P != u:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


def ed_compress(pt):
    X, Y, Z, _ = pt
    zi = pow(Z, P - 2, P)
    x, y = X * zi % P, Y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def ed_mul(k, pt):  # no reduction mod L: the cofactor matters for points outside the subgroup
    acc = IDENTITY
    for bit in bin(k)[2:]:
        acc = add(acc, acc)
        if bit == "1":
            acc = add(acc, pt)
    return acc


ED_B = ed_decompress((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def ed_valid_point(b):
    """libsodium's crypto_core_ed25519_is_valid_point: canonical, on the curve, not of small order,
    in the prime-order subgroup."""
    pt = ed_decompress(b)
    return (pt is not None and ed_compress(pt) == b and not ed_small_order(pt)
            and ed_compress(ed_mul(L, pt)) == ed_compress(IDENTITY))


def ed_small_order(pt):
    return ed_compress(ed_mul(8, pt)) == ed_compress(IDENTITY)


def ed25519_equation(pk, msg, sig):
    """[S]B = R + [k]A, cofactorless, with nothing else checked."""
    A, R = ed_decompress(pk), ed_decompress(sig[:32])
    S = int.from_bytes(sig[32:], "little")
    k = int.from_bytes(hashlib.sha512(sig[:32] + pk + msg).digest(), "little") % L
    return A is not None and R is not None and ed_compress(ed_mul(S, ED_B)) == ed_compress(add(R, ed_mul(k, A)))


def ed25519_verify(pk, msg, sig):
    """SPEC §1.1: S < L, a canonical key, neither the key nor R of small order, then the equation."""
    A, R = ed_decompress(pk), ed_decompress(sig[:32])
    S = int.from_bytes(sig[32:], "little")
    if A is None or R is None or S >= L or ed_small_order(A) or ed_small_order(R):
        return False
    return ed25519_equation(pk, msg, sig)


def _clamp(k):
    k = bytearray(k)
    k[0] &= 248; k[31] &= 127; k[31] |= 64
    return bytes(k)


def log_leaf(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def log_root(leaves):
    """RFC 9162 §2.1.1: MTH, split at the largest power of two below n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + log_root(leaves[:k]) + log_root(leaves[k:])).digest()


def log_verify_inclusion(leaf, index, size, proof, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def log_verify_consistency(m, n, old_root, new_root, proof):
    """RFC 9162 §2.1.4.2; m = 0 and m = n take the empty proof (SPEC §11.5)."""
    if m > n:
        return False
    if m == n:
        return not proof and old_root == new_root
    if m == 0:
        return not proof
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = hashlib.sha256(b"\x01" + c + fr).digest()
            sr = hashlib.sha256(b"\x01" + c + sr).digest()
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = hashlib.sha256(b"\x01" + sr + c).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


def parse_log_entry(b):
    r = Reader(b, 0x0B)
    time, req, warrant, field, decision = r.u(8), r.take(32), r.take(32), r.take(32), r.u(1)
    reason = r.take(r.u(1))
    r.end()
    return dict(time=time, request_id=req, warrant_hash=warrant, field_hash=field, decision=decision, reason=reason)


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
    assert not x25519_low_order(w["box"]), "the agency box key is a low-order X25519 point"
    return w


def x25519_low_order(key):
    """§1.1: the key's product with a clamped scalar (9) is the all-zero secret."""
    return x25519((9).to_bytes(32, "little"), key) == bytes(32)


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
               newly=[], draws_left=0, rate_fields=0)

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
    # the distinct fields, in the order they first appear: identical fields are one field (pentest F4)
    hashes = [H("doormat/v1/envelope/escrow-field", [field], 32) for field in req["fields"]]
    distinct = list(dict.fromkeys(hashes))
    out["spend"], out["record_nonce"], out["rate_fields"] = 1, req["nonce"], len(distinct)
    # 7. each distinct field: parse with a label, validity, scope; then the budget in request order
    pk, share = parse_pk(hx(v, "public_key")), parse_share(hx(v, "key_share"))
    status, cts, parsed = {}, {}, {}
    for h, field in zip(hashes, req["fields"]):
        if h in status or h in parsed:
            continue
        try:
            ct = parse_ct(field)
            parsed[h] = (ct, parse_label(ct["L"]))
        except AssertionError:
            status[h], cts[h] = 1, None
    # validity (SPEC 5.3), either version: the version-2 fields in batches, one by one on failure
    order = list(parsed)
    valid = dict(zip(order, verify_all([parsed[h][0] for h in order])))
    for h in order:
        ct, label = parsed[h]
        if not valid[h]:
            status[h] = 2
        elif not ((label["sender"] in w["targets"] or label["recipient"] in w["targets"])
                  and w["start"] <= label["time"] <= w["end"]):
            status[h] = 3
        else:
            status[h] = 0
        cts[h] = ct if status[h] == 0 else None
    opened_before = set(hl(v, "opened"))
    count = sum(1 for e in opened_before if e[:32] == out["warrant_hash"])
    for h in distinct:
        if cts[h] is None or out["warrant_hash"] + h in opened_before:
            continue  # refused already, or opened before: costs nothing
        if count >= w["max"]:
            status[h], cts[h] = 4, None
            continue
        count += 1
        out["newly"].append(h)
    # the partial decryptions (SPEC §5.5), one per distinct issued field, nonces drawn in the order
    # the fields first appear: 64 bytes reduced mod L
    assert share["epoch"] == pk["epoch"] and share["i"] <= pk["n"]
    partial = {}
    for h in distinct:
        ct = cts[h]
        if ct is None:
            continue
        nonce = 0
        while nonce == 0:
            nonce = int.from_bytes(draws.pop(0), "little") % L
        # the trustee answers in version 2 (SPEC 3.7): the proof's commitments, not its challenge
        ui = mul(share["x"], ct["u"])
        a1, a2, f = dleq_prove_committed(PARTIAL_PROOF_COMMITTED, [partial_ctx(pk["epoch"], share["i"])], G,
                                         pk["Ys"][share["i"] - 1], ct["u"], ui, share["x"], nonce)
        partial[h] = encode_partial_v2(pk["epoch"], share["i"], ui, a1, a2, f)
    out["statuses"] = [status[h] for h in hashes]
    out["partials"] = [partial[h] for h in hashes if h in partial]  # repeated at each place in the reply
    out["draws_left"] = len(draws)
    # the log: one entry per distinct field, its reason naming how many of the request's fields it
    # stands for when more than one; all malformed fields share the first one's entry (SPEC §11.3)
    def reason(s, n):
        return FIELD_REASONS[s] + (" (%d fields)" % n if n > 1 else "")
    malformed = sum(1 for h in hashes if status[h] == 1)
    logged_malformed = False
    for h in distinct:
        if status[h] == 1:
            if logged_malformed:
                continue
            logged_malformed = True
            n = malformed
        else:
            n = hashes.count(h)
        out["log"].append(log_entry(now, out["request_hash"], out["warrant_hash"], h, status[h], reason(status[h], n)))
    return out


TRUSTEE_SCENARIOS = ["issue_fields", "refuse_malformed", "refuse_bad_signature", "refuse_stale", "refuse_replayed_nonce",
                     "refuse_source_over_budget", "refuse_warrant_other_court", "refuse_warrant_expired",
                     "refuse_warrant_revoked_judge", "refuse_warrant_ca_as_judge", "refuse_warrant_repeated_judge",
                     "refuse_warrant_too_few_judges", "refuse_crl_below_floor", "refuse_crl_unreadable", "refuse_rate_limited", "field_out_of_scope_target",
                     "field_out_of_scope_window", "field_over_budget", "field_invalid", "field_malformed",
                     "field_repeats_and_garbage_logged_once", "refuse_two_checks_earlier_reason"]


SPEC_REASONS = {"none": "", "rate_limited": "rate limited"}


def check_trustee(root, claim):
    for name in TRUSTEE_SCENARIOS:
        for v in load(root, "trustee/" + name):
            d = decide(v)
            claim("trustee/" + name + " decision", d["refusal"] == v["refusal"]
                  and d["authenticated"] == int(v["authenticated"]) and d["request_hash"] == hx(v, "request_hash")
                  and d["warrant_hash"] == hx(v, "warrant_hash") and d["statuses"] == il(v, "statuses"))
            claim("trustee/" + name + " partials", d["partials"] == hl(v, "issued_partials") and d["draws_left"] == 0)
            claim("trustee/" + name + " log entries", d["log"] == hl(v, "log"))
            # SPEC 11.2 fixes the reason of an accepted request (none) and of the logged rate refusal;
            # every other reason is informative text, each implementation's own.
            if v["refusal"] in SPEC_REASONS:
                claim("trustee/" + name + " reason", v["reason"] == SPEC_REASONS[v["refusal"]])
            claim("trustee/" + name + " state change", d["record_nonce"] == hx(v, "record_nonce")
                  and d["spend"] == int(v["spend_rate_token"]) and d["prove"] == int(v["prove_agency"])
                  and d["rate_fields"] == int(v["rate_fields"])
                  and d["newly"] == hl(v, "newly_opened"))
    # Each warrant vector is refused by the check it is named after, not by an earlier one.
    # (An unreadable CRL is the trustee's state, not the warrant's: refuse_crl_unreadable's warrant
    # verifies, and the decision above refuses it for the flag alone.)
    for name, why in [("refuse_warrant_other_court", "judge certificate does not chain to the root"),
                      ("refuse_warrant_expired", "expired"), ("refuse_warrant_revoked_judge", "judge certificate revoked"),
                      ("refuse_warrant_ca_as_judge", "judge certificate states no judge's purpose"),  # no EKU at all
                      ("refuse_warrant_repeated_judge", "too few judges"), ("refuse_warrant_too_few_judges", "too few judges"),
                      ("refuse_crl_below_floor", "CRL older than the floor"), ("refuse_crl_unreadable", None),
                      ("issue_fields", None)]:
        v = load(root, "trustee/" + name)[0]
        sw = parse_signed_warrant(parse_request(hx(v, "request"))["signed_warrant"])
        claim("trustee/" + name + " warrant check", warrant_refusal(sw, hx(v, "root_pem"), hx(v, "crl_pem"), int(v["judges_required"]),
                                                                    int(v["crl_number_floor"]), int(v["now"])) == why)
    # The repeated judge's warrant carries two signatures by one key: each verifies on its own.
    v = load(root, "trustee/refuse_warrant_repeated_judge")[0]
    sw = parse_signed_warrant(parse_request(hx(v, "request"))["signed_warrant"])
    claim("trustee/refuse_warrant_repeated_judge two signatures, one judge",
          len(sw["signatures"]) == 2 and sw["signatures"][0][0] == sw["signatures"][1][0]
          and warrant_refusal(sw, hx(v, "root_pem"), hx(v, "crl_pem"), 1, 0, int(v["now"])) is None)
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


def parse_response(b):
    """§11.2's decryption response (type 0a)."""
    r = Reader(b, 0x0A)
    trustee, request_id, n = r.u(1), r.take(32), r.u(2)
    assert n <= 10000, "too many results"
    results = []
    for _ in range(n):
        status, partial = r.u(1), r.take(r.u(2))
        assert status <= 4 and len(partial) <= 256, "status or partial"
        assert (status == 0) == (len(partial) > 0), "a partial with, and only with, status issued"
        results.append((status, partial))
    signature = r.take(64)
    r.end()
    return dict(trustee=trustee, request_id=request_id, results=results, signature=signature, signed=b[:-64])


def check_sealed_response(root, claim):
    for v in load(root, "request/sealed_response"):
        sealed = hx(v, "sealed") if "sealed" in v else None
        opened = box_seal_open(sealed, hx(v, "agency_box_public"), hx(v, "agency_box_secret")) if sealed else None
        if not v["valid"]:
            if sealed is None:
                resp = parse_response(hx(v, "response"))
                claim("sealed response: a status changed after signing is refused",
                      not ed25519_ok(hx(v, "trustee_sign_public"), resp["signature"],
                                     H("doormat/v1/response/trustee-signature", [resp["signed"]], 32)))
            else:
                claim("sealed response: another key pair cannot open it", opened is None)
            continue
        claim("sealed response opens to the response", opened == hx(v, "response"))
        # The box's ephemeral key is the listed seed's: crypto_box_seed_keypair(draw).
        epk, _ = box_seed_keypair(hl(v, "rng_draws")[0])
        claim("sealed response: its ephemeral key is the listed seed's", sealed[:32] == epk and len(hl(v, "rng_draws")) == 1)
        resp = parse_response(opened)
        claim("sealed response: signature, statuses and request id",
              ed25519_ok(hx(v, "trustee_sign_public"), resp["signature"],
                         H("doormat/v1/response/trustee-signature", [resp["signed"]], 32))
              and [st for st, _ in resp["results"]] == il(v, "statuses")
              and resp["request_id"] == parse_request(hx(v, "request"))["id"])
        req = parse_request(hx(v, "request"))
        agency = parse_signed_warrant(req["signed_warrant"])["warrant"]["sign"]
        claim("sealed response: the request is the agency's", ed25519_ok(agency, req["signature"], req["id"]))
        for status, partial in resp["results"]:
            if status == 0:
                parse_partial(partial)


DKG_PROTOCOLS = {"joint_feldman": 1, "gjkr": 2, "refresh": 3}
DKG_ROUNDS = {"deal": 1, "complain": 2, "justify": 3, "extract": 4, "extract_complain": 5, "reveal": 6}


def open_frame(v):
    """§12.4's frame checks in their order; (message bytes, None) or (None, error category)."""
    b = hx(v, "frame")
    r = Reader(b, 0x13)
    ceremony, protocol, rnd, kind, sender, to = r.take(16), r.u(1), r.u(1), r.u(1), r.u(1), r.u(1)
    payload = r.take(r.u(4))
    signature = r.take(64)
    r.end()
    assert protocol in (1, 2, 3) and 1 <= rnd <= 6 and kind in DKG_TYPES and sender != 0 and len(payload) <= 16384
    assert (to != 0) == (kind == 0x0E), "to set exactly for a share"
    if ceremony != hx(v, "ceremony") or protocol != DKG_PROTOCOLS[v["protocol"]] or rnd != DKG_ROUNDS[v["round"]]:
        return None, "policy_denied"
    if not ed25519_ok(hx(v, "sender_sign_public"), signature, H("doormat/v1/dkg/frame", [b[:-64]], 32)):
        return None, "invalid_proof"
    me = int(v["me"])
    if to not in (0, me):
        return None, "malformed"
    if kind == 0x0E:
        payload = box_seal_open(payload, hx(v, "me_box_public"), hx(v, "me_box_secret"))
        if payload is None:
            return None, "decryption_failed"
    m = parse_dkg(payload)
    if payload[5] != kind or m["from"] != sender or (kind == 0x0E and m["to"] != to):
        return None, "malformed"
    return payload, None


def check_dkg_frame(root, claim):
    vectors = load(root, "dkg/signed_frame")
    draws = hl(vectors[0], "rng_draws")
    sealed_frames = 0
    for v in vectors:
        message, error = open_frame(v)
        if v["valid"]:
            claim("dkg/signed_frame opens to its message", error is None and message == hx(v, "message"))
            frame = hx(v, "frame")
            if frame[24] == 0x0E:  # a sealed share: its ephemeral key is the next listed seed's
                epk, _ = box_seed_keypair(draws[sealed_frames])
                claim("dkg/signed_frame: the share's ephemeral key is the listed seed's", frame[31:63] == epk)
                sealed_frames += 1
        else:
            claim("dkg/signed_frame refused: " + v["check"], error == v["error"])


def check_x25519_low_order(root, claim):
    for v in load(root, "envelope/x25519_low_order_keys"):
        key, warrant = hx(v, "x25519_public"), hx(v, "warrant")
        claim("x25519 key " + key.hex()[:8] + (" ordinary" if v["valid"] else " low order"), x25519_low_order(key) != v["valid"])
        claim("x25519 key " + key.hex()[:8] + " in a warrant's box key " + ("accepted" if v["valid"] else "refused"),
              warrant[-64:-32] == key and refused(lambda: parse_warrant(warrant)) != v["valid"])


ACCOUNT_NAME_BYTES = set(b"abcdefghijklmnopqrstuvwxyz0123456789.-_")


def account_name_valid(name):
    """SPEC 7.4 "Account names": 1..64 bytes of a-z 0-9 . - _, starting with a letter or a digit."""
    return 1 <= len(name) <= 64 and all(c in ACCOUNT_NAME_BYTES for c in name) and name[:1] not in (b".", b"-", b"_")


def key_fingerprint(key):
    """SPEC 7.5: H_{doormat/v1/client/key-fingerprint}^16(ed25519), 8 groups of 4 hex digits joined by ':'."""
    h = H("doormat/v1/client/key-fingerprint", [key], 16).hex()
    return ":".join(h[i:i + 4] for i in range(0, 32, 4))


def check_client(root, claim):
    for v in load(root, "client/account_names_and_fingerprints"):
        if "account_name" in v:
            name = hx(v, "account_name")
            claim("account name " + repr(name) + (" accepted" if v["valid"] else " refused"),
                  account_name_valid(name) == v["valid"] and (v["valid"] or v["error"] == "malformed"))
        else:
            key = hx(v, "sender_sign_public")
            claim("fingerprint of " + key.hex()[:8], len(key) == 32 and key_fingerprint(key) == v["fingerprint"])
    for v in load(root, "tdh2/authority_fingerprint"):
        y = hx(v, "point")
        h = H("doormat/v1/tdh2/key-fingerprint", [y], 16).hex()
        claim("authority fingerprint of " + y.hex()[:8], len(y) == 32 and ":".join(h[i:i + 4] for i in range(0, 32, 4)) == v["fingerprint"])
    for i, v in enumerate(load(root, "client/known_keys_file")):
        ok = known_keys_file_loads(hx(v, "known_keys_file"))
        claim("known-keys file %d %s" % (i, "loads" if v["valid"] else "refused"), ok == v["valid"] and (v["valid"] or v["error"] == "malformed"))


def known_keys_file_loads(data):
    """SPEC 7.5: the known-keys file; any flaw refuses the whole file."""
    def key32(e, field):
        x = e.get(field)
        return isinstance(x, str) and len(x) == 64 and all(c in "0123456789abcdefABCDEF" for c in x)
    try:
        j = json.loads(data.decode())
    except ValueError:
        return False
    if not isinstance(j, dict) or j.get("format") != "doormat-known-keys-v1" or not isinstance(j.get("keys"), list):
        return False
    names = set()
    for e in j["keys"]:
        if not isinstance(e, dict) or not isinstance(e.get("name"), str):
            return False
        name = e["name"]
        if not name or not all(0x20 < ord(c) < 0x7f for c in name) or not key32(e, "ed25519"):
            return False
        if "x25519" in e and not key32(e, "x25519"):
            return False
        if name in names:
            return False
        names.add(name)
    return True


def check_secrets_at_rest(root, claim):
    """§11.5: salt (16) || nonce (24) || XChaCha20-Poly1305(Argon2id(passphrase, salt), ad = tag || index)."""
    from argon2.low_level import Type, hash_secret_raw  # Debian's python3-argon2 (RFC 9106 reference code)
    for v in load(root, "at_rest/trustee_secrets"):
        blob = hx(v, "blob")
        if len(blob) < 16 + 24 + 16 + 96:
            claim("secrets at rest: a blob too short is refused", not v["valid"] and v["error"] == "malformed")
            continue
        key = hash_secret_raw(v["passphrase"].encode(), blob[:16], time_cost=2, memory_cost=65536, parallelism=1,
                              hash_len=32, type=Type.ID, version=19)
        ad = b"doormat/v1/trustee/secrets-at-rest" + bytes([int(v["index"])])
        opened = xchacha20poly1305_decrypt(key, blob[16:40], blob[40:], ad)
        if not v["valid"]:
            claim("secrets at rest refused: " + v["error"], opened is None and v["error"] == "decryption_failed")
            continue
        claim("secrets at rest: Argon2id key", key == hx(v, "key") and blob[:16] == hx(v, "salt"))
        claim("secrets at rest: opens to sign_sk || box_sk || share", opened == hx(v, "secrets") and len(opened) == 64 + 32 + 43
              and parse_share(opened[96:])["i"] == int(v["index"]))


LOADED = set()  # every scenario a check has read (check() claims that none is left out)


def load(root, scenario):
    LOADED.add(scenario)
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
                                  for i, s in enumerate(shares, start=1))
              and len(coeffs) == int(v["k"]) and len(shares) == int(v["n"]))
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
        claim("deal", all(encode(mul(s["x"], G)) == encode(pk["Ys"][s["i"] - 1]) for s in shares)
              and (pk["k"], pk["n"], len(shares)) == (int(v["k"]), int(v["n"]), int(v["n"])))
    # encrypt in version 1 (its vector is unchanged, 3.5), encrypt_v2 in version 2; the recipient-
    # verifiable field in the version its listed bytes carry (encrypt writes 2 now)
    for name, version in (("tdh2/encrypt", 1), ("tdh2/encrypt_v2", 2), ("tdh2/encrypt_recipient_verifiable", None)):
        for v in load(root, name):
            pk, K, label = parse_pk(hx(v, "public_key")), hx(v, "session_key"), hx(v, "label")
            r, s = scalar(hx(v, "r")), scalar(hx(v, "s"))
            listed = hx(v, "ciphertext")
            ct = tdh2_encrypt(pk, K, label, r, s, version or field_version(listed))
            claim(name, encode_ct(ct) == listed and tdh2_verify(ct) and encode_ct(parse_ct(listed)) == listed
                  and (version is None or listed[4] == version))
            if name.endswith("verifiable"):
                claim("derive_r", derive_r(K, label) == r)
            # both versions hide the same key the same way from the same r (3.5)
            other = tdh2_encrypt(pk, K, label, r, s, 3 - ct["version"])
            claim(name + ": c, u, ubar as in the other version", all(
                encode(other[x]) == encode(ct[x]) for x in ("u", "ubar")) and other["c"] == ct["c"] and tdh2_verify(other))
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
                 "decode_trailing_byte", "decode_wrong_version", "decode_v2_refusals", "decode_field_version_confusion"):
        for v in load(root, "tdh2/" + name):
            claim(name, refused(lambda: parse_ct(hx(v, "ciphertext")) is not None) and v["error"] == "malformed")
    # 3.5 version 2: each refusal is in the v2 layout (version byte 2, 200 + len(L) bytes), and the
    # version confusion entries are a v1 body under v2, a v2 body under v1, version 3, v2 short, v2 long
    for v in load(root, "tdh2/decode_v2_refusals"):
        b = hx(v, "ciphertext")
        l = int.from_bytes(b[38:40], "big")
        claim("decode_v2_refusals: a version-2 field refused for its proof's encoding", b[4] == 2 and len(b) == 200 + l
              and refused(lambda: point(b[104 + l:136 + l]) and point(b[136 + l:168 + l]) and scalar(b[168 + l:]) is not None)
              and decode(b[40 + l:72 + l]) is not None and decode(b[72 + l:104 + l]) is not None)
    shapes = []
    for v in load(root, "tdh2/decode_field_version_confusion"):
        b = hx(v, "ciphertext")
        shapes.append((b[4], len(b) - int.from_bytes(b[38:40], "big")))
    claim("decode_field_version_confusion: the five confusions",
          sorted(shapes) == sorted([(2, 168), (1, 200), (3, 200), (2, 199), (2, 201)]))
    # 5.3 version 2: one component changed each, refused by the proof; also as a batch
    refusals = [parse_ct(hx(v, "ciphertext")) for v in load(root, "tdh2/verify_v2_refusals")]
    for v, ct in zip(load(root, "tdh2/verify_v2_refusals"), refusals):
        claim("verify_v2_refusals", ct["version"] == 2 and not tdh2_verify(ct) and v["error"] == "invalid_proof")
    claim("verify_v2_refusals: refused in a batch too", not any(verify_all(refusals)))
    # one entry per component: each differs from the others' common value in exactly one component
    parts = [[ct["c"], ct["L"]] + [encode(ct[x]) for x in ("u", "ubar", "w", "wbar")] + [sbytes(ct["f"])] for ct in refusals]
    base = [max(set(col), key=col.count) for col in zip(*parts)]
    changed = [[k for k in range(7) if p_[k] != base[k]] for p_ in parts]
    claim("verify_v2_refusals: c, L, u, ubar, w, wbar, f changed once each", sorted(changed) == [[k] for k in range(7)])
    # 5.3's batch: errors placed in w and wbar to cancel in a plain sum
    for v in load(root, "tdh2/verify_v2_bent_commitments"):
        ct = parse_ct(hx(v, "ciphertext"))
        eq1, eq2 = field_equations(ct)
        claim("verify_v2_bent_commitments: each equation fails, their plain sum holds", ct["version"] == 2
              and encode(eq1) != bytes(32) and encode(eq2) != bytes(32) and encode(add(eq1, eq2)) == bytes(32))
        claim("verify_v2_bent_commitments refused", not tdh2_verify(ct) and v["error"] == "invalid_proof"
              and not fields_batch_holds([ct]))
        good = parse_ct(hx(load(root, "tdh2/encrypt_v2")[0], "ciphertext"))
        claim("verify_v2_bent_commitments: the batch refuses it beside a valid field",
              not fields_batch_holds([good, ct]) and verify_all([good, ct, good]) == [True, False, True])
    for v in load(root, "tdh2/partial_decrypt"):
        pk, ct, share = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext")), parse_share(hx(v, "key_share"))
        ui = mul(share["x"], ct["u"])
        e, f = dleq_prove("doormat/v1/tdh2/partial-proof", [partial_ctx(pk["epoch"], share["i"])], G,
                          pk["Ys"][share["i"] - 1], ct["u"], ui, share["x"], scalar(hx(v, "nonce")))
        want = header(4) + partial_ctx(pk["epoch"], share["i"]) + encode(ui) + sbytes(e) + sbytes(f)
        claim("partial_decrypt", want == hx(v, "partial") and tdh2_verify(ct))  # only a valid field is decrypted (5.5)
    for v in load(root, "tdh2/partial_decrypt_v2"):
        pk, ct, share = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext")), parse_share(hx(v, "key_share"))
        ui = mul(share["x"], ct["u"])
        a1, a2, f = dleq_prove_committed(PARTIAL_PROOF_COMMITTED, [partial_ctx(pk["epoch"], share["i"])], G,
                                         pk["Ys"][share["i"] - 1], ct["u"], ui, share["x"], scalar(hx(v, "nonce")))
        want = encode_partial_v2(pk["epoch"], share["i"], ui, a1, a2, f)
        claim("partial_decrypt_v2", want == hx(v, "partial") and tdh2_verify(ct)
              and verify_partial(pk, ct, parse_partial(want)))
    for name in ("verify_partial_bad_proof", "verify_partial_wrong_value", "verify_partial_wrong_epoch",
                 "verify_partial_v2_bad_a1", "verify_partial_v2_bad_a2", "verify_partial_v2_bad_f"):
        for v in load(root, "tdh2/" + name):
            pk, ct = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext"))
            claim(name, refused(lambda: verify_partial(pk, ct, parse_partial(hx(v, "partial"))))
                  and tdh2_verify(ct) and il(v, "blame") == partial_blame(hx(v, "partial")))
    for name in ("tdh2/combine", "tdh2/combine_blames_cheaters", "tdh2/combine_v2", "tdh2/combine_v2_blames_cheaters",
                 "tdh2/combine_mixed_versions", "tdh2/combine_v2_field"):
        for v in load(root, name):
            pk, ct = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext"))
            K, cheaters, used = combine(pk, ct, [parse_partial(p) for p in hl(v, "partials")])
            claim(name, (name != "tdh2/combine_v2_field" or (ct["version"] == 2 and all(
                      parse_partial(p)["version"] == 2 for p in hl(v, "partials")))) and K == hx(v, "session_key") and cheaters == il(v, "cheaters") and used == il(v, "used"))
    for v in load(root, "tdh2/combine_not_enough_shares"):
        pk, ct = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext"))
        K, cheaters, _ = combine(pk, ct, [parse_partial(p) for p in hl(v, "partials")])
        claim("not enough shares", K is None and cheaters == il(v, "blame"))
    for v in load(root, "tdh2/combine_duplicate_party"):
        pk, ct = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext"))
        claim("duplicate refused", refused(lambda: combine(pk, ct, [parse_partial(p) for p in hl(v, "partials")]))
              and il(v, "blame") == [])  # the caller's error (6): no party is blamed
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
        ct = tdh2_encrypt(pk, K, label, derive_r(K, label), scalar(hx(v, "s")), field_version(escrow))
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
    # Each half of the recipient check alone (SPEC §5.4): a valid field that breaks just one half.
    for name, want in (("tdh2/check_recipient_decoy_c", (True, False)), ("tdh2/check_recipient_wrong_u", (False, True))):
        for v in load(root, name):
            pk, ct, K = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext")), hx(v, "session_key")
            claim(name, tdh2_verify(ct) and recipient_halves(pk, ct, K) == want)
    for v in load(root, "tdh2/verify_partial_genuine_other_epoch"):
        pk, ct, pd = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext")), parse_partial(hx(v, "partial"))
        # the proof is genuine for the partial's own epoch: only the epoch comparison can refuse it
        genuine = dleq_verify("doormat/v1/tdh2/partial-proof", [partial_ctx(pd["epoch"], pd["i"])], G,
                              pk["Ys"][pd["i"] - 1], ct["u"], pd["ui"], pd["e"], pd["f"])
        claim("genuine other-epoch partial", genuine and tdh2_verify(ct) and verify_partial(pk, ct, pd) == v["valid"]
              and (v["valid"] or il(v, "blame") == [pd["i"]]))
    for v in load(root, "tdh2/verify_partial_index_beyond_n"):
        pk, ct, pd = parse_pk(hx(v, "public_key")), parse_ct(hx(v, "ciphertext")), parse_partial(hx(v, "partial"))
        claim("partial beyond n", pd["i"] > pk["n"] and not verify_partial(pk, ct, pd) and il(v, "blame") == [pd["i"]])
    for v in load(root, "tdh2/decode_partial_version_confusion"):
        # the reader refuses these before any field is checked: no party is blamed (C++ states none)
        claim("tdh2/decode_partial_version_confusion", refused(lambda: parse_partial(hx(v, "partial")) is not None)
              and "blame" not in v)
    for name, key, parse in (("tdh2/decode_partial_refusals", "partial", parse_partial),
                             ("tdh2/decode_partial_v2_refusals", "partial", parse_partial),
                             ("tdh2/decode_key_share_refusals", "key_share", parse_share),
                             ("tdh2/decode_public_key_refusals", "public_key", parse_pk),
                             ("tdh2/decode_label_over_1024", "ciphertext", parse_ct),
                             ("envelope/decode_refusals", "envelope", parse_envelope)):
        for v in load(root, name):
            claim(name, refused(lambda: parse(hx(v, key)) is not None)
                  and (key != "partial" or (il(v, "blame") if "blame" in v else []) == partial_blame(hx(v, key))))
    for v in load(root, "dleq/verify_refusals"):
        pts = [point(hx(v, k)) for k in ("g1", "h1", "g2", "h2")]
        claim("dleq/verify_refusals", not dleq_verify(v["tag"], hl(v, "context"), *pts, scalar(hx(v, "challenge")),
                                                      scalar(hx(v, "response"))))
    for v in load(root, "envelope/seal"):
        env = parse_envelope(hx(v, "envelope"))
        claim("envelope box opens to K", box_seal_open(env["box"], hx(v, "recipient_public_key"),
                                                       hx(v, "recipient_secret_key")) == hx(v, "session_key"))
        claim("box ephemeral key from box_seed", box_seed_keypair(hx(v, "box_seed"))[0] == env["box"][:32])
    for v in load(root, "envelope/open_wrong_recipient_key"):
        env = parse_envelope(hx(v, "envelope"))
        claim("wrong recipient refused", box_seal_open(env["box"], hx(v, "recipient_public_key"),
                                                       hx(v, "recipient_secret_key")) is None)
    for v in load(root, "translog/log_entry"):
        if not v["valid"]:
            claim("log entry refused", refused(lambda: parse_log_entry(hx(v, "entry")) is not None))
            continue
        want = (header(0x0B) + struct.pack(">Q", int(v["time"])) + hx(v, "request_id") + hx(v, "warrant_hash")
                + hx(v, "field_hash") + bytes([int(v["decision"]), len(v["reason"])]) + v["reason"].encode())
        claim("log entry", want == hx(v, "entry") and log_leaf(want) == hx(v, "leaf_hash")
              and parse_log_entry(want)["reason"] == v["reason"].encode())
    for v in load(root, "translog/merkle_tree"):
        leaves = [log_leaf(e) for e in hl(v, "entries")]
        claim("merkle roots", [log_root(leaves[:n]) for n in range(len(leaves) + 1)] == hl(v, "roots"))
    for v in load(root, "translog/inclusion_proof"):
        claim("inclusion proof", log_verify_inclusion(hx(v, "leaf_hash"), int(v["index"]), int(v["size"]), hl(v, "proof"),
                                                      hx(v, "root")) == v["valid"])
    for v in load(root, "translog/consistency_proof"):
        claim("consistency proof", log_verify_consistency(int(v["old_size"]), int(v["new_size"]), hx(v, "old_root"),
                                                          hx(v, "new_root"), hl(v, "proof")) == v["valid"])
    for v in load(root, "translog/tree_head"):
        head, pk = hx(v, "tree_head"), hx(v, "trustee_public_key")
        r = Reader(head, 0x0C)
        size, root_hash, time, sig = r.u(8), r.take(32), r.u(8), r.take(64)
        r.end()
        ok = ed25519_verify(pk, H("doormat/v1/translog/tree-head", [head[:-64]], 32), sig)
        if v["valid"]:
            seed_pk = ed_compress(ed_mul(int.from_bytes(_clamp(hashlib.sha512(hx(v, "signing_seed")).digest()[:32]), "little"), ED_B))
            ok = ok and seed_pk == pk and size == int(v["size"]) and root_hash == hx(v, "root") and time == int(v["time"])
        claim("tree head", ok == v["valid"])
    sig_vectors = load(root, "signature/ed25519_edge_cases")
    for v in sig_vectors:
        digest = H(v["tag"], [hx(v, "message")], 32)
        pk, sig = hx(v, "public_key"), hx(v, "signature")
        claim("ed25519 " + ("valid" if v["valid"] else "refused"), ed25519_verify(pk, digest, sig) == v["valid"])
        if v["valid"]:
            a = int.from_bytes(_clamp(hashlib.sha512(hx(v, "signing_seed")).digest()[:32]), "little")
            claim("ed25519 key from seed", ed_compress(ed_mul(a, ED_B)) == pk)
    # the refusals are isolated: S + L is the valid S plus the order; the small-order R satisfies the equation
    valid_sig = hx(sig_vectors[0], "signature")
    claim("ed25519 S + L", int.from_bytes(hx(sig_vectors[1], "signature")[32:], "little") == int.from_bytes(valid_sig[32:], "little") + L)
    forged = sig_vectors[2]
    claim("ed25519 small-order R passes the bare equation", ed25519_equation(
        hx(forged, "public_key"), H(forged["tag"], [hx(forged, "message")], 32), hx(forged, "signature"))
        and ed_small_order(ed_decompress(hx(forged, "signature")[:32])))
    for name, proto in (("joint_feldman", "joint_feldman"), ("gjkr", "gjkr"), ("refresh", "refresh"),
                        ("equivocating_dealer", "joint_feldman"), ("extraction_cheater", "gjkr")):
        vectors = load(root, "dkg/" + name)
        claim("dkg/" + name + " has one run and a refusal", sum(v["valid"] for v in vectors) == 1 and len(vectors) >= 2)
        for v in vectors:
            if v["valid"]:
                claim("dkg/" + name + " protocol", v["protocol"] == proto)
                dkg_run(v, lambda what, ok: claim("dkg/" + name + ": " + what, ok))
            else:
                dkg_refusal(v, proto, lambda what, ok: claim("dkg/" + name + ": " + what, ok))
    vectors = load(root, "dkg/reshare")
    claim("dkg/reshare has one run and a refusal", sum(v["valid"] for v in vectors) == 1 and len(vectors) >= 2)
    for v in vectors:
        if v["valid"]:
            claim("dkg/reshare protocol", v["protocol"] == "reshare")
            dkg_reshare_run(v, lambda what, ok: claim("dkg/reshare: " + what, ok))
        else:
            dkg_refusal(v, "reshare", lambda what, ok: claim("dkg/reshare: " + what, ok))
    check_signed_envelopes(root, claim)
    check_trustee(root, claim)
    check_sealed_response(root, claim)
    check_dkg_frame(root, claim)
    check_x25519_low_order(root, claim)
    check_secrets_at_rest(root, claim)
    check_client(root, claim)
    check_recipient_opens(root, claim)
    # No file is skipped: every vector file under the root was read by some check above (the walk
    # below reads them all, so this is decided before it).
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name.endswith(".vec"):
                scenario = os.path.relpath(os.path.join(folder, name), root)[:-len(".vec")]
                claim(scenario + ": checked", scenario in LOADED)
    # SPEC 9.2: every [Invalid] vector, in every file, names its error category (section 6).
    categories = {"malformed", "invalid_proof", "not_enough_shares", "policy_denied", "decryption_failed", "internal"}
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name.endswith(".vec"):
                scenario = os.path.relpath(os.path.join(folder, name), root)[:-len(".vec")]
                for v in load(root, scenario):
                    if not v["valid"]:
                        claim(scenario + ": [Invalid] names its error", v.get("error") in categories)
    return results


def recipient_open(env_bytes, pk, box_public, box_secret):
    """SPEC 7.3, the recipient: open the box to K, check_recipient (5.4: Verify 5.3 of either version,
    then both halves), decrypt the body under the envelope's own header; K and the plaintext, or None
    for the one decryption_failed."""
    env = parse_any_envelope(env_bytes)
    K = box_seal_open(env["box"], box_public, box_secret)
    if K is None or len(K) != 32 or not tdh2_verify(env["ct"]) or recipient_halves(pk, env["ct"], K) != (True, True):
        return None
    ad = env_bytes[:6] + H("doormat/v1/envelope/escrow-field", [env["escrow"]], 32) + env["ct"]["L"]
    body = xchacha20poly1305_decrypt(H("doormat/v1/envelope/aead-key", [K], 32), env["nonce"], env["body"], ad)
    return None if body is None else (K, body)


def check_recipient_opens(root, claim):
    for v in load(root, "envelope/seal"):
        got = recipient_open(hx(v, "envelope"), parse_pk(hx(v, "public_key")), hx(v, "recipient_public_key"),
                             hx(v, "recipient_secret_key"))
        claim("envelope/seal: the recipient opens it (7.3)", got == (hx(v, "session_key"), hx(v, "plaintext")))
    for name in ("envelope/open_wrong_escrow_key", "envelope/open_wrong_recipient_key"):
        for v in load(root, name):
            env = parse_any_envelope(hx(v, "envelope"))
            pk = parse_pk(hx(v, "public_key"))
            K = box_seal_open(env["box"], hx(v, "recipient_public_key"), hx(v, "recipient_secret_key"))
            got = recipient_open(hx(v, "envelope"), pk, hx(v, "recipient_public_key"), hx(v, "recipient_secret_key"))
            claim(name + ": refused by the recipient (7.3)", got is None and v["error"] == "decryption_failed")
            if name.endswith("escrow_key"):
                # the box opens and the field is valid: only check_recipient's halves refuse the decoy
                claim(name + ": the field hides another key", K is not None and tdh2_verify(env["ct"])
                      and recipient_halves(pk, env["ct"], K) != (True, True))


def check_signed_envelopes(root, claim):
    """SPEC 3.6 v2, 3.8 v2, 7.4: the sender-bound label, the signed envelope, verify_sender."""
    for v in load(root, "label/session_label_bound"):
        if v["valid"]:
            snd, rcp = v["sender"].encode(), v["recipient"].encode()
            want = (header(5, 2) + bytes([len(snd)]) + snd + hx(v, "sender_key") + bytes([len(rcp)]) + rcp
                    + struct.pack(">Q", int(v["time"])) + hx(v, "session_id"))
            claim("bound label bytes", want == hx(v, "label") and parse_session_label(want) == hx(v, "sender_key"))
        else:
            claim("bound label refused", refused(lambda: parse_session_label(hx(v, "label")) is not None))
    for v in load(root, "envelope/seal_signed"):
        pk, K, label = parse_pk(hx(v, "public_key")), hx(v, "session_key"), hx(v, "label")
        e = parse_signed_envelope(hx(v, "envelope"))
        ct = tdh2_encrypt(pk, K, label, derive_r(K, label), scalar(hx(v, "s")), field_version(e["escrow"]))
        claim("signed envelope escrow field", encode_ct(ct) == e["escrow"] and e["nonce"] == hx(v, "aead_nonce"))
        ad = header(6, 2) + H("doormat/v1/envelope/escrow-field", [e["escrow"]], 32) + label
        key = H("doormat/v1/envelope/aead-key", [K], 32)
        claim("signed envelope body", xchacha20poly1305_decrypt(key, e["nonce"], e["body"], ad) == hx(v, "plaintext"))
        claim("signed envelope body not under the v1 header",
              xchacha20poly1305_decrypt(key, e["nonce"], e["body"], header(6) + ad[6:]) is None)
        claim("signed envelope box", box_seal_open(e["box"], hx(v, "recipient_public_key"), hx(v, "recipient_secret_key")) == K)
        claim("signed envelope box ephemeral key from box_seed", box_seed_keypair(hx(v, "box_seed"))[0] == e["box"][:32])
        a = int.from_bytes(_clamp(hashlib.sha512(hx(v, "signing_seed")).digest()[:32]), "little")
        claim("sender key from seed", ed_compress(ed_mul(a, ED_B)) == hx(v, "sender_key") == e["sender_key"])
        claim("sender signature", ed25519_verify(e["sender_key"], H("doormat/v1/envelope/sender-signature", [e["signed"]], 32),
                                                 e["signature"]))
    checks = load(root, "envelope/sender_check")
    claim("sender_check covers every check", {v["check"] for v in checks} == {"none", "signature", "known key", "skew", "unsigned"})
    for v in checks:
        got = verify_sender(hx(v, "envelope"), hx(v, "known_sender_key"), int(v["arrival"]))
        claim("sender_check " + v["check"], got == (None if v["valid"] else v["error"]))
    for v in load(root, "envelope/decode_signed_refusals"):
        claim("signed envelope decode refused", refused(lambda: parse_any_envelope(hx(v, "envelope")) is not None))


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
