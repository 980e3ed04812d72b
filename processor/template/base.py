"""What both templates (Thông tư 22/2020 points, Thông tư 24/2023 levels) share: formats,
locking, print setup, input cells, the guide, identity, report and metadata sheets.

One copy of these keeps the two templates alike for the offices that receive both kinds
(same fonts, same yellow inputs, same protection), and a fix to one reaches the other.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    """Points needed to show wrapped text of 12-pt Times in a column that wide (a rough
    count of characters; text_height measures the words)."""
    lines = sum(max(1, math.ceil(len(part) / chars_per_line)) for part in text.split("\n"))
    return 16.0 * lines + 2


# ---- Paper ----
#
# The sheets are laid out for A4 at 100 %: what fits the printable width in column units is
# what prints, in Excel and in LibreOffice alike. "Fit to one page wide" stays on as a safety
# net but cannot be the plan: LibreOffice counts page breaks between columns, so a single
# column wider than the paper (the guide's) is already "one page wide", is never scaled and
# is cut at the paper's edge.

A4_WIDTH_PT = {False: 595.3, True: 841.9}  # portrait, landscape
MARGINS_IN = {"left": 0.6, "right": 0.4, "top": 0.6, "bottom": 0.6}
UNIT_PT = 6.0  # one column-width unit: the widest digit of the 12-pt Times workbook font
UNIT_PAD = 5 / 7  # what the file adds to each width given (the cell's padding)


def column_points(*widths: float) -> float:
    """The printed width of columns of these set_column widths, side by side."""
    return sum((w + UNIT_PAD) * UNIT_PT for w in widths)


def printable_points(landscape: bool) -> float:
    return A4_WIDTH_PT[landscape] - (MARGINS_IN["left"] + MARGINS_IN["right"]) * 72


# Advance widths of Times (Liberation Serif has the same metrics), in thousandths of an em:
# regular and bold. A Vietnamese letter is its base letter; the horn of ơ, ư widens it.
_WIDTHS = {
    False: {" ": 250, "!": 333, '"': 408, "%": 833, "&": 778, "'": 180, "(": 333, ")": 333, "*": 500, "+": 564,
            ",": 250, "-": 333, ".": 250, "/": 278, ":": 278, ";": 278, "<": 564, "=": 564, ">": 564, "?": 444,
            "@": 921, "[": 333, "]": 333, "_": 500, "–": 500, "—": 1000, "“": 444, "”": 444, "‘": 333, "’": 333,
            "…": 1000, "≥": 549, "≤": 549,
            **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611,
                                                     889, 722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722,
                                                     722, 611), strict=True)),
            **dict(zip("abcdefghijklmnopqrstuvwxyz", (444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278,
                                                     778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500,
                                                     500, 444), strict=True))},
    True: {" ": 250, "!": 333, '"': 555, "%": 1000, "&": 833, "'": 278, "(": 333, ")": 333, "*": 500, "+": 570,
           ",": 250, "-": 333, ".": 250, "/": 278, ":": 333, ";": 333, "<": 570, "=": 570, ">": 570, "?": 500,
           "@": 930, "[": 333, "]": 333, "_": 500, "–": 500, "—": 1000, "“": 500, "”": 500, "‘": 333, "’": 333,
           "…": 1000, "≥": 549, "≤": 549,
           **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (722, 667, 722, 722, 667, 611, 778, 778, 389, 500, 778, 667,
                                                    944, 722, 778, 611, 778, 722, 556, 667, 722, 722, 1000, 722,
                                                    722, 667), strict=True)),
           **dict(zip("abcdefghijklmnopqrstuvwxyz", (500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556, 278,
                                                    833, 556, 500, 556, 556, 444, 389, 333, 556, 500, 722, 500,
                                                    500, 444), strict=True))},
}
_HORN = "\u031b"
_UNKNOWN = 600  # a character outside the table: wider than most, so a row errs on the tall side
_SAFETY = 0.92  # renderers differ in kerning and rounding: plan lines a little shorter
CELL_PAD_PT = 6.0  # the cell's inner margins and border
INDENT_PT = 12.0  # one indent level


def _char_width(ch: str, bold: bool) -> float:
    parts = unicodedata.normalize("NFD", ch)
    base = parts[0] if parts else ch
    if base.isdigit():
        width = 500
    else:
        table = _WIDTHS[bold]
        width = table.get(base, table.get(base.lower(), _UNKNOWN) if base.isupper() else _UNKNOWN)
    return width + (60 if _HORN in parts else 0)


def text_points(text: str, size: float = 12, bold: bool = False) -> float:
    """How wide one line of the text prints."""
    return sum(_char_width(ch, bold) for ch in text) * size / 1000


def text_lines(text: str, width: float, *, size: float = 12, bold: bool = False, indent: int = 0) -> int:
    """Lines the text takes when wrapped at word boundaries in a cell of that set_column
    width (a merged cell: the sum of its columns' widths, UNIT_PAD each)."""
    room = ((width + UNIT_PAD) * UNIT_PT - CELL_PAD_PT - indent * INDENT_PT) * _SAFETY
    space = text_points(" ", size, bold)
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split():
            w = text_points(word, size, bold)
            if used and used + space + w <= room:
                used += space + w
                continue
            if used:
                lines += 1
            extra = max(0, math.ceil(w / room) - 1)  # a word longer than the line breaks inside
            lines += extra
            used = w - extra * room
    return lines


def text_height(text: str, width: float, *, size: float = 12, bold: bool = False, indent: int = 0,
                minimum: float = 0) -> float:
    """Points a row needs to show the text whole (LibreOffice never autofits the rows of an
    .xlsx it opens, and Excel keeps a height once one is set)."""
    lines = text_lines(text, width, size=size, bold=bold, indent=indent)
    return max(minimum, round(lines * size * 1.32 + 4, 1))


GUIDE_WIDTH = 84  # the guide's one column: the portrait page's printable width
IDENTITY_WIDTHS = (30, 54)
REPORT_WIDTHS = (24, 60)


def merged(*widths: float) -> float:
    """The width, in set_column units, of columns merged into one cell."""
    return sum(widths) + UNIT_PAD * (len(widths) - 1)


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

    def _print_setup(self, ws: Worksheet, landscape: bool = False, *, last_row: int | None = None,
                     last_col: int = 0, repeat_row: int | None = None) -> None:
        """A4, one page wide, the footer's page numbers; the print area is the sheet's table
        (last_row, last_col, 0-based) and repeat_row its header, printed on every page."""
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(**MARGINS_IN)
        ws.set_footer("&CTrang &P/&N")
        ws.center_horizontally()
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        if last_row is not None:
            ws.print_area(0, 0, last_row, last_col)
        if repeat_row is not None:
            ws.repeat_rows(repeat_row)

    def _guide_sheet(self, ws: Worksheet, title: str, basis: str,
                     sections: Iterable[tuple[str, Iterable[str]]]) -> None:
        """A title, the legal basis, then headed sections of lines (already numbered): one
        column as wide as the portrait page, each row as tall as its wrapped text."""
        ws.set_column(0, 0, GUIDE_WIDTH)
        rows: list[tuple[str, str]] = [(title, "title"), (basis, "note")]
        for heading, lines in sections:
            rows += [("", "text"), (heading, "heading"), *((line, "text") for line in lines)]
        sizes = {"title": (14, True), "heading": (13, True), "note": (12, False), "text": (12, False)}
        for r, (text, fmt) in enumerate(rows):
            ws.write_string(r, 0, text, self.f[fmt])
            size, bold = sizes[fmt]
            ws.set_row(r, text_height(text, GUIDE_WIDTH, size=size, bold=bold))
        self._print_setup(ws, last_row=len(rows) - 1)
        self._protect(ws)

    def _identity_sheet(self, ws: Worksheet, t: dict[str, Any], identity: Mapping[str, Cell],
                        header_row: int, special: Callable[[Worksheet, str, Cell], bool] | None = None,
                        shown: Mapping[str, Sequence[str]] | None = None) -> None:
        """The identity rows; code and name fixed for a per-unit template. `special` writes
        a field its own way and says whether it did; `shown` is what else a field can show
        (a dropdown's choices), which its row must fit."""
        label_w, value_w = IDENTITY_WIDTHS
        ws.set_column(0, 0, label_w)
        ws.set_column(1, 1, value_w)
        title = fill(t["title"], **self.ph)
        ws.merge_range(0, 0, 0, 1, title, self.f["title"])
        ws.set_row(0, text_height(title, merged(*IDENTITY_WIDTHS), size=14, bold=True))
        ws.write_row(header_row, 0, t["header"], self.f["header"])
        ws.set_row(header_row, max(text_height(h, w, bold=True) for h, w in zip(t["header"], IDENTITY_WIDTHS,
                                                                              strict=True)))
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
            texts = [prefilled.get(key), self.values.get(key), *(shown or {}).get(key, ())]
            ws.set_row(cell.row, max([text_height(t["labels"][key], label_w, minimum=20),
                                      *(text_height(x, value_w) for x in texts if isinstance(x, str))]))
        last = max(c.row for c in identity.values())
        ws.merge_range(last + 2, 0, last + 2, 1, t["subtitle"], self.f["note"])
        ws.set_row(last + 2, text_height(t["subtitle"], merged(*IDENTITY_WIDTHS)))
        self._print_setup(ws, last_row=last + 2, last_col=1, repeat_row=header_row)
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
        label_w, value_w = REPORT_WIDTHS
        ws.set_column(0, 0, label_w)
        ws.set_column(1, 1, value_w)
        title = fill(t["title"], **self.ph)
        ws.merge_range(0, 0, 0, 1, title, self.f["title"])
        ws.set_row(0, text_height(title, merged(*REPORT_WIDTHS), size=14, bold=True))
        ws.write_row(header_row, 0, t["header"], self.f["header"])
        ws.set_row(header_row, max(text_height(h, w, bold=True) for h, w in zip(t["header"], REPORT_WIDTHS,
                                                                              strict=True)))
        for key, cell in narrative.items():
            ws.write_string(cell.row, 0, t["labels"][key], self.f["label_bold"])
            value = self.values.get(key)
            self._input(ws, cell.row, cell.col, value, "input_text")
            # Room to write in; a unit's longer text makes the row taller (a row fits a page).
            ws.set_row(cell.row, min(409, max(150, text_height(t["labels"][key], label_w, bold=True),
                                              text_height(value, value_w) if isinstance(value, str) else 0)))
        self._print_setup(ws, last_row=max(c.row for c in narrative.values()), last_col=1, repeat_row=header_row)
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
        self._print_setup(ws)  # no print area: LibreOffice prints a hidden sheet that has one
        ws.protect(self.password)
        ws.very_hidden()
