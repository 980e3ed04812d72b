"""Realistic filled workbooks for the benchmark, written by our own template writers.

A mix like a real province: several groups, most files valid across the classes, some
with the errors units make (a score above its maximum, a score typed as text, evidence
missing, a missing date). Deterministic: file i is always the same unit and scores.

Thông tư 24/2023 files (rubric "tt24-2023") go to a second cache folder: the cấp tỉnh
unit kinds in turn, levels 1 and 2, most valid (some Không đạt), some with the TT24
mistakes (a count above the member count, "Đạt" without evidence or against the figures,
no member count, a level-2 request too soon after level 1).
"""

from __future__ import annotations

import csv
import os
import random
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from processor.model.layout import build_layout
from processor.model.level_layout import LevelLayout, build_level_layout
from processor.model.levels import IndicatorType
from processor.model.records import Unit
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.template.levels_writer import LevelTemplateRequest, write_level_template
from processor.template.writer import TemplateRequest, write_template

YEAR = 2025
GROUPS = ("Sở, ban, ngành", "Tổ chức chính trị - xã hội", "UBND xã, phường", "Trường học", "Đơn vị sự nghiệp")
FORMAT = "v1"  # bump when the generated files must change
TT22, TT24 = "tt22-2020", "tt24-2023"
RUBRICS = (TT22, TT24)
LEVELS_FORMAT = "tt24-v1"  # the Thông tư 24/2023 files' own cache folder; bump when they must change
TIER = "tinh"
DEADLINE = date(YEAR + 1, 1, 14)
TODAY = date(YEAR + 1, 1, 20)  # the run date of the TT24 measurements: after the deadline, fixed


def unit_for(i: int, rubric_id: str = TT22) -> Unit:
    group = GROUPS[i % len(GROUPS)]
    if rubric_id == TT24:
        kinds = load_rubric(TT24).kinds_of_tier(TIER)
        return Unit(code=f"T{i:06d}", name=f"Đơn vị học tập cấp tỉnh số {i:06d}", group=group,
                    email=f"dv{i}@example.invalid", kind=kinds[i % len(kinds)].id)
    return Unit(code=f"B{i:06d}", name=f"Đơn vị học tập số {i:06d}", group=group, email=f"dv{i}@example.invalid")


def values_for(i: int, rubric) -> dict:  # type: ignore[no-untyped-def]
    rng = random.Random(i)
    scores = {leaf.id: leaf.max for leaf in rubric.leaves}
    for _ in range(rng.randrange(0, 80)):  # take points away: every class appears
        leaf = rng.choice(rubric.leaves)
        scores[leaf.id] = max(0.0, scores[leaf.id] - rubric.step)
    values: dict = {f"diem_{k}": v for k, v in scores.items()}
    values.update({f"minh_chung_{leaf.id}": f"Quyết định số {rng.randrange(1, 999)}/QĐ ngày "
                   f"{rng.randrange(1, 28)}/{rng.randrange(1, 12)}/{YEAR} về {leaf.label[:40]}"
                   for leaf in rubric.leaves})
    unit = unit_for(i)
    values.update({"ten_don_vi": unit.name, "ma_don_vi": unit.code, "nam_danh_gia": YEAR,
                   "ngay_bao_cao": date(YEAR + 1, 1, 5) + timedelta(days=rng.randrange(0, 100)),
                   "so_bao_cao": f"{rng.randrange(1, 200)}/BC", "nguoi_ky": "Nguyễn Văn A",
                   "chuc_vu_nguoi_ky": "Thủ trưởng đơn vị", "kien_nghi": "Không",
                   "ton_tai_han_che": "Kinh phí cho học tập còn hạn chế.", "uu_diem": "Lãnh đạo quan tâm."})
    flaw = i % 20
    if flaw == 1:
        values["diem_3c"] = 10  # above its maximum: needs fixing
    elif flaw == 2:
        values["diem_1a"] = "7,5"  # number typed as text: a warning
    elif flaw == 3:
        values["minh_chung_2a"] = ""  # evidence missing: a warning
    elif flaw == 4:
        values["ngay_bao_cao"] = ""
    elif flaw == 5:
        values["diem_2b"] = None  # a score left empty: needs fixing
    return values


