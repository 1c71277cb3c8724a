#pragma once
// Shared by the libFuzzer targets (docs/SECURITY.md): parse, and when the parse succeeds, the object must
// encode back to exactly the input — every format is canonical, so a parser that accepts two
// encodings of one object is a bug the fuzzer reports by aborting.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

namespace doormat::fuzz {

template <typename Decode, typename Encode>
void round_trip(std::span<const uint8_t> in, Decode decode, Encode encode) {
  auto parsed = decode(in);
  if (!parsed) return;
  const auto out = encode(*parsed);
  if (out.size() != in.size() || !std::equal(out.begin(), out.end(), in.begin())) std::abort();
}

}  // namespace doormat::fuzz
