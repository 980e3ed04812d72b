"""The built-in demos, end to end: the TT24 season of 2025 (the default) and the TT22 season
of 2021 (--year 2021), each against its reviewed golden file, and LibreOffice opening both."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import openpyxl
import pytest

from processor.cli import main
from tests.conftest import libreoffice_convert, list_rows, stt_numbers

GOLDEN = Path(__file__).parent / "golden" / "demo.json"  # TT22, 2021
GOLDEN_TT24 = Path(__file__).parent / "golden" / "demo_tt24.json"  # TT24, 2025
SHEETS = ["Tổng hợp", "Thay đổi", "Chi tiết", "Minh chứng", "Thống kê", "Danh sách đề nghị công nhận",
          "Lịch sử công nhận", "Lỗi và cảnh báo", "Tệp đã nhận", "Chưa nộp", "Kiến nghị", "Thông tin"]


def run_demo(out: Path, *extra: str) -> str:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["demo", "--out", str(out), "--workers", "2", *extra], stdout=stdout, stderr=stderr)
    assert code == 0, stderr.getvalue()
    return stdout.getvalue()


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert "TongHop_DVHT_2021.xlsx" in run_demo(out, "--year", "2021")
    return out


@pytest.fixture(scope="module")
def demo_tt24(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo24")
    printed = run_demo(out)
    assert "TongHop_DVHT_2025.xlsx" in printed and "Mức độ: " in printed
    return out


def rows(path: Path, sheet: str) -> list[list]:
    return [[v.isoformat() if hasattr(v, "isoformat") else v for v in r]
            for r in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]


def digest(workbook: Path) -> dict[str, list]:
    """What must not change between runs: everything but hashes, byte sizes and paths."""
    files = [[r[0], r[1], r[4], r[5], r[6]] for r in rows(workbook, "Tệp đã nhận")]  # STT, file, unit, outcome, note
    return {
        "Tổng hợp": rows(workbook, "Tổng hợp"),
        "Chi tiết": rows(workbook, "Chi tiết"),
        "Thống kê": rows(workbook, "Thống kê"),
        "Danh sách đề nghị công nhận": rows(workbook, "Danh sách đề nghị công nhận"),
        "Lỗi và cảnh báo": rows(workbook, "Lỗi và cảnh báo"),
        "Tệp đã nhận": files,
        "Chưa nộp": rows(workbook, "Chưa nộp"),
        "Thay đổi": rows(workbook, "Thay đổi"),
        "Lịch sử công nhận": rows(workbook, "Lịch sử công nhận"),
    }


def to_json(data: dict[str, list]) -> str:
    """One row per line, so a reviewer reads the golden file like the sheet itself."""
    sheets = [
        f"  {json.dumps(name, ensure_ascii=False)}: [\n"
        + ",\n".join(f"    {json.dumps(row, ensure_ascii=False)}" for row in body) + "\n  ]"
        for name, body in data.items()
    ]
    return "{\n" + ",\n".join(sheets) + "\n}\n"


def check_golden(workbook: Path, golden: Path) -> None:
    actual = digest(workbook)
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(to_json(actual), encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    for sheet, body in expected.items():
        assert actual[sheet] == body, sheet


def test_demo_matches_the_reviewed_golden_result(demo_out):
    check_golden(demo_out / "TongHop_DVHT_2021.xlsx", GOLDEN)


def test_tt24_demo_matches_the_reviewed_golden_result(demo_tt24):
    check_golden(demo_tt24 / "TongHop_DVHT_2025.xlsx", GOLDEN_TT24)


def test_tt24_demo_shows_both_levels_and_the_tt24_cases(demo_tt24):
    header, *body = list_rows(demo_tt24 / "TongHop_DVHT_2025.xlsx", "Tổng hợp")
    col = {name: i for i, name in enumerate(header)}
    by_code = {r[0]: r for r in body}
    reached = {r[col["Mức độ đạt"]] for r in body}
    assert {"Mức độ 1", "Mức độ 2", "Không đạt"} <= reached
    assert by_code["SNV"][col["Mức độ đề nghị"]] == "Mức độ 2" and by_code["SNV"][col["Mức độ đạt"]] == "Mức độ 1"
    assert by_code["SNNMT"][col["Trạng thái"]] == "Cần sửa"
    issues = {(r[0].rsplit("/", 1)[-1], r[5])
              for r in list_rows(demo_tt24 / "TongHop_DVHT_2025.xlsx", "Lỗi và cảnh báo")}
    assert ("SNNMT_DVHT_2025.xlsx", "wrong-circular") in issues
    assert ("SNV_DVHT_2025.xlsx", "level-not-eligible") in issues


def test_demo_has_every_class_and_the_expected_cases(demo_out):
    header, *body = list_rows(demo_out / "TongHop_DVHT_2021.xlsx", "Tổng hợp")
    summary = {r[0]: r for r in body}
    col = {name: i for i, name in enumerate(header)}
    classes = {r[col["Xếp loại"]] for r in summary.values()}
    assert {"Tốt", "Khá", "Trung bình", "Không đạt"} <= classes
    snv = summary["SNV"]
    # the real 2021 report: 105 of 100, shown only as its own unverified sum (issue 16.3)
    assert (snv[3], snv[col["Xếp loại"]], snv[col["Tổng điểm"]]) == ("Cần sửa", None, None)
    assert snv[col["Tổng tự chấm (chưa kiểm tra, hồ sơ còn lỗi)"]] == 105
    assert [code for code, r in summary.items() if r[3] == "Chưa nộp"] == ["HCCB", "X017"]
    assert summary["TTGDNN"][header.index("Có trong danh sách")] == "Không"
    issues = list_rows(demo_out / "TongHop_DVHT_2021.xlsx", "Lỗi và cảnh báo")
    snv = [r for r in issues if r[0].endswith("SNV_DVHT_2021.xlsx") and r[4] == "Lỗi"]
    assert [(r[2], r[3], r[5]) for r in snv] == [("Chấm điểm", "D25", "score-above-max")]
    assert "tối đa là 5" in snv[0][6]
    outcomes = {r[0]: r[4] for r in list_rows(demo_out / "TongHop_DVHT_2021.xlsx", "Tệp đã nhận")[1:]}
    assert outcomes["So_ban_nganh/STC_DVHT_2021_lan1.xlsx"] == "Bị thay thế"
    assert outcomes["So_ban_nganh/~$SYT_DVHT_2021.xlsx"] == "Bỏ qua"


def test_a_points_season_has_no_coverage_status(demo_out, demo_tt24):
    """TT22 classes cover no season: no "Đang bảo lưu" tile, count or row there; TT24 has them."""
    for out, year, expected in ((demo_out, 2021, False), (demo_tt24, 2025, True)):
        book = out / f"TongHop_DVHT_{year}.xlsx"
        labels = {r[0] for sheet in ("Thống kê", "Thông tin") for r in rows(book, sheet)}
        index = (out / "html" / "index.html").read_text(encoding="utf-8")
        assert ("Đang bảo lưu" in labels) is expected, year
        assert ('<span class="tile-label">Đang bảo lưu</span>' in index) is expected, year
        assert ('<option value="Đang bảo lưu">' in index) is expected, year


def test_consolidated_workbooks_open_in_libreoffice(demo_out, demo_tt24, tmp_path):
    libreoffice_convert([demo_out / "TongHop_DVHT_2021.xlsx", demo_tt24 / "TongHop_DVHT_2025.xlsx"], tmp_path / "lo",
                        "xlsx", tmp_path / "profile")
    for name in ("TongHop_DVHT_2021.xlsx", "TongHop_DVHT_2025.xlsx"):
        wb = openpyxl.load_workbook(tmp_path / "lo" / name)
        assert wb.sheetnames == SHEETS, name
        for sheet in SHEETS:
            assert wb[sheet].max_row > 1, (name, sheet)


LIST_SHEETS = [s for s in SHEETS if s not in ("Thống kê", "Thông tin")]  # the key/value sheets have no STT


@pytest.mark.parametrize(("fixture", "year", "empty"), [("demo_out", 2021, {"Thay đổi", "Lịch sử công nhận"}),
                                                         ("demo_tt24", 2025, {"Thay đổi"})])
def test_every_list_sheet_numbers_its_rows_in_an_stt_column(fixture, year, empty, request):
    """16.2: a printed list is read out by its numbers: every list sheet's table starts with
    STT, 1..n without a gap, in both circulars' workbooks (header row and data rows as the
    table's autofilter spans them)."""
    wb = openpyxl.load_workbook(request.getfixturevalue(fixture) / f"TongHop_DVHT_{year}.xlsx")
    assert [s for s in wb.sheetnames if wb[s].auto_filter.ref] == LIST_SHEETS
    counts = {}
    for sheet in LIST_SHEETS:
        header, numbers = stt_numbers(wb[sheet])
        assert (header, numbers) == ("STT", list(range(1, len(numbers) + 1))), sheet
        counts[sheet] = len(numbers)
    # the lists the demo fills are numbered, not merely empty (a first run has no Thay đổi, the
    # 2021 season no register to tell a history from)
    assert {s for s, n in counts.items() if n == 0} == empty, counts


