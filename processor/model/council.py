"""The council's verification (thẩm định, TT24 Art. 16.2) as plain records, and the final
result of every unit that follows from it.

The council types its judgements into its own workbook (tham_dinh/ThamDinh_DVHT_<year>.xlsx);
intake reads them into a CouncilEntries, judge applies them and gives each unit a
FinalResult: the council's word where it has spoken validly, the computation elsewhere.
Every report and document reads FinalResult, so the workbook, the pages and the letters
cannot disagree about who is recommended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from processor.model.issues import Issue
from processor.model.levels import Verdict
from processor.model.records import Unit
from processor.model.register import key_of


class Finality(StrEnum):
    """Where a unit's final result comes from (wording in report.yaml, "finality")."""

    COMPUTED = "computed"  # from the unit's own figures: the council has not spoken
    VERIFIED = "verified"  # from the figures as the council verified them (indicator entries)
    COUNCIL = "council"  # the council's own conclusion (Kết luận)
    NOT_JUDGED = "not_judged"  # no valid dossier: Cần sửa or Chưa nộp, never recommended


class ReviewState(StrEnum):
    """A unit's entries in the council workbook (wording in report.yaml, "review_state")."""

    NONE = "none"  # the council has typed nothing for this unit yet
    APPLIED = "applied"  # entries typed for the file that counts, applied
    STALE = "stale"  # cần xem lại: typed for another file of the unit; kept, not applied
    WITHDRAWN = "withdrawn"  # the unit no longer has a file that counts; entries kept
    REJECTED = "rejected"  # some entries make no sense (issues); the others applied


class Conclusion(StrEnum):
    """The kinds of Kết luận; the option texts come from the rubric (one per level or class)."""

    BLANK = ""  # "as computed"
    RECOMMEND = "recommend"  # at the level or class named by ConclusionChoice.rank
    NOT_RECOMMENDED = "not_recommended"


@dataclass(frozen=True)
class ItemEntry:
    """What the council typed for one indicator (TT24) or one scored leaf (TT22) of a unit.

    verdict: "dat" / "khong_dat" / a grade id / "" (a count or a score only); count: the
    verified number of members or learners; score: the verified points (TT22)."""

    item: str
    raw: str
    verdict: str = ""
    count: int | None = None
    score: float | None = None
    opinion: str = ""
    cell: str = ""  # where the value is, "Sheet!K12", for the issues about it
    opinion_cell: str = ""


@dataclass(frozen=True)
class UnitEntries:
    """The council's entries for one unit, and the file they belong to."""

    key: str  # the unit's key in the council workbook: its code, else its name
    conclusion: Conclusion = Conclusion.BLANK
    rank: int | None = None  # the level (TT24) or the class's rank, higher is better (TT22)
    conclusion_raw: str = ""
    reason: str = ""
    file_choice: str = ""  # "Tệp được dùng" as typed
    confirm: str = ""  # "Xác nhận cho tệp" as typed: the code of the file the entries now apply to
    sha256: str = ""  # the file the entries were typed for
    items: dict[str, ItemEntry] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)  # field name -> "Sheet!Cell"

    @property
    def spoken(self) -> bool:
        return bool(self.conclusion_raw or self.reason or self.items)


@dataclass(frozen=True)
class CouncilEntries:
    """Everything read from the council workbook. issues: values that cannot be read at all
    (a count that is not a number); the judge adds the ones that need the rubric."""

    file: str  # the workbook's path as shown in issues ("tham_dinh/ThamDinh_DVHT_2025.xlsx")
    exists: bool
    units: dict[str, UnitEntries] = field(default_factory=dict)
    issues: tuple[tuple[str, Issue], ...] = ()  # (unit key, issue)
    open_elsewhere: bool = False  # Excel or LibreOffice has it open: read, not updated
    unreadable: str = ""  # why the workbook could not be read (it is then not updated either)
    keep_as_is: str = ""  # why an update would lose something typed (a row without its key, two with one)
    read_sha256: str = ""  # the bytes read: an update must not replace a version saved since
    rows: tuple[tuple[str, ...], ...] = ()  # the keys of every row, in order, per sheet (kept on update)
    # every row as read, by key, column key -> value, per sheet: what an update writes back
    previous: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]] = ({}, {})


@dataclass(frozen=True)
class Reason:
    """One unmet indicator (or a lowered leaf) in a reply: the council's reason where it gave
    one, else what the figures say."""

    item: str  # indicator or leaf id
    code: str  # "TC2.CT4", "3a1"
    text: str  # the indicator's wording
    reason: str
    by_council: bool


@dataclass(frozen=True)
class FinalResult:
    """A unit's result for the recognition: self-assessed, verified, and which is final.

    rank is the level recommended (TT24) or the class's rank, higher is better (TT22: Tốt 3,
    Khá 2, Trung bình 1); None when not recommended. asked is the level the unit asked for (TT24; None for TT22)."""

    finality: Finality
    state: ReviewState
    self_rank: int | None
    self_label: str
    verified_rank: int | None
    verified_label: str
    rank: int | None
    label: str  # a level or class label, or the not-recommended wording
    asked: int | None = None
    reasons: tuple[Reason, ...] = ()  # why not (or not at the level asked)
    council_reason: str = ""  # the Lý do of the council's conclusion
    errors: tuple[Issue, ...] = ()  # the dossier's errors, when it still has some
    file_sha256: str = ""  # the file the result is about
    verified_outcome: dict[str, str] = field(default_factory=dict)  # item -> "dat"/"khong_dat"/… after the council
    verified_scores: dict[str, float | None] = field(default_factory=dict)  # TT22: every criterion and "total"

    @property
    def recommended(self) -> bool:
        return self.rank is not None

    @property
    def finality_key(self) -> str:
        """The key of its wording (council.yaml, "finality"): "computed" says the council has not
        spoken, so a computed result the council did speak on (entries kept for review, or all
        refused) says that instead."""
        if self.finality == Finality.COMPUTED and self.state in (ReviewState.STALE, ReviewState.REJECTED):
            return "computed_unapplied"
        if self.finality == Finality.NOT_JUDGED and not self.file_sha256:
            return "not_submitted"
        return self.finality.value

    @property
    def short_of_asked(self) -> bool:
        """Not recommended at all, or at a lower level than asked: the unit gets a reply."""
        return self.rank is None or (self.asked is not None and self.rank < self.asked)


@dataclass(frozen=True)
class CouncilOutcome:
    """What the council's entries did to a run: the results, and what could not be applied.

    finals and states are by unit position (as in Resolution.units); issues carry the key of
    the unit they concern, so the reports list them under that unit."""

    entries: CouncilEntries
    finals: dict[int, FinalResult] = field(default_factory=dict)
    states: dict[int, ReviewState] = field(default_factory=dict)
    issues: tuple[tuple[str, Issue], ...] = ()
    verified: dict[int, Verdict] = field(default_factory=dict)  # TT24: verdicts on the verified figures
    applied_items: dict[int, tuple[str, ...]] = field(default_factory=dict)  # items whose council entry applied


def council_key(unit: Unit) -> str:
    """A unit's key in the council workbook: its key across runs and years (model.register)."""
    return key_of(unit)


def file_code(sha256: str) -> str:
    """The short code a council types to name a file: the first 8 hex digits of its SHA-256."""
    return sha256[:8].upper()
