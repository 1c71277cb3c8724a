// The DKG message parsers and the signed ceremony frame, and a party's state machine fed whatever
// parses, walked through every round of dkg::rounds() by the first byte's choice.
#include "escrow/dkg.hpp"
#include "escrow/dkg_message.hpp"
#include "fuzz_support.hpp"

using namespace escrow::dkg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> in(data + 1, size - 1);
  escrow::DeterministicRng rng("fuzz/dkg");
  Party me(Protocol::gjkr, *escrow::PartyIndex::make(1), 2, 3, rng);
  // Bits 4..6: how many rounds to close first, so each round's receive is reached.
  for (unsigned i = 0; i < ((data[0] >> 4) & 7); ++i) me.close();
  auto to_vector = [](const auto& bytes) { return std::vector<uint8_t>(bytes.begin(), bytes.end()); };
  auto feed = [&](const auto& decoded) {
    if (decoded) (void)me.receive(*decoded);
  };
  switch (data[0] % 8) {
    case 0:
      doormat::fuzz::round_trip(in, [](auto b) { return decode_deal(b); }, [](const Deal& d) { return encode(d); });
      feed(decode_deal(in));
      break;
    case 1:
      doormat::fuzz::round_trip(in, [](auto b) { return decode_share(b); }, [&](const Share& s) { return to_vector(encode(s)); });
      feed(decode_share(in));
      break;
    case 2:
      doormat::fuzz::round_trip(in, [](auto b) { return decode_complaint(b); }, [](const Complaint& c) { return encode(c); });
      feed(decode_complaint(in));
      break;
    case 3:
      doormat::fuzz::round_trip(in, [](auto b) { return decode_extraction(b); }, [](const Extraction& e) { return encode(e); });
      feed(decode_extraction(in));
      break;
    case 4:
      doormat::fuzz::round_trip(in, [](auto b) { return decode_justification(b); }, [](const Justification& j) { return encode(j); });
      feed(decode_justification(in));
      break;
    case 5:
      doormat::fuzz::round_trip(in, [](auto b) { return decode_reveal(b); }, [](const Reveal& r) { return encode(r); });
      feed(decode_reveal(in));
      break;
    default: {
      // A frame: parse, re-encode identically, then open it against a fixed context and key.
      doormat::fuzz::round_trip(in, [](auto b) { return parse_frame(b); }, [](const Frame& f) { return f.encode(); });
      if (auto f = parse_frame(in)) {
        static const BoxPublicKey box_public{};
        static const BoxSecretKey box_secret;
        const FrameContext context{f->ceremony, f->protocol, f->round};
        feed(open_frame(*f, context, escrow::signature::VerifyKey{}, Recipient{me.index(), box_public, box_secret}));
      }
    }
  }
  if (me.closed()) (void)me.finish();
  return 0;
}
