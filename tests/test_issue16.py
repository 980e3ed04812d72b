"""Issue 16 (what a department's first trial found): the items fixed so far, one test each."""

from __future__ import annotations

import re
import zipfile

from processor.model.batch import BatchOptions
from processor.pipeline import run_batch
from processor.report.publish import publish
from tests.conftest import TT22_2025


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
