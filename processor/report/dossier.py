"""What the recognition documents say, as plain records, apart from how Word lays them out.

The documents (replies, the council's summary table, its report, the Tờ trình, the draft
decision) are all views of one DocumentSet built from the run's Summary: who sent a dossier,
what they asked, what the council verified, who is recommended at which level or class. The
docx writer only lays these records out, so its tests need no batch run, and a count in the
report can never differ from the list in the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from processor.model.council import Reason


@dataclass(frozen=True)
class DocItem:
    """A column of the council's summary table: an indicator (TT24) or a scored leaf (TT22)."""

    id: str
    code: str  # "TC2.CT4" or "3a1"
    text: str


@dataclass(frozen=True)
class DocUnit:
    """One unit that sent a dossier, as the documents show it."""

    code: str
    name: str
    group: str
    kind_label: str  # TT24: the unit kind; TT22: ""
    asked_label: str  # TT24: "Mức độ 2"; TT22: ""
    self_label: str  # the result of the unit's own figures: a level or class label, or "not reached" wording
    label: str  # the final result: the level or class recommended, or the not-recommended wording
    rank: int | None  # the level (TT24) or the band's position, best first (TT22); None: not recommended
    reply: bool  # not recommended, or not at the level asked: the unit gets a written answer
    finality_label: str  # "Theo kết luận của Hội đồng", "Theo số liệu đã thẩm định", …
    reasons: tuple[Reason, ...]  # every unmet indicator (or lowered leaf) with its reason
    council_reason: str  # the Lý do of the council's conclusion, "" when none
    errors: tuple[str, ...]  # the dossier's errors ("Trang …, ô …: …") when it still has some
    results: dict[str, str]  # DocItem.id -> the verified result as the table shows it ("Đạt", "96%", "8")
    total: str = ""  # TT22: the verified total ("86,5"); TT24: ""


@dataclass(frozen=True)
class DocumentSet:
    """Everything the five kinds of document need for one season."""

    year: int
    kind: str  # "levels" (TT24) or "points" (TT22)
    legal_basis: str  # the circular's full citation, from the rubric
    ranks: tuple[tuple[int, str], ...]  # (rank, label), best first: ((2, "Mức độ 2"), (1, "Mức độ 1")) or bands
    items: tuple[DocItem, ...]
    units: tuple[DocUnit, ...]  # every unit that sent a dossier, in roster order; Chưa nộp units excluded
    groups: tuple[str, ...]  # the roster's groups, sorted; () when it has none
    run_date: date
    deadline: date | None

    @property
    def recommended(self) -> tuple[DocUnit, ...]:
        return tuple(u for u in self.units if u.rank is not None)

    def at_rank(self, rank: int) -> tuple[DocUnit, ...]:
        return tuple(u for u in self.units if u.rank == rank)

    @property
    def replies(self) -> tuple[DocUnit, ...]:
        return tuple(u for u in self.units if u.reply)
