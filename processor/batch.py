"""The batch, top to bottom: discover → read → validate → resolve → score → report.

Only read touches input files (read-only); only the report modules write, into a
temporary file or folder that replaces the previous output when complete.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from processor.discover import discover
from processor.layout import Layout, build_layout
from processor.read import read_file
from processor.records import FileResult, FoundFile
from processor.resolve import Resolution, resolve
from processor.roster import Unit
from processor.rubric import Rubric
from processor.score import score_units
from processor.validate import CheckContext, validate

INLINE_LIMIT = 32  # below this many files a process pool costs more than it saves


@dataclass(frozen=True)
class BatchOptions:
    input_dir: Path
    out_dir: Path
    year: int
    rubric: Rubric
    roster: tuple[Unit, ...] = ()
    roster_path: Path | None = None
    deadline: date | None = None
    workers: int = 0  # 0: all cores


@dataclass(frozen=True)
class BatchResult:
    options: BatchOptions
    layout: Layout
    found: tuple[FoundFile, ...]
    resolution: Resolution
    scores: pd.DataFrame
    started_at: datetime
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def files_by_rel(self) -> dict[str, FileResult]:
        return {f.rel: f for f in self.resolution.files}


def process_file(found: FoundFile, ctx: CheckContext) -> FileResult:
    """The per-file step: path in, record out. Pure, so it can run in a process pool."""
    return validate(read_file(found, ctx.rubric), ctx)


def run_batch(options: BatchOptions, progress: Callable[[int, int], None] | None = None) -> BatchResult:
    started = datetime.now().astimezone()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    found = discover(options.input_dir)
    timings["discover"] = time.perf_counter() - clock

    clock = time.perf_counter()
    ctx = CheckContext(rubric=options.rubric, year=options.year, deadline=options.deadline)
    to_read = [f for f in found if f.skip_reason is None]
    results = list(_process_all(to_read, ctx, options.workers, progress))
    timings["read_validate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    layout = build_layout(options.rubric)
    resolution = resolve(results, list(options.roster), layout)
    scores = score_units(list(resolution.units), options.rubric)
    timings["resolve_score"] = time.perf_counter() - clock
    return BatchResult(options=options, layout=layout, found=tuple(found), resolution=resolution,
                       scores=scores, started_at=started, timings=timings)


def _process_all(files: list[FoundFile], ctx: CheckContext, workers: int,
                 progress: Callable[[int, int], None] | None) -> Iterator[FileResult]:
    workers = workers or os.cpu_count() or 1
    total = len(files)
    if workers == 1 or total < INLINE_LIMIT:
        for i, found in enumerate(files, 1):
            yield process_file(found, ctx)
            if progress:
                progress(i, total)
        return
    chunk = max(1, min(64, total // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for i, result in enumerate(pool.map(process_file, files, [ctx] * total, chunksize=chunk), 1):
            yield result
            if progress:
                progress(i, total)
