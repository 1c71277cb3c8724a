// The client's known keys (SPEC §7.5): the fingerprint recomputed from its definition with
// libsodium alone, trust on first use, and a refusal for each check of the file's parser.
#include "known_keys.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "escrow/wire.hpp"

namespace doormat::known_keys {
namespace {
namespace fs = std::filesystem;

struct Folder {
  std::string path;
  Folder() {
    std::string t = (fs::temp_directory_path() / "doormat-known-keys-test-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~Folder() { fs::remove_all(path); }
  std::string file(const std::string& text) const {
    std::ofstream(path + "/known.json") << text;
    return path + "/known.json";
  }
};

escrow::IdentityKey key_of(uint8_t b) {
  escrow::IdentityKey k{};
  k.fill(b);
  return k;
}

TEST(KnownKeys, FingerprintIsTheSpecsHashInGroupsOfFour) {
  // SPEC §2.2: BLAKE2b-16(LP(tag) || LP(key)), LP = u32be length || bytes.
  const std::string tag = "doormat/v1/client/key-fingerprint";
  const auto key = key_of(0x42);
  std::vector<uint8_t> in = {0, 0, 0, static_cast<uint8_t>(tag.size())};
  in.insert(in.end(), tag.begin(), tag.end());
  in.insert(in.end(), {0, 0, 0, 32});
  in.insert(in.end(), key.begin(), key.end());
  std::array<uint8_t, 16> h{};
  ASSERT_EQ(crypto_generichash(h.data(), h.size(), in.data(), in.size(), nullptr, 0), 0);
  std::string want;
  const std::string hex = escrow::wire::to_hex(h);
  for (std::size_t i = 0; i < hex.size(); i += 4) {
    if (i) want.push_back(':');
    want.append(hex, i, 4);
  }
  EXPECT_EQ(fingerprint(key), want);
  EXPECT_NE(fingerprint(key_of(0x43)), want);
}

TEST(KnownKeys, FirstKeyIsPinnedTheSameIsKnownAnotherIsChangedAndLeavesThePin) {
  Folder d;
  auto k = KnownKeys::load(d.path + "/none.json").value();
  EXPECT_EQ(k.see("alice", key_of(1)), Seen::first);
  EXPECT_EQ(k.see("alice", key_of(1)), Seen::known);
  EXPECT_EQ(k.see("alice", key_of(2)), Seen::changed);
  EXPECT_EQ(k.pinned("alice")->ed25519, key_of(1));
  ASSERT_TRUE(k.save_if_changed().has_value());
  auto again = KnownKeys::load(d.path + "/none.json").value();
  EXPECT_EQ(again.see("alice", key_of(1)), Seen::known);
  EXPECT_EQ(again.see("alice", key_of(2)), Seen::changed);
}

TEST(KnownKeys, AnotherBoxKeyForTheSameSigningKeyIsChanged) {
  Folder d;
  auto k = KnownKeys::load(d.path + "/none.json").value();
  EXPECT_EQ(k.see("bob", key_of(1), key_of(7)), Seen::first);
  EXPECT_EQ(k.see("bob", key_of(1)), Seen::known);  // receive sees no box key
  EXPECT_EQ(k.see("bob", key_of(1), key_of(8)), Seen::changed);
}

TEST(KnownKeys, LookAlikeNamesArePinnedApartInPrintableForm) {
  Folder d;
  auto k = KnownKeys::load(d.path + "/k.json").value();
  EXPECT_EQ(k.see("bob", key_of(1)), Seen::first);
  EXPECT_EQ(k.see("b\xd0\xbe" "b", key_of(2)), Seen::first);
  ASSERT_TRUE(k.save_if_changed().has_value());
  auto again = KnownKeys::load(d.path + "/k.json").value();
  EXPECT_EQ(again.pinned("b\xd0\xbe" "b")->name, "b\\xd0\\xbeb");
  EXPECT_EQ(again.see("bob", key_of(1)), Seen::known);
}

TEST(KnownKeys, UnchangedSetWritesNoFile) {
  Folder d;
  auto k = KnownKeys::load(d.path + "/k.json").value();
  ASSERT_TRUE(k.save_if_changed().has_value());
  EXPECT_FALSE(fs::exists(d.path + "/k.json"));
}

void expect_refused(const std::string& text, const std::string& why) {
  Folder d;
  auto r = KnownKeys::load(d.file(text));
  ASSERT_FALSE(r.has_value()) << text;
  EXPECT_EQ(r.error().category, escrow::ErrorCategory::malformed);
  EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
}

const std::string kKey = std::string(64, 'a');

TEST(KnownKeys, RefusesAFileThatIsNotAJsonObject) { expect_refused("[1]", "not a JSON object"); }
TEST(KnownKeys, RefusesAnotherFormat) { expect_refused(R"({"format":"v0","keys":[]})", "format is not"); }
TEST(KnownKeys, RefusesAFileWithoutAKeysArray) { expect_refused(R"({"format":"doormat-known-keys-v1"})", "no keys array"); }
TEST(KnownKeys, RefusesAnEntryWithoutAName) {
  expect_refused(R"({"format":"doormat-known-keys-v1","keys":[{"ed25519":")" + kKey + R"("}]})", "without a name");
}
TEST(KnownKeys, RefusesANameNotInPrintableForm) {
  expect_refused(R"({"format":"doormat-known-keys-v1","keys":[{"name":"bob ","ed25519":")" + kKey + R"("}]})", "printable form");
}
TEST(KnownKeys, RefusesAShortEd25519Key) {
  expect_refused(R"({"format":"doormat-known-keys-v1","keys":[{"name":"bob","ed25519":"abcd"}]})", "no 32-byte ed25519 key");
}
TEST(KnownKeys, RefusesABadX25519Key) {
  expect_refused(R"({"format":"doormat-known-keys-v1","keys":[{"name":"bob","ed25519":")" + kKey + R"(","x25519":"zz"}]})",
                 "bad x25519 key");
}
TEST(KnownKeys, RefusesTwoEntriesForOneName) {
  const std::string e = R"({"name":"bob","ed25519":")" + kKey + R"("})";
  expect_refused(R"({"format":"doormat-known-keys-v1","keys":[)" + e + "," + e + "]}", "two entries for bob");
}

}  // namespace
}  // namespace doormat::known_keys
