#!/usr/bin/env bash
# A live trustee keeps the newest CRL number it has accepted (SPEC §10.4), across restarts: a
# CRL from before a revocation, copied back over the trustee's CRL file — the court's own old
# one, or one openssl makes with the root's key and an older number — is refused with a reason
# that names the numbers and no server path; the current CRL is accepted again after. An
# unreadable CRL is refused without the file's path, in the reply and in the public log.
#
# usage: openssl_old_crl_refused_by_trustee.sh ESCROW_AUTHORITY ESCROW_CLIENT
set -euo pipefail
bin="$1"
client="$2"
work="$(mktemp -d)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

"$bin" ceremony dealer -k 2 -n 3 --out auth >/dev/null
"$bin" court init --dir court >/dev/null
"$bin" court appoint --dir court --judge jane >/dev/null
"$bin" court appoint --dir court --judge john >/dev/null
"$bin" agency new --name agency --out agency >/dev/null
printf 'crl test passphrase\n' > pass
mkdir t1
"$bin" trustee init --db t1/state.db --share auth/share-1.bin --authority auth/authority.pub \
  --root court/root.pem --crl court/crl.pem --passphrase-file pass >/dev/null
serve() {
  rm -f t1/port
  "$bin" trustee serve --db t1/state.db --passphrase-file pass --port 0 --port-file t1/port 2>> t1/log.txt &
  pid=$!
  for _ in $(seq 1 100); do [ -s t1/port ] && break; sleep 0.1; done
  [ -s t1/port ] || { cat t1/log.txt; echo "FAIL: the trustee did not start"; exit 1; }
  "$bin" enroll --directory trustees.json --url "http://127.0.0.1:$(head -n1 t1/port)" >/dev/null
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
serve

"$client" identity new --name alice --out alice >/dev/null
"$client" identity new --name bob --out bob >/dev/null
"$client" register --identity alice.key --mailbox provider.db >/dev/null   # the provider's deposit check needs the account (SPEC 7.4)
now=$(date +%s)
"$client" send --identity alice.key --to bob.pub --authority auth/authority.pub --mailbox provider.db \
  --message "hello" --time $(( now - 60 )) >/dev/null
"$bin" court issue --dir court --judge jane --case CRL-1 --target bob --from $(( now - 3600 )) --to "$now" \
  --agency agency.pub --out warrant.bin >/dev/null

# expect WHAT: the one trustee answered ("answered"), or its refusal contains WHAT (exit 4: nothing decrypted).
expect() {
  # One trustee of a 2-of-3 authority decrypts nothing: exit 4 (README), answered or refused.
  local code=0
  "$bin" investigate --warrant warrant.bin --agency agency.key --authority auth/authority.pub \
    --mailbox provider.db --trustees trustees.json --timeout 5 --json > inv.json || code=$?
  [ "$code" = 4 ] || { echo "FAIL: investigate exited $code, not 4 (nothing decrypted)"; exit 1; }
  python3 - "$1" "$work" << 'EOF'
import json, sys
want, work = sys.argv[1], sys.argv[2]
t = json.load(open("inv.json"))["trustees"][0]
if want == "answered":
    assert t["answered"], t
else:
    assert not t["answered"] and want in t["error"], (want, t)
    assert work not in t["error"], ("a server path in the refusal", t)
EOF
}

openssl crl -in court/crl.pem -noout -crlnumber | grep -qx 'crlNumber=0x01'
expect answered
cp court/crl.pem crl-1.pem
"$bin" court revoke --dir court --judge john >/dev/null
openssl crl -in court/crl.pem -noout -crlnumber | grep -qx 'crlNumber=0x02'
cp court/crl.pem crl-2.pem
expect answered                # the trustee read CRL 2 and recorded its number
stop; serve                    # the record is in the trustee's database, not its memory

cp crl-1.pem court/crl.pem     # the CRL from before john's revocation, copied back
expect "judicial CRL number 1 is older than CRL number 2"

# The same with a CRL openssl makes with the root's key: valid signature, current, older number.
printf '[ca]\ndefault_ca = court\n[court]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = default\ndefault_crl_days = 1\n' > ca.cnf
: > index.txt
echo 01 > crlnumber
openssl ca -config ca.cnf -gencrl -keyfile court/root.key -cert court/root.pem -out court/crl.pem 2>/dev/null
openssl crl -in court/crl.pem -noout -crlnumber | grep -qx 'crlNumber=0x01'
expect "judicial CRL number 1 is older than CRL number 2"

cp crl-2.pem court/crl.pem     # the current CRL again: the same number is accepted
expect answered

rm court/crl.pem
expect "judicial CRL unreadable"
stop
python3 - "$work" << 'EOF'
import sqlite3, sys
work = sys.argv[1].encode()
rows = sqlite3.connect("t1/state.db").execute("SELECT entry FROM log").fetchall()
assert rows and not any(work in bytes(r[0]) for r in rows), "a server path in the public log"
EOF
echo "the trustee refused old CRLs (the court's and openssl's) and named no path"
