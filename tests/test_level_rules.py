"""One test per Thông tư 24/2023 rule: a dossier written by the real template writer,
filled through its defined names, read and checked; the full list of findings is compared."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from processor.intake.step import process_file
from processor.model.batch import CheckContext
from processor.model.level_layout import build_level_layout
from processor.model.records import FoundFile
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.template.filler import fill_template
from processor.template.levels_writer import LevelTemplateRequest, write_level_template
from tests.conftest import FIXED_TIME
from tests.test_level_recalc import complete

RUBRIC = load_rubric("tt24-2023")
LAYOUT = build_level_layout(RUBRIC, "tinh")
TODAY = date(2026, 3, 1)
INFO, SELF = "Thông tin đơn vị", "Tự đánh giá"


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tt24") / "Mau.xlsx"
    return write_level_template(path, LevelTemplateRequest(LAYOUT, load_settings(), 2025, generated_at=FIXED_TIME))


def dossier(blank: Path, tmp_path: Path, kind: str = "co_quan_nha_nuoc", level: int = 1, members: int = 100,
            learners: int | None = None, **changes) -> Path:
    values = complete(LAYOUT, kind, level, members, learners, ngay_bao_cao=date(2026, 1, 10), **changes)
    values = {k: v for k, v in values.items() if v is not None}
    return fill_template(blank, tmp_path / "hs" / "dv.xlsx", values)


def findings(path: Path, year: int = 2025, rubric=RUBRIC):
    found = FoundFile(str(path), path.name, path.stat().st_size, path.stat().st_mtime)
    result = process_file(found, CheckContext(rubric=rubric, year=year, deadline=date(2027, 1, 14), today=TODAY))
    return result, [(f"{i.sheet}!{i.cell}" if i.sheet else "", i.code) for i in result.issues]


def cell(indicator: str, column: str) -> str:
    from processor.model.layout import column_letter
    from processor.model.level_layout import COL_COUNT, COL_EVIDENCE, COL_SELF

    col = {"count": COL_COUNT, "self": COL_SELF, "evidence": COL_EVIDENCE}[column]
    return f"{SELF}!{column_letter(col)}{LAYOUT.row_of(indicator).row + 1}"


def info(key: str) -> str:
    return f"{INFO}!{LAYOUT.identity[key].a1}"


def test_a_complete_dossier_has_no_finding(blank, tmp_path):
    result, found = findings(dossier(blank, tmp_path))
    assert found == []
    assert (result.levels.kind, result.levels.level_asked, result.levels.members) == ("co_quan_nha_nuoc", 1, 100)
    assert result.levels.indicators["tc2_ct1"].count == 100


@pytest.mark.parametrize(("changes", "expected"), [
    ({"so_dat_tc2_ct1": None}, [("tc2_ct1", "count", "count-missing")]),
    ({"so_dat_tc2_ct1": -3}, [("tc2_ct1", "count", "count-invalid")]),
    ({"so_dat_tc2_ct1": 90.5}, [("tc2_ct1", "count", "count-invalid")]),
    ({"so_dat_tc2_ct1": 101}, [("tc2_ct1", "count", "count-above-total")]),
    ({"so_dat_tc2_ct2": 89}, [("tc2_ct2", "self", "judged-above-figures")]),
    ({"minh_chung_tc1_ct1": None}, [("tc1_ct1", "evidence", "judged-without-evidence")]),
    ({"danh_gia_tc1_ct2": None}, [("tc1_ct2", "self", "judgement-missing")]),
    ({"danh_gia_tc1_ct2": "Tốt"}, [("tc1_ct2", "self", "judgement-unknown")]),
], ids=["count-missing", "count-negative", "count-fractional", "count-above-total", "judged-above-figures",
        "no-evidence", "judgement-missing", "judgement-unknown"])
def test_indicator_rule(blank, tmp_path, changes, expected):
    _, found = findings(dossier(blank, tmp_path, **changes))
    assert found == [(cell(i, col), code) for i, col, code in expected]


@pytest.mark.parametrize(("changes", "expected"), [
    ({"so_thanh_vien": None}, [(info("so_thanh_vien"), "members-missing")]),
    ({"so_thanh_vien": 0}, [(info("so_thanh_vien"), "members-missing")]),
    ({"loai_don_vi": None}, [(info("loai_don_vi"), "kind-missing")]),
    ({"loai_don_vi": "Trường làng"}, [(info("loai_don_vi"), "kind-unknown")]),
    ({"muc_do_de_nghi": None}, [(info("muc_do_de_nghi"), "level-missing")]),
    ({"muc_do_de_nghi": "Mức độ 3"}, [(info("muc_do_de_nghi"), "level-unknown")]),
], ids=["members-blank", "members-zero", "kind-missing", "kind-unknown", "level-missing", "level-unknown"])
def test_identity_rule(blank, tmp_path, changes, expected):
    _, found = findings(dossier(blank, tmp_path, **changes))
    assert found == expected


def test_learners_are_needed_where_the_kind_has_them(blank, tmp_path):
    _, found = findings(dossier(blank, tmp_path, kind="thpt_cong_lap", learners=None, so_dat_tc3_ct1=None))
    assert found == [(info("so_nguoi_hoc"), "learners-missing"), (cell("tc3_ct1", "count"), "count-missing")]


@pytest.mark.parametrize(("prior", "expected"), [
    (date(2025, 2, 11), [(info("cong_nhan_truoc_ngay"), "level-not-eligible")]),  # 11 months before 10/01/2026
    (date(2025, 1, 10), []),  # 12 months
], ids=["11-months", "12-months"])
def test_level_2_without_a_level_1_decision_12_months_old(blank, tmp_path, prior, expected):
    _, found = findings(dossier(blank, tmp_path, level=2, cong_nhan_truoc_muc_do="Mức độ 1",
                                cong_nhan_truoc_so_qd="15/QĐ-UBND", cong_nhan_truoc_ngay=prior))
    assert found == expected


def test_a_tt22_template_in_a_tt24_year_names_the_circular_in_force(make_submission):
    result, found = findings(make_submission("tt22.xlsx"), year=2025)
    assert found == [("DVHT_meta!B2", "wrong-circular")]
    message = result.issues[0].message
    assert "Thông tư số 24/2023/TT-BGDĐT" in message and "bãi bỏ" in message


def test_a_tt24_template_in_a_tt22_year_is_refused_the_same_way(blank, tmp_path):
    result, found = findings(dossier(blank, tmp_path), year=2023, rubric=load_rubric("tt22-2020"))
    # the form of the other circular is still read for its identity, so its year cell is seen too
    assert [code for _, code in found] == ["wrong-circular", "wrong-year", "year-cell-mismatch"]
    assert "Thông tư số 22/2020/TT-BGDĐT" in result.issues[0].message


def test_a_kind_that_differs_from_the_rosters_is_an_error(blank, tmp_path):
    from processor.intake.resolve import resolve
    from processor.model.records import Unit
    from processor.model.statuses import Status

    result, _ = findings(dossier(blank, tmp_path))
    resolution = resolve([result], [Unit("DV1", "Đơn vị thử", kind="hoi")], LAYOUT)
    assert [(f"{i.sheet}!{i.cell}", i.code) for i in resolution.files[0].issues] == [(info("loai_don_vi"),
                                                                                       "kind-differs")]
    assert resolution.units[0].status == Status.TO_FIX
    assert "Hội" in resolution.files[0].issues[0].message


def test_a_tt24_batch_judges_each_unit_by_its_figures(blank, tmp_path):
    from processor.model.batch import BatchOptions
    from processor.model.records import Unit
    from processor.pipeline import run_batch

    inbox = tmp_path / "hs"
    cases = {
        "L2": dict(level=2, cong_nhan_truoc_muc_do="Mức độ 1", cong_nhan_truoc_so_qd="3/QĐ-UBND",
                   cong_nhan_truoc_ngay=date(2024, 12, 20)),
        "L2MET1": dict(level=2, so_dat_tc2_ct1=92, danh_gia_tc2_ct1="Không đạt", cong_nhan_truoc_muc_do="Mức độ 1",
                       cong_nhan_truoc_so_qd="3/QĐ-UBND", cong_nhan_truoc_ngay=date(2024, 12, 20)),
        "FAIL": dict(level=1, danh_gia_tc1_ct4="Không đạt"),
    }
    for code, changes in cases.items():
        values = complete(LAYOUT, "co_quan_nha_nuoc", changes.pop("level"), 100, ngay_bao_cao=date(2026, 1, 10),
                          ma_don_vi=code, ten_don_vi=f"Đơn vị {code}", **changes)
        fill_template(blank, inbox / f"{code}.xlsx", values)
    roster = tuple(Unit(c, f"Đơn vị {c}") for c in [*cases, "MISS"])
    result = run_batch(BatchOptions(input_dir=inbox, out_dir=tmp_path / "out", year=2025, rubric=RUBRIC,
                                    roster=roster, deadline=date(2026, 1, 14), today=TODAY, workers=1))
    units = {u.unit.code: u for u in result.resolution.units}
    verdicts = {code: result.verdicts.get(i) for i, code in enumerate(units)}
    assert {c: (u.status, verdicts[c].level if verdicts[c] else None) for c, u in units.items()} == {
        "L2": ("valid", 2), "L2MET1": ("valid", 1), "FAIL": ("valid", None), "MISS": ("missing", None)}
    assert verdicts["L2MET1"].unmet == ("tc2_ct1",) and verdicts["FAIL"].unmet == ("tc1_ct4",)


# ---- found by the hostile review of issues 11 and 12 ------------------------------------------

def test_a_template_of_the_other_tier_is_not_judged(tmp_path):
    huyen = build_level_layout(RUBRIC, "huyen")
    path = write_level_template(tmp_path / "Mau_huyen.xlsx", LevelTemplateRequest(huyen, load_settings(), 2025,
                                                                                     generated_at=FIXED_TIME))
    values = complete(huyen, "hoi", 1, 100, ngay_bao_cao=date(2026, 1, 10))
    _, found = findings(fill_template(path, tmp_path / "hs" / "h.xlsx", values))
    assert found == [(f"DVHT_meta!{LAYOUT.meta['tier'].a1}", "wrong-tier")]


def test_a_decision_before_the_circular_does_not_open_level_2(blank, tmp_path):
    _, found = findings(dossier(blank, tmp_path, level=2, cong_nhan_truoc_muc_do="Mức độ 1",
                                cong_nhan_truoc_so_qd="15/QĐ-UBND", cong_nhan_truoc_ngay=date(2023, 3, 1)))
    assert found == [(info("cong_nhan_truoc_ngay"), "level-not-eligible")]


def test_the_rate_in_a_message_is_never_rounded_up_to_the_threshold(blank, tmp_path):
    result, found = findings(dossier(blank, tmp_path, members=10000, so_dat_tc2_ct1=8999, so_dat_tc2_ct2=10000,
                                     so_dat_tc2_ct3=10000, so_dat_tc2_ct4=10000, so_dat_tc2_ct5=10000,
                                     so_dat_tc3_ct1=10000))
    assert found == [(cell("tc2_ct1", "self"), "judged-above-figures")]
    assert "89,9%" in result.issues[0].message


def test_a_grade_of_chua_dat_without_evidence_is_not_a_claim(blank, tmp_path):
    _, found = findings(dossier(blank, tmp_path, kind="thpt_cong_lap", learners=800,
                                danh_gia_tc3_ct4="Chưa đạt", minh_chung_tc3_ct4=None))
    assert found == []


def test_head_counts_with_thousands_separators(blank, tmp_path):
    result, found = findings(dossier(blank, tmp_path, kind="thpt_cong_lap", members=80, learners="1.000",
                                     so_dat_tc3_ct1=990))
    assert found == [] and result.levels.learners == 1000
