#include "escrow/wire.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace escrow::wire {

template <typename Buffer>
BasicWriter<Buffer>& BasicWriter<Buffer>::header(ObjectType type, uint8_t version) {
  bytes(kMagic);
  u8(version);
  return u8(static_cast<uint8_t>(type));
}
template <typename Buffer>
BasicWriter<Buffer>& BasicWriter<Buffer>::u8(uint8_t v) {
  if (ok()) out_.push_back(v);
  return *this;
}
template <typename Buffer>
BasicWriter<Buffer>& BasicWriter<Buffer>::u16(uint16_t v) {
  u8(static_cast<uint8_t>(v >> 8));
  return u8(static_cast<uint8_t>(v));
}
template <typename Buffer>
BasicWriter<Buffer>& BasicWriter<Buffer>::u32(uint32_t v) {
  u16(static_cast<uint16_t>(v >> 16));
  return u16(static_cast<uint16_t>(v));
}
template <typename Buffer>
BasicWriter<Buffer>& BasicWriter<Buffer>::u64(uint64_t v) {
  u32(static_cast<uint32_t>(v >> 32));
  return u32(static_cast<uint32_t>(v));
}
template <typename Buffer>
BasicWriter<Buffer>& BasicWriter<Buffer>::bytes(std::span<const uint8_t> b) {
  if (ok()) out_.insert(out_.end(), b.begin(), b.end());
  return *this;
}

// The first overflow wins and stops all writing: the bytes so far are never handed out.
template <typename Buffer>
BasicWriter<Buffer>& BasicWriter<Buffer>::overflow(const char* prefix, std::size_t n, std::size_t max) {
  if (ok()) error_ = fmt::format("{} of {} over its {} prefix (at most {})", prefix, n, max == 0xff ? "u8" : max == 0xffff ? "u16" : "u32", max);
  out_.clear();
  return *this;
}
template <typename Buffer>
BasicWriter<Buffer>& BasicWriter<Buffer>::bytes_u8(std::span<const uint8_t> b) {
  if (b.size() > 0xff) return overflow("a field", b.size(), 0xff);
  u8(static_cast<uint8_t>(b.size()));
  return bytes(b);
}
template <typename Buffer>
BasicWriter<Buffer>& BasicWriter<Buffer>::bytes_u16(std::span<const uint8_t> b) {
  if (b.size() > 0xffff) return overflow("a field", b.size(), 0xffff);
  u16(static_cast<uint16_t>(b.size()));
  return bytes(b);
}
template <typename Buffer>
BasicWriter<Buffer>& BasicWriter<Buffer>::bytes_u32(std::span<const uint8_t> b) {
  if (b.size() > 0xffffffffull) return overflow("a field", b.size(), 0xffffffffull);
  u32(static_cast<uint32_t>(b.size()));
  return bytes(b);
}
template <typename Buffer>
BasicWriter<Buffer>& BasicWriter<Buffer>::count_u8(std::size_t n) {
  if (n > 0xff) return overflow("a count", n, 0xff);
  return u8(static_cast<uint8_t>(n));
}
template <typename Buffer>
BasicWriter<Buffer>& BasicWriter<Buffer>::count_u16(std::size_t n) {
  if (n > 0xffff) return overflow("a count", n, 0xffff);
  return u16(static_cast<uint16_t>(n));
}

template <typename Buffer>
Result<Buffer> BasicWriter<Buffer>::finish(std::string_view function) {
  if (!ok()) return fail(ErrorCategory::malformed, function, error_);
  return std::move(out_);
}

template <typename Buffer>
Buffer BasicWriter<Buffer>::take() {
  if (!ok()) {
    // An encoder was handed an object whose bounds nobody checked: a bug, not an input error.
    std::fprintf(stderr, "wire::Writer: %s; the object's make()/check() should have refused it\n", error_.c_str());
    std::abort();
  }
  return std::move(out_);
}

template class BasicWriter<std::vector<uint8_t>>;
template class BasicWriter<SecureBytes>;

std::span<const uint8_t> Reader::take(std::size_t n) {
  if (!ok()) return {};
  if (in_.size() - pos_ < n) {
    error_ = fmt::format("truncated: needed {} bytes at offset {}, {} left", n, pos_, in_.size() - pos_);
    return {};
  }
  auto out = in_.subspan(pos_, n);
  pos_ += n;
  return out;
}

void Reader::header(ObjectType type, uint8_t expected_version) {
  auto magic = take(4);
  if (!ok()) return;
  if (!std::equal(magic.begin(), magic.end(), kMagic.begin())) return reject("bad magic (expected \"DRMT\")");
  const uint8_t version = u8();
  if (ok() && version != expected_version) return reject(fmt::format("unsupported version {}", version));
  const uint8_t t = u8();
  if (ok() && t != static_cast<uint8_t>(type))
    return reject(fmt::format("wrong object type 0x{:02x} (expected 0x{:02x})", t, static_cast<uint8_t>(type)));
}

uint8_t Reader::u8() {
  auto b = take(1);
  return b.empty() ? 0 : b[0];
}
uint16_t Reader::u16() {
  auto b = take(2);
  return b.empty() ? 0 : static_cast<uint16_t>((b[0] << 8) | b[1]);
}
uint32_t Reader::u32() {
  const uint32_t hi = u16();
  return (hi << 16) | u16();
}
uint64_t Reader::u64() {
  const uint64_t hi = u32();
  return (hi << 32) | u32();
}
std::span<const uint8_t> Reader::bytes(std::size_t n) { return take(n); }

std::span<const uint8_t> Reader::bytes_u8(std::size_t max) {
  const std::size_t n = u8();
  if (ok() && n > max) reject(fmt::format("length {} over the limit {}", n, max));
  return take(n);
}
std::span<const uint8_t> Reader::bytes_u16(std::size_t max) {
  const std::size_t n = u16();
  if (ok() && n > max) reject(fmt::format("length {} over the limit {}", n, max));
  return take(n);
}
std::span<const uint8_t> Reader::bytes_u32(std::size_t max) {
  const std::size_t n = u32();
  if (ok() && n > max) reject(fmt::format("length {} over the limit {}", n, max));
  return take(n);
}

void Reader::reject(std::string reason) {
  if (ok()) error_ = std::move(reason);
}

Result<void> Reader::finish() {
  if (ok() && pos_ != in_.size()) error_ = fmt::format("{} trailing bytes", in_.size() - pos_);
  if (!ok()) return fail(ErrorCategory::malformed, function_, error_);
  return {};
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

Result<std::vector<uint8_t>> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return fail(ErrorCategory::malformed, "wire::from_hex", "odd number of hex digits");
  std::vector<uint8_t> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(ErrorCategory::malformed, "wire::from_hex", "not a hex digit");
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return out;
}

}  // namespace escrow::wire
