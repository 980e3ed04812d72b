"""The big sheets' rows written as XML (report/sheet_rows.py) read back exactly as the same
rows written cell by cell through xlsxwriter: values, formats, the sheet's range — and text
shaped like markup stays text."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from processor.report.sheet_rows import RowSplice, cell_text, register_formats, rewrite_workbook
from tests.conftest import libreoffice_convert

ROWS = [
    ["S01", "Sở Nội vụ", "1a", 10.0, "Quyết định số 1/QĐ ngày 02/3/2025"],
    ["S02", "Sở Tài chính & Kế hoạch <2025>", "1b", 7.5, " khoảng trắng đầu và cuối "],
    ["S03", "", "1c", None, "dòng 1\ndòng 2"],
    ["S04", "Điều khiển\x01\x1f giữa", "2a", 0, "_x0041_ như mã của Excel"],
    ["S05", "<r><t>Đạt</t></r>", "2b", 1e-7, "=HYPERLINK(\"http://x\")"],
    ["S06", "Trường THCS Nguyễn Trãi", "3a1", 123456789012.5, "x" * 40000],
    # a text again in its column (kept from the row before) and in a column of another format
    ["S06", "Trường THCS Nguyễn Trãi", "3a2", "Trường THCS Nguyễn Trãi", "Trường THCS Nguyễn Trãi"],
    ["S06", "Trường THCS Nguyễn Trãi", "3a2", "Trường THCS Nguyễn Trãi", "Trường THCS Nguyễn Trãi"],
]


def write(path: Path, spliced: bool) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False, "strings_to_numbers": False})
    wb.add_worksheet("Khác").write_string(0, 0, "trang khác")
    ws = wb.add_worksheet("Minh chứng")
    wrap, number = wb.add_format({"text_wrap": True, "valign": "top"}), wb.add_format({"num_format": "0.0#"})
    styles = [None, None, None, number, wrap]
    ws.write_row(0, 0, ["Mã", "Tên", "TT", "Điểm", "Minh chứng"])
    ws.autofilter(0, 0, len(ROWS), 4)
    first = 1 if spliced else len(ROWS)
    heights = [None, 30, None, 45.5, None, None, None, 30]
    for r, row in enumerate(ROWS[:first], 1):
        if heights[r - 1] is not None:
            ws.set_row(r, heights[r - 1])  # before the row's cells: constant_memory writes rows as it goes
        for c, value in enumerate(row):
            if isinstance(value, str) and value:
                ws.write_string(r, c, value[:32766] + "…" if len(value) > 32767 else value, styles[c])
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value, styles[c])
    wb.close()
    if spliced:
        register_formats(styles)
    splices = [RowSplice("xl/worksheets/sheet2.xml", first + 1, list(zip(heights[first:], ROWS[first:], strict=True)),
                         [(s, s) for s in styles], len(ROWS), 4)] if spliced else []
    rewrite_workbook(path, splices, lambda name, data: data)


def cells(path: Path) -> list[list[tuple[object, str, bool, float | None]]]:
    ws = openpyxl.load_workbook(path)["Minh chứng"]
    return [[(c.value, c.number_format, bool(c.alignment.wrap_text), ws.row_dimensions[c.row].height) for c in row]
            for row in ws.iter_rows()]


def test_spliced_rows_read_back_as_the_cell_by_cell_ones(tmp_path):
    plain, fast = tmp_path / "plain.xlsx", tmp_path / "fast.xlsx"
    write(plain, spliced=False)
    write(fast, spliced=True)
    assert cells(fast)[:5] == cells(plain)[:5]  # xlsxwriter itself turns the <r>…</r> row into markup
    assert cells(fast)[5][1][0] == "<r><t>Đạt</t></r>"
    assert cells(fast)[6:] == cells(plain)[6:]
    book = CalamineWorkbook.from_path(str(fast)).get_sheet_by_name("Minh chứng").to_python()
    assert book[1:] == [[v if v is not None else "" for v in row] for row in
                        [[*r[:4], r[4][:32766] + "…" if len(r[4]) > 32767 else r[4]] for r in ROWS]]
    with zipfile.ZipFile(fast) as z:
        xml = z.read("xl/worksheets/sheet2.xml").decode("utf-8")
    assert '<dimension ref="A1:E9"/>' in xml and '<autoFilter ref="A1:E9"/>' in xml
    assert "<r><t>" not in xml


def test_the_same_rows_give_the_same_bytes(tmp_path):
    write(tmp_path / "a.xlsx", spliced=True)
    write(tmp_path / "b.xlsx", spliced=True)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_libreoffice_reads_the_spliced_sheet(tmp_path):
    write(tmp_path / "fast.xlsx", spliced=True)
    libreoffice_convert([tmp_path / "fast.xlsx"], tmp_path / "lo", "xlsx", tmp_path / "profile")
    def values(path: Path) -> list[list[object]]:
        return [[cell[0] for cell in row] for row in cells(path)]

    assert values(tmp_path / "lo" / "fast.xlsx")[1:4] == values(tmp_path / "fast.xlsx")[1:4]


@pytest.mark.parametrize(("text", "xml"), [
    ("a & b < c > d", "a &amp; b &lt; c &gt; d"),
    ("\x01", "_x0001_"),
    ("_x0041_", "_x005F_x0041_"),
    ('"quoted"', '"quoted"'),
])
def test_cell_text_escapes_as_excel_reads_it(text, xml):
    assert cell_text(text) == xml


def test_a_value_that_is_not_text_or_a_number_is_refused_not_guessed(tmp_path):
    from datetime import date
    with pytest.raises(TypeError):
        list(__import__("processor.report.sheet_rows", fromlist=["row_parts"]).row_parts(
            RowSplice("x", 0, [(None, [date(2025, 1, 1)])], [(None, None)], 1, 0)))


def test_the_consolidated_evidence_sheet_is_the_same_spliced_or_cell_by_cell(make_submission, tmp_path, rubric,
                                                                              monkeypatch):
    from datetime import date

    from processor.model.batch import BatchOptions
    from processor.pipeline import run_batch
    from processor.report import workbook
    from processor.report.publish import publish

    folder = tmp_path / "ho_so"
    leaves = [leaf.id for leaf in rubric.leaves]
    make_submission("A.xlsx", folder=folder, ma_don_vi="A", ten_don_vi="Sở A " * 12,
                    evidence={leaves[0]: "dài " * 80, leaves[1]: " <r>x</r>", leaves[2]: ""}, scores={leaves[3]: 7.5})
    make_submission("B.xlsx", folder=folder, ma_don_vi="B", ten_don_vi="Sở B")

    def sheet(out: Path) -> list:
        result = run_batch(BatchOptions(input_dir=folder, out_dir=out, year=2025, rubric=rubric,
                                        deadline=date(2026, 3, 31), workers=1))
        ws = openpyxl.load_workbook(publish(result).workbook)["Minh chứng"]
        return [[(c.value, c.number_format, bool(c.alignment.wrap_text), c.font.name, ws.row_dimensions[c.row].height)
                 for c in row] for row in ws.iter_rows()]

    spliced = sheet(tmp_path / "a")
    table = workbook._Writer._table
    monkeypatch.setattr(workbook._Writer, "_table", lambda self, *a, fast=False, **k: table(self, *a, **k))
    assert sheet(tmp_path / "b") == spliced
    assert len(spliced) == 1 + 2 * len(leaves)


def _every_cell(path: Path) -> dict[str, list]:
    """Every sheet's cells as a person sees them: value, number format, fill, font, wrap and
    link of each cell, each row's height, the merged ranges."""
    wb = openpyxl.load_workbook(path)
    sheets: dict[str, list] = {}
    for ws in wb.worksheets:
        cells = [[(c.coordinate, c.value, c.number_format, c.fill.fgColor.rgb, c.font.name, c.font.b, c.font.color
                   and c.font.color.rgb, c.font.u, c.alignment.wrap_text, c.alignment.vertical,
                   c.hyperlink.target if c.hyperlink else None) for c in row] for row in ws.iter_rows()]
        heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height is not None}
        sheets[ws.title] = [cells, heights, sorted(map(str, ws.merged_cells.ranges)), ws.dimensions,
                            ws.auto_filter.ref, ws.freeze_panes, ws.print_title_rows]
    return sheets


