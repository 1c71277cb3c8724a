// The DKG and refresh ceremonies among real trustee processes (SPEC §12.4), and what an outsider
// who can reach a trustee's port can do to them: nothing.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sodium.h>

#include <future>
#include <map>
#include <set>

#include "escrow/dkg.hpp"
#include "escrow/envelope.hpp"
#include "escrow/warrant.hpp"
#include "ceremony_call.hpp"
#include "directory.hpp"
#include "http_client.hpp"
#include "identity.hpp"
#include "trustee.hpp"
#include "json_fields.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/wire.hpp"
#include "live_trustee.hpp"
#include "mailbox.hpp"
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
    sh({"operator", "new", "--out", "operator"}, dir);
    ASSERT_TRUE(files::write_text(dir + "/pass", "ceremony passphrase\n", true).has_value());
    // fmt::format, not "t" + std::to_string(i): GCC 12 reports a false -Wrestrict inside libstdc++ on that.
    for (int i = 1; i <= 5; ++i) trustees.push_back(started(fmt::format("t{}", i), i, {"--index", std::to_string(i), "--operator", "operator.pub"}));
    enroll_all();
  }
  // A trustee of its own folder, initialised with the court's root and CRL and `options`, serving.
  TrusteeProcess started(const std::string& name, int index, std::vector<std::string> options) {
    TrusteeProcess t;
    t.index = index;
    t.dir = dir + "/" + name;
    fs::create_directories(t.dir);
    t.db = t.dir + "/state.db";
    t.pass = dir + "/pass";
    std::vector<std::string> init = {"trustee", "init", "--db", t.db, "--root", "court/root.pem", "--crl", "court/crl.pem", "--passphrase-file", "pass"};
    init.insert(init.end(), options.begin(), options.end());
    sh(init, dir);
    t.start();
    return t;
  }
  // trustees.json from the trustees' current URLs (a restarted trustee has a new port).
  void enroll_all() {
    std::vector<std::string> enroll = {"enroll", "--directory", "trustees.json"};
    for (const auto& t : trustees) enroll.insert(enroll.end(), {"--url", t.url});
    sh(enroll, dir);
  }
  void TearDown() override {
    for (auto& t : trustees) t.kill(SIGTERM);
    if (!HasFailure()) fs::remove_all(dir);
  }
  json ceremony(std::vector<std::string> args) {
    args.insert(args.begin() + 2, {"--operator", "operator.key"});
    return json::parse(sh(args, dir));
  }
  std::string authority_of(const TrusteeProcess& t) { return http_get(t.url, "/v1/info").value().body.value("authority", ""); }
  uint64_t log_size_of(const TrusteeProcess& t) { return http_get(t.url, "/v1/info").value().body["log_size"].get<uint64_t>(); }
  // One call to trustee t, signed by `key` (the operator's or anyone's), as the coordinator sends it.
  HttpReply call(const TrusteeProcess& t, json c, const escrow::signature::SigningKey& key) {
    c["trustee"] = t.index;
    return http_post(t.url, "/v1/ceremony", authority::sign_ceremony_call(c, key)).value();
  }
  json roster_of(const std::string& directory) {
    json roster = json::array();
    const auto entries = authority::load_directory(directory).value();  // kept: a range-for over .value() of a temporary dangles
    for (const auto& e : entries)
      roster.push_back({{"trustee", e.index}, {"ed25519", escrow::wire::to_hex(e.sign_key)}, {"x25519", escrow::wire::to_hex(e.box_key)}});
    return roster;
  }
  // A ceremony (GJKR unless told) driven by hand up to finish, relaying messages as the coordinator
  // does: each trustee's finish reply (its public key and confirmation).
  std::map<int, json> run_to_finish(const std::string& id, const identity::Identity& op,
                                    escrow::dkg::Protocol protocol = escrow::dkg::Protocol::gjkr) {
    std::map<int, json> replies;
    const json roster = roster_of(dir + "/trustees.json");
    for (const auto& t : trustees)
      replies[t.index] = call(t, {{"action", "begin"}, {"ceremony", id}, {"protocol", escrow::dkg::name(protocol)}, {"k", 3}, {"roster", roster},
                                  {"time", now()}}, op.sign_secret).body;
    const std::size_t finish = escrow::dkg::rounds(protocol).size() + 1;  // begin is step 1
    for (std::size_t step = 2; step <= finish; ++step) {
      std::map<int, json> next;
      for (const auto& t : trustees) {
        json inbox = json::array();
        for (const auto& [i, r] : replies)
          for (const auto& m : r["messages"])
            if (!m.contains("to") || m["to"] == t.index) inbox.push_back(m);
        next[t.index] = call(t, {{"action", step == finish ? "finish" : "round"}, {"ceremony", id}, {"round", step}, {"messages", inbox}},
                             op.sign_secret).body;
      }
      replies = std::move(next);
    }
    return replies;
  }
  static std::string fresh_id() {
    std::array<uint8_t, 16> id{};
    randombytes_buf(id.data(), id.size());
    return escrow::wire::to_hex(id);
  }
};

