"""The suite engine and `relu-hmc verify`: task merging, verdicts, exit codes, usage errors."""
import json
from pathlib import Path

import pytest

import test_suite_toys as toys
from relu_hmc.cache import ResultCache
from relu_hmc.cli import main
from relu_hmc.suite import plan, run_suite

TESTS = str(Path(__file__).parent)


@pytest.fixture
def toy_env(monkeypatch):
    monkeypatch.setenv("RELU_HMC_CLAIM_MODULES", toys.MODULE)
    monkeypatch.syspath_prepend(TESTS)
    from relu_hmc.claims import base
    for claim in toys.CLAIMS:
        base.register(claim)
    yield
    for claim in toys.CLAIMS:
        base._REGISTRY.pop(claim.id, None)


def test_identical_tasks_of_two_claims_are_planned_once():
    records, keys, errors = plan([toys.CLAIMS[0], toys.CLAIMS[1]], "quick", 0)
    assert not errors and keys["toy/pass"] == keys["toy/pass-shared"]
    assert len(records) == 1 + 3  # one theory call, three measurements


def test_verdicts_pass_fail_and_task_errors_fail_the_claim(tmp_path):
    claims = [toys.CLAIMS[0], toys.CLAIMS[2], toys.CLAIMS[3]]
    with ResultCache(tmp_path / "c.sqlite") as cache:
        suite = run_suite(claims, budget="quick", seed=1, cache=cache, progress_stream=None)
    verdicts = {r.claim.id: r.verdict for r in suite.results}
    assert verdicts["toy/pass"].passed
    assert not verdicts["toy/wrong"].passed and verdicts["toy/wrong"].tolerance == pytest.approx(
        4 * verdicts["toy/wrong"].se)
    assert not verdicts["toy/raises"].passed and "always fails" in verdicts["toy/raises"].detail
    assert not suite.passed and suite.tasks_failed == 1


def test_seed_changes_measurements_but_not_theory():
    a = run_suite([toys.CLAIMS[0]], seed=1, progress_stream=None).results[0]
    b = run_suite([toys.CLAIMS[0]], seed=2, progress_stream=None).results[0]
    c = run_suite([toys.CLAIMS[0]], seed=1, progress_stream=None).results[0]
    assert a.prediction == b.prediction and a.measurements != b.measurements and a.measurements == c.measurements