@pytest.mark.parametrize("extra", [(), ("--year", "2021")], ids=["tt24", "tt22-2021"])
def test_every_consolidated_sheet_is_the_same_spliced_or_cell_by_cell(tmp_path, monkeypatch, extra):
    """Both demos (statuses in colour, links to the pages, dates, histories, changes): every
    table sheet written as spliced rows reads back as the same sheet written through xlsxwriter."""
    from processor.report import workbook
    from tests.test_demo import run_demo

    year = extra[1] if extra else "2025"
    run_demo(tmp_path / "spliced", *extra)
    table = workbook._Writer._table
    monkeypatch.setattr(workbook._Writer, "_table", lambda self, *a, fast=True, **k: table(self, *a, fast=False, **k))
    run_demo(tmp_path / "cells", *extra)
    spliced = _every_cell(tmp_path / "spliced" / f"TongHop_DVHT_{year}.xlsx")
    by_cell = _every_cell(tmp_path / "cells" / f"TongHop_DVHT_{year}.xlsx")
    assert list(spliced) == list(by_cell)
    # what differs between two demo runs by nature: the run's folders and time (Thông tin, not a
    # table), the demo's freshly made files' bytes (their size and SHA-256 in Tệp đã nhận)
    del spliced["Thông tin"], by_cell["Thông tin"]
    for sheet in (spliced, by_cell):
        files = sheet["Tệp đã nhận"][0]
        masked = [i for i, c in enumerate(files[0]) if c[1] in ("Dung lượng (byte)", "SHA-256")]
        assert len(masked) == 2
        sheet["Tệp đã nhận"][0] = [[(c[0], "…", *c[2:]) if i in masked else c for i, c in enumerate(row)]
                                  for row in files]
    for name in spliced:
        assert spliced[name] == by_cell[name], name
    links = [c[-1] for row in spliced["Tổng hợp"][0] for c in row if c[-1]]
    assert links and all(link.startswith("html/") and "\\" not in link for link in links)


