#!/usr/bin/env bash
# Look at a report the way a reader does (run by hand; CI has neither poppler nor chromium).
#
#   apt-get install -y poppler-utils chromium        # once (Debian names)
#   bash scripts/look_at_report.sh DIR [OUT]
#
# Renders every page of DIR/report.pdf to OUT/pdf-page-N.png (pdftoppm, 60 dpi), the HTML
# report to OUT/html.png (headless Chromium, full page 1200 px wide), and the first page of
# each figure's vector PDF to OUT/figure-*.png; prints the PDF's page count and fonts
# (pdfinfo, pdffonts: every font must be embedded) and the claim ids missing from the PDF's
# text (pdftotext). With pdflatex and bibtex installed (Debian: texlive-latex-base,
# texlive-latex-recommended, texlive-fonts-recommended) it also compiles a copy of
# report-standalone.tex (the LaTeX appendix) and renders its pages to OUT/tex-page-N.png.
# Then open the PNGs in an image viewer and read them.
set -euo pipefail
dir=${1:?usage: look_at_report.sh REPORT_DIR [OUT]}
out=${2:-$dir/look}
mkdir -p "$out"
pdfinfo "$dir/report.pdf" | grep -E "Pages|Title|Page size"
echo "fonts not embedded:"; pdffonts "$dir/report.pdf" | awk 'NR>2 && $(NF-4)!="yes"' || true
pdftoppm -r 60 -png "$dir/report.pdf" "$out/pdf-page"
pdftotext "$dir/report.pdf" "$out/report.txt"
python3 - "$dir/report.json" "$out/report.txt" <<'PY'
import json, sys
ids = [c["id"] for c in json.load(open(sys.argv[1]))["claims"]]
text = open(sys.argv[2]).read().replace("\n", " ")
missing = [i for i in ids if i not in text]
print(f"{len(ids) - len(missing)}/{len(ids)} claim ids in the PDF text", *(["missing:"] + missing if missing else []))
PY
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,20000 \
  --screenshot="$out/html.png" "file://$(realpath "$dir/report.html")" 2>/dev/null
for f in "$dir"/plots/*.pdf; do
  pdftoppm -r 50 -png -singlefile "$f" "$out/figure-$(basename "$f" .pdf)"
done
if command -v pdflatex >/dev/null && command -v bibtex >/dev/null; then
  tex=$(mktemp -d)
  cp -r "$dir"/report*.tex "$dir"/report.bib "$dir"/plots "$tex"/
  (cd "$tex" && pdflatex -interaction=nonstopmode report-standalone.tex >/dev/null 2>&1;
   bibtex report-standalone >/dev/null; pdflatex -interaction=nonstopmode report-standalone.tex >/dev/null 2>&1;
   pdflatex -interaction=nonstopmode -halt-on-error report-standalone.tex > latex.log 2>&1) \
    && echo "report-standalone.tex compiles; $(grep -c Overfull "$tex/latex.log") overfull boxes" \
    || { echo "report-standalone.tex does NOT compile:"; grep -A3 "^!" "$tex/latex.log" | head -20; }
  [ -f "$tex/report-standalone.pdf" ] && pdftoppm -r 60 -png "$tex/report-standalone.pdf" "$out/tex-page"
  rm -rf "$tex"
fi
ls "$out" | head -60
