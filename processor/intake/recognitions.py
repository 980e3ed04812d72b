"""Past decisions ("quyết định công nhận") read from a department's CSV or Excel table, for the register.

Departments keep these lists by hand, as the roster is kept: the same header matching (case,
diacritics and spacing aside), the same CSV dialects, the same refusal of the whole file with
every row to fix. A half-imported list would leave the register believing some decisions and
not others, so one bad row refuses the file.

The evaluation year decides what a row must say: a level under a levels rubric (TT24, from
2024), which then covers the next `validity_years` seasons; a recognised class under a points
rubric (TT22, until 2023), which is history only. A decision for year Y is made after Y.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from processor.intake.names import NameIndex
from processor.intake.roster import _as_text, _cell, _read_csv
from processor.model.errors import DvhtError, RecognitionFileError
from processor.model.levels import LevelRubric
from processor.model.records import Unit
from processor.model.register import Recognition, unit_key
from processor.model.rubric import AnyRubric, Rubric
from processor.text.dates import format_vn_date, parse_vn_date
from processor.text.normalise import match_key
from processor.text.wording import wording

COLUMNS = {"code": "Mã đơn vị", "name": "Tên đơn vị", "year": "Năm", "level": "Mức độ", "klass": "Xếp loại",
           "decision": "Số quyết định", "date": "Ngày quyết định"}
# Each group needs at least one of its columns.
REQUIRED_GROUPS = (("code", "name"), ("year",), ("level", "klass"), ("decision",), ("date",))
YEARS = (2000, 2100)
SOURCE = "import"
_LEVEL_LIKE = re.compile(r"^(muc do|muc)?\s*\d+$")
_CIRCULAR = re.compile(r"Thông tư (?:số )?(\d+/\d{4})")
_WHAT = "tệp quyết định công nhận"


def read_recognitions(path: Path, rubric_for: Callable[[int], AnyRubric],
                      roster: Sequence[Unit] = ()) -> list[Recognition]:
    """The file's decisions in file order; raises RecognitionFileError listing every row at fault.

    rubric_for: the rubric governing an evaluation year (processor.model.rubric.rubric_for_year).
    roster: when given, every row must name one of its units (by code, else by name), and the
    recognition carries the roster's code and name, so the register keys it as runs do."""
    rows = _read_rows(path)
    if not rows:
        raise RecognitionFileError(f"Tệp quyết định công nhận {path.name} trống.")
    header, body = [_as_text(v) for v in rows[0]], rows[1:]
    columns = _map_columns(header, path)
    match = _RosterMatch(roster) if roster else None
    rubrics: dict[int, AnyRubric | str] = {}
    problems: list[str] = []
    found: list[Recognition] = []
    seen: dict[tuple[str, int], int] = {}
    for offset, raw in enumerate(body):
        line = offset + 2  # 1-based, after the header row
        cells = [_as_text(v) for v in raw]
        if not any(_cell(cells, i) for i in range(len(cells))):
            continue  # a blank line at the end of a sheet
        text = {key: _cell(cells, idx) for key, idx in columns.items()}
        row_problems: list[str] = []
        unit = _unit(text.get("code", ""), text.get("name", ""), columns, match, row_problems)
        year = _year(text["year"], row_problems)
        rubric = _rubric(year, rubric_for, rubrics, row_problems) if year is not None else None
        result = _result(text.get("level", ""), text.get("klass", ""), year, rubric, row_problems)
        decision = text["decision"]
        if not decision:
            row_problems.append("thiếu Số quyết định (ví dụ 123/QĐ-UBND)")
        day = _date(raw[columns["date"]] if columns["date"] < len(raw) else None, text["date"], year, row_problems)
        if unit is not None and year is not None:
            key = (unit_key(*unit), year)
            if key in seen:
                label = f"{unit[1]} ({unit[0]})" if unit[0] and unit[1] else unit[0] or unit[1]
                row_problems.append(f"đơn vị {label} năm {year} có hai dòng: dòng {seen[key]} và dòng {line}")
            else:
                seen[key] = line
        problems += [f"dòng {line}: {p}" for p in row_problems]
        if row_problems or unit is None or year is None or result is None or day is None \
                or not isinstance(rubric, Rubric | LevelRubric):
            continue
        level, klass = result
        validity = rubric.validity_years if isinstance(rubric, LevelRubric) else None
        found.append(Recognition(unit_code=unit[0], unit_name=unit[1], year=year, rubric=rubric.id, level=level,
                                 klass=klass, decision=decision, decision_date=day,
                                 valid_through=year + validity if validity is not None else None, source=SOURCE))
    if problems:
        raise RecognitionFileError(
            f"Tệp quyết định công nhận {path.name} có lỗi, chưa nhập dòng nào; hãy sửa rồi nhập lại:\n"
            + "\n".join(f"  - {p}" for p in problems), tuple(problems))
    if not found:
        raise RecognitionFileError(f"Tệp quyết định công nhận {path.name} không có dòng quyết định nào.")
    return found


