// `escrow-authority loadtest`: a bounded load generator (loopback only; it stops by itself).
// Starts n trustee processes, then sends a mix of valid and invalid requests from several client
// threads for a fixed time, and checks: no trustee crashed, every valid request was answered,
// every invalid one refused with the right reason, and each trustee's log holds exactly the
// entries the traffic implies: one per field of every request whose warrant verified, and for the
// unauthenticated refusals (bad signature, replay, stale, malformed) at most one per kind and 10 s
// interval (they are counted, SPEC §11.2). The trustees run without a per-source refusal budget,
// so every refusal is answered with its reason. Reports p50/p99 latency and each trustee's memory.
#include <signal.h>
#include <sodium.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "commands.hpp"
#include "escrow/envelope.hpp"
#include "escrow/request.hpp"
#include "escrow/translog.hpp"
#include "escrow/warrant.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"
#include "http_client.hpp"
#include "identity.hpp"
#include "process.hpp"
#include "progress.hpp"
#include "trustee_log.hpp"

namespace doormat::authority {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

enum class Kind { valid, out_of_scope, tampered_field, bad_signature, replay, stale, malformed_json, count };
constexpr const char* kKindNames[] = {"valid", "out_of_scope", "tampered_field", "bad_signature", "replay", "stale", "malformed_json"};

long rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

bool sh(const std::string& bin, std::vector<std::string> args, const std::string& cwd) {
  args.insert(args.begin(), bin);
  return process::run_in(cwd, args);
}

struct Options {
  std::size_t trustees = 5, clients = 4, fields = 4;
  unsigned seconds = 60;
  unsigned kill_every = 0;  ///< SIGKILL and restart a trustee every this many seconds (0: never)
  std::string workdir;
};

// The trustees' current addresses: a restarted trustee listens on a new port.
struct Addresses {
  std::mutex mu;
  std::vector<std::string> urls;
  std::string get(std::size_t i) {
    std::lock_guard lock(mu);
    return urls[i];
  }
  void set(std::size_t i, std::string url) {
    std::lock_guard lock(mu);
    urls[i] = std::move(url);
  }
};

int run_loadtest(const Options& o) {
  const std::string bin = process::self_dir() + "/escrow-authority";
  std::string dir = o.workdir;
  if (dir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "doormat-load-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) return 1;
    dir = tmpl;
  }
  fs::create_directories(dir);
  const std::string n = std::to_string(o.trustees), k = std::to_string(o.trustees / 2 + 1);
  bool ok = sh(bin, {"court", "init", "--dir", "court"}, dir) && sh(bin, {"court", "appoint", "--dir", "court", "--judge", "jane"}, dir) &&
            sh(bin, {"ceremony", "dealer", "-k", k, "-n", n, "--out", "auth"}, dir) && sh(bin, {"agency", "new", "--name", "agency", "--out", "agency"}, dir) &&
            files::write_text(dir + "/pass", "load test passphrase\n", true).has_value();
  std::vector<pid_t> pids(o.trustees, 0);
  Addresses addresses;
  addresses.urls.resize(o.trustees);
  // Starts trustee i (0-based) and waits until it listens; used again after each kill.
  auto start = [&](std::size_t i) -> bool {
    const std::string t = fmt::format("t{}", i + 1);
    fs::remove(dir + "/" + t + ".port");
    auto pid = process::spawn({bin, "trustee", "serve", "--db", dir + "/" + t + ".db", "--passphrase-file", dir + "/pass", "--port", "0",
                               "--port-file", dir + "/" + t + ".port", "--threads", "1"}, dir + "/" + t + ".log");
    if (!pid) return false;
    pids[i] = *pid;
    for (int w = 0; w < 400 && !fs::exists(dir + "/" + t + ".port"); ++w) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    auto port = files::read_text(dir + "/" + t + ".port");
    if (!port) return false;
    addresses.set(i, "http://127.0.0.1:" + port->substr(0, port->find('\n')));
    return true;
  };
  for (std::size_t i = 0; ok && i < o.trustees; ++i) {
    ok = sh(bin, {"trustee", "init", "--db", fmt::format("t{}.db", i + 1), "--share", fmt::format("auth/share-{}.bin", i + 1), "--authority",
                  "auth/authority.pub", "--root", "court/root.pem", "--crl", "court/crl.pem", "--passphrase-file", "pass",
                  "--rate-per-minute", "0", "--field-rate-per-minute", "0", "--refusal-budget", "0"}, dir) &&
         start(i);
  }
  auto stop_all = [&] {
    for (pid_t p : pids)
      if (p > 0) process::stop(p, SIGTERM);
  };
  if (!ok) {
    stop_all();
    fmt::print(stderr, "error: set-up failed (see {})\n", dir);
    return 1;
  }
  ok = sh(bin, {"court", "issue", "--dir", "court", "--judge", "jane", "--case", "LOAD", "--target", "bob", "--from", "1000", "--to", "2000",
                "--max-sessions", "1000000", "--valid-for", "86400", "--agency", "agency.pub", "--out", "warrant.bin"}, dir);
  auto agency = identity::load(dir + "/agency.key");
  auto pk = escrow::tdh2::PublicKey::decode(files::read(dir + "/auth/authority.pub").value());
  auto warrant = files::read(dir + "/warrant.bin");
  if (!ok || !agency || !pk || !warrant) {
    stop_all();
    return 1;
  }
  // A pool of escrow fields, sealed once: in scope (bob, inside the window) and out of scope.
  escrow::SystemRng rng;
  auto make_field = [&](const std::string& to, uint64_t t) {
    std::array<uint8_t, 32> box{};
    escrow::Secret<32> sk;
    crypto_box_keypair(box.data(), sk.expose().data());
    const std::vector<uint8_t> msg = {'l', 'o', 'a', 'd'};
    return escrow::envelope::seal(*pk, escrow::SessionLabel::make("alice", to, t, rng).value(), box, msg, rng).value().escrow.encode();
  };
  std::vector<std::vector<uint8_t>> in_scope, out_scope;
  for (int i = 0; i < 64; ++i) in_scope.push_back(make_field("bob", 1000 + static_cast<uint64_t>(i)));
  for (int i = 0; i < 16; ++i) out_scope.push_back(make_field("carol", 1500));

  struct Tally {
    std::array<uint64_t, static_cast<int>(Kind::count)> sent{}, as_expected{};
    std::vector<uint64_t> expected_entries;  // from requests whose reply arrived: certainly committed
    std::vector<uint64_t> maybe_entries;     // from requests that got no reply: committed or not
    uint64_t unanswered = 0;
    std::vector<double> latency_ms;
    std::vector<std::string> surprises;
  } tally;
  tally.expected_entries.assign(o.trustees, 0);
  tally.maybe_entries.assign(o.trustees, 0);
  std::mutex mu;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.seconds);
  std::atomic<uint64_t> counter{0};

