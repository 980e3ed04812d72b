"""The Thông tư 24/2023 demo season: a province's cấp tỉnh units fill their per-unit templates.

Each unit's figures are drawn (deterministically, per unit code) to meet the level it asks
for, then the unit's mistake from scenario_tt24.yaml is applied: the ones every season has
(a late file, a resubmission, a file cut off in transit) and the ones TT24 brings (a level-2
request too soon after level 1, "Đạt" without evidence or against the figures, head counts
missing or exceeded, a kind other than the roster's, last circular's template).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from processor.demo.extras import write_extras
from processor.model.layout import build_layout
from processor.model.level_layout import LevelLayout, build_level_layout
from processor.model.levels import Indicator, IndicatorType, LevelRubric, UnitKind
from processor.model.records import Unit
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.template.distribute import unit_template_name
from processor.template.filler import fill_template, submission_values
from processor.template.levels_writer import LevelTemplateRequest, level_texts, write_level_template
from processor.template.writer import TemplateRequest, write_template
from processor.text.dates import parse_vn_date
from processor.text.normalise import strip_diacritics

TT22_RUBRIC = "tt22-2020"


@dataclass
class _Dossier:
    unit: Unit
    values: dict[str, Any]  # defined name -> value, None: left blank
    folder: str
    file_name: str
    template: str = "unit"  # "unit": the unit's own template, "blank": the blank one, "tt22": last circular's
    kind: str = ""  # the kind the unit chooses (blank template)
    extra: dict[str, Any] = field(default_factory=dict)


def level_kind_reader(rubric: LevelRubric, tier: str) -> Callable[[str], str | None]:
    """A roster's "Loại đơn vị" cell (label, short label or id) -> the kind's id in that tier."""
    def kind_of(text: str) -> str | None:
        kind = rubric.kind_by_label(text)
        return kind.id if kind is not None and tier in kind.tiers else None
    return kind_of


def build_level_filings(scenario: dict[str, Any], rubric: LevelRubric, tier: str, units: list[Unit],
                        input_dir: Path, templates: Path, deadline: date) -> None:
    year = int(scenario["year"])
    layout = build_level_layout(rubric, tier)
    sent = parse_vn_date(scenario["templates_sent"])
    assert sent is not None
    generated_at = datetime(sent.year, sent.month, sent.day, 8, 0, tzinfo=UTC)
    settings = load_settings()
    plans: dict[str, dict[str, Any]] = scenario["units"]
    said = level_texts()["self"]  # the self-judgement choices, worded as the template words them
    yes_no = (str(said["met"]), str(said["not_met"]))
    dossiers = [_dossier(u, plans[u.code], scenario, layout, yes_no[0]) for u in units if u.code in plans]
    dossiers = _apply_flaws(dossiers, {u.code: plans[u.code] for u in units if u.code in plans}, layout, year,
                            yes_no)

    def template_for(d: _Dossier) -> Path:
        if d.template == "tt22":
            path = templates / "tt22" / unit_template_name(d.unit)
            write_template(path, TemplateRequest(build_layout(load_rubric(TT22_RUBRIC)), settings, year, unit=d.unit,
                                                 generated_at=generated_at))
            return path
        unit = d.unit if d.template == "unit" else None
        path = templates / (unit_template_name(unit) if unit else f"Mau_DVHT_{year}.xlsx")
        if not path.exists():
            write_level_template(path, LevelTemplateRequest(layout, settings, year, unit=unit,
                                                            unit_kind=unit.kind if unit else "",
                                                            generated_at=generated_at, deadline=deadline))
        return path

    for d in dossiers:
        values = {k: v for k, v in d.values.items() if v is not None}
        if d.template == "unit":  # code, name and kind are locked in a per-unit template
            for key in ("ma_don_vi", "ten_don_vi", "loai_don_vi"):
                values.pop(key, None)
        fill_template(template_for(d), input_dir / d.folder / d.file_name, values)

    write_extras(input_dir, lock_of=input_dir / "Co_so_giao_duc" / f"THPTCBN_DVHT_{year}.xlsx",
                 broken_from=input_dir / "Hoi_doan_the" / f"LHHKH_DVHT_{year}.xlsx",
                 broken=input_dir / "Hoi_doan_the" / "Ho so gui lai (ban loi).xlsx")


def _dossier(unit: Unit, plan: dict[str, Any], scenario: dict[str, Any], layout: LevelLayout, yes: str) -> _Dossier:
    """A complete, correct dossier for the level the unit asks for."""
    rubric = layout.rubric
    year = int(scenario["year"])
    rng = random.Random(f"dvht-demo-tt24-{unit.code}")
    abbr = strip_diacritics(unit.code).upper()
    kind = rubric.unit_kind(unit.kind)
    level = int(plan["muc_do"])
    size = scenario["sizes"][kind.id]
    members = rng.randint(*size["thanh_vien"])
    learners = rng.randint(*size["nguoi_hoc"]) if kind.learners else None
    start = parse_vn_date(scenario["reports_from"])
    assert start is not None
    report_day = parse_vn_date(plan["ngay_bao_cao"]) if plan.get("ngay_bao_cao") else \
        start + timedelta(days=rng.randrange(0, int(scenario["reports_days"])))

    def fill(text: str) -> str:  # documents of the year, dated before the report (January–November)
        day = date(year, rng.randrange(1, 12), rng.randrange(1, 28))
        return text.format(so=rng.randrange(12, 480), ngay=day.strftime("%d/%m/%Y"), nam=year, don_vi=unit.name,
                           viet_tat=abbr)

    titles = scenario["signers"].get(unit.group, ["Thủ trưởng đơn vị"])
    values: dict[str, Any] = {
        "ten_don_vi": unit.name, "ma_don_vi": unit.code, "nam_danh_gia": year,
        "so_bao_cao": f"{rng.randrange(5, 120)}/BC-{abbr}", "ngay_bao_cao": report_day,
        "nguoi_ky": rng.choice(scenario["signer_names"]), "chuc_vu_nguoi_ky": rng.choice(titles),
        "nguoi_lien_he": unit.contact, "dien_thoai": f"0222 3{rng.randrange(100000, 999999)}", "email": unit.email,
        "loai_don_vi": kind.label, "muc_do_de_nghi": rubric.level(level).label, "so_thanh_vien": members,
        "so_nguoi_hoc": learners,
    }
    if plan.get("cong_nhan_truoc"):
        values.update(cong_nhan_truoc_muc_do=rubric.level(1).label, cong_nhan_truoc_ngay=parse_vn_date(
            plan["cong_nhan_truoc"]), cong_nhan_truoc_so_qd=f"{rng.randrange(100, 2400)}/QĐ-UBND")
    for row in layout.indicator_rows:
        ind = row.indicator
        if not (ind.applies(kind, level) and ind.id in layout.tier.level_indicators[level]):
            continue  # not the unit's indicator: left blank, as the template shows it
        values[f"minh_chung_{ind.id}"] = fill(scenario["evidence"][ind.id])
        if ind.type == IndicatorType.GRADE:
            values[f"danh_gia_{ind.id}"] = rubric.grade(ind.required[level] if rng.random() < 0.4 else "tot").label
            continue
        values[f"danh_gia_{ind.id}"] = yes
        if ind.type == IndicatorType.PERCENT:
            values[f"so_dat_{ind.id}"] = _count_meeting(ind, level, kind, members, learners, rng)
    for key, options in scenario["narrative"].items():
        values[key] = fill(rng.choice(options))
    folder = scenario["folders"][unit.group]
    return _Dossier(unit, values, folder, f"{abbr}_DVHT_{year}.xlsx")


def _count_meeting(ind: Indicator, level: int, kind: UnitKind, members: int, learners: int | None,
                   rng: random.Random) -> int:
    """A count at or above the level's threshold (the integer rule: 100 × count ≥ threshold × total)."""
    total = learners if ind.counts_learners(kind) and learners else members
    least = math.ceil(ind.threshold(level, kind) * total / 100)
    return min(total, least + rng.randrange(0, max(1, (total - least) // 2 + 1)))


def _share(ind: Indicator, kind: UnitKind, values: dict[str, Any], percent: int) -> int:
    """The count that is percent % of the indicator's total, rounded down."""
    total = values["so_nguoi_hoc"] if ind.counts_learners(kind) else values["so_thanh_vien"]
    return int(total * percent // 100)


def _apply_flaws(dossiers: list[_Dossier], plans: dict[str, dict[str, Any]], layout: LevelLayout,
                 year: int, yes_no: tuple[str, str]) -> list[_Dossier]:
    tier = layout.tier
    yes, no = yes_no
    extra: list[_Dossier] = []

    def share(d: _Dossier, indicator: str, percent: int) -> int:
        return _share(tier.indicator(indicator), layout.rubric.unit_kind(d.unit.kind), d.values, percent)

    def eleven_months(d: _Dossier) -> None:  # the decision date and report date in the scenario: 11 months
        pass

    def only_level_1(d: _Dossier) -> None:  # asks level 2, 93% meet TC2.CT1 (level 2 needs 95%): it says so
        d.values["so_dat_tc2_ct1"] = share(d, "tc2_ct1", 93)
        d.values["danh_gia_tc2_ct1"] = no

    def no_evidence(d: _Dossier) -> None:
        d.values["minh_chung_tc1_ct2"] = None

    def against_figures(d: _Dossier) -> None:  # 88% earned "Lao động tiên tiến", judged "Đạt" for level 1 (90%)
        d.values["so_dat_tc2_ct5"] = share(d, "tc2_ct5", 88)

    def above_total(d: _Dossier) -> None:  # counted the contract staff, who are not in the member count
        d.values["so_dat_tc2_ct2"] = d.values["so_thanh_vien"] + 12

    def no_members(d: _Dossier) -> None:
        d.values["so_thanh_vien"] = None

    def no_learners(d: _Dossier) -> None:
        d.values["so_nguoi_hoc"] = None

    def grade_below(d: _Dossier) -> None:  # asks level 2, its digital transformation grade is level 1's
        d.values["danh_gia_tc3_ct4"] = layout.rubric.grade("co_ban").label

    def learners_not_met(d: _Dossier) -> None:  # honest: 91% "Công dân học tập", a school needs 95%
        d.values["so_dat_tc3_ct1"] = share(d, "tc3_ct1", 91)
        d.values["danh_gia_tc3_ct1"] = no

    def workers_not_met(d: _Dossier) -> None:  # honest: 84% "Lao động tiên tiến"
        d.values["so_dat_tc2_ct5"] = share(d, "tc2_ct5", 84)
        d.values["danh_gia_tc2_ct5"] = no

    def no_collective_title(d: _Dossier) -> None:  # honest: no "Tập thể lao động tiên tiến" this year
        d.values["danh_gia_tc3_ct3"] = no
        d.values["minh_chung_tc3_ct3"] = None

    def other_kind(d: _Dossier) -> None:  # filled the blank template, chose the vocational centre's kind
        d.template = "blank"
        d.values["loai_don_vi"] = layout.rubric.unit_kind("nghe_nghiep_cong_lap").label
        d.values["so_dat_tc3_ct4"] = None  # the kind chosen has no digital transformation grade
        d.values["danh_gia_tc3_ct6"] = yes
        d.values["minh_chung_tc3_ct6"] = "Giấy chứng nhận kiểm định chất lượng số 18/GCN-KĐCL ngày 12/06/2024"
        d.values.pop("danh_gia_tc3_ct4", None)
        d.values.pop("minh_chung_tc3_ct4", None)

    def tt22_template(d: _Dossier) -> None:  # last year's habit: the TT22 template, scored out of 100
        d.template = "tt22"
        rubric = load_rubric(TT22_RUBRIC)
        kept = {k: d.values[k] for k in ("nam_danh_gia", "so_bao_cao", "ngay_bao_cao", "nguoi_ky",
                                         "chuc_vu_nguoi_ky", "nguoi_lien_he", "dien_thoai", "email")}
        d.values = {**submission_values(kept, {leaf.id: leaf.max for leaf in rubric.leaves}),
                    **{k: v for k, v in d.values.items() if k in {"ket_qua_thuc_hien", "uu_diem", "kien_nghi"}}}

    def resubmitted(d: _Dossier) -> None:  # the first file left TC2.CT3 blank; the corrected one came later
        first = replace(d, values={**d.values, "so_dat_tc2_ct3": None, "ngay_bao_cao": date(year + 1, 1, 5)},
                        file_name=d.file_name.replace(".xlsx", "_lan1.xlsx"))
        d.values["ngay_bao_cao"] = date(year + 1, 1, 12)
        d.file_name = d.file_name.replace(".xlsx", "_lan2_da_sua.xlsx")
        extra.append(first)

    flaws: dict[str, Callable[[_Dossier], None]] = {
        "quyet_dinh_chua_du_12_thang": eleven_months, "chi_dat_muc_do_1": only_level_1,
        "dat_khong_minh_chung": no_evidence, "dat_trai_so_lieu": against_figures,
        "so_dat_vuot_tong_so": above_total, "thieu_tong_so_thanh_vien": no_members,
        "thieu_so_nguoi_hoc": no_learners, "chuyen_doi_so_duoi_muc_de_nghi": grade_below,
        "khong_dat_cong_dan_hoc_tap": learners_not_met, "khong_dat_lao_dong_tien_tien": workers_not_met,
        "chua_dat_tap_the_tien_tien": no_collective_title, "loai_don_vi_khac_danh_sach": other_kind,
        "mau_thong_tu_22": tt22_template, "nop_lai": resubmitted,
    }
    for d in dossiers:
        flaw = plans[d.unit.code].get("sai_sot")
        if flaw:
            flaws[flaw](d)
    return [*dossiers, *extra]
