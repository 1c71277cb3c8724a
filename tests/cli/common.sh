# What every tests/cli script starts with: sourced after `set -euo pipefail` with the two programs
# as $1 and $2. It sets $bin and $client, moves into a fresh folder removed on exit (stopping and
# killing every process put into $pids), and defines fail and expect.
bin="$1"
client="$2"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
# expect CODE CMD...: CMD exits CODE (stdout to out.txt, stderr to err.txt).
expect() {
  local want="$1"; shift
  local got=0
  "$@" > out.txt 2> err.txt || got=$?
  [ "$got" = "$want" ] || { cat out.txt err.txt; fail "exit $got, not $want: $*"; }
}
