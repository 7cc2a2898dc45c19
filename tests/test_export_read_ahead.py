"""The export's read-ahead: rows in order, an error in the reading raised to the writer, and the worker thread
always finished when the caller stops early."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bot.exports.stream import read_ahead


def test_every_row_in_order_across_batches() -> None:
    assert list(read_ahead(iter(range(10_007)), batch=100, depth=2)) == list(range(10_007))
    assert list(read_ahead(iter([]))) == []


def test_an_error_while_reading_reaches_the_writer() -> None:
    def rows() -> Iterator[int]:
        yield 1
        yield 2
        raise RuntimeError("disk gone")

    got = []
    with pytest.raises(RuntimeError, match="disk gone"):
        for r in read_ahead(rows(), batch=1):
            got.append(r)
    assert got == [1, 2]


def test_stopping_early_ends_the_worker() -> None:
    before = {t.ident for t in threading.enumerate()}
    it = read_ahead(iter(range(1_000_000)), batch=10, depth=2)
    assert [next(it) for _ in range(5)] == [0, 1, 2, 3, 4]
    it.close()  # the writer gave up (an error in the sheet, say)
    assert not [t for t in threading.enumerate() if t.ident not in before and t.name == "dlxh-read-ahead"]
