"""python -m bench.documents [N ...] [--workers W] [--dir DIR] [--profile]

Times write_documents (the five kinds of recognition document) for a made-up TT24 season of
N units (default 1000 and 10000): most units get a reply letter, the season-wide documents
list every unit. The documents have their own column in the end-to-end bench; this one
isolates them, so a change to the writer can be measured without generating workbooks.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from datetime import date
from pathlib import Path

from processor.model.council import Reason
from processor.model.rubric import load_rubric
from processor.model.settings import DocumentSettings, Issuer
from processor.report.documents import write_documents
from processor.report.dossier import DocItem, DocumentSet, DocUnit

GROUPS = ("Sở, ban, ngành", "Tổ chức chính trị - xã hội", "UBND xã, phường", "Trường học", "Đơn vị sự nghiệp")
SETTINGS = DocumentSettings(
    place="Bắc Ninh",
    province=Issuer(name="Ủy ban nhân dân tỉnh Bắc Ninh", symbol="UBND", head_title="Chủ tịch",
                    authority=("CHỦ TỊCH",)),
    department=Issuer(parent="Ủy ban nhân dân tỉnh Bắc Ninh", name="Sở Giáo dục và Đào tạo", symbol="SGDĐT",
                      head_title="Giám đốc", authority=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"), signer="Nguyễn Văn A"),
    council=Issuer(parent="Sở Giáo dục và Đào tạo", name="Hội đồng thẩm định “Đơn vị học tập”", symbol="HĐTĐ",
                   head_title="Chủ tịch", authority=("CHỦ TỊCH HỘI ĐỒNG",)),
)


def season(n: int) -> DocumentSet:
    """n units in turn: recommended at level 2, lowered to 1 (a reply with a reason), not
    recommended (two reasons and the council's view), dossier with errors (a reply listing
    them). Three in four units get a reply, as in the issue's measurement."""
    tier = load_rubric("tt24-2023").tier("tinh")
    items = tuple(DocItem(i.id, i.code, i.label) for i in tier.indicators)
    ok = {item.id: ("96%" if "tc2" in item.id else "Đạt") for item in items}
    units = []
    for i in range(n):
        kind = i % 4
        code, name, group = f"DV{i:05d}", f"Đơn vị học tập số {i + 1} huyện Thuận Thành", GROUPS[i % len(GROUPS)]
        reasons: tuple[Reason, ...] = ()
        if kind == 0:
            label, rank, reply, errors = "Mức độ 2", 2, False, ()
        elif kind == 1:
            label, rank, reply, errors = "Mức độ 1", 1, True, ()
            reasons = (Reason(items[3].id, items[3].code, items[3].text,
                              "Hội đồng xác định 46/50 thành viên đạt (92%), dưới ngưỡng 95% của mức độ 2.", True),)
        elif kind == 2:
            label, rank, reply, errors = "Không đề nghị công nhận", None, True, ()
            reasons = tuple(Reason(item.id, item.code, item.text, "Minh chứng là văn bản của năm 2023, "
                                   "không thuộc năm đánh giá.", True) for item in items[:2])
        else:
            label, rank, reply = "Không đề nghị công nhận", None, True
            errors = ("Trang “Chỉ tiêu”, ô F12: số thành viên đạt (60) lớn hơn tổng số thành viên (50).",
                      "Trang “Thông tin đơn vị”, ô C8: thiếu ngày báo cáo.")
        units.append(DocUnit(code=code, name=name, group=group, kind_label="Cơ quan nhà nước", asked_label="Mức độ 2",
                             self_label=label, label=label, rank=rank, reply=reply,
                             finality_label="Theo kết luận của Hội đồng", reasons=reasons,
                             council_reason="Hồ sơ chưa đủ minh chứng." if kind == 2 else "", errors=errors,
                             results={} if kind == 3 else ok))
    return DocumentSet(year=2025, kind="levels", legal_basis=load_rubric("tt24-2023").legal_basis,
                       ranks=((2, "Mức độ 2"), (1, "Mức độ 1")), items=items, units=tuple(units),
                       groups=tuple(sorted(GROUPS)), run_date=date(2026, 1, 20), deadline=date(2026, 1, 14))


def timed(n: int, profile: bool, where: Path | None = None, workers: int | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and the workers it forked) of one write_documents."""
    docs = season(n)
    with tempfile.TemporaryDirectory(dir=where) as tmp:
        folder = Path(tmp) / "van_ban"
        folder.mkdir()
        profiler = cProfile.Profile() if profile else None
        start, cpu = time.perf_counter(), _cpu()
        if profiler:
            profiler.enable()
        write_documents(docs, folder, SETTINGS, workers=workers)
        if profiler:
            profiler.disable()
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return seconds, cpu


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.documents", description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--profile", action="store_true", help="print the cProfile of each run")
    parser.add_argument("--workers", type=int, default=None, help="processes writing the letters (default: ours)")
    parser.add_argument("--dir", type=Path, default=None,
                        help="write into a temporary folder under DIR (default: the system's temporary folder)")
    args = parser.parse_args()
    for n in args.sizes:
        replies = sum(1 for u in season(n).units if u.reply)
        wall, cpu = timed(n, args.profile, args.dir, args.workers)
        print(f"{n} đơn vị ({replies} thư trả lời): {wall:.2f} s ({cpu:.2f} s CPU)", flush=True)


if __name__ == "__main__":
    main()
