// Must compile: the control for sharing_includes_tdh2.cpp. A file of the sharing group sees its own
// headers and those of core, the one group it requires.
#include "escrow/dleq.hpp"
#include "escrow/shamir.hpp"
#include "escrow/vss.hpp"
#include "escrow/wire.hpp"
