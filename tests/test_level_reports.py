"""The reports of a Thông tư 24/2023 season: the workbook's sheets and the pages say the
level asked and reached, the unmet indicators and each indicator's pass rate, from a batch of
dossiers written by the real template writer and judged by the batch."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from html import unescape
from pathlib import Path

import openpyxl
import pytest

from processor.model.batch import BatchOptions
from processor.model.level_layout import build_level_layout
from processor.model.records import Unit
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.pipeline import run_batch
from processor.report.console import summary_lines
from processor.report.publish import publish
from processor.template.filler import fill_template
from processor.template.levels_writer import LevelTemplateRequest, write_level_template
from tests.conftest import FIXED_TIME
from tests.test_level_recalc import complete

RUBRIC = load_rubric("tt24-2023")
LAYOUT = build_level_layout(RUBRIC, "tinh")
OFFICE, ECONOMIC, THPT = "co_quan_nha_nuoc", "to_chuc_kinh_te", "thpt_cong_lap"
ROSTER = (
    Unit("SNV", "Sở Nội vụ", "Sở, ban, ngành", kind=OFFICE),
    Unit("STC", "Sở Tài chính", "Sở, ban, ngành", kind=OFFICE),
    Unit("SXD", "Sở Xây dựng", "Sở, ban, ngành", kind=OFFICE),
    Unit("SYT", "Sở Y tế", "Sở, ban, ngành", kind=OFFICE),
    Unit("SGT", "Sở Giao thông vận tải", "Sở, ban, ngành", kind=OFFICE),
    Unit("CTXD", "Công ty Cổ phần Xây dựng Hòa Bình", "Doanh nghiệp", kind=ECONOMIC),
    Unit("THPTA", "Trường THPT Chuyên Lê Quý Đôn", "Trường học", kind=THPT),
)
PRIOR_12 = {"cong_nhan_truoc_muc_do": "Mức độ 1", "cong_nhan_truoc_so_qd": "15/QĐ-UBND",
            "cong_nhan_truoc_ngay": date(2025, 1, 10)}  # 12 months before the report date


def dossier(blank: Path, folder: Path, code: str, kind: str, level: int, members: int = 100,
            learners: int | None = None, **changes) -> Path:
    unit = next(u for u in ROSTER if u.code == code)
    values = complete(LAYOUT, kind, level, members, learners, ngay_bao_cao=date(2026, 1, 10), ma_don_vi=code,
                      ten_don_vi=unit.name, **changes)
    return fill_template(blank, folder / f"{code}.xlsx", {k: v for k, v in values.items() if v is not None})


@pytest.fixture(scope="module")
def season(tmp_path_factory):
    root = tmp_path_factory.mktemp("tt24_reports")
    blank = write_level_template(root / "Mau.xlsx", LevelTemplateRequest(LAYOUT, load_settings(), 2025,
                                                                         generated_at=FIXED_TIME))
    inbox = root / "ho_so"
    inbox.mkdir()
    dossier(blank, inbox, "SNV", OFFICE, 2, **PRIOR_12)  # level 2, eligible
    dossier(blank, inbox, "STC", OFFICE, 2, so_dat_tc2_ct1=92, danh_gia_tc2_ct1="Không đạt",
            **PRIOR_12)  # asks level 2, its figures meet only level 1
    dossier(blank, inbox, "SXD", OFFICE, 1, so_dat_tc2_ct2=80, danh_gia_tc2_ct2="Không đạt",
            danh_gia_tc3_ct3="Không đạt")  # fails level 1
    dossier(blank, inbox, "SYT", OFFICE, 1, minh_chung_tc1_ct1=None)  # "Đạt" without evidence: Cần sửa
    # SGT sends nothing.
    dossier(blank, inbox, "CTXD", ECONOMIC, 1, members=40, so_dat_tc2_ct4=None, danh_gia_tc2_ct4=None,
            minh_chung_tc2_ct4=None, danh_gia_tc1_ct3=None, minh_chung_tc1_ct3=None,
            so_dat_tc2_ct1=39)  # TC2.CT4 and TC1.CT3 do not apply to an economic organisation
    dossier(blank, inbox, "THPTA", THPT, 1, members=80, learners=1200, danh_gia_tc3_ct4="Mức đáp ứng cơ bản",
            danh_gia_tc3_ct5=None, minh_chung_tc3_ct5=None, danh_gia_tc3_ct6=None, minh_chung_tc3_ct6=None)
    options = BatchOptions(input_dir=inbox, out_dir=root / "out", year=2025, rubric=RUBRIC, roster=ROSTER,
                           deadline=date(2026, 1, 15), workers=1, today=date(2026, 3, 1), tier="tinh")
    result = run_batch(options)
    return result, publish(result)


def test_debug(season):
    print(season[1].index)
    result, published = season
    for u in published.summary.units:
        print(u.code, u.status, u.level, [ (i.code, i.cell) for i in u.issues])
