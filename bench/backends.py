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
"""
import argparse
import json
import statistics
import subprocess
import sys

STEPS = ["encrypt", "verify", "check_recipient", "partial_decrypt", "verify_partial",
         "combine/2", "combine/3", "combine/5", "combine/7", "combine/10"]
FLOORS = ["sodium_floor/tdh2_encrypt", "sodium_floor/tdh2_combine/3", "sodium_floor/tdh2_combine/10"]
# The thief's pace after a compromise: each mass-decryption benchmark times every session beside
# one variable-base multiplication of the same point and reports their ratio as its `pace`
# counter (interleaved, so the shared machine's drift reaches both alike); its time is the
# sessions' (manual time, hence the /manual_time in its name).
THEFT = ["attack/mass_decrypt/k_shares_stolen/3/manual_time", "attack/mass_decrypt_vartime/k_shares_stolen/3/manual_time"]
FILTER = "^(tdh2/(" + "|".join(STEPS) + ")|" + "|".join(FLOORS + THEFT) + ")$"

# (figure, numerator, denominator, target, direction): "d:" the libdecaf build, "s:" the libsodium
# build; "<=": a ratio of times, at most the target; ">=": the reference's time over the step's (a
# ratio of rates), at least the target. A denominator of None: the numerator is a ratio already (a
# counter the benchmark computes).
TARGETS = [
    ("tdh2/encrypt / sodium_floor/tdh2_encrypt", "d:tdh2/encrypt", "d:sodium_floor/tdh2_encrypt", 0.60, "<="),
    ("tdh2/verify / sodium/tdh2/verify", "d:tdh2/verify", "s:tdh2/verify", 0.65, "<="),
    ("trustee per field (tdh2/partial_decrypt: verify + partial) / sodium/tdh2/partial_decrypt",
     "d:tdh2/partial_decrypt", "s:tdh2/partial_decrypt", 0.55, "<="),
    ("tdh2/combine/3 / sodium_floor/tdh2_combine/3", "d:tdh2/combine/3", "d:sodium_floor/tdh2_combine/3", 0.40, "<="),
    ("tdh2/combine/10 / sodium_floor/tdh2_combine/10", "d:tdh2/combine/10", "d:sodium_floor/tdh2_combine/10", 0.30, "<="),
    ("mass decryption, constant-time product: its pace (one multiplication's time per session, interleaved)",
     "d:attack/mass_decrypt/k_shares_stolen/3/manual_time:pace", None, 0.95, ">="),
    ("mass decryption, the thief's variable-time product: its pace",
     "d:attack/mass_decrypt_vartime/k_shares_stolen/3/manual_time:pace", None, 0.95, ">="),
]


def one_pass(binary, min_time):
    out = subprocess.run([binary, f"--benchmark_filter={FILTER}", f"--benchmark_min_time={min_time}",
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
        d = one_pass(args.default_bm, args.min_time)
        s = one_pass(args.sodium_bm, args.min_time)
        rounds.append({**{"d:" + k: v for k, v in d.items()}, **{"s:" + k: v for k, v in s.items()}})
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
            continue
        ratio = spread([r[num] if den is None else r[num] / r[den] for r in rounds])  # None: a ratio already
        at_most = direction == "<="
        targets.append({"figure": figure, "ratio": ratio, "target": target, "direction": direction,
                        "met": ratio["max"] <= target if at_most else ratio["min"] >= target,
                        "missed": ratio["min"] > target if at_most else ratio["max"] < target})
    coverage = 1 - 2 ** (1 - args.rounds)
    print(f"CPU time per iteration, median of {args.rounds} alternating rounds [min, max]; the range holds "
          f"the median with probability {coverage:.1%}. Measured, this machine, this run.\n")
    print("| step | libdecaf `tdh2/<step>` µs | libsodium `sodium/tdh2/<step>` µs | ratio |")
    print("|---|---|---|---|")
    for name, f in steps.items():
        d, s, q = f["default_us"], f["sodium_us"], f["ratio"]
        print(f"| {name} | {d['median']:.1f} | {s['median']:.1f} | {q['median']:.2f} [{q['min']:.2f}, {q['max']:.2f}] |")
    print("\n| figure | ratio | target | met? |")
    print("|---|---|---|---|")
    for t in targets:
        q = t["ratio"]
        verdict = "yes" if t["met"] else "no" if t["missed"] else "not settled (the range spans the target)"
        print(f"| {t['figure']} | {q['median']:.2f} [{q['min']:.2f}, {q['max']:.2f}] | {'≤' if t['direction'] == '<=' else '≥'} {t['target']:.2f} | {verdict} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"rounds": args.rounds, "interval_coverage": coverage, "steps": steps, "targets": targets,
                       "raw": rounds}, fh, indent=1)


if __name__ == "__main__":
    main()
