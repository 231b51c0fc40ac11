"""`python -m devtools.synth`: write a synthetic corpus and its truth (tests, benchmark).

    python -m devtools.synth --n N --out DIR [--seed S] [--defect-rate R]
                             [--formats text,flat,html]

A development tool, not part of the shipped `nianbao` command: devtools/ is not packaged and
needs the dev extra (reportlab writes the PDFs). Exit 0 when written, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devtools.synth.generate import generate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.synth",
        description="Write N realistic synthetic reports under OUT/reports/ (Jilin, Fujian and "
        "national 2019/2021 forms; multi-year series; prose restating the tables) and their "
        "truth under OUT/truth/ (values.csv, defects.csv, reports.csv). Deterministic per seed.",
    )
    parser.add_argument("--n", type=int, required=True, help="number of reports")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--defect-rate",
        type=float,
        default=0.0,
        help="share of reports given an injected defect (default 0)",
    )
    parser.add_argument(
        "--formats",
        default="text,flat,html",
        help="comma-separated file formats among text, flat, html, docx, pdf "
        "(default text,flat,html)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    if args.n < 1 or not 0 <= args.defect_rate <= 1:
        print("synth: error: --n must be ≥ 1 and --defect-rate within 0..1", file=sys.stderr)
        return 2
    try:
        done = generate(args.n, args.out, args.seed, args.defect_rate, formats)
    except ValueError as exc:
        print(f"synth: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {done.reports} reports to {done.reports_dir} and their truth to {done.truth_dir}")
    print(f"formats: {done.by_format}; templates: {done.by_template}")
    print(f"values: {done.values}; injected defects: {done.defects}; findings: {done.findings}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
