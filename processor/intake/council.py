"""Read the council's entries back from its workbook (tham_dinh/ThamDinh_DVHT_<year>.xlsx).

The workbook is ours (report.council_workbook writes it from the same layout), but what is
in its yellow cells was typed by people, in Excel or LibreOffice, so every value is read
defensively: a value that cannot mean anything for its column becomes an issue naming the
cell, never an exception, and the rest of the workbook still counts. Rows are found by their
hidden key, so the order of rows, and rows added by a later run, do not matter.

A workbook that Excel or LibreOffice has open is read as last saved (their lock file says
so); the caller then leaves it alone rather than replace a file someone is editing.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from processor.model.council import Conclusion, CouncilEntries, ItemEntry, UnitEntries
from processor.model.council_layout import FORMAT_VERSION, HEADER_ROW, KEY_SEPARATOR, CouncilLayout, Sheet
from processor.model.issues import Issue, make_issue
from processor.model.levels import IndicatorType, LevelRubric
from processor.model.rubric import AnyRubric
from processor.system.oserrors import describe
from processor.text.normalise import clean_text, match_key
from processor.text.numbers import format_number, number_from_text
from processor.text.wording import wording

EXCEL, LIBREOFFICE = "excel", "libreoffice"


def lock_owner(path: Path) -> str:
    """Who has the workbook open, from the lock file its program leaves beside it; "" when
    nobody. Excel writes "~$" + the name (its first two letters dropped for long names),
    LibreOffice ".~lock.<name>#"."""
    folder, name = path.parent, path.name
    if (folder / f".~lock.{name}#").exists():
        return LIBREOFFICE
    if (folder / f"~${name}").exists() or (folder / f"~${name[2:]}").exists():
        return EXCEL
    return ""


def read_council(path: Path, shown: str, layout: CouncilLayout, rubric: AnyRubric, year: int,
                 tier_indicators: dict[str, Any] | None = None) -> CouncilEntries:
    """shown: the workbook's path as issues show it. tier_indicators: TT24, indicator id ->
    Indicator of the tier evaluated (the type decides how a Kết quả thẩm định is read)."""
    if not path.exists():
        return CouncilEntries(file=shown, exists=False)
    owner = lock_owner(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                  for name in (layout.units.name, layout.items.name, layout.meta)
                  if name in book.sheet_names}
    except (CalamineError, OSError, ValueError) as exc:
        reason = describe(exc) if isinstance(exc, OSError) else str(exc) or type(exc).__name__
        return CouncilEntries(file=shown, exists=True, open_elsewhere=bool(owner), unreadable=reason)
    problem = _not_this_season(sheets, layout, rubric, year)
    if problem:
        return CouncilEntries(file=shown, exists=True, open_elsewhere=bool(owner), unreadable=problem)
    issues: list[tuple[str, Issue]] = []
    items: dict[str, dict[str, ItemEntry]] = {}
    item_keys = []
    previous: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]] = ({}, {})
    for row_no, row in _rows(sheets[layout.items.name], layout.items):
        key = _text(row, layout.items, "key")
        if KEY_SEPARATOR not in key:
            continue
        item_keys.append(key)
        previous[1][key] = _as_read(row, layout.items)
        unit_key, item = key.rsplit(KEY_SEPARATOR, 1)
        entry = _item_entry(row, row_no, item, layout, rubric, tier_indicators or {}, shown, issues, unit_key)
        if entry is not None:
            items.setdefault(unit_key, {})[item] = entry
    units: dict[str, UnitEntries] = {}
    unit_keys = []
    for row_no, row in _rows(sheets[layout.units.name], layout.units):
        key = _text(row, layout.units, "key")
        if not key:
            continue
        unit_keys.append(key)
        previous[0][key] = _as_read(row, layout.units)
        units[key] = _unit_entries(row, row_no, key, items.get(key, {}), layout, shown, issues)
    for key in items.keys() - units.keys():  # indicator rows of a unit whose Kết luận row was lost
        units[key] = UnitEntries(key=key, items=items[key])
    return CouncilEntries(file=shown, exists=True, units=units, issues=tuple(issues), open_elsewhere=bool(owner),
                          rows=(tuple(unit_keys), tuple(item_keys)), previous=previous)


def _as_read(row: list[Any], sheet: Sheet) -> dict[str, Any]:
    """A row's values by column key, as the workbook holds them: typed numbers stay numbers,
    typed text stays text (an update writes them back unchanged)."""
    out: dict[str, Any] = {}
    for column, value in zip(sheet.columns, row, strict=True):
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = str(value).upper()
        elif not isinstance(value, int | float | str):
            value = str(value)  # a date or a time typed into a cell: kept as its text
        out[column.key] = value
    return out


def _not_this_season(sheets: dict[str, list[list[Any]]], layout: CouncilLayout, rubric: AnyRubric,
                     year: int) -> str:
    """Why this workbook is not the council workbook of this season, or ""."""
    missing = [n for n in (layout.units.name, layout.items.name, layout.meta) if n not in sheets]
    if missing:
        return f"thiếu trang {', '.join(missing)}"
    meta = {str(r[0]): str(r[1]) for r in sheets[layout.meta] if len(r) >= 2 and r[0] != ""}
    if meta.get("format") != FORMAT_VERSION:
        return f"phiên bản sổ {meta.get('format', '(không có)')}, phần mềm đọc phiên bản {FORMAT_VERSION}"
    if meta.get("rubric") != rubric.id:
        return f"sổ lập theo bộ tiêu chí {meta.get('rubric', '(không rõ)')}, đợt này dùng {rubric.id}"
    if meta.get("year") != str(year):
        return f"sổ của năm {meta.get('year', '(không rõ)')}, đợt này là năm {year}"
    return ""


def _rows(values: list[list[Any]], sheet: Sheet) -> list[tuple[int, list[Any]]]:
    width = len(sheet.columns)
    return [(i, (row + [""] * width)[:width]) for i, row in enumerate(values) if i > HEADER_ROW]


def _text(row: list[Any], sheet: Sheet, key: str) -> str:
    value = row[sheet.index[key]]
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value)).strip()


def _key(text: str) -> str:
    return " ".join(match_key(text).split())


def _unit_entries(row: list[Any], row_no: int, key: str, items: dict[str, ItemEntry], layout: CouncilLayout,
                  shown: str, issues: list[tuple[str, Issue]]) -> UnitEntries:
    sheet = layout.units
    raw = _text(row, sheet, "conclusion")
    conclusion, rank = Conclusion.BLANK, None
    if raw:
        option = layout.option(raw)
        if option is None:
            issues.append((key, make_issue("council-conclusion-invalid", shown, sheet.name,
                                           sheet.cell("conclusion", row_no), gia_tri=raw,
                                           lua_chon="; ".join(f'"{o.text}"' for o in layout.options))))
        else:
            conclusion, rank = option.conclusion, option.rank
    cells = {k: f"{sheet.name}!{sheet.cell(k, row_no)}" for k in ("conclusion", "reason", "file_choice", "confirm")}
    return UnitEntries(key=key, conclusion=conclusion, rank=rank, conclusion_raw=raw,
                       reason=_text(row, sheet, "reason"), file_choice=_text(row, sheet, "file_choice"),
                       confirm=_text(row, sheet, "confirm"),
                       sha256=_text(row, sheet, "entries_sha") or (_text(row, sheet, "file_sha")
                                                                   if raw or items or _text(row, sheet, "reason")
                                                                   else ""),
                       items=items, cells=cells)


def _item_entry(row: list[Any], row_no: int, item: str, layout: CouncilLayout, rubric: AnyRubric,
                indicators: dict[str, Any], shown: str, issues: list[tuple[str, Issue]],
                unit_key: str) -> ItemEntry | None:
    sheet = layout.items
    value_key = "verdict" if layout.kind == "levels" else "score"
    value = row[sheet.index[value_key]]
    raw = _text(row, sheet, value_key)
    opinion = _text(row, sheet, "opinion")
    if not raw and not opinion:
        return None
    cell = f"{sheet.name}!{sheet.cell(value_key, row_no)}"
    base = ItemEntry(item=item, raw=raw, opinion=opinion, cell=cell,
                     opinion_cell=f"{sheet.name}!{sheet.cell('opinion', row_no)}")
    if not raw:
        return base
    column = sheet.columns[sheet.index[value_key]].header

    def invalid(need: str) -> None:
        issues.append((unit_key, make_issue("council-value-invalid", shown, sheet.name, sheet.cell(value_key, row_no),
                                            gia_tri=raw, cot=column, chi_tieu=item.upper().replace("_", "."),
                                            can=need)))

    verdicts = wording("council")["verdict"]
    said = {_key(text): vid for vid, text in verdicts.items()}.get(_key(raw))
    if isinstance(rubric, LevelRubric):
        indicator = indicators.get(item)
        if indicator is None:
            return base  # a row of an indicator this tier no longer has: kept, not used
        if indicator.type == IndicatorType.YES_NO:
            if said is None:
                invalid(f'chọn "{verdicts["dat"]}" hoặc "{verdicts["khong_dat"]}"')
                return None
            return replace(base, verdict=said)
        if indicator.type == IndicatorType.GRADE:
            grade = next((g.id for g in rubric.grades if _key(g.label) == _key(raw) or g.id == raw), None)
            if grade is None and said != "khong_dat":
                invalid("chọn một mức: " + ", ".join(f'"{g.label}"' for g in rubric.grades))
                return None
            return replace(base, verdict=grade or "khong_dat")
        if said == "khong_dat":
            return replace(base, verdict="khong_dat")
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else number_from_text(raw)
        if number is None or number < 0 or not float(number).is_integer():
            invalid("nhập số thành viên (hoặc người học) đạt, một số nguyên không âm")
            return None
        return replace(base, count=int(number))
    leaf = next((leaf for leaf in rubric.leaves if leaf.id == item), None)
    if leaf is None:
        return base
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else number_from_text(raw)
    step = rubric.step
    if (number is None or not 0 <= number <= leaf.max
            or abs(number / step - round(number / step)) > 1e-9):
        invalid(f"nhập điểm từ 0 đến {format_number(leaf.max)}, bước {format_number(step)} điểm")
        return None
    return replace(base, score=float(number))


def council_path(review_dir: Path, layout: CouncilLayout, year: int) -> Path:
    return review_dir / layout.file_name(year)


def shown_path(path: Path, out_dir: Path) -> str:
    """The council workbook as issues name it: relative to the output folder when inside it."""
    try:
        return Path(os.path.relpath(path, out_dir)).as_posix() if path.is_relative_to(out_dir) else str(path)
    except ValueError:  # another drive on Windows
        return str(path)
