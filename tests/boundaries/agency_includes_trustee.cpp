// Must NOT compile: a file linking the agency's role library (escrow_authority/agency/), including
// the trustee daemon's header. The agency talks to trustees over HTTP only; it does not link trustee/.
#include "trustee.hpp"
