"""Energy error of one step of any palindromic splitting (relu_hmc.splittings), in 1D.

A splitting with kicks k_0..k_m and drifts d_1..d_m (cumulative drifts D_0 = 0,
D_i = d_1 + ... + d_i, D_m = 1) advances (q, p) by p -= k_0 eps U'(q), q += d_1 eps p, ...,
p -= k_m eps U'(q). Derivations: proofs_notes/splittings.md.

* Smooth U: `local_energy_error` composes the stages as truncated power series in eps with
  U'(q + dq) Taylor-expanded about q (coefficients in the jet U1 = U', U2 = U'', ...), and
  returns H(step) - H = C eps^n + O(eps^(n+1)): n = 3 for leapfrog, position Verlet and the
  two-stage family, n = 5 for Yoshida's triple jump (global orders n - 1).
* Piecewise-linear U (slopes g_- left of the kink b, g_+ right, J = g_+ - g_-): the stage
  positions Q_0 = q, Q_1, ..., Q_m each pick a slope by their side (Q_i >= b: g_+, the kernels'
  right-hand gradient); `crossing_step` gives the exact (q1, p1, dH) for a side pattern and
  `piecewise_linear_step` steps concrete numbers exactly. With the crossing phase
  theta = (b - q)/(eps p), Q_i - b = eps p (D_i - theta) + O(eps^2), and
      dH = eps J |p| c(theta) + O(eps^2),
      c(theta) = [theta < 1](1 - theta) + [theta < 0] theta - sum_i k_i [theta < D_i]
  (`crossing_phase_function`; leapfrog: 1/2 - theta on (0, 1)).
* Kinked Sigma_0: a stationary product target crosses b with momentum p at phase in dtheta
  at rate pi(b) |p| phi(p) dp dtheta per unit time, so Var(dH) over time T per kink is
  eps^2 J^2 T pi(b) E|p|^3 K with K = int_0^1 (sum_j c(theta + j))^2 dtheta, the squared
  error of one crossing event summed over the steps it touches (`crossing_phase_constant`;
  K = int c^2 when the drifts stay within the step; leapfrog K = 1/12, the existing
  theory.kink result); int c dtheta = 1/2 - sum k_i D_i = 0.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from relu_hmc.splittings import Splitting, resolve
from relu_hmc.theory.kink import B, G_MINUS, G_PLUS, J, P, Q, THETA, standard_normal_abs_moment
from relu_hmc.theory.smooth import EPS, generic_potential

#: jet symbols U1 = U'(q), U2 = U''(q), ... (the coefficients are polynomials in these and p)
JET = sp.symbols("U1:12", real=True)


def exact_coefficients(splitting) -> tuple[tuple[sp.Expr, ...], tuple[sp.Expr, ...]]:
    """(kicks, drifts) as exact SymPy numbers (rationals, or radicals with rational denominators)."""
    return _exact_coefficients(resolve(splitting))


@functools.lru_cache(maxsize=64)
def _exact_coefficients(splitting: Splitting):
    def exact(c):
        if c.rational is not None:
            return sp.Rational(c.rational.numerator, c.rational.denominator)
        return _field_canonical(sp.sympify(c.exact, rational=True))

    return tuple(exact(c) for c in splitting.kicks), tuple(exact(c) for c in splitting.drifts)


def _field_canonical(number: sp.Expr) -> sp.Expr:
    """An algebraic number as a polynomial in its radicals with rational coefficients (no
    radical in a denominator: 1/(2 - 2^(1/3)) -> (4 + 2 2^(1/3) + 2^(2/3))/6), so sums and
    products of such numbers expand to canonical form and a zero is exactly 0."""
    radicals = [a for a in number.atoms(sp.Pow) if a.exp.is_Rational and not a.exp.is_Integer]
    if not radicals:
        return sp.nsimplify(number, rational=True)
    field = sp.QQ.algebraic_field(*radicals)
    return sp.expand(field.to_sympy(field.from_sympy(number)))


def cumulative_drifts(splitting) -> tuple[sp.Expr, ...]:
    """D_0 = 0, D_i = d_1 + ... + d_i: the stage positions in units of eps p, to first order."""
    return _cumulative_drifts(resolve(splitting))


@functools.lru_cache(maxsize=64)
def _cumulative_drifts(splitting: Splitting) -> tuple[sp.Expr, ...]:
    _, drifts = exact_coefficients(splitting)
    out = [sp.Integer(0)]
    for d in drifts:
        out.append(sp.expand(out[-1] + d))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# smooth U: truncated power series in eps


def _times(a: list, b: list, order: int) -> list:
    out = [sp.Integer(0)] * (order + 1)
    for i, x in enumerate(a):
        if x == 0:
            continue
        for j in range(order + 1 - i):
            if b[j] != 0:
                out[i + j] += x * b[j]
    return [sp.expand(x) for x in out]


def _gradient_at_shift(dq: list, order: int) -> list:
    """U'(q + dq) = sum_j U_{1+j} dq^j / j! as a series in eps (dq = O(eps): dq[0] = 0)."""
    total = [JET[0]] + [sp.Integer(0)] * order
    power = [sp.Integer(1)] + [sp.Integer(0)] * order
    for j in range(1, order + 1):
        power = _times(power, dq, order)
        total = [t + JET[j] * x / sp.factorial(j) for t, x in zip(total, power)]
    return [sp.expand(t) for t in total]


