#include "escrow/request.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/sealed_box.hpp"
#include "escrow/signature.hpp"
#include "escrow/sodium.hpp"
#include "escrow/warrant.hpp"
#include "escrow/wire.hpp"

namespace escrow::request {
Result<void> DecryptRequest::check() const {
  constexpr std::string_view fn = "request::DecryptRequest::check";
  if (signed_warrant.size() > kMaxSignedWarrantBytes)
    return fail(ErrorCategory::malformed, fn, fmt::format("signed warrant is {} bytes, over the limit of {}", signed_warrant.size(), kMaxSignedWarrantBytes));
  if (fields.empty() || fields.size() > kMaxFields) return fail(ErrorCategory::malformed, fn, "a request carries 1..10000 escrow fields");
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i].size() > kMaxFieldBytes)
      return fail(ErrorCategory::malformed, fn, fmt::format("field {} is {} bytes, over the limit of {}", i, fields[i].size(), kMaxFieldBytes));
  return {};
}

std::vector<uint8_t> DecryptRequest::signed_part() const {
  wire::Writer w;
  w.header(wire::ObjectType::decrypt_request).bytes_u32(signed_warrant).bytes(nonce).u64(time);
  w.count_u16(fields.size());
  for (const auto& f : fields) w.bytes_u16(f);
  return w.take();
}

std::vector<uint8_t> DecryptRequest::encode() const {
  auto out = signed_part();
  out.insert(out.end(), signature.begin(), signature.end());
  return out;
}

Result<DecryptRequest> DecryptRequest::decode(std::span<const uint8_t> bytes) {
  if (bytes.size() > kMaxRequestBytes) return fail(ErrorCategory::malformed, "request::DecryptRequest::decode", "request over 8 MiB");
  wire::Reader r(bytes, "request::DecryptRequest::decode");
  r.header(wire::ObjectType::decrypt_request);
  DecryptRequest req;
  auto w = r.bytes_u32(kMaxSignedWarrantBytes);
  req.signed_warrant.assign(w.begin(), w.end());
  req.nonce = r.fixed<16>();
  req.time = r.u64();
  const std::size_t n = r.u16();
  if (r.ok() && (n == 0 || n > kMaxFields)) r.reject("a request carries 1..10000 escrow fields");
  for (std::size_t i = 0; r.ok() && i < n; ++i) {
    auto f = r.bytes_u16(kMaxFieldBytes);
    req.fields.emplace_back(f.begin(), f.end());
  }
  req.signature = r.fixed<64>();
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  return req;
}

std::optional<VerifyKey> peek_agency_sign_key(std::span<const uint8_t> prefix) {
  wire::Reader r(prefix, "request::peek_agency_sign_key");
  r.header(wire::ObjectType::decrypt_request);
  (void)r.u32();  // the signed warrant's length
  if (!r.ok()) return std::nullopt;
  return warrant::peek_agency_sign_key(prefix.subspan(r.consumed()));
}

std::array<uint8_t, 32> DecryptRequest::hash() const {
  return Hasher(domain::kRequestSignature, 32).add(signed_part()).finish<32>();  // the digest the agency signs
}

void sign(DecryptRequest& request, const SigningKey& agency) {
  request.signature = signature::sign(domain::kRequestSignature, request.signed_part(), agency);
}

bool verify_signature(const DecryptRequest& request, const VerifyKey& agency) {
  return signature::verify(domain::kRequestSignature, request.signed_part(), request.signature, agency);
}

std::string_view to_string(FieldStatus s) {
  switch (s) {
    case FieldStatus::issued: return "issued";
    case FieldStatus::malformed: return "malformed escrow field";
    case FieldStatus::invalid_field: return "escrow field fails the TDH2 validity check";
    case FieldStatus::out_of_scope: return "session outside the warrant's targets or window";
    case FieldStatus::over_budget: return "warrant's session budget spent";
  }
  return "unknown";
}

std::vector<uint8_t> DecryptResponse::signed_part() const {
  wire::Writer w;
  w.header(wire::ObjectType::decrypt_response).u8(trustee).bytes(request_hash).count_u16(results.size());
  for (const auto& r : results) w.u8(static_cast<uint8_t>(r.status)).bytes_u16(r.partial);
  return w.take();
}

std::vector<uint8_t> DecryptResponse::encode() const {
  auto out = signed_part();
  out.insert(out.end(), signature.begin(), signature.end());
  return out;
}

Result<DecryptResponse> DecryptResponse::decode(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "request::DecryptResponse::decode");
  r.header(wire::ObjectType::decrypt_response);
  DecryptResponse resp;
  resp.trustee = r.u8();
  resp.request_hash = r.fixed<32>();
  const std::size_t n = r.u16();
  if (r.ok() && n > kMaxFields) r.reject("too many results");
  for (std::size_t i = 0; r.ok() && i < n; ++i) {
    const uint8_t status = r.u8();
    auto partial = r.bytes_u16(256);
    if (r.ok() && status > static_cast<uint8_t>(FieldStatus::over_budget)) r.reject("unknown field status");
    if (r.ok() && (status == 0) != !partial.empty()) r.reject("a partial comes with, and only with, status issued");
    resp.results.push_back({static_cast<FieldStatus>(status), {partial.begin(), partial.end()}});
  }
  resp.signature = r.fixed<64>();
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  return resp;
}

void sign(DecryptResponse& response, const SigningKey& trustee) {
  response.signature = signature::sign(domain::kResponseSignature, response.signed_part(), trustee);
}

bool verify_signature(const DecryptResponse& response, const VerifyKey& trustee) {
  return signature::verify(domain::kResponseSignature, response.signed_part(), response.signature, trustee);
}

Result<std::vector<uint8_t>> seal(std::span<const uint8_t> plaintext, const std::array<uint8_t, 32>& agency_box_key, Rng& rng) {
  return sealed_box::seal(plaintext, agency_box_key, rng);
}

Result<std::vector<uint8_t>> unseal(std::span<const uint8_t> sealed, const std::array<uint8_t, 32>& box_public,
                                    const Secret<32>& box_secret) {
  if (sealed.size() < crypto_box_SEALBYTES)
    return fail(ErrorCategory::decryption_failed, "request::unseal", "cannot open sealed response");
  std::vector<uint8_t> out(sealed.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(out.data(), sealed.data(), sealed.size(), box_public.data(), box_secret.expose().data()) != 0)
    return fail(ErrorCategory::decryption_failed, "request::unseal", "cannot open sealed response");
  return out;
}

}  // namespace escrow::request
