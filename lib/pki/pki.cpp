#include "escrow/pki.hpp"

#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/ed25519.h>
#include <botan/hex.h>
#include <botan/pem.h>
#include <botan/pk_keys.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/x509_ca.h>
#include <botan/x509path.h>
#include <botan/x509self.h>
#include <fmt/format.h>

#include <chrono>
#include <memory>

namespace escrow::pki {
namespace {

// Botan 2 wants a hash name even for Ed25519, whose signatures hash internally ("Pure").
constexpr const char* kHash = "SHA-512";

std::chrono::system_clock::time_point at(uint64_t unix_seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
}

template <typename F>
auto botan_call(std::string_view fn, F&& f) -> Result<decltype(f())> {
  try {
    return f();
  } catch (const std::exception& e) {
    return fail(ErrorCategory::malformed, fn, e.what());
  }
}

std::unique_ptr<Botan::Private_Key> load_key(const SecureBytes& pem) {
  Botan::DataSource_Memory src(pem.data(), pem.size());
  return Botan::PKCS8::load_key(src);
}

Botan::X509_Certificate load_cert(const std::string& pem) {
  Botan::DataSource_Memory src(pem);
  return Botan::X509_Certificate(src);
}

SecureBytes key_pem(const Botan::Private_Key& key) {
  const std::string pem = Botan::PKCS8::PEM_encode(key);
  SecureBytes out(pem.begin(), pem.end());
  return out;
}

}  // namespace

Result<Credential> create_root(const std::string& name, uint32_t valid_days) {
  return botan_call("pki::create_root", [&] {
    Botan::AutoSeeded_RNG rng;
    Botan::Ed25519_PrivateKey key(rng);
    Botan::X509_Cert_Options opts(name + "/XX/Doormat/Judicial PKI", valid_days * 86400ull);
    opts.CA_key(1);  // may sign judge certificates, not further CAs
    const auto cert = Botan::X509::create_self_signed_cert(opts, key, kHash, rng);
    return Credential{cert.PEM_encode(), key_pem(key)};
  });
}

Result<Credential> appoint_judge(const Credential& root, const std::string& judge_name, uint32_t valid_days) {
  return botan_call("pki::appoint_judge", [&] {
    Botan::AutoSeeded_RNG rng;
    const auto root_cert = load_cert(root.certificate_pem);
    const auto root_key = load_key(root.private_key_pem);
    Botan::Ed25519_PrivateKey key(rng);
    Botan::X509_Cert_Options opts(judge_name + "/XX/Doormat/Judge");
    const auto req = Botan::X509::create_cert_req(opts, key, kHash, rng);
    Botan::X509_CA ca(root_cert, *root_key, kHash, rng);
    const auto now = std::chrono::system_clock::now();
    const auto cert = ca.sign_request(req, rng, Botan::X509_Time(now - std::chrono::minutes(5)),
                                      Botan::X509_Time(now + std::chrono::hours(24) * valid_days));
    return Credential{cert.PEM_encode(), key_pem(key)};
  });
}

Result<std::string> issue_crl(const Credential& root, const std::vector<std::string>& revoked, uint32_t valid_hours) {
  return botan_call("pki::issue_crl", [&] {
    Botan::AutoSeeded_RNG rng;
    const auto root_cert = load_cert(root.certificate_pem);
    const auto root_key = load_key(root.private_key_pem);
    Botan::X509_CA ca(root_cert, *root_key, kHash, rng);
    std::vector<Botan::CRL_Entry> entries;
    for (const auto& pem : revoked) entries.emplace_back(load_cert(pem), Botan::CRL_Code::KEY_COMPROMISE);
    const auto crl = ca.update_crl(ca.new_crl(rng, valid_hours * 3600), entries, rng, valid_hours * 3600);
    return crl.PEM_encode();
  });
}

Result<std::array<uint8_t, 64>> sign(const Credential& signer, std::span<const uint8_t> message) {
  return botan_call("pki::sign", [&] {
    Botan::AutoSeeded_RNG rng;
    const auto key = load_key(signer.private_key_pem);
    if (key->algo_name() != "Ed25519") throw std::invalid_argument("signing key is not Ed25519");
    Botan::PK_Signer signer_op(*key, rng, "Pure");
    const auto sig = signer_op.sign_message(message.data(), message.size(), rng);
    if (sig.size() != 64) throw std::invalid_argument("unexpected signature size");
    std::array<uint8_t, 64> out{};
    std::copy(sig.begin(), sig.end(), out.begin());
    return out;
  });
}

Result<std::vector<uint8_t>> pem_to_der(const std::string& certificate_pem) {
  return botan_call("pki::pem_to_der", [&] { return load_cert(certificate_pem).BER_encode(); });
}

Result<std::string> der_to_pem(std::span<const uint8_t> der) {
  return botan_call("pki::der_to_pem", [&] {
    return Botan::X509_Certificate(der.data(), der.size()).PEM_encode();
  });
}

Result<Judge> verify_judge(std::span<const uint8_t> der, const std::string& root_pem, const std::string& crl_pem,
                           uint64_t now) {
  constexpr std::string_view fn = "pki::verify_judge";
  std::optional<Botan::X509_Certificate> cert;
  try {
    cert.emplace(der.data(), der.size());
  } catch (const std::exception& e) {
    return fail(ErrorCategory::malformed, fn, std::string("judge certificate does not parse: ") + e.what());
  }
  try {
    Botan::Certificate_Store_In_Memory store;
    const auto root = load_cert(root_pem);
    store.add_certificate(root);
    Botan::DataSource_Memory crl_src(crl_pem);
    store.add_crl(Botan::X509_CRL(crl_src));
    // Require revocation information: a judge is only trusted with a current CRL from the root.
    Botan::Path_Validation_Restrictions restrictions(true, 110);
    const auto result = Botan::x509_path_validate(*cert, restrictions, store, "", Botan::Usage_Type::UNSPECIFIED, at(now));
    if (!result.successful_validation())
      return fail(ErrorCategory::policy_denied, fn, "judge certificate refused: " + result.result_string());
    const auto pub = cert->load_subject_public_key();
    const auto* ed = dynamic_cast<const Botan::Ed25519_PublicKey*>(pub.get());
    if (ed == nullptr) return fail(ErrorCategory::policy_denied, fn, "judge key is not Ed25519");
    Judge judge;
    judge.name = cert->subject_info("X520.CommonName").empty() ? "" : cert->subject_info("X520.CommonName").front();
    const auto& raw = ed->get_public_key();
    if (raw.size() != 32) return fail(ErrorCategory::malformed, fn, "Ed25519 key is not 32 bytes");
    std::copy(raw.begin(), raw.end(), judge.key.begin());
    judge.fingerprint = cert->fingerprint("SHA-256");
    return judge;
  } catch (const std::exception& e) {
    return fail(ErrorCategory::policy_denied, fn, std::string("judge certificate refused: ") + e.what());
  }
}

}  // namespace escrow::pki
