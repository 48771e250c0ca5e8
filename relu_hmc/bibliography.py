"""BibTeX for the software (CITATION.cff) and for the literature the claims cite.

A claim's ``source`` is free text ("Beskos, Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 19
(2013), Thm 3.6; theory.acceptance..."). `keys_for(source)` finds the known works in it by
patterns (author names next to a year, arXiv numbers); `ENTRIES` holds each work's BibTeX.
Bibliographic data checked against the publishers' pages (volume, pages, DOI); a source that
matches no pattern is listed as such by `relu-hmc cite`, never guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Work:
    key: str
    patterns: tuple[str, ...]   # regular expressions (case-insensitive) that identify the work in a source
    bibtex: str


WORKS: tuple[Work, ...] = (
    Work("beskos2013optimal", (r"Beskos", r"1001\.4460"), """@article{beskos2013optimal,
  author  = {Beskos, Alexandros and Pillai, Natesh and Roberts, Gareth and Sanz-Serna, Jes{\\'u}s-Mar{\\'i}a and Stuart, Andrew},
  title   = {Optimal tuning of the hybrid {M}onte {C}arlo algorithm},
  journal = {Bernoulli},
  volume  = {19},
  number  = {5A},
  pages   = {1501--1534},
  year    = {2013},
  doi     = {10.3150/12-BEJ414},
  eprint  = {1001.4460},
  archivePrefix = {arXiv}
}"""),
    Work("dinh2024hamiltonian", (r"Dinh", r"2410\.22065"), """@inproceedings{dinh2024hamiltonian,
  author    = {Dinh, Vu C. and Ho, Lam Si Tung and Nguyen, Cuong V.},
  title     = {{H}amiltonian {M}onte {C}arlo on {ReLU} Neural Networks is Inefficient},
  booktitle = {Advances in Neural Information Processing Systems (NeurIPS)},
  volume    = {37},
  year      = {2024},
  eprint    = {2410.22065},
  archivePrefix = {arXiv}
}"""),
    Work("roberts1997weak", (r"Roberts,?\s+Gelman", r"Gelman"), """@article{roberts1997weak,
  author  = {Roberts, Gareth O. and Gelman, Andrew and Gilks, Walter R.},
  title   = {Weak convergence and optimal scaling of random walk {M}etropolis algorithms},
  journal = {The Annals of Applied Probability},
  volume  = {7},
  number  = {1},
  pages   = {110--120},
  year    = {1997},
  doi     = {10.1214/aoap/1034625254}
}"""),
    Work("roberts1998optimal", (r"Roberts,?\s+(&\s+|and\s+)?Rosenthal", r"Rosenthal.*1998"), """@article{roberts1998optimal,
  author  = {Roberts, Gareth O. and Rosenthal, Jeffrey S.},
  title   = {Optimal scaling of discrete approximations to {L}angevin diffusions},
  journal = {Journal of the Royal Statistical Society: Series B},
  volume  = {60},
  number  = {1},
  pages   = {255--268},
  year    = {1998},
  doi     = {10.1111/1467-9868.00123}
}"""),
    Work("neal2012optimal", (r"Neal,?\s+Roberts", r"Neal-Roberts", r"Yuen"), """@article{neal2012optimal,
  author  = {Neal, Peter and Roberts, Gareth and Yuen, Wai Kong},
  title   = {Optimal scaling of random walk {M}etropolis algorithms with discontinuous target densities},
  journal = {The Annals of Applied Probability},
  volume  = {22},
  number  = {5},
  pages   = {1880--1927},
  year    = {2012},
  doi     = {10.1214/11-AAP817}
}"""),
    Work("blanes2014numerical", (r"Blanes",), """@article{blanes2014numerical,
  author  = {Blanes, Sergio and Casas, Fernando and Sanz-Serna, J. M.},
  title   = {Numerical integrators for the hybrid {M}onte {C}arlo method},
  journal = {SIAM Journal on Scientific Computing},
  volume  = {36},
  number  = {4},
  pages   = {A1556--A1580},
  year    = {2014},
  doi     = {10.1137/130932740}
}"""),
    Work("duane1987hybrid", (r"Duane",), """@article{duane1987hybrid,
  author  = {Duane, Simon and Kennedy, A. D. and Pendleton, Brian J. and Roweth, Duncan},
  title   = {Hybrid {M}onte {C}arlo},
  journal = {Physics Letters B},
  volume  = {195},
  number  = {2},
  pages   = {216--222},
  year    = {1987},
  doi     = {10.1016/0370-2693(87)91197-X}
}"""),
    Work("hairer2006geometric", (r"Hairer",), """@book{hairer2006geometric,
  author    = {Hairer, Ernst and Lubich, Christian and Wanner, Gerhard},
  title     = {Geometric Numerical Integration: Structure-Preserving Algorithms for Ordinary Differential Equations},
  edition   = {2},
  series    = {Springer Series in Computational Mathematics},
  volume    = {31},
  publisher = {Springer},
  year      = {2006},
  doi       = {10.1007/3-540-30666-8}
}"""),
    Work("rolnick2020reverse", (r"Rolnick\s+(&|and)\s+Kording", r"Reverse-engineering"), """@inproceedings{rolnick2020reverse,
  author    = {Rolnick, David and Kording, Konrad},
  title     = {Reverse-engineering deep {ReLU} networks},
  booktitle = {Proceedings of the 37th International Conference on Machine Learning (ICML)},
  series    = {Proceedings of Machine Learning Research},
  volume    = {119},
  pages     = {8178--8187},
  year      = {2020}
}"""),
    Work("grigsby2022functional", (r"Meyerhoff", r"2209\.04036"), """@misc{grigsby2022functional,
  author = {Grigsby, J. Elisenda and Lindsey, Kathryn and Meyerhoff, Robert and Wu, Chenxi},
  title  = {Functional dimension of feedforward {ReLU} neural networks},
  year   = {2022},
  eprint = {2209.04036},
  archivePrefix = {arXiv}
}"""),
    Work("grigsby2023hidden", (r"Grigsby,\s+Lindsey,\s+Rolnick",), """@inproceedings{grigsby2023hidden,
  author    = {Grigsby, J. Elisenda and Lindsey, Kathryn and Rolnick, David},
  title     = {Hidden symmetries of {ReLU} networks},
  booktitle = {Proceedings of the 40th International Conference on Machine Learning (ICML)},
  series    = {Proceedings of Machine Learning Research},
  volume    = {202},
  year      = {2023}
}"""),
    Work("pyhmc_issue16", (r"pyhmc",), """@misc{pyhmc_issue16,
  author       = {{pyhmc contributors}},
  title        = {Leapfrog uses half a step in every full momentum update (issue 16)},
  howpublished = {\\url{https://github.com/rmcgibbo/pyhmc/issues/16}},
  note         = {GitHub issue, rmcgibbo/pyhmc}
}"""),
)

BY_KEY = {w.key: w for w in WORKS}
#: Parts of a source that point into this toolkit (not literature): not reported as unmatched.
_INTERNAL = re.compile(r"^(derived here|theory\.|numerics\.|relu_hmc\.|DESIGN\.md|proofs_notes|issue \d+|"
                       r"measured by|negative control|batch condition)", re.IGNORECASE)


def keys_for(source: str) -> list[str]:
    """Keys of the known works a claim's source text cites, in WORKS order."""
    return [w.key for w in WORKS if any(re.search(p, source or "", re.IGNORECASE) for p in w.patterns)]


def unmatched_parts(source: str) -> list[str]:
    """The ';'-separated parts of a source that cite literature but match no known work."""
    out = []
    for part in (source or "").split(";"):
        part = part.strip()
        if part and not _INTERNAL.match(part) and not keys_for(part):
            out.append(part)
    return out


def software_bibtex(cff_path: str | Path | None = None) -> str:
    """The software's entry (@misc) built from CITATION.cff (title, version, license, authors, url)."""
    from relu_hmc._version import __version__

    fields = {"title": "relu-hmc", "version": __version__, "license": None, "authors": []}
    path = Path(cff_path) if cff_path else Path(__file__).resolve().parent.parent / "CITATION.cff"
    if path.is_file():
        fields.update(_read_cff(path.read_text()))
    authors = " and ".join(fields["authors"]) or "{relu-hmc contributors}"
    # @misc (not biblatex's @software) so that plain BibTeX styles print it without a warning
    lines = ["@misc{relu_hmc", f"  author  = {{{authors}}}", f"  title   = {{{fields['title']}: theory verification "
             f"toolkit for leapfrog {{HMC}} on smooth and kinked ({{ReLU}}) potentials}}",
             f"  version = {{{fields['version']}}}"]
    if fields.get("url"):
        lines.append(f"  howpublished = {{\\url{{{fields['url']}}}}}")
    note = f"Software, version {fields['version']}" + (f", {fields['license']} license" if fields.get("license") else "")
    lines.append(f"  note    = {{{note}}}")
    return ",\n".join(lines) + "\n}"


def _read_cff(text: str) -> dict:
    """The few top-level fields of CITATION.cff that the entry needs (no YAML dependency:
    top-level scalars and the ``authors`` list of ``name`` / ``family-names`` items)."""
    out: dict = {"authors": []}
    section = None
    author: dict = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            section = line.split(":", 1)[0].strip()
            value = line.split(":", 1)[1].strip() if ":" in line else ""
            if section in ("title", "version", "license", "url", "repository-code") and value:
                out["url" if section == "repository-code" else section] = value.strip("'\"")
            continue
        if section == "authors":
            item = line.strip()
            if item.startswith("- "):
                if author:
                    out["authors"].append(_author(author))
                author = {}
                item = item[2:]
            if ":" in item:
                k, v = item.split(":", 1)
                author[k.strip()] = v.strip().strip("'\"")
    if author:
        out["authors"].append(_author(author))
    return out


def _author(fields: dict) -> str:
    if "family-names" in fields:
        given = fields.get("given-names")
        return f"{fields['family-names']}, {given}" if given else fields["family-names"]
    return "{" + fields.get("name", "anonymous") + "}"


def cited_keys(sources) -> list[str]:
    """Keys cited by any of the sources, each once, in WORKS order."""
    found = {k for s in sources for k in keys_for(s)}
    return [w.key for w in WORKS if w.key in found]


def bibtex(sources, *, with_software: bool = True) -> str:
    """The .bib text: the software entry and every known work the sources cite."""
    entries = [software_bibtex()] if with_software else []
    entries += [BY_KEY[k].bibtex for k in cited_keys(sources)]
    return "\n\n".join(entries) + "\n"
