"""Turn a BatchResult into the rows and figures both reports show.

The consolidated workbook and the HTML pages read the same Summary, so a count or a
status can never differ between the two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd

from processor.judge.score import CLASS, TOTAL
from processor.model.batch import BatchResult
from processor.model.issues import Issue
from processor.model.records import FileResult, Resolution, usable_report_date
from processor.model.rubric import Criterion
from processor.model.statuses import Outcome, Status
from processor.text.normalise import display_path
from processor.text.wording import report_texts


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
    table = result.scores
    criterion_ids = [c.id for c in rubric.walk()]
    units: list[UnitRow] = []
    for i, u in enumerate(result.resolution.units):
        sub = u.submission
        row = table.loc[i]
        report_date = sub.report_date if sub else None
        units.append(UnitRow(
            code=u.unit.code, name=u.unit.name, group=u.unit.group, email=u.unit.email,
            contact=u.unit.contact, status=u.status, status_label=texts["status"][u.status],
            scores={cid: _num(row[cid]) for cid in [*criterion_ids, TOTAL]},
            class_label=str(row[CLASS]),
            errors=sub.errors if sub else 0, warnings=sub.warnings if sub else 0,
            report_date=report_date,
            on_time=_on_time(sub, deadline),
            file=sub.rel if sub else "", in_roster=u.in_roster,
            issues=tuple(sorted(sub.issues, key=lambda x: 0 if x.is_error else 1)) if sub else (),
            submission=sub, superseded=tuple(s.rel for s in u.superseded),
        ))

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
        file_rows.append(FileRow(found.rel, fr.size, fr.sha256, result.resolution.unit_of_file.get(found.rel, ""),
                                 outcome, outcome_labels[outcome], note))

    label_of_unit = {(u.code or u.name): f"{u.code} {u.name}".strip() for u in units}
    unit_label = {fr.rel: label_of_unit.get(key, key) for fr in result.resolution.files
                  if (key := result.resolution.unit_of_file.get(fr.rel, ""))}
    issues = sorted(((i, unit_label.get(i.file, "")) for f in result.resolution.files for i in f.issues),
                    key=lambda pair: (0 if pair[0].is_error else 1, pair[0].file))

    groups = tuple(sorted({u.group for u in units if u.group}))
    class_labels = (*[b.label for b in rubric.bands], texts["no_class"])
    status_labels = [texts["status"][k] for k in Status]
    class_counts = {g: dict.fromkeys(class_labels, 0) for g in ("", *groups)}
    status_counts = {g: dict.fromkeys(status_labels, 0) for g in ("", *groups)}
    for u in units:
        label = u.class_label or texts["no_class"]
        for g in {"", u.group} & set(class_counts):
            if u.status != Status.MISSING:
                class_counts[g][label] += 1
            status_counts[g][u.status_label] += 1

    valid_rows = [i for i, u in enumerate(units) if u.status == Status.VALID]
    stats = []
    for c in rubric.walk():
        values = table.loc[valid_rows, c.id].dropna() if valid_rows else pd.Series(dtype=float)
        average = float(values.mean()) if len(values) else None
        stats.append(CriterionStat(c, average, average / c.max if average is not None else None))

    submitted = [u for u in units if u.status != Status.MISSING]
    return Summary(
        units=tuple(units), files=tuple(file_rows), issues=tuple(issues), groups=groups,
        class_labels=class_labels, class_counts=class_counts, status_counts=status_counts,
        criteria=tuple(stats), submitted=len(submitted),
        on_time=sum(1 for u in submitted if u.on_time is True),
        late=sum(1 for u in submitted if u.on_time is False),
        no_date=sum(1 for u in submitted if u.on_time is None),
    )


def _on_time(sub: FileResult | None, deadline: date | None) -> bool | None:
    """Unknown without a deadline or a plausible report date: a 1900 date is not on time."""
    report_date = usable_report_date(sub) if sub else None
    return None if (report_date is None or deadline is None) else report_date <= deadline


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