def test_verify_exit_codes_and_report(toy_env, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["verify", "--only", "toy/pass", "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    table = capsys.readouterr().out
    assert "toy/pass" in table and "PASS" in table
    for name in ("report.md", "report.json", "report.html", "plots/toy__pass.png", "cache.sqlite"):
        assert (out / name).is_file(), name
    report = json.loads((out / "report.json").read_text())
    prov = report["provenance"]
    assert {"python", "numpy", "scipy", "sympy", "mpmath", "Cython"} <= set(prov["versions"])
    assert prov["platform"]["system"] and "kernel_backend" in prov and "git" in prov
    s = report["summary"]
    assert s["seed"] == 0 and s["budget"] == "quick" and s["wall_seconds"] > 0 and s["passed"]
    claim = report["claims"][0]
    assert claim["verdict"]["detail"].startswith("tolerance = 4 SE") and claim["prediction"] == {"value": 1.0}
    assert "data:image/png;base64," in (out / "report.html").read_text()
    assert main(["verify", "--only", "toy/wrong", "--out", str(out), "--jobs", "1", "--quiet", "--json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed["summary"]["passed"] is False and printed["claims"][0]["verdict"]["passed"] is False


def test_verify_reuses_the_cache_and_no_cache_stores_nothing(toy_env, tmp_path):
    out = tmp_path / "rep"
    args = ["verify", "--only", "toy/pass", "--out", str(out), "--jobs", "1", "--quiet"]
    assert main(args) == 0
    assert main(args) == 0
    assert json.loads((out / "report.json").read_text())["summary"]["tasks_cached"] == 4
    out2 = tmp_path / "rep2"
    assert main(["verify", "--only", "toy/pass", "--out", str(out2), "--no-cache", "--jobs", "1", "--quiet"]) == 0
    assert not (out2 / "cache.sqlite").exists()


@pytest.mark.parametrize("argv, message", [
    (["--budget", "huge"], "invalid choice"),
    (["--jobs", "0"], ">= 1"),
    (["--jobs", "two"], "integer"),
    (["--seed", "-3"], "integer in [0, 2^63)"),
    (["--scheduler", "tcp://x:1"], "only used with --executor dask"),
    (["--executor", "dask"], "needs --scheduler"),
    (["--executor", "ray"], "invalid choice"),
    (["--cache", "a.sqlite", "--no-cache"], "not allowed with"),
    (["--only", "no-such-claim"], "no claim matches"),
    (["--frobnicate"], "unrecognized"),
])
def test_verify_bad_usage_is_one_line_and_exit_2(toy_env, tmp_path, capsys, argv, message):
    assert main(["verify", "--out", str(tmp_path / "r"), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and err.startswith("relu-hmc: error:") and len(err.splitlines()) == 1
    assert not (tmp_path / "r" / "report.json").exists()


def test_verify_out_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["verify", "--out", str(target)]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_bad_usage_keeps_the_existing_cache(toy_env, tmp_path):
    out = tmp_path / "rep"
    assert main(["verify", "--only", "toy/pass", "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    before = len(ResultCache(out / "cache.sqlite"))
    assert main(["verify", "--only", "toy/pass", "--out", str(out), "--jobs", "-1"]) == 2
    assert len(ResultCache(out / "cache.sqlite")) == before == 4


def test_claim_module_that_fails_to_import_fails_verify(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("RELU_HMC_CLAIM_MODULES", "no_such_claim_module_xyz")
    from relu_hmc.claims import discovery_errors
    assert "no_such_claim_module_xyz" in discovery_errors()
    assert main(["claims"]) == 1
    assert "failed to import" in capsys.readouterr().err


def test_an_observation_runs_and_is_reported_but_never_counts_as_a_claim(tmp_path):
    """A failing observation leaves the run passed; it is listed under "Observations" with the
    result OBSERVED, and the summary counts claims and observations apart."""
    import dataclasses

    from relu_hmc import provenance, report

    observed = dataclasses.replace(toys.CLAIMS[2], id="toy/observed-wrong", kind="observation")
    suite = run_suite([toys.CLAIMS[0], observed], budget="quick", seed=1, progress_stream=None)
    verdicts = {r.claim.id: r.verdict for r in suite.results}
    assert not verdicts["toy/observed-wrong"].passed  # the verdict is still computed
    assert suite.passed and [r.claim.id for r in suite.observations] == ["toy/observed-wrong"]
    data = report.write(suite, tmp_path, provenance.collect(), {"executor": "inline", "jobs": 1})
    s = data["summary"]
    assert (s["claims"], s["claims_passed"], s["claims_failed"], s["observations"]) == (1, 1, 0, 1)
    entry = next(c for c in data["claims"] if c["id"] == "toy/observed-wrong")
    assert entry["kind"] == "observation" and entry["verdict"]["resolution"] == pytest.approx(
        entry["verdict"]["tolerance"] / 2.0)
    assert not report.failures(data) and "toy/observed-wrong" in report.table(data).split("OBSERVED")[0]
    markdown = (tmp_path / "report.md").read_text()
    results, observations = markdown.split("## Observations")
    assert "toy/observed-wrong" not in results.split("## Results")[1] and "| OBSERVED |" in observations
    assert "| resolution |" in results and "<h2>Observations</h2>" in (tmp_path / "report.html").read_text()
    assert "& resolution" in (tmp_path / "report.tex").read_text()


def test_an_observation_whose_tasks_raise_fails_the_run():
    import dataclasses

    broken = dataclasses.replace(toys.CLAIMS[3], id="toy/observed-raises", kind="observation")
    suite = run_suite([toys.CLAIMS[0], broken], budget="quick", seed=1, progress_stream=None)
    assert not suite.passed


def test_a_failure_drawing_the_bnn_figures_keeps_the_report_and_fails_the_run(toy_env, tmp_path,
                                                                            capsys, monkeypatch):
    """The claims' verdicts are written even when the network figure data cannot be computed;
    the run exits 1 with one stderr line saying why, and report.json records it."""
    from relu_hmc import claims as claims_package
    from relu_hmc import report_extras
    from relu_hmc.commands import verify

    def broken(*args, **kwargs):
        raise TypeError("activate() takes exactly 3 positional arguments (4 given)\nsecond line")

    # one passing toy claim and no claim-module discovery: only the figure stage can fail
    monkeypatch.setattr(verify, "select_claims", lambda only: [toys.CLAIMS[0]])
    monkeypatch.setattr(claims_package, "discovery_errors", lambda: {})
    monkeypatch.setattr(report_extras, "bnn_figures", broken)
    # the tuning table derives laws with SymPy (tens of seconds); it is not what is tested here
    monkeypatch.setattr(report_extras, "tuning_advice", lambda: {"rows": [], "markdown": ""})
    out = tmp_path / "rep"
    assert main(["verify", "--out", str(out), "--jobs", "1", "--quiet"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if "BNN figures" in line]
    assert err == ["relu-hmc verify: BNN figures not drawn: TypeError: activate() takes exactly 3 "
                   "positional arguments (4 given)"]
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["passed"] is True  # every claim passed; the figures did not
    assert report["summary"]["bnn_figures_error"].startswith("BNN figures not drawn: TypeError")
