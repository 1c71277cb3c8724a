// What the agency's side reads from a trustee, fed arbitrary replies: the first byte picks the HTTP
// status (200, or a refusal), the rest is the body, parsed as JSON as the HTTP client does. Every
// reader must turn a reply of the wrong shape into an error for that trustee — never an exception,
// which would end a whole investigation — and the investigator must never take a reply nobody
// could have produced (sealed to the agency and signed by the trustee's key) as an answer.
// The readers: a decryption response (agency/investigate.cpp), /v1/info (agency/enroll.cpp), the
// signed tree head and a consistency proof (auditor/trustee_log.cpp).
#include <cstdlib>
#include <string>

#include "enroll.hpp"
#include "http_client.hpp"
#include "identity.hpp"
#include "investigate.hpp"
#include "trustee_log.hpp"

namespace {
using namespace doormat;

struct Fixture {
  identity::Identity agency = identity::generate("fuzz agency").value();
  authority::TrusteeEntry trustee{2, "http://127.0.0.1:1", {}, {}};
  std::array<uint8_t, 32> request_hash{};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const Fixture f;
  const int status = data[0] % 4 == 0 ? 400 : 200;
  auto body = nlohmann::json::parse(reinterpret_cast<const char*>(data + 1), reinterpret_cast<const char*>(data + size), nullptr, false);
  if (body.is_discarded()) return 0;  // the HTTP client reports "not JSON" before any reader runs
  const HttpReply reply{status, std::move(body)};

  const auto answer = authority::read_answer(f.trustee, reply, f.request_hash, 4, f.agency);
  if (answer.result.answered || answer.response) std::abort();  // nobody here holds the trustee's key
  if (answer.result.error.empty()) std::abort();                 // no answer without a reason
  (void)authority::entry_from_info("http://127.0.0.1:1", reply);
  (void)authority::head_from_reply("http://127.0.0.1:1", reply);
  if (auto proof = authority::proof_from_reply(reply); proof && status != 200) std::abort();
  return 0;
}
