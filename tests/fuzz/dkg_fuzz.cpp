// The DKG message parsers, and a party's state machine fed whatever parses.
#include "escrow/dkg.hpp"
#include "fuzz_support.hpp"

using namespace escrow::dkg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> in(data + 1, size - 1);
  escrow::DeterministicRng rng("fuzz/dkg");
  Party me(Protocol::gjkr, *escrow::PartyIndex::make(1), 2, 3, rng);
  auto to_vector = [](const auto& bytes) { return std::vector<uint8_t>(bytes.begin(), bytes.end()); };
  switch (data[0] % 4) {
    case 0:
      doormat::fuzz::round_trip(in, [](auto b) { return decode_deal(b); }, [](const Deal& d) { return encode(d); });
      if (auto d = decode_deal(in)) (void)me.receive(*d);
      break;
    case 1:
      doormat::fuzz::round_trip(in, [](auto b) { return decode_share(b); }, [&](const Share& s) { return to_vector(encode(s)); });
      if (auto s = decode_share(in)) (void)me.receive(*s);
      break;
    case 2:
      doormat::fuzz::round_trip(in, [](auto b) { return decode_complaint(b); }, [](const Complaint& c) { return encode(c); });
      break;
    default:
      doormat::fuzz::round_trip(in, [](auto b) { return decode_extraction(b); }, [](const Extraction& e) { return encode(e); });
  }
  return 0;
}
