"""A count no body could print (a 41-digit number, ten billion or more) is a finding of the real
Great Expectations identity suite, named for that report with its cell; the seed passes."""

from __future__ import annotations

from expectations.runner import validate
from expectations.suites import identity_suite
from tests.conftest import mutate_lines
from transforms.catalogue import default
from transforms.checks.evaluations import combine
from transforms.checks.identities import evaluate_rules
from transforms.checks.semantic import evaluate_semantic
from transforms.run.incremental import ingest_files

TRAINING = 63  # the seed's line of 举办培训次数 (108), a cell no identity adds up


def test_an_absurd_count_fails_semantic_plausible_value_for_its_report(tmp_path, seed_text):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "seed.txt").write_text(seed_text, encoding="utf-8")
    absurd = "4" * 41
    (raw / "absurd.txt").write_text(mutate_lines(seed_text, {TRAINING: absurd}), encoding="utf-8")
    cat = default()
    reports, obs, _ = ingest_files(sorted(raw.iterdir()), raw, cat)
    evaluations = combine(evaluate_rules(obs, reports, cat), evaluate_semantic(obs, reports, cat))
    checks = validate({"evaluations": evaluations}, (identity_suite(cat),), None)
    names = dict(zip(reports["report_id"], reports["source_file"], strict=True))
    failed = checks[checks["passed"].eq(False)].assign(file=lambda f: f["report_id"].map(names))
    assert failed[["file", "check_id"]].values.tolist() == [
        ["absurd.txt", "semantic_plausible_value"]
    ]
    (message,) = failed["message"]
    assert absurd in message and "line 63" in message, message