@pytest.mark.parametrize("target", ["html/T0001.html", "html/a b&c<d>.html", 'html/x"y.html', "html/50%25 đã.html",
                                    'html/%41"&.html'])
def test_a_spliced_link_has_the_target_xlsxwriter_gives_it_and_the_file_stays_well_formed(tmp_path, target):
    """Targets are page names (ASCII, page_names), but whatever a link points at must stay one
    attribute. ("#" is left out: xlsxwriter reads it as an anchor, we keep it in the name.)"""
    import xml.etree.ElementTree as ET

    from processor.report.sheet_rows import Hyperlink

    def write(path: Path, spliced: bool) -> None:
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_urls": False})
        ws = wb.add_worksheet("Tổng hợp")
        link = wb.add_format({"font_color": "#0563C1", "underline": 1})
        ws.write_string(0, 0, "Trang")
        if not spliced:
            ws.write_url(1, 0, "external:" + target, link, string="Xem")
        register_formats([link])  # before closing, as the workbook writer does
        wb.close()
        splices = [RowSplice("xl/worksheets/sheet1.xml", 1, [(None, [Hyperlink(target, "Xem", link)])],
                             [(None, None)], 1, 0)] if spliced else []
        rewrite_workbook(path, splices, lambda name, data: data)

    write(tmp_path / "cells.xlsx", spliced=False)
    write(tmp_path / "spliced.xlsx", spliced=True)
    with zipfile.ZipFile(tmp_path / "spliced.xlsx") as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                ET.fromstring(z.read(name))  # well-formed
    cells, spliced = (openpyxl.load_workbook(tmp_path / n)["Tổng hợp"]["A2"] for n in ("cells.xlsx", "spliced.xlsx"))
    assert spliced.value == cells.value == "Xem"
    assert spliced.hyperlink.target == cells.hyperlink.target.replace("\\", "/")


def test_a_sum_too_large_for_a_number_leaves_its_cell_empty_and_the_run_goes_on(make_submission, tmp_path, rubric):
    """Two scores of 9E+307 (refused, score-above-max, but summed into Tổng tự chấm) add up to
    infinity, which no cell can hold: the cell stays empty instead of holding INF (a file Excel
    must repair) or stopping the run."""
    from datetime import date

    from processor.model.batch import BatchOptions
    from processor.pipeline import run_batch
    from processor.report.publish import publish

    folder = tmp_path / "ho_so"
    leaves = [leaf.id for leaf in rubric.leaves]
    make_submission("A.xlsx", folder=folder, ma_don_vi="A", ten_don_vi="Sở A",
                    scores={leaves[0]: 9e307, leaves[1]: 9e307})
    result = run_batch(BatchOptions(input_dir=folder, out_dir=tmp_path / "out", year=2025, rubric=rubric,
                                    deadline=date(2026, 3, 31), workers=1))
    path = publish(result).workbook
    with zipfile.ZipFile(path) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert b"INF" not in xml and b"NAN" not in xml
    ws = openpyxl.load_workbook(path)["Tổng hợp"]
    own_total = next(c.column for c in ws[1] if str(c.value).startswith("Tổng tự chấm"))
    assert ws.cell(2, own_total).value is None


def test_a_non_finite_number_in_a_spliced_row_is_an_empty_cell():
    from processor.report.sheet_rows import Cell, row_parts

    rows = list(row_parts(RowSplice("x", 0, [(None, [float("inf"), float("nan"), Cell(float("-inf"), None), 1.5])],
                                    [(None, None)] * 4, 1, 3)))
    assert rows == ['<row r="1"><c r="C1"/><c r="D1"><v>1.5</v></c></row>']
