"""Write the consolidated workbook TongHop_DVHT_<year>.xlsx with xlsxwriter.

Every submitted string goes through write_string (never write()), and the workbook is
created with strings_to_formulas/urls/numbers off, so a unit's text can never become a
formula, a link or a guessed number on the department's PC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from processor import __version__
from processor.batch import BatchResult
from processor.dates import format_vn_date
from processor.report_texts import report_texts
from processor.score import TOTAL
from processor.summary import Summary
from processor.textnorm import display_name

EXCEL_MAX_TEXT = 32767
CLASS_COLOURS = ("#C6EFCE", "#DDEBF7", "#FFEB9C", "#FFC7CE")
STATUS_COLOURS = {"to_fix": "#FCE4D6", "missing": "#EDEDED"}


def workbook_name(year: int) -> str:
    return f"TongHop_DVHT_{year}.xlsx"


def write_workbook(result: BatchResult, summary: Summary, target: Path,
                   unit_pages: list[str] | None = None) -> Path:
    """unit_pages: each unit's page, relative to the workbook, in the order of summary.units."""
    _Writer(result, summary, unit_pages or []).write(target)
    return target


@dataclass(frozen=True)
class Styled:
    value: Any
    fmt: str


@dataclass(frozen=True)
class Link:
    target: str
    text: str