def _html_stats(index: str, table_id: str) -> list[list[str]]:
    """The rows of one statistics table of the index page as their texts (header row first)."""
    import re
    from html import unescape

    found = re.search(rf'<table class="stats" id="{table_id}">(.*?)</table>', index, re.S)
    assert found is not None, table_id
    return [[" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split())
             for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)]


def _workbook_block(stats: list[list], title: str) -> list[list]:
    """A counts block of Thống kê: from its header row to its last row (the valid units)."""
    start = next(i for i, r in enumerate(stats) if r[0] == title) + 1
    end = next(i for i in range(start, len(stats)) if stats[i][0] == "Số đơn vị hợp lệ (mẫu số của tỷ lệ)")
    return stats[start:end + 1]


@pytest.mark.parametrize(("fixture", "year", "self_title"), [
    ("demo_out", 2021, "Số đơn vị theo xếp loại (kết quả tự đánh giá, theo điểm của đơn vị)"),
    ("demo_tt24", 2025, "Số đơn vị theo mức độ đạt (kết quả tự đánh giá, theo số liệu của đơn vị)")])
def test_index_statistics_say_the_workbooks_numbers(fixture, year, self_title, request):
    """16.2: the index page's statistics and Thống kê give the same counts and the same shares,
    of the units with a valid dossier, under the same words; a unit still to fix or missing is
    counted but has no share (the page divided by every unit, the workbook by the valid ones)."""
    from processor.text.numbers import percent

    out = request.getfixturevalue(fixture)
    stats = rows(out / f"TongHop_DVHT_{year}.xlsx", "Thống kê")
    index = (out / "html" / "index.html").read_text(encoding="utf-8")
    assert "Số đơn vị (Tỷ lệ trên số đơn vị hợp lệ)" in index
    final_title = "Số đơn vị theo kết quả cuối cùng (sau thẩm định)"
    for table_id, title in (("self-stats", self_title), ("final-stats", final_title)):
        header, *body = _workbook_block(stats, title)
        groups = [h for h in header[1::2] if h is not None]
        valid = body[-1][1::2][:len(groups)]
        expected = [[header[0], *groups]]
        for r in body[:-1]:
            cells = []
            for n, share, total in zip(r[1::2], r[2::2], valid, strict=False):
                if share is None:  # no share in the workbook: none on the page
                    cells.append(str(n))
                else:
                    shown = f"{share * 100:.1f}".replace(".", ",").removesuffix(",0")  # the cell as Excel shows it
                    assert shown == percent(n, total), (r[0], n, total, share)  # the page's figure, digit for digit
                    cells.append(f"{n} ({shown}%)")
            expected.append([r[0], *cells])
        expected.append([body[-1][0], *map(str, valid)])
        assert _html_stats(index, table_id) == expected, table_id


