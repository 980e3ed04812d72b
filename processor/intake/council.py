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

import hashlib
import io
import os
import re
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from processor.intake.guards import OLE_MAGIC, check_bytes, human_size
from processor.model.batch import Limits
from processor.model.council import Conclusion, CouncilEntries, ItemEntry, UnitEntries
from processor.model.council_layout import FORMAT_VERSION, HEADER_ROW, KEY_SEPARATOR, CouncilLayout, Sheet
from processor.model.issues import Issue, catalogue, make_issue
from processor.model.levels import IndicatorType, LevelRubric
from processor.model.rubric import AnyRubric
from processor.system.oserrors import describe
from processor.text.normalise import clean_text, match_key
from processor.text.numbers import format_number, number_from_text
from processor.text.wording import wording

EXCEL, LIBREOFFICE = "excel", "libreoffice"
# The council workbook is ours and grows with the province (a row per unit and indicator):
# far larger bounds than a unit's dossier, but bounds all the same.
COUNCIL_LIMITS = Limits(max_file_bytes=200 * 1024 * 1024, max_total_uncompressed=2 * 1024 * 1024 * 1024,
                        max_part_bytes=1024 * 1024 * 1024)
MAX_CELLS = 5_000_000  # rows × columns of one sheet the reader may hold (about 200 000 rows of ours)


def lock_file(path: Path) -> tuple[str, Path | None]:
    """Who has the workbook open, and the lock file its program leaves beside it; ("", None)
    when nobody. Excel writes "~$" + the name (its first two letters dropped for long names),
    LibreOffice ".~lock.<name>#". A program that crashed leaves its lock file behind."""
    folder, name = path.parent, path.name
    for program, lock in ((LIBREOFFICE, folder / f".~lock.{name}#"), (EXCEL, folder / f"~${name}"),
                          (EXCEL, folder / f"~${name[2:]}")):
        if lock.exists():
            return program, lock
    return "", None


def lock_owner(path: Path) -> str:
    return lock_file(path)[0]


def read_council(path: Path, shown: str, layout: CouncilLayout, rubric: AnyRubric, year: int,
                 tier_indicators: dict[str, Any] | None = None) -> CouncilEntries:
    """shown: the workbook's path as issues show it. tier_indicators: TT24, indicator id ->
    Indicator of the tier evaluated (the type decides how a Kết quả thẩm định is read)."""
    if not path.exists():
        return CouncilEntries(file=shown, exists=False)
    owner = lock_owner(path)
    names = (layout.units.name, layout.items.name, layout.meta)
    data, problem = _load(path, shown, names)
    if not problem:
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheets = {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                      for name in names if name in book.sheet_names}
        except PasswordError:
            problem = _why("encrypted")
        except (CalamineError, ValueError):
            problem = _why("damaged")
        except BaseException as exc:  # a Rust panic inside the parser (pyo3's PanicException)
            if isinstance(exc, KeyboardInterrupt | SystemExit) or type(exc).__name__ != "PanicException":
                raise
            problem = _why("damaged")
    if problem:
        return CouncilEntries(file=shown, exists=True, open_elsewhere=bool(owner), unreadable=problem)
    problem = _not_this_season(sheets, layout, rubric, year)
    if problem:
        return CouncilEntries(file=shown, exists=True, open_elsewhere=bool(owner), unreadable=problem)
    issues: list[tuple[str, Issue]] = []
    items: dict[str, dict[str, ItemEntry]] = {}
    item_keys = []
    previous: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]] = ({}, {})
    doubled: set[str] = set()  # keys of two rows holding entries: neither applies
    unsafe = False  # a row an update could not place: the workbook is left as it is

    def misplaced(sheet: Sheet, row_no: int, row: list[Any], key: str, unit_key: str, seen: dict[str, Any]) -> None:
        nonlocal unsafe
        cell = _typed_cell(row, sheet, row_no)
        if not key:
            if cell:
                issues.append(("", make_issue("council-row-no-key", shown, sheet.name, cell, dong=row_no + 1)))
                unsafe = True
            return
        first_row, first_typed = seen[key]
        if cell or first_typed:
            issues.append((unit_key, make_issue("council-row-duplicate-key", shown, sheet.name,
                                                cell or sheet.cell(sheet.entry_keys[0], row_no), dong=row_no + 1,
                                                khoa=key, dong_dau=first_row + 1)))
            doubled.add(key)
            unsafe = True

    seen_items: dict[str, tuple[int, bool]] = {}
    for row_no, row in _rows(sheets[layout.items.name], layout.items):
        key = _text(row, layout.items, "key")
        if KEY_SEPARATOR not in key or key in seen_items:
            misplaced(layout.items, row_no, row, key if KEY_SEPARATOR in key else "",
                      key.rsplit(KEY_SEPARATOR, 1)[0], seen_items)
            continue
        seen_items[key] = (row_no, bool(_typed_cell(row, layout.items, row_no)))
        item_keys.append(key)
        previous[1][key] = _as_read(row, layout.items)
        unit_key, item = key.rsplit(KEY_SEPARATOR, 1)
        entry = _item_entry(row, row_no, item, layout, rubric, tier_indicators or {}, shown, issues, unit_key)
        if entry is not None:
            items.setdefault(unit_key, {})[item] = entry
    units: dict[str, UnitEntries] = {}
    unit_keys = []
    seen_units: dict[str, tuple[int, bool]] = {}
    for row_no, row in _rows(sheets[layout.units.name], layout.units):
        key = _text(row, layout.units, "key")
        if not key or key in seen_units:
            misplaced(layout.units, row_no, row, key, key, seen_units)
            continue
        seen_units[key] = (row_no, bool(_typed_cell(row, layout.units, row_no)))
        unit_keys.append(key)
        previous[0][key] = _as_read(row, layout.units)
        units[key] = _unit_entries(row, row_no, key, items.get(key, {}), layout, shown, issues)
    for key in items.keys() - units.keys():  # indicator rows of a unit whose Kết luận row was lost
        units[key] = UnitEntries(key=key, items=items[key])
    for key in doubled:  # which of the two rows the council meant cannot be told: neither counts
        if KEY_SEPARATOR in key:
            unit_key, item = key.rsplit(KEY_SEPARATOR, 1)
            if unit_key in units:
                units[unit_key] = replace(units[unit_key], items={k: v for k, v in units[unit_key].items.items()
                                                                  if k != item})
        else:
            units.pop(key, None)
    return CouncilEntries(file=shown, exists=True, units=units, issues=tuple(issues), open_elsewhere=bool(owner),
                          rows=(tuple(unit_keys), tuple(item_keys)), previous=previous,
                          keep_as_is=wording("council")["keep_as_is"] if unsafe else "",
                          read_sha256=hashlib.sha256(data).hexdigest())


