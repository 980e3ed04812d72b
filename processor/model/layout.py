"""Where every field of the template lives, per template format version.

The template writer and the batch reader both take their cells from here, so the two
cannot drift apart. Sheet names and defined names are a public contract (README); a
change to either is a new format version, and old versions stay readable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from processor.model.rubric import Criterion, Rubric

# "1": the TT column showed the criterion ids (1a, 3a1) and two labels carried words in
# parentheses; "2": the TT column and the labels are the circular's own (Điều 5 TT22/2020).
# Same cells in both: a file of format 1 is read by its own layout, labels included.
FORMAT_VERSION = "2"

SHEET_GUIDE = "Hướng dẫn"
SHEET_IDENTITY = "Thông tin đơn vị"
SHEET_SCORES = "Chấm điểm"
SHEET_REPORT = "Báo cáo"
SHEET_META = "DVHT_meta"
SHEETS = (SHEET_GUIDE, SHEET_IDENTITY, SHEET_SCORES, SHEET_REPORT, SHEET_META)

IDENTITY_FIELDS = (
    "ten_don_vi",
    "ma_don_vi",
    "nam_danh_gia",
    "so_bao_cao",
    "ngay_bao_cao",
    "nguoi_ky",
    "chuc_vu_nguoi_ky",
    "nguoi_lien_he",
    "dien_thoai",
    "email",
)
NARRATIVE_FIELDS = (
    "ket_qua_thuc_hien",
    "uu_diem",
    "ton_tai_han_che",
    "nguyen_nhan",
    "phuong_huong",
    "giai_phap",
    "kien_nghi",
)
META_KEYS = (
    "rubric_id",
    "rubric_version",
    "template_format",
    "year",
    "unit_code",
    "generated_at",
    "generator",
)

# Column indexes (0-based) of the scoring table.
COL_TT, COL_LABEL, COL_MAX, COL_SCORE, COL_EVIDENCE = range(5)
SCORE_HEADER_ROW = 3
FIRST_CRITERION_ROW = 4
IDENTITY_FIRST_ROW = 2
REPORT_FIRST_ROW = 2
IDENTITY_HEADER_ROW = REPORT_HEADER_ROW = 1
# Each data sheet's column-header row, and the key of its wording in texts/template.yaml: the
# reader recognises a sheet by it, so two sheets whose names were swapped are told apart.
HEADER_ROWS = {SHEET_IDENTITY: (IDENTITY_HEADER_ROW, "identity"), SHEET_SCORES: (SCORE_HEADER_ROW, "scores"),
               SHEET_REPORT: (REPORT_HEADER_ROW, "report")}
META_FIRST_ROW = 1


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int  # 0-based
    col: int  # 0-based

    @property
    def a1(self) -> str:
        return f"{column_letter(self.col)}{self.row + 1}"

    @property
    def absolute(self) -> str:
        """The cell as a defined-name formula target, e.g. ='Chấm điểm'!$D$6."""
        return f"='{self.sheet}'!${column_letter(self.col)}${self.row + 1}"


@dataclass(frozen=True)
class CriterionRow:
    criterion: Criterion  # its label is the wording templates of this format print
    row: int
    tt: str  # what the TT column of this format shows

    def cell(self, col: int) -> Cell:
        return Cell(SHEET_SCORES, self.row, col)


@dataclass(frozen=True)
class Layout:
    format_version: str
    rubric: Rubric
    identity: dict[str, Cell]
    narrative: dict[str, Cell]
    criterion_rows: tuple[CriterionRow, ...]
    total_row: int
    class_row: int
    meta: dict[str, Cell]

    def row_of(self, criterion_id: str) -> CriterionRow:
        return self._rows_by_id[criterion_id]

    @cached_property
    def _rows_by_id(self) -> dict[str, CriterionRow]:
        return {r.criterion.id: r for r in self.criterion_rows}

    @cached_property
    def group_leaves(self) -> tuple[tuple[str, Cell, tuple[str, ...]], ...]:
        """Each group's id, its score cell and the ids of the leaves it sums."""
        return tuple((r.criterion.id, r.cell(COL_SCORE), tuple(x.id for x in r.criterion.leaves()))
                     for r in self.criterion_rows if not r.criterion.is_leaf)

    def score_cell(self, criterion_id: str) -> Cell:
        return self.row_of(criterion_id).cell(COL_SCORE)

    def evidence_cell(self, criterion_id: str) -> Cell:
        return self.row_of(criterion_id).cell(COL_EVIDENCE)

    @property
    def total_cell(self) -> Cell:
        return Cell(SHEET_SCORES, self.total_row, COL_SCORE)

    @property
    def class_cell(self) -> Cell:
        return Cell(SHEET_SCORES, self.class_row, COL_SCORE)

    def defined_names(self) -> dict[str, Cell]:
        """The public names of every input cell, in a stable order."""
        names: dict[str, Cell] = {}
        for leaf in self.rubric.leaves:
            names[f"diem_{leaf.id}"] = self.score_cell(leaf.id)
            names[f"minh_chung_{leaf.id}"] = self.evidence_cell(leaf.id)
        names.update(self.identity)
        names.update(self.narrative)
        return names


