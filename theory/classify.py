"""Analysis of a 1D potential U(q): validity, singular points, regularity, stationary density.

* `validate_potential(U)`: U real and finite on all of R, exp(-U) normalisable.
* `singular_points(U)`: the points where U is not analytic as written (zeros of the
  arguments of Abs, Max/Min, Heaviside, Piecewise conditions and of bases of fractional
  powers), each classified from one-sided limits:
    - kink:   U continuous, U'(b-) != U'(b+) finite; jump J = U'(b+) - U'(b-);
    - holder: U' continuous, U(b +- h) - U(b) - U'(b)(+-h) ~ c_{+-} h^alpha, 1 < alpha < 2
              (alpha = lim h R'(h) / R(h));
    - curvature jump: alpha >= 2 but U''(b-) != U''(b+) (C^1 with a jump in U'');
    - smooth: nothing of the above (e.g. |q|^3 is C^2 with Lipschitz U'').
  Refused: U discontinuous at b, U' unbounded at b (alpha < 1), infinitely many candidates.
* `PotentialAnalysis.density(b)`: pi(b) = exp(-U(b)) / Z with Z = int exp(-U) by mpmath
  (`theory.normaliser`).

Each branch of every Piecewise is selected on each side of b by exact evaluation of its
condition just beside b, so one-sided limits are limits of analytic expressions.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import mpmath
import sympy as sp
from sympy.calculus.util import continuous_domain

from relu_hmc.theory.errors import PotentialError, one_line
from relu_hmc.theory.normaliser import log_normaliser
from relu_hmc.theory.parse import Q

_H = sp.Symbol("h", positive=True)


def _refuse(message: str) -> PotentialError:
    return PotentialError(one_line(message))


@dataclass(frozen=True)
class SingularPoint:
    """One classified non-analytic point b of U (see module docstring)."""

    location: sp.Expr
    kind: str  # "kink" | "holder" | "curvature_jump" | "smooth"
    jump: sp.Expr = sp.Integer(0)  # U'(b+) - U'(b-)
    alpha: sp.Expr | None = None  # Hoelder exponent (holder points)
    c_minus: sp.Expr = sp.Integer(0)  # U(b - h) - U(b) + U'(b) h ~ c_minus h^alpha
    c_plus: sp.Expr = sp.Integer(0)  # U(b + h) - U(b) - U'(b) h ~ c_plus h^alpha


@dataclass(frozen=True)
class PotentialAnalysis:
    """Result of `analyse_potential`: the validated U, its classified points, and its normaliser.

    ``shift`` is an exact SymPy number (U at an approximate minimiser) so that
    ``centered = U - shift`` is formed exactly; ``log_normaliser_centered`` = log int exp(-centered),
    ``log_normaliser`` = log Z = log int exp(-U) = log_normaliser_centered - shift;
    ``window`` = (lo, hi): outside it U - shift > ``theory.normaliser.WINDOW_LEVEL`` (None if the
    tails are too heavy).
    """

    U: sp.Expr
    points: tuple = field(default_factory=tuple)
    log_normaliser: float = 0.0
    log_normaliser_centered: float = 0.0
    shift: sp.Expr = sp.Integer(0)
    window: tuple | None = None

    @property
    def kinks(self):
        return tuple(pt for pt in self.points if pt.kind == "kink")

    @property
    def holder_points(self):
        return tuple(pt for pt in self.points if pt.kind == "holder")

    @property
    def curvature_jumps(self):
        return tuple(pt for pt in self.points if pt.kind == "curvature_jump")

    @property
    def centered(self) -> sp.Expr:
        return self.U - self.shift

    def density(self, b) -> float:
        """pi(b) = exp(-U(b)) / Z, computed as exp(-(U(b) - shift) - log int exp(-(U - shift)))."""
        value = float(sp.N(self.centered.subs(Q, b), 30))
        return math.exp(-value - self.log_normaliser_centered)


@functools.lru_cache(maxsize=64)
def _as_piecewise(U: sp.Expr) -> sp.Expr:
    """U with Abs, Max, Min, Heaviside, ... rewritten as Piecewise (memoised: every point and
    every check of one potential reuses it)."""
    return U.rewrite(sp.Piecewise)


def _zeros(f: sp.Expr) -> list:
    f = sp.simplify(f)
    if Q not in f.free_symbols:
        return []
    try:
        sol = sp.solveset(f, Q, domain=sp.S.Reals)
    except Exception:  # noqa: BLE001 - sympy raises many types; refuse below
        raise _refuse(f"cannot locate the real zeros of {f} (a breakpoint of U)") from None
    if isinstance(sol, sp.FiniteSet):
        return list(sol)
    if sol is sp.S.EmptySet:
        return []
    raise _refuse(f"breakpoints of U are not a finite set ({sol}); not supported")


def candidate_points(U: sp.Expr) -> list:
    """Sorted real points where U may fail to be analytic (see module docstring)."""
    pw = _as_piecewise(U)
    found = []
    for rel in pw.atoms(sp.core.relational.Relational):
        found += _zeros(rel.lhs - rel.rhs)
    for power in pw.atoms(sp.Pow):
        base, exponent = power.as_base_exp()
        if exponent.is_number and not exponent.is_integer:
            found += _zeros(base)
    unique = []
    for b in found:
        if not any(sp.simplify(b - c) == 0 for c in unique):
            unique.append(b)
    return sorted(unique, key=lambda b: float(sp.N(b)))


def _select_branches(expr: sp.Expr, at: sp.Expr) -> sp.Expr:
    """Replace every Piecewise by its branch active at the numeric point q = at."""

    def pick(pw):
        for value, cond in pw.args:
            truth = cond.subs(Q, at) if cond not in (sp.true, sp.false) else cond
            if truth == sp.true or bool(truth) is True:
                return value
        raise _refuse(f"Piecewise {pw} is undefined at q = {at}")

    previous = None
    while previous != expr:
        previous = expr
        expr = expr.replace(lambda e: isinstance(e, sp.Piecewise), pick)
    return expr


def _side_expression(U: sp.Expr, b, side: int, gap) -> sp.Expr:
    """The analytic expression of U on the side `side` (+1 / -1) just beside b."""
    probe = b + side * gap
    return _select_branches(_as_piecewise(U), probe)


def _limit(expr, point=0):
    value = sp.limit(expr, _H, point, "+")
    return sp.simplify(value)


def _classify_point(U: sp.Expr, b, gap) -> SingularPoint:
    sides = {}
    for side in (+1, -1):
        branch = _side_expression(U, b, side, gap)
        along = branch.subs(Q, b + side * _H)  # U(b + side h), h > 0
        value = _limit(along)
        slope = _limit(side * sp.diff(along, _H))  # U'(b +- 0)
        sides[side] = (along, value, slope)
    u_minus, u_plus = sides[-1][1], sides[+1][1]
    if not (u_minus.is_finite and u_plus.is_finite):
        raise _refuse(f"U is unbounded at q = {b}")
    if sp.simplify(u_plus - u_minus) != 0:
        raise _refuse(f"U is discontinuous at q = {b} (jump {sp.simplify(u_plus - u_minus)}); not supported")
    g_minus, g_plus = sides[-1][2], sides[+1][2]
    if not (g_minus.is_finite and g_plus.is_finite):
        raise _refuse(f"U' is unbounded at q = {b} (Hoelder exponent below 1 is not supported)")
    jump = sp.simplify(g_plus - g_minus)
    if jump != 0:
        return SingularPoint(location=b, kind="kink", jump=jump)
    alphas, coeffs = {}, {}
    for side in (+1, -1):
        along, value, slope = sides[side]
        remainder = sp.simplify(along - value - slope * side * _H)  # = c h^alpha + ...
        if remainder == 0:
            continue
        alpha = _limit(_H * sp.diff(remainder, _H) / remainder)
        if not alpha.is_number or not alpha.is_finite:
            continue
        alphas[side] = alpha
        coeffs[side] = _limit(remainder / _H**alpha)
    if alphas:
        alpha = min(alphas.values(), key=lambda a: float(a))
        if alpha < 2:
            if alpha <= 1:
                raise _refuse(f"U' is not Hoelder continuous of positive order at q = {b}")
            return SingularPoint(
                location=b,
                kind="holder",
                alpha=alpha,
                c_minus=coeffs[-1] if alphas.get(-1) == alpha else sp.Integer(0),
                c_plus=coeffs[+1] if alphas.get(+1) == alpha else sp.Integer(0),
            )
    curv = [_limit(sp.diff(sides[s][0], _H, 2)) for s in (+1, -1)]
    if all(c.is_finite for c in curv) and sp.simplify(curv[0] - curv[1]) != 0:
        return SingularPoint(location=b, kind="curvature_jump", jump=sp.simplify(curv[0] - curv[1]))
    return SingularPoint(location=b, kind="smooth")


def _probe_gap(points) -> sp.Expr:
    floats = [float(sp.N(b)) for b in points]
    gaps = [b - a for a, b in zip(floats, floats[1:]) if b > a]
    smallest = min(gaps) if gaps else 1.0
    return sp.Rational(1, 10**6) * sp.nsimplify(min(smallest, 1.0), rational=True)


def _intervals(points):
    """The open intervals between consecutive candidate points (and the two tails), each with
    an exact probe point inside it."""
    edges = [-sp.oo, *points, sp.oo]
    out = []
    for a, b in zip(edges, edges[1:]):
        if a is -sp.oo and b is sp.oo:
            probe = sp.Integer(0)
        elif a is -sp.oo:
            probe = b - 1
        elif b is sp.oo:
            probe = a + 1
        else:
            probe = (a + b) / 2
        out.append((sp.Interval.open(a, b), probe))
    return out


def _check_finite_real(U: sp.Expr, points) -> None:
    """U is real and finite on R: on each interval between candidate points, where every
    Piecewise condition keeps its truth value, the active analytic branch must be continuous
    (SymPy's continuous_domain); then U is evaluated on a grid and at the points themselves.

    Interval by interval instead of `piecewise_fold` of the whole U: folding a sum of n Abs
    terms builds 2^n branches; the n + 1 intervals give the same regions in linear time. This
    needs every condition to keep its truth value between candidate points, which holds when
    each condition compares polynomials in q (their sign changes only at their real zeros, all
    among the candidates): Abs, Max, Min, Heaviside and polynomial Piecewise conditions. Any
    other condition (e.g. 1/q > 0, which flips at a pole) goes through the folded regions."""
    pw = _as_piecewise(U)
    relations = pw.atoms(sp.core.relational.Relational)
    if all((r.lhs - r.rhs).is_polynomial(Q) for r in relations):
        _check_branches_between(U, pw, points)
    else:
        _check_finite_real_folded(U, pw)
    _check_finite_real_numerically(U, points)


def _check_branches_between(U: sp.Expr, pw: sp.Expr, points) -> None:
    """On each open interval between candidate points the active branch is continuous."""
    has_piecewise = pw.has(sp.Piecewise)
    for region, probe in _intervals(points):
        _check_continuous_on(U, _select_branches(pw, probe) if has_piecewise else pw, region, region)


def _check_finite_real_folded(U: sp.Expr, pw: sp.Expr) -> None:
    """The region-by-region check on the folded Piecewise (exponential in the number of Abs
    terms; used only for non-polynomial Piecewise conditions)."""
    folded = sp.piecewise_fold(pw)
    branches = folded.args if isinstance(folded, sp.Piecewise) else [(folded, sp.true)]
    remaining = sp.S.Reals
    for value, cond in branches:
        region = remaining if cond is sp.true else remaining.intersect(cond.as_set())
        remaining = remaining - region
        if region is not sp.S.EmptySet:
            _check_continuous_on(U, value, region, sp.S.Reals)


def _check_continuous_on(U: sp.Expr, value: sp.Expr, region: sp.Set, over: sp.Set) -> None:
    """Refuse U if the analytic expression `value` (U on `region`) is not continuous there."""
    try:
        domain = continuous_domain(value, Q, over)
    except (NotImplementedError, ValueError, TypeError):
        return  # checked numerically (_check_finite_real_numerically)
    bad = region - domain
    if bad is sp.S.EmptySet:
        return
    if isinstance(bad, sp.FiniteSet):
        raise _refuse(f"U = {U} is not finite at q in {bad}")
    raise _refuse(f"U = {U} is not real and finite on all of R (fails on {bad})")


def _check_finite_real_numerically(U: sp.Expr, points) -> None:
    """U evaluates to a finite real number on a grid over [-10, 10] and at the points."""
    f = sp.lambdify(Q, U, modules="mpmath")
    for x in [sp.Rational(k, 7) for k in range(-70, 71)] + list(points):
        try:
            y = f(mpmath.mpf(sp.N(x, 30)))
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):
            raise _refuse(f"U = {U} cannot be evaluated at q = {x}") from None
        if isinstance(y, mpmath.mpc) and abs(y.imag) > 0:
            raise _refuse(f"U = {U} is complex at q = {x}")
        if not mpmath.isfinite(y):
            raise _refuse(f"U = {U} is not finite at q = {x}")


def _tail(U: sp.Expr, points, sign: int) -> sp.Expr:
    reach = max([abs(float(sp.N(b))) for b in points] + [0.0]) + 1
    return _select_branches(_as_piecewise(U), sign * sp.nsimplify(reach, rational=True) * 10)


def _check_normalisable(U: sp.Expr, points) -> None:
    for sign, name in ((+1, "+oo"), (-1, "-oo")):
        tail = _tail(U, points, sign)
        try:
            decay = sp.limit(sp.Abs(Q) ** sp.Rational(3, 2) * sp.exp(-tail), Q, sign * sp.oo)
        except Exception:  # noqa: BLE001
            decay = None
        if decay == 0:
            continue
        try:
            slow = sp.limit(sp.Abs(Q) * sp.exp(-tail), Q, sign * sp.oo)
        except Exception:  # noqa: BLE001
            slow = None
        if slow is not None and (slow == sp.oo or (slow.is_positive is True)):
            raise _refuse(f"exp(-U) is not integrable: U = {U} does not grow fast enough as q -> {name}")
        raise _refuse(f"could not establish that exp(-U) is integrable as q -> {name} for U = {U}")


@functools.lru_cache(maxsize=128)
def analyse_potential(U: sp.Expr) -> PotentialAnalysis:
    """Validate U (real, finite, normalisable) and classify its non-analytic points."""
    U = sp.sympify(U)
    if Q not in U.free_symbols:
        raise _refuse(f"potential {U} does not depend on the variable q")
    extra = U.free_symbols - {Q}
    if extra:
        raise _refuse(f"potential has symbols besides q: {sorted(map(str, extra))}")
    candidates = candidate_points(U)
    _check_finite_real(U, candidates)
    _check_normalisable(U, candidates)
    gap = _probe_gap(candidates)
    points = tuple(_classify_point(U, b, gap) for b in candidates)
    log_z, log_zc, shift, window = log_normaliser(U, candidates)
    return PotentialAnalysis(U=U, points=points, log_normaliser=log_z, log_normaliser_centered=log_zc,
                             shift=shift, window=window)


def validate_potential(U: sp.Expr) -> sp.Expr:
    """Return U if it is a real finite function of q on R with integrable exp(-U); else raise."""
    analyse_potential(sp.sympify(U))
    return U