TEST_F(Ceremony, GjkrAmongFiveProcessesGivesOneKeyThatDecrypts) {
  const auto out = ceremony({"ceremony", "dkg", "--trustees", "trustees.json", "-k", "3", "--out", "authority.pub", "--json"});
  EXPECT_EQ(out["finished"].size(), 5u);
  EXPECT_TRUE(out["disqualified"].empty());
  const auto pk = escrow::tdh2::PublicKey::decode(files::read(dir + "/authority.pub").value()).value();
  for (const auto& t : trustees) {
    const auto info = http_get(t.url, "/v1/info").value().body;
    EXPECT_TRUE(info["has_key"].get<bool>());
    EXPECT_EQ(info["authority"].get<std::string>(), escrow::wire::to_hex(pk.encode()));
  }
}

// Every roster member must confirm the key before anyone stores a share: with one silent, the other
// four compute a key, but none keeps it, and the failure names the silent one.
TEST_F(Ceremony, ASilentTrusteeFailsTheCeremonyAndNoTrusteeStoresAKey) {
  trustees[4].kill(SIGKILL);
  auto r = process::run({kBin, "ceremony", "dkg", "--trustees", dir + "/trustees.json", "-k", "3", "--operator", dir + "/operator.key", "--out",
                         dir + "/authority.pub"}).value();
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("trustee 5 dropped out"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/authority.pub"));
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(http_get(trustees[i].url, "/v1/info").value().body["has_key"].get<bool>());
  // Not stuck: the aborted ceremony does not block the next one, with trustee 5 back.
  trustees[4].start();
  enroll_all();
  EXPECT_EQ(ceremony({"ceremony", "dkg", "--trustees", "trustees.json", "-k", "3", "--out", "authority.pub", "--json"})["finished"].size(), 5u);
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
  auto again = process::run({kBin, "ceremony", "dkg", "--trustees", dir + "/trustees.json", "-k", "3", "--operator", dir + "/operator.key",
                             "--out", dir + "/again.pub"}).value();
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.err.find("already holds a share"), std::string::npos) << again.err;
}

