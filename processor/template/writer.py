"""Write the locked Excel template that units fill in, blank or pre-filled for one unit.

The template is the contract with hundreds of offices: only the input cells are unlocked,
every input cell carries a public defined name, and totals are formulas so that a unit
never types them. Cell positions come from processor.model.layout, shared with the reader.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from processor import __version__
from processor.model.layout import (
    COL_EVIDENCE,
    COL_LABEL,
    COL_MAX,
    COL_SCORE,
    COL_TT,
    IDENTITY_HEADER_ROW,
    REPORT_HEADER_ROW,
    SCORE_HEADER_ROW,
    SHEET_GUIDE,
    SHEET_IDENTITY,
    SHEET_META,
    SHEET_REPORT,
    SHEET_SCORES,
    Layout,
)
from processor.model.records import Unit
from processor.model.settings import Settings
from processor.template import formulas
from processor.template.lock import lock_structure
from processor.text.normalise import nfc
from processor.text.numbers import format_number
from processor.text.wording import template_texts

FONT = "Times New Roman"
INPUT_FILL = "#FFF2CC"
FIXED_FILL = "#EDEDED"
LABEL_CHARS_PER_LINE = 60
EVIDENCE_CHARS_PER_LINE = 48


@dataclass(frozen=True)
class TemplateRequest:
    layout: Layout
    settings: Settings
    year: int
    unit: Unit | None = None
    generated_at: datetime | None = None
    values: Mapping[str, Any] = field(default_factory=dict)  # defined name -> a pre-filled value


def write_template(path: Path, request: TemplateRequest) -> Path:
    """Write one template to path (via a temporary file, so a crash leaves no half file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        draft = Path(tmp) / "draft.xlsx"
        _TemplateWriter(request, template_texts()).write(draft)
        final = Path(tmp) / "final.xlsx"
        lock_structure(draft, final, request.settings.sheet_password)
        shutil.move(final, path)
    return path


def _fill(template: str, **values: Any) -> str:
    return template.format(**values)



class _TemplateWriter:
    def __init__(self, request: TemplateRequest, texts: dict[str, Any]) -> None:
        self.req = request
        self.layout = request.layout
        self.rubric = request.layout.rubric
        self.texts = texts
        self.ph = request.settings.placeholders(request.year)
        self.password = request.settings.sheet_password

    def write(self, path: Path) -> None:
        wb = xlsxwriter.Workbook(
            str(path),
            {"default_format_properties": {"font_name": FONT, "font_size": 12}},
        )
        self.f = self._formats(wb)
        wb.set_properties(
            {
                "title": _fill(self.texts["workbook_title"], **self.ph),
                "subject": self.rubric.title,
                "author": self.req.settings.receiving_department,
                "comments": f"{self.rubric.id} {self.rubric.version}",
            }
        )
        self._guide(wb.add_worksheet(SHEET_GUIDE))
        self._identity(wb.add_worksheet(SHEET_IDENTITY))
        self._scores(wb.add_worksheet(SHEET_SCORES))
        self._report(wb.add_worksheet(SHEET_REPORT))
        self._meta(wb.add_worksheet(SHEET_META))
        for name, cell in self.layout.defined_names().items():
            wb.define_name(name, cell.absolute)
        wb.close()

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

    def _guide(self, ws: Worksheet) -> None:
        t, s = self.texts["guide"], self.req.settings
        ws.set_column(0, 0, 110)
        rows: list[tuple[str, str]] = [
            (_fill(t["title"], **self.ph), "title"),
            (f"{t['basis_label']} {self.rubric.legal_basis}.", "note"),
            ("", "text"),
            (t["how_title"], "heading"),
            *((f"{i}. {_fill(line, **self.ph)}", "text") for i, line in enumerate(s.instructions_how, 1)),
            ("", "text"),
            (t["dont_title"], "heading"),
            *((f"– {_fill(line, **self.ph)}", "text") for line in s.instructions_dont),
            ("", "text"),
            (t["submit_title"], "heading"),
            *((_fill(line, **self.ph), "text") for line in s.instructions_submit),
        ]
        for r, (text, fmt) in enumerate(rows):
            ws.write_string(r, 0, text, self.f[fmt])
        self._print_setup(ws)
        self._protect(ws)

    def _identity(self, ws: Worksheet) -> None:
        t = self.texts["identity"]
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 60)
        ws.merge_range(0, 0, 0, 1, _fill(t["title"], **self.ph), self.f["title"])
        ws.write_row(IDENTITY_HEADER_ROW, 0, t["header"], self.f["header"])
        unit = self.req.unit
        prefilled = {"ma_don_vi": nfc(unit.code), "ten_don_vi": nfc(unit.name)} if unit else {}
        for key, cell in self.layout.identity.items():
            ws.write_string(cell.row, 0, t["labels"][key], self.f["label"])
            if key in prefilled:
                ws.write_string(cell.row, cell.col, prefilled[key], self.f["fixed_text"])
            elif key == "nam_danh_gia":
                self._input(ws, cell.row, cell.col, self.req.values.get(key, self.req.year), "input_number")
                self._validate(ws, cell.row, cell.col, "integer", 2000, 2100, t["year_prompt"], t["year_error"], "stop")
            elif key == "ngay_bao_cao":
                self._input(ws, cell.row, cell.col, self.req.values.get(key), "input_date")
                ws.data_validation(
                    cell.row, cell.col, cell.row, cell.col,
                    {
                        "validate": "date", "criteria": "between",
                        "minimum": datetime(2000, 1, 1), "maximum": datetime(2100, 12, 31),
                        **self._messages(t["date_prompt"], t["date_error"], "warning"),
                    },
                )
            else:
                self._input(ws, cell.row, cell.col, self.req.values.get(key), "input_text")
            ws.set_row(cell.row, 20)
        last = max(c.row for c in self.layout.identity.values())
        ws.merge_range(last + 2, 0, last + 2, 1, t["subtitle"], self.f["note"])
        ws.set_row(last + 2, 34)
        self._print_setup(ws)
        self._protect(ws)

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
            ws.write_string(row, col, str(value), f)

    def _messages(self, prompt: list[str], error: list[str], kind: str) -> dict[str, str]:
        return {
            "input_title": _fill(prompt[0], **self.ph)[:32],
            "input_message": _fill(prompt[1], **self.ph)[:255],
            "error_title": _fill(error[0], **self.ph)[:32],
            "error_message": _fill(error[1], **self.ph)[:255],
            "error_type": kind,
        }

    def _validate(self, ws: Worksheet, row: int, col: int, kind: str, lo: float, hi: float,
                  prompt: list[str], error: list[str], alert: str) -> None:
        ws.data_validation(
            row, col, row, col,
            {"validate": kind, "criteria": "between", "minimum": lo, "maximum": hi,
             **self._messages(prompt, error, alert)},
        )

    def _scores(self, ws: Worksheet) -> None:
        t, f, layout, rubric = self.texts["scores"], self.f, self.layout, self.rubric
        widths = {COL_TT: 6, COL_LABEL: LABEL_CHARS_PER_LINE + 2, COL_MAX: 9, COL_SCORE: 11,
                  COL_EVIDENCE: EVIDENCE_CHARS_PER_LINE + 2}
        for col, width in widths.items():
            ws.set_column(col, col, width)
        ws.merge_range(0, 0, 0, COL_EVIDENCE, _fill(t["title"], **self.ph), f["title"])
        name_ref = layout.identity["ten_don_vi"]
        ws.merge_range(1, 0, 1, COL_EVIDENCE, "", f["title"])
        prefix = t["unit_prefix"]
        ws.write_formula(1, 0, f"=\"{prefix}\"&'{name_ref.sheet}'!{name_ref.a1}", f["title"],
                         prefix + (nfc(self.req.unit.name) if self.req.unit else ""))
        ws.merge_range(2, 0, 2, COL_EVIDENCE, t["legend"], f["note"])
        ws.set_row(2, 34)
        ws.write_row(SCORE_HEADER_ROW, 0, t["header"], f["header"])
        ws.set_row(SCORE_HEADER_ROW, 32)

        step = rubric.step
        for crow in layout.criterion_rows:
            c, r = crow.criterion, crow.row
            leaf_rows = [layout.row_of(x.id).row for x in c.leaves()]
            label_fmt = f["label_bold"] if not c.is_leaf else f[f"label_{min(c.depth, 3)}"] if c.depth else f["label"]
            ws.write_string(r, COL_TT, c.id, f["center_bold"] if not c.is_leaf else f["center"])
            ws.write_string(r, COL_LABEL, c.label, label_fmt)
            ws.write_number(r, COL_MAX, c.max, f["center_bold"] if not c.is_leaf else f["center"])
            # Explicit heights: LibreOffice does not autofit rows of an .xlsx on load.
            ws.set_row(r, row_height(c.label, LABEL_CHARS_PER_LINE - 2 * c.depth))
            if not c.is_leaf:
                ws.write_formula(r, COL_SCORE, formulas.sum_of_rows(leaf_rows), f["formula"], 0)
                ws.write_blank(r, COL_EVIDENCE, None, f["label"])
                continue
            self._input(ws, r, COL_SCORE, self.req.values.get(f"diem_{c.id}"), "input_number")
            self._input(ws, r, COL_EVIDENCE, self.req.values.get(f"minh_chung_{c.id}"), "input_text")
            ws.data_validation(
                r, COL_SCORE, r, COL_SCORE,
                {
                    "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": c.max,
                    **self._messages(
                        [t["score_prompt_title"],
                         _fill(t["score_prompt"], toi_da=format_number(c.max), buoc=format_number(step))],
                        [t["score_error_title"], _fill(t["score_error"], ma=c.id, toi_da=format_number(c.max))],
                        "stop",
                    ),
                },
            )
            ws.data_validation(
                r, COL_EVIDENCE, r, COL_EVIDENCE,
                {"validate": "any", "input_title": t["evidence_prompt_title"][:32],
                 "input_message": t["evidence_prompt"][:255]},
            )
            ws.conditional_format(
                r, COL_SCORE, r, COL_SCORE,
                {"type": "formula", "criteria": formulas.score_is_wrong(r, step), "format": f["bad"],
                 "stop_if_true": True},
            )
            ws.conditional_format(r, COL_SCORE, r, COL_SCORE,
                                  {"type": "formula", "criteria": formulas.score_is_blank(r), "format": f["empty"]})

        self._totals(ws, t)
        ws.freeze_panes(SCORE_HEADER_ROW + 1, 0)
        self._print_setup(ws, landscape=True)
        ws.repeat_rows(SCORE_HEADER_ROW)
        self._protect(ws)

    def _totals(self, ws: Worksheet, t: dict[str, Any]) -> None:
        layout, rubric, f = self.layout, self.rubric, self.f
        leaves = [layout.row_of(leaf.id).row for leaf in rubric.leaves]
        total_row, class_row = layout.total_row, layout.class_row
        ws.merge_range(total_row, COL_TT, total_row, COL_LABEL, t["total_label"], f["label_bold"])
        ws.write_number(total_row, COL_MAX, rubric.total_max, f["center_bold"])
        ws.write_formula(total_row, COL_SCORE, formulas.sum_of_rows(leaves), f["formula"], 0)
        ws.write_blank(total_row, COL_EVIDENCE, None, f["label"])

        formula = formulas.class_of_total(layout, t["incomplete"], t["over_max"])
        ws.merge_range(class_row, COL_TT, class_row, COL_MAX, t["class_label"], f["label_bold"])
        # The class text is long when a score is wrong: let it span the evidence column too.
        ws.merge_range(class_row, COL_SCORE, class_row, COL_EVIDENCE, "", f["formula"])
        ws.write_formula(class_row, COL_SCORE, formula, f["formula"], t["incomplete"])

    def _report(self, ws: Worksheet) -> None:
        t = self.texts["report"]
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 100)
        ws.merge_range(0, 0, 0, 1, _fill(t["title"], **self.ph), self.f["title"])
        ws.write_row(REPORT_HEADER_ROW, 0, t["header"], self.f["header"])
        for key, cell in self.layout.narrative.items():
            ws.write_string(cell.row, 0, t["labels"][key], self.f["label_bold"])
            self._input(ws, cell.row, cell.col, self.req.values.get(key), "input_text")
            ws.set_row(cell.row, 150)
        self._print_setup(ws)
        self._protect(ws)

    def _meta(self, ws: Worksheet) -> None:
        unit = self.req.unit
        stamp = (self.req.generated_at or datetime.now().astimezone()).isoformat(timespec="seconds")
        values = {
            "rubric_id": self.rubric.id,
            "rubric_version": self.rubric.version,
            "template_format": self.layout.format_version,
            "year": str(self.req.year),
            "unit_code": nfc(unit.code) if unit else "",
            "generated_at": stamp,
            "generator": f"dvht {__version__}",
        }
        ws.write_string(0, 0, self.texts["meta_note"])
        for key, cell in self.layout.meta.items():
            ws.write_string(cell.row, 0, key)
            ws.write_string(cell.row, cell.col, values[key])
        ws.set_column(0, 1, 24)
        ws.protect(self.password)
        ws.very_hidden()


def row_height(text: str, chars_per_line: int) -> float:
    """Points needed to show wrapped text of 12-pt Times in a column that wide."""
    lines = sum(max(1, math.ceil(len(part) / chars_per_line)) for part in text.split("\n"))
    return 16.0 * lines + 2



