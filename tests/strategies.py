"""Hypothesis strategies shared by the test suite.

Every generated potential comes in both forms the toolkit joins: a SymPy expression in the
symbol ``q`` (what theory/ differentiates) and a numerics/ potential (what the kernels
integrate), built from the same numbers so a disagreement is a real one.

Ranges are chosen where the asymptotics apply: slopes and curvatures of order one, step
sizes small against the distance between kinks, states in the bulk of the density.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from relu_hmc.numerics import potentials

q = sp.Symbol("q", real=True)

#: moderate real numbers: no subnormals, no huge magnitudes that make asymptotics meaningless
def reals(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@dataclass(frozen=True)
class GeneratedPotential:
    """One 1D potential in both forms: ``expr`` (SymPy, in q) and ``numeric`` (numerics/)."""

    expr: sp.Expr
    numeric: object
    kinks: tuple[float, ...]
    jumps: tuple[float, ...]
    label: str

    def __repr__(self) -> str:  # hypothesis prints this for a failing example
        return f"GeneratedPotential({self.label})"


# --- smooth potentials -------------------------------------------------------------------

@st.composite
def even_polynomials(draw, max_degree: int = 6) -> GeneratedPotential:
    """u(q) = sum_k c_k q^k, even degree 2..max_degree, positive leading coefficient
    (so exp(-u) is normalisable), other coefficients in [-1, 1]."""
    degree = draw(st.sampled_from(range(2, max_degree + 1, 2)))
    coefficients = [draw(reals(-1.0, 1.0)) for _ in range(degree)] + [draw(reals(0.1, 1.0))]
    coefficients[0] = 0.0  # the constant does not matter for dynamics or densities
    expr = sum(sp.Float(c) * q ** k for k, c in enumerate(coefficients))
    poly = np.polynomial.Polynomial(coefficients)
    dpoly = poly.deriv()
    numeric = potentials.CallablePotential(poly, dpoly, description=f"poly{coefficients}")
    return GeneratedPotential(expr, numeric, (), (), f"polynomial {coefficients}")


@st.composite
def logcosh_sums(draw, max_terms: int = 3) -> GeneratedPotential:
    """u(q) = q^2/(2 s^2) + sum_i a_i w_i log cosh((q - c_i)/w_i), a_i in [0.2, 1.5]: smooth,
    with gradients that turn sharply when w_i is small (the smooth controls of kinks)."""
    n = draw(st.integers(1, max_terms))
    s = draw(reals(0.7, 2.0))
    terms = [(draw(reals(0.2, 1.5)), draw(reals(0.3, 1.5)), draw(reals(-1.0, 1.0))) for _ in range(n)]
    expr = q ** 2 / (2 * sp.Float(s) ** 2) + sum(
        sp.Float(a) * sp.Float(w) * sp.log(sp.cosh((q - sp.Float(c)) / sp.Float(w))) for a, w, c in terms)

    def u(x):
        x = np.asarray(x, dtype=np.float64)
        total = x * x / (2 * s * s)
        for a, w, c in terms:
            z = np.abs((x - c) / w)
            total = total + a * w * (z + np.log1p(np.exp(-2 * z)) - np.log(2.0))
        return total

    def du(x):
        x = np.asarray(x, dtype=np.float64)
        return x / (s * s) + sum(a * np.tanh((x - c) / w) for a, w, c in terms)

    numeric = potentials.CallablePotential(u, du, description=f"logcosh-sum{terms}")
    return GeneratedPotential(expr, numeric, (), (), f"logcosh sum s={s} terms={terms}")


def smooth_potentials() -> st.SearchStrategy[GeneratedPotential]:
    return st.one_of(even_polynomials(), logcosh_sums())


# --- kinked potentials -------------------------------------------------------------------

@st.composite
def kinked_potentials(draw, max_kinks: int = 3, quadratic: bool | None = None) -> GeneratedPotential:
    """Piecewise linear or piecewise quadratic u with 1..max_kinks kinks at least 0.5 apart,
    nonzero gradient jumps of size >= 0.2, normalisable outer pieces."""
    n = draw(st.integers(1, max_kinks))
    # kinks on a 1/1024 grid: a float such as 2.4e-59 makes the SymPy form (Float offsets,
    # rationalised by theory.parse) discontinuous by ~1e-75, which theory rightly refuses
    gaps = [round(draw(reals(0.5, 1.5)) * 1024) / 1024 for _ in range(n - 1)]
    first = round(draw(reals(-1.0, 0.5)) * 1024) / 1024
    kinks = np.cumsum([first] + gaps)
    quadratic = draw(st.booleans()) if quadratic is None else quadratic
    curvatures = [draw(st.one_of(st.just(0.0), reals(0.05, 1.5))) if quadratic else 0.0 for _ in range(n + 1)]
    slopes = [draw(reals(-2.0, -0.3))]
    for _ in range(n):  # successive slopes differ by a jump of at least 0.2 in size
        jump = draw(st.one_of(reals(0.2, 2.0), reals(-2.0, -0.2)))
        slopes.append(slopes[-1] + jump)
    if curvatures[-1] == 0.0 and slopes[-1] <= 0.0:
        slopes[-1] = draw(reals(0.3, 2.0))
    if curvatures[0] == 0.0 and slopes[0] >= 0.0:
        slopes[0] = -0.5
    numeric = potentials.piecewise_quadratic(kinks, curvatures, slopes)
    # the same function as a SymPy Piecewise in exact arithmetic: the floats are dyadic
    # rationals, and each offset follows from continuity exactly (the float offsets of the
    # kernel family leave value jumps of ~1e-16, which theory rightly reads as a jump)
    n_pieces = n + 1
    curv, slope, offset = ([sp.Rational(float(v)) for v in numeric.params[i * n_pieces:(i + 1) * n_pieces]]
                           for i in range(3))
    exact_offsets = [offset[0]]
    for i in range(n):
        k = sp.Rational(float(kinks[i]))
        exact_offsets.append(exact_offsets[i] + (curv[i] - curv[i + 1]) * k ** 2 / 2 + (slope[i] - slope[i + 1]) * k)
    pieces = [(curv[i] * q ** 2 / 2 + slope[i] * q + exact_offsets[i], q < sp.Rational(float(kinks[i])))
              for i in range(n)]
    pieces.append((curv[n] * q ** 2 / 2 + slope[n] * q + exact_offsets[n], True))
    expr = sp.Piecewise(*pieces)
    return GeneratedPotential(expr, numeric, tuple(float(k) for k in kinks),
                              tuple(float(j) for j in numeric.jumps),
                              f"kinks={kinks.tolist()} curvatures={curvatures} slopes={slopes}")


def holder_exponents() -> st.SearchStrategy[float]:
    """alpha in [1, 2]: u = |q|^alpha has a kink at alpha = 1 and a Hoelder-(alpha-1) gradient below 2."""
    return reals(1.0, 2.0)


# --- states and step sizes -----------------------------------------------------------------

def step_sizes(lo: float = 1e-3, hi: float = 0.05) -> st.SearchStrategy[float]:
    """Step sizes in the asymptotic regime (small against kink gaps of >= 0.5)."""
    return reals(lo, hi)


def states(q_range: float = 2.0, p_range: float = 2.5) -> st.SearchStrategy[tuple[float, float]]:
    """(q, p) in the bulk of the density and of N(0, 1)."""
    return st.tuples(reals(-q_range, q_range), reals(-p_range, p_range))


@st.composite
def crossing_states(draw, potential: GeneratedPotential, eps: float):
    """(q, p, kink, theta): a state one step of size eps carries across `kink`.

    Chosen through the crossing phase theta in (0.05, 0.95): q = kink - theta * eps * p with
    |p| in [0.3, 2.5] (the position update q + eps * p_half lands past the kink when the
    half-step kick is small against p, which the ranges ensure for eps <= 0.05).
    """
    kink = draw(st.sampled_from(potential.kinks))
    p = draw(st.one_of(reals(0.3, 2.5), reals(-2.5, -0.3)))
    theta = draw(reals(0.05, 0.95))
    return kink - theta * eps * p, p, kink, theta


# --- built-in families and bounded draws (shared by the kernel, theory and parser tests) ---

def family_examples() -> dict[str, "potentials.Potential"]:
    """One representative of every built-in family, with kinks away from the origin where the
    family allows it (so crossings happen in both directions)."""
    return {
        "gaussian": potentials.gaussian(1.3),
        "laplace": potentials.laplace(0.8),
        "piecewise_linear": potentials.piecewise_linear([-1.0, 0.25, 1.5], [-1.5, -0.4, 0.7, 2.0]),
        "piecewise_quadratic": potentials.piecewise_quadratic([-0.5, 0.7], [1.0, 0.0, 2.0], [0.3, -0.2, 0.5]),
        "power_holder": potentials.power(1.5, 0.9),
        "power_kink": potentials.power(1.0),
        "power_smooth": potentials.power(3.0, 1.2),
        "softplus_kink": potentials.softplus_kink(0.3, -1.0, 2.0, 0.2, 0.5),
        "logcosh": potentials.logcosh(0.6),
        "quartic": potentials.quartic(-1.0, 1.0),
    }


def coordinates(limit: float) -> st.SearchStrategy[float]:
    """Positions or momenta in [-limit, limit]."""
    return reals(-limit, limit)


def kink_slopes(limit: float = 5.0) -> st.SearchStrategy[float]:
    """Slopes g_-, g_+ of a piecewise-linear potential on either side of a kink."""
    return reals(-limit, limit)


def crossing_phases() -> st.SearchStrategy[float]:
    """Crossing phase theta (the fraction of the drift done before the kink), away from 0 and 1."""
    return reals(0.05, 0.95)


def integer_polynomial_coefficients(max_degree: int = 4) -> st.SearchStrategy[list[int]]:
    """Coefficients c_0..c_n in [-5, 5] of a non-constant polynomial (for parser round trips)."""
    return st.lists(st.integers(-5, 5), min_size=1, max_size=max_degree + 1).filter(lambda cs: any(cs[1:]))


# --- splittings (relu_hmc.splittings) -------------------------------------------------------

def _palindrome_summing_to_one(draw, n: int, label: str) -> list:
    """n rationals, a palindrome summing to 1: the outer half drawn, the middle (or the
    innermost pair) fixed by the sum."""
    from fractions import Fraction

    def free():
        return draw(st.fractions(Fraction(-1), Fraction(1), max_denominator=12), label=label)

    if n % 2:
        half = [free() for _ in range(n // 2)]
        return half + [1 - 2 * sum(half, Fraction(0))] + half[::-1]
    half = [free() for _ in range(n // 2 - 1)]
    half.append(Fraction(1, 2) - sum(half, Fraction(0)))
    return half + half[::-1]


@st.composite
def splitting_coefficient_lists(draw, max_drifts: int = 4) -> list:
    """A valid flat list [k_0, d_1, k_1, ..., d_m, k_m] of rationals: kicks and drifts each a
    palindrome summing to one (a consistent symmetric splitting, m = 1..max_drifts)."""
    m = draw(st.integers(1, max_drifts), label="drifts")
    kicks = _palindrome_summing_to_one(draw, m + 1, "kick")
    drifts = _palindrome_summing_to_one(draw, m, "drift")
    flat = [kicks[0]]
    for d, k in zip(drifts, kicks[1:]):
        flat += [d, k]
    return flat


# --- 1D-input ReLU networks for kink recovery (numerics.relu_kinks) ---------------------------
#: Window of the kink-recovery tests; its stated spacing is 1e-7 of the width (1.2e-6).
KINK_WINDOW = (-6.0, 6.0)
#: Offsets of an adversarial second kink from a first: exact twins, pairs far below the
#: spacing (merged), and pairs far above it (resolved); none within a factor 8 of the spacing,
#: where either outcome is allowed (numerics.relu_kinks, module doc).
KINK_OFFSETS = (0.0, 1e-13, 1e-10, 1e-8, 1e-5, 1e-3, 2e-2)


@st.composite
def kink_networks(draw):
    """A one-input ReLU network (numerics.relu_network.ShallowNet): random_network of a drawn
    width, seed and weight scale, then up to three adversarial edits, each labelled:
    'pair' moves neuron k's kink to neuron j's plus an offset from KINK_OFFSETS (twins at 0);
    'cancel' makes it an exact twin with the opposite jump (the merged jump vanishes);
    'small' scales a_k by 10^-e (jumps down to round-off level);
    'edge' puts a kink 1e-9 or 1e-3 of the width inside an edge of KINK_WINDOW."""
    from relu_hmc.numerics.relu_network import ShallowNet, random_network

    width = draw(st.integers(1, 16), label="width")
    seed = draw(st.integers(0, 2 ** 32 - 1), label="seed")
    scale = 10.0 ** draw(reals(-1.0, 1.0), label="log10 scale")
    net = random_network(1, width, seed, scale=scale)
    w, b, a = net.W[:, 0].copy(), net.b.copy(), net.a.copy()
    lo, hi = KINK_WINDOW
    for _ in range(draw(st.integers(0, 3), label="edits") if width >= 2 else 0):
        kind = draw(st.sampled_from(["pair", "cancel", "small", "edge"]), label="edit")
        j, k = draw(st.permutations(range(width)), label="neurons")[:2]
        if kind in ("pair", "cancel"):
            offset = draw(st.sampled_from(KINK_OFFSETS), label="offset") if kind == "pair" else 0.0
            anchor = -b[j] / w[j] if lo < -b[j] / w[j] < hi else draw(reals(-5.0, 5.0), label="anchor")
            b[j] = -w[j] * anchor
            b[k] = -w[k] * (anchor + offset * draw(st.sampled_from([-1.0, 1.0]), label="side"))
            if kind == "cancel":
                a[k] = -a[j] * abs(w[j]) / abs(w[k])
        elif kind == "small":
            a[k] *= 10.0 ** -draw(st.integers(2, 14), label="jump exponent")
        else:
            inset = draw(st.sampled_from([1e-9, 1e-3]), label="edge inset") * (hi - lo)
            b[k] = -w[k] * (lo + inset if draw(st.booleans(), label="left edge") else hi - inset)
    return ShallowNet(w[:, None], b, a, net.c)
