"""Fill a template the way a unit does, through its public defined names.

Used by the demo and the tests: going through the names (not cell addresses) proves
that the names are a usable contract for other tools too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl

from processor.template.base import UNIT_PAD, text_height
from processor.text.dates import parse_vn_date


def submission_values(
    identity: Mapping[str, Any] | None = None,
    scores: Mapping[str, Any] | None = None,
    evidence: Mapping[str, Any] | None = None,
    narrative: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Defined name → value, from the field keys used in the demo data files."""
    values: dict[str, Any] = {}
    for key, value in (identity or {}).items():
        if key == "ngay_bao_cao" and isinstance(value, str) and parse_vn_date(value):
            value = parse_vn_date(value)
        values[key] = value
    values.update({f"diem_{k}": v for k, v in (scores or {}).items()})
    values.update({f"minh_chung_{k}": v for k, v in (evidence or {}).items()})
    values.update(narrative or {})
    return values


def _grow_row(cell: Any, text: str) -> None:
    """Make the row tall enough for the text, as a unit does by dragging the row border."""
    sheet = cell.parent
    width = (sheet.column_dimensions[cell.column_letter].width or 10 + UNIT_PAD) - UNIT_PAD  # as stored
    dims = sheet.row_dimensions[cell.row]
    needed = text_height(text, width, bold=bool(cell.font and cell.font.b), indent=int(cell.alignment.indent or 0))
    if dims.height is not None and needed > dims.height:
        dims.height = min(needed, 409)


def fill_template(template: Path, target: Path, values: Mapping[str, Any]) -> Path:
    """Copy template to target with each named cell set; text stays text, even '=…'."""
    wb = openpyxl.load_workbook(template)
    for name, value in values.items():
        sheet, coord = next(iter(wb.defined_names[name].destinations))
        cell = wb[sheet][coord.replace("$", "")]
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # a unit typing "=…" into a text cell gets text, not a formula
            _grow_row(cell, value)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target
