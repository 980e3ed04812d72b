"""Judge one workbook: every rule is a check, and every check has the same shape.

A check takes the Submission (the file as read, its layout, its parsed fields and the run's
context) and yields Issues. validate() runs CHECKS in order, so adding a rule is adding a
function here and an entry in processor/texts/issues.yaml. Roster-dependent rules (unknown
code, misspelt name) belong to processor.intake.resolve, which sees every file at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from processor.intake.fields import ScoreForm, as_number, as_text, parse_cell_date, parse_fields, parse_level_entries
from processor.intake.level_checks import (
    check_eligibility,
    check_head_counts,
    check_indicators,
    check_kind,
    check_level_asked,
    check_tier,
)
from processor.intake.read import REQUIRED_SHEETS, format_supported, rubric_of_file_matches
from processor.intake.submission import Check, Submission
from processor.model.batch import CheckContext
from processor.model.errors import RubricError
from processor.model.issues import Issue, make_issue
from processor.model.layout import (
    COL_LABEL,
    COL_MAX,
    SHEET_META,
    SHEET_SCORES,
    SHEETS,
    Layout,
    known_format_versions,
    layout_of_file,
)
from processor.model.level_layout import LEVEL_SHEETS, SHEET_KINDS, LevelLayout, build_level_layout
from processor.model.records import DATE_UNUSUAL, OWN_OUTPUT, FileResult, RawSubmission
from processor.model.rubric import AnyRubric, available_rubrics, is_multiple, load_rubric
from processor.text.dates import format_vn_date
from processor.text.normalise import display_name, nfc
from processor.text.numbers import format_number
from processor.text.wording import template_texts

META_REQUIRED = ("rubric_id", "rubric_version", "template_format", "year")




def validate(raw: RawSubmission, ctx: CheckContext) -> FileResult:
    rubric = ctx.rubric
    if rubric.kind == "levels":
        tier = raw.meta.get("tier") if raw.meta.get("tier") in rubric.tiers else ctx.tier
        layout: Layout | LevelLayout = build_level_layout(rubric, tier)
        entries = parse_level_entries(raw, rubric, layout) if raw.rubric_matches else None
        checks = LEVEL_CHECKS
    else:
        layout, entries, checks = layout_of_file(rubric, raw.meta.get("template_format")), None, CHECKS
    sub = Submission(raw, ctx, layout, parse_fields(raw, layout), entries)
    issues = [raw.refusal] if raw.refusal else [issue for check in checks for issue in check(sub)]
    fields = sub.fields
    return FileResult(
        rel=raw.rel, size=raw.size, sha256=raw.sha256, mtime=raw.mtime,
        identity=fields.identity, report_date=fields.report_date, scores=fields.score_values,
        evidence=fields.evidence, narrative=fields.narrative, issues=tuple(issues),
        identifiable=bool(fields.identity.get("ten_don_vi") or fields.identity.get("ma_don_vi")), levels=entries,
    )


# ---- the file's structure ---------------------------------------------------------------

def check_template(sub: Submission) -> Iterator[Issue]:
    if sub.raw.own_output:
        yield make_issue(OWN_OUTPUT, sub.raw.rel)
    elif not sub.raw.template:
        yield make_issue("not-our-template", sub.raw.rel, trang=SHEET_SCORES)


def check_metadata(sub: Submission) -> Iterator[Issue]:
    raw = sub.raw
    if raw.template and not raw.meta:
        yield make_issue("metadata-missing", raw.rel, SHEET_META, chi_tiet="không có trang")
    elif raw.meta:
        absent = [k for k in META_REQUIRED if not raw.meta.get(k)]
        if absent:
            yield make_issue("metadata-missing", raw.rel, SHEET_META, chi_tiet="thiếu " + ", ".join(absent))


def check_format(sub: Submission) -> Iterator[Issue]:
    raw = sub.raw
    if raw.meta and not format_supported(raw.meta):
        cell = sub.layout.meta["template_format"]
        yield make_issue("unknown-format", raw.rel, cell.sheet, cell.a1,
                         gia_tri=raw.meta.get("template_format", "") or "(trống)",
                         mong_doi=", ".join(known_format_versions()))


def _readable(raw: RawSubmission) -> bool:
    """Our template in a format we read: its sheets and cells mean what the layout says."""
    return raw.template and (not raw.meta or format_supported(raw.meta))


def check_rubric(sub: Submission) -> Iterator[Issue]:
    """A template of the other circular (a TT22 form in a TT24 year, or the reverse) says
    which circular governs the year; any other rubric is unknown."""
    raw, rubric = sub.raw, sub.ctx.rubric
    if not (raw.meta and format_supported(raw.meta) and not rubric_of_file_matches(raw.meta, rubric)):
        return
    cell = sub.layout.meta["rubric_id"]
    other = _of_the_other_circular(sub)
    if other is not None:
        note = f" {other.legal_basis} {other.season.note}." if other.season.note else ""
        yield make_issue("wrong-circular", raw.rel, cell.sheet, cell.a1, mau=other.legal_basis,
                         nam=sub.ctx.year, ap_dung=rubric.legal_basis, ghi_chu=note)
        return
    file_rubric = f"{raw.meta.get('rubric_id', '')} {raw.meta.get('rubric_version', '')}".strip()
    yield make_issue("unknown-rubric", raw.rel, cell.sheet, cell.a1, gia_tri=file_rubric or "(trống)",
                     mong_doi=f"{rubric.id} {rubric.version}")


def _of_the_other_circular(sub: Submission) -> AnyRubric | None:
    """The rubric of the file's form, when it is a known rubric other than the run's."""
    rubric_id = sub.raw.meta.get("rubric_id", "")
    if not rubric_id or rubric_id == sub.ctx.rubric.id:
        return None  # the common case costs nothing
    return _known_rubric(rubric_id)


@lru_cache(maxsize=8)
def _known_rubric(rubric_id: str) -> AnyRubric | None:
    """Loaded once per process: this runs for every file of another rubric."""
    try:
        return load_rubric(rubric_id) if rubric_id in available_rubrics() else None
    except RubricError:
        return None


def check_sheets(sub: Submission) -> Iterator[Issue]:
    raw = sub.raw
    if not _readable(raw) or _of_the_other_circular(sub):
        return  # a form of the other circular has other sheets: check_rubric has said so
    levels = isinstance(sub.layout, LevelLayout)
    required = [s for s in LEVEL_SHEETS if s not in (SHEET_META, SHEET_KINDS)] if levels else REQUIRED_SHEETS
    for name in required:
        if name not in raw.sheet_names:
            yield make_issue("sheet-missing", raw.rel, name, trang=name)
    for name in raw.sheet_names:
        if name not in (LEVEL_SHEETS if levels else SHEETS):
            shown = display_name(name)  # a sheet name is the unit's text: bidi controls shown, not obeyed
            yield make_issue("sheet-extra", raw.rel, shown, trang=shown)
    for actual, holds in raw.swapped:
        yield make_issue("sheets-swapped", raw.rel, actual, trang=actual, trang_dung=holds)


def check_year(sub: Submission) -> Iterator[Issue]:
    year, expected = sub.raw.meta.get("year", ""), sub.ctx.year
    if year and year != str(expected):
        cell = sub.layout.meta["year"]
        yield make_issue("wrong-year", sub.raw.rel, cell.sheet, cell.a1, gia_tri=year, nam=expected)


# ---- identity -----------------------------------------------------------------------------

def check_name(sub: Submission) -> Iterator[Issue]:
    values = sub.raw.values
    if sub.raw.format_known and "id.ten_don_vi" in values and not as_text(values["id.ten_don_vi"]):
        yield make_issue("name-missing", *sub.where("ten_don_vi"))


def check_unit_code(sub: Submission) -> Iterator[Issue]:
    """A per-unit template names its unit in the hidden sheet too; a code typed over the
    locked one (or another unit's copied file) must not be credited without a word."""
    expected = nfc(sub.raw.meta.get("unit_code", ""))
    typed = sub.fields.identity.get("ma_don_vi", "")
    if sub.raw.format_known and expected and typed and typed.casefold() != expected.casefold():
        yield make_issue("unit-code-mismatch", *sub.where("ma_don_vi"), gia_tri=typed, mong_doi=expected)


def check_report_date(sub: Submission) -> Iterator[Issue]:
    raw, ctx = sub.raw, sub.ctx
    if not raw.format_known or "id.ngay_bao_cao" not in raw.values:
        return
    value = raw.values["id.ngay_bao_cao"]
    parsed = parse_cell_date(value)
    where = sub.where("ngay_bao_cao")
    if parsed is None:
        text = as_text(value)
        if not text:
            yield make_issue("date-missing", *where, nam_sau=ctx.year + 1)
        else:
            yield make_issue("date-invalid", *where, gia_tri=text, nam_sau=ctx.year + 1)
        return
    first_day = date(ctx.year, 1, 1)
    if not first_day <= parsed <= ctx.today:
        # 1900, 2020 or a mistyped 2062: neither on time nor late, and no tie-breaker
        yield make_issue(DATE_UNUSUAL, *where, gia_tri=format_vn_date(parsed), tu_ngay=format_vn_date(first_day),
                         hom_nay=format_vn_date(ctx.today))
    elif ctx.deadline and parsed > ctx.deadline:
        yield make_issue("late", *where, gia_tri=format_vn_date(parsed), han_nop=format_vn_date(ctx.deadline))


def same_findings_on(result: FileResult, computed_on: date, today: date) -> bool:
    """Whether a file's record, made by a run on computed_on, is the one a run today would make.

    check_report_date is the only rule that reads the run date (a test keeps it so): it said
    nothing about the date being unusual then (that message names the day), and the date is
    not after today either, so it says nothing today."""
    if computed_on == today:
        return True
    if any(i.code == DATE_UNUSUAL for i in result.issues):
        return False
    return result.report_date is None or result.report_date <= min(computed_on, today)


def check_year_cell(sub: Submission) -> Iterator[Issue]:
    text = as_text(sub.raw.values.get("id.nam_danh_gia"))
    if sub.raw.format_known and text and text != str(sub.ctx.year):
        yield make_issue("year-cell-mismatch", *sub.where("nam_danh_gia"), gia_tri=text, nam=sub.ctx.year)


# ---- the scoring table --------------------------------------------------------------------

def check_locked_content(sub: Submission) -> Iterator[Issue]:
    raw = sub.raw
    if not raw.rubric_matches:
        return
    for crow in sub.layout.criterion_rows:
        c = crow.criterion
        label = raw.values.get(f"label.{c.id}")
        if label != c.label:
            label = " ".join(as_text(label).split())
        if label != c.label:
            cell = crow.cell(COL_LABEL)
            yield make_issue("label-changed", raw.rel, cell.sheet, cell.a1, tieu_chi=c.id,
                             gia_tri=_short(label or "(trống)"))
        stated = as_number(raw.values.get(f"max.{c.id}"))
        if stated is None or abs(stated - c.max) > 1e-9:
            cell = crow.cell(COL_MAX)
            shown = format_number(stated) if stated is not None else as_text(raw.values.get(f"max.{c.id}")) or "(trống)"
            yield make_issue("max-changed", raw.rel, cell.sheet, cell.a1, tieu_chi=c.id,
                             gia_tri=_short(shown), toi_da=format_number(c.max))


def check_leaves(sub: Submission) -> Iterator[Issue]:
    """Each leaf's score, then its evidence: a file's findings read in the table's order."""
    rubric, layout, rel = sub.ctx.rubric, sub.layout, sub.raw.rel
    for leaf in rubric.leaves if sub.raw.rubric_matches else ():
        reading = sub.fields.scores[leaf.id]
        number, form = reading.value, reading.form
        if (form == ScoreForm.NUMBER and number is not None and 0 <= number <= leaf.max + 1e-9
                and is_multiple(number, rubric.step)):  # the common case, at once: a valid score
            if number > 0 and not sub.fields.evidence.get(leaf.id):
                evidence = layout.evidence_cell(leaf.id)
                yield make_issue("evidence-missing", rel, evidence.sheet, evidence.a1, tieu_chi=leaf.id,
                                 diem=format_number(number))
            continue
        cell = layout.score_cell(leaf.id)
        params = {"tieu_chi": leaf.id, "toi_da": format_number(leaf.max), "buoc": format_number(rubric.step)}
        at = (rel, cell.sheet, cell.a1)
        if form == ScoreForm.BLANK:
            yield make_issue("score-missing", *at, **params)
        elif form in (ScoreForm.ERROR, ScoreForm.NOT_NUMBER):
            yield make_issue("score-not-number", *at, **params, gia_tri=_short(reading.shown))
        elif form == ScoreForm.FORMULA:
            yield make_issue("score-formula", *at, **params, gia_tri=f" ={_short(reading.shown, 40)}")
        elif number is not None:
            if form == ScoreForm.TEXT:
                yield make_issue("score-as-text", *at, **params, gia_tri=_short(reading.shown),
                                 diem=format_number(number))
            if number < 0:
                yield make_issue("score-negative", *at, **params, gia_tri=format_number(number))
            elif number > leaf.max + 1e-9:
                yield make_issue("score-above-max", *at, **params, gia_tri=format_number(number))
            elif not is_multiple(number, rubric.step):
                yield make_issue("score-step", *at, **params, gia_tri=format_number(number))
        if number and number > 0 and not sub.fields.evidence.get(leaf.id):
            evidence = layout.evidence_cell(leaf.id)
            yield make_issue("evidence-missing", rel, evidence.sheet, evidence.a1, tieu_chi=leaf.id,
                             diem=format_number(number))


def check_stated_sums(sub: Submission) -> Iterator[Issue]:
    """A typed-over or stale group total hides a wrong leaf (the 2021 report's 3c)."""
    raw, layout = sub.raw, sub.layout
    if not raw.rubric_matches:
        return
    scores = sub.fields.score_values
    groups = [(cid, f"sum.{cid}", cell, leaves) for cid, cell, leaves in layout.group_leaves]
    total_label = template_texts()["scores"]["total_label"].lower()
    groups.append((total_label, "sum.total", layout.total_cell, tuple(leaf.id for leaf in layout.rubric.leaves)))
    for cid, key, cell, leaves in groups:
        stated = as_number(raw.values.get(key))
        parts = [scores.get(leaf) for leaf in leaves]
        if stated is None or any(p is None for p in parts):
            continue
        recomputed = math.fsum(p for p in parts if p is not None)
        if abs(stated - recomputed) > 1e-6:
            yield make_issue("total-mismatch", raw.rel, cell.sheet, cell.a1, tieu_chi=cid,
                             gia_tri=format_number(stated), diem=format_number(recomputed))


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Every rule, in the order its findings are listed for a file.
CHECKS: tuple[Check, ...] = (
    check_template, check_metadata, check_format, check_rubric, check_sheets, check_year,
    check_name, check_unit_code, check_report_date, check_year_cell,
    check_locked_content, check_leaves, check_stated_sums,
)
# The rules of a Thông tư 24/2023 dossier (processor.intake.level_checks), after the shared ones.
LEVEL_CHECKS: tuple[Check, ...] = (
    check_template, check_metadata, check_format, check_rubric, check_sheets, check_year,
    check_name, check_unit_code, check_report_date, check_year_cell,
    check_tier, check_kind, check_level_asked, check_head_counts, check_indicators, check_eligibility,
)
