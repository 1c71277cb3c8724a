// The session label and the envelope parsers.
#include "escrow/envelope.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> in(data + 1, size - 1);
  if (data[0] % 2)
    doormat::fuzz::round_trip(in, [](auto b) { return escrow::SessionLabel::decode(b); }, [](const escrow::SessionLabel& l) { return l.encode(); });
  else
    doormat::fuzz::round_trip(in, [](auto b) { return escrow::envelope::Envelope::decode(b); },
                              [](const escrow::envelope::Envelope& e) { return e.encode(); });
  return 0;
}
