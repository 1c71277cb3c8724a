// The signed DKG message frame (SPEC §12.4). Layout after the 6-byte header (type 13):
//   ceremony id (16) || protocol u8 || round u8 || type u8 || from u8 || to u8 (0 = all)
//   || u32-length payload || Ed25519 signature (64)
// The signature is over H_{doormat/v1/dkg/frame}^32(every byte before it).
#include "escrow/dkg_message.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include "escrow/domain.hpp"
#include "escrow/sealed_box.hpp"
#include "escrow/wire.hpp"

namespace escrow::dkg {

namespace {
constexpr uint8_t kShareType = static_cast<uint8_t>(wire::ObjectType::dkg_share);

// Which message types a round carries (SPEC §12.4): the frame's type byte must be one of them.
bool type_in_round(uint8_t type, Round round) {
  using T = wire::ObjectType;
  switch (round) {
    case Round::deal: return type == static_cast<uint8_t>(T::dkg_deal) || type == kShareType;
    case Round::complain:
    case Round::extract_complain: return type == static_cast<uint8_t>(T::dkg_complaint);
    case Round::justify: return type == static_cast<uint8_t>(T::dkg_justification);
    case Round::extract: return type == static_cast<uint8_t>(T::dkg_extraction);
    case Round::reveal: return type == static_cast<uint8_t>(T::dkg_reveal);
  }
  return false;
}

wire::Writer& signed_fields(wire::Writer& w, const Frame& f) {
  return w.header(wire::ObjectType::dkg_frame)
      .bytes(f.ceremony)
      .u8(static_cast<uint8_t>(f.protocol))
      .u8(static_cast<uint8_t>(f.round))
      .u8(f.type)
      .u8(f.from.value())
      .u8(f.to ? f.to->value() : 0)
      .bytes_u32(f.payload);
}
}  // namespace

std::vector<uint8_t> Frame::signed_part() const {
  wire::Writer w;
  return signed_fields(w, *this).take();  // payloads are bounded by make_frame and parse_frame
}

std::vector<uint8_t> Frame::encode() const {
  wire::Writer w;
  return signed_fields(w, *this).bytes(signature).take();
}

Result<std::vector<uint8_t>> make_frame(const FrameContext& context, const Message& m, const signature::SigningKey& signer,
                                        const BoxPublicKey* recipient_box_key) {
  SystemRng rng;
  return make_frame(context, m, signer, recipient_box_key, rng);
}

Result<std::vector<uint8_t>> make_frame(const FrameContext& context, const Message& m, const signature::SigningKey& signer,
                                        const BoxPublicKey* recipient_box_key, Rng& rng) {
  constexpr std::string_view fn = "dkg::make_frame";
  if (!belongs_to(m, context.round)) return fail(ErrorCategory::malformed, fn, fmt::format("this message does not belong to round {}", name(context.round)));
  Frame f;
  f.ceremony = context.ceremony;
  f.protocol = context.protocol;
  f.round = context.round;
  f.type = type_byte(m);
  f.from = sender(m);
  f.to = recipient(m);
  const SecureBytes plain = encode(m);
  if (f.to) {
    if (!recipient_box_key) return fail(ErrorCategory::malformed, fn, "a share needs its recipient's box key");
    auto sealed = sealed_box::seal(plain, *recipient_box_key, rng);
    if (!sealed) return escrow::unexpected(sealed.error());
    f.payload = std::move(*sealed);
  } else {
    f.payload.assign(plain.begin(), plain.end());
  }
  if (f.payload.size() > kMaxFramePayload) return fail(ErrorCategory::malformed, fn, "payload over the frame's limit");
  f.signature = signature::sign(domain::kDkgFrame, f.signed_part(), signer);
  return f.encode();
}

Result<Frame> parse_frame(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "dkg::parse_frame");
  r.header(wire::ObjectType::dkg_frame);
  Frame f;
  f.ceremony = r.fixed<16>();
  const auto protocol = protocol_of_byte(r.u8());
  const auto round = round_of_byte(r.u8());
  f.type = r.u8();
  const auto from = PartyIndex::make(r.u8());
  const uint8_t to = r.u8();
  const auto payload = r.bytes_u32(kMaxFramePayload);
  f.payload.assign(payload.begin(), payload.end());
  f.signature = r.fixed<64>();
  if (r.ok() && !protocol) r.reject("unknown protocol byte");
  if (r.ok() && !round) r.reject("unknown round byte");
  if (r.ok() && protocol && round && !std::ranges::count(rounds(*protocol), *round)) r.reject("the protocol has no such round");
  if (r.ok() && round && !type_in_round(f.type, *round)) r.reject("the message type does not belong to the round");
  if (r.ok() && !from) r.reject("sender index 0");
  if (r.ok() && (f.type == kShareType) != (to != 0)) r.reject("a share, and only a share, is addressed to one party");
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  f.protocol = *protocol;
  f.round = *round;
  f.from = *from;
  if (to != 0) f.to = PartyIndex::make(to);
  return f;
}

Result<Message> open_frame(const Frame& f, const FrameContext& context, const signature::VerifyKey& sender_key, const Recipient& me) {
  constexpr std::string_view fn = "dkg::open_frame";
  if (f.ceremony != context.ceremony || f.protocol != context.protocol)
    return fail(ErrorCategory::policy_denied, fn, fmt::format("message from trustee {} belongs to another ceremony", f.from.value()), {f.from});
  if (f.round != context.round)
    return fail(ErrorCategory::policy_denied, fn,
                fmt::format("message from trustee {} is of round {}, not {}", f.from.value(), name(f.round), name(context.round)), {f.from});
  if (!signature::verify(domain::kDkgFrame, f.signed_part(), f.signature, sender_key))
    return fail(ErrorCategory::invalid_proof, fn, fmt::format("message from trustee {} with a bad signature", f.from.value()), {f.from});
  if (f.to && *f.to != me.me)
    return fail(ErrorCategory::malformed, fn, fmt::format("a share for trustee {} was delivered to {}", f.to->value(), me.me.value()));
  Result<Message> m = fail(ErrorCategory::internal, fn, "unreachable");
  if (f.to) {
    if (f.payload.size() < crypto_box_SEALBYTES)
      return fail(ErrorCategory::decryption_failed, fn, fmt::format("share from trustee {} does not open", f.from.value()), {f.from});
    SecureBytes plain(f.payload.size() - crypto_box_SEALBYTES);
    if (crypto_box_seal_open(plain.data(), f.payload.data(), f.payload.size(), me.box_public.data(), me.box_secret.expose().data()) != 0)
      return fail(ErrorCategory::decryption_failed, fn, fmt::format("share from trustee {} does not open", f.from.value()), {f.from});
    m = decode(f.type, plain);
  } else {
    m = decode(f.type, f.payload);
  }
  if (!m) return fail(ErrorCategory::malformed, fn, fmt::format("message from trustee {}: {}", f.from.value(), m.error().message()), {f.from});
  if (sender(*m) != f.from || recipient(*m) != f.to || !belongs_to(*m, f.round))
    return fail(ErrorCategory::malformed, fn, fmt::format("message from trustee {} names another sender, recipient or round", f.from.value()), {f.from});
  return m;
}

}  // namespace escrow::dkg
