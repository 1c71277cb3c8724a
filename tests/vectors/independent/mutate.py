#!/usr/bin/env python3
"""Mutation check of the independent checker: changing what a vector states must make
check_vectors.py fail.

What a vector states: every field of a [Valid] vector (its inputs and the outputs they lead to),
and the `error` and `blame` of an [Invalid] one (its inputs are already wrong, and most changes
to them leave them wrong, so the vector rightly still holds). A mutant changes one such field in
one vector (hex: the last byte's low bit flipped, or 00 for an empty value; hex list: the same in
its first element; integer: + 1; index list: its first element + 1; text: "x" appended) and runs
the whole checker with that file mutated. A field of a file is caught when a mutant of it in any
of the file's vectors makes the checker fail. A field caught in none is then given to the C++
suite (`escrow_tests --gtest_filter=Vectors.*` with DOORMAT_VECTORS pointing at a mutated copy):
- if the C++ suite refuses a mutant, the vector pins that change and the Python checker missed
  it: MISSED, and this test fails;
- if the C++ suite accepts every mutant too, the mutants are equivalent (the vector's claim
  still holds: a nonce list that gains an unrelated entry, a freshness window one second wider
  for a request made at `now`, the free-text reason of an unlogged refusal): reported, not a
  failure.
A trustee decision's input that only a step after the one that refused reads (SPEC 11.2) is not
mutated: the decision is the same whatever it holds; nor is the reason of a refusal other than
rate_limited, which SPEC 11.2 leaves to each implementation (the C++ suite is asked with
DOORMAT_VECTORS_SPEC_ONLY=1, so it too compares only the reasons the SPEC fixes). A yes/no
integer is mutated to its opposite.

The checker's pure group and curve functions are memoised across mutants (they are functions of
their arguments), so a mutant costs the new computations only.

usage: mutate.py SPEC.md VECTOR_DIR ESCROW_TESTS [-jJOBS]
"""
import copy
import functools
import glob
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_field_types  # noqa: E402
import check_vectors  # noqa: E402

# (scenario, field): why no check can see a change to it. Each entry is a statement about the
# format, not a gap in the checker.
# SPEC 11.2: the step at which each refusal code stops the decision, and the first step that reads
# each input of a trustee vector.
REFUSAL_STEP = {"malformed_request": 1, "bad_agency_signature": 2, "stale_request": 3, "replayed_nonce": 3,
                "source_over_budget": 4, "warrant_refused": 5, "rate_limited": 6, "none": 7}
READ_AT = {"freshness_seconds": 3, "seen_nonces": 3, "now": 3, "source_over_budget": 4, "agency_proven": 4,
           "root_pem": 5, "crl_pem": 5, "crl_number_floor": 5, "judges_required": 5, "crl_readable": 5,
           "rate_allows": 6, "opened": 7, "public_key": 7, "key_share": 7, "rng_draws": 7}


YES_NO = {"authenticated", "agency_proven", "prove_agency", "crl_readable", "rate_allows", "source_over_budget", "spend_rate_token"}


def later_step(scenario, vector, name):
    return scenario.startswith("trustee/") and READ_AT.get(name, 0) > REFUSAL_STEP[vector["refusal"]]

MEMOISED = ["mul", "decode", "encode", "x25519", "ed_mul", "sqrt_ratio_m1", "from_hash"]


def mutate(value, kind, name=""):
    if name.endswith("_pem"):  # a byte of the base64 body, not the text after END (which no parser reads)
        raw = bytearray.fromhex(value)
        i = len(raw) // 2
        while not chr(raw[i]).isalnum():
            i += 1
        raw[i] = ord("B") if raw[i] != ord("B") else ord("C")
        return raw.hex()
    if kind == "hex":
        if not value:
            return "00"
        return value[:-2] + format(int(value[-2:], 16) ^ 1, "02x")
    if kind == "hex list":
        items = value.split(",") if value else []
        return ",".join([mutate(items[0], "hex")] + items[1:]) if items else "00"
    if kind == "integer":
        return str(1 - int(value)) if name in YES_NO else str(int(value) + 1)
    if kind == "index list":
        items = value.split(",") if value else []
        return ",".join([str(int(items[0]) + 1)] + items[1:]) if items else "1"
    return value + "x"