def _typed_cell(row: list[Any], sheet: Sheet, row_no: int) -> str:
    """The first yellow cell of a row that holds something, or ""."""
    return next((sheet.cell(k, row_no) for k in sheet.entry_keys if row[sheet.index[k]] not in (None, "")), "")


def _why(key: str, **params: Any) -> str:
    return wording("council")["unreadable"][key].format(**params)


def _load(path: Path, shown: str, sheet_names: tuple[str, ...]) -> tuple[bytes, str]:
    """The workbook's bytes, or why they must not reach the parser (in Vietnamese).

    The reader holds every sheet whole, from A1 to its last cell with a value: one value
    typed far outside the table (XFD1048576) would make it ask for more memory than any
    machine has, and the process would die. So the cells' addresses are looked at first,
    as the checks of the units' own files look at their bytes."""
    if path.is_dir():
        return b"", _why("directory")
    try:
        size = path.stat().st_size
        if size > COUNCIL_LIMITS.max_file_bytes:
            return b"", _why("too_large", gia_tri=human_size(size))
        data = path.read_bytes()
    except OSError as exc:
        return b"", _why("os", ly_do=describe(exc))
    if not data:
        return b"", _why("empty")
    refusal = check_bytes(shown, data, COUNCIL_LIMITS)
    if refusal is not None:
        if refusal.code == "file-encrypted":
            return b"", _why("encrypted")
        if refusal.code == "wrong-file-type":
            return b"", _why("not_excel", gia_tri=refusal.param("gia_tri"))
        if refusal.code == "file-unreadable":
            return b"", _why("damaged")
        return b"", _why("unusual", chi_tiet=catalogue()[refusal.code].title.lower())
    if data.startswith(OLE_MAGIC):
        return b"", _why("not_excel", gia_tri="một sổ Excel 97-2003 (.xls)")
    try:
        far = _far_cell(data, sheet_names)
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError, ElementTree.ParseError, zlib.error):
        return b"", _why("damaged")
    if far:
        return b"", _why("far_cell", trang=far[0], o=far[1])
    return data, ""


# a cell that holds something (a value, inline text or a formula); one with a format only is
# skipped by the reader, so it costs nothing
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"[^>/]*>\s*<(?:\w+:)?(?:v|is|f)\b")
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def _far_cell(data: bytes, sheet_names: tuple[str, ...]) -> tuple[str, str] | None:
    """The first of our sheets whose last cell makes it larger than MAX_CELLS, and that cell."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    members = set(archive.namelist())
    if "xl/workbook.xml" not in members:
        return None  # not an .xlsx (an .ods, say): the parser decides
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", _NS)}
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    for sheet in workbook.findall("m:sheets/m:sheet", _NS):
        name = sheet.get("name", "")
        part = target.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        part = part.lstrip("/") if part.startswith("/") else f"xl/{part}"
        if name not in sheet_names or part not in members:
            continue
        rows = columns = 0
        last = ""
        with archive.open(part) as xml:
            tail = b""
            while chunk := xml.read(1 << 20):
                text = tail + chunk
                for match in _CELL_REF.finditer(text):
                    column, row = _column_number(match.group(1)), int(match.group(2))
                    if row > rows or column > columns:
                        rows, columns = max(rows, row), max(columns, column)
                        last = (match.group(1) + match.group(2)).decode()
                tail = text[-256:]
        if rows * columns > MAX_CELLS:
            return name, last
    return None


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


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
