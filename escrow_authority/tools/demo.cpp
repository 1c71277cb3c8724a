// `escrow-authority demo`: the README's main command. Starts n trustee processes on loopback and
// drives the real commands (ceremony, court, client, investigate, audit) against them, narrating
// each step; every number it prints was computed by those processes.
#include <signal.h>
#include <sodium.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <thread>

#include "commands.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"
#include "mailbox.hpp"
#include "narration.hpp"
#include "process.hpp"

namespace doormat::authority {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Demo : Narrator {
  explicit Demo(bool quiet) : Narrator(quiet) {}
  std::string dir, authority, client;
  std::vector<pid_t> trustees;  // index i-1 -> pid, 0 once stopped

  ~Demo() {
    for (pid_t p : trustees)
      if (p > 0) process::stop(p, SIGTERM);
  }
  // Runs one of our commands in the working directory, echoing it as a person would type it.
  escrow::Result<std::string> cmd(const std::string& program, std::vector<std::string> args, bool echo = true) {
    const std::string path = program == "escrow-client" ? client : authority;
    if (echo) say("  $ {} {}", program, fmt::join(args, " "));
    args.insert(args.begin(), path);
    const auto cwd = fs::current_path();
    fs::current_path(dir);
    auto r = process::run(args);
    fs::current_path(cwd);
    if (!r) return escrow::unexpected(r.error());
    // 3: an audit that found problems still reports them; 5: an audit with a trustee the demo
    // stopped on purpose (it reports it unchecked)
    if (r->status != 0 && r->status != 3 && !(r->status == 5 && args.size() > 1 && args[1] == "audit"))
      return escrow::fail(escrow::ErrorCategory::internal, "demo", fmt::format("{} exited {}: {}", program, r->status, r->err));
    return r->out;
  }
};

// A failed step ends the demo with its error; the Demo destructor stops the trustees.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
template <typename T>
T must(escrow::Result<T> r) {
  if (!r) throw Failure(r.error().message());
  return std::move(*r);
}
void must(escrow::Result<void> r) {
  if (!r) throw Failure(r.error().message());
}

}  // namespace

struct DemoOptions {
  std::string workdir;
  std::size_t k = 3, n = 5;
  bool json = false;
  bool dealer = false;  ///< a trusted dealer instead of the DKG, for comparison
};

