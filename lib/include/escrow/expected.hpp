#pragma once
/// escrow::expected / escrow::unexpected: std::expected where the standard library has it (g++ 12
/// with -std=c++23, the build everything ships with), and a minimal stand-in where it does not —
/// clang 14 on Debian 12 uses the same libstdc++ but reports concepts too old for <expected>,
/// and the libFuzzer builds need clang (docs/SECURITY.md). The stand-in offers only what lib/ uses.
#include <version>

#if defined(__cpp_lib_expected)
#include <expected>
namespace escrow {
template <typename T, typename E>
using expected = std::expected<T, E>;
using std::unexpected;
}  // namespace escrow
#else
#include <cstdlib>
#include <optional>
#include <utility>
#include <variant>

namespace escrow {

template <typename E>
class unexpected {
 public:
  explicit unexpected(E e) : e_(std::move(e)) {}
  const E& error() const& { return e_; }
  E& error() & { return e_; }
  E&& error() && { return std::move(e_); }

 private:
  E e_;
};
template <typename E>
unexpected(E) -> unexpected<E>;

template <typename T, typename E>
class expected {
 public:
  expected() requires std::is_default_constructible_v<T> : v_(std::in_place_index<0>) {}
  expected(T v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT: implicit, like std::expected
  template <typename G>
  expected(unexpected<G> u) : v_(std::in_place_index<1>, E(std::move(u).error())) {}  // NOLINT
  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& value() & { return has_value() ? std::get<0>(v_) : (std::abort(), std::get<0>(v_)); }
  const T& value() const& { return has_value() ? std::get<0>(v_) : (std::abort(), std::get<0>(v_)); }
  T&& value() && {
    if (!has_value()) std::abort();
    return std::get<0>(std::move(v_));
  }
  template <typename U>
  T value_or(U&& other) const& { return has_value() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(other)); }
  const E& error() const& { return std::get<1>(v_); }
  E& error() & { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

template <typename E>
class expected<void, E> {
 public:
  expected() = default;
  template <typename G>
  expected(unexpected<G> u) : e_(E(std::move(u).error())) {}  // NOLINT
  bool has_value() const { return !e_.has_value(); }
  explicit operator bool() const { return has_value(); }
  void value() const {
    if (e_) std::abort();
  }
  const E& error() const& { return *e_; }

 private:
  std::optional<E> e_;
};

}  // namespace escrow
#endif
