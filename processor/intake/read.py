"""Read one returned workbook with python-calamine into a plain RawSubmission.

First decide whether this is our template and which version (metadata sheet, sheet
names), then take every field from the cells that processor.model.layout names. Cached formula
results are read only to compare them with what we recompute, never to score. This
function never raises: any failure becomes an issue on the record.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import stat
import zipfile
from dataclasses import replace
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from processor.intake.guards import Limits, check_bytes, check_size
from processor.model.issues import make_issue
from processor.model.layout import (
    COL_EVIDENCE,
    COL_LABEL,
    COL_MAX,
    COL_SCORE,
    COL_TT,
    HEADER_ROWS,
    IDENTITY_FIELDS,
    IDENTITY_FIRST_ROW,
    SHEET_IDENTITY,
    SHEET_META,
    SHEET_REPORT,
    SHEET_SCORES,
    SHEETS,
    Cell,
    Layout,
    build_layout,
    known_format_versions,
    layout_of_file,
)
from processor.model.level_layout import (
    COL_COUNT,
    COL_SELF,
    COL_TEXT,
    LEVELS_FORMAT_VERSION,
    SHEET_SELF,
    build_level_layout,
)
from processor.model.level_layout import COL_EVIDENCE as COL_LEVEL_EVIDENCE
from processor.model.records import FoundFile, RawSubmission
from processor.model.rubric import AnyRubric
from processor.system.oserrors import describe
from processor.text.wording import report_texts, template_texts

REQUIRED_SHEETS = tuple(s for s in SHEETS if s != SHEET_META)


def read_file(found: FoundFile, rubric: AnyRubric, limits: Limits | None = None, tier: str = "tinh") -> RawSubmission:
    limits = limits or Limits()
    refusal = check_size(found.rel, found.size, limits)
    if refusal:
        return RawSubmission(rel=found.rel, size=found.size, sha256="", mtime=found.mtime, refusal=refusal)
    try:
        data = _read_regular_file(found.path, limits.max_file_bytes + 1)
    except OSError as exc:
        return _unreadable(found, "", 0, f"không mở được tệp: {describe(exc)}")
    if data is None:
        return _unreadable(found, "", 0, "không phải tệp thông thường (ống dẫn, socket hoặc thiết bị); không đọc")
    sha256 = hashlib.sha256(data).hexdigest()
    refusal = check_size(found.rel, len(data), limits) or check_bytes(found.rel, data, limits)
    if refusal:
        return RawSubmission(rel=found.rel, size=len(data), sha256=sha256, mtime=found.mtime, refusal=refusal)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        with workbook:
            raw = _read_workbook(workbook, found, sha256, len(data), rubric, tier)
    except PasswordError:
        return RawSubmission(rel=found.rel, size=len(data), sha256=sha256, mtime=found.mtime,
                             refusal=make_issue("file-encrypted", found.rel))
    except CalamineError as exc:  # damaged or foreign content; anything else is our bug, see runner
        return _unreadable(found, sha256, len(data), _describe(exc))
    except BaseException as exc:
        # A Rust panic inside the parser surfaces as pyo3's PanicException, a BaseException
        # (seen: a date cell holding -106751992020). It costs this file only.
        if isinstance(exc, (KeyboardInterrupt, SystemExit)) or type(exc).__name__ != "PanicException":
            raise
        return RawSubmission(rel=found.rel, size=len(data), sha256=sha256, mtime=found.mtime,
                             refusal=make_issue("reader-crashed", found.rel))
    return _with_empty_score_cells_explained(raw, data, rubric)


def file_digest(found: FoundFile, limits: Limits) -> str | None:
    """SHA-256 of the bytes read_file would read now, or None when it would not read any
    (too large, empty, not a regular file, an error): such a file is simply read again."""
    if check_size(found.rel, found.size, limits):
        return None
    try:
        data = _read_regular_file(found.path, limits.max_file_bytes + 1)
    except OSError:
        return None
    if data is None or check_size(found.rel, len(data), limits):
        return None
    return hashlib.sha256(data).hexdigest()


def _read_regular_file(path: str, limit: int) -> bytes | None:
    """At most limit bytes of a regular file, read-only; None for anything else.

    discover already keeps pipes and devices out, but a file can be swapped for one in the
    meantime: opening without blocking and checking the opened file means a named pipe can
    never make the batch wait forever. path is the real path, even with undecodable bytes.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None
        # Asked for its size (and a byte more), not for the limit: a read of `limit` bytes
        # first allocates that much, which costs a re-run more than hashing the file. A file
        # that grew meanwhile is read on, up to the limit, as before.
        data = fh.read(min(limit, info.st_size + 1))
        if len(data) > info.st_size and len(data) < limit:
            data += fh.read(limit - len(data))
        return data