class _Writer:
    def __init__(self, result: BatchResult, summary: Summary, unit_pages: list[str]) -> None:
        self.result, self.summary, self.pages = result, summary, unit_pages
        self.t = report_texts()
        self.rubric = result.options.rubric

    def write(self, path: Path) -> None:
        wb = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "default_date_format": "dd/mm/yyyy",
            # Rows go to disk as they are written: 170,000 evidence rows never sit in memory.
            "constant_memory": True,
        })
        wb.set_properties({"title": self.t["workbook_title"].format(nam=self.result.options.year),
                           "comments": f"dvht {__version__}"})
        self.f = self._formats(wb)
        sheets = self.t["sheets"]
        self._summary(wb.add_worksheet(sheets["summary"]))
        self._detail(wb.add_worksheet(sheets["detail"]))
        self._evidence(wb.add_worksheet(sheets["evidence"]))
        self._stats(wb, wb.add_worksheet(sheets["stats"]))
        self._issues(wb.add_worksheet(sheets["issues"]))
        self._files(wb.add_worksheet(sheets["files"]))
        self._missing(wb.add_worksheet(sheets["missing"]))
        self._recommendations(wb.add_worksheet(sheets["recommendations"]))
        self._info(wb.add_worksheet(sheets["info"]))
        wb.close()

    def _formats(self, wb: xlsxwriter.Workbook) -> dict[str, Format]:
        f = {
            "header": wb.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center",
                                     "bg_color": "#D9E1F2", "border": 1}),
            "text": wb.add_format({"valign": "top"}),
            "wrap": wb.add_format({"valign": "top", "text_wrap": True}),
            "number": wb.add_format({"valign": "top", "num_format": "0.0#"}),
            "int": wb.add_format({"valign": "top", "num_format": "0"}),
            "percent": wb.add_format({"valign": "top", "num_format": "0.0%"}),
            "date": wb.add_format({"valign": "top", "num_format": "dd/mm/yyyy", "align": "left"}),
            "title": wb.add_format({"bold": True, "font_size": 13}),
            "bold": wb.add_format({"bold": True}),
            "link": wb.add_format({"font_color": "#0563C1", "underline": 1, "valign": "top"}),
        }
        for i, colour in enumerate(CLASS_COLOURS):
            f[f"class_{i}"] = wb.add_format({"bg_color": colour})
        for key, colour in STATUS_COLOURS.items():
            f[f"status_{key}"] = wb.add_format({"bg_color": colour})
        return f

    # ---- helpers -------------------------------------------------------------------------

    def _cell(self, ws: Worksheet, r: int, c: int, value: Any, fmt: str | None = None) -> None:
        kind = type(value)
        if kind is str:  # the common case first: 2 million cells at 10,000 units
            if value:
                ws.write_string(r, c, value if len(value) <= EXCEL_MAX_TEXT else value[: EXCEL_MAX_TEXT - 1] + "…",
                                 self.f[fmt] if fmt else None)
            return
        if kind is float or kind is int:
            ws.write_number(r, c, value, self.f[fmt] if fmt else self.f["int" if kind is int else "number"])
            return
        if isinstance(value, Styled):
            value, fmt = value.value, value.fmt
        if isinstance(value, Link):
            ws.write_url(r, c, "external:" + value.target, self.f["link"], string=value.text)
            return
        fm = self.f[fmt] if fmt else None
        if value is None or value == "":
            return  # an empty cell: nothing to write
        elif isinstance(value, bool):
            ws.write_string(r, c, self.t["answer_yes"] if value else self.t["answer_no"], fm)
        elif isinstance(value, (int, float)):
            ws.write_number(r, c, value, fm or (self.f["int"] if isinstance(value, int) else self.f["number"]))
        elif isinstance(value, (date, datetime)):
            ws.write_datetime(r, c, datetime(value.year, value.month, value.day), fm or self.f["date"])
        else:
            text = str(value)
            if len(text) > EXCEL_MAX_TEXT:
                text = text[: EXCEL_MAX_TEXT - 1] + "…"
            ws.write_string(r, c, text, fm)

    def _table(self, ws: Worksheet, headers: Sequence[str], rows: Sequence[Sequence[Any]],
               widths: Sequence[float], formats: Sequence[str | None] | None = None, first_row: int = 0) -> None:
        ws.write_row(first_row, 0, headers, self.f["header"])
        ws.set_row(first_row, 32)
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        column_formats = list(formats) if formats else [None] * len(headers)
        cell = self._cell
        for r, row in enumerate(rows, first_row + 1):
            for c, value in enumerate(row):
                if value is not None and value != "":
                    cell(ws, r, c, value, column_formats[c])
        ws.freeze_panes(first_row + 1, 0)
        ws.autofilter(first_row, 0, first_row + max(len(rows), 1), len(headers) - 1)

    def _col(self, key: str) -> str:
        return self.t["columns"][key]

    def _criterion_header(self, cid: str) -> str:
        return self.t["criterion_column"].format(id=cid)

    # ---- sheets --------------------------------------------------------------------------

    def _summary(self, ws: Worksheet) -> None:
        top = [c.id for c in self.rubric.criteria]
        headers = [self._col(k) for k in ("code", "name", "group", "status")] + \
            [self._criterion_header(cid) for cid in top] + \
            [self._col(k) for k in ("total", "class", "errors", "warnings", "report_date", "on_time",
                                    "in_roster", "file", "page")]
        bands = [b.label for b in self.rubric.bands]

        def class_cell(label: str) -> Any:
            return Styled(label, f"class_{min(bands.index(label), len(CLASS_COLOURS) - 1)}") if label in bands \
                else label

        def status_cell(u: Any) -> Any:
            return Styled(u.status_label, f"status_{u.status}") if u.status in STATUS_COLOURS else u.status_label

        # Relative links, so they survive copying the output folder elsewhere.
        pages = self.pages or [None] * len(self.summary.units)
        rows = [
            [u.code, u.name, u.group, status_cell(u), *(u.scores[cid] for cid in top), u.scores[TOTAL],
             class_cell(u.class_label), u.errors if u.submission else None, u.warnings if u.submission else None,
             u.report_date, u.on_time, u.in_roster, display_name(u.file),
             Link(page, self.t["page_link"]) if page else None]
            for u, page in zip(self.summary.units, pages, strict=True)
        ]
        widths = [12, 42, 24, 11, *(10 for _ in top), 10, 12, 8, 10, 12, 9, 11, 48, 16]
        formats: list[str | None] = [None, "wrap", "wrap", None, *("number" for _ in top), "number",
                                     None, "int", "int", "date", None, None, None, None]
        self._table(ws, headers, rows, widths, formats)

    def _detail(self, ws: Worksheet) -> None:
        leaves = [leaf.id for leaf in self.rubric.leaves]
        headers = [self._col(k) for k in ("code", "name", "group", "status")] + \
            [self._criterion_header(cid) for cid in leaves] + [self._col("total"), self._col("class")]
        rows = [[u.code, u.name, u.group, u.status_label, *(self._leaf(u, cid) for cid in leaves),
                 u.scores[TOTAL], u.class_label] for u in self.summary.units]
        self._table(ws, headers, rows, [12, 40, 22, 11, *(8 for _ in leaves), 10, 12],
                    [None, "wrap", "wrap", None, *("number" for _ in leaves), "number", None])

    def _evidence(self, ws: Worksheet) -> None:
        # Long format (unit x leaf) for filters and pivots; the criterion's wording is on "Thống kê".
        headers = [self._col(k) for k in ("code", "name", "criterion", "self_score", "evidence")]
        rows = [[u.code, u.name, leaf.id, u.submission.scores.get(leaf.id), u.submission.evidence.get(leaf.id, "")]
                for u in self.summary.units if u.submission for leaf in self.rubric.leaves]
        self._table(ws, headers, rows, [12, 32, 8, 10, 90], [None, None, None, "number", "wrap"])

    @staticmethod
    def _leaf(u: Any, cid: str) -> float | None:
        return u.submission.scores.get(cid) if u.submission else None

    def _stats(self, wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
        s, st = self.summary, self.t["stats"]
        groups = ["", *s.groups]
        group_names = [self._col("all_groups"), *s.groups]
        ws.set_column(0, 0, 44)
        ws.set_column(1, len(groups) + 2, 16)
        r = 0
        ws.write_string(r, 0, st["by_class"], self.f["title"])
        r += 1
        ws.write_row(r, 0, [self._col("class"), *group_names], self.f["header"])
        class_first = r + 1
        for label in s.class_labels:
            r += 1
            ws.write_string(r, 0, label)
            for c, g in enumerate(groups, 1):
                ws.write_number(r, c, s.class_counts[g][label])
        class_last = r
        r += 2
        ws.write_string(r, 0, st["by_status"], self.f["title"])
        r += 1
        ws.write_row(r, 0, [self._col("status"), *group_names], self.f["header"])
        for label in s.status_counts[""]:
            r += 1
            ws.write_string(r, 0, label)
            for c, g in enumerate(groups, 1):
                ws.write_number(r, c, s.status_counts[g][label])
        r += 2
        ws.write_string(r, 0, st["on_time"], self.f["title"])
        deadline = self.result.options.deadline
        rows = [
            (self.t["info"]["deadline"], format_vn_date(deadline) if deadline else st["no_deadline"]),
            (st["submitted"], s.submitted), (st["on_time_count"], s.on_time), (st["late_count"], s.late),
            (st["no_date"], s.no_date), (st["on_time_rate"], s.on_time_rate),
        ]
        for label, value in rows:
            r += 1
            ws.write_string(r, 0, label)
            if label == st["on_time_rate"]:
                self._cell(ws, r, 1, value, "percent")
            else:
                self._cell(ws, r, 1, value)
        r += 2
        ws.write_string(r, 0, st["by_criterion"], self.f["title"])
        r += 1
        ws.write_row(r, 0, [self._col("label"), "TT", self._col("max"), self._col("average"), self._col("share")],
                     self.f["header"])
        crit_first = r + 1
        for stat in s.criteria:
            r += 1
            c = stat.criterion
            ws.write_string(r, 0, ("  " * c.depth) + c.label, self.f["wrap"])
            ws.write_string(r, 1, c.id)
            ws.write_number(r, 2, c.max)
            self._cell(ws, r, 3, stat.average, "number")
            self._cell(ws, r, 4, stat.share, "percent")
        crit_last = r

        name = ws.get_name()
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"name": st["chart_class"], "categories": [name, class_first, 0, class_last, 0],
                          "values": [name, class_first, 1, class_last, 1],
                          "points": [{"fill": {"color": c}} for c in CLASS_COLOURS] + [{"fill": {"color": "#BFBFBF"}}],
                          "data_labels": {"value": True}})
        chart.set_title({"name": st["chart_class"]})
        chart.set_legend({"none": True})
        ws.insert_chart(0, len(groups) + 3, chart, {"x_scale": 1.2, "y_scale": 1.0})
        bar = wb.add_chart({"type": "bar"})
        bar.add_series({"name": st["chart_criterion"], "categories": [name, crit_first, 1, crit_last, 1],
                        "values": [name, crit_first, 4, crit_last, 4], "data_labels": {"value": True,
                                                                                        "num_format": "0%"}})
        bar.set_title({"name": st["chart_criterion"]})
        bar.set_legend({"none": True})
        bar.set_x_axis({"min": 0, "max": 1, "num_format": "0%"})
        bar.set_y_axis({"reverse": True})
        ws.insert_chart(17, len(groups) + 3, bar, {"x_scale": 1.2, "y_scale": 1.8})

    def _issues(self, ws: Worksheet) -> None:
        headers = [self._col(k) for k in ("file", "unit", "sheet", "cell", "severity", "issue_code", "message")]
        rows = [[display_name(i.file), unit, i.sheet, i.cell, i.severity_label, i.code, i.message]
                for i, unit in self.summary.issues]
        self._table(ws, headers, rows, [40, 32, 16, 7, 10, 22, 90], [None, "wrap", None, None, None, None, "wrap"])

    def _files(self, ws: Worksheet) -> None:
        headers = [self._col(k) for k in ("file", "size", "sha256", "unit", "outcome", "note")]
        rows = [[display_name(f.rel), f.size, f.sha256, f.unit, f.outcome_label, f.note] for f in self.summary.files]
        self._table(ws, headers, rows, [48, 12, 66, 14, 16, 70], [None, "int", None, None, None, "wrap"])

    def _missing(self, ws: Worksheet) -> None:
        reasons = self.t["missing_reason"]
        headers = [self._col(k) for k in ("code", "name", "group", "email", "contact", "reason")]
        rows = [[u.code, u.name, u.group, u.email, u.contact,
                 reasons["missing"] if u.status == "missing" else reasons["to_fix"].format(so_loi=u.errors)]
                for u in self.summary.units if u.in_roster and u.status != "valid"]
        self._table(ws, headers, rows, [12, 40, 24, 30, 24, 30], [None, "wrap", "wrap", None, None, None])

    def _recommendations(self, ws: Worksheet) -> None:
        keys = ("ton_tai_han_che", "nguyen_nhan", "kien_nghi")
        headers = [self._col(k) for k in ("code", "name", "group", *keys)]
        rows = [[u.code, u.name, u.group, *(u.submission.narrative.get(k, "") for k in keys)]
                for u in self.summary.units if u.submission]
        self._table(ws, headers, rows, [12, 32, 20, 60, 50, 60], [None, "wrap", "wrap", "wrap", "wrap", "wrap"])

    def _info(self, ws: Worksheet) -> None:
        info, o, s = self.t["info"], self.result.options, self.summary
        counts = {k: sum(1 for u in s.units if u.status == k) for k in ("valid", "to_fix", "missing")}
        read = [f for f in s.files if f.outcome != "skipped"]
        rows = [
            (info["rubric"], f"{self.rubric.id} {self.rubric.version} — {self.rubric.title}"),
            (info["legal_basis"], self.rubric.legal_basis),
            (info["year"], o.year),
            (info["input_dir"], display_name(str(o.input_dir))),
            (info["roster"], str(o.roster_path) if o.roster_path else info["none"]),
            (info["deadline"], format_vn_date(o.deadline) if o.deadline else info["none"]),
            (info["files_found"], len(s.files)),
            (info["files_read"], len(read)),
            (info["files_skipped"], len(s.files) - len(read)),
            (info["files_unreadable"], sum(1 for f in s.files if f.outcome == "unreadable")),
            (info["units"], len(s.units)),
            (info["valid"], counts["valid"]), (info["to_fix"], counts["to_fix"]), (info["missing"], counts["missing"]),
            (info["run_at"], self.result.started_at.strftime("%d/%m/%Y %H:%M:%S")),
            (info["software"], f"dvht {__version__}"),
        ]
        ws.set_column(0, 0, 30)
        ws.set_column(1, 1, 90)
        for r, (label, value) in enumerate(rows):
            ws.write_string(r, 0, label, self.f["bold"])
            self._cell(ws, r, 1, value, "wrap" if isinstance(value, str) else None)
