#!/usr/bin/env bash
# The command line as a new user meets it (issue 16): --version, usage errors exit 2, errors
# under --json as one object, refusals to overwrite keys without --force, --json on the commands
# that lacked it, `send --message -`, a message's control sequence shown escaped by `receive`, a
# damaged mailbox envelope skipped (not fatal), `court show`
# verifying, `investigate` with a stale authority key after a refresh (named, exit 4), and
# `audit` in parallel with --timeout and exit 5 when trustees are unchecked.
#
# usage: cli.sh ESCROW_AUTHORITY ESCROW_CLIENT
set -euo pipefail
source "$(dirname "$0")/common.sh"

# --version, usage errors.
"$bin" --version | grep -Eq '^escrow-authority \(Doormat\) [0-9]+\.[0-9]+\.[0-9]+$' || fail "escrow-authority --version"
"$client" --version | grep -Eq '^escrow-client \(Doormat\) [0-9]+\.[0-9]+\.[0-9]+$' || fail "escrow-client --version"
expect 2 "$bin" court issue --no-such-option
expect 2 "$client" send
expect 2 "$bin" ceremony dealer -k 0 -n 3 --out x

# A missing folder: one line, the file and the next step, no C++ function or category.
printf 'cli test passphrase\n' > pass
"$bin" court init --dir court > /dev/null
expect 1 "$bin" trustee init --db no/such/dir/state.db --index 1 --root court/root.pem --crl court/crl.pem --passphrase-file pass
grep -q "the folder no/such/dir does not exist (create it first: mkdir -p no/such/dir)" err.txt || { cat err.txt; fail "missing folder message"; }
if grep -Eq '::|internal error' err.txt; then cat err.txt; fail "a C++ function or the wrong category in the message"; fi
[ "$(wc -l < err.txt)" = 1 ] || fail "more than one line"
# --share without --authority is a usage error, not "cannot read " with a blank path.
"$bin" ceremony dealer -k 2 -n 3 --out auth > /dev/null
expect 2 "$bin" trustee init --db t.db --share auth/share-1.bin --root court/root.pem --crl court/crl.pem --passphrase-file pass
# Errors under --json: {"error": {"code", "message"}} on stdout.
expect 1 "$bin" court issue --dir nowhere --judge jane --case C --target bob --from 1 --to 2 --agency pass --out w.bin --json
python3 -c 'import json,sys; e=json.load(open("out.txt"))["error"]; assert e["code"] and e["message"], e'

# Refusals to overwrite without --force; --json where it was missing.
"$bin" court appoint --dir court --judge jane > /dev/null
"$bin" court appoint --dir court --judge john > /dev/null
cp court/judges/jane.key jane.key.before
expect 1 "$bin" court appoint --dir court --judge jane
grep -q "already appointed" err.txt || fail "court appoint: no reason"
cmp -s court/judges/jane.key jane.key.before || fail "court appoint replaced jane's key"
expect 1 "$bin" ceremony dealer -k 2 -n 3 --out auth
grep -q "exists" err.txt || fail "ceremony dealer: no reason"
"$bin" ceremony dealer -k 2 -n 3 --out auth2 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["k"]==2 and len(d["shares"])==3, d'
"$bin" ceremony dealer -k 2 -n 3 --out auth2 --force --json > /dev/null
"$bin" agency new --name agency --out agency --json | python3 -c 'import json,sys; assert json.load(sys.stdin)["agency"]=="agency"'
cp agency.key agency.key.before
expect 1 "$bin" agency new --name agency --out agency
cmp -s agency.key agency.key.before || fail "agency new replaced the agency's key"
"$client" identity new --name alice --out alice --json | python3 -c 'import json,sys; assert json.load(sys.stdin)["name"]=="alice"'
"$client" identity new --name bob --out bob > /dev/null
"$bin" operator new --out operator > /dev/null

# Three trustees from the dealer's shares, with the operator's key (so they can be refreshed).
for i in 1 2 3; do
  mkdir -p t$i
  "$bin" trustee init --db t$i/state.db --share auth/share-$i.bin --authority auth/authority.pub --root court/root.pem \
    --crl court/crl.pem --passphrase-file pass --operator operator.pub > /dev/null
  "$bin" trustee serve --db t$i/state.db --passphrase-file pass --port 0 --port-file t$i/port 2> t$i/log.txt &
  pids+=($!)
