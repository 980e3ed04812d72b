"""The rows of the consolidated workbook's largest sheets, written as SpreadsheetML text and
put into the file xlsxwriter made.

Why: at 10,000 units the evidence sheet alone is ~850,000 cells, and xlsxwriter spends
~5 µs on each (a Python object per cell, attribute escaping, a method call per tag). These
sheets hold only plain text and numbers, so a row is one f-string here (~1 µs a cell).
xlsxwriter still writes the sheet itself — header row, column widths, freeze panes, filter,
page setup — and the formats the rows refer to get their index from it (register_formats);
the rows are streamed into the finished file's <sheetData> when the workbook is rewritten
once anyway (rewrite_workbook, which also fixes the page links).

Text is always escaped: unlike xlsxwriter's inline strings, a value shaped like rich-text
markup ("<r>…</r>") is never copied into the XML as markup.

A cell in a format other than its column's (a coloured status, a date) is a Cell; a link to a
file beside the workbook is a Hyperlink: its relationship goes into the sheet's .rels part,
which the rewrite adds (a spliced sheet's links are all its own).
"""

from __future__ import annotations

import math
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from xlsxwriter.utility import xl_col_to_name

EXCEL_MAX_TEXT = 32767

_ESCAPE_LIKE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")


def cell_text(text: str) -> str:
    """Text as an inline string's XML: Excel's _xHHHH_ for control characters (and an
    escaped underscore for text that already looks like one, as Excel itself writes),
    then the three XML escapes."""
    if "_x" in text:
        text = _ESCAPE_LIKE.sub(r"_x005F\1", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    if "\ufffe" in text or "\uffff" in text:
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


@dataclass(frozen=True)
class Cell:
    """A value in a format of its own instead of its column's."""

    value: str | int | float
    fmt: object


@dataclass(frozen=True)
class Hyperlink:
    """Text in `fmt` linking to a file by a relative, "/"-separated path."""

    target: str
    text: str
    fmt: object


_EXCEL_EPOCH = date(1899, 12, 31)


def excel_serial(day: date) -> int:
    """A date as Excel's day number, as xlsxwriter's write_datetime makes it (1900 counted as
    a leap year, as Excel does)."""
    days = (date(day.year, day.month, day.day) - _EXCEL_EPOCH).days
    return days + 1 if days > 59 else days


_URL_ESCAPES = [("%", "%25"), ('"', "%22"), (" ", "%20"), ("<", "%3c"), (">", "%3e"), ("[", "%5b"), ("]", "%5d"),
                ("^", "%5e"), ("`", "%60"), ("{", "%7b"), ("}", "%7d"), ("#", "%23")]
_ESCAPED_URL = re.compile("%[0-9a-fA-F]{2}")


def link_target(target: str) -> str:
    """A relative file link's target as xlsxwriter escapes it for the relationship (and as
    Excel writes it), with "/" kept: LibreOffice, Excel for Mac and browsers need it."""
    if not _ESCAPED_URL.search(target):
        for char, escaped in _URL_ESCAPES[:-1]:
            target = target.replace(char, escaped)
    return target.replace("#", "%23")


@dataclass(frozen=True)
class RowSplice:
    """Rows for one worksheet part: `rows` yields each row's height in points (None for the
    default) and its values (None or "" for an empty cell), written from 0-based row
    `first_row` on; `styles` holds per column the xlsxwriter formats of its text and of its
    numbers (or None), read for their xf index only once the workbook is closed."""

    part: str  # "xl/worksheets/sheet4.xml"
    first_row: int
    rows: Iterable[tuple[float | None, Sequence[object]]]
    styles: Sequence[tuple[object | None, object | None]]
    last_row: int  # 0-based index of the sheet's last row once spliced
    last_col: int
    blanks: Sequence[object | None] = ()  # per column, the format an empty cell still gets (None: no cell)
    links: list[tuple[str, str]] = field(default_factory=list, compare=False)  # (cell, target), filled as written


def row_parts(splice: RowSplice) -> Iterator[str]:
    """The <row> elements, a row at a time (170,000 rows never sit in memory at once)."""
    letters = [xl_col_to_name(c) for c in range(len(splice.styles))]
    text_attr = [_style_attr(text) for text, _ in splice.styles]
    number_attr = [_style_attr(number) for _, number in splice.styles]
    blank_attr = [_style_attr(fmt) if fmt is not None else None for fmt in splice.blanks] or [None] * len(letters)
    # per column, the last text and its cell after the reference: a unit's code and name repeat
    # on each of its 17 evidence rows, a file's path on each of its issues
    last_text: list[str | None] = [None] * len(letters)
    last_tail = [""] * len(letters)
    for r, (height, values) in enumerate(splice.rows, splice.first_row + 1):
        cells = []
        for c, value in enumerate(values):
            kind = type(value)
            if kind is str and value:
                if value != last_text[c]:
                    last_text[c], last_tail[c] = value, _text_tail(text_attr[c], value)
                cells.append(f'<c r="{letters[c]}{r}"{last_tail[c]}')
                continue
            if (kind is float or kind is int) and (number := _number_cell(f"{letters[c]}{r}", number_attr[c], value)):
                cells.append(number)
                continue
            if kind is Cell or kind is Hyperlink:
                ref = f"{letters[c]}{r}"
                if kind is Hyperlink:
                    splice.links.append((ref, value.target))
                    value = Cell(value.text, value.fmt)
                cells.append(_own_format_cell(ref, value))
                continue
            if not (value is None or kind is str or kind is float):
                raise TypeError(f"{kind.__name__} in a spliced row (column {letters[c]}): only text and numbers")
            # empty: "", None, or a number no cell can hold (infinite, not a number)
            if blank_attr[c] is not None:
                cells.append(f'<c r="{letters[c]}{r}"{blank_attr[c]}/>')
        # a height as xlsxwriter's set_row writes it: whole pixels, 0.75 pt each
        tall = f' ht="{0.75 * int(height * 4.0 / 3.0 + 0.5):g}" customHeight="1"' if height is not None else ""
        yield f'<row r="{r}"{tall}>{"".join(cells)}</row>'


def _text_cell(ref: str, attr: str, value: str) -> str:
    """A non-empty text as an inline string, cut at Excel's limit."""
    return f'<c r="{ref}"{_text_tail(attr, value)}'


def _text_tail(attr: str, value: str) -> str:
    """_text_cell after its reference: the same for the same text in the same column."""
    if len(value) > EXCEL_MAX_TEXT:
        value = value[: EXCEL_MAX_TEXT - 1] + "…"
    # xml:space as xlsxwriter decides it (its r"^\s|\s$"; \s is str.isspace)
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
    return f'{attr} t="inlineStr"><is><t{space}>{cell_text(value)}</t></is></c>'


def _number_cell(ref: str, attr: str, value: int | float) -> str:
    """A number as a cell, or "" for one no cell can hold (infinite, not a number)."""
    if type(value) is float and not math.isfinite(value):
        return ""
    return f'<c r="{ref}"{attr}><v>{value:.16G}</v></c>'


def _own_format_cell(ref: str, cell: Cell) -> str:
    attr = _style_attr(cell.fmt)
    value = cell.value
    kind = type(value)
    if kind is str:
        # an empty styled value: no cell, as on xlsxwriter's path
        return _text_cell(ref, attr, value) if value else ""
    if kind is int or kind is float:
        # no such number in a cell (infinite, not a number): the cell's format, no value
        return _number_cell(ref, attr, value) or f'<c r="{ref}"{attr}/>'
    raise TypeError(f"{kind.__name__} in a spliced cell ({ref}): only text and numbers")


def register_formats(formats: Iterable[object | None]) -> None:
    """Give each format its xf index now, as xlsxwriter does when a cell is written with it:
    a format only the spliced rows use would otherwise be left out of styles.xml."""
    for fmt in formats:
        if fmt is not None:
            fmt._get_xf_index()  # type: ignore[attr-defined]  # xlsxwriter's own, stable since 0.x


def _style_attr(fmt: object | None) -> str:
    index = getattr(fmt, "xf_index", None) if fmt is not None else None
    if fmt is not None and index is None:
        raise ValueError("a spliced column's format has no index (register_formats before closing)")
    return f' s="{index}"' if index else ""


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


def spliced_sheet(xml: bytes, splice: RowSplice) -> Iterator[bytes]:
    """The worksheet part with the rows inside its <sheetData>, in chunks."""
    ref = f"A1:{xl_col_to_name(splice.last_col)}{splice.last_row + 1}".encode()
    xml = _DIMENSION.sub(b'<dimension ref="' + ref + b'"/>', xml, count=1)
    end = xml.find(b"</sheetData>")
    if end < 0:  # xlsxwriter writes <sheetData/> for a sheet with no rows
        empty = xml.find(b"<sheetData/>")
        if empty < 0:
            raise ValueError(f"{splice.part}: no <sheetData> to put the rows in")
        head, tail = xml[:empty] + b"<sheetData>", b"</sheetData>" + xml[empty + len(b"<sheetData/>"):]
    else:
        head, tail = xml[:end], xml[end:]
    yield head
    batch: list[str] = []
    for part in row_parts(splice):
        batch.append(part)
        if len(batch) == 512:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")
    yield _with_hyperlinks(tail, splice.links) if splice.links else tail


# what follows <hyperlinks> in a worksheet (ECMA-376 part 1, 18.3.1.99): the links go before the first of these
_AFTER_HYPERLINKS = re.compile(rb"<(printOptions|pageMargins|pageSetup|headerFooter|rowBreaks|colBreaks|"
                               rb"customProperties|cellWatches|ignoredErrors|smartTags|drawing|legacyDrawing|"
                               rb"legacyDrawingHF|picture|oleObjects|controls|webPublishItems|tableParts|extLst)\b"
                               rb"|</worksheet>")


def _with_hyperlinks(tail: bytes, links: list[tuple[str, str]]) -> bytes:
    if b"<hyperlinks>" in tail:
        raise ValueError("a spliced sheet with links of xlsxwriter's own as well")
    at = _AFTER_HYPERLINKS.search(tail)
    assert at is not None  # xlsxwriter always closes the worksheet
    refs = "".join(f'<hyperlink ref="{ref}" r:id="rId{i}"/>' for i, (ref, _) in enumerate(links, 1))
    return tail[:at.start()] + f"<hyperlinks>{refs}</hyperlinks>".encode() + tail[at.start():]


def _relationships(links: list[tuple[str, str]]) -> bytes:
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
    rels = "".join(f'<Relationship Id="rId{i}" Type="{kind}" Target="{_attribute(link_target(target))}" '
                   'TargetMode="External"/>' for i, (_, target) in enumerate(links, 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>').encode()


def _attribute(text: str) -> str:
    """Text as an XML attribute value between double quotes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _rels_part(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels"


def rewrite_workbook(path: Path, splices: Sequence[RowSplice], fix: Callable[[str, bytes], bytes]) -> None:
    """Rewrite the closed workbook once: `fix` may change any member's bytes, the spliced
    sheets get their rows. Every member keeps its name, order and time stamp, so the file
    stays byte-identical from run to run (a spliced part is stamped 1980-01-01, zip's
    fixed floor). The spliced parts are compressed at level 1: several times the speed of
    the default for somewhat more bytes, on a file written once per run."""
    by_part = {s.part: s for s in splices}
    draft = path.with_name(f".{path.name}.rows")
    try:
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(
                draft, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            names = set(zin.namelist())
            linked: list[RowSplice] = []
            for info in zin.infolist():
                data = fix(info.filename, zin.read(info.filename))
                splice = by_part.pop(info.filename, None)
                if splice is None:
                    zout.writestr(info, data)
                    continue
                with zout.open(info.filename, "w", force_zip64=True) as member:
                    for chunk in spliced_sheet(data, splice):
                        member.write(chunk)
                if splice.links:
                    linked.append(splice)
            for splice in linked:  # the links' relationships, after the parts xlsxwriter wrote
                rels = _rels_part(splice.part)
                if rels in names:
                    raise ValueError(f"{rels}: a spliced sheet with relationships of xlsxwriter's own as well")
                zout.writestr(zipfile.ZipInfo(rels, date_time=(1980, 1, 1, 0, 0, 0)), _relationships(splice.links),
                              compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
        if by_part:
            raise ValueError(f"no such worksheet part: {', '.join(sorted(by_part))}")
    except BaseException:
        draft.unlink(missing_ok=True)  # the tool deletes what it made, a failure included
        raise
    os.replace(draft, path)
