"""Write the locked Excel template that units fill in, blank or pre-filled for one unit.

The template is the contract with hundreds of offices: only the input cells are unlocked,
every input cell carries a public defined name, and totals are formulas so that a unit
never types them. Cell positions come from processor.model.layout, shared with the reader;
the sheets both templates share are written by processor.template.base.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from xlsxwriter.worksheet import Worksheet

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
from processor.template.base import BaseWriter, merged, row_height, text_height, write_locked
from processor.template.base import fill as _fill
from processor.text.normalise import nfc
from processor.text.numbers import format_number
from processor.text.wording import template_texts

__all__ = ["TemplateRequest", "row_height", "write_template"]

# Widths (set_column units) that fit A4 landscape at 100 % (processor.template.base).
SCORE_WIDTHS = {COL_TT: 6, COL_LABEL: 57, COL_MAX: 9, COL_SCORE: 10, COL_EVIDENCE: 41}


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
    writer = _TemplateWriter(request, template_texts())
    return write_locked(path, writer.write, request.settings.sheet_password)


class _TemplateWriter(BaseWriter):
    def __init__(self, request: TemplateRequest, texts: dict[str, Any]) -> None:
        self.req = request
        self.layout = request.layout
        self.rubric = request.layout.rubric
        self.texts = texts
        self.ph = request.settings.placeholders(request.year)
        self.password = request.settings.sheet_password
        self.year = request.year
        self.unit = request.unit
        self.values = request.values

    def write(self, path: Path) -> None:
        wb = self.new_workbook(path)
        wb.set_properties(
            {
                "title": _fill(self.texts["workbook_title"], **self.ph),
                "subject": self.rubric.title,
                "author": self.req.settings.receiving_department,
                "comments": f"{self.rubric.id} {self.rubric.version}",
            }
        )
        self._guide(wb.add_worksheet(SHEET_GUIDE))
        self._identity_sheet(wb.add_worksheet(SHEET_IDENTITY), self.texts["identity"], self.layout.identity,
                             IDENTITY_HEADER_ROW)
        self._scores(wb.add_worksheet(SHEET_SCORES))
        self._report_sheet(wb.add_worksheet(SHEET_REPORT), self.texts["report"], self.layout.narrative,
                           REPORT_HEADER_ROW)
        self._meta_sheet(wb.add_worksheet(SHEET_META), self.texts["meta_note"], self.layout.meta, self.rubric.id,
                         self.rubric.version, self.layout.format_version, self.req.generated_at)
        for name, cell in self.layout.defined_names().items():
            wb.define_name(name, cell.absolute)
        wb.close()

    def _guide(self, ws: Worksheet) -> None:
        t, s = self.texts["guide"], self.req.settings
        self._guide_sheet(ws, _fill(t["title"], **self.ph), f"{t['basis_label']} {self.rubric.legal_basis}.", [
            (t["how_title"], (f"{i}. {_fill(line, **self.ph)}" for i, line in enumerate(s.instructions_how, 1))),
            (t["dont_title"], (f"– {_fill(line, **self.ph)}" for line in s.instructions_dont)),
            (t["submit_title"], (_fill(line, **self.ph) for line in s.instructions_submit)),
        ])

    def _scores(self, ws: Worksheet) -> None:
        t, f, layout, rubric = self.texts["scores"], self.f, self.layout, self.rubric
        widths = SCORE_WIDTHS
        for col, width in widths.items():
            ws.set_column(col, col, width)
        full = merged(*widths.values())
        title = _fill(t["title"], **self.ph)
        ws.merge_range(0, 0, 0, COL_EVIDENCE, title, f["title"])
        ws.set_row(0, text_height(title, full, size=14, bold=True))
        name_ref = layout.identity["ten_don_vi"]
        ws.merge_range(1, 0, 1, COL_EVIDENCE, "", f["title"])
        prefix = t["unit_prefix"]
        ws.write_formula(1, 0, f"=\"{prefix}\"&'{name_ref.sheet}'!{name_ref.a1}", f["title"],
                         prefix + (nfc(self.req.unit.name) if self.req.unit else ""))
        # The name a unit types may be long: room for two lines unless the name is known.
        shown = prefix + nfc(self.req.unit.name) if self.req.unit else None
        ws.set_row(1, text_height(shown, full, size=14, bold=True) if shown else 2 * 14 * 1.32 + 4)
        ws.merge_range(2, 0, 2, COL_EVIDENCE, t["legend"], f["note"])
        ws.set_row(2, text_height(t["legend"], full))
        ws.write_row(SCORE_HEADER_ROW, 0, t["header"], f["header"])
        ws.set_row(SCORE_HEADER_ROW, max(text_height(h, w, bold=True)
                                         for h, w in zip(t["header"], widths.values(), strict=True)))

        step = rubric.step
        for crow in layout.criterion_rows:
            c, r = crow.criterion, crow.row
            leaf_rows = [layout.row_of(x.id).row for x in c.leaves()]
            label_fmt = f["label_bold"] if not c.is_leaf else f[f"label_{min(c.depth, 3)}"] if c.depth else f["label"]
            ws.write_string(r, COL_TT, crow.tt, f["center_bold"] if not c.is_leaf else f["center"])
            ws.write_string(r, COL_LABEL, c.label, label_fmt)
            ws.write_number(r, COL_MAX, c.max, f["center_bold"] if not c.is_leaf else f["center"])
            # Explicit heights: LibreOffice does not autofit rows of an .xlsx on load.
            evidence = self.values.get(f"minh_chung_{c.id}")
            ws.set_row(r, max(text_height(c.label, widths[COL_LABEL], bold=not c.is_leaf,
                                          indent=min(c.depth, 3) if c.is_leaf else 0),
                              text_height(evidence, widths[COL_EVIDENCE]) if isinstance(evidence, str) else 0))
            if not c.is_leaf:
                ws.write_formula(r, COL_SCORE, formulas.sum_of_rows(leaf_rows), f["formula"], 0)
                ws.write_blank(r, COL_EVIDENCE, None, f["label"])
                continue
            self._input(ws, r, COL_SCORE, self.values.get(f"diem_{c.id}"), "input_number")
            self._input(ws, r, COL_EVIDENCE, self.values.get(f"minh_chung_{c.id}"), "input_text")
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
        self._print_setup(ws, landscape=True, last_row=layout.class_row, last_col=COL_EVIDENCE,
                          repeat_row=SCORE_HEADER_ROW)
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
        width = merged(SCORE_WIDTHS[COL_SCORE], SCORE_WIDTHS[COL_EVIDENCE])
        ws.set_row(class_row, max(text_height(text, width, bold=True) for text in (t["incomplete"], t["over_max"])))
