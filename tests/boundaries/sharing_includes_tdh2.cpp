// Must NOT compile (tests/boundaries/CMakeLists.txt): a file of the sharing group including a header
// of tdh2, a group that sharing does not require (tdh2 requires sharing, not the other way round).
#include "escrow/tdh2.hpp"
