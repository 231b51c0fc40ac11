"""The indicator catalogue: codes, labels, units, label aliases, sum rules, core indicators.

In: the CSV files beside this module (the registry as data; a new template is mostly a data diff).
Out: one frozen `Catalogue`, loaded once and checked for integrity (every alias and rule names an
indicator that exists, every rule parses, every core indicator is defined).

Modules: `models` (the records and the `Catalogue` with its lookups), `loader` (`load`,
`default`), `integrity` (the checks run on every load), `labels` (how printed labels are
normalised before they are looked up).
"""

from __future__ import annotations

from transforms.catalogue.integrity import integrity_problems
from transforms.catalogue.loader import HERE, default, load
from transforms.catalogue.models import (
    Alias,
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
    Rule,
    Template,
)

__all__ = [
    "HERE",
    "Alias",
    "Catalogue",
    "CatalogueError",
    "Check",
    "ColumnMapping",
    "CoreIndicator",
    "CoreMapping",
    "Indicator",
    "NarrativePattern",
    "PhrasePattern",
    "Position",
    "ProactiveHeader",
    "Rule",
    "Template",
    "default",
    "integrity_problems",
    "load",
]
