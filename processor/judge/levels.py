"""Judge Thông tư 24/2023 dossiers, all units at once, from their own figures and grades.

The unit's self-judgement is what the department has to check, so it never decides: an
indicator is met at a level when the figures say so (100 × số đạt ≥ ngưỡng × mẫu số, in
integers), when a yes/no indicator is "Đạt", when a grade reaches the level's, and in every
case only with evidence (Art. 9.3, 15.3). A long table (unit × indicator × level) gives each
level's verdict in one groupby; the level reached is the highest one, not above the one
asked, whose own list of applicable indicators is all met and for which the unit is eligible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from processor.model.levels import Indicator, IndicatorType, LevelRubric, Tier, UnitKind
from processor.model.records import IndicatorEntry, LevelEntries

YES = "dat"


@dataclass(frozen=True)
class Verdict:
    """One unit's judgement."""

    supported: int | None  # the highest level the figures meet, eligibility and request aside
    level: int | None  # the level reached: not above the one asked, eligibility applied; None: Không đạt
    unmet: tuple[str, ...]  # indicator ids not met at the level asked
    capped: bool  # level 2 was met but the unit is not (yet) eligible for it
    outcome: dict[str, str]  # indicator id -> "dat" / "khong_dat" / "khong_ap_dung" at the level asked


def months_between(earlier: date, later: date) -> int:
    """Whole months from earlier to later (12 months after 15/01/2025 is 15/01/2026)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months if later.day >= earlier.day else months - 1


def eligible_for(level: int, entries: LevelEntries, report_date: date | None, rubric: LevelRubric) -> bool:
    """Level 1 always; a higher level only with a recognition at least upgrade_after_months
    old on the report date (Art. 5.3, 11.3)."""
    if level <= 1:
        return True
    if entries.prior_level is None or entries.prior_date is None or report_date is None:
        return False
    return months_between(entries.prior_date, report_date) >= rubric.upgrade_after_months


def indicator_met(indicator: Indicator, level: int, entry: IndicatorEntry | None, entries: LevelEntries,
                  kind: UnitKind, rubric: LevelRubric) -> bool:
    if entry is None or not entry.evidence.strip():
        return False  # no fitting evidence: không đạt
    if indicator.type == IndicatorType.YES_NO:
        return entry.judged == YES
    if indicator.type == IndicatorType.GRADE:
        grades = {g.id: g.rank for g in rubric.grades}
        return entry.judged in grades and grades[entry.judged] >= grades[indicator.required[level]]
    denominator = entries.learners if indicator.counts_learners(kind) else entries.members
    count = entry.count
    if count is None or not denominator or denominator <= 0 or not 0 <= count <= denominator:
        return False
    return 100 * count >= indicator.threshold(level, kind) * denominator


def long_table(dossiers: list[tuple[LevelEntries, date | None]], rubric: LevelRubric, tier: Tier) -> pd.DataFrame:
    """unit × indicator × level: whether it applies and whether it is met."""
    records = []
    for unit, (entries, _) in enumerate(dossiers):
        kind = rubric.unit_kind(entries.kind)
        for level in (lv.id for lv in rubric.levels):
            wanted = tier.level_indicators[level]
            for indicator in tier.indicators:
                applies = indicator.id in wanted and indicator.applies(kind, level)
                met = applies and indicator_met(indicator, level, entries.indicators.get(indicator.id), entries, kind,
                                                rubric)
                records.append((unit, indicator.id, level, applies, met))
    return pd.DataFrame(records, columns=["unit", "indicator", "level", "applies", "met"])


def judge(dossiers: list[tuple[LevelEntries, date | None]], rubric: LevelRubric, tier: Tier) -> list[Verdict]:
    """A verdict per dossier (its figures and its report date), in order. Every dossier
    must name a known unit kind and the level it asks for (the checks refuse others)."""
    if not dossiers:
        return []
    table = long_table(dossiers, rubric, tier)
    table["ok"] = table["met"] | ~table["applies"]
    level_ok = table.groupby(["unit", "level"], sort=True)["ok"].all().to_dict()
    cells: dict[tuple[int, int], dict[str, str]] = {}
    for unit, indicator, level, applies, met in zip(table["unit"], table["indicator"], table["level"],
                                                    table["applies"], table["met"], strict=True):
        cells.setdefault((unit, level), {})[indicator] = ("khong_ap_dung" if not applies else YES if met
                                                          else "khong_dat")
    verdicts = []
    for unit, (entries, report_date) in enumerate(dossiers):
        asked = entries.level_asked or 1
        passed = [lv.id for lv in rubric.levels if level_ok[(unit, lv.id)]]
        reachable = [lv for lv in passed if lv <= asked and eligible_for(lv, entries, report_date, rubric)]
        level = max(reachable, default=None)
        outcome = cells[(unit, asked)]
        verdicts.append(Verdict(supported=max(passed, default=None), level=level,
                                unmet=tuple(i for i, v in outcome.items() if v == "khong_dat"),
                                capped=level is not None and level < asked and asked in passed, outcome=outcome))
    return verdicts
