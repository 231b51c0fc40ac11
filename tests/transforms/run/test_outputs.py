"""The streamed run gives the tables of the in-memory path, exactly (issue 13).

The in-memory path is what nianbao did before the run was streamed, kept as functions
(`incremental.ingest_files`, the check modules over whole frames, `expectations.runner.validate`
on one batch): the reference. The run under test is the real flow, whose parse workers write a
spool in batches (more than one file per batch here), GE in batches, DuckDB building the tables.
Corpus: real report fixtures of every format, a synthetic corpus with injected defects,
multi-year series (cross-year checks) and a duplicate file in another batch than its original.
Then one file changed, one removed and one added: the incremental run must equal a full
refresh, and both the reference over the same files.
"""

from __future__ import annotations

import itertools
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from devtools.synth import generate
from expectations.runner import Validator, validate
from expectations.suites import all_suites
from flows.pipeline import nianbao_pipeline
from tests.paths import FIXTURES
from transforms import catalogue, schemas
from transforms.checks.bodies import evaluate_bodies
from transforms.checks.completeness import evaluate_completeness
from transforms.checks.crossyear import evaluate_conflicts, evaluate_cross_year
from transforms.checks.evaluations import combine
from transforms.checks.identities import evaluate_rules
from transforms.checks.narrative import evaluate_narrative
from transforms.checks.semantic import evaluate_semantic
from transforms.normalise.bodies import resolve_reports
from transforms.run import outputs, spool
from transforms.run.incremental import canonical, ingest_files
from transforms.run.ingest import discover, ingest_file, source_name
from transforms.schemas import REPORT_READ
from transforms.store import tables
from transforms.store.curated import read_table

TABLES = {
    "reports": schemas.REPORTS,
    "observations": schemas.OBSERVATIONS,
    "narrative_claims": schemas.NARRATIVE_CLAIMS,
    "check_results": schemas.CHECK_RESULTS,
}
CHECK_ORDER = ["report_id", "kind", "check_id", "breakdown", "locator", "message"]


def reference(raw) -> dict[str, pd.DataFrame]:
    """The four data tables as the in-memory path computes them from scratch."""
    cat = catalogue.default()
    reports, obs, claims = ingest_files(discover(raw), raw, cat)
    live = reports[reports["status"].isin(REPORT_READ)]
    evaluations = combine(
        evaluate_rules(obs, live, cat),
        evaluate_semantic(obs, live, cat),
        evaluate_completeness(obs, live, cat),
        evaluate_narrative(claims, obs, cat),
        evaluate_cross_year(live, obs, cat),
        evaluate_conflicts(live),
        evaluate_bodies(resolve_reports(reports, cat)),
    )
    frames = {"evaluations": evaluations, "observations": obs, "reports": live}
    checks = canonical(validate(frames, all_suites(cat), None), CHECK_ORDER)
    return {
        "reports": reports,
        "observations": obs,
        "narrative_claims": claims,
        "check_results": checks,
    }


def published(curated) -> dict:
    """The four tables as frames, and as written (`_arrow`)."""
    frames = {t: read_table(curated / f"{t}.parquet", s) for t, s in TABLES.items()}
    return {**frames, "_arrow": {t: pq.read_table(curated / f"{t}.parquet") for t in TABLES}}


def assert_same(got: dict, expected: dict, what: str) -> None:
    """Equal frames, and NULL where the other has NULL once written as the table (a frame's
    NaN is written as NULL; a NaN in Arrow would be a number to DuckDB)."""
    for table, schema in TABLES.items():
        a, b = got[table].reset_index(drop=True), expected[table].reset_index(drop=True)
        assert a.shape == b.shape, f"{what}: {table} has {a.shape}, expected {b.shape}"
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=f"{what}: {table}")
        if "_arrow" in got:
            arrow = got["_arrow"][table]
            written = pa.Table.from_pandas(b, schema=schema, preserve_index=False)
            for column in schema.names:
                nulls = pc.is_null(arrow[column], nan_is_null=False)
                assert nulls.equals(pc.is_null(written[column])), f"{what}: {table}.{column}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    for path in sorted(FIXTURES.glob("*.*")):
        shutil.copy(path, raw / path.name)
    made = generate(120, tmp_path_factory.mktemp("synth"), seed=5, defect_rate=0.2)
    shutil.copytree(made.reports_dir, raw / "synth")
    first = sorted((raw / "synth").iterdir())[0]
    shutil.copy(first, raw / f"zz_copy_of_{first.name}")  # a duplicate, batches away
    return raw


