#pragma once
/// Constant-time bookkeeping for the valgrind check (tests/ct/, the "ctgrind" technique): the check
/// marks secrets as undefined memory, and memcheck then reports every branch and every memory index
/// that depends on them. declassify() marks a value computed from secrets as public where the
/// protocol makes it public — a validity bit that is the same for every honest input, an
/// accept/reject outcome the caller sees anyway — and each call site says which. Outside valgrind
/// a client request is a few instructions that do nothing, so the checked code is the shipped code.
#include <cstdint>
#include <span>

#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define DOORMAT_CT_MEMCHECK 1
#endif

namespace escrow::ct {

/// The value, marked public.
template <typename T>
[[nodiscard]] inline T declassify(T value) {
#ifdef DOORMAT_CT_MEMCHECK
  (void)VALGRIND_MAKE_MEM_DEFINED(&value, sizeof value);
#endif
  return value;
}

/// Marks bytes secret (tests/ct/ only: production code never needs to).
inline void poison(std::span<const uint8_t> bytes) {
#ifdef DOORMAT_CT_MEMCHECK
  (void)VALGRIND_MAKE_MEM_UNDEFINED(bytes.data(), bytes.size());
#else
  (void)bytes;
#endif
}

/// Marks bytes public (tests/ct/: outputs that go on the wire).
inline void unpoison(std::span<const uint8_t> bytes) {
#ifdef DOORMAT_CT_MEMCHECK
  (void)VALGRIND_MAKE_MEM_DEFINED(bytes.data(), bytes.size());
#else
  (void)bytes;
#endif
}

/// Is the process running under valgrind? (tests/ct/ refuses to "pass" outside it.)
[[nodiscard]] inline bool under_valgrind() {
#ifdef DOORMAT_CT_MEMCHECK
  return RUNNING_ON_VALGRIND != 0;
#else
  return false;
#endif
}

}  // namespace escrow::ct
