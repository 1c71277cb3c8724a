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
# fails one of these. Also flipped: the off-log quorum made to ask its trustees under a warrant the
# register lacks (detected: the auditor names it) or one the court registered (broken: on the record,
# not flagged), and one trustee of a k = 1 deployment (broken). The two rates carry a within-run 95% t
# interval recomputed here from their passes, and are checked against the clock; "detected" is "not observable" where no check ran; the
# metrics that name a setting are read from the register, the trustees' replies or their state; and
# the narratives' sentences follow each run.
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
# The off-log quorum made to ask its trustees: under a warrant the register lacks, the auditor's
# unregistered-warrant check flags it; under one the real court registered, the count moves but
# nothing is flagged (a lawful read moves it too).
"$attacks" live --workdir "$work/demo" --only live-off-log-quorum --variant-off-log-through-trustees --json -q > "$work/onlog.json"
"$attacks" live --workdir "$work/demo" --only live-off-log-quorum --variant-off-log-registered-warrant --json -q > "$work/onlog-registered.json"
# Last: this one really refreshes the deployment (the real operator key); the agency's copy of the
# authority key is then an epoch behind until the scenario installs the refreshed one.
"$attacks" live --workdir "$work/demo" --only live-outsider-refresh --variant-outsider-has-operator-key --json -q > "$work/operator.json"
# ... which the scenario repairs (the refreshed authority key installed): a later scenario still opens.
"$attacks" live --workdir "$work/demo" --only live-crl-rollback --json -q > "$work/after-operator.json"
# One trustee of a k = 1 deployment is a quorum: the one-trustee cell must come out broken.
"$authority" demo --json -k 1 -n 2 --workdir "$work/demo-k1" > "$work/demo-k1.json"
"$attacks" live --workdir "$work/demo-k1" --only live-one-trustee --json -q > "$work/k1.json"
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
assert c["metrics"]["sessions_per_second_per_core_measured"] > 0, c
assert c["metrics"]["all_sessions_recovered"] is True, c
g = quorum["live-passphrase-guessing"]
assert g["verdict"] == "held" and g["metrics"]["guesses_tried"] == 3 and g["metrics"]["guesses_per_second_per_core_measured"] > 0, g
assert abs(g["metrics"]["core_hours_1e9_extrapolated"] / g["metrics"]["core_hours_1e6_extrapolated"] - 1000) < 1e-6, g
# the extrapolation is the measured rate's, not a constant
assert abs(g["metrics"]["core_hours_1e6_extrapolated"] * 3600 * g["metrics"]["guesses_per_second_per_core_measured"] - 1e6) < 1, g
g = dic["live-passphrase-guessing"]
assert g["verdict"] == "broken" and g["metrics"]["guesses_tried"] == 3, g

# Off-log quorum, trustees serving: broken, not flagged by the auditor (given the register).
c = quorum["live-off-log-quorum"]
assert c["verdict"] == "broken" and c["metrics"]["sessions_recovered"] == n, c
assert c["metrics"]["audit_register_checked"] is True and c["metrics"]["audit_new_unregistered_warrants"] == [], c
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
# no register: the unregistered-warrant check cannot run, so detection is not observable (not a computed false)
d = cells("noreg")["live-stolen-judge-key"]["metrics"]["detection"]
assert d["observable"] is False and "register" in d["why"], d
d = cells("listed")["live-stolen-judge-key"]["metrics"]["detection"]
assert d["observable"] is True and d["detected"] is False, d
assert cells("listed")["live-stolen-judge-key"]["metrics"]["register_checked"] is True

