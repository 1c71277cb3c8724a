#pragma once
/// The ristretto255 prime-order group, with the checks the libraries leave to us (SPEC §2.1):
/// canonical scalars, explicit identity handling, zero scalars where meaningless.
///
/// Two point backends, chosen at configure time (-DDOORMAT_GROUP_BACKEND=decaf|sodium, SPEC §2.1):
/// libdecaf (the default; lib/group/group_decaf.cpp), where a Point holds libdecaf's decoded point
/// and encodes it once, when its bytes are first asked for; and libsodium (the reference;
/// lib/group/group_sodium.cpp), where a Point is its 32-byte encoding and every operation decodes
/// it. Both give the same bytes for every operation (tests/group_backend_diff_test.cpp). Scalars
/// are libsodium's under both.
///
/// Scalar is for public scalars (challenges, responses, Lagrange coefficients, indices) and for the
/// arithmetic on secret ones: its arithmetic is libsodium's constant-time code, comparisons use
/// sodium_memcmp, and every Scalar wipes its bytes when destroyed. A scalar that IS a secret (a key
/// share, a nonce) is held in a SecretScalar: not copyable, reachable only through expose_secret().
/// Points are public values.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "escrow/error.hpp"
#include "escrow/rng.hpp"

namespace escrow::group {

inline constexpr std::size_t kScalarBytes = 32;
inline constexpr std::size_t kPointBytes = 32;

enum class ZeroScalar { refuse, allow };
enum class IdentityPoint { refuse, allow };

class Scalar {
 public:
  Scalar();  ///< zero
  ~Scalar();
  Scalar(const Scalar&) = default;
  Scalar& operator=(const Scalar&) = default;

  [[nodiscard]] static Scalar from_u64(uint64_t value);
  /// Parses 32 little-endian bytes; refuses values >= the group order L (non-canonical),
  /// and zero unless `zero` is allow.
  [[nodiscard]] static Result<Scalar> from_bytes(std::span<const uint8_t> bytes,
                                                 ZeroScalar zero = ZeroScalar::refuse);
  /// Reduces 64 bytes modulo L (uniform when the input is).
  [[nodiscard]] static Scalar reduce(std::span<const uint8_t, 64> wide);
  /// Uniform in [1, L-1]: 64 bytes from rng reduced mod L, drawn again on zero.
  [[nodiscard]] static Scalar random(Rng& rng);

  [[nodiscard]] Scalar operator+(const Scalar& o) const;
  [[nodiscard]] Scalar operator-(const Scalar& o) const;
  [[nodiscard]] Scalar operator*(const Scalar& o) const;
  [[nodiscard]] Scalar negate() const;
  /// Multiplicative inverse; refuses zero.
  [[nodiscard]] Result<Scalar> invert() const;

  [[nodiscard]] bool is_zero() const;
  [[nodiscard]] bool operator==(const Scalar& o) const;  ///< constant time
  /// The 32-byte little-endian encoding, by reference: writing a scalar out leaves no copy on the
  /// stack. A temporary's bytes are returned by value (they would dangle otherwise).
  [[nodiscard]] const std::array<uint8_t, kScalarBytes>& to_bytes() const& { return bytes_; }
  [[nodiscard]] std::array<uint8_t, kScalarBytes> to_bytes() const&& { return bytes_; }

 private:
  std::array<uint8_t, kScalarBytes> bytes_;
};

/// A secret scalar: a key share, an encryption or proof nonce. Not copyable; movable (the source is
/// zeroed); wiped on destruction (Scalar's destructor). Its value is reachable only through
/// expose_secret(), the one name to grep for to audit every use. Arithmetic goes through the
/// exposed Scalar, whose temporaries wipe themselves too.
class SecretScalar {
 public:
  /// Takes the value; the caller's Scalar wipes itself when it goes.
  explicit SecretScalar(const Scalar& value) : value_(value) {}
  SecretScalar(const SecretScalar&) = delete;
  SecretScalar& operator=(const SecretScalar&) = delete;
  SecretScalar(SecretScalar&& other) noexcept : value_(other.value_) { other.value_ = Scalar(); }
  SecretScalar& operator=(SecretScalar&& other) noexcept {
    if (this != &other) {
      value_ = other.value_;
      other.value_ = Scalar();
    }
    return *this;
  }
  ~SecretScalar() = default;

  /// Uniform in [1, L-1] (Scalar::random).
  [[nodiscard]] static SecretScalar random(Rng& rng) { return SecretScalar(Scalar::random(rng)); }
  /// Scalar::from_bytes, for a secret encoding (a stored key share).
  [[nodiscard]] static Result<SecretScalar> from_bytes(std::span<const uint8_t> bytes,
                                                       ZeroScalar zero = ZeroScalar::refuse);

  [[nodiscard]] const Scalar& expose_secret() const { return value_; }

 private:
  Scalar value_;
};

class Point {
 public:
  Point();  ///< the identity
  [[nodiscard]] static Point identity() { return Point(); }
  [[nodiscard]] static const Point& generator();      ///< G, the ristretto255 base point
  [[nodiscard]] static const Point& generator_bar();  ///< Gbar = hash_to_point(kGeneratorBar)

  /// Parses a canonical ristretto255 encoding; refuses the identity unless allowed.
  [[nodiscard]] static Result<Point> from_bytes(std::span<const uint8_t> bytes,
                                                IdentityPoint identity = IdentityPoint::refuse);
  /// Maps 64 uniform bytes onto the group (RFC 9496's one-way map: libsodium's
  /// crypto_core_ristretto255_from_hash, libdecaf's decaf_255_point_from_hash_uniform).
  [[nodiscard]] static Point from_uniform(std::span<const uint8_t, 64> wide);

