"""The batch, top to bottom: discover → read → validate → resolve → score → report.

Only read touches input files (read-only); only the report modules write, into a
temporary file or folder that replaces the previous output when complete.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import pandas as pd

from processor.intake.council import council_path, read_council, shown_path
from processor.intake.discover import discover
from processor.intake.pool import Step, run_files
from processor.intake.resolve import apply_file_choices, resolve
from processor.intake.step import process_file
from processor.judge.council import council_issue_order, judge_council
from processor.judge.levels import judge_units
from processor.judge.register import apply_register
from processor.judge.score import score_units
from processor.model.batch import BatchOptions, BatchResult, CheckContext
from processor.model.council_layout import build_council_layout
from processor.model.layout import build_layout
from processor.model.level_layout import LevelLayout, build_level_layout
from processor.model.levels import LevelRubric
from processor.model.records import FileResult, UnitResult
from processor.model.rubric import load_rubric
from processor.register.store import load_arrivals, load_view


def run_batch(options: BatchOptions, progress: Callable[[int, int], None] | None = None,
              step: Step = process_file) -> BatchResult:
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
    results = run_files(to_read, step, ctx, options.workers, progress)
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
                       arrivals=arrivals)


def _with_updated(files: tuple[FileResult, ...], units: list[UnitResult]) -> tuple[FileResult, ...]:
    """Every file as read, except the counting files the register changed (their issues)."""
    changed = {u.submission.rel: u.submission for u in units if u.submission is not None}
    return tuple(changed.get(f.rel, f) for f in files)


def validity_years(rubric_id: str) -> int | None:
    """How many seasons a recognition under a rubric covers (None: a rubric without validity)."""
    rubric = load_rubric(rubric_id)
    return rubric.validity_years if isinstance(rubric, LevelRubric) else None

