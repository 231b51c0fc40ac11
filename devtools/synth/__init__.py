"""Synthetic annual reports with a truth file: `python -m devtools.synth` and the benchmark.

In: how many reports, an output folder, a seed, a defect rate and the file formats. Out:
realistic reports (Jilin, Fujian and national 2019/2021 forms; text, flattened text, HTML,
Word and PDF) under `out/reports/`, and under `out/truth/` every value they print, every
defect injected into them and every finding the checks must report (see `generate`).

Why: the real corpus is small and its defects are few and unlabelled; a generated corpus of
any size, whose every value and defect is known, lets the pipeline be tested for exactness
(every value read, every defect found, nothing else flagged) and benchmarked at scale.
Pure and seeded: the same arguments write the same bytes.
"""

from devtools.synth.generate import (
    ALL_FORMATS,
    DEFAULT_FORMATS,
    SynthSummary,
    generate,
    main_args,
)

__all__ = ["ALL_FORMATS", "DEFAULT_FORMATS", "SynthSummary", "generate", "main_args"]
