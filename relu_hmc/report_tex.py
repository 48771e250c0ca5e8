r"""report.tex: the verification report as a LaTeX appendix an author can paste into a paper.

Files written into the report directory:

- ``report.tex``: the appendix body (no preamble): a summary paragraph, a booktabs table of
  every claim (result, quantity, predicted, measured, SE, tolerance, source with \cite) and
  ``\input{report-figures}``. Needs ``\usepackage{booktabs,longtable,graphicx}`` and, for the
  citations, report.bib in the author's bibliography.
- ``report-figures.tex``: one figure environment per claim figure (the vector PDFs under
  plots/), grouped by claim family; ``\input``-able on its own.
- ``report.bib``: the software (CITATION.cff) and the literature the claims cite
  (relu_hmc.bibliography).
- ``report-standalone.tex``: a minimal document around the three, to compile the appendix
  alone (``pdflatex report-standalone && bibtex report-standalone && pdflatex ...``).

Paths inside are relative to the report directory (``\graphicspath`` or copy plots/).
"""
from __future__ import annotations

import math
from pathlib import Path

from relu_hmc import bibliography, plots
from relu_hmc.claims.base import Z

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"$\sim$", "^": r"\textasciicircum{}",
            "<": r"$<$", ">": r"$>$", "|": r"$|$", "±": r"$\pm$", "≤": r"$\le$", "≥": r"$\ge$",
            "×": r"$\times$", "−": "-", "–": "--", "—": "---", "·": r"$\cdot$", "≈": r"$\approx$",
            "α": r"$\alpha$", "β": r"$\beta$", "γ": r"$\gamma$", "ε": r"$\varepsilon$", "θ": r"$\theta$",
            "π": r"$\pi$", "σ": r"$\sigma$", "Σ": r"$\Sigma$", "Φ": r"$\Phi$", "φ": r"$\varphi$",
            "ℓ": r"$\ell$", "∞": r"$\infty$", "→": r"$\to$", "≠": r"$\neq$", "√": r"$\surd$"}


def escape(text) -> str:
    """Plain text -> LaTeX text (specials escaped; a few Unicode symbols as math; any other
    non-ASCII character is kept, which pdfLaTeX's default UTF-8 input handles for Latin letters)."""
    return "".join(_SPECIAL.get(ch, ch) for ch in str(text))


def num(x, digits: int = 4) -> str:
    if x is None:
        return "--"
    x = float(x)
    if not math.isfinite(x):
        return "--"
    text = f"{x:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"${mantissa}\\times 10^{{{int(exponent)}}}$"
    return text


def claim_name(claim_id: str) -> str:
    """A claim id in typewriter type that may break after '/' and '-' (ids are long)."""
    return "\\texttt{" + escape(claim_id).replace("/", "/\\allowbreak{}").replace("-", "-\\allowbreak{}") + "}"


def label(claim_id: str) -> str:
    return "relu-hmc:" + "".join(ch if ch.isalnum() or ch in "-:" else "-" for ch in claim_id)


def families(report: dict) -> dict[str, list[dict]]:
    """Claims grouped by family, families in order of first appearance."""
    out: dict[str, list[dict]] = {}
    for c in report["claims"]:
        out.setdefault(c.get("family") or "other", []).append(c)
    return out


def _cite(source: str) -> str:
    keys = bibliography.keys_for(source)
    return f"\\cite{{{','.join(keys)}}}" if keys else ""


