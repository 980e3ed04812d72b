"""Write the locked Excel template of a Thông tư 24/2023 dossier (recognition by level).

It is locked like the Thông tư 22/2020 template (processor.template.base) and carries the
"Bản tổng hợp kết quả tự đánh giá các tiêu chí, chỉ tiêu": per indicator what the level
asked requires, the unit's count, self-judgement and evidence, and live results computed by
the same rules the batch applies (processor.template.level_formulas), so a unit sees
before sending which level its figures support. Cells come from processor.model.level_layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from xlsxwriter.worksheet import Worksheet

from processor.model.errors import ConfigError
from processor.model.layout import (
    IDENTITY_HEADER_ROW,
    REPORT_HEADER_ROW,
    SHEET_GUIDE,
    SHEET_IDENTITY,
    SHEET_META,
    SHEET_REPORT,
    Cell,
)
from processor.model.level_layout import (
    COL_APPLIES_1,
    COL_CODE,
    COL_COUNT,
    COL_EVIDENCE,
    COL_MET_2,
    COL_RATE,
    COL_REQUIRED,
    COL_RESULT,
    COL_SELF,
    COL_TEXT,
    HEADER_ROW,
    KIND_ATTRIBUTE_COLS,
    KINDS_FIRST_ROW,
    SHEET_KINDS,
    SHEET_SELF,
    IndicatorRow,
    LevelLayout,
)
from processor.model.levels import Indicator, IndicatorType, UnitKind
from processor.model.records import Unit
from processor.model.settings import Settings
from processor.template import level_formulas as lf
from processor.template.base import FIXED_FILL, FONT, BaseWriter, fill, merged, text_height, write_locked
from processor.text.dates import format_vn_date
from processor.text.normalise import nfc
from processor.text.wording import template_texts, wording

# Eight columns are wider than A4 landscape at 100 %: the sheet prints fitted to the page's
# width (about 85 %), which LibreOffice and Excel both do for a table of several columns.
WIDTHS = {COL_CODE: 9, COL_TEXT: 52, COL_REQUIRED: 15, COL_COUNT: 8, COL_RATE: 8,
          COL_SELF: 14, COL_EVIDENCE: 30, COL_RESULT: 12}


@dataclass(frozen=True)
class LevelTemplateRequest:
    layout: LevelLayout
    settings: Settings
    year: int
    unit: Unit | None = None
    unit_kind: str = ""  # a unit kind id of the layout's tier: filled in and locked
    generated_at: datetime | None = None
    values: Mapping[str, Any] = field(default_factory=dict)  # defined name -> a pre-filled value
    deadline: date | None = None  # the last day on time; the rubric's season when None


def level_texts() -> dict[str, Any]:
    """The TT24 wording; the report's section labels are the TT22 template's."""
    texts = dict(wording("template_levels"))
    shared = template_texts()
    texts["report"] = {**shared["report"], **texts["report"]}
    texts["meta_note"] = shared["meta_note"]
    return texts


def write_level_template(path: Path, request: LevelTemplateRequest) -> Path:
    """Write one TT24 template to path (via a temporary file, so a crash leaves no half file)."""
    writer = _LevelWriter(request, level_texts())
    return write_locked(path, writer.write, request.settings.sheet_password)


class _LevelWriter(BaseWriter):
    def __init__(self, request: LevelTemplateRequest, texts: dict[str, Any]) -> None:
        self.req = request
        self.layout = request.layout
        self.rubric = request.layout.rubric
        self.tier = request.layout.tier
        self.texts = texts
        self.password = request.settings.sheet_password
        self.year = request.year
        self.unit = request.unit
        self.values = request.values
        self.kind = self._kind(request.unit_kind)
        last_day = request.deadline or self.rubric.season.deadline_for(request.year)
        self.ph = {
            **request.settings.placeholders(request.year),
            "han_nop": format_vn_date(last_day),
            "truoc_ngay": format_vn_date(last_day + timedelta(days=1)),
            "cap": self.tier.label,
            "noi_tiep_nhan": self.tier.receiving_office,
            "tham_quyen": self.tier.authority,
        }

    def _kind(self, kind_id: str) -> UnitKind | None:
        if not kind_id:
            return None
        kinds = {k.id: k for k in self.layout.kinds}
        if kind_id not in kinds:
            raise ConfigError(f"Loại đơn vị '{kind_id}' không có ở {self.tier.label.lower()}; các loại có: "
                              f"{', '.join(kinds)}.")
        return kinds[kind_id]

    def write(self, path: Path) -> None:
        wb = self.new_workbook(path)
        self.f["rate"] = wb.add_format({"font_name": FONT, "font_size": 12, "valign": "top", "border": 1,
                                        "align": "center", "num_format": "0.0%", "bg_color": FIXED_FILL})
        wb.set_properties(
            {
                "title": fill(self.texts["workbook_title"], **self.ph),
                "subject": self.rubric.title,
                "author": self.req.settings.receiving_department,
                "comments": f"{self.rubric.id} {self.rubric.version} {self.tier.id}",
            }
        )
        t = self.texts
        guide = t["guide"]
        self._guide_sheet(wb.add_worksheet(SHEET_GUIDE), fill(guide["title"], **self.ph),
                          f"{guide['basis_label']} {self.rubric.legal_basis}. {fill(guide['tier_line'], **self.ph)}", [
            (guide["how_title"], (f"{i}. {fill(line, **self.ph)}" for i, line in enumerate(guide["how"], 1))),
            (guide["dont_title"], (f"– {fill(line, **self.ph)}" for line in guide["dont"])),
            (guide["submit_title"], (fill(line, **self.ph) for line in guide["submit"])),
        ])
        # A dropdown's row fits its longest choice: the unit may pick any of them.
        kinds = [nfc(k.label) for k in ([self.kind] if self.kind else self.layout.kinds)]
        levels = [x.label for x in self.rubric.levels]
        self._identity_sheet(wb.add_worksheet(SHEET_IDENTITY), t["identity"], self.layout.identity,
                             IDENTITY_HEADER_ROW, self._identity_field,
                             shown={"loai_don_vi": kinds, "muc_do_de_nghi": levels, "cong_nhan_truoc_muc_do": levels})
        self._self_sheet(wb.add_worksheet(SHEET_SELF))
        self._report_sheet(wb.add_worksheet(SHEET_REPORT), t["report"], self.layout.narrative, REPORT_HEADER_ROW)
        self._meta_sheet(wb.add_worksheet(SHEET_META), t["meta_note"], self.layout.meta, self.rubric.id,
                         self.rubric.version, self.layout.format_version, self.req.generated_at, tier=self.tier.id)
        self._kinds_sheet(wb.add_worksheet(SHEET_KINDS))
        for name, cell in self.layout.defined_names().items():
            wb.define_name(name, cell.absolute)
        wb.close()

    # ---- Thông tin đơn vị ----

    def _identity_field(self, ws: Worksheet, key: str, cell: Cell) -> bool:
        t, r, c = self.texts["identity"], cell.row, cell.col
        levels = [level.label for level in self.rubric.levels]
        value = self.values.get(key)
        if key == "loai_don_vi":
            if self.kind is not None:
                ws.write_string(r, c, nfc(self.kind.label), self.f["fixed_text"])
                return True
            self._input(ws, r, c, value, "input_text")
            self._list(ws, r, c, "=" + self.layout.kinds_range(KIND_ATTRIBUTE_COLS["label"]),
                       t["kind_prompt"], t["kind_error"])
        elif key in ("muc_do_de_nghi", "cong_nhan_truoc_muc_do"):
            self._input(ws, r, c, value, "input_text")
            prompt = t["level_prompt"] if key == "muc_do_de_nghi" else t["previous_level_prompt"]
            self._list(ws, r, c, levels, prompt, t["level_error"])
        elif key in ("so_thanh_vien", "so_nguoi_hoc"):
            self._input(ws, r, c, value, "input_number")
            ws.data_validation(r, c, r, c, {"validate": "integer", "criteria": ">=", "value": 0,
                                            **self._messages(t["count_prompt"], t["count_error"], "stop")})
        elif key == "cong_nhan_truoc_ngay":
            self._date_input(ws, cell, value, t["previous_date_prompt"], t["previous_date_error"])
        else:
            return False
        return True

    def _list(self, ws: Worksheet, row: int, col: int, source: list[str] | str, prompt: list[str],
              error: list[str]) -> None:
        ws.data_validation(row, col, row, col, {"validate": "list", "source": source,
                                                **self._messages(prompt, error, "stop")})

    # ---- Tự đánh giá ----

    def _self_sheet(self, ws: Worksheet) -> None:
        """The summary table. Its formulas carry an empty cached result: LibreOffice keeps a
        cached result until an input it depends on changes (an =IF(TRUE,1,0) never does),
        but computes an empty one on load; Excel recalculates everything on load anyway."""
        t, f, layout = self.texts["self"], self.f, self.layout
        for col, width in WIDTHS.items():
            ws.set_column(col, col, width)
        ws.set_column(COL_APPLIES_1, COL_MET_2, 6, None, {"hidden": True})
        full = merged(*WIDTHS.values())
        title = fill(t["title"], **self.ph)
        ws.merge_range(0, COL_CODE, 0, COL_RESULT, title, f["title"])
        ws.set_row(0, text_height(title, full, size=14, bold=True))
        name_ref = layout.identity["ten_don_vi"]
        ws.merge_range(1, COL_CODE, 1, COL_RESULT, "", f["title"])
        prefix = t["unit_prefix"]
        ws.write_formula(1, COL_CODE, f"={lf.text(prefix)}&{lf.absolute(name_ref)}", f["title"],
                         prefix + (nfc(self.unit.name) if self.unit else ""))
        # The name a unit types may be long: room for two lines unless the name is known.
        shown = prefix + nfc(self.unit.name) if self.unit else None
        ws.set_row(1, text_height(shown, full, size=14, bold=True) if shown else 2 * 14 * 1.32 + 4)
        ws.merge_range(2, COL_CODE, 2, COL_RESULT, t["legend"], f["note"])
        ws.set_row(2, text_height(t["legend"], full))
        ws.write_row(HEADER_ROW, COL_CODE, t["header"], f["header"])
        ws.set_row(HEADER_ROW, max(text_height(h, w, bold=True)
                                   for h, w in zip(t["header"], WIDTHS.values(), strict=True)))
        results = (t["met"], t["not_met"], t["not_applicable"])
        for crow in layout.criterion_rows:
            r = crow.row
            ws.write_string(r, COL_CODE, crow.criterion.id.upper(), f["center_bold"])
            ws.write_string(r, COL_TEXT, nfc(crow.criterion.label), f["label_bold"])
            for col in (COL_REQUIRED, COL_COUNT, COL_RATE, COL_SELF, COL_EVIDENCE):
                ws.write_blank(r, col, None, f["label"])
            ws.write_formula(r, COL_RESULT, lf.criterion_result(layout, crow, t), f["formula"], "")
            ws.set_row(r, max(text_height(crow.criterion.label, WIDTHS[COL_TEXT], bold=True),
                              *(text_height(x, WIDTHS[COL_RESULT], bold=True) for x in results)))
            for irow in crow.indicator_rows:
                self._indicator(ws, irow, t)
        r = layout.supported_row
        ws.merge_range(r, COL_CODE, r, COL_EVIDENCE, t["supported_label"], f["label_bold"])
        ws.write_formula(r, COL_RESULT, lf.supported_level(layout, t), f["formula"], "")
        supported = (t["not_supported"], t["no_kind"], t["no_level"], *(x.label for x in self.rubric.levels))
        ws.set_row(r, max(text_height(t["supported_label"], merged(*list(WIDTHS.values())[:-1]), bold=True),
                          *(text_height(x, WIDTHS[COL_RESULT], bold=True) for x in supported)))
        ws.freeze_panes(HEADER_ROW + 1, 0)
        self._print_setup(ws, landscape=True, last_row=r, last_col=COL_RESULT, repeat_row=HEADER_ROW)
        self._protect(ws)

    def _required_texts(self, ind: Indicator, t: dict[str, Any]) -> list[str]:
        """Every text the indicator's "Yêu cầu" formula can show (lf.required_text)."""
        if ind.type == IndicatorType.YES_NO:
            needs = [t["required_yes_no"]]
        elif ind.type == IndicatorType.GRADE:
            needs = [self.rubric.grade(g).label for g in ind.required.values()]
        else:
            needs = [t["required_members"].format(nguong=n) for n in ind.thresholds.values()]
            if ind.of == "members_or_learners":
                needs += [t["required_learners"].format(nguong=n) for n in ind.learner_thresholds.values()]
        return [*needs, t["not_applicable"]]

    def _indicator(self, ws: Worksheet, irow: IndicatorRow, t: dict[str, Any]) -> None:
        f, layout, ind, r = self.f, self.layout, irow.indicator, irow.row
        ws.write_string(r, COL_CODE, ind.code, f["center"])
        ws.write_string(r, COL_TEXT, nfc(ind.label), f["label_1"])
        for level, col in lf.APPLIES_COLS.items():
            ws.write_formula(r, col, lf.applies(layout, ind, level), None, "")
        for level, col in lf.MET_COLS.items():
            ws.write_formula(r, col, lf.met(layout, irow, level, t), None, "")
        ws.write_formula(r, COL_REQUIRED, lf.required_text(layout, irow, t), f["center"], "")
        if ind.type == IndicatorType.PERCENT:
            self._input(ws, r, COL_COUNT, self.values.get(f"so_dat_{ind.id}"), "input_number")
            ws.data_validation(r, COL_COUNT, r, COL_COUNT, {
                "validate": "integer", "criteria": ">=", "value": 0,
                **self._messages(t["count_prompt"], t["count_error"], "stop")})
            ws.write_formula(r, COL_RATE, lf.rate(layout, irow), f["rate"], "")
        else:
            ws.write_blank(r, COL_COUNT, None, f["label"])
            ws.write_blank(r, COL_RATE, None, f["label"])
        choices = ([g.label for g in self.rubric.grades] if ind.type == IndicatorType.GRADE
                   else [t["met"], t["not_met"]])
        evidence = self.values.get(f"minh_chung_{ind.id}")
        # Tall enough for the wording and for anything its cells can show: each requirement,
        # each choice, each result, and the evidence when it is pre-filled.
        shown = [(ind.label, COL_TEXT, False, 1), *((x, COL_REQUIRED, False, 0) for x in self._required_texts(ind, t)),
                 *((x, COL_SELF, False, 0) for x in choices),
                 *((x, COL_RESULT, True, 0) for x in (t["met"], t["not_met"], t["not_applicable"])),
                 *([(evidence, COL_EVIDENCE, False, 0)] if isinstance(evidence, str) else [])]
        ws.set_row(r, max(text_height(nfc(x), WIDTHS[col], bold=bold, indent=indent) for x, col, bold, indent in shown))
        self._input(ws, r, COL_SELF, self.values.get(f"danh_gia_{ind.id}"), "input_text")
        self._list(ws, r, COL_SELF, choices,
                   t["grade_prompt"] if ind.type == IndicatorType.GRADE else t["self_prompt"], t["self_error"])
        self._input(ws, r, COL_EVIDENCE, self.values.get(f"minh_chung_{ind.id}"), "input_text")
        ws.data_validation(r, COL_EVIDENCE, r, COL_EVIDENCE, {
            "validate": "any", "input_title": t["evidence_prompt"][0][:32],
            "input_message": t["evidence_prompt"][1][:255]})
        ws.write_formula(r, COL_RESULT, lf.result(layout, irow, t), f["formula"], "")

    # ---- DVHT_loai ----

    def _kinds_sheet(self, ws: Worksheet) -> None:
        ws.write_row(KINDS_FIRST_ROW - 1, 0, self.texts["kinds"]["header"], self.f["header"])
        for i, kind in enumerate(self.layout.kinds):
            cols = KIND_ATTRIBUTE_COLS
            row = self.layout.kind_cell(i, 0).row
            ws.write_string(row, cols["id"], kind.id)
            ws.write_string(row, cols["label"], nfc(kind.label))
            for attribute in ("public", "economic", "learners"):
                ws.write_number(row, cols[attribute], 1 if getattr(kind, attribute) else 0)
            ws.write_string(row, cols["school"], kind.school)
        ws.set_column(0, 0, 26)
        ws.set_column(1, 1, 70)
        ws.set_column(2, 5, 14)
        self._print_setup(ws, landscape=True)  # no print area: LibreOffice prints a hidden sheet that has one
        ws.protect(self.password)
        ws.hide()
