"""Loading the catalogue: the CSVs beside this package → one checked `Catalogue`."""

from __future__ import annotations

import csv
import hashlib
from functools import cache
from pathlib import Path

from transforms.catalogue.integrity import integrity_problems
from transforms.catalogue.labels import normalise_label
from transforms.catalogue.models import (
    Alias,
    BodyForm,
    Catalogue,
    CatalogueError,
    Check,
    ColumnMapping,
    CoreIndicator,
    CoreMapping,
    Indicator,
    NarrativePattern,
    PhrasePattern,
    Position,
    ProactiveHeader,
    Role,
    Rule,
    Template,
    Unit,
)

HERE = Path(__file__).parent


def _rows(name: str, folder: Path) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.glob("*.csv")):
        sha.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def _terms(expr: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in expr.split("+") if t.strip())


def load(folder: Path = HERE) -> Catalogue:
    """Read the CSVs in `folder` and return the checked catalogue."""
    cat = Catalogue(
        templates=tuple(Template(**r) for r in _rows("templates.csv", folder)),
        indicators=tuple(
            Indicator(**{**r, "parent": r["parent"] or None})
            for r in _rows("indicators.csv", folder)
        ),
        aliases=tuple(
            Alias(
                template=r["template"],
                group=normalise_label(r["group"]) if r["group"] else None,
                label=normalise_label(r["label"]),
                indicator=r["indicator"],
            )
            for r in _rows("aliases.csv", folder)
        ),
        rules=tuple(
            Rule(**{**r, "left": _terms(r["left"]), "right": _terms(r["right"])})
            for r in _rows("rules.csv", folder)
        ),
        core_indicators=tuple(
            CoreIndicator(**{**r, "absent_from": tuple(r["absent_from"].split())})
            for r in _rows("core_indicators.csv", folder)
        ),
        core_map=tuple(
            CoreMapping(**{**r, "variant": int(r["variant"])})
            for r in _rows("core_map.csv", folder)
        ),
        columns=tuple(ColumnMapping(**r) for r in _rows("columns.csv", folder)),
        proactive=tuple(
            ProactiveHeader(**{**r, "label": normalise_label(r["label"])})
            for r in _rows("proactive.csv", folder)
        ),
        positions=tuple(
            Position(**{**r, "position": int(r["position"])})
            for r in _rows("positional.csv", folder)
        ),
        narrative=tuple(
            NarrativePattern(**{**r, **{k: _terms(r[k]) for k in ("target", "alt_target", "base")}})
            for r in _rows("narrative.csv", folder)
        ),
        phrases=tuple(
            PhrasePattern(**{**r, "target": _terms(r["target"])})
            for r in _rows("narrative_phrases.csv", folder)
        ),
        checks=tuple(Check(**r) for r in _rows("checks.csv", folder)),
        roles=tuple(Role(**r) for r in _rows("roles.csv", folder)),
        body_forms=tuple(BodyForm(**r) for r in _rows("body_forms.csv", folder)),
        units=tuple(Unit(**r) for r in _rows("units.csv", folder)),
        digest=_digest(folder),
    )
    problems = integrity_problems(cat)
    if problems:
        raise CatalogueError("catalogue integrity:\n  " + "\n  ".join(problems))
    return cat


@cache
def default() -> Catalogue:
    """The shipped catalogue, loaded once per process."""
    return load()
