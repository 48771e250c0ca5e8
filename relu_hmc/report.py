r"""The report of a verification run: terminal table, report.json, .md, .html, .pdf, .tex, figures.

report.json holds everything (the other two are views of it): summary (budget, seed, jobs,
executor, wall time, tasks run / reused from cache), provenance (versions of python, numpy,
scipy, sympy, mpmath, Cython..., platform, git revision, kernel backend, code version), the
tolerance policy, and for every claim its statement, source, prediction, measurements
(every estimate with its standard error), verdict (predicted, measured ± SE, tolerance and
how the tolerance was derived), compute time and figure. report.html is self-contained:
the figures are embedded as base64 PNG. report.pdf (relu_hmc.report_pdf) is a self-contained
document; report.tex (relu_hmc.report_tex) is an appendix body with booktabs tables, an
\input-able figure list and report.bib. Every figure is PNG + PDF + SVG (relu_hmc.plots).

`write` draws the figures and writes every format; `render_formats` writes the formats from
a report dict alone (what `relu-hmc report DIR` reuses).
"""
from __future__ import annotations

import base64
import html
import json
import math
import time
from pathlib import Path

from relu_hmc import plots
from relu_hmc.claims.base import Z
from relu_hmc.suite import SuiteResult

TOLERANCE_POLICY = (
    f"Every claim compares a theory prediction to a measurement that carries a standard error (SE). "
    f"A two-sided check passes when |measured - predicted| <= z SE + b, with z = {Z:g} unless the "
    f"claim states otherwise (a correct claim fails by chance with probability ~6e-5 for a normal "
    f"estimate) and b >= 0 a deterministic allowance that the claim justifies in its detail line "
    f"(a known O(eps) or finite-d bias bound); b = 0 where none is stated. One-sided checks require "
    f"measured + z SE below the predicted bound. Composite claims pass when all their parts pass. "
    f"Each claim states its resolution, tolerance / |predicted|: the smallest relative error of the "
    f"prediction it detects; where the prediction is 0 (an exponent that must vanish, an identity) it "
    f"states the absolute resolution, the tolerance itself ('exact' when any deviation fails). Observations (measurements shown next to theory that cannot refute it) "
    f"are listed separately and never counted as passed."
)


OBSERVATIONS_NOTE = ("Measurements shown next to theory that cannot refute it (they hold by construction or "
                     "compare two measurements); not counted as passed claims.")


def is_observation(entry: dict) -> bool:
    """A report entry of kind "observation" (reports written before kinds existed hold claims)."""
    return entry.get("kind", "claim") == "observation"


def result_text(entry: dict) -> str:
    """PASS / FAIL for a claim, OBSERVED for an observation (ERROR if its comparison raised)."""
    v = entry["verdict"]
    if is_observation(entry):
        return "ERROR" if v["quantity"] == "error" else "OBSERVED"
    return "PASS" if v["passed"] else "FAIL"


def claims_of(report: dict) -> list[dict]:
    return [c for c in report["claims"] if not is_observation(c)]


def observations_of(report: dict) -> list[dict]:
    return [c for c in report["claims"] if is_observation(c)]


def resolution_text(verdict: dict) -> str:
    """tolerance / |predicted| as a percentage; for a prediction of 0 the absolute resolution
    ('exact' when the tolerance is 0: any deviation fails); '-' when there is none."""
    r = verdict.get("resolution")
    if r is not None:
        return f"{100 * r:.3g}%"
    a = verdict.get("absolute_resolution")
    if a is None:
        return "-"
    return "exact" if a == 0 else f"±{a:.2g} abs."


def _fmt(x, digits: int = 4) -> str:
    if x is None:
        return "-"
    x = float(x)
    if not math.isfinite(x):
        return "nan"
    return f"{x:.{digits}g}"


