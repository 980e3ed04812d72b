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

import re
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime

from processor.intake.names import NAME_KEYS, NameIndex
from processor.model.council import CouncilEntries, council_key, file_code
from processor.model.issues import Issue, make_issue
from processor.model.layout import Layout
from processor.model.level_layout import LevelLayout
from processor.model.records import OWN_OUTPUT, FileResult, Resolution, Unit, UnitResult, usable_report_date
from processor.model.statuses import Choice, Outcome, Status
from processor.text.normalise import display_path, exact_name_key, match_key
from processor.text.wording import wording


def resolve(files: list[FileResult], roster: list[Unit], layout: Layout | LevelLayout,
            senders: dict[str, str] | None = None) -> Resolution:
    """senders: rel path -> the address that mailed the file (collect), to match a file
    without a code whose name fits no roster unit."""
    by_code = {u.code.casefold(): u for u in roster}
    by_name = NameIndex(roster)
    by_email = _email_index(roster)
    senders = senders or {}
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
        if unit is None and not result.code and [i.code for i in extra_issues] == ["name-not-in-roster"]:
            unit, extra_issues = _by_sender(result, by_email.get(senders.get(result.rel, "").casefold(), []),
                                            senders.get(result.rel, ""), layout, extra_issues)
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


def _match(result: FileResult, by_code: dict[str, Unit], by_name: NameIndex,
           roster: list[Unit], layout: Layout) -> tuple[Unit | None, list[Issue]]:
    code_cell = layout.identity["ma_don_vi"]
    name_cell = layout.identity["ten_don_vi"]
    where = (result.rel, name_cell.sheet, name_cell.a1)
    issues = []
    unit = by_code.get(result.code.casefold()) if result.code else None
    if unit is not None:
        if result.name and result.name != unit.name:
            same = any(key_of(result.name) == key_of(unit.name) for key_of in NAME_KEYS)
            kind = "name-normalised-match" if same else "name-differs"
            issues.append(make_issue(kind, *where, gia_tri=result.name, mong_doi=unit.name, ma=unit.code))
        return unit, issues
    if roster and result.code:
        issues.append(make_issue("code-not-in-roster", result.rel, code_cell.sheet, code_cell.a1,
                                 gia_tri=result.code))
    if not result.name or not roster:
        return None, issues
    for key_of, index in by_name.levels():
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
    near = by_name.near(result.name)
    if near or not result.code:  # a coded file already has its code-not-in-roster warning
        suggestions = _listing(near) if near else wording("report")["no_suggestion"]
        issues.append(make_issue("name-not-in-roster", *where, gia_tri=result.name, goi_y=suggestions))
    return None, issues


def _email_index(roster: list[Unit]) -> dict[str, list[Unit]]:
    """Address (without case) -> the roster units that list it in their Email cell (several
    addresses separated by commas, semicolons or spaces)."""
    index: dict[str, list[Unit]] = defaultdict(list)
    for unit in roster:
        for address in {a.casefold() for a in re.split(r"[,;\s]+", unit.email) if "@" in a}:
            index[address].append(unit)
    return dict(index)


def _by_sender(result: FileResult, units: list[Unit], sender: str, layout: Layout | LevelLayout,
               issues: list[Issue]) -> tuple[Unit | None, list[Issue]]:
    """The unit whose roster address sent the file, only when that address is one unit's
    alone: a shared address (a district office mailing for several) proves nothing."""
    if len(units) != 1:
        return None, issues
    cell = layout.identity["ten_don_vi"]
    return units[0], [make_issue("matched-by-sender", result.rel, cell.sheet, cell.a1, gia_tri=result.name,
                                 email=sender.casefold(), ma=units[0].code, ten=units[0].name)]


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


# ---- the council's choice of file ("Tệp được dùng") --------------------------------------

def apply_file_choices(resolution: Resolution, entries: CouncilEntries) -> tuple[Resolution, list[tuple[str, Issue]]]:
    """The file the council named for a unit counts instead of the one our rules chose.

    The council names a file by its code (the first digits of its SHA-256) or its name. A
    name that is not one of the unit's files is an issue on the council's cell (a file of
    another unit is said to be that unit's), and the rules' choice stands."""
    units = list(resolution.units)
    outcome, choice = dict(resolution.outcome), dict(resolution.choice)
    issues: list[tuple[str, Issue]] = []
    owner = {rel: code for rel, code in resolution.unit_of_file.items()}
    every_file = list(resolution.files)
    for i, u in enumerate(units):
        key = council_key(u.unit)
        typed = entries.units[key].file_choice if key in entries.units else ""
        if not typed:
            continue
        sheet, cell = entries.units[key].cells["file_choice"].split("!", 1)
        mine = [f for f in (u.submission, *u.superseded) if f is not None]
        found = _files_named(typed, mine)
        if len(found) != 1:
            others = [f for f in _files_named(typed, every_file) if f not in mine]
            if others and not found:
                issues.append((key, make_issue("council-file-not-unit", entries.file, sheet, cell, gia_tri=typed,
                                               don_vi=owner.get(others[0].rel) or "(không rõ đơn vị)")))
            elif found:  # a name two of the unit's files share (in two folders): only the code tells them apart
                listing = "; ".join(f"{file_code(f.sha256)} {display_path(f.rel)}"
                                    for f in sorted(found, key=lambda f: f.rel))
                issues.append((key, make_issue("council-file-ambiguous", entries.file, sheet, cell, gia_tri=typed,
                                               cac_tep=listing)))
            else:
                listing = "; ".join(f"{file_code(f.sha256)} {display_path(f.rel)}" for f in mine) or "(không có tệp)"
                issues.append((key, make_issue("council-file-unknown", entries.file, sheet, cell, gia_tri=typed,
                                               cac_tep=listing)))
            continue
        chosen = found[0]
        if chosen is u.submission:
            continue
        rest = sorted((f for f in mine if f is not chosen), key=lambda f: f.rel)
        for older in rest:
            outcome[older.rel] = Outcome.SUPERSEDED
            choice[older.rel] = (Choice.BY_COUNCIL, (chosen.rel,))
        outcome[chosen.rel] = Outcome.NEEDS_FIX if chosen.errors else Outcome.USED
        choice[chosen.rel] = (Choice.BY_COUNCIL, tuple(f.rel for f in rest))
        units[i] = UnitResult(u.unit, in_roster=u.in_roster, status=Status.TO_FIX if chosen.errors else Status.VALID,
                              submission=chosen, superseded=tuple(rest))
    return replace(resolution, units=tuple(units), outcome=outcome, choice=choice), issues


def _files_named(typed: str, files: list[FileResult]) -> list[FileResult]:
    """The files a council's "Tệp được dùng" names: a code of at least 6 hex digits that
    starts the SHA-256, or the path or file name (case and Unicode form aside)."""
    text = typed.strip()
    hexed = text.replace(" ", "").lower()
    if len(hexed) >= 6 and all(ch in "0123456789abcdef" for ch in hexed):
        by_code = [f for f in files if f.sha256.startswith(hexed)]
        if by_code:
            return by_code
    wanted = match_key(text).replace("\\", "/")
    return [f for f in files if wanted in {match_key(f.rel), match_key(display_path(f.rel)),
                                           match_key(f.rel.rsplit("/", 1)[-1])}]
