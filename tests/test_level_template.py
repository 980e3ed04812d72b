"""The TT24 template's structure, read back with openpyxl as another tool would see it."""

from __future__ import annotations

import unicodedata
import zipfile
from datetime import date

import openpyxl
import pytest

from processor.model.errors import ConfigError
from processor.model.layout import NARRATIVE_FIELDS, SHEET_GUIDE, SHEET_IDENTITY, SHEET_META, column_letter
from processor.model.level_layout import (
    COL_APPLIES_1,
    COL_CODE,
    COL_COUNT,
    COL_EVIDENCE,
    COL_MET_2,
    COL_SELF,
    COL_TEXT,
    HEADER_ROW,
    LEVEL_IDENTITY_FIELDS,
    LEVEL_SHEETS,
    SHEET_KINDS,
    SHEET_SELF,
    build_level_layout,
)
from processor.model.levels import Condition
from processor.model.records import Unit
from processor.model.rubric import load_rubric
from processor.template import level_formulas
from processor.template.levels_writer import LevelTemplateRequest, write_level_template
from tests.conftest import FIXED_TIME


@pytest.fixture(scope="module")
def rubric24():
    return load_rubric("tt24-2023")


@pytest.fixture
def make_level(tmp_path, rubric24, settings):
    def make(name="mau24.xlsx", tier="tinh", **options):
        layout = build_level_layout(rubric24, tier)
        request = LevelTemplateRequest(layout=layout, settings=settings, year=2025, generated_at=FIXED_TIME,
                                       **options)
        return write_level_template(tmp_path / name, request), layout

    return make


@pytest.fixture
def blank(make_level):
    path, layout = make_level()
    return openpyxl.load_workbook(path), layout


def name_target(wb, name):
    sheet, coord = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][coord.replace("$", "")]


def unlocked_cells(ws):
    return {c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked}


def validations(ws):
    by_cell = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            by_cell[rng.coord] = dv
    return by_cell


def test_sheets_in_order_with_metadata_very_hidden_and_kinds_hidden(blank):
    wb, _ = blank
    assert wb.sheetnames == list(LEVEL_SHEETS)
    states = {ws.title: ws.sheet_state for ws in wb.worksheets}
    assert states.pop(SHEET_META) == "veryHidden"
    assert states.pop(SHEET_KINDS) == "hidden"
    assert set(states.values()) == {"visible"}


def test_every_sheet_and_the_structure_are_protected(blank):
    wb, _ = blank
    assert all(ws.protection.sheet and ws.protection.password for ws in wb.worksheets)
    assert wb.security.lockStructure and wb.security.workbookPassword


def test_every_defined_name_exists_and_points_at_an_unlocked_cell(blank, rubric24):
    wb, layout = blank
    indicators = [i.id for i in rubric24.tier("tinh").indicators]
    percent = [i.id for i in rubric24.tier("tinh").indicators if i.type == "percent"]
    expected = {*(f"danh_gia_{i}" for i in indicators), *(f"minh_chung_{i}" for i in indicators),
                *(f"so_dat_{i}" for i in percent), *LEVEL_IDENTITY_FIELDS, *NARRATIVE_FIELDS}
    assert set(wb.defined_names) == expected
    assert len(LEVEL_IDENTITY_FIELDS) == 17
    for name, cell in layout.defined_names().items():
        target = name_target(wb, name)
        assert (target.parent.title, target.coordinate) == (cell.sheet, cell.a1), name
        assert not target.protection.locked, name
        assert target.fill.fgColor.rgb.endswith("FFF2CC"), name


def test_only_input_cells_are_unlocked_on_the_self_evaluation_sheet(blank):
    wb, layout = blank
    inputs = {c.a1 for c in layout.defined_names().values() if c.sheet == SHEET_SELF}
    assert unlocked_cells(wb[SHEET_SELF]) == inputs
    assert unlocked_cells(wb[SHEET_KINDS]) == set()


