#!/usr/bin/env bash
# `escrow-authority inspect` (issue 16) on every kind of file the tools write, each made by the real
# command: authority.pub and a share file (ceremony dealer), identities (.pub and .key: identity
# new, agency new, operator new), a signed warrant (court issue), the court's root and judge
# certificates, a private key, the CRL and the register, a known-keys file (send), a trustee
# directory (enroll, against a real trustee process). For each: the kind and its fields, text and
# --json (parsed by python3), and none of the file's secret bytes in either output. Then the
# refusals: a damaged file of each wire kind and of a JSON kind, an unknown file, a database, a
# missing file — one line naming the file, exit 1, and {"error": ...} under --json.
#
# usage: inspect.sh ESCROW_AUTHORITY ESCROW_CLIENT
set -euo pipefail
source "$(dirname "$0")/common.sh"
# inspect_both FILE KIND [OPTIONS]: text and --json both succeed; the JSON's kind is KIND. Leaves
# the text in text.txt and the JSON in json.txt.
inspect_both() {
  local file="$1" kind="$2"; shift 2
  expect 0 "$bin" inspect "$file" "$@"; cp out.txt text.txt
  head -1 text.txt | grep -q "^$file: " || { cat text.txt; fail "$file: the first line does not name the file"; }
  expect 0 "$bin" inspect "$file" --json "$@"; cp out.txt json.txt
  python3 - "$kind" "$file" <<'PY' || fail "$file: --json is not one object of kind $kind"
import json, sys
j = json.load(open("json.txt"))
assert isinstance(j, dict) and j["kind"] == sys.argv[1] and j["file"] == sys.argv[2], j
PY
}
# no_secret SECRET...: none of these strings (hex, base64) appears in text.txt or json.txt.
no_secret() {
  for s in "$@"; do
    [ -n "$s" ] || fail "an empty secret to look for"
    if grep -qiF -- "$s" text.txt json.txt; then fail "a secret appears in inspect's output: $s"; fi
  done
}
field() { python3 -c 'import json,sys; v=json.load(open("json.txt"))[sys.argv[1]]; print(v if isinstance(v, str) else json.dumps(v))' "$1"; }

# ---- the files, made by the commands that write them ----
printf 'inspect test passphrase\n' > pass
"$bin" ceremony dealer -k 2 -n 3 --out auth > /dev/null
"$client" identity new --name alice --out alice > /dev/null
"$client" identity new --name bob --out bob > /dev/null
"$bin" agency new --name police --out agency > /dev/null
"$bin" operator new --out operator > /dev/null
"$bin" court init --dir court > /dev/null
"$bin" court appoint --dir court --judge jane > /dev/null
"$bin" court issue --dir court --judge jane --case "C 42" --target bob --from 2026-12-01T09:00:00Z \
  --until 2026-12-01T17:00:00Z --max-sessions 7 --agency agency.pub --out warrant.bin --json > issued.json
"$client" register --identity alice.key --mailbox provider.db > /dev/null
"$client" register --identity bob.key --mailbox provider.db > /dev/null
"$client" send --identity alice.key --to bob.pub --authority auth/authority.pub --mailbox provider.db \
  --message hello --time $(($(date +%s) - 10)) > /dev/null   # pins bob in alice.known-keys.json
mkdir t1
"$bin" trustee init --db t1/state.db --share auth/share-1.bin --authority auth/authority.pub --root court/root.pem \
  --crl court/crl.pem --passphrase-file pass > /dev/null
"$bin" trustee serve --db t1/state.db --passphrase-file pass --port 0 --port-file t1/port 2> t1/log.txt &
pids+=($!)
for _ in $(seq 1 100); do [ -s t1/port ] && break; sleep 0.1; done
[ -s t1/port ] || { cat t1/log.txt; fail "the trustee did not start"; }
"$bin" enroll --directory trustees.json --url http://127.0.0.1:$(cat t1/port) > /dev/null

# ---- each kind ----

