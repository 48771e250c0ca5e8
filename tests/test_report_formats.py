"""The report formats a paper's author uses: report.pdf, report.tex (+ figures, .bib), vector
figures; `relu-hmc report DIR` re-renders them without recomputing; `verify --only` globs;
the failed claims listed at the end; `relu-hmc cite`.

Python only (pypdf parses the PDF): the look of the PDF and HTML is checked by hand with
scripts/look_at_report.sh (poppler, chromium), which CI does not have.
"""
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

import test_suite_toys as toys
from relu_hmc import bibliography
from relu_hmc.cache import ResultCache
from relu_hmc.cli import main

TESTS = str(Path(__file__).parent)


@pytest.fixture(scope="module")
def toys_registered():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RELU_HMC_CLAIM_MODULES", toys.MODULE)
        mp.syspath_prepend(TESTS)
        from relu_hmc.claims import base
        for claim in toys.CLAIMS:
            base.register(claim)
        yield
        for claim in toys.CLAIMS:
            base._REGISTRY.pop(claim.id, None)


@pytest.fixture
def toy_env(toys_registered):
    yield


@pytest.fixture(scope="module")
def module_report(toys_registered, tmp_path_factory):
    """One run (per module) of a passing and a failing toy claim (exit 1), and what it printed."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("rep")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["verify", "--only", "toy/pass", "--only", "toy/wrong", "--out", str(out), "--jobs", "1",
                     "--quiet"])
    return out, code, printed.getvalue()


@pytest.fixture
def toy_report(module_report, tmp_path):
    """A private copy of the module's report (tests may change it)."""
    import shutil

    out, code, printed = module_report
    copy = tmp_path / "rep"
    shutil.copytree(out, copy)
    return copy, code, printed


def pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(str(path))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


def test_verify_writes_pdf_with_every_claim_and_its_verdict(toy_report):
    out, code, _ = toy_report
    assert code == 1
    pages, text = pdf_text(out / "report.pdf")
    assert pages >= 3  # summary + one family section + closing sections
    for needle in ("toy/pass", "toy/wrong", "SOME CLAIMS FAILED", "Failed claims", "Provenance", "References",
                   "Tolerance policy"):
        assert needle in text, needle
    outline = [item.title for item in PdfReader(str(out / "report.pdf")).outline if hasattr(item, "title")]
    assert "Claim family: toy" in outline


