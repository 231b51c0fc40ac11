"""Narrative ↔ table: the numbers the prose states, and whether they are the table's numbers.

In: a decoded document (its prose), then the claims and the report's observations. Out:
- `extract_claims`: every numeric claim in the prose (a number with a unit: 件, 条, 人次, 场,
  万元 …, with "占Y%" when printed after it), with its sentence and position, matched where the
  catalogue (narrative.csv) says which cells it restates; phrases that imply a number
  ("所有申请均已办结" ⇒ 结转下年度 = 0) as claims too. Unmatched claims are kept, never failures.
- `evaluate_narrative`: evaluation rows (schema `schemas.EVALUATIONS`) judged by the
  Great Expectations identity suite: the stated count against the table (or against the second
  reading, e.g. received including carried-over requests, saying which matched); the stated
  percentage against count / base at the printed precision (rounding either way at the last
  printed digit: 45839 / 391291 = 11.7148 % accepts 11.71 or 11.72). Approximations (约, 近,
  超, 余, 多 …) are kept but never checked as equalities.

PDF text wraps sentences over lines, so PDF lines are joined without a break; other formats keep
a line break as a sentence boundary. Full-width digits and spaces are normalised (NFKC).
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from transforms.catalogue import Catalogue, NarrativePattern
from transforms.checks.evaluations import evaluation_frame
from transforms.checks.identities import Memo, fmt_number
from transforms.extract.readers import Document
from transforms.schemas import READ_STATUSES, named_rows

_UNITS = ("人次", "场次", "万元", "件", "条", "个", "场", "份", "次", "篇", "项", "册", "元", "家")
_CLAIM = re.compile(
    r"(?P<pre>约|近|超过|超|逾|多达|将近)?\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<mult>万|亿)?\s*(?P<post>余|多)?\s*"
    rf"(?P<unit>{'|'.join(_UNITS)})(?P<tail>左右)?"
)
# What every claim holds: a digit, then digits, spaces, 万/亿, 余/多, then a unit. Most sentences
# (dates, article numbers) hold none, and this pattern, starting with a digit, finds that in one
# fast scan, where _CLAIM (its optional 约/近… first) is tried at every character.
_MAYBE_CLAIM = re.compile(rf"\d[\d.\s万亿余多]*[{''.join(sorted({u[0] for u in _UNITS}))}]")
_PERCENT = re.compile(
    r"^\s*[，,、]?\s*(?P<approx>约)?\s*占(?:比)?[^\d%，。；]{0,12}?(?P<pct>\d+(?:\.\d+)?)\s*%"
)
_SENTENCE_END = re.compile(r"[。；;！？!?\n]")
_CLAUSE_START = re.compile(r"[，,：:]")
_MAX_SENTENCE = 300


@dataclass(frozen=True)
class Claim:
    number: float
    unit: str
    approximate: bool
    percent: float | None
    percent_decimals: int
    percent_approximate: bool
    sentence: str
    offset: int  # in the joined prose
    pattern: NarrativePattern | None


class _Prose:
    def __init__(self, document: Document) -> None:
        lines = [unicodedata.normalize("NFKC", x) for x in document.lines]
        joiner = "" if document.file_format == "pdf" else "\n"
        self.text = joiner.join(lines)
        self.starts, position = [], 0
        for line in lines:
            self.starts.append(position)
            position += len(line) + len(joiner)

    def locator(self, offset: int) -> str:
        line = bisect.bisect_right(self.starts, offset) - 1
        return f"line {line + 1}, char {offset - self.starts[line] + 1}"


def _sentences(text: str):
    start = 0
    for end in [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]:
        if end > start:
            yield start, text[start:end]
        start = end


# A catalogue pattern (text) → its compiled regex, compiled once per process: `re.search` with
# the text looks it up in re's cache each call, and a claim tries a dozen patterns.
_COMPILED = Memo(re.compile)


def _match(patterns, sentence_before: str, after: str) -> NarrativePattern | None:
    clause = _CLAUSE_START.split(sentence_before)[-1]
    compiled = _COMPILED
    for p in patterns:
        if p.sentence and not compiled[p.sentence].search(sentence_before):
            continue
        if p.before and not compiled[p.before].search(clause):
            continue
        if p.after and not compiled[p.after].match(after):
            continue
        if p.before or p.after:
            return p
    return None


def _claim(m: re.Match, sentence: str, offset: int, patterns) -> Claim:
    after = sentence[m.end() :]
    pct = _PERCENT.match(after)
    scale = {"万": 1e4, "亿": 1e8}.get(m["mult"] or "", 1)
    return Claim(
        number=float(m["n"]) * scale,
        unit=m["unit"],
        approximate=bool(m["pre"] or m["post"] or m["tail"] or m["mult"]),
        percent=float(pct["pct"]) if pct else None,
        percent_decimals=len(pct["pct"].partition(".")[2]) if pct else 0,
        percent_approximate=bool(pct and pct["approx"]),
        sentence=sentence.strip()[:_MAX_SENTENCE],
        offset=offset + m.start("n"),
        pattern=_match(patterns, sentence[: m.start()], after),
    )


def extract_claims(
    document: Document, family: str, catalogue: Catalogue
) -> tuple[list[Claim], list[tuple], _Prose]:
    """(numeric claims, phrase claims, joined prose); a phrase is (pattern, sentence, offset)."""
    prose = _Prose(document)
    patterns = [p for p in catalogue.narrative if p.family == family]
    phrases = [p for p in catalogue.phrases if p.family == family]
    # most sentences say none of the phrases: one search of them all tells which to try
    any_phrase = re.compile("|".join(f"(?:{p.phrase})" for p in phrases)) if phrases else None
    claims, said = [], []
    for start, sentence in _sentences(prose.text):
        if _MAYBE_CLAIM.search(sentence):
            claims += [_claim(m, sentence, start, patterns) for m in _CLAIM.finditer(sentence)]
        if any_phrase is None or not any_phrase.search(sentence):
            continue
        said += [
            (p, sentence.strip()[:_MAX_SENTENCE], start)
            for p in phrases
            if re.search(p.phrase, sentence)
        ]
    return claims, said, prose


_SPAN_END = re.compile(r"[。\n]")


def _parts(text: str, claims: list[Claim]) -> dict[int, int]:
    """{part claim index: total claim index} for "共N…，其中a…、b…" (or "…N条。其中，a…").

    The total is the last claim before 其中 (in the sentence, or the sentence before when 其中
    opens one); the parts are the claims after it, in the same unit, up to the next total.
    Only totals that restate a table cell are used: a list after 其中 in general prose may mix
    kinds of things (制度 and 工作程序), and its total is then no identity at all."""
    marks = [m.start() for m in re.finditer("其中", text)]
    totals = []
    for where in marks:
        before = [i for i, c in enumerate(claims) if c.offset < where]
        totals.append(before[-1] if before else None)
    out: dict[int, int] = {}
    for k, (where, total) in enumerate(zip(marks, totals, strict=True)):
        if total is None or not claims[total].pattern or claims[total].approximate:
            continue
        between = text[claims[total].offset : where]
        if "\n" in between or between.count("。") > 1:
            continue  # 其中 refers to something said further back
        next_total = next((t for t in totals[k + 1 :] if t is not None and t > total), None)
        sentence_end = _SPAN_END.search(text, where)
        stop = sentence_end.end() if sentence_end else len(text)
        for i, claim in enumerate(claims):
            inside = where < claim.offset < stop and (next_total is None or i < next_total)
            if inside and claim.unit == claims[total].unit:
                out[i] = total
    return out


def claim_rows(report_id: str, document: Document, family: str, catalogue: Catalogue) -> list[dict]:
    """Rows of the narrative_claims table for one report (numeric claims, then phrases)."""
    claims, said, prose = extract_claims(document, family, catalogue)
    part_of = _parts(prose.text, claims)
    rows = [
        {
            "report_id": report_id,
            "claim_no": i,
            "kind": "count" if c.percent is None else "count_and_percent",
            "sentence": c.sentence,
            "locator": prose.locator(c.offset),
            "number": c.number,
            "unit": c.unit,
            "approximate": c.approximate,
            "percent": c.percent,
            "percent_decimals": c.percent_decimals if c.percent is not None else None,
            "percent_approximate": c.percent_approximate if c.percent is not None else None,
            "pattern_id": c.pattern.pattern_id if c.pattern else None,
            "target": " + ".join(c.pattern.target) if c.pattern else None,
            "part_of": part_of[i - 1] + 1 if i - 1 in part_of else None,
        }
        for i, c in enumerate(claims, start=1)
    ]
    rows += [
        {
            "report_id": report_id,
            "claim_no": len(claims) + i,
            "kind": "phrase",
            "sentence": sentence,
            "locator": prose.locator(offset),
            "number": 0.0,
            "unit": None,
            "approximate": False,
            "percent": None,
            "percent_decimals": None,
            "percent_approximate": None,
            "pattern_id": p.pattern_id,
            "target": " + ".join(p.target),
            "part_of": None,
        }
        for i, (p, sentence, offset) in enumerate(said, start=1)
    ]
    return rows


# ---- evaluation -------------------------------------------------------------------------------


def _table_value(values: dict, report_id: str, terms: tuple[str, ...]) -> float | None:
    found = [values.get((report_id, t)) for t in terms]
    if not terms or any(v is None for v in found):
        return None
    return round(sum(found), 6)


def _values(observations: pd.DataFrame) -> dict[tuple[str, str], float]:
    # the figure of the report year: column `total`, or `year` beside a cumulative column
    this_year = observations["breakdown"].isin(["total", "year"])
    ok = observations[this_year & observations["value_status"].isin(READ_STATUSES)]
    columns = (ok[c].tolist() for c in ("report_id", "indicator", "value"))
    return {(r, code): float(v) for r, code, v in zip(*columns, strict=True)}


def _eval_row(claim, rule_id: str, expected, actual, violation, message: str) -> dict:
    return {
        "report_id": claim.report_id,
        "rule_id": rule_id,
        "check": "narrative",
        "breakdown": None,
        "op": "=",
        "expected": expected,
        "actual": actual,
        "violation": violation,
        "message": message,
        "locator": f"prose {claim.locator}",
    }


def _count_check(claim, pattern: NarrativePattern, values: dict) -> dict:
    rule_id = f"narrative_{pattern.pattern_id}"
    stated = f"{fmt_number(claim.number)}{claim.unit or ''}"
    said = f"prose says {stated} ({pattern.label_zh}): “{claim.sentence}”"
    table = _table_value(values, claim.report_id, pattern.target)
    if table is None:
        return _eval_row(
            claim,
            rule_id,
            math.nan,
            claim.number,
            math.nan,
            f"not evaluated: the table value is not readable; {said}",
        )
    if table == claim.number:
        return _eval_row(
            claim, rule_id, table, claim.number, 0.0, f"matches the table ({table:g}); {said}"
        )
    alt = _table_value(values, claim.report_id, pattern.alt_target)
    if alt is not None and alt == claim.number:
        reading = " + ".join(pattern.alt_target)
        return _eval_row(
            claim,
            rule_id,
            alt,
            claim.number,
            0.0,
            f"matches the table read as {reading} ({alt:g}), not {table:g}; {said}",
        )
    return _eval_row(
        claim,
        rule_id,
        table,
        claim.number,
        abs(table - claim.number),
        f"differs from the table ({table:g}); {said}",
    )


def _percent_check(claim, pattern: NarrativePattern, values: dict) -> dict:
    rule_id = f"narrative_{pattern.pattern_id}_percent"
    base = _table_value(values, claim.report_id, pattern.base)
    said = (
        f"prose says {fmt_number(claim.number)}{claim.unit}, {claim.percent:g}%: “{claim.sentence}”"
    )
    if not base:
        return _eval_row(
            claim,
            rule_id,
            math.nan,
            claim.percent,
            math.nan,
            f"not evaluated: no readable base; {said}",
        )
    exact = claim.number / base * 100
    step = 10 ** -int(claim.percent_decimals)
    low, high = math.floor(exact / step) * step, math.ceil(exact / step) * step
    ok = low - 1e-9 <= claim.percent <= high + 1e-9
    gap = 0.0 if ok else min(abs(claim.percent - low), abs(claim.percent - high))
    verdict = "matches" if ok else "does not match"
    ratio = f"{fmt_number(claim.number)} / {base:g} = {exact:.4f}%"
    message = f"{verdict} {ratio} at the printed precision; {said}"
    return _eval_row(claim, rule_id, round(exact, 6), claim.percent, gap, message)


def _phrase_check(claim, values: dict, catalogue: Catalogue) -> dict:
    pattern = next(  # pattern ids repeat across families: the target tells them apart
        p
        for p in catalogue.phrases
        if (p.pattern_id, " + ".join(p.target)) == (claim.pattern_id, claim.target)
    )
    rule_id = f"narrative_{pattern.pattern_id}"
    table = _table_value(values, claim.report_id, pattern.target)
    said = f"{pattern.label_zh}: “{claim.sentence}”"
    if table is None:
        return _eval_row(
            claim,
            rule_id,
            math.nan,
            0.0,
            math.nan,
            f"not evaluated: the table value is not readable; {said}",
        )
    verdict = "consistent with" if table == 0 else "contradicts"
    return _eval_row(
        claim, rule_id, table, 0.0, abs(table), f"{verdict} the table ({table:g}); {said}"
    )


def _parts_checks(claims: list[tuple]) -> list[dict]:
    """The parts listed after 其中 never add up to more than the total stated before."""
    totals: dict[tuple, tuple] = {}
    for c in claims:
        totals.setdefault((c.report_id, c.claim_no), c)  # the first row of a claim, as iloc[0]
    groups: dict[tuple[str, float], list] = {}
    for claim in claims:
        if pd.notna(claim.part_of):
            groups.setdefault((claim.report_id, claim.part_of), []).append(claim)
    rows = []
    for (report_id, total_no), group in sorted(groups.items(), key=lambda kv: kv[0]):
        total = totals[(report_id, total_no)]
        if any(c.approximate for c in group):
            continue
        numbers = [c.number for c in group]
        listed = " + ".join(fmt_number(n) for n in numbers)
        added = float(np.nansum(np.array(numbers, dtype="float64")))  # as pandas sums
        verdict = "within" if added <= total.number else "more than"
        message = (
            f"其中 lists {listed} = {fmt_number(added)}{total.unit}, {verdict} the stated total "
            f"{fmt_number(total.number)}{total.unit}: “{total.sentence}”"
        )
        violation = max(0.0, added - float(total.number))
        rows.append(
            _eval_row(
                total,
                "narrative_parts_within_total",
                float(total.number),
                added,
                violation,
                message,
            )
        )
    return rows


def evaluate_narrative(
    claims: pd.DataFrame, observations: pd.DataFrame, catalogue: Catalogue
) -> pd.DataFrame:
    """Evaluation rows for every matched claim that is not an approximation."""
    values = _values(observations)
    patterns = {(p.pattern_id, " + ".join(p.target)): p for p in catalogue.narrative}
    rows = []
    every = named_rows(claims)  # once: the passes below select from it in plain Python
    for claim in every:
        if pd.isna(claim.pattern_id):
            continue
        if claim.kind == "phrase":
            rows.append(_phrase_check(claim, values, catalogue))
            continue
        pattern = patterns[(claim.pattern_id, claim.target)]
        if not claim.approximate:
            rows.append(_count_check(claim, pattern, values))
        checkable = pd.notna(claim.percent) and not claim.percent_approximate
        if checkable and pattern.base and not claim.approximate:
            rows.append(_percent_check(claim, pattern, values))
    rows += _parts_checks(every)
    return evaluation_frame(rows)
