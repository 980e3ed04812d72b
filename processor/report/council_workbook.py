"""Write the council's workbook (tham_dinh/ThamDinh_DVHT_<year>.xlsx): created by the first
run of a season, then updated, never overwritten, by every later one.

Updated means: every row the workbook had keeps its place and every value typed into its
yellow cells is written back exactly as read (even one the judge could not use); rows of new
units and new indicators are added at the end; the locked cells (the unit's figures, the
computed and final results, the state of the council's entries) are refreshed. The previous
version is copied beside it, under its own save time, before it is replaced in one rename; a
workbook that Excel or LibreOffice has open, or that cannot be read, is left as it is. The
workbook is rebuilt from the shared layout with xlsxwriter rather than edited in place, so
that what we write is always exactly our layout, and since the sheets and their structure
are locked, the yellow cells are the only place a person can have typed anything.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from processor import __version__
from processor.intake.council import lock_file
from processor.model.batch import BatchResult
from processor.model.council import CouncilEntries, ReviewState, UnitEntries, council_key, file_code
from processor.model.council_layout import FORMAT_VERSION, HEADER_ROW, KEY_SEPARATOR, CouncilLayout, Sheet
from processor.model.level_layout import LevelLayout
from processor.model.levels import IndicatorType, LevelRubric, UnitKind, denominator_of
from processor.model.records import UnitResult
from processor.model.rubric import Rubric
from processor.report.printing import page_setup, row_height, wraps
from processor.report.sheet_rows import RowSplice, register_formats, rewrite_workbook
from processor.report.summary import Requirements, Summary, indicator_figure
from processor.system.oserrors import describe
from processor.template.base import BaseWriter
from processor.template.lock import structure_locked
from processor.text.normalise import display_path
from processor.text.numbers import format_number
from processor.text.wording import report_texts, wording


class UpdateStatus(StrEnum):
    CREATED = "created"
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    OPEN = "open"  # open in Excel or LibreOffice: left as it is
    UNREADABLE = "unreadable"  # could not be read: left as it is
    NOT_UPDATED = "not_updated"  # writing failed: the previous version stands


@dataclass(frozen=True)
class CouncilUpdate:
    status: UpdateStatus
    path: Path
    backup: Path | None = None
    detail: str = ""
    lock: Path | None = None  # the lock file that says the workbook is open

    def line(self) -> str:
        """The console line that says what became of the workbook."""
        t = wording("council")["console"]
        shown, detail = str(self.path), self.detail
        if self.status == UpdateStatus.OPEN:
            return t["open"].format(duong_dan=shown, boi=t.get(f"by_{detail}", detail), tep_khoa=self.lock)
        if self.status == UpdateStatus.UNREADABLE:
            return t["unreadable"].format(duong_dan=shown, ly_do=detail)
        if self.status == UpdateStatus.NOT_UPDATED:
            return t["not_updated"].format(duong_dan=shown, ly_do=detail)
        if self.status == UpdateStatus.WRITTEN:
            return t["written"].format(duong_dan=shown, ban_sao=self.backup)
        return t[self.status.value].format(duong_dan=shown)


Row = dict[str, Any]
NUMBER_ENTRIES = ("verdict", "score")  # a count or points may be typed there; every other entry is text


def update_council_workbook(result: BatchResult, summary: Summary, path: Path, password: str) -> CouncilUpdate:
    """Bring the council workbook up to date with this run, keeping everything typed into it."""
    council = result.council
    assert council is not None and result.council_layout is not None
    entries = council.entries
    if entries.unreadable:
        return CouncilUpdate(UpdateStatus.UNREADABLE, path, detail=entries.unreadable)
    owner, lock = lock_file(path)
    if owner:
        return CouncilUpdate(UpdateStatus.OPEN, path, detail=owner, lock=lock)
    if entries.keep_as_is:
        return CouncilUpdate(UpdateStatus.NOT_UPDATED, path, detail=entries.keep_as_is)
    layout = result.council_layout
    units, items = council_rows(result, summary, layout)
    if entries.exists and _same(entries, units, items):
        return CouncilUpdate(UpdateStatus.UNCHANGED, path)
    try:
        if _saved_since(entries, path):  # rebuilt from what was read, it would undo that save
            return CouncilUpdate(UpdateStatus.NOT_UPDATED, path, detail=wording("council")["saved_meanwhile"])
        path.parent.mkdir(parents=True, exist_ok=True)
        backup = _backup(path) if path.exists() else None
        draft = path.with_name(f".{path.stem}.moi-{os.getpid()}.xlsx")
        try:
            _write(draft, result, layout, units, items, password)  # structure locked in its one rewrite
            os.replace(draft, path)
        finally:
            if draft.exists():
                draft.unlink()
    except OSError as exc:
        return CouncilUpdate(UpdateStatus.NOT_UPDATED, path, detail=describe(exc))
    return CouncilUpdate(UpdateStatus.WRITTEN if backup else UpdateStatus.CREATED, path, backup=backup)


def _saved_since(entries: CouncilEntries, path: Path) -> bool:
    """The workbook is not the one the run read: someone saved it (or made it) meanwhile."""
    if not path.exists():
        return entries.exists
    if not entries.exists:
        return True
    return hashlib.sha256(path.read_bytes()).hexdigest() != entries.read_sha256


def _backup(path: Path) -> Path:
    """A copy of the version about to be replaced, named after the time it was saved. A
    name already taken by the same bytes is that copy; by other bytes (another version saved
    in the same second, or copied with its date kept), the next free name is used."""
    saved = datetime.fromtimestamp(path.stat().st_mtime)
    stem = f"{path.stem}_ban_luu_{saved:%Y%m%d-%H%M%S}"
    data = path.read_bytes()
    n = 1
    while True:
        target = path.with_name(f"{stem}{f'_{n}' if n > 1 else ''}{path.suffix}")
        if not target.exists():
            shutil.copy2(path, target)
            return target
        if target.is_file() and target.read_bytes() == data:
            return target
        n += 1


def _same(entries: CouncilEntries, units: list[Row], items: list[Row]) -> bool:
    """Nothing to write: the same rows, in the same order, with the same values."""
    if entries.rows != (tuple(r["key"] for r in units), tuple(r["key"] for r in items)):
        return False
    old_units, old_items = entries.previous
    return (all(_comparable(old_units.get(r["key"], {})) == _comparable(r) for r in units)
            and all(_comparable(old_items.get(r["key"], {})) == _comparable(r) for r in items))


def _comparable(row: Row) -> dict[str, str]:
    out = {}
    for key, value in row.items():
        if key.startswith("_"):
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = "" if value is None else str(value)
        if text:
            out[key] = text
    return out


# ---- the rows ---------------------------------------------------------------------------

def council_rows(result: BatchResult, summary: Summary, layout: CouncilLayout) -> tuple[list[Row], list[Row]]:
    """Every row of both sheets, in their order: the workbook's rows first, then new ones."""
    council = result.council
    assert council is not None
    entries = council.entries
    old_units, old_items = entries.previous
    current_units: dict[str, Row] = {}
    current_items: dict[str, Row] = {}
    requirements = Requirements(result.layout) if isinstance(result.layout, LevelLayout) else None
    for i, u in enumerate(result.resolution.units):
        key = council_key(u.unit)
        row = _unit_row(result, summary, i, u, entries.units.get(key), layout)
        current_units[key] = {**old_units.get(key, {}), **row, **_typed(old_units.get(key, {}), layout.units)}
        for item_row in _item_rows(result, summary, i, u, layout, requirements):
            k = item_row["key"]
            current_items[k] = {**old_items.get(k, {}), **item_row, **_typed(old_items.get(k, {}), layout.items)}
    texts = wording("council")
    units = _ordered(entries.rows[0] if entries.rows else (), old_units, current_units,
                     lambda r: {"state": texts["state"]["gone"], "file_sha": ""})
    withdrawn = {k for k, r in current_units.items() if not r.get("file_sha")}
    items = _ordered(entries.rows[1] if len(entries.rows) > 1 else (), old_items, current_items,
                     lambda r: {"item_state": texts["item_state"]["withdrawn" if r["key"].rsplit(KEY_SEPARATOR, 1)[0]
                                                                 in withdrawn else "not_current"]})
    for n, row in enumerate(units, 1):
        row["stt"] = n
    for n, row in enumerate(items, 1):
        row["stt"] = n
    return units, items


