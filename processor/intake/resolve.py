"""Decide which file counts for each unit, and which units never reported.

Files are matched to the roster by code, else by name: first as written, then with the
usual abbreviations written out, then without diacritics; a stricter match always wins, and
a name that fits several roster units is never guessed. When a unit sent several files, an
error-free file is kept over one with errors unless that one is newer by every measure we
have; otherwise the latest plausible report date wins, then the latest file time, then the
path. The others are kept as superseded, each with the rule that decided, so that nothing
disappears silently and a department can see why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from processor.model.issues import Issue, make_issue
from processor.model.layout import Layout
from processor.model.level_layout import LevelLayout
from processor.model.records import OWN_OUTPUT, FileResult, Resolution, Unit, UnitResult, usable_report_date
from processor.model.statuses import Choice, Outcome, Status
from processor.text.normalise import abbreviation_key, closest_names, exact_name_key, loose_name_key, match_key
from processor.text.wording import wording

_NAME_KEYS: tuple[Callable[[str], str], ...] = (exact_name_key, abbreviation_key, loose_name_key)



def resolve(files: list[FileResult], roster: list[Unit], layout: Layout | LevelLayout) -> Resolution:
    by_code = {u.code.casefold(): u for u in roster}
    by_name = _name_index(roster)
    attributed: dict[str, list[FileResult]] = defaultdict(list)
    units: dict[str, Unit] = {u.code.casefold(): u for u in roster}
    extra_units: dict[str, Unit] = {}
    checked: list[FileResult] = []
    outcome: dict[str, str] = {}
    unit_of_file: dict[str, str] = {}

    for result in files:
        if not result.identifiable:
            checked.append(result)
            own = any(i.code == OWN_OUTPUT for i in result.issues)  # our own workbook: set aside, not a failure
            outcome[result.rel] = Outcome.SKIPPED if own else Outcome.UNREADABLE
            continue
        unit, extra_issues = _match(result, by_code, by_name, roster, layout)
        if unit is None:
            if any(i.code == "name-ambiguous" for i in extra_issues):
                # its own entry: credited to nobody, and never superseding a namesake's file
                key = f"{match_key(result.name)}\x00{result.rel}"
            else:
                # an exact key: "Tân An" and "Tấn An" outside the roster are two units, not one
                key = result.code.casefold() if result.code else exact_name_key(result.name)
            unit = extra_units.setdefault(key, Unit(code=result.code, name=result.name))
        else:
            key = unit.code.casefold()
        extra_issues += _kind_against_roster(result, unit, layout)
        result = replace(result, issues=result.issues + tuple(extra_issues))
        checked.append(result)
        attributed[key].append(result)
        unit_of_file[result.rel] = unit.code or unit.name

    results: list[UnitResult] = []
    choice: dict[str, tuple[str, tuple[str, ...]]] = {}
    for key, unit in [*units.items(), *sorted(extra_units.items())]:
        candidates = attributed.get(key, [])
        if not candidates:
            results.append(UnitResult(unit, in_roster=True, status=Status.MISSING))
            continue
        winner, rest = _choose(candidates)
        status = Status.TO_FIX if winner.errors else Status.VALID
        outcome[winner.rel] = Outcome.NEEDS_FIX if winner.errors else Outcome.USED
        for older in rest:
            outcome[older.rel] = Outcome.SUPERSEDED
            choice[older.rel] = (_rule(winner, older), (winner.rel,))
        if rest:
            choice[winner.rel] = (_rule(winner, rest[0]), tuple(r.rel for r in rest))
        results.append(UnitResult(unit, in_roster=key in units, status=status, submission=winner,
                                  superseded=tuple(sorted(rest, key=lambda r: r.rel))))
    return Resolution(units=tuple(results), files=tuple(checked), outcome=outcome, unit_of_file=unit_of_file,
                      choice=choice)


def _recency(result: FileResult) -> tuple[date, float, str]:
    """Latest first: the report date; a file without a plausible one is placed by the day it
    was saved (its blank date proves nothing either way); then the file time, then the path."""
    day = usable_report_date(result) or datetime.fromtimestamp(result.mtime).date()
    return (day, result.mtime, result.rel)


def _newer_by_every_measure(newer: FileResult, older: FileResult) -> bool:
    """Both report dates plausible and later, and a later file time: only then may a file
    with errors replace an error-free one (a missing or unusual date proves nothing)."""
    new_date, old_date = usable_report_date(newer), usable_report_date(older)
    return (new_date is not None and old_date is not None and new_date > old_date
            and newer.mtime > older.mtime)


def _choose(candidates: list[FileResult]) -> tuple[FileResult, list[FileResult]]:
    """The file that counts, and the others, runner-up first."""
    ranked = sorted(candidates, key=_recency, reverse=True)
    clean = [r for r in ranked if not r.errors]
    top = ranked[0]
    if top.errors and clean and not all(_newer_by_every_measure(top, c) for c in clean):
        top = clean[0]
    return top, [r for r in ranked if r is not top]


def _rule(winner: FileResult, loser: FileResult) -> str:
    if bool(winner.errors) != bool(loser.errors):
        return Choice.NEWER_BY_EVERY_MEASURE if winner.errors else Choice.ERROR_FREE
    win, lose = _recency(winner), _recency(loser)
    dated = usable_report_date(winner) is not None and usable_report_date(loser) is not None
    if win[0] != lose[0]:
        return Choice.BY_REPORT_DATE if dated else Choice.UNDATED
    return Choice.BY_FILE_TIME if win[1] != lose[1] else Choice.BY_FILE_NAME


def _name_index(roster: list[Unit]) -> list[dict[str, list[Unit]]]:
    """Per name key, strictest first: key -> the roster units whose name has it."""
    index: list[dict[str, list[Unit]]] = []
    for key_of in _NAME_KEYS:
        by_key: dict[str, list[Unit]] = defaultdict(list)
        for unit in roster:
            by_key[key_of(unit.name)].append(unit)
        index.append(dict(by_key))
    return index


def _match(result: FileResult, by_code: dict[str, Unit], by_name: list[dict[str, list[Unit]]],
           roster: list[Unit], layout: Layout) -> tuple[Unit | None, list[Issue]]:
    code_cell = layout.identity["ma_don_vi"]
    name_cell = layout.identity["ten_don_vi"]
    where = (result.rel, name_cell.sheet, name_cell.a1)
    issues = []
    unit = by_code.get(result.code.casefold()) if result.code else None
    if unit is not None:
        if result.name and result.name != unit.name:
            same = any(key_of(result.name) == key_of(unit.name) for key_of in _NAME_KEYS)
            kind = "name-normalised-match" if same else "name-differs"
            issues.append(make_issue(kind, *where, gia_tri=result.name, mong_doi=unit.name, ma=unit.code))
        return unit, issues
    if roster and result.code:
        issues.append(make_issue("code-not-in-roster", result.rel, code_cell.sheet, code_cell.a1,
                                 gia_tri=result.code))
    if not result.name or not roster:
        return None, issues
    for key_of, index in zip(_NAME_KEYS, by_name, strict=True):
        found = index.get(key_of(result.name), [])
        if len(found) > 1:
            issues.append(make_issue("name-ambiguous", *where, gia_tri=result.name, so=len(found),
                                     ung_vien=_listing(found)))
            return None, issues
        if found:
            if result.name != found[0].name:
                issues.append(make_issue("name-normalised-match", *where, gia_tri=result.name,
                                         mong_doi=found[0].name))
            return found[0], issues
    loose = by_name[-1]
    near = closest_names(loose_name_key(result.name), list(loose))
    if near or not result.code:  # a coded file already has its code-not-in-roster warning
        suggestions = _listing([u for key in near for u in loose[key]]) if near else wording("report")["no_suggestion"]
        issues.append(make_issue("name-not-in-roster", *where, gia_tri=result.name, goi_y=suggestions))
    return None, issues


def _kind_against_roster(result: FileResult, unit: Unit | None, layout: Layout | LevelLayout) -> list[Issue]:
    """A TT24 dossier whose unit kind differs from the roster's: the kind decides which
    indicators count, so the department's word and the unit's must agree."""
    if unit is None or not unit.kind or result.levels is None or not result.levels.kind \
            or result.levels.kind == unit.kind or not isinstance(layout, LevelLayout):
        return []
    cell = layout.identity["loai_don_vi"]
    rubric = layout.rubric
    return [make_issue("kind-differs", result.rel, cell.sheet, cell.a1, dieu=layout.tier.units_article,
                       gia_tri=rubric.unit_kind(result.levels.kind).label, mong_doi=rubric.unit_kind(unit.kind).label)]


def _listing(units: list[Unit]) -> str:
    """Code, name and group of each candidate, so the unit can tell which one it is."""
    return "; ".join(" ".join(p for p in (u.code, u.name) if p) + (f" ({u.group})" if u.group else "")
                     for u in units)
