"""The generator: N synthetic reports with their truth, deterministic for a seed.

In: how many reports, where, the seed, the defect rate and the formats. Out: the files under
`out_dir/reports/` and the truth under `out_dir/truth/`:
- `values.csv`: one row per printed value cell (file, template, indicator, breakdown, the value
  the pipeline must read or empty, and the value_status it must give it);
- `defects.csv`: one row per finding the checks must report (file, defect kind, whether it was
  injected, check_id, rule_id, breakdown, detail): the injected defects, and the findings that
  come with the format itself (flattened runs that are ambiguous or cannot be split);
- `reports.csv`: one row per file (body, year, template, form, format, size, defect).
Each report is built by the stages of this package: values → defect → expected statuses →
prose → findings → bytes.
"""

from __future__ import annotations

import copy
import csv
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from devtools.synth import defects, flat, office, oracle, prose, render
from devtools.synth import values as V
from devtools.synth.model import BLANK, NUMBER, Report
from devtools.synth.plan import Series, series
from transforms.catalogue import Catalogue, default

DEFAULT_FORMATS = ("text", "flat", "html")
ALL_FORMATS = ("text", "flat", "html", "docx", "pdf")
_WRITERS = {"text": render.text, "flat": render.flat, "html": render.page,
            "docx": office.docx, "pdf": office.pdf}  # fmt: skip
_BLANK_TEXTS = {"", "—", "/", "无"}
_INTENDED = {  # the check an injected defect of each kind must make fail
    "blank_cell": {"obs_value_present"},
    "prose_mismatch": {"narrative"},
    "broken_carry_over": {"cross_year_carry_over"},
    "ambiguous_run": {"obs_value_present"},
}


@dataclass
class SynthSummary:
    out_dir: Path
    reports: int = 0
    values: int = 0
    defects: int = 0  # injected
    findings: int = 0  # every expected finding, injected or natural
    by_format: dict[str, int] = field(default_factory=dict)
    by_template: dict[str, int] = field(default_factory=dict)
    by_defect: dict[str, int] = field(default_factory=dict)

    @property
    def reports_dir(self) -> Path:
        return self.out_dir / "reports"

    @property
    def truth_dir(self) -> Path:
        return self.out_dir / "truth"


@dataclass
class _Built:
    report: Report
    expected: set  # oracle findings on the final report
    injected: set  # the part of `expected` the defect caused


def _cells(rng: random.Random, s: Series, form: str, state: V.SeriesState) -> dict:
    if form.startswith("national"):
        return V.national_cells(rng, s.size, form, s.kind, state)
    if form.startswith("fujian"):
        return V.fujian_cells(rng, s.size, form, state)
    return V.jilin_cells(rng, s.size)


def _finish(report: Report, catalogue: Catalogue, overstate: int = 0) -> set:
    """Expected statuses and the prose; returns the report's expected findings."""
    if report.fmt == "flat":
        report.status = flat.flat_status(report, catalogue)
    else:
        report.status = {
            k: BLANK if v.strip() in _BLANK_TEXTS else NUMBER for k, v in report.cells.items()
        }
    prose.write(report, overstate)
    return oracle.findings(report, catalogue)


def _intended(kind: str, found: set, catalogue: Catalogue) -> bool:
    checks = {f[0] for f in found}
    if kind == "wrong_total":
        return bool(checks & {r.rule_id for r in catalogue.rules})
    return bool(checks & _INTENDED[kind])


def _with_defect(rng, report: Report, state, catalogue: Catalogue) -> _Built | None:
    """The report with one defect whose intended check fails; None when no kind applies."""
    clean_cells, saved = dict(report.cells), copy.deepcopy(state)
    for kind in rng.sample(defects.KINDS, len(defects.KINDS)):
        defect = defects.apply(kind, rng, report, state)
        if defect is not None:
            overstate = int(defect.target) if kind == "prose_mismatch" else 0
            found = _finish(report, catalogue, overstate)
            clean = replace(report, cells=dict(clean_cells), blanked={}, defect=None)
            caused = found - _finish(clean, catalogue)
            if _intended(kind, caused, catalogue):
                report.defect = defect
                return _Built(report, found, caused)
        report.cells, report.blanked = dict(clean_cells), {}  # undo, try the next kind
        vars(state).update(copy.deepcopy(vars(saved)))
    return None


def _build(rng, s: Series, i: int, index: int, state, previous, rate, catalogue) -> _Built:
    form = s.forms[i]
    report = Report(index, s.body, s.years[i], s.template(form), form, s.formats[i], s.size,
                    _cells(rng, s, form, state), previous=previous,
                    spaced=s.spaced and form.startswith("fujian"),
                    title_year_first=rng.random() < 0.3)  # fmt: skip
    if rng.random() < rate:
        built = _with_defect(rng, report, state, catalogue)
        if built is not None:
            return built
    return _Built(report, _finish(report, catalogue), set())


_MAX_MISSES = 10_000  # draws in a row that found no free body name: the name list is used up


