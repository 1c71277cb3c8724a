#!/usr/bin/env python3
"""Turns Google Benchmark JSON from Doormat's suites into docs/BENCHMARKS.md and SVG charts.

usage: report.py OUT_DIR RESULT.json [RESULT.json ...]

Every ratio is computed from numbers of the same run (the machine is shared and noisy:
absolute times move, ratios much less). Nothing here is typed in by hand.
"""
import json
import math
import os
import platform
import subprocess
import sys


def load(paths):
    runs, context = {}, None
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            data = json.load(fh)
        context = context or data.get("context", {})
        for b in data.get("benchmarks", []):
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
                continue
            name = b["name"].replace("_median", "")
            if b.get("error_occurred"):
                continue
            runs[name.split("/real_time")[0].split("/iterations:")[0].split("/manual_time")[0]] = b
    return runs, context


def us(b):
    """Time per iteration in microseconds (real time for UseRealTime/manual benchmarks)."""
    unit = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b.get("time_unit", "ns")]
    return b["real_time"] * unit


def find(runs, name):
    return runs.get(name)


def pace(runs, name):
    """A mass decryption's `pace` counter: a multiplication's time over a session's, both timed in turn."""
    b = find(runs, name)
    return b.get("pace") if b else None


def ratio(runs, a, b):
    x, y = find(runs, a), find(runs, b)
    return us(x) / us(y) if x and y else None


# ---------------------------------------------------------------- SVG charts (no dependencies)

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
DASHES = ["", "7 4", "2 3", "9 3 2 3", "4 2"]


def text_width(s, size=12):
    """A conservative width: 0.62 em a character (DejaVu and Liberation Sans average about 0.55)."""
    return len(s) * size * 0.62


def plain(v):
    """A number as a reader writes it, 3 significant digits, never 5.62e+03: 0.0175, 84.2, 1,234, 10k."""
    if v == 0:
        return "0"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.3g}k" if abs(v) < 1e6 else f"{v / 1e6:.3g}M"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{float(f'{v:.3g}'):g}" if abs(v) >= 1e-3 else f"{v:.1e}".replace("e-0", "e-")


def nice_ticks(vmax, target=4):
    """0 to at least vmax in 1-2-5 steps."""
    raw = vmax / target
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    return [i * step for i in range(0, math.ceil(vmax / step - 1e-9) + 1)]


def line_chart(title, xlabel, ylabel, series, path):
    """series: [(label, [(x, y), ...])]. A y axis in 1-2-5 steps, the legend right of the plot and as
    wide as its longest label, each line its own dash pattern and marker (coinciding lines stay visible)."""
    legend_w = 28 + max(text_width(label) for label, _ in series) + 16
    w, h, left, bottom, top = 420 + legend_w, 320, 70, 50, 40
    right = legend_w + 10
    xs = sorted({x for _, pts in series for x, _ in pts})
    yt = nice_ticks(max(y for _, pts in series for _, y in pts) or 1)
    ymax = yt[-1]
    sx = lambda x: left + (x - xs[0]) / ((xs[-1] - xs[0]) or 1) * (w - left - right)
    sy = lambda y: h - bottom - y / ymax * (h - bottom - top)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h}" viewBox="0 0 {w:.0f} {h}" font-family="sans-serif" font-size="12">',
           f'<text x="{w/2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
           f'<line x1="{left}" y1="{h-bottom}" x2="{w-right}" y2="{h-bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h-bottom}" stroke="black"/>',
           f'<text x="{(left + w - right)/2}" y="{h-12}" text-anchor="middle">{xlabel}</text>',
           f'<text x="15" y="{(top + h - bottom)/2}" transform="rotate(-90 15 {(top + h - bottom)/2})" text-anchor="middle">{ylabel}</text>']
    for x in xs:
        out.append(f'<text x="{sx(x):.1f}" y="{h-bottom+16}" text-anchor="middle">{x:g}</text>')
    for y in yt:
        out.append(f'<text x="{left-6}" y="{sy(y)+4:.1f}" text-anchor="end">{plain(y)}</text>')
        out.append(f'<line x1="{left}" y1="{sy(y):.1f}" x2="{w-right}" y2="{sy(y):.1f}" stroke="#ddd"/>')
    for i, (label, pts) in enumerate(series):
        c, dash = COLORS[i % len(COLORS)], DASHES[i % len(DASHES)]
        d = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in sorted(pts))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        width = 2 + 1.5 * (len(series) - 1 - i)  # earlier lines wider: a later one on top leaves an outline
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="{width}"{dash_attr} points="{d}"/>')
        for x, y in pts:
            out.append(marker(i, sx(x), sy(y), c))
        ly = top + i * 20
        out.append(f'<line x1="{w-right+10}" y1="{ly+6}" x2="{w-right+34}" y2="{ly+6}" stroke="{c}" stroke-width="2"{dash_attr}/>')
        out.append(marker(i, w - right + 22, ly + 6, c))
        out.append(f'<text x="{w-right+40}" y="{ly+10}">{label}</text>')
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")


