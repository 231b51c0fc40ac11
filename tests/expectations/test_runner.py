"""The runner's contract with Great Expectations, on small hand-built frames."""

from __future__ import annotations

import pandas as pd
import pytest

from expectations.runner import ValidationError, Validator, _Checkpoint, _context, validate
from expectations.suites import ExpectationSpec, SuiteSpec


def _identity(rule_id: str) -> ExpectationSpec:
    return ExpectationSpec(
        rule_id,
        "identity",
        "error",
        "ExpectColumnValuesToBeBetween",
        {"column": "violation", "min_value": 0, "max_value": 0},
        where=("check", rule_id),
    )


EVALUATIONS = pd.DataFrame(
    {
        "report_id": ["a", "a", "b", "b"],
        "rule_id": ["r1", "r2", "r1", "r2"],
        "check": ["r1", "r2", "r1", "r2"],
        "breakdown": ["total"] * 4,
        "op": ["="] * 4,
        "expected": [3.0, 5.0, 3.0, None],
        "actual": [4.0, 5.0, 3.0, None],
        "violation": [1.0, 0.0, 0.0, None],
        "message": ["m"] * 4,
        "locator": ["line 1"] * 4,
    }
)
SUITE = SuiteSpec("identities", "evaluations", (_identity("r1"), _identity("r2")))


def test_each_rule_expectation_sees_only_its_own_rows():
    unexpected = _Checkpoint(_context(None), SUITE).run(EVALUATIONS)
    assert unexpected == {"r1": {0}, "r2": set()}


def test_results_name_report_rule_and_leave_not_evaluable_null():
    checks = validate({"evaluations": EVALUATIONS}, (SUITE,), None)
    got = {(r.report_id, r.check_id): r.passed for r in checks.itertuples()}
    assert got == {("a", "r1"): False, ("a", "r2"): True, ("b", "r1"): True, ("b", "r2"): None}


def test_batches_through_one_checkpoint_give_the_rows_of_one_batch_and_docs_for_each(tmp_path):
    """The run validates its frames in batches: the same rows come out as from one batch, in
    the batches' order, and the Data Docs show every batch's validation."""
    whole = validate({"evaluations": EVALUATIONS}, (SUITE,), None)
    validator = Validator((SUITE,), tmp_path / "docs")
    parts = [
        validator.check({"evaluations": EVALUATIONS.iloc[:2]}),
        validator.check({"evaluations": EVALUATIONS.iloc[2:]}),
        validator.check({"evaluations": EVALUATIONS.iloc[:0]}),  # an empty batch: no rows
    ]
    validator.finish()
    batched = pd.concat(parts, ignore_index=True)
    pd.testing.assert_frame_equal(batched, whole)
    pages = list((tmp_path / "docs" / "validations").rglob("*.html"))
    assert len(pages) == 2, pages


def test_an_expectation_that_raises_is_a_pipeline_error():
    broken = SuiteSpec(
        "broken",
        "evaluations",
        (
            ExpectationSpec(
                "typo",
                "identity",
                "error",
                "ExpectColumnValuesToBeBetween",
                {"column": "no_such_column", "min_value": 0, "max_value": 0},
            ),
        ),
    )
    with pytest.raises(ValidationError, match="expectation typo in suite broken raised"):
        validate({"evaluations": EVALUATIONS}, (broken,), None)


def test_a_data_docs_folder_that_cannot_be_replaced_is_named_in_the_error(tmp_path):
    """An immutable file in the old Data Docs (chattr +i; root ignores permission bits) must give
    an error naming the folder and the reason, not a puzzling FileExistsError."""
    import subprocess

    from expectations.runner import _fresh_folder

    docs = tmp_path / "data_docs"
    docs.mkdir()
    stuck = docs / "index.html"
    stuck.write_text("old")
    if subprocess.run(["chattr", "+i", str(stuck)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not supported on this file system")
    try:
        with pytest.raises(OSError) as caught:
            _fresh_folder(docs)
        assert not isinstance(caught.value, FileExistsError)
        assert str(caught.value).endswith(
            f"cannot replace the Data Docs folder {docs}: Operation not permitted"
        )
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], check=True)
    _fresh_folder(docs)
    assert list(docs.iterdir()) == []