# ---- the table ----------------------------------------------------------------------------

def _read_rows(path: Path) -> list[list[object]]:
    """Rows of cells: text for a CSV; a workbook's own values (a date cell stays a date)."""
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".xlsx", ".xlsm", ".xls", ".ods"}:
        raise RecognitionFileError(f"Tệp quyết định công nhận {path.name}: chỉ nhận tệp .csv, .xlsx, .xlsm, .xls "
                                   "hoặc .ods.")
    try:
        if suffix == ".csv":
            return list(_read_csv(path.read_bytes()))
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return [list(row) for row in sheet.to_python(skip_empty_area=False)]
    except FileNotFoundError:
        raise RecognitionFileError(f"Không tìm thấy {_WHAT} {path}.") from None
    except Exception as exc:  # any parser failure: the file is unusable as a whole
        raise RecognitionFileError(f"Không đọc được {_WHAT} {path.name} (tệp hỏng hoặc không phải bảng tính; "
                                   f"hãy mở bằng Excel rồi lưu lại): {exc}") from None


def _map_columns(header: list[str], path: Path) -> dict[str, int]:
    by_key = {match_key(label): field for field, label in COLUMNS.items()}
    columns: dict[str, int] = {}
    for idx, title in enumerate(header):
        field = by_key.get(match_key(title))
        if field and field not in columns:
            columns[field] = idx
    groups = [" hoặc ".join(COLUMNS[f] for f in group) for group in REQUIRED_GROUPS]
    missing = [label for group, label in zip(REQUIRED_GROUPS, groups, strict=True)
               if not any(f in columns for f in group)]
    if missing:
        present = ", ".join(f"'{h}'" for h in header if h) or "(không có)"
        raise RecognitionFileError(
            f"Tệp quyết định công nhận {path.name}: dòng 1 (tiêu đề) thiếu cột {', '.join(missing)}. "
            f"Dòng tiêu đề phải có các cột {', '.join(groups)}; đang có: {present}.")
    return columns


# ---- one row ----------------------------------------------------------------------------------

class _RosterMatch:
    """A row's unit in the roster: by code, else by name (strictest key first, never guessed)."""

    def __init__(self, roster: Sequence[Unit]) -> None:
        self.by_code = {u.code.casefold(): u for u in roster if u.code}
        self.by_name = NameIndex(roster)

    def find(self, code: str, name: str, problems: list[str]) -> Unit | None:
        if code:
            unit = self.by_code.get(code.casefold())
            if unit is None:
                problems.append(f"mã đơn vị '{code}' không có trong danh sách đơn vị")
            return unit
        for key_of, index in self.by_name.levels():
            units = index.get(key_of(name), [])
            if len(units) > 1:
                problems.append(f"tên đơn vị '{name}' khớp với {len(units)} đơn vị trong danh sách "
                                f"({_listing(units)}); hãy ghi Mã đơn vị")
                return None
            if units:
                return units[0]
        near = self.by_name.near(name)
        hint = f"tên gần giống: {_listing(near)}" if near else wording("report")["no_suggestion"]
        problems.append(f"tên đơn vị '{name}' không có trong danh sách đơn vị; {hint}; hãy ghi Mã đơn vị hoặc sửa tên")
        return None


def _listing(units: list[Unit]) -> str:
    return "; ".join(" ".join(p for p in (u.code, u.name) if p) for u in units)


def _unit(code: str, name: str, columns: dict[str, int], match: _RosterMatch | None,
          problems: list[str]) -> tuple[str, str] | None:
    if not code and not name:
        both = "code" in columns and "name" in columns
        problems.append("thiếu cả Mã đơn vị và Tên đơn vị (cần ít nhất một)" if both
                        else f"thiếu {COLUMNS['code' if 'code' in columns else 'name']}")
        return None
    if match is None:
        return code, name
    unit = match.find(code, name, problems)
    return (unit.code, unit.name) if unit is not None else None


