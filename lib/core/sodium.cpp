#include "escrow/sodium.hpp"

#include <sodium.h>

#include <cstdlib>

namespace escrow {

void sodium_ready() {
  // C++11 magic static: initialised once, thread-safely, on the first call from any thread.
  static const bool ready = [] {
    if (sodium_init() < 0) std::abort();  // no entropy source: nothing in this library is safe
    return true;
  }();
  (void)ready;
}

}  // namespace escrow
