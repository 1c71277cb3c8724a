#pragma once
// Constant-time ristretto255 encoding and equality for libdecaf's points, in our own field
// arithmetic over libdecaf's field elements (SPEC §2.1, §8). Private to the libdecaf backend.
//
// Why not libdecaf's own: Debian builds libdecaf 1.0.2 without NDEBUG, so the assert()s in its
// gf_25519_strong_reduce (src/GENERATED/c/p25519/f_generic.c, lines 94 and 106) are compiled in, and
// each is a conditional jump on words computed from the field element being reduced. Every
// canonical reduction goes through it: decaf_255_point_encode (gf_serialize, gf_lobit) and
// decaf_255_point_eq (gf_eq). The asserted invariants always hold, so the jumps always go the same
// way; but the constant-time check (tests/ct/) cannot tell an invariant from a secret, and a
// suppression wide enough to hide them would hide every other branch under the same calls. So these
// few functions are ours, and the check follows them with secrets marked.
#include <decaf/point_255.h>

#include <array>
#include <cstdint>

namespace escrow::group::decaf_ct {

/// The canonical 32-byte ristretto255 encoding of p: the same bytes as decaf_255_point_encode
/// (libdecaf's deisogenize, cofactor 8 with the imaginary twist), without a secret-dependent branch.
void encode(std::array<uint8_t, 32>& out, const decaf_255_point_s* p);

/// Whether p and q are the same ristretto255 element (X1*Y2 == Y1*X2 or Y1*Y2 == X1*X2, RFC 9496
/// §4.3.3), without a secret-dependent branch. The result is secret if p or q is: a caller that
/// branches on it declassifies it, saying why.
[[nodiscard]] bool equal(const decaf_255_point_s* p, const decaf_255_point_s* q);

/// Whether p is the identity (X == 0 or Y == 0), without a secret-dependent branch.
[[nodiscard]] bool is_identity(const decaf_255_point_s* p);

}  // namespace escrow::group::decaf_ct
