"""Splitting digit runs that a site's text rendering glued together ("640020470" → 64|0|0|2|0|4|70).

In: a digit run as printed (spaces, where printed, are certain boundaries), the number of values
it must hold, and the identities the values must satisfy. Out: every split that satisfies them.
Numbers never have leading zeros ("05" is 0|5), which is what makes most runs splittable.

Pure functions; the template parsers decide what a unique split, several, or none mean.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

Split = tuple[int, ...]
T = TypeVar("T")
MAX_SPLITS = 200_000  # a run with more raw splits than this is not enumerated (reported as such)


class TooManySplits(Exception):
    """The run admits too many splits to enumerate; its values are not read."""


def _pieces(chunk: str, k: int) -> Iterator[Split]:
    """All ways to cut `chunk` into exactly k numbers without leading zeros."""
    if k == 1:
        if chunk and (chunk == "0" or chunk[0] != "0"):
            yield (int(chunk),)
        return
    if chunk[:1] == "0":  # a zero is a number of its own
        for rest in _pieces(chunk[1:], k - 1):
            yield (0, *rest)
        return
    for cut in range(1, len(chunk) - k + 2):
        for rest in _pieces(chunk[cut:], k - 1):
            yield (int(chunk[:cut]), *rest)


def _counts(chunks: Sequence[str], n: int) -> Iterator[tuple[int, ...]]:
    """How many numbers each space-separated chunk holds, summing to n."""
    for counts in itertools.product(*(range(1, len(c) + 1) for c in chunks)):
        if sum(counts) == n:
            yield counts


def splits(run: str, n: int, accept: Callable[[Split], bool] = lambda s: True) -> list[Split]:
    """Every split of `run` into n numbers that `accept` admits."""
    chunks = run.split()
    if not chunks or sum(len(c) for c in chunks) < n:
        return []
    out, seen = [], 0
    for counts in _counts(chunks, n):
        for parts in itertools.product(
            *(list(_pieces(c, k)) for c, k in zip(chunks, counts, strict=True))
        ):
            seen += 1
            if seen > MAX_SPLITS:
                raise TooManySplits(f"{run!r} admits more than {MAX_SPLITS} splits into {n}")
            split = tuple(v for p in parts for v in p)
            if accept(split):
                out.append(split)
    return out


def total_is_sum(split: Split) -> bool:
    """The last value equals the sum of the others (national table 三: 总计 = six columns)."""
    return split[-1] == sum(split[:-1])


def groups_total(size: int) -> Callable[[Split], bool]:
    """Each consecutive group of `size` values ends with its parts' sum (table 四: 3 × 5)."""
    return lambda s: all(total_is_sum(s[i : i + size]) for i in range(0, len(s), size))


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
