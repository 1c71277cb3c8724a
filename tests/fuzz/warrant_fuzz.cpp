// The warrant parsers, and the judge-certificate path (Botan X.509 on attacker-chosen DER).
#include <ctime>

#include "escrow/warrant.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> in(data + 1, size - 1);
  static const auto root = escrow::pki::create_root("Fuzz Root", 10).value();
  static const auto crl = escrow::pki::issue_crl(root, {}, 24).value();
  switch (data[0] % 3) {
    case 0:
      doormat::fuzz::round_trip(in, [](auto b) { return escrow::warrant::Warrant::decode(b); },
                                [](const escrow::warrant::Warrant& w) { return w.encode(); });
      break;
    case 1:
      doormat::fuzz::round_trip(in, [](auto b) { return escrow::warrant::SignedWarrant::decode(b); },
                                [](const escrow::warrant::SignedWarrant& w) { return w.encode(); });
      if (auto sw = escrow::warrant::SignedWarrant::decode(in))
        (void)escrow::warrant::verify(*sw, {root.certificate_pem, crl, 1}, static_cast<uint64_t>(std::time(nullptr)));
      break;
    default:
      (void)escrow::pki::verify_judge(in, root.certificate_pem, crl, static_cast<uint64_t>(std::time(nullptr)));
  }
  return 0;
}
