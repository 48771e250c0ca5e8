"""Crossing steps of ReLU-type networks built on purpose, and the energy error of network
trajectories split into crossing contributions and a remainder, on ladders of step sizes.

Both serve order measurements that must resolve the exponent to a few hundredths, so both are
PAIRED: the same starting data at every eps, so that the eps-to-eps noise cancels in the
log-log slope (`numerics.orders.order_summary`).

`constructed_crossing_steps`: a leapfrog step that crosses exactly one activation surface at
a chosen phase theta, for every eps of a ladder. For a one-hidden-layer network the first
layer's pre-activations z_{n,i} = x_n W_i + b_i are LINEAR in the parameters, so along a
straight line q + t p_h every z_{n,i} is linear in t and its zero t_{n,i} = -z/(dz/dt) is
exact. From a start q0 and a half-step momentum p_h ~ N(0, I) we take the first surface hit,
q* = q0 + t* p_h, and start the step at q = q* - theta eps p_h with p = p_h + (eps/2) grad U(q),
so that the step's half kick gives p_h back and its drift q + eps p_h crosses that surface
at exactly the fraction theta of the step (the 1D construction of numerics.orders carried to
the network). The step's energy error is then dH = (J . dq)(1/2 - theta) + O(eps^2) with a
fixed (q*, p_h, theta) at every eps (numerics.bnn module doc), so mean |dH| ~ eps^1. Steps are
kept only if the step crosses exactly one surface at EVERY eps of the ladder (counted by the
leapfrog's own crossing bookkeeping), and the count of dropped rows is reported.

`decomposition_ladder`: trajectories of fixed time T from the same (q0, p0) at each eps of a
ladder; per trajectory dH, the predicted crossing sum S and the exact telescoped term B
(numerics.bnn). The remainder R = dH - B - S is the sum of the trapezoid-rule errors of the
smooth parts of the steps (O(eps^3) per step, O(eps^2) over T / eps steps) and the O(eps^2)
corrections of the O(1) crossings: its order in eps is 2, while S is of order 1.
"""
from __future__ import annotations

import numpy as np

from relu_hmc.numerics import bnn


def first_surface_hits(model: bnn.BNN, q0: np.ndarray, direction: np.ndarray):
    """(t*, gap): the first t > 0 at which q0 + t direction meets a first-layer activation
    surface z_{n,i} = 0, and the distance in t from t* to the nearest other surface zero (either
    side). Exact: first-layer pre-activations are linear in the parameters."""
    if len(model.widths) != 1:
        raise ValueError("constructed crossings need a one-hidden-layer network (first-layer z linear in theta)")
    x = model.data.x
    w, b = model.unpack(q0)[0]
    dw, db = model.unpack(direction)[0]
    z = (np.matmul(x, w) + b[:, None, :]).reshape(len(q0), -1)
    dz = (np.matmul(x, dw) + db[:, None, :]).reshape(len(q0), -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(dz != 0.0, -z / dz, np.inf)
    ahead = np.where(t > 0.0, t, np.inf)
    first = np.argmin(ahead, axis=1)
    rows = np.arange(len(q0))
    t_star = ahead[rows, first]
    others = np.abs(t - t_star[:, None])
    others[rows, first] = np.inf
    return t_star, others.min(axis=1)


def constructed_crossing_steps(model: bnn.BNN, q0: np.ndarray, eps_grid, n_momenta: int, rng) -> dict:
    """One-surface crossing steps at a fixed phase for every eps (module doc).

    Returns dH (n_kept, n_eps), the predicted crossing contribution of each step (same shape),
    theta (n_kept,), and the numbers of rows built and kept."""
    if not model.kinked:
        raise ValueError(f"{model.activation} has no activation kinks to cross")
    eps_grid = np.asarray(eps_grid, dtype=np.float64)
    q_start = np.repeat(np.asarray(q0, dtype=np.float64), n_momenta, axis=0)
    p_half = rng.standard_normal(q_start.shape)
    theta = rng.uniform(size=len(q_start))
    t_star, _ = first_surface_hits(model, q_start, p_half)
    hit = np.isfinite(t_star)
    q_star = q_start[hit] + t_star[hit, None] * p_half[hit]
    p_half, theta = p_half[hit], theta[hit]
    dh, predicted, crossings = [], [], []
    for eps in eps_grid:
        q = q_star - (theta * eps)[:, None] * p_half
        p = p_half + 0.5 * eps * model.gradient(q)
        step = bnn.trajectory(model, q, p, float(eps), 1)
        dh.append(step.energy_error)
        predicted.append(step.predicted)
        crossings.append(step.crossings)
    dh, predicted, crossings = (np.column_stack(a) for a in (dh, predicted, crossings))
    single = np.all(crossings == 1, axis=1) & np.all(np.isfinite(dh), axis=1)
    return {"dH": dh[single], "predicted": predicted[single], "theta": theta[single],
            "n_built": int(len(q_start)), "n_kept": int(single.sum())}


def decomposition_ladder(model: bnn.BNN, q0: np.ndarray, eps_grid, T: float, n_momenta: int, rng) -> dict:
    """dH, S (predicted crossing sum), B (telescoped term) and crossings of fixed-time-T
    trajectories from the same (q0, p0) rows at every eps: arrays (n_rows, n_eps); rows with a
    non-finite value at any eps are dropped."""
    q_start = np.repeat(np.asarray(q0, dtype=np.float64), n_momenta, axis=0)
    p_start = rng.standard_normal(q_start.shape)
    columns = {"dH": [], "S": [], "B": [], "crossings": []}
    for eps in eps_grid:
        tr = bnn.trajectory(model, q_start, p_start, float(eps), max(1, int(round(T / eps))))
        columns["dH"].append(tr.energy_error)
        columns["S"].append(tr.predicted)
        columns["B"].append(tr.boundary)
        columns["crossings"].append(tr.crossings)
    out = {k: np.column_stack(v) for k, v in columns.items()}
    finite = np.all(np.isfinite(out["dH"]) & np.isfinite(out["S"]) & np.isfinite(out["B"]), axis=1)
    return {k: v[finite] for k, v in out.items()}
