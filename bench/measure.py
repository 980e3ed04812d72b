"""One measurement in a fresh process; prints a JSON line with seconds and peak memory.

python -m bench.measure ours DIR ROSTER OUT WORKERS | floor DIR | baseline DIR
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path


def _files(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*.xlsx"))


def _floor_one(path: str) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    return sum(len(wb.get_sheet_by_name(name).to_python()) for name in wb.sheet_names)


def _baseline_one(path: str) -> int:
    import pandas as pd

    return sum(len(df) for df in pd.read_excel(path, sheet_name=None, engine="openpyxl").values())


def ours(folder: Path, roster: Path, out: Path, workers: int) -> dict[str, float]:
    from processor.intake.roster import load_roster
    from processor.model.batch import BatchOptions
    from processor.model.rubric import load_rubric
    from processor.pipeline import run_batch
    from processor.report.publish import publish

    start = time.perf_counter()
    options = BatchOptions(input_dir=folder, out_dir=out, year=2025, rubric=load_rubric(),
                           roster=tuple(load_roster(roster)), roster_path=roster, workers=workers)
    result = run_batch(options)
    published = publish(result)
    total = time.perf_counter() - start
    return {"total": total, **result.timings, **published.timings, "files": len(result.found)}


def _time_each(folder: Path, read_one: Callable[[str], int]) -> dict[str, float]:
    """A plain loop over the folder's workbooks, one process, as a simple script would do."""
    files = _files(folder)
    start = time.perf_counter()
    for path in files:
        read_one(path)
    return {"total": time.perf_counter() - start, "files": len(files)}


def floor(folder: Path) -> dict[str, float]:
    return _time_each(folder, _floor_one)


def baseline(folder: Path) -> dict[str, float]:
    """The naive script: pandas.read_excel(engine="openpyxl") of every sheet of every file."""
    return _time_each(folder, _baseline_one)


def main(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "ours":
        result = ours(Path(argv[1]), Path(argv[2]), Path(argv[3]), int(argv[4]))
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
