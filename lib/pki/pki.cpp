#include "escrow/pki.hpp"

#include <botan/auto_rng.h>
#include <botan/ber_dec.h>
#include <botan/bigint.h>
#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/ed25519.h>
#include <botan/hex.h>
#include <botan/pem.h>
#include <botan/pk_keys.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/rng.h>
#include <botan/x509_ca.h>
#include <botan/x509_ext.h>
#include <botan/x509path.h>
#include <botan/x509self.h>
#include <fmt/format.h>

#include <chrono>
#include <limits>
#include <optional>
#include <memory>

namespace escrow::pki {
namespace {

// escrow::Rng as Botan's RNG, for Issuance::rng.
class BotanRng final : public Botan::RandomNumberGenerator {
 public:
  explicit BotanRng(Rng& rng) : rng_(rng) {}
  void randomize(uint8_t out[], size_t len) override { rng_.fill(std::span<uint8_t>(out, len)); }
  bool accepts_input() const override { return false; }
  void add_entropy(const uint8_t[], size_t) override {}
  void clear() override {}
  std::string name() const override { return "escrow::Rng"; }
  bool is_seeded() const override { return true; }

 private:
  Rng& rng_;
};

std::unique_ptr<Botan::RandomNumberGenerator> rng_for(const Issuance& how) {
  if (how.rng != nullptr) return std::make_unique<BotanRng>(*how.rng);
  return std::make_unique<Botan::AutoSeeded_RNG>();
}

std::chrono::system_clock::time_point now_for(const Issuance& how) {
  if (how.now) return std::chrono::system_clock::time_point(std::chrono::seconds(*how.now));
  return std::chrono::system_clock::now();
}

// A CRL entry revoking `cert` at `when`, as Botan's CRL_Entry(cert, KEY_COMPROMISE) encodes it
// but dated by the caller (Botan's dates it with the system clock).
Botan::CRL_Entry revoked_at(const Botan::X509_Certificate& cert, std::chrono::system_clock::time_point when) {
  Botan::Extensions ext;
  ext.add(new Botan::Cert_Extension::CRL_ReasonCode(Botan::CRL_Code::KEY_COMPROMISE));
  Botan::DER_Encoder der;
  der.start_cons(Botan::SEQUENCE)
      .encode(Botan::BigInt::decode(cert.serial_number()))
      .encode(Botan::X509_Time(when))
      .start_cons(Botan::SEQUENCE)
      .encode(ext)
      .end_cons()
      .end_cons();
  Botan::CRL_Entry entry;
  Botan::BER_Decoder(der.get_contents()).decode(entry);
  return entry;
}

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

Botan::X509_CRL load_crl(const std::string& pem) {
  Botan::DataSource_Memory src(pem);
  return Botan::X509_CRL(src);
}

// 0 when the CRL carries no CRL number. Read from the extension itself: Botan's crl_number()
// narrows to 32 bits.
uint64_t number_of(const Botan::X509_CRL& crl) {
  const auto* n = crl.extensions().get_extension_object_as<Botan::Cert_Extension::CRL_Number>();
  return n == nullptr ? 0 : n->get_crl_number();
}

// The root's signer and its AlgorithmIdentifier, as X509_CA would choose them.
struct RootSigner {
  Botan::AlgorithmIdentifier algorithm;
  std::unique_ptr<Botan::PK_Signer> signer;
};
RootSigner root_signer(const Botan::Private_Key& key, Botan::RandomNumberGenerator& rng) {
  RootSigner out;
  out.signer.reset(Botan::choose_sig_format(key, rng, kHash, out.algorithm));
  return out;
}

// The purpose a judge certificate must state, and nothing more (SPEC §10.3). Path validation
// alone accepts any certificate the root signed, whatever it is for.
std::optional<std::string> purpose_refusal(const Botan::X509_Certificate& cert) {
  const auto& ext = cert.v3_extensions();
  const auto* bc = ext.get_extension_object_as<Botan::Cert_Extension::Basic_Constraints>();
  if (bc == nullptr) return "judge certificate has no basicConstraints (must say CA:FALSE)";
  if (bc->get_is_ca()) return "judge certificate is a CA certificate (basicConstraints CA:TRUE)";
  if (ext.get_extension_object(Botan::Cert_Extension::Key_Usage::static_oid()) == nullptr)
    return "judge certificate has no keyUsage (must be critical digitalSignature)";
  if (!ext.critical_extension_set(Botan::Cert_Extension::Key_Usage::static_oid()))
    return "judge certificate's keyUsage is not critical";
  if (cert.constraints() != Botan::Key_Constraints::DIGITAL_SIGNATURE)
    return "judge certificate's keyUsage is not digitalSignature alone";
  const auto& eku = cert.extended_key_usage();
  if (eku.size() != 1 || eku.front() != Botan::OID::from_string(kWarrantSigningOid))
    return fmt::format("judge certificate's extendedKeyUsage is not warrant signing ({}) alone", kWarrantSigningOid);
  return std::nullopt;
}

SecureBytes key_pem(const Botan::Private_Key& key) {
  const std::string pem = Botan::PKCS8::PEM_encode(key);
  SecureBytes out(pem.begin(), pem.end());
  return out;
}

}  // namespace

Result<Credential> create_root(const std::string& name, uint32_t valid_days, const Issuance& how) {
  return botan_call("pki::create_root", [&] {
    const auto rng_ptr = rng_for(how);
    auto& rng = *rng_ptr;
    Botan::Ed25519_PrivateKey key(rng);
    Botan::X509_Cert_Options opts(name + "/XX/Doormat/Judicial PKI", valid_days * 86400ull);
    const auto now = now_for(how);
    // Dated five minutes back, as a judge's certificate is: a trustee (or a test) that read its
    // clock a moment before the root was made, or whose clock lags, must not find it not yet valid.
    opts.start = Botan::X509_Time(now - std::chrono::minutes(5));
    opts.end = Botan::X509_Time(now + std::chrono::seconds(valid_days * 86400ull));
    opts.CA_key(0);  // pathlen 0: signs judge certificates, never a CA below it
    const auto cert = Botan::X509::create_self_signed_cert(opts, key, kHash, rng);
    return Credential{cert.PEM_encode(), key_pem(key)};
  });
}

Result<Credential> appoint_judge(const Credential& root, const std::string& judge_name, uint32_t valid_days,
                                 const Issuance& how) {
  return botan_call("pki::appoint_judge", [&] {
    const auto rng_ptr = rng_for(how);
    auto& rng = *rng_ptr;
    const auto root_cert = load_cert(root.certificate_pem);
    const auto root_key = load_key(root.private_key_pem);
    Botan::Ed25519_PrivateKey key(rng);
    Botan::X509_DN subject;
    subject.add_attribute("X520.CommonName", judge_name);
    subject.add_attribute("X520.Country", "XX");
    subject.add_attribute("X520.Organization", "Doormat");
    subject.add_attribute("X520.OrganizationalUnit", "Judge");
    // The extensions spelled out rather than left to X509_CA's defaults: the purpose is the point.
    Botan::Extensions ext;
    ext.add(new Botan::Cert_Extension::Basic_Constraints(false), true);
    ext.add(new Botan::Cert_Extension::Key_Usage(Botan::Key_Constraints::DIGITAL_SIGNATURE), true);
    ext.add(new Botan::Cert_Extension::Extended_Key_Usage({Botan::OID::from_string(kWarrantSigningOid)}));
    ext.add(new Botan::Cert_Extension::Authority_Key_ID(root_cert.subject_key_id()));
    ext.add(new Botan::Cert_Extension::Subject_Key_ID(key.subject_public_key(), kHash));
    const auto signer = root_signer(*root_key, rng);
    const auto now = now_for(how);
    const auto cert = Botan::X509_CA::make_cert(signer.signer.get(), rng, signer.algorithm, key.subject_public_key(),
                                                Botan::X509_Time(now - std::chrono::minutes(5)),
                                                Botan::X509_Time(now + std::chrono::hours(24) * valid_days),
                                                root_cert.subject_dn(), subject, ext);
    return Credential{cert.PEM_encode(), key_pem(key)};
  });
}

Result<std::string> issue_crl(const Credential& root, const std::vector<std::string>& revoked, uint32_t valid_hours,
                              uint64_t crl_number, const Issuance& how) {
  if (crl_number == 0 || crl_number > std::numeric_limits<uint32_t>::max())
    return fail(ErrorCategory::malformed, "pki::issue_crl", "CRL number must be 1..2^32-1");
  return botan_call("pki::issue_crl", [&] {
    const auto rng_ptr = rng_for(how);
    auto& rng = *rng_ptr;
    const auto root_cert = load_cert(root.certificate_pem);
    const auto root_key = load_key(root.private_key_pem);
    const auto now = now_for(how);
    std::vector<Botan::CRL_Entry> entries;
    for (const auto& pem : revoked) entries.push_back(revoked_at(load_cert(pem), now));
    // The TBSCertList of RFC 5280 §5.1, as Botan's X509_CA::make_crl writes it, but with the CRL
    // number the caller keeps: X509_CA only numbers from the previous CRL object it is given.
    Botan::Extensions ext;
    ext.add(new Botan::Cert_Extension::Authority_Key_ID(root_cert.subject_key_id()));
    ext.add(new Botan::Cert_Extension::CRL_Number(static_cast<size_t>(crl_number)));
    const auto signer = root_signer(*root_key, rng);
    const size_t v2 = 1;
    Botan::DER_Encoder tbs;
    tbs.start_cons(Botan::SEQUENCE)
        .encode(v2)
        .encode(signer.algorithm)
        .encode(root_cert.subject_dn())
        .encode(Botan::X509_Time(now - std::chrono::minutes(5)))  // as certificates: a trustee's clock may lag
        .encode(Botan::X509_Time(now + std::chrono::hours(valid_hours)))
        .encode_if(!entries.empty(), Botan::DER_Encoder().start_cons(Botan::SEQUENCE).encode_list(entries).end_cons())
        .start_explicit(0)
        .start_cons(Botan::SEQUENCE)
        .encode(ext)
        .end_cons()
        .end_explicit()
        .end_cons();
    const auto der = Botan::X509_Object::make_signed(signer.signer.get(), rng, signer.algorithm, tbs.get_contents());
    return Botan::X509_CRL(der).PEM_encode();
  });
}

Result<uint64_t> check_crl(const std::string& root_pem, const std::string& crl_pem, uint64_t min_number, uint64_t now) {
  constexpr std::string_view fn = "pki::check_crl";
  std::optional<Botan::X509_CRL> crl;
  std::optional<Botan::X509_Certificate> root;
  try {
    root.emplace(load_cert(root_pem));
    crl.emplace(load_crl(crl_pem));
  } catch (const std::exception& e) {
    return fail(ErrorCategory::policy_denied, fn, std::string("judicial CRL does not parse: ") + e.what());
  }
  try {
    const auto key = root->load_subject_public_key();
    if (crl->issuer_dn() != root->subject_dn() || !crl->check_signature(*key))
      return fail(ErrorCategory::policy_denied, fn, "judicial CRL is not signed by the judicial root");
    if (crl->this_update().time_since_epoch() > now)
      return fail(ErrorCategory::policy_denied, fn, "judicial CRL is not valid yet");
    if (crl->next_update().time_since_epoch() <= now)
      return fail(ErrorCategory::policy_denied, fn, "judicial CRL is stale (past its nextUpdate)");
    const uint64_t number = number_of(*crl);
    if (number == 0) return fail(ErrorCategory::policy_denied, fn, "judicial CRL carries no CRL number");
    if (number < min_number)
      return fail(ErrorCategory::policy_denied, fn,
                  fmt::format("judicial CRL number {} is older than CRL number {}, already accepted", number, min_number));
    return number;
  } catch (const std::exception& e) {
    return fail(ErrorCategory::policy_denied, fn, std::string("judicial CRL refused: ") + e.what());
  }
}

Result<uint64_t> crl_number(const std::string& crl_pem) {
  return botan_call("pki::crl_number", [&] { return number_of(load_crl(crl_pem)); });
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
    // The purpose first: cheap, and Botan's path validation would refuse some of these (a
    // keyCertSign leaf) with a vaguer reason.
    if (auto refusal = purpose_refusal(*cert)) return fail(ErrorCategory::policy_denied, fn, *refusal);
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

namespace {
std::string common_name(const std::vector<std::string>& values) { return values.empty() ? "" : values.front(); }
}  // namespace

Result<CertificateInfo> describe_certificate(std::span<const uint8_t> der) {
  return botan_call("pki::describe_certificate", [&] {
    const Botan::X509_Certificate cert(der.data(), der.size());
    return CertificateInfo{common_name(cert.subject_info("X520.CommonName")), common_name(cert.issuer_info("X520.CommonName")),
                           cert.is_CA_cert(), cert.not_before().time_since_epoch(), cert.not_after().time_since_epoch(),
                           cert.fingerprint("SHA-256")};
  });
}

Result<CrlInfo> describe_crl(const std::string& crl_pem) {
  return botan_call("pki::describe_crl", [&] {
    const auto crl = load_crl(crl_pem);
    return CrlInfo{common_name(crl.issuer_dn().get_attribute("X520.CommonName")), number_of(crl),
                   crl.this_update().time_since_epoch(), crl.next_update().time_since_epoch(), crl.get_revoked().size()};
  });
}

}  // namespace escrow::pki
