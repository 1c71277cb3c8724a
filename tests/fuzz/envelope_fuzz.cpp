// The session label and the envelope parsers (both versions), and the sender check on whatever parses.
#include "escrow/envelope.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> in(data + 1, size - 1);
  if (data[0] % 3 == 1) {
    doormat::fuzz::round_trip(in, [](auto b) { return escrow::SessionLabel::decode(b); }, [](const escrow::SessionLabel& l) { return l.encode(); });
  } else if (data[0] % 3 == 0) {
    doormat::fuzz::round_trip(in, [](auto b) { return escrow::envelope::Envelope::decode(b); },
                              [](const escrow::envelope::Envelope& e) { return e.encode(); });
  } else if (auto env = escrow::envelope::Envelope::decode(in)) {
    // SPEC 7.4 on a parsed envelope, held to its own label's key and time: a signature that
    // verifies here must be one the sender made, so the fuzzer should never find one.
    auto label = env->label();
    if (!label || !label->sender_key) return 0;
    if (verify_sender(*env, *label->sender_key, label->time)) {
      // Accepted: the envelope must re-encode to exactly its input (nothing unsigned rode along).
      const auto out = env->encode();
      if (out.size() != in.size() || !std::equal(out.begin(), out.end(), in.begin())) std::abort();
    }
  }
  return 0;
}
