"""The scaling claims (relu_hmc.claims.orders local q/p orders, .acceptance Hoelder limit,
.step_size, .optimal_acceptance): the claims are registered and listed, and every family FAILS when
fed a deliberately wrong prediction together with small real measurements (negative controls).

Predictions written by hand below are theory's values (order 3; 2k = 2, gamma = 1/2 for
|q|; 2k = 4, gamma = 1/4 for q^2/2; optimum 0.452 for k = 1), quoted only to keep the fast
tests free of SymPy; the slow tests use the real theory adapters.
"""
import math
import subprocess
import sys

import pytest

from relu_hmc.claims import _measure as M
from relu_hmc.claims import all_claims
from relu_hmc.numerics.efficiency import fit_argmax
from relu_hmc.systems import SYSTEMS

LAPLACE, GAUSSIAN, HOLDER = (SYSTEMS[name].spec for name in ("laplace", "gaussian", "holder_1.5"))

IDS = ("local-order/smooth-q", "local-order/smooth-p", "acceptance-limit/holder",
       "step-size-exponent/kinked-stable", "step-size-exponent/kinked-collapse",
       "step-size-exponent/smooth-stable", "step-size-exponent/variance-linear-in-d",
       "optimal-acceptance/kinked", "optimal-acceptance/smooth", "optimal-acceptance/kinked-esjd",
       "optimal-acceptance/smooth-esjd", "optimal-acceptance/kinked-below-smooth", "sigma0/laplace", "sigma0/holder")


def _claims():
    return {c.id: c for c in all_claims()}


def test_registered_with_tasks_for_both_budgets():
    claims = _claims()
    for claim_id in IDS:
        claim = claims[claim_id]
        family_module = {"local-order": "orders", "acceptance-limit": "acceptance"}.get(
            claim.family, claim.family.replace("-", "_").replace("step_size_exponent", "step_size"))
        assert claim.compare.__module__ == f"relu_hmc.claims.{family_module}"
        for budget in ("quick", "full"):
            assert claim.tasks(budget)


def test_listed_by_cli():
    out = subprocess.run([sys.executable, "-m", "relu_hmc", "claims"], capture_output=True, text=True, check=True).stdout
    for claim_id in IDS:
        assert claim_id in out
    kinds = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.strip()}
    assert kinds["step-size-exponent/variance-linear-in-d"] == "observation"
    assert kinds["optimal-acceptance/kinked-below-smooth"] == "observation"
    # theory's finite-d ESJD curve has no bound on its own error: reported, not judged
    assert kinds["optimal-acceptance/smooth-esjd"] == kinds["optimal-acceptance/kinked-esjd"] == "observation"
    assert kinds["sigma0/laplace"] == kinds["optimal-acceptance/kinked"] == "claim"


def _law(potential, k, gamma, optimum):
    return {"potential": potential, "T": 1.0, "k": k, "sigma_exponent": 2 * k, "step_size_exponent": gamma,
            "optimal_acceptance": optimum, "d_exponent_fixed_eps": 2 * k * gamma}


KINKED = _law(SYSTEMS["laplace"].expression, 1.0, 0.5, 0.45217643960321346)
SMOOTH = _law(SYSTEMS["gaussian"].expression, 2.0, 0.25, 0.6512597509277787)


@pytest.fixture(scope="module")
def local_orders():
    return {"one-step": M.measure_local_orders(SYSTEMS["quadratic_plus_quartic"].spec, "quick", 8, seed=1)}


@pytest.mark.parametrize("which", ["q", "p"])
def test_local_order_negative_control(local_orders, which):
    claim = _claims()[f"local-order/smooth-{which}"]
    assert claim.evaluate({"q_order": 3, "p_order": 3}, local_orders).passed
    wrong = {"q_order": 3, "p_order": 3, f"{which}_order": 2}
    assert not claim.evaluate(wrong, local_orders).passed


def _sweep(spec, gamma, dims, n, seed=2):
    return {"sweep": M.measure_sweep(spec, gamma, 1.0, 1.0, list(dims), list(n), seed=seed)}


