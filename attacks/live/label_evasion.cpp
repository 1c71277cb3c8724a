// live-label-evasion: the target of the demo's warrant sends sessions that his correspondent reads
// but that carry another person's name or a time outside the warrant's window. Everything runs
// through the project's own programs on a copy of the demo's folder: `escrow-client send` (the
// provider's deposit check inside it), `escrow-client receive` (the recipient's sender check), and
// `escrow-authority investigate --all` against the real trustees, restarted here and stopped after.
// The verdict counts the sessions the recipient read (plaintext equal to what was sent) that the
// warrant did not open; an honest control session, which the warrant must open, keeps the count
// meaningful.
#include "label_evasion.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "detection.hpp"
#include "escrow/envelope.hpp"
#include "escrow/rng.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/warrant.hpp"
#include "files.hpp"
#include "identity.hpp"
#include "mailbox.hpp"
#include "process.hpp"
#include "support.hpp"

namespace doormat::attacks::live {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

[[noreturn]] void setup_error(const std::string& what) { throw std::runtime_error("live-label-evasion: " + what); }

template <typename T>
T must(escrow::Result<T> r, const std::string& what) {
  if (!r) setup_error(what + ": " + r.error().message());
  return std::move(*r);
}
void must(escrow::Result<void> r, const std::string& what) {
  if (!r) setup_error(what + ": " + r.error().message());
}

// The demo's trustees, restarted in the copied folder on the ports trustees.json records (the
// investigator's directory), stopped when this goes out of scope.
struct TrusteeProcesses {
  std::vector<pid_t> pids;
  ~TrusteeProcesses() { stop(); }
  void stop() {
    for (auto& p : pids)
      if (p > 0) process::stop(p, SIGTERM), p = 0;
  }
};

void start_trustees(TrusteeProcesses& t, const std::string& dir, const std::string& bin, bool progress) {
  const auto directory = json::parse(must(files::read_text(dir + "/trustees.json"), "the trustee directory"));
  std::vector<std::string> port_files;
  for (const auto& e : directory) {
    const auto i = e.at("trustee").get<unsigned>();
    const auto url = e.at("url").get<std::string>();
    const std::string td = dir + "/trustee-" + std::to_string(i);
    port_files.push_back(td + "/port");
    fs::remove(port_files.back());
    t.pids.push_back(must(process::spawn({bin, "trustee", "serve", "--db", td + "/state.db", "--passphrase-file", td + "/passphrase", "--port",
                                          url.substr(url.rfind(':') + 1), "--port-file", port_files.back()},
                                         td + "/log.txt"),
                          "restarting trustee " + std::to_string(i)));
    if (progress) fmt::print(stderr, "  restarted trustee {} (pid {})\n", i, t.pids.back());
  }
  for (const auto& pf : port_files) {
    for (int tries = 0; tries < 400 && !fs::exists(pf); ++tries) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (!fs::exists(pf)) setup_error("a restarted trustee did not start listening (see its log.txt): " + pf);
  }
}

std::string find_client(const LabelEvasionOptions& o) {
  if (!o.client_bin.empty()) return o.client_bin;
  for (const auto& p : {process::self_dir() + "/../client/escrow-client", process::self_dir() + "/escrow-client"})
    if (fs::exists(p)) return fs::canonical(p).string();
  setup_error("cannot find escrow-client beside escrow-attacks");
}

// One session the target tries to send, and everything the run saw of it.
struct Attempt {
  std::string strategy;      // "control", "other-name", "shifted-time"
  std::string identity;      // the .key file it is sent with
  std::string label_sender;  // the name its label carries
  uint64_t time = 0;         // the label time; 0 = the provider's clock (the client's default)
  std::string plaintext;
  // what happened
  bool deposited = false;               // the provider stored it through the client's deposit
  std::string deposit_refusal{};        // why the provider refused it
  bool stored_past_check = false;       // stored without the provider's check after a refusal
  std::optional<int64_t> id{};          // mailbox row
  std::optional<std::string> read{};    // what the recipient's client opened
  std::string recipient_refusal{};      // why the recipient's client refused it
  std::optional<std::string> opened{};  // what the warrant opened
  std::string warrant_refusal{};        // the trustees' first refusal
};

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  const auto nl = t.rfind('\n');
  t = nl == std::string::npos ? t : t.substr(nl + 1);
  return t.starts_with("error: ") ? t.substr(7) : t;
}

}  // namespace

