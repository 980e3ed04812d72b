"""Realistic filled workbooks for the benchmark, written by our own template writer.

A mix like a real province: several groups, most files valid across the classes, some
with the errors units make (a score above its maximum, a score typed as text, evidence
missing, a missing date). Deterministic: file i is always the same unit and scores.
"""

from __future__ import annotations

import csv
import os
import random
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from processor.model.layout import build_layout
from processor.model.records import Unit
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.template.writer import TemplateRequest, write_template

YEAR = 2025
GROUPS = ("Sở, ban, ngành", "Tổ chức chính trị - xã hội", "UBND xã, phường", "Trường học", "Đơn vị sự nghiệp")
FORMAT = "v1"  # bump when the generated files must change


def unit_for(i: int) -> Unit:
    group = GROUPS[i % len(GROUPS)]
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


def _write(args: tuple[int, str]) -> None:
    i, folder = args
    rubric = load_rubric()
    unit = unit_for(i)
    path = Path(folder) / unit.group.split(",")[0].replace(" ", "_") / f"{unit.code}.xlsx"
    if path.exists():
        return
    request = TemplateRequest(build_layout(rubric), load_settings(), YEAR, unit=unit, values=values_for(i, rubric))
    write_template(path, request)


def ensure_files(cache: Path, n: int, workers: int) -> Path:
    """cache/<FORMAT>/files holds files 0..n-1 (generated once); returns that folder."""
    folder = cache / FORMAT / "files"
    folder.mkdir(parents=True, exist_ok=True)
    existing = sum(1 for _ in folder.rglob("*.xlsx"))
    if existing < n:
        print(f"Tạo {n - existing} tệp mẫu cho benchmark trong {folder} (chỉ lần đầu)...", flush=True)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_write, [(i, str(folder)) for i in range(n)], chunksize=64))
    return folder


def subset(cache: Path, files: Path, n: int) -> tuple[Path, Path]:
    """A folder of the first n files (hard links, so nothing is copied) and its roster."""
    folder = cache / FORMAT / f"n{n}"
    roster = cache / FORMAT / f"roster_{n}.csv"
    if not folder.exists():
        tmp = folder.with_name(folder.name + ".tmp")
        for i in range(n):
            unit = unit_for(i)
            rel = Path(unit.group.split(",")[0].replace(" ", "_")) / f"{unit.code}.xlsx"
            (tmp / rel.parent).mkdir(parents=True, exist_ok=True)
            os.link(files / rel, tmp / rel)
        tmp.rename(folder)
    if not roster.exists():
        with roster.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["Mã đơn vị", "Tên đơn vị", "Nhóm", "Email"])
            for i in range(n + n // 50):  # a few roster units never report
                u = unit_for(i)
                writer.writerow([u.code, u.name, u.group, u.email])
    return folder, roster