def test_every_figure_is_png_pdf_and_svg(toy_report):
    out, _, _ = toy_report
    for stem in ("toy__pass", "toy__wrong"):
        assert (out / "plots" / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"
        assert (out / "plots" / f"{stem}.pdf").read_bytes()[:5] == b"%PDF-"
        assert "<svg" in (out / "plots" / f"{stem}.svg").read_text()[:2000]


def test_pdf_embeds_the_figures_as_vectors_not_as_raster_images(toy_report):
    out, _, _ = toy_report
    reader = PdfReader(str(out / "report.pdf"))
    assert sum(len(page.images) for page in reader.pages) == 0  # the SVGs are drawn as PDF paths
    _, text = pdf_text(out / "report.pdf")
    assert "no figure for this claim" not in text and "raster PNG" not in text


def test_a_figure_with_hatching_falls_back_to_its_png_and_says_why(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from relu_hmc import plots, report_pdf

    fig, ax = plt.subplots()
    ax.fill_between([0, 1], [0, 1], hatch="//", facecolor="none")
    plots.save(fig, tmp_path / "plots" / "hatched.png")
    source, reason = report_pdf.figure_source(tmp_path, "plots/hatched.png")
    assert source == tmp_path / "plots" / "hatched.png" and "hatching" in reason
    fig, ax = plt.subplots()
    ax.errorbar([0, 1], [0, 1], yerr=0.1, fmt="o")
    plots.save(fig, tmp_path / "plots" / "plain.png")
    assert report_pdf.figure_source(tmp_path, "plots/plain.png") == (tmp_path / "plots" / "plain.svg", None)


def _environments_balanced(tex: str) -> bool:
    stack = []
    for kind, name in re.findall(r"\\(begin|end)\{([^}]*)\}", tex):
        if kind == "begin":
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def test_tex_is_balanced_and_references_only_files_that_exist(toy_report):
    out, _, _ = toy_report
    body, figures = (out / "report.tex").read_text(), (out / "report-figures.tex").read_text()
    for tex in (body, figures, (out / "report-standalone.tex").read_text()):
        assert _environments_balanced(tex)
        assert tex.count("{") - tex.count("\\{") == tex.count("}") - tex.count("\\}")
    assert "\\toprule" in body and "\\midrule" in body and "\\bottomrule" in body  # booktabs
    for name in re.findall(r"\\input\{([^}]*)\}", body):
        assert (out / f"{name}.tex").is_file()
    graphics = re.findall(r"\\includegraphics(?:\[[^]]*\])?\{([^}]*)\}", figures)
    assert graphics and all(g.endswith(".pdf") and (out / g).is_file() for g in graphics)
    bib = (out / "report.bib").read_text()
    for keys in re.findall(r"\\cite\{([^}]*)\}", body):
        assert all(f"{{{key}," in bib for key in keys.split(","))
    assert "toy/wrong" in body.replace("\\_", "_") and "\\textbf{FAIL}" in body


def test_verify_ends_with_the_failed_claims_and_wall_time_covers_the_report(toy_report):
    out, _, printed = toy_report
    tail = printed[printed.index("Failed claims"):]
    assert "toy/wrong: mean: measured" in tail and "vs predicted 2" in tail and "toy/pass:" not in tail
    s = json.loads((out / "report.json").read_text())["summary"]
    assert s["report_seconds"] > 0 and s["wall_seconds"] >= s["suite_seconds"] + s["report_seconds"]


def test_report_command_rerenders_without_recomputing(toy_report, capsys):
    out, _, _ = toy_report
    before = json.loads((out / "report.json").read_text())
    with ResultCache(out / "cache.sqlite") as cache:
        n_cached = len(cache)
    for name in ("report.pdf", "report.md", "report.html", "report.tex", "report-figures.tex", "report.bib",
                 "plots/toy__pass.svg"):
        (out / name).unlink()
    assert main(["report", str(out)]) == 0
    assert "nothing recomputed" in capsys.readouterr().out
    for name in ("report.pdf", "report.md", "report.html", "report.tex", "report-figures.tex", "report.bib",
                 "plots/toy__pass.svg"):
        assert (out / name).is_file(), name
    after = json.loads((out / "report.json").read_text())
    assert [c["verdict"] for c in after["claims"]] == [c["verdict"] for c in before["claims"]]
    assert after["summary"] == before["summary"]
    with ResultCache(out / "cache.sqlite") as cache:
        assert len(cache) == n_cached


@pytest.mark.parametrize("argv, message", [
    (["report", "/no/such/dir"], "not a directory"),
    (["verify", "--only", "no-family/*"], "no claim id matches"),
])
def test_bad_report_dir_and_unmatched_glob_are_one_line_exit_2(toy_env, tmp_path, capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_report_command_refuses_a_dir_without_report_json(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "no report.json" in capsys.readouterr().err


def test_only_glob_selects_by_claim_id(toy_env, tmp_path):
    from relu_hmc.commands.verify import select_claims

    assert [c.id for c in select_claims(["toy/pass*"])] == ["toy/pass", "toy/pass-shared"]
    assert [c.id for c in select_claims(["toy/?rong", "toy/pass"])] == ["toy/pass", "toy/wrong"]
    out = tmp_path / "g"
    assert main(["verify", "--only", "toy/pass*", "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    assert [c["id"] for c in json.loads((out / "report.json").read_text())["claims"]] == ["toy/pass", "toy/pass-shared"]


# --- bibliography and `relu-hmc cite` ---------------------------------------------------------

@pytest.mark.parametrize("source, keys", [
    ("Beskos, Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 19 (2013), Thm 3.6; theory.acceptance",
     ["beskos2013optimal"]),
    ("Dinh, Ho, Nguyen, NeurIPS 2024 (arXiv 2410.22065), Fig. 1; theory.kink", ["dinh2024hamiltonian"]),
    ("Roberts, Gelman, Gilks, Ann. Appl. Probab. 7 (1997) 110-120, Cor. 1.2", ["roberts1997weak"]),
    ("Roberts, Rosenthal, J. R. Stat. Soc. B 60 (1998) 255-268, sec. 2", ["roberts1998optimal"]),
    ("Neal-Roberts-Yuen 2012 (discontinuous densities)", ["neal2012optimal"]),
    ("Blanes, Casas, Sanz-Serna 2014 (two-stage)", ["blanes2014numerical"]),
    ("derived here: theory.holder (proofs_notes/holder_interpolation.md); DESIGN.md item 3", []),
])
def test_sources_map_to_bibtex_keys(source, keys):
    assert bibliography.keys_for(source) == keys
    assert bibliography.unmatched_parts(source) == []


def test_every_entry_is_wellformed_bibtex_under_its_key():
    for work in bibliography.WORKS:
        assert work.bibtex.startswith("@") and re.match(r"@\w+\{" + re.escape(work.key) + ",", work.bibtex)
        assert work.bibtex.count("{") == work.bibtex.count("}")
        if not work.bibtex.startswith("@misc"):
            assert re.search(r"^\s*year\s*=", work.bibtex, re.MULTILINE)
    software = bibliography.software_bibtex()
    assert software.startswith("@misc{relu_hmc,") and software.count("{") == software.count("}")
    assert "version = {" in software


def test_cite_prints_software_and_the_claims_literature(toy_report, capsys):
    assert main(["cite"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("@misc{relu_hmc,")
    for key in ("beskos2013optimal", "dinh2024hamiltonian", "roberts1997weak", "roberts1998optimal"):
        assert f"{{{key}," in text
    out, _, _ = toy_report
    assert main(["cite", "--report", str(out)]) == 0
    only_toys = capsys.readouterr().out  # toy claims cite "tests": only the software
    assert only_toys.count("@") == 1
    assert main(["cite", "--report", str(out / "nothing")]) == 2
