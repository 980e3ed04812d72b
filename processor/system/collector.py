"""Python's cycle collector held off while a stage builds many long-lived objects.

Why: reading 10,000 workbooks leaves the parent process with millions of small objects
(records, findings, indicator entries) that live to the end of the run. Each collection
the allocations trigger walks the younger ones again, and the full ones walk all of them:
on a re-run that takes the records from the register, a fifth of the time. Those objects
hold no reference cycles (dataclasses of strings, numbers and tuples), so nothing is lost
by not looking for cycles meanwhile; reference counting still frees everything else, and
the collector runs again, as before, once the stage is done.

Re-enabled alone, the collector would walk all of them at once at the first allocation after
the block (0.15–0.4 s at 10,000 records, inside the read stage's time), and again at every
full collection later in the run. With `freeze`, what is alive at the block's end moves to the
permanent generation (gc.freeze) instead: never walked again, still freed by reference
counting when dropped (a re-read of 10,000 records six times in one process left the frozen
count flat, and gc.unfreeze() + gc.collect() found no garbage), and not copied into the
processes the outputs fork (a collection touches an object's header). The cost: the freeze
takes everything alive at that moment, not only the records, so an object then alive (or
already unreachable) that is or becomes part of a reference cycle is never collected until
the process ends or gc.unfreeze() (its __del__ does not run meanwhile). The batch itself makes
no such cycles (a hostile review found none on the cold, re-run and crashed-worker paths);
the command line runs a season's batch or two and exits. A process that runs many batches
and holds cyclic objects of its own (the tests: openpyxl workbooks of their fixtures) should
unfreeze between them, as tests/conftest.py does after each test.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(freeze: bool = False) -> Iterator[None]:
    """No cycle collection inside the block; the collector's previous state after it, and with
    freeze, what is alive then moved out of its reach."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
