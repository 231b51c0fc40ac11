"""`splits` against a brute-force enumeration: same splits, same order, same refusal.

The flattened-text parsers and the synthetic corpus' oracle share `splits`, so the synth
exactness test cannot catch a change in it; this test can. The reference is the definition:
every choice of cut positions per chunk, in lexicographic order, numbers without leading zeros,
filtered by the identity.
"""

from __future__ import annotations

import itertools
import random

import pytest

from transforms.extract.splitting import (
    MAX_SPLITS,
    TooManySplits,
    groups_total,
    splits,
    total_is_sum,
)


def _chunk_splits(chunk: str, k: int):
    for cuts in itertools.combinations(range(1, len(chunk)), k - 1):
        bounds = (0, *cuts, len(chunk))
        pieces = [chunk[a:b] for a, b in itertools.pairwise(bounds)]
        if all(p == "0" or p[0] != "0" for p in pieces):
            yield tuple(int(p) for p in pieces)


def _reference(run: str, n: int, accept) -> list[tuple[int, ...]]:
    chunks = run.split()
    if not chunks:
        return []
    out, seen = [], 0
    for counts in itertools.product(*(range(1, len(c) + 1) for c in chunks)):
        if sum(counts) != n:
            continue
        per_chunk = [list(_chunk_splits(c, k)) for c, k in zip(chunks, counts, strict=True)]
        for parts in itertools.product(*per_chunk):
            seen += 1
            split = tuple(v for p in parts for v in p)
            out += [split] if accept(split) else []
    if seen > MAX_SPLITS:
        raise TooManySplits(run)
    return out


def _run(rng: random.Random) -> str:
    digits = "".join(rng.choice("0000123456789") for _ in range(rng.randrange(0, 14)))
    return "".join(d + (" " if rng.random() < 0.1 else "") for d in digits)


@pytest.mark.parametrize(
    "accept",
    [lambda s: True, total_is_sum, groups_total(5), groups_total(3)],
    ids=["any", "total_is_sum", "groups_total_5", "groups_total_3"],
)
def test_splits_are_the_brute_force_enumeration(accept):
    rng = random.Random(20261126)
    for _ in range(400):
        run, n = _run(rng), rng.randrange(1, 11)
        assert splits(run, n, accept) == _reference(run, n, accept), (run, n)


def test_table_four_run_keeps_the_splits_whose_groups_add_up():
    run = "10001" + "21115" + "0" * 5  # 1|0|0|0|1 2|1|1|1|5 0|0|0|0|0
    assert splits(run, 15, groups_total(5)) == _reference(run, 15, groups_total(5))
    assert (1, 0, 0, 0, 1, 2, 1, 1, 1, 5, 0, 0, 0, 0, 0) in splits(run, 15, groups_total(5))


def test_a_run_with_too_many_splits_is_refused():
    with pytest.raises(TooManySplits):
        splits("123456789123456789123456789", 12)
