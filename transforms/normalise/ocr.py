"""Settle the numbers OCR read from a scan with the identities of the form.

In: one report's printed cells (`RawCell`, with what OCR said in `ocr`), their values as read
and the catalogue's rules for the template. Out: for each OCR number a `Settled(status, value,
exact, note)`. This is normalise, not extract: it needs the rules, and the checks still judge
the settled values afterwards, so a printed defect stays a failed check.

- `ocr_confirmed`: an identity the cell takes part in holds with the values as read, and at
  most one of its cells was read unsure (two unsure cells can be misread alike and still
  balance); the evidence names every such identity. Or OCR was unsure of the cell and exactly
  one of its readings makes every identity it takes part in hold, all their other cells read
  sure (the evidence says which reading, which identities, and what OCR read first).
- `ocr_unconfirmed`: OCR was sure (confidence ≥ `SURE`, no seal over the cell) and no identity
  holding confirms it;
  the value is kept, and an identity it takes part in that fails is a failed check as for any
  printed table (the note says so). OCR choices never "correct" a sure number.
  OCR was unsure of the cell, but an identity it takes part in fails whatever it reads (its
  other cells, all read sure, would need it negative): the failure is the table's, the reading
  is kept.
- `ambiguous`: OCR was unsure and no identity settles it: value NULL, the readings in the note.

Identities (rules.csv): `sum` rules in every breakdown, `across_columns` rules on every row, each
evaluated only where all its cells are read numbers. Only an equality (`=`) confirms or settles a
number; a bound (`<=`, the Fujian form's "these channels never exceed the total") can only be
contradicted: a misread total can still be above its parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from transforms.catalogue import Rule
from transforms.extract.cells import parse_cell
from transforms.extract.readers import OcrRead
from transforms.extract.readers.ocr import DIGIT_CONFIDENCE
from transforms.extract.templates import RawCell
from transforms.schemas import AMBIGUOUS, OCR_CONFIRMED, OCR_UNCONFIRMED, READ_STATUSES

SURE = DIGIT_CONFIDENCE  # the confidence at and above which OCR is sure of a number

Key = tuple[str, str]  # (indicator, breakdown)


@dataclass(frozen=True)
class Settled:
    status: str
    value: float | None
    exact: str | None
    note: str


@dataclass(frozen=True)
class _Identity:
    name: str  # "rule_id [breakdown]" or "rule_id [indicator]", for the evidence
    left: tuple[Key, ...]
    right: tuple[Key, ...]
    equality: bool  # `=`; else a bound `sum(left) <= sum(right)`

    @property
    def keys(self) -> tuple[Key, ...]:
        return self.left + self.right


def _identities(rules: Sequence[Rule], keys: set[Key]) -> list[_Identity]:
    """Every instance of the rules whose cells were all printed in this report."""
    breakdowns = sorted({b for _, b in keys})
    indicators = sorted({i for i, _ in keys})
    out = []
    for rule in rules:
        if rule.kind == "sum":
            pairs = [
                (b, tuple((c, b) for c in rule.left), tuple((c, b) for c in rule.right))
                for b in breakdowns
                if not rule.scope or (rule.scope, b) in keys
            ]
        else:
            pairs = [
                (i, tuple((i, b) for b in rule.left), tuple((i, b) for b in rule.right))
                for i in indicators
                if i.startswith(rule.scope)
            ]
        out += [
            _Identity(f"{rule.rule_id} [{where}]", left, right, rule.op == "=")
            for where, left, right in pairs
            if all(k in keys for k in left + right)
        ]
    return out


def _holds(identity: _Identity, values: dict[Key, float | None]) -> bool | None:
    """Whether the identity holds; None where a cell of it has no value."""
    terms = [values[k] for k in identity.keys]
    if any(v is None for v in terms):
        return None
    gap = round(sum(values[k] for k in identity.left) - sum(values[k] for k in identity.right), 6)
    return gap == 0 if identity.equality else gap <= 0


def _needed(identity: _Identity, key: Key, values: dict[Key, float | None]) -> float | None:
    """The value cell `key` would need for the identity to hold, from the other cells' values;
    None where another cell of it has no value (`values` holds None for the unsure ones)."""
    others = [values[k] for k in identity.keys if k != key]
    if any(v is None for v in others):
        return None
    left = sum(values[k] for k in identity.left if k != key)
    right = sum(values[k] for k in identity.right if k != key)
    return round(right - left if key in identity.left else left - right, 6)


def _readings(cell: RawCell) -> list[tuple[float, str]]:
    """OCR's other readings of the cell that are numbers, as (value, digits)."""
    out = []
    for text in cell.ocr.alternatives if cell.ocr else ():
        parsed = parse_cell(text)
        if parsed.value is not None and parsed.exact is not None and text != cell.text:
            out.append((parsed.value, parsed.exact))
    return out


