"""Turn the raw cell values of one workbook into typed fields, judging nothing.

A score cell is read into a ScoreReading that says what the unit put there (a number, a
number typed as text, a formula, an error value, nothing, something else); the checks
decide what each of those means. Keeping the two apart is what lets every check share one
signature.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from processor.model.layout import Layout
from processor.model.level_layout import LevelLayout
from processor.model.levels import LevelRubric
from processor.model.records import IndicatorEntry, LevelEntries, RawSubmission
from processor.text.dates import format_vn_date, parse_vn_date
from processor.text.normalise import clean_text, nfc
from processor.text.numbers import number_from_text
from processor.text.wording import wording

_EXCEL_EPOCH = date(1899, 12, 30)


class ScoreForm(StrEnum):
    NUMBER = "number"
    TEXT = "text"  # a number typed as text ("7,5")
    BLANK = "blank"
    FORMULA = "formula"  # a formula without a cached value (calamine sees it as blank)
    ERROR = "error"  # an error value such as #REF!
    NOT_NUMBER = "not-number"


@dataclass(frozen=True)
class ScoreReading:
    value: float | None  # the number, when the cell holds one (typed as text or not)
    form: ScoreForm
    shown: str = ""  # what the unit typed, for the message (text, formula, error value)


@dataclass(frozen=True)
class Fields:
    identity: dict[str, str] = field(default_factory=dict)
    narrative: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    scores: dict[str, ScoreReading] = field(default_factory=dict)
    report_date: date | None = None

    @property
    def score_values(self) -> dict[str, float | None]:
        return {cid: reading.value for cid, reading in self.scores.items()}


def parse_fields(raw: RawSubmission, layout: Layout | LevelLayout) -> Fields:
    values = raw.values
    identity = {k: nfc(as_text(values[f"id.{k}"])) for k in layout.identity if f"id.{k}" in values}
    narrative = {k: as_text(values[f"nar.{k}"]) for k in layout.narrative if f"nar.{k}" in values}
    leaves = layout.rubric.leaves if isinstance(layout, Layout) else ()  # a levels dossier has no scores
    evidence = {leaf.id: as_text(values[f"evid.{leaf.id}"]) for leaf in leaves if f"evid.{leaf.id}" in values}
    scores = {leaf.id: read_score(raw, leaf.id) for leaf in leaves} if raw.rubric_matches else {}
    report_date = parse_cell_date(values["id.ngay_bao_cao"]) if raw.format_known and "id.ngay_bao_cao" in values \
        else None
    return Fields(identity=identity, narrative=narrative, evidence=evidence, scores=scores, report_date=report_date)


def read_score(raw: RawSubmission, cid: str) -> ScoreReading:
    value = raw.values.get(f"score.{cid}")
    if value is None or (isinstance(value, str) and not value.strip()):
        behind = str(raw.values.get(f"xml.{cid}", ""))
        if behind.startswith("error:"):
            return ScoreReading(None, ScoreForm.ERROR, behind.removeprefix("error:"))
        if behind.startswith("formula:"):
            return ScoreReading(None, ScoreForm.FORMULA, behind.removeprefix("formula:"))
        return ScoreReading(None, ScoreForm.BLANK)
    number = as_number(value)
    if number is not None:
        return ScoreReading(number, ScoreForm.NUMBER)
    if isinstance(value, str):
        number = number_from_text(value)
        if number is not None:
            return ScoreReading(number, ScoreForm.TEXT, value.strip())
    return ScoreReading(None, ScoreForm.NOT_NUMBER, as_text(value))


def as_text(value: Any) -> str:
    """A cell as text for identity and narrative: codes typed as numbers lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return format_vn_date(value.date())
    if isinstance(value, date):
        return format_vn_date(value)
    return clean_text(str(value))


def as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def parse_cell_date(value: Any) -> date | None:
    """A real date cell, a dd/mm/yyyy text, or an Excel serial number typed without format."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 < value < 80000:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    if isinstance(value, str) and value.strip():
        return parse_vn_date(value)
    return None


# ---- Thông tư 24/2023 dossiers ----------------------------------------------------------

YES, NO = "dat", "khong_dat"
_THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+")
_YES_TEXT, _NO_TEXT = "đạt", "không đạt"


def judged_key(value: Any, rubric: LevelRubric) -> str:
    """A self-judgement cell as a key: "dat", "khong_dat", a grade id, or the text as typed
    (lower case) when it is none of those; "" when blank."""
    if type(value) is str and (picked := _as_picked().get(value)) is not None:  # most cells: no clean-up
        return picked
    text = " ".join(as_text(value).split()).casefold()
    if not text:
        return ""
    if text == _YES_TEXT:
        return YES
    if text == _NO_TEXT:
        return NO
    for grade in rubric.grades:
        if text in (grade.label.casefold(), grade.id):
            return grade.id
    return text


@cache
def _as_picked() -> dict[str, str]:
    """The template list's two choices as a cell holds them once picked, with their keys (the
    ones the long way gives them: a choice that is not "đạt"/"không đạt" there is left out)."""
    said = wording("template_levels")["self"]
    keys = {_YES_TEXT: YES, _NO_TEXT: NO}
    found = {}
    for text in (str(said["met"]), str(said["not_met"])):
        key = keys.get(" ".join(as_text(text).split()).casefold())
        if key is not None:
            found[text] = key
    return found


def level_of(value: Any, rubric: LevelRubric) -> int | None:
    """ "Mức độ 2", "2" or 2 -> 2; None when blank or not a level of the rubric."""
    number = as_number(value)
    if number is None:
        text = " ".join(as_text(value).split()).casefold()
        found = next((lv.id for lv in rubric.levels if text in (lv.label.casefold(), str(lv.id))), None)
        return found
    return int(number) if number.is_integer() and int(number) in [lv.id for lv in rubric.levels] else None


def whole_number(value: Any) -> int | None:
    """A head count: a whole number ≥ 0 (typed as a number or as text), else None."""
    if value is None or value == "":  # a blank cell, the count column of most indicators
        return None
    number = as_number(value)
    if number is None and isinstance(value, str):
        text = "".join(value.split())
        # "1.000" and "1.200" are a thousand and twelve hundred as Vietnamese write them
        number = float(text.replace(".", "")) if _THOUSANDS.fullmatch(text) else number_from_text(value)
    if number is None or number < 0 or not float(number).is_integer():
        return None
    return int(number)


def parse_level_entries(raw: RawSubmission, rubric: LevelRubric, layout: LevelLayout) -> LevelEntries:
    values = raw.values
    kind = rubric.kind_by_label(as_text(values.get("id.loai_don_vi")))
    indicators = {
        r.indicator.id: IndicatorEntry(judged=judged_key(values.get(f"ind.{r.indicator.id}.self"), rubric),
                                       count=whole_number(values.get(f"ind.{r.indicator.id}.count")),
                                       evidence=as_text(values.get(f"ind.{r.indicator.id}.evid")))
        for r in layout.indicator_rows
    }
    return LevelEntries(
        kind=kind.id if kind is not None and layout.tier.id in kind.tiers else "",
        level_asked=level_of(values.get("id.muc_do_de_nghi"), rubric),
        members=whole_number(values.get("id.so_thanh_vien")),
        learners=whole_number(values.get("id.so_nguoi_hoc")),
        prior_level=level_of(values.get("id.cong_nhan_truoc_muc_do"), rubric),
        prior_decision=as_text(values.get("id.cong_nhan_truoc_so_qd")),
        prior_date=parse_cell_date(values.get("id.cong_nhan_truoc_ngay")),
        indicators=indicators,
    )