done
for i in 1 2 3; do
  for _ in $(seq 1 100); do [ -s t$i/port ] && break; sleep 0.1; done
  [ -s t$i/port ] || { cat t$i/log.txt; fail "trustee $i did not start"; }
done
urls=(--url http://127.0.0.1:$(cat t1/port) --url http://127.0.0.1:$(cat t2/port) --url http://127.0.0.1:$(cat t3/port))
"$bin" enroll --directory trustees.json "${urls[@]}" --json | python3 -c 'import json,sys; assert len(json.load(sys.stdin)["trustees"])==3'
"$bin" enroll --directory trustees.json "${urls[@]}" > /dev/null   # the same trustees again: fine
expect 1 "$bin" enroll --directory trustees.json --url http://127.0.0.1:$(cat t1/port)
grep -q "trustee 2 recorded in trustees.json is not among the trustees enrolled now" err.txt || { cat err.txt; fail "enroll: no reason"; }
"$bin" enroll --directory one.json --url http://127.0.0.1:$(cat t1/port) > /dev/null

# send --message - reads standard input (the provider refuses a label more than 300 s off its clock).
"$client" register --identity alice.key --mailbox provider.db > /dev/null
now=$(date +%s)
printf 'from standard input\n' | "$client" send --identity alice.key --to bob.pub --authority auth/authority.pub \
  --mailbox provider.db --message - --time $((now - 200)) > /dev/null
"$client" send --identity alice.key --to bob.pub --authority auth/authority.pub --mailbox provider.db \
  --message "second $(printf '\033')[31mred" --time $((now - 100)) > /dev/null
# A damaged envelope among them: reported and skipped, the others still read.
python3 - <<'PY'
import sqlite3, time
db = sqlite3.connect("provider.db")
db.execute("INSERT INTO envelopes (sender, recipient, time, session_id, envelope) VALUES ('alice', 'bob', ?, ?, ?)",
           (int(time.time()) - 200, b"\x01" * 32, b"\xde\xad\xbe\xef"))
db.commit()
PY
"$client" receive --identity bob.key --authority auth/authority.pub --mailbox provider.db > out.txt
grep -q "from alice (key [0-9a-f:]*, first seen, pinned) at .*: from standard input" out.txt || { cat out.txt; fail "--message - did not read standard input"; }
grep -q "1 envelope(s) addressed to you do not parse and were skipped: #3" out.txt || { cat out.txt; fail "receive: damaged row"; }
# The sender's terminal control sequence is shown, not sent to the terminal.
grep -qF 'second \x1b[31mred' out.txt || { cat -v out.txt; fail "receive: a control character reached the terminal"; }
! grep -q "$(printf '\033')" out.txt || fail "receive: an ESC byte in the output"
"$client" receive --identity bob.key --authority auth/authority.pub --mailbox provider.db --json | python3 -c '
import json, sys
m = json.load(sys.stdin)
assert [x["opened"] for x in m] == [True, True, False] and m[2]["damaged"], m'

# A warrant: court show verifies it; a revoked judge's warrant is INVALID, exit 1.
"$bin" court issue --dir court --judge jane --case C-1 --target bob --from $((now - 3600)) --to "$now" --agency agency.pub \
  --out warrant.bin --json | python3 -c 'import json,sys; assert json.load(sys.stdin)["case"]=="C-1"'
"$bin" court issue --dir court --judge john --case C-2 --target bob --from $((now - 3600)) --to "$now" --agency agency.pub \
  --out warrant-john.bin > /dev/null
# Dates and durations in ISO 8601 (Unix seconds still taken): the warrant holds the seconds that
# `date -u` gives for the same text, the output shows them back in ISO 8601; other forms exit 2.
"$bin" court issue --dir court --judge jane --case C-ISO --target bob --from 2026-12-01T09:00Z --until 2026-12-01T18:30:00+01:00 \
  --valid-for PT1H --agency agency.pub --out warrant-iso.bin --json > iso.json
python3 - "$(date -u -d 2026-12-01T09:00Z +%s)" "$(date -u -d 2026-12-01T17:30Z +%s)" <<'PY'
import json, sys, time
j = json.load(open("iso.json"))
assert j["window"] == [int(sys.argv[1]), int(sys.argv[2])], j
assert j["window_iso"] == ["2026-12-01T09:00:00Z", "2026-12-01T17:30:00Z"], j
assert abs(j["not_after"] - (time.time() + 3600)) < 60, j
assert time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(j["not_after"])) == j["not_after_iso"], j
PY
"$bin" court show warrant-iso.bin > out.txt
grep -q "window: 2026-12-01T09:00:00Z .. 2026-12-01T17:30:00Z" out.txt || { cat out.txt; fail "court show: window not in ISO 8601"; }
for bad in "--from 2026-12-01" "--from 2026-12-01T09:00" "--from yesterday" "--valid-for 30d" "--valid-for P1M"; do
  set -- $bad
  args=(--from 2026-12-01T09:00Z --until 2026-12-01T17:00Z --valid-for P1D)
  for k in "${!args[@]}"; do [ "${args[$k]}" = "$1" ] && args[$((k + 1))]="$2"; done
  expect 2 "$bin" court issue --dir court --judge jane --case C-BAD --target bob "${args[@]}" --agency agency.pub --out bad.bin
  grep -q "ISO 8601" err.txt || { cat err.txt; fail "court issue $bad: no accepted form named"; }
  [ ! -e bad.bin ] || fail "court issue $bad wrote a warrant"
