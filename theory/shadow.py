"""Shadow (modified) Hamiltonian of leapfrog / velocity Verlet.

Leapfrog Psi_eps = phi^U_{eps/2} o phi^T_eps o phi^U_{eps/2} (T = |p|^2/2, U = U(q)) is the
exact time-eps flow of a modified Hamiltonian  H~ = H + eps^2 S2 + eps^4 S4 + ...  (as a
formal series; Hairer, Lubich, Wanner, *Geometric Numerical Integration*, 2nd ed. 2006,
sec. IX.4, Example IX.4.1 / BCH formula III.4). Two independent derivations here:

* `shadow_term_bch`: the symmetric BCH formula
  log(e^{X/2} e^Y e^{X/2}) = X + Y - [X,[X,Y]]/24 + [Y,[Y,X]]/12 + O(5), with X -> U (the
  outer half kicks), Y -> T (the drift) and Lie brackets -> Poisson brackets
  {F, G} = F_q . G_p - F_p . G_q, gives
      S2 = {T,{T,U}}/12 - {U,{U,T}}/24 = p^T U'' p / 12 - |grad U|^2 / 24.
* `shadow_hamiltonian`: undetermined coefficients. In 1D, S_{2j} is a combination of the
  monomials p^a U^(k1)...U^(km) allowed by dimensional analysis (a + 2m = 2j + 2,
  k1 + ... + km = 2j, a even, all ki >= 1); the coefficients are the unique solution of
  H~(Psi_eps(q,p)) - H~(q,p) = O(eps^(2J+3)) expanded with theory.smooth. This reproduces
  S2 and gives S4.

Sign convention: the leapfrog energy error over a trajectory is
  H(end) - H(start) = -eps^2 [S2(end) - S2(start)] + O(eps^4).
"""
from __future__ import annotations

import functools
import math
import itertools

import sympy as sp

from relu_hmc.theory.smooth import EPS, _coords, compose_with_step, hamiltonian, truncate


def poisson_bracket(F, G, qs, ps) -> sp.Expr:
    """{F, G} = sum_i dF/dq_i dG/dp_i - dF/dp_i dG/dq_i."""
    return sp.expand(sum(sp.diff(F, x) * sp.diff(G, p) - sp.diff(F, p) * sp.diff(G, x) for x, p in zip(qs, ps)))


def shadow_term_bch(U=None, qs=None, ps=None) -> sp.Expr:
    """S2 from the symmetric BCH formula: {T,{T,U}}/12 - {U,{U,T}}/24 (any dimension).

    Equals p^T U''(q) p / 12 - |grad U(q)|^2 / 24 (DESIGN.md, item 1; HLW 2006 sec. IX.4).
    """
    U, qs, ps = _coords(U, qs, ps)
    T = sum(p**2 for p in ps) / 2
    return sp.expand(
        poisson_bracket(T, poisson_bracket(T, U, qs, ps), qs, ps) / 12
        - poisson_bracket(U, poisson_bracket(U, T, qs, ps), qs, ps) / 24
    )


def shadow_term_formula(U=None, qs=None, ps=None) -> sp.Expr:
    """The closed form p^T U'' p / 12 - |grad U|^2 / 24 written directly (to compare with BCH)."""
    U, qs, ps = _coords(U, qs, ps)
    hess = sum(p_i * p_j * sp.diff(U, x_i, x_j) for (x_i, p_i), (x_j, p_j) in itertools.product(zip(qs, ps), repeat=2))
    return sp.expand(hess / 12 - sum(sp.diff(U, x) ** 2 for x in qs) / 24)


def shadow_residual(U, H_tilde: sp.Expr, order: int, qs=None, ps=None) -> sp.Expr:
    """H~(Psi_eps(q, p)) - H~(q, p) truncated at EPS^order (Psi_eps one leapfrog step)."""
    U, qs, ps = _coords(U, qs, ps)
    return truncate(compose_with_step(H_tilde, U, qs, ps, order) - H_tilde, order)


def _ansatz_monomials(U, q, p, j):
    """1D monomials p^a prod U^(k_i) of the eps^(2j) shadow term (dimensional analysis)."""
    monomials = []
    for m in range(1, j + 2):
        a = 2 * j + 2 - 2 * m
        if a < 0 or a % 2:
            continue
        for ks in _partitions(2 * j, m):
            term = p**a
            for k in ks:
                term = term * sp.diff(U, q, k)
            monomials.append(term)
    return monomials


def _partitions(n, m, largest=None):
    """Partitions of n into exactly m positive parts, non-increasing."""
    largest = n if largest is None else largest
    if m == 0:
        return [()] if n == 0 else []
    out = []
    for first in range(min(n - (m - 1), largest), 0, -1):
        for rest in _partitions(n - first, m - 1, first):
            out.append((first,) + rest)
    return out


def _jet_symbols(expr, U, q, max_derivative=12):
    """Replace Derivative(U, (q, k)) by symbols u_k so that coefficients can be matched."""
    subs = {sp.diff(U, q, k): sp.Symbol(f"u{k}") for k in range(max_derivative, 0, -1)}
    return expr.subs(subs), list(subs.values())


