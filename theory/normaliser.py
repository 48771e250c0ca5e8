"""The normalising constant Z = int exp(-U) of a validated 1D potential U(q), by mpmath quadrature.

* `window_and_shift(U, points)`: an exact shift (U at a grid minimiser, so U - shift is formed
  exactly even for U = q**2 + 1e308) and the window outside which U - shift > WINDOW_LEVEL.
* `log_normaliser(U, points)`: log Z and log int exp(-(U - shift)), by tanh-sinh quadrature
  (mpmath.quad, 30 digits) split at U's singular points inside the window, plus the tails
  when the window search gives up (heavy tails; their integrability is established by
  `theory.classify` before this is called).

U must already be validated (real and finite on R, exp(-U) integrable): `theory.classify`.
"""
from __future__ import annotations

import math

import mpmath
import sympy as sp

from relu_hmc.theory.errors import PotentialError, one_line
from relu_hmc.theory.parse import Q

#: Level of U - min U beyond which exp(-(U - min U)) < 4e-44 is neglected in quadratures.
WINDOW_LEVEL = 100
#: Largest half-width searched for the window (wider targets are refused by sigma0_smooth).
MAX_WINDOW = 2.0**20


def _refuse(message: str) -> PotentialError:
    return PotentialError(one_line(message))


def _float_or_inf(f, x) -> float:
    try:
        value = float(f(x))
    except (OverflowError, ValueError, ZeroDivisionError):
        return math.inf
    return value if math.isfinite(value) else math.inf


def window_and_shift(U: sp.Expr, points):
    """(shift, window): shift = U at the best grid point (exact SymPy number), window = (lo, hi)
    with U - shift > WINDOW_LEVEL at both ends and on the grid outside, or None (heavy tails).
    Values are compared after the exact subtraction of the shift (so U = q**2 + 1e308 works)."""
    f = sp.lambdify(Q, U, modules="math")
    point_values = [float(sp.N(b)) for b in points]
    half, centre = 8.0, 0.0
    while True:
        grid = [centre + k * half / 400 for k in range(-400, 401)] + point_values
        values = [_float_or_inf(f, x) for x in grid]
        shift = sp.Integer(0)
        for _ in range(2):  # second pass: minimise again after an exact first centring
            x_best = grid[min(range(len(grid)), key=values.__getitem__)]
            shift = shift + sp.nsimplify((U - shift).subs(Q, sp.Rational(x_best)), rational=True)
            if not shift.is_finite:
                raise _refuse(f"U = {U} is not finite at q = {x_best}")
            fc = sp.lambdify(Q, U - shift, modules="math")
            values = [_float_or_inf(fc, x) for x in grid]
        centered = values[:801]
        if centered[0] > WINDOW_LEVEL and centered[800] > WINDOW_LEVEL:
            inside = [x for x, v in zip(grid, centered) if v <= WINDOW_LEVEL]
            if inside:
                step = 2 * half / 800
                return shift, (min(inside) - step, max(inside) + step)
            if centre != x_best:
                # the mass sits at a kink outside the regular grid (e.g. the median of many
                # kinks far from 0): centre the grid on the best point and look again
                centre = x_best
                continue
        if half >= MAX_WINDOW:
            return shift, None
        half *= 4


def log_normaliser(U: sp.Expr, points):
    """(log Z, log Z_centered, shift, window) with Z = int exp(-U) by mpmath quadrature."""
    shift, window = window_and_shift(U, points)
    centered = U - shift
    f_mp = sp.lambdify(Q, centered, modules="mpmath")
    f_fl = sp.lambdify(Q, centered, modules="math")

    def integrand(x):
        if _float_or_inf(f_fl, float(x)) > 1000:  # exp(-1000): negligible; avoids huge exponents
            return mpmath.mpf(0)
        return mpmath.exp(-f_mp(x))

    lo, hi = window if window is not None else (-MAX_WINDOW, MAX_WINDOW)
    breaks = sorted({float(sp.N(b)) for b in points if lo < float(sp.N(b)) < hi} | {lo, hi})
    with mpmath.workdps(30):
        Z = mpmath.quad(integrand, breaks)
        if window is None:  # heavy tails: add them (the symbolic test established integrability)
            Z += mpmath.quad(integrand, [-mpmath.inf, lo]) + mpmath.quad(integrand, [hi, mpmath.inf])
    if not (mpmath.isfinite(Z) and Z > 0):
        raise _refuse(f"normalising constant of exp(-U) is not finite and positive for U = {U}")
    log_zc = float(mpmath.log(Z))
    log_z = log_zc - float(sp.N(shift, 30))
    if not math.isfinite(log_z):
        raise _refuse(f"normalising constant of exp(-U) overflows for U = {U}")
    return log_z, log_zc, shift, window
