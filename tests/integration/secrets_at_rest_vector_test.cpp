// tests/vectors/at_rest/trustee_secrets.vec (SPEC §11.5) against the trustee's own at-rest code,
// which lives with the daemon (escrow_authority/trustee/) and so is checked here, not in
// escrow_tests.
#include <gtest/gtest.h>

#include "secrets_at_rest.hpp"
#include "vectors/vector_file.hpp"

namespace {
using namespace doormat::authority;

TEST(SecretsAtRestVector, OpensWithThePublishedPassphraseAndRefusesEveryChange) {
  const auto vectors = escrow::vectors::read_file(std::string(DOORMAT_VECTOR_DIR) + "/at_rest/trustee_secrets.vec");
  ASSERT_TRUE(vectors.has_value()) << vectors.error().message();
  ASSERT_EQ(vectors->size(), 5u);
  for (const auto& v : *vectors) {
    const auto blob = v.hex("blob").value();
    const auto index = static_cast<uint8_t>(v.number("index").value());
    const auto salt = at_rest::salt_of(blob);
    ASSERT_TRUE(salt.has_value());
    const auto key = at_rest::derive_key(v.fields.at("passphrase"), *salt).value();
    const auto opened = at_rest::open(key, index, blob);
    if (v.valid) {
      EXPECT_EQ(std::vector<uint8_t>(key.expose().begin(), key.expose().end()), v.hex("key").value());
      ASSERT_TRUE(opened.has_value()) << opened.error().message();
      EXPECT_EQ(std::vector<uint8_t>(opened->begin(), opened->end()), v.hex("secrets").value());
      continue;
    }
    ASSERT_FALSE(opened.has_value()) << "line " << v.line;
    EXPECT_EQ(escrow::vectors::category_name(opened.error().category), v.fields.at("error")) << "line " << v.line;
  }
}

}  // namespace
