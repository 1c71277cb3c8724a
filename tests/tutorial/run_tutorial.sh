#!/usr/bin/env bash
# Runs docs/TUTORIAL.md: every ```sh block, in order, in one bash shell in an empty folder, with
# the built programs first on PATH. A command that fails fails the test (set -e), except in a
# block whose first line is "# this command fails", which must exit non-zero. Trustee daemons
# the page starts (their pids in */pid) are stopped on exit, whatever happened.
#
# usage: run_tutorial.sh TUTORIAL.md ESCROW_AUTHORITY ESCROW_CLIENT
set -euo pipefail
page="$(realpath "$1")"
authority_dir="$(dirname "$(realpath "$2")")"
client_dir="$(dirname "$(realpath "$3")")"
work="$(mktemp -d)"
keep="${DOORMAT_KEEP_TUTORIAL:-}"
cleanup() {
  for f in $(find "$work" -name pid 2>/dev/null); do kill "$(cat "$f")" 2>/dev/null || true; done
  if [ -n "$keep" ]; then echo "tutorial folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The blocks, each wrapped: an ordinary block runs as is; an expected failure runs in a subshell
# that must fail.
python3 - "$page" > "$work/tutorial.sh" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"^```sh\n(.*?)^```\s*$", text, flags=re.S | re.M)
assert blocks, "no ```sh blocks in the page"
print("set -euo pipefail")
for n, b in enumerate(blocks, 1):
    print(f"echo '--- block {n}' >&2")
    if b.startswith("# this command fails"):
        print(f"if ( {b.strip()}\n); then echo 'FAIL: block {n} was meant to fail and succeeded' >&2; exit 1; fi")
    else:
        print(b)
print("echo '--- every block ran' >&2")
PY
[ "$(grep -c "^echo '--- block" "$work/tutorial.sh")" -ge 10 ] || { echo "FAIL: too few blocks found in $page"; exit 1; }

cd "$work"
PATH="$authority_dir:$client_dir:$PATH" timeout 240 bash "$work/tutorial.sh"
# The page's last block stops the trustees: none may be left running.
sleep 1
for f in $(find "$work" -name pid); do
  for _ in $(seq 1 50); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$(cat "$f")" 2>/dev/null; then echo "FAIL: the tutorial left the trustee of $f running"; exit 1; fi
done
echo ok
