#!/usr/bin/env bash
# escrow-client's account names, identities and known keys, as a user meets them (issue 16; fourth
# outside test, F3). Real processes on a real SQLite provider database:
#  - each look-alike of "bob" (Bob, "bob ", Cyrillic о, Greek ο, bob + U+200B) is refused by
#    `identity new` and by the provider at `register`, naming the rule, and opens no account;
#  - `receive` escapes a look-alike name from older data (an account made before the rule);
#  - `identity new` never replaces an identity;
#  - trust on first use: the provider's directory swapping alice's key is refused by `receive`
#    (exit 7, nothing from the new key opened) until the user accepts the new fingerprint, and a
#    swapped bob.pub is refused by `send` (exit 7, nothing sent).
#
# usage: client_names_keys.sh ESCROW_AUTHORITY ESCROW_CLIENT
set -euo pipefail
source "$(dirname "$0")/common.sh"
rule="lowercase ASCII"
accounts() { python3 -c 'import sqlite3; print(sqlite3.connect("provider.db").execute("SELECT count(*) FROM accounts").fetchone()[0])'; }

"$bin" ceremony dealer -k 2 -n 3 --out auth > /dev/null
for who in alice bob; do
  "$client" identity new --name $who --out $who --json > $who.made.json
  "$client" register --identity $who.key --mailbox provider.db > /dev/null
done

# 1. Look-alikes: refused by identity new (no file written) and by the provider at register.
lookalikes=("Bob" "bob " "b$(printf '\xd0\xbe')b" "b$(printf '\xce\xbf')b" "bob$(printf '\xe2\x80\x8b')")
i=0
for name in "${lookalikes[@]}"; do
  i=$((i + 1))
  expect 1 "$client" identity new --name "$name" --out look-$i
  grep -q "$rule" err.txt || { cat err.txt; fail "identity new: no rule for look-alike $i"; }
  [ ! -e look-$i.key ] && [ ! -e look-$i.pub ] || fail "identity new wrote files for look-alike $i"
  # An identity file edited to carry the look-alike (the name in a .key file is not signed).
  python3 - "$name" "look-$i.key" <<'PY'
import json, sys
j = json.load(open("alice.key")); j["name"] = sys.argv[1]
open(sys.argv[2], "w").write(json.dumps(j))
PY
  before=$(accounts)
  expect 1 "$client" register --identity look-$i.key --mailbox provider.db
  grep -q "$rule" err.txt || { cat err.txt; fail "register: no rule for look-alike $i"; }
  [ "$(accounts)" = "$before" ] || fail "register of look-alike $i changed the accounts"
done

# 2. identity new never replaces an identity.
cp alice.key alice.key.before
expect 1 "$client" identity new --name alice --out alice
grep -q "alice.pub already exists" err.txt || { cat err.txt; fail "identity new: no reason"; }
cmp -s alice.key alice.key.before || fail "identity new replaced alice.key"

# 3. A look-alike account from older data (made before the rule, straight into the database):
#    receive escapes its bytes and marks it.
"$client" identity new --name carol --out cyr > /dev/null
python3 - <<'PY'
import json, sqlite3
j = json.load(open("cyr.key")); j["name"] = "b\u043eb"            # Cyrillic о
open("cyr.key", "w").write(json.dumps(j))
db = sqlite3.connect("provider.db")
db.execute("INSERT INTO accounts (name, sign_key) VALUES (?, ?)", ("b\u043eb", bytes.fromhex(j["ed25519"])))
db.commit()
PY
"$client" send --identity cyr.key --to alice.pub --authority auth/authority.pub --mailbox provider.db --message "it is me, bob" > /dev/null
"$client" receive --identity alice.key --authority auth/authority.pub --mailbox provider.db > out.txt
grep -qF 'from b\xd0\xbeb [not a valid account name] (key ' out.txt || { cat out.txt; fail "receive: the look-alike not escaped"; }
"$client" receive --identity alice.key --authority auth/authority.pub --mailbox provider.db --json > out.json
python3 -c '
import json; m = json.load(open("out.json"))[0]
assert m["from"] == "b\\xd0\\xbeb" and m["from_valid_account_name"] is False, m'

# 4. Trust on first use, receive: bob pins alice's key; the provider then swaps alice's key for
#    one an impostor holds, and the impostor sends as alice.
"$client" send --identity alice.key --to bob.pub --authority auth/authority.pub --mailbox provider.db --message "genuine" > out.txt
grep -q "bob (key [0-9a-f:]*, first seen, pinned)" out.txt || { cat out.txt; fail "send: no recipient fingerprint"; }
"$client" receive --identity bob.key --authority auth/authority.pub --mailbox provider.db > out.txt
grep -q "from alice (key [0-9a-f:]*, first seen, pinned) at .*: genuine" out.txt || { cat out.txt; fail "receive: first key not pinned"; }
alice_fp=$(sed -n 's/.*from alice (key \([0-9a-f:]*\),.*/\1/p' out.txt)
# The fingerprint bob sees is the one alice's identity new told her to give out.
[ "$alice_fp" = "$(python3 -c 'import json; print(json.load(open("alice.made.json"))["fingerprint"])')" ] || fail "fingerprints disagree"
[ -s bob.known-keys.json ] || fail "no known-keys file beside bob.key"
expect 0 "$client" receive --identity bob.key --authority auth/authority.pub --mailbox provider.db
grep -q "from alice (key $alice_fp, known)" out.txt || { cat out.txt; fail "receive: pinned key not known"; }

