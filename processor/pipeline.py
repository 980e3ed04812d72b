"""The batch, top to bottom: discover → read → validate → resolve → score → report.

Only read touches input files (read-only); only the report modules write, into a
temporary file or folder that replaces the previous output when complete.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from processor.intake.checks import same_findings_on
from processor.intake.council import council_path, read_council, shown_path
from processor.intake.discover import discover
from processor.intake.pool import Step, init_worker, pool_context, run_files
from processor.intake.read import file_digest
from processor.intake.resolve import apply_file_choices, resolve
from processor.intake.step import process_file
from processor.judge.council import council_issue_order, judge_council
from processor.judge.levels import judge_units
from processor.judge.register import apply_register
from processor.judge.score import score_units
from processor.model.batch import BatchOptions, BatchResult, CheckContext, Limits
from processor.model.council_layout import build_council_layout
from processor.model.layout import build_layout
from processor.model.level_layout import LevelLayout, build_level_layout
from processor.model.levels import LevelRubric
from processor.model.records import FileResult, FoundFile, UnitResult
from processor.model.rubric import load_rubric
from processor.register.db import RegisterError
from processor.register.parsed import (
    encode_record,
    has_parsed,
    inflate_record,
    lookup_parsed,
    parsed_context,
    record_from_text,
    store_parsed,
)
from processor.register.store import load_arrivals, load_view
from processor.system.collector import collector_paused
from processor.system.oserrors import describe


def parse_and_pack(found: FoundFile, ctx: CheckContext) -> FileResult:
    """The per-file step of a run: process_file, and the record encoded for the register
    right there, in the worker (keep_parsed stores it once the run has published)."""
    result = process_file(found, ctx)
    try:
        packed = encode_record(result)
    except Exception:  # a speed-up only: never the file's result (the parent tries again, then skips it)
        packed = None
    return replace(result, packed=packed)


def run_batch(options: BatchOptions, progress: Callable[[int, int], None] | None = None,
              step: Step = parse_and_pack) -> BatchResult:
    """step: the per-file step, a parameter so that a test can hand the pool a sabotaged one."""
    started = datetime.now().astimezone()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    found = discover(options.input_dir)
    timings["discover"] = time.perf_counter() - clock

    clock = time.perf_counter()
    ctx = CheckContext(rubric=options.rubric, year=options.year, deadline=options.deadline, limits=options.limits,
                       today=options.today, tier=options.tier)
    to_read = [f for f in found if f.skip_reason is None]
    with collector_paused(freeze=True):  # the records live to the end of the run (processor/system/collector.py)
        read = read_files(to_read, step, ctx, options, progress)
    results = read.results
    timings["read_validate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    rubric = options.rubric
    layout = build_level_layout(rubric, options.tier) if rubric.kind == "levels" else build_layout(rubric)
    # The messages collect saved files from: arrival dates for lateness, senders for matching.
    by_sha = load_arrivals(options.register_file, validity_years)
    arrivals = {f.rel: by_sha[f.sha256] for f in results if f.sha256 in by_sha}
    resolution = resolve(results, list(options.roster), layout, {rel: a.sender for rel, a in arrivals.items()})
    # The council's workbook: its choice of file first, since the judgement is of that file.
    council_layout = build_council_layout(rubric)
    path = council_path(options.council_dir, council_layout, options.year)
    tier = layout.tier if isinstance(layout, LevelLayout) else None
    entries = read_council(path, shown_path(path, options.out_dir), council_layout, rubric, options.year,
                           {i.id: i for i in tier.indicators} if tier else None)
    resolution, choice_issues = apply_file_choices(resolution, entries)
    # The register: decisions it holds replace the ones units typed; covered units are not missing.
    view = load_view(options.register_file, validity_years, options.year, rubric.id)
    registered, standings = apply_register(list(resolution.units), view, options.year, rubric, layout)
    resolution = replace(resolution, units=tuple(registered),
                         files=_with_updated(resolution.files, registered))
    units = list(resolution.units)
    if rubric.kind == "levels":
        scores, verdicts = pd.DataFrame(index=pd.RangeIndex(len(units))), judge_units(units, rubric, layout.tier)
    else:
        scores, verdicts = score_units(units, rubric), {}
    council = judge_council(units, rubric, tier, entries, verdicts, scores if rubric.kind == "points" else None)
    council = replace(council, issues=council_issue_order(units, [*choice_issues, *council.issues]))
    timings["resolve_score"] = time.perf_counter() - clock
    return BatchResult(options=options, layout=layout, found=tuple(found), resolution=resolution,
                       scores=scores, started_at=started, timings=timings, verdicts=verdicts, council=council,
                       council_layout=council_layout, council_path=path, register=view, standings=standings,
                       arrivals=arrivals, reused=len(read.reused), notes=read.notes, parsed=tuple(results),
                       parsed_reused=read.reused, parsed_context=read.context)


@dataclass(frozen=True)
class Read:
    """The per-file records of a run, in the order of the files, and which came from the register."""

    results: list[FileResult]
    reused: frozenset[int]  # positions of the records taken from the register
    context: str  # the key of the run's context (processor.register.parsed)
    notes: tuple[str, ...] = ()


def read_files(files: list[FoundFile], step: Step, ctx: CheckContext, options: BatchOptions,
               progress: Callable[[int, int], None] | None = None) -> Read:
    """The per-file step for every file, except the files whose bytes the register already
    holds a record of under this context: hashed now (the bytes the record names are the ones
    just read), decoded, and given their path. Any trouble with the register is a miss."""
    context = parsed_context(ctx)
    db = options.register_file
    reused: dict[int, FileResult] = {}
    notes: tuple[str, ...] = ()
    try:
        if files and has_parsed(db, validity_years, context):
            # one process fewer than the cores: this one decodes meanwhile
            reused = _reused(files, ctx, db, context, (options.workers or os.cpu_count() or 1) - 1)
    except (RegisterError, sqlite3.Error, BrokenExecutor, OSError) as exc:  # a dead helper process too
        reason = ("một tiến trình phụ dừng đột ngột" if isinstance(exc, BrokenExecutor)
                  else describe(exc) if isinstance(exc, OSError) else _short(exc))
        reused, notes = {}, (f"Cảnh báo: không dùng được kết quả đọc tệp đã lưu ({reason}); đã đọc lại mọi tệp.",)
    misses = [f for i, f in enumerate(files) if i not in reused]

    def forward(done: int, total: int) -> None:
        if progress:
            progress(len(reused) + done, len(files))

    fresh = iter(run_files(misses, step, ctx, options.workers, forward) if misses else [])
    if progress and not misses and files:
        progress(len(files), len(files))
    results = [reused[i] if i in reused else next(fresh) for i in range(len(files))]
    return Read(results=results, reused=frozenset(reused), context=context, notes=notes)


REUSE_SLICE = 250  # files per task of a re-run: small enough that decoding starts at once
MAX_HELPERS = 61  # ProcessPoolExecutor's bound on Windows


def _fetch_rows(files: list[FoundFile], limits: Limits, db: Path, context: str) -> list[tuple[int, str, str, str]]:
    """In a worker process: hash these files, look their digests up, inflate the rows found.
    Returns (position, digest, computed_on, JSON text) of each hit: plain strings, which cost
    the parent almost nothing to receive (records would cost as much as decoding them)."""
    digests = [(i, file_digest(f, limits)) for i, f in enumerate(files)]
    rows = lookup_parsed(db, validity_years, context, (d for _, d in digests if d))
    return [(i, d, row.computed_on, text) for i, d in digests
            if d and (row := rows.get(d)) is not None and (text := inflate_record(row.record)) is not None]


def _reused(files: list[FoundFile], ctx: CheckContext, db: Path, context: str, workers: int) -> dict[int, FileResult]:
    """The records the register holds of these files' bytes, by position. Worker processes
    read and hash the files, look the digests up and inflate the rows, a slice at a time;
    this process decodes each slice as it comes, in order, meanwhile (the records must be
    built here, where they are used). Raises RegisterError, sqlite3.Error or BrokenExecutor."""
    reused: dict[int, FileResult] = {}
    starts = range(0, len(files), REUSE_SLICE)
    # no more helpers than cores (hashing gains nothing beyond them; --workers is unbounded) and
    # never more than Windows' 61
    helpers = max(1, min(workers, os.cpu_count() or 1, MAX_HELPERS, len(starts)))
    pool = ProcessPoolExecutor(max_workers=helpers, mp_context=pool_context(), initializer=init_worker,
                               initargs=(ctx.limits,))
    try:
        jobs = [pool.submit(_fetch_rows, files[s:s + REUSE_SLICE], ctx.limits, db, context) for s in starts]
        for start, job in zip(starts, jobs, strict=True):
            for i, digest, computed_on, text in job.result():
                f = files[start + i]
                hit = record_from_text(text, f.rel, f.mtime)
                if hit is not None and hit.sha256 == digest and _same_day_findings(hit, computed_on, ctx):
                    reused[start + i] = hit
    finally:  # on Ctrl-C or a failure, the slices not started are dropped, not hashed first
        pool.shutdown(wait=True, cancel_futures=True)
    return reused


def _same_day_findings(hit: FileResult, computed: str, ctx: CheckContext) -> bool:
    try:
        computed_on = date.fromisoformat(computed)
    except ValueError:
        return False
    return same_findings_on(hit, computed_on, ctx.today)


def keep_parsed(result: BatchResult) -> tuple[str, ...]:
    """Keep the records just parsed for the next run (and mark the reused ones as used), once
    the run has published; a register that cannot take them costs the next run its speed,
    never this run its result. Returns the console's warning lines."""
    new = [(r.sha256, packed) for i, r in enumerate(result.parsed) if i not in result.parsed_reused
           and (packed := r.packed if r.packed is not None else encode_record(r)) is not None]
    used = [result.parsed[i].sha256 for i in sorted(result.parsed_reused)]
    if not new and not used:
        return ()
    options = result.options
    try:
        store_parsed(options.register_file, validity_years, result.parsed_context, options.today, new, used)
    except (RegisterError, OSError) as exc:
        return (f"Cảnh báo: không lưu được kết quả đọc tệp vào cơ sở dữ liệu ({_short(exc)}); lần chạy sau sẽ đọc "
                "lại các tệp này.",)
    return ()


def _short(exc: Exception) -> str:
    return str(exc).rstrip(".")


def _with_updated(files: tuple[FileResult, ...], units: list[UnitResult]) -> tuple[FileResult, ...]:
    """Every file as read, except the counting files the register changed (their issues)."""
    changed = {u.submission.rel: u.submission for u in units if u.submission is not None}
    return tuple(changed.get(f.rel, f) for f in files)


def validity_years(rubric_id: str) -> int | None:
    """How many seasons a recognition under a rubric covers (None: a rubric without validity)."""
    rubric = load_rubric(rubric_id)
    return rubric.validity_years if isinstance(rubric, LevelRubric) else None

