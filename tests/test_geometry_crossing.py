"""The constructed single-surface crossing (numerics.relu_crossing) and the surface claims
it feeds: for every seed and shape the leapfrog steps on the eps ladder each cross exactly
the chosen surface, and the gradient-jump, Hessian-jump and crossing-jump judgements pass
(issue 13: `relu-hmc geometry --inputs 200 --input-dim 1 --width 7 --seed 5` failed)."""

import numpy as np
import pytest

from relu_hmc import cli
from relu_hmc.claims import geometry as cg
from relu_hmc.numerics import geometry as ng
from relu_hmc.numerics import relu_crossing as nc
from relu_hmc.numerics import relu_network as nn
from relu_hmc.theory import geometry as tg

# (input dim, width, inputs) x seed: 1D inputs with many data (crowded surfaces), width 1,
# tiny batches, and the failing case of issue 13
SHAPES = [(1, 7, 200, 5), (1, 1, 5, 0), (1, 3, 40, 1), (2, 1, 200, 1), (2, 3, 40, 2), (2, 7, 200, 3),
          (3, 2, 5, 4), (3, 6, 200, 6), (4, 5, 60, 7), (1, 12, 300, 8)]


@pytest.mark.parametrize("n_inputs,width,n_points,seed", SHAPES)
def test_surface_claims_pass_for_every_shape(n_inputs, width, n_points, seed):
    m = ng.measure_surface(n_inputs, width, n_points, seed=seed)
    assert m["crossing"]["crossings"] == [1] * len(m["crossing"]["eps"])
    pred = tg.predicted_surface(m)
    for judge in (cg.judge_crossing, cg.judge_gradient_jump, cg.judge_hessian_jump):
        verdict = judge(m, pred).verdict
        assert verdict.passed, (judge.__name__, [p.as_dict() for p in verdict.parts if not p.passed])


@pytest.mark.parametrize("seed", range(4))
def test_constructed_step_drifts_through_the_surface_at_the_chosen_phase(seed):
    rng = np.random.default_rng(seed)
    teacher = nn.random_network(1, 7, rng)
    X, y = nn.teacher_data(teacher, 200, 0.5, rng)
    post = nn.RegressionPosterior.build(X, y, 0.5, 3.0, 7)
    surface = nc.choose_surface(post, nn.random_network(1, 7, rng).theta, rng)
    assert surface.margin == pytest.approx(nc.surface_margin(post, surface.theta_star, surface.i, surface.j))
    v = nc.crossing_direction(post, surface.i, surface.j, rng)
    ladder = nc.eps_ladder(surface.margin, v, nc.stiffness_time(post, surface.theta_star, v))
    assert ladder[0] * np.linalg.norm(v) <= surface.margin / 2          # nothing else within reach
    sweep = nc.crossing_sweep(post, surface, v, ladder, phase=0.25)
    assert np.all(sweep.crossings == 1)
    np.testing.assert_allclose(sweep.phase, 0.25, rtol=1e-6)


def test_issue_13_command_passes_and_prints_every_line(capsys):
    code = cli.main(["geometry", "--inputs", "200", "--input-dim", "1", "--width", "7", "--seed", "5"])
    out = capsys.readouterr().out
    assert "J from crossing leapfrog step" in out and "Richardson limit" in out
    assert "crossing leapfrog step" in out.splitlines()[-1] and "PASS" in out.splitlines()[-1]
    assert code == 0
