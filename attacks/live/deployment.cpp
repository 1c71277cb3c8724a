// The helpers every live scenario shares (deployment.hpp): reading the demo's folder, stealing a
// trustee's files, opening the mailbox offline, restarting trustees, running the real commands.
#include "deployment.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

#include "escrow/envelope.hpp"
#include "files.hpp"
#include "secrets_at_rest.hpp"
#include "sqlite.hpp"

namespace doormat::attacks::live {
namespace fs = std::filesystem;
using nlohmann::json;

void setup_error(const std::string& what) { throw std::runtime_error(what); }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

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

namespace {

std::vector<uint8_t> config_row(db::Database& db, const std::string& key) {
  auto st = must(db.prepare("SELECT value FROM config WHERE key = ?"), "reading a stolen state file");
  st.bind(1, key);
  if (!must(st.step(), "reading a stolen state file")) setup_error("a stolen state file has no '" + key + "'");
  return st.column_blob(0);
}

}  // namespace

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
  auto op = must(db.prepare("SELECT value FROM config WHERE key = 'operator_public'"), "reading a stolen state file");
  if (must(op.step(), "reading a stolen state file")) l.operator_key = op.column_blob(0);
  if (with_passphrase) {
    // As `trustee serve` reads it (trustee_cli.cpp): the file without its trailing newline.
    l.passphrase = must(files::read_text(from + "/passphrase"), "a stolen passphrase file");
    while (!l.passphrase.empty() && (l.passphrase.back() == '\n' || l.passphrase.back() == '\r')) l.passphrase.pop_back();
  }
  return l;
}

// Argon2id(passphrase, salt), then XChaCha20-Poly1305 with the trustee's index as associated data.
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

// A partial decryption per share, combine (which needs k), then the body under the recovered K.
// No warrant, no request, no trustee process.
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

Trustees::~Trustees() {
  for (const auto& [i, p] : pids)
    if (p > 0) process::stop(p, SIGTERM);
}

pid_t start_one(const std::string& td, const std::string& passphrase_file, const std::string& port, const std::string& bin,
                const std::string& log) {
  fs::remove(td + "/port");
  const pid_t pid = must(process::spawn({bin, "trustee", "serve", "--db", td + "/state.db", "--passphrase-file", passphrase_file, "--port", port,
                                         "--port-file", td + "/port"},
                                        log),
                         "starting a trustee from " + td);
  // Listening (the port file appears) or exited (its start refused): 10 s at most.
  for (int tries = 0; tries < 400; ++tries) {
    if (fs::exists(td + "/port")) return pid;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  process::stop(pid, SIGKILL);
  setup_error("a trustee neither listened nor exited within 10 s (see " + log + ")");
}

void start_trustees(Trustees& t, const std::string& dir, const std::string& bin, const LiveOptions& o) {
  const auto directory = json::parse(must(files::read_text(dir + "/trustees.json"), "the trustee directory"));
  for (const auto& e : directory) {
    const auto i = e.at("trustee").get<unsigned>();
    const auto url = e.at("url").get<std::string>();
    const auto port = url.substr(url.rfind(':') + 1);
    const std::string td = dir + "/trustee-" + std::to_string(i);
    t.ports[i] = port;
    fs::remove(td + "/port");
    t.pids[i] = must(process::spawn({bin, "trustee", "serve", "--db", td + "/state.db", "--passphrase-file", td + "/passphrase", "--port",
                                     port, "--port-file", td + "/port"},
                                    td + "/log.txt"),
                     "restarting trustee " + std::to_string(i));
    if (o.progress) fmt::print(stderr, "  restarted trustee {} on port {} (pid {})\n", i, port, t.pids[i]);
  }
  for (const auto& e : directory) {
    const std::string pf = dir + "/trustee-" + std::to_string(e.at("trustee").get<unsigned>()) + "/port";
    int tries = 0;
    for (; tries < 400 && !fs::exists(pf); ++tries) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (!fs::exists(pf)) setup_error("a restarted trustee did not start listening (see its log.txt): " + pf);
  }
}

void stop_trustees(Trustees& t) {
  for (auto& [i, p] : t.pids)
    if (p > 0) {
      process::stop(p, SIGTERM);
      p = 0;
    }
}

process::Output authority_cmd(const std::string& dir, const std::string& bin, const std::vector<std::string>& args) {
  std::vector<std::string> argv{bin};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto cwd = fs::current_path();
  fs::current_path(dir);
  auto r = process::run(argv);
  fs::current_path(cwd);
  return must(std::move(r), "running escrow-authority " + (args.empty() ? std::string() : args[0]));
}

AuditResult audit(const std::string& dir, const std::string& bin, const std::string& register_path, const std::string& state_path) {
  std::vector<std::string> args{"audit", "--trustees", "trustees.json", "--state", state_path, "--json"};
  if (!register_path.empty()) args.insert(args.end(), {"--register", register_path});
  const auto out = authority_cmd(dir, bin, args);
  if (out.status != 0 && out.status != 3 && out.status != 5 && out.status != 6)
    setup_error(fmt::format("escrow-authority audit exited {}: {}", out.status, out.err));
  AuditResult a;
  a.status = out.status;
  a.raw = json::parse(out.out);
  a.consistent = a.raw.at("consistent").get<bool>();
  a.register_checked = a.raw.at("register_checked").get<bool>();
  a.unregistered = a.raw.at("unregistered_warrants").get<std::vector<std::string>>();
  for (const auto& t : a.raw.at("trustees")) {
    a.all_reachable = a.all_reachable && t.at("reachable").get<bool>();
    for (const auto& [w, c] : t.at("per_warrant").items()) {
      a.sessions_opened += c.at("sessions_opened").get<std::size_t>();
      a.opened_per_warrant[w] += c.at("sessions_opened").get<std::size_t>();
    }
  }
  return a;
}

Investigation investigate(const std::string& dir, const std::string& bin, const std::string& warrant, const std::string& agency_key) {
  const auto out = authority_cmd(dir, bin, {"investigate", "--warrant", warrant, "--agency", agency_key, "--authority", "authority/authority.pub",
                                            "--mailbox", "provider.db", "--trustees", "trustees.json", "--json"});
  // 0: something decrypted; 4: nothing was. Anything else is a set-up failure.
  if (out.status != 0 && out.status != 4) setup_error(fmt::format("escrow-authority investigate exited {}: {}", out.status, out.err));
  Investigation inv;
  inv.status = out.status;
  inv.raw = json::parse(out.out);
  for (const auto& s : inv.raw.at("sessions")) {
    const auto id = s.at("id").get<int64_t>();
    inv.plaintexts[id] = s.at("decrypted").get<bool>() ? std::optional<std::string>(s.at("plaintext").get<std::string>()) : std::nullopt;
    for (const auto& r : s.at("refusals")) inv.refusals.push_back(r.get<std::string>());
  }
  // A request refused whole (the warrant itself) is the trustee's error, not a session's refusal.
  for (const auto& t : inv.raw.at("trustees"))
    if (!t.at("error").get<std::string>().empty())
      inv.refusals.push_back(fmt::format("trustee {}: {}", t.at("trustee").get<int>(), t.at("error").get<std::string>()));
  return inv;
}

TempDir::TempDir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) setup_error("cannot create a temporary folder");
  path = tmpl;
}
TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

}  // namespace doormat::attacks::live