# Log rewrite: the naive edit stops the trustee (held), the re-hashed one is caught (detected).
c = quorum["live-log-rewrite"]
m = c["metrics"]
assert m["naive_verdict"] == "held" and m["naive_served"] is False, c
# held only because the trustee's own hash check refused the edited log (any other start failure is a set-up error)
assert m["naive_started"] is False and "stored hashes disagree with its entries at index" in m["naive_refusal"], c
assert m["chosen_strategy"] == "rehashed" and c["metrics"]["detection"]["detected"] is True, c
assert m["rehashed_served"] is True and m["rehashed_audit_flagged"] is True and m["rehashed_audit_status"] == 3, c
assert c["verdict"] == "detected", c
c = cells("fresh")["live-log-rewrite"]
assert c["metrics"]["rehashed_audit_flagged"] is False and c["verdict"] == "broken", c
# the chosen strategy's detection, not "either strategy flagged"
assert c["metrics"]["chosen_strategy"] == "rehashed" and c["metrics"]["detection"]["detected"] is False, c

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
assert html.count("within-run 95% t interval") >= 2, "the live page lacks the two rates' within-run intervals"
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
# The live rates: a mean over timed passes with a 95% t interval, recomputed here from the passes.
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
def check_interval(samples, mean, ci):
    k = len(samples)
    assert k >= 2 and abs(sum(samples) / k - mean) <= 1e-9 * mean, (samples, mean)
    sd = (sum((x - mean) ** 2 for x in samples) / (k - 1)) ** 0.5
    half = T975[k - 2] * sd / k ** 0.5
    assert abs(ci[0] - (mean - half)) <= 1e-6 * mean and abs(ci[1] - (mean + half)) <= 1e-6 * mean, (samples, mean, ci)
    assert ci[0] <= mean <= ci[1]
m = quorum["live-quorum-offline"]["metrics"]
assert len(m["sessions_per_second_per_core_per_pass"]) == m["timed_passes"] == 5 and "within-run Student t" in m["interval_method"], m
check_interval(m["sessions_per_second_per_core_per_pass"], m["sessions_per_second_per_core_measured"], m["sessions_per_second_per_core_ci95"])
assert "within-run 95% t interval" in quorum["live-quorum-offline"]["evidence"], quorum["live-quorum-offline"]
assert "CLOCK_THREAD_CPUTIME_ID" in m["clock"] and m["load_average_1min"] >= 0, m
# The measured figures against the clock: the sweeps timed give the rate (passes of near-equal CPU
# time, so the pooled rate is within 10% of the mean of the per-pass rates), the thread's CPU time
# is at least the five passes' tenth of a second each and no more than the wall-clock time, which
# is no more than the report's own seconds.
rep = [a for a in json.load(open(w + "/quorum.json"))["attacks"] if a["attack"] == "live-quorum-offline"][0]
pooled = m["mailbox_sweeps"] * m["sessions_in_mailbox"] / m["thread_cpu_seconds"]
assert abs(pooled / m["sessions_per_second_per_core_measured"] - 1) < 0.10, (pooled, m)
assert 0.5 <= m["thread_cpu_seconds"] <= m["wall_seconds"] * 1.01 + 0.01 and m["wall_seconds"] <= rep["seconds"], (m, rep["seconds"])
assert m["mailbox_sweeps"] >= 5, m
g = quorum["live-passphrase-guessing"]["metrics"]
# Argon2id: the interval is the per-guess time's; the rate and the costs are it inverted and scaled.
assert len(g["seconds_per_guess"]) == 3 and "per-guess times" in g["interval_method"], g
check_interval(g["seconds_per_guess"], g["seconds_per_guess_mean"], g["seconds_per_guess_ci95"])
assert abs(g["guesses_per_second_per_core_measured"] * g["seconds_per_guess_mean"] - 1) < 1e-9, g
lo, hi = g["seconds_per_guess_ci95"]
rc, ch = g["guesses_per_second_per_core_ci95"], g["core_hours_1e6_extrapolated_ci95"]
assert abs(rc[0] * hi - 1) < 1e-9 and (rc[1] is None if lo <= 0 else abs(rc[1] * lo - 1) < 1e-9), g
assert abs(ch[1] * 3600 - 1e6 * hi) < 1e-6 * ch[1] * 3600 and (ch[0] is None if lo <= 0 else abs(ch[0] * 3600 - 1e6 * lo) < 1e-6 * ch[0] * 3600), g
assert "within-run 95% t interval" in quorum["live-passphrase-guessing"]["evidence"], quorum["live-passphrase-guessing"]
# each guess's CPU time is real: together no more than the wall-clock time of the report that timed them
rep = [a for a in json.load(open(w + "/quorum.json"))["attacks"] if a["attack"] == "live-passphrase-guessing"][0]
assert 0 < sum(g["seconds_per_guess"]) <= g["wall_seconds"] * 1.01 + 0.01 and g["wall_seconds"] <= rep["seconds"], (g, rep["seconds"])
assert "CLOCK_THREAD_CPUTIME_ID" in g["clock"], g
assert g["settings"] == {"dictionary_given": False, "dictionary_size": None, "generated_guesses": 3}, g
assert dic["live-passphrase-guessing"]["metrics"]["settings"] == {"dictionary_given": True, "dictionary_size": 3, "generated_guesses": None}

