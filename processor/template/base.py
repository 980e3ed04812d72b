"""What both templates (Thông tư 22/2020 points, Thông tư 24/2023 levels) share: formats,
locking, print setup, input cells, the guide, identity, report and metadata sheets.

One copy of these keeps the two templates alike for the offices that receive both kinds
(same fonts, same yellow inputs, same protection), and a fix to one reaches the other.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from processor import __version__
from processor.model.layout import Cell
from processor.model.records import Unit
from processor.template.lock import lock_structure
from processor.text.cells import write_text
from processor.text.normalise import nfc

FONT = "Times New Roman"
INPUT_FILL = "#FFF2CC"
FIXED_FILL = "#EDEDED"


def fill(template: str, **values: Any) -> str:
    return template.format(**values)


def write_locked(path: Path, draw: Callable[[Path], None], password: str) -> Path:
    """Write a workbook via a temporary file (a crash leaves no half file), then lock its
    structure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        draft = Path(tmp) / "draft.xlsx"
        draw(draft)
        final = Path(tmp) / "final.xlsx"
        lock_structure(draft, final, password)
        shutil.move(final, path)
    return path


def row_height(text: str, chars_per_line: int) -> float:
    """Points needed to show wrapped text of 12-pt Times in a column that wide."""
    lines = sum(max(1, math.ceil(len(part) / chars_per_line)) for part in text.split("\n"))
    return 16.0 * lines + 2


