"""The generator's data: one synthetic report, its printed cells, its prose claims, its defect.

A `Report` is built in stages (values → defect → statuses → prose → rendering); every stage
reads and writes these plain dataclasses, so each stage is a small pure function.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Key = tuple[str, str]  # (indicator code, breakdown)

# value_status of a read cell, as transforms.extract.cells names them
NUMBER = "number"
BLANK = "blank"
DERIVED = "derived_from_flattened"
AMBIGUOUS = "ambiguous"
UNREADABLE = "unreadable"
READ = (NUMBER, DERIVED)


@dataclass(frozen=True)
class Claim:
    """One number (or implied zero) the prose states about the table."""

    rule_id: str  # the narrative evaluation's rule_id (narrative_<pattern_id>[_percent])
    target: tuple[Key, ...]  # the cells it restates (summed)
    number: float  # the count stated (a percent claim: the percentage)
    alt: tuple[Key, ...] = ()  # a second reading the narrative check accepts
    base: tuple[Key, ...] = ()  # percent claims: the cells of the base
    count: float = 0.0  # percent claims: the count the percentage is of
    decimals: int = 0  # percent claims: printed decimals


@dataclass
class Defect:
    kind: str  # wrong_total | blank_cell | prose_mismatch | broken_carry_over | ambiguous_run
    detail: str
    target: str = ""  # the rule, cell or claim it was injected into


@dataclass
class Report:
    index: int
    body: str
    year: int
    template: str  # jilin_pre2019 | fujian_pre2019 | national_2019 | national_2021
    form: str  # the printed variant: fujian_2011 | fujian_2014 | national_2019 | …
    fmt: str  # text | flat | html | docx | pdf
    size: str  # tiny | small | medium | large
    cells: dict[Key, str]  # every value cell as printed ("" or a dash when blank)
    blanked: dict[Key, str] = field(default_factory=dict)  # blank-cell defect: what was meant
    previous: Report | None = None  # the same body's report of the year before, if generated
    status: dict[Key, str] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)  # paragraphs, section headings included
    defect: Defect | None = None
    spaced: bool = False  # flattened Fujian tables that keep a space between cells
    title_year_first: bool = False

    def meant(self, key: Key) -> str:
        """The value a cell was meant to print (its printed text unless it was left blank)."""
        return self.blanked.get(key, self.cells[key])

    @property
    def family(self) -> str:
        return "national" if self.template.startswith("national") else self.template

    @property
    def file(self) -> str:
        ext = {"text": "txt", "flat": "txt", "html": "html", "docx": "docx", "pdf": "pdf"}
        return f"{self.index:05d}_{self.year}_{self.fmt}.{ext[self.fmt]}"
