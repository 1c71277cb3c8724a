#!/usr/bin/env bash
# The court's files are ordinary PEM: openssl must verify a judge against the root, and refuse
# that judge once the court has revoked it (checked against the court's CRL).
set -euo pipefail
bin="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin" court init --dir court >/dev/null
"$bin" court appoint --dir court --judge jane >/dev/null
openssl x509 -in court/judges/jane.pem -noout -subject | grep -q 'Judge jane'
openssl verify -CAfile court/root.pem court/judges/jane.pem
openssl verify -crl_check -CAfile court/root.pem -CRLfile court/crl.pem court/judges/jane.pem
"$bin" court revoke --dir court --judge jane >/dev/null
if openssl verify -crl_check -CAfile court/root.pem -CRLfile court/crl.pem court/judges/jane.pem; then
  echo "FAIL: openssl accepted a revoked judge"; exit 1
fi
echo "openssl accepts the court's PEM and sees the revocation"