@dataclass(frozen=True)
class SmoothLocalError:
    """H(step(q, p)) - H(q, p) = sum_n series[n] eps^n for n <= max_order, on a generic smooth U.

    ``series[n]`` are polynomials in p and the jet U1..U_{max_order}; ``order`` is the leading
    power (the local energy-error order; the global order over a fixed time is order - 1) and
    ``coefficient`` its coefficient; ``q1``/``p1`` are the step's series (coefficients of eps^n)."""

    splitting: str
    max_order: int
    series: tuple
    order: int | None
    coefficient: sp.Expr
    q1: tuple
    p1: tuple


@functools.lru_cache(maxsize=32)
def _local_energy_error(splitting: Splitting, max_order: int) -> SmoothLocalError:
    kicks, drifts = exact_coefficients(splitting)
    zero = [sp.Integer(0)] * (max_order + 1)
    dq, p_series = list(zero), [P] + zero[1:]
    for i, k in enumerate(kicks):
        if k != 0:  # p -= k eps U'(q + dq): shifts the gradient series by one power of eps
            grad = _gradient_at_shift(dq, max_order)
            p_series = [sp.expand(p_series[n] - (k * grad[n - 1] if n else 0)) for n in range(max_order + 1)]
        if i < len(drifts):  # q += d eps p
            dq = [sp.expand(dq[n] + (drifts[i] * p_series[n - 1] if n else 0)) for n in range(max_order + 1)]
    energy = [sp.Integer(0)] * (max_order + 1)
    power = [sp.Integer(1)] + zero[1:]
    for j in range(1, max_order + 1):  # U(q + dq) - U(q)
        power = _times(power, dq, max_order)
        energy = [e + JET[j - 1] * x / sp.factorial(j) for e, x in zip(energy, power)]
    kinetic = _times(p_series, p_series, max_order)
    energy = [sp.expand(e + x / 2) for e, x in zip(energy, kinetic)]
    energy[0] = sp.expand(energy[0] - P**2 / 2)
    order = next((n for n, e in enumerate(energy) if e != 0), None)
    coefficient = energy[order] if order is not None else sp.Integer(0)
    q1 = tuple([Q + dq[0]] + dq[1:])
    return SmoothLocalError(splitting.name, max_order, tuple(energy), order, coefficient, q1, tuple(p_series))


def local_energy_error(splitting, max_order: int = 5) -> SmoothLocalError:
    """The local energy-error series of one step of `splitting` up to eps^max_order (generic U).

    `splitting`: a Splitting, a built-in name or a "k1,d1,..." string. max_order >= 1 and
    <= 10; the order is None when every term up to max_order vanishes (raise max_order)."""
    if isinstance(max_order, bool) or not isinstance(max_order, int) or not 1 <= max_order <= 10:
        raise ValueError(f"max_order must be an integer in 1..10, got {max_order!r}")
    return _local_energy_error(resolve(splitting), max_order)


def energy_error_order(splitting, max_order: int = 7) -> int:
    """n with H(step) - H = C eps^n + O(eps^(n+1)), C != 0 on a generic smooth U."""
    result = local_energy_error(splitting, max_order)
    if result.order is None:
        raise ValueError(f"the energy error of {result.splitting} vanishes to eps^{max_order}")
    return result.order


def jet_to_function(expr: sp.Expr, U=None) -> sp.Expr:
    """Replace the jet U1, U2, ... by the derivatives of U (an expression in the symbol q) or,
    by default, of the undefined function U(q) of theory.smooth (Derivative objects)."""
    if U is None:
        U, (q,), (p,) = generic_potential(1)
    else:
        q, p = Q, P
        U = sp.sympify(U)
    subs = {JET[k - 1]: sp.diff(U, q, k) for k in range(len(JET), 0, -1)}
    return expr.subs(P, p).subs(subs)


