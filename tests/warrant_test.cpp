#include "escrow/warrant.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

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
    crypto_scalarmult_base(sw.warrant.agency_box_key.data(), std::array<uint8_t, 32>{42}.data());
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

TEST(Pki, CourtCrlCarriesTheNumberItWasGiven) {
  const auto crl = pki::issue_crl(court().root, {}, 24, 7).value();
  EXPECT_EQ(pki::crl_number(crl).value(), 7u);
  EXPECT_EQ(pki::check_crl(court().root.certificate_pem, crl, 7, court().now).value(), 7u);
  EXPECT_TRUE(failed_with(pki::issue_crl(court().root, {}, 24, 0), ErrorCategory::malformed));
}

// describe_certificate / describe_crl (what `inspect` shows): what the file says, unverified.
TEST(Pki, DescribeCertificateReadsRootAndJudge) {
  const auto root = pki::describe_certificate(pki::pem_to_der(court().root.certificate_pem).value()).value();
  EXPECT_EQ(root.subject, "Test Judicial Root");
  EXPECT_EQ(root.issuer, "Test Judicial Root");
  EXPECT_TRUE(root.is_ca);
  EXPECT_LT(root.not_before, root.not_after);
  const auto jane = pki::describe_certificate(pki::pem_to_der(court().jane.certificate_pem).value()).value();
  EXPECT_EQ(jane.subject, "Judge Jane");
  EXPECT_EQ(jane.issuer, "Test Judicial Root");
  EXPECT_FALSE(jane.is_ca);
  EXPECT_NE(jane.fingerprint, root.fingerprint);
}

