#include "escrow/warrant.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/sealed_box.hpp"
#include "escrow/wire.hpp"

namespace escrow::warrant {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
std::string string_of(std::span<const uint8_t> b) { return {b.begin(), b.end()}; }
bool printable(std::span<const uint8_t> b) {
  return !b.empty() && std::none_of(b.begin(), b.end(), [](uint8_t c) { return c < 0x20 || c == 0x7f; });
}

}  // namespace

namespace {
// The agency's responses are sealed to this key: a low-order point would make every trustee's
// seal fail after it had logged and spent the warrant's sessions.
constexpr std::string_view kWeakBoxKey = "the agency box key is a low-order X25519 point";

// One rule for every name in a warrant, at make() and at decode().
std::string name_problem(std::string_view what, std::span<const uint8_t> b) {
  if (b.size() > kMaxNameBytes) return fmt::format("{} is {} bytes, over the limit of {}", what, b.size(), kMaxNameBytes);
  if (!printable(b)) return fmt::format("{} must be 1..{} printable bytes", what, kMaxNameBytes);
  return {};
}
}  // namespace

Result<void> Warrant::check() const {
  constexpr std::string_view fn = "warrant::Warrant::check";
  for (auto [what, value] : {std::pair<std::string_view, const std::string*>{"case reference", &case_reference}, {"court", &court}})
    if (auto p = name_problem(what, bytes_of(*value)); !p.empty()) return fail(ErrorCategory::malformed, fn, p);
  if (targets.empty() || targets.size() > kMaxTargets) return fail(ErrorCategory::malformed, fn, "a warrant names 1..64 targets");
  for (const auto& t : targets)
    if (auto p = name_problem("a target identity", bytes_of(t)); !p.empty()) return fail(ErrorCategory::malformed, fn, p);
  if (window_start > window_end) return fail(ErrorCategory::malformed, fn, "window starts after it ends");
  if (max_sessions == 0) return fail(ErrorCategory::malformed, fn, "max sessions is zero");
  if (!sealed_box::usable(agency_box_key)) return fail(ErrorCategory::malformed, fn, std::string(kWeakBoxKey));
  return {};
}

Result<Warrant> Warrant::make(Warrant draft) {
  if (auto c = draft.check(); !c) return escrow::unexpected(c.error());
  return draft;
}

std::vector<uint8_t> Warrant::encode() const {
  wire::Writer w;
  w.header(wire::ObjectType::warrant).bytes(id).bytes_u8(bytes_of(case_reference)).bytes_u8(bytes_of(court));
  w.count_u8(targets.size());
  for (const auto& t : targets) w.bytes_u8(bytes_of(t));
  w.u64(window_start).u64(window_end).u32(max_sessions).u64(not_after).bytes(agency_box_key).bytes(agency_sign_key);
  return w.take();
}

Result<Warrant> Warrant::decode(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "warrant::Warrant::decode");
  r.header(wire::ObjectType::warrant);
  Warrant w;
  w.id = r.fixed<16>();
  auto case_ref = r.bytes_u8(), court = r.bytes_u8();
  if (r.ok() && (!printable(case_ref) || !printable(court))) r.reject("case reference and court must be 1..255 printable bytes");
  w.case_reference = string_of(case_ref);
  w.court = string_of(court);
  const unsigned n = r.u8();
  if (r.ok() && (n == 0 || n > kMaxTargets)) r.reject("a warrant names 1..64 targets");
  for (unsigned i = 0; r.ok() && i < n; ++i) {
    auto t = r.bytes_u8();
    if (r.ok() && !printable(t)) r.reject("target identities must be 1..255 printable bytes");
    w.targets.push_back(string_of(t));
  }
  w.window_start = r.u64();
  w.window_end = r.u64();
  w.max_sessions = r.u32();
  w.not_after = r.u64();
  w.agency_box_key = r.fixed<32>();
  w.agency_sign_key = r.fixed<32>();
  if (r.ok() && w.window_start > w.window_end) r.reject("window starts after it ends");
  if (r.ok() && w.max_sessions == 0) r.reject("max sessions is zero");
  if (r.ok() && !sealed_box::usable(w.agency_box_key)) r.reject(std::string(kWeakBoxKey));
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  return w;
}

bool Warrant::covers(const SessionLabel& label) const {
  const bool target = std::find(targets.begin(), targets.end(), label.sender) != targets.end() ||
                      std::find(targets.begin(), targets.end(), label.recipient) != targets.end();
  return target && label.time >= window_start && label.time <= window_end;
}

std::vector<uint8_t> SignedWarrant::encode() const {
  wire::Writer w;
  w.header(wire::ObjectType::signed_warrant).bytes_u32(warrant.encode()).count_u8(signatures.size());
  for (const auto& s : signatures) w.bytes_u16(s.certificate_der).bytes(s.signature);
  return w.take();
}

