"""Whitelist parser for potentials U(q) typed by users (``relu-hmc derive EXPR``).

The text is parsed with Python's ``ast`` module in ``'eval'`` mode *only as a parser*: the
resulting tree is walked node by node and rebuilt as a SymPy expression from a fixed table of
names. Nothing of the user text is ever evaluated by Python (no ``eval``, no ``sympify`` of
the raw string), so ``__import__("os")``, attribute access, lambdas, strings, subscripts,
keyword arguments and unknown names are refused with a one-line `PotentialError`.

Accepted grammar::

    expr  := number | q | pi | E | oo? (no) | expr op expr | -expr | +expr | call
    op    := + - * / **            (and < <= > >= inside Piecewise conditions only)
    call  := NAME(expr, ...)       NAME in FUNCTIONS
    Piecewise((expr, cond), ..., (expr, True))

The result is a SymPy expression in the real symbol `Q` (printed ``q``).
"""
from __future__ import annotations

import ast
import functools

import sympy as sp

from relu_hmc.theory.errors import PotentialError, one_line

#: The position variable. Real, so that Abs/sign simplify as on the real line.
Q = sp.Symbol("q", real=True)

#: Maximum length of a potential expression (bounds parse time; one line of a CLI argument).
MAX_EXPRESSION_LENGTH = 2000

#: Whitelisted callables: name in the user text -> SymPy constructor.
FUNCTIONS = {
    "Abs": sp.Abs,
    "abs": sp.Abs,
    "Max": sp.Max,
    "Min": sp.Min,
    "Heaviside": sp.Heaviside,
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "cosh": sp.cosh,
    "sinh": sp.sinh,
    "tanh": sp.tanh,
    "cos": sp.cos,
    "sin": sp.sin,
    "Rational": sp.Rational,
    "Piecewise": sp.Piecewise,
}

#: Whitelisted constants.
CONSTANTS = {"pi": sp.pi, "E": sp.E, "q": Q}

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_COMPARE = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge}

#: Bound on |exponent| and on integer literals, so that e.g. 9**9**9 cannot exhaust memory.
_MAX_LITERAL = 10**6


def _refuse(message: str) -> PotentialError:
    return PotentialError(one_line(message))


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return "attribute access"
    if isinstance(node, ast.Lambda):
        return "lambda"
    if isinstance(node, ast.Subscript):
        return "subscript"
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return "string literal"
    if isinstance(node, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.SetComp)):
        return "container/comprehension"
    return type(node).__name__


