#!/usr/bin/env python3
"""Every tdh2 step under both group backends, and issue 17's ratios, from one command.

usage: backends.py DEFAULT_BM_TDH2 SODIUM_BM_TDH2 [--rounds N] [--min-time S] [--json OUT]

One binary holds one backend (group::Point's layout is chosen at configure time), so the two
builds' bm_tdh2 run in alternation, N rounds of one pass each: a drift of the shared machine's
load then reaches both alike. The libsodium build's `tdh2/<step>` is reported as
`sodium/tdh2/<step>`. Each ratio is taken within a round (both its figures from minutes apart at
most, from one binary where the figure allows) and reported as the median over the rounds with
their minimum and maximum: for N rounds that range holds the ratio's median with probability
1 - 2^(1-N) (a distribution-free interval: 98.4% for N = 7). Times are CPU times per iteration.

Then encrypt and the trustee's field taken apart: the sum of the group operations each is made of,
timed alone in the same round (a floor no glue can beat in that format), the version-2 field's
extrapolation from before it existed beside its measurement, and the end to end's ceiling from
these steps alone. Extrapolated figures say so in their names.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

STEPS = ["encrypt", "verify", "check_recipient", "partial_decrypt", "partial_decrypt_v1", "trustee_fields/64",
         "verify_partial", "combine/2", "combine/3", "combine/5", "combine/7", "combine/10"]
# A trustee's chunk of a request (SPEC §11.2 step 7): 64 version-2 fields verified in one batch, then
# each decrypted; a field's share is the chunk's time / 64, named .../per_field in a round.
CHUNK = "tdh2/trustee_fields/64"
CHUNK_FIELDS = 64
FLOORS = ["sodium_floor/tdh2_encrypt", "sodium_floor/tdh2_combine/3", "sodium_floor/tdh2_combine/10"]
# The thief's pace after a compromise: each mass-decryption benchmark times every session beside
# one variable-base multiplication of the same point and reports their ratio as its `pace`
# counter (interleaved, so the shared machine's drift reaches both alike); its time is the
# sessions' (manual time, hence the /manual_time in its name).
THEFT = ["attack/mass_decrypt/k_shares_stolen/3/manual_time", "attack/mass_decrypt_vartime/k_shares_stolen/3/manual_time"]
# The group operations encrypt and the trustee's field are made of (SPEC §5.2, §5.3, §5.5), timed
# alone in the libdecaf binary: each step's floor in today's formats (OPERATION_FLOORS), and with
# the investigator's step the end to end's ceiling (E2E_CEILINGS).
GROUP_OPS = ["group/add", "group/add_then_encode", "group/decode", "group/base_mul", "group/fixed_base_build",
             "group/fixed_base_mul", "group/double_mul_vartime/base", "group/double_mul_vartime/any",
             "group/multi_mul_vartime/512", "investigator/optimistic_combine_and_open/3"]
# Both binaries run the steps, floors and thefts; only the libdecaf one the operations (no figure
# reads the libsodium build's, whose naive multi_mul_vartime/512 alone costs a round seconds).
FILTER = "^(tdh2/(" + "|".join(STEPS) + ")|" + "|".join(FLOORS + THEFT) + ")$"
FILTER_WITH_OPS = "^(tdh2/(" + "|".join(STEPS) + ")|" + "|".join(FLOORS + THEFT + GROUP_OPS) + ")$"

# (figure, numerator, denominator, target, direction): "d:" the libdecaf build, "s:" the libsodium
# build; "<=": a ratio of times, at most the target; ">=": the reference's time over the step's (a
# ratio of rates), at least the target. A denominator of None: the numerator is a ratio already (a
# counter the benchmark computes).
TARGETS = [
    ("tdh2/encrypt / sodium_floor/tdh2_encrypt", "d:tdh2/encrypt", "d:sodium_floor/tdh2_encrypt", 0.60, "<="),
    ("tdh2/verify / sodium/tdh2/verify", "d:tdh2/verify", "s:tdh2/verify", 0.65, "<="),
    ("trustee per field: a request's version-2 fields, 64 verified in one batch, then each decrypted "
     "(tdh2/trustee_fields/64 ÷ 64) / the libsodium trustee's version-1 field (sodium/tdh2/partial_decrypt_v1)",
     "d:" + CHUNK + "/per_field", "s:tdh2/partial_decrypt_v1", 0.55, "<="),
    ("the same / the same version-2 work on libsodium, each field checked alone (sodium/tdh2/trustee_fields/64 ÷ 64)",
     "d:" + CHUNK + "/per_field", "s:" + CHUNK + "/per_field", 0.55, "<="),
    ("trustee per field, one version-1 field alone (tdh2/partial_decrypt_v1: verify + partial; the figure before "
     "version 2) / sodium/tdh2/partial_decrypt_v1", "d:tdh2/partial_decrypt_v1", "s:tdh2/partial_decrypt_v1", 0.55, "<="),
    ("tdh2/combine/3 / sodium_floor/tdh2_combine/3", "d:tdh2/combine/3", "d:sodium_floor/tdh2_combine/3", 0.40, "<="),
    ("tdh2/combine/10 / sodium_floor/tdh2_combine/10", "d:tdh2/combine/10", "d:sodium_floor/tdh2_combine/10", 0.30, "<="),
    ("mass decryption, constant-time product: its pace (one multiplication's time per session, interleaved)",
     "d:attack/mass_decrypt/k_shares_stolen/3/manual_time:pace", None, 0.95, ">="),
    ("mass decryption, the thief's variable-time product: its pace",
     "d:attack/mass_decrypt_vartime/k_shares_stolen/3/manual_time:pace", None, 0.95, ">="),
]


def encode_us(r):
    """One encoding: group/add_then_encode less the addition."""
    return r["d:group/add_then_encode"] - r["d:group/add"]


def encrypt_ops_us(r):
    """SPEC §5.2: u = rG and w = sG on G's table, rY, ubar and wbar on Y's and Gbar's, and the
    encodings of all five (rY for the mask, the others for the ciphertext and its challenge)."""
    return 2 * r["d:group/base_mul"] + 3 * r["d:group/fixed_base_mul"] + 5 * encode_us(r)


def partial_ops_us(r):
    """SPEC §5.5 after verify: the table of u, x_i·u and the nonce's a2 from it, a1 = nonce·G, and
    the encodings of u_i, a1, a2 that the challenge hashes."""
    return (r["d:group/fixed_base_build"] + 2 * r["d:group/fixed_base_mul"] + r["d:group/base_mul"]
            + 3 * encode_us(r))


def field_floor_us(r):
    """The trustee's field in version 1: verify (w = fG - eu and wbar = fGbar - e ubar, one
    double product each, then their encodings for the challenge) and the partial decryption."""
    return (r["d:group/double_mul_vartime/base"] + r["d:group/double_mul_vartime/any"] + 2 * encode_us(r)
            + partial_ops_us(r))


def committed_field_us(r):
    """EXTRAPOLATED, as it was before version 2 existed (kept beside its measurement,
    tdh2/trustee_fields/64): a validity proof that carries w and wbar,
    checked for a request's fields at once (investigate's requests stay under 64 KiB, about 130
    fields: here 128, so u, ubar, w and wbar of each are 512 points of one product, G's and Gbar's
    coefficients summed into two more), so per field 4 points' share of multi_mul_vartime/512 and
    the decoding of w and wbar, then the same partial decryption. Two errors of a few percent each,
    in opposite directions: the benchmark's scalars are all full width where half the batch's would
    be 128-bit weights (fewer bucket additions), and with 32 more bytes a field about 115 fit under
    64 KiB, not 128 (a dearer share per point)."""
    per_point = r["d:group/multi_mul_vartime/512"] / 512
    return 4 * per_point + 2 * r["d:group/decode"] + partial_ops_us(r)


# (figure, function of a round): encrypt and the trustee's field taken apart into their group
# operations, each timed in the same round. Not targets: bounds that say which target a format can
# meet at all.
OPERATION_FLOORS = [
    ("tdh2/encrypt / its group operations (measured)", lambda r: r["d:tdh2/encrypt"] / encrypt_ops_us(r)),
    ("tdh2/encrypt's group operations alone (measured, summed) / sodium_floor/tdh2_encrypt",
     lambda r: encrypt_ops_us(r) / r["d:sodium_floor/tdh2_encrypt"]),
    ("tdh2/partial_decrypt_v1 / its group operations (measured; the rest is hashing, scalars, allocation)",
     lambda r: r["d:tdh2/partial_decrypt_v1"] / field_floor_us(r)),
    ("a version-1 field's group operations alone (measured, summed) / sodium/tdh2/partial_decrypt_v1",
     lambda r: field_floor_us(r) / r["s:tdh2/partial_decrypt_v1"]),
    ("a version-2 field, 128 batched, as EXTRAPOLATED from group/* before it existed / sodium/tdh2/partial_decrypt_v1",
     lambda r: committed_field_us(r) / r["s:tdh2/partial_decrypt_v1"]),
    ("a version-2 field, 64 batched, measured (tdh2/trustee_fields/64 ÷ 64) / its extrapolation above",
     lambda r: r["d:" + CHUNK + "/per_field"] / committed_field_us(r)),
]


# Sessions per second that the end to end could reach on this machine's cores if they did nothing
# but the TDH2 steps: EXTRAPOLATED upper bounds, to set beside bm_end_to_end's measured rate. Per
# session and trustee asked: its field, parsing the field's points there, encoding the partial's
# three and the investigator parsing them; once per session, the investigator's parse of the field
# and its optimistic combine and open (k = 3). Left out: the warrant's chain and CRL, the request's and
# the response's signatures and sealing, HTTP, the logs, SQLite, JSON.
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def e2e_ceiling(r, asked, field_us, field_points):
    """field_us parses and encodes no point (the benchmarks hand the step decoded fields and keep
    the partial decoded): each trustee asked parses the field's field_points (2 in version 1, 4 in
    version 2) and encodes the partial's three, the investigator parses those three per trustee and
    the field's points once a session."""
    decode, encode = r["d:group/decode"], encode_us(r)
    per_session = (asked * (field_us + field_points * decode + 3 * encode + 3 * decode) + field_points * decode
                   + r["d:investigator/optimistic_combine_and_open/3"])
    return CORES * 1e6 / per_session


