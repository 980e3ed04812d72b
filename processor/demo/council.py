"""The demo's council: after the season's first run has made the council workbook, type into
its yellow cells the few decisions the scenario lists, as a council member would, so that
the demo shows verified results, a reply with the council's reasons and the documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import yaml

from processor.model.council_layout import HEADER_ROW, KEY_SEPARATOR, CouncilLayout, Sheet
from processor.model.levels import LevelRubric, denominator_of
from processor.model.records import FileResult
from processor.model.rubric import AnyRubric


def council_entries(scenario: Path, rubric: AnyRubric, files: dict[str, FileResult]
                    ) -> dict[tuple[str, str, str], Any]:
    """(units|items, row key, column) -> the value the council types. files: each unit's
    counting file by code (a share of members becomes a count of the unit's own total)."""
    data = yaml.safe_load(scenario.read_text(encoding="utf-8")).get("council") or {}
    values: dict[tuple[str, str, str], Any] = {}
    for code, spec in data.items():
        key = str(code).casefold()
        if "ket_luan" in spec:
            values[("units", key, "conclusion")] = spec["ket_luan"]
        if "ly_do" in spec:
            values[("units", key, "reason")] = spec["ly_do"]
        for item, entry in (spec.get("chi_tieu") or {}).items():
            row = f"{key}{KEY_SEPARATOR}{item}"
            fill: dict[str, Any] = {}
            if "ty_le" in entry:
                count, total = _count(rubric, files[str(code)], str(item), int(entry["ty_le"]))
                values[("items", row, "verdict")] = count
                fill = {"so": count, "mau": total}
            if "ket_qua" in entry:
                values[("items", row, "verdict")] = entry["ket_qua"]
            if "diem" in entry:
                values[("items", row, "score")] = float(entry["diem"])
            if "y_kien" in entry:
                values[("items", row, "opinion")] = str(entry["y_kien"]).format(**fill)
    return values


def _count(rubric: AnyRubric, result: FileResult, item: str, share: int) -> tuple[int, int]:
    assert isinstance(rubric, LevelRubric) and result.levels is not None
    entries = result.levels
    indicator = next(i for t in rubric.tiers.values() for i in t.indicators if i.id == item)
    total = denominator_of(indicator, entries, rubric.unit_kind(entries.kind)) or 0
    return total * share // 100, total


def type_into(path: Path, layout: CouncilLayout, values: dict[tuple[str, str, str], Any]) -> None:
    """Type each value into its yellow cell, text as text (the cells are text cells)."""
    wb = openpyxl.load_workbook(path)
    for (which, key, column), value in values.items():
        sheet: Sheet = layout.units if which == "units" else layout.items
        ws = wb[sheet.name]
        key_col = sheet.index["key"] + 1
        row = next(r for r in range(HEADER_ROW + 2, ws.max_row + 1) if ws.cell(r, key_col).value == key)
        cell = ws.cell(row, sheet.index[column] + 1)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
    wb.save(path)
