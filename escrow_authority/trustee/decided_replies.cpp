#include "decided_replies.hpp"

namespace doormat::authority {
namespace {
// What a kept reply holds in memory, near enough for the bound: its strings' bytes and a fixed
// cost per value. Not dump(): that would write out a sealed reply of megabytes under the
// trustee's lock only to measure it.
std::size_t held_bytes(const nlohmann::json& j) {
  std::size_t n = sizeof(nlohmann::json);
  if (j.is_string()) n += j.get_ref<const std::string&>().size();
  if (j.is_object())
    for (const auto& [key, value] : j.items()) n += key.size() + held_bytes(value);
  if (j.is_array())
    for (const auto& value : j) n += held_bytes(value);
  return n;
}
}  // namespace

std::optional<DecidedReplies::Kept> DecidedReplies::find(const std::array<uint8_t, 32>& raw_hash, uint64_t now) {
  while (!order_.empty() && replies_.at(order_.front()).time + keep_seconds_ < now) drop_oldest();
  const auto it = replies_.find(raw_hash);
  if (it == replies_.end()) return std::nullopt;
  return it->second.reply;
}

void DecidedReplies::keep(const std::array<uint8_t, 32>& raw_hash, Kept reply, uint64_t now) {
  if (replies_.contains(raw_hash)) return;  // decided once: the first reply stands
  const std::size_t bytes = held_bytes(reply.body) + sizeof(Entry);
  if (bytes > max_bytes_) return;
  while (!order_.empty() && bytes_ + bytes > max_bytes_) drop_oldest();
  replies_.emplace(raw_hash, Entry{std::move(reply), now, bytes});
  order_.push_back(raw_hash);
  bytes_ += bytes;
}

void DecidedReplies::drop_oldest() {
  const auto it = replies_.find(order_.front());
  bytes_ -= it->second.bytes;
  replies_.erase(it);
  order_.pop_front();
}

}  // namespace doormat::authority