# A version-2 field carries w and wbar: 4 points to parse, not 2. Its trustee's field is measured
# (tdh2/trustee_fields/64 ÷ 64); the ceiling built from it is still an extrapolation.
E2E_CEILINGS = [
    ("all 5 trustees asked, version 1", lambda r: e2e_ceiling(r, 5, r["d:tdh2/partial_decrypt_v1"], 2)),
    ("k = 3 asked first, version 1", lambda r: e2e_ceiling(r, 3, r["d:tdh2/partial_decrypt_v1"], 2)),
    ("all 5 trustees asked, version 2 batched 64 to a chunk", lambda r: e2e_ceiling(r, 5, r["d:" + CHUNK + "/per_field"], 4)),
    ("k = 3 asked first, version 2 batched 64 to a chunk", lambda r: e2e_ceiling(r, 3, r["d:" + CHUNK + "/per_field"], 4)),
]


def figures_of_rounds(figures, rounds):
    """Each (figure, function of a round) over the rounds. A figure a round cannot give (a binary
    without one of its benchmarks, or one that failed) is left out, and stderr says which."""
    out = []
    for figure, of_round in figures:
        try:
            out.append({"figure": figure, "value": spread([of_round(r) for r in rounds])})
        except KeyError as missing:
            print(f"backends.py: no figure for '{figure}': {missing} is missing from a round", file=sys.stderr)
    return out


