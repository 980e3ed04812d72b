"""Render the per-unit pages and the index with jinja2, into the html/ folder.

One autoescaping environment, a base template plus partials, one context dataclass per
page. Pages are self-contained (CSS and JS inline, no request leaves the page) and carry a
Content-Security-Policy that allows only our own inline style and script, by hash, so even
a slip in escaping could not run a submitted script.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from processor.judge.score import TOTAL
from processor.model.batch import BatchResult
from processor.model.issues import Issue
from processor.model.layout import COL_EVIDENCE, COL_LABEL, COL_MAX, COL_SCORE, NARRATIVE_FIELDS, Layout
from processor.model.level_layout import COL_COUNT, COL_SELF, LevelLayout
from processor.model.level_layout import COL_EVIDENCE as LEVEL_COL_EVIDENCE
from processor.model.levels import IndicatorType, LevelRubric
from processor.model.register import Coverage
from processor.model.rubric import AnyRubric
from processor.model.statuses import Status
from processor.report.palette import band_index, css_class_bars, css_class_fills
from processor.report.summary import (
    Requirements,
    Summary,
    UnitRow,
    final_colour,
    grade_labels,
    indicator_figure,
    level_rank,
    rank_labels,
    recognition_result,
    rubric_name,
)
from processor.text.dates import format_vn_date
from processor.text.normalise import display_path, match_key, safe_file_stem, unique_file_names
from processor.text.numbers import format_number, percent
from processor.text.wording import report_texts, template_texts, wording

TEMPLATES = Path(__file__).parent / "templates"
INDEX = "index.html"


@dataclass(frozen=True)
class Assets:
    css: str
    js: str
    csp: str


@dataclass(frozen=True)
class Bar:
    label: str
    width: float
    text: str
    css: str


@dataclass(frozen=True)
class Chart:
    title: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class StaticRow:
    """What a criterion's row shows on every unit page: escaped once per run, not per page."""

    id: str
    is_leaf: bool
    max: float
    max_text: str
    css: str
    head: Markup  # the TT, criterion and maximum cells
    cells: frozenset[tuple[str, str]]  # the cells whose issues mark this row


@dataclass(frozen=True)
class ScoreRow:
    css: str
    head: Markup
    score_cells: Markup  # the self-score and its bar against the maximum
    evidence: str
    html: Markup  # the whole <tr>, as _score_table.html once built it from the fields above


@dataclass(frozen=True)
class ReasonRow:
    """An unmet indicator (or a lowered leaf) and why: the council's words, or the figures'."""

    code: str
    text: str
    reason: str
    source: str


@dataclass(frozen=True)
class CouncilBlock:
    """The "Kết quả thẩm định" block of a unit page: self-assessed, verified and final result,
    which is final, the state of the council's entries, its reasons, and its entries about the
    unit that could not be applied (with the council workbook's sheet and cell)."""

    self_label: str
    verified_label: str
    final_label: str
    final_index: int | None
    finality: str
    state: str
    council_reason: str
    reasons_title: str
    reasons: tuple[ReasonRow, ...]
    issues: tuple[tuple[Issue, str], ...]  # the issue and its file as shown


@dataclass(frozen=True)
class UnitPage:
    total_label: str  # "Tổng điểm (tính lại)", or the unit's own unverified sum while Cần sửa
    name: str
    code: str
    group: str
    year: int
    report_number: str
    report_date: str
    signer: str
    status: str
    status_label: str
    class_label: str
    class_index: int
    issues: tuple[Issue, ...]
    error_count: int
    warning_count: int
    rows: tuple[ScoreRow, ...]
    total_text: str
    total_max_text: str
    narrative: tuple[tuple[str, str], ...]
    file: str
    sha_prefix: str
    superseded: tuple[str, ...]
    rubric: str
    contact: str
    email: str
    index_href: str = INDEX
    council: CouncilBlock | None = None
    standing_label: str = ""  # "Đang bảo lưu đến năm 2027", "Cần công nhận lại", the last recognition
    standing_note: str = ""  # why a covered unit sends nothing, or that this season is its last covered one
    history: tuple[HistoryRow, ...] = ()  # the register's recognitions of the unit, newest first
    # Thông tư 24/2023 seasons only:
    is_levels: bool = False
    kind_label: str = ""
    asked_label: str = ""
    reached_label: str = ""
    reached_index: int = 0
    unmet: str = ""
    capped: bool = False
    level_tables: tuple[LevelTable, ...] = ()