def _year(text: str, problems: list[str]) -> int | None:
    if not text:
        problems.append("thiếu Năm (năm đánh giá, ví dụ 2024)")
        return None
    if not re.fullmatch(r"\d+", text):
        problems.append(f"Năm '{text}' không phải là một năm (cần số nguyên, ví dụ 2024)")
        return None
    year = int(text)
    if not YEARS[0] <= year <= YEARS[1]:
        problems.append(f"Năm {year} nằm ngoài khoảng {YEARS[0]}–{YEARS[1]}")
        return None
    return year


def _rubric(year: int, rubric_for: Callable[[int], AnyRubric], cache: dict[int, AnyRubric | str],
            problems: list[str]) -> AnyRubric | None:
    """The year's rubric, asked once per year; a year no rubric governs is the row's problem."""
    if year not in cache:
        try:
            cache[year] = rubric_for(year)
        except DvhtError as exc:
            cache[year] = str(exc)
    found = cache[year]
    if isinstance(found, str):
        problems.append(found)
        return None
    return found


def _circular(rubric: AnyRubric) -> str:
    found = _CIRCULAR.search(rubric.legal_basis)
    return f"Thông tư {found[1]}" if found else f"bộ tiêu chí {rubric.id}"


def _either(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} hoặc {labels[-1]}"


def _result(level_text: str, class_text: str, year: int | None, rubric: AnyRubric | None,
            problems: list[str]) -> tuple[int | None, str] | None:
    """(level, "") under a levels rubric, (None, class) under a points one; None when refused."""
    if level_text and class_text:
        problems.append(f"ghi cả Mức độ ('{level_text}') và Xếp loại ('{class_text}'); mỗi dòng chỉ ghi một")
        return None
    value = level_text or class_text
    if rubric is None:
        if not value:
            problems.append("thiếu Mức độ hoặc Xếp loại")
        return None  # the year is at fault: what the row needs cannot be said
    where = f"năm {year} theo {_circular(rubric)}"
    key = match_key(value)
    if isinstance(rubric, LevelRubric):
        levels = _either([lv.label for lv in rubric.levels])
        if not value:
            problems.append(f"thiếu Mức độ ({where} cần {levels})")
            return None
        level = next((lv for lv in rubric.levels if key in (match_key(lv.label), str(lv.id))), None)
        if level is not None:
            return level.id, ""
        if _LEVEL_LIKE.match(key):
            problems.append(f"mức độ '{value}' không có; {where} cần {levels}")
        else:
            problems.append(f"{where} cần Mức độ ({levels}), không phải xếp loại '{value}'")
        return None
    classes = _either([b.label for b in rubric.bands if b.recognised])
    if not value:
        problems.append(f"thiếu Xếp loại ({where} cần {classes})")
        return None
    band = next((b for b in rubric.bands if match_key(b.label) == key), None)
    if band is not None and band.recognised:
        return None, band.label
    if band is not None:
        problems.append(f"xếp loại '{value}' không phải là công nhận \"Đơn vị học tập\"; chỉ nhập các quyết định "
                        f"công nhận ({classes})")
    elif _LEVEL_LIKE.match(key):
        problems.append(f"{where} cần Xếp loại ({classes}), không phải mức độ '{value}'")
    else:
        problems.append(f"xếp loại '{value}' không có; {where} cần {classes}")
    return None


def _date(raw: object, text: str, year: int | None, problems: list[str]) -> date | None:
    """A date cell as it is; typed text as officials type it (dd/mm/yyyy, or yyyy-mm-dd)."""
    if isinstance(raw, datetime):
        day: date | None = raw.date()
    elif isinstance(raw, date):
        day = raw
    elif not text:
        problems.append("thiếu Ngày quyết định (dd/mm/yyyy)")
        return None
    else:
        day = parse_vn_date(text)
        if day is None:
            problems.append(f"Ngày quyết định '{text}' không phải là ngày (cần dd/mm/yyyy, ví dụ 05/02/2025)")
            return None
    assert day is not None
    if year is not None and day <= date(year, 12, 31):
        problems.append(f"Ngày quyết định {format_vn_date(day)} không sau năm đánh giá {year}; quyết định công nhận "
                        f"cho năm {year} được ban hành từ 01/01/{year + 1}")
        return None
    return day