def energy_error_leading_coefficient(splitting, U=None) -> tuple[int, sp.Expr]:
    """(n, C(q, p)) with H(step) - H = C eps^n + O(eps^(n+1)); C in terms of U', U'', ... of
    U (an expression in q) or of the undefined U(q) when U is None."""
    n = energy_error_order(splitting)
    return n, sp.expand(jet_to_function(local_energy_error(splitting, max(n, 5)).coefficient, U))


# --------------------------------------------------------------------------------------------
# piecewise-linear U: the exact crossing step


def crossing_step(splitting, sides, q=Q, p=P, eps=EPS, g_minus=G_MINUS, g_plus=G_PLUS, kink=B):
    """Exact (q1, p1, dH) of one step on U = g_-(x - b) (x < b), g_+(x - b) (x >= b) when stage
    position Q_i lies right of the kink exactly for sides[i] True (i = 0..m, Q_0 = q, Q_m = q1).

    Valid on the region of (q, p) where the positions the map produces have those sides; the
    kick at Q_i uses the slope of its side, U(q) and U(q1) the sides of Q_0 and Q_m."""
    kicks, drifts = exact_coefficients(splitting)
    sides = tuple(bool(s) for s in sides)
    if len(sides) != len(kicks):
        raise ValueError(f"{len(kicks)} stage positions need {len(kicks)} sides, got {len(sides)}")
    slope = {False: g_minus, True: g_plus}
    x, v = q, p
    for i, k in enumerate(kicks):
        v = v - k * eps * slope[sides[i]]
        if i < len(drifts):
            x = x + drifts[i] * eps * v
    dH = slope[sides[-1]] * (x - kink) - slope[sides[0]] * (q - kink) + (v**2 - p**2) / 2
    return sp.expand(x), sp.expand(v), sp.expand(dH)


@dataclass(frozen=True)
class ExactStep:
    """One step on a piecewise-linear U from concrete numbers, in exact arithmetic: the stage
    positions Q_0..Q_m, their sides (True: Q_i >= b, slope g_+), the end state and dH."""

    positions: tuple
    sides: tuple
    q1: sp.Expr
    p1: sp.Expr
    energy_error: sp.Expr

    @property
    def crossings(self) -> int:
        """Side changes between consecutive stage positions (each drift's crossings)."""
        return sum(a != b for a, b in zip(self.sides[:-1], self.sides[1:]))


def piecewise_linear_step(splitting, q, p, eps, g_minus, g_plus, kink) -> ExactStep:
    """One step from concrete numbers, exactly (floats are taken as the rationals they are):
    every stage position's side is decided by the exact position, then `crossing_step`."""
    kicks, drifts = exact_coefficients(splitting)
    q, p, eps, g_minus, g_plus, kink = (sp.nsimplify(v, rational=True) if isinstance(v, sp.Basic)
                                        else sp.Rational(v) for v in (q, p, eps, g_minus, g_plus, kink))
    positions, sides, x, v = [], [], q, p
    for i, k in enumerate(kicks):
        positions.append(sp.expand(x))
        sides.append(bool(sp.N(x - kink, 50) >= 0))
        v = v - k * eps * (g_plus if sides[-1] else g_minus)
        if i < len(drifts):
            x = x + drifts[i] * eps * v
    q1, p1, dH = crossing_step(splitting, sides, q, p, eps, g_minus, g_plus, kink)
    return ExactStep(tuple(positions), tuple(sides), q1, p1, dH)


def _phase_pieces(splitting) -> tuple[tuple[sp.Expr, sp.Expr, sp.Expr], ...]:
    """(left, right, c on (left, right)) between consecutive distinct D values, where every
    indicator of c(theta) is constant; c = 0 outside."""
    return _phase_pieces_cached(resolve(splitting))


@functools.lru_cache(maxsize=64)
def _phase_pieces_cached(splitting: Splitting) -> tuple[tuple[sp.Expr, sp.Expr, sp.Expr], ...]:
    kicks, _ = exact_coefficients(splitting)
    D = cumulative_drifts(splitting)
    points = sorted(set(D), key=float)
    pieces = []
    for left, right in zip(points[:-1], points[1:]):
        mid = float((left + right) / 2)
        value = ((1 - THETA) if mid < 1 else 0) + (THETA if mid < 0 else 0) \
            - sum(k for k, d in zip(kicks, D) if mid < float(d))
        pieces.append((left, right, sp.expand(value)))
    return tuple(pieces)