@pytest.fixture(scope="module")
def expected(corpus):
    """The in-memory path's tables of `corpus` (computed once: the tests do not change it)."""
    return reference(corpus)


def test_a_sort_split_by_ranges_gives_the_one_sort(tmp_path, monkeypatch):
    """write_sorted over several ranges, a query a range or split once into range files, writes
    the rows a single sort writes, a NULL report id first as NULLS FIRST puts it, and leaves no
    range file behind; a range file is sorted in two halves (ids on both sides of its middle,
    and on it; an id not in hex falls in the last range). The same when the split reads small
    batches and writes a range's rows as they gather (READ_ROWS, SPLIT_ROWS)."""
    ids = [None, "ff01", "0a", "7f", "80", "0a", "c3", None, "7f", "2000", "1fff", "e0", "zz"]
    source = tmp_path / "rows.parquet"
    pq.write_table(
        pa.table({"report_id": pa.array(ids, pa.string()), "n": range(len(ids))}), source
    )
    schema = pa.schema([("report_id", pa.string()), ("n", pa.int64())])
    union = f"SELECT report_id, n, n AS _r FROM read_parquet('{source}')"
    order = '"report_id" NULLS FIRST, _r'
    con = tables.connect(tmp_path / "spill")
    written = {}
    for parts, split in ((1, False), (4, False), (4, True)):
        target = tmp_path / f"sorted-{parts}-{split}.parquet"
        ranges = tables._ranges(parts)
        rows = tables.write_sorted(con, union, order, schema, target, None, ranges, split)
        assert rows == len(ids)
        written[parts, split] = pq.read_table(target).to_pylist()
    assert written[4, True] == written[4, False] == written[1, False]
    monkeypatch.setattr(tables, "READ_ROWS", 3)
    monkeypatch.setattr(tables, "SPLIT_ROWS", 2)
    target = tmp_path / "sorted-small-batches.parquet"
    tables.write_sorted(con, union, order, schema, target, None, tables._ranges(4), True)
    assert pq.read_table(target).to_pylist() == written[4, True]
    by_id = sorted(range(len(ids)), key=lambda i: (ids[i] is not None, ids[i] or "", i))
    assert [r["n"] for r in written[4, True]] == by_id
    assert by_id[:4] == [0, 7, 2, 5]  # NULLs first, then "0a" twice in the order read
    assert [tables._middle(*r) for r in tables._ranges(4)] == ["2000", "6000", "a000", "e000"]
    assert not list((tmp_path / "spill").glob("range-*"))


def _merge_case(tmp_path, old_ids):
    """A published file of `old_ids` (in order) and the run's rows, as `_stage` unites them."""
    old = tmp_path / "old.parquet"
    ks = [1, 2, 1, 1, 2, 3, 1, 1, 1, 1, 2, 1][: len(old_ids)]
    pq.write_table(pa.table({"report_id": pa.array(old_ids, pa.string()), "k": ks}), old)
    new = tmp_path / "new.parquet"  # touched: before all, inside a kept report, between, after
    new_ids = ["05", "00", "10", "06", "0c", "05", "0a"]
    pq.write_table(pa.table({"report_id": new_ids, "k": [4, 1, 1, 1, 1, 2, 1]}), new)
    keep = "(report_id = '09' OR (report_id = '05' AND k = 2)) IS NOT TRUE"  # removed; re-done
    old_sql = (
        f"SELECT report_id, k, 0 AS _o, '' AS _f, file_row_number AS _r "
        f"FROM read_parquet('{old}', file_row_number = true) WHERE {keep}"
    )
    new_sql = (
        f"SELECT report_id, k, 1 AS _o, filename AS _f, file_row_number AS _r "
        f"FROM read_parquet('{new}', filename = true, file_row_number = true)"
    )
    return old, keep, f"{old_sql}\nUNION ALL\n{new_sql}", new_sql


