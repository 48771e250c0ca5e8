"""Tuning advice from theory: optimal acceptance, step-size scaling, and the efficiency lost at
the acceptance targets samplers adapt to by default.

For a product target in dimension d with eps = l d^(-gamma), the energy error tends to
N(Sigma/2, Sigma) with Sigma = Sigma_0 l^(2k), the acceptance to a(l) = 2 Phi(-sqrt(Sigma)/2),
and the efficiency (distance moved per gradient evaluation) is ~ l^m a(l) with m = 1 for
HMC at fixed integration time (theory.tuning). k = 2 for smooth U (Beskos et al., Bernoulli
2013), k = 1 when U' jumps (kinked, derived in theory.kink), k = alpha for a Hoelder point.
The step-size exponent is gamma = 1/(2k) and the cost per proposal grows like d^gamma.

Adapting the step size to a target acceptance a instead of the optimum a* keeps the scaling
but loses a constant factor: relative efficiency (x_a/x*)^(m/k) Phi(-x_a)/Phi(-x*) with
a = 2 Phi(-x) (theory.tuning.relative_efficiency, exact to 30 digits: no statistical error).
Default targets: 0.65 (the dual-averaging target recommended by Hoffman and Gelman, JMLR
2014), 0.8 (Stan's adapt_delta default and the target_accept default of PyMC and NumPyro's
NUTS), and 0.75 between them. Caveat: for NUTS these libraries adapt a tree-averaged
acceptance statistic, not the fixed-length HMC acceptance this theory describes; the table
is exact for HMC with a fixed integration time.
"""
from __future__ import annotations

from typing import Iterable

#: Acceptance targets samplers commonly adapt to by default (see module docstring).
DEFAULT_TARGETS: tuple[float, ...] = (0.65, 0.75, 0.8)

#: Built-in target classes: name -> (k, description). m = 1 (HMC) throughout.
TARGET_CLASSES = {
    "smooth": (2.0, "smooth U (C^3 or better): Sigma ~ l^4"),
    "kinked": (1.0, "U' jumps (ReLU-like kinks): Sigma ~ l^2"),
}

M_HMC = 1.0


def tuning_row(name: str, k: float, description: str = "", targets: Iterable[float] = DEFAULT_TARGETS,
               m: float = M_HMC) -> dict:
    """One row: optimal acceptance, gamma = 1/(2k), and per target the relative efficiency,
    the efficiency lost (1 - relative) and the cost factor (1 / relative)."""
    from relu_hmc.theory.tuning import optimal_acceptance, relative_efficiency

    k = float(k)
    targets = [float(a) for a in targets]
    per_target = []
    for a in targets:
        eff = float(relative_efficiency(a, k, m))
        per_target.append({"target_acceptance": a, "relative_efficiency": eff, "efficiency_lost": 1.0 - eff,
                           "cost_factor": 1.0 / eff})
    a_star = float(optimal_acceptance(k, m))
    return {
        "target": name, "description": description, "k": k, "m": float(m),
        "optimal_acceptance": a_star,
        "step_size_exponent": 1.0 / (2.0 * k),
        "sigma_exponent": 2.0 * k,
        "cost_exponent": 1.0 / (2.0 * k),
        "efficiency_at_optimum": float(relative_efficiency(a_star, k, m)),
        "defaults": per_target,
    }


def tuning_table(targets: Iterable[float] = DEFAULT_TARGETS) -> list[dict]:
    """Rows for the smooth and kinked classes."""
    return [tuning_row(name, k, text, targets) for name, (k, text) in TARGET_CLASSES.items()]


def expression_row(expr: str, T: float = 1.0, targets: Iterable[float] = DEFAULT_TARGETS, *,
                   announce=None) -> dict:
    """Row for a potential EXPR via theory.derive.derive_scaling_law (its k; m = 1), with the
    derivation's optimal l when Sigma_0 is known. Raises ValueError (one line) on bad EXPR.
    `announce` is passed on to the derivation (its step announcements)."""
    from relu_hmc.theory.derive import derive_scaling_law

    law = derive_scaling_law(expr, T=T, **({} if announce is None else {"announce": announce}))
    k = float(law["sigma_exponent"]) / 2.0
    row = tuning_row(law["potential"], k, f"{law['regularity']} (derived)", targets)
    row.update({"regularity": law["regularity"], "sigma0": law["sigma0"], "optimal_l": law["optimal_l"], "T": T})
    return row


def to_markdown(rows: list[dict]) -> str:
    """The table as Markdown (one line per target class)."""
    if not rows:
        return ""
    targets = [d["target_acceptance"] for d in rows[0]["defaults"]]
    head = ["target", "optimal acceptance", "eps ~ d^-gamma", "cost ~ d^"]
    head += [f"lost at {a:g}" for a in targets]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row["target"], f"{row['optimal_acceptance']:.3f}", f"{row['step_size_exponent']:g}",
                 f"{row['cost_exponent']:g}"]
        cells += [f"{100 * d['efficiency_lost']:.1f}%" for d in row["defaults"]]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Efficiency = distance per gradient evaluation, relative to adapting to the optimal "
                 "acceptance (theory.tuning; exact, HMC with fixed integration time).")
    return "\n".join(lines)