class _Builder:
    """Rebuild a whitelisted ``ast`` tree as a SymPy expression (never evaluates user code)."""

    def build(self, node: ast.AST, in_condition: bool = False):
        if isinstance(node, ast.Expression):
            return self.build(node.body)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                if in_condition:
                    return sp.true if value else sp.false
                raise _refuse("boolean literal outside a Piecewise condition")
            if isinstance(value, int):
                if abs(value) > _MAX_LITERAL:
                    raise _refuse(f"integer literal {value} too large (limit {_MAX_LITERAL})")
                return sp.Integer(value)
            if isinstance(value, float):
                if value != value or value in (float("inf"), float("-inf")):
                    raise _refuse("non-finite number")
                return sp.nsimplify(value, rational=True)
            if isinstance(value, complex):
                raise _refuse("complex number literal (the potential must be real)")
            raise _refuse(f"{_describe(node)} is not allowed in a potential")
        if isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            if node.id in FUNCTIONS:
                raise _refuse(f"function name {node.id!r} used without arguments")
            raise _refuse(f"unknown name {node.id!r} (allowed: q, pi, E and {', '.join(sorted(FUNCTIONS))})")
        if isinstance(node, ast.BinOp):
            op = _BINARY.get(type(node.op))
            if op is None:
                raise _refuse(f"operator {type(node.op).__name__} is not allowed (use + - * / **)")
            left = self.build(node.left)
            right = self.build(node.right)
            if isinstance(node.op, ast.Pow) and right.is_number:
                if abs(sp.N(right)) > 1000:
                    raise _refuse("exponent larger than 1000 in absolute value")
                if left.is_number and abs(sp.N(right)) * float(sp.log(abs(sp.N(left)) + 2, 10)) > 10000:
                    raise _refuse("numeric power with more than 10000 digits")
            return op(left, right)
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand, in_condition)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
            raise _refuse(f"unary operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.Compare):
            if not in_condition:
                raise _refuse("comparison outside a Piecewise condition")
            if len(node.ops) != 1:
                raise _refuse("chained comparison; write one comparison per Piecewise branch")
            op = _COMPARE.get(type(node.ops[0]))
            if op is None:
                raise _refuse(f"comparison {type(node.ops[0]).__name__} is not allowed (use < <= > >=)")
            return op(self.build(node.left), self.build(node.comparators[0]))
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Tuple):
            raise _refuse("tuple outside Piecewise((expr, condition), ...)")
        raise _refuse(f"{_describe(node)} is not allowed in a potential")

    def _call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name):
            raise _refuse(f"call of {_describe(node.func)} is not allowed; only whitelisted function names")
        name = node.func.id
        if name not in FUNCTIONS:
            raise _refuse(f"unknown function {name!r} (allowed: {', '.join(sorted(FUNCTIONS))})")
        if node.keywords:
            raise _refuse(f"keyword arguments in {name}(...) are not allowed")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise _refuse(f"starred arguments in {name}(...) are not allowed")
        if name == "Piecewise":
            return self._piecewise(node)
        args = [self.build(a) for a in node.args]
        if name == "Rational":
            if len(args) != 2 or not all(a.is_Integer for a in args):
                raise _refuse("Rational takes two integer literals, e.g. Rational(3, 2)")
            if args[1] == 0:
                raise _refuse("Rational with zero denominator")
            return sp.Rational(args[0], args[1])
        if name in ("Max", "Min"):
            if len(args) < 2:
                raise _refuse(f"{name} needs at least two arguments")
        elif len(args) != 1:
            raise _refuse(f"{name} takes exactly one argument, got {len(args)}")
        if name == "Heaviside":
            # H(0) = 1/2; the value at a single point does not change the dynamics.
            return sp.Heaviside(args[0], sp.Rational(1, 2))
        return FUNCTIONS[name](*args)

    def _piecewise(self, node: ast.Call):
        if not node.args:
            raise _refuse("Piecewise needs at least one (expr, condition) pair")
        pairs = []
        for arg in node.args:
            if not (isinstance(arg, ast.Tuple) and len(arg.elts) == 2):
                raise _refuse("Piecewise arguments must be (expr, condition) pairs")
            value = self.build(arg.elts[0])
            cond = self.build(arg.elts[1], in_condition=True)
            pairs.append((value, cond))
        if pairs[-1][1] is not sp.true:
            raise _refuse("the last Piecewise branch must have condition True (U must be defined on all of R)")
        return sp.Piecewise(*pairs)


@functools.lru_cache(maxsize=256)
def parse_potential(text: str) -> sp.Expr:
    """Parse a potential U(q) from a whitelist of SymPy syntax; never evaluates user text.

    Returns a SymPy expression in the real symbol ``q`` (`theory.parse.Q`). Allowed: numbers,
    ``q``, ``pi``, ``E``, ``+ - * / **``, and calls of Abs, Max, Min, Piecewise, Heaviside,
    exp, log, sqrt, cosh, sinh, tanh, cos, sin, Rational (comparisons only inside Piecewise
    conditions). Refused with a one-line `PotentialError`: anything else (``__import__``,
    attributes, lambdas, strings, subscripts, unknown names), expressions without ``q``,
    and expressions that are complex or non-finite as written (e.g. ``zoo``).

    Checks that need analysis (finite and real on all of R, normalisable exp(-U)) are made by
    `theory.derive.validate_potential`, which `derive_scaling_law` calls.
    """
    if not isinstance(text, str):
        raise _refuse(f"potential must be a string, got {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        raise _refuse("empty potential expression")
    if len(stripped) > MAX_EXPRESSION_LENGTH:
        raise _refuse(f"potential expression longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        raise _refuse(f"cannot parse potential {stripped!r}: {exc.msg}") from None
    try:
        expr = sp.sympify(_Builder().build(tree))
    except PotentialError:
        raise
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, RecursionError) as exc:
        raise _refuse(f"invalid potential {stripped!r}: {exc}") from None
    if not isinstance(expr, sp.Expr):
        raise _refuse(f"potential {stripped!r} is not an expression in q")
    if Q not in expr.free_symbols:
        raise _refuse(f"potential {stripped!r} does not depend on the variable q")
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan, sp.I):
        raise _refuse(f"potential {stripped!r} is complex or non-finite as written")
    return expr