def test_a_merge_into_the_published_rows_gives_the_one_sort(tmp_path, monkeypatch):
    """write_merged reads the published rows in their order (in batches of 4 here), drops
    those not kept, and puts each touched report's rows in place (sorted with its kept rows
    when it has some), as a sort of everything writes; the connection's setting is left as
    it was. A NULL report id, more touched rows than MERGE_ROWS, or published rows that come
    out of their order (OutOfOrder): None, nothing written (the caller sorts)."""
    monkeypatch.setattr(tables, "BATCH_ROWS", 4)
    monkeypatch.setattr(tables, "READ_ROWS", 4)  # read in batches of 4 too
    ids = ["01", "01", "03", "05", "05", "05", "07", "09", "0b", "0d", "0d", "0f"]
    old, keep, union, new_sql = _merge_case(tmp_path, ids)
    schema = pa.schema([("report_id", pa.string()), ("k", pa.int64())])
    order = '"report_id" NULLS FIRST, "k" NULLS FIRST, _o, _f, _r'
    con = tables.connect(tmp_path / "spill")
    merged, one_sort = tmp_path / "merged.parquet", tmp_path / "sorted.parquet"
    rows = tables.write_merged(con, old, keep, union, new_sql, order, schema, merged, None)
    tables.write_sorted(con, union, order, schema, one_sort, None, [(None, None)], False)
    got = pq.read_table(merged).to_pylist()
    assert rows == len(got) == 17 and got == pq.read_table(one_sort).to_pylist()
    assert [(r["report_id"], r["k"]) for r in got[4:8]] == [
        ("05", 1),
        ("05", 2),
        ("05", 3),
        ("05", 4),
    ]
    assert pq.ParquetFile(merged).metadata.num_row_groups == 5  # batches of 4, not pieces
    setting = "SELECT current_setting('preserve_insertion_order')"
    assert con.execute(setting).fetchall()[0][0] is False
    shuffled = pq.read_table(old).append_column("file_row_number", pa.array(range(12)))
    none = pa.table({"report_id": pa.array([], pa.string())})
    with pytest.raises(tables.OutOfOrder):  # write_merged then leaves it to a sort
        list(tables._merged(reversed(shuffled.to_batches(4)), np.array([], np.int64), none))
    target = tmp_path / "none.parquet"

    def half_then_out_of_order(reader, dropped, block):
        yield block
        raise tables.OutOfOrder("as a reordered scan would")

    monkeypatch.setattr(tables, "_merged", half_then_out_of_order)
    assert tables.write_merged(con, old, keep, union, new_sql, order, schema, target, None) is None
    assert not target.exists() and con.execute(setting).fetchall()[0][0] is False
    monkeypatch.undo()
    monkeypatch.setattr(tables, "BATCH_ROWS", 4)
    monkeypatch.setattr(tables, "READ_ROWS", 4)  # read in batches of 4 too
    monkeypatch.setattr(tables, "MERGE_ROWS", 3)
    assert tables.write_merged(con, old, keep, union, new_sql, order, schema, target, None) is None
    monkeypatch.setattr(tables, "MERGE_ROWS", 100)
    old, keep, union, new_sql = _merge_case(tmp_path, [None, *ids[1:]])
    assert tables.write_merged(con, old, keep, union, new_sql, order, schema, target, None) is None
    assert not target.exists()


def test_only_body_checks_that_came_out_as_published_are_kept(tmp_path):
    """_same_bodies: a kept report whose body check is the same as published keeps it; one
    whose check changed (its message), or has none in this run, has it replaced."""

    def rows(ids, messages, kind="body"):
        frame = {n: [None] * len(ids) for n in schemas.CHECK_RESULTS.names}
        frame |= {
            "report_id": ids,
            "check_id": ["body_unresolved"] * len(ids),
            "kind": [kind] * len(ids),
        }
        frame |= {"severity": ["warning"] * len(ids), "value_set": ["printed"] * len(ids)}
        return pa.Table.from_pydict(frame | {"message": messages}, schema=schemas.CHECK_RESULTS)

    published = tmp_path / "check_results.parquet"
    pq.write_table(
        pa.concat_tables([rows(["a", "b", "c"], ["x", "y", "z"]), rows(["d"], ["w"], "identity")]),
        published,
    )
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    pq.write_table(rows(["a", "b", "e"], ["x", "y2", "v"]), spool_dir / "~bodies.checks.parquet")
    con = tables.connect(tmp_path / "spill")
    tables.register_ids(con, "kept_ids", ["a", "b", "c", "d"])
    assert outputs._same_bodies(con, published, spool_dir) == {"a"}
    assert outputs._same_bodies(con, None, spool_dir) == frozenset()


