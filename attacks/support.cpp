#include "support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"

namespace doormat::attacks {
using escrow::Result;
using escrow::SecureBytes;

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::broken: return "broken";
    case Verdict::held: return "held";
    case Verdict::detected: return "detected";
    case Verdict::not_applicable: return "n/a";
  }
  return "?";
}

escrow::DeterministicRng rng_for(const Options& o, std::string_view attack, std::string_view scheme) {
  return escrow::DeterministicRng(fmt::format("{}/{}/{}", o.seed, attack, scheme));
}

schemes::Config config_for(const Options& o) {
  schemes::Config c;
  c.crumple_bits = o.crumple();
  return c;
}

std::unique_ptr<schemes::Scheme> make_scheme(std::string_view name, const Options& o, escrow::Rng& rng) {
  return make_scheme(name, config_for(o), rng);
}

std::unique_ptr<schemes::Scheme> make_scheme(std::string_view name, const schemes::Config& config, escrow::Rng& rng) {
  auto s = schemes::make(name, config, rng);
  if (!s) throw std::runtime_error(s.error().message());  // a set-up failure is a bug, not an outcome
  return std::move(*s);
}

StoredSession make_session(schemes::Scheme& scheme, const std::string& sender, const std::string& recipient,
                           uint64_t day, std::string text, escrow::Rng& rng) {
  auto label = escrow::SessionLabel::make(sender, recipient, kDay0 + day * kDay + 3600, rng);
  if (!label) throw std::runtime_error(label.error().message());
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  auto sealed = schemes::seal(scheme, *label, bytes, rng);
  if (!sealed) throw std::runtime_error(sealed.error().message());
  return {std::move(sealed->session), std::move(text)};
}

schemes::Scope scope(std::vector<std::string> targets, uint64_t first_day, uint64_t last_day) {
  return {std::move(targets), kDay0 + first_day * kDay, kDay0 + (last_day + 1) * kDay - 1};
}

Observation observe(std::string what, const StoredSession& s, const Result<SecureBytes>& got) {
  Observation o{std::move(what), s.plaintext, std::nullopt};
  if (got) o.obtained = std::string(got->begin(), got->end());
  return o;
}

Result<SecureBytes> open_with(const schemes::Session& s, const Result<schemes::SessionKey>& key) {
  if (!key) return escrow::unexpected(key.error());
  return schemes::open(s, *key);
}

std::vector<schemes::TrusteeSecret> steal_quorum(const schemes::Scheme& scheme) {
  std::vector<schemes::TrusteeSecret> stolen;
  for (uint32_t i = 1; i <= scheme.threshold(); ++i) stolen.push_back(scheme.steal(*escrow::PartyIndex::make(i)));
  return stolen;
}

Result<SecureBytes> open_recovered(const schemes::Session& s, const Result<schemes::Recovered>& recovered) {
  if (!recovered) return escrow::unexpected(recovered.error());
  return schemes::open(s, recovered->key);
}

Result<SecureBytes> open_with(const schemes::Session& s, const Result<schemes::Decryptor>& decryptor) {
  if (!decryptor) return escrow::unexpected(decryptor.error());
  return open_with(s, (*decryptor)(s));
}

std::string fingerprint(std::string_view bytes) {
  const auto h = escrow::Hasher(escrow::domain::kAttackEvidence, 16)
                     .add(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()))
                     .finish<16>();
  std::string out;
  for (auto b : h) out += fmt::format("{:02x}", b);
  return out;
}

std::string describe(const Observation& o) {
  if (!o.obtained) return o.what + ": nothing";
  std::string shown = o.obtained->substr(0, 48);
  for (auto& c : shown)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '.';
  return fmt::format("{}: \"{}{}\" (blake2b-128 {}){}", o.what, shown, o.obtained->size() > 48 ? "…" : "",
                     fingerprint(*o.obtained).substr(0, 16), o.recovered() ? "" : " — not the original");
}

Verdict best_for_attacker(std::initializer_list<Verdict> strategies) {
  const auto rank = [](Verdict v) {
    switch (v) {
      case Verdict::broken: return 3;
      case Verdict::detected: return 2;
      case Verdict::held: return 1;
      case Verdict::not_applicable: return 0;
    }
    return 0;
  };
  Verdict best = Verdict::not_applicable;
  for (auto v : strategies)
    if (rank(v) > rank(best)) best = v;
  return best;
}

Cell not_applicable(std::string_view scheme, std::string why) {
  return Cell{std::string(scheme), Verdict::not_applicable, std::move(why), nlohmann::json::object(), {}};
}

double time_it(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Summary summarize(std::vector<double>& xs) {
  Summary s;
  if (xs.empty()) return s;
  std::sort(xs.begin(), xs.end());
  s.mean = std::accumulate(xs.begin(), xs.end(), 0.0) / xs.size();
  s.n = xs.size();
  const std::size_t mid = xs.size() / 2;
  s.median = xs.size() % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  if (xs.size() >= kMinSamplesForP99)
    s.p99 = xs[std::min(xs.size() - 1, static_cast<std::size_t>(std::ceil(0.99 * xs.size())) - 1)];
  s.min = xs.front();
  s.max = xs.back();
  return s;
}

void progress(const Options& o, std::string_view attack, std::string_view what) {
  if (o.progress) fmt::print(stderr, "[{}] {}\n", attack, what);
}

}  // namespace doormat::attacks
