#pragma once
// A ceremony call (SPEC §12.4): the JSON the coordinator sends a trustee at each step, signed by the
// operator key the trustee was initialised with. Nobody else can begin, advance or commit a ceremony:
// a call's text is what is signed, so the trustee verifies it before it parses a byte of it. And the
// trustees' confirmations of the key a ceremony ended with, which every one of them needs from every
// other before it stores its new share.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "escrow/signature.hpp"

namespace doormat::authority {

/// {"call": <the call's JSON text>, "operator_signature": <hex>}: what POST /v1/ceremony carries.
[[nodiscard]] nlohmann::json sign_ceremony_call(const nlohmann::json& call, const escrow::signature::SigningKey& operator_key);

/// The call's text when the body has that shape and the signature verifies under `operator_key`;
/// otherwise nothing, and `why` says which (public words).
[[nodiscard]] std::optional<std::string> verified_call_text(std::string_view body, const escrow::signature::VerifyKey& operator_key,
                                                            std::string& why);

/// What a trustee signs (tag doormat/v1/ceremony/confirm-key) to confirm that ceremony `id` ended,
/// for it, with the public key whose encoding is `public_key`: id || u16-length public key.
[[nodiscard]] std::vector<uint8_t> confirmation_message(std::span<const uint8_t, 16> id, std::span<const uint8_t> public_key);

}  // namespace doormat::authority