"$client" identity new --name alice --out impostor > /dev/null
python3 - <<'PY'
import json, sqlite3
k = bytes.fromhex(json.load(open("impostor.pub"))["ed25519"])
db = sqlite3.connect("provider.db"); db.execute("UPDATE accounts SET sign_key = ? WHERE name = 'alice'", (k,)); db.commit()
PY
"$client" send --identity impostor.key --to bob.pub --authority auth/authority.pub --mailbox provider.db --message "send the money" > /dev/null
cp bob.known-keys.json known.before
expect 7 "$client" receive --identity bob.key --authority auth/authority.pub --mailbox provider.db
grep -q "REFUSED (the key the provider's directory shows for 'alice'" out.txt || { cat out.txt; fail "receive: swapped key not refused"; }
if grep -q "send the money" out.txt; then cat out.txt; fail "receive opened the impostor's message"; fi
grep -q "^WARNING: .*someone may be impersonating them" err.txt || { cat err.txt; fail "receive: no loud warning"; }
new_fp=$(sed -n 's/.*shows for .alice. (fingerprint \([0-9a-f:]*\)).*/\1/p' err.txt | head -1)
[ -n "$new_fp" ] && [ "$new_fp" != "$alice_fp" ] || { cat err.txt; fail "the new fingerprint not named"; }
cmp -s bob.known-keys.json known.before || fail "a refused key changed the known-keys file"
expect 7 "$client" receive --identity bob.key --authority auth/authority.pub --mailbox provider.db --json
python3 -c '
import json; m = [x for x in json.load(open("out.txt")) if x.get("sender_key") == "changed, refused"]
assert len(m) == 1 and not m[0]["opened"], m'
# Accepting another fingerprint accepts nothing; accepting the new one opens it and re-pins.
expect 7 "$client" receive --identity bob.key --authority auth/authority.pub --mailbox provider.db --accept-key "$alice_fp"
expect 0 "$client" receive --identity bob.key --authority auth/authority.pub --mailbox provider.db --accept-key "$new_fp"
grep -q "from alice (key $new_fp, changed, accepted) at .*: send the money" out.txt || { cat out.txt; fail "accepted key not opened"; }
expect 0 "$client" receive --identity bob.key --authority auth/authority.pub --mailbox provider.db
grep -q "from alice (key $new_fp, known)" out.txt || { cat out.txt; fail "accepted key not pinned"; }

# 5. Trust on first use, send: alice pinned bob's key when she first sent; a swapped bob.pub
#    (another identity in bob's name) sends nothing.
python3 - <<'PY'
import json, sqlite3
k = bytes.fromhex(json.load(open("alice.pub"))["ed25519"])   # the provider undoes its swap
db = sqlite3.connect("provider.db"); db.execute("UPDATE accounts SET sign_key = ? WHERE name = 'alice'", (k,)); db.commit()
PY
rows() { python3 -c 'import sqlite3; print(sqlite3.connect("provider.db").execute("SELECT count(*) FROM envelopes").fetchone()[0])'; }
"$client" identity new --name bob --out bob-swapped > /dev/null
before=$(rows)
expect 7 "$client" send --identity alice.key --to bob-swapped.pub --authority auth/authority.pub --mailbox provider.db --message "x"
grep -q "someone may be impersonating them.*; nothing was sent" err.txt || { cat err.txt; fail "send: swapped recipient not refused"; }
[ "$(rows)" = "$before" ] || fail "send to a swapped recipient stored an envelope"
# bob.pub with bob's Ed25519 key and another X25519 key: edited, and no fingerprint accepts it.
python3 - <<'PY'
import json
j = json.load(open("bob.pub")); j["x25519"] = json.load(open("bob-swapped.pub"))["x25519"]
open("bob-edited.pub", "w").write(json.dumps(j))
PY
fp=$(sed -n 's/.*fingerprint \([0-9a-f:]*\), in alice.*/\1/p' err.txt)
expect 7 "$client" send --identity alice.key --to bob-edited.pub --authority auth/authority.pub --mailbox provider.db --message "x" \
  --accept-key "$fp"
grep -q "another X25519 key than the one in alice.known-keys.json: the file was edited" err.txt || { cat err.txt; fail "send: edited box key"; }
[ "$(rows)" = "$before" ] || fail "send to an edited recipient file stored an envelope"
expect 0 "$client" send --identity alice.key --to bob.pub --authority auth/authority.pub --mailbox provider.db --message "still bob"
grep -q "bob (key [0-9a-f:]*, known)" out.txt || { cat out.txt; fail "send: bob's pinned key not known"; }
# 6. The repeated paths from the environment (README, "Environment"): the same receive, no flags.
# (exit 7 both ways: the provider has undone its swap, and bob had accepted the impostor's key.)
rc_env=0; rc_flags=0
DOORMAT_IDENTITY=bob.key DOORMAT_AUTHORITY=auth/authority.pub DOORMAT_MAILBOX=provider.db \
  "$client" receive --json > env.json 2> /dev/null || rc_env=$?
"$client" receive --identity bob.key --authority auth/authority.pub --mailbox provider.db --json > flags.json 2> /dev/null || rc_flags=$?
[ "$rc_env" = 7 ] && [ "$rc_flags" = 7 ] || fail "exit $rc_env and $rc_flags, not 7"
cmp -s env.json flags.json || { diff env.json flags.json; fail "receive from the environment differs"; }
"$client" receive --help | grep -q "Env:DOORMAT_MAILBOX" || fail "--help does not name DOORMAT_MAILBOX"
# A flag wins over the environment.
DOORMAT_IDENTITY=alice.key "$client" receive --identity bob.key --authority auth/authority.pub --mailbox provider.db --json \
  > flags2.json 2> /dev/null || true
cmp -s flags.json flags2.json || fail "the environment overrode a flag"
echo ok
