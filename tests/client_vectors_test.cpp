// The client's vectors (SPEC 7.4 "Account names", 7.5): tests/vectors/client/*.vec, re-checked here
// by the code that ships (app/account_name, app/known_keys) as the independent checker re-checks
// them in Python. They live beside the mailbox tests because that code is in app/, not lib/.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "account_name.hpp"
#include "fingerprint.hpp"
#include "known_keys.hpp"
#include "vectors/vector_file.hpp"

namespace {

TEST(ClientVectors, AccountNamesAndFingerprintsHoldAsListed) {
  const auto vectors = escrow::vectors::read_file(std::string(DOORMAT_VECTOR_DIR) + "/client/account_names_and_fingerprints.vec");
  ASSERT_TRUE(vectors.has_value()) << vectors.error().message();
  std::size_t names = 0, fingerprints = 0;
  for (const auto& v : *vectors) {
    if (v.fields.contains("account_name")) {
      ++names;
      const auto bytes = v.hex("account_name").value();
      const auto r = doormat::account_name::check(std::string(bytes.begin(), bytes.end()));
      EXPECT_EQ(r.has_value(), v.valid) << "line " << v.line;
      if (!v.valid && !r) {
        EXPECT_EQ(escrow::vectors::category_name(r.error().category), v.fields.at("error")) << "line " << v.line;
      }
      continue;
    }
    ++fingerprints;
    const auto key = v.hex("sender_sign_public").value();
    ASSERT_EQ(key.size(), 32u) << "line " << v.line;
    escrow::IdentityKey k{};
    std::copy(key.begin(), key.end(), k.begin());
    EXPECT_EQ(doormat::known_keys::fingerprint(k), v.fields.at("fingerprint")) << "line " << v.line;
  }
  EXPECT_GE(names, 10u);
  EXPECT_GE(fingerprints, 2u);
}

// SPEC 5.1: the authority key's fingerprint as inspect prints it (app/fingerprint).
TEST(ClientVectors, AuthorityFingerprintsHoldAsListed) {
  const auto vectors = escrow::vectors::read_file(std::string(DOORMAT_VECTOR_DIR) + "/tdh2/authority_fingerprint.vec");
  ASSERT_TRUE(vectors.has_value()) << vectors.error().message();
  ASSERT_GE(vectors->size(), 2u);
  for (const auto& v : *vectors) {
    const auto y = escrow::group::Point::from_bytes(v.hex("point").value());
    ASSERT_TRUE(y.has_value()) << "line " << v.line;
    EXPECT_EQ(doormat::fingerprint::authority(*y), v.fields.at("fingerprint")) << "line " << v.line;
  }
}

// SPEC 7.5: each listed known-keys file loads, or is refused whole, by KnownKeys::load itself.
TEST(ClientVectors, KnownKeysFilesLoadOrAreRefusedAsListed) {
  const auto vectors = escrow::vectors::read_file(std::string(DOORMAT_VECTOR_DIR) + "/client/known_keys_file.vec");
  ASSERT_TRUE(vectors.has_value()) << vectors.error().message();
  ASSERT_GE(vectors->size(), 2u);
  const auto path = std::filesystem::temp_directory_path() / ("doormat-client-vectors-" + std::to_string(::getpid()) + ".json");
  for (const auto& v : *vectors) {
    const auto text = v.hex("known_keys_file").value();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(text.data()), static_cast<std::streamsize>(text.size()));
    const auto k = doormat::known_keys::KnownKeys::load(path.string());
    EXPECT_EQ(k.has_value(), v.valid) << "line " << v.line;
    if (!v.valid && !k) {
      EXPECT_EQ(escrow::vectors::category_name(k.error().category), v.fields.at("error")) << "line " << v.line;
    }
  }
  std::filesystem::remove(path);
}

}  // namespace
