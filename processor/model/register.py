"""What the register (an SQLite file, processor.register) knows across runs and years, as the
plain records the other stages read: recognitions, the previous run of a season, and what
changed since it.

A recognition for evaluation year Y under a levels rubric covers the seasons Y+1 … Y+validity
(our reading of TT24 Art. 5.4/11.4, the rubric's `validity_years`); a TT22 class is history
only: it neither covers a season nor makes a unit eligible for level 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from processor.model.records import Unit
from processor.text.normalise import exact_name_key


@dataclass(frozen=True)
class Recognition:
    """One decision about one unit and one evaluation year."""

    unit_code: str
    unit_name: str
    year: int  # the evaluation year recognised
    rubric: str  # the rubric id it was judged under
    level: int | None = None  # levels rubrics (TT24)
    klass: str = ""  # points rubrics (TT22): the class label
    decision: str = ""  # "123/QĐ-UBND"
    decision_date: date | None = None
    valid_through: int | None = None  # the last season it covers; None: history only (TT22)
    source: str = ""  # "import" (a department's file) or "record" (a season's decision)

    @property
    def key(self) -> str:
        return unit_key(self.unit_code, self.unit_name)


def unit_key(code: str, name: str) -> str:
    """The key a unit is known by across runs and years: its code, else its exact name."""
    return code.casefold() if code else f"ten:{exact_name_key(name)}"


def key_of(unit: Unit) -> str:
    return unit_key(unit.code, unit.name)


class Coverage(StrEnum):
    """Where a unit stands in a season because of an earlier recognition (report.yaml, "coverage")."""

    NONE = ""
    COVERED = "covered"  # Đang bảo lưu đến năm <valid_through>
    RENEWAL_DUE = "renewal_due"  # this season is the last it covers: Cần công nhận lại


@dataclass(frozen=True)
class UnitStanding:
    """A unit's recognitions (newest first) and what they mean for this season."""

    history: tuple[Recognition, ...] = ()
    coverage: Coverage = Coverage.NONE
    covering: Recognition | None = None  # the recognition that covers this season


@dataclass(frozen=True)
class PreviousRun:
    """The last run of the same season (year and rubric) the register remembers."""

    run_id: int
    started_at: str  # ISO time
    files: dict[str, str] = field(default_factory=dict)  # rel path -> SHA-256
    units: dict[str, str] = field(default_factory=dict)  # unit key -> Status value
    unit_files: dict[str, str] = field(default_factory=dict)  # unit key -> rel path of its counting file
    names: dict[str, str] = field(default_factory=dict)  # unit key -> "CODE Name", for units gone since


@dataclass(frozen=True)
class RegisterView:
    """What a run reads from the register before it judges."""

    path: Path
    recognitions: dict[str, tuple[Recognition, ...]] = field(default_factory=dict)  # unit key -> newest first
    previous: PreviousRun | None = None


class ChangeKind(StrEnum):
    """What changed since the previous run of the season (report.yaml, "changes")."""

    FILE_NEW = "file_new"
    FILE_CHANGED = "file_changed"
    FILE_GONE = "file_gone"
    BECAME_VALID = "became_valid"
    BECAME_TO_FIX = "became_to_fix"
    LOST_FILE = "lost_file"


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    unit: str  # "SNV Sở Nội vụ", "" for a file no unit was credited with
    file: str  # the rel path concerned, "" when none
    before: str  # the previous state, in words
    now: str


def standing(history: tuple[Recognition, ...], season: int) -> UnitStanding:
    """A unit's standing in a season from its recognitions (newest first): covered while a
    recognition with a validity covers it; due for re-recognition in the last season it covers."""
    covering = next((r for r in history if r.valid_through is not None and r.year < season <= r.valid_through), None)
    if covering is None:
        return UnitStanding(history=history)
    coverage = Coverage.RENEWAL_DUE if season == covering.valid_through else Coverage.COVERED
    return UnitStanding(history=history, coverage=coverage, covering=covering)


@dataclass(frozen=True)
class FileRecord:
    rel: str
    sha256: str
    size: int
    outcome: str  # Outcome value
    unit_key: str


@dataclass(frozen=True)
class IssueRecord:
    severity: str  # Severity value
    code: str
    file: str
    sheet: str
    cell: str
    message: str


@dataclass(frozen=True)
class UnitRecord:
    key: str
    code: str
    name: str
    group: str
    status: str  # Status value
    file: str
    self_result: str
    final_result: str
    final_rank: int | None
    finality: str
    unmet: str  # "TC2.CT4, TC3.CT1", or the TT22 scores' summary
    scores: str  # JSON of the verified scores (TT22), "{}" otherwise
    page: str = ""  # its page in html/ ("SNV.html")
    email: str = ""  # the roster's address
    issues: tuple[IssueRecord, ...] = ()  # the findings about its counting file, errors first


@dataclass(frozen=True)
class RunRecord:
    """One run as the register keeps it."""

    started_at: str
    finished_at: str
    year: int
    rubric: str
    tier: str
    input_dir: str
    options: str  # JSON
    files: tuple[FileRecord, ...]
    units: tuple[UnitRecord, ...]
    tool_version: str


@dataclass(frozen=True)
class SentRecord:
    """A message sent; its key (a digest of kind, unit, recipients, subject, body and
    attachments) is what makes a second run not send it again."""

    message_key: str
    kind: str  # invite, remind, fix, reply
    year: int
    unit_key: str
    recipients: str  # comma-separated addresses
    subject: str
    sent_at: str  # ISO time


@dataclass(frozen=True)
class Arrival:
    """A spreadsheet attachment collect saved into the input folder, and the message it came in."""

    path: str  # relative to the input folder, as the batch will see it (FoundFile.rel)
    sha256: str
    sender: str  # the address in From
    received: str  # ISO time the message arrived (its Date, else the server's arrival time); "" unknown
    subject: str
    message_id: str
    source: str  # "imap" or "eml"
