#!/usr/bin/env bash
# `escrow-attacks live` against a real demo folder: the verdicts must follow what the run recovered
# and what the real trustees and auditor reported. k-1 stolen trustees open nothing (held); k open
# every session in the mailbox (broken, the auditor sees consistent logs), also while the trustees
# serve (off-log); a dictionary holding the real passphrase opens the state file (broken), generated
# guesses do not (held); a stolen judge key opens everything, detected by the audit against the
# court's register; a rewritten log entry is refused at start or caught by the auditor; an old CRL
# copied back and an outsider's refresh are refused. Then the variants that must flip each of
# those: no register, the forged warrant registered, an auditor without a recorded head, a CRL the
# trustees never read, the real operator key. Label evasion by the warrant's target: held with the
# label defence (each evasive session refused at deposit and by the recipient), broken with the test
# hook that turns it off (the recipient reads both, the warrant opens neither). A hard-coded verdict
# fails one of these.
set -euo pipefail
authority="$1" attacks="$2"
work=$(mktemp -d /tmp/doormat-live-test-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$authority" demo --json --workdir "$work/demo" > "$work/demo.json"
[ "$(stat -c %a "$work/demo/ground_truth.json")" = 600 ] || { echo "ground_truth.json is not 0600"; exit 1; }
[ -s "$work/demo/court/register.jsonl" ] || { echo "the demo's court kept no register"; exit 1; }
offline=(--only live-one-trustee --only live-quorum-offline --only live-passphrase-guessing)
"$attacks" live --workdir "$work/demo" --stolen 2 --guesses 3 "${offline[@]}" --json -q > "$work/short.json"
"$attacks" live --workdir "$work/demo" --guesses 3 --json -q --html "$work/live.html" > "$work/quorum.json"
printf 'password\nletmein\ndemo passphrase for trustee 1\n' > "$work/dict.txt"
"$attacks" live --workdir "$work/demo" --dictionary "$work/dict.txt" --only live-one-trustee --only live-passphrase-guessing --json -q > "$work/dict.json"
# The flips. Without the register file, the auditor has nothing to hold the forged warrant to.
mv "$work/demo/court/register.jsonl" "$work/register.jsonl"
"$attacks" live --workdir "$work/demo" --only live-stolen-judge-key --json -q > "$work/noreg.json"
mv "$work/register.jsonl" "$work/demo/court/register.jsonl"
"$attacks" live --workdir "$work/demo" --only live-stolen-judge-key --variant-register-lists-forged --json -q > "$work/listed.json"
"$attacks" live --workdir "$work/demo" --only live-log-rewrite --variant-fresh-auditor --json -q > "$work/fresh.json"
"$attacks" live --workdir "$work/demo" --only live-crl-rollback --variant-crl-unseen --json -q > "$work/unseen.json"
"$attacks" live --workdir "$work/demo" --only live-label-evasion --without-label-defence --json -q > "$work/nodefence.json"
# Last: this one really refreshes the deployment (the real operator key), after which the agency's
# copy of the authority key is an epoch behind and no later scenario could open a session.
"$attacks" live --workdir "$work/demo" --only live-outsider-refresh --variant-outsider-has-operator-key --json -q > "$work/operator.json"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
truth = json.load(open(w + "/demo/ground_truth.json"))
assert truth["k"] == 3 and len(truth["messages"]) == 8, truth
for m in truth["messages"]:
    assert set(m) >= {"sender", "recipient", "time", "plaintext", "plaintext_sha256", "envelope_id", "session_id"}, m
def cells(name):
    return {c["attack"]: c for c in json.load(open(w + "/" + name + ".json"))["cells"]}
short, quorum, dic = cells("short"), cells("quorum"), cells("dict")
assert set(short) == {"live-one-trustee", "live-quorum-offline", "live-passphrase-guessing"}, set(short)
assert len(quorum) == 9, set(quorum)
n = len(truth["messages"])
bob = sum(1 for m in truth["messages"] if "bob" in (m["sender"], m["recipient"]))
for run in (short, quorum, dic):
    c = run["live-one-trustee"]
    assert c["verdict"] == "held" and c["metrics"]["sessions_recovered"] == 0, c
c = short["live-quorum-offline"]
assert c["verdict"] == "held" and c["metrics"]["sessions_recovered"] == 0 and c["metrics"]["shares_stolen"] == 2, c
assert not any(o["recovered_original"] for o in c["observations"]), c
c = quorum["live-quorum-offline"]
assert c["verdict"] == "broken", c
assert c["metrics"]["sessions_recovered"] == n and c["metrics"]["shares_stolen"] == 3, c
assert all(o["recovered_original"] for o in c["observations"]) and len(c["observations"]) == n, c
assert c["metrics"]["audit_consistent_after"] is True, c
assert c["metrics"]["audit_sessions_opened_after"] == c["metrics"]["audit_sessions_opened_before"], c
assert c["metrics"]["sessions_per_second_measured"] > 0, c
g = quorum["live-passphrase-guessing"]
assert g["verdict"] == "held" and g["metrics"]["guesses_tried"] == 3 and g["metrics"]["guesses_per_second_per_core_measured"] > 0, g
assert abs(g["metrics"]["core_hours_1e9_extrapolated"] / g["metrics"]["core_hours_1e6_extrapolated"] - 1000) < 1e-6, g
# the extrapolation is the measured rate's, not a constant
assert abs(g["metrics"]["core_hours_1e6_extrapolated"] * 3600 * g["metrics"]["guesses_per_second_per_core_measured"] - 1e6) < 1, g
g = dic["live-passphrase-guessing"]
assert g["verdict"] == "broken" and g["metrics"]["guesses_tried"] == 3, g

# Off-log quorum, trustees serving: broken, undetected.
c = quorum["live-off-log-quorum"]
assert c["verdict"] == "broken" and c["metrics"]["sessions_recovered"] == n, c
assert c["metrics"]["trustees_kept_serving"] is True and c["metrics"]["audit_consistent_after"] is True, c
assert c["metrics"]["audit_sessions_opened_after"] == c["metrics"]["audit_sessions_opened_before"], c

# Stolen judge key: every trustee opens everything; the register names the warrant -> detected.
c = quorum["live-stolen-judge-key"]
assert c["verdict"] == "detected", c
assert c["metrics"]["sessions_recovered"] == n and c["metrics"]["trustees_accepting"] == truth["n"], c
assert c["metrics"]["register_checked"] is True and c["metrics"]["audit_names_forged_warrant"] is True, c
assert c["metrics"]["audit_status"] == 6, c  # README: a warrant missing from the register opened sessions
for name in ("noreg", "listed"):
    c = cells(name)["live-stolen-judge-key"]
    assert c["verdict"] == "broken" and c["metrics"]["sessions_recovered"] == n, (name, c)
    assert c["metrics"]["audit_names_forged_warrant"] is False, (name, c)
assert cells("noreg")["live-stolen-judge-key"]["metrics"]["register_checked"] is False
assert cells("listed")["live-stolen-judge-key"]["metrics"]["register_checked"] is True

# Log rewrite: the naive edit stops the trustee (held), the re-hashed one is caught (detected).
c = quorum["live-log-rewrite"]
m = c["metrics"]
assert m["naive_verdict"] == "held" and m["naive_served"] is False, c
assert m["rehashed_served"] is True and m["rehashed_audit_flagged"] is True and m["rehashed_audit_status"] == 3, c
assert c["verdict"] == "detected", c
c = cells("fresh")["live-log-rewrite"]
assert c["metrics"]["rehashed_audit_flagged"] is False and c["verdict"] == "broken", c

# CRL rollback: refused with the floor; opens when no trustee read the new CRL.
c = quorum["live-crl-rollback"]
m = c["metrics"]
assert m["sessions_opened_before_revocation"] == bob and m["sessions_opened_after_revocation"] == 0, c
assert m["sessions_recovered"] == 0 and c["verdict"] == "held" and m["refusals_with_old_crl"] > 0, c
assert "CRL" in c["evidence"], c
c = cells("unseen")["live-crl-rollback"]
assert c["verdict"] == "broken" and c["metrics"]["sessions_recovered"] == bob, c

# Outsider refresh: refused, nothing moves; with the real operator key the trustees move.
c = quorum["live-outsider-refresh"]
m = c["metrics"]
assert c["verdict"] == "held" and m["refresh_exit_status"] != 0 and m["trustees_changed"] == 0, c
assert m["lawful_sessions_before"] == m["lawful_sessions_after"] == bob, c
c = cells("operator")["live-outsider-refresh"]
assert c["verdict"] == "broken" and c["metrics"]["refresh_exit_status"] == 0 and c["metrics"]["trustees_changed"] == truth["n"], c

# The HTML page: one live cell per scenario, with the verdicts of the JSON run.
html = open(w + "/live.html").read()
assert '<table id="live">' in html
for a, c in quorum.items():
    assert f'data-attack="{a}" data-scheme="deployment" data-verdict="{c["verdict"]}"' in html, a

nodefence = cells("nodefence")
for run in (quorum,):
    c = run["live-label-evasion"]
    m = c["metrics"]
    assert c["verdict"] == "held" and m["label_defence"] is True and m["sessions_evaded"] == 0, c
    assert m["refused_at_deposit"] == 2 and m["refused_by_recipient"] == 2 and m["control_opened_by_warrant"], c
    assert "already has an account" in m["fake_identity_registration"], c
    o = m["outcomes"]
    assert "not the key known for" in o["other-name"]["deposit"] and "not the key known for" in o["other-name"]["recipient_refusal"], o
    assert "before the arrival time" in o["shifted-time"]["deposit"] and "before the arrival time" in o["shifted-time"]["recipient_refusal"], o
    assert not any(x["recovered_original"] for x in c["observations"]), c
c = nodefence["live-label-evasion"]
m = c["metrics"]
assert c["verdict"] == "broken" and m["label_defence"] is False and m["sessions_evaded"] == 2 and m["refused_at_deposit"] == 0, c
assert all(x["recovered_original"] for x in c["observations"]) and len(c["observations"]) == 2, c
assert all(not o["warrant_opened"] and o["recipient_read"] for k, o in m["outcomes"].items() if k != "control"), m
# the demo's own folder is left as it was: the scenario ran on a copy
assert len(json.load(open(w + "/demo/ground_truth.json"))["messages"]) == 8
print("live verdicts follow the run")
PY
# The live page as a browser parses it (the <tbody> Chromium inserts proves a parsed table), when
# Chromium is installed (CI installs it; tests/attacks/html_renders_in_chromium.sh does the matrix).
if command -v chromium > /dev/null; then
  chromium --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" \
    --dump-dom "file://$work/live.html" > "$work/dom.html" 2> "$work/chromium.log"
  grep -q '<table id="live"><tbody>' "$work/dom.html" || { echo "no parsed live table in the DOM"; exit 1; }
  cells=$(grep -o 'data-scheme="deployment" data-verdict="[a-z/]*"' "$work/dom.html" | wc -l)
  [ "$cells" -eq 9 ] || { echo "expected 9 live cells in the DOM, found $cells"; exit 1; }
  echo "chromium rendered $cells live cells"
fi
