"""The report's prose: sections that restate the printed table, and the claims they make.

In: a `Report` with its printed cells. Out: paragraphs (section headings included) and the
`Claim`s they make, in the phrasings `transforms/catalogue/narrative.csv` and
`narrative_phrases.csv` know ("本年度共收到政府信息公开申请N件", "所有申请均已办结" …), so
that every stated number is checked against its cell. A prose defect (`overstate`) raises
the received count stated in the prose; everything else restates the table as printed.
"""

from __future__ import annotations

from devtools.synth import labels as L
from devtools.synth.model import Claim, Key, Report

_WITHHELD = tuple(code for _, _, code in L.OUTCOME_ROWS if code.startswith("requests.withheld_"))
_UNAVAILABLE = tuple(
    code for _, _, code in L.OUTCOME_ROWS if code.startswith("requests.unavailable_")
)
_NOT_PROCESSED = tuple(
    code for _, _, code in L.OUTCOME_ROWS if code.startswith("requests.not_processed_")
)


def _n(report: Report, keys: tuple[Key, ...]) -> int:
    """The cells' sum as meant (a cell left blank in the table is still stated in the prose)."""
    return sum(int(report.meant(k)) for k in keys)


def _pct(count: int, base: int, decimals: int = 1) -> str:
    return f"{count / base * 100:.{decimals}f}"


class _Writer:
    """Collects sentences and the claims they make for one report."""

    def __init__(self, report: Report, breakdown: str) -> None:
        self.report, self.b = report, breakdown
        self.claims: list[Claim] = []

    def keys(self, *codes: str) -> tuple[Key, ...]:
        return tuple((c, self.b) for c in codes)

    def count(self, pattern: str, codes: tuple[str, ...], alt=(), stated: int | None = None):
        keys = self.keys(*codes)
        number = _n(self.report, keys) if stated is None else stated
        self.claims.append(Claim(f"narrative_{pattern}", keys, float(number), self.keys(*alt)))
        return number

    def percent(self, pattern: str, count: int, base: tuple[str, ...], decimals: int = 1) -> str:
        whole = _n(self.report, self.keys(*base))
        text = _pct(count, whole, decimals)
        self.claims.append(
            Claim(f"narrative_{pattern}_percent", (), float(text), base=self.keys(*base),
                  count=float(count), decimals=decimals)
        )  # fmt: skip
        return text

    def phrase(self, pattern: str, codes: tuple[str, ...]) -> None:
        self.claims.append(Claim(f"narrative_{pattern}", self.keys(*codes), 0.0))


def _national_requests(w: _Writer, overstate: int) -> list[str]:
    received = ("requests.new_received",)
    new = _n(w.report, w.keys(*received))
    carried = _n(w.report, w.keys("requests.carried_over"))
    if new == 0 and carried == 0 and not overstate:
        w.phrase("none_received", received)
        return ["（二）依申请公开情况。本年度未收到政府信息公开申请。"]
    stated = w.count("received", received, alt=(*received, "requests.carried_over"),
                     stated=new + overstate)  # fmt: skip
    parts = [f"本年度共收到政府信息公开申请{stated}件"]
    if carried:
        parts.append(f"上年结转申请{w.count('carried_over', ('requests.carried_over',))}件")
    parts.append(f"办结{w.count('completed', ('requests.completed_total',))}件")
    if _n(w.report, w.keys("requests.carried_forward")):
        forward = w.count("carried_forward", ("requests.carried_forward",))
        parts.append(f"{forward}件结转下年度继续办理")
        return ["（二）依申请公开情况。" + "，".join(parts) + "。"]
    w.phrase("all_completed", ("requests.carried_forward",))
    return ["（二）依申请公开情况。" + "，".join(parts) + "，所有申请均已办结。"]


