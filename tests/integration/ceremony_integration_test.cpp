// The DKG and refresh ceremonies among real trustee processes (SPEC §12.4).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "directory.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/wire.hpp"
#include "live_trustee.hpp"
#include "sqlite.hpp"

namespace doormat {
namespace {
using nlohmann::json;

struct Ceremony : ::testing::Test {
  std::string dir;
  std::vector<TrusteeProcess> trustees;

  void SetUp() override {
    dir = fs::temp_directory_path() / ("doormat-ceremony-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    sh({"court", "init", "--dir", "court"}, dir);
    ASSERT_TRUE(files::write_text(dir + "/pass", "ceremony passphrase\n", true).has_value());
    std::vector<std::string> enroll = {"enroll", "--directory", "trustees.json"};
    for (int i = 1; i <= 5; ++i) {
      TrusteeProcess t;
      t.index = i;
      t.dir = dir + "/t" + std::to_string(i);
      fs::create_directories(t.dir);
      t.db = t.dir + "/state.db";
      t.pass = dir + "/pass";
      sh({"trustee", "init", "--db", t.db, "--index", std::to_string(i), "--root", "court/root.pem", "--crl", "court/crl.pem",
          "--passphrase-file", "pass"},
         dir);
      t.start();
      enroll.insert(enroll.end(), {"--url", t.url});
      trustees.push_back(t);
    }
    sh(enroll, dir);
  }
  void TearDown() override {
    for (auto& t : trustees) t.kill(SIGTERM);
    if (!HasFailure()) fs::remove_all(dir);
  }
  json ceremony(const std::vector<std::string>& args) { return json::parse(sh(args, dir)); }
};

TEST_F(Ceremony, GjkrAmongFiveProcessesGivesOneKeyThatDecrypts) {
  const auto out = ceremony({"ceremony", "dkg", "--trustees", "trustees.json", "-k", "3", "--out", "authority.pub", "--json"});
  EXPECT_EQ(out["finished"].size(), 5u);
  EXPECT_TRUE(out["disqualified"].empty());
  const auto pk = escrow::tdh2::PublicKey::decode(files::read(dir + "/authority.pub").value()).value();
  for (const auto& t : trustees) {
    const auto info = authority::http_get(t.url, "/v1/info").value().body;
    EXPECT_TRUE(info["has_key"].get<bool>());
    EXPECT_EQ(info["authority"].get<std::string>(), escrow::wire::to_hex(pk.encode()));
  }
}

TEST_F(Ceremony, ASilentTrusteeIsDisqualifiedAndTheRestFinish) {
  trustees[4].kill(SIGKILL);
  const auto out = ceremony({"ceremony", "dkg", "--trustees", "trustees.json", "-k", "3", "--out", "authority.pub", "--json"});
  EXPECT_EQ(out["finished"].size(), 4u);
  ASSERT_TRUE(out["disqualified"].contains("5"));
  EXPECT_NE(out["disqualified"]["5"].get<std::string>().find("silent"), std::string::npos);
}

TEST_F(Ceremony, RefreshKeepsTheKeyAndErasesTheOldShareFromDisk) {
  ceremony({"ceremony", "dkg", "--trustees", "trustees.json", "-k", "3", "--out", "authority.pub", "--json"});
  const auto before = escrow::tdh2::PublicKey::decode(files::read(dir + "/authority.pub").value()).value();
  // The sealed secrets of trustee 1 as stored before the refresh.
  std::vector<uint8_t> old_blob;
  {
    auto db = db::Database::open(trustees[0].db).value();
    auto st = db.prepare("SELECT value FROM config WHERE key = 'secrets'").value();
    ASSERT_TRUE(st.step().value());
    old_blob = st.column_blob(0);
  }
  const auto out = ceremony({"ceremony", "refresh", "--trustees", "trustees.json", "-k", "3", "--out", "authority2.pub", "--json"});
  EXPECT_EQ(out["epoch"].get<int>(), 1);
  const auto after = escrow::tdh2::PublicKey::decode(files::read(dir + "/authority2.pub").value()).value();
  EXPECT_EQ(after.y, before.y);
  EXPECT_EQ(after.epoch, 1u);
  // No 32-byte window of the old ciphertext survives in the database or its WAL.
  const std::vector<uint8_t> needle(old_blob.end() - 48, old_blob.end() - 16);
  for (const auto& file : {trustees[0].db, trustees[0].db + "-wal"}) {
    if (!fs::exists(file)) continue;
    const auto bytes = files::read(file).value();
    EXPECT_EQ(std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()), bytes.end()) << "old share still in " << file;
  }
}

TEST_F(Ceremony, ATrusteeWithAKeyRefusesASecondDkg) {
  ceremony({"ceremony", "dkg", "--trustees", "trustees.json", "-k", "3", "--out", "authority.pub", "--json"});
  auto again = process::run({kBin, "ceremony", "dkg", "--trustees", dir + "/trustees.json", "-k", "3", "--out", dir + "/again.pub"}).value();
  EXPECT_NE(again.status, 0);  // every trustee answers "already holds a share; use refresh"
}

}  // namespace
}  // namespace doormat
