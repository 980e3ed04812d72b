"""Write the consolidated workbook TongHop_DVHT_<year>.xlsx with xlsxwriter.

Every submitted string goes through text.cells.write_text (never write()), and the workbook
is created with strings_to_formulas/urls/numbers off, so a unit's text can never become a
formula, a link, rich-text markup or a guessed number on the department's PC.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from processor import __version__
from processor.judge.score import TOTAL
from processor.model.batch import BatchResult
from processor.model.register import Coverage
from processor.model.statuses import Outcome, Status
from processor.report.palette import CLASS_FILLS, NO_CLASS_FILL, STATUS_COLOURS, band_index
from processor.report.printing import FONT, page_setup, row_height, wraps
from processor.report.recognition import recommended_rows
from processor.report.sheet_rows import Cell, Hyperlink, RowSplice, excel_serial, register_formats, rewrite_workbook
from processor.report.summary import (
    Summary,
    UnitRow,
    denominator_of,
    final_colour,
    grade_labels,
    indicator_result,
    level_rank,
    rank_labels,
    recognition_result,
    rubric_name,
)
from processor.text.cells import write_text
from processor.text.dates import format_vn_date
from processor.text.normalise import display_name, display_path
from processor.text.wording import report_texts, wording

EXCEL_MAX_TEXT = 32767


def workbook_name(year: int) -> str:
    return f"TongHop_DVHT_{year}.xlsx"


def write_workbook(result: BatchResult, summary: Summary, target: Path,
                   unit_pages: list[str] | None = None) -> Path:
    """unit_pages: each unit's page, relative to the workbook, in the order of summary.units."""
    _Writer(result, summary, unit_pages or []).write(target)
    return target


@dataclass(frozen=True)
class Column:
    """One column of a table sheet: its header, width, cell format and the value it takes
    from a row's item, declared together so that they cannot drift apart by position."""

    header: str
    width: float
    value: Callable[[Any], Any]
    fmt: str | None = None
    screen_only: bool = False  # left out of the print area (a file path, a link): at a table's end


def _score_of(criterion_id: str) -> Callable[[UnitRow], float | None]:
    """A sum shown as a score only for a unit whose file has no error: a Cần sửa unit's sum
    (105 out of 100) is its own unverified figure, shown only in the column that says so."""
    return lambda u: u.scores[criterion_id] if u.status == Status.VALID else None


def _own_total(u: UnitRow) -> float | None:
    return u.scores.get(TOTAL) if u.status == Status.TO_FIX else None


def _leaf_score_of(leaf_id: str) -> Callable[[UnitRow], float | None]:
    return lambda u: u.submission.scores.get(leaf_id) if u.submission else None


