"""The whole batch on folders of real workbooks: nothing lost, inputs untouched, repeatable."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from processor.cli import main
from processor.model.batch import BatchOptions
from processor.model.records import Unit
from processor.pipeline import run_batch
from processor.report.publish import publish
from tests.conftest import TT22_2025, list_rows

ROSTER = (Unit("SNV", "Sở Nội vụ", "Sở"), Unit("STC", "Sở Tài chính", "Sở"), Unit("X01", "UBND xã An", "Xã"),
          Unit("X02", "UBND xã Bình", "Xã"))


def snapshot(folder: Path) -> dict[str, tuple[str, float]]:
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def mixed_folder(make_submission, tmp_path) -> Path:
    inbox = tmp_path / "ho_so"
    make_submission("SNV.xlsx", folder=inbox)
    make_submission("STC_lan1.xlsx", folder=inbox / "lan 1", ma_don_vi="STC", ten_don_vi="Sở Tài chính",
                    ngay_bao_cao="10/01/2026", scores={"2d": None})
    make_submission("STC_lan2.xlsx", folder=inbox, ma_don_vi="STC", ten_don_vi="Sở Tài chính",
                    ngay_bao_cao="20/01/2026", scores={"1a": 5})
    make_submission("X01.xlsx", folder=inbox, ma_don_vi="X01", ten_don_vi="UBND xã An", scores={"3c": 10})
    make_submission("ngoai.xlsx", folder=inbox, ma_don_vi="ZZ", ten_don_vi="Trung tâm ngoài danh sách",
                    scores={"1a": 0, "1b": 0, "1c": 0, "2a": 0, "2b": 0})
    foreign = xlsxwriter.Workbook(str(inbox / "bang_tinh_khac.xlsx"))
    foreign.add_worksheet().write(0, 0, "x")
    foreign.close()
    (inbox / "hong.xlsx").write_bytes(b"not a workbook")
    (inbox / "~$SNV.xlsx").write_bytes(b"lock")
    (inbox / "Thumbs.db").write_bytes(b"x")
    (inbox / "ghi chú.txt").write_text("xin chào", encoding="utf-8")
    (inbox / ".an.xlsx").write_bytes(b"x")
    return inbox


def run(folder: Path, out: Path, workers: int = 1):
    options = BatchOptions(input_dir=folder, out_dir=out, year=2025, rubric=_rubric(), roster=ROSTER,
                           deadline=date(2026, 3, 31), workers=workers)
    result = run_batch(options)
    return result, publish(result)


def _rubric():
    from processor.model.rubric import load_rubric
    return load_rubric()


def sheet_rows(path: Path, sheet: str) -> list[tuple]:
    return [tuple(r) for r in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]


def test_nothing_is_lost_and_inputs_are_untouched(mixed_folder, tmp_path):
    before = snapshot(mixed_folder)
    _, published = run(mixed_folder, tmp_path / "out")
    assert snapshot(mixed_folder) == before

    rows = list_rows(published.workbook, "Tệp đã nhận")
    header, body = rows[0], rows[1:]
    assert header[:5] == ("Tệp", "Dung lượng (byte)", "SHA-256", "Đơn vị", "Kết quả xử lý")
    listed = [r[0] for r in body]
    assert sorted(listed) == sorted(before) and len(listed) == len(set(listed)) == len(before)
    outcome = {r[0]: r[4] for r in body}
    assert outcome == {
        "SNV.xlsx": "Đã dùng",
        "lan 1/STC_lan1.xlsx": "Bị thay thế",
        "STC_lan2.xlsx": "Đã dùng",
        "X01.xlsx": "Cần sửa",
        "ngoai.xlsx": "Đã dùng",
        "bang_tinh_khac.xlsx": "Không đọc được",
        "hong.xlsx": "Không đọc được",
        "~$SNV.xlsx": "Bỏ qua",
        "Thumbs.db": "Bỏ qua",
        "ghi chú.txt": "Bỏ qua",
        ".an.xlsx": "Bỏ qua",
    }
    sha = {r[0]: r[2] for r in body}
    assert sha["SNV.xlsx"] == before["SNV.xlsx"][0]


def test_summary_sheet_has_every_unit_with_status_scores_and_class(mixed_folder, tmp_path):
    _, published = run(mixed_folder, tmp_path / "out")
    rows = list_rows(published.workbook, "Tổng hợp")
    header = rows[0]
    for col in ("Mã đơn vị", "Tên đơn vị", "Nhóm", "Trạng thái", "Tiêu chí 1", "Tiêu chí 2", "Tiêu chí 3",
                "Tổng điểm", "Xếp loại", "Số lỗi", "Số cảnh báo", "Tệp"):
        assert col in header
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_code) == {"SNV", "STC", "X01", "X02", "ZZ"}
    assert (by_code["SNV"]["Trạng thái"], by_code["SNV"]["Tổng điểm"], by_code["SNV"]["Xếp loại"]) == \
        ("Hợp lệ", 100, "Tốt")
    assert (by_code["STC"]["Tổng điểm"], by_code["STC"]["Xếp loại"], by_code["STC"]["Tệp"]) == \
        (95, "Tốt", "STC_lan2.xlsx")
    assert (by_code["X01"]["Trạng thái"], by_code["X01"]["Xếp loại"], by_code["X01"]["Số lỗi"]) == \
        ("Cần sửa", None, 1)
    assert by_code["X02"]["Trạng thái"] == "Chưa nộp"
    assert (by_code["ZZ"]["Tổng điểm"], by_code["ZZ"]["Xếp loại"], by_code["ZZ"]["Số cảnh báo"]) == \
        (55, "Trung bình", 1)
    assert by_code["SNV"]["Tiêu chí 3"] == 40 and isinstance(by_code["SNV"]["Tiêu chí 3"], (int, float))

    missing = list_rows(published.workbook, "Chưa nộp")
    assert {r[0] for r in missing[1:]} == {"X01", "X02"}
    issues = list_rows(published.workbook, "Lỗi và cảnh báo")
    severities = [r[4] for r in issues[1:]]
    assert severities == sorted(severities, key=lambda s: s != "Lỗi")
    assert ("X01.xlsx", "Chấm điểm", "D25", "Lỗi", "score-above-max") in {r[:1] + r[2:6] for r in issues[1:]}


def test_all_sheets_are_there_sortable_and_frozen(mixed_folder, tmp_path):
    _, published = run(mixed_folder, tmp_path / "out")
    wb = openpyxl.load_workbook(published.workbook)
    assert wb.sheetnames == ["Tổng hợp", "Thay đổi", "Chi tiết", "Minh chứng", "Thống kê",
                             "Danh sách đề nghị công nhận", "Lịch sử công nhận", "Lỗi và cảnh báo", "Tệp đã nhận",
                             "Chưa nộp", "Kiến nghị", "Thông tin"]
    for name in ["Tổng hợp", "Chi tiết", "Lỗi và cảnh báo", "Tệp đã nhận", "Chưa nộp", "Kiến nghị"]:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref, name
        assert not ws.protection.sheet, name
    assert len(wb["Thống kê"]._charts) == 2
    detail = list_rows(published.workbook, "Chi tiết")
    assert detail[0][4:6] == ("Tiêu chí 1a", "Tiêu chí 1b")


def test_single_worker_and_parallel_runs_give_identical_outputs(mixed_folder, tmp_path):
    _, first = run(mixed_folder, tmp_path / "a", workers=1)
    _, second = run(mixed_folder, tmp_path / "b", workers=2)
    for sheet in openpyxl.load_workbook(first.workbook).sheetnames:
        a, b = sheet_rows(first.workbook, sheet), sheet_rows(second.workbook, sheet)
        if sheet == "Thông tin":
            a, b = [r for r in a if r[0] != "Thời điểm chạy"], [r for r in b if r[0] != "Thời điểm chạy"]
        assert a == b, sheet
    pages_a = {p.name: p.read_bytes() for p in first.index.parent.iterdir()}
    pages_b = {p.name: p.read_bytes() for p in second.index.parent.iterdir()}
    assert pages_a == pages_b


def test_submitted_text_stays_text(make_submission, tmp_path):
    inbox = tmp_path / "hs"
    payload = '=HYPERLINK("http://example.invalid","bấm")'
    make_submission("a.xlsx", folder=inbox, evidence={"1a": payload}, ten_don_vi="+cmd|' /C calc'!A0", ma_don_vi="-2+3",
                    narrative={"kien_nghi": "@SUM(1+1)", "ton_tai_han_che": "http://example.invalid"})
    _, published = run(inbox, tmp_path / "out")
    wb = openpyxl.load_workbook(published.workbook)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+@":
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
        assert not ws._hyperlinks, ws.title
    names = [r[1] for r in list_rows(published.workbook, "Tổng hợp")]
    assert "+cmd|' /C calc'!A0" in names


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), stdout=out, stderr=err), out.getvalue(), err.getvalue()


def test_cli_process_summary_log_and_strict(mixed_folder, tmp_path):
    roster = tmp_path / "ds.csv"
    roster.write_text("Mã đơn vị,Tên đơn vị,Nhóm\n" + "\n".join(f"{u.code},{u.name},{u.group}" for u in ROSTER),
                      encoding="utf-8")
    args = ["process", str(mixed_folder), *TT22_2025, "--roster", str(roster), "--out", str(tmp_path / "o"),
            "--deadline", "31/03/2026", "--workers", "1"]
    code, out, err = cli(*args)
    assert (code, err) == (0, "")
    assert "Tệp tìm thấy: 11" in out and "chưa nộp 1" in out
    assert (tmp_path / "o" / "TongHop_DVHT_2025.xlsx").is_file()
    log = (tmp_path / "o" / "TongHop_DVHT_2025.log").read_text(encoding="utf-8")
    assert "score-above-max X01.xlsx Chấm điểm!D25" in log
    assert cli(*args, "--strict")[0] == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["process", "/khong/co/thu/muc"], "không tìm thấy thư mục hồ sơ /khong/co/thu/muc"),
        (["process", ".", "--deadline", "31/02/2026"], "hạn nộp '31/02/2026' không phải ngày hợp lệ"),
        (["process", ".", "--workers", "-1"], "--workers phải là số không âm"),
    ],
)
def test_cli_usage_errors(argv, message):
    code, _, err = cli(*argv)
    assert code == 2
    assert err.strip().startswith("Lỗi: ") and message in err and "Traceback" not in err


def test_workbook_open_in_excel_is_reported(mixed_folder, tmp_path, monkeypatch):
    """On Windows a PermissionError on rename is a file open elsewhere (POSIX: see test_output_safety)."""
    from processor.report import publish as publish_module

    def refuse(*_args):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(os, "replace", refuse)
    monkeypatch.setattr(publish_module, "_OPEN_FILES_BLOCK_RENAME", True)
    code, _, err = cli("process", str(mixed_folder), "--out", str(tmp_path / "o"), "--workers", "1", "--year", "2025",
                       "--rubric", "tt22-2020")
    assert code == 2
    assert "đang mở trong Excel" in err
    assert sorted(os.listdir(tmp_path / "o" / ".dvht")) == ["lock"] and not list(tmp_path.glob(".dvht*"))
