"""Issue 16 (what a department's first trial found): the items fixed so far, one test each."""

from __future__ import annotations

import re
import zipfile

from processor.model.batch import BatchOptions
from processor.pipeline import run_batch
from processor.report.publish import publish
from tests.conftest import TT22_2025, list_rows


def test_the_workbooks_links_to_the_pages_use_forward_slashes(tmp_path, make_submission, rubric):
    """16.4: the links were stored as html\\SNV.html, which only Windows Excel follows."""
    inbox = tmp_path / "ho_so"
    make_submission("SNV.xlsx", folder=inbox)
    make_submission("STC.xlsx", folder=inbox, ma_don_vi="STC", ten_don_vi="Sở Tài chính")
    assert TT22_2025  # the points rubric of the conftest season
    options = BatchOptions(input_dir=inbox, out_dir=tmp_path / "out", year=2025, rubric=rubric, workers=1)
    workbook = publish(run_batch(options)).workbook
    targets = []
    with zipfile.ZipFile(workbook) as z:
        for name in z.namelist():
            if re.fullmatch(r"xl/worksheets/_rels/sheet\d+\.xml\.rels", name):
                targets += re.findall(r'Target="([^"]+)"[^>]*TargetMode="External"', z.read(name).decode())
    assert targets and sorted(set(targets)) == ["html/SNV.html", "html/STC.html"]


def test_a_to_fix_units_sum_is_shown_only_as_its_own_unverified_figure(tmp_path, make_submission, rubric):
    """16.3: a Cần sửa unit with 3c scored 10 of 5 summed to 105 and was shown as if it were its score."""
    inbox = tmp_path / "ho_so"
    make_submission("SNV.xlsx", folder=inbox, scores={"3c": 10})
    make_submission("STC.xlsx", folder=inbox, ma_don_vi="STC", ten_don_vi="Sở Tài chính")
    options = BatchOptions(input_dir=inbox, out_dir=tmp_path / "out", year=2025, rubric=rubric, workers=1)
    published = publish(run_batch(options))
    header, *rows = list_rows(published.workbook, "Tổng hợp")
    col = {name: i for i, name in enumerate(header)}
    own = "Tổng tự chấm (chưa kiểm tra, hồ sơ còn lỗi)"
    got = {r[0]: (r[col["Trạng thái"]], r[col["Tiêu chí 3"]], r[col["Tổng điểm"]], r[col[own]]) for r in rows}
    assert got == {"SNV": ("Cần sửa", None, None, 105), "STC": ("Hợp lệ", 40, 100, None)}
    index = (published.index).read_text(encoding="utf-8")
    assert ">105<" not in index and ">100<" in index
    page = (published.index.parent / "SNV.html").read_text(encoding="utf-8")
    assert "Tổng điểm tự chấm (chưa kiểm tra, hồ sơ còn lỗi)" in page


def test_a_report_date_outside_the_window_is_a_warning_and_never_on_time(tmp_path, make_submission, rubric):
    """16.7: before the evaluation year or after the run date: "ngày báo cáo bất thường", not đúng hạn."""
    from datetime import date

    from processor.report.summary import summarise

    inbox = tmp_path / "ho_so"
    make_submission("SNV.xlsx", folder=inbox, ngay_bao_cao="15/06/2024")  # before 2025
    make_submission("STC.xlsx", folder=inbox, ma_don_vi="STC", ten_don_vi="Sở Tài chính", ngay_bao_cao="01/03/2026")
    make_submission("SXD.xlsx", folder=inbox, ma_don_vi="SXD", ten_don_vi="Sở Xây dựng", ngay_bao_cao="15/01/2026")
    options = BatchOptions(input_dir=inbox, out_dir=tmp_path / "out", year=2025, rubric=rubric, workers=1,
                           deadline=date(2026, 3, 31), today=date(2026, 2, 1))
    summary = summarise(run_batch(options))
    got = {u.code: (u.on_time, [i.code for i in u.issues if not i.is_error]) for u in summary.units}
    assert got == {"SNV": (None, ["date-unusual"]), "STC": (None, ["date-unusual"]), "SXD": (True, [])}
    assert (summary.on_time, summary.no_date) == (1, 2)
