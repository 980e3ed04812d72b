"""Judge one RawSubmission: parse every field, and say in Vietnamese what a unit must fix.

Each check is a small function that yields Issues; all findings of a file come out of one
pass. Roster-dependent checks (unknown code, misspelt name) belong to processor.resolve.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from processor.dates import format_vn_date, parse_vn_date, run_date
from processor.guards import Limits
from processor.issues import Issue, format_number, make_issue
from processor.layout import Layout, build_layout, layout_of_file
from processor.records import FileResult, RawSubmission
from processor.rubric import Rubric, is_multiple
from processor.settings import load_template_texts
from processor.textnorm import clean_text, nfc

_NUMBER_TEXT = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_EXCEL_EPOCH = date(1899, 12, 30)
DATE_UNUSUAL = "date-unusual"  # resolve and summary treat such a date as no date at all


@dataclass(frozen=True)
class CheckContext:
    """Everything the per-file step needs; small and picklable, sent to every worker."""

    rubric: Rubric
    year: int
    deadline: date | None
    limits: Limits = field(default_factory=Limits)
    today: date = field(default_factory=run_date)  # report dates after it are implausible


def validate(raw: RawSubmission, ctx: CheckContext) -> FileResult:
    layout = layout_of_file(ctx.rubric, raw.meta.get("template_format"))
    issues = list(raw.issues)
    values = raw.values
    identity = {k: nfc(as_text(values[f"id.{k}"])) for k in layout.identity if f"id.{k}" in values}
    narrative = {k: as_text(values[f"nar.{k}"]) for k in layout.narrative if f"nar.{k}" in values}
    evidence = {leaf.id: as_text(values[f"evid.{leaf.id}"]) for leaf in ctx.rubric.leaves
                if f"evid.{leaf.id}" in values}
    scores: dict[str, float | None] = {}
    report_date: date | None = None

    if raw.meta:
        issues.extend(_check_year(raw, ctx))
    if raw.format_known:
        issues.extend(_check_identity_name(raw, layout))
        issues.extend(_check_unit_code(raw, layout, identity))
        report_date, date_issues = _check_date(raw, layout, ctx)
        issues.extend(date_issues)
        issues.extend(_check_year_cell(raw, layout, ctx))
    if raw.rubric_matches:
        issues.extend(_check_locked_content(raw, layout))
        for leaf in ctx.rubric.leaves:
            score, found = _parse_score(raw, layout, leaf.id, leaf.max, ctx.rubric.step)
            scores[leaf.id] = score
            issues.extend(found)
            if score and score > 0 and not evidence.get(leaf.id):
                cell = layout.evidence_cell(leaf.id)
                issues.append(make_issue("evidence-missing", raw.rel, cell.sheet, cell.a1,
                                         tieu_chi=leaf.id, diem=format_number(score)))
        issues.extend(_check_stated_sums(raw, layout, scores))
    return FileResult(
        rel=raw.rel, size=raw.size, sha256=raw.sha256, mtime=raw.mtime,
        identity=identity, report_date=report_date, scores=scores, evidence=evidence,
        narrative=narrative, issues=tuple(issues),
        identifiable=bool(identity.get("ten_don_vi") or identity.get("ma_don_vi")),
    )


def as_text(value: Any) -> str:
    """A cell as text for identity and narrative: codes typed as numbers lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return format_vn_date(value.date())
    if isinstance(value, date):
        return format_vn_date(value)
    return clean_text(str(value))


def _check_year(raw: RawSubmission, ctx: CheckContext) -> Iterator[Issue]:
    year = raw.meta.get("year", "")
    if year and year != str(ctx.year):
        cell = build_layout(ctx.rubric).meta["year"]
        yield make_issue("wrong-year", raw.rel, cell.sheet, cell.a1, gia_tri=year, nam=ctx.year)


def _check_identity_name(raw: RawSubmission, layout: Layout) -> Iterator[Issue]:
    cell = layout.identity["ten_don_vi"]
    if "id.ten_don_vi" in raw.values and not as_text(raw.values["id.ten_don_vi"]):
        yield make_issue("name-missing", raw.rel, cell.sheet, cell.a1)


def _check_unit_code(raw: RawSubmission, layout: Layout, identity: dict[str, str]) -> Iterator[Issue]:
    """A per-unit template names its unit in the hidden sheet too; a code typed over the
    locked one (or another unit's copied file) must not be credited without a word."""
    expected = nfc(raw.meta.get("unit_code", ""))
    typed = identity.get("ma_don_vi", "")
    if expected and typed and typed.casefold() != expected.casefold():
        cell = layout.identity["ma_don_vi"]
        yield make_issue("unit-code-mismatch", raw.rel, cell.sheet, cell.a1, gia_tri=typed, mong_doi=expected)


