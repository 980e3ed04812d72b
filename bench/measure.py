"""One measurement in a fresh process; prints a JSON line with seconds and peak memory.

python -m bench.measure ours DIR ROSTER OUT WORKERS [RUBRIC] | floor DIR | baseline DIR
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def workbooks(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*.xlsx"))


def floor_one(path: str) -> int:
    """The floor's work for one file (also what bench.instructions counts)."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    return sum(len(wb.get_sheet_by_name(name).to_python()) for name in wb.sheet_names)


def _baseline_one(path: str) -> int:
    import pandas as pd

    return sum(len(df) for df in pd.read_excel(path, sheet_name=None, engine="openpyxl").values())


def ours(folder: Path, roster: Path, out: Path, workers: int, rubric_id: str = "tt22-2020") -> dict[str, Any]:
    """The whole run: read + validate, resolve + judge, then publish. The register is out's
    (du_lieu/dvht.sqlite): a second run into the same out re-reads an unchanged folder. Publishing is measured
    only when it works for the rubric (the TT24 reports may not be there yet): otherwise the
    result says why in "publish_error" and its total is the batch alone."""
    from bench.generate import DEADLINE, TIER, TODAY
    from processor.intake.roster import load_roster
    from processor.model.batch import BatchOptions
    from processor.model.rubric import load_rubric
    from processor.pipeline import run_batch
    from processor.report.publish import publish

    start = time.perf_counter()
    rubric = load_rubric(rubric_id)
    if rubric.kind == "levels":
        def kind_of(text: str) -> str | None:
            kind = rubric.kind_by_label(text)
            return kind.id if kind is not None and TIER in kind.tiers else None

        options = BatchOptions(input_dir=folder, out_dir=out, year=2025, rubric=rubric,
                               roster=tuple(load_roster(roster, kind_of=kind_of)), roster_path=roster,
                               workers=workers, deadline=DEADLINE, today=TODAY, tier=TIER)
    else:
        options = BatchOptions(input_dir=folder, out_dir=out, year=2025, rubric=rubric,
                               roster=tuple(load_roster(roster)), roster_path=roster, workers=workers)
    result = run_batch(options)
    batch = time.perf_counter() - start
    measured: dict[str, Any] = {**result.timings, "files": len(result.found), "batch": batch,
                                "reused": result.reused}
    try:
        published = publish(result)
    except Exception as exc:  # a report not written for this rubric yet: say so, measure the rest
        measured["publish_error"] = f"{type(exc).__name__}: {exc}"
        return {"total": batch, **measured}
    # The parsed records go to the register once the run has published, as `process` does.
    from processor.pipeline import keep_parsed

    clock = time.perf_counter()
    keep_parsed(result)
    measured["parsed_store"] = time.perf_counter() - clock
    total = time.perf_counter() - start
    # The council workbook is the season's own file, updated after the outputs: its own column.
    from processor.report.council_workbook import update_council_workbook

    clock = time.perf_counter()
    assert result.council_path is not None
    update_council_workbook(result, published.summary, result.council_path, "dvht")
    measured["council_workbook"] = time.perf_counter() - clock
    return {"total": total, **measured, **published.timings}


def _time_each(folder: Path, read_one: Callable[[str], int]) -> dict[str, float]:
    """A plain loop over the folder's workbooks, one process, as a simple script would do."""
    files = workbooks(folder)
    start = time.perf_counter()
    for path in files:
        read_one(path)
    return {"total": time.perf_counter() - start, "files": len(files)}


def floor(folder: Path) -> dict[str, float]:
    return _time_each(folder, floor_one)


def baseline(folder: Path) -> dict[str, float]:
    """The naive script: pandas.read_excel(engine="openpyxl") of every sheet of every file."""
    return _time_each(folder, _baseline_one)


def main(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "ours":
        result = ours(Path(argv[1]), Path(argv[2]), Path(argv[3]), int(argv[4]), *argv[5:6])
    elif kind == "floor":
        result = floor(Path(argv[1]))
    else:
        result = baseline(Path(argv[1]))
    largest = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    result["largest_process_mb"] = largest / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