def _plan(rng: random.Random, n: int, formats: tuple[str, ...]) -> list[Series]:
    plans, taken, count, misses = [], set(), 0, 0
    while count < n:
        s = series(rng, formats, taken)
        misses = 0 if s is not None else misses + 1
        if misses > _MAX_MISSES:
            raise ValueError(f"no more distinct body names after {count} reports; ask for fewer")
        if s is not None:
            plans.append(s)
            count += len(s.years)
    return plans


def _natural(built: _Built) -> list[tuple]:
    report = built.report
    rows = []
    for finding in sorted(built.expected - built.injected):
        if finding[0] != "obs_value_present":  # the generator's own values broke a rule
            raise AssertionError(f"{report.file}: unexpected natural finding {finding}")
        status = report.status[(finding[1], finding[2])]
        kind = "ambiguous_run" if status == "ambiguous" else "unreadable_run"
        rows.append((kind, "false", *finding, f"flattened run left {status} (not injected)"))
    return rows


def _defect_rows(built: _Built) -> list[tuple]:
    report = built.report
    rows = [(report.defect.kind, "true", *f, report.defect.detail) for f in sorted(built.injected)]
    return [(report.file, *row) for row in rows + _natural(built)]


def _value_rows(report: Report) -> list[tuple]:
    return [
        (report.file, report.template, code, b,
         report.cells[(code, b)] if report.status[(code, b)] in ("number", "derived_from_flattened")
         else "", report.status[(code, b)])
        for code, b in sorted(report.cells)
    ]  # fmt: skip


TRUTH_HEADERS = {
    "values.csv": ("file", "template", "indicator", "breakdown", "value", "value_status"),
    "defects.csv": ("file", "defect_kind", "injected", "check_id", "rule_id", "breakdown",
                    "detail"),
    "reports.csv": ("file", "body", "report_year", "template", "form", "format", "size",
                    "defect_kind"),
}  # fmt: skip


def _report_row(r: Report) -> tuple:
    kind = r.defect.kind if r.defect else ""
    return (r.file, r.body, r.year, r.template, r.form, r.fmt, r.size, kind)


class _Truth:
    """The three truth files, written as the reports are built."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.files = {
            name: (folder / name).open("w", encoding="utf-8", newline="") for name in TRUTH_HEADERS
        }
        self.writers = {n: csv.writer(f, lineterminator="\n") for n, f in self.files.items()}
        for name, header in TRUTH_HEADERS.items():
            self.writers[name].writerow(header)

    def add(self, built: _Built) -> tuple[int, int]:
        r = built.report
        values, found = _value_rows(r), _defect_rows(built)
        self.writers["values.csv"].writerows(values)
        self.writers["defects.csv"].writerows(found)
        self.writers["reports.csv"].writerow(_report_row(r))
        return len(values), len(found)

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def generate(
    n: int,
    out_dir: Path,
    seed: int = 0,
    defect_rate: float = 0.0,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
) -> SynthSummary:
    """Write n reports to out_dir/reports and their truth to out_dir/truth (see module doc)."""
    unknown = set(formats) - set(ALL_FORMATS)
    if unknown or not formats:
        raise ValueError(f"formats must be among {ALL_FORMATS}, got {formats}")
    out_dir = Path(out_dir)
    reports_dir = out_dir / "reports"
    reports_dir.mkdir(parents=True, exist_ok=True)
    catalogue, rng = default(), random.Random(seed)
    summary, truth, index = SynthSummary(out_dir), _Truth(out_dir / "truth"), 0
    try:
        for number, s in enumerate(_plan(rng, n, tuple(formats))):
            srng, state, previous = random.Random(f"{seed}:{number}"), V.SeriesState(), None
            for i in range(len(s.years)):
                if index >= n:
                    break
                built = _build(srng, s, i, index, state, previous, defect_rate, catalogue)
                report = built.report
                (reports_dir / report.file).write_bytes(_WRITERS[report.fmt](report))
                n_values, n_found = truth.add(built)
                _count(summary, report, n_values, n_found)
                previous, index = report, index + 1
    finally:
        truth.close()
    return summary


def _count(summary: SynthSummary, report: Report, n_values: int, n_found: int) -> None:
    summary.reports += 1
    summary.values += n_values
    summary.findings += n_found
    summary.by_format = dict(Counter(summary.by_format) + Counter([report.fmt]))
    summary.by_template = dict(Counter(summary.by_template) + Counter([report.template]))
    if report.defect:
        summary.defects += 1
        summary.by_defect = dict(Counter(summary.by_defect) + Counter([report.defect.kind]))


def main_args(n: int, out: str | Path, seed: int = 0, defect_rate: float = 0.0,
              formats: tuple[str, ...] = DEFAULT_FORMATS) -> SynthSummary:  # fmt: skip
    """`generate` with loose argument types (`python -m devtools.synth` parses its own)."""
    return generate(n, Path(out), seed=seed, defect_rate=defect_rate, formats=tuple(formats))
