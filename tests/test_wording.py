"""Issue 16.6 (wording): "Lưu ý" instead of "Không được làm", the circular's own criterion texts
and numbering, and templates of the earlier format version keep being accepted as they were."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from processor.model.batch import BatchOptions
from processor.model.layout import (
    COL_LABEL,
    COL_TT,
    FIRST_CRITERION_ROW,
    SHEET_GUIDE,
    SHEET_META,
    SHEET_SCORES,
    build_layout,
    known_format_versions,
)
from processor.model.level_layout import COL_CODE, LEVELS_FORMAT_VERSION, build_level_layout
from processor.model.rubric import load_rubric
from processor.pipeline import run_batch
from processor.report.publish import publish
from processor.report.summary import summarise
from processor.template.levels_writer import LevelTemplateRequest, write_level_template
from tests.conftest import FIXED_TIME

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Điều 5 Thông tư 22/2020/TT-BGDĐT: khoản 1., 2., 3.; điểm a), b), c), d); the qualities of a
# "Công dân học tập" under điểm a khoản 3 are dashes, not numbered.
CIRCULAR_TT = ["1.", "a)", "b)", "c)", "2.", "a)", "b)", "c)", "d)", "3.", "a)",
               "-", "-", "-", "-", "-", "-", "-", "-", "b)", "c)"]
CIRCULAR_LABELS = [
    "Các điều kiện để xây dựng Đơn vị học tập",
    "Đơn vị có chủ trương hoặc kế hoạch cho thành viên học tập thường xuyên",
    "Đơn vị có các quy định cụ thể nhằm động viên thành viên học tập",
    "Đơn vị quan tâm đầu tư các nguồn lực, bao gồm tài chính, cơ sở vật chất, trang thiết bị và những "
    "điều kiện đảm bảo để đáp ứng nhu cầu học tập của thành viên",
    "Về kết quả học tập của thành viên",
    "100% thành viên trong đơn vị có kế hoạch tự học, tự bồi dưỡng hằng năm được lãnh đạo đơn vị phê duyệt",
    "100% thành viên trong đơn vị tuân thủ kỷ luật lao động, nội quy làm việc trong đơn vị, có tinh thần "
    "hợp tác, đoàn kết và trao đổi",
    "100% thành viên trong đơn vị hoàn thành đầy đủ chương trình học tập, bồi dưỡng bắt buộc theo quy định "
    "của nhà nước",
    '100% thành viên trong đơn vị đạt danh hiệu "Lao động tiên tiến" trở lên',
    "Đánh giá hiệu quả, tác động của xây dựng Đơn vị học tập",
    "100% thành viên trong đơn vị đáp ứng đầy đủ các năng lực và phẩm chất của Công dân học tập",
    "Có ý thức tuân thủ pháp luật; thực hiện quyền và trách nhiệm công dân đối với gia đình, xã hội",
    "Có cam kết học tập suốt đời để phát triển bản thân",
    "Có ý thức tổ chức việc học tập trong gia đình, dòng họ, cộng đồng",
    "Có lối sống lành mạnh, tôn trọng và hoà hợp với môi trường",
    "Biết sử dụng ngoại ngữ và công nghệ thông tin đáp ứng yêu cầu công việc",
    "Có tư duy phản biện, sáng tạo, tính chủ động và kỹ năng giải quyết vấn đề",
    "Tôn trọng và thực hiện bình đẳng giới",
    "Hiểu rõ, trân trọng sự đa dạng văn hoá và có cách ứng xử văn hoá phù hợp",
    'Đơn vị đạt từ danh hiệu "Tập thể lao động tiên tiến" trở lên',
    "Góp phần tạo lập môi trường chia sẻ tri thức với các đơn vị khác",
]
# What templates of format 1 printed (the checked-in fixture was written by that writer).
FORMAT_1_TT = ["1", "1a", "1b", "1c", "2", "2a", "2b", "2c", "2d", "3", "3a",
               "3a1", "3a2", "3a3", "3a4", "3a5", "3a6", "3a7", "3a8", "3b", "3c"]
FORMAT_1_LABELS = [
    *CIRCULAR_LABELS[:1],
    "Đơn vị có chủ trương hoặc kế hoạch cho thành viên học tập (thường xuyên)",
    "Đơn vị có các quy định cụ thể nhằm động viên (thành viên) học tập",
    *CIRCULAR_LABELS[3:],
]
GUIDE_NOTES_TT22 = [
    "Lưu ý",
    "– Đề nghị giữ nguyên tên, số lượng và thứ tự các trang tính.",
    "– Đề nghị không dán đè lên các ô có công thức và không tự nhập điểm nhóm, tổng điểm; các ô này "
    "được tính tự động.",
    "– Đề nghị không sửa nội dung tiêu chí và điểm tối đa.",
    "– Đề nghị không đặt mật khẩu mở tệp và không chuyển tệp sang PDF hoặc Word.",
]
GUIDE_NOTES_TT24 = [
    "Lưu ý",
    "– Đề nghị giữ nguyên tên, số lượng và thứ tự các trang tính.",
    "– Đề nghị không dán đè lên các ô có công thức và không tự nhập tỷ lệ, kết quả; các ô này được "
    "tính tự động.",
    "– Đề nghị không sửa nội dung tiêu chí, chỉ tiêu và yêu cầu.",
    "– Đề nghị không đặt mật khẩu mở tệp và không chuyển tệp sang PDF hoặc Word.",
]


def _column(ws, col: int, rows: int) -> list[str]:
    return [ws.cell(FIRST_CRITERION_ROW + 1 + i, col + 1).value for i in range(rows)]


def _guide_notes(path: Path) -> list[str]:
    texts = [c for row in openpyxl.load_workbook(path)[SHEET_GUIDE].iter_rows(values_only=True)
             for c in row if isinstance(c, str)]
    assert "Không được làm" not in texts
    start = texts.index("Lưu ý")
    return texts[start:start + 5]


def _meta(path: Path) -> dict[str, str]:
    return {r[0]: r[1] for r in openpyxl.load_workbook(path)[SHEET_META].iter_rows(values_only=True) if r[0]}


def test_a_new_tt22_template_prints_the_circulars_texts_and_numbering(make_template, rubric):
    path = make_template()
    ws = openpyxl.load_workbook(path)[SHEET_SCORES]
    n = len(rubric.walk())
    assert _column(ws, COL_TT, n) == CIRCULAR_TT
    assert _column(ws, COL_LABEL, n) == CIRCULAR_LABELS
    assert [c.label for c in rubric.walk()] == CIRCULAR_LABELS
    assert _meta(path)["template_format"] == "2"
    assert _meta(path)["rubric_version"] == "2020.1"  # the scoring rules did not change
    assert _guide_notes(path) == GUIDE_NOTES_TT22


def test_the_tt24_guide_says_luu_y_and_its_numbering_is_the_circulars(tmp_path, settings):
    rubric24 = load_rubric("tt24-2023")
    layout = build_level_layout(rubric24, "tinh")
    path = write_level_template(tmp_path / "mau24.xlsx", LevelTemplateRequest(
        layout=layout, settings=settings, year=2025, generated_at=FIXED_TIME))
    assert _guide_notes(path) == GUIDE_NOTES_TT24
    assert _meta(path)["template_format"] == LEVELS_FORMAT_VERSION == "muc-do-1"  # its labels did not change
    # Điều 6, 12: "1. Tiêu chí 1", "a) Chỉ tiêu 1", ... "e) Chỉ tiêu 6"; the code column abbreviates these
    # numbers (TC3.CT6) and the point of the article each indicator cites is its own.
    letters = ["a", "b", "c", "d", "đ", "e"]
    ws = openpyxl.load_workbook(path)["Tự đánh giá"]
    for tier, last in (("tinh", 6), ("huyen", 5)):
        tl = build_level_layout(rubric24, tier)
        assert [c.criterion.label.split(":")[0] for c in tl.criterion_rows] == ["Tiêu chí 1", "Tiêu chí 2",
                                                                               "Tiêu chí 3"]
        for n, crow in enumerate(tl.criterion_rows, 1):
            counts = {1: 5, 2: 5, 3: last}[n]
            assert [i.indicator.code for i in crow.indicator_rows] == [f"TC{n}.CT{m}" for m in range(1, counts + 1)]
            assert [re.search(r"Điều \d+\.\d\.(\w+)", i.indicator.article).group(1)
                    for i in crow.indicator_rows] == letters[:counts]
    assert [ws.cell(r.row + 1, COL_CODE + 1).value for c in layout.criterion_rows
            for r in (c, *c.indicator_rows)][:7] == ["TC1", "TC1.CT1", "TC1.CT2", "TC1.CT3", "TC1.CT4", "TC1.CT5",
                                                    "TC2"]


def test_the_writer_still_writes_format_1_as_it_was(make_template, rubric):
    """The fixture is what the format-1 writer produced; the layout of format 1 reproduces it."""
    assert known_format_versions() == ("1", "2")
    n = len(rubric.walk())
    fixture = openpyxl.load_workbook(FIXTURES / "tt22_dinh_dang_1_mau.xlsx")[SHEET_SCORES]
    assert _column(fixture, COL_TT, n) == FORMAT_1_TT
    assert _column(fixture, COL_LABEL, n) == FORMAT_1_LABELS
    written = make_template("v1.xlsx", layout_=build_layout(rubric, "1"))
    ws = openpyxl.load_workbook(written)[SHEET_SCORES]
    assert _column(ws, COL_TT, n) == FORMAT_1_TT
    assert _column(ws, COL_LABEL, n) == FORMAT_1_LABELS
    assert _meta(written)["template_format"] == "1"


def _run(tmp_path: Path, rubric, files: dict[str, Path]):
    inbox = tmp_path / "ho_so"
    inbox.mkdir(parents=True, exist_ok=True)
    for name, src in files.items():
        shutil.copy(src, inbox / name)
    options = BatchOptions(input_dir=inbox, out_dir=tmp_path / "out", year=2025, rubric=rubric, workers=1,
                           today=date(2026, 2, 1))
    return run_batch(options)


SNV_SCORES = {"1": 28.0, "1a": 8.0, "1b": 10.0, "1c": 10.0, "2": 30.0, "2a": 10.0, "2b": 5.0, "2c": 10.0, "2d": 5.0,
              "3": 39.5, "3a": 24.5, "3a1": 3.0, "3a2": 3.0, "3a3": 3.0, "3a4": 3.0, "3a5": 3.0, "3a6": 3.0,
              "3a7": 3.0, "3a8": 3.5, "3b": 10.0, "3c": 5.0, "total": 97.5}
STC_SCORES = {"1": 30.0, "1a": 10.0, "1b": 10.0, "1c": 10.0, "2": 29.3, "2a": 10.0, "2b": 4.3, "2c": 10.0, "2d": 5.0,
              "3": 45.0, "3a": 25.0, "3a1": 3.0, "3a2": 3.0, "3a3": 3.0, "3a4": 3.0, "3a5": 3.0, "3a6": 3.0,
              "3a7": 3.0, "3a8": 4.0, "3b": 10.0, "3c": 10.0, "total": 104.3}
# Recorded by running the format-1 fixtures through the tool before the wording changed.
STC_FINDINGS = [
    ("score-step", "error", "Chấm điểm", "D11",
     "Điểm tiêu chí 2b là 4,3, không phải bội số của 0,5. Hãy làm tròn đến 0,5 điểm."),
    ("score-above-max", "error", "Chấm điểm", "D25",
     "Tiêu chí 3c: tự chấm 10 điểm, vượt điểm tối đa là 5. Hãy chấm lại trong khoảng 0 đến 5."),
    ("evidence-missing", "warning", "Chấm điểm", "E10",
     "Tiêu chí 2a được 10 điểm nhưng chưa ghi minh chứng. Hãy ghi số, ngày, tên văn bản chứng minh."),
]


def test_a_format_1_template_is_accepted_with_the_same_findings_and_judged_the_same(tmp_path, rubric):
    result = _run(tmp_path, rubric, {"SNV.xlsx": FIXTURES / "tt22_dinh_dang_1_SNV.xlsx",
                                     "STC.xlsx": FIXTURES / "tt22_dinh_dang_1_STC.xlsx"})
    got = {u.code: (u.status.value, u.class_label, u.scores,
                    [(i.code, i.severity.value, i.sheet, i.cell, i.message) for i in u.issues])
           for u in summarise(result).units}
    assert got == {"SNV": ("valid", "Tốt", SNV_SCORES, []), "STC": ("to_fix", "", STC_SCORES, STC_FINDINGS)}


def test_a_format_2_file_with_the_format_1_wording_is_a_changed_label(tmp_path, rubric, make_submission):
    """The old wording is accepted only from files of the old format: a new file carrying it was edited."""
    from tests.conftest import edit_workbook

    path = make_submission("SNV.xlsx")
    edit_workbook(path, lambda wb: wb[SHEET_SCORES].cell(FIRST_CRITERION_ROW + 2, COL_LABEL + 1,
                                                          FORMAT_1_LABELS[1]))
    result = _run(tmp_path / "run", rubric, {"SNV.xlsx": path})
    (unit,) = summarise(result).units
    assert [(i.code, i.cell) for i in unit.issues] == [("label-changed", "B6")]


@pytest.fixture
def published(tmp_path, make_submission, rubric):
    inbox = tmp_path / "ho_so"
    make_submission("SNV.xlsx", folder=inbox)
    shutil.copy(FIXTURES / "tt22_dinh_dang_1_STC.xlsx", inbox / "STC.xlsx")
    options = BatchOptions(input_dir=inbox, out_dir=tmp_path / "out", year=2025, rubric=rubric, workers=1,
                           today=date(2026, 2, 1))
    return publish(run_batch(options))


def test_the_consolidated_workbook_and_the_pages_number_criteria_as_the_circular(published):
    ws = openpyxl.load_workbook(published.workbook)["Thống kê"]
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[:2] == ("Nội dung tiêu chí", "TT")) + 1
    assert [(r[0].strip(), r[1]) for r in rows[start:start + len(CIRCULAR_TT)]] == list(
        zip(CIRCULAR_LABELS, CIRCULAR_TT, strict=True))
    import re

    for page in ("SNV.html", "STC.html"):  # a format-1 file's page is shown in the current wording too
        html = (published.index.parent / page).read_text(encoding="utf-8")
        heads = re.findall(r'<td>([^<]*)</td><td class="label">([^<]*)</td>', html)
        assert [(tt, label.replace("&#34;", '"')) for tt, label in heads] == list(
            zip(CIRCULAR_TT, CIRCULAR_LABELS, strict=True))
