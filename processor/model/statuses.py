"""The few words every stage and report uses for where a unit or a file stands.

StrEnums, so that a value is still the plain key the wording files, the CSS classes and the
pages' filters use ("valid", "to_fix"…), while code compares members, not string literals.
Their Vietnamese labels live in processor/texts/report.yaml.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # the unit must fix it before it is judged
    WARNING = "warning"  # shown, does not stop the judgement


class Status(StrEnum):
    """A roster unit (or a unit found only in the files) after the run."""

    VALID = "valid"  # Hợp lệ: its counting file has no error
    TO_FIX = "to_fix"  # Cần sửa
    MISSING = "missing"  # Chưa nộp
    COVERED = "covered"  # Đang bảo lưu: no dossier this season, a recognition still covers it (TT24)

    @property
    def submitted(self) -> bool:
        """It sent a dossier this season (Hợp lệ or Cần sửa)."""
        return self in (Status.VALID, Status.TO_FIX)


class Outcome(StrEnum):
    """What became of one file found in the input folder."""

    USED = "used"  # Đã dùng
    SUPERSEDED = "superseded"  # Bị thay thế
    NEEDS_FIX = "needs_fix"  # Cần sửa
    UNREADABLE = "unreadable"  # Không đọc được
    SKIPPED = "skipped"  # Bỏ qua


class Choice(StrEnum):
    """Why one file of a unit was chosen over another (wording in report.yaml, "choice")."""

    ERROR_FREE = "error-free"
    NEWER_BY_EVERY_MEASURE = "newer-by-every-measure"
    BY_REPORT_DATE = "report-date"
    UNDATED = "undated"  # one file has no plausible report date: compared by the day it was saved
    BY_FILE_TIME = "file-time"
    BY_FILE_NAME = "file-name"
    BY_COUNCIL = "council"  # the council named the file in its workbook (Tệp được dùng)