  /// s*G. A zero scalar gives the identity (libsodium signals it with -1; we return it).
  [[nodiscard]] static Point base_mul(const Scalar& s);
  /// s*P. Identity results (s = 0 or P = identity) are returned as the identity, explicitly.
  [[nodiscard]] Point operator*(const Scalar& s) const;
  [[nodiscard]] Point operator+(const Point& o) const;
  [[nodiscard]] Point operator-(const Point& o) const;

  [[nodiscard]] bool is_identity() const;
  [[nodiscard]] bool operator==(const Point& o) const;  ///< constant time
#if defined(DOORMAT_GROUP_DECAF)
  Point(const Point& o);
  Point& operator=(const Point& o);
  ~Point() = default;
  /// The canonical encoding, computed on first use and kept (thread-safe: a Point, like the
  /// generators, may be read by several threads at once).
  [[nodiscard]] const std::array<uint8_t, kPointBytes>& to_bytes() const;

 private:
  enum : uint8_t { kNotEncoded = 0, kEncoding = 1, kEncoded = 2 };
  // libdecaf's decaf_255_point_t (four field elements, 256 bytes, 32-aligned), opaque here so that
  // <decaf/point_255.h> is not on every consumer's include path; group_decaf.cpp checks the layout.
  alignas(32) std::array<uint8_t, 256> rep_;
  mutable std::array<uint8_t, kPointBytes> bytes_;
  mutable std::atomic<uint8_t> encoded_{kNotEncoded};
  friend struct DecafAccess;
  friend void poison_for_ct_check(const Point& p);
#else
  [[nodiscard]] const std::array<uint8_t, kPointBytes>& to_bytes() const { return bytes_; }

 private:
  std::array<uint8_t, kPointBytes> bytes_;
  friend void poison_for_ct_check(const Point& p);
#endif
};

/// s·P for one P multiplied many times (SPEC §2.1: G, Gbar, the authority key Y, each Y_i). Under
/// libdecaf a table of P's multiples (decaf_255_precomputed_s, ~9 KiB, built once by the
/// constructor in ~40 µs) multiplied in constant time, a third of the ladder's cost; under
/// libsodium the plain product (no tables for bases other than G). Immutable once made: copies
/// share the table and any number of threads may use one. lib/group/fixed_base_*.cpp.
class FixedBase {
 public:
  explicit FixedBase(const Point& p);
  [[nodiscard]] const Point& point() const { return point_; }
  /// s·P, constant time in s and P (s may be secret: encrypt's r, check_recipient's r).
  [[nodiscard]] Point mul(const Scalar& s) const;

  struct Table;  ///< the backend's; opaque here

 private:
  Point point_;
  std::shared_ptr<const Table> table_;
};

/// a·P + b·Q in VARIABLE time: its running time depends on a, b, P and Q, so every input must be
/// public (verification equations; SPEC §8 lists each caller). Under libdecaf: when P is G,
/// decaf_255_base_double_scalarmul_non_secret (a·G itself when b = 0, where libdecaf 1.0.2 is
/// wrong), else Straus; under libsodium two products and a sum. lib/group/vartime_*.cpp.
[[nodiscard]] Point double_mul_vartime(const Scalar& a, const Point& p, const Scalar& b, const Point& q);
/// Sum of scalars[i]·points[i] in VARIABLE time under libdecaf (Straus: interleaved width-5 NAFs,
/// one shared chain of doublings; from 192 points Pippenger's buckets, where the two cross), the
/// naive sum under libsodium. Public inputs only; the
/// spans must have the same length (aborts otherwise: a programming error).
[[nodiscard]] Point multi_mul_vartime(std::span<const Scalar> scalars, std::span<const Point> points);
/// Whether multi_mul_vartime beats its products taken one by one: libdecaf's Straus does, libsodium's
/// naive sum does not. For callers that combine checks only to save time (tdh2's batch, SPEC §5.7).
#if defined(DOORMAT_GROUP_DECAF)
inline constexpr bool kMultiMulIsFast = true;
#else
inline constexpr bool kMultiMulIsFast = false;
#endif

/// Sum of scalars[i]·points[i] for PUBLIC scalars and points that may be SECRET (combine's
/// interpolation sum lambda_i u_i, whose result r·Y is the session's secret; SPEC §8). Under
/// libdecaf the same Straus as multi_mul_vartime: its branches, its chain's length and its table
/// indices follow the scalars' digits only, and the points enter nothing but libdecaf's
/// constant-time additions, subtractions, doublings and copies, so its time depends on the
/// scalars, never on the points (tests/ct/'s constant_time_combine follows the points through it).
/// Under libsodium the sum of constant-time products. Spans of the same length (aborts otherwise).
[[nodiscard]] Point multi_mul_public_scalars(std::span<const Scalar> scalars, std::span<const Point> points);

/// tests/ct/ only: marks p's value secret for the constant-time check (escrow::ct::poison), in
/// whatever form the backend holds it: under libdecaf its internal coordinates and any cached
/// encoding, under libsodium its bytes. Outside valgrind it does nothing.
void poison_for_ct_check(const Point& p);

/// H_tag(inputs...) as 64 bytes reduced mod L (SPEC §2.2).
[[nodiscard]] Scalar hash_to_scalar(std::string_view tag,
                                    std::initializer_list<std::span<const uint8_t>> inputs);
/// H_tag(inputs...) as 64 bytes mapped with from_uniform (SPEC §2.2).
[[nodiscard]] Point hash_to_point(std::string_view tag,
                                  std::initializer_list<std::span<const uint8_t>> inputs);

/// Batch inversion (Montgomery's trick): one field inversion for the whole list.
/// Refuses if any element is zero.
[[nodiscard]] Result<std::vector<Scalar>> batch_invert(std::span<const Scalar> values);

}  // namespace escrow::group