@lru_cache(maxsize=32)
def build_layout(rubric: Rubric, format_version: str = FORMAT_VERSION) -> Layout:
    """The layout of a format version for a rubric (its rows follow the rubric's criteria).

    Cached: the reader asks for it once per file, and it never changes within a run.
    """
    if format_version not in _BUILDERS:
        raise KeyError(format_version)
    return _BUILDERS[format_version](rubric)


def layout_of_file(rubric: Rubric, format_version: str | None) -> Layout:
    """The layout to read a file by: its own format version, or the current one when the
    file names none or an unknown one (that file already carries an issue saying so)."""
    return build_layout(rubric, format_version if format_version in _BUILDERS else FORMAT_VERSION)


def known_format_versions() -> tuple[str, ...]:
    return tuple(_BUILDERS)


def _build_v1(rubric: Rubric) -> Layout:
    """Format 1: the criterion ids in the TT column and the wording of that time."""
    return _build(rubric, "1", lambda c: c.id)


def _build_v2(rubric: Rubric) -> Layout:
    """Format 2: the circular's numbering in the TT column (1., a), -) and its own wording."""
    return _build(rubric, "2", lambda c: c.number)


def _build(rubric: Rubric, version: str, tt_of: Callable[[Criterion], str]) -> Layout:
    criteria = rubric.walk()
    rows = tuple(CriterionRow(replace(c, label=c.label_in_format(version)), FIRST_CRITERION_ROW + i, tt_of(c))
                 for i, c in enumerate(criteria))
    total_row = FIRST_CRITERION_ROW + len(criteria)
    return Layout(
        format_version=version,
        rubric=rubric,
        identity={
            key: Cell(SHEET_IDENTITY, IDENTITY_FIRST_ROW + i, 1)
            for i, key in enumerate(IDENTITY_FIELDS)
        },
        narrative={
            key: Cell(SHEET_REPORT, REPORT_FIRST_ROW + i, 1)
            for i, key in enumerate(NARRATIVE_FIELDS)
        },
        criterion_rows=rows,
        total_row=total_row,
        class_row=total_row + 1,
        meta={key: Cell(SHEET_META, META_FIRST_ROW + i, 1) for i, key in enumerate(META_KEYS)},
    )


_BUILDERS = {"1": _build_v1, "2": _build_v2}


def column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def leaf_ranges(rows: list[int], col: int) -> str:
    """Contiguous runs of rows as A1 ranges, e.g. D6:D8,D10, for SUM over scattered leaves."""
    parts: list[str] = []
    letter = column_letter(col)
    for start, end in _runs(sorted(rows)):
        parts.append(f"{letter}{start + 1}" if start == end else f"{letter}{start + 1}:{letter}{end + 1}")
    return ",".join(parts)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and runs[-1][1] == r - 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    return runs
