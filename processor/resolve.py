"""Decide which file counts for each unit, and which units never reported.

Files are matched to the roster by code, else by the normalised name. When a unit sent
several files, the latest report date wins (then the latest file time); the others are
kept as superseded so that nothing disappears silently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date

from processor.issues import make_issue
from processor.layout import Layout
from processor.records import FileResult
from processor.roster import Unit
from processor.textnorm import match_key

VALID, TO_FIX, MISSING = "valid", "to_fix", "missing"
USED, SUPERSEDED, NEEDS_FIX, UNREADABLE, SKIPPED = "used", "superseded", "needs_fix", "unreadable", "skipped"


@dataclass(frozen=True)
class UnitResult:
    unit: Unit
    in_roster: bool
    status: str
    submission: FileResult | None = None
    superseded: tuple[FileResult, ...] = ()


@dataclass(frozen=True)
class Resolution:
    units: tuple[UnitResult, ...]
    files: tuple[FileResult, ...]  # every read file, with roster issues added
    outcome: dict[str, str]  # rel path -> USED / SUPERSEDED / NEEDS_FIX / UNREADABLE
    unit_of_file: dict[str, str]  # rel path -> unit code (or name key) it was attributed to


def resolve(files: list[FileResult], roster: list[Unit], layout: Layout) -> Resolution:
    by_code = {u.code.casefold(): u for u in roster}
    by_name = {match_key(u.name): u for u in roster}
    attributed: dict[str, list[FileResult]] = defaultdict(list)
    units: dict[str, Unit] = {u.code.casefold(): u for u in roster}
    extra_units: dict[str, Unit] = {}
    checked: list[FileResult] = []
    outcome: dict[str, str] = {}
    unit_of_file: dict[str, str] = {}

    for result in files:
        if not result.identifiable:
            checked.append(result)
            outcome[result.rel] = UNREADABLE
            continue
        unit, extra_issues = _match(result, by_code, by_name, layout, bool(roster))
        if unit is None:
            key = (result.code or match_key(result.name)).casefold()
            unit = extra_units.setdefault(key, Unit(code=result.code, name=result.name))
        else:
            key = unit.code.casefold()
        result = replace(result, issues=result.issues + tuple(extra_issues))
        checked.append(result)
        attributed[key].append(result)
        unit_of_file[result.rel] = unit.code or unit.name

    results: list[UnitResult] = []
    for key, unit in [*units.items(), *sorted(extra_units.items())]:
        candidates = attributed.get(key, [])
        if not candidates:
            results.append(UnitResult(unit, in_roster=True, status=MISSING))
            continue
        winner, *rest = sorted(candidates, key=_recency, reverse=True)
        status = TO_FIX if winner.errors else VALID
        outcome[winner.rel] = NEEDS_FIX if winner.errors else USED
        for older in rest:
            outcome[older.rel] = SUPERSEDED
        results.append(UnitResult(unit, in_roster=key in units, status=status, submission=winner,
                                  superseded=tuple(sorted(rest, key=lambda r: r.rel))))
    return Resolution(units=tuple(results), files=tuple(checked), outcome=outcome, unit_of_file=unit_of_file)


def _recency(result: FileResult) -> tuple[date, float, str]:
    return (result.report_date or date.min, result.mtime, result.rel)


def _match(result: FileResult, by_code: dict[str, Unit], by_name: dict[str, Unit], layout: Layout,
           have_roster: bool) -> tuple[Unit | None, list]:
    code_cell = layout.identity["ma_don_vi"]
    name_cell = layout.identity["ten_don_vi"]
    issues = []
    unit = by_code.get(result.code.casefold()) if result.code else None
    if unit is not None:
        if result.name and result.name != unit.name:
            kind = "name-normalised-match" if match_key(result.name) == match_key(unit.name) else "name-differs"
            issues.append(make_issue(kind, result.rel, name_cell.sheet, name_cell.a1, gia_tri=result.name,
                                     mong_doi=unit.name, ma=unit.code))
        return unit, issues
    if have_roster and result.code:
        issues.append(make_issue("code-not-in-roster", result.rel, code_cell.sheet, code_cell.a1,
                                 gia_tri=result.code))
    unit = by_name.get(match_key(result.name)) if result.name else None
    if unit is not None and result.name != unit.name:
        issues.append(make_issue("name-normalised-match", result.rel, name_cell.sheet, name_cell.a1,
                                 gia_tri=result.name, mong_doi=unit.name))
    return unit, issues
