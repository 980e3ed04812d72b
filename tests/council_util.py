"""Type into the council workbook as a council member would (openpyxl, the yellow cells
only), and read it back by column key, for the tests of the council's verification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook

from processor.model.council_layout import HEADER_ROW, CouncilLayout, Sheet, build_council_layout
from processor.model.rubric import AnyRubric


def _sheet(layout: CouncilLayout, which: str) -> Sheet:
    return layout.units if which == "units" else layout.items


def fill_council(path: Path, rubric: AnyRubric, values: dict[tuple[str, str, str], Any]) -> None:
    """values: (units|items, row key, column key) -> value. Only entry columns may be typed
    (the sheets are locked elsewhere), which the helper checks, like Excel would."""
    layout = build_council_layout(rubric)
    wb = openpyxl.load_workbook(path)
    for (which, key, column), value in values.items():
        sheet = _sheet(layout, which)
        assert column in sheet.entry_keys, f"{column} is locked in {sheet.name}"
        ws = wb[sheet.name]
        key_col = sheet.index["key"] + 1
        row = next((r for r in range(HEADER_ROW + 2, ws.max_row + 1) if ws.cell(r, key_col).value == key), None)
        assert row is not None, f"no row {key} in {sheet.name}"
        cell = ws.cell(row, sheet.index[column] + 1)
        assert cell.protection.locked is False, f"{sheet.name}!{cell.coordinate} is locked"
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # the yellow text cells are formatted as text: "=…" stays text, as in Excel
    wb.save(path)


def read_council_rows(path: Path, rubric: AnyRubric, which: str) -> list[dict[str, Any]]:
    """The rows of one sheet, by column key (blank cells omitted)."""
    sheet = _sheet(build_council_layout(rubric), which)
    values = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet.name).to_python()
    return [{c.key: v for c, v in zip(sheet.columns, row, strict=False) if v != ""} for row in values[HEADER_ROW + 1:]]


def council_row(path: Path, rubric: AnyRubric, which: str, key: str) -> dict[str, Any]:
    return next(r for r in read_council_rows(path, rubric, which) if r.get("key") == key)


def council_cell(rubric: AnyRubric, path: Path, which: str, key: str, column: str) -> str:
    """The A1 address of a row's cell, as an issue names it."""
    sheet = _sheet(build_council_layout(rubric), which)
    keys = [r.get("key") for r in read_council_rows(path, rubric, which)]
    return sheet.cell(column, HEADER_ROW + 1 + keys.index(key))
