// escrow-client: a messaging user's side. Identities, sending a message whose session key is
// escrowed to the authority (SPEC §7.1), receiving with the recipient check (SPEC §7.3).
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

int cmd_send(const std::string& key, const std::string& to, const std::string& authority, const std::string& mailbox_path,
             const std::string& message, uint64_t time, bool json) {
  auto me = identity::load(key);
  if (!me) return die(me.error());
  auto them = identity::load_public(to);
  if (!them) return die(them.error());
  auto pk = load_authority(authority);
  if (!pk) return die(pk.error());
  auto box = mailbox::Mailbox::open(mailbox_path);
  if (!box) return die(box.error());
  escrow::SystemRng rng;
  auto label = escrow::SessionLabel::make(me->pub.name, them->name, time ? time : static_cast<uint64_t>(std::time(nullptr)), rng);
  if (!label) return die(label.error());
  const std::span<const uint8_t> plain(reinterpret_cast<const uint8_t*>(message.data()), message.size());
  auto env = escrow::envelope::seal(*pk, *label, them->box_key, plain, rng);
  if (!env) return die(env.error());
  auto id = box->deliver(*env);
  if (!id) return die(id.error());
  if (json)
    fmt::print("{}\n", nlohmann::json{{"id", *id}, {"session_id", escrow::wire::to_hex(label->session_id)}, {"time", label->time},
                                       {"bytes", env->encode().size()}}.dump());
  else
    fmt::print("sent #{} {} -> {} at {} ({} bytes, session {})\n", *id, me->pub.name, them->name, label->time,
               env->encode().size(), escrow::wire::to_hex(label->session_id));
  return 0;
}

int cmd_receive(const std::string& key, const std::string& authority, const std::string& mailbox_path, bool json) {
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
    auto plain = escrow::envelope::open(*pk, m.envelope, me->pub.box_key, me->box_secret);
    const std::string text = plain ? std::string(plain->begin(), plain->end()) : "";
    if (json) {
      out.push_back({{"id", m.id}, {"from", m.label.sender}, {"time", m.label.time}, {"opened", plain.has_value()},
                     {"text", text}});
    } else if (plain) {
      fmt::print("#{} from {} at {}: {}\n", m.id, m.label.sender, m.label.time, text);
    } else {
      fmt::print("#{} from {} at {}: REFUSED ({})\n", m.id, m.label.sender, m.label.time, plain.error().message());
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
  bool json = false;

  auto* ident = app.add_subcommand("identity", "manage identities")->require_subcommand(1);
  auto* make = ident->add_subcommand("new", "create an X25519 + Ed25519 identity");
  make->add_option("--name", name, "the identity's name, as it appears in session labels")->required();
  make->add_option("--out", out, "path prefix: writes PREFIX.pub and PREFIX.key")->required();
  make->add_flag("--json", json, "print the result as JSON");

  auto* send = app.add_subcommand("send", "seal a message to a recipient and deliver it to the provider's mailbox");
  send->add_option("--identity", key, "your .key file")->required()->check(CLI::ExistingFile);
  send->add_option("--to", to, "the recipient's .pub file")->required()->check(CLI::ExistingFile);
  send->add_option("--authority", authority, "the escrow authority's public key file")->required()->check(CLI::ExistingFile);
  send->add_option("--mailbox", mailbox_path, "the provider's mailbox database")->required();
  send->add_option("--message", message, "the text to send; - reads it from standard input")->required();
  send->add_option("--time", time, "the session time to put in the label (default: now)");
  send->add_flag("--json", json, "print the result as JSON");

  auto* recv = app.add_subcommand("receive", "open every message addressed to you, checking each escrow field");
  recv->add_option("--identity", key, "your .key file")->required()->check(CLI::ExistingFile);
  recv->add_option("--authority", authority, "the escrow authority's public key file")->required()->check(CLI::ExistingFile);
  recv->add_option("--mailbox", mailbox_path, "the provider's mailbox database")->required()->check(CLI::ExistingFile);
  recv->add_flag("--json", json, "print the messages as JSON");

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
  if (*send && message == "-") message.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  if (*send) return cmd_send(key, to, authority, mailbox_path, message, time, json);
  if (*recv) return cmd_receive(key, authority, mailbox_path, json);
  return 0;
}
