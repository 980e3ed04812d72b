"""Read one returned workbook with python-calamine into a plain RawSubmission.

First decide whether this is our template and which version (metadata sheet, sheet
names), then take every field from the cells that processor.layout names. Cached formula
results are read only to compare them with what we recompute, never to score. This
function never raises: any failure becomes an issue on the record.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, PasswordError

from processor.issues import Issue, make_issue
from processor.layout import (
    COL_LABEL,
    COL_MAX,
    COL_SCORE,
    COL_TT,
    SHEET_IDENTITY,
    SHEET_META,
    SHEET_REPORT,
    SHEET_SCORES,
    SHEETS,
    Layout,
    build_layout,
    known_format_versions,
)
from processor.records import FoundFile, RawSubmission
from processor.rubric import Rubric

REQUIRED_SHEETS = tuple(s for s in SHEETS if s != SHEET_META)


def read_file(found: FoundFile, rubric: Rubric) -> RawSubmission:
    try:
        data = Path(found.path).read_bytes()
    except OSError as exc:
        return _unreadable(found, "", 0, f"không mở được tệp: {exc.strerror or exc}")
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        return _unreadable(found, sha256, len(data), "tệp có mật khẩu")
    except Exception as exc:  # calamine raises many types for damaged or foreign files
        return _unreadable(found, sha256, len(data), _describe(exc))
    try:
        with workbook:
            return _read_workbook(workbook, found, sha256, len(data), rubric)
    except Exception as exc:
        return _unreadable(found, sha256, len(data), _describe(exc))


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
    return RawSubmission(rel=found.rel, size=size or found.size, sha256=sha256, mtime=found.mtime,
                         issues=(issue,))


class _Sheets:
    """Rows of each sheet, read at most once, bounded to the rows the layout can use."""

    def __init__(self, workbook: CalamineWorkbook, nrows: int) -> None:
        self.workbook, self.nrows = workbook, nrows
        self.names = tuple(workbook.sheet_names)
        self._rows: dict[str, list[list[Any]]] = {}

    def rows(self, name: str) -> list[list[Any]]:
        if name not in self._rows:
            sheet = self.workbook.get_sheet_by_name(name)
            self._rows[name] = sheet.to_python(skip_empty_area=False, nrows=self.nrows)
        return self._rows[name]

    def value(self, sheet: str, row: int, col: int) -> Any:
        rows = self.rows(sheet)
        if row < len(rows) and col < len(rows[row]):
            return rows[row][col]
        return ""


def _read_workbook(workbook: CalamineWorkbook, found: FoundFile, sha256: str, size: int,
                   rubric: Rubric) -> RawSubmission:
    current = build_layout(rubric)
    sheets = _Sheets(workbook, nrows=current.class_row + 8)
    base = {"rel": found.rel, "size": size, "sha256": sha256, "mtime": found.mtime,
            "sheet_names": sheets.names}
    issues: list[Issue] = []
    meta = _read_meta(sheets) if SHEET_META in sheets.names else {}
    known_sheets = [s for s in REQUIRED_SHEETS if s in sheets.names]
    if not meta and not known_sheets:
        issues.append(make_issue("not-our-template", found.rel, trang=SHEET_SCORES))
        return RawSubmission(**base, issues=tuple(issues))

    layout = current
    rubric_matches = True
    if not meta:
        issues.append(make_issue("metadata-missing", found.rel, SHEET_META, chi_tiet="không có trang"))
    else:
        absent = [k for k in ("rubric_id", "rubric_version", "template_format", "year") if not meta.get(k)]
        if absent:
            issues.append(make_issue("metadata-missing", found.rel, SHEET_META,
                                     chi_tiet="thiếu " + ", ".join(absent)))
        fmt = meta.get("template_format", "")
        if fmt not in known_format_versions():
            issues.append(make_issue("unknown-format", found.rel, SHEET_META, current.meta["template_format"].a1,
                                     gia_tri=fmt or "(trống)",
                                     mong_doi=", ".join(known_format_versions())))
            return RawSubmission(**base, meta=meta, issues=tuple(issues))
        layout = build_layout(rubric, fmt)
        file_rubric = f"{meta.get('rubric_id', '')} {meta.get('rubric_version', '')}".strip()
        if (meta.get("rubric_id"), meta.get("rubric_version")) != (rubric.id, rubric.version):
            issues.append(make_issue("unknown-rubric", found.rel, SHEET_META, layout.meta["rubric_id"].a1,
                                     gia_tri=file_rubric or "(trống)",
                                     mong_doi=f"{rubric.id} {rubric.version}"))
            rubric_matches = False

    for name in REQUIRED_SHEETS:
        if name not in sheets.names:
            issues.append(make_issue("sheet-missing", found.rel, name, trang=name))
    for name in sheets.names:
        if name not in SHEETS:
            issues.append(make_issue("sheet-extra", found.rel, name, trang=name))

    values: dict[str, Any] = {}
    for group, cells in (("id", layout.identity), ("nar", layout.narrative)):
        for key, cell in cells.items():
            if cell.sheet in sheets.names:
                values[f"{group}.{key}"] = sheets.value(cell.sheet, cell.row, cell.col)
    if rubric_matches and SHEET_SCORES in sheets.names:
        values.update(_read_scores(sheets, layout))
    return RawSubmission(**base, meta=meta, values=values, issues=tuple(issues),
                         format_known=SHEET_IDENTITY in sheets.names or SHEET_REPORT in sheets.names,
                         rubric_matches=rubric_matches and SHEET_SCORES in sheets.names)


def _read_meta(sheets: _Sheets) -> dict[str, str]:
    meta: dict[str, str] = {}
    for row in sheets.rows(SHEET_META)[:50]:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip():
            value = row[1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            meta[row[0].strip()] = str(value).strip()
    return meta


def _read_scores(sheets: _Sheets, layout: Layout) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for crow in layout.criterion_rows:
        cid, r = crow.criterion.id, crow.row
        values[f"tt.{cid}"] = sheets.value(SHEET_SCORES, r, COL_TT)
        values[f"label.{cid}"] = sheets.value(SHEET_SCORES, r, COL_LABEL)
        values[f"max.{cid}"] = sheets.value(SHEET_SCORES, r, COL_MAX)
        if crow.criterion.is_leaf:
            values[f"score.{cid}"] = sheets.value(SHEET_SCORES, r, COL_SCORE)
            values[f"evid.{cid}"] = sheets.value(SHEET_SCORES, r, COL_SCORE + 1)
        else:
            values[f"sum.{cid}"] = sheets.value(SHEET_SCORES, r, COL_SCORE)
    values["sum.total"] = sheets.value(SHEET_SCORES, layout.total_row, COL_SCORE)
    return values
