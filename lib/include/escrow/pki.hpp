#pragma once
/// The judicial PKI (SPEC §10) through Botan 2's X.509: a root CA, judge certificates and a CRL,
/// all with Ed25519 keys, as ordinary PEM that `openssl x509` / `openssl verify` accept.
/// Every Botan exception is caught here and returned as an Error.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/secret.hpp"

namespace escrow::pki {

/// A certificate with its private key (PKCS#8 PEM, unencrypted: protect the file, 0600).
struct Credential {
  std::string certificate_pem;
  SecureBytes private_key_pem;
};

/// Self-signed root CA for a court system, valid from now for `valid_days`.
[[nodiscard]] Result<Credential> create_root(const std::string& name, uint32_t valid_days);
/// A judge's certificate signed by the root.
[[nodiscard]] Result<Credential> appoint_judge(const Credential& root, const std::string& judge_name,
                                               uint32_t valid_days);
/// A CRL signed by the root listing `revoked` (certificate PEMs), valid for `valid_hours`.
[[nodiscard]] Result<std::string> issue_crl(const Credential& root, const std::vector<std::string>& revoked,
                                            uint32_t valid_hours);

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
/// Checks: parses, chains to `root_pem`, the CRL is signed by the root and current, the
/// certificate is not revoked, `now` inside its validity, and the key is Ed25519.
[[nodiscard]] Result<Judge> verify_judge(std::span<const uint8_t> certificate_der, const std::string& root_pem,
                                         const std::string& crl_pem, uint64_t now);

}  // namespace escrow::pki