def marker(i, x, y, c):
    if i % 3 == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{c}"/>'
    if i % 3 == 1:
        return f'<rect x="{x-3.5:.1f}" y="{y-3.5:.1f}" width="7" height="7" fill="{c}"/>'
    return f'<path d="M{x:.1f} {y-4.5:.1f}L{x+4:.1f} {y+3:.1f}L{x-4:.1f} {y+3:.1f}Z" fill="{c}"/>'


def bar_chart(title, unit, bars, path):
    """bars: [(label, value)]. A value axis with ticks; a log axis when the largest bar is more than 20
    times the smallest (one bar would flatten the rest); every bar labelled with its value; the picture
    as wide as its longest labels, so none is clipped."""
    row = 26
    left = 16 + max(text_width(l) for l, _ in bars)
    values = [v for _, v in bars]
    log = min(values) > 0 and max(values) / min(values) > 20
    if log:
        e0, e1 = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
        e1 = max(e1, e0 + 1)
        ticks = [10.0 ** e for e in range(e0, e1 + 1)]
        frac = lambda v: (math.log10(v) - e0) / (e1 - e0)
    else:
        ticks = nice_ticks(max(values) or 1)
        frac = lambda v: v / ticks[-1]
    plot_w = 300
    label_w = max(text_width(f"{plain(v)} {unit}") for v in values) + 12
    w = left + plot_w + label_w
    top = 36 + (16 if text_width(title, 14) > w - 20 else 0)
    w = max(w, text_width(title, 14) + 20)
    h = top + row * len(bars) + 40
    axis_y = top + row * len(bars) + 4
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h}" viewBox="0 0 {w:.0f} {h}" font-family="sans-serif" font-size="12">',
           f'<text x="{w/2:.1f}" y="20" text-anchor="middle" font-size="14">{title}</text>']
    for t in ticks:
        x = left + frac(t) * plot_w
        out.append(f'<line x1="{x:.1f}" y1="{top-4}" x2="{x:.1f}" y2="{axis_y}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{axis_y+15}" text-anchor="middle" font-size="11">{plain(t)}</text>')
    out.append(f'<line x1="{left}" y1="{axis_y}" x2="{left+plot_w}" y2="{axis_y}" stroke="black"/>')
    out.append(f'<line x1="{left}" y1="{top-4}" x2="{left}" y2="{axis_y}" stroke="black"/>')
    out.append(f'<text x="{left+plot_w/2:.1f}" y="{axis_y+32}" text-anchor="middle" font-size="11">{unit}{" (log scale)" if log else ""}</text>')
    for i, (label, v) in enumerate(bars):
        y = top + i * row
        bw = max(frac(v) * plot_w, 1) if v > 0 else 0
        out.append(f'<text x="{left-8:.1f}" y="{y+14}" text-anchor="end">{label}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{bw:.1f}" height="18" fill="{COLORS[i % len(COLORS)]}"/>')
        out.append(f'<text x="{left+bw+6:.1f}" y="{y+14}">{plain(v)} {unit}</text>')
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")


