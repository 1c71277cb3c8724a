// `escrow-attacks live`: the scenarios of issue 14 item 2 that run on a demo's folder. The stolen
// files are opened with the trustee's own at-rest code (secrets_at_rest.hpp), the mailbox with
// app/mailbox, and the logs are judged by the real `escrow-authority audit` against restarted
// trustee processes.
#include "live.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <thread>

#include "escrow/envelope.hpp"
#include "escrow/rng.hpp"
#include "escrow/tdh2.hpp"
#include "files.hpp"
#include "mailbox.hpp"
#include "process.hpp"
#include "secrets_at_rest.hpp"
#include "sqlite.hpp"
#include "support.hpp"

namespace doormat::attacks::live {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kScheme = "deployment";

[[noreturn]] void setup_error(const std::string& what) { throw std::runtime_error(what); }

template <typename T>
T must(escrow::Result<T> r, const std::string& what) {
  if (!r) setup_error(what + ": " + r.error().message());
  return std::move(*r);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Truth {
  unsigned k = 0, n = 0;
  struct Message {
    std::string sender, recipient, plaintext;
    uint64_t time = 0;
    int64_t envelope_id = 0;
  };
  std::vector<Message> messages;
};

Truth load_truth(const std::string& dir) {
  const auto text = must(files::read_text(dir + "/ground_truth.json"), "the demo's ground truth");
  const auto j = json::parse(text);
  Truth t;
  t.k = j.at("k").get<unsigned>();
  t.n = j.at("n").get<unsigned>();
  for (const auto& m : j.at("messages"))
    t.messages.push_back({m.at("sender").get<std::string>(), m.at("recipient").get<std::string>(), m.at("plaintext").get<std::string>(),
                          m.at("time").get<uint64_t>(), m.at("envelope_id").get<int64_t>()});
  return t;
}

std::vector<uint8_t> config_row(db::Database& db, const std::string& key) {
  auto st = must(db.prepare("SELECT value FROM config WHERE key = ?"), "reading a stolen state file");
  st.bind(1, key);
  if (!must(st.step(), "reading a stolen state file")) setup_error("a stolen state file has no '" + key + "'");
  return st.column_blob(0);
}

// What a thief walks away with: a copy of trustee i's folder (state.db with its WAL, and the
// passphrase file when that is stolen too), taken while the trustee is stopped.
struct Loot {
  unsigned index = 0;
  std::vector<uint8_t> sealed;     // config 'secrets': salt || nonce || XChaCha20-Poly1305(...)
  std::vector<uint8_t> authority;  // config 'authority': the key at the share's epoch
  std::string passphrase;          // empty: not stolen
};

Loot steal(const std::string& dir, const std::string& loot_dir, unsigned i, bool with_passphrase) {
  const std::string from = dir + "/trustee-" + std::to_string(i), to = loot_dir + "/trustee-" + std::to_string(i);
  fs::create_directories(to);
  for (const char* f : {"state.db", "state.db-wal", "state.db-shm"})
    if (fs::exists(from + "/" + f)) fs::copy_file(from + "/" + f, to + "/" + f, fs::copy_options::overwrite_existing);
  Loot l;
  l.index = i;
  auto db = must(db::Database::open(to + "/state.db"), "opening a stolen state file");
  const auto index = config_row(db, "index");
  if (index.size() != 1 || index[0] != i) setup_error("trustee-" + std::to_string(i) + "/state.db is not trustee " + std::to_string(i) + "'s");
  l.sealed = config_row(db, "secrets");
  l.authority = config_row(db, "authority");
  if (with_passphrase) {
    // As `trustee serve` reads it (trustee_cli.cpp): the file without its trailing newline.
    l.passphrase = must(files::read_text(from + "/passphrase"), "a stolen passphrase file");
    while (!l.passphrase.empty() && (l.passphrase.back() == '\n' || l.passphrase.back() == '\r')) l.passphrase.pop_back();
  }
  return l;
}

// Opens a stolen blob with the trustee's own code path: Argon2id(passphrase, salt), then
// XChaCha20-Poly1305 with the trustee's index as associated data.
escrow::Result<escrow::SecureBytes> open_sealed(const Loot& l, const std::string& passphrase) {
  const auto salt = authority::at_rest::salt_of(l.sealed);
  if (!salt) return escrow::fail(escrow::ErrorCategory::malformed, "live", "sealed secrets too short");
  auto key = authority::at_rest::derive_key(passphrase, *salt);
  if (!key) return escrow::unexpected(key.error());
  return authority::at_rest::open(*key, static_cast<uint8_t>(l.index), l.sealed);
}

escrow::tdh2::KeyShare share_of(const Loot& l) {
  const auto plain = must(open_sealed(l, l.passphrase), fmt::format("opening trustee {}'s stolen secrets with its stolen passphrase", l.index));
  if (plain.size() <= 96) setup_error(fmt::format("trustee {}'s state holds no key share", l.index));
  return must(escrow::tdh2::KeyShare::decode(std::span(plain).subspan(96)), "a stolen key share");
}

// Every envelope in the provider's mailbox, opened offline with the shares alone: a partial
// decryption per share, combine (which needs k), then the body under the recovered K. No warrant,
// no request, no trustee process. Returns the plaintexts by envelope id (nullopt: did not open).
std::map<int64_t, std::optional<std::string>> open_mailbox(const std::vector<mailbox::Stored>& box, const escrow::tdh2::PublicKey& pk,
                                                           const std::vector<escrow::tdh2::KeyShare>& shares, escrow::Rng& rng) {
  std::map<int64_t, std::optional<std::string>> out;
  for (const auto& m : box) {
    std::vector<escrow::tdh2::PartialDecryption> partials;
    for (const auto& s : shares)
      if (auto p = escrow::tdh2::partial_decrypt(pk, s, m.envelope.escrow, rng)) partials.push_back(std::move(*p));
    std::optional<std::string> got;
    if (auto k = escrow::tdh2::combine(pk, m.envelope.escrow, partials))
      if (auto plain = escrow::envelope::open_with_session_key(m.envelope, k->key)) got = std::string(plain->begin(), plain->end());
    out[m.id] = std::move(got);
  }
  return out;
}

std::vector<Observation> observe(const Truth& t, const std::map<int64_t, std::optional<std::string>>& got) {
  std::vector<Observation> obs;
  for (const auto& m : t.messages) {
    const auto it = got.find(m.envelope_id);
    obs.push_back({fmt::format("#{} {} -> {} at {}", m.envelope_id, m.sender, m.recipient, m.time), m.plaintext,
                   it == got.end() ? std::nullopt : it->second});
  }
  return obs;
}

std::size_t recovered(const std::vector<Observation>& obs) {
  std::size_t r = 0;
  for (const auto& o : obs) r += o.recovered();
  return r;
}

// The trustee processes the auditor needs: restarted on the ports trustees.json records (the
// directory the auditor reads), stopped by the destructor.
struct Trustees {
  std::vector<pid_t> pids;
  ~Trustees() {
    for (pid_t p : pids)
      if (p > 0) process::stop(p, SIGTERM);
  }
};

void start_trustees(Trustees& t, const std::string& dir, const std::string& bin, const LiveOptions& o) {
  const auto directory = json::parse(must(files::read_text(dir + "/trustees.json"), "the trustee directory"));
  for (const auto& e : directory) {
    const auto i = e.at("trustee").get<unsigned>();
    const auto url = e.at("url").get<std::string>();
    const auto port = url.substr(url.rfind(':') + 1);
    const std::string td = dir + "/trustee-" + std::to_string(i);
    fs::remove(td + "/port");
    t.pids.push_back(must(process::spawn({bin, "trustee", "serve", "--db", td + "/state.db", "--passphrase-file", td + "/passphrase", "--port",
                                          port, "--port-file", td + "/port"},
                                         td + "/log.txt"),
                          "restarting trustee " + std::to_string(i)));
    if (o.progress) fmt::print(stderr, "  restarted trustee {} on port {} (pid {})\n", i, port, t.pids.back());
  }
  for (const auto& e : directory) {
    const std::string pf = dir + "/trustee-" + std::to_string(e.at("trustee").get<unsigned>()) + "/port";
    int tries = 0;
    for (; tries < 400 && !fs::exists(pf); ++tries) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (!fs::exists(pf)) setup_error("a restarted trustee did not start listening (see its log.txt): " + pf);
  }
}

void stop_trustees(Trustees& t) {
  for (auto& p : t.pids)
    if (p > 0) {
      process::stop(p, SIGTERM);
      p = 0;
    }
}

// The real auditor, as an auditor runs it: against the live trustees, holding them to the heads
// it recorded in audit-state.json.
struct AuditResult {
  bool consistent = false;
  bool all_reachable = true;
  std::size_t sessions_opened = 0;  // over every trustee's log, every warrant
  json raw;
};

AuditResult audit(const std::string& dir, const std::string& bin) {
  const auto cwd = fs::current_path();
  fs::current_path(dir);
  auto r = process::run({bin, "audit", "--trustees", "trustees.json", "--state", "audit-state.json", "--json"});
  fs::current_path(cwd);
  const auto out = must(std::move(r), "running escrow-authority audit");
  if (out.status != 0 && out.status != 3) setup_error(fmt::format("escrow-authority audit exited {}: {}", out.status, out.err));
  AuditResult a;
  a.raw = json::parse(out.out);
  a.consistent = a.raw.at("consistent").get<bool>();
  for (const auto& t : a.raw.at("trustees")) {
    a.all_reachable = a.all_reachable && t.at("reachable").get<bool>();
    for (const auto& [w, c] : t.at("per_warrant").items()) a.sessions_opened += c.at("sessions_opened").get<std::size_t>();
  }
  return a;
}

std::string find_authority(const LiveOptions& o) {
  if (!o.authority_bin.empty()) return o.authority_bin;
  for (const auto& p : {process::self_dir() + "/../escrow_authority/escrow-authority", process::self_dir() + "/escrow-authority"})
    if (fs::exists(p)) return fs::canonical(p).string();
  setup_error("cannot find escrow-authority; give --authority-bin");
}

Report one_trustee(const Truth& t, const Loot& l, const escrow::tdh2::PublicKey& pk, const std::vector<mailbox::Stored>& box, escrow::Rng& rng) {
  Report r;
  r.attack = "live-one-trustee";
  r.title = "One trustee's state file and passphrase stolen (live deployment)";
  std::vector<escrow::tdh2::KeyShare> shares;
  shares.push_back(share_of(l));
  const auto obs = observe(t, open_mailbox(box, pk, shares, rng));
  const std::size_t got = recovered(obs);
  Cell c{std::string(kScheme), judge(got > 0, false),
         fmt::format("trustee {}'s share opened from its stolen state.db and passphrase; {} of {} mailbox sessions opened with it", l.index, got,
                     obs.size()),
         {{"sessions_in_mailbox", box.size()}, {"sessions_recovered", got}, {"shares_stolen", 1}, {"k", t.k}},
         obs};
  r.narrative = fmt::format(
      "A thief copies trustee {}'s folder: state.db and the passphrase file beside it. The trustee's own at-rest code "
      "(Argon2id, XChaCha20-Poly1305) opens its secrets, share included. With that one share the thief runs TDH2's partial "
      "decryption on every envelope in the provider's mailbox and tries to combine: {} of {} open (k = {}).",
      l.index, got, obs.size(), t.k);
  r.numbers = {{"sessions_recovered", got}, {"sessions_in_mailbox", box.size()}};
  r.cells.push_back(std::move(c));
  return r;
}

Report quorum(const Truth& t, const std::vector<Loot>& loot, const escrow::tdh2::PublicKey& pk, const std::vector<mailbox::Stored>& box,
              const AuditResult& before, const std::function<AuditResult()>& audit_after, escrow::Rng& rng) {
  Report r;
  r.attack = "live-quorum-offline";
  r.title = fmt::format("{} trustees' state files and passphrases stolen: the mailbox opened offline (live deployment)", loot.size());
  std::vector<escrow::tdh2::KeyShare> shares;
  std::string who;
  for (const auto& l : loot) {
    shares.push_back(share_of(l));
    if (!who.empty()) who += ',';
    who += fmt::format("{}", l.index);
  }
  // Measured: whole passes over the real mailbox with the real shares, for at least half a second.
  std::map<int64_t, std::optional<std::string>> got;
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t passes = 0;
  do {
    got = open_mailbox(box, pk, shares, rng);
    ++passes;
  } while (seconds_since(t0) < 0.5);
  const double secs = seconds_since(t0);
  const double rate = static_cast<double>(passes * box.size()) / secs;
  const auto obs = observe(t, got);
  const std::size_t n_rec = recovered(obs);
  const AuditResult after = audit_after();
  // Flagged only if the real auditor saw something: a log that is not consistent with the head it
  // held, or a count of sessions opened that moved while the attack ran.
  const bool flagged = !after.consistent || after.sessions_opened != before.sessions_opened;
  const bool all = n_rec == obs.size() && !obs.empty();
  Cell c{std::string(kScheme), judge(all, flagged),
         fmt::format("{} of {} mailbox sessions opened offline with trustees {}'s shares, no warrant, no request; the auditor afterwards: "
                     "logs {}, sessions opened in the logs {} before and {} after",
                     n_rec, obs.size(), who, after.consistent ? "consistent" : "INCONSISTENT", before.sessions_opened, after.sessions_opened),
         {{"sessions_in_mailbox", box.size()},
          {"sessions_recovered", n_rec},
          {"shares_stolen", loot.size()},
          {"k", t.k},
          {"sessions_per_second_measured", rate},
          {"audit_consistent_after", after.consistent},
          {"audit_sessions_opened_before", before.sessions_opened},
          {"audit_sessions_opened_after", after.sessions_opened}},
         obs};
  r.narrative = fmt::format(
      "A thief copies {} trustees' folders (state.db and passphrase each: trustees {}). Their own at-rest code opens the shares; "
      "with them the thief decrypts every envelope in the provider's mailbox offline: {} of {} sessions recovered, matching the "
      "ground truth byte for byte (k = {}). Measured on the real files: {:.0f} sessions per second on one core ({} passes over the "
      "mailbox in {:.2f} s). Then the real auditor (`escrow-authority audit`, trustees restarted) checks the logs: {}; the logs count "
      "{} sessions opened, as before the theft ({}). Offline decryption leaves no entry anywhere.",
      loot.size(), who, n_rec, obs.size(), t.k, rate, passes, secs, after.consistent ? "consistent" : "INCONSISTENT", after.sessions_opened,
      before.sessions_opened);
  r.numbers = {{"sessions_per_second_measured", rate}, {"passes", passes}, {"seconds", secs}};
  r.cells.push_back(std::move(c));
  return r;
}

Report guessing(const Loot& l, const LiveOptions& o) {
  Report r;
  r.attack = "live-passphrase-guessing";
  r.title = "A state file without its passphrase: Argon2id guessing (live deployment)";
  std::vector<std::string> dict;
  if (!o.dictionary.empty()) {
    std::ifstream in(o.dictionary);
    if (!in) setup_error("cannot read the dictionary " + o.dictionary);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) dict.push_back(line);
  } else {
    for (unsigned i = 0; i < std::max(1u, o.guesses); ++i) dict.push_back(fmt::format("guess {:06} for trustee {}", i, l.index));
  }
  // Measured: one thread, each guess the trustee's own derive-and-open.
  std::optional<std::string> found;
  std::size_t tried = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& g : dict) {
    ++tried;
    if (open_sealed(l, g)) {
      found = g;
      break;
    }
  }
  const double secs = seconds_since(t0);
  const double per_core = static_cast<double>(tried) / secs;
  const double core_hours_1e6 = 1e6 / per_core / 3600, core_hours_1e9 = 1e9 / per_core / 3600;
  Observation ob{fmt::format("trustee {}'s at-rest secrets", l.index), "opened", found ? std::optional<std::string>("opened") : std::nullopt};
  Cell c{std::string(kScheme), judge(found.has_value(), false),
         found ? fmt::format("the passphrase was guess {} of {}: the share is the thief's", tried, dict.size())
               : fmt::format("none of {} guesses opened it; measured {:.2f} guesses/s/core; extrapolated: 10^6 guesses {:.1f} core-hours, "
                             "10^9 guesses {:.0f} core-hours",
                             tried, per_core, core_hours_1e6, core_hours_1e9),
         {{"guesses_tried", tried},
          {"guesses_per_second_per_core_measured", per_core},
          {"argon2id_opslimit", crypto_pwhash_OPSLIMIT_INTERACTIVE},
          {"argon2id_memlimit_bytes", crypto_pwhash_MEMLIMIT_INTERACTIVE},
          {"core_hours_1e6_extrapolated", core_hours_1e6},
          {"core_hours_1e9_extrapolated", core_hours_1e9}},
         {ob}};
  r.narrative = fmt::format(
      "A thief copies trustee {}'s state.db but not its passphrase file, and guesses passphrases with the trustee's own "
      "derive-and-open (Argon2id interactive: {} MiB, ops {}). Measured: {} guesses in {:.2f} s on one thread, {:.2f} guesses per "
      "second per core; {}. Extrapolated from that rate (not run): a dictionary of 10^6 passphrases costs {:.1f} core-hours, one of "
      "10^9 {:.0f} core-hours ({:.1f} core-years). A passphrase outside the dictionary is never found; the demo's own passphrases "
      "(\"demo passphrase for trustee i\") are in any dictionary built from the demo's source.",
      l.index, crypto_pwhash_MEMLIMIT_INTERACTIVE / (1024 * 1024), crypto_pwhash_OPSLIMIT_INTERACTIVE, tried, secs, per_core,
      found ? "one of them opened it" : "none opened it", core_hours_1e6, core_hours_1e9, core_hours_1e9 / (24 * 365.25));
  r.numbers = {{"guesses_per_second_per_core_measured", per_core}, {"core_hours_1e6_extrapolated", core_hours_1e6},
               {"core_hours_1e9_extrapolated", core_hours_1e9}};
  r.cells.push_back(std::move(c));
  return r;
}

}  // namespace