# Detection: computed where a check ran, "not observable" (never a computed false) where none could.
for name in ("live-one-trustee", "live-quorum-offline", "live-passphrase-guessing", "live-crl-rollback", "live-outsider-refresh", "live-label-evasion"):
    d = quorum[name]["metrics"]["detection"]
    assert d["observable"] is False and d["detected"] == "not observable in this scenario" and d["why"], (name, d)
for name in ("live-off-log-quorum", "live-stolen-judge-key", "live-log-rewrite"):
    d = quorum[name]["metrics"]["detection"]
    assert d["observable"] is True and isinstance(d["detected"], bool), (name, d)
assert quorum["live-stolen-judge-key"]["metrics"]["detection"]["detected"] is True
assert quorum["live-off-log-quorum"]["metrics"]["detection"]["detected"] is False

# One-trustee flip: k = 1, one stolen trustee opens every session; detection not observable.
truth1 = json.load(open(w + "/demo-k1/ground_truth.json"))
assert truth1["k"] == 1, truth1["k"]
c = cells("k1")["live-one-trustee"]
assert c["verdict"] == "broken" and c["metrics"]["sessions_recovered"] == len(truth1["messages"]) > 0, c
assert all(o["recovered_original"] for o in c["observations"]), c
assert c["metrics"]["detection"]["observable"] is False and "not observable" in c["evidence"], c

# Off-log flip: the same quorum through its trustees under a warrant the register lacks -> the
# auditor's unregistered-warrant check names that warrant (exit 6) -> detected.
c = cells("onlog")["live-off-log-quorum"]
m = c["metrics"]
assert c["verdict"] == "detected" and m["sessions_recovered"] == n, c
assert m["audit_sessions_opened_after"] > m["audit_sessions_opened_before"] and m["settings"]["decrypted_through_trustees"] is True, c
assert m["audit_new_unregistered_warrants"] == [m["warrant"]] and m["audit_status_after"] == 6, c
assert m["warrant"] not in {json.loads(line)["hash"] for line in open(w + "/demo/court/register.jsonl")}, m
# ... and under a warrant the real court registered: on the record, the count moves, but nothing is
# flagged -> broken (a moved count is not a finding: every lawful read moves it).
c = cells("onlog-registered")["live-off-log-quorum"]
m = c["metrics"]
assert c["verdict"] == "broken" and m["sessions_recovered"] == n and m["detection"]["detected"] is False, c
assert m["audit_sessions_opened_after"] > m["audit_sessions_opened_before"] and m["audit_new_unregistered_warrants"] == [], c
assert m["warrant"] in {json.loads(line)["hash"] for line in open(w + "/demo/court/register.jsonl")}, m
assert "on the record, not flagged" in c["evidence"], c

# Metrics observed, not copied from the options.
assert quorum["live-stolen-judge-key"]["metrics"]["forged_in_register"] is False
assert cells("listed")["live-stolen-judge-key"]["metrics"]["forged_in_register"] is True
assert cells("noreg")["live-stolen-judge-key"]["metrics"]["forged_in_register"] is False
# ... and each agrees with the register file as this script reads it
register = {json.loads(line)["hash"] for line in open(w + "/demo/court/register.jsonl")}
for name in ("quorum", "listed", "noreg"):
    m = cells(name)["live-stolen-judge-key"]["metrics"]
    assert (m["forged_warrant"] in register) == m["forged_in_register"], (name, m)