# ---------------------------------------------------------------- the report


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt_ratio(r, target=None):
    if r is None:
        return "n/a (not in this run)"
    s = f"{r:.2f}×"
    if target:
        s += f" (target {target})"
    return s


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    out_dir, paths = sys.argv[1], sys.argv[2:]
    runs, ctx = load(paths)
    charts = os.path.join(out_dir, "bench")
    os.makedirs(charts, exist_ok=True)
    md = ["# Doormat benchmarks", "",
          "Generated by `./scripts/bench --report` (bench/report.py) from one run of every suite; do not edit by hand.",
          "The machine is shared and noisy: compare the ratios, which come from the same run, more than the absolute times.", "",
          "## Machine", "",
          f"- CPU: {cpu_model()}, {ctx.get('num_cpus', '?')} cores at {ctx.get('mhz_per_cpu', '?')} MHz",
          f"- run: {ctx.get('date', '?')} on `{ctx.get('host_name', '?')}`; Doormat built Release (Debian's Google Benchmark "
          f"library reports itself as a `{ctx.get('library_build_type', '?')}` build: that is the harness, not the code measured)",
          f"- system: {platform.platform()}", ""]

    seal = find(runs, "envelope/seal/1024")
    base = [find(runs, "baseline/x25519_session"), find(runs, "baseline/aead_1KiB")]
    overhead = us(seal) / sum(us(b) for b in base) if seal and all(base) else None
    t1, t2 = find(runs, "trustee/decrypt_batch_64/1"), find(runs, "trustee/decrypt_batch_64/2")
    e2e = find(runs, "end_to_end/warrant_sessions/10000/10000")
    md += ["## Headline ratios (same run)", "",
           "| what | ratio |", "|---|---|",
           f"| `tdh2/encrypt` / its floor (2 fixed-base + 3 variable-base multiplications) | {fmt_ratio(ratio(runs, 'tdh2/encrypt', 'floor/tdh2_encrypt'), '≤ 1.10×')} |",
           f"| `tdh2/combine/3` / its floor (19 multiplications, 10 additions: libsodium has no multi-scalar multiplication) | {fmt_ratio(ratio(runs, 'tdh2/combine/3', 'floor/tdh2_combine/3'), '≤ 1.15×')} |",
           f"| `tdh2/combine/3` / its multiplications alone | {fmt_ratio(ratio(runs, 'tdh2/combine/3', 'floor/tdh2_combine_mults/3'))} |",
           f"| one point addition / one variable-base multiplication | {fmt_ratio(ratio(runs, 'group/add', 'group/mul'))} |",
           f"| optimistic / always-verify combine-and-open, k = 3 | {fmt_ratio(ratio(runs, 'investigator/optimistic_combine_and_open/3', 'investigator/combine_and_open/3'), '≤ 0.35×')} |",
           f"| escrowed 1 KiB message (`envelope/seal/1024`) / no escrow (X25519 session + AEAD 1 KiB) | {fmt_ratio(overhead)} |",
           f"| trustee, 64-field batch: 2 threads' throughput / 1 thread's | {fmt_ratio(us(t1) / us(t2) if t1 and t2 else None, '≥ 1.8×')} |",
           f"| mass decryption after compromise: its pace, one variable-base multiplication's time per session (interleaved) | {fmt_ratio(pace(runs, 'attack/mass_decrypt/k_shares_stolen/3'), '≥ 0.95×')} |",
           f"| the same with the thief's variable-time product | {fmt_ratio(pace(runs, 'attack/mass_decrypt_vartime/k_shares_stolen/3'), '≥ 0.95×')} |",
           f"| RSA-3072 OAEP key wrap (1990s escrow) / `tdh2/encrypt` | {fmt_ratio(ratio(runs, 'historical/rsa3072_oaep_wrap', 'tdh2/encrypt'))} |",
           f"| ElGamal-2048 key wrap / `tdh2/encrypt` | {fmt_ratio(ratio(runs, 'historical/elgamal2048_wrap', 'tdh2/encrypt'))} |", ""]
    e2e_first = find(runs, "end_to_end/quorum_first/warrant_sessions/10000/10000")
    if e2e:
        md += [f"End to end: a warrant covering 10,000 sessions, five trustee processes on loopback with durable logs, "
               f"all five asked, opened in {us(e2e)/1e6:.2f} s: **{10000/(us(e2e)/1e6):.0f} sessions per second** (issue 17's target ≥ 2,500)"
               + (f"; with k = 3 asked first (`investigate --quorum-first`), {10000/(us(e2e_first)/1e6):.0f} per second." if e2e_first else "."), ""]
    e2e_rows = sorted(((int(p[0]), int(p[1]), asked, b) for prefix, asked in (("end_to_end/warrant_sessions/", "all 5"),
                                                                               ("end_to_end/quorum_first/warrant_sessions/", "k = 3 first"))
                       for n, b in runs.items() if n.startswith(prefix)
                       for p in [n[len(prefix):].split("/")[:2]] if len(p) == 2), key=lambda r: (r[0], -r[1], r[2]))
    if e2e_rows:
        md += ["| sessions in the warrant | sessions per request | trustees asked | requests | sessions opened per second | latency per request p50 / p99 |",
               "|---|---|---|---|---|---|"]
        md += [f"| {s:,} | {bt:,} | {asked} | {-(-s // bt)} | {s/(us(b)/1e6):,.0f} | {b.get('batch_p50_ms', 0):.0f} / {b.get('batch_p99_ms', 0):.0f} ms |"
               for s, bt, asked, b in e2e_rows]
        md += ["", "A request's latency runs from signing it to the last of the five answers checked: the trustees' "
               "checks, partial decryptions and fsync'd log commit, the sealed signed responses.", ""]

    md += ["## Every benchmark", "", "| benchmark | time | counters |", "|---|---|---|"]
    skip = {"name", "run_name", "run_type", "repetitions", "repetition_index", "threads", "iterations", "real_time", "cpu_time",
            "time_unit", "family_index", "per_family_instance_index", "aggregate_name", "aggregate_unit", "error_occurred", "error_message"}
    for name in sorted(runs):
        b = runs[name]
        t = us(b)
        ts = f"{t/1e6:.3g} s" if t >= 1e6 else f"{t/1e3:.3g} ms" if t >= 1e3 else f"{t:.3g} µs"
        counters = ", ".join(f"{k}={v:.4g}" for k, v in b.items() if k not in skip and isinstance(v, (int, float)))
        md.append(f"| `{name}` | {ts} | {counters} |")
    md.append("")

    combine = [(f"always verify", [(k, us(runs[f'investigator/combine_and_open/{k}'])) for k in (3, 5, 10) if f'investigator/combine_and_open/{k}' in runs]),
               (f"optimistic", [(k, us(runs[f'investigator/optimistic_combine_and_open/{k}'])) for k in (3, 5, 10) if f'investigator/optimistic_combine_and_open/{k}' in runs]),
               ("floor (verify all)", [(k, us(runs[f'floor/tdh2_combine/{k}'])) for k in (2, 3, 5, 7, 10) if f'floor/tdh2_combine/{k}' in runs])]
    if all(pts for _, pts in combine):
        line_chart("Recovering one session key vs k", "k (trustees in the quorum)", "µs", combine, os.path.join(charts, "combine_vs_k.svg"))
        md += ["## Charts", "", "![combine vs k](bench/combine_vs_k.svg)", ""]
    dkg = [(label, [(n, runs[f"{prefix}/{n}"]["per_party_ms"]) for n in (3, 5, 9, 15) if f"{prefix}/{n}" in runs])
           for label, prefix in (("Joint-Feldman", "dkg/joint_feldman"), ("GJKR", "dkg/gjkr"), ("refresh", "refresh"))]
    if all(pts for _, pts in dkg):
        line_chart("Key generation: CPU per trustee vs n", "n (trustees)", "ms per trustee", dkg, os.path.join(charts, "dkg_vs_n.svg"))
        md += ["![dkg vs n](bench/dkg_vs_n.svg)", ""]
    sizes = [("no escrow (ephemeral X25519 key)", find(runs, "baseline/x25519_session")),
             ("TDH2 escrow field (alice->bob label)", find(runs, "tdh2/encrypt")),
             ("RSA-3072 OAEP wrap", find(runs, "historical/rsa3072_oaep_wrap")),
             ("ElGamal-2048 wrap", find(runs, "historical/elgamal2048_wrap")),
             ("clipper LEAF (AES-256, 1993 structure)", find(runs, "scheme/escrow/clipper_leaf")),
             ("naive-shamir field", find(runs, "scheme/escrow/naive_shamir")),
             ("threshold-elgamal field", find(runs, "scheme/escrow/threshold_elgamal")),
             ("tdh2-crumple field", find(runs, "scheme/escrow/tdh2_crumple"))]
    if all(b for _, b in sizes):
        md += ["## Bytes on the wire per session", "", "| design | escrow field (B) | label beside it (B) | µs per session |", "|---|---|---|---|"]
        md += [f"| {l} | {b['wire_bytes']:.0f} | {b.get('label_bytes', 0):.0f} | {us(b):.1f} |" for l, b in sizes]
        md += ["", "The label (sender, recipient, time, session id) travels with every session in every design; "
               "tdh2 carries it inside its field, so its 200 B + label (version 2; 168 B in version 1) is the whole cost.", ""]
        bar_chart("Bytes on the wire per session for key transport/escrow", "B", [(l, b["wire_bytes"]) for l, b in sizes],
                  os.path.join(charts, "bytes_per_session.svg"))
        bar_chart("Cost per session", "µs", [(l, us(b)) for l, b in sizes], os.path.join(charts, "cost_per_session.svg"))
        none = us(sizes[0][1])
        bar_chart("Cost per session relative to no escrow (1.0 = ephemeral X25519 alone)", "× no escrow",
                  [(l, us(b) / none) for l, b in sizes], os.path.join(charts, "overhead_vs_no_escrow.svg"))
        md += ["![bytes per session](bench/bytes_per_session.svg)", "", "![cost per session](bench/cost_per_session.svg)", "",
               "![overhead vs no escrow](bench/overhead_vs_no_escrow.svg)", ""]
    with open(os.path.join(out_dir, "BENCHMARKS.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(md))
    print(f"wrote {os.path.join(out_dir, 'BENCHMARKS.md')} from {len(runs)} benchmarks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
