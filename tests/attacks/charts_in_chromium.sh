#!/usr/bin/env bash
# The report's charts as a browser draws them (issue 16, item 11). Headless Chromium lays out a copy
# of the quick report with a probe script added (the report itself has none); the probe writes every
# chart's text nodes, bars, interval bars, lines and legend items with their boxes, in viewBox
# units, into the DOM, which --dump-dom hands back. The checks:
#   - every text node (title, ticks, axis labels, value labels, legend) lies inside its viewBox,
#     and no two of them overlap;
#   - no tick label is written like 5.62e+03; each says the value it stands at (data-v);
#   - count axes (runs, days, epochs, bit widths, 0/1 outcomes) have integer ticks only;
#   - log axes have ticks at 1, 2 or 5 times a power of ten only;
#   - every bar chart has a value axis, and every bar and interval bar lies inside the plot area;
#   - dkg-bias has a 95% interval bar around each measured bar;
#   - measured and extrapolated values are drawn differently and the legend says which is which;
#   - no two line series of a chart are drawn alike (coinciding lines stay visible);
#   - no legend item overlaps the plot area, every series has one.
# Exits 77 (skipped) when there is no chromium; CI installs it (scripts/common.sh).
set -euo pipefail
attacks="$1"
command -v chromium > /dev/null || { echo "chromium not installed: skipped"; exit 77; }
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
"$attacks" matrix --quick --quiet --html "$dir/report.html" > /dev/null
python3 - "$dir/report.html" "$dir/probe.html" <<'EOF'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
probe = r"""<script>
(() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const vb = svg.viewBox.baseVal, r = svg.getBoundingClientRect();
    const sx = vb.width / r.width, sy = vb.height / r.height;
    const box = el => { const b = el.getBoundingClientRect();
      return [(b.left - r.left) * sx, (b.top - r.top) * sy, (b.right - r.left) * sx, (b.bottom - r.top) * sy]; };
    const lines = [...svg.querySelectorAll('.series')].filter(g => !g.querySelector('.bar'));
    out.push({
      title: svg.querySelector('title').textContent,
      kind: svg.dataset.kind, xScale: svg.dataset.xScale, yScale: svg.dataset.yScale,
      xInteger: svg.dataset.xInteger === 'true', yInteger: svg.dataset.yInteger === 'true',
      viewBox: [vb.x, vb.y, vb.width, vb.height],
      plot: box(svg.querySelector('.plot-area')),
      texts: [...svg.querySelectorAll('text')].map(t => ({cls: t.getAttribute('class') || '', text: t.textContent,
                                                           v: t.dataset.v, box: box(t)})),
      legend: [...svg.querySelectorAll('.legend-item')].map(g => ({text: g.textContent, box: box(g)})),
      bars: [...svg.querySelectorAll('.bar')].map(b => ({series: b.closest('.series').dataset.name,
                                                         extrapolated: b.dataset.extrapolated === 'true', box: box(b)})),
      intervals: [...svg.querySelectorAll('.interval')].map(i => ({low: +i.dataset.low, high: +i.dataset.high, box: box(i)})),
      lines: lines.map(g => ({name: g.dataset.name, width: g.dataset.width, shape: g.dataset.shape,
                              dashes: [...g.querySelectorAll('polyline')].map(p => p.getAttribute('stroke-dasharray') || ''),
                              hollow: [...g.querySelectorAll('.marker')].map(m => m.getAttribute('fill') === '#fff')})),
      marks: [...svg.querySelectorAll('.series .marker, .series polyline')].map(box),
    });
  }
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""
assert "</body>" in page
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", probe + "</body>"))
EOF
chromium --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$dir/profile" \
  --run-all-compositor-stages-before-draw --virtual-time-budget=10000 --window-size=1200,900 \
  --dump-dom "file://$dir/probe.html" > "$dir/dom.html" 2> "$dir/chromium.log"
python3 - "$dir/dom.html" <<'EOF'
import html, json, math, re, sys

dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
if not m:
    sys.exit("the probe wrote nothing: did Chromium run the page?")
charts = json.loads(html.unescape(m.group(1)))
failures = []
def fail(chart, what):
    failures.append(f"{chart['title'][:60]}: {what}")

TOL = 0.75  # px: rounding of the boxes
def inside(b, o, tol=TOL):
    return b[0] >= o[0] - tol and b[1] >= o[1] - tol and b[2] <= o[2] + tol and b[3] <= o[3] + tol
def overlap(a, b, tol=0.5):
    return min(a[2], b[2]) - max(a[0], b[0]) > tol and min(a[3], b[3]) - max(a[1], b[1]) > tol

SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
def value(label):
    """A tick label back to its number: 0.001, 42, 2500, 10k, 1.5M, 10⁹, 2×10⁻⁵."""
    m = re.fullmatch(r"(-?[0-9]+(?:\.[0-9]+)?)(k|M)?", label)
    if m:
        return float(m[1]) * {"k": 1e3, "M": 1e6, None: 1}[m[2]]
    m = re.fullmatch(r"(?:([0-9.]+)×)?10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)", label)
    if m:
        return float(m[1] or 1) * 10 ** int(m[2].translate(SUP))
    raise ValueError(label)

expected = {  # title prefix -> (x is a count axis, y is a count axis)
    "Clipper LEAF forgery: trials per forged LEAF": (False, True),
    "Clipper LEAF forgery: seconds per forged LEAF": (True, False),
    "Mass decryption with k stolen shares": (False, False),
    "P(target bit of Y = 0)": (False, False),
    "Mobile adversary": (True, True),
    "Sessions readable after a compromise": (True, True),
    "tdh2-crumple: CPU time": (True, False),
}
found = {p: [c for c in charts if c["title"].startswith(p)] for p in expected}
for p, cs in found.items():
    if len(cs) != 1:
        failures.append(f"expected one chart titled {p!r}, found {len(cs)}")

for c in charts:
    x0, y0, w, h = c["viewBox"]
    view = [x0, y0, x0 + w, y0 + h]
    texts = [t for t in c["texts"] if t["text"].strip()]
    for t in texts:
        if not inside(t["box"], view):
            fail(c, f"text {t['text']!r} ({t['cls']}) leaves the picture: {[round(v, 1) for v in t['box']]} vs {view}")
        if re.search(r"\d[eE][+-]?\d", t["text"]):
            fail(c, f"text {t['text']!r} in exponent notation")
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if overlap(a["box"], b["box"]):
                fail(c, f"texts {a['text']!r} and {b['text']!r} overlap")
    xt = [t for t in texts if t["cls"] == "tick-x"]
    yt = [t for t in texts if t["cls"] == "tick-y"]
    if len(yt) < 2:
        fail(c, f"no value axis ({len(yt)} y ticks)")
    for t in yt:
        try:
            v = value(t["text"])
        except ValueError:
            fail(c, f"y tick {t['text']!r} is not a plain number")
            continue
        if not math.isclose(v, float(t["v"]), rel_tol=1e-3, abs_tol=1e-12):
            fail(c, f"y tick {t['text']!r} stands at {t['v']}")
        if c["yInteger"] and v != round(v):
            fail(c, f"count axis with a fractional tick {t['text']!r}")
        if c["yScale"] == "log":
            mant = v / 10 ** math.floor(math.log10(v) + 1e-9)
            if not any(math.isclose(mant, m, rel_tol=1e-6) for m in (1, 2, 5)):
                fail(c, f"log tick {t['text']!r} is not 1, 2 or 5 times a power of ten")
    if c["xScale"] != "category":
        for t in xt:
            try:
                v = value(t["text"])
            except ValueError:
                fail(c, f"x tick {t['text']!r} is not a plain number")
                continue
            if c["xInteger"] and v != round(v):
                fail(c, f"count axis with a fractional tick {t['text']!r}")
    for p, (xi, yi) in expected.items():
        if c["title"].startswith(p):
            if xi and not (c["xInteger"] and xt):
                fail(c, "x should be a count axis with integer ticks")
            if yi and not c["yInteger"]:
                fail(c, "y should be a count axis with integer ticks")
    plot = c["plot"]
    for b in c["bars"]:
        if not inside(b["box"], plot):
            fail(c, f"a bar of {b['series']!r} spills out of the axes: {[round(v, 1) for v in b['box']]} vs {plot}")
    for i in c["intervals"]:
        if not inside(i["box"], plot):
            fail(c, "an interval bar spills out of the axes")
    for m in c["marks"]:
        if not inside(m, plot, 1.5):
            fail(c, f"a line or marker outside the plot area: {[round(v, 1) for v in m]}")
    legend_text = " ".join(l["text"] for l in c["legend"])
    for l in c["legend"]:
        if overlap(l["box"], plot, 0):
            fail(c, f"legend item {l['text']!r} over the plot area")
    names = {b["series"] for b in c["bars"]} | {l["name"] for l in c["lines"]}
    for n in names:
        if not any(l["text"] == n for l in c["legend"]):
            fail(c, f"series {n!r} has no legend item")
    styles = [(l["width"], l["shape"], tuple(l["dashes"])) for l in c["lines"]]
    if len(set(styles)) != len(styles):
        fail(c, f"two line series drawn alike: {styles}")
    for l in c["lines"]:
        if "extrapolated" in l["name"] and not (all(l["dashes"]) and all(l["hollow"])):
            fail(c, f"{l['name']!r} is not drawn dashed and hollow")
        if "measured" in l["name"] and (any(l["dashes"]) or any(l["hollow"])):
            fail(c, f"{l['name']!r} is drawn like an extrapolation")
    if any(b["extrapolated"] for b in c["bars"]) or any(any(l["dashes"]) for l in c["lines"]):
        if "extrapolated" not in legend_text:
            fail(c, "extrapolated values drawn, but the legend does not say which")

dkg = found["P(target bit of Y = 0)"]
if dkg:
    c = dkg[0]
    measured = [b for b in c["bars"] if b["series"] == "measured"]
    if len(c["intervals"]) != len(measured) or not measured:
        fail(c, f"{len(c['intervals'])} interval bars for {len(measured)} measured bars")
    for b, i in zip(measured, c["intervals"]):
        top = b["box"][1]
        if not (i["box"][1] - TOL <= top <= i["box"][3] + TOL) or not (0 <= i["low"] <= i["high"] <= 1):
            fail(c, f"the interval [{i['low']:.3f}, {i['high']:.3f}] is not around its bar")
    if "95% interval" not in " ".join(l["text"] for l in c["legend"]):
        fail(c, "no legend item for the interval bars")
leaf = found["Clipper LEAF forgery: seconds per forged LEAF"]
if leaf and not any(b["extrapolated"] for b in leaf[0]["bars"]):
    fail(leaf[0], "the quick run extrapolates 24 and 32 bits, but no bar is drawn as extrapolated")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"{len(charts)} charts: {sum(len(c['texts']) for c in charts)} text nodes inside their pictures, "
      f"{sum(len(c['bars']) for c in charts)} bars and {sum(len(c['intervals']) for c in charts)} interval bars inside their axes")
EOF
