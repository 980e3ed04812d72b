"""The workbooks the batch writes, as a department prints them (issue 16.1): the demo seasons
of both circulars (TT22 2021, TT24 2025) through the pipeline, the consolidated workbook and
the council workbook of each, all printed by LibreOffice to PDF in one call.

Each page says which sheet it is in its header (the sheet name, left), so a page can be
counted against its sheet; every page is A4, wide sheets landscape, one page wide; no word
past the right margin; titles and header texts whole on the sheet's pages, the header row
on every page of a multi-page sheet; no two words printed over each other.
"""

from __future__ import annotations

import io
import re
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string

from processor.cli import main
from tests.conftest import libreoffice_convert
from tests.print_util import A4_LANDSCAPE, A4_PORTRAIT, PT_PER_CM, Page, Word, pdf_pages

BOOKS = {
    "tong_hop_2021": "TongHop_DVHT_2021.xlsx",
    "tong_hop_2025": "TongHop_DVHT_2025.xlsx",
    "tham_dinh_2021": "du_lieu_mau/tham_dinh/ThamDinh_DVHT_2021.xlsx",
    "tham_dinh_2025": "du_lieu_mau/tham_dinh/ThamDinh_DVHT_2025.xlsx",
}
# Printed portrait: narrow sheets, and Minh chứng (a long list of short rows takes fewer pages
# scaled to a portrait page's width); every other sheet is wider than a portrait page.
PORTRAIT = {"Thông tin", "Hướng dẫn", "Minh chứng"}


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, tuple[Path, list[Page]]]:
    """name -> (the workbook, its printed pages)."""
    root = tmp_path_factory.mktemp("print_reports")
    for year, extra in ((2021, ["--year", "2021"]), (2025, [])):
        out = root / str(year)
        stdout, stderr = io.StringIO(), io.StringIO()
        assert main(["demo", "--out", str(out), "--workers", "2", *extra], stdout=stdout, stderr=stderr) == 0, \
            stderr.getvalue()
    books = {}
    flat = root / "books"
    flat.mkdir()
    for name, rel in BOOKS.items():
        source = root / name[-4:] / rel
        books[name] = shutil.copy(source, flat / f"{name}.xlsx")
    libreoffice_convert(books.values(), root / "pdf", "pdf", root / "profile")
    return {name: (Path(path), pdf_pages(root / "pdf" / f"{name}.pdf")) for name, path in books.items()}


def sheet_of(page: Page, sheets: list[str]) -> str:
    """The sheet a page belongs to: the sheet name its header starts with."""
    top = sorted((w for w in page.words if w.y1 < 1.25 * PT_PER_CM), key=lambda w: w.x0)
    # poppler splits a small Vietnamese word at its marked letters ("T ổ ng"): compare letters only
    band = "".join(ch for w in top for ch in w.text if ch.isalpha())
    named = [s for s in sheets if band.startswith(s.replace(" ", ""))]
    assert named, f"page header {band!r} names no sheet of {sheets}"
    return max(named, key=len)


def by_sheet(book: Path, pages: list[Page]) -> dict[str, list[Page]]:
    wb = openpyxl.load_workbook(book)
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    out: dict[str, list[Page]] = defaultdict(list)
    for page in pages:
        out[sheet_of(page, visible)].append(page)
    return out


def header_row(book: Path, sheet: str) -> list[str]:
    """The texts of a sheet's table header: the row xlsxwriter marks as repeated on every page."""
    wb = openpyxl.load_workbook(book)
    ws = wb[sheet]
    titles = ws.print_title_rows
    assert titles, f"{sheet}: no header row repeated on every page"
    row = int(titles.split(":")[0].lstrip("$"))
    area = ws.print_area
    last = column_index_from_string(area.split(":")[-1].split("$")[1]) if area else ws.max_column
    return [str(c.value) for c in ws[row][:last] if c.value is not None]


@pytest.mark.parametrize("name", BOOKS)
def test_every_page_is_a4_and_wide_sheets_are_landscape(printed, name):
    book, pages = printed[name]
    for sheet, own in by_sheet(book, pages).items():
        expected = A4_PORTRAIT if sheet in PORTRAIT else A4_LANDSCAPE
        assert [p.size for p in own] == [expected] * len(own), sheet


