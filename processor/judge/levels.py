"""Judge Thông tư 24/2023 dossiers, all units at once, from their own figures and grades.

The unit's self-judgement is what the department has to check, so it never decides: an
indicator is met at a level when the figures say so (100 × số đạt ≥ ngưỡng × mẫu số, in
integers), when a yes/no indicator is "Đạt", when a grade reaches the level's, and in every
case only with evidence (Art. 9.3, 15.3). A long table (unit × indicator × level) gives each
level's verdict in one groupby; the level reached is the highest one, not above the one
asked, whose own list of applicable indicators is all met and for which the unit is eligible.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from processor.model.levels import LevelRubric, Tier, Verdict, eligible_for, indicator_met
from processor.model.records import LevelEntries, UnitResult
from processor.model.statuses import Status

YES = "dat"






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


def judge_units(units: list[UnitResult], rubric: LevelRubric, tier: Tier) -> dict[int, Verdict]:
    """Verdicts of the units whose counting file is valid, by position in units."""
    judged = [i for i, u in enumerate(units) if u.status == Status.VALID and u.submission is not None
              and u.submission.levels is not None]
    dossiers = [(units[i].submission.levels, units[i].submission.report_date) for i in judged]  # type: ignore[union-attr]
    return dict(zip(judged, judge(dossiers, rubric, tier), strict=True))