def build(suite: SuiteResult, provenance: dict, settings: dict, figures: dict[str, str],
          extras: dict | None = None) -> dict:
    """The report as one JSON-able dict. `extras` (optional): {"tuning_advice": {...},
    "bnn_figures": [paths]} from relu_hmc.report_extras."""
    n_pass = sum(r.verdict.passed for r in suite.claims)
    return {
        "report": "relu-hmc verification report",
        "format_version": 1,
        "summary": {
            "passed": suite.passed, "claims": len(suite.claims), "claims_passed": n_pass,
            "claims_failed": len(suite.claims) - n_pass, "observations": len(suite.observations),
            "import_errors": suite.import_errors,
            "budget": suite.budget, "seed": suite.seed, "wall_seconds": suite.wall_seconds,
            "tasks_run": suite.tasks_run, "tasks_cached": suite.tasks_cached,
            "tasks_failed": suite.tasks_failed, **settings,
        },
        "provenance": provenance,
        "tolerance_policy": TOLERANCE_POLICY,
        "claims": [dict(r.as_dict(), figure=figures.get(r.claim.id)) for r in suite.results],
        **(extras or {}),
    }


def table(report: dict) -> str:
    """Plain-text results table (the terminal view)."""
    rows = [("claim", "result", "predicted", "measured ± SE", "tolerance", "resolution")]
    for c in claims_of(report) + observations_of(report):
        v = c["verdict"]
        rows.append((c["id"], result_text(c), _fmt(v["predicted"]), f"{_fmt(v['measured'])} ± {_fmt(v['se'], 2)}",
                     _fmt(v["tolerance"], 3), resolution_text(v)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    s = report["summary"]
    lines.append("")
    observed = f", {s['observations']} observations" if s.get("observations") else ""
    lines.append(f"{s['claims_passed']}/{s['claims']} claims passed{observed}  (budget {s['budget']}, seed {s['seed']}, "
                 f"{s['wall_seconds']:.1f} s wall, {s['tasks_run']} tasks run, {s['tasks_cached']} from cache)")
    for module, error in s["import_errors"].items():
        lines.append(f"FAIL: claim module {module} did not import: {error}")
    failed = failures(report)
    if failed:
        lines += ["", f"Failed claims ({len(failed)}):"] + [f"  {line}" for line in failed]
    return "\n".join(lines)


def failures(report: dict) -> list[str]:
    """One line per failed claim: id, the failing part(s), measured ± SE vs predicted, tolerance."""
    out = []
    for c in report["claims"]:
        v = c["verdict"]
        if v["passed"] or (is_observation(c) and v["quantity"] != "error"):
            continue
        parts = [q for q in v.get("parts", []) if not q["passed"]] or [v]
        for q in parts:
            what = q["quantity"] or "comparison"
            if q["quantity"] == "error" or q.get("measured") is None and q.get("predicted") is None:
                out.append(f"{c['id']}: {what}: {q['detail']}")
            else:
                out.append(f"{c['id']}: {what}: measured {_fmt(q['measured'])} ± {_fmt(q['se'], 2)} vs predicted "
                           f"{_fmt(q['predicted'])} (tolerance {_fmt(q['tolerance'], 3)})")
    return out


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|")


def markdown(report: dict) -> str:
    s, p = report["summary"], report["provenance"]
    out = ["# relu-hmc verification report", ""]
    verdict = "ALL CLAIMS PASSED" if s["passed"] else "SOME CLAIMS FAILED"
    out += [f"**{verdict}**: {s['claims_passed']} of {s['claims']} claims passed{_observed(s)}.", ""]
    out += ["## Run", "", "| setting | value |", "| --- | --- |"]
    for key in ("budget", "seed", "executor", "jobs", "wall_seconds", "tasks_run", "tasks_cached",
                "tasks_failed", "cache"):
        if key in s:
            value = f"{s[key]:.1f} s" if key == "wall_seconds" else s[key]
            out.append(f"| {key} | {_md_escape(value)} |")
    git = p.get("git")
    out.append(f"| git revision | {git['commit'] + (' (dirty)' if git['dirty'] else '') if git else 'not a git checkout'} |")
    out += [f"| kernel backend | {p['kernel_backend']} |", f"| code version | {p['code_version']} |",
            f"| platform | {_md_escape(p['platform']['system'])} |", f"| created (UTC) | {p['created_utc']} |"]
    out += ["", "Versions: " + ", ".join(f"{k} {v}" for k, v in p["versions"].items()), ""]
    if failures(report):
        out += ["## Failed claims", ""] + [f"- {_md_escape(line)}" for line in failures(report)] + [""]
    if s["import_errors"]:
        out += ["## Claim modules that failed to import", ""]
        out += [f"- `{m}`: {_md_escape(e)}" for m, e in s["import_errors"].items()] + [""]
    for title, entries in (("Results", claims_of(report)), ("Observations", observations_of(report))):
        if not entries:
            continue
        out += [f"## {title}", ""] + ([OBSERVATIONS_NOTE, ""] if title == "Observations" else [])
        out += ["| claim | result | quantity | predicted | measured ± SE | tolerance | resolution |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for c in entries:
            v = c["verdict"]
            text = result_text(c)
            out.append(f"| [{c['id']}](#{_anchor(c['id'])}) | {text if text != 'FAIL' else '**FAIL**'} | "
                       f"{_md_escape(v['quantity'])} | {_fmt(v['predicted'])} | {_fmt(v['measured'])} ± "
                       f"{_fmt(v['se'], 2)} | {_fmt(v['tolerance'], 3)} | {resolution_text(v)} |")
        out.append("")
    if (report.get("tuning_advice") or {}).get("rows"):  # an empty table is not drawn (as in the PDF)
        out += ["", "## Tuning advice (theory)", "", report["tuning_advice"]["markdown"]]
    if report.get("bnn_figures"):
        out += ["", "## Bayesian neural networks: acceptance per activation", "",
                "Quick-sized sweeps (relu_hmc.report_extras); settings in numerics/bnn_config.py.", ""]
        out += [f"![{Path(f).stem}]({f})" for f in report["bnn_figures"]]
    out += ["", "## Tolerance policy", "", report["tolerance_policy"], "", "## Claims", ""]
    for c in report["claims"]:
        v = c["verdict"]
        out += [f"### {c['id']}", "", f"<a id=\"{_anchor(c['id'])}\"></a>", "",
                f"**{result_text(c)}**: {c['statement']}", "",
                f"- source: {c['source']}", f"- family: {c['family']}",
                f"- compared: {v['quantity']}: predicted {_fmt(v['predicted'], 6)}, measured "
                f"{_fmt(v['measured'], 6)} ± {_fmt(v['se'], 3)} (SE), tolerance {_fmt(v['tolerance'], 3)}, "
                f"resolution {resolution_text(v)}",
                f"- tolerance derivation: {_md_escape(v['detail'])}",
                f"- tasks: {c['total_tasks']} ({c['cached_tasks']} from cache), compute "
                f"{c['compute_seconds']:.1f} s"]
        if v["parts"]:
            out += ["", "| part | result | predicted | measured ± SE | tolerance |", "| --- | --- | --- | --- | --- |"]
            out += [f"| {_md_escape(q['quantity'])} | {'PASS' if q['passed'] else 'FAIL'} | {_fmt(q['predicted'])} | "
                    f"{_fmt(q['measured'])} ± {_fmt(q['se'], 2)} | {_fmt(q['tolerance'], 3)} |" for q in v["parts"]]
        out += ["", "Prediction (theory):", "", "```json", json.dumps(c["prediction"], indent=1, sort_keys=True)[:4000],
                "```", ""]
        if c.get("figure"):
            out += [f"![{c['id']}]({c['figure']})", ""]
    return "\n".join(out) + "\n"


def _css(entry: dict) -> str:
    return {"PASS": "pass", "OBSERVED": "obs"}.get(result_text(entry), "fail")


def _observed(summary: dict) -> str:
    n = summary.get("observations") or 0
    return f"; {n} observation{'s' if n != 1 else ''} reported (not counted)" if n else ""


def _anchor(claim_id: str) -> str:
    return "claim-" + "".join(ch if ch.isalnum() else "-" for ch in claim_id.lower())


def html_page(report: dict, out_dir: Path) -> str:
    """Self-contained HTML: inline CSS, figures embedded as data:image/png;base64."""
    s, p = report["summary"], report["provenance"]
    e = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>relu-hmc verification report</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
             "font-size:90%}.pass{color:#080;font-weight:bold}.obs{color:#036;font-weight:bold}.fail{color:#b00;font-weight:bold}"
             "pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:80%}img{max-width:100%;width:760px;display:block;margin:0 auto}</style>",
             "</head><body><h1>relu-hmc verification report</h1>"]
    cls = "pass" if s["passed"] else "fail"
    parts.append(f"<p class='{cls}'>{'ALL CLAIMS PASSED' if s['passed'] else 'SOME CLAIMS FAILED'}: "
                 f"{s['claims_passed']} of {s['claims']} claims passed{e(_observed(s))}.</p>")
    git = p.get("git")
    rows = [(k, s[k]) for k in ("budget", "seed", "executor", "jobs", "tasks_run", "tasks_cached",
                                "tasks_failed", "cache") if k in s]
    rows += [("wall time", f"{s['wall_seconds']:.1f} s"),
             ("git revision", (git["commit"] + (" (dirty)" if git["dirty"] else "")) if git else "not a git checkout"),
             ("kernel backend", p["kernel_backend"]), ("code version", p["code_version"]),
             ("platform", p["platform"]["system"]), ("created (UTC)", p["created_utc"]),
             ("versions", ", ".join(f"{k} {v}" for k, v in p["versions"].items()))]
    parts.append("<h2>Run</h2><table>" + "".join(f"<tr><th>{e(str(k))}</th><td>{e(str(v))}</td></tr>"
                                                  for k, v in rows) + "</table>")
    parts.append("<p>Also in this directory: <a href='report.pdf'>report.pdf</a> (self-contained document), "
                 "<a href='report.tex'>report.tex</a> with <a href='report-figures.tex'>report-figures.tex</a> and "
                 "<a href='report.bib'>report.bib</a> (LaTeX appendix), <a href='report.json'>report.json</a> "
                 "(every number); figures as PNG, PDF and SVG under plots/.</p>")
    if failures(report):
        parts.append("<h2>Failed claims</h2><ul>" + "".join(
            f"<li class='fail'>{e(line)}</li>" for line in failures(report)) + "</ul>")
    if s["import_errors"]:
        parts.append("<h2>Claim modules that failed to import</h2><ul>" + "".join(
            f"<li class='fail'>{e(m)}: {e(err)}</li>" for m, err in s["import_errors"].items()) + "</ul>")
    for title, entries in (("Results", claims_of(report)), ("Observations", observations_of(report))):
        if not entries:
            continue
        parts.append(f"<h2>{title}</h2>" + (f"<p>{e(OBSERVATIONS_NOTE)}</p>" if title == "Observations" else ""))
        parts.append("<table><tr><th>claim</th><th>result</th><th>quantity</th><th>predicted</th>"
                     "<th>measured ± SE</th><th>tolerance</th><th>resolution</th></tr>")
        for c in entries:
            v = c["verdict"]
            parts.append(f"<tr><td><a href='#{_anchor(c['id'])}'>{e(c['id'])}</a></td>"
                         f"<td class='{_css(c)}'>{result_text(c)}</td>"
                         f"<td>{e(v['quantity'])}</td><td>{_fmt(v['predicted'])}</td>"
                         f"<td>{_fmt(v['measured'])} ± {_fmt(v['se'], 2)}</td><td>{_fmt(v['tolerance'], 3)}</td>"
                         f"<td>{resolution_text(v)}</td></tr>")
        parts.append("</table>")
    if (report.get("tuning_advice") or {}).get("rows"):  # an empty table is not drawn (as in the PDF)
        rows = report["tuning_advice"]["rows"]
        head = ["target", "optimal acceptance", "eps ~ d^-gamma"] + [
            f"lost at {d['target_acceptance']:g}" for d in rows[0]["defaults"]]
        parts.append("<h2>Tuning advice (theory)</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head)
                     + "</tr>" + "".join(
                         "<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in [
                             r["target"], f"{r['optimal_acceptance']:.3f}", f"{r['step_size_exponent']:g}"]
                             + [f"{100 * d['efficiency_lost']:.1f}%" for d in r["defaults"]]) + "</tr>"
                         for r in rows) + "</table><p>" + e(report["tuning_advice"]["markdown"].splitlines()[-1])
                     + "</p>")
    if report.get("bnn_figures"):
        parts.append("<h2>Bayesian neural networks: acceptance per activation</h2><p>Quick-sized sweeps "
                     "(relu_hmc.report_extras); settings in numerics/bnn_config.py.</p>")
        for f in report["bnn_figures"]:
            data = base64.b64encode((out_dir / f).read_bytes()).decode("ascii")
            parts.append(f"<p><img alt='{e(Path(f).stem)}' src='data:image/png;base64,{data}'></p>")
    parts.append("<h2>Tolerance policy</h2><p>" + e(report["tolerance_policy"]) + "</p><h2>Claims</h2>")
    for c in report["claims"]:
        v = c["verdict"]
        parts.append(f"<h3 id='{_anchor(c['id'])}'>{e(c['id'])}</h3>"
                     f"<p><span class='{_css(c)}'>{result_text(c)}</span>"
                     f" {e(c['statement'])}</p><ul><li>source: {e(c['source'])}</li><li>family: {e(c['family'])}</li>"
                     f"<li>compared: {e(v['quantity'])}: predicted {_fmt(v['predicted'], 6)}, measured "
                     f"{_fmt(v['measured'], 6)} ± {_fmt(v['se'], 3)} (SE), tolerance {_fmt(v['tolerance'], 3)}, "
                     f"resolution {resolution_text(v)}</li>"
                     f"<li>tolerance derivation: {e(v['detail'])}</li><li>tasks: {c['total_tasks']} "
                     f"({c['cached_tasks']} from cache), compute {c['compute_seconds']:.1f} s</li></ul>")
        if v["parts"]:
            parts.append("<table><tr><th>part</th><th>result</th><th>predicted</th><th>measured ± SE</th>"
                         "<th>tolerance</th></tr>" + "".join(
                             f"<tr><td>{e(q['quantity'])}</td><td class='{'pass' if q['passed'] else 'fail'}'>"
                             f"{'PASS' if q['passed'] else 'FAIL'}</td><td>{_fmt(q['predicted'])}</td>"
                             f"<td>{_fmt(q['measured'])} ± {_fmt(q['se'], 2)}</td><td>{_fmt(q['tolerance'], 3)}</td></tr>"
                             for q in v["parts"]) + "</table>")
        if c.get("figure"):
            data = base64.b64encode((out_dir / c["figure"]).read_bytes()).decode("ascii")
            parts.append(f"<p><img alt='{e(c['id'])}' src='data:image/png;base64,{data}'></p>")
        parts.append("<details><summary>prediction (theory)</summary><pre>"
                     + e(json.dumps(c["prediction"], indent=1, sort_keys=True)[:4000]) + "</pre></details>")
    parts.append("</body></html>")
    return "".join(parts)