def test_demo_never_deletes_a_folder_it_did_not_make(tmp_path):
    precious = tmp_path / "du_lieu_mau"
    precious.mkdir()
    (precious / "ho_so_that.xlsx").write_bytes(b"x")
    stdout, stderr = io.StringIO(), io.StringIO()
    assert main(["demo", "--out", str(tmp_path), "--workers", "1"], stdout=stdout, stderr=stderr) == 2
    assert "không do bản chạy thử tạo" in stderr.getvalue()
    assert (precious / "ho_so_that.xlsx").read_bytes() == b"x"


DOCUMENT_KINDS = ("ToTrinh_{y}.docx", "BaoCao_ThamDinh_{y}.docx", "BangTongHop_ThamDinh_{y}.docx",
                  "DuThao_QuyetDinh_{y}.docx")


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.mark.parametrize(("fixture", "year"), [("demo_tt24", 2025), ("demo_out", 2021)])
def test_demo_writes_the_council_workbook_with_decisions_and_every_kind_of_document(fixture, year, request):
    from processor.model.rubric import rubric_for_year
    from tests.council_util import read_council_rows

    out = request.getfixturevalue(fixture)
    book = out / "du_lieu_mau" / "tham_dinh" / f"ThamDinh_DVHT_{year}.xlsx"
    rubric = rubric_for_year(year)
    typed = [r for r in read_council_rows(book, rubric, "units") if r.get("conclusion") or r.get("reason")]
    typed += [r for r in read_council_rows(book, rubric, "items") if r.get("verdict") or r.get("score")]
    assert len(typed) >= 2
    docs = out / "van_ban"
    names = {p.name for p in docs.iterdir()}
    assert {k.format(y=year) for k in DOCUMENT_KINDS} <= names
    assert any(n.startswith("TraLoi_") and n.endswith(".docx") for n in names)


