#!/usr/bin/env bash
# The court's files are ordinary PEM: openssl must verify a judge against the root, and refuse
# that judge once the court has revoked it (checked against the court's CRL). openssl also reads
# the purpose the certificates state (SPEC §10.3): the root CA:TRUE with pathlen 0, each judge
# CA:FALSE, critical keyUsage digitalSignature and the warrant-signing extendedKeyUsage; and CRL
# numbers that grow with each CRL. `court issue` refuses a revoked judge and a judge named twice.
set -euo pipefail
bin="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$bin" court init --dir court >/dev/null
"$bin" court appoint --dir court --judge jane >/dev/null
"$bin" court appoint --dir court --judge john >/dev/null
openssl x509 -in court/judges/jane.pem -noout -subject | grep -q 'Judge jane'
openssl verify -CAfile court/root.pem court/judges/jane.pem
openssl verify -crl_check -CAfile court/root.pem -CRLfile court/crl.pem court/judges/jane.pem

openssl x509 -in court/root.pem -noout -ext basicConstraints | tr -d '\n' | grep -q 'critical *CA:TRUE, pathlen:0' \
  || fail "the root is not CA:TRUE with pathlen 0"
ext() { openssl x509 -in court/judges/jane.pem -noout -ext "$1" | tr -d '\n'; }
ext basicConstraints | grep -q 'critical *CA:FALSE' || fail "the judge is not CA:FALSE"
ext keyUsage | grep -Eq 'critical *Digital Signature$' || fail "the judge's keyUsage is not critical digitalSignature alone"
ext extendedKeyUsage | grep -Eq 'Extended Key Usage: *1\.3\.6\.1\.4\.1\.32473\.77\.1\.1$' \
  || fail "the judge's extendedKeyUsage is not warrant signing alone"

openssl crl -in court/crl.pem -noout -crlnumber | grep -qx 'crlNumber=0x01' || fail "the first CRL is not number 1"
"$bin" agency new --name agency --out agency >/dev/null
issue() { "$bin" court issue --dir court --case PKI-1 --target bob --from 0 --to 10 --agency agency.pub --out w.bin "$@" 2>&1; }
issue --judge jane --judge john >/dev/null || fail "two judges could not sign"
if out=$(issue --judge jane --judge jane); then fail "court issue let jane sign twice"; fi
grep -q 'judge jane: named twice' <<< "$out" || fail "no clear error for a repeated judge: $out"

"$bin" court revoke --dir court --judge jane >/dev/null
openssl crl -in court/crl.pem -noout -crlnumber | grep -qx 'crlNumber=0x02' || fail "the CRL number did not grow"
if openssl verify -crl_check -CAfile court/root.pem -CRLfile court/crl.pem court/judges/jane.pem; then
  fail "openssl accepted a revoked judge"
fi
if out=$(issue --judge jane); then fail "court issue let a revoked judge sign"; fi
grep -q 'judge jane: revoked' <<< "$out" || fail "no clear error for a revoked judge: $out"
issue --judge john >/dev/null || fail "john could no longer sign"
if "$bin" court revoke --dir court --judge jane 2>/dev/null; then fail "jane was revoked twice"; fi
"$bin" court revoke --dir court --judge john >/dev/null
openssl crl -in court/crl.pem -noout -crlnumber | grep -qx 'crlNumber=0x03' || fail "the CRL number did not grow again"
"$bin" court crl --dir court >/dev/null
openssl crl -in court/crl.pem -noout -crlnumber | grep -qx 'crlNumber=0x04' || fail "court crl did not take the next number"
openssl crl -in court/crl.pem -noout -text | grep -c 'Serial Number' | grep -qx 2 || fail "court crl lost a revocation"
echo "openssl accepts the court's PEM, reads each certificate's purpose and the CRL numbers, and sees the revocation"