def test_page_counts_stay_within_bounds(printed):
    """Before: 71 and 74 portrait pages (40 and 38 units), Tổng hợp five pages wide, Minh chứng 28."""
    counts = {name: Counter({s: len(p) for s, p in by_sheet(*printed[name]).items()}) for name in BOOKS}
    for name, most in (("tong_hop_2021", 45), ("tong_hop_2025", 40)):
        c = counts[name]
        assert c["Tổng hợp"] <= 2, (name, c)
        assert c["Thống kê"] <= 4, (name, c)  # the tables, then the two charts
        assert c["Chi tiết"] <= 2, (name, c)
        assert all(n <= 4 for s, n in c.items() if s != "Minh chứng"), (name, c)
        assert sum(c.values()) <= most, (name, c)
    for name in ("tham_dinh_2021", "tham_dinh_2025"):
        assert counts[name]["Hướng dẫn"] == 1, counts[name]
        assert counts[name]["Kết luận"] <= 3, counts[name]
        # one row per unit and indicator (680 in 2021) with its wrapped wording, legible: at
        # least ten rows a page (before: 14 pages, the wording printed over the next rows)
        assert sum(counts[name].values()) <= 72, counts[name]


def test_shares_print_as_vietnamese_percentages(printed):
    """41,6% (15 Tốt of 36 valid units in the 2021 demo, cut as text.numbers.percent cuts, never
    rounded up), never 41.6%: a number in the cell,
    shown with the Vietnamese decimal comma."""
    book, pages = printed["tong_hop_2021"]
    stats = " ".join(p.text for p in by_sheet(book, pages)["Thống kê"])
    assert "41,6%" in stats
    assert re.findall(r"\d\.\d%", stats) == []


@pytest.mark.parametrize("name", BOOKS)
def test_no_word_past_the_margins(printed, name):
    _, pages = printed[name]
    for n, page in enumerate(pages, 1):
        outside = [w.text for w in page.words if w.x1 > page.width - 0.5 * PT_PER_CM or w.x0 < 0.5 * PT_PER_CM]
        assert outside == [], f"page {n}"


def _overlap(a: Word, b: Word) -> float:
    """The share of the smaller box that the two boxes have in common."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0))
    return w * h / smaller if smaller > 0 else 0.0


@pytest.mark.parametrize("name", BOOKS)
def test_no_words_print_over_each_other(printed, name):
    """A wrapped cell taller than its row prints over the next one (a long group name, the
    criterion labels of Thống kê): row heights must fit the wrapped text."""
    _, pages = printed[name]
    for n, page in enumerate(pages, 1):
        words = sorted(page.words, key=lambda w: w.y0)
        clashes = []
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if b.y0 >= a.y1:
                    break
                # poppler splits a small Vietnamese word at its marked letters ("T ổ ng"), and the
                # pieces touch on their own line: a clash is a word over a word of another line
                if (_overlap(a, b) > 0.25 and abs(a.y1 - b.y1) > 0.25 * (a.y1 - a.y0)
                        and min(len(a.text), len(b.text)) > 1):
                    clashes.append((a.text, b.text))
        assert clashes == [], f"page {n}"


def _letters(text: str) -> Counter:
    """The letters and digits of a text: poppler gives a Vietnamese word as one word or as its
    pieces ("T ổ ng"), so "printed whole" is "every letter of it is there"."""
    return Counter(ch for ch in text if ch.isalnum())


def _printed(words) -> Counter:  # type: ignore[no-untyped-def]
    return Counter(ch for w in words for ch in w.text if ch.isalnum())


@pytest.mark.parametrize("name", BOOKS)
def test_header_row_is_whole_on_every_page_of_its_sheet(printed, name):
    book, pages = printed[name]
    for sheet, own in by_sheet(book, pages).items():
        wb = openpyxl.load_workbook(book)
        if not wb[sheet].print_title_rows:
            continue
        wanted = _letters(" ".join(header_row(book, sheet)))
        for n, page in enumerate(own, 1):
            # the header row is at the top of every page, under the titles of the first
            top = [w for w in page.words if w.y0 < page.height * (0.45 if n == 1 else 0.3)]
            missing = wanted - _printed(top)
            assert not missing, f"{sheet}, page {n} of {len(own)}: {sorted(missing)}"


def test_every_list_sheet_repeats_its_header_row(printed):
    for name in BOOKS:
        book, _ = printed[name]
        wb = openpyxl.load_workbook(book)
        for ws in wb.worksheets:
            if ws.sheet_state == "visible" and ws.title not in {"Thống kê", "Thông tin", "Hướng dẫn"}:
                assert ws.print_title_rows, (name, ws.title)


@pytest.mark.parametrize("name", BOOKS)
def test_titles_are_whole_on_their_sheet(printed, name):
    """Every text of column A above a sheet's table (titles, notes) printed whole."""
    book, pages = printed[name]
    wb = openpyxl.load_workbook(book)
    for sheet, own in by_sheet(book, pages).items():
        ws = wb[sheet]
        titles = ws.print_title_rows
        last = int(titles.split(":")[0].lstrip("$")) - 1 if titles else min(ws.max_row, 60)
        texts = [str(ws.cell(r, 1).value) for r in range(1, last + 1)
                 if isinstance(ws.cell(r, 1).value, str)]
        printed_words = _printed(w for p in own for w in p.words)
        for text in texts:
            assert not (_letters(text) - printed_words), (sheet, text)
