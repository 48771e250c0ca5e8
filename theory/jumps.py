"""Potentials with jumps (U(b+) != U(b-)) and hard walls (density zero outside [lo, hi]): the
compound-Poisson limit law of the log acceptance ratio. Derivation: proofs_notes/limit_laws.md.

A move of a coordinate by s eps p (HMC with L = s steps, the gradient ignoring the jump), by
eps p + O(eps^2) (MALA) or by sigma Z (RWM) crosses a jump at b from the left with probability
~ pi(b-) E[(move)^+] and changes U by Delta_b = U(b+) - U(b-) (right to left: -Delta_b); the
smooth and kinked parts of U contribute O(d eps^3) -> 0 at the scale step = l d^(-1). So the
numbers N_b^+ and N_b^- of coordinates crossing b to the right / left are independent
Poisson(l s pi(b-)/sqrt(2 pi)), Poisson(l s pi(b+)/sqrt(2 pi)) (E[Z^+] = 1/sqrt(2 pi)), a wall
is crossed outwards at rate l s pi(wall)/sqrt(2 pi) and always rejects, and

    a(l) = exp(-l w) E[min(1, exp(-sum_b Delta_b (N_b^+ - N_b^-)))],   w = s sum_walls pi / sqrt(2 pi).

Efficiency l^2 a(l) (expected squared jump). Hard walls only: a(l) = exp(-l w), optimum
l* = 2/w, a* = e^(-2) = 0.1353 (Neal, Roberts & Yuen, Ann. Appl. Probab. 22 (2012) 1880-1927:
proposal variance ~ d^(-2), optimal acceptance e^(-2)).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import sympy as sp

from relu_hmc.theory.errors import PotentialError, TheoryInputError, one_line
from relu_hmc.theory.parse import Q

SOURCE = "Neal, Roberts & Yuen, Ann. Appl. Probab. 22(5) (2012) 1880-1927 (RWM, discontinuous densities)"
MAX_JUMPS = 4


@dataclass(frozen=True)
class Jump:
    """A jump of U at ``location``: ``delta`` = U(b+) - U(b-), densities on both sides."""

    location: float
    delta: float
    density_left: float
    density_right: float


@dataclass(frozen=True)
class JumpTarget:
    """A 1D target with jumps and/or hard walls: its jumps, walls [(location, density inside)],
    support (lo, hi) (None for the real line) and log normaliser."""

    jumps: tuple
    walls: tuple
    support: tuple | None
    log_normaliser: float


def _has_discontinuous_parts(U: sp.Expr) -> bool:
    return U.has(sp.Heaviside, sp.Piecewise)


_BESIDE = sp.Rational(1, 10**30)  # Piecewise branches are selected by exact evaluation just beside b


def _branch_beside(U: sp.Expr, at: sp.Expr) -> sp.Expr:
    """U with each Piecewise replaced by its branch whose condition holds at q = at (exactly)."""
    def select(pw):
        for value, cond in pw.args:
            if bool(sp.sympify(cond).subs(Q, at)):
                return value
        raise PotentialError(f"Piecewise has no branch at q = {at}")

    return U.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: select(e.func(*[
        (_branch_beside(v, at), c) for v, c in e.args])))


def _one_sided(U: sp.Expr, b, side: str) -> sp.Expr:
    beside = b + (_BESIDE if side == "+" else -_BESIDE)
    value = sp.limit(_branch_beside(U, beside), Q, b, side)
    if not value.is_finite:
        raise PotentialError(f"U has no finite one-sided limit at q = {b} ({value})")
    return value


def find_jumps(U: sp.Expr, support=None) -> list[tuple]:
    """[(b, U(b-), U(b+))] at the candidate points of U (inside the support) where the
    one-sided limits differ; [] when U is continuous (only Heaviside/Piecewise can jump)."""
    from relu_hmc.theory.classify import candidate_points

    if not _has_discontinuous_parts(U):
        return []
    out = []
    for b in candidate_points(U):
        if support is not None and not (support[0] < float(b) < support[1]):
            continue
        left, right = _one_sided(U, b, "-"), _one_sided(U, b, "+")
        if sp.simplify(right - left) != 0:
            out.append((b, left, right))
    return out


def check_support(support) -> tuple | None:
    if support is None:
        return None
    try:
        lo, hi = (float(x) for x in support)
    except (TypeError, ValueError):
        raise TheoryInputError(f"support must be two numbers lo, hi, got {support!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise TheoryInputError(f"support must be a finite interval lo < hi, got {support!r}")
    return lo, hi


def analyse_jumps(U: sp.Expr, jumps: list, support=None) -> JumpTarget:
    """Normaliser Z = int exp(-U) over the support (mpmath, split at the jumps), and pi(b+-)."""
    support = check_support(support)
    if len(jumps) > MAX_JUMPS:
        raise PotentialError(f"{len(jumps)} jumps: the jump law is computed for at most {MAX_JUMPS}")
    lo, hi = support if support else (-mpmath.inf, mpmath.inf)
    f = sp.lambdify(Q, U, modules="mpmath")
    cuts = [lo] + sorted(float(b) for b, _, _ in jumps) + [hi]
    with mpmath.workdps(20):
        try:
            Z = mpmath.quad(lambda x: mpmath.exp(-f(x)), cuts)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
            raise PotentialError(one_line(f"cannot integrate exp(-U): {exc}")) from None
    if not (mpmath.isfinite(Z) and Z > 0) or (support is None and Z > 1e300):
        raise PotentialError("exp(-U) is not normalisable" + ("" if support else " on the real line (give a support)"))
    logZ = float(mpmath.log(Z))

    def density(value):
        return float(mpmath.exp(-mpmath.mpf(sp.N(value, 30)) - logZ))

    out = tuple(Jump(float(b), float(sp.N(right - left, 30)), density(left), density(right)) for b, left, right in jumps)
    walls = ()
    if support:
        walls = tuple((edge, density(_one_sided(U, edge, side))) for edge, side in ((lo, "+"), (hi, "-")))
    return JumpTarget(out, walls, support, logZ)


def crossing_rates(target: JumpTarget, move: int = 1) -> dict:
    """Rates per unit l (the crossing counts are Poisson(l * rate)); `move` = L for HMC with L steps."""
    e_plus = move / math.sqrt(2 * math.pi)
    return {"wall": e_plus * sum(dens for _, dens in target.walls),
            "jumps": [(j.delta, e_plus * j.density_left, e_plus * j.density_right) for j in target.jumps]}


def _poisson(lam: float, tol: float = 1e-17) -> list:
    """[(n, P(N = n))] for N ~ Poisson(lam), up to a tail below tol (double precision)."""
    out, n, pmf, total = [], 0, math.exp(-lam), 0.0
    while True:
        out.append((n, pmf))
        total += pmf
        if (1.0 - total < tol or pmf < 1e-300) and n > lam:
            return out
        n += 1
        pmf = pmf * lam / n


def jump_acceptance(rates: dict, l) -> float:
    """a(l) = exp(-l w) E[min(1, exp(-sum Delta (N+ - N-)))] (module docstring), in double
    precision: Poisson sums truncated below 1e-17, terms below 1e-20 dropped."""
    l = float(l)
    law = {0.0: 1.0}  # distribution of sum Delta (N+ - N-)
    for delta, up, down in rates["jumps"]:
        step: dict = {}
        for n_up, p_up in _poisson(l * up):
            for n_down, p_down in _poisson(l * down):
                key = delta * (n_up - n_down)
                step[key] = step.get(key, 0.0) + p_up * p_down
        merged: dict = {}
        for a, pa in law.items():
            for b, pb in step.items():
                if pa * pb > 1e-20:
                    merged[a + b] = merged.get(a + b, 0.0) + pa * pb
        law = merged
    finite = math.fsum(prob * math.exp(-max(value, 0.0)) for value, prob in law.items())
    return math.exp(-l * rates["wall"]) * finite


def jump_optimum(rates: dict, m: int = 2) -> tuple[float, float]:
    """(l*, a(l*)) maximising l^m a(l); hard walls only: l* = m / w, a* = e^(-m) exactly;
    otherwise a scan of log l^m a(l) (unimodal in log l) then golden section to 1e-10 in log l."""
    total = rates["wall"] + sum(up + down for _, up, down in rates["jumps"]) / 2
    if total <= 0:
        raise TheoryInputError("no jump and no wall is ever crossed: the jump law is degenerate")
    if not rates["jumps"]:
        return float(mpmath.mpf(m) / rates["wall"]), float(mpmath.exp(-m))
    log_eff = lambda x: m * x + math.log(max(jump_acceptance(rates, math.exp(x)), 1e-300))  # noqa: E731 (x = log l)
    centre = math.log(m / total)
    grid = [centre + i / 4 for i in range(-16, 17)]
    values = [log_eff(x) for x in grid]
    i = max(range(len(grid)), key=lambda j: values[j])
    if i in (0, len(grid) - 1):
        raise TheoryInputError("the efficiency l^2 a(l) has no interior maximum in the scanned range")
    a, b = grid[i - 1], grid[i + 1]
    ratio = (math.sqrt(5) - 1) / 2
    while b - a > 1e-10:
        x1, x2 = b - ratio * (b - a), a + ratio * (b - a)
        if log_eff(x1) >= log_eff(x2):
            b = x2
        else:
            a = x1
    x = (a + b) / 2
    return math.exp(x), jump_acceptance(rates, math.exp(x))

__all__ = ["Jump", "JumpTarget", "find_jumps", "analyse_jumps", "check_support", "crossing_rates",
           "jump_acceptance", "jump_optimum", "SOURCE"]
