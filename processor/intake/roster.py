"""The list of units expected to report, read from the department's CSV or Excel roster.

A roster with a duplicate or blank code would send two units the same template or lose
one, so it is refused whole, with the row to fix.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from processor.model.errors import RosterError
from processor.model.records import Unit
from processor.text.normalise import match_key, nfc

REQUIRED_COLUMNS = {"code": "Mã đơn vị", "name": "Tên đơn vị"}
OPTIONAL_COLUMNS = {"group": "Nhóm", "email": "Email", "contact": "Người liên hệ", "kind": "Loại đơn vị"}




def load_roster(path: Path, kind_of: Callable[[str], str | None] | None = None) -> list[Unit]:
    """Units in roster order; raises RosterError naming the first bad row or the columns.

    kind_of: for a Thông tư 24/2023 season, reads a "Loại đơn vị" cell into the kind's id
    (None for a kind the rubric does not have, which is refused with its row)."""
    rows = _read_rows(path)
    if not rows:
        raise RosterError(f"Danh sách đơn vị {path.name} trống.")
    header, body = rows[0], rows[1:]
    columns = _map_columns(header, path)
    units: list[Unit] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for offset, cells in enumerate(body):
        line = offset + 2  # 1-based, after the header row
        values = {key: _cell(cells, idx) for key, idx in columns.items()}
        if not any(_cell(cells, i) for i in range(len(cells))):
            continue  # blank line at the end of a sheet
        if not values["code"]:
            problems.append(f"dòng {line}: thiếu {REQUIRED_COLUMNS['code']}")
        if not values["name"]:
            problems.append(f"dòng {line}: thiếu {REQUIRED_COLUMNS['name']}")
        if values["code"]:
            key = values["code"].casefold()
            if key in seen:
                problems.append(
                    f"dòng {line}: mã đơn vị '{values['code']}' trùng với dòng {seen[key]}"
                )
            else:
                seen[key] = line
        kind = values.get("kind", "")
        if kind and kind_of is not None:
            found = kind_of(kind)
            if found is None:
                problems.append(f"dòng {line}: loại đơn vị '{kind}' không có trong danh sách loại đơn vị của cấp "
                                "đánh giá này (xem ô Loại đơn vị của mẫu trống để chọn đúng tên)")
            kind = found or ""
        elif kind_of is None:
            kind = ""  # a points (TT22) season has no unit kinds
        units.append(Unit(**{k: values.get(k, "") for k in ("code", "name", "group", "email", "contact")},
                          kind=kind))
    if problems:
        raise RosterError(
            f"Danh sách đơn vị {path.name} có lỗi, hãy sửa rồi chạy lại:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
    if not units:
        raise RosterError(f"Danh sách đơn vị {path.name} không có dòng đơn vị nào.")
    return units


def _map_columns(header: list[str], path: Path) -> dict[str, int]:
    wanted = {**REQUIRED_COLUMNS, **OPTIONAL_COLUMNS}
    by_key = {match_key(label): field for field, label in wanted.items()}
    columns: dict[str, int] = {}
    for idx, title in enumerate(header):
        field = by_key.get(match_key(title))
        if field and field not in columns:
            columns[field] = idx
    missing = [label for field, label in REQUIRED_COLUMNS.items() if field not in columns]
    if missing:
        found = ", ".join(f"'{h}'" for h in header if h) or "(không có)"
        raise RosterError(
            f"Danh sách đơn vị {path.name}: dòng 1 (tiêu đề) thiếu cột {', '.join(missing)}. "
            f"Dòng tiêu đề phải có các cột {', '.join(REQUIRED_COLUMNS.values())} và có thể có "
            f"{', '.join(OPTIONAL_COLUMNS.values())}; đang có: {found}."
        )
    return columns


def _read_rows(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path.read_bytes())
        if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
            return _read_workbook(path)
    except FileNotFoundError:
        raise RosterError(f"Không tìm thấy danh sách đơn vị {path}.") from None
    except RosterError:
        raise
    except Exception as exc:  # any parser failure: the roster is unusable as a whole
        raise RosterError(f"Không đọc được danh sách đơn vị {path.name}: {exc}") from None
    raise RosterError(
        f"Danh sách đơn vị {path.name}: chỉ nhận tệp .csv, .xlsx, .xlsm, .xls hoặc .ods."
    )


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1258 decodes almost anything
        raise RosterError("Tệp CSV không phải UTF-8; hãy lưu lại bằng 'CSV UTF-8'.")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    return [[nfc(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _read_workbook(path: Path) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    sheet = workbook.get_sheet_by_index(0)
    return [[_as_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value)) if value is not None else ""


def _cell(cells: list[str], idx: int) -> str:
    return cells[idx].strip() if idx < len(cells) else ""
