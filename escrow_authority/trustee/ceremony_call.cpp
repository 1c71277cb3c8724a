#include "ceremony_call.hpp"

#include "escrow/domain.hpp"
#include "escrow/wire.hpp"
#include "strict_json.hpp"

namespace doormat::authority {
using nlohmann::json;

namespace {
std::span<const uint8_t> bytes_of(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
}  // namespace

json sign_ceremony_call(const json& call, const escrow::signature::SigningKey& operator_key) {
  const std::string text = call.dump();
  const auto sig = escrow::signature::sign(escrow::domain::kCeremonyCall, bytes_of(text), operator_key);
  return {{"call", text}, {"operator_signature", escrow::wire::to_hex(sig)}};
}

std::optional<std::string> verified_call_text(std::string_view body, const escrow::signature::VerifyKey& operator_key, std::string& why) {
  auto outer = parse_strict_json(body);
  if (outer.is_discarded() || !outer.is_object() || !outer.contains("call") || !outer["call"].is_string() ||
      !outer.contains("operator_signature") || !outer["operator_signature"].is_string()) {
    why = "the body must be {\"call\": <JSON text>, \"operator_signature\": <hex>}";
    return std::nullopt;
  }
  const auto sig = escrow::wire::from_hex(outer["operator_signature"].get<std::string>());
  escrow::signature::Signature s{};
  if (!sig || sig->size() != s.size()) {
    why = "operator_signature must be 64 bytes of hex";
    return std::nullopt;
  }
  std::copy(sig->begin(), sig->end(), s.begin());
  std::string text = std::move(outer["call"].get_ref<std::string&>());  // no second copy of a large call
  if (!escrow::signature::verify(escrow::domain::kCeremonyCall, bytes_of(text), s, operator_key)) {
    why = "the call is not signed by this trustee's operator key";
    return std::nullopt;
  }
  return text;
}

std::vector<uint8_t> confirmation_message(std::span<const uint8_t, 16> id, std::span<const uint8_t> public_key) {
  return escrow::wire::Writer().bytes(id).bytes_u16(public_key).take();
}

}  // namespace doormat::authority