Result<SignedWarrant> SignedWarrant::decode(std::span<const uint8_t> bytes) {
  constexpr std::string_view fn = "warrant::SignedWarrant::decode";
  wire::Reader r(bytes, fn);
  r.header(wire::ObjectType::signed_warrant);
  auto inner = r.bytes_u32(kMaxWarrantBytes);
  const unsigned n = r.u8();
  if (r.ok() && (n == 0 || n > kMaxSignatures)) r.reject("a signed warrant carries 1..16 signatures");
  SignedWarrant sw;
  for (unsigned i = 0; r.ok() && i < n; ++i) {
    auto der = r.bytes_u16(kMaxCertificateBytes);
    JudgeSignature s{std::vector<uint8_t>(der.begin(), der.end()), r.fixed<64>()};
    sw.signatures.push_back(std::move(s));
  }
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  auto w = Warrant::decode(inner);
  if (!w) return fail(ErrorCategory::malformed, fn, "warrant: " + w.error().detail);
  sw.warrant = std::move(*w);
  return sw;
}

std::array<uint8_t, 32> SignedWarrant::hash() const {
  return Hasher(domain::kWarrantHash, 32).add(warrant.encode()).finish<32>();
}

std::optional<std::array<uint8_t, 32>> peek_agency_sign_key(std::span<const uint8_t> prefix) {
  // The layout SignedWarrant::decode and Warrant::decode read, up to agency_sign_key.
  wire::Reader r(prefix, "warrant::peek_agency_sign_key");
  r.header(wire::ObjectType::signed_warrant);
  (void)r.u32();  // the warrant's length: the rest is not here to check it against
  r.header(wire::ObjectType::warrant);
  (void)r.fixed<16>();  // id
  (void)r.bytes_u8();   // case reference
  (void)r.bytes_u8();   // court
  const unsigned n = r.u8();
  for (unsigned i = 0; r.ok() && i < n; ++i) (void)r.bytes_u8();
  (void)r.u64(), (void)r.u64(), (void)r.u32(), (void)r.u64();  // window, max sessions, not after
  (void)r.fixed<32>();                                           // agency box key
  const auto key = r.fixed<32>();
  if (!r.ok()) return std::nullopt;
  return key;
}

std::array<uint8_t, 32> signing_message(const Warrant& w) {
  return Hasher(domain::kWarrantSignature, 32).add(w.encode()).finish<32>();
}

Result<void> add_signature(SignedWarrant& sw, const pki::Credential& judge) {
  constexpr std::string_view fn = "warrant::add_signature";
  // A judge signs only what a trustee will decode as the same warrant.
  if (auto c = sw.warrant.check(); !c) return escrow::unexpected(c.error());
  if (sw.signatures.size() >= kMaxSignatures) return fail(ErrorCategory::malformed, fn, "a signed warrant carries at most 16 signatures");
  auto der = pki::pem_to_der(judge.certificate_pem);
  if (!der) return escrow::unexpected(der.error());
  if (der->size() > kMaxCertificateBytes) return fail(ErrorCategory::malformed, fn, "judge certificate over 16 KiB");
  auto sig = pki::sign(judge, signing_message(sw.warrant));
  if (!sig) return escrow::unexpected(sig.error());
  sw.signatures.push_back({std::move(*der), *sig});
  return {};
}

Result<Verified> verify(const SignedWarrant& sw, const Policy& policy, uint64_t now) {
  constexpr std::string_view fn = "warrant::verify";
  const Warrant& w = sw.warrant;
  if (now > w.not_after) return fail(ErrorCategory::policy_denied, fn, fmt::format("warrant expired at {}", w.not_after));
  // Before any judge: a CRL from before a revocation, copied back, would un-revoke that judge.
  auto crl_number = pki::check_crl(policy.root_pem, policy.crl_pem, policy.crl_number_floor, now);
  if (!crl_number) return fail(ErrorCategory::policy_denied, fn, crl_number.error().detail);
  const auto message = signing_message(w);
  Verified out;
  out.crl_number = *crl_number;
  for (const auto& s : sw.signatures) {
    auto judge = pki::verify_judge(s.certificate_der, policy.root_pem, policy.crl_pem, now);
    if (!judge) return fail(ErrorCategory::policy_denied, fn, judge.error().detail);
    if (crypto_sign_verify_detached(s.signature.data(), message.data(), message.size(), judge->key.data()) != 0)
      return fail(ErrorCategory::policy_denied, fn, fmt::format("signature of judge '{}' does not verify", judge->name));
    const bool repeat = std::any_of(out.judges.begin(), out.judges.end(), [&](const pki::Judge& j) { return j.key == judge->key; });
    if (!repeat) out.judges.push_back(std::move(*judge));
  }
  if (out.judges.size() < policy.judges_required)
    return fail(ErrorCategory::policy_denied, fn,
                fmt::format("{} distinct judge(s) signed, policy requires {}", out.judges.size(), policy.judges_required));
  return out;
}

}  // namespace escrow::warrant
