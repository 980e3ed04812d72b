"""The templates on paper: both rubrics' templates, blank and filled by a unit, printed to PDF
through LibreOffice (one soffice call for the module) and read back word by word.

A department prints what it sends and what comes back. A page must be A4 in the orientation
its sheet needs, nothing may run past the right margin or print over other text, every
title, table header and guide line must come out whole, and a table that runs over several
pages repeats its header row on each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from processor.model.layout import (
    IDENTITY_HEADER_ROW,
    REPORT_HEADER_ROW,
    SCORE_HEADER_ROW,
    SHEET_GUIDE,
    SHEET_IDENTITY,
    SHEET_REPORT,
    SHEET_SCORES,
    build_layout,
)
from processor.model.level_layout import HEADER_ROW, SHEET_SELF, build_level_layout
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.template.base import MARGINS_IN
from processor.template.filler import fill_template, submission_values
from processor.template.levels_writer import LevelTemplateRequest, write_level_template
from processor.template.writer import TemplateRequest, write_template
from tests.conftest import FIXED_TIME, full_scores, libreoffice_convert
from tests.print_util import A4_LANDSCAPE, A4_PORTRAIT, Page, Word, pdf_pages
from tests.test_level_recalc import complete

RIGHT_MARGIN = MARGINS_IN["right"] * 72  # points
TOLERANCE = 3.0  # points

LONG_EVIDENCE = ("Quyết định số {i}/QĐ-UBND ngày 02/3/2025 của Ủy ban nhân dân tỉnh về việc ban hành Kế hoạch "
                 "xây dựng xã hội học tập giai đoạn 2025–2030; Báo cáo số {i}/BC-SNV ngày 15/12/2025")
LONG_NARRATIVE = ("Trong năm, đơn vị đã quán triệt, triển khai đầy đủ các văn bản chỉ đạo về xây dựng xã hội học "
                  "tập; tổ chức cho công chức, viên chức, người lao động tham gia các lớp bồi dưỡng chuyên môn, "
                  "nghiệp vụ, ngoại ngữ, tin học và kỹ năng số; duy trì sinh hoạt chuyên đề hằng tháng. ") * 3


@dataclass(frozen=True)
class Sheet:
    """A printed sheet: its name, intended orientation, page bounds and the texts that must
    come out whole; header is the row repeated on every page of a multi-page sheet."""

    name: str
    size: tuple[int, int]
    pages: range
    whole: tuple[str, ...]
    header: tuple[str, ...]


@dataclass(frozen=True)
class Printed:
    sheets: tuple[Sheet, ...]
    pages: tuple[Page, ...]

    def pages_of(self) -> dict[str, list[Page]]:
        """The pages of each sheet, in order: LibreOffice prints the visible sheets in order,
        the first from the first page, each next one from the page that shows its title."""
        out: dict[str, list[Page]] = {s.name: [] for s in self.sheets}
        index = 0
        for page in self.pages:
            nxt = index + 1
            if nxt < len(self.sheets) and fold(self.sheets[nxt].whole[0]) in fold(page.text):
                index = nxt
            out[self.sheets[index].name].append(page)
        return out


def fold(text: str) -> str:
    """Text without its whitespace: pdftotext splits a word where a diacritic's kerning
    leaves a gap ("B ộ"), which is no fault of the print; a cut or a missing word stays one."""
    return "".join(str(text).split())


def cell_texts(path: Path, sheet: str, row: int) -> tuple[str, ...]:
    """The non-empty texts of a 0-based row, as written by the template writer."""
    ws = openpyxl.load_workbook(path)[sheet]
    return tuple(c.value for c in ws[row + 1] if isinstance(c.value, str) and c.value.strip())


def guide_lines(path: Path) -> tuple[str, ...]:
    ws = openpyxl.load_workbook(path)[SHEET_GUIDE]
    return tuple(c.value for (c,) in ws.iter_rows(max_col=1) if isinstance(c.value, str) and c.value.strip())


def sheet(path: Path, name: str, size: tuple[int, int], pages: range, header_row: int | None) -> Sheet:
    title = cell_texts(path, name, 0)[:1]
    header = cell_texts(path, name, header_row) if header_row is not None else ()
    whole = guide_lines(path) if name == SHEET_GUIDE else title + header
    return Sheet(name, size, pages, whole, header)


def tt22_sheets(path: Path, score_pages: range) -> tuple[Sheet, ...]:
    return (
        sheet(path, SHEET_GUIDE, A4_PORTRAIT, range(1, 3), None),
        sheet(path, SHEET_IDENTITY, A4_PORTRAIT, range(1, 2), IDENTITY_HEADER_ROW),
        sheet(path, SHEET_SCORES, A4_LANDSCAPE, score_pages, SCORE_HEADER_ROW),
        sheet(path, SHEET_REPORT, A4_PORTRAIT, range(1, 4), REPORT_HEADER_ROW),
    )


def tt24_sheets(path: Path, self_pages: range) -> tuple[Sheet, ...]:
    return (
        sheet(path, SHEET_GUIDE, A4_PORTRAIT, range(1, 3), None),
        sheet(path, SHEET_IDENTITY, A4_PORTRAIT, range(1, 2), IDENTITY_HEADER_ROW),
        sheet(path, SHEET_SELF, A4_LANDSCAPE, self_pages, HEADER_ROW),
        sheet(path, SHEET_REPORT, A4_PORTRAIT, range(1, 4), REPORT_HEADER_ROW),
    )


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    """The four workbooks (TT22 and TT24, blank and filled) printed in one soffice call."""
    tmp = tmp_path_factory.mktemp("print_templates")
    settings = load_settings()
    rubric22 = load_rubric()
    layout22 = build_layout(rubric22)
    blank22 = write_template(tmp / "mau_tt22.xlsx", TemplateRequest(
        layout=layout22, settings=settings, year=2025, generated_at=FIXED_TIME))
    identity = {"ten_don_vi": "Trung tâm Giáo dục nghề nghiệp – Giáo dục thường xuyên huyện Tiên Lữ",
                "ma_don_vi": "TTGDTX-TL", "nam_danh_gia": 2025, "so_bao_cao": "15/BC-TTGDTX",
                "ngay_bao_cao": "15/01/2026", "nguoi_ky": "Nguyễn Văn A", "chuc_vu_nguoi_ky": "Giám đốc",
                "nguoi_lien_he": "Trần Thị B", "dien_thoai": "0221 3 862 123", "email": "ttgdtx.tienlu@hungyen.gov.vn"}
    evidence = {leaf.id: LONG_EVIDENCE.format(i=i + 1) for i, leaf in enumerate(rubric22.leaves)}
    narrative = dict.fromkeys(layout22.narrative, LONG_NARRATIVE)
    values: dict[str, Any] = {k: v for k, v in submission_values(
        identity, full_scores(rubric22), evidence, narrative).items() if v is not None}
    filled22 = fill_template(blank22, tmp / "don_vi_tt22.xlsx", values)

    layout24 = build_level_layout(load_rubric("tt24-2023"), "tinh")
    blank24 = write_level_template(tmp / "mau_tt24.xlsx", LevelTemplateRequest(
        layout=layout24, settings=settings, year=2025, generated_at=FIXED_TIME))
    values24 = complete(layout24, "co_quan_nha_nuoc", 2, 200, ten_don_vi=identity["ten_don_vi"],
                        **{f"minh_chung_{row.indicator.id}": LONG_EVIDENCE.format(i=i + 1)
                           for i, row in enumerate(layout24.indicator_rows)},
                        **dict.fromkeys(layout24.narrative, LONG_NARRATIVE))
    filled24 = fill_template(blank24, tmp / "don_vi_tt24.xlsx", values24)

    books = {
        "tt22_blank": (blank22, tt22_sheets(blank22, range(1, 4))),
        "tt22_filled": (filled22, tt22_sheets(filled22, range(2, 6))),
        "tt24_blank": (blank24, tt24_sheets(blank24, range(2, 5))),
        "tt24_filled": (filled24, tt24_sheets(filled24, range(2, 7))),
    }
    libreoffice_convert([path for path, _ in books.values()], tmp / "pdf", "pdf", tmp / "profile")
    return {key: Printed(sheets, tuple(pdf_pages(tmp / "pdf" / f"{path.stem}.pdf")))
            for key, (path, sheets) in books.items()}


BOOKS = ("tt22_blank", "tt22_filled", "tt24_blank", "tt24_filled")


@pytest.mark.parametrize("book", BOOKS)
def test_every_sheet_prints_on_a4_in_its_orientation_within_its_page_bounds(printed, book):
    p = printed[book]
    pages = p.pages_of()
    assert {s.name: (len(pages[s.name]) in s.pages) for s in p.sheets} == {s.name: True for s in p.sheets}, {
        name: len(ps) for name, ps in pages.items()}
    assert {s.name: {pg.size for pg in pages[s.name]} for s in p.sheets} == {s.name: {s.size} for s in p.sheets}


@pytest.mark.parametrize("book", BOOKS)
def test_nothing_runs_past_the_right_margin(printed, book):
    past = [(i + 1, w.text, round(w.x1)) for i, page in enumerate(printed[book].pages) for w in page.words
            if w.x1 > page.width - RIGHT_MARGIN + TOLERANCE]
    assert past == []


@pytest.mark.parametrize("book", BOOKS)
def test_titles_headers_and_guide_lines_come_out_whole(printed, book):
    p = printed[book]
    pages = p.pages_of()
    missing = [(s.name, text) for s in p.sheets for text in s.whole
               if not any(fold(text) in fold(page.text) for page in pages[s.name])]
    assert missing == []


@pytest.mark.parametrize("book", BOOKS)
def test_a_table_over_several_pages_repeats_its_header_row(printed, book):
    p = printed[book]
    pages = p.pages_of()
    bare = [(s.name, n + 1, text) for s in p.sheets for n, page in enumerate(pages[s.name]) for text in s.header
            if fold(text) not in fold(page.text)]
    assert bare == []


def overlapping(words: tuple[Word, ...]) -> list[tuple[str, str]]:
    """Pairs of words whose boxes cross: text printed over text. Boxes that merely touch
    (the pieces of one word split at a diacritic, adjacent lines) do not count."""
    found = []
    ordered = sorted(words, key=lambda w: w.y0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.y0 >= a.y1:
                break
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            if dx > 1.0 and dy > 0.4 * min(a.y1 - a.y0, b.y1 - b.y0):
                found.append((a.text, b.text))
    return found


@pytest.mark.parametrize("book", BOOKS)
def test_no_text_prints_over_other_text(printed, book):
    clashes = {n + 1: overlapping(page.words) for n, page in enumerate(printed[book].pages)}
    assert {n: c for n, c in clashes.items() if c} == {}
