#!/usr/bin/env bash
# The HTML report renders: headless Chromium (Debian's `chromium`) parses the page, and we read the
# matrix back from the DOM it serialises — a <tbody> the browser inserted proves it is the parsed
# page, not our file — and check every cell and a few verdicts that the attacks' tests establish.
set -euo pipefail
attacks="$1"
command -v chromium > /dev/null || { echo "chromium not installed: skipped"; exit 77; }  # CI installs it
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
"$attacks" matrix --quick --quiet --html "$dir/report.html" > "$dir/matrix.txt"
chromium --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$dir/profile" \
  --dump-dom "file://$dir/report.html" > "$dir/dom.html" 2> "$dir/chromium.log"
chromium --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$dir/profile" \
  --window-size=1200,900 --screenshot="$dir/shot.png" "file://$dir/report.html" >> "$dir/chromium.log" 2>&1
grep -q '<table id="matrix"><tbody>' "$dir/dom.html" || { echo "no parsed matrix table in the DOM"; exit 1; }
cells=$(grep -o 'data-verdict="[a-z/]*"' "$dir/dom.html" | wc -l)
[ "$cells" -eq 65 ] || { echo "expected 13 x 5 = 65 matrix cells, found $cells"; exit 1; }
expect() {  # attack scheme verdict
  grep -q "data-attack=\"$1\" data-scheme=\"$2\" data-verdict=\"$3\"" "$dir/dom.html" \
    || { echo "cell $1/$2 is not $3"; exit 1; }
}
expect warrant-laundering threshold-elgamal broken
expect warrant-laundering tdh2 held
expect leaf-forgery clipper broken
expect forged-warrant tdh2 detected
expect dkg-bias clipper n/a
svgs=$(grep -o '<svg' "$dir/dom.html" | wc -l)
[ "$svgs" -ge 7 ] || { echo "expected the charts as inline SVG, found $svgs"; exit 1; }
[ "$(stat -c %s "$dir/shot.png")" -gt 10000 ] || { echo "the screenshot is (nearly) empty"; exit 1; }
echo "chromium rendered $cells matrix cells and $svgs charts"