# The authority's public key: k, n, epoch, n verification keys, and the fingerprint of SPEC §5.1,
# recomputed here from the file's bytes (Y at offset 12: header 6, k, n, epoch 4).
inspect_both auth/authority.pub authority_public_key
python3 <<'PY' || fail "authority.pub: fields or fingerprint"
import hashlib, json
j = json.load(open("json.txt"))
raw = open("auth/authority.pub", "rb").read()
y = raw[12:44]
lp = lambda b: len(b).to_bytes(4, "big") + b
h = hashlib.blake2b(lp(b"doormat/v1/tdh2/key-fingerprint") + lp(y), digest_size=16).hexdigest()
want = ":".join(h[i:i + 4] for i in range(0, 32, 4))
assert (j["k"], j["n"], j["epoch"], j["verification_keys"]) == (2, 3, 0, 3), j
assert j["y"] == y.hex() and j["fingerprint"] == want, (j, want)
PY
grep -q "  fingerprint: $(field fingerprint)" text.txt || fail "authority.pub: no fingerprint in the text"
authority_fp=$(field fingerprint)

# A share file: index and epoch, its public x_i G (the authority's Y_i), never x_i.
share_secret_hex=$(python3 -c 'print(open("auth/share-2.bin","rb").read()[11:43].hex())')
share_secret_b64=$(python3 -c 'import base64; print(base64.b64encode(open("auth/share-2.bin","rb").read()[11:43]).decode()[:40])')
inspect_both auth/share-2.bin key_share
no_secret "$share_secret_hex" "$share_secret_b64"
python3 -c 'import json; j=json.load(open("json.txt")); assert j["trustee"]==2 and j["epoch"]==0 and "matches_authority" not in j, j'
y2=$(python3 -c 'print(open("auth/authority.pub","rb").read()[12 + 32 * 2:12 + 32 * 3].hex())')
[ "$(field verification_key)" = "$y2" ] || fail "share-2: x_i G is not authority.pub's Y_2"
inspect_both auth/share-2.bin key_share --authority auth/authority.pub
no_secret "$share_secret_hex" "$share_secret_b64"
python3 -c 'import json,sys; j=json.load(open("json.txt")); assert j["matches_authority"] is True and (j["k"], j["n"])==(2, 3) and j["authority_fingerprint"]==sys.argv[1], j' "$authority_fp"
# ... and against another authority's key: computed false, with the reason.
"$bin" ceremony dealer -k 2 -n 3 --out other > /dev/null
inspect_both auth/share-2.bin key_share --authority other/authority.pub
python3 -c 'import json; j=json.load(open("json.txt")); assert j["matches_authority"] is False and "not the authority" in j["authority_check"], j'

# Identities: name, keys, the fingerprint that send/receive show; a .key's secrets never.
for who in alice agency operator; do
  x_secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["x25519_secret"])' $who.key)
  ed_seed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ed25519_secret"][:64])' $who.key)
  inspect_both $who.key identity_secret
  no_secret "$x_secret" "$ed_seed"
  python3 -c 'import json,sys; k=json.load(open("json.txt")); p=json.load(open(sys.argv[1])); assert (k["x25519"], k["ed25519"], k["name"]) == (p["x25519"], p["ed25519"], p["name"]), (k, p)' $who.pub
  fp=$(field fingerprint)
  inspect_both $who.pub identity_public
  [ "$(field fingerprint)" = "$fp" ] || fail "$who: .pub and .key fingerprints differ"
done
made_fp=$("$client" identity new --name carol --out carol --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["fingerprint"])')
inspect_both carol.pub identity_public
[ "$(field fingerprint)" = "$made_fp" ] || fail "carol.pub: not the fingerprint identity new printed"
# A name from before the account-name rule is escaped as receive escapes it.
python3 -c 'import json; j=json.load(open("alice.pub")); j["name"]="b\u043eb x"; open("old.pub","w").write(json.dumps(j))'
inspect_both old.pub identity_public
[ "$(field name)" = 'b\xd0\xbeb\x20x' ] || { cat text.txt; fail "old.pub: the name is not escaped"; }

# The signed warrant: what court show prints of it, times in ISO 8601, the hash audit names it by.
inspect_both warrant.bin signed_warrant
python3 <<'PY' || fail "warrant.bin: fields"
import json
j = json.load(open("json.txt")); issued = json.load(open("issued.json"))
assert j["hash"] == issued["hash"] and j["id"] == issued["id"], (j, issued)
assert j["case"] == "C 42" and j["court"] == "District Court" and j["targets"] == ["bob"], j
assert j["window_iso"] == ["2026-12-01T09:00:00Z", "2026-12-01T17:00:00Z"] and j["max_sessions"] == 7, j
assert j["signatures"] == 1 and j["judges"][0]["name"] == "Judge jane", j
assert j["agency_ed25519"] == json.load(open("agency.pub"))["ed25519"], j
PY
grep -q "  window: 2026-12-01T09:00:00Z .. 2026-12-01T17:00:00Z" text.txt || { cat text.txt; fail "warrant: no ISO window"; }

