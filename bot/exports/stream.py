"""Rows read ahead: a worker thread pulls the next batches from the database while the caller writes the last.

The read of a quarter's reports waits on the disk (the rows come in time order, scattered over the table) and
the writer is CPU-bound, so overlapping them shortens an export; the database driver releases the GIL while it
waits. The worker always ends before :func:`read_ahead` returns or is closed, and an error in it is raised in
the caller; it is the only user of the connection while the rows are read.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
BATCH = 2000
DEPTH = 8  # batches held at most: memory stays bounded


class _End:
    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def read_ahead(rows: Iterable[T], batch: int = BATCH, depth: int = DEPTH) -> Iterator[T]:
    """``rows``, in order, read by a worker thread up to ``depth`` batches of ``batch`` ahead of the caller."""
    ready: queue.Queue[list[T] | _End] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: list[T] | _End) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        chunk: list[T] = []
        try:
            for row in rows:
                chunk.append(row)
                if len(chunk) >= batch:
                    if not put(chunk):
                        return
                    chunk = []
            if chunk and not put(chunk):
                return
            put(_End())
        except BaseException as exc:  # handed to the caller, raised there
            put(_End(exc))

    worker = threading.Thread(target=work, name="dlxh-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield from item
    finally:
        stop.set()
        worker.join()
