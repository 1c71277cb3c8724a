// superencryption: users who want privacy encrypt before the escrowed channel does. A warrant then
// recovers their ciphertext, not their words; the only people escrow exposes are those who comply.
#include <sodium.h>

#include <cmath>

#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

// Shannon entropy of the byte histogram, in bits per byte (8 for uniform bytes, ~4.5 for English).
double entropy(std::string_view bytes) {
  std::array<double, 256> count{};
  for (unsigned char c : bytes) count[c] += 1;
  double h = 0;
  for (double c : count)
    if (c > 0) h -= c / bytes.size() * std::log2(c / bytes.size());
  return h;
}

std::string prose(std::size_t bytes) {
  const std::string line = "we meet at the harbour at nine; bring the documents and tell no one about the plan. ";
  std::string out;
  while (out.size() < bytes) out += line;
  out.resize(bytes);
  return out;
}

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("Alice and Bob share a key of their own and encrypt every message with it (XChaCha20-Poly1305) before");
  story.say("their escrowed app does. Carol and Dave use the app as intended. A warrant covers all four. The");
  story.say("investigator decrypts every session lawfully and looks at what it got.");
  const std::size_t size = o.quick ? 4096 : 65536;
  for (auto name : schemes::names()) {
    progress(o, "superencryption", name);
    auto rng = rng_for(o, "superencryption", name);
    auto scheme = make_scheme(name, o, rng);
    const std::string words = prose(size);
    // The colluders' layer: their own key, never escrowed.
    Secret<crypto_aead_xchacha20poly1305_ietf_KEYBYTES> own;
    rng.fill(own.expose());
    std::array<uint8_t, 24> nonce{};
    rng.fill(nonce);
    std::string inner(words.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    unsigned long long len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<uint8_t*>(inner.data()), &len,
                                               reinterpret_cast<const uint8_t*>(words.data()), words.size(), nullptr, 0,
                                               nullptr, nonce.data(), own.expose().data());
    auto colluders = make_session(*scheme, "alice", "bob", 2, inner, rng);
    colluders.plaintext = words;  // what the investigator wants is the words, not the inner ciphertext
    const auto compliant = make_session(*scheme, "carol", "dave", 2, words, rng);
    const auto sc = scope({"alice", "carol"}, 0, 30);
    auto got_colluders = schemes::lawful_open(*scheme, colluders.session, sc, rng);
    auto got_compliant = schemes::lawful_open(*scheme, compliant.session, sc, rng);
    Cell cell{.scheme = std::string(name)};
    cell.observations.push_back(observe("alice and bob's words", colluders, got_colluders));
    cell.observations.push_back(observe("carol and dave's words", compliant, got_compliant));
    const double h_colluders = got_colluders ? entropy({reinterpret_cast<const char*>(got_colluders->data()), got_colluders->size()}) : 0;
    const double h_compliant = got_compliant ? entropy({reinterpret_cast<const char*>(got_compliant->data()), got_compliant->size()}) : 0;
    const bool evaded = !cell.observations[0].recovered() && cell.observations[1].recovered();
    cell.verdict = evaded ? Verdict::broken : Verdict::held;
    cell.evidence = fmt::format("escrow recovered {} bytes from the colluders at {:.3f} bits/byte (ciphertext), and the "
                                "compliant users' words exactly ({:.3f} bits/byte)",
                                got_colluders ? got_colluders->size() : 0, h_colluders, h_compliant);
    cell.metrics = {{"bytes", size}, {"colluders_recovered_entropy_bits_per_byte", h_colluders},
                    {"compliant_entropy_bits_per_byte", h_compliant},
                    {"colluders_words_recovered", cell.observations[0].recovered()},
                    {"compliant_words_recovered", cell.observations[1].recovered()}};
    // No check runs in this attack: its detection is "not observable", never a computed false.
    cell.metrics["detection"] = {{"observable", false}, {"detected", "not observable in this scenario"}, {"why", "the colluders encrypt inside escrow; the lawful opening runs no check that could flag it"}};
    r.cells.push_back(std::move(cell));
  }
  story.say("Every design decrypts exactly what it escrowed: for colluders that is uniformly random bytes. Escrow");
  story.say("catches the law-abiding and those who did not think of a second layer; no design here can stop it.");
  return r;
}

}  // namespace

const Attack kSuperencryption{"superencryption", "Colluding users encrypt before the escrowed layer",
                              "Abelson et al., The Risks of Key Recovery, 1997; Keys Under Doormats, 2015", run};

}  // namespace doormat::attacks
