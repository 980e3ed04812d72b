"""The template's structure, read back with openpyxl as another tool would see it."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml

from processor.model.layout import (
    COL_EVIDENCE,
    COL_MAX,
    COL_SCORE,
    IDENTITY_FIELDS,
    NARRATIVE_FIELDS,
    SHEET_IDENTITY,
    SHEET_META,
    SHEET_SCORES,
    SHEETS,
    build_layout,
)
from processor.model.records import Unit
from processor.model.rubric import load_rubric, rubric_path

LEAVES = ["1a", "1b", "1c", "2a", "2b", "2c", "2d", *(f"3a{i}" for i in range(1, 9)), "3b", "3c"]
ALL_NAMES = [
    *(f"diem_{i}" for i in LEAVES),
    *(f"minh_chung_{i}" for i in LEAVES),
    *IDENTITY_FIELDS,
    *NARRATIVE_FIELDS,
]


@pytest.fixture
def blank(make_template):
    return openpyxl.load_workbook(make_template())


def name_target(wb, name):
    sheet, coord = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][coord.replace("$", "")]


def unlocked_cells(ws):
    return {c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked}


def test_sheets_in_order_and_metadata_very_hidden(blank):
    assert blank.sheetnames == list(SHEETS)
    states = {ws.title: ws.sheet_state for ws in blank.worksheets}
    assert states.pop(SHEET_META) == "veryHidden"
    assert set(states.values()) == {"visible"}


def test_every_sheet_and_the_structure_are_protected(blank):
    assert all(ws.protection.sheet for ws in blank.worksheets)
    assert all(ws.protection.password for ws in blank.worksheets)
    assert blank.security.lockStructure
    assert blank.security.workbookPassword


def test_public_names_exist_and_point_at_unlocked_cells(blank, layout):
    assert sorted(blank.defined_names) == sorted(ALL_NAMES)
    for name, cell in layout.defined_names().items():
        target = name_target(blank, name)
        assert target.parent.title == cell.sheet, name
        assert target.coordinate == cell.a1, name
        assert not target.protection.locked, name


def test_diem_names_point_at_the_score_column_of_their_criterion(blank, layout):
    ws = blank[SHEET_SCORES]
    for leaf in LEAVES:
        cell = name_target(blank, f"diem_{leaf}")
        assert cell.column == COL_SCORE + 1
        # the row of that criterion: its number in the TT column and its wording
        assert (ws.cell(cell.row, 1).value, ws.cell(cell.row, 2).value) == (
            layout.row_of(leaf).tt, layout.rubric.get(leaf).label)
        assert name_target(blank, f"minh_chung_{leaf}").row == cell.row


def test_only_leaf_score_and_evidence_cells_are_unlocked_on_the_scoring_sheet(blank, layout):
    expected = {layout.score_cell(i).a1 for i in LEAVES} | {layout.evidence_cell(i).a1 for i in LEAVES}
    assert unlocked_cells(blank[SHEET_SCORES]) == expected


def test_each_score_cell_has_a_validation_with_its_maximum(blank, layout, rubric):
    ws = blank[SHEET_SCORES]
    by_cell = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            by_cell[rng.coord] = dv
    for leaf in rubric.leaves:
        dv = by_cell[layout.score_cell(leaf.id).a1]
        assert dv.type == "decimal"
        assert dv.operator in (None, "between")  # "between" is the default and may be omitted
        assert float(dv.formula1) == 0
        assert float(dv.formula2) == leaf.max
        assert dv.errorStyle in (None, "stop")
        assert dv.showErrorMessage and dv.showInputMessage
        assert f"{leaf.max:g}" in dv.prompt


def test_groups_and_total_are_sums_of_leaves_and_the_class_uses_the_bands(blank, layout):
    ws = blank[SHEET_SCORES]
    assert ws[layout.score_cell("1").a1].value == "=SUM(D6:D8)"
    assert ws[layout.score_cell("2").a1].value == "=SUM(D10:D13)"
    assert ws[layout.score_cell("3a").a1].value == "=SUM(D16:D23)"
    assert ws[layout.score_cell("3").a1].value == "=SUM(D16:D25)"
    assert ws[layout.total_cell.a1].value == "=SUM(D6:D8,D10:D13,D16:D25)"
    formula = ws[layout.class_cell.a1].value
    for fragment in ('D26>=85,"Tốt"', 'D26>=70,"Khá"', 'D26>=50,"Trung bình"', '"Không đạt"', "COUNT("):
        assert fragment in formula


def test_max_column_and_labels_come_from_the_rubric(blank, layout, rubric):
    ws = blank[SHEET_SCORES]
    for crow in layout.criterion_rows:
        assert ws.cell(crow.row + 1, COL_MAX + 1).value == crow.criterion.max
        assert ws.cell(crow.row + 1, 2).value == crow.criterion.label
        assert ws.cell(crow.row + 1, 2).font.b == (not crow.criterion.is_leaf)
    assert ws.cell(layout.total_row + 1, COL_MAX + 1).value == rubric.total_max


def test_empty_and_invalid_scores_are_highlighted(blank, layout):
    rules = {str(rng.sqref): [r.formula[0] for r in rng.rules] for rng in blank[SHEET_SCORES].conditional_formatting}
    cell = layout.score_cell("3c").a1
    formulas = rules[cell]
    assert any("ISBLANK" in f and ">$C$" in f and "MOD" in f for f in formulas)
    assert f"ISBLANK({cell})" in formulas


def test_metadata_sheet_identifies_rubric_format_and_year(blank, layout):
    ws = blank[SHEET_META]
    meta = {ws[c.a1.replace("B", "A")].value: ws[c.a1].value for c in layout.meta.values()}
    assert meta["rubric_id"] == "tt22-2020"
    assert meta["rubric_version"] == "2020.1"
    assert meta["template_format"] == "2"
    assert meta["year"] == "2025"
    assert meta["unit_code"] == ""
    assert meta["generated_at"].startswith("2026-01-05T08:00")


def test_print_setup_and_font(blank, layout):
    ws = blank[SHEET_SCORES]
    assert ws.page_setup.paperSize == 9
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$4:$4"
    assert ws.freeze_panes == "A5"
    assert ws["B6"].font.name == "Times New Roman"


def test_identity_and_narrative_cells_are_text_inputs(blank, layout):
    ws = blank[SHEET_IDENTITY]
    assert ws[layout.identity["nam_danh_gia"].a1].value == 2025
    assert ws[layout.identity["dien_thoai"].a1].number_format == "@"
    assert ws[layout.identity["ngay_bao_cao"].a1].number_format == "dd/mm/yyyy"
    for key, cell in layout.narrative.items():
        target = blank[cell.sheet][cell.a1]
        assert not target.protection.locked, key
        assert target.alignment.wrap_text, key


def test_per_unit_template_has_code_and_name_filled_and_locked(make_template, layout):
    unit = Unit(code="SNV", name="Sở Nội vụ")
    wb = openpyxl.load_workbook(make_template(unit=unit))
    code = name_target(wb, "ma_don_vi")
    name = name_target(wb, "ten_don_vi")
    assert (code.value, name.value) == ("SNV", "Sở Nội vụ")
    assert code.protection.locked and name.protection.locked
    meta = wb[SHEET_META]
    assert meta[layout.meta["unit_code"].a1].value == "SNV"
    assert not name_target(wb, "nguoi_ky").protection.locked


def test_all_text_is_nfc(make_template):
    path = make_template(unit=Unit(code="X1", name=unicodedata.normalize("NFD", "Xã Tiên Lục")))
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith(".xml"):
                text = zf.read(name).decode("utf-8")
                assert unicodedata.is_normalized("NFC", text), name


def test_changing_a_maximum_in_the_rubric_file_changes_the_template(tmp_path: Path, make_template):
    data = yaml.safe_load(rubric_path("tt22-2020").read_text(encoding="utf-8"))
    group3 = next(c for c in data["criteria"] if c["id"] == "3")
    by_id = {c["id"]: c for c in group3["children"]}
    by_id["3b"]["max"], by_id["3c"]["max"] = 8, 7
    path = tmp_path / "tt22-sua.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    changed = build_layout(load_rubric(path))

    wb = openpyxl.load_workbook(make_template("sua.xlsx", layout_=changed))
    ws = wb[SHEET_SCORES]
    row = changed.row_of("3c").row + 1
    assert ws.cell(row, COL_MAX + 1).value == 7
    dv = next(dv for dv in ws.data_validations.dataValidation if f"D{row}" in str(dv.sqref))
    assert float(dv.formula2) == 7
    assert "7" in dv.prompt
    assert ws.cell(changed.row_of("3b").row + 1, COL_MAX + 1).value == 8


def test_evidence_column_is_wrapped_text(blank, layout):
    ws = blank[SHEET_SCORES]
    cell = ws[layout.evidence_cell("1a").a1]
    assert cell.alignment.wrap_text and cell.number_format == "@"
    assert ws.cell(layout.row_of("1a").row + 1, COL_EVIDENCE + 1).protection.locked is False


def test_readme_documents_every_defined_name(layout):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name in layout.defined_names():
        token = name if not name.startswith(("diem_", "minh_chung_")) else name.rsplit("_", 1)[0] + "_<mã>"
        assert f"`{token}`" in readme, name
    line = next(x for x in readme.splitlines() if x.startswith("| `diem_<mã>`"))
    listed = line.split("∈")[1].split("`")[1].split()
    assert listed == [leaf.id for leaf in layout.rubric.leaves]
