"""report.pdf: the verification report as one self-contained PDF (no TeX needed).

Built with fpdf2 (pure Python) in the DejaVu fonts that matplotlib ships (so ±, Greek letters
and any other Unicode in a statement print as written). Contents, in order: the verdict and
the run, the failed claims, the table of every claim, one section per claim family (each
claim's statement, source, comparison, tolerance derivation, parts and its figure), the BNN
figures, the tuning advice, the tolerance policy, the provenance, and the references
(relu_hmc.bibliography). Figures are embedded as vectors: the SVG twin of each figure
(relu_hmc.plots.save) drawn by fpdf2's SVG reader (text as paths, markers, error bars, fills
and clipping render as matplotlib drew them); a figure using an element that reader skips
(hatching, an SVG <pattern>) is embedded as its 200-dpi PNG with the reason printed under it
(`figure_source`). Parsing an SVG takes fpdf2 ~0.3 s per figure, counted in the run's wall time
(`build`'s finalize). The PDF has an outline (bookmarks) per section.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from relu_hmc import bibliography, plots

_GREEN, _RED, _GREY, _BLUE = (0, 120, 0), (176, 0, 0), (90, 90, 90), (0, 60, 120)
#: Height of a claim's text above its figure (statement, source, comparison, tolerance, parts: ~40 mm)
#: plus the bottom margin.
_CLAIM_TEXT_MM = 16 + 40
#: A figure that does not fit under its claim's text is shrunk to fit down to this fraction of its
#: size (still legible as a vector), else moved to the next page.
_MIN_FIGURE_SCALE = 0.7


def _fmt(x, digits: int = 4) -> str:
    if x is None:
        return "nan"
    x = float(x)
    return f"{x:.{digits}g}" if math.isfinite(x) else "nan"


def _fonts() -> dict[str, str]:
    import matplotlib

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {"": str(base / "DejaVuSans.ttf"), "B": str(base / "DejaVuSans-Bold.ttf"),
            "I": str(base / "DejaVuSans-Oblique.ttf"), "mono": str(base / "DejaVuSansMono.ttf")}


def _document(title: str):
    from fpdf import FPDF

    class Document(FPDF):
        def footer(self):
            self.set_y(-12)
            self.set_font("dejavu", "", 7)
            self.set_text_color(*_GREY)
            self.cell(0, 5, f"{title} - page {self.page_no()}/{{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pdf = Document(format="A4")
    fonts = _fonts()
    for style in ("", "B", "I"):
        pdf.add_font("dejavu", style, fonts[style])
    pdf.add_font("dejavumono", "", fonts["mono"])
    pdf.set_title(title)
    pdf.set_creator("relu-hmc")
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_margins(16, 14, 16)
    pdf.alias_nb_pages()
    return pdf


def _heading(pdf, text: str, level: int = 0, size: float | None = None) -> None:
    """A heading with an outline entry at `level` (0 = chapter, 1 = section)."""
    size = size or {0: 15, 1: 12.5}[level]
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.start_section(text, level=level)
    pdf.set_font("dejavu", "B", size)
    pdf.ln(2 if level else 0)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("dejavu", "", 9)


def _para(pdf, text: str, size: float = 9, color=None, style: str = "") -> None:
    pdf.set_font("dejavu", style, size)
    if color:
        pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(0.8)


def _table(pdf, header, rows, widths, align=None, size: float = 7.5, colors=None) -> None:
    """A table; `colors`: per row, None or an (r, g, b) text colour for its second cell."""
    from fpdf.fonts import FontFace

    pdf.set_font("dejavu", "", size)
    with pdf.table(col_widths=widths, text_align=align or "LEFT", line_height=size * 0.55,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                   first_row_as_headings=True, padding=0.8) as table:
        row = table.row()
        for cell in header:
            row.cell(cell)
        for i, values in enumerate(rows):
            row = table.row()
            for j, cell in enumerate(values):
                color = colors[i] if colors and j == 1 else None
                row.cell(str(cell), style=FontFace(color=color, emphasis="BOLD") if color else None)
    pdf.ln(2)


#: SVG elements fpdf2 (2.8) does not draw, and what a figure loses with them.
_SVG_UNSUPPORTED = {"<pattern": "hatching (an SVG <pattern>)", "<image": "an embedded raster image",
                    "<mask": "a mask", "<filter": "a filter effect"}


def figure_source(out_dir: Path, png: str) -> tuple[Path, str | None]:
    """The file to embed for a figure and, when it is not the vector SVG, why: the SVG twin
    (relu_hmc.plots.save) unless it is missing or uses an element fpdf2 does not draw."""
    svg = (out_dir / png).with_suffix(".svg")
    if not svg.is_file():
        return out_dir / png, "no SVG twin of this figure"
    text = svg.read_text(encoding="utf-8", errors="replace")
    lost = [what for tag, what in _SVG_UNSUPPORTED.items() if tag in text]
    if lost:
        return out_dir / png, f"raster PNG ({plots.DPI} dpi): the figure uses {', '.join(lost)}, which fpdf2 does " \
                              f"not draw from SVG; the vector PDF/SVG are under plots/"
    return svg, None


def figure_height(out_dir: Path, png: str, width: float) -> float:
    """Printed height (mm) of a figure at `width` mm (aspect ratio of its PNG)."""
    from PIL import Image

    with Image.open(out_dir / png) as image:
        w, h = image.size
    return width * h / w


def _figure(pdf, out_dir: Path, png: str, width: float = 150) -> None:
    """Place a figure centred at `width` mm: its vector SVG where fpdf2 draws it (figure_source),
    else its PNG with the reason printed under it."""
    import logging

    height = figure_height(out_dir, png, width)
    room = pdf.h - 16 - pdf.get_y()
    if height > room >= _MIN_FIGURE_SCALE * height:  # shrink a little rather than part it from its claim
        width, height = width * room / height, room
    elif height > room:
        pdf.add_page()
    source, reason = figure_source(out_dir, png)
    svg_log = logging.getLogger("fpdf.svg")
    level = svg_log.level
    svg_log.setLevel(logging.ERROR)  # <metadata> is skipped with a warning per figure: nothing is lost
    try:
        pdf.image(str(source), x=(pdf.w - width) / 2, y=pdf.get_y(), w=width, h=height)
    finally:
        svg_log.setLevel(level)
    pdf.set_y(pdf.get_y() + height)
    if reason:
        _para(pdf, f"(Figure embedded as {reason}.)", 7, _GREY, "I")
    pdf.ln(2)


def _colour(entry: dict):
    from relu_hmc.report import result_text

    return {"PASS": _GREEN, "OBSERVED": _BLUE}.get(result_text(entry), _RED)


def _claim_rows(entries: list[dict]):
    from relu_hmc.report import resolution_text, result_text

    rows, colors = [], []
    for c in entries:
        v = c["verdict"]
        if v["quantity"] == "error":  # nothing was compared: the reason is under "Failed claims"
            rows.append((c["id"], result_text(c), "error (see Failed claims)", "-", "-", "-", "-"))
        else:
            rows.append((c["id"], result_text(c), v["quantity"], _fmt(v["predicted"]),
                         f"{_fmt(v['measured'])} ± {_fmt(v['se'], 2)}", _fmt(v["tolerance"], 3),
                         resolution_text(v)))
        colors.append(_colour(c))
    return rows, colors


def reference_text(entry: str) -> str:
    """'Authors. Title. Venue volume(number):pages, year. doi/arXiv' from a BibTeX entry."""
    fields = dict(re.findall(r"^\s*(\w+)\s*=\s*\{(.*)\},?\s*$", entry, re.MULTILINE))
    clean = lambda t: re.sub(r"\\url\{([^}]*)\}", r"\1", t).replace("{", "").replace("}", "").replace(  # noqa: E731
        "\\'u", "ú").replace("\\'i", "í").replace("--", "–")
    venue = fields.get("journal") or fields.get("booktitle") or fields.get("publisher") or fields.get("howpublished", "")
    volume = fields.get("volume", "")
    if volume and fields.get("number"):
        volume += f"({fields['number']})"
    version = f"version {fields['version']}" if "version" in fields else ""
    where = ", ".join(x for x in (venue, volume, version, fields.get("license", ""), fields.get("pages", ""),
                                  fields.get("year", "")) if x) or "software"
    tail = f" doi:{fields['doi']}" if "doi" in fields else (f" arXiv:{fields['eprint']}" if "eprint" in fields else "")
    return clean(f"{fields.get('author', '')}. {fields.get('title', '')}. {where}.{tail}")


def _front_page(pdf, report: dict, outline) -> None:
    """Page 1: title, verdict, the run, and the contents (drawn last: see `build`)."""
    s, p = report["summary"], report["provenance"]
    pdf.set_xy(pdf.l_margin, pdf.t_margin)
    pdf.set_font("dejavu", "B", 16)
    pdf.multi_cell(0, 8, "relu-hmc verification report", new_x="LMARGIN", new_y="NEXT")
    verdict = "ALL CLAIMS PASSED" if s["passed"] else "SOME CLAIMS FAILED"
    observed = f"; {s['observations']} observations reported (not counted)" if s.get("observations") else ""
    _para(pdf, f"{verdict}: {s['claims_passed']} of {s['claims']} claims passed{observed}.", 11,
          _GREEN if s["passed"] else _RED, "B")
    git = p.get("git")
    run_rows = [(k, str(s[k])) for k in ("budget", "seed", "executor", "jobs", "tasks_run", "tasks_cached",
                                          "tasks_failed") if k in s]
    wall = f"{s['wall_seconds']:.1f} s"
    if "suite_seconds" in s:
        wall += (f" (whole run: claim tasks {s['suite_seconds']:.1f} s; BNN figure sweeps, figures and report "
                 f"{s['wall_seconds'] - s['suite_seconds']:.1f} s)")
    run_rows += [("wall time", wall),
                 ("git revision", (git["commit"] + (" (dirty)" if git["dirty"] else "")) if git else "not a git checkout"),
                 ("kernel backend", p["kernel_backend"]), ("code version", p["code_version"]),
                 ("created (UTC)", p["created_utc"])]
    _table(pdf, ("setting", "value"), run_rows, (40, 138))
    pdf.set_font("dejavu", "B", 12.5)
    pdf.multi_cell(0, 6.5, "Contents", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 9)
    for section in outline:
        if section.level != 0:
            continue
        link = pdf.add_link(page=section.page_number)
        pdf.cell(160, 5, section.name, link=link)
        pdf.cell(18, 5, str(section.page_number), align="R", link=link, new_x="LMARGIN", new_y="NEXT")


def build(report: dict, out_dir: str | Path, finalize=None):
    """The FPDF document of a report dict (figures read from out_dir).

    The front page (run summary, contents) is drawn when the document is output, after every
    other page is laid out; `finalize(report)`, if given, is called right then, so a wall time
    it records covers the layout of this PDF too."""
    out_dir = Path(out_dir)
    s, p = report["summary"], report["provenance"]
    git = p.get("git")
    pdf = _document("relu-hmc verification report")
    pdf.add_page()

    def front(pdf, outline):
        if finalize is not None:
            finalize(report)
        _front_page(pdf, report, outline)

    pdf.insert_toc_placeholder(front, pages=1)
    from relu_hmc.report import failures

    failed = failures(report)
    if failed or s.get("import_errors"):
        _heading(pdf, "Failed claims", 0)
        for line in failed:
            _para(pdf, "• " + line, 8.5, _RED)
        for module, error in (s.get("import_errors") or {}).items():
            _para(pdf, f"• claim module {module} did not import: {error}", 8.5, _RED)
    from relu_hmc.report import OBSERVATIONS_NOTE, claims_of, observations_of

    for title, entries in (("Results", claims_of(report)), ("Observations", observations_of(report))):
        if not entries:
            continue
        _heading(pdf, title, 0)
        if title == "Observations":
            _para(pdf, OBSERVATIONS_NOTE, 8.5)
        rows, colors = _claim_rows(entries)
        _table(pdf, ("claim", "result", "quantity", "predicted", "measured ± SE", "tolerance", "resolution"), rows,
               (44, 16, 50, 17, 24, 14, 13), ("LEFT", "CENTER", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"), 6.6,
               colors)
    from relu_hmc.report import resolution_text, result_text
    from relu_hmc.report_tex import families

    for family, claims in families(report).items():
        pdf.add_page()
        _heading(pdf, f"Claim family: {family}", 0)
        for c in claims:
            v = c["verdict"]
            if c.get("figure") and pdf.get_y() > pdf.h - _CLAIM_TEXT_MM - figure_height(out_dir, c["figure"], 150):
                pdf.add_page()  # keep a claim's text and its figure on one page
            _heading(pdf, c["id"], 1, size=10.5)
            _para(pdf, f"{result_text(c)}: {c['statement']}", 9, _colour(c), "B")
            keys = bibliography.keys_for(c.get("source", ""))
            _para(pdf, f"Source: {c.get('source', '')}" + (f"  [{', '.join(keys)}]" if keys else ""), 8)
            _para(pdf, f"Compared: {v['quantity']}: predicted {_fmt(v['predicted'], 6)}, measured "
                       f"{_fmt(v['measured'], 6)} ± {_fmt(v['se'], 3)} (SE), tolerance {_fmt(v['tolerance'], 3)}, "
                       f"resolution {resolution_text(v)}.", 8)
            _para(pdf, f"Tolerance: {v['detail']}", 7.5, _GREY)
            _para(pdf, f"Tasks: {c['total_tasks']} ({c['cached_tasks']} from cache), compute "
                       f"{c['compute_seconds']:.1f} s.", 7.5, _GREY)
            if v["parts"]:
                prow = [(q["quantity"], "PASS" if q["passed"] else "FAIL", _fmt(q["predicted"]),
                         f"{_fmt(q['measured'])} ± {_fmt(q['se'], 2)}", _fmt(q["tolerance"], 3)) for q in v["parts"]]
                _table(pdf, ("part", "result", "predicted", "measured ± SE", "tolerance"), prow, (88, 14, 24, 32, 20),
                       ("LEFT", "CENTER", "RIGHT", "RIGHT", "RIGHT"), 6.8,
                       [_GREEN if q["passed"] else _RED for q in v["parts"]])
            if c.get("figure"):
                _figure(pdf, out_dir, c["figure"])
            else:
                _para(pdf, "(no figure for this claim)", 7.5, _GREY, "I")
    if report.get("bnn_figures"):
        pdf.add_page()
        _heading(pdf, "Bayesian neural networks: acceptance per activation", 0)
        _para(pdf, "Quick-sized sweeps (relu_hmc.report_extras); settings in numerics/bnn_config.py. "
                   "Observations, not claims: no verdict.", 8.5)
        for f in report["bnn_figures"]:
            _figure(pdf, out_dir, f, width=140)
    advice = report.get("tuning_advice")
    if advice and advice.get("rows"):
        pdf.add_page()  # the closing sections (tuning, policy, provenance, references) share pages
        _heading(pdf, "Tuning advice (theory)", 0)
        rows = advice["rows"]
        head = ["target", "optimal acceptance", "eps ~ d^-gamma"] + [
            f"lost at {d['target_acceptance']:g}" for d in rows[0]["defaults"]]
        body = [[r["target"], f"{r['optimal_acceptance']:.3f}", f"{r['step_size_exponent']:g}"]
                + [f"{100 * d['efficiency_lost']:.1f}%" for d in r["defaults"]] for r in rows]
        n = len(head)
        _table(pdf, head, body, [178 - 22 * (n - 1)] + [22] * (n - 1), ["LEFT"] + ["RIGHT"] * (n - 1), 7)
        _para(pdf, advice["markdown"].splitlines()[-1], 8)
    if not (advice and advice.get("rows")):
        pdf.add_page()
    _heading(pdf, "Tolerance policy", 0)
    _para(pdf, report.get("tolerance_policy", ""), 9)
    _heading(pdf, "Provenance", 0)
    prov_rows = [("python / packages", ", ".join(f"{k} {v}" for k, v in p["versions"].items())),
                 ("platform", p["platform"]["system"]), ("machine", str(p["platform"].get("machine"))),
                 ("kernel backends", ", ".join(f"{k} {v}" for k, v in (p.get("kernel_backends") or {}).items())),
                 ("git revision", (git["commit"] + (" (dirty)" if git["dirty"] else "")) if git else "not a git checkout"),
                 ("code version", p["code_version"]), ("created (UTC)", p["created_utc"]),
                 ("cache", str(s.get("cache"))), ("selected claims", str(s.get("selected") or "all"))]
    _table(pdf, ("what", "value"), prov_rows, (40, 138))
    _heading(pdf, "References", 0)
    entries = [bibliography.software_bibtex()] + [bibliography.BY_KEY[k].bibtex for k in
                                                   bibliography.cited_keys(c.get("source", "") for c in report["claims"])]
    for i, entry in enumerate(entries, 1):
        key = re.match(r"@\w+\{([^,]+),", entry).group(1)
        _para(pdf, f"[{key}] {reference_text(entry)}", 8)
    return pdf


def write(report: dict, out_dir: str | Path, finalize=None) -> Path:
    """Write out_dir/report.pdf (atomically); `finalize`: see `build`."""
    path = Path(out_dir) / "report.pdf"
    tmp = path.with_suffix(".pdf.tmp")
    build(report, out_dir, finalize).output(str(tmp))
    tmp.replace(path)
    return path