def shadow_hamiltonian(U=None, order: int = 4) -> sp.Expr:
    """1D shadow Hamiltonian H + eps^2 S2 + ... + eps^order S_order by undetermined coefficients.

    ``order`` is 2 or 4 (even). For U=None the result is in terms of U', U'', ... of the
    generic U(q); for a concrete U the generic result is specialised. Uniqueness: the ansatz
    space is fixed by dimensional analysis, and the linear system is solved exactly.
    Result for order 4 (tested): S2 = p^2 U''/12 - U'^2/24 and
    S4 = -p^4 U''''/720 + p^2 U' U'''/120 + p^2 U''^2/60 - U'^2 U''/480... (see
    `shadow_terms_generic`; the test freezes the derived values).
    """
    if order not in (2, 4):
        raise ValueError(f"shadow Hamiltonian order must be 2 or 4, got {order!r}")
    terms = shadow_terms_generic(order)
    Ugen, (q,), (p,) = _coords(None, None, None)
    H = hamiltonian(Ugen, (q,), (p,)) + sum(EPS**power * s for power, s in terms.items())
    if U is None:
        return H
    U, qs, ps = _coords(U, None, None)
    return _specialise(H, Ugen, U, q)


def _specialise(expr, Ugen, U, q):
    """Replace the generic U(q) and its derivatives by a concrete U (highest derivatives first)."""
    subs = [(sp.diff(Ugen, q, k), sp.diff(U, q, k)) for k in range(12, 0, -1)] + [(Ugen, U)]
    return expr.subs(subs)


#: Highest derivative of U tracked in the jet computation (enough for the eps^6 residual).
_JET_DEPTH = 10


@functools.lru_cache(maxsize=4)
def shadow_terms_generic(order: int = 4) -> dict[int, sp.Expr]:
    """{2: S2, 4: S4, ...} for the generic 1D U(q), solved from the conservation condition.

    Computation in the polynomial ring QQ[eps, p, P, u0..u10, c...] where u_k stands for
    U^(k)(q) at the start point and d/dq acts as the derivation D u_k = u_(k+1); the
    leapfrog step and the Taylor shift F(q + delta) = sum_n delta^n D^n F / n! are exact
    polynomial operations, truncated in eps (same maths as theory.smooth, faster).
    """
    from sympy.polys.domains import QQ
    from sympy.polys.rings import ring

    n_res = order + 2
    monomial_lists = {}
    Ugen, (q,), (p_sym,) = _coords(None, None, None)
    for j in range(1, order // 2 + 1):
        monomial_lists[j] = _ansatz_monomials(Ugen, q, p_sym, j)
    c_names = [f"c{j}_{i}" for j, ms in monomial_lists.items() for i in range(len(ms))]
    u_names = [f"u{k}" for k in range(_JET_DEPTH + 1)]
    R, *gens = ring(["eps", "p", "P"] + u_names + c_names, QQ)
    eps, p, P = gens[:3]
    us = gens[3 : 4 + _JET_DEPTH]
    cs = gens[4 + _JET_DEPTH :]

    def trunc(F, n):
        return R.from_dict({m: c for m, c in F.terms() if m[0] <= n}) if F else F

    def D(F):
        return sum((us[k + 1] * F.diff(us[k]) for k in range(_JET_DEPTH)), R.zero)

    def shift(F, delta, n):
        total, term, power = F, F, R.one
        for j in range(1, n + 1):
            term = D(term)
            power = trunc(power * delta, n)
            total = total + power * term * QQ(1, math.factorial(j))
        return trunc(total, n)

    to_symbols = {sp.diff(Ugen, q, k): sp.Symbol(f"u{k}") for k in range(_JET_DEPTH, 0, -1)}
    to_symbols[Ugen] = sp.Symbol("u0")
    to_symbols[p_sym] = sp.Symbol("P")

    def ring_of(expr):
        return R.from_expr(sp.expand(expr.xreplace(to_symbols)))

    # H~ written in the placeholder momentum P so that P -> p1 after the q-shift.
    H_tilde = P**2 * QQ(1, 2) + us[0]
    index = 0
    for j, ms in monomial_lists.items():
        for m in ms:
            H_tilde = H_tilde + eps ** (2 * j) * cs[index] * ring_of(m)
            index += 1
    p_half = p - eps * us[1] * QQ(1, 2)
    delta = eps * p_half
    p1 = trunc(p_half - eps * QQ(1, 2) * shift(us[1], delta, n_res - 1), n_res)
    after = trunc(shift(H_tilde, delta, n_res).compose(P, p1), n_res)
    residual = trunc(after - H_tilde.compose(P, p), n_res)

    # residual is linear in the c's: one equation per monomial in (eps, p, u).
    n_c = len(cs)
    equations = {}
    c_syms = sp.symbols(c_names)
    for monom, coeff in residual.terms():
        key, c_part = monom[: -n_c] if n_c else monom, monom[len(monom) - n_c :]
        term = sp.Rational(coeff.numerator, coeff.denominator)
        for sym, e in zip(c_syms, c_part):
            term *= sym**e
        equations[key] = equations.get(key, 0) + term
    solution = sp.solve(list(equations.values()), c_syms, dict=True)
    if len(solution) != 1 or set(solution[0]) != set(c_syms):
        raise RuntimeError("shadow Hamiltonian ansatz has no unique solution")  # a derivation bug
    solved = solution[0]
    terms = {}
    index = 0
    for j, ms in monomial_lists.items():
        total = sp.Integer(0)
        for m in ms:
            total += solved[c_syms[index]] * m
            index += 1
        terms[2 * j] = sp.expand(total)
    return terms
