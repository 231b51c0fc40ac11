"""The bounded pool, with real worker processes, real limits and real signals (no mocks)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator

import pytest

from tests.transforms.run import pool_funcs as funcs
from transforms.run.pool import Bounds, Failed, map_bounded, run_inline

TWO = Bounds(timeout_seconds=10, workers=2)
ONE_SECOND = Bounds(timeout_seconds=1, workers=2)
TIMED_OUT = Failed("parsing took longer than 1 s and was stopped")
# A bound on a hang, not a performance target.
HANG_SECONDS = 15


def collect(pairs: Iterable[tuple[int, object]]) -> dict[int, object]:
    """The results by index, checking that no item is yielded twice."""
    results: dict[int, object] = {}
    for index, result in pairs:
        assert index not in results, f"item {index} yielded twice"
        results[index] = result
    return results


def gone(pid: int) -> bool:
    """True once the process has exited and been reaped (a zombie still answers signal 0)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(autouse=True)
def no_worker_left_behind() -> Iterator[None]:
    yield
    assert multiprocessing.active_children() == []


def test_results_equal_the_inline_results() -> None:
    items = list(range(200))
    pooled = collect(map_bounded(funcs.square, items, TWO))
    assert pooled == dict(run_inline(funcs.square, items))
    assert len(pooled) == 200


def test_inline_keeps_the_order_and_the_failed_contract() -> None:
    results = list(run_inline(funcs.raise_value_error, [1, 0, 2]))
    assert results == [(0, 1), (1, Failed("ValueError: no table on page 3")), (2, 2)]


def test_even_one_item_runs_in_a_bounded_worker_process() -> None:
    results = collect(map_bounded(funcs.pid, [0], Bounds(workers=0)))
    assert results[0] != os.getpid()


def test_no_items_start_no_process() -> None:
    assert list(map_bounded(funcs.square, [], TWO)) == []


def test_a_slow_item_times_out_and_the_rest_of_its_chunk_completes() -> None:
    items = [0.01] * 5 + [30.0] + [0.01] * 10
    started = time.monotonic()
    results = collect(map_bounded(funcs.sleep_for, items, ONE_SECOND, chunk_size=8))
    assert time.monotonic() - started < HANG_SECONDS
    assert results[5] == TIMED_OUT
    assert {i: r for i, r in results.items() if i != 5} == {
        i: s for i, s in enumerate(items) if i != 5
    }


def test_items_after_a_timed_out_one_run_exactly_once_in_a_fresh_worker() -> None:
    # One worker, one chunk of six; item 2 hangs. Each result says which process ran it and how
    # many items that process had run, so an item run twice or lost would show as a gap.
    items = [0.0, 0.0, 30.0, 0.0, 0.0, 0.0]
    bounds = Bounds(timeout_seconds=1, workers=1)
    results = collect(map_bounded(funcs.counted_sleep, items, bounds, chunk_size=6))
    assert results.pop(2) == TIMED_OUT
    first, fresh = results[0][0], results[3][0]
    assert first != fresh
    assert results == {
        0: (first, 1),
        1: (first, 2),
        3: (fresh, 1),
        4: (fresh, 2),
        5: (fresh, 3),
    }


def test_a_slow_consumer_does_not_make_items_time_out() -> None:
    # The worker stamps when it finishes each item, so time the consumer spends between results
    # is not charged to the item the worker is on.
    bounds = Bounds(timeout_seconds=1, workers=1)
    results = {}
    for index, result in map_bounded(funcs.sleep_for, [0.4] * 5, bounds, chunk_size=5):
        results[index] = result
        time.sleep(1.5 if index == 0 else 0)
    assert results == dict.fromkeys(range(5), 0.4)


def test_an_allocation_past_the_memory_limit_fails_with_the_memory_reason() -> None:
    items = [1024, 1024**3, 1024]
    bounds = Bounds(timeout_seconds=10, memory_bytes=256 * 1024**2, workers=2)
    results = collect(map_bounded(funcs.allocate, items, bounds, chunk_size=1))
    assert results == {
        0: 1024,
        1: Failed("parsing needed more than 256.0 MiB of memory and was stopped"),
        2: 1024,
    }


def test_a_killed_worker_fails_its_item_naming_the_signal() -> None:
    items = [1, 2, 3, 0, 4, 5, 6, 7]  # item 0 SIGKILLs its own process
    results = collect(map_bounded(funcs.crash, items, TWO, chunk_size=16))
    assert results[3] == Failed("the parser process died (signal 9, SIGKILL)")
    assert {i: r for i, r in results.items() if i != 3} == {
        i: item for i, item in enumerate(items) if i != 3
    }


def test_an_escaped_exception_fails_that_item_only() -> None:
    results = collect(map_bounded(funcs.raise_value_error, [1, 0, 2], TWO))
    assert results == {0: 1, 1: Failed("ValueError: no table on page 3"), 2: 2}


def test_the_initializer_runs_once_in_each_worker() -> None:
    pairs = map_bounded(
        funcs.catalogue_loads, range(40), TWO, initializer=funcs.load_catalogue, chunk_size=4
    )
    results = collect(pairs)
    assert len(results) == 40
    assert {loads for _, loads in results.values()} == {1}
    assert len({pid for pid, _ in results.values()}) <= 2


def test_a_failing_initializer_is_raised_not_reported_per_item() -> None:
    pairs = map_bounded(funcs.square, [1, 2], TWO, initializer=funcs.fail_to_load)
    with pytest.raises(RuntimeError, match="died while starting"):
        list(pairs)


def _break_after_first(pids: set[int]) -> None:
    for _ in map_bounded(funcs.sleep_for, [0.0, 5.0, 5.0, 5.0], TWO, chunk_size=1):
        pids.update(p.pid for p in multiprocessing.active_children())
        break


def _raise_after_first(pids: set[int]) -> None:
    with pytest.raises(KeyError):
        for _ in map_bounded(funcs.sleep_for, [0.0, 5.0, 5.0, 5.0], TWO, chunk_size=1):
            pids.update(p.pid for p in multiprocessing.active_children())
            raise KeyError("consumer failed")


def _close_after_first(pids: set[int]) -> None:
    pairs = map_bounded(funcs.sleep_for, [0.0, 5.0, 5.0, 5.0], TWO, chunk_size=1)
    with contextlib.closing(pairs):
        next(pairs)
        pids.update(p.pid for p in multiprocessing.active_children())


@pytest.mark.parametrize("stop", [_break_after_first, _raise_after_first, _close_after_first])
def test_a_consumer_stopping_early_leaves_no_process(stop) -> None:
    pids: set[int] = set()
    started = time.monotonic()
    stop(pids)
    assert time.monotonic() - started < 4  # the 5 s items were killed, not waited for
    assert len(pids) == 2
    assert multiprocessing.active_children() == []
    assert all(gone(pid) for pid in pids)


@pytest.mark.parametrize(
    "kwargs",
    [{"timeout_seconds": 0}, {"memory_bytes": 0}, {"workers": -1}],
)
def test_bounds_reject_nonsense(kwargs) -> None:
    with pytest.raises(ValueError):
        Bounds(**kwargs)


def test_chunk_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        map_bounded(funcs.square, [1], TWO, chunk_size=0)
