"""Where everything sits in the council's workbook: one layout, shared by the code that
writes it (report.council_workbook) and the code that reads the council's entries back
(intake.council), so the two can never disagree about a column.

Rows are found by a hidden key column (unit key, or unit key and item), never by position,
so a row keeps its entries whatever the run adds; the header and the option texts come from
processor/texts/council.yaml and from the rubric (one Kết luận option per level or class).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from processor.model.council import Conclusion
from processor.model.layout import column_letter
from processor.model.levels import LevelRubric
from processor.model.rubric import AnyRubric
from processor.text.normalise import match_key
from processor.text.wording import wording

FORMAT_VERSION = "tham-dinh-1"
HEADER_ROW = 3  # 0-based: title, subtitle, a blank row, then the header
KEY_SEPARATOR = "|"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float
    entry: bool = False  # unlocked: the council types here
    hidden: bool = False
    wrap: bool = False


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]

    @cached_property
    def index(self) -> dict[str, int]:
        return {c.key: i for i, c in enumerate(self.columns)}

    def cell(self, key: str, row: int) -> str:
        """The A1 reference of a column's cell on a 0-based row, for issues and formulas."""
        return f"{column_letter(self.index[key])}{row + 1}"

    @property
    def entry_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.entry)


@dataclass(frozen=True)
class ConclusionOption:
    text: str
    conclusion: Conclusion
    rank: int | None  # the level, or the class's rank (higher is better); None for "not recommended"


@dataclass(frozen=True)
class CouncilLayout:
    kind: str  # "levels" or "points"
    rubric_id: str
    guide: str
    units: Sheet
    items: Sheet
    meta: str
    options: tuple[ConclusionOption, ...]

    def file_name(self, year: int) -> str:
        return wording("council")["file_name"].format(nam=year)

    def option(self, typed: str) -> ConclusionOption | None:
        """The Kết luận option a typed text means: case, spacing and diacritics do not matter."""
        wanted = match_key(typed)
        return next((o for o in self.options if match_key(o.text) == wanted), None)

    def option_for(self, conclusion: Conclusion, rank: int | None) -> ConclusionOption | None:
        return next((o for o in self.options if o.conclusion == conclusion and o.rank == rank), None)


def class_ranks(rubric: AnyRubric) -> dict[str, int]:
    """TT22: the rank of every recognised class, higher is better (Tốt 3, Khá 2, Trung bình 1)."""
    recognised = [b.label for b in rubric.bands if b.recognised]  # type: ignore[union-attr]
    return {label: len(recognised) - i for i, label in enumerate(recognised)}


def build_council_layout(rubric: AnyRubric) -> CouncilLayout:
    texts = wording("council")
    col, sheets = texts["columns"], texts["sheets"]
    levels = rubric.kind == "levels"

    def c(key: str, width: float, **kw: bool) -> Column:
        return Column(key=key, header=col[key], width=width, **kw)

    unit_columns = [
        # widths: the sheet prints one page wide (A4 landscape), so every column is as narrow as it reads
        c("stt", 5), c("code", 10), c("name", 24, wrap=True), c("group", 14, wrap=True),
        *([c("kind", 18, wrap=True)] if levels else []),
        c("status", 9, wrap=True), c("file", 22, wrap=True), c("file_code", 10), c("files", 24, wrap=True),
        *([c("asked", 10, wrap=True)] if levels else []),
        c("self", 12, wrap=True), c("verified", 12, wrap=True),
        c("conclusion", 22, entry=True, wrap=True), c("reason", 30, entry=True, wrap=True),
        c("file_choice", 12, entry=True, wrap=True), c("confirm", 10, entry=True),
        c("final", 14, wrap=True), c("finality", 18, wrap=True), c("state", 24, wrap=True),
        c("key", 8, hidden=True), c("file_sha", 8, hidden=True), c("entries_sha", 8, hidden=True),
    ]
    if levels:
        item_columns = [
            c("stt", 5), c("code", 10), c("name", 20, wrap=True), c("item", 9), c("item_text", 36, wrap=True),
            c("requirement", 18, wrap=True), c("self_judged", 12, wrap=True), c("figure", 14, wrap=True),
            c("evidence", 30, wrap=True), c("computed", 10, wrap=True),
            c("verdict", 14, entry=True, wrap=True), c("opinion", 30, entry=True, wrap=True),
            c("item_state", 16, wrap=True), c("key", 8, hidden=True),
        ]
    else:
        item_columns = [
            c("stt", 5), c("code", 10), c("name", 20, wrap=True),
            Column("item", col["item_points"], 9), c("item_text", 36, wrap=True), c("max", 8),
            c("self_score", 9), c("evidence", 30, wrap=True),
            c("score", 11, entry=True), c("opinion", 30, entry=True, wrap=True),
            c("item_state", 16, wrap=True), c("key", 8, hidden=True),
        ]
    conclusion = texts["conclusion"]
    if isinstance(rubric, LevelRubric):
        options = [ConclusionOption(conclusion["recommend_level"].format(muc_do=_lower_first(lv.label)),
                                    Conclusion.RECOMMEND, lv.id) for lv in rubric.levels]
    else:
        options = [ConclusionOption(conclusion["recommend_class"].format(xep_loai=label), Conclusion.RECOMMEND, rank)
                   for label, rank in class_ranks(rubric).items()]
    options.append(ConclusionOption(conclusion["not_recommended"], Conclusion.NOT_RECOMMENDED, None))
    return CouncilLayout(
        kind=rubric.kind, rubric_id=rubric.id, guide=sheets["guide"],
        units=Sheet(sheets["units"], tuple(unit_columns)),
        items=Sheet(sheets["items_levels"] if levels else sheets["items_points"], tuple(item_columns)),
        meta=sheets["meta"], options=tuple(options))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