def _ordered(order: tuple[str, ...], old: dict[str, Row], current: dict[str, Row], gone) -> list[Row]:  # type: ignore[no-untyped-def]
    rows = []
    seen = set()
    for key in order:
        if key in seen:
            continue
        seen.add(key)
        if key in current:
            rows.append(current[key])
        elif key in old:
            rows.append({**old[key], **gone(old[key])})
    rows += [row for key, row in current.items() if key not in seen]
    return rows


def _typed(old: Row, sheet: Sheet) -> Row:
    """The entry cells of a row as the council left them (blank ones omitted)."""
    return {k: old[k] for k in sheet.entry_keys if old.get(k) not in (None, "")}


def _unit_row(result: BatchResult, summary: Summary, i: int, u: UnitResult, ue: UnitEntries | None,
              layout: CouncilLayout) -> Row:
    texts, rt = wording("council"), report_texts()
    council = result.council
    assert council is not None
    final = council.finals[i]
    state = council.states.get(i, ReviewState.NONE)
    sub = u.submission
    files = [f for f in (sub, *u.superseded) if f is not None]
    row: Row = {
        "key": council_key(u.unit), "code": u.unit.code, "name": u.unit.name, "group": u.unit.group,
        "status": rt["status"][u.status],
        "file": display_path(sub.rel) if sub else "", "file_code": file_code(sub.sha256) if sub else "",
        "files": "\n".join(f"{file_code(f.sha256)} {display_path(f.rel)}" for f in files) if len(files) > 1 else "",
        "self": final.self_label, "verified": final.verified_label, "final": final.label,
        "finality": texts["finality"][final.finality_key],
        "file_sha": sub.sha256 if sub else "",
    }
    if layout.kind == "levels":
        level = summary.units[i].level
        row["kind"] = level.kind_label if level and level.kind else ""
        row["asked"] = level.asked_label if level else ""
    row["state"] = summary.units[i].review_label  # the same words as the consolidated workbook's
    if ue is not None and ue.spoken:
        row["entries_sha"] = sub.sha256 if state == ReviewState.APPLIED and sub else ue.sha256
    else:
        row["entries_sha"] = ""
    return row