def _national_outcomes(w: _Writer) -> list[str]:
    completed = _n(w.report, w.keys("requests.completed_total"))
    if not completed:
        return []
    base = ("requests.completed_total",)
    granted = w.count("granted", ("requests.granted",))
    parts = [f"在办结的申请中，予以公开{granted}件，占{w.percent('granted', granted, base)}%"]
    parts.append(f"部分公开{w.count('partially_granted', ('requests.partially_granted',))}件")
    parts.append(f"不予公开{w.count('withheld', _WITHHELD)}件")
    parts.append(f"无法提供{w.count('unavailable', _UNAVAILABLE)}件")
    parts.append(f"不予处理{w.count('not_processed', _NOT_PROCESSED)}件")
    return ["，".join(parts) + "。"]


def _appeal_sentence(w: _Writer, group: str, word: str, pattern: str) -> str:
    groups = ("litigation_direct", "litigation_after_review") if group == "litigation" else (group,)
    codes = {o: tuple(f"appeals.{g}.{o}" for g in groups) for o in L.APPEAL_OUTCOMES}
    total = w.count(f"{pattern}_total", codes["total"])
    if not total:
        return f"{word}{total}件。"
    words = zip(L.APPEALS_OUTCOME_HEAD[:4], L.APPEAL_OUTCOMES[:4], strict=True)
    listed = "，".join(f"{head}{w.count(f'{pattern}_{o}', codes[o])}件" for head, o in words)
    return f"{word}{total}件，其中{listed}。"


def _national_appeals(w: _Writer) -> list[str]:
    codes = [f"appeals.{g}.total" for g in L.APPEAL_GROUPS]
    if _n(w.report, w.keys(*codes)) == 0:
        w.phrase("no_appeals", tuple(codes))
        return ["本年度未发生因政府信息公开引起的行政复议、行政诉讼案件。"]
    return [
        _appeal_sentence(w, "review", "本年度发生政府信息公开行政复议", "review"),
        _appeal_sentence(w, "litigation", "政府信息公开行政诉讼", "litigation"),
    ]


def national(report: Report, overstate: int = 0) -> tuple[list[str], list[Claim]]:
    w = _Writer(report, "total")
    one, two, three, four, five, six = L.SECTIONS_NATIONAL
    paragraphs = [
        L.INTRO.format(year=report.year, body=report.body),
        one,
        *L.FILLER[: 2 + report.index % 3],
        *_national_requests(w, overstate),
        *_national_outcomes(w),
        *_national_appeals(w),
        two,
        "[table 1]",
        three,
        "[table 2]",
        four,
        "[table 3]",
        five,
        L.PROBLEMS.format(year=report.year),
        six,
        L.OTHER_MATTERS,
    ]
    return paragraphs, w.claims


def _fujian_requests(w: _Writer, year: int, overstate: int) -> str:
    received = _n(w.report, w.keys("fujian.requests.received"))
    if received == 0 and not overstate:
        w.phrase("none_received", ("fujian.requests.received",))
        return f"{year}年未收到有关政府信息公开申请。"
    stated = w.count("requests_received", ("fujian.requests.received",),
                     stated=received + overstate)  # fmt: skip
    answered = w.count("requests_answered", ("fujian.requests.answered",))
    return f"{year}年共受理政府信息公开申请{stated}件，已全部答复{answered}件。"


def fujian(report: Report, overstate: int = 0) -> tuple[list[str], list[Claim]]:
    w = _Writer(report, "year")
    y = report.year
    one, two, three, four, five = L.SECTIONS_PROVINCIAL
    total = w.count("proactive_year", ("fujian.proactive.total",))
    appeals = ("fujian.review.cases", "fujian.litigation.cases")
    if _n(report, w.keys(*appeals)) == 0:
        w.phrase("no_appeals", appeals)
        appeal_text = f"{y}年未发生因政府信息公开引起的行政复议、行政诉讼案件。"
    else:
        appeal_text = f"{y}年发生与政府信息公开有关的行政复议、行政诉讼案件，均已依法处理。"
    paragraphs = [
        L.INTRO.format(year=y, body=report.body),
        one,
        *L.FILLER[: 2 + report.index % 3],
        two,
        f"{y}年主动公开政府信息{total}条。",
        three,
        _fujian_requests(w, y, overstate),
        four,
        appeal_text,
        five,
        L.PROBLEMS.format(year=y),
        f"附件：{report.body}{y}年{L.FUJIAN_TITLE}",
        "[table 1]",
    ]
    return paragraphs, w.claims