def _with_empty_score_cells_explained(raw: RawSubmission, data: bytes, rubric: AnyRubric) -> RawSubmission:
    """A score cell calamine reads as empty may hold a formula or an error such as #REF!.

    Only then, and only for .xlsx/.xlsm, look at the sheet's XML to tell the unit which.
    """
    if rubric.kind != "points":
        return raw
    empty = [leaf.id for leaf in rubric.leaves if raw.values.get(f"score.{leaf.id}", None) == ""]
    if not empty or not data.startswith(b"PK"):
        return raw
    layout = layout_of_file(rubric, raw.meta.get("template_format"))
    cells = {layout.score_cell(cid).a1: cid for cid in empty}
    found = sheet_cells_xml(data, SHEET_SCORES, set(cells))
    if not found:
        return raw
    values = dict(raw.values)
    for a1, detail in found.items():
        values[f"xml.{cells[a1]}"] = detail
    return replace(raw, values=values)


# A cell element with its attributes in any order: Excel writes r= first, other writers do not.
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')


def sheet_cells_xml(data: bytes, sheet_name: str, wanted: set[str]) -> dict[str, str]:
    """For the wanted cells of one sheet of an .xlsx: 'formula:<f>' or 'error:<value>'."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        book = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    escaped = html.escape(sheet_name, quote=True).encode("utf-8")
    sheet = re.search(rb'<sheet [^>]*name="' + re.escape(escaped) + rb'"[^>]*r:id="([^"]+)"', book)
    if not sheet:
        return {}
    target = re.search(rb'<Relationship [^>]*Id="' + re.escape(sheet.group(1)) + rb'"[^>]*Target="([^"]+)"', rels) \
        or re.search(rb'<Relationship [^>]*Target="([^"]+)"[^>]*Id="' + re.escape(sheet.group(1)) + rb'"', rels)
    if not target:
        return {}
    path = target.group(1).decode("utf-8").lstrip("/")
    path = path if path.startswith("xl/") else f"xl/{path}"
    try:
        xml = archive.read(path)
    except KeyError:
        return {}
    found: dict[str, str] = {}
    for match in _CELL.finditer(xml):
        attrs, inner = match.group(1), match.group(2) or b""
        ref = _REF.search(attrs)
        a1 = ref.group(1).decode("ascii") if ref else ""
        if a1 not in wanted:
            continue
        formula = re.search(rb"<f[^>]*>(.*?)</f>", inner, re.DOTALL)
        value = re.search(rb"<v>(.*?)</v>", inner, re.DOTALL)
        if b't="e"' in attrs:
            found[a1] = "error:" + html.unescape((value.group(1) if value else b"#?").decode("utf-8"))
        elif formula is not None:
            found[a1] = "formula:" + html.unescape(formula.group(1).decode("utf-8"))
    return found


def _describe(exc: Exception) -> str:
    """Calamine's messages are English and technical; a unit needs to know what happened."""
    name = type(exc).__name__
    if name == "ZipError":
        return "tệp hỏng, bị cắt cụt hoặc không phải định dạng Excel"
    if name == "XmlError":
        return "nội dung bên trong tệp bị hỏng"
    return "không nhận ra định dạng tệp: tệp hỏng hoặc không phải sổ tính"


def _unreadable(found: FoundFile, sha256: str, size: int, detail: str) -> RawSubmission:
    issue = make_issue("file-unreadable", found.rel, chi_tiet=detail)
    return RawSubmission(rel=found.rel, size=size or found.size, sha256=sha256, mtime=found.mtime, refusal=issue)