def _item_rows(result: BatchResult, summary: Summary, i: int, u: UnitResult, layout: CouncilLayout,
               requirements: Requirements | None) -> list[Row]:
    """requirements: the requirement wordings of the run's TT24 layout, shared by every unit."""
    sub = u.submission
    if sub is None:
        return []
    council = result.council
    assert council is not None
    key = council_key(u.unit)
    state = council.states.get(i, ReviewState.NONE)
    applied = set(council.applied_items.get(i, ()))
    texts = wording("council")
    rows: list[Row] = []
    base = {"code": u.unit.code, "name": u.unit.name}

    def item_state(item_id: str, typed: bool) -> str:
        if state == ReviewState.STALE:
            return texts["item_state"]["stale"]
        if item_id in applied:
            return texts["item_state"]["applied"]
        return texts["item_state"]["rejected"] if typed else ""

    ue = council.entries.units.get(key)
    typed_items = ue.items if ue is not None else {}
    value_key = "verdict" if layout.kind == "levels" else "score"
    as_read = council.entries.previous[1]

    def was_typed(item_id: str) -> bool:
        """A value is in the cell, read or not (one the reader refused has no entry)."""
        entry = typed_items.get(item_id)
        return bool(entry is not None and entry.raw) or as_read.get(f"{key}{KEY_SEPARATOR}{item_id}", {}).get(
            value_key) not in (None, "")
    rubric = result.options.rubric
    if isinstance(rubric, LevelRubric):
        level_layout = result.layout
        assert isinstance(level_layout, LevelLayout)
        tier = level_layout.tier
        entries = sub.levels
        row_level = summary.units[i].level
        kind: UnitKind | None = row_level.kind if row_level else None
        asked = (entries.level_asked if entries else None) or 1
        outcome = row_level.verdict.outcome if row_level and row_level.verdict else {}
        grade_label = {g.id: g.label for g in rubric.grades}
        lt = report_texts()["levels"]
        assert requirements is not None
        indicators = [ind for ind in tier.indicators if ind.id in tier.level_indicators[asked]
                      and (kind is None or ind.applies(kind, asked))]
        for ind in indicators:
            entry = entries.indicators.get(ind.id) if entries else None
            typed = was_typed(ind.id)
            rows.append({
                **base, "key": f"{key}{KEY_SEPARATOR}{ind.id}", "item": ind.code, "item_text": ind.label,
                "requirement": requirements(ind, asked, kind),
                "self_judged": (grade_label.get(entry.judged, "") if ind.type == IndicatorType.GRADE
                                else lt["judged"].get(entry.judged, "")) if entry else "",
                "figure": (indicator_figure(ind, entries, kind, grade_label, lt["html"]["figure_percent"])
                           if entries else ""),
                "evidence": entry.evidence if entry else "",
                "computed": lt["outcome"].get(outcome.get(ind.id, ""), ""),
                "item_state": item_state(ind.id, typed),
                "_type": ind.type.value,
                "_max": (denominator_of(ind, entries, kind) if entries and ind.type == IndicatorType.PERCENT
                         else None),
            })
        return rows
    assert isinstance(rubric, Rubric)
    for leaf in rubric.leaves:
        score = sub.scores.get(leaf.id)
        typed = was_typed(leaf.id)
        rows.append({
            **base, "key": f"{key}{KEY_SEPARATOR}{leaf.id}", "item": leaf.id, "item_text": leaf.label,
            "max": leaf.max, "self_score": score if isinstance(score, int | float) else "",
            "evidence": sub.evidence.get(leaf.id, ""), "item_state": item_state(leaf.id, typed),
            "_type": "score", "_max": leaf.max,
        })
    return rows


