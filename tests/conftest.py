"""Shared fixtures: every workbook a test uses is built by the real template writer."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from processor.model.layout import Layout, build_layout
from processor.model.records import Unit
from processor.model.rubric import Rubric, load_rubric
from processor.model.settings import Settings, load_settings
from processor.template.writer import TemplateRequest, write_template

REPO = Path(__file__).resolve().parent.parent
REFERENCE_2021 = REPO / "processor" / "demo" / "reference_2021.yaml"
FIXED_TIME = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
# The test data is TT22 data of year 2025, a year the circular in force (TT24) governs: name the rubric.
TT22_2025 = ("--year", "2025", "--rubric", "tt22-2020")


@pytest.fixture(autouse=True)
def _collector_unfrozen() -> Iterator[None]:
    """A batch freezes what is alive when it has read its files (processor/system/collector.py),
    this test's fixtures too: give them back to the collector once the test is done, so that
    their cycles are collected (and their warnings raised) as without the freeze."""
    yield
    gc.unfreeze()


@pytest.fixture(scope="session")
def rubric() -> Rubric:
    return load_rubric()


@pytest.fixture(scope="session")
def layout(rubric: Rubric) -> Layout:
    return build_layout(rubric)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def reference_2021() -> dict[str, Any]:
    return yaml.safe_load(REFERENCE_2021.read_text(encoding="utf-8"))


@pytest.fixture
def make_template(tmp_path: Path, layout: Layout, settings: Settings) -> Callable[..., Path]:
    def make(name: str = "mau.xlsx", *, unit: Unit | None = None, year: int = 2025,
             layout_: Layout | None = None) -> Path:
        request = TemplateRequest(layout=layout_ or layout, settings=settings, year=year,
                                  unit=unit, generated_at=FIXED_TIME)
        return write_template(tmp_path / name, request)

    return make


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.fail("LibreOffice (soffice) is not installed; .ci/run installs it with apt-get")
    return exe


def libreoffice_convert(files: Iterable[Path], out_dir: Path, target: str, profile: Path) -> None:
    """One soffice call for many files: each start of LibreOffice costs seconds."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
           "--convert-to", target, "--outdir", str(out_dir), *map(str, files)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)


def full_scores(rubric: Rubric) -> dict[str, float]:
    return {leaf.id: leaf.max for leaf in rubric.leaves}


@pytest.fixture
def make_submission(tmp_path: Path, layout: Layout, settings: Settings, rubric: Rubric) -> Callable[..., Path]:
    """A returned workbook built through the real template writer and filled by name.

    Defaults to a perfect submission (every leaf at its maximum, evidence everywhere);
    keyword arguments override identity fields, scores or evidence.
    """
    templates: dict[tuple[int, str], Path] = {}

    def make(name: str = "don_vi.xlsx", *, folder: Path | None = None, year: int = 2025,
             unit: Unit | None = None, scores: dict[str, Any] | None = None,
             evidence: dict[str, Any] | None = None, narrative: dict[str, Any] | None = None,
             **identity: Any) -> Path:
        from processor.template.filler import fill_template, submission_values

        key = (year, unit.code if unit else "")
        if key not in templates:
            request = TemplateRequest(layout=layout, settings=settings, year=year, unit=unit,
                                      generated_at=FIXED_TIME)
            templates[key] = write_template(tmp_path / "_mau" / f"{year}_{key[1]}.xlsx", request)
        ident: dict[str, Any] = {"ten_don_vi": "Sở Nội vụ", "ma_don_vi": "SNV", "nam_danh_gia": year,
                                 "ngay_bao_cao": "15/01/2026", "nguoi_ky": "Nguyễn Văn A",
                                 "chuc_vu_nguoi_ky": "Giám đốc"}
        if unit:
            ident.pop("ten_don_vi")
            ident.pop("ma_don_vi")
        ident.update(identity)
        all_scores = {**full_scores(rubric), **(scores or {})}
        all_evidence = {leaf.id: f"Quyết định số {i + 1}/QĐ ngày 02/3/{year}" for i, leaf in enumerate(rubric.leaves)}
        all_evidence.update(evidence or {})
        values = submission_values(ident, all_scores, all_evidence, narrative or {"kien_nghi": "Không"})
        values = {k: v for k, v in values.items() if v is not None}
        return fill_template(templates[key], (folder or tmp_path / "ho_so") / name, values)

    return make


def edit_workbook(path: Path, change: Callable[[Any], None]) -> Path:
    """Alter a filled workbook the way a unit can (protection ignored), saving in place."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


# ---- reading the consolidated workbook's list sheets ---------------------------------------

STT = "STT"


def table_range(ws: Any) -> tuple[int, int]:
    """The (1-based) header row and last row of a list sheet's table: its autofilter's range,
    which the writer sets over exactly the header and the data rows."""
    from openpyxl.utils.cell import range_boundaries

    assert ws.auto_filter.ref, f"{ws.title}: no table (autofilter)"
    _, first, _, last = range_boundaries(ws.auto_filter.ref)
    return first, last


def stt_numbers(ws: Any) -> tuple[Any, list[Any]]:
    """A list sheet's first header cell and its first column under it, down to the last row
    that has any value: what a printed list numbers its rows with."""
    first, last = table_range(ws)
    body = [r for r in ws.iter_rows(min_row=first + 1, max_row=last, values_only=True) if any(v not in (None, "")
                                                                                            for v in r)]
    return ws.cell(first, 1).value, [r[0] for r in body]


def list_rows(path: Path, sheet: str) -> list[tuple]:
    """The rows of a list sheet of the consolidated workbook from its first row, with the STT
    column taken off the table (header and data rows) once it is checked to number the rows
    1..n: the tests read the data columns by the same positions whatever numbers them."""
    import openpyxl

    ws = openpyxl.load_workbook(path)[sheet]
    header, numbers = stt_numbers(ws)
    assert (header, numbers) == (STT, list(range(1, len(numbers) + 1))), f"{sheet}: {header!r} {numbers}"
    first, _ = table_range(ws)
    return [tuple(r[1:]) if i >= first else tuple(r)
            for i, r in enumerate(ws.iter_rows(values_only=True), 1)]


def list_dicts(path: Path, sheet: str) -> list[dict[str, Any]]:
    """The data rows of a list sheet as dicts keyed by header (STT included)."""
    import openpyxl

    ws = openpyxl.load_workbook(path)[sheet]
    first, last = table_range(ws)
    header, *body = ws.iter_rows(min_row=first, max_row=last, values_only=True)
    return [dict(zip(header, r, strict=True)) for r in body if any(v not in (None, "") for v in r)]


# ---- running the tool as an unprivileged user (CI runs as root, where chmod blocks nothing) ----

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder an unprivileged user can reach (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="dvht-nobody-"))
    path.chmod(0o755)
    yield path
    for p in [path, *path.rglob("*")]:
        if p.is_dir() and not p.is_symlink():
            p.chmod(0o755)
    shutil.rmtree(path)


def as_nobody(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": "/nonexistent", "PYTHONDONTWRITEBYTECODE": "1",
           "LANG": "C.UTF-8"}
    return subprocess.run([*NOBODY, sys.executable, "run.py", *argv], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def give_to_nobody(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        os.chown(p, 65534, 65534)
