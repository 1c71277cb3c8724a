#include "strict_json.hpp"

#include <set>
#include <string>
#include <vector>

namespace doormat::authority {

nlohmann::json parse_strict_json(std::string_view text) {
  using Event = nlohmann::json::parse_event_t;
  std::vector<std::set<std::string>> keys;  // one set per object being read, innermost last
  bool duplicate = false;
  auto j = nlohmann::json::parse(
      text,
      [&](int, Event event, nlohmann::json& parsed) {
        if (event == Event::object_start) keys.emplace_back();
        else if (event == Event::object_end && !keys.empty()) keys.pop_back();
        else if (event == Event::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second) duplicate = true;
        return true;
      },
      /*allow_exceptions=*/false);
  return duplicate ? nlohmann::json(nlohmann::json::value_t::discarded) : j;
}

}  // namespace doormat::authority