def test_key_ranges_cover_every_id_once_in_order():
    assert tables.key_ranges(10, 100) == [(None, None)]
    assert tables.sort_ranges(10, 1000) == [(None, None)]  # a small table is one sort
    wide = tables.sort_ranges(10, 3 * tables.BYTES_PER_SORT)  # few rows, many bytes
    assert len(wide) == 3 and wide == tables.key_ranges(
        3 * tables.ROWS_PER_SORT, tables.ROWS_PER_SORT
    )
    ranges = tables.key_ranges(16_000_000, 1_500_000)
    assert len(ranges) == 11 and ranges[0][0] is None and ranges[-1][1] is None
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    ids = ["0000", "16ff", "17", "a3", "ffff", "unopened-1"]
    owners = [
        [
            i
            for i, (lo, hi) in enumerate(ranges)
            if (lo is None or x >= lo) and (hi is None or x < hi)
        ]
        for x in ids
    ]
    assert all(len(o) == 1 for o in owners) and [o[0] for o in owners] == sorted(
        o[0] for o in owners
    )


def test_the_corpus_is_read_in_batches_of_several_files(corpus):
    paths = discover(corpus)
    groups = spool.batches(paths, corpus, 2**30, corpus, workers=2)
    assert len(groups) < len(paths) and max(len(g.paths) for g in groups) > 1


def test_the_parse_gives_back_each_files_reports_row_as_it_was_made(corpus, tmp_path):
    """The rows held in Arrow (`spool.ReportRows`) read back as the dicts the workers made, in
    any order, across batches and after `update`; a batch with a row missing is refused."""
    paths = sorted((corpus / "synth").iterdir())[:12]
    made = {
        source_name(p, corpus): spool.read_batch(
            spool.Batch((p,), corpus, 2**30, tmp_path, f"x{i}")
        )[0]
        for i, p in enumerate(paths)
    }
    first, second = spool.ReportRows(), spool.ReportRows()
    names = list(made)
    first.add(names[:5], [made[n] for n in names[:5]])
    first.add(names[5:8], [made[n] for n in names[5:8]])
    second.add(names[8:], [made[n] for n in names[8:]])
    first.update(second)
    assert len(first) == len(made) and list(first) == names
    for name in [*names, *reversed(names)]:
        assert first[name] == made[name], name
    assert {k: first[k] for k in first} == made
    with pytest.raises(ValueError, match="2 reports rows for 3 files"):
        first.add(names[:3], [made[n] for n in names[:2]])


def test_rows_made_into_a_frame_a_chunk_at_a_time_give_the_frame_of_all_at_once(corpus):
    paths = sorted((corpus / "synth").iterdir())[:7]
    rows = [r.report for r in (ingest_file(p, corpus, catalogue.default()) for p in paths)]
    rows[3] = {**rows[3], "body": None, "report_year": None}
    whole = schemas.to_frame(rows, schemas.REPORTS)
    for chunk in (1, 2, 7, 100):
        pd.testing.assert_frame_equal(
            schemas.to_frame_chunked(iter(rows), schemas.REPORTS, chunk), whole
        )
    empty = schemas.to_frame_chunked(iter([]), schemas.REPORTS)
    pd.testing.assert_frame_equal(empty, schemas.to_frame([], schemas.REPORTS))


