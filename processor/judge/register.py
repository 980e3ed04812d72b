"""What the register's recognitions change in a season, before the judgement.

Eligibility for level 2 (TT24 Art. 5.3, 11.3) comes from the register when it holds a
recognition of the unit: the decision the unit typed in its dossier is only its claim, so the
register's decision replaces it (a typed one that matches none of the register's is a warning
naming both), and the "not yet eligible" warning is recomputed from the register's dates. A unit
that did not send a dossier but is covered by a recognition is "Đang bảo lưu", not missing;
in the last season a recognition covers it is due for re-recognition.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

from processor.model.issues import make_issue
from processor.model.level_layout import LevelLayout
from processor.model.levels import LevelRubric, eligible_for, months_between
from processor.model.records import FileResult, UnitResult
from processor.model.register import Coverage, Recognition, RegisterView, UnitStanding, key_of, standing, unit_key
from processor.model.statuses import Status
from processor.text.dates import format_vn_date
from processor.text.normalise import match_key

NOT_ELIGIBLE = "level-not-eligible"


def apply_register(units: list[UnitResult], view: RegisterView, season: int, rubric: LevelRubric | object,
                   layout: LevelLayout | object) -> tuple[list[UnitResult], dict[int, UnitStanding]]:
    """The units with the register's decisions in their dossiers, and every unit's standing."""
    standings: dict[int, UnitStanding] = {}
    out = list(units)
    names = Counter(unit_key("", u.unit.name) for u in units)
    for i, u in enumerate(units):
        history = view.recognitions.get(key_of(u.unit), ())
        by_name = unit_key("", u.unit.name)
        if not history and names[by_name] == 1:  # a recognition naming no code is a unit's only if none shares its name
            history = view.recognitions.get(by_name, ())
        found = standing(tuple(r for r in history if r.year < season), season)
        standings[i] = UnitStanding(history=history, coverage=found.coverage, covering=found.covering)
        if u.status == Status.MISSING and found.covering is not None and found.coverage == Coverage.COVERED:
            out[i] = replace(u, status=Status.COVERED)
            continue
        if (u.submission is not None and u.submission.levels is not None and isinstance(rubric, LevelRubric)
                and isinstance(layout, LevelLayout)):
            levels = [r for r in history if r.year < season and r.level is not None and r.decision_date is not None]
            if levels:
                out[i] = replace(u, submission=_with_register(u.submission, levels, rubric, layout))
    return out, standings


def _with_register(sub: FileResult, recognitions: list[Recognition], rubric: LevelRubric,
                   layout: LevelLayout) -> FileResult:
    entries = sub.levels
    assert entries is not None
    report_date = sub.report_date
    chosen = _qualifying(recognitions, report_date, rubric) or recognitions[0]
    typed = (entries.prior_decision, entries.prior_date)
    issues = [i for i in sub.issues if i.code != NOT_ELIGIBLE]
    if (entries.prior_decision or entries.prior_date) and not any(_same_decision(typed, r) for r in recognitions):
        cell = layout.identity["cong_nhan_truoc_so_qd"]
        issues.append(make_issue("prior-differs-register", sub.rel, cell.sheet, cell.a1,
                                 gia_tri=_decision_text(entries.prior_decision, entries.prior_date),
                                 so_dang_ky=_decision_text(chosen.decision, chosen.decision_date),
                                 muc_do=chosen.level, nam=chosen.year))
    updated = replace(entries, prior_level=chosen.level, prior_decision=chosen.decision,
                      prior_date=chosen.decision_date)
    if updated.level_asked and updated.level_asked >= 2 and not eligible_for(updated.level_asked, updated,
                                                                               report_date, rubric):
        cell = layout.identity["cong_nhan_truoc_ngay"]
        issues.append(make_issue(NOT_ELIGIBLE, sub.rel, cell.sheet, cell.a1, thang=rubric.upgrade_after_months,
                                 muc_do=updated.level_asked))
    return replace(sub, levels=updated, issues=tuple(issues))


def _qualifying(recognitions: list[Recognition], report_date: date | None, rubric: LevelRubric) -> Recognition | None:
    """The newest recognition old enough on the report date to make the unit eligible."""
    if report_date is None:
        return None
    old_enough = [r for r in recognitions if r.decision_date is not None
                  and months_between(r.decision_date, report_date) >= rubric.upgrade_after_months
                  and not (rubric.recognitions_from and r.decision_date < rubric.recognitions_from)]
    return max(old_enough, key=lambda r: r.decision_date or date.min, default=None)


def _same_decision(typed: tuple[str, date | None], recognition: Recognition) -> bool:
    decision, decided = typed
    same_number = not decision or " ".join(match_key(decision).split()) == " ".join(
        match_key(recognition.decision).split())
    same_date = decided is None or decided == recognition.decision_date
    return same_number and same_date


def _decision_text(decision: str, decided: date | None) -> str:
    parts = [decision or "(không ghi số)"]
    if decided is not None:
        parts.append(f"ngày {format_vn_date(decided)}")
    return " ".join(parts)
