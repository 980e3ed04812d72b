"""python -m bench.instructions [--files K] [--rubrics ...]: instructions a file, counted, not timed.

Why: on a shared 2-core virtual machine the same run takes ±15–25 % more or less time from one
minute to the next (bench/results.md), so a ratio measured in seconds moves by more than most
changes to our code. valgrind counts the instructions a process executes; the count does not
depend on the machine's load, so two versions of the per-file step compare exactly.

For each rubric, over the first K workbooks of the bench corpus (bench/cache, made by
`make bench`): the instructions of our per-file step (pipeline.parse_and_pack: read, guards,
calamine, validate, the register's encoding) and of the floor (calamine opening the file and
reading every sheet, as bench.measure's floor), each as (a run over 2K files − a run over K) / K,
so start-up, imports and one-off work cancel out. An instruction of our Python costs more time than one of
calamine's Rust (more branches and memory traffic per instruction): the ratio here is a lower
bound of the timed ours/floor, not a replacement for it. Not exact either: the floor's count repeats
within 0.1 %, ours within about 3 % (the cause is not known; calamine's hash maps are seeded at
random, CPython's hashes are fixed here), so compare versions by more than that, and repeat.

Needs valgrind (apt-get install valgrind); not part of the tests or of `make bench`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.generate import RUBRICS, cache_folder

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / "cache"
WARM_UP = 20  # files read before the counted ones: caches and lazily built layouts are filled

# The collector is off in both, as in the pool's workers (forked while the parent's is paused,
# processor/system/collector.py): its passes would land in one count and not the other.
_OURS = """
import gc
import sys
gc.disable()
from pathlib import Path
from processor.intake.discover import discover
from processor.model.batch import BatchOptions, CheckContext
from processor.model.rubric import load_rubric
from processor.pipeline import parse_and_pack
folder, rubric_id, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rubric = load_rubric(rubric_id)
extra = {}
if rubric.kind == "levels":
    from bench.generate import DEADLINE, TIER, TODAY
    extra = {"tier": TIER, "deadline": DEADLINE, "today": TODAY}
options = BatchOptions(input_dir=folder, out_dir=Path("unused"), year=2025, rubric=rubric, workers=1, **extra)
found = [f for f in discover(folder) if f.skip_reason is None]
ctx = CheckContext(rubric=rubric, year=options.year, deadline=options.deadline, limits=options.limits,
                   today=options.today, tier=options.tier)
for f in found[:{warm}]:
    parse_and_pack(f, ctx)
for f in found[{warm}:{warm} + count]:
    parse_and_pack(f, ctx)
""".replace("{warm}", str(WARM_UP))

_FLOOR = """
import gc
import sys
gc.disable()
from pathlib import Path
from bench.measure import floor_one, workbooks
folder, count = Path(sys.argv[1]), int(sys.argv[3])
files = workbooks(folder)
for path in files[:{warm}]:
    floor_one(path)
for path in files[{warm}:{warm} + count]:
    floor_one(path)
""".replace("{warm}", str(WARM_UP))

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(script: str, folder: Path, rubric_id: str, count: int) -> int:
    """Instructions executed by `script` over `count` files (valgrind's cachegrind, no cache model)."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(script)
    try:
        done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                               sys.executable, fh.name, str(folder), rubric_id, str(count)],
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"},
                              capture_output=True, text=True, check=False)
    finally:
        Path(fh.name).unlink()
    found = _REFS.search(done.stderr)
    if done.returncode or not found:
        raise SystemExit(f"valgrind failed ({done.returncode}): {done.stderr[-400:]}")
    return int(found.group(1).replace(",", ""))


def per_file(script: str, folder: Path, rubric_id: str, count: int) -> float:
    """(a run over 2·count files − a run over count) / count: start-up, imports and whatever
    happens once (a rubric loaded for the first file of the other circular) cancel out."""
    return (instructions(script, folder, rubric_id, 2 * count) - instructions(script, folder, rubric_id, count)) / count


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100, help="files counted per rubric (default 100; 2× are read)")
    parser.add_argument("--rubrics", nargs="+", choices=RUBRICS, default=list(RUBRICS))
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    print("| rubric | files | ours (instructions a file) | floor (instructions a file) | ours/floor |")
    print("|---|---|---|---|---|")
    for rubric_id in args.rubrics:
        folder = cache_folder(CACHE, rubric_id) / "n1000"
        if not folder.is_dir():
            raise SystemExit(f"{folder} is missing: `make bench` makes the corpus")
        ours = per_file(_OURS, folder, rubric_id, args.files)
        floor = per_file(_FLOOR, folder, rubric_id, args.files)
        print(f"| {rubric_id} | {args.files} | {ours / 1e6:.2f} M | {floor / 1e6:.2f} M | {ours / floor:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
