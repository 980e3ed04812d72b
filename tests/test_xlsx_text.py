"""Submitted text that looks like Excel's own rich-text markup stays text in every workbook
we write.

xlsxwriter passes a string that starts with "<r>" and ends with "</r>" into the file's XML
unescaped, as if it were a rich string it had built: a unit typing that shape would inject
markup (or make Excel "repair" the file). Our cells go through one function that keeps it
text.
"""

from __future__ import annotations

import zipfile
from datetime import date

import openpyxl
import xlsxwriter

from processor.model.batch import BatchOptions
from processor.pipeline import run_batch
from processor.report.council_workbook import UpdateStatus
from processor.report.publish import publish
from processor.text.cells import write_text
from tests.council_util import council_row, fill_council
from tests.test_council import RUBRIC, season  # noqa: F401 (the fixture)

RICH_INJECTION = '<r><rPr><b/></rPr><t>Đạt</t></r>'
BROKEN_RICH = '<r>không hợp lệ</r>'


def test_write_text_keeps_rich_markup_as_text_in_both_xlsxwriter_modes(tmp_path):
    for constant_memory in (False, True):
        path = tmp_path / f"x{constant_memory}.xlsx"
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
        ws = wb.add_worksheet()
        fmt = wb.add_format({"text_wrap": True})
        for r, text in enumerate([RICH_INJECTION, BROKEN_RICH, "<r>", "a <r>b</r>", "thường"]):
            write_text(ws, r, 0, text, fmt)
        wb.close()
        cells = [row[0] for row in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
        assert cells == [RICH_INJECTION, BROKEN_RICH, "<r>", "a <r>b</r>", "thường"], constant_memory
        with zipfile.ZipFile(path) as z:
            xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/")).decode("utf-8")
        assert "<rPr><b/>" not in xml and "<r>không" not in xml, constant_memory


def test_the_consolidated_workbook_keeps_submitted_rich_markup_as_text(make_submission, tmp_path, rubric):
    folder = tmp_path / "ho_so"
    leaf = rubric.leaves[0].id
    make_submission("SNV.xlsx", folder=folder, evidence={leaf: RICH_INJECTION}, ten_don_vi=BROKEN_RICH)
    result = run_batch(BatchOptions(input_dir=folder, out_dir=tmp_path / "out", year=2025, rubric=rubric,
                                    deadline=date(2026, 3, 31), workers=1))
    published = publish(result)
    wb = openpyxl.load_workbook(published.workbook)
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {RICH_INJECTION, BROKEN_RICH} <= texts
    with zipfile.ZipFile(published.workbook) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")).decode("utf-8")
    assert "<rPr><b/>" not in xml and "<r>không" not in xml


def test_a_rich_looking_council_entry_is_written_back_as_text(season):  # noqa: F811
    season.run()
    typed = {("units", "sxd", "conclusion"): "Không đề nghị", ("units", "sxd", "reason"): BROKEN_RICH,
             ("items", "snv|tc2_ct1", "opinion"): RICH_INJECTION}
    fill_council(season.book, RUBRIC, typed)
    season.dossier("SYT", 1)  # a new file: the workbook is rebuilt, every typed value written back
    *_, update = season.run()
    assert update.status == UpdateStatus.WRITTEN
    assert {k: council_row(season.book, RUBRIC, k[0], k[1])[k[2]] for k in typed} == typed


def test_a_unit_name_that_looks_rich_is_text_in_its_template(tmp_path, layout, settings):
    from processor.model.records import Unit
    from processor.template.writer import TemplateRequest, write_template
    from tests.conftest import FIXED_TIME
    path = write_template(tmp_path / "M.xlsx", TemplateRequest(layout=layout, settings=settings, year=2025,
                                                              unit=Unit("X", BROKEN_RICH, "Nhóm"),
                                                              generated_at=FIXED_TIME))
    texts = {c.value for ws in openpyxl.load_workbook(path).worksheets for row in ws.iter_rows() for c in row}
    assert BROKEN_RICH in texts