def interval(q, number="{:.2f}"):
    """A spread() as 'median [min, max]'."""
    return f"{number.format(q['median'])} [{number.format(q['min'])}, {number.format(q['max'])}]"


def print_figures(intro, column, figures, number):
    if not figures:
        return
    print(f"\n{intro}\n\n| figure | {column} |\n|---|---|")
    for f in figures:
        print(f"| {f['figure']} | {interval(f['value'], number)} |")


def one_pass(binary, min_time, bench_filter):
    out = subprocess.run([binary, f"--benchmark_filter={bench_filter}", f"--benchmark_min_time={min_time}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    unit = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
    figures = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("error_occurred"):
            continue
        figures[b["name"]] = b["cpu_time"] * unit[b.get("time_unit", "ns")]
        if "pace" in b:
            figures[b["name"] + ":pace"] = b["pace"]
    return figures


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "rounds": len(values)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("default_bm")
    ap.add_argument("sodium_bm")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--json")
    args = ap.parse_args()
    if args.rounds < 3:
        sys.exit("backends.py: --rounds must be 3 or more (an interval from fewer says nothing)")
    rounds = []
    for r in range(args.rounds):
        print(f"round {r + 1} of {args.rounds}", file=sys.stderr, flush=True)
        d = one_pass(args.default_bm, args.min_time, FILTER_WITH_OPS)
        s = one_pass(args.sodium_bm, args.min_time, FILTER)
        rounds.append({**{"d:" + k: v for k, v in d.items()}, **{"s:" + k: v for k, v in s.items()}})
        for side in ("d:", "s:"):
            if side + CHUNK in rounds[-1]:
                rounds[-1][side + CHUNK + "/per_field"] = rounds[-1][side + CHUNK] / CHUNK_FIELDS
    steps = {}
    for step in STEPS:
        name = "tdh2/" + step
        if all("d:" + name in r and "s:" + name in r for r in rounds):
            steps[name] = {"default_us": spread([r["d:" + name] for r in rounds]),
                           "sodium_us": spread([r["s:" + name] for r in rounds]),
                           "ratio": spread([r["d:" + name] / r["s:" + name] for r in rounds])}
    targets = []
    for figure, num, den, target, direction in TARGETS:
        if not all(num in r and (den is None or den in r) for r in rounds):
            print(f"backends.py: no figure for '{figure}': {num} or {den} is missing from a round", file=sys.stderr)
            continue
        ratio = spread([r[num] if den is None else r[num] / r[den] for r in rounds])  # None: a ratio already
        at_most = direction == "<="
        targets.append({"figure": figure, "ratio": ratio, "target": target, "direction": direction,
                        "met": ratio["max"] <= target if at_most else ratio["min"] >= target,
                        "missed": ratio["min"] > target if at_most else ratio["max"] < target})
    operations = figures_of_rounds([(name, lambda r, n=name: r["d:" + n]) for name in GROUP_OPS], rounds)
    bounds = figures_of_rounds(OPERATION_FLOORS, rounds)
    ceilings = figures_of_rounds(E2E_CEILINGS, rounds)
    coverage = 1 - 2 ** (1 - args.rounds)
    print(f"CPU time per iteration, median of {args.rounds} alternating rounds [min, max]; the range holds "
          f"the median with probability {coverage:.1%}. Measured, this machine, this run.\n")
    print("| step | libdecaf `tdh2/<step>` µs | libsodium `sodium/tdh2/<step>` µs | ratio |")
    print("|---|---|---|---|")
    for name, f in steps.items():
        d, s, q = f["default_us"], f["sodium_us"], f["ratio"]
        print(f"| {name} | {d['median']:.1f} | {s['median']:.1f} | {interval(q)} |")
    print("\n| figure | ratio | target | met? |")
    print("|---|---|---|---|")
    for t in targets:
        q = t["ratio"]
        verdict = "yes" if t["met"] else "no" if t["missed"] else "not settled (the range spans the target)"
        print(f"| {t['figure']} | {interval(q)} | {'≤' if t['direction'] == '<=' else '≥'} {t['target']:.2f} | {verdict} |")
    print_figures("The operations they are taken apart into (libdecaf, the same rounds).", "µs per call", operations, "{:.2f}")
    print_figures("Encrypt and the trustee's field taken apart: their group operations (group/*, libdecaf, timed "
                  "alone in the same rounds). A floor above a target means no faster glue can meet it in that format.",
                  "ratio", bounds, "{:.2f}")
    print_figures(f"The end to end's ceiling from the TDH2 steps alone on {CORES} cores (EXTRAPOLATED: every core "
                  "busy with nothing but the trustees' fields, the investigator's combine and open and the points "
                  "both parse; the warrant's checks, signatures, sealing, HTTP, the logs, SQLite and JSON cost "
                  "nothing here). Issue 17's target: 2,500 sessions per second.",
                  "sessions per second at most", ceilings, "{:,.0f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"rounds": args.rounds, "interval_coverage": coverage, "steps": steps, "targets": targets,
                       "operations": operations, "bounds": bounds, "ceilings": ceilings, "raw": rounds}, fh, indent=1)


if __name__ == "__main__":
    main()
