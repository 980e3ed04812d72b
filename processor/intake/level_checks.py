"""The rules of a Thông tư 24/2023 dossier: each a check of the same shape as the points
rules (processor.intake.checks), citing the article a unit can read.

They look at what the unit typed and at its figures; the judgement itself (the level it
reaches) is processor.judge.levels, which uses the same figures, so a rule here never
disagrees with the level the workbook shows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from processor.intake.fields import NO, YES, as_text, level_of, whole_number
from processor.intake.submission import Submission
from processor.model.issues import Issue, make_issue
from processor.model.level_layout import COL_COUNT, COL_SELF, COL_TEXT, LevelLayout
from processor.model.levels import IndicatorType, LevelRubric, eligible_for, indicator_met
from processor.model.records import LevelEntries
from processor.text.numbers import format_number


def _at(sub, key: str) -> tuple[str, str, str]:
    return sub.where(key)


def check_tier(sub: Submission) -> Iterator[Issue]:
    """A template of the other tier has other indicators under the same ids (TC3.CT5 is a
    university's grade at cấp tỉnh, a vocational accreditation at cấp huyện): never judged."""
    rubric, tier = sub.ctx.rubric, sub.raw.meta.get("tier", "")
    if tier and tier != sub.ctx.tier and tier in rubric.tiers:
        cell = sub.layout.meta["tier"]
        yield make_issue("wrong-tier", sub.raw.rel, cell.sheet, cell.a1, cap_mau=rubric.tier(tier).label,
                         cap=rubric.tier(sub.ctx.tier).label)


def check_kind(sub: Submission) -> Iterator[Issue]:
    entries: LevelEntries | None = sub.entries
    if entries is None or not sub.raw.format_known:
        return
    typed = as_text(sub.raw.values.get("id.loai_don_vi"))
    if not typed:
        yield make_issue("kind-missing", *_at(sub, "loai_don_vi"))
    elif not entries.kind:
        tier = sub.layout.tier
        yield make_issue("kind-unknown", *_at(sub, "loai_don_vi"), gia_tri=typed, cap=tier.label,
                         dieu=tier.units_article)


def check_level_asked(sub: Submission) -> Iterator[Issue]:
    entries: LevelEntries | None = sub.entries
    if entries is None or not sub.raw.format_known:
        return
    typed = as_text(sub.raw.values.get("id.muc_do_de_nghi"))
    if not typed:
        yield make_issue("level-missing", *_at(sub, "muc_do_de_nghi"), dieu=sub.layout.tier.dossier_article)
    elif entries.level_asked is None:
        yield make_issue("level-unknown", *_at(sub, "muc_do_de_nghi"), gia_tri=typed,
                         dieu=sub.layout.tier.dossier_article)


def check_head_counts(sub: Submission) -> Iterator[Issue]:
    entries: LevelEntries | None = sub.entries
    if entries is None or not sub.raw.format_known:
        return
    if not entries.members:
        yield make_issue("members-missing", *_at(sub, "so_thanh_vien"),
                         gia_tri=as_text(sub.raw.values.get("id.so_thanh_vien")) or "(trống)")
    kind = sub.ctx.rubric.unit_kind(entries.kind) if entries.kind else None
    if kind is not None and kind.learners and not entries.learners:
        learners_rule = next((i for i in sub.layout.tier.indicators if i.of == "members_or_learners"), None)
        yield make_issue("learners-missing", *_at(sub, "so_nguoi_hoc"), loai=kind.label,
                         dieu=learners_rule.article if learners_rule else "Điều 2.8")


def check_indicators(sub: Submission) -> Iterator[Issue]:
    """Per indicator, in the table's order: the wording, the count, the self-judgement.

    The common case (the wording as printed, a known judgement with its evidence) builds no
    cell and no parameters: this runs for some twenty indicators of each of 10,000 dossiers."""
    entries: LevelEntries | None = sub.entries
    layout: LevelLayout = sub.layout
    raw, rubric = sub.raw, sub.ctx.rubric
    if entries is None or not raw.rubric_matches:
        return
    values = raw.values
    kind = rubric.unit_kind(entries.kind) if entries.kind else None
    level = entries.level_asked
    wanted = frozenset(layout.tier.level_indicators[level]) if kind is not None and level is not None else frozenset()
    grades = {g.id: g.rank for g in rubric.grades}
    known_grades = {YES, NO, *grades}
    for r in layout.indicator_rows:
        ind = r.indicator
        entry = entries.indicators[ind.id]
        label = values.get(f"ind.{ind.id}.label")
        if label != ind.label:
            label = " ".join(as_text(label).split())
        if label != ind.label:
            cell = r.cell(COL_TEXT)
            yield make_issue("label-changed", raw.rel, cell.sheet, cell.a1, tieu_chi=ind.code,
                             gia_tri=(label or "(trống)")[:80])
        if ind.id not in wanted or not ind.applies(kind, level):
            continue  # the kind or level is unknown (said above), or the indicator is not the unit's
        common = {"tieu_chi": ind.code, "dieu": ind.article}
        percent = ind.type == IndicatorType.PERCENT
        denominator = (entries.learners if ind.counts_learners(kind) else entries.members) if percent else None
        if percent:
            typed = values.get(f"ind.{ind.id}.count")
            if entry.count is None or (denominator and entry.count > denominator):
                count_cell = r.cell(COL_COUNT)
                if as_text(typed) == "":
                    yield make_issue("count-missing", raw.rel, count_cell.sheet, count_cell.a1, **common)
                elif entry.count is None:
                    yield make_issue("count-invalid", raw.rel, count_cell.sheet, count_cell.a1, **common,
                                     gia_tri=as_text(typed))
                else:
                    yield make_issue("count-above-total", raw.rel, count_cell.sheet, count_cell.a1, **common,
                                     gia_tri=entry.count, tong=denominator)
        judged = entry.judged
        grade = ind.type == IndicatorType.GRADE
        if judged == "" or (grade and judged in (YES, NO)) or judged not in (known_grades if grade else (YES, NO)):
            self_cell = r.cell(COL_SELF)
            where = (raw.rel, self_cell.sheet, self_cell.a1)
            if judged == "":
                yield make_issue("judgement-missing", *where, **common)
            else:
                yield make_issue("judgement-unknown", *where, **common, gia_tri=as_text(values.get(
                    f"ind.{ind.id}.self")), lua_chon=_choices(ind.type, rubric))
            continue
        claims = judged == YES or (grade and grades.get(judged, 0) > 0)
        if claims and not entry.evidence.strip():
            cell = r.cell(COL_SELF + 1)
            yield make_issue("judged-without-evidence", raw.rel, cell.sheet, cell.a1, **common)
            continue
        if percent and judged == YES and entry.count is not None \
                and not indicator_met(ind, level, entry, entries, kind, rubric):
            if denominator and entry.count <= denominator:
                share = format_number(math.floor(1000 * entry.count / denominator) / 10)  # 89,99 % is not 90
                self_cell = r.cell(COL_SELF)
                yield make_issue("judged-above-figures", raw.rel, self_cell.sheet, self_cell.a1, **common,
                                 ty_le=share, nguong=ind.threshold(level, kind), muc_do=level)


def check_eligibility(sub: Submission) -> Iterator[Issue]:
    entries: LevelEntries | None = sub.entries
    rubric = sub.ctx.rubric
    if entries is None or not entries.level_asked or entries.level_asked < 2:
        return
    if not eligible_for(entries.level_asked, entries, sub.fields.report_date, rubric):
        yield make_issue("level-not-eligible", *_at(sub, "cong_nhan_truoc_ngay"), thang=rubric.upgrade_after_months,
                         muc_do=entries.level_asked)


def _choices(kind: IndicatorType, rubric: LevelRubric) -> str:
    if kind == IndicatorType.GRADE:
        return ", ".join(f"\"{g.label}\"" for g in rubric.grades)
    return "\"Đạt\", \"Không đạt\""


__all__ = ["check_eligibility", "check_head_counts", "check_indicators", "check_kind", "check_level_asked",
           "level_of", "whole_number"]