Report label_evasion(const LabelEvasionOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string src = fs::absolute(o.workdir).string();
  const std::string client = find_client(o);

  // A copy, so the demo's folder (and the other scenarios, and a second run) see it unchanged.
  std::string tmpl = (fs::temp_directory_path() / "doormat-label-evasion-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) setup_error("cannot create a working folder");
  struct Remove {
    std::string p;
    ~Remove() { fs::remove_all(p); }
  } cleanup{tmpl};
  const std::string dir = tmpl + "/demo";
  fs::copy(src, dir, fs::copy_options::recursive);

  // Who the warrant is on, and when: read from the warrant the court issued.
  const auto sw = must(escrow::warrant::SignedWarrant::decode(must(files::read(dir + "/warrant.bin"), "the demo's warrant")), "the demo's warrant");
  const auto& w = sw.warrant;
  const std::string target = w.targets.at(0);
  // The target's correspondent and a third person, both enrolled, from the ground truth.
  const auto truth = json::parse(must(files::read_text(dir + "/ground_truth.json"), "the demo's ground truth"));
  std::map<std::string, int> peers;
  std::set<std::string> people;
  for (const auto& m : truth.at("messages")) {
    const auto s = m.at("sender").get<std::string>(), r = m.at("recipient").get<std::string>();
    people.insert(s), people.insert(r);
    if (s == target) ++peers[r];
    if (r == target) ++peers[s];
  }
  if (peers.empty()) setup_error("the demo's target '" + target + "' has no correspondent in the ground truth");
  const std::string recipient = std::max_element(peers.begin(), peers.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
  std::string other;
  for (const auto& p : people)
    if (p != target && p != recipient) other = p;
  if (other.empty()) setup_error("the ground truth has no third person whose name the target could use");

  auto box = must(mailbox::Mailbox::open(dir + "/provider.db"), "the provider's mailbox");
  // The provider replays the warrant's window (the demo's provider replays its days the same way):
  // its clock, the deposit's, is set to the window's middle; the target's client never sets it.
  const uint64_t during = w.window_start + (w.window_end - w.window_start) / 2;
  must(box.set_clock_offset(static_cast<int64_t>(during) - static_cast<int64_t>(std::time(nullptr))), "setting the provider's clock");
  const uint64_t outside = 1'000'000'000;  // 2001-09-09: before any warrant the demo's court issues

  // The target's second strategy needs an identity in the other person's name (fresh keys: he does
  // not hold that person's). He also tries to open an account with it.
  const std::string fake = dir + "/" + target + "-as-" + other;
  if (auto r = process::run({client, "identity", "new", "--name", other, "--out", fake}); !r || r->status != 0)
    setup_error("escrow-client identity new failed");
  const auto reg = must(process::run({client, "register", "--identity", fake + ".key", "--mailbox", dir + "/provider.db"}), "escrow-client register");
  const bool fake_registered = reg.status == 0;
  const std::string register_outcome = fake_registered ? "accepted" : last_line(reg.err);

  std::vector<Attempt> tries = {
      {"control", dir + "/" + target + ".key", target, 0, fmt::format("control: {} to {}, honestly labelled", target, recipient)},
      {"other-name", fake + ".key", other, 0, fmt::format("{} writing as '{}' to {}", target, other, recipient)},
      {"shifted-time", dir + "/" + target + ".key", target, outside, fmt::format("{} to {}, labelled {}", target, recipient, outside)},
  };
  const auto pk = must(escrow::tdh2::PublicKey::decode(must(files::read(dir + "/authority/authority.pub"), "the authority key")), "the authority key");
  const auto recipient_pub = must(identity::load_public(dir + "/" + recipient + ".pub"), "the recipient's public identity");
  escrow::SystemRng rng;
  for (auto& a : tries) {
    std::vector<std::string> argv = {client, "send", "--identity", a.identity, "--to", dir + "/" + recipient + ".pub", "--authority",
                                     dir + "/authority/authority.pub", "--mailbox", dir + "/provider.db", "--message", a.plaintext, "--json"};
    if (a.time) argv.insert(argv.end(), {"--time", std::to_string(a.time)});
    if (o.without_defence) argv.push_back("--no-label-defence");
    const auto sent = must(process::run(argv), "escrow-client send");
    if (sent.status == 0) {
      a.deposited = true;
      a.id = json::parse(sent.out).at("id").get<int64_t>();
    } else {
      a.deposit_refusal = last_line(sent.err);
      if (a.strategy == "control") setup_error("the provider refused the honest control session: " + a.deposit_refusal);
      // The target's next try: the same session stored without the provider's check (as a provider
      // that does not run it would), left to the recipient's check alone.
      const auto me = must(identity::load(a.identity), "the target's identity");
      const auto clock = must(box.now(), "the provider's clock");
      auto label = must(escrow::SessionLabel::make_bound(me.pub.name, me.pub.sign_key, recipient, a.time ? a.time : clock, rng), "a label");
      const std::span<const uint8_t> plain(reinterpret_cast<const uint8_t*>(a.plaintext.data()), a.plaintext.size());
      auto env = must(escrow::envelope::seal_signed(pk, label, recipient_pub.box_key, plain, me.sign_secret, rng), "sealing");
      a.id = must(box.deliver(env), "storing past the provider's check");
      a.stored_past_check = true;
    }
  }

  // The recipient reads its mailbox with its own client.
  std::vector<std::string> recv = {client, "receive", "--identity", dir + "/" + recipient + ".key", "--authority", dir + "/authority/authority.pub",
                                   "--mailbox", dir + "/provider.db", "--json"};
  if (o.without_defence) recv.push_back("--no-label-defence");
  const auto got = must(process::run(recv), "escrow-client receive");
  if (got.status != 0) setup_error("escrow-client receive failed: " + got.err);
  for (const auto& m : json::parse(got.out))
    for (auto& a : tries)
      if (a.id && m.contains("id") && m.at("id").get<int64_t>() == *a.id) {
        if (m.at("opened").get<bool>()) a.read = m.at("text").get<std::string>();
        else a.recipient_refusal = m.value("refused", std::string("not opened"));
      }

  // The warrant, through the real trustees: every session in the mailbox handed over (--all), so
  // the trustees' scope check, not the investigator's selection, decides.
  TrusteeProcesses procs;
  start_trustees(procs, dir, o.authority_bin, o.progress);
  const auto cwd = fs::current_path();
  fs::current_path(dir);
  auto inv_run = process::run({o.authority_bin, "investigate", "--warrant", "warrant.bin", "--agency", "agency.key", "--authority",
                               "authority/authority.pub", "--mailbox", "provider.db", "--trustees", "trustees.json", "--all", "--json"});
  fs::current_path(cwd);
  procs.stop();
  const auto inv_out = must(std::move(inv_run), "escrow-authority investigate");
  if (inv_out.status != 0 && inv_out.status != 4) setup_error(fmt::format("investigate exited {}: {}", inv_out.status, inv_out.err));
  const auto inv = json::parse(inv_out.out);
  for (const auto& s : inv.at("sessions"))
    for (auto& a : tries)
      if (a.id && s.at("id").get<int64_t>() == *a.id) {
        if (s.at("decrypted").get<bool>()) a.opened = s.at("plaintext").get<std::string>();
        else if (!s.at("refusals").empty()) a.warrant_refusal = s.at("refusals")[0].get<std::string>();
        else a.warrant_refusal = "no trustee answered";
      }

  const Attempt& control = tries[0];
  if (control.opened != control.plaintext || control.read != control.plaintext)
    setup_error("the honest control session was not both read by the recipient and opened by the warrant: the run cannot judge evasion");

  // An attempt evades when the recipient read exactly what was sent and the warrant did not open it.
  std::size_t evaded = 0, refused_deposit = 0, refused_recipient = 0, in_scope = 0;
  std::vector<Observation> obs;
  json outcomes = json::object();
  for (const auto& a : tries) {
    const bool read = a.read == a.plaintext, opened = a.opened == a.plaintext;
    std::string outcome;
    if (a.strategy == "control") outcome = "read by the recipient and opened by the warrant";
    else if (opened) ++in_scope, outcome = "in scope: opened by the warrant";
    else if (read) ++evaded, outcome = "EVADED: read by the recipient, not opened by the warrant (" + a.warrant_refusal + ")";
    else outcome = "not read by the recipient (" + a.recipient_refusal + ")";
    if (a.strategy != "control") {
      refused_deposit += !a.deposited;
      refused_recipient += a.stored_past_check && !read;
    }
    std::string path = a.deposited ? "deposited by the client" : "refused at deposit (" + a.deposit_refusal + "), then stored past the provider's check";
    outcomes[a.strategy] = {{"label_sender", a.label_sender}, {"label_time", a.time ? json(a.time) : json("provider clock")},
                            {"deposit", a.deposited ? "accepted" : a.deposit_refusal}, {"stored_past_check", a.stored_past_check},
                            {"recipient_read", read}, {"recipient_refusal", a.recipient_refusal}, {"warrant_opened", opened},
                            {"warrant_refusal", a.warrant_refusal}, {"outcome", path + "; " + outcome}};
    if (a.strategy == "control") continue;
    obs.push_back({fmt::format("{}: '{}' -> {} at {} ({})", a.strategy, a.label_sender, recipient, a.time ? std::to_string(a.time) : "provider clock",
                               outcome),
                   a.plaintext, read && !opened ? a.read : std::nullopt});
  }

  Report r;
  r.attack = "live-label-evasion";
  r.title = "A target labels his sessions with another name or a shifted time (live deployment)";
  const std::size_t attempts = tries.size() - 1;
  // Observed: whether the label defence acted in this run is what the provider's deposit and the
  // recipient's client replied, not the test hook that was asked for.
  const bool defence_seen = refused_deposit > 0 || refused_recipient > 0;
  const bool control_opened = control.opened == control.plaintext;
  const auto seen = Detection::not_observable(
      "an evasive session reaches the trustees, if at all, as an out-of-scope session, which no check can tell from one that is not "
      "the target's");
  Cell c{"deployment", seen.verdict(evaded > 0),
         fmt::format("{} of {} sessions by the warrant's target '{}' read by {} and not opened by the warrant ({}); {} refused at deposit, {} "
                     "refused by the recipient, {} in scope; the honest control session was opened",
                     evaded, attempts, target, recipient, defence_seen ? "the label defence refused sessions" : "no label check refused any",
                     refused_deposit, refused_recipient, in_scope) +
             (evaded > 0 ? "; " + seen.text() : ""),
         {{"label_defence", defence_seen},
          {"attempts", attempts},
          {"sessions_evaded", evaded},
          {"refused_at_deposit", refused_deposit},
          {"refused_by_recipient", refused_recipient},
          {"in_scope", in_scope},
          {"control_opened_by_warrant", control_opened},
          {"detection", seen.to_json()},
          {"settings", {{"without_label_defence_hook", o.without_defence}}},
          {"fake_identity_registration", register_outcome},
          {"max_label_skew_seconds", escrow::envelope::kMaxLabelSkewSeconds},
          {"outcomes", outcomes}},
         obs};
  r.narrative = fmt::format(
      "The demo's warrant covers '{}' from {} to {}. The provider's clock is set inside that window, and the target sends three "
      "sessions to {} with the project's own client: an honest control; one from an identity he made in {}'s name (registering "
      "it with the provider: {}); one labelled {} (2001). {}A session refused at deposit is then stored past the provider's check, "
      "so the recipient's own check is tried too. {} reads the mailbox with its client; the agency hands the whole mailbox to the "
      "restarted trustees under the warrant. Control: read and opened. Of the {} evasive sessions, {} were read and not opened "
      "(evaded), {} refused at deposit, {} refused by the recipient, {} opened by the warrant.",
      target, w.window_start, w.window_end, recipient, other, register_outcome, outside,
      fmt::format("Requested: {}; observed in this run: {}. ",
                  o.without_defence ? "label defence off (--without-label-defence: no deposit check, no sender check, the deployment before "
                                      "SPEC 7.4)"
                                    : "label defence on",
                  defence_seen ? fmt::format("the label defence refused sessions ({} at deposit, {} by the recipient)", refused_deposit,
                                             refused_recipient)
                               : std::string("no label check refused any session")),
      recipient, attempts, evaded, refused_deposit, refused_recipient, in_scope);
  r.numbers = {{"sessions_evaded", evaded}, {"refused_at_deposit", refused_deposit}, {"refused_by_recipient", refused_recipient}};
  r.cells.push_back(std::move(c));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace doormat::attacks::live