def test_kinked_step_size_negative_control():
    """gamma = 1/4 (the smooth scaling, 2k = 4) for the Laplace target must fail both ways."""
    collapse = _sweep(LAPLACE, 0.25, (81, 1296, 20736), (1000, 200, 30))
    stable = _sweep(LAPLACE, 0.5, (100, 900, 2500), (1000, 300, 100))
    claims = _claims()
    assert claims["step-size-exponent/kinked-collapse"].evaluate(KINKED, collapse).passed
    assert claims["step-size-exponent/kinked-stable"].evaluate(KINKED, stable).passed
    wrong = dict(KINKED, sigma_exponent=4.0, step_size_exponent=0.25)
    assert not claims["step-size-exponent/kinked-collapse"].evaluate(wrong, collapse).passed
    assert not claims["step-size-exponent/kinked-stable"].evaluate(wrong, stable).passed


def test_smooth_step_size_negative_control():
    """The kinked law (2k = 2) for the Gaussian target predicts a growing Var(dH): fails."""
    stable = _sweep(GAUSSIAN, 0.25, (81, 1296, 20736), (1000, 300, 40))
    claim = _claims()["step-size-exponent/smooth-stable"]
    assert claim.evaluate(SMOOTH, stable).passed
    assert not claim.evaluate(dict(SMOOTH, sigma_exponent=2.0, step_size_exponent=0.5), stable).passed


def test_variance_exponent_drift_and_se():
    est = [{"value": 2.0 * d ** 0.5, "se": 0.01 * d ** 0.5} for d in (10, 100, 1000)]
    fit = M.variance_exponent([10, 100, 1000], est)
    assert fit["slope"] == pytest.approx(0.5, abs=1e-12)
    assert fit["drift"] == pytest.approx(0.0, abs=1e-12)
    assert 0 < fit["slope_se"] < 0.01
    # a bent curve: slope 0.5 on the first pair, 1 on the last -> drift 0.5; 1% errors on
    # log values, so drift_se = 0.01 sqrt(1 + 4 + 1) / log 10
    bent = [{"value": v, "se": 0.01 * v} for v in (1.0, 10 ** 0.5, 10 ** 1.5)]
    fit = M.variance_exponent([10, 100, 1000], bent)
    assert fit["drift"] == pytest.approx(0.5)
    assert fit["drift_se"] == pytest.approx(0.01 * math.sqrt(6) / math.log(10))


def test_fit_argmax_recovers_asymptotic_kinked_optimum():
    """The estimator applied to the exact curve x Phi(-x) on a 7-point grid: within 0.002 of 0.452."""
    from scipy.stats import norm
    import numpy as np

    x = np.geomspace(0.2, 1.6, 7)
    a = 2 * norm.cdf(-x)
    assert fit_argmax(a, x * a)[0] == pytest.approx(KINKED["optimal_acceptance"], abs=2e-3)


@pytest.mark.slow
def test_variance_in_d_negative_control():
    meas = {label: M.measure_variance_in_d(spec, 0.1, "quick", seed=4)
            for label, spec in (("kinked", LAPLACE), ("smooth", GAUSSIAN))}
    claim = _claims()["step-size-exponent/variance-linear-in-d"]
    assert claim.evaluate({"kinked": KINKED, "smooth": SMOOTH}, meas).passed
    wrong = {"kinked": dict(KINKED, d_exponent_fixed_eps=0.5), "smooth": SMOOTH}
    assert not claim.evaluate(wrong, meas).passed


@pytest.mark.slow
def test_holder_negative_control():
    """The acceptance limit moved by twice the claim's resolution must fail, and so must Sigma_0
    four times theory's (real theory prediction, a small real ladder d = 4^3, 8^3, 16^3 at l = 1,
    acceptance by its conditional expectation given |dH|)."""
    from relu_hmc.claims.acceptance import measure_acceptance_point
    from relu_hmc.theory.acceptance import acceptance_limit

    claim = _claims()["acceptance-limit/holder"]
    prediction = claim.prediction.run()
    meas = {f"d={n ** 3}": measure_acceptance_point(HOLDER, n ** 3, 1.0 / n, n, count, seed=5)
            for n, count in ((4, 8000), (8, 7000), (16, 1600))}
    verdict = claim.evaluate(prediction, meas)
    assert verdict.passed, verdict.detail
    for sign in (+1, -1):
        moved = dict(prediction, acceptance=prediction["acceptance"] * (1 + sign * 2 * verdict.resolution))
        assert not claim.evaluate(moved, meas).passed
    wrong = dict(prediction, sigma0=4 * prediction["sigma0"], sigma=4 * prediction["sigma"])
    wrong["acceptance"] = float(acceptance_limit(wrong["sigma"]))
    assert not claim.evaluate(wrong, meas).passed


