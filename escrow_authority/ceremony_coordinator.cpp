// `escrow-authority ceremony dkg|refresh`: the coordinator of a ceremony among live trustees
// (SPEC §12.4). It relays signed broadcasts to everyone and sealed shares to their recipients,
// round by round. It sees no secret; a trustee that stops answering is left out of later rounds,
// and the others disqualify it.
#include <sodium.h>

#include <algorithm>
#include <functional>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "directory.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"

namespace doormat::authority {
namespace {

struct CeremonyRun {
  std::string public_key_hex;
  uint32_t epoch = 0;
  std::map<int, std::string> disqualified;  // by any trustee's account
  std::vector<int> finished, failed;
  std::vector<std::string> log;
};

// A trustee's reply is read only after its shape is checked: one that cannot be relayed (or, at the
// end, that lacks its key) drops the trustee out, like silence, instead of throwing in the coordinator.
bool well_formed(const nlohmann::json& r, bool final) {
  if (!r.is_object()) return false;
  if (final) {
    if (!r.contains("public_key") || !r["public_key"].is_string() || !r.contains("epoch") || !r["epoch"].is_number_unsigned() ||
        !r.contains("disqualified") || !r["disqualified"].is_object())
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

escrow::Result<CeremonyRun> coordinate(const std::vector<TrusteeEntry>& trustees, const std::string& protocol, std::size_t k) {
  using nlohmann::json;
  std::array<uint8_t, 16> id{};
  randombytes_buf(id.data(), id.size());
  const std::string id_hex = escrow::wire::to_hex(id);
  json roster = json::array();
  for (const auto& t : trustees)
    roster.push_back({{"trustee", t.index}, {"ed25519", escrow::wire::to_hex(t.sign_key)}, {"x25519", escrow::wire::to_hex(t.box_key)}});

  CeremonyRun run;
  std::map<int, bool> alive;
  for (const auto& t : trustees) alive[t.index] = true;
  // One call to every live trustee in parallel; a trustee that fails to answer is silent from then on.
  auto call_all = [&](const std::function<json(const TrusteeEntry&)>& body_for, bool final = false) {
    std::vector<std::pair<int, std::future<escrow::Result<HttpReply>>>> pending;
    for (const auto& t : trustees)
      if (alive[t.index]) pending.emplace_back(t.index, std::async(std::launch::async, [&, t] { return http_post(t.url, "/v1/ceremony", body_for(t)); }));
    std::map<int, json> replies;
    for (auto& [i, f] : pending) {
      auto r = f.get();
      if (!r || r->status != 200 || !well_formed(r->body, final)) {
        alive[i] = false;
        run.log.push_back(fmt::format("trustee {} dropped out: {}", i, r ? r->body.dump() : r.error().detail));
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

  auto replies = call_all([&](const TrusteeEntry&) {
    return json{{"action", "begin"}, {"ceremony", id_hex}, {"protocol", protocol}, {"k", k}, {"roster", roster}};
  });
  run.log.push_back(fmt::format("round 1: {} trustees dealt", replies.size()));
  const int rounds = protocol == "gjkr" ? 6 : 3;
  for (int round = 2; round <= rounds; ++round) {
    const auto previous = replies;
    replies = call_all([&](const TrusteeEntry& t) {
      return json{{"action", "round"}, {"ceremony", id_hex}, {"messages", inbox_for(previous, t.index)}};
    });
    std::size_t sent = 0;
    for (const auto& [i, r] : replies) sent += r["messages"].size();
    run.log.push_back(fmt::format("round {}: {} trustees answered, {} messages", round, replies.size(), sent));
  }
  const auto previous = replies;
  auto finals = call_all([&](const TrusteeEntry& t) {
    return json{{"action", "finish"}, {"ceremony", id_hex}, {"messages", inbox_for(previous, t.index)}};
  }, /*final=*/true);
  for (const auto& t : trustees) {
    if (!finals.contains(t.index)) {
      run.failed.push_back(t.index);
      continue;
    }
    const auto& f = finals[t.index];
    run.finished.push_back(t.index);
    for (const auto& [who, why] : f["disqualified"].items()) run.disqualified.emplace(std::stoi(who), why.get<std::string>());
    const auto pk = f["public_key"].get<std::string>();
    if (run.public_key_hex.empty()) {
      run.public_key_hex = pk;
      run.epoch = f["epoch"].get<uint32_t>();
    } else if (pk != run.public_key_hex) {
      return escrow::fail(escrow::ErrorCategory::invalid_proof, "ceremony", fmt::format("trustee {} ended with a different public key", t.index));
    }
  }
  if (run.finished.size() < k)
    return escrow::fail(escrow::ErrorCategory::not_enough_shares, "ceremony", fmt::format("only {} trustees finished, k = {}", run.finished.size(), k));
  return run;
}

}  // namespace

void register_ceremony_network(CLI::App& app, int& status) {
  auto* ceremony = app.get_subcommand("ceremony");
  struct Options {
    std::string trustees, out, protocol = "gjkr";
    std::size_t k = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* dkg_cmd = ceremony->add_subcommand("dkg", "distributed key generation among live trustees: nobody ever holds the secret");
  dkg_cmd->add_option("--trustees", o->trustees, "the trustee directory (from `enroll`)")->required()->check(CLI::ExistingFile);
  dkg_cmd->add_option("-k,--threshold", o->k, "trustees needed to decrypt")->required();
  dkg_cmd->add_option("--protocol", o->protocol, "gjkr (default) or joint_feldman (biasable; for comparison)")
      ->check(CLI::IsMember({"gjkr", "joint_feldman"}));
  dkg_cmd->add_option("--out", o->out, "where to write the authority's public key")->required();
  dkg_cmd->add_flag("--json", o->json, "print JSON");
  auto* refresh_cmd = ceremony->add_subcommand("refresh", "proactive refresh: new shares, same key, next epoch; old shares erased");
  refresh_cmd->add_option("--trustees", o->trustees, "the trustee directory")->required()->check(CLI::ExistingFile);
  refresh_cmd->add_option("-k,--threshold", o->k, "the authority's threshold")->required();
  refresh_cmd->add_option("--out", o->out, "where to write the refreshed public key")->required();
  refresh_cmd->add_flag("--json", o->json, "print JSON");

  auto go = [o, &status](const std::string& protocol) {
    auto dir = load_directory(o->trustees);
    if (!dir) { status = report(dir.error()); return; }
    auto run = coordinate(*dir, protocol, o->k);
    if (!run) { status = report(run.error()); return; }
    auto pk = escrow::wire::from_hex(run->public_key_hex);
    if (auto w = files::write(o->out, *pk); !w) { status = report(w.error()); return; }
    nlohmann::json disq = nlohmann::json::object();
    for (const auto& [i, why] : run->disqualified) disq[std::to_string(i)] = why;
    if (o->json) {
      fmt::print("{}\n", nlohmann::json{{"protocol", protocol}, {"epoch", run->epoch}, {"finished", run->finished},
                                        {"failed", run->failed}, {"disqualified", disq}, {"public_key", o->out}}.dump(2));
    } else {
      for (const auto& line : run->log) fmt::print("  {}\n", line);
      for (const auto& [i, why] : run->disqualified) fmt::print("  trustee {} disqualified: {}\n", i, why);
      fmt::print("{}: {} trustees agree on the public key (epoch {}) -> {}\n", protocol, run->finished.size(), run->epoch, o->out);
    }
    status = 0;
  };
  dkg_cmd->callback([o, go] { go(o->protocol); });
  refresh_cmd->callback([go] { go("refresh"); });
}

}  // namespace doormat::authority
