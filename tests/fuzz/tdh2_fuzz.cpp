// Every TDH2 object parser: ciphertext, partial decryption, public key, key share. The first
// byte picks the parser; a parsed ciphertext also goes through the public validity check.
#include "escrow/tdh2.hpp"
#include "fuzz_support.hpp"

using namespace escrow::tdh2;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> in(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      doormat::fuzz::round_trip(in, [](auto b) { return Ciphertext::decode(b); }, [](const Ciphertext& c) { return c.encode(); });
      if (auto ct = Ciphertext::decode(in)) {
        static const PublicKey pk = [] {
          escrow::DeterministicRng rng("fuzz");
          return deal(2, 3, rng).value().public_key;
        }();
        (void)verify(pk, *ct);
      }
      break;
    case 1:
      doormat::fuzz::round_trip(in, [](auto b) { return PartialDecryption::decode(b); }, [](const PartialDecryption& p) { return p.encode(); });
      break;
    case 2:
      doormat::fuzz::round_trip(in, [](auto b) { return PublicKey::decode(b); }, [](const PublicKey& p) { return p.encode(); });
      break;
    default:
      doormat::fuzz::round_trip(in, [](auto b) { return KeyShare::decode(b); }, [](const KeyShare& k) { return k.encode(); });
  }
  return 0;
}
