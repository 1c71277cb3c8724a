#!/usr/bin/env bash
# escrow-attacks' command line: list, JSON that parses (run and matrix both objects), --version,
# refusals with a clear message (an unwritable --html path before the run).
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
"$attacks" --version | grep -Eq '^escrow-attacks \(Doormat\) [0-9]+\.[0-9]+\.[0-9]+$'
# An HTML path that cannot be written is refused before the run, not after it.
start=$(date +%s)
if "$attacks" matrix --quick --html /no/such/dir/x.html > out.txt 2> err.txt; then echo "an unwritable --html path was accepted"; exit 1; fi
grep -q "cannot write the HTML report" err.txt
[ ! -s out.txt ] || { echo "the run went ahead before refusing the --html path"; exit 1; }
[ $(( $(date +%s) - start )) -lt 5 ] || { echo "the --html path was refused only after the run"; exit 1; }
# matrix --json is an object like run --json's: each attack's report, and the matrix's cells. No
# colour anywhere (NO_COLOR or not: the program prints none).
NO_COLOR=1 "$attacks" matrix --quick --json > matrix.json
python3 - matrix.json <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
assert isinstance(m, dict) and set(m) >= {"attacks", "cells", "schemes", "options", "version"}, list(m)
assert len(m["attacks"]) == 13 and len(m["cells"]) == 13 * 5, (len(m["attacks"]), len(m["cells"]))
assert m["options"]["quick"] is True
for a in m["attacks"]:
    assert set(a) >= {"attack", "title", "narrative", "numbers", "cells", "charts"}, a.keys()
    assert [c["scheme"] for c in a["cells"]] == m["schemes"]
dkg = next(a for a in m["attacks"] if a["attack"] == "dkg-bias")
assert all("intervals95" in s for s in dkg["charts"][0]["series"] if s["name"] == "measured")
PY
if grep -q $'\033' matrix.json out.txt; then echo "colour escapes in the output"; exit 1; fi
rm -f out.txt err.txt matrix.json
echo ok