class _Sheets:
    """Rows of each sheet, read at most once, bounded to the rows the layout can use.

    `alias` maps one of our sheet names to the sheet that really holds its content, when a
    unit swapped two sheets' names: the fields are then read where they are."""

    def __init__(self, workbook: CalamineWorkbook, nrows: int) -> None:
        self.workbook, self.nrows = workbook, nrows
        self.names = tuple(workbook.sheet_names)
        self._rows: dict[str, list[list[Any]]] = {}
        self.alias: dict[str, str] = {}

    def rows(self, name: str) -> list[list[Any]]:
        name = self.alias.get(name, name)
        if name not in self._rows:
            sheet = self.workbook.get_sheet_by_name(name)
            self._rows[name] = sheet.to_python(skip_empty_area=False, nrows=self.nrows)
        return self._rows[name]

    def value(self, sheet: str, row: int, col: int) -> Any:
        rows = self._rows.get(self.alias.get(sheet, sheet)) or self.rows(sheet)
        try:
            return rows[row][col]
        except IndexError:
            return ""


def _read_workbook(workbook: CalamineWorkbook, found: FoundFile, sha256: str, size: int,
                   rubric: AnyRubric, tier: str) -> RawSubmission:
    names = tuple(workbook.sheet_names)
    base = {"rel": found.rel, "size": size, "sha256": sha256, "mtime": found.mtime, "sheet_names": names}
    meta = _read_meta(_Sheets(workbook, nrows=20)) if SHEET_META in names else {}
    if not meta and not any(s in names for s in (*REQUIRED_SHEETS, SHEET_SELF)):
        # not our template; maybe our own consolidated workbook, copied in with the replies
        sheets_of_ours = {report_texts()["sheets"][k] for k in ("summary", "files")}
        return RawSubmission(**base, own_output=sheets_of_ours <= set(names))
    if meta and not format_supported(meta):
        return RawSubmission(**base, template=True, meta=meta)
    file_levels = meta.get("template_format") == LEVELS_FORMAT_VERSION if meta else SHEET_SELF in names
    if file_levels != (rubric.kind == "levels"):
        # the other circular's form: check_rubric says so. Both forms keep the shared identity
        # rows in the same cells, so the file is still credited to its unit (as Cần sửa).
        sheets = _Sheets(workbook, nrows=IDENTITY_FIRST_ROW + len(IDENTITY_FIELDS) + 2)
        shared = {key: Cell(SHEET_IDENTITY, IDENTITY_FIRST_ROW + i, 1) for i, key in enumerate(IDENTITY_FIELDS)}
        return RawSubmission(**base, template=True, meta=meta, values=_identity_and_narrative(sheets, shared, {}),
                             format_known=SHEET_IDENTITY in names)
    if rubric.kind == "levels":
        return _read_levels(workbook, base, meta, rubric, meta.get("tier") or tier)
    current = build_layout(rubric)
    sheets = _Sheets(workbook, nrows=current.class_row + 8)
    layout = build_layout(rubric, meta["template_format"]) if meta else current
    scores_readable = (not meta or rubric_of_file_matches(meta, rubric)) and SHEET_SCORES in names
    sheets.alias = _swapped(sheets)
    values = _identity_and_narrative(sheets, layout.identity, layout.narrative)
    if scores_readable:
        values.update(_read_scores(sheets, layout))
    swapped = tuple(sorted(((actual, holds) for holds, actual in sheets.alias.items()),
                           key=lambda pair: SHEETS.index(pair[0])))
    return RawSubmission(**base, template=True, meta=meta, values=values, swapped=swapped,
                         format_known=SHEET_IDENTITY in names or SHEET_REPORT in names,
                         rubric_matches=scores_readable)


