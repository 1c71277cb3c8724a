#!/usr/bin/env bash
# escrow-attacks' command line: list, JSON that parses, refusals with a clear message.
set -euo pipefail
attacks="$1"
[ "$("$attacks" list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 13 ]
"$attacks" run bad-share --quick --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["attack"] == "bad-share", r
assert {c["scheme"] for c in r["cells"]} == {"clipper", "naive-shamir", "threshold-elgamal", "tdh2", "tdh2-crumple"}
for c in r["cells"]:
    assert set(c) >= {"attack", "scheme", "verdict", "evidence", "metrics"}, c
'
if "$attacks" run no-such-attack 2> err.txt; then echo "an unknown attack was accepted"; exit 1; fi
grep -q "no attack named" err.txt
rm -f err.txt
if "$attacks" run bad-share --crumple-bits 99 2> /dev/null; then echo "t = 99 was accepted"; exit 1; fi
"$attacks" --help | grep -q matrix
echo ok