def _vouches(identity: _Identity, sure: dict[Key, float | None]) -> bool:
    return sum(sure[k] is None for k in identity.keys) <= 1


def _unsure(cell: RawCell) -> bool:
    return cell.ocr is not None and not _sure(cell.ocr)


def _sure(said: OcrRead) -> bool:
    """Whether OCR was sure of its reading: confident, and no seal over the cell."""
    return said.confidence is not None and said.confidence >= SURE and not said.sealed


def settle(
    cells: Sequence[RawCell],
    read: Sequence[tuple[str | None, str | None, float | None, str]],
    rules: Sequence[Rule],
) -> dict[int, Settled]:
    """The OCR numbers settled: index into `cells` → Settled. `read[i]` is cell i's
    (indicator, breakdown, value, status) as normalised."""
    keyed = {(c, b): i for i, (c, b, _, _) in enumerate(read) if c is not None and b is not None}
    values: dict[Key, float | None] = {
        k: (read[i][2] if read[i][3] in READ_STATUSES else None) for k, i in keyed.items()
    }
    identities = _identities(rules, set(keyed))
    # the values an unsure cell's identities are judged with: no other unsure cell among them
    sure = {k: (None if _unsure(cells[keyed[k]]) else v) for k, v in values.items()}
    out: dict[int, Settled] = {}
    for key, i in keyed.items():
        if read[i][3] != OCR_UNCONFIRMED:
            continue
        mine = [d for d in identities if key in d.keys]
        # an identity vouches only where at most one of its cells is unsure: two unsure cells
        # can be wrong alike ("8" read for 87 in 新收 and in 总计: I1 holds with both)
        held = [d.name for d in mine if d.equality and _holds(d, values) and _vouches(d, sure)]
        failed = [d.name for d in mine if _holds(d, values) is False]
        out[i] = _judge(cells[i], key, mine, held, failed, values, sure)
    return out


def _judge(
    cell: RawCell,
    key: Key,
    mine: list[_Identity],
    held: list[str],
    failed: list[str],
    values: dict[Key, float | None],
    sure: dict[Key, float | None],
) -> Settled:
    known = cell.ocr.confidence if cell.ocr else None
    own = parse_cell(cell.text)
    said = "no confidence known: page text" if known is None else f"confidence {known:.0f}"
    if cell.ocr is not None and cell.ocr.sealed:
        said += ", under a seal"
    read = f"OCR read {cell.text!r} ({said})"
    if held:
        return Settled(
            OCR_CONFIRMED, own.value, own.exact, f"{read}; confirmed by {', '.join(held)}"
        )
    if cell.ocr is not None and _sure(cell.ocr):
        why = f"contradicted by {', '.join(failed)}" if failed else "no identity confirms it"
        return Settled(OCR_UNCONFIRMED, own.value, own.exact, f"{read}, sure; {why}")
    impossible = [d.name for d in mine if d.equality and (_needed(d, key, sure) or 0) < 0]
    if impossible:
        why = f"{', '.join(impossible)} fails whatever it reads (a printed defect)"
        return Settled(OCR_UNCONFIRMED, own.value, own.exact, f"{read}, unsure; kept: {why}")
    others = _readings(cell)
    fitting = [
        (value, exact)
        for value, exact in others
        if mine and all(_holds(d, {**sure, key: value}) for d in mine)
    ]
    if failed and len(fitting) == 1 and any(d.equality for d in mine):
        value, exact = fitting[0]
        settled_by = ", ".join(d.name for d in mine)
        note = f"{read}, unsure; its reading {exact!r} settled by {settled_by}"
        return Settled(OCR_CONFIRMED, value, exact, note)
    shown = " | ".join([cell.text, *(e for _, e in others)])
    why = f"contradicted by {', '.join(failed)}" if failed else "no identity can settle it"
    return Settled(AMBIGUOUS, None, None, f"{read}, unsure; {why}; readings: {shown}")
