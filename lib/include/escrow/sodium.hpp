#pragma once
/// libsodium's one-time initialisation (sodium_init: picks the CPU-specific implementations and
/// opens the system RNG), done where no caller can skip it.
///
/// Why a function and not a static initialiser: a namespace-scope initialiser in a static library
/// runs only if the linker keeps its object file, and only in an unspecified order relative to the
/// initialisers of other files (a `static const Point` elsewhere could run first). Instead every
/// path into libsodium calls sodium_ready() first: the Scalar and Point constructors (every group
/// operation makes one), Hasher (every signature, label, log hash and DeterministicRng starts
/// with one), SystemRng::fill, and request::seal (crypto_box_seal draws from randombytes itself).
/// The linker cannot drop what is called, and the function-local
/// static runs sodium_init exactly once, thread-safely, before the first use. The cost after the
/// first call is one load and a predicted branch.
namespace escrow {

/// Calls sodium_init() on the first call; aborts if libsodium cannot be initialised.
void sodium_ready();

}  // namespace escrow