def _narrative_of(key: str) -> Callable[[UnitRow], str]:
    return lambda u: u.submission.narrative.get(key, "")


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
        self._title = self.t["workbook_title"].format(nam=result.options.year)
        self._splices: list[RowSplice] = []  # the big sheets' rows, put in once the file is closed

    def write(self, path: Path) -> None:
        wb = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "default_date_format": "dd/mm/yyyy",
            "default_format_properties": {**FONT, "valign": "top"},
            # Rows go to disk as they are written: 170,000 evidence rows never sit in memory.
            "constant_memory": True,
        })
        wb.set_properties({"title": self.t["workbook_title"].format(nam=self.result.options.year),
                           "comments": f"dvht {__version__}"})
        self.f = self._formats(wb)
        sheets = self.t["sheets"]
        # "Thay đổi" right after "Tổng hợp": the workbook still opens on the table every
        # instruction refers to, and today's news is the next tab (the console says it first).
        if self.rubric.kind == "levels":
            self._level_summary(wb.add_worksheet(sheets["summary"]))
            self._changes(wb.add_worksheet(sheets["changes"]))
            self._level_detail(wb.add_worksheet(sheets["detail"]))
            self._level_evidence(wb.add_worksheet(sheets["evidence"]))
            self._level_stats(wb, wb.add_worksheet(sheets["stats"]))
        else:
            self._summary(wb.add_worksheet(sheets["summary"]))
            self._changes(wb.add_worksheet(sheets["changes"]))
            self._detail(wb.add_worksheet(sheets["detail"]))
            self._evidence(wb.add_worksheet(sheets["evidence"]))
            self._stats(wb, wb.add_worksheet(sheets["stats"]))
        self._recognition(wb.add_worksheet(sheets["recognition"]))
        self._history(wb.add_worksheet(sheets["history"]))
        self._issues(wb.add_worksheet(sheets["issues"]))
        self._files(wb.add_worksheet(sheets["files"]))
        self._missing(wb.add_worksheet(sheets["missing"]))
        self._recommendations(wb.add_worksheet(sheets["recommendations"]))
        self._info(wb.add_worksheet(sheets["info"]))
        wb.close()
        rewrite_workbook(path, self._splices, _links_with_slashes)

    def _formats(self, wb: xlsxwriter.Workbook) -> dict[str, Format]:
        f = {
            "header": wb.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center",
                                     "bg_color": "#D9E1F2", "border": 1}),
            "text": wb.add_format({"valign": "top"}),
            "wrap": wb.add_format({"valign": "top", "text_wrap": True}),
            # [$-42A]: Vietnamese, so 41,7% and 92,5 wherever the number format's language
            # decides the separator (LibreOffice); Excel uses the PC's own settings.
            "number": wb.add_format({"valign": "top", "num_format": "[$-42A]0.0#"}),
            "int": wb.add_format({"valign": "top", "num_format": "0"}),
            "percent": wb.add_format({"valign": "top", "num_format": "[$-42A]0.0%"}),
            "date": wb.add_format({"valign": "top", "num_format": "dd/mm/yyyy", "align": "left"}),
            "title": wb.add_format({"bold": True, "font_size": 13}),
            "title_wrap": wb.add_format({"bold": True, "font_size": 13, "text_wrap": True, "valign": "top"}),
            "note_wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
            "bold": wb.add_format({"bold": True}),
            "link": wb.add_format({"font_color": "#0563C1", "underline": 1, "valign": "top"}),
        }
        for i, colour in enumerate(CLASS_FILLS):
            f[f"class_{i}"] = wb.add_format({"bg_color": colour, "text_wrap": True})
        for key, colour in STATUS_COLOURS.items():
            f[f"status_{key}"] = wb.add_format({"bg_color": colour, "text_wrap": True})
        return f

    # ---- helpers -------------------------------------------------------------------------

    def _cell(self, ws: Worksheet, r: int, c: int, value: Any, fmt: str | None = None) -> None:
        kind = type(value)
        if kind is str:  # the common case first: 2 million cells at 10,000 units
            if value:
                write_text(ws, r, c, value if len(value) <= EXCEL_MAX_TEXT else value[: EXCEL_MAX_TEXT - 1] + "…",
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
            write_text(ws, r, c, text, fm)

    def _table(self, ws: Worksheet, columns: Sequence[Column], items: Iterable[Any], first_row: int = 0,
               numbered: bool = False, landscape: bool | None = None, fast: bool = True) -> None:
        """A sortable, filterable table: a header row, then one row per item, each cell the
        value its column takes from the item, written as its column says; STT first
        (numbered), and printed with its header row on every page. A row whose text wraps is
        made tall enough for it, measured on the wrapped columns only (Minh chứng has 170,000
        rows: the other cells cost nothing more). The rows are spliced in as text (fast); the
        cell-by-cell loop through xlsxwriter (fast=False) is what tests/test_sheet_rows.py
        compares the splice with."""
        if numbered:
            columns = [self._column("stt", 5, lambda item: None, "int"), *columns]
        ws.write_row(first_row, 0, [c.header for c in columns], self.f["header"])
        ws.set_row(first_row, row_height([(c.header, c.width) for c in columns], bold=True) or 2 * 15.0 + 2)
        for c, column in enumerate(columns):
            ws.set_column(c, c, column.width)
        cell = self._cell
        start = 1 if numbered else 0
        plain = [(c, column.value, column.fmt) for c, column in enumerate(columns) if column.fmt != "wrap"][start:]
        wrapped = [(c, column.value, column.width) for c, column in enumerate(columns) if column.fmt == "wrap"]
        int_format = self.f["int"]
        last = first_row
        rest: list[Any] = []
        if fast:  # every row as text spliced into the closed file (report/sheet_rows.py)
            items, rest = (), list(items)
        for r, item in enumerate(items, first_row + 1):
            last = r
            if numbered:
                ws.write_number(r, 0, r - first_row, int_format)
            for c, value_of, fmt in plain:
                value = value_of(item)
                if value is not None and value != "":
                    cell(ws, r, c, value, fmt)
            if wrapped:
                texts = []
                for c, value_of, width in wrapped:
                    value = value_of(item)
                    if value is not None and value != "":
                        cell(ws, r, c, value, "wrap")
                        text = value.value if type(value) is Styled else value
                        if type(text) is str and wraps(text, width):
                            texts.append((text, width))
                if texts and (height := row_height(texts)):
                    ws.set_row(r, height)
        if rest:
            last = self._splice_rows(ws, columns, rest, first_row, last, numbered)
        ws.freeze_panes(first_row + 1, 0)
        ws.autofilter(first_row, 0, max(last, first_row + 1), len(columns) - 1)
        printed = [c for c in columns if not c.screen_only]
        page_setup(ws, widths=[c.width for c in printed], title=self._title, header_row=first_row,
                   landscape=landscape, area=(max(last, first_row + 1), len(printed) - 1))

    def _splice_rows(self, ws: Worksheet, columns: Sequence[Column], items: list[Any], first_row: int,
                     previous: int, numbered: bool) -> int:
        """Rows after `previous` as the row loop of _table would write them (the same values,
        formats, links and heights, _cell's rules), made into text after the workbook is
        closed; returns the last row."""
        f = self.f
        # every format a cell may take: a Styled value names any of them
        register_formats(f.values())
        styles = [(None, None) if c.fmt is None else (f[c.fmt], f[c.fmt]) for c in columns]
        start = 1 if numbered else 0
        values_of = [column.value for column in columns]
        column_fmt = [c.fmt for c in columns]
        wrapped = [(c, column.width) for c, column in enumerate(columns) if column.fmt == "wrap"]
        yes, no = self.t["answer_yes"], self.t["answer_no"]
        first = previous + 1
        link_fmt, date_fmt = f["link"], f["date"]

        def odd(value: Any, fmt: str | None) -> Any:
            """A value that is not plain text or a number in its column's format: as _cell writes it."""
            if type(value) is Styled:
                value, fmt = value.value, value.fmt
                if type(value) is str or value is None:
                    return Cell(value, f[fmt]) if value else None
            if isinstance(value, Link):
                return Hyperlink(value.target, value.text, link_fmt)
            fm = f[fmt] if fmt else None
            if value is None or value == "":
                return None
            if isinstance(value, bool):
                return Cell(yes if value else no, fm) if fm is not None else (yes if value else no)
            if isinstance(value, (int, float)):
                return Cell(float(value) if isinstance(value, float) else int(value),
                            fm or f["int" if isinstance(value, int) else "number"])
            if isinstance(value, (date, datetime)):
                return Cell(excel_serial(value), fm or date_fmt)
            text = str(value)
            return Cell(text, fm) if fm is not None else text

        def rows() -> Iterator[tuple[float | None, list[Any]]]:
            for n, item in enumerate(items):
                raw: list[Any] = [first + n - first_row] if numbered else []  # STT as _table numbers
                raw += [value_of(item) for value_of in values_of[start:]]
                values = raw[:]
                for c, value in enumerate(raw):
                    kind = type(value)
                    if not (kind is str or value is None or ((kind is int or kind is float) and column_fmt[c])):
                        values[c] = odd(value, column_fmt[c])
                texts = []
                for c, width in wrapped:  # the texts _table measures: a Styled one's, not a link's or a yes/no
                    text = raw[c].value if type(raw[c]) is Styled else raw[c]
                    if type(text) is str and wraps(text, width):
                        texts.append((text, width))
                yield (row_height(texts) if texts else None), values

        self._splices.append(RowSplice(f"xl/worksheets/sheet{ws.index + 1}.xml", first, rows(), styles,
                                       previous + len(items), len(columns) - 1))
        return previous + len(items)

    def _col(self, key: str) -> str:
        return self.t["columns"][key]

    def _column(self, key: str, width: float, value: Callable[[Any], Any], fmt: str | None = None) -> Column:
        """A column whose header is the wording of `key` in report.yaml."""
        return Column(self._col(key), width, value, fmt)

    def _unit_columns(self, name_width: float, group_width: float) -> list[Column]:
        """Code, name and group: the first columns of every per-unit sheet."""
        return [self._column("code", 10, lambda u: u.code), self._column("name", name_width, lambda u: u.name, "wrap"),
                self._column("group", group_width, lambda u: u.group, "wrap")]

    def _criterion_header(self, cid: str) -> str:
        return self.t["criterion_column"].format(id=cid)

    # ---- sheets --------------------------------------------------------------------------

    @staticmethod
    def _status_cell(u: UnitRow) -> Any:
        return Styled(u.status_label, f"status_{u.status}") if u.status in STATUS_COLOURS else u.status_label

    def _page_cell(self) -> Callable[[UnitRow], Any]:
        # Relative links, so they survive copying the output folder elsewhere.
        page_of = {id(u): page for u, page in zip(self.summary.units, self.pages, strict=False)}

        def page_cell(u: UnitRow) -> Any:
            page = page_of.get(id(u))
            return Link(page, self.t["page_link"]) if page else None

        return page_cell

    def _final_columns(self) -> list[Column]:
        """Self-assessed, verified and final result side by side, which one is final and the
        state of the council's entries: the same words as the council workbook."""
        def final_cell(u: UnitRow) -> Any:
            fill = self._final_fill(u)
            return Styled(u.final.label, fill) if u.final and fill else (u.final.label if u.final else None)

        return [
            self._column("self_result", 11, lambda u: u.final.self_label if u.final else None, "wrap"),
            self._column("verified_result", 11, lambda u: u.final.verified_label if u.final else None, "wrap"),
            self._column("final_result", 11, final_cell, "wrap"),
            self._column("finality", 26, lambda u: u.finality_label, "wrap"),
            self._column("review_state", 20, lambda u: u.review_label, "wrap"),
        ]

    def _standing_column(self) -> Column:
        """The unit's standing from the register (covered until a year, due for
        re-recognition, else its last recognition in short), after this season's results."""
        return self._column("standing", 18, lambda u: u.standing_label, "wrap")

    def _final_fill(self, u: UnitRow) -> str | None:
        colour = final_colour(self.rubric, u.final)
        return None if colour is None else f"class_{colour}"

    def _summary(self, ws: Worksheet) -> None:
        bands = [b.label for b in self.rubric.bands]

        def class_cell(u: UnitRow) -> Any:
            label = u.class_label
            return Styled(label, f"class_{band_index(bands, label)}") if label in bands else label

        status_cell = self._status_cell
        columns = [
            *self._unit_columns(28, 15),
            self._column("status", 9, status_cell, "wrap"),
            *(Column(self._criterion_header(c.id), 7, _score_of(c.id), "number") for c in self.rubric.criteria),
            self._column("total", 7, _score_of(TOTAL), "number"),
            self._column("own_total", 13, _own_total, "number"),
            self._column("class", 10, class_cell, "wrap"),
            *self._final_columns(),
            self._standing_column(),
            *self._file_columns(),
        ]
        self._table(ws, columns, self.summary.units, numbered=True)

    def _detail(self, ws: Worksheet) -> None:
        columns = [
            *self._unit_columns(28, 15),
            self._column("status", 9, lambda u: u.status_label),
            *(Column(self._criterion_header(leaf.id), 6, _leaf_score_of(leaf.id), "number")
              for leaf in self.rubric.leaves),
            self._column("total", 7, _score_of(TOTAL), "number"),
            self._column("class", 10, lambda u: u.class_label),
        ]
        self._table(ws, columns, self.summary.units, numbered=True)

    def _evidence(self, ws: Worksheet) -> None:
        # Long format (unit x leaf) for filters and pivots; the criterion's wording is on "Thống kê".
        columns = [
            self._column("code", 9, lambda pair: pair[0].code),
            self._column("name", 24, lambda pair: pair[0].name, "wrap"),
            self._column("criterion", 7, lambda pair: pair[1]),
            self._column("self_score", 7, lambda pair: pair[0].submission.scores.get(pair[1]), "number"),
            self._column("evidence", 70, lambda pair: pair[0].submission.evidence.get(pair[1], ""), "wrap"),
        ]
        leaves = [leaf.id for leaf in self.rubric.leaves]
        # portrait: a long list of short rows takes fewer pages scaled to a portrait page's width
        self._table(ws, columns, ((u, leaf) for u in self.summary.units if u.submission for leaf in leaves),
                    numbered=True, landscape=False)

    def _stats(self, wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
        s, st = self.summary, self.t["stats"]
        groups = ["", *s.groups]
        group_names = [self._col("all_groups"), *s.groups]
        widths = self._stats_columns(ws, len(groups))
        bands = {b.label for b in self.rubric.bands}
        class_first, class_last, r = self._counts_rows(ws, 0, st["by_class"], self._col("class"), s.class_labels,
                                                       groups, group_names, s.class_counts, bands)
        r = self._final_rows(ws, r, groups, group_names)
        r = self._status_rows(ws, r, groups, group_names)
        r = self._on_time_rows(ws, r + 2)
        r += 2
        ws.write_string(r, 0, st["by_criterion"], self.f["title"])
        r += 1
        self._header_row(ws, r, [self._col("label"), "TT", self._col("max"), self._col("average"),
                                 self._col("share")], widths)
        crit_first = r + 1
        for stat in s.criteria:
            r += 1
            c = stat.criterion
            label = ("  " * c.depth) + c.label
            ws.write_string(r, 0, label, self.f["wrap"])
            if height := row_height([(label, widths[0])]):
                ws.set_row(r, height)
            ws.write_string(r, 1, c.number)  # the circular's numbering, as the template's TT column
            ws.write_number(r, 2, c.max)
            self._cell(ws, r, 3, stat.average, "number")
            self._cell(ws, r, 4, stat.share, "percent")
        crit_last = r

        name = ws.get_name()
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"name": st["chart_class"], "categories": [name, class_first, 0, class_last, 0],
                          "values": [name, class_first, 1, class_last, 1],
                          "points": [{"fill": {"color": c}} for c in (*CLASS_FILLS, NO_CLASS_FILL)],
                          "data_labels": {"value": True}})
        chart.set_title({"name": st["chart_class"]})
        chart.set_legend({"none": True})
        bar = wb.add_chart({"type": "bar"})
        bar.add_series({"name": st["chart_criterion"], "categories": [name, crit_first, 1, crit_last, 1],
                        "values": [name, crit_first, 4, crit_last, 4], "data_labels": {"value": True,
                                                                                        "num_format": "0%"}})
        bar.set_title({"name": st["chart_criterion"]})
        bar.set_legend({"none": True})
        bar.set_x_axis({"min": 0, "max": 1, "num_format": "0%"})
        bar.set_y_axis({"reverse": True})
        self._charts(ws, r + 2, chart, bar, widths)

    def _stats_columns(self, ws: Worksheet, groups: int) -> list[float]:
        """Thống kê's columns: the labels, then a count and a share for each group; returns
        their widths (the page is as wide as they are)."""
        widths = [44.0, *([11.0, 12.0] * groups)]
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        return widths

    def _charts(self, ws: Worksheet, r: int, first: Any, second: Any, widths: list[float]) -> None:
        """The two charts under the tables, side by side when the page is wide enough: printed
        at the end of the sheet rather than widening every page (as they did on the right)."""
        ws.set_h_pagebreaks([r])  # the charts on a page of their own, never cut by a page break
        ws.insert_chart(r, 0, first, {"x_scale": 1.0, "y_scale": 1.0})
        beside = sum(widths) >= 120
        at = (r, next(c for c in range(len(widths)) if sum(widths[:c]) >= 70)) if beside else (r + 16, 0)
        ws.insert_chart(*at, second, {"x_scale": 1.0, "y_scale": 1.6})
        page_setup(ws, widths=widths, title=self._title)

    def _header_row(self, ws: Worksheet, r: int, texts: Sequence[str], widths: Sequence[float]) -> None:
        """A header row of a block of Thống kê, as tall as its wrapped texts."""
        ws.write_row(r, 0, list(texts), self.f["header"])
        if height := row_height(list(zip(texts, widths, strict=False)), bold=True):
            ws.set_row(r, height)

    # ---- Thông tư 24/2023 sheets: levels, not points -------------------------------------

    def _lcol(self, key: str) -> str:
        return self.t["levels"]["columns"][key]

    def _level_columns(self) -> list[Column]:
        """Kind, status, level asked and level reached (coloured like the classes)."""
        def reached_cell(u: UnitRow) -> Any:
            label = u.level.reached_label if u.level else ""
            return Styled(label, f"class_{level_rank(self.rubric, label)}") if label else None

        return [
            Column(self._lcol("kind"), 22, lambda u: u.level.kind_label if u.level else "", "wrap"),
            self._column("status", 9, self._status_cell, "wrap"),
            Column(self._lcol("asked"), 10, lambda u: u.level.asked_label if u.level else ""),
            Column(self._lcol("reached"), 10, reached_cell, "wrap"),
        ]

    def _file_columns(self) -> list[Column]:
        """The end of a Tổng hợp row under either circular: findings, date, file and page."""
        return [
            self._column("errors", 6, lambda u: u.errors if u.submission else None, "int"),
            self._column("warnings", 7, lambda u: u.warnings if u.submission else None, "int"),
            self._column("report_date", 10, lambda u: u.report_date, "date"),
            self._column("on_time", 7, lambda u: u.on_time),
            # on screen only: whether the roster has the unit, its file, its page (Tệp đã nhận
            # lists the files; a link is nothing on paper)
            Column(self._col("in_roster"), 9, lambda u: u.in_roster, screen_only=True),
            Column(self._col("file"), 48, lambda u: display_path(u.file), screen_only=True),
            Column(self._col("page"), 16, self._page_cell(), screen_only=True),
        ]

    def _level_summary(self, ws: Worksheet) -> None:
        columns = [
            *self._unit_columns(28, 15),
            *self._level_columns(),
            Column(self._lcol("unmet"), 18, lambda u: u.level.unmet if u.level else "", "wrap"),
            *self._final_columns(),
            self._standing_column(),
            *self._file_columns(),
        ]
        self._table(ws, columns, self.summary.units, numbered=True)

    def _level_detail(self, ws: Worksheet) -> None:
        texts, rubric = self.t, self.rubric

        def result_of(indicator: Any) -> Callable[[UnitRow], str]:
            return lambda u: indicator_result(u, indicator, rubric, texts)

        columns = [
            *self._unit_columns(28, 15),
            *self._level_columns(),
            *(Column(ind.code, 10, result_of(ind), "wrap") for ind in self.result.layout.tier.indicators),
        ]
        self._table(ws, columns, self.summary.units, numbered=True)

    def _level_evidence(self, ws: Worksheet) -> None:
        """Long format (unit × indicator): what the unit judged, its count and its evidence."""
        judged = {**self.t["levels"]["judged"], **grade_labels(self.rubric)}

        def entry(pair: tuple[UnitRow, Any]) -> Any:
            u, ind = pair
            return u.level.entries.indicators.get(ind.id) if u.level and u.level.entries else None

        def count(pair: tuple[UnitRow, Any]) -> Any:
            e = entry(pair)
            return e.count if e is not None else None

        def denominator(pair: tuple[UnitRow, Any]) -> Any:
            u, ind = pair
            if ind.type != "percent" or not u.level or not u.level.entries:
                return None
            return denominator_of(ind, u.level.entries, u.level.kind)

        columns = [
            self._column("code", 9, lambda pair: pair[0].code),
            self._column("name", 24, lambda pair: pair[0].name, "wrap"),
            Column(self._lcol("indicator"), 9, lambda pair: pair[1].code),
            Column(self._lcol("self"), 14, lambda pair: judged.get(e.judged, e.judged) if (e := entry(pair)) else "",
                   "wrap"),
            Column(self._lcol("count"), 7, count, "int"),
            Column(self._lcol("denominator"), 7, denominator, "int"),
            self._column("evidence", 60, lambda pair: e.evidence if (e := entry(pair)) else "", "wrap"),
        ]
        indicators = self.result.layout.tier.indicators
        self._table(ws, columns, ((u, ind) for u in self.summary.units
                                  if u.level and u.level.entries for ind in indicators),
                    numbered=True, landscape=False)

    def _level_stats(self, wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
        s, lt = self.summary, self.t["levels"]
        ls = s.levels
        assert ls is not None
        groups = ["", *s.groups]
        group_names = [self._col("all_groups"), *s.groups]
        kinds = list(ls.by_kind)
        widths = self._stats_columns(ws, max(len(groups), len(kinds)))
        rated = set(ls.labels) - {lt["not_judged"]}
        level_first, level_last, r = self._counts_rows(ws, 0, lt["stats"]["by_level"], lt["columns"]["level"],
                                                       ls.labels, groups, group_names, ls.by_group, rated)
        r = self._final_rows(ws, r, groups, group_names)
        _, _, r = self._counts_rows(ws, r, lt["stats"]["by_level_kind"], lt["columns"]["level"], ls.labels, kinds,
                                    kinds, ls.by_kind, rated)
        r = self._status_rows(ws, r, groups, group_names)
        r += 2
        r = self._on_time_rows(ws, r)
        r += 2
        ws.write_string(r, 0, lt["stats"]["by_indicator"], self.f["title"])
        r += 1
        self._header_row(ws, r, [lt["columns"]["indicator_label"], lt["columns"]["indicator"], lt["columns"]["met"],
                                 lt["columns"]["applicable"], lt["columns"]["rate"]], widths)
        ind_first = r + 1
        for stat in ls.indicators:
            r += 1
            ws.write_string(r, 0, stat.indicator.label, self.f["wrap"])
            if height := row_height([(stat.indicator.label, widths[0])]):
                ws.set_row(r, height)
            ws.write_string(r, 1, stat.indicator.code)
            ws.write_number(r, 2, stat.met)
            ws.write_number(r, 3, stat.applicable)
            self._cell(ws, r, 4, stat.rate, "percent")
        ind_last = r

        name = ws.get_name()
        chart = wb.add_chart({"type": "column"})
        fills = [CLASS_FILLS[level_rank(self.rubric, label)] for label in ls.labels[:-1]] + [NO_CLASS_FILL]
        chart.add_series({"name": lt["stats"]["chart_level"], "categories": [name, level_first, 0, level_last, 0],
                          "values": [name, level_first, 1, level_last, 1],
                          "points": [{"fill": {"color": c}} for c in fills], "data_labels": {"value": True}})
        chart.set_title({"name": lt["stats"]["chart_level"]})
        chart.set_legend({"none": True})
        bar = wb.add_chart({"type": "bar"})
        bar.add_series({"name": lt["stats"]["chart_indicator"], "categories": [name, ind_first, 1, ind_last, 1],
                        "values": [name, ind_first, 4, ind_last, 4],
                        "data_labels": {"value": True, "num_format": "0%"}})
        bar.set_title({"name": lt["stats"]["chart_indicator"]})
        bar.set_legend({"none": True})
        bar.set_x_axis({"min": 0, "max": 1, "num_format": "0%"})
        bar.set_y_axis({"reverse": True})
        self._charts(ws, r + 2, chart, bar, widths)

    def _counts_rows(self, ws: Worksheet, r: int, title: str, first: str, labels: Sequence[str], keys: list[str],
                     names: list[str], table: dict[str, dict[str, int]], rated: set[str]) -> tuple[int, int, int]:
        """A block of counts and shares by label (rows) and group or kind (column pairs), from
        row r: (first data row, last data row, the row after the block and a blank one).

        A share is of the units with a valid dossier (the rated labels: a class, a level,
        not reached, a final result or not recommended), as the header says, and the
        block's last row gives that number: the shares of a column add up to 100 %, and a
        unit still to fix or missing is counted but has no share."""
        share = self._col("share_valid")
        ws.write_string(r, 0, title, self.f["title"])
        r += 1
        headers = [first, *(x for name in names for x in (name, f"{share} ({name})"))]
        self._header_row(ws, r, headers, [44.0, *([11.0, 12.0] * len(names))])
        start = r + 1
        valid = {key: sum(n for label, n in table[key].items() if label in rated) for key in keys}
        for label in labels:
            r += 1
            ws.write_string(r, 0, label)
            for c, key in enumerate(keys):
                n = table[key][label]
                ws.write_number(r, 1 + 2 * c, n)
                if label in rated and valid[key]:
                    # cut at a tenth of a percent as text.numbers.percent does (the pages say the
                    # same figure; 94,96 % is never shown as 95,0 %)
                    ws.write_number(r, 2 + 2 * c, (1000 * n // valid[key]) / 1000, self.f["percent"])
        last = r
        r += 1
        ws.write_string(r, 0, self.t["stats"]["valid_units"], self.f["wrap"])
        for c, key in enumerate(keys):
            ws.write_number(r, 1 + 2 * c, valid[key])
        return start, last, r + 2

    def _final_rows(self, ws: Worksheet, r: int, groups: list[str], group_names: list[str]) -> int:
        """Units by final result (after the council), next to the self-assessed block; returns
        the row after it (r itself when the run had no council step)."""
        finals = self.summary.finals
        if finals is None:
            return r
        rated = {label for _, label in rank_labels(self.rubric)} | {wording("council")["not_recommended"]}
        _, _, r = self._counts_rows(ws, r, self.t["stats"]["by_final"], self._col("final_result"), finals.labels,
                                    groups, group_names, finals.by_group, rated)
        return r

    def _status_rows(self, ws: Worksheet, r: int, groups: list[str], group_names: list[str]) -> int:
        """The status block of Thống kê (every rubric), from row r; returns its last row."""
        s, st = self.summary, self.t["stats"]
        ws.write_string(r, 0, st["by_status"], self.f["title"])
        r += 1
        self._header_row(ws, r, [self._col("status"), *group_names], [44.0, *([11.0, 12.0] * len(group_names))])
        for label in s.status_counts[""]:
            r += 1
            ws.write_string(r, 0, label)
            for c, g in enumerate(groups, 1):
                ws.write_number(r, c, s.status_counts[g][label])
        return r

    def _on_time_rows(self, ws: Worksheet, r: int) -> int:
        """The deadline block of Thống kê; returns its last row."""
        s, st = self.summary, self.t["stats"]
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
            self._cell(ws, r, 1, value, "percent" if label == st["on_time_rate"] else None)
        return r

    def _issues(self, ws: Worksheet) -> None:
        columns = [
            self._column("file", 30, lambda pair: display_path(pair[0].file), "wrap"),
            self._column("unit", 24, lambda pair: pair[1], "wrap"),
            self._column("sheet", 13, lambda pair: pair[0].sheet, "wrap"),
            self._column("cell", 6, lambda pair: pair[0].cell),
            self._column("severity", 9, lambda pair: pair[0].severity_label),
            self._column("issue_code", 18, lambda pair: pair[0].code, "wrap"),
            self._column("message", 70, lambda pair: pair[0].message, "wrap"),
        ]
        self._table(ws, columns, self.summary.issues, numbered=True)

    def _files(self, ws: Worksheet) -> None:
        columns = [
            self._column("file", 36, lambda f: display_path(f.rel), "wrap"),
            self._column("size", 10, lambda f: f.size, "int"),
            self._column("sha256", 34, lambda f: f.sha256, "wrap"),
            self._column("unit", 10, lambda f: f.unit),
            self._column("outcome", 13, lambda f: f.outcome_label, "wrap"),
            self._column("note", 50, lambda f: f.note, "wrap"),
        ]
        self._table(ws, columns, self.summary.files, numbered=True)

    def _missing(self, ws: Worksheet) -> None:
        reasons = self.t["missing_reason"]

        def reason(u: UnitRow) -> str:
            if u.status == Status.TO_FIX:
                return reasons["to_fix"].format(so_loi=u.errors)
            due = u.standing.covering
            if u.standing.coverage == Coverage.RENEWAL_DUE and due is not None:
                return reasons["renewal_due"].format(ket_qua=recognition_result(due), nam=due.year,
                                                     den_nam=due.valid_through)
            return reasons["missing"]

        columns = [
            *self._unit_columns(28, 15),
            self._column("email", 26, lambda u: u.email, "wrap"),
            self._column("contact", 20, lambda u: u.contact, "wrap"),
            self._column("reason", 28, reason, "wrap"),
        ]
        # Units a recognition still covers (Đang bảo lưu) are not chased.
        chased = (Status.TO_FIX, Status.MISSING)
        self._table(ws, columns, (u for u in self.summary.units if u.in_roster and u.status in chased), numbered=True)

    def _recommendations(self, ws: Worksheet) -> None:
        keys = ("ton_tai_han_che", "nguyen_nhan", "kien_nghi")
        columns = [
            *self._unit_columns(24, 15),
            *(Column(self._col(k), width, _narrative_of(k), "wrap")
              for k, width in zip(keys, (50, 40, 50), strict=True)),
        ]
        self._table(ws, columns, (u for u in self.summary.units if u.submission), numbered=True)

    def _recognition(self, ws: Worksheet) -> None:
        """Danh sách đề nghị công nhận: the units recommended by their final result, in the one
        order the draft decision's annex uses (recommended_rows), with the counts per rank above."""
        rt, levels = self.t["recognition"], self.rubric.kind == "levels"
        rows = recommended_rows(self.summary)
        width = 126 + (42 if levels else 0)
        self._heading(ws, 0, rt["title"].format(nam=self.result.options.year), "title_wrap", width, 8 if levels else 6)
        self._heading(ws, 1, rt["note"], "note_wrap", width, 8 if levels else 6)
        r = 2
        for rank, label in rank_labels(self.rubric):
            r += 1
            ws.write_string(r, 0, label, self.f["bold"])
            ws.write_number(r, 1, sum(1 for u in rows if u.final is not None and u.final.rank == rank))
        r += 1
        ws.write_string(r, 0, rt["total"], self.f["bold"])
        ws.write_number(r, 1, len(rows))
        numbered = list(enumerate(rows, 1))
        columns = [
            self._column("stt", 6, lambda pair: pair[0], "int"),
            self._column("code", 12, lambda pair: pair[1].code),
            self._column("name", 42, lambda pair: pair[1].name, "wrap"),
            self._column("group", 22, lambda pair: pair[1].group, "wrap"),
            *([Column(self._lcol("kind"), 30, lambda pair: pair[1].level.kind_label if pair[1].level else "", "wrap"),
               Column(self._lcol("asked"), 12, lambda pair: pair[1].level.asked_label if pair[1].level else "")]
              if levels else []),
            self._column("final_result", 14, lambda pair: pair[1].final.label),
            self._column("basis", 30, lambda pair: pair[1].finality_label, "wrap"),
        ]
        self._table(ws, columns, numbered, first_row=r + 2, numbered=False)

    def _changes(self, ws: Worksheet) -> None:
        """Thay đổi: what changed since the previous run of the season, files then units; its
        title names that run's time, or says this is the season's first run."""
        s, ct = self.summary, self.t["changes"]
        if s.first_run or s.previous_at is None:
            self._heading(ws, 0, ct["first_run"].format(nam=s.year), "title_wrap", 136, 6)
        else:
            self._heading(ws, 0, ct["title"].format(nam=s.year, luc=s.previous_at.strftime("%d/%m/%Y %H:%M")),
                          "title_wrap", 136, 6)
            if not s.changes:
                ws.write_string(1, 0, ct["none"])
        kinds = ct["kind"]
        columns = [
            self._column("stt", 6, lambda pair: pair[0], "int"),
            self._column("change", 16, lambda pair: kinds[pair[1].kind]),
            self._column("unit", 30, lambda pair: pair[1].unit, "wrap"),
            self._column("file", 36, lambda pair: display_path(pair[1].file), "wrap"),
            self._column("before", 24, lambda pair: pair[1].before, "wrap"),
            self._column("now", 24, lambda pair: pair[1].now, "wrap"),
        ]
        self._table(ws, columns, enumerate(s.changes, 1), first_row=2, numbered=False)

    def _history(self, ws: Worksheet) -> None:
        """Lịch sử công nhận: every recognition the register holds of each unit, newest first,
        under a title (and a line saying so when the register holds none)."""
        ht = self.t["history"]
        self._heading(ws, 0, ht["title"], "title_wrap", 134, 9)
        rows = [(u, r) for u in self.summary.units for r in u.standing.history]
        if not rows:
            self._heading(ws, 1, ht["none"], "note_wrap", 134, 9)
        columns = [
            self._column("code", 9, lambda pair: pair[0].code),
            self._column("name", 30, lambda pair: pair[0].name, "wrap"),
            self._column("recognised_year", 8, lambda pair: pair[1].year, "int"),
            self._column("recognised_rubric", 18, lambda pair: rubric_name(pair[1].rubric), "wrap"),
            self._column("recognised_result", 16, lambda pair: recognition_result(pair[1]), "wrap"),
            self._column("decision", 20, lambda pair: pair[1].decision, "wrap"),
            self._column("decision_date", 14, lambda pair: pair[1].decision_date, "date"),
            self._column("valid_through", 12, lambda pair: pair[1].valid_through, "int"),
        ]
        self._table(ws, columns, rows, first_row=2, numbered=True)

    def _info(self, ws: Worksheet) -> None:
        info, o, s = self.t["info"], self.result.options, self.summary
        skipped = s.files_with(Outcome.SKIPPED)
        rows = [
            (info["rubric"], f"{self.rubric.id} {self.rubric.version} — {self.rubric.title}"),
            (info["legal_basis"], self.rubric.legal_basis),
            (info["year"], o.year),
            (info["input_dir"], display_name(str(o.input_dir))),
            (info["roster"], str(o.roster_path) if o.roster_path else info["none"]),
            (info["deadline"], format_vn_date(o.deadline) if o.deadline else info["none"]),
            (info["files_found"], len(s.files)),
            (info["files_read"], len(s.files) - skipped),
            (info["files_skipped"], skipped),
            (info["files_unreadable"], s.files_with(Outcome.UNREADABLE)),
            (info["units"], len(s.units)),
            *((info[status], s.units_with(status)) for status in s.statuses),
            (info["run_at"], self.result.started_at.strftime("%d/%m/%Y %H:%M:%S")),
            (info["software"], f"dvht {__version__}"),
        ]
        ws.set_column(0, 0, 30)
        ws.set_column(1, 1, 70)
        for r, (label, value) in enumerate(rows):
            ws.write_string(r, 0, label, self.f["bold"])
            self._cell(ws, r, 1, value, "wrap" if isinstance(value, str) else None)
            if isinstance(value, str) and (height := row_height([(value, 70)])):
                ws.set_row(r, height)
        page_setup(ws, widths=[30, 70], title=self._title)

    def _heading(self, ws: Worksheet, r: int, text: str, fmt: str, width: float, columns: int) -> None:
        """A title or note above a table, over its first `columns` columns (about `width`
        characters), wrapped there: printed whole, never cut at the table's right edge."""
        ws.merge_range(r, 0, r, columns - 1, text, self.f[fmt])
        height = row_height([(text, width * (0.8 if fmt.startswith("title") else 1.0))])
        if height or fmt.startswith("title"):
            ws.set_row(r, max(height or 0, 20))


_EXTERNAL_TARGET = re.compile(rb'(Target=")([^"]*)("[^>]*TargetMode="External")')


def _links_with_slashes(name: str, data: bytes) -> bytes:
    """The links to the pages with "/" (xlsxwriter writes a relative file link as html\\X.html,
    which only Excel on Windows follows; LibreOffice, Excel for Mac and browsers want "/")."""
    if not name.startswith("xl/worksheets/_rels/"):
        return data
    return _EXTERNAL_TARGET.sub(lambda m: m.group(1) + m.group(2).replace(b"\\", b"/") + m.group(3), data)
