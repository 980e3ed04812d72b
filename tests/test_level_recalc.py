"""Fill TT24 templates through their defined names, recalculate them in LibreOffice headless
(one soffice call for every case) and read back what it computed: the template's own
formulas decide the requirement, the rate, each result and the level the figures support.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from processor.model.level_layout import (
    COL_RATE,
    COL_REQUIRED,
    COL_RESULT,
    SHEET_SELF,
    LevelLayout,
    build_level_layout,
)
from processor.model.levels import IndicatorType
from processor.template.filler import fill_template
from processor.template.levels_writer import LevelTemplateRequest, write_level_template
from tests.conftest import FIXED_TIME, libreoffice_convert

OFFICE = "co_quan_nha_nuoc"
THPT = "thpt_cong_lap"
EVIDENCE = "Kế hoạch số 12/KH-SNV ngày 10/01/2025"


def complete(layout: LevelLayout, kind_id: str, level: int, members: int, learners: int | None = None,
             **changes: Any) -> dict[str, Any]:
    """Every indicator met at level 2 by a unit of that kind, then the changes (defined name → value)."""
    rubric = layout.rubric
    kind = rubric.unit_kind(kind_id)
    values: dict[str, Any] = {
        "ten_don_vi": "Đơn vị thử", "ma_don_vi": "DV1", "loai_don_vi": kind.label,
        "muc_do_de_nghi": rubric.level(level).label, "so_thanh_vien": members,
        "ngay_bao_cao": FIXED_TIME.date(),
    }
    if learners is not None:
        values["so_nguoi_hoc"] = learners
    for row in layout.indicator_rows:
        ind = row.indicator
        values[f"minh_chung_{ind.id}"] = EVIDENCE
        if ind.type == IndicatorType.GRADE:
            values[f"danh_gia_{ind.id}"] = "Mức đáp ứng tốt"
        else:
            values[f"danh_gia_{ind.id}"] = "Đạt"
        if ind.type == IndicatorType.PERCENT:
            values[f"so_dat_{ind.id}"] = learners if ind.counts_learners(kind) else members
    values.update(changes)
    return values


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> dict[str, LevelLayout]:
    from processor.model.rubric import load_rubric

    rubric = load_rubric("tt24-2023")
    return {tier: build_level_layout(rubric, tier) for tier in ("tinh", "huyen")}


def cases(layouts: dict[str, LevelLayout]) -> dict[str, tuple[str, dict[str, Any]]]:
    tinh, huyen = layouts["tinh"], layouts["huyen"]
    return {
        "m89_l1": ("tinh", complete(tinh, OFFICE, 1, 200, so_dat_tc2_ct1=179)),
        "m90_l1": ("tinh", complete(tinh, OFFICE, 1, 200, so_dat_tc2_ct1=180)),
        "m94_l2": ("tinh", complete(tinh, OFFICE, 2, 200, so_dat_tc2_ct1=189)),
        "m95_l2": ("tinh", complete(tinh, OFFICE, 2, 200, so_dat_tc2_ct1=190)),
        "ct4_49_l1": ("tinh", complete(tinh, OFFICE, 1, 200, so_dat_tc2_ct4=99)),
        "ct4_50_l1": ("tinh", complete(tinh, OFFICE, 1, 200, so_dat_tc2_ct4=100)),
        "ct4_69_l2": ("tinh", complete(tinh, OFFICE, 2, 200, so_dat_tc2_ct4=139)),
        "ct4_70_l2": ("tinh", complete(tinh, OFFICE, 2, 200, so_dat_tc2_ct4=140)),
        "thpt_94_l1": ("tinh", complete(tinh, THPT, 1, 100, 1000, so_dat_tc3_ct1=949)),
        "thpt_95_l1": ("tinh", complete(tinh, THPT, 1, 100, 1000, so_dat_tc3_ct1=950)),
        "thpt_96_l2": ("tinh", complete(tinh, THPT, 2, 100, 1000, so_dat_tc3_ct1=969)),
        "thpt_97_l2": ("tinh", complete(tinh, THPT, 2, 100, 1000, so_dat_tc3_ct1=970)),
        "thpt_grade_l2": ("tinh", complete(tinh, THPT, 2, 100, 1000, danh_gia_tc3_ct4="Mức đáp ứng cơ bản")),
        "hoi_l2": ("tinh", complete(tinh, "hoi", 2, 50, danh_gia_tc1_ct3=None, minh_chung_tc1_ct3=None)),
        "economic_l2": ("tinh", complete(tinh, "to_chuc_kinh_te", 2, 50, so_dat_tc2_ct4=None,
                                         danh_gia_tc2_ct4=None, minh_chung_tc2_ct4=None)),
        "no_evidence_l1": ("tinh", complete(tinh, OFFICE, 1, 200, minh_chung_tc1_ct1=None)),
        "self_not_met_l1": ("tinh", complete(tinh, OFFICE, 1, 200, danh_gia_tc3_ct2="Không đạt")),
        "over_count_l1": ("tinh", complete(tinh, OFFICE, 1, 200, so_dat_tc2_ct2=201)),
        "blank_count_l1": ("tinh", complete(tinh, OFFICE, 1, 200, so_dat_tc2_ct3=None)),
        "no_members_l1": ("tinh", complete(tinh, OFFICE, 1, 0)),
        "no_kind": ("tinh", complete(tinh, OFFICE, 1, 200, loai_don_vi=None)),
        "no_level": ("tinh", complete(tinh, OFFICE, 1, 200, muc_do_de_nghi=None)),
        "huyen_hoi_l2": ("huyen", complete(huyen, "hoi", 2, 40, danh_gia_tc3_ct3=None, minh_chung_tc3_ct3=None,
                                           danh_gia_tc1_ct3=None, minh_chung_tc1_ct3=None)),
        "huyen_hoi_l1": ("huyen", complete(huyen, "hoi", 1, 40, danh_gia_tc3_ct3=None, minh_chung_tc3_ct3=None,
                                           danh_gia_tc1_ct3=None, minh_chung_tc1_ct3=None)),
    }


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, layouts, settings) -> Path:
    work = tmp_path_factory.mktemp("level_recalc")
    templates = {
        tier: write_level_template(work / f"Mau_{tier}.xlsx",
                                   LevelTemplateRequest(layout, settings, 2025, generated_at=FIXED_TIME))
        for tier, layout in layouts.items()
    }
    inputs = [fill_template(templates[tier], work / f"{name}.xlsx", {k: v for k, v in values.items()})
              for name, (tier, values) in cases(layouts).items()]
    # Written pre-filled by the writer itself, not through openpyxl (which drops cached
    # results): what a unit opening the file in LibreOffice sees.
    prefilled = complete(layouts["tinh"], THPT, 2, 100, 1000, so_dat_tc3_ct1=969)
    inputs.append(write_level_template(work / "prefilled.xlsx", LevelTemplateRequest(
        layouts["tinh"], settings, 2025, generated_at=FIXED_TIME, values=prefilled)))
    libreoffice_convert(inputs, work / "out", "xlsx", work / "profile")
    return work / "out"


class Read:
    def __init__(self, out: Path, name: str, layout: LevelLayout) -> None:
        self.ws = openpyxl.load_workbook(out / f"{name}.xlsx", data_only=True)[SHEET_SELF]
        self.layout = layout

    def result(self, indicator_id: str) -> Any:
        return self.ws[self.layout.row_of(indicator_id).cell(COL_RESULT).a1].value

    def required(self, indicator_id: str) -> Any:
        return self.ws[self.layout.row_of(indicator_id).cell(COL_REQUIRED).a1].value

    def rate(self, indicator_id: str) -> Any:
        return self.ws[self.layout.row_of(indicator_id).cell(COL_RATE).a1].value

    def criterion(self, criterion_id: str) -> Any:
        crow = next(c for c in self.layout.criterion_rows if c.criterion.id == criterion_id)
        return self.ws[crow.cell(COL_RESULT).a1].value

    @property
    def supported(self) -> Any:
        return self.ws[self.layout.supported_cell.a1].value


@pytest.fixture(scope="module")
def read(recalculated, layouts):
    def get(name: str, tier: str = "tinh") -> Read:
        return Read(recalculated, name, layouts[tier])

    return get


def test_89_5_percent_of_members_fails_level_1_and_the_unit_is_not_recognised(read):
    r = read("m89_l1")
    assert (r.required("tc2_ct1"), r.rate("tc2_ct1"), r.result("tc2_ct1")) == ("≥ 90% thành viên", 0.895, "Không đạt")
    assert (r.criterion("tc2"), r.criterion("tc1"), r.criterion("tc3")) == ("Không đạt", "Đạt", "Đạt")
    assert r.supported == "Chưa đạt"


def test_90_percent_of_members_meets_level_1(read):
    r = read("m90_l1")
    assert (r.rate("tc2_ct1"), r.result("tc2_ct1"), r.criterion("tc2")) == (0.9, "Đạt", "Đạt")
    assert r.supported == "Mức độ 1"


def test_a_level_2_request_at_94_5_percent_is_supported_at_level_1_only(read):
    r = read("m94_l2")
    assert (r.required("tc2_ct1"), r.result("tc2_ct1"), r.criterion("tc2")) == (
        "≥ 95% thành viên", "Không đạt", "Không đạt")
    assert r.supported == "Mức độ 1"


def test_95_percent_of_members_meets_level_2(read):
    r = read("m95_l2")
    assert r.result("tc2_ct1") == "Đạt"
    assert r.supported == "Mức độ 2"


def test_tc2_ct4_thresholds_are_50_and_70_percent(read):
    assert [read(n).required("tc2_ct4") for n in ("ct4_49_l1", "ct4_69_l2")] == ["≥ 50% thành viên",
                                                                                 "≥ 70% thành viên"]
    assert [(read(n).result("tc2_ct4"), read(n).supported) for n in
            ("ct4_49_l1", "ct4_50_l1", "ct4_69_l2", "ct4_70_l2")] == [
        ("Không đạt", "Chưa đạt"), ("Đạt", "Mức độ 1"), ("Không đạt", "Mức độ 1"), ("Đạt", "Mức độ 2")]


def test_a_thpt_counts_learners_against_95_and_97_percent(read):
    r = read("thpt_94_l1")
    assert (r.required("tc3_ct1"), r.rate("tc3_ct1"), r.result("tc3_ct1")) == ("≥ 95% người học", 0.949, "Không đạt")
    assert r.supported == "Chưa đạt"
    assert (read("thpt_95_l1").result("tc3_ct1"), read("thpt_95_l1").supported) == ("Đạt", "Mức độ 1")
    r = read("thpt_96_l2")
    assert (r.required("tc3_ct1"), r.result("tc3_ct1"), r.supported) == ("≥ 97% người học", "Không đạt", "Mức độ 1")
    assert (read("thpt_97_l2").result("tc3_ct1"), read("thpt_97_l2").supported) == ("Đạt", "Mức độ 2")


def test_a_thpt_members_indicators_still_count_members(read):
    r = read("thpt_97_l2")
    assert (r.required("tc2_ct1"), r.rate("tc2_ct1")) == ("≥ 95% thành viên", 1)


def test_a_grade_below_the_level_asked_fails_there_and_keeps_level_1(read):
    r = read("thpt_grade_l2")
    assert (r.required("tc3_ct4"), r.result("tc3_ct4"), r.criterion("tc3")) == (
        "Mức đáp ứng tốt", "Không đạt", "Không đạt")
    assert r.supported == "Mức độ 1"


def test_school_indicators_do_not_apply_to_other_kinds(read):
    r = read("m95_l2")
    assert [r.result(i) for i in ("tc3_ct4", "tc3_ct5", "tc3_ct6")] == ["Không áp dụng"] * 3
    assert [r.required(i) for i in ("tc3_ct4", "tc3_ct5", "tc3_ct6")] == ["Không áp dụng"] * 3
    assert read("thpt_97_l2").result("tc3_ct5") == "Không áp dụng"


def test_tc1_ct3_does_not_apply_to_a_non_public_unit_and_does_not_block_the_level(read):
    r = read("hoi_l2")
    assert (r.required("tc1_ct3"), r.result("tc1_ct3"), r.criterion("tc1")) == (
        "Không áp dụng", "Không áp dụng", "Đạt")
    assert r.supported == "Mức độ 2"


def test_tc2_ct4_does_not_apply_to_an_economic_organisation(read):
    r = read("economic_l2")
    assert (r.required("tc2_ct4"), r.rate("tc2_ct4"), r.result("tc2_ct4")) == (
        "Không áp dụng", None, "Không áp dụng")
    assert (r.result("tc1_ct3"), r.criterion("tc2"), r.supported) == ("Không áp dụng", "Đạt", "Mức độ 2")


def test_yes_no_met_without_evidence_is_not_met(read):
    r = read("no_evidence_l1")
    assert (r.required("tc1_ct1"), r.result("tc1_ct1"), r.criterion("tc1")) == (
        "Đạt, có minh chứng", "Không đạt", "Không đạt")
    assert r.supported == "Chưa đạt"


def test_yes_no_judged_not_met_is_not_met(read):
    r = read("self_not_met_l1")
    assert (r.result("tc3_ct2"), r.supported) == ("Không đạt", "Chưa đạt")


def test_a_count_above_the_head_count_is_not_met(read):
    r = read("over_count_l1")
    assert r.result("tc2_ct2") == "Không đạt"
    assert r.supported == "Chưa đạt"


def test_no_count_gives_a_blank_rate_and_not_met(read):
    r = read("blank_count_l1")
    assert (r.rate("tc2_ct3"), r.result("tc2_ct3"), r.supported) == (None, "Không đạt", "Chưa đạt")


def test_a_zero_head_count_meets_no_percent_indicator(read):
    r = read("no_members_l1")
    assert (r.rate("tc2_ct1"), r.result("tc2_ct1"), r.supported) == (None, "Không đạt", "Chưa đạt")


def test_the_supported_level_asks_for_the_kind_and_the_level(read):
    assert read("no_kind").supported == "Chưa chọn loại đơn vị"
    r = read("no_level")
    assert (r.supported, r.required("tc2_ct1"), r.result("tc2_ct1"), r.criterion("tc1")) == (
        "Chưa chọn mức độ đề nghị", None, None, None)


def test_district_tc3_ct3_applies_at_level_2_only_to_public_units(read):
    l2, l1 = read("huyen_hoi_l2", "huyen"), read("huyen_hoi_l1", "huyen")
    assert (l2.result("tc3_ct3"), l2.supported) == ("Không áp dụng", "Mức độ 2")
    assert (l1.required("tc3_ct3"), l1.result("tc3_ct3"), l1.supported) == (
        "Đạt, có minh chứng", "Không đạt", "Chưa đạt")


def test_a_template_opened_as_written_is_computed_on_load(read):
    r = read("prefilled")
    assert [r.result(i) for i in ("tc1_ct1", "tc2_ct1", "tc3_ct1", "tc3_ct4", "tc3_ct5")] == [
        "Đạt", "Đạt", "Không đạt", "Đạt", "Không áp dụng"]
    assert (r.required("tc1_ct1"), r.criterion("tc3"), r.supported) == ("Đạt, có minh chứng", "Không đạt", "Mức độ 1")
