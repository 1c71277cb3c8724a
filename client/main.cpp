// escrow-client: a messaging user's side. Identities, an account with the provider, sending a
// signed message whose session key is escrowed to the authority (SPEC §7.1, §7.4), receiving with
// the recipient checks (SPEC §7.3, §7.4).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <ctime>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "escrow/envelope.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"
#include "identity.hpp"
#include "mailbox.hpp"

namespace {
using namespace doormat;

bool json_errors = false;  // --json on the command line: errors also as {"error": {"code", "message"}}

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

escrow::Result<escrow::tdh2::PublicKey> load_authority(const std::string& path) {
  auto bytes = files::read(path);
  if (!bytes) return escrow::unexpected(bytes.error());
  return escrow::tdh2::PublicKey::decode(*bytes);
}

int cmd_new(const std::string& name, const std::string& out, bool json) {
  auto id = identity::generate(name);
  if (!id) return die(id.error());
  if (auto r = identity::save(*id, out); !r) return die(r.error());
  if (json)
    fmt::print("{}\n", nlohmann::json{{"name", name}, {"public", out + ".pub"}, {"secret", out + ".key"},
                                       {"ed25519", escrow::wire::to_hex(id->pub.sign_key)}, {"x25519", escrow::wire::to_hex(id->pub.box_key)}}
                           .dump());
  else
    fmt::print("identity '{}': public {}.pub, secret {}.key (0600)\n", name, out, out);
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
    fmt::print("{}\n", nlohmann::json{{"name", account.name}, {"ed25519", escrow::wire::to_hex(account.sign_key)}}.dump());
  else
    fmt::print("account '{}' registered with the provider (key {})\n", account.name, escrow::wire::to_hex(account.sign_key));
  return 0;
}

// `no_label_defence` is a test hook (escrow-attacks live --without-label-defence): the deployment
// before SPEC §7.4, whose provider stored whatever a sender handed it.
int cmd_send(const std::string& key, const std::string& to, const std::string& authority, const std::string& mailbox_path,
             const std::string& message, uint64_t time, bool no_label_defence, bool json) {
  auto me = identity::load(key);
  if (!me) return die(me.error());
  auto them = identity::load_public(to);
  if (!them) return die(them.error());
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
  if (json)
    fmt::print("{}\n", nlohmann::json{{"id", *id}, {"session_id", escrow::wire::to_hex(label->session_id)}, {"time", label->time},
                                       {"bytes", env->encode().size()}}.dump());
  else
    fmt::print("sent #{} {} -> {} at {} ({} bytes, session {})\n", *id, me->pub.name, them->name, label->time,
               env->encode().size(), escrow::wire::to_hex(label->session_id));
  return 0;
}

// SPEC §7.4 on the recipient's side: the envelope must be signed by the key the provider's directory
// holds for the label's sender, and the label time must be near when the provider received it.
escrow::Result<void> check_sender(mailbox::Mailbox& box, const mailbox::Stored& m) {
  auto account = box.account(m.label.sender);
  if (!account) return escrow::unexpected(account.error());
  if (!*account) return escrow::fail(escrow::ErrorCategory::policy_denied, "receive", "no account named '" + m.label.sender + "'");
  if (!m.arrived) return escrow::fail(escrow::ErrorCategory::policy_denied, "receive", "the provider recorded no arrival time");
  return escrow::envelope::verify_sender(m.envelope, (*account)->sign_key, *m.arrived);
}

int cmd_receive(const std::string& key, const std::string& authority, const std::string& mailbox_path, bool no_label_defence, bool json) {
  auto me = identity::load(key);
  if (!me) return die(me.error());
  auto pk = load_authority(authority);
  if (!pk) return die(pk.error());
  auto box = mailbox::Mailbox::open(mailbox_path);
  if (!box) return die(box.error());
  std::vector<mailbox::Damaged> damaged;
  auto mine = box->for_recipient(me->pub.name, &damaged);
  if (!mine) return die(mine.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : *mine) {
    // The sender check first: an envelope from an unauthenticated sender is not opened at all.
    auto sender = no_label_defence ? escrow::Result<void>() : check_sender(*box, m);
    auto plain = sender ? escrow::envelope::open(*pk, m.envelope, me->pub.box_key, me->box_secret)
                        : escrow::Result<escrow::SecureBytes>(escrow::unexpected(sender.error()));
    const std::string text = plain ? std::string(plain->begin(), plain->end()) : "";
    const std::string why = plain ? "" : (sender ? plain.error().detail : "sender check: " + sender.error().detail);
    if (json) {
      nlohmann::json e = {{"id", m.id}, {"from", m.label.sender}, {"time", m.label.time}, {"opened", plain.has_value()}, {"text", text}};
      if (!plain) e["refused"] = why;
      out.push_back(std::move(e));
    } else if (plain) {
      fmt::print("#{} from {} at {}: {}\n", m.id, m.label.sender, m.label.time, text);
    } else {
      fmt::print("#{} from {} at {}: REFUSED ({})\n", m.id, m.label.sender, m.label.time, why);
    }
  }
  if (json) {
    // A damaged row is one more entry, not opened, with why: the array stays what it was.
    for (const auto& d : damaged) out.push_back({{"id", d.id}, {"opened", false}, {"damaged", true}, {"reason", d.reason}});
    fmt::print("{}\n", out.dump(2));
  } else if (!damaged.empty()) {
    fmt::print("{} envelope(s) addressed to you do not parse and were skipped:", damaged.size());
    for (const auto& d : damaged) fmt::print(" #{}", d.id);
    fmt::print("\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Doormat messaging client: every session key is escrowed to the authority"};
  app.require_subcommand(1);

  std::string name, out, key, to, authority, mailbox_path, message;
  uint64_t time = 0;
  bool json = false, no_label_defence = false;

  auto* ident = app.add_subcommand("identity", "manage identities")->require_subcommand(1);
  auto* make = ident->add_subcommand("new", "create an X25519 + Ed25519 identity");
  make->add_option("--name", name, "the identity's name, as it appears in session labels")->required();
  make->add_option("--out", out, "path prefix: writes PREFIX.pub and PREFIX.key")->required();
  make->add_flag("--json", json, "print the result as JSON");

  auto* reg = app.add_subcommand("register", "open an account with the provider: your name, bound to your Ed25519 key");
  reg->add_option("--identity", key, "your .key file")->required()->check(CLI::ExistingFile);
  reg->add_option("--mailbox", mailbox_path, "the provider's mailbox database")->required();
  reg->add_flag("--json", json, "print the result as JSON");

  auto* send = app.add_subcommand("send", "seal a message to a recipient and deliver it to the provider's mailbox");
  send->add_option("--identity", key, "your .key file")->required()->check(CLI::ExistingFile);
  send->add_option("--to", to, "the recipient's .pub file")->required()->check(CLI::ExistingFile);
  send->add_option("--authority", authority, "the escrow authority's public key file")->required()->check(CLI::ExistingFile);
  send->add_option("--mailbox", mailbox_path, "the provider's mailbox database")->required();
  send->add_option("--message", message, "the text to send; - reads it from standard input")->required();
  send->add_option("--time", time, "the session time to put in the label (default: the provider's clock)");
  send->add_flag("--json", json, "print the result as JSON");
  send->add_flag("--no-label-defence", no_label_defence,
                 "test hook: deliver without the provider's deposit check (the deployment before SPEC 7.4)")->group("Test hooks");

  auto* recv = app.add_subcommand("receive", "open every message addressed to you, checking each escrow field");
  recv->add_option("--identity", key, "your .key file")->required()->check(CLI::ExistingFile);
  recv->add_option("--authority", authority, "the escrow authority's public key file")->required()->check(CLI::ExistingFile);
  recv->add_option("--mailbox", mailbox_path, "the provider's mailbox database")->required()->check(CLI::ExistingFile);
  recv->add_flag("--json", json, "print the messages as JSON");
  recv->add_flag("--no-label-defence", no_label_defence,
                 "test hook: open without the sender check (the recipient before SPEC 7.4)")->group("Test hooks");

  app.set_version_flag("--version", std::string("escrow-client (Doormat) ") + DOORMAT_VERSION);

  // Usage errors exit 2 (the README's table), --help and --version 0.
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  json_errors = json;
  if (*make) return cmd_new(name, out, json);
  if (*reg) return cmd_register(key, mailbox_path, json);
  if (*send && message == "-") message.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  if (*send) return cmd_send(key, to, authority, mailbox_path, message, time, no_label_defence, json);
  if (*recv) return cmd_receive(key, authority, mailbox_path, no_label_defence, json);
  return 0;
}
