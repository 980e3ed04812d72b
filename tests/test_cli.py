from __future__ import annotations

import io
from pathlib import Path

from processor.cli import main
from tests.conftest import REPO


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_template_command_writes_blank_and_unit_templates(tmp_path: Path):
    roster = REPO / "processor" / "demo" / "danh_sach_don_vi.csv"
    code, out, err = run("template", "--year", "2025", "--roster", str(roster), "--out", str(tmp_path))
    assert (code, err) == (0, "")
    assert (tmp_path / "Mau_DVHT_2025.xlsx").is_file()
    assert len(list((tmp_path / "2025").glob("*.xlsx"))) == 40
    assert "Đã tạo 40 mẫu" in out


def test_missing_roster_is_a_usage_error(tmp_path: Path):
    code, _out, err = run("template", "--roster", str(tmp_path / "khong_co.csv"), "--out", str(tmp_path))
    assert code == 2
    assert err.strip() == f"Lỗi: không tìm thấy danh sách đơn vị {tmp_path / 'khong_co.csv'}"


def test_bad_roster_exits_2_with_one_line_naming_the_row(tmp_path: Path):
    roster = tmp_path / "ds.csv"
    roster.write_text("Mã đơn vị,Tên đơn vị\nA,Sở A\nA,Sở B\n", encoding="utf-8")
    code, _, err = run("template", "--roster", str(roster), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "dòng 3: mã đơn vị 'A' trùng với dòng 2" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.xlsx"))


def test_bad_option_is_explained_in_vietnamese():
    code, _, err = run("template", "--year", "abc")
    assert code == 2
    assert "'abc' không phải số nguyên" in err


def test_config_overrides_deadline_and_recipient(tmp_path: Path):
    import openpyxl

    config = tmp_path / "cauhinh.yaml"
    config.write_text('receiving_department: Sở GDĐT tỉnh Bắc Ninh\ndeadline: "15/03/2026"\n', encoding="utf-8")
    code, _, err = run("template", "--config", str(config), "--out", str(tmp_path), "--year", "2025",
                       "--rubric", "tt22-2020")
    assert code == 0, err
    ws = openpyxl.load_workbook(tmp_path / "Mau_DVHT_2025.xlsx")["Hướng dẫn"]
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    assert "Hạn gửi: 15/03/2026." in text
    assert "Nơi nhận: Sở GDĐT tỉnh Bắc Ninh." in text


def test_unknown_config_key_is_refused(tmp_path: Path):
    config = tmp_path / "cauhinh.yaml"
    config.write_text("han_nop: 1\n", encoding="utf-8")
    code, _, err = run("template", "--config", str(config), "--out", str(tmp_path))
    assert code == 2 and "han_nop" in err


def test_a_review_dir_among_the_replies_is_refused_in_one_line(tmp_path: Path):
    inbox = tmp_path / "ho_so"
    (inbox / "tham_dinh").mkdir(parents=True)
    code, out, err = run("process", str(inbox), "--year", "2025", "--out", str(tmp_path / "kq"),
                         "--review-dir", str(inbox / "tham_dinh"))
    assert (code, out) == (2, "")
    assert err == (f"Lỗi: thư mục sổ thẩm định {inbox / 'tham_dinh'} nằm trong thư mục hồ sơ {inbox}; hãy chọn "
                   "thư mục khác (mặc định: tham_dinh/ trong thư mục kết quả)\n")
    # the default place, <out>/tham_dinh, is refused too when the output folder is the input's parent
    (tmp_path / "kq" / "tham_dinh").mkdir(parents=True)
    code, _, err = run("process", str(tmp_path / "kq" / "tham_dinh"), "--year", "2025", "--out", str(tmp_path / "kq"))
    assert code == 2 and err.count("\n") == 1 and "sổ thẩm định" in err


def test_process_writes_the_council_workbook_where_review_dir_says(tmp_path: Path):
    inbox = tmp_path / "ho_so"
    inbox.mkdir()
    code, out, err = run("process", str(inbox), "--year", "2025", "--out", str(tmp_path / "kq"),
                         "--review-dir", str(tmp_path / "hoi_dong"), "--ngay-chay", "20/01/2026")
    assert (code, err) == (0, "")
    assert (tmp_path / "hoi_dong" / "ThamDinh_DVHT_2025.xlsx").is_file()
    assert not (tmp_path / "kq" / "tham_dinh").exists()
    assert f"Sổ thẩm định: đã tạo {tmp_path / 'hoi_dong' / 'ThamDinh_DVHT_2025.xlsx'}" in out
    assert (tmp_path / "kq" / "van_ban" / "DuThao_QuyetDinh_2025.docx").is_file()