  auto client = [&](std::size_t id) {
    escrow::SystemRng local;
    std::optional<escrow::request::DecryptRequest> last_valid;
    std::size_t last_valid_trustee = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      const uint64_t seq = counter++;
      const auto kind = static_cast<Kind>(seq % static_cast<uint64_t>(Kind::count));
      // A replay goes back to the trustee that already saw the nonce; anywhere else it is fresh.
      const std::size_t t = kind == Kind::replay && last_valid ? last_valid_trustee : (seq / static_cast<uint64_t>(Kind::count) + id) % o.trustees;
      escrow::request::DecryptRequest r;
      r.signed_warrant = *warrant;
      randombytes_buf(r.nonce.data(), r.nonce.size());
      r.time = static_cast<uint64_t>(std::time(nullptr)) - (kind == Kind::stale ? 3600 : 0);
      for (std::size_t f = 0; f < o.fields; ++f) {
        auto field = (kind == Kind::out_of_scope ? out_scope : in_scope)[(seq + f) % (kind == Kind::out_of_scope ? out_scope.size() : in_scope.size())];
        if (kind == Kind::tampered_field && f == 0) field[6] ^= 1;
        r.fields.push_back(std::move(field));
      }
      // A replay reuses a decided request's nonce in other bytes (an exact copy gets the decided
      // request's reply, decided_replies.hpp, not a refusal).
      if (kind == Kind::replay && last_valid) r.nonce = last_valid->nonce;
      escrow::request::sign(r, agency->sign_secret);
      if (kind == Kind::bad_signature) r.signature[5] ^= 1;
      json body = kind == Kind::malformed_json ? json("not a request") : json{{"request", escrow::wire::to_hex(r.encode())}};
      const auto t0 = std::chrono::steady_clock::now();
      auto reply = http_post(addresses.get(t), "/v1/decrypt", body);
      // Another client thread's request of the same agency key in flight at that trustee: it
      // decided nothing (SPEC §11.2 "Concurrency"), so the same bytes go again, as investigate does.
      for (int again = 0; again < 600 && reply && reply->status == 429 && reply->body.value("error", "") == "agency_busy"; ++again) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        reply = http_post(addresses.get(t), "/v1/decrypt", body);
      }
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      // What the trustee must have said, and how many log entries that decision writes.
      bool expected = false;
      uint64_t entries = 1;
      std::string why;
      if (!reply) {
        why = "no answer: " + reply.error().detail;
        // Under fault injection a trustee being killed may not answer; its decision may still have
        // been committed. Anything else that goes unanswered is a failure.
        if (o.kill_every > 0) {
          std::lock_guard lock(mu);
          tally.unanswered++;
          tally.maybe_entries[t] += (kind == Kind::valid || kind == Kind::out_of_scope || kind == Kind::tampered_field) ? o.fields : 0;
          continue;
        }
      } else if (kind == Kind::valid || kind == Kind::out_of_scope || kind == Kind::tampered_field || (kind == Kind::replay && !last_valid)) {
        entries = o.fields;
        if (reply->status == 200) {
          auto sealed = escrow::wire::from_hex(reply->body.value("sealed_response", ""));
          auto plain = sealed ? escrow::request::unseal(*sealed, agency->pub.box_key, agency->box_secret) : escrow::Result<std::vector<uint8_t>>(escrow::unexpected(sealed.error()));
          auto resp = plain ? escrow::request::DecryptResponse::decode(*plain) : escrow::Result<escrow::request::DecryptResponse>(escrow::unexpected(plain.error()));
          if (resp && resp->results.size() == o.fields) {
            expected = true;
            for (std::size_t f = 0; f < o.fields; ++f) {
              auto want = escrow::request::FieldStatus::issued;
              if (kind == Kind::out_of_scope) want = escrow::request::FieldStatus::out_of_scope;
              if (kind == Kind::tampered_field && f == 0) want = escrow::request::FieldStatus::invalid_field;
              expected = expected && resp->results[f].status == want;
            }
          }
        }
        if (!expected) why = fmt::format("{}: HTTP {} {}", kKindNames[static_cast<int>(kind)], reply->status, reply->body.dump());
        if (kind == Kind::valid && expected) {
          last_valid = r;
          last_valid_trustee = t;
        }
      } else {
        entries = 0;  // counted, and logged as one entry per kind and interval: see aggregate_slack
        const std::string want = kind == Kind::bad_signature ? "bad_agency_signature"
                                 : kind == Kind::replay      ? "replayed_nonce"
                                 : kind == Kind::stale       ? "stale_request"
                                                             : "malformed_json";
        expected = reply->body.value("error", "") == want;
        if (!expected) why = fmt::format("{}: HTTP {} {}", kKindNames[static_cast<int>(kind)], reply->status, reply->body.dump());
      }
      std::lock_guard lock(mu);
      tally.sent[static_cast<int>(kind)]++;
      if (expected) tally.as_expected[static_cast<int>(kind)]++;
      else if (tally.surprises.size() < 10) tally.surprises.push_back(why);
      if (reply) tally.expected_entries[t] += entries;
      tally.latency_ms.push_back(ms);
    }
  };
  std::vector<long> rss_before;
  for (pid_t p : pids) rss_before.push_back(rss_kb(p));
  std::vector<std::thread> clients;
  for (std::size_t c = 0; c < o.clients; ++c) clients.emplace_back(client, c);
  // On a terminal: the seconds of load sent so far, out of --seconds (app/progress); piped, nothing.
  progress::Progress bar;
  bar.stage("loadtest: sending requests (seconds)", o.seconds);
  std::jthread ticker([&bar, seconds = o.seconds](std::stop_token stop) {
    std::mutex m;
    std::condition_variable_any tick;
    std::unique_lock lock(m);
    for (unsigned s = 0; s < seconds; ++s) {
      (void)tick.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });  // wakes early on stop
      if (stop.stop_requested()) return;
      bar.advance();
    }
  });

  // Fault injection: SIGKILL trustees in turn, restart each, and prove its new log extends the
  // signed head it gave just before being killed.
  uint64_t kills = 0, heads_consistent = 0, restarts_failed = 0;
  if (o.kill_every > 0) {
    while (std::chrono::steady_clock::now() + std::chrono::seconds(o.kill_every) < deadline) {
      std::this_thread::sleep_for(std::chrono::seconds(o.kill_every));
      const std::size_t victim = kills % o.trustees;
      const auto before = fetch_head(addresses.get(victim));
      process::stop(pids[victim], SIGKILL);
      ++kills;
      if (!start(victim)) {
        ++restarts_failed;
        continue;
      }
      const auto after = fetch_head(addresses.get(victim));
      if (!before || !after) continue;
      const bool consistent = log_extends(addresses.get(victim), before->size, before->root, *after);
      heads_consistent += consistent;
    }
  }
  for (auto& c : clients) c.join();
  ticker.request_stop();
  ticker.join();
  bar.clear();

  json per_trustee = json::array();
  bool logs_match = true;
  // The aggregated entries of unauthenticated refusals: at most one per kind (4) and 10 s interval
  // of the run, with two intervals' margin for the start and the end.
  const uint64_t aggregate_slack = 4 * (static_cast<uint64_t>(o.seconds) / 10 + 3);
  std::size_t crashed = 0;
  for (std::size_t i = 0; i < o.trustees; ++i) {
    int status = 0;
    const bool alive = ::waitpid(pids[i], &status, WNOHANG) == 0;
    crashed += !alive;
    auto info = http_get(addresses.get(i), "/v1/info");
    const uint64_t size = info && info->status == 200 ? info->body.value("log_size", uint64_t{0}) : 0;
    // Nothing committed lost (size >= answered), nothing invented or duplicated (size <= answered + in flight).
    logs_match = logs_match && size >= tally.expected_entries[i] && size <= tally.expected_entries[i] + tally.maybe_entries[i] + aggregate_slack;
    per_trustee.push_back({{"trustee", i + 1}, {"alive", alive}, {"log_entries", size}, {"log_entries_expected", tally.expected_entries[i]},
                           {"log_entries_in_flight_at_kills", tally.maybe_entries[i]},
                           {"rss_kb_before", rss_before[i]}, {"rss_kb_after", rss_kb(pids[i])}});
  }
  stop_all();
  std::sort(tally.latency_ms.begin(), tally.latency_ms.end());
  auto pct = [&](double p) { return tally.latency_ms.empty() ? 0.0 : tally.latency_ms[static_cast<std::size_t>(p * (tally.latency_ms.size() - 1))]; };
  json kinds = json::object();
  uint64_t sent = 0, good = 0;
  for (int i = 0; i < static_cast<int>(Kind::count); ++i) {
    kinds[kKindNames[i]] = {{"sent", tally.sent[i]}, {"as_expected", tally.as_expected[i]}};
    sent += tally.sent[i];
    good += tally.as_expected[i];
  }
  const bool pass = crashed == 0 && good == sent && logs_match && restarts_failed == 0 && heads_consistent == kills;
  json out = {{"seconds", o.seconds}, {"trustees", o.trustees}, {"clients", o.clients}, {"fields_per_request", o.fields},
              {"requests", sent}, {"requests_as_expected", good}, {"by_kind", kinds}, {"crashed", crashed}, {"logs_match", logs_match},
              {"latency_ms", {{"p50", pct(0.50)}, {"p99", pct(0.99)}, {"max", pct(1.0)}}}, {"per_trustee", per_trustee},
              {"surprises", tally.surprises}, {"workdir", dir},
              {"kills", kills}, {"restarts_failed", restarts_failed}, {"heads_consistent_after_restart", heads_consistent},
              {"unanswered_during_kills", tally.unanswered}, {"pass", pass}};
  fmt::print("{}\n", out.dump(2));
  return pass ? 0 : 1;
}

}  // namespace

void register_loadtest(CLI::App& app, int& status) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("loadtest", "bounded load on n trustee processes over loopback: correctness under load, latency, memory");
  cmd->add_option("--seconds", o->seconds, "how long to send requests")->check(CLI::Range(1, 600))->capture_default_str();
  cmd->add_option("-n,--trustee-count", o->trustees, "how many trustee processes (--trustees names a directory file elsewhere)")->check(CLI::Range(1, 20))->capture_default_str();
  cmd->add_option("--clients", o->clients, "client threads")->check(CLI::Range(1, 32))->capture_default_str();
  cmd->add_option("--fields", o->fields, "escrow fields per request")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--kill-every", o->kill_every, "SIGKILL and restart a trustee every S seconds (0: never)")->capture_default_str();
  cmd->add_option("--workdir", o->workdir, "folder for the trustees' files (default: a new one under /tmp)")->envname("DOORMAT_WORKDIR");
  cmd->callback([o, &status] { status = run_loadtest(*o); });
}

}  // namespace doormat::authority
