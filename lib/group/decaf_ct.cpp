// Constant-time ristretto255 encoding and equality over libdecaf's field elements (decaf_ct.hpp
// says why they are not libdecaf's own). GF(2^255 - 19) in radix 2^51, five 64-bit limbs, the layout
// of libdecaf's gf_25519_s on 64-bit builds; products in unsigned __int128. No branch and no memory
// index depends on a value: every choice is a mask. tests/group_backend_diff_test.cpp checks the
// bytes against decaf_255_point_encode and libsodium; tests/ct/ checks the absence of branches.
#include "decaf_ct.hpp"

#include <sodium.h>

namespace escrow::group::decaf_ct {

static_assert(sizeof(decaf_word_t) == 8, "the libdecaf backend needs libdecaf's 64-bit field layout (5 limbs of 51 bits)");

namespace {

using u64 = uint64_t;
__extension__ typedef unsigned __int128 u128;  // GCC and Clang on 64-bit targets
constexpr u64 kMask51 = (u64{1} << 51) - 1;

struct Fe {
  u64 v[5];
};

// libdecaf's internal curve (IMAGINE_TWIST): -x^2 + y^2 = 1 + 121665 x^2 y^2.
constexpr u64 kTwistedD = 121665;
constexpr Fe kOne = {{1, 0, 0, 0, 0}};
// sqrt(-1) = 2^((p-1)/4) mod p, the root libdecaf's gf_mul_i uses.
constexpr Fe kSqrtMinusOne = {{0x61b274a0ea0b0, 0xd5a5fc8f189d, 0x7ef5e9cbd0c60, 0x78595a6804c9e, 0x2b8324804fc1d}};
// libdecaf's RISTRETTO_FACTOR for curve25519: the square root of a - d = -121666 whose encoding it
// uses (checked: F^2 = -121666, and the bytes match decaf_255_point_encode on every test point).
constexpr Fe kRistrettoFactor = {{0x702557fa2bf03, 0x514b7d1a82cc6, 0x7f89efd8b43a7, 0x1aef49ec23700, 0x79376fa30500}};
// kRistrettoFactor * sqrt(-1), "imi" in libdecaf's deisogenize.
constexpr Fe kRistrettoFactorTimesI = {{0x6db8831bbddec, 0x38d7b56c9c165, 0x16b221394bdc, 0x7540f7816214a, 0xa0d85b4032b1}};

// One carry pass: limbs 1..4 below 2^51, limb 0 below 2^51 + 19 * 2^13 (for any 64-bit limbs).
void carry(Fe& a) {
  u64 c = a.v[0] >> 51;
  a.v[0] &= kMask51;
  for (int i = 1; i < 5; ++i) {
    a.v[i] += c;
    c = a.v[i] >> 51;
    a.v[i] &= kMask51;
  }
  a.v[0] += 19 * c;
}

Fe load(const gf_25519_s* g) {
  Fe a;
  for (int i = 0; i < 5; ++i) a.v[i] = g->limb[i];
  carry(a);  // libdecaf leaves some headroom in its limbs
  return a;
}

Fe add(const Fe& a, const Fe& b) {
  Fe r;
  for (int i = 0; i < 5; ++i) r.v[i] = a.v[i] + b.v[i];
  carry(r);
  return r;
}

// a - b as a + 4p - b: every limb of 4p exceeds every limb of a carried b.
Fe sub(const Fe& a, const Fe& b) {
  constexpr u64 k4p0 = 4 * ((u64{1} << 51) - 19), k4pi = 4 * ((u64{1} << 51) - 1);
  Fe r;
  r.v[0] = a.v[0] + k4p0 - b.v[0];
  for (int i = 1; i < 5; ++i) r.v[i] = a.v[i] + k4pi - b.v[i];
  carry(r);
  return r;
}

Fe neg(const Fe& a) { return sub(Fe{{0, 0, 0, 0, 0}}, a); }

// The five 128-bit column sums of a product, carried down to limbs (2^255 = 19 mod p).
Fe reduce_columns(u128 r0, u128 r1, u128 r2, u128 r3, u128 r4) {
  r1 += r0 >> 51;
  r2 += r1 >> 51;
  r3 += r2 >> 51;
  r4 += r3 >> 51;
  const u128 t = (r0 & kMask51) + (r4 >> 51) * 19;
  Fe out;
  out.v[0] = static_cast<u64>(t) & kMask51;
  out.v[1] = (static_cast<u64>(r1) & kMask51) + static_cast<u64>(t >> 51);
  out.v[2] = static_cast<u64>(r2) & kMask51;
  out.v[3] = static_cast<u64>(r3) & kMask51;
  out.v[4] = static_cast<u64>(r4) & kMask51;
  return out;
}

// Inputs with limbs below 2^52 (every Fe here is carried): columns stay below 2^112.
Fe mul(const Fe& a, const Fe& b) {
  const u64 b1 = 19 * b.v[1], b2 = 19 * b.v[2], b3 = 19 * b.v[3], b4 = 19 * b.v[4];
  auto m = [](u64 x, u64 y) { return static_cast<u128>(x) * y; };
  const u128 r0 = m(a.v[0], b.v[0]) + m(a.v[1], b4) + m(a.v[2], b3) + m(a.v[3], b2) + m(a.v[4], b1);
  const u128 r1 = m(a.v[0], b.v[1]) + m(a.v[1], b.v[0]) + m(a.v[2], b4) + m(a.v[3], b3) + m(a.v[4], b2);
  const u128 r2 = m(a.v[0], b.v[2]) + m(a.v[1], b.v[1]) + m(a.v[2], b.v[0]) + m(a.v[3], b4) + m(a.v[4], b3);
  const u128 r3 = m(a.v[0], b.v[3]) + m(a.v[1], b.v[2]) + m(a.v[2], b.v[1]) + m(a.v[3], b.v[0]) + m(a.v[4], b4);
  const u128 r4 = m(a.v[0], b.v[4]) + m(a.v[1], b.v[3]) + m(a.v[2], b.v[2]) + m(a.v[3], b.v[1]) + m(a.v[4], b.v[0]);
  return reduce_columns(r0, r1, r2, r3, r4);
}

Fe sqr(const Fe& a) {
  const u64 d0 = 2 * a.v[0], d1 = 2 * a.v[1], d3_19 = 2 * 19 * a.v[3];
  const u64 a3_19 = 19 * a.v[3], a4_19 = 19 * a.v[4];
  auto m = [](u64 x, u64 y) { return static_cast<u128>(x) * y; };
  const u128 r0 = m(a.v[0], a.v[0]) + m(d1, a4_19) + m(2 * a.v[2], a3_19);
  const u128 r1 = m(d0, a.v[1]) + m(2 * a.v[2], a4_19) + m(a.v[3], a3_19);
  const u128 r2 = m(d0, a.v[2]) + m(a.v[1], a.v[1]) + m(d3_19, a.v[4]);
  const u128 r3 = m(d0, a.v[3]) + m(d1, a.v[2]) + m(a.v[4], a4_19);
  const u128 r4 = m(d0, a.v[4]) + m(d1, a.v[3]) + m(a.v[2], a.v[2]);
  return reduce_columns(r0, r1, r2, r3, r4);
}

Fe sqr_n(Fe a, int n) {
  for (int i = 0; i < n; ++i) a = sqr(a);
  return a;
}

Fe mul_small(const Fe& a, u64 k) {
  return reduce_columns(static_cast<u128>(a.v[0]) * k, static_cast<u128>(a.v[1]) * k, static_cast<u128>(a.v[2]) * k,
                        static_cast<u128>(a.v[3]) * k, static_cast<u128>(a.v[4]) * k);
}

// mask is all ones or all zeros.
void cond_select(Fe& a, const Fe& b, u64 mask) {  // a = mask ? b : a
  for (int i = 0; i < 5; ++i) a.v[i] ^= mask & (a.v[i] ^ b.v[i]);
}
void cond_swap(Fe& a, Fe& b, u64 mask) {
  for (int i = 0; i < 5; ++i) {
    const u64 t = mask & (a.v[i] ^ b.v[i]);
    a.v[i] ^= t;
    b.v[i] ^= t;
  }
}
void cond_neg(Fe& a, u64 mask) { cond_select(a, neg(a), mask); }

// The unique representative below p, limbs below 2^51. Three carry passes bring the value below
// 2^255; then h >= p exactly when h + 19 carries out of bit 255, and adding 19 * that carry and
// dropping bit 255 subtracts p.
Fe canonical(Fe a) {
  carry(a);
  carry(a);
  carry(a);
  u64 q = (a.v[0] + 19) >> 51;
  for (int i = 1; i < 5; ++i) q = (a.v[i] + q) >> 51;
  a.v[0] += 19 * q;
  for (int i = 0; i < 4; ++i) {
    a.v[i + 1] += a.v[i] >> 51;
    a.v[i] &= kMask51;
  }
  a.v[4] &= kMask51;
  return a;
}

// All ones when a = 0 mod p, else zero.
u64 zero_mask(const Fe& a) {
  const Fe c = canonical(a);
  const u64 acc = c.v[0] | c.v[1] | c.v[2] | c.v[3] | c.v[4];
  return ((acc | (0 - acc)) >> 63) - 1;
}

// All ones when the canonical value is odd ("negative" in RFC 9496), else zero.
u64 lobit_mask(const Fe& a) { return 0 - (canonical(a).v[0] & 1); }

// x^((p-5)/8) = x^(2^252 - 3), the usual addition chain.
Fe pow22523(const Fe& x) {
  const Fe x2 = sqr(x);
  const Fe x9 = mul(x, sqr_n(x2, 2));
  const Fe x11 = mul(x2, x9);
  const Fe e5 = mul(x9, sqr(x11));          // 2^5 - 1
  const Fe e10 = mul(e5, sqr_n(e5, 5));     // 2^10 - 1
  const Fe e20 = mul(e10, sqr_n(e10, 10));  // 2^20 - 1
  const Fe e40 = mul(e20, sqr_n(e20, 20));  // 2^40 - 1
  const Fe e50 = mul(e10, sqr_n(e40, 10));  // 2^50 - 1
  const Fe e100 = mul(e50, sqr_n(e50, 50)); // 2^100 - 1
  const Fe e200 = mul(e100, sqr_n(e100, 100));  // 2^200 - 1
  const Fe e250 = mul(e50, sqr_n(e200, 50));    // 2^250 - 1
  return mul(x, sqr_n(e250, 2));                // 2^252 - 3
}

// 1/sqrt(x) when x is a nonzero square (0 for x = 0); its sign does not matter to the encoding,
// which normalises every sign it depends on. With y = x^((p-5)/8), y^2 x = +-1 for a square x; on
// -1 the root is y * sqrt(-1).
Fe inverse_sqrt(const Fe& x) {
  Fe y = pow22523(x);
  const u64 minus_one = zero_mask(add(mul(sqr(y), x), kOne));
  cond_select(y, mul(y, kSqrtMinusOne), minus_one);
  return y;
}

void to_bytes(std::array<uint8_t, 32>& out, const Fe& a) {
  const Fe c = canonical(a);
  const u64 w[4] = {c.v[0] | c.v[1] << 51, c.v[1] >> 13 | c.v[2] << 38, c.v[2] >> 26 | c.v[3] << 25, c.v[3] >> 39 | c.v[4] << 12};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 8; ++j) out[8 * i + j] = static_cast<uint8_t>(w[i] >> (8 * j));
}

}  // namespace

