"""Write the consolidated workbook TongHop_DVHT_<year>.xlsx with xlsxwriter.

Every submitted string goes through text.cells.write_text (never write()), and the workbook
is created with strings_to_formulas/urls/numbers off, so a unit's text can never become a
formula, a link, rich-text markup or a guessed number on the department's PC.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
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
from processor.report.recognition import recommended_rows
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
from processor.text.wording import report_texts

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
        _forward_slash_links(path)

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
        for i, colour in enumerate(CLASS_FILLS):
            f[f"class_{i}"] = wb.add_format({"bg_color": colour})
        for key, colour in STATUS_COLOURS.items():
            f[f"status_{key}"] = wb.add_format({"bg_color": colour})
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

    def _table(self, ws: Worksheet, columns: Sequence[Column], items: Iterable[Any], first_row: int = 0) -> None:
        """A sortable, filterable table: a header row, then one row per item, each cell the
        value its column takes from the item, written as its column says."""
        ws.write_row(first_row, 0, [c.header for c in columns], self.f["header"])
        ws.set_row(first_row, 32)
        for c, column in enumerate(columns):
            ws.set_column(c, c, column.width)
        cell = self._cell
        last = first_row
        for r, item in enumerate(items, first_row + 1):
            last = r
            for c, column in enumerate(columns):
                value = column.value(item)
                if value is not None and value != "":
                    cell(ws, r, c, value, column.fmt)
        ws.freeze_panes(first_row + 1, 0)
        ws.autofilter(first_row, 0, max(last, first_row + 1), len(columns) - 1)

    def _col(self, key: str) -> str:
        return self.t["columns"][key]

    def _column(self, key: str, width: float, value: Callable[[Any], Any], fmt: str | None = None) -> Column:
        """A column whose header is the wording of `key` in report.yaml."""
        return Column(self._col(key), width, value, fmt)

    def _unit_columns(self, name_width: float, group_width: float) -> list[Column]:
        """Code, name and group: the first columns of every per-unit sheet."""
        return [self._column("code", 12, lambda u: u.code), self._column("name", name_width, lambda u: u.name, "wrap"),
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
            self._column("self_result", 14, lambda u: u.final.self_label if u.final else None, "wrap"),
            self._column("verified_result", 14, lambda u: u.final.verified_label if u.final else None, "wrap"),
            self._column("final_result", 14, final_cell, "wrap"),
            self._column("finality", 26, lambda u: u.finality_label, "wrap"),
            self._column("review_state", 30, lambda u: u.review_label, "wrap"),
        ]

    def _standing_column(self) -> Column:
        """The unit's standing from the register (covered until a year, due for
        re-recognition, else its last recognition in short), after this season's results."""
        return self._column("standing", 26, lambda u: u.standing_label, "wrap")

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
            *self._unit_columns(42, 24),
            self._column("status", 11, status_cell),
            *(Column(self._criterion_header(c.id), 10, _score_of(c.id), "number") for c in self.rubric.criteria),
            self._column("total", 10, _score_of(TOTAL), "number"),
            self._column("own_total", 14, _own_total, "number"),
            self._column("class", 12, class_cell),
            *self._final_columns(),
            self._standing_column(),
            *self._file_columns(),
        ]
        self._table(ws, columns, self.summary.units)

    def _detail(self, ws: Worksheet) -> None:
        columns = [
            *self._unit_columns(40, 22),
            self._column("status", 11, lambda u: u.status_label),
            *(Column(self._criterion_header(leaf.id), 8, _leaf_score_of(leaf.id), "number")
              for leaf in self.rubric.leaves),
            self._column("total", 10, _score_of(TOTAL), "number"),
            self._column("class", 12, lambda u: u.class_label),
        ]
        self._table(ws, columns, self.summary.units)

    def _evidence(self, ws: Worksheet) -> None:
        # Long format (unit x leaf) for filters and pivots; the criterion's wording is on "Thống kê".
        columns = [
            self._column("code", 12, lambda pair: pair[0].code),
            self._column("name", 32, lambda pair: pair[0].name),
            self._column("criterion", 8, lambda pair: pair[1]),
            self._column("self_score", 10, lambda pair: pair[0].submission.scores.get(pair[1]), "number"),
            self._column("evidence", 90, lambda pair: pair[0].submission.evidence.get(pair[1], ""), "wrap"),
        ]
        leaves = [leaf.id for leaf in self.rubric.leaves]
        self._table(ws, columns, ((u, leaf) for u in self.summary.units if u.submission for leaf in leaves))

    def _stats(self, wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
        s, st = self.summary, self.t["stats"]
        groups = ["", *s.groups]
        group_names = [self._col("all_groups"), *s.groups]
        ws.set_column(0, 0, 44)
        ws.set_column(1, 2 * len(groups) + 1, 16)
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
        r = self._final_rows(ws, r, groups, group_names)
        r = self._status_rows(ws, r, groups, group_names)
        r = self._on_time_rows(ws, r + 2)
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
        ws.insert_chart(0, 2 * len(groups) + 2, chart, {"x_scale": 1.2, "y_scale": 1.0})
        bar = wb.add_chart({"type": "bar"})
        bar.add_series({"name": st["chart_criterion"], "categories": [name, crit_first, 1, crit_last, 1],
                        "values": [name, crit_first, 4, crit_last, 4], "data_labels": {"value": True,
                                                                                        "num_format": "0%"}})
        bar.set_title({"name": st["chart_criterion"]})
        bar.set_legend({"none": True})
        bar.set_x_axis({"min": 0, "max": 1, "num_format": "0%"})
        bar.set_y_axis({"reverse": True})
        ws.insert_chart(17, 2 * len(groups) + 2, bar, {"x_scale": 1.2, "y_scale": 1.8})

    # ---- Thông tư 24/2023 sheets: levels, not points -------------------------------------

    def _lcol(self, key: str) -> str:
        return self.t["levels"]["columns"][key]

    def _level_columns(self) -> list[Column]:
        """Kind, status, level asked and level reached (coloured like the classes)."""
        def reached_cell(u: UnitRow) -> Any:
            label = u.level.reached_label if u.level else ""
            return Styled(label, f"class_{level_rank(self.rubric, label)}") if label else None

        return [
            Column(self._lcol("kind"), 30, lambda u: u.level.kind_label if u.level else "", "wrap"),
            self._column("status", 11, self._status_cell),
            Column(self._lcol("asked"), 12, lambda u: u.level.asked_label if u.level else ""),
            Column(self._lcol("reached"), 12, reached_cell),
        ]

    def _file_columns(self) -> list[Column]:
        """The end of a Tổng hợp row under either circular: findings, date, file and page."""
        return [
            self._column("errors", 8, lambda u: u.errors if u.submission else None, "int"),
            self._column("warnings", 10, lambda u: u.warnings if u.submission else None, "int"),
            self._column("report_date", 12, lambda u: u.report_date, "date"),
            self._column("on_time", 9, lambda u: u.on_time),
            self._column("in_roster", 11, lambda u: u.in_roster),
            self._column("file", 48, lambda u: display_path(u.file)),
            self._column("page", 16, self._page_cell()),
        ]

    def _level_summary(self, ws: Worksheet) -> None:
        columns = [
            *self._unit_columns(42, 24),
            *self._level_columns(),
            Column(self._lcol("unmet"), 24, lambda u: u.level.unmet if u.level else "", "wrap"),
            *self._final_columns(),
            self._standing_column(),
            *self._file_columns(),
        ]
        self._table(ws, columns, self.summary.units)

    def _level_detail(self, ws: Worksheet) -> None:
        texts, rubric = self.t, self.rubric

        def result_of(indicator: Any) -> Callable[[UnitRow], str]:
            return lambda u: indicator_result(u, indicator, rubric, texts)

        columns = [
            *self._unit_columns(40, 22),
            *self._level_columns(),
            *(Column(ind.code, 14, result_of(ind), "wrap") for ind in self.result.layout.tier.indicators),
        ]
        self._table(ws, columns, self.summary.units)

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
            self._column("code", 12, lambda pair: pair[0].code),
            self._column("name", 32, lambda pair: pair[0].name),
            Column(self._lcol("indicator"), 10, lambda pair: pair[1].code),
            Column(self._lcol("self"), 18, lambda pair: judged.get(e.judged, e.judged) if (e := entry(pair)) else ""),
            Column(self._lcol("count"), 9, count, "int"),
            Column(self._lcol("denominator"), 9, denominator, "int"),
            self._column("evidence", 90, lambda pair: e.evidence if (e := entry(pair)) else "", "wrap"),
        ]
        indicators = self.result.layout.tier.indicators
        self._table(ws, columns, ((u, ind) for u in self.summary.units
                                  if u.level and u.level.entries for ind in indicators))

    def _level_stats(self, wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
        s, lt = self.summary, self.t["levels"]
        ls = s.levels
        assert ls is not None
        groups = ["", *s.groups]
        group_names = [self._col("all_groups"), *s.groups]
        ws.set_column(0, 0, 44)
        ws.set_column(1, 2 * len(groups) + 2, 12)
        level_first, level_last, r = self._counts_rows(ws, 0, lt["stats"]["by_level"], lt["columns"]["level"],
                                                       ls.labels, groups, group_names, ls.by_group)
        r = self._final_rows(ws, r, groups, group_names)
        kinds = list(ls.by_kind)
        _, _, r = self._counts_rows(ws, r, lt["stats"]["by_level_kind"], lt["columns"]["level"], ls.labels, kinds,
                                    kinds, ls.by_kind)
        r = self._status_rows(ws, r, groups, group_names)
        r += 2
        r = self._on_time_rows(ws, r)
        r += 2
        ws.write_string(r, 0, lt["stats"]["by_indicator"], self.f["title"])
        r += 1
        ws.write_row(r, 0, [lt["columns"]["indicator_label"], lt["columns"]["indicator"], lt["columns"]["met"],
                            lt["columns"]["applicable"], lt["columns"]["rate"]], self.f["header"])
        ind_first = r + 1
        for stat in ls.indicators:
            r += 1
            ws.write_string(r, 0, stat.indicator.label, self.f["wrap"])
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
        ws.insert_chart(0, 2 * len(groups) + 2, chart, {"x_scale": 1.2, "y_scale": 1.0})
        bar = wb.add_chart({"type": "bar"})
        bar.add_series({"name": lt["stats"]["chart_indicator"], "categories": [name, ind_first, 1, ind_last, 1],
                        "values": [name, ind_first, 4, ind_last, 4],
                        "data_labels": {"value": True, "num_format": "0%"}})
        bar.set_title({"name": lt["stats"]["chart_indicator"]})
        bar.set_legend({"none": True})
        bar.set_x_axis({"min": 0, "max": 1, "num_format": "0%"})
        bar.set_y_axis({"reverse": True})
        ws.insert_chart(17, 2 * len(groups) + 2, bar, {"x_scale": 1.2, "y_scale": 1.8})

    def _counts_rows(self, ws: Worksheet, r: int, title: str, first: str, labels: Sequence[str], keys: list[str],
                     names: list[str], table: dict[str, dict[str, int]]) -> tuple[int, int, int]:
        """A block of counts and shares by label (rows) and group or kind (column pairs), from
        row r: (first data row, last data row, the row after the block and a blank one)."""
        share = self.t["columns"]["share"]
        ws.write_string(r, 0, title, self.f["title"])
        r += 1
        ws.write_row(r, 0, [first, *(x for name in names for x in (name, f"{share} ({name})"))], self.f["header"])
        start = r + 1
        for label in labels:
            r += 1
            ws.write_string(r, 0, label)
            for c, key in enumerate(keys):
                counts = table[key]
                total = sum(counts.values())
                ws.write_number(r, 1 + 2 * c, counts[label])
                self._cell(ws, r, 2 + 2 * c, counts[label] / total if total else None, "percent")
        return start, r, r + 2

    def _final_rows(self, ws: Worksheet, r: int, groups: list[str], group_names: list[str]) -> int:
        """Units by final result (after the council), next to the self-assessed block; returns
        the row after it (r itself when the run had no council step)."""
        finals = self.summary.finals
        if finals is None:
            return r
        _, _, r = self._counts_rows(ws, r, self.t["stats"]["by_final"], self._col("final_result"), finals.labels,
                                    groups, group_names, finals.by_group)
        return r

    def _status_rows(self, ws: Worksheet, r: int, groups: list[str], group_names: list[str]) -> int:
        """The status block of Thống kê (every rubric), from row r; returns its last row."""
        s, st = self.summary, self.t["stats"]
        ws.write_string(r, 0, st["by_status"], self.f["title"])
        r += 1
        ws.write_row(r, 0, [self._col("status"), *group_names], self.f["header"])
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
            self._column("file", 40, lambda pair: display_path(pair[0].file)),
            self._column("unit", 32, lambda pair: pair[1], "wrap"),
            self._column("sheet", 16, lambda pair: pair[0].sheet),
            self._column("cell", 7, lambda pair: pair[0].cell),
            self._column("severity", 10, lambda pair: pair[0].severity_label),
            self._column("issue_code", 22, lambda pair: pair[0].code),
            self._column("message", 90, lambda pair: pair[0].message, "wrap"),
        ]
        self._table(ws, columns, self.summary.issues)

    def _files(self, ws: Worksheet) -> None:
        columns = [
            self._column("file", 48, lambda f: display_path(f.rel)),
            self._column("size", 12, lambda f: f.size, "int"),
            self._column("sha256", 66, lambda f: f.sha256),
            self._column("unit", 14, lambda f: f.unit),
            self._column("outcome", 16, lambda f: f.outcome_label),
            self._column("note", 70, lambda f: f.note, "wrap"),
        ]
        self._table(ws, columns, self.summary.files)

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
            *self._unit_columns(40, 24),
            self._column("email", 30, lambda u: u.email),
            self._column("contact", 24, lambda u: u.contact),
            self._column("reason", 30, reason),
        ]
        # Units a recognition still covers (Đang bảo lưu) are not chased.
        chased = (Status.TO_FIX, Status.MISSING)
        self._table(ws, columns, (u for u in self.summary.units if u.in_roster and u.status in chased))

    def _recommendations(self, ws: Worksheet) -> None:
        keys = ("ton_tai_han_che", "nguyen_nhan", "kien_nghi")
        columns = [
            self._column("code", 12, lambda u: u.code), self._column("name", 32, lambda u: u.name, "wrap"),
            self._column("group", 20, lambda u: u.group, "wrap"),
            *(Column(self._col(k), width, _narrative_of(k), "wrap")
              for k, width in zip(keys, (60, 50, 60), strict=True)),
        ]
        self._table(ws, columns, (u for u in self.summary.units if u.submission))

    def _recognition(self, ws: Worksheet) -> None:
        """Danh sách đề nghị công nhận: the units recommended by their final result, in the one
        order the draft decision's annex uses (recommended_rows), with the counts per rank above."""
        rt, levels = self.t["recognition"], self.rubric.kind == "levels"
        rows = recommended_rows(self.summary)
        ws.write_string(0, 0, rt["title"].format(nam=self.result.options.year), self.f["title"])
        ws.write_string(1, 0, rt["note"])
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
        self._table(ws, columns, numbered, first_row=r + 2)

    def _changes(self, ws: Worksheet) -> None:
        """Thay đổi: what changed since the previous run of the season, files then units; its
        title names that run's time, or says this is the season's first run."""
        s, ct = self.summary, self.t["changes"]
        ws.set_column(0, 0, 6)
        if s.first_run or s.previous_at is None:
            ws.write_string(0, 0, ct["first_run"].format(nam=s.year), self.f["title"])
        else:
            ws.write_string(0, 0, ct["title"].format(nam=s.year, luc=s.previous_at.strftime("%d/%m/%Y %H:%M")),
                            self.f["title"])
            if not s.changes:
                ws.write_string(1, 0, ct["none"])
        kinds = ct["kind"]
        columns = [
            self._column("stt", 6, lambda pair: pair[0], "int"),
            self._column("change", 16, lambda pair: kinds[pair[1].kind]),
            self._column("unit", 36, lambda pair: pair[1].unit, "wrap"),
            self._column("file", 48, lambda pair: display_path(pair[1].file)),
            self._column("before", 30, lambda pair: pair[1].before, "wrap"),
            self._column("now", 30, lambda pair: pair[1].now, "wrap"),
        ]
        self._table(ws, columns, enumerate(s.changes, 1), first_row=2)

    def _history(self, ws: Worksheet) -> None:
        """Lịch sử công nhận: every recognition the register holds of each unit, newest first,
        under a title (and a line saying so when the register holds none)."""
        ht = self.t["history"]
        ws.write_string(0, 0, ht["title"], self.f["title"])
        rows = [(u, r) for u in self.summary.units for r in u.standing.history]
        if not rows:
            ws.write_string(1, 0, ht["none"])
        columns = [
            self._column("code", 12, lambda pair: pair[0].code),
            self._column("name", 40, lambda pair: pair[0].name, "wrap"),
            self._column("recognised_year", 8, lambda pair: pair[1].year, "int"),
            self._column("recognised_rubric", 18, lambda pair: rubric_name(pair[1].rubric)),
            self._column("recognised_result", 16, lambda pair: recognition_result(pair[1])),
            self._column("decision", 20, lambda pair: pair[1].decision),
            self._column("decision_date", 14, lambda pair: pair[1].decision_date, "date"),
            self._column("valid_through", 12, lambda pair: pair[1].valid_through, "int"),
        ]
        self._table(ws, columns, rows, first_row=2)

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
        ws.set_column(1, 1, 90)
        for r, (label, value) in enumerate(rows):
            ws.write_string(r, 0, label, self.f["bold"])
            self._cell(ws, r, 1, value, "wrap" if isinstance(value, str) else None)


_EXTERNAL_TARGET = re.compile(rb'(Target=")([^"]*)("[^>]*TargetMode="External")')


def _forward_slash_links(path: Path) -> None:
    """The links to the pages with "/" (xlsxwriter writes a relative file link as html\\X.html,
    which only Excel on Windows follows; LibreOffice, Excel for Mac and browsers want "/").
    Every other member is copied byte for byte, with its own time stamp (deterministic)."""
    draft = path.with_name(f".{path.name}.links")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(draft, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/_rels/"):
                data = _EXTERNAL_TARGET.sub(lambda m: m.group(1) + m.group(2).replace(b"\\", b"/") + m.group(3), data)
            zout.writestr(info, data)
    os.replace(draft, path)
