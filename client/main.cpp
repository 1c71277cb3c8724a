// escrow-client: a messaging user's side. Identities, an account with the provider, sending a
// signed message whose session key is escrowed to the authority (SPEC §7.1, §7.4), receiving with
// the recipient checks (SPEC §7.3, §7.4).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "account_name.hpp"
#include "command_line.hpp"
#include "escrow/envelope.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"
#include "identity.hpp"
#include "iso_time.hpp"
#include "known_keys.hpp"
#include "terminal_text.hpp"
#include "mailbox.hpp"

namespace {
using namespace doormat;

bool json_errors = false;  // --json on the command line: errors also as {"error": {"code", "message"}}

// README "Exit codes": a known name came with another key than the one pinned for it (SPEC §7.5).
constexpr int kExitKeyChanged = 7;

// One line: what went wrong, with the next step where the detail says it; no C++ function names.
int die(const escrow::Error& e) {
  const std::string message = e.detail.empty() ? std::string(escrow::to_string(e.category)) : e.detail;
  fmt::print(stderr, "error: {}\n", message);
  if (json_errors) {
    std::string code(escrow::to_string(e.category));
    for (auto& c : code)
      if (c == ' ') c = '_';
    fmt::print("{}\n", nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump());
  }
  return 1;
}

// The error line (and JSON) of die(), with another exit code.
int die_with(const escrow::Error& e, int code) {
  die(e);
  return code;
}

// `--known-keys` by default: beside the identity, PREFIX.known-keys.json for PREFIX.key.
std::string default_known_keys(const std::string& key_path) {
  const std::string_view suffix = ".key";
  const bool has = key_path.size() > suffix.size() && key_path.compare(key_path.size() - suffix.size(), suffix.size(), suffix) == 0;
  return (has ? key_path.substr(0, key_path.size() - suffix.size()) : key_path) + ".known-keys.json";
}

// The fingerprints the user accepted with --accept-key, compared without ':' and case.
struct Accepted {
  std::vector<std::string> fingerprints;
  static std::string bare(std::string f) {
    std::string out;
    for (char c : f)
      if (c != ':') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }
  bool has(const std::string& fingerprint) const {
    return std::any_of(fingerprints.begin(), fingerprints.end(), [&](const std::string& f) { return bare(f) == bare(fingerprint); });
  }
};

std::string key_changed_message(const std::string& name, const std::string& pinned_fp, const std::string& now_fp,
                                const std::string& where, const std::string& file) {
  return fmt::format("the key {} shows for '{}' (fingerprint {}) is not the one you know for that name (fingerprint {}, in {}); "
                     "someone may be impersonating them. Compare the fingerprint with them in person; if they confirm it, "
                     "run again with --accept-key {}",
                     where, account_name::printable(name), now_fp, pinned_fp, file, now_fp);
}

escrow::Result<escrow::tdh2::PublicKey> load_authority(const std::string& path) {
  auto bytes = files::read(path);
  if (!bytes) return escrow::unexpected(bytes.error());
  return escrow::tdh2::PublicKey::decode(*bytes);
}

// An identity is never replaced: its key is what the provider's account and every correspondent's
// known-keys file hold for the name, so a new one would lock its owner out of the account.
int cmd_new(const std::string& name, const std::string& out, bool json) {
  if (auto ok = account_name::check(name); !ok) return die(ok.error());
  for (const char* ext : {".pub", ".key"})
    if (std::error_code ec; std::filesystem::exists(out + ext, ec) || ec)
      return die({escrow::ErrorCategory::policy_denied, "identity new",
                  fmt::format("{}{} already exists: identity new never replaces an identity (its key is what the provider and "
                              "your correspondents know you by); choose another --out, or move the old files away yourself",
                              out, ext)});
  auto id = identity::generate(name);
  if (!id) return die(id.error());
  if (auto r = identity::save(*id, out); !r) return die(r.error());
  if (json)
    fmt::print("{}\n", nlohmann::json{{"name", name}, {"public", out + ".pub"}, {"secret", out + ".key"},
                                       {"ed25519", escrow::wire::to_hex(id->pub.sign_key)}, {"x25519", escrow::wire::to_hex(id->pub.box_key)},
                                       {"fingerprint", known_keys::fingerprint(id->pub.sign_key)}}
                           .dump());
  else
    fmt::print("identity '{}': public {}.pub, secret {}.key (0600), fingerprint {} (what your correspondents see)\n", name, out, out,
               known_keys::fingerprint(id->pub.sign_key));
  return 0;
}

// An account with the provider: the name this identity's labels carry, bound to its Ed25519 key.
int cmd_register(const std::string& key, const std::string& mailbox_path, bool json) {
  auto me = identity::load(key);
  if (!me) return die(me.error());
  auto box = mailbox::Mailbox::open(mailbox_path);
  if (!box) return die(box.error());
  const mailbox::Account account{me->pub.name, me->pub.sign_key};
  if (auto r = box->register_account(account, mailbox::sign_registration(account, me->sign_secret)); !r) return die(r.error());
  if (json)
    fmt::print("{}\n", nlohmann::json{{"name", account.name}, {"ed25519", escrow::wire::to_hex(account.sign_key)},
                                       {"fingerprint", known_keys::fingerprint(account.sign_key)}}.dump());
  else
    fmt::print("account '{}' registered with the provider (key {}, fingerprint {})\n", account.name, escrow::wire::to_hex(account.sign_key),
               known_keys::fingerprint(account.sign_key));
  return 0;
}

// `no_label_defence` is a test hook (escrow-attacks live --without-label-defence): the deployment
// before SPEC §7.4, whose provider stored whatever a sender handed it. The recipient's .pub file is
// held to the pin in the sender's known keys (SPEC §7.5): a swapped file sends nothing.
int cmd_send(const std::string& key, const std::string& to, const std::string& authority, const std::string& mailbox_path,
             const std::string& message, uint64_t time, const std::string& known_path, const Accepted& accepted,
             bool no_label_defence, bool json) {
  auto me = identity::load(key);
  if (!me) return die(me.error());
  auto them = identity::load_public(to);
  if (!them) return die(them.error());
  if (auto ok = account_name::check(them->name); !ok) {
    auto e = ok.error();
    e.detail = "the recipient in " + to + ": " + e.detail;
    return die(e);
  }
  auto known = known_keys::KnownKeys::load(known_path);
  if (!known) return die(known.error());
  const std::string fp = known_keys::fingerprint(them->sign_key);
  const auto pinned = known->pinned(them->name);
  const auto seen = known->see(them->name, them->sign_key, them->box_key);
  if (seen == known_keys::Seen::changed) {
    // The fingerprint is the Ed25519 key's: a file with the known Ed25519 key and another X25519
    // key was edited, and no fingerprint the user could compare accepts it.
    if (pinned->ed25519 == them->sign_key)
      return die_with({escrow::ErrorCategory::policy_denied, "send",
                       fmt::format("{} has the Ed25519 key you know for '{}' but another X25519 key than the one in {}: the file was "
                                   "edited; get {}'s .pub from them again; nothing was sent",
                                   to, them->name, known_path, them->name)},
                      kExitKeyChanged);
    if (!accepted.has(fp))
      return die_with({escrow::ErrorCategory::policy_denied, "send",
                       key_changed_message(them->name, known_keys::fingerprint(pinned->ed25519), fp, to, known_path) + "; nothing was sent"},
                      kExitKeyChanged);
    known->pin(them->name, them->sign_key, them->box_key);
  }
  auto pk = load_authority(authority);
  if (!pk) return die(pk.error());
  auto box = mailbox::Mailbox::open(mailbox_path);
  if (!box) return die(box.error());
  escrow::SystemRng rng;
  // The label's time is the provider's clock unless given: the deposit holds it to that clock.
  auto clock = box->now();
  if (!clock) return die(clock.error());
  auto label = escrow::SessionLabel::make_bound(me->pub.name, me->pub.sign_key, them->name, time ? time : *clock, rng);
  if (!label) return die(label.error());
  const std::span<const uint8_t> plain(reinterpret_cast<const uint8_t*>(message.data()), message.size());
  auto env = escrow::envelope::seal_signed(*pk, *label, them->box_key, plain, me->sign_secret, rng);
  if (!env) return die(env.error());
  auto id = no_label_defence ? box->deliver(*env) : box->deposit(*env);
  if (!id) {
    auto e = id.error();
    e.detail = "the provider refused the envelope: " + e.detail;
    return die(e);
  }
  // Pinned once the message is out: a refused send changes nothing.
  if (auto r = known->save_if_changed(); !r) return die(r.error());
  const char* trust = seen == known_keys::Seen::first ? "first seen, pinned" : seen == known_keys::Seen::changed ? "changed, accepted" : "known";
  if (json)
    fmt::print("{}\n", nlohmann::json{{"id", *id}, {"session_id", escrow::wire::to_hex(label->session_id)}, {"time", label->time},
                                       {"time_iso", iso_time::format_instant(label->time)}, {"bytes", env->encode().size()}, {"recipient_fingerprint", fp}, {"recipient_key", trust}}.dump());
  else
    fmt::print("sent #{} {} -> {} (key {}, {}) at {} ({} bytes, session {})\n", *id, me->pub.name, them->name, fp, trust, iso_time::format_instant(label->time),
               env->encode().size(), escrow::wire::to_hex(label->session_id));
  return 0;
}

// SPEC §7.4 on the recipient's side: the envelope must be signed by the key the provider's directory
// holds for the label's sender, and the label time must be near when the provider received it.
escrow::Result<void> check_sender(mailbox::Mailbox& box, const mailbox::Stored& m) {
  auto account = box.account(m.label.sender);
  if (!account) return escrow::unexpected(account.error());
  if (!*account) return escrow::fail(escrow::ErrorCategory::policy_denied, "receive", "no account named '" + account_name::printable(m.label.sender) + "'");
  if (!m.arrived) return escrow::fail(escrow::ErrorCategory::policy_denied, "receive", "the provider recorded no arrival time");
  return escrow::envelope::verify_sender(m.envelope, (*account)->sign_key, *m.arrived);
}

// What receive makes of one envelope's sender: the directory check (SPEC §7.4), then the pin of the
// label's key for that name (SPEC §7.5). `refusal` empty: the envelope may be opened.
struct SenderVerdict {
  std::string refusal;
  std::string fingerprint;  ///< of the label's sender key (none: an unsigned, version-1 label)
  std::string trust;        ///< "first seen, pinned", "known", "changed, accepted"
  bool key_changed = false;  ///< refused because the name's pinned key differs
};

SenderVerdict judge_sender(mailbox::Mailbox& box, const mailbox::Stored& m, known_keys::KnownKeys& known, const Accepted& accepted,
                           bool no_label_defence) {
  SenderVerdict v;
  if (m.label.sender_key) v.fingerprint = known_keys::fingerprint(*m.label.sender_key);
  if (no_label_defence) return v;
  if (auto ok = check_sender(box, m); !ok) {
    v.refusal = "sender check: " + ok.error().detail;
    return v;
  }
  // The sender check passed, so the label is signed by its sender_key, the directory's key.
  if (!m.label.sender_key) {
    v.refusal = "sender check: the label carries no sender key";
    return v;
  }
  const auto pinned = known.pinned(m.label.sender);
  switch (known.see(m.label.sender, *m.label.sender_key)) {
    case known_keys::Seen::first: v.trust = "first seen, pinned"; break;
    case known_keys::Seen::known: v.trust = "known"; break;
    case known_keys::Seen::changed:
      if (accepted.has(v.fingerprint)) {
        known.pin(m.label.sender, *m.label.sender_key);
        v.trust = "changed, accepted";
      } else {
        v.key_changed = true;
        v.refusal = key_changed_message(m.label.sender, known_keys::fingerprint(pinned->ed25519), v.fingerprint,
                                        "the provider's directory", known.path());
      }
      break;
  }
  return v;
}

// Names print through account_name::printable: a look-alike from before the rule (a space, a
// Cyrillic letter, a zero-width character) shows its bytes, and is marked.
std::string shown_name(const std::string& name) {
  return account_name::valid(name) ? name : account_name::printable(name) + " [not a valid account name]";
}

int cmd_receive(const std::string& key, const std::string& authority, const std::string& mailbox_path, const std::string& known_path,
                const Accepted& accepted, bool no_label_defence, bool json) {
  auto me = identity::load(key);
  if (!me) return die(me.error());
  auto pk = load_authority(authority);
  if (!pk) return die(pk.error());
  auto known = known_keys::KnownKeys::load(known_path);
  if (!known) return die(known.error());
  auto box = mailbox::Mailbox::open(mailbox_path);
  if (!box) return die(box.error());
  std::vector<mailbox::Damaged> damaged;
  auto mine = box->for_recipient(me->pub.name, &damaged);
  if (!mine) return die(mine.error());
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::string> changed;  // one loud line per name, after the messages
  for (const auto& m : *mine) {
    // The sender checks first: an envelope from an unauthenticated or re-keyed sender is not opened.
    const auto v = judge_sender(*box, m, *known, accepted, no_label_defence);
    if (v.key_changed && std::find(changed.begin(), changed.end(), v.refusal) == changed.end()) changed.push_back(v.refusal);
    auto plain = v.refusal.empty() ? escrow::envelope::open(*pk, m.envelope, me->pub.box_key, me->box_secret)
                                   : escrow::Result<escrow::SecureBytes>(escrow::unexpected(escrow::Error{}));
    const std::string text = plain ? std::string(plain->begin(), plain->end()) : "";
    const std::string why = plain ? "" : (v.refusal.empty() ? plain.error().detail : v.refusal);
    const std::string from = shown_name(m.label.sender);
    const std::string key_note = v.fingerprint.empty() ? "" : fmt::format(" (key {}{})", v.fingerprint, v.trust.empty() ? "" : ", " + v.trust);
    if (json) {
      nlohmann::json e = {{"id", m.id}, {"from", account_name::printable(m.label.sender)}, {"time", m.label.time},
                          {"time_iso", iso_time::format_instant(m.label.time)}, {"opened", plain.has_value()}, {"text", text}};
      if (!account_name::valid(m.label.sender)) e["from_valid_account_name"] = false;
      if (!v.fingerprint.empty()) e["sender_fingerprint"] = v.fingerprint;
      if (!v.trust.empty()) e["sender_key"] = v.trust;
      if (v.key_changed) e["sender_key"] = "changed, refused";
      if (!plain) e["refused"] = why;
      out.push_back(std::move(e));
    } else if (plain) {
      // The sender chose the text: a terminal's control sequences in it are shown, not obeyed.
      fmt::print("#{} from {}{} at {}: {}\n", m.id, from, key_note, iso_time::format_instant(m.label.time), terminal_text::shown(text));
    } else {
      fmt::print("#{} from {}{} at {}: REFUSED ({})\n", m.id, from, key_note, iso_time::format_instant(m.label.time), why);
    }
  }
  // Pins learnt even when another sender's key changed: each name is judged on its own.
  if (auto r = known->save_if_changed(); !r) return die(r.error());
  if (json) {
    // A damaged row is one more entry, not opened, with why: the array stays what it was.
    for (const auto& d : damaged) out.push_back({{"id", d.id}, {"opened", false}, {"damaged", true}, {"reason", d.reason}});
    // Invalid UTF-8 in a message's text is replaced, not thrown on (a sender chooses those bytes).
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else if (!damaged.empty()) {
    fmt::print("{} envelope(s) addressed to you do not parse and were skipped:", damaged.size());
    for (const auto& d : damaged) fmt::print(" #{}", d.id);
    fmt::print("\n");
  }
  for (const auto& c : changed) fmt::print(stderr, "WARNING: {}\n", c);
  return changed.empty() ? 0 : kExitKeyChanged;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Doormat messaging client: every session key is escrowed to the authority"};
  app.require_subcommand(1);

  std::string name, out, key, to, authority, mailbox_path, message;
  uint64_t time = 0;
  bool json = false, no_label_defence = false;
  std::string known_path;
  Accepted accepted;

  auto* ident = app.add_subcommand("identity", "manage identities")->require_subcommand(1);
  auto* make = ident->add_subcommand("new", "create an X25519 + Ed25519 identity");
  make->add_option("--name", name, "your account name, as session labels and warrants carry it: 1 to 64 of a-z 0-9 . - _, "
                                  "starting with a letter or a digit")->required();
  make->add_option("--out", out, "path prefix: writes PREFIX.pub and PREFIX.key (never over existing ones)")->required();
  make->add_flag("--json", json, "print the result as JSON");

  auto* reg = app.add_subcommand("register", "open an account with the provider: your name, bound to your Ed25519 key");
  reg->add_option("--identity", key, "your .key file")->required()->check(CLI::ExistingFile)->envname("DOORMAT_IDENTITY");
  reg->add_option("--mailbox", mailbox_path, "the provider's mailbox database")->required()->envname("DOORMAT_MAILBOX");
  reg->add_flag("--json", json, "print the result as JSON");

  auto* send = app.add_subcommand("send", "seal a message to a recipient and deliver it to the provider's mailbox");
  send->add_option("--identity", key, "your .key file")->required()->check(CLI::ExistingFile)->envname("DOORMAT_IDENTITY");
  send->add_option("--to", to, "the recipient's .pub file")->required()->check(CLI::ExistingFile);
  send->add_option("--authority", authority, "the escrow authority's public key file")->required()->check(CLI::ExistingFile)->envname("DOORMAT_AUTHORITY");
  send->add_option("--mailbox", mailbox_path, "the provider's mailbox database")->required()->envname("DOORMAT_MAILBOX");
  send->add_option("--message", message, "the text to send; - reads it from standard input")->required();
  send->add_option("--time", time, "the session time to put in the label, ISO 8601 (2026-12-01T10:00:00Z) or Unix seconds "
                                   "(default: the provider's clock)")
      ->transform(doormat::command_line::instant());
  send->add_option("--known-keys", known_path, "your known keys (default: beside --identity, PREFIX.known-keys.json)")->envname("DOORMAT_KNOWN_KEYS");
  send->add_option("--accept-key", accepted.fingerprints, "accept this new key fingerprint for the recipient's name (after checking it with them)");
  send->add_flag("--json", json, "print the result as JSON");
  send->add_flag("--no-label-defence", no_label_defence,
                 "test hook: deliver without the provider's deposit check (the deployment before SPEC 7.4)")->group("Test hooks");

  auto* recv = app.add_subcommand("receive", "open every message addressed to you, checking each escrow field");
  recv->add_option("--identity", key, "your .key file")->required()->check(CLI::ExistingFile)->envname("DOORMAT_IDENTITY");
  recv->add_option("--authority", authority, "the escrow authority's public key file")->required()->check(CLI::ExistingFile)->envname("DOORMAT_AUTHORITY");
  recv->add_option("--mailbox", mailbox_path, "the provider's mailbox database")->required()->check(CLI::ExistingFile)->envname("DOORMAT_MAILBOX");
  recv->add_option("--known-keys", known_path, "your known keys (default: beside --identity, PREFIX.known-keys.json)")->envname("DOORMAT_KNOWN_KEYS");
  recv->add_option("--accept-key", accepted.fingerprints, "accept this new key fingerprint for the sender's name (after checking it with them)");
  recv->add_flag("--json", json, "print the messages as JSON");
  recv->add_flag("--no-label-defence", no_label_defence,
                 "test hook: open without the sender check (the recipient before SPEC 7.4)")->group("Test hooks");

  app.set_version_flag("--version", std::string("escrow-client (Doormat) ") + DOORMAT_VERSION);

  // Usage errors exit 2 (the README's table), --help and --version 0.
  if (auto exit = doormat::command_line::parse(app, argc, argv)) return *exit;
  json_errors = json;
  if (*make) return cmd_new(name, out, json);
  if (*reg) return cmd_register(key, mailbox_path, json);
  if (*send && message == "-") message.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  if (known_path.empty()) known_path = default_known_keys(key);
  if (*send) return cmd_send(key, to, authority, mailbox_path, message, time, known_path, accepted, no_label_defence, json);
  if (*recv) return cmd_receive(key, authority, mailbox_path, known_path, accepted, no_label_defence, json);
  return 0;
}