# The court's folder: root and judge certificates, a private key (nothing of it shown), the CRL,
# the register.
inspect_both court/root.pem root_certificate
python3 -c 'import json; j=json.load(open("json.txt")); assert j["ca"] is True and j["subject"]=="Doormat Judicial Root", j'
inspect_both court/judges/jane.pem certificate
python3 -c 'import json; j=json.load(open("json.txt")); assert j["ca"] is False and j["subject"]=="Judge jane" and j["issuer"]=="Doormat Judicial Root", j'
inspect_both court/judges/jane.key private_key
no_secret $(grep -v -- '-----' court/judges/jane.key)
inspect_both court/root.key private_key
no_secret $(grep -v -- '-----' court/root.key)
inspect_both court/crl.pem crl
python3 -c 'import json; j=json.load(open("json.txt")); assert j["crl_number"]==1 and j["revoked"]==0 and j["issuer"]=="Doormat Judicial Root", j'
inspect_both court/register.jsonl warrant_register
python3 -c 'import json; j=json.load(open("json.txt")); i=json.load(open("issued.json")); assert j["count"]==1 and j["warrants"][0]["hash"]==i["hash"], j'

# The known-keys file send wrote, and the trustee directory enroll wrote.
inspect_both alice.known-keys.json known_keys
python3 -c 'import json; j=json.load(open("json.txt")); b=json.load(open("bob.pub")); assert j["count"]==1 and j["keys"][0]["name"]=="bob" and j["keys"][0]["ed25519"]==b["ed25519"], j'
inspect_both trustees.json trustee_directory
python3 -c 'import json; j=json.load(open("json.txt")); assert j["count"]==1 and j["trustees"][0]["trustee"]==1, j'

# --help says what it reads.
"$bin" inspect --help | grep -q "without its secrets" || fail "inspect --help"

# ---- refusals: one line naming the file, exit 1, nothing on stdout but the JSON error ----
refused() {
  local file="$1" why="$2"
  expect 1 "$bin" inspect "$file"
  [ "$(wc -l < err.txt)" = 1 ] && [ ! -s out.txt ] || { cat out.txt err.txt; fail "$file: not one error line"; }
  grep -qF -- "$file" err.txt && grep -qF -- "$why" err.txt || { cat err.txt; fail "$file: the error does not name the file and '$why'"; }
  expect 1 "$bin" inspect "$file" --json
  python3 -c 'import json; e=json.load(open("out.txt"))["error"]; assert e["code"] and e["message"], e' || fail "$file: no JSON error"
}
head -c 40 auth/authority.pub > short.pub
refused short.pub "authority public key that does not decode"
python3 -c 'b=bytearray(open("auth/share-1.bin","rb").read()); b[10]=0; open("zero-index.bin","wb").write(b)'
refused zero-index.bin "key share that does not decode"
python3 -c 'b=open("warrant.bin","rb").read(); open("trailing.bin","wb").write(b + b"x")'
refused trailing.bin "signed warrant that does not decode"
python3 -c 'import json; j=json.load(open("alice.key")); j["x25519_secret"]="00"*32; open("mismatch.key","w").write(json.dumps(j))'
refused mismatch.key "secret and public keys do not match"
printf -- '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n' > bad.pem
refused bad.pem "certificate that does not parse"
printf -- '-----BEGIN X509 CRL-----\nnot base64\n-----END X509 CRL-----\n' > bad-crl.pem
refused bad-crl.pem "CRL that does not parse"
printf '[{"trustee": 1, "url": "http://127.0.0.1:1"}]\n' > no-key-directory.json
refused no-key-directory.json "trustee directory that does not load"
printf '{"format": "doormat-known-keys-v1"}\n' > no-keys.json
refused no-keys.json "no keys array"
{ cat court/register.jsonl; head -c 30 court/register.jsonl; } > torn.jsonl
refused torn.jsonl "warrant register that does not load"
printf 'hello, world\n' > notes.txt
refused notes.txt "not a file Doormat writes"
printf '{"format": "something-else"}\n' > other.json
refused other.json "not one Doormat writes"
refused t1/state.db "SQLite database"
refused no-such-file "no-such-file"
expect 2 "$bin" inspect
echo "inspect: every kind shown, no secret printed, every refusal names its file"
