#pragma once
/// What an agency sends a trustee and what comes back (SPEC §11).
///
/// Request: the signed warrant, a fresh nonce and time, a batch of escrow fields, signed with the
/// agency Ed25519 key the warrant names. Response: one result per field (a partial decryption or
/// the reason for refusing it), signed by the trustee and sealed to the warrant's agency X25519
/// key, so the transport needs no secrecy of its own.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/rng.hpp"
#include "escrow/secret.hpp"
#include "escrow/signature.hpp"

namespace escrow::request {

inline constexpr std::size_t kMaxFields = 10000;          ///< per request
inline constexpr std::size_t kMaxRequestBytes = 8 << 20;  ///< refused before parsing
inline constexpr std::size_t kMaxFieldBytes = 4096;       ///< one escrow-field encoding
inline constexpr std::size_t kMaxSignedWarrantBytes = 64 * 1024;
/// A request's encoding (SPEC §11.1) is kRequestFixedBytes (header, warrant length, nonce, time,
/// field count, signature), its signed warrant, and each field with its kFieldPrefixBytes length.
inline constexpr std::size_t kRequestFixedBytes = 6 + 4 + 16 + 8 + 2 + 64;
inline constexpr std::size_t kFieldPrefixBytes = 2;
/// A decrypt body ({"request": "<hex>"}, SPEC §11.5) of at most this many bytes is read outside a
/// trustee's budget for large bodies, so no one holding that budget holds it up: `investigate`
/// splits its batches to stay under it.
inline constexpr std::size_t kSmallBodyBytes = 64 * 1024;

/// The longest prefix of a request's encoding that holds its warrant's agency sign key: the
/// request's header and warrant length, the signed warrant's header and length, then the warrant
/// up to agency_sign_key with a case reference, court and 64 targets of 255 bytes each (17,071
/// bytes; 18 KiB leaves room).
inline constexpr std::size_t kAgencyKeyPrefixBytes = 18 * 1024;

using SigningKey = signature::SigningKey;
using VerifyKey = signature::VerifyKey;

struct DecryptRequest {
  std::vector<uint8_t> signed_warrant;            ///< a SignedWarrant encoding, as the court issued it
  std::array<uint8_t, 16> nonce{};
  uint64_t time = 0;                              ///< the agency's clock, Unix seconds
  std::vector<std::vector<uint8_t>> fields;       ///< escrow-field encodings
  std::array<uint8_t, 64> signature{};

  /// The bounds decode() applies (a signed warrant of at most 64 KiB, 1..10000 fields of at
  /// most 4096 bytes each), for a request built field by field before it is signed.
  [[nodiscard]] Result<void> check() const;
  /// The encoding up to the signature. Aborts on a request whose fields overflow their length
  /// prefixes (see wire::Writer); check() refuses those first.
  [[nodiscard]] std::vector<uint8_t> signed_part() const;
  [[nodiscard]] std::vector<uint8_t> encode() const;
  [[nodiscard]] static Result<DecryptRequest> decode(std::span<const uint8_t> bytes);
  /// The request's id in logs and responses: the 32-byte message the agency signed (SPEC §11.1).
  [[nodiscard]] std::array<uint8_t, 32> hash() const;
};

/// The agency sign key a request's encoding names, from its first bytes (`prefix`, at most
/// kAgencyKeyPrefixBytes needed) without decoding the rest; nullopt if they do not reach it.
/// UNVERIFIED: good only for refusing a request that names a key already busy, which harms no one
/// but that key's holder (a trustee's agency_busy, SPEC §11.5).
[[nodiscard]] std::optional<VerifyKey> peek_agency_sign_key(std::span<const uint8_t> prefix);

void sign(DecryptRequest& request, const SigningKey& agency);
[[nodiscard]] bool verify_signature(const DecryptRequest& request, const VerifyKey& agency);

/// Why a field was refused, or that it was issued. One byte on the wire; values never reused.
enum class FieldStatus : uint8_t {
  issued = 0,
  malformed = 1,      ///< does not parse as an escrow field with a session label
  invalid_field = 2,  ///< fails the TDH2 validity check
  out_of_scope = 3,   ///< label outside the warrant's targets or time window
  over_budget = 4,    ///< the warrant's session budget at this trustee is spent
};
[[nodiscard]] std::string_view to_string(FieldStatus s);

struct FieldResult {
  FieldStatus status = FieldStatus::issued;
  std::vector<uint8_t> partial;  ///< PartialDecryption encoding when issued, else empty
};

struct DecryptResponse {
  uint8_t trustee = 0;
  std::array<uint8_t, 32> request_hash{};
  std::vector<FieldResult> results;  ///< one per requested field, in order
  std::array<uint8_t, 64> signature{};

  [[nodiscard]] std::vector<uint8_t> signed_part() const;
  [[nodiscard]] std::vector<uint8_t> encode() const;
  [[nodiscard]] static Result<DecryptResponse> decode(std::span<const uint8_t> bytes);
};

void sign(DecryptResponse& response, const SigningKey& trustee);
[[nodiscard]] bool verify_signature(const DecryptResponse& response, const VerifyKey& trustee);

/// libsodium sealed box to the agency's X25519 key (escrow/sealed_box.hpp; malformed for a
/// low-order key, which no warrant that decodes carries), and its opening.
[[nodiscard]] Result<std::vector<uint8_t>> seal(std::span<const uint8_t> plaintext, const std::array<uint8_t, 32>& agency_box_key,
                                                Rng& rng);
[[nodiscard]] Result<std::vector<uint8_t>> unseal(std::span<const uint8_t> sealed, const std::array<uint8_t, 32>& box_public,
                                                  const Secret<32>& box_secret);

}  // namespace escrow::request
