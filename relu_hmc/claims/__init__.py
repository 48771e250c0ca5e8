"""Claims: each joins a theory/ prediction to numerics/ measurements (API in `relu_hmc.claims.base`).

Every module of this package is imported by `all_claims()` (pkgutil discovery) and registers
its claims with `relu_hmc.claims.base.register`; adding a claim module needs no other edit.
Extra claim modules outside the package (a user's own claims, test fixtures) are named in
the environment variable ``RELU_HMC_CLAIM_MODULES`` (comma-separated importable modules).
A module that fails to import is not skipped silently: `discovery_errors()` lists it and
`relu-hmc verify` counts it as a failure.
"""
from __future__ import annotations

import importlib
import os
import pkgutil

from relu_hmc.claims.base import (BUDGETS, Z, Claim, Task, Verdict, all_of, at_most, register,  # noqa: F401
                                  within)
from relu_hmc.claims import base as _base

_errors: dict[str, str] = {}


def _module_names() -> list[str]:
    names = [f"{__name__}.{info.name}" for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
             if info.name != "base" and not info.name.startswith("_")]
    extra = os.environ.get("RELU_HMC_CLAIM_MODULES", "")
    return names + [name.strip() for name in extra.split(",") if name.strip()]


def _discover() -> None:
    for name in _module_names():
        try:
            importlib.import_module(name)
            _errors.pop(name, None)
        except Exception as exc:  # noqa: BLE001 - reported, counted as a failure by verify
            _errors[name] = f"{type(exc).__name__}: {exc}".splitlines()[0]


def all_claims() -> list[Claim]:
    """Every registered claim, sorted by id (imports all claim modules first)."""
    _discover()
    return sorted(_base._REGISTRY.values(), key=lambda c: c.id)


def discovery_errors() -> dict[str, str]:
    """{module: one-line error} for claim modules that failed to import."""
    _discover()
    return dict(_errors)


def select(patterns: list[str] | None) -> list[Claim]:
    """Claims whose id equals a pattern or starts with ``pattern/`` (a family prefix); all if None.
    Raises ValueError naming a pattern that matches nothing."""
    claims = all_claims()
    if not patterns:
        return claims
    chosen = []
    for pattern in patterns:
        hits = [c for c in claims if c.id == pattern or c.id.startswith(pattern.rstrip("/") + "/")
                or c.family == pattern]
        if not hits:
            raise ValueError(f"no claim matches {pattern!r} (see relu-hmc claims)")
        chosen.extend(c for c in hits if c not in chosen)
    return sorted(chosen, key=lambda c: c.id)