// The penetration test's hijack (issue 12), with the project's own commands: an outsider with its
// own operator key, a dealer and four trustees of its own, a directory that mixes them with the
// victim (trustee 1 of the real authority), and a refresh. Then the same by hand: begin calls to the
// victim signed by the outsider's key, unsigned, and signed by the real operator but with another
// roster. Every one is refused, the victim's key and share stay as they were, and the real
// authority still refreshes afterwards.
TEST_F(Ceremony, AnOutsidersRefreshIsRefusedAndChangesNothing) {
  ceremony({"ceremony", "dkg", "--trustees", "trustees.json", "-k", "3", "--out", "authority.pub", "--json"});
  auto& victim = trustees[0];
  const std::string key_before = authority_of(victim);
  ASSERT_FALSE(key_before.empty());

  // The outsider's authority: trustees 2..5 with dealer shares and the outsider's operator key.
  sh({"operator", "new", "--out", "mallory"}, dir);
  sh({"ceremony", "dealer", "-k", "3", "-n", "5", "--out", "evil"}, dir);
  std::vector<TrusteeProcess> evil;
  std::vector<std::string> enroll = {"enroll", "--directory", "evil.json", "--url", victim.url};
  for (int i = 2; i <= 5; ++i) {
    evil.push_back(started("evil" + std::to_string(i), i, {"--share", "evil/share-" + std::to_string(i) + ".bin", "--authority", "evil/authority.pub",
                                                           "--operator", "mallory.pub"}));
    enroll.insert(enroll.end(), {"--url", evil.back().url});
  }
  sh(enroll, dir);
  auto refresh = process::run({kBin, "ceremony", "refresh", "--trustees", dir + "/evil.json", "-k", "3", "--operator", dir + "/mallory.key",
                               "--out", dir + "/evil-new.pub"}).value();
  EXPECT_NE(refresh.status, 0);

  // By hand, past the coordinator's own checks: straight to the victim.
  const auto mallory = identity::load(dir + "/mallory.key").value();
  const auto op = identity::load(dir + "/operator.key").value();
  const json evil_begin = {{"action", "begin"}, {"protocol", "refresh"}, {"k", 3}, {"roster", roster_of(dir + "/evil.json")}, {"time", now()}};
  auto forged = evil_begin;
  forged["ceremony"] = fresh_id();
  EXPECT_EQ(call(victim, forged, mallory.sign_secret).status, 401);
  forged["ceremony"] = fresh_id();
  EXPECT_EQ(http_post(victim.url, "/v1/ceremony", forged).value().status, 401);  // no signature at all
  forged["ceremony"] = fresh_id();
  const auto wrong_roster = call(victim, forged, op.sign_secret);  // the real operator, the outsider's roster
  EXPECT_EQ(wrong_roster.status, 403);
  EXPECT_NE(text_of(wrong_roster.body, "reason").find("not the one this trustee is enrolled in"), std::string::npos) << wrong_roster.body.dump();

  for (auto& t : evil) t.kill(SIGTERM);
  EXPECT_EQ(authority_of(victim), key_before);
  // Restarted, the victim still holds the real key, and the real authority refreshes.
  victim.kill(SIGTERM);
  victim.start();
  EXPECT_EQ(authority_of(victim), key_before);
  enroll_all();
  EXPECT_EQ(ceremony({"ceremony", "refresh", "--trustees", "trustees.json", "-k", "3", "--out", "authority2.pub", "--json"})["epoch"].get<int>(), 1);
}

// A begin from anyone but the operator, sent again and again while a real DKG runs, neither
// aborts nor disturbs it; and a second operator-signed begin is refused while the first runs.
TEST_F(Ceremony, AStrayBeginDoesNotAbortARunningCeremony) {
  sh({"operator", "new", "--out", "mallory"}, dir);
  const auto mallory = identity::load(dir + "/mallory.key").value();
  const json stray = {{"action", "begin"}, {"protocol", "gjkr"}, {"k", 3}, {"roster", roster_of(dir + "/trustees.json")}, {"time", now()}};
  auto dkg = std::async(std::launch::async, [&] {
    return process::run({kBin, "ceremony", "dkg", "--trustees", dir + "/trustees.json", "-k", "3", "--operator", dir + "/operator.key",
                         "--out", dir + "/authority.pub", "--json"}).value();
  });
  // Each stray is refused: 401, or, once this address has spent its budget of refusals at that
  // trustee (200 in 10 s, SPEC §11.2), 429 source_over_budget, which is a refusal too.
  int strays = 0;
  for (int i = 0; i < 2000 && dkg.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready; ++i) {
    auto s = stray;
    s["ceremony"] = fresh_id();
    const auto reply = call(trustees[i % 5], s, mallory.sign_secret);
    if (reply.status == 429) {
      EXPECT_EQ(text_of(reply.body, "error"), "source_over_budget") << reply.body.dump();
    } else {
      EXPECT_EQ(reply.status, 401) << reply.body.dump();
    }
    ++strays;
  }
  // A ceremony that does not finish is this test's failure, with the coordinator's account of it,
  // not a hang until CTest's timeout: past two minutes the trustees are killed, so it ends.
  if (dkg.wait_for(std::chrono::seconds(120)) != std::future_status::ready) {
    ADD_FAILURE() << "the DKG did not finish within 120 s of the last of " << strays << " strays";
    for (auto& t : trustees) t.kill(SIGKILL);
  }
  const auto out = dkg.get();
  ASSERT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(json::parse(out.out)["finished"].size(), 5u);
  EXPECT_GT(strays, 0);
  for (const auto& t : trustees) EXPECT_TRUE(http_get(t.url, "/v1/info").value().body["has_key"].get<bool>());

  // The operator itself: a ceremony in progress is not replaced by a second begin.
  const auto op = identity::load(dir + "/operator.key").value();
  auto first = stray;
  first["protocol"] = "refresh";
  first["ceremony"] = fresh_id();
  ASSERT_EQ(call(trustees[0], first, op.sign_secret).status, 200);
  auto second = first;
  second["ceremony"] = fresh_id();
  const auto refused = call(trustees[0], second, op.sign_secret);
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(text_of(refused.body, "reason").find("in progress"), std::string::npos);
  // Replaying the first begin is refused too: an id is used once.
  auto abort = json{{"action", "abort"}, {"ceremony", first["ceremony"]}};
  ASSERT_EQ(call(trustees[0], abort, op.sign_secret).status, 200);
  EXPECT_EQ(call(trustees[0], first, op.sign_secret).status, 409);
}