@dataclass(frozen=True)
class HistoryRow:
    """One recognition of the unit in the register, as its page shows it."""

    year: int
    rubric: str
    result: str
    decision: str
    decision_date: str
    valid_through: str


@dataclass(frozen=True)
class LevelRow:
    """One indicator on a unit page: what is asked at the level asked, what the unit gave,
    and the department's result."""

    css: str
    code: str
    label: str
    required: str
    figure: str
    judged: str
    evidence: str
    result: str

    @property
    def html(self) -> Markup:
        """The whole <tr>, built here rather than by a template loop (see ScoreRow.html)."""
        css = f' class="{escape(self.css)}"' if self.css else ""
        return Markup(
            f'    <tr{css}>\n      <td>{escape(self.code)}</td><td class="label">{escape(self.label)}</td>'
            f'<td>{escape(self.required)}</td>\n      <td class="num">{escape(self.figure)}</td>'
            f'<td>{escape(self.judged)}</td><td class="evidence">{escape(self.evidence)}</td>'
            f'<td>{escape(self.result)}</td>\n    </tr>\n')


@dataclass(frozen=True)
class LevelTable:
    caption: str
    required_header: str
    rows: tuple[LevelRow, ...]


@dataclass(frozen=True)
class IndexRow:
    code: str
    name: str
    group: str
    status: str
    status_label: str
    total_text: str
    total_sort: str
    class_label: str
    class_index: int
    issues_text: str
    issue_sort: str
    page: str
    search: str
    name_key: str
    kind_label: str = ""
    asked_label: str = ""
    unmet: str = ""
    final_label: str = ""
    final_index: int | None = None


@dataclass(frozen=True)
class StatsTable:
    """Counts and shares by result (rows) and group (columns) on the index page."""

    id: str
    title: str
    first: str
    groups: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # label, "n (x%)" per group; last, the valid units
    note: str = ""  # what a cell says: "Số đơn vị (Tỷ lệ trên số đơn vị hợp lệ)"


@dataclass(frozen=True)
class IndexPage:
    title: str
    rubric: str
    tiles: tuple[tuple[str, str], ...]
    charts: tuple[Chart, ...]
    columns: tuple[tuple[str, str, str], ...]
    rows: tuple[IndexRow, ...]
    groups: tuple[str, ...]
    statuses: tuple[str, ...]
    classes: tuple[str, ...]
    class_filter: str  # "Xếp loại", or "Mức độ đạt" in a Thông tư 24/2023 season
    is_levels: bool = False
    finals: tuple[str, ...] = ()  # the final results to filter by; () without the council step
    stats: tuple[StatsTable, ...] = ()


@cache
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, auto_reload=False)


