"""Splitting digit runs that a site's text rendering glued together ("640020470" → 64|0|0|2|0|4|70).

In: a digit run as printed (spaces, where printed, are certain boundaries), the number of values
it must hold, and the identities the values must satisfy. Out: every split that satisfies them.
Numbers never have leading zeros ("05" is 0|5), which is what makes most runs splittable.

Pure functions; the template parsers decide what a unique split, several, or none mean.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

Split = tuple[int, ...]
T = TypeVar("T")
MAX_SPLITS = 200_000  # a run with more raw splits than this is not enumerated (reported as such)


class TooManySplits(Exception):
    """The run admits too many splits to enumerate; its values are not read."""


def _count(chunk: str, k: int, memo: dict[tuple[str, int], int]) -> int:
    """How many ways `chunk` cuts into exactly k numbers without leading zeros."""
    if k == 1:
        return 1 if chunk and (chunk == "0" or chunk[0] != "0") else 0
    if (chunk, k) not in memo:
        if chunk[:1] == "0":  # a zero is a number of its own
            memo[chunk, k] = _count(chunk[1:], k - 1, memo)
        else:
            cuts = range(1, len(chunk) - k + 2)
            memo[chunk, k] = sum(_count(chunk[cut:], k - 1, memo) for cut in cuts)
    return memo[chunk, k]


def _counts(chunks: Sequence[str], n: int) -> Iterator[tuple[int, ...]]:
    """How many numbers each space-separated chunk holds, summing to n."""
    for counts in itertools.product(*(range(1, len(c) + 1) for c in chunks)):
        if sum(counts) == n:
            yield counts


def _too_many(chunks: Sequence[str], n: int) -> bool:
    """More than MAX_SPLITS raw splits (counted, not enumerated; stops once past the cap).

    Not counted where it cannot be: a split cuts n - len(chunks) of the gaps between a chunk's
    digits, so there are at most comb(gaps, cuts) of them (a row of table 三: a few hundred)."""
    gaps, cuts = sum(len(c) - 1 for c in chunks), n - len(chunks)
    if cuts < 0 or math.comb(gaps, cuts) <= MAX_SPLITS:
        return False
    memo: dict[tuple[str, int], int] = {}
    seen = 0
    for counts in _counts(chunks, n):
        ways = 1
        for chunk, k in zip(chunks, counts, strict=True):
            ways *= _count(chunk, k, memo)
        seen += ways
        if seen > MAX_SPLITS:
            return True
    return False


def _cuts(rest: str, k: int) -> Sequence[int]:
    """Where the next number of `rest` (k numbers still to take from it) may end."""
    if k == 1:
        return (len(rest),) if rest and (rest == "0" or rest[0] != "0") else ()
    if rest[:1] == "0":  # a zero is a number of its own
        return (1,)
    return range(1, len(rest) - k + 2)


def _walk(chunks, counts, viable, ci: int, rest: str, k: int, prefix: Split) -> Iterator[Split]:
    """The splits with `prefix` taken, `rest` of chunk `ci` still to cut into k numbers.

    Depth first, shortest number first, chunk by chunk: the order of the product of each
    chunk's cuts. A prefix `viable` rejects is not extended."""
    if k == 0:
        if ci + 1 == len(chunks):
            yield prefix
        else:
            yield from _walk(chunks, counts, viable, ci + 1, chunks[ci + 1], counts[ci + 1], prefix)
        return
    for cut in _cuts(rest, k):
        taken = (*prefix, int(rest[:cut]))
        if viable is None or viable(taken):
            yield from _walk(chunks, counts, viable, ci, rest[cut:], k - 1, taken)


def _anything(split: Split) -> bool:
    return True


def splits(run: str, n: int, accept: Callable[[Split], bool] = _anything) -> list[Split]:
    """Every split of `run` into n numbers that `accept` admits, in the order of the cuts
    (shortest first, chunk by chunk).

    An `accept` with a `viable(prefix)` method is asked about each partial split, so that a
    prefix no completion can satisfy is dropped early (the 15 numbers of table 四 admit
    thousands of raw splits, of which groups of five that add up leave a handful)."""
    chunks = run.split()
    if not chunks or sum(len(c) for c in chunks) < n:
        return []
    if _too_many(chunks, n):
        raise TooManySplits(f"{run!r} admits more than {MAX_SPLITS} splits into {n}")
    viable = getattr(accept, "viable", None)
    return [
        split
        for counts in _counts(chunks, n)
        for split in _walk(chunks, counts, viable, 0, chunks[0], counts[0], ())
        if accept(split)
    ]


def total_is_sum(split: Split) -> bool:
    """The last value equals the sum of the others (national table 三: 总计 = six columns)."""
    return split[-1] == sum(split[:-1])


class _GroupsTotal:
    """Each consecutive group of `size` values ends with its parts' sum (table 四: 3 × 5)."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __call__(self, split: Split) -> bool:
        size = self.size
        return all(total_is_sum(split[i : i + size]) for i in range(0, len(split), size))

    def viable(self, prefix: Split) -> bool:
        """False when the group the prefix just completed does not add up."""
        return len(prefix) % self.size != 0 or total_is_sum(prefix[-self.size :])


def groups_total(size: int) -> Callable[[Split], bool]:
    """Each consecutive group of `size` values ends with its parts' sum (table 四: 3 × 5)."""
    return _GroupsTotal(size)


def linked(rules: Sequence[T]) -> list[list[T]]:
    """Rules grouped so that rules sharing a term (a printed row) are solved together and the
    others apart (each rule has `.terms`, the codes it involves)."""
    groups: list[tuple[set[str], list[T]]] = []
    for rule in rules:
        joined = [g for g in groups if g[0] & set(rule.terms)]
        codes = set(rule.terms).union(*(g[0] for g in joined))
        groups = [g for g in groups if g not in joined]
        groups.append((codes, [rule] + [r for g in joined for r in g[1]]))
    return [g[1] for g in groups]