// libdecaf's deisogenize for cofactor 8 with the imaginary twist (toggles zero), step by step:
// the ristretto255 encoding of RFC 9496 §4.3.2 expressed on libdecaf's internal curve.
void encode(std::array<uint8_t, 32>& out, const decaf_255_point_s* p) {
  struct {
    Fe x, y, z, t, num, den, isr, inum, iden, alt, fac, s;
  } w;  // every temporary is derived from p: wiped before returning
  w.x = load(p->x);
  w.y = load(p->y);
  w.z = load(p->z);
  w.t = load(p->t);
  w.num = mul(add(w.z, w.y), sub(w.z, w.y));
  w.den = mul(w.x, w.y);
  // isr = 1/sqrt(num * (a - d) * den^2), a - d = -1 - 121665.
  w.isr = inverse_sqrt(neg(mul_small(mul(sqr(w.den), w.num), kTwistedD + 1)));
  w.iden = mul(mul(w.den, w.isr), kRistrettoFactor);
  w.inum = mul(w.num, w.isr);
  // Rotate when iden * inum * i * t^2 * (d - a) is negative.
  w.alt = mul_small(mul(mul(mul(mul(w.inum, w.iden), kSqrtMinusOne), w.t), w.t), kTwistedD + 1);
  const u64 rotate = lobit_mask(w.alt);
  cond_swap(w.inum, w.iden, rotate);
  w.fac = w.y;  // "fac": i*x if rotated, else y
  cond_select(w.fac, mul(w.x, kSqrtMinusOne), rotate);
  w.iden = mul(kRistrettoFactorTimesI, w.iden);
  const u64 neg_x = lobit_mask(mul(mul(kRistrettoFactorTimesI, w.inum), w.t));
  cond_neg(w.inum, neg_x ^ rotate);
  w.s = mul(mul(add(mul(w.inum, w.z), kOne), w.fac), w.iden);
  cond_neg(w.s, lobit_mask(w.s));
  to_bytes(out, w.s);
  sodium_memzero(&w, sizeof w);
}

bool equal(const decaf_255_point_s* p, const decaf_255_point_s* q) {
  const Fe x1 = load(p->x), y1 = load(p->y), x2 = load(q->x), y2 = load(q->y);
  const u64 same = zero_mask(sub(mul(x1, y2), mul(y1, x2))) | zero_mask(sub(mul(y1, y2), mul(x1, x2)));
  return static_cast<bool>(same & 1);
}

bool is_identity(const decaf_255_point_s* p) {
  const u64 identity = zero_mask(load(p->x)) | zero_mask(load(p->y));
  return static_cast<bool>(identity & 1);
}

}  // namespace escrow::group::decaf_ct