def level_values_for(i: int, layout: LevelLayout) -> dict:  # type: ignore[type-arg]
    """A TT24 dossier of unit i: every applicable indicator met at the level asked (with some
    margin), then, for some units, one mistake or one honest shortfall."""
    rng = random.Random(f"tt24-{i}")
    rubric, tier = layout.rubric, layout.tier
    unit = unit_for(i, TT24)
    kind = rubric.unit_kind(unit.kind)
    level = 2 if rng.random() < 0.4 else 1
    members = rng.randrange(20, 400)
    learners = rng.randrange(300, 9000) if kind.learners else None
    report = DEADLINE - timedelta(days=rng.randrange(1, 40))
    values: dict = {"ten_don_vi": unit.name, "ma_don_vi": unit.code, "nam_danh_gia": YEAR, "ngay_bao_cao": report,
                    "so_bao_cao": f"{rng.randrange(1, 200)}/BC", "nguoi_ky": "Nguyễn Văn A",
                    "chuc_vu_nguoi_ky": "Thủ trưởng đơn vị", "kien_nghi": "Không",
                    "muc_do_de_nghi": rubric.level(level).label, "so_thanh_vien": members}
    if learners is not None:
        values["so_nguoi_hoc"] = learners
    if level == 2:
        values.update(cong_nhan_truoc_muc_do=rubric.level(1).label, cong_nhan_truoc_so_qd="15/QĐ-UBND",
                      cong_nhan_truoc_ngay=date(YEAR - 1, rng.randrange(1, 12), rng.randrange(1, 28)))
    for ind in tier.applicable(level, kind):
        values[f"minh_chung_{ind.id}"] = (f"Quyết định số {rng.randrange(1, 999)}/QĐ ngày {rng.randrange(1, 28)}/"
                                          f"{rng.randrange(1, 12)}/{YEAR} về {ind.label[:40]}")
        if ind.type == IndicatorType.GRADE:
            values[f"danh_gia_{ind.id}"] = rubric.grade(ind.required[level]).label
            continue
        values[f"danh_gia_{ind.id}"] = "Đạt"
        if ind.type == IndicatorType.PERCENT:
            total = learners if ind.counts_learners(kind) and learners else members
            least = -(-ind.threshold(level, kind) * total // 100)
            values[f"so_dat_{ind.id}"] = min(total, least + rng.randrange(0, (total - least) // 2 + 1))
    flaw = i % 20
    if flaw == 1:
        values["so_dat_tc2_ct2"] = members + 5  # above the member count: needs fixing
    elif flaw == 2:
        values["minh_chung_tc1_ct1"] = ""  # "Đạt" without evidence: needs fixing
    elif flaw == 3:
        values["so_dat_tc2_ct5"] = members * 80 // 100  # "Đạt" against the figures: needs fixing
    elif flaw == 4:
        values["so_thanh_vien"] = None  # no member count: needs fixing
    elif flaw == 5 and level == 2:
        values["cong_nhan_truoc_ngay"] = report - timedelta(days=330)  # 11 months: a warning, capped at level 1
    elif flaw == 6:
        values["so_dat_tc2_ct1"], values["danh_gia_tc2_ct1"] = members * 85 // 100, "Không đạt"  # Không đạt
    return values


def _write(args: tuple[int, str, str]) -> None:
    i, folder, rubric_id = args
    unit = unit_for(i, rubric_id)
    path = Path(folder) / unit.group.split(",")[0].replace(" ", "_") / f"{unit.code}.xlsx"
    if path.exists():
        return
    if rubric_id == TT24:
        layout = build_level_layout(load_rubric(TT24), TIER)
        write_level_template(path, LevelTemplateRequest(layout, load_settings(), YEAR, unit=unit, unit_kind=unit.kind,
                                                        deadline=DEADLINE, values={
            k: v for k, v in level_values_for(i, layout).items() if v is not None}))
        return
    rubric = load_rubric(TT22)
    request = TemplateRequest(build_layout(rubric), load_settings(), YEAR, unit=unit, values=values_for(i, rubric))
    write_template(path, request)


def cache_folder(cache: Path, rubric_id: str) -> Path:
    """The folder of one rubric's corpus in the cache (its files, the subsets, the rosters)."""
    return cache / (LEVELS_FORMAT if rubric_id == TT24 else FORMAT)


def ensure_files(cache: Path, n: int, workers: int, rubric_id: str = TT22) -> Path:
    """cache/<format>/files holds files 0..n-1 of that rubric (generated once); returns that folder."""
    folder = cache_folder(cache, rubric_id) / "files"
    folder.mkdir(parents=True, exist_ok=True)
    existing = sum(1 for _ in folder.rglob("*.xlsx"))
    if existing < n:
        print(f"Tạo {n - existing} tệp mẫu ({rubric_id}) cho benchmark trong {folder} (chỉ lần đầu)...", flush=True)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_write, [(i, str(folder), rubric_id) for i in range(n)], chunksize=64))
    return folder


def subset(cache: Path, files: Path, n: int, rubric_id: str = TT22) -> tuple[Path, Path]:
    """A folder of the first n files (hard links, so nothing is copied) and its roster."""
    folder = cache_folder(cache, rubric_id) / f"n{n}"
    roster = cache_folder(cache, rubric_id) / f"roster_{n}.csv"
    if not folder.exists():
        tmp = folder.with_name(folder.name + ".tmp")
        for i in range(n):
            unit = unit_for(i, rubric_id)
            rel = Path(unit.group.split(",")[0].replace(" ", "_")) / f"{unit.code}.xlsx"
            (tmp / rel.parent).mkdir(parents=True, exist_ok=True)
            os.link(files / rel, tmp / rel)
        tmp.rename(folder)
    if not roster.exists():
        with roster.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["Mã đơn vị", "Tên đơn vị", "Nhóm", "Email", "Loại đơn vị"])
            for i in range(n + n // 50):  # a few roster units never report
                u = unit_for(i, rubric_id)
                writer.writerow([u.code, u.name, u.group, u.email, u.kind])
    return folder, roster