# ---- the workbook -----------------------------------------------------------------------

class _Writer(BaseWriter):
    def __init__(self, password: str, year: int) -> None:
        self.password, self.year = password, year


def _write(path: Path, result: BatchResult, layout: CouncilLayout, units: list[Row], items: list[Row],
           password: str) -> None:
    texts = wording("council")
    year = result.options.year
    writer = _Writer(password, year)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False,
                                         "default_format_properties": {"font_name": "Times New Roman",
                                                                       "font_size": 12}})
    writer.f = writer._formats(wb)
    f = writer.f
    f["cell"] = wb.add_format({"font_name": "Times New Roman", "font_size": 11, "valign": "top", "border": 1,
                               "text_wrap": True, "num_format": "@"})
    f["cell_number"] = wb.add_format({"font_name": "Times New Roman", "font_size": 11, "valign": "top", "border": 1,
                                      "align": "center"})
    f["input"] = wb.add_format({"font_name": "Times New Roman", "font_size": 11, "valign": "top", "border": 1,
                                "text_wrap": True, "locked": False, "bg_color": "#FFF2CC"})
    # text entries are text cells, so "=…" typed as a reason stays text in Excel and LibreOffice
    f["input_text"] = wb.add_format({"font_name": "Times New Roman", "font_size": 11, "valign": "top", "border": 1,
                                     "text_wrap": True, "locked": False, "bg_color": "#FFF2CC", "num_format": "@"})
    stamp = datetime.combine(result.options.today, datetime.min.time())
    wb.set_properties({"title": texts["title"].format(nam=year), "comments": f"dvht {__version__} tham-dinh",
                       "created": stamp})
    guide_lines = texts["guide" if layout.kind == "levels" else "guide_points"]
    ph = {"trang_chi_tieu": layout.items.name, "trang_ket_luan": layout.units.name,
          "buoc": format_number(getattr(result.options.rubric, "step", 0.5))}
    guide = wb.add_worksheet(layout.guide)
    lines = [line.format(**ph) for line in guide_lines]
    writer._guide_sheet(guide, texts["title"].format(nam=year), result.options.rubric.legal_basis, [("", lines)])
    # a column as wide as a portrait page's printable width (LibreOffice prints the 110 wide one
    # past the right edge), and the guide's rows as _guide_sheet writes them (title, basis, a
    # blank, the heading, the lines), each as tall as its wrapped text at 12 points
    guide.set_column(0, 0, 88)
    for r, line in enumerate([texts["title"].format(nam=year), result.options.rubric.legal_basis, "", "", *lines]):
        if height := row_height([(line, 88 * 11 / 12)], bold=r == 0):
            guide.set_row(r, height * 14 / 11 if r == 0 else height * 12 / 11)
    page_setup(guide, widths=[88], title=texts["title"].format(nam=year), landscape=False)
    conclusion_options = [o.text for o in layout.options]
    splices: list[RowSplice] = []
    conclusion = (layout.units.index["conclusion"], {
        "validate": "list", "source": conclusion_options, "error_type": "stop",
        "error_title": "Kết luận", "error_message": "Hãy chọn một kết luận trong danh sách (hoặc để trống)."})
    _sheet(wb, writer, layout.units, units, texts, year, result, lambda row: [conclusion], splices)
    rubric = result.options.rubric
    grades = [g.label for g in rubric.grades] if isinstance(rubric, LevelRubric) else []
    verdicts = [texts["verdict"]["dat"], texts["verdict"]["khong_dat"]]

    def item_validation(row: Row) -> list[tuple[int, dict[str, Any]]]:
        col = layout.items.index["verdict" if layout.kind == "levels" else "score"]
        kind, top = row.get("_type"), row.get("_max")
        if kind == "yes_no":
            spec: dict[str, Any] = {"validate": "list", "source": verdicts}
        elif kind == "grade":
            spec = {"validate": "list", "source": grades}
        elif kind == "percent":
            spec = ({"validate": "integer", "criteria": "between", "minimum": 0, "maximum": int(top)} if top
                    else {"validate": "integer", "criteria": ">=", "value": 0})
            spec["input_message"] = "Số thành viên (hoặc người học) đạt mà Hội đồng xác nhận."
        elif kind == "score":
            spec = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": float(top or 0)}
        else:
            return []
        return [(col, {**spec, "error_type": "stop", "error_title": "Kết quả thẩm định",
                       "error_message": "Giá trị không hợp lệ cho chỉ tiêu này."})]

    _sheet(wb, writer, layout.items, items, texts, year, result, item_validation, splices)
    meta = wb.add_worksheet(layout.meta)
    for r, (k, v) in enumerate([("format", FORMAT_VERSION), ("rubric", rubric.id), ("year", str(year)),
                                ("generator", f"dvht {__version__}")]):
        meta.write_string(r, 0, k)
        meta.write_string(r, 1, v)
    meta.protect(password)
    meta.very_hidden()
    wb.close()
    rewrite_workbook(path, splices, lambda name, data: structure_locked(name, data, password))


