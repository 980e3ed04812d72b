"""The live formulas of the Thông tư 24/2023 template, built from the level layout: pure
functions of a layout and the wording, so they are tested without writing a workbook and
no column letter is written by hand.

They follow the rules the batch applies to a returned file, so that what a unit sees while
filling in is what the Sở will find:
- an indicator applies at level L when it is in the level's own list and its condition
  (Indicator.applies) holds for the chosen kind, whose attributes are looked up on DVHT_loai;
- percent met at L ⇔ applies, 0 ≤ count ≤ denominator, denominator > 0 and
  100 × count ≥ threshold × denominator (integers: no rounding at the boundary);
- yes/no met ⇔ self-judgement "Đạt" and some evidence (Art. 9.3, 15.3);
- grade met at L ⇔ rank(grade) ≥ rank(required grade at L).
Only functions LibreOffice has (IF, AND, OR, INDEX, MATCH, IFERROR, COUNTIFS, ISNUMBER…).
"""

from __future__ import annotations

from collections.abc import Mapping

from processor.model.layout import Cell, column_letter
from processor.model.level_layout import (
    COL_APPLIES_1,
    COL_APPLIES_2,
    COL_COUNT,
    COL_EVIDENCE,
    COL_MET_1,
    COL_MET_2,
    COL_SELF,
    FIRST_ROW,
    KIND_ATTRIBUTE_COLS,
    CriterionRow,
    IndicatorRow,
    LevelLayout,
)
from processor.model.levels import Condition, Indicator, IndicatorType
from processor.text.normalise import nfc

APPLIES_COLS = {1: COL_APPLIES_1, 2: COL_APPLIES_2}
MET_COLS = {1: COL_MET_1, 2: COL_MET_2}


def text(value: str) -> str:
    """A string constant inside a formula (NFC, quotes doubled)."""
    return '"' + nfc(value).replace('"', '""') + '"'


def absolute(cell: Cell) -> str:
    return f"'{cell.sheet}'!${column_letter(cell.col)}${cell.row + 1}"


def local(row: int, col: int) -> str:
    return f"{column_letter(col)}{row + 1}"


def column_range(col: int, first: int, last: int) -> str:
    return f"${column_letter(col)}${first + 1}:${column_letter(col)}${last + 1}"


def kind_attribute(layout: LevelLayout, attribute: str) -> str:
    """The chosen kind's attribute (1/0, or the school group), "" while no kind is chosen."""
    chosen = absolute(layout.identity["loai_don_vi"])
    labels = layout.kinds_range(KIND_ATTRIBUTE_COLS["label"])
    values = layout.kinds_range(KIND_ATTRIBUTE_COLS[attribute])
    return f'IFERROR(INDEX({values},MATCH({chosen},{labels},0)),"")'


def kind_chosen(layout: LevelLayout) -> str:
    chosen = absolute(layout.identity["loai_don_vi"])
    return f"ISNUMBER(MATCH({chosen},{layout.kinds_range(KIND_ATTRIBUTE_COLS['label'])},0))"


def condition(layout: LevelLayout, cond: Condition) -> str:
    """Condition.holds as a formula over the chosen kind; TRUE when it restricts nothing."""
    parts: list[str] = []
    for attribute in ("public", "economic", "learners"):
        wanted = getattr(cond, attribute)
        if wanted is not None:
            parts.append(f"{kind_attribute(layout, attribute)}={1 if wanted else 0}")
    for attribute, allowed in (("school", cond.school), ("id", cond.kinds)):
        if allowed is not None:
            value = kind_attribute(layout, attribute)
            parts.append("OR(" + ",".join(f"{value}={text(a)}" for a in allowed) + ")" if allowed else "FALSE")
    if not parts:
        return "TRUE"
    return parts[0] if len(parts) == 1 else f"AND({','.join(parts)})"


def applies(layout: LevelLayout, indicator: Indicator, level: int) -> str:
    """1 when the indicator is in the level's list and applies to the chosen kind, else 0."""
    if indicator.id not in layout.tier.level_indicators.get(level, ()):
        return "=0"
    cond = indicator.level_applies_to.get(level, indicator.applies_to)
    return f"=IF({condition(layout, cond)},1,0)"


def _learners(layout: LevelLayout) -> str:
    return f"{kind_attribute(layout, 'learners')}=1"


def denominator(layout: LevelLayout, indicator: Indicator) -> str:
    members = absolute(layout.identity["so_thanh_vien"])
    if indicator.of == "members_or_learners":
        return f"IF({_learners(layout)},{absolute(layout.identity['so_nguoi_hoc'])},{members})"
    return members


def threshold(layout: LevelLayout, indicator: Indicator, level: int) -> str:
    members = indicator.thresholds[level]
    if indicator.of == "members_or_learners":
        return f"IF({_learners(layout)},{indicator.learner_thresholds[level]},{members})"
    return str(members)