class BaseWriter:
    """Sheet-writing pieces; a subclass sets ph, year, password, values and unit, and gets
    f (the formats) from new_workbook."""

    ph: dict[str, str]
    year: int
    password: str
    values: Mapping[str, Any]
    unit: Unit | None
    f: dict[str, Format]

    def new_workbook(self, path: Path) -> xlsxwriter.Workbook:
        wb = xlsxwriter.Workbook(
            str(path),
            {"default_format_properties": {"font_name": FONT, "font_size": 12}},
        )
        self.f = self._formats(wb)
        return wb

    def _formats(self, wb: xlsxwriter.Workbook) -> dict[str, Format]:
        base = {"font_name": FONT, "font_size": 12, "valign": "top"}
        boxed = {**base, "border": 1, "text_wrap": True}
        specs: dict[str, dict[str, Any]] = {
            "title": {**base, "bold": True, "font_size": 14, "align": "center", "text_wrap": True},
            "note": {**base, "italic": True, "text_wrap": True},
            "text": {**base, "text_wrap": True},
            "heading": {**base, "bold": True, "font_size": 13},
            "header": {**boxed, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2"},
            "label": boxed,
            "label_bold": {**boxed, "bold": True},
            "center": {**boxed, "align": "center"},
            "center_bold": {**boxed, "align": "center", "bold": True},
            "input_text": {**boxed, "locked": False, "bg_color": INPUT_FILL, "num_format": "@"},
            "input_number": {**boxed, "locked": False, "bg_color": INPUT_FILL, "align": "center"},
            "input_date": {**boxed, "locked": False, "bg_color": INPUT_FILL, "num_format": "dd/mm/yyyy",
                           "align": "left"},
            "fixed_text": {**boxed, "bg_color": FIXED_FILL, "num_format": "@"},
            "formula": {**boxed, "bold": True, "align": "center", "bg_color": FIXED_FILL},
            "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
            "empty": {"bg_color": "#FCE4D6"},
        }
        formats = {name: wb.add_format(spec) for name, spec in specs.items()}
        for depth in range(1, 4):
            formats[f"label_{depth}"] = wb.add_format({**boxed, "indent": depth})
        return formats

    def _protect(self, ws: Worksheet, **options: bool) -> None:
        ws.protect(self.password, {"format_rows": True, **options})

    def _print_setup(self, ws: Worksheet, landscape: bool = False) -> None:
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.6, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&CTrang &P/&N")
        if landscape:
            ws.set_landscape()

    def _guide_sheet(self, ws: Worksheet, title: str, basis: str,
                     sections: Iterable[tuple[str, Iterable[str]]]) -> None:
        """A title, the legal basis, then headed sections of lines (already numbered)."""
        ws.set_column(0, 0, 110)
        rows: list[tuple[str, str]] = [(title, "title"), (basis, "note")]
        for heading, lines in sections:
            rows += [("", "text"), (heading, "heading"), *((line, "text") for line in lines)]
        for r, (text, fmt) in enumerate(rows):
            ws.write_string(r, 0, text, self.f[fmt])
        self._print_setup(ws)
        self._protect(ws)

    def _identity_sheet(self, ws: Worksheet, t: dict[str, Any], identity: Mapping[str, Cell],
                        header_row: int, special: Callable[[Worksheet, str, Cell], bool] | None = None) -> None:
        """The identity rows; code and name fixed for a per-unit template. `special` writes
        a field its own way and says whether it did."""
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 60)
        ws.merge_range(0, 0, 0, 1, fill(t["title"], **self.ph), self.f["title"])
        ws.write_row(header_row, 0, t["header"], self.f["header"])
        unit = self.unit
        prefilled = {"ma_don_vi": nfc(unit.code), "ten_don_vi": nfc(unit.name)} if unit else {}
        for key, cell in identity.items():
            ws.write_string(cell.row, 0, t["labels"][key], self.f["label"])
            if key in prefilled:
                write_text(ws, cell.row, cell.col, prefilled[key], self.f["fixed_text"])
            elif special is not None and special(ws, key, cell):
                pass
            elif key == "nam_danh_gia":
                self._input(ws, cell.row, cell.col, self.values.get(key, self.year), "input_number")
                self._validate(ws, cell.row, cell.col, "integer", 2000, 2100, t["year_prompt"], t["year_error"], "stop")
            elif key == "ngay_bao_cao":
                self._date_input(ws, cell, self.values.get(key), t["date_prompt"], t["date_error"])
            else:
                self._input(ws, cell.row, cell.col, self.values.get(key), "input_text")
            ws.set_row(cell.row, 20)
        last = max(c.row for c in identity.values())
        ws.merge_range(last + 2, 0, last + 2, 1, t["subtitle"], self.f["note"])
        ws.set_row(last + 2, 34)
        self._print_setup(ws)
        self._protect(ws)

    def _date_input(self, ws: Worksheet, cell: Cell, value: Any, prompt: list[str], error: list[str]) -> None:
        self._input(ws, cell.row, cell.col, value, "input_date")
        ws.data_validation(
            cell.row, cell.col, cell.row, cell.col,
            {
                "validate": "date", "criteria": "between",
                "minimum": datetime(2000, 1, 1), "maximum": datetime(2100, 12, 31),
                **self._messages(prompt, error, "warning"),
            },
        )

    def _input(self, ws: Worksheet, row: int, col: int, value: Any, fmt: str) -> None:
        """An input cell, blank or pre-filled; text is always written as text."""
        f = self.f[fmt]
        if value is None or value == "":
            ws.write_blank(row, col, None, f)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, f)
        elif isinstance(value, (int, float)):
            ws.write_number(row, col, value, f)
        elif isinstance(value, (date, datetime)):
            ws.write_datetime(row, col, datetime(value.year, value.month, value.day), self.f["input_date"])
        else:
            write_text(ws, row, col, str(value), f)

    def _messages(self, prompt: list[str], error: list[str], kind: str) -> dict[str, str]:
        return {
            "input_title": fill(prompt[0], **self.ph)[:32],
            "input_message": fill(prompt[1], **self.ph)[:255],
            "error_title": fill(error[0], **self.ph)[:32],
            "error_message": fill(error[1], **self.ph)[:255],
            "error_type": kind,
        }

    def _validate(self, ws: Worksheet, row: int, col: int, kind: str, lo: float, hi: float,
                  prompt: list[str], error: list[str], alert: str) -> None:
        ws.data_validation(
            row, col, row, col,
            {"validate": kind, "criteria": "between", "minimum": lo, "maximum": hi,
             **self._messages(prompt, error, alert)},
        )

    def _report_sheet(self, ws: Worksheet, t: dict[str, Any], narrative: Mapping[str, Cell], header_row: int) -> None:
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 100)
        ws.merge_range(0, 0, 0, 1, fill(t["title"], **self.ph), self.f["title"])
        ws.write_row(header_row, 0, t["header"], self.f["header"])
        for key, cell in narrative.items():
            ws.write_string(cell.row, 0, t["labels"][key], self.f["label_bold"])
            self._input(ws, cell.row, cell.col, self.values.get(key), "input_text")
            ws.set_row(cell.row, 150)
        self._print_setup(ws)
        self._protect(ws)

    def _meta_sheet(self, ws: Worksheet, note: str, meta: Mapping[str, Cell], rubric_id: str, rubric_version: str,
                    format_version: str, generated_at: datetime | None, **extra: str) -> None:
        unit = self.unit
        stamp = (generated_at or datetime.now().astimezone()).isoformat(timespec="seconds")
        values = {
            "rubric_id": rubric_id,
            "rubric_version": rubric_version,
            "template_format": format_version,
            "year": str(self.year),
            "unit_code": nfc(unit.code) if unit else "",
            "generated_at": stamp,
            "generator": f"dvht {__version__}",
            **extra,
        }
        ws.write_string(0, 0, note)
        for key, cell in meta.items():
            ws.write_string(cell.row, 0, key)
            write_text(ws, cell.row, cell.col, values[key])
        ws.set_column(0, 1, 24)
        ws.protect(self.password)
        ws.very_hidden()
