"""What the operating system offers every stage: workers that die with the batch, and
output tasks run side by side in forked processes that share one queue of work.

It sits below the stages, so that the reader's pool and the report writers use the same
few lines without depending on each other.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from collections.abc import Callable, Iterator


def die_with_parent() -> None:
    """On Linux, a worker is killed when the batch process dies (even by SIGKILL)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def fork_available() -> bool:
    return sys.platform.startswith("linux")


def run_concurrently(tasks: list[Callable[[], None]]) -> list[str]:
    """Run independent output tasks at once: the first in this process, the others in forked
    children (they inherit the data, nothing is pickled). Sequential where fork is not the
    norm. Returns the names of the tasks that failed."""
    if not fork_available() or len(tasks) < 2:
        for task in tasks:
            task()
        return []
    mp = multiprocessing.get_context("fork")
    children = [mp.Process(target=_run_child, args=(task,), daemon=True) for task in tasks[1:]]
    for child in children:
        child.start()
    try:
        tasks[0]()
    finally:
        for child in children:
            child.join()
    return [getattr(task, "__name__", repr(task)) for task, child in zip(tasks[1:], children, strict=True)
            if child.exitcode != 0]


class WorkQueue:
    """Chunks of range(total) handed out once each, to this process and its forked children
    alike (a shared counter), so that whoever is free takes the next chunk."""

    def __init__(self, total: int, chunk: int) -> None:
        self.total, self.chunk = total, chunk
        self._next = multiprocessing.get_context("fork").Value("i", 0) if fork_available() else None
        self._local = 0

    def _take(self) -> int:
        if self._next is None:
            start, self._local = self._local, self._local + 1
            return start
        with self._next.get_lock():
            start = self._next.value
            self._next.value += 1
        return start

    def __iter__(self) -> Iterator[range]:
        while (k := self._take()) * self.chunk < self.total:
            yield range(k * self.chunk, min(self.total, (k + 1) * self.chunk))


def _run_child(task: Callable[[], None]) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    task()
