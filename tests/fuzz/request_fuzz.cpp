// The trustee protocol's parsers: request, response, log entry, signed tree head.
#include "escrow/request.hpp"
#include "escrow/translog.hpp"
#include "fuzz_support.hpp"

using namespace escrow;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> in(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      doormat::fuzz::round_trip(in, [](auto b) { return request::DecryptRequest::decode(b); }, [](const request::DecryptRequest& r) { return r.encode(); });
      break;
    case 1:
      doormat::fuzz::round_trip(in, [](auto b) { return request::DecryptResponse::decode(b); }, [](const request::DecryptResponse& r) { return r.encode(); });
      break;
    case 2:
      doormat::fuzz::round_trip(in, [](auto b) { return translog::Entry::decode(b); }, [](const translog::Entry& e) { return e.encode(); });
      break;
    default:
      doormat::fuzz::round_trip(in, [](auto b) { return translog::TreeHead::decode(b); }, [](const translog::TreeHead& h) { return h.encode(); });
  }
  return 0;
}
