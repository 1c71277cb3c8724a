#!/usr/bin/env bash
# Progress of a long command (issue 16, app/progress): `investigate` draws its stages, counts and
# the time left on standard error when it is a terminal (a pty from script(1) here), with the
# stage in bold unless NO_COLOR is set; piped, its standard error carries no progress at all and
# its result is the same. Real trustee processes, a real warrant and mailbox.
#
# usage: progress.sh ESCROW_AUTHORITY ESCROW_CLIENT
set -euo pipefail
source "$(dirname "$0")/common.sh"
command -v script > /dev/null || { echo "SKIP: no script(1) to give the command a terminal"; exit 77; }

printf 'progress test passphrase\n' > pass
"$bin" ceremony dealer -k 2 -n 2 --out auth > /dev/null
"$bin" court init --dir court > /dev/null
"$bin" court appoint --dir court --judge jane > /dev/null
"$bin" agency new --name agency --out agency > /dev/null
for i in 1 2; do
  mkdir t$i
  "$bin" trustee init --db t$i/state.db --share auth/share-$i.bin --authority auth/authority.pub --root court/root.pem \
    --crl court/crl.pem --passphrase-file pass > /dev/null
  "$bin" trustee serve --db t$i/state.db --passphrase-file pass --port 0 --port-file t$i/port 2> t$i/log.txt &
  pids+=($!)
done
for i in 1 2; do
  for _ in $(seq 1 100); do [ -s t$i/port ] && break; sleep 0.1; done
  [ -s t$i/port ] || { cat t$i/log.txt; fail "trustee $i did not start"; }
done
"$bin" enroll --directory trustees.json --url http://127.0.0.1:$(cat t1/port) --url http://127.0.0.1:$(cat t2/port) > /dev/null
for who in alice bob; do
  "$client" identity new --name $who --out $who > /dev/null
  "$client" register --identity $who.key --mailbox provider.db > /dev/null
done
now=$(date +%s)
for i in 1 2 3; do
  "$client" send --identity alice.key --to bob.pub --authority auth/authority.pub --mailbox provider.db \
    --message "message $i" --time $((now - 100 + i)) > /dev/null
done
"$bin" court issue --dir court --judge jane --case P-1 --target bob --from $((now - 3600)) --until $((now + 60)) \
  --agency agency.pub --out warrant.bin > /dev/null
investigate="$bin investigate --warrant warrant.bin --agency agency.key --authority auth/authority.pub --mailbox provider.db --trustees trustees.json --batch 1"

# Piped: no progress on standard error, the result on standard output.
$investigate > piped.out 2> piped.err
grep -q 'DECRYPTED "message 3"' piped.out || { cat piped.out; fail "piped: not decrypted"; }
if grep -q "asking the trustees" piped.err || grep -q $'\r' piped.err; then cat -v piped.err; fail "progress drawn into a pipe"; fi

# On a terminal: both stages, their counts (3 requests of --batch 1, 3 sessions), redrawn in place
# and cleared; the stage name in bold.
script -qec "$investigate" /dev/null > tty.out
grep -q 'DECRYPTED "message 3"' tty.out || { cat -v tty.out; fail "terminal: not decrypted"; }
grep -q "investigate: asking the trustees (requests).*: 3/3 (100%)" tty.out || { cat -v tty.out; fail "terminal: no request count"; }
grep -q "investigate: checking and combining (sessions).*: 3/3 (100%)" tty.out || { cat -v tty.out; fail "terminal: no session count"; }
grep -q $'\r\033\\[K' tty.out || { cat -v tty.out; fail "terminal: not redrawn in place"; }
grep -q $'\033\\[1minvestigate' tty.out || { cat -v tty.out; fail "terminal: the stage is not bold"; }

# NO_COLOR: the same progress, no bold.
NO_COLOR=1 script -qec "$investigate" /dev/null > nocolor.out
grep -q "checking and combining (sessions): 3/3 (100%)" nocolor.out || { cat -v nocolor.out; fail "NO_COLOR: no progress"; }
if grep -q $'\033\\[1m' nocolor.out; then cat -v nocolor.out; fail "NO_COLOR: bold anyway"; fi
echo "progress: drawn on a terminal, plain under NO_COLOR, nothing when piped"
