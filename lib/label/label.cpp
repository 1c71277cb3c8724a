#include "escrow/label.hpp"

#include <algorithm>

#include "escrow/wire.hpp"

namespace escrow {
namespace {
std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
// Identities are names shown to judges and logged: refuse empty, over-long and control bytes.
bool valid_identity(std::span<const uint8_t> id) {
  return !id.empty() && id.size() <= SessionLabel::kMaxIdentityBytes &&
         std::none_of(id.begin(), id.end(), [](uint8_t b) { return b < 0x20 || b == 0x7f; });
}
}  // namespace

Result<SessionLabel> SessionLabel::make(std::string sender, std::string recipient, uint64_t time, Rng& rng) {
  if (!valid_identity(as_bytes(sender)) || !valid_identity(as_bytes(recipient)))
    return fail(ErrorCategory::malformed, "SessionLabel::make", "identities must be 1..255 bytes without control characters");
  SessionLabel label{std::move(sender), std::move(recipient), time, {}};
  rng.fill(label.session_id);
  return label;
}

std::vector<uint8_t> SessionLabel::encode() const {
  wire::Writer w;
  w.header(wire::ObjectType::session_label).bytes_u8(as_bytes(sender)).bytes_u8(as_bytes(recipient));
  w.u64(time).bytes(session_id);
  return w.take();
}

Result<SessionLabel> SessionLabel::decode(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes, "SessionLabel::decode");
  r.header(wire::ObjectType::session_label);
  auto sender = r.bytes_u8(), recipient = r.bytes_u8();
  const uint64_t time = r.u64();
  const auto id = r.fixed<16>();
  if (r.ok() && (!valid_identity(sender) || !valid_identity(recipient)))
    r.reject("identities must be 1..255 bytes without control characters");
  if (auto done = r.finish(); !done) return escrow::unexpected(done.error());
  return SessionLabel{std::string(sender.begin(), sender.end()), std::string(recipient.begin(), recipient.end()), time, id};
}

}  // namespace escrow
