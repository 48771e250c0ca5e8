"""The claim API: a theory prediction, measurement tasks, and a comparison with a derived tolerance.

A `Claim` joins one prediction of ``theory/`` to measurements made with ``numerics/``:

- ``id``: short stable identifier, ``"<family>/<what>"`` by convention (e.g.
  ``"local-order/smooth-energy"``); used on the command line and in reports.
- ``statement``: one line saying what is claimed, in words a reader of the paper knows.
- ``source``: where it comes from (paper, section, equation; or "derived here: theory.x").
- ``family``: the kind of check ("local-order", "crossing-step", "shadow", "gaussian-dh",
  "acceptance-limit", "step-size-exponent", "optimal-acceptance", "cross-check", ...);
  negative controls are organised by family.
- ``prediction``: a `Task` calling a theory adapter ``"module:function"`` with JSON-able
  kwargs and no seed; it returns a JSON-able dict (numbers, strings, lists).
- ``measurements(budget) -> list[Task]``: independent units of numerical work, each an
  importable ``"module:function"`` plus JSON-able kwargs and a unique ``label``. The suite
  gives each task a seed derived from the run seed and the task's own config
  (`derive_seed`), so identical tasks of different claims are computed once, and caches it
  under sha256(config + code version) (relu_hmc.cache). Budgets: ``"quick"`` (the whole
  suite in under 3 minutes on 2 cores) and ``"full"`` (under 60 minutes).
  A measurement function is called as ``fn(**kwargs, seed=seed)`` and returns a JSON-able
  dict; it must report every estimate with its standard error.
- ``compare(prediction, measurements) -> Verdict``: ``measurements`` maps task label to
  that task's result dict. The tolerance is derived from the measurement's standard error,
  ``tolerance = z * se + bias`` with ``z`` stated (default `Z`) and ``bias`` a deterministic
  term with a written justification (a known O(eps) bias bound, a finite-d correction
  estimated from the data, ...), never a number chosen so that the check passes. The
  verdict's ``detail`` says how the tolerance was derived; the report prints it.
- ``plot(ax, prediction, measurements)`` (optional): draws the claim's figure on a
  matplotlib Axes (log-log error plot, acceptance against d, a(l) with the theory line...).

Registering: a module in ``relu_hmc/claims/`` calls `register(Claim(...))` at import time;
`relu_hmc.claims.all_claims()` imports every module of the package (pkgutil), so a new
claim module needs no edit to a shared list.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

#: What a registered check is: a falsifiable claim, or an observation that cannot fail.
KINDS: tuple[str, ...] = ("claim", "observation")

#: Budgets a claim must support.
BUDGETS: tuple[str, ...] = ("quick", "full")

#: Default number of standard errors in a tolerance. The suite makes a few dozen
#: comparisons; with z = 4 a correct claim whose estimate is close to normal fails with
#: two-sided probability 6.3e-5, so a run of 50 correct claims fails spuriously with
#: probability ~ 0.3%. (z = 3 would give ~13% over 50 claims: too many false alarms.)
Z: float = 4.0


def _jsonable(value: Any, what: str) -> Any:
    """Round-trip through JSON (sorted keys): raises ValueError if it is not JSON-able."""
    try:
        return json.loads(json.dumps(value, sort_keys=True, allow_nan=True))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be JSON-able: {exc}") from None


def resolve(fn: str) -> Callable:
    """Import ``"package.module:function"``."""
    if not isinstance(fn, str) or fn.count(":") != 1:
        raise ValueError(f"a task function is 'module:function', got {fn!r}")
    module_name, attr = fn.split(":")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ValueError(f"{module_name} has no function {attr!r}") from None


@dataclass(frozen=True)
class Task:
    """One independent unit: ``fn(**kwargs, seed=seed)`` (``seed`` omitted when None).

    ``label`` names the task inside its claim (the key of the measurements dict). The
    identity used for caching and seeding is `config()`: fn, kwargs, seed (not the label).
    """

    fn: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""
    seed: int | None = None

    def __post_init__(self):
        if not isinstance(self.fn, str) or self.fn.count(":") != 1:
            raise ValueError(f"a task function is 'module:function', got {self.fn!r}")
        object.__setattr__(self, "kwargs", _jsonable(dict(self.kwargs), f"kwargs of {self.fn}"))

    def config(self) -> dict:
        return {"fn": self.fn, "kwargs": self.kwargs, "seed": self.seed}

    def with_seed(self, seed: int | None) -> "Task":
        return Task(self.fn, self.kwargs, self.label, seed)

    def run(self) -> dict:
        kwargs = dict(self.kwargs)
        if self.seed is not None:
            kwargs["seed"] = self.seed
        result = resolve(self.fn)(**kwargs)
        if not isinstance(result, dict):
            raise TypeError(f"{self.fn} must return a dict, got {type(result).__name__}")
        return _jsonable(result, f"the result of {self.fn}")


def derive_seed(base_seed: int, task: Task) -> int:
    """A 63-bit seed from the run seed and the task config (fn, kwargs): independent streams
    for different tasks, the same stream for the same task in every claim and every rerun."""
    text = json.dumps({"base": int(base_seed), "fn": task.fn, "kwargs": task.kwargs}, sort_keys=True)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


@dataclass(frozen=True)
class Verdict:
    """Outcome of one comparison.

    passed: |measured - predicted| <= tolerance (or the one-sided / composite rule stated in
    ``detail``); predicted, measured: the compared numbers; se: the measurement's standard
    error; tolerance: the allowed deviation; detail: how the tolerance was derived and
    anything a reader needs; quantity: what is compared; parts: sub-verdicts of a
    composite check (passed is then the AND of the parts).
    """

    passed: bool
    predicted: float
    measured: float
    se: float
    tolerance: float
    detail: str
    quantity: str = ""
    parts: tuple["Verdict", ...] = ()

    @property
    def resolution(self) -> float:
        """tolerance / |predicted|: the smallest relative error in the prediction this check
        detects (a prediction off by more than this, with the same measurement, fails).
        inf when the prediction is 0 or not finite (state an absolute resolution instead)."""
        if not (math.isfinite(self.tolerance) and math.isfinite(self.predicted)) or self.predicted == 0:
            return math.inf
        return self.tolerance / abs(self.predicted)

    @property
    def absolute_resolution(self) -> float | None:
        """The smallest absolute deviation of the prediction this check detects (its tolerance),
        stated where no relative resolution exists: a prediction of 0 (an exponent that must
        vanish, an identity that must hold exactly). None where the relative one is defined."""
        if math.isfinite(self.resolution) or not math.isfinite(self.tolerance):
            return None
        return self.tolerance

    def as_dict(self) -> dict:
        return {
            "passed": bool(self.passed), "quantity": self.quantity,
            "predicted": _num(self.predicted), "measured": _num(self.measured), "se": _num(self.se),
            "tolerance": _num(self.tolerance), "resolution": _num(self.resolution),
            "absolute_resolution": _num(self.absolute_resolution), "detail": self.detail,
            "parts": [p.as_dict() for p in self.parts],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> "Verdict":
        return cls(bool(data["passed"]), _float(data["predicted"]), _float(data["measured"]),
                   _float(data["se"]), _float(data["tolerance"]), data["detail"], data.get("quantity", ""),
                   tuple(cls.from_dict(p) for p in data.get("parts", ())))


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _float(x) -> float:
    return math.nan if x is None else float(x)


def within(predicted: float, measured: float, se: float, *, quantity: str, z: float = Z,
           bias: float = 0.0, bias_reason: str | None = None, note: str = "") -> Verdict:
    """Two-sided check |measured - predicted| <= z * se + bias.

    ``bias`` (>= 0) is a deterministic allowance and needs ``bias_reason`` (why it is there
    and how large it is known to be); non-finite numbers always fail.
    """
    if bias < 0 or not math.isfinite(bias):
        raise ValueError(f"bias must be a finite number >= 0, got {bias}")
    if bias > 0 and not bias_reason:
        raise ValueError("a bias allowance needs a stated reason")
    tolerance = z * se + bias
    finite = all(math.isfinite(float(v)) for v in (predicted, measured, se))
    passed = bool(finite and abs(measured - predicted) <= tolerance)
    detail = f"tolerance = {z:g} SE = {z * se:.3g}"
    if bias > 0:
        detail += f" + {bias:.3g} ({bias_reason})"
    if note:
        detail += f"; {note}"
    return Verdict(passed, float(predicted), float(measured), float(se), float(tolerance), detail, quantity)


def at_most(bound: float, measured: float, se: float, *, quantity: str, z: float = Z, note: str = "") -> Verdict:
    """One-sided check: the measurement is significantly below ``bound``,
    measured + z * se < bound (e.g. acceptance collapsing below a level theory says it crosses)."""
    finite = all(math.isfinite(float(v)) for v in (bound, measured, se))
    passed = bool(finite and measured + z * se < bound)
    detail = f"one-sided: measured + {z:g} SE < predicted bound"
    if note:
        detail += f"; {note}"
    return Verdict(passed, float(bound), float(measured), float(se), float(z * se), detail, quantity)


def all_of(parts: Sequence[Verdict], *, quantity: str, detail: str = "") -> Verdict:
    """A composite verdict: passes iff every part passes; headline numbers are the worst part
    (largest |measured - predicted| / tolerance)."""
    if not parts:
        raise ValueError("a composite verdict needs at least one part")

    def badness(v: Verdict) -> float:
        if not v.passed and not math.isfinite(v.measured):
            return math.inf
        return abs(v.measured - v.predicted) / v.tolerance if v.tolerance > 0 else math.inf

    worst = max(parts, key=badness)
    text = f"all {len(parts)} parts must pass; headline = worst part ({worst.quantity}): {worst.detail}"
    if detail:
        text = f"{detail}; {text}"
    return Verdict(all(p.passed for p in parts), worst.predicted, worst.measured, worst.se, worst.tolerance,
                   text, quantity, tuple(parts))


@dataclass(frozen=True)
class Claim:
    """A theory prediction joined to measurements (see the module docstring)."""

    id: str
    statement: str
    source: str
    family: str
    prediction: Task
    measurements: Callable[[str], list[Task]]
    compare: Callable[[dict, dict], Verdict]
    plot: Callable[..., None] | None = None
    #: "claim" (a falsifiable check: counts towards pass/fail) or "observation" (a
    #: measurement reported next to theory that cannot refute it: never counted as passed)
    kind: str = "claim"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.id}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if not self.id or any(c.isspace() for c in self.id):
            raise ValueError(f"claim id must be non-empty without spaces, got {self.id!r}")
        if "\n" in self.statement or not self.statement:
            raise ValueError(f"claim {self.id}: the statement must be one non-empty line")
        if self.prediction.seed is not None:
            raise ValueError(f"claim {self.id}: the prediction is a theory call and takes no seed")

    def tasks(self, budget: str) -> list[Task]:
        """The measurement tasks for a budget, checked: labels unique and non-empty."""
        if budget not in BUDGETS:
            raise ValueError(f"budget must be one of {', '.join(BUDGETS)}, got {budget!r}")
        tasks = list(self.measurements(budget))
        labels = [t.label for t in tasks]
        if not tasks or "" in labels or len(set(labels)) != len(labels):
            raise ValueError(f"claim {self.id}: measurement tasks need unique non-empty labels")
        return tasks

    def evaluate(self, prediction: dict, measurements: dict) -> Verdict:
        """The comparison; a comparison that raises is reported as a failed verdict."""
        try:
            verdict = self.compare(prediction, measurements)
        except Exception as exc:  # noqa: BLE001 - a broken comparison must fail, not crash the suite
            return Verdict(False, math.nan, math.nan, math.nan, math.nan,
                           f"comparison raised {type(exc).__name__}: {exc}", "error")
        if not isinstance(verdict, Verdict):
            return Verdict(False, math.nan, math.nan, math.nan, math.nan,
                           f"comparison returned {type(verdict).__name__}, not a Verdict", "error")
        return verdict


_REGISTRY: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    """Add a claim to the registry (called at import of a module in relu_hmc/claims/).

    Two modules registering the same id is an error; a module re-imported replaces its own."""
    existing = _REGISTRY.get(claim.id)
    if existing is not None and getattr(existing.compare, "__module__", None) != getattr(claim.compare, "__module__", None):
        raise ValueError(f"claim id {claim.id!r} is registered twice")
    _REGISTRY[claim.id] = claim
    return claim