TEST(Pki, DescribeCertificateRefusesWhatIsNotACertificate) {
  const std::vector<uint8_t> garbage = {0x30, 0x03, 0x02, 0x01, 0x00};
  EXPECT_TRUE(failed_with(pki::describe_certificate(garbage), ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(pki::describe_certificate({}), ErrorCategory::malformed));
}

TEST(Pki, DescribeCrlReadsNumberAndRevocations) {
  const auto crl = pki::describe_crl(pki::issue_crl(court().root, {court().john.certificate_pem}, 24, 9).value()).value();
  EXPECT_EQ(crl.issuer, "Test Judicial Root");
  EXPECT_EQ(crl.number, 9U);
  EXPECT_EQ(crl.revoked, 1U);
  EXPECT_EQ(crl.next_update - crl.this_update, 24U * 3600 + 5 * 60);  // thisUpdate is five minutes back
}

TEST(Pki, DescribeCrlRefusesWhatIsNotACrl) {
  EXPECT_TRUE(failed_with(pki::describe_crl("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"), ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(pki::describe_crl(court().root.certificate_pem), ErrorCategory::malformed));
}

TEST(Warrant, CrlOlderThanTheFloorIsRefused) {
  const auto sw = court().signed_by({&court().jane});
  Policy p = court().policy();
  p.crl_pem = pki::issue_crl(court().root, {}, 24, 2).value();
  p.crl_number_floor = 2;  // the same CRL read again: accepted
  auto same = verify(sw, p, court().now);
  ASSERT_TRUE(same.has_value()) << same.error().message();
  EXPECT_EQ(same->crl_number, 2u);
  p.crl_number_floor = 3;
  auto older = verify(sw, p, court().now);
  ASSERT_TRUE(failed_with(older, ErrorCategory::policy_denied));
  EXPECT_NE(older.error().detail.find("CRL number 2 is older than CRL number 3"), std::string::npos) << older.error().detail;
}

TEST(Warrant, CrlOfAnotherRootIsRefused) {
  const auto other_root = pki::create_root("Other Root", 3650).value();
  const auto sw = court().signed_by({&court().jane});
  Policy p = court().policy();
  p.crl_pem = pki::issue_crl(other_root, {}, 24).value();
  auto r = verify(sw, p, court().now);
  ASSERT_TRUE(failed_with(r, ErrorCategory::policy_denied));
  EXPECT_NE(r.error().detail.find("not signed by the judicial root"), std::string::npos) << r.error().detail;
}

TEST(Pki, CrlNotYetValidIsRefused) {
  const auto crl = pki::issue_crl(court().root, {}, 24, 4).value();  // thisUpdate is five minutes back
  EXPECT_TRUE(pki::check_crl(court().root.certificate_pem, crl, 0, court().now - 200).has_value());
  auto early = pki::check_crl(court().root.certificate_pem, crl, 0, court().now - 3600);
  ASSERT_TRUE(failed_with(early, ErrorCategory::policy_denied));
  EXPECT_NE(early.error().detail.find("not valid yet"), std::string::npos) << early.error().detail;
}

// Certificates and CRLs made by the openssl command line, signed with the test court's root key:
// the purpose checks (SPEC §10.3) read another implementation's encodings, and each leaf below
// differs from an accepted one in one extension, so each refusal is that check's alone.
class OpensslMade : public ::testing::Test {
 protected:
  static inline std::filesystem::path dir;
  static inline int serial = 100;

  static void SetUpTestSuite() {
    dir = std::filesystem::temp_directory_path() / ("doormat-pki-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "root.pem") << court().root.certificate_pem;
    std::ofstream(dir / "root.key") << std::string(court().root.private_key_pem.begin(), court().root.private_key_pem.end());
    std::ofstream(dir / "ca.cnf") << "[ca]\ndefault_ca = court\n[court]\ndatabase = index.txt\ndefault_md = default\n"
                                     "default_crl_days = 1\ncrlnumber = crlnumber\n[nonumber]\ndatabase = index.txt\n"
                                     "default_md = default\ndefault_crl_days = 1\n";
    std::ofstream(dir / "index.txt");
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir); }

  static void run(const std::string& command) {
    const std::string line = "cd '" + dir.string() + "' && " + command + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(line.c_str()), 0) << command;
  }
  static std::string read(const std::string& name) {
    std::ifstream in(dir / name);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  // A leaf signed by the court root with these openssl -extfile lines; its key is openssl's too.
  static pki::Credential leaf(const std::string& extensions) {
    const std::string n = std::to_string(++serial);
    std::ofstream(dir / (n + ".ext")) << extensions << "\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
    run("openssl genpkey -algorithm ed25519 -out " + n + ".key");
    run("openssl req -new -key " + n + ".key -subj '/CN=Judge " + n + "' -out " + n + ".csr");
    run("openssl x509 -req -in " + n + ".csr -CA root.pem -CAkey root.key -set_serial " + n + " -days 30 -extfile " + n +
        ".ext -out " + n + ".pem");
    const auto key = read(n + ".key");
    return {read(n + ".pem"), SecureBytes(key.begin(), key.end())};
  }
  // A CRL from `openssl ca -gencrl` with CRL number `number` (none when 0).
  static std::string crl(unsigned number) {
    const std::string out = "crl" + std::to_string(number) + ".pem";
    if (number == 0) {
      run("openssl ca -config ca.cnf -name nonumber -gencrl -keyfile root.key -cert root.pem -out " + out);
    } else {
      std::ofstream(dir / "crlnumber") << fmt::format("{:02x}\n", number);  // openssl wants whole bytes
      run("openssl ca -config ca.cnf -gencrl -keyfile root.key -cert root.pem -out " + out);
    }
    return read(out);
  }
  static uint64_t now() { return static_cast<uint64_t>(std::time(nullptr)); }

  // verify() of a warrant signed by `judge`; "" when accepted, else the refusal.
  static std::string refusal(const pki::Credential& judge, const Policy& policy = court().policy()) {
    auto sw = court().draft();
    if (!add_signature(sw, judge)) return "could not sign";
    auto r = verify(sw, policy, now());
    return r ? "" : r.error().detail;
  }
};

constexpr const char* kJudgeExtensions =
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=1.3.6.1.4.1.32473.77.1.1";

TEST_F(OpensslMade, JudgeWithTheWarrantSigningPurposeIsAccepted) {
  EXPECT_EQ(std::string(pki::kWarrantSigningOid), "1.3.6.1.4.1.32473.77.1.1");
  EXPECT_EQ(refusal(leaf(kJudgeExtensions)), "");
}

TEST_F(OpensslMade, KeyAgreementServerAuthLeafIsRefused) {
  const auto r = refusal(leaf("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyAgreement\nextendedKeyUsage=serverAuth"));
  EXPECT_NE(r.find("keyUsage is not digitalSignature alone"), std::string::npos) << r;
}

TEST_F(OpensslMade, LeafWithoutDigitalSignatureIsRefused) {
  const auto r = refusal(leaf("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyAgreement\n"
                              "extendedKeyUsage=1.3.6.1.4.1.32473.77.1.1"));
  EXPECT_NE(r.find("keyUsage is not digitalSignature alone"), std::string::npos) << r;
}

TEST_F(OpensslMade, LeafThatMaySignCertificatesIsRefused) {
  const auto r = refusal(leaf("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyCertSign\n"
                              "extendedKeyUsage=1.3.6.1.4.1.32473.77.1.1"));
  EXPECT_NE(r.find("keyUsage is not digitalSignature alone"), std::string::npos) << r;
}

TEST_F(OpensslMade, LeafWithNonCriticalKeyUsageIsRefused) {
  const auto r = refusal(leaf("basicConstraints=critical,CA:FALSE\nkeyUsage=digitalSignature\n"
                              "extendedKeyUsage=1.3.6.1.4.1.32473.77.1.1"));
  EXPECT_NE(r.find("keyUsage is not critical"), std::string::npos) << r;
}

TEST_F(OpensslMade, LeafWithoutKeyUsageIsRefused) {
  const auto r = refusal(leaf("basicConstraints=critical,CA:FALSE\nextendedKeyUsage=1.3.6.1.4.1.32473.77.1.1"));
  EXPECT_NE(r.find("has no keyUsage"), std::string::npos) << r;
}

TEST_F(OpensslMade, CaLeafIsRefused) {
  const auto r = refusal(leaf("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature\n"
                              "extendedKeyUsage=1.3.6.1.4.1.32473.77.1.1"));
  EXPECT_NE(r.find("is a CA certificate"), std::string::npos) << r;
}

TEST_F(OpensslMade, LeafWithoutBasicConstraintsIsRefused) {
  const auto r = refusal(leaf("keyUsage=critical,digitalSignature\nextendedKeyUsage=1.3.6.1.4.1.32473.77.1.1"));
  EXPECT_NE(r.find("has no basicConstraints"), std::string::npos) << r;
}

TEST_F(OpensslMade, LeafWithoutTheOidIsRefused) {
  const auto r = refusal(leaf("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature"));
  EXPECT_NE(r.find("extendedKeyUsage is not warrant signing"), std::string::npos) << r;
}

TEST_F(OpensslMade, LeafWithAnotherPurposeBesideTheOidIsRefused) {
  const auto r = refusal(leaf("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                              "extendedKeyUsage=1.3.6.1.4.1.32473.77.1.1,serverAuth"));
  EXPECT_NE(r.find("extendedKeyUsage is not warrant signing"), std::string::npos) << r;
}

TEST_F(OpensslMade, OldCrlCopiedBackAfterANewerOneIsRefused) {
  const auto judge = leaf(kJudgeExtensions);
  const auto old_crl = crl(3), new_crl = crl(5);
  Policy p = court().policy();
  p.crl_pem = new_crl;
  p.crl_number_floor = pki::check_crl(court().root.certificate_pem, new_crl, 0, now()).value();  // what a trustee records
  EXPECT_EQ(p.crl_number_floor, 5u);
  EXPECT_EQ(refusal(judge, p), "");
  p.crl_pem = old_crl;
  const auto r = refusal(judge, p);
  EXPECT_NE(r.find("CRL number 3 is older than CRL number 5"), std::string::npos) << r;
}

TEST_F(OpensslMade, CrlWithoutANumberIsRefused) {
  Policy p = court().policy();
  p.crl_pem = crl(0);
  const auto r = refusal(leaf(kJudgeExtensions), p);
  EXPECT_NE(r.find("carries no CRL number"), std::string::npos) << r;
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

// Every trustee seals its answer to this key, after it has logged and spent the warrant's
// sessions: a low-order point (here 1, and 0) is refused when the warrant is made and decoded.
TEST(Warrant, LowOrderAgencyBoxKeyIsRefusedAtMakeAndDecode) {
  for (uint8_t first : {uint8_t{0}, uint8_t{1}}) {
    auto w = court().draft().warrant;
    w.agency_box_key = {};
    w.agency_box_key[0] = first;
    EXPECT_TRUE(failed_with(Warrant::make(w), ErrorCategory::malformed));
    auto bytes = court().draft().warrant.encode();
    // The box key is the second-last 32 bytes of the encoding.
    std::copy(w.agency_box_key.begin(), w.agency_box_key.end(), bytes.end() - 64);
    EXPECT_TRUE(failed_with(Warrant::decode(bytes), ErrorCategory::malformed));
  }
  EXPECT_TRUE(Warrant::decode(court().draft().warrant.encode()).has_value());
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
