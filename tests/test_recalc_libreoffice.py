"""Fill templates through their defined names, recalculate them in LibreOffice headless,
and read back what LibreOffice computed: the template's formulas, not ours, are under test.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from processor.model.layout import SHEET_SCORES, SHEETS
from processor.template.filler import fill_template, submission_values
from tests.conftest import libreoffice_convert


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, rubric, layout, settings, reference_2021):
    from processor.template.writer import TemplateRequest, write_template
    from tests.conftest import FIXED_TIME

    work = tmp_path_factory.mktemp("recalc")
    template = write_template(work / "Mau.xlsx", TemplateRequest(layout, settings, 2021, generated_at=FIXED_TIME))
    reference_scores = dict(reference_2021["scores"], **{"3c": 5})  # capped to its maximum
    cases = {
        "all_max": {leaf.id: leaf.max for leaf in rubric.leaves},
        "reference_capped": reference_scores,
        "kha": {**{leaf.id: leaf.max for leaf in rubric.leaves}, "1a": 0, "1b": 0, "2b": 0, "3c": 0.5},
        "incomplete": {leaf.id: leaf.max for leaf in rubric.leaves if leaf.id != "2d"},
        "over_max": {**{leaf.id: leaf.max for leaf in rubric.leaves}, "3c": 10},
    }
    inputs = []
    for name, scores in cases.items():
        evidence = reference_2021["evidence"] if name == "reference_capped" else {}
        values = submission_values(reference_2021["identity"], scores, evidence, reference_2021["narrative"])
        inputs.append(fill_template(template, work / f"{name}.xlsx", values))
    blank_copy = work / "blank.xlsx"
    blank_copy.write_bytes(template.read_bytes())
    libreoffice_convert([*inputs, blank_copy], work / "out", "xlsx", work / "profile")
    return work / "out", cases


def result(out: Path, name: str, layout) -> tuple[object, object]:
    ws = openpyxl.load_workbook(out / f"{name}.xlsx", data_only=True)[SHEET_SCORES]
    return ws[layout.total_cell.a1].value, ws[layout.class_cell.a1].value


def test_all_maximum_scores_give_100_and_tot(recalculated, layout):
    assert result(recalculated[0], "all_max", layout) == (100, "Tốt")


def test_reference_report_with_3c_capped_gives_100_and_tot(recalculated, layout):
    assert result(recalculated[0], "reference_capped", layout) == (100, "Tốt")


def test_a_lower_total_is_classified_by_the_bands(recalculated, layout):
    total, label = result(recalculated[0], "kha", layout)
    assert total == 100 - 10 - 10 - 5 - 4.5 == 70.5
    assert label == "Khá"


def test_group_subtotals_are_recalculated(recalculated, layout):
    ws = openpyxl.load_workbook(recalculated[0] / "kha.xlsx", data_only=True)[SHEET_SCORES]
    assert ws[layout.score_cell("1").a1].value == 10
    assert ws[layout.score_cell("2").a1].value == 25
    assert ws[layout.score_cell("3a").a1].value == 25
    assert ws[layout.score_cell("3").a1].value == 35.5


def test_missing_score_says_not_complete(recalculated, layout):
    assert result(recalculated[0], "incomplete", layout)[1] == "Chưa chấm đủ"


def test_score_above_maximum_blocks_the_class(recalculated, layout):
    total, label = result(recalculated[0], "over_max", layout)
    assert total == 105
    assert label == "Có điểm sai (âm hoặc vượt tối đa)"


def test_blank_template_round_trips_through_libreoffice(recalculated, layout):
    wb = openpyxl.load_workbook(recalculated[0] / "blank.xlsx")
    assert wb.sheetnames == list(SHEETS)
    assert wb[SHEETS[-1]].sheet_state in ("hidden", "veryHidden")
    assert set(layout.defined_names()) <= set(wb.defined_names)
    assert wb[SHEET_SCORES].protection.sheet
