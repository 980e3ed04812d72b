"""Where every field of the Thông tư 24/2023 template lives (rubrics of kind `levels`).

Like processor.model.layout for the points template, this is the one place the template
writer and the batch reader take their cells from. Sheet names, defined names and the
format version are a public contract (README); a change is a new format version.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from processor.model.layout import (
    IDENTITY_FIELDS,
    META_KEYS,
    NARRATIVE_FIELDS,
    SHEET_GUIDE,
    SHEET_IDENTITY,
    SHEET_META,
    SHEET_REPORT,
    Cell,
    column_letter,
)
from processor.model.levels import Indicator, LevelCriterion, LevelRubric, Tier, UnitKind

LEVELS_FORMAT_VERSION = "muc-do-1"
SHEET_SELF = "Tự đánh giá"
SHEET_KINDS = "DVHT_loai"  # hidden: the unit kinds and their attributes, for the live formulas
LEVEL_SHEETS = (SHEET_GUIDE, SHEET_IDENTITY, SHEET_SELF, SHEET_REPORT, SHEET_META, SHEET_KINDS)

# Identity of a TT24 dossier: the TT22 fields, then the unit's kind, the level it asks for,
# its head counts and its last recognition (for the 12-month rule of Art. 5.3/11.3).
LEVEL_FIELDS = ("loai_don_vi", "muc_do_de_nghi", "so_thanh_vien", "so_nguoi_hoc",
                "cong_nhan_truoc_muc_do", "cong_nhan_truoc_so_qd", "cong_nhan_truoc_ngay")
LEVEL_IDENTITY_FIELDS = (*IDENTITY_FIELDS, *LEVEL_FIELDS)
LEVEL_META_KEYS = (*META_KEYS, "tier")

# Columns of "Tự đánh giá" (0-based).
COL_CODE, COL_TEXT, COL_REQUIRED, COL_COUNT, COL_RATE, COL_SELF, COL_EVIDENCE, COL_RESULT = range(8)
# Hidden working columns: per level, whether the indicator applies and whether it is met.
COL_APPLIES_1, COL_APPLIES_2, COL_MET_1, COL_MET_2 = range(8, 12)
HEADER_ROW = 3
FIRST_ROW = 4
IDENTITY_FIRST_ROW = 2
REPORT_FIRST_ROW = 2
META_FIRST_ROW = 1
KINDS_FIRST_ROW = 1  # DVHT_loai: id | label | public | economic | learners | school
KIND_COL_ID, KIND_COL_LABEL, KIND_COL_PUBLIC, KIND_COL_ECONOMIC, KIND_COL_LEARNERS, KIND_COL_SCHOOL = range(6)
KIND_ATTRIBUTE_COLS = {"id": KIND_COL_ID, "label": KIND_COL_LABEL, "public": KIND_COL_PUBLIC,
                       "economic": KIND_COL_ECONOMIC, "learners": KIND_COL_LEARNERS, "school": KIND_COL_SCHOOL}


@dataclass(frozen=True)
class IndicatorRow:
    indicator: Indicator
    row: int

    def cell(self, col: int) -> Cell:
        return Cell(SHEET_SELF, self.row, col)


@dataclass(frozen=True)
class CriterionRow:
    criterion: LevelCriterion
    row: int
    indicator_rows: tuple[IndicatorRow, ...]

    def cell(self, col: int) -> Cell:
        return Cell(SHEET_SELF, self.row, col)


@dataclass(frozen=True)
class LevelLayout:
    format_version: str
    rubric: LevelRubric
    tier: Tier
    identity: dict[str, Cell]
    narrative: dict[str, Cell]
    criterion_rows: tuple[CriterionRow, ...]
    supported_row: int  # "Mức độ số liệu đáp ứng": the level the figures support
    meta: dict[str, Cell]

    @cached_property
    def indicator_rows(self) -> tuple[IndicatorRow, ...]:
        return tuple(r for c in self.criterion_rows for r in c.indicator_rows)

    def row_of(self, indicator_id: str) -> IndicatorRow:
        return next(r for r in self.indicator_rows if r.indicator.id == indicator_id)

    @property
    def kinds(self) -> tuple[UnitKind, ...]:
        """The unit kinds of this tier, one row each on DVHT_loai from KINDS_FIRST_ROW."""
        return self.rubric.kinds_of_tier(self.tier.id)

    def kind_cell(self, index: int, col: int) -> Cell:
        return Cell(SHEET_KINDS, KINDS_FIRST_ROW + index, col)

    def kinds_range(self, col: int) -> str:
        """One column of the kinds table as an absolute reference: 'DVHT_loai'!$B$2:$B$15."""
        first, last = self.kind_cell(0, col), self.kind_cell(len(self.kinds) - 1, col)
        return f"'{SHEET_KINDS}'!${column_letter(col)}${first.row + 1}:${column_letter(col)}${last.row + 1}"

    @property
    def last_indicator_row(self) -> int:
        return self.criterion_rows[-1].indicator_rows[-1].row if self.criterion_rows else FIRST_ROW

    @property
    def supported_cell(self) -> Cell:
        return Cell(SHEET_SELF, self.supported_row, COL_RESULT)

    def defined_names(self) -> dict[str, Cell]:
        """The public names of every input cell, in a stable order."""
        names: dict[str, Cell] = {}
        for r in self.indicator_rows:
            names[f"danh_gia_{r.indicator.id}"] = r.cell(COL_SELF)
            if r.indicator.type == "percent":
                names[f"so_dat_{r.indicator.id}"] = r.cell(COL_COUNT)
            names[f"minh_chung_{r.indicator.id}"] = r.cell(COL_EVIDENCE)
        names.update(self.identity)
        names.update(self.narrative)
        return names


@lru_cache(maxsize=16)
def build_level_layout(rubric: LevelRubric, tier_id: str, format_version: str = LEVELS_FORMAT_VERSION) -> LevelLayout:
    if format_version != LEVELS_FORMAT_VERSION:
        raise KeyError(format_version)
    tier = rubric.tier(tier_id)
    rows: list[CriterionRow] = []
    r = FIRST_ROW
    for criterion in tier.criteria:
        start = r
        indicators = tuple(IndicatorRow(ind, start + 1 + i) for i, ind in enumerate(criterion.indicators))
        rows.append(CriterionRow(criterion, start, indicators))
        r = start + 1 + len(indicators)
    return LevelLayout(
        format_version=format_version, rubric=rubric, tier=tier,
        identity={k: Cell(SHEET_IDENTITY, IDENTITY_FIRST_ROW + i, 1) for i, k in enumerate(LEVEL_IDENTITY_FIELDS)},
        narrative={k: Cell(SHEET_REPORT, REPORT_FIRST_ROW + i, 1) for i, k in enumerate(NARRATIVE_FIELDS)},
        criterion_rows=tuple(rows), supported_row=r + 1,
        meta={k: Cell(SHEET_META, META_FIRST_ROW + i, 1) for i, k in enumerate(LEVEL_META_KEYS)},
    )