_state = {}


def _setup(root):
    for name in MEMOISED:
        setattr(check_vectors, name, functools.lru_cache(maxsize=None)(getattr(check_vectors, name)))
    original = check_vectors.load
    cache = {}

    def load(root_, scenario):
        if scenario not in cache:
            cache[scenario] = original(root_, scenario)
        mutant = _state.get("mutant")
        if mutant and mutant[0] == scenario:
            vectors = copy.deepcopy(cache[scenario])
            vectors[mutant[1]][mutant[2]] = mutant[3]
            return vectors
        return copy.deepcopy(cache[scenario])

    check_vectors.load = load
    _state["root"] = root
    check_vectors.check(root)  # warms the caches


def _caught(mutant):
    _state["mutant"] = mutant
    try:
        return any(not ok for _, ok in check_vectors.check(_state["root"]))
    except Exception:  # the checker refused the mutated input outright
        return True
    finally:
        _state["mutant"] = None


def fields(types, root):
    """(scenario, field) -> the mutants of that field, one per vector that states it."""
    out = {}
    for path in sorted(glob.glob(os.path.join(root, "*", "*.vec"))):
        scenario = os.path.relpath(path, root)[:-4]
        for i, v in enumerate(check_vectors.load(root, scenario)):
            for name, value in v.items():
                if name == "valid" or (not v["valid"] and name not in ("error", "blame")) or later_step(scenario, v, name):
                    continue
                if scenario.startswith("trustee/") and name == "reason" and v["refusal"] not in ("none", "rate_limited"):
                    continue  # informative text, each implementation's own (SPEC 11.2)
                kind = next(t for p, t in types.items() if p.match(name))
                out.setdefault((scenario, name), []).append((scenario, i, name, mutate(value, kind, name)))
    return out


def _field_caught(mutant_list):
    return any(_caught(m) for m in mutant_list)


def write_mutant(root, out_dir, mutant):
    """A copy of the vector tree with the mutant's one line changed."""
    scenario, index, name, value = mutant
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    shutil.copytree(root, out_dir)
    path = os.path.join(out_dir, scenario + ".vec")
    lines, block = open(path, encoding="utf-8").read().split("\n"), -1
    for n, line in enumerate(lines):
        if line in ("[Valid]", "[Invalid]"):
            block += 1
        elif block == index and line.split(" = ", 1)[0] == name:
            lines[n] = f"{name} = {value}"
            break
    else:
        raise RuntimeError(f"{scenario}: no line {name} in vector {index}")
    open(path, "w", encoding="utf-8").write("\n".join(lines))


def cxx_refuses(cxx, root, mutant_list):
    with tempfile.TemporaryDirectory() as tmp:
        for m in mutant_list:
            write_mutant(root, os.path.join(tmp, "vectors"), m)
            env = dict(os.environ, DOORMAT_VECTORS=os.path.join(tmp, "vectors"), DOORMAT_VECTORS_SPEC_ONLY="1")
            run = subprocess.run([cxx, "--gtest_filter=Vectors.*", "--gtest_brief=1"], env=env, capture_output=True)
            if run.returncode != 0:
                return True
    return False


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-j")]
    jobs = next((int(a[2:]) for a in sys.argv[1:] if a.startswith("-j")), os.cpu_count() or 1)
    if len(args) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    spec, root, cxx = args
    types = check_field_types.table(open(spec, encoding="utf-8").read())
    todo = fields(types, root)
    with multiprocessing.Pool(jobs, initializer=_setup, initargs=(root,)) as pool:
        caught = pool.map(_field_caught, list(todo.values()), chunksize=4)
    survivors = [key for key, ok in zip(todo, caught) if not ok]
    missed = []
    for key in survivors:
        real = cxx_refuses(cxx, root, todo[key])
        print(f"{'MISSED' if real else 'equivalent'}: {key[0]}: {key[1]}")
        if real:
            missed.append(key)
    print(f"{len(todo)} fields of {len({k[0] for k in todo})} files mutated: {len(todo) - len(survivors)} caught by the "
          f"Python checker, {len(survivors) - len(missed)} equivalent (the C++ suite accepts them too), {len(missed)} missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