@pytest.mark.parametrize(
    ("rows_per_sort", "span_group", "ge_batch"),
    [
        (tables.ROWS_PER_SORT, outputs.SPAN_GROUP_REPORTS, outputs.GE_BATCH_ROWS),
        (2_000, 7, {"evaluations": 900, "observations": 900}),
    ],
)
def test_a_streamed_run_gives_the_tables_of_the_in_memory_path(
    prefect_api, corpus, expected, tmp_path, monkeypatch, rows_per_sort, span_group, ge_batch
):
    """Also with each table sorted in many report-id ranges, the cross-year checks read in
    many groups of bodies, and GE batches filled (and judged) while the parse goes on, as a
    large corpus has them."""
    monkeypatch.setattr(tables, "ROWS_PER_SORT", rows_per_sort)
    monkeypatch.setattr(outputs, "SPAN_GROUP_REPORTS", span_group)
    monkeypatch.setattr(outputs, "GE_BATCH_ROWS", ge_batch)
    assert expected["check_results"]["passed"].eq(False).sum() > 20  # defects are found
    assert (expected["check_results"]["kind"] == "cross_year").any()
    assert (expected["reports"]["status"] == "duplicate").sum() == 1
    nianbao_pipeline(raw_dir=str(corpus), curated_dir=str(tmp_path / "curated"))
    assert_same(published(tmp_path / "curated"), expected, "first run")
    assert not list((tmp_path / "curated").glob(".spool-*")), "the spool is removed"


def test_an_incremental_run_equals_a_full_refresh_and_the_in_memory_path(
    prefect_api, corpus, tmp_path, monkeypatch
):
    """The incremental run writes its tables by merging its rows into the published ones
    (`tables.write_merged`), keeping the body checks that came out as published."""
    raw = tmp_path / "raw"
    shutil.copytree(corpus, raw)
    curated, refreshed = tmp_path / "curated", tmp_path / "refreshed"
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    shutil.copytree(curated, refreshed)  # the same history: the same withdrawn rows
    synth = sorted((raw / "synth").iterdir())
    changed = next(p for p in synth[1:] if p.suffix == ".txt")
    changed.write_text(changed.read_text(encoding="utf-8") + "\n附：本报告另有说明。\n", "utf-8")
    synth[-1].unlink()
    added = (FIXTURES / "pingtan_2021_national_flat.txt").read_text(encoding="utf-8")
    (raw / "synth" / "added.txt").write_text(added + "\n（新增）\n", encoding="utf-8")
    merged, same = {}, []
    real_merge, real_same = tables.write_merged, outputs._same_bodies

    def merge_spy(con, old, *args):
        merged[old.name] = real_merge(con, old, *args)
        return merged[old.name]

    def same_spy(*args):
        same.append(real_same(*args))
        return same[-1]

    monkeypatch.setattr(tables, "write_merged", merge_spy)
    monkeypatch.setattr(outputs, "_same_bodies", same_spy)
    again = nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    monkeypatch.undo()
    assert set(merged) == {f"{t}.parquet" for t in TABLES if t != "reports"}
    assert all(rows > 0 for rows in merged.values()), merged
    assert len(same) == 1 and len(same[0]) > 100  # all but the re-read reports' bodies
    assert (again.files_changed, again.files_removed, again.files_new) == (1, 1, 1)
    assert again.files_read == 2
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(refreshed), full_refresh=True)
    incremental, full = published(curated), published(refreshed)
    assert_same(incremental, full, "incremental against full refresh")
    withdrawn = full["reports"]["status"] == "withdrawn"  # a row only the history knows
    assert withdrawn.sum() == 1
    present = {t: full[t] for t in TABLES} | {"reports": full["reports"][~withdrawn]}
    assert_same(present, reference(raw), "full refresh against the in-memory path")


