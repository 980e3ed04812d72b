"""Turn a BatchResult into the rows and figures both reports show.

The consolidated workbook and the HTML pages read the same Summary, so a count or a
status can never differ between the two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pandas as pd

from processor.judge.score import CLASS, TOTAL, rows_by_position
from processor.model.batch import BatchResult
from processor.model.council import Finality, FinalResult, ReviewState, council_key, file_code
from processor.model.council_layout import class_ranks
from processor.model.issues import Issue
from processor.model.level_layout import LevelLayout
from processor.model.levels import Indicator, IndicatorType, LevelRubric, UnitKind, Verdict, denominator_of
from processor.model.records import FileResult, LevelEntries, Resolution, usable_report_date
from processor.model.register import Arrival, Change, ChangeKind, Coverage, Recognition, UnitStanding, key_of
from processor.model.rubric import AnyRubric, Criterion
from processor.model.statuses import Outcome, Status
from processor.text.dates import format_vn_moment
from processor.text.normalise import display_path
from processor.text.numbers import percent
from processor.text.wording import report_texts, wording

_VIETNAM = timezone(timedelta(hours=7), "ICT")  # no daylight saving: the deadline's clock


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    group: str
    email: str
    contact: str
    status: Status
    status_label: str
    scores: dict[str, float | None]  # every criterion id and "total"
    class_label: str
    errors: int
    warnings: int
    report_date: date | None
    on_time: bool | None
    file: str
    in_roster: bool
    issues: tuple[Issue, ...]
    submission: FileResult | None
    superseded: tuple[str, ...]
    level: UnitLevel | None = None  # Thông tư 24/2023 seasons only
    final: FinalResult | None = None  # self-assessed, verified and final result (the council's word applied)
    council_issues: tuple[Issue, ...] = ()  # the council's entries about this unit that could not be applied
    finality_label: str = ""  # which result is final, in words ("Theo số liệu đã thẩm định")
    review_label: str = ""  # the state of the council's entries, in words (as the council workbook says it)
    standing: UnitStanding = field(default_factory=UnitStanding)  # its recognitions in the register, and coverage
    standing_label: str = ""  # "Đang bảo lưu đến năm 2027", "Cần công nhận lại", the last recognition, or ""


@dataclass(frozen=True)
class UnitLevel:
    """What a TT24 season shows of a unit: its kind, what it asked and what it reached."""

    kind: UnitKind | None  # the roster's kind, else the dossier's; None when neither is known
    kind_label: str
    asked: int | None
    asked_label: str
    verdict: Verdict | None  # None while Cần sửa or Chưa nộp
    reached_label: str  # a level label, or the "not reached" wording; "" without a verdict
    unmet: str  # the unmet indicators at the level asked, as codes: "TC2.CT4, TC3.CT1"
    entries: LevelEntries | None


@dataclass(frozen=True)
class IndicatorStat:
    """How many judged units meet an indicator at the level they asked, of those it applies to."""

    indicator: Indicator
    met: int
    applicable: int

    @property
    def rate(self) -> float | None:
        return self.met / self.applicable if self.applicable else None


@dataclass(frozen=True)
class LevelSummary:
    """The figures of a TT24 season that both the workbook and the pages show."""

    labels: tuple[str, ...]  # the levels, highest first, then "not reached", then "not judged"
    by_group: dict[str, dict[str, int]]  # group ("" = all) -> level label -> units
    by_kind: dict[str, dict[str, int]]  # kind label -> level label -> units
    indicators: tuple[IndicatorStat, ...]

    @staticmethod
    def share(counts: dict[str, int], label: str) -> float | None:
        total = sum(counts.values())
        return counts[label] / total if total else None


@dataclass(frozen=True)
class FinalCounts:
    """Units by final result (the council's word applied), overall and by group: what the
    Thống kê sheet and the index page show next to the counts by self-assessed result."""

    labels: tuple[str, ...]  # the levels or recognised classes, best first; not recommended; not judged; missing
    by_group: dict[str, dict[str, int]]  # group ("" = all) -> final label -> units

    def share(self, group: str, label: str) -> float | None:
        counts = self.by_group[group]
        total = sum(counts.values())
        return counts[label] / total if total else None


@dataclass(frozen=True)
class FileRow:
    rel: str  # the exact relative path, the key; show it through display_name
    size: int
    sha256: str
    unit: str
    outcome: Outcome
    outcome_label: str
    note: str
    warning: str = ""  # set when discover could not examine it: staff must be told, not only the table


@dataclass(frozen=True)
class CriterionStat:
    criterion: Criterion
    average: float | None
    share: float | None


@dataclass(frozen=True)
class Summary:
    units: tuple[UnitRow, ...]
    files: tuple[FileRow, ...]
    issues: tuple[tuple[Issue, str], ...]  # (issue, unit label), errors first
    groups: tuple[str, ...]
    class_labels: tuple[str, ...]  # the rubric's bands, best first, then "no class"
    class_counts: dict[str, dict[str, int]]  # group ("" = all) -> class label -> count
    status_counts: dict[str, dict[str, int]]  # group ("" = all) -> status label -> count
    criteria: tuple[CriterionStat, ...]
    submitted: int
    on_time: int
    late: int
    no_date: int
    levels: LevelSummary | None = None  # Thông tư 24/2023 seasons only
    finals: FinalCounts | None = None  # None only for a batch run without the council step
    year: int = 0
    statuses: tuple[Status, ...] = tuple(Status)  # the statuses a season can have (no coverage by points)
    changes: tuple[Change, ...] = ()  # since the previous run of the season, files first, then units
    first_run: bool = True  # the register knows no earlier run of this season (year and rubric)
    previous_at: datetime | None = None  # when the previous run of the season started

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.submitted if self.submitted else None

    def units_with(self, status: Status) -> int:
        return sum(1 for u in self.units if u.status == status)

    def files_with(self, outcome: Outcome) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)


def summarise(result: BatchResult) -> Summary:
    texts = report_texts()
    rubric, deadline = result.options.rubric, result.options.deadline
    if rubric.kind == "levels":
        return _summarise_levels(result, rubric, texts)
    table = result.scores
    criterion_ids = [c.id for c in rubric.walk()]
    units: list[UnitRow] = []
    rows = rows_by_position(table)  # once: a Series per unit (.loc) cost a second at 10,000 units
    for i, u in enumerate(result.resolution.units):
        sub = u.submission
        row = rows[i]
        report_date = sub.report_date if sub else None
        units.append(UnitRow(
            code=u.unit.code, name=u.unit.name, group=u.unit.group, email=u.unit.email,
            contact=u.unit.contact, status=u.status, status_label=texts["status"][u.status],
            scores={cid: _num(row[cid]) for cid in [*criterion_ids, TOTAL]},
            class_label=str(row[CLASS]),
            errors=sub.errors if sub else 0, warnings=sub.warnings if sub else 0,
            report_date=report_date,
            on_time=_on_time(sub, deadline, result.arrivals),
            file=sub.rel if sub else "", in_roster=u.in_roster,
            issues=tuple(sorted(sub.issues, key=lambda x: 0 if x.is_error else 1)) if sub else (),
            submission=sub, superseded=tuple(s.rel for s in u.superseded),
            **_council_fields(result, i), **_standing_fields(result, i, texts),
        ))

    file_rows, issues = _files_and_issues(result, units, texts)
    groups = tuple(sorted({u.group for u in units if u.group}))
    class_labels = (*[b.label for b in rubric.bands], texts["no_class"])
    statuses = _statuses(rubric)
    status_labels = [texts["status"][k] for k in statuses]
    class_counts = {g: dict.fromkeys(class_labels, 0) for g in ("", *groups)}
    status_counts = {g: dict.fromkeys(status_labels, 0) for g in ("", *groups)}
    for u in units:
        label = u.class_label or texts["no_class"]
        for g in {"", u.group} & set(class_counts):
            if u.status.submitted:
                class_counts[g][label] += 1
            status_counts[g][u.status_label] += 1

    valid_rows = [i for i, u in enumerate(units) if u.status == Status.VALID]
    stats = []
    for c in rubric.walk():
        values = table.loc[valid_rows, c.id].dropna() if valid_rows else pd.Series(dtype=float)
        average = float(values.mean()) if len(values) else None
        stats.append(CriterionStat(c, average, average / c.max if average is not None else None))

    submitted = [u for u in units if u.status.submitted]
    return Summary(
        units=tuple(units), files=tuple(file_rows), issues=tuple(issues), groups=groups,
        class_labels=class_labels, class_counts=class_counts, status_counts=status_counts,
        criteria=tuple(stats), submitted=len(submitted),
        on_time=sum(1 for u in submitted if u.on_time is True),
        late=sum(1 for u in submitted if u.on_time is False),
        no_date=sum(1 for u in submitted if u.on_time is None),
        finals=_final_counts(result, units, groups),
        **_register_fields(result, units, file_rows, statuses, texts),
    )


def _files_and_issues(result: BatchResult, units: list[UnitRow], texts: dict
                      ) -> tuple[list[FileRow], list[tuple[Issue, str]]]:
    """Every file found and what became of it; every finding with the unit it belongs to."""
    files_by_rel = result.files_by_rel
    outcome_labels = texts["outcome"]
    file_rows: list[FileRow] = []
    for found in result.found:
        if found.failed:
            what = texts["folder"] if found.folder else texts["file"]
            file_rows.append(FileRow(found.rel, found.size, "", "", Outcome.UNREADABLE,
                                     outcome_labels[Outcome.UNREADABLE], found.skip_reason or "",
                                     texts["unreadable_warning"].format(loai=what, ten=display_path(found.rel),
                                                                        ly_do=found.skip_reason)))
            continue
        if found.skip_reason is not None:
            file_rows.append(FileRow(found.rel, found.size, "", "", Outcome.SKIPPED, outcome_labels[Outcome.SKIPPED],
                                     found.skip_reason))
            continue
        fr = files_by_rel[found.rel]
        outcome = result.resolution.outcome.get(found.rel, Outcome.UNREADABLE)
        if outcome in (Outcome.UNREADABLE, Outcome.SKIPPED):
            note = "; ".join(i.message for i in fr.issues if i.is_error or outcome == Outcome.SKIPPED)[:500]
        else:
            note = _choice_note(result.resolution, found.rel, texts["choice"])
        if found.rel in result.arrivals:
            note = "; ".join(n for n in (arrival_note(result.arrivals[found.rel]), note) if n)
        file_rows.append(FileRow(found.rel, fr.size, fr.sha256, result.resolution.unit_of_file.get(found.rel, ""),
                                 outcome, outcome_labels[outcome], note))

    label_of_unit = {(u.code or u.name): f"{u.code} {u.name}".strip() for u in units}
    unit_label = {fr.rel: label_of_unit.get(key, key) for fr in result.resolution.files
                  if (key := result.resolution.unit_of_file.get(fr.rel, ""))}
    issues = sorted(((i, unit_label.get(i.file, "")) for f in result.resolution.files for i in f.issues),
                    key=lambda pair: (0 if pair[0].is_error else 1, pair[0].file))
    if result.council is not None:  # the council's own entries, after the units' files, by unit
        label_of_key = {council_key(u.unit): f"{u.unit.code} {u.unit.name}".strip() for u in result.resolution.units}
        issues += [(issue, label_of_key.get(key, "")) for key, issue in result.council.issues]

    return file_rows, issues


def _statuses(rubric: AnyRubric) -> tuple[Status, ...]:
    """Every status of a levels season; a points season (TT22) has no coverage, so no "Đang bảo lưu"."""
    return tuple(Status) if rubric.kind == "levels" else tuple(s for s in Status if s != Status.COVERED)


# ---- The register: recognitions, coverage, and what changed since the previous run -------

def rubric_name(rubric_id: str) -> str:
    """"Thông tư 24/2023" for a rubric id, the id itself for one the wording does not name."""
    return report_texts()["rubric_names"].get(rubric_id, rubric_id)


def recognition_result(recognition: Recognition) -> str:
    """What a decision granted, in words: "Mức độ 1" (TT24) or the class (TT22)."""
    if recognition.level is not None:
        return report_texts()["coverage"]["level"].format(muc_do=recognition.level)
    return recognition.klass


def standing_text(standing: UnitStanding) -> str:
    """The unit's standing in a cell: covered until a year, due for re-recognition, else its
    last recognition in short, else nothing."""
    ct = report_texts()["coverage"]
    if standing.coverage == Coverage.COVERED and standing.covering is not None:
        return ct["covered"].format(den_nam=standing.covering.valid_through)
    if standing.coverage == Coverage.RENEWAL_DUE:
        return ct["renewal_due"]
    if not standing.history:
        return ""
    last = standing.history[0]
    if last.decision:
        return ct["last"].format(ket_qua=recognition_result(last), nam=last.year, so_qd=last.decision)
    return ct["last_no_decision"].format(ket_qua=recognition_result(last), nam=last.year)


def _standing_fields(result: BatchResult, i: int, texts: dict) -> dict:
    found = result.standings.get(i)
    if found is None:
        return {}
    return {"standing": found, "standing_label": standing_text(found)}


def _register_fields(result: BatchResult, units: list[UnitRow], files: list[FileRow],
                     statuses: tuple[Status, ...], texts: dict) -> dict:
    """The Summary's fields that come from the register: the season's statuses, and what
    changed since the previous run of the season (none on its first run)."""
    previous = result.register.previous if result.register is not None else None
    fields: dict = {"year": result.options.year, "statuses": statuses}
    if previous is None:
        return fields
    return {**fields, "first_run": False, "previous_at": datetime.fromisoformat(previous.started_at),
            "changes": _changes(result, units, files, texts)}


def _changes(result: BatchResult, units: list[UnitRow], files: list[FileRow], texts: dict) -> tuple[Change, ...]:
    """Files new or changed (a path not seen in the previous run, or seen with another
    SHA-256) and gone; units that became Hợp lệ, became Cần sửa (Hợp lệ before), or lost
    the file they were counted by. A unit is known across runs by its key (code, else name)."""
    assert result.register is not None and result.register.previous is not None
    previous = result.register.previous
    ct, status_label = texts["changes"], texts["status"]
    label_of_key = {key_of(u.unit): f"{u.unit.code} {u.unit.name}".strip() for u in result.resolution.units}
    label_of_ref = {(u.unit.code or u.unit.name): label for u in result.resolution.units
                    if (label := label_of_key[key_of(u.unit)])}
    owner_before = {rel: key for key, rel in previous.unit_files.items()}
    out: list[Change] = []
    for f in files:
        if not f.sha256 or previous.files.get(f.rel) == f.sha256:
            continue
        old = previous.files.get(f.rel)
        out.append(Change(
            kind=ChangeKind.FILE_NEW if old is None else ChangeKind.FILE_CHANGED,
            unit=label_of_ref.get(f.unit, f.unit), file=f.rel,
            before=ct["not_seen"] if old is None else ct["file_code"].format(ma=file_code(old)),
            now=ct["file_now"].format(ma=file_code(f.sha256), ket_qua=f.outcome_label)))
    present = {f.rel for f in files}
    for rel, sha in sorted(previous.files.items()):
        if rel not in present:
            owner = owner_before.get(rel, "")
            out.append(Change(ChangeKind.FILE_GONE, label_of_key.get(owner) or previous.names.get(owner, ""), rel,
                              ct["file_code"].format(ma=file_code(sha)), ct["file_gone"]))
    unit_changes: dict[ChangeKind, list[Change]] = {k: [] for k in
                                                    (ChangeKind.BECAME_VALID, ChangeKind.BECAME_TO_FIX,
                                                     ChangeKind.LOST_FILE)}
    for u, row in zip(result.resolution.units, units, strict=True):
        key = key_of(u.unit)
        before = previous.units.get(key)
        before_label = status_label.get(before, before) if before else ct["not_in_previous"]
        label = label_of_key[key]
        if row.status == Status.VALID and before != Status.VALID:
            unit_changes[ChangeKind.BECAME_VALID].append(
                Change(ChangeKind.BECAME_VALID, label, row.file, before_label, row.status_label))
        elif row.status == Status.TO_FIX and before == Status.VALID:
            unit_changes[ChangeKind.BECAME_TO_FIX].append(
                Change(ChangeKind.BECAME_TO_FIX, label, row.file, before_label, row.status_label))
        elif not row.file and key in previous.unit_files:
            unit_changes[ChangeKind.LOST_FILE].append(
                Change(ChangeKind.LOST_FILE, label, previous.unit_files[key], before_label, row.status_label))
    # a unit known only from its file last time, and whose file is gone now, is no row of this run
    now = {key_of(u.unit) for u in result.resolution.units}
    for key, rel in sorted(previous.unit_files.items()):
        if key not in now:
            before = previous.units.get(key, "")
            unit_changes[ChangeKind.LOST_FILE].append(Change(
                ChangeKind.LOST_FILE, previous.names.get(key, key), rel, status_label.get(before, before),
                ct["not_in_run"]))
    return (*out, *(c for changes in unit_changes.values() for c in changes))


def _council_fields(result: BatchResult, i: int) -> dict:
    """A unit's final result, where it comes from, the state of the council's entries, and
    those entries that could not be applied."""
    council = result.council
    if council is None:
        return {}
    texts = wording("council")
    unit = result.resolution.units[i]
    key = council_key(unit.unit)
    final = council.finals.get(i)
    state = council.states.get(i, ReviewState.NONE)
    entries = council.entries.units.get(key)
    if state == ReviewState.STALE and entries is not None and unit.submission is not None:  # as the council workbook
        review = texts["state"]["stale"].format(cu=file_code(entries.sha256) or "(không rõ)",
                                                moi=file_code(unit.submission.sha256))
    elif state == ReviewState.REJECTED and final is not None and final.finality == Finality.COMPUTED:
        review = texts["state"]["rejected_all"]  # nothing of it could be applied
    else:
        review = texts["state"][state.value]
    return {"final": final, "council_issues": tuple(x for k, x in council.issues if k == key),
            "finality_label": texts["finality"][final.finality_key] if final else "", "review_label": review}


def rank_labels(rubric: AnyRubric) -> tuple[tuple[int, str], ...]:
    """(rank, label) of every recommendation, best first: the levels (TT24) or the
    recognised classes (TT22)."""
    if isinstance(rubric, LevelRubric):
        return tuple((lv.id, lv.label) for lv in sorted(rubric.levels, key=lambda lv: -lv.id))
    return tuple((rank, label) for label, rank in sorted(class_ranks(rubric).items(), key=lambda p: -p[1]))


def final_labels(rubric: AnyRubric) -> tuple[str, ...]:
    """Every final result a unit can have, best first: the recommendations, then not
    recommended, not judged, and no dossier (a unit covered by an earlier recognition, in a
    season that has one, comes after them: _final_counts adds the labels this list does not know)."""
    texts = wording("council")
    return (*(label for _, label in rank_labels(rubric)), texts["not_recommended"], texts["not_judged"],
            texts["missing"])


def final_colour(rubric: AnyRubric, final: FinalResult | None) -> int | None:
    """The colour rank of a final result (workbook and pages): the level's or class's, the
    worst one when not recommended, none while the dossier is not judged."""
    if final is None or final.finality == Finality.NOT_JUDGED:
        return None
    if final.rank is None:
        return 3
    if isinstance(rubric, LevelRubric):
        return level_rank(rubric, final.label)
    return min([b.label for b in rubric.bands].index(final.label), 3) if final.label in {
        b.label for b in rubric.bands} else 3


def _final_counts(result: BatchResult, units: list[UnitRow], groups: tuple[str, ...]) -> FinalCounts | None:
    """Every unit, once in its group and once in the whole, by its final result."""
    if result.council is None:
        return None
    labels = final_labels(result.options.rubric)
    extra = tuple(sorted({u.final.label for u in units if u.final is not None} - set(labels)))
    labels = (*labels, *extra)  # defensive: a label the list above does not know is still counted
    by_group = {g: dict.fromkeys(labels, 0) for g in ("", *groups)}
    for u in units:
        if u.final is None:
            continue
        for g in {"", u.group} & set(by_group):
            by_group[g][u.final.label] += 1
    return FinalCounts(labels=labels, by_group=by_group)


def _on_time(sub: FileResult | None, deadline: date | None, arrivals: dict[str, Arrival]) -> bool | None:
    """By the day the message arrived when collect saved the file, on the clock of Hà Nội
    (the deadline is a day in Việt Nam, whatever zone the sender's Date was written in), else
    by the report date the unit typed; unknown without a deadline or a plausible date: a
    1900 date is not on time."""
    arrival = arrivals.get(sub.rel) if sub else None
    if arrival is not None and arrival.received and deadline is not None:
        moment = datetime.fromisoformat(arrival.received)
        if moment.tzinfo is not None:
            moment = moment.astimezone(_VIETNAM)
        return moment.date() <= deadline
    report_date = usable_report_date(sub) if sub else None
    return None if (report_date is None or deadline is None) else report_date <= deadline


def arrival_note(arrival: Arrival) -> str:
    """Beside a file collect saved: who sent it, and when."""
    texts = report_texts()["arrival"]
    when = format_vn_moment(arrival.received)
    note = texts["note"].format(nguoi_gui=arrival.sender or texts["no_sender"])
    return note + texts["at"].format(luc=when) if when else note


def _choice_note(resolution: Resolution, rel: str, texts: dict) -> str:
    """Which rule kept or replaced a file of a unit that sent several, in a few words."""
    if rel not in resolution.choice:
        return ""
    rule, other = resolution.choice[rel]
    template = texts["superseded"] if resolution.outcome.get(rel) == Outcome.SUPERSEDED else texts["used"]
    shown = "; ".join(display_path(name) for name in other)
    return template.format(khac=shown, ly_do=texts["rules"][rule])


def _num(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)  # type: ignore[arg-type]


# ---- Thông tư 24/2023: recognition at a level -------------------------------------------

def _summarise_levels(result: BatchResult, rubric: LevelRubric, texts: dict) -> Summary:
    """The same rows and figures for a season judged by levels: no points, no class; a
    level asked and reached per unit, counts by level and each indicator's pass rate."""
    lt = texts["levels"]
    deadline = result.options.deadline
    units: list[UnitRow] = []
    for i, u in enumerate(result.resolution.units):
        sub = u.submission
        entries = sub.levels if sub else None
        units.append(UnitRow(
            code=u.unit.code, name=u.unit.name, group=u.unit.group, email=u.unit.email,
            contact=u.unit.contact, status=u.status, status_label=texts["status"][u.status],
            scores={}, class_label="",
            errors=sub.errors if sub else 0, warnings=sub.warnings if sub else 0,
            report_date=sub.report_date if sub else None, on_time=_on_time(sub, deadline, result.arrivals),
            file=sub.rel if sub else "", in_roster=u.in_roster,
            issues=tuple(sorted(sub.issues, key=lambda x: 0 if x.is_error else 1)) if sub else (),
            submission=sub, superseded=tuple(s.rel for s in u.superseded),
            level=_unit_level(rubric, u.unit.kind, entries, result.verdicts.get(i), lt),
            **_council_fields(result, i), **_standing_fields(result, i, texts),
        ))
    file_rows, issues = _files_and_issues(result, units, texts)

    groups = tuple(sorted({u.group for u in units if u.group}))
    statuses = _statuses(rubric)
    status_labels = [texts["status"][k] for k in statuses]
    status_counts = {g: dict.fromkeys(status_labels, 0) for g in ("", *groups)}
    labels = (*(lv.label for lv in sorted(rubric.levels, key=lambda lv: -lv.id)), lt["not_reached"],
              lt["not_judged"])
    by_group = {g: dict.fromkeys(labels, 0) for g in ("", *groups)}
    kind_labels = [k.label for k in result.layout.kinds]  # type: ignore[union-attr]
    seen = {u.level.kind_label for u in units if u.level}
    by_kind = {k: dict.fromkeys(labels, 0) for k in [*kind_labels, *sorted(seen - set(kind_labels))] if k in seen}
    for u in units:
        level_label = u.level.reached_label or lt["not_judged"] if u.level else lt["not_judged"]
        for g in {"", u.group} & set(by_group):
            by_group[g][level_label] += 1
            status_counts[g][u.status_label] += 1
        if u.level:
            by_kind[u.level.kind_label][level_label] += 1

    tier = result.layout.tier  # type: ignore[union-attr]
    stats = []
    for ind in tier.indicators:
        outcomes = [v.outcome.get(ind.id) for v in result.verdicts.values()]
        stats.append(IndicatorStat(ind, met=outcomes.count("dat"),
                                   applicable=outcomes.count("dat") + outcomes.count("khong_dat")))

    submitted = [u for u in units if u.status.submitted]
    return Summary(
        units=tuple(units), files=tuple(file_rows), issues=tuple(issues), groups=groups,
        class_labels=(), class_counts={}, status_counts=status_counts, criteria=(),
        submitted=len(submitted),
        on_time=sum(1 for u in submitted if u.on_time is True),
        late=sum(1 for u in submitted if u.on_time is False),
        no_date=sum(1 for u in submitted if u.on_time is None),
        levels=LevelSummary(labels=labels, by_group=by_group, by_kind=by_kind, indicators=tuple(stats)),
        finals=_final_counts(result, units, groups),
        **_register_fields(result, units, file_rows, statuses, texts),
    )


def _unit_level(rubric: LevelRubric, roster_kind: str, entries: LevelEntries | None, verdict: Verdict | None,
                lt: dict) -> UnitLevel:
    kind_id = roster_kind or (entries.kind if entries else "")
    kind = next((k for k in rubric.unit_kinds if k.id == kind_id), None)
    asked = entries.level_asked if entries else None
    asked_label = rubric.level(asked).label if asked in {lv.id for lv in rubric.levels} else ""
    if verdict is None:
        reached = ""
    else:
        reached = rubric.level(verdict.level).label if verdict.level is not None else lt["not_reached"]
    unmet = ", ".join(_code(i) for i in verdict.unmet) if verdict else ""
    return UnitLevel(kind=kind, kind_label=kind.label if kind else lt["unknown_kind"], asked=asked,
                     asked_label=asked_label, verdict=verdict, reached_label=reached, unmet=unmet, entries=entries)


def _code(indicator_id: str) -> str:
    return indicator_id.upper().replace("_", ".")


def level_rank(rubric: LevelRubric, label: str) -> int:
    """The colour rank of a level label (highest level first), shared with the classes'
    palette: the highest level is the best class's green; Không đạt the worst's red."""
    ordered = [lv.label for lv in sorted(rubric.levels, key=lambda lv: -lv.id)]
    return ordered.index(label) if label in ordered else 3


def indicator_figure(indicator: Indicator, entries: LevelEntries | None, kind: UnitKind | None,
                     grade_label: dict[str, str], percent_text: str) -> str:
    """The figure a unit gave for an indicator: "96/100 (96%)" or the grade; "" otherwise."""
    if entries is None:
        return ""
    entry = entries.indicators.get(indicator.id)
    if entry is None:
        return ""
    if indicator.type == IndicatorType.GRADE:
        return grade_label.get(entry.judged, "")
    if indicator.type == IndicatorType.PERCENT:
        denominator = denominator_of(indicator, entries, kind)
        if entry.count is None or not denominator:
            return ""
        return percent_text.format(so=entry.count, mau=denominator, ty_le=percent(entry.count, denominator))
    return ""


def indicator_result(u: UnitRow, indicator: Indicator, rubric: LevelRubric, texts: dict) -> str:
    """A judged unit's result on an indicator at the level it asked, with its figure
    (a percentage or a grade in brackets); "" while not judged."""
    lv = u.level
    if lv is None or lv.verdict is None or indicator.id not in lv.verdict.outcome:
        return ""
    outcome = lv.verdict.outcome[indicator.id]
    text = texts["levels"]["outcome"][outcome]
    if outcome == "khong_ap_dung" or lv.entries is None:
        return text
    entry = lv.entries.indicators.get(indicator.id)
    if entry is None:
        return text
    if indicator.type == IndicatorType.GRADE:
        figure = grade_labels(rubric).get(entry.judged, "")
    elif indicator.type == IndicatorType.PERCENT:
        denominator = denominator_of(indicator, lv.entries, lv.kind)
        figure = f"{percent(entry.count, denominator)}%" if entry.count is not None and denominator else ""
    else:
        figure = ""
    return f"{text} ({figure})" if figure else text


def grade_labels(rubric: LevelRubric) -> dict[str, str]:
    return {g.id: g.label for g in rubric.grades}


class Requirements:
    """requirement_text of one layout, each (indicator, level, kind of unit) worked out once:
    10,000 unit pages and 170,000 council rows ask for a few dozen distinct wordings."""

    def __init__(self, layout: LevelLayout) -> None:
        self._layout = layout
        self._known: dict[tuple[str, int | None, str | None], str] = {}

    def __call__(self, ind: Indicator, level: int | None, kind: UnitKind | None) -> str:
        key = (ind.id, level, kind.id if kind is not None else None)
        if key not in self._known:
            self._known[key] = requirement_text(ind, level, kind, self._layout)
        return self._known[key]


def requirement_text(ind: Indicator, level: int | None, kind: UnitKind | None, layout: LevelLayout) -> str:
    """What an indicator asks at a level, as officials read it (pages and council workbook)."""
    texts = report_texts()["levels"]
    lt, outcome_labels = texts["html"], texts["outcome"]
    rubric = layout.rubric
    if level is None or kind is None:
        return ""
    if ind.id not in layout.tier.level_indicators.get(level, ()) or not ind.applies(kind, level):
        return outcome_labels["khong_ap_dung"]
    if ind.type == IndicatorType.PERCENT:
        whom = lt["of_learners"] if ind.counts_learners(kind) else lt["of_members"]
        return lt["required_percent"].format(nguong=ind.threshold(level, kind), mau_so=whom)
    if ind.type == IndicatorType.GRADE:
        return lt["required_grade"].format(muc=rubric.grade(ind.required[level]).label)
    return lt["required_yes_no"]