// Every ceremony step is a log entry; calls nobody signed are not, one by one.
TEST_F(Ceremony, EveryStepIsLoggedAndUnsignedCallsAreOnlyCounted) {
  const uint64_t before = log_size_of(trustees[0]);
  ceremony({"ceremony", "dkg", "--trustees", "trustees.json", "-k", "3", "--out", "authority.pub", "--json"});
  // begin, rounds 2..6, finish, commit.
  EXPECT_EQ(log_size_of(trustees[0]), before + 1 + 5 + 1 + 1);
  const uint64_t after = log_size_of(trustees[0]);
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(http_post(trustees[0].url, "/v1/ceremony", json{{"action", "begin"}}).value().status, 401);
  // At most one entry: the count of a 10 s interval that may have ended during the loop.
  EXPECT_LE(log_size_of(trustees[0]), after + 1);
}

}  // namespace
}  // namespace doormat

namespace doormat {
namespace {

// The commit is two-phase and durable: a trustee that misses it (here: killed after finish, as
// an outsider's flood or a crash would make it) keeps its confirmed key pending across a restart,
// and `ceremony commit --resume` completes the authority instead of leaving it split.
TEST_F(Ceremony, ATrusteeThatMissedTheCommitKeepsItsKeyPendingAndTheCommitResumes) {
  const auto op = identity::load(dir + "/operator.key").value();
  const std::string id = fresh_id();
  auto finals = run_to_finish(id, op);
  json confirmations = json::array();
  for (const auto& [i, f] : finals) {
    ASSERT_TRUE(f.contains("confirmation")) << f.dump();
    confirmations.push_back({{"trustee", i}, {"signature", f["confirmation"]}});
  }
  const std::string key_hex = finals[1]["public_key"].get<std::string>();
  for (int i = 0; i < 4; ++i) {
    const auto r = call(trustees[i], {{"action", "commit"}, {"ceremony", id}, {"confirmations", confirmations}}, op.sign_secret);
    ASSERT_EQ(r.status, 200) << r.body.dump();
  }
  trustees[4].kill(SIGKILL);  // before its commit
  trustees[4].start();
  EXPECT_FALSE(http_get(trustees[4].url, "/v1/info").value().body["has_key"].get<bool>());
  enroll_all();
  ASSERT_TRUE(files::write_text(dir + "/resume.json", json{{"ceremony", id}, {"public_key", key_hex}, {"confirmations", confirmations}}.dump()).has_value());
  sh({"ceremony", "commit", "--resume", "resume.json", "--trustees", "trustees.json", "--operator", "operator.key", "--out", "authority.pub"}, dir);
  for (const auto& t : trustees) EXPECT_EQ(authority_of(t), key_hex);
  EXPECT_EQ(escrow::wire::to_hex(files::read(dir + "/authority.pub").value()), key_hex);
  // And the authority refreshes: nothing is left split.
  EXPECT_EQ(ceremony({"ceremony", "refresh", "--trustees", "trustees.json", "-k", "3", "--out", "authority2.pub", "--json"})["epoch"].get<int>(), 1);
}

}  // namespace
}  // namespace doormat

