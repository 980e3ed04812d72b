"""Hand-built DocumentSets for the document tests and the README picture of the decision.

The indicators and leaves (codes and wording) come from the real rubrics, so the summary
table has the width it has in a real season; every unit, result and reason is made up here.
"""

from __future__ import annotations

from datetime import date

from processor.model.council import Reason
from processor.model.rubric import load_rubric
from processor.report.dossier import DocItem, DocumentSet, DocUnit

RUN_DATE = date(2026, 1, 20)
COUNCIL = "Theo kết luận của Hội đồng"
VERIFIED = "Theo số liệu đã thẩm định"
NOT_RECOMMENDED = "Không đề nghị công nhận"


def level_items() -> tuple[DocItem, ...]:
    tier = load_rubric("tt24-2023").tier("tinh")
    return tuple(DocItem(i.id, i.code, i.label) for i in tier.indicators)


def _results(items: tuple[DocItem, ...], **overrides: str) -> dict[str, str]:
    values = {item.id: ("96%" if "tc2" in item.id else "Đạt") for item in items}
    values.update(overrides)
    return values


def unit(code: str, name: str, *, group: str = "Sở, ban, ngành", asked: str = "Mức độ 2", label: str = "Mức độ 2",
         rank: int | None = 2, reply: bool = False, reasons: tuple[Reason, ...] = (), council_reason: str = "",
         errors: tuple[str, ...] = (), results: dict[str, str] | None = None, total: str = "",
         self_label: str = "", finality: str = VERIFIED) -> DocUnit:
    return DocUnit(code=code, name=name, group=group, kind_label="Cơ quan nhà nước, cơ quan Đảng, Mặt trận",
                   asked_label=asked, self_label=self_label or label, label=label, rank=rank, reply=reply,
                   finality_label=finality, reasons=reasons, council_reason=council_reason, errors=errors,
                   results=results or {}, total=total)


def levels_set(*extra: DocUnit) -> DocumentSet:
    """TT24, year 2025: two units at level 2, one at level 1, one lowered from 2 to 1, one not
    recommended with two reasons, one whose dossier still has errors."""
    items = level_items()
    ok = _results(items)
    units = (
        unit("S01", "Sở Tư pháp tỉnh Bắc Ninh", results=ok),
        unit("S02", "Trường THPT chuyên Bắc Ninh", group="Trường học", results=ok),
        unit("S03", "Trung tâm Giáo dục thường xuyên tỉnh", group="Trường học", asked="Mức độ 1", label="Mức độ 1",
             rank=1, results=_results(items, tc2_ct1="91%")),
        unit("S04", "Sở Nội vụ tỉnh Bắc Ninh", label="Mức độ 1", rank=1, reply=True,
             results=_results(items, tc2_ct4="92%"), finality=VERIFIED,
             reasons=(Reason("tc2_ct4", "TC2.CT4", _text(items, "tc2_ct4"),
                             "Hội đồng xác định 46/50 thành viên đạt (92%), dưới ngưỡng 95% của mức độ 2.", True),)),
        unit("S05", "Hội Khuyến học tỉnh Bắc Ninh", group="Hội, đoàn thể", label=NOT_RECOMMENDED, rank=None, reply=True,
             results=_results(items, tc1_ct1="Không đạt", tc3_ct2="Không đạt"), finality=COUNCIL,
             reasons=(Reason("tc1_ct1", "TC1.CT1", _text(items, "tc1_ct1"),
                             "Kế hoạch năm 2025 không có nội dung học tập thường xuyên của thành viên.", True),
                      Reason("tc3_ct2", "TC3.CT2", _text(items, "tc3_ct2"),
                             "Minh chứng là văn bản của năm 2023, không thuộc năm đánh giá.", True)),
             council_reason="Hồ sơ chưa đủ minh chứng cho hai chỉ tiêu nêu trên."),
        unit("S06", "Công ty TNHH MTV Xổ số kiến thiết Bắc Ninh", group="Doanh nghiệp", label=NOT_RECOMMENDED,
             rank=None, reply=True, finality="Hồ sơ còn lỗi", results={},
             errors=("Trang “Chỉ tiêu”, ô F12: số thành viên đạt (60) lớn hơn tổng số thành viên (50).",
                     "Trang “Thông tin đơn vị”, ô C8: thiếu ngày báo cáo.")),
        *extra,
    )
    return DocumentSet(year=2025, kind="levels", legal_basis=load_rubric("tt24-2023").legal_basis,
                       ranks=((2, "Mức độ 2"), (1, "Mức độ 1")), items=items, units=units,
                       groups=("Doanh nghiệp", "Hội, đoàn thể", "Sở, ban, ngành", "Trường học"),
                       run_date=RUN_DATE, deadline=date(2026, 1, 14))


def _text(items: tuple[DocItem, ...], item_id: str) -> str:
    return next(item.text for item in items if item.id == item_id)


def points_set() -> DocumentSet:
    """TT22, year 2021: units by class (Tốt, Khá), one Không đạt with a lowered leaf."""
    rubric = load_rubric("tt22-2020")
    items = tuple(DocItem(leaf.id, leaf.id, leaf.label) for leaf in rubric.leaves)
    full = {leaf.id: f"{leaf.max:g}" for leaf in rubric.leaves}
    units = (
        unit("P01", "Sở Nội vụ tỉnh Bắc Giang", asked="", label="Tốt", rank=1, results=full, total="100"),
        unit("P02", "Sở Tài chính tỉnh Bắc Giang", asked="", label="Khá", rank=2,
             results={**full, "1a": "0", "2b": "0"}, total="80"),
        unit("P03", "Ban Dân tộc tỉnh Bắc Giang", asked="", label="Tốt", rank=1, results=full, total="100"),
        unit("P04", "Liên minh Hợp tác xã tỉnh Bắc Giang", asked="", label="Không đạt", rank=None, reply=True,
             results={leaf.id: "0" for leaf in rubric.leaves}, total="40",
             reasons=(Reason("3c", "3c", next(leaf.label for leaf in rubric.leaves if leaf.id == "3c"),
                             "Không có minh chứng; Hội đồng chấm 0 điểm.", True),)),
    )
    return DocumentSet(year=2021, kind="points", legal_basis=rubric.legal_basis,
                       ranks=((1, "Tốt"), (2, "Khá"), (3, "Trung bình")), items=items, units=units, groups=(),
                       run_date=date(2022, 2, 10), deadline=date(2022, 3, 31))
