// Must NOT compile: a file linking doormat::escrow, as escrow_authority/ does, including the
// comparison designs, which only attacks/, bench/ and tests/ may link.
#include "escrow/schemes.hpp"
