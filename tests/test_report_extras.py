"""The report's non-claim sections: theory's tuning advice and the cached BNN figures."""
from pathlib import Path

from relu_hmc import report_extras
from relu_hmc.cache import ResultCache


def test_tuning_advice_lists_optimum_and_losses_for_smooth_and_kinked():
    advice = report_extras.tuning_advice()
    rows = {row["target"]: row for row in advice["rows"]}
    assert round(rows["smooth"]["optimal_acceptance"], 3) == 0.651
    assert round(rows["kinked"]["optimal_acceptance"], 3) == 0.452
    # adapting a kinked target to 0.8 loses more than adapting a smooth one (theory.tuning)
    lost = {name: {d["target_acceptance"]: d["efficiency_lost"] for d in row["defaults"]} for name, row in rows.items()}
    assert lost["kinked"][0.8] > lost["smooth"][0.8] > 0
    assert "| kinked | 0.452 |" in advice["markdown"]


def test_bnn_figure_data_is_computed_once_then_read_from_the_cache(tmp_path, monkeypatch):
    calls = []
    def point(x_key, x, acceptance):
        return {x_key: x, "acceptance": {"value": acceptance, "se": 0.01}}

    tiny = {"budget": "quick",
            "sweeps": {"steps": 5,
                       "vs_eps": {"relu": [point("eps", 0.01, 0.9), point("eps", 0.02, 0.5)]},
                       "vs_width": {"relu": [point("width", 2, 0.9), point("width", 4, 0.7)]}}}

    def fake(budget, seed):
        calls.append((budget, seed))
        return tiny

    monkeypatch.setattr(report_extras, "bnn_figure_data", fake)
    with ResultCache(tmp_path / "cache.sqlite") as cache:
        first = report_extras.bnn_figures(tmp_path, 0, cache, progress=None)
        second = report_extras.bnn_figures(tmp_path, 0, cache, progress=None)
    assert calls == [("quick", 0)]
    assert first == second and first
    assert all((tmp_path / f).is_file() and Path(f).suffix == ".png" for f in first)
