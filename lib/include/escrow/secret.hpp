#pragma once
/// Containers for secret bytes: they wipe themselves and are never copied by accident.
/// The raw bytes are reachable only through `expose()`; grep for it to audit every use.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace escrow {

/// Fixed-size secret: non-copyable, movable (the source is wiped), wiped on destruction.
template <std::size_t N>
class Secret {
 public:
  Secret() { bytes_.fill(0); }
  ~Secret() { sodium_memzero(bytes_.data(), N); }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept : bytes_(other.bytes_) { sodium_memzero(other.bytes_.data(), N); }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      bytes_ = other.bytes_;
      sodium_memzero(other.bytes_.data(), N);
    }
    return *this;
  }

  [[nodiscard]] static Secret from(std::span<const uint8_t, N> bytes) {
    Secret s;
    std::copy(bytes.begin(), bytes.end(), s.bytes_.begin());
    return s;
  }

  [[nodiscard]] std::span<uint8_t, N> expose() { return bytes_; }
  [[nodiscard]] std::span<const uint8_t, N> expose() const { return bytes_; }

  /// Constant-time comparison (sodium_memcmp).
  [[nodiscard]] bool equals(const Secret& other) const {
    return sodium_memcmp(bytes_.data(), other.bytes_.data(), N) == 0;
  }

  static constexpr std::size_t size() { return N; }

 private:
  std::array<uint8_t, N> bytes_;
};

/// Allocator that wipes memory before returning it, for variable-size secrets. `Upstream` (stateless)
/// does the allocating; tests/wipe_test.cpp passes one that looks at each block as it is handed
/// back, which is how the wipe is observed without reading freed memory.
template <typename T, typename Upstream = std::allocator<T>>
struct ZeroizingAllocator {
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = ZeroizingAllocator<U, typename std::allocator_traits<Upstream>::template rebind_alloc<U>>;
  };
  ZeroizingAllocator() = default;
  template <typename U, typename V>
  ZeroizingAllocator(const ZeroizingAllocator<U, V>&) noexcept {}
  T* allocate(std::size_t n) { return Upstream{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    sodium_memzero(p, n * sizeof(T));
    Upstream{}.deallocate(p, n);
  }
  template <typename U, typename V>
  bool operator==(const ZeroizingAllocator<U, V>&) const noexcept { return true; }
};

/// Variable-size secret bytes (plaintexts, encoded key shares). Growth reallocations wipe too.
using SecureBytes = std::vector<uint8_t, ZeroizingAllocator<uint8_t>>;

}  // namespace escrow
