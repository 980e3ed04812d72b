"""Shared fixtures: every workbook a test uses is built by the real template writer."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from processor.layout import Layout, build_layout
from processor.roster import Unit
from processor.rubric import Rubric, load_rubric
from processor.settings import Settings, load_settings
from processor.template import TemplateRequest, write_template

REPO = Path(__file__).resolve().parent.parent
REFERENCE_2021 = REPO / "processor" / "demo" / "reference_2021.yaml"
FIXED_TIME = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


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