def met_condition(layout: LevelLayout, row: IndicatorRow, level: int, labels: Mapping[str, str]) -> str:
    """Whether the row's figures meet the indicator at a level (applicability aside)."""
    ind, r = row.indicator, row.row
    own = local(r, COL_SELF)
    if ind.type == IndicatorType.YES_NO:
        return f'AND({own}={text(labels["met"])},LEN(TRIM({local(r, COL_EVIDENCE)}))>0)'
    if ind.type == IndicatorType.GRADE:
        needed = layout.rubric.grade(ind.required[level]).rank
        good = [g.label for g in layout.rubric.grades if g.rank >= needed]
        return "OR(" + ",".join(f"{own}={text(g)}" for g in good) + ")"
    count, denom = local(r, COL_COUNT), denominator(layout, ind)
    return (f"AND(ISNUMBER({count}),ISNUMBER({denom}),{denom}>0,{count}>=0,{count}<={denom},"
            f"100*{count}>={threshold(layout, ind, level)}*{denom})")


def met(layout: LevelLayout, row: IndicatorRow, level: int, labels: Mapping[str, str]) -> str:
    """1 when the indicator applies at the level and is met there, else 0."""
    return (f"=IFERROR(IF(AND({local(row.row, APPLIES_COLS[level])}=1,"
            f"{met_condition(layout, row, level, labels)}),1,0),0)")


def rate(layout: LevelLayout, row: IndicatorRow) -> str:
    """The share of members or learners; blank while there is no count or no head count."""
    count, denom = local(row.row, COL_COUNT), denominator(layout, row.indicator)
    return f'=IFERROR(IF(AND(ISNUMBER({count}),ISNUMBER({denom})),IF({denom}>0,{count}/{denom},""),""),"")'


def by_asked_level(layout: LevelLayout, branches: Mapping[int, str], otherwise: str) -> str:
    """An expression per level asked (muc_do_de_nghi), `otherwise` while none is chosen."""
    asked = absolute(layout.identity["muc_do_de_nghi"])
    chain = otherwise
    for level in sorted(branches, reverse=True):
        chain = f"IF({asked}={text(layout.rubric.level(level).label)},{branches[level]},{chain})"
    return chain


def required_text(layout: LevelLayout, row: IndicatorRow, labels: Mapping[str, str]) -> str:
    """What the indicator needs at the level asked, in words, or "Không áp dụng"."""
    ind = row.indicator
    branches = {}
    for level in _levels(layout):
        if ind.type == IndicatorType.YES_NO:
            need = text(labels["required_yes_no"])
        elif ind.type == IndicatorType.GRADE:
            need = text(layout.rubric.grade(ind.required[level]).label)
        else:
            members = text(labels["required_members"].format(nguong=ind.thresholds[level]))
            need = members
            if ind.of == "members_or_learners":
                learners = text(labels["required_learners"].format(nguong=ind.learner_thresholds[level]))
                need = f"IF({_learners(layout)},{learners},{members})"
        applies_cell = local(row.row, APPLIES_COLS[level])
        branches[level] = f"IF({applies_cell}=1,{need},{text(labels['not_applicable'])})"
    return "=" + by_asked_level(layout, branches, '""')


def result(layout: LevelLayout, row: IndicatorRow, labels: Mapping[str, str]) -> str:
    """Đạt / Không đạt / Không áp dụng at the level asked, from the hidden working cells."""
    branches = {
        level: (f"IF({local(row.row, APPLIES_COLS[level])}=1,IF({local(row.row, MET_COLS[level])}=1,"
                f"{text(labels['met'])},{text(labels['not_met'])}),{text(labels['not_applicable'])})")
        for level in _levels(layout)
    }
    return "=" + by_asked_level(layout, branches, '""')


def failures(level: int, first: int, last: int) -> str:
    """How many indicators of rows first..last apply at the level and are not met."""
    return (f"COUNTIFS({column_range(APPLIES_COLS[level], first, last)},1,"
            f"{column_range(MET_COLS[level], first, last)},0)")


def criterion_result(layout: LevelLayout, crow: CriterionRow, labels: Mapping[str, str]) -> str:
    """Đạt when every indicator of the criterion that applies at the level asked is met."""
    first, last = crow.indicator_rows[0].row, crow.indicator_rows[-1].row
    branches = {level: f"IF({failures(level, first, last)}=0,{text(labels['met'])},{text(labels['not_met'])})"
                for level in _levels(layout)}
    return "=" + by_asked_level(layout, branches, '""')


def supported_level(layout: LevelLayout, labels: Mapping[str, str]) -> str:
    """The highest level, not above the level asked, whose own applicable list is all met."""
    first, last = FIRST_ROW, layout.last_indicator_row
    branches = {}
    for asked in _levels(layout):
        chain = text(labels["not_supported"])
        for level in range(1, asked + 1):
            chain = f"IF({failures(level, first, last)}=0,{text(layout.rubric.level(level).label)},{chain})"
        branches[asked] = chain
    inner = by_asked_level(layout, branches, text(labels["no_level"]))
    return f"=IF({kind_chosen(layout)},{inner},{text(labels['no_kind'])})"


def _levels(layout: LevelLayout) -> list[int]:
    return [level.id for level in layout.rubric.levels if level.id in APPLIES_COLS]