std::vector<Report> run(const LiveOptions& o) {
  const std::string dir = fs::absolute(o.workdir).string();
  const std::string bin = find_authority(o);
  const Truth truth = load_truth(dir);
  if (truth.k < 1 || truth.n < truth.k) setup_error("ground_truth.json: bad k, n");
  const unsigned stolen = o.stolen ? o.stolen : truth.k;
  if (stolen > truth.n) setup_error(fmt::format("cannot steal {} of {} trustees", stolen, truth.n));

  // The thief's copies, taken while the trustees are down (the demo stopped them).
  std::string loot_tmpl = (fs::temp_directory_path() / "doormat-loot-XXXXXX").string();
  if (!::mkdtemp(loot_tmpl.data())) setup_error("cannot create a folder for the stolen files");
  struct Remove {
    std::string p;
    ~Remove() { fs::remove_all(p); }
  } cleanup{loot_tmpl};
  std::vector<Loot> loot;
  for (unsigned i = 1; i <= stolen; ++i) loot.push_back(steal(dir, loot_tmpl, i, true));
  const Loot one = steal(dir, loot_tmpl, 1, true), no_pass = steal(dir, loot_tmpl, 1, false);
  auto box_db = must(mailbox::Mailbox::open(dir + "/provider.db"), "the provider's mailbox");
  const auto box = must(box_db.all(), "the provider's mailbox");
  const auto pk = must(escrow::tdh2::PublicKey::decode(one.authority), "the authority key in a stolen state file");
  escrow::SystemRng rng;

  std::vector<Report> out;
  auto timed = [&](auto&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    Report rep = f();
    rep.seconds = seconds_since(t0);
    out.push_back(std::move(rep));
  };
  if (o.progress) fmt::print(stderr, "== live-one-trustee ==\n");
  timed([&] { return one_trustee(truth, one, pk, box, rng); });

  if (o.progress) fmt::print(stderr, "== live-quorum-offline ==\n");
  Trustees procs;
  start_trustees(procs, dir, bin, o);
  const AuditResult before = audit(dir, bin);
  if (!before.all_reachable) setup_error("the auditor could not reach every restarted trustee: " + before.raw.dump());
  timed([&] {
    return quorum(truth, loot, pk, box, before, [&] { return audit(dir, bin); }, rng);
  });
  stop_trustees(procs);

  if (o.progress) fmt::print(stderr, "== live-passphrase-guessing ==\n");
  timed([&] { return guessing(no_pass, o); });
  return out;
}

}  // namespace doormat::attacks::live
