"""Plain, frozen records that flow through the pipeline and cross process boundaries.

They hold only plain values (str, float, date, tuples, dicts of those) so they pickle
cheaply, and outputs built from them are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from processor.model.issues import Issue
from processor.model.statuses import Choice, Outcome, Status

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
    """What the reader saw in one workbook, by field key: values and structure, before any
    judgement (that is the checks' job, processor.intake.checks)."""

    rel: str
    size: int
    sha256: str
    mtime: float
    refusal: Issue | None = None  # why the bytes could not be read at all (guards, parser)
    sheet_names: tuple[str, ...] = ()
    template: bool = False  # our metadata sheet, or at least one of our sheets, is there
    own_output: bool = False  # a consolidated workbook this tool wrote, not a submission
    meta: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    swapped: tuple[tuple[str, str], ...] = ()  # (sheet, our sheet whose content it holds)
    format_known: bool = False  # identity and narrative cells could be located
    rubric_matches: bool = False  # score cells could be located


@dataclass(frozen=True)
class IndicatorEntry:
    """What a unit wrote for one indicator of a Thông tư 24/2023 dossier."""

    judged: str = ""  # its self-judgement: "dat", "khong_dat", or for a graded indicator the grade id
    count: int | None = None  # members or learners meeting it (percent indicators)
    evidence: str = ""


@dataclass(frozen=True)
class LevelEntries:
    """The figures of a Thông tư 24/2023 dossier that the judgement uses."""

    kind: str = ""  # unit kind id; "" when missing or unknown
    level_asked: int | None = None
    members: int | None = None
    learners: int | None = None
    prior_level: int | None = None  # the unit's last recognition, as it typed it
    prior_decision: str = ""
    prior_date: date | None = None
    indicators: dict[str, IndicatorEntry] = field(default_factory=dict)


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
    levels: LevelEntries | None = None  # a Thông tư 24/2023 dossier's figures
    # The record as the register keeps it (processor.register.parsed), made in the worker that
    # parsed the file, so that the parent does not spend a second per 10,000 files encoding.
    # A copy made with replace() keeps the original's: only keep_parsed reads it, from the
    # records as read. Not part of the record's value.
    packed: bytes | None = field(default=None, compare=False, repr=False)

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


@dataclass(frozen=True)
class Unit:
    """A unit expected to report (a roster row), or one found only in the files."""

    code: str
    name: str
    group: str = ""
    email: str = ""
    contact: str = ""
    kind: str = ""  # the unit kind's id (Thông tư 24/2023), from the roster's "Loại đơn vị"


@dataclass(frozen=True)
class UnitResult:
    unit: Unit
    in_roster: bool
    status: Status
    submission: FileResult | None = None
    superseded: tuple[FileResult, ...] = ()


@dataclass(frozen=True)
class Resolution:
    """Which file counts for which unit, and what became of every file read."""

    units: tuple[UnitResult, ...]
    files: tuple[FileResult, ...]  # every read file, with roster issues added
    outcome: dict[str, Outcome]  # rel path -> what became of the file
    unit_of_file: dict[str, str]  # rel path -> unit code (or name key) it was attributed to
    # rel path -> (rule, other files): for the file used, the rule against the runner-up and
    # every file it replaced; for a superseded file, the rule and the file used.
    choice: dict[str, tuple[Choice, tuple[str, ...]]] = field(default_factory=dict)


DATE_UNUSUAL = "date-unusual"  # the issue code of an implausible report date
OWN_OUTPUT = "own-output"  # the issue code of a consolidated workbook found among the replies


def usable_report_date(result: FileResult) -> date | None:
    """The report date if it is plausible; an unusual one (1900, 2062) decides nothing."""
    if result.report_date is None or any(i.code == DATE_UNUSUAL for i in result.issues):
        return None
    return result.report_date