def _check_date(raw: RawSubmission, layout: Layout, ctx: CheckContext) -> tuple[date | None, list[Issue]]:
    cell = layout.identity["ngay_bao_cao"]
    if "id.ngay_bao_cao" not in raw.values:
        return None, []
    value = raw.values["id.ngay_bao_cao"]
    parsed = parse_cell_date(value)
    where = (raw.rel, cell.sheet, cell.a1)
    if parsed is None:
        text = as_text(value)
        if not text:
            return None, [make_issue("date-missing", *where, nam_sau=ctx.year + 1)]
        return None, [make_issue("date-invalid", *where, gia_tri=text, nam_sau=ctx.year + 1)]
    first_day = date(ctx.year, 1, 1)
    if not first_day <= parsed <= ctx.today:
        # 1900, 2020 or a mistyped 2062: neither on time nor late, and no tie-breaker
        return parsed, [make_issue(DATE_UNUSUAL, *where, gia_tri=format_vn_date(parsed),
                                   tu_ngay=format_vn_date(first_day), hom_nay=format_vn_date(ctx.today))]
    if ctx.deadline and parsed > ctx.deadline:
        return parsed, [make_issue("late", *where, gia_tri=format_vn_date(parsed),
                                   han_nop=format_vn_date(ctx.deadline))]
    return parsed, []


def parse_cell_date(value: Any) -> date | None:
    """A real date cell, a dd/mm/yyyy text, or an Excel serial number typed without format."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 < value < 80000:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    if isinstance(value, str) and value.strip():
        return parse_vn_date(value)
    return None


def _check_year_cell(raw: RawSubmission, layout: Layout, ctx: CheckContext) -> Iterator[Issue]:
    value = raw.values.get("id.nam_danh_gia")
    text = as_text(value)
    if text and text != str(ctx.year):
        cell = layout.identity["nam_danh_gia"]
        yield make_issue("year-cell-mismatch", raw.rel, cell.sheet, cell.a1, gia_tri=text, nam=ctx.year)


def _check_locked_content(raw: RawSubmission, layout: Layout) -> Iterator[Issue]:
    for crow in layout.criterion_rows:
        c = crow.criterion
        label = raw.values.get(f"label.{c.id}")
        if label != c.label:
            label = " ".join(as_text(label).split())
        if label != c.label:
            cell = crow.cell(1)
            yield make_issue("label-changed", raw.rel, cell.sheet, cell.a1, tieu_chi=c.id,
                             gia_tri=_short(label or "(trống)"))
        stated = _as_number(raw.values.get(f"max.{c.id}"))
        if stated is None or abs(stated - c.max) > 1e-9:
            cell = crow.cell(2)
            shown = format_number(stated) if stated is not None else as_text(raw.values.get(f"max.{c.id}")) or "(trống)"
            yield make_issue("max-changed", raw.rel, cell.sheet, cell.a1, tieu_chi=c.id,
                             gia_tri=_short(shown), toi_da=format_number(c.max))


def _parse_score(raw: RawSubmission, layout: Layout, cid: str, maximum: float,
                 step: float) -> tuple[float | None, list[Issue]]:
    value = raw.values.get(f"score.{cid}")

    def issue(code: str, **extra: Any) -> Issue:
        cell = layout.score_cell(cid)
        return make_issue(code, raw.rel, cell.sheet, cell.a1, tieu_chi=cid, toi_da=format_number(maximum),
                          buoc=format_number(step), **extra)

    found: list[Issue] = []
    if value is None or (isinstance(value, str) and not value.strip()):
        behind = str(raw.values.get(f"xml.{cid}", ""))
        if behind.startswith("error:"):
            return None, [issue("score-not-number", gia_tri=_short(behind.removeprefix("error:")))]
        if behind.startswith("formula:"):
            return None, [issue("score-formula", gia_tri=f" ={_short(behind.removeprefix('formula:'), 40)}")]
        return None, [issue("score-missing")]
    number = _as_number(value)
    if number is None and isinstance(value, str):
        number = _number_from_text(value)
        if number is not None:
            found.append(issue("score-as-text", gia_tri=_short(value.strip()), diem=format_number(number)))
    if number is None:
        return None, [issue("score-not-number", gia_tri=_short(as_text(value)))]
    if number < 0:
        found.append(issue("score-negative", gia_tri=format_number(number)))
    elif number > maximum + 1e-9:
        found.append(issue("score-above-max", gia_tri=format_number(number)))
    elif not is_multiple(number, step):
        found.append(issue("score-step", gia_tri=format_number(number)))
    return number, found


def _check_stated_sums(raw: RawSubmission, layout: Layout, scores: dict[str, float | None]) -> Iterator[Issue]:
    """A typed-over or stale group total hides a wrong leaf (the 2021 report's 3c)."""
    groups = [(cid, f"sum.{cid}", cell, leaves) for cid, cell, leaves in layout.group_leaves]
    total_label = load_template_texts()["scores"]["total_label"].lower()
    groups.append((total_label, "sum.total", layout.total_cell, tuple(leaf.id for leaf in layout.rubric.leaves)))
    for cid, key, cell, leaves in groups:
        stated = _as_number(raw.values.get(key))
        parts = [scores.get(leaf) for leaf in leaves]
        if stated is None or any(p is None for p in parts):
            continue
        recomputed = math.fsum(p for p in parts if p is not None)
        if abs(stated - recomputed) > 1e-6:
            yield make_issue("total-mismatch", raw.rel, cell.sheet, cell.a1, tieu_chi=cid,
                             gia_tri=format_number(stated), diem=format_number(recomputed))


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _number_from_text(text: str) -> float | None:
    """A number typed as text; NFKC first, so full-width digits and punctuation typed with a
    Japanese or Chinese input method ("８．５") are the number they look like."""
    cleaned = unicodedata.normalize("NFKC", nfc(text)).replace(" ", "")
    if not _NUMBER_TEXT.match(cleaned):
        return None
    value = float(cleaned.replace(",", "."))
    return value if math.isfinite(value) else None


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
