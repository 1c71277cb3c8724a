#include "escrow/warrant.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <ctime>

#include "test_support.hpp"

namespace escrow::warrant {
namespace {
using test::failed_with;

// One court system shared by the tests: creating keys and certificates is the slow part.
struct Court {
  pki::Credential root = pki::create_root("Test Judicial Root", 3650).value();
  pki::Credential jane = pki::appoint_judge(root, "Judge Jane", 365).value();
  pki::Credential john = pki::appoint_judge(root, "Judge John", 365).value();
  std::string crl = pki::issue_crl(root, {}, 24).value();
  uint64_t now = static_cast<uint64_t>(std::time(nullptr));

  SignedWarrant draft() const {
    SignedWarrant sw;
    sw.warrant.id[0] = 7;
    sw.warrant.case_reference = "2026-CR-0042";
    sw.warrant.court = "District Court";
    sw.warrant.targets = {"bob"};
    sw.warrant.window_start = 1000;
    sw.warrant.window_end = 2000;
    sw.warrant.max_sessions = 10;
    sw.warrant.not_after = now + 3600;
    return sw;
  }
  SignedWarrant signed_by(std::initializer_list<const pki::Credential*> judges) const {
    auto sw = draft();
    for (auto* j : judges) EXPECT_TRUE(add_signature(sw, *j).has_value());
    return sw;
  }
  Policy policy(unsigned judges = 1) const { return Policy{root.certificate_pem, crl, judges}; }
};

const Court& court() {
  static const Court c;
  return c;
}

TEST(Warrant, SignedWarrantRoundTripsAndVerifies) {
  const auto sw = court().signed_by({&court().jane});
  const auto back = SignedWarrant::decode(sw.encode()).value();
  EXPECT_EQ(back.encode(), sw.encode());
  auto v = verify(back, court().policy(), court().now);
  ASSERT_TRUE(v.has_value()) << v.error().message();
  EXPECT_EQ(v->judges.at(0).name, "Judge Jane");
}

TEST(Warrant, ExpiredWarrantIsRefused) {
  const auto sw = court().signed_by({&court().jane});
  EXPECT_TRUE(failed_with(verify(sw, court().policy(), sw.warrant.not_after + 1), ErrorCategory::policy_denied));
}

TEST(Warrant, RevokedJudgeIsRefused) {
  const auto sw = court().signed_by({&court().jane});
  Policy p = court().policy();
  p.crl_pem = pki::issue_crl(court().root, {court().jane.certificate_pem}, 24).value();
  auto r = verify(sw, p, court().now);
  ASSERT_TRUE(failed_with(r, ErrorCategory::policy_denied));
  EXPECT_NE(r.error().detail.find("revoked"), std::string::npos) << r.error().detail;
}

TEST(Warrant, JudgeOfAnotherRootIsRefused) {
  const auto other_root = pki::create_root("Other Root", 3650).value();
  const auto impostor = pki::appoint_judge(other_root, "Judge Impostor", 365).value();
  const auto sw = court().signed_by({&impostor});
  EXPECT_TRUE(failed_with(verify(sw, court().policy(), court().now), ErrorCategory::policy_denied));
}

TEST(Warrant, MissingOrStaleCrlIsRefused) {
  auto sw = court().draft();
  sw.warrant.not_after = court().now + 30 * 86400;  // outlives the 24-hour CRL, so only the CRL can refuse
  ASSERT_TRUE(add_signature(sw, court().jane).has_value());
  Policy p = court().policy();
  ASSERT_TRUE(verify(sw, p, court().now + 3600).has_value());
  auto stale = verify(sw, p, court().now + 2 * 86400);
  ASSERT_TRUE(failed_with(stale, ErrorCategory::policy_denied));
  EXPECT_NE(stale.error().detail.find("CRL"), std::string::npos) << stale.error().detail;
  p.crl_pem = "";
  EXPECT_TRUE(failed_with(verify(sw, p, court().now), ErrorCategory::policy_denied));
}

TEST(Warrant, TamperedWarrantFailsTheJudgeSignature) {
  auto sw = court().signed_by({&court().jane});
  sw.warrant.targets.push_back("carol");
  auto r = verify(sw, court().policy(), court().now);
  ASSERT_TRUE(failed_with(r, ErrorCategory::policy_denied));
  EXPECT_NE(r.error().detail.find("does not verify"), std::string::npos);
}

TEST(Warrant, TwoJudgePolicyNeedsTwoDistinctJudges) {
  EXPECT_TRUE(failed_with(verify(court().signed_by({&court().jane}), court().policy(2), court().now),
                          ErrorCategory::policy_denied));
  EXPECT_TRUE(failed_with(verify(court().signed_by({&court().jane, &court().jane}), court().policy(2), court().now),
                          ErrorCategory::policy_denied));
  EXPECT_TRUE(verify(court().signed_by({&court().jane, &court().john}), court().policy(2), court().now).has_value());
}

TEST(Warrant, CoversTargetsInsideTheWindowOnly) {
  const auto w = court().draft().warrant;
  EXPECT_TRUE(w.covers({"alice", "bob", 1500, {}}));
  EXPECT_TRUE(w.covers({"bob", "alice", 1000, {}}));
  EXPECT_TRUE(w.covers({"bob", "alice", 2000, {}}));
  EXPECT_FALSE(w.covers({"alice", "bob", 999, {}}));
  EXPECT_FALSE(w.covers({"alice", "bob", 2001, {}}));
  EXPECT_FALSE(w.covers({"alice", "carol", 1500, {}}));
}

TEST(Warrant, DecodeRefusesBadFields) {
  auto w = court().draft().warrant;
  w.window_start = 3000;  // after the end
  EXPECT_TRUE(failed_with(Warrant::decode(w.encode()), ErrorCategory::malformed));
  w = court().draft().warrant;
  w.targets.clear();
  EXPECT_TRUE(failed_with(Warrant::decode(w.encode()), ErrorCategory::malformed));
  w = court().draft().warrant;
  w.max_sessions = 0;
  EXPECT_TRUE(failed_with(Warrant::decode(w.encode()), ErrorCategory::malformed));
  auto enc = court().draft().warrant.encode();
  enc.push_back(0);
  EXPECT_TRUE(failed_with(Warrant::decode(enc), ErrorCategory::malformed));
}

TEST(Pki, GarbageCertificateIsRefusedNotThrown) {
  const std::vector<uint8_t> junk = {0x30, 0x03, 0x01, 0x02, 0x03};
  EXPECT_TRUE(failed_with(pki::verify_judge(junk, court().root.certificate_pem, court().crl, court().now),
                          ErrorCategory::malformed));
}


// Every name in a warrant: 255 bytes encode, sign and round-trip; 256 are refused at make(),
// and by add_signature, so no judge signs bytes a trustee would decode differently.
TEST(Warrant, NamesOf255BytesRoundTripAnd256AreRefused) {
  using Edit = void (*)(Warrant&, const std::string&);
  const std::pair<const char*, Edit> fields[] = {
      {"case reference", [](Warrant& w, const std::string& v) { w.case_reference = v; }},
      {"court", [](Warrant& w, const std::string& v) { w.court = v; }},
      {"target identity", [](Warrant& w, const std::string& v) { w.targets = {"bob", v}; }},
  };
  for (const auto& [name, edit] : fields) {
    SCOPED_TRACE(name);
    auto sw = court().draft();
    edit(sw.warrant, std::string(255, 'x'));
    ASSERT_TRUE(Warrant::make(sw.warrant).has_value());
    ASSERT_TRUE(add_signature(sw, court().jane).has_value());
    const auto back = SignedWarrant::decode(sw.encode()).value();
    EXPECT_EQ(back.warrant.encode(), sw.warrant.encode());
    EXPECT_TRUE(verify(back, court().policy(), court().now).has_value());

    auto over = court().draft();
    edit(over.warrant, std::string(256, 'x'));
    auto made = Warrant::make(over.warrant);
    ASSERT_TRUE(failed_with(made, ErrorCategory::malformed));
    EXPECT_NE(made.error().detail.find("256 bytes, over the limit of 255"), std::string::npos) << made.error().detail;
    EXPECT_TRUE(failed_with(add_signature(over, court().jane), ErrorCategory::malformed));
    EXPECT_TRUE(over.signatures.empty());
  }
}

TEST(Warrant, MakeAppliesTheRulesDecodeApplies) {
  auto w = court().draft().warrant;
  EXPECT_TRUE(Warrant::make(w).has_value());
  w.targets = std::vector<std::string>(kMaxTargets + 1, "bob");
  EXPECT_TRUE(failed_with(Warrant::make(w), ErrorCategory::malformed));
  w = court().draft().warrant;
  w.window_start = 3000;
  EXPECT_TRUE(failed_with(Warrant::make(w), ErrorCategory::malformed));
  w = court().draft().warrant;
  w.court = "Court\n";
  EXPECT_TRUE(failed_with(Warrant::make(w), ErrorCategory::malformed));
}

TEST(WarrantDeathTest, EncodeAbortsOnANameMakeWouldRefuse) {
  auto w = court().draft().warrant;
  w.case_reference = std::string(256, 'x');
  EXPECT_DEATH((void)w.encode(), "over its u8 prefix");
  w = court().draft().warrant;
  w.targets = std::vector<std::string>(256, "bob");
  EXPECT_DEATH((void)w.encode(), "count of 256 over its u8 prefix");
}

}  // namespace
}  // namespace escrow::warrant
