// `escrow-authority inspect FILE`: what a file the tools wrote is, and what it says, without its
// secrets (issue 16). It reads every file either program writes (the client's identities and
// known keys too: their decoders are app/'s, which this program links), so there is one inspector.
//
// The kind comes from the content, never the name: a wire header (SPEC §3: "DRMT", version, type),
// a PEM label, a Doormat JSON format key, the warrant register's version-1 lines. Each kind is then
// read by the decoder the commands that use it call (tdh2::PublicKey::decode, identity::load, ...),
// so inspect accepts exactly what they accept and names the same damage.
//
// Secrets: a key share's x_i, an identity's secret halves and a PKCS#8 private key are read (to
// recognise and check them) and never printed; what is shown of a share is its public Y_i = x_i G.
#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "account_name.hpp"
#include "commands.hpp"
#include "directory.hpp"
#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/pki.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/warrant.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"
#include "fingerprint.hpp"
#include "identity.hpp"
#include "iso_time.hpp"
#include "known_keys.hpp"
#include "warrant_register.hpp"

namespace doormat::authority {
using escrow::ErrorCategory;
using escrow::Result;
using escrow::wire::to_hex;
using Fields = nlohmann::ordered_json;

namespace {

/// What inspect found: a kind (a stable code for --json, a phrase for people) and its fields, in
/// the order they print.
struct Description {
  std::string kind;
  std::string what;
  Fields fields = Fields::object();
};

Result<Description> refuse(const std::string& path, const std::string& why) {
  return escrow::fail(ErrorCategory::malformed, "inspect", path + ": " + why);
}

// Free text from a file (a case reference, a court, a certificate's name) may hold any byte but
// controls: shown as account_name::printable does, except that a space stays a space.
std::string shown(std::string_view text) {
  std::string out;
  for (std::size_t start = 0; start <= text.size();) {
    const auto space = std::min(text.find(' ', start), text.size());
    out += account_name::printable(text.substr(start, space - start));
    if (space < text.size()) out += ' ';
    start = space + 1;
  }
  return out;
}

Fields names(const std::vector<std::string>& list) {
  Fields out = Fields::array();
  for (const auto& n : list) out.push_back(account_name::printable(n));
  return out;
}

void put_time(Fields& f, const std::string& name, uint64_t seconds) {
  f[name] = seconds;
  f[name + "_iso"] = iso_time::format_instant(seconds);
}

// ---- wire objects (SPEC §3) ----

Result<Description> authority_key(const std::string& path, std::span<const uint8_t> bytes) {
  auto pk = escrow::tdh2::PublicKey::decode(bytes);
  if (!pk) return refuse(path, "an authority public key that does not decode: " + user_message(pk.error()));
  Description d{"authority_public_key", "the authority's public key (TDH2, SPEC §5.1)"};
  d.fields["fingerprint"] = fingerprint::authority(pk->y);
  d.fields["y"] = to_hex(pk->y.to_bytes());
  d.fields["k"] = pk->k;
  d.fields["n"] = pk->n;
  d.fields["epoch"] = pk->epoch;
  d.fields["verification_keys"] = pk->verification_keys.size();
  return d;
}

Result<Description> key_share(const std::string& path, std::span<const uint8_t> bytes, const std::string& authority_path) {
  auto share = escrow::tdh2::KeyShare::decode(bytes);
  if (!share) return refuse(path, "a trustee's key share that does not decode: " + user_message(share.error()));
  // The public half of the share, what authority.pub lists as Y_i: shown so the two can be matched.
  const auto y_i = escrow::group::Point::base_mul(share->expose_secret());
  Description d{"key_share", "a trustee's key share (secret: the share x_i is not shown)"};
  d.fields["trustee"] = share->index().value();
  d.fields["epoch"] = share->epoch();
  d.fields["verification_key"] = to_hex(y_i.to_bytes());
  d.fields["secret"] = "not shown";
  if (authority_path.empty()) {
    d.fields["k_and_n"] = "not in a share file: give the authority's key with --authority to check the share against it";
    return d;
  }
  auto pk_bytes = files::read(authority_path);
  if (!pk_bytes) return escrow::unexpected(pk_bytes.error());
  auto pk = escrow::tdh2::PublicKey::decode(*pk_bytes);
  if (!pk) return refuse(authority_path, "an authority public key that does not decode: " + user_message(pk.error()));
  d.fields["authority_fingerprint"] = fingerprint::authority(pk->y);
  d.fields["k"] = pk->k;
  d.fields["n"] = pk->n;
  const bool in_range = share->index().value() <= pk->n;
  const bool same_epoch = share->epoch() == pk->epoch;
  const bool same_key = in_range && pk->verification_key(share->index()) == y_i;
  d.fields["matches_authority"] = in_range && same_epoch && same_key;
  d.fields["authority_check"] = !in_range     ? fmt::format("trustee {} is not among the authority's {}", share->index().value(), pk->n)
                                : !same_epoch ? fmt::format("epoch {} is not the authority's epoch {}", share->epoch(), pk->epoch)
                                : !same_key   ? fmt::format("x_i G is not the authority's Y_{}", share->index().value())
                                              : fmt::format("x_i G is the authority's Y_{}, epoch {}", share->index().value(), pk->epoch);
  return d;
}

Result<Description> signed_warrant(const std::string& path, std::span<const uint8_t> bytes) {
  auto sw = escrow::warrant::SignedWarrant::decode(bytes);
  if (!sw) return refuse(path, "a signed warrant that does not decode: " + user_message(sw.error()));
  const auto& w = sw->warrant;
  Description d{"signed_warrant", "a signed warrant (SPEC §10.2); signatures not verified here: `court show --dir COURT` does"};
  d.fields["id"] = to_hex(w.id);
  d.fields["hash"] = to_hex(sw->hash());  // the name a trustee's log and `audit` give it
  d.fields["case"] = shown(w.case_reference);
  d.fields["court"] = shown(w.court);
  d.fields["targets"] = names(w.targets);
  d.fields["window"] = {w.window_start, w.window_end};
  d.fields["window_iso"] = {iso_time::format_instant(w.window_start), iso_time::format_instant(w.window_end)};
  d.fields["max_sessions"] = w.max_sessions;
  put_time(d.fields, "not_after", w.not_after);
  d.fields["agency_x25519"] = to_hex(w.agency_box_key);
  d.fields["agency_ed25519"] = to_hex(w.agency_sign_key);
  d.fields["signatures"] = sw->signatures.size();
  Fields judges = Fields::array();
  for (const auto& sig : sw->signatures) {
    auto cert = escrow::pki::describe_certificate(sig.certificate_der);
    if (!cert) return refuse(path, "a judge's certificate in the warrant does not parse: " + user_message(cert.error()));
    judges.push_back({{"name", shown(cert->subject)}, {"issuer", shown(cert->issuer)}, {"fingerprint", cert->fingerprint}});
  }
  d.fields["judges"] = std::move(judges);
  return d;
}

// ---- PEM (the court's folder) ----

Result<Description> certificate(const std::string& path, const std::string& pem) {
  auto der = escrow::pki::pem_to_der(pem);
  if (!der) return refuse(path, "a certificate that does not parse: " + user_message(der.error()));
  auto cert = escrow::pki::describe_certificate(*der);
  if (!cert) return refuse(path, "a certificate that does not parse: " + user_message(cert.error()));
  Description d{cert->is_ca ? "root_certificate" : "certificate",
                cert->is_ca ? "a judicial root certificate (court init; give it to every trustee)"
                            : "a certificate (court appoint: a judge's), not checked against a root here"};
  d.fields["subject"] = shown(cert->subject);
  d.fields["issuer"] = shown(cert->issuer);
  d.fields["ca"] = cert->is_ca;
  put_time(d.fields, "not_before", cert->not_before);
  put_time(d.fields, "not_after", cert->not_after);
  d.fields["fingerprint"] = cert->fingerprint;
  return d;
}

Result<Description> crl(const std::string& path, const std::string& pem) {
  auto info = escrow::pki::describe_crl(pem);
  if (!info) return refuse(path, "a CRL that does not parse: " + user_message(info.error()));
  Description d{"crl", "a certificate revocation list (court init / revoke / crl), its signature not checked here"};
  d.fields["issuer"] = shown(info->issuer);
  d.fields["crl_number"] = info->number;
  put_time(d.fields, "this_update", info->this_update);
  put_time(d.fields, "next_update", info->next_update);
  d.fields["revoked"] = info->revoked;
  return d;
}

// ---- JSON files ----

Fields identity_fields(const identity::Public& p) {
  Fields f = Fields::object();
  f["name"] = account_name::printable(p.name);
  f["x25519"] = to_hex(p.box_key);
  f["ed25519"] = to_hex(p.sign_key);
  f["fingerprint"] = known_keys::fingerprint(p.sign_key);  // what correspondents see (SPEC §7.5)
  return f;
}

Result<Description> identity_file(const std::string& path, bool has_secrets) {
  Description d;
  if (has_secrets) {
    // load() checks that the secret halves belong to the public ones, as every command that signs does.
    auto id = identity::load(path);
    if (!id) return refuse(path, "an identity's secret key file that does not load: " + user_message(id.error()));
    d = {"identity_secret", "an identity's secret key file (identity new / agency new / operator new; 0600; secrets not shown)",
         identity_fields(id->pub)};
    d.fields["secret"] = "not shown";
  } else {
    auto pub = identity::load_public(path);
    if (!pub) return refuse(path, "an identity's public file that does not load: " + user_message(pub.error()));
    d = {"identity_public", "an identity's public keys (identity new / agency new / operator new)", identity_fields(*pub)};
  }
  return d;
}

Result<Description> known_keys_file(const std::string& path) {
  auto known = known_keys::KnownKeys::load(path);
  if (!known) return escrow::unexpected(known.error());  // names the file already
  Description d{"known_keys", "a user's known keys (SPEC §7.5: each correspondent's key, pinned on first use)"};
  Fields keys = Fields::array();
  for (const auto& e : known->entries()) {
    Fields k = {{"name", account_name::printable(e.name)}, {"fingerprint", known_keys::fingerprint(e.ed25519)},
                {"ed25519", to_hex(e.ed25519)}};
    if (e.x25519) k["x25519"] = to_hex(*e.x25519);
    keys.push_back(std::move(k));
  }
  d.fields["count"] = keys.size();
  d.fields["keys"] = std::move(keys);
  return d;
}

Result<Description> directory_file(const std::string& path) {
  auto entries = load_directory(path);
  if (!entries) return refuse(path, "a trustee directory that does not load: " + user_message(entries.error()));
  Description d{"trustee_directory", "a trustee directory (enroll): each trustee's URL and keys"};
  Fields trustees = Fields::array();
  for (const auto& e : *entries)
    trustees.push_back({{"trustee", e.index}, {"url", shown(e.url)}, {"ed25519", to_hex(e.sign_key)}, {"x25519", to_hex(e.box_key)}});
  d.fields["count"] = trustees.size();
  d.fields["trustees"] = std::move(trustees);
  return d;
}

Result<Description> register_file(const std::string& path) {
  auto entries = warrant_register::load(path);
  if (!entries) return refuse(path, "a warrant register that does not load: " + user_message(entries.error()));
  Description d{"warrant_register", "a court's register of issued warrants (SPEC §10.7)"};
  Fields warrants = Fields::array();
  for (const auto& e : *entries) {
    Fields w = {{"hash", to_hex(e.hash)}, {"case", shown(e.case_reference)}, {"targets", names(e.targets)}};
    put_time(w, "issued_at", e.issued_at);
    warrants.push_back(std::move(w));
  }
  d.fields["count"] = warrants.size();
  d.fields["warrants"] = std::move(warrants);
  return d;
}

bool starts_with(std::span<const uint8_t> bytes, std::string_view prefix) {
  return bytes.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

struct WipeOnExit {
  std::string& text;
  ~WipeOnExit() { sodium_memzero(text.data(), text.size()); }
};

// A JSON document's top level, with every "..._secret" member dropped while it is parsed: the
// document the kind is decided on keeps no copy of an identity's secrets. (identity::load, which
// then checks them, keeps them in Secret<>; its own JSON document and the parser's token buffer
// are not wiped, as in every command that loads a .key.)
struct JsonShape {
  Fields top;
  bool has_secrets = false;
};
JsonShape json_shape(const std::string& text) {
  JsonShape shape;
  auto drop_secrets = [&shape](int depth, Fields::parse_event_t event, Fields& parsed) {
    if (event == Fields::parse_event_t::key && depth == 1 && parsed.is_string() && parsed.get<std::string>().ends_with("_secret")) {
      shape.has_secrets = true;
      return false;
    }
    return true;
  };
  shape.top = Fields::parse(text, drop_secrets, /*allow_exceptions=*/false);
  return shape;
}

Result<Description> describe(const std::string& path, const std::string& authority_path) {
  auto read = files::read(path);
  if (!read) return escrow::unexpected(read.error());
  // The file may be a key share or a secret key: its bytes are wiped when inspect is done with them.
  const escrow::SecureBytes bytes(read->begin(), read->end());
  sodium_memzero(read->data(), read->size());
  std::string text(bytes.begin(), bytes.end());
  const WipeOnExit wipe_text{text};

  using escrow::wire::ObjectType;
  if (starts_with(bytes, "DRMT") && bytes.size() >= 6) {
    switch (static_cast<ObjectType>(bytes[5])) {
      case ObjectType::tdh2_public_key: return authority_key(path, bytes);
      case ObjectType::tdh2_key_share: return key_share(path, bytes, authority_path);
      case ObjectType::signed_warrant: return signed_warrant(path, bytes);
      default:
        return refuse(path, fmt::format("a Doormat wire object of type 0x{:02x} (SPEC §3), which no command writes to a file "
                                        "and inspect does not show",
                                        bytes[5]));
    }
  }
  if (starts_with(bytes, "-----BEGIN CERTIFICATE-----")) return certificate(path, text);
  if (starts_with(bytes, "-----BEGIN X509 CRL-----")) return crl(path, text);
  if (starts_with(bytes, "-----BEGIN PRIVATE KEY-----"))
  {
    Description d{"private_key", "a PKCS#8 private key (court init / appoint: the root's or a judge's; 0600; not shown)"};
    d.fields["secret"] = "not shown";
    return d;
  }
  if (starts_with(bytes, std::string_view("SQLite format 3\0", 16)))
    return refuse(path, "a SQLite database (a trustee's store or a provider mailbox); inspect reads files, not databases");

  auto shape = json_shape(text);
  if (shape.top.is_object() && shape.top.contains("format") && shape.top["format"].is_string()) {
    const auto format = shape.top["format"].get<std::string>();
    if (format == "doormat-identity-v1") return identity_file(path, shape.has_secrets);
    if (format == "doormat-known-keys-v1") return known_keys_file(path);
    return refuse(path, "a JSON file of format '" + shown(format) + "', which is not one Doormat writes");
  }
  if (shape.top.is_array() && !shape.top.empty() && shape.top[0].is_object() && shape.top[0].contains("trustee") &&
      shape.top[0].contains("url"))
    return directory_file(path);
  // The register is JSON lines: its first line is a version-1 entry.
  const auto first_line = Fields::parse(text.substr(0, text.find('\n')), nullptr, false);
  if (first_line.is_object() && first_line.contains("v") && first_line.contains("hash")) return register_file(path);
  return refuse(path, "not a file Doormat writes (no wire header, PEM label or Doormat JSON format)");
}

// Text: one line naming the kind, then a line per field, a list of objects one item a line. Times
// show in ISO 8601 alone (the seconds beside them are for --json, as in `court show`).
std::string value_text(const std::string& key, const Fields& v) {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_array()) return v.dump();
  if (v.empty()) return "(none)";
  std::vector<std::string> parts;
  for (const auto& e : v) parts.push_back(value_text(key, e));
  return fmt::format("{}", fmt::join(parts, key == "window_iso" ? " .. " : ", "));
}

bool list_of_objects(const Fields& v) { return v.is_array() && !v.empty() && v[0].is_object(); }

/// `x_iso` printed as `x`, and `x` (its seconds) dropped beside it.
bool shown_in_text(const Fields& object, const std::string& key) { return !object.contains(key + "_iso"); }
std::string text_name(const std::string& key) { return key.ends_with("_iso") ? key.substr(0, key.size() - 4) : key; }

void print_text(const std::string& path, const Description& d) {
  fmt::print("{}: {}\n", path, d.what);
  for (const auto& [key, value] : d.fields.items()) {
    if (!shown_in_text(d.fields, key)) continue;
    if (!list_of_objects(value)) {
      fmt::print("  {}: {}\n", text_name(key), value_text(key, value));
      continue;
    }
    fmt::print("  {}:\n", key);
    for (const auto& item : value) {
      std::vector<std::string> parts;
      for (const auto& [k, v] : item.items())
        if (shown_in_text(item, k)) parts.push_back(text_name(k) + ": " + value_text(k, v));
      fmt::print("    - {}\n", fmt::join(parts, ", "));
    }
  }
}

}  // namespace

void register_inspect(CLI::App& app, int& status) {
  struct Options {
    std::string file, authority;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "inspect",
      "show what a file the tools wrote is and what it says, without its secrets: authority.pub, a share file, a warrant, "
      "an identity (.pub or .key), a known-keys file, a trustee directory, the court's certificates, CRL and register");
  cmd->add_option("file", o->file, "the file; its kind is read from its content, not its name")->required();
  cmd->add_option("--authority", o->authority, "for a share file: the authority's public key to check the share against")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", o->json, "print one JSON object: file, kind and the fields");
  cmd->callback([o, &status] {
    auto d = describe(o->file, o->authority);
    if (!d) { status = report(d.error()); return; }
    if (o->json) {
      Fields out = {{"file", o->file}, {"kind", d->kind}, {"what", d->what}};
      for (const auto& [key, value] : d->fields.items()) out[key] = value;
      fmt::print("{}\n", out.dump());
    } else {
      print_text(o->file, *d);
    }
    status = 0;
  });
}

}  // namespace doormat::authority
