#pragma once
/// The judicial PKI (SPEC §10) through Botan 2's X.509: a root CA, judge certificates and a CRL,
/// all with Ed25519 keys, as ordinary PEM that `openssl x509` / `openssl verify` accept.
/// Every Botan exception is caught here and returned as an Error.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <optional>

#include "escrow/error.hpp"
#include "escrow/rng.hpp"
#include "escrow/secret.hpp"

namespace escrow::pki {

/// A certificate with its private key (PKCS#8 PEM, unencrypted: protect the file, 0600).
struct Credential {
  std::string certificate_pem;
  SecureBytes private_key_pem;
};

/// The extendedKeyUsage every judge certificate carries and every trustee requires (SPEC §10.3):
/// id-kp-doormat-warrant-signing. The arc is IANA's documentation enterprise number 32473
/// (RFC 5612), assigned to no one, so the OID collides with no real purpose; `77.1` is Doormat's
/// PKI under it. A deployment with an enterprise number of its own replaces it here.
inline constexpr const char* kWarrantSigningOid = "1.3.6.1.4.1.32473.77.1.1";

/// Where issuance draws its randomness (keys, serial numbers) and what it calls now: by default
/// the system's RNG and clock. The vector generator passes a DeterministicRng and a fixed time, so
/// the judicial PKI of the trustee vectors (tests/vectors/trustee/) is reproducible byte for byte
/// (Ed25519 signatures are deterministic).
struct Issuance {
  Rng* rng = nullptr;
  std::optional<uint64_t> now;
};

/// Self-signed root CA for a court system, valid from now for `valid_days`. pathlen 0: the root
/// signs judges only, never another CA.
[[nodiscard]] Result<Credential> create_root(const std::string& name, uint32_t valid_days,
                                             const Issuance& how = {});
/// A judge's certificate signed by the root: CA:FALSE, critical keyUsage digitalSignature only,
/// extendedKeyUsage kWarrantSigningOid only.
[[nodiscard]] Result<Credential> appoint_judge(const Credential& root, const std::string& judge_name,
                                               uint32_t valid_days, const Issuance& how = {});
/// A CRL signed by the root listing `revoked` (certificate PEMs), valid for `valid_hours`, with
/// CRL number `crl_number` (1..2^32-1). The issuer must make each number larger than the last:
/// trustees refuse a CRL older than one they have accepted (check_crl).
[[nodiscard]] Result<std::string> issue_crl(const Credential& root, const std::vector<std::string>& revoked,
                                            uint32_t valid_hours, uint64_t crl_number = 1,
                                            const Issuance& how = {});

/// Checks a CRL for use at `now`: it parses, is signed by `root_pem`'s key and names it as issuer,
/// `thisUpdate <= now < nextUpdate`, it carries a CRL number, and that number is at least
/// `min_number` (the newest the caller has accepted; equal is the same CRL read again).
/// Returns the CRL number. Refusals are policy_denied and name no file.
[[nodiscard]] Result<uint64_t> check_crl(const std::string& root_pem, const std::string& crl_pem, uint64_t min_number,
                                         uint64_t now);
/// The CRL number a CRL claims, unauthenticated: for the issuer reading back its own file.
[[nodiscard]] Result<uint64_t> crl_number(const std::string& crl_pem);

/// An Ed25519 signature by the credential's key over `message`.
[[nodiscard]] Result<std::array<uint8_t, 64>> sign(const Credential& signer, std::span<const uint8_t> message);

[[nodiscard]] Result<std::vector<uint8_t>> pem_to_der(const std::string& certificate_pem);
[[nodiscard]] Result<std::string> der_to_pem(std::span<const uint8_t> certificate_der);

struct Judge {
  std::string name;                  ///< the certificate's common name
  std::array<uint8_t, 32> key{};     ///< raw Ed25519 public key
  std::string fingerprint;           ///< SHA-256 of the certificate, hex
};

/// Why a judge certificate is refused; the trustee logs and returns these words.
/// Checks: parses; states a judge's purpose, so that no other certificate the root signed can act
/// as a judge: basicConstraints present with CA:FALSE, keyUsage present, critical and exactly
/// digitalSignature, extendedKeyUsage exactly kWarrantSigningOid; chains to `root_pem`, the CRL
/// is signed by the root and current, the certificate is not revoked, `now` inside its
/// validity; and the key is Ed25519.
[[nodiscard]] Result<Judge> verify_judge(std::span<const uint8_t> certificate_der, const std::string& root_pem,
                                         const std::string& crl_pem, uint64_t now);


/// What a certificate says of itself, checked against nothing: for `inspect`, which shows a file
/// without a root to verify it by. Never a reason to trust it (verify_judge is).
struct CertificateInfo {
  std::string subject;               ///< the subject's common name
  std::string issuer;                ///< the issuer's common name
  bool is_ca = false;                ///< basicConstraints CA:TRUE
  uint64_t not_before = 0, not_after = 0;  ///< Unix seconds
  std::string fingerprint;           ///< SHA-256 of the certificate, hex (as Judge::fingerprint)
};
/// Malformed unless `certificate_der` parses as an X.509 certificate.
[[nodiscard]] Result<CertificateInfo> describe_certificate(std::span<const uint8_t> certificate_der);

/// What a CRL says of itself, unverified (check_crl verifies one).
struct CrlInfo {
  std::string issuer;                ///< the issuer's common name
  uint64_t number = 0;               ///< its CRL number, 0 when it has none
  uint64_t this_update = 0, next_update = 0;  ///< Unix seconds
  std::size_t revoked = 0;           ///< certificates it lists
};
/// Malformed unless `crl_pem` parses as an X.509 CRL.
[[nodiscard]] Result<CrlInfo> describe_crl(const std::string& crl_pem);

}  // namespace escrow::pki
