"""OCR reader: a scanned (image-only) report PDF → a Document of ruled tables and page text.

In: the bytes of a PDF with no text layer (`pdf.read` hands them over). Out: `Document(lines,
"ocr", "pdf", tables, errors, ocr=True)` like the PDF reader's, or a `ReadError` (Tesseract or
its models missing, no text found on any page). Every cell is a `TableCell` whose locator says
page, table, row, column and the cell's box in the page image ("page 3, table 2, row 5, col 4,
box 612,880,671,912 at 150 dpi"), and whose `ocr` holds what the engine said: its confidence
and, for digits it was unsure of, the alternatives. Cells a parser finds in `lines` (a table
printed without ruling lines) have no such record; `parse_document` marks them read by OCR all
the same. Judging the numbers is not done here: normalise settles each OCR number with the
form's identities (`transforms.normalise.ocr`).

How a page is read:
1. Rendered at `DPI` with pypdfium2 and made grey with red seals faded out: the luminance,
   and where a pixel is red, its luminance relative to the seal's (`_grey`).
2. Deskewed: the angle (within ±`MAX_SKEW` degrees) that makes the dark pixels' row profile the
   sharpest, found on a sheared point cloud (cheap) and applied once.
3. Ruling lines: dark runs at least `MIN_LINE` px long, horizontally and vertically (a
   character's strokes are shorter). A table is a band of rows holding vertical lines; its grid
   is the lines' positions, and two neighbouring slots are one merged cell where no ink covers
   the edge between them (as pdfplumber does for a PDF's vector lines). Where the vertical
   lines run on past the first or last horizontal one, a page break cut the table with no
   border: the border is added there, so the cut row is kept. A table too short for its
   vertical lines to count (a row or three: a table's last row carried to the next page) is
   found from its horizontal lines instead, where vertical ink joins each to the next.
4. Each cell's ink (borders and isolated speckle left out) is trimmed, and that part of the
   grey image (binarising loses thin strokes) recognised with Tesseract through tesserocr, in
   process: first as digits (`eng`, whitelist 0-9 . -), kept where confident and as wide as
   the ink (as many digits as it shows); where the digit model is unsure, the Chinese model's
   reading, if the same, lends its confidence (`eng` is rarely sure of a lone "1"). Else the
   cell is read as Chinese (`chi_sim`), at other sizes until it reads sure. A number the ink is
   too wide or narrow for is given a low confidence (a digit dropped: "6" for "56"). The first
   page's text outside the tables becomes `lines` (unsure lines left out), for the title.

Quirks handled: skew up to a few degrees, speckle (isolated dark pixels), red seals, tables split
over pages (one Table per page, as the PDF reader gives them; the parsers join them), page-number
footers dropped from `lines`. Bounds: at most `MAX_PAGES` pages, `PAGE_SECONDS` per page and
`FILE_SECONDS` per file; past a bound the rest is not read and `errors` says so (the report is
then `partial`). Pages are rendered one at a time, so memory does not grow with the page count.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from transforms.extract.readers import Document, OcrRead, ReadError, Table, TableCell

DPI = 150
MAX_SKEW = 4.0  # degrees
MAX_PAGES = 40
# Pages whose text outside the tables is read: the first, for the title (body and year). A page
# of prose costs about as much as its tables, and numbers OCR misreads in prose would be false
# narrative findings with no identity to vouch for them (ingest checks no claims of a scan).
TEXT_PAGES = 1
PAGE_SECONDS = 20.0
FILE_SECONDS = 90.0  # below the parse pool's 120 s per file (NIANBAO_PARSE_TIMEOUT): the file
# ends partial with what was read, not killed with nothing
LABEL_CONFIDENCE = 70.0  # a label read below this is read again at other sizes
# Tesseract's 0–100 word confidence at and above which a number read is sure (below it, its
# alternatives are kept, and normalise settles it with the identities)
DIGIT_CONFIDENCE = 90.0
LINE_CONFIDENCE = 60.0  # a page text line read below this is left out of `lines`
MISCOUNTED = 40.0  # the confidence given to a number the ink is too wide or narrow for
INK = 150  # grey level below which a pixel is ink
_RED = 40  # a pixel whose red exceeds its green and blue by this much is a seal's
_SEALED = 0.02  # share of a cell's ink box in seal red from which its reading is sealed
_SEAL_LUMINANCE = 100.0  # about the luminance of a seal's red ink (220, 30, 30 is 87)
FAINT = 210  # below which a pixel is ink in a cell that has none darker: nothing printed is blank
_SPECKS = 6  # fewer ink pixels than this in a cell are specks
_COVERED = 0.8  # share of a slot's edge ink must cover to be a border between two slots
_CUT = 10  # px: vertical lines running this far past the last horizontal one were cut
MIN_LINE = 40  # px at DPI: the shortest ruling-line segment (a character's stroke is shorter)
_LONG = 4 * MIN_LINE  # px: the least length of a short table's horizontal lines
_ROW = 12  # px: the least height of a row (two lines closer are one double rule)
_JOINED = 0.9  # share of a row's height a vertical line covers from one line to the next
TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tessdata")
_DIGITS = re.compile(r"^-?\d+(?:\.\d+)?$")
# Brackets chi_sim reads for the form's round ones; no label of a statistics table has them.
_CONFUSED = str.maketrans("《》〈〉「」", "（）（）（）")
# Tesseract puts a space between the "words" of a Chinese line; only spaces between ASCII stay
_WORD_GAP = re.compile(r"(?<=[^\x00-\x7f]) +| +(?=[^\x00-\x7f])")
_FOOTER = re.compile(r"[-‐‑–—―－─]+\s*\d+\s*[-‐‑–—―－─]+|第\s*\d+\s*页.*")


# (scale, Tesseract page segmentation mode) tried in turn on a label until one reads it sure:
# 6 a block of lines, 7 one line
_LABEL_TRIES = ((1, 6), (2, 6), (1.5, 6), (3, 6), (2, 7))


class _OutOfTime(Exception):
    """A page or the file went past its time bound."""


@dataclass(frozen=True)
class _Box:
    x0: int
    y0: int
    x1: int
    y1: int

    def text(self) -> str:
        return f"box {self.x0},{self.y0},{self.x1},{self.y1} at {DPI} dpi"


def read(path: Path, data: bytes) -> Document:
    """Read a scanned report PDF; see the module docstring."""
    engine = _Engine.shared()
    lines: list[str] = []
    tables: list[Table] = []
    errors: list[str] = []
    started = time.monotonic()
    for number, image, red in _pages(data):
        if number > MAX_PAGES:
            errors.append(f"page {number} on: not read, past the {MAX_PAGES}-page OCR bound")
            break
        left = FILE_SECONDS - (time.monotonic() - started)
        if left <= 0:
            errors.append(f"page {number} on: not read, past the {FILE_SECONDS:g} s OCR bound")
            break
        deadline = time.monotonic() + min(PAGE_SECONDS, left)
        try:
            page_tables, page_lines = _read_page(engine, image, red, number, deadline)
        except _OutOfTime:
            if left < PAGE_SECONDS:  # the file's bound came first
                errors.append(f"page {number} on: not read, past the {FILE_SECONDS:g} s OCR bound")
                break
            errors.append(f"page {number}: not read, past the {PAGE_SECONDS:g} s page bound")
            continue
        tables += page_tables
        lines += page_lines
    if not tables and not lines:
        raise ReadError("scanned PDF with no text layer: OCR found no text on any page")
    return Document(tuple(lines), "ocr", "pdf", tuple(tables), tuple(errors), ocr=True)


def _pages(data: bytes) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(page number, grey image, where seal red is) of each page, one rendered at a time."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise ReadError(f"not a readable PDF: {exc}") from exc
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                rgb = page.render(scale=DPI / 72, rev_byteorder=True).to_numpy()
            finally:
                page.close()
            red = _red(rgb)
            yield index + 1, _grey(rgb, red), red
    finally:
        pdf.close()


def _grey(rgb: np.ndarray, red: np.ndarray) -> np.ndarray:
    """The page as grey with red seals (`red`, from `_red`) faded out. The luminance is the
    scan's full-resolution channel (JPEG keeps colour at half resolution, so the red channel
    alone blurs the black print under a seal); where a pixel is red, its luminance is taken
    relative to the seal's red, so the seal becomes paper and the black print on it stays
    dark."""
    r, g, b = (rgb[:, :, i].astype(np.float32) for i in range(3))
    luminance = 0.299 * r + 0.587 * g + 0.114 * b
    lifted = np.minimum(255.0, luminance * 255.0 / _SEAL_LUMINANCE)
    return np.rint(np.where(red, lifted, luminance)).astype(np.uint8)


def _red(rgb: np.ndarray) -> np.ndarray:
    """Where the page is seal red: red exceeding green and blue by `_RED`."""
    r = rgb[:, :, 0].astype(np.int16)
    return (r - np.maximum(rgb[:, :, 1], rgb[:, :, 2])) > _RED


# ---------------------------------------------------------------- the engine


def _tessdata() -> str:
    """The folder holding Tesseract's Chinese and English models, or a ReadError saying what
    to install (the tesserocr package, or Debian's model packages)."""
    # one thread: the parse pool already runs one file per core, and Tesseract's OpenMP threads
    # on top of that only contend (set before the library loads)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        import tesserocr  # noqa: F401 (only whether it is installed)
    except ImportError as exc:
        raise ReadError(
            "scanned PDF: OCR needs the tesserocr package (pip install tesserocr)"
        ) from exc
    models = ("chi_sim.traineddata", "eng.traineddata")
    found = next((d for d in TESSDATA_DIRS if all((Path(d) / m).exists() for m in models)), None)
    if found is None:
        raise ReadError(
            "scanned PDF: OCR needs Tesseract's Chinese model and English model "
            f"({', '.join(models)}), which are in none of {', '.join(TESSDATA_DIRS)} "
            "(install tesseract-ocr-chi-sim and tesseract-ocr-eng)"
        )
    return found


_ENGINES: dict[str, _Engine] = {}  # tessdata folder → the process's engine


class _Engine:
    """Two Tesseract instances, loaded once per file: digits and Chinese text."""

    def __init__(self, digits, chinese) -> None:
        self.digits, self.chinese = digits, chinese

    @classmethod
    def shared(cls) -> _Engine:
        """The process's engine for the installed models, loaded once (about 1.3 s: every
        file would pay it again); a missing model is a ReadError each time."""
        tessdata = _tessdata()
        if tessdata not in _ENGINES:
            _ENGINES[tessdata] = cls._open(tessdata)
        return _ENGINES[tessdata]

    @classmethod
    def _open(cls, tessdata: str) -> _Engine:
        import tesserocr

        digits = tesserocr.PyTessBaseAPI(
            path=tessdata, lang="eng", psm=tesserocr.PSM.SINGLE_LINE, oem=tesserocr.OEM.LSTM_ONLY
        )
        digits.SetVariable("tessedit_char_whitelist", "0123456789.-")
        chinese = tesserocr.PyTessBaseAPI(
            path=tessdata,
            lang="chi_sim",
            psm=tesserocr.PSM.SINGLE_BLOCK,
            oem=tesserocr.OEM.LSTM_ONLY,
        )
        return cls(digits, chinese)

    def cell(self, image: np.ndarray, sealed: bool = False) -> tuple[str, OcrRead]:
        """(text, what OCR said) of one cell's inside: a number where the digit reading is
        confident and as wide as the ink, else the Chinese reading (labels; and numbers the
        digit reading got wrong, their confidence then capped where the width does not match
        either). Under a seal (`sealed`) a number keeps its alternatives and is marked so: red
        ink faded out still leaves strokes that read as digits with confidence ("9" for 0)."""
        text, said = self._cell(image, sealed)
        return text, OcrRead(said.confidence, said.alternatives, sealed) if sealed else said

    def _cell(self, image: np.ndarray, sealed: bool) -> tuple[str, OcrRead]:
        from PIL import Image

        picture = Image.fromarray(_padded(image))
        self.digits.SetImage(picture)
        text = self.digits.GetUTF8Text().strip()
        confidence = float(self.digits.MeanTextConf())
        number = bool(_DIGITS.match(text)) and confidence >= 50
        if number and _counted(text, image):
            alternatives = _alternatives(self.digits, 0.0 if sealed else confidence)
            if confidence < DIGIT_CONFIDENCE:  # a second opinion: the Chinese model's digits
                again, again_confidence = self._chinese(picture)
                if again == text:
                    confidence = max(confidence, again_confidence)
            unsure = sealed or confidence < DIGIT_CONFIDENCE
            return text, OcrRead(confidence, alternatives if unsure else ())
        label, label_confidence = self._chinese(picture)
        if _DIGITS.match(label) and not _counted(label, image):
            label_confidence = min(label_confidence, MISCOUNTED)
        if number and (label_confidence < confidence or len(label) < 2):
            # digits read, but not as wide as the ink (a digit dropped or doubled: "6" for "56"),
            # or read by the Chinese model as one character ("卫" for 12): as unsure as can be
            capped = min(confidence, MISCOUNTED)
            return text, OcrRead(capped, _alternatives(self.digits, capped))
        return label, OcrRead(label_confidence)

    def _chinese(self, picture) -> tuple[str, float]:
        """The chi_sim reading of a cell and its confidence: a block (labels wrap), at the
        scan's size and, where that finds nothing sure, at other sizes: Tesseract erratically
        finds no line in some crops of characters about 20 px high, at one size and not at
        another."""
        from PIL import Image

        best = ("", -1.0)
        for scale, mode in _LABEL_TRIES:
            self.chinese.SetPageSegMode(mode)
            size = (round(picture.width * scale), round(picture.height * scale))
            self.chinese.SetImage(picture.resize(size, Image.BICUBIC) if scale > 1 else picture)
            lines = self.chinese.GetUTF8Text().splitlines()
            text = "\n".join(s.strip() for s in lines if s.strip())
            best = max(best, (text, float(self.chinese.MeanTextConf())), key=lambda r: r[1])
            if best[1] >= LABEL_CONFIDENCE:
                break
        return best

    def page_text(self, image: np.ndarray) -> list[str]:
        """The page's text lines outside the tables; lines OCR is not sure of (a photo, a seal,
        noise read as characters) are left out."""
        from PIL import Image
        from tesserocr import PSM, RIL, iterate_level

        self.chinese.SetPageSegMode(PSM.AUTO)
        self.chinese.SetImage(Image.fromarray(image))
        self.chinese.Recognize()
        lines = []
        iterator = self.chinese.GetIterator()
        if iterator is None:  # nothing recognised on the page
            return []
        for line in iterate_level(iterator, RIL.TEXTLINE):
            if line.Confidence(RIL.TEXTLINE) < LINE_CONFIDENCE:
                continue
            try:
                text = line.GetUTF8Text(RIL.TEXTLINE).strip()
            except RuntimeError:  # tesserocr's "No text returned": an empty line
                continue
            if text:
                lines.append(_WORD_GAP.sub("", text))
        return lines


# Widths of the forms' digits in their height: (narrowest, widest); "1" and "." are narrow. A
# number's ink is at most `_GAP` heights wider per gap between two digits.
_WIDTHS = {"1": (0.15, 0.6), ".": (0.05, 0.4)}
_WIDTH = (0.35, 0.8)
_GAP = 0.35


def _counted(text: str, image: np.ndarray) -> bool:
    """Whether the number read is as wide as the ink in the image: a digit dropped ("6" for
    "56") or doubled leaves the ink too wide or too narrow for it. (Counting glyphs by their
    inked columns is not reliable: small print blurs digits together or apart.)"""
    ink = image < INK
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(rows):
        return False
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    glyphs = [_WIDTHS.get(ch, _WIDTH) for ch in text if ch.isdigit() or ch == "."]
    narrowest = sum(lo for lo, _ in glyphs) * height
    widest = (sum(hi for _, hi in glyphs) + _GAP * (len(glyphs) - 1)) * height + 2
    return narrowest <= width <= widest


def _alternatives(api, confidence: float) -> tuple[str, ...]:
    """The readings of an unsure number: each digit OCR was unsure of replaced by each of its
    alternatives (at most a few). Empty when OCR was sure."""
    if confidence >= DIGIT_CONFIDENCE:
        return ()
    import tesserocr

    symbols: list[list[str]] = []
    iterator = api.GetIterator()
    level = tesserocr.RIL.SYMBOL
    for symbol in tesserocr.iterate_level(iterator, level):
        choices = [c.GetUTF8Text() for c in symbol.GetChoiceIterator()]
        own = symbol.GetUTF8Text(level)
        symbols.append(list(dict.fromkeys([own, *[c for c in choices if c.isdigit()]])))
    readings = [""]
    for options in symbols:
        readings = [r + o for r in readings for o in options][:16]
    return tuple(dict.fromkeys(readings))


def _padded(image: np.ndarray) -> np.ndarray:
    """The cell's inside with a white margin (Tesseract reads glyphs touching the edge badly)."""
    return np.pad(image, 24, constant_values=255)


# ---------------------------------------------------------------- one page


def _read_page(
    engine: _Engine, grey: np.ndarray, red: np.ndarray, number: int, deadline: float
) -> tuple[list[Table], list[str]]:
    grey, red = _deskewed(grey, red)
    ink = _despeckled(grey < INK)
    horizontal, vertical = _runs(ink, MIN_LINE, 1), _runs(ink, MIN_LINE, 0)
    text_ink = ink & ~(horizontal | vertical)
    # the page text is read from the ink only (grey speckle confuses the page layout analysis)
    clean = np.where(text_ink, grey, 255).astype(np.uint8)
    tables = []
    covered = np.zeros(grey.shape, dtype=bool)
    for index, grid in enumerate(_grids(ink, horizontal, vertical), 1):
        where = f"page {number}, table {index}"
        tables.append(_table(engine, grey, text_ink, red, grid, where, deadline))
        x0, y0, x1, y1 = grid.bounds
        covered[y0:y1, x0:x1] = True
    if number > TEXT_PAGES:
        return tables, []
    lines = engine.page_text(np.where(covered, 255, clean).astype(np.uint8))
    return tables, [line for line in lines if not _FOOTER.fullmatch(line)]


def _deskewed(grey: np.ndarray, red: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The page and its seal red turned straight (a turn under 0.05° is left: it moves no line
    a pixel)."""
    angle = _skew(grey < INK)
    if abs(angle) < 0.05:
        return grey, red
    from PIL import Image

    turned = Image.fromarray(grey).rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    red_turned = Image.fromarray(red).rotate(angle, resample=Image.NEAREST, fillcolor=0)
    return np.asarray(turned), np.asarray(red_turned)


def _skew(ink: np.ndarray) -> float:
    """The page's skew in degrees: the shear making the ink's row profile sharpest."""
    ys, xs = np.nonzero(ink[::2, ::2])
    if len(ys) < 100:
        return 0.0

    def score(angle: float) -> float:
        rows = np.round(ys - xs * np.tan(np.radians(angle))).astype(np.int64)
        counts = np.bincount(rows - rows.min())
        return float(np.dot(counts, counts))

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.25), key=score)
    best = max(np.arange(best - 0.25, best + 0.26, 0.05), key=score)
    return float(best)


def _despeckled(ink: np.ndarray) -> np.ndarray:
    """Ink without isolated dark pixels (a pixel with fewer than two dark neighbours)."""
    padded = np.pad(ink, 1).astype(np.uint8)
    neighbours = sum(
        padded[1 + dy : padded.shape[0] - 1 + dy, 1 + dx : padded.shape[1] - 1 + dx]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if dy or dx
    )
    return ink & (neighbours >= 2)


def _runs(ink: np.ndarray, length: int, axis: int) -> np.ndarray:
    """The ink pixels on a straight dark run of at least `length` px along `axis` (1: rows), a
    one-pixel gap bridged (blur and speckle break thin lines)."""
    mask = ink if axis == 1 else ink.T
    bridged = mask.copy()
    bridged[:, 1:-1] |= mask[:, :-2] & mask[:, 2:]
    sums = np.cumsum(np.pad(bridged, ((0, 0), (1, 0))).astype(np.int32), axis=1)
    full = (sums[:, length:] - sums[:, :-length]) == length  # window [i, i+length) all ink
    starts = np.cumsum(np.pad(full, ((0, 0), (1, 0))).astype(np.int32), axis=1)
    width = mask.shape[1]
    # pixel j is covered when a full window starts in [j-length+1, j]
    lo = np.clip(np.arange(width) - length + 1, 0, full.shape[1])
    hi = np.clip(np.arange(width) + 1, 0, full.shape[1])
    covered = (starts[:, hi] - starts[:, lo]) > 0
    covered &= bridged
    return covered if axis == 1 else covered.T


# ---------------------------------------------------------------- the grid


@dataclass
class _Grid:
    ys: list[int]  # horizontal line positions, top to bottom
    xs: list[int]  # vertical line positions, left to right
    ink: np.ndarray  # the page's ink: a border is where ink covers the slots' edge

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1] + 1, self.ys[-1] + 1


def _positions(profile: np.ndarray, minimum: int) -> list[int]:
    """Centres of the runs of `profile` ≥ minimum (a line a few px thick is one position)."""
    on = profile >= minimum
    out, start = [], None
    for i, flag in enumerate([*on, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            out.append((start + i - 1) // 2)
            start = None
    return out


def _grids(ink: np.ndarray, horizontal: np.ndarray, vertical: np.ndarray) -> list[_Grid]:
    """The tables of a page: bands of rows holding vertical lines, each with its lines."""
    column_ink = vertical.any(axis=1)
    bands = _bands(column_ink, gap=4)
    grids = []
    for top, bottom in bands:
        top, bottom = max(top - 4, 0), min(bottom + 5, horizontal.shape[0])
        h, v = horizontal[top:bottom], vertical[top:bottom]
        ys = [top + y for y in _positions(h.sum(axis=1), MIN_LINE)]
        xs = _positions(v.sum(axis=0), MIN_LINE // 2)
        ys = _cut_edges(ys, top, bottom, column_ink)
        if len(ys) >= 2 and len(xs) >= 2:
            grids.append(_Grid(ys, xs, ink))
    taken = np.zeros(ink.shape[0], dtype=bool)
    for grid in grids:
        taken[max(grid.ys[0] - _ROW, 0) : grid.ys[-1] + _ROW] = True
    return sorted(grids + _short_grids(ink, horizontal, taken), key=lambda g: g.ys[0])


def _short_grids(ink: np.ndarray, horizontal: np.ndarray, taken: np.ndarray) -> list[_Grid]:
    """Tables too short for `_bands` (a row or three: the last row of a table carried over to
    the next page): long horizontal lines close together, outside the tables found (`taken`
    rows), where at least three columns of ink join each line to the next (a character's
    stroke stops short of the lines)."""
    lines = [y for y in _positions(horizontal.sum(axis=1), _LONG) if not taken[y]]
    groups: list[list[int]] = []
    for y in lines:
        if groups and y - groups[-1][-1] < _ROW:
            continue  # a double rule, or one line seen twice
        if groups and y - groups[-1][-1] <= 2 * MIN_LINE:
            groups[-1].append(y)
        else:
            groups.append([y])
    grids = []
    for ys in groups:
        if len(ys) < 2:
            continue
        span = np.flatnonzero(horizontal[max(ys[0] - 2, 0) : ys[0] + 3].any(axis=0))
        xs: list[int] = []
        for a, b in itertools.pairwise(ys):
            inside = ink[a + 2 : b - 1]
            near = inside[:, :-2] | inside[:, 1:-1] | inside[:, 2:]  # a line 1 px off
            joined = (near.mean(axis=0) >= _JOINED).astype(int)
            xs += [x + 1 for x in _positions(joined, 1) if span[0] - 4 <= x + 1 <= span[-1] + 4]
        columns = sorted(set(xs))
        xs = [x for i, x in enumerate(columns) if i == 0 or x - columns[i - 1] > 4]
        if len(xs) >= 3:
            grids.append(_Grid(ys, xs, ink))
    return grids


def _cut_edges(ys: list[int], top: int, bottom: int, column_ink: np.ndarray) -> list[int]:
    """The grid's lines with a border added where the vertical lines run on past the first or
    last horizontal one: a table cut by the page break, printed with no line at the cut."""
    rows = np.flatnonzero(column_ink[top:bottom])
    if not ys or not len(rows):
        return ys
    first, last = top + int(rows[0]), top + int(rows[-1])
    return [first] * (ys[0] - first > _CUT) + ys + [last] * (last - ys[-1] > _CUT)


def _bands(flags: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """Runs of True in `flags`, runs closer than `gap` joined."""
    out: list[tuple[int, int]] = []
    for i in np.flatnonzero(flags):
        if out and i - out[-1][1] <= gap:
            out[-1] = (out[-1][0], int(i))
        else:
            out.append((int(i), int(i)))
    return [(a, b) for a, b in out if b - a >= 2 * MIN_LINE]


def _separated_across(grid: _Grid, r: int, c: int) -> bool:
    """Whether a vertical line at xs[c+1] separates slot (r, c) from (r, c+1)."""
    x, y0, y1 = grid.xs[c + 1], grid.ys[r], grid.ys[r + 1]
    band = grid.ink[y0 + 3 : y1 - 2, max(x - 3, 0) : x + 4].any(axis=1)
    return band.size > 0 and band.mean() > _COVERED


def _separated_down(grid: _Grid, r: int, c: int) -> bool:
    """Whether a horizontal line at ys[r+1] separates slot (r, c) from (r+1, c)."""
    y, x0, x1 = grid.ys[r + 1], grid.xs[c], grid.xs[c + 1]
    band = grid.ink[max(y - 3, 0) : y + 4, x0 + 3 : x1 - 2].any(axis=0)
    return band.size > 0 and band.mean() > _COVERED


def _cells(grid: _Grid) -> dict[tuple[int, int], tuple[int, int]]:
    """slot (r, c) → the top-left slot of the merged cell it belongs to."""
    rows, cols = len(grid.ys) - 1, len(grid.xs) - 1
    parent = {(r, c): (r, c) for r in range(rows) for c in range(cols)}

    def find(slot):
        while parent[slot] != slot:
            parent[slot] = parent[parent[slot]]
            slot = parent[slot]
        return slot

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and not _separated_across(grid, r, c):
                union((r, c), (r, c + 1))
            if r + 1 < rows and not _separated_down(grid, r, c):
                union((r, c), (r + 1, c))
    return {slot: find(slot) for slot in parent}


def _table(
    engine: _Engine,
    grey: np.ndarray,
    ink: np.ndarray,
    red: np.ndarray,
    grid: _Grid,
    where: str,
    deadline: float,
) -> Table:
    owner = _cells(grid)
    spans: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for slot, root in owner.items():
        spans.setdefault(root, []).append(slot)
    read: dict[tuple[int, int], TableCell] = {}
    for root, slots in sorted(spans.items()):
        if time.monotonic() > deadline:
            raise _OutOfTime
        r0, c0 = root
        r1 = max(r for r, _ in slots) + 1
        c1 = max(c for _, c in slots) + 1
        box = _Box(grid.xs[c0], grid.ys[r0], grid.xs[c1], grid.ys[r1])
        locator = f"{where}, row {r0 + 1}, col {c0 + 1}, {box.text()}"
        read[root] = _cell(engine, grey, ink, red, box, locator)
    rows = len(grid.ys) - 1
    cols = len(grid.xs) - 1
    return Table(tuple(tuple(read[owner[(r, c)]] for c in range(cols)) for r in range(rows)), where)


def _cell(
    engine: _Engine, grey: np.ndarray, ink: np.ndarray, red: np.ndarray, box: _Box, locator: str
) -> TableCell:
    """One cell read: its text ink (borders and speckle left out) trimmed, and the grey image
    of that part recognised (binarising first loses thin strokes: Tesseract reads grey best);
    sealed where seal red covers `_SEALED` of the trimmed part."""
    inset = 3
    y0, y1, x0, x1 = box.y0 + inset, box.y1 - inset + 1, box.x0 + inset, box.x1 - inset + 1
    if y1 - y0 < 4 or x1 - x0 < 4:
        return TableCell("", locator, OcrRead(None))
    dark = ink[y0:y1, x0:x1]
    if dark.sum() < _SPECKS:  # no ink, or print too faint for INK (a light, blurred digit)
        dark = _despeckled(grey[y0:y1, x0:x1] < FAINT)
        if dark.sum() < _SPECKS:
            return TableCell("", locator, OcrRead(None))
    rows, cols = np.flatnonzero(dark.any(axis=1)), np.flatnonzero(dark.any(axis=0))
    top, left = y0 + rows[0], x0 + cols[0]
    trimmed = np.s_[max(top - 2, y0) : y0 + rows[-1] + 3, max(left - 2, x0) : x0 + cols[-1] + 3]
    text, said = engine.cell(grey[trimmed], bool(red[trimmed].mean() >= _SEALED))
    return TableCell(text.translate(_CONFUSED).lstrip("、，,."), locator, said)