#: (acceptance, ESJD per gradient relative to its maximum) of the Laplace ESJD curves at d = 100
#: and 400 (`relu-hmc verify --only optimal-acceptance/kinked-esjd --seed 6`, quick budget)
_ESJD_SHAPES = {
    100: ((0.844, 0.488), (0.78, 0.622), (0.698, 0.813), (0.541, 0.954), (0.433, 1.0), (0.242, 0.901), (0.117, 0.593)),
    400: ((0.838, 0.495), (0.779, 0.641), (0.695, 0.804), (0.566, 0.894), (0.426, 1.0), (0.243, 0.829), (0.119, 0.559)),
}


def _efficiency_points(d: int, optimum: float) -> dict:
    points = [{"acceptance": {"value": a, "se": 0.003}, "esjd_per_grad": {"value": e, "se": 0.02}}
              for a, e in _ESJD_SHAPES[d]]
    return {"d": d, "points": points,
            "optima": {"esjd": {"at_boundary": False,
                                "acceptance": {"value": optimum, "se": 0.012, "lo": optimum - 0.024,
                                               "hi": optimum + 0.024}}}}


def test_esjd_figure_legend_does_not_cover_the_data():
    """The optimal-acceptance ESJD figure puts its legend in a band above the data: no measured
    point, line or optimum marker, nor theory's optimum line, crosses the legend's box."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from relu_hmc import plots, plots_verdict

    claim = _claims()["optimal-acceptance/kinked-esjd"]
    measurements = {"d-small": _efficiency_points(100, 0.43), "d-large": _efficiency_points(400, 0.445)}
    # the report's layout (relu_hmc.plots.render): the axes above the verdict strip
    strip = plots_verdict.strip_inches(claim.evaluate(KINKED, measurements).as_dict())
    fig = plt.figure(figsize=(plots.FIGSIZE[0], plots.FIGSIZE[1] + strip), dpi=plots.DPI)
    grid = fig.add_gridspec(2, 1, height_ratios=(plots.FIGSIZE[1], strip))
    ax = fig.add_subplot(grid[0, 0])
    fig.add_subplot(grid[1, 0])
    claim.plot(ax, KINKED, measurements)
    fig.tight_layout()
    fig.canvas.draw()
    box = ax.get_legend().get_window_extent()
    inside = []
    for line in ax.lines:  # every drawn line and marker, the theory line included, sampled densely
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), float))
        t = np.linspace(0.0, 1.0, 50)[:, None]
        samples = np.vstack([xy] + [a + t * (b - a) for a, b in zip(xy[:-1], xy[1:])]) if line.get_linestyle() != "None" \
            else xy
        inside += [(line.get_label(), tuple(s)) for s in samples if box.contains(*s)]
    plt.close(fig)
    assert not inside, inside[:5]


@pytest.mark.slow
def test_optimal_acceptance_negative_control():
    """0.651 (the smooth optimum) for the Laplace target must fail; so must an ordering prediction
    that puts the kinked optimum above the smooth one."""
    meas = {label: M.measure_efficiency(LAPLACE, d, 1.5, 8, 300, 8, 100, seed=6)
            for label, d in (("d-small", 64), ("d-large", 100))}
    claim = _claims()["optimal-acceptance/kinked-esjd"]
    assert claim.evaluate(KINKED, meas).passed
    assert not claim.evaluate(dict(KINKED, optimal_acceptance=SMOOTH["optimal_acceptance"]), meas).passed
    order = _claims()["optimal-acceptance/kinked-below-smooth"]
    swapped = {"kinked": 0.651, "smooth": 0.452}
    both = {"kinked": meas["d-large"], "smooth": meas["d-large"]}
    assert not order.evaluate(swapped, both).passed
