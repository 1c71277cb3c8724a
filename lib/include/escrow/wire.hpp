#pragma once
/// The byte formats' building blocks (SPEC §3): a writer and one bounds-checked reader.
///
/// Every top-level object starts with a header: magic "DRMT", a version byte (1) and a type byte.
/// Integers are big-endian and fixed-size; variable-length fields carry a length prefix
/// (u8, u16 or u32, fixed per field). A parse refuses truncation and trailing bytes.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/secret.hpp"

namespace escrow::wire {

inline constexpr std::array<uint8_t, 4> kMagic = {'D', 'R', 'M', 'T'};
inline constexpr uint8_t kVersion = 1;
/// The second version of the session label and the envelope (SPEC §3.6, §3.8): the label binds
/// the sender's Ed25519 key and the envelope carries the sender's signature. Only those two types
/// have a version 2; every other object is version 1 only.
inline constexpr uint8_t kVersionSenderBound = 2;
inline constexpr std::size_t kHeaderBytes = 6;

/// Type byte of each top-level object (SPEC §3.2). Values are never reused.
enum class ObjectType : uint8_t {
  tdh2_public_key = 0x01,
  tdh2_key_share = 0x02,
  tdh2_ciphertext = 0x03,
  tdh2_partial_decryption = 0x04,
  session_label = 0x05,
  envelope = 0x06,
  warrant = 0x07,
  signed_warrant = 0x08,
  decrypt_request = 0x09,
  decrypt_response = 0x0a,
  log_entry = 0x0b,
  tree_head = 0x0c,
  dkg_deal = 0x0d,
  dkg_share = 0x0e,
  dkg_complaint = 0x0f,
  dkg_extraction = 0x10,
  dkg_justification = 0x11,
  dkg_reveal = 0x12,
  dkg_frame = 0x13,  ///< a signed DKG ceremony message (SPEC §12.4)
};

/// A writer whose overflow is an error, never a wrapped length (BoringSSL's CBB).
///
/// A variable-size field longer than its prefix can count (bytes_u8 over 255 bytes, bytes_u16
/// over 65535, bytes_u32 over 2^32 - 1), or a count over its prefix (count_u8, count_u16), fails
/// the writer: nothing more is written and the failure is sticky. Wrapping would produce bytes
/// that say something else than the object (a 256-byte case reference with length 0: a judge
/// signs bytes no trustee decodes, or that decode to another warrant).
///
/// How a failure cannot be ignored:
///  - `finish()` returns the bytes or the first failure, for a caller that encodes unchecked data;
///  - `take()` aborts the process on a failed writer (libsodium's rule for misuse). Every object
///    with a bounded field checks its bounds when it is made (`make()`, `check()`, `decode()`), so
///    its `encode()` uses `take()` and can only abort on an object built around those checks.
template <typename Buffer>
class BasicWriter {
 public:
  BasicWriter& header(ObjectType type, uint8_t version = kVersion);
  BasicWriter& u8(uint8_t v);
  BasicWriter& u16(uint16_t v);
  BasicWriter& u32(uint32_t v);
  BasicWriter& u64(uint64_t v);
  BasicWriter& bytes(std::span<const uint8_t> b);  ///< fixed-size field: no prefix
  /// Variable-size fields; a length over the prefix fails the writer.
  BasicWriter& bytes_u8(std::span<const uint8_t> b);
  BasicWriter& bytes_u16(std::span<const uint8_t> b);
  BasicWriter& bytes_u32(std::span<const uint8_t> b);
  /// The number of items that follow; a count over the prefix fails the writer.
  BasicWriter& count_u8(std::size_t n);
  BasicWriter& count_u16(std::size_t n);

  [[nodiscard]] bool ok() const { return error_.empty(); }
  /// The bytes, or the first overflow (malformed, in `function`).
  [[nodiscard]] Result<Buffer> finish(std::string_view function);
  /// The bytes; aborts if the writer failed (the caller promised its bounds were checked).
  [[nodiscard]] Buffer take();
  [[nodiscard]] const Buffer& view() const { return out_; }

 private:
  BasicWriter& overflow(const char* prefix, std::size_t n, std::size_t max);
  Buffer out_;
  std::string error_;
};

/// The writer of public encodings.
using Writer = BasicWriter<std::vector<uint8_t>>;
/// The writer of secret encodings (a key share, a DKG share): the same format, written into a
/// zeroizing buffer, so neither the result nor any buffer a growing write reallocates away is left
/// unwiped. Write a SecretScalar with `.bytes(s.expose_secret().to_bytes())` (a reference: no copy).
using SecretWriter = BasicWriter<SecureBytes>;

extern template class BasicWriter<std::vector<uint8_t>>;
extern template class BasicWriter<SecureBytes>;

/// A reader that fails sticky: after the first out-of-bounds read every read returns zeros and
/// `finish()` reports the first failure. Values read must not be used until `finish()` succeeded.
class Reader {
 public:
  Reader(std::span<const uint8_t> in, std::string_view function) : in_(in), function_(function) {}

  /// Reads and checks magic, version and type.
  void header(ObjectType type, uint8_t version = kVersion);
  [[nodiscard]] uint8_t u8();
  [[nodiscard]] uint16_t u16();
  [[nodiscard]] uint32_t u32();
  [[nodiscard]] uint64_t u64();
  [[nodiscard]] std::span<const uint8_t> bytes(std::size_t n);
  template <std::size_t N>
  [[nodiscard]] std::array<uint8_t, N> fixed() {
    std::array<uint8_t, N> out{};
    auto b = bytes(N);
    if (b.size() == N) std::copy(b.begin(), b.end(), out.begin());
    return out;
  }
  /// Length-prefixed fields; `max` bounds the length before anything is copied.
  [[nodiscard]] std::span<const uint8_t> bytes_u8(std::size_t max = 0xff);
  [[nodiscard]] std::span<const uint8_t> bytes_u16(std::size_t max = 0xffff);
  [[nodiscard]] std::span<const uint8_t> bytes_u32(std::size_t max);

  /// Marks the parse failed with a reason (for checks on values the caller read).
  void reject(std::string reason);
  [[nodiscard]] bool ok() const { return error_.empty(); }
  /// The bytes read so far (where what follows starts).
  [[nodiscard]] std::size_t consumed() const { return pos_; }
  /// Succeeds only if every read was in bounds, no reject() happened and no byte is left over.
  [[nodiscard]] Result<void> finish();

 private:
  std::span<const uint8_t> take(std::size_t n);
  std::span<const uint8_t> in_;
  std::size_t pos_ = 0;
  std::string_view function_;
  std::string error_;
};

/// Lowercase hex, for vectors, logs and the CLI.
[[nodiscard]] std::string to_hex(std::span<const uint8_t> bytes);
[[nodiscard]] Result<std::vector<uint8_t>> from_hex(std::string_view hex);

}  // namespace escrow::wire
