"""Plain, frozen records that flow through the pipeline and cross process boundaries.

They hold only plain values (str, float, date, tuples, dicts of those) so they pickle
cheaply, and outputs built from them are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from processor.issues import Issue

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")


@dataclass(frozen=True)
class FoundFile:
    """A file under the input folder; skip_reason is None when it is to be read.

    rel is the exact relative path (as the OS gave it: spacing, NFD, even surrogate-escaped
    bytes that are not UTF-8). It is the file's identity and the key results are joined on;
    show it only through textnorm.display_name. failed marks an entry that could not be
    examined at all (reported as "Không đọc được" with a warning), as opposed to one skipped
    on purpose (Bỏ qua); folder marks an entry that is a folder, not a file.
    """

    path: str
    rel: str
    size: int
    mtime: float
    skip_reason: str | None = None
    failed: bool = False
    folder: bool = False


@dataclass(frozen=True)
class RawSubmission:
    """What the reader saw in one workbook, by field key, before any judgement."""

    rel: str
    size: int
    sha256: str
    mtime: float
    sheet_names: tuple[str, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    format_known: bool = False  # identity and narrative cells could be located
    rubric_matches: bool = False  # score cells could be located


@dataclass(frozen=True)
class FileResult:
    """One workbook after validation: parsed fields and every finding about it."""

    rel: str
    size: int
    sha256: str
    mtime: float
    identity: dict[str, str] = field(default_factory=dict)
    report_date: date | None = None
    scores: dict[str, float | None] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    narrative: dict[str, str] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    identifiable: bool = False  # a unit name or code could be read

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if not i.is_error)

    @property
    def code(self) -> str:
        return self.identity.get("ma_don_vi", "")

    @property
    def name(self) -> str:
        return self.identity.get("ten_don_vi", "")