def test_tt24_demo_council_decisions_reach_the_documents(demo_tt24):
    """SGDDT: verified count below level 2 -> level 1; THPTCBN: a council Không đạt -> not
    recommended, its reply naming the indicator and the reason."""
    reply = docx_text(demo_tt24 / "van_ban" / "TraLoi_THPTCBN.docx")
    assert "TC1.CT2" in reply and "Chưa ban hành quy chế thực hiện dân chủ năm 2025" in reply
    sgddt = docx_text(demo_tt24 / "van_ban" / "TraLoi_SGDDT.docx")
    assert "TC2.CT1" in sgddt and "Đối chiếu danh sách" in sgddt
    decision = docx_text(demo_tt24 / "van_ban" / "DuThao_QuyetDinh_2025.docx")
    assert "Trường THPT Chuyên Bắc Ninh" not in decision and "Sở Giáo dục và Đào tạo" in decision


def test_tt24_demo_register_holds_histories_an_upgrade_and_a_covered_unit(demo_tt24):
    """The demo's own register (never a department's): earlier seasons imported, this run recorded."""
    import sqlite3

    db = demo_tt24 / "du_lieu_mau" / "du_lieu" / "dvht.sqlite"
    assert not (demo_tt24 / "du_lieu").exists()
    con = sqlite3.connect(db)
    history = con.execute("SELECT year, rubric, level, class FROM recognitions WHERE unit_code = 'SNV' "
                          "ORDER BY year").fetchall()
    assert history == [(2021, "tt22-2020", None, "Khá"), (2022, "tt22-2020", None, "Tốt"),
                       (2023, "tt22-2020", None, "Tốt"), (2024, "tt24-2023", 1, "")]
    runs = con.execute("SELECT year, rubric FROM runs").fetchall()
    con.close()
    assert runs[-1] == (2025, "tt24-2023")
    header, *body = list_rows(demo_tt24 / "TongHop_DVHT_2025.xlsx", "Tổng hợp")
    col = {name: i for i, name in enumerate(header)}
    by_code = {r[0]: r for r in body}
    # CDCN: its level-1 decision is in the register 12 months before its report: level 2 (an upgrade)
    assert by_code["CDCN"][col["Mức độ đạt"]] == "Mức độ 2"
    # XSKT sent nothing, but its 2024 recognition covers 2025
    assert by_code["XSKT"][col["Trạng thái"]] == "Đang bảo lưu"
    issues = {(r[0].rsplit("/", 1)[-1], r[5])
              for r in list_rows(demo_tt24 / "TongHop_DVHT_2025.xlsx", "Lỗi và cảnh báo")}
    assert ("CDCN_DVHT_2025.xlsx", "prior-differs-register") in issues