def _identity_and_narrative(sheets: _Sheets, identity: dict[str, Cell], narrative: dict[str, Cell]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for group, cells in (("id", identity), ("nar", narrative)):
        for key, cell in cells.items():
            if cell.sheet in sheets.names:
                values[f"{group}.{key}"] = sheets.value(cell.sheet, cell.row, cell.col)
    return values


def _read_levels(workbook: CalamineWorkbook, base: dict[str, Any], meta: dict[str, str], rubric: AnyRubric,
                 tier: str) -> RawSubmission:
    """A Thông tư 24/2023 dossier: identity, narrative and every indicator's row."""
    if tier not in rubric.tiers or (meta and not rubric_of_file_matches(meta, rubric)):
        return RawSubmission(**base, template=True, meta=meta)
    layout = build_level_layout(rubric, tier)
    sheets = _Sheets(workbook, nrows=layout.supported_row + 8)
    values = _identity_and_narrative(sheets, layout.identity, layout.narrative)
    readable = SHEET_SELF in sheets.names
    if readable:
        rows = sheets.rows(SHEET_SELF)
        width = max(COL_TEXT, COL_SELF, COL_COUNT, COL_LEVEL_EVIDENCE) + 1
        for r in layout.indicator_rows:
            row = _row_padded(rows, r.row, width)  # the row once, not a lookup per cell
            ind = r.indicator.id
            values[f"ind.{ind}.label"] = row[COL_TEXT]
            values[f"ind.{ind}.self"] = row[COL_SELF]
            values[f"ind.{ind}.count"] = row[COL_COUNT]
            values[f"ind.{ind}.evid"] = row[COL_LEVEL_EVIDENCE]
    return RawSubmission(**base, template=True, meta=meta, values=values,
                         format_known=SHEET_IDENTITY in sheets.names or SHEET_REPORT in sheets.names,
                         rubric_matches=readable)


def format_supported(meta: dict[str, str]) -> bool:
    """Whether the file's template format version is one this tool can read."""
    return meta.get("template_format", "") in (*known_format_versions(), LEVELS_FORMAT_VERSION)


def rubric_of_file_matches(meta: dict[str, str], rubric: AnyRubric) -> bool:
    return (meta.get("rubric_id"), meta.get("rubric_version")) == (rubric.id, rubric.version)


def _holds(sheets: _Sheets, actual: str, logical: str) -> bool:
    """Whether sheet `actual` carries the column headers of our sheet `logical`."""
    row, key = HEADER_ROWS[logical]
    header = tuple(template_texts()[key]["header"])
    rows = sheets.rows(actual)
    cells = rows[row][:len(header)] if row < len(rows) else []
    return tuple(str(v).strip() for v in cells) == header


def _swapped(sheets: _Sheets) -> dict[str, str]:
    """Our sheet name -> the sheet of ours that holds its content, for sheets whose names a
    unit swapped. A sheet renamed to something else is sheet-missing/sheet-extra instead."""
    ours = [name for name in HEADER_ROWS if name in sheets.names]
    misplaced = [name for name in ours if not _holds(sheets, name, name)]
    found: dict[str, str] = {}
    for logical in misplaced:
        holder = next((actual for actual in misplaced if actual != logical and _holds(sheets, actual, logical)), None)
        if holder is not None:
            found[logical] = holder
    return found


def _read_meta(sheets: _Sheets) -> dict[str, str]:
    meta: dict[str, str] = {}
    for row in sheets.rows(SHEET_META)[:20]:  # the template has 8 rows; 20 leaves room, no more
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip():
            value = row[1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            meta[row[0].strip()] = str(value).strip()
    return meta


def _read_scores(sheets: _Sheets, layout: Layout) -> dict[str, Any]:
    rows = sheets.rows(SHEET_SCORES)
    width = COL_EVIDENCE + 1
    values: dict[str, Any] = {}
    for crow in layout.criterion_rows:
        cid, row = crow.criterion.id, _row_padded(rows, crow.row, width)
        values[f"tt.{cid}"] = row[COL_TT]
        values[f"label.{cid}"] = row[COL_LABEL]
        values[f"max.{cid}"] = row[COL_MAX]
        if crow.criterion.is_leaf:
            values[f"score.{cid}"] = row[COL_SCORE]
            values[f"evid.{cid}"] = row[COL_EVIDENCE]
        else:
            values[f"sum.{cid}"] = row[COL_SCORE]
    values["sum.total"] = _row_padded(rows, layout.total_row, width)[COL_SCORE]
    return values


def _row_padded(rows: list[list[Any]], r: int, width: int) -> list[Any]:
    """Row r with at least `width` cells: a short or missing row reads as blanks ("")."""
    row = rows[r] if r < len(rows) else []
    return row if len(row) >= width else [*row, *[""] * (width - len(row))]
