"""Thông tư 24/2023 as data: the levels rubric loads, and a malformed one is refused by name."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from processor.model.errors import RubricError
from processor.model.rubric import load_rubric, rubric_for_year, rubric_path

DATA = yaml.safe_load(rubric_path("tt24-2023").read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "tt24-sua.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def indicator(data: dict, tier: str, iid: str) -> dict:
    return next(i for c in data["tiers"][tier]["criteria"] for i in c["indicators"] if i["id"] == iid)


def test_both_rubrics_load_with_their_kind_and_years():
    tt22, tt24 = load_rubric("tt22-2020"), load_rubric("tt24-2023")
    assert (tt22.kind, tt24.kind) == ("points", "levels")
    assert (tt22.season.last_year, tt24.season.first_year) == (2023, 2024)
    assert [rubric_for_year(y).id for y in (2021, 2023, 2024, 2026)] == ["tt22-2020", "tt22-2020", "tt24-2023",
                                                                          "tt24-2023"]
    assert tt24.season.deadline_for(2026).isoformat() == "2027-01-14"


def test_the_circulars_thresholds_and_applicability():
    rubric = load_rubric("tt24-2023")
    tinh = rubric.tier("tinh")
    ct4, ct1 = tinh.indicator("tc2_ct4"), tinh.indicator("tc3_ct1")
    thpt, dn, so = (rubric.unit_kind(k) for k in ("thpt_cong_lap", "doanh_nghiep_nha_nuoc", "co_quan_nha_nuoc"))
    assert (ct4.threshold(1, so), ct4.threshold(2, so)) == (50, 70)
    assert not ct4.applies(dn, 1) and ct4.applies(so, 2)
    assert (ct1.threshold(1, thpt), ct1.threshold(2, thpt), ct1.threshold(1, so)) == (95, 97, 90)
    assert [i.id for i in tinh.applicable(2, thpt)][-3:] == ["tc3_ct2", "tc3_ct3", "tc3_ct4"]
    huyen = rubric.tier("huyen")
    hoi = rubric.unit_kind("hoi")
    assert huyen.indicator("tc3_ct3").applies(hoi, 1) and not huyen.indicator("tc3_ct3").applies(hoi, 2)
    thcs = rubric.unit_kind("pho_thong_co_so_cong_lap")
    assert not thcs.learners and huyen.indicator("tc3_ct1").threshold(1, thcs) == 90  # Art. 2.8: members


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: indicator(d, "tinh", "tc2_ct1")["thresholds"].update({2: 105}),
     "chỉ tiêu 'tc2_ct1': thresholds: ngưỡng của mức độ 2 là 105, phải là số nguyên từ 0 đến 100"),
    (lambda d: d["tiers"]["tinh"]["level_indicators"][2].append("tc9_ct9"),
     "cấp 'tinh': danh sách mức độ 2 có chỉ tiêu 'tc9_ct9' không có trong criteria"),
    (lambda d: indicator(d, "tinh", "tc1_ct3").update(applies_to={"kinds": ["truong_lang"]}),
     "applies_to: loại đơn vị 'truong_lang' không có trong unit_kinds"),
    (lambda d: indicator(d, "tinh", "tc3_ct4").update(applies_to={"school": ["mau_giao"]}),
     "applies_to: school 'mau_giao' không có"),
    (lambda d: d.update(kind="diem"), "kind 'diem' không có (points hoặc levels)"),
    (lambda d: indicator(d, "tinh", "tc3_ct4")["required"].update({2: "xuat_sac"}),
     "required của mức độ 2 phải là một trong"),
], ids=["threshold", "missing-indicator", "unknown-kind", "unknown-school", "unknown-rubric-kind", "unknown-grade"])
def test_a_malformed_levels_file_is_refused_by_name(tmp_path, change, expected):
    data = copy.deepcopy(DATA)
    change(data)
    with pytest.raises(RubricError) as err:
        load_rubric(write(tmp_path, data))
    assert expected in str(err.value)
