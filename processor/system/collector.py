"""Python's cycle collector held off while a stage builds many long-lived objects.

Why: reading 10,000 workbooks leaves the parent process with millions of small objects
(records, findings, indicator entries) that live to the end of the run. Each collection
the allocations trigger walks the younger ones again, and the full ones walk all of them:
on a re-run that takes the records from the register, a fifth of the time. Those objects
hold no reference cycles (dataclasses of strings, numbers and tuples), so nothing is lost
by not looking for cycles meanwhile; reference counting still frees everything else, and
the collector runs again, as before, once the stage is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cycle collection inside the block; the collector's previous state after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
