from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from processor.intake.roster import load_roster
from processor.model.errors import RosterError
from processor.model.layout import SHEET_META
from processor.model.records import Unit
from processor.template.distribute import generate_templates, unit_template_name
from processor.template.writer import TemplateRequest
from tests.conftest import FIXED_TIME, REPO

HEADER = "Mã đơn vị,Tên đơn vị,Nhóm,Email,Người liên hệ\n"


def write_csv(tmp_path: Path, body: str, header: str = HEADER, name: str = "ds.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8-sig")
    return path


def write_xlsx(tmp_path: Path, rows: list[list[object]]) -> Path:
    path = tmp_path / "ds.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Danh sách")
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    wb.close()
    return path


def test_demo_roster_loads():
    units = load_roster(REPO / "processor" / "demo" / "danh_sach_don_vi.csv")
    assert len(units) == 40
    assert units[0] == Unit("SNV", "Sở Nội vụ", "Sở, ban, ngành", "snv@bacninh.gov.vn", "Nguyễn Thị Hương")
    assert len({u.group for u in units}) == 3


def test_csv_with_semicolons_and_headers_spelled_differently(tmp_path):
    path = write_csv(tmp_path, "01;Sở Y tế\n", header="ma don vi ; TÊN ĐƠN VỊ\n")
    assert load_roster(path) == [Unit("01", "Sở Y tế")]


def test_xlsx_roster_keeps_numeric_codes_as_text(tmp_path):
    path = write_xlsx(tmp_path, [["Tên đơn vị", "Mã đơn vị", "Nhóm"], ["UBND xã A", 101, "Xã"], [None, None, None]])
    assert load_roster(path) == [Unit("101", "UBND xã A", "Xã")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("A1,Sở A,,,\nA2,Sở B,,,\na1,Sở C,,,\n", "dòng 4: mã đơn vị 'a1' trùng với dòng 2"),
        ("A1,Sở A,,,\n,Sở B,,,\n", "dòng 3: thiếu Mã đơn vị"),
        ("A1,Sở A,,,\nA2,  ,,,\n", "dòng 3: thiếu Tên đơn vị"),
    ],
    ids=["duplicate-code", "blank-code", "blank-name"],
)
def test_bad_rows_are_refused_naming_the_row(tmp_path, body, expected):
    with pytest.raises(RosterError) as err:
        load_roster(write_csv(tmp_path, body))
    assert expected in str(err.value)


def test_unknown_column_layout_is_refused(tmp_path):
    path = write_csv(tmp_path, "A1,Sở A\n", header="Code,Name\n")
    with pytest.raises(RosterError) as err:
        load_roster(path)
    message = str(err.value)
    assert "dòng 1 (tiêu đề) thiếu cột Mã đơn vị, Tên đơn vị" in message
    assert "'Code', 'Name'" in message


def test_unsupported_roster_format(tmp_path):
    path = tmp_path / "ds.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(RosterError, match="chỉ nhận tệp"):
        load_roster(path)


def test_unit_file_names_are_ascii_and_stay_in_their_folder():
    assert unit_template_name(Unit("SNV", "Sở Nội vụ")) == "SNV_So_Noi_vu.xlsx"
    assert unit_template_name(Unit("../x", "Đội/Ban: \"A\"")) == "x_Doi_Ban_A.xlsx"
    assert unit_template_name(Unit("CON", "x" * 300)) == "_CON_" + "x" * 80 + ".xlsx"


def test_per_unit_templates_and_mail_merge_list(tmp_path, layout, settings):
    units = [Unit("SNV", "Sở Nội vụ", email="snv@x.vn"), Unit("X001", "UBND phường Kinh Bắc")]
    request = TemplateRequest(layout=layout, settings=settings, year=2025, generated_at=FIXED_TIME)
    result = generate_templates(tmp_path, request, units)
    assert result.blank == tmp_path / "Mau_DVHT_2025.xlsx"
    assert [p.name for _, p in result.unit_files] == ["SNV_So_Noi_vu.xlsx", "X001_UBND_phuong_Kinh_Bac.xlsx"]
    raw = result.mail_merge.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["Mã đơn vị", "Tên đơn vị", "Email", "Người liên hệ", "Tệp mẫu"]
    assert rows[1][:3] == ["SNV", "Sở Nội vụ", "snv@x.vn"]
    assert Path(rows[2][4]) == (tmp_path / "2025" / "X001_UBND_phuong_Kinh_Bac.xlsx").resolve()
    wb = openpyxl.load_workbook(result.unit_files[1][1])
    assert wb[SHEET_META]["B6"].value == "X001"


@pytest.mark.parametrize(("first", "second"), [("Đ01", "D01"), ("A/1", "A 1")], ids=["diacritic", "separator"])
def test_codes_that_look_alike_on_disk_still_get_a_file_each(tmp_path, layout, settings, first, second):
    """Two units whose codes make the same file name must not share (and overwrite) one file."""
    units = [Unit(first, "Trường THCS Nguyễn Du"), Unit(second, "Trường THCS Nguyễn Du"),
             Unit("SYT", "Sở Y tế"), Unit("SYT.", "Sở Y tế")]
    request = TemplateRequest(layout=layout, settings=settings, year=2025, generated_at=FIXED_TIME)
    result = generate_templates(tmp_path, request, units)
    paths = [p for _, p in result.unit_files]
    assert len(paths) == 4
    assert len({p.name.casefold() for p in paths}) == 4  # distinct on a case-insensitive disk too
    assert sorted(p.name for p in (tmp_path / "2025").glob("*.xlsx")) == sorted(p.name for p in paths)
    for unit, path in result.unit_files:  # each file carries its own unit's code
        assert openpyxl.load_workbook(path)[SHEET_META]["B6"].value == unit.code
    rows = list(csv.reader(result.mail_merge.read_text(encoding="utf-8-sig").splitlines()))[1:]
    assert [(r[0], Path(r[4]).name) for r in rows] == [(u.code, p.name) for u, p in result.unit_files]


def test_mail_merge_cells_never_start_a_formula(tmp_path, layout, settings):
    units = [Unit("=1+1", "+Sở A", email="-x@y.vn", contact="@Nguyễn"), Unit("B2", "Sở B", contact="\t=cmd")]
    request = TemplateRequest(layout=layout, settings=settings, year=2025, generated_at=FIXED_TIME)
    result = generate_templates(tmp_path, request, units)
    rows = list(csv.reader(result.mail_merge.read_text(encoding="utf-8-sig").splitlines()))[1:]
    assert [r[:4] for r in rows] == [["'=1+1", "'+Sở A", "'-x@y.vn", "'@Nguyễn"], ["B2", "Sở B", "", "'\t=cmd"]]