def crossing_phase_function(splitting) -> sp.Expr:
    """c(theta) with dH = eps J |p| c(theta) + O(eps^2) for a step from q = b - theta eps p:
    c = [theta < 1](1 - theta) + [theta < 0] theta - sum_i k_i [theta < D_i] (a Piecewise,
    zero outside min D <= theta <= max D)."""
    pieces = _phase_pieces(splitting)
    return sp.Piecewise((sp.Integer(0), THETA < pieces[0][0]),
                        *[(value, THETA < right) for _, right, value in pieces], (sp.Integer(0), True))


def phase_intervals(splitting) -> list[tuple[sp.Expr, sp.Expr, tuple[bool, ...]]]:
    """(left, right, sides) for each open phase interval between consecutive distinct D values,
    with the stage sides of a left-to-right mover (p > 0) there: Q_i right of b iff D_i > theta."""
    D = cumulative_drifts(splitting)
    return [(left, right, tuple(float(d) > float((left + right) / 2) for d in D))
            for left, right, _ in _phase_pieces(splitting)]


@functools.lru_cache(maxsize=32)
def _phase_moments(splitting: Splitting) -> tuple[sp.Expr, sp.Expr]:
    # c is a polynomial on each piece: integrate piece by piece, exactly (antiderivatives)
    def integral(f, left, right):
        F = sp.Poly(f, THETA).integrate().as_expr()
        return sp.expand(F.subs(THETA, right) - F.subs(THETA, left))

    pieces = _phase_pieces(splitting)
    mean = sum(integral(value, left, right) for left, right, value in pieces)
    second = sum(integral(sp.expand(value**2), left, right) for left, right, value in pieces)
    return _field_canonical(sp.expand(mean)), _field_canonical(sp.expand(second))


def crossing_phase_moments(splitting) -> tuple[sp.Expr, sp.Expr]:
    """(int c dtheta, int c^2 dtheta) over the real line: 0 and K for a palindromic splitting."""
    return _phase_moments(resolve(splitting))


def crossing_phase_constant(splitting) -> sp.Expr:
    """K = int_0^1 (sum_j c(theta + j))^2 dtheta, the variance constant of one kink crossing.

    A trajectory passes the kink once; its consecutive steps start at phases theta, theta + 1,
    theta + 2, ... relative to the kink (theta uniform on [0, 1)), and each step whose stage
    positions straddle the kink adds eps J |p| c(phase). When every cumulative drift D_i lies
    in [0, 1] (leapfrog, position Verlet, the two-stage family) only one step is touched and
    K = int c^2 (leapfrog 1/12; two-stage (2/3)(b^3 + (1/2 - b)^3)); Yoshida's negative drift
    takes stages outside the step, one crossing touches two steps with the same |p|, and
    their errors add before squaring (K = 0.18502..., not int c^2 = 2^(1/3)/12)."""
    return _event_constant(resolve(splitting))


@functools.lru_cache(maxsize=32)
def _event_constant(splitting: Splitting) -> sp.Expr:
    pieces = _phase_pieces(splitting)
    low, high = pieces[0][0], pieces[-1][1]
    shifts = range(int(sp.floor(low)) - 1, int(sp.ceiling(high)) + 1)
    # c is a polynomial between the breakpoints; reduced mod 1 they cut [0, 1] into pieces on
    # which every shifted term is one polynomial
    cuts = sorted({sp.Integer(0), sp.Integer(1)}
                  | {x - sp.floor(x) for left, right, _ in pieces for x in (left, right)}, key=float)
    total = sp.Integer(0)
    for a, b in zip(cuts[:-1], cuts[1:]):
        mid = float((a + b) / 2)
        value = sum((v.subs(THETA, THETA + j) for left, right, v in pieces for j in shifts
                     if float(left) < mid + j < float(right)), sp.Integer(0))
        F = sp.Poly(sp.expand(value**2), THETA).integrate().as_expr()
        total += F.subs(THETA, b) - F.subs(THETA, a)
    return _field_canonical(sp.expand(total))


def kinked_sigma0_expression(splitting) -> sp.Expr:
    """Sigma_0 per kink for `splitting` at eps = l d^(-1/2): T J^2 pi(b) E|p|^3 K (SymPy).

    Leapfrog (K = 1/12) gives theory.kink.kinked_sigma0_expression()."""
    T, pi_b = sp.symbols("T pi_b", positive=True)
    return T * J**2 * pi_b * standard_normal_abs_moment(3) * crossing_phase_constant(splitting)