int run_demo_steps(const DemoOptions& o) {
  Demo d(o.json);
  d.authority = process::self_dir() + "/escrow-authority";
  d.client = process::self_dir() + "/../client/escrow-client";
  if (!fs::exists(d.client)) d.client = process::self_dir() + "/escrow-client";
  if (o.workdir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "doormat-demo-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      fmt::print(stderr, "error: cannot create a working directory\n");
      return 1;
    }
    d.dir = tmpl;
  } else {
    d.dir = fs::absolute(o.workdir).string();
    if (fs::exists(d.dir) && !fs::is_empty(d.dir)) {
      fmt::print(stderr, "error: {} is not empty; give a new --workdir\n", d.dir);
      return 2;
    }
    fs::create_directories(d.dir);
  }
  const std::string n = std::to_string(o.n), k = std::to_string(o.k);
  d.say("Doormat demo: a {}-of-{} escrow authority as {} real processes on loopback.", o.k, o.n, o.n);
  d.say("Working directory (everything is left there to inspect): {}", d.dir);

  d.step("The courts: a judicial root CA and two judges (Ed25519 X.509, ordinary PEM)");
  must(d.cmd("escrow-authority", {"court", "init", "--dir", "court"}));
  must(d.cmd("escrow-authority", {"court", "appoint", "--dir", "court", "--judge", "jane"}));
  must(d.cmd("escrow-authority", {"court", "appoint", "--dir", "court", "--judge", "john"}));

  if (o.dealer) {
    d.step("The authority's key: a trusted-dealer ceremony (the dealer sees the master secret)");
    must(d.cmd("escrow-authority", {"ceremony", "dealer", "-k", k, "-n", n, "--out", "authority"}));
  }
  d.step("The operator makes the key without which no trustee takes part in a ceremony");
  must(d.cmd("escrow-authority", {"operator", "new", "--out", "operator"}));
  d.step(fmt::format("{} trustees: each creates its keys (secrets encrypted at rest) and starts serving", o.n));
  std::vector<std::string> urls;
  for (std::size_t i = 1; i <= o.n; ++i) {
    const auto t = "trustee-" + std::to_string(i);
    fs::create_directories(d.dir + "/" + t);
    must(files::write_text(d.dir + "/" + t + "/passphrase", "demo passphrase for trustee " + std::to_string(i) + "\n", true));
    std::vector<std::string> init = {"trustee", "init", "--db", t + "/state.db", "--root", "court/root.pem", "--crl", "court/crl.pem",
                                     "--passphrase-file", t + "/passphrase", "--operator", "operator.pub"};
    if (o.dealer) {
      init.insert(init.end(), {"--share", "authority/share-" + std::to_string(i) + ".bin", "--authority", "authority/authority.pub"});
    } else {
      init.insert(init.end(), {"--index", std::to_string(i)});
    }
    must(d.cmd("escrow-authority", init, i == 1));
    if (o.dealer) fs::remove(d.dir + "/authority/share-" + std::to_string(i) + ".bin");  // the trustee's database holds it now
    auto pid = must(process::spawn({d.authority, "trustee", "serve", "--db", d.dir + "/" + t + "/state.db", "--passphrase-file",
                                    d.dir + "/" + t + "/passphrase", "--port", "0", "--port-file", d.dir + "/" + t + "/port"},
                                   d.dir + "/" + t + "/log.txt"));
    d.trustees.push_back(pid);
  }
  if (o.n > 1) d.say("  ... and the same for trustees 2..{}", o.n);
  for (std::size_t i = 1; i <= o.n; ++i) {
    const auto port_file = d.dir + "/trustee-" + std::to_string(i) + "/port";
    for (int tries = 0; tries < 200 && !fs::exists(port_file); ++tries) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto port = must(files::read_text(port_file));
    while (!port.empty() && port.back() == '\n') port.pop_back();
    urls.push_back("http://127.0.0.1:" + port);
    d.say("  trustee {} (pid {}) listening on {}", i, d.trustees[i - 1], urls.back());
  }
  std::vector<std::string> enroll = {"enroll", "--directory", "trustees.json"};
  for (const auto& u : urls) {
    enroll.push_back("--url");
    enroll.push_back(u);
  }
  must(d.cmd("escrow-authority", enroll, false));
  d.say("  $ escrow-authority enroll --directory trustees.json --url ... (x{})   (records each trustee's keys)", o.n);

  if (!o.dealer) {
    d.step("The authority's key: a GJKR distributed key generation among the live trustees (nobody ever holds x)");
    fs::create_directories(d.dir + "/authority");
    auto dkg = json::parse(must(d.cmd("escrow-authority", {"ceremony", "dkg", "--trustees", "trustees.json", "-k", k, "--operator",
                                                           "operator.key", "--out", "authority/authority.pub", "--json"})));
    d.say("  {} trustees finished with the same public key; {} disqualified", dkg["finished"].size(), dkg["disqualified"].size());
  }

  d.step("An investigating agency makes its keys");
  must(d.cmd("escrow-authority", {"agency", "new", "--name", "agency", "--out", "agency"}));

  d.step("Alice, Bob and Carol talk over three days; every session key is escrowed");
  for (const char* who : {"alice", "bob", "carol"}) {
    must(d.cmd("escrow-client", {"identity", "new", "--name", who, "--out", who}, false));
    // An account with the provider binds the name to the identity key (SPEC 7.4).
    must(d.cmd("escrow-client", {"register", "--identity", std::string(who) + ".key", "--mailbox", "provider.db"}, false));
  }
  // The provider replays three past days: its clock (the deposit check's) is set to each message's
  // time as the provider's operator would run it; no sender's client touches it.
  auto provider = must(mailbox::Mailbox::open(d.dir + "/provider.db"));
  const uint64_t day = 86400, base = static_cast<uint64_t>(std::time(nullptr)) / day * day - 3 * day;
  struct Msg {
    const char* from;
    const char* to;
    int day;
    int hour;
    const char* text;
  };
  const std::vector<Msg> msgs = {
      {"alice", "bob", 0, 9, "are we still on for friday?"},       {"bob", "alice", 0, 10, "yes, 8pm"},
      {"alice", "bob", 1, 14, "the package goes out tonight"},     {"bob", "alice", 1, 15, "pier 4, usual time"},
      {"alice", "bob", 1, 16, "bring the other key"},              {"alice", "carol", 1, 17, "happy birthday!"},
      {"alice", "bob", 2, 11, "all done, thanks"},                 {"bob", "alice", 2, 12, "see you next week"},
  };
  int sent_in_scope = 0;
  // The ground truth (0600): every message sent, as its sender knows it, for `escrow-attacks live`
  // to compare what an attack recovers with. Nothing in the demo reads it.
  json truth = {{"k", o.k}, {"n", o.n}, {"base_time", base}, {"messages", json::array()}};
  for (const auto& m : msgs) {
    const uint64_t t = base + static_cast<uint64_t>(m.day) * day + static_cast<uint64_t>(m.hour) * 3600;
    must(provider.set_clock_offset(static_cast<int64_t>(t) - static_cast<int64_t>(std::time(nullptr))));
    auto sent = json::parse(must(d.cmd("escrow-client", {"send", "--identity", std::string(m.from) + ".key", "--to", std::string(m.to) + ".pub",
                                                          "--authority", "authority/authority.pub", "--mailbox", "provider.db", "--message", m.text,
                                                          "--time", std::to_string(t), "--json"},
                                       false)));
    std::array<uint8_t, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(m.text), std::char_traits<char>::length(m.text));
    truth["messages"].push_back({{"sender", m.from}, {"recipient", m.to}, {"time", t}, {"plaintext", m.text},
                                 {"plaintext_sha256", escrow::wire::to_hex(digest)}, {"envelope_id", sent["id"]},
                                 {"session_id", sent["session_id"]}});
    const bool covered = m.day == 1 && (std::string(m.from) == "bob" || std::string(m.to) == "bob");
    sent_in_scope += covered;
    d.say("  day {} {:02}:00  {} -> {}: \"{}\"{}", m.day + 1, m.hour, m.from, m.to, m.text, covered ? "   [day 2, involves bob]" : "");
  }
  must(provider.set_clock_offset(0));
  d.say("  (each `escrow-client send` seals and signs the message; provider.db checks the signature, the sender's account and the label time)");
  must(files::write_text(d.dir + "/ground_truth.json", truth.dump(2) + "\n", true));
  auto inbox = json::parse(must(d.cmd("escrow-client", {"receive", "--identity", "bob.key", "--authority", "authority/authority.pub",
                                                       "--mailbox", "provider.db", "--json"})));
  std::size_t bob_opened = 0;
  for (const auto& m : inbox) bob_opened += m["opened"].get<bool>();
  d.say("  Bob opened {} of {} messages to him, each after re-computing its escrow field", bob_opened, inbox.size());

  d.step("A judge issues a warrant: target bob, day 2 only, at most 10 sessions");
  must(d.cmd("escrow-authority", {"court", "issue", "--dir", "court", "--judge", "jane", "--case", "2026-CR-0042", "--target", "bob",
                                 "--from", std::to_string(base + day), "--to", std::to_string(base + 2 * day - 1), "--max-sessions",
                                 "10", "--agency", "agency.pub", "--out", "warrant.bin"}));

  const std::vector<std::string> investigate = {"investigate", "--warrant", "warrant.bin", "--agency", "agency.key", "--authority",
                                                "authority/authority.pub", "--mailbox", "provider.db", "--trustees", "trustees.json",
                                                "--json"};
  d.step("The agency hands the provider's mailbox to the trustees: every session involving bob");
  auto inv = json::parse(must(d.cmd("escrow-authority", investigate)));
  for (const auto& t : inv["trustees"])
    if (!t["answered"].get<bool>()) d.say("  trustee {}: {}", t["trustee"].get<int>(), t["error"].get<std::string>());
  std::size_t refused_everywhere = 0, out_of_scope = 0;
  std::set<int> refusing;
  for (const auto& s : inv["sessions"]) {
    const bool dec = s["decrypted"].get<bool>();
    d.say("  {} -> {} at day {} {:02}:00: {}", s["sender"].get<std::string>(), s["recipient"].get<std::string>(),
          (s["time"].get<uint64_t>() - base) / day + 1, (s["time"].get<uint64_t>() % day) / 3600,
          dec ? "DECRYPTED \"" + s["plaintext"].get<std::string>() + "\""
              : fmt::format("refused by {} of {} trustees ({})", s["refusals"].size(), o.n,
                            s["refusals"].empty() ? std::string("no answer")
                                                  : s["refusals"][0].get<std::string>().substr(s["refusals"][0].get<std::string>().find(": ") + 2)));
    if (!dec) {
      ++out_of_scope;
      if (s["refusals"].size() == o.n) ++refused_everywhere;
      for (const auto& r : s["refusals"]) refusing.insert(std::stoi(r.get<std::string>().substr(8)));
    }
  }
  const std::size_t decrypted = inv["sessions_decrypted"].get<std::size_t>();
  const std::vector<std::string> audit_cmd = {"audit", "--trustees", "trustees.json", "--state", "audit-state.json", "--json"};
  must(d.cmd("escrow-authority", audit_cmd));
  d.say("  (an auditor records every trustee's signed tree head now, to hold the logs to it later)");

  d.step("Proactive refresh: every trustee re-randomises its share; same key, next epoch, old shares erased");
  auto refresh = json::parse(must(d.cmd("escrow-authority", {"ceremony", "refresh", "--trustees", "trustees.json", "-k", k, "--operator",
                                                             "operator.key", "--out", "authority/authority.pub", "--json"})));
  const uint32_t epoch = refresh["epoch"].get<uint32_t>();
  d.say("  {} trustees now hold epoch-{} shares of the same key; epoch-0 shares no longer decrypt anything", refresh["finished"].size(), epoch);

  d.step(fmt::format("Trustee {} goes down (SIGKILL); the remaining {} still suffice, with their epoch-{} shares", o.n, o.n - 1, epoch));
  process::stop(d.trustees.back(), SIGKILL);
  d.trustees.back() = 0;
  auto again = json::parse(must(d.cmd("escrow-authority", investigate)));
  std::size_t answered = 0;
  for (const auto& t : again["trustees"]) answered += t["answered"].get<bool>();
  const std::size_t decrypted_degraded = again["sessions_decrypted"].get<std::size_t>();
  d.say("  {} trustees answered, {} unreachable; {} sessions decrypted again", answered, o.n - answered, decrypted_degraded);

  d.step("The auditor checks that every reachable log only grew since the head it recorded");
  auto audit = json::parse(must(d.cmd("escrow-authority", audit_cmd)));
  for (const auto& t : audit["trustees"]) {
    if (!t["reachable"].get<bool>()) {
      d.say("  trustee {}: unreachable", t["trustee"].get<int>());
      continue;
    }
    std::size_t opened = 0;
    for (const auto& [w, c] : t["per_warrant"].items()) opened += c["sessions_opened"].get<std::size_t>();
    d.say("  trustee {}: log grew {} -> {} entries, consistency proof: {}, entries match signed root: {}, sessions opened: {}",
          t["trustee"].get<int>(), t["previous_size"].get<uint64_t>(), t["size"].get<uint64_t>(),
          t["consistent"].get<bool>() ? "valid" : "FAILS", t["entries_match_head"].get<bool>() ? "yes" : "NO", opened);
  }
  const bool consistent = audit["consistent"].get<bool>();

  d.step("Stopping the trustees");
  for (auto& p : d.trustees)
    if (p > 0) {
      process::stop(p, SIGTERM);
      p = 0;
    }
  d.say("  done. Files: {}", d.dir);

  const bool ok = epoch == 1 && decrypted == static_cast<std::size_t>(sent_in_scope) && decrypted_degraded == decrypted && refused_everywhere == out_of_scope &&
                  bob_opened == inbox.size() && consistent;
  json summary = {{"workdir", d.dir},
                  {"key_generation", o.dealer ? "dealer" : "gjkr"},
                  {"k", o.k},
                  {"n", o.n},
                  {"sessions_total", msgs.size()},
                  {"sessions_in_scope", sent_in_scope},
                  {"sessions_asked", inv["sessions"].size()},
                  {"sessions_decrypted", decrypted},
                  {"out_of_scope_refused", out_of_scope},
                  {"out_of_scope_refused_by_every_trustee", refused_everywhere},
                  {"trustees_refusing", refusing.size()},
                  {"decrypted_with_one_trustee_down", decrypted_degraded},
                  {"epoch_after_refresh", epoch},
                  {"recipient_opened", bob_opened},
                  {"audit_consistent", consistent},
                  {"ok", ok}};
  if (o.json) fmt::print("{}\n", summary.dump(2));
  else
    d.say("\nResult: {} of {} sessions in the warrant's scope decrypted; {} outside it refused by all {} trustees; "
          "{} with a trustee down; audit {}.",
          decrypted, sent_in_scope, refused_everywhere, o.n, decrypted_degraded, consistent ? "consistent" : "INCONSISTENT");
  return ok ? 0 : 1;
}

