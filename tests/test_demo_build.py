"""Both demo seasons built into a temporary folder and run through the batch (not published):
what the department sees of each unit and each file must stay what the scenario says.

The Thông tư 24/2023 season of 2025 is the default demo; the 2021 one runs under Thông tư
22/2020 with the Sở Nội vụ's own report (105 points, so Cần sửa)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from processor.demo.build import DEMO_MARK, build_demo, demo_scenario
from processor.model.batch import BatchOptions, BatchResult
from processor.model.errors import UsageError
from processor.model.rubric import load_rubric
from processor.model.statuses import Status
from processor.pipeline import run_batch


def run(root: Path, year: int | None) -> BatchResult:
    demo = build_demo(root / "du_lieu_mau", demo_scenario(year))
    options = BatchOptions(input_dir=demo.input_dir, out_dir=root / "ket_qua", year=demo.year,
                           rubric=load_rubric(demo.rubric), roster=demo.units, roster_path=demo.roster,
                           deadline=demo.deadline, workers=2, today=demo.run_date, tier=demo.tier)
    return run_batch(options)


@pytest.fixture(scope="module")
def tt24(tmp_path_factory) -> BatchResult:
    return run(tmp_path_factory.mktemp("demo24"), None)


@pytest.fixture(scope="module")
def tt22(tmp_path_factory) -> BatchResult:
    return run(tmp_path_factory.mktemp("demo22"), 2021)


def test_the_default_demo_is_the_tt24_season_of_2025():
    scenario = demo_scenario()
    assert (scenario.year, scenario.rubric, scenario.tier) == (2025, "tt24-2023", "tinh")
    assert (demo_scenario(2021).year, demo_scenario(2021).rubric) == (2021, "tt22-2020")


def test_a_year_without_a_demo_is_a_usage_error():
    with pytest.raises(UsageError, match="2021, 2025"):
        demo_scenario(2023)


VALID, TO_FIX, MISSING = Status.VALID, Status.TO_FIX, Status.MISSING


def test_tt24_demo_statuses_and_levels_per_unit(tt24):
    units = tt24.resolution.units
    assert {u.unit.code: u.status for u in units} == {
        "SGDDT": VALID, "SNV": VALID, "STC": VALID, "STP": TO_FIX, "SYT": TO_FIX, "SXD": TO_FIX, "SCT": TO_FIX,
        "SNNMT": TO_FIX, "SVHTTDL": VALID, "SKHCN": VALID, "THPTCBN": VALID, "THPTHT": VALID, "THPTLTT": VALID,
        "THPTTT1": VALID, "THPTYP1": TO_FIX, "THPTND": VALID, "THPTKB": VALID, "GDTXT": VALID, "GDTXTD": TO_FIX,
        "CDCN": VALID, "CDYT": VALID, "DHTDTT": VALID, "DHKB": VALID, "CTTL": VALID, "XSKT": MISSING, "HKH": VALID,
        "HCTD": VALID, "LHHKH": VALID, "TDTN": VALID, "HLHPN": MISSING,
    }
    asked = {u.unit.code: u.submission.levels.level_asked for i, u in enumerate(units) if i in tt24.verdicts}
    reached = {units[i].unit.code: (v.level, v.unmet, v.capped) for i, v in tt24.verdicts.items()}
    assert reached == {
        "SGDDT": (2, (), False),
        "SNV": (1, (), True),  # level 2 met, but its level-1 decision is 11 months old on the report date
        "STC": (1, (), False),  # the corrected file
        "SVHTTDL": (1, (), False),  # late: a warning, still judged
        "SKHCN": (1, ("tc2_ct1",), False),  # asked level 2, 93 % meet TC2.CT1
        "THPTCBN": (2, (), False),
        "THPTHT": (1, ("tc3_ct4",), False),  # digital transformation grade of level 1 only
        "THPTLTT": (1, (), False), "THPTTT1": (1, (), False), "THPTND": (1, (), False),
        "THPTKB": (None, ("tc3_ct1",), False),  # 91 % of learners "Công dân học tập", a school needs 95 %
        "GDTXT": (1, (), False),
        # its decision of 28/12/2023 is from before the circular: no level-1 recognition (recognitions_from)
        "CDCN": (1, (), True), "CDYT": (1, (), False), "DHTDTT": (1, (), False), "DHKB": (2, (), False),
        "CTTL": (None, ("tc2_ct5",), False),  # 84 % "Lao động tiên tiến"
        "HKH": (2, (), False),
        "HCTD": (None, ("tc3_ct3",), False),  # no "Tập thể lao động tiên tiến"
        "LHHKH": (1, (), False), "TDTN": (2, (), False),
    }
    assert {code for code, level in asked.items() if level == 2} == {
        "SGDDT", "SNV", "SKHCN", "THPTCBN", "THPTHT", "CDCN", "DHKB", "HKH", "TDTN"}


def test_tt24_demo_findings_per_file(tt24):
    res = tt24.resolution
    found = {f.rel: (res.outcome[f.rel], [(i.code, i.sheet, i.cell) for i in f.issues]) for f in res.files
             if f.issues or res.outcome[f.rel] != "used"}
    info, selfj = "Thông tin đơn vị", "Tự đánh giá"
    assert found == {
        "Co_so_giao_duc/CDCN_DVHT_2025.xlsx": ("used", [("level-not-eligible", info, "B19")]),
        "Co_so_giao_duc/GDTXTD_DVHT_2025.xlsx": ("needs_fix", [("kind-differs", info, "B13")]),
        "Co_so_giao_duc/THPTYP1_DVHT_2025.xlsx": ("needs_fix", [("learners-missing", info, "B16")]),
        "Hoi_doan_the/Ho so gui lai (ban loi).xlsx": ("unreadable", [("file-unreadable", "", "")]),
        "So_ban_nganh/SCT_DVHT_2025.xlsx": ("needs_fix", [("members-missing", info, "B15")]),
        # a TT22 form in this TT24 year: credited to its unit (the shared identity cells), to be fixed
        "So_ban_nganh/SNNMT_DVHT_2025.xlsx": ("needs_fix", [("wrong-circular", "DVHT_meta", "B2")]),
        "So_ban_nganh/SNV_DVHT_2025.xlsx": ("used", [("level-not-eligible", info, "B19")]),
        "So_ban_nganh/STC_DVHT_2025_lan1.xlsx": ("superseded", [("count-missing", selfj, "D14")]),
        "So_ban_nganh/STP_DVHT_2025.xlsx": ("needs_fix", [("judged-without-evidence", selfj, "G7")]),
        "So_ban_nganh/SVHTTDL_DVHT_2025.xlsx": ("used", [("late", info, "B7")]),
        "So_ban_nganh/SXD_DVHT_2025.xlsx": ("needs_fix", [("count-above-total", selfj, "D13")]),
        "So_ban_nganh/SYT_DVHT_2025.xlsx": ("needs_fix", [("judged-above-figures", selfj, "F16")]),
    }
    assert len(res.files) == 30  # 28 units sent a file, one of them twice, plus the broken one
    skipped = {f.rel: f.skip_reason for f in tt24.found if f.skip_reason}
    assert sorted(skipped) == ["Co_so_giao_duc/~$THPTCBN_DVHT_2025.xlsx", "Cong_van_nhac_nop.pdf"]


def test_tt24_demo_units_are_the_provinces_cap_tinh_kinds(tt24):
    kinds = {u.unit.kind for u in tt24.resolution.units}
    assert kinds == {"co_quan_nha_nuoc", "thpt_cong_lap", "thpt_tu_thuc", "trung_tam_gdtx", "nghe_nghiep_cong_lap",
                     "dai_hoc_cong_lap", "dai_hoc_tu_thuc", "doanh_nghiep_nha_nuoc", "hoi",
                     "to_chuc_chinh_tri_xa_hoi"}
    assert tt24.options.today.isoformat() == "2026-01-20" and tt24.options.deadline.isoformat() == "2026-01-14"


def test_tt22_demo_of_2021_gives_105_and_can_sua(tt22):
    units = tt22.resolution.units
    snv = next(i for i, u in enumerate(units) if u.unit.code == "SNV")
    assert (tt22.options.year, tt22.options.rubric.id) == (2021, "tt22-2020")
    assert units[snv].status == Status.TO_FIX
    assert tt22.scores.loc[snv, "total"] == 105
    assert [(i.code, i.cell) for i in units[snv].submission.issues if i.severity.value == "error"] == [
        ("score-above-max", "D25")]
    assert [u.unit.code for u in units if u.status == Status.MISSING] == ["HCCB", "X017"]


def test_everything_the_demo_writes_is_under_its_own_folder(tmp_path):
    outside = {p for p in tmp_path.parent.iterdir()}
    root = tmp_path / "du_lieu_mau"
    demo = build_demo(root, demo_scenario())
    assert {p for p in tmp_path.parent.iterdir()} == outside
    assert (root / DEMO_MARK).is_file() and demo.input_dir == root / "ho_so"
    written = sorted(os.path.relpath(p, root) for p in root.rglob("*") if p.is_file())
    top = [w for w in written if "/" not in w]
    assert top == [DEMO_MARK, "danh_sach_don_vi_tt24.csv", "quyet_dinh_truoc.csv"] and all(
        w.startswith("ho_so/") for w in written if "/" in w)
    assert not (root / "mau").exists()  # the templates it filled are its own scratch


def test_the_demo_never_deletes_a_folder_it_did_not_make(tmp_path):
    from processor.model.errors import OutputError

    precious = tmp_path / "du_lieu_mau"
    precious.mkdir()
    (precious / "ho_so_that.xlsx").write_bytes(b"x")
    with pytest.raises(OutputError, match="không do bản chạy thử tạo"):
        build_demo(precious, demo_scenario())
    assert (precious / "ho_so_that.xlsx").read_bytes() == b"x"