done
expect 2 "$client" send --identity alice.key --to bob.pub --authority auth/authority.pub --mailbox provider.db --message x --time tomorrow
grep -q "is not a time" err.txt || { cat err.txt; fail "send --time: no reason"; }
"$bin" court show warrant.bin > out.txt
grep -q "signed by Judge jane: certificate valid, signature valid" out.txt || { cat out.txt; fail "court show: judge"; }
grep -q "status: valid" out.txt || { cat out.txt; fail "court show: status"; }
"$bin" court revoke --dir court --judge john > /dev/null
expect 1 "$bin" court show warrant-john.bin --json
python3 -c 'import json; j=json.load(open("out.txt")); assert not j["valid"] and "revoked" in j["status"], j'

# investigate: the damaged row skipped, both sessions decrypted.
inv() { "$bin" investigate --warrant "$1" --agency agency.key --authority "$2" --mailbox provider.db --trustees trustees.json --timeout 5 "${@:3}"; }
inv warrant.bin auth/authority.pub --json > inv.json
python3 -c '
import json; r = json.load(open("inv.json"))
assert r["sessions_decrypted"] == 2 and [d["id"] for d in r["damaged_envelopes"]] == [3], r'
expect 4 inv warrant-john.bin auth/authority.pub
grep -q "none of the 2 session(s) asked about was decrypted" err.txt || { cat err.txt; fail "investigate: exit 4 reason"; }

# After a refresh, the old authority.pub: stale, named, not "cheating", exit 4.
"$bin" ceremony refresh --trustees trustees.json -k 2 --operator operator.key --out auth/authority-1.pub > /dev/null
expect 4 inv warrant.bin auth/authority.pub
grep -q "the authority key file is stale: it is for epoch 0" out.txt || { cat out.txt; fail "stale key not named"; }
if grep -q "cheating" out.txt; then cat out.txt; fail "honest trustees called cheats"; fi
grep -q "0 of 2 needed issued" out.txt || { cat out.txt; fail "below quorum not said"; }
expect 0 inv warrant.bin auth/authority-1.pub

# audit: consistent, 0; one frozen trustee costs one --timeout (in parallel); two down of three: 5.
expect 0 "$bin" audit --trustees trustees.json --state audit.json --timeout 2
DOORMAT_TRUSTEES=trustees.json expect 0 "$bin" audit --state audit.json --timeout 2   # the directory from the environment
kill -STOP "${pids[0]}" "${pids[1]}"
start=$(date +%s)
expect 5 "$bin" audit --trustees trustees.json --state audit.json --timeout 2 --json
[ $(( $(date +%s) - start )) -lt 5 ] || fail "audit took more than one --timeout for two frozen trustees"
python3 -c 'import json; a=json.load(open("out.txt")); assert a["unreachable"] == 2, a'
kill -CONT "${pids[0]}"
expect 5 "$bin" audit --trustees trustees.json --state audit.json --timeout 2      # 1 of 3 down: still unchecked
expect 0 "$bin" audit --trustees trustees.json --state audit.json --timeout 2 --allow-unreachable
kill -CONT "${pids[1]}"
echo ok
