"""The batch, top to bottom: discover → read → validate → resolve → score → report.

Only read touches input files (read-only); only the report modules write, into a
temporary file or folder that replaces the previous output when complete.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from processor.dates import run_date
from processor.discover import discover
from processor.guards import Limits
from processor.layout import Layout, build_layout
from processor.read import read_file
from processor.records import FileResult, FoundFile
from processor.resolve import Resolution, resolve
from processor.roster import Unit
from processor.rubric import Rubric
from processor.runner import run_files
from processor.score import score_units
from processor.validate import CheckContext, validate


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
    limits: Limits = field(default_factory=Limits)
    today: date = field(default_factory=run_date)  # the run date; the one source of "today"


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
    return validate(read_file(found, ctx.rubric, ctx.limits), ctx)


def run_batch(options: BatchOptions, progress: Callable[[int, int], None] | None = None) -> BatchResult:
    started = datetime.now().astimezone()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    found = discover(options.input_dir)
    timings["discover"] = time.perf_counter() - clock

    clock = time.perf_counter()
    ctx = CheckContext(rubric=options.rubric, year=options.year, deadline=options.deadline, limits=options.limits,
                       today=options.today)
    to_read = [f for f in found if f.skip_reason is None]
    results = run_files(to_read, ctx, options.workers, progress)
    timings["read_validate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    layout = build_layout(options.rubric)
    resolution = resolve(results, list(options.roster), layout)
    scores = score_units(list(resolution.units), options.rubric)
    timings["resolve_score"] = time.perf_counter() - clock
    return BatchResult(options=options, layout=layout, found=tuple(found), resolution=resolution,
                       scores=scores, started_at=started, timings=timings)