def test_indicator_rows_show_code_and_wording_and_criteria_are_bold(blank):
    wb, layout = blank
    ws = wb[SHEET_SELF]
    for crow in layout.criterion_rows:
        assert ws.cell(crow.row + 1, COL_TEXT + 1).value == crow.criterion.label
        assert ws.cell(crow.row + 1, COL_TEXT + 1).font.b
        for irow in crow.indicator_rows:
            assert ws.cell(irow.row + 1, COL_CODE + 1).value == irow.indicator.code
            assert ws.cell(irow.row + 1, COL_TEXT + 1).value == irow.indicator.label
    assert ws[layout.row_of("tc2_ct4").cell(COL_CODE).a1].value == "TC2.CT4"
    working = ws.column_dimensions[column_letter(COL_APPLIES_1)]  # one <col> element spans them all
    assert (working.hidden, working.min, working.max) == (True, COL_APPLIES_1 + 1, COL_MET_2 + 1)


def test_the_dropdowns_offer_the_tier_kinds_the_levels_and_the_judgements(blank, rubric24):
    wb, layout = blank
    ident = validations(wb[SHEET_IDENTITY])
    kind_dv = ident[layout.identity["loai_don_vi"].a1]
    assert kind_dv.type == "list"
    sheet, cells = kind_dv.formula1.split("!")
    kinds = wb[sheet.strip("'")]
    assert [c.value for (c,) in kinds[cells.replace("$", "")]] == [k.label for k in rubric24.kinds_of_tier("tinh")]
    for key in ("muc_do_de_nghi", "cong_nhan_truoc_muc_do"):
        assert ident[layout.identity[key].a1].formula1 == '"Mức độ 1,Mức độ 2"'
    for key in ("so_thanh_vien", "so_nguoi_hoc"):
        dv = ident[layout.identity[key].a1]
        assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert ident[layout.identity["cong_nhan_truoc_ngay"].a1].type == "date"
    own = validations(wb[SHEET_SELF])
    assert own[layout.row_of("tc1_ct1").cell(COL_SELF).a1].formula1 == '"Đạt,Không đạt"'
    assert own[layout.row_of("tc2_ct1").cell(COL_SELF).a1].formula1 == '"Đạt,Không đạt"'
    assert own[layout.row_of("tc3_ct4").cell(COL_SELF).a1].formula1 == (
        '"Chưa đạt,Mức đáp ứng cơ bản,Mức đáp ứng tốt"')
    count = own[layout.row_of("tc2_ct1").cell(COL_COUNT).a1]
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert layout.row_of("tc1_ct1").cell(COL_COUNT).a1 not in own


def test_the_kinds_sheet_holds_each_kind_with_its_attributes(blank, rubric24):
    wb, _ = blank
    rows = list(wb[SHEET_KINDS].iter_rows(min_row=2, values_only=True))
    assert rows == [(k.id, k.label, int(k.public), int(k.economic), int(k.learners), k.school)
                    for k in rubric24.kinds_of_tier("tinh")]


def test_a_given_kind_is_filled_in_and_locked(make_level, rubric24):
    path, _ = make_level(unit_kind="thpt_cong_lap")
    wb = openpyxl.load_workbook(path)
    cell = name_target(wb, "loai_don_vi")
    assert cell.value == rubric24.unit_kind("thpt_cong_lap").label
    assert cell.protection.locked
    assert not name_target(wb, "muc_do_de_nghi").protection.locked


def test_a_kind_of_another_tier_is_refused(make_level):
    with pytest.raises(ConfigError, match="mam_non_cong_lap"):
        make_level(unit_kind="mam_non_cong_lap")


def test_per_unit_template_has_code_and_name_locked_and_in_the_metadata(make_level):
    path, layout = make_level(unit=Unit(code="SGD", name="Sở Giáo dục và Đào tạo"))
    wb = openpyxl.load_workbook(path)
    code, name = name_target(wb, "ma_don_vi"), name_target(wb, "ten_don_vi")
    assert (code.value, name.value) == ("SGD", "Sở Giáo dục và Đào tạo")
    assert code.protection.locked and name.protection.locked
    assert wb[SHEET_META][layout.meta["unit_code"].a1].value == "SGD"


def test_metadata_names_rubric_format_year_and_tier(blank):
    wb, layout = blank
    ws = wb[SHEET_META]
    meta = {ws.cell(c.row + 1, 1).value: ws[c.a1].value for c in layout.meta.values()}
    assert {k: meta[k] for k in ("rubric_id", "rubric_version", "template_format", "year", "unit_code", "tier")} == {
        "rubric_id": "tt24-2023", "rubric_version": "2023.1", "template_format": "muc-do-1", "year": "2025",
        "unit_code": "", "tier": "tinh"}
    assert meta["generated_at"].startswith("2026-01-05T08:00")


