"""`relu-hmc claims [--json]`: list the registered claims (id, kind, family, statement, source)."""
from __future__ import annotations

import json
import sys


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("claims", help="list the claims the suite verifies",
                                   description="List the registered claims with ids and one-line statements.")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")


def run(args) -> int:
    from relu_hmc.claims import all_claims, discovery_errors

    claims = all_claims()
    errors = discovery_errors()
    if args.json:
        print(json.dumps({
            "claims": [{"id": c.id, "kind": c.kind, "family": c.family, "statement": c.statement,
                        "source": c.source}
                       for c in claims],
            "import_errors": errors,
        }, indent=2))
    else:
        width = max([len(c.id) for c in claims] + [2])
        for c in claims:
            print(f"{c.id:<{width}}  {c.kind:<11}  {c.statement}")
        n_obs = sum(c.kind == "observation" for c in claims)
        print(f"{len(claims) - n_obs} claims, {n_obs} observations (reported, not counted as passed)",
              file=sys.stderr)
        for module, error in errors.items():
            print(f"relu-hmc: claim module {module} failed to import: {error}", file=sys.stderr)
    return 1 if errors else 0