int run_demo(const DemoOptions& o) {
  try {
    return run_demo_steps(o);
  } catch (const Failure& f) {
    fmt::print(stderr, "error: {}\n", f.what());
  } catch (const nlohmann::json::exception& e) {
    fmt::print(stderr, "error: a command printed unexpected output: {}\n", e.what());
  }
  return 1;
}

void register_demo(CLI::App& app, int& status) {
  auto o = std::make_shared<DemoOptions>();
  auto* demo = app.add_subcommand("demo", "start n trustee processes and run warrant-gated decryption end to end");
  demo->add_option("--workdir", o->workdir, "an empty or new folder for every file (default: a new one under /tmp)")->envname("DOORMAT_WORKDIR");
  demo->add_option("-k,--threshold", o->k, "trustees needed")->check(CLI::Range(1, 20))->capture_default_str();
  demo->add_option("-n,--trustee-count", o->n, "how many trustee processes (--trustees names a directory file elsewhere)")->check(CLI::Range(2, 20))->capture_default_str();
  demo->add_flag("--json", o->json, "print one JSON summary instead of the narration");
  demo->add_flag("--dealer", o->dealer, "make the key with a trusted dealer instead of the DKG (for comparison)");
  demo->callback([o, &status] {
    if (o->k >= o->n) {
      fmt::print(stderr, "error: the demo stops one trustee, so it needs k < n\n");
      status = 2;
      return;
    }
    status = run_demo(*o);
  });
}

}  // namespace doormat::authority