def body(report: dict) -> str:
    s, p = report["summary"], report["provenance"]
    git = p.get("git")
    revision = (git["commit"][:12] + (" (dirty)" if git["dirty"] else "")) if git else "not a git checkout"
    lines = [
        "% relu-hmc verification report: appendix body (generated; see report.json for every number).",
        "% Preamble needs: \\usepackage{booktabs,longtable,graphicx}; citations: add report.bib to your bibliography.",
        "\\section*{Numerical verification with relu-hmc}\\label{relu-hmc:report}",
        f"We verified {s['claims']} claims with relu-hmc~\\cite{{relu_hmc}} "
        f"(version {escape(p['versions'].get('relu-hmc', ''))}, git revision \\texttt{{{escape(revision)}}}, "
        f"budget \\texttt{{{escape(s['budget'])}}}, seed {s['seed']}, kernels {escape(p['kernel_backend'])}): "
        f"{s['claims_passed']} passed and {s['claims_failed']} failed"
        + (f"; {s['observations']} observations are reported separately and not counted" if s.get("observations")
           else "") + ". "
        "Table~\\ref{relu-hmc:claims} lists every comparison (resolution = tolerance / $|$predicted$|$); "
        "the figures show each measurement "
        "with its standard error next to the prediction it is judged against. "
        + escape(report.get("tolerance_policy", "")),
        "",
        "{\\small",
        "\\begin{longtable}{@{}p{0.32\\linewidth}lrrrrr@{}}",
        "\\caption{Claims verified by relu-hmc: theory prediction, measurement with its standard error (SE) "
        "and the tolerance it must meet.}\\label{relu-hmc:claims}\\\\",
        "\\toprule",
        "claim & result & predicted & measured & SE & tolerance & resolution \\\\",
        "\\midrule",
        "\\endfirsthead",
        "\\toprule",
        "claim & result & predicted & measured & SE & tolerance & resolution \\\\",
        "\\midrule",
        "\\endhead",
        "\\bottomrule",
        "\\endfoot",
    ]
    from relu_hmc.report import claims_of, observations_of, resolution_text, result_text

    for c in claims_of(report) + observations_of(report):
        v = c["verdict"]
        cite = _cite(c.get("source", ""))
        result = {"PASS": "pass", "OBSERVED": "observed"}.get(result_text(c), r"\textbf{FAIL}")
        resolution = escape(resolution_text(v))
        lines.append(f"{claim_name(c['id'])}{'~' + cite if cite else ''} & "
                     f"{result} & {num(v['predicted'])} & {num(v['measured'])} & "
                     f"{num(v['se'], 2)} & {num(v['tolerance'], 3)} & {resolution} \\\\")
    lines += ["\\end{longtable}", "}", ""]
    lines.append("\\begin{description}")
    for c in report["claims"]:
        v = c["verdict"]
        lines.append(f"\\item[{claim_name(c['id'])}] {escape(c['statement'])} "
                     f"Compared: {escape(v['quantity'])}. {escape(v['detail'])}. Source: {escape(c.get('source', ''))}"
                     + (f"~{_cite(c.get('source', ''))}." if _cite(c.get('source', '')) else "."))
    lines += ["\\end{description}", "", "\\input{report-figures}", ""]
    return "\n".join(lines)


def _caption_result(entry: dict) -> str:
    from relu_hmc.report import result_text

    return {"PASS": "passed", "OBSERVED": "observation, not counted"}.get(result_text(entry), "FAILED")


#: How to read the verdict strip under every claim figure (relu_hmc.plots_verdict).
STRIP_CAPTION = ("Lower panel: the verdict, one row per part: (measured $-$ predicted) / tolerance with a bar of "
                 f"$\\pm z$ SE ($z = {Z:g}$), the band $\\pm 1$ is predicted $\\pm$ tolerance.")


def figure_list(report: dict) -> str:
    lines = ["% relu-hmc figures: one figure environment per claim (vector PDFs under plots/)."]
    for family, claims in families(report).items():
        with_figures = [c for c in claims if c.get("figure")]
        if not with_figures:
            continue
        lines.append(f"\\subsection*{{Claim family \\texttt{{{escape(family)}}}}}")
        for c in with_figures:
            pdf = Path(plots.vector_paths(c["figure"])["pdf"]).as_posix()
            lines += ["\\begin{figure}[htbp]", "\\centering",
                      f"\\includegraphics[width=0.8\\linewidth]{{{pdf}}}",
                      f"\\caption{{\\texttt{{{escape(c['id'])}}} ({_caption_result(c)}): "
                      f"{escape(c['statement'])} {STRIP_CAPTION}}}",
                      f"\\label{{fig:{label(c['id'])}}}", "\\end{figure}", ""]
    for f in report.get("bnn_figures") or []:
        pdf = Path(plots.vector_paths(f)["pdf"]).as_posix()
        lines += ["\\begin{figure}[htbp]", "\\centering", f"\\includegraphics[width=0.8\\linewidth]{{{pdf}}}",
                  f"\\caption{{Bayesian neural networks: {escape(Path(f).stem.replace('_', ' '))} "
                  f"(quick-sized sweeps; an observation, not a claim).}}", "\\end{figure}", ""]
    return "\n".join(lines) + "\n"


STANDALONE = r"""\documentclass[11pt]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{booktabs,longtable,graphicx}
\usepackage[hidelinks]{hyperref}
\begin{document}
\input{report}
\bibliographystyle{plain}
\bibliography{report}
\end{document}
"""


def write(report: dict, out_dir: str | Path) -> list[Path]:
    out_dir = Path(out_dir)
    files = {"report.tex": body(report), "report-figures.tex": figure_list(report),
             "report.bib": bibliography.bibtex([c.get("source", "") for c in report["claims"]]),
             "report-standalone.tex": STANDALONE}
    for name, text in files.items():
        (out_dir / name).write_text(text)
    return [out_dir / name for name in files]