VALIDATION_RANGES = 400  # ranges per data validation: its sqref stays a few kilobytes
_PLAIN_TYPES = frozenset({str, int, float, type(None)})  # a row's values as they are spliced


def _runs(cells: list[tuple[int, int]]) -> list[str]:
    """Cells of one column as A1 ranges of consecutive rows ("M5:M9 M12")."""
    out: list[str] = []
    start = prev = cells[0]
    for cell in [*cells[1:], None]:
        if cell is not None and cell[1] == prev[1] and cell[0] == prev[0] + 1:
            prev = cell
            continue
        a, b = xl_rowcol_to_cell(*start), xl_rowcol_to_cell(*prev)
        out.append(a if a == b else f"{a}:{b}")
        if cell is not None:
            start = prev = cell
    return out


def _sheet(wb: xlsxwriter.Workbook, writer: _Writer, sheet: Sheet, rows: list[Row], texts: dict, year: int,
           result: BatchResult, validations, splices: list[RowSplice]) -> None:  # type: ignore[no-untyped-def]
    f = writer.f
    ws = wb.add_worksheet(sheet.name)
    last = len(sheet.columns) - 1
    shown = [c for c in sheet.columns if not c.hidden]  # the hidden key columns are the last ones
    width = sum(c.width for c in shown)
    title = texts["title"].format(nam=year)
    subtitle = texts["subtitle"].format(can_cu=result.options.rubric.legal_basis.split(" quy định")[0])
    # over the whole table, wrapped: printed whole, not cut at the edge of column A
    ws.merge_range(0, 0, 0, len(shown) - 1, title, f["heading"])
    ws.merge_range(1, 0, 1, len(shown) - 1, subtitle, f["note"])
    if height := row_height([(subtitle, width * 11 / 12)]):
        ws.set_row(1, height * 12 / 11)
    for c, column in enumerate(sheet.columns):
        ws.set_column(c, c, column.width, None, {"hidden": column.hidden})
        ws.write_string(HEADER_ROW, c, column.header, f["header"])
    ws.set_row(HEADER_ROW, max(48, (row_height([(c.header, c.width * 11 / 12) for c in shown], bold=True) or 0)
                               * 12 / 11))
    # The rows as text spliced into the closed file (report/sheet_rows.py: 170,000 item rows at
    # 10,000 units), each cell in the format it always had: yellow entries (numbers centred),
    # boxed text, centred numbers, and a boxed or yellow empty cell where there is no value.
    styles, blanks = [], []
    for column in sheet.columns:
        if column.entry:
            entry = f["input"] if column.key in NUMBER_ENTRIES else f["input_text"]
            styles.append((entry, entry))
            blanks.append(entry)
        else:
            styles.append((f["cell"], f["cell_number"]))
            blanks.append(f["cell"])
    register_formats([*(x for pair in styles for x in pair), *blanks])
    wrapped = [(c, column.width * 11 / 12) for c, column in enumerate(sheet.columns) if column.wrap]
    keys = [column.key for column in sheet.columns]
    ranges: dict[str, tuple[dict[str, Any], list[tuple[int, int]]]] = {}
    for n, row in enumerate(rows):
        for col, spec in validations(row):  # one validation per kind of cell, over all its rows
            mark = f"{col}|{sorted(spec.items())!r}"
            cells = ranges.setdefault(mark, (spec, []))[1]
            cells.append((HEADER_ROW + 1 + n, col))

    def values() -> Iterator[tuple[float | None, list[Any]]]:
        blank = [""] * len(keys)
        for row in rows:
            out = list(map(row.get, keys, blank))
            if not _PLAIN_TYPES.issuperset(map(type, out)):  # rare: a flag or a date, written as text
                out = [str(v) if isinstance(v, bool) or not (v is None or isinstance(v, int | float | str)) else v
                       for v in out]
            texts_ = [(t, w) for c, w in wrapped if isinstance(t := out[c], str) and wraps(t, w)]
            height = row_height(texts_) if texts_ else None
            yield (height * 12 / 11 if height else None), out

    if rows:
        splices.append(RowSplice(f"xl/worksheets/sheet{ws.index + 1}.xml", HEADER_ROW + 1, values(), styles,
                                 HEADER_ROW + len(rows), last, blanks))
    for spec, cells in ranges.values():
        runs = _runs(cells)
        for start in range(0, len(runs), VALIDATION_RANGES):  # a bounded sqref per validation
            first_row, first_col = xl_cell_to_rowcol(runs[start].split(":")[0])
            ws.data_validation(first_row, first_col, first_row, first_col,
                               {**spec, "multi_range": " ".join(runs[start:start + VALIDATION_RANGES])})
    ws.freeze_panes(HEADER_ROW + 1, 3)
    if rows:
        ws.autofilter(HEADER_ROW, 0, HEADER_ROW + len(rows), last)
    page_setup(ws, widths=[c.width for c in shown], title=title, header_row=HEADER_ROW, landscape=True,
               area=(HEADER_ROW + max(len(rows), 1), len(shown) - 1))
    writer._protect(ws, autofilter=True, sort=False)
