#pragma once
/// A warrant (SPEC §10): what a court allows an agency to decrypt, signed by judges whose
/// certificates chain to the judicial root the trustees trust.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/label.hpp"
#include "escrow/pki.hpp"

namespace escrow::warrant {

inline constexpr std::size_t kMaxTargets = 64;
inline constexpr std::size_t kMaxSignatures = 16;
inline constexpr std::size_t kMaxNameBytes = 255;          ///< case reference, court, each target
inline constexpr std::size_t kMaxCertificateBytes = 16 * 1024;
inline constexpr std::size_t kMaxWarrantBytes = 64 * 1024;  ///< a Warrant encoding inside a SignedWarrant

struct Warrant {
  std::array<uint8_t, 16> id{};
  std::string case_reference;             ///< 1..255 bytes
  std::string court;                      ///< 1..255 bytes
  std::vector<std::string> targets;       ///< 1..64 identities, as in session labels
  uint64_t window_start = 0;              ///< sessions whose label time is in [start, end]
  uint64_t window_end = 0;
  uint32_t max_sessions = 0;              ///< per trustee, across all requests under this warrant
  uint64_t not_after = 0;                 ///< expiry, Unix seconds
  std::array<uint8_t, 32> agency_box_key{};   ///< X25519: shares come back sealed to it
  std::array<uint8_t, 32> agency_sign_key{};  ///< Ed25519: requests must be signed by it

  /// The rules decode() applies, for a warrant built field by field: case reference, court and
  /// each target 1..255 printable bytes, 1..64 targets, window start <= end, max sessions > 0.
  /// Every refusal is malformed, naming the field.
  [[nodiscard]] Result<void> check() const;
  /// `draft` if it passes check(): how a warrant is made before it is encoded or signed.
  [[nodiscard]] static Result<Warrant> make(Warrant draft);
  /// Aborts on a warrant whose fields overflow their length prefixes (see wire::Writer): call
  /// check() or make() on anything not produced by decode().
  [[nodiscard]] std::vector<uint8_t> encode() const;
  [[nodiscard]] static Result<Warrant> decode(std::span<const uint8_t> bytes);
  /// Does this warrant cover the session? A target is sender or recipient, and the label's
  /// time lies inside the window.
  [[nodiscard]] bool covers(const SessionLabel& label) const;
};

struct JudgeSignature {
  std::vector<uint8_t> certificate_der;
  std::array<uint8_t, 64> signature{};
};

struct SignedWarrant {
  Warrant warrant;
  std::vector<JudgeSignature> signatures;

  [[nodiscard]] std::vector<uint8_t> encode() const;
  [[nodiscard]] static Result<SignedWarrant> decode(std::span<const uint8_t> bytes);
  /// H_{warrant/id-hash}(warrant encoding): how logs and budgets name a warrant.
  [[nodiscard]] std::array<uint8_t, 32> hash() const;
};

/// The agency sign key a signed warrant's encoding names, read from its first bytes alone
/// (`prefix`), without decoding or checking the rest: nullopt if the prefix does not reach the
/// key or does not start as a signed warrant. UNVERIFIED: for refusing cheaply, never for trusting.
[[nodiscard]] std::optional<std::array<uint8_t, 32>> peek_agency_sign_key(std::span<const uint8_t> prefix);

/// The message a judge signs: H_{warrant/judge-signature}(warrant encoding).
[[nodiscard]] std::array<uint8_t, 32> signing_message(const Warrant& w);
/// Adds `judge`'s signature (its certificate goes along). Refuses a warrant that fails check(),
/// a 17th signature and a certificate over 16 KiB: what SignedWarrant::decode would refuse.
[[nodiscard]] Result<void> add_signature(SignedWarrant& sw, const pki::Credential& judge);

struct Policy {
  std::string root_pem;           ///< the judicial root the trustee trusts
  std::string crl_pem;            ///< the root's current CRL
  unsigned judges_required = 1;   ///< distinct judges (by key) whose valid signatures are needed
  uint64_t crl_number_floor = 0;  ///< the newest CRL number the trustee has accepted: older CRLs are refused
};

struct Verified {
  std::vector<pki::Judge> judges;  ///< the judges whose signatures counted
  uint64_t crl_number = 0;         ///< the number of the CRL they were checked against
};

/// Checks, in order: the warrant is not expired and its window is sane; the CRL is the root's,
/// current, and not older than `crl_number_floor` (pki::check_crl); each signature's
/// certificate chains to the root, is not revoked and states the judge's purpose
/// (pki::verify_judge); each signature verifies; enough distinct judges signed. Every refusal
/// is policy_denied with the reason.
[[nodiscard]] Result<Verified> verify(const SignedWarrant& sw, const Policy& policy, uint64_t now);

}  // namespace escrow::warrant
