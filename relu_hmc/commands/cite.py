"""`relu-hmc cite`: BibTeX for the software and for every source the claims cite.

The software entry is built from CITATION.cff; the literature entries come from
`relu_hmc.bibliography` (matched in each claim's ``source`` text). With ``--report DIR`` the
sources are those of DIR/report.json (the claims that report checked), otherwise those of
every registered claim. Sources that cite literature the bibliography does not know are
listed at the end as BibTeX comments, so nothing is silently dropped.
"""
from __future__ import annotations

import json
from pathlib import Path

from relu_hmc.errors import UsageError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "cite", help="print BibTeX for relu-hmc and the literature its claims cite",
        description="Print BibTeX: the software (CITATION.cff) and every work cited by the claims' sources.")
    parser.add_argument("--report", metavar="DIR", help="cite the claims of DIR/report.json (default: every claim)")
    parser.add_argument("--software-only", action="store_true", help="only the software entry")


def sources_of_report(directory: str | Path) -> list[str]:
    path = Path(directory) / "report.json"
    try:
        report = json.loads(path.read_text())
        return [c.get("source", "") for c in report["claims"]]
    except FileNotFoundError:
        raise UsageError(f"--report {directory}: no report.json there (run relu-hmc verify --out {directory})") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"--report {directory}: cannot read report.json ({type(exc).__name__})") from None


def run(args) -> int:
    from relu_hmc import bibliography

    if args.report is not None:
        sources = sources_of_report(args.report)
    else:
        from relu_hmc.claims import all_claims

        sources = [c.source for c in all_claims()]
    if args.software_only:
        print(bibliography.software_bibtex())
        return 0
    print(bibliography.bibtex(sources), end="")
    unknown = sorted({part for s in sources for part in bibliography.unmatched_parts(s)})
    if unknown:
        print("\n% Cited by the claims but not in relu_hmc.bibliography (add an entry by hand):")
        for part in unknown:
            print(f"%   {part}")
    return 0
