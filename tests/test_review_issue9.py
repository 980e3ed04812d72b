"""What a hostile second look at issue 9 found: each case failed before its fix."""

from __future__ import annotations

import io
import os
from pathlib import Path

from processor.cli import main
from processor.intake.resolve import resolve
from processor.model.records import Unit
from processor.model.statuses import Choice, Outcome, Status
from tests.conftest import TT22_2025, as_nobody, give_to_nobody, list_rows
from tests.test_resolve import NAME, by_rel, check, found

REPO = Path(__file__).resolve().parent.parent


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), stdout=out, stderr=err), out.getvalue(), err.getvalue()


def process(inbox: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    return cli("process", str(inbox), "--out", str(out), *TT22_2025, "--workers", "1",
               "--deadline", "31/03/2026", *extra)


def rows(workbook: Path, sheet: str) -> list[tuple]:
    return list_rows(workbook, sheet)[1:]


# --- outputs: nothing the tool did not create is deleted ------------------------------------

def test_a_file_the_user_put_in_html_is_never_deleted(make_submission, tmp_path):
    inbox, out = tmp_path / "ho_so", tmp_path / "out"
    make_submission("SNV.xlsx", folder=inbox)
    assert process(inbox, out)[0] == 0
    (out / "html" / "ghi_chu_cua_phong.docx").write_bytes(b"notes")
    code, _, err = process(inbox, out)
    assert code == 2 and "ghi_chu_cua_phong.docx" in err and len(err.splitlines()) == 1
    assert (out / "html" / "ghi_chu_cua_phong.docx").read_bytes() == b"notes"


def test_what_the_user_put_in_the_state_folder_is_kept(make_submission, tmp_path):
    inbox, out = tmp_path / "ho_so", tmp_path / "out"
    make_submission("SNV.xlsx", folder=inbox)
    (out / ".dvht").mkdir(parents=True)
    (out / ".dvht" / "notes.txt").write_text("quan trọng", encoding="utf-8")
    assert process(inbox, out)[0] == 0
    assert (out / ".dvht" / "notes.txt").read_text(encoding="utf-8") == "quan trọng"


def test_demo_deletes_only_a_folder_with_its_mark(make_submission, tmp_path):
    mine = tmp_path / "du_lieu_mau" / "ho_so"
    make_submission("cua_toi.xlsx", folder=mine)
    code, _, err = cli("demo", "--out", str(tmp_path), "--workers", "1")
    assert code == 2 and "không do bản chạy thử tạo" in err
    assert (mine / "cua_toi.xlsx").is_file()


# --- which unit, which file -------------------------------------------------------------------

def test_names_differing_only_in_diacritics_stay_two_units_outside_the_roster(make_submission, rubric, layout):
    a = check(make_submission("1.xlsx", ma_don_vi="", ten_don_vi="Xã Tân An"), rubric)
    b = check(make_submission("2.xlsx", ma_don_vi="", ten_don_vi="Xã Tấn An", scores={"1a": 5}), rubric)
    resolution = resolve([a, b], [], layout)
    assert sorted(u.unit.name for u in resolution.units) == ["Xã Tân An", "Xã Tấn An"]
    assert resolution.outcome == {"1.xlsx": Outcome.USED, "2.xlsx": Outcome.USED}


def test_a_name_matching_nothing_is_always_warned_about_with_a_roster(make_submission, rubric, layout):
    roster = [Unit("GD", "Phòng GD&ĐT huyện Yên Thành"), Unit("L1", "Trường TH Lê Lợi")]
    far = check(make_submission("x.xlsx", ma_don_vi="", ten_don_vi="Trung tâm Văn hoá"), rubric)
    resolution = resolve([far], roster, layout)
    assert found(by_rel(resolution)["x.xlsx"]) == [("name-not-in-roster", NAME)]
    assert [u.status for u in resolution.units] == [Status.MISSING, Status.MISSING, Status.VALID]


def test_pgd_is_the_usual_abbreviation_of_the_district_office(make_submission, rubric, layout):
    roster = [Unit("GD", "Phòng GD&ĐT huyện Yên Thành")]
    result = check(make_submission("x.xlsx", ma_don_vi="", ten_don_vi="PGD&ĐT huyện Yên Thành"), rubric)
    resolution = resolve([result], roster, layout)
    assert resolution.units[0].submission is not None and resolution.units[0].unit.code == "GD"


def test_a_file_without_a_report_date_is_placed_by_its_file_time(make_submission, rubric, layout):
    """Both files error-free: a blank date proves nothing, so the file saved later (10/02)
    beats the one dated 20/01 and saved 10/01, and the note says why."""
    from datetime import datetime

    old = check(make_submission("cu.xlsx", ma_don_vi="SNV", ngay_bao_cao="20/01/2026", scores={"1a": 5}), rubric,
                mtime=datetime(2026, 1, 10, 9).timestamp())
    new = check(make_submission("moi.xlsx", ma_don_vi="SNV", ngay_bao_cao=""), rubric,
                mtime=datetime(2026, 2, 10, 9).timestamp())
    resolution = resolve([old, new], [Unit("SNV", "Sở Nội vụ")], layout)
    assert resolution.units[0].submission.rel == "moi.xlsx"
    assert resolution.choice["cu.xlsx"] == (Choice.UNDATED, ("moi.xlsx",))


# --- intake and console -----------------------------------------------------------------------

def test_a_file_without_read_permission_is_named_as_such(make_submission, shared_dir):
    inbox, out = shared_dir / "ho_so", shared_dir / "out"
    make_submission("a.xlsx", folder=inbox)
    make_submission("khoa.xlsx", folder=inbox, ma_don_vi="STC", ten_don_vi="Sở Tài chính")
    for path in (inbox, *inbox.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    os.chmod(inbox / "khoa.xlsx", 0)
    out.mkdir()
    give_to_nobody(out)
    proc = as_nobody("process", str(inbox), "--out", str(out), *TT22_2025, "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert any("khoa.xlsx" in line and "không có quyền đọc tệp" in line for line in proc.stdout.splitlines()
               if line.startswith("Cảnh báo:"))
    files = {r[0]: (r[4], r[5]) for r in rows(out / "TongHop_DVHT_2025.xlsx", "Tệp đã nhận")}
    assert files["khoa.xlsx"][0] == "Không đọc được" and "không có quyền đọc tệp" in files["khoa.xlsx"][1]
    assert "Permission denied" not in files["khoa.xlsx"][1]
    assert "Tệp tìm thấy: 2 (đọc được 1, bỏ qua 0, không đọc được 1)" in proc.stdout


def test_own_consolidated_workbook_in_the_input_is_skipped(make_submission, tmp_path):
    inbox = tmp_path / "ho_so"
    make_submission("SNV.xlsx", folder=inbox)
    assert process(inbox, tmp_path / "cu")[0] == 0
    (inbox / "ket_qua_cu").mkdir()
    (inbox / "ket_qua_cu" / "TongHop_DVHT_2025.xlsx").write_bytes((tmp_path / "cu" / "TongHop_DVHT_2025.xlsx")
                                                                     .read_bytes())
    assert process(inbox, tmp_path / "out")[0] == 0
    files = {r[0]: (r[4], r[5]) for r in rows(tmp_path / "out" / "TongHop_DVHT_2025.xlsx", "Tệp đã nhận")}
    assert files["ket_qua_cu/TongHop_DVHT_2025.xlsx"][0] == "Bỏ qua"
    assert "sổ tổng hợp" in files["ket_qua_cu/TongHop_DVHT_2025.xlsx"][1]


def test_far_too_many_workers_are_capped(make_submission, tmp_path):
    inbox = tmp_path / "ho_so"
    make_submission("SNV.xlsx", folder=inbox)
    code, _, err = cli("process", str(inbox), "--out", str(tmp_path / "out"), *TT22_2025,
                         "--workers", "100000")
    assert (code, err) == (0, "")


def test_os_errors_are_said_in_vietnamese(tmp_path, make_submission):
    inbox = tmp_path / "ho_so"
    make_submission("SNV.xlsx", folder=inbox)
    (tmp_path / "tep.csv").write_text("x", encoding="utf-8")
    code, _, err = process(inbox, tmp_path / "tep.csv")
    assert code == 2 and "không phải thư mục" in err and "Not a directory" not in err
    code, _, err = cli("template", "--out", "/dev/null", *TT22_2025)
    assert code == 2 and "File exists" not in err and "/dev/null" in err


def test_nfc_and_nfd_names_are_told_apart_on_screen(make_submission, tmp_path):
    import unicodedata

    inbox = tmp_path / "ho_so"
    first = make_submission("tam1.xlsx", folder=tmp_path / "nguon")
    second = make_submission("tam2.xlsx", folder=tmp_path / "nguon", ma_don_vi="STC", ten_don_vi="Sở Tài chính")
    inbox.mkdir()
    (inbox / unicodedata.normalize("NFC", "Báo cáo.xlsx")).write_bytes(first.read_bytes())
    (inbox / unicodedata.normalize("NFD", "Báo cáo.xlsx")).write_bytes(second.read_bytes())
    assert process(inbox, tmp_path / "out")[0] == 0
    shown = sorted(r[0] for r in rows(tmp_path / "out" / "TongHop_DVHT_2025.xlsx", "Tệp đã nhận"))
    assert sorted(unicodedata.normalize("NFC", s) for s in shown) == ["Báo cáo.xlsx", "Báo cáo.xlsx (dạng NFD)"]