m = quorum["live-outsider-refresh"]["metrics"]
assert m["signed_with_real_operator_key"] is False and m["trustees_holding_signing_key"] == 0 and m["lawful_sessions_after_key_update"] is None, m
m = cells("operator")["live-outsider-refresh"]["metrics"]
assert m["signed_with_real_operator_key"] is True and m["trustees_holding_signing_key"] == truth["n"], m
# the refresh left the agency's key an epoch behind (lawful access lost), and the repair restores it
assert m["lawful_sessions_after_key_update"] == bob, m
c = cells("after-operator")["live-crl-rollback"]
assert c["verdict"] == "held" and c["metrics"]["sessions_opened_before_revocation"] == bob, c
m = quorum["live-crl-rollback"]["metrics"]
assert m["new_crl_read_before_rollback"] is True and m["crl_number_trustees_held"] > m["crl_number_copied_back"] and m["refusals_citing_newer_crl"] > 0, m
m = cells("unseen")["live-crl-rollback"]["metrics"]
assert m["new_crl_read_before_rollback"] is False and m["refusals_citing_newer_crl"] == 0 and m["settings"]["asked_between_revocation_and_rollback"] is False, m
assert nodefence["live-label-evasion"]["metrics"]["settings"]["without_label_defence_hook"] is True

# log-rewrite: the verdict follows the observations (what trustee 2 served against the rewrite).
c = quorum["live-log-rewrite"]
assert len(c["observations"]) == 2 and c["observations"][1]["recovered_original"] is True and c["observations"][0]["recovered_original"] is False, c
c = cells("fresh")["live-log-rewrite"]
assert c["observations"][1]["recovered_original"] is True and c["metrics"]["detection"]["detected"] is False, c

# Narrative sentences follow the run.
def narrative(name, attack):
    return [a for a in json.load(open(w + "/" + name + ".json"))["attacks"] if a["attack"] == attack][0]["narrative"]
assert "register lacks" in narrative("onlog", "live-off-log-quorum")
# label evasion: the defence requested and the defence observed, stated apart
assert "Requested: label defence on; observed in this run: the label defence refused sessions (2 at deposit, 2 by the recipient)" in narrative("quorum", "live-label-evasion")
assert "Requested: label defence off" in narrative("nodefence", "live-label-evasion") and "observed in this run: no label check refused any session" in narrative("nodefence", "live-label-evasion")
# the page's key says how each rate is formed and what detected means
assert "inverse of the mean per-guess time" in html and "a check that ran in this run flagged it" in html
assert "the reads are on the record, not flagged" in narrative("onlog-registered", "live-off-log-quorum")
assert "nothing of the attack is in any log" in narrative("quorum", "live-off-log-quorum")
assert "turned that into a finding" in narrative("quorum", "live-stolen-judge-key")
assert "nothing in this run reported it" in narrative("noreg", "live-stolen-judge-key")
assert "holds the forged warrant" in narrative("listed", "live-stolen-judge-key")
assert "the auditor caught it" in narrative("quorum", "live-log-rewrite") and "nothing caught it" in narrative("fresh", "live-log-rewrite")
assert "which no trustee holds" in narrative("quorum", "live-outsider-refresh")
assert "which every trustee holds" in narrative("operator", "live-outsider-refresh")
# the warrant's span in the narrative is the ground truth's, computed
times = [m["time"] for m in truth["messages"]]
span = (max(times) - min(times)) / 86400
want = f"{span:.1f} days from the first message to the last" if span >= 1 else f"{(max(times) - min(times)) / 3600:.1f} hours from the first message to the last"
assert want in narrative("quorum", "live-stolen-judge-key"), want
# Every live cell of every run: the verdict is the rule applied to what the run observed (held when
# no observation matched its original; detected when a check that ran flagged it; broken otherwise).
import glob
for path in glob.glob(w + "/*.json"):
    doc = json.load(open(path))
    if not isinstance(doc, dict) or "cells" not in doc:
        continue
    for c in doc["cells"]:
        # outsider-refresh's observations are the lawful warrant's sessions (what the refresh must not
        # take away), not the attacker's; its verdict is the trustees that changed (checked above)
        if c["attack"] == "live-outsider-refresh":
            continue
        rec = any(o["recovered_original"] for o in c["observations"])
        d = c["metrics"].get("detection")
        want = "held" if not rec else "detected" if d and d["observable"] and d["detected"] is True else "broken"
        assert c["verdict"] == want, (path, c["attack"], c["verdict"], want)
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