def clean(value):
    """Strict JSON: non-finite floats become null (the report says 'nan' where it shows them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def draw_figures(entries, out_dir: Path) -> dict[str, str]:
    """Draw each claim's figure: entries are (claim, prediction, measurements, verdict dict);
    returns {claim id: PNG path relative to out_dir} (PDF and SVG beside it)."""
    figures = {}
    for claim, prediction, measurements, verdict in entries:
        name = f"plots/{plots.figure_name(claim.id)}"
        if plots.render(claim, prediction, measurements, out_dir / name, verdict=verdict):
            figures[claim.id] = name
    return figures


def render_formats(report: dict, out_dir: str | Path, finalize=None) -> None:
    """Write report.tex (+ figure list, .bib), report.pdf, then report.json, .md, .html.

    `finalize(report)` (optional) runs once the PDF is laid out, just before its front page is
    drawn: what it records (the wall time) is then the same in every format."""
    from relu_hmc import report_pdf, report_tex

    out_dir = Path(out_dir)
    report_tex.write(report, out_dir)
    report_pdf.write(report, out_dir, finalize)
    (out_dir / "report.json").write_text(json.dumps(report, indent=1, allow_nan=False) + "\n")
    (out_dir / "report.md").write_text(markdown(report))
    (out_dir / "report.html").write_text(html_page(report, out_dir))


def write(suite: SuiteResult, out_dir: str | Path, provenance: dict, settings: dict,
          extras: dict | None = None, started: float | None = None) -> dict:
    """Draw the figures and write every format into out_dir; returns the report dict.

    `started` (time.perf_counter() at the start of the run): the summary's wall time then
    covers the whole run, the figures and the report included (measured once report.pdf is
    laid out; what follows, writing the PDF file and the text formats, takes well under a
    second); without it, the suite's own time."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report_start = time.perf_counter()
    figures = draw_figures([(r.claim, r.prediction, r.measurements, r.verdict.as_dict()) for r in suite.results],
                           out_dir)
    report = clean(build(suite, provenance, settings, figures, extras))
    finalize = None
    if started is not None:
        def finalize(rep):
            now = time.perf_counter()
            rep["summary"].update(suite_seconds=suite.wall_seconds, report_seconds=now - report_start,
                                  wall_seconds=now - started)
    render_formats(report, out_dir, finalize)
    return report