def _jilin_proactive(w: _Writer) -> str:
    total = w.count("proactive_total", ("jilin.proactive.by_level.total",))
    base = ("jilin.proactive.by_level.total",)
    parts = []
    for pattern, code, words in (
        ("proactive_own_level", "jilin.proactive.by_level.own_level", "市本级公开政府信息"),
        ("proactive_county", "jilin.proactive.by_level.county", "县（市）区、开发区公开政府信息"),
        ("proactive_township", "jilin.proactive.by_level.township", "乡（镇）公开政府信息"),
    ):
        n = w.count(pattern, (code,))
        parts.append(f"{words}{n}条，占比{w.percent(pattern, n, base, 2)}%")
    return f"本年度累计主动公开政府信息{total}条。其中，" + "，".join(parts) + "。"


def _jilin_requests(w: _Writer, overstate: int) -> list[str]:
    received = _n(w.report, w.keys("jilin.requests.received"))
    if received == 0 and not overstate:
        return ["全年未受理政府信息公开申请。"]
    stated = w.count("requests_received", ("jilin.requests.received",),
                     stated=received + overstate)  # fmt: skip
    base = ("jilin.requests.received",)
    parts = []
    for pattern, code, words in (
        ("requests_online", "jilin.requests.online", "网上申请数"),
        ("requests_in_person", "jilin.requests.in_person", "当面申请数"),
        ("requests_letter", "jilin.requests.letter", "信函申请数"),
        ("requests_other_channel", "jilin.requests.other_channel", "其他形式受理"),
    ):
        n = w.count(pattern, (code,))
        parts.append(f"{words}{n}件" + (f"，占{w.percent(pattern, n, base)}%" if received else ""))
    answered = w.count("requests_answered", ("jilin.requests.answered",))
    granted = w.count("requests_granted", ("jilin.requests.granted",))
    partial = w.count("requests_partial", ("jilin.requests.partially_granted",))
    refused = w.count("requests_refused", ("jilin.requests.refused",))
    return [
        f"全年共受理信息公开申请数{stated}件。其中，" + "；".join(parts) + "。",
        f"在全部政府信息公开申请中，已答复{answered}件。在全部信息公开申请答复中，"
        f"同意公开答复的{granted}件，同意部分公开的{partial}件，否决公开{refused}件。",
    ]


def jilin(report: Report, overstate: int = 0) -> tuple[list[str], list[Claim]]:
    w = _Writer(report, "total")
    one, two, three, four, five = L.SECTIONS_PROVINCIAL
    appeals = ("jilin.review.applications", "jilin.litigation.cases")
    paragraphs = [L.INTRO.format(year=report.year, body=report.body), one,
                  *L.FILLER[: 2 + report.index % 3], two, _jilin_proactive(w), three,
                  *_jilin_requests(w, overstate), four]  # fmt: skip
    if _n(report, w.keys(*appeals)) == 0:
        n = w.count("appeals_zero", appeals)
        paragraphs.append(f"全年与信息公开事务相关的行政复议、行政诉讼案件数均为{n}件。")
    else:
        paragraphs.append("全年与信息公开事务相关的行政复议、行政诉讼案件均已依法办结。")
    paragraphs += [five, L.PROBLEMS.format(year=report.year)]
    return paragraphs, w.claims


def write(report: Report, overstate: int = 0) -> None:
    """Fill report.prose and report.claims."""
    writer = {"national": national, "fujian_pre2019": fujian, "jilin_pre2019": jilin}
    report.prose, report.claims = writer[report.family](report, overstate)