def test_guide_gives_the_tt24_deadline_and_the_receiving_office(make_level, settings):
    path, _ = make_level()
    lines = [c.value for (c,) in openpyxl.load_workbook(path)[SHEET_GUIDE].iter_rows(max_col=1) if c.value]
    assert "Hạn gửi hồ sơ: trước ngày 15/01/2026 (số liệu tính từ 01/01 đến 31/12/2025)." in lines
    assert f"Nơi nhận: {settings.receiving_department}." in lines
    assert any("Thông tư số 24/2023/TT-BGDĐT" in line for line in lines)
    path, _ = make_level("han.xlsx", deadline=date(2026, 1, 9))
    lines = [c.value for (c,) in openpyxl.load_workbook(path)[SHEET_GUIDE].iter_rows(max_col=1) if c.value]
    assert "Hạn gửi hồ sơ: trước ngày 10/01/2026 (số liệu tính từ 01/01 đến 31/12/2025)." in lines


def test_prefilled_values_land_in_their_named_cells(make_level):
    path, _ = make_level(values={"so_thanh_vien": 120, "so_dat_tc2_ct1": 110, "minh_chung_tc1_ct1": "KH 12/KH"})
    wb = openpyxl.load_workbook(path)
    assert [name_target(wb, n).value for n in ("so_thanh_vien", "so_dat_tc2_ct1", "minh_chung_tc1_ct1")] == [
        120, 110, "KH 12/KH"]


def test_print_setup_font_and_repeated_header(blank):
    wb, layout = blank
    ws = wb[SHEET_SELF]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$4:$4"
    assert ws[layout.row_of("tc1_ct1").cell(COL_EVIDENCE).a1].font.name == "Times New Roman"


def test_all_text_is_nfc(make_level):
    path, _ = make_level(unit=Unit(code="X1", name=unicodedata.normalize("NFD", "Trường THPT Tiên Lữ")))
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith(".xml"):
                assert unicodedata.is_normalized("NFC", zf.read(name).decode("utf-8")), name


def test_the_district_tier_has_fewer_indicator_rows(make_level, rubric24):
    counts = {}
    for tier in ("tinh", "huyen"):
        path, _ = make_level(f"{tier}.xlsx", tier=tier)
        ws = openpyxl.load_workbook(path)[SHEET_SELF]
        counts[tier] = sum(1 for (c,) in ws.iter_rows(min_col=COL_CODE + 1, max_col=COL_CODE + 1)
                           if isinstance(c.value, str) and ".CT" in c.value)
    assert counts == {"tinh": 16, "huyen": 15}


def test_conditions_compile_from_the_kind_attributes(rubric24):
    layout = build_level_layout(rubric24, "tinh")
    assert level_formulas.condition(layout, Condition()) == "TRUE"
    public = level_formulas.condition(layout, Condition(public=True))
    assert public.startswith("IFERROR(INDEX('DVHT_loai'!$C$2:$C$") and public.endswith("=1")
    school = level_formulas.condition(layout, Condition(economic=False, school=("thpt_gdtx", "dai_hoc")))
    assert school.startswith("AND(") and '="thpt_gdtx"' in school and '="dai_hoc"' in school
    assert "$D$2:$D$" in school and "$F$2:$F$" in school
    assert level_formulas.applies(layout, rubric24.tier("tinh").indicator("tc1_ct1"), 1) == "=IF(TRUE,1,0)"


def test_the_summary_header_names_each_column_once(blank):
    wb, _ = blank
    header = [c.value for c in wb[SHEET_SELF][HEADER_ROW + 1]][: COL_MET_2 + 1]
    assert header == ["Mã", "Tiêu chí, chỉ tiêu", "Yêu cầu", "Số đạt", "Tỷ lệ", "Tự đánh giá", "Minh chứng",
                      "Kết quả theo số liệu", None, None, None, None]


def test_every_prompt_of_the_summary_is_whole(blank):
    wb, layout = blank
    own = validations(wb[SHEET_SELF])
    evidence = own[layout.row_of("tc1_ct1").cell(COL_EVIDENCE).a1]
    assert (evidence.promptTitle, evidence.prompt) == (
        "Minh chứng", "Ghi số, ngày, trích yếu văn bản hoặc tài liệu chứng minh kết quả.")
