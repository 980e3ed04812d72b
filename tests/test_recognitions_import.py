"""Reading a department's file of past decisions (issue 14, item 2: the import half)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import yaml

from processor.intake.recognitions import read_recognitions
from processor.intake.roster import load_roster
from processor.model.errors import RecognitionFileError
from processor.model.records import Unit
from processor.model.register import Recognition
from processor.model.rubric import load_rubric, rubric_for_year
from tests.conftest import REPO

HEADER = "Mã đơn vị,Tên đơn vị,Năm,Mức độ,Xếp loại,Số quyết định,Ngày quyết định\n"
ROSTER = (
    Unit("SNV", "Sở Nội vụ"),
    Unit("UBX", "Ủy ban nhân dân xã Tân An"),
    Unit("UBY", "Ủy ban nhân dân xã Tấn An"),
    Unit("HKH", "Hội Khuyến học tỉnh"),
    Unit("HKH2", "Hội Khuyến học huyện"),
)
DEMO = REPO / "processor" / "demo"


def write_csv(tmp_path: Path, body: str, header: str = HEADER, name: str = "qd.csv",
              encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((header + body).encode(encoding))
    return path


def write_xlsx(tmp_path: Path, rows: list[list[object]], name: str = "qd.xlsx") -> Path:
    path = tmp_path / name
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def level1(code: str, name: str, year: int, decision: str, day: date) -> Recognition:
    return Recognition(unit_code=code, unit_name=name, year=year, rubric="tt24-2023", level=1, decision=decision,
                       decision_date=day, valid_through=year + 3, source="import")


def problems_of(path: Path, roster: tuple[Unit, ...] = ROSTER) -> list[str]:
    with pytest.raises(RecognitionFileError) as caught:
        read_recognitions(path, rubric_for_year, roster)
    assert str(caught.value).startswith(f"Tệp quyết định công nhận {path.name} có lỗi")
    return list(caught.value.problems)


# ---- reading --------------------------------------------------------------------------------

def test_csv_with_commas_bom_and_a_roster_takes_the_roster_code_and_name(tmp_path):
    body = ("snv,,2024,Mức độ 1,,12/QĐ-UBND,05/02/2025\n"
            ",UBND xã Tân An,2024,2,,13/QĐ-UBND,2025-03-01\n"
            ",  Hoi Khuyen hoc tinh ,2022,,Khá,7/QĐ-UBND,20/02/2023\n")
    path = write_csv(tmp_path, body, encoding="utf-8-sig")
    assert read_recognitions(path, rubric_for_year, ROSTER) == [
        level1("SNV", "Sở Nội vụ", 2024, "12/QĐ-UBND", date(2025, 2, 5)),
        Recognition("UBX", "Ủy ban nhân dân xã Tân An", 2024, "tt24-2023", level=2, decision="13/QĐ-UBND",
                    decision_date=date(2025, 3, 1), valid_through=2027, source="import"),
        Recognition("HKH", "Hội Khuyến học tỉnh", 2022, "tt22-2020", klass="Khá", decision="7/QĐ-UBND",
                    decision_date=date(2023, 2, 20), valid_through=None, source="import"),
    ]


def test_csv_with_semicolons_headers_without_diacritics_and_extra_columns_without_roster(tmp_path):
    header = "STT; ma don vi ;TEN DON VI;nam;muc do;so quyet dinh;ngay quyet dinh;Ghi chú\n"
    nfd = unicodedata.normalize("NFD", "Sở Nội vụ")
    body = f"1;X01 ; {nfd} ;2024;mức độ 1;12/QĐ-UBND;05/02/2025;đã kiểm tra\n2;;Trường B;2025;1;9/QĐ-UBND;02/01/2026;\n"
    path = write_csv(tmp_path, body, header=header)
    assert read_recognitions(path, rubric_for_year) == [
        level1("X01", "Sở Nội vụ", 2024, "12/QĐ-UBND", date(2025, 2, 5)),
        level1("", "Trường B", 2025, "9/QĐ-UBND", date(2026, 1, 2)),
    ]


def test_xlsx_with_date_cells_and_numbers_and_only_a_name_column(tmp_path):
    path = write_xlsx(tmp_path, [
        ["Tên đơn vị", "Năm", "Mức độ", "Số quyết định", "Ngày quyết định"],
        ["Sở Nội vụ", 2024, 1, "12/QĐ-UBND", datetime(2025, 2, 5)],
        ["Ủy ban nhân dân xã Tấn An", 2024.0, "Mức độ 2", "13/QĐ-UBND", "06/03/2025"],
        [None, None, None, None, None],
    ])
    assert read_recognitions(path, rubric_for_year, ROSTER) == [
        level1("SNV", "Sở Nội vụ", 2024, "12/QĐ-UBND", date(2025, 2, 5)),
        Recognition("UBY", "Ủy ban nhân dân xã Tấn An", 2024, "tt24-2023", level=2, decision="13/QĐ-UBND",
                    decision_date=date(2025, 3, 6), valid_through=2027, source="import"),
    ]


def test_a_tt22_class_and_a_tt24_level_in_one_file_under_one_column(tmp_path):
    header = "Mã đơn vị,Năm,Xếp loại,Số quyết định,Ngày quyết định\n"
    body = "SNV,2023,tốt,5/QĐ-UBND,01/03/2024\nSNV,2024,Mức độ 1,12/QĐ-UBND,05/02/2025\n"
    path = write_csv(tmp_path, body, header=header)
    assert read_recognitions(path, rubric_for_year, ROSTER) == [
        Recognition("SNV", "Sở Nội vụ", 2023, "tt22-2020", klass="Tốt", decision="5/QĐ-UBND",
                    decision_date=date(2024, 3, 1), valid_through=None, source="import"),
        level1("SNV", "Sở Nội vụ", 2024, "12/QĐ-UBND", date(2025, 2, 5)),
    ]


def test_validity_comes_from_the_rubric(tmp_path):
    rubric = load_rubric("tt24-2023")
    longer = type(rubric)(**{**rubric.__dict__, "validity_years": 5})
    path = write_csv(tmp_path, "SNV,,2024,1,,12/QĐ-UBND,05/02/2025\n")
    assert [r.valid_through for r in read_recognitions(path, lambda _year: longer, ROSTER)] == [2029]


def test_names_match_the_roster_strictest_key_first(tmp_path):
    body = (",ủy ban nhân dân xã tấn an,2024,1,,1/QĐ,05/02/2025\n"  # exact (case aside): not Tân An
            ",UBND xã Tân An,2024,1,,2/QĐ,05/02/2025\n"  # abbreviation written out
            ",So Noi Vu,2024,1,,3/QĐ,05/02/2025\n")  # without diacritics
    path = write_csv(tmp_path, body)
    assert [(r.unit_code, r.unit_name) for r in read_recognitions(path, rubric_for_year, ROSTER)] == [
        ("UBY", "Ủy ban nhân dân xã Tấn An"), ("UBX", "Ủy ban nhân dân xã Tân An"), ("SNV", "Sở Nội vụ")]


# ---- refusals -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "expected"), [
    (",,2024,1,,1/QĐ,05/02/2025\n", ["dòng 2: thiếu cả Mã đơn vị và Tên đơn vị (cần ít nhất một)"]),
    ("SNV,,2024.5,1,,1/QĐ,05/02/2025\n",
     ["dòng 2: Năm '2024.5' không phải là một năm (cần số nguyên, ví dụ 2024)"]),
    ("SNV,,,1,,1/QĐ,05/02/2025\n", ["dòng 2: thiếu Năm (năm đánh giá, ví dụ 2024)"]),
    ("SNV,,1999,1,,1/QĐ,05/02/2025\n", ["dòng 2: Năm 1999 nằm ngoài khoảng 2000–2100"]),
    ("SNV,,2101,1,,1/QĐ,05/02/2025\n", ["dòng 2: Năm 2101 nằm ngoài khoảng 2000–2100"]),
    ("SNV,,2024,,,1/QĐ,05/02/2025\n",
     ["dòng 2: thiếu Mức độ (năm 2024 theo Thông tư 24/2023 cần Mức độ 1 hoặc Mức độ 2)"]),
    ("SNV,,2022,,,1/QĐ,05/02/2023\n",
     ["dòng 2: thiếu Xếp loại (năm 2022 theo Thông tư 22/2020 cần Tốt, Khá hoặc Trung bình)"]),
    ("SNV,,2024,Mức độ 3,,1/QĐ,05/02/2025\n",
     ["dòng 2: mức độ 'Mức độ 3' không có; năm 2024 theo Thông tư 24/2023 cần Mức độ 1 hoặc Mức độ 2"]),
    ("SNV,,2024,,Tốt,1/QĐ,05/02/2025\n",
     ["dòng 2: năm 2024 theo Thông tư 24/2023 cần Mức độ (Mức độ 1 hoặc Mức độ 2), không phải xếp loại 'Tốt'"]),
    ("SNV,,2023,Mức độ 1,,1/QĐ,05/02/2024\n",
     ["dòng 2: năm 2023 theo Thông tư 22/2020 cần Xếp loại (Tốt, Khá hoặc Trung bình), "
      "không phải mức độ 'Mức độ 1'"]),
    ("SNV,,2023,,Xuất sắc,1/QĐ,05/02/2024\n",
     ["dòng 2: xếp loại 'Xuất sắc' không có; năm 2023 theo Thông tư 22/2020 cần Tốt, Khá hoặc Trung bình"]),
    ("SNV,,2023,,Không đạt,1/QĐ,05/02/2024\n",
     ["dòng 2: xếp loại 'Không đạt' không phải là công nhận \"Đơn vị học tập\"; chỉ nhập các quyết định "
      "công nhận (Tốt, Khá hoặc Trung bình)"]),
    ("SNV,,2024,1,Tốt,1/QĐ,05/02/2025\n",
     ["dòng 2: ghi cả Mức độ ('1') và Xếp loại ('Tốt'); mỗi dòng chỉ ghi một"]),
    ("SNV,,2024,1,,1/QĐ,\n", ["dòng 2: thiếu Ngày quyết định (dd/mm/yyyy)"]),
    ("SNV,,2024,1,,1/QĐ,đầu năm 2025\n",
     ["dòng 2: Ngày quyết định 'đầu năm 2025' không phải là ngày (cần dd/mm/yyyy, ví dụ 05/02/2025)"]),
    ("SNV,,2024,1,,1/QĐ,31/02/2025\n",
     ["dòng 2: Ngày quyết định '31/02/2025' không phải là ngày (cần dd/mm/yyyy, ví dụ 05/02/2025)"]),
    ("SNV,,2024,1,,1/QĐ,31/12/2024\n",
     ["dòng 2: Ngày quyết định 31/12/2024 không sau năm đánh giá 2024; quyết định công nhận cho năm 2024 "
      "được ban hành từ 01/01/2025"]),
    ("SNV,,2024,1,,,05/02/2025\n", ["dòng 2: thiếu Số quyết định (ví dụ 123/QĐ-UBND)"]),
    ("SNV,,2024,1,,1/QĐ,05/02/2025\nSNV,,2023,Tốt,,1/QĐ,05/02/2024\n,Sở Nội vụ,2024,2,,2/QĐ,06/02/2025\n",
     ["dòng 4: đơn vị Sở Nội vụ (SNV) năm 2024 có hai dòng: dòng 2 và dòng 4"]),
    ("XYZ,Sở Nội vụ,2024,1,,1/QĐ,05/02/2025\n",
     ["dòng 2: mã đơn vị 'XYZ' không có trong danh sách đơn vị"]),
    (",Hội Khuyến học,2024,1,,1/QĐ,05/02/2025\n",
     ["dòng 2: tên đơn vị 'Hội Khuyến học' không có trong danh sách đơn vị; tên gần giống: "
      "HKH Hội Khuyến học tỉnh; HKH2 Hội Khuyến học huyện; hãy ghi Mã đơn vị hoặc sửa tên"]),
    (",Công ty Điện lực,2024,1,,1/QĐ,05/02/2025\n",
     ["dòng 2: tên đơn vị 'Công ty Điện lực' không có trong danh sách đơn vị; (không có tên nào gần giống); "
      "hãy ghi Mã đơn vị hoặc sửa tên"]),
])
def test_each_row_refusal_names_the_row(tmp_path, body, expected):
    assert problems_of(write_csv(tmp_path, body)) == expected


def test_a_name_two_roster_units_share_is_ambiguous(tmp_path):
    roster = (*ROSTER, Unit("SNV2", "Sở nội vụ"))
    path = write_csv(tmp_path, ",Sở Nội Vụ,2024,1,,1/QĐ,05/02/2025\n")
    assert problems_of(path, roster) == [
        "dòng 2: tên đơn vị 'Sở Nội Vụ' khớp với 2 đơn vị trong danh sách (SNV Sở Nội vụ; SNV2 Sở nội vụ); "
        "hãy ghi Mã đơn vị"]


def test_without_a_roster_the_same_unit_twice_is_found_by_code_else_by_exact_name(tmp_path):
    body = ("x1,,2024,1,,1/QĐ,05/02/2025\nX1,,2024,1,,2/QĐ,05/02/2025\n"
            ",Trường  A,2024,1,,3/QĐ,05/02/2025\n,trường a,2024,1,,4/QĐ,05/02/2025\n")
    assert problems_of(write_csv(tmp_path, body), ()) == [
        "dòng 3: đơn vị X1 năm 2024 có hai dòng: dòng 2 và dòng 3",
        "dòng 5: đơn vị trường a năm 2024 có hai dòng: dòng 4 và dòng 5",
    ]


def test_every_problem_of_the_file_is_listed_at_once_and_nothing_is_read(tmp_path):
    body = ("SNV,,2024,1,,12/QĐ-UBND,05/02/2025\n"  # a good row: still refused with the file
            ",,abc,,,,\n"
            "\n"  # a blank line is skipped, not refused
            "HKH,,2023,Mức độ 1,,,1/1/2023\n")
    path = write_csv(tmp_path, body)
    with pytest.raises(RecognitionFileError) as caught:
        read_recognitions(path, rubric_for_year, ROSTER)
    assert list(caught.value.problems) == [
        "dòng 3: thiếu cả Mã đơn vị và Tên đơn vị (cần ít nhất một)",
        "dòng 3: Năm 'abc' không phải là một năm (cần số nguyên, ví dụ 2024)",
        "dòng 3: thiếu Mức độ hoặc Xếp loại",
        "dòng 3: thiếu Số quyết định (ví dụ 123/QĐ-UBND)",
        "dòng 3: thiếu Ngày quyết định (dd/mm/yyyy)",
        "dòng 5: năm 2023 theo Thông tư 22/2020 cần Xếp loại (Tốt, Khá hoặc Trung bình), "
        "không phải mức độ 'Mức độ 1'",
        "dòng 5: thiếu Số quyết định (ví dụ 123/QĐ-UBND)",
        "dòng 5: Ngày quyết định 01/01/2023 không sau năm đánh giá 2023; quyết định công nhận cho năm 2023 "
        "được ban hành từ 01/01/2024",
    ]
    assert str(caught.value) == (
        "Tệp quyết định công nhận qd.csv có lỗi, chưa nhập dòng nào; hãy sửa rồi nhập lại:\n"
        + "\n".join(f"  - {p}" for p in caught.value.problems))


def test_missing_columns_are_named(tmp_path):
    path = write_csv(tmp_path, "2024,1,05/02/2025\n", header="Năm,Mức độ,Ngày QĐ\n")
    with pytest.raises(RecognitionFileError) as caught:
        read_recognitions(path, rubric_for_year, ROSTER)
    assert str(caught.value) == (
        "Tệp quyết định công nhận qd.csv: dòng 1 (tiêu đề) thiếu cột Mã đơn vị hoặc Tên đơn vị, Số quyết định, "
        "Ngày quyết định. Dòng tiêu đề phải có các cột Mã đơn vị hoặc Tên đơn vị, Năm, Mức độ hoặc Xếp loại, "
        "Số quyết định, Ngày quyết định; đang có: 'Năm', 'Mức độ', 'Ngày QĐ'.")
    assert caught.value.problems == ()


@pytest.mark.parametrize(("body", "expected"), [
    ("", "Tệp quyết định công nhận qd.csv trống."),
    ("\n\n", "Tệp quyết định công nhận qd.csv không có dòng quyết định nào."),
])
def test_an_empty_file_is_refused(tmp_path, body, expected):
    path = write_csv(tmp_path, body, header="" if not body else HEADER)
    with pytest.raises(RecognitionFileError) as caught:
        read_recognitions(path, rubric_for_year, ROSTER)
    assert str(caught.value) == expected


def test_a_damaged_workbook_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "quyet dinh.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(RecognitionFileError) as caught:
        read_recognitions(path, rubric_for_year, ROSTER)
    assert str(caught.value).startswith("Không đọc được tệp quyết định công nhận quyet dinh.xlsx (tệp hỏng "
                                        "hoặc không phải bảng tính; hãy mở bằng Excel rồi lưu lại): ")


def test_a_file_of_another_type_or_missing_is_refused_naming_it(tmp_path):
    pdf = tmp_path / "qd.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(RecognitionFileError) as caught:
        read_recognitions(pdf, rubric_for_year, ROSTER)
    assert str(caught.value) == "Tệp quyết định công nhận qd.pdf: chỉ nhận tệp .csv, .xlsx, .xlsm, .xls hoặc .ods."
    with pytest.raises(RecognitionFileError) as caught:
        read_recognitions(tmp_path / "khong_co.csv", rubric_for_year, ROSTER)
    assert str(caught.value) == f"Không tìm thấy tệp quyết định công nhận {tmp_path / 'khong_co.csv'}."


# ---- the demo's register ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo():
    from processor.demo.levels import level_kind_reader

    scenario = yaml.safe_load((DEMO / "scenario_tt24.yaml").read_text(encoding="utf-8"))
    rubric = load_rubric(scenario["rubric"])
    roster = load_roster(DEMO / scenario["roster"], level_kind_reader(rubric, scenario["tier"]))
    return scenario, roster, read_recognitions(DEMO / scenario["register"], rubric_for_year, roster)


def test_demo_register_reads_and_has_history_levels_and_a_covered_unit_that_does_not_submit(demo):
    scenario, roster, found = demo
    assert scenario["register"] == "quyet_dinh_truoc.csv"
    assert {r.rubric for r in found} == {"tt22-2020", "tt24-2023"}
    assert {r.year for r in found if r.rubric == "tt22-2020"} == {2021, 2022, 2023}
    levels = {r.unit_code: r for r in found if r.level is not None}
    assert {r.year for r in levels.values()} == {2024}
    assert all(date(2025, 1, 1) <= r.decision_date <= date(2025, 3, 31) for r in levels.values())
    silent = {u.code for u in roster} - set(scenario["units"])
    assert silent == {"XSKT", "HLHPN"}
    assert levels["XSKT"].valid_through == 2027  # covered in 2025: Đang bảo lưu
    assert "HLHPN" not in levels and any(r.unit_code == "HLHPN" for r in found)  # history only: still Chưa nộp


def test_demo_register_agrees_with_the_dossiers_but_for_one_unit(demo):
    """A dossier's typed level-1 decision dated after 2024 is the register's; CDCN typed one from
    before the circular and the register knows its real one (the upgrade the register allows)."""
    scenario, _roster, found = demo
    levels = {r.unit_code: r for r in found if r.level is not None}
    typed = {code: plan["cong_nhan_truoc"] for code, plan in scenario["units"].items() if plan.get("cong_nhan_truoc")}
    disagreeing = {code for code, day in typed.items() if code in levels
                   and levels[code].decision_date.strftime("%d/%m/%Y") != day}
    assert disagreeing == {"CDCN"}
    assert levels["SNV"].decision_date == date(2025, 2, 5)  # 11 months before its report of 08/01/2026
    assert levels["CDCN"].decision_date <= date(2025, 1, 5)  # 12 months before its report of 05/01/2026
    # a typed decision the register cannot hold as a year-2024 level (dated in 2024) has no level there
    assert {code for code, day in typed.items() if day.endswith("2024") or day.endswith("2023")} \
        .isdisjoint(set(levels) - {"CDCN"})