@cache
def assets() -> Assets:
    css = (TEMPLATES / "static" / "style.css").read_text(encoding="utf-8")
    css = css.replace("/*class-fills*/", css_class_fills()).replace("/*class-bars*/", css_class_bars())
    js = (TEMPLATES / "static" / "index.js").read_text(encoding="utf-8")

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"

    csp = (f"default-src 'none'; style-src {digest(css)}; script-src {digest(js)}; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    return Assets(css=css, js=js, csp=csp)


def page_names(units: tuple[UnitRow, ...]) -> list[str]:
    """A file name per unit from its code (else its name): unique, ASCII, inside html/."""
    return unique_file_names((safe_file_stem(u.code or u.name, 60) for u in units), ".html", taken=(INDEX,))


def render_unit_pages(result: BatchResult, summary: Summary, names: list[str],
                      indices: Iterable[int]) -> Iterator[tuple[str, str]]:
    """(file name, HTML) of the given units, one at a time: 10,000 pages are written as
    they are rendered, never held in memory together. names: from page_names()."""
    t, lt = report_texts()["html"], report_texts()["levels"]["html"]
    template = environment().get_template("unit.html")
    if isinstance(result.layout, LevelLayout):
        parts = LevelPageParts(result.layout)
        for i in indices:
            page = _level_unit_page(result, result.layout, summary.units[i], parts)
            yield names[i], template.render(page=page, t=t, lt=lt, assets=assets())
        return
    static = static_rows(result.layout)
    for i in indices:
        yield names[i], template.render(page=_unit_page(result, summary.units[i], static), t=t, lt=lt,
                                        assets=assets())


def render_index(result: BatchResult, summary: Summary, names: list[str]) -> tuple[str, str]:
    page = _level_index_page(result, summary, names) if summary.levels else _index_page(result, summary, names)
    return INDEX, environment().get_template("index.html").render(page=page, t=report_texts()["html"],
                                                                  lt=report_texts()["levels"]["html"],
                                                                  assets=assets())


def _band_index(result: BatchResult, label: str) -> int:
    return band_index([b.label for b in result.options.rubric.bands], label)


def _num(value: float | None) -> str:
    return format_number(value) if value is not None else "—"


def static_rows(layout: Layout) -> tuple[StaticRow, ...]:
    rows = []
    for crow in layout.criterion_rows:
        c = crow.criterion
        cells = [crow.cell(col) for col in (COL_LABEL, COL_MAX, COL_SCORE, COL_EVIDENCE)]
        rows.append(StaticRow(
            id=c.id, is_leaf=c.is_leaf, max=c.max, max_text=format_number(c.max),
            css=f"depth-{c.depth}" + ("" if c.is_leaf else " group"),
            head=Markup('<td>{}</td><td class="label">{}</td><td class="num">{}</td>').format(
                crow.tt, c.label, format_number(c.max)),
            cells=frozenset((cell.sheet, cell.a1) for cell in cells),
        ))
    return tuple(rows)


@lru_cache(maxsize=4096)
def _score_cells(score: str, maximum: str, bar: float | None) -> Markup:
    """The score and its bar as two cells. Scores repeat across 10,000 pages (0,5-point
    steps of 17 leaves), so each distinct cell pair is built once; the numbers are ours,
    escaped all the same."""
    score_html, max_html = escape(score), escape(maximum)
    svg = "" if bar is None else (
        f'<svg class="bar" viewBox="0 0 100 10" width="100" height="10" role="img" aria-label="{score_html}/'
        f'{max_html}"><rect class="bar-bg" width="100" height="10"/><rect class="'
        f'{"bar-fg over" if bar > 100 else "bar-fg"}" width="{min(bar, 100):g}" height="10"/></svg>')
    return Markup(f'<td class="num">{score_html}</td><td class="bar-cell">{svg}</td>')


def _unit_page(result: BatchResult, u: UnitRow, static: tuple[StaticRow, ...]) -> UnitPage:
    rubric = result.options.rubric
    sub = u.submission
    cells_with_issue = {(i.sheet, i.cell) for i in u.issues}
    scores = sub.scores if sub else {}
    evidence = sub.evidence if sub else {}
    rows = []
    for row in static:
        score = scores.get(row.id) if row.is_leaf else u.scores.get(row.id)
        flagged = bool(cells_with_issue) and not row.cells.isdisjoint(cells_with_issue)
        css = row.css + (" has-issue" if flagged else "")
        bar = None if score is None else round(max(score, 0) / row.max * 100, 1)
        cells = _score_cells(_num(score), row.max_text, bar)
        text = evidence.get(row.id, "") if row.is_leaf else ""
        # The row as one piece of HTML: the template's loop of ~20 rows × 8 pieces was a
        # third of a page's render time at 10,000 pages. Only the evidence is the unit's text.
        rows.append(ScoreRow(css=css, head=row.head, score_cells=cells, evidence=text, html=Markup(
            f'    <tr class="{css}">\n      {row.head}{cells}\n      <td class="evidence">{escape(text)}</td>\n'
            '    </tr>\n')))
    return replace(
        _base_unit_page(result, u), class_label=u.class_label, class_index=_band_index(result, u.class_label),
        rows=tuple(rows), total_text=_num(u.scores.get(TOTAL)), total_max_text=format_number(rubric.total_max),
        total_label=report_texts()["html"]["total_unverified" if u.status == Status.TO_FIX else "total"])


def _council_block(result: BatchResult, u: UnitRow) -> CouncilBlock | None:
    final = u.final
    if final is None:
        return None
    t = report_texts()["html"]
    rows = tuple(ReasonRow(code=r.code, text=r.text, reason=r.reason,
                           source=t["by_council"] if r.by_council else t["by_figures"]) for r in final.reasons)
    return CouncilBlock(
        self_label=final.self_label, verified_label=final.verified_label, final_label=final.label,
        final_index=final_colour(result.options.rubric, final), finality=u.finality_label, state=u.review_label,
        council_reason=final.council_reason,
        reasons_title=t["reasons_title"] if result.options.rubric.kind == "levels" else t["reasons_title_points"],
        reasons=rows, issues=tuple((i, display_path(i.file)) for i in u.council_issues))


def _stats_table(table_id: str, title: str, first: str, summary: Summary, labels: Iterable[str],
                 counts: dict[str, dict[str, int]], rated: set[str]) -> StatsTable:
    """Counts with their share, "3 (42,8%)", overall then by group: the share of the units
    with a valid dossier (the rated labels), as on the workbook's Thống kê, whose last row
    gives that number; a unit still to fix or missing is counted and has no share."""
    t = report_texts()
    template = t["html"]["stats_count"]
    groups = ("", *summary.groups)
    valid = {g: sum(n for label, n in counts[g].items() if label in rated) for g in groups}

    def cell(group: str, label: str) -> str:
        n, total = counts[group][label], valid[group]
        if label not in rated:
            return str(n)
        return template.format(so=n, ty_le=f"{percent(n, total)}%" if total else "—")

    rows = tuple((label, tuple(cell(g, label) for g in groups)) for label in labels)
    return StatsTable(id=table_id, title=title, first=first, groups=(t["columns"]["all_groups"], *summary.groups),
                      rows=(*rows, (t["stats"]["valid_units"], tuple(str(valid[g]) for g in groups))),
                      note=t["html"]["stats_note"].format(ty_le=t["columns"]["share_valid"]))


def _final_stats(summary: Summary, rubric: AnyRubric) -> tuple[StatsTable, ...]:
    finals = summary.finals
    if finals is None:
        return ()
    t = report_texts()
    rated = {label for _, label in rank_labels(rubric)} | {wording("council")["not_recommended"]}
    return (_stats_table("final-stats", t["html"]["stats_final"], t["columns"]["final_result"], summary,
                         finals.labels, finals.by_group, rated),)


def _index_page(result: BatchResult, summary: Summary, names: list[str]) -> IndexPage:
    texts = report_texts()
    t = texts["html"]
    rubric = result.options.rubric
    rows = []
    for name, u in zip(names, summary.units, strict=True):
        total = u.scores.get(TOTAL)
        issues = f"{u.errors} / {u.warnings}" if u.submission else ""
        rows.append(IndexRow(
            code=u.code, name=u.name, group=u.group, status=u.status, status_label=u.status_label,
            total_text=_num(total) if u.status == Status.VALID else "",
            total_sort="" if total is None or u.status != Status.VALID else f"{total:g}",
            class_label=u.class_label, class_index=_band_index(result, u.class_label), issues_text=issues,
            issue_sort=str(u.errors * 1000 + u.warnings) if u.submission else "", page=name,
            search=match_key(" ".join((u.code, u.name, u.group))), name_key=match_key(u.name),
            final_label=u.final.label if u.final else "", final_index=final_colour(rubric, u.final),
        ))
    status_counts = summary.status_counts[""]
    class_counts = summary.class_counts[""]
    rate = summary.on_time_rate
    tiles = (
        (t["tile_units"], str(len(summary.units))),
        *((t[f"tile_{k}"], str(summary.units_with(k))) for k in summary.statuses),
        (t["tile_on_time"], f"{rate:.0%}" if rate is not None else "—"),
    )
    charts = (
        _bar_chart(t["chart_class"], [(label, n, f"bar-c{i}") for i, (label, n) in enumerate(class_counts.items())]),
        *_final_chart(result, summary),
        _bar_chart(t["chart_status"], [(label, n, f"bar-s-{key}") for key, (label, n) in
                                       zip(summary.statuses, status_counts.items(), strict=True)]),
        Chart(t["chart_criterion"], tuple(
            Bar(label=f"{s.criterion.id}", width=round((s.share or 0) * 180, 1),
                text=f"{_num(None if s.average is None else round(s.average, 1))}/{format_number(s.criterion.max)}",
                css="bar-crit")
            for s in summary.criteria if s.criterion.depth == 0 or s.criterion.is_leaf)),
    )
    final = (("final", t["final"], "text"),) if summary.finals else ()
    columns = (("code", t["code"], "text"), ("name", t["name"], "text"), ("group", t["group"], "text"),
               ("status", t["status"], "text"), ("total", t["total_short"], "num"), ("class", t["class"], "text"),
               *final, ("issues", t["issues"], "num"))
    stats = (_stats_table("self-stats", t["stats_self"], t["class"], summary, summary.class_labels,
                          summary.class_counts, {b.label for b in rubric.bands}), *_final_stats(summary, rubric))
    return IndexPage(
        title=t["index_title"].format(year=result.options.year),
        rubric=f"{rubric.legal_basis}.",
        tiles=tiles, charts=charts, columns=columns, rows=tuple(rows), groups=summary.groups,
        statuses=tuple(status_counts), classes=tuple(b.label for b in rubric.bands), class_filter=t["class"],
        finals=summary.finals.labels if summary.finals else (), stats=stats,
    )


def _final_chart(result: BatchResult, summary: Summary) -> tuple[Chart, ...]:
    """The final results' bars, coloured like the levels or classes; grey while not judged."""
    finals = summary.finals
    if finals is None:
        return ()
    t, texts = report_texts()["html"], wording("council")
    counts = finals.by_group[""]
    not_recommended = texts["not_recommended"]
    rubric = result.options.rubric

    def css(label: str) -> str:
        if label == not_recommended:
            return "bar-c3"
        if label in (texts["not_judged"], texts["missing"], texts["covered"]):
            return "bar-c4"
        if isinstance(rubric, LevelRubric):
            return f"bar-c{level_rank(rubric, label)}"
        return f"bar-c{_band_index(result, label)}"

    return (_bar_chart(t["chart_final"], [(label, n, css(label)) for label, n in counts.items()]),)


class LevelPageParts:
    """What every TT24 unit page of a run shares, worked out once instead of per page (10,000
    pages): the labels, each indicator's entry cells, each requirement's wording by level
    asked and kind of unit."""

    def __init__(self, layout: LevelLayout) -> None:
        texts = report_texts()
        self.layout = layout
        self.grades = grade_labels(layout.rubric)
        self.judged_labels = {**texts["levels"]["judged"], **self.grades}
        self.outcome_labels = texts["levels"]["outcome"]
        self.level_ids = {level.id for level in layout.rubric.levels}
        self.entry_cells = {irow.indicator.id: frozenset((irow.cell(col).sheet, irow.cell(col).a1)
                                                         for col in (COL_COUNT, COL_SELF, LEVEL_COL_EVIDENCE))
                            for crow in layout.criterion_rows for irow in crow.indicator_rows}
        self.required = Requirements(layout)


def _level_unit_page(result: BatchResult, layout: LevelLayout, u: UnitRow, parts: LevelPageParts) -> UnitPage:
    """A TT24 unit page: the identity, the level asked and reached, the fix box, and per
    criterion a table of its indicators instead of the score table."""
    rubric: LevelRubric = layout.rubric
    lt = report_texts()["levels"]["html"]
    sub, lv = u.submission, u.level
    assert lv is not None
    grades, judged_labels, outcome_labels = parts.grades, parts.judged_labels, parts.outcome_labels
    flagged = {(i.sheet, i.cell) for i in u.issues}
    asked = lv.asked if lv.asked in parts.level_ids else None
    tables = []
    for crow in layout.criterion_rows:
        rows = []
        for irow in crow.indicator_rows:
            ind = irow.indicator
            entry = lv.entries.indicators.get(ind.id) if lv.entries else None
            outcome = lv.verdict.outcome.get(ind.id, "") if lv.verdict else ""
            rows.append(LevelRow(
                css="has-issue" if flagged and not flagged.isdisjoint(parts.entry_cells[ind.id]) else "",
                code=ind.code, label=ind.label,
                required=parts.required(ind, asked, lv.kind),
                figure=indicator_figure(ind, lv.entries, lv.kind, grades, lt["figure_percent"])
                if ind.type == IndicatorType.PERCENT else "",
                judged=judged_labels.get(entry.judged, entry.judged) if entry else "",
                evidence=entry.evidence if entry else "", result=outcome_labels.get(outcome, ""),
            ))
        required_header = (lt["col_required"].format(muc_do=rubric.level(asked).label) if asked
                           else lt["col_required_plain"])
        tables.append(LevelTable(crow.criterion.label, required_header, tuple(rows)))
    return replace(_base_unit_page(result, u), is_levels=True, kind_label=lv.kind_label if lv.kind or sub else "",
                   asked_label=lv.asked_label, reached_label=lv.reached_label,
                   reached_index=level_rank(rubric, lv.reached_label), unmet=lv.unmet,
                   capped=bool(lv.verdict and lv.verdict.capped), level_tables=tuple(tables))




def _standing_fields(u: UnitRow) -> dict:
    """The unit's standing, a note when a recognition covers this season, and its history."""
    t = report_texts()["html"]
    covering = u.standing.covering
    note = ""
    if covering is not None and u.standing.coverage == Coverage.COVERED:
        note = t["covered_note"].format(ket_qua=recognition_result(covering), nam=covering.year,
                                        den_nam=covering.valid_through)
    elif covering is not None and u.standing.coverage == Coverage.RENEWAL_DUE:
        note = t["renewal_note"].format(ket_qua=recognition_result(covering), nam=covering.year)
    history = tuple(HistoryRow(year=r.year, rubric=rubric_name(r.rubric), result=recognition_result(r),
                               decision=r.decision, decision_date=format_vn_date(r.decision_date)
                               if r.decision_date else "", valid_through=str(r.valid_through or ""))
                    for r in u.standing.history)
    return {"standing_label": u.standing_label, "standing_note": note, "history": history}


def _base_unit_page(result: BatchResult, u: UnitRow) -> UnitPage:
    """The parts of a unit page both circulars share (identity, issues, narrative, files)."""
    rubric = result.options.rubric
    sub = u.submission
    identity = sub.identity if sub else {}
    labels = template_texts()["report"]["labels"]
    signer = " — ".join(x for x in (identity.get("nguoi_ky", ""), identity.get("chuc_vu_nguoi_ky", "")) if x)
    return UnitPage(
        name=u.name, code=u.code, group=u.group, year=result.options.year,
        report_number=identity.get("so_bao_cao", ""),
        report_date=format_vn_date(u.report_date) if u.report_date else identity.get("ngay_bao_cao", ""),
        signer=signer, status=u.status, status_label=u.status_label, class_label="", class_index=0,
        issues=u.issues, error_count=sum(1 for i in u.issues if i.is_error),
        warning_count=sum(1 for i in u.issues if not i.is_error), rows=(), total_text="", total_max_text="",
        total_label="", narrative=tuple((labels[k], sub.narrative.get(k, "")) for k in NARRATIVE_FIELDS) if sub else (),
        file=display_path(u.file), sha_prefix=sub.sha256[:16] if sub else "",
        superseded=tuple(display_path(s) for s in u.superseded),
        rubric=f"{rubric.id} (phiên bản {rubric.version})", contact=u.contact, email=u.email,
        council=_council_block(result, u), **_standing_fields(u),
    )


def _level_index_page(result: BatchResult, summary: Summary, names: list[str]) -> IndexPage:
    """The index of a TT24 season: level tiles and charts, a level filter, level columns."""
    texts = report_texts()
    t, lt = texts["html"], texts["levels"]["html"]
    rubric = result.options.rubric
    ls = summary.levels
    assert ls is not None
    rows = []
    for name, u in zip(names, summary.units, strict=True):
        lv = u.level
        assert lv is not None
        rows.append(IndexRow(
            code=u.code, name=u.name, group=u.group, status=u.status, status_label=u.status_label,
            total_text="", total_sort="", class_label=lv.reached_label,
            class_index=level_rank(rubric, lv.reached_label),
            issues_text=f"{u.errors} / {u.warnings}" if u.submission else "",
            issue_sort=str(u.errors * 1000 + u.warnings) if u.submission else "", page=name,
            search=match_key(" ".join((u.code, u.name, u.group, lv.kind_label))), name_key=match_key(u.name),
            kind_label=lv.kind_label, asked_label=lv.asked_label, unmet=lv.unmet,
            final_label=u.final.label if u.final else "", final_index=final_colour(rubric, u.final),
        ))
    rate = summary.on_time_rate
    by_level = ls.by_group[""]
    tiles = (
        (t["tile_units"], str(len(summary.units))),
        *((t[f"tile_{k}"], str(summary.units_with(k))) for k in summary.statuses),
        (t["tile_on_time"], f"{rate:.0%}" if rate is not None else "—"),
        *((label, str(by_level[label])) for label in ls.labels[:-1]),
    )
    status_counts = summary.status_counts[""]
    charts = (
        _bar_chart(lt["chart_level"], [(label, n, f"bar-c{level_rank(rubric, label) if i < len(ls.labels) - 1 else 4}")
                                       for i, (label, n) in enumerate(by_level.items())]),
        *_final_chart(result, summary),
        _bar_chart(t["chart_status"], [(label, n, f"bar-s-{key}") for key, (label, n) in
                                       zip(summary.statuses, status_counts.items(), strict=True)]),
        Chart(lt["chart_indicator"], tuple(
            Bar(label=s.indicator.code, width=round((s.rate or 0) * 180, 1),
                text=f"{s.met}/{s.applicable}" if s.applicable else "—", css="bar-crit")
            for s in ls.indicators)),
    )
    columns = (("code", t["code"], "text"), ("name", t["name"], "text"), ("group", t["group"], "text"),
               ("kind", lt["kind"], "text"), ("status", t["status"], "text"), ("asked", lt["asked"], "text"),
               ("class", lt["reached"], "text"), ("unmet", lt["unmet"], "text"),
               *((("final", t["final"], "text"),) if summary.finals else ()), ("issues", t["issues"], "num"))
    rated = set(ls.labels) - {texts["levels"]["not_judged"]}
    stats = (_stats_table("self-stats", t["stats_self"], lt["reached"], summary, ls.labels, ls.by_group, rated),
             *_final_stats(summary, rubric))
    return IndexPage(
        title=t["index_title"].format(year=result.options.year), rubric=f"{rubric.legal_basis}.",
        tiles=tiles, charts=charts, columns=columns, rows=tuple(rows), groups=summary.groups,
        statuses=tuple(status_counts), classes=ls.labels[:-1], class_filter=lt["reached"], is_levels=True,
        finals=summary.finals.labels if summary.finals else (), stats=stats,
    )


def _bar_chart(title: str, items: list[tuple[str, int, str]]) -> Chart:
    top = max((n for _, n, _ in items), default=0) or 1
    return Chart(title, tuple(Bar(label=label, width=round(n / top * 180, 1), text=str(n), css=css)
                              for label, n, css in items))


def write_pages(pages: Iterable[tuple[str, str]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, html in pages:
        (folder / name).write_bytes(html.encode("utf-8"))