def test_an_incremental_run_checks_across_years_only_the_bodies_that_changed(
    prefect_api, corpus, tmp_path, monkeypatch
):
    """The cross-year checks of a body none of whose reports changed are kept from the
    published state; the changed report's body is checked again, all its years."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    shutil.copytree(corpus, raw)
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    reports = read_table(curated / "reports.parquet", schemas.REPORTS)
    series = reports[reports["source_file"].str.startswith("synth/")].dropna(subset=["body"])
    body = series["body"].value_counts().index[0]  # a body with several years
    assert series["body"].eq(body).sum() > 1
    changed = raw / series.loc[series["body"] == body, "source_file"].iloc[0]
    changed.write_bytes(changed.read_bytes() + "\n附：本报告另有说明。\n".encode())
    seen = []
    real = outputs.crossyear.evaluate_cross_year

    def spy(members, needed, cat):
        seen.extend(members["body"])
        return real(members, needed, cat)

    monkeypatch.setattr(outputs.crossyear, "evaluate_cross_year", spy)
    nianbao_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    assert seen and set(seen) == {body}, f"cross-year checks ran for {sorted(set(seen))}"
    assert len(seen) == series["body"].eq(body).sum()
    after = read_table(curated / "check_results.parquet", schemas.CHECK_RESULTS)
    assert (after["kind"] == "cross_year").sum() > 0


def _spool_and_reports(corpus, spool_dir):
    """The spool of 40 synthetic files in batches of 4, and the reports as the run assembles
    them when every file read is kept."""
    paths = sorted((corpus / "synth").iterdir())[:40]
    groups = [paths[i : i + 4] for i in range(0, len(paths), 4)]
    rows, names = {}, []
    for k, group in enumerate(groups):
        rows |= spool.parse_to_spool(group, corpus, 2**30, spool_dir, None, prefix=f"g{k:02d}-")
        names += sorted({p.name.split(".")[0] for p in spool_dir.glob(f"g{k:02d}-*.parquet")})
    reports = schemas.to_frame(list(rows.values()), schemas.REPORTS)
    read = reports[reports["status"].isin(REPORT_READ)]
    kept = outputs.Assembled(
        reports, frozenset(), frozenset(read["report_id"]), frozenset(read["source_file"])
    )
    return names, kept


def _checks(spool_dir) -> pd.DataFrame:
    parts = [pq.read_table(p) for p in sorted(spool_dir.glob("*.checks.parquet"))]
    frame = pa.concat_tables(parts).to_pandas()
    return frame.sort_values(CHECK_ORDER).reset_index(drop=True)


def test_ge_during_the_parse_gives_the_check_rows_of_ge_after_it(corpus, tmp_path, monkeypatch):
    """Batches judged as the parse writes them, the rest after it: the same check rows as
    every batch judged after the parse; the batches judged are said, and not judged again."""
    monkeypatch.setattr(outputs, "GE_BATCH_ROWS", {"evaluations": 500, "observations": 500})
    validator = Validator(all_suites(catalogue.default()), None)
    after, during = tmp_path / "after", tmp_path / "during"
    names, kept = _spool_and_reports(corpus, after)
    shutil.copytree(after, during)
    outputs.validate_spool(validator, after, kept)
    background = outputs.BackgroundValidation(validator, during, kept.fresh_sources)
    for name in names:
        background.written(name)
    validated = background.finish(kept)
    assert validated is not None and 0 < len(validated["evaluations"]) < len(names)
    assert len(validated["observations"]) < len(names)
    outputs.validate_spool(validator, during, kept, validated)
    got, expected = _checks(during), _checks(after)
    assert len(got) == len(expected) > 0 and (got["passed"] == False).any()  # noqa: E712
    pd.testing.assert_frame_equal(got, expected)


def test_ge_during_the_parse_is_done_again_when_the_files_kept_differ(
    corpus, tmp_path, monkeypatch
):
    """A file the plan took for the first of its content turns out a duplicate (it changed
    between the plan and its parse): the rows judged with it are dropped, all judged again."""
    monkeypatch.setattr(outputs, "GE_BATCH_ROWS", {"evaluations": 500, "observations": 500})
    validator = Validator(all_suites(catalogue.default()), None)
    names, kept = _spool_and_reports(corpus, tmp_path / "spool")
    background = outputs.BackgroundValidation(validator, tmp_path / "spool", kept.fresh_sources)
    for name in names:
        background.written(name)
    background.stop()
    assert list((tmp_path / "spool").glob("*.checks.parquet")), "batches were judged"
    one = sorted(kept.fresh_sources)[0]
    duplicate = outputs.Assembled(
        kept.reports, frozenset(), kept.fresh_ids, kept.fresh_sources - {one}
    )
    assert background.finish(duplicate) is None
    assert not list((tmp_path / "spool").glob("*.checks.parquet"))
