// `escrow-authority ceremony dkg|refresh`: the coordinator of a ceremony among live trustees
// (SPEC §12.4). It relays signed broadcasts to everyone and sealed shares to their recipients,
// round by round, every call signed with the operator key. It sees no secret. A trustee that stops
// answering is left out of later rounds and the others disqualify it; the ceremony then fails,
// because a trustee stores its new share only on a commit that carries every roster member's
// confirmation of the same key (and aborts everywhere on failure).
//
// `ceremony refresh` reads every trustee's key first. When they agree it runs the plain refresh;
// when a commit that reached only some trustees left them on different epochs of the same Y (SPEC
// §12.4's limits, docs/SECURITY.md F1) it runs the resharing refresh of SPEC §12.7 instead, with
// the trustees of the highest epoch as dealers, which puts every trustee on the next epoch. One
// command, because the operator's intent is the same: new shares of the same key for everyone.
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <ctime>
#include <functional>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "directory.hpp"
#include "escrow/wire.hpp"
#include "ceremony_call.hpp"
#include "escrow/dkg.hpp"
#include "escrow/tdh2.hpp"
#include "files.hpp"
#include "http_client.hpp"
#include "identity.hpp"
#include "json_fields.hpp"

namespace doormat::authority {
namespace {

struct CeremonyRun {
  std::vector<uint8_t> public_key;  // the encoding every trustee computed, decoded and compared
  uint32_t epoch = 0;
  std::map<int, std::string> disqualified;  // by any trustee's account
  std::vector<int> finished;
  std::vector<std::string> log;
};

// A trustee's reply is read only after its shape is checked: one that cannot be relayed (or, at the
// end, that lacks its key) drops the trustee out, like silence, instead of throwing in the coordinator.
enum class Step { round, finish, commit };
bool well_formed(const nlohmann::json& r, Step step) {
  if (!r.is_object()) return false;
  if (step == Step::commit) return r.contains("committed") && r["committed"].is_boolean() && r.contains("epoch") && r["epoch"].is_number_unsigned();
  if (step == Step::finish) {
    if (!r.contains("public_key") || !r["public_key"].is_string() || !r.contains("epoch") || !r["epoch"].is_number_unsigned() ||
        !r.contains("disqualified") || !r["disqualified"].is_object() || !r.contains("confirmation") || !r["confirmation"].is_string())
      return false;
    for (const auto& [who, why] : r["disqualified"].items())
      if (!why.is_string() || who.empty() || who.size() > 3 || !std::all_of(who.begin(), who.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    return true;
  }
  if (!r.contains("messages") || !r["messages"].is_array()) return false;
  for (const auto& m : r["messages"])
    if (!m.is_object() || (m.contains("to") && !m["to"].is_number_unsigned())) return false;
  return true;
}

// One signed call, sent again while the trustee's HTTP server answers 503 (its workers or queue
// are full: the call was never handled, so sending it again is safe), for up to kBusyPatience. A
// flood of other callers must not make a trustee miss a step, least of all the commit.
constexpr auto kBusyPatience = std::chrono::seconds(30);
escrow::Result<HttpReply> post_until_served(const std::string& url, const nlohmann::json& body) {
  const auto give_up = std::chrono::steady_clock::now() + kBusyPatience;
  auto wait = std::chrono::milliseconds(50);
  for (;;) {
    auto r = http_post(url, "/v1/ceremony", body);
    if (!r || r->status != 503 || std::chrono::steady_clock::now() + wait > give_up) return r;
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, std::chrono::milliseconds(2000));
  }
}

// The reason a trustee gave, for the operator: its "reason" field, or the HTTP status.
std::string why_of(const escrow::Result<HttpReply>& r) {
  if (!r) return r.error().detail;
  const auto reason = text_of(r->body, "reason");
  return reason.empty() ? fmt::format("HTTP {}", r->status) : fmt::format("HTTP {}: {}", r->status, reason);
}

// Sends every trustee that does not hold it yet the commit of the key in `resume` ({ceremony,
// public_key, confirmations}); a trustee that already reports the key (GET /v1/info) has
// committed. Returns the trustees that still have not, with why.
std::vector<std::pair<int, std::string>> commit_all(const std::vector<TrusteeEntry>& trustees, const nlohmann::json& resume,
                                                    const escrow::signature::SigningKey& operator_key) {
  std::vector<std::pair<int, std::string>> missing;
  const std::string key_hex = resume.value("public_key", "");
  for (const auto& t : trustees) {
    if (auto info = http_get(t.url, "/v1/info"); info && text_of(info->body, "authority") == key_hex) continue;
    const nlohmann::json call = {{"action", "commit"}, {"ceremony", resume["ceremony"]}, {"trustee", t.index}, {"confirmations", resume["confirmations"]}};
    auto r = post_until_served(t.url, sign_ceremony_call(call, operator_key));
    if (r && r->status == 200 && r->body.is_object() && r->body.contains("committed") && r->body["committed"] == true) continue;
    missing.emplace_back(t.index, why_of(r));
  }
  return missing;
}

escrow::Result<CeremonyRun> coordinate(const std::vector<TrusteeEntry>& trustees, const std::string& protocol, std::size_t k,
                                       const escrow::signature::SigningKey& operator_key,
                                       const std::optional<escrow::tdh2::PublicKey>& current, const std::string& resume_path,
                                       const std::optional<escrow::dkg::Resharing>& plan = std::nullopt) {
  using nlohmann::json;
  constexpr std::string_view fn = "ceremony";
  const auto parsed_protocol = escrow::dkg::protocol_named(protocol);
  if (!parsed_protocol) return escrow::fail(escrow::ErrorCategory::malformed, fn, "protocol must be gjkr, joint_feldman, refresh or reshare");
  if (k < 1 || k > trustees.size())
    return escrow::fail(escrow::ErrorCategory::malformed, fn, fmt::format("k must be 1..{} (the directory lists {} trustees)", trustees.size(), trustees.size()));
  std::array<uint8_t, 16> id{};
  randombytes_buf(id.data(), id.size());
  const std::string id_hex = escrow::wire::to_hex(id);
  json roster = json::array();
  for (const auto& t : trustees)
    roster.push_back({{"trustee", t.index}, {"ed25519", escrow::wire::to_hex(t.sign_key)}, {"x25519", escrow::wire::to_hex(t.box_key)}});

  CeremonyRun run;
  std::map<int, bool> alive;
  for (const auto& t : trustees) alive[t.index] = true;
  std::vector<std::string> dropouts;  // why each trustee that dropped out did
  // One operator-signed call to every live trustee in parallel; a trustee that fails to answer is
  // silent from then on.
  auto call_all = [&](const std::function<json(const TrusteeEntry&)>& call_for, Step step = Step::round) {
    std::vector<std::pair<int, std::future<escrow::Result<HttpReply>>>> pending;
    for (const auto& t : trustees)
      if (alive[t.index]) {
        json call = call_for(t);
        call["ceremony"] = id_hex;
        call["trustee"] = t.index;
        const json body = sign_ceremony_call(call, operator_key);
        pending.emplace_back(t.index, std::async(std::launch::async, [url = t.url, body] { return post_until_served(url, body); }));
      }
    std::map<int, json> replies;
    for (auto& [i, f] : pending) {
      auto r = f.get();
      if (!r || r->status != 200 || !well_formed(r->body, step)) {
        alive[i] = false;
        dropouts.push_back(fmt::format("trustee {} dropped out: {}", i, why_of(r)));
        run.log.push_back(dropouts.back());
        continue;
      }
      replies[i] = std::move(r->body);
    }
    return replies;
  };
  auto inbox_for = [](const std::map<int, json>& replies, int who) {
    json in = json::array();
    for (const auto& [i, r] : replies)
      for (const auto& m : r["messages"])
        if (!m.contains("to") || m["to"].get<uint64_t>() == static_cast<uint64_t>(who)) in.push_back(m);
    return in;
  };
  // A ceremony that fails is aborted everywhere, so no trustee waits for it.
  auto abort_all = [&](escrow::Error e) -> escrow::Result<CeremonyRun> {
    for (auto& [i, a] : alive) a = true;
    (void)call_all([](const TrusteeEntry&) { return json{{"action", "abort"}}; }, Step::commit);
    return escrow::unexpected(std::move(e));
  };

  // Every trustee of the roster must take part: the first that drops out ends the ceremony.
  auto failed = [&] {
    std::string why;
    for (const auto& d : dropouts) why += (why.empty() ? "" : "; ") + d;
    return abort_all({escrow::ErrorCategory::not_enough_shares, fn,
                      fmt::format("the ceremony needs every trustee of the roster, and {}; no trustee stored a share", why)});
  };

  auto replies = call_all([&](const TrusteeEntry&) {
    json begin = {{"action", "begin"}, {"protocol", protocol}, {"k", k}, {"roster", roster}, {"time", static_cast<uint64_t>(std::time(nullptr))}};
    if (plan) {
      begin["epoch"] = plan->epoch;
      begin["dealers"] = json::array();
      for (auto d : plan->dealers) begin["dealers"].push_back(d.value());
    }
    return begin;
  });
  if (!dropouts.empty()) return failed();
  run.log.push_back(fmt::format("round 1: {} trustees dealt", replies.size()));
  // Steps are numbered from 1: begin answers the first round of dkg::rounds(), each further round
  // is one call, and finish is the step after the last round.
  const std::size_t rounds = escrow::dkg::rounds(*parsed_protocol).size();
  for (std::size_t round = 2; round <= rounds; ++round) {
    const auto previous = replies;
    replies = call_all([&](const TrusteeEntry& t) {
      return json{{"action", "round"}, {"round", round}, {"messages", inbox_for(previous, t.index)}};
    });
    if (!dropouts.empty()) return failed();
    std::size_t sent = 0;
    for (const auto& [i, r] : replies) sent += r["messages"].size();
    run.log.push_back(fmt::format("round {}: {} trustees answered, {} messages", round, replies.size(), sent));
  }
  const auto previous = replies;
  auto finals = call_all([&](const TrusteeEntry& t) {
    return json{{"action", "finish"}, {"round", rounds + 1}, {"messages", inbox_for(previous, t.index)}};
  }, Step::finish);
  if (!dropouts.empty()) return failed();

  // Every trustee must have finished with the same key, decoded here and (for a refresh) the
  // authority's current one at the next epoch: only then are the confirmations relayed.
  json confirmations = json::array();
  for (const auto& t : trustees) {
    const auto& f = finals[t.index];
    for (const auto& [who, why] : f["disqualified"].items()) run.disqualified.emplace(std::stoi(who), why.get<std::string>());
    auto bytes = escrow::wire::from_hex(f["public_key"].get<std::string>());
    auto pk = bytes ? escrow::tdh2::PublicKey::decode(*bytes) : escrow::Result<escrow::tdh2::PublicKey>(escrow::fail(escrow::ErrorCategory::malformed, fn, "not hex"));
    if (!pk) return abort_all({escrow::ErrorCategory::malformed, fn, fmt::format("trustee {} sent a public key that does not decode", t.index)});
    if (run.public_key.empty()) {
      run.public_key = *bytes;
      run.epoch = pk->epoch;
    } else if (*bytes != run.public_key) {
      return abort_all({escrow::ErrorCategory::invalid_proof, fn, fmt::format("trustee {} ended with a different public key", t.index)});
    }
    if (current && (!(pk->y == current->y) || pk->k != current->k || pk->n != current->n || pk->epoch != current->epoch + 1))
      return abort_all({escrow::ErrorCategory::invalid_proof, fn, "the refresh did not keep the authority's key"});
    confirmations.push_back({{"trustee", t.index}, {"signature", f["confirmation"]}});
    run.finished.push_back(t.index);
  }
  // The commit. A trustee that cannot be reached now keeps its confirmed key pending in memory:
  // the confirmations go to a file beside the key, and `ceremony commit --resume` finishes the job.
  const json resume = {{"ceremony", id_hex}, {"public_key", escrow::wire::to_hex(run.public_key)}, {"confirmations", confirmations}};
  const auto missing = commit_all(trustees, resume, operator_key);
  if (!missing.empty()) {
    std::string who;
    for (const auto& [i, why] : missing) who += fmt::format("{}trustee {} ({})", who.empty() ? "" : ", ", i, why);
    if (auto w = files::write_text(resume_path, resume.dump(2) + "\n"); !w) return escrow::unexpected(w.error());
    return escrow::fail(escrow::ErrorCategory::internal, fn,
                        fmt::format("{} did not commit the confirmed key, the others did; it is still pending there: run `ceremony commit "
                                    "--resume {}` with the same directory and operator key",
                                    who, resume_path));
  }
  run.log.push_back(fmt::format("commit: all {} trustees stored the confirmed key", trustees.size()));
  return run;
}

// What a refresh must start from: the key every trustee holds, or, when a partial commit split
// them across epochs, the highest epoch's key and the trustees holding it (the dealers).
struct RefreshStart {
  escrow::tdh2::PublicKey current;              // the key the result must keep (Y), at epoch + 1
  std::optional<escrow::dkg::Resharing> plan;  // set when the epochs are split
  std::string epochs;                          // "trustee 1: epoch 1, ..." when split
};

// Every trustee's key (GET /v1/info), decoded. They must agree, or differ only as a split does: the
// same Y, k and n, each epoch holding one key, and enough trustees at the highest to deal.
escrow::Result<RefreshStart> refresh_start(const std::vector<TrusteeEntry>& trustees, std::size_t k) {
  constexpr std::string_view fn = "ceremony refresh";
  std::map<int, escrow::tdh2::PublicKey> keys;
  for (const auto& t : trustees) {
    auto info = http_get(t.url, "/v1/info");
    if (!info) return escrow::unexpected(info.error());
    auto bytes = escrow::wire::from_hex(text_of(info->body, "authority"));
    auto pk = bytes ? escrow::tdh2::PublicKey::decode(*bytes) : escrow::Result<escrow::tdh2::PublicKey>(escrow::unexpected(bytes.error()));
    if (!pk) return escrow::fail(escrow::ErrorCategory::malformed, fn, fmt::format("trustee {} reports no current key it can show", t.index));
    keys.emplace(t.index, std::move(*pk));
  }
  if (keys.empty()) return escrow::fail(escrow::ErrorCategory::malformed, fn, "the directory lists no trustee");
  const int first = keys.begin()->first;
  const auto& any = keys.begin()->second;
  int top = first;
  for (const auto& [i, pk] : keys) {
    if (!(pk.y == any.y) || pk.k != any.k || pk.n != any.n)
      return escrow::fail(escrow::ErrorCategory::invalid_proof, fn, fmt::format("trustee {} holds another authority key than trustee {}", i, first));
    if (pk.epoch > keys.at(top).epoch) top = i;
  }
  RefreshStart start{keys.at(top), std::nullopt, ""};
  std::vector<escrow::PartyIndex> dealers;
  bool split = false;
  for (const auto& [i, pk] : keys) {
    start.epochs += fmt::format("{}trustee {}: epoch {}", start.epochs.empty() ? "" : ", ", i, pk.epoch);
    if (pk.epoch != start.current.epoch) {
      split = true;
      continue;
    }
    if (pk.encode() != start.current.encode())
      return escrow::fail(escrow::ErrorCategory::invalid_proof, fn, fmt::format("trustees {} and {} hold different keys of epoch {}", i, top, pk.epoch));
    dealers.push_back(*escrow::PartyIndex::make(static_cast<uint32_t>(i)));
  }
  if (!split) return start;
  if (dealers.size() < k)
    return escrow::fail(escrow::ErrorCategory::not_enough_shares, fn,
                        fmt::format("the trustees are split across epochs ({}) and only {} hold the highest, fewer than k = {}: no resharing can repair it",
                                    start.epochs, dealers.size(), k));
  start.plan = escrow::dkg::Resharing{std::move(dealers), start.current.epoch};
  return start;
}

}  // namespace

void register_ceremony_network(CLI::App& app, int& status) {
  auto* ceremony = app.get_subcommand("ceremony");
  struct Options {
    std::string trustees, out, operator_key, protocol = "gjkr";
    std::size_t k = 0;
    bool json = false, no_repair = false;
  };
  auto o = std::make_shared<Options>();
  auto* dkg_cmd = ceremony->add_subcommand("dkg", "distributed key generation among live trustees: nobody ever holds the secret");
  dkg_cmd->add_option("--trustees", o->trustees, "the trustee directory (from `enroll`)")->required()->check(CLI::ExistingFile)->envname("DOORMAT_TRUSTEES");
  dkg_cmd->add_option("-k,--threshold", o->k, "trustees needed to decrypt")->required();
  dkg_cmd->add_option("--protocol", o->protocol, "gjkr (default) or joint_feldman (biasable; for comparison)")
      ->check(CLI::IsMember({"gjkr", "joint_feldman"}));
  dkg_cmd->add_option("--out", o->out, "where to write the authority's public key")->required();
  dkg_cmd->add_option("--operator", o->operator_key, "the operator's .key: the trustees refuse calls it did not sign")->required()->check(CLI::ExistingFile);
  dkg_cmd->add_flag("--json", o->json, "print JSON");
  auto* refresh_cmd = ceremony->add_subcommand("refresh", "proactive refresh: new shares, same key, next epoch; old shares erased");
  refresh_cmd->add_option("--trustees", o->trustees, "the trustee directory")->required()->check(CLI::ExistingFile)->envname("DOORMAT_TRUSTEES");
  refresh_cmd->add_option("-k,--threshold", o->k, "the authority's threshold")->required();
  refresh_cmd->add_option("--out", o->out, "where to write the refreshed public key")->required();
  refresh_cmd->add_option("--operator", o->operator_key, "the operator's .key")->required()->check(CLI::ExistingFile);
  refresh_cmd->add_flag("--json", o->json, "print JSON");
  refresh_cmd->add_flag("--no-repair", o->no_repair,
                        "refuse, instead of repairing, trustees split across epochs of the same key (by default the refresh is then a "
                        "resharing: the trustees of the highest epoch deal, every trustee ends at that epoch + 1; SPEC 12.7)");
  refresh_cmd->footer(
      "Reads every trustee's key first. All equal: a plain refresh (new shares, same key, epoch + 1). The same key at different "
      "epochs (a commit that reached only some trustees): a resharing refresh from the trustees of the highest epoch, at least k of "
      "them, which every trustee checks keeps its key and moves it to a higher epoch.");

  auto go = [o, &status](const std::string& protocol) {
    auto dir = load_directory(o->trustees);
    if (!dir) { status = report(dir.error()); return; }
    auto op = identity::load(o->operator_key);
    if (!op) { status = report(op.error()); return; }
    // A refresh must keep the key the trustees hold now: read it from them, and all must agree.
    std::optional<escrow::tdh2::PublicKey> current;
    std::optional<escrow::dkg::Resharing> plan;
    std::string run_protocol = protocol, split_note;
    if (protocol == "refresh") {
      auto start = refresh_start(*dir, o->k);
      if (!start) { status = report(start.error()); return; }
      current = std::move(start->current);
      if (start->plan) {
        if (o->no_repair) {
          status = report({escrow::ErrorCategory::policy_denied, "ceremony refresh",
                           fmt::format("the trustees are split across epochs ({}); run without --no-repair to reshare", start->epochs)});
          return;
        }
        plan = std::move(start->plan);
        run_protocol = "reshare";
        std::string who;
        for (auto d : plan->dealers) who += (who.empty() ? "" : ",") + std::to_string(d.value());
        split_note = fmt::format("split epochs ({}): resharing from trustees {} of epoch {}", start->epochs, who, plan->epoch);
      }
    }
    auto run = coordinate(*dir, run_protocol, o->k, op->sign_secret, current, o->out + ".commit.json", plan);
    if (!run) { status = report(run.error()); return; }
    if (auto w = files::write(o->out, run->public_key); !w) { status = report(w.error()); return; }
    nlohmann::json disq = nlohmann::json::object();
    for (const auto& [i, why] : run->disqualified) disq[std::to_string(i)] = why;
    if (o->json) {
      nlohmann::json out = {{"protocol", run_protocol}, {"epoch", run->epoch}, {"finished", run->finished},
                            {"disqualified", disq}, {"public_key", o->out}};
      if (plan) {
        out["dealers"] = nlohmann::json::array();
        for (auto d : plan->dealers) out["dealers"].push_back(d.value());
        out["from_epoch"] = plan->epoch;
      }
      fmt::print("{}\n", out.dump(2));
    } else {
      if (!split_note.empty()) fmt::print("  {}\n", split_note);
      for (const auto& line : run->log) fmt::print("  {}\n", line);
      for (const auto& [i, why] : run->disqualified) fmt::print("  trustee {} disqualified: {}\n", i, why);
      fmt::print("{}: {} trustees agree on the public key (epoch {}) -> {}\n", run_protocol, run->finished.size(), run->epoch, o->out);
    }
    status = 0;
  };
  auto* commit_cmd = ceremony->add_subcommand("commit", "finish a ceremony whose commit did not reach every trustee (from its .commit.json)");
  auto resume_path = std::make_shared<std::string>();
  commit_cmd->add_option("--resume", *resume_path, "the .commit.json the ceremony wrote beside its --out")->required()->check(CLI::ExistingFile);
  commit_cmd->add_option("--trustees", o->trustees, "the trustee directory")->required()->check(CLI::ExistingFile)->envname("DOORMAT_TRUSTEES");
  commit_cmd->add_option("--operator", o->operator_key, "the operator's .key")->required()->check(CLI::ExistingFile);
  commit_cmd->add_option("--out", o->out, "where to write the public key once every trustee holds it")->required();
  commit_cmd->callback([o, resume_path, &status] {
    auto dir = load_directory(o->trustees);
    if (!dir) { status = report(dir.error()); return; }
    auto op = identity::load(o->operator_key);
    if (!op) { status = report(op.error()); return; }
    auto text = files::read_text(*resume_path);
    if (!text) { status = report(text.error()); return; }
    const auto resume = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    auto key = escrow::wire::from_hex(text_of(resume, "public_key"));
    if (!key || !escrow::tdh2::PublicKey::decode(*key) || text_of(resume, "ceremony").empty() || !resume.contains("confirmations")) {
      status = report({escrow::ErrorCategory::malformed, "ceremony commit", *resume_path + " is not a ceremony's commit file"});
      return;
    }
    const auto missing = commit_all(*dir, resume, op->sign_secret);
    for (const auto& [i, why] : missing) fmt::print(stderr, "  trustee {} did not commit: {}\n", i, why);
    if (!missing.empty()) { status = report({escrow::ErrorCategory::internal, "ceremony commit", fmt::format("{} trustee(s) still without the key", missing.size())}); return; }
    if (auto w = files::write(o->out, *key); !w) { status = report(w.error()); return; }
    fmt::print("every trustee holds the confirmed key -> {}\n", o->out);
    status = 0;
  });
  dkg_cmd->callback([o, go] { go(o->protocol); });
  refresh_cmd->callback([go] { go("refresh"); });
}

}  // namespace doormat::authority
