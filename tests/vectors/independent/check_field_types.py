#!/usr/bin/env python3
"""Every field of every vector file has the type SPEC §9.2's table gives its name.

The table is read from docs/SPEC.md itself, so a new field name, or a value written in another
type than its name's, fails here until the specification says what it is.

usage: check_field_types.py SPEC.md VECTOR_DIR
"""
import glob
import os
import re
import sys

HEX = re.compile(r"^([0-9a-f]{2})*$")
SHAPES = {
    "hex": lambda v: HEX.match(v),
    "hex list": lambda v: v == "" or all(HEX.match(x) for x in v.split(",")),
    "integer": lambda v: re.match(r"^(0|[1-9][0-9]*)$", v),
    "index list": lambda v: v == "" or all(re.match(r"^[0-9]+$", x) for x in v.split(",")),
    "text": lambda v: True,
}


def table(spec):
    section = spec[spec.index("### 9.2"):spec.index("### 9.3")]
    types = {}
    for row in section.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in SHAPES:
            for name in re.findall(r"`([a-z_0-9<>]+)`", cells[2]):
                pattern = "^" + re.sub(r"<[a-z]+>", "[a-z_0-9]+", name) + "$"
                types[re.compile(pattern)] = cells[0]
    return types


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    types = table(open(sys.argv[1], encoding="utf-8").read())
    problems = 0
    for path in sorted(glob.glob(os.path.join(sys.argv[2], "*", "*.vec"))):
        for number, line in enumerate(open(path, encoding="utf-8"), start=1):
            m = re.match(r"^([a-z_0-9]+) = ?(.*)$", line.rstrip("\n"))
            if not m:
                continue
            name, value = m.groups()
            kinds = {t for p, t in types.items() if p.match(name)}
            if len(kinds) != 1:
                print(f"{path}:{number}: field '{name}' has {'no' if not kinds else 'more than one'} type in SPEC 9.2")
                problems += 1
            elif not SHAPES[kinds.pop()](value):
                print(f"{path}:{number}: field '{name}' is not written as its SPEC 9.2 type")
                problems += 1
    print(f"{problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