namespace doormat {
namespace {

uint32_t epoch_of(const std::string& key_hex) {
  return escrow::tdh2::PublicKey::decode(escrow::wire::from_hex(key_hex).value()).value().epoch;
}

// docs/SECURITY.md F1: a refresh whose commit reached trustees 1..3 only, the other two aborted
// before anyone ran `commit --resume`, leaves the authority split: 1..3 at epoch 1, 4 and 5 at 0.
// The plain refresh cannot repair it (the coordinator refuses it with --no-repair; driven by hand
// past the coordinator, the trustees end at different epochs and every commit is refused). The
// resharing refresh (SPEC 12.7) that `ceremony refresh` runs on a split does: every trustee ends at
// epoch 2 with the same Y, and a warrant opens with trustees 4, 5 (formerly lagging) and 1.
TEST_F(Ceremony, ASplitEpochIsRepairedByAResharingAndAMixedQuorumDecrypts) {
  ceremony({"ceremony", "dkg", "--trustees", "trustees.json", "-k", "3", "--out", "authority.pub", "--json"});
  const std::string epoch0 = authority_of(trustees[0]);
  const auto op = identity::load(dir + "/operator.key").value();

  // The split: the refresh's commit reaches 1..3; 4 and 5 are aborted (their pending key dropped).
  const std::string split_id = fresh_id();
  auto finals = run_to_finish(split_id, op, escrow::dkg::Protocol::refresh);
  json confirmations = json::array();
  for (const auto& [i, f] : finals) {
    ASSERT_TRUE(f.contains("confirmation")) << f.dump();
    confirmations.push_back({{"trustee", i}, {"signature", f["confirmation"]}});
  }
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(call(trustees[i], {{"action", "commit"}, {"ceremony", split_id}, {"confirmations", confirmations}}, op.sign_secret).status, 200);
  for (int i = 3; i < 5; ++i) ASSERT_EQ(call(trustees[i], {{"action", "abort"}, {"ceremony", split_id}}, op.sign_secret).status, 200);
  const std::string epoch1 = authority_of(trustees[0]);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(epoch_of(authority_of(trustees[i])), i < 3 ? 1u : 0u) << "trustee " << i + 1;

  // The plain refresh is refused by the coordinator when told not to repair...
  auto plain = process::run({kBin, "ceremony", "refresh", "--no-repair", "--trustees", dir + "/trustees.json", "-k", "3", "--operator",
                             dir + "/operator.key", "--out", dir + "/plain.pub"}).value();
  EXPECT_NE(plain.status, 0);
  EXPECT_NE(plain.err.find("split across epochs (trustee 1: epoch 1, trustee 2: epoch 1, trustee 3: epoch 1, trustee 4: epoch 0, trustee 5: epoch 0)"),
            std::string::npos) << plain.err;
  // ... and fails at the trustees when driven past it: each ends at its own epoch + 1, so the
  // confirmations cover two keys and no trustee commits.
  const std::string plain_id = fresh_id();
  auto plain_finals = run_to_finish(plain_id, op, escrow::dkg::Protocol::refresh);
  json plain_confirmations = json::array();
  std::set<std::string> plain_keys;
  for (const auto& [i, f] : plain_finals) {
    ASSERT_TRUE(f.contains("public_key")) << f.dump();
    plain_keys.insert(f["public_key"].get<std::string>());
    plain_confirmations.push_back({{"trustee", i}, {"signature", f["confirmation"]}});
  }
  EXPECT_EQ(plain_keys.size(), 2u);
  for (const auto& t : trustees) {
    const auto r = call(t, {{"action", "commit"}, {"ceremony", plain_id}, {"confirmations", plain_confirmations}}, op.sign_secret);
    EXPECT_EQ(r.status, 409) << r.body.dump();
    EXPECT_EQ(call(t, {{"action", "abort"}, {"ceremony", plain_id}}, op.sign_secret).status, 200);
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(authority_of(trustees[i]), i < 3 ? epoch1 : epoch0);

  // A lagging trustee refuses a resharing that would not move it above its epoch (dealers "of
  // epoch 0"), and a dealer list under k; nothing begins.
  const json roster = roster_of(dir + "/trustees.json");
  const json bad_plans[] = {{{"dealers", {1, 4, 5}}, {"epoch", 0}}, {{"dealers", {1, 2}}, {"epoch", 1}}};
  for (const auto& plan : bad_plans) {
    json begin = {{"action", "begin"}, {"ceremony", fresh_id()}, {"protocol", "reshare"}, {"k", 3}, {"roster", roster}, {"time", now()}};
    begin.update(plan);
    const auto r = call(trustees[0], begin, op.sign_secret);
    EXPECT_EQ(r.status, 409) << r.body.dump();
    EXPECT_NE(text_of(r.body, "reason").find("cannot take part in that resharing"), std::string::npos) << r.body.dump();
  }

  const auto no_plan = call(trustees[0], {{"action", "begin"}, {"ceremony", fresh_id()}, {"protocol", "reshare"}, {"k", 3}, {"roster", roster},
                                          {"time", now()}}, op.sign_secret);
  EXPECT_EQ(no_plan.status, 400) << no_plan.body.dump();
  EXPECT_NE(text_of(no_plan.body, "reason").find("needs dealers and epoch"), std::string::npos) << no_plan.body.dump();

  // The repair: `ceremony refresh` sees the split and reshares from trustees 1..3.
  auto t0 = std::chrono::steady_clock::now();
  const auto out = ceremony({"ceremony", "refresh", "--trustees", "trustees.json", "-k", "3", "--out", "authority2.pub", "--json"});
  const double reshare_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(out["protocol"], "reshare");
  EXPECT_EQ(out["dealers"], json({1, 2, 3}));
  EXPECT_EQ(out["from_epoch"].get<int>(), 1);
  EXPECT_EQ(out["epoch"].get<int>(), 2);
  const auto repaired = escrow::tdh2::PublicKey::decode(files::read(dir + "/authority2.pub").value()).value();
  EXPECT_EQ(repaired.y, escrow::tdh2::PublicKey::decode(escrow::wire::from_hex(epoch0).value()).value().y);
  EXPECT_EQ(repaired.epoch, 2u);
  for (const auto& t : trustees) EXPECT_EQ(authority_of(t), escrow::wire::to_hex(repaired.encode()));

  // A warrant opens with trustees 4 and 5 (formerly lagging) and 1.
  sh({"court", "appoint", "--dir", "court", "--judge", "jane"}, dir);
  sh({"agency", "new", "--name", "agency", "--out", "agency"}, dir);
  const auto agency = identity::load(dir + "/agency.key").value();
  escrow::SystemRng rng;
  {
    auto box = mailbox::Mailbox::open(dir + "/provider.db").value();
    const std::string text = "after the repair";
    ASSERT_TRUE(box.deliver(escrow::envelope::seal(repaired, escrow::SessionLabel::make("alice", "bob", 1500, rng).value(), agency.pub.box_key,
                                                   std::vector<uint8_t>(text.begin(), text.end()), rng).value()).has_value());
  }
  escrow::warrant::SignedWarrant sw;
  randombytes_buf(sw.warrant.id.data(), sw.warrant.id.size());
  sw.warrant.case_reference = "F1-repair";
  sw.warrant.court = "Integration Court";
  sw.warrant.targets = {"bob"};
  sw.warrant.window_start = 1000;
  sw.warrant.window_end = 2000;
  sw.warrant.max_sessions = 10;
  sw.warrant.not_after = now() + 3600;
  sw.warrant.agency_box_key = agency.pub.box_key;
  sw.warrant.agency_sign_key = agency.pub.sign_key;
  const auto judge_key = files::read(dir + "/court/judges/jane.key").value();
  ASSERT_TRUE(escrow::warrant::add_signature(sw, {files::read_text(dir + "/court/judges/jane.pem").value(),
                                                  escrow::SecureBytes(judge_key.begin(), judge_key.end())}).has_value());
  ASSERT_TRUE(files::write(dir + "/warrant.bin", sw.encode()).has_value());
  sh({"enroll", "--directory", "quorum.json", "--url", trustees[3].url, "--url", trustees[4].url, "--url", trustees[0].url}, dir);
  auto inv = process::run({kBin, "investigate", "--warrant", dir + "/warrant.bin", "--agency", dir + "/agency.key", "--authority",
                           dir + "/authority2.pub", "--mailbox", dir + "/provider.db", "--trustees", dir + "/quorum.json", "--json"}).value();
  ASSERT_EQ(inv.status, 0) << inv.err;
  const auto report = json::parse(inv.out);
  EXPECT_EQ(report["sessions_decrypted"].get<int>(), 1);
  EXPECT_EQ(report["sessions"][0]["plaintext"].get<std::string>(), "after the repair");
  for (const auto& t : report["trustees"]) EXPECT_TRUE(t["answered"].get<bool>()) << t.dump();

  // Back in step: the next refresh is a plain one.
  t0 = std::chrono::steady_clock::now();
  const auto next = ceremony({"ceremony", "refresh", "--trustees", "trustees.json", "-k", "3", "--out", "authority3.pub", "--json"});
  const double refresh_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(next["protocol"], "refresh");
  EXPECT_EQ(next["epoch"].get<int>(), 3);
  // As measured in this run (5 trustee processes on loopback, the whole command): what the repair
  // costs against the plain refresh it stands in for.
  RecordProperty("reshare_seconds", fmt::format("{:.3f}", reshare_seconds));
  RecordProperty("plain_refresh_seconds", fmt::format("{:.3f}", refresh_seconds));
  fmt::print("resharing refresh (3 dealers, 5 trustees): {:.3f} s; the plain refresh after it: {:.3f} s\n", reshare_seconds, refresh_seconds);
}

}  // namespace
}  // namespace doormat

namespace doormat {
namespace {

// The fourth outside test's F2, in process (Trustee::ceremony takes the trustee's clock, so 120 s of
// idleness cost nothing): two trustees run a DKG to its finish; the key each computed awaits its
// commit. An operator-signed begin that arrives meanwhile (a refresh, fresh in time) is refused
// as busy, at once and again 200 s later, when the ceremony is idle: the key awaiting its commit is
// not abandoned for idleness, and the commit that follows stores it. Replayed once the trustees
// hold that key, when a refresh could begin, the begin is refused: its id was spent by the refusal.
// (Before the fix it was not spent, and the replay began a ceremony the operator never meant.)
TEST(CeremonyInProcess, ABeginRefusedAsBusyIsSpentAndAKeyAwaitingItsCommitIsNotAbandoned) {
  const std::string dir = fs::temp_directory_path() / ("doormat-ceremony-f2-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  sh({"court", "init", "--dir", "court"}, dir);
  sh({"operator", "new", "--out", "operator"}, dir);
  const auto op = identity::load(dir + "/operator.key").value();
  std::vector<std::unique_ptr<authority::Trustee>> trustees;
  for (unsigned i = 1; i <= 2; ++i) {
    authority::TrusteeSetup setup;
    setup.db_path = fmt::format("{}/t{}.db", dir, i);
    setup.index = i;
    setup.root_path = dir + "/court/root.pem";
    setup.crl_path = dir + "/court/crl.pem";
    setup.passphrase = "in-process passphrase";
    setup.operator_path = dir + "/operator.pub";
    ASSERT_TRUE(authority::init_trustee(setup).has_value());
    trustees.push_back(authority::Trustee::open(setup.db_path, setup.passphrase, 1).value());
  }
  json roster = json::array();
  for (auto& t : trustees) {
    const auto info = t->info().body;
    roster.push_back({{"trustee", info["trustee"]}, {"ed25519", info["ed25519"]}, {"x25519", info["x25519"]}});
  }
  const uint64_t t0 = now();
  const auto call = [&](std::size_t i, json c, uint64_t at) {
    c["trustee"] = i + 1;
    return trustees[i]->ceremony(authority::sign_ceremony_call(c, op.sign_secret).dump(), at);
  };
  const auto id = [] {
    std::array<uint8_t, 16> b{};
    randombytes_buf(b.data(), b.size());
    return escrow::wire::to_hex(b);
  };

  // The DKG up to its finish, relaying messages as the coordinator does.
  const std::string dkg_id = id();
  std::vector<json> replies;
  for (std::size_t i = 0; i < trustees.size(); ++i) {
    auto r = call(i, {{"action", "begin"}, {"ceremony", dkg_id}, {"protocol", "gjkr"}, {"k", 2}, {"roster", roster}, {"time", t0}}, t0);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    replies.push_back(r.body);
  }
  const std::size_t finish = escrow::dkg::rounds(escrow::dkg::Protocol::gjkr).size() + 1;
  for (std::size_t step = 2; step <= finish; ++step) {
    std::vector<json> next;
    for (std::size_t i = 0; i < trustees.size(); ++i) {
      json inbox = json::array();
      for (const auto& r : replies)
        for (const auto& m : r["messages"])
          if (!m.contains("to") || m["to"] == i + 1) inbox.push_back(m);
      auto r = call(i, {{"action", step == finish ? "finish" : "round"}, {"ceremony", dkg_id}, {"round", step}, {"messages", inbox}}, t0);
      ASSERT_EQ(r.status, 200) << r.body.dump();
      next.push_back(r.body);
    }
    replies = std::move(next);
  }
  json confirmations = json::array();
  for (std::size_t i = 0; i < trustees.size(); ++i) {
    ASSERT_TRUE(replies[i].contains("confirmation")) << replies[i].dump();
    confirmations.push_back({{"trustee", i + 1}, {"signature", replies[i]["confirmation"]}});
  }

  // A begin while the key awaits its commit: refused, busy.
  const json stray = {{"action", "begin"}, {"ceremony", id()}, {"protocol", "refresh"}, {"k", 2}, {"roster", roster}, {"time", t0 + 150}};
  const auto busy = call(0, stray, t0 + 1);
  EXPECT_EQ(busy.status, 409) << busy.body.dump();
  // 200 s later, the ceremony idle: still refused, and the key awaiting its commit is kept.
  const auto idle = call(0, stray, t0 + 200);
  EXPECT_EQ(idle.status, 409) << idle.body.dump();
  const json other = {{"action", "begin"}, {"ceremony", id()}, {"protocol", "refresh"}, {"k", 2}, {"roster", roster}, {"time", t0 + 200}};
  const auto idle_other = call(0, other, t0 + 200);
  EXPECT_EQ(idle_other.status, 409) << idle_other.body.dump();
  EXPECT_NE(text_of(idle_other.body, "reason").find("awaiting its commit"), std::string::npos) << idle_other.body.dump();
  for (std::size_t i = 0; i < trustees.size(); ++i) {
    const auto r = call(i, {{"action", "commit"}, {"ceremony", dkg_id}, {"confirmations", confirmations}}, t0 + 201);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_TRUE(trustees[i]->info().body["has_key"].get<bool>());
  }
  // The refused begins, replayed once a refresh could begin: their ids are spent.
  for (const auto& replayed : {stray, other}) {
    const auto again = call(0, replayed, t0 + 202);
    EXPECT_EQ(again.status, 409) << again.body.dump();
    EXPECT_NE(text_of(again.body, "reason").find("used before"), std::string::npos) << again.body.dump();
  }
  // A resharing plan the library refuses (one dealer of two needed): the reason is plain words,
  // without the function that refused it (it quoted `dkg::Party::resharing: `).
  const auto plan = call(0, {{"action", "begin"}, {"ceremony", id()}, {"protocol", "reshare"}, {"k", 2}, {"roster", roster}, {"time", t0 + 202},
                             {"dealers", {1}}, {"epoch", 0}}, t0 + 202);
  EXPECT_EQ(plan.status, 409) << plan.body.dump();
  EXPECT_NE(text_of(plan.body, "reason").find("cannot take part in that resharing: "), std::string::npos) << plan.body.dump();
  EXPECT_EQ(text_of(plan.body, "reason").find("::"), std::string::npos) << plan.body.dump();
  // And a fresh begin does start a refresh (the replays were refused for their ids, not for the state).
  auto fresh = other;
  fresh["ceremony"] = id();
  EXPECT_EQ(call(0, fresh, t0 + 202).status, 200);
  trustees.clear();
  if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace doormat
