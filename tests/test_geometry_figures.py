"""Every geometry claim has a figure that draws its measurement next to its prediction; the
kinks figure draws theory's kink locations (not the recovered ones) as its reference lines."""
import functools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from relu_hmc import plots  # noqa: E402
from relu_hmc.claims import all_claims  # noqa: E402
from relu_hmc.claims import _geometry_figures as fig  # noqa: E402
from relu_hmc.numerics import geometry as ng  # noqa: E402
from relu_hmc.theory import geometry as tg  # noqa: E402

@functools.lru_cache(maxsize=None)
def _surface():
    return ng.measure_surface(2, 3, 40, seed=11)


# claim -> measurements (labelled as the claim's tasks label them), small sizes
MEASUREMENTS = {
    "gradient-jump": lambda: {"surface": _surface()},
    "hessian-jump": lambda: {"surface": _surface()},
    "crossing-jump": lambda: {"surface": _surface()},
    "regular-hessian": lambda: {"cell": ng.measure_cell(2, 3, 10, seed=1)},
    "functional-dimension": lambda: {"rank": ng.measure_functional_dimension(2, 3, 600, seed=2)},
    "symmetries": lambda: {"symmetries": ng.measure_symmetries(2, 4, 100, seed=3)},
    "kinks-1d": lambda: {f"net{k}": ng.measure_kinks(w, seed=k) for k, w in enumerate((3, 6, 12))},
    "orbit": lambda: {"orbit": ng.measure_orbit(1, 3, 20, 0.01, 5, 10, seed=5)},
}


@pytest.mark.parametrize("name", sorted(MEASUREMENTS))
def test_each_geometry_claim_draws_its_figure(name):
    claim = {c.id: c for c in all_claims()}[f"geometry/{name}"]
    panels = getattr(claim.plot, "panels", 1)
    f, axes = plt.subplots(1, panels)
    claim.plot(axes if panels == 1 else tuple(axes), {"identity_holds": True}, MEASUREMENTS[name]())
    drawn = [a for a in np.atleast_1d(axes) if a.lines or a.patches or a.collections]
    labels = [label for a in np.atleast_1d(axes) for label in a.get_legend_handles_labels()[1]]
    plt.close(f)
    assert len(drawn) == panels
    assert any("theory" in label for label in labels), labels       # the prediction is drawn
    assert any("measured" in label or "recovered" in label for label in labels), labels


def test_the_kinks_figure_is_rendered_into_the_report(tmp_path):
    claim = {c.id: c for c in all_claims()}["geometry/kinks-1d"]
    path = tmp_path / plots.figure_name(claim.id)
    assert plots.render(claim, {"identity_holds": True}, MEASUREMENTS["kinks-1d"](), path)
    assert path.stat().st_size > 10_000 and path.with_suffix(".svg").exists()


def test_every_geometry_claim_has_a_figure_case():
    ids = {c.id.split("/", 1)[1] for c in all_claims() if c.id.startswith("geometry/")}
    assert ids == set(MEASUREMENTS)


def test_kinks_figure_marks_theory_locations_and_recovered_kinks():
    measurements = {"net0": ng.measure_kinks(6, seed=4)}
    predicted = sorted(k["location"] for k in tg.predicted_kinks(measurements["net0"])["kinks"])
    f, axes = plt.subplots(1, 2)
    fig.plot_kinks(tuple(axes), {}, measurements)
    vertical = sorted(line.get_xdata()[0] for line in axes[0].get_lines()
                      if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1])
    theory_jumps = [line for line in axes[1].get_lines() if line.get_label().startswith("theory")]
    plt.close(f)
    assert np.allclose(vertical, predicted, rtol=0, atol=0)
    assert len(theory_jumps) == 1 and len(theory_jumps[0].get_xdata()) == len(predicted)
