"""What one batch run is asked to do and what it gives back, as plain frozen records.

They sit in the model, below every stage, so that the reports read a run's result without
depending on the pipeline that made it, and workers receive a small picklable context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from processor.model.council import CouncilOutcome
from processor.model.council_layout import CouncilLayout
from processor.model.layout import Layout
from processor.model.level_layout import LevelLayout
from processor.model.levels import Verdict
from processor.model.records import FileResult, FoundFile, Resolution, Unit
from processor.model.register import Arrival, RegisterView, UnitStanding
from processor.model.rubric import AnyRubric
from processor.model.settings import DocumentSettings
from processor.text.dates import run_date


@dataclass(frozen=True)
class Limits:
    """Bounds per file. The real template is about 20 KB and its largest part about 40 KB."""

    max_file_bytes: int = 30 * 1024 * 1024
    max_total_uncompressed: int = 200 * 1024 * 1024
    max_part_bytes: int = 20 * 1024 * 1024
    max_ratio: float = 200.0  # uncompressed / compressed, for parts over 1 MB
    xml_head_bytes: int = 64 * 1024  # the prolog, where a DOCTYPE would have to be
    max_seconds: int = 30  # CPU and wall-clock time to read and check one file
    max_memory_bytes: int = 2 * 1024 * 1024 * 1024  # address space of a reading process

@dataclass(frozen=True)
class CheckContext:
    """Everything the per-file step needs; small and picklable, sent to every worker."""

    rubric: AnyRubric
    year: int
    deadline: date | None
    limits: Limits = field(default_factory=Limits)
    today: date = field(default_factory=run_date)  # report dates after it are implausible
    tier: str = "tinh"  # the tier evaluated (levels rubrics): which indicators a dossier has

@dataclass(frozen=True)
class BatchOptions:
    input_dir: Path
    out_dir: Path
    year: int
    rubric: AnyRubric
    roster: tuple[Unit, ...] = ()
    roster_path: Path | None = None
    deadline: date | None = None
    workers: int = 0  # 0: all cores
    limits: Limits = field(default_factory=Limits)
    today: date = field(default_factory=run_date)  # the run date; the one source of "today"
    tier: str = "tinh"  # cap_danh_gia of the configuration
    review_dir: Path | None = None  # the council workbook's folder; None: <out_dir>/tham_dinh
    documents: DocumentSettings = field(default_factory=DocumentSettings)  # issuers and signers (van_ban)
    register_path: Path | None = None  # the register (SQLite); None: <out_dir>/du_lieu/dvht.sqlite

    @property
    def register_file(self) -> Path:
        return self.register_path if self.register_path is not None else self.out_dir / "du_lieu" / "dvht.sqlite"

    @property
    def council_dir(self) -> Path:
        return self.review_dir if self.review_dir is not None else self.out_dir / "tham_dinh"


@dataclass(frozen=True)
class BatchResult:
    options: BatchOptions
    layout: Layout | LevelLayout
    found: tuple[FoundFile, ...]
    resolution: Resolution
    scores: pd.DataFrame  # points rubrics: per unit (position in resolution.units) every sum and the class
    started_at: datetime
    timings: dict[str, float] = field(default_factory=dict)
    verdicts: dict[int, Verdict] = field(default_factory=dict)  # levels rubrics: per judged unit position
    council: CouncilOutcome | None = None  # the council's entries applied: every unit's final result
    council_layout: CouncilLayout | None = None
    council_path: Path | None = None  # the council workbook this run read (and updates)
    register: RegisterView | None = None  # what the register knew before this run (recognitions, previous run)
    standings: dict[int, UnitStanding] = field(default_factory=dict)  # per unit position: history and coverage
    arrivals: dict[str, Arrival] = field(default_factory=dict)  # rel path -> the message it came in (collect)
    reused: int = 0  # files whose record came from the register (same bytes, same context): not parsed again
    # The per-file records as read (before the register touched them), which came from the
    # register, and their context key: kept in the register only once the run has published
    # (processor.pipeline.keep_parsed), so a run that fails leaves the register as it was.
    parsed: tuple[FileResult, ...] = ()
    parsed_reused: frozenset[int] = frozenset()
    parsed_context: str = ""
    notes: tuple[str, ...] = ()  # Vietnamese lines for the console: what went wrong without failing the run

    @property
    def files_by_rel(self) -> dict[str, FileResult]:
        return {f.rel: f for f in self.resolution.files}
